"""A one-shot review gives the C core only the compiled rules that can match its design (``CompiledKB.for_facts``):
the findings are those of the whole knowledge base, on every rule's own examples, and a rule is left out only when
no fact could pass one of its patterns' tests as the C core compares values."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine import runtime
from engine.compiler import _ABSENT, CompiledKB, CompiledPattern, CompiledRule, _Allows, _recheck
from engine.enrich import enrich
from engine.errors import ArchplanError, RuleError
from engine.loader import load_design, load_documents
from engine.model.design import Design
from engine.review import assemble, facts_for_engine, load_kb, review_design
from engine.ruletest import case_document, collect_cases
from tests.conftest import ROOT
from tests.helpers import rule_yaml
from tests.test_compiler_runtime import design_of, fired, kb_from


def _outcomes(kb: CompiledKB, design: Design) -> tuple[tuple[Any, ...], tuple[Any, ...], int]:
    """What a review of ``design`` gives with the whole knowledge base in the C core, and with only the rules that
    can match it; and how many those are."""
    enriched = enrich(design)
    facts = facts_for_engine(enriched)
    pruned = kb.for_facts(facts)
    out = []
    for given in (kb, pruned):
        result = runtime.run(given, facts)
        rv = assemble(design, enriched, kb, result)
        out.append(([f.to_json() for f in rv.findings], [m.to_json() for m in rv.mitigations], sorted(result.derived)))
    return out[0], out[1], len(pruned.kept if pruned.kept is not None else pruned.rules)


def test_every_rule_example_gives_the_same_findings_with_only_the_rules_that_can_match() -> None:
    """The property that keeps pruning honest: on each of the built-in rules' examples and case files (a design
    made to fire, or not, each rule), the rules left out change no finding, mitigation or derived fact."""
    kb = load_kb()  # every rule, the planning ones too
    given = 0
    cases = collect_cases(kb)
    assert len(cases) > 500
    for case in cases:
        try:
            design = load_documents([case_document(case)])
        except ArchplanError:
            continue  # an example whose design is refused (reported by `archplan rules test`)
        whole, pruned, kept = _outcomes(kb, design)
        assert pruned == whole, case.test_id
        given += kept
    assert given < len(cases) * len(kb.rules) / 4  # most rules are left out of an example's run: not vacuous


@pytest.mark.parametrize("design", ["shop", "ledger"])
def test_a_one_shot_review_gives_the_findings_of_the_whole_rule_set(design: str) -> None:
    kb = load_kb(findings_only=True)
    loaded = load_design([os.path.join(ROOT, "facts", design)])
    whole, pruned, kept = _outcomes(kb, loaded)
    assert pruned == whole and whole[0]
    assert kept < len(kb.rules) / 2  # 159 and 114 of 449


def test_the_pruned_knowledge_base_keeps_the_whole_sets_rules_and_ruleset_names(tmp_path: Any) -> None:
    kb = kb_from(str(tmp_path), [
        rule_yaml("public-api", [{"as": "s", "kind": "service",
                                  "where": {"type": {"in": ["api"]}, "exposure": "public"}}]),
        rule_yaml("unowned", [{"as": "s", "kind": "service", "where": {"owner": {"missing": True}}}]),
        rule_yaml("any-channel", [{"as": "q", "kind": "channel"}]),
        rule_yaml("undeployed", [{"as": "s", "kind": "service"}, {"kind": "deployment", "absent": True,
                                                                   "join": {"service": "s.name"}}])])
    facts = facts_for_engine(enrich(design_of({"services": [
        {"name": "a", "kind": "api", "exposure": "internal", "owner": "x"},
        {"name": "b", "kind": "worker", "exposure": "public"}]})))
    pruned = kb.for_facts(facts)
    # No public api (each test alone holds on some service: it is the same fact that must pass both), no
    # channel; the negated deployment rules nothing out.
    assert pruned.kept == {"unowned", "undeployed"}
    assert pruned.rules is kb.rules and pruned.strata == kb.strata and pruned.matched_kinds == kb.matched_kinds
    assert {n for spec in pruned.rulesets for n in spec.rules} == pruned.kept
    assert {spec.name for spec in pruned.rulesets} <= {spec.name for spec in kb.rulesets}
    assert pruned.digest != kb.digest
    facts.append({"kind": "channel", "key": "channel:q", "name": "q"})
    assert kb.for_facts(facts).kept == {"unowned", "undeployed", "any-channel"}
    facts[0]["exposure"] = "public"
    assert kb.for_facts(facts) is kb  # every rule can match


def test_a_library_review_keeps_one_session_of_the_whole_rule_set(tmp_path: Any) -> None:
    """A long-lived process keeps its engine sessions by the whole set (memory bounded by the rule packs, not by
    the designs): pruning is for the one-shot commands, which free their session anyway."""
    kb = kb_from(str(tmp_path), [rule_yaml("any-channel", [{"as": "q", "kind": "channel"}]),
                                 rule_yaml("any-service", [{"as": "s", "kind": "service"}])])
    runtime.clear_cache()
    design = design_of({"services": [{"name": "a"}]})
    assert fired(review_design(design, kb), "any-service") == ["service:a"]
    assert list(runtime._cache) == [kb.digest]
    assert fired(review_design(design, kb, keep_engine=False), "any-service") == ["service:a"]
    assert not runtime._cache


@pytest.mark.parametrize(("allowed", "unstated", "value", "admitted"), [
    (("api", "worker"), False, "api", True),
    (("api", "worker"), False, "cron", False),
    (("api",), False, _ABSENT, False),
    (("api",), True, _ABSENT, True),  # unknown_or: the field unknown passes
    ((), True, "api", False),  # missing: a stated field fails
    ((), True, None, True),  # a null is no text: never ruled out
    ((1,), False, 1.0, True),
    ((1,), False, 2, False),
    ((True,), False, False, False),
    # The C core compares across types: a number with a text as the number's text, a boolean with a number as 0
    # or 1 (reduceProperties, src/rules/events.c). Never ruled out.
    ((1,), False, "1", True),
    (("1",), False, 1, True),
    ((1,), False, True, True),
    ((True,), False, 1, True),
    (("api",), False, ["api"], True),
    (("api",), False, {"a": 1}, True),
    # A text the C core may compare over a length cut to 16 bits.
    (("api",), False, "api" + "x" * 70_000, True),
    (("a" * 70_000,), False, "api", True),
])
def test_a_screen_rules_out_only_what_the_c_core_could_not_match(allowed: tuple[Any, ...], unstated: bool,
                                                                  value: Any, admitted: bool) -> None:
    assert _Allows.of(0, allowed, unstated).admits(value) is admitted


def test_two_tests_on_one_field_are_screened_one_by_one() -> None:
    """``eq 1`` and ``in ['1', 2]`` share no value by ``same``, but a fact's 1 passes both in the C core."""
    pattern = CompiledPattern("s", "service", False, (("replicas", "eq", 1), ("replicas", "in", ("1", 2))), ())
    kb = CompiledKB({"r": CompiledRule("r", "r", None, (pattern,), 0)}, (), {}, frozenset(("service",)))
    assert kb.for_facts([{"kind": "service", "key": "service:a", "replicas": 1}]) is kb
    assert kb.for_facts([{"kind": "service", "key": "service:a", "replicas": 3}]).kept == frozenset()


def test_a_test_on_a_reserved_property_is_refused_before_assembly() -> None:
    """A part read back from the cache is checked, before its specs and definitions are made, for what the C
    core's definitions must never hold (``check_limits``): a test or join on ``id`` or ``sid``."""
    for tests, joins in [((("id", "eq", 1),), ()), ((), (("sid", "t", "key"),))]:
        rule = CompiledRule("r", "r", None, (CompiledPattern("s", "service", False, tests, joins),
                                             CompiledPattern("t", "service", False, (), ())), 0)
        with pytest.raises(RuleError, match="over a limit of the C core"):
            _recheck([rule])
