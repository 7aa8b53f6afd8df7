"""Python syntax trees shared by the code readers of one import: each file parsed once, each tree walked once.

A service's Python files are read by many readers (routes, Flask's context, Django's URL configuration, calls,
credentials, workflows, AI clients...), and a repository's code is often imported for several services that run it
(a web process and its workers). Each reader used to parse every file and walk every tree for the few node types it
looks at; ``parse`` keeps the tree of a file's text (keyed by its path and its text, so a file edited between two
imports is parsed again), and ``nodes`` the nodes of a tree by type, in ``ast.walk``'s order, from one walk.

The trees are shared: no reader may change one (a reader that needs another tree builds new nodes around the
shared ones, as ``ast.Expr(value=node)`` does). The caches hold at most ``MAX_TREES`` trees (least recently used
first out), and are emptied when the outermost ``shared()`` block (one import) ends.
"""

from __future__ import annotations

import ast
import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import ParamSpec, TypeVar, cast, overload

from engine.importers import code_syntax

MAX_TREES = 2048
"""The most trees kept: a service's Python files are at most ``code_routes.MAX_FILES``, but a few hundred in most
repositories (Plane's API: 451 files, 2.5 MB of text, 72 MB of trees and 10 MB of node lists); a service with more
files than this is read as before (each reader parses again what it needs), never with more memory than this."""
MAX_TEXTS = 8192
"""The most results kept of each function of one file's text (``kept``): strings and name sets about the size of the
text, for services of several thousand files (Novu's API: 3,376)."""

_N = TypeVar("_N", bound=ast.AST)
_M = TypeVar("_M", bound=ast.AST)
_O = TypeVar("_O", bound=ast.AST)
_P = ParamSpec("_P")
_R = TypeVar("_R")
_CLEARS: list[Callable[[], None]] = []


def kept(maxsize: int = MAX_TEXTS) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A function of a file's text (or tree) whose results are kept while the import lasts, at most ``maxsize`` of
    them (least recently used first out): ``functools.lru_cache``, emptied when the outermost ``shared()`` block
    ends. The function must be pure and its results never changed by their users (they are shared)."""
    def wrap(func: Callable[_P, _R]) -> Callable[_P, _R]:
        cached = functools.lru_cache(maxsize=maxsize)(func)
        _CLEARS.append(cached.cache_clear)
        return cast("Callable[_P, _R]", cached)
    return wrap


@kept(MAX_TREES)
def parse(text: str, path: str) -> ast.Module:
    """``ast.parse(text, path)``, the same tree for the same path and text while the import lasts (a file that does not
    parse raises each time it is asked for: nothing is kept of it); a file written in a newer Python's syntax than the
    running interpreter reads (PEP 695, 701, 758) is read on its lines and columns (``code_syntax.parse``), by every
    reader alike.

    Raises:
        SyntaxError: the text is not Python that parses.
        ValueError: it holds a NUL byte.
    """
    return code_syntax.parse(text, path)


class _Index:
    """A tree's nodes in ``ast.walk``'s order (breadth first), each node's parent, and the nodes of each type asked
    for, from one walk."""

    __slots__ = ("by_type", "order", "parents")

    def __init__(self, tree: ast.AST) -> None:
        self.order: list[ast.AST] = [tree]
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in self.order:  # the list grows as it is read: ast.walk's queue, kept
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                self.order.append(child)
        self.by_type: dict[tuple[type[ast.AST], ...], tuple[ast.AST, ...]] = {}


@kept(MAX_TREES)
def _index(tree: ast.AST) -> _Index:
    return _Index(tree)  # keyed by the tree itself (nodes hash and compare by identity)


@overload
def nodes(tree: ast.AST, kind: type[_N], /) -> tuple[_N, ...]: ...
@overload
def nodes(tree: ast.AST, kind: type[_N], other: type[_M], /) -> tuple[_N | _M, ...]: ...
@overload
def nodes(tree: ast.AST, kind: type[_N], other: type[_M], third: type[_O], /) -> tuple[_N | _M | _O, ...]: ...
@overload
def nodes(tree: ast.AST, *kinds: type[ast.AST]) -> tuple[ast.AST, ...]: ...
def nodes(tree: ast.AST, *kinds: type[ast.AST]) -> tuple[ast.AST, ...]:
    """The nodes of ``tree`` (itself included) that are instances of one of ``kinds``, in the order ``ast.walk`` gives
    them: ``[n for n in ast.walk(tree) if isinstance(n, kinds)]``, from one walk of the tree whatever is asked."""
    index = _index(tree)
    found = index.by_type.get(kinds)
    if found is None:
        found = index.by_type[kinds] = tuple(n for n in index.order if isinstance(n, kinds))
    return found


def parents(tree: ast.AST) -> Mapping[ast.AST, ast.AST]:
    """Each node's parent in ``tree`` (a node ``ast.walk`` meets twice, a shared ``Load`` context, has the last)."""
    return _index(tree).parents


_depth = 0


@contextlib.contextmanager
def shared() -> Iterator[None]:
    """One import: the trees parsed while it lasts are kept for all its readers and services, and let go when the
    outermost block ends (a long-running process keeps no tree of an import done)."""
    global _depth  # noqa: PLW0603 - the nesting of blocks, one per process like the caches it empties
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth:
            for clear in _CLEARS:
                clear()


__all__ = ["MAX_TEXTS", "MAX_TREES", "kept", "nodes", "parents", "parse", "shared"]
