"""The JSON Schemas ``archplan schema`` exports, and the editor modeline that points a YAML file at one.

The descriptions in both schemas are the models' attribute docstrings (engine/model.py, engine/rule.py):
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

from engine.model import DesignFile
from engine.rule import Rule

DESIGN_SCHEMA_FILE = "design.schema.json"
"""Default file name of the design schema: ``archplan schema -o design.schema.json``."""
RULE_SCHEMA_FILE = "rule.schema.json"
"""Default file name of the rule schema: ``archplan schema --rules -o rule.schema.json``."""

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def design_schema() -> dict[str, Any]:
    """The JSON Schema of a design file."""
    data = DesignFile.model_json_schema(by_alias=True)
    data["$schema"] = _DRAFT
    data["$id"] = "https://archplan.dev/schema/design-v1.json"
    return data


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file (its structure; the loader checks kinds, fields and templates too)."""
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
