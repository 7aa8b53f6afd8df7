"""archplan as a library, under the name it is installed by: ``import archplan``.

The code lives in the ``engine`` package (the source layout is fixed); the wheel installs this folder as
the ``archplan`` package, so the distribution, the command, ``python -m archplan`` and the import name
agree. It re-exports the stable entry points and nothing else; ``engine.*`` stays importable for the rest.

    import archplan

    result = archplan.review(["facts/shop"])
    for finding in result.findings:
        print(finding.severity, finding.rule, finding.location, finding.message)
"""

from __future__ import annotations

from engine import __version__
from engine.errors import ArchplanError
from engine.model.finding import Finding
from engine.review import Review, load_kb, review, review_design

__all__ = ["ArchplanError", "Finding", "Review", "__version__", "load_kb", "review", "review_design"]
