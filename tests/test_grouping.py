"""Findings grouped as a reviewer reads them: risks by rule, gaps by field (targeted before checklist)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import msgspec
import pytest

from engine.grouping import findings_per_issue, gap_groups, names, plural, risk_groups
from engine.model import Severity
from engine.model.finding import Finding
from engine.report import count_at_least, to_json, to_text
from engine.review import Review, review
from tests.gate_helpers import SHOP


@pytest.fixture(scope="module")
def shop() -> Review:
    return review([SHOP])


def _risk(base: Finding, rule: str, subject: str, severity: Severity) -> Finding:
    return dataclasses.replace(base, id=f"{rule}@{subject}", rule=rule, title=rule.title(), kind="risk",
                               subjects=(subject,), severity=severity)


def _gap(base: Finding, subject: str, *missing: tuple[str, str]) -> Finding:
    return dataclasses.replace(base, id=f"gap@{subject}", rule="information-gap", kind="gap", subjects=(subject,),
                               severity=Severity.LOW, missing=tuple(missing))


def test_risks_group_by_rule_most_severe_first(shop: Review) -> None:
    base = shop.findings[0]
    findings = [_risk(base, "b-rule", "service:x", Severity.HIGH), _risk(base, "a-rule", "service:y", Severity.HIGH),
                _risk(base, "b-rule", "service:a", Severity.CRITICAL), _risk(base, "c-rule", "service:z", Severity.LOW),
                _risk(base, "a-rule", "service:b", Severity.HIGH)]
    groups = risk_groups(findings)
    assert [(g.rule, [f.subject for f in g.findings]) for g in groups] == [
        ("b-rule", ["service:a", "service:x"]),  # its most severe member is critical
        ("a-rule", ["service:b", "service:y"]),
        ("c-rule", ["service:z"])]
    assert groups[0].severity is Severity.CRITICAL
    assert findings_per_issue(findings) == 5 / 3


def test_gaps_group_by_field_and_a_field_asked_of_every_element_is_a_checklist_question(shop: Review) -> None:
    base = shop.findings[0]
    gaps = [_gap(base, "service:a", ("runbook", "r1"), ("metrics", "r2")),
            _gap(base, "service:b", ("runbook", "r1")),
            _gap(base, "service:c", ("runbook", "r1"), ("tls", "r3"), ("tls", "r4"))]
    groups = gap_groups(gaps, {"service": 3})
    assert [(g.field, g.subjects, g.rules, g.checklist) for g in groups] == [
        ("metrics", ("service:a",), ("r2",), False),  # targeted: asked where a risk hinges on it
        ("tls", ("service:c",), ("r3", "r4"), False),
        ("runbook", ("service:a", "service:b", "service:c"), ("r1",), True),  # asked of every service: last
    ]


def test_words_for_counts_and_names() -> None:
    assert [plural("service", 1), plural("service", 3), plural("policy", 2), plural("access", 2)] == [
        "1 service", "3 services", "2 policies", "2 accesses"]
    assert names([f"service:s{i}" for i in range(8)]) == "s0, s1, s2, s3, s4, s5 and 2 more"


def test_the_json_report_keeps_one_finding_per_subject_with_its_group(shop: Review) -> None:
    data = json.loads(to_json(shop))
    assert len(data["findings"]) == len(shop.findings)
    for f in data["findings"]:
        subject_kind = f["subjects"][0].split(":", 1)[0]
        assert f["group"] == (f["rule"] if f["kind"] == "risk" else f"gap:{subject_kind}")


def test_a_gap_groups_subjects_are_sorted_and_each_named_once_whatever_order_they_come_in(shop: Review) -> None:
    """The subjects of a field's group are merged from the sets that miss it: in subject order, each once, even
    when they come out of order or one subject's gap is given twice."""
    base = shop.findings[0]
    gaps = [_gap(base, "service:d", ("runbook", "r1")), _gap(base, "service:b", ("runbook", "r1")),
            _gap(base, "service:c", ("runbook", "r1"), ("tls", "r3")), _gap(base, "service:a", ("runbook", "r1")),
            _gap(base, "service:b", ("runbook", "r1"))]
    by_field = {g.field: g.subjects for g in gap_groups(gaps, {"service": 9})}
    assert by_field == {"runbook": ("service:a", "service:b", "service:c", "service:d"), "tls": ("service:c",)}


@pytest.mark.parametrize("threshold", ["critical", "high", "medium", "low", "never"])
def test_the_text_reports_counts_are_the_findings_counted_one_by_one(shop: Review, threshold: str) -> None:
    """The summary counts severities, categories and gaps in one pass; the text report takes its failing count from
    it: each is what counting the findings one by one gives."""
    s = shop.summary()
    assert s["by_severity"] == {sev.value: sum(f.severity is sev for f in shop.findings) for sev in Severity}
    assert s["by_category"] == dict(sorted(Counter(f.category for f in shop.findings).items()))
    assert s["information_gaps"] == sum(f.kind == "gap" for f in shop.findings) > 0
    failing = count_at_least(shop.findings, threshold)
    assert to_text(shop, threshold).endswith(f"; {failing} at or above '{threshold}'.\n")
    assert to_text(msgspec.structs.replace(shop, findings=[]), threshold).endswith(f"; 0 at or above '{threshold}'.\n")
