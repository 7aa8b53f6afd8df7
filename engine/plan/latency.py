"""Latency of an entry point with its tail: parallel fan-out, and the timeout and retry budget.

Assumption (docs/plan.md, "Latency"): a call's latency is exponentially distributed with its stated p95,
``P(T <= t) = 1 - 20^(-t / p95)``, and parallel calls are independent. The p95 of the slowest of N
parallel calls is then the ``t`` where the product of their CDFs reaches 0.95, which exceeds the largest
p95 (five calls of p95 100 ms: 153 ms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.plan.availability import attempts
from engine.plan.calltree import CallGraph, Edge, fold_entry

QUANTILE = 0.95
PARALLEL_CAP = 1000
"""Most copies of one parallel call counted in a fan-out (calls_per_request on a parallel call)."""


def p95_of_max(p95s: Sequence[float]) -> float:
    """The p95 of the slowest of independent exponential latencies with these p95s (bisection, exact to 1e-9)."""
    ps = [p for p in p95s if p > 0]
    if not ps:
        return 0.0
    if len(ps) == 1:
        return ps[0]

    def cdf(t: float) -> float:
        v = 1.0
        for p in ps:
            v *= 1 - 20 ** (-t / p)
        return v

    lo, hi = max(ps), max(ps) * 2
    while cdf(hi) < QUANTILE:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(mid) < QUANTILE:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return hi


def identical_p95_of_max(p95: float, n: int) -> float:
    """Closed form for ``n`` identical calls: ``p95 * ln(1 / (1 - 0.95^(1/n))) / ln 20``."""
    return p95 * math.log(1 / (1 - QUANTILE ** (1 / n))) / math.log(20)


def _parallel(e: Edge) -> bool:
    return e.get("parallel") is True


def _calls(e: Edge) -> int:
    return int(e.get("calls_per_request") or 1)


@dataclass(frozen=True)
class Tail:
    """p95 below one component: sequential calls add, parallel calls take the p95 of their maximum."""

    p95_ms: float
    partial: bool


def tail(graph: CallGraph, memo: dict[str, Tail], entry: str, routes: frozenset[str] | None) -> Tail:
    """The entry's p95 with parallel fan-out counted (hard calls only, as the summed figure)."""

    def combine(n: str, children: Sequence[tuple[Edge, Tail]]) -> Tail:
        own = graph.data(n).get("latency_p95_ms")
        partial = own is None and (graph.kind(n) != "service" or not children)
        total = float(own or 0)
        group: list[float] = []
        for e, sub in children:
            branch = float(e["latency_p95_ms"]) if e.get("latency_p95_ms") is not None else sub.p95_ms
            partial = partial or (e.get("latency_p95_ms") is None and sub.partial)
            if _parallel(e):
                group.extend([branch] * min(_calls(e), PARALLEL_CAP))
            else:
                total += _calls(e) * branch
        return Tail(total + p95_of_max(group), partial)

    return fold_entry(graph, memo, entry, routes, combine)


class Wait:
    """The longest a caller can wait for one component: each call's attempts times its timeout.

    The calls without a timeout and the overruns are those of the component's own calls and of every component
    below it. Each node keeps only its own and its children's ``Wait``; the union is gathered when an entry
    point asks for it (once per entry), so that walking a design costs one pass, not one pass per node (sorting
    every node's whole subtree made the plan quadratic: 10,000 services, 21 s).
    """

    __slots__ = ("_below", "_overruns", "_own_overruns", "_own_unbounded", "_unbounded", "ms")

    def __init__(self, ms: float | None, own_unbounded: Sequence[str], own_overruns: Sequence[str],
                 below: Sequence[Wait]) -> None:
        self.ms = ms
        """None: unbounded (a call below has no timeout)."""
        self._own_unbounded, self._own_overruns, self._below = tuple(own_unbounded), tuple(own_overruns), tuple(below)
        self._unbounded: tuple[str, ...] | None = None
        self._overruns: tuple[str, ...] | None = None

    def _gather(self) -> None:
        unbounded: set[str] = set()
        overruns: set[str] = set()
        seen = {id(self)}
        stack = [self]
        while stack:
            w = stack.pop()
            unbounded.update(w._own_unbounded)
            overruns.update(w._own_overruns)
            for sub in w._below:
                if id(sub) not in seen:
                    seen.add(id(sub))
                    stack.append(sub)
        self._unbounded, self._overruns = tuple(sorted(unbounded)), tuple(sorted(overruns))

    @property
    def unbounded_by(self) -> tuple[str, ...]:
        """The calls without a timeout here and below, sorted."""
        if self._unbounded is None:
            self._gather()
        return self._unbounded  # type: ignore[return-value]  # set by _gather

    @property
    def overruns(self) -> tuple[str, ...]:
        """Calls whose target can keep working longer than the caller waits for it, here and below, sorted."""
        if self._overruns is None:
            self._gather()
        return self._overruns  # type: ignore[return-value]  # set by _gather


def _edge_name(e: Edge) -> str:
    return f"{e['from']} → {e['to']}"


def worst_wait(graph: CallGraph, memo: dict[str, Wait], entry: str, routes: frozenset[str] | None) -> Wait:
    """Worst case below the entry: own p95, plus attempts x timeout per call (soft calls too: they are waited for).

    Parallel calls count their slowest; backoff between attempts is not known, so not counted.
    """

    def combine(n: str, children: Sequence[tuple[Edge, Wait]]) -> Wait:
        total: float | None = float(graph.data(n).get("latency_p95_ms") or 0)
        par = 0.0
        unbounded: list[str] = []
        overruns: list[str] = []
        for e, sub in children:
            timeout = e.get("timeout_ms")
            if timeout:
                per = float(timeout)
                if sub.ms is None or sub.ms > per:
                    took = "without bound" if sub.ms is None else f"{sub.ms:,.0f} ms"
                    overruns.append(f"{_edge_name(e)}: {e['to']} may take {took}, {e['from']} waits {per:,.0f} ms")
            else:
                # Without a timeout a hung target (a lost connection, a deadlock) holds the caller for good.
                unbounded.append(_edge_name(e) + (": no timeout (0)" if timeout == 0 else ": timeout unknown"))
                per = math.inf
            cost = _calls(e) * attempts(e) * per
            if _parallel(e):
                par = max(par, cost)
            elif total is not None:
                total += cost
        total = None if total is None or math.isinf(total + par) else total + par
        return Wait(total, unbounded, overruns, [sub for _e, sub in children])

    return fold_entry(graph, memo, entry, routes, combine, hard_only=False)


def budget_line(w: Wait, target_ms: int | None, limit: int = 5) -> str:
    """One line on the timeout and retry budget of an entry point."""
    if w.ms is None:
        head = "unbounded: " + "; ".join(w.unbounded_by[:limit]) + (
            f" and {len(w.unbounded_by) - limit} more" if len(w.unbounded_by) > limit else "")
    else:
        head = f"worst case {w.ms:,.0f} ms" + (f" (target p95 {target_ms:,} ms)" if target_ms is not None else "")
        if w.unbounded_by:
            head += "; unbounded below a timeout: " + "; ".join(w.unbounded_by[:limit]) + (
                f" and {len(w.unbounded_by) - limit} more" if len(w.unbounded_by) > limit else "")
    if w.overruns:
        head += "; outlives its caller's timeout: " + "; ".join(w.overruns[:limit]) + (
            f" and {len(w.overruns) - limit} more" if len(w.overruns) > limit else "")
    return head


__all__ = ["Tail", "Wait", "budget_line", "identical_p95_of_max", "p95_of_max", "tail", "worst_wait"]
