"""Graph facts derived from the design before the rules fire.

Relational comparisons between facts (a path's latency against its target, a caller's team
against its callee's) are computed here, so that the compiled rules need equality joins only.
The graph algorithms are in ``engine.graph``; this module turns their figures into facts and fields:
first the design-wide figures (``_Context``), then one function per fact kind, each returning the fields
it computes as a TypedDict (the fields ``model.COMPUTED_FIELDS`` declares for that kind), then the graph
facts (paths, cycles).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any, NamedTuple, TypedDict

from msgspec import Struct

from engine import budget
from engine.graph import (
    AMPLIFICATION_CAP,
    LATENCY_CAP_MS,
    OFF_REQUEST,
    SYNC_PROTOCOLS,
    Call,
    CallGraph,
    Chain,
    Condensation,
    Members,
    Reach,
    Take,
    bits_of,
    bitset,
    call,
    chain,
    chains,
    condense,
    first_claims,
    is_sync,
    longest_above,
    reaches,
    strongly_connected,
)
from engine.model import ASSUMED_KEY
from engine.model.base import credential_path
from engine.model.design import Design, Fact, new_fact

__all__ = ["AMPLIFICATION_CAP", "CLASSIFIED", "ENTRY_EXPOSURES", "LATENCY_CAP_MS", "LIST_CAP", "SYNC_PROTOCOLS",
           "Enriched", "Members", "PathInfo", "enrich", "is_sync", "nines", "strongly_connected"]

CLASSIFIED = frozenset({"confidential", "restricted", "pii", "pci", "phi"})
LIST_CAP = 10
"""Lists in graph facts (unknown components of a path) keep their first names only; counts are exact."""


class PathInfo(Struct, frozen=True, eq=False):
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
    operator: bool = False
    """The entry is an administrative endpoint (an operator console, a back-office function): no user calls it."""


class Enriched(Struct, frozen=True, eq=False):
    """The design's facts with computed fields, plus the graph facts."""

    facts: tuple[Fact, ...]
    paths: tuple[PathInfo, ...]
    cycles: tuple[tuple[str, ...], ...]


def _own_availability(kind: str, data: Mapping[str, Any]) -> float | None:
    value = data.get("sla") if kind == "external" else data.get("availability")
    return float(value) if value is not None else None


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


_TYPED_KINDS = frozenset({"service", "datastore", "channel"})
"""Kinds whose own ``kind`` field (the component's kind) rules read as ``type``."""


def enrich(design: Design) -> Enriched:
    """Compute graph facts and the fields that need more than one fact to know."""
    x = _context(design)
    extra: list[Fact] = sorted(x.access.values(), key=lambda f: f.key)
    out: list[Fact] = []
    stated_by: dict[tuple[str, ...], str] = {}  # agents -> their names joined (a design has a few sets of agents)
    for f in design.facts:
        kind, agents, d = f.kind, f.agents, dict(f.data)
        by = stated_by.get(agents)
        d["stated_by"] = by if by is not None else stated_by.setdefault(agents, " and ".join(agents))
        if kind in _TYPED_KINDS and "kind" in d:
            d["type"] = d["kind"]  # the engine's "kind" is the fact kind; rules see the component's kind here
        fields = _FIELDS.get(kind)
        if fields is not None:
            d.update(fields(f, d, x, extra))
        out.append(new_fact(kind, f.key, d, f.location, f.fields, agents, f.inferred))  # replace(): 10x the cost

    by_name = {f.name: f for f in design.of_kind("endpoint")}
    worst = _worst_routes(x.paths)
    for p in x.paths:
        extra.append(_graph_fact("path", p.entry, _path_data(p, worst.get(p.entry, set())), by_name[p.entry].location))
    # a cycle is placed at the last call out of its first service (in key order); most designs have no cycle
    inter_loc = {f.data["from"]: f.location for f in design.of_kind("interaction")} if x.c.cycles else {}
    for c in x.c.cycles:
        extra.append(_graph_fact("cycle", "->".join(c), {"services": list(c), "length": len(c)},
                                 inter_loc.get(c[0], design.facts[0].location)))
    facts = tuple(sorted(out + extra, key=attrgetter("kind", "key")))
    return Enriched(facts, tuple(sorted(x.paths, key=lambda p: p.entry)), tuple(sorted(x.c.cycles)))


# --------------------------------------------------------------------------------------
# Public paths: the call tree below each entry point
# --------------------------------------------------------------------------------------

class _EntryFigures(Struct, eq=False):
    """What one entry's call tree (over one route) adds to its chain figures."""

    nodes: Members
    availability: float
    unknown_availability: Members
    bottleneck: str | None
    bottleneck_rps: float | None
    fan_out: int
    unknown_latency: Members


class _NodeFigures:
    """Per-node figures as bitsets, so that each entry's figures cost a few big-integer operations, not a
    walk over every component it reaches (see Members)."""

    def __init__(self, g: CallGraph, c: Condensation) -> None:
        nodes = c.nodes
        self.nodes = nodes
        self.own_avail = {n: _own_availability(g.kind_of[n], g.data[n]) for n in nodes}
        self.unknown_avail_bits = bits_of(nodes, lambda n: self.own_avail[n] is None)
        # Multiplying by 1.0 changes no bit of a float, so only these components enter the product.
        self.avail_bits = bits_of(nodes, lambda n: self.own_avail[n] is not None and self.own_avail[n] != 1.0)
        self.cap_of = {n: g.data[n].get("capacity_rps", g.data[n].get("rate_limit_rps")) for n in nodes}
        self.cap_bits = bits_of(nodes, lambda n: self.cap_of[n] is not None)
        self.service_bits = bits_of(nodes, lambda n: g.kind_of[n] == "service")
        self.fan_out = {n: len({e["to"] for e in g.sync_edges(n)}) for n in nodes}
        by_fan_out: dict[int, list[int]] = {}
        for i, v in enumerate(self.fan_out.values()):  # in the order of nodes
            if v > 0:
                by_fan_out.setdefault(v, []).append(i)
        self.fan_out_bits = sorted(((v, bitset(at, len(nodes))) for v, at in by_fan_out.items()), reverse=True)

    def entry(self, r: Reach) -> _EntryFigures:
        """The figures of a call tree reaching ``r``."""
        nodes, reach = self.nodes, r.nodes
        avail = 1.0
        for n in Members(nodes, reach & self.avail_bits):
            avail *= self.own_avail[n]  # type: ignore[operator]  # in avail_bits: not None
        bottleneck = None
        bottleneck_rps: float | None = None
        for n in Members(nodes, reach & self.cap_bits):
            cap = self.cap_of[n]
            if bottleneck_rps is None or float(cap) < bottleneck_rps:
                bottleneck, bottleneck_rps = n, float(cap)
        fan_out = next((v for v, b in self.fan_out_bits if reach & b), 0)
        return _EntryFigures(Members(nodes, reach), avail, Members(nodes, reach & self.unknown_avail_bits),
                             bottleneck, bottleneck_rps, fan_out, Members(nodes, r.unknown_latency))


class _Trees(Struct, eq=False):
    """The public paths and what they cover: every node of the call tree of a user (not ``admin``) entry
    (``on_public_bits``), every node of any tree by the entry's exposure, and each tree's service count with
    its bitset."""

    paths: list[PathInfo]
    on_public_bits: int
    exposure_bits: dict[str, int]
    spans: list[tuple[int, int]]


def _routed(taken: frozenset[str]) -> Callable[[Call], bool]:
    return lambda e: e["to"] in taken


def _public_paths(g: CallGraph, c: Condensation, done: Sequence[Chain], nf: _NodeFigures,
                  publics: Sequence[tuple[Fact, str]], slos: Mapping[str, Mapping[str, Any]],
                  system: Mapping[str, Any]) -> _Trees:
    paths: list[PathInfo] = []
    on_public_bits = 0
    exposure_bits: dict[str, int] = {}  # exposure -> the nodes of the call trees of entry points so exposed
    spans: list[tuple[int, int]] = []  # (services in one public call tree, the tree's bitset)
    # Each entry (its service and route) once: many endpoints share one (a gateway's routes), and the nodes each
    # reaches are found for all of them together (graph.reaches).
    keys: dict[tuple[str, frozenset[str] | None], int] = {}
    entries: list[tuple[int, Take]] = []
    chains_of: list[Chain] = []
    taken: list[tuple[Fact, str, int]] = []
    for ep, exposure in publics:
        budget.check("enriching the design (public paths)")
        entry = ep.data["served_by"]
        if entry not in c.comp_of:
            continue
        ci = c.comp_of[entry]
        # A route the endpoint names (routes_to) follows those calls only (none: an empty list, the front answers
        # itself); an entry in a call cycle reaches its whole cycle whatever the route, so it keeps its
        # component's figures.
        named = ep.data.get("routes_to")
        routes = frozenset(named) if named is not None and len(c.comps[ci]) == 1 else None
        k = keys.get((entry, routes))
        if k is None:
            k = keys[(entry, routes)] = len(entries)
            take = _routed(routes) if routes is not None else None
            entries.append((ci, take))
            # With a route, the entry's own figures over the calls this route takes.
            chains_of.append(chain(g, c, [entry], ci, done, take) if routes is not None else done[ci])
        taken.append((ep, exposure, k))
    reached = reaches(g, c, entries)
    figures = [nf.entry(r) for r in reached]
    spans = [((r.nodes & nf.service_bits).bit_count(), r.nodes) for r in reached]
    # An administrative entry (an operator console, a back-office function) starts an operator path: it keeps its
    # path fact, which the rules on exposed surfaces read, but no user request waits on its tree, so it puts nothing
    # on a public request path (the availability and latency rules' on_public_path).
    united: set[tuple[str, int]] = set()  # (exposure or "" for the public request paths, entry) already united
    for ep, exposure, k in taken:
        nodes = reached[k].nodes
        if not ep.data.get("admin") and ("", k) not in united:
            united.add(("", k))
            on_public_bits |= nodes
        if (exposure, k) not in united:
            united.add((exposure, k))
            exposure_bits[exposure] = exposure_bits.get(exposure, 0) | nodes
        ch, fig = chains_of[k], figures[k]
        slo = slos.get(ep.name, {})
        lt = ep.data.get("latency_p95_ms", slo.get("latency_p95_ms", system.get("latency_p95_ms")))
        at = slo.get("availability", system.get("availability_target"))
        paths.append(PathInfo(
            entry=ep.name, entry_service=ep.data["served_by"], exposure=exposure, depth=ch.depth + 1,
            nodes=fig.nodes, latency_ms=ch.latency_ms, unknown_latency=fig.unknown_latency,
            availability=round(fig.availability, 9), unknown_availability=fig.unknown_availability,
            retry_amplification=ch.amplification, retry_layers=ch.layers, fan_out=fig.fan_out,
            latency_target_ms=int(lt) if lt is not None else None,
            availability_target=float(at) if at is not None else None,
            bottleneck=fig.bottleneck, bottleneck_rps=fig.bottleneck_rps,
            # a login or sign-up stays every caller's door, however administrative what it does (the first
            # sign-up of an installation made its administrator): no operator console
            operator=bool(ep.data.get("admin")) and not _credential_flow(ep.data),
        ))
    return _Trees(paths, on_public_bits, exposure_bits, spans)


def _worst_routes(paths: Sequence[PathInfo]) -> dict[str, set[str]]:
    """Path entry -> the "worst route" fields it carries, among the routes into the same service."""
    worst: dict[str, set[str]] = {}
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
    return worst


def _path_data(p: PathInfo, worst: set[str]) -> dict[str, Any]:
    """The fields of a path fact."""
    # Facts stay small (every one is serialised into the C core): long lists are capped, counts kept.
    data: dict[str, Any] = {
        "entry": p.entry, "entry_service": p.entry_service, "exposure": p.exposure, "depth": p.depth,
        "size": len(p.nodes), "operator": p.operator,
        "retry_amplification": p.retry_amplification, "retry_layers": p.retry_layers, "fan_out": p.fan_out,
        "unknown_latency": list(p.unknown_latency[:LIST_CAP]), "unknown_latency_count": len(p.unknown_latency),
        "unknown_availability": list(p.unknown_availability[:LIST_CAP]),
        "unknown_availability_count": len(p.unknown_availability),
        **{fld: fld in worst for fld in ("least_available_route", "deepest_route", "most_amplified_route")},
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
    return data


# --------------------------------------------------------------------------------------
# Design-wide figures the per-kind fields read
# --------------------------------------------------------------------------------------

class _Access(Struct, eq=False):
    """Which services read or write each datastore, as ``access`` graph facts and per datastore."""

    facts: dict[tuple[str, str, str], Fact]  # (datastore, service, mode) -> its access fact
    unknown_mode: dict[str, set[str]]  # datastore -> services whose access mode the design does not say
    classified_services: set[str]
    classification_known: set[str]  # services whose data, classified or not, the design describes


def _accesses(design: Design) -> _Access:
    """The accesses the datastores state and the services whose data is classified; ``_calls`` adds the accesses
    the calls to datastores make."""
    access: dict[tuple[str, str, str], Fact] = {}
    classified_services: set[str] = set()
    classification_known: set[str] = set()
    for ds in design.of_kind("datastore"):
        name = ds.name
        for mode, fld in (("read", "readers"), ("write", "writers")):
            for svc in ds.data.get(fld, []):
                if (name, svc, mode) not in access:  # the first statement of an access is its fact
                    access[(name, svc, mode)] = _graph_fact(
                        "access", f"{name}<-{svc}:{mode}",
                        {"datastore": name, "service": svc, "mode": mode, "declared": True, "mode_stated": True},
                        ds.locate(fld))
        if ds.data.get("classification") is not None:
            classification_known.update(ds.data.get("readers", []), ds.data.get("writers", []))
        if ds.data.get("classification") in CLASSIFIED:
            classified_services.update(ds.data.get("readers", []))
            classified_services.update(ds.data.get("writers", []))
    unknown_mode: dict[str, set[str]] = {}  # filled, with the accesses the calls make, by _calls
    endpoints_by_service: dict[str, list[Mapping[str, Any]]] = {}
    for ep in design.of_kind("endpoint"):
        endpoints_by_service.setdefault(ep.data["served_by"], []).append(ep.data)
    for svc, eps in endpoints_by_service.items():
        if any(e.get("data_classification") is not None for e in eps):
            classification_known.add(svc)
        if any(e.get("data_classification") in CLASSIFIED for e in eps):
            classified_services.add(svc)
    return _Access(access, unknown_mode, classified_services, classification_known)


def _call_access(f: Fact, e: Call, g: CallGraph, acc: _Access) -> None:
    """The access a call to a datastore makes, unless the datastore or an earlier call stated it."""
    access = acc.facts
    mode = "write" if e.get("mutating") or e.get("purpose") == "command" else "read"
    mode_unknown = e.get("mutating") is None and e.get("purpose") is None
    if mode_unknown:  # the unknown policy: an access of unknown mode is read-write (rules/README.md)
        mode = "write"
        acc.unknown_mode.setdefault(e["to"], set()).add(e["from"])
    if (e["to"], e["from"], mode) in access:
        return
    data: dict[str, Any] = {"datastore": e["to"], "service": e["from"], "mode": mode, "mode_stated": not mode_unknown}
    if mode_unknown:
        # An assumed write is not compared with the datastore's lists: a contradiction needs two stated facts.
        data[ASSUMED_KEY] = {"mode": {"value": "write", "why": "the access mode is not stated"}}
    else:
        declared = _declared(g.data.get(e["to"], {}), e["from"], mode)
        if declared is not None:
            data["declared"] = declared
    access[(e["to"], e["from"], mode)] = _graph_fact(
        "access", f"{e['to']}<-{e['from']}:{mode}", data, f.location, inferred=f.inferred)


class _Calls(NamedTuple):
    """What one pass over the calls gathers (besides the accesses to datastores, added to ``_Access``)."""

    inbound: dict[str, int]  # target -> the calls into it
    producers: dict[str, set[str]]  # channel -> services that call it
    caller_timeout: dict[str, int]  # service -> the smallest timeout of the synchronous calls into it
    hard_background: set[str]  # targets of the hard background calls of services on a public path
    user_called: set[str]  # operator consoles (keys of ``console_fronts``) that a call not routing a console reaches


def _calls(design: Design, g: CallGraph, c: Condensation, on_public: set[str], acc: _Access,
           console_fronts: Mapping[str, set[str]]) -> _Calls:
    """Every figure read from the calls one by one, in one pass over them (each pass read 15,000 calls' data again
    at 5,000 services): the calls into each target, a channel's producers, the accesses to datastores (``acc``),
    the callers' timeouts, and the targets of hard background calls made from the public path.

    A call back into the caller's own synchronous cycle sets no timeout budget: the cycle itself is the problem.

    A call made from a task of the caller's own (``during: background``: refreshing the addresses a registry
    gives) blocks no request, so it is on no call tree; but when the caller's requests fail once it fails (the
    caller calls only the servers that call returned), public requests depend on its target as much as on any
    callee: that target is on the public path. Only the on-path flag moves: chains, timeouts and figures are the
    call trees' own.

    A call into an operator console (``console_fronts``) from anything but a front routing the console to it (a
    broker's clients, a sender of mail) makes it serve that caller's requests: ``user_called``."""
    out = _Calls({}, {}, {}, set(), set())
    inbound, producers, caller_timeout = out.inbound, out.producers, out.caller_timeout
    kind_of, comp_of = g.kind_of, c.comp_of
    for f in design.of_kind("interaction"):
        e = call(f.data)
        src, dst = e["from"], e["to"]
        inbound[dst] = inbound.get(dst, 0) + 1
        fronts = console_fronts.get(dst)
        if fronts is not None and src not in fronts:
            out.user_called.add(dst)
        tk = kind_of.get(dst, "service")
        if tk == "channel":
            producers.setdefault(dst, set()).add(src)
        elif tk == "datastore":
            _call_access(f, e, g, acc)
        t = e.get("timeout_ms")
        if t:
            here = comp_of.get(src)
            same_cycle = here is not None and comp_of.get(dst) == here
            if not same_cycle and tk != "channel" and is_sync(e, tk):
                caller_timeout[dst] = min(int(t), caller_timeout.get(dst, int(t)))
        if e.get("during") == "background" and e.get("dependency") == "hard" and src in on_public:
            out.hard_background.add(str(dst))
    return out


def _consoles(design: Design) -> tuple[set[str], dict[str, set[str]]]:
    """The services whose every endpoint, served or routed to them, is an operator's surface, at least one of them
    administrative (``admin``: an operator console, a back-office function) and the others administrative or
    ``debug`` (its management endpoints): no user's request goes through them. An administrative RPC API (Dapr's,
    published beside an app) is one the applications call, not an operator's console. With each, the services whose
    administrative endpoints route to it (a proxy publishing Adminer): the only callers a console has."""
    admin: set[str] = set()
    other: set[str] = set()
    fronts: dict[str, set[str]] = {}
    for ep in design.of_kind("endpoint"):
        d = ep.data
        rpc = d.get("method") == "RPC"
        is_admin = d.get("admin") is True and not rpc
        operator = is_admin or (d.get("debug") is True and not rpc)
        front = d["served_by"]
        for target in (front, *(d.get("routes_to") or ())):
            if is_admin:
                admin.add(target)
            elif not operator:
                other.add(target)
            if target != front and is_admin:
                fronts.setdefault(target, set()).add(front)
    consoles = admin - other
    return consoles, {t: fronts.get(t, set()) for t in consoles}


class _Context(Struct, eq=False):
    """Everything the per-kind fields read besides the fact itself."""

    g: CallGraph
    c: Condensation
    done: list[Chain]  # chain figures per component
    paths: list[PathInfo]
    services: dict[str, Mapping[str, Any]]
    system: Mapping[str, Any]
    observability: Mapping[str, Any]
    slos: dict[str, Mapping[str, Any]]
    fan_out: dict[str, int]
    public_services: set[str]
    on_public: set[str]
    entry_exposure: dict[str, str]  # node -> widest exposure of the entry points whose call tree has it
    trace_span: dict[str, int]  # service -> most services in one public call tree it belongs to
    above: dict[int, int]  # component -> longest public synchronous chain above it (an entry counts 1)
    caller_timeout: dict[str, int]
    inbound: dict[str, int]
    access: dict[tuple[str, str, str], Fact]
    unknown_mode: dict[str, set[str]]
    classified_services: set[str]
    classification_known: set[str]
    users_of: dict[str, set[str]]
    writers_of: dict[str, set[str]]
    servers: dict[str, int]  # server -> datastores on it
    server_lead: dict[str, str]  # server -> the datastore that stands for it: the one named as it, else the first
    databases_of: dict[str, list[str]]  # server -> the other datastores naming it as their server
    producers: dict[str, set[str]]  # channel -> services that call it
    routed_by: dict[str, str]  # service -> the first service (by name) whose endpoints route requests to it
    operator_consoles: set[str]  # services that serve operator consoles only (``_consoles``), called by no other


def _context(design: Design) -> _Context:
    g = CallGraph(design)
    c = condense(g)
    done = chains(g, c)
    services = {f.name: f.data for f in design.of_kind("service")}
    system = next((f.data for f in design.of_kind("system")), {})
    observability = next((f.data for f in design.of_kind("observability")), {})
    slos = {s["target"]: s for s in observability.get("slos", [])}
    nf = _NodeFigures(g, c)
    publics = _public_endpoints(design, services)
    trees = _public_paths(g, c, done, nf, publics, slos, system)
    # a call's chain_depth is in the units of path.depth
    above = longest_above(g, c, [c.comp_of[ep.data["served_by"]] for ep, _exposure in publics
                                 if ep.data["served_by"] in c.comp_of])
    acc = _accesses(design)
    on_public = set(Members(c.nodes, trees.on_public_bits))
    # a server holding a datastore on a public path is on it too: the database fails with its server
    on_public |= {ds.data["server"] for ds in design.of_kind("datastore")
                  if "server" in ds.data and ds.name in on_public and g.kind_of.get(ds.data["server"]) == "datastore"}
    consoles, console_fronts = _consoles(design)
    calls = _calls(design, g, c, on_public, acc, console_fronts)
    routed_by: dict[str, str] = {}
    routes: set[tuple[str, str]] = set()  # (front, target) of every endpoint routing requests on
    for ep in design.of_kind("endpoint"):
        for target in ep.data.get("routes_to") or ():
            front = ep.data["served_by"]
            routes.add((front, target))
            if target != front and (target not in routed_by or front < routed_by[target]):
                routed_by[target] = front
    users_of: dict[str, set[str]] = {}
    writers_of: dict[str, set[str]] = {}
    for ds_name, svc, mode in acc.facts:
        users_of.setdefault(ds_name, set()).add(svc)
        # a gateway that routes requests to a store (an S3 API published under a path) passes its callers' writes:
        # it owns none of that data, so it is no writer of it (a gateway writing a database of its own still is)
        # an operator's tool (a database console: Adminer, pgAdmin) writes with an operator's hands, for whoever runs
        # the system: it owns no data of the store, so it is no second writer either
        if mode == "write" and not (services.get(svc, {}).get("kind") == "gateway" and (svc, ds_name) in routes) \
                and services.get(svc, {}).get("operator_tool") is not True:
            writers_of.setdefault(ds_name, set()).add(svc)
    servers: dict[str, int] = {}
    server_lead: dict[str, str] = {}
    databases_of: dict[str, list[str]] = {}
    for ds in design.of_kind("datastore"):
        if "server" in ds.data:
            server = ds.data["server"]
            if ds.name != server:
                databases_of.setdefault(server, []).append(ds.name)
            servers[server] = servers.get(server, 0) + 1
            lead = server_lead.get(server)
            if lead is None or (lead != server and (ds.name == server or ds.name < lead)):
                server_lead[server] = ds.name
    return _Context(
        g=g, c=c, done=done, paths=trees.paths, services=services, system=system, observability=observability,
        slos=slos, fan_out=nf.fan_out, public_services={ep.data["served_by"] for ep, _exposure in publics},
        on_public=on_public | calls.hard_background,
        entry_exposure=first_claims(c.nodes, ((x, trees.exposure_bits.get(x, 0)) for x in ENTRY_EXPOSURES)),
        # the largest tree a node is in, first
        trace_span=first_claims(c.nodes, sorted(trees.spans, key=lambda t: -t[0])),
        above=above, caller_timeout=calls.caller_timeout, inbound=calls.inbound, access=acc.facts,
        unknown_mode=acc.unknown_mode, classified_services=acc.classified_services,
        classification_known=acc.classification_known, users_of=users_of, writers_of=writers_of,
        servers=servers, server_lead=server_lead, databases_of=databases_of, producers=calls.producers,
        routed_by=routed_by, operator_consoles=consoles - calls.user_called)


# --------------------------------------------------------------------------------------
# Computed fields, one function per fact kind. Each TypedDict names the fields its function adds: the
# fields model.COMPUTED_FIELDS declares for that kind (tests/test_enrich.py holds the two equal), so that
# mypy checks every name written here.
# --------------------------------------------------------------------------------------

class ServiceFields(TypedDict, total=False):
    sync_out: int
    fan_out: int
    inbound: int
    public_entry: bool
    in_cycle: bool
    on_public_path: bool
    handles_classified_data: bool
    entry_exposure: str
    trace_path_services: int
    client_type_count: int
    routed_by: str
    operator_console: bool


def _service_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> ServiceFields:
    name = f.name
    new: ServiceFields = {
        "sync_out": len(x.g.sync_edges(name)), "fan_out": x.fan_out.get(name, 0),
        "inbound": x.inbound.get(name, 0), "public_entry": name in x.public_services,
        "in_cycle": name in x.c.in_cycle, "on_public_path": name in x.on_public,
        "handles_classified_data": name in x.classified_services, "operator_console": name in x.operator_consoles}
    if name in x.entry_exposure:
        new["entry_exposure"] = x.entry_exposure[name]
    if name in x.trace_span:
        new["trace_path_services"] = x.trace_span[name]
    if "client_types" in d:
        new["client_type_count"] = len(set(d["client_types"]))
    if name in x.routed_by:
        new["routed_by"] = x.routed_by[name]
    return new


_NO_DATA: Mapping[str, Any] = {}
"""The data of a component the design does not state (a call's target may be unknown)."""


class InteractionFields(TypedDict, total=False):
    target_kind: str
    from_kind: str
    cross_team: bool
    target_criticality: str
    caller_criticality: str
    on_public_path: bool
    entry_exposure: str
    blocking: bool
    target_classified: bool
    chain_depth: int
    caller_timeout_ms: int
    caller_default_timeout_ms: int
    retry_window_ms: int
    outlives_caller_timeout: bool
    retries_non_idempotent_methods: bool


def _interaction_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> InteractionFields:
    e = call(d)
    src, dst = e["from"], e["to"]
    kind_of, data = x.g.kind_of, x.g.data
    tk, from_kind = kind_of.get(dst, "service"), kind_of.get(src, "service")
    caller, callee = data.get(src, _NO_DATA), data.get(dst, _NO_DATA)
    new: InteractionFields = {"target_kind": tk, "from_kind": from_kind}
    if tk == "external":
        new["cross_team"] = True
    elif tk == "service":
        caller_owner, callee_owner = caller.get("owner"), callee.get("owner")
        if caller_owner is not None and callee_owner is not None:
            new["cross_team"] = caller_owner != callee_owner
        crit = callee.get("criticality")
        if crit is not None:
            new["target_criticality"] = crit
    caller_crit = caller.get("criticality") if from_kind == "service" else None
    if caller_crit is not None:
        new["caller_criticality"] = caller_crit
    sync: bool | None = None  # is_sync(e, tk), asked for once
    on_public_path = new["on_public_path"] = src in x.on_public and (sync := is_sync(e, tk))
    if on_public_path:
        new["entry_exposure"] = x.entry_exposure[src]
    if "style" in e or "protocol" in e or tk == "channel" or e.get("during") in OFF_REQUEST:
        new["blocking"] = sync if sync is not None else is_sync(e, tk)
    # else left unknown: rules read it as their policy says (most calls between services block)
    classified = _target_classified(tk, callee, dst in x.classified_services, dst in x.classification_known)
    if classified is not None:
        new["target_classified"] = classified
    if on_public_path:
        comp_of = x.c.comp_of
        c_from = comp_of.get(src)
        if c_from is not None and c_from in x.above and dst in comp_of:
            below = x.done[comp_of[dst]].depth + 1 if comp_of[dst] != c_from else 0
            new["chain_depth"] = x.above[c_from] + below
    _call_timing(e, x.caller_timeout.get(src), new)
    default = proxy_route_timeout(caller.get("image")) if from_kind == "service" else None
    if default is not None:
        new["caller_default_timeout_ms"] = default
    # A sync call with no stated style is left unknown on purpose: the rules report the gap.
    return new


_PROXY_ROUTE_TIMEOUTS: tuple[tuple[re.Pattern[str], int], ...] = (
    # Envoy: RouteAction.timeout, "If not specified, the default is 15s" (envoyproxy.io, config.route.v3.RouteAction);
    # the gateway importer gives an Envoy route without a timeout the same value (ENVOY_ROUTE_TIMEOUT_MS).
    (re.compile(r"(?:envoyproxy/)?envoy(?:-alpine|-distroless)?"), 15000),
    # nginx and OpenResty (nginx with Lua): proxy_connect_timeout, proxy_send_timeout and proxy_read_timeout default to
    # 60 s (nginx.org, ngx_http_proxy_module) and a configuration can only set other finite values, so a hung upstream
    # is cut at 60 s whatever configuration the image holds; the gateway importer gives a proxy_pass that sets no
    # proxy_read_timeout the same value (NGINX_PROXY_TIMEOUT_MS). Any namespace whose image is named nginx (nginx,
    # bitnami/nginx, a product's own build on nginx such as redash/nginx), as the importers' catalogue recognises the
    # image as a reverse proxy; nginx/unit (an application server) is not one.
    (re.compile(r"(?:[a-z0-9._-]+/)*(?:nginx(?:-unprivileged)?|openresty)"), 60000),
)
"""Proxy images (repository path, registry and tag left out) -> the timeout they give a route that sets none. Kept
here, not in the importers' catalogue: a review does not load the importers."""


def proxy_route_timeout(image: str | None) -> int | None:
    """The timeout a proxy running ``image`` gives a route whose configuration sets none, in milliseconds; None when
    the image is not such a proxy (``docker.io/envoyproxy/envoy:v1.30`` -> 15000)."""
    if not image:
        return None
    path = image.split("@", 1)[0].lower()
    first, slash, rest = path.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        path = rest  # a registry host
    last = path.rsplit("/", 1)[-1]
    path = (path[: len(path) - len(last)] + last.split(":", 1)[0]).removeprefix("library/")  # the tag left out
    return next((ms for pattern, ms in _PROXY_ROUTE_TIMEOUTS if pattern.fullmatch(path)), None)


def _call_timing(e: Call, caller_timeout: int | None, new: InteractionFields) -> None:
    """A call's retry window against its caller's own timeout, and whether its retries replay writes. A call made
    only at start-up or in the background (``during``) runs inside no request of its caller, so the timeouts of the
    calls into the caller bound nothing it does: it is given no caller timeout."""
    if e.get("during") in OFF_REQUEST:
        caller_timeout = None
    if caller_timeout is not None:
        new["caller_timeout_ms"] = caller_timeout
    if e.get("timeout_ms"):
        window = new["retry_window_ms"] = min(int(e["timeout_ms"]) * int((e.get("retry") or {}).get("attempts", 1)),
                                              LATENCY_CAP_MS)
        if caller_timeout is not None:
            new["outlives_caller_timeout"] = window >= caller_timeout
    methods = (e.get("retry") or {}).get("methods")
    if methods is not None:
        new["retries_non_idempotent_methods"] = bool({"POST", "PATCH"} & set(methods))


class EndpointFields(TypedDict, total=False):
    service_exposure: str
    exposure: str  # the design's own field, inherited from the service when the endpoint states none
    slo_defined: bool
    session_cookie_unprotected: bool
    credential_flow: bool
    handled_by: str
    long_lived_token: bool


def _endpoint_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> EndpointFields:
    new: EndpointFields = {}
    exp = x.services.get(d["served_by"], {}).get("exposure")
    if exp is not None:
        new["service_exposure"] = exp
        # The schema's rule: an endpoint without an exposure of its own takes its service's, so that
        # the rules on exposed endpoints are not silent on an inherited exposure.
        if "exposure" not in d:
            new["exposure"] = exp
    if "slos" in x.observability:
        # An objective on the endpoint itself, or on the service that serves it, covers it.
        new["slo_defined"] = f.name in x.slos or d["served_by"] in x.slos
    cookie = d.get("session_cookie") or {}
    same_site = cookie.get("same_site")
    secure = cookie.get("secure")
    if secure == "same_as_request":  # Secure only on a request that came over TLS: served with a plaintext
        secure = d.get("tls")        # listener (tls false), the cookie it sets there is not
    flags = (secure, cookie.get("http_only"), None if same_site is None else same_site != "none")
    if False in flags:
        new["session_cookie_unprotected"] = True
    elif flags == (True, True, True):
        new["session_cookie_unprotected"] = False
    new["credential_flow"] = _credential_flow(d)
    routes: list[str] = d.get("routes_to") or []
    new["handled_by"] = routes[0] if len(routes) == 1 else d["served_by"]
    lifetime = d.get("token_lifetime_minutes")
    if lifetime is not None:
        new["long_lived_token"] = lifetime == 0 or lifetime > LONG_LIVED_TOKEN_MINUTES
    return new


LONG_LIVED_TOKEN_MINUTES = 1440
"""A bearer token valid for more than a day (or with no expiry) is long-lived. Access tokens are meant to live
minutes, renewed by a refresh token the server can revoke (OWASP JSON Web Token cheat sheet, "Token explicit
revocation by the user"; OWASP API2:2023); a day is already more than OWASP ASVS 4.0 V3.3.2 allows a level-2
application between re-authentications (12 hours)."""


def _credential_flow(d: Mapping[str, Any]) -> bool:
    """The endpoint is a login, token or sign-up operation: as stated (``auth_flow``), or, unstated, a call that
    is not a read to a path whose last part names one (``POST /api/user/register``)."""
    stated = d.get("auth_flow")
    if stated is not None:
        return bool(stated)
    reads = str(d.get("method", "")).upper() in ("GET", "HEAD", "OPTIONS")
    return not reads and credential_path(str(d.get("path", "")))


class DatastoreFields(TypedDict, total=False):
    writer_count: int
    reader_count: int
    service_count: int
    on_public_path: bool
    entry_exposure: str
    assumed: dict[str, Any]  # ASSUMED_KEY: the writers counted on an assumed access mode
    backup_exceeds_rpo: bool
    workload_count: int
    server_datastore_count: int
    server_lead: bool


def _datastore_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> DatastoreFields:
    name = f.name
    writers = x.writers_of.get(name, set())
    users = x.users_of.get(name, set())
    # a server's clients are those of its databases too (its account, its connections), not their readers or writers
    clients = users.union(*(x.users_of.get(db, ()) for db in x.databases_of.get(name, ())))
    # the processes of one application (``service.application``: a web process and its worker) are one owner
    owner = {s: ("application", x.services[s]["application"]) for s in clients
             if "application" in x.services.get(s, {})}
    writer_count = len({owner.get(s, s) for s in writers})
    new: DatastoreFields = {"writer_count": writer_count, "reader_count": len(users - writers) + 0,
                            "service_count": len({owner.get(s, s) for s in clients}),
                            "on_public_path": name in x.on_public}
    if name in x.entry_exposure:
        new["entry_exposure"] = x.entry_exposure[name]
    # Those whose only write access is the assumed one (a stated writer stays stated).
    guessed = sorted(s for s in x.unknown_mode.get(name, set())
                     if ASSUMED_KEY in x.access[(name, s, "write")].data)
    if guessed:
        new["assumed"] = {"writer_count": {"value": writer_count, "why": (
            f"{', '.join(guessed)} counted as writing: access mode not stated")}}
    interval, rpo = (d.get("backups") or {}).get("interval_minutes"), x.system.get("rpo_minutes")
    if interval is not None and rpo is not None:
        new["backup_exceeds_rpo"] = int(interval) > int(rpo)
    if "workloads" in d:
        new["workload_count"] = len(set(d["workloads"]))
    if "server" in d:
        new["server_datastore_count"] = x.servers[d["server"]]
        new["server_lead"] = x.server_lead[d["server"]] == name
    return new


class SystemFields(TypedDict, total=False):
    service_count: int
    load_tested_headroom: float


def _system_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> SystemFields:
    new: SystemFields = {"service_count": len(x.services)}
    peak, tested = d.get("expected_peak_rps"), d.get("load_tested_peak_rps")
    if peak and tested is not None:
        new["load_tested_headroom"] = round(float(tested) / float(peak), 3)
    return new


class ChannelFields(TypedDict, total=False):
    consumers: list[str]  # the design's own list, reduced to the consuming services' names
    consumer_count: int
    producer_count: int
    expires_messages: bool


BROKERS_EXPIRING_BY_DEFAULT = ("kafka", "redpanda", "msk", "kinesis", "sqs", "pubsub", "eventhub")
"""Brokers that drop a message after a retention period unless told otherwise, whether or not it was consumed:
Kafka and Redpanda keep a partition's log 7 days (``retention.ms``), Kinesis a stream's records 24 hours, SQS a
queue's messages 4 days (``MessageRetentionPeriod``), Google Pub/Sub unacknowledged messages 7 days, Azure Event
Hubs events 1 day. Matched as a word of the broker's name, letters and digits only ("aws-sqs", "google_pubsub")."""
BROKERS_KEEPING_BY_DEFAULT = ("rabbitmq", "activemq", "artemis", "redis")
"""Brokers that keep an unconsumed message until it is consumed unless a TTL or a length limit is set: RabbitMQ
queues, ActiveMQ (Classic and Artemis) destinations, Redis lists and streams."""


def _expires_messages(d: Mapping[str, Any]) -> bool | None:
    """Whether an unconsumed message is dropped after a time: stated (``message_ttl_seconds``) or the broker's
    default; unknown when neither says."""
    if d.get("message_ttl_seconds") is not None:
        return True
    broker = "".join(ch for ch in str(d.get("broker") or "").lower() if ch.isalnum())
    if not broker:
        return None
    if any(word in broker for word in BROKERS_EXPIRING_BY_DEFAULT):
        return True
    if any(word in broker for word in BROKERS_KEEPING_BY_DEFAULT):
        return False
    return None


def _channel_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> ChannelFields:
    """Also adds a ``consumer`` and a ``producer`` fact per service that reads or writes the channel."""
    names = []
    for item in d.get("consumers", []):
        c = {"service": item} if isinstance(item, str) else item
        names.append(c["service"])
        extra.append(_graph_fact("consumer", f"{f.name}>{c['service']}", {"channel": f.name, **c},
                                 f.locate("consumers"), inferred=f.inferred))
    prods = sorted(set(d.get("producers", [])) | x.producers.get(f.name, set()))
    for p in prods:
        extra.append(_graph_fact("producer", f"{p}>{f.name}", {"channel": f.name, "service": p},
                                 f.locate("producers")))
    out: ChannelFields = {"consumers": names, "consumer_count": len(names), "producer_count": len(prods)}
    expires = _expires_messages(d)
    if expires is not None:
        out["expires_messages"] = expires
    return out


class SecurityFields(TypedDict, total=False):
    compliance_count: int


def _security_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> SecurityFields:
    return {"compliance_count": len(set(d["compliance"]))} if "compliance" in d else {}


class ObservabilityFields(TypedDict, total=False):
    slo_count: int
    metered_services: int
    traced_services: int


def _observability_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> ObservabilityFields:
    out: ObservabilityFields = {"slo_count": len(d["slos"])} if "slos" in d else {}
    # the services that state their own metrics or tracing: a system said to have none, where one states it has
    # some, has them in part, and the services are reviewed one by one
    out["metered_services"] = sum(1 for s in x.services.values() if s.get("metrics") is True)
    out["traced_services"] = sum(1 for s in x.services.values() if s.get("tracing") is True)
    return out


class WorkflowFields(TypedDict, total=False):
    service_count: int
    mutating_services: int


def _workflow_fields(f: Fact, d: dict[str, Any], x: _Context, extra: list[Fact]) -> WorkflowFields:
    """Moves the workflow's steps out of it into ``step`` facts."""
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
    return {"service_count": len({s["service"] for s in steps}),
            "mutating_services": len({s["service"] for s in steps if s.get("mutates_state")})}


_FIELDS: dict[str, Callable[[Fact, dict[str, Any], _Context, list[Fact]], Mapping[str, Any]]] = {
    "service": _service_fields, "interaction": _interaction_fields, "endpoint": _endpoint_fields,
    "datastore": _datastore_fields, "system": _system_fields, "channel": _channel_fields,
    "security": _security_fields, "observability": _observability_fields, "workflow": _workflow_fields,
}
"""Fact kind -> the function computing its fields (it may also add graph facts to ``extra``)."""
COMPUTED_BY_KIND: dict[str, type] = {
    "service": ServiceFields, "interaction": InteractionFields, "endpoint": EndpointFields,
    "datastore": DatastoreFields, "system": SystemFields, "channel": ChannelFields, "security": SecurityFields,
    "observability": ObservabilityFields, "workflow": WorkflowFields,
}
"""Fact kind -> the TypedDict naming the fields enrichment adds to it."""


_CLASSIFICATION_FIELD = {"datastore": "classification", "channel": "carries_classification"}
"""Fact kind -> its field that says how classified the data it holds or carries is."""


def _target_classified(kind: str, data: Mapping[str, Any], service_classified: bool,
                       service_known: bool) -> bool | None:
    """Whether a call's target holds or carries classified data; None when the design does not say (for a
    service: none of the datastores it reads or writes, nor of its endpoints, states a classification)."""
    if kind == "service":
        return True if service_classified else (False if service_known else None)
    field = _CLASSIFICATION_FIELD.get(kind)
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


def _graph_fact(kind: str, ident: str, data: dict[str, Any], location: Any, *, inferred: bool = False) -> Fact:
    """A fact the engine computes; ``inferred`` when the one fact it is made from was inferred (an access from
    a drawn call, a consumer of a drawn channel), so a finding on it has basis ``inferred`` as one on that would."""
    return new_fact(kind, f"{kind}:{ident}", {"name": ident, **data}, location, {}, ("engine",), inferred)


def nines(a: float) -> float:
    """Availability as a count of nines (0.999 -> 3.0)."""
    return math.inf if a >= 1 else -math.log10(1 - a)
