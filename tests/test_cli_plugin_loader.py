"""The command line spares pydantic's plugin discovery while every plugin is disabled, and only then.

Each case runs ``entry`` in a fresh interpreter and prints, at its exit, the modules it loaded and what pydantic's
``get_plugins`` gives."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = """
import os, sys
real_exit = os._exit
def done(code):
    from pydantic.plugin._loader import get_plugins
    print("metadata" if "importlib.metadata" in sys.modules else "no-metadata")
    print("stand-in" if "engine.cli.main" in repr(sys.modules["pydantic.plugin._loader"].__doc__) else "real")
    print(list(get_plugins()))
    sys.stdout.flush()
    real_exit(code)
os._exit = done
sys.argv = ["archplan", "check", "facts/shop", "--format", "json", "-o", os.devnull]
from engine.cli import entry
entry()
"""


def probe(disabled: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if disabled is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = disabled
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False,
                          env=env)
    assert done.returncode == 1, done.stderr  # facts/shop has findings at the default threshold
    return done.stdout.split("\n")[:3]


@pytest.mark.parametrize("disabled", [None, "__all__", "1", "true"], ids=["unset", "__all__", "1", "true"])
def test_a_check_with_every_plugin_disabled_does_not_import_the_plugin_loader(disabled: str | None) -> None:
    assert probe(disabled) == ["no-metadata", "stand-in", "[]"]


def test_a_check_that_allows_some_plugins_uses_pydantic_s_own_loader() -> None:
    metadata, loader, plugins = probe("some-plugin")
    assert (metadata, loader, plugins) == ("metadata", "real", "[]")  # none installed here


def test_the_stand_in_hands_over_to_the_real_loader_once_plugins_are_allowed() -> None:
    code = ("import os, sys\n"
            "from engine.cli import main\n"
            "os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
            "main._without_plugin_discovery()\n"
            "stand_in = sys.modules['pydantic.plugin._loader']\n"
            "assert list(stand_in.get_plugins()) == [] and 'importlib.metadata' not in sys.modules\n"
            "os.environ['PYDANTIC_DISABLE_PLUGINS'] = 'other'\n"
            "assert list(stand_in.get_plugins()) == []\n"
            "assert sys.modules['pydantic.plugin._loader'] is not stand_in\n"
            "assert stand_in.PYDANTIC_ENTRY_POINT_GROUP == 'pydantic'\n"
            "from pydantic import BaseModel\n"
            "class M(BaseModel):\n"
            "    x: int\n"
            "assert M(x=1).x == 1\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
