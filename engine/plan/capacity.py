"""Capacity and scalability: demand, utilization and headroom of every component the public load reaches.

Demand flows from each public entry point's target throughput down its synchronous calls (soft ones too:
they still carry load), multiplied by ``calls_per_request`` on each call. Capacity is ``capacity_rps``
(an external's ``rate_limit_rps``); a service that autoscales scales it linearly from its stated
``replicas`` to ``autoscaling.max_replicas``. Formulas and assumptions: docs/plan.md ("Capacity").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from engine.enrich import strongly_connected
from engine.model.design import Fact
from engine.plan.calltree import CallGraph, Edge, routes_of
from engine.plan.latency import Tail, tail
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


def _carry(on_edge: dict[int, tuple[Edge, float]], e: Edge, load: float) -> float:
    """The rps a caller's ``load`` sends down the call ``e`` (``calls_per_request`` times), noted on the call."""
    rps = load * int(e.get("calls_per_request") or 1)
    on_edge[id(e)] = (e, on_edge.get(id(e), (e, 0.0))[1] + rps)
    return rps


def _row(name: str, kind: str, d: float, cap: float | None, basis: str) -> CapacityRow:
    return CapacityRow(name, kind, round(d, 3), cap, basis, round(d / cap, 4) if cap else None,
                       round(cap - d, 3) if cap is not None else None, round(cap / d, 3) if cap is not None else None)


def _instances(data: Mapping[str, object]) -> tuple[int, str]:
    """How many instances of a caller hold a pool each (the autoscaling maximum where stated)."""
    scaling = data.get("autoscaling")
    top = scaling.get("max_replicas") if isinstance(scaling, Mapping) and scaling.get("enabled") is True else None
    if isinstance(top, int) and top > 0:
        return top, f"{top} instances at max_replicas"
    replicas = data.get("replicas")
    if isinstance(replicas, int) and replicas > 0:
        return replicas, f"{replicas} instances"
    return 1, "1 instance (replicas not stated)"


def pool_rows(graph: CallGraph, demand: Mapping[str, float], calls: Iterable[tuple[Edge, float]],
              missing: list[str]) -> list[CapacityRow]:
    """The connection limits on the load, by Little's law (concurrency = rps × latency).

    A call's ``pool_size`` (connections per caller instance, times its instances) carries at most
    ``pool / hold`` rps, the hold being the call's p95 (its own ``latency_p95_ms``, else the target's composed
    p95). A datastore's ``max_connections`` carries at most ``max_connections / latency_p95_ms``. The p95
    stands in for the mean hold time, so both limits are low estimates (docs/plan.md, "Capacity").
    """
    rows: list[CapacityRow] = []
    memo: dict[str, Tail] = {}
    for e, rps in sorted(calls, key=lambda c: (str(c[0]["from"]), str(c[0]["to"]), str(c[0].get("name") or ""))):
        size = e.get("pool_size")
        if not isinstance(size, int) or rps <= 0:
            continue
        label = f"pool {e['from']} → {e['to']}"
        hold = e.get("latency_p95_ms")
        if hold is None:
            t = tail(graph, memo, str(e["to"]), None)
            hold = None if t.partial or t.p95_ms <= 0 else t.p95_ms
        if not hold:
            missing.append(f"latency_p95_ms of the call {e['from']} → {e['to']} (or of {e['to']}), for its pool")
            rows.append(_row(label, "pool", rps, None, ""))
            continue
        n, instances = _instances(graph.data(str(e["from"])))
        cap = round(size * n * 1000 / float(hold), 3)
        rows.append(_row(label, "pool", rps, cap, f"pool_size {size} × {instances} / {float(hold):g} ms"))
    for name in sorted(n for n, f in graph.comp.items() if f.kind == "datastore"):
        limit, d = graph.data(name).get("max_connections"), demand.get(name, 0.0)
        if not isinstance(limit, int) or limit <= 0 or d <= 0:
            continue
        hold = graph.data(name).get("latency_p95_ms")
        if not hold:
            missing.append(f"latency_p95_ms of {name}, for its max_connections")
            rows.append(_row(f"{name} connections", "connections", d, None, ""))
            continue
        cap = round(limit * 1000 / float(hold), 3)
        rows.append(_row(f"{name} connections", "connections", d, cap, f"max_connections {limit} / {float(hold):g} ms"))
    return rows


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


def _summary(any_demand: bool, rows: Sequence[CapacityRow], first: CapacityRow | None, limit: int) -> str:
    """The capacity line: how far the load scales, what saturates first, what states no capacity."""
    if not any_demand:
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
    return summary


def capacity(graph: CallGraph, entries: Sequence[tuple[str, str, Fact | None]], system: Mapping[str, object],
             limit: int = 10) -> Capacity:
    """Demand, utilization and headroom per component; the first to saturate and at what multiple.

    ``entries`` are (entry point, entry service, endpoint fact) for each public entry point.
    """
    missing: list[str] = []
    demand_of_entry = _entry_demand([(name, ep) for name, _svc, ep in entries], system, missing)
    service_of = {name: (svc, ep) for name, svc, ep in entries}
    injected: dict[str, float] = {}
    on_edge: dict[int, tuple[Edge, float]] = {}  # each call's rps, for the pools that limit it
    for name, rps, _basis in demand_of_entry:
        svc, ep = service_of[name]
        injected[svc] = injected.get(svc, 0.0) + rps
        routes = routes_of(ep)
        if routes is not None:  # the route's calls carry this entry's load; the service's others do not
            for e in graph.calls(svc, hard_only=False, routes=routes):
                to = str(e["to"])
                injected[to] = injected.get(to, 0.0) + _carry(on_edge, e, rps)
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
                demand[to] = demand.get(to, 0.0) + _carry(on_edge, e, out_load)

    rows = []
    for n in sorted(x for x, v in demand.items() if v > 0 and x in graph.comp):
        kind = graph.kind(n)
        if kind == "channel":
            continue
        cap, basis = capacity_of(n, kind, graph.data(n))
        d = demand[n]
        if cap is None:
            missing.append(f"{'rate_limit_rps' if kind == 'external' else 'capacity_rps'} of {n}")
        rows.append(_row(n, kind, d, cap, basis))
    rows.extend(pool_rows(graph, demand, on_edge.values(), missing))
    rated = [r for r in rows if r.scale is not None]
    first = min(rated, key=lambda r: (r.scale, r.component)) if rated else None
    summary = _summary(bool(demand_of_entry), rows, first, limit)
    return Capacity(tuple(sorted(rows, key=lambda r: (math.inf if r.scale is None else r.scale, r.component))),
                    tuple(demand_of_entry), first.scale if first else None, first.component if first else None,
                    summary, tuple(sorted(set(missing))))
