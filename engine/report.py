"""Findings to text and JSON. Output is deterministic: sorted, with sorted JSON keys."""

from __future__ import annotations

import json
import operator
import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from msgspec import Struct

from engine.grouping import NAMES_SHOWN, GapGroup, RiskGroup, gap_groups, kind_of, names, plural, risk_groups
from engine.model import Phase, Severity
from engine.model.finding import Finding, findings_json
from engine.review import Review, display_path

REPORT_VERSION = 1
TABLE_OPTIONS: dict[str, Any] = {"tablefmt": "simple", "disable_numparse": True}
"""Tables hold text only: number parsing cost a third of the text report on large designs."""


def severity_at_least(sev: Severity, threshold: str) -> bool:
    """Whether a severity reaches the ``--fail-on`` threshold (``never`` is never reached)."""
    return _RANK[sev] >= threshold_rank(threshold)


def threshold_rank(threshold: str) -> int:
    """The rank a severity must reach to count against the ``--fail-on`` threshold (``never``: none does)."""
    rank = _THRESHOLD_RANK.get(threshold)
    return rank if rank is not None else Severity(threshold).rank  # an unknown threshold: ValueError


def count_at_least(findings: Sequence[Finding], threshold: str) -> int:
    """How many ``findings`` reach the threshold (a rank compared per finding, not an enum built)."""
    if not findings:
        return 0
    floor = threshold_rank(threshold)
    return sum(n for sev, n in Counter(f.severity for f in findings).items() if _RANK[sev] >= floor)


_RANK = {s: s.rank for s in Severity}
_VALUE_RANK = {s.value: s.rank for s in Severity}


def _at_least(by_severity: dict[str, int], threshold: str) -> int:
    """How many findings reach the threshold, from their counts by severity (``Review.summary``)."""
    floor = threshold_rank(threshold)
    return sum(n for sev, n in by_severity.items() if _VALUE_RANK[sev] >= floor)
_FACT_KIND = operator.attrgetter("kind")
_THRESHOLD_RANK = {**{s.value: s.rank for s in Severity}, "never": len(Severity) + 1}


def to_json_data(review: Review, threshold: str = "high", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``--format json`` document."""
    shown: dict[str, str] = {}  # a design has a few files and thousands of findings

    def show(path: str) -> str:
        text = shown.get(path)
        if text is None:
            text = shown[path] = display_path(path)
        return text

    findings = findings_json(review.findings, show)  # [f.to_json(show) for f in ...], faster
    summary = review.summary()
    summary["threshold"] = threshold
    summary["failing"] = count_at_least(review.findings, threshold)
    data: dict[str, Any] = {
        "version": REPORT_VERSION,
        "findings": findings,
        # Conflicts settled by precedence (a hand-written value over an imported artifact's): a CI job
        # that keeps only this file must see them too, not just the terminal.
        "warnings": [{"message": w.message, "keypath": w.keypath,
                      **({"file": show(w.location.file), "line": w.location.line, "column": w.location.column}
                         if w.location else {})} for w in review.design.warnings],
        "mitigations": [m.to_json() for m in review.mitigations],
        "summary": summary,
    }
    if extra:
        data.update(extra)
    return data


def dumps(data: Any) -> str:
    """Canonical JSON: sorted keys, compact, UTF-8, one trailing newline.

    Compact because only a C encoder is fast at scale (indenting cost 0.3 s per 1,000 services and
    doubled the report's memory); pipe it through ``jq`` or ``python -m json.tool`` to read it. orjson
    writes it five times faster than json; json takes what orjson refuses (integers beyond 64 bits),
    with the same keys, separators and characters.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def dumps_bytes(data: Any) -> bytes:
    """:func:`dumps` as UTF-8 bytes, as orjson writes them: what a command writes, never decoded (69 MB at
    5,000 services: decoding, then encoding again to write, took 0.1 s)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return dumps(data).encode()


def to_json(review: Review, threshold: str = "high") -> str:
    """JSON report text."""
    return dumps(to_json_data(review, threshold))


def _where(f: Finding) -> str:
    loc = f.location
    return f"{display_path(loc.file)}:{loc.line}" if loc.line else display_path(loc.file)


class TextStyle(Struct, frozen=True, eq=False):
    """How the text report is laid out: for a terminal, or plain (files, pipes: the same on every machine)."""

    width: int | None = None
    """Wrap to this many columns; None: never wrap (one line per finding, nothing cut)."""
    color: bool = False
    """Colour the severities (ANSI escapes)."""

    @property
    def plain(self) -> bool:
        """No colour and no wrapping: the report as files hold it."""
        return self.width is None and not self.color

    def table(self, rows: list[list[str]], headers: list[str], wrap: int = -1,
              severity_column: int | None = None) -> str:
        """A table whose ``wrap`` column (the last by default) wraps to fit the width, severities coloured.

        On a terminal too narrow for the other columns and ``MIN_WRAP`` more, each row becomes a block: its
        other cells on one line (wrapped if need be), then the ``wrap`` cell below, indented.
        """
        column = wrap % len(headers)
        if self.width is not None and rows:
            # tabulate's "simple" format puts two spaces between columns, and makes each column at least two
            # wider than its header.
            others = sum(max(len(headers[i]) + 2, *(len(r[i]) for r in rows)) + 2 for i in range(len(headers))
                         if i != column)
            if self.width - others < MIN_WRAP:
                return self._blocks(rows, column, severity_column)
            rows = [[_wrapped(c, self.width - others) if i == column else c for i, c in enumerate(r)] for r in rows]
        if self.color and severity_column is not None:
            rows = [[paint(c, c) if i == severity_column else c for i, c in enumerate(r)] for r in rows]
        simple = simple_table(rows, headers)
        if simple is not None:
            return simple
        from tabulate import tabulate  # imported only when needed: with its importlib.metadata, 5 ms a run

        return tabulate(rows, headers=headers, **TABLE_OPTIONS)

    def _blocks(self, rows: list[list[str]], column: int, severity_column: int | None) -> str:
        assert self.width is not None
        out = []
        for row in rows:
            head = "  ".join(c for i, c in enumerate(row) if i != column)
            lines = textwrap.wrap(head, self.width, subsequent_indent="    ", break_on_hyphens=False) or [""]
            if self.color and severity_column is not None:
                sev = row[severity_column]
                lines[0] = lines[0].replace(sev, paint(sev, sev), 1)
            lines += textwrap.wrap(row[column], self.width, initial_indent="    ", subsequent_indent="    ",
                                   break_on_hyphens=False)
            out.append("\n".join(lines))
        return "\n".join(out)

    def para(self, text: str, tone: str | None = None) -> str:
        """A line of prose: wrapped to the width, and coloured in ``tone`` (a severity, or pass/fail)."""
        if self.width is not None:
            text = _wrapped(text, self.width)
        return paint(text, tone) if self.color and tone else text


def simple_table(rows: list[list[str]], headers: list[str]) -> str | None:
    """What ``tabulate(rows, headers, **TABLE_OPTIONS)`` writes, for rows of one-line printable ASCII text,
    written directly: each cell stripped and padded to its column's width (the widest cell, or the header and
    two); the header, a line of dashes, then the rows, each line's trailing spaces cut. None for any other table
    (no rows, a cell of another type or with another character, a ragged row): tabulate writes those.

    tabulate works out each cell's type and width through several calls: half the text report at 5,000
    services, most of it the 14,000 rows of the mitigations table."""
    if not rows or any(len(r) != len(headers) for r in rows):
        return None
    cells = [c for r in rows for c in r]
    if not all(type(c) is str for c in cells):
        return None
    text = "".join([*headers, *cells])
    if not text.isascii() or not text.isprintable():
        return None
    stripped = [tuple([c.strip() for c in r]) for r in rows]
    widths = [max(len(h) + 2, *(len(r[i]) for r in stripped)) for i, h in enumerate(headers)]
    # Each cell left-justified to its column's width, the last one too (``ljust``, then the line right-trimmed): one
    # format for every line (``%-12s`` pads as ``ljust(12)`` does), not a call per cell.
    fmt = "  ".join([f"%-{w}s" for w in widths])
    return "\n".join([(fmt % tuple(headers)).rstrip(), "  ".join(["-" * w for w in widths]),
                      *[(fmt % r).rstrip() for r in stripped]])


PLAIN = TextStyle()
MIN_WRAP = 30
"""The narrowest a wrapped table column may be (narrower, a message is unreadable): on a terminal that leaves it
less, the table's rows become blocks."""
_ANSI = {"critical": "1;31", "high": "31", "medium": "33", "low": "36", "fail": "1;31", "pass": "1;32",
         "warning": "33"}


def paint(text: str, tone: str) -> str:
    """``text`` in the colour of ``tone`` (a severity, ``pass``, ``fail`` or ``warning``), each line on its own
    so that a wrapped cell stays coloured."""
    code = _ANSI.get(tone)
    if code is None:
        return text
    return "\n".join(f"\x1b[{code}m{line}\x1b[0m" for line in text.split("\n"))


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) if len(text) > width else text


def _risk_row(g: RiskGroup) -> list[str]:
    f = g.first
    if len(g.findings) == 1:
        return [f.severity.value, f.id, f.rule, _where(f), f.shown]
    kind = kind_of(f.subject)
    more = f" +{len(g.findings) - 1}"
    named = names([x.subject for x in g.findings[:NAMES_SHOWN]], total=len(g.findings))
    return [f.severity.value, f.id + more, f.rule, _where(f) + more,
            f"{g.title}: {plural(kind, len(g.findings))} ({named}). For example: {f.shown}"]


def _gap_scope(g: GapGroup) -> str:
    if g.subjects == (f"{g.kind}:{g.kind}",):  # a singleton: system, security, observability
        return f"the design's {g.kind}"
    if g.checklist:
        return f"every {g.kind} ({g.of})"
    return f"{plural(g.kind, len(g.subjects))}: {names(g.subjects)}"


def to_text(review: Review, threshold: str = "high", style: TextStyle = PLAIN) -> str:
    """A terminal report: the risks grouped by rule, the unknown facts grouped by field, the mitigations by
    phase, then a summary (``engine.grouping`` says how findings are grouped).

    Args:
        review: The review to report.
        threshold: The ``--fail-on`` threshold the summary counts against.
        style: ``PLAIN`` (the default: no colour, no wrapping, nothing cut) or the terminal's width and colour.
    """
    lines: list[str] = []
    s = review.summary()
    gaps = s["information_gaps"]
    groups = risk_groups(review.findings)  # (each grouping takes the findings of its kind)
    if groups:
        rows = [_risk_row(g) for g in groups]
        lines.append(style.table(rows, ["severity", "id", "rule", "where", "finding"], severity_column=0))
    else:
        lines.append("No risks found.")
    if gaps:
        by_field = gap_groups(review.findings, Counter(map(_FACT_KIND, review.enriched.facts)))
        lines.append("")
        lines.append(style.para(f"Information gaps: {len(by_field)} facts the rules need are unknown, on "
                                f"{gaps} elements; those a risk hinges on first, then the questions asked of "
                                "every element of a kind"))
        rows = [[g.field, _gap_scope(g), ", ".join(g.rules)] for g in by_field]
        lines.append(style.table(rows, ["unknown", "on", "needed by"], wrap=1))
    if review.mitigations:
        lines.append("")
        lines.append("Mitigations by phase")
        labels = {int(p): f"{int(p)} {p.title}" for p in Phase}  # the phases are few, the mitigations many
        rows = [[labels.get(m.phase) or f"{m.phase} {Phase(m.phase).title}", m.title, str(len(m.findings))]
                for m in sorted(review.mitigations, key=lambda m: (m.phase, m.id))]
        lines.append(style.table(rows, ["phase", "mitigation", "risks"], wrap=1))
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    failing = _at_least(s["by_severity"], threshold) if review.findings else 0  # count_at_least, from the counts
    lines.append("")
    lines.append(style.para(
        f"{s['findings']} findings ({counts or 'none'}) from {s['rules']} rules over {s['facts']} facts, "
        f"shown as {len(groups)} risk lines; {failing} at or above '{threshold}'."
    ))
    return "\n".join(lines) + "\n"


def explain(review: Review, finding: Finding) -> str:
    """The chain behind one finding: rule, message, every fact it matched with file:line."""
    lines = [
        f"{finding.id}  {finding.severity.value}  {finding.rule}",
        f"  {finding.title}",
        f"  {finding.message}",
        f"  at {display_path(finding.location.file)}:{finding.location.line}:{finding.location.column}",
    ]
    if finding.likelihood:
        base = finding.base_severity.value
        if finding.severity_overridden:
            from engine.model.ruledata import severity_of

            matrix = severity_of(finding.likelihood, finding.impact or "minor").value
            lines.append(f"  severity: {base}, set by the project config (likelihood {finding.likelihood} x impact "
                         f"{finding.impact} would be {matrix})")
        else:
            lines.append(f"  severity: likelihood {finding.likelihood} x impact {finding.impact} = {base}")
        for a in finding.adjustments:
            lines.append(f"    {'+' if a.by > 0 else '-'}1 by {a.rule}: {a.reason}")
        if finding.kind == "risk":
            lines.append(f"  basis: {finding.basis}")
        if finding.assumed:
            lines.append("    -1 for the assumption: the default may not hold here; state these to settle it:")
            lines.extend(f"    {a.fact}: {a.text}" for a in finding.assumed)
    if finding.inferred:
        lines.append("  inferred: drawn in a Mermaid flowchart, stated nowhere; state these to confirm them:")
        lines.extend(f"    {key}" for key in finding.inferred)
    if finding.missing:
        lines.append("  unknown facts:")
        for fld, rule in finding.missing:
            lines.append(f"    {fld} (needed by {rule})")
    lines.append("  matched facts:")
    for e in finding.evidence:
        where = f"{display_path(e.location.file)}:{e.location.line}" if e.location.line else display_path(
            e.location.file)
        how = f" derived by {e.derived_by} from {', '.join(e.premises)}" if e.derived_by and e.premises else (
            f" computed by {e.derived_by}" if e.derived_by else "")
        lines.append(f"    {e.key}  {where}{how}{' (inferred)' if e.inferred else ''}")
    if finding.mitigations:
        lines.append("  mitigations:")
        mits = {m.id: m for m in review.mitigations}
        for mid in finding.mitigations:
            m = mits.get(mid)
            if m:
                lines.append(f"    [{m.phase}] {m.title}: {m.action}")
    if finding.references:
        lines.append("  references:")
        lines.extend(f"    {r}" for r in finding.references)
    return "\n".join(lines) + "\n"
