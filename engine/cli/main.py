"""The ``archplan`` command: a thin layer over the library. The only module that prints or exits.

Exit codes: 0 no finding reaches the threshold; 1 one does; 2 any usage, input or internal error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import gc
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from engine import __version__
from engine.cli.check import FORMATS as GATE_FORMATS
from engine.cli.check import gate_options
from engine.errors import ArchplanError, UsageError
from engine.source import DEFAULT_LIMITS, Limits

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
THRESHOLDS = ("critical", "high", "medium", "low", "never")
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO}


def _fail(errors: Sequence[str]) -> NoReturn:
    from engine.neutral import line as one_line

    for line in errors:
        click.echo(f"archplan: error: {one_line(line)}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    """Turns every error into readable lines and exit code 2, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        from engine import budget

        try:
            with budget.bounded():  # every command has a deadline and a memory budget (``--max-seconds`` …)
                return super().invoke(ctx)
        except ArchplanError as exc:
            _fail([str(e) for e in exc.errors])
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(EXIT_ERROR)
        except OSError as exc:
            if exc.filename is None and exc.errno in _WRITE_ERRNOS:  # writing stdout: disk full, `ulimit -f`
                _fail([_write_error(exc)])
            if os.environ.get("ARCHPLAN_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} (set ARCHPLAN_DEBUG=1 for a traceback)"])
        except RecursionError:
            _fail(["input nested too deeply to process"])
        except MemoryError:
            _fail(["out of memory: the command needed more than its memory budget; lower the input size or "
                   "raise the bound with --max-memory"])
        except Exception as exc:  # a bug: still exit 2, never a traceback, never a pass
            if isinstance(exc, ImportError) and exc.name == "durable_rules_engine":
                _fail([str(exc)])  # no bug: a failed build of the rule engine, and the command that rebuilds it
            if os.environ.get("ARCHPLAN_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} (set ARCHPLAN_DEBUG=1 for a traceback)"])

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            from engine.errors import did_you_mean

            if args and args[0] not in self.commands:
                raise click.UsageError(
                    f"no such command '{args[0]}'{did_you_mean(args[0], self.commands)}", ctx) from None
            raise


def write_output(path: str | None, text: str, inputs: Sequence[str] = (), fmt: str = "text") -> None:
    """Write to stdout (whole or not at all), or atomically to ``path`` (never over an input, never
    half-written), neutralised as ``fmt`` allows (``engine.neutral.for_format``)."""
    from engine.gate.output import write_all, write_stdout
    from engine.neutral import for_format

    text = for_format(text, fmt)
    if path is None or path == "-":
        write_stdout(text)
        return

    write_all([(path, text)], inputs)


def _limits(max_bytes: int | None) -> Limits:
    depth, facts = _limit_values().get("max_depth"), _limit_values().get("max_facts")
    if not max_bytes and depth is None and facts is None:
        return DEFAULT_LIMITS
    return dataclasses.replace(DEFAULT_LIMITS, max_bytes=max_bytes or DEFAULT_LIMITS.max_bytes,
                               max_depth=depth or DEFAULT_LIMITS.max_depth, max_facts=facts or DEFAULT_LIMITS.max_facts)


_RUN_LIMITS = {"max_facts": "max_facts", "max_derived_facts": "max_derived", "max_chain": "max_chain"}
"""``check`` option -> ``engine.runtime.RunLimits`` field. ``--max-seconds`` and ``--max-memory`` bound the whole
command instead (``engine.budget``)."""


def _limit_values() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get("archplan.limits", {})) if ctx is not None else {}


def _run_limits() -> Any:
    """The ``RunLimits`` the ``_limit_options`` flags ask for (None: the defaults)."""
    from engine.runtime import RunLimits

    values = {field: _limit_values()[opt] for opt, field in _RUN_LIMITS.items()
              if _limit_values().get(opt) is not None}
    return RunLimits(**values) if values else None


def _size(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A size in bytes: ``2G``, ``512M``, ``100k`` or a plain number."""
    from engine.budget import parse_bytes

    if value is None:
        return None
    try:
        return parse_bytes(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _limit_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Resource bounds (``--max-depth``, ``--max-facts`` …). The values go on the click context, where
    ``_limits`` and ``_run_limits`` read them, so that the command's own signature stays unchanged."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine import budget

        click.get_current_context().meta["archplan.limits"] = {
            k: kwargs.pop(k) for k in ("max_depth", *_RUN_LIMITS) if k in kwargs}
        # The command so far (parsing its arguments) ran under the default budget; these flags replace it.
        with budget.bounded(kwargs.pop("max_seconds"), kwargs.pop("max_memory")):
            return f(*args, **kwargs)

    options = [
        click.option("--max-depth", type=click.IntRange(1, 1000),
                     help="Deepest nesting read in a design or rule file [default: 64; YAML stops at 1000]."),
        click.option("--max-facts", type=click.IntRange(1),
                     help="Most facts a design may have once enriched [default: 200000]."),
        click.option("--max-derived-facts", type=click.IntRange(1),
                     help="Most facts the rules may derive in one run [default: 200000]."),
        click.option("--max-chain", type=click.IntRange(1),
                     help="Deepest chain of derived facts (a rule deriving from a derived fact ...) [default: 1000]."),
        click.option("--max-seconds", type=click.FloatRange(0, min_open=True),
                     help="Longest wall time of the whole command (loading, enriching, firing the rules, "
                          "reporting), in seconds [default: 300]."),
        click.option("--max-memory", callback=_size, metavar="SIZE",
                     help="Most memory the command may use, e.g. 2G or 512M [default: 4G]."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _rules_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(),
                     help="Add a rule pack directory (repeatable).")(f)
    return click.option("--no-builtin", is_flag=True, help="Do not load the built-in knowledge base.")(f)


def config_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE`` and ``--no-config``: pass both on to ``project_config``."""
    f = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Project config (archplan.toml or pyproject.toml); default: found upward from the "
                          "design.")(f)
    return click.option("--no-config", is_flag=True, help="Ignore any project config file.")(f)


def project_config(design: Sequence[str], config_file: str | None, no_config: bool,
                   limits: Limits = DEFAULT_LIMITS) -> Any:
    """The ``engine.config.Config`` for a command run on ``design`` (for ``review(..., config=...)``)."""
    from engine.config import resolve

    return resolve(list(design), config_file, no_config, limits)


def design_and_config(design: Sequence[str], from_specs: Sequence[str], config_file: str | None, no_config: bool,
                      limits: Limits, verb: str = "review") -> tuple[list[str], Any]:
    """The design to read and its config. With no DESIGN argument: the config's ``design`` (the config found
    from the working directory), else ``./design`` when it is a directory; with neither (and no ``--from``),
    a usage error."""
    from engine.config import DEFAULT_DESIGN, default_design

    config = project_config(design, config_file, no_config, limits)
    if design:
        return list(design), config
    paths = default_design(config)
    if not paths and not from_specs:
        raise UsageError(f"nothing to {verb}: give design files or directories, list them in archplan.toml "
                         f"(design = [...]), keep them in ./{DEFAULT_DESIGN}/, or use --from FORMAT=PATH")
    if paths and not config.design and not config_file and not no_config:
        config = project_config(paths, None, False, limits)  # found from ./design, as when it is named
    return list(paths), config


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archplan")
def main() -> None:
    """Review a backend design before it is built, and plan its integration."""


def entry() -> None:
    """The ``archplan`` console script: ``main`` in a one-shot process.

    The cyclic garbage collector stays off for the whole run. A review builds millions of small,
    acyclic objects that reference counting frees; with the collector on, each full collection
    walks all of them again (on 5,000 services, two seconds of a seven-second run went to
    collections triggered while writing the report). A process that exits after one command has
    no use for it; library callers keep theirs (``engine.review`` pauses it only while building).
    """
    from engine import budget

    if sys.stdout is None or sys.stderr is None:  # started with a standard stream closed: nowhere to report
        os._exit(EXIT_ERROR)
    sys.stdout = _whole_writes(sys.stdout)
    gc.disable()
    budget.hard_limits = True  # the deadline's interval timer and RLIMIT_AS (engine.budget)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # unwind like Ctrl-C, so that temporary files are removed
        signal.signal(sig, _interrupted)
    try:
        main()
    except SystemExit as done:
        if not isinstance(done.code, (int, type(None))):
            raise  # a message to print: let Python do it
        code = done.code or 0
        # Every output is written and closed (atomically, by engine.gate.output). Freeing the review's
        # millions of objects one by one at interpreter exit took half a second on 5,000 services; the
        # operating system takes the memory back at once.
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # a reader that went away (`| head`)
            pass
        except (OSError, ValueError) as exc:  # disk full, `ulimit -f`: the report on stdout is incomplete
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"archplan: error: {_write_error(exc)}\n")
            code = EXIT_ERROR
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(code)


class _WholeWrites(io.RawIOBase):
    """A file descriptor written whole or not at all: each write loops until every byte is out, or raises.

    Python's own stdout drops what a short write (a full disk, ``ulimit -f``) left over, silently: a SARIF
    report cut at 8 KiB passed with exit 0.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            view = view[os.write(self.fd, view):]
        return total


def _whole_writes(stream: Any) -> Any:
    """``stream`` (standard output) re-opened over ``_WholeWrites``, with its encoding and buffering."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    return io.TextIOWrapper(io.BufferedWriter(_WholeWrites(fd)), encoding=stream.encoding, errors=stream.errors,
                            line_buffering=stream.line_buffering, write_through=False)


def _interrupted(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _write_error(exc: BaseException) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot write the output to standard output: {reason}; the output is incomplete"


def from_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--from FORMAT[:SERVICE]=PATH`` (repeatable): artifacts imported beside the design files.

    Turn the values into documents with ``engine.importers.load_artifacts`` and pass them to
    ``load_design(..., extra=...)`` / ``review(..., extra=...)``; print ``design.warnings`` with
    ``print_warnings``.
    """
    return click.option("--from", "from_specs", multiple=True, metavar="FORMAT=PATH",
                        help="Also read an artifact (repeatable): openapi, asyncapi, compose, kubernetes, gateway, "
                             "spring or auto (by content); FORMAT:SERVICE=PATH names the serving service.")(f)


def print_warnings(warnings: Sequence[Any]) -> None:
    """Print load warnings (e.g. a hand-written value overriding an imported one) to stderr."""
    from engine.neutral import line

    for w in warnings:
        click.echo(f"archplan: warning: {line(str(w))}", err=True)


@main.command()
@click.argument("design", nargs=-1, type=click.Path())
@from_option
@_rules_options
@config_options
@click.option("--fail-on", type=click.Choice(THRESHOLDS), default=None,
              help="Exit 1 when a finding reaches this severity.  [default: the config's fail-on, else high]")
@click.option("--format", "fmt", type=click.Choice(GATE_FORMATS), default="text", show_default=True)
@click.option("-o", "--output", multiple=True, metavar="[FORMAT=]PATH",
              help="Write the --format report to PATH, or another format with FORMAT=PATH (repeatable; e.g. "
                   "--output sarif=out.sarif --output junit=out.xml); all written atomically.")
@click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")
@_limit_options
@gate_options
def check(design: tuple[str, ...], from_specs: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
          config_file: str | None, no_config: bool, fail_on: str | None, fmt: str, output: tuple[str, ...],
          max_input_bytes: int | None, **gate_opts: Any) -> None:
    """Review DESIGN (files or directories, and --from artifacts) and report risks.

    With no DESIGN: the config's design (archplan.toml: design = [...]), else ./design/.
    """
    from engine.importers import load_artifacts

    design_paths, config = design_and_config(design, from_specs, config_file, no_config, _limits(max_input_bytes))
    extra = load_artifacts(from_specs, _limits(max_input_bytes))
    pinned = None
    if gate_opts.get("policy_from"):
        from engine.gate.pin import pin

        pinned = pin(gate_opts["policy_from"], design_paths, config_file, no_config, list(rule_dirs),
                     list(gate_opts.get("waiver_files") or ()), _limits(max_input_bytes))
    try:
        sys.exit(_check(design_paths, config, extra, pinned, rule_dirs, no_builtin, fail_on, fmt, output,
                        max_input_bytes, gate_opts))
    finally:
        if pinned is not None:
            pinned.cleanup()


def _check(design_paths: list[str], config: Any, extra: Any, pinned: Any, rule_dirs: tuple[str, ...],
           no_builtin: bool, fail_on: str | None, fmt: str, output: tuple[str, ...], max_input_bytes: int | None,
           gate_opts: dict[str, Any]) -> int:
    """``check`` once its inputs are known: with ``pinned`` (``--policy-from``), under the pinned policy."""
    from engine.gate.policy import change_findings
    from engine.gate.policy import describe as describe_policy
    from engine.review import review

    limits = _limits(max_input_bytes)
    used_config, used_dirs = (pinned.config, pinned.rule_dirs) if pinned else (config, list(rule_dirs))
    fail_on = fail_on or used_config.fail_on or "high"
    rv = review(design_paths, used_dirs, builtin=not no_builtin, limits=limits, config=used_config, extra=extra,
                run_limits=_run_limits())
    print_warnings(rv.design.warnings)
    gate_opts = dict(gate_opts, policy=describe_policy(rv, used_config, used_dirs, not no_builtin,
                                                       pinned.ref if pinned else None,
                                                       pinned.shown if pinned else None))
    if pinned is not None:
        from engine.gate.pin import changes

        gate_opts["pinned_waivers"] = () if gate_opts.get("no_waivers") else tuple(pinned.waiver_docs)
        rv.findings.extend(change_findings(rv, changes(pinned, config, list(rule_dirs), rv.design.waiver_docs,
                                                       list(gate_opts.get("waiver_files") or ()), limits)))
    from engine.cli.check import finish_check  # waivers, baseline, outputs, exit code

    return finish_check(rv, design_paths, fmt, output, fail_on, gate_opts, limits)


@main.command()
@click.argument("args", nargs=-1, required=True)
@from_option
@_rules_options
@config_options
def explain(args: tuple[str, ...], from_specs: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
            config_file: str | None, no_config: bool) -> None:
    """Explain one finding: archplan explain DESIGN... FINDING-ID."""
    from engine.importers import load_artifacts
    from engine.report import explain as explain_text
    from engine.review import review

    if len(args) < (1 if from_specs else 2):
        raise UsageError("usage: archplan explain DESIGN... FINDING-ID")
    *design, ident = args
    rv = review(design, list(rule_dirs), builtin=not no_builtin,
                config=project_config(design, config_file, no_config), extra=load_artifacts(from_specs))
    print_warnings(rv.design.warnings)
    finding = rv.find(ident)
    if finding is None:
        from engine.errors import did_you_mean

        ids = [f.id for f in rv.findings] + [f"{f.rule}@{f.subject}" for f in rv.findings]
        raise UsageError(f"no finding '{ident}' in this design{did_you_mean(ident, ids)}")
    from engine.neutral import channel

    click.echo(channel(explain_text(rv, finding)), nl=False)


@main.command()
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
    write_output(output, json.dumps(data, indent=2, sort_keys=True) + "\n", fmt="json")


@main.group()
def rules() -> None:
    """Inspect, test and document the knowledge base."""


@rules.command("list")
@_rules_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(rule_dirs: tuple[str, ...], no_builtin: bool, fmt: str) -> None:
    """List every rule."""
    from tabulate import tabulate

    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    items = [kb.source[r] for r in sorted(kb.source)]
    if fmt == "json":
        data = [{"id": lr.rule.id, "title": lr.rule.title, "category": lr.rule.category.value,
                 "severity": lr.rule.severity.value if lr.rule.severity else None, "phase": int(lr.rule.phase),
                 "likelihood": lr.rule.risk.likelihood if lr.rule.risk else None,
                 "impact": lr.rule.risk.impact if lr.rule.risk else None,
                 "file": os.path.relpath(lr.file), "references": lr.rule.references} for lr in items]
        write_output(None, json.dumps(data, indent=2, sort_keys=True) + "\n", fmt="json")
        return
    from engine.neutral import one_line

    rows = [[lr.rule.id, lr.rule.category.value, lr.rule.severity.value if lr.rule.severity else "-",
             f"{lr.rule.risk.likelihood} x {lr.rule.risk.impact}" if lr.rule.risk else "-",
             int(lr.rule.phase), one_line(lr.rule.title)] for lr in items]
    write_output(None, tabulate(rows, headers=["id", "category", "severity", "likelihood x impact", "phase",
                                               "title"]) + "\n")
    click.echo(f"\n{len(items)} rules")


@rules.command("show")
@click.argument("rule_id")
@_rules_options
def rules_show(rule_id: str, rule_dirs: tuple[str, ...], no_builtin: bool) -> None:
    """Show one rule: its docs, condition and examples."""
    from engine.errors import did_you_mean
    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    lr = kb.source.get(rule_id)
    if lr is None:
        raise UsageError(f"no rule '{rule_id}'{did_you_mean(rule_id, kb.source)}")
    from engine.neutral import channel

    with open(lr.file, encoding="utf-8") as fh:
        click.echo(channel(f"# {os.path.relpath(lr.file)}\n{fh.read()}"), nl=False)


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@_rules_options
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def rules_test(paths: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool, verbose: bool) -> None:
    """Run every rule's examples and case files (under PATHS, if given)."""
    from engine.neutral import line
    from engine.review import load_kb
    from engine.ruletest import check_unknown_policy, run_cases

    extra = [p for p in paths if os.path.isdir(p)] if no_builtin else []
    kb = load_kb(list(rule_dirs) + extra, builtin=not no_builtin)
    results = run_cases(kb, list(paths))
    if not results:
        raise UsageError("no rule examples found" + (f" under {', '.join(paths)}" if paths else ""))
    failed = [r for r in results if not r.ok]
    for r in results:
        if verbose or not r.ok:
            status = "ok  " if r.ok else "FAIL"
            loc = r.case.location
            click.echo(line(f"{status} {r.case.test_id}  {loc}: {r.detail}"))
    # The unknown policy (rules/README.md, section 4): no field a rule tests may leave it silent when unknown.
    checked, silent = check_unknown_policy(kb, list(paths))
    for s in silent:
        click.echo(line(f"FAIL {s.rule}::unknown:{s.ref}  {s.location}: {s.detail}"))
    rules_count = len({r.case.rule for r in results})
    click.echo(f"unknown policy: {checked} fields checked, {len(silent)} leave their rule silent")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({rules_count} rules)")
    sys.exit(EXIT_FINDINGS if failed or silent else EXIT_OK)


# --- command modules --- (one import line each; they register their commands on `main`)
import engine.cli.agents  # noqa: E402
import engine.cli.gate  # noqa: E402
import engine.cli.importing  # noqa: E402
import engine.cli.plan  # noqa: E402
import engine.cli.rules  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    main()
