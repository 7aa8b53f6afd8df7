"""Every rule's examples and case files, one test each: ``pytest -k <rule-id>`` runs one rule."""

from __future__ import annotations

import pytest

from engine.review import load_kb
from engine.ruletest import Case, collect_cases, run_case

_KB = load_kb()
_CASES = collect_cases(_KB)


@pytest.mark.parametrize("case", _CASES, ids=[c.test_id for c in _CASES])
def test_rule_case(case: Case) -> None:
    result = run_case(_KB, case)
    assert result.ok, f"{case.location}: {result.detail}"
