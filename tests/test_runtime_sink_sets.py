"""The facts no rule reads (the planning rules'), kept per set of alike facts matched: their derivations
(``engine.runtime.Derivations``) and their matches' outcomes (``RunResult.sink_lists``).

``_Run.record_sinks`` keeps one record of the rule, the premises and the keys of a set, each fact's ``Derivation``
made only when one is read, and the facts each match derived, each match's ``Outcome`` made only when
``outcomes`` lists them. Whatever reads them sees what one record per fact gave; the plan reads each item's rule
without making them.
"""

from __future__ import annotations

from typing import Any

from engine import runtime
from engine.consequence import GapRecord, Outcome
from engine.enrich import enrich
from engine.loader import load_design
from engine.model.ruledata import PLAN_ITEM_KIND
from engine.review import facts_for_engine, load_kb
from engine.runtime import Derivation, Derivations, RunResult


def test_a_set_reads_as_one_record_per_fact() -> None:
    d = Derivations()
    d["risk:a@x"] = Derivation("a", ("x", "y"))
    d.add_set("plan-b", ["x", "y", "z"], ["plan_item:1", None, "plan_item:3"])  # y's fact was derived before
    assert d.rules(["plan_item:3", "risk:a@x", "plan_item:9", "plan_item:1"]) == ["plan-b", "a", None, "plan-b"]
    assert d._sets  # read without making the records
    assert "plan_item:3" in d
    assert not d._sets  # made, all at once
    assert d == {"risk:a@x": Derivation("a", ("x", "y")), "plan_item:1": Derivation("plan-b", ("x",)),
                 "plan_item:3": Derivation("plan-b", ("z",))}
    assert d.get("plan_item:2") is None and "plan_item:2" not in d and len(d) == 3
    d.add_set("plan-c", ["w"], ["plan_item:4"])
    assert d["plan_item:4"] == Derivation("plan-c", ("w",))
    assert d["risk:a@x"].premises == ("x", "y")
    assert sorted(d) == ["plan_item:1", "plan_item:3", "plan_item:4", "risk:a@x"]


def test_a_plan_reads_its_items_rules_from_the_sets(tmp_path: Any) -> None:
    """A generated design's run keeps its plan items as sets; their rules read from the sets are those of the
    records made from them, and the general path (one record per fact) gives the same records."""
    from benchmarks.gen_design import write

    write(str(tmp_path), 40)
    facts = facts_for_engine(enrich(load_design([str(tmp_path)])))
    kb = load_kb(findings_only=False)
    lean = runtime.run(kb, facts)
    keys = [k for k, f in lean.derived.items() if f["kind"] == PLAN_ITEM_KIND]
    assert len(keys) > 100 and lean.derivations._sets
    rules = lean.derivations.rules(keys)
    assert lean.derivations._sets
    assert rules == [lean.derivations[k].rule for k in keys]
    assert not lean.derivations._sets
    sess = runtime.session_for(kb)
    with sess.lock:
        general = sess.run(facts, runtime.RunLimits(), apply=runtime._consequences_of(kb))
    assert not general.derivations._sets
    assert dict(lean.derivations) == dict(general.derivations)


def test_a_sets_outcomes_are_listed_in_their_place() -> None:
    """Each set's matches where they were recorded: after the matches and gap lists recorded before them, before
    a gap list recorded later at the same place."""
    r = RunResult()
    risk = [(f"r{i}", Outcome()) for i in range(4)]
    f1, f2, f3 = {"key": "plan_item:1"}, {"key": "plan_item:2"}, {"key": "plan_item:3"}
    g1, g2 = GapRecord("s1", "f", "g", ("s1",)), GapRecord("s2", "f", "g", ("s2",))
    r.sink_lists.append((0, 0, "first", [f1], True))
    r.recorded += risk[:2]
    r.gap_lists.append((2, "gap", [g1, g2]))
    r.sink_lists.append((2, 1, "rows", [(f2, f3)], False))
    r.sink_lists.append((2, 1, "again", [f3], True))
    r.gap_lists.append((2, "gap2", [g2]))
    r.recorded += risk[2:]
    r.sink_lists.append((4, 2, "last", [f1, f2], True))
    assert r.outcomes == [
        ("first", Outcome((f1,))), *risk[:2], ("gap", Outcome(gap=g1)), ("gap", Outcome(gap=g2)),
        ("rows", Outcome((f2, f3))), ("again", Outcome((f3,))), ("gap2", Outcome(gap=g2)), *risk[2:],
        ("last", Outcome((f1,))), ("last", Outcome((f2,)))]


def test_a_plans_matches_keep_their_place_among_the_others(tmp_path: Any) -> None:
    """On a generated design: the planning rules' matches are kept as sets, and ``outcomes`` lists every match of
    the one-by-one path (the general one, the rules' consequences given)."""
    from collections import Counter

    from benchmarks.gen_design import write

    write(str(tmp_path), 40)
    facts = facts_for_engine(enrich(load_design([str(tmp_path)])))
    kb = load_kb(findings_only=False)
    lean = runtime.run(kb, facts)
    sess = runtime.session_for(kb)
    with sess.lock:
        general = sess.run(facts, runtime.RunLimits(), apply=runtime._consequences_of(kb))
    assert lean.sink_lists and not general.sink_lists
    kept = sum(len(made) for _at, _before, _name, made, _one in lean.sink_lists)
    assert kept > 100
    assert Counter(map(repr, lean.outcomes)) == Counter(map(repr, general.outcomes))
