"""What the plan tests share: the two designs they plan and the knowledge base they pin."""

from __future__ import annotations

import glob
import os
from typing import Any

from engine.review import review
from tests.conftest import ROOT

SHOP = os.path.join(ROOT, "facts", "shop")
LEDGER = os.path.join(ROOT, "tests", "fixtures", "plan", "ledger")
# The planning rules and the reference risk rule: the tests pin the knowledge base they describe, so that
# rules others add (or are halfway through writing) change nothing here.
RULES = [*sorted(glob.glob(os.path.join(ROOT, "rules", "*", "plan-*.yaml"))),
         os.path.join(ROOT, "rules", "resilience", "external-call-without-circuit-breaker.yaml")]


def rv(paths: list[str], extra: list[str] | None = None) -> Any:
    """Review with the pinned rules (plus ``extra`` rule directories)."""
    return review(paths, [*RULES, *(extra or [])], builtin=False, findings_only=False)
