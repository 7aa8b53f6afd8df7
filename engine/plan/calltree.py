"""The synchronous call graph the plan's figures walk, entry point by entry point.

An endpoint that names ``routes_to`` enters its service through those calls only (a gateway route to
``search`` does not take the gateway's call to ``checkout``); below the entry every call of the callee
counts, as the enrichment does. Each walk is iterative and memoised per node, so all entry points of a
design cost one pass over the graph plus the entry's own calls. A call back into a node being walked (a
cycle) is not followed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from engine.enrich import is_sync
from engine.model.design import Fact

T = TypeVar("T")
Edge = Mapping[str, Any]


class CallGraph:
    """Synchronous calls out of each component (never to a channel), sorted by target then name."""

    def __init__(self, comp: Mapping[str, Fact], interactions: Iterable[Fact]) -> None:
        self.comp = comp
        self.sync: dict[str, list[Edge]] = {}
        for f in interactions:
            to = str(f.data["to"])
            tk = comp[to].kind if to in comp else "service"
            if tk != "channel" and is_sync(f.data, tk):
                self.sync.setdefault(str(f.data["from"]), []).append(f.data)
        for outs in self.sync.values():
            outs.sort(key=lambda e: (str(e["to"]), str(e.get("name") or "")))
        self._hard = {n: [e for e in outs if e.get("dependency") != "soft"] for n, outs in self.sync.items()}
        # Each call's target as a name, beside the calls: the walks ask for them once per call and walk.
        self._targets = ({n: [str(e["to"]) for e in outs] for n, outs in self._hard.items()},
                         {n: [str(e["to"]) for e in outs] for n, outs in self.sync.items()})

    def data(self, name: str) -> Mapping[str, Any]:
        f = self.comp.get(name)
        return f.data if f is not None else {}

    def kind(self, name: str) -> str:
        f = self.comp.get(name)
        return f.kind if f is not None else "service"

    def outs(self, hard_only: bool = True) -> Mapping[str, list[Edge]]:
        """Component -> its calls (``calls`` of every node with no route; do not change the lists)."""
        return self._hard if hard_only else self.sync

    def targets(self, hard_only: bool = True) -> Mapping[str, list[str]]:
        """Component -> the names its calls (``outs``) go to, in the same order (do not change the lists)."""
        return self._targets[0] if hard_only else self._targets[1]

    def calls(self, node: str, hard_only: bool = True, routes: frozenset[str] | None = None) -> list[Edge]:
        """The calls out of ``node``: hard ones only unless asked, and only to ``routes`` when given (a shared
        list when no route is given: do not change it)."""
        outs = self._hard.get(node, []) if hard_only else self.sync.get(node, [])
        return outs if routes is None else [e for e in outs if e["to"] in routes]


def routes_of(endpoint: Fact | None) -> frozenset[str] | None:
    """The targets an endpoint's route takes (``routes_to``), or None when it does not say."""
    if endpoint is None:
        return None
    routes = endpoint.data.get("routes_to")
    return frozenset(str(r) for r in routes) if routes else None


def fold(graph: CallGraph, memo: dict[str, T], node: str, combine: Callable[[str, Sequence[tuple[Edge, T]]], T],
         hard_only: bool = True) -> T:
    """``combine(node, [(call, value of its target)])`` for ``node`` and everything below it, memoised.

    Post-order without recursion (no depth limit on deep designs); a call whose target is still being
    walked (a cycle) is left out of its caller's list.
    """
    if node in memo:
        return memo[node]
    outs_of, to_of = graph.outs(hard_only), graph.targets(hard_only)  # one lookup per node, not a call per visit
    visiting: set[str] = set()
    stack: list[tuple[str, bool]] = [(node, False)]
    while stack:
        n, back = stack.pop()
        if n in memo:
            continue
        if not back:  # first visit: walk the callees, then come back
            visiting.add(n)
            stack.append((n, True))
            stack.extend([(t, False) for t in to_of.get(n, ()) if t not in memo and t not in visiting])
            continue
        calls = zip(outs_of.get(n, ()), to_of.get(n, ()), strict=True)
        memo[n] = combine(n, [(e, memo[t]) for e, t in calls if t in memo])
        visiting.discard(n)
    return memo[node]


def fold_entry(graph: CallGraph, memo: dict[str, T], entry: str, routes: frozenset[str] | None,
               combine: Callable[[str, Sequence[tuple[Edge, T]]], T], hard_only: bool = True) -> T:
    """``fold`` for an entry point: the entry's own calls are those of its route, when it names one."""
    if routes is None:
        return fold(graph, memo, entry, combine, hard_only)
    children = []
    for e in graph.calls(entry, hard_only, routes):
        to = str(e["to"])
        if to != entry:
            children.append((e, fold(graph, memo, to, combine, hard_only)))
    return combine(entry, children)


def reach(graph: CallGraph, entry: str, routes: frozenset[str] | None, hard_only: bool = True) -> list[str]:
    """The components a request to the entry reaches (the entry first, then depth-first by name)."""
    seen = {entry}
    out = [entry]
    to_of = graph.targets(hard_only)
    stack = [str(e["to"]) for e in reversed(graph.calls(entry, hard_only, routes))]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        out.append(n)
        stack.extend([t for t in reversed(to_of.get(n, ())) if t not in seen])
    return out
