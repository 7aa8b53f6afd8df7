"""What a review finds: each risk or information gap with its evidence, and the mitigations that resolve them.

``engine.review`` assembles these from the rules' matches; every report reads them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from msgspec import Struct

from engine.errors import Location
from engine.model.base import Severity
from engine.model.frozen import frozen_record

T = TypeVar("T")


def show_value(value: Any) -> str:
    """A value as prose in a message: ``unknown`` for None, ``true``/``false``, lists joined by commas."""
    if type(value) is str:
        return value
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Assumption(Struct, frozen=True):
    """An unknown a finding read as a default: which fact, which field, the value assumed, and why."""

    fact: str
    field: str
    value: Any
    why: str = "not stated"

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"fact": self.fact, "field": self.field, "value": self.value, "why": self.why}

    @property
    def text(self) -> str:
        """Short prose: ``timeout_ms = 0 (not stated)``."""
        return f"{self.field} = {show_value(self.value)} ({self.why})"


def assumption_note(assumed: Sequence[Assumption]) -> str:
    """The short note a report adds to an assumed finding: ``timeout_ms = 0, blocking = true; not stated``."""
    by_why: dict[str, list[str]] = {}
    for a in assumed:
        item = f"{a.field} = {show_value(a.value)}"
        if item not in by_why.setdefault(a.why, []):
            by_why[a.why].append(item)
    return "; ".join(f"{', '.join(items)}: {why}" for why, items in by_why.items())


def shown_text(message: str, assumed: Sequence[Assumption], inferred: Sequence[str]) -> str:
    """``Finding.shown`` of a finding with this message, these assumptions and these inferred facts."""
    if assumed:
        message += f" (assumed: {assumption_note(assumed)})"
    if inferred:
        message += f" (inferred from a flowchart: {', '.join(inferred)})"
    return message


class Evidence(Struct, frozen=True):
    """A fact a finding rests on, and where it was stated (or which rule derived it)."""

    key: str
    kind: str
    location: Location
    derived_by: str | None = None
    premises: tuple[str, ...] = ()
    inferred: bool = False
    """The fact was inferred (drawn in a flowchart), not stated (``Fact.inferred``)."""

    def to_json(self, path: Callable[[str], str] = str) -> dict[str, Any]:
        """JSON form (``path`` maps the file as stated to the file as shown)."""
        loc = self.location
        file = loc.file
        out: dict[str, Any] = {"key": self.key, "kind": self.kind,
                               "file": path(file) if isinstance(file, str) else file, "line": loc.line,
                               "column": loc.column}
        if self.derived_by:
            out["derived_by"] = self.derived_by
            out["premises"] = list(self.premises)
        if self.inferred:
            out["basis"] = "inferred"
        return out


class Adjustment(Struct, frozen=True):
    """A context rule's change to a finding's severity."""

    rule: str
    by: int
    reason: str


@frozen_record
class MitigationItem:
    """A deduplicated mitigation: one pattern applied to one scope, resolving one or more risks."""

    id: str
    pattern: str
    scope: str
    title: str
    action: str
    phase: int
    after: tuple[str, ...]
    findings: tuple[str, ...]
    subjects: tuple[str, ...]
    effort: tuple[float, float] | None = None
    """Person-days (low, high) its rules state (the largest, when several do); the plan schedules with it.
    Left out of the report's JSON, which describes findings, not plans."""

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id, "pattern": self.pattern, "scope": self.scope, "title": self.title,
            "action": self.action, "phase": self.phase, "after": list(self.after),
            "findings": list(self.findings), "subjects": list(self.subjects),
        }


@frozen_record
class Finding:
    """One risk (or information gap) on one subject, with everything needed to explain it."""

    id: str
    rule: str
    title: str
    kind: str
    severity: Severity
    base_severity: Severity
    category: str
    phase: int
    message: str
    subjects: tuple[str, ...]
    location: Location
    mitigations: tuple[str, ...]
    fingerprint: str
    likelihood: str | None = None
    impact: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    references: tuple[str, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    """For information gaps: (field, rule needing it)."""
    field: str | None = None
    """The subject's field the finding points at (the rule's ``risk.field``), if any."""
    severity_overridden: bool = False
    """The base severity comes from the project config's ``[severity]``, not likelihood x impact."""
    assumed: tuple[Assumption, ...] = ()
    """For a risk resting on an assumed default: the unknown fields read as that default (``assume``)."""
    inferred: tuple[str, ...] = ()
    """The facts it rests on that were inferred, not stated (drawn in a flowchart: ``Fact.inferred``), by key."""

    @property
    def shown(self) -> str:
        """The message as reports show it: with a short note of what it assumed and of the facts it rests on
        that were only drawn, when there are any."""
        return shown_text(self.message, self.assumed, self.inferred)

    @property
    def basis(self) -> str:
        """``inferred`` when the finding rests on a fact only drawn in a flowchart (whether it assumed
        anything or not: the fact itself may not hold), else ``assumed`` when it rests on an unknown field
        read as its default, else ``stated``."""
        return "inferred" if self.inferred else "assumed" if self.assumed else "stated"

    @property
    def subject(self) -> str:
        """The main subject's key."""
        return self.subjects[0]

    @property
    def group(self) -> str:
        """The line it is shown under in the grouped reports: its rule for a risk, ``gap:<kind>`` for a gap
        (``engine.grouping``)."""
        return self.rule if self.kind == "risk" else f"gap:{self.subject.split(':', 1)[0]}"

    def to_json(self, path: Callable[[str], str] = str) -> dict[str, Any]:
        """JSON form (keys sorted by the serialiser; ``path`` maps the files as stated to the files as shown)."""
        loc = self.location
        file = loc.file
        out: dict[str, Any] = {
            "id": self.id, "rule": self.rule, "title": self.title, "kind": self.kind,
            "severity": _VALUE[self.severity], "base_severity": _VALUE[self.base_severity],
            "category": self.category, "phase": self.phase, "message": self.message,
            "subjects": list(self.subjects),
            "location": {"file": path(file) if isinstance(file, str) else file, "line": loc.line, "column": loc.column},
            "mitigations": list(self.mitigations), "fingerprint": self.fingerprint,
            "evidence": [e.to_json(path) for e in self.evidence], "group": self.group,
        }
        if self.likelihood:
            out["likelihood"] = self.likelihood
            out["impact"] = self.impact
        if self.adjustments:
            out["adjustments"] = [{"rule": a.rule, "by": a.by, "reason": a.reason} for a in self.adjustments]
        if self.missing:
            out["missing"] = [{"field": f, "rule": r} for f, r in self.missing]
        if self.severity_overridden:
            out["severity_overridden"] = True
        add_basis(out, self.kind, self.assumed, self.inferred)
        return out


_VALUE = {s: s.value for s in Severity}
"""Each severity's value, looked up: reading ``.value`` goes through the enum's descriptor, 46,000 times a report."""


def add_basis(out: dict[str, Any], kind: str, assumed: Sequence[Assumption], inferred: Sequence[str],
              assumed_of_gaps: bool = False) -> None:
    """Add to a finding's JSON form what its ``basis`` rests on: the basis (of a risk), the assumptions (of a risk,
    or of any finding with ``assumed_of_gaps``: SARIF's properties) and the inferred facts, those there are."""
    if kind == "risk":
        out["basis"] = "inferred" if inferred else "assumed" if assumed else "stated"
    if assumed and (assumed_of_gaps or kind == "risk"):
        out["assumed"] = [a.to_json() for a in assumed]
    if inferred:
        out["inferred"] = list(inferred)


def findings_json(findings: Iterable[Finding], path: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """``[f.to_json(path) for f in findings]``, made faster for a whole report (46,000 findings at 5,000 services).

    Each finding's late fields (``late_fields``) are worked out in turn without the descriptor, and the JSON of an
    evidence is made once per ``Evidence`` object: thousands of findings rest on the same facts (70,000 pieces of
    evidence, 25,000 objects at 5,000 services), so the findings citing one share one dict. Treat the result as
    read-only below each finding's own dict (a writer that changes a finding's evidence changes it for all)."""
    evidence_json: dict[int, dict[str, Any]] = {}  # by id: the objects stay alive, held by the findings
    shown: dict[Any, Any] = {}
    value = _VALUE
    out: list[dict[str, Any]] = []
    append = out.append
    for f in findings:
        d = f.__dict__
        if d.get(_LATE) is not None:
            d = filled(f)
        loc = d["location"]
        file = loc.file
        if isinstance(file, str):
            shown_file = shown.get(file)
            if shown_file is None:
                shown_file = shown[file] = path(file)
        else:
            shown_file = file
        evidence = []
        for e in d["evidence"]:
            ej = evidence_json.get(id(e))
            if ej is None:
                ej = evidence_json[id(e)] = e.to_json(path)
            evidence.append(ej)
        kind = d["kind"]
        subjects = d["subjects"]
        j: dict[str, Any] = {
            "id": d["id"], "rule": d["rule"], "title": d["title"], "kind": kind,
            "severity": value[d["severity"]], "base_severity": value[d["base_severity"]],
            "category": d["category"], "phase": d["phase"], "message": d["message"],
            "subjects": list(subjects),
            "location": {"file": shown_file, "line": loc.line, "column": loc.column},
            "mitigations": list(d["mitigations"]), "fingerprint": d["fingerprint"],
            "evidence": evidence,
            "group": d["rule"] if kind == "risk" else f"gap:{subjects[0].split(':', 1)[0]}",
        }
        if d["likelihood"]:
            j["likelihood"] = d["likelihood"]
            j["impact"] = d["impact"]
        adjustments = d["adjustments"]
        if adjustments:
            j["adjustments"] = [{"rule": a.rule, "by": a.by, "reason": a.reason} for a in adjustments]
        missing = d["missing"]
        if missing:
            j["missing"] = [{"field": fl, "rule": r} for fl, r in missing]
        if d["severity_overridden"]:
            j["severity_overridden"] = True
        add_basis(j, kind, d["assumed"], d["inferred"])
        append(j)
    return out


class _Late:
    """A field some instances leave out when made: worked out, with the other such fields, when one is first read.

    Not a data descriptor: once worked out, the value sits in the instance's dictionary and is read from there."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        late = d[_LATE]
        if late is not None:  # (a concurrent reader may have filled them meanwhile: the same values again)
            d.update(zip(type(obj).late_fields, late(), strict=True))
            d[_LATE] = None  # what they were worked out from is let go
        return d[self.name]


_LATE = "_late"


def filled(obj: Any) -> dict[str, Any]:
    """The instance dictionary of ``obj`` (a frozen dataclass's instance, made by ``late_fields`` or not) holding
    every field, its late ones worked out now if they were not yet: what a writer reading all the fields of
    46,000 findings reads them from, without a descriptor per field."""
    d: dict[str, Any] = obj.__dict__
    late = d.get(_LATE)
    if late is not None:
        d.update(zip(type(obj).late_fields, late(), strict=True))
        d[_LATE] = None
    return d


def late_fields(cls: type[T], late: Sequence[str]) -> Callable[..., T]:
    """A subclass of the frozen dataclass ``cls`` (``quick_init``'s kind) whose instances may be made with the
    fields ``late`` left out, worked out together when one of them is first read: a review of 5,000 services makes
    46,000 findings, and a text report reads the explanation (evidence, location …) of a few dozen.

    Returns what makes one: ``make(*others, fill)``, where ``others`` are the values of the other fields in field
    order and ``fill()`` returns the late fields' values in the order of ``late``. An instance compares, hashes, shows
    itself and pickles (as a ``cls``) exactly like the ``cls`` with the same values; ``cls(...)`` still makes one
    with every field given."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = set(late) - set(names)
    if unknown:
        raise TypeError(f"late_fields: {cls.__name__} has no field {sorted(unknown)}")
    others = [n for n in names if n not in late]
    base_eq, base_repr, base_hash = cls.__eq__, cls.__repr__, cls.__hash__
    qualname = cls.__qualname__

    def __eq__(self: Any, other: Any) -> Any:
        if isinstance(other, cls) and type(other) is not type(self):
            return all(getattr(self, n) == getattr(other, n) for n in names)
        return base_eq(self, other)

    def __repr__(self: Any) -> str:
        return qualname + base_repr(self)[len(type(self).__qualname__):]

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return (cls, tuple(getattr(self, n) for n in names))

    namespace: dict[str, Any] = {n: _Late(n) for n in late}
    namespace.update(late_fields=tuple(late), __eq__=__eq__, __hash__=base_hash, __repr__=__repr__,
                     __reduce__=__reduce__, __module__=cls.__module__, __doc__=cls.__doc__)
    sub = type(f"Late{cls.__name__}", (cls,), namespace)
    # A function of positional arguments storing each in turn, in one order for all instances (which then share one
    # table of keys, as quick_init's do).
    lines = [f"def make({', '.join([*others, _LATE])}):", "    o = new(cls)", "    d = o.__dict__"]
    lines += [f"    d[{n!r}] = {n}" for n in [*others, _LATE]]
    lines.append("    return o")
    env: dict[str, Any] = {"new": object.__new__, "cls": sub}
    exec("\n".join(lines), env)  # noqa: S102 - the text is made of the class's own field names
    # One instance with every field, late ones last, made first: the table of keys that all instances share then
    # has room for the late fields too (made after instances without them, it would not, and each instance filled
    # would get a dictionary of its own, three to six times the size).
    make: Callable[..., T] = env["make"]
    getattr(make(*[None] * len(others), lambda: [None] * len(late)), late[0])
    return make
