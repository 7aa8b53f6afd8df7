"""The integration plan as data: seven sections, each item saying where it came from.

Pure data. ``source`` on an item is ``rule:<id>`` (a fired rule derived it), ``design:<fact key>``
(it restates a design fact), ``finding:<id>`` or ``default`` (a documented fallback used when no rule
and no fact decides).
"""

from __future__ import annotations

import dataclasses
import heapq
from dataclasses import field
from typing import Any, Protocol

from engine.model.finding import late_fields
from engine.model.frozen import frozen_record
from engine.plan.dataflow import DataFlow

PLAN_VERSION = 1


@frozen_record
class Node:
    """A component drawn in the architecture diagram."""

    id: str
    name: str
    kind: str
    """service, gateway, external, datastore, channel, clients or group (a collapsed owner)."""
    type: str | None
    owner: str | None
    public: bool
    risk: str | None
    """Worst severity of a risk on this component (or inside the group), if any."""
    risks: int
    members: int = 1
    data: tuple[str, ...] = ()
    """The classifications of data it stores or processes (section 1's data flow), most sensitive first."""


@frozen_record
class Edge:
    """A call, query, publication or delivery between two drawn components."""

    src: str
    dst: str
    sync: bool
    label: str
    risk: str | None
    count: int = 1


@frozen_record
class Architecture:
    """Section 1."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[tuple[str, tuple[str, ...]], ...]
    """Owner (trust zone inside the system) -> node ids."""
    collapsed: bool
    components: dict[str, int]
    mermaid: str
    dot: str
    svg: str | None
    notes: tuple[str, ...]


@frozen_record
class WorkItem:
    """A component to build or a mitigation to implement."""

    id: str
    kind: str
    """component or mitigation."""
    title: str
    detail: str
    subject: str
    phase: int
    planned_phase: int
    after: tuple[str, ...]
    source: str
    order: int
    note: str = ""
    team: str = ""
    """The owner of the component the item changes (its first subject's); empty when none is stated."""
    effort: tuple[float, float] | None = None
    """Person-days (low, high) its rule states (a mitigation's ``effort``); None: the default per kind."""


@frozen_record
class Roadmap:
    """Section 2."""

    items: tuple[WorkItem, ...]
    cycles: tuple[tuple[str, ...], ...]
    unresolved: tuple[str, ...]
    mermaid: str
    dot: str
    svg: str | None


@frozen_record
class RiskEntry:
    """One risk of the review, with what resolves it and when."""

    id: str
    rule: str
    title: str
    severity: str
    likelihood: str | None
    impact: str | None
    subjects: tuple[str, ...]
    message: str
    mitigations: tuple[str, ...]
    phase: int
    location: str


@frozen_record
class RiskAssessment:
    """Section 3."""

    risks: tuple[RiskEntry, ...]
    matrix: dict[str, dict[str, list[str]]]
    """likelihood -> impact -> risk ids."""
    gaps: tuple[tuple[str, str, str], ...]
    """(subject, missing field, rule needing it), sorted."""

    def head(self, n: int) -> tuple[tuple[RiskEntry, ...], int]:
        """The first ``n`` risks and how many there are, without making the others when ``risks`` is still to be
        made (``new_risk_assessment``): a capped table reads 400 of 23,000 risks at 5,000 services."""
        rows = self.__dict__.get("risks")
        if rows is None:
            return self.__dict__[_LATE].head(n)  # type: ignore[no-any-return]
        return rows[:n], len(rows)

    def gap_head(self, n: int) -> tuple[tuple[tuple[str, str, str], ...], int, int]:
        """The gaps of the first ``n`` subjects (in the order of ``gaps``), how many gaps there are and on how many
        subjects, without making the others when ``gaps`` is still to be made (``new_risk_assessment``): a capped
        table reads those of 400 of 23,000 subjects at 5,000 services (122,700 gaps)."""
        gaps = self.__dict__.get("gaps")
        if gaps is None:
            return self.__dict__[_LATE].gap_head(n)  # type: ignore[no-any-return]
        subjects = {g[0] for g in gaps}
        first = set(heapq.nsmallest(n, subjects))
        return tuple([g for g in gaps if g[0] in first]), len(gaps), len(subjects)


class LateRisks(Protocol):
    """What ``new_risk_assessment`` makes the risks and gaps from: all of them, or the first few."""

    def __call__(self) -> tuple[tuple[RiskEntry, ...], tuple[tuple[str, str, str], ...]]:
        """``(risks, gaps)``: every risk entry, top first, and every gap, sorted (the late fields' values, in
        order)."""

    def head(self, n: int) -> tuple[tuple[RiskEntry, ...], int]:
        """The first ``n`` risk entries, and how many there are."""

    def gap_head(self, n: int) -> tuple[tuple[tuple[str, str, str], ...], int, int]:
        """The gaps of the first ``n`` subjects, how many gaps there are and on how many subjects
        (``RiskAssessment.gap_head``)."""


_LATE = "_late"
"""Where ``late_fields`` keeps what an instance's late fields are to be made from, until they are."""
_new_risk_assessment = late_fields(RiskAssessment, ("risks", "gaps"))


def new_risk_assessment(matrix: dict[str, dict[str, list[str]]], risks: LateRisks) -> RiskAssessment:
    """A ``RiskAssessment`` whose ``risks`` and ``gaps`` are made when first read (``late_fields``); ``head`` and
    ``gap_head`` make only those they return until then."""
    return _new_risk_assessment(matrix, risks)


@frozen_record
class EntryPerformance:
    """Section 4, one public entry point."""

    entry: str
    entry_service: str
    components: int
    depth: int
    critical_path: tuple[str, ...]
    latency_ms: int
    latency_complete: bool
    latency_target_ms: int | None
    latency_verdict: str
    availability: float
    availability_complete: bool
    availability_redundant: float | None
    availability_target: float | None
    availability_verdict: str
    retry_amplification: int
    retry_layers: int
    fan_out: int
    bottleneck: str | None
    bottleneck_rps: float | None
    demand_rps: float | None
    headroom: float | None
    missing: tuple[str, ...]
    source: str
    routes: tuple[str, ...] = ()
    """The calls the endpoint's route takes out of its service (``routes_to``); empty: all of them."""
    composed_availability: float | None = None
    """With copies across zones (k of n), soft dependencies left out and retries (docs/plan.md)."""
    availability_assumptions: tuple[str, ...] = ()
    sensitivity: str = ""
    """The single change that raises the composed availability the most, and by how much."""
    latency_tail_ms: int | None = None
    """p95 with parallel calls as the p95 of their maximum (exponential latencies, docs/plan.md)."""
    latency_p99_ms: int | None = None
    """p99 the same way, where every component and call on the route states a ``latency_p99_ms``."""
    worst_case_ms: int | None = None
    """Longest wait: attempts x timeout along every call; None when a call below has no timeout."""
    budget: str = ""


@frozen_record
class CapacityRow:
    """Section 4, one component the public load reaches."""

    component: str
    kind: str
    demand_rps: float
    capacity_rps: float | None
    capacity_basis: str
    utilization: float | None
    headroom_rps: float | None
    scale: float | None
    """How many times the projected load it carries before it saturates."""


@frozen_record
class Capacity:
    """Section 4, capacity and scalability."""

    rows: tuple[CapacityRow, ...]
    entry_demand: tuple[tuple[str, float, str], ...]
    """(entry point, target throughput in rps, where the figure comes from)."""
    scale: float | None
    saturates_first: str | None
    summary: str
    missing: tuple[str, ...]


@frozen_record
class ScheduledItem:
    """Section 2's schedule, one work item."""

    id: str
    title: str
    team: str
    phase: int
    start: float
    """Days from the start of the plan."""
    end: float
    effort_days: float


@frozen_record
class PhaseSpan:
    """When a phase starts and ends (a gate: it starts when the previous one is done)."""

    phase: int
    title: str
    start: float
    end: float
    days: float


@frozen_record
class TeamLoad:
    """A team's work in one phase, and the share of its capacity over the phase's span."""

    team: str
    phase: int
    person_days: float
    utilization: float


@frozen_record
class Schedule:
    """Section 2's schedule: phases, team load, the critical path, the limiting team, and the Gantt chart."""

    items: tuple[ScheduledItem, ...]
    phases: tuple[PhaseSpan, ...]
    loads: tuple[TeamLoad, ...]
    critical_path: tuple[str, ...]
    limiting_team: str
    total_days: float
    assumptions: tuple[str, ...]
    mermaid: str
    svg: str | None


@frozen_record
class PlanItem:
    """A test, alert, deployment or monitoring item (from a rule or from the design's structure)."""

    type: str
    subject: str
    title: str
    detail: str
    pass_bar: str
    source: str


@frozen_record
class DeployStep:
    """Section 6, one step of the release order."""

    order: int
    component: str
    kind: str
    strategy: str
    strategy_source: str
    actions: tuple[str, ...]
    rollback: str
    warnings: tuple[str, ...]


@frozen_record
class Deployment:
    """Section 6."""

    steps: tuple[DeployStep, ...]
    rollback_order: tuple[str, ...]
    migrations: tuple[PlanItem, ...]

    def steps_head(self, n: int) -> tuple[tuple[DeployStep, ...], int]:
        """The first ``n`` release steps and how many there are, without making the others when ``steps`` is still
        to be made (``new_deployment``): a capped table reads 400 of 6,500 steps at 5,000 services."""
        made = self.__dict__.get("steps")
        if made is None:
            return self.__dict__[_LATE].steps(n)  # type: ignore[no-any-return]
        return made[:n], len(made)


class LateSteps(Protocol):
    """What ``new_deployment`` makes the release steps from: all of them (``n`` None), or the first few."""

    def __call__(self) -> tuple[tuple[DeployStep, ...]]:
        """``(steps,)``: every release step, in order (the late field's value)."""

    def steps(self, n: int | None) -> tuple[tuple[DeployStep, ...], int]:
        """The first ``n`` release steps, and how many there are."""


_new_deployment = late_fields(Deployment, ("steps",))


def new_deployment(rollback_order: tuple[str, ...], migrations: tuple[PlanItem, ...], steps: LateSteps) -> Deployment:
    """A ``Deployment`` whose ``steps`` are made when first read (``late_fields``); ``steps_head`` makes only those it
    returns until then."""
    return _new_deployment(rollback_order, migrations, steps)


@frozen_record
class Slo:
    """An objective for one entry point."""

    entry: str
    availability: float | None
    latency_p95_ms: int | None
    source: str
    error_budget_minutes_30d: float | None


@frozen_record
class GoldenSignals:
    """What to measure on one service."""

    service: str
    latency: str
    traffic: str
    errors: str
    saturation: str
    exported: str


@frozen_record
class TraceEdge:
    """A synchronous edge the trace context must cross."""

    edge: str
    caller_traces: str
    callee_traces: str


@frozen_record
class Monitoring:
    """Section 7."""

    slos: tuple[Slo, ...]
    signals: tuple[GoldenSignals, ...]
    alerts: tuple[PlanItem, ...]
    declared_alerts: tuple[str, ...]
    traces: tuple[TraceEdge, ...]
    tracing: str

    # The first ``n`` of a late field and how many it holds, without making the others when the field is still to be
    # made (``new_monitoring``): a capped table reads 400 of 5,000 signals, 5,900 alerts and 13,000 trace edges at
    # 5,000 services.

    def signals_head(self, n: int) -> tuple[tuple[GoldenSignals, ...], int]:
        """The first ``n`` services' golden signals, and how many there are."""
        made = self.__dict__.get("signals")
        if made is None:
            return self.__dict__[_LATE].signals(n)  # type: ignore[no-any-return]
        return made[:n], len(made)

    def alerts_head(self, n: int) -> tuple[tuple[PlanItem, ...], int]:
        """The first ``n`` alerts, and how many there are."""
        made = self.__dict__.get("alerts")
        if made is None:
            return self.__dict__[_LATE].alert_rows(n)  # type: ignore[no-any-return]
        return made[:n], len(made)

    def traces_head(self, n: int) -> tuple[tuple[TraceEdge, ...], int]:
        """The first ``n`` synchronous edges the trace context must cross, and how many there are."""
        made = self.__dict__.get("traces")
        if made is None:
            return self.__dict__[_LATE].traces(n)  # type: ignore[no-any-return]
        return made[:n], len(made)


class LateMonitoring(Protocol):
    """What ``new_monitoring`` makes the signals, alerts and trace edges from: all of them (``n`` None), or the
    first few."""

    def __call__(self) -> tuple[tuple[GoldenSignals, ...], tuple[PlanItem, ...], tuple[TraceEdge, ...]]:
        """``(signals, alerts, traces)``: every one of each (the late fields' values, in order)."""

    def signals(self, n: int | None) -> tuple[tuple[GoldenSignals, ...], int]:
        """The first ``n`` golden signals, and how many there are."""

    def alert_rows(self, n: int | None) -> tuple[tuple[PlanItem, ...], int]:
        """The first ``n`` alerts, and how many there are."""

    def traces(self, n: int | None) -> tuple[tuple[TraceEdge, ...], int]:
        """The first ``n`` trace edges, and how many there are."""


_new_monitoring = late_fields(Monitoring, ("signals", "alerts", "traces"))


def new_monitoring(slos: tuple[Slo, ...], declared_alerts: tuple[str, ...], tracing: str,
                   rows: LateMonitoring) -> Monitoring:
    """A ``Monitoring`` whose ``signals``, ``alerts`` and ``traces`` are made when first read (``late_fields``);
    ``signals_head`` and the like make only those they return until then."""
    return _new_monitoring(slos, declared_alerts, tracing, rows)


@frozen_record
class Plan:
    """The whole integration plan."""

    system: str
    description: str
    counts: dict[str, int]
    architecture: Architecture
    roadmap: Roadmap
    risks: RiskAssessment
    performance: tuple[EntryPerformance, ...]
    tests: tuple[PlanItem, ...]
    deployment: Deployment
    monitoring: Monitoring
    rules_used: tuple[str, ...] = field(default=())
    capacity: Capacity | None = None
    schedule: Schedule | None = None
    data_flow: DataFlow | None = None

    def tests_by_type(self, n: int) -> tuple[dict[str, tuple[PlanItem, ...]], dict[str, int]]:
        """The first ``n`` tests of each type (in the order of ``tests``) and how many tests each type has, without
        making the others when ``tests`` is still to be made (``new_plan``): a capped table reads 400 of each type,
        of 28,000 tests at 5,000 services."""
        tests = self.__dict__.get("tests")
        if tests is None:
            return self.__dict__[_LATE].by_type(n)  # type: ignore[no-any-return]
        first: dict[str, list[PlanItem]] = {}
        counts: dict[str, int] = {}
        for t in tests:
            count = counts[t.type] = counts.get(t.type, 0) + 1
            listed = first.setdefault(t.type, [])
            if count <= n:
                listed.append(t)
        return {k: tuple(v) for k, v in first.items()}, counts

    def to_json(self, include_svg: bool = False) -> dict[str, Any]:
        """The plan as versioned, JSON-ready data (the SVG is left out unless asked for: it is large)."""
        data = _plain(self)
        if not include_svg:
            data["architecture"].pop("svg", None)
            data["roadmap"].pop("svg", None)
            if data.get("schedule"):
                data["schedule"].pop("svg", None)
        return {"version": PLAN_VERSION, "plan": data}

    def json_view(self) -> dict[str, Any]:
        """``to_json`` one level deep, for an encoder that takes the dataclasses below as their fields.

        The plan's and its sections' fields as dicts (without the SVG); every item below is left as it is,
        not copied into a dict first (170,000 items at 5,000 services).
        """
        data = _field_values(self)  # its tests may be still to make (new_plan)
        for name in ("architecture", "roadmap", "schedule"):
            if data.get(name) is not None:
                data[name] = {k: v for k, v in vars(data[name]).items() if k != "svg"}
        data["risks"] = _field_values(self.risks)  # its risks may be still to make (new_risk_assessment)
        return {"version": PLAN_VERSION, "plan": data}


class LateTests(Protocol):
    """What ``new_plan`` makes the tests from: all of them, or the first few of each type."""

    def __call__(self) -> tuple[tuple[PlanItem, ...]]:
        """``(tests,)``: every test, in the plan's order (the late fields' values, in order)."""

    def by_type(self, n: int) -> tuple[dict[str, tuple[PlanItem, ...]], dict[str, int]]:
        """The first ``n`` tests of each type, and how many each type has (``Plan.tests_by_type``)."""


_new_plan = late_fields(Plan, ("tests",))


def new_plan(system: str, description: str, counts: dict[str, int], architecture: Architecture, roadmap: Roadmap,
             risks: RiskAssessment, performance: tuple[EntryPerformance, ...], deployment: Deployment,
             monitoring: Monitoring, rules_used: tuple[str, ...], capacity: Capacity | None, schedule: Schedule | None,
             data_flow: DataFlow | None, tests: LateTests) -> Plan:
    """A ``Plan`` whose ``tests`` are made when first read (``late_fields``); ``tests_by_type`` makes only those it
    returns until then."""
    return _new_plan(system, description, counts, architecture, roadmap, risks, performance, deployment, monitoring,
                     rules_used, capacity, schedule, data_flow, tests)


def _field_values(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, late ones (``late_fields``) made."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


_SCALARS = frozenset({str, int, float, bool, type(None)})
_DATACLASSES: set[type] = set()


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and dicts as JSON-ready values (like ``asdict``, without its deep copies)."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    if cls is tuple or cls is list:
        for v in value:
            if type(v) not in _SCALARS:
                return [v if type(v) in _SCALARS else _plain(v) for v in value]
        return list(value)  # most are names (a work item's prerequisites, a risk's subjects): copied whole
    if cls is dict:
        out = {str(k): v for k, v in value.items()}
    elif cls in _DATACLASSES or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        _DATACLASSES.add(cls)
        # Plan dataclasses are plain (no slots, no properties as fields): their __dict__ is their fields, but for
        # late ones (``late_fields``) still to be made.
        out = vars(value).copy() if _LATE not in vars(value) else _field_values(value)
    else:
        return value
    for k, v in out.items():  # most fields are scalars: the copy keeps them, only the others are replaced
        if type(v) not in _SCALARS:
            out[k] = _plain(v)
    return out
