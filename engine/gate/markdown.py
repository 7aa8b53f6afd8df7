"""A Markdown pull-request comment, and the GitHub step summary (the same, with every finding in its tables).

The comment shows one row per rule (the subjects it reaches named on it); the step summary, the complete
record, one row per finding.

The decision first, then counts, then a table of the findings that fail the gate; everything else
(findings below the threshold, waived and baselined findings, waiver problems) sits in collapsed
``<details>`` blocks so that the comment stays short. Tables are capped so that the comment stays under
GitHub's 65,536-character limit on a large design.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.gate.common import logical_path, one_line, where
from engine.gate.core import Gate, Item
from engine.grouping import names
from engine.model import Severity
from engine.neutral import markdown

MAX_ROWS = 100
MAX_MESSAGE = 300
MAX_CHARS = 60_000
"""GitHub rejects comments over 65,536 characters; tables shrink until the comment fits under this."""
MAX_SUMMARY_BYTES = 1_000_000
"""GitHub refuses a step summary over 1 MiB; the step summary's tables shrink until it fits under this."""


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (``engine.neutral.markdown``): one line, no pipe, no HTML, no
    image, link or @mention."""
    text = one_line(text)
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1].rstrip() + "…"
    return markdown(text)


def _table(items: Sequence[Item], extra: str = "", max_rows: int = MAX_ROWS) -> list[str]:
    head = ["severity", "rule", "subject", "where", "finding"] + ([extra] if extra else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for item in items[:max_rows]:
        f = item.finding
        row = [f.severity.value, f"`{cell(f.rule)}`", cell(logical_path(f)), cell(where(f)), cell(f.shown)]
        if extra and item.waiver is not None:
            w = item.waiver
            row.append(cell(f"{w.reason} — {w.owner}, until {w.expires.isoformat()}"
                            + (f", {w.ticket}" if w.ticket else "")))
        elif extra:
            row.append("")
        lines.append("| " + " | ".join(row) + " |")
    if len(items) > max_rows:
        lines.append(f"\n…and {len(items) - max_rows} more (see the SARIF or JSON report).")
    return lines


def _grouped(items: Sequence[Item], max_rows: int = MAX_ROWS) -> list[str]:
    """One row per rule (``engine.grouping``): the comment a reviewer reads, not one row per subject."""
    by_rule: dict[str, list[Item]] = {}
    for item in items:
        by_rule.setdefault(item.finding.group, []).append(item)
    if all(len(v) == 1 for v in by_rule.values()):
        return _table(items, max_rows=max_rows)
    head = ["severity", "rule", "subjects", "where", "finding"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    groups = sorted(by_rule.values(), key=lambda g: (-max(i.finding.severity.rank for i in g), -len(g),
                                                     g[0].finding.group))
    for group in groups[:max_rows]:
        ordered = sorted(group, key=lambda i: (-i.finding.severity.rank, i.finding.subject))
        f = ordered[0].finding
        more = f" +{len(ordered) - 1}" if len(ordered) > 1 else ""
        subjects = names([i.finding.subject for i in ordered]) if len(ordered) > 1 else logical_path(f)
        lines.append("| " + " | ".join([f.severity.value, f"`{cell(f.rule)}`", cell(subjects), cell(where(f) + more),
                                        cell(f.shown)]) + " |")
    if len(groups) > max_rows:
        lines.append(f"\n…and {len(groups) - max_rows} more rules (see the SARIF or JSON report).")
    return lines


def _s(items: Sequence[object]) -> str:
    return "" if len(items) == 1 else "s"


def _details(title: str, body: list[str]) -> list[str]:
    return ["", "<details>", f"<summary>{title}</summary>", "", *body, "", "</details>"]


def to_markdown(gate: Gate) -> str:
    """The comment text, with tables cut short when the whole would be too long for a comment."""
    for rows in (MAX_ROWS, 25, 5, 0):
        text = _render(gate, rows)
        if len(text) <= MAX_CHARS:
            return text
    return text


def to_step_summary(gate: Gate) -> str:
    """The GitHub step summary: the same report with every finding in its table (the annotations show only
    a few), cut short only when it would pass GitHub's size limit for a step summary."""
    rows = max(len(gate.items), 1)
    for limit in (rows, 10_000, 1_000, MAX_ROWS, 0):
        text = _render(gate, limit, grouped=False)
        if len(text.encode("utf-8")) <= MAX_SUMMARY_BYTES:
            return text
    return text


def _render(gate: Gate, rows: int, grouped: bool = True) -> str:
    s = gate.summary()
    if not gate.enforcing:
        mark = "⚠️ **Not enforcing** (`--exit-zero`): " + ("would pass" if gate.passed else "would fail")
    else:
        mark = "✅ **Passed**" if gate.passed else "❌ **Failed**"
    lines = ["## archplan review gate", "", f"{mark} — threshold `{gate.threshold}`", ""]
    for reason in gate.reasons():
        lines.append(f"- {cell(reason)}")
    if gate.reasons():
        lines.append("")
    counts = {sev.value: 0 for sev in Severity}
    for i in gate.items:
        counts[i.finding.severity.value] += 1
    lines += ["| findings | critical | high | medium | low | failing | waived | baselined |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| {s['findings']} | {counts['critical']} | {counts['high']} | {counts['medium']} | {counts['low']} "
              f"| {s['failing']} | {s['waived']} | {s['baselined']} |"]
    if "baseline" in s:
        b = s["baseline"]
        lines += ["", f"Baseline: {b['matched']} of {b['entries']} entries still match a finding; {b['stale']} stale."]
    failing = gate.failing
    lines.append("")
    if failing:
        table = _grouped(failing, rows) if grouped else _table(failing, max_rows=rows)
        lines += [f"### Findings at or above `{gate.threshold}`", "", *table]
    else:
        lines.append(f"No new finding at or above `{gate.threshold}`.")
    rest = [i for i in gate.items if i.status == "active" and not i.failing]
    if rest:
        lines += _details(f"{len(rest)} finding{_s(rest)} below the threshold",
                          _grouped(rest, rows) if grouped else _table(rest, max_rows=rows))
    waived = gate.of_status("waived")
    if waived:
        lines += _details(f"{len(waived)} waived finding{_s(waived)}", _table(waived, "waiver", rows))
    based = gate.of_status("baselined")
    if based:
        lines += _details(f"{len(based)} finding{_s(based)} in the baseline", _table(based, max_rows=rows))
    problems = [f"- expired: {cell(str(w.location))} {cell(w.describe())} on {w.expires.isoformat()} "
                f"(owner {cell(w.owner)})" for w in gate.expired]
    problems += [f"- unused: {cell(str(w.location))} {cell(w.describe())}" + (f" ({cell(h)})" if h else "")
                 for w, h in gate.unused]
    if problems:
        lines += _details(f"{len(problems)} waiver problem{'s' if len(problems) != 1 else ''}", problems)
    policy = gate.policy_lines()
    if policy:
        relaxed = gate.policy.relaxed(gate.waivers, gate.review.kb.source)
        lines += ["", "### Policy" + (" ⚠️ relaxed" if relaxed else ""), "", *(f"- {cell(p)}" for p in policy)]
    lines += ["", "<sub>`archplan explain DESIGN FINDING-ID` shows the facts behind a finding.</sub>"]
    return "\n".join(lines) + "\n"
