"""Rules in, durable_rules ruleset definitions out. Pure: never imports durable_rules.

The compiler emits only the subset of durable_rules that the notes found safe:
``kind`` equality first in every pattern, equality joins, ``$not``, whitelisted operators,
no ``$nex``-only pattern, no ``id``/``sid`` reference. It stratifies negation over derived
facts, partitions the rules across rulesets so that every C-core limit holds, and checks
those limits itself before the C core sees anything.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson
from msgspec import Struct
from msgspec import field as struct_field
from msgspec.structs import force_setattr

from engine import budget
from engine.dialect import compile_regex
from engine.errors import RuleError
from engine.model import NAME_KEYED_KINDS, SINGLETON_KINDS, Severity, singleton_key
from engine.model.ruledata import KnowledgeBase, LoadedRule, Pattern, Rule
from engine.ruleload import split_test

LOOKUP_PREFIX = "@"
"""Name under which a fact carries, for the C core, the fact one of its fields refers to by key."""
NEGATED_PREFIX = "neg:"
"""Facts of kinds that rules negate are also asserted under this prefix, before all others,
so that a negation always sees the complete set (durable_rules never withdraws an activation)."""

# C-core limits (durable_rules 2.0.28, src/rules/*.h) and the margins kept below them.
MAX_PATTERNS_PER_RULE = 15  # 16 is error 304
MAX_ALPHA_PER_KIND = 48  # 64 alpha nodes under one shared test is error 303
MAX_NEX_PER_KIND = 100  # 128 $nex tests under one node is error 107
MAX_SHARED_PATTERN = 200  # 256 rules sharing one identical pattern segfaults
MAX_RULES_PER_RULESET = 1000  # 4,096 is error 106
MAX_TESTS_PER_KIND = 400  # 512 distinct tests under one node hangs create_ruleset

Test = tuple[str, str, Any]  # field, operator, value
Join = tuple[str, str, str]  # field, alias, field


class CompiledPattern(Struct, frozen=True):
    """One pattern, in the form both evaluators read."""

    alias: str
    kind: str
    absent: bool
    tests: tuple[Test, ...]
    joins: tuple[Join, ...]


MAX_UNJOINED_GROUPS = 2
"""Groups of patterns a rule may leave unjoined (not counting singleton kinds such as ``system``): three
give n³ combinations (a pack rule with three unjoined patterns took 26 s and 3 GB on 100 services)."""
MAX_COMBINATIONS = 100_000
"""Combinations of facts that a rule's unjoined groups may give on one design, estimated before firing
(250,000 took 4 s and 800 MB in the C core)."""


def unjoined_groups(patterns: Sequence[CompiledPattern]) -> tuple[tuple[str, ...], ...]:
    """The kinds of each group of positive ``patterns`` linked by joins, for groups not linked to each other;
    groups of singleton kinds only (``system`` …: one fact at most) multiply nothing and are left out."""
    parent = {p.alias: p.alias for p in patterns if not p.absent}

    def root(alias: str) -> str:
        while parent[alias] != alias:
            alias = parent[alias]
        return alias

    for p in patterns:
        if not p.absent:
            for _field, other, _other_field in p.joins:
                if other in parent:
                    parent[root(p.alias)] = root(other)
    groups: dict[str, list[str]] = {}
    for p in patterns:
        if not p.absent:
            groups.setdefault(root(p.alias), []).append(p.kind)
    return tuple(tuple(kinds) for kinds in groups.values() if not set(kinds) <= SINGLETON_KINDS)


def combinations(groups: Sequence[Sequence[str]], counts: Mapping[str, int]) -> int:
    """Estimated matches of unjoined ``groups`` over a design with ``counts`` facts per kind: the product
    over the groups of their most numerous kind (a join is taken to match each fact at most once)."""
    total = 1
    for kinds in groups:
        total *= max((counts.get(k, 0) for k in kinds), default=0)
    return total


class CompiledRule(Struct, frozen=True, dict=True):
    """One durable_rules rule: a rule's main condition, or one of its information-gap variants."""

    name: str
    rule_id: str
    gap: str | None
    """For a gap variant, the ``alias.field`` whose being unknown it reports."""
    patterns: tuple[CompiledPattern, ...]
    stratum: int
    lookups: tuple[Lookup, ...] = ()
    """Patterns the runtime resolves by key instead of by a join in the C core (see ``_lookups``)."""
    assumed: tuple[tuple[str, Any], ...] = ()
    """For an assumption variant, the ``alias.field`` tests it replaced by ``missing``, with the value the
    rule's ``assume`` reads them as."""
    absences: tuple[Absence, ...] = ()
    """Negated patterns the runtime decides instead of the C core (see ``absences``)."""

    @functools.cached_property
    def premise_aliases(self) -> tuple[str, ...]:
        """The aliases of the positive patterns, in order: a match's premises are their facts."""
        return tuple(p.alias for p in self.patterns if not p.absent)

    @functools.cached_property
    def unjoined(self) -> tuple[tuple[str, ...], ...]:
        """The kinds of each group of positive patterns that no join links to another group: the rule's
        matches are every combination of one match per group (a cross product). Groups of singleton kinds
        (``system`` …: one fact at most) multiply nothing and are left out."""
        return unjoined_groups(self.patterns)

    @functools.cached_property
    def engine_patterns(self) -> tuple[CompiledPattern, ...]:
        """The patterns the C core matches (every pattern but the looked-up ones, negated or not, and the negated
        ones the runtime decides)."""
        apart = {lk.alias for lk in self.lookups} | {a.alias for a in self.absences}
        return tuple(p for p in self.patterns if p.alias not in apart)

    @property
    def positive_kinds(self) -> frozenset[str]:
        """Kinds of the facts the C core must be given for the non-negated patterns."""
        return frozenset(p.kind for p in self.engine_patterns if not p.absent)

    @property
    def negated_kinds(self) -> frozenset[str]:
        """Kinds of the facts the C core must be given, under the negated prefix, for negated patterns."""
        return frozenset(p.kind for p in self.engine_patterns if p.absent)

    def definition(self) -> dict[str, Any]:
        """The durable_rules JSON definition of this rule."""
        terms: list[dict[str, Any]] = []
        engine = {p.alias for p in self.engine_patterns}
        looked = {lk.alias for lk in self.lookups}
        attached = self._attached
        for i, p in enumerate(self.patterns):
            if p.alias not in engine:
                continue
            kind = NEGATED_PREFIX + p.kind if p.absent else p.kind
            conds: list[dict[str, Any]] = [{"kind": kind}]
            # Joins go before the field tests: in the C core a join placed after an '$or' (the 'in'
            # operator) inside the same '$and' is not applied, so the pattern matched facts of any key.
            conds.extend({f: {alias: rf}} for f, alias, rf in p.joins if alias not in looked)
            conds.extend(_condition(f, op, v) for f, op, v in p.tests + attached.get(p.alias, ()))
            key = f"n{i}$not" if p.absent else p.alias
            terms.append({key: {"$and": conds}})
        return {"all": terms, "run": self.name}

    def attached(self, alias: str) -> tuple[Test, ...]:
        """The tests of the patterns looked up through pattern ``alias``, on the fields the runtime attaches."""
        return self._attached.get(alias, ())

    @functools.cached_property
    def _attached(self) -> dict[str, tuple[Test, ...]]:
        """``attached`` of every pattern that has such tests, worked out once: the limits, the ruleset's spec and
        the definition each read them (three times per pattern of 448 rule variants, on every warm check)."""
        by_alias = {p.alias: p for p in self.patterns}
        out: dict[str, list[Test]] = {}
        for lk in self.lookups:
            looked = by_alias[lk.alias]
            tests = out.setdefault(lk.source, [])
            if lk.negated:  # no such fact: it is missing, of another kind, or fails its one test
                tests.append((lk.slot, "none_such", (looked.kind, looked.tests)))
                continue
            prefix = lk.slot + "."
            tests.append((prefix + "kind", "eq", looked.kind))
            tests.extend((prefix + f, op, v) for f, op, v in looked.tests)
        for a in self.absences:
            out.setdefault(a.host, []).append((a.slot, "eq", True))
        return {alias: tuple(tests) for alias, tests in out.items()}

    def fields(self) -> dict[str, set[str]]:
        """Per kind given to the C core, the top-level fields its patterns read (``kind`` and ``key`` always)."""
        out: dict[str, set[str]] = {}
        by_alias = {p.alias: p for p in self.patterns}
        for p in self.engine_patterns:
            need = out.setdefault(p.kind, {"kind", "key"})
            need.update(f.split(".", 1)[0] for f, _op, _v in p.tests)
            for f, alias, rf in p.joins:
                if any(lk.alias == alias for lk in self.lookups):
                    continue  # a join the lookup replaces
                need.add(f.split(".", 1)[0])
                out.setdefault(by_alias[alias].kind, {"kind", "key"}).add(rf.split(".", 1)[0])
        return out

    def lookup_fields(self) -> dict[str, dict[tuple[str, str, str], set[str]]]:
        """Per source kind, per attachment (slot, field, key as in ``Lookup``), the top-level fields of the
        looked-up fact the C core reads."""
        out: dict[str, dict[tuple[str, str, str], set[str]]] = {}
        by_alias = {p.alias: p for p in self.patterns}
        for lk in self.lookups:
            need = out.setdefault(by_alias[lk.source].kind, {}).setdefault((lk.slot, lk.field, lk.key), {"kind"})
            need.update(f.split(".", 1)[0] for f, _op, _v in by_alias[lk.alias].tests)
        return out


def same(a: Any, b: Any) -> bool:
    """The equality compiled rules mean: booleans equal only booleans, numbers only numbers, text only text."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


MISSING: Any = object()
"""What ``value_at`` gives for a field a fact does not have."""


def value_at(fact: Mapping[str, Any], path: str, missing: Any = MISSING) -> Any:
    """A dotted field of a fact, or ``missing``."""
    node: Any = fact
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return missing
        node = node[part]
    return node


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def holds(fact: Mapping[str, Any], fld: str, op: str, value: Any) -> bool:
    """Whether one compiled test holds on a fact: a test on a field the fact does not have is false, but for
    ``missing``, ``exists`` and ``unknown_or``; values compare as ``same`` does; ``lt`` and the like compare numbers
    only; ``contains`` holds when a list field has the item; ``regex`` is ``engine.dialect``'s full match."""
    v = value_at(fact, fld)
    if op == "missing":
        return v is MISSING
    if op == "exists":
        return v is not MISSING
    if op == "unknown_or":  # the field is unknown, or every one of its tests holds
        return v is MISSING or all(holds(fact, fld, o, x) for o, x in value)
    if v is MISSING:
        return False
    if op == "eq":
        return same(v, value)
    if op == "ne":
        return not same(v, value)
    if op in ("lt", "lte", "gt", "gte"):
        if not (_number(v) and _number(value)):
            return False
        return bool({"lt": v < value, "lte": v <= value, "gt": v > value, "gte": v >= value}[op])
    if op == "in":
        return any(same(v, x) for x in value)
    if op == "not_in":
        return all(not same(v, x) for x in value)
    if op == "regex":
        return isinstance(v, str) and compile_regex(value).fullmatch(v)
    if op == "contains":
        return isinstance(v, list) and any(same(x, value) for x in v)
    raise ValueError(f"unknown operator {op!r}")  # pragma: no cover - the rule loader refuses it


def _test(fld: str, op: str, value: Any) -> Callable[[Mapping[str, Any]], bool]:
    """``holds`` of one test, as a function of the fact: the common tests on a top-level field (a plain value equal
    or not, a number compared, a field missing or stated) with what only the test decides settled once; any other
    test through ``holds`` itself."""
    if "." in fld:
        return lambda fact: holds(fact, fld, op, value)
    if op == "missing":
        return lambda fact: fld not in fact
    if op == "exists":
        return lambda fact: fld in fact
    if op in ("eq", "ne") and type(value) in (str, int, float, bool):
        equal = op == "eq"  # ``ne`` is its negation, but on a field the fact has (as ``holds``)
        if type(value) is bool:
            kinds: Any = bool
        else:
            kinds = str if type(value) is str else (int, float)

        def plain(fact: Mapping[str, Any]) -> bool:  # ``same``: a boolean equals only a boolean (bool is an int)
            v = fact.get(fld, MISSING)
            if v is MISSING:
                return False
            if not isinstance(v, kinds) or (kinds is not bool and isinstance(v, bool)):
                return not equal
            return v == value if equal else not v == value  # noqa: SIM201 - ``holds``'s ``not same``, exactly
        return plain
    if op in ("lt", "lte", "gt", "gte") and _number(value):
        compare = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}[op]

        def ordered(fact: Mapping[str, Any]) -> bool:
            v = fact.get(fld, MISSING)
            return _number(v) and bool(compare(v, value))
        return ordered
    return lambda fact: holds(fact, fld, op, value)


def passes(tests: Sequence[Test]) -> Callable[[Mapping[str, Any]], bool]:
    """Whether every one of ``tests`` ``holds`` on a fact, as a function of the fact made once (``_test``): the
    runtime screens every fact of a kind with the same tests (60,000 at 5,000 services)."""
    made = [_test(fld, op, value) for fld, op, value in tests]
    if len(made) == 1:
        return made[0]

    def every(fact: Mapping[str, Any]) -> bool:
        for test in made:  # noqa: SIM110 - a loop: ``all`` of a generator costs a frame per fact
            if not test(fact):
                return False
        return True
    return every


class _Unstated:
    def __repr__(self) -> str:
        return "UNSTATED"


UNSTATED: Any = _Unstated()
"""In a gate, a field the fact does not state (``missing``, or ``unknown_or`` read as "unknown")."""


def _alike(a: Any, b: Any) -> bool:
    """``same``, and ``UNSTATED`` is itself."""
    return a is b or same(a, b)


def _allowed(op: str, value: Any) -> tuple[Any, ...] | None:
    """The values one top-level test allows a field (None: any), ``UNSTATED`` for a field not stated."""
    if op == "missing":
        return (UNSTATED,)
    if op == "unknown_or":  # unknown, or every one of its tests holds
        values: tuple[Any, ...] | None = None
        for inner, v in value:
            allowed = _allowed(inner, v)
            if allowed is not None:
                values = allowed if values is None else tuple(x for x in values if any(_alike(x, y) for y in allowed))
        return None if values is None else (*values, UNSTATED)
    if op not in ("eq", "in"):
        return None
    allowed = (value,) if op == "eq" else tuple(value)
    return allowed if all(isinstance(v, (str, int, float)) for v in allowed) else None  # bool is an int; lists never


def _gate(p: CompiledPattern) -> dict[str, tuple[Any, ...]] | None:
    """The values a pattern's top-level ``eq``/``in``/``missing`` tests (and the ``eq``/``in`` of an ``unknown_or``)
    allow, field by field (None: no such test)."""
    out: dict[str, tuple[Any, ...]] = {}
    for fld, op, value in p.tests:
        allowed = None if "." in fld else _allowed(op, value)
        if allowed is None:
            continue
        if fld in out:  # two tests on one field: keep both conditions by intersecting
            allowed = tuple(v for v in out[fld] if any(_alike(v, w) for w in allowed))
        out[fld] = allowed
    return out or None


def _gates(rules: Sequence[CompiledRule]) -> dict[str, tuple[dict[str, tuple[Any, ...]], ...]]:
    alternatives: dict[str, list[dict[str, tuple[Any, ...]]]] = {}
    ungated: set[str] = set()
    for c in rules:
        for p in c.engine_patterns:
            kind = NEGATED_PREFIX + p.kind if p.absent else p.kind
            gate = _gate(p)
            if gate is None:
                ungated.add(kind)
            else:
                alternatives.setdefault(kind, []).append(gate)
    return {k: _weakest(v) for k, v in sorted(alternatives.items()) if k not in ungated}


def _semijoins(rules: Sequence[CompiledRule], derived: set[str], held: bool = False
               ) -> tuple[tuple[tuple[str, dict[str, tuple[Any, ...]] | None, str], ...],
                          dict[str, tuple[tuple[dict[str, tuple[Any, ...]] | None, tuple[tuple[str, int], ...]], ...]]]:
    """``RulesetSpec.partners`` and ``.semijoins`` of a join ruleset's ``rules``, given the kinds some rule derives;
    with ``held``, ``RulesetSpec.hold_partners`` and ``.holds``: the same with partners of any kind, for the derived
    kinds only."""
    partners: dict[tuple[str, bytes, str], int] = {}
    sides: list[tuple[str, dict[str, tuple[Any, ...]] | None, str]] = []
    alternatives: dict[str, list[tuple[dict[str, tuple[Any, ...]] | None, tuple[tuple[str, int], ...]]]] = {}
    open_kinds: set[str] = set()
    for c in rules:
        looked = {lk.alias for lk in c.lookups}
        engine = {p.alias: p for p in c.engine_patterns}
        for p in engine.values():
            if p.absent:
                continue
            edges: list[tuple[str, str, CompiledPattern]] = []  # (own field, other's field, other)
            for q in engine.values():
                for own, alias, other in q.joins:  # as ``definition`` writes them: a join with a looked-up one is not
                    if alias in looked or alias not in engine:
                        continue
                    if q is p and not engine[alias].absent:
                        edges.append((own, other, engine[alias]))
                    elif alias == p.alias and not q.absent:
                        edges.append((other, own, q))
            usable: list[tuple[str, int]] = []
            for own, other, q in edges:
                if (q.kind in derived and not held) or "." in own or "." in other:
                    continue
                gate = _gate(q)
                side = (q.kind, _canonical(gate), other)  # the same text for the same gate (sorted keys)
                if side not in partners:
                    partners[side] = len(sides)
                    sides.append((q.kind, gate, other))
                usable.append((own, partners[side]))
            alt = (_gate(p), tuple(usable))
            if usable and alt not in alternatives.setdefault(p.kind, []):  # gap variants repeat their rule's
                alternatives[p.kind].append(alt)
            else:
                open_kinds.add(p.kind)
    return tuple(sides), {k: tuple(v) for k, v in sorted(alternatives.items())
                          if k not in open_kinds and (not held or k in derived)}


def _held(rules: Sequence[CompiledRule], derived: set[str], semijoins: Mapping[str, Any]
          ) -> tuple[tuple[tuple[str, dict[str, tuple[Any, ...]] | None, str], ...],
                     dict[str, tuple[tuple[dict[str, tuple[Any, ...]] | None, tuple[tuple[str, int], ...]], ...]]]:
    """``RulesetSpec.hold_partners`` and ``.holds``: ``_semijoins`` with partners of any kind, for the derived kinds
    ``semijoins`` leaves out, with only the sides they read (each side's values are gathered from every fact given)."""
    sides, alternatives = _semijoins(rules, derived, held=True)
    kept = {k: v for k, v in alternatives.items() if k not in semijoins}
    used = sorted({i for alts in kept.values() for _gate, edges in alts for _fld, i in edges})
    index = {old: new for new, old in enumerate(used)}
    return (tuple(sides[i] for i in used),
            {k: tuple((gate, tuple((fld, index[i]) for fld, i in edges)) for gate, edges in alts)
             for k, alts in kept.items()})


def _weakest(alternatives: list[dict[str, tuple[Any, ...]]]) -> tuple[dict[str, tuple[Any, ...]], ...]:
    """The alternatives that no other one implies (a fact passing B passes A when A asks less of it)."""

    def implies(b: dict[str, tuple[Any, ...]], a: dict[str, tuple[Any, ...]]) -> bool:
        return all(f in b and all(any(_alike(v, w) for w in a[f]) for v in b[f]) for f in a)

    # An alternative equal to an earlier one (the same fields, each with the same values of the same types) is one
    # the earlier implies both ways, so never kept: left out first, the pairs compared below are far fewer (a gap
    # variant's patterns repeat its rule's). What is kept, and its order, is the same.
    seen: set[tuple[Any, ...]] = set()
    unique: list[dict[str, tuple[Any, ...]]] = []
    for alt in alternatives:
        key = tuple(sorted((f, tuple((type(v), v) for v in values)) for f, values in alt.items()))
        if key not in seen:
            seen.add(key)
            unique.append(alt)
    kept: list[dict[str, tuple[Any, ...]]] = []
    for i, alt in enumerate(unique):
        if not any(implies(alt, other) and (not implies(other, alt) or j < i)
                   for j, other in enumerate(unique) if j != i):
            kept.append(alt)
    return tuple(kept)


REGEX_PREFIX = "@re"
"""Name under which a fact carries, for the C core, whether one ``regex`` test holds on it."""


def regex_slot(fld: str, pattern: str) -> str:
    """The property holding whether ``pattern`` matches field ``fld`` (a top-level name, whatever the path)."""
    return REGEX_PREFIX + hashlib.sha256(f"{fld}\x1f{pattern}".encode()).hexdigest()[:16]


def _condition(fld: str, op: str, value: Any) -> dict[str, Any]:
    if op == "none_such":  # a negated lookup on slot ``fld``: (kind, (one eq/in/exists test,))
        # The alternatives exclude each other: the C core activates a rule once per '$or' branch that holds.
        kind, ((f, top, v),) = value
        is_kind = {f"{fld}.kind": kind}
        path = f"{fld}.{f}"
        alternatives: list[dict[str, Any]] = [
            {"$nex": {f"{fld}.kind": 1}},  # no such fact
            {"$neq": {f"{fld}.kind": kind}},  # a fact of another kind (a key names any kind)
            {"$and": [is_kind, {"$nex": {path: 1}}]},  # it does not state the field
        ]
        if top == "eq":
            alternatives.append({"$and": [is_kind, {"$neq": {path: v}}]})
        elif top == "in":
            alternatives.append({"$and": [is_kind, *({"$neq": {path: x}} for x in v)]})
        return {"$or": alternatives}
    if op == "unknown_or":  # the branches exclude each other: the C core activates once per branch that holds
        return {"$or": [{"$nex": {fld: 1}}, {"$and": [_condition(fld, o, v) for o, v in value]}]}
    if op == "eq":
        return {fld: value}
    if op == "ne":
        return {"$neq": {fld: value}}
    if op in ("lt", "lte", "gt", "gte"):
        return {f"${op}": {fld: value}}
    if op == "exists":
        return {"$ex": {fld: 1}}
    if op == "missing":
        return {"$nex": {fld: 1}}
    if op == "in":
        return {"$or": [{fld: v} for v in value]}
    if op == "not_in":
        return {"$and": [{"$neq": {fld: v}} for v in value]}
    if op == "regex":  # computed by the runtime (engine.dialect): the C core's own regex is wrong on some texts
        return {regex_slot(fld, value): True}
    if op == "contains":
        return {"$iany": {fld: {"$i": value}}}
    raise RuleError(f"operator '{op}' cannot be compiled")  # pragma: no cover - validated on load


class RulesetSpec(Struct, frozen=True, eq=False):
    """One durable_rules ruleset: a partition of one stratum."""

    name: str
    stratum: int
    rules: tuple[str, ...]
    positive_kinds: frozenset[str]
    negated_kinds: frozenset[str]
    transient: bool = False
    """Every rule here matches one fact alone (one pattern, no join, no negation), so facts need not
    stay in the C core once their activations have run: the runtime retracts them at once. Working
    memory then stays small, and the C core's cost per fact, which grows with it, stays flat."""
    fields: Mapping[str, tuple[str, ...]] = struct_field(default_factory=dict)
    """Per kind, the top-level fields the rules here read: the runtime gives the C core only these
    (it parses, hashes and stores every property it is given, and hands them all back)."""
    lookups: Mapping[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = struct_field(default_factory=dict)
    """Per kind, the facts to attach to its facts, as (``Lookup.slot``, ``Lookup.field``, ``Lookup.key``,
    fields of the attached fact the rules read); see ``CompiledRule.lookups``."""
    regexes: Mapping[str, tuple[tuple[str, str, str], ...]] = struct_field(default_factory=dict)
    """Per kind, the ``regex`` tests the runtime computes for the C core, as (``regex_slot``, field path in the
    projected fact, pattern): the C core only tests the slot's truth (see ``engine.dialect``)."""
    gates: Mapping[str, tuple[Mapping[str, tuple[Any, ...]], ...]] = struct_field(default_factory=dict)
    """Per kind as the C core sees it (``neg:`` prefixed for negated patterns), a necessary condition for a
    fact to match any pattern here: one alternative per pattern, each the values its ``eq``/``in`` tests
    allow. A fact that satisfies no alternative cannot match, and is not asserted: a join ruleset's
    working memory, whose size sets the C core's cost per fact, holds only facts that can take part.
    Kinds with a pattern that has no such test have no gate."""

    absences: Mapping[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = struct_field(default_factory=dict)
    """Per kind, the negated patterns the runtime decides for the C core on its facts (``CompiledRule.absences``),
    as (``Absence.slot``, ``Absence.screen``, the fact's fields joined, in the order of the screen's)."""
    screens: Mapping[str, tuple[str, tuple[Test, ...], tuple[str, ...]]] = struct_field(default_factory=dict)
    """By ``Absence.screen``, what the runtime gathers for it: (kind, tests, fields whose values it keeps)."""

    partners: tuple[tuple[str, Mapping[str, tuple[Any, ...]] | None, str], ...] = ()
    """The sides of the joins ``semijoins`` reads: (kind, the values its pattern's ``eq``/``in`` tests allow (as a
    ``gates`` alternative; None: no such test), the field joined). No rule derives the kind: its facts are all known
    when a stratum starts."""
    semijoins: Mapping[str, tuple[tuple[Mapping[str, tuple[Any, ...]] | None, tuple[tuple[str, int], ...]], ...]] = \
        struct_field(default_factory=dict)
    """Per kind of a join ruleset, a necessary condition, beyond its gate, for a fact to take part in a match: one
    alternative per pattern of the kind, each its own gate (None: no test) and its joins with patterns of a kind in
    ``partners``, as (the fact's field, the index in ``partners``); the fact needs, for every one of them, a fact
    of that kind passing that gate with the same value. A fact that meets no alternative joins nothing, and is not
    asserted (a generated 5,000-service design's calls: 12,953 pass the gate, 4,302 this). Kinds with a pattern
    joined to no such partner have none."""

    hold_partners: tuple[tuple[str, Mapping[str, tuple[Any, ...]] | None, str], ...] = ()
    """``partners``, of any kind (the sides ``holds`` reads)."""
    holds: Mapping[str, tuple[tuple[Mapping[str, tuple[Any, ...]] | None, tuple[tuple[str, int], ...]], ...]] = \
        struct_field(default_factory=dict)
    """``semijoins`` of the derived kinds that have none, with partners of derived kinds too (in ``hold_partners``):
    a derived fact that meets none of them with the facts given to the ruleset so far can match nothing yet, and
    the runtime holds it back until one is given that it meets (``engine.runtime._Holds``). At 5,000 services the
    second round's 6,356 risks a join ruleset's rule on two risks of one subject asks for joined nothing and cost
    55 ms to assert; a held fact is asserted, if ever, in the round of its partner, before it: the C core's
    activations are the same, in the same order."""

    gate_sets: Mapping[str, tuple[tuple[tuple[str, frozenset[Any]], ...], ...]] = struct_field(default_factory=dict)
    """``gates`` with each field's allowed values as a set of tagged values (built once; see ``_tagged``)."""

    gate_tests: dict[str, Callable[[Mapping[str, Any]], bool] | None] = struct_field(default_factory=dict)
    """``gate`` by kind, made when first asked."""

    def __post_init__(self) -> None:
        force_setattr(self, "gate_sets", _gate_sets(self.gates))

    def _compared(self) -> tuple[Any, ...]:
        return self.name, self.stratum, self.rules, self.positive_kinds, self.negated_kinds, self.transient

    def __eq__(self, other: object) -> bool:
        """Equal when the first six fields are (what the rulesets are; the rest is worked out from them)."""
        if not isinstance(other, RulesetSpec) or type(other) is not type(self):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def admits(self, kind: str, fact: Mapping[str, Any]) -> bool:
        """Whether ``fact``, asserted as ``kind``, passes this ruleset's gate (see ``gates``)."""
        alternatives = self.gate_sets.get(kind)
        if alternatives is None:
            return True
        return any(all(_tagged(fact.get(fld, _ABSENT)) in allowed for fld, allowed in alt) for alt in alternatives)

    def gate(self, kind: str) -> Callable[[Mapping[str, Any]], bool] | None:
        """``admits`` of the facts asserted as ``kind``, as a function of the fact (None: every one passes), made
        once: a ruleset's gate is asked of every fact of its kinds (54,000 at 5,000 services)."""
        if kind not in self.gate_tests:
            alternatives = self.gate_sets.get(kind)
            self.gate_tests[kind] = None if alternatives is None else _gate_test(alternatives)
        return self.gate_tests[kind]


_ABSENT = object()


def _tagged(value: Any) -> Any:
    """A value as a set member under ``same``: booleans apart from numbers, numbers apart from text; anything else
    (a field not stated, ``UNSTATED``, null, a list) is ``_ABSENT``, which a gate admits wherever it admits a
    field not stated (a superset of what the C core matches: the gate is a necessary condition)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    return _ABSENT


def _gate_test(alternatives: tuple[tuple[tuple[str, frozenset[Any]], ...], ...]) -> Callable[[Mapping[str, Any]], bool]:
    """``RulesetSpec.admits`` of one kind's ``alternatives``: each field's allowed values split by type, so that a
    value of a plain type is looked up as it is, without its tag (``_tagged``, for any other)."""
    def untagged(allowed: frozenset[Any], tag: str) -> set[Any]:
        return {v[1] for v in allowed if v is not _ABSENT and v[0] == tag}

    tests = [[(fld, untagged(allowed, "s"), untagged(allowed, "n"), untagged(allowed, "b"), allowed,
               _ABSENT in allowed) for fld, allowed in alt] for alt in alternatives]

    def admits(fact: Mapping[str, Any]) -> bool:
        for alt in tests:
            for fld, texts, numbers, booleans, allowed, unstated in alt:
                value = fact.get(fld, _ABSENT)
                if value is _ABSENT:  # a field not stated (most gates' ``missing`` alternatives ask of one)
                    if not unstated:
                        break
                    continue
                kind = type(value)
                if kind is str:
                    if value not in texts:
                        break
                elif kind is int or kind is float:
                    if value not in numbers:
                        break
                elif kind is bool:
                    if value not in booleans:
                        break
                elif _tagged(value) not in allowed:
                    break
            else:
                return True
        return False
    return admits


def _gate_sets(gates: Mapping[str, tuple[Mapping[str, tuple[Any, ...]], ...]]
               ) -> dict[str, tuple[tuple[tuple[str, frozenset[Any]], ...], ...]]:
    """Gates with each field's allowed values as a set of tagged values (see ``_tagged``)."""
    return {kind: tuple(tuple((fld, frozenset(_tagged(v) for v in allowed)) for fld, allowed in sorted(alt.items()))
                        for alt in alts)
            for kind, alts in gates.items()}


NamedPart = tuple[int, bool, tuple[str, ...]]
"""One ruleset's rules by name: (stratum, whether they join, the compiled rules' names)."""


class Assembly(NamedTuple):
    """What the C core is given of a knowledge base (``CompiledKB.assembly``)."""

    rulesets: tuple[RulesetSpec, ...]
    definitions: dict[str, dict[str, Any]]
    digest: str


class CompiledKB(Struct, eq=False, dict=True):
    """A compiled knowledge base, ready for the runtime."""

    rules: dict[str, CompiledRule]
    parts: tuple[NamedPart, ...]
    """How the rules are cut into rulesets (every rule once, within the partitioner's limits)."""
    source: dict[str, LoadedRule]
    matched_kinds: frozenset[str]
    strata: int = 1
    severity_overrides: dict[str, Severity] = struct_field(default_factory=dict)
    """Rule id -> base severity set by the project config (``[severity]``), used instead of the matrix's."""
    priced: dict[tuple[str, str], bool] = struct_field(default_factory=dict)
    """(risk rule, context rule) -> whether the risk rule already requires the context of its subject
    (``engine.model.ruledata.context_already_priced``), worked out once per pair."""
    kept: frozenset[str] | None = None
    """The compiled rules given to the C core (None: all of them; ``for_facts``). The others are still the knowledge
    base's: ``rules``, ``strata``, ``matched_kinds`` and the reports' rule count are the whole set's."""

    @functools.cached_property
    def assembly(self) -> Assembly:
        """The rulesets' specs and the C core's definitions of the ``kept`` rules, the C core's limits checked on
        them, made when first asked: a knowledge base read back from ``engine.kbcache`` for a one-shot command is
        assembled only for the rules that can match its design (``for_facts``)."""
        return _assembly(self.rules, self.parts, self.source, self.kept)

    @property
    def rulesets(self) -> tuple[RulesetSpec, ...]:
        return self.assembly.rulesets

    @property
    def definitions(self) -> dict[str, dict[str, Any]]:
        return self.assembly.definitions

    @property
    def digest(self) -> str:
        """A hash of ``definitions``: the runtime shares one C-core session among knowledge bases alike in it."""
        return self.assembly.digest

    @functools.cached_property
    def _screen(self) -> _Screen:
        return _Screen.of(self.rules.values(), {k for lr in self.source.values() for k in produced_kinds(lr.rule)})

    def for_facts(self, facts: Sequence[Mapping[str, Any]]) -> CompiledKB:
        """This knowledge base with only the compiled rules that could match ``facts`` given to the C core (itself
        when all could). A rule is left out only when one of its positive patterns on a kind no rule derives has
        no fact of that kind that could pass its ``eq``/``in``/``missing`` tests as the C core compares values
        (``_Screen``): it would never fire. Of the built-in rules' 457 variants in a check, 298 cannot on
        facts/shop; the C core made their rulesets and the runtime their specs on every check, for nothing."""
        kept = self._screen.viable(facts)
        if kept is None or len(kept) == len(self.rules):
            return self
        return CompiledKB(self.rules, self.parts, self.source, self.matched_kinds, self.strata,
                          self.severity_overrides, self.priced, kept)


_PLAIN = frozenset((str, int, float, bool))
_LONGEST_TEXT = 2000
"""Texts longer than this a screen never rules out: the C core keeps a value's length in 16 bits and compares texts
over the longer length (``reduceString``), so two texts of some 10,000 characters or more may compare equal."""


def _plain_text(text: str) -> bool:
    """Whether the C core compares ``text`` with a text as Python does (equal only when equal)."""
    return len(text) <= _LONGEST_TEXT and "\x00" not in text


class _Allows(NamedTuple):
    """One ``eq``/``in``/``missing`` test (or an ``unknown_or``'s ``eq``/``in``) of a pattern, as a screen: whether a
    value of a fact could pass it in the C core (``admits``). The C core's equality is looser than ``same``: a number
    equals a text when it is written as that text, a boolean a number (``reduceProperties``, src/rules/events.c);
    a value compared across types is never ruled out."""

    place: int
    """The tested field's place in its kind's ``_Screen.fields``."""
    texts: frozenset[str]
    numbers: frozenset[float]
    flags: frozenset[bool]
    unstated: bool
    """Whether the field not being stated passes (``missing``, ``unknown_or``)."""
    any_text: bool
    any_number: bool
    any_flag: bool

    @classmethod
    def of(cls, place: int, allowed: Sequence[Any], unstated: bool) -> _Allows:
        texts = frozenset(v for v in allowed if type(v) is str)
        numbers = frozenset(float(v) for v in allowed if type(v) is int or type(v) is float)
        flags = frozenset(v for v in allowed if type(v) is bool)
        return cls(place, texts, numbers, flags, unstated,
                   bool(numbers or flags) or not all(map(_plain_text, texts)), bool(texts or flags),
                   bool(texts or numbers))

    def admits(self, value: Any) -> bool:
        if value is _ABSENT:
            return self.unstated
        kind = type(value)
        if kind is str:
            return self.any_text or value in self.texts or not _plain_text(value)
        if kind is bool:
            return self.any_flag or value in self.flags
        if kind is int or kind is float:
            try:
                return self.any_number or float(value) in self.numbers
            except OverflowError:
                return True
        return True  # null, a list, a mapping: the C core's comparison of it is not worth predicting


def _allows(p: CompiledPattern) -> tuple[tuple[str, tuple[Any, ...], bool], ...]:
    """The tests of a pattern a screen reads, one by one (never merged: two tests on one field may each hold on
    one value as the C core compares): (field, the values it allows, whether the field unstated passes)."""
    out: list[tuple[str, tuple[Any, ...], bool]] = []
    for fld, op, value in p.tests:
        if "." in fld:
            continue
        if op == "missing":
            out.append((fld, (), True))
            continue
        if op in ("eq", "in"):
            tests = [(op, value, False)]
        elif op == "unknown_or":  # unknown, or every one of its tests holds
            tests = [(o, v, True) for o, v in value if o in ("eq", "in")]
        else:
            continue
        for o, v, unstated in tests:
            if o == "in" and not isinstance(v, (list, tuple)):
                continue
            allowed = (v,) if o == "eq" else tuple(v)
            if all(type(x) in _PLAIN and not (type(x) is int and abs(x) > 2**63) for x in allowed):
                out.append((fld, allowed, unstated))
    return tuple(out)


class _Screen(NamedTuple):
    """What ``CompiledKB.for_facts`` reads to tell the compiled rules that cannot match a design: per rule, the
    screens its positive patterns on kinds no rule derives set a fact of their kind (negated patterns, and patterns
    on derived kinds, never rule a rule out). Made once per knowledge base."""

    fields: dict[str, tuple[str, ...]]
    """Per kind a screen reads, the fields its tests read (a fact's values of them, in this order, are what a screen
    sees of it)."""
    tests: tuple[tuple[str, _Allows], ...]
    """Each distinct test, with its kind."""
    screens: tuple[tuple[str, tuple[int, ...]], ...]
    """Each distinct screen: its kind and its tests (in ``tests``; none: any fact of the kind passes)."""
    rules: tuple[tuple[str, tuple[int, ...]], ...]
    """Each compiled rule's name and the screens (in ``screens``) that some fact must pass for it to match."""

    @classmethod
    def of(cls, rules: Iterable[CompiledRule], derived: set[str]) -> _Screen:
        fields: dict[str, dict[str, int]] = {}
        tests: list[tuple[str, _Allows]] = []
        test_index: dict[tuple[str, str, str, bool], int] = {}
        screen_index: dict[tuple[str, tuple[int, ...]], int] = {}
        needs: list[tuple[str, tuple[int, ...]]] = []
        for c in rules:
            mine: set[int] = set()
            for p in c.patterns:
                if p.absent or p.kind in derived:
                    continue
                places = fields.setdefault(p.kind, {})
                ids: set[int] = set()
                for fld, allowed, unstated in _allows(p):
                    key = (p.kind, fld, repr(allowed), unstated)  # repr: 1, 1.0 and true told apart
                    i = test_index.get(key)
                    if i is None:
                        i = test_index[key] = len(tests)
                        tests.append((p.kind, _Allows.of(places.setdefault(fld, len(places)), allowed, unstated)))
                    ids.add(i)
                mine.add(screen_index.setdefault((p.kind, tuple(sorted(ids))), len(screen_index)))
            needs.append((c.name, tuple(sorted(mine))))
        return cls({kind: tuple(places) for kind, places in fields.items()}, tuple(tests), tuple(screen_index),
                   tuple(needs))

    def viable(self, facts: Iterable[Mapping[str, Any]]) -> frozenset[str] | None:
        """The names of the rules whose every screen some fact of ``facts`` passes (None: a fact of a kind that is no
        text, which no screen reasons about)."""
        groups: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in self.fields}
        for f in facts:
            kind: Any = f.get("kind")
            group = groups.get(kind)
            if group is None:
                if type(kind) is not str:
                    return None
                continue
            group.append(f)
        by_kind: dict[str, list[int]] = {}
        for j, (kind, _ids) in enumerate(self.screens):
            by_kind.setdefault(kind, []).append(j)
        passed: set[int] = set()
        for kind, group in groups.items():
            pending = by_kind.get(kind, [])
            # A first few facts pass most screens: the rest are read only for the fields of those none of them passed.
            for start, end in ((0, _FIRST_FACTS), (_FIRST_FACTS, len(group))):
                if pending and start < len(group):
                    passing = self._passing(kind, group[start:end], pending)
                    passed.update(passing)
                    pending = [j for j in pending if j not in passing]
        return frozenset(name for name, mine in self.rules if passed.issuperset(mine))

    def _passing(self, kind: str, facts: Sequence[Mapping[str, Any]], screens: Sequence[int]) -> set[int]:
        """Of ``screens`` (of ``kind``), those some fact of ``facts`` passes."""
        places = sorted({self.tests[i][1].place for j in screens for i in self.screens[j][1]})
        at = {place: k for k, place in enumerate(places)}
        names = [self.fields[kind][place] for place in places]
        unstated = (_ABSENT,) * len(names)
        alike: set[tuple[tuple[Any, ...], tuple[type, ...]]] = set()
        for f in facts:
            values = tuple(map(f.get, names, unstated))
            try:  # the facts alike in every field read, once (with the values' types: 1 == 1.0 == True)
                alike.add((values, tuple(map(type, values))))
            except TypeError:  # a list or a mapping, which every test admits, as a null
                shown = tuple(None if type(v) in (list, dict) else v for v in values)
                alike.add((shown, tuple(map(type, shown))))
        # Per field, each value stated (or not), with its type -> the facts alike having it, as bits.
        columns: list[dict[tuple[Any, type], int]] = [{} for _name in names]
        for bit, (values, types) in enumerate(alike):
            one = 1 << bit
            for column, typed in zip(columns, zip(values, types, strict=True), strict=True):
                column[typed] = column.get(typed, 0) | one
        every = (1 << len(alike)) - 1  # a screen of no test: any fact of the kind
        tested: dict[int, int] = {}  # per test, the facts alike that pass it
        out: set[int] = set()
        for j in screens:
            bits = every
            for i in self.screens[j][1]:
                passing = tested.get(i)
                if passing is None:
                    test = self.tests[i][1]
                    passing = 0
                    for (value, _type), having in columns[at[test.place]].items():
                        if test.admits(value):
                            passing |= having
                    tested[i] = passing
                bits &= passing
                if not bits:
                    break
            if bits:
                out.add(j)
        return out


_FIRST_FACTS = 64
"""Facts of a kind ``_Screen.viable`` reads whole first."""


def _resolve(value: Any, rule: Rule, params: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        return params.get(f"{rule.id}.{name}", params.get(name, rule.params[name]))
    return value


def compile_pattern(p: Pattern, index: int, rule: Rule, params: Mapping[str, Any],
                    replace: Mapping[str, str | None] | None = None) -> CompiledPattern:
    """Compile one pattern; ``replace`` maps a field to 'missing', to 'unknown_or' (its tests hold, or the field
    is unknown), or to None (drop its tests)."""
    tests: list[Test] = []
    for fld, test in sorted(p.where.items()):
        if replace and fld in replace:
            if replace[fld] == "missing":
                tests.append((fld, "missing", True))
            elif replace[fld] == "unknown_or":
                tests.append((fld, "unknown_or", tuple((op, _resolve(v, rule, params)) for op, v in split_test(test))))
            continue
        for op, value in split_test(test):
            tests.append((fld, op, _resolve(value, rule, params)))
    joins = tuple((f, *ref.split(".", 1)) for f, ref in sorted(p.join.items()))
    alias = p.as_ or f"n{index}"
    return CompiledPattern(alias, p.kind, p.absent, tuple(tests), tuple((j[0], j[1], j[2]) for j in joins))


Variant = tuple[str | None, tuple[tuple[str, Any], ...], tuple[CompiledPattern, ...]]


def _variants(lr: LoadedRule, params: Mapping[str, Any]) -> list[Variant]:
    """The rule's main condition and its variants: one per gap field (that field ``missing``, the other gap
    fields of its pattern unknown or passing their tests), each crossed with every subset of the ``assume``
    fields being unknown (their tests replaced by ``missing``). The variants exclude each other on the fields
    they replace, so one subject is never matched twice by one rule's variants with the same facts."""
    rule = lr.rule
    gap_fields: dict[str, set[str]] = {}
    for ref in rule.gaps:
        alias, _, fld = ref.partition(".")
        gap_fields.setdefault(alias, set()).add(fld)
    assumes = sorted(rule.assume.items())
    subsets = [c for n in range(len(assumes) + 1) for c in itertools.combinations(assumes, n)]
    out: list[Variant] = []
    for gap in [None, *rule.gaps]:
        gap_alias, _, gap_fld = (gap or "").partition(".")
        for combo in subsets:
            pats = []
            for i, p in enumerate(rule.when):
                repl: dict[str, str | None] = {}
                if gap is not None and p.as_ in gap_fields:
                    # The other gap fields of the pattern may be unknown too, but not stated safe.
                    repl.update(dict.fromkeys(gap_fields[p.as_ or ""], "unknown_or"))
                    if p.as_ == gap_alias:
                        repl[gap_fld] = "missing"
                for ref, _value in combo:
                    alias, _, fld = ref.partition(".")
                    if p.as_ == alias:
                        repl[fld] = "missing"
                pats.append(compile_pattern(p, i, rule, params, repl or None))
            out.append((gap, tuple(combo), tuple(pats)))
    return out


def produced_kinds(rule: Rule) -> set[str]:
    """Kinds of fact a rule derives."""
    out = {d.kind for d in rule.derive}
    if rule.risk is not None:
        out.add("risk")
    return out


def _strata(rules: Sequence[LoadedRule]) -> dict[str, int]:
    producers: dict[str, list[str]] = {}
    for lr in rules:
        for k in produced_kinds(lr.rule):
            producers.setdefault(k, []).append(lr.rule.id)
    stratum = {lr.rule.id: 0 for lr in rules}
    for _ in range(len(rules) + 2):
        changed = False
        for lr in rules:
            s = 0
            for p in lr.rule.when:
                for prod in producers.get(p.kind, []):
                    s = max(s, stratum[prod] + (1 if p.absent else 0))
            if s != stratum[lr.rule.id]:
                stratum[lr.rule.id] = s
                changed = True
        if not changed:
            return stratum
        if max(stratum.values(), default=0) > len(rules):
            break
    cyc = sorted(rid for rid, s in stratum.items() if s >= len(rules))
    first = next(lr for lr in rules if lr.rule.id == cyc[0]) if cyc else None
    raise RuleError("rules negate facts that they (indirectly) derive, so no fixed point is defined: "
                    + ", ".join(cyc[:10]), first.locate("when") if first else None, "when" if first else "")


def _single(c: CompiledRule) -> bool:
    """Whether the C core matches the rule on one fact alone (one positive pattern, no join, no negation;
    looked-up patterns travel with that fact)."""
    pats = c.engine_patterns
    looked = {lk.alias for lk in c.lookups}
    return len(pats) == 1 and not pats[0].absent and all(alias in looked for _f, alias, _rf in pats[0].joins)


class Lookup(NamedTuple):
    """A pattern the runtime resolves by key instead of by a join in the C core (see ``_lookups``)."""

    alias: str
    source: str
    """The pattern whose fact carries the looked-up fact to the C core."""
    field: str
    """The source fact's field naming the looked-up fact ("" for a singleton kind)."""
    key: str
    """For a singleton kind, the looked-up fact's key; else the text put before the field's value to
    make the key ("" when the field holds the key itself, ``kind:`` when it holds a name)."""
    negated: bool = False
    """An ``absent`` pattern: the rule needs the looked-up fact to be missing or to fail its test."""

    @property
    def slot(self) -> str:
        """The property under which the source fact carries the looked-up one."""
        if not self.field:
            return LOOKUP_PREFIX * 2 + self.key.partition(":")[0]
        return LOOKUP_PREFIX + self.field + (LOOKUP_PREFIX + self.key[:-1] if self.key else "")

    def target(self, source_fact: Mapping[str, Any]) -> str | None:
        """The key of the fact this lookup finds for ``source_fact`` (None when it names none)."""
        return lookup_target(self.field, self.key, source_fact)


def lookup_target(field: str, key: str, source_fact: Mapping[str, Any]) -> str | None:
    """The key a lookup (``Lookup.field``, ``Lookup.key``) finds for ``source_fact``, or None."""
    if not field:
        return key
    ref = source_fact.get(field)
    return key + ref if isinstance(ref, str) else None


def _lookups(pats: Sequence[CompiledPattern], derived: set[str]) -> tuple[Lookup, ...]:
    """The patterns of a rule that can be resolved by key lookup rather than by a join in the C core.

    A pattern qualifies when it is positive, no rule derives its kind, it has no ``contains`` test
    (a list inside an attached fact is not matched alike), and either:

    - it has exactly one join with the other patterns, an equality between its identity (``key``, or
      ``name`` for a kind keyed by name) and a plain field of a positive pattern that is not itself
      looked up ("the interaction this risk is about", "the service this call comes from");
    - or it has no join at all and its kind is a singleton (``system``, ``security``,
      ``observability``): the one fact of that kind, whose key is known.

    An ``absent`` pattern with one ``eq``/``in``/``exists`` test qualifies the same way ("... unless this
    very call propagates the deadline", "... unless the design's system states a target"): the C core
    tests that the attached fact is missing, of another kind, or fails the test, on the source fact.

    Such a pattern matches at most one fact per fact of its source, and that fact is in the store
    before any rule fires: the runtime attaches it to the source fact (under ``Lookup.slot``) and the
    C core tests it there, so the matches are exactly the join's. The C core's join memory is then not
    needed: a rule like "a risk whose subject is a public call" becomes a one-fact rule, and the risks
    need not stay in working memory (see ``RulesetSpec.transient``); and a cross product with the
    design's one ``security`` fact, which the C core keeps in one hash chain (cost per fact growing
    with the number of facts), becomes a test on each fact.
    """
    by_alias = {p.alias: p for p in pats}
    edges: dict[str, list[tuple[str, str, str]]] = {p.alias: [] for p in pats}  # alias -> (own field, other, field)
    for q in pats:
        for f, alias, rf in q.joins:
            edges[q.alias].append((f, alias, rf))
            if alias in edges:
                edges[alias].append((rf, q.alias, f))

    def eligible(p: CompiledPattern) -> bool:
        return not p.absent and p.kind not in derived and all(op != "contains" for _f, op, _v in p.tests)

    def negatable(p: CompiledPattern) -> bool:  # an absent pattern C can test as "none such" on one fact
        return (p.absent and p.kind not in derived and len(p.tests) == 1
                and p.tests[0][1] in ("eq", "in", "exists") and "." not in p.tests[0][0])

    out: list[Lookup] = []
    looked: set[str] = set()
    hosts: set[str] = set()
    for p in pats:
        if not (eligible(p) or negatable(p)) or p.alias in hosts or len(edges[p.alias]) != 1:
            continue
        own, source, fld = edges[p.alias][0]
        src = by_alias.get(source)
        if src is None or src.absent or source in looked or "." in fld:
            continue
        if own == "key":
            prefix = ""
        elif own == "name" and p.kind in NAME_KEYED_KINDS:
            prefix = f"{p.kind}:"
        else:
            continue
        out.append(Lookup(p.alias, source, fld, prefix, p.absent))
        looked.add(p.alias)
        hosts.add(source)
    negated_singles = [p for p in pats if p.alias not in looked and not edges[p.alias]
                       and p.kind in SINGLETON_KINDS and negatable(p)]
    singles = [p for p in pats if p.alias not in looked and p.alias not in hosts and not edges[p.alias]
               and p.kind in SINGLETON_KINDS and eligible(p)]
    carriers = [p for p in pats if not p.absent and p.alias not in looked and p not in singles]
    if singles and not carriers:  # only singletons: the first carries the others
        carriers, singles = singles[:1], singles[1:]
    if carriers:
        out.extend(Lookup(p.alias, carriers[0].alias, "", singleton_key(p.kind)) for p in singles)
        out.extend(Lookup(p.alias, carriers[0].alias, "", singleton_key(p.kind), True) for p in negated_singles)
    return tuple(out)


ABSENCE_PREFIX = "@no"
"""Name under which a fact carries, for the C core, whether a negated pattern holds given that fact."""


class Absence(NamedTuple):
    """A negated pattern the runtime decides, for the C core to test as one property of a positive fact.

    See ``absences``: the pattern holds for a fact of its host pattern when no fact of ``kind`` passes
    ``tests`` with each of its fields in ``pairs`` equal (``same``) to the host fact's field paired with it.
    """

    alias: str
    host: str
    """The positive pattern whose fact carries the answer."""
    kind: str
    tests: tuple[Test, ...]
    pairs: tuple[tuple[str, str], ...]
    """(field of the negated fact, field of the host fact) of each join; none for a pattern with no join."""

    @property
    def screen(self) -> str:
        """The name of what the runtime gathers for this pattern (shared by patterns alike but for their host):
        the join values of every fact of ``kind`` that passes ``tests``."""
        return screen_name(self.kind, self.tests, tuple(f for f, _h in self.pairs))

    @property
    def slot(self) -> str:
        """The property under which the host fact carries whether no such fact exists."""
        return absence_slot(self.screen, self.pairs)


def absence_slot(screen: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """``Absence.slot`` of an absence whose ``screen`` is already worked out (each is a SHA-256 of JSON)."""
    return ABSENCE_PREFIX + hashlib.sha256(_canonical([screen, [h for _f, h in pairs]])).hexdigest()[:16]


def screen_name(kind: str, tests: tuple[Test, ...], fields: tuple[str, ...]) -> str:
    """``Absence.screen`` of a negated pattern on ``kind`` with ``tests``, joined on its ``fields``."""
    return hashlib.sha256(_canonical([kind, [list(t) for t in tests], list(fields)], sort=False)).hexdigest()[:16]


def absences(pats: Sequence[CompiledPattern], lookups: Sequence[Lookup]) -> tuple[Absence, ...]:
    """The negated patterns of a rule that the runtime can decide for the C core, given ``lookups``.

    A negated pattern qualifies when it is not looked up and its joins all refer to one positive pattern the C
    core matches (its host), or it has no join (then the rule's first such pattern hosts it, the answer being the
    same for every fact). Stratification makes that exact: every rule negating a kind sits in a later stratum
    than every rule deriving it, so when a stratum starts every fact of a negated kind is known (the C core was
    given them all, under ``NEGATED_PREFIX``, before any other fact). The runtime then gathers once per stratum
    the join values of the facts of that kind that pass the pattern's tests (``holds``), and gives each host fact
    one property (``Absence.slot``): whether its own values are among them. The C core tests that property as
    it tests a ``regex`` slot, instead of keeping every fact of the negated kind in a join's memory: 5,000
    services' design gave a join ruleset 26,000 negated facts, each stored whole (about 9 KB) for a few
    thousand matches. Equality is ``same`` (the reference evaluator's); a field missing on either side never
    joins, as there.
    """
    looked = {lk.alias for lk in lookups}
    positive = [p.alias for p in pats if not p.absent and p.alias not in looked]
    out: list[Absence] = []
    for p in pats:
        if not p.absent or p.alias in looked or not positive:
            continue
        hosts = {alias for _f, alias, _rf in p.joins}
        if not hosts:
            host = positive[0]
        elif len(hosts) == 1 and next(iter(hosts)) in positive:
            host = next(iter(hosts))
        else:
            continue
        out.append(Absence(p.alias, host, p.kind, p.tests, tuple((f, rf) for f, _a, rf in p.joins)))
    return tuple(out)


def _shape(p: CompiledPattern, tests: tuple[Test, ...]) -> bytes:
    return _canonical([p.kind, p.absent, tests])


def _canonical(value: Any, sort: bool = True) -> bytes:
    """``value`` as JSON, with sorted keys (the same text for the same value) unless ``sort`` is false; orjson,
    or json for what it refuses."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS if sort else None)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a non-text key
        return json.dumps(value, sort_keys=sort, default=str).encode()


def compile_kb(kb: KnowledgeBase, params: Mapping[str, Any] | None = None, decide_negations: bool = True) -> CompiledKB:
    """Compile a validated knowledge base into partitioned durable_rules rulesets. ``decide_negations`` false leaves
    every negated pattern to the C core (see ``absences``): tests compare the two."""
    strata = _strata(kb.rules)
    compiled = _compile_rules(kb, dict(kb.params if params is None else params), strata, decide_negations)
    parts: list[Part] = []
    for s, joining in sorted({(c.stratum, not _single(c)) for c in compiled.values()}):
        members = [c for c in compiled.values() if c.stratum == s and _single(c) != joining]
        parts.extend((s, joining, tuple(part)) for part in _partition(members))
    return assemble(compiled, parts, {lr.rule.id: lr for lr in kb.rules}, max(strata.values(), default=0) + 1)


Part = tuple[int, bool, tuple[CompiledRule, ...]]
"""One ruleset's rules: (stratum, whether they join, the rules)."""


def assemble(compiled: dict[str, CompiledRule], parts: Sequence[Part], source: dict[str, LoadedRule], strata: int,
             recheck: bool = False, lazy: bool = False) -> CompiledKB:
    """The compiled knowledge base of rules cut into ``parts``: each part's ruleset spec and definition, the
    C-core limits checked on them (``CompiledKB.assembly``). ``recheck`` also checks each part against the
    partitioner's limits (parts read back from ``engine.kbcache``, not made by ``_partition``). ``lazy`` leaves the
    specs and definitions to be made when first asked (a one-shot command asks for those of the rules that can
    match its design only); else they are made, and the limits checked, now."""
    if recheck:
        for _s, _joining, part in parts:
            _recheck(part)
    matched = frozenset(p.kind for c in compiled.values() for p in c.patterns)
    kb = CompiledKB(compiled, tuple((s, joining, tuple(c.name for c in part)) for s, joining, part in parts), source,
                    matched, strata=strata)
    if not lazy:
        kb.assembly  # noqa: B018 - made now: a rule pack over the C core's limits is refused as it is compiled
    return kb


def _assembly(rules: Mapping[str, CompiledRule], parts: Sequence[NamedPart], source: Mapping[str, LoadedRule],
              kept: frozenset[str] | None = None) -> Assembly:
    """``CompiledKB.assembly``: each part's ruleset spec and definition, of the ``kept`` rules only (None: all); a
    part with none left is no ruleset. Rulesets keep the names they have with every rule kept, and the kinds some
    rule derives (read by the specs' join filters) are those of every rule in ``source``."""
    rulesets: list[RulesetSpec] = []
    definitions: dict[str, dict[str, Any]] = {}
    derived = {k for lr in source.values() for k in produced_kinds(lr.rule)}
    numbered: Counter[int] = Counter()
    for s, joining, names in parts:
        name = f"archplan_s{s}_p{numbered[s]}"
        numbered[s] += 1
        part = [rules[n] for n in names] if kept is None else [rules[n] for n in names if n in kept]
        if not part:
            continue
        rulesets.append(_ruleset_spec(name, s, part, joining, derived))
        definitions[name] = {c.name: c.definition() for c in part}
    check_limits(definitions)
    return Assembly(tuple(rulesets), definitions, hashlib.sha256(_canonical(definitions)).hexdigest()[:16])


def _recheck(part: Sequence[CompiledRule]) -> None:
    """Refuse a part over the partitioner's limits. The counts only grow as rules are added, so the whole part
    within the limits means every rule of it was admitted: one total, not a check per rule."""
    if len(part) > MAX_RULES_PER_RULESET:
        raise RuleError(f"{len(part)} rules in one ruleset, over {MAX_RULES_PER_RULESET}")
    load = _Load()
    for c in part:
        if len(c.patterns) > MAX_PATTERNS_PER_RULE or _reserved(c):
            raise RuleError(f"{c.name}: over a limit of the C core")
        load.count(c)
    if not _Load().admits(load):
        raise RuleError(f"the ruleset of {part[0].name} is over a limit of the C core")


_RESERVED = frozenset(("id", "sid"))


def _reserved(c: CompiledRule) -> bool:
    """Whether a pattern of ``c`` would test a reserved property (``check_limits``: an ``eq`` test or a join on
    ``id`` or ``sid``, as ``definition`` writes them), checked before assembly as the partitioner's limits are."""
    looked = {lk.alias for lk in c.lookups}
    return any(f in _RESERVED for p in c.engine_patterns
               for f in [*(f for f, alias, _rf in p.joins if alias not in looked),
                         *(f for f, op, _v in p.tests if op == "eq")])


def _compile_rules(kb: KnowledgeBase, params: Mapping[str, Any], strata: Mapping[str, int],
                   decide_negations: bool = True) -> dict[str, CompiledRule]:
    """Every variant of every rule (its gap and assumption variants too), by name, within the pattern limits."""
    derived = {k for lr in kb.rules for k in produced_kinds(lr.rule)}
    compiled: dict[str, CompiledRule] = {}
    for lr in sorted(kb.rules, key=lambda r: r.rule.id):
        for gap, assumed, pats in _variants(lr, params):
            if len(pats) > MAX_PATTERNS_PER_RULE:
                raise RuleError(f"more than {MAX_PATTERNS_PER_RULE} patterns", lr.locate("when"), "when")
            name = lr.rule.id if gap is None else f"{lr.rule.id}#gap:{gap}"
            if assumed:
                name += "#assume:" + "+".join(ref for ref, _v in assumed)
            budget.check("compiling the rules")
            apart = unjoined_groups(pats)
            if len(apart) > MAX_UNJOINED_GROUPS:
                raise RuleError(
                    f"{len(apart)} groups of patterns share no join ({' x '.join('/'.join(g) for g in apart)}): the "
                    f"rule would match every combination of them, n^{len(apart)} for n facts; join them "
                    f"(join: {{field: alias.field}}); at most {MAX_UNJOINED_GROUPS} unjoined groups",
                    lr.locate("when"), "when")
            looked = _lookups(pats, derived)
            compiled[name] = CompiledRule(name, lr.rule.id, gap, pats, strata[lr.rule.id], looked, assumed,
                                          absences(pats, looked) if decide_negations else ())
    return compiled


_NEX_WEIGHT = {"missing": 1, "none_such": 2, "unknown_or": 1}
"""``$nex`` tests each operator puts under its kind's node."""


class _Load(Struct, eq=False):
    """What a ruleset's rules put under each kind's node of the C core, against its limits."""

    alpha: Counter[str] = struct_field(default_factory=Counter)
    nex: Counter[str] = struct_field(default_factory=Counter)
    tests: Counter[str] = struct_field(default_factory=Counter)
    shapes: Counter[bytes] = struct_field(default_factory=Counter)

    @classmethod
    def of(cls, c: CompiledRule) -> _Load:
        load = cls()
        load.count(c)
        return load

    def count(self, c: CompiledRule) -> None:
        """Add what the rule ``c`` puts under each kind's node."""
        alpha, nex, tests, shapes = self.alpha, self.nex, self.tests, self.shapes
        for p in c.engine_patterns:
            kind = NEGATED_PREFIX + p.kind if p.absent else p.kind
            alpha[kind] += 1
            tests_here = p.tests + c.attached(p.alias)
            nex[kind] += sum(_NEX_WEIGHT.get(op, 0) for _f, op, _v in tests_here)
            tests[kind] += len(tests_here) + len(p.joins)
            shapes[_shape(p, tests_here)] += 1

    def admits(self, add: _Load) -> bool:
        return (all(self.alpha[k] + n <= MAX_ALPHA_PER_KIND for k, n in add.alpha.items())
                and all(self.nex[k] + n <= MAX_NEX_PER_KIND for k, n in add.nex.items())
                and all(self.tests[k] + n <= MAX_TESTS_PER_KIND for k, n in add.tests.items())
                and all(self.shapes[k] + n <= MAX_SHARED_PATTERN for k, n in add.shapes.items()))

    def add(self, other: _Load) -> None:
        self.alpha.update(other.alpha)
        self.nex.update(other.nex)
        self.tests.update(other.tests)
        self.shapes.update(other.shapes)


def _partition(members: Sequence[CompiledRule]) -> list[list[CompiledRule]]:
    """``members`` in order, cut into runs that each stay within the C core's per-ruleset limits."""
    parts: list[list[CompiledRule]] = []
    current: list[CompiledRule] = []
    load = _Load()
    for c in members:
        add = _Load.of(c)
        if not (len(current) < MAX_RULES_PER_RULESET and load.admits(add)):
            if current:
                parts.append(current)
            current, load = [], _Load()
        current.append(c)
        load.add(add)
    if current:
        parts.append(current)
    return parts


def _ruleset_spec(name: str, stratum: int, current: Sequence[CompiledRule], joining: bool,
                  derived: set[str] | None = None) -> RulesetSpec:
    """What the runtime needs to know of one ruleset: its rules, kinds, gates and the fields it projects;
    ``derived``: the kinds some rule derives (None: any may be, no ``semijoins``)."""
    fields: dict[str, set[str]] = {}
    lookups: dict[str, dict[tuple[str, str, str], set[str]]] = {}
    regexes: dict[str, set[tuple[str, str, str]]] = {}
    absent: dict[str, set[tuple[str, str, tuple[str, ...]]]] = {}
    screens: dict[str, tuple[str, tuple[Test, ...], tuple[str, ...]]] = {}
    for c in current:
        kinds = {p.alias: p.kind for p in c.patterns}
        for a in c.absences:
            screen = a.screen  # a name hashed from the pattern: once here, not three times
            absent.setdefault(kinds[a.host], set()).add((absence_slot(screen, a.pairs), screen,
                                                         tuple(h for _f, h in a.pairs)))
            screens[screen] = (a.kind, a.tests, tuple(f for f, _h in a.pairs))
        for p in c.engine_patterns:
            regexes.setdefault(p.kind, set()).update(
                (regex_slot(f, v), f, v) for f, op, v in p.tests + c.attached(p.alias) if op == "regex")
        for kind, names in c.fields().items():
            fields.setdefault(kind, set()).update(names)
        for kind, by_slot in c.lookup_fields().items():
            for slot, names in by_slot.items():
                lookups.setdefault(kind, {}).setdefault(slot, set()).update(names)
    partners, semijoins = _semijoins(current, derived) if joining and derived is not None else ((), {})
    hold_partners, holds = _held(current, derived, semijoins) if joining and derived is not None else ((), {})
    return RulesetSpec(
        name, stratum, tuple(c.name for c in current),
        frozenset(k for c in current for k in c.positive_kinds),
        frozenset(k for c in current for k in c.negated_kinds),
        transient=not joining,
        gates=_gates(current),
        partners=partners,
        semijoins=semijoins,
        hold_partners=hold_partners,
        holds=holds,
        fields={k: tuple(sorted(v)) for k, v in sorted(fields.items())},
        lookups={k: tuple((*slot, tuple(sorted(n))) for slot, n in sorted(v.items()))
                 for k, v in sorted(lookups.items())},
        regexes={k: tuple(sorted(v)) for k, v in sorted(regexes.items()) if v},
        absences={k: tuple(sorted(v)) for k, v in sorted(absent.items())},
        screens=dict(sorted(screens.items())),
    )


def check_limits(definitions: Mapping[str, Mapping[str, Any]]) -> None:
    """Re-check, on the emitted JSON, every C-core limit the partitioner aims to respect."""
    for rs_name, rules in definitions.items():
        if len(rules) > MAX_RULES_PER_RULESET:
            raise RuleError(f"ruleset {rs_name} has {len(rules)} rules, over {MAX_RULES_PER_RULESET}")
        per_kind: Counter[str] = Counter()
        for rule_name, definition in rules.items():
            terms = definition["all"]
            if len(terms) > MAX_PATTERNS_PER_RULE:
                raise RuleError(f"{rule_name}: {len(terms)} patterns, over {MAX_PATTERNS_PER_RULE}")
            for term in terms:
                ((alias, expr),) = term.items()
                conds = expr["$and"]
                if not conds or "kind" not in conds[0]:
                    raise RuleError(f"{rule_name}: pattern '{alias}' does not test 'kind' first")
                if all("$nex" in c for c in conds):
                    raise RuleError(f"{rule_name}: pattern '{alias}' is made only of 'missing' tests")
                if any(isinstance(c, dict) and ("id" in c or "sid" in c) for c in conds):
                    raise RuleError(f"{rule_name}: pattern '{alias}' refers to reserved 'id'/'sid'")
                per_kind[conds[0]["kind"]] += 1
        worst = max(per_kind.values(), default=0)
        if worst > MAX_ALPHA_PER_KIND:
            raise RuleError(f"ruleset {rs_name}: {worst} patterns on one kind, over {MAX_ALPHA_PER_KIND}")
