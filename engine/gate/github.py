"""GitHub Actions workflow commands: annotations for the findings, plus a Markdown step summary.

``::error file=F,line=L,col=C,title=T::message`` for findings that fail the gate, ``::warning`` for the
others at medium or above and ``::notice`` for low ones; waived and baselined findings get no annotation.
GitHub shows only 10 annotations of each level per step, so each level keeps its 10 most important (waiver
problems, then by severity, file, line and rule) and one notice counts the rest by severity. Values are
escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in properties too).
The step summary is the complete Markdown report (``engine.gate.markdown.to_step_summary``); the CLI appends
it to ``$GITHUB_STEP_SUMMARY`` when that is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.gate.common import logical_path, one_line, rel_uri_path
from engine.gate.core import Gate
from engine.model import Severity
from engine.neutral import actions, line

LEVELS = ("error", "warning", "notice")
MAX_PER_LEVEL = 10
"""GitHub shows at most 10 annotations of each level per step and drops the rest."""


def escape_data(text: str) -> str:
    """Escape a command's message (``%``, CR, LF as the runner expects; ``##[`` and other controls by
    ``engine.neutral.actions``)."""
    return actions(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, file: str = "", line: int = 0, col: int = 0, title: str = "") -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={line}")
    if col:
        props.append(f"col={col}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


@dataclass(frozen=True)
class _Annotation:
    level: str
    group: int
    """Output order: 0 not enforcing, 1 expired waivers, 2 findings, 3 unused waivers."""
    key: tuple[Any, ...]
    """Within a level, the most important first: gate problems, then severity, file, line, rule."""
    text: str
    severity: Severity | None = None
    """For findings: counted by severity in the summary annotation when left out."""


def _findings(gate: Gate) -> list[_Annotation]:
    out = []
    for item in gate.items:
        if item.status != "active":
            continue
        f = item.finding
        kind = "error" if item.failing else "warning" if f.severity.rank >= Severity.MEDIUM.rank else "notice"
        file = rel_uri_path(f.location.file)
        out.append(_Annotation(kind, 2, (1, -f.severity.rank, file, f.location.line, f.location.column, f.rule,
                                         f.subject),
                               _command(kind, f"{logical_path(f)}: {one_line(f.shown)} (archplan explain DESIGN "
                                              f"{f.id})", file, f.location.line, f.location.column,
                                        f"{f.severity.value}: {f.title} [{f.rule}]"), f.severity))
    return out


def _waivers(gate: Gate) -> list[_Annotation]:
    out = []
    for w in gate.expired:
        file = rel_uri_path(w.location.file)
        out.append(_Annotation("error", 1, (0, file, w.location.line, w.location.column),
                               _command("error", f"{w.describe()} expired on {w.expires.isoformat()} (owner "
                                                 f"{w.owner}); renew or remove it", file, w.location.line,
                                        w.location.column, "archplan: expired waiver")))
    for w, hint in gate.unused:
        kind = "error" if gate.options.fail_on_unused_waivers else "warning"
        file = rel_uri_path(w.location.file)
        out.append(_Annotation(kind, 3, (0, file, w.location.line, w.location.column),
                               _command(kind, f"unused {w.describe()}: it matches no finding"
                                              + (f" ({hint})" if hint else ""), file, w.location.line,
                                        w.location.column, "archplan: unused waiver")))
    return out


def _left_out_note(left_out: list[_Annotation], step_summary: bool) -> str:
    counts = dict.fromkeys(Severity, 0)
    for a in left_out:
        if a.severity is not None:
            counts[a.severity] += 1
    findings = sum(counts.values())
    parts = []
    if findings:
        by_severity = ", ".join(f"{n} {sev.value}" for sev, n in sorted(counts.items(), key=lambda c: -c[0].rank)
                                if n)
        parts.append(f"{findings} more finding{'s' if findings != 1 else ''} ({by_severity})")
    others = len(left_out) - findings
    if others:
        parts.append(f"{others} more waiver problem{'s' if others != 1 else ''}")
    where = ("see the step summary for the full table" if step_summary
             else "see the full report (--format markdown, json or sarif)")
    return (f"and {' and '.join(parts)} not annotated: GitHub shows at most {MAX_PER_LEVEL} annotations of each "
            f"level per step; {where}")


def to_github(gate: Gate, step_summary: bool = False) -> str:
    """The annotation lines: at most ``MAX_PER_LEVEL`` of each level, the most important first, and one notice
    counting the rest (by severity) when any are left out.

    Args:
        gate: The judged review.
        step_summary: Whether the complete report goes to the step summary (``$GITHUB_STEP_SUMMARY`` is set),
            which the notice then points at.
    """
    annotations = _findings(gate) + _waivers(gate)
    if not gate.enforcing:
        annotations.append(_Annotation("warning", 0, (0,), _command(
            "warning", "archplan gate is not enforcing (--exit-zero): the exit code is 0 whatever is found",
            title="archplan: not enforcing")))
    policy = gate.policy_lines()
    if policy:
        relaxed = gate.policy.relaxed(gate.waivers, gate.review.kb.source)
        annotations.append(_Annotation("warning" if relaxed else "notice", 0, (1,), _command(
            "warning" if relaxed else "notice", "; ".join(policy),
            title="archplan: policy relaxed" if relaxed else "archplan: policy")))
    by_level: dict[str, list[_Annotation]] = {level: [] for level in LEVELS}
    for a in annotations:
        by_level[a.level].append(a)
    overflow = any(len(v) > MAX_PER_LEVEL for v in by_level.values())
    shown: list[_Annotation] = []
    left_out: list[_Annotation] = []
    for level, items in by_level.items():
        # The summary notice takes one of the notices' places.
        room = MAX_PER_LEVEL - 1 if overflow and level == "notice" else MAX_PER_LEVEL
        items.sort(key=lambda a: a.key)
        shown += items[:room]
        left_out += items[room:]
    shown.sort(key=lambda a: (a.group, LEVELS.index(a.level), a.key))
    lines = [a.text for a in shown]
    if left_out:
        lines.append(_command("notice", _left_out_note(left_out, step_summary),
                              title=f"archplan: {len(left_out)} more not annotated"))
    lines.append(line(gate.status_line()))  # one line: a file name's line break must not start a command
    return "\n".join(lines) + "\n"
