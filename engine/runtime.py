"""The only module that imports durable_rules.

Every workaround the notes call for lives here: a ``Host`` whose actions run synchronously on
the calling thread (no timer threads), one-parameter actions that only record their match,
swallowed action errors surfaced, unmatched and duplicate facts tolerated, state reset between
runs, and rulesets freed when a knowledge base is evicted, so that thousands of runs in one
process neither fail nor leak.
"""

from __future__ import annotations

import contextlib
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
from engine.errors import EngineError, LimitError, Location

_CACHE_SIZE = 4
_cache: OrderedDict[str, _Session] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class RunLimits:
    """Bounds on one run of the rules; exceeding any is a ``LimitError`` (exit 2), never a partial result."""

    max_derived: int = 200_000
    """Facts the rules may derive in one run."""
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
        self.ids: dict[str, set[int]] = {}
        """Per ruleset, the id hashes used this run (see ``_assert``)."""
        self.stored: dict[str, list[dict[str, Any]]] = {}
        """Per ruleset, the facts the C core stored this run, in order: ``reset`` retracts them."""
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
        try:
            self.reset()
        finally:
            for rs in self.rulesets.values():
                delete_ruleset(rs._handle)
            self.rulesets.clear()

    def reset(self) -> None:
        """Empty the sessions for the next run by retracting every fact this run stored.

        Not ``delete_state``: in the C core it segfaults or corrupts the heap ("free(): invalid
        pointer") whenever a join holds a partial match (a fact matched a rule's first pattern and
        nothing joined it yet, or the reverse), and when a session has only seen unmatched facts; a
        knowledge base with any join hits that on most designs. Retraction is the engine's own,
        supported way back to an empty session, and keeps memory flat (20,000 runs: +0.4 MB).
        Actions that retraction triggers (a negation becoming true) are discarded with the run.
        """
        if not self.dirty:
            return
        try:
            for name in sorted(self.stored):
                for fact in reversed(self.stored[name]):
                    self.host.retract_fact(name, fact)
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"could not reset the rule engine: {exc}") from None
        finally:
            self.stored.clear()
            self.pending.clear()
            self.action_errors.clear()
            self.touched.clear()
        self.dirty = False

    def _assert(self, ruleset: str, fact: dict[str, Any]) -> None:
        # Every fact gets an id no other fact of this ruleset's session shares, hash included (fresh_id).
        fact["id"] = fresh_id(self.ids.setdefault(ruleset, set()))
        self.touched.add(ruleset)
        try:
            self.host.assert_fact(ruleset, fact)
        except _durable.MessageNotHandledException:
            return  # matched no pattern: not stored, so nothing to retract
        except _durable.MessageObservedException:
            return  # cannot happen with fresh ids; stored once already if it did
        except Exception as exc:  # noqa: BLE001 - durable raises bare Exception with a C error code
            raise EngineError(f"durable_rules failed asserting {fact.get('key')}: {exc}") from None
        finally:
            fact.pop("sid", None)  # durable adds it; a retraction must name the fact as it was asserted
        self.stored.setdefault(ruleset, []).append(fact)

    def _rule_location(self, rule_id: str) -> Location | None:
        lr = self.kb.source.get(rule_id)
        return lr.locate("derive") if lr is not None else None

    def run(self, facts: Iterable[Mapping[str, Any]], limits: RunLimits,
            apply: Callable[[CompiledRule, Mapping[str, Mapping[str, Any]]], Outcome] | None = None) -> RunResult:
        apply = apply or (lambda cr, b: consequences(cr, self.kb.source[cr.rule_id].rule, b))
        self.reset()
        self.dirty = True
        self.touched.clear()
        self.ids.clear()
        result = RunResult()
        store: dict[str, dict[str, Any]] = {}
        for f in facts:
            if len(store) >= limits.max_facts:
                raise LimitError(f"the design has more than {limits.max_facts:,} facts once enriched; "
                                 "raise the bound with --max-facts")
            if _count_properties(f) > 240:
                raise LimitError(f"fact {f.get('key')} has more than 240 properties")
            store[str(f["key"])] = dict(f)
        depth: dict[str, int] = {}
        """Chain depth of each derived fact (input facts are 0 deep)."""
        started = time.monotonic()

        def check_time() -> None:
            if time.monotonic() - started > limits.max_seconds:
                raise LimitError(f"rule firing took longer than {limits.max_seconds:g} s; the run was stopped "
                                 "(raise the bound with --max-seconds)")

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
                                f"point (last by rule '{crule.rule_id}'); a rule may be deriving facts forever "
                                "(raise the bound with --max-derived-facts)", self._rule_location(crule.rule_id))
                        premises = [str(bindings[p.alias]["key"]) for p in crule.patterns if not p.absent]
                        level = 1 + max((depth.get(k, 0) for k in premises), default=0)
                        if level > limits.max_chain:
                            raise LimitError(
                                f"rules chained more than {limits.max_chain:,} derivations deep without reaching a "
                                f"fixed point (rule '{crule.rule_id}' keeps deriving '{df['kind']}' facts from its "
                                "own output); a rule may be deriving facts forever (raise the bound with --max-chain)",
                                self._rule_location(crule.rule_id))
                        for fld, value in df.items():
                            if isinstance(value, str) and len(value) > limits.max_value_chars:
                                raise LimitError(
                                    f"rule '{crule.rule_id}' derived a '{df['kind']}' fact whose '{fld}' has "
                                    f"{len(value):,} characters, over the {limits.max_value_chars:,} limit; a "
                                    "template may be growing its own output", self._rule_location(crule.rule_id))
                        depth[key] = level
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
            if steps % 256 == 0:
                check_time()

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
            check_time()  # also here, so that a short bound is checked whatever the number of steps
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
        try:
            return sess.run(facts, limits or RunLimits())
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
