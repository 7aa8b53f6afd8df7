"""The built wheel carries the knowledge base, so an installed archplan finds its rules."""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from typing import Any

from tests.conftest import ROOT


def test_wheel_ships_the_rules_and_an_installed_archplan_finds_them(tmp_path: os.PathLike[str]) -> None:
    wheels = os.path.join(str(tmp_path), "wheels")
    target = os.path.join(str(tmp_path), "site")
    # Build from a clean copy: setuptools reuses a build/ directory, whose stale files would ship.
    src = os.path.join(str(tmp_path), "src")
    os.makedirs(src)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), src)
    for name in ("engine", "rules"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(src, name),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, src], check=True,
                   cwd=str(tmp_path), capture_output=True)
    (wheel,) = glob.glob(os.path.join(wheels, "archplan-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel],
                   check=True, capture_output=True)
    code = (
        "import engine, engine.ruleload as r, os; d = r.builtin_rules_dir();"
        "print(os.path.dirname(engine.__file__)); print(d);"
        "print(len(r.load_rules([d]).rules))"
    )
    env = {**os.environ, "PYTHONPATH": target}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env,
                         cwd=str(tmp_path)).stdout.split()
    engine_dir, rules_dir, count = out
    assert engine_dir.startswith(target)
    for pkg in ("gate", "plan", "importers", "data"):  # every subpackage and data directory ships
        assert os.path.isdir(os.path.join(engine_dir, pkg)), pkg
    assert rules_dir.startswith(target)
    repo_rules = [p for p in glob.glob(os.path.join(ROOT, "rules", "**", "*.yaml"), recursive=True)
                  if not p.endswith(".test.yaml")]
    assert int(count) == len(repo_rules)


def _pyproject() -> dict[str, Any]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)


def test_supported_pythons_are_3_11_to_3_13_and_the_classifiers_say_the_same() -> None:
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    versions = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                if c.startswith("Programming Language :: Python :: 3.")]
    assert versions == ["3.11", "3.12", "3.13"]  # the Makefile runs the suite under each one it finds
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in versions


def test_the_durable_rules_pin_and_the_rebuild_hint_name_the_same_release() -> None:
    from engine.runtime import DURABLE_PIN

    assert DURABLE_PIN in _pyproject()["project"]["dependencies"]
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as fh:
        assert "DURABLE_CPPFLAGS := -DPyEval_CallObject=PyObject_CallObject" in fh.read()


def test_a_failed_durable_rules_build_is_one_line_naming_the_command_exit_2(tmp_path: os.PathLike[str]) -> None:
    """What a wheel of durable-rules built on 3.13 without the flag does at import, simulated by a stand-in module."""
    fake = os.path.join(str(tmp_path), "fake")
    os.makedirs(fake)
    with open(os.path.join(fake, "durable_rules_engine.py"), "w", encoding="utf-8") as fh:
        fh.write("raise ImportError('/x/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: "
                 "undefined symbol: PyEval_CallObject')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([fake, ROOT])}
    env.pop("ARCHPLAN_DEBUG", None)
    code = "import sys; from engine.cli import entry; sys.argv = ['archplan', *sys.argv[1:]]; entry()"
    for args in (["check", os.path.join(ROOT, "facts", "shop")], ["rules", "test"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                              cwd=str(tmp_path), timeout=120, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith("archplan: error: the rule engine's C core (durable_rules_engine) did not load (")
        assert "undefined symbol: PyEval_CallObject" in line
        command = line.split("rebuild it: ", 1)[1]
        assert command == (f"CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' {shlex.quote(sys.executable)} "
                           "-m pip install --force-reinstall --no-deps --no-cache-dir --no-binary durable-rules "
                           "'durable-rules==2.0.28'")
