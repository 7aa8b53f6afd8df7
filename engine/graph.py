"""The synchronous call graph of a design and the algorithms over it: strongly connected components
(Tarjan), the figures of a request along its call chains, and bitsets of graph nodes.

Every figure here is computed once per component, callees before callers, and held as bitsets over the
sorted node names, so that enrichment stays linear in the design's size (issue 18: listing the nodes of
every path made a chain of 8,000 public services take 79 s and 1.4 GB).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Required, TypedDict, TypeVar, overload

from msgspec import Struct, field

from engine.model.design import Design

SYNC_PROTOCOLS = frozenset({"http", "grpc", "graphql", "sql", "redis"})
LATENCY_CAP_MS = 86_400_000
AMPLIFICATION_CAP = 1_000_000
NODE_KINDS = ("service", "external", "datastore", "channel")
_TIMED_KINDS = frozenset({"service", "external", "datastore"})

# An interaction fact's data, as enrichment and the plan read it (the fields of model.Interaction they use).
Call = TypedDict("Call", {
    "name": Required[str], "from": Required[str], "to": Required[str], "style": str, "protocol": str, "during": str,
    "dependency": str, "purpose": str, "mutating": bool, "timeout_ms": int, "latency_p95_ms": int,
    "calls_per_request": int, "retry": Mapping[str, Any],
}, total=False)

V = TypeVar("V")
N = TypeVar("N", str, int)


OFF_REQUEST = frozenset({"startup", "background"})
"""``interaction.during`` values of a call no request waits for (fetching configuration at start-up,
registering and refreshing a registry's cached addresses)."""


def is_sync(edge: Mapping[str, Any], target_kind: str) -> bool:
    """A call blocks a request of its caller: declared ``sync``, or unstated over a request/response protocol,
    and not made only at start-up or in the background (``during``)."""
    if edge.get("during") in OFF_REQUEST:
        return False
    style = edge.get("style")
    if style is not None:
        return bool(style == "sync")
    return target_kind != "channel" and edge.get("protocol") in SYNC_PROTOCOLS


_ZEROS = re.compile(rb"\x00*")
"""A run of bytes of a bitset with no bit set (``Members._first``)."""


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
        """The first ``n`` names, lowest bits first, found in the mask's bytes (least significant first): each bit
        taken off the whole mask made three integers of its size (``&``, ``-``, ``^``), so that a path's first ten
        unknowns cost ten times its bitset (a design of 20,000 services: 18,000 bits, on each of 2,000 paths)."""
        mask, names = self._mask, self._names
        if n <= 0 or not mask:
            return
        data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        at, end, zeros = 0, len(data), _ZEROS.match
        while True:
            at = zeros(data, at).end()  # type: ignore[union-attr]  # matches, if only the empty run
            if at == end:
                return
            byte, base = data[at], at * 8
            while byte:
                low = byte & -byte
                yield names[base + low.bit_length() - 1]
                n -= 1
                if not n:
                    return
                byte ^= low
            at += 1

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


def bits_of(names: Sequence[str], keep: Callable[[str], bool]) -> int:
    """The bitset (over the positions in ``names``) of the ``names`` that ``keep`` keeps."""
    return bitset((i for i, n in enumerate(names) if keep(n)), len(names))


def bitset(positions: Iterable[int], size: int) -> int:
    """The bitset of ``positions`` (each below ``size``), built in a byte array: uniting single bits into an integer
    copies the integer each time, quadratic in the number of nodes."""
    buf = bytearray((size + 8) // 8)
    for i in positions:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def first_claims(names: Sequence[str], trees: Iterable[tuple[V, int]]) -> dict[str, V]:
    """Each node's value from the first of ``trees`` (value, bitset) that holds it."""
    out: dict[str, V] = {}
    assigned = 0
    for value, tree in trees:
        for n in Members(names, tree & ~assigned):
            out[n] = value
        assigned |= tree
    return out


def strongly_connected(nodes: Sequence[N], succ: Mapping[N, Sequence[N]]) -> list[list[N]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit).

    Nodes are names, or positions in a sorted list of names (cheaper to hash: the plan's 20,000 work items).
    """
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[N, int]] = [(root, 0)]
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
                comp: list[N] = []
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


class CallGraph:
    """The design's components (services, externals, datastores, channels) and the calls between them."""

    def __init__(self, design: Design) -> None:
        self.design = design
        self.kind_of: dict[str, str] = {}
        self.data: dict[str, Mapping[str, Any]] = {}
        kind_of, node_data = self.kind_of, self.data
        for f in design.facts:
            if f.kind in NODE_KINDS:
                name = f.name
                if name not in kind_of:
                    kind_of[name], node_data[name] = f.kind, f.data
        self.edges: dict[str, list[Call]] = {}
        edges = self.edges
        for f in design.of_kind("interaction"):
            d = f.data
            out = edges.get(d["from"])
            if out is None:
                out = edges[d["from"]] = []
            out.append(d)  # type: ignore[arg-type]  # call(): validated by the loader against model.Interaction
        self._sync: dict[str, tuple[Call, ...]] = {}
        self._hard: dict[str, tuple[Call, ...]] = {}

    def sync_edges(self, node: str, hard_only: bool = False) -> tuple[Call, ...]:
        """The synchronous calls out of ``node`` (hard dependencies only, if asked), by target; memoised."""
        held = (self._hard if hard_only else self._sync).get(node)
        if held is None:
            every = self._sync[node] = self._sync_edges(node)
            hard = self._hard[node] = tuple(e for e in every if e.get("dependency") != "soft") if every else every
            held = hard if hard_only else every
        return held

    def _sync_edges(self, node: str) -> tuple[Call, ...]:
        edges = self.edges.get(node)
        if not edges:
            return ()
        kind_of = self.kind_of
        out = []
        for e in edges:
            tk = kind_of.get(e["to"], "service")
            if tk != "channel" and is_sync(e, tk):
                out.append(e)
        if len(out) > 1:
            out.sort(key=lambda e: (e["to"], e["name"]))
        return tuple(out)


def call(data: Mapping[str, Any]) -> Call:
    """The typed view of an interaction fact's data (the same mapping: no copy, no check)."""
    return data  # type: ignore[return-value]  # validated by the loader against model.Interaction


class Condensation(Struct, frozen=True, eq=False):
    """The hard synchronous call graph over its strongly connected components.

    ``comps`` is in Tarjan's order, the reverse of a topological one: callees before callers.
    """

    nodes: list[str]
    pos: dict[str, int]
    """Each node's position in ``nodes``: its bit in the bitsets over them (a map to the bits themselves would hold an
    integer of n bits per node, quadratic in memory)."""
    succ: dict[str, list[str]]
    comps: list[list[str]]
    comp_of: dict[str, int]
    cycles: tuple[tuple[str, ...], ...]
    in_cycle: frozenset[str]
    at: list[list[int]] = field(default_factory=list)
    """``comps`` as positions in ``nodes`` (then in the undeclared nodes called)."""
    succ_at: list[list[int]] = field(default_factory=list)
    """``succ`` by position."""
    comp_at: list[int] = field(default_factory=list)
    """Position -> its component."""


def scc_ints(succ: Sequence[Sequence[int]]) -> list[list[int]]:
    """``strongly_connected(range(len(succ)), succ)`` over node positions: the same components in the same
    order, with lists in place of the per-node dictionaries and sets."""
    n = len(succ)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work: list[tuple[int, Iterator[int]]] = [(root, iter(succ[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if index[child] < 0:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, iter(succ[child])))
                    break
                if on_stack[child] and index[child] < low[node]:
                    low[node] = index[child]
            else:
                work.pop()
                if low[node] == index[node]:
                    w = stack.pop()
                    on_stack[w] = False
                    if w == node:
                        out.append([w])
                    else:
                        comp = [w]
                        while w != node:
                            w = stack.pop()
                            on_stack[w] = False
                            comp.append(w)
                        comp.sort()
                        out.append(comp)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return out


def condense(g: CallGraph) -> Condensation:
    """The components of ``g``'s hard synchronous calls, and its cycles."""
    nodes = sorted(g.kind_of)
    hard = g.sync_edges
    succ: dict[str, list[str]] = {}
    for n in nodes:
        out = hard(n, True)  # by target: the targets come sorted, repeats together
        succ[n] = [] if not out else [out[0]["to"]] if len(out) == 1 else list(dict.fromkeys(e["to"] for e in out))
    pos = {n: i for i, n in enumerate(nodes)}
    try:
        ints = [[pos[t] for t in succ[n]] for n in nodes]
    except KeyError:  # a call to an undeclared node: it becomes a component of its own
        comps = strongly_connected(nodes, succ)
        for n in (n for comp in comps for n in comp if n not in pos):
            pos[n] = len(pos)
        ints = [[pos[t] for t in succ.get(n, ())] for n in pos]
        at = [[pos[n] for n in comp] for comp in comps]
    else:
        # positions follow the names' order, so Tarjan visits and sorts as over the names
        at = scc_ints(ints)
        comps = [[nodes[i] for i in comp] for comp in at]
    comp_of: dict[str, int] = {}
    comp_at = [0] * len(pos)
    for ci, (comp, names) in enumerate(zip(at, comps, strict=True)):
        for i, n in zip(comp, names, strict=True):
            comp_of[n] = comp_at[i] = ci
    cycles = tuple(tuple(c) for c in comps if len(c) > 1 or (c and c[0] in succ.get(c[0], [])))
    return Condensation(nodes, pos, succ, comps, comp_of, cycles,
                        frozenset(n for c in cycles for n in c), at, ints, comp_at)


class Chain(NamedTuple):
    """What a request entering a component meets along its synchronous calls (a named tuple: enrichment makes
    one per component, and a frozen dataclass costs a call per field). The nodes it reaches are not here: see
    ``reaches``."""

    depth: int
    """Components below the entered one on the longest chain."""
    amplification: int
    """Worst product of retry attempts along a chain (capped)."""
    layers: int
    """Most retrying calls along a chain."""
    latency_ms: int
    """Summed latency, calls taken as sequential (capped)."""


def chain(g: CallGraph, c: Condensation, members: Sequence[str], ci: int, done: Sequence[Chain],
          take: Callable[[Call], bool] | None = None) -> Chain:
    """The chain figures of a request entering ``members`` (of component ``ci``) and taking the calls out of
    it that ``take`` keeps (all by default); ``done`` holds the figures of the components it calls (callees
    come first)."""
    comp_of, data, kind_of, sync_edges = c.comp_of, g.data, g.kind_of, g.sync_edges
    dep, a, lay, total = 0, 1, 0, 0
    for n in members:
        kind = kind_of[n]
        out = sync_edges(n, True)
        if kind in _TIMED_KINDS:
            own = data[n].get("latency_p95_ms")
            if own is not None:
                total += int(own)
        for e in out:
            cj = comp_of[e["to"]]
            if cj == ci or (take is not None and not take(e)):
                continue
            below = done[cj]
            if below.depth >= dep:
                dep = below.depth + 1
            retry = e.get("retry")
            attempts = int(retry.get("attempts", 1)) if retry else 1
            a = max(a, attempts * below.amplification)
            lay = max(lay, below.layers + (1 if attempts > 1 else 0))
            calls = int(e.get("calls_per_request", 1))
            lat = e.get("latency_p95_ms")
            total += calls * (int(lat) if lat is not None else below.latency_ms)
    # Calls are taken as sequential, so shared dependencies count once per call; cap the sum so that
    # pathological graphs (thousands of diamonds) stay in machine integers.
    return Chain(dep, min(a, AMPLIFICATION_CAP), lay, min(total, LATENCY_CAP_MS))


def chains(g: CallGraph, c: Condensation) -> list[Chain]:
    """The chain figures of every component, by component index."""
    done: list[Chain] = []
    for ci, comp in enumerate(c.comps):
        done.append(chain(g, c, comp, ci, done))
    return done


class Reach(NamedTuple):
    """The nodes a request entering a component reaches along its synchronous calls, as bitsets."""

    nodes: int
    """The nodes it reaches."""
    unknown_latency: int
    """The nodes whose latency its chain's summed latency misses: those of unknown latency reached through calls
    that state no latency of their own."""


Take = Callable[[Call], bool] | None
"""The calls out of an entry a request takes (``None``: all)."""


def _own_unknown(g: CallGraph, members: Sequence[str]) -> list[str]:
    """The members of a component whose latency is unknown: a component that states none, unless it is a service
    calling others (then its latency is taken as its calls')."""
    kind_of, data, sync_edges = g.kind_of, g.data, g.sync_edges
    return [n for n in members if kind_of[n] in _TIMED_KINDS and data[n].get("latency_p95_ms") is None
            and (kind_of[n] != "service" or not sync_edges(n, True))]


def _out(g: CallGraph, c: Condensation, ci: int, take: Take) -> Iterator[tuple[int, bool]]:
    """The components the calls out of component ``ci`` that ``take`` keeps go to, each with whether the call
    states no latency (then the unknown latencies below count)."""
    comp_of, sync_edges = c.comp_of, g.sync_edges
    for n in c.comps[ci]:
        for e in sync_edges(n, True):
            cj = comp_of[e["to"]]
            if cj != ci and (take is None or take(e)):
                yield cj, e.get("latency_p95_ms") is None


DOWN_MAX = 64
"""Entries up to which ``reaches`` walks the graph down from them; beyond, it unites bitsets up from the callees."""


def reaches(g: CallGraph, c: Condensation, entries: Sequence[tuple[int, Take]]) -> list[Reach]:
    """The reach of each entry (its component and the calls out of it it takes), in order.

    Both ways give the same sets. Up from the callees (every component's bitset united into its callers') costs a
    bitset of all nodes per component: quadratic in the design's size, but with a word for 64 nodes, the cheapest
    when most components are entries (a chain of public services). Down from a few entries, each component holds
    the set of entries reaching it (a bitset over the entries), and each entry's nodes are gathered once: linear."""
    if len(entries) <= DOWN_MAX:
        return _reaches_down(g, c, entries)
    return _reaches_up(g, c, entries)


def _reaches_down(g: CallGraph, c: Condensation, entries: Sequence[tuple[int, Take]]) -> list[Reach]:
    ncomp, at = len(c.comps), c.at
    below = [0] * ncomp  # component -> the entries whose calls reach it (bit k: entry k)
    open_below = [0] * ncomp  # ... through calls that state no latency
    for k, (ci, take) in enumerate(entries):
        b = 1 << k
        for cj, open_ in _out(g, c, ci, take):
            below[cj] |= b
            if open_:
                open_below[cj] |= b
    # Tarjan's order reversed puts callers before callees: a component's entries are known when it is reached.
    for ci in range(ncomp - 1, -1, -1):
        here = below[ci]
        if here:
            opened = open_below[ci]
            for cj, open_ in _out(g, c, ci, None):
                below[cj] |= here
                if open_ and opened:
                    open_below[cj] |= opened
    nodes: list[list[int]] = [list(at[ci]) for ci, _take in entries]
    unknown: list[list[str]] = [_own_unknown(g, c.comps[ci]) for ci, _take in entries]
    for ci in range(ncomp):
        here, opened = below[ci], open_below[ci]
        while here:
            low = here & -here
            nodes[low.bit_length() - 1].extend(at[ci])
            here ^= low
        if opened:
            own = _own_unknown(g, c.comps[ci])
            while opened:
                low = opened & -opened
                unknown[low.bit_length() - 1].extend(own)
                opened ^= low
    size, pos = len(c.pos), c.pos
    return [Reach(bitset(ns, size), bitset((pos[n] for n in us), size))
            for ns, us in zip(nodes, unknown, strict=True)]


def _reaches_up(g: CallGraph, c: Condensation, entries: Sequence[tuple[int, Take]]) -> list[Reach]:
    pos = c.pos
    done: list[Reach] = []

    def reach(ci: int, take: Take) -> Reach:
        r, unknown = 0, 0
        for n in c.comps[ci]:
            r |= 1 << pos[n]
        for n in _own_unknown(g, c.comps[ci]):
            unknown |= 1 << pos[n]
        for cj, open_ in _out(g, c, ci, take):
            r |= done[cj].nodes
            if open_:
                unknown |= done[cj].unknown_latency
        return Reach(r, unknown)

    for ci in range(len(c.comps)):
        done.append(reach(ci, None))
    return [done[ci] if take is None else reach(ci, take) for ci, take in entries]


def longest_above(g: CallGraph, c: Condensation, entries: Iterable[int]) -> dict[int, int]:
    """Longest chain of synchronous calls from an entry component (which counts 1) down to each component
    it reaches. Tarjan's order reversed puts callers before callees."""
    above = dict.fromkeys(entries, 1)
    at, succ_at, comp_at = c.at, c.succ_at, c.comp_at
    for ci in range(len(at) - 1, -1, -1):
        here = above.get(ci)
        if here is not None:
            here += 1
            for i in at[ci]:
                for t in succ_at[i]:
                    cj = comp_at[t]
                    if cj != ci and above.get(cj, 0) < here:
                        above[cj] = here
    return above
