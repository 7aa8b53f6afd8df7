"""``archplan questions``: a review's information gaps as one checklist per design agent.

The questions are the fields the rules asked for (gaps) and the fields a risk was found on by reading them as
their common default (``basis: assumed``, rules/README.md section 4): stating those settles the finding one way
or the other. Each unknown field a rule needs goes to the agent that owns it (``engine.model.kinds.owner``, the
ownership ``archplan schema --agent`` cuts by). Targeted questions come first: the field decides a risk
of medium severity or more on that subject, and the question names the risk. Hygiene questions follow,
once per system: a field whose answer decides only low risks is asked once for every fact it is
unknown on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.grouping import plural
from engine.model import SINGLETON_KINDS, Severity, field_description
from engine.model.kinds import AGENT_TITLES, owner
from engine.review import Review

ALWAYS_TARGETED = Severity.HIGH
"""A field that decides a risk of this severity or more is asked about each subject."""
TARGETED_FROM = Severity.MEDIUM
"""A field that decides a risk of this severity or more is asked about each subject, unless it is unknown
on ``HYGIENE_FROM`` subjects of its kind or more: a practice the design leaves open everywhere (runbooks,
deadline propagation) is asked once for the system."""
HYGIENE_FROM = 3


@dataclass(frozen=True)
class Decides:
    """A risk a question's answer decides."""

    rule: str
    title: str
    severity: str


@dataclass(frozen=True)
class Question:
    """One question for one agent: a field, on one subject (targeted) or on several (hygiene)."""

    agent: str
    kind: str
    field: str
    subjects: tuple[str, ...]
    locations: tuple[str, ...]
    decides: tuple[Decides, ...]
    about: str
    targeted: bool
    assumed: tuple[tuple[str, Any], ...] = ()
    """(subject, value) for the subjects whose risks the review found by reading the field as ``value``."""

    @property
    def basis(self) -> str:
        """``assumed`` when a risk was found on the field's assumed default, ``gap`` when rules only asked."""
        return "assumed" if self.assumed else "gap"

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "field": self.field, "subjects": list(self.subjects),
                "locations": list(self.locations), "question": self.text(),
                "decides": [{"rule": d.rule, "title": d.title, "severity": d.severity} for d in self.decides],
                "basis": self.basis, "assumed": [{"subject": s, "value": v} for s, v in self.assumed]}

    def text(self) -> str:
        """The question, in one line."""
        names = [s.split(":", 1)[1] for s in self.subjects]
        if self.kind in SINGLETON_KINDS:
            where = f"the {self.kind}" if self.kind != "system" else "the system"
        elif self.targeted:
            where = f"{self.kind} '{names[0]}'"
        else:
            shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            where = f"{len(names)} {self.kind}{'s' if len(names) > 1 else ''} ({shown})"
        return f"{where}: what is `{self.field}`?" + self.assumed_note() + (f" {self.about}" if self.about else "")

    def assumed_note(self) -> str:
        """What the review read the field as, when a risk was found by reading it as a default (else empty)."""
        values = sorted({json.dumps(v) for _s, v in self.assumed})
        if not values:
            return ""
        some = "" if len(self.assumed) == len(self.subjects) else f" on {len(self.assumed)} of them"
        return f" (the review read it as {' or '.join(f'`{v}`' for v in values)}{some}: findings on an assumed basis)"


def _about(kind: str, field: str) -> str:
    text = field_description(kind, field) or ""
    first = text.split("\n\n", 1)[0].replace("\n", " ").strip()
    return first.replace("``", "`")


def questions(rv: Review) -> dict[str, list[Question]]:
    """The review's gaps, and the design fields its assumed risks read as a default, as questions, per agent
    (every agent present), targeted first."""
    rules = rv.kb.source
    # (agent, kind, field) -> subject -> rules needing it
    asked: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    where: dict[str, str] = {}
    assumed: dict[tuple[str, str], Any] = {}  # (subject, field) -> the value a risk read it as
    locations = {fact.key: str(fact.location) for fact in rv.design.facts}

    def ask(subject: str, fld: str, rule: str) -> None:
        kind = subject.split(":", 1)[0]
        try:
            agent = owner(kind, fld)
        except KeyError:  # a kind archplan computes: its questions go to the agent of the field's fact
            agent = "infrastructure"
        asked.setdefault((agent, kind, fld), {}).setdefault(subject, set()).add(rule)

    for f in rv.findings:
        if f.kind == "gap":
            where[f.subject] = str(f.location)
            for fld, rule in f.missing:
                ask(f.subject, fld, rule)
        for a in f.assumed:  # computed fields (blocking, an access's mode) are not asked: no design file states them
            if a.fact in locations and field_description(a.fact.split(":", 1)[0], a.field) is not None:
                where.setdefault(a.fact, locations[a.fact])
                assumed.setdefault((a.fact, a.field), a.value)
                ask(a.fact, a.field, f.rule)

    def decides(rule_ids: set[str]) -> tuple[Decides, ...]:
        out = []
        for rid in sorted(rule_ids):
            sev = rules[rid].rule.severity if rid in rules else None
            out.append(Decides(rid, rules[rid].rule.title if rid in rules else rid, (sev or Severity.LOW).value))
        return tuple(sorted(out, key=lambda d: (-Severity(d.severity).rank, d.rule)))

    def read_as(names: list[str], fld: str) -> tuple[tuple[str, Any], ...]:
        return tuple((s, assumed[(s, fld)]) for s in names if (s, fld) in assumed)

    per_agent: dict[str, list[Question]] = {a: [] for a in AGENT_TITLES}
    for (agent, kind, fld), subjects in sorted(asked.items()):
        about = _about(kind, fld)
        hygiene: list[str] = []
        hygiene_rules: set[str] = set()
        floor = ALWAYS_TARGETED if len(subjects) >= HYGIENE_FROM else TARGETED_FROM

        for subject, rule_ids in sorted(subjects.items()):
            d = decides(rule_ids)
            if Severity(d[0].severity).rank >= floor.rank:
                per_agent[agent].append(Question(agent, kind, fld, (subject,), (where[subject],), d, about, True,
                                                 read_as([subject], fld)))
            else:
                hygiene.append(subject)
                hygiene_rules |= rule_ids
        if hygiene:
            per_agent[agent].append(Question(agent, kind, fld, tuple(hygiene), tuple(where[s] for s in hygiene),
                                             decides(hygiene_rules), about, False, read_as(hygiene, fld)))
    for agent, qs in per_agent.items():
        per_agent[agent] = sorted(qs, key=lambda q: (not q.targeted, -Severity(q.decides[0].severity).rank,
                                                     q.kind, q.subjects, q.field))
    return per_agent


def render_json(rv: Review, per_agent: dict[str, list[Question]], path: Any = str) -> str:
    """``{"agents": {agent: {"title", "targeted": [...], "hygiene": [...]}}}``, keys sorted."""
    out = {"agents": {a: {"title": AGENT_TITLES[a],
                          "targeted": [_shown(q.to_json(), path) for q in qs if q.targeted],
                          "hygiene": [_shown(q.to_json(), path) for q in qs if not q.targeted]}
                      for a, qs in per_agent.items()},
           "questions": sum(len(qs) for qs in per_agent.values())}
    return json.dumps(out, indent=2, sort_keys=True) + "\n"


def _shown(data: dict[str, Any], path: Any) -> dict[str, Any]:
    data["locations"] = [path(loc) for loc in data["locations"]]
    return data


def _alike(targeted: list[Question]) -> list[list[Question]]:
    """The targeted questions, those asking the same field of subjects of one kind, for the same risks and on the
    same basis, as one group (a checklist item with one sub-item per subject), each where its first one stood."""
    groups: dict[tuple[Any, ...], list[Question]] = {}
    for q in targeted:
        key = (q.kind, q.field, q.decides, q.about, tuple(sorted({json.dumps(v) for _s, v in q.assumed})))
        groups.setdefault(key, []).append(q)
    return list(groups.values())


def render_markdown(rv: Review, per_agent: dict[str, list[Question]], path: Any = str) -> str:
    """One checklist per agent: targeted questions (with the risk each decides) first, then hygiene."""
    name = next((str(f.data.get("name")) for f in rv.design.facts if f.kind == "system"), "")
    lines = [f"# Questions for the design agents{': ' + name if name else ''}", ""]
    total = sum(len(qs) for qs in per_agent.values())
    lines += [f"{total} question{'s' if total != 1 else ''}: the facts the review needs and the design does "
              "not state, each for the agent that owns it. Targeted questions decide a risk (named); "
              "hygiene questions are asked once for the system.", ""]
    for agent, qs in per_agent.items():
        targeted = [q for q in qs if q.targeted]
        hygiene = [q for q in qs if not q.targeted]
        lines += [f"## {AGENT_TITLES[agent]} (`source: {agent}`)", ""]
        if not qs:
            lines += ["Nothing to ask.", ""]
            continue
        if targeted:
            lines += ["### Targeted", ""]
            for group in _alike(targeted):
                q = group[0]
                risk = "; ".join(f"{d.title} (`{d.rule}`, {d.severity})" for d in q.decides)
                if len(group) == 1:
                    lines.append(f"- [ ] {q.text()} Decides: {risk}. At {path(q.locations[0])}.")
                    continue
                lines.append(f"- [ ] {plural(q.kind, len(group))}: what is `{q.field}` on each?{q.assumed_note()}"
                             + (f" {q.about}" if q.about else "") + f" Decides: {risk}.")
                lines += [f"  - [ ] {m.kind} '{m.subjects[0].split(':', 1)[1]}' at {path(m.locations[0])}"
                          for m in group]
            lines.append("")
        if hygiene:
            lines += ["### Hygiene (once for the system)", ""]
            for q in hygiene:
                risk = ", ".join(f"`{d.rule}`" for d in q.decides)
                lines.append(f"- [ ] {q.text()} Needed by {risk}.")
            lines.append("")
    return "\n".join(lines)

