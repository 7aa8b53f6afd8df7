"""What the compiler does to keep the C core's working memory small, each proved against the
plain-Python reference evaluator and against the emitted rulesets:

- key lookups: a pattern joined only by ``key`` to an earlier pattern's field, and a pattern on a
  singleton kind (``system``, ``security``, ``observability``), travel with the source fact instead
  of being joined in the C core, so "a risk whose subject is …" is a one-fact (transient) rule;
- gates: a fact that no pattern of a join ruleset can match (by its ``eq``/``in`` tests) is not
  asserted there;
- projection: the C core is given only the fields the rules read.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine import reference, runtime
from engine.compiler import LOOKUP_PREFIX, UNSTATED, CompiledKB, Lookup
from engine.enrich import enrich
from engine.errors import LimitError
from engine.model import SINGLETON_KINDS, singleton_key
from engine.model.design import Design
from engine.review import facts_for_engine, load_kb, review_design
from tests.helpers import rule_yaml
from tests.test_compiler_runtime import design_of, kb_from


def agree(kb: CompiledKB, design: Design) -> runtime.RunResult:
    """Run both evaluators; they must produce the same activations and derived facts."""
    facts = facts_for_engine(enrich(design))
    got, want = runtime.run(kb, facts), reference.evaluate(kb, facts)
    assert sorted((n, repr(o)) for n, o in got.outcomes) == sorted((n, repr(o)) for n, o in want.outcomes)
    assert got.derived == want.derived
    return got


def spec_of(kb: CompiledKB, rule: str) -> Any:
    return next(s for s in kb.rulesets if rule in s.rules)


SHOP = {
    "services": [{"name": "web", "criticality": "best_effort"}, {"name": "pay", "criticality": "critical"},
                 {"name": "mail"}],
    "externals": [{"name": "psp"}],
    "interactions": [{"from": "web", "to": "pay", "style": "sync", "dependency": "soft"},
                     {"from": "pay", "to": "psp", "style": "sync"},
                     {"from": "mail", "to": "psp", "style": "sync", "dependency": "soft"}],
}

NO_TIMEOUT = rule_yaml("no-timeout", [{"as": "call", "kind": "interaction",
                                       "where": {"timeout_ms": {"missing": True}}}])
SOFT_CONTEXT = {
    **rule_yaml("soft-context", [
        {"as": "r", "kind": "risk"},
        {"as": "call", "kind": "interaction", "join": {"key": "r.subject"}, "where": {"dependency": "soft"}},
    ], category="operability"),
    "risk": None,
    "mitigation": None,
    "adjust": {"risk": "r", "by": -1, "reason": "{call.from} can do without {call.to}"},
}
SOFT_CONTEXT = {k: v for k, v in SOFT_CONTEXT.items() if v is not None}


def test_a_key_join_to_a_design_fact_becomes_a_one_fact_rule(tmp_path: os.PathLike[str]) -> None:
    kb = kb_from(str(tmp_path), [NO_TIMEOUT, SOFT_CONTEXT])
    rule = kb.rules["soft-context"]
    assert rule.lookups == (Lookup("call", "r", "subject", ""),)
    spec = spec_of(kb, "soft-context")
    assert spec.transient  # risks are retracted as soon as their activations ran
    (term,) = rule.definition()["all"]  # one pattern in the C core: the risk, carrying its subject
    conds = term["r"]["$and"]
    assert {"@subject.kind": "interaction"} in conds and {"@subject.dependency": "soft"} in conds
    got = agree(kb, design_of(SHOP))
    adjusted = sorted(o.adjust.risk for _n, o in got.outcomes if o.adjust is not None)
    assert adjusted == ["risk:no-timeout@interaction:mail->psp", "risk:no-timeout@interaction:web->pay"]
    # The consequence sees the whole subject fact, not the projection the C core matched.
    reasons = sorted(o.adjust.reason for _n, o in got.outcomes if o.adjust is not None)
    assert reasons == ["mail can do without psp", "web can do without pay"]


def test_a_join_on_a_name_that_keys_its_kind_is_a_lookup(tmp_path: os.PathLike[str]) -> None:
    # "the service a call comes from": the join is written on either side; a service is keyed by its name
    for i, when in enumerate([
        [{"as": "call", "kind": "interaction"},
         {"as": "svc", "kind": "service", "join": {"name": "call.from"}, "where": {"criticality": "best_effort"}}],
        [{"as": "svc", "kind": "service", "where": {"criticality": "best_effort"}},
         {"as": "call", "kind": "interaction", "join": {"from": "svc.name"}}],
    ]):
        kb = kb_from(os.path.join(str(tmp_path), str(i)), [rule_yaml("from-best-effort", when)])
        rule = kb.rules["from-best-effort"]
        assert rule.lookups == (Lookup("svc", "call", "from", "service:"),)
        assert spec_of(kb, "from-best-effort").transient
        (term,) = rule.definition()["all"]
        assert term == {"call": {"$and": [{"kind": "interaction"}, {"@from@service.kind": "service"},
                                          {"@from@service.criticality": "best_effort"}]}}
        got = agree(kb, design_of(SHOP))
        assert sorted(o.risk.subject for _n, o in got.outcomes if o.risk) == [
            "interaction:web->pay" if when[0]["as"] == "call" else "service:web"]


def test_a_join_on_a_field_that_is_not_an_identity_stays_a_join(tmp_path: os.PathLike[str]) -> None:
    rule = rule_yaml("same-owner", [
        {"as": "a", "kind": "service"},
        {"as": "b", "kind": "service", "join": {"owner": "a.owner"}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["same-owner"].lookups == ()
    agree(kb, design_of({"services": [{"name": "x", "owner": "t"}, {"name": "y", "owner": "t"}]}))


def test_a_key_join_to_a_derived_kind_stays_a_join(tmp_path: os.PathLike[str]) -> None:
    # Risks are derived: the one a key refers to may not exist yet when the referring fact is asserted.
    mark = rule_yaml("mark", [{"as": "r", "kind": "risk", "where": {"rule": "no-timeout"}}],
                     derive=[{"kind": "marked", "fields": {"risk": "{r.key}"}}])
    del mark["risk"], mark["mitigation"]
    compound = rule_yaml("compound", [
        {"as": "m", "kind": "marked"},
        {"as": "r", "kind": "risk", "join": {"key": "m.risk"}},
    ])
    kb = kb_from(str(tmp_path), [NO_TIMEOUT, mark, compound])
    assert kb.rules["compound"].lookups == ()
    assert not spec_of(kb, "compound").transient
    got = agree(kb, design_of(SHOP))
    assert sum(1 for n, _o in got.outcomes if n == "compound") == 3


def test_a_pattern_joined_twice_and_a_contains_test_are_not_looked_up(tmp_path: os.PathLike[str]) -> None:
    chained = rule_yaml("chained", [
        {"as": "r", "kind": "risk"},
        {"as": "call", "kind": "interaction", "join": {"key": "r.subject"}},
        {"as": "svc", "kind": "service", "join": {"name": "call.from"}, "where": {"criticality": "best_effort"}},
    ])
    listed = rule_yaml("listed", [
        {"as": "call", "kind": "interaction"},
        {"as": "sec", "kind": "security", "where": {"compliance": {"contains": "pci-dss"}}},
    ])
    kb = kb_from(str(tmp_path), [NO_TIMEOUT, chained, listed])
    # call is joined to two patterns: it stays in the C core (joined to the risk), and carries svc,
    # which it names (a service is keyed by its name)
    assert kb.rules["chained"].lookups == (Lookup("svc", "call", "from", "service:"),)
    assert [p.alias for p in kb.rules["chained"].engine_patterns] == ["r", "call"]
    assert kb.rules["listed"].lookups == ()
    design = design_of({**SHOP, "security": {"compliance": ["pci-dss"]}})
    got = agree(kb, design)
    assert {n for n, _o in got.outcomes} >= {"chained", "listed"}


@pytest.mark.parametrize("security", [None, {"service_to_service_auth": "none"}, {"service_to_service_auth": "mtls"},
                                      {"waf": True}])
def test_a_cross_product_with_a_singleton_kind_is_a_test_on_each_fact(tmp_path: os.PathLike[str],
                                                                      security: dict[str, Any] | None) -> None:
    rule = rule_yaml("s2s", [
        {"as": "sec", "kind": "security", "where": {"service_to_service_auth": "none"}},
        {"as": "call", "kind": "interaction", "where": {"style": "sync"}},
    ], gaps=["sec.service_to_service_auth"])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["s2s"].lookups == (Lookup("sec", "call", "", singleton_key("security")),)
    assert spec_of(kb, "s2s").transient and spec_of(kb, "s2s#gap:sec.service_to_service_auth").transient
    slot = LOOKUP_PREFIX * 2 + "security"
    assert kb.rules["s2s"].lookups[0].slot == slot
    body = {**SHOP, **({"security": security} if security is not None else {})}
    got = agree(kb, design_of(body))
    names = sorted({n for n, _o in got.outcomes})
    if security is None:  # no security fact: neither the rule nor its gap can match
        assert names == []
    elif security.get("service_to_service_auth") == "none":
        assert names == ["s2s"]
    elif "service_to_service_auth" in security:
        assert names == []
    else:
        assert names == ["s2s#gap:sec.service_to_service_auth"]


def test_a_rule_made_only_of_singletons_carries_them_on_the_first(tmp_path: os.PathLike[str]) -> None:
    rule = rule_yaml("both", [
        {"as": "sys", "kind": "system", "where": {"traffic_profile": "spiky"}},
        {"as": "sec", "kind": "security", "where": {"waf": False}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["both"].lookups == (Lookup("sec", "sys", "", singleton_key("security")),)
    got = agree(kb, design_of({**SHOP, "system": {"traffic_profile": "spiky"}, "security": {"waf": False}}))
    assert [n for n, _o in got.outcomes] == ["both"]
    assert agree(kb, design_of({**SHOP, "system": {"traffic_profile": "spiky"}})).outcomes == []


def test_singleton_kinds_are_the_design_sections_stated_once() -> None:
    assert {"system", "security", "observability"} == SINGLETON_KINDS
    design = design_of({"services": [{"name": "a"}], "system": {"traffic_profile": "steady"},
                        "security": {"waf": True}, "observability": {"metrics": True}})
    assert {f.key for f in design.facts if f.kind in SINGLETON_KINDS} == {singleton_key(k) for k in SINGLETON_KINDS}


def test_the_builtin_context_rules_are_one_fact_rules() -> None:
    kb = load_kb(findings_only=True)
    context = [c for c in kb.rules.values() if kb.source[c.rule_id].rule.adjust is not None]
    assert len(context) >= 12
    for c in context:
        assert spec_of(kb, c.name).transient, c.name
    # so no join ruleset holds all the risks: only those a compound rule names pass its gate
    for spec in kb.rulesets:
        if not spec.transient and "risk" in spec.positive_kinds:
            assert "risk" in spec.gates


def test_a_join_ruleset_is_given_only_facts_some_pattern_can_match(tmp_path: os.PathLike[str]) -> None:
    # Many calls leave one service, and a service serves many endpoints: a true join, not a lookup.
    rule = rule_yaml("public-call", [
        {"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}},
        {"as": "call", "kind": "interaction", "join": {"from": "ep.served_by"}, "where": {"style": {"in": ["sync"]}}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["public-call"].lookups == ()
    spec = spec_of(kb, "public-call")
    assert not spec.transient
    assert spec.gates == {"endpoint": ({"exposure": ("public",)},), "interaction": ({"style": ("sync",)},)}
    assert spec.admits("endpoint", {"exposure": "public"}) and not spec.admits("endpoint", {"exposure": "internal"})
    assert not spec.admits("endpoint", {}) and spec.admits("service", {})
    design = design_of({
        "services": [{"name": "web"}, {"name": "admin"}, {"name": "worker"}],
        "externals": [{"name": "psp"}],
        "endpoints": [{"method": "GET", "path": "/shop", "served_by": "web", "exposure": "public"},
                      {"method": "GET", "path": "/admin", "served_by": "admin", "exposure": "internal"}],
        "interactions": [{"from": "web", "to": "psp", "style": "sync"},
                         {"from": "web", "to": "worker", "style": "async"},
                         {"from": "admin", "to": "psp", "style": "sync"}],
    })
    got = agree(kb, design)
    assert [n for n, _o in got.outcomes] == ["public-call"]
    # the public endpoint and the sync call from its service; not the internal one, not the async call, not the sync
    # call from the admin service, which serves no public endpoint (``RulesetSpec.semijoins``)
    assert got.asserted == 2


def test_gates_compare_values_without_coercion(tmp_path: os.PathLike[str]) -> None:
    rule = rule_yaml("one-replica", [
        {"as": "svc", "kind": "service", "where": {"replicas": 1}},
        {"as": "peer", "kind": "service", "join": {"owner": "svc.owner"}, "where": {"replicas": 1}},
    ])
    spec = spec_of(kb_from(str(tmp_path), [rule]), "one-replica")
    assert spec.admits("service", {"replicas": 1}) and spec.admits("service", {"replicas": 1.0})
    assert not spec.admits("service", {"replicas": True}) and not spec.admits("service", {"replicas": "1"})


def test_gates_admit_an_unstated_field_where_a_pattern_asks_for_one(tmp_path: os.PathLike[str]) -> None:
    """``missing``, and a gap variant's ``unknown_or`` (its other gap fields unknown or passing their tests), gate too:
    a fact that states the field with another value cannot match."""
    rule = rule_yaml("public-sync-call", [
        {"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}},
        {"as": "call", "kind": "interaction", "join": {"from": "ep.served_by"}, "where": {"style": "sync"}},
    ], gaps=["ep.exposure", "call.style"])
    kb = kb_from(str(tmp_path), [rule])
    spec = spec_of(kb, "public-sync-call")
    assert spec.gates == {"endpoint": ({"exposure": ("public", UNSTATED)},),
                          "interaction": ({"style": ("sync", UNSTATED)},)}
    assert spec.admits("endpoint", {}) and spec.admits("endpoint", {"exposure": "public"})
    assert not spec.admits("endpoint", {"exposure": "internal"})
    design = design_of({
        "services": [{"name": "web"}, {"name": "admin"}, {"name": "worker"}],
        "endpoints": [{"method": "GET", "path": "/shop", "served_by": "web", "exposure": "public"},
                      {"method": "GET", "path": "/admin", "served_by": "admin", "exposure": "internal"},
                      {"method": "GET", "path": "/jobs", "served_by": "worker"}],
        "interactions": [{"from": "web", "to": "admin", "style": "sync"}, {"from": "web", "to": "worker"},
                         {"from": "worker", "to": "web", "style": "sync"},
                         {"from": "admin", "to": "web", "style": "sync"},
                         {"from": "worker", "to": "admin", "style": "async"}],
    })
    got = agree(kb, design)
    assert sorted(n for n, _o in got.outcomes) == ["public-sync-call", "public-sync-call#gap:call.style",
                                                   "public-sync-call#gap:ep.exposure"]
    # all but the internal endpoint, the async call and the sync call from admin, which serves no endpoint the rule's
    # pattern can match (``RulesetSpec.semijoins``)
    assert got.asserted == 2 + 3


def test_gates_keep_only_the_weakest_alternatives(tmp_path: os.PathLike[str]) -> None:
    rules = [rule_yaml(f"r{i}", [
        {"as": "ep", "kind": "endpoint", "where": where},
        {"as": "call", "kind": "interaction", "join": {"from": "ep.served_by"}},
    ]) for i, where in enumerate([{"exposure": "public"}, {"exposure": "public", "rate_limit": False},
                                  {"exposure": {"in": ["public", "partner"]}}, {"rate_limit": False}])]
    spec = spec_of(kb_from(str(tmp_path), rules), "r0")
    assert spec.gates["endpoint"] == ({"exposure": ("public", "partner")}, {"rate_limit": (False,)})


def test_the_c_core_gets_only_the_fields_rules_read(tmp_path: os.PathLike[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rule = rule_yaml("public", [{"as": "svc", "kind": "service", "where": {"exposure": "public"}}])
    kb = kb_from(str(tmp_path), [rule])
    seen: list[dict[str, Any]] = []
    real = runtime._Ruleset.assert_batch

    def spy(self: Any, facts: list[dict[str, Any]], sink: Any, keep: bool = True) -> None:
        seen.extend(dict(f) for f in facts)
        real(self, facts, sink, keep)

    monkeypatch.setattr(runtime._Ruleset, "assert_batch", spy)
    rv = review_design(design_of({"services": [{"name": "web", "exposure": "public", "owner": "shop",
                                                "replicas": 3, "metrics": True}]}), kb)
    assert [f.subject for f in rv.findings] == ["service:web"]
    assert seen and all(set(f) <= {"kind", "key", "exposure", "id"} for f in seen)
    # the finding's message and evidence still see the whole fact
    assert rv.findings[0].message == "risk on service:web from public"


def test_a_fact_too_wide_for_the_c_core_is_refused_only_where_rules_read_it(tmp_path: os.PathLike[str]) -> None:
    wide = {f"k{i}": i for i in range(300)}
    # ``exists``, not a value: a fact whose value no ``eq`` of the rule allows is not given to the C core at all (the
    # ruleset's gate), whatever its width
    reads = rule_yaml("reads", [{"as": "w", "kind": "workflow", "where": {"coordination": {"exists": True}}}])
    kb = kb_from(str(tmp_path), [reads])
    facts = [{"kind": "workflow", "key": "workflow:w", "name": "w", "coordination": "none", "steps": []}]
    assert [n for n, _o in runtime.run(kb, facts).outcomes] == ["reads"]
    nested = [{**facts[0], "coordination": wide}]  # 300 properties inside a field the rule reads
    with pytest.raises(LimitError, match=f"more than {runtime.max_properties()} properties"):
        runtime.run(kb, nested)
    ignored = [{**facts[0], "labels": wide}]  # the same inside a field no rule reads
    assert [n for n, _o in runtime.run(kb, ignored).outcomes] == ["reads"]


def test_knowledge_bases_sharing_c_core_rulesets_keep_their_own_consequences(tmp_path: os.PathLike[str]) -> None:
    # Same conditions, so the same C-core rulesets (one cached session), but different messages and
    # subjects: each run must use its own knowledge base's consequences.
    when = [{"as": "call", "kind": "interaction"},
            {"as": "svc", "kind": "service", "join": {"name": "call.from"}, "where": {"criticality": "best_effort"}}]
    first = kb_from(os.path.join(str(tmp_path), "a"), [rule_yaml("r", when)])
    second_rule = rule_yaml("r", when)
    second_rule["risk"] = {**second_rule["risk"], "subject": "svc", "message": "caller {svc.name} is best-effort"}
    second_rule["mitigation"] = {**second_rule["mitigation"], "scope": "svc.key"}
    second = kb_from(os.path.join(str(tmp_path), "b"), [second_rule])
    assert first.digest == second.digest
    design = design_of(SHOP)
    assert [f.message for f in review_design(design, first).findings] == ["risk on interaction:web->pay from r"]
    assert [f.message for f in review_design(design, second).findings] == ["caller web is best-effort"]
    assert [f.message for f in review_design(design, first).findings] == ["risk on interaction:web->pay from r"]


def test_a_fact_binds_one_pattern_of_a_match_whether_joined_or_looked_up(tmp_path: os.PathLike[str]) -> None:
    # durable_rules never binds one fact to two patterns of a rule; a looked-up pattern must not either
    joined = rule_yaml("same-owner", [{"as": "a", "kind": "service"},
                                      {"as": "b", "kind": "service", "join": {"owner": "a.owner"}}])
    looked = rule_yaml("itself", [{"as": "a", "kind": "service"},
                                  {"as": "b", "kind": "service", "join": {"key": "a.key"}}])
    kb = kb_from(str(tmp_path), [joined, looked])
    assert kb.rules["itself"].lookups and not kb.rules["same-owner"].lookups
    got = agree(kb, design_of({"services": [{"name": "x", "owner": "t"}, {"name": "y", "owner": "t"}]}))
    assert sorted(o.risk.premises for _n, o in got.outcomes if o.risk) == [
        ("service:x", "service:y"), ("service:y", "service:x")]


def test_unless_the_same_fact_states_it_is_a_test_on_that_fact(tmp_path: os.PathLike[str]) -> None:
    # "a sync call ... unless it propagates the caller's deadline": the absent pattern can only be the call
    # itself, so the C core tests the call (with its own copy attached) instead of keeping a negation join.
    rule = rule_yaml("no-deadline", [
        {"as": "call", "kind": "interaction", "where": {"style": "sync"}},
        {"kind": "interaction", "absent": True, "join": {"key": "call.key"}, "where": {"deadline_propagation": True}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["no-deadline"].lookups == (Lookup("n1", "call", "key", "", True),)
    assert spec_of(kb, "no-deadline").transient and not spec_of(kb, "no-deadline").negated_kinds
    design = design_of({
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"},  # not stated: fires
                         {"from": "a", "to": "c", "style": "sync", "deadline_propagation": False},  # fires
                         {"from": "a", "to": "d", "style": "sync", "deadline_propagation": True},  # does not
                         {"from": "b", "to": "c", "style": "async"}],
    })
    got = agree(kb, design)  # each once: the alternatives of the negated test exclude each other
    assert sorted(o.risk.subject for _n, o in got.outcomes if o.risk) == ["interaction:a->b", "interaction:a->c"]


@pytest.mark.parametrize(("system", "fires"), [(None, True), ({"traffic_profile": "steady"}, True),
                                               ({"availability_target": 0.999}, False)])
def test_unless_the_design_states_it_once_is_a_test_on_each_fact(tmp_path: os.PathLike[str],
                                                                 system: dict[str, Any] | None,
                                                                 fires: bool) -> None:
    rule = rule_yaml("no-target", [
        {"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}},
        {"kind": "system", "absent": True, "where": {"availability_target": {"exists": True}}},
    ])
    kb = kb_from(str(tmp_path), [rule])
    assert kb.rules["no-target"].lookups == (Lookup("n1", "ep", "", singleton_key("system"), True),)
    body: dict[str, Any] = {"services": [{"name": "web"}],
                            "endpoints": [{"method": "GET", "path": "/", "served_by": "web", "exposure": "public"}]}
    got = agree(kb, design_of({**body, **({"system": system} if system else {})}))
    assert [n for n, _o in got.outcomes] == (["no-target"] if fires else [])


PUBLIC_CALL = [
    {"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}},
    {"as": "call", "kind": "interaction", "join": {"from": "ep.served_by"}, "where": {"style": {"in": ["sync"]}}},
]


def test_a_join_ruleset_names_for_each_kind_the_partners_its_facts_need(tmp_path: os.PathLike[str]) -> None:
    spec = spec_of(kb_from(str(tmp_path), [rule_yaml("public-call", PUBLIC_CALL)]), "public-call")
    assert spec.partners == (("interaction", {"style": ("sync",)}, "from"), ("endpoint", {"exposure": ("public",)},
                                                                             "served_by"))
    assert spec.semijoins == {"endpoint": (({"exposure": ("public",)}, (("served_by", 0),)),),
                              "interaction": (({"style": ("sync",)}, (("from", 1),)),)}


def test_a_fact_is_not_held_to_a_partner_of_a_derived_kind(tmp_path: os.PathLike[str]) -> None:
    derives = rule_yaml("mark-public", [{"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}}],
                        derive=[{"kind": "public_mark", "fields": {"service": "{ep.served_by}"}}])
    uses = rule_yaml("marked-call", [
        {"as": "m", "kind": "public_mark"},
        {"as": "call", "kind": "interaction", "join": {"from": "m.service"}, "where": {"style": "sync"}},
    ])
    kb = kb_from(str(tmp_path), [derives, uses])
    spec = spec_of(kb, "marked-call")
    assert not spec.transient
    # a call's partners are marks, not all known when the stratum starts; a mark's are calls, which are
    assert spec.partners == (("interaction", {"style": ("sync",)}, "from"),)
    assert spec.semijoins == {"public_mark": ((None, (("service", 0),)),)}
    facts = [{"kind": "endpoint", "key": "endpoint:a", "exposure": "public", "served_by": "web"},
             {"kind": "endpoint", "key": "endpoint:b", "exposure": "public", "served_by": "api"},
             {"kind": "interaction", "key": "interaction:1", "from": "web", "style": "sync"}]
    got = runtime.run(kb, facts)
    assert sorted(n for n, _o in got.outcomes) == ["mark-public", "mark-public", "marked-call"]
    assert got.outcomes == reference.evaluate(kb, facts).outcomes


def test_facts_without_a_partner_are_left_out_and_the_matches_stay_the_same(tmp_path: os.PathLike[str]) -> None:
    kb = kb_from(str(tmp_path), [rule_yaml("public-call", PUBLIC_CALL)])
    facts = [{"kind": "endpoint", "key": "endpoint:a", "exposure": "public", "served_by": "web"},
             {"kind": "endpoint", "key": "endpoint:b", "exposure": "public", "served_by": "api"},
             {"kind": "interaction", "key": "interaction:1", "from": "web", "style": "sync"},
             {"kind": "interaction", "key": "interaction:2", "from": "batch", "style": "sync"}]
    got = runtime.run(kb, facts)
    assert [o.risk.premises for _n, o in got.outcomes if o.risk] == [("endpoint:a", "interaction:1")]
    assert got.asserted == 2  # endpoint:a (interaction:1 comes from web) and interaction:1
    assert got.outcomes == reference.evaluate(kb, facts).outcomes


def test_a_partner_value_that_is_not_a_text_lets_every_fact_through(tmp_path: os.PathLike[str]) -> None:
    """The C core's equality coerces (a text joins the number it reads as): with such a partner value in play, the
    runtime cannot tell which facts join, and leaves them all in."""
    kb = kb_from(str(tmp_path), [rule_yaml("public-call", PUBLIC_CALL)])
    facts = [{"kind": "endpoint", "key": "endpoint:a", "exposure": "public", "served_by": 7},
             {"kind": "endpoint", "key": "endpoint:b", "exposure": "public", "served_by": "web"},
             {"kind": "interaction", "key": "interaction:1", "from": "7", "style": "sync"},
             {"kind": "interaction", "key": "interaction:2", "from": "8", "style": "sync"},
             {"kind": "interaction", "key": "interaction:3", "from": 9, "style": "sync"}]
    got = runtime.run(kb, facts)
    assert got.asserted == 5  # endpoint:b too: a call's ``from`` (interaction:3's) is not a text either
    # the C core joins the text "7" to the number 7: that match stays
    assert [o.risk.premises for _n, o in got.outcomes if o.risk] == [("endpoint:a", "interaction:1")]


def test_a_one_fact_ruleset_is_given_only_facts_its_gate_admits(tmp_path: os.PathLike[str]) -> None:
    kb = kb_from(str(tmp_path), [rule_yaml("public-endpoint", [
        {"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}}])])
    spec = spec_of(kb, "public-endpoint")
    assert spec.transient and spec.gates == {"endpoint": ({"exposure": ("public",)},)}
    facts = [{"kind": "endpoint", "key": "endpoint:a", "exposure": "public"},
             {"kind": "endpoint", "key": "endpoint:b", "exposure": "internal"}]
    got = runtime.run(kb, facts)
    assert [n for n, _o in got.outcomes] == ["public-endpoint"] and got.asserted == 1


def test_a_fact_a_semijoin_admits_passes_its_rulesets_gate() -> None:
    """The runtime asks a fact of a kind with a semijoin that alone (``_Run.assert_all``): each alternative's own gate
    is a pattern's, so a fact that meets one passes the ruleset's gate. Checked with every partner let through."""
    kb = load_kb(findings_only=True)
    specs = [s for s in kb.rulesets if s.semijoins]
    assert specs
    admitted = 0
    for spec in specs:
        for kind, alts in spec.semijoins.items():
            test = runtime._semijoin_test([(runtime._gate_of(gate), [(f, None) for f, _i in edges])
                                           for gate, edges in alts])
            values: dict[str, list[Any]] = {}
            for gate, _edges in alts:
                for fld, allowed in (gate or {}).items():
                    values.setdefault(fld, [None, "zz-none", 1, True]).extend(allowed)
            facts = [{"kind": kind}]
            for fld, options in values.items():
                facts += [{**f, fld: v} for f in facts for v in options if v is not UNSTATED][:400]
            for fact in facts:
                if test(fact):
                    admitted += 1
                    assert spec.admits(kind, fact), (spec.name, kind, fact)
    assert admitted


def test_a_derived_fact_is_held_back_until_a_partner_of_a_derived_kind_is_given(tmp_path: os.PathLike[str],
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A mark (derived first) joins a tag (derived from marks, a round later): each mark waits, not asserted, for a
    tag of its service; a mark whose tag never comes is never asserted. The matches are the reference's, in the
    order of a run that holds nothing back."""
    mark = rule_yaml("mark-public", [{"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}}],
                     derive=[{"kind": "public_mark", "fields": {"service": "{ep.served_by}"}}])
    tag = rule_yaml("tag-marked", [{"as": "m", "kind": "public_mark", "where": {"service": {"in": ["web", "pay"]}}}],
                    derive=[{"kind": "public_tag", "fields": {"service": "{m.service}"}}])
    both = rule_yaml("marked-and-tagged", [
        {"as": "m", "kind": "public_mark"},
        {"as": "t", "kind": "public_tag", "join": {"service": "m.service"}},
    ])
    kb = kb_from(str(tmp_path), [mark, tag, both])
    spec = spec_of(kb, "marked-and-tagged")
    assert not spec.transient and not spec.semijoins
    assert spec.hold_partners == (("public_tag", None, "service"), ("public_mark", None, "service"))
    assert spec.holds == {"public_mark": ((None, (("service", 0),)),), "public_tag": ((None, (("service", 1),)),)}
    facts = [{"kind": "endpoint", "key": f"endpoint:{s}", "exposure": "public", "served_by": s}
             for s in ("web", "api", "pay")]
    got = runtime.run(kb, facts)
    fired = [(n, o.risk.premises) for n, o in got.outcomes if o.risk and n == "marked-and-tagged"]
    assert len(fired) == 2
    assert sorted(map(repr, got.outcomes)) == sorted(map(repr, reference.evaluate(kb, facts).outcomes))
    monkeypatch.setattr(runtime._Holds, "meets", lambda _self, _fact: True)
    unheld = runtime.run(kb, facts)
    assert got.outcomes == unheld.outcomes and got.derived == unheld.derived
    # api's mark, which no tag joins, is never asserted into the join ruleset
    assert unheld.asserted - got.asserted == 1


def test_a_held_fact_meets_a_partner_whose_value_is_not_a_text(tmp_path: os.PathLike[str]) -> None:
    """The C core's equality coerces: a partner's value that is not a text lets every held fact through."""
    holds = runtime._Holds(runtime.RulesetSpec(
        "rs", 0, (), frozenset(), frozenset(), hold_partners=(("tag", None, "service"),),
        holds={"mark": ((None, (("service", 0),)),)}))
    assert holds.given([{"kind": "tag", "service": "web"}]) == []
    assert holds.meets({"kind": "mark", "service": "web"}) and not holds.meets({"kind": "mark", "service": "api"})
    holds.held.append({"kind": "mark", "service": "api"})
    assert holds.given([{"kind": "tag", "service": 7}]) == [{"kind": "mark", "service": "api"}]
    assert holds.held == [] and holds.meets({"kind": "mark", "service": "pay"})
    assert holds.meets({"kind": "other"})
