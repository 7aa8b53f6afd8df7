"""The schemas design agents write to: one per agent, and the strict variant structured-output modes accept."""

from __future__ import annotations

import os
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.loader import discover, load_documents, read_design_file
from engine.model import AGENTS, SECTIONS
from engine.model.kinds import owner
from engine.schema import STRICT_DROPPED, agent_schema, design_schema, strict_schema
from engine.source import Document
from tests.conftest import ROOT

FACTS = os.path.join(ROOT, "facts")
DESIGNS = sorted(os.path.join(FACTS, d) for d in os.listdir(FACTS) if os.path.isdir(os.path.join(FACTS, d)))
SCHEMAS = {"design": design_schema(), **{a: agent_schema(a) for a in AGENTS}}


def _objects(node: Any, in_props: bool = False) -> Any:
    """Every schema node (the values of ``properties`` and ``$defs`` maps, not the maps themselves)."""
    if isinstance(node, dict):
        if not in_props:
            yield node
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from _objects(sub)
            elif key not in ("enum", "required"):
                yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_strict_schema_is_valid_and_within_the_strict_subset(name: str) -> None:
    strict = strict_schema(SCHEMAS[name])
    jsonschema.Draft202012Validator.check_schema(strict)
    for node in _objects(strict):
        assert not set(node) & set(STRICT_DROPPED), sorted(set(node) & set(STRICT_DROPPED))
        assert not {"oneOf", "allOf", "const", "not", "if"} & set(node)
        if "$ref" in node:
            assert set(node) == {"$ref"}
        if "properties" in node:
            assert node["additionalProperties"] is False
            assert sorted(node["required"]) == sorted(node["properties"])
    assert strict["type"] == "object" and "anyOf" not in strict  # the root is an object, as strict modes require


@pytest.mark.parametrize("agent", AGENTS)
def test_agent_schema_holds_only_what_the_agent_owns(agent: str) -> None:
    schema = agent_schema(agent)
    assert schema["properties"]["source"]["const"] == agent
    jsonschema.Draft202012Validator.check_schema(schema)
    for section, (kind, model, _is_list) in SECTIONS.items():
        fields = [f.alias or n for n, f in model.model_fields.items()]
        owns = [f for f in fields if owner(kind, f) == agent]
        assert (section in schema["properties"]) == bool(owns), section
    assert "waivers" not in schema["properties"]
    if agent == "security":
        part = schema["$defs"]["Interaction_security"]["properties"]
        assert {"from", "to", "tls", "mtls", "auth"} <= set(part) and "timeout_ms" not in part
    if agent == "api":
        assert "tls" not in schema["$defs"]["Interaction"]["properties"]


def _fill(data: Any, schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """``data`` as a strict-mode agent writes it: every property present, unknown as null."""
    if "$ref" in node:
        return _fill(data, schema, schema["$defs"][node["$ref"].removeprefix("#/$defs/")])
    if "anyOf" in node and data is not None:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        for option in options:
            target = schema["$defs"][option["$ref"].removeprefix("#/$defs/")] if "$ref" in option else option
            if (target.get("type") == "object") == isinstance(data, dict):
                return _fill(data, schema, option)
        return data
    if isinstance(data, dict) and "properties" in node:
        out = {}
        for key, sub in node["properties"].items():
            if key in data:
                out[key] = _fill(data[key], schema, sub)
            elif sub.get("type") == "array":
                out[key] = []
            elif len(sub.get("enum", ())) == 1:  # version: 1
                out[key] = sub["enum"][0]
            else:
                out[key] = None
        return out
    if isinstance(data, list) and "items" in node:
        return [_fill(x, schema, node["items"]) for x in data]
    return data


def _strict_documents(docs: list[Document], schema: dict[str, Any]) -> list[Document]:
    out = []
    for doc in docs:
        data = _fill(doc.data, schema, schema)
        jsonschema.validate(data, schema)
        out.append(Document(doc.file, data, {(): (1, 1)}))
    return out


def _facts(docs: list[Document]) -> list[tuple[str, str, Any]]:
    return [(f.kind, f.key, dict(f.data)) for f in load_documents(docs).facts]


def _documents(path: str) -> list[Document]:
    return [d for f in discover([path]) for d in read_design_file(f)]


@pytest.mark.parametrize("design", DESIGNS, ids=[os.path.basename(d) for d in DESIGNS])
def test_strict_document_loads_exactly_as_the_ordinary_design(design: str) -> None:
    docs = _documents(design)
    strict = strict_schema(design_schema())
    written = _strict_documents(docs, strict)
    assert any(None in d.data.get("services", [{}])[0].values() for d in written if d.data.get("services"))
    assert _facts(written) == _facts(docs)
    assert [f.agents for f in load_documents(written).facts] == [f.agents for f in load_documents(docs).facts]


def _stated_name(fact: Any) -> bool:
    default = (f"{fact.data['from']}->{fact.data['to']}" if fact.kind == "interaction"
               else f"{fact.data['method']} {fact.data['path']}")
    return bool(fact.name != default)


def _split_by_agent(path: str) -> dict[str, dict[str, Any]]:
    """The design's facts re-written as four agent documents, each field with the agent that owns it."""
    out: dict[str, dict[str, Any]] = {a: {"source": a} for a in AGENTS}
    section_of = {kind: (section, is_list, model) for section, (kind, model, is_list) in SECTIONS.items()}
    for fact in load_documents(_documents(path)).facts:
        section, is_list, model = section_of[fact.kind]
        keys = ["name"] + [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
        parts: dict[str, dict[str, Any]] = {}
        for key, value in fact.data.items():
            if key in keys:
                continue
            parts.setdefault(owner(fact.kind, key), {})[key] = value
        for agent, fields in parts.items():
            entry = {k: fact.data[k] for k in keys if k in fact.data} | fields
            if fact.kind in ("interaction", "endpoint") and entry["name"] == fact.name and not _stated_name(fact):
                del entry["name"]  # the loader's default (from->to, METHOD path), not a name one can write
            if is_list:
                out[agent].setdefault(section, []).append(entry)
            else:
                out[agent][section] = entry
    return out


@pytest.mark.parametrize("design", DESIGNS, ids=[os.path.basename(d) for d in DESIGNS])
def test_agent_strict_documents_load_as_the_design(design: str) -> None:
    docs = []
    for agent, data in _split_by_agent(design).items():
        schema = strict_schema(agent_schema(agent))
        filled = _fill(data, schema, schema)
        jsonschema.validate(filled, schema)  # each agent's part fits its own strict schema
        docs.append(Document(f"{agent}.json", filled, {(): (1, 1)}))
    assert _facts(docs) == _facts(_documents(design))


def test_schema_command_writes_agent_and_strict_schemas() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["schema", "--agent", "security", "--strict"])
    assert result.exit_code == 0, result.output
    assert '"Interaction_security"' in result.output and '"minimum"' not in result.output
    bad = runner.invoke(main, ["schema", "--rules", "--strict"])
    assert bad.exit_code == 2 and "--rules" in bad.output
