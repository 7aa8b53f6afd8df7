"""A second, independent evaluator of compiled rules: plain Python, slow, and obviously correct.

durable_rules can fail silently (an action error swallowed, a fact dropped as "already observed",
a value coerced across types), so tests run every knowledge base through both this evaluator and
the runtime and require the same outcome. It reads the same ``CompiledRule``/``CompiledPattern``
the compiler hands to durable_rules, with the semantics the compiler means them to have:

- a pattern matches a fact of its ``kind`` whose every test holds and whose joins equal the bound
  fields of earlier patterns; a fact binds at most one positive pattern of a match (durable_rules
  never binds one fact twice in a rule: "two services with the same owner" are two services);
- a test or join on a field the fact does not have is false, except ``missing`` (true exactly when
  the key is absent), ``exists``, and ``unknown_or`` (a gap variant's other gap fields: unknown, or
  passing their own tests);
- values compare by type: ``true`` is not ``1`` and ``"1"`` is not ``1``; numbers compare as numbers;
- ``contains`` holds when a list field has the item; ``regex`` is durable's anchored full match in its
  own dialect (``%d``, ``%a``, ``%w`` classes, no backslash escapes), translated to Python ``re``;
- an ``absent`` pattern holds when no fact satisfies it given the bindings of the patterns before it;
- rules fire by stratum (the compiler's): each stratum is run to a fixed point, every distinct
  combination of facts firing once, and derived facts (deduplicated by key) feed later rounds and
  strata. The consequences are computed by the same ``engine.consequence`` code as the runtime's, and the tests
  by the same ``compiler.holds``, which the runtime applies to the negated patterns it decides for the C core
  (``compiler.absences``; tests/test_compiler_absences.py proves those against the C core's own negation).

Nothing here imports durable_rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from engine.compiler import MISSING, CompiledKB, CompiledPattern, CompiledRule, holds, same, value_at
from engine.consequence import Outcome, consequences
from engine.dialect import Regex, compile_regex
from engine.errors import LimitError
from engine.runtime import Derivation, RunLimits, RunResult

Fact = Mapping[str, Any]


def python_regex(pattern: str) -> Regex:
    """The rules' regex dialect, anchored at both ends: ``engine.dialect``, the one definition the runtime uses too."""
    return compile_regex(pattern)


def _joined(fact: Fact, pattern: CompiledPattern, bound: Mapping[str, Fact]) -> bool:
    for fld, alias, rfield in pattern.joins:
        left, right = value_at(fact, fld), value_at(bound[alias], rfield)
        if left is MISSING or right is MISSING or not same(left, right):
            return False
    return True


def matches(rule: CompiledRule, by_kind: Mapping[str, Sequence[Fact]]) -> Iterator[dict[str, Fact]]:
    """Every binding (alias -> fact) of the rule's positive patterns that satisfies the whole rule."""
    candidates = [[f for f in by_kind.get(p.kind, ()) if all(holds(f, *t) for t in p.tests)]
                  for p in rule.patterns]

    def extend(i: int, bound: dict[str, Fact]) -> Iterator[dict[str, Fact]]:
        if i == len(rule.patterns):
            yield dict(bound)
            return
        p = rule.patterns[i]
        if p.absent:
            if not any(_joined(f, p, bound) for f in candidates[i]):
                yield from extend(i + 1, bound)
            return
        for f in candidates[i]:
            if _joined(f, p, bound) and all(f is not g for g in bound.values()):
                bound[p.alias] = f
                yield from extend(i + 1, bound)
                del bound[p.alias]

    yield from extend(0, {})


def evaluate(kb: CompiledKB, facts: Sequence[Fact], limits: RunLimits | None = None,
             apply: Callable[[CompiledRule, Mapping[str, Fact]], Outcome] | None = None) -> RunResult:
    """Fire ``kb`` over ``facts`` to a fixed point, stratum by stratum, without durable_rules."""
    limits = limits or RunLimits()
    apply = apply or (lambda cr, b: consequences(cr, kb.source[cr.rule_id].rule, b))
    result = RunResult()
    store: dict[str, Fact] = {str(f["key"]): dict(f) for f in facts}
    max_derived = limits.derived_bound(len(store))
    depth: dict[str, int] = {}
    fired: set[tuple[str, tuple[str, ...]]] = set()
    for stratum in range(kb.strata):
        rules = sorted((r for r in kb.rules.values() if r.stratum == stratum), key=lambda r: r.name)
        while True:
            by_kind: dict[str, list[Fact]] = {}
            for key in sorted(store):
                by_kind.setdefault(str(store[key]["kind"]), []).append(store[key])
            new: list[tuple[CompiledRule, dict[str, Fact], tuple[str, ...]]] = []
            for rule in rules:
                for bound in matches(rule, by_kind):
                    keys = tuple(str(bound[p.alias]["key"]) for p in rule.patterns if not p.absent)
                    if (rule.name, keys) not in fired:
                        fired.add((rule.name, keys))
                        new.append((rule, bound, keys))
            if not new:
                break
            for rule, bound, keys in new:
                outcome = apply(rule, bound)
                result.recorded.append((rule.name, outcome))
                result.fired += 1
                for df in outcome.facts:
                    key = str(df["key"])
                    if key in store:
                        continue
                    if len(result.derived) >= max_derived:
                        raise LimitError(f"rules derived more than {max_derived:,} facts without reaching "
                                         "a fixed point (reference evaluator)")
                    level = 1 + max((depth.get(k, 0) for k in keys), default=0)
                    if level > limits.max_chain:
                        raise LimitError(f"rules chained more than {limits.max_chain:,} derivations deep without "
                                         "reaching a fixed point (reference evaluator)")
                    for fld, value in df.items():
                        if isinstance(value, str) and len(value) > limits.max_value_chars:
                            raise LimitError(f"rule '{rule.rule_id}' derived a '{df['kind']}' fact whose '{fld}' "
                                             f"has {len(value):,} characters (reference evaluator)")
                    depth[key] = level
                    store[key] = df
                    result.derived[key] = df
                    result.derivations[key] = Derivation(rule.rule_id, keys)
    return result
