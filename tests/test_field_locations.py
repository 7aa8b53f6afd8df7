"""Where a fact's fields were stated (engine/model/design.py ``FieldLocations``): ``Fact.locate`` finds a field of a
fact whose fields are not listed yet without listing them, at the place the listed fields give."""

from __future__ import annotations

import os

import pytest

from engine.loader import load_design
from engine.model.design import Design, FieldLocations
from tests.conftest import ROOT

DESIGNS = ["facts/shop", "facts/ledger", "benchmarks/realworld/systems/eshop-on-containers/raw",
           "benchmarks/realworld/systems/sock-shop/design"]


def _probes(design: Design) -> list[tuple[str, str]]:
    """Every field each fact states, each with a part below it that is not stated, and paths not stated at all."""
    out: list[tuple[str, str]] = []
    for fact in design.facts:
        names = list(fact.fields) if type(fact.fields) is FieldLocations else []
        for name in names:
            out += [(fact.key, name), (fact.key, f"{name}.nothing"), (fact.key, f"{name}.")]
        out += [(fact.key, "nothing"), (fact.key, "nothing.below"), (fact.key, ".name")]
    return out


@pytest.mark.parametrize("path", DESIGNS)
def test_a_field_is_located_where_the_listed_fields_place_it(path: str) -> None:
    listed = load_design([os.path.join(ROOT, path)])
    probes = _probes(listed)  # lists every fact's fields
    assert len(probes) > 100
    want = {(key, name): listed.by_key()[key].locate(name) for key, name in probes}
    fresh = load_design([os.path.join(ROOT, path)])
    facts = fresh.by_key()
    got = {(key, name): facts[key].locate(name) for key, name in probes}
    assert got == want
    unlisted = [f for f in fresh.facts if type(f.fields) is FieldLocations and f.fields._at is None]
    assert unlisted, "every fact's fields were listed: the lookup without listing was not exercised"
