"""The plan picks its items from the derived facts by their keys' ``plan_item:`` prefix: only while every derived key
starts with its fact's kind (``engine.consequence.keys_start_with_kind``), else by the facts' kind, as before."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.consequence import keys_start_with_kind
from engine.model.ruledata import PLAN_ITEM_KIND
from engine.plan import build_plan
from tests.helpers import rule_yaml, write_yaml
from tests.plan_helpers import LEDGER, SHOP, rv


@pytest.mark.parametrize("design", ["shop", "ledger", "generated"])
def test_every_fact_the_built_in_rules_derive_is_keyed_by_its_kind(design: str, tmp_path: Any) -> None:
    if design == "generated":
        from benchmarks.gen_design import write

        write(str(tmp_path), 40, full=True)
        path = str(tmp_path)
    else:
        path = SHOP if design == "shop" else LEDGER
    review = rv([path])
    assert keys_start_with_kind([lr.rule for lr in review.kb.source.values()])
    derived = review.result.derived
    assert sum(1 for f in derived.values() if f["kind"] == PLAN_ITEM_KIND) > 10
    assert all(key.startswith(f"{fact['kind']}:") for key, fact in derived.items())
    by_prefix = [k for k in derived if k.startswith(f"{PLAN_ITEM_KIND}:")]
    assert by_prefix == [k for k, f in derived.items() if f["kind"] == PLAN_ITEM_KIND]


def test_a_fact_keyed_as_a_plan_item_by_its_rule_is_no_plan_item(tmp_path: Any) -> None:
    """A ``derive`` entry of another kind may set its fact's ``key`` itself (a plan item's fields are fixed: it
    cannot): a key that reads as a plan item's is then no plan item. The plan picks its items by their kind, and
    counts the same items as without that rule."""
    rules_dir = os.path.join(str(tmp_path), "rules")
    body = rule_yaml("stream-alarm", [{"as": "ch", "kind": "channel", "where": {"type": "stream"}}],
                     category="operability")
    for k in ("risk", "mitigation"):
        body.pop(k)
    body["derive"] = [{"kind": "alarm", "fields": {"key": "plan_item:forged-{ch.name}", "section": "monitor",
                                                   "type": "alert", "subject": "{ch.key}", "title": "forged"}}]
    write_yaml(rules_dir, "operability/stream-alarm.yaml", body)
    review = rv([LEDGER], [rules_dir])
    assert review.result.derived["plan_item:forged-ledger-events"]["kind"] == "alarm"
    plan = build_plan(review, render_svg=False)
    assert plan.counts == build_plan(rv([LEDGER]), render_svg=False).counts
    assert all(a.title != "forged" for a in plan.monitoring.alerts)
    assert not keys_start_with_kind([lr.rule for lr in review.kb.source.values()])


def test_items_picked_by_prefix_are_those_picked_by_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    review = rv([SHOP])
    by_prefix = build_plan(review, render_svg=False)
    monkeypatch.setattr("engine.plan.builder.keys_start_with_kind", lambda _rules: False)
    by_kind = build_plan(review, render_svg=False)
    assert by_prefix.counts == by_kind.counts
    assert by_prefix.tests == by_kind.tests
    assert by_prefix.monitoring.alerts == by_kind.monitoring.alerts
    assert by_prefix.roadmap.items == by_kind.roadmap.items
