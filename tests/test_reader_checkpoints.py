"""The event reader's check points (the bounds on reading checked when the count of values reaches the next one),
facts grouped by kind whatever their order, and the loader's quick ``Location``."""

from __future__ import annotations

from typing import Any

import pytest

from engine import source
from engine.errors import Location
from engine.model.design import Design, new_fact
from engine.source import DEFAULT_LIMITS, Limits


def _values(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    return [d.data for d in source._EventReader("t.yaml", limits, False).documents(text)]


def test_the_budget_is_checked_every_4096_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is asked at the 4,096th value, the 8,192nd…: values, lists and mappings count, keys do not."""
    stages: list[str] = []
    monkeypatch.setattr(source.budget, "check", stages.append)
    reader = source._EventReader("t.yaml", DEFAULT_LIMITS, False)
    items = "".join(f"- {{k: {i}}}\n" for i in range(6000))  # 1 + 6,000 mappings + 6,000 values: 12,001
    docs = reader.documents(items)
    assert len(docs[0].data) == 6000 and docs[0].data[4095] == {"k": 4095}
    assert stages == ["reading t.yaml"] * 2  # at 4,096 and 8,192 (12,288 is not reached)
    stages.clear()
    reader.documents("[" + ", ".join(str(i) for i in range(4095)) + "]\n")  # 4,096 values with the list
    assert stages == ["reading t.yaml"]


@pytest.mark.parametrize(("text", "read"), [
    ("[[[{}]], x]", True),  # an empty mapping at the bound, then a value back up: read
    ("[[[{}, y]], x]", True),
    ("[[[{a: 1}]], x]", False),  # a value past the bound: declined
    ("[[[[]]], x]", True),
    ("[[[[[]]]], x]", False),  # a list past the bound
    ("{a: {b: {c: {}}}, d: 1}", True),
    ("{a: {b: {c: {d: 1}}}, e: 1}", False),
    ("{a: {b: {c: 1}}, d: 1}", True),
    ("{a: {b: {}}, d: {e: 1}, f: [1, 2]}", True),
])
def test_a_value_past_the_nesting_bound_is_declined_one_at_the_bound_is_read(text: str, read: bool) -> None:
    """The depth is checked at the next value after a mapping or list opens past the bound: an empty one at the
    bound, and every value after it closes, is read; the first value past the bound declines (the general reader
    names it)."""
    limits = Limits(max_depth=3)
    try:
        list(source._compose_documents(text, "t.yaml", limits, merge_keys=False, artifact=False))
        general = True
    except source.InputError:
        general = False
    assert general == read
    if read:
        assert _values(text, limits) == _values(text, DEFAULT_LIMITS)
    else:
        with pytest.raises(source._Slow):
            _values(text, limits)


@pytest.mark.parametrize("count", [7, 8, 9])
def test_the_bound_on_values_is_checked_at_each_value(count: int) -> None:
    """The bound on values (8 here: the list and 7 items) declines the 9th value, whichever it is."""
    limits = Limits(max_nodes=8)
    text = "[" + ", ".join("{}" if i % 2 else "x" for i in range(count)) + "]"
    if count < 8:
        assert _values(text, limits) == _values(text)
    else:
        with pytest.raises(source._Slow):
            _values(text, limits)


def test_facts_are_grouped_by_kind_in_their_order_even_unsorted() -> None:
    """``Design.of_kind`` gives a kind's facts in the design's order, also when the kinds come in several runs."""
    loc = Location("d.yaml", 1, 1)
    facts = tuple(new_fact(kind, f"{kind}:{name}", {"name": name}, loc, {}, ("api",))
                  for kind, name in (("service", "b"), ("endpoint", "x"), ("service", "a"), ("service", "c"),
                                     ("endpoint", "w")))
    design = Design(facts, ("d.yaml",))
    assert [f.name for f in design.of_kind("service")] == ["b", "a", "c"]
    assert [f.name for f in design.of_kind("endpoint")] == ["x", "w"]
    assert design.of_kind("channel") == []


def test_the_loaders_quick_location_is_a_location() -> None:
    """``engine.loader._location`` makes what ``Location(...)`` makes: equal, hashed, ordered and shown alike."""
    from engine.loader import _location

    quick, plain = _location("a.yaml", 3, 5), Location("a.yaml", 3, 5)
    assert quick == plain and hash(quick) == hash(plain) and str(quick) == "a.yaml:3:5"
    assert type(quick) is Location and quick < Location("a.yaml", 4, 1) and repr(quick) == repr(plain)
    with pytest.raises(AttributeError):
        quick.line = 4  # type: ignore[misc]  # still frozen


def test_a_plain_scalars_tag_by_its_first_character_is_the_resolvers() -> None:
    """``_plain_tag`` answers without the resolver's expressions for text no implicit type starts with: the same
    tag as ``Resolver.resolve`` for every first character (ASCII, Latin-1 and beyond) and the empty text."""
    import yaml

    resolver = yaml.resolver.Resolver()
    texts = ["", *(chr(c) + rest for c in [*range(0x20, 0x7F), 0xA0, 0xE9, 0x3B1, 0x4E2D]
                   for rest in ("", "1", "rue", "ull", "x-1", "2024-01-02", ".5", "o"))]
    for text in texts:
        assert source._plain_tag(text, (True, False)) == resolver.resolve(yaml.ScalarNode, text, (True, False)), text
    assert source._plain_tag("svc-1", (True, False)) == "tag:yaml.org,2002:str"
    assert source._plain_tag("12", (True, False)) == "tag:yaml.org,2002:int"


def test_an_implicit_type_added_to_the_resolver_later_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first-character table is the resolver's own, read live: a type registered after import is tried."""
    import re

    monkeypatch.setitem(source._RESOLVED_FIRST, "s", [("tag:example,2026:svc", re.compile(r"^svc-\d+$"))])
    assert source._plain_tag("svc-1", (True, False)) == "tag:example,2026:svc"
    assert source._plain_tag("sv", (True, False)) == "tag:yaml.org,2002:str"
