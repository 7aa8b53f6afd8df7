"""Small builders shared by the engine tests."""

from __future__ import annotations

import os
import textwrap
from typing import Any

import yaml


def write(tmp: str, name: str, text: str) -> str:
    """Write dedented text to tmp/name and return the path."""
    path = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(text).lstrip("\n"))
    return path


def write_yaml(tmp: str, name: str, data: Any) -> str:
    """Write data as YAML to tmp/name and return the path."""
    path = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh, sort_keys=False)
    return path


def imported_endpoints(tmp: str, files: dict[str, str], compose: str, service: str) -> dict[str, dict[str, Any]]:
    """The endpoints ``archplan import`` states, keyed ``METHOD /path``, for the application ``files`` (written under
    ``tmp/app``) read as the source of ``service`` of the compose file ``compose``."""
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    for name, text in files.items():
        write(tmp, f"app/{name}", text)
    docs = load_artifacts([f"compose={write(tmp, 'compose.yaml', compose)}", f"source:{service}={tmp}/app"])
    return {f"{f.data['method']} {f.data['path']}": f.data for f in load_documents(docs).facts
            if f.kind == "endpoint"}


def rule_yaml(rule_id: str, when: list[dict[str, Any]], category: str = "resilience", **extra: Any) -> dict[str, Any]:
    """A minimal valid rule body raising a risk on the first pattern's alias."""
    subject = next(p["as"] for p in when if "as" in p)
    body: dict[str, Any] = {
        "id": rule_id, "title": f"Test rule {rule_id}", "category": category, "phase": 3,
        "summary": "A rule written by a test.", "rationale": "Tests need rules whose behaviour they control.",
        "references": ["test"], "when": when,
        "risk": {"subject": subject, "likelihood": "likely", "impact": "major",
                 "message": f"risk on {{{subject}.key}} from {rule_id}"},
        "mitigation": {"id": "test-fix", "title": f"Fix {{{subject}.key}}", "scope": f"{subject}.key",
                       "action": "Do the thing that fixes it."},
    }
    body.update(extra)
    return body
