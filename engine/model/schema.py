"""The fact model: what the four design agents may say about a backend system, as pydantic models.

Pure data. The closed sets, the sections and kinds and ``FieldSpec`` live in ``engine.model.base``, which a check
reads without these models: they are imported when a design file is refused (their errors are the user's), when
the plain validators' kept schemas are missing (engine.rulecache) and for the JSON Schema, the docs and the rules'
field checks. Every model is strict and forbids unknown keys. A field left out (``None``)
means *unknown*: rules see it as missing and may report an information gap, never a pass.

Closed sets are ``Literal`` types so that strict validation accepts the plain strings that
YAML and JSON carry, and the JSON Schema lists the allowed values.
"""

# No ``from __future__ import annotations`` here (unlike the rest of archplan): the field annotations are then
# objects when each class is made, where pydantic would compile and evaluate every one of them as a string (a
# sixth of this module's import, 6 ms a process). A model names only the models defined above it.

from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from engine.model.base import BASE_KINDS, SECTION_MODELS, Agent, Category, FieldSpec, Severity

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
Seconds = Annotated[float, Field(ge=0, le=604_800)]
Hours = Annotated[float, Field(gt=0, le=10_000_000)]

Exposure = Literal["public", "partner", "host", "internal"]
Environment = Literal["production", "staging", "development", "test"]
Criticality = Literal["critical", "important", "best_effort"]
Classification = Literal["public", "internal", "confidential", "restricted", "pii", "pci", "phi"]

# Field descriptions are the attribute docstrings below: ``archplan schema`` exports them, editors show
# them on hover, and ``archplan rules docs`` quotes them. A closed set lists each value's meaning as a
# ``- value: meaning`` line (tests/test_schema_docs.py holds every field to this). The three sets
# shared by several kinds keep their meanings here, once, and those fields use ``Field(description=)``.
_EXPOSURE_MEANINGS = """

- public: reachable from the internet by anyone
- partner: reachable from outside by known partner organisations only (allowlisted, private link)
- host: published on a port of the host it runs on (a compose port, a Kubernetes NodePort), not stated to
  be reachable from the internet: anyone on the host's network reaches it
- internal: reachable only from inside the system's own network"""
_CRITICALITY_MEANINGS = """

- critical: its failure stops a core business flow (checkout, payments, login)
- important: its failure degrades the business noticeably, but core flows go on
- best_effort: its failure is tolerable for a while (recommendations, analytics, notifications)"""
_CLASSIFICATION_MEANINGS = """

- public: may be published
- internal: for the organisation's own staff and systems
- confidential: business-sensitive (contracts, prices, internal finances)
- restricted: the most sensitive business data (secrets, keys, legal holds)
- pii: personal data of identifiable people (names, e-mails, addresses)
- pci: payment card data (card numbers, CVV), in PCI DSS scope
- phi: protected health information, in HIPAA scope

confidential, restricted, pii, pci and phi count as classified data."""


class _Fact(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        allow_inf_nan=False,
        populate_by_name=True,
        # Attribute docstrings are the field descriptions (``archplan schema``, questions); pydantic's own
        # extraction (``use_attribute_docstrings``) read the source of every class at import, a third of the
        # import. ``attach_docstrings`` reads them when a description is first asked for. Validators are built
        # on first use: a check validates only the sections its design holds.
        defer_build=True,
    )


# --------------------------------------------------------------------------------------
# system
# --------------------------------------------------------------------------------------


class System(_Fact):
    """The system as a whole: its targets and context."""

    name: Name | None = None
    """The system's name, as reports and the plan title show it."""
    description: Text | None = None
    """What the system does, in a sentence or two (shown in the plan; rules do not read it)."""
    availability_target: Ratio | None = None
    """Availability objective for public entry points, a fraction 0..1 (e.g. 0.999); an SLO in
    ``observability.slos`` that targets an endpoint overrides it for that endpoint."""
    latency_p95_ms: Millis | None = None
    """Default p95 latency objective for public entry points, in milliseconds."""
    rto_minutes: Minutes | None = None
    """Recovery time objective: how long the system may be down after a disaster, in minutes."""
    rpo_minutes: Minutes | None = None
    """Recovery point objective: how much recent data may be lost in a disaster, in minutes of writes;
    compared with each datastore's ``backups.interval_minutes``."""
    environment: Environment | None = None
    """The environment this design describes; unknown is reviewed as production. Development and test
    environments lower the severity of every risk by one level (a context rule), staging does not.

    - production: serves real users and real data
    - staging: a production-like environment for the last checks before a release
    - development: engineers' own environment (a development compose file)
    - test: an environment for automated or manual tests"""
    regions: list[Name] | None = None
    """The cloud regions (or data centres) the system runs in."""
    tenancy: Literal["single", "multi"] | None = None
    """Whether one deployment serves one customer or many.

    - single: one deployment per customer (tenant)
    - multi: tenants share the same deployment and its capacity"""
    per_tenant_limits: bool | None = None
    """For a multi-tenant system: each tenant's use is capped (rate limits, quotas), so that one noisy
    tenant cannot starve the others."""
    traffic_profile: Literal["steady", "diurnal", "spiky"] | None = None
    """The shape of the load over time.

    - steady: roughly constant
    - diurnal: rises and falls with the time of day, predictably
    - spiky: sudden bursts (sales, launches, batch clients) well above the usual level"""
    expected_peak_rps: Annotated[float, Field(ge=0)] | None = None
    """The peak load the system must carry, in requests per second at its public entry points."""
    load_tested_peak_rps: Annotated[float, Field(ge=0)] | None = None
    """The highest load a load test has shown the system to sustain, in requests per second; compared
    with ``expected_peak_rps`` (archplan computes the headroom)."""
    chaos_testing: Literal["none", "gameday", "continuous"] | None = None
    """How failures are injected to prove the system's resilience.

    - none: never
    - gameday: in planned exercises
    - continuous: automatically and routinely (e.g. in production or a production-like environment)"""
    error_budget_policy: bool | None = None
    """An agreed policy says what happens when an SLO's error budget is spent (e.g. releases freeze
    in favour of reliability work)."""
    api_inventory: bool | None = None
    """An up-to-date inventory lists every exposed API, its versions, environments and owners."""
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
    """How a legacy system this design replaces is retired.

    - none: no legacy system is being replaced
    - big_bang: switched over all at once, on one cut-over date
    - strangler: incrementally, feature by feature, behind a routing facade"""


# --------------------------------------------------------------------------------------
# service
# --------------------------------------------------------------------------------------


class Health(_Fact):
    """Health checks of a service."""

    liveness: bool | None = None
    """A liveness probe lets the platform restart an instance that hangs."""
    readiness: bool | None = None
    """A readiness probe keeps traffic away from an instance until it can serve (and while it cannot)."""
    liveness_checks_dependencies: bool | None = None
    """The liveness probe calls downstream dependencies (a cascading-restart hazard)."""


class Autoscaling(_Fact):
    """How a service scales out."""

    enabled: bool | None = None
    """The number of instances follows the load automatically; false: a fixed number of replicas."""
    metric: Literal["cpu", "memory", "rps", "concurrency", "queue_depth", "custom"] | None = None
    """The signal that drives scaling.

    - cpu: CPU utilisation
    - memory: memory utilisation
    - rps: requests per second per instance
    - concurrency: requests in flight per instance
    - queue_depth: messages waiting in the queue the service consumes
    - custom: another application metric"""
    min_replicas: NonNegInt | None = None
    """Fewest instances the autoscaler keeps running."""
    max_replicas: NonNegInt | None = None
    """Most instances the autoscaler may start."""


class Service(_Fact):
    """A deployable component: API, worker, gateway, BFF, batch job runner, legacy system."""

    name: Name = Field(examples=["checkout", "payments-api"])
    """The service's unique name: interactions, endpoints, datastores and channels refer to it by this
    name, and findings name it as ``service:<name>``."""
    kind: (
        Literal["api", "worker", "gateway", "bff", "frontend", "batch", "function", "legacy", "mesh", "registry"]
        | None
    ) = None
    """What sort of component it is (rules match it as the computed field ``type``).

    - api: serves requests from clients or other services
    - worker: processes messages or background work, serves no requests
    - gateway: an API gateway or edge proxy routing requests to other services
    - bff: a backend for one kind of front end (backend for frontend)
    - frontend: serves a web front end (server-side rendering, static assets)
    - batch: runs batch or scheduled jobs
    - function: a serverless function
    - legacy: an existing system this design integrates with or replaces
    - mesh: a service-mesh control plane or proxy layer
    - registry: a service registry, discovery or configuration server (Consul, Eureka, etcd, a config
      server): what it answers decides where the other services send their calls"""
    owner: Name | None = None
    """Owning team."""
    description: Text | None = None
    """What the service does, in a sentence or two (shown in the plan; rules do not read it)."""
    exposure: Exposure | None = Field(
        default=None,
        description="Who can reach the service's API; its endpoints without an ``exposure`` of their own take "
                    "this one." + _EXPOSURE_MEANINGS)
    criticality: Criticality | None = Field(
        default=None,
        description="How much the business depends on the service; it raises or lowers the severity of "
                    "findings about it and decides which calls to it need a fallback." + _CRITICALITY_MEANINGS)
    operator_tool: bool | None = None
    """The service is a tool for the people who run or build the system, serving none of its users' requests: a
    console (a database, broker or trace UI, Spring Boot Admin, a health dashboard), a mail catcher standing in for
    the mail relay in development, an API documentation page. The rules on the capacity and availability users get
    (one instance, no rate limit, no readiness probe) leave it out; its exposure is still reviewed (its console is an
    ``admin`` endpoint). The importers state it from the image, the workload's name or its code. Absent: not one."""
    availability: Ratio | None = None
    """The service's own availability (SLO or measured), without its dependencies."""
    latency_p95_ms: Millis | None = None
    """The service's own processing time at p95, without downstream calls."""
    latency_p99_ms: Millis | None = None
    """The service's own processing time at p99, without downstream calls, in milliseconds; the plan uses it
    with the p95 for the tail of parallel calls and for the entry point's p99 (docs/plan.md). Absent:
    unknown, and the plan assumes an exponential tail (p99 = 1.54 × p95)."""
    capacity_rps: Annotated[float, Field(ge=0)] | None = None
    """Throughput one deployment of the service sustains."""
    replicas: NonNegInt | None = None
    """How many instances run."""
    zones: NonNegInt | None = None
    """Across how many availability zones (or failure domains) its instances are spread."""
    failover_seconds: Seconds | None = None
    """With ``zones`` >= 2: how long requests still go to a failed zone before the load balancer's health
    checks take it out, in seconds (0: at once). Absent: unknown, and the plan takes failover as instant,
    saying so in the entry point's availability assumptions."""
    mtbf_hours: Hours | None = None
    """Mean time between failures of one copy (one zone's instances), in hours: how often a failover
    happens. The plan needs it to turn ``failover_seconds`` into lost time; absent: unknown, and failover is
    taken as instant (the assumptions say so)."""
    stateful: bool | None = None
    """Instances keep data on their own storage (a persistent volume); set by the compose and Kubernetes
    importers. ``state`` says where request state lives."""
    state: Literal["stateless", "instance_local", "instance_cache", "external"] | None = None
    """Where session or request state lives.

    - stateless: nowhere: any instance can serve any request
    - instance_local: in the memory or disk of one instance (sticky sessions, issued tokens, de-duplication
      records: state that exists nowhere else)
    - instance_cache: each instance keeps its own copy of data whose source is elsewhere (loaded or polled
      from a database or an API): a restart costs a warm-up, not data
    - external: in a shared store (database, distributed cache), so instances stay interchangeable"""
    health: Health | None = None
    """Liveness and readiness probes."""
    autoscaling: Autoscaling | None = None
    """How the service scales out."""
    behind_gateway: bool | None = None
    """Outside callers reach it through an API gateway (authentication, rate limits, routing at the edge)."""
    load_shedding: bool | None = None
    """Under overload it rejects excess requests early (e.g. with 503) instead of slowing down for all."""
    concurrency_limit: PosInt | None = None
    """Most requests one instance handles at once; absent: unknown (or none is set)."""
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
    """On a stop signal it stops taking new work and finishes (or hands back) the work in flight."""
    startup_seconds: NonNegInt | None = None
    """How long a new instance takes to start serving, in seconds."""
    secrets_source: Literal["code", "image", "repo_config", "env_injected", "secret_store"] | None = None
    """Where the service's credentials and keys come from.

    - code: written in the source code
    - image: baked into the container image or artifact
    - repo_config: in configuration files committed to the repository
    - env_injected: injected into the environment at deploy time
    - secret_store: fetched from a secrets manager (Vault, a cloud KMS/secret store)"""
    config_source: Literal["baked", "env", "file", "external_store"] | None = None
    """Where per-environment configuration comes from.

    - baked: built into the artifact, one build per environment
    - env: environment variables set at deploy time
    - file: a configuration file mounted at deploy time
    - external_store: a configuration service read at start or run time"""
    identity: Literal["none", "static_key", "workload_identity"] | None = None
    """How the service proves who it is to other services and cloud APIs.

    - none: it has no identity of its own
    - static_key: a long-lived key or password
    - workload_identity: short-lived credentials issued by the platform (IAM role, SPIFFE, managed identity)"""
    permissions: Literal["least", "broad", "admin"] | None = None
    """What its identity is allowed to do.

    - least: only what the service needs
    - broad: much more than it needs (wildcards, shared roles)
    - admin: administrator rights"""
    logging: Literal["none", "local_file", "stdout", "aggregator"] | None = None
    """Where its logs go.

    - none: it does not log
    - local_file: files on the instance's disk
    - stdout: the standard output stream, collected by the platform
    - aggregator: shipped to a central log store (ELK, Loki, a cloud logging service)"""
    structured_logs: bool | None = None
    """Log lines are structured (e.g. JSON with fields and correlation ids), not free text."""
    metrics: bool | None = None
    """Golden-signal metrics (latency, traffic, errors, saturation) are exported."""
    tracing: bool | None = None
    """It takes part in distributed tracing: it propagates trace context and reports spans."""
    runbook: bool | None = None
    """A runbook tells on-call engineers how to diagnose and mitigate its failures."""
    tags: list[Name] | None = None
    """Free labels; the importers tag a message broker they find as ``broker``."""
    business_logic: bool | None = None
    """For a gateway: it runs business rules or orchestration, not only routing and edge concerns."""
    client_types: list[Literal["web", "mobile", "partner", "internal", "iot"]] | None = None
    """The kinds of client this backend serves directly.

    - web: browser front ends
    - mobile: mobile apps
    - partner: other organisations' systems
    - internal: the organisation's own tools and services
    - iot: devices"""
    api_contract: Literal["openapi", "proto", "graphql_schema", "asyncapi", "none"] | None = None
    """Machine-readable contract of the API the service exposes.

    - openapi: an OpenAPI (or Swagger) document
    - proto: Protocol Buffers / gRPC service definitions
    - graphql_schema: a GraphQL schema
    - asyncapi: an AsyncAPI document for its messages
    - none: no machine-readable contract"""
    contract_tests: bool | None = None
    """Consumer-driven (or provider) contract tests guard this service's API in CI."""
    dependencies_pinned: bool | None = None
    """Dependencies are declared in a manifest with a lockfile (exact versions), nothing implicit."""
    image: ShortText | None = None
    """The container image the service runs (set by the compose and Kubernetes importers)."""
    application: Name | None = None
    """The application the service is one process of: services naming the same one run one code base (a web
    process and its worker or scheduler, from one image or one build), so they count as one owner of the
    datastores they write and one client of the accounts they share (set by the importers)."""
    resource_limits: bool | None = None
    """CPU or memory limits are set on every container of the service; false: one runs unbounded."""
    runs_caller_queries: bool | None = None
    """The service runs queries its users write (a worker executing the queries users submit against their data
    sources, a report runner), not only the application's own statements: each one's cost is the user's choice."""
    caller_query_timeout_ms: Millis | None = Field(default=None, examples=[30000, 0])
    """The time limit on each query its users write (``runs_caller_queries``): a job timeout, a
    ``statement_timeout``, in milliseconds; 0: none, a query runs until it ends."""
    disruption_budget: bool | None = None
    """A disruption budget (Kubernetes PodDisruptionBudget) bounds voluntary evictions of its instances."""
    network_policy: bool | None = None
    """A network policy restricts which workloads may reach this service."""
    password_hashing: (
        Literal["argon2", "bcrypt", "scrypt", "pbkdf2", "sha512", "sha256", "sha1", "md5", "plaintext"] | None
    ) = None
    """How the service stores the user passwords it checks (state it on the service that keeps them).

    - argon2: Argon2 (a slow, memory-hard function made for passwords)
    - bcrypt: bcrypt (slow, salted)
    - scrypt: scrypt (slow, memory-hard)
    - pbkdf2: PBKDF2 with many iterations (slow, salted)
    - sha512: one round of SHA-512, salted or not (fast: a leaked table is brute-forced offline)
    - sha256: one round of SHA-256, salted or not (fast)
    - sha1: SHA-1, salted or not (fast)
    - md5: MD5, salted or not (fast)
    - plaintext: the password itself (or a reversible encoding of it)"""
    api_token_storage: Literal["hashed", "encrypted", "plaintext"] | None = None
    """How the service stores the API keys or access tokens it issues to its users and checks on their requests
    (state it on the service that keeps them).

    - hashed: a digest of each token (SHA-256 of a long random token, or a slow hash), looked up by its digest
    - encrypted: encrypted with a key the service holds apart from the table
    - plaintext: each token as it is handed out, looked up by equality: a read of the table yields working
      credentials"""
    default_admin_password: bool | None = None
    """The installation creates an administrator account with a password fixed in what it ships: the service's code,
    migrations or image, or a configuration file or environment the deployment hands it (``admin_password: "..."``
    in a mounted config file, ``ADMIN_PASSWORD: ${ADMIN_PASSWORD:-changeme}``), the same on every install (a seeded
    ``admin`` account whose hash the repository holds), which works until someone changes it. False: the first
    administrator's password is chosen or generated at setup."""
    logs_sensitive_data: bool | None = None
    """The service writes secrets or personal data (passwords, tokens, card numbers) to its logs."""
    debug_mode: bool | None = None
    """The process runs with its web framework's debug (development) mode on, as deployed: an error answers with
    the stack trace, the request and the settings (Django's ``DEBUG = True``, ASP.NET Core's Development
    environment with its developer exception page). False: the deployment turns it off. Absent: not known (the
    frameworks' own default is off)."""
    inbound_auth: Literal["none", "token", "mtls", "acl"] | None = None
    """Whether the service's own API (not its endpoints' business auth) requires its callers to
    authenticate; for infrastructure such as a service registry, a configuration server or a broker's
    admin API.

    - none: anyone who reaches it may use every operation
    - token: a token or password
    - mtls: a client certificate
    - acl: access control lists with per-caller tokens (Consul ACLs, etcd RBAC)"""
    client_ip_from_header: Literal["any", "private", "listed", "none"] | None = None
    """From which peers the service (typically a gateway or reverse proxy) takes the client's address from a
    forwarding header the request carries (X-Forwarded-For, X-Real-IP, Forwarded, the PROXY protocol) instead
    of the connection's own address; it then logs, limits and passes on that address as the client's.

    - any: from every peer (a trusted range of 0.0.0.0/0 or ::/0, Traefik's insecure forwarded headers): any
      caller chooses the address it is known by
    - private: only from private-network peers (RFC 1918, loopback, unique-local)
    - listed: only from the listed proxy addresses or ranges, none spanning every address
    - none: never; the client's address is the connection's peer"""


# --------------------------------------------------------------------------------------
# interaction
# --------------------------------------------------------------------------------------


class Retry(_Fact):
    """Retry policy of a call."""

    attempts: PosInt | None = None
    """Total attempts including the first; 1 means no retry."""
    backoff: Literal["none", "fixed", "linear", "exponential"] | None = None
    """How the wait between attempts grows.

    - none: retries at once
    - fixed: the same delay every time
    - linear: a delay growing by the same step each time
    - exponential: a delay multiplied each time (e.g. doubling)"""
    jitter: bool | None = None
    """Delays are randomised, so that clients that failed together do not retry together."""
    retry_on: Literal["transient", "all"] | None = None
    """Which failures are retried.

    - transient: only those that may succeed on a second try (timeouts, connection errors, 429, 503)
    - all: every error, including permanent ones such as 400 or 404"""
    budget: bool | None = None
    """A per-client retry budget caps retries as a share of requests."""
    methods: list[Literal["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH", "RPC"]] | None = None
    """The request methods the policy retries (absent: every method the call carries). nginx's
    ``proxy_next_upstream`` leaves POST and PATCH out unless told ``non_idempotent``; a list without
    POST and PATCH never replays a non-idempotent request.

    - GET: HTTP GET
    - HEAD: HTTP HEAD
    - OPTIONS: HTTP OPTIONS
    - PUT: HTTP PUT (idempotent by definition)
    - DELETE: HTTP DELETE (idempotent by definition)
    - POST: HTTP POST (not idempotent unless the API makes it so)
    - PATCH: HTTP PATCH (not idempotent unless the API makes it so)
    - RPC: remote procedure calls (gRPC, Thrift)"""


class Interaction(_Fact):
    """A directed edge: a service calls, queries or publishes to a target."""

    name: Name | None = Field(default=None, examples=["checkout-to-stripe-refunds"])
    """Optional; defaults to ``from->to``. Needed only to tell apart two edges between the same pair."""
    from_: Name = Field(alias="from", examples=["checkout"])
    """The calling (or publishing) service, by name."""
    to: Name = Field(examples=["payments", "orders-db", "order-events", "stripe"])
    """A service, external, datastore or channel."""
    style: Literal["sync", "async", "batch", "stream"] | None = None
    """How the caller waits. Absent: a call over http, grpc, graphql, sql or redis to anything but a
    channel counts as blocking.

    - sync: the caller waits for the answer (request/response)
    - async: the caller hands the message over and goes on (queue, topic, fire-and-forget)
    - batch: data moves in periodic bulk transfers
    - stream: a continuous flow of records (log or event stream)"""
    during: Literal["request", "startup", "background"] | None = None
    """When the caller makes the call. Absent: read as ``request``. A call made only at start-up or in
    the background blocks no request, so it is not on any request path and the rules on blocking calls
    (timeouts, circuit breakers, chain depth, fan-out) leave it out.
    - request: while serving a request (or a message) of the caller
    - startup: once, as the caller starts (fetching its configuration from a config server)
    - background: from a task of its own, on a schedule or a watch (registering with a service registry,
      heartbeats, refreshing cached addresses)"""
    protocol: (
        Literal["http", "grpc", "graphql", "websocket", "sql", "amqp", "kafka", "redis", "mqtt", "other"]
        | None
    ) = None
    """The wire protocol.

    - http: HTTP (REST and similar)
    - grpc: gRPC
    - graphql: GraphQL over HTTP
    - websocket: a WebSocket connection
    - sql: a database connection speaking SQL
    - amqp: AMQP (RabbitMQ and similar brokers)
    - kafka: the Kafka protocol
    - redis: the Redis protocol
    - mqtt: MQTT
    - other: anything else"""
    purpose: Literal["query", "command", "notify"] | None = None
    """What the call is for.

    - query: reads data and changes nothing
    - command: asks the target to change state (a call to a datastore then counts as a write)
    - notify: tells the target something happened; the caller needs no answer"""
    timeout_ms: Millis | None = Field(default=None, examples=[2000, 0])
    """Client timeout in milliseconds; 0 states explicitly that there is none; absent: unknown."""
    connect_timeout_ms: Millis | None = Field(default=None, examples=[500, 0])
    """How long the client waits to open a connection, in milliseconds, apart from ``timeout_ms`` (the
    wait for the answer); 0 states there is none (the operating system's, often minutes)."""
    deadline_propagation: bool | None = None
    """The caller passes its remaining deadline on (gRPC deadline, a header), so the target stops work the
    caller has already given up on."""
    retry: Retry | None = None
    """The retry policy of the call; absent: unknown (path figures then count one attempt)."""
    circuit_breaker: bool | None = None
    """Calls go through a circuit breaker that fails fast once the target keeps failing."""
    bulkhead: bool | None = None
    """The call has its own bounded pool (connections, threads), so a slow target cannot exhaust the
    caller's shared resources."""
    fallback: Literal["none", "cache", "static", "degraded", "queue"] | None = None
    """What the caller does when the call fails.

    - none: the failure reaches the caller's own caller
    - cache: serves the last known (cached) answer
    - static: serves a static default
    - degraded: carries on without the feature
    - queue: keeps the request and completes it later"""
    mutating: bool | None = None
    """The call changes state at the target."""
    idempotent: bool | None = None
    """Repeating the call has no further effect, so a retry cannot apply it twice."""
    idempotency_key: bool | None = None
    """The caller sends an idempotency key, so the target applies a retried request only once."""
    tls: bool | None = None
    """The call is encrypted in transit (TLS)."""
    tls_verify: bool | None = None
    """The caller verifies the target's TLS certificate (its chain and its name); false: its client accepts any
    certificate (``InsecureSkipVerify``, ``TrustServerCertificate=true``, ``tlsAllowInvalidCertificates``, a binding's
    ``skipTLSVerify``), so whoever answers on the target's name receives what the call sends."""
    mtls: bool | None = None
    """Both sides authenticate with certificates (mutual TLS)."""
    auth: Literal["none", "api_key", "mtls", "client_credentials", "user_token", "service_token"] | None = None
    """How the caller authenticates to the target.

    - none: it does not
    - api_key: a static API key
    - mtls: a client certificate (mutual TLS)
    - client_credentials: an OAuth 2.0 client-credentials token
    - user_token: the end user's token, passed on
    - service_token: a token issued to the calling service (e.g. a signed service JWT)"""
    latency_p95_ms: Millis | None = None
    """The call's p95 latency as the caller sees it, in milliseconds, including the target's own calls;
    given, it replaces the latency archplan composes from the target in path figures."""
    latency_p99_ms: Millis | None = None
    """The call's p99 latency as the caller sees it, in milliseconds, beside its ``latency_p95_ms`` (used
    only with it); the plan uses it for the tail of parallel calls and for the entry point's p99 (docs/plan.md).
    Absent: unknown, and the plan assumes an exponential tail (p99 = 1.54 × p95)."""
    calls_per_request: PosInt | None = None
    """How many times the caller makes this call while serving one request (absent: once); it multiplies
    the call's latency in path figures."""
    pool_size: PosInt | None = None
    """Connections (or concurrent requests) each instance of the caller keeps for this call, its client pool.
    By Little's law the call then carries at most ``pool_size × instances / latency`` requests per second;
    the plan's capacity table lists it as a limit. Absent: unknown, and no pool limits the call."""
    parallel: bool | None = None
    """The caller makes this call at the same time as its other calls marked ``parallel`` and waits for
    all of them (a fan-out); false: after its other calls. Absent: unknown, and path figures take the call
    as sequential (the sum of the p95s, an upper bound). The plan takes the p95 of the slowest parallel
    call from their p95s (docs/plan.md)."""
    per_item: bool | None = None
    """The call is made, or the work behind it done, once per item of the request's or the user's data
    (each cart line, each follower, each search hit), so its cost grows with the data instead of being
    fixed; ``calls_per_request`` gives a typical count for path figures."""
    check_then_act: Literal["unguarded", "lock", "conditional_write", "transaction"] | None = None
    """The caller decides a write on a value this call reads (stock, free seats, a balance, a counter),
    and how it keeps the read and the write consistent; absent: the call decides no write, or unknown.

    - unguarded: nothing: two concurrent requests can both pass the check
    - lock: a lock (row, distributed, advisory) held from the read to the write
    - conditional_write: the write succeeds only if the value is unchanged (compare-and-set, version)
    - transaction: one serialisable transaction covers the read and the write"""
    on_failure: Literal["propagated", "compensated", "swallowed"] | None = None
    """What the caller does with an error of this call.

    - propagated: the failure reaches the caller's own client (an error status, an exception)
    - compensated: the caller undoes its other effects and reports the failure
    - swallowed: the error is logged or ignored and the caller answers as if it had succeeded"""
    dependency: Literal["hard", "soft"] | None = None
    """Whether the caller needs the target to succeed.

    - hard: the caller's request fails when this call fails; for a background call (refreshing the servers a
      registry lists), the caller's requests fail once it fails, so its target is on their path too
    - soft: the caller serves its request without it; path availability and latency leave it out"""
    rps: Annotated[float, Field(ge=0)] | None = None
    """Expected calls per second over this edge at peak."""
    address_resolution: Literal["hardcoded", "config", "dns", "registry", "mesh"] | None = None
    """How the caller finds the target.

    - hardcoded: a host name or IP address in the code
    - config: an address in configuration
    - dns: a stable DNS name resolved at run time
    - registry: a service registry (Consul, Eureka)
    - mesh: the service mesh routes it"""
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


class SessionCookie(_Fact):
    """The flags of a session or token cookie."""

    secure: bool | Literal["same_as_request"] | None = None
    """Sent over HTTPS only (``Secure``); ``same_as_request``: Secure only when the request that sets it came over
    HTTPS (express-session's ``secure: 'auto'``, ASP.NET Core's ``CookieSecurePolicy.SameAsRequest``, a flag that
    follows a setting the server turns on when it is reached over TLS), so whether it is depends on the endpoint's
    ``tls``."""
    http_only: bool | None = None
    """Hidden from page scripts (``HttpOnly``), so an XSS cannot read it."""
    same_site: Literal["strict", "lax", "none"] | None = None
    """The ``SameSite`` attribute.

    - strict: never sent on requests from other sites
    - lax: sent on top-level navigations from other sites only
    - none: sent on every cross-site request (cross-site request forgery)"""


class Endpoint(_Fact):
    """An operation exposed by a service: REST route, gRPC method, GraphQL field, WebSocket, webhook."""

    name: Name | None = Field(default=None, examples=["create-order"])
    """Optional; defaults to ``METHOD path``."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "RPC", "WS", "SUBSCRIBE", "ANY"]
    """The HTTP method, or the kind of operation when it is not an HTTP route.

    - GET: HTTP GET (a read)
    - POST: HTTP POST
    - PUT: HTTP PUT
    - PATCH: HTTP PATCH
    - DELETE: HTTP DELETE
    - HEAD: HTTP HEAD
    - OPTIONS: HTTP OPTIONS
    - RPC: a gRPC or other RPC method, or a GraphQL query or mutation
    - WS: a WebSocket connection
    - SUBSCRIBE: a subscription (GraphQL subscription, server-sent events)
    - ANY: every HTTP method: a proxy location, an Ingress path or a gateway route that names no method (the
      importers write it; a reviewer splits it into the methods the route serves)"""
    path: Annotated[str, StringConstraints(pattern=r"^[ -~]{1,512}$")] = Field(
        examples=["/v1/orders/{id}", "shop.v1.Orders/GetOrder"])
    """The route (printable ASCII), or the RPC method's full name."""
    served_by: Name = Field(examples=["checkout", "gateway"])
    """The service that serves it, by name."""
    routes_to: list[Name] | None = Field(default=None, examples=[["checkout"]])
    """For a route served by a gateway, BFF or proxy: the services (or externals) ``served_by`` forwards
    it to. Its call path then follows only those calls, not every route the gateway serves; each must
    be a call of ``served_by`` (an interaction from it). An empty list: it forwards the route to none (the
    gateway answers itself, with files it serves), so its call path is the gateway alone."""
    exposure: Exposure | None = Field(
        default=None,
        description="Who can call it; absent: the serving service's ``exposure``. Public and partner endpoints "
                    "are the entry points whose call paths archplan computes." + _EXPOSURE_MEANINGS)
    authn: Literal["none", "basic", "api_key", "session", "jwt", "oauth2", "mtls"] | None = None
    """How callers are authenticated.

    - none: they are not
    - basic: HTTP Basic (or Digest) authentication: a user name and password (or a key pair) sent again with every
      request, readable by anyone on the path over plain HTTP
    - api_key: a static API key
    - session: a server-side session (cookie)
    - jwt: a signed bearer token (JWT) checked by the service
    - oauth2: an OAuth 2.0 / OpenID Connect access token
    - mtls: a client certificate (mutual TLS)"""
    authz: Literal["none", "role", "object_level", "policy"] | None = None
    """Authorisation: what is checked before the operation runs.

    - none: nothing beyond authentication
    - role: the caller's role or permission for this function (function level)
    - object_level: the caller may access the very object requested
    - policy: a policy engine decides on the caller, the function and the object (ABAC, OPA)"""
    takes_object_id: bool | None = None
    """The request names a stored object by its id (``/orders/{id}``, an id in the body)."""
    rate_limit: bool | None = None
    """Requests are rate-limited per client."""
    versioning: Literal["none", "path", "header", "media_type"] | None = None
    """How the API version is chosen.

    - none: unversioned
    - path: in the path (``/v1/...``)
    - header: in a request header
    - media_type: in the content type (``Accept: application/vnd.x.v2+json``)"""
    idempotency_key: bool | None = None
    """Clients may send an idempotency key, so a retried request is applied only once."""
    mutating: bool | None = None
    """The operation changes server-side state."""
    pagination: bool | None = None
    """Collection responses are paginated with a maximum page size."""
    returns_collection: bool | None = None
    """The response is a list of items."""
    max_results: PosInt | None = None
    """For a collection: the most items one response can hold, enforced by the server (a top-N search, a
    fixed LIMIT), whether or not it pages."""
    credentials_in_query: bool | None = None
    """Passwords, tokens or API keys travel in the URL (its query string, or a segment of its path), where access
    logs, proxies and browser history keep them."""
    session_cookie: SessionCookie | None = None
    """The session or token cookie the operation sets, and its flags."""
    amount_from_client: bool | None = None
    """The amount the operation charges or credits (price, total, quantity price) is taken from the
    request instead of being computed by the server from its own data."""
    data_classification: Classification | None = Field(
        default=None,
        description="The most sensitive data the operation takes or returns." + _CLASSIFICATION_MEANINGS)
    input_validation: Literal["none", "partial", "schema"] | None = None
    """How request input is validated.

    - none: not at all
    - partial: some fields, by hand
    - schema: every request, against a schema (types, formats, lengths, ranges)"""
    latency_p95_ms: Millis | None = None
    """Latency objective of this entry point, overriding the system default."""
    expected_duration_ms: Millis | None = None
    """How long the operation's work takes when it runs to completion."""
    async_pattern: Literal["none", "accepted_status", "callback", "polling"] | None = None
    """How a long-running operation answers.

    - none: the request waits until the work is done
    - accepted_status: 202 Accepted at once, with a status resource to follow
    - callback: the result is delivered later to a callback (webhook)
    - polling: the client starts the work, then polls for the result"""
    rps: Annotated[float, Field(ge=0)] | None = None
    """Expected requests per second at peak."""
    admin: bool | None = None
    """An administrative function (user or tenant management, configuration, bulk operations)."""
    deprecated: bool | None = None
    """Deprecated, but still served."""
    idempotent: bool | None = None
    """Repeating the same request has no further effect (natural idempotency: PUT by id, upsert)."""
    client_calls_per_operation: PosInt | None = None
    """Calls a client must make to different back ends to complete the user operation this endpoint serves."""
    large_payloads: Literal["none", "proxied", "valet_key"] | None = None
    """Large uploads or downloads, and how they travel.

    - none: the operation moves no large payloads
    - proxied: streamed through the service's own instances
    - valet_key: directly between the client and storage, with a signed URL (valet key)"""
    debug: bool | None = None
    """A debugging or diagnostic endpoint (dumps, profilers, test hooks)."""
    default_credentials: bool | None = None
    """The credentials its authentication accepts fall back to a value fixed in the code or configuration the
    deployment ships when the operator sets none (``ENV.fetch("WEB_PASSWORD", "admin")``, ``${PASS:-changeme}``): the
    same user name and password on every installation that leaves the setting out. False: the operator must set them
    (no fallback, or start-up refuses without them)."""
    max_connections: NonNegInt | None = None
    """WebSocket/streaming: most concurrent connections one instance accepts; 0 states there is no limit."""
    response_cache: bool | None = None
    """Responses are served from a cache (CDN, gateway or application) for repeated reads."""
    tls: bool | None = None
    """Served over TLS only (no plaintext listener)."""
    error_detail: Literal["generic", "stack_trace"] | None = None
    """What error responses reveal.

    - generic: a generic problem body (status, code, message)
    - stack_trace: internals such as stack traces, queries or versions"""
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
    runs_caller_queries: bool | None = None
    """The operation runs a query or query expression its caller writes (a SQL condition, a query language
    string) against a datastore, not only the application's own statements: its cost is the caller's choice."""
    caller_query_timeout_ms: Millis | None = Field(default=None, examples=[5000, 0])
    """The time limit on the caller's query (``runs_caller_queries``): a ``statement_timeout``, a context deadline,
    in milliseconds; 0: none, it runs until it ends."""
    triggers_paid_operation: bool | None = None
    """Each call costs money at a provider (SMS, e-mail, voice, AI inference, identity checks)."""
    per_user_operation_limit: bool | None = None
    """A per-user (or per-account) cap on how often the paid operation may be triggered."""
    request_size_limit: bool | None = None
    """Request bodies (and uploads) above a set size are rejected before they are read into memory."""
    token_lifetime_minutes: NonNegInt | None = Field(default=None, examples=[15, 259200, 0])
    """For an operation that hands its caller a bearer token it signs (a JWT returned by a login, a sign-up or an
    OAuth callback): how long the token stays valid, in minutes; 0: it never expires (no ``exp`` claim)."""
    token_revocation: bool | None = None
    """A bearer token the operation issues can be ended before it expires: the server checks each token against
    something it can change (a session or token table, a denylist of token ids, a per-user token version), so a
    logout, a password change or an administrator ends it."""
    accepts_file_upload: bool | None = None
    """The operation takes a file upload (a multipart file field) and keeps it (on disk, in object storage)."""
    upload_type_allowlist: bool | None = None
    """Uploaded files are accepted only when their type (extension and content, not only the client's
    ``Content-Type``) is on an allowlist; false: any type is accepted (no check, or a wildcard the check lets
    through)."""


# --------------------------------------------------------------------------------------
# datastore
# --------------------------------------------------------------------------------------


class Backups(_Fact):
    """Backups of a datastore."""

    enabled: bool | None = None
    """The datastore is backed up."""
    automated: bool | None = None
    """Backups run on a schedule without anyone starting them."""
    interval_minutes: Minutes | None = None
    """Time between backups, in minutes; compared with ``system.rpo_minutes``."""
    restore_tested: bool | None = None
    """Restoring from a backup has been tested."""
    encrypted: bool | None = None
    """Backups are encrypted."""


class Datastore(_Fact):
    """A database, cache, object store, search index or event store."""

    name: Name = Field(examples=["orders-db", "session-cache"])
    """The datastore's unique name: interactions refer to it by this name."""
    kind: (
        Literal["relational", "document", "kv", "cache", "search", "object", "event_store", "warehouse", "graph"]
        | None
    ) = None
    """The storage technology (rules match it as the computed field ``type``; ``role`` says what the store
    is for).

    - relational: a relational (SQL) database
    - document: a document database
    - kv: a key-value store
    - cache: an in-memory cache
    - search: a search index
    - object: an object or blob store
    - event_store: an append-only event store
    - warehouse: a data warehouse
    - graph: a graph database"""
    engine: ShortText | None = Field(default=None, examples=["postgres 16", "redis"])
    """The product (and version) behind it."""
    role: (
        Literal["system_of_record", "read_model", "materialized_view", "cache", "analytics", "event_store"]
        | None
    ) = None
    """What the store is for in this design.

    - system_of_record: the authoritative copy of its data
    - read_model: a query-side copy built from other data (CQRS projection)
    - materialized_view: a precomputed view of other data
    - cache: a copy kept for speed, which may be lost
    - analytics: reporting and analysis data
    - event_store: the events themselves are the system of record (event sourcing)"""
    owner: Name | None = None
    """The owning service."""
    readers: list[Name] | None = None
    """Services that read it directly, by name (interactions to it count as well)."""
    writers: list[Name] | None = None
    """Services that write it directly, by name (interactions to it that mutate count as well)."""
    replicas: NonNegInt | None = None
    """Replicas kept beside the primary (read or standby); 0: a single node."""
    failover: Literal["none", "manual", "automatic"] | None = None
    """What happens when the primary fails.

    - none: nothing until it is repaired or restored
    - manual: an operator promotes a replica
    - automatic: a replica is promoted automatically"""
    failover_seconds: Seconds | None = None
    """With ``failover: automatic``: how long promoting a replica takes, the primary's failure to serving
    again, in seconds (0: at once). Absent: unknown, and the plan takes failover as instant, saying so in
    the entry point's availability assumptions."""
    mtbf_hours: Hours | None = None
    """Mean time between failures of one node, in hours: how often the primary fails over. The plan needs it
    to turn ``failover_seconds`` into lost time; absent: unknown, and failover is taken as instant (the
    assumptions say so)."""
    multi_az: bool | None = None
    """Its nodes are spread across availability zones."""
    backups: Backups | None = None
    """How it is backed up."""
    encryption_at_rest: bool | None = None
    """Data is encrypted on disk."""
    classification: Classification | None = Field(
        default=None, description="The most sensitive data it stores." + _CLASSIFICATION_MEANINGS)
    public_access: bool | None = None
    """It can be reached from the internet (a public endpoint, bucket or IP)."""
    migration_strategy: Literal["expand_contract", "in_place", "blue_green", "none"] | None = None
    """How its schema changes are rolled out.

    - expand_contract: add the new shape, migrate, then remove the old (parallel change)
    - in_place: altered directly, in one step
    - blue_green: migrated into a second copy that traffic then switches to
    - none: its schema does not change through migrations"""
    availability: Ratio | None = None
    """Its availability (SLA, SLO or measured), a fraction 0..1; used in path availability."""
    latency_p95_ms: Millis | None = None
    """Its p95 response time to queries, in milliseconds; used in path latency."""
    latency_p99_ms: Millis | None = None
    """Its p99 response time to queries, in milliseconds; the plan uses it with the p95 for the tail of
    parallel calls and for the entry point's p99 (docs/plan.md). Absent: unknown, and the plan assumes an
    exponential tail (p99 = 1.54 × p95)."""
    capacity_rps: Annotated[float, Field(ge=0)] | None = None
    """Operations per second it sustains; the lowest capacity on a path is its bottleneck."""
    max_connections: PosInt | None = None
    """The most client connections it accepts at once (Postgres ``max_connections``, a proxy's pool). By
    Little's law it then serves at most ``max_connections / latency_p95_ms`` operations per second; the plan's
    capacity table lists it as a limit. Absent: unknown, and no connection limit is counted."""
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
    """For a cache: how entries are refreshed when the origin changes.

    - none: they are not
    - ttl: entries expire after ``ttl_seconds``
    - event: change events evict or update entries
    - write_through: writes go through the cache to the origin"""
    ttl_seconds: NonNegInt | None = None
    """For a cache: how long an entry lives."""
    partition_key: Literal["high_cardinality", "low_cardinality", "monotonic"] | None = None
    """For a partitioned store: the shape of its partition/shard key.

    - high_cardinality: many distinct values, spreading load evenly
    - low_cardinality: few distinct values (status, country), so a few partitions take most load
    - monotonic: ever-increasing values (timestamps, sequences), so new writes hit one partition"""
    durable_storage: bool | None = None
    """The data lives on a persistent volume; false: on the container's filesystem, tmpfs or ``emptyDir``,
    lost whenever the container or pod is replaced."""
    authentication: Literal["none", "password", "iam", "mtls"] | None = None
    """How clients authenticate to the store.

    - none: it accepts any connection that reaches it (MongoDB and Redis images without a password,
      memcached, PostgreSQL with ``trust``)
    - password: a user name and password (or a shared password, ``requirepass``)
    - iam: short-lived credentials from the platform's identity (cloud IAM, Kubernetes service account)
    - mtls: client certificates"""
    credentials_source: Literal["code", "image", "repo_config", "env_injected", "secret_store"] | None = None
    """Where its clients' credentials come from (as ``service.secrets_source``).

    - code: written in the source code
    - image: built into a container image
    - repo_config: in configuration committed to the repository (compose file, manifest, properties)
    - env_injected: injected into the environment at deploy time from outside the repository
    - secret_store: read from a secrets manager at run time"""
    credentials_shared: bool | None = None
    """Several services connect with the same account and password, so none can be revoked or audited
    alone and each can do what any other can."""
    tls_verify: bool | None = None
    """Its clients verify its TLS certificate when they connect; false: a client's connection settings for it
    accept any certificate (``TrustServerCertificate=true``, ``tlsAllowInvalidCertificates=true``), so whoever
    answers on its name receives that client's login and data."""
    image: ShortText | None = None
    """The container image it runs, as the deployment names it (``postgres:16``; set by the compose, Kubernetes
    and Aspire importers)."""
    immutable_image: bool | None = None
    """Its image names one build (a digest, as ``deployments[].immutable_artifacts`` for a service); false: no tag
    or a tag that moves by convention (``latest``, ``nightly``), so the next pull may start another engine version
    on its data."""
    server: Name | None = Field(default=None, examples=["main-postgres", "mongo-cluster-1"])
    """The server (instance or cluster) that hosts it, when one server holds several of the design's
    datastores as logical databases or schemas: they share its capacity, its failures and its upgrades."""
    workloads: list[Literal["oltp", "analytics", "logs", "blobs", "queueing", "search"]] | None = None
    """The kinds of workload the store serves.

    - oltp: transactional reads and writes of the application
    - analytics: reporting and analytical queries
    - logs: log or audit records
    - blobs: large binary objects (files, media)
    - queueing: used as a message queue
    - search: full-text search"""


# --------------------------------------------------------------------------------------
# channel
# --------------------------------------------------------------------------------------


class Consumer(_Fact):
    """A service consuming a channel."""

    service: Name
    """The consuming service, by name."""
    idempotent: bool | None = None
    """Handling the same message twice has no further effect."""
    group: Name | None = None
    """Its consumer group (subscription): consumers in one group share the messages."""
    commit: Literal["before_processing", "after_processing", "auto_interval"] | None = None
    """When the consumer commits its offset or acknowledges a message.

    - before_processing: on receipt, before the work (a crash mid-work loses the message)
    - after_processing: once the work is done (a crash redelivers it: at least once)
    - auto_interval: on a timer, independent of the work (Kafka's ``enable.auto.commit``)"""


class Channel(_Fact):
    """A queue, topic or stream on a broker."""

    name: Name = Field(examples=["order-events", "thumbnail-jobs"])
    """The channel's unique name: interactions publish to it by this name."""
    owner: Name | None = None
    """The team that runs it, or the service that owns it (then that service's team): the plan gives its
    work items to that team. Unknown: they are unassigned."""
    kind: Literal["queue", "topic", "stream"] | None = None
    """The kind of channel (rules match it as the computed field ``type``).

    - queue: each message goes to one consumer
    - topic: each message goes to every subscriber
    - stream: an ordered, replayable log (Kafka, Kinesis)"""
    broker: Name | None = Field(default=None, examples=["rabbitmq", "kafka"])
    """The broker that carries it."""
    delivery: Literal["at_most_once", "at_least_once", "exactly_once"] | None = None
    """The delivery guarantee.

    - at_most_once: a message may be lost, never duplicated
    - at_least_once: a message may arrive more than once, never lost
    - exactly_once: the broker and consumers together ensure one effect per message"""
    producer_acks: Literal["none", "leader", "all"] | None = None
    """What its producers wait for before counting a message as sent.

    - none: nothing (fire and forget, Kafka ``acks=0``, RabbitMQ without publisher confirms): a broker
      failure loses what was in flight
    - leader: the leader broker's write (``acks=1``): lost if the leader dies before replicating
    - all: every in-sync replica (``acks=all``, publisher confirms on a quorum queue)"""
    producers: list[Name] | None = None
    """Services that publish to it, by name (interactions to it count as well)."""
    consumers: list[Consumer | Name] | None = Field(default=None, examples=[["shipping", {"service": "billing",
                                                                              "idempotent": True}]])
    """Services that consume it: a service name, or an object with the service and its details."""
    dead_letter: bool | None = None
    """Messages that keep failing go to a dead-letter queue instead of blocking or vanishing."""
    max_delivery_attempts: PosInt | None = None
    """How many times a message is delivered before it is dead-lettered."""
    ordering: Literal["none", "per_key", "total"] | None = None
    """The order the channel guarantees.

    - none: no order
    - per_key: in order for messages with the same key (partition)
    - total: all messages in one order"""
    durable: bool | None = None
    """Messages survive a broker restart (persisted)."""
    encrypted: bool | None = None
    """Messages are encrypted in transit and at rest."""
    schema_registry: bool | None = None
    """Message schemas are kept in a schema registry and checked for compatibility."""
    carries_classification: Classification | None = Field(
        default=None, description="The most sensitive data its messages carry." + _CLASSIFICATION_MEANINGS)
    criticality: Criticality | None = Field(
        default=None,
        description="How much the business depends on the flow it carries." + _CRITICALITY_MEANINGS)
    ordering_required: bool | None = None
    """Consumers need messages about one entity in the order they were produced."""
    consumer_parallelism: Literal["single", "competing", "partitioned"] | None = None
    """How its consumers share the work.

    - single: one consumer instance
    - competing: several instances take messages from one queue
    - partitioned: each instance owns some partitions (keys)"""
    payload_bytes: NonNegInt | None = None
    """Typical message size in bytes."""
    bounded: bool | None = None
    """The queue has a maximum length (producers see back-pressure or overflow beyond it)."""
    message_ttl_seconds: NonNegInt | None = None
    """How long an unconsumed message is kept before it expires, in seconds; absent: unknown (or none)."""
    priority_classes: PosInt | None = None
    """How many priority levels of work share this channel."""
    priority_separation: bool | None = None
    """Higher-priority messages are served first (priority queue or separate consumers)."""
    broker_replicas: NonNegInt | None = None
    """How many broker nodes hold a copy of its messages (replication factor); 1: a single node."""


# --------------------------------------------------------------------------------------
# external service
# --------------------------------------------------------------------------------------


class External(_Fact):
    """A third-party or other-organisation service outside this design's control."""

    name: Name = Field(examples=["stripe", "payment-provider"])
    """The external service's unique name: interactions call it by this name."""
    owner: Name | None = None
    """The team that owns the integration with it, or the service that does (then that service's team): the
    plan gives its work items to that team. Unknown: they are unassigned."""
    description: Text | None = None
    """What the service provides (shown in the plan; rules do not read it)."""
    sla: Ratio | None = None
    """Availability the provider commits to."""
    rate_limit_rps: Annotated[float, Field(ge=0)] | None = None
    """The provider's rate limit, in requests per second; also its capacity in path figures."""
    latency_p95_ms: Millis | None = None
    """Its p95 response time, in milliseconds; used in path latency."""
    latency_p99_ms: Millis | None = None
    """Its p99 response time, in milliseconds; the plan uses it with the p95 for the tail of parallel calls
    and for the entry point's p99 (docs/plan.md). Absent: unknown, and the plan assumes an exponential tail
    (p99 = 1.54 × p95)."""
    sandbox: bool | None = None
    """A test environment is available for integration tests."""
    paid: bool | None = None
    """Calls to it cost money."""
    anti_corruption_layer: bool | None = None
    """Callers reach it through one translating adapter rather than using the provider's model directly."""
    data_agreement: bool | None = None
    """A data processing agreement (a DPA, a HIPAA BAA, a PCI DSS attestation) covers the classified data
    the system sends it. Unknown: the plan's data flow lists each classified call to it as a crossing with
    no agreement stated."""


# --------------------------------------------------------------------------------------
# security controls
# --------------------------------------------------------------------------------------


class SecurityControls(_Fact):
    """System-wide security controls from the Security & Auth agent."""

    identity_provider: ShortText | None = Field(default=None, examples=["Auth0", "Keycloak"])
    """The product or service that authenticates users."""
    identity_provider_kind: Literal["custom", "federated", "managed"] | None = None
    """How user authentication is provided.

    - custom: built in-house (own password store, own token issuing)
    - federated: delegated to an external identity provider (OIDC/SAML)
    - managed: a managed identity service (Auth0, Cognito, Entra ID)"""
    secrets_management: Literal["none", "env_files", "vault", "cloud_kms", "k8s_secrets"] | None = None
    """How secrets are stored and handed out.

    - none: no secrets management
    - env_files: environment files
    - vault: a secrets manager such as HashiCorp Vault
    - cloud_kms: the cloud provider's key and secret services
    - k8s_secrets: Kubernetes Secrets"""
    service_to_service_auth: Literal["none", "api_key", "mtls", "jwt", "mesh"] | None = None
    """How services authenticate to each other.

    - none: they do not
    - api_key: static API keys
    - mtls: mutual TLS with service certificates
    - jwt: signed service tokens
    - mesh: the service mesh (mTLS with workload identities)"""
    compliance: list[Literal["pci-dss", "gdpr", "hipaa", "soc2", "iso27001"]] | None = None
    """The compliance regimes in scope; an empty list states that there are none.

    - pci-dss: PCI DSS (payment card data)
    - gdpr: GDPR (personal data of people in the EU)
    - hipaa: HIPAA (health information in the US)
    - soc2: SOC 2
    - iso27001: ISO/IEC 27001"""
    waf: bool | None = None
    """A web application firewall filters traffic to the public entry points."""
    audit_logging: bool | None = None
    """Access to and changes of sensitive data are recorded in a tamper-evident audit log."""
    admin_mfa: bool | None = None
    """Administrative access requires multi-factor authentication."""
    key_rotation_days: NonNegInt | None = None
    """How often keys and credentials are rotated, in days."""
    penetration_testing: bool | None = None
    """The system is penetration-tested before it goes to production."""


# --------------------------------------------------------------------------------------
# deployment
# --------------------------------------------------------------------------------------


class Deployment(_Fact):
    """How a service is released and rolled back."""

    service: Name = Field(examples=["checkout"])
    """The service released this way, by name (one deployment per service)."""
    strategy: Literal["recreate", "all_at_once", "rolling", "blue_green", "canary"] | None = None
    """How a new version replaces the old.

    - recreate: all old instances stop, then the new ones start (downtime)
    - all_at_once: every instance is updated at the same time
    - rolling: instances are replaced a few at a time
    - blue_green: a full new environment is started, then traffic switches over
    - canary: a small share of traffic goes to the new version first, then more"""
    automated: bool | None = None
    """Releases run from a pipeline, not by hand."""
    rollback: Literal["none", "manual", "automated"] | None = None
    """How a bad release is undone.

    - none: it cannot be rolled back
    - manual: an operator rolls back
    - automated: the pipeline rolls back on failing health checks or metrics"""
    rollback_tested: bool | None = None
    """Rolling back has been tested."""
    recovery_requires_control_plane: bool | None = None
    """Recovering from an instance or zone loss needs control-plane work (provisioning capacity, API calls,
    DNS changes) instead of shifting traffic to capacity that is already running."""
    migration_compatibility: Literal["backward_compatible", "breaking", "none"] | None = None
    """Whether the schema migrations shipped with its releases work with the previous version.

    - backward_compatible: the previous version still runs against the migrated schema
    - breaking: it does not
    - none: releases ship no schema migrations"""
    health_gated: bool | None = None
    """The rollout proceeds only while health checks and metrics of the new version stay good."""
    feature_flags: bool | None = None
    """New behaviour can be switched on and off by feature flags, without a release."""
    immutable_artifacts: bool | None = None
    """Each release is a new, uniquely versioned artifact; nothing is patched in place or re-tagged."""
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
    """How migrations and admin scripts run.

    - one_off_process: as one-off processes of the release, with its code and config
    - adhoc_manual: by hand, on hosts or databases"""


# --------------------------------------------------------------------------------------
# observability
# --------------------------------------------------------------------------------------


class Slo(_Fact):
    """A service-level objective."""

    name: Name
    """The objective's name."""
    target: Annotated[str, StringConstraints(pattern=r"^[ -~]{1,600}$")] = Field(
        examples=["POST /v1/checkout", "checkout"])
    """The endpoint (its name, by default ``METHOD path``) or service the objective covers."""
    availability: Ratio | None = None
    """The availability objective, a fraction 0..1 (e.g. 0.999); for an endpoint target it overrides
    ``system.availability_target``."""
    latency_p95_ms: Millis | None = None
    """The p95 latency objective, in milliseconds; for an endpoint target it overrides
    ``system.latency_p95_ms`` (an endpoint's own ``latency_p95_ms`` overrides both)."""


class Observability(_Fact):
    """System-wide observability."""

    tracing: Literal["none", "partial", "end_to_end"] | None = None
    """Distributed tracing across the system.

    - none: no tracing
    - partial: some services are traced
    - end_to_end: trace context is propagated through every service"""
    metrics: bool | None = None
    """A metrics system collects service and infrastructure metrics."""
    logs: Literal["none", "local", "centralized"] | None = None
    """Where logs end up.

    - none: not kept
    - local: on each host or instance
    - centralized: in one searchable log store"""
    slos: list[Slo] | None = None
    """Service-level objectives; an endpoint or service named by one has an SLO."""
    alerts: list[Name] | None = Field(default=None, examples=[["error-budget-burn", "dlq-depth", "consumer-lag"]])
    """Alert names: e.g. ``error-budget-burn``, ``dlq-depth``, ``consumer-lag``."""
    dashboards: bool | None = None
    """Dashboards show the services' health."""


# --------------------------------------------------------------------------------------
# workflows and jobs
# --------------------------------------------------------------------------------------


class WorkflowStep(_Fact):
    """One step of a business transaction."""

    service: Name
    """The service that performs the step, by name."""
    action: ShortText | None = Field(default=None, examples=["reserve stock", "charge card"])
    """What the step does."""
    mutates_state: bool | None = None
    """The step changes state (writes data or calls a mutating operation)."""
    compensation: bool | None = None
    """A compensating action can undo the step if a later step fails."""
    pivot: bool | None = None
    """The go/no-go step of a saga: once it commits, the saga only moves forward."""
    retriable: bool | None = None
    """The step can be retried until it succeeds (idempotent, and its failures are transient)."""


class Workflow(_Fact):
    """A business transaction that may span services."""

    name: Name
    """The workflow's unique name."""
    owner: Name | None = None
    """The team that owns the transaction, or the service that does (then that service's team): the plan gives
    the work items on the workflow and its steps to that team. Unknown: they are unassigned."""
    steps: list[WorkflowStep]
    """Its steps, in order."""
    coordination: (
        Literal["none", "two_phase_commit", "saga_orchestrated", "saga_choreographed", "workflow_engine"]
        | None
    ) = None
    """How the steps are kept consistent.

    - none: nothing coordinates them
    - two_phase_commit: a distributed transaction (2PC/XA)
    - saga_orchestrated: a saga run by an orchestrator that calls each step
    - saga_choreographed: a saga in which each service reacts to the previous step's events
    - workflow_engine: a durable workflow engine (Temporal, Step Functions, Camunda)"""
    publish_mechanism: Literal["none", "direct", "outbox", "cdc", "event_sourcing"] | None = None
    """How a step's state change and the events it publishes are kept together.

    - none: it publishes no events
    - direct: it writes its database and publishes to the broker separately (a dual write)
    - outbox: events are written in the same transaction to an outbox table, then relayed
    - cdc: events are taken from the database's change log (change data capture)
    - event_sourcing: the events are the state (event store)"""
    user_facing: bool | None = None
    """A user waits for the outcome."""
    state_tracked: bool | None = None
    """Where each running instance of the transaction stands is recorded (saga log, workflow engine)."""
    isolation_countermeasures: bool | None = None
    """For a saga: countermeasures for its lack of isolation (semantic locks, commutative updates, version checks)."""


class Job(_Fact):
    """A scheduled, batch or singleton task."""

    name: Name
    """The job's unique name."""
    service: Name
    """The service that runs it, by name."""
    schedule: ShortText | None = Field(default=None, examples=["0 2 * * *", "every 5 minutes"])
    """When it runs: a cron expression or words."""
    runs_on: Literal["all_replicas", "single_leader", "external_scheduler"] | None = None
    """Where it runs.

    - all_replicas: on every instance of the service (runs N times)
    - single_leader: on one instance chosen by leader election or a lock
    - external_scheduler: started once by a scheduler (cron job, cloud scheduler)"""
    idempotent: bool | None = None
    """Running it twice (or again after a partial run) has no further effect."""


class Team(_Fact):
    """A team that builds and runs components (a component names it as its ``owner``)."""

    name: Name = Field(examples=["orders-team", "platform"])
    """The team's name, as components give it in ``owner``."""
    people: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """How many people work on the plan's items at once. Unknown: the plan's schedule takes archplan.toml's
    ``[plan] team-size``, else two."""
    description: Text | None = None
    """What the team does."""


# --------------------------------------------------------------------------------------
# The file an agent writes
# --------------------------------------------------------------------------------------


class Waiver(_Fact):
    """An accepted risk: findings of ``rule`` on ``subject`` do not fail the review gate until ``expires``.

    Not a fact: rules never see it. The gate (engine/gate/waivers.py) reads and checks it; this model
    documents it in ``archplan schema``.
    """

    rule: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        examples=["remote-call-without-timeout", "sec-*"])
    """A rule id, or a pattern with ``*`` and ``?`` such as ``sec-*``; it must match a loaded rule."""
    subject: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        examples=["service:checkout", "interaction:checkout->stripe", "service:*"])
    """A subject key such as ``service:checkout`` or ``interaction:a->b``, or a pattern such as ``service:*``."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    """Why the risk is accepted."""
    owner: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """Who answers for it."""
    expires: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] = Field(
        examples=["2027-03-31"])
    """Last day the waiver holds (YYYY-MM-DD); from the next day on it fails the gate."""
    ticket: ShortText | None = None
    """Where the follow-up is tracked."""


class DesignFile(_Fact):
    """One agent's output. A design is one or more of these, merged.

    A field left out is unknown, not false: where a rule needs it, the review reports an information gap.
    Fields that archplan computes (fan-out, call paths, counts) are not part of this file and cannot be set.
    """

    source: Agent
    """The agent that wrote this file.

    - api: the API Architecture agent
    - database: the Database Design agent
    - infrastructure: the Server Infrastructure agent
    - security: the Security & Auth agent"""
    version: Literal[1] = 1
    """The design file format version; 1 is the only one."""
    system: System | None = None
    """The system as a whole: its targets and context (agents' sections merge)."""
    services: list[Service] = Field(default_factory=list)
    """Deployable components: APIs, workers, gateways, BFFs, batch runners, legacy systems."""
    interactions: list[Interaction] = Field(default_factory=list)
    """Calls, queries and publications from a service to a service, external, datastore or channel."""
    endpoints: list[Endpoint] = Field(default_factory=list)
    """Operations the services expose."""
    datastores: list[Datastore] = Field(default_factory=list)
    """Databases, caches, object stores, search indexes and event stores."""
    channels: list[Channel] = Field(default_factory=list)
    """Queues, topics and streams."""
    externals: list[External] = Field(default_factory=list)
    """Third-party services outside this design's control."""
    security: SecurityControls | None = None
    """System-wide security controls (agents' sections merge)."""
    deployments: list[Deployment] = Field(default_factory=list)
    """How each service is released and rolled back."""
    observability: Observability | None = None
    """System-wide observability (agents' sections merge)."""
    workflows: list[Workflow] = Field(default_factory=list)
    """Business transactions that may span services."""
    jobs: list[Job] = Field(default_factory=list)
    """Scheduled, batch and singleton tasks."""
    teams: list[Team] = Field(default_factory=list)
    """The teams that build and run the components (the plan schedules their work with it)."""
    waivers: list[Waiver] = Field(default_factory=list)
    """Accepted risks (read by the review gate, not by rules)."""

    @model_validator(mode="before")
    @classmethod
    def _mapping_required(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a design file must be a mapping with a 'source:' key")
        return data


SECTIONS: dict[str, tuple[str, type[_Fact], bool]] = {
    section: (kind, globals()[name], is_list) for section, (kind, name, is_list) in SECTION_MODELS.items()}
"""Section of a design file -> (fact kind, model, whether it is a list): ``base.SECTION_MODELS`` with its classes."""


# --------------------------------------------------------------------------------------
# Field schema of every fact kind the rules can match
# --------------------------------------------------------------------------------------



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
_ENTRY_EXPOSURE = FieldSpec(type="str", values=("public", "partner", "host"))

# Fields the engine computes during enrichment, per kind. Rules may match them; input may not set them.
COMPUTED_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "service": {
        "sync_out": _INT,
        "fan_out": _INT,
        "inbound": _INT,
        "public_entry": _BOOL,
        "in_cycle": _BOOL,
        # On the synchronous call tree of an entry point exposed beyond the system that is not ``admin``: an
        # administrative entry (an operator console) starts an operator path, on which no user request waits.
        "on_public_path": _BOOL,
        # The widest exposure (public > partner > host) of the entry points whose synchronous call tree
        # holds it; unknown off every such tree. Likewise on interactions and datastores.
        "entry_exposure": _ENTRY_EXPOSURE,
        "handles_classified_data": _BOOL,
        # Most services in one public synchronous call tree this service is part of (where tracing pays off).
        "trace_path_services": _INT,
        "client_type_count": _INT,  # distinct client_types (web, mobile, partner...) one backend serves
        # It serves operator consoles only: every endpoint served by or routed to it is administrative (admin, not
        # an RPC API) or debug, one at least admin, and nothing calls it but the fronts routing those: no user's
        # request goes through it (a Hystrix dashboard, Spring Boot Admin, Kafka UI, Adminer behind a proxy).
        "operator_console": _BOOL,
        # Another service whose endpoints route requests to this one (routes_to; the first by name): its front,
        # a gateway or BFF. Unknown when no endpoint routes to it.
        "routed_by": _REF,
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
        "entry_exposure": _ENTRY_EXPOSURE,
        "from_kind": _REF,
        # The call blocks its caller: declared sync, or unstated over a request/response protocol.
        "blocking": _BOOL,
        # Longest public synchronous chain through this call, in components (as path.depth counts them).
        "chain_depth": _INT,
        # Smallest timeout of the synchronous calls into this call's caller (none for a call made only at
        # start-up or in the background, inside no request), and this call's worst case (timeout x attempts),
        # with their comparison: a retry window that outlives the caller's wait.
        "caller_timeout_ms": _INT,
        "retry_window_ms": _INT,
        # The timeout the calling service gives a call that states none, when its ``image`` is a proxy with a
        # documented default route timeout (Envoy: 15 s; engine.enrich.proxy_route_timeout); unknown otherwise.
        "caller_default_timeout_ms": _INT,
        "outlives_caller_timeout": _BOOL,
        # The target stores, carries or serves classified data (confidential, restricted, pii, pci, phi).
        "target_classified": _BOOL,
        # retry.methods holds POST or PATCH (only when the list is stated): the policy may replay a
        # non-idempotent request.
        "retries_non_idempotent_methods": _BOOL,
    },
    "endpoint": {"service_exposure": FieldSpec(type="str", values=get_args(Exposure)),
                 # auth_flow when stated; otherwise true for a call that is not a read (not GET, HEAD or OPTIONS)
                 # to a path whose last part names a credential flow (AUTH_FLOW_NAMES: /login, /register ...).
                 "credential_flow": _BOOL,
                 # An SLO in observability.slos targets this endpoint or its service (unknown without slos).
                 "slo_defined": _BOOL,
                 # session_cookie.secure or .http_only is false or .same_site none (true when one is; false when
                 # the cookie is Secure, HttpOnly and SameSite lax or strict; unknown otherwise). A secure of
                 # same_as_request is the endpoint's tls (false: a plaintext listener sets it without Secure).
                 "session_cookie_unprotected": _BOOL,
                 # The service whose code answers it: the one service it routes_to (a gateway's route to one
                 # backend), else served_by.
                 "handled_by": _REF,
                 # The bearer token it issues outlives a working day: token_lifetime_minutes is 0 (no expiry) or
                 # above LONG_LIVED_TOKEN_MINUTES (1,440, a day; engine.enrich); false at or below; unknown when the
                 # lifetime is.
                 "long_lived_token": _BOOL},
    "system": {"service_count": _INT, "load_tested_headroom": _FLOAT},
    "datastore": {"writer_count": _INT, "reader_count": _INT, "service_count": _INT, "on_public_path": _BOOL,
                  "entry_exposure": _ENTRY_EXPOSURE,
                  # How many of the design's datastores name the same ``server`` (itself included; only when stated).
                  "server_datastore_count": _INT,
                  # This datastore stands for its server in findings about the server: the one named as the
                  # server, else the first by name of those naming it (only when ``server`` is stated).
                  "server_lead": _BOOL,
                  # backups.interval_minutes > system.rpo_minutes (only when both are known); len(workloads)
                  "backup_exceeds_rpo": _BOOL, "workload_count": _INT,
                  "type": FieldSpec(type="str",
                                    values=get_args(get_args(Datastore.model_fields["kind"].annotation)[0]))},
    "channel": {"consumer_count": _INT, "producer_count": _INT,
                # An unconsumed message is dropped after a time: message_ttl_seconds is stated, or the broker
                # expires messages by default (Kafka, Kinesis, SQS, Pub/Sub retention: engine.enrich); false for
                # a broker that keeps them (RabbitMQ, ActiveMQ, Redis) with no TTL; unknown otherwise.
                "expires_messages": _BOOL,
                "type": FieldSpec(type="str", values=get_args(get_args(Channel.model_fields["kind"].annotation)[0]))},
    "workflow": {"service_count": _INT, "mutating_services": _INT},
    # How many SLOs observability.slos lists (the list holds objects, which rules cannot match directly); how many
    # services state ``metrics: true`` and ``tracing: true`` (0 when none does).
    "observability": {"slo_count": _INT, "metered_services": _INT, "traced_services": _INT},
    # How many regimes security.compliance lists (an empty list states that there is no compliance scope).
    "security": {"compliance_count": _INT},
}


# Kinds the engine derives from the design before rules fire.
GRAPH_KINDS: dict[str, dict[str, FieldSpec]] = {
    "path": {
        "entry": _REF,
        "entry_service": _REF,
        "exposure": _ENTRY_EXPOSURE,  # the entry endpoint's own, or its service's
        "depth": _INT,
        "size": _INT,
        # the entry endpoint is administrative (admin: true): an operator console or back-office function; not a
        # credential flow (a login or sign-up, credential_flow), which every caller reaches whatever it does
        "operator": _BOOL,
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
    # declared: the datastore's own readers/writers list names this access (unknown when that list is not
    # stated); an access only a call shows, missing from a stated list, is false.
    "access": {"datastore": _REF, "service": _REF, "mode": FieldSpec(type="str", values=("read", "write")),
               "declared": _BOOL,
               # false when the mode is the unknown policy's assumed write (the call states neither mutating
               # nor purpose): rules comparing two stated facts (contradictions) need it true.
               "mode_stated": _BOOL},
    "consumer": {"channel": _REF, "service": _REF, "idempotent": _BOOL, "group": _REF,
                 "commit": FieldSpec(type="str",
                                     values=get_args(get_args(Consumer.model_fields["commit"].annotation)[0]))},
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


# Every design fact also carries the agents that stated it (``source:`` of its files, sorted, joined by
# " and "), so that a rule's message can say whose facts contradict.
for _kind in BASE_KINDS:
    COMPUTED_FIELDS.setdefault(_kind, {})["stated_by"] = _REF


_DESCRIBED: set[str] = set()
"""Modules whose models ``attach_docstrings`` has described."""


def attach_docstrings(model: type[BaseModel]) -> None:
    """Give the fields of ``model`` and of every model class of its module derived from the same base their
    attribute docstrings as descriptions,
    as pydantic's ``use_attribute_docstrings`` does at import (a field's own ``description`` wins; a field takes
    the docstring of the class that declares it), and rebuild the models so that their JSON Schema has them.
    Once per base; the models of the design (``_Fact``) and of the rules (engine.model.rule) use it.
    """
    module = model.__module__
    if module in _DESCRIBED:
        return
    import ast
    import inspect
    import sys

    mod = sys.modules[module]
    base = [k for k in model.__mro__ if k.__module__ == module and issubclass(k, BaseModel)][-1]
    docs: dict[str, dict[str, str]] = {}
    for node in ast.parse(inspect.getsource(mod)).body:
        if isinstance(node, ast.ClassDef):
            own: dict[str, str] = docs.setdefault(node.name, {})
            for prev, stmt in zip(node.body, node.body[1:], strict=False):
                if (isinstance(prev, ast.AnnAssign) and isinstance(prev.target, ast.Name)
                        and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                        and isinstance(stmt.value.value, str)):
                    own[prev.target.id] = inspect.cleandoc(stmt.value.value)
    models: list[type[BaseModel]] = [c for c in vars(mod).values()
                                     if isinstance(c, type) and issubclass(c, base) and c.__module__ == module]
    for cls in models:
        for name, info in cls.model_fields.items():
            if info.description is None:
                owner = next((k for k in cls.__mro__ if name in inspect.get_annotations(k)), None)
                if owner is not None and owner.__module__ == module:
                    info.description = docs.get(owner.__name__, {}).get(name)
    for _ in range(2):  # twice: a model embeds the schema of the models it nests, rebuilt in the first pass
        for cls in models:
            cls.model_rebuild(force=True)
    _DESCRIBED.add(module)


def field_description(kind: str, path: str) -> str | None:
    """The description ``archplan schema`` gives a design field (``retry.attempts`` of ``interaction``).

    None for a field the design files do not hold (computed fields, graph kinds, unknown names).
    """
    attach_docstrings(_Fact)
    model: type[BaseModel] | None = next((m for k, m, _l in SECTIONS.values() if k == kind), None)
    info = None
    for part in path.split("."):
        if model is None:
            return None
        info = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if info is None:
            return None
        annotation = info.annotation
        model = next((a for a in (annotation, *get_args(annotation))
                      if isinstance(a, type) and issubclass(a, _Fact)), None)
    return info.description if info is not None else None


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
