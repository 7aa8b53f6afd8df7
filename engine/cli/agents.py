"""``archplan questions`` and ``archplan mcp``: the commands for the design agents that write a design."""

from __future__ import annotations

import click

from engine.cli.main import (
    _limit_options,
    _limits,
    _rules_options,
    _run_limits,
    config_options,
    design_and_config,
    from_option,
    main,
    print_warnings,
    write_output,
)


@main.command()
@click.argument("design", nargs=-1, type=click.Path())
@from_option
@_rules_options
@config_options
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the questions to this file (atomically).")
@click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")
@_limit_options
def questions(design: tuple[str, ...], from_specs: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
              config_file: str | None, no_config: bool, fmt: str, output: str | None,
              max_input_bytes: int | None) -> None:
    """List what the review needs to know, as one checklist per design agent (API, Database,
    Infrastructure, Security): targeted questions (each naming the risk it decides) first, then hygiene
    questions once for the system."""
    from engine.importers import load_artifacts
    from engine.questions import questions as ask
    from engine.questions import render_json, render_markdown
    from engine.review import review

    limits = _limits(max_input_bytes)
    design_paths, config = design_and_config(design, from_specs, config_file, no_config, limits, "ask about")
    rv = review(design_paths, list(rule_dirs), builtin=not no_builtin, limits=limits, config=config,
                extra=load_artifacts(from_specs, limits), run_limits=_run_limits())
    print_warnings(rv.design.warnings)
    per_agent = ask(rv)
    text = render_json(rv, per_agent) if fmt == "json" else render_markdown(rv, per_agent)
    write_output(output, text, design_paths)


@main.command()
def mcp() -> None:
    """Serve archplan's tools (check, explain, plan, schema, rules) to agents over the Model Context
    Protocol, on stdin and stdout (needs the mcp extra: pip install 'archplan[mcp]')."""
    from engine.errors import require_extra

    require_extra("mcp", ["mcp"], "archplan mcp")
    from engine.mcp_server import serve

    serve()
