"""Findings grouped the way a reviewer reads them: one line per issue, not one per subject.

A design with one systemic issue (no TLS anywhere, one replica everywhere) gives one finding per
subject: exact for fingerprints, waivers and baselines, but a wall of near-identical lines to read.
Reports therefore show:

- **risks grouped by rule**: a rule states one issue, whichever subjects it reaches ("7 services run a
  single instance on a public request path: a, b, ..."); the group takes its most severe member's severity;
- **information gaps grouped by field** across the elements of a kind ("12 services do not state
  ``logging``"). A field asked of *some* elements of a kind is *targeted*: the rules that need it found
  a risk that hinges on it there, so it comes first with the elements named. A field asked of *every*
  element of its kind is a *checklist* question, asked once for the system.

The JSON report keeps one finding per subject and carries each finding's ``group`` key.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence

from msgspec import Struct

from engine.model import Severity
from engine.model.finding import Finding

_RANK = {s: -s.rank for s in Severity}  # most severe first


def kind_of(subject: str) -> str:
    """``service:cart`` -> ``service``."""
    return subject.partition(":")[0]


def name_of(subject: str) -> str:
    """``service:cart`` -> ``cart``."""
    return subject.split(":", 1)[-1]


class RiskGroup(Struct, frozen=True, eq=False):
    """The findings of one rule."""

    rule: str
    title: str
    findings: tuple[Finding, ...]
    """Most severe first, then by subject."""

    @property
    def severity(self) -> Severity:
        return self.findings[0].severity

    @property
    def first(self) -> Finding:
        return self.findings[0]


class GapGroup(Struct, frozen=True, eq=False):
    """One field left unknown on several elements of one kind."""

    kind: str
    field: str
    subjects: tuple[str, ...]
    rules: tuple[str, ...]
    """The rules that need the field."""
    of: int
    """How many elements of the kind the design has."""

    @property
    def checklist(self) -> bool:
        """Asked of every element of its kind (a question for the system), not of the few a risk hinges on."""
        return len(self.subjects) >= self.of > 1


def risk_groups(findings: Iterable[Finding]) -> list[RiskGroup]:
    """Risk findings grouped by rule: most severe group first, then by size, then by rule."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == "risk":
            by_rule.setdefault(f.rule, []).append(f)
    groups = [RiskGroup(rule, fs[0].title, tuple(sorted(fs, key=lambda f: (_RANK[f.severity], f.subjects[0], f.id))))
              for rule, fs in by_rule.items()]
    return sorted(groups, key=lambda g: (_RANK[g.severity], -len(g.findings), g.rule))


def gap_groups(findings: Iterable[Finding], kind_counts: dict[str, int]) -> list[GapGroup]:
    """Gaps grouped by (kind, field): targeted groups first (by size), then checklist ones."""
    # Subjects of a kind that miss the same fields for the same rules are many (a design's services miss the same
    # few): taken together, each (field, rule) is counted once per such set, not once per subject.
    alike: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for f in findings:
        if f.kind == "gap":
            subject = f.subjects[0]
            alike.setdefault((subject.partition(":")[0], f.missing), []).append(subject)  # (kind_of, inlined)
    # Each (kind, field) is missed by the subjects of some of those sets; many fields by those of the same sets (every
    # service's checklist questions), whose subjects are gathered and sorted once.
    sources: dict[tuple[str, str], dict[tuple[str, tuple[tuple[str, str], ...]], None]] = {}
    rules: dict[tuple[str, str], set[str]] = {}
    for key in alike:
        kind, missing = key
        for fld, rule in missing:
            sources.setdefault((kind, fld), {})[key] = None
            rules.setdefault((kind, fld), set()).add(rule)
    sorted_subjects: dict[tuple[tuple[str, tuple[tuple[str, str], ...]], ...], tuple[str, ...]] = {}
    groups = []
    for (kind, fld), of_sets in sources.items():
        sets = tuple(of_sets)
        subjects = sorted_subjects.get(sets)
        if subjects is None:
            subjects = sorted_subjects[sets] = _sorted_once([s for key in sets for s in alike[key]])
        groups.append(GapGroup(kind, fld, subjects, tuple(sorted(rules[(kind, fld)])), kind_counts.get(kind, 0)))
    return sorted(groups, key=lambda g: (g.checklist, -len(g.subjects), g.kind, g.field))


def _sorted_once(subjects: list[str]) -> tuple[str, ...]:
    """``subjects`` sorted, each once. They come in runs already sorted (a review's gaps are in subject order), which
    sorting a list merges in linear time: a set's order would have to be sorted afresh (10 ms at 5,000 services)."""
    subjects.sort()
    if any(map(operator.eq, subjects, itertools.islice(subjects, 1, None))):  # one subject twice
        return tuple(dict.fromkeys(subjects))
    return tuple(subjects)


def plural(kind: str, n: int) -> str:
    """``3 services``, ``1 datastore``, ``2 policies``."""
    if n == 1:
        return f"1 {kind}"
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy")):
        return f"{n} {kind[:-1]}ies"
    return f"{n} {kind}s" if not kind.endswith("s") else f"{n} {kind}es"


NAMES_SHOWN = 6
"""How many subjects ``names`` shows by name."""


def names(subjects: Sequence[str], limit: int = NAMES_SHOWN, total: int | None = None) -> str:
    """``a, b, c`` or ``a, b, c and 4 more`` (``total``: how many there are, when ``subjects`` holds the first few)."""
    shown = [name_of(s) for s in subjects[:limit]]
    rest = (len(subjects) if total is None else total) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def findings_per_issue(findings: Sequence[Finding]) -> float:
    """Risk findings per group shown in the reports (1.0: each line is one finding)."""
    risks = [f for f in findings if f.kind == "risk"]
    groups = risk_groups(risks)
    return len(risks) / len(groups) if groups else 0.0
