"""archplan as a library, under the name it is installed by: ``import archplan``.

The code lives in the ``engine`` package (the source layout is fixed); the wheel installs this folder as
the ``archplan`` package, so that the distribution, the command, ``python -m archplan`` and the import name
agree. It re-exports the public API of ``engine`` (``engine.__all__``) and nothing else.

    import archplan

    result = archplan.review(["facts/shop"])
    for finding in result.findings:
        print(finding.severity, finding.rule, finding.location, finding.message)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import engine
from engine import __version__

if TYPE_CHECKING:
    from engine import (
        ArchplanError,
        Design,
        Evidence,
        Fact,
        Finding,
        KnowledgeBase,
        Location,
        MitigationItem,
        Plan,
        Review,
        Severity,
        build_plan,
        load_design,
        load_kb,
        review,
        review_design,
    )

__all__ = ["ArchplanError", "Design", "Evidence", "Fact", "Finding", "KnowledgeBase", "Location", "MitigationItem",
           "Plan", "Review", "Severity", "__version__", "build_plan", "load_design", "load_kb", "review",
           "review_design"]


def __getattr__(name: str) -> Any:
    """Each name of the API, imported on first use (``python -m archplan --version`` imports none)."""
    if name not in __all__:
        raise AttributeError(f"module 'archplan' has no attribute {name!r}")
    value = getattr(engine, name)
    globals()[name] = value
    return value
