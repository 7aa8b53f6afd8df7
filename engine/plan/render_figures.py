"""Section 4's figures beyond the summed path: availability with redundancy, tail, budgets, capacity.

Renderer-neutral blocks for ``engine.plan.render.layout``; formulas and assumptions in docs/plan.md.
"""

from __future__ import annotations

from engine.plan.blocks import MAX_TABLE_ROWS, Diagram, Table
from engine.plan.blocks import cap as _cap
from engine.plan.figures import pct
from engine.plan.model import Plan


def _ms(v: int | None, partial: str = "—") -> str:
    return f"{v:,} ms" if v is not None else partial


def _listed(items: tuple[str, ...], limit: int = 6) -> str:
    """The first few items, and how many more the JSON plan holds."""
    if not items:
        return "—"
    return "; ".join(items[:limit]) + (f"; and {len(items) - limit} more (JSON plan)" if len(items) > limit else "")


def figure_blocks(plan: Plan) -> list[str | Table | list[str]]:
    """The availability, latency-budget and capacity tables of the performance section."""
    out: list[str | Table | list[str]] = []
    rows = []
    for e in plan.performance[:MAX_TABLE_ROWS]:
        target = pct(e.availability_target) if e.availability_target is not None else "—"
        if e.composed_availability is None:
            composed = f"unknown / {target}: see the figures to add above"
        else:
            composed = f"{pct(e.composed_availability, e.availability_target)} / {target}"
            if e.availability_target is not None:
                composed += (": meets target" if e.composed_availability >= e.availability_target - 1e-12
                             else ": below target")
        rows.append([e.entry, " ".join(e.routes) or "all calls", composed, e.sensitivity or "—",
                     _ms(e.latency_tail_ms, "unknown (figures missing)")
                     + (f"; p99 {e.latency_p99_ms:,} ms" if e.latency_p99_ms is not None else ""), e.budget,
                     _listed(e.availability_assumptions)])
    if rows:
        out.append(Table(["entry point", "route", "composed availability / target", "sensitivity: best single change",
                          "p95 (parallel-aware)", "timeout and retry budget", "assumptions"], rows,
                         "Availability with redundancy, tail latency and budgets per entry point"))
        out.append("Composed availability: each component's stated figure is one copy's (one zone, one database "
                   "node); copies across zones count as k of n, soft dependencies are left out, and retries raise "
                   "a call's success odds against transient failures. The p95 takes parallel calls as the p95 of "
                   "their maximum (exponential latencies, or through the stated p99). The budget adds attempts × "
                   "timeout along every call. Formulas: docs/plan.md.")
    cap = plan.capacity
    if cap is None or not (cap.rows or cap.missing):
        return out
    out.append(f"Capacity: {cap.summary}.")
    crows = [[r.component, r.kind, f"{r.demand_rps:g}", f"{r.capacity_rps:g}" if r.capacity_rps is not None else "—",
              f"{r.utilization:.0%}" if r.utilization is not None else "—",
              f"{r.headroom_rps:g} rps" if r.headroom_rps is not None else "—",
              f"{r.scale:g}×" if r.scale is not None else "—", r.capacity_basis or "not stated"]
             for r in cap.rows[:MAX_TABLE_ROWS]]
    if crows:
        out.append(Table(["component", "kind", "demand (rps)", "capacity (rps)", "utilization", "headroom",
                          "saturates at", "capacity from"], crows,
                         "Demand, utilization and headroom at the projected load ("
                         + ", ".join(f"{n}: {v:g} rps" for n, v, _b in cap.entry_demand[:20])
                         + (" …" if len(cap.entry_demand) > 20 else "") + ")"))
    if cap.missing:
        out.append("Capacity figures to add:")
        out.append(list(cap.missing[:MAX_TABLE_ROWS]))
    return out


def schedule_blocks(plan: Plan) -> list[str | Table | Diagram | list[str]]:
    """The roadmap's schedule: assumptions, phase durations, team load, critical path and the Gantt chart."""
    sc = plan.schedule
    if sc is None or not sc.items:
        return []
    out: list[str | Table | Diagram | list[str]] = [
        f"Schedule: {sc.total_days:g} days in all; {sc.limiting_team or 'no team'} limits it (the most work on the "
        "critical path). Assumptions: " + "; ".join(sc.assumptions) + " (docs/plan.md)."]
    out.append(Table(["phase", "starts (day)", "ends (day)", "days"],
                     [[f"{s.phase}. {s.title}", f"{s.start:g}", f"{s.end:g}", f"{s.days:g}"] for s in sc.phases],
                     "Phase durations (each phase is a gate)"))
    lrows, more = _cap(sc.loads, lambda x: [f"{x.phase}", x.team, f"{x.person_days:g}", f"{x.utilization:.0%}"])
    out.append(Table(["phase", "team", "person-days", "load (of the team's capacity in the phase)"], lrows,
                     "Team load per phase" + (f"; {more}" if more else "")))
    titles = {s.id: s.title for s in sc.items}
    path = [titles[i] for i in sc.critical_path]
    shown = " → ".join(path) if len(path) <= 40 else " → ".join(path[:40]) + f" … ({len(path)} items)"
    out.append(f"Critical path (through prerequisites, a team's free hands and the phase gates): {shown}.")
    out.append(Diagram("Schedule (Gantt)", sc.mermaid, "", sc.svg, Table(
        ["work item", "team", "phase", "start (day)", "end (day)"],
        [[s.title, s.team, str(s.phase), f"{s.start:g}", f"{s.end:g}"] for s in sc.items[:MAX_TABLE_ROWS]])))
    return out
