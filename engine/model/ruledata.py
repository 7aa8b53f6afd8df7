"""The rules as the runtime reads them: plain read-only objects, without pydantic.

``engine.model.rule``'s pydantic models are the schema of a rule file: a rule file read from disk is validated by
them, its errors located as always. What the rest of archplan reads (compiler, review, consequences, reports, the
plan) is the plain object of this module with the same attribute names, built from the validated model
(``from_model``) or, when the compiled rules are read back from the cache (``engine.kbcache``), by
``validator``: the same core schema as the models', each model read as a typed mapping and built into its plain
class, run by msgspec (``engine.model.msgcheck``; pydantic-core reads what msgspec refuses). Importing pydantic
was about 7% of checking 1,000 services; pydantic-core, 7% of checking the shop.

Also here: what the rule language means without its models (the risk matrix, the operators, the plan items'
fields), so that a module reading them does not import pydantic.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any

from msgspec import Struct, field

from engine.errors import Location
from engine.model.base import Category, FieldSpec, Phase, Severity
from engine.model.document import Document

OPERATORS: tuple[str, ...] = (
    "eq", "ne", "in", "not_in", "exists", "missing", "lt", "lte", "gt", "gte", "regex", "contains",
)


class Likelihood(enum.IntEnum):
    """How likely the risk is to materialise."""

    RARE = 1
    POSSIBLE = 2
    LIKELY = 3
    ALMOST_CERTAIN = 4


class Impact(enum.IntEnum):
    """How bad it is when it does."""

    MINOR = 1
    MODERATE = 2
    MAJOR = 3
    SEVERE = 4


LIKELIHOODS = {"rare": Likelihood.RARE, "possible": Likelihood.POSSIBLE, "likely": Likelihood.LIKELY,
               "almost_certain": Likelihood.ALMOST_CERTAIN}
IMPACTS = {"minor": Impact.MINOR, "moderate": Impact.MODERATE, "major": Impact.MAJOR, "severe": Impact.SEVERE}


def severity_of(likelihood: str, impact: str) -> Severity:
    """The documented risk matrix: severity from likelihood x impact.

    ====================  =====  ========  =====  ======
    likelihood \\ impact   minor  moderate  major  severe
    ====================  =====  ========  =====  ======
    rare (1)              low    low       low    medium
    possible (2)          low    medium    medium high
    likely (3)            low    medium    high   critical
    almost_certain (4)    medium high      critical critical
    ====================  =====  ========  =====  ======

    The score is likelihood x impact: 12 and above is critical, 8 and above high,
    4 and above medium, below 4 low.
    """
    score = LIKELIHOODS[likelihood] * IMPACTS[impact]
    if score >= 12:
        return Severity.CRITICAL
    if score >= 8:
        return Severity.HIGH
    if score >= 4:
        return Severity.MEDIUM
    return Severity.LOW


EFFORT_SIZES = {"xs": 0.5, "s": 1.0, "m": 3.0, "l": 8.0, "xl": 15.0}
"""Person-days per effort size of a mitigation."""


def effort_range(effort: float | list[float] | str | None) -> tuple[float, float] | None:
    """A mitigation's ``effort`` as (low, high) person-days; None when the rule does not state it."""
    if effort is None:
        return None
    if isinstance(effort, str):
        return EFFORT_SIZES[effort], EFFORT_SIZES[effort]
    if isinstance(effort, list):
        return float(effort[0]), float(effort[1])
    return float(effort), float(effort)


# --------------------------------------------------------------------------------------------------------------
# The plain rule objects (the attributes of engine.model.rule's models, documented there)
# --------------------------------------------------------------------------------------------------------------


class Pattern(Struct, frozen=True):
    """One pattern of a rule's condition (``engine.model.rule.Pattern``)."""

    kind: str
    as_: str | None = None
    where: dict[str, Any] = field(default_factory=dict)
    join: dict[str, str] = field(default_factory=dict)
    absent: bool = False


class Mitigation(Struct, frozen=True):
    """What to implement, and where, to resolve a risk (``engine.model.rule.Mitigation``)."""

    id: str
    title: str
    scope: str
    action: str
    after: list[str] = field(default_factory=list)
    phase: Phase | None = None
    effort: float | list[float] | str | None = None


class Risk(Struct, frozen=True):
    """The risk a rule raises (``engine.model.rule.Risk``)."""

    subject: str
    message: str
    likelihood: str
    impact: str
    field: str | None = None


class Derive(Struct, frozen=True):
    """A derived fact (``engine.model.rule.Derive``)."""

    kind: str
    fields: dict[str, str | int | float | bool] = field(default_factory=dict)


class Adjust(Struct, frozen=True):
    """A severity adjustment (``engine.model.rule.Adjust``)."""

    risk: str
    by: int
    reason: str


class Example(Struct, frozen=True):
    """An executable example (``engine.model.rule.Example``)."""

    name: str
    expect: str
    design: dict[str, Any]
    subjects: list[str] | None = None
    description: str | None = None
    basis: str | None = None


class Rule(Struct, frozen=True):
    """One rule (``engine.model.rule.Rule``)."""

    id: str
    title: str
    category: Category
    phase: Phase
    summary: str
    rationale: str
    references: list[str]
    when: list[Pattern]
    sources: list[str] = field(default_factory=list)
    catalog: list[str] = field(default_factory=list)
    risk: Risk | None = None
    mitigation: Mitigation | list[Mitigation] | None = None
    derive: list[Derive] = field(default_factory=list)
    adjust: Adjust | None = None
    gaps: list[str] = field(default_factory=list)
    assume: dict[str, str | int | float | bool] = field(default_factory=dict)
    silent_when_unknown: dict[str, str] = field(default_factory=dict)
    params: dict[str, str | int | float | bool] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    enabled: bool = True

    @property
    def mitigations(self) -> list[Mitigation]:
        """The mitigation(s) as a list."""
        return listed(self.mitigation)

    @property
    def severity(self) -> Severity | None:
        """Base severity from the risk matrix."""
        return severity_of(self.risk.likelihood, self.risk.impact) if self.risk else None


def listed(mitigation: Any) -> list[Any]:
    """A rule's ``mitigation`` (one, a list, or None) as a list (the plain rule's and the model's ``mitigations``)."""
    if mitigation is None:
        return []
    return mitigation if isinstance(mitigation, list) else [mitigation]


_PLAIN: dict[str, type[Any]] = {c.__name__: c for c in (Pattern, Mitigation, Risk, Derive, Adjust, Example, Rule)}
"""The plain class of each rule model, by the model's name."""


# The checks of the models' own validators, written once for the models and the plain objects (same attributes).
def check_pattern(p: Any) -> Any:
    """A pattern binds a name unless it is absent, and an absent one binds none."""
    if not p.absent and p.as_ is None:
        raise ValueError("a pattern needs 'as: <name>' unless it is 'absent: true'")
    if p.absent and p.as_ is not None:
        raise ValueError("an 'absent' pattern binds nothing: remove 'as'")
    return p


def check_rule(r: Any) -> Any:
    """A rule has a consequence, and a risk its mitigation."""
    if r.risk is None and not r.derive and r.adjust is None:
        raise ValueError("a rule needs a consequence: 'risk', 'derive' or 'adjust'")
    if r.risk is not None and r.mitigation is None:
        raise ValueError("a rule that raises a risk needs a 'mitigation'")
    return r


def phase_int(v: Any) -> Any:
    """A phase written as its number."""
    return Phase(v) if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4 else v


def range_ordered(v: Any) -> Any:
    """An effort range is [low, high]."""
    if isinstance(v, list) and v[0] > v[1]:
        raise ValueError(f"a range is [low, high]; got [{v[0]:g}, {v[1]:g}]")
    return v


def new_list() -> list[Any]:
    """The models' default factory of a list (a Python function: see engine.model.rule)."""
    return []


def new_dict() -> dict[Any, Any]:
    """The models' default factory of a mapping."""
    return {}


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "Pattern._alias_unless_absent": check_pattern, "Rule._has_consequence": check_rule,
    "Rule._phase_int": phase_int, "Mitigation._phase_int": phase_int, "Mitigation._range_ordered": range_ordered,
    "new_list": new_list, "new_dict": new_dict,
}
"""The functions the models' core schema calls, by their qualified name there: each is the function itself or
one the model's calls (``plain_schema`` refuses a schema calling any other)."""
_ENUMS: dict[str, type[enum.Enum]] = {"Category": Category, "Phase": Phase}


def from_model(value: Any) -> Any:
    """The plain object of a validated rule model (``engine.model.rule``), or of any value in one, at any depth."""
    plain = _PLAIN.get(type(value).__name__) if hasattr(type(value), "__pydantic_fields__") else None
    if plain is not None:
        return plain(**{name: from_model(getattr(value, name)) for name in plain.__struct_fields__})
    if isinstance(value, list):
        return [from_model(v) for v in value]
    if isinstance(value, dict):
        return {k: from_model(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------------------------
# The models' core schema, without the models (kept on disk by engine.rulecache.rule_validator)
# --------------------------------------------------------------------------------------------------------------


def plain_schema(schema: Any) -> Any:
    """The core schema of ``engine.model.rule.Rule`` (``__pydantic_core_schema__``) as plain JSON: each model a
    typed mapping keyed by its fields' Python names (read by their aliases) built into its plain class, and each
    function and enum named (``_FUNCTIONS``, ``_ENUMS``, ``_PLAIN``) rather than held. ``TypeError`` for what it
    does not know: a function, a class or a default factory not named there."""
    if isinstance(schema, list):
        return [plain_schema(s) for s in schema]
    if not isinstance(schema, dict):
        if schema is None or isinstance(schema, (str, int, float, bool)):
            return schema
        raise TypeError(f"a {type(schema).__name__} in the rule schema")
    kind = schema.get("type")
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("metadata", "serialization"):
            continue
        if kind == "model" and key in ("cls", "custom_init", "root_model", "post_init"):
            continue
        if key == "cls" and kind == "enum":
            out[key] = _named(value, _ENUMS)
        elif key == "members" and kind == "enum":
            out[key] = [m.value for m in value]
        elif key == "function" and isinstance(value, dict):
            if value.get("type") != "no-info":
                raise TypeError("a validator taking its info")
            out[key] = {"type": "no-info", "function": _function(value["function"])}
        elif key == "default_factory":
            out[key] = _function(value)
        elif key == "default" and not (value is None or isinstance(value, (str, int, float, bool))):
            raise TypeError("a default other than a scalar")
        else:
            out[key] = plain_schema(value)
    if kind == "model":
        cls = schema["cls"].__name__
        if cls not in _PLAIN:
            raise TypeError(f"a model {cls} with no plain class")
        inner = out["schema"]
        if inner.get("type") != "model-fields":
            raise TypeError("a model without fields")
        fields = {name: {k: v for k, v in spec.items() if k != "serialization_alias"} | {"type": "typed-dict-field"}
                  for name, spec in inner["fields"].items()}
        typed = {"type": "typed-dict", "fields": fields, "extra_behavior": "forbid", "strict": True,
                 **({"config": out["config"]} if "config" in out else {})}
        built = {"type": "function-after", "function": {"type": "no-info", "function": f"plain:{cls}"},
                 "schema": typed}
        return built | ({"ref": out["ref"]} if "ref" in out else {})
    return out


def _named(value: Any, names: dict[str, Any]) -> str:
    name = getattr(value, "__name__", None)
    if name not in names or names[name] is not value:
        raise TypeError(f"{value!r} is not one the plain rule schema names")
    return str(name)


def _function(fn: Any) -> str:
    name = getattr(getattr(fn, "__func__", fn), "__qualname__", "")
    if name == "_list":
        name = "new_list"
    elif name == "_dict":
        name = "new_dict"
    if name not in _FUNCTIONS:
        raise TypeError(f"the rule schema calls {name or fn!r}")
    return str(name)


def _resolved(schema: Any) -> Any:
    """``schema`` from ``plain_schema`` with its names replaced by what they name (``ValueError`` for an unknown
    one: a damaged schema)."""
    if isinstance(schema, list):
        return [_resolved(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    out = {k: _resolved(v) for k, v in schema.items()}
    if kind == "enum":
        cls = _ENUMS[schema["cls"]]
        out["cls"], out["members"] = cls, [cls(v) for v in schema["members"]]
    elif kind in ("function-after", "function-before", "function-plain", "function-wrap"):
        name = schema["function"]["function"]
        fn = (lambda d, plain=_PLAIN[name[6:]]: plain(**d)) if name.startswith("plain:") else _FUNCTIONS[name]
        out["function"] = {"type": "no-info", "function": fn}
    elif kind == "default" and "default_factory" in schema:
        out["default_factory"] = _FUNCTIONS[schema["default_factory"]]
    return out


def validator(schema: Any) -> RuleValidator:
    """The ``validate_python`` of a validator built from ``plain_schema``'s result: a rule's data in, its plain
    ``Rule`` out, or pydantic-core's ``ValidationError`` (a ``ValueError``); ``KeyError``, ``TypeError`` or
    ``pydantic_core.SchemaError`` when the schema is not one ``plain_schema`` makes.

    The schema is run by msgspec first (``engine.model.msgcheck``: pydantic-core is not imported while it accepts
    the rules, which a warm check reads from the cache, as JSON); a rule it refuses, or a schema it does not
    translate, pydantic-core reads (built once), whose result or error is then the one returned."""
    from engine.model import msgcheck

    functions: dict[str, Callable[..., Any]] = {**_FUNCTIONS, **{f"plain:{name}": (lambda d, plain=plain: plain(**d))
                                                                 for name, plain in _PLAIN.items()}}
    try:
        fast: msgcheck.Converter | None = msgcheck.compile(schema, functions=functions, enums=_ENUMS)
    except msgcheck.Unsupported:
        fast = None
    return RuleValidator(schema, fast)


class RuleValidator:
    """``validator``'s result: called with a rule's data (``json``: just parsed from JSON, ``engine.kbcache``), or
    given a rule's JSON text (``json``)."""

    __slots__ = ("_fast", "_schema", "_slow")

    def __init__(self, schema: Any, fast: Any, slow: Callable[[Any], Rule] | None = None) -> None:
        """``slow``: what reads every rule when there is no schema (``engine.rulecache.rule_validator``'s models)."""
        self._schema, self._fast = schema, fast
        self._slow: list[Callable[[Any], Rule]] = (
            [slow] if slow is not None else [] if fast is not None else [_core_validator(schema)])

    def __call__(self, data: Any, *, json: bool = False) -> Rule:
        """``json``: ``data`` was just parsed from JSON (``engine.kbcache``): see ``msgcheck.Converter``."""
        from engine.model import msgcheck

        if self._fast is not None:
            try:
                rule: Rule = self._fast(data, json=json)
                if type(rule) is Rule:
                    return rule
            except (msgcheck.Refused, msgcheck.Unsupported):
                pass
        return self._refused(data)

    def json(self, text: bytes) -> Rule:
        """``self(json.loads(text), json=True)``: the rule in the JSON document ``text``, its types checked by
        msgspec as it parses the text (``msgcheck.Converter.decode``)."""
        from engine.model import msgcheck

        if self._fast is not None:
            try:
                rule: Rule = self._fast.decode(text)
                if type(rule) is Rule:
                    return rule
            except (msgcheck.Refused, msgcheck.Unsupported):
                pass
        import orjson

        return self._refused(orjson.loads(text))

    def _refused(self, data: Any) -> Rule:
        """pydantic-core's result or error for what msgspec refused (or could not translate)."""
        if not self._slow:
            self._slow.append(_core_validator(self._schema))
        return self._slow[0](data)


def _core_validator(schema: Any) -> Callable[[Any], Rule]:
    from pydantic_core import SchemaValidator

    return SchemaValidator(_resolved(schema)).validate_python


# --------------------------------------------------------------------------------------------------------------
# Templates, plan items, context rules, the loaded knowledge base
# --------------------------------------------------------------------------------------------------------------


TEMPLATE_FIELD = re.compile(r"\{([^{}]*)\}")
TEMPLATE_REF = re.compile(r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")

# Plan items: a rule that derives ``kind: plan_item`` adds a work item to the integration plan
# (``archplan plan``). Its fields are checked when the rules load, like every other template.
PLAN_ITEM_KIND = "plan_item"
PLAN_SECTIONS: dict[str, tuple[str, ...]] = {
    "build": ("component",),
    "test": ("contract", "integration", "resilience", "load", "security"),
    "deploy": ("strategy", "migration"),
    "monitor": ("alert", "slo", "dashboard"),
}
"""Section of the plan -> the item types it accepts."""
PLAN_ITEM_REQUIRED: tuple[str, ...] = ("section", "type", "subject", "title")
PLAN_ITEM_OPTIONAL: tuple[str, ...] = ("detail", "phase", "pass_bar", "strategy")


def _allowed(test: Any) -> set[Any] | None:
    """The values a field test admits, when it is an equality or ``in`` test (else None: not comparable)."""
    if isinstance(test, dict):
        if set(test) == {"eq"}:
            return {test["eq"]}
        if set(test) == {"in"} and isinstance(test["in"], list):
            return set(test["in"])
        return None
    return {test}


def context_already_priced(risk_rule: Rule, context_rule: Rule) -> bool:
    """Whether a risk rule already requires of its subject the context a context rule raises or lowers for.

    ``single-instance-service-on-request-path`` fires only on services on a public request path, and its
    likelihood x impact was set for that context; raising it again because the service is on a public
    request path would count the same fact twice. So a context adjustment is dropped when the risk rule's
    own pattern on the subject admits only values the context stands for. When it admits more (an
    unencrypted channel of any classified data; the context: card, health or personal data), the context
    still tells the most sensitive cases apart, and applies.
    """
    adjust, risk = context_rule.adjust, risk_rule.risk
    if adjust is None or risk is None:
        return False
    context = next((p for p in context_rule.when if p.join.get("key") == f"{adjust.risk}.subject"), None)
    subject = next((p for p in risk_rule.when if p.as_ == risk.subject), None)
    if context is None or subject is None or context.kind != subject.kind or not context.where:
        return False
    for fld, test in context.where.items():
        wanted = _allowed(test)
        stated = _allowed(subject.where[fld]) if fld in subject.where else None
        if wanted is None or stated is None or not stated <= wanted:
            return False
    return True


class LoadedRule(Struct, frozen=True, eq=False):
    """A validated rule with where it came from."""

    rule: Rule
    file: str
    doc: Document

    def locate(self, *path: str | int) -> Location:
        """Location of a key path inside the rule file."""
        return self.doc.locate(tuple(path))


class KnowledgeBase(Struct):
    """All loaded rules, plus the derived kinds they declare."""

    rules: list[LoadedRule]
    kinds: dict[str, dict[str, FieldSpec]]
    params: dict[str, Any] = field(default_factory=dict)

    def by_id(self) -> dict[str, LoadedRule]:
        """Rules indexed by id."""
        return {r.rule.id: r for r in self.rules}
