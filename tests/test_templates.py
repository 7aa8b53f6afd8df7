"""Message templates: ``{alias.field}`` filled by plain substitution, ``{{``/``}}`` literal braces, nothing evaluated.
A rule's consequence splits each template once (``filler``); what it writes must be what the template's parts,
walked one by one, write."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.consequence import _parse_template, derived_key, filler, render
from engine.model.finding import show_value

BINDINGS: dict[str, dict[str, Any]] = {
    "svc": {"key": "service:orders", "name": "orders", "replicas": 3, "public": True, "ratio": 0.5,
            "tags": ["a", "b"], "owner": None, "deploy": {"strategy": "rolling", "limits": {"cpu": "2"}}},
    "db": {"key": "datastore:main", "name": "main"},
}


def test_fields_are_shown_as_prose() -> None:
    assert render("{svc.name} x{svc.replicas} {svc.public} {svc.ratio} [{svc.tags}]", BINDINGS) == \
        "orders x3 true 0.5 [a, b]"
    assert render("{svc.owner} {svc.nothing} {ghost.name}", BINDINGS) == "unknown unknown unknown"
    assert render("{svc.deploy.strategy} {svc.deploy.limits.cpu} {svc.name.deeper}", BINDINGS) == \
        "rolling 2 unknown"


def test_doubled_braces_are_literal_and_nothing_is_evaluated() -> None:
    assert render("{{svc.name}} is {svc.name}", BINDINGS) == "{svc.name} is orders"
    assert render("a }} b {{", BINDINGS) == "a } b {"
    assert render("{svc.__class__} {svc.name.__len__}", BINDINGS) == "unknown unknown"


TEXT = st.text(alphabet="ab {}.", max_size=12)
REF = st.sampled_from(["{svc.name}", "{svc.replicas}", "{svc.tags}", "{svc.deploy.strategy}", "{db.key}",
                       "{ghost.x}", "{svc.owner}", "{{", "}}"])


def _walked(template: str, bindings: dict[str, Any]) -> str:
    """The template's parts filled one by one: text as it is, each reference looked up field by field."""
    out: list[str] = []
    for part in _parse_template(template):
        if isinstance(part, str):
            out.append(part)
            continue
        node: Any = bindings.get(part[0])
        for name in part[1]:
            node = node.get(name) if isinstance(node, dict) else None
        out.append(show_value(node))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, REF), max_size=8))
def test_a_template_split_once_fills_as_its_parts_walked_do(pieces: list[str]) -> None:
    template = "".join(pieces)
    fill = filler(template)
    assert fill(BINDINGS) == _walked(template, BINDINGS) == render(template, BINDINGS)
    assert fill({}) == _walked(template, {})


def test_a_plain_template_is_its_own_text() -> None:
    assert filler("build")({}) == "build"
    assert filler("")(BINDINGS) == ""
    assert filler("a {{b}}")(BINDINGS) == "a {b}"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), st.one_of(st.text(max_size=8), st.integers(), st.booleans(),
                                                     st.none(), st.lists(st.text(max_size=3), max_size=3)),
                       max_size=6))
def test_a_derived_fact_key_is_the_hash_of_its_sorted_json(fields: dict[str, Any]) -> None:
    """The key is part of every report that names a derived fact: the same fields give the same key, release
    after release (``json.dumps(..., sort_keys=True)``, hashed)."""
    expected = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]
    assert derived_key("plan_item", fields) == f"plan_item:{expected}"
    assert derived_key("plan_item", dict(reversed(list(fields.items())))) == f"plan_item:{expected}"
