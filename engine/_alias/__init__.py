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
    __version__,
    build_plan,
    load_design,
    load_kb,
    review,
    review_design,
)

__all__ = ["ArchplanError", "Design", "Evidence", "Fact", "Finding", "KnowledgeBase", "Location", "MitigationItem",
           "Plan", "Review", "Severity", "__version__", "build_plan", "load_design", "load_kb", "review",
           "review_design"]
