"""A benchmark's comparison tool in a virtual environment of its own (never one of archplan's dependencies)."""

from __future__ import annotations

import os
import subprocess
import sys
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
