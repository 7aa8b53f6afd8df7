"""Facts no rule reads (the planning rules' ``plan_item``): derived by a lean path, the same as the general one.

``engine.runtime._Run.record_sink`` keeps what such a rule derives without the general path's work, and
``engine.consequence._Deriver`` fills a ``derive`` entry's templates and its key at once. Each is checked here
against the path it stands in for: the general ``record`` with the rule's whole consequence, and ``render`` of
each field with ``derived_key`` of the whole.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from engine import runtime
from engine.compiler import CompiledKB
from engine.consequence import _Deriver, derived_key, render
from engine.enrich import enrich
from engine.loader import load_design
from engine.model.ruledata import PLAN_ITEM_KIND
from engine.review import facts_for_engine, load_kb
from tests.conftest import ROOT

FULL = load_kb(findings_only=False)
"""The built-in rules with the planning rules, as ``archplan plan`` loads them."""

FACT = {"key": "interaction:a->b", "kind": "interaction", "from": "a", "to": "b", "timeout_ms": 250,
        "retries": None, "sync": True, "weight": 0.5, "tags": ["x", 2, None], "meta": {"owner": "t\u00e9am"},
        "quote": 'say "hi" {x}'}


@pytest.mark.parametrize("fields", [
    {"title": "Timeout test: {call.from} gives up on {call.to} after {call.timeout_ms} ms", "section": "test"},
    {"a": "{call.retries} {call.sync} {call.weight} {call.tags}", "b": "{call.meta.owner} {call.meta.none.deep}"},
    {"lit": "{{not a ref}} and }} alone", "mixed": "{{{call.from}}}", "stray": "a } b"},
    {"q": "{call.quote}", "unknown_alias": "{other.key}", "no_field": "{call.missing}"},
    {"phase": 2, "flag": True, "none": None, "ratio": 0.25, "list": [1, "two", {"z": 1, "a": 2}], "empty": ""},
    {"\u00fcber": "caf\u00e9 {call.meta.owner}", "emoji": "\U0001f680 {call.to}", "ctl": "tab\there\nline"},
    {"escaped": 'a "q" \\ \t\u00e9 {call.quote}\n\U0001f680{call.meta.owner}\ud83d', "brace": "{{{call.quote}}}"},
    {},
    {1: "int name {call.from}", 2: "two"},
])
def test_deriver_agrees_with_render_and_derived_key(fields: dict[Any, Any]) -> None:
    bindings = {"call": FACT}
    filled = {k: render(v, bindings) if isinstance(v, str) else v for k, v in sorted(fields.items())}
    key = derived_key("plan_item", filled)
    assert _Deriver("plan_item", fields)(bindings) == {"kind": "plan_item", "key": key, "name": key, **filled}
    assert list(_Deriver("plan_item", fields)(bindings)) == ["kind", "key", "name", *filled]


def test_a_constant_json_cannot_write_fails_when_matched_as_before() -> None:
    """``derived_key`` refuses a value JSON cannot write; the lean key takes it too, and refuses it the same way."""
    deriver = _Deriver("plan_item", {"when": {1, 2}})
    assert not deriver.fast
    with pytest.raises(TypeError):
        deriver({})


def test_only_rules_that_derive_unread_kinds_take_the_lean_path() -> None:
    sinks = runtime._sinks(FULL)
    read = {p.kind for crule in FULL.rules.values() for p in crule.patterns}
    assert PLAN_ITEM_KIND not in read
    planning = {name for name, crule in FULL.rules.items() if crule.rule_id.startswith("plan-")}
    assert sinks and set(sinks) <= planning
    assert planning - set(sinks) == {name for name in planning if FULL.rules[name].lookups}
    assert not runtime._sinks(load_kb(findings_only=True))  # ``check`` leaves the planning rules out


def _both(kb: CompiledKB, facts: list[dict[str, Any]]) -> tuple[runtime.RunResult, runtime.RunResult]:
    """A run with the lean path, and the same run through the general one (the rules' consequences given)."""
    lean = runtime.run(kb, facts)
    sess = runtime.session_for(kb)
    with sess.lock:
        general = sess.run(facts, runtime.RunLimits(), apply=runtime._consequences_of(kb))
    return lean, general


@pytest.mark.parametrize("name", ["shop", "ledger", "generated"])
def test_the_lean_path_agrees_with_the_general_one(name: str, tmp_path: Any) -> None:
    if name == "generated":
        from benchmarks.gen_design import write

        write(str(tmp_path), 60)
        path = str(tmp_path)
    else:
        path = os.path.join(ROOT, "facts", name)
    facts = facts_for_engine(enrich(load_design([path])))
    lean, general = _both(FULL, facts)
    assert sum(1 for f in lean.derived.values() if f["kind"] == PLAN_ITEM_KIND) > 10
    assert Counter((n, repr(o)) for n, o in lean.outcomes) == Counter((n, repr(o)) for n, o in general.outcomes)
    assert list(lean.derived.items()) == list(general.derived.items())
    assert lean.derivations == general.derivations
    assert (lean.fired, lean.asserted) == (general.fired, general.asserted)


@pytest.mark.parametrize("fields", [
    {"title": "Timeout test: {call.from} gives up on {call.to} after {call.timeout_ms} ms", "section": "test"},
    {"a": "{call.retries} {call.sync} {call.weight} {call.tags}", "b": "{call.meta.owner} {call.meta.none.deep}"},
    {"q": "{call.quote}", "unknown_alias": "{other.key} {other.name.deep}", "no_field": "{call.missing}"},
    {"phase": 2, "flag": True, "none": None, "list": [1, "two"], "mixed": "{{{call.from}}} {call.from}"},
    {"\u00fcber": "caf\u00e9 {call.meta.owner}", "escaped": 'a "q" \\ \t\u00e9 {call.quote}\n\ud83d'},
    {},
    {1: "int name {call.from}", 2: "two"},
])
def test_a_set_of_facts_derives_what_each_fact_derives_alone(fields: dict[Any, Any]) -> None:
    """``_Deriver.many`` fills the set's facts as ``_Deriver`` fills each, and bounds the length of their texts."""
    facts = [FACT, {**FACT, "key": "interaction:c->d", "from": "c", "to": "d", "meta": "flat"},
             {"key": "interaction:e", "kind": "interaction"}]
    deriver = _Deriver("plan_item", fields)
    many, longest = deriver.many("call", facts)
    assert many == [deriver({"call": f}) for f in facts]
    assert [list(f) for f in many] == [list(deriver({"call": f})) for f in facts]
    texts = [v for f in many for v in f.values() if isinstance(v, str) and v not in (f["key"], "plan_item")]
    assert longest is None if not deriver.fast else longest >= max(map(len, texts), default=0)


@pytest.mark.parametrize(("bound", "value"), [("max_derived", 150), ("max_value_chars", 150), ("max_chain", 0)])
def test_a_set_past_a_bound_stops_where_the_one_by_one_path_stops(bound: str, value: int, tmp_path: Any) -> None:
    """The sets of alike facts take the one-by-one path when a bound could be passed: the same error either way
    (the first two stop on a planning rule's set, after risks and plan items were kept)."""
    from benchmarks.gen_design import write

    write(str(tmp_path), 60)
    facts = facts_for_engine(enrich(load_design([str(tmp_path)])))
    limits = runtime.RunLimits(**{bound: value})
    sess = runtime.session_for(FULL)
    with pytest.raises(runtime.LimitError) as lean:
        runtime.run(FULL, facts, limits)
    with sess.lock, pytest.raises(runtime.LimitError) as general:
        sess.run(facts, limits, apply=runtime._consequences_of(FULL))
    assert str(lean.value) == str(general.value)


def test_one_entry_rules_sets_take_record_one_and_agree(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule deriving one ``plan_item`` per match keeps a set of alike facts by ``_Run.record_one`` (no list per
    entry and row): the same outcomes, derived facts (in order) and derivations as the general path."""
    from benchmarks.gen_design import write

    write(str(tmp_path), 40)
    facts = facts_for_engine(enrich(load_design([str(tmp_path)])))
    taken: list[int] = []
    original = runtime._Run.record_one

    def counted(self: runtime._Run, *args: Any) -> bool:
        done = original(self, *args)
        taken.append(int(done))
        return done

    monkeypatch.setattr(runtime._Run, "record_one", counted)
    lean, general = _both(FULL, facts)
    assert sum(taken) > 10
    assert Counter((n, repr(o)) for n, o in lean.outcomes) == Counter((n, repr(o)) for n, o in general.outcomes)
    assert list(lean.derived.items()) == list(general.derived.items())
    assert lean.derivations == general.derivations
    assert lean.fired == general.fired
