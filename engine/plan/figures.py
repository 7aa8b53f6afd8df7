"""Per entry point figures of the performance section: availability, tail latency, budgets, fan-out.

Computed once per (entry service, route): entry points that share both share their figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.plan import availability as av
from engine.plan.calltree import CallGraph, reach
from engine.plan.latency import Tail, Wait, budget_line, tail, worst_wait
from engine.plan.model import Capacity

SENSITIVITY_BUDGET = 200_000
"""Components walked recomputing sensitivity candidates, over all entry points of a design (then estimated)."""


@dataclass(frozen=True)
class Figures:
    availability: float | None
    assumptions: tuple[str, ...]
    sensitivity: str
    tail_ms: int | None
    p99_ms: int | None
    worst_ms: int | None
    budget: str
    fan_out: int


def pct(a: float, other: float | None = None) -> str:
    """A percentage with as many decimals as it takes to tell it from ``other`` (4 to 7)."""
    for places in range(4, 8):
        text = f"{a * 100:.{places}f}"
        if other is None or text != f"{other * 100:.{places}f}":
            break
    if a < 1 and float(text) >= 100:
        return "≈100%"
    return text.rstrip("0").rstrip(".") + "%"


class EntryFigures:
    """Shared memos over one call graph, and the figures of each entry point asked for."""

    def __init__(self, graph: CallGraph, cap: Capacity) -> None:
        self.graph = graph
        self.needed: dict[str, int] = {}
        for r in cap.rows:
            zones = graph.data(r.component).get("zones")
            if r.capacity_rps and isinstance(zones, int) and zones >= 2:
                # Zones needed to carry the demand, each zone holding an equal share of the capacity.
                self.needed[r.component] = min(zones, max(1, math.ceil(r.demand_rps / (r.capacity_rps / zones))))
        self.stated = {n: av.own(f.kind, f.data) for n, f in graph.comp.items()}
        self.eff = {n: av.effective(a, av.copies(n, graph.kind(n), graph.data(n), self.needed.get(n, 1)))
                    for n, a in self.stated.items()}
        self.memos: tuple[dict[str, float], dict[str, float]] = ({}, {})
        self.budget = [SENSITIVITY_BUDGET]
        self.candidates: dict[str, tuple[list[av.Candidate], bool]] = {}
        self.bases: dict[str, tuple[str, ...]] = {}
        self.tails: dict[str, Tail] = {}
        self.waits: dict[str, Wait] = {}
        self.done: dict[tuple[str, frozenset[str] | None, int | None], Figures] = {}

    def of(self, entry: str, routes: frozenset[str] | None, target_ms: int | None) -> Figures:
        key = (entry, routes, target_ms)
        if key not in self.done:
            self.done[key] = self._compute(entry, routes, target_ms)
        return self.done[key]

    def _compute(self, entry: str, routes: frozenset[str] | None, target_ms: int | None) -> Figures:
        g = self.graph
        nodes = reach(g, entry, routes)
        comp = av.compose(g, entry, routes, self.eff, nodes=nodes, memos=self.memos)
        sens = ""
        if comp.value is not None:
            best = av.sensitivity(g, entry, routes, self.eff, self.stated, self.needed, comp, nodes, self.budget,
                                  self.candidates)
            if best is not None:
                sens = f"{best.change}: {pct(best.before, best.after)} → {pct(best.after, best.before)}"
        t = tail(g, self.tails, entry, routes)
        w = worst_wait(g, self.waits, entry, routes)
        fan_out = max((len({e["to"] for e in g.calls(n, hard_only=False, routes=routes if n == entry else None)})
                       for n in nodes), default=0)
        return Figures(comp.value, av.assumptions(g, entry, routes, self.needed, nodes, bases=self.bases), sens,
                       None if t.partial else math.ceil(t.p95_ms - 1e-9),
                       None if t.partial or t.p99_ms is None else math.ceil(t.p99_ms - 1e-9),
                       None if w.ms is None else math.ceil(w.ms - 1e-9), budget_line(w, target_ms), fan_out)
