"""Contradictions between design agents: rules (data) that report two agents' facts that cannot both hold."""

from __future__ import annotations

import os

from engine.loader import load_documents
from engine.review import load_kb, review, review_design
from engine.ruletest import case_document, collect_cases
from tests.helpers import write

KB = load_kb()
RULES = sorted(r for r in KB.source if r.startswith("contradiction-"))


def test_at_least_eight_contradiction_rules_each_with_fire_and_pass_examples() -> None:
    assert len(RULES) >= 8
    for rid in RULES:
        expects = {e.expect for e in KB.source[rid].rule.examples}
        assert {"fire", "pass"} <= expects, rid


def test_each_contradiction_names_both_facts_with_their_places() -> None:
    cases = [c for c in collect_cases(KB) if c.rule in RULES and c.example.expect == "fire"]
    assert {c.rule for c in cases} == set(RULES)
    for case in cases:
        rv = review_design(load_documents([case_document(case)]), KB)
        finding = next(f for f in rv.findings if f.rule == case.rule)
        assert len({e.key for e in finding.evidence}) >= 2, case.rule  # both sides of the contradiction
        assert len({e.kind for e in finding.evidence}) >= 2, case.rule
        assert all(e.location.line > 0 for e in finding.evidence), case.rule


def test_contradiction_between_two_agent_files_names_both_agents_and_files(tmp_path: os.PathLike[str]) -> None:
    d = str(tmp_path)
    write(d, "security.yaml", "source: security\nsecurity: {service_to_service_auth: mesh}\n")
    write(d, "api.yaml", """\
        source: api
        services: [{name: checkout}, {name: inventory}]
        interactions:
          - {from: checkout, to: inventory, style: sync, tls: false}
        """)
    rv = review([d])
    finding = next(f for f in rv.findings if f.rule == "contradiction-service-mtls-vs-call-without-tls")
    assert "controls (security)" in finding.message and "(api)" in finding.message
    files = {os.path.basename(e.location.file) for e in finding.evidence}
    assert files == {"api.yaml", "security.yaml"}
    assert os.path.basename(finding.location.file) == "api.yaml" and finding.location.line == 4
