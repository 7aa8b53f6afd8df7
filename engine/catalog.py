"""The pattern catalog (catalog §7): the 120 patterns the knowledge base is meant to cover.

The catalog ships inside the package as ``engine/data/catalog.json`` so that an installed archplan
can report coverage without the source Markdown. ``parse_catalog`` turns the Markdown tables into
that data; ``benchmarks/gen_catalog.py`` runs it once and the result is committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from engine.errors import InputError, Location
from engine.model.ruledata import Rule

CATALOG_ID = re.compile(r"^(RES|DAT|COM|API|SEC|PERF|OPS|DEP)-\d{3}$")
"""A well-formed catalog id: the category prefix and three digits."""

PREFIX_CATEGORY = {
    "RES": "resilience", "DAT": "data", "COM": "communication", "API": "api",
    "SEC": "security", "PERF": "performance", "OPS": "operability", "DEP": "deployment",
}

# How each rule source family is named in the catalog's Source column. Used to tell which families
# a catalog pattern draws on; "archplan" (the tool's own planning rules) has no catalog entries.
SOURCE_FAMILIES: dict[str, tuple[str, ...]] = {
    "azure": ("azure",),
    "microservices.io": ("microservices.io",),
    "aws-well-architected": ("aws", "rel0", "rel1", "sec0", "sec1", "ops0", "reliability pillar"),
    "google-sre": ("sre", "calculus of service availability", "dean & barroso"),
    "owasp-api-2023": ("owasp", "api1:", "api2:", "api3:", "api4:", "api5:", "api6:", "api7:", "api8:", "api9:",
                       "api10:"),
    "twelve-factor": ("12-factor", "twelve-factor"),
}
RULE_SOURCES: tuple[str, ...] = (*SOURCE_FAMILIES, "archplan")

_ROW = re.compile(r"^\|\s*((?:RES|DAT|COM|API|SEC|PERF|OPS|DEP)-\d{3})\s*\|(.*)\|\s*$")


@dataclass(frozen=True)
class Pattern:
    """One catalog pattern."""

    id: str
    category: str
    summary: str
    """The condition in one line, without its formula."""
    condition: str
    severity: str
    mitigation: str
    phase: int
    source: str
    families: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "category": self.category, "summary": self.summary, "condition": self.condition,
                "severity": self.severity, "mitigation": self.mitigation, "phase": self.phase,
                "source": self.source, "families": list(self.families)}


def families_of(source: str) -> tuple[str, ...]:
    """The rule source families a catalog Source cell cites."""
    low = source.lower()
    return tuple(f for f, needles in SOURCE_FAMILIES.items() if any(n in low for n in needles))


_CONNECTOR = re.compile(
    r"\b(?:a|an|the|with|and|or|AND|OR|of|for|to|any|but|needs|without|than|whose|internal|external|user-facing"
    r"|heterogeneous)$")


def one_line(condition: str) -> str:
    """The plain-words part of a condition, without its formula.

    Takes the text before the first formula (a backtick). When the formula cut a sentence in the
    middle ("... a cache on a critical path with"), keeps only the heading before the colon.
    """
    text = re.sub(r"[\s:;,(]+$", "", condition.split("`", 1)[0].strip())
    if _CONNECTOR.search(text) and ":" in text:
        text = text.split(":", 1)[0].strip()
    if not text:  # the condition is a formula only
        text = condition.replace("`", "").split(";", 1)[0].strip()
    return text.rstrip(".")


def _cells(row: str) -> list[str]:
    # Cells never contain an escaped pipe in the catalog; a plain split is exact.
    return [c.strip() for c in row.strip().strip("|").split("|")]


def parse_catalog(markdown: str, file: str = "pattern-catalog.md") -> list[Pattern]:
    """Every row of the §7 rule-catalog tables, in id order.

    Raises:
        InputError: a row that does not have the seven columns, or a duplicate id.
    """
    out: dict[str, Pattern] = {}
    for lineno, line in enumerate(markdown.splitlines(), start=1):
        if not _ROW.match(line):
            continue
        cells = _cells(line)
        if len(cells) != 7:
            raise InputError(f"catalog row has {len(cells)} columns, expected 7", Location(file, lineno, 1))
        pid, category, condition, severity, mitigation, phase, source = cells
        if pid in out:
            raise InputError(f"duplicate catalog id {pid}", Location(file, lineno, 1))
        if PREFIX_CATEGORY[pid.split("-")[0]] != category:
            raise InputError(f"{pid} is in category '{category}', not its prefix's", Location(file, lineno, 1))
        out[pid] = Pattern(pid, category, one_line(condition), condition, severity.lower(), mitigation,
                           int(phase), source, families_of(source))
    return [out[k] for k in sorted(out, key=_order)]


def _order(pid: str) -> tuple[int, int]:
    prefix, num = pid.split("-")
    return list(PREFIX_CATEGORY).index(prefix), int(num)


def to_json(patterns: list[Pattern]) -> str:
    """The committed data file's text (stable: sorted keys, one trailing newline)."""
    return json.dumps({"version": 1, "patterns": [p.to_json() for p in patterns]}, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"


def load_catalog() -> list[Pattern]:
    """The catalog shipped with archplan, in id order."""
    text = resources.files("engine").joinpath("data", "catalog.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return [Pattern(p["id"], p["category"], p["summary"], p["condition"], p["severity"], p["mitigation"],
                    int(p["phase"]), p["source"], tuple(p["families"])) for p in data["patterns"]]


def coverage(rules: Sequence[Rule], patterns: Sequence[Pattern]) -> dict[str, Any]:
    """Which rules cover each catalog pattern, what is uncovered, and counts by category and source family.

    A rule covers the patterns listed in its ``catalog``. Ids that are not in the catalog are
    reported under ``unknown_catalog_ids``; rules that raise a risk but cite no pattern under
    ``rules_without_catalog`` (planning rules, which only derive facts, are not expected to).
    """
    known = {p.id for p in patterns}
    covering: dict[str, list[str]] = {p.id: [] for p in patterns}
    unknown: dict[str, list[str]] = {}
    for r in sorted(rules, key=lambda r: r.id):
        for cid in r.catalog:
            if cid in known:
                covering[cid].append(r.id)
            else:
                unknown.setdefault(r.id, []).append(cid)
    rows = [{**p.to_json(), "rules": covering[p.id]} for p in patterns]
    for row in rows:
        del row["condition"], row["mitigation"]
    uncovered = [p.id for p in patterns if not covering[p.id]]
    by_category: dict[str, dict[str, int]] = {}
    for cat in PREFIX_CATEGORY.values():
        in_cat = [p for p in patterns if p.category == cat]
        by_category[cat] = {"patterns": len(in_cat), "covered": sum(1 for p in in_cat if covering[p.id]),
                            "rules": sum(1 for r in rules if r.category.value == cat)}
    by_source: dict[str, dict[str, int]] = {}
    for fam in RULE_SOURCES:
        cited = [p for p in patterns if fam in p.families]
        by_source[fam] = {"rules": sum(1 for r in rules if fam in r.sources), "patterns": len(cited),
                          "covered": sum(1 for p in cited if covering[p.id])}
    return {
        "catalog": len(patterns), "covered": len(patterns) - len(uncovered), "rules": len(rules),
        "patterns": rows, "uncovered": uncovered, "by_category": by_category, "by_source": by_source,
        "unknown_catalog_ids": unknown,
        "rules_without_catalog": sorted(r.id for r in rules if not r.catalog and r.risk is not None),
    }


def coverage_text(report: Mapping[str, Any]) -> str:
    """The coverage report as plain text."""
    out = [f"Catalog coverage: {report['covered']} of {report['catalog']} patterns covered "
           f"({report['rules']} rules loaded)", ""]
    for row in report["patterns"]:
        mark = "x" if row["rules"] else " "
        out.append(f"[{mark}] {row['id']:<8} {row['summary']}")
        out.append(f"    source: {row['source']}")
        out.append(f"    rules:  {', '.join(row['rules']) if row['rules'] else 'UNCOVERED'}")
    out += ["", f"Uncovered ({len(report['uncovered'])}): {', '.join(report['uncovered']) or 'none'}", ""]
    out.append(f"{'category':<16}{'patterns':>9}{'covered':>9}{'rules':>7}")
    for cat, c in report["by_category"].items():
        out.append(f"{cat:<16}{c['patterns']:>9}{c['covered']:>9}{c['rules']:>7}")
    out += ["", f"{'source family':<22}{'rules':>7}{'patterns':>10}{'covered':>9}"]
    for fam, c in report["by_source"].items():
        out.append(f"{fam:<22}{c['rules']:>7}{c['patterns']:>10}{c['covered']:>9}")
    if report["unknown_catalog_ids"]:
        out += ["", "Catalog ids that do not exist:"]
        out += [f"  {rid}: {', '.join(ids)}" for rid, ids in report["unknown_catalog_ids"].items()]
    if report["rules_without_catalog"]:
        out += ["", f"Rules raising a risk with no catalog id ({len(report['rules_without_catalog'])}): "
                + ", ".join(report["rules_without_catalog"])]
    return "\n".join(out) + "\n"
