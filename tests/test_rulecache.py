"""The parsed rule files are cached on disk between processes: read back when they fit, validated as rules,
parsed again (and the entry rewritten) on any change, mismatch or corruption, and never with ``--no-cache``."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from engine import rulecache, ruleload
from engine.ruleload import load_rules
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml

JOIN = [{"as": "s", "kind": "service", "where": {"replicas": {"lt": 2}}},
        {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}]


def _pack(tmp: str, n: int = 2) -> str:
    for i in range(n):
        write_yaml(tmp, f"pack/resilience/rule-{i}.yaml", rule_yaml(f"rule-{i}", JOIN))
    return os.path.join(tmp, "pack")


def _entries(folder: str) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _shape(kb: Any) -> list[Any]:
    return [(lr.rule, lr.file, lr.doc.data, lr.doc.positions) for lr in kb.rules]


def _no_parsing(monkeypatch: Any) -> None:
    def refuse(path: str, *_args: Any) -> Any:
        raise AssertionError(f"{path} was parsed again")
    monkeypatch.setattr(ruleload, "load", refuse)


def test_a_second_load_reads_the_parsed_rules_from_the_cache(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    pack = _pack(str(tmp_path))
    fresh = load_rules([pack])
    assert len(_entries(cache)) == 1
    _no_parsing(monkeypatch)
    assert _shape(load_rules([pack])) == _shape(fresh)


def test_the_built_in_rules_from_the_cache_equal_the_parsed_ones(cache: str, monkeypatch: Any) -> None:
    fresh = load_rules([ruleload.builtin_rules_dir()])
    _no_parsing(monkeypatch)
    assert _shape(load_rules([ruleload.builtin_rules_dir()])) == _shape(fresh)


def test_a_changed_rule_file_is_parsed_again(cache: str, tmp_path: Any) -> None:
    pack = _pack(str(tmp_path))
    load_rules([pack])
    path = os.path.join(pack, "resilience", "rule-0.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("lt: 2", "lt: 3"))
    (rule,) = [lr.rule for lr in load_rules([pack]) .rules if lr.rule.id == "rule-0"]
    assert rule.when[0].where["replicas"] == {"lt": 3}
    assert len(_entries(cache)) == 2


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped", "empty", "other-format"])
def test_a_damaged_entry_is_rebuilt(cache: str, tmp_path: Any, damage: str, monkeypatch: Any) -> None:
    pack = _pack(str(tmp_path))
    fresh = _shape(load_rules([pack]))
    (name,) = _entries(cache)
    entry = os.path.join(cache, name)
    with open(entry, "rb") as fh:
        good = fh.read()
    bad = {"truncated": good[: len(good) // 2], "garbage": b"\x00\xff not json", "empty": b"",
           "flipped": good.replace(b'"lt"', b'"gt"', 1),
           "other-format": good.replace(f'"format":{rulecache.FORMAT}'.encode(), b'"format":0', 1)}[damage]
    assert bad != good
    with open(entry, "wb") as fh:
        fh.write(bad)
    assert _shape(load_rules([pack])) == fresh
    with open(entry, "rb") as fh:
        assert fh.read() == good  # rewritten whole
    _no_parsing(monkeypatch)
    assert _shape(load_rules([pack])) == fresh


def test_no_cache_neither_reads_nor_writes(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    pack = _pack(str(tmp_path))
    monkeypatch.setenv(rulecache.OFF_ENV, "1")
    load_rules([pack])
    assert _entries(cache) == []
    monkeypatch.delenv(rulecache.OFF_ENV)
    load_rules([pack])
    monkeypatch.setattr(rulecache, "enabled", False)
    calls: list[str] = []
    real = ruleload.load
    monkeypatch.setattr(ruleload, "load", lambda path, *a: calls.append(path) or real(path, *a))
    load_rules([pack])
    assert len(calls) == 2  # parsed, although the cache holds them


def test_the_command_line_switch_turns_the_cache_off(tmp_path: Any) -> None:
    folder = os.path.join(str(tmp_path), "cache")
    env = {**os.environ, rulecache.CACHE_ENV: folder}
    env.pop(rulecache.OFF_ENV, None)
    run = [sys.executable, "-m", "archplan", "rules", "list"]
    subprocess.run([*run, "--no-cache"], cwd=ROOT, env=env, capture_output=True, check=True)
    assert _entries(folder) == []
    subprocess.run(run, cwd=ROOT, env=env, capture_output=True, check=True)
    # the compiled rules too (kbcache), the name of their entry by the rule files' stat, and the rule models' plain
    # schema, which reads the compiled rules back without pydantic
    assert [n.split("-")[0] for n in _entries(folder)] == ["kb", "kbstat", "rules", "ruleschema"]
    assert [n for n in os.listdir(folder) if n.endswith(".tmp")] == []  # written atomically, nothing left over


def test_old_entries_are_pruned(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(rulecache, "KEEP", 2)
    for i in range(4):
        load_rules([_pack(os.path.join(str(tmp_path), str(i)), i + 1)])
    assert len(_entries(cache)) == 2


def test_positions_are_written_in_the_order_and_with_the_values_a_mapping_gives() -> None:
    """``Positions.pairs`` (what an entry stores) is ``items()`` of the same mapping, path for path, on every
    YAML file of the project: mappings, lists, lists of mappings, empty ones."""
    import glob

    from engine.model.document import Positions
    from engine.source import load

    files = sorted(glob.glob(os.path.join(ROOT, "rules", "**", "*.yaml"), recursive=True)
                   + glob.glob(os.path.join(ROOT, "facts", "**", "*.yaml"), recursive=True))
    assert len(files) > 200
    for path in files:
        positions = load(path).positions
        assert isinstance(positions, Positions)
        assert list(positions.pairs()) == list(positions.items()), path
