"""Findings to text and JSON. Output is deterministic: sorted, with sorted JSON keys."""

from __future__ import annotations

import json
from typing import Any

import orjson
from tabulate import tabulate

from engine.model import Phase, Severity
from engine.review import Finding, Review, display_path

REPORT_VERSION = 1
TABLE_OPTIONS: dict[str, Any] = {"tablefmt": "simple", "disable_numparse": True}
"""Tables hold text only: number parsing cost a third of the text report on large designs."""


def severity_at_least(sev: Severity, threshold: str) -> bool:
    """Whether a severity reaches the ``--fail-on`` threshold (``never`` is never reached)."""
    if threshold == "never":
        return False
    return sev.rank >= Severity(threshold).rank


def to_json_data(review: Review, threshold: str = "high", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``--format json`` document."""
    shown: dict[str, str] = {}  # a design has a few files and thousands of findings

    def show(path: str) -> str:
        text = shown.get(path)
        if text is None:
            text = shown[path] = display_path(path)
        return text

    findings = [f.to_json(show) for f in review.findings]
    summary = review.summary()
    summary["threshold"] = threshold
    summary["failing"] = sum(1 for f in review.findings if severity_at_least(f.severity, threshold))
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


def to_json(review: Review, threshold: str = "high") -> str:
    """JSON report text."""
    return dumps(to_json_data(review, threshold))


def _where(f: Finding) -> str:
    loc = f.location
    return f"{display_path(loc.file)}:{loc.line}" if loc.line else display_path(loc.file)


def to_text(review: Review, threshold: str = "high", verbose: bool = False) -> str:
    """A terminal report: a table of findings, then the mitigations by phase, then a summary."""
    lines: list[str] = []
    risks = [f for f in review.findings if f.kind == "risk"]
    gaps = [f for f in review.findings if f.kind == "gap"]
    if risks:
        rows = [[f.severity.value, f.id, f.rule, _where(f), _short(f.message, 0 if verbose else 110)] for f in risks]
        lines.append(tabulate(rows, headers=["severity", "id", "rule", "where", "finding"], **TABLE_OPTIONS))
    else:
        lines.append("No risks found.")
    if gaps:
        lines.append("")
        lines.append(f"Information gaps ({len(gaps)}): facts the rules need that the design leaves unknown")
        rows = [[f.id, f.subject, _where(f), ", ".join(sorted({m[0] for m in f.missing}))] for f in gaps]
        lines.append(tabulate(rows, headers=["id", "subject", "where", "unknown"], **TABLE_OPTIONS))
    if review.mitigations:
        lines.append("")
        lines.append("Mitigations by phase")
        rows = []
        for m in sorted(review.mitigations, key=lambda m: (m.phase, m.id)):
            rows.append([f"{m.phase} {Phase(m.phase).title}", m.title, str(len(m.findings))])
        lines.append(tabulate(rows, headers=["phase", "mitigation", "risks"], **TABLE_OPTIONS))
    s = review.summary()
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    failing = sum(1 for f in review.findings if severity_at_least(f.severity, threshold))
    lines.append("")
    lines.append(
        f"{s['findings']} findings ({counts or 'none'}) from {s['rules']} rules over {s['facts']} facts; "
        f"{failing} at or above '{threshold}'."
    )
    return "\n".join(lines) + "\n"


def _short(text: str, width: int) -> str:
    if width <= 0 or len(text) <= width:
        return text
    return text[: width - 1].rstrip() + "…"


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
            from engine.rule import severity_of

            matrix = severity_of(finding.likelihood, finding.impact or "minor").value
            lines.append(f"  severity: {base}, set by the project config (likelihood {finding.likelihood} x impact "
                         f"{finding.impact} would be {matrix})")
        else:
            lines.append(f"  severity: likelihood {finding.likelihood} x impact {finding.impact} = {base}")
        for a in finding.adjustments:
            lines.append(f"    {'+' if a.by > 0 else '-'}1 by {a.rule}: {a.reason}")
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
        lines.append(f"    {e.key}  {where}{how}")
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
