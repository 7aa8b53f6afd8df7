"""The real-systems evaluation (issue 11): what a reviewer expected against what archplan reports.

For each system under ``systems/`` that has a ``design/``, the review runs in-process and its findings
are matched against ``expectations.yaml`` through the concept vocabulary in ``concepts.yaml``
(README.md in this folder gives the method). The risk findings no expectation matched are looked up in
the system's ``judgements.yaml`` (``raw-judgements.yaml`` for the imported design: a reviewer's verdict,
``valid`` or ``noise``, per rule and subject), so
that precision = (matched + valid) / judged, with the findings nobody judged counted apart. It
measures; it is not a gate: exit 0 whatever the figures, exit 2 on a malformed concepts, expectations or
judgements file (one line per problem, file:line:column and key path) or a design that does not load.

Run: ``.venv/bin/python benchmarks/realworld/evaluate.py [--list] [--json] [--raw] [--system NAME]``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, Location
from engine.review import review
from engine.source import Document, keypath, load

HERE = os.path.dirname(os.path.abspath(__file__))
SEVERITIES = ("critical", "high", "medium", "low")
SUBJECT = re.compile(r"^[a-z_]+:\S.*$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")
# A finding on one of these kinds is about the fact of the other kind with the same key: a deployment is
# keyed by its service, and a call path by its entry endpoint.
ALIASES = {"deployment": "service", "path": "endpoint"}


class EvalError(Exception):
    """Malformed evaluation input; ``problems`` are complete one-line messages."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Concept:
    id: str
    summary: str
    rules: frozenset[str]


@dataclass(frozen=True)
class Expectation:
    id: str
    concept: str
    subject: str
    must_not: bool = False
    evidence: tuple[str, ...] = ()
    """``owner/name@commit:path:line`` places the reviewer cites."""


@dataclass(frozen=True)
class Expectations:
    system: str
    file: str
    expected: tuple[Expectation, ...]
    must_not: tuple[Expectation, ...]


@dataclass(frozen=True)
class Seen:
    """What the evaluation needs of one finding."""

    rule: str
    kind: str                       # "risk", or an information gap
    severity: str
    subjects: tuple[str, ...]
    gap_rules: frozenset[str] = frozenset()   # for a gap: the rules that need the missing fields
    message: str = ""

    @property
    def is_risk(self) -> bool:
        return self.kind == "risk"


VERDICTS = ("valid", "noise")
JUDGEMENTS = {"design": "judgements.yaml", "raw": "raw-judgements.yaml"}


@dataclass(frozen=True)
class Judgement:
    """A reviewer's verdict on the risks of ``rule`` that no expectation matched: on ``subjects`` (main
    subject keys), or, with none listed, on every such finding of the rule in the system."""

    rule: str
    verdict: str                    # valid | noise
    subjects: frozenset[str] = frozenset()
    why: str = ""
    same_as: str | None = None
    """The expectation (its id) this valid finding is, found under another subject than the one the reviewer named
    (a handler's name for the workflow's, a route for its service): the expectation stays missed by subject, and is
    counted apart as named otherwise."""


@dataclass(frozen=True)
class Judgements:
    file: str
    entries: tuple[Judgement, ...]

    def verdict_of(self, finding: Seen) -> str | None:
        """The verdict on one finding: an entry naming its main subject wins over one for the whole rule."""
        entry = self.entry_of(finding)
        return entry.verdict if entry is not None else None

    def entry_of(self, finding: Seen) -> Judgement | None:
        """The judgement of one finding: an entry naming its main subject wins over one for the whole rule."""
        general = None
        for j in self.entries:
            if j.rule != finding.rule:
                continue
            if finding.subjects and finding.subjects[0] in j.subjects:
                return j
            if not j.subjects and general is None:
                general = j
        return general


@dataclass
class Verdict:
    expectation: Expectation
    status: str                     # HIT | GAP | MISS
    findings: list[Seen] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)   # the concept's rules behind the verdict
    named_otherwise: list[Seen] = field(default_factory=list)
    """For a MISS or GAP: the findings a reviewer judged to be this expectation under another subject (``same_as``)."""


@dataclass
class Result:
    system: str
    design: str
    verdicts: list[Verdict]
    must_not_hits: list[tuple[Expectation, Seen]]
    unmatched: list[Seen]
    severities: dict[str, int]
    risks: int
    gaps: int
    must_not_ids: tuple[str, ...] = ()
    unmatched_verdicts: tuple[str, ...] = ()   # valid / noise / unjudged, one per unmatched risk

    @property
    def judged(self) -> dict[str, int]:
        return {v: self.unmatched_verdicts.count(v) for v in (*VERDICTS, "unjudged")}

    def count(self, status: str) -> int:
        return sum(1 for v in self.verdicts if v.status == status)

    @property
    def named_otherwise(self) -> int:
        """Expectations missed by subject (MISS or GAP) whose risk a reviewer judged found under another subject."""
        return sum(1 for v in self.verdicts if v.status != "HIT" and v.named_otherwise)

    @property
    def matched_rules(self) -> set[str]:
        return {s.rule for v in self.verdicts if v.status == "HIT" for s in v.findings if s.kind == "risk"}

    @property
    def distinct_issues(self) -> int:
        """Expectations hit, plus one issue per rule whose risks no expectation matched at all (a rule states
        one issue, whatever subjects it reaches)."""
        return self.count("HIT") + len({f.rule for f in self.unmatched} - self.matched_rules)

    @property
    def lines(self) -> int:
        """Risk lines in the grouped reports: one per rule with a risk finding."""
        return len(self.matched_rules | {f.rule for f in self.unmatched if f.kind == "risk"})


# ---- loading -------------------------------------------------------------------------------------------


def _problem(doc: Document, path: tuple[str | int, ...], message: str) -> str:
    where: Location = doc.locate(path)
    return f"{where}: {keypath(path)}: {message}" if path else f"{where}: {message}"


def _load(path: str) -> Document:
    try:
        return load(path)
    except ArchplanError as exc:
        raise EvalError([str(e) for e in exc.errors]) from None
    except OSError as exc:
        raise EvalError([f"{path}: cannot read: {exc.strerror}"]) from None


def load_concepts(path: str) -> dict[str, Concept]:
    """The concept vocabulary: id -> rules that report it."""
    doc = _load(path)
    problems: list[str] = []
    table = doc.data.get("concepts") if isinstance(doc.data, dict) else None
    if not isinstance(table, dict):
        raise EvalError([_problem(doc, (), "expected a mapping with a 'concepts' mapping")])
    concepts: dict[str, Concept] = {}
    for cid, entry in table.items():
        at: tuple[str | int, ...] = ("concepts", cid)
        if not isinstance(entry, dict):
            problems.append(_problem(doc, at, "expected a mapping with 'summary' and 'rules'"))
            continue
        summary, rules = entry.get("summary"), entry.get("rules")
        unknown = sorted(set(entry) - {"summary", "rules"})
        if unknown:
            problems.append(_problem(doc, (*at, unknown[0]), "unknown key"))
        if not isinstance(summary, str) or not summary.strip():
            problems.append(_problem(doc, (*at, "summary"), "expected a non-empty string"))
        if not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
            problems.append(_problem(doc, (*at, "rules"), "expected a list of rule ids ([] if none)"))
            continue
        concepts[str(cid)] = Concept(str(cid), str(summary), frozenset(rules))
    if problems:
        raise EvalError(problems)
    return concepts


def _entries(doc: Document, key: str, concepts: dict[str, Concept], seen: set[str],
             problems: list[str]) -> list[Expectation]:
    items = doc.data.get(key)
    if items is None and key == "must_not":
        return []
    if not isinstance(items, list):
        problems.append(_problem(doc, (key,), "expected a list"))
        return []
    out: list[Expectation] = []
    for i, item in enumerate(items):
        at: tuple[str | int, ...] = (key, i)
        if not isinstance(item, dict):
            problems.append(_problem(doc, at, "expected a mapping"))
            continue
        bad = len(problems)
        for name in ("id", "concept", "subject", "why"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                problems.append(_problem(doc, (*at, name), "expected a non-empty string"))
        evidence = item.get("evidence")
        if not isinstance(evidence, list) or not evidence or not all(isinstance(e, str) for e in evidence):
            problems.append(_problem(doc, (*at, "evidence"), "expected a non-empty list of repo@commit:path:line"))
        unknown = sorted(set(item) - {"id", "concept", "subject", "evidence", "why"})
        if unknown:
            problems.append(_problem(doc, (*at, unknown[0]), "unknown key"))
        if len(problems) > bad:
            continue
        if item["concept"] not in concepts:
            problems.append(_problem(doc, (*at, "concept"),
                                     f"unknown concept '{item['concept']}' (not in concepts.yaml)"))
        if not SUBJECT.match(item["subject"]):
            problems.append(_problem(doc, (*at, "subject"), "expected kind:key, e.g. service:cart"))
        if item["id"] in seen:
            problems.append(_problem(doc, (*at, "id"), f"duplicate id '{item['id']}'"))
        seen.add(item["id"])
        out.append(Expectation(item["id"], item["concept"], item["subject"], must_not=key == "must_not",
                               evidence=tuple(item["evidence"])))
    return out


def load_expectations(path: str, concepts: dict[str, Concept]) -> Expectations:
    """One system's expectations, checked against the concept vocabulary."""
    doc = _load(path)
    if not isinstance(doc.data, dict):
        raise EvalError([_problem(doc, (), "expected a mapping with system, reviewed_at_commit, expected")])
    problems: list[str] = []
    system = doc.data.get("system")
    if not isinstance(system, str) or not system:
        problems.append(_problem(doc, ("system",), "expected the system's name"))
    commit = doc.data.get("reviewed_at_commit")
    if not isinstance(commit, str) or not COMMIT.match(commit):
        problems.append(_problem(doc, ("reviewed_at_commit",), "expected a 40-hex commit"))
    unknown = sorted(set(doc.data) - {"system", "reviewed_at_commit", "expected", "must_not"})
    if unknown:
        problems.append(_problem(doc, (unknown[0],), "unknown key"))
    seen: set[str] = set()
    expected = _entries(doc, "expected", concepts, seen, problems)
    must_not = _entries(doc, "must_not", concepts, seen, problems)
    if problems:
        raise EvalError(problems)
    return Expectations(str(system), path, tuple(expected), tuple(must_not))


def load_judgements(path: str, system: str, expected: Mapping[str, frozenset[str]] | None = None) -> Judgements:
    """One system's verdicts on the risks no expectation matched (an absent file judges nothing)."""
    if not os.path.isfile(path):
        return Judgements(path, ())
    doc = _load(path)
    if not isinstance(doc.data, dict):
        raise EvalError([_problem(doc, (), "expected a mapping with system and judgements")])
    problems: list[str] = []
    if doc.data.get("system") != system:
        problems.append(_problem(doc, ("system",), f"expected '{system}' (the folder's system)"))
    unknown = sorted(set(doc.data) - {"system", "judgements"})
    if unknown:
        problems.append(_problem(doc, (unknown[0],), "unknown key"))
    items = doc.data.get("judgements")
    if not isinstance(items, list):
        raise EvalError([*problems, _problem(doc, ("judgements",), "expected a list")])
    out: list[Judgement] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(items):
        at: tuple[str | int, ...] = ("judgements", i)
        if not isinstance(item, dict):
            problems.append(_problem(doc, at, "expected a mapping"))
            continue
        bad = len(problems)
        for name in ("rule", "why"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                problems.append(_problem(doc, (*at, name), "expected a non-empty string"))
        if item.get("verdict") not in VERDICTS:
            problems.append(_problem(doc, (*at, "verdict"), f"expected one of {', '.join(VERDICTS)}"))
        subjects = item.get("subjects", [])
        if not isinstance(subjects, list) or not all(isinstance(x, str) and SUBJECT.match(x) for x in subjects):
            problems.append(_problem(doc, (*at, "subjects"), "expected a list of kind:key subjects"))
        unknown = sorted(set(item) - {"rule", "verdict", "subjects", "why", "same_as"})
        if unknown:
            problems.append(_problem(doc, (*at, unknown[0]), "unknown key"))
        same_as = item.get("same_as")
        if same_as is not None and (not isinstance(same_as, str) or not same_as.strip()):
            problems.append(_problem(doc, (*at, "same_as"), "expected an expectation id"))
        elif same_as is not None and (item.get("verdict") != "valid" or not subjects):
            problems.append(_problem(doc, (*at, "same_as"), "only a valid verdict on listed subjects can be an "
                                                             "expectation found under another subject"))
        elif same_as is not None and expected is not None and same_as not in expected:
            problems.append(_problem(doc, (*at, "same_as"), f"no expectation {same_as!r} in this system's "
                                                             "expectations.yaml"))
        elif same_as is not None and expected is not None and item.get("rule") not in expected[same_as]:
            problems.append(_problem(doc, (*at, "same_as"), f"{item.get('rule')} is not one of the rules of "
                                                             f"{same_as}'s concept: not the same risk"))
        if len(problems) > bad:
            continue
        for key in subjects or ["*"]:
            if (item["rule"], key) in seen:
                problems.append(_problem(doc, at, f"{item['rule']} on {key} is judged twice"))
            seen.add((item["rule"], key))
        out.append(Judgement(item["rule"], item["verdict"], frozenset(subjects), item["why"], same_as))
    if problems:
        raise EvalError(problems)
    return Judgements(path, tuple(out))


# ---- reviewing and matching ----------------------------------------------------------------------------


def findings_of(design: str) -> list[Seen]:
    """Review a design directory in-process (the library API) as ``archplan check`` does (a one-shot review: the C core
    is given only the rules that can match the design) and keep what the evaluation needs."""
    try:
        result = review([design], keep_engine=False)
    except ArchplanError as exc:
        raise EvalError([str(e) for e in exc.errors]) from None
    return [Seen(rule=f.rule, kind=f.kind, severity=str(f.severity), subjects=tuple(f.subjects),
                 gap_rules=frozenset(rule for _field, rule in f.missing), message=f.message)
            for f in result.findings]


def about(subject: str, finding: Seen) -> bool:
    """Whether the finding is about ``subject`` (kind:key), directly or through a same-key alias. An
    endpoint with method ``ANY`` (an imported route that names no method) is every method of its path, so
    it is about ``endpoint:POST /path`` too; a path prefix is not taken for the routes under it."""
    for s in finding.subjects:
        kind, _, key = s.partition(":")
        if s == subject or f"{ALIASES.get(kind, kind)}:{key}" == subject:
            return True
        if kind == "endpoint" and key.startswith("ANY /") and subject.startswith("endpoint:"):
            method, _sp, path = subject.removeprefix("endpoint:").partition(" ")
            if method.isupper() and path == key.removeprefix("ANY "):
                return True
    return False


def evaluate(system: str, design: str, exp: Expectations, concepts: dict[str, Concept],
             findings: Iterable[Seen], judgements: Judgements | None = None) -> Result:
    """Match one system's findings against its expectations."""
    seen = list(findings)
    risks = [f for f in seen if f.is_risk]
    gaps = [f for f in seen if not f.is_risk]
    matched: set[int] = set()
    verdicts: list[Verdict] = []
    for e in exp.expected:
        rules = concepts[e.concept].rules
        hits = [i for i, f in enumerate(risks) if f.rule in rules and about(e.subject, f)]
        matched.update(hits)
        if hits:
            verdicts.append(Verdict(e, "HIT", [risks[i] for i in hits], sorted({risks[i].rule for i in hits})))
            continue
        only_gaps = [g for g in gaps if g.gap_rules & rules and about(e.subject, g)]
        needed = sorted({r for g in only_gaps for r in g.gap_rules & rules})
        verdicts.append(Verdict(e, "GAP" if only_gaps else "MISS", only_gaps, needed))
    must_not_hits = [(e, f) for e in exp.must_not for f in risks
                     if f.rule in concepts[e.concept].rules and about(e.subject, f)]
    severities = {s: sum(1 for f in risks if f.severity == s) for s in SEVERITIES}
    unmatched = [f for i, f in enumerate(risks) if i not in matched]
    entries = [judgements.entry_of(f) if judgements else None for f in unmatched]
    judged = tuple(j.verdict if j is not None else "unjudged" for j in entries)
    for v in verdicts:
        if v.status != "HIT":
            v.named_otherwise = [f for f, j in zip(unmatched, entries, strict=True)
                                 if j is not None and j.same_as == v.expectation.id]
    return Result(system, design, verdicts, must_not_hits, unmatched, severities, len(risks), len(gaps),
                  tuple(e.id for e in exp.must_not), judged)


# ---- the run -------------------------------------------------------------------------------------------


def systems_in(root: str) -> list[str]:
    return sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "expectations.yaml")))


def run(root: str, concepts_file: str, names: Sequence[str] = (), raw: bool = False) -> list[Result]:
    """Evaluate every system (or ``names``) that has a design; with ``raw``, also each ``raw/`` design."""
    concepts = load_concepts(concepts_file)
    problems: list[str] = []
    chosen = list(names) or systems_in(root)
    loaded: dict[str, Expectations] = {}
    for name in chosen:
        path = os.path.join(root, name, "expectations.yaml")
        if not os.path.isfile(path):
            problems.append(f"{path}: no such file (unknown system '{name}')")
            continue
        try:
            loaded[name] = load_expectations(path, concepts)
        except EvalError as exc:
            problems.extend(exc.problems)
    if problems:
        raise EvalError(problems)
    results: list[Result] = []
    for name, exp in loaded.items():
        for variant in ("design", "raw") if raw else ("design",):
            design = os.path.join(root, name, variant)
            if os.path.isdir(design):
                # Each design is judged on its own findings: judgements.yaml, raw-judgements.yaml.
                judged = load_judgements(os.path.join(root, name, JUDGEMENTS[variant]), name,
                                         {e.id: concepts[e.concept].rules for e in exp.expected})
                results.append(evaluate(name, variant, exp, concepts, findings_of(design), judged))
    return results


# ---- the yield of the imported designs -------------------------------------------------------------------


def read_artifacts(root: str, system: str) -> tuple[str, tuple[str, ...]]:
    """(repository, the paths ``raw_import`` hands to the importers) of a system; ('', ()) without one."""
    path = os.path.join(root, system, "system.yaml")
    if not os.path.isfile(path):
        return "", ()
    data = load(path).data
    if not isinstance(data, dict) or not isinstance(data.get("raw_import"), list):
        return "", ()
    # a step that reads another repository of the system (``repo:``, one listed under ``also``) names its paths in it
    paths = [f"{step['repo']}:{p}" if step.get("repo") else str(p) for step in data["raw_import"]
             if isinstance(step, dict) for key in ("paths", "with") for p in step.get(key) or []]
    if any(isinstance(step, dict) and step.get("format") in ("compose", "auto") for step in data["raw_import"]):
        paths += ["Dockerfile*", "*/Dockerfile*"]  # import compose reads the build contexts' Dockerfiles
    return str(data.get("repo", "")), tuple(paths)


def in_artifacts(e: Expectation, repo: str, paths: Sequence[str]) -> bool:
    """Whether some evidence of ``e`` lies in a file the importers are given (the file itself, a file under a
    directory given, or one a glob names). A path of another repository of the system is written
    ``owner/name:path`` (a service repository whose code is imported; ``owner/name:.`` is all of it)."""
    scoped = [(m.group(1), m.group(2)) if (m := _OTHER_REPO.match(p)) else (repo, p) for p in paths]
    for place in e.evidence:
        where, _at, rest = place.partition("@")
        file = rest.partition(":")[2].rsplit(":", 1)[0]
        if not file:
            continue
        if any(where == r and (p == "." or file == p or file.startswith(p.rstrip("/") + "/") or
                               fnmatch.fnmatchcase(file, p))
               for r, p in scoped):
            return True
    return False


_OTHER_REPO = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+):(.+)$")


def yields(results: Sequence[Result], root: str) -> list[dict[str, Any]]:
    """Per system with a raw design, and in total: the imported design's hits against the hand-written
    design's (the letter figure), and the same over the expectations evidenced in imported artifacts."""
    by = {(r.system, r.design): r for r in results}
    rows: list[dict[str, Any]] = []
    for system in sorted({r.system for r in results if r.design == "raw"}):
        design, raw = by.get((system, "design")), by[(system, "raw")]
        if design is None:
            continue
        repo, paths = read_artifacts(root, system)
        hit_d = {v.expectation.id for v in design.verdicts if v.status == "HIT"}
        # of the risks the hand-written design yields (a raw hit the hand-written design misses is not counted)
        hit_r = {v.expectation.id for v in raw.verdicts if v.status == "HIT"} & hit_d
        gap_r = {v.expectation.id for v in raw.verdicts if v.status == "GAP"} & hit_d
        art = {v.expectation.id for v in design.verdicts if in_artifacts(v.expectation, repo, paths)}
        rows.append({"system": system, "design_hits": len(hit_d), "raw_hits": len(hit_r),
                     "in_artifacts": len(art), "design_hits_in_artifacts": len(hit_d & art),
                     "raw_hits_in_artifacts": len(hit_r & art), "raw_gaps_in_artifacts": len(gap_r & art)})
    if rows:
        total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "system"}
        rows.append({"system": "TOTAL", **total})
    for row in rows:
        row["yield"] = round(row["raw_hits"] / row["design_hits"], 4) if row["design_hits"] else None
        row["yield_in_artifacts"] = (round(row["raw_hits_in_artifacts"] / row["design_hits_in_artifacts"], 4)
                                     if row["design_hits_in_artifacts"] else None)
    return rows


def yield_table(rows: Sequence[dict[str, Any]]) -> str:
    """The imported designs' yield: all expectations, and those evidenced in the artifacts imported."""
    head = (f"{'raw yield':<24}{'design hits':>12}{'raw hits':>10}{'yield':>7}   |{'in artifacts':>13}"
            f"{'design hits':>12}{'raw hits':>10}{'raw gaps':>10}{'yield':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if r["system"] == "TOTAL":
            lines.append("-" * len(head))
        lines.append(f"{r['system']:<24}{r['design_hits']:>12}{r['raw_hits']:>10}"
                     f"{_share(r['raw_hits'], r['design_hits']):>7}   |{r['in_artifacts']:>13}"
                     f"{r['design_hits_in_artifacts']:>12}{r['raw_hits_in_artifacts']:>10}"
                     f"{r['raw_gaps_in_artifacts']:>10}"
                     f"{_share(r['raw_hits_in_artifacts'], r['design_hits_in_artifacts']):>7}")
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _pct(value: float | None) -> str:
    return f"{100 * value:.0f}%" if value is not None else "-"


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def totals(results: Sequence[Result]) -> dict[str, Any]:
    """The figures of each result and of all of them together, as plain data."""
    def figures(rs: Sequence[Result]) -> dict[str, Any]:
        expected = sum(len(r.verdicts) for r in rs)
        hit = sum(r.count("HIT") for r in rs)
        sev = {s: sum(r.severities[s] for r in rs) for s in SEVERITIES}
        risks = sum(r.risks for r in rs)
        issues = sum(r.distinct_issues for r in rs)
        matched = sum(r.risks - len(r.unmatched) for r in rs)
        valid, noise = sum(r.judged.get("valid", 0) for r in rs), sum(r.judged.get("noise", 0) for r in rs)
        judged = matched + valid + noise
        return {"expected": expected, "hit": hit, "gap_only": sum(r.count("GAP") for r in rs),
                "miss": sum(r.count("MISS") for r in rs),
                "strict_recall": round(hit / expected, 4) if expected else None,
                "must_not": sum(len(r.must_not_ids) for r in rs),
                "must_not_hits": sum(len({e.id for e, _ in r.must_not_hits}) for r in rs),
                "risks": risks, "severity": sev,
                "high_critical_share": round((sev["critical"] + sev["high"]) / risks, 4) if risks else None,
                "distinct_issues": issues,
                "findings_per_issue": round(risks / issues, 2) if issues else None,
                "grouped_lines": sum(r.lines for r in rs),
                "lines_per_issue": round(sum(r.lines for r in rs) / issues, 2) if issues else None,
                "unmatched_risks": sum(len(r.unmatched) for r in rs),
                "matched_risks": matched, "valid": valid, "noise": noise,
                "unjudged": sum(r.judged.get("unjudged", 0) for r in rs),
                "named_otherwise": sum(r.named_otherwise for r in rs),
                "precision": round((matched + valid) / judged, 4) if judged else None,
                "gaps": sum(r.gaps for r in rs)}
    rows = [{"system": r.system, "design": r.design, **figures([r])} for r in results]
    by_design = sorted({r.design for r in results})
    return {"systems": rows,
            "total": {d: figures([r for r in results if r.design == d]) for d in by_design}}


def table(results: Sequence[Result]) -> str:
    """One line per system and design, and the totals."""
    data = totals(results)
    head = (f"{'system':<24}{'design':<8}{'exp':>5}{'hit':>5}{'gap':>5}{'miss':>5}{'recall':>8}"
            f"{'must-not':>10}{'risks':>7}{'crit':>6}{'high':>6}{'med':>5}{'low':>5}{'hi+cr':>7}"
            f"{'f/issue':>9}{'lines/issue':>13}{'gaps':>6}{'prec':>6}{'unjud':>7}")
    lines = [head, "-" * len(head)]

    def line(name: str, design: str, f: dict[str, Any]) -> str:
        must_not = f"{f['must_not_hits']}/{f['must_not']}"
        recall = f"{100 * f['strict_recall']:.0f}%" if f["strict_recall"] is not None else "-"
        sev = f["severity"]
        return (f"{name:<24}{design:<8}{f['expected']:>5}{f['hit']:>5}{f['gap_only']:>5}{f['miss']:>5}"
                f"{recall:>8}{must_not:>10}{f['risks']:>7}{sev['critical']:>6}{sev['high']:>6}"
                f"{sev['medium']:>5}{sev['low']:>5}{_share(sev['critical'] + sev['high'], f['risks']):>7}"
                f"{_ratio(f['risks'], f['distinct_issues']):>9}{_ratio(f['grouped_lines'], f['distinct_issues']):>13}"
                f"{f['gaps']:>6}{_pct(f['precision']):>6}{f['unjudged']:>7}")

    for row in data["systems"]:
        lines.append(line(row["system"], row["design"], row))
    lines.append("-" * len(head))
    for design, f in data["total"].items():
        lines.append(line("TOTAL", design, f))
    return "\n".join(lines)


def named_table(results: Sequence[Result]) -> str:
    """The expectations missed by subject that a reviewer judged found under another one (``same_as``): not hits,
    counted apart so that a miss of naming is told from a miss of the risk."""
    lines: list[str] = []
    for design in sorted({r.design for r in results}):
        rs = [r for r in results if r.design == design]
        found = [(r.system, v) for r in rs for v in r.verdicts if v.status != "HIT" and v.named_otherwise]
        missed = sum(r.count("MISS") + r.count("GAP") for r in rs)
        lines.append(f"named otherwise ({design}): {len(found)} of {missed} expectations missed by subject are "
                     "judged found under another subject (not counted as hits)")
        lines.extend(f"  {system:<24}{v.expectation.id:<7}{v.expectation.subject} -> "
                     f"{', '.join(sorted({f.subjects[0] for f in v.named_otherwise}))}" for system, v in found)
    return "\n".join(lines)


def listing(results: Sequence[Result]) -> str:
    """Each expectation with its verdict, each must-not hit, and each risk finding no expectation matched."""
    out: list[str] = []
    for r in results:
        out.append(f"== {r.system} ({r.design})")
        for v in r.verdicts:
            e = v.expectation
            rules = ", ".join(v.rules)
            extra = {"HIT": f"  <- {rules}", "GAP": f"  (gap; needed by {rules})"}.get(v.status, "")
            if v.status != "HIT" and v.named_otherwise:
                extra += "  (named otherwise: " + "; ".join(
                    f"{f.rule} on {f.subjects[0]}" for f in v.named_otherwise) + ")"
            out.append(f"  {v.status:<5}{e.id:<7}{e.concept:<42}{e.subject}{extra}")
        for e, f in r.must_not_hits:
            out.append(f"  MUST-NOT {e.id:<7}{e.concept:<37}{e.subject}  <- {f.rule} ({f.severity})")
        for f, judged in sorted(zip(r.unmatched, r.unmatched_verdicts, strict=True),
                                key=lambda fj: (SEVERITIES.index(fj[0].severity), fj[0].rule, fj[0].subjects)):
            out.append(f"  other {f.severity:<9}{f.rule:<54}{', '.join(f.subjects)}  [{judged}]")
    return "\n".join(out)


def as_json(results: Sequence[Result]) -> dict[str, Any]:
    data = totals(results)
    for row, r in zip(data["systems"], results, strict=True):
        row["verdicts"] = [{"id": v.expectation.id, "concept": v.expectation.concept,
                            "subject": v.expectation.subject, "status": v.status, "rules": v.rules,
                            "named_otherwise": [f.subjects[0] for f in v.named_otherwise if f.subjects]}
                           for v in r.verdicts]
        row["must_not_findings"] = [{"id": e.id, "rule": f.rule, "severity": f.severity,
                                     "subjects": list(f.subjects)} for e, f in r.must_not_hits]
        row["unmatched"] = [{"rule": f.rule, "severity": f.severity, "subjects": list(f.subjects),
                             "message": f.message, "judged": judged}
                            for f, judged in sorted(zip(r.unmatched, r.unmatched_verdicts, strict=True),
                                                    key=lambda fj: (fj[0].rule, fj[0].subjects))]
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(HERE, "systems"), help="the systems folder")
    parser.add_argument("--concepts", default=os.path.join(HERE, "concepts.yaml"))
    parser.add_argument("--system", action="append", default=[], help="only this system (repeatable)")
    parser.add_argument("--list", action="store_true", help="each expectation's verdict and each other risk")
    parser.add_argument("--json", action="store_true", help="the figures and verdicts as JSON")
    parser.add_argument("--raw", action="store_true", help="also evaluate systems/<s>/raw/ (imported designs)")
    args = parser.parse_args(argv)
    try:
        results = run(args.root, args.concepts, args.system, raw=args.raw)
    except EvalError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    rows = yields(results, args.root) if args.raw else []
    if args.json:
        data = as_json(results)
        if rows:
            data["yield"] = rows
        text = json.dumps(data, indent=2, sort_keys=True)
    else:
        text = table(results) + ("\n\n" + yield_table(rows) if rows else "") + "\n\n" + named_table(results) + (
            "\n\n" + listing(results) if args.list else "")
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # a reader such as `head` closed the pipe: the output was not wanted further
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
