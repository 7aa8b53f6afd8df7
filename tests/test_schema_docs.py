"""The exported JSON Schemas document every field, every closed set's values, and editors can find them."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from engine.cli.main import main
from engine.loader import load_design
from engine.schema import DESIGN_SCHEMA_FILE, RULE_SCHEMA_FILE, modeline
from tests.importer_helpers import fixture

SCHEMAS = {"design": (), "rules": ("--rules",)}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def exported(which: str) -> dict[str, Any]:
    result = run("schema", *SCHEMAS[which])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of the schema and of its $defs, at any depth, as (``Def.field``, its schema)."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                yield f"{where}.{name}", sub
            for key, sub in node.items():
                if key != "properties":
                    yield from walk(sub, where)
                else:
                    for name, prop in sub.items():
                        yield from walk(prop, f"{where}.{name}")
        elif isinstance(node, list):
            for sub in node:
                yield from walk(sub, where)

    yield from walk({k: v for k, v in schema.items() if k != "$defs"}, schema.get("title", "root"))
    for def_name, sub in (schema.get("$defs") or {}).items():
        yield from walk(sub, def_name)


def undescribed(schema: dict[str, Any]) -> list[str]:
    return [where for where, prop in properties(schema) if not str(prop.get("description", "")).strip()]


def enum_values(prop: dict[str, Any], defs: dict[str, Any]) -> list[Any]:
    """The closed set a property takes (through anyOf, items and a $ref to an enum), if any."""
    out: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and "enum" in defs.get(ref.rsplit("/", 1)[-1], {}):
                out.extend(defs[ref.rsplit("/", 1)[-1]]["enum"])
            out.extend(node.get("enum", []))
            for key in ("anyOf", "oneOf", "items"):
                walk(node.get(key))
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(prop)
    return out


def values_without_meaning(schema: dict[str, Any]) -> list[str]:
    """``Def.field: value`` for each value of a closed set whose meaning the description does not give
    on a line of its own, ``- value: meaning``."""
    missing: list[str] = []
    for where, prop in properties(schema):
        description = str(prop.get("description", ""))
        for value in enum_values(prop, schema.get("$defs", {})):
            if not re.search(rf"^- {re.escape(str(value))}: \S", description, re.MULTILINE):
                missing.append(f"{where}: {value}")
    return missing


@pytest.mark.parametrize("which", sorted(SCHEMAS))
def test_every_schema_property_has_a_description(which: str) -> None:
    schema = exported(which)
    assert sum(1 for _ in properties(schema)) > (250 if which == "design" else 40)  # the walk reaches $defs
    assert undescribed(schema) == []


@pytest.mark.parametrize("which", sorted(SCHEMAS))
def test_every_closed_set_gives_the_meaning_of_each_value(which: str) -> None:
    schema = exported(which)
    assert sum(1 for _where, prop in properties(schema) if enum_values(prop, schema.get("$defs", {}))) > 5
    assert values_without_meaning(schema) == []


def test_the_checks_catch_a_field_that_loses_its_description_or_a_value_its_meaning() -> None:
    schema = exported("design")
    broken = copy.deepcopy(schema)
    del broken["$defs"]["Retry"]["properties"]["jitter"]["description"]
    assert undescribed(broken) == ["Retry.jitter"]
    style = broken["$defs"]["Interaction"]["properties"]["style"]
    style["description"] = style["description"].replace("- stream:", "- streams:")
    assert values_without_meaning(broken) == ["Interaction.style: stream"]


def test_fields_whose_form_is_not_obvious_carry_examples() -> None:
    defs = exported("design")["$defs"]
    for def_name, field in [("Interaction", "timeout_ms"), ("Interaction", "to"), ("Endpoint", "path"),
                            ("Waiver", "subject"), ("Waiver", "expires"), ("Job", "schedule")]:
        assert defs[def_name]["properties"][field]["examples"], (def_name, field)


@pytest.mark.parametrize("which", sorted(SCHEMAS))
def test_every_example_is_valid_for_its_field(which: str) -> None:
    schema = exported(which)
    checked = 0
    for where, prop in properties(schema):
        for example in prop.get("examples", []):
            field_schema = {"$defs": schema.get("$defs", {}), **prop}
            assert not list(jsonschema.Draft202012Validator(field_schema).iter_errors(example)), (where, example)
            checked += 1
    assert checked > 10


def test_schema_output_file_holds_what_stdout_shows(tmp_path: os.PathLike[str]) -> None:
    for which, args in SCHEMAS.items():
        out = os.path.join(str(tmp_path), f"{which}.json")
        result = run("schema", *args, "-o", out)
        assert result.exit_code == 0, result.output
        with open(out, encoding="utf-8") as fh:
            assert json.load(fh) == exported(which)


@pytest.mark.parametrize(("yaml_path", "expected"), [
    (None, "design.schema.json"),
    ("-", "design.schema.json"),
    ("api.yaml", "design.schema.json"),
    (os.path.join("design", "api.yaml"), "../design.schema.json"),
    (os.path.join("rules", "data", "x.yaml"), "../../design.schema.json"),
], ids=["stdout", "dash", "here", "design-dir", "two-down"])
def test_modeline_points_at_the_schema_in_the_working_directory_relative_to_the_file(
        yaml_path: str | None, expected: str) -> None:
    assert modeline(yaml_path, DESIGN_SCHEMA_FILE) == f"# yaml-language-server: $schema={expected}"


def test_imported_design_names_the_design_schema_and_still_loads_and_validates(
        tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkdir("design")
    out = os.path.join("design", "infra.yaml")
    assert run("import", "compose", fixture("compose", "shop-compose.yaml"), "-o", out).exit_code == 0
    assert run("schema", "-o", DESIGN_SCHEMA_FILE).exit_code == 0
    with open(out, encoding="utf-8") as fh:
        text = fh.read()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../design.schema.json"
    with open(os.path.join("design", "../design.schema.json"), encoding="utf-8") as fh:  # as the editor resolves it
        validator = jsonschema.Draft202012Validator(json.load(fh))
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    assert load_design(["design"]).facts  # the modeline is a comment: the design loads


def test_new_rule_names_the_rule_schema_which_accepts_every_builtin_rule(
        tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.ruleload import builtin_rules_dir

    monkeypatch.chdir(tmp_path)
    os.mkdir("rules")
    assert run("rules", "new", "x-without-y", "-c", "data").exit_code == 0
    with open(os.path.join("rules", "data", "x-without-y.yaml"), encoding="utf-8") as fh:
        first = fh.readline().rstrip("\n")
    assert first == f"# yaml-language-server: $schema=../../{RULE_SCHEMA_FILE}"
    validator = jsonschema.Draft202012Validator(exported("rules"))
    checked = 0
    for root, _dirs, names in os.walk(builtin_rules_dir()):
        for name in sorted(names):
            if name.endswith(".yaml") and not name.endswith(".test.yaml"):
                with open(os.path.join(root, name), encoding="utf-8") as fh:
                    assert not list(validator.iter_errors(yaml.safe_load(fh))), name
                checked += 1
    assert checked > 100
