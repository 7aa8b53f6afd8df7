"""The name of a compiled knowledge base's entry (engine/kbcache.py ``key``) is taken from the rule files' stat
when an earlier run hashed files of exactly that stat, not shortly after they changed; any change of a file's
stat, or a change within ``RACY_NS`` of the hashing, hashes the contents again. An entry compiled by modules
changed since archplan was imported is not kept."""

from __future__ import annotations

import os
from typing import Any

import engine
from engine import kbcache
from engine.review import load_kb
from tests.helpers import rule_yaml, write_yaml

WHEN = [{"as": "s", "kind": "service", "where": {"replicas": {"lt": 2}}}]


def _files(tmp: str) -> list[str]:
    for i in range(2):
        write_yaml(tmp, f"pack/resilience/rule-{i}.yaml", rule_yaml(f"rule-{i}", WHEN))
    return [os.path.join(tmp, "pack", "resilience", f"rule-{i}.yaml") for i in range(2)]


def _stamps(folder: str) -> list[str]:
    names = os.listdir(folder) if os.path.isdir(folder) else []
    return sorted(n for n in names if n.startswith(kbcache.STAMP_PREFIX))


def _not_hashed(monkeypatch: Any) -> None:
    def refuse(*_args: Any) -> Any:
        raise AssertionError("the files were hashed again")
    monkeypatch.setattr(kbcache, "_hashed", refuse)


def test_unchanged_files_are_named_from_their_stat(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(kbcache, "RACY_NS", 0)  # the files were just written: as if long ago
    files = _files(str(tmp_path))
    name = kbcache.key(files, "settings")
    assert name is not None and len(_stamps(cache)) == 1
    _not_hashed(monkeypatch)
    assert kbcache.key(files, "settings") == name


def test_a_changed_file_is_hashed_again(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    files = _files(str(tmp_path))
    name = kbcache.key(files, "settings")
    with open(files[1], encoding="utf-8") as fh:
        text = fh.read()
    with open(files[1], "w", encoding="utf-8") as fh:
        fh.write(text.replace("lt: 2", "lt: 3"))  # the same size
    assert kbcache.key(files, "settings") not in (name, None)
    assert kbcache.key(files, "other settings") not in (name, None)


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(cache: str, tmp_path: Any,
                                                                   monkeypatch: Any) -> None:
    """Two writes within one tick of the file system's clock can leave the same stat: the stat of a file changed
    less than RACY_NS before the hashing names nothing."""
    files = _files(str(tmp_path))
    name = kbcache.key(files, "settings")
    assert len(_stamps(cache)) == 1
    hashed: list[Any] = []
    monkeypatch.setattr(kbcache, "_hashed", lambda *args: hashed.append(args) or name)
    assert kbcache.key(files, "settings") == name and len(hashed) == 1


def test_a_damaged_stamp_entry_is_hashed_again(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(kbcache, "RACY_NS", 0)
    files = _files(str(tmp_path))
    name = kbcache.key(files, "settings")
    (stamp,) = _stamps(cache)
    with open(os.path.join(cache, stamp), "ab") as fh:
        fh.write(b" ")
    assert kbcache.key(files, "settings") == name


def test_nothing_is_kept_when_a_module_changed_since_archplan_was_imported(cache: str, tmp_path: Any,
                                                                          monkeypatch: Any) -> None:
    """The entry's name is hashed from the modules' files now; the code that compiled it was read before."""
    files = _files(str(tmp_path))
    monkeypatch.setattr(engine, "IMPORTED_NS", 0)
    load_kb([os.path.dirname(os.path.dirname(files[0]))], builtin=False)
    assert [n for n in os.listdir(cache) if n.startswith(kbcache.PREFIX)] == []
