"""The plan's parts made only when read: section 3's risk entries and gaps (``new_risk_assessment``,
``RiskAssessment.head`` and ``gap_head``), section 5's tests (``Plan.tests_by_type``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from engine.model.finding import Finding
from engine.plan import build_plan
from engine.plan.builder import _Design, _RiskRows
from engine.plan.model import Plan
from engine.plan.render import render
from engine.review import Review, display_path, review
from tests.plan_helpers import LEDGER, SHOP, rv


@pytest.fixture(scope="module", params=[SHOP, LEDGER], ids=["shop", "ledger"])
def review_of(request: pytest.FixtureRequest) -> Review:
    return rv([request.param])  # type: ignore[no-any-return]


def _expected(review: Review, plan: Plan) -> list[tuple[Any, ...]]:
    """Each risk's location and mitigations as its finding's own (late) fields give them, in the plan's order."""
    by_id = {f.id: f for f in review.findings if f.kind == "risk"}
    out = []
    for e in plan.risks.risks:
        f = by_id[e.id]
        loc = f.location
        shown = display_path(loc.file)
        titles = {m.id: m.title for m in review.mitigations}
        out.append((e.id, f"{shown}:{loc.line}" if loc.line else shown, tuple(titles.get(m, m) for m in f.mitigations)))
    return out


def test_risk_entries_take_location_and_mitigations_as_the_findings_state_them(review_of: Review) -> None:
    plan = build_plan(review_of, render_svg=False)
    assert plan.risks.risks
    assert any(e.mitigations for e in plan.risks.risks)
    assert [(e.id, e.location, e.mitigations) for e in plan.risks.risks] == _expected(review_of, plan)


def test_head_makes_only_the_first_risks_and_agrees_with_them_all(review_of: Review) -> None:
    plan = build_plan(review_of, render_svg=False)
    top, total = plan.risks.head(3)
    assert "risks" not in vars(plan.risks)  # the others are still to be made
    assert len(top) == min(3, total)
    everything = plan.risks.risks
    assert total == len(everything)
    assert top == everything[:3]
    assert plan.risks.head(3) == (everything[:3], total)  # once made, read from them
    assert plan.risks.head(10_000) == (everything, total)


@pytest.fixture(scope="module", params=[SHOP, LEDGER], ids=["shop", "ledger"])
def with_gaps(request: pytest.FixtureRequest) -> Review:
    """The design reviewed with the built-in rules, whose gap rules find what it leaves unstated."""
    return review([request.param], findings_only=False)


def test_gap_head_makes_only_the_first_subjects_gaps_and_agrees_with_them_all(with_gaps: Review) -> None:
    plan = build_plan(with_gaps, render_svg=False)
    everything = build_plan(with_gaps, render_svg=False).risks.gaps
    assert len({g[0] for g in everything}) > 3
    subjects = sorted({g[0] for g in everything})
    for n in (0, 1, 3, 10_000):
        first, total, count = plan.risks.gap_head(n)
        assert "gaps" not in vars(plan.risks)  # still to be made
        assert (total, count) == (len(everything), len(subjects))
        assert first == tuple(g for g in everything if g[0] in subjects[:n])
    assert plan.risks.gaps == everything
    assert plan.risks.gap_head(3) == build_plan(with_gaps, render_svg=False).risks.gap_head(3)  # once made


def test_gap_head_leaves_out_a_subject_whose_finding_misses_nothing() -> None:
    """A gap finding with no missing field gives no row, so its subject counts as none of the table's subjects."""
    review_of = review([SHOP], findings_only=False)
    gaps = [f for f in review_of.findings if f.kind == "gap"]
    empty = _copy(gaps[0], missing=(), subjects=("aaa:first",))
    rows = _RiskRows(review_of, _Design(review_of), [], {}, [empty, *gaps])
    _entries, made = rows()
    first, total, count = rows.gap_head(1)
    assert (total, count) == (len(made), len({g[0] for g in made}))
    assert first and {g[0] for g in first} == {made[0][0]} != {"aaa:first"}


@pytest.mark.parametrize("name", ["signals", "alerts", "traces"])
def test_monitoring_heads_make_only_the_first_rows_and_agree_with_them_all(review_of: Review, name: str) -> None:
    plan = build_plan(review_of, render_svg=False)
    everything = getattr(build_plan(review_of, render_svg=False).monitoring, name)
    assert everything
    head = getattr(plan.monitoring, f"{name}_head")
    for n in (0, 1, 3, 10_000):
        assert head(n) == (everything[:n], len(everything))
        assert name not in vars(plan.monitoring)  # still to be made
    assert getattr(plan.monitoring, name) == everything
    assert head(2) == (everything[:2], len(everything))  # once made, read from them


def test_steps_head_makes_only_the_first_release_steps_and_agrees_with_them_all(review_of: Review) -> None:
    plan = build_plan(review_of, render_svg=False)
    everything = build_plan(review_of, render_svg=False).deployment.steps
    assert len(everything) > 3
    for n in (0, 1, 3, 10_000):
        assert plan.deployment.steps_head(n) == (everything[:n], len(everything))
        assert "steps" not in vars(plan.deployment)  # still to be made
    assert plan.deployment.rollback_order == tuple(s.component for s in reversed(everything))
    assert [s.order for s in plan.deployment.steps] == list(range(1, len(everything) + 1))
    assert plan.deployment.steps == everything


def test_alerts_of_one_title_and_subject_keep_the_rules_order() -> None:
    """Alerts sort by title and subject; those alike in both stay in the rules' order (of their facts' keys), the
    first few as in all of them, and an alert whose name the design declares says so."""
    from engine.plan.builder import _MonitoringRows

    found = [({"type": "alert", "subject": "service:b", "title": "Lag: b", "detail": "x"}, "r1"),
             ({"type": "alert", "subject": "service:a", "title": "Lag: a", "detail": "first"}, "r2"),
             ({"type": "alert", "subject": "service:a", "title": "Lag: a", "detail": "second"}, "r3"),
             ({"type": "alert", "subject": "service:a", "title": "Burn: a", "detail": "y"}, "r4")]
    rows = _MonitoringRows(_Design(rv([SHOP])), found, ("Burn",))
    _signals, alerts, _traces = rows()
    assert [(a.title, a.detail) for a in alerts] == [
        ("Burn: a", "y (an alert of this name is declared: check it covers this subject)"), ("Lag: a", "first"),
        ("Lag: a", "second"), ("Lag: b", "x")]
    assert rows.alert_rows(3) == (alerts[:3], 4)
    assert rows.alert_rows(0) == ((), 4)


def test_a_plan_renders_the_same_whether_its_risks_were_made_or_not(review_of: Review) -> None:
    fresh, made = build_plan(review_of, render_svg=False), build_plan(review_of, render_svg=False)
    assert made.risks.risks and made.risks.gaps is not None and made.monitoring.traces is not None
    for fmt in ("markdown", "html", "text", "json"):
        assert render(fresh, fmt) == render(made, fmt), fmt
    # The JSON plan and to_json hold the risks, never what they were to be made from.
    unmade = build_plan(review_of, render_svg=False)
    data = unmade.to_json()["plan"]["risks"]
    assert set(data) == {"risks", "matrix", "gaps"}
    assert json.loads(render(build_plan(review_of, render_svg=False), "json"))["plan"]["risks"] == \
        json.loads(json.dumps(data))
    assert unmade == made  # compares as a plan made whole


def _copy(f: Finding, **changes: Any) -> Finding:
    return Finding(**{**{x.name: getattr(f, x.name) for x in dataclasses.fields(Finding)}, **changes})


def test_risks_sharing_an_id_keep_their_own_mitigations() -> None:
    """Ids are prefixes of fingerprints: when two risks share one, the mitigations listing that id cannot tell
    them apart, and each risk's entry takes its own."""
    review_of = rv([SHOP])
    risks = [f for f in review_of.findings if f.kind == "risk"]
    with_mits = next(f for f in risks if f.mitigations)
    other = next(f for f in risks if set(f.mitigations) != set(with_mits.mitigations))
    twin = _copy(other, id=with_mits.id)
    rows = _RiskRows(review_of, _Design(review_of), [with_mits, twin], {})
    entries, _gaps = rows()
    titles = {m.id: m.title for m in review_of.mitigations}
    assert entries[0].mitigations == tuple(titles.get(m, m) for m in with_mits.mitigations)
    assert entries[1].mitigations == tuple(titles.get(m, m) for m in other.mitigations)
    assert rows.head(1) == (entries[:1], 2)


def test_tests_by_type_makes_only_the_first_tests_and_agrees_with_them_all(review_of: Review) -> None:
    fresh, made = build_plan(review_of, render_svg=False), build_plan(review_of, render_svg=False)
    everything = made.tests
    assert everything
    for n in (0, 1, 3, 10_000):
        first, counts = fresh.tests_by_type(n)
        assert "tests" not in vars(fresh)  # still to be made
        assert (first, counts) == made.tests_by_type(n)
        assert sum(counts.values()) == len(everything)
        for t, listed in first.items():
            assert listed == tuple(x for x in everything if x.type == t)[:n]
    assert fresh.tests == everything
    assert fresh.tests_by_type(3) == made.tests_by_type(3)  # once made, read from them


def test_tests_of_types_in_no_known_order_sort_together_by_subject() -> None:
    """A pack's test type outside TEST_ORDER: its tests and other such types' sort after the known ones, together by
    subject, as they always did, and each type's first ones are still its own."""
    from engine.plan.builder import _Tests

    found = [({"type": "chaos", "subject": "service:b", "title": "b"}, "r1"),
             ({"type": "soak", "subject": "service:a", "title": "a"}, "r2"),
             ({"type": "load", "subject": "path:x", "title": "x"}, "r3"),
             ({"type": "chaos", "subject": "service:a", "title": "z"}, "r4")]
    tests = _Tests(found, ["GET /y"])
    (made,) = tests()
    assert [(t.type, t.title) for t in made] == [("load", "Load test: GET /y"), ("load", "x"), ("soak", "a"),
                                                 ("chaos", "z"), ("chaos", "b")]
    first, counts = tests.by_type(1)
    assert counts == {"chaos": 2, "soak": 1, "load": 2}
    assert {t: [x.subject for x in xs] for t, xs in first.items()} == {
        "chaos": ["service:a"], "soak": ["service:a"], "load": ["path:GET /y"]}
