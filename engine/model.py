"""The fact model: what the four design agents may say about a backend system.

Pure data. Every model is strict and forbids unknown keys. A field left out (``None``)
means *unknown*: rules see it as missing and may report an information gap, never a pass.

Closed sets are ``Literal`` types so that strict validation accepts the plain strings that
YAML and JSON carry, and the JSON Schema lists the allowed values.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# --------------------------------------------------------------------------------------
# Closed sets shared by facts, rules and reports
# --------------------------------------------------------------------------------------


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

Name = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$"),
]
"""A name that other facts refer to: ASCII, no spaces, at most 128 characters.

ASCII only on purpose: confusable Unicode names (a Cyrillic "а" in "pаyments") would make two
different subjects look identical in every report.
"""

Text = Annotated[str, StringConstraints(max_length=2000)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegInt = Annotated[int, Field(ge=0, le=10_000_000)]
PosInt = Annotated[int, Field(ge=1, le=10_000_000)]
Millis = Annotated[int, Field(ge=0, le=86_400_000)]
Minutes = Annotated[int, Field(ge=0, le=525_600)]

Exposure = Literal["public", "partner", "internal"]
Criticality = Literal["critical", "important", "best_effort"]
Classification = Literal["public", "internal", "confidential", "restricted", "pii", "pci", "phi"]


class _Fact(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        allow_inf_nan=False,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


# --------------------------------------------------------------------------------------
# system
# --------------------------------------------------------------------------------------


class System(_Fact):
    """The system as a whole: its targets and context."""

    name: Name | None = None
    description: Text | None = None
    availability_target: Ratio | None = None
    """Availability objective for public entry points, e.g. 0.999."""
    latency_p95_ms: Millis | None = None
    """Default p95 latency objective for public entry points, in milliseconds."""
    rto_minutes: Minutes | None = None
    rpo_minutes: Minutes | None = None
    regions: list[Name] | None = None
    tenancy: Literal["single", "multi"] | None = None
    per_tenant_limits: bool | None = None
    traffic_profile: Literal["steady", "diurnal", "spiky"] | None = None
    expected_peak_rps: Annotated[float, Field(ge=0)] | None = None
    load_tested_peak_rps: Annotated[float, Field(ge=0)] | None = None
    chaos_testing: Literal["none", "gameday", "continuous"] | None = None
    error_budget_policy: bool | None = None
    api_inventory: bool | None = None
    iac: bool | None = None
    """Infrastructure defined as code."""
    incident_response: bool | None = None
    """A documented incident response procedure exists."""
    synthetic_probes: bool | None = None
    """Black-box probes exercise the public journeys from outside the system."""
    change_events_logged: bool | None = None
    """Deployments, config and feature-flag changes are recorded as events (and dashboard annotations)."""
    emergency_levers: bool | None = None
    """Pre-built switches (kill switches, load shedding, feature disable) operators can pull in an incident."""
    legacy_migration_strategy: Literal["none", "big_bang", "strangler"] | None = None
    """How a legacy system this design replaces is retired: all at once, or incrementally behind a facade."""


# --------------------------------------------------------------------------------------
# service
# --------------------------------------------------------------------------------------


class Health(_Fact):
    """Health checks of a service."""

    liveness: bool | None = None
    readiness: bool | None = None
    liveness_checks_dependencies: bool | None = None
    """The liveness probe calls downstream dependencies (a cascading-restart hazard)."""


class Autoscaling(_Fact):
    """How a service scales out."""

    enabled: bool | None = None
    metric: Literal["cpu", "memory", "rps", "concurrency", "queue_depth", "custom"] | None = None
    min_replicas: NonNegInt | None = None
    max_replicas: NonNegInt | None = None


class Service(_Fact):
    """A deployable component: API, worker, gateway, BFF, batch job runner, legacy system."""

    name: Name
    kind: (
        Literal["api", "worker", "gateway", "bff", "frontend", "batch", "function", "legacy", "mesh"]
        | None
    ) = None
    owner: Name | None = None
    """Owning team."""
    description: Text | None = None
    exposure: Exposure | None = None
    criticality: Criticality | None = None
    availability: Ratio | None = None
    """The service's own availability (SLO or measured), without its dependencies."""
    latency_p95_ms: Millis | None = None
    """The service's own processing time at p95, without downstream calls."""
    capacity_rps: Annotated[float, Field(ge=0)] | None = None
    """Throughput one deployment of the service sustains."""
    replicas: NonNegInt | None = None
    zones: NonNegInt | None = None
    stateful: bool | None = None
    state: Literal["stateless", "instance_local", "external"] | None = None
    health: Health | None = None
    autoscaling: Autoscaling | None = None
    behind_gateway: bool | None = None
    load_shedding: bool | None = None
    concurrency_limit: PosInt | None = None
    request_queue_limit: NonNegInt | None = None
    """Most requests that may wait for a worker; 0 states explicitly that the queue is unbounded."""
    heavy_processing: bool | None = None
    """Runs CPU- or data-heavy work (reports, exports, media, bulk imports) inside its request handlers."""
    blocking_io: bool | None = None
    """Request handlers block a thread on network or disk I/O (no asynchronous I/O)."""
    client_per_request: bool | None = None
    """Creates a new HTTP/database client (and connection) per request instead of reusing a pooled one."""
    serves_static_content: bool | None = None
    """Serves static files (images, scripts, downloads) from its own instances."""
    anti_corruption_layer: bool | None = None
    """For a legacy system: callers reach it through a translating layer rather than using its model directly."""
    graceful_shutdown: bool | None = None
    startup_seconds: NonNegInt | None = None
    secrets_source: Literal["code", "image", "repo_config", "env_injected", "secret_store"] | None = None
    config_source: Literal["baked", "env", "file", "external_store"] | None = None
    identity: Literal["none", "static_key", "workload_identity"] | None = None
    permissions: Literal["least", "broad", "admin"] | None = None
    logging: Literal["none", "local_file", "stdout", "aggregator"] | None = None
    structured_logs: bool | None = None
    metrics: bool | None = None
    """Golden-signal metrics (latency, traffic, errors, saturation) are exported."""
    tracing: bool | None = None
    runbook: bool | None = None
    tags: list[Name] | None = None
    business_logic: bool | None = None
    """For a gateway: it runs business rules or orchestration, not only routing and edge concerns."""
    client_types: list[Literal["web", "mobile", "partner", "internal", "iot"]] | None = None
    """The kinds of client this backend serves directly."""
    api_contract: Literal["openapi", "proto", "graphql_schema", "asyncapi", "none"] | None = None
    """Machine-readable contract of the API the service exposes."""
    contract_tests: bool | None = None
    """Consumer-driven (or provider) contract tests guard this service's API in CI."""
    dependencies_pinned: bool | None = None
    """Dependencies are declared in a manifest with a lockfile (exact versions), nothing implicit."""
    image: ShortText | None = None
    """The container image the service runs (set by the compose and Kubernetes importers)."""
    resource_limits: bool | None = None
    """CPU or memory limits are set on every container of the service; false: one runs unbounded."""
    disruption_budget: bool | None = None
    """A disruption budget (Kubernetes PodDisruptionBudget) bounds voluntary evictions of its instances."""
    network_policy: bool | None = None
    """A network policy restricts which workloads may reach this service."""


# --------------------------------------------------------------------------------------
# interaction
# --------------------------------------------------------------------------------------


class Retry(_Fact):
    """Retry policy of a call."""

    attempts: PosInt | None = None
    """Total attempts including the first; 1 means no retry."""
    backoff: Literal["none", "fixed", "linear", "exponential"] | None = None
    jitter: bool | None = None
    retry_on: Literal["transient", "all"] | None = None
    budget: bool | None = None
    """A per-client retry budget caps retries as a share of requests."""


class Interaction(_Fact):
    """A directed edge: a service calls, queries or publishes to a target."""

    name: Name | None = None
    """Optional; defaults to ``from->to``. Needed only to tell apart two edges between the same pair."""
    from_: Name = Field(alias="from")
    to: Name
    """A service, external, datastore or channel."""
    style: Literal["sync", "async", "batch", "stream"] | None = None
    protocol: (
        Literal["http", "grpc", "graphql", "websocket", "sql", "amqp", "kafka", "redis", "mqtt", "other"]
        | None
    ) = None
    purpose: Literal["query", "command", "notify"] | None = None
    timeout_ms: Millis | None = None
    """Client timeout; 0 states explicitly that there is none."""
    deadline_propagation: bool | None = None
    retry: Retry | None = None
    circuit_breaker: bool | None = None
    bulkhead: bool | None = None
    fallback: Literal["none", "cache", "static", "degraded", "queue"] | None = None
    mutating: bool | None = None
    idempotent: bool | None = None
    idempotency_key: bool | None = None
    tls: bool | None = None
    mtls: bool | None = None
    auth: Literal["none", "api_key", "mtls", "client_credentials", "user_token", "service_token"] | None = None
    latency_p95_ms: Millis | None = None
    calls_per_request: PosInt | None = None
    dependency: Literal["hard", "soft"] | None = None
    rps: Annotated[float, Field(ge=0)] | None = None
    address_resolution: Literal["hardcoded", "config", "dns", "registry", "mesh"] | None = None
    """How the caller finds the target: a hard-coded host/IP, configuration, DNS, a registry or a mesh."""
    validates_response: bool | None = None
    """The caller validates the target's responses against a schema before using them."""
    carries_user_context: bool | None = None
    """The end user's identity (token or signed claims) travels with the call, so the target can authorise."""
    inferred_from: Text | None = None
    """Evidence, when an importer inferred this edge rather than read it (an environment variable or
    command naming the target's host, ``depends_on``): check it, then drop this key or the edge."""


# --------------------------------------------------------------------------------------
# endpoint
# --------------------------------------------------------------------------------------


class Endpoint(_Fact):
    """An operation exposed by a service: REST route, gRPC method, GraphQL field, WebSocket, webhook."""

    name: Name | None = None
    """Optional; defaults to ``METHOD path``."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "RPC", "WS", "SUBSCRIBE"]
    path: Annotated[str, StringConstraints(pattern=r"^[ -~]{1,512}$")]
    served_by: Name
    routes_to: list[Name] | None = None
    """For a route served by a gateway, BFF or proxy: the services (or externals) ``served_by`` forwards
    it to. Its call path then follows only those calls, not every route the gateway serves; each must
    be a call of ``served_by`` (an interaction from it)."""
    exposure: Exposure | None = None
    authn: Literal["none", "api_key", "session", "jwt", "oauth2", "mtls"] | None = None
    authz: Literal["none", "role", "object_level", "policy"] | None = None
    """Authorisation: ``object_level`` checks the caller may access the very object requested."""
    takes_object_id: bool | None = None
    rate_limit: bool | None = None
    versioning: Literal["none", "path", "header", "media_type"] | None = None
    idempotency_key: bool | None = None
    mutating: bool | None = None
    pagination: bool | None = None
    returns_collection: bool | None = None
    data_classification: Classification | None = None
    input_validation: Literal["none", "partial", "schema"] | None = None
    latency_p95_ms: Millis | None = None
    """Latency objective of this entry point, overriding the system default."""
    expected_duration_ms: Millis | None = None
    """How long the operation's work takes when it runs to completion."""
    async_pattern: Literal["none", "accepted_status", "callback", "polling"] | None = None
    rps: Annotated[float, Field(ge=0)] | None = None
    admin: bool | None = None
    deprecated: bool | None = None
    idempotent: bool | None = None
    """Repeating the same request has no further effect (natural idempotency: PUT by id, upsert)."""
    client_calls_per_operation: PosInt | None = None
    """Calls a client must make to different back ends to complete the user operation this endpoint serves."""
    large_payloads: Literal["none", "proxied", "valet_key"] | None = None
    """Large uploads/downloads: none, streamed through the service, or direct to storage with a signed URL."""
    debug: bool | None = None
    """A debugging or diagnostic endpoint (dumps, profilers, test hooks)."""
    max_connections: NonNegInt | None = None
    """WebSocket/streaming: most concurrent connections one instance accepts; 0 states there is no limit."""
    response_cache: bool | None = None
    """Responses are served from a cache (CDN, gateway or application) for repeated reads."""
    tls: bool | None = None
    """Served over TLS only (no plaintext listener)."""
    error_detail: Literal["generic", "stack_trace"] | None = None
    """What error responses reveal: a generic problem body, or internals such as stack traces."""
    auth_flow: bool | None = None
    """A login, token, password-reset or sign-up operation (a credential-guessing target)."""
    brute_force_protection: bool | None = None
    """Failed attempts are throttled per account and per source (lockout, backoff, CAPTCHA)."""
    returns_full_object: bool | None = None
    """Responses serialise the whole stored object instead of a response model of chosen fields."""
    field_allowlist: bool | None = None
    """Request bodies bind only an explicit allowlist of writable properties (no mass assignment)."""
    sensitive_business_flow: bool | None = None
    """A flow that hurts the business when automated at scale (purchase, booking, sign-up, posting)."""
    anti_automation: bool | None = None
    """Controls against automated abuse of the flow (per-user flow limits, bot detection, device checks)."""
    fetches_user_url: bool | None = None
    """The operation fetches a URL (or host) supplied by the client, server side."""
    url_allowlist: bool | None = None
    """Fetched URLs are checked against an allowlist of schemes, hosts and ports."""
    triggers_paid_operation: bool | None = None
    """Each call costs money at a provider (SMS, e-mail, voice, AI inference, identity checks)."""
    per_user_operation_limit: bool | None = None
    """A per-user (or per-account) cap on how often the paid operation may be triggered."""
    request_size_limit: bool | None = None
    """Request bodies (and uploads) above a set size are rejected before they are read into memory."""


# --------------------------------------------------------------------------------------
# datastore
# --------------------------------------------------------------------------------------


class Backups(_Fact):
    """Backups of a datastore."""

    enabled: bool | None = None
    automated: bool | None = None
    interval_minutes: Minutes | None = None
    restore_tested: bool | None = None
    encrypted: bool | None = None


class Datastore(_Fact):
    """A database, cache, object store, search index or event store."""

    name: Name
    kind: (
        Literal["relational", "document", "kv", "cache", "search", "object", "event_store", "warehouse", "graph"]
        | None
    ) = None
    engine: ShortText | None = None
    role: (
        Literal["system_of_record", "read_model", "materialized_view", "cache", "analytics", "event_store"]
        | None
    ) = None
    owner: Name | None = None
    """The owning service."""
    readers: list[Name] | None = None
    writers: list[Name] | None = None
    replicas: NonNegInt | None = None
    failover: Literal["none", "manual", "automatic"] | None = None
    multi_az: bool | None = None
    backups: Backups | None = None
    encryption_at_rest: bool | None = None
    classification: Classification | None = None
    public_access: bool | None = None
    migration_strategy: Literal["expand_contract", "in_place", "blue_green", "none"] | None = None
    availability: Ratio | None = None
    latency_p95_ms: Millis | None = None
    capacity_rps: Annotated[float, Field(ge=0)] | None = None
    stampede_protection: bool | None = None
    """For a cache: concurrent misses on one key are coalesced (single flight, early refresh, locks)."""
    staleness_slo_seconds: NonNegInt | None = None
    """For a read model: how stale it may be, as promised to its readers."""
    rebuildable: bool | None = None
    """For a read model: it can be rebuilt from the source of truth (replay or re-projection)."""
    event_versioning: bool | None = None
    """For an event store: event schemas carry versions and old versions are upcast when read."""
    snapshots: bool | None = None
    """For an event store: aggregates are snapshotted so long streams need not be replayed in full."""
    invalidation: Literal["none", "ttl", "event", "write_through"] | None = None
    """For a cache: how entries are refreshed when the origin changes."""
    ttl_seconds: NonNegInt | None = None
    """For a cache: how long an entry lives."""
    partition_key: Literal["high_cardinality", "low_cardinality", "monotonic"] | None = None
    """For a partitioned store: the shape of its partition/shard key."""
    durable_storage: bool | None = None
    """The data lives on a persistent volume; false: on the container's filesystem, tmpfs or ``emptyDir``,
    lost whenever the container or pod is replaced."""
    workloads: list[Literal["oltp", "analytics", "logs", "blobs", "queueing", "search"]] | None = None
    """The kinds of workload the store serves."""


# --------------------------------------------------------------------------------------
# channel
# --------------------------------------------------------------------------------------


class Consumer(_Fact):
    """A service consuming a channel."""

    service: Name
    idempotent: bool | None = None
    group: Name | None = None


class Channel(_Fact):
    """A queue, topic or stream on a broker."""

    name: Name
    kind: Literal["queue", "topic", "stream"] | None = None
    broker: Name | None = None
    delivery: Literal["at_most_once", "at_least_once", "exactly_once"] | None = None
    producers: list[Name] | None = None
    consumers: list[Consumer | Name] | None = None
    dead_letter: bool | None = None
    max_delivery_attempts: PosInt | None = None
    ordering: Literal["none", "per_key", "total"] | None = None
    durable: bool | None = None
    encrypted: bool | None = None
    schema_registry: bool | None = None
    carries_classification: Classification | None = None
    criticality: Criticality | None = None
    ordering_required: bool | None = None
    """Consumers need messages about one entity in the order they were produced."""
    consumer_parallelism: Literal["single", "competing", "partitioned"] | None = None
    payload_bytes: NonNegInt | None = None
    """Typical message size in bytes."""
    bounded: bool | None = None
    """The queue has a maximum length (producers see back-pressure or overflow beyond it)."""
    message_ttl_seconds: NonNegInt | None = None
    priority_classes: PosInt | None = None
    """How many priority levels of work share this channel."""
    priority_separation: bool | None = None
    """Higher-priority messages are served first (priority queue or separate consumers)."""
    broker_replicas: NonNegInt | None = None


# --------------------------------------------------------------------------------------
# external service
# --------------------------------------------------------------------------------------


class External(_Fact):
    """A third-party or other-organisation service outside this design's control."""

    name: Name
    description: Text | None = None
    sla: Ratio | None = None
    """Availability the provider commits to."""
    rate_limit_rps: Annotated[float, Field(ge=0)] | None = None
    latency_p95_ms: Millis | None = None
    sandbox: bool | None = None
    """A test environment is available for integration tests."""
    paid: bool | None = None
    anti_corruption_layer: bool | None = None
    """Callers reach it through one translating adapter rather than using the provider's model directly."""


# --------------------------------------------------------------------------------------
# security controls
# --------------------------------------------------------------------------------------


class SecurityControls(_Fact):
    """System-wide security controls from the Security & Auth agent."""

    identity_provider: ShortText | None = None
    identity_provider_kind: Literal["custom", "federated", "managed"] | None = None
    secrets_management: Literal["none", "env_files", "vault", "cloud_kms", "k8s_secrets"] | None = None
    service_to_service_auth: Literal["none", "api_key", "mtls", "jwt", "mesh"] | None = None
    compliance: list[Literal["pci-dss", "gdpr", "hipaa", "soc2", "iso27001"]] | None = None
    waf: bool | None = None
    audit_logging: bool | None = None
    admin_mfa: bool | None = None
    key_rotation_days: NonNegInt | None = None
    penetration_testing: bool | None = None


# --------------------------------------------------------------------------------------
# deployment
# --------------------------------------------------------------------------------------


class Deployment(_Fact):
    """How a service is released and rolled back."""

    service: Name
    strategy: Literal["recreate", "all_at_once", "rolling", "blue_green", "canary"] | None = None
    automated: bool | None = None
    rollback: Literal["none", "manual", "automated"] | None = None
    rollback_tested: bool | None = None
    recovery_requires_control_plane: bool | None = None
    """Recovering from an instance or zone loss needs control-plane work (provisioning capacity, API calls,
    DNS changes) instead of shifting traffic to capacity that is already running."""
    migration_compatibility: Literal["backward_compatible", "breaking", "none"] | None = None
    health_gated: bool | None = None
    feature_flags: bool | None = None
    immutable_artifacts: bool | None = None
    security_scans: bool | None = None
    """The pipeline gates releases on security scans (dependencies, image, static analysis)."""
    mixed_version_compatible: bool | None = None
    """Versions N and N-1 can run side by side: each reads the other's data, messages and API calls."""
    fault_isolated_rollout: bool | None = None
    """Releases go out one zone/cell/region at a time with bake time between waves."""
    build_once: bool | None = None
    """One artifact is built once and promoted through environments (config injected at release)."""
    dev_prod_parity: bool | None = None
    """Development and staging use the same kinds and versions of backing services as production."""
    admin_tasks: Literal["one_off_process", "adhoc_manual"] | None = None
    """How migrations and admin scripts run: as one-off processes of the release, or by hand on hosts."""


# --------------------------------------------------------------------------------------
# observability
# --------------------------------------------------------------------------------------


class Slo(_Fact):
    """A service-level objective."""

    name: Name
    target: Annotated[str, StringConstraints(pattern=r"^[ -~]{1,600}$")]
    """The endpoint (its name, by default ``METHOD path``) or service the objective covers."""
    availability: Ratio | None = None
    latency_p95_ms: Millis | None = None


class Observability(_Fact):
    """System-wide observability."""

    tracing: Literal["none", "partial", "end_to_end"] | None = None
    metrics: bool | None = None
    logs: Literal["none", "local", "centralized"] | None = None
    slos: list[Slo] | None = None
    alerts: list[Name] | None = None
    """Alert names: e.g. ``error-budget-burn``, ``dlq-depth``, ``consumer-lag``."""
    dashboards: bool | None = None


# --------------------------------------------------------------------------------------
# workflows and jobs
# --------------------------------------------------------------------------------------


class WorkflowStep(_Fact):
    """One step of a business transaction."""

    service: Name
    action: ShortText | None = None
    mutates_state: bool | None = None
    compensation: bool | None = None
    pivot: bool | None = None
    """The go/no-go step of a saga: once it commits, the saga only moves forward."""
    retriable: bool | None = None
    """The step can be retried until it succeeds (idempotent, and its failures are transient)."""


class Workflow(_Fact):
    """A business transaction that may span services."""

    name: Name
    steps: list[WorkflowStep]
    coordination: (
        Literal["none", "two_phase_commit", "saga_orchestrated", "saga_choreographed", "workflow_engine"]
        | None
    ) = None
    publish_mechanism: Literal["none", "direct", "outbox", "cdc", "event_sourcing"] | None = None
    user_facing: bool | None = None
    state_tracked: bool | None = None
    """Where each running instance of the transaction stands is recorded (saga log, workflow engine)."""
    isolation_countermeasures: bool | None = None
    """For a saga: countermeasures for its lack of isolation (semantic locks, commutative updates, version checks)."""


class Job(_Fact):
    """A scheduled, batch or singleton task."""

    name: Name
    service: Name
    schedule: ShortText | None = None
    runs_on: Literal["all_replicas", "single_leader", "external_scheduler"] | None = None
    idempotent: bool | None = None


# --------------------------------------------------------------------------------------
# The file an agent writes
# --------------------------------------------------------------------------------------


class Waiver(_Fact):
    """An accepted risk: findings of ``rule`` on ``subject`` do not fail the review gate until ``expires``.

    Not a fact: rules never see it. The gate (engine/gate/waivers.py) reads and checks it; this model
    documents it in ``archplan schema``.
    """

    rule: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """A rule id, or a pattern with ``*`` and ``?`` such as ``sec-*``; it must match a loaded rule."""
    subject: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    """A subject key such as ``service:checkout`` or ``interaction:a->b``, or a pattern such as ``service:*``."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    """Why the risk is accepted."""
    owner: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """Who answers for it."""
    expires: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    """Last day the waiver holds (YYYY-MM-DD); from the next day on it fails the gate."""
    ticket: ShortText | None = None
    """Where the follow-up is tracked."""


class DesignFile(_Fact):
    """One agent's output. A design is one or more of these, merged."""

    source: Agent
    """The agent that wrote this file."""
    version: Literal[1] = 1
    system: System | None = None
    services: list[Service] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    datastores: list[Datastore] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    externals: list[External] = Field(default_factory=list)
    security: SecurityControls | None = None
    deployments: list[Deployment] = Field(default_factory=list)
    observability: Observability | None = None
    workflows: list[Workflow] = Field(default_factory=list)
    jobs: list[Job] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    """Accepted risks (read by the review gate, not by rules)."""

    @model_validator(mode="before")
    @classmethod
    def _mapping_required(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a design file must be a mapping with a 'source:' key")
        return data


# Section of a design file -> (fact kind, model). Singletons have no list.
SECTIONS: dict[str, tuple[str, type[_Fact], bool]] = {
    "system": ("system", System, False),
    "services": ("service", Service, True),
    "interactions": ("interaction", Interaction, True),
    "endpoints": ("endpoint", Endpoint, True),
    "datastores": ("datastore", Datastore, True),
    "channels": ("channel", Channel, True),
    "externals": ("external", External, True),
    "security": ("security", SecurityControls, False),
    "deployments": ("deployment", Deployment, True),
    "observability": ("observability", Observability, False),
    "workflows": ("workflow", Workflow, True),
    "jobs": ("job", Job, True),
}

SINGLETON_KINDS = frozenset(kind for kind, _model, is_list in SECTIONS.values() if not is_list)
"""Kinds a design states once (agents' sections merge into one fact): at most one fact each."""


def singleton_key(kind: str) -> str:
    """The key of the one fact of a singleton kind."""
    return f"{kind}:{kind}"


NAME_KEYED_KINDS = frozenset(kind for kind, model, is_list in SECTIONS.values()
                             if is_list and "name" in model.model_fields)
"""Kinds whose facts are keyed ``kind:name`` (the loader's identity): a name names at most one fact."""


# --------------------------------------------------------------------------------------
# Field schema of every fact kind the rules can match
# --------------------------------------------------------------------------------------

FieldType = Literal["str", "int", "float", "bool", "list"]


class FieldSpec(BaseModel):
    """What a rule may assume about one field of a fact kind."""

    model_config = ConfigDict(frozen=True)

    type: FieldType
    values: tuple[str, ...] | None = None
    """Closed set of allowed values, for string fields."""
    item_values: tuple[str, ...] | None = None
    """Closed set of allowed items, for list fields."""


def _spec_for(annotation: Any) -> FieldSpec | None:
    """Map a pydantic annotation onto a rule-visible field spec, or None if not matchable."""
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        return _spec_for(args[0])
    if origin is Literal:
        values = tuple(str(a) for a in get_args(annotation))
        if all(isinstance(a, int) and not isinstance(a, bool) for a in get_args(annotation)):
            return FieldSpec(type="int")
        return FieldSpec(type="str", values=values)
    if origin is not None and args and origin is not list:
        # Union (X | None): use the single non-None member when there is one.
        specs = [_spec_for(a) for a in args]
        usable = [s for s in specs if s is not None]
        if len(usable) == 1:
            return usable[0]
        if usable and all(s.type == "str" for s in usable):
            return FieldSpec(type="str")
        return None
    if origin is list:
        inner = _spec_for(args[0]) if args else None
        if inner is None or inner.type != "str":
            return None
        return FieldSpec(type="list", item_values=inner.values)
    if annotation is bool:
        return FieldSpec(type="bool")
    if annotation is int:
        return FieldSpec(type="int")
    if annotation is float:
        return FieldSpec(type="float")
    if annotation is str:
        return FieldSpec(type="str")
    return None


def _model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        field_name = info.alias or name
        annotation = info.annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        nested = next((a for a in args if isinstance(a, type) and issubclass(a, _Fact)), None)
        if isinstance(annotation, type) and issubclass(annotation, _Fact):
            nested = annotation
        if nested is not None and get_origin(annotation) is not list:
            out.update(_model_fields(nested, f"{prefix}{field_name}."))
            continue
        spec = _spec_for(annotation)
        if spec is not None:
            out[f"{prefix}{field_name}"] = spec
    return out


_REF = FieldSpec(type="str")
_BOOL = FieldSpec(type="bool")
_INT = FieldSpec(type="int")
_FLOAT = FieldSpec(type="float")

# Fields the engine computes during enrichment, per kind. Rules may match them; input may not set them.
COMPUTED_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "service": {
        "sync_out": _INT,
        "fan_out": _INT,
        "inbound": _INT,
        "public_entry": _BOOL,
        "in_cycle": _BOOL,
        "on_public_path": _BOOL,
        "handles_classified_data": _BOOL,
        # Most services in one public synchronous call tree this service is part of (where tracing pays off).
        "trace_path_services": _INT,
        "client_type_count": _INT,  # distinct client_types (web, mobile, partner...) one backend serves
        # The design's own ``kind`` (api, worker, gateway...): the engine's ``kind`` field names the fact kind,
        # so rules match the component's kind under this name.
        "type": FieldSpec(type="str", values=get_args(get_args(Service.model_fields["kind"].annotation)[0])),
    },
    "interaction": {
        "target_kind": FieldSpec(type="str", values=("service", "external", "datastore", "channel")),
        "cross_team": _BOOL,
        "target_criticality": FieldSpec(type="str", values=get_args(Criticality)),
        "caller_criticality": FieldSpec(type="str", values=get_args(Criticality)),  # the calling service's
        "on_public_path": _BOOL,
        "from_kind": _REF,
        # The call blocks its caller: declared sync, or unstated over a request/response protocol.
        "blocking": _BOOL,
        # Longest public synchronous chain through this call, in components (as path.depth counts them).
        "chain_depth": _INT,
        # Smallest timeout of the synchronous calls into this call's caller, and this call's worst case
        # (timeout x attempts), with their comparison: a retry window that outlives the caller's wait.
        "caller_timeout_ms": _INT,
        "retry_window_ms": _INT,
        "outlives_caller_timeout": _BOOL,
        # The target stores, carries or serves classified data (confidential, restricted, pii, pci, phi).
        "target_classified": _BOOL,
    },
    "endpoint": {"service_exposure": FieldSpec(type="str", values=get_args(Exposure)),
                 # An SLO in observability.slos targets this endpoint or its service (unknown without slos).
                 "slo_defined": _BOOL},
    "system": {"service_count": _INT, "load_tested_headroom": _FLOAT},
    "datastore": {"writer_count": _INT, "reader_count": _INT, "service_count": _INT, "on_public_path": _BOOL,
                  # backups.interval_minutes > system.rpo_minutes (only when both are known); len(workloads)
                  "backup_exceeds_rpo": _BOOL, "workload_count": _INT,
                  "type": FieldSpec(type="str",
                                    values=get_args(get_args(Datastore.model_fields["kind"].annotation)[0]))},
    "channel": {"consumer_count": _INT, "producer_count": _INT,
                "type": FieldSpec(type="str", values=get_args(get_args(Channel.model_fields["kind"].annotation)[0]))},
    "workflow": {"service_count": _INT, "mutating_services": _INT},
    # How many SLOs observability.slos lists (the list holds objects, which rules cannot match directly).
    "observability": {"slo_count": _INT},
    # How many regimes security.compliance lists (an empty list states that there is no compliance scope).
    "security": {"compliance_count": _INT},
}

# Kinds the engine derives from the design before rules fire.
GRAPH_KINDS: dict[str, dict[str, FieldSpec]] = {
    "path": {
        "entry": _REF,
        "entry_service": _REF,
        "depth": _INT,
        "size": _INT,
        "latency_p95_ms": _INT,
        "latency_target_ms": _INT,
        "latency_over_target": _BOOL,
        "availability": _FLOAT,
        "availability_target": _FLOAT,
        "availability_below_target": _BOOL,
        "retry_amplification": _INT,
        "retry_layers": _INT,
        "fan_out": _INT,
        "unknown_latency": FieldSpec(type="list"),
        "unknown_latency_count": _INT,
        "unknown_availability": FieldSpec(type="list"),
        "unknown_availability_count": _INT,
        # Among the routes into one entry service (its public endpoints; a gateway's differ when they name
        # routes_to), the one with the least availability, the most components in a row, the most retries
        # (ties: the first entry by name); every route with a component of unknown availability also counts
        # as least available (it may be). Rules about an entry service test its worst route, so that a
        # gateway's finding shows a real request, not a mix of all its routes.
        "least_available_route": _BOOL,
        "deepest_route": _BOOL,
        "most_amplified_route": _BOOL,
    },
    "cycle": {"services": FieldSpec(type="list"), "length": _INT},
    "access": {"datastore": _REF, "service": _REF, "mode": FieldSpec(type="str", values=("read", "write"))},
    "consumer": {"channel": _REF, "service": _REF, "idempotent": _BOOL, "group": _REF},
    "producer": {"channel": _REF, "service": _REF},
    # pivot as declared; before_pivot: the step commits before the saga's pivot (the first step marked pivot,
    # else the last state-changing step), so a later failure must undo it.
    "step": {"workflow": _REF, "service": _REF, "index": _INT, "mutates_state": _BOOL, "compensation": _BOOL,
             "pivot": _BOOL, "retriable": _BOOL, "before_pivot": _BOOL, "after_pivot": _BOOL},
}

# Kinds derived by rules: risk facts are asserted back so that rules can chain on them.
RISK_FIELDS: dict[str, FieldSpec] = {
    "rule": _REF,
    "subject": _REF,
    "subject_kind": _REF,
    "severity": FieldSpec(type="str", values=tuple(s.value for s in Severity)),
    "category": FieldSpec(type="str", values=tuple(c.value for c in Category)),
}

BASE_KINDS: tuple[str, ...] = tuple(kind for kind, _m, _l in SECTIONS.values())


def kind_fields() -> dict[str, dict[str, FieldSpec]]:
    """Every fact kind a rule may match, with its fields (``key`` and ``kind`` included)."""
    out: dict[str, dict[str, FieldSpec]] = {}
    for _section, (kind, model, _is_list) in SECTIONS.items():
        fields = {"key": _REF}
        fields.update(_model_fields(model))
        # The engine's ``kind`` is the fact kind (service, datastore ...); a component's own kind
        # (gateway, cache, topic ...) is matched as ``type``. Dropping it here makes a rule testing
        # ``kind`` a load error instead of a rule that silently never fires.
        fields.pop("kind", None)
        fields.update(COMPUTED_FIELDS.get(kind, {}))
        out[kind] = fields
    for kind, fields in GRAPH_KINDS.items():
        out[kind] = {"key": _REF, **fields}
    out["risk"] = {"key": _REF, **RISK_FIELDS}
    return out
