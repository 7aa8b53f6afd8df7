"""``archplan plan``: write the integration plan for a design."""

from __future__ import annotations

import os

import click

from engine.cli import _limits, _rules_options, main, write_output
from engine.errors import UsageError


@main.command()
@click.argument("design", nargs=-1, required=True, type=click.Path())
@_rules_options
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json", "text"]), default="markdown",
              show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write the plan to this file (atomically).")
@click.option("--diagrams", "diagrams_dir", type=click.Path(),
              help="Also write architecture.mmd, architecture.dot (and architecture.svg with Graphviz) here.")
@click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")
def plan(design: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool, fmt: str, output: str | None,
         diagrams_dir: str | None, max_input_bytes: int | None) -> None:
    """Write the integration plan for DESIGN (files or directories)."""
    from engine.plan import build_plan
    from engine.plan.render import render
    from engine.review import review

    rv = review(list(design), list(rule_dirs), builtin=not no_builtin, limits=_limits(max_input_bytes),
                findings_only=False)
    p = build_plan(rv, render_svg=fmt == "html" or diagrams_dir is not None)
    text = render(p, fmt)
    if diagrams_dir is not None:
        if not os.path.isdir(diagrams_dir):
            raise UsageError(f"--diagrams {diagrams_dir}: no such directory")
        files = {"architecture.mmd": p.architecture.mermaid, "architecture.dot": p.architecture.dot,
                 "roadmap.mmd": p.roadmap.mermaid}
        if p.architecture.svg:
            files["architecture.svg"] = p.architecture.svg
        for name, content in files.items():
            write_output(os.path.join(diagrams_dir, name), content, list(design))
    write_output(output, text, list(design))
