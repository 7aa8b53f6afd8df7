"""How ``engine.review.assemble`` builds findings fast must not change what they say: each gap's message as
``gap_message`` writes it from that subject's own records, and the findings in their documented order."""

from __future__ import annotations

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
