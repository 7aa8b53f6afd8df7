"""Compilation onto durable_rules and the runtime's workarounds, each proved."""

from __future__ import annotations

import json
import os
import resource
from typing import Any

import pytest

from engine import consequence, runtime
from engine.compiler import (
    MAX_ALPHA_PER_KIND,
    NEGATED_PREFIX,
    compile_kb,
)
from engine.errors import ArchplanError, EngineError, LimitError
from engine.loader import load_documents
from engine.review import review_design
from engine.ruleload import load_rules
from engine.runtime import RunLimits
from engine.source import Document
from tests.helpers import rule_yaml, write_yaml


def design_of(body: dict[str, Any]) -> Any:
    return load_documents([Document("mem.yaml", {"source": "api", **body})])


def kb_from(tmp: str, rules: list[dict[str, Any]], decide_negations: bool = True) -> Any:
    for r in rules:
        write_yaml(tmp, f"{r['category']}/{r['id']}.yaml", r)
    return compile_kb(load_rules([tmp]), decide_negations=decide_negations)


def fired(rv: Any, rule: str) -> list[str]:
    return sorted(f.subject for f in rv.findings if f.rule == rule and f.kind == "risk")


def walk_conditions(definitions: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for rules in definitions.values():
        for definition in rules.values():
            for term in definition["all"]:
                ((_alias, expr),) = term.items()
                out.append(expr)
    return out


ALLOWED_OPS = {"$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex", "$or", "$and", "$mt", "$iany"}


def test_three_hundred_rules_partition_within_every_limit_and_all_fire(tmp_path: os.PathLike[str]) -> None:
    rules = [rule_yaml(f"replicas-below-{i:03d}", [
        {"as": "s", "kind": "service", "where": {"replicas": {"lt": i + 1}}}]) for i in range(300)]
    kb = kb_from(str(tmp_path), rules)
    assert len(kb.rulesets) >= 300 // MAX_ALPHA_PER_KIND
    for spec_rules in kb.definitions.values():
        assert len(spec_rules) <= MAX_ALPHA_PER_KIND
    rv = review_design(design_of({"services": [{"name": "a", "replicas": 0}]}), kb)
    assert len({f.rule for f in rv.findings}) == 300


def test_compiler_emits_only_the_safe_subset(builtin_kb: Any) -> None:
    for expr in walk_conditions(builtin_kb.definitions):
        conds = expr["$and"]
        assert "kind" in conds[0], "kind equality must come first"
        assert not all("$nex" in c for c in conds)
        for c in conds[1:]:
            (key, value), = c.items()
            if key.startswith("$"):
                assert key in ALLOWED_OPS
            elif isinstance(value, dict):  # a join: {field: {alias: field}}, equality only
                ((alias, field),) = value.items()
                assert not alias.startswith("$") and isinstance(field, str)
            assert key not in ("id", "sid")


@pytest.mark.parametrize("in_c_core", [True, False], ids=["negation-in-c-core", "negation-decided-by-runtime"])
def test_negation_sees_facts_asserted_later(tmp_path: os.PathLike[str], in_c_core: bool) -> None:
    # "a call with no call back": the reverse call sorts after the one that is checked first.
    rule = rule_yaml("one-way-call", [
        {"as": "c", "kind": "interaction", "where": {"style": "sync"}},
        {"absent": True, "kind": "interaction", "join": {"from": "c.to", "to": "c.from"}},
    ])
    kb = kb_from(str(tmp_path), [rule], decide_negations=not in_c_core)
    assert any(NEGATED_PREFIX + "interaction" in json.dumps(d) for d in kb.definitions.values()) == in_c_core
    rv = review_design(design_of({
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"}, {"from": "b", "to": "a", "style": "sync"},
                         {"from": "a", "to": "c", "style": "sync"}],
    }), kb)
    assert fired(rv, "one-way-call") == ["interaction:a->c"]


def test_rules_chain_to_a_fixed_point_and_compound_risks(tmp_path: os.PathLike[str]) -> None:
    no_timeout = rule_yaml("no-timeout", [{"as": "c", "kind": "interaction", "where": {"timeout_ms": 0}}])
    no_breaker = rule_yaml("no-breaker", [{"as": "c", "kind": "interaction", "where": {"circuit_breaker": False}}])
    compound = rule_yaml("unguarded-call", [
        {"as": "r1", "kind": "risk", "where": {"rule": "no-timeout"}},
        {"as": "r2", "kind": "risk", "where": {"rule": "no-breaker"}, "join": {"subject": "r1.subject"}},
    ])
    kb = kb_from(str(tmp_path), [no_timeout, no_breaker, compound])
    rv = review_design(design_of({
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "interactions": [{"from": "a", "to": "b", "timeout_ms": 0, "circuit_breaker": False},
                         {"from": "a", "to": "c", "timeout_ms": 0, "circuit_breaker": True}],
    }), kb)
    assert fired(rv, "unguarded-call") == ["risk:no-timeout@interaction:a->b"]
    finding = next(f for f in rv.findings if f.rule == "unguarded-call")
    # the explanation reaches back through the derived risks to the design fact and its line
    assert {e.key for e in finding.evidence} >= {"interaction:a->b", "risk:no-timeout@interaction:a->b"}


def test_negation_over_derived_facts_is_stratified(tmp_path: os.PathLike[str]) -> None:
    risky = rule_yaml("no-breaker", [{"as": "c", "kind": "interaction", "where": {"circuit_breaker": False}}])
    calm = rule_yaml("service-without-risky-calls", [
        {"as": "c", "kind": "interaction"},
        {"absent": True, "kind": "risk", "where": {"rule": "no-breaker"}, "join": {"subject": "c.key"}},
    ], derive=[{"kind": "calm_call", "fields": {"call": "{c.key}"}}])
    del calm["risk"], calm["mitigation"]
    kb = kb_from(str(tmp_path), [risky, calm])
    assert kb.strata == 2
    assert {s.stratum for s in kb.rulesets} == {0, 1}
    rv = review_design(design_of({
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "interactions": [{"from": "a", "to": "b", "circuit_breaker": False}, {"from": "a", "to": "c"}],
    }), kb)
    calm_calls = sorted(str(f["call"]) for f in rv.result.derived.values() if f["kind"] == "calm_call")
    assert calm_calls == ["interaction:a->c"]


def test_negation_cycle_through_derived_facts_is_refused(tmp_path: os.PathLike[str]) -> None:
    a = rule_yaml("a-rule", [{"as": "s", "kind": "service"}, {"absent": True, "kind": "risk",
                                                              "join": {"subject": "s.key"}}])
    with pytest.raises(ArchplanError, match="no fixed point"):
        kb_from(str(tmp_path), [a])


def test_runaway_derivation_hits_the_bound(tmp_path: os.PathLike[str]) -> None:
    seed = rule_yaml("seed", [{"as": "s", "kind": "service"}],
                     derive=[{"kind": "grow", "fields": {"v": "x"}}])
    grow = rule_yaml("grow-forever", [{"as": "g", "kind": "grow", "where": {"v": {"exists": True}}}],
                     derive=[{"kind": "grow", "fields": {"v": "{g.v}x"}}])
    kb = kb_from(str(tmp_path), [seed, grow])
    with pytest.raises(LimitError, match="without reaching a fixed point"):
        review_design(design_of({"services": [{"name": "a"}]}), kb, RunLimits(max_derived=500))


def test_the_default_derivation_bound_grows_with_the_design(tmp_path: os.PathLike[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, the bound is the default or four derived facts per input fact, whichever is more: a large design
    derives in proportion (the plan's items) and must not need a flag; a bound given is kept exactly, and a
    runaway derivation still stops."""
    assert RunLimits().derived_bound(10) == runtime.DEFAULT_MAX_DERIVED
    assert RunLimits().derived_bound(100_000) == 400_000
    assert RunLimits(max_derived=500).derived_bound(1_000_000) == 500
    monkeypatch.setattr(runtime, "DEFAULT_MAX_DERIVED", 4)
    three = rule_yaml("three-each", [{"as": "s", "kind": "service"}],
                      derive=[{"kind": "part", "fields": {"of": "{s.key}", "n": str(n)}} for n in range(3)])
    services = {"services": [{"name": f"s{i}"} for i in range(5)]}
    kb = kb_from(str(tmp_path), [three])
    rv = review_design(design_of(services), kb)
    assert sum(1 for f in rv.result.derived.values() if f["kind"] == "part") == 15
    with pytest.raises(LimitError, match="more than 4 facts"):
        review_design(design_of(services), kb, RunLimits(max_derived=4))
    seed = rule_yaml("seed", [{"as": "s", "kind": "service"}], derive=[{"kind": "grow", "fields": {"v": "x"}}])
    grow = rule_yaml("grow-forever", [{"as": "g", "kind": "grow", "where": {"v": {"exists": True}}}],
                     derive=[{"kind": "grow", "fields": {"v": "{g.v}x"}}])
    other = os.path.join(str(tmp_path), "runaway")
    os.makedirs(other)
    with pytest.raises(LimitError, match="without reaching a fixed point"):
        review_design(design_of(services), kb_from(other, [seed, grow]))


def test_unmatched_and_duplicate_facts_are_tolerated(tmp_path: os.PathLike[str]) -> None:
    rule = rule_yaml("public-service", [{"as": "s", "kind": "service", "where": {"exposure": "public"}}])
    kb = kb_from(str(tmp_path), [rule])
    rv = review_design(design_of({"services": [{"name": "a", "exposure": "internal"},
                                               {"name": "b", "exposure": "public"}]}), kb)
    assert fired(rv, "public-service") == ["service:b"]


def test_errors_inside_actions_are_surfaced(tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rule = rule_yaml("public-service", [{"as": "s", "kind": "service"}])
    kb = kb_from(str(tmp_path), [rule])

    def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(runtime.Consequence, "__call__", broken)
    monkeypatch.setattr(consequence, "_applier", lambda _c: broken)  # the runtime applies each rule's own
    with pytest.raises(EngineError, match="rule action failed: public-service: RuntimeError: boom"):
        review_design(design_of({"services": [{"name": "a"}]}), kb)


def test_two_thousand_runs_in_one_process_neither_fail_nor_leak(builtin_kb: Any) -> None:
    design = design_of({
        "services": [{"name": "a"}, {"name": "b"}],
        "externals": [{"name": "psp"}],
        "interactions": [{"from": "a", "to": "psp", "style": "sync", "circuit_breaker": False},
                         {"from": "a", "to": "b", "style": "sync"}],
        "endpoints": [{"method": "GET", "path": "/x", "served_by": "a", "exposure": "public"}],
    })
    first = [f.to_json() for f in review_design(design, builtin_kb).findings]
    for _ in range(200):
        review_design(design, builtin_kb)
    rss_warm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1800):
        assert [f.to_json() for f in review_design(design, builtin_kb).findings] == first
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_warm
    assert growth_kb < 20_000, f"peak RSS grew {growth_kb} KB over 1,800 runs"


def test_evicted_knowledge_bases_are_freed(tmp_path: os.PathLike[str]) -> None:
    kbs = []
    for i in range(6):
        d = os.path.join(str(tmp_path), str(i))
        kbs.append(kb_from(d, [rule_yaml(f"rule-{i}", [{"as": "s", "kind": "service"}])]))
    design = design_of({"services": [{"name": "a"}]})
    for _ in range(3):
        for kb in kbs:
            review_design(design, kb)
    assert len(runtime._cache) <= 4
    runtime.clear_cache()
    assert not runtime._cache


def test_context_raises_severity_one_step_but_never_past_the_impact_ceiling(tmp_path: os.PathLike[str]) -> None:
    major = rule_yaml("major-risk", [{"as": "s", "kind": "service", "where": {"replicas": 1}}])
    severe = rule_yaml("severe-risk", [{"as": "s", "kind": "service", "where": {"replicas": 1}}])
    severe["risk"]["impact"] = "severe"
    severe["risk"]["likelihood"] = "possible"  # possible x severe = high, like major-risk
    raise_public = rule_yaml("context-public", [
        {"as": "r", "kind": "risk"},
        {"as": "s", "kind": "service", "join": {"key": "r.subject"}, "where": {"exposure": "public"}},
    ], adjust={"risk": "r", "by": 1, "reason": "public"})
    del raise_public["risk"], raise_public["mitigation"]
    kb = kb_from(str(tmp_path), [major, severe, raise_public])
    rv = review_design(design_of({"services": [{"name": "a", "exposure": "public", "replicas": 1}]}), kb)
    sev = {f.rule: (f.base_severity.value, f.severity.value) for f in rv.findings if f.kind == "risk"}
    assert sev == {"major-risk": ("high", "high"), "severe-risk": ("high", "critical")}


def test_a_context_the_risk_rule_already_requires_is_not_counted_twice(tmp_path: os.PathLike[str]) -> None:
    """A rule that fires only on public services was rated for public services: the public-context raise would
    count the same fact twice. A rule that admits more than the context (public or partner) is still raised."""
    priced = rule_yaml("public-only-risk", [{"as": "s", "kind": "service", "where": {"exposure": "public"}}])
    wider = rule_yaml("exposed-risk", [{"as": "s", "kind": "service",
                                        "where": {"exposure": {"in": ["public", "partner"]}}}])
    priced["risk"]["impact"] = wider["risk"]["impact"] = "moderate"  # medium, room to be raised
    raise_public = rule_yaml("context-public", [
        {"as": "r", "kind": "risk"},
        {"as": "s", "kind": "service", "join": {"key": "r.subject"}, "where": {"exposure": "public"}},
    ], adjust={"risk": "r", "by": 1, "reason": "public"})
    del raise_public["risk"], raise_public["mitigation"]
    kb = kb_from(str(tmp_path), [priced, wider, raise_public])
    rv = review_design(design_of({"services": [{"name": "a", "exposure": "public"}]}), kb)
    got = {f.rule: (f.base_severity.value, f.severity.value, [a.rule for a in f.adjustments])
           for f in rv.findings if f.kind == "risk"}
    assert got == {"public-only-risk": ("medium", "medium", []),
                   "exposed-risk": ("medium", "high", ["context-public"])}
