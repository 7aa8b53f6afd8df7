"""``archplan check`` and ``archplan explain``: review a design, judge it with the review gate's options
(waivers, baseline, policy), render and write every report, and exit with the gate's code.

:func:`finish_check` does not exit: it returns the code, and ``check`` exits with it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from engine import budget
from engine.cli import options as common
from engine.errors import UsageError, did_you_mean
from engine.model.document import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:  # the engine is imported only when check runs, so that `archplan --help` stays quick
    from engine.gate.core import Gate
    from engine.report import TextStyle
    from engine.review import Review

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
COLOR_CHOICES = ("auto", "always", "never")
_FORMAT_PREFIX = re.compile(r"^([a-z]+)=(.+)$")


def err_line(text: str) -> None:
    """One line on stderr, neutralised (``engine.neutral.line``): an input's text never starts a command."""
    from engine.neutral import line

    click.echo(line(text), err=True)


def gate_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The gate's options, added to ``check`` as one block."""
    opts = [
        click.option("--waivers", "waiver_files", multiple=True, type=click.Path(),
                     help="A central waivers file (repeatable); design files may also hold a 'waivers:' section."),
        click.option("--no-waivers", is_flag=True, help="Disregard every waiver (design and files)."),
        click.option("--fail-on-unused-waivers", is_flag=True,
                     help="Fail the gate when a waiver matches no finding (otherwise a warning)."),
        click.option("--baseline", "baseline_file", type=click.Path(),
                     help="Fail only on findings not recorded in this baseline (from 'archplan baseline')."),
        click.option("--exit-zero", is_flag=True,
                     help="Report but exit 0 whatever is found (rollout); the output says it is not enforcing."),
        click.option("--include-waived", is_flag=True, help="SARIF: list waived findings with a suppression."),
        click.option("--color", "color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                     help="Colour the text report. auto: on a terminal unless NO_COLOR is set, or wherever "
                          "FORCE_COLOR is. (Only a terminal's report is wrapped to its width.)"),
        click.option("--policy-from", "policy_from", metavar="REF",
                     help="Take archplan.toml, the waivers and the rule packs from this git revision (e.g. "
                          "origin/main), so that a pull request cannot relax its own gate; each change it makes "
                          "to them is reported as a policy-change finding."),
        click.option("--today", "today_text", hidden=True, help="Today's date for waiver expiry (tests)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def parse_outputs(values: Sequence[str], fmt: str) -> list[tuple[str, str]]:
    """``--output`` values: ``FORMAT=PATH``, or a bare PATH for the ``--format`` report."""
    out: list[tuple[str, str]] = []
    plain = 0
    for value in values:
        m = _FORMAT_PREFIX.match(value)
        if m:
            name, path = m.group(1), m.group(2)
            if name not in FORMATS:
                raise UsageError(f"--output {value}: unknown format '{name}'{did_you_mean(name, FORMATS)}; "
                                 f"use FORMAT=PATH with one of {', '.join(FORMATS)} (write ./{value} for a file "
                                 "of that name)")
            if path == "-" and name != fmt:
                raise UsageError(f"--output {value}: only the --format report can go to standard output")
            out.append((name, path))
        else:
            plain += 1
            out.append((fmt, value))
    if plain > 1:
        raise UsageError("--output PATH given more than once; name the format of each: --output FORMAT=PATH")
    return out


def check_flags(fmt: str, outputs: Sequence[tuple[str, str]], fail_on: str, opts: dict[str, Any]) -> None:
    """Refuse flags that cannot apply, rather than ignore them."""
    if opts.get("no_waivers") and opts.get("waiver_files"):
        raise UsageError("--no-waivers and --waivers contradict each other; drop one")
    if opts.get("no_waivers") and opts.get("fail_on_unused_waivers"):
        raise UsageError("--fail-on-unused-waivers cannot apply with --no-waivers")
    if opts.get("exit_zero") and fail_on == "never":
        raise UsageError("--exit-zero cannot apply with --fail-on never: the gate already never fails on findings")
    formats = {fmt} | {f for f, _p in outputs}
    if opts.get("include_waived") and "sarif" not in formats:
        raise UsageError("--include-waived applies to SARIF output only; add --format sarif or --output sarif=PATH")


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (a function, so that tests can pretend it is)."""
    stream = sys.stdout
    return stream is not None and stream.isatty()


def terminal_style(color: str = "auto") -> TextStyle:
    """The text report's style on standard output: wrapped to the terminal's width (``COLUMNS`` if set) and
    coloured on a terminal; plain on a pipe or a file, so that what is saved is the same on every machine.

    Colour follows ``--color``; with ``auto``, a non-empty ``NO_COLOR`` turns it off (https://no-color.org),
    then a non-empty ``FORCE_COLOR`` turns it on, else it is on for a terminal only.
    """
    from engine.report import TextStyle

    tty = stdout_is_terminal()
    if color == "auto":
        on = not os.environ.get("NO_COLOR") and (bool(os.environ.get("FORCE_COLOR")) or tty)
    else:
        on = color == "always"
    width = None
    if tty:  # only a report on a terminal asks its width: shutil (with bz2, lzma and zlib) is imported for it alone
        import shutil

        width = shutil.get_terminal_size().columns
    return TextStyle(width=width, color=on)


def render(gate: Gate, fmt: str) -> str | bytes:
    """One report in one format, neutralised for the channels it may be printed to (``engine.neutral``): the
    JSON ones as orjson's UTF-8 bytes, written as they are, the others as text."""
    from engine.neutral import for_format

    return for_format(_render(gate, fmt), fmt)


def _render(gate: Gate, fmt: str) -> str | bytes:
    if fmt == "sarif":
        from engine.gate.sarif import to_sarif_bytes

        return to_sarif_bytes(gate)
    if fmt == "junit":
        from engine.gate.junit import to_junit

        return to_junit(gate)
    if fmt == "github":
        from engine.gate.github import to_github

        return to_github(gate, step_summary=bool(os.environ.get(STEP_SUMMARY_ENV)))
    if fmt == "markdown":
        from engine.gate.markdown import to_markdown

        return to_markdown(gate)
    if fmt == "json":
        from engine.gate.text import to_json_report
        from engine.report import dumps_bytes

        return dumps_bytes(to_json_report(gate))
    from engine.gate.text import to_text

    return to_text(gate)


def finish_check(rv: Review, design: Sequence[str], fmt: str, output: Sequence[str], fail_on: str,
                 opts: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> int:
    """Judge ``rv``, write every report, and return the exit code (0 pass, 1 fail)."""
    from engine.gate.core import GateOptions, evaluate, today

    outputs = parse_outputs(output, fmt)
    check_flags(fmt, outputs, fail_on, opts)
    options = GateOptions(
        threshold=fail_on, waiver_files=tuple(opts.get("waiver_files") or ()),
        use_waivers=not opts.get("no_waivers"), baseline=opts.get("baseline_file"),
        exit_zero=bool(opts.get("exit_zero")), fail_on_unused_waivers=bool(opts.get("fail_on_unused_waivers")),
        include_waived=bool(opts.get("include_waived")), today=today(opts.get("today_text")),
        policy=opts.get("policy"), pinned_waivers=opts.get("pinned_waivers"))
    gate = evaluate(rv, options, limits)
    common.keep_to_exit(gate)
    to_stdout = not any(f == fmt and p != "-" for f, p in outputs)
    style = terminal_style(opts.get("color") or "auto") if to_stdout and fmt == "text" else None
    # Files are always plain; the text report on a terminal is rendered for it alone.
    plain = {f for f, p in outputs if p != "-"} | ({fmt} if to_stdout and (style is None or style.plain) else set())
    budget.check("writing the reports")
    rendered = {f: render(gate, f) for f in plain}
    budget.check("writing the reports")
    from engine.gate.output import append_text, write_all, write_stdout

    inputs = [*design, *options.waiver_files, *([options.baseline] if options.baseline else [])]
    files = [(path, rendered[f]) for f, path in outputs if path != "-"]
    write_all(files, inputs)
    if style is not None and not style.plain:
        from engine.gate.text import to_text
        from engine.neutral import channel

        click.echo(channel(to_text(gate, style), colour=style.color), nl=False, color=style.color or None)
    elif to_stdout:
        write_stdout(rendered[fmt])
    summary_path = os.environ.get(STEP_SUMMARY_ENV)
    if (fmt == "github" or "github" in rendered) and summary_path:
        from engine.gate.markdown import to_step_summary
        from engine.neutral import channel

        append_text(summary_path, channel(to_step_summary(gate)))
    if fmt != "text" and gate.policy.relaxed(gate.waivers, gate.review.kb.source):
        # A log reader hears that the policy switches something off, whatever the report's format.
        for line in gate.policy_lines():
            err_line(f"archplan: warning: policy: {line}")
    elif fmt != "text":
        for line in gate.policy.ignored:
            err_line(f"archplan: warning: {line}")
    if fmt != "text":  # a human reading the terminal still hears about waiver problems
        for w in gate.expired:
            err_line(f"archplan: error: {w.location}: {w.describe()} expired on {w.expires.isoformat()}")
        for w, hint in gate.unused:
            err_line(f"archplan: warning: {w.location}: unused {w.describe()}" + (f" ({hint})" if hint else ""))
    if not gate.enforcing:
        err_line("archplan: warning: the gate is not enforcing (--exit-zero): exit code 0 whatever is found"
                 + ("" if gate.passed else f"; without --exit-zero it would fail: {'; '.join(gate.reasons())}"))
    return gate.exit_code


@click.command()
@click.argument("design", nargs=-1, type=click.Path())
@common.review_inputs
@click.option("--fail-on", type=click.Choice(common.THRESHOLDS), default=None,
              help="Exit 1 when a finding reaches this severity.  [default: the config's fail-on, else high]")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", multiple=True, metavar="[FORMAT=]PATH",
              help="Write the --format report to PATH, or another format with FORMAT=PATH (repeatable; e.g. "
                   "--output sarif=out.sarif --output junit=out.xml); all written atomically.")
@common.input_bounds
@gate_options
def check(design: tuple[str, ...], from_specs: tuple[str, ...],
          profiles: tuple[str, ...], env_files: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
          config_file: str | None, no_config: bool, fail_on: str | None, fmt: str, output: tuple[str, ...],
          max_input_bytes: int | None, **gate_opts: Any) -> None:
    """Review DESIGN (files or directories, and --from artifacts) and report risks.

    With no DESIGN: the config's design (archplan.toml: design = [...]), else ./design/.
    """

    design_paths, config = common.design_and_config(design, from_specs, config_file, no_config,
                                                    common.input_limits(max_input_bytes))
    extra = common.artifacts(from_specs, common.input_limits(max_input_bytes), profiles, env_files)
    pinned = None
    if gate_opts.get("policy_from"):
        from engine.gate.pin import pin

        pinned = pin(gate_opts["policy_from"], design_paths, config_file, no_config, list(rule_dirs),
                     list(gate_opts.get("waiver_files") or ()), common.input_limits(max_input_bytes))
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

    limits = common.input_limits(max_input_bytes)
    used_config, used_dirs = (pinned.config, pinned.rule_dirs) if pinned else (config, list(rule_dirs))
    fail_on = fail_on or used_config.fail_on or "high"
    # A one-shot process: the engine's sessions are freed before the findings are assembled (keep_engine=False).
    rv = review(design_paths, used_dirs, builtin=not no_builtin, limits=limits, config=used_config, extra=extra,
                run_limits=common.run_limits(), keep_engine=False)
    common.print_warnings(rv.design.warnings)
    gate_opts = dict(gate_opts, policy=describe_policy(rv, used_config, used_dirs, not no_builtin,
                                                       pinned.ref if pinned else None,
                                                       pinned.shown if pinned else None))
    if pinned is not None:
        from engine.gate.pin import changes

        gate_opts["pinned_waivers"] = () if gate_opts.get("no_waivers") else tuple(pinned.waiver_docs)
        rv.findings.extend(change_findings(rv, changes(pinned, config, list(rule_dirs), rv.design.waiver_docs,
                                                       list(gate_opts.get("waiver_files") or ()), limits)))
    common.keep_to_exit(rv)
    return finish_check(rv, design_paths, fmt, output, fail_on, gate_opts, limits)


@click.command()
@click.argument("args", nargs=-1, required=True)
@common.review_inputs
def explain(args: tuple[str, ...], from_specs: tuple[str, ...],
            profiles: tuple[str, ...], env_files: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool,
            config_file: str | None, no_config: bool) -> None:
    """Explain one finding: archplan explain DESIGN... FINDING-ID."""
    from engine.report import explain as explain_text
    from engine.review import review

    if len(args) < (1 if from_specs else 2):
        raise UsageError("usage: archplan explain DESIGN... FINDING-ID")
    *design, ident = args
    rv = review(design, list(rule_dirs), builtin=not no_builtin,
                config=common.project_config(design, config_file, no_config),
                extra=common.artifacts(from_specs, profiles=profiles, env_files=env_files))
    common.print_warnings(rv.design.warnings)
    finding = rv.find(ident)
    if finding is None:
        from engine.errors import did_you_mean

        ids = [f.id for f in rv.findings] + [f"{f.rule}@{f.subject}" for f in rv.findings]
        raise UsageError(f"no finding '{ident}' in this design{did_you_mean(ident, ids)}")
    from engine.neutral import channel

    click.echo(channel(explain_text(rv, finding)), nl=False)
