"""Graph facts derived from the design before the rules fire.

Relational comparisons between facts (a path's latency against its target, a caller's team
against its callee's) are computed here, so that the compiled rules need equality joins only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from engine import budget
from engine.model import ASSUMED_KEY
from engine.model.design import Design, Fact

SYNC_PROTOCOLS = frozenset({"http", "grpc", "graphql", "sql", "redis"})
CLASSIFIED = frozenset({"confidential", "restricted", "pii", "pci", "phi"})
LIST_CAP = 10
LATENCY_CAP_MS = 86_400_000
AMPLIFICATION_CAP = 1_000_000
"""Lists in graph facts (unknown components of a path) keep their first names only; counts are exact."""


def is_sync(edge: Mapping[str, Any], target_kind: str) -> bool:
    """A call blocks its caller: declared ``sync``, or unstated over a request/response protocol."""
    style = edge.get("style")
    if style is not None:
        return bool(style == "sync")
    return target_kind != "channel" and edge.get("protocol") in SYNC_PROTOCOLS


class Members(Sequence[str]):
    """The names of a set of graph nodes held as a bitset over the sorted node names, in that order.

    A path's components are read lazily: a chain of n services, each with a public endpoint, has paths
    holding n, n-1, … 1 components, and listing them all made enrichment quadratic in time and memory
    (8,000 services: 79 s, 1.4 GB). Counting is a popcount; the first few names cost what they list.
    """

    __slots__ = ("_cache", "_mask", "_names")

    def __init__(self, names: Sequence[str], mask: int) -> None:
        self._names, self._mask = names, mask
        self._cache: tuple[str, ...] | None = None

    def _all(self) -> tuple[str, ...]:
        if self._cache is None:
            self._cache = tuple(self._iter())
        return self._cache

    def _iter(self) -> Iterator[str]:
        bits, names = format(self._mask, "b")[::-1], self._names
        i = bits.find("1")
        while i >= 0:
            yield names[i]
            i = bits.find("1", i + 1)

    def _first(self, n: int) -> Iterator[str]:
        mask, names = self._mask, self._names
        for _ in range(n):
            if not mask:
                return
            low = mask & -mask
            yield names[low.bit_length() - 1]
            mask ^= low

    def __len__(self) -> int:
        return self._mask.bit_count()

    def __bool__(self) -> bool:
        return self._mask != 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._all()) if self._cache is not None else self._iter()

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice) and index.start is None and index.step is None and index.stop is not None \
                and index.stop >= 0 and self._cache is None:
            return tuple(self._first(index.stop))  # the first few, without listing all
        return self._all()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Members):
            return tuple(self) == tuple(other)
        return isinstance(other, (tuple, list)) and self._all() == tuple(other)

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def _bits(names: Sequence[str], bit: Mapping[str, int], keep: Callable[[str], bool]) -> int:
    """The bitset of the ``names`` that ``keep`` keeps."""
    mask = 0
    for n in names:
        if keep(n):
            mask |= bit[n]
    return mask


@dataclass(frozen=True)
class PathInfo:
    """The synchronous call tree below one public entry point."""

    entry: str
    entry_service: str
    exposure: str
    depth: int
    nodes: Sequence[str]
    latency_ms: int
    unknown_latency: Sequence[str]
    availability: float
    unknown_availability: Sequence[str]
    retry_amplification: int
    retry_layers: int
    fan_out: int
    latency_target_ms: int | None
    availability_target: float | None
    bottleneck: str | None
    bottleneck_rps: float | None


@dataclass(frozen=True)
class Enriched:
    """The design's facts with computed fields, plus the graph facts."""

    facts: tuple[Fact, ...]
    paths: tuple[PathInfo, ...]
    cycles: tuple[tuple[str, ...], ...]


class _Graph:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.kind_of: dict[str, str] = {}
        self.data: dict[str, Mapping[str, Any]] = {}
        for f in design.facts:
            if f.kind in ("service", "external", "datastore", "channel"):
                self.kind_of.setdefault(f.name, f.kind)
                self.data.setdefault(f.name, f.data)
        self.edges: dict[str, list[Mapping[str, Any]]] = {}
        for f in design.of_kind("interaction"):
            self.edges.setdefault(f.data["from"], []).append(f.data)
        self._sync: dict[tuple[str, bool], list[Mapping[str, Any]]] = {}

    def sync_edges(self, node: str, hard_only: bool = False) -> list[Mapping[str, Any]]:
        """The synchronous calls out of ``node`` (hard dependencies only, if asked), by target; memoised."""
        held = self._sync.get((node, hard_only))
        if held is None:
            held = self._sync[(node, hard_only)] = self._sync_edges(node, hard_only)
        return list(held)

    def _sync_edges(self, node: str, hard_only: bool) -> list[Mapping[str, Any]]:
        out = []
        for e in self.edges.get(node, []):
            tk = self.kind_of.get(e["to"], "service")
            if tk == "channel" or not is_sync(e, tk):
                continue
            if hard_only and e.get("dependency") == "soft":
                continue
            out.append(e)
        return sorted(out, key=lambda e: (e["to"], e["name"]))


def _own_availability(kind: str, data: Mapping[str, Any]) -> float | None:
    value = data.get("sla") if kind == "external" else data.get("availability")
    return float(value) if value is not None else None


def strongly_connected(nodes: Sequence[str], succ: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = succ.get(node, [])
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


# The exposures of an entry point, widest first: requests from outside the system's network enter there.
# A host-published port is an entry (its requests take the same call tree) reached by fewer callers than
# the internet; ``entry_exposure`` keeps the widest, so context rules can tell the two apart.
ENTRY_EXPOSURES = ("public", "partner", "host")


def _public_endpoints(design: Design, services: Mapping[str, Mapping[str, Any]]) -> list[tuple[Fact, str]]:
    out = []
    for ep in design.of_kind("endpoint"):
        exposure = ep.data.get("exposure") or services.get(ep.data["served_by"], {}).get("exposure")
        if exposure in ENTRY_EXPOSURES:
            out.append((ep, str(exposure)))
    return out


def enrich(design: Design) -> Enriched:
    """Compute graph facts and the fields that need more than one fact to know."""
    g = _Graph(design)
    services = {f.name: f.data for f in design.of_kind("service")}
    system = next((f.data for f in design.of_kind("system")), {})
    observability = next((f.data for f in design.of_kind("observability")), {})
    slos = {s["target"]: s for s in observability.get("slos", [])}

    # --- the synchronous call graph over services, externals and datastores
    nodes = sorted(g.kind_of)
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for n in nodes:
        succ[n] = sorted({e["to"] for e in g.sync_edges(n, hard_only=True)})
    comps = strongly_connected(nodes, succ)
    comp_of = {n: i for i, comp in enumerate(comps) for n in comp}
    cycles = tuple(tuple(c) for c in comps if len(c) > 1 or (c and c[0] in succ.get(c[0], [])))
    in_cycle = {n for c in cycles for n in c}

    # Tarjan emits components in reverse topological order: callees before callers.
    bit = {n: 1 << i for i, n in enumerate(nodes)}
    reach: dict[int, int] = {}
    depth: dict[int, int] = {}
    amp: dict[int, int] = {}
    layers: dict[int, int] = {}
    lat: dict[int, int] = {}
    lat_unknown: dict[int, int] = {}  # bitsets, like reach: set unions here made enrichment quadratic
    def aggregate(members_: Sequence[str], ci: int,
                  take: Callable[[Mapping[str, Any]], bool]) -> tuple[int, int, int, int, int, int]:
        """Reach, depth, retry amplification, retry layers, summed latency and unknown-latency members of a
        request entering ``members_`` (of component ``ci``) and taking the calls out of it that ``take``
        keeps; the components it calls must be done already."""
        r, dep, a, lay, total, unknown = 0, 0, 1, 0, 0, 0
        for n in members_:
            r |= bit[n]
            own = g.data[n].get("latency_p95_ms")
            if g.kind_of[n] in ("service", "external", "datastore"):
                if (own is None and g.kind_of[n] != "service") or (own is None and not g.sync_edges(n, hard_only=True)):
                    unknown |= bit[n]
                total += int(own or 0)
            for e in g.sync_edges(n, hard_only=True):
                cj = comp_of[e["to"]]
                if cj == ci or not take(e):
                    continue
                r |= reach[cj]
                dep = max(dep, 1 + depth[cj])
                attempts = int((e.get("retry") or {}).get("attempts", 1))
                a = max(a, attempts * amp[cj])
                lay = max(lay, (1 if attempts > 1 else 0) + layers[cj])
                calls = int(e.get("calls_per_request", 1))
                if e.get("latency_p95_ms") is not None:
                    total += calls * int(e["latency_p95_ms"])
                else:
                    total += calls * lat[cj]
                    unknown |= lat_unknown[cj]
        # Calls are taken as sequential, so shared dependencies count once per call; cap the sum so that
        # pathological graphs (thousands of diamonds) stay in machine integers.
        return r, dep, min(a, AMPLIFICATION_CAP), lay, min(total, LATENCY_CAP_MS), unknown

    for ci, comp in enumerate(comps):
        reach[ci], depth[ci], amp[ci], layers[ci], lat[ci], lat_unknown[ci] = aggregate(comp, ci, lambda e: True)

    # Per-node figures as bitsets, so that each entry's figures cost a few big-integer operations, not a
    # walk over every component it reaches (see Members).
    own_avail = {n: _own_availability(g.kind_of[n], g.data[n]) for n in nodes}
    unknown_avail_bits = _bits(nodes, bit, lambda n: own_avail[n] is None)
    # Multiplying by 1.0 changes no bit of a float, so only these components enter the product.
    avail_bits = _bits(nodes, bit, lambda n: own_avail[n] is not None and own_avail[n] != 1.0)
    cap_of = {n: g.data[n].get("capacity_rps", g.data[n].get("rate_limit_rps")) for n in nodes}
    cap_bits = _bits(nodes, bit, lambda n: cap_of[n] is not None)
    service_bits = _bits(nodes, bit, lambda n: g.kind_of[n] == "service")
    fan_out = {n: len({e["to"] for e in g.sync_edges(n)}) for n in nodes}
    by_fan_out: dict[int, int] = {}
    for n, v in fan_out.items():
        if v > 0:
            by_fan_out[v] = by_fan_out.get(v, 0) | bit[n]
    fan_out_bits = sorted(by_fan_out.items(), reverse=True)
    paths: list[PathInfo] = []
    on_public_bits = 0
    exposure_bits: dict[str, int] = {}  # exposure -> the nodes of the call trees of entry points so exposed
    entry_spans: list[tuple[int, int]] = []  # (services in one public call tree, the tree's bitset)
    publics = _public_endpoints(design, services)
    per_entry: dict[tuple[str, frozenset[str]],
                    tuple[Members, float, Members, str | None, float | None, int, Members]] = {}
    for ep, exposure in publics:
        budget.check("enriching the design (public paths)")
        entry = ep.data["served_by"]
        if entry not in comp_of:
            continue
        ci = comp_of[entry]
        # A route the endpoint names (routes_to) follows those calls only; an entry in a call cycle
        # reaches its whole cycle whatever the route, so it keeps its component's figures.
        routes = frozenset(ep.data.get("routes_to") or ()) if len(comps[ci]) == 1 else frozenset()
        if routes:  # the entry's own figures, over the calls this route takes

            def on_route(e: Mapping[str, Any], taken: frozenset[str] = routes) -> bool:
                return e["to"] in taken

            p_reach, p_depth, p_amp, p_layers, p_lat, p_unknown = aggregate([entry], ci, on_route)
        else:
            p_reach, p_depth, p_amp, p_layers, p_lat, p_unknown = (reach[ci], depth[ci], amp[ci], layers[ci],
                                                                    lat[ci], lat_unknown[ci])
        if (entry, routes) not in per_entry:
            avail = 1.0
            for n in Members(nodes, p_reach & avail_bits):
                avail *= own_avail[n]  # type: ignore[operator]  # in avail_bits: not None
            bottleneck = None
            bottleneck_rps: float | None = None
            for n in Members(nodes, p_reach & cap_bits):
                cap = cap_of[n]
                if bottleneck_rps is None or float(cap) < bottleneck_rps:
                    bottleneck, bottleneck_rps = n, float(cap)
            path_fan_out = next((v for v, b in fan_out_bits if p_reach & b), 0)
            per_entry[(entry, routes)] = (Members(nodes, p_reach), avail, Members(nodes, p_reach & unknown_avail_bits),
                                          bottleneck, bottleneck_rps, path_fan_out, Members(nodes, p_unknown))
            on_public_bits |= p_reach
            entry_spans.append(((p_reach & service_bits).bit_count(), p_reach))
        reached, avail, unknown_a, bottleneck, bottleneck_rps, path_fan_out, unknown_l = per_entry[(entry, routes)]
        exposure_bits[exposure] = exposure_bits.get(exposure, 0) | p_reach
        slo = slos.get(ep.name, {})
        lt = ep.data.get("latency_p95_ms", slo.get("latency_p95_ms", system.get("latency_p95_ms")))
        at = slo.get("availability", system.get("availability_target"))
        paths.append(PathInfo(
            entry=ep.name, entry_service=entry, exposure=exposure, depth=p_depth + 1, nodes=reached,
            latency_ms=p_lat, unknown_latency=unknown_l,
            availability=round(avail, 9), unknown_availability=unknown_a,
            retry_amplification=p_amp, retry_layers=p_layers, fan_out=path_fan_out,
            latency_target_ms=int(lt) if lt is not None else None,
            availability_target=float(at) if at is not None else None,
            bottleneck=bottleneck, bottleneck_rps=bottleneck_rps,
        ))

    on_public = set(Members(nodes, on_public_bits))
    entry_exposure: dict[str, str] = {}  # node -> widest exposure of the entry points whose call tree has it
    assigned = 0
    for exposure in ENTRY_EXPOSURES:  # widest first
        tree = exposure_bits.get(exposure, 0)
        for n in Members(nodes, tree & ~assigned):
            entry_exposure[n] = exposure
        assigned |= tree
    trace_span: dict[str, int] = {}  # service -> most services in one public call tree it belongs to
    assigned = 0
    for n_services, tree in sorted(entry_spans, key=lambda t: -t[0]):  # the largest tree a node is in, first
        for n in Members(nodes, tree & ~assigned):
            trace_span[n] = n_services
        assigned |= tree

    # Longest public synchronous chain above each component (an entry counts 1), so that a call's
    # chain_depth is in the units of path.depth. Tarjan's order reversed puts callers before callees.
    above: dict[int, int] = {}
    for ep, _exposure in publics:
        if ep.data["served_by"] in comp_of:
            above[comp_of[ep.data["served_by"]]] = 1
    for ci in range(len(comps) - 1, -1, -1):
        if ci in above:
            for n in comps[ci]:
                for e in g.sync_edges(n, hard_only=True):
                    cj = comp_of[e["to"]]
                    if cj != ci:
                        above[cj] = max(above.get(cj, 0), above[ci] + 1)
    caller_timeout: dict[str, int] = {}
    for f in design.of_kind("interaction"):
        t = f.data.get("timeout_ms")
        src, dst = f.data["from"], f.data["to"]
        # A call back into the caller's own synchronous cycle sets no budget: the cycle itself is the problem.
        same_cycle = src in comp_of and dst in comp_of and comp_of[src] == comp_of[dst]
        if t and not same_cycle and g.kind_of.get(dst, "service") != "channel" and is_sync(
                f.data, g.kind_of.get(dst, "service")):
            caller_timeout[dst] = min(int(t), caller_timeout.get(dst, int(t)))

    # --- computed fields on the design's own facts
    endpoints_by_service: dict[str, list[Mapping[str, Any]]] = {}
    for ep in design.of_kind("endpoint"):
        endpoints_by_service.setdefault(ep.data["served_by"], []).append(ep.data)
    public_services = {ep.data["served_by"] for ep, _exposure in publics}
    inbound: dict[str, int] = {}
    for f in design.of_kind("interaction"):
        inbound[f.data["to"]] = inbound.get(f.data["to"], 0) + 1

    access: dict[tuple[str, str, str], Fact] = {}
    classified_services: set[str] = set()
    classification_known: set[str] = set()  # services whose data, classified or not, the design describes
    for ds in design.of_kind("datastore"):
        for mode, fld in (("read", "readers"), ("write", "writers")):
            for svc in ds.data.get(fld, []):
                access.setdefault((ds.name, svc, mode), _graph_fact(
                    "access", f"{ds.name}<-{svc}:{mode}",
                    {"datastore": ds.name, "service": svc, "mode": mode, "declared": True, "mode_stated": True},
                    ds.locate(fld)))
        if ds.data.get("classification") is not None:
            classification_known.update(ds.data.get("readers", []), ds.data.get("writers", []))
        if ds.data.get("classification") in CLASSIFIED:
            classified_services.update(ds.data.get("readers", []))
            classified_services.update(ds.data.get("writers", []))
    unknown_mode: dict[str, set[str]] = {}  # datastore -> services whose access mode the design does not say
    for f in design.of_kind("interaction"):
        if g.kind_of.get(f.data["to"]) == "datastore":
            mode = "write" if f.data.get("mutating") or f.data.get("purpose") == "command" else "read"
            mode_unknown = f.data.get("mutating") is None and f.data.get("purpose") is None
            if mode_unknown:  # the unknown policy: an access of unknown mode is read-write (rules/README.md)
                mode = "write"
                unknown_mode.setdefault(f.data["to"], set()).add(f.data["from"])
            if (f.data["to"], f.data["from"], mode) in access:
                continue
            acc: dict[str, Any] = {"datastore": f.data["to"], "service": f.data["from"], "mode": mode,
                                   "mode_stated": not mode_unknown}
            if mode_unknown:
                # An assumed write is not compared with the datastore's lists: a contradiction needs two stated facts.
                acc[ASSUMED_KEY] = {"mode": {"value": "write", "why": "the access mode is not stated"}}
            else:
                declared = _declared(g.data.get(f.data["to"], {}), f.data["from"], mode)
                if declared is not None:
                    acc["declared"] = declared
            access[(f.data["to"], f.data["from"], mode)] = _graph_fact(
                "access", f"{f.data['to']}<-{f.data['from']}:{mode}", acc, f.location)
    for svc, eps in endpoints_by_service.items():
        if any(e.get("data_classification") is not None for e in eps):
            classification_known.add(svc)
        if any(e.get("data_classification") in CLASSIFIED for e in eps):
            classified_services.add(svc)

    extra: list[Fact] = sorted(access.values(), key=lambda f: f.key)
    users_of: dict[str, set[str]] = {}
    writers_of: dict[str, set[str]] = {}
    for ds_name, svc, mode in access:
        users_of.setdefault(ds_name, set()).add(svc)
        if mode == "write":
            writers_of.setdefault(ds_name, set()).add(svc)
    servers: dict[str, int] = {}
    for ds in design.of_kind("datastore"):
        if "server" in ds.data:
            servers[ds.data["server"]] = servers.get(ds.data["server"], 0) + 1
    out: list[Fact] = []
    producers: dict[str, set[str]] = {}
    for f in design.of_kind("interaction"):
        if g.kind_of.get(f.data["to"]) == "channel":
            producers.setdefault(f.data["to"], set()).add(f.data["from"])
    for f in design.facts:
        d = dict(f.data)
        d["stated_by"] = " and ".join(f.agents)
        if f.kind in ("service", "datastore", "channel") and "kind" in d:
            d["type"] = d["kind"]  # the engine's "kind" is the fact kind; rules see the component's kind here
        if f.kind == "service":
            d.update(sync_out=len(g.sync_edges(f.name)), fan_out=fan_out.get(f.name, 0),
                     inbound=inbound.get(f.name, 0), public_entry=f.name in public_services,
                     in_cycle=f.name in in_cycle, on_public_path=f.name in on_public,
                     handles_classified_data=f.name in classified_services)
            if f.name in entry_exposure:
                d["entry_exposure"] = entry_exposure[f.name]
            if f.name in trace_span:
                d["trace_path_services"] = trace_span[f.name]
            if "client_types" in d:
                d["client_type_count"] = len(set(d["client_types"]))
        elif f.kind == "interaction":
            tk = g.kind_of.get(d["to"], "service")
            d["target_kind"] = tk
            d["from_kind"] = g.kind_of.get(d["from"], "service")
            caller_owner = g.data.get(d["from"], {}).get("owner")
            callee_owner = g.data.get(d["to"], {}).get("owner") if tk == "service" else None
            if tk == "external":
                d["cross_team"] = True
            elif caller_owner is not None and callee_owner is not None:
                d["cross_team"] = caller_owner != callee_owner
            crit = g.data.get(d["to"], {}).get("criticality") if tk == "service" else None
            if crit is not None:
                d["target_criticality"] = crit
            caller_crit = g.data.get(d["from"], {}).get("criticality") if d["from_kind"] == "service" else None
            if caller_crit is not None:
                d["caller_criticality"] = caller_crit
            d["on_public_path"] = d["from"] in on_public and is_sync(d, tk)
            if d["on_public_path"]:
                d["entry_exposure"] = entry_exposure[d["from"]]
            if "style" in d or "protocol" in d or tk == "channel":
                d["blocking"] = is_sync(d, tk)
            # else left unknown: rules read it as their policy says (most calls between services block)
            classified = _target_classified(tk, g.data.get(d["to"], {}), d["to"] in classified_services,
                                            d["to"] in classification_known)
            if classified is not None:
                d["target_classified"] = classified
            c_from = comp_of.get(d["from"])
            if d["on_public_path"] and c_from is not None and c_from in above and d["to"] in comp_of:
                below = depth[comp_of[d["to"]]] + 1 if comp_of[d["to"]] != c_from else 0
                d["chain_depth"] = above[c_from] + below
            if d["from"] in caller_timeout:
                d["caller_timeout_ms"] = caller_timeout[d["from"]]
            if d.get("timeout_ms"):
                d["retry_window_ms"] = min(int(d["timeout_ms"]) * int((d.get("retry") or {}).get("attempts", 1)),
                                           LATENCY_CAP_MS)
                if d["from"] in caller_timeout:
                    d["outlives_caller_timeout"] = d["retry_window_ms"] >= caller_timeout[d["from"]]
            methods = (d.get("retry") or {}).get("methods")
            if methods is not None:
                d["retries_non_idempotent_methods"] = bool({"POST", "PATCH"} & set(methods))
            if "style" not in d and tk != "channel" and is_sync(d, tk):
                pass  # left unknown on purpose: the rules report the gap
        elif f.kind == "endpoint":
            exp = services.get(d["served_by"], {}).get("exposure")
            if exp is not None:
                d["service_exposure"] = exp
                # The schema's rule: an endpoint without an exposure of its own takes its service's, so that
                # the rules on exposed endpoints are not silent on an inherited exposure.
                d.setdefault("exposure", exp)
            if "slos" in observability:
                # An objective on the endpoint itself, or on the service that serves it, covers it.
                d["slo_defined"] = f.name in slos or d["served_by"] in slos
            cookie = d.get("session_cookie") or {}
            same_site = cookie.get("same_site")
            flags = (cookie.get("secure"), cookie.get("http_only"), None if same_site is None else same_site != "none")
            if False in flags:
                d["session_cookie_unprotected"] = True
            elif flags == (True, True, True):
                d["session_cookie_unprotected"] = False
        elif f.kind == "datastore":
            writers = writers_of.get(f.name, set())
            users = users_of.get(f.name, set())
            d.update(writer_count=len(writers), reader_count=len(users - writers) + 0,
                     service_count=len(users), on_public_path=f.name in on_public)
            if f.name in entry_exposure:
                d["entry_exposure"] = entry_exposure[f.name]
            # Those whose only write access is the assumed one (a stated writer stays stated).
            guessed = sorted(s for s in unknown_mode.get(f.name, set())
                             if ASSUMED_KEY in access[(f.name, s, "write")].data)
            if guessed:
                d[ASSUMED_KEY] = {"writer_count": {"value": len(writers), "why": (
                    f"{', '.join(guessed)} counted as writing: access mode not stated")}}
            interval, rpo = (d.get("backups") or {}).get("interval_minutes"), system.get("rpo_minutes")
            if interval is not None and rpo is not None:
                d["backup_exceeds_rpo"] = int(interval) > int(rpo)
            if "workloads" in d:
                d["workload_count"] = len(set(d["workloads"]))
            if "server" in d:
                d["server_datastore_count"] = servers[d["server"]]
        elif f.kind == "system":
            d["service_count"] = len(services)
            peak, tested = d.get("expected_peak_rps"), d.get("load_tested_peak_rps")
            if peak and tested is not None:
                d["load_tested_headroom"] = round(float(tested) / float(peak), 3)
        elif f.kind == "channel":
            consumers = d.get("consumers", [])
            names = []
            for item in consumers:
                c = {"service": item} if isinstance(item, str) else item
                names.append(c["service"])
                extra.append(_graph_fact("consumer", f"{f.name}>{c['service']}",
                                         {"channel": f.name, **c}, f.locate("consumers")))
            d["consumers"] = names
            prods = sorted(set(d.get("producers", [])) | producers.get(f.name, set()))
            for p in prods:
                extra.append(_graph_fact("producer", f"{p}>{f.name}", {"channel": f.name, "service": p},
                                         f.locate("producers")))
            d.update(consumer_count=len(names), producer_count=len(prods))
        elif f.kind == "security":
            if "compliance" in d:
                d["compliance_count"] = len(set(d["compliance"]))
        elif f.kind == "observability":
            if "slos" in d:
                d["slo_count"] = len(d["slos"])
        elif f.kind == "workflow":
            steps = d.pop("steps", [])
            # The pivot: the first step declared so, else the last state-changing step (nothing after it to undo).
            pivot = next((i for i, s in enumerate(steps) if s.get("pivot")),
                         max((i for i, s in enumerate(steps) if s.get("mutates_state")), default=None))
            step_keys = ("service", "mutates_state", "compensation", "pivot", "retriable")
            for i, s in enumerate(steps):
                extra.append(_graph_fact("step", f"{f.name}#{i + 1}", {"workflow": f.name, "index": i + 1, **{
                    k: v for k, v in s.items() if k in step_keys},
                    **({"before_pivot": i < pivot, "after_pivot": i > pivot} if pivot is not None else {})},
                    f.locate("steps")))
            d.update(service_count=len({s["service"] for s in steps}),
                     mutating_services=len({s["service"] for s in steps if s.get("mutates_state")}))
        out.append(Fact(f.kind, f.key, d, f.location, f.fields, f.agents))  # dataclasses.replace, 5x cheaper

    by_name = {f.name: f for f in design.facts if f.kind == "endpoint"}
    worst: dict[str, set[str]] = {}  # path entry -> the "worst route" fields it carries
    by_service: dict[str, list[PathInfo]] = {}
    for p in paths:
        by_service.setdefault(p.entry_service, []).append(p)
    for entry_paths in by_service.values():
        for fld, rank in (("deepest_route", lambda p: (-p.depth, p.entry)),
                          ("most_amplified_route", lambda p: (-p.retry_amplification, p.entry))):
            worst.setdefault(min(entry_paths, key=rank).entry, set()).add(fld)
        # A route with a component of unknown availability may be the least available: each such one
        # counts (rules report it as a gap), besides the least available of the fully known ones.
        known = [p for p in entry_paths if not p.unknown_availability]
        for p in entry_paths:
            if p.unknown_availability:
                worst.setdefault(p.entry, set()).add("least_available_route")
        if known:
            worst.setdefault(min(known, key=lambda p: (p.availability, p.entry)).entry,
                             set()).add("least_available_route")
    for p in paths:
        # Facts stay small (every one is serialised into the C core): long lists are capped, counts kept.
        data: dict[str, Any] = {
            "entry": p.entry, "entry_service": p.entry_service, "exposure": p.exposure, "depth": p.depth,
            "size": len(p.nodes),
            "retry_amplification": p.retry_amplification, "retry_layers": p.retry_layers, "fan_out": p.fan_out,
            "unknown_latency": list(p.unknown_latency[:LIST_CAP]), "unknown_latency_count": len(p.unknown_latency),
            "unknown_availability": list(p.unknown_availability[:LIST_CAP]),
            "unknown_availability_count": len(p.unknown_availability),
            **{fld: fld in worst.get(p.entry, ()) for fld in ("least_available_route", "deepest_route",
                                                              "most_amplified_route")},
        }
        if not p.unknown_latency:
            data["latency_p95_ms"] = p.latency_ms
        if p.latency_target_ms is not None:
            data["latency_target_ms"] = p.latency_target_ms
            if not p.unknown_latency:
                data["latency_over_target"] = p.latency_ms > p.latency_target_ms
        if not p.unknown_availability:
            data["availability"] = p.availability
        if p.availability_target is not None:
            data["availability_target"] = p.availability_target
            if not p.unknown_availability:
                data["availability_below_target"] = p.availability < p.availability_target - 1e-12
        extra.append(_graph_fact("path", p.entry, data, by_name[p.entry].location))
    inter_loc = {f.data["from"]: f.location for f in design.of_kind("interaction")}
    for c in cycles:
        extra.append(_graph_fact("cycle", "->".join(c), {"services": list(c), "length": len(c)},
                                 inter_loc.get(c[0], design.facts[0].location)))
    facts = tuple(sorted(out + extra, key=lambda f: (f.kind, f.key)))
    return Enriched(facts, tuple(sorted(paths, key=lambda p: p.entry)), tuple(sorted(cycles)))


def _target_classified(kind: str, data: Mapping[str, Any], service_classified: bool,
                       service_known: bool) -> bool | None:
    """Whether a call's target holds or carries classified data; None when the design does not say (for a
    service: none of the datastores it reads or writes, nor of its endpoints, states a classification)."""
    if kind == "service":
        return True if service_classified else (False if service_known else None)
    field = {"datastore": "classification", "channel": "carries_classification"}.get(kind)
    if field is None or data.get(field) is None:
        return None
    return data[field] in CLASSIFIED


def _declared(ds: Mapping[str, Any], service: str, mode: str) -> bool | None:
    """Whether the datastore's own lists name ``service`` for ``mode``: a write among its ``writers``, a read
    among its ``readers`` (or ``writers``). None when the list that would name it is not stated."""
    writers, readers = ds.get("writers"), ds.get("readers")
    if mode == "write":
        return None if writers is None else service in writers
    if service in (writers or []):
        return True
    return None if readers is None else service in readers


def _graph_fact(kind: str, ident: str, data: dict[str, Any], location: Any) -> Fact:
    return Fact(kind, f"{kind}:{ident}", {"name": ident, **data}, location, {}, ("engine",))


def nines(a: float) -> float:
    """Availability as a count of nines (0.999 -> 3.0)."""
    return math.inf if a >= 1 else -math.log10(1 - a)
