"""Computed fields the security and operability rules match: SLO coverage, trace span, classified targets."""

from __future__ import annotations

from typing import Any

from engine.enrich import enrich
from engine.loader import load_documents
from engine.source import Document


def _facts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    design = load_documents([Document("mem.yaml", {"source": "api", **body})])
    return {f.key: dict(f.data) for f in enrich(design).facts}


CHAIN = {
    "services": [{"name": "gateway"}, {"name": "checkout"}, {"name": "inventory"}, {"name": "mailer"}],
    "datastores": [{"name": "orders-db", "classification": "pii", "writers": ["checkout"]}, {"name": "cache"}],
    "channels": [{"name": "mail", "carries_classification": "internal"}],
    "endpoints": [{"method": "POST", "path": "/v1/checkout", "served_by": "gateway", "exposure": "public"},
                  {"method": "GET", "path": "/v1/ping", "served_by": "mailer", "exposure": "public"}],
    "interactions": [
        {"from": "gateway", "to": "checkout", "style": "sync"},
        {"from": "checkout", "to": "inventory", "style": "sync"},
        {"from": "checkout", "to": "orders-db", "style": "sync"},
        {"from": "checkout", "to": "cache", "style": "sync"},
        {"from": "checkout", "to": "mail", "style": "async"},
    ],
}


def test_trace_span_counts_services_of_the_largest_public_call_tree() -> None:
    facts = _facts(CHAIN)
    assert [facts[f"service:{s}"].get("trace_path_services") for s in ("gateway", "checkout", "inventory")] == [3, 3, 3]
    assert facts["service:mailer"]["trace_path_services"] == 1  # its own public endpoint, no calls


def test_target_classified_is_known_only_when_the_target_says() -> None:
    facts = _facts(CHAIN)
    assert facts["interaction:checkout->orders-db"]["target_classified"] is True
    assert facts["interaction:checkout->mail"]["target_classified"] is False
    assert "target_classified" not in facts["interaction:checkout->cache"]  # classification unknown
    assert facts["interaction:gateway->checkout"]["target_classified"] is True  # checkout writes pii


def test_slo_coverage_by_endpoint_name_or_serving_service_and_unknown_without_slos() -> None:
    with_slos = _facts({**CHAIN, "observability": {"slos": [{"name": "s", "target": "mailer", "availability": 0.99}]}})
    assert with_slos["endpoint:GET /v1/ping"]["slo_defined"] is True
    assert with_slos["endpoint:POST /v1/checkout"]["slo_defined"] is False
    assert with_slos["observability:observability"]["slo_count"] == 1
    assert "slo_defined" not in _facts(CHAIN)["endpoint:POST /v1/checkout"]


def test_metered_and_traced_services_count_only_services_stating_true() -> None:
    obs = _facts({"services": [{"name": "a", "metrics": True, "tracing": False}, {"name": "b", "metrics": False},
                               {"name": "c", "tracing": True}, {"name": "d"}],
                  "observability": {"metrics": False}})["observability:observability"]
    assert (obs["metered_services"], obs["traced_services"]) == (1, 1)
    none = _facts({"services": [{"name": "a", "metrics": False}], "observability": {}})["observability:observability"]
    assert (none["metered_services"], none["traced_services"]) == (0, 0)


def test_compliance_count_distinguishes_empty_scope_from_unknown() -> None:
    assert _facts({"security": {"compliance": []}})["security:security"]["compliance_count"] == 0
    assert "compliance_count" not in _facts({"security": {"waf": True}})["security:security"]
