"""Rules in, durable_rules ruleset definitions out. Pure: never imports durable_rules.

The compiler emits only the subset of durable_rules that the notes found safe:
``kind`` equality first in every pattern, equality joins, ``$not``, whitelisted operators,
no ``$nex``-only pattern, no ``id``/``sid`` reference. It stratifies negation over derived
facts, partitions the rules across rulesets so that every C-core limit holds, and checks
those limits itself before the C core sees anything.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import RuleError
from engine.model import Severity
from engine.rule import Pattern, Rule
from engine.ruleload import KnowledgeBase, LoadedRule, split_test

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
MAX_FACT_PROPERTIES = 240  # 252 properties per fact is error 302

Test = tuple[str, str, Any]  # field, operator, value
Join = tuple[str, str, str]  # field, alias, field


@dataclass(frozen=True)
class CompiledPattern:
    """One pattern, in the form both evaluators read."""

    alias: str
    kind: str
    absent: bool
    tests: tuple[Test, ...]
    joins: tuple[Join, ...]


@dataclass(frozen=True)
class CompiledRule:
    """One durable_rules rule: a rule's main condition, or one of its information-gap variants."""

    name: str
    rule_id: str
    gap: str | None
    """For a gap variant, the ``alias.field`` whose being unknown it reports."""
    patterns: tuple[CompiledPattern, ...]
    stratum: int

    @property
    def positive_kinds(self) -> frozenset[str]:
        """Kinds matched by non-negated patterns."""
        return frozenset(p.kind for p in self.patterns if not p.absent)

    @property
    def negated_kinds(self) -> frozenset[str]:
        """Kinds matched by negated patterns."""
        return frozenset(p.kind for p in self.patterns if p.absent)

    def definition(self) -> dict[str, Any]:
        """The durable_rules JSON definition of this rule."""
        terms: list[dict[str, Any]] = []
        for i, p in enumerate(self.patterns):
            kind = NEGATED_PREFIX + p.kind if p.absent else p.kind
            conds: list[dict[str, Any]] = [{"kind": kind}]
            # Joins go before the field tests: in the C core a join placed after an '$or' (the 'in'
            # operator) inside the same '$and' is not applied, so the pattern matched facts of any key.
            conds.extend({f: {alias: rf}} for f, alias, rf in p.joins)
            conds.extend(_condition(f, op, v) for f, op, v in p.tests)
            key = f"n{i}$not" if p.absent else p.alias
            terms.append({key: {"$and": conds}})
        return {"all": terms, "run": self.name}


def _condition(fld: str, op: str, value: Any) -> dict[str, Any]:
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
    if op == "regex":
        return {"$mt": {fld: value}}
    if op == "contains":
        return {"$iany": {fld: {"$i": value}}}
    raise RuleError(f"operator '{op}' cannot be compiled")  # pragma: no cover - validated on load


@dataclass(frozen=True)
class RulesetSpec:
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


@dataclass
class CompiledKB:
    """A compiled knowledge base, ready for the runtime."""

    rules: dict[str, CompiledRule]
    rulesets: tuple[RulesetSpec, ...]
    source: dict[str, LoadedRule]
    digest: str
    matched_kinds: frozenset[str]
    strata: int = 1
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    """Rule id -> base severity set by the project config (``[severity]``), used instead of the matrix's."""

    def ruleset_definitions(self) -> dict[str, dict[str, Any]]:
        """Fresh durable_rules definitions (``set_rulesets`` mutates what it is given)."""
        fresh: dict[str, dict[str, Any]] = json.loads(json.dumps(self.definitions))
        return fresh


def _resolve(value: Any, rule: Rule, params: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        return params.get(f"{rule.id}.{name}", params.get(name, rule.params[name]))
    return value


def compile_pattern(p: Pattern, index: int, rule: Rule, params: Mapping[str, Any],
                    replace: Mapping[str, str | None] | None = None) -> CompiledPattern:
    """Compile one pattern; ``replace`` maps a field to 'missing' or None (drop its tests)."""
    tests: list[Test] = []
    for fld, test in sorted(p.where.items()):
        if replace and fld in replace:
            if replace[fld] == "missing":
                tests.append((fld, "missing", True))
            continue
        for op, value in split_test(test):
            tests.append((fld, op, _resolve(value, rule, params)))
    joins = tuple((f, *ref.split(".", 1)) for f, ref in sorted(p.join.items()))
    alias = p.as_ or f"n{index}"
    return CompiledPattern(alias, p.kind, p.absent, tuple(tests), tuple((j[0], j[1], j[2]) for j in joins))


def _variants(lr: LoadedRule, params: Mapping[str, Any]) -> list[tuple[str | None, tuple[CompiledPattern, ...]]]:
    rule = lr.rule
    gaps = list(rule.gaps)
    gap_fields: dict[str, set[str]] = {}
    for ref in gaps:
        alias, _, fld = ref.partition(".")
        gap_fields.setdefault(alias, set()).add(fld)
    main = tuple(compile_pattern(p, i, rule, params) for i, p in enumerate(rule.when))
    out: list[tuple[str | None, tuple[CompiledPattern, ...]]] = [(None, main)]
    for ref in gaps:
        alias, _, fld = ref.partition(".")
        pats = []
        for i, p in enumerate(rule.when):
            if p.as_ == alias:
                repl: dict[str, str | None] = dict.fromkeys(gap_fields[alias])
                repl[fld] = "missing"
                pats.append(compile_pattern(p, i, rule, params, repl))
            elif p.as_ in gap_fields:
                pats.append(compile_pattern(p, i, rule, params, dict.fromkeys(gap_fields[p.as_ or ""])))
            else:
                pats.append(compile_pattern(p, i, rule, params))
        out.append((ref, tuple(pats)))
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
    """Whether a rule matches one fact on its own (one positive pattern, no join, no negation)."""
    return len(c.patterns) == 1 and not c.patterns[0].absent and not c.patterns[0].joins


def _shape(p: CompiledPattern) -> str:
    return json.dumps([p.kind, p.absent, p.tests], sort_keys=True, default=str)


def compile_kb(kb: KnowledgeBase, params: Mapping[str, Any] | None = None) -> CompiledKB:
    """Compile a validated knowledge base into partitioned durable_rules rulesets."""
    params = dict(kb.params if params is None else params)
    strata = _strata(kb.rules)
    compiled: dict[str, CompiledRule] = {}
    for lr in sorted(kb.rules, key=lambda r: r.rule.id):
        for gap, pats in _variants(lr, params):
            if len(pats) > MAX_PATTERNS_PER_RULE:
                raise RuleError(f"more than {MAX_PATTERNS_PER_RULE} patterns", lr.locate("when"), "when")
            name = lr.rule.id if gap is None else f"{lr.rule.id}#gap:{gap}"
            compiled[name] = CompiledRule(name, lr.rule.id, gap, pats, strata[lr.rule.id])

    rulesets: list[RulesetSpec] = []
    definitions: dict[str, dict[str, Any]] = {}
    groups = sorted({(c.stratum, not _single(c)) for c in compiled.values()})
    for s, joining in groups:
        members = [c for c in compiled.values() if c.stratum == s and _single(c) != joining]
        current: list[CompiledRule] = []
        alpha: Counter[str] = Counter()
        nex: Counter[str] = Counter()
        tests: Counter[str] = Counter()
        shapes: Counter[str] = Counter()

        def flush(current: list[CompiledRule], stratum: int, joining: bool) -> None:
            if not current:
                return
            name = f"archplan_s{stratum}_p{len([r for r in rulesets if r.stratum == stratum])}"
            spec = RulesetSpec(
                name, stratum, tuple(c.name for c in current),
                frozenset(k for c in current for k in c.positive_kinds),
                frozenset(k for c in current for k in c.negated_kinds),
                transient=not joining,
            )
            rulesets.append(spec)
            definitions[name] = {c.name: c.definition() for c in current}

        for c in members:
            add_alpha: Counter[str] = Counter()
            add_nex: Counter[str] = Counter()
            add_tests: Counter[str] = Counter()
            add_shapes: Counter[str] = Counter()
            for p in c.patterns:
                kind = NEGATED_PREFIX + p.kind if p.absent else p.kind
                add_alpha[kind] += 1
                add_nex[kind] += sum(1 for _f, op, _v in p.tests if op == "missing")
                add_tests[kind] += len(p.tests) + len(p.joins)
                add_shapes[_shape(p)] += 1
            fits = (
                len(current) < MAX_RULES_PER_RULESET
                and all(alpha[k] + n <= MAX_ALPHA_PER_KIND for k, n in add_alpha.items())
                and all(nex[k] + n <= MAX_NEX_PER_KIND for k, n in add_nex.items())
                and all(tests[k] + n <= MAX_TESTS_PER_KIND for k, n in add_tests.items())
                and all(shapes[k] + n <= MAX_SHARED_PATTERN for k, n in add_shapes.items())
            )
            if not fits:
                flush(current, s, joining)
                current, alpha, nex, tests, shapes = [], Counter(), Counter(), Counter(), Counter()
            current.append(c)
            alpha.update(add_alpha)
            nex.update(add_nex)
            tests.update(add_tests)
            shapes.update(add_shapes)
        flush(current, s, joining)

    check_limits(definitions)
    digest = hashlib.sha256(json.dumps(definitions, sort_keys=True, default=str).encode()).hexdigest()[:16]
    matched = frozenset(k for c in compiled.values() for k in c.positive_kinds | c.negated_kinds)
    return CompiledKB(compiled, tuple(rulesets), {lr.rule.id: lr for lr in kb.rules}, digest, matched,
                      strata=max(strata.values(), default=0) + 1, definitions=definitions)


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
