"""``archplan questions``, ``archplan mcp`` and ``archplan schema``: the commands for the design agents that write a
design (and the editors they write it in)."""

from __future__ import annotations

import json

import click

from engine.cli import options as common
from engine.errors import UsageError


@click.command()
@click.argument("design", nargs=-1, type=click.Path())
@common.review_inputs
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the questions to this file (atomically).")
@common.input_bounds
def questions(design: tuple[str, ...], from_specs: tuple[str, ...],
              profiles: tuple[str, ...], env_files: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
              config_file: str | None, no_config: bool, fmt: str, output: str | None,
              max_input_bytes: int | None) -> None:
    """List what the review needs to know, as one checklist per design agent (API, Database,
    Infrastructure, Security): targeted questions (each naming the risk it decides) first, then hygiene
    questions once for the system."""
    from engine.questions import questions as ask
    from engine.questions import render_json, render_markdown
    from engine.review import review

    limits = common.input_limits(max_input_bytes)
    design_paths, config = common.design_and_config(design, from_specs, config_file, no_config, limits, "ask about")
    rv = review(design_paths, list(rule_dirs), builtin=not no_builtin, limits=limits, config=config,
                extra=common.artifacts(from_specs, limits, profiles, env_files), run_limits=common.run_limits())
    common.print_warnings(rv.design.warnings)
    per_agent = ask(rv)
    text = render_json(rv, per_agent) if fmt == "json" else render_markdown(rv, per_agent)
    common.write_output(output, text, design_paths)


@click.command()
def mcp() -> None:
    """Serve archplan's tools (check, explain, plan, schema, rules) to agents over the Model Context
    Protocol, on stdin and stdout (needs the mcp extra: pip install 'archplan[mcp]')."""
    from engine.errors import require_extra

    require_extra("mcp", ["mcp"], "archplan mcp")
    import gc

    from engine.mcp_server import serve

    # The console script turns the cyclic garbage collector off for a one-shot command (engine.cli.main.entry);
    # a server lives for many requests, so cycles must be collected: the reviews pause it only while they build.
    gc.enable()
    serve()


@click.command()
@click.option("--rules", "of_rules", is_flag=True, help="The schema of a rule file instead of a design file.")
@click.option("--agent", type=click.Choice(["api", "database", "infrastructure", "security"]),
              help="Only the part of a design file this design agent owns (its source: and sections).")
@click.option("--strict", is_flag=True,
              help="The variant strict structured-output modes accept: every property required (unknown as "
                   "null), no additional properties, no keyword they reject (docs/agents.md lists them).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write it to this file (atomically); default stdout. Editors find it under the name the "
                   "modeline of `import` and `rules new` gives: design.schema.json, rule.schema.json.")
def schema(of_rules: bool, agent: str | None, strict: bool, output: str | None) -> None:
    """Print the JSON Schema of a design file, or of a rule file (for editors and upstream agents)."""
    from engine.schema import agent_schema, design_schema, rule_schema, strict_schema

    if of_rules and (agent or strict):
        raise UsageError("--agent and --strict apply to the design schema, not to --rules")
    data = rule_schema() if of_rules else agent_schema(agent) if agent else design_schema()
    if strict:
        data = strict_schema(data)
    common.write_output(output, json.dumps(data, indent=2, sort_keys=True) + "\n", fmt="json")
