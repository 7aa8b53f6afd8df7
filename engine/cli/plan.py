"""``archplan plan``: write the integration plan for a design."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import click

from engine.cli import options as common
from engine.errors import UsageError


@click.command()
@click.argument("design", nargs=-1, type=click.Path())
@common.review_inputs
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json", "text", "gh-issues", "jira-csv"]),
              default="markdown", show_default=True,
              help="gh-issues and jira-csv write the roadmap's work items for an issue tracker.")
@click.option("-o", "--output", type=click.Path(), help="Write the plan to this file (atomically).")
@click.option("--diagrams", "diagrams_dir", type=click.Path(),
              help="Also write architecture.mmd/.dot, roadmap.mmd/.dot (and .svg with Graphviz) to this directory.")
@common.input_bounds
def plan(design: tuple[str, ...], from_specs: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
         config_file: str | None, no_config: bool, fmt: str, output: str | None, diagrams_dir: str | None,
         max_input_bytes: int | None) -> None:
    """Write the integration plan for DESIGN (files or directories, and --from artifacts)."""
    from engine.plan import build_plan
    from engine.plan.render import render

    if not design and not from_specs:
        raise UsageError("nothing to plan: give design files or directories, or --from FORMAT=PATH")
    if diagrams_dir is not None and os.path.exists(diagrams_dir) and not os.path.isdir(diagrams_dir):
        raise UsageError(f"--diagrams {diagrams_dir}: not a directory")
    limits = common.input_limits(max_input_bytes)
    extra = common.artifacts(from_specs, limits)
    config = common.project_config(design, config_file, no_config, limits)
    rv = _review(list(design), list(rule_dirs), not no_builtin, limits, config, extra)
    common.print_warnings(rv.design.warnings)
    p = build_plan(rv, render_svg=fmt == "html" or diagrams_dir is not None, effort_days=config.plan_effort,
                   team_size=config.plan_team_size)
    from engine.neutral import for_format

    text = for_format(render(p, fmt), fmt)
    if diagrams_dir is not None:
        files = {"architecture.mmd": p.architecture.mermaid, "architecture.dot": p.architecture.dot,
                 "roadmap.mmd": p.roadmap.mermaid, "roadmap.dot": p.roadmap.dot}
        if p.architecture.svg:
            files["architecture.svg"] = p.architecture.svg
        if p.roadmap.svg:
            files["roadmap.svg"] = p.roadmap.svg
        # One atomic set: the diagrams and the plan file are written together or not at all.
        from engine.gate.output import write_all, write_stdout

        outputs = [(os.path.join(diagrams_dir, name), content) for name, content in sorted(files.items())]
        to_file = output is not None and output != "-"
        write_all([*outputs, (str(output), text)] if to_file else outputs, list(design))
        if not to_file:
            write_stdout(text)
        return
    common.write_output(output, text, list(design), fmt)


def _review(design: list[str], rule_dirs: list[str], builtin: bool, limits: Any, config: Any,
            extra: Sequence[Any]) -> Any:
    """``engine.review.review`` with the planning rules too (check leaves them out), in a one-shot process.

    The rule engine's session keeps its own copy of every fact for a next run this process never makes
    (226 MB of the 684 MB the run peaks at on 5,000 services): it is freed before the findings are
    assembled, so that the plan's peak stays the run's (744 MB -> 686 MB in-process).
    """
    from engine.enrich import enrich
    from engine.loader import load_design
    from engine.review import assemble, facts_for_engine, load_kb, paused_gc
    from engine.runtime import clear_cache, run

    kb = load_kb(rule_dirs, builtin, limits=limits, config=config, findings_only=False)
    with paused_gc():
        loaded = load_design(design, limits, extra=extra)
        enriched = enrich(loaded)
        result = run(kb, facts_for_engine(enriched), common.run_limits())
        clear_cache()
        return assemble(loaded, enriched, kb, result)
