"""The rule language: one YAML file per rule, validated into these models.

Pure data. A rule is a list of patterns over fact kinds (with equality joins and negation),
and a declarative consequence: a risk with its mitigation, severity adjustments, or any
derived fact that further rules can match. Nothing in a rule executes code.

These models are the schema of a rule file (its validation, its errors, its JSON Schema and docs); the runtime reads
the plain rule objects of ``engine.model.ruledata``, built from them, and so does a check that reads its compiled
rules back from the cache, without these models or pydantic.
"""

# No ``from __future__ import annotations``, as in engine/model/schema.py: pydantic need not compile each
# field annotation from a string (1 ms a process).

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from engine.model.base import Category, Phase
from engine.model.ruledata import (
    check_pattern,
    check_rule,
    new_dict,
    new_list,
    phase_int,
    range_ordered,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Alias = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,30}$")]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")]
BoundRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")]
"""``alias.field`` (dotted field paths allowed)."""
KindName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]

Scalar = str | int | float | bool



# The default factories of the rule models (engine.model.ruledata's new_list, new_dict): Python functions, not the
# builtins ``list`` and ``dict``. pydantic reads each factory's signature when it builds a model's validator; a
# builtin's is parsed from its text signature with the tokenizer, 40% of building ``Rule``'s. The same empty list
# or mapping, the same JSON schema.
_list = new_list
_dict = new_dict


class _Strict(BaseModel):
    # Attribute docstrings are the field descriptions of ``archplan schema --rules`` (editor hovers), attached
    # when asked for (engine.model.schema.attach_docstrings); validators are built on first use.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)


class Pattern(_Strict):
    """One pattern of a rule's condition: a fact of ``kind`` whose fields satisfy ``where``."""

    as_: Alias | None = Field(default=None, alias="as", examples=["call", "svc"])
    """The name the rest of the rule uses for the matched fact. Required unless ``absent``."""
    kind: KindName = Field(examples=["interaction", "service", "path", "risk"])
    """The fact kind to match: a design kind (service, interaction, endpoint, datastore, channel, external,
    workflow, job, system, security, deployment, observability), a graph kind archplan computes (path,
    cycle, access, consumer, producer, step), ``risk``, or a kind a rule derives."""
    where: dict[FieldPath, Any] = Field(default_factory=_dict, examples=[
        {"target_kind": "external", "circuit_breaker": False, "timeout_ms": {"gt": 30000}}])
    """Field tests: ``field: value`` (equality) or ``field: {operator: value}``; operators: eq, ne, in,
    not_in, exists, missing, lt, lte, gt, gte, regex, contains. A test on an unknown field is false."""
    join: dict[FieldPath, BoundRef] = Field(default_factory=_dict, examples=[{"name": "call.from"}])
    """Equality joins: ``this_field: alias.field`` of an earlier pattern."""
    absent: bool = False
    """Negation: the rule matches only when no such fact exists."""

    @model_validator(mode="after")
    def _alias_unless_absent(self) -> "Pattern":
        return check_pattern(self)  # type: ignore[no-any-return]


class Mitigation(_Strict):
    """What to implement, and where, to resolve a risk. Deduplicated on (id, scope)."""

    id: RuleId = Field(examples=["circuit-breaker", "client-timeouts"])
    """The mitigation pattern, e.g. ``circuit-breaker``."""
    title: Annotated[str, StringConstraints(min_length=5, max_length=300)]
    """Template naming the work, e.g. ``Circuit breakers on the outbound calls of {call.from}``."""
    scope: BoundRef = Field(examples=["call.from"])
    """The bound field the mitigation is grouped by (one mitigation per distinct value)."""
    action: Annotated[str, StringConstraints(min_length=10, max_length=2000)]
    """What to implement, concretely enough to estimate; a template over bound fields."""
    after: list[RuleId] = Field(default_factory=_list)
    """Mitigation ids (or component work) that must be in place first."""
    phase: Annotated[Phase, Field(strict=False)] | None = None
    """The phase the mitigation is built in; defaults to the rule's phase.

    - 1: Foundation
    - 2: Core Features
    - 3: Integration
    - 4: Production Readiness"""
    effort: (Annotated[float, Field(gt=0, le=500)] | Annotated[list[Annotated[float, Field(gt=0, le=500)]],
                                                                  Field(min_length=2, max_length=2)]
             | Literal["xs", "s", "m", "l", "xl"] | None) = Field(default=None, examples=["s", 3, [2, 5]])
    """The work to implement it once, for one scope: person-days, a range ``[low, high]`` of them, or a size.
    The plan schedules with it (a range by its middle); absent: the default for a mitigation (docs/plan.md).

    - xs: half a person-day
    - s: 1 person-day
    - m: 3 person-days
    - l: 8 person-days
    - xl: 15 person-days"""

    @field_validator("phase", mode="before")
    @classmethod
    def _phase_int(cls, v: Any) -> Any:
        return phase_int(v)

    @field_validator("effort")
    @classmethod
    def _range_ordered(cls, v: Any) -> Any:
        return range_ordered(v)


class Risk(_Strict):
    """The risk a rule raises."""

    subject: Alias = Field(examples=["call"])
    """The pattern whose fact the finding is about (its location is the finding's location)."""
    message: Annotated[str, StringConstraints(min_length=10, max_length=2000)]
    """What was found, on which subject, why it matters; a template over bound fields (``{call.from}``)."""
    likelihood: Literal["rare", "possible", "likely", "almost_certain"]
    """How likely the risk is to materialise (severity is likelihood x impact).

    - rare: score 1, it needs a coincidence
    - possible: score 2, it happens under particular conditions
    - likely: score 3, it routinely causes incidents
    - almost_certain: score 4, it will happen in normal operation"""
    impact: Literal["minor", "moderate", "major", "severe"]
    """How bad it is when it does (severity is likelihood x impact).

    - minor: score 1, a small, contained inconvenience
    - moderate: score 2, a visible degradation of part of the system
    - major: score 3, an outage of a core flow, or data at risk
    - severe: score 4, a long outage, data loss or a breach"""
    field: FieldPath | None = Field(default=None, examples=["circuit_breaker", "retry.attempts"])
    """The field of the subject the finding points at, if any (its line is used)."""


class Derive(_Strict):
    """A derived fact, asserted back so that further rules can match it."""

    kind: KindName = Field(examples=["plan_item"])
    """The kind of the derived fact; ``plan_item`` adds a work item to the integration plan."""
    fields: dict[FieldPath, Scalar] = Field(default_factory=_dict, examples=[
        {"section": "test", "type": "resilience", "subject": "{call.key}", "title": "Open the breaker of {call.from}"}])
    """Values are literals or templates over bound fields (``"{svc.name}"``)."""


class Adjust(_Strict):
    """Raise or lower the severity of a matched risk, with the reason."""

    risk: Alias
    """The alias of a ``kind: risk`` pattern."""
    by: Literal[-1, 1]
    """The step.

    - -1: lower the severity by one level
    - 1: raise it by one level"""
    reason: Annotated[str, StringConstraints(min_length=5, max_length=300)]
    """Why, shown by ``archplan explain``; a template over bound fields."""


class Example(_Strict):
    """An executable example: a small design, and whether the rule fires on it."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,60}$")] = Field(
        examples=["sync-call-to-payment-provider"])
    """The example's name: the test id is ``<rule-id>::<name>``."""
    expect: Literal["fire", "pass", "gap"]
    """What the rule must do on ``design``.

    - fire: raise its finding (on ``subjects``, when given)
    - pass: raise nothing
    - gap: report an information gap (on ``subjects``, when given)"""
    design: dict[str, Any]
    """Sections of a design file (``services``, ``interactions`` …); ``source`` is optional."""
    subjects: list[str] | None = Field(default=None, examples=[["interaction:checkout->stripe", "service:checkout"]])
    """For ``fire``/``gap``: the exact subject keys expected."""
    description: str | None = None
    """Why the example fires or passes (shown in the rule's reference page)."""
    basis: Literal["stated", "assumed"] | None = None
    """For ``fire``: what every finding of the rule in the example must rest on.

    - stated: facts the design states
    - assumed: an unknown field read as the rule's default (``assume``)"""


class Rule(_Strict):
    """One rule file."""

    id: RuleId = Field(examples=["external-call-without-circuit-breaker"])
    """Kebab-case, equal to the file name, unique across all packs; it names the flaw being flagged."""
    title: Annotated[str, StringConstraints(min_length=5, max_length=120)]
    """A short noun phrase naming the flaw as a reviewer would say it."""
    category: Annotated[Category, Field(strict=False)]
    """The area of the knowledge base; it must equal the rule's folder.

    - resilience: failures, timeouts, retries, overload, redundancy
    - data: ownership, consistency, backups, migrations, caches
    - api: API design, contracts, versioning, edge concerns
    - communication: messaging, queues, sagas, integration
    - security: authentication, authorisation, secrets, data protection
    - performance: latency, throughput, caching, capacity
    - operability: observability, SLOs, alerts, runbooks
    - deployment: releases, rollbacks, configuration, infrastructure"""
    phase: Annotated[Phase, Field(strict=False)]
    """When the mitigation is built in the integration roadmap.

    - 1: Foundation
    - 2: Core Features
    - 3: Integration
    - 4: Production Readiness"""
    summary: Annotated[str, StringConstraints(min_length=10, max_length=600)]
    """What it does: one or two sentences."""
    rationale: Annotated[str, StringConstraints(min_length=10, max_length=3000)]
    """Why it matters."""
    references: list[Annotated[str, StringConstraints(min_length=3, max_length=300)]] = Field(min_length=1)
    """The pattern pages, best-practice ids or book chapters the rule rests on, with URLs where there are."""
    sources: list[Literal["azure", "microservices.io", "aws-well-architected", "google-sre", "owasp-api-2023",
                          "twelve-factor", "archplan"]] = Field(default_factory=_list)
    """Source families cited by ``references``.

    - azure: Azure Architecture Center (cloud design patterns, antipatterns, Well-Architected)
    - microservices.io: Chris Richardson's microservice patterns
    - aws-well-architected: the AWS Well-Architected Framework
    - google-sre: Google's Site Reliability Engineering books
    - owasp-api-2023: the OWASP API Security Top 10 (2023)
    - twelve-factor: The Twelve-Factor App
    - archplan: the tool's own planning and context rules"""
    catalog: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{3,4}-\d{3}$")]] = Field(default_factory=_list)
    """Pattern-catalog ids this rule covers (e.g. ``RES-001``)."""
    when: list[Pattern] = Field(min_length=1, max_length=15)
    """The condition: patterns over facts; the rule fires once per combination of facts matching all."""
    risk: Risk | None = None
    """The finding the rule raises."""
    mitigation: Mitigation | list[Mitigation] | None = None
    """The work that resolves the risk: one, or a list (required with ``risk``)."""
    derive: list[Derive] = Field(default_factory=_list)
    """Facts asserted back for other rules (``plan_item`` facts add work to the integration plan)."""
    adjust: Adjust | None = None
    """Severity context: raise or lower a matched risk's severity."""
    gaps: list[BoundRef] = Field(default_factory=_list, examples=[["call.circuit_breaker"]])
    """Fields whose being unknown yields an information-gap finding instead of silence."""
    assume: dict[BoundRef, Scalar] = Field(default_factory=_dict, examples=[{"call.timeout_ms": 0}])
    """Fields whose being unknown is read as the common default: when the field is unknown and the rest of
    the condition holds, the rule fires as if it had this value, and the finding says it rests on an
    assumption (``basis: assumed``, one severity step lower). The value must pass the field's tests."""
    silent_when_unknown: dict[BoundRef, Annotated[str, StringConstraints(min_length=20, max_length=400)]] = Field(
        default_factory=_dict, examples=[{"svc.type": "scopes the rule to gateways; a guess would flag every service"}])
    """Fields tested by the condition that neither ``assume`` nor ``gaps`` covers, each with the reason the
    rule stays silent when it is unknown (read by the no-silent-rule check)."""
    params: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")], Scalar] = Field(
        default_factory=_dict)
    """Tunable thresholds with their defaults; tests use ``{param: name}``; project config may override."""
    examples: list[Example] = Field(default_factory=_list)
    """Executable examples, failing first, then passing; ``archplan rules test`` runs them."""
    enabled: bool = True
    """false ships the rule switched off."""

    @field_validator("phase", mode="before")
    @classmethod
    def _phase_int(cls, v: Any) -> Any:
        return phase_int(v)

    @model_validator(mode="after")
    def _has_consequence(self) -> "Rule":
        return check_rule(self)  # type: ignore[no-any-return]

    # What the runtime reads of a rule (its ``mitigations`` as a list, its ``severity``...) is the plain rule's
    # (engine.model.ruledata.Rule, ``from_model``): these models only validate a rule file.

