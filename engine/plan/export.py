"""The plan's work items for issue trackers: a JSON list for GitHub issues, a CSV for Jira's importer.

Each item carries its phase, team, effort, dependencies and the finding (or rule, or design fact) it comes
from. Formats and their checks: docs/plan.md ("Exports").
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from engine.model import Phase
from engine.plan.model import Plan, WorkItem
from engine.plan.schedule import effort

HOURS_PER_DAY = 8
GH_TITLE_MAX = 256
GH_BODY_MAX = 65536
GH_LABEL_MAX = 50
UNASSIGNED = "unassigned"


def _label(text: str) -> str:
    """A label GitHub and Jira both take: no spaces or commas, at most 50 characters."""
    return re.sub(r"[\s,]+", "-", text.strip())[:GH_LABEL_MAX]


def _phase(w: WorkItem) -> str:
    return f"{w.phase}. {Phase(w.phase).title}"


def _origin(w: WorkItem) -> str:
    return w.source if w.source != "default" else "default (no rule assigned a phase)"


def _efforts(plan: Plan) -> dict[str, float]:
    """Each item's effort as the schedule took it (archplan.toml's or the default per kind)."""
    scheduled = {s.id: s.effort_days for s in plan.schedule.items} if plan.schedule is not None else {}
    return {w.id: scheduled.get(w.id, effort(w)) for w in plan.roadmap.items}


def _labels(w: WorkItem, days: float) -> list[str]:
    return ["archplan", _label(f"phase-{w.phase}"), _label(f"team:{w.team or UNASSIGNED}"),
            _label(f"effort:{days:g}d"), _label(w.kind)]


def to_gh_issues(plan: Plan) -> str:
    """A JSON array of GitHub "create an issue" bodies (title, body, labels), one per roadmap item.

    Feed each element to ``gh api repos/OWNER/REPO/issues --input -``; dependencies are named by item id in
    the body (issue numbers exist only once the issues do).
    """
    titles = {w.id: w.title for w in plan.roadmap.items}
    days = _efforts(plan)
    out: list[dict[str, Any]] = []
    for w in plan.roadmap.items:
        lines = [w.detail, "", f"- Phase: {_phase(w)}", f"- Team: {w.team or UNASSIGNED}",
                 f"- Effort: {days[w.id]:g} person-days (per {w.kind}; docs/plan.md)", f"- Subject: `{w.subject}`",
                 f"- From: `{_origin(w)}`"]
        if w.after:
            lines.append("- Depends on: " + "; ".join(f"{titles.get(a, a)} (`{a}`)" for a in w.after))
        if w.note:
            lines.append(f"- Note: {w.note}")
        lines.extend(["", f"<!-- archplan:{w.id} -->"])
        body = "\n".join(lines)
        out.append({"title": w.title[:GH_TITLE_MAX], "body": body[:GH_BODY_MAX], "labels": _labels(w, days[w.id])})
    return json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


JIRA_FIXED = ("Issue Id", "Summary", "Issue Type", "Description", "Component", "Original Estimate", "Phase",
              "Source")
"""Columns of the Jira CSV before the repeated ones (Labels, then Blocked By): header names without
punctuation, as the importer asks."""


def to_jira_csv(plan: Plan) -> str:
    """A CSV for Jira's importer: one row per roadmap item, ``Issue Id`` numbering them in plan order.

    ``Original Estimate`` is in seconds (the importer's unit); each dependency is a ``Blocked By`` column
    holding the ``Issue Id`` of the item it waits for (map it to the link type in the import wizard);
    several labels are several ``Labels`` columns.
    """
    items = plan.roadmap.items
    number = {w.id: k + 1 for k, w in enumerate(items)}
    days = _efforts(plan)
    n_labels = max((len(_labels(w, days[w.id])) for w in items), default=1)
    n_links = max((len(w.after) for w in items), default=0)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # the output neutraliser leaves no carriage return
    writer.writerow([*JIRA_FIXED, *(["Labels"] * n_labels), *(["Blocked By"] * n_links)])
    for w in items:
        labels = _labels(w, days[w.id])
        links = [str(number[a]) for a in w.after if a in number]
        description = "\n".join([w.detail, "", f"Subject: {w.subject}", f"From: {_origin(w)}"]
                                + ([f"Note: {w.note}"] if w.note else []))
        writer.writerow([str(number[w.id]), w.title, "Task", description, w.team or UNASSIGNED,
                         str(round(days[w.id] * HOURS_PER_DAY * 3600)), _phase(w), _origin(w),
                         *labels, *([""] * (n_labels - len(labels))), *links, *([""] * (n_links - len(links)))])
    return buf.getvalue()
