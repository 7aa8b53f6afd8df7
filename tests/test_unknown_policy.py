"""The unknown policy (rules/README.md, section 4): no rule is silent when a field it needs is unknown.

For each risk rule, each design field its positive patterns test is left out of the rule's own ``fire``
example; the rule must then fire on an assumed basis or report the gap, unless the rule says under
``silent_when_unknown`` why it stays silent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from engine.errors import RuleError
from engine.review import load_kb
from engine.ruletest import check_unknown_policy
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml

KB = load_kb()
CHECKED, SILENT = check_unknown_policy(KB)


@pytest.mark.parametrize("rule", sorted(KB.source), ids=sorted(KB.source))
def test_rule_is_not_silent_when_a_field_it_needs_is_unknown(rule: str) -> None:
    problems = [f"{s.ref}: {s.detail}" for s in SILENT if s.rule == rule]
    assert not problems, "\n".join(problems)


def test_policy_covers_the_fields_rules_read() -> None:
    assert CHECKED >= 150  # the check ran over the knowledge base, not over nothing


def _pack(tmp_path: Path, **extra: Any) -> str:
    design = {"services": [{"name": "a"}, {"name": "b"}],
              "interactions": [{"from": "a", "to": "b", "circuit_breaker": False}]}
    write_yaml(str(tmp_path), "pack/resilience/team-call-without-breaker.yaml", rule_yaml(
        "team-call-without-breaker",
        [{"as": "call", "kind": "interaction", "where": {"target_kind": "service", "circuit_breaker": False}}],
        examples=[{"name": "no-breaker", "expect": "fire", "design": design},
                  {"name": "breaker", "expect": "pass", "design": {**design, "interactions": [
                      {"from": "a", "to": "b", "circuit_breaker": True}]}}], **extra))
    return str(tmp_path / "pack")


def test_silent_rule_in_a_team_pack_is_reported_with_what_to_add(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    _checked, silent = check_unknown_policy(load_kb([pack]), [pack])
    assert [(s.rule, s.ref) for s in silent] == [("team-call-without-breaker", "call.circuit_breaker")]
    assert "'assume: {call.circuit_breaker:" in silent[0].detail
    assert "'gaps: [call.circuit_breaker]'" in silent[0].detail


@pytest.mark.parametrize("policy", [{"assume": {"call.circuit_breaker": False}}, {"gaps": ["call.circuit_breaker"]},
                                    {"silent_when_unknown": {"call.circuit_breaker": "a reason long enough to read"}}],
                         ids=["assume", "gap", "documented"])
def test_assume_gap_or_documented_reason_satisfies_the_check(tmp_path: Path, policy: dict[str, Any]) -> None:
    pack = _pack(tmp_path, **policy)
    checked, silent = check_unknown_policy(load_kb([pack]), [pack])
    assert silent == [] and checked == (0 if "silent_when_unknown" in policy else 1)


def test_assumed_value_must_pass_the_fields_test(tmp_path: Path) -> None:
    pack = _pack(tmp_path, assume={"call.circuit_breaker": True})
    with pytest.raises(RuleError, match="does not pass the test"):
        load_kb([pack])


def _guide_tables() -> str:
    with open(os.path.join(ROOT, "rules", "README.md"), encoding="utf-8") as fh:
        guide = fh.read()
    return guide[guide.index("### The unknown policy, field by field"):guide.index("## 5. The consequence")]


@pytest.mark.parametrize("rule", sorted(KB.source), ids=sorted(KB.source))
def test_guide_tables_show_the_rules_policy(rule: str) -> None:
    """rules/README.md lists each field's policy; a rule's `assume`, `gaps` and `silent_when_unknown` are in it."""
    lr = KB.source[rule]
    if lr.rule.risk is None or not lr.file.startswith(os.path.join(ROOT, "rules")):
        return
    tables = _guide_tables()
    kinds = {p.as_: p.kind for p in lr.rule.when if p.as_}
    lines = tables.splitlines()
    problems = []
    for ref, value in lr.rule.assume.items():
        alias, _, fld = ref.partition(".")
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        row = next((ln for ln in lines if ln.startswith(f"| `{kinds[alias]}.{fld}` | `{shown}` |")), None)
        if row is None or rule not in row:
            problems.append(f"assumed table: a row '| `{kinds[alias]}.{fld}` | `{shown}` | <why> | {rule} |' "
                            "(or the rule added to that row)")
    for ref in lr.rule.gaps:
        alias, _, fld = ref.partition(".")
        row = next((ln for ln in lines if ln.startswith(f"| `{kinds[alias]}` | ")), "")
        if f"`{fld}`" not in row:
            problems.append(f"asked table: `{fld}` in the row of `{kinds[alias]}`")
    for ref in lr.rule.silent_when_unknown:
        alias, _, fld = ref.partition(".")
        row = next((ln for ln in lines if ln.startswith(f"| `{kinds[alias]}.{fld}` | ") and "`" not in ln[
            len(f"| `{kinds[alias]}.{fld}` | "):]), None)
        if row is None or rule not in row:
            problems.append(f"silent table: a row '| `{kinds[alias]}.{fld}` | {rule} |' (or the rule added to it)")
    assert not problems, "rules/README.md, 'The unknown policy, field by field', needs: " + "; ".join(problems)
