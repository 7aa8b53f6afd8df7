"""Design diffs: the findings a change brings, removes and keeps.

Both sides are reviewed with the same compiled rules; findings are paired by fingerprint (rule, subject
and file relative to the design root, never a line), so moving text is no change. ``--git REF`` extracts
the design's files at a revision with ``git ls-tree``/``git show`` into a temporary directory that mirrors
the repository layout, so the old side's files sit at the same paths under its root as the new side's.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from engine.errors import UsageError
from engine.gate.common import logical_path, one_line, where
from engine.gate.waivers import Waiver
from engine.loader import DESIGN_SUFFIXES
from engine.model.finding import Finding
from engine.report import severity_at_least


@dataclass(frozen=True)
class Change:
    """A finding present on both sides (paired by fingerprint)."""

    old: Finding
    new: Finding

    @property
    def severity_changed(self) -> bool:
        """Whether context moved its severity."""
        return self.old.severity != self.new.severity


@dataclass
class DiffResult:
    """New, resolved and unchanged findings, and which new ones fail."""

    new: list[Finding]
    resolved: list[Finding]
    unchanged: list[Change]
    threshold: str
    waived: dict[str, Waiver]
    """New-side fingerprint -> waiver covering it (from the new design and any waivers file)."""
    note: str = ""

    @property
    def failing(self) -> list[Finding]:
        """New findings at or above the threshold that no waiver covers."""
        return [f for f in self.new if severity_at_least(f.severity, self.threshold) and f.fingerprint not in
                self.waived]

    @property
    def exit_code(self) -> int:
        """1 when a new finding fails, else 0."""
        return 1 if self.failing else 0

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        def one(f: Finding) -> dict[str, Any]:
            out: dict[str, Any] = {"id": f.id, "fingerprint": f.fingerprint, "rule": f.rule, "subject": f.subject,
                   "severity": f.severity.value, "where": where(f), "message": f.message}
            if f.fingerprint in self.waived:
                out["waived_by"] = self.waived[f.fingerprint].to_json()
            return out

        return {
            "archplan_diff": 1,
            "threshold": self.threshold,
            "summary": {"new": len(self.new), "resolved": len(self.resolved), "unchanged": len(self.unchanged),
                        "failing": len(self.failing)},
            "new": [one(f) for f in self.new],
            "resolved": [one(f) for f in self.resolved],
            "unchanged": [{**one(c.new), "old_severity": c.old.severity.value} for c in self.unchanged],
            "failing": [f.fingerprint for f in self.failing],
            **({"note": self.note} if self.note else {}),
        }


def compare(old: Sequence[Finding], new: Sequence[Finding], threshold: str,
            waived: dict[str, Waiver] | None = None, note: str = "") -> DiffResult:
    """Pair two runs' findings by fingerprint."""
    before = {f.fingerprint: f for f in old}
    after = {f.fingerprint: f for f in new}
    return DiffResult(
        new=[f for f in new if f.fingerprint not in before],
        resolved=[f for f in old if f.fingerprint not in after],
        unchanged=[Change(before[f.fingerprint], f) for f in new if f.fingerprint in before],
        threshold=threshold, waived={k: v for k, v in (waived or {}).items() if k in after}, note=note)


def to_text(result: DiffResult) -> str:
    """The terminal report."""
    lines = []
    if result.note:
        lines += [result.note, ""]

    def block(title: str, findings: Sequence[Finding], mark: str) -> None:
        lines.append(f"{title} ({len(findings)})")
        for f in findings:
            tag = " [waived]" if mark == "+" and f.fingerprint in result.waived else ""
            lines.append(f"  {mark} {f.severity.value:<8} {f.id}  {f.rule}  {logical_path(f)}  {where(f)}{tag}")
            lines.append(f"      {one_line(f.message)}")

    block("New findings", result.new, "+")
    lines.append("")
    block("Resolved findings", result.resolved, "-")
    lines.append("")
    lines.append(f"Unchanged findings ({len(result.unchanged)})")
    for c in result.unchanged:
        moved = f" (severity {c.old.severity.value} -> {c.new.severity.value})" if c.severity_changed else ""
        lines.append(f"  = {c.new.severity.value:<8} {c.new.id}  {c.new.rule}  {logical_path(c.new)}{moved}")
    n = len(result.failing)
    lines += ["", f"{len(result.new)} new, {len(result.resolved)} resolved, {len(result.unchanged)} unchanged; "
                  f"{n} new finding{'s' if n != 1 else ''} at or above '{result.threshold}'"
                  + (" not waived" if result.waived else "") + "."]
    return "\n".join(lines) + "\n"


def to_markdown(result: DiffResult) -> str:
    """A pull-request comment for a diff."""
    from engine.gate.markdown import cell

    mark = "❌ **New findings at or above `" + result.threshold + "`**" if result.failing else \
        "✅ **No new finding at or above `" + result.threshold + "`**"
    lines = ["## archplan design diff", "", mark, "",
             f"{len(result.new)} new · {len(result.resolved)} resolved · {len(result.unchanged)} unchanged", ""]
    if result.note:
        lines += [cell(result.note), ""]
    for title, findings in (("New", result.new), ("Resolved", result.resolved)):
        if not findings:
            continue
        lines += [f"### {title}", "", "| severity | rule | subject | where | finding |", "|---|---|---|---|---|"]
        for f in findings:
            waived = " (waived)" if title == "New" and f.fingerprint in result.waived else ""
            lines.append(f"| {f.severity.value}{waived} | `{cell(f.rule)}` | {cell(logical_path(f))} | "
                         f"{cell(where(f))} | {cell(f.message)} |")
        lines.append("")
    return "\n".join(lines) + "\n"



def write_listed_file(dest: str, name: str, body: bytes, what: str = "") -> None:
    """Write a file that git listed (``name``, slash-separated) under ``dest``; a path git would never list
    (empty, ``.`` or ``..`` parts) is refused rather than allowed to escape ``dest``."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UsageError(f"{what}refusing the path {name!r} listed by git")
    target = os.path.join(dest, *parts)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(body)

def _git(args: Sequence[str], cwd: str) -> bytes:
    try:
        # A fixed argument list, never a shell; the revision was checked not to look like an option.
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,  # noqa: S603, S607
                              timeout=120)
    except FileNotFoundError:
        raise UsageError("--git needs the git command, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {' '.join(args[:2])} took longer than 120 s") from None
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else 'exit ' + str(done.returncode)}")
    return done.stdout


def extract_at_revision(ref: str, paths: Sequence[str], dest: str) -> tuple[list[str], int, str]:
    """Write the design files under ``paths`` as they were at ``ref`` into ``dest``, mirroring the repository.

    Returns the paths under ``dest`` that stand for ``paths`` (the ones that existed at ``ref``), the
    number of files written, and the repository's top directory (``dest`` stands for it).
    """
    if not ref or ref.startswith("-"):
        raise UsageError(f"--git {ref!r}: give a revision such as HEAD~1, main or a commit id")
    first = os.path.abspath(paths[0])
    start = first if os.path.isdir(first) else os.path.dirname(first)
    try:
        top = os.path.realpath(_git(["rev-parse", "--show-toplevel"], start).decode().strip())
    except UsageError as exc:
        if "git command" in str(exc):
            raise
        raise UsageError(f"--git: {paths[0]} is not inside a git work tree") from None
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top).decode().strip()
    except UsageError:
        raise UsageError(f"--git {ref}: no such revision in {top}") from None
    rels = []
    for p in paths:
        rel = os.path.relpath(os.path.realpath(p), top)
        if rel.startswith(".."):
            raise UsageError(f"{p} is outside the git repository at {top}")
        rels.append(rel.replace(os.sep, "/"))
    listed = _git(["ls-tree", "-r", "-z", "--name-only", commit, "--", *rels], top).split(b"\0")
    written = 0
    for raw in listed:
        name = raw.decode("utf-8", "surrogateescape")
        if not name or not name.endswith(DESIGN_SUFFIXES) or os.path.basename(name).startswith("."):
            continue
        write_listed_file(dest, name, _git(["show", f"{commit}:{name}"], top))
        written += 1
    mapped = [os.path.join(dest, *rel.split("/")) if rel != "." else dest for rel in rels]
    return [m for m in mapped if os.path.exists(m)], written, top


def relocate(findings: Sequence[Finding], src: str, dst: str) -> list[Finding]:
    """Findings whose files lie under ``src`` shown as lying under ``dst`` (the old side of ``--git`` is read
    from a temporary directory; reports name the repository's files instead)."""
    out = []
    for finding in findings:
        file = finding.location.file
        if file and os.path.abspath(file).startswith(os.path.abspath(src) + os.sep):
            moved = os.path.join(dst, os.path.relpath(os.path.abspath(file), os.path.abspath(src)))
            finding = dataclasses.replace(  # noqa: PLW2901 - the relocated copy replaces it
                finding, location=msgspec.structs.replace(finding.location, file=moved))
        out.append(finding)
    return out
