"""Baselines: the findings a design already had when the gate was adopted.

``archplan baseline`` records each finding's fingerprint with its rule, subject and file (relative to the
design root). ``check --baseline`` then fails only on findings whose fingerprint is not recorded. A
fingerprint hashes rule, subject and file, never a line number, so moving text changes nothing, and an
entry for one file can never hide the same finding in another file. Each entry's fingerprint is checked
against its own rule, subject and file when the baseline is read, so a hand-edited entry is an error rather
than a silent wildcard.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from engine import __version__
from engine.errors import ArchplanError, InputError, Location, raise_all
from engine.model.finding import Finding
from engine.review import Review, fingerprint_rel
from engine.source import DEFAULT_LIMITS, Document, Limits, parse, read_text

BASELINE_VERSION = 1
_FP = re.compile(r"^[0-9a-f]{20}$")
ENTRY_KEYS = ("fingerprint", "rule", "subject", "file", "severity")
_NOWHERE = Location("")


@dataclass(frozen=True, order=True)
class Entry:
    """One recorded finding."""

    file: str
    rule: str
    subject: str
    fingerprint: str
    severity: str = ""
    location: Location = field(default=_NOWHERE, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"fingerprint": self.fingerprint, "rule": self.rule, "subject": self.subject, "file": self.file,
                "severity": self.severity}


def finding_file(review: Review, finding: Finding) -> str:
    """The file a finding's fingerprint is keyed on, relative to the design root ('/'-separated)."""
    fact = review.facts.get(finding.subject)
    file = fact.location.file if fact is not None else finding.location.file
    if not file:
        return ""
    return os.path.relpath(os.path.abspath(file), review.root).replace(os.sep, "/")


def entries_of(review: Review) -> list[Entry]:
    """Baseline entries for every finding of a review, sorted."""
    out = []
    for f in review.findings:
        rel = finding_file(review, f)
        if fingerprint_rel(f.rule, f.subject, rel) != f.fingerprint:  # the two must agree, or matching is a lie
            raise ArchplanError(f"internal error: fingerprint of {f.rule}@{f.subject} does not match its file {rel}")
        out.append(Entry(rel, f.rule, f.subject, f.fingerprint, f.severity.value))
    return sorted(set(out))


def baseline_data(review: Review) -> dict[str, Any]:
    """The baseline document: versioned, sorted, free of timestamps so that it diffs cleanly."""
    return {
        "archplan_baseline": BASELINE_VERSION,
        "tool": {"name": "archplan", "version": __version__},
        "entries": [e.to_json() for e in entries_of(review)],
    }


@dataclass(frozen=True)
class Baseline:
    """A baseline file read back."""

    file: str
    entries: tuple[Entry, ...]

    @functools.cached_property
    def fingerprints(self) -> frozenset[str]:
        """Every recorded fingerprint."""
        return frozenset(e.fingerprint for e in self.entries)


def load_baseline(path: str, limits: Limits = DEFAULT_LIMITS) -> Baseline:
    """Read and check a baseline file; every problem is reported with its line and entry."""
    # Fast path: a baseline is JSON written by archplan, and a large one parses ~20x faster with json than
    # with the position-keeping YAML reader. Only a file that fails a check is read again for positions.
    text = read_text(path, limits)
    try:
        fast = json.loads(text)
    except ValueError:
        fast = None
    if fast is not None:
        try:
            return _check(path, Document(path, fast, {}))
        except ArchplanError:
            pass
    return _check(path, parse(text, path, limits))


def _check(path: str, doc: Document) -> Baseline:
    data = doc.data
    if not isinstance(data, dict) or "archplan_baseline" not in data:
        raise InputError("not an archplan baseline (no 'archplan_baseline' version key); create one with "
                         "'archplan baseline DESIGN -o FILE'", doc.locate(()))
    if data["archplan_baseline"] != BASELINE_VERSION:
        raise InputError(f"unsupported baseline version {data['archplan_baseline']!r}; this archplan reads "
                         f"version {BASELINE_VERSION}", doc.locate(("archplan_baseline",)), "archplan_baseline")
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise InputError("'entries' must be a list", doc.locate(("entries",)), "entries")
    errors: list[ArchplanError] = []
    entries: list[Entry] = []
    for i, item in enumerate(raw):
        at = ("entries", i)
        where = doc.locate(at)
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ENTRY_KEYS[:4]):
            errors.append(InputError("each entry needs text 'fingerprint', 'rule', 'subject' and 'file'", where,
                                     f"entries[{i}]"))
            continue
        fp, rule, subject, file = (str(item[k]) for k in ENTRY_KEYS[:4])
        if not _FP.match(fp) or fingerprint_rel(rule, subject, file) != fp:
            errors.append(InputError(
                f"fingerprint {fp!r} does not belong to {rule} on {subject} in {file}; the entry was edited by "
                "hand: regenerate the baseline with 'archplan baseline'", where, f"entries[{i}].fingerprint"))
            continue
        sev = item.get("severity")
        entries.append(Entry(file, rule, subject, fp, sev if isinstance(sev, str) else "", where))
    raise_all(errors)
    return Baseline(path, tuple(sorted(entries)))
