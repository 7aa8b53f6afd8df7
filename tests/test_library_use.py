"""The library API called many times in one process: no crash, no state carried between runs,
and a bounded cache of knowledge bases whose evicted rulesets are really freed."""

from __future__ import annotations

import os
from typing import Any

from engine import runtime
from engine.compiler import compile_kb
from engine.loader import load_documents
from engine.review import review_design
from engine.ruleload import load_rules
from engine.source import Document
from tests.helpers import rule_yaml, write_yaml


def design_of(body: dict[str, Any]) -> Any:
    return load_documents([Document("mem.yaml", {"source": "api", **body})])


SERVICES_ONLY = {"services": [{"name": "a"}]}
"""No interaction: a ruleset that matches interactions receives no fact at all."""
UNMATCHED_ONLY = {"services": [{"name": "a"}, {"name": "b"}],
                  "interactions": [{"from": "a", "to": "b", "style": "async"}]}
"""Only facts that no pattern matches: durable creates a session but stores nothing."""
MATCHED = {"services": [{"name": "a"}], "externals": [{"name": "psp"}],
           "interactions": [{"from": "a", "to": "psp", "style": "sync", "circuit_breaker": False}]}


def _findings(rv: Any) -> list[dict[str, Any]]:
    return [f.to_json() for f in rv.findings]


def test_runs_that_match_nothing_do_not_break_later_runs(builtin_kb: Any) -> None:
    # Before the fix: a ruleset that got no fact made get_state fail (error 309), and deleting the
    # state of a session that had seen only unmatched facts segfaulted the process on the next run.
    runtime.clear_cache()
    designs = [design_of(SERVICES_ONLY), design_of(UNMATCHED_ONLY), design_of(MATCHED)]
    expected = [_findings(review_design(d, builtin_kb)) for d in designs]
    runtime.clear_cache()
    for order in ([0, 1, 0, 1, 2, 1, 0, 2, 2], [1, 1, 1, 2, 0, 0, 1], [2, 1, 0, 2, 0, 1]):
        for i in order:
            assert _findings(review_design(designs[i], builtin_kb)) == expected[i]


def kb_from(tmp: str, rules: list[dict[str, Any]]) -> Any:
    for r in rules:
        write_yaml(tmp, f"{r['category']}/{r['id']}.yaml", r)
    return compile_kb(load_rules([tmp]))


def test_evicted_sessions_that_only_saw_unmatched_facts_free_cleanly(tmp_path: os.PathLike[str]) -> None:
    kbs = [kb_from(os.path.join(str(tmp_path), str(i)),
                   [rule_yaml(f"rule-{i}", [{"as": "c", "kind": "interaction", "where": {"style": "sync"}}])])
           for i in range(6)]
    design = design_of(UNMATCHED_ONLY)
    for _ in range(3):
        for kb in kbs:
            assert review_design(design, kb).findings == []
    assert len(runtime._cache) <= 4
    runtime.clear_cache()
