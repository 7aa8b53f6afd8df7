"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

Shape choices, following GitHub's documented SARIF support:
- one run; ``tool.driver.rules`` lists the rules that produced a result (sorted by id), each with
  ``shortDescription``, ``fullDescription``, ``help`` (text and Markdown), ``helpUri`` for built-in rules,
  ``defaultConfiguration.level``, and ``properties.tags``; security rules carry ``security-severity``;
- every result has ``ruleId`` and ``ruleIndex``, a ``level`` from its severity, a message that starts with
  the subject's logical path, exactly one physical location (a path relative to the working directory, which
  is the repository root in CI, under ``%SRCROOT%``, with the YAML line and column of the fact or field), and
  ``partialFingerprints`` keyed ``archplanFingerprint/v1`` (rule, subject and file: no line numbers);
- waived findings are left out unless ``--include-waived``, which lists them with an accepted suppression;
- with a baseline, ``baselineState`` says ``new`` or ``unchanged``; baselined findings stay listed (they are
  real debt, shown in code scanning) but do not fail the gate;
- gate problems (expired or unused waivers, ``--exit-zero``) are tool execution notifications, and
  ``run.properties.archplan`` carries the decision, so a reader can tell that the gate was not enforcing.
No timestamps or absolute paths: the same input gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from engine import __version__
from engine.gate.common import REPO_URL, artifact_location, one_line, rule_info, subject_path
from engine.gate.core import Gate, Item
from engine.model import Severity
from engine.model.finding import add_basis, filled, shown_text
from engine.report import dumps_bytes

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "archplanFingerprint/v1"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}
"""GitHub's bands: critical over 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9."""
_VALUE = {s: s.value for s in Severity}


def _pascal(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in rule_id.replace("_", "-").split("-"))


def _rule_descriptor(gate: Gate, rule_id: str) -> dict[str, Any]:
    info = rule_info(gate.review, rule_id)
    refs_text = "".join(f"\n- {r}" for r in info.references)
    text = f"{info.summary}\n\nWhy it matters: {info.rationale}" + (f"\n\nReferences:{refs_text}" if refs_text else "")
    markdown = (f"**{info.title}**\n\n{info.summary}\n\n**Why it matters.** {info.rationale}"
                + (f"\n\n**References**\n{refs_text.lstrip(chr(10))}" if refs_text else "")
                + "\n\nRun `archplan explain DESIGN FINDING-ID` for the facts behind a finding.")
    tags = sorted({"architecture", "design-review", info.category})
    props: dict[str, Any] = {"tags": tags, "precision": "high", "problem.severity": _problem(info.severity)}
    if info.category == "security":
        tags.append("security")
        props["tags"] = sorted(set(tags))
        props["security-severity"] = SECURITY_SEVERITY[info.severity]
    out: dict[str, Any] = {
        "id": info.id,
        "name": _pascal(info.id),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": one_line(info.summary)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": props,
    }
    if info.help_uri:
        out["helpUri"] = info.help_uri
    return out


def _problem(sev: Severity) -> str:
    return {"error": "error", "warning": "warning", "note": "recommendation"}[LEVEL[sev]]


def _result(gate: Gate, item: Item, index: dict[str, int], artifacts: dict[str, dict[str, str]]) -> dict[str, Any]:
    f = item.finding
    d = filled(f)  # every field, read from the instance's dictionary
    loc = d["location"]
    file = loc.file
    artifact = artifacts.get(file)
    if artifact is None:
        artifact = artifacts[file] = artifact_location(file)
    # The artifact's dict is shared by the results in its file: one object, written as often as it is cited.
    physical: dict[str, Any] = {"artifactLocation": artifact}
    line = loc.line
    if line > 0:
        physical["region"] = {"startLine": line, "startColumn": loc.column if loc.column > 1 else 1}
    subject, fld, kind = d["subjects"][0], d["field"], d["kind"]
    path = subject_path(subject, fld)  # logical_path(f)
    assumed, inferred = d["assumed"], d["inferred"]
    text = shown_text(d["message"], assumed, inferred)  # f.shown
    sev = d["severity"]
    props: dict[str, Any] = {"severity": _VALUE[sev], "category": d["category"], "findingId": d["id"],
                             "subjects": list(d["subjects"]), "phase": d["phase"], "failing": item.failing}
    add_basis(props, kind, assumed, inferred, assumed_of_gaps=True)
    result: dict[str, Any] = {
        "ruleId": d["rule"],
        "ruleIndex": index[d["rule"]],
        "level": LEVEL[sev],
        "message": {"text": f"{path}: {one_line(text)}"},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": path, "kind": "member" if fld else "object"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: d["fingerprint"]},
        "properties": props,
    }
    if gate.baseline is not None:
        result["baselineState"] = "unchanged" if d["fingerprint"] in gate.baseline.fingerprints else "new"
    if item.status == "waived" and item.waiver is not None:
        w = item.waiver
        suppression: dict[str, Any] = {
            "kind": "inSource" if w.in_design else "external",
            "status": "accepted",
            "justification": w.reason,
            "location": {"physicalLocation": {
                "artifactLocation": artifact_location(w.location.file),
                "region": {"startLine": max(w.location.line, 1), "startColumn": max(w.location.column, 1)}}},
            "properties": {"owner": w.owner, "expires": w.expires.isoformat(), **({"ticket": w.ticket} if w.ticket
                                                                                    else {})},
        }
        result["suppressions"] = [suppression]
    return result


def _notifications(gate: Gate) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def note(level: str, text: str, file: str = "", line: int = 0, column: int = 0) -> None:
        n: dict[str, Any] = {"level": level, "message": {"text": text}}
        if file:
            n["locations"] = [{"physicalLocation": {
                "artifactLocation": artifact_location(file),
                "region": {"startLine": max(line, 1), "startColumn": max(column, 1)}}}]
        out.append(n)

    if not gate.enforcing:
        note("warning", "archplan gate is not enforcing (--exit-zero): the exit code is 0 whatever is found")
    for line in gate.policy_lines():  # what decided the rules, severities and waivers: a reader must see it
        note("warning" if gate.policy.relaxed(gate.waivers, gate.review.kb.source) else "note", f"policy: {line}")
    for lw in gate.review.design.warnings:  # conflicts settled by precedence, e.g. a value over an artifact's
        loc = lw.location
        note("warning", f"{lw.keypath}: {lw.message}" if lw.keypath else lw.message,
             loc.file if loc else "", loc.line if loc else 0, loc.column if loc else 0)
    for w in gate.expired:
        note("error", f"{w.describe()} expired on {w.expires.isoformat()} (owner {w.owner}); the gate fails until "
                      "it is renewed or removed", w.location.file, w.location.line, w.location.column)
    for w, hint in gate.unused:
        note("error" if gate.options.fail_on_unused_waivers else "warning",
             f"unused {w.describe()}: it matches no finding" + (f" ({hint})" if hint else ""),
             w.location.file, w.location.line, w.location.column)
    return out


def to_sarif_data(gate: Gate) -> dict[str, Any]:
    """The SARIF log as a dict."""
    shown = [i for i in gate.items if i.status != "waived" or gate.options.include_waived]
    rule_ids = sorted({i.finding.rule for i in shown})
    index = {rid: n for n, rid in enumerate(rule_ids)}
    artifacts: dict[str, dict[str, str]] = {}  # by file as stated: a design has few files, a report many results
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notes = _notifications(gate)
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "archplan",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": REPO_URL,
            "rules": [_rule_descriptor(gate, rid) for rid in rule_ids],
        }},
        "invocations": [invocation],
        "results": [_result(gate, i, index, artifacts) for i in shown],
        "columnKind": "unicodeCodePoints",
        "properties": {"archplan": {k: v for k, v in gate.summary().items() if k not in ("baseline", "today")}
                       | {"reasons": gate.reasons(), "policy": gate.policy_json()}},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def to_sarif(gate: Gate) -> str:
    """SARIF text (canonical JSON)."""
    return to_sarif_bytes(gate).decode()


def to_sarif_bytes(gate: Gate) -> bytes:
    """:func:`to_sarif` as UTF-8 bytes, as ``check`` writes them (``engine.neutral.json_bytes``)."""
    return dumps_bytes(to_sarif_data(gate))
