"""A SQLite database file a Python service keeps its data in (``archplan import source``).

SQLite runs inside the service's process: no deployment shows it as a container, only the code does. Its file is
the system's datastore all the same, the only copy of what the service writes, on whatever disk holds it. Read
here, with ``ast``, in the service's Python files that are not tests:

- a Django settings module (``settings.py``, a module of a ``settings`` package) holding a database whose
  ``"ENGINE"`` is ``"django.db.backends.sqlite3"``;
- a SQLAlchemy URL the code writes for SQLite (``"sqlite:///..."``, ``f"sqlite:///{path}"``, with a driver:
  ``sqlite+aiosqlite:///``), not an in-memory one (``sqlite://`` with no path, ``:memory:``).

A service's code often offers SQLite beside a database server, picked by a setting (``DB_ENGINE``); which one runs
is the deployment's to say: ``code_routes.compose`` keeps the store only for a service the deployment connects to no
relational database, and states it there (``SQLiteStore``) with what the deployment shows of its disk and backups.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_trees

_DJANGO_ENGINE = "django.db.backends.sqlite3"
_URL = re.compile(r"^sqlite(?:\+\w+)?:///(?!:memory:)")
"""A SQLAlchemy URL of a SQLite file: three slashes and a path (``sqlite://`` alone, or ``:memory:``, is memory)."""
_SETTINGS = re.compile(r"(?:^|/)settings(?:\.py$|/[^/]+\.py$)")
_TEST = re.compile(r"(?:^|/)(?:tests?|testing)(?:/|$)|(?:^|/)(?:test_[^/]*|[^/]*_tests?|conftest)\.py$|"
                   r"(?:^|/)settings/[^/]*test[^/]*\.py$")
"""Test modules (``tests/``, ``test_x.py``, ``conftest.py``) and test settings (``settings/test.py``)."""


@dataclass(frozen=True)
class SQLite:
    """What shows that a service's code keeps its data in a SQLite file, and where."""

    what: str
    at: Location


@dataclass(frozen=True)
class SQLiteStore:
    """The SQLite file a service keeps its data in, as deployed (``code_routes.compose``): the datastore's name, what
    shows it, and what the deployment shows of the service's disk and backups."""

    name: str
    found: SQLite
    volume: tuple[bool, str, Location] | None
    """Whether a volume keeps the service's data (its ``stateful``), why, and where; None when not stated."""
    backups: tuple[str, Location] | None
    """What in the deployment may take backups (a backup tool named), or None when nothing does."""


def sqlite_of(py: Sequence[tuple[str, str]]) -> SQLite | None:
    """The first sign, in the order of the files, that a service's Python code keeps its data in a SQLite file
    (see the module); None when there is none."""
    for path, text in sorted(py):
        if _TEST.search(path) or "sqlite" not in text:
            continue
        try:
            tree = code_trees.parse(text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        settings = _SETTINGS.search(path) is not None
        for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Dict | ast.Constant | ast.JoinedStr)),
                           key=lambda n: (n.lineno, n.col_offset)):
            found = _sign(node, settings)
            if found:
                return SQLite(found, Location(path, node.lineno, node.col_offset + 1))
    return None


def _sign(node: ast.AST, settings: bool) -> str:
    if isinstance(node, ast.Dict) and settings:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "ENGINE" and isinstance(value, ast.Constant) and \
                    value.value == _DJANGO_ENGINE:
                return f"a Django database whose ENGINE is {_DJANGO_ENGINE}"
    first = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
    m = _URL.match(first.value) if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if m is None or not (isinstance(node, ast.JoinedStr) or len(m.string) > m.end()):  # a path after the slashes
        return ""
    return f"a SQLite URL ({m.string[:60]!r}{'...' if isinstance(node, ast.JoinedStr) else ''})"


__all__ = ["SQLite", "SQLiteStore", "sqlite_of"]
