"""Negated patterns the runtime decides for the C core (``compiler.absences``).

A negated pattern whose joins all refer to one positive pattern (or that has no join) is not matched by the C core:
the runtime gathers, when a stratum starts, the join values of the facts of its kind that pass its tests, and
gives each fact of the positive pattern one property saying whether its own values are among them; the C core
tests that property. Proved here against the C core's own negation (``compile_kb(..., decide_negations=False)``:
every negated fact asserted, and matched by ``$not``) and against the reference evaluator: on the example
designs, generated ones, the real systems' designs, every rule case of the catalogue with a negated pattern, and
random negations.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import reference, runtime
from engine.compiler import NEGATED_PREFIX, Absence, CompiledKB, Lookup, compile_kb
from engine.enrich import enrich
from engine.errors import ArchplanError
from engine.loader import load_design, load_documents
from engine.model.design import Design
from engine.review import assemble, facts_for_engine
from engine.ruleload import builtin_rules_dir, load_rules
from engine.ruletest import case_document, collect_cases
from engine.source import Document
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml
from tests.test_compiler_runtime import design_of, kb_from
from tests.test_differential import _test
from tests.test_properties import designs

BUILTIN = load_rules([builtin_rules_dir()])
DECIDED = compile_kb(BUILTIN)
IN_C_CORE = compile_kb(BUILTIN, decide_negations=False)


def outcomes(result: runtime.RunResult) -> Counter[tuple[str, str]]:
    return Counter((name, repr(outcome)) for name, outcome in result.outcomes)


def same_matches(decided: CompiledKB, in_c_core: CompiledKB, design: Design) -> runtime.RunResult:
    """The runtime with the negations decided by itself and with them left to the C core: the same activations,
    derived facts (with their provenance) and findings."""
    enriched = enrich(design)
    facts = facts_for_engine(enriched)
    got, want = runtime.run(decided, facts), runtime.run(in_c_core, facts)
    assert outcomes(got) == outcomes(want)
    assert got.derived == want.derived
    assert got.fired == want.fired
    mine, theirs = assemble(design, enriched, decided, got), assemble(design, enriched, in_c_core, want)
    assert [f.to_json() for f in mine.findings] == [f.to_json() for f in theirs.findings]
    return got


def test_every_negation_of_the_builtin_rules_is_decided_by_the_runtime() -> None:
    negated = sum(p.absent for c in DECIDED.rules.values() for p in c.patterns)
    looked_up = sum(lk.negated for c in DECIDED.rules.values() for lk in c.lookups)
    assert sum(len(c.absences) for c in DECIDED.rules.values()) == negated - looked_up > 40
    assert not any(spec.negated_kinds for spec in DECIDED.rulesets)  # no fact is asserted under the prefix
    assert any(spec.negated_kinds for spec in IN_C_CORE.rulesets)
    assert not any(NEGATED_PREFIX in str(d) for d in DECIDED.definitions.values())
    # Rules left with one pattern in the C core match one fact alone: their ruleset keeps no fact
    joining = {name for spec in DECIDED.rulesets if not spec.transient for name in spec.rules}
    assert "instance-local-state-lost-on-restart" not in joining
    assert "cross-service-read-of-private-datastore" in joining


DESIGNS = sorted(d for d in glob.glob(os.path.join(ROOT, "facts", "*")) if os.path.isdir(d))
REAL = sorted(glob.glob(os.path.join(ROOT, "benchmarks", "realworld", "systems", "*", "design"))
              + glob.glob(os.path.join(ROOT, "benchmarks", "realworld", "systems", "*", "raw")))


@pytest.mark.parametrize("path", DESIGNS + REAL, ids=[os.path.relpath(d, ROOT) for d in DESIGNS + REAL])
def test_runtime_negation_matches_the_c_cores_on_design(path: str) -> None:
    same_matches(DECIDED, IN_C_CORE, load_design([path]))


@pytest.mark.parametrize("services", [40, 300])
def test_runtime_negation_matches_the_c_cores_on_generated_design(tmp_path: Any, services: int) -> None:
    from benchmarks.gen_design import write

    write(str(tmp_path), services)
    result = same_matches(DECIDED, IN_C_CORE, load_design([str(tmp_path)]))
    assert any(DECIDED.rules[name].absences for name, _o in result.outcomes)


_NEGATING = {lr.rule.id for lr in BUILTIN.rules if any(p.absent for p in lr.rule.when)}
CASES = [c for c in collect_cases(DECIDED) if c.rule in _NEGATING]


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_runtime_negation_matches_the_c_cores_on_rule_case(case: Any) -> None:
    same_matches(DECIDED, IN_C_CORE, load_documents([case_document(case)]))


# --- which negated patterns qualify

def test_a_negation_joined_to_one_pattern_is_hosted_by_it(tmp_path: Any) -> None:
    rule = rule_yaml("lonely-caller", [
        {"as": "call", "kind": "interaction", "where": {"style": "sync"}},
        {"as": "peer", "kind": "interaction", "join": {"style": "call.style"}},
        {"absent": True, "kind": "interaction", "where": {"style": "async"}, "join": {"from": "peer.to",
                                                                                      "to": "peer.from"}},
        {"absent": True, "kind": "channel"},
    ])
    kb = kb_from(str(tmp_path), [rule])
    crule = kb.rules["lonely-caller"]
    assert crule.absences == (
        Absence("n2", "peer", "interaction", (("style", "eq", "async"),), (("from", "to"), ("to", "from"))),
        Absence("n3", "call", "channel", (), ()),  # no join: the first positive pattern carries it
    )
    (spec,) = kb.rulesets
    assert spec.negated_kinds == frozenset() and spec.positive_kinds == {"interaction"}
    assert spec.absences["interaction"] == tuple(sorted((a.slot, a.screen, tuple(h for _f, h in a.pairs))
                                                        for a in crule.absences))
    assert spec.screens[crule.absences[0].screen] == ("interaction", (("style", "eq", "async"),), ("from", "to"))
    assert spec.screens[crule.absences[1].screen] == ("channel", (), ())
    terms = crule.definition()["all"]
    assert len(terms) == 2 and {crule.absences[1].slot: True} in terms[0]["call"]["$and"]
    assert {crule.absences[0].slot: True} in terms[1]["peer"]["$and"]


def test_a_negation_joined_to_two_patterns_stays_in_the_c_core(tmp_path: Any) -> None:
    rule = rule_yaml("no-direct-route", [
        {"as": "a", "kind": "service"},
        {"as": "b", "kind": "service", "where": {"exposure": "public"}},
        {"absent": True, "kind": "interaction", "join": {"from": "a.name", "to": "b.name"}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["no-direct-route"].absences == ()
    assert kb.rulesets[0].negated_kinds == {"interaction"}
    design = design_of({"services": [{"name": "x"}, {"name": "y", "exposure": "public"},
                                     {"name": "z", "exposure": "public"}],
                        "interactions": [{"from": "x", "to": "y"}]})
    in_c_core = kb_from(str(tmp_path / "c"), [rule], decide_negations=False)
    got = same_matches(kb, in_c_core, design)
    # (x, y) has a call; a fact never binds two patterns, so (y, y) and (z, z) are no pairs
    assert sorted(o.risk.subject for _n, o in got.outcomes if o.risk) == ["service:x", "service:y", "service:z"]
    assert outcomes(got) == outcomes(reference.evaluate(kb, facts_for_engine(enrich(design))))


def test_a_negated_lookup_by_key_stays_a_lookup(tmp_path: Any) -> None:
    rule = rule_yaml("no-deadline", [
        {"as": "call", "kind": "interaction"},
        {"absent": True, "kind": "interaction", "join": {"key": "call.key"}, "where": {"timeout_ms": {"exists": True}}},
    ])
    crule = kb_from(str(tmp_path), [rule]).rules["no-deadline"]
    assert crule.lookups == (Lookup("n1", "call", "key", "", True),) and crule.absences == ()


def test_a_pattern_a_negation_joins_is_not_looked_up_but_hosts_it(tmp_path: Any) -> None:
    rule = rule_yaml("owner-without-deployment", [
        {"as": "ds", "kind": "datastore"},
        {"as": "svc", "kind": "service", "join": {"name": "ds.owner"}},
        {"absent": True, "kind": "deployment", "join": {"service": "svc.name"}},
    ])
    crule = kb_from(str(tmp_path), [rule]).rules["owner-without-deployment"]
    assert crule.lookups == () and [(a.alias, a.host) for a in crule.absences] == [("n2", "svc")]


def test_a_rule_left_with_one_pattern_for_the_c_core_keeps_no_fact(tmp_path: Any) -> None:
    rule = rule_yaml("stateful-single", [
        {"as": "svc", "kind": "service", "where": {"state": "instance_local"}},
        {"absent": True, "kind": "service", "join": {"name": "svc.name"}, "where": {"replicas": {"gt": 1}}},
        {"absent": True, "kind": "endpoint", "join": {"served_by": "svc.name"}, "where": {"method": "WS"}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    (spec,) = kb.rulesets
    assert spec.transient and not spec.negated_kinds
    design = design_of({
        "services": [{"name": "a", "state": "instance_local"}, {"name": "b", "state": "instance_local", "replicas": 3},
                     {"name": "c", "state": "instance_local"}, {"name": "d"}],
        "endpoints": [{"method": "WS", "path": "/live", "served_by": "c"},
                      {"method": "GET", "path": "/", "served_by": "a"}],
    })
    got = same_matches(kb, kb_from(str(tmp_path / "c"), [rule], decide_negations=False), design)
    assert sorted(o.risk.subject for _n, o in got.outcomes if o.risk) == ["service:a"]


def test_a_negation_of_a_derived_kind_sees_the_earlier_strata(tmp_path: Any) -> None:
    """A negated kind that rules derive is complete when the negating rule's stratum starts (it sits in a later
    one): the runtime gathers it there, as the C core was given it."""
    unbounded = rule_yaml("unbounded-call", [{"as": "call", "kind": "interaction",
                                              "where": {"timeout_ms": {"missing": True}}}])
    when = [{"as": "call", "kind": "interaction"},
            {"absent": True, "kind": "risk", "where": {"rule": "unbounded-call"}, "join": {"subject": "call.key"}}]
    calm = {key: value for key, value in rule_yaml("bounded-call", when).items() if key not in ("risk", "mitigation")}
    calm["derive"] = [{"kind": "bounded_call", "fields": {"call": "{call.key}"}}]  # a fact, no risk: no cycle
    kb = kb_from(str(tmp_path), [unbounded, calm])
    assert kb.strata == 2 and kb.rules["bounded-call"].absences
    design = design_of({"services": [{"name": "a"}, {"name": "b"}],
                        "interactions": [{"from": "a", "to": "b", "timeout_ms": 100}, {"from": "b", "to": "a"}]})
    got = same_matches(kb, kb_from(str(tmp_path / "c"), [unbounded, calm], decide_negations=False), design)
    assert sorted(f["call"] for f in got.derived.values() if f["kind"] == "bounded_call") == ["interaction:a->b"]
    assert outcomes(got) == outcomes(reference.evaluate(kb, facts_for_engine(enrich(design))))


def test_join_values_compare_as_the_reference_evaluator_compares_them(tmp_path: Any) -> None:
    """Booleans equal only booleans, numbers only numbers (2 is 2.0), text only text; null, a list, NaN or a
    missing field join nothing."""
    rule = rule_yaml("unmatched-replicas", [
        {"as": "svc", "kind": "service", "where": {"exposure": "public"}},
        {"absent": True, "kind": "service", "join": {"replicas": "svc.replicas"}, "where": {"exposure": "internal"}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["unmatched-replicas"].absences
    values: list[Any] = [2, 2.0, "2", True, 1, None, [2], float("nan")]
    facts = [{"kind": "service", "key": f"service:f{i}", "name": f"f{i}", "exposure": "public", "replicas": v}
             for i, v in enumerate(values)]
    facts += [{"kind": "service", "key": f"service:b{i}", "name": f"b{i}", "exposure": "internal", "replicas": v}
              for i, v in enumerate(values)]
    facts.append({"kind": "service", "key": "service:f-none", "name": "f-none", "exposure": "public"})
    got = runtime.run(kb, facts)
    assert outcomes(got) == outcomes(reference.evaluate(kb, facts))
    unmatched = sorted(o.risk.subject for _n, o in got.outcomes if o.risk)
    assert unmatched == ["service:f-none", "service:f5", "service:f6", "service:f7"]


# --- random negations over random designs: decided by the runtime, by the C core, and by the reference

@st.composite
def _negation(draw: st.DrawFn) -> list[dict[str, Any]]:
    when: list[dict[str, Any]] = [{"as": "a", "kind": "service", "where": dict(draw(st.lists(_test("service"),
                                                                                             max_size=1)))}]
    if draw(st.booleans()):
        when.append({"as": "b", "kind": "interaction", "join": {"from": "a.name"},
                     "where": dict(draw(st.lists(_test("interaction"), max_size=1)))})
    shape = draw(st.sampled_from(["self", "calls", "called", "owned", "served", "unjoined", "route", "two-hosts"]))
    kind, join = {
        "self": ("service", {"name": "a.name"}),
        "calls": ("interaction", {"from": "a.name"}),
        "called": ("interaction", {"to": "a.name"}),
        "owned": ("datastore", {"owner": "a.name"}),
        "served": ("endpoint", {"served_by": "a.name"}),
        "unjoined": ("channel", {}),
        "route": ("interaction", {"from": "b.to", "to": "b.from"}),
        "two-hosts": ("interaction", {"from": "b.to", "to": "a.name"}),
    }[shape]
    if "b." in str(join) and len(when) == 1:
        kind, join = "interaction", {"from": "a.name"}
    tests: dict[str, Any] = {}
    if kind in ("service", "interaction"):
        tests = dict(draw(st.lists(_test(kind), max_size=2)))
    elif kind == "datastore":
        tests = draw(st.sampled_from([{}, {"role": "cache"}, {"backups.enabled": False},
                                      {"writers": {"contains": "svc1"}}, {"replicas": {"gte": 2}}]))
    elif kind == "endpoint":
        tests = draw(st.sampled_from([{}, {"method": "POST"}, {"mutating": True}, {"path": {"regex": "/v1/[ab]"}}]))
    when.append({"absent": True, "kind": kind, "join": join, "where": tests})
    return when


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_negation(), min_size=1, max_size=3), designs())
def test_runtime_negation_matches_the_c_cores_on_random_rules(whens: list[list[dict[str, Any]]],
                                                              design: dict[str, Any]) -> None:
    tmp = tempfile.mkdtemp(prefix="archplan-absent-")
    try:
        for i, when in enumerate(whens):
            write_yaml(tmp, f"resilience/random-negation-{i}.yaml", rule_yaml(f"random-negation-{i}", when))
        try:
            rules = load_rules([tmp])
        except ArchplanError:
            return  # a generated rule the loader refuses is no disagreement
        decided, in_c_core = compile_kb(rules), compile_kb(rules, decide_negations=False)
        loaded = load_documents([Document("mem.yaml", {"source": "api", **design})])
        got = same_matches(decided, in_c_core, loaded)
        assert outcomes(got) == outcomes(reference.evaluate(decided, facts_for_engine(enrich(loaded))))
    finally:
        shutil.rmtree(tmp)
