"""Capacity and scalability: demand, utilization and headroom of every component the public load reaches.

Demand flows from each public entry point's target throughput down its synchronous calls (soft ones too:
they still carry load), multiplied by ``calls_per_request`` on each call. Capacity is ``capacity_rps``
(an external's ``rate_limit_rps``); a service that autoscales scales it linearly from its stated
``replicas`` to ``autoscaling.max_replicas``. Formulas and assumptions: docs/plan.md ("Capacity").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from engine.enrich import strongly_connected
from engine.model.design import Fact
from engine.plan.calltree import CallGraph, routes_of
from engine.plan.model import Capacity, CapacityRow


def capacity_of(name: str, kind: str, data: Mapping[str, object]) -> tuple[float | None, str]:
    """A component's throughput at most, and how it was found."""
    if kind == "external":
        rl = data.get("rate_limit_rps")
        return (float(rl), "rate_limit_rps") if isinstance(rl, (int, float)) else (None, "")
    cap = data.get("capacity_rps")
    if not isinstance(cap, (int, float)):
        return None, ""
    scaling = data.get("autoscaling") or {}
    replicas, top = data.get("replicas"), scaling.get("max_replicas") if isinstance(scaling, Mapping) else None
    if (kind == "service" and isinstance(scaling, Mapping) and scaling.get("enabled") is True
            and isinstance(replicas, int) and replicas > 0 and isinstance(top, int) and top > replicas):
        return float(cap) * top / replicas, f"capacity_rps {cap:g} at {replicas} replicas, scaled to max_replicas {top}"
    return float(cap), "capacity_rps"


def _entry_demand(entries: Sequence[tuple[str, Fact | None]], system: Mapping[str, object],
                  missing: list[str]) -> list[tuple[str, float, str]]:
    """Each public entry point's target throughput: its ``rps``, else an even share of the system's peak."""
    stated = {name: float(ep.data["rps"]) for name, ep in entries if ep is not None and ep.data.get("rps") is not None}
    peak = system.get("expected_peak_rps")
    rest = [name for name, _ep in entries if name not in stated]
    share = None
    if rest and isinstance(peak, (int, float)):
        share = max(float(peak) - sum(stated.values()), 0.0) / len(rest)
    out = []
    for name, _ep in entries:
        if name in stated:
            out.append((name, stated[name], "endpoint rps"))
        elif share is not None:
            out.append((name, share, "even share of system.expected_peak_rps"))
        else:
            missing.append(f"rps on endpoint '{name}' (or system.expected_peak_rps)")
    return out


def capacity(graph: CallGraph, entries: Sequence[tuple[str, str, Fact | None]], system: Mapping[str, object],
             limit: int = 10) -> Capacity:
    """Demand, utilization and headroom per component; the first to saturate and at what multiple.

    ``entries`` are (entry point, entry service, endpoint fact) for each public entry point.
    """
    missing: list[str] = []
    demand_of_entry = _entry_demand([(name, ep) for name, _svc, ep in entries], system, missing)
    service_of = {name: (svc, ep) for name, svc, ep in entries}
    injected: dict[str, float] = {}
    for name, rps, _basis in demand_of_entry:
        svc, ep = service_of[name]
        injected[svc] = injected.get(svc, 0.0) + rps
        routes = routes_of(ep)
        if routes is not None:  # the route's calls carry this entry's load; the service's others do not
            for e in graph.calls(svc, hard_only=False, routes=routes):
                to = str(e["to"])
                injected[to] = injected.get(to, 0.0) + rps * int(e.get("calls_per_request") or 1)
    routed = {svc for _n, svc, ep in entries if routes_of(ep) is not None}
    unrouted_load: dict[str, float] = {}
    for name, rps, _basis in demand_of_entry:
        svc, ep = service_of[name]
        if routes_of(ep) is None:
            unrouted_load[svc] = unrouted_load.get(svc, 0.0) + rps

    nodes = sorted(set(graph.comp) | set(graph.sync))
    succ = {n: sorted({str(e["to"]) for e in graph.calls(n, hard_only=False)}) for n in nodes}
    sccs = strongly_connected(nodes, succ)
    comp_of = {n: i for i, c in enumerate(sccs) for n in c}
    demand = dict(injected)
    for scc in reversed(sccs):  # Tarjan lists callees first: reversed, callers come first
        for n in scc:
            # A routed entry service passes on only the load that did not come through a route.
            out_load = demand.get(n, 0.0) if n not in routed else unrouted_load.get(n, 0.0) + (
                demand.get(n, 0.0) - injected.get(n, 0.0))
            if out_load <= 0:
                continue
            for e in graph.calls(n, hard_only=False):
                to = str(e["to"])
                if comp_of.get(to) == comp_of[n]:
                    continue  # a call inside a cycle: its load is not compounded
                demand[to] = demand.get(to, 0.0) + out_load * int(e.get("calls_per_request") or 1)

    rows = []
    for n in sorted(x for x, v in demand.items() if v > 0 and x in graph.comp):
        kind = graph.kind(n)
        if kind == "channel":
            continue
        cap, basis = capacity_of(n, kind, graph.data(n))
        d = demand[n]
        if cap is None:
            missing.append(f"{'rate_limit_rps' if kind == 'external' else 'capacity_rps'} of {n}")
        rows.append(CapacityRow(n, kind, round(d, 3), cap, basis, round(d / cap, 4) if cap else None,
                                round(cap - d, 3) if cap is not None else None,
                                round(cap / d, 3) if cap is not None else None))
    rated = [r for r in rows if r.scale is not None]
    first = min(rated, key=lambda r: (r.scale, r.component)) if rated else None
    if not demand_of_entry:
        summary = "no target throughput is stated for the entry points, so there is no load to project"
    elif first is None or first.scale is None:
        summary = "no component on the public paths states its capacity, so there is nothing to set the load against"
    else:
        verb = "scales to" if first.scale >= 1 else "is over capacity at"
        summary = (f"{verb} {first.scale:g}× projected load; {first.component} saturates first "
                   f"({first.capacity_rps:g} rps for {first.demand_rps:g} rps of demand)")
        unrated = [r.component for r in rows if r.scale is None]
        if unrated:
            summary += (f"; {len(unrated)} component(s) on the path state no capacity and may saturate sooner: "
                        + ", ".join(unrated[:limit]) + (" …" if len(unrated) > limit else ""))
    return Capacity(tuple(sorted(rows, key=lambda r: (math.inf if r.scale is None else r.scale, r.component))),
                    tuple(demand_of_entry), first.scale if first else None, first.component if first else None,
                    summary, tuple(sorted(set(missing))))
