"""``check --policy-from REF``: the config, waivers and rule packs of a git revision, not of the work tree.

A pull request can edit ``archplan.toml``, the waivers and the packs as easily as the design. Pinned to the
base branch (``--policy-from origin/main``), the gate judges the pull request's design by the base's policy,
and every difference in the pull request's own policy is reported as a ``policy-change`` finding.

The revision's files are read with ``git ls-tree`` and ``git cat-file`` (never checked out, nothing run), into
a private temporary directory that mirrors the repository's layout, so that the config's relative paths
(``extend``, ``design``) mean what they mean in the repository. Symbolic links and submodules in the revision
are not followed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, InputError, Location, UsageError
from engine.gate.diff import _git as diff_git
from engine.gate.diff import write_listed_file
from engine.gate.policy import Change
from engine.gate.waivers import Waiver, from_design_doc, from_waivers_doc
from engine.model import Severity
from engine.source import DEFAULT_LIMITS, Document, Limits, load, parse

_TIMEOUT = 120


@dataclass
class Pinned:
    """The policy files of one revision, mirrored under ``root`` (a temporary directory)."""

    ref: str
    repo: str
    root: str
    config: Any
    """The revision's ``engine.config.Config`` (``NO_CONFIG`` when it has none)."""
    rule_dirs: list[str]
    waiver_docs: list[tuple[Document, bool]]
    shown: dict[str, str] = field(default_factory=dict)
    """Mirror path -> ``REF:path``, to name the revision's files in reports."""

    def cleanup(self) -> None:
        """Remove the mirror."""
        shutil.rmtree(self.root, ignore_errors=True)


def _git(args: Sequence[str], cwd: str, stdin: bytes | None = None) -> bytes:
    if stdin is None:
        return diff_git(args, cwd)  # the same fixed argument list, never a shell, bounded in time
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False,  # noqa: S603, S607
                              timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UsageError(f"--policy-from: git {args[0]} took longer than {_TIMEOUT} s") from None
    if done.returncode != 0:
        raise UsageError(f"--policy-from: git {args[0]} failed (exit {done.returncode})")
    return done.stdout


def _repo_root(start: str) -> str:
    directory = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)) or "."
    try:
        return _git(["rev-parse", "--show-toplevel"], directory).decode().strip()
    except UsageError:
        raise UsageError(f"--policy-from: {start} is not inside a git repository") from None


def _rel(path: str, repo: str) -> str:
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(repo))
    if rel.startswith(".."):
        raise UsageError(f"--policy-from: {path} is outside the repository {repo}, so no revision holds it")
    return "" if rel == "." else rel.replace(os.sep, "/")


def _materialise(ref: str, repo: str, rels: Iterable[str], root: str) -> None:
    """Write the regular files under each repo-relative path at ``ref`` into ``root``."""
    wanted = sorted({r for r in rels if r})
    if not wanted:
        return
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", ref, "--", *wanted], repo)
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind != "blob" or mode not in ("100644", "100755"):
            continue  # symbolic links and submodules are not followed
        entries.append((sha, raw.decode("utf-8", "surrogateescape")))
    if not entries:
        return
    out = _git(["cat-file", "--batch"], repo, "".join(f"{sha}\n" for sha, _n in entries).encode())
    pos = 0
    for _sha, name in entries:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        body = out[header_end + 1: header_end + 1 + size]
        pos = header_end + 1 + size + 1
        write_listed_file(root, name, body, "--policy-from: ")


def _config_candidates(start_rel: str) -> list[str]:
    parts = [p for p in start_rel.split("/") if p]
    out = []
    for n in range(len(parts), -1, -1):
        base = "/".join(parts[:n])
        out += [f"{base}/archplan.toml" if base else "archplan.toml",
                f"{base}/pyproject.toml" if base else "pyproject.toml"]
    return out


def _table(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool")
        data = tool.get("archplan", {}) if isinstance(tool, dict) else {}
    return data if isinstance(data, dict) else {}


def pin(ref: str, design: Sequence[str], config_file: str | None, no_config: bool, rule_dirs: Sequence[str],
        waiver_files: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> Pinned:
    """Read the policy of ``ref``: its config (found as for the work tree), its packs, its waivers.

    Raises:
        UsageError: no git, not a repository, ``ref`` not a commit, a path outside the repository.
        ArchplanError: the revision's config or waivers are invalid.
    """
    if not ref or ref.startswith("-") or any(c in ref for c in "\n\0"):
        raise UsageError(f"--policy-from {ref!r}: not a git revision")
    repo = _repo_root(design[0] if design else os.getcwd())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo)
    except UsageError:
        raise UsageError(f"--policy-from {ref}: no such commit in {repo} (fetch it first: git fetch origin "
                         f"{ref.split('/', 1)[-1]})") from None
    root = os.path.realpath(tempfile.mkdtemp(prefix="archplan-policy-"))
    try:
        return _pin(ref, repo, root, design, config_file, no_config, rule_dirs, waiver_files, limits)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _pin(ref: str, repo: str, root: str, design: Sequence[str], config_file: str | None, no_config: bool,
         rule_dirs: Sequence[str], waiver_files: Sequence[str], limits: Limits) -> Pinned:
    os.mkdir(os.path.join(root, ".git"))  # config discovery stops at the mirror's root, as at the repository's
    design_rels = [_rel(p, repo) for p in design]
    start = design_rels[0] if design_rels else _rel(os.getcwd(), repo)
    if design and os.path.isfile(design[0]):
        start = start.rsplit("/", 1)[0] if "/" in start else ""
    wanted = [*design_rels, *(_rel(d, repo) for d in rule_dirs), *(_rel(w, repo) for w in waiver_files)]
    config_rel = None if no_config else _rel(config_file, repo) if config_file else None
    wanted += [config_rel] if config_rel else ([] if no_config else _config_candidates(start))
    _materialise(ref, repo, [w for w in wanted if w], root)

    shown: dict[str, str] = {}
    config = _pinned_config(ref, repo, root, config_rel, start if not no_config else None, limits, shown)
    pinned_dirs = []
    for d in rule_dirs:
        rel = _rel(d, repo)
        if not os.path.isdir(_mirror(root, rel)):
            raise UsageError(f"--policy-from {ref}: the rule pack {d} does not exist at {ref}")
        pinned_dirs.append(_mirror(root, rel))
        shown[_mirror(root, rel)] = f"{ref}:{rel}"
    docs = _pinned_waivers(ref, repo, root, waiver_files, design_rels, limits)
    return Pinned(ref, repo, root, config, pinned_dirs, docs, shown)


def _mirror(root: str, rel: str) -> str:
    """Where the repository path ``rel`` is in the mirror at ``root``."""
    return os.path.join(root, *rel.split("/")) if rel else root


def _pinned_config(ref: str, repo: str, root: str, config_rel: str | None, start: str | None, limits: Limits,
                   shown: dict[str, str]) -> Any:
    """The project config at ``ref``: the given file, else (``start`` not None) the one found upward from
    ``start``; NO_CONFIG without one. Adds the files it reads to ``shown``."""
    from engine.config import NO_CONFIG, discover, load_config

    config: Any = NO_CONFIG
    found = None
    if config_rel:
        found = _mirror(root, config_rel) if os.path.isfile(_mirror(root, config_rel)) else None
    elif start is not None:
        hit = discover(_mirror(root, start), limits)
        found = os.path.abspath(hit) if hit else None
    if found:
        # The config's own paths (packs it extends, designs it names) must exist in the mirror too.
        table = _table(found)
        here = os.path.dirname(found)
        more = [p for p in [*(table.get("extend") or []), *(table.get("design") or [])] if isinstance(p, str)]
        rels = []
        for p in more:
            target = os.path.normpath(os.path.join(here, p))
            if target.startswith(root + os.sep):
                rels.append(os.path.relpath(target, root).replace(os.sep, "/"))
        _materialise(ref, repo, rels, root)
        try:
            config = load_config(found, limits)
        except ArchplanError as exc:  # name the revision's file, not the temporary copy
            raise _renamed(exc, root, ref) from None
        shown[found] = f"{ref}:{os.path.relpath(found, root).replace(os.sep, '/')}"
        for d in config.extend:
            shown[d] = f"{ref}:{os.path.relpath(d, root).replace(os.sep, '/')}"
    return config


def _pinned_waivers(ref: str, repo: str, root: str, waiver_files: Sequence[str], design_rels: Sequence[str],
                    limits: Limits) -> list[tuple[Document, bool]]:
    """The waiver documents at ``ref``: the waivers files, then the design files with a ``waivers:`` section."""
    docs: list[tuple[Document, bool]] = []
    errors: list[ArchplanError] = []
    for w in waiver_files:
        rel = _rel(w, repo)
        if not os.path.isfile(_mirror(root, rel)):
            continue  # a waivers file the pull request adds holds nothing the base accepted
        docs.append((_load_as(_mirror(root, rel), f"{ref}:{rel}", limits), False))
    for rel in design_rels:
        path = _mirror(root, rel)
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(d, n) for d, _s, names in os.walk(path) for n in names
            if n.endswith((".yaml", ".yml", ".json"))) if os.path.isdir(path) else []
        for f in files:
            try:
                doc = _load_as(f, f"{ref}:{os.path.relpath(f, root).replace(os.sep, '/')}", limits)
            except ArchplanError as exc:
                errors.append(exc)
                continue
            if isinstance(doc.data, dict) and "waivers" in doc.data:
                docs.append((doc, True))
    if errors:
        from engine.errors import raise_all

        raise_all(errors)
    return docs


def _renamed(exc: ArchplanError, root: str, ref: str) -> ArchplanError:
    """``exc`` with every place under the mirror ``root`` named ``REF:path``."""
    from engine.errors import ErrorGroup

    def name(text: str) -> str:
        return text.replace(root + os.sep, f"{ref}:").replace(root, f"{ref}:.")

    out = [InputError(name(e.message), Location(name(e.location.file), e.location.line, e.location.column)
                      if e.location else None, e.keypath) for e in exc.errors]
    return out[0] if len(out) == 1 else ErrorGroup(out)


def _load_as(path: str, name: str, limits: Limits) -> Document:
    """A mirrored file parsed under the name ``REF:path``, so that messages and reports name the revision."""
    from engine.source import read_text

    return parse(read_text(path, limits), name, limits)


# --- what the pull request changes ------------------------------------------------------------------------

_RELAX, _TIGHTEN, _UNKNOWN = Severity.HIGH, Severity.LOW, Severity.MEDIUM


def changes(pinned: Pinned, config: Any, rule_dirs: Sequence[str], design_waiver_docs: Sequence[Document],
            waiver_files: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[Change]:
    """The pull request's policy against the pinned one: one change per aspect that differs.

    A change that switches something off (a rule disabled, a severity set, a waiver added or extended) is high:
    it fails the gate at its default threshold, so that a person looks. Pack files that differ are medium (a
    change of a rule can go either way); a change that tightens is low.
    """
    out: list[Change] = []
    cfg_file = getattr(config, "file", None)
    where = Location(cfg_file) if cfg_file else Location(pinned.shown.get("", "archplan.toml"))
    base = pinned.config
    off = sorted(set(config.disable) - set(base.disable))
    on = sorted(set(base.disable) - set(config.disable))
    if off:
        out.append(Change("policy:disable", f"this change disables {len(off)} rule{'s' if len(off) != 1 else ''} "
                          f"({_few(off)}) that {pinned.ref} runs; the gate ran them", _RELAX,
                          _loc(config, where, "disable")))
    if on:
        out.append(Change("policy:enable", f"this change re-enables {len(on)} rule{'s' if len(on) != 1 else ''} "
                          f"({_few(on)})", _TIGHTEN, _loc(config, where, "disable")))
    sev_changes = sorted(k for k in set(config.severity) | set(base.severity)
                         if config.severity.get(k) != base.severity.get(k))
    if sev_changes:
        lowered = [k for k in sev_changes if config.severity.get(k) is not None and (
            base.severity.get(k) is None or config.severity[k].rank < base.severity[k].rank)]
        out.append(Change("policy:severity", f"this change overrides the severity of {len(sev_changes)} rule"
                          f"{'s' if len(sev_changes) != 1 else ''} ({_few(sev_changes)})"
                          + (f", lowering or setting {len(lowered)}" if lowered else ""),
                          _RELAX if lowered else _UNKNOWN, _loc(config, where, "severity")))
    if dict(config.params) != dict(base.params):
        keys = sorted(k for k in set(config.params) | set(base.params) if config.params.get(k) != base.params.get(k))
        out.append(Change("policy:params", f"this change sets rule parameters differently ({_few(keys)})", _UNKNOWN,
                          _loc(config, where, "params")))
    if (config.fail_on or None) != (base.fail_on or None):
        out.append(Change("policy:fail-on", f"this change moves fail-on from {base.fail_on or 'high'} to "
                          f"{config.fail_on or 'high'}", _UNKNOWN, _loc(config, where, "fail-on")))
    if (getattr(config, "waiver_max_days", None), getattr(config, "allow_blanket_waivers", None)) != (
            getattr(base, "waiver_max_days", None), getattr(base, "allow_blanket_waivers", None)):
        out.append(Change("policy:waiver-bounds", "this change sets [waivers] max-days or allow-blanket", _RELAX,
                          _loc(config, where, "waivers")))
    out += _pack_changes(pinned, config, rule_dirs)
    out += _waiver_changes(pinned, design_waiver_docs, waiver_files, limits)
    return out


def _few(items: Sequence[str], most: int = 5) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def _loc(config: Any, fallback: Location, key: str) -> Location:
    loc = config.locate(key) if getattr(config, "doc", None) is not None else None
    return loc if loc is not None and loc.line else fallback


def _files(directory: str) -> dict[str, bytes]:
    out = {}
    for d, _s, names in os.walk(directory):
        for n in names:
            full = os.path.join(d, n)
            if n.endswith((".yaml", ".yml")) and os.path.isfile(full):
                with open(full, "rb") as fh:
                    out[os.path.relpath(full, directory).replace(os.sep, "/")] = fh.read()
    return out


def _pack_changes(pinned: Pinned, config: Any, rule_dirs: Sequence[str]) -> list[Change]:
    out = []
    mine = [*rule_dirs, *getattr(config, "extend", ())]
    base_dirs = {pinned.shown.get(d, d).split(":", 1)[-1]: d for d in [*pinned.rule_dirs, *pinned.config.extend]}
    for d in mine:
        rel = _rel(d, pinned.repo)
        theirs = base_dirs.pop(rel, None)
        now = _files(d)
        before = _files(theirs) if theirs else {}
        diff = sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
        if not theirs:
            out.append(Change(f"policy:pack:{rel}", f"this change loads the rule pack {rel} ({len(now)} files), "
                              f"which {pinned.ref} does not", _UNKNOWN, Location(d)))
        elif diff:
            first = os.path.join(d, *diff[0].split("/"))
            out.append(Change(f"policy:pack:{rel}", f"this change edits {len(diff)} file"
                              f"{'s' if len(diff) != 1 else ''} of the rule pack {rel} ({_few(diff)}); the gate "
                              f"ran {pinned.ref}'s", _UNKNOWN, Location(first if os.path.exists(first) else d)))
    for rel in sorted(base_dirs):
        out.append(Change(f"policy:pack:{rel}", f"this change no longer loads the rule pack {rel}", _RELAX,
                          Location(rel)))
    return out


def _waiver_key(w: Waiver) -> tuple[str, str]:
    return (w.rule, w.subject)


def _waiver_changes(pinned: Pinned, design_docs: Sequence[Document], waiver_files: Sequence[str],
                    limits: Limits) -> list[Change]:
    mine: list[Waiver] = []
    for doc in design_docs:
        mine += from_design_doc(doc)[0]
    for path in waiver_files:
        try:
            mine += from_waivers_doc(load(path, limits))[0]
        except ArchplanError:
            continue  # reported when the gate reads them
    base: dict[tuple[str, str], Waiver] = {}
    for doc, in_design in pinned.waiver_docs:
        for w in (from_design_doc(doc) if in_design else from_waivers_doc(doc))[0]:
            base.setdefault(_waiver_key(w), w)
    out = []
    seen = set()
    for w in sorted(mine, key=lambda w: (w.location, w.rule, w.subject)):
        key = _waiver_key(w)
        seen.add(key)
        old = base.get(key)
        if old is None:
            out.append(Change(f"policy:waiver:{w.rule}@{w.subject}", f"this change adds a {w.describe()} (owner "
                              f"{w.owner}, until {w.expires.isoformat()}); the gate did not apply it", _RELAX,
                              w.location))
        elif w.expires > old.expires:
            out.append(Change(f"policy:waiver:{w.rule}@{w.subject}", f"this change extends a {w.describe()} from "
                              f"{old.expires.isoformat()} to {w.expires.isoformat()}; the gate kept "
                              f"{old.expires.isoformat()}", _RELAX, w.location))
    removed = [w for k, w in base.items() if k not in seen]
    for w in removed:
        out.append(Change(f"policy:waiver:{w.rule}@{w.subject}", f"this change removes a {w.describe()}; the gate "
                          "still applied it", _TIGHTEN, w.location))
    return out


__all__ = ["Pinned", "changes", "pin"]
