"""A design as the rules see it: its facts, each with where it was stated, and what loading it warned about.

``engine.loader`` builds a ``Design`` from files; every later stage reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Location
from engine.model.document import Document


@dataclass(frozen=True)
class Fact:
    """One fact of the design, as the rules see it, with where it was stated."""

    kind: str
    key: str
    data: Mapping[str, Any]
    location: Location
    fields: Mapping[str, Location] = field(default_factory=dict)
    agents: tuple[str, ...] = ()
    inferred: bool = False
    """Only inferred, never stated: every document giving it was drawn (a Mermaid flowchart of a design
    document); a finding resting on it has basis ``inferred``."""

    @property
    def name(self) -> str:
        """The fact's name (the key without its kind prefix)."""
        return self.key.split(":", 1)[1]

    def locate(self, field_path: str | None) -> Location:
        """Where ``field_path`` was stated, or the fact itself when it was not."""
        if field_path:
            probe = field_path
            while probe:
                if probe in self.fields:
                    return self.fields[probe]
                probe = probe.rpartition(".")[0]
        return self.location


@dataclass(frozen=True)
class LoadWarning:
    """Something the user should know that does not stop the review (e.g. an imported value overridden)."""

    message: str
    location: Location | None = None
    keypath: str = ""

    def __str__(self) -> str:
        place = f"{self.location}: " if self.location else ""
        key = f"{self.keypath}: " if self.keypath else ""
        return f"{place}{key}{self.message}"


@dataclass(frozen=True)
class Design:
    """A merged design: every fact, sorted by kind and key."""

    facts: tuple[Fact, ...]
    files: tuple[str, ...]
    roots: tuple[str, ...] = ()
    """The directories the design was given as (a file stands for its directory): fingerprints are relative
    to their common path, so adding or removing a file elsewhere in the design changes no fingerprint."""
    waiver_docs: tuple[Document, ...] = ()
    """The parsed files that hold a top-level ``waivers:`` section, kept with positions for the gate."""
    warnings: tuple[LoadWarning, ...] = ()
    """Conflicts settled by precedence: a hand-written value over an imported one (both places named)."""

    def by_key(self) -> dict[str, Fact]:
        """Facts indexed by key."""
        return {f.key: f for f in self.facts}

    def of_kind(self, kind: str) -> list[Fact]:
        """Facts of one kind, in key order."""
        return [f for f in self.facts if f.kind == kind]
