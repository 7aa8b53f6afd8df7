"""Section 4's figures computed once per shared call tree or per node (issue 17: no step over quadratic), each the
same as the direct computation: the availability with failover (``availability_redundant``) as walking the
entry's own components, the critical path as building every node's chain."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import msgspec
import yaml

from benchmarks.gen_design import generate, write
from engine.plan import build_plan
from engine.plan.builder import _Design
from engine.plan.calltree import CallGraph, fold_entry, routes_of
from engine.review import review


def _walked(comp: dict[str, dict[str, Any]], nodes: list[str]) -> float | None:
    """The figure as the plan defines it, walking the path's components one by one (the reference)."""
    total, used = 1.0, False
    for n in nodes:
        f = comp.get(n)
        if f is None:
            continue
        a = f.get("sla") if f["_kind"] == "external" else f.get("availability")
        if a is None:
            return None
        a = float(a)
        replicas = int(f.get("replicas") or 0)
        if f["_kind"] == "datastore" and f.get("failover") == "automatic" and replicas > 0:
            a = 1 - (1 - a) ** (replicas + 1)
            used = True
        total *= a
    return round(total, 9) if used else None


def _full_design(tmp_path: Any) -> tuple[str, dict[str, dict[str, Any]]]:
    files = generate(150, availability=True)
    # Besides the gateway's entry points (one shared tree), public entry points of other services, and one of the
    # gateway's over a single route: trees of their own.
    eps = files["api.yaml"]["endpoints"]
    first_call = next(e["to"] for e in files["api.yaml"]["interactions"] if e["from"] == "svc-00000")
    eps.append({"method": "GET", "path": "/v1/routed", "served_by": "svc-00000", "exposure": "public",
                "authn": "jwt", "routes_to": [first_call]})
    for svc in ("svc-00040", "svc-00090", "svc-00120"):
        eps += [{"method": m, "path": f"/v1/{svc}/{m}", "served_by": svc, "exposure": "public", "authn": "jwt"}
                for m in ("GET", "POST")]
    d = os.path.join(str(tmp_path), "full")
    os.makedirs(d)
    for name, data in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, sort_keys=False)
    return d, files


def test_each_entry_points_failover_figure_is_its_own_paths_walked(tmp_path: Any) -> None:
    d, files = _full_design(tmp_path)
    comp: dict[str, dict[str, Any]] = {}
    for kind, plural, agent in (("service", "services", "infrastructure.yaml"),
                                ("datastore", "datastores", "database.yaml"),
                                ("external", "externals", "security.yaml")):
        for x in files[agent][plural]:
            comp[x["name"]] = {**x, "_kind": kind}
    rv = review([d], findings_only=False)
    plan = build_plan(rv, render_svg=False)
    by_entry = {p.entry: p for p in rv.enriched.paths}
    assert len(plan.performance) == len(by_entry) >= 10
    trees = {id(p.nodes) for p in rv.enriched.paths}
    assert 1 < len(trees) < len(by_entry), len(trees)  # entry points share call trees, not all one
    figures = [e.availability_redundant for e in plan.performance]
    assert len(set(figures) - {None}) >= 2
    for e in plan.performance:
        assert e.availability_complete
        assert e.availability_redundant == _walked(comp, list(by_entry[e.entry].nodes)), e.entry


def test_without_stated_datastore_availability_no_failover_figure(tmp_path: Any) -> None:
    d = os.path.join(str(tmp_path), "partial")
    write(d, 60)
    plan = build_plan(review([d], findings_only=False), render_svg=False)
    assert plan.performance
    assert all(e.availability_redundant is None for e in plan.performance)


def test_the_availability_option_leaves_the_default_design_as_it_was() -> None:
    plain, full = generate(80), generate(80, availability=True)
    assert plain.keys() == full.keys()
    for name in plain:
        if name != "database.yaml":
            assert plain[name] == full[name]
    stripped = [{k: v for k, v in ds.items() if k not in ("availability", "replicas", "failover")}
                for ds in full["database.yaml"]["datastores"]]
    assert stripped == plain["database.yaml"]["datastores"]


def _chains(graph: CallGraph) -> Any:
    """The critical path as first written: every node's memo holds its whole chain (the reference)."""
    memo: dict[str, tuple[int, tuple[str, ...]]] = {}

    def combine(node: str, children: Any) -> tuple[int, tuple[str, ...]]:
        own = int(graph.data(node).get("latency_p95_ms") or 0)
        top: tuple[int, tuple[str, ...]] = (0, ())
        for e, sub in children:
            cost = int(e.get("calls_per_request", 1)) * (int(e["latency_p95_ms"]) if e.get("latency_p95_ms")
                                                          is not None else sub[0])
            if cost > top[0] or not top[1]:
                top = (cost, sub[1])
        return own + top[0], (node, *top[1])

    return lambda entry, routes: fold_entry(graph, memo, entry, routes, combine)[1]


def test_each_entry_points_critical_path_is_the_chain_built_node_by_node(tmp_path: Any) -> None:
    d, _files = _full_design(tmp_path)
    rv = review([d], findings_only=False)
    plan = build_plan(rv, render_svg=False)
    design = _Design(rv)
    reference = _chains(CallGraph(design.comp, design.interactions))
    paths = {e.critical_path for e in plan.performance}
    assert len(paths) >= 3 and min(len(p) for p in paths) >= 2
    for e in plan.performance:
        assert e.critical_path == reference(e.entry_service, routes_of(design.endpoints.get(e.entry))), e.entry


def _roadmap_and_schedule(rv: Any, direct: bool, monkeypatch: Any) -> tuple[Any, Any]:
    """The roadmap and its schedule with a hub per prerequisite pattern met in other scopes, or (``direct``) with
    an edge to each of the pattern's instances, ordered as before the hubs (the reference)."""
    from engine.plan import builder
    from engine.plan.schedule import schedule

    ordered_direct = builder._ordered_direct
    with monkeypatch.context() as m:
        if direct:
            init = builder._DepGraph.__init__

            def expanded(self: Any, ids: list[str], dep: list[list[int]], hubs: list[tuple[str, ...]],
                         instances: dict[str, list[int]]) -> None:
                edges = [sorted(set(d).union(*(instances[p] for p in h))) for d, h in zip(dep, hubs, strict=True)]
                init(self, ids, edges, [()] * len(ids), {})

            m.setattr(builder._DepGraph, "__init__", expanded)
            m.setattr(builder._DepGraph, "ordered", lambda self, planned, later: ordered_direct(
                self.ids, self.after, planned, later))
        road = builder._roadmap(rv, builder._Design(rv), builder._Items(rv), False)
    return road, schedule(road.items, draw=False)


def test_the_roadmap_through_pattern_hubs_is_that_of_the_direct_edges(monkeypatch: Any) -> None:
    """A mitigation whose prerequisite pattern is only in other scopes comes after every instance of it: through
    one hub per pattern (edges linear in the items), the same order, phases, notes, schedule, listed prerequisites
    and cycles as with the direct edges (quadratic on a fully specified design)."""
    import dataclasses

    from tests.plan_helpers import SHOP

    shop = review([SHOP], findings_only=False)  # the built-in rules: several patterns, some with prerequisites
    many = Counter(m.pattern for m in shop.mitigations)
    patterns = sorted(many, key=lambda p: (-many[p], p))  # first the patterns of most instances
    assert len(patterns) >= 3
    rank = {p: k for k, p in enumerate(patterns)}
    # By fours: the second pattern after the first (a later phase: dependencies across phases), the third after
    # the second (an earlier phase: moved), mostly in other scopes (hubs); then a cycle through two patterns' hubs.
    chained = [dataclasses.replace(m, after=(patterns[rank[m.pattern] - 1],) if rank[m.pattern] % 4 in (1, 2) else (),
                                   phase=(1, 3, 2, 4)[rank[m.pattern] % 4]) for m in shop.mitigations]
    looped = [dataclasses.replace(m, after=(patterns[1],)) if m.pattern == patterns[0] else m for m in chained]
    every = [dataclasses.replace(m, after=tuple(patterns[:rank[m.pattern]]), phase=1 + rank[m.pattern] % 4)
             for m in shop.mitigations]  # each pattern after all before it: several hubs per item, ties of phase
    from engine.plan import builder

    fallbacks: list[int] = []
    ordered_direct = builder._ordered_direct
    monkeypatch.setattr(builder, "_ordered_direct", lambda *a: fallbacks.append(1) or ordered_direct(*a))
    for mitigations, cyclic in ((shop.mitigations, False), (chained, False), (every, False), (looped, True)):
        design = msgspec.structs.replace(shop, mitigations=mitigations)
        fallbacks.clear()
        road, plan = _roadmap_and_schedule(design, False, monkeypatch)
        assert len(fallbacks) == cyclic  # with a cycle, the direct edges are ordered (and reported) as before
        ref, ref_plan = _roadmap_and_schedule(design, True, monkeypatch)
        assert bool(road.cycles) is cyclic
        assert road.cycles == ref.cycles
        assert [w.id for w in road.items] == [w.id for w in ref.items]
        assert road.items == ref.items  # phases, notes, each item's prerequisites listed
        assert (road.mermaid, road.dot, road.unresolved) == (ref.mermaid, ref.dot, ref.unresolved)
        assert plan == ref_plan
        with monkeypatch.context() as m:  # the charts of a large roadmap: dependencies counted across phases
            m.setattr(builder, "ROADMAP_CHART_LIMIT", 10)
            large = _roadmap_and_schedule(design, False, monkeypatch)[0]
            assert large.mermaid == builder._roadmap_mermaid(road.items)
            assert large.dot == builder._roadmap_dot(road.items)
            assert large.mermaid != road.mermaid
        assert max(len(w.after) for w in road.items) > 3
    moved = [w for w in _roadmap_and_schedule(msgspec.structs.replace(shop, mitigations=chained), False,
                                              monkeypatch)[0].items if w.note.startswith("moved")]
    assert moved  # the hubs carry phases too
