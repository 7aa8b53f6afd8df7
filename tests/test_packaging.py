"""The built wheel carries the knowledge base, so an installed archplan finds its rules."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

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
