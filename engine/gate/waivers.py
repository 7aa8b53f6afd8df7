"""Waivers: accepted risks, each with a reason, an owner and an expiry date.

A waiver is declared in a design file's top-level ``waivers:`` section or in a central waivers file
(``--waivers FILE``: a mapping with ``waivers:`` and an optional ``version: 1``). ``rule`` and ``subject``
may use ``*`` (any run of characters) and ``?`` (one character); nothing else is special, so a subject
such as ``endpoint:GET /v1/products/{id}`` needs no quoting of its braces.

Checkov's structured skips and Ruff's unused-suppression report are the models: a waiver must say why and
who, it ends on a date (after which it fails the gate instead of hiding the finding), and a waiver that
matches nothing is reported so that waivers cannot pile up unnoticed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from msgspec import Struct

from engine import budget
from engine.errors import ArchplanError, InputError, Location, did_you_mean, shown
from engine.model.finding import Finding
from engine.source import Document, Path, keypath

WAIVER_KEYS = ("rule", "subject", "reason", "owner", "expires", "ticket")
REQUIRED_KEYS = ("rule", "subject", "reason", "owner", "expires")
FILE_KEYS = ("version", "waivers")
_MAX = {"rule": 200, "subject": 300, "reason": 2000, "owner": 200, "ticket": 200}
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Waiver(Struct, frozen=True, eq=False):
    """One accepted risk, and where it was declared."""

    rule: str
    subject: str
    reason: str
    owner: str
    expires: dt.date
    ticket: str | None
    location: Location
    in_design: bool
    """Declared in a design file (``True``) or in a central waivers file."""
    keypath: str = "waivers"
    """Where in its file, e.g. ``waivers[2]``."""

    def matches(self, finding: Finding) -> bool:
        """Whether this waiver covers ``finding`` (rule and main subject both match)."""
        return _compile(self.rule).fullmatch(finding.rule) and _compile(self.subject).fullmatch(finding.subject)

    def expired(self, today: dt.date) -> bool:
        """A waiver holds through its expiry date and fails the gate from the next day on."""
        return today > self.expires

    def describe(self) -> str:
        """``rule on subject`` for messages."""
        return f"waiver for {self.rule} on {self.subject}"

    def to_json(self) -> dict[str, Any]:
        """JSON form (paths as the user sees them)."""
        from engine.review import display_path

        out: dict[str, Any] = {
            "rule": self.rule, "subject": self.subject, "reason": self.reason, "owner": self.owner,
            "expires": self.expires.isoformat(), "file": display_path(self.location.file),
            "line": self.location.line, "column": self.location.column,
            "declared_in": "design" if self.in_design else "waivers-file",
        }
        if self.ticket:
            out["ticket"] = self.ticket
        return out


def is_pattern(text: str) -> bool:
    """Whether ``text`` holds a wildcard."""
    return "*" in text or "?" in text


class Wildcard:
    """A waiver pattern: ``*`` any run of characters, ``?`` one character, everything else itself.

    Matched without a regular expression, in time linear in the text for a given pattern: the pattern is
    split at its stars, and each piece between them is placed at its leftmost place after the previous one
    (leftmost is always right for a star pattern, so nothing is ever retried). Translated to a backtracking
    regex, ``*a*a*a*a!`` against a 500-character subject took a minute.
    """

    def __init__(self, pattern: str) -> None:
        self.pieces = pattern.split("*")

    @staticmethod
    def _at(piece: str, text: str, i: int) -> bool:
        if i + len(piece) > len(text):
            return False
        return all(p in ("?", c) for p, c in zip(piece, text[i:i + len(piece)], strict=False))

    @classmethod
    def _find(cls, piece: str, text: str, start: int) -> int:
        if "?" not in piece:
            return text.find(piece, start)
        head = max(piece.split("?"), key=len)  # a literal run of the piece, found with str.find
        offset = piece.index(head)
        i = start
        while True:
            j = text.find(head, i + offset) if head else i + offset
            if j < 0 or j - offset + len(piece) > len(text):
                return -1
            if cls._at(piece, text, j - offset):
                return j - offset
            i = j - offset + 1

    def fullmatch(self, text: str) -> bool:
        """Whether the whole of ``text`` matches."""
        first, *rest = self.pieces
        if not rest:
            return len(first) == len(text) and self._at(first, text, 0)
        *middle, last = rest
        if len(first) + len(last) > len(text) or not self._at(first, text, 0) or not self._at(
                last, text, len(text) - len(last)):
            return False
        i, end = len(first), len(text) - len(last)
        for piece in middle:
            if piece:
                j = self._find(piece, text[:end], i)
                if j < 0:
                    return False
                i = j + len(piece)
        return True


_PATTERNS: dict[str, Wildcard] = {}


def _compile(pattern: str) -> Wildcard:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = Wildcard(pattern)
    return compiled


def parse_entries(doc: Document, base: Path, value: Any, in_design: bool) -> tuple[list[Waiver], list[ArchplanError]]:
    """Validate the list at ``base`` in ``doc`` into waivers, collecting one error per problem."""
    errors: list[ArchplanError] = []
    out: list[Waiver] = []
    if value is None:
        return out, errors
    if not isinstance(value, list):
        errors.append(InputError(f"'waivers' must be a list, not a {type(value).__name__}", doc.locate(base),
                                 keypath(base)))
        return out, errors
    for i, item in enumerate(value):
        at = (*base, i)
        if not isinstance(item, dict):
            errors.append(InputError(f"each waiver must be a mapping with {', '.join(REQUIRED_KEYS)}, not a "
                                     f"{type(item).__name__}", doc.locate(at), keypath(at)))
            continue
        bad = False
        for key in item:
            if key not in WAIVER_KEYS:
                errors.append(InputError(f"unknown key '{key}'{did_you_mean(str(key), WAIVER_KEYS)}; a waiver has "
                                         f"{', '.join(WAIVER_KEYS)}", doc.locate((*at, key)), keypath((*at, key))))
                bad = True
        for key in REQUIRED_KEYS:
            if key not in item or item[key] is None:
                errors.append(InputError(f"missing required key '{key}'", doc.locate(at), keypath((*at, key))))
                bad = True
        texts: dict[str, str] = {}
        for key in ("rule", "subject", "reason", "owner", "ticket"):
            v = item.get(key)
            if v is None:
                continue
            if not isinstance(v, str) or not v.strip():
                errors.append(InputError(f"'{key}' must be non-empty text (got {shown(v, key)})",
                                         doc.locate((*at, key)), keypath((*at, key))))
                bad = True
            elif key != "reason" and ("\n" in v.strip() or "\r" in v):
                # One line: a subject or an owner is printed on a line of its own in logs and annotations.
                errors.append(InputError(f"'{key}' must be one line of text (it holds a line break)",
                                         doc.locate((*at, key)), keypath((*at, key))))
                bad = True
            elif len(v) > _MAX[key]:
                errors.append(InputError(f"'{key}' is longer than {_MAX[key]} characters", doc.locate((*at, key)),
                                         keypath((*at, key))))
                bad = True
            else:
                texts[key] = v.strip()
        expires = _date(item.get("expires"), doc, (*at, "expires"), errors) if "expires" in item else None
        if bad or expires is None:
            continue
        out.append(Waiver(texts["rule"], texts["subject"], texts["reason"], texts["owner"], expires,
                          texts.get("ticket"), doc.locate((*at, "rule")), in_design, keypath(at)))
    return out, errors


def _date(v: Any, doc: Document, at: Path, errors: list[ArchplanError]) -> dt.date | None:
    # YAML reads an unquoted 2026-12-31 as a date; JSON and quoted YAML give a string.
    if isinstance(v, dt.datetime):
        errors.append(InputError("'expires' must be a date (YYYY-MM-DD), not a date and time", doc.locate(at),
                                 keypath(at)))
        return None
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and _DATE.match(v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    errors.append(InputError(f"'expires' must be a date written YYYY-MM-DD (got {shown(v)})", doc.locate(at),
                             keypath(at)))
    return None


def from_design_doc(doc: Document) -> tuple[list[Waiver], list[ArchplanError]]:
    """The waivers of a design file's ``waivers:`` section."""
    data = doc.data if isinstance(doc.data, dict) else {}
    return parse_entries(doc, ("waivers",), data.get("waivers"), in_design=True)


def from_waivers_doc(doc: Document) -> tuple[list[Waiver], list[ArchplanError]]:
    """The waivers of a central waivers file."""
    data = doc.data
    if not isinstance(data, dict):
        return [], [InputError("a waivers file must be a mapping with a 'waivers:' list", doc.locate(()))]
    errors: list[ArchplanError] = []
    for key in data:
        if key not in FILE_KEYS:
            errors.append(InputError(f"unknown key '{key}'{did_you_mean(str(key), FILE_KEYS)}; a waivers file has "
                                     "'waivers:' and an optional 'version: 1'", doc.locate((key,)), str(key)))
    if data.get("version", 1) != 1:
        errors.append(InputError("unsupported version; this archplan reads waivers files of version 1",
                                 doc.locate(("version",)), "version"))
    if "waivers" not in data:
        errors.append(InputError("missing 'waivers:' list", doc.locate(()), "waivers"))
    waivers, more = parse_entries(doc, ("waivers",), data.get("waivers"), in_design=False)
    return waivers, errors + more


def check_rule_ids(waivers: Iterable[Waiver], known: Iterable[str]) -> list[ArchplanError]:
    """A waiver must name a loaded rule (or a pattern matching at least one): a typo would waive nothing."""
    ids = sorted(set(known))
    errors: list[ArchplanError] = []
    for w in waivers:
        if is_pattern(w.rule):
            if not any(_compile(w.rule).fullmatch(r) for r in ids):
                errors.append(InputError(f"rule pattern '{w.rule}' matches no loaded rule", w.location,
                                         f"{w.keypath}.rule"))
        elif w.rule not in ids:
            errors.append(InputError(f"unknown rule id '{w.rule}'{did_you_mean(w.rule, ids)}", w.location,
                                     f"{w.keypath}.rule"))
    return errors


class WaiverResult(Struct, frozen=True, eq=False):
    """What the waivers did to one run's findings."""

    waived: Mapping[str, Waiver]
    """Finding fingerprint -> the waiver that covers it (the first declared, by file and line)."""
    expired: tuple[Waiver, ...]
    unused: tuple[tuple[Waiver, str], ...]
    """Waivers in force that matched no finding, each with a hint (empty when there is none)."""


def apply(waivers: Sequence[Waiver], findings: Sequence[Finding], today: dt.date,
          fact_keys: Iterable[str] = ()) -> WaiverResult:
    """Match waivers to findings. Expired waivers waive nothing; they are returned to fail the gate."""
    ordered = sorted(waivers, key=lambda w: (w.location, w.rule, w.subject))
    live = [w for w in ordered if not w.expired(today)]
    expired = tuple(w for w in ordered if w.expired(today))
    waived: dict[str, Waiver] = {}
    used: set[int] = set()
    # Candidates per rule id, computed once: a design has far fewer rules than findings.
    by_rule: dict[str, list[tuple[int, Waiver, Wildcard | None]]] = {}
    for f in findings if live else ():  # no waiver in force: nothing to match
        budget.check("matching waivers")
        candidates = by_rule.get(f.rule)
        if candidates is None:
            candidates = [(i, w, _compile(w.subject) if is_pattern(w.subject) else None)
                          for i, w in enumerate(live) if _compile(w.rule).fullmatch(f.rule)]
            by_rule[f.rule] = candidates
        for i, w, subject in candidates:
            if (w.subject == f.subject) if subject is None else subject.fullmatch(f.subject):
                used.add(i)
                waived.setdefault(f.fingerprint, w)
    keys: list[str] | None = None  # sorted when a waiver needs a hint: a design has thousands of facts
    unused = []
    for i, w in enumerate(live):
        if i in used:
            continue
        hint = ""
        if keys is None:
            keys = sorted(set(fact_keys))
        if not is_pattern(w.subject) and w.subject not in keys:
            hint = f"no subject '{w.subject}' in this design{did_you_mean(w.subject, keys)}"
        unused.append((w, hint))
    return WaiverResult(waived, expired, tuple(unused))
