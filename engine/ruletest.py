"""Runs every rule's own examples, and the ``<rule-id>.test.yaml`` case files beside the rules."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import msgspec
from pydantic import BaseModel, ConfigDict, ValidationError

from engine.compiler import CompiledKB
from engine.errors import ArchplanError, ErrorGroup, Location, RuleError
from engine.loader import load_documents
from engine.model import COMPUTED_FIELDS, SECTIONS
from engine.model import rule as rule_model
from engine.model.ruledata import Example, Rule, from_model
from engine.review import GAP_RULE, review_design
from engine.rulecheck import RuleProblem, check_rule, orphan_case_files
from engine.ruleload import TEST_SUFFIX, split_test
from engine.source import Document, load
from engine.validation import validation_errors


class CaseFile(BaseModel):
    """A ``<rule-id>.test.yaml`` file: extra named cases for one rule."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rule: str
    cases: list[rule_model.Example]


@dataclass(frozen=True)
class Case:
    """One executable case of one rule."""

    rule: str
    example: Example
    doc: Document
    base: tuple[str | int, ...]

    @property
    def test_id(self) -> str:
        """``<rule-id>::<case>``, as pytest shows it."""
        return f"{self.rule}::{self.example.name}"

    @property
    def location(self) -> Location:
        """Where the case is written."""
        return self.doc.locate(self.base)


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case."""

    case: Case
    ok: bool
    detail: str


def selected_rules(kb: CompiledKB, paths: Sequence[str] = ()) -> list[str]:
    """The ids of the rules whose files are ``paths`` or lie under them (every rule when none is given), sorted."""
    wanted = [os.path.abspath(p) for p in paths]

    def selected(file: str) -> bool:
        f = os.path.abspath(file)
        return not wanted or any(f == w or f.startswith(w.rstrip(os.sep) + os.sep) for w in wanted)

    return [rid for rid in sorted(kb.source) if selected(kb.source[rid].file)]


def collect_cases(kb: CompiledKB, paths: Sequence[str] = ()) -> list[Case]:
    """Every case of every rule (under ``paths`` if given), in rule-id order."""
    cases: list[Case] = []
    errors: list[ArchplanError] = []
    for rid in selected_rules(kb, paths):
        lr = kb.source[rid]
        for i, ex in enumerate(lr.rule.examples):
            cases.append(Case(rid, ex, lr.doc, ("examples", i)))
        extra = lr.file[: -len(".yaml")] + TEST_SUFFIX
        if os.path.exists(extra):
            doc = load(extra)
            try:
                cf = CaseFile.model_validate(doc.data)
            except ValidationError as exc:
                errors.extend(validation_errors(exc, CaseFile, doc, (), doc.data))
                continue
            if cf.rule != rid:
                errors.append(RuleError(f"case file is for '{cf.rule}' but sits beside '{rid}'",
                                        doc.locate(("rule",)), "rule"))
                continue
            for i, case_ex in enumerate(cf.cases):
                cases.append(Case(rid, from_model(case_ex), doc, ("cases", i)))
    if errors:
        raise ErrorGroup(errors)
    return cases


def case_document(case: Case) -> Document:
    """The case's design as a document whose positions point into the rule or case file."""
    base = (*case.base, "design")
    data = dict(case.example.design)
    data.setdefault("source", "api")
    positions = {p[len(base):]: pos for p, pos in case.doc.positions.items() if p[: len(base)] == base}
    return Document(case.doc.file, data, positions)


def run_case(kb: CompiledKB, case: Case) -> CaseResult:
    """Run one case against the whole knowledge base."""
    try:
        design = load_documents([case_document(case)])
    except ArchplanError as exc:
        return CaseResult(case, False, f"design does not load: {exc}")
    try:
        rv = review_design(design, kb)
    except ArchplanError as exc:
        return CaseResult(case, False, f"review failed: {exc}")
    fired = sorted({f.subject for f in rv.findings if f.kind == "risk" and f.rule == case.rule})
    rule = kb.source[case.rule].rule
    if rule.risk is None and rule.adjust is not None:
        # A context rule (``adjust`` only) "fires" when it changes the severity of some risk: its subjects
        # are the subjects of the risks it adjusted, as the reviewer sees them on the findings.
        fired = sorted({f.subject for f in rv.findings if f.kind == "risk"
                        and any(a.rule == case.rule for a in f.adjustments)})
    elif rule.risk is None:
        # A rule without a risk (derive-only, e.g. plan items) "fires" when it matches: its subjects are
        # the facts its first pattern bound, taken from the derivations it produced.
        fired = sorted({d.premises[0] for d in rv.result.derivations.values() if d.rule == case.rule and d.premises})
    gapped = sorted({f.subject for f in rv.findings if f.rule == GAP_RULE and any(
        r == case.rule for _fld, r in f.missing)})
    ex = case.example
    if ex.expect == "fire" and ex.basis is not None and rule.risk is not None:
        bases = sorted({f"{f.subject} ({f.basis})" for f in rv.findings
                        if f.kind == "risk" and f.rule == case.rule and f.basis != ex.basis})
        if bases:
            return CaseResult(case, False, f"expected every finding on basis {ex.basis}, got {', '.join(bases)}")
    if ex.expect == "pass":
        ok = not fired
        detail = "no finding" if ok else f"expected no finding, got {', '.join(fired)}"
    else:
        got = fired if ex.expect == "fire" else gapped
        if ex.subjects is not None:
            ok = sorted(ex.subjects) == got
            detail = f"expected {ex.expect} on {sorted(ex.subjects)}, got {got}"
        else:
            ok = bool(got)
            detail = f"{ex.expect} on {', '.join(got)}" if ok else f"expected a {ex.expect}, got none"
    return CaseResult(case, ok, detail)


def run_cases(kb: CompiledKB, paths: Sequence[str] = ()) -> list[CaseResult]:
    """Run every case; never stops at the first failure."""
    return [run_case(kb, c) for c in collect_cases(kb, paths)]


# --- the unknown policy: no rule may be silent when a field it needs is unknown (rules/README.md §4) ---

_MIRRORS = {"type": "kind"}
"""Computed fields that restate a design field under another name (a component's ``kind`` is matched as ``type``)."""


@dataclass(frozen=True)
class SilentField:
    """A field a rule tests that, left unknown on the rule's own fire example, leaves the rule silent."""

    rule: str
    ref: str
    """``alias.field`` as the rule writes it."""
    example: str
    location: Location
    detail: str


def _design_field(kind: str, fld: str) -> tuple[str, str] | None:
    """(section, field path in the design file) for a field a design states, or None (computed, graph, derived,
    or identity: a required field cannot be unknown)."""
    section = next((s for s, (k, _m, _l) in SECTIONS.items() if k == kind), None)
    if section is None:
        return None
    name = _MIRRORS.get(fld, fld) if fld in COMPUTED_FIELDS.get(kind, {}) else fld
    if fld in COMPUTED_FIELDS.get(kind, {}) and name == fld:
        return None
    model: Any = SECTIONS[section][1]
    info = None
    for part in name.split("."):
        info = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None) if model else None
        if info is None:
            return None
        model = next((a for a in (info.annotation, *get_args(info.annotation))
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if info is None or info.is_required():
        return None
    return section, name


def _ident(item: Any) -> str | None:
    """The name a design element's fact key ends with (``checkout``, ``a->b``, ``GET /orders``)."""
    if not isinstance(item, Mapping):
        return None
    if "name" in item:
        return str(item["name"])
    if "from" in item and "to" in item:
        return f"{item['from']}->{item['to']}"
    if "method" in item and "path" in item:
        return f"{item['method']} {item['path']}"
    return None


def _without(design: Mapping[str, Any], section: str, path: str, key: str | None) -> dict[str, Any]:
    """A copy of ``design`` where the element whose fact key is ``key`` (every element of ``section`` when it is
    not found) does not state ``path``."""
    out = copy.deepcopy(dict(design))
    items = out.get(section)
    items = items if isinstance(items, list) else [items]
    named = [i for i in items if key is not None and _ident(i) == key.partition(":")[2]]
    for item in named or items:
        node = item
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return out


def policy_fields(rule: Rule) -> list[tuple[str, str, str]]:
    """The fields the unknown policy covers for a rule: (``alias.field``, section, design field) for each design
    field a positive pattern tests, except ``missing`` tests (unknown is then the condition itself)."""
    out: list[tuple[str, str, str]] = []
    for p in rule.when:
        if p.absent or p.as_ is None:
            continue
        for fld, test in sorted(p.where.items()):
            if any(op == "missing" for op, _v in split_test(test)):
                continue
            where = _design_field(p.kind, fld)
            if where is not None:
                out.append((f"{p.as_}.{fld}", *where))
    return out


def _bound_keys(kb: CompiledKB, rid: str, case: Case) -> dict[str, str]:
    """Alias -> key of the fact the rule's main condition bound on a case (empty when it does not fire)."""
    try:
        rv = review_design(load_documents([case_document(case)]), kb)
    except ArchplanError:
        return {}
    for name, out in sorted(rv.result.outcomes, key=lambda o: (o[0], repr(o[1].risk))):
        crule = kb.rules[name]
        if crule.rule_id == rid and crule.gap is None and not crule.assumed and out.risk is not None:
            return dict(zip(crule.premise_aliases, out.risk.premises, strict=False))
    return {}


def check_unknown_policy(kb: CompiledKB, paths: Sequence[str] = ()) -> tuple[int, list[SilentField]]:
    """The "no silent rule" check over every risk rule (under ``paths`` if given).

    For each design field a rule's positive patterns test, the field is removed from its section of the rule's
    first ``fire`` example (resting on stated facts), and the rule must then either fire with the field among
    the finding's assumptions (``assume``) or report an information gap naming it (``gaps``). A field the rule
    documents under ``silent_when_unknown`` (with the reason) is not run. Returns (fields checked, failures).
    """
    checked = 0
    silent: list[SilentField] = []
    for rid in selected_rules(kb, paths):
        lr = kb.source[rid]
        rule = lr.rule
        index = next((i for i, ex in enumerate(rule.examples) if ex.expect == "fire" and ex.basis != "assumed"), None)
        if rule.risk is None or not rule.enabled or index is None:
            continue
        ex = rule.examples[index]
        bound = _bound_keys(kb, rid, Case(rid, ex, lr.doc, ("examples", index)))
        for ref, section, path in policy_fields(rule):
            if ref in rule.silent_when_unknown:
                continue
            checked += 1
            alias, _, fld = ref.partition(".")
            variant = msgspec.structs.replace(ex, design=_without(ex.design, section, path, bound.get(alias)))
            case = Case(rid, variant, lr.doc, ("examples", index))
            try:
                rv = review_design(load_documents([case_document(case)]), kb)
            except ArchplanError as exc:
                silent.append(SilentField(rid, ref, ex.name, lr.locate("when"), f"the example without it fails: {exc}"))
                continue
            assumed = any(x.kind == "risk" and x.rule == rid and any(a.field == fld for a in x.assumed)
                          for x in rv.findings)
            asked = any(x.rule == GAP_RULE and (fld, rid) in x.missing for x in rv.findings)
            if assumed or asked:
                continue
            fired = any(x.kind == "risk" and x.rule == rid for x in rv.findings)
            what = "still fires on stated facts" if fired else "is silent"
            silent.append(SilentField(rid, ref, ex.name, lr.locate("when"), (
                f"with {path} left out of its example '{ex.name}', the rule {what}: add to the rule "
                f"'assume: {{{ref}: <the common default>}}' (fires on basis assumed, one severity step lower) or "
                f"'gaps: [{ref}]' (asks for it), or explain under 'silent_when_unknown: {{{ref}: <why>}}' "
                "(rules/README.md, section 4: the unknown policy)")))
    return checked, silent


# --- the rules about rules (engine.rulecheck), on the rules a run tests --------------------------------------

def check_rules(kb: CompiledKB, paths: Sequence[str] = (),
                results: Sequence[CaseResult] | None = None) -> tuple[int, list[RuleProblem]]:
    """Every rule about rules on every rule (under ``paths`` if given), and on the case files there.

    ``results`` are the rules' case results when the caller has run them (else they are run here): a rule must
    have a ``fire`` example that passes on some subject, not only one that is written. Returns (rules checked,
    problems), the problems in rule-id order.
    """
    if results is None:
        results = run_cases(kb, paths)
    rules = selected_rules(kb, paths)
    by_rule: dict[str, list[CaseResult]] = {rid: [] for rid in rules}
    for r in results:
        by_rule.setdefault(r.case.rule, []).append(r)
    problems: list[RuleProblem] = []
    for rid in rules:
        lr = kb.source[rid]
        problems.extend(check_rule(lr, [r.case.example for r in by_rule[rid]]))
        fires = [r for r in by_rule[rid] if r.case.example.expect == "fire"]
        # ruletest decides what "fired" means for risk, derive and adjust rules; an example that expects to fire
        # on no subject at all (`subjects: []`) is not evidence that the rule fires.
        if fires and not any(r.ok and r.case.example.subjects != [] for r in fires):
            problems.append(RuleProblem(rid, "fires", RuleError(
                "no 'expect: fire' example makes the rule fire: fix the failing ones, or give one a design on which "
                "it fires (rules/README.md, section 7)", lr.locate("examples"), "examples")))
    dirs = [p for p in paths if os.path.isdir(p)]
    problems.extend(orphan_case_files(dirs) if dirs else orphan_case_files(
        sorted({os.path.dirname(kb.source[rid].file) for rid in rules}), recursive=False))
    return len(rules), problems
