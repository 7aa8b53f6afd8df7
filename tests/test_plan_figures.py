"""Section 4's figures: per-route paths, redundancy-aware availability, tail latency, budgets, capacity.

The mathematics is checked against closed forms; a fixed-seed Monte Carlo run cross-checks retries.
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Any

import pytest

from engine.plan import build_plan
from engine.plan.availability import compose, cross_check, k_of_n, retried
from engine.plan.calltree import CallGraph
from engine.plan.figures import pct
from engine.plan.latency import identical_p95_of_max, p95_of_max, quantile_of_max, survival
from engine.plan.model import EntryPerformance, Plan
from engine.plan.render import render
from engine.review import review
from tests.conftest import ROOT
from tests.helpers import write_yaml

SHOP = os.path.join(ROOT, "facts", "shop")


def plan_of(tmp_path: Any, design: dict[str, Any], name: str = "d") -> Plan:
    path = os.path.join(str(tmp_path), name)
    write_yaml(path, "design.yaml", {"source": "infrastructure", **design})
    return build_plan(review([path], [], builtin=False, findings_only=False), render_svg=False)


def entry(plan: Plan, name: str) -> EntryPerformance:
    return next(p for p in plan.performance if p.entry == name)


def gateway_design(**changes: Any) -> dict[str, Any]:
    """A gateway with two routes: /fast to a leaf, /slow to a service that calls two more."""
    services = {
        "gw": {"name": "gw", "kind": "gateway", "availability": 0.999, "latency_p95_ms": 5},
        "fast": {"name": "fast", "availability": 0.999, "latency_p95_ms": 10},
        "slow": {"name": "slow", "availability": 0.99, "latency_p95_ms": 20},
        "a": {"name": "a", "availability": 0.995, "latency_p95_ms": 100},
        "b": {"name": "b", "availability": 0.995, "latency_p95_ms": 100},
    }
    for name, fields in changes.pop("services", {}).items():
        services[name] = {**services[name], **fields}
    calls = [{"from": "gw", "to": "fast", "style": "sync", "timeout_ms": 1000},
             {"from": "gw", "to": "slow", "style": "sync", "timeout_ms": 1000},
             {"from": "slow", "to": "a", "style": "sync", "timeout_ms": 300},
             {"from": "slow", "to": "b", "style": "sync", "timeout_ms": 300}]
    for i, fields in changes.pop("calls", {}).items():
        calls[i] = {**calls[i], **fields}
    return {"system": {"availability_target": 0.99, "latency_p95_ms": 500, **changes.pop("system", {})},
            "services": list(services.values()), "interactions": calls,
            "endpoints": [{"method": "GET", "path": "/fast", "served_by": "gw", "routes_to": ["fast"],
                           "exposure": "public"},
                          {"method": "GET", "path": "/slow", "served_by": "gw", "routes_to": ["slow"],
                           "exposure": "public"}], **changes}


# --- the defect: every route of one gateway got the gateway's figures -----------------------------------------


def test_two_routes_of_one_gateway_get_their_own_figures(tmp_path: Any) -> None:
    plan = plan_of(tmp_path, gateway_design())
    fast, slow = entry(plan, "GET /fast"), entry(plan, "GET /slow")
    assert fast.critical_path == ("gw", "fast")
    assert slow.critical_path == ("gw", "slow", "a")
    assert (fast.fan_out, slow.fan_out) == (1, 2)
    assert (fast.routes, slow.routes) == (("fast",), ("slow",))
    assert fast.composed_availability == pytest.approx(0.999 * 0.999)
    assert slow.composed_availability == pytest.approx(0.999 * 0.99 * 0.995 * 0.995)
    assert (fast.latency_tail_ms, slow.latency_tail_ms) == (15, 225)
    assert (fast.worst_case_ms, slow.worst_case_ms) == (1005, 1005)
    assert not any("not per route" in m for m in fast.missing + slow.missing)


def test_shop_shows_a_different_critical_path_per_route() -> None:
    plan = build_plan(review([SHOP], [], builtin=False, findings_only=False), render_svg=False)
    paths = {p.entry: p.critical_path for p in plan.performance}
    assert paths["GET /v1/search"] == ("gateway",)  # search is a soft dependency of the gateway
    assert paths["GET /v1/orders/{id}"] == ("gateway", "orders", "orders-db")
    assert paths["checkout"] == ("gateway", "checkout", "payments", "payment-provider")
    assert paths["POST /v1/cart/items"] == ("gateway", "cart", "cart-cache")
    assert len(set(paths.values())) == 5  # the two product routes share theirs


def test_shop_capacity_names_the_component_that_saturates_first() -> None:
    cap = build_plan(review([SHOP], [], builtin=False, findings_only=False), render_svg=False).capacity
    assert cap is not None and (cap.saturates_first, cap.scale) == ("payment-provider", 2.5)
    rows = {r.component: r for r in cap.rows}
    # checkout's 40 rps (stated) reach the provider once; search takes its route's share and catalog's calls.
    assert rows["payment-provider"].demand_rps == 40 and rows["payment-provider"].utilization == 0.4
    assert rows["search"].demand_rps == pytest.approx(1000, abs=1e-2)
    assert rows["gateway"].demand_rps == 1200
    assert "capacity_rps of inventory" in cap.missing and "capacity_rps of checkout" not in cap.missing


# --- availability -------------------------------------------------------------------------------------------


def test_k_of_n_matches_the_binomial_closed_form() -> None:
    assert k_of_n(0.99, 1, 2) == pytest.approx(1 - 0.01 ** 2)
    assert k_of_n(0.9, 2, 3) == pytest.approx(3 * 0.9 ** 2 * 0.1 + 0.9 ** 3)
    assert k_of_n(0.95, 3, 3) == pytest.approx(0.95 ** 3)


def test_zones_raise_composed_availability_to_the_closed_form(tmp_path: Any) -> None:
    single = entry(plan_of(tmp_path, gateway_design(), "one"), "GET /slow")
    zoned = entry(plan_of(tmp_path, gateway_design(services={"slow": {"zones": 2}}), "two"), "GET /slow")
    assert zoned.composed_availability is not None and single.composed_availability is not None
    assert zoned.composed_availability > single.composed_availability
    assert zoned.composed_availability == pytest.approx(0.999 * (1 - 0.01 ** 2) * 0.995 * 0.995)
    assert "slow: 1 of 2 zones needed" in zoned.availability_assumptions


def test_zones_needed_for_the_load_come_from_capacity(tmp_path: Any) -> None:
    # 300 rps through /slow; slow carries 400 rps over 3 zones, so 2.25 -> 3 zones... of 3: all needed.
    design = gateway_design(services={"slow": {"zones": 3, "capacity_rps": 400}},
                            system={"expected_peak_rps": 600})
    slow = entry(plan_of(tmp_path, design), "GET /slow")
    assert "slow: 3 of 3 zones needed" in slow.availability_assumptions
    assert slow.composed_availability == pytest.approx(0.999 * 0.99 ** 3 * 0.995 * 0.995)


def test_datastore_replicas_count_only_with_automatic_failover(tmp_path: Any) -> None:
    def design(failover: str) -> dict[str, Any]:
        d = gateway_design()
        d["datastores"] = [{"name": "db", "availability": 0.99, "replicas": 1, "failover": failover}]
        d["interactions"].append({"from": "fast", "to": "db", "protocol": "sql", "timeout_ms": 100})
        return d

    auto = entry(plan_of(tmp_path, design("automatic"), "auto"), "GET /fast")
    manual = entry(plan_of(tmp_path, design("manual"), "manual"), "GET /fast")
    assert auto.composed_availability == pytest.approx(0.999 * 0.999 * (1 - 0.01 ** 2))
    assert manual.composed_availability == pytest.approx(0.999 * 0.999 * 0.99)


def test_a_stated_failover_time_costs_its_outage_in_the_closed_form(tmp_path: Any) -> None:
    def design(**db: Any) -> dict[str, Any]:
        d = gateway_design(services={"fast": {"zones": 2, **db.pop("svc", {})}})
        d["datastores"] = [{"name": "db", "availability": 0.99, "replicas": 1, "failover": "automatic", **db}]
        d["interactions"].append({"from": "fast", "to": "db", "protocol": "sql", "timeout_ms": 100})
        return d

    instant = entry(plan_of(tmp_path, design(), "instant"), "GET /fast")
    timed = entry(plan_of(tmp_path, design(failover_seconds=60, mtbf_hours=100,
                                           svc={"failover_seconds": 30, "mtbf_hours": 50}), "timed"), "GET /fast")
    half = entry(plan_of(tmp_path, design(failover_seconds=60), "half"), "GET /fast")
    both = 0.999 * (1 - 0.001 ** 2) * (1 - 0.01 ** 2)
    assert instant.composed_availability == pytest.approx(both)
    # Each failover loses F / MTBF of the time: a primary failing every 100 h for 60 s, a zone every 50 h for
    # 30 s (its half of the requests, but each of two zones fails that often).
    db_share, zone_share = 100 * 3600 / (100 * 3600 + 60), 50 * 3600 / (50 * 3600 + 30)
    assert timed.composed_availability == pytest.approx(both * db_share * zone_share, rel=1e-9)
    assert timed.composed_availability is not None and instant.composed_availability is not None
    assert timed.composed_availability < instant.composed_availability
    assert f"db: failover in 60 s once per 100 h (MTBF): × {db_share:.9g}" in timed.availability_assumptions
    # Unknown stays an assumption, said in the entry's assumptions; so does a time without a rate.
    assert "failover time not stated (failover_seconds), taken as instant: db, fast" in \
        instant.availability_assumptions
    assert not any(a.startswith("failover time not stated") for a in timed.availability_assumptions)
    assert half.composed_availability == pytest.approx(both)
    assert "db: failover in 60 s, but no mtbf_hours to say how often: taken as instant" in \
        half.availability_assumptions


def test_a_soft_dependency_is_left_out_of_the_product(tmp_path: Any) -> None:
    soft = entry(plan_of(tmp_path, gateway_design(calls={3: {"dependency": "soft", "fallback": "static"}})),
                 "GET /slow")
    assert soft.composed_availability == pytest.approx(0.999 * 0.99 * 0.995)
    assert "b: soft dependency, left out" in soft.availability_assumptions


def test_retries_raise_a_calls_success_odds_by_the_closed_form(tmp_path: Any) -> None:
    retrying = entry(plan_of(tmp_path, gateway_design(calls={2: {"retry": {"attempts": 3}}})), "GET /slow")
    u = 1 - 0.995
    assert retried(0.995, 3) == pytest.approx(1 - (0.5 * u + (0.5 * u) ** 3))
    assert retried(0.995, 1) == pytest.approx(0.995)
    assert retrying.composed_availability == pytest.approx(0.999 * 0.99 * retried(0.995, 3) * 0.995)


def test_retries_add_their_attempts_to_the_worst_case_wait(tmp_path: Any) -> None:
    slow = entry(plan_of(tmp_path, gateway_design(calls={2: {"retry": {"attempts": 3}}})), "GET /slow")
    assert slow.worst_case_ms == 5 + 1000  # the gateway gives up on slow after 1000 ms...
    assert "gw → slow: slow may take 1,220 ms, gw waits 1,000 ms" in slow.budget  # 20 + 3 x 300 + 300


def test_a_call_without_timeout_leaves_the_wait_unbounded(tmp_path: Any) -> None:
    guarded = entry(plan_of(tmp_path, gateway_design(calls={3: {"timeout_ms": None}}), "guarded"), "GET /slow")
    assert guarded.worst_case_ms == 1005  # the gateway still gives up after 1000 ms, but slow may hang
    assert "slow → b: timeout unknown" in guarded.budget
    assert "gw → slow: slow may take without bound, gw waits 1,000 ms" in guarded.budget
    open_ = entry(plan_of(tmp_path, gateway_design(calls={1: {"timeout_ms": 0}, 3: {"timeout_ms": None}}), "open"),
                  "GET /slow")
    assert open_.worst_case_ms is None
    assert open_.budget == "unbounded: gw → slow: no timeout (0); slow → b: timeout unknown"


def test_nested_retries_agree_with_a_fixed_seed_monte_carlo(tmp_path: Any) -> None:
    design = gateway_design(calls={1: {"retry": {"attempts": 2}}, 2: {"retry": {"attempts": 3}}},
                            services={"slow": {"availability": 0.9}, "a": {"availability": 0.8}})
    plan_of(tmp_path, design)  # the design is valid
    from engine.loader import load_design

    facts = load_design([os.path.join(str(tmp_path), "d")]).facts
    comp = {f.name: f for f in facts if f.kind in ("service", "datastore", "external", "channel")}
    graph = CallGraph(comp, [f for f in facts if f.kind == "interaction"])
    eff = {n: float(f.data["availability"]) for n, f in comp.items()}
    exact = compose(graph, "gw", frozenset({"slow"}), eff, transient=1.0).value
    sub_a = 1 - (1 - 0.8) ** 3
    assert exact == pytest.approx(0.999 * (1 - (1 - 0.9 * sub_a * 0.995) ** 2))
    estimate = cross_check(graph, "gw", {**eff, "fast": 1.0}, trials=20000, seed=7)
    # The whole gateway tree, fast included at 1.0: within four standard errors of the exact figure.
    assert abs(estimate - exact) < 4 * math.sqrt(exact * (1 - exact) / 20000)


def test_sensitivity_names_the_change_that_raises_availability_most(tmp_path: Any) -> None:
    retry = entry(plan_of(tmp_path, gateway_design(), "retry"), "GET /slow")
    assert retry.sensitivity.startswith("retry the call gw → slow once (2 attempts): ")  # covers slow's tree
    # A mutation without idempotency is not safe to retry: then slow (0.99), the weakest, gets a second zone.
    slow = entry(plan_of(tmp_path, gateway_design(calls={1: {"mutating": True}}), "zone"), "GET /slow")
    after = 0.999 * (1 - 0.01 ** 2) * 0.995 * 0.995
    before = slow.composed_availability
    assert before is not None
    assert slow.sensitivity == f"add a second zone for slow: {pct(before, after)} → {pct(after, before)}"
    assert pct(0.98, 0.99) == "98%" and pct(0.9999991, 0.9999992) == "99.99991%"


# --- latency ------------------------------------------------------------------------------------------------


def test_p95_of_parallel_calls_matches_the_closed_form() -> None:
    assert p95_of_max([100.0] * 5) == pytest.approx(identical_p95_of_max(100.0, 5), rel=1e-6)
    assert identical_p95_of_max(100.0, 5) == pytest.approx(153.0, abs=0.5)
    assert p95_of_max([100.0]) == 100.0
    assert max(100.0, 50.0) < p95_of_max([100.0, 50.0]) < 150.0


def test_parallel_calls_take_the_p95_of_their_maximum_not_the_sum(tmp_path: Any) -> None:
    par = entry(plan_of(tmp_path, gateway_design(calls={2: {"parallel": True}, 3: {"parallel": True}})), "GET /slow")
    assert par.latency_tail_ms == math.ceil(5 + 20 + identical_p95_of_max(100.0, 2) - 1e-9)
    assert par.latency_ms == 225  # the summed figure stays the sequential upper bound


def test_a_stated_p99_shapes_the_tail_of_parallel_calls_in_the_closed_form() -> None:
    # Without a p99 the exponential assumption: its p99 is p95 x ln 100 / ln 20, and stating exactly that
    # p99 changes nothing.
    expo99 = 100 * math.log(100) / math.log(20)
    assert survival(150.0, 100.0) == pytest.approx(20 ** -1.5)
    assert survival(150.0, 100.0, expo99) == pytest.approx(20 ** -1.5)
    assert p95_of_max([100.0] * 5, [expo99] * 5) == pytest.approx(identical_p95_of_max(100.0, 5), rel=1e-6)
    # A heavier tail (p99 = 4 x p95): n identical calls reach 0.95 where 0.05 x 5^(-x / 300) = 1 - 0.95^(1/n).
    n, heavy = 5, p95_of_max([100.0] * 5, [400.0] * 5)
    assert heavy == pytest.approx(100 + 300 * math.log(0.05 / (1 - 0.95 ** (1 / n))) / math.log(5), rel=1e-6)
    assert heavy > identical_p95_of_max(100.0, 5)
    # The p99 of the slowest of n: the same with 0.99.
    assert quantile_of_max([(100.0, 400.0)] * n, 0.99) == pytest.approx(
        100 + 300 * math.log(0.05 / (1 - 0.99 ** (1 / n))) / math.log(5), rel=1e-6)
    assert quantile_of_max([(100.0, 400.0)], 0.99) == 400.0


def test_an_entry_gets_a_p99_where_every_part_states_one(tmp_path: Any) -> None:
    p99s = {"gw": 9, "slow": 50, "a": 400, "b": 300}
    design = gateway_design(services={n: {"latency_p99_ms": v} for n, v in p99s.items()},
                            calls={2: {"parallel": True}, 3: {"parallel": True}})
    slow = entry(plan_of(tmp_path, design, "all"), "GET /slow")
    fan99 = quantile_of_max([(100.0, 400.0), (100.0, 300.0)], 0.99)
    assert slow.latency_p99_ms == math.ceil(9 + 50 + fan99 - 1e-9)
    assert slow.latency_tail_ms == math.ceil(5 + 20 + p95_of_max([100.0, 100.0], [400.0, 300.0]) - 1e-9)
    assert slow.latency_tail_ms > math.ceil(5 + 20 + identical_p95_of_max(100.0, 2) - 1e-9)  # the heavier tail
    partial = entry(plan_of(tmp_path, gateway_design(services={"a": {"latency_p99_ms": 400}}), "some"), "GET /slow")
    assert partial.latency_p99_ms is None and partial.latency_tail_ms == 225
    page = render(plan_of(tmp_path, design, "md"), "markdown")
    assert f"; p99 {slow.latency_p99_ms:,} ms" in page


# --- capacity -----------------------------------------------------------------------------------------------


def test_capacity_names_the_first_component_to_saturate(tmp_path: Any) -> None:
    design = gateway_design(services={"slow": {"capacity_rps": 100, "replicas": 2,
                                               "autoscaling": {"enabled": True, "max_replicas": 4}},
                                      "a": {"capacity_rps": 150}, "fast": {"capacity_rps": 1000}})
    design["endpoints"][0]["rps"] = 300
    design["endpoints"][1]["rps"] = 60
    design["interactions"][2]["calls_per_request"] = 2
    cap = plan_of(tmp_path, design).capacity
    assert cap is not None
    rows = {r.component: r for r in cap.rows}
    assert rows["a"].demand_rps == 120 and rows["a"].scale == 1.25
    assert rows["slow"].capacity_rps == 200 and rows["slow"].utilization == 0.3
    assert rows["fast"].demand_rps == 300 and rows["gw"].demand_rps == 360
    assert (cap.saturates_first, cap.scale) == ("a", 1.25)
    assert cap.summary.startswith("scales to 1.25× projected load; a saturates first")
    assert cap.missing == ("capacity_rps of b", "capacity_rps of gw")


def test_connection_pools_limit_capacity_by_littles_law(tmp_path: Any) -> None:
    design = gateway_design(services={"slow": {"capacity_rps": 1000, "replicas": 3},
                                      "a": {"capacity_rps": 1000}, "b": {"capacity_rps": 1000},
                                      "fast": {"capacity_rps": 1000}, "gw": {"capacity_rps": 5000}})
    design["endpoints"][1]["rps"] = 100
    design["endpoints"][0]["rps"] = 10
    # slow -> a: 4 connections per instance, 3 instances, held 100 ms (a's p95): 4 x 3 / 0.1 s = 120 rps.
    design["interactions"][2].update(pool_size=4, calls_per_request=1)
    # gw -> slow: 2 connections, gw's replicas not stated (1 assumed), the call's own p95 of 40 ms: 50 rps.
    design["interactions"][1].update(pool_size=2, latency_p95_ms=40)
    design["datastores"] = [{"name": "db", "max_connections": 20, "latency_p95_ms": 50, "capacity_rps": 900}]
    design["interactions"].append({"from": "b", "to": "db", "protocol": "sql", "timeout_ms": 100,
                                   "calls_per_request": 3})
    cap = plan_of(tmp_path, design).capacity
    assert cap is not None
    rows = {r.component: r for r in cap.rows}
    a_pool, gw_pool, conns = rows["pool slow → a"], rows["pool gw → slow"], rows["db connections"]
    assert (a_pool.kind, a_pool.demand_rps, a_pool.capacity_rps, a_pool.scale) == ("pool", 100, 120, 1.2)
    assert a_pool.capacity_basis == "pool_size 4 × 3 instances / 100 ms"
    assert (gw_pool.capacity_rps, gw_pool.scale) == (50, 0.5)
    assert gw_pool.capacity_basis == "pool_size 2 × 1 instance (replicas not stated) / 40 ms"
    # db: 300 rps (100 x 3 calls) against 20 connections held 50 ms = 400 rps, below its capacity_rps of 900.
    assert (conns.kind, conns.demand_rps, conns.capacity_rps) == ("connections", 300, 400)
    assert rows["db"].scale == 3.0 and conns.scale == pytest.approx(400 / 300, abs=1e-3)
    # The first component to saturate is a pool: the gateway's to slow, already over at the projected load.
    assert (cap.saturates_first, cap.scale) == ("pool gw → slow", 0.5)
    assert cap.summary.startswith("is over capacity at 0.5× projected load; pool gw → slow saturates first")


def test_a_pool_without_a_hold_time_is_listed_as_missing(tmp_path: Any) -> None:
    design = gateway_design(services={"a": {"latency_p95_ms": None}})
    design["endpoints"][1]["rps"] = 100
    design["interactions"][2]["pool_size"] = 4
    design["datastores"] = [{"name": "db", "max_connections": 20}]
    design["interactions"].append({"from": "b", "to": "db", "protocol": "sql", "timeout_ms": 100})
    cap = plan_of(tmp_path, design).capacity
    assert cap is not None
    assert "latency_p95_ms of the call slow → a (or of a), for its pool" in cap.missing
    assert "latency_p95_ms of db, for its max_connections" in cap.missing
    assert {r.component: r.capacity_rps for r in cap.rows}["pool slow → a"] is None


def test_sensitivity_past_its_budget_is_an_estimate_and_says_so(tmp_path: Any) -> None:
    from engine.loader import load_design
    from engine.plan.availability import sensitivity

    design = gateway_design(calls={2: {"retry": {"attempts": 3}}, 1: {"mutating": True}})
    plan_of(tmp_path, design)
    facts = load_design([os.path.join(str(tmp_path), "d")]).facts
    comp = {f.name: f for f in facts if f.kind in ("service", "datastore", "external", "channel")}
    graph = CallGraph(comp, [f for f in facts if f.kind == "interaction"])
    eff: dict[str, float | None] = {n: float(f.data["availability"]) for n, f in comp.items()}
    routes = frozenset({"slow"})
    base = compose(graph, "gw", routes, eff)
    exact = sensitivity(graph, "gw", routes, eff, eff, {}, base, budget=[10_000])
    rough = sensitivity(graph, "gw", routes, eff, eff, {}, base, budget=[0])
    assert exact is not None and rough is not None and exact.change == "add a second zone for slow"
    assert rough.change == exact.change + " (estimated)"
    assert rough.after == pytest.approx(base.value * (1 - 0.01 ** 2) / 0.99)  # type: ignore[operator]


def test_the_wait_below_an_entry_is_gathered_once_for_the_entry_not_at_every_node() -> None:
    """A chain of services, each waiting 100 ms for the next, which takes longer: the entry's budget lists every
    overrun below it, sorted, and no component below gathers its own (that made the plan quadratic)."""
    from engine.errors import Location
    from engine.model.design import Fact
    from engine.plan.latency import Wait, worst_wait

    names = [f"s{i:03d}" for i in range(300)]
    at = Location("design.yaml", 1, 1)
    comp = {n: Fact("service", f"service:{n}", {"name": n, "latency_p95_ms": 50}, at) for n in names}
    calls = [Fact("interaction", f"interaction:{a}->{b}",
                  {"name": f"{a}->{b}", "from": a, "to": b, "style": "sync", "timeout_ms": 100}, at)
             for a, b in itertools.pairwise(names)]
    calls.append(Fact("interaction", "interaction:s299->db", {"name": "s299->db", "from": "s299", "to": "db",
                                                                "style": "sync"}, at))
    memo: dict[str, Wait] = {}
    w = worst_wait(CallGraph(comp, calls), memo, "s000", None)
    assert w.ms == 150 and w.unbounded_by == ("s299 → db: timeout unknown",)  # s000 waits 100 ms at most
    # every call overruns: each service below takes 50 + 100 ms, the last one without bound (its call has no timeout)
    assert w.overruns == tuple(sorted(
        [f"{a} → {b}: {b} may take 150 ms, {a} waits 100 ms" for a, b in itertools.pairwise(names[:-1])]
        + ["s298 → s299: s299 may take without bound, s298 waits 100 ms"]))
    assert all(memo[n]._overruns is None for n in names[1:])  # gathered for the entry only
    assert worst_wait(CallGraph(comp, calls), {}, "s298", None).overruns == (
        "s298 → s299: s299 may take without bound, s298 waits 100 ms",)
