"""How ``engine.review.assemble`` builds findings fast must not change what they say: each gap's message as
``gap_message`` writes it from that subject's own records, and the findings in their documented order."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.consequence import GapRecord
from engine.review import GAP_RULE, Review, review
from engine.wording import gap_message
from tests.gate_helpers import SHOP

LEDGER = "facts/ledger"


@pytest.fixture(scope="module", params=[SHOP, LEDGER])
def reviewed(request: pytest.FixtureRequest) -> Review:
    return review([request.param])


def test_each_gap_message_is_written_from_its_own_subject_records(reviewed: Review) -> None:
    records: dict[str, list[GapRecord]] = {}
    for _name, out in reviewed.result.outcomes:
        if out.gap is not None:
            records.setdefault(out.gap.subject, []).append(out.gap)
    gaps = [f for f in reviewed.findings if f.rule == GAP_RULE]
    assert len(gaps) == len(records) > 1
    for f in gaps:
        recs = sorted({(g.field, g.rule): g for g in records[f.subject]}.values(), key=lambda g: (g.field, g.rule))
        assert f.message == gap_message(f.subject, recs)
        assert f.missing == tuple((g.field, g.rule) for g in recs)


def test_findings_come_worst_first_risks_before_gaps(reviewed: Review) -> None:
    order = [(-f.severity.rank, f.kind != "risk", f.rule, f.subject, f.fingerprint) for f in reviewed.findings]
    assert order == sorted(order)
    assert {f.kind for f in reviewed.findings} == {"risk", "gap"}


def test_a_compound_risk_rests_on_what_the_risks_it_matched_assumed(tmp_path: Path) -> None:
    """A call with no stated timeout, breaker or blocking: its two risks are assumed, and so is the compound risk
    raised on them (one step lower than on stated facts), whose own patterns read only the two risks."""
    design = tmp_path / "design.yaml"
    design.write_text("source: infrastructure\nservices:\n  - name: web\nexternals:\n  - name: bank\n"
                      "interactions:\n  - from: web\n    to: bank\n", encoding="utf-8")
    found = {f.rule: f for f in review([str(design)]).findings if f.kind == "risk"}
    timeout, breaker = found["remote-call-without-timeout"], found["external-call-without-circuit-breaker"]
    compound = found["sync-call-without-timeout-or-circuit-breaker"]
    assert timeout.assumed and breaker.assumed
    assert set(compound.assumed) == set(timeout.assumed) | set(breaker.assumed)
    assert compound.severity.rank == compound.base_severity.rank - 1


@pytest.mark.parametrize("compound_design", [True, False])
def test_the_risks_resting_on_risks_found_while_matching_are_those_a_pass_over_every_risk_finds(
        tmp_path: Path, compound_design: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``_Matches.of`` notes the risks with a match resting on a risk as it reads the matches; inheriting the
    assumptions over those alone gives what the direct computation (every risk tried) gives."""
    import importlib

    module = importlib.import_module("engine.review")  # the package exports a function of the same name

    design = tmp_path / "design.yaml"
    design.write_text("source: infrastructure\nservices:\n  - name: web\n  - name: api\nexternals:\n  - name: bank\n"
                      "interactions:\n  - from: web\n    to: bank\n  - from: web\n    to: api\n"
                      "    timeout_ms: 100\n", encoding="utf-8")
    seen: list[tuple[dict[str, object], set[str] | None]] = []
    direct = module._inherit_assumptions

    def spy(risks: dict[str, object], candidates: set[str] | None = None) -> None:
        seen.append((dict(risks), candidates))
        direct(risks, candidates)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_inherit_assumptions", spy)
    reviewed = review([str(design) if compound_design else SHOP])
    (before, candidates), = seen
    assert candidates is not None and (bool(candidates) == compound_design)
    every = dict(before)
    direct(every)  # type: ignore[arg-type]
    assert every == module._Matches.of(reviewed.result).risks
    assert {k for k, r in before.items() if set(r.premises) & before.keys()} <= candidates  # type: ignore[attr-defined]
