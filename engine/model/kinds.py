"""One home for what archplan knows about fact kinds: the section each is written under, how one fact of a
kind is identified, and which design agent speaks for it.

The loader (``engine.loader``), every importer (``engine.importers``) and the import summary read these, so
that a fact an importer writes has the key the loader will give it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.model.base import SECTION_MODELS, SINGLETON_KINDS

SECTION_KIND: dict[str, str] = {section: kind for section, (kind, _model, _is_list) in SECTION_MODELS.items()}
"""Section of a design file -> the kind of its facts (``services`` -> ``service``)."""


IDENTIFIED_BY_NAME = frozenset(kind for kind, _model, is_list in SECTION_MODELS.values()
                               if is_list and kind not in ("interaction", "endpoint", "deployment"))
"""Kinds whose facts are identified by their ``name`` alone (``identity``: ``data["name"]``)."""


def identity(kind: str, data: Mapping[str, Any]) -> str:
    """The name that identifies a fact within its kind."""
    if kind in IDENTIFIED_BY_NAME:
        return str(data["name"])
    if kind in SINGLETON_KINDS:
        return kind  # so that the key is base.singleton_key(kind)
    if kind == "interaction":
        return str(data.get("name") or f"{data['from']}->{data['to']}")
    if kind == "endpoint":
        return str(data.get("name") or f"{data['method']} {data['path']}")
    if kind == "deployment":
        return str(data["service"])
    return str(data["name"])


def is_singleton_section(section: str) -> bool:
    """Whether a design states ``section`` once, as a mapping (``system``, ``security``, ``observability``)."""
    return SECTION_KIND[section] in SINGLETON_KINDS


AGENT_TITLES: dict[str, str] = {"api": "API Architecture", "database": "Database Design",
                                "infrastructure": "Server Infrastructure", "security": "Security & Auth"}
"""``source:`` of a design file -> the agent's name (as ``archplan schema`` describes ``source``)."""

KIND_AGENT: dict[str, str] = {
    "system": "infrastructure", "service": "infrastructure", "interaction": "api", "endpoint": "api",
    "datastore": "database", "channel": "infrastructure", "external": "api", "security": "security",
    "deployment": "infrastructure", "observability": "infrastructure", "workflow": "database",
    "job": "infrastructure", "team": "infrastructure",
}
"""The agent a question about a fact kind goes to, after the agents' remits: API Architecture (endpoints,
contracts, the synchronous calls behind them), Database Design (datastores, the transactions across
them), Server Infrastructure (services, deployment, scaling, queues, observability), Security & Auth."""

FIELD_AGENT: dict[tuple[str, str], str] = {
    ("endpoint", "authn"): "security", ("endpoint", "authz"): "security",
    ("endpoint", "input_validation"): "security", ("endpoint", "tls"): "security",
    ("interaction", "tls"): "security", ("interaction", "auth"): "security", ("interaction", "mtls"): "security",
    ("external", "anti_corruption_layer"): "security", ("interaction", "carries_user_context"): "security",
}
"""Fields owned by another agent than their kind's: authentication, authorisation and transport security."""


def owner(kind: str, field: str) -> str:
    """The agent (``source:`` value) to ask about ``field`` of a ``kind`` fact."""
    return FIELD_AGENT.get((kind, field.split(".", 1)[0]), KIND_AGENT[kind])
