"""archplan: reviews a backend design before it is built, and plans its integration.

The library's public API is the names in ``__all__``; the rest of ``engine`` is importable but may change.

    import engine

    result = engine.review(["facts/shop"])
    for finding in result.findings:
        print(finding.severity, finding.rule, finding.location, finding.message)
    plan = engine.build_plan(engine.review(["facts/shop"], findings_only=False))

``engine.review`` names the function here, not its module: import from the module with
``from engine.review import ...``. Every name is imported on first use: ``archplan --version`` and
``--help`` run inside this package, and importing the review with its models (pydantic, PyYAML) took
0.3 s of a 0.4 s ``--version``.
"""

from __future__ import annotations

import importlib
import sys
import time
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"  # the release; pyproject.toml reads it (CHANGELOG.md says what changed)
IMPORTED_NS = time.time_ns()
"""When this package was imported: archplan's own modules were read from their files after it (engine.rulecache
keeps nothing built from a source file changed since)."""

if TYPE_CHECKING:
    from engine.errors import ArchplanError, Location
    from engine.loader import load_design
    from engine.model.base import Severity
    from engine.model.design import Design, Fact
    from engine.model.finding import Evidence, Finding, MitigationItem
    from engine.model.ruledata import KnowledgeBase
    from engine.plan import Plan, build_plan
    from engine.review import Review, load_kb, review, review_design

__all__ = ["ArchplanError", "Design", "Evidence", "Fact", "Finding", "KnowledgeBase", "Location", "MitigationItem",
           "Plan", "Review", "Severity", "__version__", "build_plan", "load_design", "load_kb", "review",
           "review_design"]

_HOMES = {
    "ArchplanError": "engine.errors", "Location": "engine.errors", "load_design": "engine.loader",
    "Design": "engine.model.design", "Fact": "engine.model.design", "Evidence": "engine.model.finding",
    "Finding": "engine.model.finding", "MitigationItem": "engine.model.finding",
    "KnowledgeBase": "engine.model.ruledata", "Severity": "engine.model.base", "Plan": "engine.plan",
    "build_plan": "engine.plan", "Review": "engine.review", "load_kb": "engine.review",
    "review_design": "engine.review",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The ``engine`` package, whose ``review`` stays the function once its module ``engine.review`` is imported
    (the import system sets a submodule as an attribute of its package, which a lazy name would not survive)."""

    @property
    def review(self) -> Any:
        from engine.review import review as function

        return function

    @review.setter
    def review(self, _module: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
