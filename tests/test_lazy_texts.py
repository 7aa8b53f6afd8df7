"""A risk's message and a context rule's reason are filled from the match when read, not when the run records the
match: they must read exactly as when they were filled at once, and decide ties between matches as before."""

from __future__ import annotations

from typing import Any

import pytest

from engine.consequence import AdjustRecord, Outcome, RiskRecord, render
from engine.review import Review, _Matches, review
from engine.runtime import RunResult
from tests.gate_helpers import SHOP

LEDGER = "facts/ledger"


@pytest.fixture(scope="module", params=[SHOP, LEDGER])
def reviewed(request: pytest.FixtureRequest) -> Review:
    return review([request.param])


def _risk(message: str, name: str, premises: tuple[str, ...] = ("service:a",)) -> RiskRecord:
    return RiskRecord("risk:r@service:a", "r", "service:a", "service", None, message, {"s": {"name": name}},
                      premises, ())


def _adjust(reason: str, name: str, premises: tuple[str, ...] = ("service:a",)) -> AdjustRecord:
    return AdjustRecord("risk:r@service:a", 1, reason, {"s": {"name": name}}, "c", premises)


def _matches(*outcomes: Outcome) -> _Matches:
    return _Matches.of(RunResult(recorded=[("r", o) for o in outcomes]))


def test_a_risk_message_reads_as_its_template_filled_from_the_match() -> None:
    risk = _risk("{s.name} has {s.missing} replicas", "cart")
    assert risk.message == render("{s.name} has {s.missing} replicas", {"s": {"name": "cart"}}) == \
        "cart has unknown replicas"
    assert "message='cart has unknown replicas'" in repr(risk)
    assert "bindings" not in repr(risk)


def test_a_context_reason_reads_as_its_template_filled_from_the_match() -> None:
    adjust = _adjust("{s.name} is critical", "cart")
    assert adjust.reason == "cart is critical"
    assert adjust.made == (1, "cart is critical", "c")
    assert repr(adjust) == ("AdjustRecord(risk='risk:r@service:a', by=1, reason='cart is critical', rule='c', "
                            "premises=('service:a',))")


@pytest.mark.parametrize("order", [0, 1], ids=["smaller-first", "smaller-last"])
def test_matches_of_one_risk_on_the_same_premises_keep_the_smaller_message(order: int) -> None:
    outcomes: list[Any] = [Outcome(risk=_risk("{s.name}", "a-name")), Outcome(risk=_risk("{s.name}", "b-name"))]
    if order:
        outcomes.reverse()
    assert _matches(*outcomes).risks["risk:r@service:a"].message == "a-name"


def test_matches_of_one_risk_keep_the_smaller_premises_whatever_the_message() -> None:
    kept = _matches(Outcome(risk=_risk("{s.name}", "a", ("service:b",))),
                    Outcome(risk=_risk("{s.name}", "z", ("service:a",)))).risks["risk:r@service:a"]
    assert kept.message == "z"


@pytest.mark.parametrize("order", [0, 1], ids=["smaller-first", "smaller-last"])
def test_matches_of_one_context_rule_on_the_same_premises_keep_the_smaller_reason(order: int) -> None:
    outcomes: list[Any] = [Outcome(adjust=_adjust("{s.name}", "a-name")), Outcome(adjust=_adjust("{s.name}", "b-name"))]
    if order:
        outcomes.reverse()
    assert _matches(*outcomes).adjusts["risk:r@service:a"]["c"].reason == "a-name"


def test_a_risk_finding_fills_its_message_only_when_read(reviewed: Review) -> None:
    risks = _Matches.of(reviewed.result).risks  # the match kept of each risk
    findings = [f for f in reviewed.findings if f.kind == "risk"]
    assert findings
    assert all("message" not in f.__dict__ for f in findings)  # nothing has read them yet
    for f in findings:
        assert f.message == risks[f"risk:{f.rule}@{f.subject}"].message
