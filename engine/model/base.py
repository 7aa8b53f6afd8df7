"""What the rest of archplan reads about facts without their pydantic models: the closed sets (severity, category,
phase, agent), the sections of a design file and the kinds of their facts, and what a rule may assume about a field.

A check whose design the kept plain validators accept (engine.rulecache) never builds the section models of
engine/model/schema.py: importing them, 24 classes, was 2% of checking 1,000 services and 6% of checking the shop.
Pure data, no pydantic.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Literal, get_args

from msgspec import Struct

if TYPE_CHECKING:
    from pydantic import BaseModel

# --------------------------------------------------------------------------------------
# Closed sets shared by facts, rules and reports
# --------------------------------------------------------------------------------------


ASSUMED_KEY = "assumed"
"""On a computed fact, the map from each computed field whose value rests on an assumption (an access of
unknown mode counted as a write) to that assumption in words; findings testing the field say so."""


class Severity(enum.StrEnum):
    """How bad a finding is, from the likelihood x impact matrix."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 4 ... low 1."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}
SEVERITY_BY_RANK = {rank: sev for sev, rank in _SEVERITY_RANK.items()}


class Category(enum.StrEnum):
    """The eight areas of the knowledge base."""

    RESILIENCE = "resilience"
    DATA = "data"
    API = "api"
    COMMUNICATION = "communication"
    SECURITY = "security"
    PERFORMANCE = "performance"
    OPERABILITY = "operability"
    DEPLOYMENT = "deployment"


class Phase(enum.IntEnum):
    """Implementation phases of the integration roadmap."""

    FOUNDATION = 1
    CORE_FEATURES = 2
    INTEGRATION = 3
    PRODUCTION_READINESS = 4

    @property
    def title(self) -> str:
        """Human title of the phase."""
        return _PHASE_TITLES[self]


_PHASE_TITLES = {
    Phase.FOUNDATION: "Foundation",
    Phase.CORE_FEATURES: "Core Features",
    Phase.INTEGRATION: "Integration",
    Phase.PRODUCTION_READINESS: "Production Readiness",
}

Agent = Literal["api", "database", "infrastructure", "security"]
AGENTS: tuple[str, ...] = get_args(Agent)


# --------------------------------------------------------------------------------------
# Sections and kinds
# --------------------------------------------------------------------------------------

FACT_MODULE = "engine.model.schema"
"""The module of the section models (``SECTION_MODELS`` names them)."""

SECTION_MODELS: dict[str, tuple[str, str, bool]] = {
    "system": ("system", "System", False),
    "services": ("service", "Service", True),
    "interactions": ("interaction", "Interaction", True),
    "endpoints": ("endpoint", "Endpoint", True),
    "datastores": ("datastore", "Datastore", True),
    "channels": ("channel", "Channel", True),
    "externals": ("external", "External", True),
    "security": ("security", "SecurityControls", False),
    "deployments": ("deployment", "Deployment", True),
    "observability": ("observability", "Observability", False),
    "workflows": ("workflow", "Workflow", True),
    "jobs": ("job", "Job", True),
    "teams": ("team", "Team", True),
}
"""Section of a design file -> (fact kind, the name of its model in ``FACT_MODULE``, whether it is a list).
Singletons have no list. ``engine.model.schema.SECTIONS`` gives the model classes."""


def section_model(name: str) -> type[BaseModel]:
    """The section model ``name`` (``SECTION_MODELS``), its module imported on first use."""
    import importlib

    model: type[BaseModel] = getattr(importlib.import_module(FACT_MODULE), name)
    return model

SINGLETON_KINDS = frozenset(kind for kind, _model, is_list in SECTION_MODELS.values() if not is_list)
"""Kinds a design states once (agents' sections merge into one fact): at most one fact each."""


def singleton_key(kind: str) -> str:
    """The key of the one fact of a singleton kind."""
    return f"{kind}:{kind}"


NAME_KEYED_KINDS = frozenset({"service", "interaction", "endpoint", "datastore", "channel", "external",
                              "workflow", "job", "team"})
"""Kinds whose facts are keyed ``kind:name`` (the loader's identity): a name names at most one fact. The list
sections whose model has a ``name`` field (tests/test_model_base.py holds them equal)."""

BASE_KINDS: tuple[str, ...] = tuple(kind for kind, _m, _l in SECTION_MODELS.values())
"""The kinds of the facts a design states, in section order."""


# --------------------------------------------------------------------------------------
# Field schema of every fact kind the rules can match (engine.model.schema derives the design's from its models)
# --------------------------------------------------------------------------------------

FieldType = Literal["str", "int", "float", "bool", "list"]


class FieldSpec(Struct, frozen=True, kw_only=True, eq=False):
    """What a rule may assume about one field of a fact kind (a plain value: a model would build a validator, and
    load pydantic's plugins, when this module is imported)."""

    type: FieldType
    values: tuple[str, ...] | None = None
    """Closed set of allowed values, for string fields."""
    item_values: tuple[str, ...] | None = None
    """Closed set of allowed items, for list fields."""


AUTH_FLOW_REQUEST_NAMES = frozenset({"forgot", "forgot-password", "magic-generate", "magic-link", "email-check"})
"""Last parts of a path that name a step a caller takes before signing in, with no session and no credential: a
password-reset request (``/auth/forgot-password/``), a one-time code or link sent by e-mail (``/magic-generate``), an
account check that answers how an e-mail signs in (``/email-check``). Its body carries an e-mail, not a secret.
A reset's confirmation (``reset-password``, ``password-reset``) is not among them: it checks a token whose strength
the import does not read (a signed JWT cannot be guessed; a short code can)."""

AUTH_FLOW_NAMES = frozenset({"login", "signin", "sign-in", "log-in", "logon", "authenticate", "token", "signup",
                             "sign-up", "register", "magic-sign-in", "magic-sign-up"}) | AUTH_FLOW_REQUEST_NAMES
"""Last parts of a path that name a login, token or sign-up operation, a sign-in with a one-time code, or a step
before one (``AUTH_FLOW_REQUEST_NAMES``): what the route-from-code importer states as ``auth_flow``, and what
``credential_flow`` reads from the path when ``auth_flow`` is not stated."""

ACCOUNT_WORDS = frozenset({"user", "users", "account", "accounts", "auth", "authentication", "identity", "member",
                           "members", "me", "session", "sessions", "oauth", "oauth2", "sso", "login", "signup"})
"""Resources a ``register`` operation signs a person up to: ``/api/user/register`` creates an account, while
``/movie/register`` or ``/CustomerManagement/Register`` records a movie or a garage's customer, no credential."""


def credential_path(path: str) -> bool:
    """Whether a path's last part names a login, token or sign-up operation or a step before one (``AUTH_FLOW_NAMES``:
    ``/auth/forgot-password/``, ``/auth/magic-sign-in/``). ``register`` is
    one only on its own or under an account resource (``ACCOUNT_WORDS``: ``/register``, ``/api/v1/users/register``);
    under another resource it records that resource. Prefixes such as ``api`` and ``v2`` are no resource."""
    parts = [p.lower() for p in path.rstrip("/").split("/") if p]
    if not parts or parts[-1] not in AUTH_FLOW_NAMES:
        return False
    if parts[-1] != "register":
        return True
    owners = [p for p in parts[:-1] if "{" not in p and "*" not in p and p != "api"
              and not (p[:1] == "v" and p[1:].isdigit())]
    return not owners or owners[-1] in ACCOUNT_WORDS or owners[-1].replace("-", "").endswith(("user", "users"))

UNKNOWN_BECAUSE: dict[tuple[str, str], str] = {
    ("interaction", "blocking"): "neither style nor protocol stated",
    ("interaction", "cross_team"): "the owners not stated",
    ("interaction", "target_criticality"): "the target's criticality not stated",
    ("interaction", "caller_criticality"): "the caller's criticality not stated",
    ("interaction", "target_classified"): "the target's data classification not stated",
    ("channel", "expires_messages"): "message_ttl_seconds not stated, and no known broker default",
}
"""Why a computed field is unknown, in terms of the design fields it comes from (a finding that assumes its
value says so: "cross_team = true: the owners not stated")."""
