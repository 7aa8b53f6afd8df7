"""Shared fixtures: the compiled built-in knowledge base is compiled once per session; the public specimens."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.compiler import CompiledKB
from engine.review import load_kb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["ARCHPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="archplan-tests-cache-")
"""The cache of parsed rules (engine/rulecache.py) of this test run, for it and the commands it starts: never
the user's. Removed when the process that made it ends, so that test runs leave nothing behind."""
atexit.register(shutil.rmtree, os.environ["ARCHPLAN_CACHE_DIR"], ignore_errors=True)
SHARED = os.environ.get("ARCHPLAN_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
"""The project's shared folder (beside the repository unless ``ARCHPLAN_SHARED`` names it)."""
CORPUS = os.path.join(SHARED, "corpus")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CORPUS_MISSING = "" if os.path.isdir(CORPUS) else (
    f"the public specimens are not here ({CORPUS}: no such folder; set ARCHPLAN_SHARED to the shared folder "
    "to run the tests on them)")
"""Why the tests on the shared corpus cannot run ("" when they can)."""


def need_shared(path: str) -> None:
    """A test on a file of the shared folder: skipped without it (a clone alone), failed under CI, which has it."""
    if os.path.exists(path):
        return
    msg = f"{path} is not here (the shared folder: ../shared beside the clone, or ARCHPLAN_SHARED)"
    if IN_CI:
        pytest.fail(msg + "; CI has the shared folder beside the clone")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def builtin_kb() -> CompiledKB:
    """The built-in rules, compiled."""
    return load_kb()


@pytest.fixture
def cache(tmp_path: Any, monkeypatch: Any) -> Iterator[str]:
    """A new, empty cache folder (parsed rules, engine/rulecache.py; compiled ones, engine/kbcache.py), turned on,
    and no compiled knowledge base kept in the process: ``load_kb`` starts from the disk."""
    from engine import rulecache
    from engine.review import clear_kb_cache

    folder = os.path.join(str(tmp_path), "cache")
    monkeypatch.setenv(rulecache.CACHE_ENV, folder)
    monkeypatch.delenv(rulecache.OFF_ENV, raising=False)
    monkeypatch.setattr(rulecache, "enabled", True)
    clear_kb_cache()
    yield folder
    clear_kb_cache()


@pytest.fixture(scope="session")
def specimen() -> Callable[..., str]:
    """``specimen("openapi", "x.yaml")``: a public specimen in the shared corpus, read in place.

    The tests on these real files are an extra layer over the ones on tests/fixtures: without the
    folder (a clone on its own) their module skips, once, with the reason; under CI (``CI=true``) each fails.
    """
    need_shared(CORPUS)

    def path(*parts: str) -> str:
        return os.path.join(CORPUS, *parts)

    return path
