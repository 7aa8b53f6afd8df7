"""A transient ruleset's alike facts: their signatures (``runtime._kind_signature``) and their matches recorded in
one call per set (``runtime._Run.recorder``) give what projecting and recording every fact on its own gives."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from engine import runtime
from engine.enrich import enrich
from engine.loader import load_design
from engine.review import facts_for_engine, load_kb
from tests.conftest import ROOT

KB = load_kb()
ODD = ("same", 1, 1.0, True, None, float("nan"), 2**70, "1", [1], {"a": 1})
"""What a looked-up fact's wanted field is set to in the copies: its own value first, then values JSON tells apart
(or refuses) in ways Python's equality does not."""


def _facts(name: str) -> list[dict[str, Any]]:
    return facts_for_engine(enrich(load_design([os.path.join(ROOT, "facts", name)])))


def _design_facts(design: str, tmp_path: Any) -> list[dict[str, Any]]:
    """The engine's facts of an example design, or of a generated one (``"generated"``: 60 services written to
    ``tmp_path``, whose settings repeat, so that most facts are in sets of alike ones)."""
    if design != "generated":
        return _facts(design)
    from benchmarks.gen_design import write

    write(str(tmp_path), 60)
    return facts_for_engine(enrich(load_design([str(tmp_path)])))


def _sets(spec: runtime.RulesetSpec, store: dict[str, dict[str, Any]], facts: list[dict[str, Any]],
          signed: bool) -> tuple[str, dict[str, list[str]]]:
    """What ``_alike_sets`` asserts of ``facts`` for ``spec`` (as the C core's JSON) and the sets, by the kinds'
    signatures or (``signed`` false) by the projections' JSON."""
    screens = runtime._screens([spec], store.values())
    steps = runtime._projectors(spec, store, False, screens, {})
    given = [(f, (None, project, sign if signed else None)) for f in facts
             for project, sign in [steps.get(str(f["kind"]), (None, None))] if project is not None]
    alike: dict[str, list[str]] = {}
    return runtime._dumps(runtime._alike_sets(given, alike)), alike


def test_signatures_tell_looked_up_parts_apart_as_the_projections_json_does() -> None:
    """Facts that look up copies of a fact (the same part under another key, or one wanted field changed), a key
    no fact has, or a value that is no key are grouped by their signatures as by their projections' JSON: a part's
    JSON made once per looked-up fact stands for it in every signature that reads it."""
    facts = _facts("shop")
    store = {str(f["key"]): f for f in facts}
    extra: list[dict[str, Any]] = []
    for spec in (s for s in KB.rulesets if s.transient):
        for kind, lookups in spec.lookups.items():
            for slot, src, prefix, wanted in lookups:
                if not src or src == "key":
                    continue
                field = next((w for w in wanted if w != "kind"), None)
                found = [f for f in facts if f["kind"] == kind and isinstance(f.get(src), str)
                         and prefix + f[src] in store][:2]
                for f in found:
                    target = store[prefix + f[src]]
                    for i, value in enumerate(ODD):
                        ref = f"{f[src]}~{slot}{i}"
                        copy = {**target, "key": prefix + ref}
                        if field is not None and value != "same":
                            copy[field] = value
                        store[prefix + ref] = copy
                        extra.append({**f, "key": f"{f['key']}~{slot}{i}", src: ref})
                    extra.append({**f, "key": f"{f['key']}~{slot}~none", src: f"{f[src]}~nowhere"})
                    extra.append({**f, "key": f"{f['key']}~{slot}~int", src: 7})
    store.update({str(f["key"]): f for f in extra})
    given = [*facts, *extra]
    checked = 0
    for spec in (s for s in KB.rulesets if s.transient):
        signed = _sets(spec, store, given, signed=True)
        assert signed == _sets(spec, store, given, signed=False)
        checked += sum(len(keys) > 1 for keys in signed[1].values())
    assert extra and checked
    parts: runtime.Parts = {}
    for spec in (s for s in KB.rulesets if s.transient):
        screens = runtime._screens([spec], store.values())
        for kind, (_project, sign) in runtime._projectors(spec, store, False, screens, parts).items():
            for f in (f for f in given if f["kind"] == kind and sign is not None):
                sign(f)
    held = [h for by_key in parts.values() for h in by_key.values()]
    assert held and all(type(text) is str for _part, _n, text in held if text is not None)  # bytes: a page each


def test_a_fact_without_a_text_key_is_told_apart_from_the_others_of_its_kind() -> None:
    """A kind whose facts look themselves up attaches nothing of a fact whose key is not text; its signature says
    so, as its projection does."""
    facts = _facts("shop")
    spec, kind = next((s, k) for s in KB.rulesets if s.transient for k, lookups in s.lookups.items()
                      if any(src == "key" and not prefix for _slot, src, prefix, _w in lookups)
                      and any(f["kind"] == k for f in facts))
    store = {str(f["key"]): f for f in facts}
    ones = [f for f in facts if f["kind"] == kind]
    keyless = [{**f, "key": 1000 + n} for n, f in enumerate(ones)]
    assert _sets(spec, store, [*ones, *keyless], True) == _sets(spec, store, [*ones, *keyless], False)


def test_a_looked_up_fact_missed_once_is_found_once_it_is_stored() -> None:
    """A signature keeps the lookups that missed only while the store is unchanged: a fact derived later may be the
    one looked up."""
    spec, kind, src, prefix = next((s, k, src, prefix) for s in KB.rulesets if s.transient
                                   for k, lookups in s.lookups.items() for _slot, src, prefix, _w in lookups
                                   if src and src != "key" and prefix)
    store: dict[str, dict[str, Any]] = {}
    fact = {"kind": kind, "key": f"{kind}:a", src: "x"}
    (_project, sign), = [step for k, step in runtime._projectors(spec, store, False, {
        name: frozenset() for name in spec.screens}, {}).items() if k == kind]
    assert sign is not None
    before = sign(fact)
    assert sign(fact) == before
    store[prefix + "x"] = {"kind": prefix.rstrip(":"), "key": prefix + "x"}
    assert sign(fact) != before


def _recorded(result: runtime.RunResult) -> tuple[Counter[tuple[str, str]], Any, Any, int]:
    """A run's matches as a multiset (their order differs), its derived facts, and by which rule each was derived (a
    fact several matches derive keeps the first one's premises, which the order decides)."""
    return (Counter((name, repr(outcome)) for name, outcome in result.outcomes), sorted(result.derived.items()),
            sorted((k, d.rule) for k, d in result.derivations.items()), result.fired)


@pytest.mark.parametrize("design", ["shop", "ledger", "generated"])
def test_a_sets_matches_recorded_in_one_call_are_each_facts_own(design: str, tmp_path: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every match of a transient ruleset's set of alike facts, recorded for each of its facts in one call, is the
    match each fact asserted on its own has: the same risks, adjustments, gaps, derived facts and derivations (a
    generated design repeats its services' settings, so most of its facts are in sets)."""
    facts = _design_facts(design, tmp_path)
    kept: list[int] = []
    real = runtime._alike_sets

    def counted(given: Any, alike: dict[str, list[str]]) -> list[dict[str, Any]]:
        out = real(given, alike)
        kept.append(len(given) - len(out))
        return out

    monkeypatch.setattr(runtime, "_alike_sets", counted)
    together = _recorded(runtime.run(KB, facts))
    assert sum(kept) > 0  # some facts stood for others
    monkeypatch.setattr(runtime, "_alike_sets", lambda given, alike: [step[1](f) for f, step in given])
    assert _recorded(runtime.run(KB, facts)) == together


def test_a_run_is_freed_when_it_returns_without_the_garbage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorders a run keeps refer to it; they are dropped when it ends, so that its store of facts is freed at
    once even while a review pauses the collector (the cycle kept the run, and its store, until the collector ran)."""
    import gc
    import weakref

    runs: list[weakref.ref[Any]] = []
    real = runtime._Run.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        runs.append(weakref.ref(self))

    monkeypatch.setattr(runtime._Run, "__init__", init)
    facts = _facts("shop")
    was = gc.isenabled()
    gc.disable()
    try:
        result = runtime.run(KB, facts)
        assert result.recorded and runs and runs[0]() is None
    finally:
        if was:
            gc.enable()


def _partition(signatures: list[Any]) -> list[list[int]]:
    """Which of the facts share a signature (None: a fact on its own), as the sets of their positions."""
    sets: dict[Any, list[int]] = {}
    alone = []
    for i, sig in enumerate(signatures):
        if sig is None:
            alone.append([i])
        else:
            sets.setdefault(sig, []).append(i)
    return sorted([*sets.values(), *alone])


def test_a_kinds_facts_signed_together_are_told_apart_as_one_by_one_in_any_runs() -> None:
    """``_Signer.many`` signs a kind's facts column by column: the facts sharing a signature are those sharing one
    signed one by one, however the facts are split into runs (a run with a value orjson refuses included), and
    those a value is refused in are each on their own."""
    facts = _facts("shop")
    store = {str(f["key"]): f for f in facts}
    checked = 0
    for spec in (s for s in KB.rulesets if s.transient):
        screens = runtime._screens([spec], store.values())
        for kind, (_project, sign) in runtime._projectors(spec, store, False, screens, {}).items():
            ones = [f for f in facts if f["kind"] == kind]
            field = next((k for k in spec.fields.get(kind, ()) if k not in ("key", "kind")), None)
            if sign is None or not ones or field is None:
                continue
            odd = [{**f, "key": f"{f['key']}~{i}", field: value} for f in ones for i, value in enumerate(ODD[1:])]
            given = [*ones, *odd, *ones]
            one_by_one = _partition([sign(f) for f in given])
            half = len(given) // 2
            assert _partition(sign.many(given)) == one_by_one
            assert _partition([*sign.many(given[:half]), *sign.many(given[half:])]) == one_by_one
            checked += 1
    assert checked


@pytest.mark.parametrize("design", ["shop", "generated"])
def test_a_context_rules_matches_on_alike_risks_are_one_group_read_as_each_risks_own(
        design: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A context rule's matches on a set of alike risks are recorded as one ``AdjustGroup``, whose records, made when
    read, are those recorded one by one (the same adjustments of the same risks), and a review judges the risks as
    it does from records made one by one: the same findings, severities and adjustments."""
    from engine.review import review_design

    if design == "generated":
        from benchmarks.gen_design import write

        write(str(tmp_path), 60)
        loaded = load_design([str(tmp_path)])
    else:
        loaded = load_design([os.path.join(ROOT, "facts", design)])
    facts = facts_for_engine(enrich(loaded))
    grouped = runtime.run(KB, facts)
    assert grouped.adjust_groups and all(outcome.adjust is None for _name, outcome in grouped.recorded)
    made = [(name, g.record(i)) for name, g in grouped.adjust_groups for i in range(len(g.keys))]
    findings = [(f.id, f.severity, f.adjustments, f.message) for f in review_design(loaded, KB).findings]
    monkeypatch.setattr(runtime._Run, "adjust_grouper", lambda _self, _crule, _apply: None)
    alone = runtime.run(KB, facts)
    assert not alone.adjust_groups
    assert Counter(map(repr, made)) == Counter(repr((n, o.adjust)) for n, o in alone.recorded if o.adjust is not None)
    assert _recorded(alone) == _recorded(grouped)
    assert [(f.id, f.severity, f.adjustments, f.message) for f in review_design(loaded, KB).findings] == findings


@pytest.mark.parametrize("design", ["shop", "ledger", "generated"])
def test_a_gap_variants_matches_on_alike_facts_are_listed_where_they_were_recorded(
        design: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gap variant that looks facts up has its matches on a set of alike facts made in one list, placed where they
    would have been recorded one by one: the same records in the same order, each subject's gaps included (of two
    on one field by one rule, the last one is kept)."""
    from engine.review import _Matches

    facts = _design_facts(design, tmp_path)
    listed = runtime.run(KB, facts)
    if design == "generated":
        assert listed.gap_lists
    gaps = _Matches.of(listed).gaps
    monkeypatch.setattr(runtime._Run, "gap_grouper", lambda _self, _crule: None)
    alone = runtime.run(KB, facts)
    assert not alone.gap_lists
    assert [(n, repr(o)) for n, o in listed.outcomes] == [(n, repr(o)) for n, o in alone.outcomes]
    assert _Matches.of(alone).gaps == gaps


@pytest.mark.parametrize("text", [
    '{"r#gap:a.b":{"a":{"kind":"service","x":{"y":[1,"k"]},"key":"service:a->b","id":7}}}',
    '{"r":{"call":{"@to@service":{"kind":"service","key":"service:z"},"key":"interaction:a->b","id":0}}}',
], ids=["nested-values", "attached-part-with-a-key"])
def test_single_match_is_read_from_the_activation_text_as_json_reads_it(text: str) -> None:
    ((rule, matched),) = runtime._decode("rs", [text])[0].items()
    ((alias, fact),) = matched.items()
    assert runtime._single_matches([text]) == [(rule, alias, fact["key"])]


@pytest.mark.parametrize("text", [
    '{"r":{"a":{"kind":"x","key":"x:1","id":1},"b":{"kind":"x","key":"x:2","id":2}}}',
    '{"r":{"a":{"kind":"x","v":{"id":3},"key":"x:1","id":1}}}',
    '{"r":{"a":{"kind":"x","key":"x:\\"q\\"","id":1}}}',
    '{"r\\"s":{"a":{"kind":"x","key":"x:1","id":1}}}',
    '{"r":{"a":{"kind":"x","id":1,"key":"x:1"}}}',
    '{"r":{"a":{"key":"x:1","kind":"x","id":1}}}',
    '{"r":{"a":{"kind":"x","key":"x:1","id":"1"}}}',
], ids=["two-facts", "nested-id", "escaped-key", "escaped-rule", "key-after-id", "key-not-just-before-id",
        "id-not-a-number"])
def test_single_match_not_written_beyond_doubt_is_left_to_the_json_reader(text: str) -> None:
    assert runtime._single_matches(['{"r":{"a":{"kind":"x","key":"x:0","id":0}}}', text]) is None


@pytest.mark.parametrize("design", ["shop", "ledger", "generated"])
def test_activations_read_from_their_text_record_what_parsing_them_records(
        design: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A transient ruleset's activations read as (rule, alias, key) from their text (``_single_matches``) are
    recorded as the parsed ones are: the same outcomes, groups, derived facts and count, in the same order."""
    facts = _design_facts(design, tmp_path)
    read: list[int] = []
    single = runtime._single_matches

    def counted(activations: Any) -> Any:
        out = single(activations)
        read.append(0 if out is None else len(out))
        return out

    monkeypatch.setattr(runtime, "_single_matches", counted)
    fast = runtime.run(KB, facts)
    assert sum(read) > 0
    monkeypatch.setattr(runtime, "_single_matches", lambda _activations: None)
    parsed = runtime.run(KB, facts)
    assert _recorded(fast) == _recorded(parsed)
    assert [(n, repr(o)) for n, o in fast.outcomes] == [(n, repr(o)) for n, o in parsed.outcomes]
    assert repr(fast.gap_groups) == repr(parsed.gap_groups) and repr(fast.gap_lists) == repr(parsed.gap_lists)
    assert list(fast.derived) == list(parsed.derived) and (fast.fired, fast.asserted) == (parsed.fired, parsed.asserted)
