"""Review in, plan out: every item is taken from a design fact, a finding, or a rule's ``plan_item``.

Component phases, tests, alerts, deployment strategies and migration steps come from rules deriving
``kind: plan_item`` facts (``rules/*/plan-*.yaml``); this module arranges them, orders them by the
dependency graph, and adds what is pure structure (golden signals per service, trace propagation per
synchronous edge, SLOs from the stated targets, the performance figures enrichment computed).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine.consequence import keys_start_with_kind
from engine.enrich import is_sync
from engine.errors import Location
from engine.graph import call, scc_ints
from engine.model import Severity
from engine.model.design import Fact
from engine.model.finding import Finding
from engine.model.ruledata import PLAN_ITEM_KIND
from engine.plan.calltree import CallGraph, fold_entry, routes_of
from engine.plan.capacity import capacity as plan_capacity
from engine.plan.dataflow import data_flow
from engine.plan.diagram import build_architecture, render_svg_text, sev_max
from engine.plan.figures import EntryFigures
from engine.plan.model import (
    Capacity,
    Deployment,
    DeployStep,
    EntryPerformance,
    GoldenSignals,
    Monitoring,
    Plan,
    PlanItem,
    RiskAssessment,
    RiskEntry,
    Roadmap,
    Schedule,
    Slo,
    TraceEdge,
    WorkItem,
    new_deployment,
    new_monitoring,
    new_plan,
    new_risk_assessment,
)
from engine.plan.schedule import schedule
from engine.review import Review, display_path, paused_gc

COMPONENT_KINDS = ("service", "datastore", "channel", "external")
LIKELIHOOD_ORDER = ("almost_certain", "likely", "possible", "rare")
IMPACT_ORDER = ("minor", "moderate", "major", "severe")
DEFAULT_PHASE = {"datastore": 1, "channel": 1, "external": 3, "service": 2}
"""Phase used only when no rule assigned one (e.g. a service of unstated kind, or --no-builtin)."""
ROADMAP_CHART_LIMIT = 120
ROLLBACK_BY_STRATEGY = {
    "canary": "Halt the canary and send all traffic back to the stable version; then remove the canary.",
    "blue_green": "Switch the router back to the previous (blue) environment, kept warm until the release "
                  "is verified.",
    "rolling": "Roll back to the previous revision (e.g. `kubectl rollout undo`) and wait for readiness on "
               "every instance.",
    "recreate": "Redeploy the previous artifact (this strategy has downtime both ways).",
}
MINUTES_30D = 30 * 24 * 60
_PLAN_ITEM_PREFIX = PLAN_ITEM_KIND + ":"


class _Items:
    """The ``plan_item`` facts the rules derived, with the rule that derived each."""

    def __init__(self, rv: Review) -> None:
        derived, derivations = rv.result.derived, rv.result.derivations
        # Each item's fact, rule and group read in the order they were derived (and made, one after the other, in
        # memory), then put in key order by a sort of their positions: read in key order, a hash's, each fact and
        # derivation was a read from anywhere in memory (46,000 items at 5,000 services).
        if keys_start_with_kind([lr.rule for lr in rv.kb.source.values()]):
            # Told by their keys (``keys_start_with_kind``): the other 23,000 derived facts are not read.
            keys = [k for k in derived if k.startswith(_PLAN_ITEM_PREFIX)]
        else:
            keys = [k for k, f in derived.items() if f.get("kind") == PLAN_ITEM_KIND]
        facts = list(map(derived.__getitem__, keys))
        # Read by key without making each fact's ``Derivation`` record (``Derivations.rules``).
        rules = ["unknown" if rule is None else rule for rule in derivations.rules(keys)]
        made = list(zip(facts, rules, strict=True))
        number: dict[tuple[str, Any], int] = {}
        group_of = [number.setdefault((str(f.get("section")), f.get("type")), len(number)) for f in facts]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.items: list[tuple[dict[str, Any], str]] = list(map(made.__getitem__, order))
        self.by_type: dict[tuple[str, Any], list[tuple[dict[str, Any], str]]] = {}
        self.by_section: dict[str, list[tuple[dict[str, Any], str]]] = {}
        """Each section's items of every type, in key order: the tests' 28,000 at 5,000 services, listed while
        grouping."""
        lists = [(self.by_type.setdefault(group, []), self.by_section.setdefault(group[0], [])) for group in number]
        rank = [0] * len(keys)
        for i in order:
            listed = lists[group_of[i]]
            item = made[i]
            listed[0].append(item)
            rank[i] = len(listed[1])
            listed[1].append(item)
        self.made, self.group_of, self.rank, self.rules = made, group_of, rank, rules
        """The items in the order they were derived, each one's group (by number), position in its section's list
        (``of(section)``) and rule: for ``made_order`` and the rules used."""
        self.sections = [group[0] for group in number]

    def made_order(self, section: str) -> list[tuple[int, tuple[dict[str, Any], str]]]:
        """The items of ``section`` as (position in ``of(section)``, item), in the order they were derived: for what
        reads each item once, in any order (read in key order, each is a read from anywhere in memory)."""
        numbers = {g for g, s in enumerate(self.sections) if s == section}
        rank, made = self.rank, self.made
        return [(rank[i], made[i]) for i, g in enumerate(self.group_of) if g in numbers]

    def of(self, section: str, item_type: str | None = None) -> list[tuple[dict[str, Any], str]]:
        if item_type is None:  # one section of every type (the tests): asked once
            return list(self.by_section.get(section, []))
        return list(self.by_type.get((section, item_type), []))


def _oneline(text: str) -> str:
    """Whitespace runs (from folded YAML) as single spaces."""
    return " ".join(text.split()) if ("\n" in text or "  " in text or text != text.strip()) else text


def _squeezed(text: str) -> str:
    """``" ".join(text.split())``: whitespace runs as single spaces, none at either end. The text itself when that
    changes nothing, told by a scan in C: the space is the only whitespace character that is printable (20,000 work
    items' texts at 5,000 services, three fifths of the time of splitting and joining each)."""
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    return " ".join(text.split())


def _plan_item(fact: Mapping[str, Any], rule: str) -> PlanItem:
    # Positional: 34,000 items at 5,000 services.
    return PlanItem(str(fact["type"]), str(fact["subject"]), str(fact["title"]), _oneline(str(fact.get("detail", ""))),
                    str(fact.get("pass_bar", "")), "rule:" + rule)


class _Design:
    """Indexes over the enriched facts."""

    def __init__(self, rv: Review) -> None:
        # The review's index of the same facts when it has one (assemble builds it), not a second copy.
        self.facts: dict[str, Fact] = rv.facts or {f.key: f for f in rv.enriched.facts}
        self.comp: dict[str, Fact] = {}
        self.interactions: list[Fact] = []
        self.links: list[Fact] = []
        """The ``access``, ``consumer`` and ``producer`` facts: what a service needs built before it."""
        self.deployments: dict[str, Fact] = {}
        self.endpoints: dict[str, Fact] = {}
        singles: dict[str, Fact] = {}
        for f in rv.enriched.facts:  # one pass over the 31,000 facts of 5,000 services, not six
            kind = f.kind
            if kind in COMPONENT_KINDS:
                self.comp.setdefault(f.name, f)
            elif kind == "interaction":
                self.interactions.append(f)
            elif kind in ("access", "consumer", "producer"):
                self.links.append(f)
            elif kind == "deployment":
                self.deployments[f.data["service"]] = f
            elif kind == "endpoint":
                self.endpoints[f.name] = f
            elif kind in ("system", "observability"):
                singles.setdefault(kind, f)
        self.system = singles["system"].data if "system" in singles else {}
        self.observability = singles["observability"].data if "observability" in singles else {}
        self._component: dict[str, str | None] = {}
        self._team: dict[str, str] = {}
        self._comp_team: dict[str, str] = {}

    def kind_of(self, name: str) -> str:
        f = self.comp.get(name)
        return f.kind if f else "service"

    def component_of(self, key: str) -> str | None:
        """The component a fact key is about (the one a change to it lands in)."""
        comp = self._component.get(key, "")  # asked 78,000 times at 5,000 services, of 31,000 keys
        if comp == "":
            comp = self._component[key] = self._find_component(key)
        return comp

    def _find_component(self, key: str) -> str | None:
        f = self.facts.get(key)
        if f is None:
            return None
        if f.kind in COMPONENT_KINDS:
            return f.name
        d = f.data
        if f.kind == "interaction":
            return str(d["from"])
        if f.kind == "endpoint":
            return str(d["served_by"])
        if f.kind in ("consumer", "access"):
            return str(d["service"])
        if f.kind == "producer":
            return str(d["service"])
        if f.kind == "path":
            return str(d["entry_service"])
        if f.kind in ("deployment", "job"):
            return str(d["service"])
        return None


def build_plan(rv: Review, render_svg: bool = True, effort_days: Mapping[str, float] | None = None,
               team_size: Mapping[str, int] | None = None) -> Plan:
    """Arrange a review into the seven sections of the integration plan.

    ``effort_days`` and ``team_size`` set the schedule's defaults (archplan.toml ``[plan]``).
    """
    with paused_gc():  # many small objects over a large live heap: see engine.review.paused_gc
        return _build_plan(rv, render_svg, effort_days, team_size)


def _build_plan(rv: Review, render_svg: bool, effort_days: Mapping[str, float] | None = None,
                team_size: Mapping[str, int] | None = None) -> Plan:
    d = _Design(rv)
    items = _Items(rv)
    risks_only = [f for f in rv.findings if f.kind == "risk"]
    gaps = [f for f in rv.findings if f.kind == "gap"]

    # --- risk per component and per edge, for highlighting
    node_risk: dict[str, tuple[str | None, int]] = {}
    edge_risk: dict[str, str | None] = {}
    sev_value = {s: s.value for s in Severity}  # not the enum's value property per risk
    sev_rank = {s: s.rank for s in Severity}
    worst: dict[str, tuple[Severity, int]] = {}  # by main subject: the worst severity, how many risks
    for f in risks_only:  # 23,000 risks on 17,000 subjects at 5,000 services
        if f.subjects:
            key, sev = f.subjects[0], f.severity
            seen = worst.get(key)
            worst[key] = (sev, 1) if seen is None else (sev if sev_rank[sev] > sev_rank[seen[0]] else seen[0],
                                                        seen[1] + 1)
    for key, (sev, count) in worst.items():  # in the order the risks first name them
        comp = d.component_of(key)
        if comp is not None:
            shown, n = node_risk.get(comp, (None, 0))
            node_risk[comp] = (sev_max(shown, sev_value[sev]), n + count)
        if key.startswith("interaction:"):
            edge_risk[key] = sev_max(edge_risk.get(key), sev_value[sev])

    flow = data_flow(rv.enriched.facts)
    held: dict[str, list[str]] = {}
    for row in flow.rows:  # most sensitive first
        for name in (*row.stores, *row.processes):
            if row.classification not in held.setdefault(name, []):
                held[name].append(row.classification)
    arch = build_architecture(d.comp, d.interactions, list(d.endpoints.values()),
                              [f for f in d.links if f.kind in ("consumer", "producer")],
                              node_risk, edge_risk, render_svg, {n: tuple(c) for n, c in held.items()})
    roadmap = _roadmap(rv, d, items, render_svg)
    phase_of_mitigation = {w.id.split(":", 1)[1]: w.phase for w in roadmap.items if w.kind == "mitigation"}
    risks = _risks(rv, d, risks_only, phase_of_mitigation, gaps)
    graph = CallGraph(d.comp, d.interactions)
    capacity = plan_capacity(graph, [(p.entry, p.entry_service, d.endpoints.get(p.entry)) for p in rv.enriched.paths],
                             d.system)
    performance = _performance(rv, d, graph, capacity)
    tests = _tests(rv, items)
    deployment = _deployment(d, items, roadmap)
    monitoring = _monitoring(rv, d, items)
    name = str(d.system.get("name") or (display_path(rv.root) or "design"))
    counts = {
        "services": sum(1 for f in d.comp.values() if f.kind == "service"),
        "datastores": sum(1 for f in d.comp.values() if f.kind == "datastore"),
        "channels": sum(1 for f in d.comp.values() if f.kind == "channel"),
        "externals": sum(1 for f in d.comp.values() if f.kind == "external"),
        "interactions": len(d.interactions),
        "public_entry_points": len(rv.enriched.paths),
        "risks": len(risks_only),
        "information_gaps": len(gaps),
        "work_items": len(roadmap.items),
        "plan_items_from_rules": len(items.items),
    }
    rules_used = tuple(sorted({*items.rules, *[f.rule for f in risks_only]}))
    return new_plan(name, str(d.system.get("description") or ""), counts, arch, roadmap, risks, performance,
                    deployment, monitoring, rules_used, capacity,
                    _schedule(rv, roadmap, team_size, render_svg, effort_days), flow, tests)


def _schedule(rv: Review, roadmap: Roadmap, team_size: Mapping[str, int] | None, render_svg: bool,
              effort_days: Mapping[str, float] | None) -> Schedule:
    """The roadmap scheduled with each team's people: the design's ``teams`` first, then archplan.toml's
    ``[plan] team-size`` (its ``default`` for every team the design does not size), then two."""
    stated = {f.name: int(f.data["people"]) for f in rv.enriched.facts if f.kind == "team" and f.data.get("people")}
    sizes = {**(team_size or {}), **stated}
    source = ("the design's teams and archplan.toml" if stated and team_size else
              "the design's teams" if stated else "archplan.toml")
    return schedule(roadmap.items, sizes, render_svg, effort_days, sized_by=source)


# --------------------------------------------------------------------------------------
# 2. Roadmap
# --------------------------------------------------------------------------------------


def _component_deps(d: _Design) -> dict[str, set[str]]:
    """Component -> the components that must exist before it is built."""
    kind = {name: f.kind for name, f in d.comp.items()}
    deps: dict[str, set[str]] = {name: set() for name in kind}
    # A gateway is foundation: its routes are added as each backend lands, so it waits for no service.
    gateways = {name for name, f in d.comp.items() if f.kind == "service" and f.data.get("type") in ("gateway", "mesh")}
    for f in d.interactions:
        e = call(f.data)
        src, dst = str(e["from"]), str(e["to"])
        dst_kind = kind.get(dst)
        if src == dst or dst_kind is None or src not in kind:
            continue
        if dst_kind == "external":
            deps[dst].add(src)  # the client lives in the caller, which comes first
        elif dst_kind != "service" or src not in gateways:
            deps[src].add(dst)
    for f in d.links:
        data = f.data
        other = data["datastore"] if f.kind == "access" else data["channel"]  # consumer, producer
        if data["service"] in deps and other in deps:
            deps[str(data["service"])].add(str(other))
    return deps


def _roadmap(rv: Review, d: _Design, items: _Items, render_svg: bool = True) -> Roadmap:
    assigned: dict[str, tuple[int, str, str, str]] = {}  # component -> (phase, title, detail, rule)
    for fact, rule in items.of("build", "component"):
        comp = d.component_of(str(fact["subject"]))
        if comp is None:
            continue
        cand = (int(fact["phase"]), str(fact["title"]), _squeezed(str(fact.get("detail", ""))), rule)
        if comp not in assigned or cand < assigned[comp]:
            assigned[comp] = cand  # the earliest phase wins: a component needed early is built early
    # Work item id -> (kind, title, detail, subject, planned phase, prerequisite ids, source, effort).
    raw: dict[str, tuple[str, str, str, str, int, set[str], str, tuple[float, float] | None]] = {}
    cdeps = _component_deps(d)
    comp_id = {name: f"{f.kind}:{name}" for name, f in d.comp.items()}  # formatted once, not per reference
    for name, f in sorted(d.comp.items()):
        if name in assigned:
            planned, title, detail, rule = assigned[name]
            source = f"rule:{rule}"
        else:
            planned = DEFAULT_PHASE[f.kind]
            title, detail, source = f"Build {f.kind} {name}", "No rule assigned a phase; state its kind.", "default"
        raw[comp_id[name]] = ("component", title, detail, f.key, int(planned), {comp_id[x] for x in cdeps[name]},
                              source, None)
    prefixes = ("service:", "datastore:", "channel:", "external:")
    # A mitigation's id as a prerequisite (an id that reads as a component's is taken as one).
    ref = {m.id: m.id if m.id.startswith(prefixes) else f"mitigation:{m.id}" for m in rv.mitigations}
    by_pattern: dict[str, list[str]] = {}
    for m in rv.mitigations:
        by_pattern.setdefault(m.pattern, []).append(m.id)
    in_pattern = {(m.pattern, m.id) for m in rv.mitigations}  # by_pattern[pre] holds same_scope, without a scan
    unresolved: list[str] = []
    # A subject's component as its work item's id (None: no component of the design), and a prerequisite pattern's
    # ids, each worked out once: 14,000 mitigations at 5,000 services name 21,000 subjects, of 6,600 components.
    comp_ref: dict[str, str | None] = {}
    pattern_refs = {pre: [ref[x] for x in listed] for pre, listed in by_pattern.items()}
    hubs_of: dict[str, tuple[str, ...]] = {}  # a mitigation's prerequisite patterns met in other scopes (each hub)
    for m in rv.mitigations:
        after: set[str] = set()
        hubs: list[str] = []
        subjects = m.subjects
        for s in subjects:
            cid = comp_ref.get(s, "")
            if cid == "":
                comp = d.component_of(s)
                cid = comp_ref[s] = comp_id[comp] if comp is not None and comp in comp_id else None
            if cid is not None:  # a component not in the design is no work item
                after.add(cid)
        for pre in m.after:
            same_scope = f"{pre}@{m.scope}"
            if (pre, same_scope) in in_pattern:
                after.add(ref[same_scope])
            elif pre in pattern_refs:
                hubs.append(pre)
            else:
                unresolved.append(f"{m.id} expects '{pre}' first; no risk in this design calls for it, so "
                                  "check it is already in place")
        raw[f"mitigation:{m.id}"] = ("mitigation", m.title, _squeezed(m.action), ", ".join(subjects),
                                     int(m.phase), after, "finding:" + ",".join(m.findings), m.effort)
        if hubs:  # most have none (``hubs_of.get`` below)
            hubs_of[f"mitigation:{m.id}"] = tuple(dict.fromkeys(hubs))
    # The dependency graph on positions in id order (the order every tie below is broken in).
    ids = sorted(raw)
    pos = {i: k for k, i in enumerate(ids)}
    rows = [raw[i] for i in ids]
    graph = _DepGraph(ids, [sorted([pos[a] for a in r[5] if a in pos]) for r in rows],
                      [hubs_of.get(i, ()) for i in ids],
                      {pre: sorted({pos[a] for a in refs if a in pos}) for pre, refs in pattern_refs.items()})
    order, phase, note, cycles = graph.ordered([r[4] for r in rows], [r[0] != "component" for r in rows])
    succ = graph.after
    # Group by phase, keeping the dependency order inside each phase.
    order.sort(key=phase.__getitem__)  # stable: dependency order inside a phase is preserved
    work = []
    for k, i in enumerate(order):
        kind, title, detail, subject, planned, _after, source, effort = rows[i]
        work.append(WorkItem(ids[i], kind, title, detail, subject, phase[i], planned,
                             tuple(map(ids.__getitem__, succ[i])), source, k + 1, note.get(i, ""), _team(d, subject),
                             effort))
    summary = graph.phase_summary(phase) if len(work) > ROADMAP_CHART_LIMIT else None
    dot = _roadmap_dot(work, summary)
    return Roadmap(items=tuple(work), cycles=cycles, unresolved=tuple(sorted(set(unresolved))),
                   mermaid=_roadmap_mermaid(work, summary), dot=dot, svg=render_svg_text(dot) if render_svg else None)


class _DepGraph:
    """The roadmap's dependency graph over work item positions (in id order).

    An item's prerequisites are its ``direct`` ones (its components, a prerequisite in its own scope) and, for a
    prerequisite pattern met only in other scopes, every instance of that pattern: at 5,000 fully specified
    services 30,000 items had 614,000 such edges, at 20,000 services 9.3 million (each item after up to 5,300
    others). Ordering goes through one internal node per such pattern (a hub after all the pattern's instances,
    its users after the hub): edges linear in the items. A hub is no work item and shows nowhere: the order,
    phases, notes and cycles are those of the direct edges, and each item's ``after`` lists the instances. When
    the graph with hubs has a cycle, the direct edges are ordered as before (cycles are reported as they were).
    """

    def __init__(self, ids: list[str], direct: list[list[int]], hubs: list[tuple[str, ...]],
                 instances: Mapping[str, list[int]]) -> None:
        self.ids = ids
        self.direct = direct
        used = sorted({p for h in hubs for p in h if instances.get(p)})
        number = {p: k for k, p in enumerate(used)}
        self.instances = [instances[p] for p in used]
        self.hubs = [[number[p] for p in h if p in number] for h in hubs]
        sets = [set(run) for run in self.instances]
        self.own = [d if not h else [a for a in d if not any(a in sets[k] for k in h)]
                    for d, h in zip(direct, self.hubs, strict=True)]
        """Each item's direct prerequisites that are no instance of its hubs' patterns."""
        self.after = [self._expanded(i) for i in range(len(ids))]
        """Each item's prerequisites, the hubs expanded: sorted positions, each once (as each item lists them)."""

    def _expanded(self, i: int) -> list[int]:
        hubs = self.hubs[i]
        if not hubs:
            return self.direct[i]
        if len(hubs) == 1:
            run, extra = self.instances[hubs[0]], self.own[i]
            # Two sorted runs, concatenated: sorting them is a merge in C.
            return sorted(run + extra) if extra else run
        return sorted(set(self.own[i]).union(*[self.instances[h] for h in hubs]))  # the patterns' are distinct

    def phase_summary(self, phase: Sequence[int]) -> _PhaseSummary:
        """:func:`_phase_summary` of the items in these phases, a hub's instances counted by phase once (not
        once per item after them: 614,000 prerequisites at 5,000 fully specified services)."""
        n = len(self.ids)
        counts = dict(Counter(phase[:n]))
        by_hub = [Counter(map(phase.__getitem__, run)) for run in self.instances]
        cross: dict[tuple[int, int], int] = {}
        for i, own in enumerate(self.own):
            p = phase[i]
            for a in own:
                pa = phase[a]
                if pa != p:
                    cross[(pa, p)] = cross.get((pa, p), 0) + 1
            for h in self.hubs[i]:
                for pa, many in by_hub[h].items():
                    if pa != p:
                        cross[(pa, p)] = cross.get((pa, p), 0) + many
        return counts, cross

    def ordered(self, planned: list[int], later: list[bool]
                ) -> tuple[list[int], list[int], dict[int, str], tuple[tuple[str, ...], ...]]:
        """Topological order (prerequisites first, ties by phase, kind, id), each item's phase, its note, the
        cycles.

        One pass: an item's phase (and note) is settled when its last prerequisite is placed, from theirs, which are
        settled by then, and it joins the queue with it. Nothing is left unplaced but on a cycle: then the direct
        edges are ordered instead (``_ordered_direct``), which finds and reports the cycles."""
        n, ids, direct, hubs, instances = len(self.ids), self.ids, self.direct, self.hubs, self.instances
        indeg = [0] * (n + len(instances))
        users: list[list[int]] = [[] for _ in indeg]
        for i, (after_i, hubs_i) in enumerate(zip(direct, hubs, strict=True)):
            for a in after_i:
                if a != i:
                    indeg[i] += 1
                    users[a].append(i)
            for h in hubs_i:
                indeg[i] += 1
                users[n + h].append(i)
        for h, run in enumerate(instances):
            indeg[n + h] = len(run)
            for a in run:
                users[a].append(n + h)
        phase = planned + [0] * len(instances)
        first = [0] * len(instances)  # a hub's first instance (in id order) of its latest phase
        note: dict[int, str] = {}

        span = 2 * n  # an entry in the queue: (phase, later, position) as one integer, ``(2 * phase + later) * n + x``

        def settle(x: int) -> int:
            """The item's phase and note, from its prerequisites' (all placed): its entry in the queue, which orders
            as (phase, later, position) does (one integer compared, not a tuple: 20,700 pushed and popped at 5,000
            services, 82,000 at 20,000)."""
            p, why = planned[x], -1
            for a in direct[x]:  # in id order: the first item of the latest phase is named
                if phase[a] > p and a != x:
                    p, why = phase[a], a
            for h in hubs[x]:
                q = phase[n + h]
                if q > p or (q == p and why >= 0 and first[h] < why):
                    p, why = q, first[h]
            phase[x] = p
            if why >= 0:
                note[x] = f"moved to phase {p}: needs {ids[why]} (phase {p}) first"
            return p * span + (n if later[x] else 0) + x

        heap = [settle(i) for i in range(n) if indeg[i] == 0]
        heapq.heapify(heap)
        order: list[int] = []
        while heap:
            i = heapq.heappop(heap) % n
            order.append(i)
            for u in users[i]:
                indeg[u] -= 1
                if indeg[u] == 0:
                    if u < n:
                        heapq.heappush(heap, settle(u))
                        continue
                    p, why = -1, -1  # a hub's last instance placed: its phase, then its users one nearer
                    for a in instances[u - n]:
                        if phase[a] > p:
                            p, why = phase[a], a
                    phase[u], first[u - n] = p, why
                    for v in users[u]:
                        indeg[v] -= 1
                        if indeg[v] == 0:
                            heapq.heappush(heap, settle(v))
        if len(order) < n:  # a cycle
            return _ordered_direct(ids, self.after, planned, later)
        return order, phase, note, ()


def _ordered_direct(ids: list[str], succ: list[list[int]], planned: list[int], later: list[bool]
                    ) -> tuple[list[int], list[int], dict[int, str], tuple[tuple[str, ...], ...]]:
    """:meth:`_DepGraph.ordered` over the direct edges (a graph with a cycle)."""
    sccs = scc_ints(succ)  # as ``strongly_connected`` over the positions would list them
    cycles = tuple(tuple(ids[n] for n in c) for c in sccs if len(c) > 1)
    comp_of = [0] * len(ids)
    for k, c in enumerate(sccs):
        for n in c:
            comp_of[n] = k
    # Tarjan lists components prerequisites-first; effective phase = max over prerequisites.
    phase = [0] * len(ids)
    note: dict[int, str] = {}
    for scc in sccs:
        p = max(planned[n] for n in scc) if len(scc) > 1 else planned[scc[0]]
        why = ""
        for n in scc:
            cn = comp_of[n]
            for a in succ[n]:  # in id order: in the set's hash order the note named a random one
                if phase[a] > p and comp_of[a] != cn:
                    p, why = phase[a], f"moved to phase {phase[a]}: needs {ids[a]} (phase {phase[a]}) first"
        for n in scc:
            phase[n] = p
            if why and p > planned[n]:
                note[n] = why
        if len(scc) > 1:
            for n in scc:
                note[n] = (note[n] + "; " if n in note else "") + \
                    f"in a dependency cycle with {', '.join(ids[x] for x in scc if x != n)}: break it"
    # Topological order (prerequisites first), ties by phase then id; cycle edges are ignored.
    indeg = [0] * len(ids)
    users: list[list[int]] = [[] for _ in ids]
    for i, after_i in enumerate(succ):
        ci = comp_of[i]
        for a in after_i:
            if comp_of[a] != ci:
                indeg[i] += 1
                users[a].append(i)
    heap = [(phase[i], later[i], i) for i in range(len(ids)) if indeg[i] == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _p, _k, i = heapq.heappop(heap)
        order.append(i)
        for u in users[i]:
            indeg[u] -= 1
            if indeg[u] == 0:
                heapq.heappush(heap, (phase[u], later[u], u))
    return order, phase, note, cycles


_PhaseSummary = tuple[dict[int, int], dict[tuple[int, int], int]]
"""Work items per phase, and dependencies per (phase of the prerequisite, phase of the item) across phases."""


def _phase_summary(items: Sequence[WorkItem]) -> _PhaseSummary:
    """What the charts of a roadmap too large to draw item by item show; one pass for both charts."""
    counts: dict[int, int] = {}
    phase_of = {w.id: w.phase for w in items}
    cross: dict[tuple[int, int], int] = {}
    for w in items:
        counts[w.phase] = counts.get(w.phase, 0) + 1
        for a in w.after:
            pa = phase_of[a]
            if pa != w.phase:
                cross[(pa, w.phase)] = cross.get((pa, w.phase), 0) + 1
    return counts, cross


def _team(d: _Design, subjects: str) -> str:
    """The owner of the component the first subject is about (a datastore's owner, else its owning service's);
    for a workflow (or one of its steps), the workflow's ``owner``, a team or a service whose team it is."""
    key = subjects.split(", ", 1)[0]
    team = d._team.get(key)  # 20,700 work items at 5,000 services, about 17,000 first subjects
    if team is None:
        team = d._team[key] = _team_of(d, key)
    return team


def _team_of(d: _Design, key: str) -> str:
    first = d.facts.get(key)
    if first is not None and first.kind in ("workflow", "step"):
        flow = first if first.kind == "workflow" else d.facts.get(f"workflow:{first.data.get('workflow')}")
        owner = flow.data.get("owner") if flow is not None else None
        if not owner or str(owner) not in d.comp:
            return str(owner or "")
        comp: str | None = str(owner)
    else:
        comp = d.component_of(key)
    if comp is None:
        return ""
    team = d._comp_team.get(comp)  # 6,600 components own the 17,000 first subjects of 5,000 services
    if team is None:
        team = d._comp_team[comp] = _owning_team(d, comp)
    return team


def _owning_team(d: _Design, comp: str | None) -> str:
    seen: set[str] = set()
    while comp is not None and comp in d.comp and comp not in seen:
        seen.add(comp)
        owner = d.comp[comp].data.get("owner")
        if not owner:
            return ""
        if d.comp[comp].kind == "service" or str(owner) not in d.comp:
            return str(owner)
        comp = str(owner)  # a datastore or channel owned by a service: that service's team
    return ""


def _roadmap_dot(items: Sequence[WorkItem], summary: _PhaseSummary | None = None) -> str:
    """The dependency chart as DOT: one column per phase, prerequisites to the left."""
    from engine.model import Phase
    from engine.plan.diagram import dot_str

    lines = ["digraph roadmap {",
             '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.6, newrank=true];',
             '  node [fontname="Helvetica", fontsize=10, shape=box, style="filled,rounded", fillcolor="#e7f0fb", '
             'color="#2f5f98"];',
             '  edge [color="#7a8699", arrowsize=0.6];']
    if len(items) > ROADMAP_CHART_LIMIT:
        counts, cross = summary or _phase_summary(items)
        for p in Phase:
            n = counts.get(int(p), 0)
            lines.append(f"  P{int(p)} [label={dot_str(f'{int(p)}. {p.title}: {n} items')}];")
        for (pa, pb), count in sorted(cross.items()):
            lines.append(f"  P{pa} -> P{pb} [label={dot_str(f'{count} dependencies')}];")
        return "\n".join([*lines, "}"]) + "\n"
    ids = {w.id: f"w{k}" for k, w in enumerate(items)}
    # Colour by phase rather than clustering: phase clusters force Graphviz into long crossing edges.
    fills = {1: "#dff3e4", 2: "#e7f0fb", 3: "#f3e8fd", 4: "#fff4d6"}
    for p in Phase:
        if any(w.phase == int(p) for w in items):
            lines.append(f"  legend{int(p)} [label={dot_str(f'Phase {int(p)}: {p.title}')}, shape=note, "
                         f'fillcolor="{fills[int(p)]}", color="#999999"];')
    for w in items:
        border = ', color="#b35c00", penwidth=2' if w.kind == "mitigation" else ""
        lines.append(f"  {ids[w.id]} [label={dot_str(f'{w.order}. {w.title}')}, "
                     f'fillcolor="{fills[w.phase]}"{border}];')
    for w in items:
        lines.extend(f"  {ids[a]} -> {ids[w.id]};" for a in w.after)
    return "\n".join([*lines, "}"]) + "\n"


def _roadmap_mermaid(items: Sequence[WorkItem], summary: _PhaseSummary | None = None) -> str:
    from engine.model import Phase
    from engine.neutral import one_line
    from engine.plan.diagram import mermaid_label

    lines = ["flowchart LR"]
    if len(items) > ROADMAP_CHART_LIMIT:
        # Too many items for one chart: show the phases and how many dependencies cross between them.
        counts, cross = summary or _phase_summary(items)
        for p in Phase:
            lines.append(f'  P{int(p)}["{int(p)}. {p.title}: {counts.get(int(p), 0)} items"]')
        for (pa, pb), count in sorted(cross.items()):
            lines.append(f'  P{pa} -->|"{count} dependencies"| P{pb}')
        return "\n".join(lines) + "\n"
    ids = {w.id: f"w{k}" for k, w in enumerate(items)}
    for p in Phase:
        members = [w for w in items if w.phase == int(p)]
        if not members:
            continue
        lines.append(f'  subgraph phase{int(p)}["{int(p)}. {p.title}"]')
        for w in members:
            shape = ("([", "])") if w.kind == "mitigation" else ("[", "]")
            lines.append(f'    {ids[w.id]}{shape[0]}"{mermaid_label(one_line(w.title))}"{shape[1]}')
        lines.append("  end")
    for w in items:
        for a in w.after:
            lines.append(f"  {ids[a]} --> {ids[w.id]}")
    lines.append("  classDef mitigation fill:#fff4e5,stroke:#b35c00")
    mits = [ids[w.id] for w in items if w.kind == "mitigation"]
    if mits:
        lines.append(f"  class {','.join(mits)} mitigation")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# 3. Risks
# --------------------------------------------------------------------------------------


def _risks(rv: Review, d: _Design, risks: Sequence[Finding], phase_of_mitigation: Mapping[str, int],
           gaps: list[Finding]) -> RiskAssessment:
    """Section 3 (``risks``: the review's risk findings, ``gaps`` its information gaps); ``phase_of_mitigation``:
    each mitigation's phase in the roadmap, by its id. The entries are made when first read (``_RiskRows``)."""
    matrix: dict[str, dict[str, list[str]]] = {lk: {im: [] for im in IMPACT_ORDER} for lk in LIKELIHOOD_ORDER}
    lk_rank = {lk: i for i, lk in enumerate(reversed(LIKELIHOOD_ORDER))}
    im_rank = {im: i for i, im in enumerate(IMPACT_ORDER)}
    sev_rank = {s: s.rank for s in Severity}
    rank: dict[tuple[Severity, str | None, str | None], tuple[int, int]] = {}  # (severity, likelihood, impact): a few
    keys = []
    for f in risks:
        sev, lk, im = f.severity, f.likelihood, f.impact
        prefix = rank.get((sev, lk, im))
        if prefix is None:
            prefix = rank[(sev, lk, im)] = (-sev_rank[sev],
                                            -(lk_rank.get(lk or "", 0) + 1) * (im_rank.get(im or "", 0) + 1))
        keys.append((*prefix, f.rule, f.subjects[0]))
        if lk and im:
            matrix[lk][im].append(f.id)
    order = sorted(range(len(risks)), key=keys.__getitem__)  # stable, as sorting the entries by their key
    return new_risk_assessment(matrix, _RiskRows(rv, d, [risks[k] for k in order], phase_of_mitigation, gaps))


class _RiskRows:
    """Section 3's risk entries, top first, and its gaps, made when first read: a table of the plan (Markdown, HTML,
    text) shows the first 400 of 23,000 risks at 5,000 services (``RiskAssessment.head``) and the gaps of the first
    400 of 23,000 subjects (``RiskAssessment.gap_head``), the JSON plan all of them.

    A risk's location and mitigations are worked out here, not read from the finding: reading either makes all the
    finding's late fields (``engine.review``), its evidence too, which no plan shows (a quarter of the plan's
    building at 5,000 services). A mitigation lists the risks it resolves by id (``MitigationItem.findings``); a
    risk whose id another risk shares (ids are fingerprints' prefixes) reads its own."""

    __slots__ = ("d", "gaps", "phases", "risks", "rv")

    def __init__(self, rv: Review, d: _Design, risks: list[Finding], phase_of_mitigation: Mapping[str, int],
                 gaps: Sequence[Finding] = ()) -> None:
        self.rv, self.d, self.risks, self.phases, self.gaps = rv, d, risks, phase_of_mitigation, gaps

    def __call__(self) -> tuple[tuple[RiskEntry, ...], tuple[tuple[str, str, str], ...]]:
        mits_of: dict[str, list[str]] = {}
        for m in self.rv.mitigations:  # in the order of their ids
            for fid in m.findings:
                mits_of.setdefault(fid, []).append(m.id)
        ids = [f.id for f in self.risks]
        shared = set() if len(set(ids)) == len(ids) else {i for i, n in Counter(ids).items() if n > 1}
        facts = self.d.facts

        def own(f: Finding) -> tuple[Sequence[str], Location]:
            fid = f.id
            if fid in shared:
                mits: Sequence[str] = f.mitigations
            else:
                found = mits_of.get(fid, ())
                mits = sorted(found) if len(found) > 1 else found  # the finding's order: sorted "<id>@<scope>"
            subj = facts.get(f.subjects[0])
            return mits, subj.locate(f.field) if subj is not None else f.location

        return (self._entries(self.risks, own),
                tuple(sorted([(f.subject, fld, rule) for f in self.gaps for fld, rule in f.missing])))

    def head(self, n: int) -> tuple[tuple[RiskEntry, ...], int]:
        # A few risks: their own late fields, not a map of every mitigation's.
        return self._entries(self.risks[:n], lambda f: (f.mitigations, f.location)), len(self.risks)

    def gap_head(self, n: int) -> tuple[tuple[tuple[str, str, str], ...], int, int]:
        """``RiskAssessment.gap_head``: the gap findings of the first ``n`` subjects made rows and sorted, the others
        only counted (a subject whose finding misses nothing has no row)."""
        listed = [(f.subject, f.missing) for f in self.gaps if f.missing]
        subjects = {subject for subject, _missing in listed}
        first = set(heapq.nsmallest(n, subjects))
        rows = sorted([(subject, fld, rule) for subject, missing in listed if subject in first
                       for fld, rule in missing])
        return tuple(rows), sum([len(missing) for _subject, missing in listed]), len(subjects)

    def _entries(self, risks: Sequence[Finding], own: Callable[[Finding], tuple[Sequence[str], Location]]
                 ) -> tuple[RiskEntry, ...]:
        """The entries of ``risks``; ``own(risk)``: its mitigations' ids and its location."""
        phases = self.phases
        titles = {m.id: m.title for m in self.rv.mitigations}
        where: dict[str, str] = {}  # display_path per file: a few files, thousands of risks
        sev_value = {s: s.value for s in Severity}  # the enum's value property per risk was a tenth of the section
        # The mitigations' titles and earliest phase, per set of mitigations and phase: a few thousand sets.
        resolved: dict[tuple[tuple[str, ...], int], tuple[tuple[str, ...], int]] = {}
        entries = []
        for f in risks:
            mits, loc = own(f)
            shown = where.get(loc.file)
            if shown is None:
                shown = where[loc.file] = display_path(loc.file)
            phase = f.phase
            if mits:
                key = (tuple(mits), phase)
                by = resolved.get(key)
                if by is None:
                    by = resolved[key] = (tuple([titles.get(m, m) for m in mits]), min([phases.get(m, phase)
                                                                                         for m in mits]))
                mit_titles, phase = by
            else:
                mit_titles = ()
            entries.append(RiskEntry(  # id, rule, title, severity, likelihood, impact, subjects, message, ...
                f.id, f.rule, f.title, sev_value[f.severity], f.likelihood, f.impact, f.subjects, _oneline(f.message),
                mit_titles, phase, f"{shown}:{loc.line}" if loc.line else shown))
        return tuple(entries)


# --------------------------------------------------------------------------------------
# 4. Performance
# --------------------------------------------------------------------------------------


def _critical_paths(graph: CallGraph) -> Callable[[str, frozenset[str] | None], tuple[str, ...]]:
    """A function giving the chain of hard synchronous calls with the largest summed p95 below an entry.

    The entry takes its route's calls only (``routes_to``); one memo serves every entry point below it,
    so the whole section stays linear. Each node's memo holds its summed p95 and the next node of its chain
    (not the chain itself: copying each chain into its caller's grew with the graph's size times its depth,
    20,000 services: 0.2 s of the plan's 7 s, 14 times that of 5,000); a chain is listed when an entry asks
    for it, once per entry service (its entry points share it).
    """
    memo: dict[str, tuple[int, str | None]] = {}
    listed: dict[str, tuple[str, ...]] = {}

    def combine(node: str, children: Sequence[tuple[Mapping[str, Any], tuple[int, str | None]]]
                ) -> tuple[int, str | None]:
        own = int(graph.data(node).get("latency_p95_ms") or 0)
        top_cost, top = 0, None
        for e, sub in children:
            cost = int(e.get("calls_per_request", 1)) * (int(e["latency_p95_ms"]) if e.get("latency_p95_ms")
                                                          is not None else sub[0])
            if cost > top_cost or top is None:
                top_cost, top = cost, str(e["to"])
        return own + top_cost, top

    def chain(node: str | None) -> tuple[str, ...]:
        out = []
        while node is not None:
            out.append(node)
            node = memo[node][1]
        return tuple(out)

    def critical_path(entry: str, routes: frozenset[str] | None) -> tuple[str, ...]:
        nxt = fold_entry(graph, memo, entry, routes, combine)[1]
        if routes is not None:
            return (entry, *chain(nxt))
        if entry not in listed:
            listed[entry] = chain(entry)
        return listed[entry]

    return critical_path


def _performance(rv: Review, d: _Design, graph: CallGraph, cap: Capacity) -> tuple[EntryPerformance, ...]:
    out = []
    critical_path = _critical_paths(graph)
    figures = EntryFigures(graph, cap)
    redundant_of = _RedundantAvailability(d)
    peak = d.system.get("expected_peak_rps")
    shared: dict[str, int] = {}
    for p in rv.enriched.paths:
        shared[p.entry_service] = shared.get(p.entry_service, 0) + 1
    for p in rv.enriched.paths:
        missing: list[str] = []
        if p.unknown_latency:
            missing.append("latency_p95_ms of " + ", ".join(p.unknown_latency[:10])
                           + (f" and {len(p.unknown_latency) - 10} more" if len(p.unknown_latency) > 10 else ""))
        if p.unknown_availability:
            missing.append("availability (or sla) of " + ", ".join(p.unknown_availability[:10])
                           + (f" and {len(p.unknown_availability) - 10} more"
                              if len(p.unknown_availability) > 10 else ""))
        if p.latency_target_ms is None:
            missing.append(f"a latency target: latency_p95_ms on endpoint '{p.entry}', an SLO, or system")
        if p.availability_target is None:
            missing.append("an availability target: system.availability_target or an SLO")
        if p.bottleneck is None:
            missing.append("capacity_rps of the services on the path (rate_limit_rps of externals)")
        ep = d.endpoints.get(p.entry)
        routes = routes_of(ep)
        if shared.get(p.entry_service, 0) > 1 and p.fan_out > 1 and routes is None:
            missing.append(f"which downstream calls each route of {p.entry_service} makes: the design gives "
                           f"{p.entry_service}'s calls, not per route, so its {shared[p.entry_service]} entry points "
                           "share one call tree")
        demand = ep.data.get("rps") if ep else None
        demand = demand if demand is not None else peak
        if demand is None:
            missing.append(f"expected load: rps on endpoint '{p.entry}' or system.expected_peak_rps")
        lat_complete = not p.unknown_latency
        if p.latency_target_ms is None:
            lv = "no target"
        elif not lat_complete:
            lv = "over target (partial sum)" if p.latency_ms > p.latency_target_ms else "unknown (figures missing)"
        else:
            lv = "over target" if p.latency_ms > p.latency_target_ms else "within target"
        av_complete = not p.unknown_availability
        redundant = redundant_of.of(p.nodes) if av_complete else None
        if p.availability_target is None:
            av = "no target"
        elif not av_complete:
            av = "unknown (figures missing)"
        elif p.availability < p.availability_target - 1e-12:
            av = ("below target; met with failover" if redundant is not None and
                  redundant >= p.availability_target - 1e-12 else "below target")
        else:
            av = "meets target"
        headroom = None
        if p.bottleneck_rps is not None and demand:
            headroom = round(p.bottleneck_rps / float(demand), 3)
        fig = figures.of(p.entry_service, routes, p.latency_target_ms)
        out.append(EntryPerformance(
            entry=p.entry, entry_service=p.entry_service, components=len(p.nodes), depth=p.depth,
            critical_path=critical_path(p.entry_service, routes), latency_ms=p.latency_ms,
            latency_complete=lat_complete, latency_target_ms=p.latency_target_ms, latency_verdict=lv,
            availability=p.availability, availability_complete=av_complete, availability_redundant=redundant,
            availability_target=p.availability_target, availability_verdict=av,
            retry_amplification=p.retry_amplification, retry_layers=p.retry_layers,
            fan_out=p.fan_out if routes is None else fig.fan_out,
            bottleneck=p.bottleneck, bottleneck_rps=p.bottleneck_rps,
            demand_rps=float(demand) if demand is not None else None, headroom=headroom,
            missing=tuple(missing), source=f"design:path:{p.entry}", routes=tuple(sorted(routes or ())),
            composed_availability=fig.availability, availability_assumptions=fig.assumptions,
            sensitivity=fig.sensitivity, latency_tail_ms=fig.tail_ms, latency_p99_ms=fig.p99_ms,
            worst_case_ms=fig.worst_ms, budget=fig.budget))
    return tuple(out)


class _RedundantAvailability:
    """Each path's serial availability product where datastores with automatic failover count their replicas as
    parallel copies: an upper bound (failover is not instantaneous); None when a component on the path states no
    availability, or none has such redundancy.

    Entry points served by the same service over the same route share one call tree (one ``nodes`` object, see
    enrich's ``per_entry``): its figure is computed once, and each component's factor once per design. Walking each
    entry's tree anew made this step grow with entry points x tree size (a fully specified design of 5,000 services:
    500 entries x 4,583 components)."""

    __slots__ = ("_d", "_factor", "_memo")

    _NOT_COMPONENT: tuple[float, bool] = (1.0, False)

    def __init__(self, d: _Design) -> None:
        self._d = d
        self._factor: dict[str, tuple[float, bool] | None] = {}  # node -> (factor, failover), None: no figure
        self._memo: dict[int, tuple[Sequence[str], float | None]] = {}  # id(nodes) -> (nodes, figure)

    def _node(self, n: str) -> tuple[float, bool] | None:
        f = self._d.comp.get(n)
        if f is None:
            return self._NOT_COMPONENT
        a = f.data.get("sla") if f.kind == "external" else f.data.get("availability")
        if a is None:
            return None
        a = float(a)
        replicas = int(f.data.get("replicas") or 0)
        if f.kind == "datastore" and f.data.get("failover") == "automatic" and replicas > 0:
            return 1 - (1 - a) ** (replicas + 1), True
        return a, False

    def of(self, nodes: Sequence[str]) -> float | None:
        """The figure of the path through ``nodes``, in their order."""
        hit = self._memo.get(id(nodes))
        if hit is not None and hit[0] is nodes:
            return hit[1]
        value = self._compute(nodes)
        self._memo[id(nodes)] = (nodes, value)  # holding nodes keeps its id from being reused
        return value

    def _compute(self, nodes: Sequence[str]) -> float | None:
        factor, node = self._factor, self._node
        total = 1.0
        used = False
        for n in nodes:
            fa = factor[n] if n in factor else factor.setdefault(n, node(n))
            if fa is None:
                return None
            if fa is self._NOT_COMPONENT:
                continue
            total *= fa[0]
            used = used or fa[1]
        return round(total, 9) if used else None


# --------------------------------------------------------------------------------------
# 5. Tests
# --------------------------------------------------------------------------------------


TEST_ORDER = ("contract", "integration", "resilience", "load", "security")


def _tests(rv: Review, items: _Items) -> _Tests:
    found = items.of("test")
    covered = {str(f["subject"]) for f, _r in items.of("test", "load")}
    return _Tests(found, [p.entry for p in rv.enriched.paths if f"path:{p.entry}" not in covered],
                  items.made_order("test"))


class _Tests:
    """Section 5's tests, made when first read: a table of the plan shows the first 400 of each type (of 28,000
    tests at 5,000 services: ``Plan.tests_by_type``), the JSON plan all of them.

    The rules' tests (``found``), then a load test without a pass bar for each entry point no rule's load test
    covers (``uncovered``); by type (``TEST_ORDER``), subject and title, ties in that order."""

    __slots__ = ("found", "keyed", "made", "uncovered")

    def __init__(self, found: list[tuple[dict[str, Any], str]], uncovered: list[str],
                 made: list[tuple[int, tuple[dict[str, Any], str]]] | None = None) -> None:
        self.found, self.uncovered, self.made = found, uncovered, made
        """``made``: ``found`` with their positions, in the order the rules derived them (``_Items.made_order``)."""
        self.keyed: dict[str, list[tuple[str, str, int]]] | None = None

    def _item(self, k: int) -> PlanItem:
        """The ``k``th test, in the order above before sorting."""
        if k < len(self.found):
            return _plan_item(*self.found[k])
        entry = self.uncovered[k - len(self.found)]
        return PlanItem(type="load", subject=f"path:{entry}", title=f"Load test: {entry}",
                        detail="No latency target is stated, so the test has no pass bar yet.",
                        pass_bar="none: state a latency target",  # noqa: S106 - not a password
                        source=f"design:path:{entry}")

    def _keyed(self) -> dict[str, list[tuple[str, str, int]]]:
        """Each type's tests as (subject, title, position for ``_item``), unsorted; only types that have tests."""
        if self.keyed is None:
            keyed: dict[str, list[tuple[str, str, int]]] = {}
            # In the order they were derived when known: the rows are the same, each type's in another order, which
            # ``by_type`` sorts (28,000 tests at 5,000 services, read where they sit in memory).
            for k, (f, _r) in self.made if self.made is not None else enumerate(self.found):
                keyed.setdefault(str(f["type"]), []).append((str(f["subject"]), str(f["title"]), k))
            base = len(self.found)
            keyed.setdefault("load", []).extend((f"path:{e}", f"Load test: {e}", base + j)
                                                for j, e in enumerate(self.uncovered))
            self.keyed = {t: rows for t, rows in keyed.items() if rows}
        return self.keyed

    def __call__(self) -> tuple[tuple[PlanItem, ...]]:
        order = {t: i for i, t in enumerate(TEST_ORDER)}  # types of no known order among themselves by subject
        out = [self._item(k) for k in range(len(self.found) + len(self.uncovered))]
        return (tuple(sorted(out, key=lambda i: (order.get(i.type, 99), i.subject, i.title))),)

    def by_type(self, n: int) -> tuple[dict[str, tuple[PlanItem, ...]], dict[str, int]]:
        item = self._item
        keyed = self._keyed()
        # Only the first n of each type are put in order: ``heapq.nsmallest`` is ``sorted(rows)[:n]`` (the rows are
        # unique by position), a third of the time for the first 400 of 13,000 (none for the counts alone).
        return ({t: tuple([item(k) for _s, _t, k in heapq.nsmallest(n, rows)]) for t, rows in keyed.items()},
                {t: len(rows) for t, rows in keyed.items()})


# --------------------------------------------------------------------------------------
# 6. Deployment
# --------------------------------------------------------------------------------------


def _deployment(d: _Design, items: _Items, roadmap: Roadmap) -> Deployment:
    migrations = [_plan_item(f, r) for f, r in items.of("deploy", "migration")]
    # A step per component to release, in the roadmap's order (an external is no release of this system's).
    released = [(w, d.comp[w.id.split(":", 1)[1]]) for w in roadmap.items if w.kind == "component"]
    released = [(w, f) for w, f in released if f.kind != "external"]
    return new_deployment(tuple([f.key for _w, f in reversed(released)]),
                          tuple(sorted(migrations, key=lambda m: m.subject)),
                          _DeploySteps(d, items.of("deploy", "strategy"), migrations, released))


class _DeploySteps:
    """Section 6's release steps, made when first read: a table of the plan shows the first 400 of 6,500 at 5,000
    services (``Deployment.steps_head``), the JSON plan all of them."""

    __slots__ = ("d", "migrations", "released", "strategies")

    def __init__(self, d: _Design, strategies: list[tuple[dict[str, Any], str]], migrations: list[PlanItem],
                 released: list[tuple[WorkItem, Fact]]) -> None:
        self.d, self.strategies, self.migrations, self.released = d, strategies, migrations, released

    def __call__(self) -> tuple[tuple[DeployStep, ...]]:
        return (self.steps(None)[0],)

    def steps(self, n: int | None) -> tuple[tuple[DeployStep, ...], int]:
        """The first ``n`` release steps (all: None), and how many there are."""
        if n == 0:  # the count alone (section 2)
            return (), len(self.released)
        d = self.d
        recommended: dict[str, tuple[str, str]] = {}
        for item, rule in self.strategies:
            comp = d.component_of(str(item["subject"]))
            if comp is not None and "strategy" in item:
                recommended.setdefault(comp, (str(item["strategy"]), f"rule:{rule}"))
        migration_of = {d.component_of(m.subject): m for m in self.migrations}
        steps: list[DeployStep] = []
        for w, f in self.released[:n]:
            name = f.name
            warnings: list[str] = []
            actions: list[str] = []
            if f.kind == "datastore":
                strategy, src = "provision", w.source
                actions.append(f"Provision {name} from infrastructure code; verify backups and restore before "
                               "the first writer deploys.")
                mig = migration_of.get(name)
                if mig is not None:
                    actions.append("Run its schema changes expand-first, before the writers deploy (steps under "
                                   "Database migrations).")
                    if f.data.get("migration_strategy") == "in_place":
                        warnings.append("declared migration_strategy 'in_place': switch to expand/contract")
                restore = (f.data.get("backups") or {}).get("restore_tested")
                rollback = ("Expand steps are additive: keep them and roll back the code. A contract step is not "
                            "reversible without a restore from backup" + (
                                " (restore never tested: test it first)." if restore is not True else "."))
            elif f.kind == "channel":
                strategy, src = "provision", w.source
                actions.append(f"Declare {name} (and its dead-letter queue) before producers and consumers deploy.")
                rollback = "Leave the channel in place; roll back its producers and consumers. Drain before deleting."
            else:
                dep = d.deployments.get(name)
                if dep is not None and dep.data.get("strategy"):
                    strategy, src = str(dep.data["strategy"]), f"design:{dep.key}"
                elif name in recommended:
                    strategy, src = recommended[name]
                else:
                    strategy, src = "rolling", "default (no strategy or criticality stated)"
                actions.append(f"Release {name} with a {strategy.replace('_', '-')} deployment"
                               + (", gated on readiness." if f.data.get("health", {}).get("readiness") else
                                  "; add a readiness probe to gate it."))
                rollback = ROLLBACK_BY_STRATEGY.get(strategy, ROLLBACK_BY_STRATEGY["rolling"])
                if dep is not None:
                    if dep.data.get("rollback") in ("none", "manual"):
                        warnings.append(f"rollback is {dep.data['rollback']}: automate it")
                    if dep.data.get("rollback_tested") is False:
                        warnings.append("rollback never tested: rehearse it before the first production release")
                    if dep.data.get("migration_compatibility") == "breaking":
                        warnings.append("ships breaking migrations: split them into expand and contract releases")
                    if strategy == "recreate":
                        warnings.append("recreate has downtime on every release")
            steps.append(DeployStep(order=len(steps) + 1, component=f.key, kind=f.kind, strategy=strategy,
                                    strategy_source=src, actions=tuple(actions), rollback=rollback,
                                    warnings=tuple(warnings)))
        return tuple(steps), len(self.released)


# --------------------------------------------------------------------------------------
# 7. Monitoring
# --------------------------------------------------------------------------------------


def _monitoring(rv: Review, d: _Design, items: _Items) -> Monitoring:
    slos = []
    slo_names = {str(s["target"]) for s in d.observability.get("slos", [])}
    for p in rv.enriched.paths:
        if p.entry in slo_names:
            src = "design:observability.slos"
        elif p.latency_target_ms is not None or p.availability_target is not None:
            src = "design:endpoint/system targets"
        else:
            src = "none stated"
        budget = round((1 - p.availability_target) * MINUTES_30D, 1) if p.availability_target is not None else None
        slos.append(Slo(entry=p.entry, availability=p.availability_target, latency_p95_ms=p.latency_target_ms,
                        source=src, error_budget_minutes_30d=budget))
    declared = tuple(sorted(str(a) for a in d.observability.get("alerts", [])))
    return new_monitoring(tuple(slos), declared, str(d.observability.get("tracing", "unknown")),
                          _MonitoringRows(d, items.of("monitor", "alert"), declared))


class _MonitoringRows:
    """Section 7's golden signals, alerts and trace edges, made when first read: a table of the plan shows the first
    400 of 5,000 services' signals, 5,900 alerts and 13,000 trace edges at 5,000 services (``Monitoring.signals_head``
    and the like), the JSON plan all of them.

    Signals by service name, alerts by title and subject (ties in the rules' order), trace edges by interaction key."""

    __slots__ = ("alerts", "d", "declared")

    def __init__(self, d: _Design, alerts: list[tuple[dict[str, Any], str]], declared: tuple[str, ...]) -> None:
        self.d, self.alerts, self.declared = d, alerts, declared

    def __call__(self) -> tuple[tuple[GoldenSignals, ...], tuple[PlanItem, ...], tuple[TraceEdge, ...]]:
        return (self.signals(None)[0], self.alert_rows(None)[0], self.traces(None)[0])

    def signals(self, n: int | None) -> tuple[tuple[GoldenSignals, ...], int]:
        """The first ``n`` services' golden signals (all: None), and how many services there are."""
        services = sorted([name for name, f in self.d.comp.items() if f.kind == "service"])
        return tuple([_signals(name, self.d.comp[name].data) for name in services[:n]]), len(services)

    def alert_rows(self, n: int | None) -> tuple[tuple[PlanItem, ...], int]:
        """The first ``n`` alerts (all: None), and how many there are."""
        found, declared = self.alerts, self.declared
        if n == 0:  # the count alone (section 2)
            return (), len(found)
        # Sorted by title and subject, ties in the rules' order; only the first n made (``heapq.nsmallest`` is
        # ``sorted(keys)[:n]``, the keys unique by position).
        keys = [(str(f["title"]), str(f["subject"]), k) for k, (f, _r) in enumerate(found)]
        first = sorted(keys) if n is None else heapq.nsmallest(n, keys)
        alerts = []
        for _title, _subject, k in first:
            it = _plan_item(*found[k])
            if it.title.split(":", 1)[0] in declared:
                it = PlanItem(it.type, it.subject, it.title, it.detail + " (an alert of this name is declared: check "
                              "it covers this subject)", it.pass_bar, it.source)
            alerts.append(it)
        return tuple(alerts), len(found)

    def traces(self, n: int | None) -> tuple[tuple[TraceEdge, ...], int]:
        """The first ``n`` synchronous edges the trace context must cross (all: None), and how many there are."""
        d = self.d
        edges = []
        for f in sorted(d.interactions, key=lambda f: f.key):
            tk = d.kind_of(str(f.data["to"]))
            if tk != "channel" and is_sync(f.data, tk):
                edges.append((f, tk))
        tri = {True: "yes", False: "NO", None: "unknown"}
        traces = []
        for f, tk in edges[:n]:
            caller = d.comp.get(str(f.data["from"]))
            callee = d.comp.get(str(f.data["to"]))
            callee_t = tri[callee.data.get("tracing")] if callee is not None and callee.kind == "service" else \
                f"n/a ({tk}: client span only)"
            traces.append(TraceEdge(edge=f.name, caller_traces=tri[caller.data.get("tracing") if caller else None],
                                    callee_traces=callee_t))
        return tuple(traces), len(edges)


def _signals(name: str, s: Mapping[str, Any]) -> GoldenSignals:
    """What to measure on the service ``name`` (its data ``s``)."""
    inbound = "requests/s per endpoint" if s.get("public_entry") or s.get("inbound") else "messages or jobs/s"
    sat_metric = (s.get("autoscaling") or {}).get("metric")
    sat = "CPU, memory" + (f", {sat_metric} (the autoscaling metric)" if sat_metric not in (None, "cpu",
                                                                                             "memory") else "")
    if s.get("concurrency_limit"):
        sat += f", in-flight requests vs limit {s['concurrency_limit']}"
    if s.get("type") in ("worker", "batch", "function"):
        sat += ", queue depth / lag"
    exported = {True: "yes", False: "NO: export them", None: "unknown"}[s.get("metrics")]
    return GoldenSignals(
        service=name, latency=f"p50/p95/p99 per operation (own p95 stated: {s.get('latency_p95_ms', 'unknown')})",
        traffic=inbound, errors="5xx / failed operations, by dependency", saturation=sat, exported=exported)
