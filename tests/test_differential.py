"""Differential testing: the runtime (durable_rules) and the plain-Python reference evaluator
(engine/reference.py) must agree on every match, every derived fact and every finding.

durable_rules fails silently in several ways (swallowed action errors, facts dropped as "already
observed", type coercion); a disagreement here is a bug in one of the two evaluators.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from engine import reference, runtime
from engine.compiler import CompiledKB
from engine.enrich import enrich
from engine.loader import Design, load_design, load_documents
from engine.review import assemble, facts_for_engine, load_kb
from engine.ruletest import case_document, collect_cases
from tests.conftest import ROOT

KB = load_kb()
CASES = collect_cases(KB)
FACTS = os.path.join(ROOT, "facts")
DESIGNS = sorted(os.path.join(FACTS, d) for d in os.listdir(FACTS) if os.path.isdir(os.path.join(FACTS, d)))


def outcomes(result: runtime.RunResult) -> Counter[tuple[str, str]]:
    """Every activation's rule and consequence, as a multiset (firing order may differ)."""
    return Counter((name, repr(outcome)) for name, outcome in result.outcomes)


def assert_same(kb: CompiledKB, design: Design) -> None:
    """Both evaluators over one design: the same activations, derived facts and findings."""
    enriched = enrich(design)
    facts = facts_for_engine(enriched)
    got = runtime.run(kb, facts)
    want = reference.evaluate(kb, facts)
    missing = outcomes(want) - outcomes(got)
    extra = outcomes(got) - outcomes(want)
    assert not missing and not extra, (
        f"runtime missed {sorted(missing)[:5]} and added {sorted(extra)[:5]}")
    assert got.derived == want.derived
    findings_rt = [f.to_json() for f in assemble(design, enriched, kb, got).findings]
    findings_ref = [f.to_json() for f in assemble(design, enriched, kb, want).findings]
    assert findings_rt == findings_ref


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_evaluators_agree_on_rule_example(case: Any) -> None:
    assert_same(KB, load_documents([case_document(case)]))


@pytest.mark.parametrize("path", DESIGNS, ids=[os.path.basename(d) for d in DESIGNS])
def test_evaluators_agree_on_example_design(path: str) -> None:
    assert_same(KB, load_design([path]))


def test_reference_regex_is_durables_anchored_dialect() -> None:
    rx = reference.python_regex
    assert rx(".+-call-without-circuit-breaker").fullmatch("external-call-without-circuit-breaker")
    assert not rx("pay").fullmatch("payments")  # anchored: a full match, not a search
    assert rx("v%d+").fullmatch("v12") and not rx("v%d+").fullmatch("v1a")
    assert rx("%a%w*").fullmatch("\u00e9t3") and not rx("%w").fullmatch("_")
    assert rx("a.b").fullmatch("a\nb") and not rx("a.b").fullmatch("ab")


def test_reference_compares_without_coercion() -> None:
    assert not reference.same(True, 1) and not reference.same("1", 1) and reference.same(1, 1.0)
    assert not reference.holds({"v": "9"}, "v", "lt", 10)  # durable would compare text
    assert reference.holds({}, "v", "missing", True) and not reference.holds({}, "v", "ne", 1)
