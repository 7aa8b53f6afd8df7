"""A benchmark's comparison tool in a virtual environment of its own (never one of archplan's dependencies)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence


def tool_python(venv: str, requirement: str, also: Sequence[str] = ()) -> str:
    """The interpreter of ``venv``, created on first use, with ``requirement`` (``name==version``) and ``also``
    installed into it from PyPI whenever the installed version is not the one named."""
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    name, _, version = requirement.partition("==")
    probe = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({name!r}))"],
                           capture_output=True, text=True, check=False)
    if probe.stdout.strip() != version:
        print(f"{os.path.basename(sys.argv[0])}: installing {requirement} into {venv}", file=sys.stderr)
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement, *also],
                       check=True)
    return python


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_VENV = os.path.join(ROOT, ".venv-bench")
"""Where the benchmarks install archplan as a user does: a wheel of the working tree, not the editable dev venv."""
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGE_DIRS = ("engine", "rules")
"""What a wheel of the tree is built from (pyproject.toml's packages and the files its metadata reads)."""
STAMP = ".archplan-sources"
"""The file in the venv that holds the key of the sources its archplan was built from."""


def package_files(root: str = ROOT) -> list[str]:
    """The tree's files a wheel is built from, relative to ``root``, sorted (no bytecode)."""
    files = [name for name in PACKAGE_FILES if os.path.exists(os.path.join(root, name))]
    for top in PACKAGE_DIRS:
        for folder, dirs, names in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files.extend(os.path.relpath(os.path.join(folder, n), root) for n in names if not n.endswith(".pyc"))
    return sorted(files)


def sources_key(root: str = ROOT) -> str:
    """SHA-256 over the package files' names and contents: any change to what the wheel holds changes it."""
    digest = hashlib.sha256()
    for rel in package_files(root):
        with open(os.path.join(root, rel), "rb") as fh:
            data = fh.read()
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def clean_env() -> dict[str, str]:
    """The environment of every measured process, archplan's and the comparison tool's alike: without
    ``PYTHONPATH`` (the dev workflow's ``PYTHONPATH=.`` would put the tree's ``engine`` before the installed one)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def installed_engine(python: str) -> str:
    """Where ``python`` imports archplan's ``engine`` from, run outside the tree."""
    done = subprocess.run([python, "-c", "import engine; print(engine.__file__)"], capture_output=True, text=True,
                          check=False, cwd=os.path.dirname(python), env=clean_env())
    return done.stdout.strip() if done.returncode == 0 else ""


def archplan_venv(venv: str = BENCH_VENV, root: str = ROOT) -> str:
    """The interpreter of ``venv`` with archplan installed as a user installs it: a wheel of the tree at ``root``
    (not editable), its runtime dependencies only, durable-rules built by ``tools/build-durable`` as ``make``
    does. Rebuilt whenever the package files changed since (``sources_key``), so the figure is never stale."""
    python = os.path.join(venv, "bin", "python")
    key = sources_key(root)
    stamp = os.path.join(venv, STAMP)
    if os.path.exists(stamp) and os.path.exists(os.path.join(venv, "bin", "archplan")):
        with open(stamp, encoding="utf-8") as fh:
            if fh.read().strip() == key:
                return python
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
        durable = re.search(r'"(durable-rules==[^"]+)"', fh.read())
    if durable is None:
        raise SystemExit("tool_venv: pyproject.toml names no durable-rules==VERSION")
    print(f"{os.path.basename(sys.argv[0])}: installing archplan (a wheel of {root}) into {venv}", file=sys.stderr)
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([python, os.path.join(root, "tools", "build-durable"), durable.group(1)], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="archplan-wheel-") as tmp:
        src = os.path.join(tmp, "src")  # a copy: building in the tree would leave build/ and *.egg-info there
        for rel in package_files(root):
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            shutil.copy2(os.path.join(root, rel), os.path.join(src, rel))
        subprocess.run([python, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "-w",
                        os.path.join(tmp, "dist"), src], check=True)
        wheels = [os.path.join(tmp, "dist", n) for n in os.listdir(os.path.join(tmp, "dist"))]
        subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "archplan"], check=False,
                       capture_output=True)
        subprocess.run([*pip, *wheels], check=True)
    where = installed_engine(python)
    if not where.startswith(os.path.abspath(venv) + os.sep):
        raise SystemExit(f"tool_venv: {venv}'s archplan imports engine from {where or 'nowhere'}, not the venv")
    with open(stamp, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return python
