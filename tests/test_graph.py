"""engine.graph's list-based algorithms give what the plain ones over names give, on random graphs with cycles."""

from __future__ import annotations

import random
from typing import Any

import pytest

import engine.graph
from engine.graph import (
    Call,
    CallGraph,
    Chain,
    Reach,
    chain,
    chains,
    condense,
    longest_above,
    reaches,
    scc_ints,
    strongly_connected,
)
from engine.loader import load_documents
from engine.source import Document


def _random_succ(rng: random.Random, n: int) -> list[list[int]]:
    """Sorted, duplicate-free successors, self-loops and cycles included."""
    return [sorted(set(rng.sample(range(n), rng.randint(0, min(n, 4))))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_scc_ints_matches_tarjan_over_mappings(seed: int) -> None:
    rng = random.Random(seed)
    succ = _random_succ(rng, rng.randint(1, 60))
    assert scc_ints(succ) == strongly_connected(range(len(succ)), dict(enumerate(succ)))


def _design(rng: random.Random, n: int) -> Any:
    services = [{"name": f"s{i:02d}", **({"latency_p95_ms": rng.randint(0, 50)} if rng.random() < 0.7 else {})}
                for i in range(n)]
    calls = []
    for i in range(n):
        for j in rng.sample(range(n), rng.randint(0, 3)):
            c: dict[str, Any] = {"from": f"s{i:02d}", "to": f"s{j:02d}", "style": rng.choice(["sync", "sync", "async"]),
                                 "calls_per_request": rng.randint(1, 3)}
            if rng.random() < 0.3:
                c["dependency"] = "soft"
            if rng.random() < 0.4:
                c["retry"] = {"attempts": rng.randint(1, 4)}
            if rng.random() < 0.3:
                c["latency_p95_ms"] = rng.randint(1, 20)
            calls.append(c)
    return load_documents([Document("mem.yaml", {"source": "api", "services": services, "interactions": calls})])


def _reference_chains(g: CallGraph, comps: list[list[str]], comp_of: dict[str, int]
                      ) -> tuple[list[Chain], list[Reach]]:
    """Every component's chain figures and reach, each united from its callees' (the direct computation)."""
    done: list[Chain] = []
    reach: list[Reach] = []
    for ci, members in enumerate(comps):
        ch, r = _reference_entry(g, members, ci, comp_of, done, reach, None)
        done.append(ch)
        reach.append(r)
    return done, reach


def _reference_entry(g: CallGraph, members: list[str], ci: int, comp_of: dict[str, int], done: list[Chain],
                 reach: list[Reach], take: Any) -> tuple[Chain, Reach]:
    bit = {n: 1 << i for i, n in enumerate(sorted(g.kind_of))}
    r, dep, a, lay, total, unknown = 0, 0, 1, 0, 0, 0
    for n in members:
        r |= bit[n]
        own = g.data[n].get("latency_p95_ms")
        out = g.sync_edges(n, hard_only=True)
        if own is None and (g.kind_of[n] != "service" or not out):
            unknown |= bit[n]
        total += int(own or 0)
        for e in out:
            cj = comp_of[e["to"]]
            if cj == ci or (take is not None and not take(e)):
                continue
            below = done[cj]
            r |= reach[cj].nodes
            dep = max(dep, 1 + below.depth)
            attempts = int((e.get("retry") or {}).get("attempts", 1))
            a = max(a, attempts * below.amplification)
            lay = max(lay, (1 if attempts > 1 else 0) + below.layers)
            calls = int(e.get("calls_per_request", 1))
            if e.get("latency_p95_ms") is not None:
                total += calls * int(e["latency_p95_ms"])
            else:
                total += calls * below.latency_ms
                unknown |= reach[cj].unknown_latency
    return Chain(dep, a, lay, total), Reach(r, unknown)


@pytest.mark.parametrize("seed", range(25))
def test_condense_chains_and_longest_above_match_the_plain_algorithms(seed: int) -> None:
    rng = random.Random(seed)
    g = CallGraph(_design(rng, rng.randint(1, 25)))
    c = condense(g)
    nodes = sorted(g.kind_of)
    succ = {n: sorted({e["to"] for e in g.sync_edges(n, hard_only=True)}) for n in nodes}
    comps = strongly_connected(nodes, succ)
    comp_of = {n: i for i, comp in enumerate(comps) for n in comp}
    assert (c.comps, c.comp_of, c.succ) == (comps, comp_of, succ)
    done, _reach = _reference_chains(g, comps, comp_of)
    assert chains(g, c) == done
    entries = rng.sample(range(len(comps)), rng.randint(0, len(comps)))
    above = dict.fromkeys(entries, 1)
    for ci in range(len(comps) - 1, -1, -1):
        if ci in above:
            for n in comps[ci]:
                for e in g.sync_edges(n, hard_only=True):
                    if comp_of[e["to"]] != ci:
                        above[comp_of[e["to"]]] = max(above.get(comp_of[e["to"]], 0), above[ci] + 1)
    assert longest_above(g, c, entries) == above


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("down_max", [0, 64])
def test_the_reach_of_entries_found_down_or_up_is_the_reach_united_from_the_callees(
        seed: int, down_max: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reaches`` gives, both ways (down from a few entries, up from the callees for many), the nodes and unknown
    latencies each component's own callees' give, for whole components and for routes (some calls only)."""
    monkeypatch.setattr(engine.graph, "DOWN_MAX", down_max)
    rng = random.Random(seed)
    g = CallGraph(_design(rng, rng.randint(3, 25)))
    c = condense(g)
    done, reach = _reference_chains(g, c.comps, c.comp_of)
    entries: list[tuple[int, Any]] = []
    expected = []
    for _ in range(rng.randint(0, 8)):
        ci = rng.randrange(len(c.comps))
        take = None
        if rng.random() < 0.4:
            taken = frozenset(rng.sample(sorted(g.kind_of), rng.randint(0, len(g.kind_of))))

            def take(e: Call, taken: frozenset[str] = taken) -> bool:
                return e["to"] in taken
        entries.append((ci, take))
        ch, r = _reference_entry(g, c.comps[ci], ci, c.comp_of, done, reach, take)
        expected.append(r)
        assert chain(g, c, c.comps[ci], ci, done, take) == ch
    assert reaches(g, c, entries) == expected


def test_a_call_to_an_undeclared_node_makes_it_a_component_of_its_own() -> None:
    g = CallGraph(load_documents([Document("mem.yaml", {"source": "api", "services": [{"name": "a"}, {"name": "b"}],
                                                        "interactions": [{"from": "b", "to": "a", "style": "sync"}]})]))
    g.edges["a"] = [{"name": "a->zz", "from": "a", "to": "zz", "style": "sync"}]  # the loader refuses these
    c = condense(g)
    assert c.comps == strongly_connected(["a", "b"], {"a": ["zz"], "b": ["a"]}) == [["zz"], ["a"], ["b"]]
    assert longest_above(g, c, [c.comp_of["b"]]) == {2: 1, 1: 2, 0: 3}
