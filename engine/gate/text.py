"""The text and JSON reports of ``check`` once the gate has judged the review.

Without waivers, a baseline or ``--exit-zero`` the text report is exactly the engine's. Otherwise the main
table lists only the findings the gate still counts, and a gate section lists the waived and baselined
ones, the waiver problems and the decision.
"""

from __future__ import annotations

from typing import Any

import msgspec

from engine.gate.common import where
from engine.gate.core import Gate
from engine.report import PLAIN, TextStyle, dumps, to_json_data
from engine.report import to_text as engine_text


def _plain(gate: Gate) -> bool:
    return not gate.waivers and gate.baseline is None and gate.enforcing and not gate.policy_lines() and \
        not any(i.rose_from for i in gate.items)


def to_text(gate: Gate, style: TextStyle = PLAIN) -> str:
    """The terminal report (``style``: see ``engine.report.to_text``)."""
    rv = gate.review
    if _plain(gate):
        return engine_text(rv, gate.threshold, style)
    active = [i.finding for i in gate.items if i.status == "active"]
    ids = {f.id for f in active}
    mitigations = [m for m in rv.mitigations if ids.intersection(m.findings)]
    lines = [engine_text(msgspec.structs.replace(rv, findings=active, mitigations=mitigations),
                         gate.threshold, style).rstrip("\n")]
    waived = gate.of_status("waived")
    if waived:
        rows = [[i.finding.severity.value, i.finding.id, i.finding.rule, where(i.finding),
                 f"{i.waiver.owner} until {i.waiver.expires.isoformat()}" if i.waiver else ""] for i in waived]
        lines += ["", style.para(f"Waived ({len(waived)}): accepted risks that do not fail the gate"),
                  style.table(rows, ["severity", "id", "rule", "where", "waiver"], severity_column=0)]
    based = gate.of_status("baselined")
    if based:
        rows = [[i.finding.severity.value, i.finding.id, i.finding.rule, where(i.finding)] for i in based]
        lines += ["", style.para(f"In the baseline ({len(based)}): existing findings that do not fail the gate"),
                  style.table(rows, ["severity", "id", "rule", "where"], severity_column=0)]
    if gate.baseline is not None:
        b = gate.summary()["baseline"]
        lines += ["", style.para(f"Baseline {gate.baseline.file}: {b['matched']} of {b['entries']} entries matched, "
                                 f"{b['stale']} stale" + (" (fixed since; regenerate with 'archplan baseline')"
                                                          if b["stale"] else ""))]
    for w in gate.expired:
        lines.append(style.para(f"{w.location}: error: {w.describe()} expired on {w.expires.isoformat()} (owner "
                                f"{w.owner}); renew or remove it", "fail"))
    for w, hint in gate.unused:
        lines.append(style.para(f"{w.location}: warning: unused {w.describe()}: it matches no finding"
                                + (f" ({hint})" if hint else ""), "warning"))
    policy = gate.policy_lines()
    if policy:
        tone = "warning" if gate.policy.relaxed(gate.waivers, rv.kb.source) else None
        lines += ["", style.para("Policy:")] + [style.para(f"  {p}", tone) for p in policy]
    lines += ["", style.para(gate.status_line(), "pass" if gate.passed else "fail")]
    return "\n".join(lines) + "\n"


def to_json_report(gate: Gate) -> dict[str, Any]:
    """The JSON report with each finding's gate status and a ``gate`` section."""
    data = to_json_data(gate.review, gate.threshold, extra={"gate": gate.to_json()})
    for item, out in zip(gate.items, data["findings"], strict=True):
        out["status"] = item.status
    data["summary"]["failing"] = len(gate.failing)
    return data


def to_json(gate: Gate) -> str:
    """JSON text."""
    return dumps(to_json_report(gate))
