"""The only module that imports durable_rules.

Every workaround the notes call for lives here: a ``Host`` whose actions run synchronously on
the calling thread (no timer threads), one-parameter actions that only record their match,
swallowed action errors surfaced, unmatched and duplicate facts tolerated, state reset between
runs, and rulesets freed when a knowledge base is evicted, so that thousands of runs in one
process neither fail nor leak.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from durable import engine as _durable
from durable_rules_engine import delete_ruleset

from engine.compiler import NEGATED_PREFIX, CompiledKB, CompiledRule
from engine.consequence import Outcome, consequences
from engine.errors import EngineError, LimitError

_CACHE_SIZE = 4
_cache: OrderedDict[str, _Session] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class RunLimits:
    """Bounds on one run of the rules."""

    max_derived: int = 200_000
    max_steps: int = 2_000_000
    max_seconds: float = 300.0


@dataclass
class Derivation:
    """How a derived fact came to be: the rule and the facts it matched."""

    rule: str
    premises: tuple[str, ...]


@dataclass
class RunResult:
    """What firing the rules to a fixed point produced."""

    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    derivations: dict[str, Derivation] = field(default_factory=dict)
    asserted: int = 0
    fired: int = 0


class _Host(_durable.Host):  # type: ignore[misc]
    """A host whose timers never start: actions run inside ``assert_fact``, in order."""

    def __init__(self, actions: Mapping[str, Callable[[Any], None]]) -> None:
        self._actions = dict(actions)
        super().__init__()

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._actions[action_name]


def _clean(fact: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k not in ("sid", "id")}


def _count_properties(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(_count_properties(v) if isinstance(v, Mapping) else 1 for v in value.values())
    return 1


class _Session:
    """One compiled knowledge base loaded into the C core, reused across runs."""

    def __init__(self, kb: CompiledKB) -> None:
        self.kb = kb
        self.pending: list[tuple[str, dict[str, dict[str, Any]]]] = []
        self.action_errors: list[str] = []
        self.lock = threading.Lock()
        self.dirty = False
        self.touched: set[str] = set()
        """Rulesets that received a fact this run: only they have a session state to read."""
        self.established: set[str] = set()
        """Rulesets whose session has stored at least one fact. ``delete_state`` on a session that only
        ever saw unmatched facts segfaults in the C core (reproduced: assert an unmatched fact into a
        fresh ruleset, then delete_state), so reset skips those: they hold no fact to clear."""
        actions = {name: self._action(name) for name in kb.rules}
        self.host = _Host(actions)
        try:
            self.host.set_rulesets(kb.ruleset_definitions())
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception; the C core rejected a definition
            raise EngineError(f"durable_rules rejected the compiled rules: {exc}") from None
        self.rulesets = {spec.name: self.host.get_ruleset(spec.name) for spec in kb.rulesets}

    def _action(self, name: str) -> Callable[[Any], None]:
        def act(c: Any) -> None:  # exactly one parameter: two would make durable treat it as async
            try:
                matched = c._m
                self.pending.append((name, {alias: _clean(f) for alias, f in matched.items()}))
            except BaseException as exc:  # noqa: BLE001 - recorded and re-raised after the assert, never swallowed
                self.action_errors.append(f"{name}: {type(exc).__name__}: {exc}")

        return act

    def free(self) -> None:
        self.reset()
        for rs in self.rulesets.values():
            delete_ruleset(rs._handle)
        self.rulesets.clear()

    def reset(self) -> None:
        if not self.dirty:
            return
        # An untouched ruleset has no state (deleting it is error 309); see ``established`` for the rest.
        for name in sorted(self.touched & self.established):
            try:
                self.host.delete_state(name, None)
            except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
                raise EngineError(f"could not reset ruleset {name}: {exc}") from None
        self.pending.clear()
        self.action_errors.clear()
        self.touched.clear()
        self.dirty = False

    def _assert(self, ruleset: str, fact: dict[str, Any]) -> None:
        self.touched.add(ruleset)
        try:
            self.host.assert_fact(ruleset, fact)
        except _durable.MessageNotHandledException:
            return
        except _durable.MessageObservedException:
            pass
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed asserting {fact.get('key')}: {exc}") from None
        self.established.add(ruleset)

    def run(self, facts: Iterable[Mapping[str, Any]], limits: RunLimits,
            apply: Callable[[CompiledRule, Mapping[str, Mapping[str, Any]]], Outcome] | None = None) -> RunResult:
        apply = apply or (lambda cr, b: consequences(cr, self.kb.source[cr.rule_id].rule, b))
        self.reset()
        self.dirty = True
        self.touched.clear()
        result = RunResult()
        store: dict[str, dict[str, Any]] = {}
        for f in facts:
            if _count_properties(f) > 240:
                raise LimitError(f"fact {f.get('key')} has more than 240 properties")
            store[str(f["key"])] = dict(f)
        started = time.monotonic()
        steps = 0
        queue: deque[dict[str, Any]] = deque()

        def drain() -> None:
            nonlocal steps
            while self.pending:
                batch = list(self.pending)
                self.pending.clear()
                for name, bindings in batch:
                    crule = self.kb.rules[name]
                    outcome = apply(crule, bindings)
                    result.outcomes.append((name, outcome))
                    result.fired += 1
                    for df in outcome.facts:
                        key = str(df["key"])
                        if key in store:
                            continue
                        if len(result.derived) >= limits.max_derived:
                            raise LimitError(
                                f"rules derived more than {limits.max_derived:,} facts without reaching a fixed "
                                f"point (last by rule '{crule.rule_id}'); a rule may be deriving facts forever")
                        store[key] = df
                        result.derived[key] = df
                        result.derivations[key] = Derivation(crule.rule_id, tuple(
                            str(bindings[p.alias]["key"]) for p in crule.patterns if not p.absent))
                        queue.append(df)
            if self.action_errors:
                raise EngineError("rule action failed: " + "; ".join(self.action_errors))
            steps += 1
            if steps > limits.max_steps:
                raise LimitError(f"more than {limits.max_steps:,} rule-engine steps; the run was stopped")
            if steps % 256 == 0 and time.monotonic() - started > limits.max_seconds:
                raise LimitError(f"rule firing took longer than {limits.max_seconds:g} s; the run was stopped")

        for stratum in range(self.kb.strata):
            specs = [s for s in self.kb.rulesets if s.stratum == stratum]
            current = sorted(store.values(), key=lambda f: (str(f["kind"]), str(f["key"])))
            for spec in specs:  # negated kinds first, complete, so that $not sees every fact
                for f in current:
                    if f["kind"] in spec.negated_kinds:
                        self._assert(spec.name, {**f, "kind": NEGATED_PREFIX + str(f["kind"])})
                        result.asserted += 1
            for spec in specs:
                for f in current:
                    if f["kind"] in spec.positive_kinds:
                        self._assert(spec.name, dict(f))
                        result.asserted += 1
                        drain()
            while queue:
                df = queue.popleft()
                for spec in specs:
                    if df["kind"] in spec.positive_kinds:
                        self._assert(spec.name, dict(df))
                        result.asserted += 1
                        drain()
            for spec in specs:
                if spec.name not in self.touched:
                    continue  # never asserted into: the C core has no state for it (get_state is error 309)
                state = self.host.get_state(spec.name, None)
                if isinstance(state, Mapping) and "exception" in state:
                    raise EngineError(f"durable_rules recorded an action error in {spec.name}: {state['exception']}")
            # Later strata see this stratum's derived facts (all of them, including ones no rule here matched).
        return result


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


def run(kb: CompiledKB, facts: Sequence[Mapping[str, Any]], limits: RunLimits | None = None) -> RunResult:
    """Fire the compiled rules over ``facts`` to a fixed point."""
    sess = session_for(kb)
    with sess.lock:
        return sess.run(facts, limits or RunLimits())


def clear_cache() -> None:
    """Free every cached knowledge base (tests use it to prove nothing leaks)."""
    with _cache_lock:
        while _cache:
            _digest, old = _cache.popitem(last=False)
            old.free()
