"""The only module that imports durable_rules.

Every workaround the notes call for lives here. The C core is driven directly (no ``Host``: no
timer threads, no Python inside the C core, so no action error can be swallowed); facts are
asserted in batches with collision-free ids, negated kinds first; unmatched and duplicate facts
are tolerated; derived facts are asserted back round by round to a fixed point under bounds; state
is reset between runs by retraction; and rulesets are freed when a knowledge base is evicted, so
that thousands of runs in one process neither fail nor leak.
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import itertools
import json
import math
import operator
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

import orjson
from msgspec import Struct, field

from engine import budget
from engine.compiler import (
    MAX_COMBINATIONS,
    NEGATED_PREFIX,
    CompiledKB,
    CompiledRule,
    RulesetSpec,
    _gate_sets,
    _gate_test,
    combinations,
    passes,
    value_at,
)
from engine.consequence import (
    AdjustGroup,
    Consequence,
    GapRecord,
    Outcome,
    _Deriver,
    _new_tuple,
    gap_question,
    gap_recorder,
    in_place,
)
from engine.dialect import compile_regex
from engine.errors import EngineError, LimitError, Location

DURABLE_PIN = "durable-rules==2.0.28"
"""The release pyproject.toml pins, named in the rebuild command below."""
DURABLE_CPPFLAGS = "-DPyEval_CallObject=PyObject_CallObject"
"""2.0.28 calls ``PyEval_CallObject``, which Python 3.13 removed; its setup.py overwrites CFLAGS, not CPPFLAGS."""


ENGINE_BUILD_LABEL = "archplan.2"
"""The local version label ``tools/build-durable`` gives the durable-rules it builds."""
ENGINE_BUILDS = {"archplan.1": (16_384, 255), ENGINE_BUILD_LABEL: (16_384, 128)}
"""By the label of a build of ``tools/build-durable`` (this one's and earlier ones'), the buckets of its fact index
and the properties a stored fact has room for (``MAX_MESSAGE_INDEX_LENGTH``, ``MAX_OBJECT_PROPERTIES``); PyPI's
build has 512 and 255."""


def _build() -> tuple[str, int, int]:
    """The installed durable-rules' version, its fact index's buckets and its properties per fact."""
    from importlib import metadata

    try:
        version = metadata.version("durable-rules")
    except metadata.PackageNotFoundError:
        return "(version unknown)", 512, 255
    return (version, *ENGINE_BUILDS.get(version.partition("+")[2], (512, 255)))


def engine_build() -> str:
    """The installed durable-rules' version, its fact index's buckets and the properties a fact may have."""
    version, buckets, properties = _build()
    return f"durable-rules {version} ({buckets:,}-bucket fact index, {properties} properties per fact)"


@functools.cache
def max_properties() -> int:
    """The properties the runtime gives the C core per fact at most, nested ones counted: 12 below what the
    installed build takes (``MAX_OBJECT_PROPERTIES`` less ``id`` and two more; past it, error 302)."""
    return _build()[2] - 15


_FEWEST_PROPERTIES = 128 - 15
"""``max_properties`` of the build with the fewest: a projection within it is not counted further."""


def durable_rebuild_hint(cause: BaseException) -> str:
    """One line: why durable_rules' C core did not load and the command that rebuilds it for this interpreter."""
    import shlex
    import sys

    command = (f"CPPFLAGS='{DURABLE_CPPFLAGS}' {shlex.quote(sys.executable)} -m pip install --force-reinstall "
               f"--no-deps --no-cache-dir --no-binary durable-rules '{DURABLE_PIN}'")
    return f"the rule engine's C core (durable_rules_engine) did not load ({cause}); rebuild it: {command}"


try:
    import durable_rules_engine as _C
except ImportError as exc:  # a wheel built without the flag on 3.13+, or no build at all: say what to run
    raise ImportError(durable_rebuild_hint(exc), name="durable_rules_engine") from exc

_CACHE_SIZE = 4
_cache: OrderedDict[str, _Session] = OrderedDict()
_cache_lock = threading.Lock()


DEFAULT_MAX_DERIVED = 200_000
"""The fewest facts a run may derive when ``--max-derived-facts`` is not given."""


class RunLimits(Struct, frozen=True):
    """Bounds on one run of the rules; exceeding any is a ``LimitError`` (exit 2), never a partial result."""

    max_derived: int | None = None
    """Facts the rules may derive in one run; unset, ``derived_bound`` scales the default with the design."""
    max_steps: int = 2_000_000
    """Rule-engine steps (asserts followed by a drain of the agenda)."""
    max_seconds: float = 300.0
    """Wall time of firing the rules."""
    max_facts: int = 200_000
    """Facts asserted before any rule fires (the design's, enriched)."""
    max_chain: int = 1_000
    """How deep derived facts may chain: a fact derived from input facts is 1 deep, one derived from it 2 …"""
    max_value_chars: int = 10_000
    """Length of a text value a rule derives (templates that grow each round hit this first)."""

    def derived_bound(self, facts: int) -> int:
        """The most facts a run over ``facts`` input facts may derive: ``max_derived`` when set, else
        ``DEFAULT_MAX_DERIVED`` or four per input fact, whichever is more. The built-in rules derive about
        two per fact for the plan (a 20,000-service design's 277,000 passed a fixed 200,000); a runaway
        derivation still stops, at a bound in proportion to its design."""
        return self.max_derived if self.max_derived is not None else max(DEFAULT_MAX_DERIVED, 4 * facts)


def fnv1_32(text: str) -> int:
    """The C core's 32-bit hash of a message id (``fnv1Hash32`` in src/rules/state.c; XOR then multiply,
    so FNV-1a). It hashes C ``char``s, signed on x86: bytes above 0x7f are sign-extended before the XOR.
    """
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ (b - 256 if b > 127 else b)) & 0xFFFFFFFF) * 0x01000193 & 0xFFFFFFFF
    return h


def fresh_id(used: set[int]) -> int:
    """A fact id whose 32-bit hash is not in ``used`` (which it joins).

    The C core stores facts under that hash and compares nothing else: two facts whose ids hash alike
    are taken as one, and the second is silently dropped as "already observed" (ids 40189 and
    797186 collide). Without an explicit id, the id is the decimal text of a 64-bit content hash,
    hashed again to 32 bits, so a collision becomes likely past some 77,000 facts (the birthday bound):
    a derivation chain in the hostile catalogue stopped, silently, after 81,572 facts.
    """
    n = len(used)
    while fnv1_32(str(n)) in used:
        n += 1
    used.add(fnv1_32(str(n)))
    return n


class Derivation(Struct):
    """How a derived fact came to be: the rule and the facts it matched."""

    rule: str
    premises: tuple[str, ...]


class Derivations(MutableMapping[str, Derivation]):
    """Each derived fact's ``Derivation`` by its key. The facts of a rule that only derives facts no rule reads (the
    planning rules' 45,000 at 5,000 services, ``_Run.record_sinks``) are kept as sets made in one go, one record of
    the rule and of each fact's premise (the key of the fact matched) and key; each fact's ``Derivation`` is made
    only when one is read (an explanation, a test), all at once. ``rules`` reads the rules without making them."""

    __slots__ = ("_own", "_sets")

    def __init__(self) -> None:
        self._own: dict[str, Derivation] = {}
        self._sets: list[tuple[str, Sequence[str], list[str | None]]] = []

    def add_set(self, rule: str, premises: Sequence[str], keys: list[str | None]) -> None:
        """The facts ``keys`` derived by ``rule``, each from a match on the one fact ``premises`` (by position);
        a key None: that match's fact was derived before (it keeps its first derivation)."""
        self._sets.append((rule, premises, keys))

    def _all(self) -> dict[str, Derivation]:
        own = self._own
        for rule, premises, keys in self._sets:
            for premise, key in zip(premises, keys, strict=True):
                if key is not None:
                    own[key] = Derivation(rule, (premise,))
        self._sets.clear()
        return own

    def rules(self, keys: Sequence[str]) -> list[str | None]:
        """The rule that derived each of ``keys`` (None: not derived), without making the records of the sets."""
        by_key: dict[str | None, str] = {}
        for rule, _premises, made in self._sets:
            by_key.update(dict.fromkeys(made, rule))
        by_key.pop(None, None)
        own = self._own
        return [how.rule if how is not None else by_key.get(k) for k, how in zip(keys, map(own.get, keys), strict=True)]

    def __getitem__(self, key: str) -> Derivation:
        how = self._own.get(key)
        if how is None:
            return self._all()[key]
        return how

    def __contains__(self, key: object) -> bool:
        return key in self._own or (bool(self._sets) and key in self._all())

    def __setitem__(self, key: str, value: Derivation) -> None:
        self._own[key] = value

    def __delitem__(self, key: str) -> None:
        del self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"Derivations({self._all()!r})"


class RunResult(Struct, eq=False):
    """What firing the rules to a fixed point produced."""

    recorded: list[tuple[str, Outcome]] = field(default_factory=list)
    """The matches recorded one by one, by compiled rule name, with what each produced."""
    gap_groups: list[tuple[str, GapRecord, Sequence[str]]] = field(default_factory=list)
    """Matches of a one-pattern gap variant, recorded together: the variant, its question (``gap_question``) and
    the subjects it was asked of (three in four matches at 5,000 services: one object per match cost a tenth of
    a run). ``outcomes`` lists them one by one."""
    gap_lists: list[tuple[int, str, list[GapRecord]]] = field(default_factory=list)
    """Matches of a gap variant that looks facts up on a transient ruleset's set of alike facts, made together: the
    place in ``recorded`` where they belong (the length it had), the variant and their records. ``outcomes`` lists
    them there one by one."""
    adjust_groups: list[tuple[str, AdjustGroup]] = field(default_factory=list)
    """Matches of a context rule on a transient ruleset's set of alike risks, recorded together by the variant
    (``AdjustGroup``: each ``AdjustRecord`` made when read). ``outcomes`` lists them one by one."""
    sink_lists: list[tuple[int, int, str, list[Any], bool]] = field(default_factory=list)
    """Matches of a rule that only derives facts no rule reads (``_Run.record_sinks``) on a set of alike facts,
    kept together: the place in ``recorded`` where they belong (the length it had, and that of ``gap_lists``), the
    rule and what each match derived (the fact itself when ``one``: one ``derive`` entry, else a tuple of them; no
    risk, gap or adjustment). ``outcomes`` lists them there one by one (46,000 at 5,000 services)."""
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    derivations: Derivations = field(default_factory=Derivations)
    asserted: int = 0
    fired: int = 0

    def _with_sinks(self, listed: list[tuple[str, Outcome]]) -> list[tuple[str, Outcome]]:
        """``listed`` (``recorded`` with the ``gap_lists`` in place) with each of the ``sink_lists`` in its place:
        after the matches recorded before it and the records of the gap lists made before it."""
        shift = [0]  # the records of the first j gap lists
        for _at, _name, gaps in self.gap_lists:
            shift.append(shift[-1] + len(gaps))
        out: list[tuple[str, Outcome]] = []
        taken = 0
        for at, before, name, made, one in self.sink_lists:
            place = at + shift[before]
            out += listed[taken:place]
            taken = place
            out += [(name, _new_tuple(Outcome, ((df,) if one else df, None, None, None))) for df in made]
        out += listed[taken:]
        return out

    @property
    def outcomes(self) -> list[tuple[str, Outcome]]:
        """Every match with what it produced: ``recorded``, then each subject of each of the ``gap_groups``, then
        each match of each of the ``adjust_groups``."""
        out: list[tuple[str, Outcome]] = []
        for segment, (name, gaps) in in_place(self.recorded, self.gap_lists):
            out += segment
            out += [(name, Outcome(gap=g)) for g in gaps]
        if self.sink_lists:
            out = self._with_sinks(out)
        for name, question, subjects in self.gap_groups:
            out.extend((name, Outcome(gap=GapRecord(s, question.field, question.rule, (s,)))) for s in subjects)
        for name, group in self.adjust_groups:
            out.extend((name, Outcome(adjust=group.record(i))) for i in range(len(group.keys)))
        return out


class _SafeIds:
    """The sequence 0, 1, 2 … with every id whose 32-bit hash repeats an earlier one's left out.

    Within one run each ruleset numbers its facts from the start of this sequence, so no two facts of
    a session share an id hash (see ``fresh_id``); computed once per process, grown on demand.
    """

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.used: set[int] = set()
        self.hashes: list[int] = []
        """``fnv1_32(str(k))`` of every number ``k`` tried so far, in order."""
        self.lock = threading.Lock()

    def first(self, n: int) -> list[int]:
        """The first ``n`` ids (or more): the numbers ``fresh_id`` gives one after the other, each hashed in one
        step from the hash of its decimal text without the last digit (FNV-1a reads the text left to right)."""
        if len(self.ids) < n:
            with self.lock:
                ids, used, hashes = self.ids, self.used, self.hashes
                while len(ids) < n:
                    k = len(hashes)
                    h = ((hashes[k // 10] ^ (48 + k % 10)) * 0x01000193 & 0xFFFFFFFF) if k >= 10 else fnv1_32(str(k))
                    hashes.append(h)
                    if h not in used:
                        used.add(h)
                        ids.append(k)
        return self.ids


_SAFE_IDS = _SafeIds()
_SENTINEL_RULE = "~sentinel~"
_SENTINEL_KIND = "~sentinel~"
"""A rule every ruleset gets, matching only a fact of this kind (no design fact has it: kinds are names)."""
_SENTINEL_FACT = json.dumps([{"id": "~sentinel~", "kind": _SENTINEL_KIND}])
_CHUNK = 1000
"""Facts per batched assert: batching halves the cost of the Python glue (measured: 1,000-service design)."""
_CLASSED_FROM = 2000
"""The facts given to a transient ruleset from which their signatures class their values (``_Quantizer``): reading a
ruleset's definition takes about 3 ms, once per process, and each fact then costs about 2 us less (1,000 services:
14,514 facts, 2,044 sets -> 338); the example designs give it a few hundred."""


def _count_properties(value: Any) -> int:
    if not isinstance(value, dict):
        return 1
    n = 0
    for v in value.values():
        n += _count_properties(v) if isinstance(v, dict) else 1
    return n


def _field(fact: Mapping[str, Any], path: str) -> Any:
    """A dotted field of a projected fact (None when absent)."""
    node: Any = fact
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


_UNJOINABLE = object()
_TRUE, _FALSE = ("bool", True), ("bool", False)
"""Booleans as join values: apart from 1 and 0, which Python's ``True == 1`` would make them equal to."""


def _join_value(value: Any) -> Any:
    """A value as ``same`` compares it, hashable: a boolean equals only a boolean, a number only a number (1 is
    1.0), a text only a text; anything ``same`` never finds equal (a list, null, NaN, a missing field) is
    ``_UNJOINABLE``."""
    kind = type(value)
    if kind is str or kind is int:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is float:
        return value if value == value else _UNJOINABLE  # noqa: PLR0124 - NaN equals nothing
    if isinstance(value, bool):  # subclasses, as ``same`` reads them
        return _TRUE if value else _FALSE
    if isinstance(value, (int, float)):
        return _join_value(float(value) if isinstance(value, float) else int(value))
    if isinstance(value, str):
        return str(value)
    return _UNJOINABLE


def _join_key(fact: Mapping[str, Any], fields: tuple[str, ...]) -> Any:
    """What a fact's ``fields`` are as one join value: the value of the one field, or the tuple of them
    (``_UNJOINABLE`` when one of them is)."""
    if len(fields) == 1:
        (fld,) = fields
        return _join_value(fact.get(fld, _UNJOINABLE) if "." not in fld else value_at(fact, fld))
    values = []
    for f in fields:  # a loop, not a comprehension and ``any``: it runs for most facts of a check
        value = _join_value(fact.get(f, _UNJOINABLE) if "." not in f else value_at(fact, f))
        if value is _UNJOINABLE:
            return _UNJOINABLE
        values.append(value)
    return tuple(values)


Screens = Mapping[str, frozenset[Any]]
"""By ``Absence.screen``, the join values (``_join_key``) of the facts that pass its tests."""


def _screens(specs: Sequence[RulesetSpec], facts: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[Any]]:
    """What ``specs``' negated patterns decided by the runtime need (``RulesetSpec.screens``), gathered from
    ``facts``: every fact of their kinds that a stratum starts with (the kinds are complete then)."""
    wanted: dict[str, tuple[str, tuple[Any, ...], tuple[str, ...]]] = {}
    for spec in specs:
        wanted.update(spec.screens)
    by_kind: dict[str, list[tuple[set[Any], Callable[[Mapping[str, Any]], bool], tuple[str, ...], tuple[str, ...]]]]
    by_kind = {}
    found: dict[str, set[Any]] = {}
    for name, (kind, tests, fields) in wanted.items():
        read = tuple(dict.fromkeys(fld for fld, _op, _value in tests))
        by_kind.setdefault(kind, []).append((found.setdefault(name, set()), passes(tests), fields, read))
    if by_kind:
        of_kind: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in by_kind}
        for fact in facts:
            held = of_kind.get(fact["kind"])
            if held is not None:
                held.append(fact)
        for kind, screens in by_kind.items():
            for values, test, fields, read in screens:
                for fact in _passing(test, read, of_kind[kind]):
                    key = _join_key(fact, fields)
                    if key is not _UNJOINABLE:
                        values.add(key)
    return {name: frozenset(values) for name, values in found.items()}


_KEPT_APART = (frozenset((str, bool, type(None), object)), frozenset((str, int, float, type(None), object)))
"""The types of values that a tuple of them, as a dict key, keeps apart exactly when ``same`` does (``object``: a field
not there, ``_NOT_THERE``): texts, null and booleans, or texts, null and numbers (never booleans with numbers: ``True``
is ``1`` to a dict, not to ``same``; ``1`` and ``1.0`` are alike to both)."""
_NOT_THERE = object()


class _ByValues:
    """Facts (of one kind) by their values of some top-level fields: ``passing`` asks a test that reads only those
    fields once per distinct set of their values, when each is of the types ``_KEPT_APART`` (else of each fact). A
    join ruleset's partner gates filter the facts of a kind a few dozen times (its interactions, services …), which
    repeat a few settings."""

    __slots__ = ("facts", "firsts", "slots")

    def __init__(self, facts: list[Mapping[str, Any]], fields: tuple[str, ...]) -> None:
        self.facts = facts
        self.slots: list[int] | None = None
        """Each fact's set of values, as the position of its set in ``firsts``; None: each fact is asked."""
        self.firsts: list[int] = []
        """The position of one fact of each set of values."""
        if len(facts) < 8:
            return
        if not fields:  # one set: a test that reads no field answers alike for all
            self.firsts, self.slots = [0], [0] * len(facts)
            return
        columns = [[f.get(fld, _NOT_THERE) for f in facts] for fld in fields]
        for column in columns:
            kinds = set(map(type, column))
            if not (kinds <= _KEPT_APART[0] or kinds <= _KEPT_APART[1]):
                return
        keys: list[Any] = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
        last = dict(zip(keys, range(len(keys)), strict=True))  # each set of values, with its last fact's position
        self.firsts = list(last.values())
        slot = {key: i for i, key in enumerate(last)}
        self.slots = list(map(slot.__getitem__, keys))

    def passing(self, test: Callable[[Mapping[str, Any]], bool]) -> list[Mapping[str, Any]]:
        """``[f for f in facts if test(f)]``."""
        facts = self.facts
        if self.slots is None:
            return [f for f in facts if test(f)]
        verdicts = [bool(test(facts[i])) for i in self.firsts]
        return list(itertools.compress(facts, map(verdicts.__getitem__, self.slots)))


def _passing(test: Callable[[Mapping[str, Any]], bool], read: Sequence[str], facts: list[Mapping[str, Any]]
             ) -> list[Mapping[str, Any]]:
    """``[f for f in facts if test(f)]``, for a ``test`` that reads only the fields ``read`` of a fact (``_ByValues``
    when they are top-level ones)."""
    if any("." in fld for fld in read):
        return [f for f in facts if test(f)]
    return _ByValues(facts, tuple(read)).passing(test)


def _joinable(spec: RulesetSpec, facts: Iterable[Mapping[str, Any]]) -> dict[str, Callable[[Mapping[str, Any]], bool]]:
    """By kind, ``RulesetSpec.semijoins`` of a join ruleset as a test of a fact, given the facts a stratum starts with
    (every fact of a partner kind: no rule derives one). A partner's values are kept only when each is a text: the C
    core's equality coerces (``"1"`` joins ``1``), so a side with another value, or without the field, lets every
    fact through, as does a fact whose own value is not a text. Each partner gate is asked once of each fact of its
    kind, however many sides share it."""
    if not spec.semijoins:
        return {}
    kinds = {kind for kind, _gate, _fld in spec.partners}
    of_kind: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in kinds}
    for fact in facts:
        held = of_kind.get(fact["kind"])
        if held is not None:
            held.append(fact)
    read: dict[str, dict[str, None]] = {kind: {} for kind in kinds}  # the fields the kind's gates read
    for kind, gate, _fld in spec.partners:
        read[kind].update(dict.fromkeys(gate or ()))
    classed: dict[str, _ByValues] = {}
    passing: dict[str, list[Mapping[str, Any]]] = {}
    values: list[frozenset[str] | None] = []
    for kind, gate, fld in spec.partners:
        name = f"{kind}\x1f{sorted(gate.items()) if gate is not None else ''}"
        found = passing.get(name)
        if found is None:
            test = _gate_of(gate)
            if test is None:
                found = of_kind[kind]
            else:
                by_values = classed.get(kind)
                if by_values is None:
                    by_values = classed[kind] = _ByValues(of_kind[kind], tuple(read[kind]))
                found = by_values.passing(test)
            passing[name] = found
        got = {f.get(fld) for f in found}
        texts = frozenset(v for v in got if type(v) is str)
        values.append(texts if len(texts) == len(got) else None)
    return {kind: _semijoin_test([(_gate_of(gate), [(fld, values[i]) for fld, i in edges]) for gate, edges in alts])
            for kind, alts in spec.semijoins.items()}


class _Holds:
    """``RulesetSpec.holds`` of a join ruleset over one stratum: the derived facts held back, and the values of the
    partners' joined fields among the facts given to the ruleset so far (a side with a value that is not a text, or
    without the field, lets every fact through, as in ``_joinable``)."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.alternatives = {kind: [(_gate_of(gate), edges) for gate, edges in alts]
                             for kind, alts in spec.holds.items()}
        self.sides: dict[str, list[tuple[int, Callable[[Mapping[str, Any]], bool] | None, str]]] = {}
        for i, (kind, gate, fld) in enumerate(spec.hold_partners):
            self.sides.setdefault(kind, []).append((i, _gate_of(gate), fld))
        self.values: list[set[str] | None] = [set() for _side in spec.hold_partners]
        self.held: list[Mapping[str, Any]] = []

    def given(self, facts: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Take in the partners' values of ``facts``, and return the facts held so far that now meet an
        alternative, in the order they were held (no longer held)."""
        values, sides = self.values, self.sides
        for f in facts:
            of_kind = sides.get(f["kind"])
            if of_kind is None:
                continue
            for i, test, fld in of_kind:
                seen = values[i]
                if seen is not None and (test is None or test(f)):
                    value = f.get(fld)
                    if type(value) is str:
                        seen.add(value)
                    else:
                        values[i] = None
        if not self.held:
            return []
        released: list[Mapping[str, Any]] = []
        kept: list[Mapping[str, Any]] = []
        for f in self.held:
            (released if self.meets(f) else kept).append(f)
        self.held = kept
        return released

    def meets(self, fact: Mapping[str, Any]) -> bool:
        """Whether ``fact`` meets an alternative of its kind (a kind without any: always)."""
        alternatives = self.alternatives.get(fact["kind"])
        if alternatives is None:
            return True
        for test, edges in alternatives:
            for fld, i in edges:
                seen = self.values[i]
                value = fact.get(fld)
                if seen is not None and type(value) is str and value not in seen:
                    break
            else:
                if test is None or test(fact):
                    return True
        return False


def _gate_of(gate: Mapping[str, tuple[Any, ...]] | None) -> Callable[[Mapping[str, Any]], bool] | None:
    """A pattern's gate (``RulesetSpec.gates``' alternative) as a test of a fact; None for no test."""
    return None if gate is None else _gate_test(_gate_sets({"": (gate,)})[""])


def _semijoin_test(alternatives: Sequence[tuple[Callable[[Mapping[str, Any]], bool] | None,
                                                Sequence[tuple[str, frozenset[str] | None]]]]
                   ) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a fact meets one of ``alternatives``: its pattern's gate, and a partner with its value for each join
    (a join whose partner values are not known, None, or a value not a text, holds)."""
    alts = [(test, [(fld, held) for fld, held in edges if held is not None]) for test, edges in alternatives]

    def joinable(fact: Mapping[str, Any]) -> bool:
        for test, edges in alts:
            for fld, held in edges:  # first: a lookup each, where the gate is a call
                value = fact.get(fld)
                if type(value) is str and value not in held:
                    break
            else:
                if test is None or test(fact):
                    return True
        return False
    return joinable


def _absent(screen: frozenset[Any], joined: tuple[str, ...]) -> Callable[[Mapping[str, Any]], bool] | bool:
    """Whether a negated pattern the runtime decides holds given a fact (``_projection``'s absence slot): the
    verdict itself when the pattern joins no field (the same for every fact), else a function of the fact."""
    if not joined:
        return () not in screen  # ``_join_key`` of no field is ``()``, a fact's as the screen's
    if len(joined) == 1 and "." not in joined[0]:
        (fld,) = joined

        def one(fact: Mapping[str, Any]) -> bool:
            value = fact.get(fld, _UNJOINABLE)
            kind = type(value)
            if kind is not str and kind is not int:  # most are: their join value is themselves
                value = _join_value(value)
            return value is _UNJOINABLE or value not in screen
        return one

    if any("." in fld for fld in joined):
        def nested(fact: Mapping[str, Any]) -> bool:
            key = _join_key(fact, joined)
            return key is _UNJOINABLE or key not in screen
        return nested

    def many(fact: Mapping[str, Any]) -> bool:  # ``_join_key`` inline, as ``one``
        values = []
        for fld in joined:
            value = fact.get(fld, _UNJOINABLE)
            kind = type(value)
            if kind is not str and kind is not int:
                value = _join_value(value)
                if value is _UNJOINABLE:
                    return True
            values.append(value)
        return tuple(values) not in screen
    return many


_Held = tuple[dict[str, Any], int, str | None]
"""A looked-up fact's part (``Parts``): the fields attached, the properties they count, and their JSON as a signature
reads it (``_kind_signature``; None: orjson refuses it). Text, not orjson's bytes: each of those takes a page of its
own (50,000 small ones kept 196 MB, their text 6 MB)."""
Parts = dict[tuple[str, ...], dict[str, _Held]]
"""By the fields a lookup wants, what it attached so far by the looked-up fact's key (``_Held``): a fact is looked up
by many (the system by every service, a service by each of its calls), and attached alike to each, whatever the
ruleset or round (nothing changes a projection's parts once made)."""


def _held(target: Mapping[str, Any], wanted: tuple[str, ...]) -> _Held:
    """A looked-up fact's ``_Held`` part, made once per run and fields wanted."""
    part = {k: target[k] for k in wanted if k in target}
    try:
        text: str | None = orjson.dumps(part, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        text = None
    return part, _count_properties(part) if dict in map(type, part.values()) else len(part), text


def _projection(spec: RulesetSpec, store: Mapping[str, Mapping[str, Any]], negated: bool,
                screens: Screens, parts: Parts | None = None) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """What the C core is given of a fact for one ruleset: the fields its rules read, the facts its
    looked-up patterns need attached (``CompiledRule.lookups``), whether the negated patterns the runtime
    decides hold given it (``CompiledRule.absences``, from ``screens``), and, for a negated kind, the prefixed kind.

    The C core parses, hashes and stores every property it is given and hands them all back with each
    activation; the runtime rebuilds the bindings from its own store, so nothing else needs to travel.
    """
    shared = {} if parts is None else parts
    made = {kind: project for kind, (project, _sign) in _projectors(spec, store, negated, screens, shared).items()}

    def project(fact: Mapping[str, Any]) -> dict[str, Any]:
        kind = str(fact["kind"])
        one = made.get(kind)
        if one is None:
            one = made[kind] = _kind_projection(spec, kind, store, negated, screens, shared)[0]
        return one(fact)
    return project


def _projectors(spec: RulesetSpec, store: Mapping[str, Mapping[str, Any]], negated: bool, screens: Screens,
                parts: Parts, quantizer: _Quantizer | None = None
                ) -> dict[str, tuple[Callable[[Mapping[str, Any]], dict[str, Any]], _Signer | None]]:
    """``_kind_projection`` of each kind the ruleset is given (its negated kinds when ``negated``); with a
    ``quantizer``, the signatures class values as it does (``_Quantizer``)."""
    return {kind: _kind_projection(spec, kind, store, negated, screens, parts, quantizer)
            for kind in (spec.negated_kinds if negated else spec.positive_kinds)}


def _kind_projection(spec: RulesetSpec, kind: str, store: Mapping[str, Mapping[str, Any]], negated: bool,
                     screens: Screens, parts: Parts, quantizer: _Quantizer | None = None
                     ) -> tuple[Callable[[Mapping[str, Any]], dict[str, Any]], _Signer | None]:
    """``_projection`` of the facts of one kind, with what only the kind decides settled once per ruleset and round
    rather than per fact (98,000 projections at 5,000 services): its fields, lookups and negated patterns, those
    that join no field decided for all; and, where it can be had without the projection, its ``signature``.

    The properties of a projection are counted as the C core counts them, from the parts it is made of: nested ones
    only when a part has a nested value (``type`` ``dict``), a looked-up fact's part once when it is made. Counting
    the facts themselves once per run, for an upper bound, cost more (a fifth of the projection time)."""
    names = spec.fields.get(kind)
    attach: list[tuple[str, str, str, tuple[str, ...], dict[str, _Held] | None]] = [
        (slot, src, prefix, wanted, None if (src, prefix) == ("key", "") else parts.setdefault(wanted, {}))
        for slot, src, prefix, wanted in spec.lookups.get(kind, ())]
    """The kind's lookups, each with what is attached so far by the looked-up fact's key (``parts``), or None for a
    lookup of the fact itself (made for each fact: it is the only one to look itself up)."""
    regexes = spec.regexes.get(kind, ())
    absences = [(slot, _absent(screens[screen], joined)) for slot, screen, joined in spec.absences.get(kind, ())]
    shown = NEGATED_PREFIX + kind if negated else None

    def attached(fact: Mapping[str, Any], out: dict[str, Any]) -> int:
        """Attach the looked-up facts' parts to ``out``; the properties they count beyond one each."""
        nested = 0
        for slot, src, prefix, wanted, held_by in attach:
            if held_by is None:  # the fact itself (``store`` holds every fact asserted, under its key)
                if not isinstance(fact.get("key"), str):
                    continue
                part = {k: fact[k] for k in wanted if k in fact}
                out[slot] = part
                nested += (_count_properties(part) if dict in map(type, part.values()) else len(part)) - 1
                continue
            if not src:  # ``lookup_target``, inline
                looked = prefix
            else:
                ref = fact.get(src)
                if not isinstance(ref, str):
                    continue
                looked = prefix + ref
            held = held_by.get(looked)
            if held is None:
                target = store.get(looked)
                if target is None:
                    continue
                held = held_by[looked] = _held(target, wanted)
            out[slot] = held[0]
            nested += held[1] - 1
        return nested

    def project(fact: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: fact[k] for k in names if k in fact} if names is not None else dict(fact)
        nested = 0
        if dict in map(type, out.values()):
            nested = sum([_count_properties(v) - 1 for v in out.values() if type(v) is dict])
        if attach:
            nested += attached(fact, out)
        for slot, path, pattern in regexes:
            value = _field(out, path)
            out[slot] = isinstance(value, str) and compile_regex(pattern).fullmatch(value)
        for slot, absent in absences:
            out[slot] = absent if type(absent) is bool else absent(fact)
        if shown is not None:
            out["kind"] = shown
        if len(out) + nested > _FEWEST_PROPERTIES:
            limit = max_properties()  # the installed build's, asked only of a wide fact
            if len(out) + nested > limit:
                raise LimitError(f"fact {fact.get('key')} has more than {limit} properties that rules read")
        return out

    if names is None or regexes or negated or "key" not in names or "kind" not in names:
        return project, None
    return project, _kind_signature(names, attach, store, absences, quantizer)


_COMPARED: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq, "$neq": operator.ne, "$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt,
    "$gte": operator.ge}
"""The C core's comparisons of a property with a constant (``reduceInt``, ``reduceDouble`` in src/rules/events.c)."""
_EXISTS = frozenset(("$ex", "$nex"))
_LONG = 2**63
_PRESENT = 0
"""``_Quantizer``'s class of every value a property's tests cannot tell apart, but for its being there."""
_KNOWN = 4096
"""The integers whose class ``_Quantizer`` keeps per property, at most."""
_ANSWERS = 60
"""The comparisons of a property whose answers ``_Quantizer`` gives a number as its class, at most (the bits of a
64-bit integer, which orjson writes)."""


def _plain_name(name: str) -> bool:
    """Whether the C core hashes a property name as ``fnv1_32`` does: written by JSON as it is (no escape: it hashes
    the JSON text between the quotes)."""
    return _ESCAPED(name) is None


_ESCAPED = re.compile('[\x00-\x1f"\\\\]').search
_name_hash = functools.cache(fnv1_32)
"""``fnv1_32`` of the property names ``_Quantizer`` reads (the rulesets share most), kept for the process."""


def _number(value: Any) -> bool:
    """Whether the C core reads ``value``, as ``_dumps`` writes it, as the same number Python holds: a 64-bit
    integer (``atoll``), or a finite float (written with a decimal point, ``_decimal_json``)."""
    kind = type(value)
    if kind is int:
        return bool(-_LONG <= value < _LONG)
    return kind is float and math.isfinite(value)


def _small(value: Any) -> bool:
    """Whether ``value`` is a scalar or a short list of short scalars: written within a few kilobytes, so that no
    fact of a set stood for by another could pass the C core's bound on a property's size (16 MiB, error 314) or on
    an integer's (64 bits) where the one asserted does not."""
    kind = type(value)
    if kind is str:
        return len(value) <= 256
    if kind is int:
        return bool(-_LONG <= value < _LONG)
    if kind is list:
        return len(value) <= 16 and all(type(v) is not list and _small(v) for v in value)
    return kind is bool or kind is float or value is None


class _Quantizer:
    """What a transient ruleset's rules can tell apart of the values of a property, read from the C core's definition
    of the ruleset: a fact's signature (``_kind_signature``) gives each value the class of the values that every test
    the rules make on the property answers alike, so that facts differing only by numbers the rules compare with
    thresholds, or by values they only ask to be there, are asserted once (a generated 1,000-service design's
    calls differ by their ``chain_depth``, which the rules only compare with 4: its first round's 14,514 facts
    were 2,044 sets, now 338; its calls 1,142, now 135).

    The C core tests each property of a fact on its own, by the hash of its name (``isNextMatch`` in
    src/rules/events.c; nested objects flattened to dotted names), so facts whose properties are the same names in
    the same order and answer each test alike match the same rules; and nothing but the C core reads a transient
    ruleset's projections beyond their key (each fact of a set is recorded from the store, ``_Run.record_set``). A
    property's class (``of``) is ``_PRESENT`` when no test compares it (none, or only ``$ex``/``$nex``) and the
    value is small (``_small``); when every test compares it with a number (at most ``_ANSWERS``), a number's class
    is the answers as bits, each answered as the C core answers it (two integers as 64-bit integers, else as
    doubles); any other value's class is the value itself, in a list (no other class is a list). A nested object
    some test looks into keeps its names, each value given its own property's class. None (values kept as they
    are) for a property compared with text, a boolean or null, and for every property of a ruleset whose definition
    compares a property with anything but a constant, or names one JSON escapes (``_plain_name``: its hash would not
    be ``fnv1_32``'s)."""

    __slots__ = ("made", "nested", "tests")

    def __init__(self, body: Mapping[str, Any]) -> None:
        by_name: dict[str, list[tuple[str, Any]]] = {}
        plain = [True]

        def add(name: str, op: str, value: Any) -> None:
            if type(value) is dict or type(value) is list:
                plain[0] = False  # another property or an expression: what it depends on is not read here
                return
            got = by_name.get(name)
            if got is None:
                by_name[name] = [(op, value)]
            else:
                got.append((op, value))

        def walk(expr: Any) -> None:
            if not isinstance(expr, dict):
                plain[0] = False
                return
            for op, value in expr.items():
                if op in ("$and", "$or") and isinstance(value, list):
                    for one in value:
                        walk(one)
                elif op in ("$iany", "$iall") and isinstance(value, dict):
                    for name, inner in value.items():  # the array's elements are tested, not the fact's properties
                        add(name, op, None)
                        walk(inner)
                elif op.startswith("$") and isinstance(value, dict):
                    for name, constant in value.items():
                        add(name, op, constant)
                else:  # ``{name: constant}``; an unknown ``$op`` is a property name to the C core
                    add(op, "$eq", value)

        for rule in body.values():
            patterns = rule.get("all") if isinstance(rule, dict) else None
            if not isinstance(patterns, list) or any(k not in ("all", "pri", "run") for k in rule):
                plain[0] = False
                continue
            for pattern in patterns:
                if not isinstance(pattern, dict) or len(pattern) != 1:
                    plain[0] = False
                    continue
                for expr in pattern.values():
                    walk(expr)
        tests: dict[int, list[tuple[str, Any]]] = {}
        for name, some in by_name.items():  # by the hash of the name, which the C core finds a test by
            if not isinstance(name, str) or not _plain_name(name):
                plain[0] = False
                break
            tests.setdefault(_name_hash(name), []).extend(some)
        self.tests = tests if plain[0] else None
        self.nested = frozenset([name[:i] for name in by_name if "." in name
                                 for i, ch in enumerate(name) if ch == "."])
        """The names of properties holding an object some test looks into (``a`` and ``a.b`` of ``a.b.c``)."""
        self.made: dict[str, Callable[[Any], Any] | None] = {}

    def of(self, name: str) -> Callable[[Any], Any] | None:
        """The class of a value of the property ``name`` (dotted for a nested one), or None: values kept as they are
        (made once per name)."""
        try:
            return self.made[name]
        except KeyError:
            made = self.made[name] = self._make(name)
            return made

    def _make(self, name: str) -> Callable[[Any], Any] | None:
        if self.tests is None or not _plain_name(name):
            return None
        compared = [(op, value) for op, value in self.tests.get(_name_hash(name), ()) if op not in _EXISTS]
        nested = name in self.nested
        leaf: Callable[[Any], Any]
        if not compared:
            leaf = _present
        elif len(compared) <= _ANSWERS and all(op in _COMPARED and _number(value) for op, value in compared):
            leaf = _answers(compared)
        elif nested:
            leaf = _as_is
        else:
            return None
        known: dict[int, Any] = {}
        """The classes of the integers met so far (most values the rules compare are: each class made once)."""
        of, prefix = self.of, name + "."

        def classed(value: Any) -> Any:
            kind = type(value)
            if kind is int:
                got = known.get(value)
                if got is None:
                    got = leaf(value)
                    if len(known) < _KNOWN:
                        known[value] = got
                return got
            if kind is not dict:
                return leaf(value)
            if not nested:
                return [value]
            out = {}
            for k, v in value.items():
                one = of(prefix + k)
                out[k] = v if one is None else one(v)
            return out
        return classed


def _present(value: Any) -> Any:
    return _PRESENT if _small(value) else [value]


def _as_is(value: Any) -> list[Any]:
    return [value]


def _answers(compared: Sequence[tuple[str, Any]]) -> Callable[[Any], Any]:
    """The class of a number by the answers to ``compared`` (``_Quantizer``): two integers compared as integers, an
    integer and a float as doubles (as the C core's ``reduceDouble`` is given them)."""
    tests = [(_COMPARED[op], value, float(value), type(value) is int) for op, value in compared]

    def answers(value: Any) -> Any:
        kind = type(value)
        if kind is int and -_LONG <= value < _LONG:
            bits = 0
            for i, (test, constant, as_float, whole) in enumerate(tests):
                if test(value, constant) if whole else test(float(value), as_float):
                    bits |= 1 << i
            return bits
        if kind is float and _number(value):
            bits = 0
            for i, (test, _constant, as_float, _whole) in enumerate(tests):
                if test(value, as_float):
                    bits |= 1 << i
            return bits
        return [value]
    return answers


def _kind_signature(names: tuple[str, ...],
                    attach: Sequence[tuple[str, str, str, tuple[str, ...], dict[str, _Held] | None]],
                    store: Mapping[str, Mapping[str, Any]],
                    absences: Sequence[tuple[str, Callable[[Mapping[str, Any]], bool] | bool]],
                    quantizer: _Quantizer | None = None) -> _Signer:
    """What tells a fact's projection (``_kind_projection``) from the others of its kind but for its key, as its
    ``_signature`` does, without the projection: a tuple of the id of the fields it has (projections list them in
    one order), the JSON of their values and of the fields its lookup of itself attaches, each looked-up fact's part
    as JSON (``_Held``, made once per looked-up fact; ``""`` when none is attached) and the negated patterns'
    verdicts (None: orjson refuses a value, the fact is asserted on its own). The JSON of each part is what the
    projection's JSON has in that part's place, so facts share a signature exactly when their projections' JSON
    does. Projecting every fact, a transient ruleset's signatures took a quarter of the run; one JSON text of the
    values and a dict of the attached parts per fact cost 258 ms for the first round's 53,369 signatures at 5,000
    services, these 179 ms.

    The parts come in groups, one per field the lookups read the looked-up fact's key from (``Lookup.field``), in
    the order of the first lookup of each: the texts of a group are found together, once per value of its field (a
    call's target service, datastore and channel are looked up by its ``to``), and those of the lookups that read no
    field (the design's system, security …: the same fact for every fact) once while the store keeps its size.

    With a ``quantizer`` (a transient ruleset's), the values and the parts are read as their classes
    (``_Quantizer``): facts whose projections differ only by what no test of the ruleset tells apart share a
    signature, and the first stands for them all (``_alike_sets``)."""
    fields = tuple([k for k in names if k != "key"])
    # The fields of the fact's lookups of itself (``_kind_projection``: only a fact with a text key has them).
    selves = tuple([wanted for _slot, _src, _prefix, wanted, held_by in attach if held_by is None])
    self_slots = tuple([slot for slot, _src, _prefix, _wanted, held_by in attach if held_by is None])
    fixed, groups = _look_groups(attach, quantizer)
    constant: list[Any] = [len(store), None]  # the store's size when texts were last found; ``fixed``'s (or None)
    verdicts = tuple([absent for _slot, absent in absences])
    fixed_verdicts = all(type(v) is bool for v in verdicts)
    shapes: dict[Any, _Shape] = {}
    """By a fact's keys in order (with ``None`` for a fact without a text key, when it looks itself up), its
    ``_Shape``."""
    shape = _shaper(fields, selves, self_slots, shapes, quantizer)
    dumps, option = orjson.dumps, orjson.OPT_NON_STR_KEYS

    def signature(fact: Mapping[str, Any]) -> Any:
        keys: Any = tuple(fact)
        if selves and not isinstance(fact.get("key"), str):
            keys = (keys, None)
        got = shapes.get(keys) or shape(keys, fact)
        try:
            text = dumps(got[1](fact), option=option).decode()  # text: see ``_Held``
            out = [got[0], text if got[2] is None else got[3].get(text) or _class_text(got, fact, text)]
        except TypeError:
            return None
        if len(store) != constant[0]:  # misses may be found now
            constant[0], constant[1] = len(store), None
            for group in groups:
                group[2].clear()
        if fixed:
            found = constant[1]
            if found is None:
                found = constant[1] = _texts(fixed, "", store)
                if found is None:
                    return None
            out += found
        for src, looks, by_ref, blank in groups:
            ref = fact.get(src)
            if type(ref) is not str and not isinstance(ref, str):
                out += blank
                continue
            found = by_ref.get(ref)
            if found is None:
                found = _texts(looks, ref, store)
                if found is None:
                    return None
                by_ref[ref] = found
            out += found
        if verdicts:
            out.extend(verdicts if fixed_verdicts else [v if type(v) is bool else v(fact) for v in verdicts])
        return tuple(out)

    return _Signer(signature, _many(shape, selves, shapes, constant, fixed, groups, verdicts, store,
                                    quantizer is not None))


_Shape = tuple[int, Callable[[Mapping[str, Any]], Any], "Callable[[Mapping[str, Any]], Any] | None", dict[str, str]]
"""What a kind's signature (``_kind_signature``) reads of the facts with one list of keys: the id of the fields
projected of them (but the key) and the fields of themselves they attach, the getter of those values, the same with
each value given its class (``_classed``; None: none has one), and the JSON of those classes by that of the values
(each made once: facts whose values read alike are alike to the C core, whatever their classes)."""


def _shaper(fields: tuple[str, ...], selves: tuple[tuple[str, ...], ...], self_slots: tuple[str, ...],
            shapes: dict[Any, _Shape], quantizer: _Quantizer | None) -> Callable[[Any, Mapping[str, Any]], _Shape]:
    """The function that gives ``shapes``' entry for a fact with given keys (``_kind_signature``), made the first
    time."""
    ids: dict[tuple[Any, ...], int] = {}

    def shape(keys: Any, fact: Mapping[str, Any]) -> _Shape:
        got = shapes.get(keys)
        if got is None:
            keyless = bool(selves) and not isinstance(fact.get("key"), str)
            present = tuple([k for k in fields if k in fact])
            own = None if keyless else tuple([tuple([k for k in w if k in fact]) for w in selves])
            read = present + tuple([k for w in own or () for k in w])
            getter = operator.itemgetter(*read) if read else _no_values
            classer = None
            if quantizer is not None and read:
                paths = present + tuple([slot + "." + k for slot, w in zip(self_slots, own or (), strict=False)
                                         for k in w])
                classer = _classed(getter, [quantizer.of(path) for path in paths])
            got = shapes[keys] = (ids.setdefault((present, own), len(ids)), getter, classer, {})
        return got
    return shape


def _class_text(shape: _Shape, fact: Mapping[str, Any], text: str) -> str:
    """The JSON of the classes of a fact's values (``_Shape``), kept for facts whose values' JSON is ``text``."""
    made = shape[3][text] = orjson.dumps(shape[2](fact), option=orjson.OPT_NON_STR_KEYS).decode()  # type: ignore[misc]
    return made


def _classed(getter: Callable[[Mapping[str, Any]], Any], classes: Sequence[Callable[[Any], Any] | None]
             ) -> Callable[[Mapping[str, Any]], Any] | None:
    """``getter`` (an ``itemgetter`` of the fields ``classes`` are of, in order) with each value given its class where
    it has one (``_Quantizer.of``); None when none has."""
    if len(classes) == 1:
        one = classes[0]
        return None if one is None else lambda fact: one(getter(fact))
    classed = [(i, c) for i, c in enumerate(classes) if c is not None]
    if not classed:
        return None

    def get(fact: Mapping[str, Any]) -> list[Any]:
        values = list(getter(fact))
        for i, c in classed:
            values[i] = c(values[i])
        return values
    return get


def _many(shape: Callable[[Any, Mapping[str, Any]], _Shape], selves: tuple[tuple[str, ...], ...],
          shapes: dict[Any, _Shape],
          constant: list[Any], fixed: tuple[_Look, ...], groups: tuple[_LookGroup, ...],
          verdicts: tuple[Callable[[Mapping[str, Any]], bool] | bool, ...], store: Mapping[str, Mapping[str, Any]],
          classing: bool) -> Callable[[Sequence[Mapping[str, Any]]], list[Any]]:
    """``_Signer.many`` of a kind's ``signature`` (``_kind_signature``), sharing what it keeps (``shape`` makes
    ``shapes``' entries; ``classing``: some may class values)."""
    fixed_verdicts = all(type(v) is bool for v in verdicts)
    dumps, option = orjson.dumps, orjson.OPT_NON_STR_KEYS

    def many(facts: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The signatures of ``facts`` (all of this kind), made column by column rather than fact by fact: each
        tells the facts apart exactly as ``signature`` does, less what is the same for all of them while the store
        keeps its size (the parts of the lookups that read no field, the verdicts that join no field)."""
        if len(store) != constant[0]:  # misses may be found now
            constant[0], constant[1] = len(store), None
            for group in groups:
                group[2].clear()
        if fixed:
            if constant[1] is None:
                constant[1] = _texts(fixed, "", store)
            if constant[1] is None:
                return [None] * len(facts)
        keyss: list[Any] = list(map(tuple, facts))
        if selves:
            keyss = [k if isinstance(f.get("key"), str) else (k, None) for k, f in zip(keyss, facts, strict=True)]
        got: list[Any] = list(map(shapes.get, keyss))
        if None in got:  # each new list of keys made once (``shape``), then every fact's looked up again
            for k, f in zip(keyss, facts, strict=True):
                if k not in shapes:
                    shape(k, f)
            got = list(map(shapes.__getitem__, keyss))
        refused: list[int] = []
        try:
            texts: list[str | None] = [dumps(g[1](f), option=option).decode() for g, f in zip(got, facts, strict=True)]
        except TypeError:  # a value orjson refuses (``signature`` says None for that fact): each on its own
            texts = [_signature(g[1](f)) for g, f in zip(got, facts, strict=True)]
            refused = [i for i, text in enumerate(texts) if text is None]
        if classing:  # orjson writes the classes of values it writes (``_Quantizer``)
            texts = [t if g[2] is None or t is None else g[3].get(t) or _class_text(g, f, t)
                     for g, f, t in zip(got, facts, texts, strict=True)]
        columns: list[Any] = [[g[0] for g in got], texts]
        columns += [_group_column(group, facts, store, refused) for group in groups]
        if verdicts and not fixed_verdicts:  # verdict by verdict, then each fact's as a tuple
            columns.append(list(zip(*[[v] * len(facts) if type(v) is bool else list(map(v, facts))
                                      for v in verdicts], strict=True)))
        out: list[Any] = list(zip(*columns, strict=True))
        for i in refused:
            out[i] = None
        return out

    return many


def _group_column(group: _LookGroup, facts: Sequence[Mapping[str, Any]], store: Mapping[str, Mapping[str, Any]],
                  refused: list[int]) -> list[Any]:
    """The texts a group of lookups attaches to each of ``facts`` (``_Signer.many``), as ``signature`` finds them; the
    position of a fact for which orjson refuses a part is added to ``refused``."""
    src, looks, by_ref, blank = group
    found = by_ref.get
    column = [found(r) if isinstance(r, str) else blank for r in [f.get(src) for f in facts]]
    if None in column:
        for i, texts in enumerate(column):
            if texts is None:
                ref = facts[i][src]
                made = by_ref.get(ref)
                if made is None:
                    made = _texts(looks, ref, store)
                    if made is None:
                        refused.append(i)
                        continue
                    by_ref[ref] = made
                column[i] = made
    return column


class _Signer:
    """A kind's signature (``_kind_signature``): of one fact (called), or of many (``many``)."""

    __slots__ = ("many", "one")

    def __init__(self, one: Callable[[Mapping[str, Any]], Any],
                 many: Callable[[Sequence[Mapping[str, Any]]], list[Any]]) -> None:
        self.one, self.many = one, many

    def __call__(self, fact: Mapping[str, Any]) -> Any:
        return self.one(fact)


_Look = tuple[str, tuple[str, ...], dict[str, _Held], "Callable[[Any], Any] | None", dict[str, str]]
"""A lookup of another fact, as a signature finds its part (``_texts``): the prefix of the looked-up key, the fields
wanted, what is attached so far by looked-up key (``Parts``), the class of the part (``_Quantizer.of`` its slot;
None: its JSON as it is), and the JSON of the classes by the part's JSON (as ``_Shape``'s)."""
_LookGroup = tuple[str, tuple[_Look, ...], dict[str, tuple[str, ...]], tuple[str, ...]]
"""The lookups that read the looked-up key from one field (``_look_groups``): the field, the lookups, their texts by
the field's value (its hash kept, which spares joining the key to look up and hashing it anew; a miss kept while the
store keeps its size: it only grows, and a derived fact may be the one looked up), and the texts of a fact whose value
is not a text (no part)."""


def _look_groups(attach: Sequence[tuple[str, str, str, tuple[str, ...], dict[str, _Held] | None]],
                 quantizer: _Quantizer | None = None) -> tuple[tuple[_Look, ...], tuple[_LookGroup, ...]]:
    """A kind's lookups of other facts (``_kind_signature``) in groups by the field they read the key from, in the
    order of the first of each: those that read none (the same texts for every fact), and each other group."""
    grouped: dict[str, list[_Look]] = {}
    for slot, src, prefix, wanted, held_by in attach:
        if held_by is not None:
            grouped.setdefault(src, []).append(
                (prefix, wanted, held_by, None if quantizer is None else quantizer.of(slot), {}))
    fixed = tuple(grouped.pop("", ()))
    return fixed, tuple([(src, tuple(looks), {}, ("",) * len(looks)) for src, looks in grouped.items()])


def _texts(looks: Sequence[_Look], ref: str, store: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...] | None:
    """The JSON of the parts ``looks`` attach to a fact whose looked-up field is ``ref`` (``""`` where none is), as
    ``attached`` finds each part; None when orjson refuses one."""
    out = []
    for prefix, wanted, held_by, classed, made in looks:
        looked = prefix + ref
        held = held_by.get(looked)
        if held is None:
            target = store.get(looked)
            if target is not None:
                held = held_by[looked] = _held(target, wanted)
        if held is None:
            out.append("")
        elif held[2] is None:
            return None
        elif classed is None:
            out.append(held[2])
        else:  # the part with its values' classes
            text = made.get(held[2])
            if text is None:
                text = made[held[2]] = orjson.dumps(classed(held[0]), option=orjson.OPT_NON_STR_KEYS).decode()
            out.append(text)
    return tuple(out)


def _no_values(_fact: Mapping[str, Any]) -> tuple[()]:
    return ()


class _Recorder(Protocol):
    """``_Run.recorder``'s function: record a rule's matches, each the matched facts by alias, or with ``alone``, the
    keys of facts each matched alone under that alias."""

    def __call__(self, matches: Iterable[Any], alone: str | None = None) -> None: ...


_Step = tuple[Callable[[Mapping[str, Any]], bool] | None, Callable[[Mapping[str, Any]], dict[str, Any]],
              "_Signer | None"]
"""What ``_Run.assert_all`` does with a fact of one kind: its ruleset's gate (``RulesetSpec.gate``), its projection
and its signature (``_kind_projection``)."""
_GIVEN: _Step = (None, dict, None)
"""The ``_Step`` of a projection given as it is (``_Run.representatives``): a copy of it, no signature of its own."""


def _signature(projection: Mapping[str, Any]) -> str | None:
    """The JSON of a projection (its key left out), which alike ones share; None for what orjson refuses (integers
    beyond 64 bits: asserted on its own). Keys unsorted: a kind's projections list their fields in one order (a fact
    copied whole, its own: two alike ones in another order are only asserted apart), and sorting cost half of this.
    Text, as a set's is kept (see ``_Held``)."""
    try:
        return orjson.dumps(projection, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return None


def _dumps(value: Any) -> str:
    """JSON text for the C core: orjson (five times json's speed), or json for what orjson refuses
    (integers beyond 64 bits, which the model does not bound); rewritten by ``_decimal_json`` when it holds a
    number in exponent form (found in 2 ms in the 1.5 MB a 5,000-service check hands the C core)."""
    text = _json(value)
    return text if _EXPONENT(text) is None else _decimal_json(value)


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False)


_EXPONENT = re.compile("e[-+](?<=[0-9]e[-+])").search
"""Where orjson (or json) wrote a float in exponent form (``1e+16``, ``1e-7``), or text that looks so."""


def _decimal_json(value: Any) -> str:
    """``value`` as JSON with every float written as a plain decimal with a point (``1e16`` as
    ``10000000000000000.0``, ``1e-7`` as ``0.0000001``), the rest as ``_dumps`` writes it. The C core's parser
    (``getNumber`` in src/rules/json.c) ends a number without a point at its exponent: given ``1e+16`` it read 1,
    then the rest of the text as garbage, and segfaulted the process (exit 139) on any fact or rule constant
    holding such a float. A plain decimal is read by ``atof`` as the same double (the digits are the float's
    shortest ``repr``)."""
    kind = type(value)
    if kind is dict:
        return "{" + ",".join(f"{_json(str(k))}:{_decimal_json(v)}" for k, v in value.items()) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join(map(_decimal_json, value)) + "]"
    if kind is float and math.isfinite(value):
        text = repr(value)
        if "e" in text:
            text = format(decimal.Decimal(text), "f")
            return text if "." in text else text + ".0"
        return text
    return _json(value)


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a ValueError; json reads what orjson refuses (integers beyond 64 bits)
        return json.loads(text)


def _decode(ruleset: str, activations: Sequence[str]) -> list[dict[str, Any]]:
    """The JSON of activations from one ruleset, parsed in one call (one parse per activation cost a tenth of a run)."""
    try:
        decoded = _loads("[" + ",".join(activations) + "]")
        if all(isinstance(d, dict) for d in decoded):
            return list(decoded)
    except ValueError:
        pass
    for message in activations:  # name the culprit
        try:
            one = json.loads(message)
        except ValueError as exc:
            raise EngineError(f"durable_rules returned an unreadable activation from {ruleset}: {exc}") from None
        if not isinstance(one, dict):
            raise EngineError(f"durable_rules returned an unreadable activation from {ruleset}: {message[:80]}")
    raise EngineError("durable_rules returned unreadable activations")  # pragma: no cover - one of them failed


def _single_matches(activations: Sequence[str]) -> list[tuple[str, str, str]] | None:
    """Each activation of a transient ruleset as (rule, alias, key of the one fact matched), read from its text
    without parsing the fact (``_decode`` spent a tenth of the rule firing at 1,000 services, 20 ms, parsing 3.6 MB
    of projections of which only the key is read).

    The C core writes an activation as ``{"rule":{"alias":{...,"key":"...","id":n}}}``, the fact's properties in
    the order asserted, and a transient ruleset's projections end with their key, then the id that
    ``_Ruleset.assert_batch`` adds (``_alike_sets``). None when one is not so written beyond doubt (more than one
    ``"id":`` (more than one fact, or a nested value holding one), an id that is not a number, the key not just
    before it, an escape in the names or the key): ``_decode`` then reads them all."""
    out: list[tuple[str, str, str]] = []
    for text in activations:  # the id and the key are found from the end: no value of the fact is read
        end = text.rfind(',"id":')
        start = text.rfind(',"key":"', 0, end)
        rule = text.find('":{"', 2)
        fact = text.find('":{', rule + 4)
        if (end < 0 or start < 0 or rule < 0 or fact < 0 or text[end - 1] != '"' or text[-3:] != "}}}"
                or text[:2] != '{"' or not text[end + 6:-3].isdigit() or text.count('"id":') != 1):
            return None
        key = text[start + 8:end - 1]
        if '"' in key or "\\" in key or "\\" in text[:fact] or '"' in text[rule + 4:fact]:
            return None
        out.append((text[2:rule], text[rule + 4:fact], key))
    return out


class _Ruleset:
    """One ruleset in the C core, driven directly (no ``durable.engine.Host``).

    The Host's Python glue (closures, promises, a state round-trip per action) cost more than the C
    core itself. The driver asserts facts in batches, then drains the agenda: for each activation the
    C core hands back the matched facts, which are recorded, and the action is completed. No Python
    runs inside the C core, so no action error can be swallowed and no timer thread ever starts.
    """

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        self.name = name
        body = self.body_of(definition)
        self.body = body
        """The C core's definition of the ruleset, as it was given it (``quantizer``)."""
        self._quantizer: _Quantizer | None = None
        try:
            self.handle = _C.create_ruleset(name, _dumps(body))
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception; the C core rejected a definition
            raise EngineError(f"durable_rules rejected the compiled rules: {exc}") from None
        self.stored: list[str] = []
        """The JSON batches asserted this run, in order: ``reset`` retracts them."""
        self.next_id = 0
        self.acted = False
        """Whether an action ran to completion in the session (see ``free``)."""
        self.clean = True
        """Whether the session holds no fact (``free``: it may then delete its state)."""
        self._prime()

    @staticmethod
    def body_of(definition: Mapping[str, Any]) -> dict[str, Any]:
        """What the C core is given of a ruleset's definition: its rules without their actions, and the sentinel."""
        body = {rule: {k: v for k, v in d.items() if k != "run"} for rule, d in definition.items()}
        body[_SENTINEL_RULE] = {"all": [{"m": {"kind": _SENTINEL_KIND}}]}
        return body

    @property
    def quantizer(self) -> _Quantizer:
        """What the ruleset's rules can tell apart of its facts' values (``_Quantizer``), read from its definition
        once, when a run first signs its facts."""
        if self._quantizer is None:
            self._quantizer = _Quantizer(self.body)
        return self._quantizer

    def _prime(self) -> None:
        """Fire the sentinel rule once, complete its action and retract its fact, so that the session has run an
        action before any run: ``free`` can then always delete its state (see there), whether or not a rule of
        the knowledge base ever fires. Without it, a session whose rules never fired kept its frame pools for
        the life of the process: 74 KB per evicted knowledge base, 295 MB over 4,000 evictions."""
        try:
            result = _C.assert_facts(self.handle, _SENTINEL_FACT)
            self._drain(result[1], None)
            result = _C.retract_facts(self.handle, _SENTINEL_FACT)
            self._drain(result[1], None)
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed preparing {self.name}: {exc}") from None

    def assert_batch(self, facts: list[dict[str, Any]], sink: list[str], keep: bool = True) -> None:
        """Assert facts (given fresh ids) and append every activation they cause to ``sink``.

        With ``keep`` false (transient rulesets) the facts are retracted again once their activations
        have been collected.
        """
        ids = _SAFE_IDS.first(self.next_id + len(facts))
        for i, f in enumerate(facts, self.next_id):
            f["id"] = ids[i]
        self.next_id += len(facts)
        payload = _dumps(facts)
        self.clean = False
        try:
            result = _C.assert_facts(self.handle, payload)
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed asserting facts into {self.name}: {exc}") from None
        self._drain(result[1], sink)
        if keep:
            self.stored.append(payload)
            return
        try:
            result = _C.retract_facts(self.handle, payload)
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed retracting facts from {self.name}: {exc}") from None
        self._drain(result[1], None)
        self.next_id -= len(facts)  # nothing of this batch stays: its ids are free again
        self.clean = not self.stored

    def _drain(self, state_handle: int, sink: list[str] | None) -> None:
        try:
            res = _C.start_action_for_state(self.handle, state_handle)
            while res:
                if sink is not None:
                    sink.append(res[1])
                nxt = _C.complete_and_start_action(self.handle, state_handle)
                res = (None, nxt) if nxt else None
                self.acted = True
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed running the agenda of {self.name}: {exc}") from None

    def reset(self) -> None:
        """Retract every fact this run stored, newest batch first (never ``delete_state``, see below)."""
        try:
            while self.stored:
                result = _C.retract_facts(self.handle, self.stored.pop())
                self._drain(result[1], None)  # actions a retraction triggers belong to no run
            self.clean = True
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"could not reset the rule engine: {exc}") from None
        finally:
            self.stored.clear()
            self.next_id = 0

    def free(self) -> None:
        """Delete the ruleset, and first its session's state when that is safe.

        ``delete_ruleset`` frees the ruleset but not its session (src/rules/rete.c, ``deleteRuleset``): the
        frame pools of every join and action, 2.5 MB per ruleset of the built-in rules. Eight knowledge bases
        rotating through the cache grew a process by 7.6 MB per run. ``delete_state`` frees them, but it also
        ``free()``s two pointers of the session that only a completed action sets (``createStateNode`` leaves
        them uninitialised, src/rules/state.c): on a session where no action ever ran it frees garbage, the
        crash the notes and ``reset`` describe. So the state is deleted only when the session is empty and an
        action has run in it; ``_prime`` has made sure one has, when the ruleset was created.
        """
        if self.acted and self.clean:
            with contextlib.suppress(Exception):  # no state to delete (error: sid not found)
                _C.delete_state(self.handle, "0")
        _C.delete_ruleset(self.handle)


class _Session:
    """One compiled knowledge base loaded into the C core, reused across runs."""

    def __init__(self, kb: CompiledKB) -> None:
        self.kb = kb
        self.lock = threading.Lock()
        self.dirty = False
        self.rulesets: dict[str, _Ruleset] = {}
        try:
            for name, definition in kb.definitions.items():  # read, never changed: _Ruleset makes its own body
                self.rulesets[name] = _Ruleset(name, definition)
        except EngineError:
            self.free()
            raise

    def free(self) -> None:
        try:
            self.reset()
        finally:
            for rs in self.rulesets.values():
                rs.free()
            self.rulesets.clear()

    def reset(self) -> None:
        """Empty the sessions for the next run by retracting every fact this run stored.

        Not ``delete_state``: in the C core it segfaults or corrupts the heap ("free(): invalid
        pointer") whenever a join holds a partial match (a fact matched a rule's first pattern and
        nothing joined it yet, or the reverse), and when a session has only seen unmatched facts; a
        knowledge base with any join hits that on most designs. Retraction is the engine's own,
        supported way back to an empty session, and keeps memory flat. Deleting and re-creating the
        rulesets instead leaks about 110 KB per ruleset in the C core. The reset runs at the start of
        the next run, so a one-shot command never pays for it.
        """
        if not self.dirty:
            return
        try:
            for name in sorted(self.rulesets):
                self.rulesets[name].reset()
        finally:
            self.dirty = False

    def _check_combinations(self, stratum: int, facts: Sequence[Mapping[str, Any]]) -> None:
        """Refuse, before it fires, a rule whose unjoined patterns would match too many combinations of facts (the
        facts counted by kind only when a rule of the stratum has such patterns: the built-in rules have none). Only
        the rules given to the C core (``CompiledKB.kept``): one left out cannot match (``CompiledKB.for_facts``)."""
        counts: Counter[str] | None = None
        kept = self.kb.kept
        for crule in self.kb.rules.values():
            if crule.stratum != stratum or (kept is not None and crule.name not in kept) or len(crule.unjoined) < 2:
                continue
            if counts is None:
                counts = Counter(str(f["kind"]) for f in facts)
            n = combinations(crule.unjoined, counts)
            if n > MAX_COMBINATIONS:
                lr = self.kb.source.get(crule.rule_id)
                raise LimitError(
                    f"rule '{crule.rule_id}' would match {n:,} combinations of facts on this design (its patterns "
                    f"{' x '.join('/'.join(g) for g in crule.unjoined)} share no join), over the "
                    f"{MAX_COMBINATIONS:,} limit; join its patterns", lr.locate("when") if lr is not None else None)

    def _rule_location(self, rule_id: str) -> Location | None:
        lr = self.kb.source.get(rule_id)
        return lr.locate("derive") if lr is not None else None

    def run(self, facts: Iterable[Mapping[str, Any]], limits: RunLimits,
            apply: Callable[[CompiledRule, Mapping[str, Mapping[str, Any]]], Outcome] | None = None,
            owned: bool = False) -> RunResult:
        own = apply is None
        if apply is None:
            apply = _consequences_of(self.kb)
        self.reset()
        self.dirty = True
        fire = _Run(self, limits, apply, _store_of(facts, limits, owned), direct_gaps=own)
        try:
            for stratum in range(self.kb.strata):
                fire.stratum(stratum)
            return fire.result
        finally:  # the recorders refer to the run: without them it is freed as soon as it returns (its store too)
            fire.recorders.clear()


def _consequences_of(kb: CompiledKB) -> Callable[[CompiledRule, Mapping[str, Mapping[str, Any]]], Outcome]:
    """The rules' own consequences, as ``_Session.run`` applies them unless told otherwise."""
    rule_of = {rid: lr.rule for rid, lr in kb.source.items()}
    made: dict[str, Consequence] = {}

    def apply(cr: CompiledRule, b: Mapping[str, Mapping[str, Any]]) -> Outcome:
        consequence = made.get(cr.name)
        if consequence is None:  # worked out once per variant and run
            consequence = made[cr.name] = Consequence(cr, rule_of[cr.rule_id])
        return consequence(b)
    return apply


def _sinks(kb: CompiledKB) -> dict[str, Consequence]:
    """The consequences of the compiled rules that only derive facts of kinds no rule reads (no lookup either),
    by compiled rule name (``Consequence.derives_only``), of the rules given to the C core (``CompiledKB.kept``: no
    other can match); the kinds read are every rule's."""
    read = {p.kind for crule in kb.rules.values() for p in crule.patterns}
    out: dict[str, Consequence] = {}
    kept = kb.kept
    for name, crule in kb.rules.items():
        if kept is not None and name not in kept:
            continue
        rule = kb.source[crule.rule_id].rule
        if crule.gap is None and not crule.lookups and rule.risk is None and rule.adjust is None and rule.derive:
            consequence = Consequence(crule, rule)
            if consequence.derives_only(read.__contains__):
                out[name] = consequence
    return out


def _store_of(facts: Iterable[Mapping[str, Any]], limits: RunLimits, owned: bool = False) -> dict[str, dict[str, Any]]:
    """The input facts by key (copies, unless ``owned``: the caller's dicts stay as given), refused past
    ``limits.max_facts``."""
    store: dict[str, dict[str, Any]] = {}
    for f in facts:
        if len(store) >= limits.max_facts:
            raise LimitError(f"the design has more than {limits.max_facts:,} facts once enriched; "
                             "raise the bound with --max-facts")
        store[str(f["key"])] = f if owned and type(f) is dict else dict(f)
    return store


_FACT, _STEP = operator.itemgetter(0), operator.itemgetter(1)


def _alike_sets(given: Sequence[tuple[Mapping[str, Any], _Step]], alike: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One projection of each set of facts given to a transient ruleset (each with its kind's ``_Step``) that the C
    core would see alike but for their keys, or whose values its tests answer alike (``_Quantizer``), the others kept
    in ``alike`` under its key. A transient ruleset's rules
    each match one fact alone, on the fields projected, so every fact of a set has the activations of the one
    asserted (``_Run.drain`` records them for each): designs repeat the same settings across services (train-ticket's
    603 projections are 43 sets; a generated 5,000-service design's 53,369 are 5,230). A fact is told apart by its
    kind's signature where it has one (``_kind_signature``), so that only the first fact of each set is projected."""
    first: dict[Any, list[str]] = {}
    """By signature, the keys of the facts of its set so far (``alike``'s list of the set's first fact)."""
    kept: list[dict[str, Any]] = []
    signed: list[Any] = []
    for step, run in itertools.groupby(given, _STEP):  # a kind's facts come together: signed together
        facts = list(map(_FACT, run))
        signed += [None] * len(facts) if step[2] is None else step[2].many(facts)
    for (f, step), sig in zip(given, signed, strict=True):
        if sig is not None:  # most: a fact signed, of a set met before
            keys = first.get(sig)
            if keys is not None:
                keys.append(f["key"])
                continue
        _gate, project, sign = step
        p: dict[str, Any] | None = None
        if sign is None:  # no signature of its own: the projection's
            p = project(f)
            key = p.pop("key")
            sig = _signature(p)  # noqa: PLW2901 - None from ``signed`` (no signer)
            p["key"] = key
        else:
            key = f["key"]
        keys = first.get(sig) if sig is not None else None
        if keys is None:
            if p is None:
                p = project(f)
                p["key"] = p.pop("key")  # last, as in a projection whose signature was taken
            keys = alike[key] = [key]
            if sig is not None:
                first[sig] = keys
            kept.append(p)
        else:
            keys.append(key)
    return kept


def _adjust_maker(apply: Callable[[Mapping[str, Mapping[str, Any]]], Outcome], risk_alias: str,
                  risks: Sequence[Mapping[str, Any]], alias: str | None, found: Sequence[Mapping[str, Any]]
                  ) -> Callable[[int], Any]:
    """``AdjustGroup.make``: the ``AdjustRecord`` of the match on ``risks[i]`` (with ``found[i]`` under ``alias``, the
    fact it looked up), as ``_Run.recorder`` applies the rule to it. Only the matched facts are kept, not the run's
    store."""

    def make(i: int) -> Any:
        bindings = {risk_alias: risks[i]}
        if alias is not None:
            bindings[alias] = found[i]
        return apply(bindings).adjust
    return make


class _Run:
    """One run of a session to a fixed point: the facts known so far, the derived facts waiting to be
    asserted, the activations waiting to be recorded, and the bounds."""

    def __init__(self, session: _Session, limits: RunLimits,
                 apply: Callable[[CompiledRule, Mapping[str, Mapping[str, Any]]], Outcome],
                 store: dict[str, dict[str, Any]], direct_gaps: bool = False) -> None:
        self.session, self.kb, self.limits, self.apply, self.store = session, session.kb, limits, apply, store
        self.result = RunResult()
        self.max_derived = limits.derived_bound(len(store))
        self.depth: dict[str, int] = {}
        """Chain depth of each derived fact (input facts are 0 deep)."""
        self.started = time.monotonic()
        self.steps = 0
        self.queue: list[dict[str, Any]] = []
        self.parts: Parts = {}
        """What lookups attached so far (``Parts``)."""
        self.screens: Screens = {}
        """The current stratum's ``_screens``."""
        self.joinable: dict[str, dict[str, Callable[[Mapping[str, Any]], bool]]] = {}
        """The current stratum's ``_joinable``, by ruleset."""
        self.holds: dict[str, _Holds] = {}
        """The current stratum's ``_Holds``, by join ruleset with ``RulesetSpec.holds``."""
        self.activations: list[str] = []
        self.alike: dict[str, list[str]] = {}
        """While a transient ruleset's facts are asserted: the keys of the facts each asserted one stands for
        (its own first; see ``representatives``). Empty otherwise: every activation is then its own fact's."""
        """The JSON of the activations the last assert caused (one ruleset's)."""
        kept = self.kb.kept
        self.gaps = {name: gap_recorder(c) for name, c in self.kb.rules.items()
                     if c.gap is not None and (kept is None or name in kept)} if direct_gaps else {}
        """With the rules' own consequences, each gap variant's recorder (``gap_recorder``, as ``consequences``
        would record its match), of the variants given to the C core (``CompiledKB.kept``: no other can match)."""
        self.direct = {name: gap for name, gap in self.gaps.items()
                       if all(lk.negated for lk in self.kb.rules[name].lookups)}
        """The gap variants that bind no looked-up fact (none looked up, or only negated patterns, which the C core
        decides on the facts' projections: ``recorder`` binds nothing for them), recorded from the C core's
        projections as they come, without binding the facts themselves (three in four matches at 5,000 services; a
        call's gap asked unless its target is a channel, another 20,000)."""
        self.questions = {name: q for name in self.direct if (q := gap_question(self.kb.rules[name])) is not None}
        """Of those, the one-pattern ones' questions: their matches on a transient ruleset's alike facts are
        recorded as one group (``RunResult.gap_groups``)."""
        self.consequences: dict[str, Consequence] | None = {} if direct_gaps else None
        """With the rules' own consequences, each compiled rule's, made when it first matches; else None (``apply``
        is given)."""
        self.recorders: dict[str, _Recorder] = {}
        """Each compiled rule's ``recorder``, made when it first matches (emptied when the run ends: they refer to the
        run, which the garbage collector, paused during a review, would otherwise have to free)."""
        self.sinks = _sinks(self.kb) if direct_gaps else {}
        """With the rules' own consequences, those of the rules that only derive facts no rule reads (the planning
        rules' ``plan_item`` facts, 46,000 at 5,000 services), by compiled rule: ``record_sink`` keeps what they
        derive without the general path's work (no risk or adjustment to make, nothing to assert again)."""

    def stratum(self, stratum: int) -> None:
        """Fire one stratum's rulesets over every fact known so far, then over what they derive, to a fixed point."""
        specs = [s for s in self.kb.rulesets if s.stratum == stratum]
        current = sorted(self.store.values(), key=lambda f: (str(f["kind"]), str(f["key"])))
        self.session._check_combinations(stratum, current)
        self.screens = _screens(specs, current)  # negated kinds are complete now: nothing later derives them
        self.joinable = {spec.name: _joinable(spec, current) for spec in specs}
        self.holds = {spec.name: _Holds(spec) for spec in specs if spec.holds}  # what is held is dropped at the end
        for spec in specs:  # negated kinds first, complete, so that $not sees every fact
            self.assert_all(spec, current, negated=True)
        for spec in specs:
            self.assert_all(spec, current)
        while self.queue:  # derived facts, round by round, until no rule derives anything new
            derived = list(self.queue)
            self.queue.clear()
            for spec in specs:
                self.assert_all(spec, derived)
        self.check_time()
        # Later strata see this stratum's derived facts (all of them, including ones no rule here matched).

    def check_time(self) -> None:
        budget.check("firing the rules")
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise LimitError(f"rule firing took longer than {self.limits.max_seconds:g} s; the run was stopped "
                             "(raise the bound with --max-seconds)")

    def assert_all(self, spec: RulesetSpec, facts: Iterable[Mapping[str, Any]], negated: bool = False) -> None:
        rs = self.session.rulesets[spec.name]
        prefix = NEGATED_PREFIX if negated else ""
        joinable = {} if negated else self.joinable.get(spec.name, {})
        if not isinstance(facts, list):
            facts = list(facts)
        # Only a transient ruleset's facts are signed; a few are not worth reading its definition (``_CLASSED_FROM``).
        quantizer = rs.quantizer if spec.transient and len(facts) >= _CLASSED_FROM else None
        # A fact ``joinable`` admits passes the gate (it passes the gate of a pattern of its kind, or one with none)
        steps = {kind: (joinable.get(kind) or spec.gate(prefix + kind), project, sign)
                 for kind, (project, sign) in _projectors(spec, self.store, negated, self.screens, self.parts,
                                                          quantizer).items()}
        batch: list[dict[str, Any]] = []
        if steps and spec.transient:  # the facts that pass the gate, in sets of alike ones
            given = [(f, step) for f in facts
                     if (step := steps.get(f["kind"])) is not None and (step[0] is None or step[0](f))]
            self.result.asserted += len(given)
            batch = _alike_sets(given, self.alike)
        elif steps and (holds := None if negated else self.holds.get(spec.name)) is not None:
            facts = list(facts)
            # Released first: a held fact is asserted before the partner it waited for, as it was before holding.
            batch = [steps[f["kind"]][1](f) for f in holds.given(facts)]
            held, alternatives = holds.held, holds.alternatives
            for f in facts:
                step = steps.get(f["kind"])
                if step is not None and (step[0] is None or step[0](f)):
                    if f["kind"] not in alternatives or holds.meets(f):
                        batch.append(step[1](f))
                    else:
                        held.append(f)
            self.result.asserted += len(batch)
        elif steps:
            for f in facts:  # the facts of the ruleset's kinds that pass its gate (``RulesetSpec.admits``), projected
                step = steps.get(f["kind"])
                if step is not None and (step[0] is None or step[0](f)):
                    batch.append(step[1](f))
            self.result.asserted += len(batch)
        for i in range(0, len(batch), _CHUNK):
            rs.assert_batch(batch[i:i + _CHUNK], self.activations, keep=not spec.transient)
            self.drain(spec.name)
        self.alike.clear()

    def representatives(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``_alike_sets`` of projections given as they are."""
        return _alike_sets([(p, _GIVEN) for p in batch], self.alike)

    def drain(self, ruleset: str) -> None:
        """Record every activation the last assert caused (and those recording them causes)."""
        activations, direct, outcomes = self.activations, self.direct, self.result.recorded
        alike, recorders, store = self.alike, self.recorders, self.store
        while activations:
            batch = list(activations)
            activations.clear()
            singles = _single_matches(batch) if alike else None
            if singles is not None:
                self.record_alike(singles)
                continue
            for decoded in _decode(ruleset, batch):
                name = ""
                try:
                    for name, matched in decoded.items():
                        if not isinstance(matched, dict):
                            raise EngineError(f"durable_rules returned an activation of unknown rule {name!r}")
                        gap = direct.get(name)
                        if not alike:  # each activation is its own fact's
                            if gap is not None:
                                outcomes.append((name, gap(matched)))
                                self.result.fired += 1
                            else:  # the C core matched projections; the consequence sees the facts themselves
                                record = recorders.get(name) or self.recorder(name)
                                bindings = {}
                                for alias, f in matched.items():  # a loop: a comprehension is a call in 3.11
                                    bindings[alias] = store[f["key"]]
                                record((bindings,))
                            continue
                        alias, keys = self.stands_for(name, matched)
                        self.record_set(name, alias, keys)
                except (EngineError, LimitError):
                    raise
                except Exception as exc:  # noqa: BLE001 - reported as an engine failure, never swallowed
                    raise EngineError(f"rule action failed: {name}: {type(exc).__name__}: {exc}") from None
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise LimitError(f"more than {self.limits.max_steps:,} rule-engine steps; the run was stopped")
        self.check_time()

    def record_alike(self, singles: Sequence[tuple[str, str, str]]) -> None:
        """``drain``'s recording of a transient ruleset's activations, given as ``_single_matches`` reads them."""
        alike = self.alike
        name = ""
        try:
            for name, alias, key in singles:
                keys = alike.get(key)
                if keys is None:
                    raise EngineError(f"durable_rules returned an activation of {name!r} on a fact it was not given")
                self.record_set(name, alias, keys)
        except (EngineError, LimitError):
            raise
        except Exception as exc:  # noqa: BLE001 - reported as an engine failure, never swallowed
            raise EngineError(f"rule action failed: {name}: {type(exc).__name__}: {exc}") from None

    def record_set(self, name: str, alias: str, keys: list[str]) -> None:
        """Record a rule's match under ``alias`` on a set of alike facts (``keys``: the one asserted, then those it
        stands for)."""
        question = self.questions.get(name)
        if question is not None:
            self.result.gap_groups.append((name, question, keys))
            self.result.fired += len(keys)
            return
        gap = self.direct.get(name)
        if gap is not None:
            self.result.recorded.extend([(name, gap({alias: {"key": k}})) for k in keys])
            self.result.fired += len(keys)
        elif name in self.sinks:
            self.record_sinks(self.rule(name), alias, keys)
        else:  # ``record`` counts each, in one call for the set
            record = self.recorders.get(name) or self.recorder(name)
            record(keys, alias)

    def rule(self, name: str) -> CompiledRule:
        crule = self.kb.rules.get(name)
        if crule is None:
            raise EngineError(f"durable_rules returned an activation of unknown rule {name!r}")
        return crule

    def stands_for(self, name: str, matched: Mapping[str, Any]) -> tuple[str, list[str]]:
        """The alias of a transient ruleset's activation and the keys of the facts its one fact stands for."""
        if len(matched) != 1:
            raise EngineError(f"durable_rules returned an activation of {name!r} on {len(matched)} facts, in a "
                              "ruleset whose rules each match one")
        ((alias, fact),) = matched.items()
        keys = self.alike.get(str(fact.get("key"))) if isinstance(fact, dict) else None
        if keys is None:
            raise EngineError(f"durable_rules returned an activation of {name!r} on a fact it was not given")
        return alias, keys

    def record(self, crule: CompiledRule, matched: Mapping[str, Any]) -> None:
        """Apply a rule to one match, and keep the facts it derives that are new."""
        # The C core matched projections of the facts; the rule's consequence sees the facts themselves.
        bindings = {alias: self.store[f["key"]] for alias, f in matched.items()}
        (self.recorders.get(crule.name) or self.recorder(crule.name))((bindings,))

    def recorder(self, name: str) -> _Recorder:
        """``record`` of one compiled rule's matches, given each as the matched facts by alias (a dict of its own,
        which the looked-up facts join), with what the rule's shape decides (its lookups, whether it derives facts,
        which consequence applies) settled once per run rather than per match (97,000 at 5,000 services), and the
        matches of a set of alike facts recorded in one call (``_Run.drain``), given as their facts' keys and the
        one alias (``alone``): each match's dict is made as it is recorded. Kept in ``recorders``."""
        crule = self.rule(name)
        store, result = self.store, self.result
        recorded = result.recorded
        looked = tuple([(lk.alias, lk.source, lk.field, lk.key) for lk in crule.lookups if not lk.negated])
        checked = bool(looked)  # a negated pattern binds nothing, and a join in the C core binds a fact once
        sink = self.sinks.get(name)
        gap = self.gaps.get(name)
        if sink is not None or gap is not None:
            apply = gap
        elif self.consequences is not None:
            consequence = self.consequences.get(name)
            if consequence is None:
                consequence = self.consequences[name] = Consequence(crule, self.kb.source[crule.rule_id].rule)
            apply = consequence.apply
        else:
            apply = functools.partial(self.apply, crule)
        derive = self.derive
        own = self.consequences is not None  # then a risk's premises are the match's (``Consequence``)
        grouped = (self.adjust_grouper(crule, apply) if gap is None else self.gap_grouper(crule)) \
            if own and apply is not None and sink is None else None

        def record(matches: Iterable[Any], alone: str | None = None) -> None:
            if grouped is not None and alone is not None and grouped(matches, alone):
                return
            for match in matches:
                bindings = match if alone is None else {alone: store[match]}
                if checked:
                    for alias, source, fld, key in looked:  # ``lookup_target`` inline (an absent pattern binds none)
                        if fld:
                            ref = bindings[source].get(fld)
                            bindings[alias] = store[key + ref if isinstance(ref, str) else "None"]  # str(None)
                        else:
                            bindings[alias] = store[key]
                    if len(set(map(id, bindings.values()))) < len(bindings):
                        continue  # a looked-up fact is bound twice, which a join in the C core never does
                if sink is not None:
                    self.record_sink(crule, sink, (bindings,))
                    continue
                outcome = apply(bindings)  # type: ignore[misc]  # set unless ``sink`` is
                recorded.append((name, outcome))
                result.fired += 1
                for df in outcome[0]:  # ``facts``
                    if str(df["key"]) not in store:
                        derive(crule, bindings, df, premises=outcome.risk.premises if own and outcome.risk else None)
        self.recorders[name] = record
        return record

    def adjust_grouper(self, crule: CompiledRule, apply: Callable[[Mapping[str, Mapping[str, Any]]], Outcome]
                       ) -> Callable[[Iterable[Any], str], bool] | None:
        """For a context rule (an adjustment, nothing else) that looks up at most one fact, ``record`` of its matches
        on a set of alike risks as one ``AdjustGroup`` (``RunResult.adjust_groups``), given the set's keys and the
        alias they match under: only the looked-up facts are checked here, as ``record`` checks them (each found,
        none bound twice); each match's ``AdjustRecord`` is made, by the same ``apply``, when it is read. None for
        another rule; the function returns False (nothing done) when the set is not of the adjusted risks."""
        rule = self.kb.source[crule.rule_id].rule
        looked = [(lk.alias, lk.source, lk.field, lk.key) for lk in crule.lookups if not lk.negated]
        if rule.adjust is None or rule.risk is not None or rule.derive or crule.gap is not None or len(looked) > 1:
            return None
        store, result, name, by, risk_alias = self.store, self.result, crule.name, rule.adjust.by, rule.adjust.risk
        lookup = looked[0] if looked else None

        def grouped(matches: Iterable[Any], alone: str) -> bool:
            if alone != risk_alias or (lookup is not None and lookup[1] != alone):
                return False
            keys = list(matches)
            risks = [store[k] for k in keys]
            found: list[Any] = []
            if lookup is not None:  # ``record``'s checks: each looked-up fact is found, and is not the risk itself
                _alias, _source, fld, prefix = lookup
                targets = [prefix + r if isinstance(r, str) else "None" for r in [f.get(fld) for f in risks]] \
                    if fld else [prefix] * len(keys)
                if not all(map(store.__contains__, targets)) or any(map(operator.eq, targets, keys)):
                    return False  # ``record``'s path, one by one, says what is wrong
                found = [store[t] for t in targets]
            result.adjust_groups.append((name, AdjustGroup(rule.id, by, keys, _adjust_maker(
                apply, risk_alias, risks, lookup[0] if lookup is not None else None, found))))
            result.fired += len(keys)
            return True
        return grouped

    def gap_grouper(self, crule: CompiledRule) -> Callable[[Iterable[Any], str], bool] | None:
        """For a gap variant that looks facts up, each by a field of the fact matched (or a singleton), ``record`` of
        its matches on a set of alike facts made together (``RunResult.gap_lists``): the looked-up facts' keys found
        and checked as ``record`` checks them (each found, none bound twice), and each match's ``GapRecord`` made
        from the keys (a fact's key is the key it is stored under), in one list. None for another variant; the function
        returns False (nothing done) for a set it cannot make so (``record``'s path, one by one, then says why)."""
        looked = [(lk.alias, lk.source, lk.field, lk.key) for lk in crule.lookups if not lk.negated]
        subject, _, fld = str(crule.gap).partition(".")
        aliases = crule.premise_aliases
        if not looked or not fld:
            return None
        store, result, name, rule_id = self.store, self.result, crule.name, crule.rule_id

        def grouped(matches: Iterable[Any], alone: str) -> bool:
            keys = list(matches)
            columns: dict[str, list[str]] = {alone: keys}
            facts = [store[k] for k in keys]
            for alias, source, by, prefix in looked:
                if alias in columns or (by and source != alone):
                    return False
                columns[alias] = [prefix + r if isinstance(r, str) else "None" for r in [f.get(by) for f in facts]] \
                    if by else [prefix] * len(keys)
                if not all(map(store.__contains__, columns[alias])):
                    return False
            if subject not in columns or not all(a in columns for a in aliases):
                return False
            held = list(columns.values())
            for i, one in enumerate(held):  # no fact bound twice in a match
                if any(any(map(operator.eq, one, other)) for other in held[i + 1:]):
                    return False
            premises = list(zip(*[columns[a] for a in aliases], strict=True))
            made = [_new_tuple(GapRecord, (s, fld, rule_id, p))
                    for s, p in zip(columns[subject], premises, strict=True)]
            result.gap_lists.append((len(result.recorded), name, made))
            result.fired += len(keys)
            return True
        return grouped

    def record_sinks(self, crule: CompiledRule, alias: str, keys: Sequence[str]) -> None:
        """``record_sink`` of a rule's match on each of the facts ``keys`` (alike facts of a transient ruleset), as
        one group: each ``derive`` entry fills its facts for the whole set (``_Deriver.many``), and those are kept
        as ``derive`` would keep them one by one, the bounds checked once for the set. A set that could pass a
        bound takes ``record_sink``, which stops where the one-by-one path stops."""
        store, sink, result, limits = self.store, self.sinks[crule.name], self.result, self.limits
        facts = [store[k] for k in keys]
        if len(sink.derive) == 1 and self.record_one(crule, sink.derive[0], alias, keys, facts):
            return
        made = [deriver.many(alias, facts) for deriver in sink.derive]
        longest = max([-1 if n is None else n for _facts, n in made], default=0)
        if (crule.premise_aliases != (alias,) or longest < 0 or longest > limits.max_value_chars
                or any(len(d.kind) + 13 > limits.max_value_chars for d in sink.derive)  # kind:<12 hex> keys
                or len(result.derived) + len(keys) * len(made) > self.max_derived
                or max([self.depth.get(k, 0) for k in keys], default=0) + 1 > limits.max_chain):
            self.record_sink(crule, sink, [{alias: f} for f in facts])
            return
        rows = [(f,) for f in made[0][0]] if len(made) == 1 else list(zip(*[m for m, _n in made], strict=True))
        name, recorded, derived = crule.name, result.recorded, result.derived
        # Each fact's premise (the fact matched, its key) and key, None where the fact was derived before: the set's
        # ``Derivation`` records, made when one is read (``Derivations``). No depth is kept: no rule reads the facts.
        premises: list[str] = []
        fresh: list[str | None] = []
        for k, row in zip(keys, rows, strict=True):
            for df in row:
                key = df["key"]
                premises.append(k)
                if key not in store:
                    store[key] = derived[key] = df
                    fresh.append(key)
                else:
                    fresh.append(None)
        result.derivations.add_set(crule.rule_id, premises, fresh)
        result.sink_lists.append((len(recorded), len(result.gap_lists), name, rows, False))
        result.fired += len(keys)

    def record_one(self, crule: CompiledRule, deriver: _Deriver, alias: str, keys: Sequence[str],
                   facts: list[dict[str, Any]]) -> bool:
        """``record_sinks`` of a rule with one ``derive`` entry (five in six sets at 5,000 services, most of one fact),
        once that entry's ``_Deriver.many`` of ``alias`` is made: the same facts, outcomes and derivations, kept in
        the same order, without the general path's list per entry and row. False (nothing done) when the set could
        pass a bound, or the function is not made yet: ``record_sinks`` then takes its own path."""
        many = deriver.made.get(alias) if deriver.fast else None
        if many is None or crule.premise_aliases != (alias,):
            return False
        limits, result, store, depth = self.limits, self.result, self.store, self.depth
        levels = [depth.get(k, 0) for k in keys]
        if (len(deriver.kind) + 13 > limits.max_value_chars or len(result.derived) + len(keys) > self.max_derived
                or max(levels, default=0) + 1 > limits.max_chain):
            return False
        made, longest = many(facts)
        if longest > limits.max_value_chars:  # the facts are let go: ``record_sink`` makes them again, one by one
            self.record_sink(crule, self.sinks[crule.name], [{alias: f} for f in facts])
            return True
        name, recorded, derived = crule.name, result.recorded, result.derived
        fresh: list[str | None] = []  # as in ``record_sinks``: the facts' keys, None where derived before
        for df in made:
            key = df["key"]
            if key not in store:
                store[key] = derived[key] = df
                fresh.append(key)
            else:
                fresh.append(None)
        result.derivations.add_set(crule.rule_id, keys, fresh)
        result.sink_lists.append((len(recorded), len(result.gap_lists), name, made, True))
        result.fired += len(keys)
        return True

    def record_sink(self, crule: CompiledRule, sink: Consequence,
                    matches: Iterable[Mapping[str, Mapping[str, Any]]]) -> None:
        """``record`` of a rule that only derives facts no rule reads (``Consequence.derives_only``), given its
        matches: the same outcomes and derived facts, which are not queued to be asserted (no ruleset would be given
        them). A plan records 46,000 at 5,000 services, in one call per set of alike facts."""
        store, recorded, result, derive, name = self.store, self.result.recorded, self.result, self.derive, crule.name
        derivers = sink.derive
        for bindings in matches:
            facts = tuple([d(bindings) for d in derivers])  # ``sink.derived``
            recorded.append((name, _new_tuple(Outcome, (facts, None, None, None))))
            result.fired += 1
            for df in facts:
                if df["key"] not in store:
                    derive(crule, bindings, df, assert_again=False)

    def derive(self, crule: CompiledRule, bindings: Mapping[str, Mapping[str, Any]], df: dict[str, Any],
               assert_again: bool = True, premises: tuple[str, ...] | None = None) -> None:
        """Keep a new derived fact, within the bounds on count, chain depth and value size; queued to be asserted
        unless ``assert_again`` is false (a kind no rule reads). ``premises``: the match's, when already known (a
        risk's, ``RiskRecord.premises``)."""
        key, limits, result = str(df["key"]), self.limits, self.result
        if len(result.derived) >= self.max_derived:
            raise LimitError(
                f"rules derived more than {self.max_derived:,} facts without reaching a fixed "
                f"point (last by rule '{crule.rule_id}'); a rule may be deriving facts forever "
                "(raise the bound with --max-derived-facts)", self.session._rule_location(crule.rule_id))
        if premises is None:
            premises = tuple([str(bindings[alias]["key"]) for alias in crule.premise_aliases])
        depth = self.depth
        level = 1 + max(map(depth.get, premises, itertools.repeat(0))) if premises else 1
        if level > limits.max_chain:
            raise LimitError(
                f"rules chained more than {limits.max_chain:,} derivations deep without reaching a "
                f"fixed point (rule '{crule.rule_id}' keeps deriving '{df['kind']}' facts from its "
                "own output); a rule may be deriving facts forever (raise the bound with --max-chain)",
                self.session._rule_location(crule.rule_id))
        most = limits.max_value_chars
        for value in df.values():
            if isinstance(value, str) and len(value) > most:
                fld = next(k for k, v in df.items() if isinstance(v, str) and len(v) > most)
                raise LimitError(
                    f"rule '{crule.rule_id}' derived a '{df['kind']}' fact whose '{fld}' has "
                    f"{len(df[fld]):,} characters, over the {most:,} limit; a "
                    "template may be growing its own output", self.session._rule_location(crule.rule_id))
        depth[key] = level
        self.store[key] = df
        result.derived[key] = df
        result.derivations._own[key] = Derivation(crule.rule_id, premises)  # ``__setitem__``, inline
        if assert_again:
            self.queue.append(df)


def session_for(kb: CompiledKB) -> _Session:
    """The cached session for a compiled knowledge base (LRU; evicted ones are freed)."""
    with _cache_lock:
        sess = _cache.get(kb.digest)
        if sess is not None:
            _cache.move_to_end(kb.digest)
            return sess
        sess = _Session(kb)
        _cache[kb.digest] = sess
        while len(_cache) > _CACHE_SIZE:
            _digest, old = _cache.popitem(last=False)
            old.free()
        return sess


def run(kb: CompiledKB, facts: Sequence[Mapping[str, Any]], limits: RunLimits | None = None,
        owned: bool = False) -> RunResult:
    """Fire the compiled rules over ``facts`` to a fixed point.

    ``owned``: the facts are dicts made for this run, which nothing else holds or changes (``facts_for_engine``'s):
    the run keeps them as they are rather than a copy of each (31,000 at 5,000 services)."""
    sess = session_for(kb)
    with sess.lock:
        # The session is shared by every knowledge base with the same C-core definitions (the digest);
        # consequences (messages, subjects, lookups, rule order) are this one's.
        sess.kb = kb
        try:
            return sess.run(facts, limits or RunLimits(), owned=owned)
        except EngineError:
            # The C core's state cannot be trusted after an engine failure (a recorded action exception
            # stays in the session state for good): drop the session, so the next run starts afresh.
            _evict(kb.digest, sess)
            raise


def _evict(digest: str, sess: _Session) -> None:
    with _cache_lock:
        if _cache.get(digest) is sess:
            del _cache[digest]
    with contextlib.suppress(EngineError):  # the rulesets are deleted anyway (free's finally)
        sess.free()


def clear_cache() -> None:
    """Free every cached knowledge base (tests use it to prove nothing leaks)."""
    with _cache_lock:
        while _cache:
            _digest, old = _cache.popitem(last=False)
            old.free()
