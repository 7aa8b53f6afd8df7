"""What ``archplan import`` found, and what it leaves for the design agents to say.

A few lines for the person who ran the import: the components found by kind and those left out, the
edges by how they were found, the fields the built-in rules need that the artifacts did not state
(counted per field across the imported facts), and those fields grouped by the agent to ask.

The fields come from the rules, not from a list kept here: a rule's ``gaps`` names the fields whose
being unknown it reports, on the kind its pattern matches. Only kind names, field names and counts
are shown, never a value or a name from an artifact (values may hold credentials).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.importers.compose_project import NOT_STARTED
from engine.importers.infra import NOT_REVIEWED
from engine.model import SECTIONS, field_description
from engine.model.design import Design, Fact, LoadWarning
from engine.model.kinds import AGENT_TITLES, KIND_AGENT, owner
from engine.model.ruledata import KnowledgeBase

TOP_FIELDS = 8
"""How many unknown fields the summary lists."""
FIELDS_PER_AGENT = 3
"""How many fields each agent's line names (the rest are counted)."""

_DECLARED = re.compile(r"^(?:depends_on|links) \(")
"""An ``inferred_from`` item that cites a declared edge (compose ``depends_on``/``links``)."""
_LEFT_OUT = ": not reviewed as part of the system"


def rule_fields(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Per design kind, the fields the rules report as an information gap, or read as a default, when unknown,
    sorted.

    A rule's ``gaps`` and ``assume`` name ``alias.field``; the alias's pattern gives the kind. Kinds archplan
    computes (paths, consumers, steps) and computed fields are left out: no design file states them.
    """
    counts = rule_field_counts(kb)
    out: dict[str, set[str]] = {}
    for kind, fld in counts:
        out.setdefault(kind, set()).add(fld)
    return {kind: tuple(sorted(fields)) for kind, fields in sorted(out.items())}


def rule_field_counts(kb: KnowledgeBase) -> Counter[tuple[str, str]]:
    """(kind, field) -> how much the rules need it: 100 per rule that reads it as a default when it is unknown
    (stating it settles a finding made on an assumed basis), plus 1 per rule that asks for it (a gap)."""
    out: Counter[tuple[str, str]] = Counter()
    for lr in kb.rules:
        for ref in sorted({*lr.rule.gaps, *lr.rule.assume}):
            alias, _, fld = ref.partition(".")
            pattern = next((p for p in lr.rule.when if p.as_ == alias), None)
            if pattern is not None and pattern.kind in KIND_AGENT and field_description(pattern.kind, fld) is not None:
                out[(pattern.kind, fld)] += 100 if ref in lr.rule.assume else 1
    return out


def _stated(data: Mapping[str, Any], path: str) -> bool:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or value.get(part) is None:
            return False
        value = value[part]
    return True


@dataclass(frozen=True)
class Unknown:
    """A field the rules need, unknown on ``missing`` of the ``total`` imported facts of its kind."""

    kind: str
    field: str
    missing: int
    total: int

    @property
    def agent(self) -> str:
        """The agent to ask."""
        return owner(self.kind, self.field)

    @property
    def label(self) -> str:
        """``interaction.timeout_ms``."""
        return f"{self.kind}.{self.field}"


def unknowns(facts: Iterable[Fact], needed: Mapping[str, Sequence[str]],
             weight: Mapping[tuple[str, str], int] | None = None) -> list[Unknown]:
    """The ``needed`` fields not stated on the facts, most often unknown first (ties: the fields more rules need
    first, given their ``weight``, then by kind and field)."""
    weight = weight or {}
    by_kind: dict[str, list[Fact]] = {}
    for f in facts:
        by_kind.setdefault(f.kind, []).append(f)
    out = []
    for kind, fields in needed.items():
        group = by_kind.get(kind, [])
        for fld in fields:
            missing = sum(not _stated(f.data, fld) for f in group)
            if missing:
                out.append(Unknown(kind, fld, missing, len(group)))
    return sorted(out, key=lambda u: (-u.missing, -weight.get((u.kind, u.field), 0), u.kind, u.field))


def left_out(warnings: Iterable[LoadWarning]) -> Counter[str]:
    """Workloads the importers left out (load generators, observability infrastructure), by role."""
    seen: dict[str, set[str]] = {}
    for w in warnings:
        if not w.message.endswith(_LEFT_OUT):
            continue
        for role, phrase in NOT_REVIEWED.items():
            if f" is {phrase} (by its " in w.message:
                seen.setdefault(role, set()).add(w.message)
    return Counter({role: len(msgs) for role, msgs in seen.items()})


def not_started(warnings: Iterable[LoadWarning]) -> int:
    """Compose services left out because none of their profiles is enabled (``compose_project``)."""
    return len({w.message for w in warnings if w.message.endswith(NOT_STARTED)})


def edge_origin(data: Mapping[str, Any]) -> str:
    """How an interaction was found: ``declared`` (by the artifact, or compose ``depends_on``/``links``),
    ``both`` (declared, and named in configuration too) or ``inferred`` (from configuration only)."""
    evidence = data.get("inferred_from")
    if not evidence:
        return "declared"
    items = [i for i in str(evidence).split("; ") if i]
    declared = sum(bool(_DECLARED.match(i)) for i in items)
    return "declared" if declared == len(items) else "both" if declared else "inferred"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_lines(design: Design, kb: KnowledgeBase, top: int = TOP_FIELDS,
                  per_agent: int = FIELDS_PER_AGENT) -> list[str]:
    """The summary, one string a line (deterministic: counts, kind and field names only)."""
    sections = {kind: section for section, (kind, _m, _l) in SECTIONS.items()}
    counts = Counter(f.kind for f in design.facts)
    parts = [f"{sections[k]} {counts[k]}" for k in sections if k != "interaction" and counts[k]]
    n_components = sum(n for k, n in counts.items() if k != "interaction")
    dropped = left_out(design.warnings)
    off = not_started(design.warnings)
    dropped_text = ", ".join(f"{dropped[r]} {r.replace('_', ' ')}" for r in sorted(dropped))
    lines = ["archplan: import summary (--quiet leaves it out)",
             f"  components: {n_components}" + (f" ({', '.join(parts)})" if parts else "")
             + f"; left out as not part of the system: {sum(dropped.values())}"
             + (f" ({dropped_text})" if dropped else "")
             + (f"; left out as compose does not start them (none of their profiles enabled): {off}"
                if off else "")]
    edges = [f.data for f in design.facts if f.kind == "interaction"]
    origins = Counter(edge_origin(d) for d in edges)
    known = sum(bool(d.get("style") or d.get("protocol")) for d in edges)
    if edges:
        lines.append(f"  interactions: {len(edges)} (declared {origins['declared']}, declared and named in "
                     f"configuration {origins['both']}, inferred from configuration only {origins['inferred']})")
        lines.append(f"    style or protocol known on {known} of {len(edges)}")
    else:
        lines.append("  interactions: 0")
    unknown = unknowns(design.facts, rule_fields(kb), rule_field_counts(kb))
    if not unknown:
        lines.append("  unknown: nothing the built-in rules ask about")
        return lines
    lines.append(f"  unknown, though the built-in rules need them ({min(top, len(unknown))} of {len(unknown)} "
                 "fields, most often unknown first):")
    lines.extend(f"    {u.label} unknown on {u.missing} of {u.total} {sections[u.kind] if u.total > 1 else u.kind}"
                 for u in unknown[:top])
    lines.append("  questions for the design agents (every unknown field, most often unknown first):")
    for agent, title in AGENT_TITLES.items():
        mine = [u.label for u in unknown if u.agent == agent]
        if mine:
            more = f" (+{len(mine) - per_agent} more)" if len(mine) > per_agent else ""
            lines.append(f"    {title} ({_plural(len(mine), 'field')}): {', '.join(mine[:per_agent])}{more}")
    return lines


__all__ = ["Unknown", "edge_origin", "left_out", "not_started", "rule_field_counts", "rule_fields", "summary_lines",
           "unknowns"]
