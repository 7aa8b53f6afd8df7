"""The JSON Schemas ``archplan schema`` exports, and the editor modeline that points a YAML file at one.

The descriptions in both schemas are the models' attribute docstrings (engine/model/schema.py, engine/model/rule.py):
the schema, editor hovers and ``archplan rules docs`` share one text.

Editors running yaml-language-server (VS Code's YAML extension, Neovim, Helix ...) read a first-line
comment ``# yaml-language-server: $schema=PATH``, with PATH relative to the YAML file. The schemas are
files the user writes with ``archplan schema -o`` (no web address is involved), under the documented
default names below, in the directory archplan is run from (the project root). A schema file cannot live
inside a design directory: every ``.json`` file there is read as a design file.
"""

from __future__ import annotations

import os
from typing import Any

DESIGN_SCHEMA_FILE = "design.schema.json"
"""Default file name of the design schema: ``archplan schema -o design.schema.json``."""
RULE_SCHEMA_FILE = "rule.schema.json"
"""Default file name of the rule schema: ``archplan schema --rules -o rule.schema.json``."""

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def design_schema() -> dict[str, Any]:
    """The JSON Schema of a design file."""
    from engine.model.schema import DesignFile, attach_docstrings  # the section models: not a check's

    attach_docstrings(DesignFile)
    data = DesignFile.model_json_schema(by_alias=True)
    data["$schema"] = _DRAFT
    data["$id"] = "https://archplan.dev/schema/design-v1.json"
    return data


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file (its structure; the loader checks kinds, fields and templates too)."""
    from engine.model.rule import Rule  # the rule file's models: not a check's
    from engine.model.schema import attach_docstrings

    attach_docstrings(Rule)
    data = Rule.model_json_schema(by_alias=True)
    data["$schema"] = _DRAFT
    data["$id"] = "https://archplan.dev/schema/rule-v1.json"
    return data


def modeline(yaml_path: str | None, schema_file: str) -> str:
    """The yaml-language-server comment pointing ``yaml_path`` at ``schema_file`` in the working directory.

    The path is relative to the YAML file's directory, as yaml-language-server resolves it, with ``/``
    separators. Written to stdout (``yaml_path`` None or ``-``), the file is taken to be saved in the
    working directory.
    """
    target = schema_file
    if yaml_path not in (None, "-"):
        here = os.path.dirname(os.path.abspath(yaml_path))
        try:
            target = os.path.relpath(os.path.abspath(schema_file), here)
        except ValueError:  # another drive (Windows): no relative path exists
            target = os.path.abspath(schema_file)
    return f"# yaml-language-server: $schema={target.replace(os.sep, '/')}"


# --- the schemas the design agents write to --------------------------------------------------------

STRICT_DROPPED: tuple[str, ...] = (
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format",
    "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains", "unevaluatedItems",
    "minProperties", "maxProperties", "patternProperties", "propertyNames", "unevaluatedProperties",
    "default", "examples", "title", "$id", "$schema",
)
"""Keywords ``--strict`` leaves out: those the strict structured-output modes reject, or may.

The list is the union of what OpenAI's Structured Outputs (``strict: true``; guide "Structured Outputs",
section "Supported schemas": string, number, array and object constraints not supported in strict mode,
every property required, ``additionalProperties: false`` on every object) and Anthropic's structured
outputs (no numeric or string-length constraints) document as unsupported; ``default``, ``examples``
and ``title`` carry nothing a model needs; ``oneOf``/``allOf``/``const`` are rewritten as ``anyOf``/
``enum``. The loader checks what is dropped (ranges, name patterns) when the document is read."""

AGENT_SECTIONS_EXCLUDED = frozenset({"waivers"})
"""Sections no agent schema has: waivers are the reviewers' (the review gate reads them)."""


def _identity_fields(model: Any) -> list[str]:
    """The keys that identify an entry, so that another agent's fields on it merge: required ones and name."""
    names = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
    return (["name"] if "name" in model.model_fields else []) + [n for n in names if n != "name"]


def _reachable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with only the ``$defs`` it refers to (transitively)."""
    defs = schema.get("$defs", {})
    keep: set[str] = set()
    stack: list[Any] = [{k: v for k, v in schema.items() if k != "$defs"}]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in keep:
                    keep.add(name)
                    stack.append(defs.get(name))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    out = {k: v for k, v in schema.items() if k != "$defs"}
    if keep:
        out["$defs"] = {k: defs[k] for k in sorted(keep)}
    return out


def agent_schema(agent: str) -> dict[str, Any]:
    """The JSON Schema of the part of a design file that ``agent`` owns (``source:`` fixed to it).

    Ownership is the one questions are routed by (``engine.model.kinds.owner``): a kind's sections
    belong to one agent, and some fields of other kinds (authentication, transport security) to the
    security agent. An agent's entry of another agent's kind holds the entry's identifying keys and the
    fields it owns; the loader merges the two entries by those keys.
    """
    import copy

    from engine.model import AGENTS, SECTIONS
    from engine.model.kinds import FIELD_AGENT, KIND_AGENT

    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}")
    data = copy.deepcopy(design_schema())
    defs = data["$defs"]
    props = data["properties"]
    props["source"] = {"const": agent, "description": props["source"].get("description", ""), "type": "string"}
    for section in AGENT_SECTIONS_EXCLUDED:
        props.pop(section, None)
    for section, (kind, model, is_list) in SECTIONS.items():
        def_name = model.__name__
        prop = props[section]
        owned_here = {f for (k, f), a in FIELD_AGENT.items() if k == kind and a == agent}
        owned_elsewhere = {f for (k, f), a in FIELD_AGENT.items() if k == kind and a != agent}
        if KIND_AGENT[kind] == agent:
            body = defs[def_name]
            for f in owned_elsewhere:
                body["properties"].pop(f, None)
            continue
        if not owned_here:
            del props[section]
            continue
        full = defs[def_name]
        keys = _identity_fields(model)
        part_name = f"{def_name}_{agent}"
        defs[part_name] = {
            "additionalProperties": False,
            "description": f"The {agent} agent's fields of {'an' if kind[0] in 'aeio' else 'a'} {kind} "
                           f"(the entry is identified by {', '.join(keys)}, as the owning agent states it).",
            "properties": {k: full["properties"][k] for k in keys + sorted(owned_here) if k in full["properties"]},
            "required": [k for k in full.get("required", []) if k in keys],
            "type": "object",
        }
        ref = {"$ref": f"#/$defs/{part_name}"}
        if is_list:
            prop["items"] = ref
        else:
            props[section] = {"anyOf": [ref, {"type": "null"}], "default": None,
                              "description": prop.get("description", "")}
    data["$id"] = f"https://archplan.dev/schema/design-v1-{agent}.json"
    data["title"] = f"DesignFile_{agent}"
    return _reachable(data)


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as strict structured-output modes accept it: every property required (an unknown value
    written as ``null``), ``additionalProperties: false`` on every object, no keyword of ``STRICT_DROPPED``.

    A field that is optional in the design format was already nullable; a list section that may be
    left out is required, as an empty list when the agent has nothing for it.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return {"$ref": node["$ref"]}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in STRICT_DROPPED:
                continue
            if key in ("properties", "$defs"):
                out[key] = {k: convert(v) for k, v in value.items()}
            elif key == "const":
                out["enum"] = [value]
            elif key == "oneOf":
                out["anyOf"] = convert(value)
            elif key == "allOf" and len(value) == 1:
                out.update(convert(value[0]))
            else:
                out[key] = convert(value)
        if "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out

    result: dict[str, Any] = convert(schema)
    return result
