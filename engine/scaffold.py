"""``archplan rules new``: a rule file with every section laid out and explained.

The scaffold marks what the author must write with ``FILL-ME``. A rule file that still holds one
does not load: ``unfilled_placeholders`` reports each, with its line, so an unfinished rule can
never pass its own tests by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import orjson

from engine.errors import RuleError, did_you_mean
from engine.model import Category
from engine.schema import RULE_SCHEMA_FILE, modeline
from engine.source import Document, Path, keypath

PLACEHOLDER = "FILL-ME"
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 80
# Ids that name the fix instead of the flaw read wrongly as "allow <id>" (conventions: name the pattern).
_PRESCRIPTIVE = ("require-", "must-", "ensure-", "use-", "enforce-", "should-")


def unfilled_placeholders(doc: Document) -> list[RuleError]:
    """Every key or text value of a rule file that still holds the scaffold's placeholder."""
    out: list[RuleError] = []
    try:  # the common case, a finished rule, in one pass of C: its JSON text holds every key and text value as is
        if PLACEHOLDER.encode() not in orjson.dumps(doc.data):
            return out
    except TypeError:  # a value JSON cannot hold (an integer beyond 64 bits): walk it
        pass

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and PLACEHOLDER in key:
                    out.append(_unfilled(doc, (*path, key), key))
                    if isinstance(value, str) and PLACEHOLDER in value:
                        continue  # `FILL-ME: FILL-ME` is one thing to write, reported once
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))
        elif isinstance(node, str) and PLACEHOLDER in node:
            out.append(_unfilled(doc, path, node))

    walk(doc.data, ())
    return out


def _unfilled(doc: Document, path: Path, text: str) -> RuleError:
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 70 else shown[:67] + "..."
    return RuleError(f"placeholder from 'archplan rules new' not filled in: {shown!r}", doc.locate(path),
                     keypath(path))


def kebab(text: str) -> str:
    """A kebab-case version of ``text`` (``Retry_WithoutBackoff`` -> ``retry-without-backoff``)."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def check_id(rule_id: str) -> list[str]:
    """Problems with a new rule id (empty when it is fine)."""
    if not RULE_ID.match(rule_id) or len(rule_id) > MAX_ID:
        suggestion = kebab(rule_id)[:MAX_ID].strip("-")
        hint = f" (did you mean '{suggestion}'?)" if suggestion and RULE_ID.match(suggestion) else ""
        return [f"rule id '{rule_id}' is not kebab-case: lower-case letters and digits joined by single "
                f"hyphens, at most {MAX_ID} characters{hint}"]
    return []


def naming_hint(rule_id: str) -> str | None:
    """A reminder when an id names the fix rather than the flaw."""
    if rule_id.startswith(_PRESCRIPTIVE):
        return (f"'{rule_id}' names the fix; ids name the flaw being flagged, e.g. "
                "'external-call-without-circuit-breaker' rather than 'require-circuit-breaker'")
    return None


def check_category(category: str) -> list[str]:
    """Problems with a category name (empty when it is one of the eight)."""
    names = [c.value for c in Category]
    if category in names:
        return []
    return [f"unknown category '{category}'{did_you_mean(category, names)}; categories: {', '.join(names)}"]


def existing_rule_files(rule_id: str, roots: Iterable[str]) -> list[str]:
    """Files named ``<rule_id>.yaml`` anywhere under ``roots`` (an id must be unique across packs)."""
    found: list[str] = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        for d, _dirs, names in os.walk(root):
            if f"{rule_id}.yaml" in names:
                found.append(os.path.join(d, f"{rule_id}.yaml"))
    return sorted(found)


def scaffold(rule_id: str, category: str, path: str) -> str:
    """The text of a new rule file ``path`` (shown in its comments).

    Its first line points editors at the rule schema (``archplan schema --rules -o rule.schema.json``).
    """
    body = _TEMPLATE.replace("@ID@", rule_id).replace("@CATEGORY@", category).replace("@PATH@", path)
    return f"{modeline(path, RULE_SCHEMA_FILE)}\n{body}"


_TEMPLATE = """\
# A new archplan rule, from `archplan rules new`. Replace every FILL-ME (a rule that still holds
# one does not load), drop the guidance comments you no longer need, then run its examples:
#   archplan rules test @PATH@        (or: pytest -k @ID@)
# The contributor guide, with the whole rule language, is rules/README.md. For completion and hover
# help in your editor, write the schema the first line names: archplan schema --rules -o rule.schema.json

# --- Identity -------------------------------------------------------------------------------------
# The id names the flaw being flagged, in kebab-case, and equals the file name:
# "external-call-without-circuit-breaker", not "require-circuit-breaker".
id: @ID@
# A short noun phrase naming the flaw as a reviewer would say it (5 to 120 characters).
title: "FILL-ME: e.g. Synchronous call to an external service without a circuit breaker"
category: @CATEGORY@
# When the mitigation is built: 1 Foundation, 2 Core features, 3 Integration, 4 Production readiness.
phase: 3
# Pattern-catalog ids this rule covers, e.g. [RES-001] (`archplan rules coverage` lists them all and
# shows which are still uncovered). Leave [] for a rule beyond the catalog.
catalog: []
# The source families your references cite: azure, microservices.io, aws-well-architected,
# google-sre, owasp-api-2023, twelve-factor (archplan: the tool's own planning rules).
sources: [FILL-ME]

# --- Docs (rendered by `archplan rules docs`) ------------------------------------------------------
# What it does: one or two sentences starting with a verb ("Flags a synchronous call ...").
summary: >-
  FILL-ME: Flags ...
# Why it matters: what goes wrong in production when this ships, in your own words.
rationale: >-
  FILL-ME: the failure a senior reviewer would describe, and who it hurts.
# At least one: the pattern page, best-practice id or chapter, with a URL where there is one.
references:
  - "FILL-ME: e.g. Azure Architecture Center: Circuit Breaker pattern, https://learn.microsoft.com/azure/architecture/patterns/circuit-breaker"

# --- Condition -------------------------------------------------------------------------------------
# Patterns over facts; the rule fires once for each combination of facts matching all of them.
#   kind:   service, interaction, endpoint, datastore, channel, external, workflow, job, system,
#           security, deployment, observability, or a graph kind: path, cycle, access, consumer,
#           producer, step (`archplan schema` and rules/README.md list the fields).
#   where:  field: value (equality) or field: {op: value}, op one of eq ne in not_in exists missing
#           lt lte gt gte regex contains. A test on a field the design leaves out is false.
#   join:   this_field: alias.field of an EARLIER pattern (equality only).
#   absent: true  means "no such fact exists" (such a pattern has no `as`).
# Match the risky value explicitly (e.g. circuit_breaker: false), then say what an UNKNOWN value of
# each field you test means (rules/README.md, section 4, the unknown policy; `archplan rules test`
# checks that no field leaves the rule silent): `assume` the common default (the rule fires, its
# finding marked "assumed" and one severity step lower), ask for it under `gaps` (one low
# information-gap finding), or say why under `silent_when_unknown`.
when:
  - as: subject
    kind: FILL-ME
    where:
      FILL-ME: FILL-ME
# assume: {subject.some_field: false}   # unknown reads as this value (it must pass the field's test)
# gaps: [subject.some_field]   # fields tested in `where` above
# silent_when_unknown:         # fields neither assumed nor asked, each with the reason
#   subject.some_field: FILL-ME why a guess or a question would be noise here
# params: {max_depth: 3}       # tunable thresholds: use as {param: max_depth}; project config may override

# --- Consequence -----------------------------------------------------------------------------------
risk:
  subject: subject             # the alias the finding is about; its place in the design is reported
  # field: some_field          # optional: the subject's field the finding points at
  # Severity is likelihood x impact on the matrix in rules/README.md.
  likelihood: possible         # rare | possible | likely | almost_certain
  impact: moderate             # minor | moderate | major | severe
  # What was found, on which subject, why it matters. Fill names in with {alias.field} only.
  message: >-
    FILL-ME: {subject.name} ...; say what happens when it goes wrong.
mitigation:
  # The named mitigation pattern, shared across rules: circuit-breaker, client-timeouts,
  # retry-with-backoff, idempotency-keys, transactional-outbox, ...
  id: FILL-ME
  title: "FILL-ME: what to build and where, e.g. Circuit breakers on the outbound calls of {subject.name}"
  # Mitigations are deduplicated on (id, scope value): ten calls from one service, one mitigation.
  scope: subject.name
  action: >-
    FILL-ME: what to implement, concretely enough to estimate.
  after: []                    # mitigation ids needed first, e.g. [client-timeouts]
# derive: [...]                # derived facts other rules match (plan items too): see rules/README.md
# adjust: {...}                # a context rule raising or lowering a matched risk's severity
# enabled: false               # ship the rule switched off

# --- Examples (run by `archplan rules test`; failing first, then passing) --------------------------
# `design` is the body of a design file: services, interactions, endpoints, datastores, channels,
# externals, workflows, jobs, system ... (`archplan schema`).
examples:
  - name: FILL-ME-flawed-design
    expect: fire
    subjects: ["FILL-ME: the exact subject keys, e.g. service:checkout or interaction:checkout->stripe"]
    design:
      services: [{name: FILL-ME}]
  - name: FILL-ME-mitigated-design
    expect: pass
    design:
      services: [{name: FILL-ME}]
  # Add the realistic "does not apply" cases (expect: pass), and, with `gaps`, an `expect: gap` case;
  # with `assume`, an `expect: fire` case with `basis: assumed` (the field left out of the design).
"""
