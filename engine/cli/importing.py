"""``archplan import FORMAT FILE... [-o facts.yaml]``: artifacts in, an editable agent file out.

The file is a normal design file: every fact carries a comment naming the artifact line it came
from, and the hints (data classification, inferred edges) say what they rest on. Output is
deterministic (facts sorted by kind and key, keys in the model's order) and written atomically.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from engine.cli import options as common
from engine.errors import UsageError

if TYPE_CHECKING:  # imported when the command runs, so that `archplan --help` stays quick
    from engine.model.design import Design, Fact
    from engine.source import Document

_DERIVED_NAMES = ("interaction", "endpoint", "system", "security", "observability")

HEADER = """\
# archplan design file, imported by `archplan import {fmt}` from:
{sources}
# Edit freely: this file is yours now. Each fact names the artifact line it came from.
# What an artifact cannot tell (timeouts, retries, circuit breakers, idempotency of handlers...)
# is left out on purpose: the review reports it as an information gap until you state it.
# data_classification / carries_classification values are hints from field names: check them.
# Edges with inferred_from were inferred from configuration: confirm them (then drop the key) or
# delete them. Hand-written facts win over imported ones when both are given to `archplan check`.
"""


def _comment(text: str) -> str:
    """One safe comment line: a name from an artifact may hold a line break that would end the comment."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= 300 else flat[:297] + "..."


def _ordered(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The fact's keys in the model's field order, without the names the loader derived."""
    from engine.model import SECTIONS
    from engine.model.kinds import identity

    model = next(m for _s, (k, m, _l) in SECTIONS.items() if k == kind)
    order = [f.alias or n for n, f in model.model_fields.items()]
    out = {k: data[k] for k in order if k in data}
    out.update({k: v for k, v in data.items() if k not in out})
    if kind in _DERIVED_NAMES and "name" in out:
        rest = {k: v for k, v in out.items() if k != "name"}
        if kind in ("system", "security", "observability") and "name" not in model.model_fields:
            out = rest
        elif kind not in ("system", "security", "observability") and out["name"] == identity(kind, rest):
            out = rest
        elif kind in ("system", "security", "observability") and out["name"] == kind:
            out = rest
    return out


def render(design: Design, docs: Sequence[Document], fmt: str, sources: Sequence[str],
           output: str | None = None) -> str:
    """The agent file for an imported design (deterministic), to be written to ``output`` (None: stdout).

    Its first line points editors at the design schema (``archplan schema -o design.schema.json``).
    """
    import yaml

    from engine.importers.base import ArtifactDocument
    from engine.model import SECTIONS
    from engine.schema import DESIGN_SCHEMA_FILE, modeline

    notes: dict[str, list[str]] = {}
    for d in docs:
        if isinstance(d, ArtifactDocument):
            for key, lst in d.notes.items():
                notes.setdefault(key, [])
                notes[key].extend(n for n in lst if n not in notes[key])
    agents = {str(d.data.get("source")) for d in docs if isinstance(d.data, dict)}
    if len(agents) != 1:
        raise UsageError(f"these artifacts are for different agents ({', '.join(sorted(agents))}); import each "
                         "format into its own file")
    header = HEADER.format(fmt=fmt, sources="\n".join(_comment(f"# - {s}") for s in sources))
    lines = [modeline(output, DESIGN_SCHEMA_FILE), header.rstrip("\n"),
             f"source: {agents.pop()}"]
    by_kind: dict[str, list[Fact]] = {}
    for f in design.facts:
        by_kind.setdefault(f.kind, []).append(f)
    for section, (kind, _model, is_list) in SECTIONS.items():
        facts = by_kind.get(kind)
        if not facts:
            continue
        lines.append("")
        if not is_list:
            f = facts[0]
            lines.append(_comment(f"# from {f.location}"))
            lines.extend(_comment(f"# {n}") for n in notes.get(f.key, []))
            dumped = yaml.safe_dump({section: _ordered(kind, dict(f.data))}, sort_keys=False,
                                    default_flow_style=False, allow_unicode=False, width=110)
            lines.append(dumped.rstrip("\n"))
            continue
        lines.append(f"{section}:")
        for f in facts:
            lines.append("  " + _comment(f"# from {f.location}"))
            lines.extend("  " + _comment(f"# {n}") for n in notes.get(f.key, []))
            dumped = yaml.safe_dump([_ordered(kind, dict(f.data))], sort_keys=False, default_flow_style=False,
                                    allow_unicode=False, width=110)
            lines.extend(f"  {ln}" for ln in dumped.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


@click.command("import")
@click.argument("fmt", metavar="FORMAT")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Write the agent file here (atomically); default stdout.")
@click.option("--service", help="Name of the serving service (OpenAPI, AsyncAPI: default from info.title), of the "
                                "gateway, or of the service a Spring application.yml configures.")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="Compose: enable this profile, as `docker compose --profile NAME up` (repeatable; '*' enables "
                   "all). Without it, the profiles COMPOSE_PROFILES sets in the project's .env; services of no "
                   "enabled profile are left out, as compose does not start them.")
@click.option("--env-file", "env_files", multiple=True, metavar="PATH", type=click.Path(),
              help="Compose: interpolate the files' variables from this env file, as `docker compose --env-file PATH` "
                   "(repeatable, later over earlier), instead of the project's .env.")
@click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary (what was found, what stays unknown).")
def import_cmd(fmt: str, files: tuple[str, ...], output: str | None, service: str | None,
               profiles: tuple[str, ...], env_files: tuple[str, ...], max_input_bytes: int | None,
               quiet: bool) -> None:
    """Import artifacts as an editable agent file.

    FORMAT is one of openapi, asyncapi, compose, kubernetes, gateway, spring, source (a service's code: its routes,
    calls, credentials and log statements), aspire (a .NET Aspire AppHost's Program.cs or project directory), or auto
    (judged by content). A summary goes to stderr: components and
    edges found, those left out and why, and the fields the rules need that stay unknown, grouped by the design agent
    to ask.
    """
    from engine.import_summary import summary_lines
    from engine.importers import import_paths, resolve_format
    from engine.loader import load_documents
    from engine.neutral import line as neutral_line
    from engine.ruleload import builtin_rules_dir, load_rules

    fmt = resolve_format(fmt)
    limits = common.input_limits(max_input_bytes)
    docs = import_paths(fmt, list(files), limits, service, profiles, env_files)
    if not docs:
        raise UsageError(f"nothing imported from {', '.join(files)}")
    design = load_documents(docs)
    common.print_warnings(design.warnings)
    shown = fmt if fmt != "auto" else ",".join(sorted({getattr(d, "format", "") for d in docs}))
    shown += "".join(f" --profile {shlex.quote(p)}" for p in profiles)
    shown += "".join(f" --env-file {shlex.quote(os.path.normpath(e))}" for e in env_files)
    text = render(design, docs, shown, [os.path.normpath(f) for f in files], output)
    common.write_output(output, text, list(files), "raw")
    if not quiet:
        for line in summary_lines(design, load_rules([builtin_rules_dir()])):
            click.echo(neutral_line(line), err=True)


__all__ = ["import_cmd", "render"]
