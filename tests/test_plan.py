"""The integration plan: sections derived from the design and the fired rules, ordering, determinism, CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError
from engine.plan import build_plan
from engine.plan.model import Plan
from engine.plan.render import render
from engine.review import review
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write_yaml
from tests.plan_helpers import LEDGER, RULES, SHOP, rv


@pytest.fixture(scope="module")
def shop() -> Plan:
    return build_plan(rv([SHOP]), render_svg=False)


@pytest.fixture(scope="module")
def ledger() -> Plan:
    return build_plan(rv([LEDGER]), render_svg=False)


def _order(plan: Plan) -> dict[str, int]:
    return {w.id: w.order for w in plan.roadmap.items}


def test_each_section_differs_between_the_two_designs(shop: Plan, ledger: Plan) -> None:
    a, b = shop.to_json()["plan"], ledger.to_json()["plan"]
    for section in ("architecture", "roadmap", "risks", "performance", "tests", "deployment", "monitoring"):
        assert a[section] != b[section], section
    # ... and the differences are the designs' own, not formatting.
    assert {n.name for n in shop.architecture.nodes} >= {"gateway", "payment-provider", "orders-db"}
    assert {n.name for n in ledger.architecture.nodes} >= {"web-bff", "kyc-provider", "ledger-db"}
    assert {p.entry for p in shop.performance} == {
        "GET /v1/products", "GET /v1/products/{id}", "GET /v1/search", "POST /v1/cart/items", "checkout",
        "GET /v1/orders/{id}"}
    assert {p.entry for p in ledger.performance} == {"post-transfer", "GET /v2/accounts/{id}/balance"}
    assert shop.roadmap.cycles == ()
    assert ledger.roadmap.cycles == (("service:accounts", "service:ledger"),)
    assert {s.component for s in ledger.deployment.steps} == {
        "channel:ledger-events", "datastore:ledger-db", "service:accounts", "service:ledger", "service:web-bff",
        "service:fraud"}
    assert any(t.title == "Fallback test: web-bff degrades to 'static' without ledger" for t in ledger.tests)
    assert not any(t.title.startswith("Fallback test: web-bff") for t in shop.tests)
    assert {x.title for x in ledger.monitoring.alerts} != {x.title for x in shop.monitoring.alerts}
    assert any(r.subjects[0] == "interaction:fraud->kyc-provider" for r in ledger.risks.risks)
    assert any(r.subjects[0] == "interaction:notifications->email-provider" for r in shop.risks.risks)


def test_a_service_is_built_after_the_datastores_and_services_it_depends_on(shop: Plan) -> None:
    order = _order(shop)
    for dep in ("service:cart", "service:inventory", "service:orders", "service:payments", "datastore:cart-cache",
                "channel:email-requests"):
        assert order[dep] < order["service:checkout"], dep
    assert order["datastore:orders-db"] < order["service:orders"] < order["service:checkout"]
    assert order["channel:order-events"] < order["service:shipping"]
    # An external integration follows the service whose client calls it.
    assert order["service:payments"] < order["external:payment-provider"]


def test_a_mitigation_comes_after_the_component_it_changes(shop: Plan) -> None:
    order = _order(shop)
    mit = next(w for w in shop.roadmap.items if w.id == "mitigation:circuit-breaker@notifications")
    assert "service:notifications" in mit.after
    assert order["service:notifications"] < order[mit.id]
    assert mit.source.startswith("finding:")


def test_a_dependency_cycle_is_reported_and_each_item_planned_once(ledger: Plan) -> None:
    ids = [w.id for w in ledger.roadmap.items]
    assert len(ids) == len(set(ids))
    cyc = {w.id: w for w in ledger.roadmap.items if w.id in ("service:accounts", "service:ledger")}
    assert all("dependency cycle" in w.note for w in cyc.values())
    md = render(ledger, "markdown")
    assert "Dependency cycles (ordered as one block; break them): accounts ↔ ledger" in md


def test_components_of_positions_are_those_of_the_names_in_the_same_order() -> None:
    # The roadmap runs Tarjan on positions in the sorted ids: components and their order must not change.
    from engine.graph import strongly_connected

    succ = {"a": ["c"], "b": ["a", "b"], "c": ["b"], "d": ["a", "e"], "e": []}
    names = sorted(succ)
    by_position = strongly_connected(range(len(names)), {k: [names.index(x) for x in succ[n]]
                                                         for k, n in enumerate(names)})
    assert [[names[k] for k in c] for c in by_position] == strongly_connected(names, succ) == [["a", "b", "c"],
                                                                                               ["e"], ["d"]]


def test_component_phases_come_from_rules(shop: Plan) -> None:
    by_id = {w.id: w for w in shop.roadmap.items}
    assert (by_id["service:gateway"].phase, by_id["service:gateway"].source) == (1, "rule:plan-build-edge-gateway")
    assert (by_id["datastore:orders-db"].phase, by_id["datastore:orders-db"].source) == (1, "rule:plan-build-datastore")
    assert by_id["service:orders"].source == "rule:plan-build-request-service"
    assert by_id["service:shipping"].phase == 3
    assert by_id["external:payment-provider"].phase == 3


def _design(tmp: str, name: str, body: dict[str, Any]) -> str:
    d = os.path.join(tmp, name)
    write_yaml(d, "design.yaml", {"source": "infrastructure", **body})
    return d


def test_an_item_moves_to_a_later_phase_when_its_prerequisite_is_later(tmp_path: Any) -> None:
    d = _design(str(tmp_path), "late", {
        "services": [{"name": "api", "kind": "api"}, {"name": "crunch", "kind": "worker"}],
        "interactions": [{"from": "api", "to": "crunch", "style": "sync"}]})
    plan = build_plan(rv([d]), render_svg=False)
    api = next(w for w in plan.roadmap.items if w.id == "service:api")
    assert (api.planned_phase, api.phase) == (2, 3)
    assert "needs service:crunch (phase 3) first" in api.note


def test_without_the_plan_rules_items_fall_back_to_documented_defaults(tmp_path: Any) -> None:
    rules_dir = os.path.join(str(tmp_path), "rules")
    write_yaml(rules_dir, "resilience/only-risk.yaml",
               rule_yaml("only-risk", [{"as": "s", "kind": "service", "where": {"name": "nobody"}}]))
    plan = build_plan(review([LEDGER], [rules_dir], builtin=False, findings_only=False), render_svg=False)
    assert {w.source for w in plan.roadmap.items} == {"default"}
    assert {w.phase for w in plan.roadmap.items if w.id.startswith("datastore:")} == {1}
    assert plan.monitoring.alerts == ()
    # Load tests follow from the entry points themselves; without a latency target they have no pass bar.
    assert {t.type for t in plan.tests} == {"load"}
    assert all(t.pass_bar.startswith("none") for t in plan.tests)


def test_a_team_adds_a_plan_item_by_writing_a_rule(tmp_path: Any) -> None:
    rules_dir = os.path.join(str(tmp_path), "rules")
    body = rule_yaml("stream-dashboard", [{"as": "ch", "kind": "channel", "where": {"type": "stream"}}],
                     category="operability")
    for k in ("risk", "mitigation"):
        body.pop(k)
    body["derive"] = [{"kind": "plan_item", "fields": {
        "section": "monitor", "type": "alert", "subject": "{ch.key}", "title": "stream-stall: {ch.name}",
        "detail": "Alert when {ch.name} on {ch.broker} receives nothing for 10 minutes."}}]
    body["sources"] = ["archplan"]
    body["examples"] = [{"name": "stream", "expect": "fire", "subjects": ["channel:s"],
                         "design": {"channels": [{"name": "s", "kind": "stream"}]}},
                        {"name": "queue", "expect": "pass", "design": {"channels": [{"name": "q", "kind": "queue"}]}}]
    write_yaml(rules_dir, "operability/stream-dashboard.yaml", body)
    plan = build_plan(rv([LEDGER], [rules_dir]), render_svg=False)
    item = next(a for a in plan.monitoring.alerts if a.title == "stream-stall: ledger-events")
    assert item.source == "rule:stream-dashboard"
    assert item.detail == "Alert when ledger-events on kafka receives nothing for 10 minutes."
    runner = CliRunner()
    res = runner.invoke(main, ["rules", "test", rules_dir, "--no-builtin"])
    assert res.exit_code == 0, res.output
    assert "2 passed, 0 failed" in res.output


@pytest.mark.parametrize(("fields", "message"), [
    ({"section": "monitr", "type": "alert", "subject": "{ch.key}", "title": "x"},
     "'monitr' is not a plan section (did you mean 'monitor'?)"),
    ({"section": "test", "type": "alert", "subject": "{ch.key}", "title": "x"},
     "'alert' is not an item type of section 'test'"),
    ({"section": "build", "type": "component", "subject": "{ch.key}", "title": "x"},
     "a 'build' plan_item assigns a phase"),
    ({"section": "test", "type": "load", "subject": "{ch.name}", "title": "x"},
     "a plan_item's subject must be the key of a matched fact"),
    ({"section": "test", "type": "load", "subject": "{ch.key}"}, "a plan_item needs the field 'title'"),
])
def test_a_malformed_plan_item_is_rejected_when_the_rules_load(tmp_path: Any, fields: dict[str, Any],
                                                             message: str) -> None:
    rules_dir = os.path.join(str(tmp_path), "rules")
    body = rule_yaml("bad-plan", [{"as": "ch", "kind": "channel"}], category="operability")
    for k in ("risk", "mitigation"):
        body.pop(k)
    body["derive"] = [{"kind": "plan_item", "fields": fields}]
    write_yaml(rules_dir, "operability/bad-plan.yaml", body)
    with pytest.raises(ArchplanError) as exc:
        review([LEDGER], [rules_dir], builtin=False)
    text = str(exc.value)
    assert message in text
    assert "bad-plan.yaml:" in text and "derive[0].fields" in text


def test_performance_uses_the_computed_paths_and_names_the_missing_figures(shop: Plan, ledger: Plan) -> None:
    co = next(p for p in shop.performance if p.entry == "checkout")
    assert (co.latency_target_ms, co.latency_complete) == (1200, True)
    assert co.latency_verdict == ("within target" if co.latency_ms <= 1200 else "over target")
    assert co.critical_path[0] == "gateway"
    assert co.bottleneck == "payment-provider" and co.bottleneck_rps == 100
    assert co.demand_rps == 40 and co.headroom == pytest.approx(100 / 40, abs=1e-3)  # the endpoint's rps
    assert co.retry_amplification >= 9  # gateway x3 -> checkout x3 -> payments x3 ...
    bal = next(p for p in ledger.performance if p.entry == "GET /v2/accounts/{id}/balance")
    assert bal.latency_verdict == "no target" and bal.availability_verdict == "unknown (figures missing)"
    assert "availability (or sla) of accounts" in bal.missing
    assert any(m.startswith("expected load") for m in bal.missing)
    assert "latency_p95_ms of ledger-db" in bal.missing


def test_deployment_strategy_comes_from_the_design_then_the_rules(ledger: Plan) -> None:
    steps = {s.component: s for s in ledger.deployment.steps}
    assert (steps["service:ledger"].strategy, steps["service:ledger"].strategy_source) == (
        "blue_green", "design:deployment:ledger")
    assert (steps["service:web-bff"].strategy, steps["service:web-bff"].strategy_source) == (
        "canary", "rule:plan-deploy-canary-for-critical")
    assert steps["service:fraud"].strategy_source == "rule:plan-deploy-rolling-for-noncritical"
    order = [s.component for s in ledger.deployment.steps]
    assert order.index("datastore:ledger-db") < order.index("service:ledger") < order.index("service:web-bff")
    assert ledger.deployment.rollback_order == tuple(reversed(order))
    assert [m.subject for m in ledger.deployment.migrations] == ["datastore:ledger-db"]
    assert "expand-first" in steps["datastore:ledger-db"].actions[1]
    assert ledger.deployment.migrations[0].detail.startswith("1. Expand:")


def test_monitoring_covers_every_sync_edge_and_each_entry_point(shop: Plan, ledger: Plan) -> None:
    edges = {t.edge for t in ledger.monitoring.traces}
    assert edges == {"web-bff->ledger", "ledger->accounts", "accounts->ledger", "ledger->ledger-db",
                     "fraud->kyc-provider"}
    assert "ledger->ledger-events" not in edges  # asynchronous: not a trace hop
    acc = next(t for t in ledger.monitoring.traces if t.edge == "accounts->ledger")
    assert acc.caller_traces == "NO"
    assert {s.entry for s in ledger.monitoring.slos} == {p.entry for p in ledger.performance}
    assert all(s.error_budget_minutes_30d == pytest.approx(21.6) for s in ledger.monitoring.slos)
    titles = {a.title for a in ledger.monitoring.alerts}
    assert {"dlq-depth: ledger-events", "consumer-lag: fraud on ledger-events",
            "circuit-breaker-open: web-bff -> ledger"} <= titles
    assert "replication-lag: orders-db" in {a.title for a in shop.monitoring.alerts}
    assert not any(t.startswith("replication-lag") for t in titles)  # ledger-db has no replicas
    fraud = next(s for s in ledger.monitoring.signals if s.service == "fraud")
    assert "queue depth" in fraud.saturation and fraud.exported.startswith("NO")


def test_risk_matrix_places_every_risk_once(shop: Plan) -> None:
    placed = [i for row in shop.risks.matrix.values() for ids in row.values() for i in ids]
    assert sorted(placed) == sorted(r.id for r in shop.risks.risks if r.likelihood)
    ranks = [{"critical": 4, "high": 3, "medium": 2, "low": 1}[r.severity] for r in shop.risks.risks]
    assert ranks == sorted(ranks, reverse=True)


def test_output_is_byte_identical_whatever_the_input_order(tmp_path: Any) -> None:
    a = os.path.join(str(tmp_path), "a")
    shutil.copytree(SHOP, a)
    files = sorted(os.path.join(a, f) for f in os.listdir(a))
    p1 = build_plan(rv(files), render_svg=True)
    p2 = build_plan(rv(list(reversed(files))), render_svg=True)
    for fmt in ("markdown", "html", "json", "text"):
        assert render(p1, fmt) == render(p2, fmt), fmt


@pytest.mark.parametrize("design", [SHOP, LEDGER])
def test_the_json_plan_is_canonical_json(design: str) -> None:
    """Sorted keys, no spaces, characters as they are, one newline: what ``json.dumps`` writes with those
    options, whichever encoder wrote it."""
    plan = build_plan(rv([design]), render_svg=False)
    text = render(plan, "json")
    assert text == json.dumps(plan.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert json.loads(text) == json.loads(json.dumps(plan.to_json()))


def test_the_json_plan_with_a_value_orjson_refuses_is_the_same_canonical_json(shop: Plan) -> None:
    # The items are handed to orjson as dataclasses; an integer beyond 64 bits sends the plan to json instead.
    import dataclasses

    plan = dataclasses.replace(shop, counts={**shop.counts, "services": 2**70})
    text = render(plan, "json")
    assert text == json.dumps(plan.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert json.loads(text)["plan"]["counts"]["services"] == 2**70


def test_a_large_design_is_drawn_one_node_per_team(tmp_path: Any) -> None:
    from benchmarks.gen_design import write

    d = os.path.join(str(tmp_path), "big")
    os.makedirs(d)
    write(d, 300)
    plan = build_plan(rv([d]), render_svg=False)
    arch = plan.architecture
    teams = {f"group:team-{i}" for i in range(300 // 8)}
    assert arch.collapsed
    assert teams <= {n.id for n in arch.nodes}
    assert len(arch.nodes) <= len(teams) + 1 + 1 + 300 // 50  # teams, unowned, clients, externals
    assert sum(n.members for n in arch.nodes if n.kind == "group") >= 300
    assert arch.notes and "one node per owning team" in arch.notes[0]


def _cli(*args: str) -> Any:
    pinned = [x for r in RULES for x in ("--rules", r)]
    return CliRunner().invoke(main, [*args, "--no-builtin", *pinned])


def test_plan_cli_writes_each_format_atomically(tmp_path: Any) -> None:
    out = os.path.join(str(tmp_path), "plan.json")
    res = _cli("plan", LEDGER, "--format", "json", "-o", out)
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["version"] == 1 and data["plan"]["system"] == "ledger"
    assert not [f for f in os.listdir(str(tmp_path)) if f.startswith(".archplan-")]
    res = _cli("plan", LEDGER)
    assert res.exit_code == 0 and "```mermaid\nflowchart LR" in res.output
    diagrams = os.path.join(str(tmp_path), "diagrams")
    os.makedirs(diagrams)
    res = _cli("plan", LEDGER, "--format", "text", "--diagrams", diagrams)
    assert res.exit_code == 0, res.output
    assert {"architecture.mmd", "architecture.dot", "roadmap.mmd"} <= set(os.listdir(diagrams))


def test_plan_cli_neutralises_the_plan_once_and_keeps_it_only_in_a_one_shot_process(tmp_path: Any,
                                                                                     monkeypatch: Any) -> None:
    from engine import neutral
    from engine.cli import options
    from engine.review import Review

    d = os.path.join(str(tmp_path), "design")
    shutil.copytree(LEDGER, d)
    infra = os.path.join(d, "infrastructure.yaml")
    with open(infra, encoding="utf-8") as fh:
        text = fh.read()
    with open(infra, "w", encoding="utf-8") as fh:
        fh.write(text.replace("description: Double-entry", "description: see:##[error] Double-entry", 1))
    calls: list[str] = []
    whole = neutral.for_format
    monkeypatch.setattr(neutral, "for_format", lambda text, fmt: calls.append(fmt) or whole(text, fmt))
    out = os.path.join(str(tmp_path), "plan.json")
    res = _cli("plan", d, "--format", "json", "-o", out)
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8") as fh:
        text = fh.read()
    assert calls == ["json"] and "##[" not in text
    assert json.loads(text)["plan"]["description"].startswith("see:##[error] ")
    assert options.kept_to_exit is None  # a library caller's (the test runner's) process frees what the command made
    monkeypatch.setattr(options, "kept_to_exit", [])
    calls.clear()
    diagrams = os.path.join(str(tmp_path), "diagrams")
    res = _cli("plan", d, "--diagrams", diagrams, "-o", os.path.join(str(tmp_path), "plan.md"))
    assert res.exit_code == 0, res.output
    assert calls == ["markdown"]
    kept = options.kept_to_exit
    assert len(kept) == 2 and type(kept[0]) is Review and isinstance(kept[1], Plan)  # a Plan (late tests: new_plan)


@pytest.mark.parametrize("init", [True, False], ids=["dataclass-init", "init=False"])
def test_a_quick_init_dataclass_is_frozen_and_equal_to_its_fields(init: bool) -> None:
    import dataclasses

    from engine.model.frozen import quick_init

    @quick_init
    @dataclasses.dataclass(frozen=True, init=init)
    class Item:
        name: str
        size: int = 1
        tags: tuple[str, ...] = ()

    item = Item("a", tags=("x",))
    assert vars(item) == {"name": "a", "size": 1, "tags": ("x",)} and list(vars(item)) == ["name", "size", "tags"]
    assert item == Item("a", 1, ("x",)) and hash(item) == hash(Item("a", 1, ("x",))) and item != Item("b")
    assert dataclasses.replace(item, size=3).size == 3 and repr(item).endswith("Item(name='a', size=1, tags=('x',))")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.size = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Item()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="not a plain field"):
        quick_init(dataclasses.make_dataclass("Listed", [("xs", list, dataclasses.field(default_factory=list))],
                                           frozen=True))


def test_plan_cli_reports_bad_input_on_one_line_with_exit_2(tmp_path: Any) -> None:
    d = os.path.join(str(tmp_path), "bad")
    write_yaml(d, "api.yaml", {"source": "api", "services": [{"name": "a", "kind": "apii"}]})
    res = _cli("plan", d)
    assert res.exit_code == 2
    assert "api.yaml:" in res.output and "Traceback" not in res.output
    with open(os.path.join(d, "api.yaml"), encoding="utf-8") as fh:
        assert yaml.safe_load(fh)["services"][0]["kind"] == "apii"  # input untouched


def test_plan_reads_imported_artifacts_with_from(tmp_path: Any) -> None:
    openapi = os.path.join(ROOT, "tests", "fixtures", "importers", "openapi", "shop.yaml")
    compose = os.path.join(ROOT, "tests", "fixtures", "importers", "compose", "shop-compose.yaml")
    out = os.path.join(str(tmp_path), "plan.json")
    res = _cli("plan", "--from", f"openapi={openapi}", "--from", f"compose={compose}", "--format", "json", "-o", out)
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8") as fh:
        plan = json.load(fh)["plan"]
    assert "GET /v2/customers" in {p["entry"] for p in plan["performance"]}
    assert plan["counts"]["services"] >= 2
    assert _cli("plan").exit_code == 2  # nothing to plan


def test_a_collapsed_diagram_colours_only_critical_risks() -> None:
    from engine.plan.diagram import SEVERITY_COLOUR, to_dot, to_mermaid
    from engine.plan.model import Edge, Node

    nodes = [Node("a", "a", "group", None, "t1", False, "high", 3), Node("b", "b", "group", None, "t2", False,
                                                                         "critical", 1)]
    edges = [Edge("a", "b", True, "2 sync", "high", 2)]
    clusters = [("t1", ("a",)), ("t2", ("b",))]
    full, collapsed = to_dot(nodes, edges, clusters), to_dot(nodes, edges, clusters, floor="critical")
    assert SEVERITY_COLOUR["high"] in full and SEVERITY_COLOUR["high"] not in collapsed
    assert SEVERITY_COLOUR["critical"] in collapsed
    assert "class n0 group" in to_mermaid(nodes, edges, clusters, floor="critical")
    assert "class n0 risk_high" in to_mermaid(nodes, edges, clusters)


def test_the_roadmap_is_the_same_whatever_the_string_hash_seed(tmp_path: Any) -> None:
    """A component moved to a later phase names the prerequisite that moved it: the first by name, not the first
    in a set's hash order (which differed from one run to the next on a generated design of 80 services)."""
    import subprocess
    import sys

    from benchmarks.gen_design import write

    design = str(tmp_path / "design")
    write(design, 80)
    outs = []
    for seed in ("0", "1", "2"):
        out = tmp_path / f"plan-{seed}.json"
        done = subprocess.run([sys.executable, "-m", "archplan", "plan", design, "--format", "json", "-o", str(out),
                               "--no-config"], cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                              capture_output=True, text=True, check=False, timeout=300)
        assert done.returncode == 0, done.stderr
        outs.append(out.read_bytes())
    assert b"moved to phase" in outs[0] and outs[0] == outs[1] == outs[2]


def test_the_overview_counts_one_of_a_kind_in_the_singular(tmp_path: Any) -> None:
    """"1 external service", "1 channel" ...: the counts read as English whatever the design's size."""
    write_yaml(str(tmp_path), "design/infrastructure.yaml", {
        "source": "infrastructure",
        "services": [{"name": "api", "exposure": "public"}],
        "datastores": [{"name": "db", "kind": "relational", "owner": "api"}],
        "channels": [{"name": "jobs", "kind": "queue", "producers": ["api"]}],
        "externals": [{"name": "psp"}],
        "interactions": [{"from": "api", "to": "psp", "style": "sync"}, {"from": "api", "to": "db"}],
    })
    text = render(build_plan(review([str(tmp_path / "design")], findings_only=False)), "markdown")
    overview = text.split("\n## ", 1)[0]
    assert "1 service, 1 datastore, 1 channel and 1 external service;" in overview, overview
    assert "external services" not in overview and " 1 risks" not in overview
    assert re.findall(r"\(1 item\)", text), "a phase of one item"  # the design is small enough to have one
    assert not re.findall(r"\b1 (?:items|mitigations|services|risks|channels)\b", text)



@pytest.mark.parametrize("text", ["", " ", "one", "two words", "two  spaces", " lead", "trail ", "tab\tin",
                                  "line\nbreak", "no\xa0break", "ideographic\u3000space", "unit\x1fsep", "next\x85line",
                                  "line\u2028sep", "zero\u200bwidth", "é accented"])
def test_squeezed_is_split_and_join_of_every_whitespace(text: str) -> None:
    """The work items' texts as ``" ".join(text.split())`` would make them, whatever whitespace they hold."""
    from engine.plan.builder import _squeezed

    assert _squeezed(text) == " ".join(text.split())


@pytest.mark.parametrize("limit", [5, 10**6], ids=["heaviest-kept", "all-drawn"])
def test_a_collapsed_diagram_counts_each_call_into_its_pair_of_teams(limit: int, tmp_path: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Collapsed, a team-to-team edge carries the calls (and publications) between the teams' components and the
    worst risk of those; past the limit the heaviest are drawn, and a note says how many were not."""
    from benchmarks.gen_design import write
    from engine.enrich import is_sync
    from engine.plan import diagram
    from engine.plan.builder import _Design

    write(str(tmp_path), 80)
    d = _Design(review([str(tmp_path)], findings_only=False))
    links = [f for f in d.links if f.kind in ("consumer", "producer")]
    risky = next(f.key for f in d.interactions if f.data["from"] != f.data["to"])
    monkeypatch.setattr(diagram, "COLLAPSED_EDGE_LIMIT", limit)
    arch = diagram.build_architecture(d.comp, d.interactions, list(d.endpoints.values()), links, {},
                                      {risky: "critical"}, False)
    many = sum(1 for f in d.comp.values() if f.kind == "external") > diagram.EXTERNALS_COLLAPSE_AT
    team = {n: ("group:externals" if many else n) if f.kind == "external" else f"group:{diagram._owner(f, d.comp)}"
            for n, f in d.comp.items()}
    want: dict[tuple[str, str, bool], tuple[str | None, int]] = {}
    pairs: set[tuple[str, str, bool]] = set()
    for f in d.interactions:
        sync = is_sync(f.data, "channel" if d.kind_of(f.data["to"]) == "channel" else "service")
        pairs.add((f.data["from"], f.data["to"], sync))
        key = (team[f.data["from"]], team[f.data["to"]], sync)
        risk = "critical" if f.key == risky else None
        if key[0] != key[1]:
            had = want.get(key, (None, 0))
            want[key] = (had[0] or risk, had[1] + 1)
    for f in links:
        ch, svc = f.data["channel"], f.data["service"]
        src, dst = (ch, svc) if f.kind == "consumer" else (svc, ch)
        if f.kind == "producer" and ((svc, ch, False) in pairs or (svc, ch, True) in pairs):
            continue
        pairs.add((src, dst, False))
        key = (team[src], team[dst], False)
        if key[0] != key[1]:
            had = want.get(key, (None, 0))
            want[key] = (had[0], had[1] + 1)
    assert arch.collapsed and len(want) > 5
    drawn = {(e.src, e.dst, e.sync): (e.risk, e.count) for e in arch.edges if e.src != diagram.CLIENTS}
    ranked = sorted(want.items(), key=lambda kv: (kv[1][0] is None, -kv[1][1], kv[0]))
    assert drawn == dict(ranked[:limit])
    assert all(e.label == f"{e.count} {'sync' if e.sync else 'async'}" for e in arch.edges if e.src != diagram.CLIENTS)
    assert any(n.startswith(f"{len(want) - 5} lighter") for n in arch.notes) == (limit == 5)
