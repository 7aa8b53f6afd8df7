"""A parsed file as data: its content and where each key path stands in the text, and the bounds on reading.

``engine.source`` builds these (it reads and parses); everything else only reads them. They are
re-exported by ``engine.source``, where most callers meet them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from msgspec import Struct

from engine.errors import Location

Path = tuple[str | int, ...]


class Limits(Struct, frozen=True):
    """Resource bounds for reading input."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 2_000_000
    max_string: int = 100_000
    max_facts: int = 200_000
    """Entries (services, calls …) the design files may hold together; checked before validating any."""


DEFAULT_LIMITS = Limits()


class Positions(Mapping[Path, tuple[int, int]]):
    """Where each key path of a parsed file stands, (line, column), held per mapping or list: ``under[p]`` maps
    each key (or index) of the mapping (or list) at ``p`` to its position, the document's root's is ``root``.

    As a mapping, the same key paths and positions as one dict over full paths; held so, a reader records a
    key without building its path, and a fact's field locations are a copy of its mapping's positions.
    """

    __slots__ = ("root", "under")

    def __init__(self) -> None:
        self.root: tuple[int, int] | None = None
        self.under: dict[Path, dict[str | int, tuple[int, int]]] = {}

    @overload
    def get(self, path: Path) -> tuple[int, int] | None: ...

    @overload
    def get(self, path: Path, default: Any) -> Any: ...

    def get(self, path: Path, default: Any = None) -> Any:
        if not path:
            return default if self.root is None else self.root
        kids = self.under.get(path[:-1])
        return default if kids is None else kids.get(path[-1], default)

    def __getitem__(self, path: Path) -> tuple[int, int]:
        pos = self.get(path)
        if pos is None:
            raise KeyError(path)
        return pos

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None

    def __iter__(self) -> Iterator[Path]:
        """Depth first, as a reader meets them: a key, then the keys under it, then the next key."""
        if self.root is not None:
            yield ()
        under = self.under
        stack: list[tuple[Path, Iterator[str | int]]] = [((), iter(under.get((), ())))]
        while stack:
            parent, keys = stack[-1]
            for key in keys:
                path = (*parent, key)
                yield path
                if path in under:
                    stack.append((path, iter(under[path])))
                    break
            else:
                stack.pop()

    def __len__(self) -> int:
        return (self.root is not None) + sum(len(kids) for kids in self.under.values())

    def pairs(self) -> Iterator[tuple[Path, tuple[int, int]]]:
        """``items()`` in the same order, without looking each path up again (the rule cache writes 23,000)."""
        if self.root is not None:
            yield (), self.root
        under = self.under
        stack: list[tuple[Path, Iterator[tuple[str | int, tuple[int, int]]]]] = [
            ((), iter(under.get((), {}).items()))]
        while stack:
            parent, kids = stack[-1]
            for key, pos in kids:
                path = (*parent, key)
                yield path, pos
                if path in under:
                    stack.append((path, iter(under[path].items())))
                    break
            else:
                stack.pop()


@dataclass(eq=False)
class Document:
    """A parsed file: its data, and where each key path stands in the text."""

    file: str
    data: Any
    positions: Mapping[Path, tuple[int, int]] = field(default_factory=dict)
    imported: bool = False
    """Derived from an artifact (OpenAPI, compose...) by an importer: hand-written facts win over it."""
    inferred: bool = False
    """Its facts are inferred, not stated: drawn in a design document's Mermaid flowchart (``engine.markdown``).
    A fact no other document states keeps it (``Fact.inferred``), and findings resting on it have basis
    ``inferred``."""
    remarks: list[tuple[Location, str]] = field(default_factory=list)
    """What an importer could not use, and why (a skipped file, an unset variable): load warnings."""
    tags: Mapping[Path, str] = field(default_factory=dict, kw_only=True)
    """The values the reader was asked to keep a custom tag on (``parse(..., tags=)``), by key path: the tag
    (``!override``); the value itself is read as the plain mapping, list or text it is written as."""

    def locate(self, path: Path) -> Location:
        """The location of ``path``, or of its nearest parent that has one."""
        probe = tuple(path)
        while probe:
            pos = self.positions.get(probe)
            if pos is not None:
                return Location(self.file, pos[0], pos[1])
            probe = probe[:-1]
        pos = self.positions.get(())
        return Location(self.file, pos[0], pos[1]) if pos else Location(self.file, 1, 1)


def keypath(path: Path) -> str:
    """``services[2].health.liveness`` from ``("services", 2, "health", "liveness")``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
