"""The shortcuts the path from the rule engine's matches to the report takes at scale give what the plain code gives.

Each one does per rule, per looked-up fact or per process what was done per match or per finding: frozen records
filled at once (``quick_init``), each rule's consequence specialised for its shape, a looked-up fact attached once
per assert, the engine's store made of the caller's fresh facts, alike projections told apart unsorted, gap groups
sorting the subjects of shared sets once, and a one-shot process leaving its review to the exit.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import pickle
from collections import Counter, defaultdict
from typing import Any

import pytest

from engine import compiler, consequence, runtime
from engine.cli import options
from engine.enrich import enrich
from engine.errors import Location
from engine.grouping import gap_groups, names
from engine.loader import load_design
from engine.model import Severity
from engine.model.finding import Adjustment, Finding
from engine.model.frozen import quick_init
from engine.review import facts_for_engine, load_kb
from tests.conftest import ROOT

KB = load_kb()


def _finding(**changes: Any) -> Finding:
    base = Finding(id="f1", rule="r", title="T", kind="risk", severity=Severity.HIGH, base_severity=Severity.MEDIUM,
                   category="resilience", phase=3, message="m", subjects=("service:a",), location=Location("d.yaml", 3),
                   mitigations=(), fingerprint="ff")
    return dataclasses.replace(base, **changes) if changes else base


def test_a_quickly_built_finding_is_the_frozen_dataclass_it_was() -> None:
    f = _finding()
    assert f.likelihood is None and f.evidence == () and f.assumed == () and not f.severity_overridden  # defaults
    assert list(vars(f)) == [fld.name for fld in dataclasses.fields(Finding)]  # every field, in field order
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.message = "changed"  # type: ignore[misc]
    same = _finding()
    assert f == same and hash(f) == hash(same) and repr(f) == repr(same)
    assert f != _finding(message="other") and dataclasses.replace(f, message="other").message == "other"
    assert pickle.loads(pickle.dumps(f)) == f
    assert Adjustment("ctx", 1, "why") == Adjustment(rule="ctx", by=1, reason="why")
    with pytest.raises(TypeError):
        Adjustment("ctx", 1)  # type: ignore[call-arg]  # a field without a default is still required


@pytest.mark.parametrize("kind", ["not frozen", "a factory", "post-init"])
def test_quick_init_refuses_what_it_would_get_wrong(kind: str) -> None:
    if kind == "not frozen":
        @dataclasses.dataclass
        class Plain:
            a: int
        cls: type = Plain
    elif kind == "a factory":
        @dataclasses.dataclass(frozen=True)
        class Factory:
            a: list[int] = dataclasses.field(default_factory=list)
        cls = Factory
    else:
        @dataclasses.dataclass(frozen=True)
        class Post:
            a: int

            def __post_init__(self) -> None:
                pass
        cls = Post
    with pytest.raises(TypeError, match="quick_init"):
        quick_init(cls)


def _designs() -> list[str]:
    real = sorted(glob.glob(os.path.join(ROOT, "benchmarks", "realworld", "systems", "*", "raw")))[:4]
    return [os.path.join(ROOT, "facts", "shop"), os.path.join(ROOT, "facts", "ledger"), *real]


@pytest.mark.parametrize("path", _designs(), ids=lambda p: os.path.relpath(p, ROOT))
def test_each_rules_specialised_consequence_gives_what_the_general_one_gives(
        path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Risk and context rules get a consequence made for their shape; on every match, it equals ``__call__``."""
    made = consequence._applier
    checked: Counter[str] = Counter()

    def both(c: consequence.Consequence) -> Any:
        fast = made(c)

        def apply(bindings: Any) -> consequence.Outcome:
            got = fast(bindings)
            assert repr(got) == repr(c(bindings))
            checked["risk" if got.risk else "adjust" if got.adjust else "other"] += 1
            return got
        return apply

    monkeypatch.setattr(consequence, "_applier", both)
    runtime.run(KB, facts_for_engine(enrich(load_design([path]))))
    assert checked["risk"]


def test_the_engine_keeps_fresh_facts_as_given_and_copies_a_callers() -> None:
    facts = facts_for_engine(enrich(load_design([os.path.join(ROOT, "facts", "shop")])))
    copied = runtime._store_of(facts, runtime.RunLimits())
    owned = runtime._store_of(facts, runtime.RunLimits(), owned=True)
    assert all(owned[str(f["key"])] is f for f in facts)
    assert all(copied[str(f["key"])] is not f and copied[str(f["key"])] == f for f in facts)
    given = [dict(f) for f in facts]
    first, second = runtime.run(KB, facts, owned=True), runtime.run(KB, given)
    assert Counter(repr(o) for o in first.outcomes) == Counter(repr(o) for o in second.outcomes)
    assert first.derived == second.derived
    assert given == facts  # neither run changed the facts it was given


def test_a_looked_up_fact_is_attached_once_to_every_fact_that_looks_it_up() -> None:
    spec = next(s for s in KB.rulesets if any(src == "" for e in s.lookups.values() for _sl, src, _p, _w in e))
    kind, (slot, _src, prefix, wanted) = next((k, e) for k, es in spec.lookups.items() for e in es if e[1] == "")
    store = {prefix: {"kind": prefix.partition(":")[0], "key": prefix, **{w: f"v-{w}" for w in wanted}}}
    project = runtime._projection(spec, store, False, defaultdict(frozenset))  # no fact negated
    one, two = project({"kind": kind, "key": f"{kind}:a"}), project({"kind": kind, "key": f"{kind}:b"})
    assert one[slot] == {w: f"v-{w}" for w in wanted} and one[slot] is two[slot]


def test_a_fact_that_looks_itself_up_is_attached_its_own_fields_and_counted_with_them() -> None:
    """A lookup of the fact itself is made from the fact, and its part counts toward the C core's property limit as a
    looked-up fact's does, nested properties included."""
    spec, kind, slot, wanted = next((s, k, slot, w) for s in KB.rulesets for k, es in s.lookups.items()
                                    for slot, src, prefix, w in es if (src, prefix) == ("key", "")
                                    and set(w) - {"key", "kind"})
    field = sorted(set(wanted) - {"key", "kind"})[0]
    fact = {"kind": kind, "key": f"{kind}:a", field: "v"}
    project = runtime._projection(spec, {fact["key"]: fact}, False, defaultdict(frozenset))  # no fact negated
    assert project(fact)[slot] == {k: fact[k] for k in wanted if k in fact}
    wide = {**fact, field: {f"k{i}": i for i in range(runtime.max_properties())}}
    with pytest.raises(runtime.LimitError, match="properties that rules read"):
        project(wide)


class _Text(str):
    pass


class _Number(int):
    pass


def test_a_rulesets_gate_made_for_a_kind_admits_what_admits_does() -> None:
    """``RulesetSpec.gate`` looks a plain value up untagged; it admits the same facts as ``admits``, whatever the
    type of the value: numbers apart from booleans and text, subclasses and values no gate names included."""
    gated = [(s, kind, alts) for s in KB.rulesets for kind, alts in s.gates.items()]
    assert gated
    for spec, kind, alts in gated:
        gate = spec.gate(kind)
        assert gate is not None and spec.gate(kind) is gate  # made once
        for alt in alts:
            for fld, allowed in alt.items():
                for value in (*allowed, *[_Text(v) for v in allowed if isinstance(v, str)], 1, 1.0, True, False, 0,
                              _Number(1), "1", "true", None, [], {}, float("nan"), "zz-none"):
                    fact = {"kind": kind, fld: value}
                    assert gate(fact) == spec.admits(kind, fact), (spec.name, kind, fld, value)
                assert gate({"kind": kind}) == spec.admits(kind, {"kind": kind})
    spec, kind = next((s, k) for s in KB.rulesets for k in sorted(s.positive_kinds) if k not in s.gates)
    assert spec.gate(kind) is None


def test_facts_told_apart_by_their_kinds_signature_make_the_sets_their_projections_make() -> None:
    """A transient ruleset's facts are grouped by a signature taken without projecting them (``_kind_signature``):
    the sets, their order and what is asserted are those the projections' JSON gives, whatever the values' types
    (a number and a boolean, 1 and 1.0, NaN and null, integers orjson refuses) or the order of a fact's keys."""
    facts = facts_for_engine(enrich(load_design([os.path.join(ROOT, "facts", "shop")])))
    store = {str(f["key"]): f for f in facts}
    odd = []
    for n, f in enumerate(facts):
        field = next((k for k in KB.rulesets[0].fields.get(str(f["kind"]), ()) if k not in ("key", "kind")), None)
        if field is not None:
            for i, value in enumerate((1, 1.0, True, None, float("nan"), 2**70, "1", [1], {"a": 1})):
                copy = {**f, "key": f"{f['key']}~{i}", field: value}
                odd.append(copy if n % 2 else dict(reversed(copy.items())))  # keys in another order too
    store.update({str(f["key"]): f for f in odd})
    screens = runtime._screens(KB.rulesets, store.values())
    for spec in (s for s in KB.rulesets if s.transient):
        steps = runtime._projectors(spec, store, False, screens, {})
        assert any(sign is not None for _p, sign in steps.values())
        given = [(f, (None, *steps[f["kind"]])) for f in [*facts, *odd] if f["kind"] in steps]
        plain = [(f, (None, project, None)) for f, (_g, project, _s) in given]
        alike: dict[str, list[str]] = {}
        signed = runtime._alike_sets(given, alike)
        projected: dict[str, list[str]] = {}
        assert runtime._dumps(signed) == runtime._dumps(runtime._alike_sets(plain, projected))
        assert alike == projected and any(len(keys) > 1 for keys in alike.values())


def test_alike_projections_are_found_by_their_json_as_projected() -> None:
    """Projections equal in their fields and order are one set; the same fields in another order (a fact copied
    whole) are only asserted apart, each with its own matches."""
    run = type("R", (), {"alike": {}})()
    batch = [{"kind": "x", "a": 1, "b": 2, "key": "k1"}, {"kind": "x", "a": 1, "b": 2, "key": "k2"},
             {"kind": "x", "b": 2, "a": 1, "key": "k3"}, {"kind": "x", "a": 1, "b": "2", "key": "k4"}]
    kept = runtime._Run.representatives(run, batch)  # type: ignore[arg-type]
    assert [p["key"] for p in kept] == ["k1", "k3", "k4"]
    assert run.alike == {"k1": ["k1", "k2"], "k3": ["k3"], "k4": ["k4"]}


def _gap(subject: str, *missing: tuple[str, str]) -> Finding:
    return _finding(id=f"gap@{subject}", rule="information-gap", kind="gap", subjects=(subject,),
                    severity=Severity.LOW, missing=tuple(missing))


def test_gap_groups_of_fields_missed_by_the_same_subjects_each_name_them_all_sorted() -> None:
    gaps = [_gap("service:c", ("a", "r1"), ("b", "r2")), _gap("service:a", ("a", "r1"), ("b", "r2")),
            _gap("service:b", ("a", "r1"), ("b", "r2"), ("c", "r3")), _gap("service:d", ("c", "r3")),
            _gap("service:a", ("c", "r4"))]  # a subject given twice is named once
    groups = {g.field: (g.subjects, g.rules) for g in gap_groups(gaps, {"service": 9})}
    assert groups == {"a": (("service:a", "service:b", "service:c"), ("r1",)),
                      "b": (("service:a", "service:b", "service:c"), ("r2",)),
                      "c": (("service:a", "service:b", "service:d"), ("r3", "r4"))}


def test_names_given_the_first_few_and_how_many_there_are() -> None:
    subjects = [f"service:s{i}" for i in range(10)]
    assert names(subjects[:6], total=10) == names(subjects) == "s0, s1, s2, s3, s4, s5 and 4 more"
    assert names(subjects[:2], total=2) == "s0, s1"


def test_a_one_shot_process_keeps_what_a_command_is_done_with_and_a_library_does_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    held = object()
    monkeypatch.setattr(options, "kept_to_exit", None)
    options.keep_to_exit(held)  # a library caller's process: nothing held
    assert options.kept_to_exit is None
    monkeypatch.setattr(options, "kept_to_exit", [])
    options.keep_to_exit(held)
    assert options.kept_to_exit == [held]


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "lte", "gt", "gte", "missing", "exists", "in", "contains"])
def test_a_test_made_once_for_the_screens_holds_where_holds_does(op: str) -> None:
    """``passes`` settles a test once for every fact it screens; it holds on exactly the facts ``holds`` holds on,
    whatever the type of the field's value or the test's (booleans apart from numbers, 1 and 1.0, subclasses, a
    field not stated, a dotted path)."""
    values = ("a", _Text("a"), "1", 1, 1.0, 2, _Number(1), True, False, 0, None, [], ["a", 1], {"x": 1}, float("nan"))
    for value in [*values, ["a", 1, True]]:
        for fld in ("f", "f.x"):
            tests = ((fld, op, value),)
            made = compiler.passes(tests)
            for v in values:
                for fact in ({"kind": "k", "f": v}, {"kind": "k"}, {"kind": "k", "f": {"x": v}}):
                    try:
                        expected: Any = bool(compiler.holds(fact, fld, op, value))
                    except TypeError:  # ``in`` a value that is no list: refused alike
                        expected = TypeError
                    try:
                        got: Any = bool(made(fact))
                    except TypeError:
                        got = TypeError
                    assert got == expected, (fld, op, value, fact)
    both = compiler.passes((("f", "eq", 1), ("g", "missing", True)))
    assert both({"f": 1}) and not both({"f": 1, "g": 2}) and not both({"f": True}) and compiler.passes(())({})


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_a_matchs_premises_are_the_keys_of_its_facts_in_alias_order(n: int) -> None:
    """``premises_of`` is written out for few aliases; it gives each bound fact's key as text, in alias order."""
    aliases = tuple(f"a{i}" for i in range(n))
    bindings = {a: {"key": f"k{n - i}" if i % 2 else n - i} for i, a in enumerate(aliases)}
    assert consequence.premises_of(aliases)(bindings) == tuple(str(bindings[a]["key"]) for a in aliases)


def test_a_signature_finds_the_parts_of_lookups_reading_one_field_together_and_sees_the_store_grow() -> None:
    """The lookups of a kind are found in groups by the field they read the key from (a call's target service and
    datastore by its ``to``), those reading none once: facts share a signature exactly when what is attached to them
    reads alike, and a looked-up fact the store gains later (a derived one) is seen by the next signature."""
    store: dict[str, dict[str, Any]] = {
        "service:a": {"kind": "service", "key": "service:a", "tier": 1},
        "service:b": {"kind": "service", "key": "service:b", "tier": 1},
        "service:c": {"kind": "service", "key": "service:c", "tier": 2}}
    attach = [("@to@service", "to", "service:", ("kind", "tier"), {}),
              ("@@system", "", "system:system", ("kind", "env"), {}),
              ("@to@datastore", "to", "datastore:", ("kind",), {})]
    sign = runtime._kind_signature(("key", "kind"), attach, store, ())  # type: ignore[arg-type]

    def call(to: Any) -> dict[str, Any]:
        return {"kind": "call", "key": f"call:{to}", "to": to}

    a, b, c, odd = sign(call("a")), sign(call("b")), sign(call("c")), sign(call(7))
    assert a == b != c and odd != a and len({len(x) for x in (a, b, c, odd)}) == 1
    store["system:system"] = {"kind": "system", "key": "system:system", "env": "prod"}
    store["datastore:a"] = {"kind": "datastore", "key": "datastore:a"}
    a2, b2 = sign(call("a")), sign(call("b"))
    assert a2 != a and b2 != b and a2 != b2 and '{"kind":"system","env":"prod"}' in a2 and '{"kind":"datastore"}' in a2


def test_a_gap_whose_looked_up_patterns_are_all_negated_is_recorded_as_one_without_any(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A gap variant whose looked-up patterns are all negated (decided by the C core: nothing is bound for them)
    is recorded from the projections, its matches on alike facts as one group, like a variant without any: the
    review's gaps are those the recorder gave them, one by one."""
    from engine.review import assemble

    design = load_design([os.path.join(ROOT, "facts", "shop")])
    enriched = enrich(design)
    negated_only = {name for name, c in KB.rules.items() if c.gap is not None and c.lookups
                    and all(lk.negated for lk in c.lookups)}
    assert negated_only
    grouped = runtime.run(KB, facts_for_engine(enriched))
    init = runtime._Run.__init__

    def one_by_one(self: Any, *args: Any, **kwargs: Any) -> None:  # the recorder for every gap with a lookup
        init(self, *args, **kwargs)
        self.direct = {n: g for n, g in self.direct.items() if n not in negated_only}
        self.questions = {n: q for n, q in self.questions.items() if n not in negated_only}

    monkeypatch.setattr(runtime._Run, "__init__", one_by_one)
    runtime.clear_cache()
    recorded = runtime.run(KB, facts_for_engine(enriched))
    monkeypatch.undo()
    runtime.clear_cache()
    assert sum(n in negated_only for n, _o in grouped.recorded) < sum(n in negated_only for n, _o in recorded.recorded)
    gaps = [Counter(o.gap for _n, o in r.outcomes if o.gap) for r in (grouped, recorded)]
    assert gaps[0] == gaps[1]
    findings = [[f.to_json() for f in assemble(design, enriched, KB, r).findings] for r in (grouped, recorded)]
    assert findings[0] == findings[1]


def test_a_location_compares_orders_hashes_and_shows_itself_by_its_fields() -> None:
    """``Location`` is a msgspec Struct (frozen, ordered): what the frozen dataclass it was did, it still does."""
    import pickle

    import msgspec

    a, b = Location("a.yaml", 3, 5), Location("a.yaml", 10)
    assert a == Location("a.yaml", 3, 5) and hash(a) == hash(Location("a.yaml", 3, 5)) and a != b
    assert sorted([b, a, Location("0.yaml")]) == [Location("0.yaml"), a, b] and a < b and not b <= a
    assert (b.line, b.column, Location("x").line) == (10, 0, 0)
    assert str(b) == "a.yaml:10:0" and str(Location("x")) == "x"
    assert repr(a) == "Location(file='a.yaml', line=3, column=5)"
    assert msgspec.structs.replace(a, file="b.yaml") == Location("b.yaml", 3, 5)
    assert pickle.loads(pickle.dumps(a)) == a and len({a, Location("a.yaml", 3, 5)}) == 1
    with pytest.raises(AttributeError):
        a.line = 4  # type: ignore[misc]


def test_a_fact_is_frozen_and_compared_by_its_fields() -> None:
    """``Fact`` is a msgspec Struct (frozen): equal by its fields, unchangeable, its ``fields`` an empty mapping by
    default, as the frozen dataclass it was."""
    from engine.model.design import Fact, new_fact

    loc = Location("d.yaml", 2, 3)
    fact = new_fact("service", "service:a", {"name": "a"}, loc, {}, ("api",))
    assert fact == Fact("service", "service:a", {"name": "a"}, loc, agents=("api",)) and fact.name == "a"
    assert fact != Fact("service", "service:a", {"name": "a"}, loc, agents=("api",), inferred=True)
    assert Fact("service", "service:b", {}, loc).fields == {} and fact.locate("replicas") == loc
    with pytest.raises(AttributeError):
        fact.key = "service:b"  # type: ignore[misc]
