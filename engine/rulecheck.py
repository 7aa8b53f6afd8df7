"""The rules about rules: what every rule file must say besides a valid condition, in any pack.

The loader already refuses what would make a rule wrong (schema, id = file stem, unique ids, a category that
is not its folder, kinds, fields, templates). These checks find what makes a rule incomplete: blank docs, a
missing kind of example, a source family no reference cites, a catalog id that does not exist, a case file
with no rule beside it. ``archplan rules test`` runs them on the rules it tests (``engine.ruletest``), and the
catalog test runs them on ``rules/``. Each problem is one located line, like every other error of the tool.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from engine.catalog import CATALOG_ID, SOURCE_FAMILIES, load_catalog
from engine.errors import Location, RuleError
from engine.model import Category
from engine.model.ruledata import Example, LoadedRule
from engine.ruleload import RULE_SUFFIX, TEST_SUFFIX
from engine.source import keypath

CHECKS: tuple[str, ...] = ("layout", "docs", "examples", "fires", "references", "catalog", "case-files")
"""The families of checks, as a problem names them (``<rule-id>::<check>``)."""

CITES: dict[str, tuple[str, ...]] = {
    **{fam: (*needles, fam) for fam, needles in SOURCE_FAMILIES.items()},
    "azure": ("azure", "microsoft"),
    "google-sre": (*SOURCE_FAMILIES["google-sre"], "google", "site reliability"),
    "twelve-factor": ("12-factor", "twelve-factor", "12factor"),
}
"""How a reference names each source family (beyond the family's own name); ``archplan`` needs none."""


@dataclass(frozen=True)
class RuleProblem:
    """One thing a rule file lacks, where to add it, and what to write."""

    rule: str
    check: str
    """One of ``CHECKS``."""
    error: RuleError

    def __str__(self) -> str:
        return f"{self.rule}::{self.check}  {self.error}"


@functools.cache
def _catalog_ids() -> frozenset[str]:
    return frozenset(p.id for p in load_catalog())


def _problem(lr: LoadedRule, check: str, message: str, *path: str | int) -> RuleProblem:
    return RuleProblem(lr.rule.id, check, RuleError(message, lr.locate(*path), keypath(path)))


def check_rule(lr: LoadedRule, examples: Sequence[Example]) -> list[RuleProblem]:
    """Every static rule about rules on one rule; ``examples`` are its own and those of its case file."""
    return [*_layout(lr), *_docs(lr), *_examples(lr, examples), *_references(lr), *_catalog(lr)]


def _layout(lr: LoadedRule) -> list[RuleProblem]:
    folder = os.path.basename(os.path.dirname(os.path.abspath(lr.file)))
    if folder in {c.value for c in Category}:
        return []  # a folder of another category is refused when the rules load
    category = lr.rule.category.value
    return [_problem(lr, "layout", f"a rule sits in the folder of its category: move it to "
                                   f"{category}/{os.path.basename(lr.file)} in its pack (rules/README.md, section 2)",
                     "category")]


def _docs(lr: LoadedRule) -> list[RuleProblem]:
    rule = lr.rule
    out = [_problem(lr, "docs", f"'{name}' is blank: write {what} (rules/README.md, section 3)", name)
           for name, what in (("title", "the flaw as a reviewer would name it"),
                              ("summary", "what the rule flags, in one or two sentences"),
                              ("rationale", "why it matters in production"))
           if not getattr(rule, name).strip()]
    if rule.risk is not None and not rule.risk.message.strip():
        out.append(_problem(lr, "docs", "the risk's 'message' is blank: say what was found, on which subject, and why "
                                        "it matters", "risk", "message"))
    listed = isinstance(rule.mitigation, list)
    for j, mit in enumerate(rule.mitigations):
        base: tuple[str | int, ...] = ("mitigation", j) if listed else ("mitigation",)
        for name in ("title", "action"):
            if not getattr(mit, name).strip():
                out.append(_problem(lr, "docs", f"mitigation '{mit.id}' has a blank '{name}': name the work and what "
                                                "to implement", *base, name))
    return out


def _examples(lr: LoadedRule, examples: Sequence[Example]) -> list[RuleProblem]:
    rule = lr.rule
    expects = {ex.expect for ex in examples}
    out: list[RuleProblem] = []
    if "fire" not in expects:
        out.append(_problem(lr, "examples", "no 'expect: fire' example: add one whose design makes the rule fire "
                                            "(rules/README.md, section 7)", "examples"))
    if "pass" not in expects:
        out.append(_problem(lr, "examples", "no 'expect: pass' example: add one where the rule does not apply or the "
                                            "mitigation is in place (rules/README.md, section 7)", "examples"))
    if rule.gaps and "gap" not in expects:
        out.append(_problem(lr, "examples", f"a rule with 'gaps' needs an 'expect: gap' example: add one whose design "
                                            f"leaves {rule.gaps[0]} unknown (rules/README.md, section 7)", "gaps"))
    if rule.assume and not any(ex.expect == "fire" and ex.basis == "assumed" for ex in examples):
        ref = sorted(rule.assume)[0]
        out.append(_problem(lr, "examples", f"a rule with 'assume' needs an 'expect: fire' example with 'basis: "
                                            f"assumed': add one whose design leaves {ref} out (rules/README.md, "
                                            "section 7)", "assume"))
    return out


def _references(lr: LoadedRule) -> list[RuleProblem]:
    rule = lr.rule
    out = [_problem(lr, "references", "a reference is blank: name the pattern page, best-practice id or book "
                                      "chapter", "references", i)
           for i, ref in enumerate(rule.references) if not ref.strip()]
    if not rule.sources:
        out.append(_problem(lr, "references", "no 'sources': list the source families its references cite ("
                                              f"{', '.join(CITES)}; archplan for the tool's own rules)",
                            "sources" if "sources" in lr.doc.data else "references"))
    text = " ".join(rule.references).lower()
    for i, fam in enumerate(rule.sources):
        if fam != "archplan" and not any(n in text for n in CITES[fam]):
            out.append(_problem(lr, "references", f"'sources' lists {fam} but no reference cites it (a reference "
                                                  f"naming one of: {', '.join(CITES[fam])})", "sources", i))
    return out


def _catalog(lr: LoadedRule) -> list[RuleProblem]:
    out: list[RuleProblem] = []
    seen: set[str] = set()
    for i, cid in enumerate(lr.rule.catalog):
        if cid in seen:
            out.append(_problem(lr, "catalog", f"'{cid}' is listed twice", "catalog", i))
        elif not CATALOG_ID.match(cid):
            out.append(_problem(lr, "catalog", f"'{cid}' is not a catalog id (RES-001 ... DEP-016)", "catalog", i))
        elif cid not in _catalog_ids():
            out.append(_problem(lr, "catalog", f"'{cid}' is not in the pattern catalog (archplan rules coverage lists "
                                               "them)", "catalog", i))
        seen.add(cid)
    return out


def orphan_case_files(dirs: Sequence[str], *, recursive: bool = True) -> list[RuleProblem]:
    """Case files in ``dirs`` (and below, if ``recursive``) with no rule file beside them: their cases never run."""
    found: set[str] = set()
    for d in dirs:
        walk = os.walk(d) if recursive else [(d, [], os.listdir(d) if os.path.isdir(d) else [])]
        found.update(os.path.normpath(os.path.join(root, n)) for root, _dirs, names in walk for n in names
                     if n.endswith(TEST_SUFFIX) and not n.startswith("."))
    out: list[RuleProblem] = []
    for path in sorted(found):
        stem = os.path.basename(path)[: -len(TEST_SUFFIX)]
        if not os.path.isfile(os.path.join(os.path.dirname(path), stem + RULE_SUFFIX)):
            out.append(RuleProblem(stem, "case-files", RuleError(
                f"a case file with no rule beside it, so its cases never run: put it next to {stem}{RULE_SUFFIX}",
                Location(path))))
    return out
