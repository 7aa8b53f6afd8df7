"""Findings whose explanation is worked out when first read (``engine.model.finding.late_fields``) read, compare,
hash, show and pickle exactly like findings made with every field given."""

from __future__ import annotations

import dataclasses
import os
import pickle
from typing import Any

import pytest

from engine.model.finding import Finding, MitigationItem, late_fields
from engine.model.frozen import quick_init
from engine.review import review
from tests.conftest import ROOT


@quick_init
@dataclasses.dataclass(frozen=True)
class _Pair:
    a: int
    b: str
    c: tuple[int, ...] = ()


_late_pair = late_fields(_Pair, ("b",))


def test_a_late_field_is_worked_out_once_when_first_read() -> None:
    calls: list[int] = []

    def fill() -> tuple[Any, ...]:
        calls.append(1)
        return ("late",)

    p = _late_pair(1, (2,), fill)
    assert calls == [] and p.a == 1 and p.c == (2,)
    assert p.b == "late" and p.b == "late" and calls == [1]
    plain = _Pair(1, "late", (2,))
    assert p == plain and plain == p and hash(p) == hash(plain) and repr(p) == repr(plain)
    assert p != _Pair(1, "other", (2,)) and _Pair(1, "other", (2,)) != p
    copied = pickle.loads(pickle.dumps(p))
    assert type(copied) is _Pair and copied == p
    assert dataclasses.replace(p, a=3) == _Pair(3, "late", (2,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.b = "changed"  # type: ignore[misc]


def test_late_fields_refuses_a_field_the_class_lacks() -> None:
    with pytest.raises(TypeError, match="late_fields"):
        late_fields(_Pair, ("d",))


@pytest.mark.parametrize("design", ["shop", "ledger"])
def test_a_reviews_findings_and_mitigations_equal_those_made_with_every_field(design: str) -> None:
    """Read in any order (one late field first, or another), each finding equals the plain ``Finding`` of its
    values, and each mitigation the plain ``MitigationItem``: what is worked out late is what was worked out at
    once."""
    path = os.path.join(ROOT, "facts", design)
    first, second = review([path]), review([path])
    names = [f.name for f in dataclasses.fields(Finding)]
    assert first.findings and any(f.kind == "gap" for f in first.findings)
    for a, b in zip(first.findings, second.findings, strict=True):
        b.evidence  # noqa: B018 - read a late field first, before the others
        plain = Finding(**{n: getattr(a, n) for n in names})
        assert a == plain and plain == a and hash(a) == hash(plain) and repr(a) == repr(plain)
        assert a == b and a.to_json() == b.to_json() == plain.to_json()
        assert pickle.loads(pickle.dumps(a)) == plain
    mitigations = [f.name for f in dataclasses.fields(MitigationItem)]
    assert first.mitigations
    for m, n in zip(first.mitigations, second.mitigations, strict=True):
        n.subjects  # noqa: B018 - a late field first
        plain_m = MitigationItem(**{name: getattr(m, name) for name in mitigations})
        assert m == plain_m == n and m.to_json() == plain_m.to_json() and repr(n) == repr(plain_m)
