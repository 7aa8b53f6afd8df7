"""Runs every rule's own examples, and the ``<rule-id>.test.yaml`` case files beside the rules."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.compiler import CompiledKB
from engine.errors import ArchplanError, ErrorGroup, Location, RuleError
from engine.loader import _pydantic_errors, load_documents
from engine.review import GAP_RULE, review_design
from engine.rule import Example
from engine.ruleload import TEST_SUFFIX
from engine.source import Document, load


class CaseFile(BaseModel):
    """A ``<rule-id>.test.yaml`` file: extra named cases for one rule."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rule: str
    cases: list[Example]


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


def collect_cases(kb: CompiledKB, paths: Sequence[str] = ()) -> list[Case]:
    """Every case of every rule (under ``paths`` if given), in rule-id order."""
    wanted = [os.path.abspath(p) for p in paths]

    def selected(file: str) -> bool:
        f = os.path.abspath(file)
        return not wanted or any(f == w or f.startswith(w.rstrip(os.sep) + os.sep) for w in wanted)

    cases: list[Case] = []
    errors: list[ArchplanError] = []
    for rid in sorted(kb.source):
        lr = kb.source[rid]
        if not selected(lr.file):
            continue
        for i, ex in enumerate(lr.rule.examples):
            cases.append(Case(rid, ex, lr.doc, ("examples", i)))
        extra = lr.file[: -len(".yaml")] + TEST_SUFFIX
        if os.path.exists(extra):
            doc = load(extra)
            try:
                cf = CaseFile.model_validate(doc.data)
            except ValidationError as exc:
                errors.extend(_pydantic_errors(exc, CaseFile, doc, (), doc.data))
                continue
            if cf.rule != rid:
                errors.append(RuleError(f"case file is for '{cf.rule}' but sits beside '{rid}'",
                                        doc.locate(("rule",)), "rule"))
                continue
            for i, ex in enumerate(cf.cases):
                cases.append(Case(rid, ex, doc, ("cases", i)))
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
