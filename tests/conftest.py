"""Shared fixtures: the compiled built-in knowledge base is compiled once per session."""

from __future__ import annotations

import os

import pytest

from engine.compiler import CompiledKB
from engine.review import load_kb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


@pytest.fixture(scope="session")
def builtin_kb() -> CompiledKB:
    """The built-in rules, compiled."""
    return load_kb()
