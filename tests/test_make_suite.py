"""`make suite` gives each run a temporary root of its own, so concurrent suites never prune each other's.

pytest's default root, /tmp/pytest-of-USER, is shared by every run of one user, and each run deletes the
older numbered folders in it: two suites at once (two clones in CI, or two Pythons) can delete a folder the
other is still writing, and the run that loses fails in its teardown. These tests run the real Makefile
target with a stand-in pytest (a shell script in a stand-in venv) that records what it was given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed here")

FAKE_PYTEST = """#!/bin/bash
# stands in for pytest: records its arguments, writes into the folder --basetemp names, exits with $FAKE_RC
for a in "$@"; do case "$a" in --basetemp=*) base="${a#--basetemp=}";; esac; done
printf '%s\\n' "$@" > "$FAKE_LOG"
mkdir -p "$base" && echo run > "$base/file"
exit "${FAKE_RC:-0}"
"""


def run_suite(tmp: Path, rc: int) -> tuple[subprocess.CompletedProcess[str], Path]:
    venv = tmp / "venv"
    (venv / "bin").mkdir(parents=True)
    script = venv / "bin" / "pytest"
    script.write_text(FAKE_PYTEST, encoding="utf-8")
    script.chmod(0o755)
    for stamp in (".installed-run", ".installed-dev"):  # newer than pyproject.toml: make installs nothing
        (venv / stamp).write_text("", encoding="utf-8")
    later = time.time() + 60
    os.utime(venv / ".installed-run", (later, later))
    os.utime(venv / ".installed-dev", (later + 1, later + 1))
    temp = tmp / "temp"
    temp.mkdir()
    log = tmp / "args"
    env = {**os.environ, "TMPDIR": str(temp), "FAKE_LOG": str(log), "FAKE_RC": str(rc)}
    done = subprocess.run(["make", "--no-print-directory", "suite", f"VENV={venv}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    return done, log


def basetemp(log: Path) -> Path:
    args = log.read_text(encoding="utf-8").split("\n")
    given = [a.split("=", 1)[1] for a in args if a.startswith("--basetemp=")]
    assert len(given) == 1, args
    return Path(given[0])


def test_a_passing_suite_runs_in_a_private_root_and_removes_it(tmp_path: Path) -> None:
    done, log = run_suite(tmp_path, 0)
    assert done.returncode == 0, done.stdout + done.stderr
    base = basetemp(log)
    assert base.parent.parent == tmp_path / "temp"  # a fresh folder under TMPDIR, never pytest's shared root
    assert base.parent.name.startswith("archplan-suite.")
    assert not base.parent.exists()  # removed after a pass
    assert os.listdir(tmp_path / "temp") == []


def test_two_runs_get_different_roots(tmp_path: Path) -> None:
    first, log1 = run_suite(tmp_path / "a", 1)
    second, log2 = run_suite(tmp_path / "b", 1)
    assert first.returncode != 0 and second.returncode != 0
    assert basetemp(log1).parent.name != basetemp(log2).parent.name


def test_a_failing_suite_keeps_its_files_names_them_and_fails(tmp_path: Path) -> None:
    done, log = run_suite(tmp_path, 3)
    assert done.returncode != 0  # make reports the failure: the gate does not pass
    base = basetemp(log)
    assert (base / "file").read_text(encoding="utf-8") == "run\n"  # kept for the post-mortem
    assert f"the suite's temporary files are kept in {base.parent}" in done.stdout
