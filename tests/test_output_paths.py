"""Every option that names an output path creates the missing directories on the way, as README's commands
expect on a fresh clone, and still writes atomically, through devices and pipes, or not at all."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest

from tests.gate_helpers import SHOP, run


@pytest.fixture
def in_fresh_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A working directory holding only the example design, at the path README uses."""
    shutil.copytree(SHOP, os.path.join(str(tmp_path), "facts", "shop"))
    monkeypatch.chdir(tmp_path)
    return str(tmp_path)


def no_temporary_files(root: str) -> bool:
    return not [n for _d, dirs, files in os.walk(root) for n in [*dirs, *files] if n.startswith(".archplan-")]


def test_rules_docs_creates_the_missing_parents(in_fresh_dir: str) -> None:
    result = run("rules", "docs", "-o", "site/rules")
    assert result.exit_code == 0, result.output
    assert "index.md" in os.listdir(os.path.join(in_fresh_dir, "site", "rules"))
    assert no_temporary_files(in_fresh_dir)


def test_plan_diagrams_creates_the_directory_and_writes_with_the_plan(in_fresh_dir: str) -> None:
    result = run("plan", "facts/shop", "--diagrams", "out/", "-o", "plans/PLAN.md")
    assert result.exit_code == 0, result.output
    assert {"architecture.mmd", "architecture.dot", "roadmap.mmd", "roadmap.dot"} <= set(os.listdir("out"))
    with open(os.path.join("plans", "PLAN.md"), encoding="utf-8") as fh:
        assert fh.read().startswith("#")
    assert result.stdout == ""


def test_plan_diagrams_to_a_file_is_refused(in_fresh_dir: str) -> None:
    with open("out", "w", encoding="utf-8") as fh:
        fh.write("a file")
    result = run("plan", "facts/shop", "--diagrams", "out")
    assert result.exit_code == 2 and "--diagrams out: not a directory" in result.stderr


def test_baseline_creates_the_missing_parent(in_fresh_dir: str) -> None:
    result = run("baseline", "facts/shop", "-o", ".archplan/baseline.json")
    assert result.exit_code == 0, result.output
    with open(os.path.join(".archplan", "baseline.json"), encoding="utf-8") as fh:
        assert json.load(fh)["entries"]


@pytest.mark.parametrize("args", [
    pytest.param(["--format", "json", "-o", "new/dir/r.json"], id="format-json-o"),
    pytest.param(["--output", "sarif=deep/x.sarif"], id="output-sarif"),
])
def test_check_outputs_create_the_missing_parents(in_fresh_dir: str, args: list[str]) -> None:
    result = run("check", "facts/shop", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.output
    path = args[-1].rpartition("=")[2]
    with open(path, encoding="utf-8") as fh:
        assert json.load(fh)
    assert no_temporary_files(in_fresh_dir)


def test_a_failed_write_removes_the_directories_it_made(in_fresh_dir: str) -> None:
    with open("blocker", "w", encoding="utf-8") as fh:
        fh.write("a file")
    result = run("check", "facts/shop", "--fail-on", "never", "--output", "json=made/here/r.json",
                 "--output", "sarif=blocker/x.sarif")
    assert result.exit_code == 2 and "blocker is not a directory" in result.stderr
    assert not os.path.exists("made")
    result = run("rules", "docs", "-o", "blocker/docs")
    assert result.exit_code == 2 and "blocker is not a directory" in result.stderr


def test_devices_are_still_written_through(in_fresh_dir: str) -> None:
    result = run("check", "facts/shop", "--fail-on", "never", "--format", "json", "-o", os.devnull)
    assert result.exit_code == 0, result.output
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)
