"""The roadmap's schedule: effort, team capacity, phase gates, critical path, limiting team, Gantt chart."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from typing import Any

from engine.plan import build_plan
from engine.plan.model import WorkItem
from engine.plan.schedule import CHART_LIMIT, EFFORT_DAYS, TEAM_SIZE, _name, schedule
from engine.review import review
from tests.conftest import ROOT
from tests.plan_helpers import LEDGER, need, render_mermaid

SHOP = os.path.join(ROOT, "facts", "shop")
MERMAID_CHECK = os.path.join(ROOT, "tests", "fixtures", "plan", "mermaid-check")


def item(i: str, phase: int, team: str, after: tuple[str, ...] = (), kind: str = "component") -> WorkItem:
    return WorkItem(id=i, kind=kind, title=f"Build {i}", detail="", subject=i, phase=phase, planned_phase=phase,
                    after=after, source="default", order=0, team=team)


def test_a_team_works_on_as_many_items_at_once_as_it_has_people() -> None:
    items = [item("a", 1, "t"), item("b", 1, "t"), item("c", 1, "t")]
    two = schedule(items, {"t": 2})
    assert [(s.start, s.end) for s in two.items] == [(0, 5), (0, 5), (5, 10)]
    one = schedule(items, {"t": 1})
    assert one.total_days == 3 * EFFORT_DAYS["component"]
    assert [x.utilization for x in one.loads] == [1.0]


def test_an_item_starts_after_its_prerequisites_and_its_phase_gate() -> None:
    items = [item("db", 1, "data"), item("api", 1, "web", ("db",)), item("m", 2, "ops", kind="mitigation"),
             item("late", 2, "web")]
    sc = schedule(items)
    at = {s.id: s for s in sc.items}
    assert (at["api"].start, at["api"].end) == (5, 10)  # waits for db, though web is free
    assert at["m"].start == at["late"].start == 10  # phase 2 opens when phase 1 is done
    assert [(p.phase, p.start, p.end, p.days) for p in sc.phases] == [(1, 0, 10, 10), (2, 10, 15, 5)]
    assert sc.critical_path == ("db", "api", "late")
    assert sc.limiting_team == "web" and sc.total_days == 15


def test_shop_schedule_names_phases_team_load_and_the_limiting_team() -> None:
    plan = build_plan(review([SHOP], [], findings_only=False), render_svg=False)
    sc = plan.schedule
    assert sc is not None and len(sc.items) == len(plan.roadmap.items)
    assert [p.phase for p in sc.phases] == sorted(p.phase for p in sc.phases)
    assert all(b.start >= a.end for a, b in zip(sc.phases, sc.phases[1:], strict=False))
    assert sc.limiting_team and sc.critical_path and sc.total_days == sc.phases[-1].end
    assert f"{TEAM_SIZE} people per team" in sc.assumptions[1]
    assert sc.mermaid.startswith("gantt\n") and sc.svg is None  # drawn only when asked (HTML)
    drawn = build_plan(review([SHOP], [], findings_only=False), render_svg=True).schedule
    assert drawn is not None and drawn.svg is not None and drawn.svg.startswith("<svg")
    assert 'font-size="12"' in drawn.svg  # readable at page width


def test_gantt_parses_with_the_mermaid_parser(tmp_path: Any) -> None:
    node = shutil.which("node")
    need("node", node is not None, "apt-get install nodejs")
    need("the Mermaid checker's node modules", os.path.isdir(os.path.join(MERMAID_CHECK, "node_modules", "mermaid")),
         "npm ci --prefix tests/fixtures/plan/mermaid-check")
    assert node is not None
    plan = build_plan(review([SHOP], [], findings_only=False), render_svg=False)
    assert plan.schedule is not None
    path = os.path.join(str(tmp_path), "gantt.mmd")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(plan.schedule.mermaid)
    proc = subprocess.run([node, os.path.join(MERMAID_CHECK, "check.mjs"), path], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.stdout.strip() == f"ok {path} gantt", proc.stdout + proc.stderr


def _gantt_bars(svg: str) -> dict[int, tuple[float, float, int, str]]:
    """Each task bar Mermaid drew: its index -> (x, width, section, label)."""
    texts = {int(k): html.unescape(t) for k, t in re.findall(r'<text [^>]*id="t(\d+)-text"[^>]*>([^<]*)</text>', svg)}
    bars = {}
    for attrs, k in re.findall(r'<rect ([^>]*)id="t(\d+)"', svg):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        section = re.search(r"\btask(\d+)\b", a["class"])
        assert section, a
        label = " ".join(texts.get(int(k), "").split())
        bars[int(k)] = (float(a["x"]), float(a["width"]), int(section.group(1)), label)
    return bars


def test_gantt_renders_with_mermaid_and_in_html_one_bar_per_item_at_its_days(tmp_path: Any,
                                                                             monkeypatch: Any) -> None:
    from benchmarks.gen_design import write

    big = os.path.join(str(tmp_path), "big")
    write(big, 200)
    monkeypatch.setenv("ARCHPLAN_DOT", "")  # the HTML's Gantt is archplan's own drawing: no Graphviz needed
    schedules = [build_plan(review([path], [], findings_only=False), render_svg=True).schedule
                 for path in (SHOP, LEDGER, big)]
    rendered = render_mermaid([sc.mermaid for sc in schedules if sc is not None], str(tmp_path))
    for sc, out in zip(schedules, rendered, strict=True):
        assert sc is not None and "svg" in out, out
        svg = out["svg"]
        assert 'aria-roledescription="gantt"' in svg and 'aria-roledescription="error"' not in svg
        # One bar per scheduled item (per team and phase past CHART_LIMIT), with its label, in its phase.
        items = sc.items
        if len(items) <= CHART_LIMIT:
            want = [(s.phase, f"{s.title} ({s.team})", s.start, s.end) for s in items]
        else:
            spans: dict[tuple[int, str], list[float]] = {}
            for s in items:
                spans.setdefault((s.phase, s.team), []).extend((s.start, s.end))
            want = [(p, f"{team}: {len(v) // 2} items", min(v), max(v)) for (p, team), v in sorted(spans.items())]
        # The HTML's Gantt: the same bars, each with its label.
        assert sc.svg is not None and sc.svg.count("<rect ") == len(want), (sc.svg.count("<rect "), len(want))
        assert all(f">{html.escape(label[:64])}</text>" in sc.svg for _p, label, _s, _e in want)
        bars = _gantt_bars(svg)
        assert sorted(bars) == list(range(len(want))), (len(bars), len(want))
        ranks = {p: i for i, p in enumerate(sorted({w[0] for w in want}))}
        x0 = min(b[0] for b in bars.values())
        px_per_day = (max(b[0] + b[1] for b in bars.values()) - x0) / max(w[3] for w in want)
        for k, (phase, label, start, end) in enumerate(want):
            x, width, section, text = bars[k]
            assert (section, text) == (ranks[phase], " ".join(_name(label).split())), (k, bars[k], label)
            # Drawn at its days: Mermaid read the start and end as the schedule meant them (whole pixels).
            assert abs(x - x0 - start * px_per_day) <= 2 and abs(width - (end - start) * px_per_day) <= 2, (
                k, x, width, start, end, px_per_day)
    assert len(rendered) == 3 and len(schedules[2].items if schedules[2] else ()) > CHART_LIMIT  # both kinds drawn


def test_effort_and_team_size_come_from_the_config_when_it_sets_them() -> None:
    items = [item("a", 1, "t"), item("b", 1, "t"), item("m", 1, "u", kind="mitigation")]
    sc = schedule(items, {"default": 1, "u": 3}, effort_days={"component": 8})
    at = {s.id: s for s in sc.items}
    assert (at["b"].start, at["b"].end, at["m"].end) == (8, 16, 2)  # one person in t; mitigations keep 2 days
    assert sc.assumptions[:2] == ("effort: component 8 person-days, mitigation 2 person-days (per kind, from "
                                  "archplan.toml)", "capacity: 1 people per team working at once; u: 3 (from "
                                  "archplan.toml)")


def test_plan_cli_reads_the_plan_table_of_archplan_toml(tmp_path: Any) -> None:
    import json

    from click.testing import CliRunner

    from engine.cli.main import main

    design = os.path.join(str(tmp_path), "design")
    shutil.copytree(SHOP, design)
    os.makedirs(os.path.join(str(tmp_path), ".git"))  # the project root: config discovery stops here
    with open(os.path.join(str(tmp_path), "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('[plan]\neffort = {component = 10}\nteam-size = {default = 1}\n')
    result = CliRunner().invoke(main, ["plan", design, "--format", "json"])
    assert result.exit_code == 0, result.output
    sc = json.loads(result.output)["plan"]["schedule"]
    assert {s["effort_days"] for s in sc["items"] if s["id"].startswith(("service:", "datastore:"))} == {10}
    assert 2 in {s["effort_days"] for s in sc["items"] if s["id"].startswith("mitigation:")}  # the default
    issues = CliRunner().invoke(main, ["plan", design, "--format", "gh-issues"])
    assert '"effort:10d"' in issues.output
    with open(os.path.join(str(tmp_path), "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('[plan]\neffort = {epic = 10}\n')
    bad = CliRunner().invoke(main, ["plan", design])
    assert bad.exit_code == 2 and "epic" in bad.output and "Traceback" not in bad.output


def test_a_mitigation_states_one_effort_across_the_rules_that_call_for_it() -> None:
    from engine.model.ruledata import effort_range
    from engine.review import load_kb

    by_id: dict[str, set[tuple[float, float] | None]] = {}
    for lr in load_kb().source.values():
        for m in lr.rule.mitigations:
            by_id.setdefault(m.id, set()).add(effort_range(m.effort))
    stated = {mid: e for mid, e in by_id.items() if e != {None}}
    assert len(stated) >= 4  # the rules do state efforts ...
    assert {mid: e for mid, e in stated.items() if len(e) > 1} == {}  # ... and never two for one mitigation


def test_a_rules_effort_sets_its_mitigations_duration_unless_the_config_names_it() -> None:
    m = WorkItem(id="mitigation:saga@wf", kind="mitigation", title="Saga", detail="", subject="workflow:wf",
                 phase=1, planned_phase=1, after=(), source="finding:x", order=1, team="t", effort=(5.0, 10.0))
    assert schedule([m]).items[0].effort_days == 7.5  # the middle of the rule's range
    assert schedule([m], effort_days={"mitigation": 1}).items[0].effort_days == 7.5  # the kind's is a default
    assert schedule([m], effort_days={"saga": 4}).items[0].effort_days == 4  # the project names this one


def test_the_design_states_each_teams_people_and_says_so(tmp_path: os.PathLike[str]) -> None:
    from engine.plan import build_plan
    from tests.helpers import write
    from tests.plan_helpers import rv

    write(str(tmp_path), "d/design.yaml", """
        source: infrastructure
        services:
          - {name: api, owner: core, exposure: public, replicas: 1}
          - {name: worker, owner: ops, replicas: 1}
        interactions:
          - {from: api, to: worker, style: sync, protocol: http}
        endpoints:
          - {method: GET, path: /x, served_by: api, exposure: public}
        teams:
          - {name: core, people: 5}
          - {name: ops}
        """)
    design = os.path.join(str(tmp_path), "d")
    plan = build_plan(rv([design]), render_svg=False, team_size={"default": 3, "ops": 1, "core": 2})
    assert plan.schedule is not None
    cap = next(a for a in plan.schedule.assumptions if a.startswith("capacity"))
    # core: 5 from the design over archplan.toml's 2; ops: the design says no number, so archplan.toml's 1
    assert cap == ("capacity: 3 people per team working at once; core: 5, ops: 1 "
                   "(from the design's teams and archplan.toml)")
    alone = build_plan(rv([design]), render_svg=False).schedule
    assert alone is not None
    assert next(a for a in alone.assumptions if a.startswith("capacity")) == (
        "capacity: 2 people per team working at once; core: 5 (from the design's teams)")


def test_a_channel_and_an_external_go_to_the_team_that_owns_them(tmp_path: os.PathLike[str]) -> None:
    from engine.plan import build_plan
    from tests.helpers import write
    from tests.plan_helpers import rv

    write(str(tmp_path), "d/design.yaml", """
        source: infrastructure
        services:
          - {name: api, owner: core, exposure: public}
        channels:
          - {name: events, kind: topic, owner: api}
        externals:
          - {name: stripe, owner: payments-team}
          - {name: maps}
        interactions:
          - {from: api, to: events, style: async}
          - {from: api, to: stripe, style: sync, protocol: http}
          - {from: api, to: maps, style: sync, protocol: http}
        endpoints:
          - {method: GET, path: /x, served_by: api, exposure: public}
        """)
    plan = build_plan(rv([os.path.join(str(tmp_path), "d")]), render_svg=False)
    teams = {w.id: w.team for w in plan.roadmap.items if w.kind == "component"}
    # a channel owned by a service: that service's team; an external owned by a team: that team
    assert (teams["channel:events"], teams["external:stripe"], teams["external:maps"]) == ("core", "payments-team", "")


def test_a_workflows_items_go_to_the_team_that_owns_it(tmp_path: os.PathLike[str]) -> None:
    from tests.helpers import write
    from tests.plan_helpers import rv

    def teams(owner: str) -> dict[str, str]:
        write(str(tmp_path), f"{owner or 'none'}/design.yaml", f"""
            source: infrastructure
            services:
              - {{name: checkout, owner: checkout-team, exposure: public}}
              - {{name: payments, owner: payments-team}}
            interactions:
              - {{from: checkout, to: payments, style: sync, protocol: http, mutating: true}}
            endpoints:
              - {{method: POST, path: /checkout, served_by: checkout, exposure: public}}
            workflows:
              - name: place-order
                {f"owner: {owner}" if owner else ""}
                coordination: none
                steps:
                  - {{service: checkout, action: reserve stock, mutates_state: true}}
                  - {{service: payments, action: capture payment, mutates_state: true}}
            """)
        saga = os.path.join(ROOT, "rules", "data", "cross-service-transaction-without-saga.yaml")
        plan = build_plan(rv([os.path.join(str(tmp_path), owner or "none")], [saga]), render_svg=False)
        return {w.id: w.team for w in plan.roadmap.items if w.subject.startswith(("workflow:", "step:"))}

    by_team, by_service, unowned = teams("orders-team"), teams("payments"), teams("")
    assert by_team and set(by_team.values()) == {"orders-team"}  # a team, named directly
    assert set(by_service.values()) == {"payments-team"}  # a service: its team
    assert set(unowned.values()) == {""}  # unknown: unassigned, as before
    assert by_team.keys() == unowned.keys()


def test_a_large_roadmap_is_charted_one_bar_per_team_and_phase_from_first_start_to_last_end() -> None:
    """Past ``CHART_LIMIT`` items, each (phase, team) bar spans its items' earliest start to latest end and counts
    them; the items of one team in one phase need not come in the order of their starts."""
    from engine.plan.model import ScheduledItem
    from engine.plan.schedule import _bars

    starts = [float((k * 37) % 11) for k in range(CHART_LIMIT + 50)]  # not in order within a team's phase
    items = [ScheduledItem(f"i{k}", f"t{k}", f"team-{k % 7}", 1 + k % 3, start, start + 1 + k % 4, 1.0)
             for k, start in enumerate(starts)]
    want: dict[tuple[int, str], tuple[float, float, int]] = {}
    for s in items:
        group = [x for x in items if (x.phase, x.team) == (s.phase, s.team)]
        want[(s.phase, s.team)] = (min(x.start for x in group), max(x.end for x in group), len(group))
    assert _bars(items) == [(p, f"{team}: {n} items", lo, hi) for (p, team), (lo, hi, n) in sorted(want.items())]
