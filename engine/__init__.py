"""archplan: reviews a backend design before it is built, and plans its integration.

The library's public API is the names in ``__all__``; the rest of ``engine`` is importable but may change.

    import engine

    result = engine.review(["facts/shop"])
    for finding in result.findings:
        print(finding.severity, finding.rule, finding.location, finding.message)
    plan = engine.build_plan(engine.review(["facts/shop"], findings_only=False))

``engine.review`` names the function here, not its module: import from the module with
``from engine.review import ...``. The plan (``Plan``, ``build_plan``) is imported on first use: it adds a
third to the start-up time of every command, and only ``archplan plan`` needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"  # the release; pyproject.toml reads it (CHANGELOG.md says what changed)

from engine.errors import ArchplanError, Location
from engine.loader import load_design
from engine.model.design import Design, Fact
from engine.model.finding import Evidence, Finding, MitigationItem
from engine.model.rule import KnowledgeBase
from engine.model.schema import Severity
from engine.review import Review, load_kb, review, review_design

if TYPE_CHECKING:
    from engine.plan import Plan, build_plan

__all__ = ["ArchplanError", "Design", "Evidence", "Fact", "Finding", "KnowledgeBase", "Location", "MitigationItem",
           "Plan", "Review", "Severity", "__version__", "build_plan", "load_design", "load_kb", "review",
           "review_design"]


def __getattr__(name: str) -> Any:
    if name in ("Plan", "build_plan"):
        import engine.plan

        return getattr(engine.plan, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
