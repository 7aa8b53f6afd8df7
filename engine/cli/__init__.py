"""The ``archplan`` command: a thin layer over the library, and the only package that prints or exits.

``main`` (``engine.cli.main``) is the click group; each command family has its module. ``entry`` is the
console script (``archplan``, ``python -m archplan``).
"""

from __future__ import annotations

__all__ = ["entry"]


def entry() -> None:
    """The ``archplan`` console script (``engine.cli.main.entry``), its modules imported with the cyclic garbage
    collector already off, as it stays for the whole one-shot run: importing the modules a check runs made some
    thirty collections of objects that all live until the process exits (3% of a check's processor time on 100
    services). Importing this package imports nothing else."""
    import gc

    gc.disable()
    from engine.cli.main import entry as run

    run()
