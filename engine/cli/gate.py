"""``archplan baseline`` and ``archplan diff``: adopting the review gate on an existing design.

``check``'s gate options live in ``engine.cli.check``.
"""

from __future__ import annotations

import os
import sys
import tempfile

import click

from engine.cli import options as common
from engine.errors import ArchplanError, InputError, Location, UsageError, raise_all

DIFF_FORMATS = ("text", "json", "markdown")


@click.command()
@click.argument("design", nargs=-1, type=click.Path())
@common.review_inputs
@click.option("-o", "--output", required=True, type=click.Path(),
              help="The baseline file to write (JSON; atomically).")
@common.input_bounds
def baseline(design: tuple[str, ...], from_specs: tuple[str, ...],
             profiles: tuple[str, ...], env_files: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
             config_file: str | None, no_config: bool, output: str, max_input_bytes: int | None) -> None:
    """Record the current findings of DESIGN, so that 'check --baseline FILE' fails only on new ones.

    Each entry is a finding's fingerprint (rule, subject and file relative to the design root, never a
    line number) with its rule, subject and file for reading; entries are sorted and carry no timestamp.

    With no DESIGN: the config's design (archplan.toml: design = [...]), else ./design/.
    """
    from engine.gate.baseline import baseline_data
    from engine.gate.core import check_substance
    from engine.report import dumps_bytes
    from engine.review import review

    limits = common.input_limits(max_input_bytes)
    paths, config = common.design_and_config(design, from_specs, config_file, no_config, limits, "record")
    extra = common.artifacts(from_specs, limits, profiles, env_files)
    rv = review(paths, list(rule_dirs), builtin=not no_builtin, limits=limits, config=config, extra=extra,
                run_limits=common.run_limits())
    common.print_warnings(rv.design.warnings)
    check_substance(rv)
    data = baseline_data(rv)
    common.write_output(output, dumps_bytes(data), paths, "json")
    n = len(data["entries"])
    click.echo(f"archplan: baseline of {n} finding{'s' if n != 1 else ''} written to {output}", err=True)
    sys.exit(common.EXIT_OK)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--git", "git_ref", metavar="REF",
              help="Compare DESIGN... with its own state at git revision REF (e.g. origin/main, HEAD~1).")
@common.rules_options
@common.config_options
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low", "never"]), default=None,
              help="Exit 1 when a NEW finding reaches this severity.  [default: the config's fail-on, else high]")
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write the report to this file (atomically).")
@click.option("--waivers", "waiver_files", multiple=True, type=click.Path(),
              help="A central waivers file (repeatable); the new design's own waivers apply too.")
@click.option("--no-waivers", is_flag=True, help="Disregard every waiver.")
@click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")
@click.option("--today", "today_text", hidden=True, help="Today's date for waiver expiry (tests).")
@common.limit_options
def diff(paths: tuple[str, ...], git_ref: str | None, rule_dirs: tuple[str, ...], no_builtin: bool,
         config_file: str | None, no_config: bool, fail_on: str | None, fmt: str, output: str | None,
         waiver_files: tuple[str, ...], no_waivers: bool, max_input_bytes: int | None,
         today_text: str | None) -> None:
    """List new, resolved and unchanged findings between two versions of a design.

    archplan diff OLD NEW compares two design directories (or files); archplan diff --git REF DESIGN...
    compares the design with its own state at a git revision. Exit 1 when a new finding (not waived)
    reaches --fail-on.
    """
    from engine.gate.core import check_substance, load_waivers, today
    from engine.gate.diff import compare, extract_at_revision, relocate, to_markdown, to_text
    from engine.gate.waivers import apply
    from engine.loader import load_design
    from engine.report import dumps_bytes
    from engine.review import load_kb, paused_gc, review_design

    if no_waivers and waiver_files:
        raise UsageError("--no-waivers and --waivers contradict each other; drop one")
    if git_ref is None and len(paths) != 2:
        raise UsageError("usage: archplan diff OLD NEW, or archplan diff --git REF DESIGN...")
    limits = common.input_limits(max_input_bytes)
    new_paths = list(paths) if git_ref else [paths[1]]
    config = common.project_config(new_paths, config_file, no_config, limits)
    fail_on = fail_on or getattr(config, "fail_on", None) or "high"
    kb = load_kb(list(rule_dirs), builtin=not no_builtin, limits=limits, config=config)
    with paused_gc():
        new_rv = review_design(load_design(new_paths, limits), kb, common.run_limits())
    check_substance(new_rv)
    note = ""
    with tempfile.TemporaryDirectory(prefix="archplan-diff-") as tmp:
        top = ""
        if git_ref:
            old_paths, count, top = extract_at_revision(git_ref, list(paths), tmp)
            if not count or not old_paths:
                note = f"The design did not exist at {git_ref}: every finding is new."
        else:
            old_paths = [paths[0]]
        old_findings = []
        if old_paths:
            try:
                with paused_gc():
                    old_findings = review_design(load_design(old_paths, limits), kb, common.run_limits()).findings
            except ArchplanError as exc:
                if not git_ref:
                    raise
                raise_all([_at_revision(e, git_ref, tmp, top) for e in exc.errors])
            if top:
                old_findings = relocate(old_findings, tmp, top)
    waived = {}
    if not no_waivers:
        waivers = load_waivers(new_rv, waiver_files, True, limits)
        result = apply(waivers, new_rv.findings, today(today_text), new_rv.facts.keys())
        waived = dict(result.waived)
        for w in result.expired:
            common.err_line(f"archplan: warning: {w.location}: {w.describe()} expired on {w.expires.isoformat()}; "
                     "it waives nothing")
    res = compare(old_findings, new_rv.findings, fail_on, waived, note)
    text = dumps_bytes(res.to_json()) if fmt == "json" else to_markdown(res) if fmt == "markdown" else to_text(res)
    common.write_output(output, text, [*paths, *waiver_files], fmt)
    sys.exit(res.exit_code)



def _at_revision(err: ArchplanError, ref: str, tmp: str, top: str) -> ArchplanError:
    """An error in the old side of ``diff --git``, named by the repository file and the revision."""
    loc = err.location
    if loc is not None and loc.file and os.path.abspath(loc.file).startswith(os.path.abspath(tmp) + os.sep):
        rel = os.path.relpath(os.path.abspath(loc.file), os.path.abspath(tmp))
        loc = Location(f"{ref}:{rel.replace(os.sep, '/')}", loc.line, loc.column)
    return InputError(f"{err.message} (in the design as it was at {ref})", loc, err.keypath)
