"""A transient ruleset's facts are grouped by the classes of their values (``runtime._Quantizer``): facts whose
values every test of the ruleset answers alike are asserted once. Checked against the C core itself: every fact of
a set, asserted on its own, matches exactly the rules the others match, on values at each test's boundary."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest

from engine import runtime

_RULES: dict[str, Any] = {
    "depth-gte-4": {"$gte": {"depth": 4}},
    "depth-gt-3": {"$gt": {"depth": 3}},
    "depth-lt-2.5": {"$lt": {"depth": 2.5}},
    "timeout-0": {"timeout": 0},
    "timeout-not-7": {"$neq": {"timeout": 7}},
    "attempts-gt-1": {"$gt": {"retry.attempts": 1}},
    "no-backoff": {"$nex": {"retry.backoff": 1}},
    "no-owner": {"$nex": {"owner": 1}},
    "writers": {"$ex": {"writers": 1}},
    "ratio": {"$gte": {"ratio": 0.999}},
    "size-gt-2^53.0": {"$gt": {"size": 9007199254740992.0}},
    "size-lt-2^53+1": {"$lt": {"size": 9007199254740993}},
    "label-a": {"label": "a"},
    "deep-no-owner": {"$and": [{"$gte": {"depth": 4}}, {"timeout": 0}, {"$nex": {"owner": 1}}]},
    "shallow-or-long": {"$or": [{"$lt": {"depth": 1}}, {"$gt": {"timeout": 6.5}}]},
}
"""Tests on a ``call``'s properties, each a rule of its own: thresholds an integer or a float (2**53 beside them,
where an integer compared with a double is not what Python compares), equality and inequality with numbers, nested
properties, and properties only asked to be there or not."""

_VALUES: dict[str, list[Any]] = {
    "depth": [0, 0.5, 1, 2, 2.4, 2.5, 2.6, 3, 3.0, 3.5, 3.9999, 4, 4.0, 5, 100, -1, True, False, None, "4", "x", [4],
              {"a": 1}, 2**63 - 1, -(2**63), 1e16, 1e-7, -1e300, 12345678901234567890.0],
    "timeout": [0, 0.0, -0.0, 6, 6.5, 6.6, 7, 7.0, 6.9, 8, True, False, "0", "7", None],
    "retry": [{"attempts": 0}, {"attempts": 1}, {"attempts": 1.0}, {"attempts": 1.5}, {"attempts": 2},
              {"attempts": 3, "backoff": "x"}, {"attempts": 2, "backoff": None}, {"backoff": "y"}, {}, 5, None],
    "owner": ["a", "b", "", None, 3, 3.5, True, [1], {"n": 1}, "x" * 300],
    "writers": [[], ["a"], ["a", "b"], ["b"], None, "a", 0, [["a"]], [{"a": 1}], list(range(20)), [2**63]],
    "ratio": [0.999, 0.9989999, 1, 0.5, 1.0, 2, "0.999", None, 1e-7, 1e-300, 1e300],
    "size": [9007199254740992, 9007199254740993, 9007199254740994, 9007199254740992.0, 9007199254740994.0, 1,
             2**62, -(2**63)],
    "label": ["a", "b", "A", None, 1],
}
"""Each property's values: on each side of every threshold, of every type, and the sizes the classes leave alone."""


def _definition() -> dict[str, Any]:
    return {name: {"all": [{"c": {"$and": [{"kind": "call"}, test]}}]} for name, test in _RULES.items()}


_SHAPES = [*[(name,) for name in _VALUES], ("depth", "timeout"), ("depth", "timeout", "owner"), ("retry", "writers"),
           ("size", "ratio", "label")]
"""The properties a fact has: one, or a few that rules test together."""


def _facts(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fact: dict[str, Any] = {"kind": "call"}
        for name in rng.choice(_SHAPES):
            fact[name] = rng.choice(_VALUES[name])
        fact["key"] = f"call:{i}"
        out.append(fact)
    return out


def _matched(facts: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """The rules each fact matches in the C core, asserted on its own (by key)."""
    rs = runtime._Ruleset("classes-test", _definition())
    try:
        sink: list[str] = []
        rs.assert_batch([dict(f) for f in facts], sink, keep=False)
        fired: dict[str, set[str]] = defaultdict(set)
        for activation in runtime._decode(rs.name, sink):
            for rule, matched in activation.items():
                fired[matched["c"]["key"]].add(rule)
        return {str(f["key"]): frozenset(fired[str(f["key"])]) for f in facts}
    finally:
        rs.free()


def _sets(facts: list[dict[str, Any]], quantizer: runtime._Quantizer | None) -> list[list[str]]:
    """The keys of the facts sharing a signature (None: a set of its own), in order of their first."""
    sign = runtime._kind_signature(("key", "kind", *_VALUES), (), {}, (), quantizer)
    by: dict[Any, list[str]] = {}
    out: list[list[str]] = []
    for fact, signature in zip(facts, sign.many(facts), strict=True):
        assert signature == sign(fact)  # one fact's signature is the one it has among many
        if signature is None:
            out.append([str(fact["key"])])
        elif signature in by:
            by[signature].append(str(fact["key"]))
        else:
            by[signature] = [str(fact["key"])]
            out.append(by[signature])
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facts_classed_alike_match_the_same_rules_in_the_c_core(seed: int) -> None:
    facts = _facts(600, seed)
    matched = _matched(facts)
    quantizer = runtime._Quantizer(runtime._Ruleset.body_of(_definition()))
    classed = _sets(facts, quantizer)
    for keys in classed:
        assert len({matched[k] for k in keys}) == 1, [(k, sorted(matched[k])) for k in keys]
    exact = _sets(facts, None)
    assert len(classed) < 0.75 * len(exact)  # the classes collapse the sets: the test is not vacuous
    assert len(set(matched.values())) > 40  # and the facts match many different sets of rules


def test_values_on_each_side_of_a_threshold_are_told_apart() -> None:
    quantizer = runtime._Quantizer(runtime._Ruleset.body_of(_definition()))
    depth, timeout, size = quantizer.of("depth"), quantizer.of("timeout"), quantizer.of("size")
    assert depth is not None and timeout is not None and size is not None
    assert depth(5) == depth(100) == depth(4) == depth(4.0) != depth(3.9999) != depth(3) == depth(3.0)
    assert depth(2.5) != depth(2.4) and depth(True) != depth(1) and depth("4") != depth(4) != depth([4])
    assert timeout(0) == timeout(0.0) == timeout(-0.0) != timeout(7) == timeout(7.0) != timeout(6.9)
    assert size(9007199254740993) != size(9007199254740992) != size(9007199254740994)
    # 2**53 + 1 is 2**53 as a double, which is how the C core compares an integer with a float
    alone = runtime._Quantizer(runtime._Ruleset.body_of({"x": {"all": [{"c": {"$and": [
        {"kind": "call"}, {"$gt": {"size": 9007199254740992.0}}]}}]}})).of("size")
    assert alone is not None and alone(2**53 + 1) == alone(2**53) != alone(2**53 + 2)
    attempts, backoff = quantizer.of("retry.attempts"), quantizer.of("retry")
    assert attempts is not None and backoff is not None
    assert backoff({"attempts": 2, "backoff": "x"}) == backoff({"attempts": 3, "backoff": "y"})
    assert backoff({"attempts": 2}) != backoff({"attempts": 2, "backoff": "x"})  # names kept
    owner, writers = quantizer.of("owner"), quantizer.of("writers")
    assert owner is not None and writers is not None
    assert owner("a") == owner(None) == owner(3) != owner("x" * 300)  # too long to stand for another
    assert writers(["a"]) == writers([]) != writers(list(range(20))) != writers([2**63])
    assert quantizer.of("label") is None  # compared with text: values kept as they are


def test_numbers_the_c_core_reads_otherwise_are_kept_as_they_are() -> None:
    """An integer past 64 bits the C core cannot hold, nor an infinite float; a float orjson writes in exponent form
    it reads as written in decimals (``_dumps``), and classes it as any other."""
    quantizer = runtime._Quantizer(runtime._Ruleset.body_of(_definition()))
    depth = quantizer.of("depth")
    assert depth is not None
    assert depth(2**63) == [2**63] and depth(float("inf")) == [float("inf")]
    assert depth(1e16) == depth(5) != depth(1e-7) == depth(0)
    assert runtime._number(1e16) and runtime._number(1e-7) and not runtime._number(True)
    assert not runtime._number(float("nan"))


@pytest.mark.parametrize(("value", "text"), [
    (1e16, "10000000000000000.0"), (1e-7, "0.0000001"), (-1.5e-300, "-0." + "0" * 299 + "15"),
    (12345678901234567890.0, "12345678901234567000.0"), (1e300, "1" + "0" * 300 + ".0")])
def test_a_float_in_exponent_form_is_written_for_the_c_core_in_decimals(value: float, text: str) -> None:
    """orjson writes 1e16 as ``1e+16``: the C core's parser stops a number without a point at its exponent, read 1,
    and crashed the process on the rest (exit 139). Written as a plain decimal, ``atof`` reads the same double."""
    written = runtime._dumps([{"kind": "call", "depth": value, "s": "1e+5", "n": [value]}])
    assert written == f'[{{"kind":"call","depth":{text},"s":"1e+5","n":[{text}]}}]'
    assert float(text) == value and runtime._loads(written)[0]["depth"] == value
    assert runtime._dumps([{"s": "v1e+5", "x": 0.5}]) == '[{"s":"v1e+5","x":0.5}]'  # text alike: written as it is


@pytest.mark.parametrize("constant", [1e16, 1e-7, -1e300, 1e300, 100, 0.5])
def test_the_c_core_compares_floats_in_exponent_form_as_python_does(constant: float) -> None:
    """Facts and rule constants of every magnitude, in the C core: each rule fires exactly when Python says."""
    definition = {f"{name}-{i}": {"all": [{"c": {"$and": [{"kind": "call"}, {op: {"depth": constant}}]}}]}
                  for i, (name, op) in enumerate((("gt", "$gt"), ("lt", "$lt"), ("eq", "$eq"), ("gte", "$gte")))}
    values = [0, 1, 100, 0.5, 1e15, 1e16, 2e16, 1e-7, 1e-8, -1e300, -1e301, 1e300, 1e-300, 12345678901234567890.0]
    rs = runtime._Ruleset("exponents", definition)
    try:
        for value in values:
            sink: list[str] = []
            rs.assert_batch([{"kind": "call", "key": "c", "depth": value}], sink, keep=False)
            fired = {rule.split("-")[0] for a in runtime._decode(rs.name, sink) for rule in a}
            expected = {name for name, test in (("gt", value > constant), ("lt", value < constant),
                                                ("eq", value == constant), ("gte", value >= constant)) if test}
            assert fired == expected, (value, constant)
    finally:
        rs.free()


@pytest.mark.parametrize("test", [
    {"$gt": {"depth": {"c": "timeout"}}},  # another property of the fact
    {"$lt": {"depth": {"$add": {"$l": 1, "$r": 2}}}},  # an expression
    {"$gt": {'de"pth': 4}},  # a name JSON escapes: the C core hashes it escaped
])
def test_a_ruleset_comparing_a_property_with_anything_but_a_constant_is_not_classed(test: Any) -> None:
    definition = {**_definition(), "other": {"all": [{"c": {"$and": [{"kind": "call"}, test]}}]}}
    quantizer = runtime._Quantizer(runtime._Ruleset.body_of(definition))
    assert all(quantizer.of(name) is None for name in ("depth", "timeout", "owner", "retry", "retry.attempts"))


@pytest.mark.parametrize("left_out", ["depth-gt-3", "depth-lt-2.5", "timeout-not-7", "attempts-gt-1", "ratio",
                                      "size-gt-2^53.0", "size-lt-2^53+1", "label-a", "shallow-or-long"])
def test_classes_made_without_one_rules_test_put_facts_it_tells_apart_together(left_out: str) -> None:
    """The facts are sharp enough to catch a test the classes miss: made from the definition less one rule whose
    test no other makes, they put together facts the C core matches differently."""
    facts = _facts(600, 7)
    matched = _matched(facts)
    fewer = {k: v for k, v in _definition().items() if k != left_out}
    classed = _sets(facts, runtime._Quantizer(runtime._Ruleset.body_of(fewer)))
    assert any(len({matched[k] for k in keys}) > 1 for keys in classed)


@pytest.mark.parametrize("design", ["shop", "ledger", "generated"])
def test_the_built_in_rules_record_for_facts_in_classes_what_each_fact_asserted_alone_gets(
        design: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every transient ruleset's facts classed (however few), a run of the built-in rules records the same
    risks, adjustments, gaps, derived facts and derivations as one asserting each fact on its own; and the classes
    put more facts in each set than their projections' JSON does."""
    from tests.test_runtime_sets import KB, _design_facts, _recorded

    facts = _design_facts(design, tmp_path)
    asserted: list[int] = []
    real = runtime._alike_sets

    def counted(given: Any, alike: dict[str, list[str]]) -> list[dict[str, Any]]:
        out = real(given, alike)
        asserted.append(len(out))
        return out

    monkeypatch.setattr(runtime, "_alike_sets", counted)
    monkeypatch.setattr(runtime, "_CLASSED_FROM", 0)
    classed = _recorded(runtime.run(KB, facts))
    sets = sum(asserted)
    asserted.clear()
    monkeypatch.setattr(runtime, "_CLASSED_FROM", 10**9)
    assert _recorded(runtime.run(KB, facts)) == classed
    assert sets < sum(asserted)
    monkeypatch.setattr(runtime, "_alike_sets", lambda given, alike: [step[1](f) for f, step in given])
    assert _recorded(runtime.run(KB, facts)) == classed
