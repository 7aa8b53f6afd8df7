"""Pure data, no I/O: the design schema, facts and designs, rules and knowledge bases, findings.

Every layer of archplan may import this package (and only ``engine.errors``, ``engine.budget``,
``engine.neutral`` and ``engine.dialect`` sit below it). Its modules:

- ``base``: the closed sets (severity, category, phase, agent), the sections and kinds of facts and ``FieldSpec``,
  without pydantic: what a check reads;
- ``schema``: the design file's pydantic models and the field schema of every fact kind the rules can match;
- ``kinds``: one home for fact kinds, their sections, their agents and how a fact is identified;
- ``plain``: a fact model's checks as one validator giving the data the loader keeps (no model instance built);
- ``msgcheck``: a kept core schema (``plain``'s, ``ruledata``'s) run by msgspec, without pydantic-core, falling back
  to pydantic-core for whatever it refuses;
- ``document``: a parsed file with the position of every key (``Document``), and the bounds on reading;
- ``design``: ``Fact``, ``Design`` and ``LoadWarning``, what the loader produces;
- ``rule``: the rule file's pydantic models, what validates a rule file read from disk;
- ``ruledata``: the rules as the runtime reads them, without pydantic (``Rule``, ``LoadedRule``,
  ``KnowledgeBase``), and what the rule language means (the risk matrix, the operators);
- ``finding``: ``Finding``, ``Evidence``, ``MitigationItem``, what a review produces.

The names below are the ones the rest of archplan reads; each module holds more.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.model.base import (
        AGENTS,
        ASSUMED_KEY,
        BASE_KINDS,
        NAME_KEYED_KINDS,
        SEVERITY_BY_RANK,
        SINGLETON_KINDS,
        UNKNOWN_BECAUSE,
        Category,
        FieldSpec,
        Phase,
        Severity,
        singleton_key,
    )
    from engine.model.design import Design, Fact, LoadWarning
    from engine.model.document import Document
    from engine.model.finding import Evidence, Finding, MitigationItem
    from engine.model.ruledata import KnowledgeBase, LoadedRule, Rule
    from engine.model.schema import COMPUTED_FIELDS, GRAPH_KINDS, SECTIONS, DesignFile, field_description, kind_fields

_HOMES = {
    "Design": "design", "Fact": "design", "LoadWarning": "design", "Document": "document",
    "Evidence": "finding", "Finding": "finding", "MitigationItem": "finding",
    "KnowledgeBase": "ruledata", "LoadedRule": "ruledata", "Rule": "ruledata", "COMPUTED_FIELDS": "schema",
    "GRAPH_KINDS": "schema", "SECTIONS": "schema", "DesignFile": "schema", "field_description": "schema",
    "kind_fields": "schema",
}
"""Where each name lives (``base`` otherwise): imported on first use, so that a module reading one light
model (``document``'s ``Limits`` for the command line's defaults) does not import pydantic and every model."""


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'engine.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.model.{_HOMES.get(name, 'base')}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AGENTS",
    "ASSUMED_KEY",
    "BASE_KINDS",
    "COMPUTED_FIELDS",
    "GRAPH_KINDS",
    "NAME_KEYED_KINDS",
    "SECTIONS",
    "SEVERITY_BY_RANK",
    "SINGLETON_KINDS",
    "UNKNOWN_BECAUSE",
    "Category",
    "Design",
    "DesignFile",
    "Document",
    "Evidence",
    "Fact",
    "FieldSpec",
    "Finding",
    "KnowledgeBase",
    "LoadWarning",
    "LoadedRule",
    "MitigationItem",
    "Phase",
    "Rule",
    "Severity",
    "field_description",
    "kind_fields",
    "singleton_key",
]
