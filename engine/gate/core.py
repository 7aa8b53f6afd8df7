"""The review gate: waivers, baselines and the pass/fail decision over one review.

The renderers (``sarif``, ``junit``, ``github``, ``markdown``) and ``diff`` take a :class:`Gate`.
Nothing here prints or exits; the CLI turns ``Gate.exit_code`` into the process's exit code.

Fail closed: a gate with no rules, or a design that states no facts, is an error (exit 2), never a pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from msgspec import Struct, field

from engine.errors import ArchplanError, InputError, UsageError, raise_all
from engine.gate.common import POLICY_RULE
from engine.gate.policy import Policy, check_waivers
from engine.gate.policy import describe as describe_policy
from engine.gate.waivers import Waiver, WaiverResult, apply, check_rule_ids, from_design_doc, from_waivers_doc
from engine.model import Severity
from engine.model.finding import Finding
from engine.report import threshold_rank
from engine.review import GAP_RULE, Review
from engine.source import DEFAULT_LIMITS, Document, Limits, load

if TYPE_CHECKING:
    from engine.gate.baseline import Baseline, Entry

Status = Literal["active", "waived", "baselined"]
TODAY_ENV = "ARCHPLAN_TODAY"


def today(override: str | None = None) -> dt.date:
    """Today's date (UTC), or ``override`` / ``$ARCHPLAN_TODAY`` (YYYY-MM-DD) so that expiry is testable."""
    text = override or os.environ.get(TODAY_ENV)
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"today's date {text!r} is not a date written YYYY-MM-DD") from None
    return dt.datetime.now(dt.UTC).date()


class GateOptions(Struct, frozen=True, eq=False):
    """How the gate judges a review."""

    threshold: str = "high"
    waiver_files: tuple[str, ...] = ()
    use_waivers: bool = True
    baseline: str | None = None
    exit_zero: bool = False
    fail_on_unused_waivers: bool = False
    include_waived: bool = False
    """SARIF only: list waived findings, with a suppression, instead of leaving them out."""
    today: dt.date | None = None
    policy: Policy | None = None
    """What decided the rules, severities and waiver bounds (``engine.gate.policy.describe``); None: worked out
    from the review alone."""
    pinned_waivers: tuple[tuple[Document, bool], ...] | None = None
    """With ``--policy-from``: the pinned revision's waiver documents (document, is a design file), used instead
    of the working tree's."""


class Item(Struct, frozen=True, eq=False):
    """One finding as the gate sees it."""

    finding: Finding
    status: Status
    failing: bool
    """Active and at or above the threshold."""
    waiver: Waiver | None = None
    rose_from: str | None = None
    """In the baseline at this lower severity: it rose since, so the baseline no longer covers it."""


class Gate(Struct, eq=False, dict=True):
    """A review judged: each finding's status, the waivers' problems, and the decision."""

    review: Review
    options: GateOptions
    items: list[Item]
    waivers: list[Waiver]
    waiver_result: WaiverResult
    baseline: Baseline | None
    stale: list[Entry] = field(default_factory=list)
    today: dt.date = dt.date(1970, 1, 1)
    policy: Policy = field(default_factory=Policy)

    def policy_lines(self) -> list[str]:
        """The policy as lines for the human reports (none when it is the default: built-in rules, nothing
        disabled or overridden, no waiver)."""
        if self.policy.is_default(self.waivers, self.review.kb.source):
            return []
        return self.policy.lines(self.waivers, self.review.kb.source)

    def policy_json(self) -> dict[str, Any]:
        """The policy for the machine-readable reports (always stated)."""
        return self.policy.to_json(self.waivers, self.review.kb.source)

    @property
    def threshold(self) -> str:
        """The ``--fail-on`` severity."""
        return self.options.threshold

    @functools.cached_property
    def failing(self) -> list[Item]:
        """Active findings at or above the threshold (worked out once: the report asks several times)."""
        return [i for i in self.items if i.failing]

    def of_status(self, status: Status) -> list[Item]:
        """The items with one status."""
        return list(self._by_status.get(status, ()))

    @functools.cached_property
    def _by_status(self) -> dict[Status, list[Item]]:
        """The items by status, sorted out once: the reports ask for them several times."""
        out: dict[Status, list[Item]] = {}
        for i in self.items:
            out.setdefault(i.status, []).append(i)
        return out

    @functools.cached_property
    def _rose(self) -> list[Item]:
        """The baselined findings that rose in severity (``reasons`` is asked several times per report)."""
        return [i for i in self.items if i.rose_from]

    @property
    def expired(self) -> tuple[Waiver, ...]:
        """Waivers past their date: each fails the gate."""
        return self.waiver_result.expired

    @property
    def unused(self) -> tuple[tuple[Waiver, str], ...]:
        """Waivers in force that matched no finding."""
        return self.waiver_result.unused

    def reasons(self) -> list[str]:
        """Why the gate fails (empty when it passes)."""
        out = []
        if self.failing:
            n = len(self.failing)
            out.append(f"{n} finding{'s' if n != 1 else ''} at or above '{self.threshold}'"
                       + (" not waived or in the baseline" if self.waivers or self.baseline else ""))
        rose = self._rose
        if rose:
            out.append(f"{len(rose)} baselined finding{'s' if len(rose) != 1 else ''} rose in severity (e.g. "
                       f"{rose[0].finding.rule} on {rose[0].finding.subject}: {rose[0].rose_from} -> "
                       f"{rose[0].finding.severity.value})")
        for w in self.expired:
            out.append(f"{w.location}: {w.describe()} expired on {w.expires.isoformat()} (owner {w.owner})")
        if self.options.fail_on_unused_waivers:
            for w, _hint in self.unused:
                out.append(f"{w.location}: unused {w.describe()} (--fail-on-unused-waivers)")
        return out

    @property
    def passed(self) -> bool:
        """Whether the gate passes on the merits (``--exit-zero`` aside)."""
        return not self.reasons()

    @property
    def enforcing(self) -> bool:
        """False under ``--exit-zero``: the gate reports but never fails."""
        return not self.options.exit_zero

    @property
    def exit_code(self) -> int:
        """0 pass (or not enforcing), 1 fail."""
        return 0 if self.passed or not self.enforcing else 1

    def status_line(self) -> str:
        """One line saying what the gate decided."""
        verdict = "passed" if self.passed else "failed"
        line = f"archplan gate {verdict}"
        if not self.passed:
            line += ": " + "; ".join(self.reasons()[:3]) + (" …" if len(self.reasons()) > 3 else "")
        if not self.enforcing:
            line += " (not enforcing: --exit-zero, the exit code is 0 whatever is found)"
        return line

    def summary(self) -> dict[str, Any]:
        """Counts for reports."""
        data: dict[str, Any] = {
            "threshold": self.threshold, "enforcing": self.enforcing,
            "status": "pass" if self.passed else "fail", "today": self.today.isoformat(),
            "findings": len(self.items), "failing": len(self.failing),
            "waived": len(self.of_status("waived")), "baselined": len(self.of_status("baselined")),
            "expired_waivers": len(self.expired), "unused_waivers": len(self.unused),
        }
        if self.baseline is not None:
            data["baseline"] = {"file": self.baseline.file, "entries": len(self.baseline.entries),
                                "matched": len(self.baseline.entries) - len(self.stale), "stale": len(self.stale)}
        return data

    def to_json(self) -> dict[str, Any]:
        """The ``gate`` section of the JSON report."""
        from engine.review import display_path

        data = self.summary()
        if self.baseline is not None:
            data["baseline"]["file"] = display_path(os.path.abspath(self.baseline.file))
        data["reasons"] = self.reasons()
        data["waived"] = [{"finding": i.finding.id, "fingerprint": i.finding.fingerprint,
                           "waiver": i.waiver.to_json()} for i in self.of_status("waived") if i.waiver]
        data["baselined"] = [i.finding.fingerprint for i in self.of_status("baselined")]
        data["expired_waivers"] = [w.to_json() for w in self.expired]
        data["unused_waivers"] = [{**w.to_json(), "hint": hint} for w, hint in self.unused]
        data["stale_baseline_entries"] = [e.to_json() for e in self.stale]
        data["policy"] = self.policy_json()
        data["rose_from_baseline"] = [{"finding": i.finding.id, "from": i.rose_from, "to": i.finding.severity.value}
                                      for i in self.items if i.rose_from]
        return data


def check_substance(review: Review) -> None:
    """A gate with no rules or no facts would pass anything: refuse (exit 2)."""
    errors: list[ArchplanError] = []
    if not review.kb.source:
        errors.append(UsageError("no rules loaded: a gate with no rules would pass everything (drop --no-builtin "
                                 "or add --rules DIR)"))
    if not review.design.facts:
        files = ", ".join(review.design.files) or "the input"
        errors.append(InputError(f"no facts found in {files}: a design that states nothing cannot be reviewed"))
    raise_all(errors)


def load_waivers(review: Review, files: Sequence[str], use_design: bool = True,
                 limits: Limits = DEFAULT_LIMITS,
                 pinned: Sequence[tuple[Document, bool]] | None = None) -> list[Waiver]:
    """Waivers from the design's ``waivers:`` sections and from waivers files, checked against the rules
    (``pinned``: the documents of a pinned policy instead, see ``engine.gate.pin``)."""
    waivers: list[Waiver] = []
    errors: list[ArchplanError] = []
    if pinned is not None:
        docs = list(pinned)
    else:
        docs = [(d, True) for d in review.design.waiver_docs] if use_design else []
        for path in files:
            try:
                docs.append((load(path, limits), False))
            except ArchplanError as exc:
                errors.append(exc)
    for doc, in_design in docs:
        found, errs = from_design_doc(doc) if in_design else from_waivers_doc(doc)
        waivers.extend(found)
        errors.extend(errs)
    errors.extend(check_rule_ids(waivers, [*review.kb.source, GAP_RULE]))
    raise_all(errors)
    return sorted(waivers, key=lambda w: (w.location, w.rule, w.subject))


def evaluate(review: Review, options: GateOptions, limits: Limits = DEFAULT_LIMITS) -> Gate:
    """Judge a review: apply waivers and the baseline, and decide pass or fail."""
    check_substance(review)
    when = options.today or today()
    policy = options.policy or describe_policy(review, None, (), True)
    waivers = load_waivers(review, options.waiver_files, True, limits, options.pinned_waivers) \
        if options.use_waivers else []
    raise_all(check_waivers(waivers, [*review.kb.source, GAP_RULE], policy, when))
    result = apply(waivers, review.findings, when, review.facts.keys())
    baseline = None
    if options.baseline:  # its module only then (1.3 ms a check)
        from engine.gate.baseline import load_baseline

        baseline = load_baseline(options.baseline, limits)
    recorded = {e.fingerprint: e.severity for e in baseline.entries} if baseline else {}
    floor = threshold_rank(options.threshold) if review.findings else 0
    if not result.waived and not recorded:  # nothing waived, no baseline: every finding is active
        items = [Item(f, "active", _RANKS[f.severity] >= floor) for f in review.findings]
    else:
        items = [_judged(f, result.waived, recorded, floor) for f in review.findings]
    current = {f.fingerprint for f in review.findings} if baseline else set()
    stale = [e for e in baseline.entries if e.fingerprint not in current] if baseline else []
    return Gate(review, options, items, waivers, result, baseline, stale, when, policy)


def _judged(f: Finding, waived: Mapping[str, Waiver], recorded: Mapping[str, str], floor: int) -> Item:
    """A finding's status under the waivers and the baseline, and whether it fails the gate (at ``floor``)."""
    w = waived.get(f.fingerprint) if f.rule != POLICY_RULE else None
    was = recorded.get(f.fingerprint)
    # A finding that rose in severity since it was baselined is news: the baseline accepted less.
    rose = was if was and was in _RANKS and f.severity.rank > _RANKS[was] else None
    status: Status = "waived" if w else "baselined" if was is not None and rose is None else "active"
    return Item(f, status, status == "active" and _RANKS[f.severity] >= floor, w, rose)


_RANKS = {s.value: s.rank for s in Severity}
