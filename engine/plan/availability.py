"""Composed availability of an entry point: redundancy (k of n), soft dependencies and retries.

The formulas and their assumptions are in docs/plan.md ("Availability"); the tests check them against
closed forms and a fixed-seed Monte Carlo run.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.plan.calltree import CallGraph, Edge, fold_entry, reach

DEGENERATE = 1e-9
"""Below this, the call-tree product (a dependency counted once per call) is no longer a usable ratio."""
TRANSIENT_SHARE = 0.5
"""The share of a call's failures that a retry can mask (brief errors, a lost instance); the rest are outages
that outlast the retries (docs/plan.md). No design field states it yet, so it is a documented constant."""
SENSITIVITY_CANDIDATES = 4
"""Changes recomputed exactly per entry point, after ranking every candidate by its estimated gain."""


def k_of_n(a: float, k: int, n: int) -> float:
    """Probability that at least ``k`` of ``n`` independent copies, each up with probability ``a``, are up."""
    return math.fsum(math.comb(n, i) * a ** i * (1 - a) ** (n - i) for i in range(k, n + 1))


def own(kind: str, data: Mapping[str, object]) -> float | None:
    """The stated availability of one component (an external's ``sla``)."""
    return _number(data.get("sla") if kind == "external" else data.get("availability"))


@dataclass(frozen=True)
class Copies:
    """How many independent copies of a component serve, how many must be up, and the share of time left
    once each failover's outage is counted (1.0: failover taken as instant)."""

    n: int
    k: int
    basis: str
    failover: float = 1.0
    failover_basis: str = ""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def failover_share(data: Mapping[str, object]) -> tuple[float, str]:
    """The share of time a replicated component serves once its failovers are counted, and how it was found.

    Each failure of a copy (at the rate ``1 / mtbf_hours``) takes ``failover_seconds`` to fail over: the whole
    load for a datastore's primary, one zone's share of it for a service, so both lose the share ``F / MTBF``
    of their requests: ``MTBF / (MTBF + F)`` (docs/plan.md). Without both figures, failover is taken as
    instant and the line says which is missing ("" when ``failover_seconds`` is).
    """
    seconds, mtbf = _number(data.get("failover_seconds")), _number(data.get("mtbf_hours"))
    if seconds is None:
        return 1.0, ""  # listed with the others in one line of the entry's assumptions
    if seconds == 0:
        return 1.0, "failover instant (failover_seconds 0)"
    if mtbf is None or mtbf <= 0:
        return 1.0, f"failover in {seconds:g} s, but no mtbf_hours to say how often: taken as instant"
    share = mtbf * 3600 / (mtbf * 3600 + seconds)
    return share, f"failover in {seconds:g} s once per {mtbf:g} h (MTBF): × {share:.9g}"


def copies(name: str, kind: str, data: Mapping[str, object], needed: int = 1) -> Copies | None:
    """The redundancy the design states for a component, or None when it states none that counts.

    A service spread over ``zones`` >= 2 has one copy per zone, ``needed`` of them to carry the load; a
    datastore with ``failover: automatic`` has its ``replicas`` as standbys of the primary (any one up
    serves). Replicas inside one zone share its failure, and a manual failover outlasts the outage it
    answers, so neither counts. Either way a stated ``failover_seconds`` with ``mtbf_hours`` costs the
    outage of each failover (``failover_share``).
    """
    if kind == "service":
        zones = data.get("zones")
        if isinstance(zones, int) and zones >= 2:
            k = min(max(needed, 1), zones)
            share, how = failover_share(data)
            return Copies(zones, k, f"{name}: {k} of {zones} zones needed", share, how and f"{name}: {how}")
    elif kind == "datastore":
        replicas = data.get("replicas")
        if data.get("failover") == "automatic" and isinstance(replicas, int) and replicas > 0:
            share, how = failover_share(data)
            return Copies(replicas + 1, 1, f"{name}: primary + {replicas} replicas, automatic failover", share,
                          how and f"{name}: {how}")
    return None


def effective(a: float | None, c: Copies | None) -> float | None:
    """A component's availability with its copies (the stated figure is one copy's) and its failovers."""
    if a is None or c is None:
        return a
    return k_of_n(a, c.k, c.n) * c.failover


def attempts(e: Edge) -> int:
    retry = e.get("retry") or {}
    return max(1, int(retry.get("attempts") or 1))


def retried(a: float, r: int, transient: float = TRANSIENT_SHARE) -> float:
    """Success of a call with ``r`` attempts to a tree of availability ``a``.

    ``1 - [(1 - t)(1 - a) + (t (1 - a))^r]``: the outage share ``1 - t`` of the failures fails every
    attempt; the transient share fails each attempt independently. ``r = 1`` gives ``a``.
    """
    u = 1 - a
    return 1 - ((1 - transient) * u + (transient * u) ** r)


@dataclass(frozen=True)
class Composition:
    """The composed availability of one entry point."""

    value: float | None
    serial: float | None
    """Serial product over the distinct components reached, with their copies, before retries."""
    retry_gain: float
    unknown: tuple[str, ...]


def compose(graph: CallGraph, entry: str, routes: frozenset[str] | None, eff: Mapping[str, float | None],
            tries: Mapping[int, int] | None = None, transient: float = TRANSIENT_SHARE,
            nodes: Sequence[str] | None = None,
            memos: tuple[dict[str, float], dict[str, float]] | None = None) -> Composition:
    """Serial product over the hard dependencies reached, times the gain of the retries on the way.

    Each component counts once in the product. A call with ``r`` attempts succeeds with ``retried(A, r)``
    for the availability ``A`` of the tree below it; the retry gain is the ratio of the call tree composed
    with and without retries (exact for a tree; where calls share a dependency, an estimate).

    ``nodes``: the entry's reach, when known; ``memos``: the folds' memos, shared between entry points that
    compose with the same ``eff`` and no ``tries``.
    """
    nodes = nodes if nodes is not None else reach(graph, entry, routes)
    unknown = tuple(sorted(n for n in nodes if eff.get(n) is None))
    serial = 1.0
    for n in nodes:
        serial *= eff.get(n) or 1.0
    override = tries or {}

    def with_retries(n: str, children: Sequence[tuple[Edge, float]]) -> float:
        v = eff.get(n) or 1.0
        for e, sub in children:
            r = override.get(id(e), attempts(e))
            v *= retried(sub, r, transient) if r > 1 else sub
        return v

    def without(n: str, children: Sequence[tuple[Edge, float]]) -> float:
        v = eff.get(n) or 1.0
        for _e, sub in children:
            v *= sub
        return v

    memo_r, memo_t = memos if memos is not None and not tries else ({}, {})
    with_r = fold_entry(graph, memo_r, entry, routes, with_retries)
    plain = fold_entry(graph, memo_t, entry, routes, without)
    gain = with_r / plain if plain > DEGENERATE else 1.0
    value = min(1.0, serial * gain)
    return Composition(None if unknown else round(value, 9), None if unknown else round(serial, 9),
                       round(gain, 9), unknown)


@dataclass(frozen=True)
class Sensitivity:
    """The single change that raises an entry point's availability the most."""

    change: str
    subject: str
    before: float
    after: float


def _safe_to_retry(e: Edge) -> bool:
    return e.get("mutating") is not True or e.get("idempotent") is True or e.get("idempotency_key") is True


Candidate = tuple[float, str, str, "tuple[str, float] | None", "int | None"]
"""(estimated gain, change, subject, (component, its new availability) or None, retried call's id or None)."""


def _candidates(graph: CallGraph, n: str, calls: Sequence[Edge], eff: Mapping[str, float | None],
                stated: Mapping[str, float | None], needed: Mapping[str, int]) -> tuple[list[Candidate], bool]:
    """The single changes at one component (its copies, a retry on each of ``calls``), and whether one of
    ``calls`` retries already."""
    out: list[Candidate] = []
    retrying = False
    for e in calls:
        if attempts(e) > 1:
            retrying = True
        elif _safe_to_retry(e):
            sub = eff.get(str(e["to"])) or 1.0
            out.append((retried(sub, 2) / sub, f"retry the call {e['from']} → {e['to']} once (2 attempts)",
                        f"interaction:{e.get('name') or str(e['from']) + '->' + str(e['to'])}", None, id(e)))
    a, kind, data = stated.get(n), graph.kind(n), graph.data(n)
    now = eff.get(n)
    if a is None or now is None or kind not in ("service", "datastore"):
        return out, retrying
    if kind == "service":
        zones = data.get("zones")
        z = zones if isinstance(zones, int) and zones >= 1 else 1
        c = copies(n, kind, {**data, "zones": z + 1}, needed.get(n, 1))
        label = f"add a second zone for {n}" if z <= 1 else f"spread {n} over {z + 1} zones"
    else:
        replicas = data.get("replicas")
        r = replicas if isinstance(replicas, int) and replicas >= 0 else 0
        automatic = data.get("failover") == "automatic"
        c = copies(n, kind, {**data, "failover": "automatic", "replicas": r + 1 if automatic else max(r, 1)})
        label = (f"add a replica to {n}" if automatic and r > 0 else
                 f"give {n} a standby replica with automatic failover")
    better = effective(a, c)
    if better is not None and better > now:
        out.append((better / (now or 1.0), label, f"{kind}:{n}", (n, better), None))
    return out, retrying


def sensitivity(graph: CallGraph, entry: str, routes: frozenset[str] | None, eff: Mapping[str, float | None],
                stated: Mapping[str, float | None], needed: Mapping[str, int], base: Composition,
                nodes: Sequence[str] | None = None, budget: list[int] | None = None,
                cache: dict[str, tuple[list[Candidate], bool]] | None = None) -> Sensitivity | None:
    """Try each single change (one more zone or replica, one retry on a safe call) and keep the best.

    Candidates are ranked by the gain of their own factor. Where no call on the route retries, a change of
    one component's copies changes the composed figure by exactly that factor; otherwise (and for a new
    retry) the best few are recomputed, while ``budget`` (components walked, shared by all entry points)
    lasts; past it the factor is the estimate, and the change says so. ``cache`` keeps each component's
    candidates for the next entry point (same ``eff``).
    """
    if base.value is None or base.value >= 1.0:
        return None
    nodes = nodes if nodes is not None else reach(graph, entry, routes)
    held = cache if cache is not None else {}
    retrying = False
    candidates: list[Candidate] = []
    for n in nodes:
        if n == entry and routes is not None:
            found = _candidates(graph, n, graph.calls(n, routes=routes), eff, stated, needed)
        else:
            if n not in held:
                held[n] = _candidates(graph, n, graph.calls(n), eff, stated, needed)
            found = held[n]
        candidates.extend(found[0])
        retrying = retrying or found[1]
    best: Sensitivity | None = None
    for gain, label, subject, node, edge in heapq.nsmallest(SENSITIVITY_CANDIDATES, candidates,
                                                            key=lambda c: (-c[0], c[1])):
        after: float | None
        estimated = False
        if node is not None and not retrying:
            after = round(min(1.0, base.value * gain), 9)  # exact: the serial product changes by this factor
        elif budget is None or budget[0] >= len(nodes):
            if budget is not None:
                budget[0] -= len(nodes)
            alt = {**eff, node[0]: node[1]} if node is not None else eff
            after = compose(graph, entry, routes, alt, {edge: 2} if edge is not None else None, nodes=nodes).value
        else:
            after, estimated = round(min(1.0, base.value * gain), 9), True
        if after is not None and after > base.value and (best is None or after > best.after):
            best = Sensitivity(label + (" (estimated)" if estimated else ""), subject, base.value, after)
    return best


def assumptions(graph: CallGraph, entry: str, routes: frozenset[str] | None,
                needed: Mapping[str, int], nodes: Sequence[str] | None = None, limit: int = 20,
                bases: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """What the composed figure assumed for this entry point, one line per component or call (at most
    ``limit``); ``bases`` keeps each component's line for the next entry point."""
    out: list[str] = []
    hard = set(nodes if nodes is not None else reach(graph, entry, routes))
    held = bases if bases is not None else {}
    instant: list[str] = []
    for n in sorted(hard):
        if n not in held:
            c = copies(n, graph.kind(n), graph.data(n), needed.get(n, 1))
            held[n] = (c.basis, c.failover_basis) if c is not None else ()
        out.extend(line for line in held[n] if line)
        if held[n] and not held[n][1]:
            instant.append(n)
    if instant:
        out.append("failover time not stated (failover_seconds), taken as instant: " + ", ".join(instant[:10])
                   + (f" and {len(instant) - 10} more" if len(instant) > 10 else ""))
    for n in sorted(set(reach(graph, entry, routes, hard_only=False)) - hard):
        out.append(f"{n}: soft dependency, left out")
    retries = [f"{e['from']} → {e['to']}: {attempts(e)} attempts" for n in sorted(hard)
               for e in graph.calls(n, routes=routes if n == entry else None) if attempts(e) > 1]
    if retries:
        out.extend(retries)
        out.append(f"retries mask the transient share ({TRANSIENT_SHARE:g}) of a call's failures only")
    if len(out) > limit:  # a long chain: the first ones, and how many more
        out = [*out[:limit - 1], f"and {len(out) - limit + 1} more of the same kinds"]
    return tuple(out)


def cross_check(graph: CallGraph, entry: str, eff: Mapping[str, float | None], trials: int, seed: int) -> float:
    """Monte Carlo estimate of a call tree's success rate when every failure is transient (``transient=1``).

    Each attempt draws each component afresh. For call trees (no shared dependency) it must agree with
    ``compose(..., transient=1.0)``; the tests use it as a cross-check.
    """
    import random

    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not security

    def attempt(n: str) -> bool:
        if rng.random() >= (eff.get(n) or 1.0):
            return False
        return all(any(attempt(str(e["to"])) for _ in range(attempts(e))) for e in graph.calls(n))

    return sum(attempt(entry) for _ in range(trials)) / trials


__all__ = ["Composition", "Copies", "Sensitivity", "assumptions", "compose", "copies", "cross_check", "effective",
           "failover_share", "k_of_n", "own", "retried", "sensitivity"]
