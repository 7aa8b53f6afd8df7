"""The library API: load a design and a knowledge base, fire the rules, and return findings.

``review()`` is what the CLI's ``check`` calls; library users get the same objects.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import operator
import os
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import Struct, field

from engine import budget, kbcache
from engine.compiler import CompiledKB, compile_kb
from engine.config import Config
from engine.consequence import (
    Adjusted,
    AdjustRef,
    GapRecord,
    MitigationRef,
    RiskRecord,
    _new_tuple,
    in_place,
)
from engine.enrich import Enriched, enrich
from engine.errors import Location
from engine.loader import load_design
from engine.model import SEVERITY_BY_RANK, Phase, Severity
from engine.model.design import Design, Fact
from engine.model.finding import Adjustment, Evidence, Finding, MitigationItem, late_fields
from engine.model.ruledata import KnowledgeBase, Rule, context_already_priced
from engine.ruleload import builtin_rules_dir, discover_rules, load_rules
from engine.source import DEFAULT_LIMITS, Document, Limits
from engine.wording import GAP_TITLE, gap_message, gap_needs

if TYPE_CHECKING:
    from engine.runtime import RunLimits, RunResult

GAP_RULE = "information-gap"
_WORST_FIRST = {s: -s.rank for s in Severity}
CONTEXT_CEILING = {"minor": 2, "moderate": 3, "major": 3, "severe": 4}
"""How far context rules may raise a finding, by impact: only a severe impact becomes critical through
context. Without a ceiling, a web shop whose every component sits on a public path had a third of its
findings at critical (a catalogue backup interval among them); a base severity above the ceiling stays."""


_SEVERITY_CATEGORY_KIND = operator.attrgetter("severity", "category", "kind")


class Review(Struct):
    """The result of reviewing a design."""

    design: Design
    enriched: Enriched
    kb: CompiledKB
    findings: list[Finding]
    mitigations: list[MitigationItem]
    result: RunResult
    root: str
    facts: dict[str, Fact] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts by severity and category."""
        by_sev = {s.value: 0 for s in Severity}
        by_cat: Counter[str] = Counter()
        gaps = 0
        # One pass, counting the few distinct (severity, category, kind): not one per count over 46,000 findings.
        for (sev, cat, kind), n in Counter(map(_SEVERITY_CATEGORY_KIND, self.findings)).items():
            by_sev[sev.value] += n
            by_cat[cat] += n
            if kind == "gap":
                gaps += n
        return {
            "findings": len(self.findings), "by_severity": by_sev, "by_category": dict(sorted(by_cat.items())),
            "information_gaps": gaps, "mitigations": len(self.mitigations), "rules": len(self.kb.source),
            "facts": len(self.enriched.facts), "derived_facts": len(self.result.derived),
        }

    def find(self, ident: str) -> Finding | None:
        """A finding by id, fingerprint, or ``rule@subject``."""
        for f in self.findings:
            if ident in (f.id, f.fingerprint, f"{f.rule}@{f.subject}"):
                return f
        return None


def common_root(files: Sequence[str]) -> str:
    """The directory that all design files share (fingerprints use paths relative to it)."""
    if not files:
        return "."
    dirs = [os.path.dirname(os.path.abspath(f)) for f in files]
    return os.path.commonpath(dirs)


def fingerprint(rule: str, subject: str, file: str, root: str) -> str:
    """Stable across runs and line moves: rule, subject identity and file only."""
    return fingerprint_rel(rule, subject, _relative(file, root))


@functools.lru_cache(maxsize=4096)
def _relative(file: str, root: str) -> str:
    """``file`` relative to ``root``, '/'-separated (cached: a design has few files and many findings)."""
    return os.path.relpath(os.path.abspath(file), root).replace(os.sep, "/") if file else ""


def fingerprint_rel(rule: str, subject: str, rel: str) -> str:
    """The fingerprint of ``rule`` on ``subject`` stated in ``rel`` (a '/'-separated path under the design root)."""
    return hashlib.sha256(f"{rule}\x1f{subject}\x1f{rel}".encode()).hexdigest()[:20]


def display_path(file: str) -> str:
    """A path as users see it: relative to the working directory when inside it."""
    if not file or not os.path.isabs(file):
        return file
    return _display(file, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _display(file: str, cwd: str) -> str:
    rel = os.path.relpath(file, cwd)
    return file if rel.startswith("..") else rel


def facts_for_engine(enriched: Enriched) -> list[dict[str, Any]]:
    """The dicts asserted into the rule engine."""
    return [{**f.data, "kind": f.kind, "key": f.key} for f in enriched.facts]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures.

    Loading a 5,000-service design allocates millions of small objects; generation-2 collections
    over them made loading grow faster than linearly (3.3 s instead of 1.7 s). Reference counting
    still frees everything; the collector resumes (and runs) when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def review_design(design: Design, kb: CompiledKB, run_limits: RunLimits | None = None,
                  keep_engine: bool = True) -> Review:
    """Fire a compiled knowledge base over a loaded design.

    ``keep_engine`` false frees the rule engine's sessions once the rules have fired, before the findings are
    assembled: a one-shot command that never runs the rules again drops the engine's own copy of every fact
    (226 MB of the 684 MB a plan of 5,000 services peaks at), so its peak stays the run's; and it gives the C core
    only the rules that can match the design (``CompiledKB.for_facts``: 159 of the built-in rules' 457 variants on
    facts/shop). A library caller keeps them (the default): the next review reuses the compiled rulesets.
    """
    from engine.runtime import clear_cache, run  # the rule engine's C core loads when a review runs

    with paused_gc():
        enriched = enrich(design)
        facts = facts_for_engine(enriched)
        # A one-shot command gives the C core only the rules that can match this design (``CompiledKB.for_facts``):
        # a library caller keeps one session of the whole knowledge base for every design it reviews.
        result = run(kb if keep_engine else kb.for_facts(facts), facts, run_limits, owned=True)
        if not keep_engine:
            clear_cache()
        return assemble(design, enriched, kb, result)


def _priced(kb: CompiledKB, risk_rule: str, context_rule: str) -> bool:
    """A context the risk rule already requires of its subject is in its base severity: not counted twice."""
    key = (risk_rule, context_rule)
    priced = kb.priced.get(key)
    if priced is None:
        priced = kb.priced[key] = context_already_priced(kb.source[risk_rule].rule, kb.source[context_rule].rule)
    return priced


def assemble(design: Design, enriched: Enriched, kb: CompiledKB, result: RunResult) -> Review:
    """Turn a run's outcomes into findings and deduplicated mitigations."""
    facts = {f.key: f for f in enriched.facts}
    # The given directories, when known, so that adding or deleting a file elsewhere moves no fingerprint.
    root = os.path.commonpath(list(design.roots)) if design.roots else common_root(list(design.files))
    matches = _Matches.of(result)
    explain = _Explainer(facts, result)
    rels = _RelativePaths(root)
    findings, mitigations = _risk_findings(kb, matches, explain, rels)
    # Then the gaps: all low, after the risks of every severity (low ones too), by subject (one gap per subject).
    findings += _gap_findings(kb, matches.gaps, explain, rels)
    return Review(design, enriched, kb, findings, mitigations, result, root, facts)


class _Matches(Struct, eq=False):
    """A run's outcomes, one match kept per risk, per context rule on a risk, and the gaps per subject."""

    risks: dict[str, RiskRecord]
    gaps: dict[str, list[GapRecord]]
    adjusts: dict[str, dict[str, Adjusted]]  # risk key -> context rule -> its adjustment

    @classmethod
    def of(cls, result: RunResult) -> _Matches:
        risks: dict[str, RiskRecord] = {}
        gaps: defaultdict[str, list[GapRecord]] = defaultdict(list)
        adjusts: dict[str, dict[str, Adjusted]] = {}
        # One rule can match one subject several ways (with different joined facts): keep the match with the
        # smallest premises, not the first to fire, so that a finding never depends on the engine's firing order.
        # Risks one of whose matches rests on a risk (a compound rule's), whose key is "risk:<rule>@<subject>"
        # (consequence.py): found here, while each match is at hand, not in a second pass over every risk.
        on_risks: set[str] = set()
        # A gap variant's matches on a set of alike facts are listed where they belong in the recorded ones (a
        # subject's gaps stay in the order they were recorded: of two on one field by one rule, the last is kept).
        for segment, (_variant, listed) in in_place(result.recorded, result.gap_lists):
            for _name, (_facts, risk, gap, adjust) in segment:
                if risk is not None:
                    for premise in risk.premises:
                        if premise.startswith("risk:"):
                            on_risks.add(risk.key)
                            break
                    held = risks.get(risk.key)
                    # A match on stated facts wins over one that needed an assumption; the message (filled only now)
                    # decides between matches on the same premises.
                    if held is None:
                        risks[risk.key] = risk
                    else:
                        mine, theirs = (bool(risk.assumed), risk.premises), (bool(held.assumed), held.premises)
                        if mine < theirs or (mine == theirs and risk.message < held.message):
                            risks[risk.key] = risk
                if gap is not None:
                    gaps[gap.subject].append(gap)
                if adjust is not None:
                    by_rule = adjusts.get(adjust.risk)
                    if by_rule is None:
                        by_rule = adjusts[adjust.risk] = {}
                    prev = by_rule.get(adjust.rule)
                    # The reason (filled only now) decides between matches on the same premises.
                    if prev is None or adjust.premises < prev.premises or (
                            adjust.premises == prev.premises and adjust.reason < prev.reason):
                        by_rule[adjust.rule] = adjust
            for g in listed:
                gaps[g.subject].append(g)
        for _name, question, subjects in result.gap_groups:  # a question shared by its subjects (premise: each)
            for subject in subjects:
                gaps[subject].append(question)
        for _name, group in result.adjust_groups:  # each match read as its record only when its reason is
            rule, by = group.rule, group.by
            for i, key in enumerate(group.keys):
                by_rule = adjusts.get(key)
                if by_rule is None:
                    by_rule = adjusts[key] = {}
                prev = by_rule.get(rule)
                if prev is None:
                    by_rule[rule] = _new_tuple(AdjustRef, (rule, by, group, i))
                    continue
                made = group.record(i)  # as above: the smaller premises, then the reason
                if made.premises < prev.premises or (made.premises == prev.premises and made.reason < prev.reason):
                    by_rule[rule] = made
        gaps.default_factory = None  # read as a plain dict from here: a subject without gaps is a KeyError
        _inherit_assumptions(risks, on_risks)
        return cls(risks, gaps, adjusts)


def _inherit_assumptions(risks: dict[str, RiskRecord], candidates: set[str] | None = None) -> None:
    """A risk matched on another risk (a compound rule) rests on what that risk assumed, if anything.

    ``candidates``: the risks that may rest on one (a match of theirs has a premise keyed as a risk); None: all."""
    held = risks.keys()
    keys = held if candidates is None else [k for k in candidates if k in risks]
    compound = sorted([key for key in keys if not held.isdisjoint(risks[key].premises)])
    changed = bool(compound)
    while changed:
        changed = False
        for key in compound:
            r = risks[key]
            own = {(a.fact, a.field) for a in r.assumed}
            inherited = {a for p in r.premises if p in risks for a in risks[p].assumed if (a.fact, a.field) not in own}
            if inherited:
                assumed = sorted((*r.assumed, *inherited), key=lambda a: (a.fact, a.field))
                risks[key] = r._replace(assumed=tuple(assumed))
                changed = True


class _Explainer(Struct, eq=False):
    """The evidence of a finding: the facts it rests on, and for a derived fact, its own premises in turn."""

    facts: Mapping[str, Fact]
    result: RunResult
    stated: dict[str, Evidence] = field(default_factory=dict)
    """The evidence of each stated fact, made once: thousands of findings rest on the same facts."""

    def evidence(self, keys: Sequence[str], seen: set[str] | None = None) -> list[Evidence]:
        if seen is None and len(keys) == 1:  # most findings rest on their subject alone
            one = self.stated.get(keys[0]) or self._stated(keys[0])
            if one is not None:
                return [one]
        seen = seen if seen is not None else set()
        out: list[Evidence] = []
        for key in keys:
            if key in seen:
                continue
            seen.add(key)
            stated = self.stated.get(key) or self._stated(key)
            if stated is not None:
                out.append(stated)
            elif key in self.result.derivations:
                d = self.result.derivations[key]
                df = self.result.derived[key]
                loc = _location_of(d.premises, self.facts)
                out.append(Evidence(key, str(df["kind"]), loc, d.rule, d.premises))
                out.extend(self.evidence(d.premises, seen))
        return out

    def rests_on(self, keys: Sequence[str]) -> tuple[Evidence, ...]:
        """The evidence of a finding resting on ``keys``."""
        stated = self.stated
        if len(keys) == 1:  # most findings rest on one stated fact, their subject
            one = stated.get(keys[0])
            if one is not None:
                return (one,)
        out: list[Evidence] = []
        for key in keys:  # most others on stated facts alone (a call and its services), each once: as ``evidence``
            e = stated.get(key) or self._stated(key)
            if e is None:
                return tuple(self.evidence(keys))
            out.append(e)
        if len(out) > 1 and len(set(keys)) < len(out):
            return tuple(self.evidence(keys))
        return tuple(out)

    def _stated(self, key: str) -> Evidence | None:
        f = self.facts.get(key)
        if f is None:
            return None
        e = self.stated[key] = Evidence(key, f.kind, f.location, "enrichment" if f.agents == ("engine",) else None,
                                        inferred=f.inferred)
        return e


class _RelativePaths(dict[str, str]):
    """Each design file's path relative to the design's root, as fingerprints state it: worked out once per file."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def __missing__(self, file: str) -> str:
        rel = self[file] = _relative(file, self.root)
        return rel


class _RuleTerms(Struct, eq=False):
    """What a finding takes from its rule, worked out once per rule."""

    rule: Rule
    base: Severity
    base_rank: int
    ceiling: int
    category: str
    phase: int
    references: tuple[str, ...]
    likelihood: str | None
    impact: str | None
    overridden: bool
    title: str
    kb: CompiledKB
    priced: dict[str, bool] = field(default_factory=dict)
    """By context rule: whether the rule's base severity already prices it (``_priced``)."""
    adjustments: dict[tuple[int, str, str], tuple[Adjustment, ...]] = field(default_factory=dict)
    """By a context rule's record's (by, reason, rule): the adjustment it makes (``_adjustments``), none or one."""

    @classmethod
    def of(cls, kb: CompiledKB, rule_id: str) -> _RuleTerms:
        rule = kb.source[rule_id].rule
        # A project's [severity] override replaces the matrix's base; context adjustments still apply on top.
        base = kb.severity_overrides.get(rule.id) or rule.severity or Severity.LOW
        ceiling = max(base.rank, CONTEXT_CEILING[rule.risk.impact] if rule.risk else base.rank)
        return cls(rule, base, base.rank, ceiling, rule.category.value, int(rule.phase), tuple(rule.references),
                   rule.risk.likelihood if rule.risk else None, rule.risk.impact if rule.risk else None,
                   rule.id in kb.severity_overrides, rule.title, kb)


def _risk_findings(kb: CompiledKB, matches: _Matches, explain: _Explainer,
                   rels: _RelativePaths) -> tuple[list[Finding], list[MitigationItem]]:
    """The risk findings, worst first, and the mitigations they call for, deduplicated (pattern on scope)."""
    facts = explain.facts
    facts_get, by_rank, worst_first, new_risk, partial, sha256 = (
        facts.get, SEVERITY_BY_RANK, _WORST_FIRST, _new_risk, functools.partial, hashlib.sha256)
    risks, adjusts_of = matches.risks, matches.adjusts.get
    per_rule: dict[str, _RuleTerms] = {}
    mit_acc: dict[tuple[str, str], _MitigationAcc] = {}
    keyed: list[tuple[int, str, str, str, int, Finding]] = []  # each finding after its sort key
    for n, key in enumerate(sorted(risks)):
        if not n & 1023:
            budget.check("assembling the findings")
        r = risks[key]
        rule, subject, premises = r.rule, r.subject, r.premises
        terms = per_rule.get(rule)
        if terms is None:
            terms = per_rule[rule] = _RuleTerms.of(kb, rule)
        adjusts = adjusts_of(key)
        delta = _delta(terms, adjusts) if adjusts is not None else 0
        # Resting on an assumed default, the risk is less likely than if the design stated it: one step lower.
        sev = by_rank[max(1, min(terms.ceiling, terms.base_rank + delta) - (1 if r.assumed else 0))]
        subj = facts_get(subject)
        # ``fingerprint_rel``, inline
        fp = sha256(f"{rule}\x1f{subject}\x1f{rels[subj.location.file if subj else _location_of(premises, facts).file]}"
                    .encode()).hexdigest()[:20]
        subjects: tuple[str, ...]
        if len(premises) == 2 and subject in premises:  # most: a call and its subject, or a fact and the system
            other = premises[1] if premises[0] == subject else premises[0]
            subjects = (subject,) if other == subject else (subject, other)
        else:
            subjects = (subject,) if premises == (subject,) else (
                subject, *sorted({p for p in premises if p != subject}))
        fid = fp[:10]
        finding = new_risk(  # every field but _RISK_LATE, in field order
            fid, rule, terms.title, "risk", sev, terms.base, terms.category, terms.phase, subjects, fp,
            terms.likelihood, terms.impact, terms.references, (), r.field, terms.overridden, r.assumed,
            partial(_risk_late, terms, r, adjusts, subj, explain))
        keyed.append((worst_first[sev], rule, subject, fp, n, finding))
        for m in r.mitigations:
            scoped = m[:2]  # (id, scope)
            acc = mit_acc.get(scoped)
            if acc is None:
                acc = mit_acc[scoped] = _MitigationAcc(m, m.phase)
            acc.findings.append(fid)
            acc.subjects.add(subject)
            phase, effort = m[4], m[7]  # (``MitigationRef.phase``, ``.effort``: by index, a tenth of the loop)
            if phase < acc.phase:  # noqa: PLR1730 - no call, no store when not lower
                acc.phase = phase
            if effort is not None and (acc.effort is None or effort > acc.effort):
                acc.effort = effort
    keyed.sort()  # worst first, then by rule, subject and fingerprint (then as made: n, never the finding)
    return [k[-1] for k in keyed], [mit_acc[scoped].item() for scoped in sorted(mit_acc)]


_RISK_LATE = ("message", "location", "mitigations", "adjustments", "evidence", "inferred")
_new_risk = late_fields(Finding, _RISK_LATE)
"""A risk finding whose explanation is worked out when first read (``late_fields``): only the fields that sort,
group, count and judge it are worked out for every finding."""


def _risk_late(terms: _RuleTerms, r: RiskRecord, adjusts: Mapping[str, Adjusted] | None, subj: Fact | None,
               explain: _Explainer) -> tuple[Any, ...]:
    """A risk finding's late fields (``_RISK_LATE``)."""
    loc = subj.locate(r.field) if subj else _location_of(r.premises, explain.facts)
    evidence = explain.rests_on(r.premises)
    mits = r.mitigations
    return (r.message, loc, (f"{mits[0].id}@{mits[0].scope}",) if len(mits) == 1 else tuple(
                sorted({f"{m.id}@{m.scope}" for m in mits})),
            _adjustments(terms, adjusts) if adjusts is not None else (),
            evidence, _inferred(subj, evidence))


def _delta(terms: _RuleTerms, adjusts: Mapping[str, Adjusted]) -> int:
    """How far the context rules move a risk of ``terms.rule`` (those its base already prices left out): -1, 0 or 1;
    the sum of the ``by`` of ``_adjustments``, without making them."""
    priced = terms.priced
    total = 0
    for a in adjusts.values():
        p = priced.get(a.rule)
        if p is None:
            p = priced[a.rule] = _priced(terms.kb, terms.rule.id, a.rule)
        if not p:
            total += a.by
    return -1 if total < -1 else 1 if total > 1 else total


def _adjustments(terms: _RuleTerms, adjusts: Mapping[str, Adjusted]) -> tuple[Adjustment, ...]:
    """The context rules' adjustments of a risk of ``terms.rule``, by context rule, those its base already prices
    left out. Each is made once per rule and (by, reason, context rule), and shared: half the adjustments of a
    5,000-service design repeat one another."""
    made = terms.adjustments
    if len(adjusts) == 1:  # most
        (a,) = adjusts.values()
        key = a.made
        one = made.get(key)
        return one if one is not None else _adjustment(terms, a, key)
    out: list[Adjustment] = []
    for _rid, a in sorted(adjusts.items()):
        key = a.made
        one = made.get(key)
        out += one if one is not None else _adjustment(terms, a, key)
    return tuple(out)


def _adjustment(terms: _RuleTerms, a: Adjusted, key: tuple[int, str, str]) -> tuple[Adjustment, ...]:
    """``a`` as the adjustment of a risk of ``terms.rule`` (none when its base prices it), kept in ``terms`` under
    ``key`` (``a.made``)."""
    made = terms.adjustments[key] = () if _priced(terms.kb, terms.rule.id, a.rule) else (
        Adjustment(a.rule, a.by, key[1]),)
    return made


class _GapTerms(Struct, eq=False):
    """What a gap finding takes from the fields its subject leaves unknown and the rules needing them, worked
    out once per kind of subject and set of (field, rule): a design has few such sets and thousands of gaps."""

    missing: tuple[tuple[str, str], ...]
    category: str
    phase: int
    needs: str
    """The message after the subject's name (``wording.gap_needs``)."""

    @classmethod
    def of(cls, kb: CompiledKB, kind: str, gaps: Sequence[GapRecord]) -> _GapTerms:
        recs = _gap_recs(gaps)
        rules = [kb.source[g.rule].rule for g in recs]
        return cls(tuple((g.field, g.rule) for g in recs), sorted(r.category.value for r in rules)[0],
                   min(int(r.phase) for r in rules), gap_needs(kind, recs))


def _gap_recs(gaps: Sequence[GapRecord]) -> list[GapRecord]:
    """One record per (field, rule), sorted by them (of several, the last)."""
    return sorted({(g.field, g.rule): g for g in gaps}.values(), key=lambda g: (g.field, g.rule))


_GAP_LATE = ("id", "message", "fingerprint", "evidence", "inferred")
_new_gap = late_fields(Finding, _GAP_LATE)
"""A gap finding whose id and explanation are worked out when first read (``late_fields``): a text report groups
gaps by kind and field, and shows none by id."""


def _gap_findings(kb: CompiledKB, gaps: Mapping[str, Sequence[GapRecord]], explain: _Explainer,
                  rels: _RelativePaths) -> list[Finding]:
    """One gap finding per subject, by subject."""
    facts = explain.facts
    facts_get, new_gap, partial, field_rule, low = facts.get, _new_gap, functools.partial, _FIELD_RULE, Severity.LOW
    per_gaps: dict[tuple[str, ...], _GapTerms] = {}
    out: list[Finding] = []
    append = out.append
    for subject in sorted(gaps):
        recs = gaps[subject]
        kind = subject.partition(":")[0]
        terms_key = (kind, *map(field_rule, recs))  # the kind, then each record's (field, rule)
        terms = per_gaps.get(terms_key)
        if terms is None:
            terms = per_gaps[terms_key] = _GapTerms.of(kb, kind, recs)
        subj = facts_get(subject)
        loc = subj.location if subj else _location_of(_gap_recs(recs)[0].premises, facts)
        append(new_gap(  # every field but _GAP_LATE, in field order
            GAP_RULE, GAP_TITLE, "gap", low, low, terms.category, terms.phase, (subject,), loc, (), None, None, (), (),
            terms.missing, None, False, (), partial(_gap_late, subject, recs, terms, subj, explain, rels)))
    return out


_FIELD_RULE = operator.itemgetter(1, 2)
"""A ``GapRecord``'s (field, rule)."""


def _gap_late(subject: str, gaps: Sequence[GapRecord], terms: _GapTerms, subj: Fact | None, explain: _Explainer,
              rels: _RelativePaths) -> tuple[Any, ...]:
    """A gap finding's late fields (``_GAP_LATE``)."""
    loc = subj.location if subj else _location_of(_gap_recs(gaps)[0].premises, explain.facts)
    fp = fingerprint_rel(GAP_RULE, subject, rels[loc.file])
    # The subject, then every other fact a question was asked because of (a job running on every
    # replica makes its service's replica count a question): the gap rests on them too.
    others = {p for g in gaps for p in g.premises if p != subject}
    evidence = explain.rests_on([subject, *sorted(others)] if others else (subject,))
    return fp[:10], gap_message(subject, (), terms.needs), fp, evidence, _inferred(subj, evidence)


def _inferred(subject: Fact | None, evidence: Sequence[Evidence]) -> tuple[str, ...]:
    """The facts a finding rests on (its subject, what it matched) that were only drawn, not stated."""
    if subject is None or not subject.inferred:
        for e in evidence:
            if e.inferred:
                break
        else:
            return ()
    keys = {e.key for e in evidence if e.inferred}
    if subject is not None and subject.inferred:
        keys.add(subject.key)
    return tuple(sorted(keys))


class _MitigationAcc(Struct, eq=False):
    """One mitigation (pattern on scope) as the findings it resolves accumulate."""

    ref: MitigationRef
    phase: int
    findings: list[str] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)
    effort: tuple[float, float] | None = None  # the largest a rule states

    def item(self) -> MitigationItem:
        ref = self.ref
        return _new_mitigation(  # every field but _MITIGATION_LATE, in field order
            f"{ref.id}@{ref.scope}", ref.id, ref.scope, ref.title, int(self.phase), tuple(ref.after),
            tuple(sorted(set(self.findings))), self.effort, functools.partial(_mitigation_late, ref, self.subjects))


_MITIGATION_LATE = ("action", "subjects")
_new_mitigation = late_fields(MitigationItem, _MITIGATION_LATE)
"""A mitigation whose action and subjects are worked out when first read (``late_fields``): the text report shows
each mitigation's title and count of risks (14,000 of them at 5,000 services), not its action."""


def _mitigation_late(ref: MitigationRef, subjects: set[str]) -> tuple[str, tuple[str, ...]]:
    return ref.action, tuple(sorted(subjects))


def _location_of(premises: Sequence[str], facts: Mapping[str, Fact]) -> Location:
    for p in premises:
        if p in facts:
            return facts[p].location
    return Location("")


def findings_rules(kb: KnowledgeBase) -> KnowledgeBase:
    """Only the rules that can affect findings: those raising risks, gaps or adjustments, and (transitively)
    the rules deriving the kinds those match. Planning-only rules (``plan_item`` …) are left out of
    ``check``, where they would double the engine's work for output nobody reads."""
    needed = {lr.rule.id for lr in kb.rules
              if lr.rule.risk is not None or lr.rule.adjust is not None or lr.rule.gaps}
    producers: dict[str, set[str]] = {}
    for lr in kb.rules:
        for d in lr.rule.derive:
            producers.setdefault(d.kind, set()).add(lr.rule.id)
    by_id = kb.by_id()
    frontier = list(needed)
    while frontier:
        rule = by_id[frontier.pop()].rule
        for p in rule.when:
            for rid in producers.get(p.kind, ()):
                if rid not in needed:
                    needed.add(rid)
                    frontier.append(rid)
    return KnowledgeBase([lr for lr in kb.rules if lr.rule.id in needed], kb.kinds, dict(kb.params))


def load_kb(rule_dirs: Sequence[str] = (), builtin: bool = True, params: Mapping[str, Any] | None = None,
            disabled: Sequence[str] = (), limits: Limits = DEFAULT_LIMITS, config: Config | None = None,
            findings_only: bool = False) -> CompiledKB:
    """Load and compile the built-in rules plus any extra packs, as the project ``config`` asks.

    ``config`` (see ``engine.config.resolve``) adds its ``extend`` packs, disables rules, sets
    params and overrides severities; it is checked against the rules first, so an unknown rule id
    or parameter in it is an error. ``params`` and ``disabled`` given here apply on top of it.

    The result is kept (``_KB_CACHE``) and returned again while the rule files and the arguments are
    unchanged: a process that reviews many designs compiles its rules once. Treat it as read-only.
    """
    named = ([builtin_rules_dir()] if builtin else []) + list(rule_dirs)
    if config is not None and config.file is not None:
        named += config.extend
    # A pack named twice (--rules twice, by --rules and the config's `extend`, or the built-in rules again) is
    # loaded once: twice, every rule in it would be a duplicate id.
    first: dict[str, str] = {}
    for d in named:
        first.setdefault(os.path.realpath(d), d)
    dirs = list(first.values())
    settings = _settings_key(dirs, params, disabled, limits, config, findings_only)
    files = discover_rules(dirs)
    stats = [os.stat(path) for path in files]  # the stamp's and the disk cache's key's (``kbcache.key``)
    stamp = rule_files_stamp(files, stats)  # taken before reading: a file changed while loading misses next time
    budget.check("loading the rules")  # the command's deadline covers this stage, compiled or kept
    with _KB_LOCK:
        held = _KB_CACHE.get(settings)
        if held is not None and held[0] == stamp:
            _KB_CACHE.move_to_end(settings)
            return held[1]
    compiled = _load_kb(dirs, params, disabled, limits, config, findings_only, kbcache.key(files, settings, stats))
    with _KB_LOCK:
        _KB_CACHE[settings] = (stamp, compiled)
        _KB_CACHE.move_to_end(settings)
        while len(_KB_CACHE) > KB_CACHE_SIZE:
            _KB_CACHE.popitem(last=False)
    return compiled


KB_CACHE_SIZE = 16
"""Compiled knowledge bases kept by ``load_kb`` (about 3 MB each with the built-in rules): a long-lived
process rotating through 8 rule packs finds each one compiled."""
_KB_CACHE: OrderedDict[str, tuple[tuple[Any, ...], CompiledKB]] = OrderedDict()
_KB_LOCK = threading.Lock()
RACY_NS = 2_000_000_000
"""A rule file changed less than this long ago is compared by content too: two writes within one tick of the
file system's clock (a few ms) leave the same mtime, and a same-sized edit would otherwise go unseen."""


def rule_files_stamp(files: Sequence[str], stats: Sequence[os.stat_result] | None = None) -> tuple[Any, ...]:
    """What says that rule files are unchanged: each file's path, mtime, ctime, size and inode, and for a file
    changed in the last ``RACY_NS``, its content's hash (git's "racily clean" rule).

    Stat is the cheap check: 0.8 ms for the 237 built-in rules against 2.3 ms to hash their 620 KB (this
    machine, median of 50); ctime cannot be set back by a program, so a file copied in with an old mtime
    (``cp -p``, ``touch -d``) is still seen. ``stats``: the files' ``os.stat``, taken by the caller.
    """
    now = time.time_ns()
    out: list[tuple[Any, ...]] = []
    for path, st in zip(files, [os.stat(path) for path in files] if stats is None else stats, strict=True):
        racy = now - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS
        digest = None
        if racy:
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        out.append((path, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, digest))
    return tuple(out)


def _settings_key(dirs: Sequence[str], params: Mapping[str, Any] | None, disabled: Sequence[str], limits: Limits,
                  config: Config | None, findings_only: bool) -> str:
    """Everything but the rule files' content that decides what ``load_kb`` compiles, as one string."""
    # Everything Config.apply checks against the rules or applies to them: a config that differs in any of it
    # is checked (and compiled) again, so a bad [plan] effort key is an error however many runs came before.
    conf = None if config is None else [config.file, list(config.disable), sorted(config.severity.items()),
                                        sorted(config.params.items()), list(config.extend),
                                        sorted(config.plan_effort.items())]
    return json.dumps([[os.path.abspath(d) for d in dirs], sorted((params or {}).items()), list(disabled),
                       msgspec.structs.astuple(limits), conf, findings_only], default=repr)


def clear_kb_cache() -> None:
    """Forget every compiled knowledge base ``load_kb`` keeps."""
    with _KB_LOCK:
        _KB_CACHE.clear()


def _load_kb(dirs: Sequence[str], params: Mapping[str, Any] | None, disabled: Sequence[str], limits: Limits,
             config: Config | None, findings_only: bool, cache_key: str | None = None) -> CompiledKB:
    compiled = kbcache.lookup(cache_key)  # what a previous process compiled with the same files and settings
    if compiled is None:
        compiled = _compile_kb(dirs, params, disabled, limits, config, findings_only)
        kbcache.store(cache_key, compiled)
    if config is not None:
        compiled.severity_overrides = dict(config.severity)
    return compiled


def _compile_kb(dirs: Sequence[str], params: Mapping[str, Any] | None, disabled: Sequence[str], limits: Limits,
                config: Config | None, findings_only: bool) -> CompiledKB:
    if config is None or config.file is None:
        kb: KnowledgeBase = load_rules(dirs, limits, disabled)
    else:
        kb = config.apply(load_rules(dirs, limits, ()), disabled)
    if params:
        kb.params.update(params)
    if findings_only:
        kb = findings_rules(kb)
    return compile_kb(kb)


def review(paths: Sequence[str], rule_dirs: Sequence[str] = (), builtin: bool = True,
           limits: Limits = DEFAULT_LIMITS, run_limits: RunLimits | None = None,
           config: Config | None = None, findings_only: bool = True, extra: Sequence[Document] = (),
           keep_engine: bool = True) -> Review:
    """Review design files or directories with the built-in rules plus ``rule_dirs``.

    ``config`` is the project configuration (``engine.config.resolve(paths, ...)``); None means none.
    ``findings_only`` leaves out rules that cannot change a finding (planning rules); the plan needs
    them, so it passes False. ``extra`` are already-parsed documents, e.g. artifacts imported with
    ``engine.importers.load_artifacts``. ``keep_engine``: see ``review_design``.
    """
    kb = load_kb(rule_dirs, builtin, limits=limits, config=config, findings_only=findings_only)
    with paused_gc():
        design = load_design(paths, limits, extra=extra)
    return review_design(design, kb, run_limits, keep_engine)


PHASES = {int(p): p.title for p in Phase}
