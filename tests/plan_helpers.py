"""What the plan tests share: the two designs they plan and the knowledge base they pin."""

from __future__ import annotations

import glob
import os
from typing import Any

import pytest

from engine.review import review
from tests.conftest import IN_CI, ROOT

SHOP = os.path.join(ROOT, "facts", "shop")
LEDGER = os.path.join(ROOT, "tests", "fixtures", "plan", "ledger")
# The planning rules and the reference risk rule: the tests pin the knowledge base they describe, so that
# rules others add (or are halfway through writing) change nothing here.
RULES = [*sorted(glob.glob(os.path.join(ROOT, "rules", "*", "plan-*.yaml"))),
         os.path.join(ROOT, "rules", "resilience", "external-call-without-circuit-breaker.yaml")]


def rv(paths: list[str], extra: list[str] | None = None) -> Any:
    """Review with the pinned rules (plus ``extra`` rule directories)."""
    return review(paths, [*RULES, *(extra or [])], builtin=False, findings_only=False)


def need(what: str, found: bool, how: str) -> None:
    """Skip locally, fail in CI: a test that cannot run must not pass vacuously there."""
    if found:
        return
    msg = f"{what} is not available ({how}; `make test` installs it unless SYSTEM_DEPS=0)"
    if IN_CI:
        pytest.fail(msg + "; CI must install it (see the Makefile's plan-tools target)")
    pytest.skip(msg)
