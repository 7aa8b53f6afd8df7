"""Rules are validated against the fact schema when they load: no rule is silently dead."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.errors import ArchplanError
from engine.ruleload import load_rules
from tests.helpers import rule_yaml, write_yaml


def load_errors(tmp: str, body: dict[str, Any], category: str = "resilience") -> list[str]:
    write_yaml(tmp, f"{category}/{body['id']}.yaml", body)
    with pytest.raises(ArchplanError) as info:
        load_rules([tmp])
    return [str(e) for e in info.value.errors]


CALL = {"as": "call", "kind": "interaction", "where": {"style": "sync"}}


@pytest.mark.parametrize(
    ("when", "extra", "expected"),
    [
        ([{"as": "c", "kind": "interactoin"}], {}, "unknown fact kind 'interactoin' (did you mean 'interaction'?)"),
        ([{"as": "c", "kind": "interaction", "where": {"timout_ms": 5}}], {},
         "'interaction' has no field 'timout_ms' (did you mean 'timeout_ms'?)"),
        ([{"as": "c", "kind": "interaction", "where": {"timeout_ms": {"greater": 5}}}], {},
         "unknown operator 'greater'"),
        ([{"as": "c", "kind": "interaction", "where": {"style": "synchronous"}}], {},
         "'synchronous' is never a value of 'style'"),
        ([{"as": "c", "kind": "interaction", "where": {"timeout_ms": "5"}}], {},
         "'5' is not a whole number, the type of 'timeout_ms' (write 5 without quotes)"),
        ([{"as": "e", "kind": "endpoint", "where": {"rps": {"gt": "1e16"}}}], {},
         "'1e16' is not a number, the type of 'rps' (YAML reads 1e16 as text: write 1.0e+16, with a point"),
        ([{"as": "c", "kind": "interaction", "where": {"style": {"lt": 3}}}], {}, "'lt' compares numbers"),
        ([{"as": "c", "kind": "interaction", "where": {"name": {"regex": "a\\d+"}}}], {}, "'regex' takes a plain"),
        ([CALL, {"as": "s", "kind": "service", "join": {"name": "x.to"}}], {},
         "'x' is not bound by an earlier pattern"),
        ([{"as": "s", "kind": "service", "join": {"name": "call.to"}}, CALL], {},
         "patterns join only on patterns above them"),
        ([CALL], {"gaps": ["call.timeout_ms"]}, "gap 'call.timeout_ms' must name a field tested"),
        ([{"as": "s", "kind": "service", "where": {"kind": "gateway"}}], {},
         "'kind' is the fact kind, set by the pattern's 'kind:' (test the component's own kind with 'type')"),
        ([CALL], {"category": "resilence"}, "category: 'resilence' is not allowed; expected 'resilience', 'data'"),
        ([CALL], {"category": "resilence"}, "(did you mean 'resilience'?)"),
        ([CALL], {"phase": 5}, "phase: 5 is not allowed; expected 1, 2, 3 or 4"),
        ([{"as": "C", "kind": "interaction", "where": {"style": "sync"}}], {},
         "'C' is not a valid alias: a lowercase letter, then lowercase letters, digits and _"),
    ],
    ids=["unknown-kind", "unknown-field", "unknown-operator", "bad-enum-value", "wrong-type",
         "exponent-yaml-reads-as-text", "relational-on-text", "unsafe-regex", "unbound-join", "forward-join",
         "gap-not-tested", "component-kind-is-type",
         "category-typo", "category-did-you-mean", "phase-out-of-range", "alias-in-capitals"],
)
def test_invalid_rule_is_a_load_error_with_its_place(tmp_path: os.PathLike[str], when: list[dict[str, Any]],
                                                     extra: dict[str, Any], expected: str) -> None:
    errs = load_errors(str(tmp_path), rule_yaml("bad-rule", when, **extra))
    assert any(expected in e for e in errs), errs
    assert all(":" in e.split(" ")[0] for e in errs)  # every error starts with file:line:column


@pytest.mark.parametrize(
    "template",
    ["{call.__class__}", "{call.to[0]}", "{call.to.__len__()}", "{call}", "{nobody.to}"],
    ids=["dunder", "index", "call", "no-field", "unbound"],
)
def test_templates_only_substitute_bound_fields(tmp_path: os.PathLike[str], template: str) -> None:
    body = rule_yaml("bad-template", [CALL])
    body["risk"]["message"] = f"calls {template} badly"
    errs = load_errors(str(tmp_path), body)
    assert any("template field" in e or "not bound" in e or "has no field" in e for e in errs), errs


def test_rule_id_must_equal_file_stem(tmp_path: os.PathLike[str]) -> None:
    body = rule_yaml("right-name", [CALL])
    write_yaml(str(tmp_path), "resilience/wrong-name.yaml", body)
    with pytest.raises(ArchplanError, match="must equal the file name 'wrong-name'"):
        load_rules([str(tmp_path)])


def test_duplicate_ids_across_packs_name_both_files(tmp_path: os.PathLike[str]) -> None:
    a = os.path.join(str(tmp_path), "a")
    b = os.path.join(str(tmp_path), "b")
    write_yaml(a, "resilience/same-id.yaml", rule_yaml("same-id", [CALL]))
    write_yaml(b, "resilience/same-id.yaml", rule_yaml("same-id", [CALL]))
    with pytest.raises(ArchplanError) as info:
        load_rules([a, b])
    msg = str(info.value)
    assert "duplicate rule id 'same-id'" in msg and os.path.join(a, "resilience", "same-id.yaml") in msg


def test_empty_rules_directory_fails_closed(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ArchplanError, match="a gate with no rules would pass everything"):
        load_rules([str(tmp_path)])


def test_unknown_rule_id_in_disable_list_is_an_error(tmp_path: os.PathLike[str]) -> None:
    write_yaml(str(tmp_path), "resilience/one.yaml", rule_yaml("one", [CALL]))
    with pytest.raises(ArchplanError, match="unknown rule id 'oen' \\(did you mean 'one'\\?\\)"):
        load_rules([str(tmp_path)], disabled=["oen"])


def test_rule_may_not_derive_a_design_kind(tmp_path: os.PathLike[str]) -> None:
    body = rule_yaml("derives-service", [CALL], derive=[{"kind": "service", "fields": {"x": "{call.to}"}}])
    errs = load_errors(str(tmp_path), body)
    assert any("may not derive facts of the design's own kind 'service'" in e for e in errs)


def test_derived_kinds_are_matchable_by_other_rules(tmp_path: os.PathLike[str]) -> None:
    producer = rule_yaml("tags-hot-callee", [CALL], derive=[{"kind": "hot", "fields": {"service": "{call.to}"}}])
    consumer = rule_yaml("uses-hot", [{"as": "h", "kind": "hot", "where": {"service": {"exists": True}}}])
    write_yaml(str(tmp_path), "resilience/tags-hot-callee.yaml", producer)
    write_yaml(str(tmp_path), "resilience/uses-hot.yaml", consumer)
    kb = load_rules([str(tmp_path)])
    assert "service" in kb.kinds["hot"]


def test_a_rule_in_the_wrong_file_is_still_checked_in_the_same_run(tmp_path: os.PathLike[str]) -> None:
    """Its id, its folder and its fields are wrong: one run says all three, not one per round of fixes."""
    body = rule_yaml("named-otherwise", [{"as": "c", "kind": "interaction", "where": {"timout_ms": 5}}],
                     category="security")
    write_yaml(str(tmp_path), "resilience/bad-rule.yaml", body)
    with pytest.raises(ArchplanError) as info:
        load_rules([str(tmp_path)])
    errs = [str(e) for e in info.value.errors]
    assert any("rule id 'named-otherwise' must equal the file name 'bad-rule'" in e for e in errs), errs
    assert any("rule is in folder 'resilience' but its category is 'security'" in e for e in errs), errs
    assert any("'interaction' has no field 'timout_ms'" in e for e in errs), errs
