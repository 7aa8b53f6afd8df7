"""The library keeps what it compiled: ``load_kb`` (and so ``review``) reuses a compiled knowledge base while
the rule files and the arguments are unchanged, sees every change to them, and the rule engine frees what an
evicted knowledge base held."""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest

from engine import runtime
from engine.review import load_kb, review
from tests.helpers import rule_yaml, write_yaml

JOIN = [{"as": "s", "kind": "service", "where": {"replicas": {"lt": 2}}},
        {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}]
review_mod = importlib.import_module("engine.review")  # the module: `engine.review` names the function
DESIGN = {"source": "api", "services": [{"name": "a", "replicas": 1}], "deployments": [{"service": "a"}]}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    review_mod.clear_kb_cache()
    yield
    review_mod.clear_kb_cache()


def _pack(tmp: str, rule_id: str = "svc-low-replicas", when: list[dict[str, Any]] | None = None) -> str:
    write_yaml(tmp, f"pack/resilience/{rule_id}.yaml", rule_yaml(rule_id, when or JOIN))
    return os.path.join(tmp, "pack")


def _design(tmp: str) -> str:
    return write_yaml(tmp, "design/api.yaml", DESIGN)


def _rules_fired(paths: list[str], pack: str) -> list[str]:
    return sorted({f.rule for f in review(paths, [pack], builtin=False).findings})


def test_an_unchanged_knowledge_base_is_compiled_once(tmp_path: Any) -> None:
    pack = _pack(str(tmp_path))
    first = load_kb([pack], builtin=False)
    assert load_kb([pack], builtin=False) is first
    assert load_kb([pack], builtin=False, findings_only=True) is not first  # other arguments, another entry
    assert load_kb([pack], builtin=False, params={"x": 1}) is not first


def test_a_rule_file_edited_in_place_is_picked_up_at_once(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    pack, design = _pack(tmp), _design(tmp)
    assert _rules_fired([design], pack) == ["svc-low-replicas"]
    # Same size, same inode, written within the same clock tick: only the content tells them apart.
    path = os.path.join(pack, "resilience", "svc-low-replicas.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    before = os.stat(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("lt: 2", "lt: 1"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and its mtime set back, as `cp -p` would
    assert os.stat(path).st_size == before.st_size
    assert _rules_fired([design], pack) == []


def test_a_changed_file_that_is_no_longer_recent_is_seen_by_its_stat(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    pack, design = _pack(tmp), _design(tmp)
    monkeypatch.setattr(review_mod, "RACY_NS", 0)  # no content hashing: the stat alone must tell
    assert _rules_fired([design], pack) == ["svc-low-replicas"]
    path = os.path.join(pack, "resilience", "svc-low-replicas.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("lt: 2", "gt: 50"))  # another size: seen by stat alone
    assert _rules_fired([design], pack) == []


def test_added_and_removed_rule_files_are_picked_up(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    pack, design = _pack(tmp), _design(tmp)
    assert _rules_fired([design], pack) == ["svc-low-replicas"]
    _pack(tmp, "svc-deployed", [{"as": "s", "kind": "service"},
                                {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}])
    assert _rules_fired([design], pack) == ["svc-deployed", "svc-low-replicas"]
    os.remove(os.path.join(pack, "resilience", "svc-low-replicas.yaml"))
    assert _rules_fired([design], pack) == ["svc-deployed"]


def test_a_reused_knowledge_base_gives_the_results_of_a_fresh_one() -> None:
    reused = [review(["facts/shop"]) for _ in range(3)]
    assert reused[1].kb is reused[0].kb and reused[2].kb is reused[0].kb
    review_mod.clear_kb_cache()
    fresh = review(["facts/shop"])
    assert fresh.kb is not reused[0].kb
    expected = [f.to_json() for f in fresh.findings]
    assert expected
    for rv in reused:
        assert [f.to_json() for f in rv.findings] == expected


def test_the_cache_of_compiled_knowledge_bases_is_bounded(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(review_mod, "KB_CACHE_SIZE", 3)
    packs = [_pack(os.path.join(str(tmp_path), str(i)), f"rule-{i}") for i in range(5)]
    kbs = [load_kb([p], builtin=False) for p in packs]
    assert len(review_mod._KB_CACHE) == 3
    assert load_kb([packs[4]], builtin=False) is kbs[4]
    assert load_kb([packs[0]], builtin=False) is not kbs[0]  # evicted, compiled again


def _count_deleted_states(monkeypatch: Any) -> list[int]:
    """The handles of the rulesets whose session state the C core is asked to delete, from now on."""
    runtime.clear_cache()
    deleted: list[int] = []
    real = runtime._C.delete_state

    def counting(handle: int, sid: str) -> Any:
        deleted.append(handle)
        return real(handle, sid)

    monkeypatch.setattr(runtime._C, "delete_state", counting)
    return deleted


def test_evicted_sessions_free_their_state_in_the_c_core(tmp_path: Any, monkeypatch: Any) -> None:
    deleted = _count_deleted_states(monkeypatch)
    packs = [_pack(os.path.join(str(tmp_path), str(i)), f"rule-{i}") for i in range(6)]
    design = _design(str(tmp_path))
    for _ in range(3):  # six knowledge bases through a cache of four: every run evicts a session that fired
        for i, p in enumerate(packs):
            assert _rules_fired([design], p) == [f"rule-{i}"]
    # Every eviction (18 runs, the first four fill the cache) deleted the state of the session's ruleset.
    assert len(deleted) == 18 - runtime._CACHE_SIZE
    runtime.clear_cache()


def test_evicted_sessions_whose_rules_never_fired_free_their_state_too(tmp_path: Any, monkeypatch: Any) -> None:
    # A session in which no action ever ran could not have its state deleted (the C core frees two pointers only
    # a completed action sets): it kept its frame pools for good, 74 KB per eviction. Every ruleset now fires a
    # sentinel rule once when it is created, so every evicted session is freed.
    deleted = _count_deleted_states(monkeypatch)
    never = [{"as": "s", "kind": "service", "where": {"replicas": {"gt": 1000}}},
             {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}]
    packs = [_pack(os.path.join(str(tmp_path), str(i)), f"rule-{i}", never) for i in range(6)]
    design = _design(str(tmp_path))
    for _ in range(3):
        for p in packs:
            assert _rules_fired([design], p) == []
    assert len(deleted) == 18 - runtime._CACHE_SIZE
    runtime.clear_cache()


def test_a_recently_changed_rule_file_is_compared_by_content(tmp_path: Any) -> None:
    # Two same-sized writes within one tick of the file system's clock can leave the same mtime (and, on a
    # coarse clock, ctime): for a file changed in the last two seconds the stamp holds its content's hash.
    path = write_yaml(str(tmp_path), "r.yaml", {"v": 1})
    first = review_mod.rule_files_stamp([path])
    write_yaml(str(tmp_path), "r.yaml", {"v": 2})
    second = review_mod.rule_files_stamp([path])
    assert first[0][5] is not None and second[0][5] is not None
    assert first[0][5] != second[0][5]
