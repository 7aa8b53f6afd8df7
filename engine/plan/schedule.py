"""The roadmap as a schedule: effort per item, each team's capacity, the four phases as gates.

List scheduling, deterministic: items in roadmap order (prerequisites first), each done by one person of
its team, starting when its prerequisites are done, a person of its team is free, and its phase's gate
is open (every item of the earlier phases done). Formulas and defaults: docs/plan.md ("Schedule").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from engine.model import Phase
from engine.plan.model import PhaseSpan, Schedule, ScheduledItem, TeamLoad, WorkItem

EFFORT_DAYS = {"component": 5.0, "mitigation": 2.0}
"""Default effort per kind of work item, in person-days, until rules state an effort per item."""
TEAM_SIZE = 2
"""People per team working on the plan at once, until the design states its teams' capacity."""
UNASSIGNED = "unassigned"
_EFFORT = attrgetter("effort")
CHART_LIMIT = 120
"""Larger roadmaps are charted as one bar per team and phase."""


def effort(w: WorkItem, days: Mapping[str, float] | None = None) -> float:
    """An item's effort in person-days, first found of: ``days`` for its mitigation pattern (archplan.toml
    ``[plan] effort``), its rule's ``effort`` (the middle of a range), ``days`` for its kind, the default."""
    return _effort(w, {**EFFORT_DAYS, **(days or {})})


def _effort(w: WorkItem, table: Mapping[str, float]) -> float:
    """``effort`` with its table (the defaults, then ``days``) made once for all items."""
    pattern = _pattern(w)
    if pattern in table and pattern not in EFFORT_DAYS:
        return table[pattern]
    if w.effort is not None:
        return (w.effort[0] + w.effort[1]) / 2
    return table.get(w.kind, table["mitigation"])


def _pattern(w: WorkItem) -> str:
    """A mitigation's pattern id (``circuit-breaker`` of ``mitigation:circuit-breaker@checkout``)."""
    return w.id.split(":", 1)[-1].split("@", 1)[0] if w.kind == "mitigation" else ""


def schedule(items: Sequence[WorkItem], team_size: Mapping[str, int] | None = None, draw: bool = True,
             effort_days: Mapping[str, float] | None = None, sized_by: str = "archplan.toml") -> Schedule:
    """Schedule the roadmap's items; report phase spans, team load, the critical path and the limiting team.

    ``team_size``: people per team (``default`` for the others), stated by ``sized_by``; ``effort_days``:
    person-days per kind; ``draw``: also draw the Gantt chart as SVG (for HTML).
    """
    sizes = dict(team_size or {})
    default_size = sizes.pop("default", TEAM_SIZE)
    days_of = {**EFFORT_DAYS, **{k: v for k, v in (effort_days or {}).items() if k in EFFORT_DAYS}}
    stated = effort_days or {}

    table = {**EFFORT_DAYS, **stated}
    by_pattern = any(k not in EFFORT_DAYS for k in stated)  # else no item's pattern is in the table

    def item_effort(w: WorkItem) -> float:
        if by_pattern:
            return _effort(w, table)
        return (w.effort[0] + w.effort[1]) / 2 if w.effort is not None else table.get(w.kind, table["mitigation"])

    finish: dict[str, float] = {}
    placed: dict[str, ScheduledItem] = {}
    why: dict[str, str] = {}  # item -> the item whose end set its start ("" at the gate)
    phases: list[PhaseSpan] = []
    gate, gate_item = 0.0, ""
    by_phase = _by_phase(items)
    for p in sorted(by_phase):
        members = by_phase[p]
        slots: dict[str, list[tuple[float, str]]] = {}
        for w in members:
            team = w.team or UNASSIGNED
            free = slots.get(team)
            if free is None:  # not ``setdefault``: it made the list for each of the 20,700 items it then dropped
                free = slots[team] = [(gate, gate_item)] * max(1, sizes.get(team, default_size))
            k, start = 0, free[0][0]  # the first person free soonest (as min over (free at, index) would pick)
            for j in range(1, len(free)):
                if free[j][0] < start:
                    k, start = j, free[j][0]
            start, cause = free[k]
            for a in w.after:
                done = finish.get(a)
                if done is not None and done > start:
                    start, cause = done, a
            took = item_effort(w)
            end = start + took
            free[k] = (end, w.id)
            finish[w.id] = end
            why[w.id] = cause
            placed[w.id] = ScheduledItem(w.id, w.title, team, p, start, end, took)  # positional: 20,000 items
        end_of_phase = max((finish[w.id] for w in members), default=gate)
        last = max(members, key=lambda w: (finish[w.id], -w.order)).id if members else gate_item
        phases.append(PhaseSpan(phase=p, title=Phase(p).title, start=gate, end=end_of_phase,
                                days=end_of_phase - gate))
        gate, gate_item = end_of_phase, last
    path = _back_from(gate_item, why)
    loads = _loads(placed.values(), phases, sizes, default_size)
    on_path: dict[str, float] = {}
    for i in path:
        on_path[placed[i].team] = on_path.get(placed[i].team, 0.0) + placed[i].effort_days
    limiting = min(on_path, key=lambda t: (-on_path[t], t)) if on_path else ""
    by_rule = _by_rule(items, stated)
    assumptions = (
        "effort: " + ", ".join(f"{k} {v:g} person-days" for k, v in sorted(days_of.items()))
        + (" (per kind, from archplan.toml)" if effort_days else " (defaults per kind)")
        + (f"; {by_rule} mitigation{' takes its' if by_rule == 1 else 's take their'} rule's effort"
           if by_rule else ""),
        f"capacity: {default_size} people per team working at once"
        + ("; " + ", ".join(f"{t}: {n}" for t, n in sorted(sizes.items())) if sizes else "")
        + (f" (from {sized_by})" if team_size else " (default)"),
        "each item is done by one person of the team owning its subject; a phase starts when the previous "
        "one is done",
    )
    out = tuple(placed[w.id] for w in items)
    return Schedule(items=out, phases=tuple(phases), loads=tuple(loads), critical_path=tuple(path),
                    limiting_team=limiting, total_days=gate, assumptions=assumptions,
                    mermaid=_mermaid(out, phases), svg=_svg(out, phases) if draw else None)


def _back_from(last: str, why: Mapping[str, str]) -> list[str]:
    """The chain of items whose ends set the starts, from the first to ``last``: the critical path."""
    path: list[str] = []
    node = last
    while node:
        path.append(node)
        node = why.get(node, "")
    path.reverse()
    return path


def _by_rule(items: Sequence[WorkItem], stated: Mapping[str, float]) -> int:
    """The items that take their rule's effort: those stating one, but for patterns archplan.toml sets."""
    if stated:
        return sum(1 for w in items if w.effort is not None and _pattern(w) not in stated)
    return len(items) - list(map(_EFFORT, items)).count(None)  # in C: a generator cost a fifth of the schedule


def _by_phase(items: Iterable[WorkItem]) -> dict[int, list[WorkItem]]:
    """The items of each phase, in their order: one pass over the items, not one per phase."""
    by_phase: dict[int, list[WorkItem]] = {}
    for w in items:
        listed = by_phase.get(w.phase)
        if listed is None:
            listed = by_phase[w.phase] = []
        listed.append(w)
    return by_phase


def _loads(placed: Iterable[ScheduledItem], phases: Sequence[PhaseSpan], sizes: Mapping[str, int],
           default_size: int) -> list[TeamLoad]:
    """Each team's person-days and utilisation per phase, phase by phase, teams by name."""
    by_phase: dict[int, dict[str, float]] = {span.phase: {} for span in phases}
    for s in placed:  # one pass, adding in the same order as one pass per phase did
        per_team = by_phase[s.phase]
        per_team[s.team] = per_team.get(s.team, 0.0) + s.effort_days
    loads = []
    for span in phases:
        for team, days in sorted(by_phase[span.phase].items()):
            cap = max(1, sizes.get(team, default_size)) * span.days
            loads.append(TeamLoad(team=team, phase=span.phase, person_days=days,
                                  utilization=round(days / cap, 3) if cap else 0.0))
    return loads


def _name(text: str) -> str:
    """A Gantt task or section name: no colon, hash, comma or semicolon (Mermaid's separators)."""
    return re.sub(r"[^\w .()/@'→-]+", " ", text).strip()[:80] or "item"


def _bars(items: Sequence[ScheduledItem]) -> list[tuple[int, str, float, float]]:
    """(phase, label, start, end): one per item, or one per team and phase for large roadmaps."""
    if len(items) <= CHART_LIMIT:
        return [(s.phase, f"{s.title} ({s.team})", s.start, s.end) for s in items]
    spans: dict[tuple[int, str], list[Any]] = {}  # [first start, last end, items], widened in place
    for s in items:  # 20,700 at 5,000 services: no tuple, min or max call per item
        key, start, end = (s.phase, s.team), s.start, s.end
        span = spans.get(key)
        if span is None:
            spans[key] = [start, end, 1]
            continue
        if start < span[0]:  # noqa: PLR1730 - a comparison, not a call to min, per item
            span[0] = start
        if end > span[1]:  # noqa: PLR1730 - likewise
            span[1] = end
        span[2] += 1
    return [(p, f"{team}: {n} items", lo, hi) for (p, team), (lo, hi, n) in sorted(spans.items())]


def _mermaid(items: Sequence[ScheduledItem], phases: Sequence[PhaseSpan]) -> str:
    lines = ["gantt", "  title Roadmap schedule (days from the start)", "  dateFormat X", "  axisFormat %j"]
    current = None
    for k, (p, label, start, end) in enumerate(_bars(items)):
        if p != current:
            current = p
            lines.append(f"  section {_name(f'{p}. {Phase(p).title}')}")
        # dateFormat X counts seconds: a day is 86,400 of them; whole seconds keep the output stable.
        lines.append(f"    {_name(label)} :t{k}, {round(start * 86400)}, {round(end * 86400)}")
    del phases
    return "\n".join(lines) + "\n"


FILLS = {1: "#dff3e4", 2: "#e7f0fb", 3: "#f3e8fd", 4: "#fff4d6"}


def _svg(items: Sequence[ScheduledItem], phases: Sequence[PhaseSpan]) -> str:
    """A Gantt chart as SVG: one row per bar, days along the top, phase gates as dashed lines; 12 px text."""
    bars = _bars(items)
    total = max((b[3] for b in bars), default=1.0) or 1.0
    label_w, chart_w, row_h, top = 420, 900, 20, 40
    scale = chart_w / total
    height = top + row_h * len(bars) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + chart_w + 20}" height="{height}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="Roadmap schedule">']
    step = max(1, round(total / 10))
    day = 0
    while day <= total:
        x = label_w + day * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" stroke="#eeeeee"/>'
                   f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="#555555">day {day}</text>')
        day += step
    for span in phases:
        x = label_w + span.end * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 20}" x2="{x:.1f}" y2="{height - 20}" stroke="#888888" '
                   f'stroke-dasharray="4 3"/><text x="{x - 4:.1f}" y="{top - 24}" text-anchor="end" '
                   f'fill="#333333">{html.escape(f"end of phase {span.phase}")}</text>')
    for k, (p, label, start, end) in enumerate(bars):
        y = top + k * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end">{html.escape(label[:64])}</text>'
                   f'<rect x="{label_w + start * scale:.1f}" y="{y + 3}" width="{max(1.0, (end - start) * scale):.1f}" '
                   f'height="{row_h - 6}" fill="{FILLS.get(p, "#eeeeee")}" stroke="#2f5f98"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
