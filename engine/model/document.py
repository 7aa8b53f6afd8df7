"""A parsed file as data: its content and where each key path stands in the text, and the bounds on reading.

``engine.source`` builds these (it reads and parses); everything else only reads them. They are
re-exported by ``engine.source``, where most callers meet them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import Location

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """Resource bounds for reading input."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 2_000_000
    max_string: int = 100_000
    max_facts: int = 200_000
    """Entries (services, calls …) the design files may hold together; checked before validating any."""


DEFAULT_LIMITS = Limits()


@dataclass
class Document:
    """A parsed file: its data, and where each key path stands in the text."""

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    imported: bool = False
    """Derived from an artifact (OpenAPI, compose...) by an importer: hand-written facts win over it."""
    inferred: bool = False
    """Its facts are inferred, not stated: drawn in a design document's Mermaid flowchart (``engine.markdown``).
    A fact no other document states keeps it (``Fact.inferred``), and findings resting on it have basis
    ``inferred``."""
    remarks: list[tuple[Location, str]] = field(default_factory=list)
    """What an importer could not use, and why (a skipped file, an unset variable): load warnings."""

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
