"""JUnit XML for CI systems that read test reports (GitLab, Jenkins, Azure Pipelines, CircleCI...).

One ``testsuite`` per rule category, one ``testcase`` per finding. A finding that fails the gate is a
``failure``; a waived or baselined finding is ``skipped`` with the reason; a finding below the threshold
passes and carries its message in ``system-out``. A last suite, ``archplan.gate``, holds one case per
waiver problem (expired: failure; unused: failure under ``--fail-on-unused-waivers``, else passing with a
note) and one case for the decision itself, whose properties say whether the gate was enforcing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from engine.gate.common import logical_path, one_line, rel_uri_path, where
from engine.gate.core import Gate, Item

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters: drop them."""
    return _CONTROL.sub("", text)


def _case(suite: ET.Element, name: str, classname: str, file: str = "", line: int = 0) -> ET.Element:
    case = ET.SubElement(suite, "testcase", {"name": _clean(name), "classname": _clean(classname), "time": "0"})
    if file:
        case.set("file", _clean(file))
    if line:
        case.set("line", str(line))
    return case


def _finding_case(suite: ET.Element, gate: Gate, item: Item) -> tuple[int, int]:
    f = item.finding
    case = _case(suite, f"{f.rule} @ {f.subject}", f"archplan.{f.category}.{f.rule}",
                 rel_uri_path(f.location.file), f.location.line)
    body = (f"{f.severity.value} {f.id} at {where(f)}" + (f" (basis: {f.basis})" if f.kind == "risk" else "")
            + f"\n{logical_path(f)}: {one_line(f.shown)}\n"
            f"explain: archplan explain DESIGN {f.id}")
    if item.failing:
        fail = ET.SubElement(case, "failure", {
            "message": _clean(f"{f.severity.value}: {one_line(f.shown)}"), "type": f.severity.value})
        fail.text = _clean(body)
        return 1, 0
    if item.status == "waived" and item.waiver is not None:
        w = item.waiver
        ET.SubElement(case, "skipped", {"message": _clean(
            f"waived until {w.expires.isoformat()} by {w.owner}: {one_line(w.reason)}"
            + (f" ({w.ticket})" if w.ticket else "") + f" [{w.location}]")})
        return 0, 1
    if item.status == "baselined":
        ET.SubElement(case, "skipped", {"message": "in the baseline: an existing finding, not a new one"})
        return 0, 1
    out = ET.SubElement(case, "system-out")
    out.text = _clean(f"below the '{gate.threshold}' threshold: {body}")
    return 0, 0


def _suite(root: ET.Element, name: str, cases: int, failures: int, skipped: int) -> ET.Element:
    return ET.SubElement(root, "testsuite", {
        "name": name, "tests": str(cases), "failures": str(failures), "errors": "0", "skipped": str(skipped),
        "time": "0"})


def _set_counts(el: ET.Element, cases: int, failures: int, skipped: int) -> None:
    el.set("tests", str(cases))
    el.set("failures", str(failures))
    el.set("skipped", str(skipped))


def to_junit(gate: Gate) -> str:
    """JUnit XML text."""
    root = ET.Element("testsuites", {"name": "archplan", "tests": "0", "failures": "0", "errors": "0",
                                     "skipped": "0", "time": "0"})
    totals = [0, 0, 0]
    by_cat: dict[str, list[Item]] = {}
    for item in gate.items:
        by_cat.setdefault(item.finding.category, []).append(item)
    for cat in sorted(by_cat):
        items: Sequence[Item] = by_cat[cat]
        suite = _suite(root, f"archplan.{cat}", 0, 0, 0)
        fails = skips = 0
        for item in items:
            f, s = _finding_case(suite, gate, item)
            fails += f
            skips += s
        _set_counts(suite, len(items), fails, skips)
        totals = [totals[0] + len(items), totals[1] + fails, totals[2] + skips]

    suite = _suite(root, "archplan.gate", 0, 0, 0)
    props = ET.SubElement(suite, "properties")
    for k, v in sorted(gate.summary().items()):
        if k in ("baseline", "today"):
            continue
        ET.SubElement(props, "property", {"name": f"archplan.{k}", "value": str(v).lower() if isinstance(v, bool)
                                          else str(v)})
    pol = gate.policy_json()
    policy = {"config": pol["config"] or "", "pinned_from": pol["pinned_from"] or "",
              "disabled_rules": ",".join(pol["disabled_rules"]),
              "severity_overrides": ",".join(f"{r}={s}" for r, s in pol["severity_overrides"].items()),
              "packs": ",".join(f"{p['path']} ({p['rules']})" for p in pol["packs"]),
              "lowering_context_rules": ",".join(pol["lowering_context_rules"]),
              "waivers": str(pol["waivers"]["in_force"]),
              "blanket_waivers": ",".join(f"{b['file']}:{b['line']}" for b in pol["waivers"]["blanket"])}
    for k, v in policy.items():
        ET.SubElement(props, "property", {"name": f"archplan.policy.{k}", "value": _clean(v)})
    cases = fails = 0
    for w in gate.expired:
        case = _case(suite, f"waiver {w.rule} @ {w.subject}", "archplan.waivers", rel_uri_path(w.location.file),
                     w.location.line)
        fail = ET.SubElement(case, "failure", {"message": _clean(
            f"expired on {w.expires.isoformat()} (owner {w.owner})"), "type": "expired-waiver"})
        fail.text = _clean(f"{w.location}: {w.describe()} expired on {w.expires.isoformat()}; renew or remove it")
        cases, fails = cases + 1, fails + 1
    for w, hint in gate.unused:
        case = _case(suite, f"waiver {w.rule} @ {w.subject}", "archplan.waivers", rel_uri_path(w.location.file),
                     w.location.line)
        text = _clean(f"{w.location}: unused {w.describe()}: it matches no finding" + (f" ({hint})" if hint else ""))
        if gate.options.fail_on_unused_waivers:
            ET.SubElement(case, "failure", {"message": text, "type": "unused-waiver"})
            fails += 1
        else:
            ET.SubElement(case, "system-out").text = text
        cases += 1
    decision = _case(suite, "gate", "archplan.gate")
    if not gate.passed and gate.enforcing:
        fail = ET.SubElement(decision, "failure", {"message": _clean(gate.status_line()), "type": "gate"})
        fail.text = _clean("\n".join(gate.reasons()))
        fails += 1
    else:
        ET.SubElement(decision, "system-out").text = _clean(gate.status_line())
    cases += 1
    _set_counts(suite, cases, fails, 0)
    totals = [totals[0] + cases, totals[1] + fails, totals[2]]
    _set_counts(root, *totals)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

