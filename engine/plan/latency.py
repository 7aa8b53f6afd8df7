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


Branch = tuple[float, "float | None"]
"""A call's (p95, p99) in ms; the p99 None when the design does not state it."""


def survival(t: float, p95: float, p99: float | None = None) -> float:
    """``P(T > t)`` for a call with this p95 (and p99).

    Without a usable p99 (stated and above the p95): exponential, ``20^(-t / p95)``. With one, the tail above
    the p95 runs through both stated points, log-linear: ``0.05 × 5^(-(t - p95) / (p99 - p95))``. The
    exponential is the case ``p99 = p95 × ln 100 / ln 20``, so a stated p99 only replaces that assumption.
    """
    if p99 is None or p99 <= p95 or t < p95:
        return float(20 ** (-t / p95))
    return float(0.05 * 5 ** (-(t - p95) / (p99 - p95)))


def _own_quantile(p95: float, p99: float | None, q: float) -> float:
    if q <= QUANTILE:
        return p95
    return p99 if p99 is not None and p99 > p95 else p95 * math.log(100) / math.log(20)


def quantile_of_max(branches: Sequence[Branch], q: float = QUANTILE) -> float:
    """The p95 (``q`` 0.95) or p99 (0.99) of the slowest of independent calls (bisection, exact to 1e-9)."""
    bs = [(p95, p99) for p95, p99 in branches if p95 > 0]
    if not bs:
        return 0.0
    lo = max(_own_quantile(p95, p99, q) for p95, p99 in bs)  # the slowest is at least as slow as each
    return lo if len(bs) == 1 else _bisect(bs, q, lo)


def _bisect(bs: Sequence[Branch], q: float, lo: float) -> float:
    def cdf(t: float) -> float:
        v = 1.0
        for p95, p99 in bs:
            v *= 1 - survival(t, p95, p99)
        return v

    hi = lo * 2
    while cdf(hi) < q:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return hi


def p95_of_max(p95s: Sequence[float], p99s: Sequence[float | None] | None = None) -> float:
    """The p95 of the slowest of independent calls with these p95s (and p99s, where stated)."""
    return quantile_of_max(list(zip(p95s, p99s or [None] * len(p95s), strict=True)))


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
    p99_ms: float | None = None
    """The p99 the same way, where every component and call below states one (else None)."""


def _stated(data: Edge, name: str) -> float | None:
    v = data.get(name)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def tail(graph: CallGraph, memo: dict[str, Tail], entry: str, routes: frozenset[str] | None) -> Tail:
    """The entry's p95 (and p99) with parallel fan-out counted (hard calls only, as the summed figure).

    A call's own ``latency_p95_ms`` (with its ``latency_p99_ms``) replaces its target's tree; a stated p99
    shapes the tail of a parallel call (``survival``). The p99 adds along sequential calls as the p95 does.
    """

    def combine(n: str, children: Sequence[tuple[Edge, Tail]]) -> Tail:
        data = graph.data(n)
        own, own99 = _stated(data, "latency_p95_ms"), _stated(data, "latency_p99_ms")
        partial = own is None and (graph.kind(n) != "service" or not children)
        total = own or 0.0
        total99: float | None = own99 if own99 is not None else (0.0 if own is None and children else None)
        group: list[Branch] = []
        for e, sub in children:
            stated = _stated(e, "latency_p95_ms")
            branch = stated if stated is not None else sub.p95_ms
            branch99 = _stated(e, "latency_p99_ms") if stated is not None else sub.p99_ms
            partial = partial or (stated is None and sub.partial)
            if _parallel(e):
                group.extend([(branch, branch99)] * min(_calls(e), PARALLEL_CAP))
            else:
                total += _calls(e) * branch
                total99 = None if total99 is None or branch99 is None else total99 + _calls(e) * branch99
        p99 = None
        if total99 is not None and all(b99 is not None for _b, b99 in group):
            p99 = total99 + quantile_of_max(group, 0.99)
        return Tail(total + quantile_of_max(group), partial, p99)

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


__all__ = ["Tail", "Wait", "budget_line", "identical_p95_of_max", "p95_of_max", "quantile_of_max", "survival", "tail",
           "worst_wait"]
