"""Severity context rules (``adjust``): the join to the risk's subject holds, and their examples run."""

from __future__ import annotations

import os
from typing import Any

from engine.compiler import compile_kb
from engine.importers import import_paths
from engine.loader import load_documents
from engine.model.ruledata import Example
from engine.review import review, review_design
from engine.ruleload import load_rules
from engine.ruletest import Case, run_case
from engine.source import Document
from tests.helpers import rule_yaml, write_yaml

RISK_RULE = rule_yaml("unmetered", [{"as": "svc", "kind": "service", "where": {"metrics": False}}])
DS_RISK_RULE = rule_yaml("public-store", [{"as": "ds", "kind": "datastore", "where": {"public_access": True}}],
                         category="security")
# possible x severe: high, and a severe impact may be raised to critical by context (the ceiling allows it)
DS_RISK_RULE["risk"].update(likelihood="possible", impact="severe")
CONTEXT_RULE = {
    "id": "pii-context", "title": "Context rule under test", "category": "security", "phase": 2,
    "summary": "Raises risks on pii datastores.", "rationale": "Tests need rules whose behaviour they control.",
    "references": ["test"],
    "when": [{"as": "r", "kind": "risk"},
             {"as": "ds", "kind": "datastore", "join": {"key": "r.subject"},
              "where": {"classification": {"in": ["pii", "pci"]}}}],
    "adjust": {"risk": "r", "by": 1, "reason": "{ds.name} holds personal data"},
}
DESIGN = {
    "services": [{"name": "web", "metrics": False}],
    "datastores": [{"name": "users-db", "classification": "pii", "public_access": True},
                   {"name": "assets", "classification": "public", "public_access": True}],
}


def _kb(tmp: str) -> Any:
    for r in (RISK_RULE, DS_RISK_RULE, CONTEXT_RULE):
        write_yaml(tmp, f"{r['category']}/{r['id']}.yaml", r)
    return compile_kb(load_rules([tmp]))


def _adjusted(rv: Any) -> dict[str, list[str]]:
    return {f.subject: [a.rule for a in f.adjustments] for f in rv.findings if f.kind == "risk"}


def test_context_rule_with_in_operator_adjusts_only_the_joined_subject(tmp_path: os.PathLike[str]) -> None:
    # Regression: durable_rules ignored a join placed after an '$or' ('in'), so this context rule raised
    # every risk in any design that had one pii datastore.
    rv = review_design(load_documents([Document("mem.yaml", {"source": "api", **DESIGN})]), _kb(str(tmp_path)))
    assert _adjusted(rv) == {"service:web": [], "datastore:users-db": ["pii-context"], "datastore:assets": []}
    raised = next(f for f in rv.findings if f.subject == "datastore:users-db")
    assert raised.severity.rank == raised.base_severity.rank + 1


def _case(name: str, expect: str, subjects: list[str] | None) -> Case:
    ex = Example(name=name, expect=expect, design=DESIGN, subjects=subjects)  # type: ignore[arg-type]
    return Case("pii-context", ex, Document("mem.yaml", {}), ())


def test_adjust_only_rule_fires_on_the_subjects_of_the_risks_it_adjusted(tmp_path: os.PathLike[str]) -> None:
    kb = _kb(str(tmp_path))
    assert run_case(kb, _case("raised", "fire", ["datastore:users-db"])).ok
    wrong = run_case(kb, _case("wrong-subject", "fire", ["datastore:assets"]))
    assert not wrong.ok and "datastore:users-db" in wrong.detail
    assert not run_case(kb, _case("claims-pass", "pass", None)).ok


COMPOSE = """services:
  web:
    image: example/web:1.0
    ports: ["8080:8080"]
    environment:
      DB_URL: postgres://db:5432/app
      DB_PASSWORD: hunter2
  db:
    image: postgres:16
"""


def _imported_risks(tmp: str, name: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    os.makedirs(tmp)
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(COMPOSE)
    rv = review([], extra=import_paths("compose", [path]))
    return {(f.rule, f.subject): (str(f.severity), [a.rule for a in f.adjustments])
            for f in rv.findings if f.kind == "risk"}


def test_a_port_published_by_a_development_compose_file_ranks_below_production(
        tmp_path: os.PathLike[str]) -> None:
    # The case: a port published on a development compose file came out critical.
    dev = _imported_risks(os.path.join(str(tmp_path), "dev"), "docker-compose.dev.yml")
    prod = _imported_risks(os.path.join(str(tmp_path), "prod"), "docker-compose.yml")
    # a development compose file runs no system of record: only the production one is told its database has no backups
    assert prod.pop(("system-of-record-without-backups", "datastore:db"))
    assert dev.keys() == prod.keys() and ("secrets-in-code-image-or-repo", "service:web") in dev
    rank = ["low", "medium", "high", "critical"]
    assert all(sev != "critical" for sev, _adj in [*dev.values(), *prod.values()])
    assert all(rank.index(dev[k][0]) <= rank.index(prod[k][0]) for k in dev)
    assert dev[("secrets-in-code-image-or-repo", "service:web")][0] == "medium"
    assert prod[("secrets-in-code-image-or-repo", "service:web")][0] == "high"
    assert all("context-development-environment-lowers-severity" in adj for _sev, adj in dev.values())
    # Host-published, not internet-facing: the request path is raised and then lowered back.
    assert "context-host-published-service-lowers-severity" in prod[("secrets-in-code-image-or-repo", "service:web")][1]
