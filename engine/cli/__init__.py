"""The ``archplan`` command: a thin layer over the library, and the only package that prints or exits.

``main`` (``engine.cli.main``) is the click group; each command family has its module. ``entry`` is the
console script (``archplan``, ``python -m archplan``).
"""

from __future__ import annotations

from engine.cli.main import entry

__all__ = ["entry"]
