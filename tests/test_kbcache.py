"""The compiled knowledge base is cached on disk between processes (engine/kbcache.py): read back only when the
rule files, the settings and the compiler are those it was compiled from, equal to a fresh compile, rebuilt
silently from any damaged or hostile entry, never used with ``--no-cache``, and written atomically."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
from typing import Any

import orjson
import pytest

from engine import compiler, kbcache, rulecache
from engine.compiler import CompiledKB
from engine.errors import RuleError
from engine.review import load_kb
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml

review_mod = importlib.import_module("engine.review")  # the module: `engine.review` names the function
JOIN = [{"as": "s", "kind": "service", "where": {"replicas": {"lt": 2}, "type": {"in": ["api", "worker"]}}},
        {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}]


def _entries(folder: str) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(kbcache.PREFIX)) if os.path.isdir(folder) else []


def _pack(tmp: str, n: int = 2) -> str:
    for i in range(n):
        write_yaml(tmp, f"pack/resilience/rule-{i}.yaml", rule_yaml(f"rule-{i}", JOIN))
    return os.path.join(tmp, "pack")


def _shape(kb: CompiledKB) -> list[Any]:
    """Everything of a compiled knowledge base the runtime and the reports read."""
    return [kb.rules, kb.rulesets, [(r.fields, r.lookups, r.regexes, r.gates) for r in kb.rulesets],
            json.dumps(kb.definitions, sort_keys=True), kb.digest, kb.matched_kinds, kb.strata, kb.severity_overrides,
            [(k, lr.rule, lr.file, lr.doc.data) for k, lr in kb.source.items()]]


def _no_compiling(monkeypatch: Any) -> None:
    def refuse(*_args: Any) -> Any:
        raise AssertionError("compiled again")
    monkeypatch.setattr(review_mod, "_compile_kb", refuse)


@pytest.mark.parametrize("findings_only", [True, False])
def test_the_built_in_rules_read_back_equal_a_fresh_compile(cache: str, monkeypatch: Any, findings_only: bool) -> None:
    fresh = load_kb(findings_only=findings_only)
    assert len(_entries(cache)) == 1
    review_mod.clear_kb_cache()
    _no_compiling(monkeypatch)
    again = load_kb(findings_only=findings_only)
    assert again is not fresh and _shape(again) == _shape(fresh)
    lr = next(iter(again.source.values()))  # key positions: parsed from the rule file when first asked for
    assert lr.locate("when", 0) == fresh.source[lr.rule.id].locate("when", 0) and lr.locate("when", 0).line > 1


def test_a_changed_rule_file_or_setting_is_compiled_again(cache: str, tmp_path: Any) -> None:
    pack = _pack(str(tmp_path))
    first = load_kb([pack], builtin=False)
    review_mod.clear_kb_cache()
    path = os.path.join(pack, "resilience", "rule-1.yaml")
    body = rule_yaml("rule-1", [{**JOIN[0], "where": {"replicas": {"lt": 3}}}, JOIN[1]])
    write_yaml(str(tmp_path), "pack/resilience/rule-1.yaml", body)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))  # an old mtime: the content tells
    changed = load_kb([pack], builtin=False)
    assert changed.digest != first.digest and len(_entries(cache)) == 2
    review_mod.clear_kb_cache()
    tuned = load_kb([pack], builtin=False, params={"x": 1}, disabled=["rule-0"])
    assert set(tuned.source) == {"rule-1"} and len(_entries(cache)) == 3
    review_mod.clear_kb_cache()
    assert _shape(load_kb([pack], builtin=False)) == _shape(changed) and len(_entries(cache)) == 3


def test_a_change_to_the_compiler_names_another_entry(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    files = [os.path.join(_pack(str(tmp_path)), "resilience", "rule-0.yaml")]
    before = kbcache.key(files, "settings")
    assert before == kbcache.key(files, "settings") and before != kbcache.key(files, "other settings")
    monkeypatch.setattr(kbcache, "_MODULES", (*kbcache._MODULES, "dialect.py"))
    assert kbcache.key(files, "settings") != before
    assert kbcache._MODULES[0] == "__init__.py"  # where the version is
    monkeypatch.setattr(kbcache, "_MODULES", kbcache._MODULES[1:])
    assert kbcache.key(files, "settings") not in (before, None)


def _rewrite(entry: str, edit: Any) -> None:
    """Replace an entry's body with ``edit(body)``, with a header that fits it (a hostile writer's entry)."""
    with open(entry, "rb") as fh:
        header, _, body = fh.read().partition(b"\n")
    head = orjson.loads(header)
    new = edit(orjson.loads(body))
    data = new if isinstance(new, bytes) else orjson.dumps(new)
    head["sha256"] = hashlib.sha256(data).hexdigest()
    with open(entry, "wb") as fh:
        fh.write(orjson.dumps(head) + b"\n" + data)


def _deep(depth: int) -> Any:  # {"t": [{"t": [... 1]}]}: a tuple in a tuple …
    value: Any = 1
    for _ in range(depth):
        value = {"t": [value]}
    return value


HOSTILE = {
    "not an entry": lambda b: [1, 2, 3],
    "a missing section": lambda b: {k: v for k, v in b.items() if k != "parts"},
    "an invalid rule": lambda b: {**b, "rules": [[f, {**d, "title": 7}] for f, d in b["rules"]]},
    "a rule twice": lambda b: {**b, "rules": b["rules"] + b["rules"][:1]},
    "an unknown operator": lambda b: {**b, "compiled": [[*c[:4], [[*p[:3], [["x", "exec", 1]], p[4]] for p in c[4]],
                                                          *c[5:]] for c in b["compiled"]]},
    "a rule in no ruleset": lambda b: {**b, "parts": [[s, j, m[1:]] for s, j, m in b["parts"]]},
    "a rule of no rule file": lambda b: {**b, "compiled": [["n", "nope", *c[2:]] for c in b["compiled"]]},
    "a stratum out of range": lambda b: {**b, "strata": 0},
    "a value of another type": lambda b: {**b, "compiled": [[*c[:4], [[*p[:3], [[t[0], t[1], {"set": [1]}]
                                                                                   for t in p[3]], p[4]] for p in c[4]],
                                                             *c[5:]] for c in b["compiled"]]},
    "nesting deeper than the parser goes": lambda b: orjson.dumps({**b, "strata": "X"}).replace(
        b'"X"', b'{"t":[' * 2000 + b"1" + b"]}" * 2000),
    "nesting in a value": lambda b: {**b, "compiled": [[*c[:6], [["s.x", _deep(100)]]] for c in b["compiled"]]},
    "an assumption the rule does not make": lambda b: {**b, "compiled": [[*c[:6], [["s.replicas", 1]]]
                                                                         for c in b["compiled"]]},
    "a pattern of another kind": lambda b: {**b, "compiled": [[*c[:4], [["s", "job", *p[2:]] for p in c[4]],
                                                               *c[5:]] for c in b["compiled"]]},
    "a test on a field the rule does not test": lambda b: {**b, "compiled": [
        [*c[:4], [[*p[:3], [["zzz", "eq", 1]], p[4]] for p in c[4]], *c[5:]] for c in b["compiled"]]},
    "a join dropped": lambda b: {**b, "compiled": [[*c[:4], [[*p[:4], []] for p in c[4]], *c[5:]]
                                                    for c in b["compiled"]]},
    "a pickle": lambda b: b"\x80\x04\x95" + orjson.dumps(b),
}


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "foreign header", *HOSTILE])
def test_a_damaged_or_hostile_entry_is_rebuilt_silently(cache: str, tmp_path: Any, monkeypatch: Any,
                                                        damage: str) -> None:
    pack = _pack(str(tmp_path))
    fresh = load_kb([pack], builtin=False)
    (name,) = _entries(cache)
    entry = os.path.join(cache, name)
    with open(entry, "rb") as fh:
        good = fh.read()
    if damage in HOSTILE:
        _rewrite(entry, HOSTILE[damage])
    else:
        spoilt = {"truncated": good[: len(good) // 2], "flipped": good[:-20] + bytes([good[-20] ^ 1]) + good[-19:],
                  "empty": b"", "foreign header": b'{"format": 99}\n' + good.partition(b"\n")[2]}[damage]
        with open(entry, "wb") as fh:
            fh.write(spoilt)
    review_mod.clear_kb_cache()
    assert kbcache.lookup(name[len(kbcache.PREFIX):-len(".json")]) is None
    assert _shape(load_kb([pack], builtin=False)) == _shape(fresh)
    with open(entry, "rb") as fh:
        assert fh.read() == good  # rewritten


def test_a_ruleset_read_back_over_the_c_cores_limits_is_compiled_again(cache: str, tmp_path: Any) -> None:
    """50 rules on one kind are cut into two rulesets (48 patterns on one kind at most): an entry that puts
    them back into one is refused before the C core sees it."""
    pack = _pack(str(tmp_path), 50)
    fresh = load_kb([pack], builtin=False)
    assert len(fresh.rulesets) == 2
    (name,) = _entries(cache)
    _rewrite(os.path.join(cache, name), lambda b: {**b, "parts": [[0, True, [i for *_sj, m in b["parts"] for i in m]]]})
    assert kbcache.lookup(name[len(kbcache.PREFIX):-len(".json")]) is None


@pytest.mark.parametrize("limit", ["MAX_ALPHA_PER_KIND", "MAX_NEX_PER_KIND", "MAX_TESTS_PER_KIND",
                                   "MAX_SHARED_PATTERN"])
def test_a_part_read_back_is_checked_whole_against_each_partitioner_limit(tmp_path: Any, monkeypatch: Any,
                                                                            limit: str) -> None:
    """Each rule of the part fits alone; together they pass a limit of the partitioner: refused."""
    when = [{"as": "s", "kind": "service", "where": {"replicas": {"lt": 2}, "owner": {"missing": True}}}]
    for i in range(4):
        write_yaml(str(tmp_path), f"pack/resilience/rule-{i}.yaml", rule_yaml(f"rule-{i}", when))
    part = list(load_kb([os.path.join(str(tmp_path), "pack")], builtin=False).rules.values())
    compiler._recheck(part)  # within every limit
    load = compiler._Load()
    for c in part:
        load.count(c)
    counts = {"MAX_ALPHA_PER_KIND": load.alpha, "MAX_NEX_PER_KIND": load.nex, "MAX_TESTS_PER_KIND": load.tests,
              "MAX_SHARED_PATTERN": load.shapes}[limit]
    worst = max(counts.values())
    monkeypatch.setattr(compiler, limit, worst - 1)
    assert all(compiler._Load().admits(compiler._Load.of(c)) for c in part)  # each rule alone still fits
    with pytest.raises(RuleError, match="over a limit of the C core"):
        compiler._recheck(part)


def test_no_cache_neither_reads_nor_writes(cache: str, tmp_path: Any, monkeypatch: Any) -> None:
    pack = _pack(str(tmp_path))
    monkeypatch.setenv(rulecache.OFF_ENV, "1")
    load_kb([pack], builtin=False)
    assert _entries(cache) == []
    monkeypatch.delenv(rulecache.OFF_ENV)
    load_kb([pack], builtin=False, params={"y": 2})
    review_mod.clear_kb_cache()
    monkeypatch.setattr(rulecache, "enabled", False)  # --no-cache
    monkeypatch.setattr(rulecache, "read_entry", lambda *_a: pytest.fail("read the cache"))
    load_kb([pack], builtin=False, params={"y": 2})


def test_concurrent_writers_leave_one_whole_entry(cache: str, tmp_path: Any) -> None:
    """Four processes compile the same rules into an empty cache at once: the entry they leave reads back."""
    pack = _pack(str(tmp_path), 3)
    code = f"from engine.review import load_kb; load_kb([{pack!r}], builtin=False)"
    env = {**os.environ, rulecache.CACHE_ENV: cache}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    (name,) = _entries(cache)
    assert not [n for n in os.listdir(cache) if n.endswith(".tmp")]
    assert kbcache.lookup(name[len(kbcache.PREFIX):-len(".json")]) is not None


def _check(args: list[str], cache: str, *extra: str) -> bytes:
    done = subprocess.run([sys.executable, "-m", "archplan", "check", *args, "--format", "json", *extra],
                          cwd=ROOT, capture_output=True, check=False, env={**os.environ, rulecache.CACHE_ENV: cache})
    assert done.returncode == 1, done.stderr
    return done.stdout


@pytest.mark.parametrize("design", ["shop", "ledger"])
def test_the_report_is_byte_identical_cold_warm_and_without_the_cache(tmp_path: Any, design: str) -> None:
    cache = str(tmp_path / "cache")
    path = os.path.join(ROOT, "facts", design)
    cold = _check([path], cache)
    assert len(_entries(cache)) == 1
    assert _check([path], cache) == cold == _check([path], cache, "--no-cache")


def test_a_rule_pack_is_cached_with_the_built_in_rules(tmp_path: Any) -> None:
    cache = str(tmp_path / "cache")
    pack = _pack(str(tmp_path))
    args = [os.path.join(ROOT, "facts", "shop"), "--rules", pack]
    cold = _check(args, cache)
    assert _check(args, cache) == cold == _check(args, cache, "--no-cache")
    assert len(_entries(cache)) == 1
    assert orjson.loads(cold)["summary"]["rules"] == orjson.loads(_check(args[:1], cache))["summary"]["rules"] + 2


def test_a_changed_config_is_never_served_a_stale_entry(tmp_path: Any) -> None:
    """The config's disabled rules, severities and params are part of an entry's name: editing archplan.toml
    between two runs gives the report a fresh compile would."""
    cache = str(tmp_path / "cache")
    config = tmp_path / "archplan.toml"
    shop = os.path.join(ROOT, "facts", "shop")
    reports = []
    rule = "public-path-retries-without-budget"
    for text in (f'disable = ["{rule}"]\n', f'[severity]\n{rule} = "critical"\n',
                 "[params]\nmax_sync_depth = 1\n"):
        config.write_text(text)
        args = [shop, "--config", str(config)]
        warm = [_check(args, cache), _check(args, cache)]
        assert warm == [_check(args, cache, "--no-cache")] * 2
        reports.append(warm[0])
    assert len(set(reports)) == 3 and len(_entries(cache)) == 3
