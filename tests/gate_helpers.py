"""Builders for the review-gate tests: a small rule pack whose findings the tests control, and designs."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any

from click.testing import CliRunner, Result

from engine.cli.main import main
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml

SHOP = os.path.join(ROOT, "facts", "shop")
SCHEMA = os.path.join(ROOT, "tests", "fixtures", "sarif-schema-2.1.0.json")
TODAY = "2026-06-15"


def _empty_git_config() -> str:
    """An empty file for GIT_CONFIG_GLOBAL, so that the tests' git ignores the user's settings.

    Not os.devnull: on some sandboxes /dev/null is a regular file that other processes write into.
    """
    path = os.path.join(tempfile.gettempdir(), "archplan-tests-empty.gitconfig")
    with open(path, "w", encoding="utf-8"):
        pass
    return path


EMPTY_CONFIG = _empty_git_config()


def run(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run the CLI in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)


def pack(tmp: str) -> str:
    """Two rules: a high resilience risk on every sync call, a medium security risk on every public endpoint."""
    d = os.path.join(tmp, "pack")
    write_yaml(d, "resilience/t-sync-call.yaml", rule_yaml(
        "t-sync-call", [{"as": "call", "kind": "interaction", "where": {"style": "sync"}}],
        risk={"subject": "call", "field": "style", "likelihood": "likely", "impact": "major",
              "message": "{call.from} calls {call.to} synchronously"}))
    write_yaml(d, "security/t-public-endpoint.yaml", rule_yaml(
        "t-public-endpoint", [{"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}}],
        category="security",
        risk={"subject": "ep", "likelihood": "possible", "impact": "major", "message": "{ep.path} is public"}))
    return d


def design(tmp: str, name: str = "d", waivers: list[dict[str, Any]] | None = None) -> str:
    """A two-file design: api.yaml (two sync calls, one public endpoint) and database.yaml (one sync call)."""
    d = os.path.join(tmp, name)
    api: dict[str, Any] = {
        "source": "api",
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"}, {"from": "b", "to": "c", "style": "async"},
                         {"from": "a", "to": "c", "style": "sync"}],
        "endpoints": [{"method": "GET", "path": "/x", "served_by": "a", "exposure": "public"}],
    }
    if waivers is not None:
        api["waivers"] = waivers
    write_yaml(d, "api.yaml", api)
    write_yaml(d, "database.yaml", {
        "source": "database", "datastores": [{"name": "db", "owner": "c"}],
        "interactions": [{"from": "c", "to": "db", "style": "sync"}],
    })
    return d


def waiver(rule: str = "t-sync-call", subject: str = "interaction:a->b", expires: str = "2026-11-30",
           **extra: str) -> dict[str, Any]:
    """A valid waiver entry."""
    return {"rule": rule, "subject": subject, "reason": "accepted for the pilot", "owner": "team-a",
            "expires": expires, **extra}


def waivers_file(tmp: str, entries: list[dict[str, Any]], name: str = "waivers.yaml") -> str:
    """A central waivers file."""
    return write_yaml(tmp, name, {"version": 1, "waivers": entries})


def gate_args(tmp: str, *args: str) -> list[str]:
    """``check`` on the small design with the test pack only, today fixed."""
    return ["check", design(tmp), "--no-builtin", "--rules", pack(tmp), "--today", TODAY, *args]


def copy_shop(tmp: str, name: str = "shop") -> str:
    """A copy of the example design to edit."""
    dst = os.path.join(tmp, name)
    shutil.copytree(SHOP, dst)
    return dst


def edit(path: str, old: str, new: str) -> None:
    """Replace one exact piece of text in a file (it must occur once)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


def load_json(text: str) -> Any:
    """Parse JSON output."""
    return json.loads(text)


