"""Small pieces the gate's renderers share: logical paths, rule metadata, paths for display."""

from __future__ import annotations

import functools
import os

from msgspec import Struct

from engine.model import Severity
from engine.model.finding import Finding
from engine.review import GAP_RULE, Review, display_path
from engine.ruleload import builtin_rules_dir

POLICY_RULE = "policy-change"
"""The pseudo-rule of ``engine.gate.policy``'s findings: a change to the gate's own policy."""

REPO_URL = "https://github.com/archplan/archplan"
"""Where the knowledge base is published: rule help links point at each rule's file under ``rules/``."""


def logical_path(finding: Finding) -> str:
    """The subject as a path into the design, e.g. ``interaction[a->b].circuit_breaker``."""
    return subject_path(finding.subject, finding.field)


def subject_path(subject: str, field: str | None) -> str:
    """``logical_path`` of a finding on ``subject`` pointing at ``field``."""
    kind, _, name = subject.partition(":")
    base = f"{kind}[{name}]" if name else kind
    return f"{base}.{field}" if field else base


def where(finding: Finding) -> str:
    """``file:line`` (or the file alone) as users see it."""
    loc = finding.location
    path = display_path(loc.file)
    return f"{path}:{loc.line}" if loc.line else path


class RuleInfo(Struct, frozen=True, eq=False):
    """What the reports say about a rule."""

    id: str
    title: str
    category: str
    summary: str
    rationale: str
    severity: Severity
    references: tuple[str, ...]
    help_uri: str | None


def rule_info(review: Review, rule_id: str) -> RuleInfo:
    """Metadata of a loaded rule, or of the built-in pseudo-rules (information gap, policy change)."""
    if rule_id == POLICY_RULE:
        return RuleInfo(
            POLICY_RULE, "Policy changed by this change set", "governance",
            "The change edits the gate's own policy: the config, the waivers or the rule packs.",
            "With check --policy-from REF the gate judged the change by REF's policy, so the edit had no effect on "
            "this run; it takes effect once merged, so a person must agree to it.", Severity.HIGH, (), None)
    if rule_id == GAP_RULE or rule_id not in review.kb.source:
        return RuleInfo(
            GAP_RULE, "Information gap", "information",
            "A fact that one or more rules need is not stated in the design.",
            "A rule cannot decide on a fact the design leaves out, and a silent pass would hide a possible risk. "
            "State the fact (true or false) so that the review can decide.",
            Severity.LOW, (), None)
    lr = review.kb.source[rule_id]
    rule = lr.rule
    return RuleInfo(rule.id, rule.title, rule.category.value, rule.summary, rule.rationale,
                    rule.severity or Severity.LOW, tuple(rule.references), _help_uri(lr.file))


def _help_uri(path: str) -> str | None:
    """The published page of a built-in rule (its file in the repository); none for a local rule pack."""
    root = os.path.abspath(builtin_rules_dir())
    full = os.path.abspath(path)
    if not full.startswith(root + os.sep):
        return None
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    return f"{REPO_URL}/blob/main/rules/{rel}"


def repo_root(file: str) -> str | None:
    """The nearest directory above ``file`` that holds ``.git`` (a work tree), if any."""
    return _repo_root_of(os.path.dirname(os.path.abspath(file)))


@functools.lru_cache(maxsize=1024)
def _repo_root_of(directory: str) -> str | None:
    from engine.loader import repository_root

    return repository_root(directory)


def rel_uri_path(file: str) -> str:
    """A '/'-separated path for reports: relative to the file's git work tree (what code scanning expects,
    whatever directory archplan ran in), else to the working directory, else absolute."""
    return _rel_uri_path(file, os.getcwd()) if file else ""


@functools.lru_cache(maxsize=1024)
def _rel_uri_path(file: str, cwd: str) -> str:
    # Cached like repo_root: a report asks once per finding about the same few files.
    root = repo_root(file)
    base = root if root is not None else cwd
    rel = os.path.relpath(os.path.abspath(file), base)
    return (os.path.abspath(file) if rel.startswith("..") else rel).replace(os.sep, "/")


def artifact_location(file: str) -> dict[str, str]:
    """A SARIF ``artifactLocation``: relative under ``%SRCROOT%``, or a ``file:`` URI when outside any root."""
    uri, base = _artifact_location(rel_uri_path(file))
    return {"uri": uri, "uriBaseId": base} if base else {"uri": uri}


@functools.lru_cache(maxsize=1024)
def _artifact_location(path: str) -> tuple[str, str]:
    # Imported here, by the reports that write locations as URIs (SARIF): pathlib and urllib.parse (with fnmatch
    # and ipaddress) were 6 ms of a check's imports where nothing else imports them.
    import pathlib
    from urllib.parse import quote

    if os.path.isabs(path):
        return pathlib.Path(path).as_uri(), ""
    return quote(path, safe="/"), "%SRCROOT%"


def one_line(text: str) -> str:
    """Collapse whitespace so that a message fits a table cell or an annotation."""
    if text.isascii() and text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # Already one line (in ASCII every whitespace but the space is unprintable): 46,000 SARIF messages of 400
        # characters at 5,000 services, split into words and joined again, took 0.17 s; these tests 0.1 s.
        return text
    return " ".join(text.split())
