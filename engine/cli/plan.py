"""``archplan plan``: write the integration plan for a design."""

from __future__ import annotations

import os

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
def plan(design: tuple[str, ...], from_specs: tuple[str, ...],
         profiles: tuple[str, ...], env_files: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
         config_file: str | None, no_config: bool, fmt: str, output: str | None, diagrams_dir: str | None,
         max_input_bytes: int | None) -> None:
    """Write the integration plan for DESIGN (files or directories, and --from artifacts)."""
    from engine.plan import build_plan
    from engine.plan.render import render_output
    from engine.review import review

    if not design and not from_specs:
        raise UsageError("nothing to plan: give design files or directories, or --from FORMAT=PATH")
    if diagrams_dir is not None and os.path.exists(diagrams_dir) and not os.path.isdir(diagrams_dir):
        raise UsageError(f"--diagrams {diagrams_dir}: not a directory")
    limits = common.input_limits(max_input_bytes)
    extra = common.artifacts(from_specs, limits, profiles, env_files)
    config = common.project_config(design, config_file, no_config, limits)
    # The plan needs the planning rules too (check leaves them out): findings_only=False. A one-shot process:
    # the engine's sessions are freed before the findings are assembled (keep_engine=False).
    rv = review(list(design), list(rule_dirs), builtin=not no_builtin, limits=limits, config=config,
                findings_only=False, extra=extra, run_limits=common.run_limits(), keep_engine=False)
    common.print_warnings(rv.design.warnings)
    p = build_plan(rv, render_svg=fmt == "html" or diagrams_dir is not None, effort_days=config.plan_effort,
                   team_size=config.plan_team_size)
    common.keep_to_exit(rv)
    common.keep_to_exit(p)
    text = render_output(p, fmt)  # the JSON plan as bytes, never decoded
    if diagrams_dir is not None:
        from engine.neutral import for_format

        text = for_format(text, fmt)  # write_output neutralises the plan itself, once (a 63 MB JSON: 0.27 s)
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

