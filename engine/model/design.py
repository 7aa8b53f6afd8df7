"""A design as the rules see it: its facts, each with where it was stated, and what loading it warned about.

``engine.loader`` builds a ``Design`` from files; every later stage reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from functools import cached_property
from itertools import groupby
from operator import attrgetter
from typing import Any

from msgspec import Struct
from msgspec import field as struct_field

from engine.errors import Location
from engine.model.document import Document, Path


class FieldLocations(MutableMapping[str, Location]):
    """Where each field of a fact was stated (``kind``, ``health.liveness``), a ``Location`` made when first
    asked for: a design of 5,000 services states 180,000 fields, and a review asks where a few of them are.

    A field is held as its (line, column) in ``file`` until then, or as a ``Location`` (another file's, when
    agents' documents are merged). A fact read from a parsed file (whose positions are held per mapping,
    ``Positions``) may hold, instead of its fields, the file, its key path there and its mapping as read: the fields
    are listed from them when first asked for (a review asks for those of two facts in three)."""

    __slots__ = ("_at", "_tree", "file")

    def __init__(self, file: str, at: dict[str, tuple[int, int] | Location] | None = None,
                 tree: tuple[Document, Path, Mapping[str, Any]] | None = None) -> None:
        self.file = file
        self._at = at
        self._tree = tree

    def held(self) -> dict[str, tuple[int, int] | Location]:
        """Each field's (line, column), or its ``Location`` once asked for (listed now if not yet)."""
        at = self._at
        if at is None:
            doc, base, data = self._tree  # type: ignore[misc]  # one of the two is given
            at = self._at = {}
            _listed(doc, doc.positions.under, base, data, "", at)  # type: ignore[union-attr]  # a Positions
            self._tree = None
        return at

    def nearest(self, field_path: str) -> Location | None:
        """Where ``field_path`` was stated, else the nearest field above it (``health`` for ``health.liveness``), as
        ``Fact.locate`` finds it among the listed fields; None when no part of it was stated. Fields not yet listed
        are not listed for it: the path is followed down the fact's mapping as read (its keys hold no ``.``: a
        model's fields), and only its own key is placed."""
        if self._at is not None or self._tree is None:
            probe, held = field_path, self.held()
            while probe:
                at = held.get(probe)
                if at is not None:
                    if type(at) is tuple:
                        at = held[probe] = Location(self.file, at[0], at[1])
                    return at  # type: ignore[return-value]
                probe = probe.rpartition(".")[0]
            return None
        doc, at_path, node = self._tree
        found: tuple[Path, str] | None = None
        for part in field_path.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            found = (at_path, part)
            at_path, node = (*at_path, part), node[part]
        if found is None:
            return None
        parent, key = found
        pos = (doc.positions.under.get(parent) or {}).get(key)  # type: ignore[attr-defined]  # a Positions
        return Location(self.file, pos[0], pos[1]) if pos is not None else doc.locate((*parent, key))

    def __getitem__(self, name: str) -> Location:
        held = self.held()
        at = held[name]
        if type(at) is tuple:
            at = held[name] = Location(self.file, at[0], at[1])
        return at  # type: ignore[return-value]

    def __setitem__(self, name: str, location: Location) -> None:
        self.held()[name] = location

    def __delitem__(self, name: str) -> None:
        del self.held()[name]

    def __contains__(self, name: object) -> bool:
        return name in self.held()

    def get(self, name: str, default: Any = None) -> Any:  # the mixin's goes through __getitem__ and KeyError
        """The field's location, or ``default`` when it was not stated."""
        return self[name] if name in self.held() else default

    def __iter__(self) -> Iterator[str]:
        return iter(self.held())

    def __len__(self) -> int:
        return len(self.held())

    def __repr__(self) -> str:
        return f"FieldLocations({dict(self)!r})"


def _listed(doc: Document, under: Mapping[Path, Mapping[str | int, tuple[int, int]]], at: Path,
            data: Mapping[str, Any], prefix: str, out: dict[str, tuple[int, int] | Location]) -> None:
    """Each key of ``data`` (the mapping at ``at`` in ``doc``) and, depth first, of the mappings under it, by its
    dotted name: its position, else (a key the reader did not place) its nearest placed parent's."""
    kids = under.get(at) or {}
    for key, value in data.items():
        pos = kids.get(key)
        out[prefix + key] = pos if pos is not None else doc.locate((*at, key))
        if isinstance(value, dict):
            _listed(doc, under, (*at, key), value, f"{prefix}{key}.", out)


class Fact(Struct, frozen=True):
    """One fact of the design, as the rules see it, with where it was stated.

    A msgspec Struct (frozen, compared by its fields, as the frozen dataclass it was): creating the dataclass
    compiled its generated methods at every start (4 M instructions), and each instance was made by writing its
    ``__dict__``; a Struct is made in C."""

    kind: str
    key: str
    data: Mapping[str, Any]
    location: Location
    fields: Mapping[str, Location] = struct_field(default_factory=dict)
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
            fields, probe = self.fields, field_path
            if type(fields) is FieldLocations:  # a review asks 27,000 times at 5,000 services: fields not listed
                return fields.nearest(field_path) or self.location
            while probe:
                at = fields.get(probe)
                if at is not None:
                    return at
                probe = probe.rpartition(".")[0]
        return self.location


def new_fact(kind: str, key: str, data: Mapping[str, Any], location: Location, fields: Mapping[str, Location],
             agents: tuple[str, ...], inferred: bool = False) -> Fact:
    """``Fact(kind, key, …)``, every field given: loading and enriching 5,000 services make 55,000 facts."""
    return Fact(kind, key, data, location, fields, agents, inferred)


class LoadWarning(Struct, frozen=True, eq=False):
    """Something the user should know that does not stop the review (e.g. an imported value overridden)."""

    message: str
    location: Location | None = None
    keypath: str = ""

    def __str__(self) -> str:
        place = f"{self.location}: " if self.location else ""
        key = f"{self.keypath}: " if self.keypath else ""
        return f"{place}{key}{self.message}"


class Design(Struct, frozen=True, dict=True):
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
        return list(self._by_kind.get(kind, ()))

    @cached_property
    def _by_kind(self) -> dict[str, list[Fact]]:
        """Facts by kind, gathered once: enrichment alone asks for a kind a dozen times."""
        out: dict[str, list[Fact]] = {}
        for kind, run in groupby(self.facts, attrgetter("kind")):  # a run per kind (facts are sorted), in order
            held = out.get(kind)
            if held is None:
                out[kind] = list(run)
            else:
                held.extend(run)
        return out
