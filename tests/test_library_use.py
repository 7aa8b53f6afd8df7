"""The library API called many times in one process: no crash, no state carried between runs,
and a bounded cache of knowledge bases whose evicted rulesets are really freed."""

from __future__ import annotations

import os
from typing import Any

from engine import runtime
from engine.compiler import compile_kb
from engine.loader import load_documents
from engine.review import review_design
from engine.ruleload import load_rules
from engine.source import Document
from tests.helpers import rule_yaml, write_yaml


def design_of(body: dict[str, Any]) -> Any:
    return load_documents([Document("mem.yaml", {"source": "api", **body})])


SERVICES_ONLY = {"services": [{"name": "a"}]}
"""No interaction: a ruleset that matches interactions receives no fact at all."""
UNMATCHED_ONLY = {"services": [{"name": "a"}, {"name": "b"}],
                  "interactions": [{"from": "a", "to": "b", "style": "async"}]}
"""Only facts that no pattern matches: durable creates a session but stores nothing."""
MATCHED = {"services": [{"name": "a"}], "externals": [{"name": "psp"}],
           "interactions": [{"from": "a", "to": "psp", "style": "sync", "circuit_breaker": False}]}


def _findings(rv: Any) -> list[dict[str, Any]]:
    return [f.to_json() for f in rv.findings]


def test_runs_that_match_nothing_do_not_break_later_runs(builtin_kb: Any) -> None:
    # Before the fix: a ruleset that got no fact made get_state fail (error 309), and deleting the
    # state of a session that had seen only unmatched facts segfaulted the process on the next run.
    runtime.clear_cache()
    designs = [design_of(SERVICES_ONLY), design_of(UNMATCHED_ONLY), design_of(MATCHED)]
    expected = [_findings(review_design(d, builtin_kb)) for d in designs]
    runtime.clear_cache()
    for order in ([0, 1, 0, 1, 2, 1, 0, 2, 2], [1, 1, 1, 2, 0, 0, 1], [2, 1, 0, 2, 0, 1]):
        for i in order:
            assert _findings(review_design(designs[i], builtin_kb)) == expected[i]


def kb_from(tmp: str, rules: list[dict[str, Any]]) -> Any:
    for r in rules:
        write_yaml(tmp, f"{r['category']}/{r['id']}.yaml", r)
    return compile_kb(load_rules([tmp]))


def test_evicted_sessions_that_only_saw_unmatched_facts_free_cleanly(tmp_path: os.PathLike[str]) -> None:
    kbs = [kb_from(os.path.join(str(tmp_path), str(i)),
                   [rule_yaml(f"rule-{i}", [{"as": "c", "kind": "interaction", "where": {"style": "sync"}}])])
           for i in range(6)]
    design = design_of(UNMATCHED_ONLY)
    for _ in range(3):
        for kb in kbs:
            assert review_design(design, kb).findings == []
    assert len(runtime._cache) <= 4
    runtime.clear_cache()


def test_the_c_core_takes_two_facts_whose_ids_hash_alike_as_one() -> None:
    # Why every asserted fact gets an id from fresh_id: the C core compares only a 32-bit hash of ids.
    import json

    import durable_rules_engine as c_core

    assert runtime.fnv1_32("40189") == runtime.fnv1_32("797186")
    handle = c_core.create_ruleset("collide", json.dumps({"r": {"all": [{"m": {"$and": [{"kind": "x"}]}}]}}))
    try:
        c_core.assert_fact(handle, json.dumps({"id": 40189, "kind": "x", "v": 1}))
        code, _state = c_core.assert_fact(handle, json.dumps({"id": 797186, "kind": "x", "v": 2}))
        dropped = code == 2  # 2: "already observed"
        c_core.retract_fact(handle, json.dumps({"id": 40189, "kind": "x", "v": 1}))
    finally:
        c_core.delete_ruleset(handle)
    assert dropped, "a different fact whose id hashes alike was stored: the workaround may be unnecessary"


def test_fact_ids_never_share_a_hash_within_a_run() -> None:
    assert runtime.fnv1_32("a") == 0xE40C292C  # FNV-1a test vector, as the C code computes it
    # 797,186 ids in use, among them 40189, whose hash 797186 shares: the next id must skip 797186.
    used = {runtime.fnv1_32("40189")} | set(range(1 << 40, (1 << 40) + 797_185))
    fresh = runtime.fresh_id(used)
    assert fresh == 797_187
    assert runtime.fnv1_32(str(fresh)) in used and len(used) == 797_186 + 1


def test_the_ids_a_run_gives_its_facts_are_fresh_ids() -> None:
    safe = runtime._SafeIds()
    ids = safe.first(797_187)
    used: set[int] = set()
    assert ids[:3_000] == [runtime.fresh_id(used) for _ in range(3_000)]
    assert [safe.hashes[k] for k in (0, 9, 10, 99, 100, 40_189, 797_186)] == [
        runtime.fnv1_32(str(k)) for k in (0, 9, 10, 99, 100, 40_189, 797_186)]
    assert ids[797_185:797_187] == [797_185, 797_190]  # 797186 … 797189 hash as 40189 … 40186 do: skipped


def test_joins_holding_partial_matches_survive_repeated_runs(tmp_path: os.PathLike[str]) -> None:
    # delete_state crashed the C core ("free(): invalid pointer") whenever a join held a partial match:
    # here a deployment with no service, or a service with no deployment. Reset now retracts instead.
    join = rule_yaml("svc-deployed", [{"as": "s", "kind": "service", "where": {"replicas": 1}},
                                      {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}])
    kb = kb_from(str(tmp_path), [join])
    partial = design_of({"services": [{"name": "a", "replicas": 1}, {"name": "b", "replicas": 2}],
                         "deployments": [{"service": "b"}]})
    full = design_of({"services": [{"name": "a", "replicas": 1}], "deployments": [{"service": "a"}]})
    for _ in range(50):
        assert review_design(partial, kb).findings == []
        assert [f.subject for f in review_design(full, kb).findings] == ["service:a"]


def test_three_hundred_runs_carry_no_state_between_them(builtin_kb: Any) -> None:
    designs = [design_of(SERVICES_ONLY), design_of(UNMATCHED_ONLY), design_of(MATCHED), design_of(
        {"services": [{"name": "a", "replicas": 1}, {"name": "b"}], "deployments": [{"service": "b"}],
         "datastores": [{"name": "db", "owner": "a", "writers": ["a", "b"]}]})]
    first = [_findings(review_design(d, builtin_kb)) for d in designs]
    assert first[2], "the matched design has findings: the comparison below is not vacuous"
    for i in range(300):
        assert _findings(review_design(designs[i % 4], builtin_kb)) == first[i % 4], f"run {i}"


def test_the_cache_stays_bounded_and_evicted_rulesets_are_deleted(
        tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    runtime.clear_cache()
    created: list[int] = []
    deleted: list[int] = []
    real_init, real_free = runtime._Ruleset.__init__, runtime._Ruleset.free

    def counting_init(self: Any, name: str, definition: Any) -> None:
        real_init(self, name, definition)
        created.append(self.handle)

    def counting_free(self: Any) -> None:
        deleted.append(self.handle)
        real_free(self)

    monkeypatch.setattr(runtime._Ruleset, "__init__", counting_init)
    monkeypatch.setattr(runtime._Ruleset, "free", counting_free)
    join = [{"as": "s", "kind": "service", "where": {"replicas": 1}},
            {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}]
    kbs = [kb_from(os.path.join(str(tmp_path), str(i)), [rule_yaml(f"rule-{i}", join)]) for i in range(6)]
    design = design_of({"services": [{"name": "a", "replicas": 1}], "deployments": [{"service": "a"}]})
    for _ in range(25):  # six knowledge bases in rotation through a cache of four: every run evicts one
        for kb in kbs:
            assert [f.subject for f in review_design(design, kb).findings] == ["service:a"]
            assert len(runtime._cache) <= 4
    live = [rs.handle for sess in runtime._cache.values() for rs in sess.rulesets.values()]
    assert len(created) >= 150  # every run missed the cache (six in rotation through four): a session each
    # Handles are reused once freed, so compare counts: every ruleset but the live ones was freed, once.
    assert len(deleted) == len(created) - len(live)
    runtime.clear_cache()
    assert len(deleted) == len(created)


def test_a_review_that_does_not_keep_the_engine_frees_its_sessions_and_reports_the_same(builtin_kb: Any) -> None:
    runtime.clear_cache()
    kept = _findings(review_design(design_of(MATCHED), builtin_kb))
    assert runtime._cache  # a library caller's next review reuses the compiled rulesets
    freed = _findings(review_design(design_of(MATCHED), builtin_kb, keep_engine=False))
    assert not runtime._cache  # a one-shot command (check, plan) drops them before assembling
    assert freed == kept and freed
    assert _findings(review_design(design_of(MATCHED), builtin_kb)) == kept  # and a later review starts afresh
