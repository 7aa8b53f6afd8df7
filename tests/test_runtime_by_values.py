"""A test of a few top-level fields is asked once per distinct set of their values (``runtime._ByValues``, used by the
partner gates of a join ruleset and by the negated patterns' screens): the facts it passes are exactly those that
asking each fact passes, in their order, whatever values the fields hold (booleans are not numbers, ``1`` is ``1.0``,
a field not there is not null, a list is asked of each fact)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from engine import runtime
from engine.compiler import UNSTATED, passes

_VALUES: list[Any] = ["a", "b", "", True, False, 1, 1.0, 0, 0.0, -0.0, 2, 2.5, None, math.nan, 9007199254740993,
                      float(9007199254740992)]
_NOT_THERE = object()


def _facts(rng: random.Random, n: int, pool: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        fact: dict[str, Any] = {"kind": "call", "key": f"call:{i}"}
        for fld in ("x", "y"):
            value = rng.choice([*pool, _NOT_THERE])
            if value is not _NOT_THERE:
                fact[fld] = value
        out.append(fact)
    return out


_GATES: list[Mapping[str, tuple[Any, ...]]] = [
    {"x": ("a",)}, {"x": (True,)}, {"x": (1,)}, {"x": (1.0, "b")}, {"x": (UNSTATED,)}, {"x": ("a", UNSTATED)},
    {"x": (0,), "y": (False, "")}, {"x": (True, 2.5), "y": (UNSTATED, "b")}, {"y": (9007199254740993,)},
]
_SCREENS: list[tuple[tuple[str, str, Any], ...]] = [
    (("x", "eq", True),), (("x", "eq", 1),), (("x", "ne", "a"),), (("x", "gt", 1),), (("x", "missing", True),),
    (("x", "exists", True),), (("x", "in", ["a", 1]),), (("x", "eq", "a"), ("y", "lte", 2)), (("y", "contains", "a"),),
    (), (("x", "regex", "%a"),),
]


def _cases() -> list[tuple[str, Callable[[Mapping[str, Any]], bool], tuple[str, ...]]]:
    cases: list[tuple[str, Callable[[Mapping[str, Any]], bool], tuple[str, ...]]] = []
    for gate in _GATES:
        test = runtime._gate_of(gate)
        assert test is not None
        cases.append((f"gate {gate}", test, ("x", "y")))
    for tests in _SCREENS:
        cases.append((f"screen {tests}", passes(tests), tuple(dict.fromkeys(fld for fld, _op, _v in tests))))
    return cases


@pytest.mark.parametrize("pool", [_VALUES, ["a", "b", True, False, None], ["a", 1, 2.5, 1.0, None],
                                  ["a", ["a"], {"a": 1}, 1]], ids=["mixed", "texts-booleans", "texts-numbers", "lists"])
@pytest.mark.parametrize("seed", range(4))
def test_passing_is_the_plain_filter(pool: list[Any], seed: int) -> None:
    rng = random.Random(seed)
    facts = _facts(rng, 60, pool)
    for name, test, read in _cases():
        want = [f for f in facts if test(f)]
        got = runtime._passing(test, read, facts)
        assert [f["key"] for f in got] == [f["key"] for f in want], name
        assert all(a is b for a, b in zip(got, want, strict=True)), name
        by_values = runtime._ByValues(facts, ("x", "y"))  # a superset of the fields read, as a kind's partner gates
        assert [f["key"] for f in by_values.passing(test)] == [f["key"] for f in want], name


def test_alike_values_are_asked_once() -> None:
    """The point of it: a test is asked once per distinct set of values, not per fact (when the values allow)."""
    facts = [{"kind": "call", "key": f"call:{i}", "x": "ab"[i % 2], "y": i % 3 == 0} for i in range(300)]
    asked: list[str] = []

    def test(fact: Mapping[str, Any]) -> bool:
        asked.append(fact["key"])
        return fact["x"] == "a" and fact["y"] is True

    got = runtime._ByValues(facts, ("x", "y")).passing(test)
    assert [f["key"] for f in got] == [f["key"] for f in facts if f["x"] == "a" and f["y"] is True]
    assert len(asked) == 4  # ("a", True), ("b", False), ("a", False), ("b", True)


def test_booleans_with_numbers_are_asked_of_each_fact() -> None:
    """``True == 1`` to a dict key, not to a rule: a column holding both is not classed."""
    facts = [{"kind": "call", "key": f"call:{i}", "x": [True, 1][i % 2]} for i in range(20)]
    asked: list[str] = []

    def test(fact: Mapping[str, Any]) -> bool:
        asked.append(fact["key"])
        return fact["x"] is True

    got = runtime._ByValues(facts, ("x",)).passing(test)
    assert [f["key"] for f in got] == [f"call:{i}" for i in range(0, 20, 2)]
    assert len(asked) == 20
