"""The gate's policy: which rules run, at what severity, under which waivers, and where that was decided.

A pull request controls ``archplan.toml``, the waivers and the rule packs as much as the design. So:

- every report states the policy (:class:`Policy`): rules disabled, severities overridden, packs loaded,
  context rules from packs that lower severities, waivers in force (blanket ones flagged);
- waivers are bounded: one that matches every rule and every subject (``*`` / ``*``) is an error, and so is
  one that expires more than ``max-days`` (180) ahead, unless the ``[waivers]`` table of a *pinned* policy
  allows it (a pull request cannot loosen the bound it is judged by);
- ``check --policy-from REF`` (``engine.gate.pin``) takes the config, the waivers and the packs from a git
  revision, and each difference between the pull request's policy and the pinned one becomes a finding of the
  pseudo-rule ``policy-change``, which no waiver can hide.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from msgspec import Struct, field

from engine.errors import ArchplanError, InputError, Location
from engine.gate.common import POLICY_RULE
from engine.gate.waivers import Waiver, _compile, is_pattern
from engine.model import Severity
from engine.model.finding import Finding
from engine.review import Review, display_path, fingerprint

DEFAULT_MAX_DAYS = 180


class Pack(Struct, frozen=True, eq=False):
    """A rule directory that was loaded, and how many of the run's rules came from it."""

    path: str
    """``built-in``, or the directory as the user named it (``REF:dir`` when pinned)."""
    rules: int


class Policy(Struct, frozen=True, eq=False):
    """What decided this run's rules, severities and waivers."""

    config: str | None = None
    """The config file (``REF:path`` when pinned), None without one."""
    pinned_from: str | None = None
    """The git revision of ``--policy-from``."""
    disabled: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    packs: tuple[Pack, ...] = (Pack("built-in", 0),)
    lowering: tuple[str, ...] = ()
    """Context rules from packs (not built in) that lower the severity of risks."""
    lowered: tuple[str, ...] = ()
    """Rules whose severity the config sets below the rule's own (likelihood x impact)."""
    max_days: int = DEFAULT_MAX_DAYS
    allow_blanket: bool = False
    ignored: tuple[str, ...] = ()
    """Settings the config made that only a pinned policy may make (said as warnings)."""

    @property
    def custom_packs(self) -> tuple[Pack, ...]:
        """The packs other than the built-in rules."""
        return tuple(p for p in self.packs if p.path != "built-in")

    def is_default(self, waivers: Sequence[Waiver], rule_ids: Iterable[str]) -> bool:
        """Nothing switched off (no rule disabled, no severity set, no pack lowering severities, no blanket
        waiver), nothing pinned: the human reports need not state the policy (the machine ones always do).
        The packs are then said only by the machine reports; the waivers have their own section."""
        ids = sorted(set(rule_ids))
        return not (self.disabled or self.severity or self.lowering or self.pinned_from or self.ignored
                    or any(is_blanket(w, ids) for w in waivers))

    def relaxed(self, waivers: Sequence[Waiver], rule_ids: Iterable[str]) -> bool:
        """Whether the policy switches anything off: rules disabled, severities set below the rules' own,
        lowering packs, blanket waivers."""
        ids = sorted(set(rule_ids))
        return bool(self.disabled or self.lowered or self.lowering or any(is_blanket(w, ids) for w in waivers))

    def lines(self, waivers: Sequence[Waiver], rule_ids: Iterable[str]) -> list[str]:
        """One line per aspect, for the text and Markdown reports and the annotations."""
        ids = sorted(set(rule_ids))
        out = []
        if self.pinned_from:
            out.append(f"policy pinned to {self.pinned_from}: config, waivers and packs read from it")
        packs = ", ".join(f"{p.path} ({p.rules} rule{'s' if p.rules != 1 else ''})" for p in self.packs)
        out.append(f"packs loaded: {packs or 'none'}")
        where = f" by {self.config}" if self.config else ""
        if self.disabled:
            out.append(f"{len(self.disabled)} rule{'s' if len(self.disabled) != 1 else ''} disabled{where}: "
                       + _listed(self.disabled))
        if self.severity:
            out.append(f"{len(self.severity)} severit{'ies' if len(self.severity) != 1 else 'y'} overridden{where}: "
                       + _listed([f"{r} -> {s}" for r, s in sorted(self.severity.items())]))
        if self.lowering:
            out.append(f"{len(self.lowering)} context rule{'s' if len(self.lowering) != 1 else ''} from packs "
                       f"lower severities: {_listed(self.lowering)}")
        blanket = [w for w in waivers if is_blanket(w, ids)]
        if waivers:
            out.append(f"{len(waivers)} waiver{'s' if len(waivers) != 1 else ''} in force"
                       + (f", {len(blanket)} BLANKET (every rule on every subject): "
                          + _listed([str(w.location) for w in blanket]) if blanket else ""))
        out.extend(self.ignored)
        return out

    def to_json(self, waivers: Sequence[Waiver], rule_ids: Iterable[str]) -> dict[str, Any]:
        """The ``policy`` object of the JSON report and of SARIF's run properties."""
        ids = sorted(set(rule_ids))
        return {
            "config": self.config, "pinned_from": self.pinned_from,
            "disabled_rules": list(self.disabled), "severity_overrides": dict(sorted(self.severity.items())),
            "packs": [{"path": p.path, "rules": p.rules} for p in self.packs],
            "lowering_context_rules": list(self.lowering),
            "waivers": {"in_force": len(waivers),
                        "blanket": [{"file": display_path(w.location.file), "line": w.location.line,
                                     "rule": w.rule, "subject": w.subject} for w in waivers if is_blanket(w, ids)],
                        "max_days": self.max_days, "allow_blanket": self.allow_blanket},
        }


def _listed(items: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def is_blanket(w: Waiver, rule_ids: Sequence[str]) -> bool:
    """A waiver whose subject matches anything and whose rule matches every loaded rule."""
    if set(w.subject) - {"*"}:
        return False
    if not is_pattern(w.rule):
        return False
    pattern = _compile(w.rule)
    return all(pattern.fullmatch(r) for r in rule_ids) if rule_ids else set(w.rule) <= {"*"}


def check_waivers(waivers: Sequence[Waiver], rule_ids: Iterable[str], policy: Policy,
                  today: dt.date) -> list[ArchplanError]:
    """Blanket waivers and waivers expiring beyond the policy's maximum are errors unless the policy allows."""
    ids = sorted(set(rule_ids))
    errors: list[ArchplanError] = []
    latest = today + dt.timedelta(days=policy.max_days)
    for w in waivers:
        if not policy.allow_blanket and is_blanket(w, ids):
            errors.append(InputError(
                f"blanket waiver: rule '{w.rule}' and subject '{w.subject}' match every finding, which switches "
                "the gate off; waive rules on subjects, or allow it with [waivers] allow-blanket = true in a "
                "pinned policy (check --policy-from REF)", w.location, f"{w.keypath}.subject"))
        if w.expires > latest:
            errors.append(InputError(
                f"expires {w.expires.isoformat()}, more than {policy.max_days} days ahead (latest "
                f"{latest.isoformat()}); a waiver is renewed, not granted for ever ([waivers] max-days in a "
                "pinned policy sets the bound)", w.location, f"{w.keypath}.expires"))
    return errors


def describe(review: Review, config: Any, rule_dirs: Sequence[str], builtin: bool, pinned_from: str | None = None,
             shown: Mapping[str, str] | None = None) -> Policy:
    """The policy of a run: from its config (``engine.config.Config``), its packs and its loaded rules.

    Args:
        review: The run.
        config: The config that was applied.
        rule_dirs: The ``--rules`` directories (the config's ``extend`` ones are added).
        builtin: Whether the built-in rules were loaded.
        pinned_from: The ``--policy-from`` revision.
        shown: How to name a (pinned, temporary) directory or file: path -> ``REF:path``.
    """
    from engine.ruleload import builtin_rules_dir

    names = dict(shown or {})
    dirs: list[tuple[str, str]] = []
    if builtin:
        dirs.append(("built-in", os.path.realpath(builtin_rules_dir())))
    for d in [*rule_dirs, *getattr(config, "extend", ())]:
        real = os.path.realpath(d)
        if all(real != r for _n, r in dirs):
            dirs.append((names.get(d, display_path(os.path.abspath(d)) if os.path.isabs(d) else d), real))
    counts = dict.fromkeys((n for n, _r in dirs), 0)
    lowering = []
    overrides = {k: Severity(v) for k, v in getattr(config, "severity", {}).items()}
    lowered = []
    for rid, sev in sorted(overrides.items()):
        own = review.kb.source[rid].rule.severity if rid in review.kb.source else None
        if own is not None and sev.rank < own.rank:
            lowered.append(rid)
    real_dirs: dict[str, str] = {}
    for rid, lr in sorted(review.kb.source.items()):
        real = _realpath(lr.file, real_dirs)
        owner = next((n for n, r in dirs if real.startswith(r + os.sep)), None)
        if owner is not None:
            counts[owner] += 1
        adjust = lr.rule.adjust
        if adjust is not None and adjust.by < 0 and owner != "built-in":
            lowering.append(rid)
    file = getattr(config, "file", None)
    ignored: list[str] = []
    max_days, allow = DEFAULT_MAX_DAYS, False
    set_days, set_blanket = getattr(config, "waiver_max_days", None), getattr(config, "allow_blanket_waivers", None)
    if pinned_from:
        max_days = set_days or DEFAULT_MAX_DAYS
        allow = bool(set_blanket)
    elif set_days is not None or set_blanket is not None:
        ignored.append(f"[waivers] in {file} ignored: only a pinned policy (check --policy-from REF) may set "
                       f"max-days or allow-blanket; using max-days = {DEFAULT_MAX_DAYS}, no blanket waiver")
    return Policy(
        config=names.get(file, file) if file else None, pinned_from=pinned_from,
        disabled=tuple(sorted(getattr(config, "disable", ()))),
        severity={k: Severity(v).value for k, v in sorted(getattr(config, "severity", {}).items())},
        packs=tuple(Pack(n, counts[n]) for n, _r in dirs), lowering=tuple(lowering), lowered=tuple(lowered),
        max_days=max_days,
        allow_blanket=allow, ignored=tuple(ignored))


def _realpath(file: str, real_dirs: dict[str, str]) -> str:
    """``os.path.realpath(file)``, resolving each folder once (``real_dirs``): a check of 219 rule files spent
    1,100 ``lstat`` calls on the same few folders."""
    if os.path.islink(file):
        return os.path.realpath(file)
    folder, name = os.path.split(file)  # a file name: no '..' to resolve after the folder's links
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


class Change(Struct, frozen=True, eq=False):
    """One difference between a pull request's policy and the pinned one."""

    subject: str
    """``policy:<what>``, e.g. ``policy:disable``."""
    message: str
    severity: Severity
    location: Location


def change_findings(review: Review, changes: Sequence[Change]) -> list[Finding]:
    """The changes as findings of the pseudo-rule ``policy-change`` (no waiver matches it)."""
    out = []
    for c in changes:
        fp = fingerprint(POLICY_RULE, c.subject, c.location.file, review.root)
        out.append(Finding(
            id=fp[:10], rule=POLICY_RULE, title="Policy changed by this change set", kind="risk",
            severity=c.severity, base_severity=c.severity, category="governance", phase=0, message=c.message,
            subjects=(c.subject,), location=c.location, mitigations=(), fingerprint=fp))
    return out
