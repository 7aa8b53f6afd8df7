"""Routes read from a service's source code -> its endpoints (``archplan import source DIR``).

No artifact but the code names a service's routes; a gateway's configuration names only the prefixes it
forwards (``location /api/user/``). This importer reads the route declarations of the commonest web
frameworks, as their own routers would:

- **Flask / FastAPI** (Python, read with ``ast``): ``@app.route(path, methods=[...])`` (GET when no
  method is given), ``@app.get(path)``, ``@router.post(path)``...; a ``Blueprint(url_prefix=...)`` or
  ``APIRouter(prefix=...)`` assigned in the same module prefixes its routes.
- **Express** (JavaScript, TypeScript): ``app.get('/x', ...)``, ``router.post(...)``, ``.all(...)`` on a
  variable assigned ``express()`` or ``express.Router()`` in the same file; ``app.use('/prefix', router)``
  prefixes that router's routes when both are in the file.
- **Spring MVC** (Java): ``@GetMapping``, ``@PostMapping``... and ``@RequestMapping(method = ...)`` on the
  methods of a ``@RestController`` / ``@Controller`` class, under the class's ``@RequestMapping``; Spring
  Security OAuth2's token endpoint (``POST /oauth/token``) where ``@EnableAuthorizationServer`` turns it on;
  the routes of a Spring Cloud Gateway's Java DSL and of WebFlux ``RouterFunctions``; Spring Data REST's
  ``@RepositoryRestController`` classes as controllers, and the resources it exports for a ``@RepositoryRestResource``
  repository (``code_spring_data_rest``).
  The Spring import's ``server.servlet.context-path`` of the service prefixes them all. A Spring handler that stops
  the whole process (``System.exit``, ``Runtime.getRuntime().halt``, ``SpringApplication.exit``, closing the
  application context) is an administrative function (``admin: true``): no user should be able to call it.
- **JAX-RS** (Java, ``code_jaxrs``): the ``@GET``, ``@POST``... methods of ``@Path`` resource classes (their bases'
  and interfaces' annotated methods included, sub-resource locators followed), under the ``web.xml`` mapping of the
  servlet that runs the application (else ``@ApplicationPath``) and the WAR's context path.
- **PHP files** served from a document root: when the directory's Dockerfile builds on a ``php:*`` image
  and copies a folder to ``/var/www/html``, each ``.php`` file at the top of that folder is a route of
  every method (``ANY /info.php``); one that calls ``phpinfo()`` is a debug endpoint.
- **Go** (``code_go``): net/http, gorilla/mux, chi, gin and echo registrations, read across the service's files
  (handlers, middleware).

Path parameters are written ``{name}`` (``/cart/:id`` and ``/cart/<int:id>`` -> ``/cart/{id}``). Each route
is an endpoint of the service named with ``--service`` (else the directory's name), with the file and line
of its declaration; what the code states besides the route is inferred, with its basis in a note: a path
parameter named like an id is ``takes_object_id``; a login, sign-up or token operation (not GET) is
``auth_flow``; a GET of users, customers, accounts, orders... (the last fixed segment) handles ``pii`` (a hint
to check, as field names are); a store write in the handler, or in a function of the file it calls, is
``mutating``, and so is a PUT, PATCH or DELETE route, which is defined to change its target; a session or token
cookie it sets gets its flags (the framework's defaults when left out); a URL it takes from the request and
fetches, compared with nothing on the way, is ``fetches_user_url`` without ``url_allowlist``, and so is the URL of a
record a Python handler loads by an id the request gives (a webhook, an action a user saved), followed through the
functions of the service it is passed to (``code_py_reach``), and so is an address a NestJS handler takes from its
body or query and hands, through the providers of any of the service's source folders, to an HTTP client
(``code_nest_fetch``); a Python handler whose calls reach an AI provider's SDK
call that runs a model (``code_py_reach``), or a Rust handler that passes the request on to such a route of a service
it calls, ``triggers_paid_operation``; a Python handler of
a write that reads a price or total from the request's input (``cart.get('total')``) has ``amount_from_client``.
When no code of the service (PHP included) names a credential, session, cookie, token or security framework, its
routes authenticate and authorise no caller (``none``);
otherwise authentication and authorisation stay unknown, and the review asks for them, except on an Express route
registered with its handler alone that reads no credential and hands the request to no other module, when another
handler of the service rejects callers itself (``if (!logged_in) throw``) and no file mounts a middleware named for
checking them: that route checks nobody. An Express handler that sends a POST, PUT, PATCH or DELETE to another
service is ``mutating``; one that POSTs a body of its own making there takes no idempotency key unless some code of
the service names one. Code that builds an
in-process store of state that exists nowhere else (an in-memory OAuth2 token store, a map-backed session
repository: the catalogue's ``local_state_stores``; a Guava or Caffeine cache of the requests handled, checked to
refuse a duplicate) keeps the service's state in one instance (``state:
instance_local``); code that issues the users' tokens itself (an OAuth2 authorization server, or a JWT signed by a
service with a login, token or sign-up route: the catalogue's ``token_issuers``) makes the identity provider a
home-grown one (``security.identity_provider_kind: custom``); code that compares a stored password with the
request's as they are keeps passwords in plaintext (``password_hashing: plaintext``). The channels its code
publishes to are read by ``code_messages``; the log statements that write a password, token, card number or a
whole request carrying one (``logs_sensitive_data``) by ``code_logs``. Its request handlers that write to
two services or more (its own store counting) are workflows (``code_workflows``), once ``compose`` knows where its
calls go.

Alone, a route is named ``<service>-<METHOD>-<path>`` (a service's own route, not yet known to be public).
``compose`` places the routes behind what exposes them, given the other artifacts' endpoints: a gateway
route ``ANY /api/user/`` that forwards to the service (stripping the prefix, as nginx's ``proxy_pass
http://user:8080/`` does) gives the public ``GET /api/user/users`` served by the gateway with
``routes_to: [user]``; a service that is itself an entry point (``<service>-entry``) serves its routes at
their own path. Either way the route inherits what the gateway's endpoint states (TLS, rate limit,
exposure, authentication), and the public endpoint stands for the service's route (no second, named one).

``compose`` also reads, for a deployment's call drawn only from variables of a source its caller takes whole (a
ConfigMap through ``envFrom``, a compose ``env_file``: every key, whether the code reads it or not), whether the
caller's code and Spring configuration name the variable (``BALANCES_API_ADDR``, relaxed ``balances.api.addr``, a
field ``balancesApiAddr``): when they name other keys of that source but none the call was drawn from, the call is
not drawn (a warning says why).
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import itertools
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from engine.errors import InputError, Location
from engine.importers import (
    code_ai,
    code_amqp,
    code_api_tokens,
    code_breakers,
    code_bullmq,
    code_calls,
    code_channels,
    code_client_ip,
    code_clients,
    code_cs_tls,
    code_cs_workflows,
    code_csharp,
    code_dapr,
    code_databases,
    code_default_admin,
    code_discovery,
    code_django,
    code_dotnet_settings,
    code_embedded,
    code_fastapi,
    code_flags,
    code_flask,
    code_go,
    code_go_deadlines,
    code_go_per_item,
    code_go_queries,
    code_grpc_gateway,
    code_java_amount,
    code_java_cookies,
    code_jaxrs,
    code_jobs,
    code_js_amount,
    code_laravel,
    code_line_prices,
    code_logs,
    code_messages,
    code_nest_calls,
    code_nest_fetch,
    code_nextjs,
    code_node,
    code_notify,
    code_passwords,
    code_php_calls,
    code_polly,
    code_properties,
    code_proto,
    code_py_reach,
    code_query_limits,
    code_rails,
    code_redis_store,
    code_ribbon,
    code_rust,
    code_secrets,
    code_seeding,
    code_servlets,
    code_settings,
    code_spring_data_rest,
    code_spring_security,
    code_sqlite,
    code_swallowed,
    code_telemetry,
    code_timeouts,
    code_tokens,
    code_trees,
    code_uploads,
    code_url_credentials,
    code_workflows,
    infra,
    spring,
    store_image,
)
from engine.importers.base import (
    HEALTH_PATH,
    ArtifactDocument,
    Body,
    console_entry,
    environments,
    renamed,
    safe_name,
    slug,
    unseen_environments,
    with_fact,
    with_field,
    without_facts,
    without_field,
)
from engine.importers.code_text import (
    blank_comments,
    block_after,
    call_args,
    close_bracket,
    inside,
    split_args,
    test_tree,
    uncommented,
)
from engine.model.base import credential_path
from engine.model.kinds import identity
from engine.source import DEFAULT_LIMITS, Document, Limits, read_text

FORMAT = "source"
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".java", ".go", ".cpp", ".cc", ".h", ".hpp", ".php")
_SKIP_DIRS = {"node_modules", "vendor", "test", "tests", "__tests__", "spec", "target", "build", "dist",
              "venv", ".venv", "site-packages", "__pycache__", "static", "public", "wwwroot", "migrations"}
MAX_FILES = 5000
_HTTP = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_PERSONAL = frozenset({"users", "user", "customers", "customer", "accounts", "account", "profiles", "profile", "owners",
                       "consumers", "consumer", "members", "patients", "employees", "addresses", "orders", "cards"})
"""Resources a read returns personal data from, by the route's last fixed segment (a hint, like field names)."""
_CATALOGUE = frozenset({"products", "product", "catalog", "catalogue", "categories", "category", "brands", "brand",
                        "restaurants", "restaurant", "menus", "menu", "cities", "countries"})
"""Collections of a shop's or a directory's shared reference data, by the fixed segment before the id a route takes
(``/products/{id}``): an entry every visitor is shown, no user's own object (a hint, like ``_PERSONAL``)."""
_FULFILMENT = frozenset({"ship", "dispatch", "deliver", "fulfil", "fulfill"})
"""Steps of an order's fulfilment, by a route's last fixed segment: the seller's work on an order, never its buyer's."""
_ORDERS = frozenset({"order", "orders"})
_LAST_PARAM = re.compile(r"/\{[^{}/]*\}$")
_ID_PARAM = re.compile(r"\{(?:id|[A-Za-z0-9_]*(?:Id|_id|ID)|(?!page)[a-z][A-Za-z0-9]*(?:Number|No)|"
                       r"(?!page_)[a-z][a-z0-9]*_(?:number|no)|(?:user|customer|account|owner)_?[Nn]ame)\}")
"""A path parameter that names one object: its id (``{id}``, ``{orderId}``, ``{order_id}``), its number
(``{orderNumber}``, ``{invoiceNo}``, ``{order_number}``: a business key, often sequential), not a page's, or the name
of the user or customer whose object it is (``{userName}``, ``{customer_name}``: ``GET /basket/{userName}``)."""


@dataclass(frozen=True)
class Route:
    """One route a framework declares: method (``ANY``: every method), normalised path, where, and how."""

    method: str
    path: str
    at: Location
    framework: str
    debug: str | None = None
    """Why the route is a debug endpoint, when its code shows it."""
    stops: str | None = None
    """Where its handler stops the whole process (``System.exit``): an operator's function, when its code shows it."""
    maintenance: str | None = None
    """Where its handler runs SQL scripts over a database (schema or bulk data upkeep): an operator's function."""
    test_only: str | None = None
    """Where its authors' comment marks the route for testing or debugging only: no function for users."""
    admin_site: str | None = None
    """What makes it a framework's administration site (Django's ``admin.site.urls``), said with where: every
    model's records, users and permissions edited through it, signed in with a session, open to staff only."""
    grants_admin: str | None = None
    """How its handler makes an administrator (a Django view building a user with ``is_superuser=True``): the
    function of whoever administers the installation, never of a user."""
    default_credentials: tuple[str, str] | None = None
    """Why the password its authentication accepts falls back to a value fixed in the code when the operator sets
    none (``ENV.fetch("WEB_PASSWORD", "admin")`` in a Basic-auth block), when its code shows it, and the variable
    that sets it ("" for a literal the code compares with: no setting changes it)."""
    configures: str | None = None
    """Where its handler (or a provider it calls) writes the installation's own configuration (``infraConfig``): the
    settings every user's requests run under, a function of whoever administers the installation."""
    curated: str | None = None
    """Why the route is the keeper's: it deletes one object of a collection that its service lists to anyone, and asks
    no caller who they are either, so no user owns what it deletes (a catalogue's item, a shared list's entry)."""
    writes: str | None = None
    """The write its handler makes (``setex() at cart/server.js:150``), when its code shows one."""
    decides: str | None = None
    """For a Spring route whose handler writes nothing: the decision it takes on a value read from another service
    (``code_workflows.Handler.decides``), which a caller that then writes acts on (``code_workflows.decided``)."""
    behind: str | None = None
    """For a gateway's own route, which passes the request on (Spring Cloud Gateway's Java DSL): the one other service
    serving its method and path, whose handler is the route's."""
    cookie: tuple[tuple[tuple[str, bool | str], ...], str] | None = None
    """The flags of the session or token cookie its handler sets (stated, or the framework's default), and where."""
    fetch: str | None = None
    """Where its handler fetches a URL taken from the request, never compared with anything on the way."""
    amount: str | None = None
    """Where its handler reads a price or total from the request body, when it does."""
    passes_body: str | None = None
    """Where its handler passes its request's body on whole, reading none of its fields (``code_js_amount``):
    ``compose`` gives it ``amount_from_client`` where the system's browser code posts prices to its public path."""
    body_id: str | None = None
    """The field of its request body that names one stored object by its id (``CancelOrderCommand.OrderNumber``),
    when its code declares the body's type with one such field."""
    query_credential: str | None = None
    """Where its handler reads a password, secret or key from the URL's query string, or hands a segment of its path
    to an API-key lookup (``code_url_credentials``), when it does."""
    login: str | None = None
    """Why its handler is a login by what it does (checks a password the request carries, writes nothing)."""
    no_idempotency_key: str | None = None
    """Why a repeat of the request repeats its write (it creates, and no code of the service names a key)."""
    key_if: tuple[code_go.Setting, ...] = ()
    """The switch the service's idempotency handling depends on (``code_node.idempotency_switch``), while the route's
    ``no_idempotency_key`` waits on it: ``compose`` keeps that when the deployment's value, or the code's default,
    turns the handling off, and drops it otherwise (``_settled_key``); stated by neither until then."""
    collection: tuple[str, bool] | None = None
    """The collection type its handler returns (``List<Owner>``), and whether it takes a page or a limit."""
    feed: tuple[str, int | None] | None = None
    """For a syndication feed's route (Django's ``Feed``): what bounds the items it renders into one document, said,
    and the server's cap (None: nothing the server sets bounds them)."""
    capped: tuple[int, str] | None = None
    """The most items its handler lets through (it cuts the list it returns: ``subList(0, 9)``), and where."""
    paid: str | None = None
    """The paid provider call its handler makes (an AI model's completion), and where."""
    token: code_tokens.Issued | None = None
    """The bearer token its handler signs for its caller (``code_tokens``): ``_service_document`` settles its lifetime
    and revocation in the service's code."""
    upload: code_uploads.Upload | None = None
    """The file upload its handler takes, and what checks its type (``code_uploads``)."""
    classified: tuple[str, str] | None = None
    """The most sensitive data class the request fields its handler reads suggest (``field_class``), and why."""
    caller_query: code_go_queries.CallerQuery | None = None
    """How its handler runs SQL text its caller wrote, and what may bound it (``code_go_queries``)."""
    authn: tuple[str, str] | None = None
    """How a middleware in front of its handler authenticates callers (``session``, ``jwt``...: the Go readers'
    groups built with an authentication middleware), and why."""
    cookie_when: tuple[tuple[str, code_go.Setting], ...] = ()
    """The flags of its session cookie written as a Go setting, each with its condition: ``compose`` adds them to
    ``cookie`` as deployed (``_settled_cookie``)."""
    only_if: tuple[code_go.Setting, ...] = ()
    """The settings its registration depends on (a Go ``if`` around it reading one): ``compose`` leaves the route out
    when the deployment's values, or the code's defaults, turn one off (``code_go.not_served``)."""
    authz: tuple[str, str] | None = None
    """What its handler checks beyond authentication (``none``, ``role``), and why, when its code shows it."""
    unchecked: str | None = None
    """Why nothing on its way can check the caller (an Express handler mounted with no middleware, reading no
    credential and handing the request to no function of another module), when its code shows it."""
    guard: str | None = None
    """Where its handler itself rejects a caller on a credential it reads (``if (!logged_in) throw``)."""
    open: str | None = None
    """Why the route authenticates no caller although the service's code names credentials: it is ``unchecked``
    and the service's handlers check their callers themselves (a ``guard`` elsewhere), not a middleware."""
    rate_limited: str | None = None
    """Where a rate limit on the route itself is declared (Flask-Limiter's ``@limiter.limit(...)``), when one is."""
    built: str | None = None
    """How its path was read when the code builds it (a path helper's call), for a note."""
    permitted: str | None = None
    """Why the route lets anyone call it although the service's code names credentials: its Spring Security filter
    chain permits it to all and its handler never reads who calls (``authn: none``; whether the handler checks what
    the caller may do stays unknown: method security or the data itself may decide)."""
    lockout: str | None = None
    """Why its sign-in locks the account after repeated failures (Devise's ``:lockable`` model), when it does: its
    brute-force protection, as a service-wide lockout is for a sign-in route."""
    throttle: str | None = None
    """The throttle its own code puts on it (Django REST framework's ``throttle_classes``, the view's or the settings'
    default; @nestjs/throttler's guard on a NestJS route; a rate-limiting middleware of a Go route, group or router),
    and where: its rate limit, whatever a front in the deployment states, and on a sign-in its limit on repeated
    attempts."""
    throttle_if: tuple[code_go.Setting, ...] = ()
    """The setting its ``throttle`` depends on (@nestjs/throttler's ``skipIf`` reading one): ``compose`` drops the
    throttle when the deployment's value, or the code's default, turns it off (``_settled_throttle``)."""
    unthrottled: str | None = None
    """Why its code's throttle limits nothing as deployed (``_settled_throttle``), when it does not."""
    forwards: tuple[str, Location] | None = None
    """The path its handler passes the request on to at a service it calls (a Rust proxy handler), and where."""
    nest: tuple[int, int, str] | None = None
    """Where its NestJS handler's code lies in its file (start, end) and its parameter list, for what the handler
    does through providers of the service's other source folders (``_nest_fetched``)."""
    error_detail: str | None = None
    """Where its handler sends the exception it caught, stack included, to its caller (``code_error_detail``)."""
    handler: Location | None = None
    """Where its Python handler is defined (a Django view, a Flask view function, a Flask-RESTful resource's method),
    when read: a process of the same code that serves none of its routes runs none of that module's request code."""


@dataclass(frozen=True)
class Traits:
    """What a service's code says of the whole service, each with what shows it and where."""

    local_state: tuple[str, Location] | None = None
    """The first in-process store of state that exists nowhere else its code builds (catalogue
    ``local_state_stores``)."""
    token_issuer: tuple[str, Location] | None = None
    """How its code issues its users' tokens itself (catalogue ``token_issuers``)."""
    plaintext_password: tuple[str, Location] | None = None
    """Where its code compares a stored password with the request's as they are (catalogue
    ``plaintext_password_checks``)."""
    publishes: tuple[code_messages.Publish, ...] = ()
    """The channels its code publishes to (``code_messages``)."""
    kafka: tuple[code_messages.KafkaProducer, ...] = ()
    """The Kafka producer its code creates (``code_messages``); ``compose`` fills in the topic its deployment names."""
    kafka_consumers: tuple[code_messages.KafkaConsumer, ...] = ()
    """The Kafka topics its C#, Java or Kotlin code subscribes to (``code_messages``); ``compose`` fills in the topic
    the deployment names in the variable the code reads it from."""
    channels: tuple[code_channels.ChannelUse, ...] = ()
    """The channels its Java or Kotlin code produces to and consumes from with Spring Kafka, Spring AMQP or Eventuate
    Tram (``code_channels``)."""
    logs_sensitive: tuple[code_logs.Logged, ...] = ()
    """Its log statements that write a secret or a card's data (``code_logs``)."""
    limits: tuple[str, Location] | None = None
    """The first rate limit, quota or throttle its code names (a per-user cap may be among them)."""
    lockout: tuple[str, Location] | None = None
    """Where its code locks an account after repeated failed sign-ins (ASP.NET Core Identity's
    ``PasswordSignInAsync(..., lockoutOnFailure: true)``, or a count of failures it keeps itself against a maximum:
    ``_counted_lockout``): its login flows are protected against brute force."""
    registry: tuple[str, Location] | None = None
    """The Spring Cloud registry or configuration server its code switches on (``@EnableEurekaServer``)."""
    flags: code_flags.FlagClient | None = None
    """The feature-flag provider its code builds, whose evaluations call the flag daemon (``code_flags``)."""
    library_timeouts: tuple[code_timeouts.LibraryTimeout, ...] = ()
    """The client libraries it calls with whose documented default timeout its code leaves (``code_timeouts``)."""
    console: tuple[str, Location] | None = None
    """The operator console its code switches on (``@EnableAdminServer``: Spring Boot Admin, a Hystrix dashboard)."""
    listeners: tuple[code_rust.Listener, ...] | None = None
    """The ports its code's servers bind, each with whether it runs with the configuration given (``code_rust``); None
    when not known: a port its deployment publishes that none of them binds leads nowhere (``_unlistened_ports``)."""
    plain_listener: tuple[str, Location] | None = None
    """Its image's web server listens on ``http://`` URLs only (the Dockerfile in its directory sets
    ``ASPNETCORE_URLS=http://*:7005``): what its own entry point publishes is plain HTTP (``code_dotnet_settings``)."""
    jobs: tuple[code_jobs.Scheduled, ...] = ()
    """The tasks its code schedules in its own process (``code_jobs``)."""
    callers: tuple[code_breakers.Caller, ...] = ()
    """Its Java methods that make HTTP calls, each with whether a circuit breaker wraps it (``code_breakers``)."""
    discovery: tuple[str, Location] | None = None
    """Where its code (or a library it is built with) feeds a registry's answer into its calls (``code_discovery``)."""
    password_hash: code_passwords.PasswordHash | None = None
    """The weakest way its code hashes a password (``code_passwords``)."""
    plain_tokens: code_api_tokens.PlainTokens | None = None
    """The API keys its code stores as they are and looks up by equality (``code_api_tokens``)."""
    seeded_admin: code_default_admin.SeededAdmin | None = None
    """An administrator its SQL files insert with a password hash written out (``code_default_admin``)."""
    ai_clients: tuple[code_ai.AiClient, ...] = ()
    """The AI model providers' clients its Python code builds (``code_ai``)."""
    client_ip: tuple[str, Location] | None = None
    """Where its Python code takes the client's address from a forwarding header any peer may send
    (``code_client_ip``)."""
    embedded: code_embedded.Embedded | None = None
    """The embedded in-memory database its Java code writes its data to (``code_embedded``)."""
    sqlite: code_sqlite.SQLite | None = None
    """What shows that its Python code keeps its data in a SQLite file (``code_sqlite``)."""
    sqlite_store: code_sqlite.SQLiteStore | None = None
    """That SQLite file as deployed, the deployment connecting it to no relational database (``_sqlite_stores``)."""
    actuator: spring.Actuator | None = None
    """The Spring Boot actuator endpoints that dump or change its state, which its own default configuration file
    exposes on its application port (``spring.actuator_of``)."""
    debug_mode: tuple[bool, Location, str] | None = None
    """Whether its web framework's debug mode is on as deployed, where that is decided and why (``_debug_mode``)."""
    query_limits: tuple[code_query_limits.QueryLimit, ...] = ()
    """Its Python settings of the time limit on the queries it runs for its users, when each defaults to none
    (``code_query_limits``)."""
    query_worker: code_query_limits.QueryWorker | None = None
    """As deployed, a worker of its that runs its users' queries, with their time limit (``code_query_limits``)."""


@dataclass
class RoutesDocument(ArtifactDocument):
    """The endpoints of one service's routes; ``compose`` rebuilds it once the gateways are known."""

    service: str = ""
    routes: tuple[Route, ...] = ()
    service_at: Location = field(default_factory=lambda: Location("", 1, 1))
    open_code: str | None = None
    """Why the service authenticates no caller (no code of it reads a credential), when that is so."""
    secrets: tuple[code_secrets.Secret, ...] = ()
    """The credentials its code writes out (names and places only)."""
    calls: tuple[code_calls.Call, ...] = ()
    """Its outbound HTTP calls (``code_calls``), joined with the deployment by ``compose``."""
    modules: code_calls.Modules | None = None
    """How its Python files load one another (``code_calls.python_modules``), read when a call goes to a URL its code
    writes out (``Ref.literal``): which of its processes makes the call (``_own_calls``)."""
    clients: tuple[code_clients.Client, ...] = ()
    """The calls its Java and Go code names the target of (``code_clients``), joined by ``compose``."""
    registered: frozenset[str] = frozenset()
    """The names its code registers itself under in a service registry (``code_clients``)."""
    feign_urls: tuple[code_clients.FeignUrl, ...] = ()
    """Its Feign clients that take their ``url`` from a Spring property (``code_clients.feign_urls``)."""
    names: frozenset[str] = frozenset()
    """Every name its code and Spring configuration write, normalised (``_name``): the variables it may read."""
    spoken: frozenset[str] = frozenset()
    """The names of ``names`` its code writes outside comments (``code_text.uncommented``), with its configuration's:
    what may give it another service's address (a comment's link or prose gives none)."""
    read: frozenset[str] = frozenset()
    """The names its code (not its configuration) writes, normalised, with those its configuration's placeholders
    refer to (``${cdc.service.url}``) and the dotted prefixes its code's strings name (``"cdc.service"``, a
    ``@ConfigurationProperties`` prefix, kept with a trailing ``*``): what reads a property."""
    traits: Traits = Traits()
    """What its code says of the whole service."""
    tls_skips: tuple[code_cs_tls.Unverified, ...] = ()
    distributed_cache: tuple[str, Location] | None = None
    """Where its .NET code registers Redis only as ASP.NET Core's distributed cache (``_DISTRIBUTED_CACHE``)."""
    redis_store: tuple[str, Location] | None = None
    """Where its code writes a Redis key with no expiry, none expiring anywhere (``code_redis_store.written``)."""
    """Its .NET client registrations that accept any server certificate (``code_cs_tls``), joined by ``compose``."""
    seeds_only: tuple[frozenset[str], str, Location] | None = None
    """The engines its Go code writes only while it starts (``code_seeding``), why, and where."""
    stored_settings: frozenset[str] = frozenset()
    """The variables its code only stores as settings records that name them, making no HTTP request of its own
    (``code_settings.stored``): a public URL one of them holds is handed on, never called."""
    reads_only: tuple[frozenset[str], str] | None = None
    """When its code reads a database through a client it recognises and writes nothing through one: the engines
    that client reaches (``mysql``, ``postgres``... for JPA/JDBC; ``mongodb``) and what shows the reads."""
    refused: Mapping[str, tuple[frozenset[str], Location]] = field(default_factory=dict)
    """Variable -> the values its Python code refuses to start with, and where (``code_secrets.refused_values``)."""
    client_groups: frozenset[str] | None = None
    """The Spring property groups of the clients (a JDBC datasource, MongoDB, AMQP...) its code or build file
    shows (``spring.CLIENTS``); None when it has no code."""
    handlers: tuple[code_workflows.Handler, ...] = ()
    """Its request handlers and the writes they make (``code_workflows``), joined by ``compose``."""
    coordinated: str | None = None
    """Where its code names something that may coordinate its writes (a saga, an outbox), when it does."""
    code_paths: tuple[str, ...] = ()
    """The folders and files its code was read from, as given (``base.applications``: services read from the same
    ones are processes of one application)."""
    path_names: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Each folder or file of ``code_paths`` -> the names its code writes outside comments (``_name``; tests are not
    read): ``base.applications`` tells a shared data layer, whose code reads the variable that gives a datastore's
    address, from a shared library."""
    checks: tuple[code_workflows.Check, ...] = ()
    """Its handlers that decide a write on a value read from another service, nothing guarding it."""
    guarded: bool = False
    """Whether its code names something that may keep a value from changing between a check and a write
    (``code_workflows.guarded``)."""
    swallowed: tuple[code_swallowed.Swallowed, ...] = ()
    """Its methods that write a store and answer a failure of the write as a success (``code_swallowed``)."""
    names_idempotency_key: bool = False
    """Whether any of its code names an idempotency key (whether it checks one is then unknown)."""
    idempotency_if: tuple[code_go.Setting, ...] = ()
    """The switch its idempotency handling depends on (``code_node.idempotency_switch``): ``compose`` turns
    ``names_idempotency_key`` off when the deployment's value, or the code's default, turns it off."""
    priced_posts: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """The same-origin requests its browser code sends with prices the client sets, by method and path
    (``code_js_amount.priced_posts``)."""
    health_only: Location | None = None
    """Where its code maps health checks, when it maps them and no other endpoint (``code_csharp.health_only``), or
    declares routes that are all health checks' (``_health_routes``)."""
    authorities: Mapping[str, Location] = field(default_factory=dict)
    """The settings its code reads only as a token issuer's address (``code_csharp.token_authorities``), by key,
    with where: ``compose`` marks the calls drawn from them ``during: background``."""
    gateway_of: tuple[code_grpc_gateway.Registration, ...] = ()
    """The gRPC services whose HTTP bindings its code serves through grpc-gateway (``code_grpc_gateway``)."""
    django_debug: tuple[code_django.Setting, str] | None = None
    """Its Django settings module's ``DEBUG`` (``code_django.settings``) and that module's file: ``compose`` gives a
    ``DEBUG`` read from the environment the value the deployment sets (``_debug_mode``)."""
    django_session: code_django.SessionCookie | None = None
    """The flags of its Django session cookie, when its settings use sessions (``code_django.session_cookie``):
    ``compose`` puts them, as deployed, on its sign-in routes (``_with_session_cookie``)."""
    notifies: tuple[code_notify.Notification, ...] = ()
    """The gRPC services its Go code calls only to notify, throwing the answer away (``code_notify``)."""
    deadlines: tuple[code_go_deadlines.Deadline, ...] = ()
    """The generated gRPC clients its Go code calls only with a deadline it writes out (``code_go_deadlines``)."""
    dropped: tuple[code_go_deadlines.Dropped, ...] = ()
    """The generated gRPC clients its Go code calls with a fresh context where it had the request's
    (``code_go_deadlines.dropped``)."""
    per_item: tuple[code_go_per_item.PerItem, ...] = ()
    """The generated gRPC clients its Go code calls once per element of a collection it loops over
    (``code_go_per_item``)."""
    properties: tuple[code_properties.Component, ...] = ()
    """The components of its Spring configuration classes (``@ConfigurationProperties``), each with whether any of
    its code reads it (``code_properties``): a variable bound to one nobody reads draws no call."""
    detached: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """The settings (normalised, ``_name``) its Go code reads only in goroutines its start-up code starts
    (``code_go.detached``), each with ``startup`` or ``background`` and where: ``compose`` marks the calls drawn
    from them so."""
    store_image: ArtifactDocument | None = None
    """What the image its folder builds (a top-level Dockerfile) says of a datastore of its name: used when the
    deployment runs it as a datastore (``store_image``)."""
    retry_settings: Mapping[str, tuple[int, Location, str]] = field(default_factory=dict)
    """The ``max-attempts`` of the Resilience4j retry instances its own default Spring configuration sets
    (``spring.retry_settings``): ``compose`` counts the attempts of the calls its ``@Retry`` methods send."""
    telemetry: code_telemetry.Signals | None = None
    """The metrics and tracing its code (or a JVM build file's starter) shows (``code_telemetry.signals``); None when
    no code of it was read: ``code_telemetry.absent_telemetry`` says a system has neither only from read code."""
    datasource: spring.DatasourceLogin | None = None
    """The database its own default Spring configuration points its JDBC datasource at, with the login it writes
    out (``spring.datasource_login``): ``compose`` compares the logins of the services reaching one datastore, and
    draws each database the services name apart on it (``code_databases``)."""
    connections: tuple[code_dotnet_settings.ConnectionString, ...] = ()
    """The connection strings of its .NET settings files (``code_dotnet_settings.connection_strings``): ``compose``
    draws each database they (or the deployment's variables replacing them) name apart on one server
    (``code_databases``)."""


# --------------------------------------------------------------------------------------
# Reading a service's code
# --------------------------------------------------------------------------------------


def import_paths(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """The routes of each directory (or file) given: one service each, or all of ``service``'s."""
    groups: dict[str, list[str]] = {}
    for p in paths:
        # a Spring Boot module is the service it names itself (what Eureka and lb:// routes call it), else its folder
        name = service or (os.path.isdir(p) and spring.declared_name(p, limits)) or slug(os.path.basename(
            os.path.normpath(p if os.path.isdir(p) else os.path.dirname(p) or os.getcwd())))
        groups.setdefault(name, []).append(p)
    docs: list[Document] = []
    from engine.importers import gateway  # the httpd configuration its image is built with

    for name, members in groups.items():
        doc = replace(_service_document(name, members, limits),
                      code_paths=tuple(os.path.normpath(m) for m in members))
        docs.append(doc)
        # a folder with no route in its code builds a web server in front of others (a gateway); one whose code
        # serves routes runs that code in httpd (mod_php), whose configuration adds its handlers only
        docs += [gateway.import_httpd(f, limits, name, "api", gateway=not doc.routes)
                 for p in members if os.path.isdir(p) for f in gateway.httpd_configs(p, limits)]
        # a project with no route in its code whose settings configure YARP is an ASP.NET Core reverse proxy
        docs += [gateway.import_yarp(f, limits, name) for p in members if os.path.isdir(p) and not doc.routes
                 for f in gateway.yarp_configs(p, limits)]
    return docs


def import_file(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """The routes one directory or file declares."""
    return import_paths([path], limits, service)


def _names_read(codes: Sequence[tuple[str, str]], config: Sequence[tuple[str, str]]) -> tuple[frozenset[str],
                                                                                              frozenset[str]]:
    """``RoutesDocument.names`` and ``.read`` of a service: every file of its code, those read for their client
    libraries only (C#, Kotlin, Rust...) included, names settings and hosts; the OAuth scopes a client asks for are
    often named after the APIs they open, but they are no address. Each file's names are worked out once an import
    (``_written_names``, ``_text_names``), whatever the services that read it."""
    written = [_written_names(t) for _f, t in codes]
    coded = frozenset().union(*(w[0] for w in written))
    names = coded.union(*(_text_names(t) for _f, t in config))
    read = coded.union(*(w[1] for w in written),
                       (_name(r) for _f, text in config for r in re.findall(r"\$\{([^}:]+)", text)))
    return names, read


@code_trees.kept()
def _text_names(text: str) -> frozenset[str]:
    """The names a text holds: each token's, and each of its dotted parts'."""
    return frozenset(_name(t) for tok in _NAME.findall(text) for t in (tok, *tok.split(".")))


@code_trees.kept()
def _written_names(code: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names a file of code holds, its OAuth scopes left out (``_text_names``), and the dotted names its strings
    write out (``"orders.api.url"``), each read as a prefix (``ordersapiurl*``)."""
    written = _SCOPES.sub(" ", code)
    return _text_names(written), frozenset(_name(s) + "*" for s in
                                           re.findall(r"\"([a-z][\w-]*(?:\.[a-z][\w-]*)+)\"", written))


def _names_of(texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]], config: Sequence[tuple[str, str]],
              paths: Sequence[str]) -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, str]], frozenset[str],
                                             dict[str, frozenset[str]]]:
    """``RoutesDocument.names``, ``.read``, ``.detached``, ``.spoken`` and ``.path_names`` of a service's code (read
    from ``paths``; Go functions nothing calls left out: ``code_go.uncalled_blanked``) and configuration."""
    texts = code_go.uncalled_blanked(texts)
    names, read = _names_read([*texts, *others], config)
    each = [(f, _names_read([(f, uncommented(f, t))], [])[0]) for f, t in [*texts, *others]]  # outside comments
    spoken = frozenset().union(_names_read([], config)[0], *(n for _f, n in each))
    return names, read, _detached_names(texts, others, config, names), spoken, _path_names(paths, each)


def _path_names(paths: Sequence[str], each: Sequence[tuple[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """``RoutesDocument.path_names``: the names the code of each of ``paths`` writes (``each``: those of each of the
    service's code files)."""
    return {os.path.normpath(p): frozenset().union(*(n for f, n in each
                                                     if f == p or f.startswith(p.rstrip(os.sep) + os.sep)))
            for p in paths}


def _detached_names(texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]],
                    config: Sequence[tuple[str, str]], names: frozenset[str]) -> dict[str, tuple[str, str]]:
    """``RoutesDocument.detached``: the names the Go code of ``texts`` names only in code that runs in goroutines its
    start-up code starts (``code_go.detached``), and nowhere else in the service's code or configuration (Go tests
    aside: they are not built into the service)."""
    go = {f: blank_comments(t) for f, t in texts if f.endswith(".go") and not f.endswith("_test.go")}
    found = code_go.detached(list(go.items())) if go else []
    if not found or code_go.escapes(list(go.items()), found):
        return {}
    blanked = dict(go)
    for d in found:
        for s, e in d.spans:
            t = blanked[d.path]
            blanked[d.path] = t[:s] + re.sub(r"[^\n]", " ", t[s:e]) + t[e:]
    rest, _ = _names_read([*blanked.items(), *[(f, t) for f, t in texts if not f.endswith(".go")], *others], config)
    out: dict[str, tuple[str, str]] = {}
    for d in found:
        inside, _ = _names_read([(d.path, go[d.path][s:e]) for s, e in d.spans], [])
        for n in sorted(inside & names - rest):
            out.setdefault(n, (d.during, f"in {d.what}, run only in the goroutine started at {d.started}"))
    return out


def _read_code(paths: Sequence[str], limits: Limits
               ) -> tuple[list[tuple[str, str]], list[Route], list[tuple[Location, str]], list[tuple[str, str]]]:
    """A service's code files (at most ``MAX_FILES`` a path) with their text, the routes each declares (a Rails
    application's among them), what could not be read, and the Rails application's Ruby files (``_rails_of``)."""
    routes: list[Route] = []
    remarks: list[tuple[Location, str]] = []
    texts: list[tuple[str, str]] = []
    listed = [list(code_files(p)) for p in paths]
    python = {f: read_text(f, limits) for files in listed for f in files[:MAX_FILES] if f.endswith(".py")}
    flask = code_flask.context(_parsed(python)) if python else None
    for p, files in zip(paths, listed, strict=True):
        if len(files) > MAX_FILES:
            remarks.append((Location(p), f"more than {MAX_FILES} source files: only the first {MAX_FILES} read"))
        for f in files[:MAX_FILES]:
            text = python[f] if f in python else read_text(f, limits)  # one that is not text stops the import
            texts.append((f, text))
            try:
                routes.extend(routes_of_file(f, text, flask))
            except InputError as exc:  # code its own compiler would reject: said, and the rest is read
                remarks.append((exc.location or Location(f), f"{exc.message}: its routes are not read"))
        if os.path.isdir(p):
            routes.extend(php_routes(p, limits, remarks))
    node = [(f, blank_comments(t)) for f, t in texts if f.endswith((".ts", ".js", ".mjs"))]
    unlisted, tests = code_node.unregistered(node), code_node.test_only(node)
    remarks.extend((Location(f), "NestJS controller no module registers (no file imports it): its routes are not "
                                 "served") for f in sorted(unlisted))
    remarks.extend((Location(f), "NestJS controller of a module loaded only when NODE_ENV is test: its routes are "
                                 "not served") for f in sorted(tests - unlisted))
    idle = unlisted | tests
    routes = code_fastapi.mounted(texts, routes, remarks, join)
    routes.extend(_django_routes(texts, remarks))
    routes.extend(_laravel_routes(paths, limits, remarks))
    rails = _rails_of(paths, limits, remarks, routes)
    return texts, _nest_fetched([r for r in routes if not (r.framework == "NestJS route" and r.at.file in idle)],
                                node), remarks, rails


def _nest_fetched(routes: Sequence[Route], node: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``fetch`` on each NestJS route whose handler sends a request to an address the request gave
    (``code_nest_fetch``), followed through the providers of every source folder of the service (``node``: its
    script files, comments blanked; a workspace library's use cases are a provider's as much as its own)."""
    codes = dict(node)
    classes: Mapping[str, code_nest_calls.Provider | None] | None = None   # read at the first route to follow
    out: list[Route] = []
    for r in routes:
        sent = None
        if r.nest and r.fetch is None and r.at.file in codes and code_nest_fetch.takes_address(codes[r.at.file],
                                                                                                 *r.nest):
            classes = code_nest_calls.classes_in(node) if classes is None else classes
            sent = code_nest_fetch.user_url_fetch(r.at.file, codes[r.at.file], *r.nest, classes)
        out.append(replace(r, fetch=sent) if sent else r)
    return out


_DISPATCHER = re.compile(r"graph_?ql", re.IGNORECASE)
"""A view that answers one route for many operations its own schema resolves (a GraphQL endpoint): what each
operation checks or throttles is in resolvers the import does not read."""


def _django_routes(texts: Sequence[tuple[str, str]], remarks: list[tuple[Location, str]]) -> list[Route]:
    """The routes of a Django project's URL configuration (``code_django``), when a file of it declares
    ``urlpatterns``: a Django REST framework view whose permissions are only ``AllowAny`` lets anyone call it, one
    with throttle classes is rate limited by them, as is one whose own code (or a form it validates) refuses a
    request when a rate limiter says no (``code_django``'s ``own_limit``). A GraphQL view's route is left out and
    said: one route for every operation of its schema, whose protections (a sign-in mutation's own throttling) are in
    resolvers not read, so the route's own rate limit and brute-force protection could only be guessed."""
    py = [(f, t) for f, t in texts if f.endswith(".py")]
    if not any("urlpatterns" in t for _f, t in py):
        return []
    found, said = code_django.routes(py)
    remarks.extend((at, what) for at, what in said if not what.startswith("not Python that parses"))
    out: list[Route] = []
    for r in found:
        where = f"{r.view}, {r.view_at}" if r.view_at else r.view
        if _DISPATCHER.search(r.view) or _DISPATCHER.search(r.path.rstrip("/").rsplit("/", 1)[-1]):
            remarks.append((r.at, f"{r.method} {r.path} not drawn: its view ({where}) answers every operation of a "
                                  "GraphQL schema, whose resolvers (and what each checks or throttles) are not read"))
            continue
        p = r.protections
        allowed = ", ".join(p.permissions or ()) or "empty"
        out.append(Route(
            r.method, r.path, r.at, "Django URL pattern",
            handler=r.view_at, login=f"{r.sign_in} ({where})" if r.sign_in else None,
            grants_admin=r.grants_admin or None, writes=r.writes or None,
            query_credential=r.url_credential or None, admin_site=r.admin_site or None, feed=r.feed,
            authn=("session", "the admin site signs staff in through its own login form, with a Django session")
            if r.admin_site else None,
            permitted=f"its Django REST framework permission_classes are {allowed} ({where})" if r.anonymous else None,
            throttle=f"its Django REST framework throttle_classes are {', '.join(p.throttles or ())} ({where})"
            if p.throttles else f"{p.library_limit or p.own_limit} ({where})" if p.library_limit or p.own_limit
            else None))
    return out


def _parsed(python: Mapping[str, str]) -> list[tuple[str, ast.Module]]:
    """The service's Python modules that parse (one that does not is remarked on when its routes are read)."""
    out: list[tuple[str, ast.Module]] = []
    for f, text in python.items():
        try:
            out.append((f, code_trees.parse(text, f)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return out


def _workflow_code(doc: RoutesDocument, texts: Sequence[tuple[str, str]], java: Sequence[tuple[str, str]],
                   cs: Sequence[tuple[str, str]], spring: Sequence[code_workflows.Handler]) -> None:
    """The handlers whose writes make workflows, and the check-then-act reads, of a service's code in each language
    (``spring``: its Spring handlers, read already), the engines its Go code writes only while it starts, and the
    gRPC clients its Go code calls once per element of a collection (``code_go_per_item``)."""
    doc.seeds_only = code_seeding.seeds_only(texts)
    doc.per_item = code_go_per_item.per_item([(f, blank_comments(t)) for f, t in texts if f.endswith(".go")])
    doc.handlers = (*[h for f, t in texts if f.endswith(".py")
                      for h in code_workflows.python_handlers(f, t, _WRITES, frozenset(_NOT_STORES))],
                    *code_workflows.go_handlers([(f, blank_comments(t)) for f, t in texts if f.endswith(".go")]),
                    *code_workflows.cpp_handlers([(f, blank_comments(t)) for f, t in texts
                                                  if f.endswith(code_workflows.CPP_SUFFIXES)]),
                    *spring, *code_cs_workflows.handlers(cs))
    doc.guarded = code_workflows.guarded(texts)
    doc.checks = () if doc.guarded else (
        *[c for f, t in texts if f.endswith(".py")
          for c in code_workflows.python_checks(f, t, _WRITES, frozenset(_NOT_STORES))],
        *code_workflows.java_checks(java), *code_workflows.java_rmw_checks(java),
        *code_workflows.go_checks(go := [(f, blank_comments(t)) for f, t in texts if f.endswith(".go")]),
        *code_workflows.go_rmw_checks(go))


def _spring_handler_facts(routes: Sequence[Route], java: Sequence[tuple[str, str]]
                          ) -> tuple[list[Route], list[code_workflows.Handler]]:
    """``routes`` with what their Spring handlers' code says (maintenance, credential checks, permitted callers,
    writes reached through calls), and the handlers ``code_workflows`` reads (its workflows are made of them)."""
    handlers = _SpringHandlers(dict(java))
    routes = _java_permitted(_java_credential_handlers(_java_maintenance(routes, java, handlers), java, handlers),
                             java, handlers)
    spring = code_workflows.java_handlers(java)
    return _decisions_reached(_writes_reached(routes, spring), spring), spring


def _plain_listener(paths: Sequence[str], limits: Limits, texts: Sequence[tuple[str, str]],
                    java: Sequence[tuple[str, str]], rails: Sequence[tuple[str, str]] = ()
                    ) -> tuple[str, Location] | None:
    """Why, and where, the web server a service's folder configures listens on plain HTTP only: ASP.NET Core's
    URLs, Tomcat's connectors, a Go server, a NestJS or Next.js application, a Spring Boot application, a Python
    application started with uvicorn given no TLS, or a Rails application's Puma (``rails``: its Ruby files)."""
    config = [f for p in paths for f in code_secrets.source_files(p, config=True)]
    images = [(f, read_text(f, limits)) for p in paths for f in [os.path.join(p, "Dockerfile")] if os.path.isfile(f)]
    return (code_dotnet_settings.plain_listener(paths, limits) or code_servlets.tomcat_plain_listener(paths, limits)
            or code_go.plain_listener([(f, blank_comments(t)) for f, t in texts if f.endswith(".go")])
            or code_node.nest_plain_listener([(f, blank_comments(t)) for f, t in texts
                                              if f.endswith((".ts", ".js", ".mjs"))], paths[0])
            or code_nextjs.plain_listener([(f, blank_comments(t)) for f, t in texts
                                           if f.endswith(code_nextjs.SUFFIXES)], paths[0])
            or spring.boot_plain_listener(java, config, images, limits)
            or code_fastapi.plain_listener([(f, t) for f, t in texts if f.endswith(".py")], images)
            or (code_rails.plain_listener(rails) if rails else None))


_DEFAULT_CONFIG = ("application.properties", "application.yml", "application.yaml")


_Read = TypeVar("_Read")


def _own_config(paths: Sequence[str], limits: Limits, read: Callable[[str, Limits], _Read | None]) -> _Read | None:
    """What ``read`` finds in the first of the service's own default Spring configuration files (in path order) that
    gives anything: a profile's file, a configuration server's and the deployment's settings are not read here. None
    when none does, or a file does not parse (said by the secrets scan, which reads the same files)."""
    for p in paths:
        for f in sorted(code_secrets.source_files(p, config=True)):
            if os.path.basename(f) in _DEFAULT_CONFIG:
                with contextlib.suppress(InputError):
                    found = read(f, limits)
                    if found is not None:
                        return found
    return None


def _shared_datasource_logins(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``credentials_shared`` on each datastore of the deployment that the JDBC datasources of two
    services or more point at with the same user and password, written out in their own configuration
    (``RoutesDocument.datasource``): each can do whatever the others can there. The values are never reported."""
    logins: dict[tuple[str, tuple[str, str]], dict[str, Location]] = {}
    for d in docs:
        if isinstance(d, RoutesDocument) and d.datasource is not None and d.datasource.login is not None:
            logins.setdefault((safe_name(d.datasource.host), d.datasource.login), {})[d.service] = d.datasource.at
    shared = {store: users for (store, _login), users in sorted(logins.items()) if len(users) > 1}

    def edit(doc: ArtifactDocument, _data: dict[str, Any]) -> Document:
        for store, users in shared.items():
            names = sorted(users)
            doc = with_field(doc, "datastores", store, "credentials_shared", True, users[names[0]],
                             f"credentials_shared: {', '.join(names)} point their JDBC datasource at {store} with the "
                             "same user and password, written out in their own configuration (values not shown)")
        return doc
    return _edit_artifacts(docs, edit) if shared else list(docs)


def _python_reached(routes: Sequence[Route], texts: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with what each Python route's handler reaches through the service's own modules
    (``code_py_reach``): ``paid`` where it reaches a call of an AI provider's SDK that runs a model and bills it;
    ``fetch`` where it sends a request to a URL its caller gives (``url = request.GET.get("url")``, handed on through
    the service's functions), or to the URL of a record it loads by an id the request gives (a webhook, an action: a
    URL some caller of the API saved), unchecked on the way."""
    handled = [r for r in routes if r.handler is not None and r.handler.file.endswith(".py")]
    paid = bool(handled) and code_py_reach.has_paid_call(texts)
    fetch = bool(handled) and any(f.endswith(".py") and any(c in t for c in code_py_reach.HTTP_CLIENTS)
                                  for f, t in texts)
    if not (paid or fetch):
        return list(routes)
    index = code_py_reach.Index(texts)
    out: list[Route] = []
    for r in routes:
        handler = r.handler
        if handler is None or not handler.file.endswith(".py"):
            out.append(r)
            continue
        found = index.reach(handler, code_py_reach.paid_sink) if paid and r.paid is None else None
        if found is not None:
            via = f", reached through {' -> '.join(found.through)}" if len(found.through) > 1 else ""
            r = replace(r, paid=f"{found.what}{via}")  # noqa: PLW2901 -- the route with what its handler reaches
        start = index.enclosing(handler) if fetch and r.fetch is None else None
        asked = code_py_reach.request_values(start[1]) if start else {}
        for name, read in asked.items():  # one by one, to say which value of the request is fetched
            sent = index.url_reach(handler, {name: "url"})
            if sent is not None:
                via = f", reached through {' -> '.join(sent.through)}" if len(sent.through) > 1 else ""
                r = replace(r, fetch=f"{sent.what}, the URL the request gives ({read}){via}")  # noqa: PLW2901
                break
        for record, by in (code_py_reach.id_records(start[1]) if start and r.fetch is None else {}).items():
            sent = index.url_reach(handler, {record: "record"})
            if sent is not None:
                via = f", reached through {' -> '.join(sent.through)}" if len(sent.through) > 1 else ""
                r = replace(r, fetch=f"{sent.what}, the URL of the record {record} the request names by "  # noqa: PLW2901
                                     f"{by}{via}")
                break
        out.append(r)
    return out


def _code_checks(d: RoutesDocument, where: tuple[Sequence[tuple[dict[str, Any], str]], Sequence[str],
                                                 Mapping[Location, str], Mapping[str, str]],
                 confirm: code_workflows.Confirm,
                 decide: code_workflows.Confirm) -> list[tuple[str, code_workflows.Check]]:
    """The check-then-acts of a service's handlers with the interaction each reads through: those its code showed
    alone (``RoutesDocument.checks``), and its writes made on what another service's route decided
    (``code_workflows.decided``) when nothing in its code guards them. ``where``: the interactions the deployment drew
    from its variables, the services it calls, the service each of its calls reaches, each datastore's engine."""
    drawn, callees, resolved, engines = where
    acted = () if d.guarded else code_workflows.decided(d.service, d.handlers, resolved, callees, drawn, confirm,
                                                        decide)
    return [(t, c) for c in (*d.checks, *acted)
            if (t := code_workflows.check_target(c, drawn, callees, resolved, engines)) is not None]


def _decisions_reached(routes: Sequence[Route], handlers: Sequence[code_workflows.Handler]) -> list[Route]:
    """``routes`` with ``decides`` on each Spring MVC route that writes nothing and whose handler takes a decision on
    a value read from another service (``code_workflows.Handler.decides``): the handler the one declared under the
    route's annotation, as for ``_writes_reached``."""
    lines = {(r.at.file, r.at.line) for r in routes}
    out: list[Route] = []
    for r in routes:
        handler = _route_handler(r, handlers, lines) if r.framework == "Spring MVC mapping" and r.writes is None \
            else None
        out.append(replace(r, decides=handler.decides) if handler is not None and handler.decides else r)
    return out


def _route_handler(r: Route, handlers: Sequence[code_workflows.Handler],
                   lines: set[tuple[str, int]]) -> code_workflows.Handler | None:
    """The handler declared under a route's annotation: the first after it in its file, with no other route's
    annotation (``lines``) between them."""
    handler = min((h for h in handlers if h.at.file == r.at.file and h.at.line > r.at.line),
                  key=lambda h: h.at.line, default=None)
    if handler is None or any(f == r.at.file and r.at.line < n < handler.at.line for f, n in lines):
        return None
    return handler


def _writes_reached(routes: Sequence[Route], handlers: Sequence[code_workflows.Handler]) -> list[Route]:
    """``routes`` with ``writes`` on each Spring MVC POST, PUT, PATCH or DELETE whose handler's own body names no
    write (``orderService.order(order)``: no writing verb) but whose calls, followed into the service's classes
    (``code_workflows.java_handlers``), reach a write to its own store (``OrderRepository.save`` in
    ``OrderService.order``). The handler is the one declared under the route's annotation: the first after it in
    the file, with no other route's annotation between them. A message sent to a broker is no such write."""
    lines = {(r.at.file, r.at.line) for r in routes}
    out: list[Route] = []
    for r in routes:
        if r.writes is not None or r.method in _SAFE or r.framework != "Spring MVC mapping":
            out.append(r)
            continue
        handler = _route_handler(r, handlers, lines)
        wrote = next((w for w in handler.writes if w.own and not w.publish), None) if handler else None
        if handler is None or wrote is None:
            out.append(r)
            continue
        call = wrote.how.split(" at ", 1)[0]
        out.append(replace(r, writes=f"{call}() at {os.path.basename(wrote.at.file)}:{wrote.at.line}, reached "
                                     f"through the calls {handler.name} makes"))
    return out


def _read_calls(doc: RoutesDocument, texts: Sequence[tuple[str, str]], php: Sequence[tuple[str, str]]) -> None:
    """``doc``'s outbound calls (``php``: the PHP files of its PHP application, ``code_php_calls``), the values its
    code refuses, and, when a call goes to a URL its code writes out, how its Python files load one another
    (``code_calls.loaded_modules``)."""
    doc.calls, doc.refused = code_calls.service_calls(texts) + code_php_calls.php_calls(php), \
        code_secrets.refused_values(texts)
    doc.modules = code_calls.loaded_modules(doc.calls, texts)


def _settled_handlers(routes: Sequence[Route], texts: Sequence[tuple[str, str]], schemas: Sequence[tuple[str, str]]
                      ) -> list[Route]:
    """``routes`` with what their handlers' tokens and uploads depend on read in the whole service: the lifetime and
    revocation of the tokens they sign (``code_tokens.settled``), and a type check a wildcard skips
    (``code_uploads.settled``)."""
    if not any(r.token or r.upload for r in routes):
        return list(routes)
    blanked = [(f, blank_comments(t)) for f, t in texts]
    return [replace(r, token=r.token and code_tokens.settled(r.token, blanked),
                    upload=r.upload and code_uploads.settled(r.upload, [*blanked, *schemas])) for r in routes]


def _read_also(paths: Sequence[str], limits: Limits, remarks: list[tuple[Location, str]],
               suffixes: tuple[str, ...], why: str, keep: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The service's files ending in ``suffixes`` (``keep``: as ``code_files``), read for ``why`` only: one that fails
    is said in ``remarks``."""
    out: list[tuple[str, str]] = []
    for f in (f for p in paths for f in code_files(p, suffixes=suffixes, keep=keep)):
        try:
            out.append((f, read_text(f, limits)))
        except InputError as exc:
            remarks.append((exc.location or Location(f), f"{exc.message}: not read for {why}"))
    return out


def _schemas_and_seeds(paths: Sequence[str], limits: Limits, remarks: list[tuple[Location, str]]
                       ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The service's schema files (``code_api_tokens``), and its SQL files with its migrations'
    (``code_default_admin``), each read for that only."""
    return (_read_also(paths, limits, remarks, code_api_tokens.SUFFIXES, "the API keys it stores"),
            _read_also(paths, limits, remarks, code_default_admin.SUFFIXES, "the administrator it seeds",
                       code_default_admin.KEEP))


def _named_query_limit(routes: list[Route], texts: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` whose callers' SQL no Go code bounds (``code_go_queries``) given the statement timeout that the
    service's other files (its SQL, its settings) name, when one does: how long a query may run is then not known."""
    limited = code_go_queries.limit_named(texts)
    if limited is None:
        return routes
    return [replace(r, caller_query=replace(r.caller_query, bounded=f"the statement timeout named at {limited}"))
            if r.caller_query is not None and r.caller_query.bounded is None else r for r in routes]


def _data_rest_routes(routes: list[Route], java: Sequence[tuple[str, str]], paths: Sequence[str],
                      limits: Limits) -> list[Route]:
    """``routes`` with those the service's Spring Data REST repositories export (``code_spring_data_rest``), less any
    its code maps itself (a ``@RepositoryRestController`` handler replaces the repository's), and Spring Data REST's
    base path before the repositories' routes and those of its controllers."""
    found = [e for f, code in java for e in code_spring_data_rest.exported(f, code)]
    controllers = {f for f, code in java if re.search(r"@(?:RepositoryRestController|BasePathAwareController)\b", code)}
    if not found and not controllers:
        return routes
    base = code_spring_data_rest.base_path(
        [(f, read_text(f, limits)) for p in paths for f in code_secrets.source_files(p, config=True)])
    out = [replace(r, path=join(base, r.path)) if base and r.at.file in controllers else r for r in routes]
    mapped = {(r.method, r.path) for r in out}
    out.extend(Route(e.method, join(base, e.path), e.at, "Spring Data REST repository",
                     writes=None if e.method in _SAFE else f"{e.calls} exported by Spring Data REST")
               for e in found if (e.method, join(base, e.path)) not in mapped)
    return out


def _rails_app(paths: Sequence[str]) -> bool:
    """Whether the service's folders hold a Rails application's ``config/routes.rb`` (given as the ``config`` folder
    or under the application's root)."""
    return any(os.path.isfile(os.path.join(p, *tail)) for p in paths if os.path.isdir(p)
               for tail in (("routes.rb",), ("config", "routes.rb")))


def _rails_routes(ruby: Sequence[tuple[str, str]], remarks: list[tuple[Location, str]]) -> list[Route]:
    """The routes of a Rails application (``code_rails``) with who each authenticates, its sign-ins, Rack::Attack's
    throttles and the session cookie it sets, whose ``Secure`` follows ``config.force_ssl`` as deployed when the
    cookie's own options leave it out (Rails marks every cookie Secure under it)."""
    found, said = code_rails.routes(ruby)
    remarks.extend(said)
    ssl = code_rails.force_ssl(ruby) if found else None
    out: list[Route] = []
    for r in found:
        cookie = r.cookie
        when: tuple[tuple[str, code_go.Setting], ...] = ()
        if cookie is not None and r.cookie_secure_unstated:
            where = f"{os.path.basename(ssl[2].file)}:{ssl[2].line}" if ssl else ""
            if ssl is None:
                cookie = ((*cookie[0], ("secure", False)),
                          f"{cookie[1]}; secure false: config.force_ssl is not set, and Rails leaves it off")
            elif ssl[0] is not None and ssl[1] is not None:
                when = (("secure", code_go.Setting(ssl[0], True, True, str(ssl[1]).lower(), where,
                                                   f"config.force_ssl reads {ssl[0]} ({where}), and Rails marks every "
                                                   "cookie Secure under it")),)
            elif ssl[0] is None and ssl[1] is not None:
                cookie = ((*cookie[0], ("secure", ssl[1])),
                          f"{cookie[1]}; secure {str(ssl[1]).lower()}: config.force_ssl = {str(ssl[1]).lower()} "
                          f"({where})")
        out.append(Route(r.method, r.path, r.at, "Rails route", authn=r.authn, permitted=r.anonymous, login=r.login,
                         throttle=r.throttle, cookie=cookie, cookie_when=when, configures=r.configures,
                         lockout=r.lockout, default_credentials=r.default_credentials))
    return out


_LARAVEL_FILES = ("composer.json", ".env", ".env.example")
"""The files beside a Laravel application's code that say what it is and the environment it loads."""


def _laravel_app(paths: Sequence[str]) -> bool:
    """Whether the service's folders hold a Laravel application's ``routes/web.php`` or ``routes/api.php`` (given as
    the ``routes`` folder or under the application's root)."""
    return any(os.path.isfile(os.path.join(p, *tail)) for p in paths if os.path.isdir(p)
               for name in ("web.php", "api.php") for tail in ((name,), ("routes", name)))


def _php_app(paths: Sequence[str]) -> bool:
    """Whether the service's folders hold a PHP application: a Laravel one, or a ``composer.json`` at a folder's root
    (its PHP files are read by ``_read_also``: an unreadable one is said by the reader of its routes)."""
    return _laravel_app(paths) or any(os.path.isfile(os.path.join(p, "composer.json")) for p in paths
                                      if os.path.isdir(p))


def _laravel_routes(paths: Sequence[str], limits: Limits, remarks: list[tuple[Location, str]]) -> list[Route]:
    """The routes of a Laravel application (``code_laravel``) with who each authenticates, its throttles, its sign-in
    and the session cookie that sign-in sets: ``config/session.php``'s flags, an ``env()`` one settled as deployed
    (``_settled_cookie``), with the application's ``.env`` (or its template) as the value the deployment leaves."""
    if not _laravel_app(paths):
        return []
    texts = _read_also(paths, limits, remarks, (".php",), "its Laravel application")
    beside = [f for p in paths for f in ([p] if os.path.isfile(p) else [os.path.join(p, n) for n in _LARAVEL_FILES])
              if os.path.basename(f) in _LARAVEL_FILES and os.path.isfile(f)]
    files = [*texts, *((f, read_text(f, limits)) for f in beside)]
    found = code_laravel.routes(files)
    if not found:
        return []
    flags = code_laravel.session_cookie(files)
    stated = tuple((c.flag, c.value) for c in flags if c.value is not None)
    when = tuple((c.flag, code_go.Setting(c.variable, True, True, c.default, c.defined, c.said)) for c in flags
                 if c.value is None and c.variable is not None and c.flag in ("secure", "http_only"))
    said = "; ".join(c.said for c in flags if c.value is not None)
    cookie = (stated, f"Laravel's session cookie, set on the sign-in: {said}" if said
              else "Laravel's session cookie, set on the sign-in") if stated or when else None
    return [Route(r.method, r.path, r.at, "Laravel route", authn=r.authn, permitted=r.anonymous, login=r.login,
                  throttle=r.throttle, authz=r.authz, maintenance=r.maintenance, query_credential=r.credential_in_path,
                  cookie=cookie if r.login else None, cookie_when=when if r.login else ())
            for r in found]


def _rails_of(paths: Sequence[str], limits: Limits, remarks: list[tuple[Location, str]],
              routes: list[Route]) -> list[tuple[str, str]]:
    """The Ruby files of a Rails application among ``paths`` when its routes file draws routes, those routes added to
    ``routes``; empty otherwise."""
    ruby = _read_also(paths, limits, remarks, (".rb",), "its Rails application") if _rails_app(paths) else []
    rails = _rails_routes(ruby, remarks)
    routes.extend(rails)
    return ruby if rails else []


def _service_document(service: str, paths: Sequence[str], limits: Limits) -> RoutesDocument:
    texts, routes, remarks, rails = _read_code(paths, limits)
    go = [(f, blank_comments(t)) for f, t in texts if f.endswith(".go")]
    unchecked = code_go.no_caller_check(go) if go else None
    routes.extend(replace(r, open=unchecked) if unchecked else r for r in go_routes(go))
    routes.extend(nextjs_routes([(f, blank_comments(t)) for f, t in texts if f.endswith(code_nextjs.SUFFIXES)]))
    others = _read_also(paths, limits, remarks, code_flags.SUFFIXES, "its client libraries")
    schemas, seeds = _schemas_and_seeds(paths, limits, remarks)
    routes = _named_query_limit(routes, [*texts, *schemas])
    routes.extend([*_csharp_routes(others), *_rust_routes(others)])
    java = [(f, blank_comments(t)) for f, t in texts if f.endswith(".java")]
    routes = _data_rest_routes(routes, java, paths, limits)
    routes.extend([*_servlet_routes(java, paths, limits), *_jaxrs_routes(java, paths, limits),
                   *(Route("RPC", r.path, r.at, r.framework, classified=r.classified)
                     for r in code_proto.routes(paths, [*texts, *others], limits))])
    routes = _keys_unknown(_opened(_test_only(routes, [*texts, *others]), texts), [*texts, *others], java)
    cs = [(f, blank_comments(t)) for f, t in others if f.endswith(".cs")]
    routes = _csharp_body_ids(_csharp_amounts(_csharp_writes(_java_amounts(routes, java), cs), cs), cs)
    routes, spring_handlers = _spring_handler_facts(_python_reached(routes, texts), java)
    routes = _settled_handlers(routes, texts, schemas)
    unique: dict[tuple[str, str], Route] = {}
    for r in sorted(routes, key=lambda r: (r.at.file, r.at.line, r.method, r.path)):
        unique.setdefault((r.method, r.path), r)
    unique = _with_filter_cookie(unique, texts)
    said = _with_rust_state(traits(texts, tuple(unique.values()), others, _libraries(paths, limits, remarks),
                                   schemas, seeds), others, paths, limits)
    if any(u.framework == "Eventuate Tram" for u in said.channels):  # its broker is named in its build or config
        named = [*(t for _f, t in texts), *(read_text(f, limits) for p in paths
                                           for f in [*code_channels.build_files([p]),
                                                     *code_secrets.source_files(p, config=True)])]
        said = replace(said, channels=code_channels.with_transport(said.channels,
                                                                   code_channels.eventuate_transport(named)))
    gateway_of = code_grpc_gateway.registrations([(f, blank_comments(t)) for f, t in texts if f.endswith(".go")])
    said = replace(said, actuator=_own_config(paths, limits, spring.actuator_of), callers=(*said.callers,
                                                                                           *code_polly.callers(cs)),
                   plain_listener=_plain_listener(paths, limits, texts, java, rails),
                   channels=(*said.channels, *code_dotnet_settings.channel_uses(paths, limits),
                             *code_bullmq.uses([(f, blank_comments(t)) for f, t in texts
                                                if f.endswith(code_bullmq.SUFFIXES)], paths[0])))
    doc = build(service, _running(unique, said, remarks), Location(paths[0]), {},
                secrets=tuple(sorted({*code_secrets.scan(paths, limits), *code_dotnet_settings.secrets(paths, limits)},
                                     key=lambda s: (s.at.file, s.at.line, s.at.column, s.name))),
                traits=said, gateway_of=gateway_of, open_code=_open_code(paths, limits, rails))
    doc.gateway_of, doc.store_image, doc.datasource, doc.connections, (doc.django_debug, doc.django_session) = (
        gateway_of, store_image.image_facts(service, paths, limits),
        _own_config(paths, limits, spring.datasource_login),
        _read_connections(code_dotnet_settings.connection_strings(paths, limits), cs), _django_settings(texts))
    doc.retry_settings = (_own_config(paths, limits, spring.retry_settings) or {}) if any(
        c.retry and not c.attempts for c in said.callers) else {}
    doc.notifies = code_notify.notifications([(f, blank_comments(t)) for f, t in texts if f.endswith(".go")])
    doc.remarks = sorted({*doc.remarks, *remarks})
    _read_calls(doc, texts, _read_also(paths, limits, [], (".php",), "its outbound calls") if _php_app(paths) else [])
    doc.clients, doc.registered = code_clients.service_clients([(f, blank_comments(t)) for f, t in texts
                                                                if f.endswith(code_clients.SUFFIXES)])
    doc.clients = (*doc.clients, *code_clients.settings_clients(
        doc.connections, code_dotnet_settings.brokers(paths, limits),
        code_dotnet_settings.service_locations(paths, cs, limits)), *code_ribbon.clients(java, paths[0]))
    _workflow_code(doc, texts, java, cs, spring_handlers)
    _code_names(doc, texts, others, cs, _vue_files(paths, limits))
    config = [(f, read_text(f, limits)) for p in paths for f in code_secrets.source_files(p, config=True)]
    doc.names, doc.read, doc.detached, doc.spoken, doc.path_names = _names_of(texts, others, config, paths)
    doc.stored_settings = code_settings.stored(texts)
    doc.properties, doc.deadlines, doc.dropped, doc.tls_skips, doc.distributed_cache, doc.redis_store = (
        code_properties.components(texts), code_go_deadlines.deadlines(go), code_go_deadlines.dropped(go),
        code_cs_tls.unverified(cs), _distributed_cache(cs), code_redis_store.written(texts, blanked=cs))
    build_files = [b for p in paths if os.path.isdir(p) for n in _BUILD_FILES
                   for b in [os.path.join(p, n)] if os.path.isfile(b)]
    builds = [read_text(b, limits) for b in build_files]
    doc.reads_only, doc.telemetry = (_reads_only([*texts, *((f, t) for f, t in others if f.endswith(".cs"))]),
                                     _telemetry(texts, others, config, list(zip(build_files, builds, strict=True))))
    if any(w.own for h in doc.handlers for w in h.writes):  # it writes: where its data lives counts
        doc.traits = replace(doc.traits, embedded=code_embedded.embedded_store(
            list(zip(build_files, builds, strict=True)), java, config))
    doc.traits = replace(doc.traits, sqlite=code_sqlite.sqlite_of([(f, t) for f, t in texts if f.endswith(".py")]))
    if texts:
        doc.client_groups = frozenset(group for group, _what, words in spring.CLIENTS
                                      if any(words.search(t) for t in [*builds, *(text for _f, text in texts)]))
    if not unique:
        doc.remarks = sorted({*doc.remarks, (Location(paths[0]), _NO_ROUTE)})
    return doc


def _vue_files(paths: Sequence[str], limits: Limits) -> list[tuple[str, str]]:
    """The service's Vue single-file components, with their text (read for the requests their scripts send)."""
    vue = []
    for f in (f for p in paths for f in code_files(p, suffixes=(".vue",))):
        with contextlib.suppress(InputError):  # a component that is not text says nothing of what it sends
            vue.append((f, read_text(f, limits)))
    return vue


def _telemetry(texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]], config: Sequence[tuple[str, str]],
               builds: Sequence[tuple[str, str]]) -> code_telemetry.Signals | None:
    """``RoutesDocument.telemetry``: what its code, configuration and JVM build files show of metrics and tracing;
    None when none of its code was read."""
    if not texts and not others:
        return None
    return code_telemetry.signals([(f, t if f.endswith(".py") else blank_comments(t))
                                   for f, t in [*texts, *others, *config]], builds)


_NO_ROUTE = ("no route of Flask, FastAPI, Express, Next.js, Spring MVC, Jakarta Servlet, JAX-RS, Go, ASP.NET Core or "
             "Rust found: the service's endpoints stay unknown")


def _rust_routes(others: Sequence[tuple[str, str]]) -> list[Route]:
    """The routes of the Rust files of ``others`` (``code_rust``), with the path each passes the request on to."""
    return [Route(r.method, normalise(r.path), r.at, r.framework,
                  forwards=(normalise(r.forwards[0]), r.forwards[1]) if r.forwards else None, throttle=r.throttle,
                  writes=r.writes, query_credential=r.url_credential, fetch=r.fetch)
            for r in code_rust.routes([(f, blank_comments(t)) for f, t in others if f.endswith(".rs")])]


_CONFIG_FILES = (".hjson", ".json")
"""The configuration files given with a service's code whose keys ``code_rust.listeners`` reads (brace-nested)."""


def _running(routes: dict[tuple[str, str], Route], said: Traits, remarks: list[tuple[Location, str]]
             ) -> tuple[Route, ...]:
    """``routes`` without those a server that does not run registers (in its ``HttpServer::new(...)``: a metrics server
    its configuration leaves off), with a remark added to ``remarks`` for each dropped."""
    off = [lst for lst in said.listeners or () if not lst.runs]
    kept: list[Route] = []
    for r in routes.values():
        server = next((lst for lst in off if lst.at.file == r.at.file and lst.lines[0] <= r.at.line <= lst.lines[1]),
                      None)
        if server is None:
            kept.append(r)
        else:
            remarks.append((r.at, f"{r.method} {r.path} not drawn: only the server bound at {server.at.file}:"
                                  f"{server.at.line} serves it, and it does not run ({server.why})"))
    return tuple(kept)


def _rust_listeners(others: Sequence[tuple[str, str]], paths: Sequence[str], limits: Limits
                    ) -> tuple[code_rust.Listener, ...] | None:
    """The ports the service's Rust servers bind (``code_rust.listeners``), with the configuration files given among
    ``paths`` (a file, not a folder: the one the deployment mounts)."""
    rust = [(f, blank_comments(t)) for f, t in others if f.endswith(".rs")]
    if not rust:
        return None
    configs = [(p, read_text(p, limits)) for p in paths if p.endswith(_CONFIG_FILES) and os.path.isfile(p)]
    return code_rust.listeners(rust, configs)


def _servlet_routes(java: Sequence[tuple[str, str]], paths: Sequence[str], limits: Limits) -> list[Route]:
    """The routes of the ``@WebServlet`` classes of ``java`` (``code_servlets``), under the context path their WAR is
    served at."""
    served = code_servlets.routes(java) if java else []
    if not served:
        return []
    context = code_servlets.context_path(paths, limits)
    how = "Jakarta Servlet (@WebServlet)" + (f", context path from {context[1]}" if context else "")
    return [Route(r.method, join(context[0] if context else "", r.path), r.at, how, cookie=r.cookie,
                  writes=r.writes, amount=r.amount if r.method not in _SAFE else None) for r in served]


def _jaxrs_routes(java: Sequence[tuple[str, str]], paths: Sequence[str], limits: Limits) -> list[Route]:
    """The routes of the JAX-RS resources of ``java`` (``code_jaxrs``): under each ``web.xml`` servlet that runs the
    application (only the packages it scans), else under the code's ``@ApplicationPath``; all under the context path
    their WAR is served at."""
    if not any(code_jaxrs.IMPORTS.search(code) for _f, code in java):
        return []
    servlets = code_jaxrs.web_xml_servlets([f for p in paths for f in code_files(p, suffixes=("web.xml",))],
                                           code_jaxrs.applications(java), limits)
    application = code_jaxrs.application_path(java)
    mounts = [(prefix, packages, f"JAX-RS resource, under the servlet mapped at {at}") for prefix, packages, at in
              servlets] or [(application[0] if application else "", (),
                             "JAX-RS resource" + (f", @ApplicationPath at {application[1]}" if application else ""))]
    context = code_servlets.context_path(paths, limits)
    files = dict(java)
    out: list[Route] = []
    for prefix, packages, mounted in mounts:
        how = mounted + (f", context path from {context[1]}" if context else "")
        for r in code_jaxrs.routes(java, packages):
            code = files[r.at.file]
            start = sum(len(x) + 1 for x in code.split("\n")[:r.at.line - 1]) + r.at.column - 1
            listed, paid, capped = _java_handler(code, start, r.at.file)  # what its method shows, as Spring's does
            wrote, creates = _java_writes(code, start, r.at.file) or (None, None)
            out.append(Route(r.method, join(context[0] if context else "", join(prefix, r.path)), r.at, how,
                             collection=listed if r.method == "GET" else None, paid=paid,
                             capped=capped if r.method == "GET" and listed else None, writes=wrote,
                             no_idempotency_key=creates if r.method not in _SAFE else None,
                             stops=_java_stops(code, start, r.at.file)))
    return out


def _opened(routes: Sequence[Route], texts: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``open`` where a route is ``unchecked`` and another handler of the service rejects callers
    itself (``guard``): the service checks its callers in its handlers, and that one checks nobody. None is opened
    when any JavaScript file of the service mounts a middleware named for checking callers on an app or router."""
    guard = min((r.guard for r in routes if r.guard), default=None)
    if guard is None or any(guarded_apps(code, {m.group(1) for m in _JS_APP.finditer(code)})
                            for f, t in texts if f.endswith((".js", ".mjs", ".cjs", ".ts"))
                            for code in [blank_comments(t)]):
        return list(routes)
    return [replace(r, open=f"{r.unchecked}; the service's handlers check their callers themselves ({guard}), "
                            "and this one does not") if r.unchecked else r for r in routes]


_SQL_ENGINES = frozenset({"mysql", "postgres", "sqlserver", "oracle", "db2", "mariadb"})
_DATA_CLIENTS: tuple[tuple[tuple[str, ...], frozenset[str], re.Pattern[str], re.Pattern[str]], ...] = (
    ((".java",), _SQL_ENGINES,
     re.compile(r"\b(?:CrudRepository|JpaRepository|PagingAndSortingRepository|ListCrudRepository|JdbcTemplate|"
                r"EntityManager)\b|@Query\b"),
     re.compile(r"\.(?:save\w*|delete\w*|persist|merge|update|batchUpdate|executeUpdate|insert\w*)\s*\(|@Modifying\b|"
                r"\b(?:insert\s+into|update\s+\w+\s+set|delete\s+from|replace\s+into|truncate\s+table)\b",
                re.IGNORECASE)),
    ((".go",), _SQL_ENGINES,
     re.compile(r"\b(?:sql|otelsql|sqlx)\s*\.\s*Open(?:DB)?\s*\("),
     re.compile(r"\.\s*(?:Exec|ExecContext|MustExec|NamedExec\w*)\s*\(|"
                r"\b(?:insert\s+into|update\s+\w+\s+set|delete\s+from|replace\s+into|truncate\s+table)\b",
                re.IGNORECASE)),
    ((".js", ".ts", ".mjs"), frozenset({"mongodb"}),
     re.compile(r"require\(\s*['\"](?:mongodb|mongoose)['\"]\s*\)|from\s+['\"](?:mongodb|mongoose)['\"]"),
     re.compile(r"\.(?:insert\w*|update\w*|replace\w*|delete\w*|remove\w*|save|findOneAnd\w+|findAndModify|"
                r"bulkWrite|drop\w*|create\w*)\s*\(")),
    ((".cs",), _SQL_ENGINES,
     re.compile(r"\b(?:NpgsqlDataSource|NpgsqlConnection|SqlConnection|MySqlConnection|DbConnection)\b"),
     re.compile(r"DbContext\b|\.\s*(?:SaveChanges(?:Async)?|ExecuteNonQuery(?:Async)?|ExecuteUpdate(?:Async)?|ExecuteDelete(?:Async)?"
                r"|ExecuteSql\w*|BulkInsert\w*|BeginBinaryImport\w*)\s*[<(]|"
                r"\b(?:insert\s+into|update\s+[\w.\"\[\]`\\]+\s+set|delete\s+from|replace\s+into|truncate\s+table|"
                r"merge\s+into)\b",
                re.IGNORECASE)),
    ((".cpp", ".cc", ".cxx", ".h", ".hpp"), frozenset({"mongodb"}),
     re.compile(r"\bmongoc_collection_(?:find|count|aggregate)\w*\s*\("),
     re.compile(r"\bmongoc_collection_(?:insert|update|replace|delete|remove|find_and_modify|create_bulk|drop|rename)"
                r"\w*\s*\(|\bmongoc_bulk_operation_\w+\s*\(")),
    ((".cpp", ".cc", ".cxx", ".h", ".hpp"), frozenset({"memcached"}),
     re.compile(r"\bmemcached_(?:get|mget|fetch)\w*\s*\("),
     re.compile(r"\bmemcached_(?:set|add|replace|append|prepend|delete|increment|decrement|cas|touch)\w*\s*\(")),
)
"""Database clients whose use a service's code shows (Spring Data, JDBC and JPA in Java; database/sql in Go; the
MongoDB driver or Mongoose in JavaScript; ADO.NET (Npgsql, SqlClient) and Dapper in C#, whose writes are an
``ExecuteNonQuery``, a ``SaveChanges`` or SQL that changes rows (a Dapper ``Execute`` runs such SQL; Polly's is no
write), and an EF Core ``DbContext`` counts as one, the libraries it serves writing through it (ASP.NET Identity's
stores); the MongoDB C driver and libmemcached in C++): the files they are written
in, the engines they reach, the words of their use, the words of a write through them (any of which, anywhere in the
service's code, counts as a write)."""


def _reads_only(texts: Sequence[tuple[str, str]]) -> tuple[frozenset[str], str] | None:
    """The engines a service's code only reads, and why: every code file is of one client's language, some uses the
    client, and no file writes (an insert, update, delete or save call, or SQL that changes rows). A service's code
    in C++ may use several such clients (the MongoDB C driver, libmemcached): each is judged on its own."""
    engines: set[str] = set()
    whys: list[str] = []
    for suffixes, reached, uses, writes in _DATA_CLIENTS:
        code_files = [(f, t) for f, t in texts if not f.endswith(_NOT_CODE)]
        if not code_files or not all(f.endswith(suffixes) for f, _t in code_files):
            continue
        codes = [(f, blank_comments(t)) for f, t in code_files]
        used = _first(codes, [uses])
        if used is None or any(writes.search(c) for _f, c in codes):
            continue
        engines.update(reached)
        whys.append(f"its code reads through {used[0]} ({used[1]}) and never inserts, updates, deletes or saves")
    return (frozenset(engines), "; ".join(whys)) if engines else None


_NOT_CODE = ("CMakeLists.txt", ".cmake", ".txt", ".md", ".json", ".yml", ".yaml", ".xml", ".properties")
"""Files beside a service's code that are not code (its build and configuration files)."""


def go_routes(texts: Sequence[tuple[str, str]]) -> list[Route]:
    """The routes a service's Go files register, read across them (handlers, middleware: ``code_go``)."""
    return [Route(g.method, normalise(g.path), g.at, g.framework, writes=g.writes, cookie=g.cookie,
                  query_credential=g.query_credential, login=g.login, no_idempotency_key=g.no_idempotency_key,
                  collection=g.collection, classified=g.classified, authn=g.authn, grants_admin=g.grants_admin,
                  only_if=g.only_if, cookie_when=g.cookie_when, caller_query=g.caller_query,
                  throttle=g.throttled, throttle_if=g.throttled_if,
                  upload=code_uploads.go([(b.path, b.code, b.start, b.end) for b in g.bodies]))
            for g in code_go.service_routes(texts)]


def nextjs_routes(texts: Sequence[tuple[str, str]]) -> list[Route]:
    """The API routes a service's Next.js files declare by where they lie (``code_nextjs``)."""
    return [Route(r.method, normalise(r.path), r.at, "Next.js API route", writes=r.writes, login=r.login, token=r.token,
                  no_idempotency_key=(f"its handler creates ({r.writes}) and no code of the service names an "
                                      "idempotency key") if r.creates else None,
                  error_detail=None if r.leaks is None else f"its catch sends the caught exception's stack to the "
                                                             f"caller ({r.leaks})")
            for r in code_nextjs.routes(texts)]


_CREDENTIAL = re.compile(r"auth(?!or(?!i[sz]))|cookie|session|jwt|token|passport|bearer|credential|principal|"
                         r"login_required|secured|security|api[_-]?key|x-api|signature|\bacl\b", re.IGNORECASE)


_INSECURE_TRANSPORT = re.compile(
    r'"google\.golang\.org/grpc/credentials/insecure"|\bWithTransportCredentials\(\s*insecure\.NewCredentials\(\)\s*\)'
    r'|\binsecure\.NewCredentials\(\)|\bcredentials\.createInsecure\(\)|\bChannelCredentials\.Insecure\b')
"""A gRPC channel opened with no credential at all (Go's ``insecure.NewCredentials()`` and its import, Node's
``grpc.credentials.createInsecure()``, C#'s ``ChannelCredentials.Insecure``): the words name a credential, but the
code sets the plaintext transport of its own outgoing calls and reads nothing from its callers."""


_NOT_CREDENTIALS = re.compile(_INSECURE_TRANSPORT.pattern + r"|\bCancellationToken(?:Source)?\b|\bcancellationToken\b"
                              r"|\bI(?:Document|Query)Session\b|\b(?:Use|Open)?(?:Lightweight|Query|DirtyTracked|Identity)Sessions?\b"
                              r"|\bprincipal(?:Table|Column|Schema)\b|\bHasPrincipalKey\b"
                              r"|\b[Mm](?:ongo|go)_?[Ss]essions?\b|\bmgo\.Session\b")
"""Words that name a credential but read none from a caller: an insecure gRPC channel (``_INSECURE_TRANSPORT``),
.NET's ``CancellationToken``, the signal that stops an awaited operation, which every async C# method may take, the
document database's unit of work of Marten (``IDocumentSession``, ``LightweightSession()``, ``UseLightweightSessions``),
the principal (referenced) table and column of an Entity Framework Core foreign key (``principalTable:`` in a
migration, ``HasPrincipalKey``), and a MongoDB client's connection session (Go's ``mgo.Session``, a variable or field
named ``mongo_session``, ``MongoSession``), a handle on the database, not a caller's session."""

_DATA_SESSION_VARIABLE = re.compile(
    r"\bI(?:Document|Query)Session\s+(\w+)|\b(?:var|using\s+var)\s+(\w+)\s*=\s*[\w.]+\s*\.\s*"
    r"(?:Lightweight|Query|DirtyTracked|Identity)Session\s*\(")
"""A C# variable, field or parameter holding a Marten session (``IDocumentSession session``, ``using var session =
store.LightweightSession()``): its name is a data store's unit of work, not a caller's session."""


def _not_credentials(text: str) -> str:
    """``text`` with the words that name a credential but read none from a caller (``_NOT_CREDENTIALS``) blanked, and
    the names of the C# variables holding a document session (``_DATA_SESSION_VARIABLE``) with them."""
    names = {n for m in _DATA_SESSION_VARIABLE.finditer(text) for n in m.groups() if n}
    text = _NOT_CREDENTIALS.sub(" ", text)
    if names:
        text = re.sub(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b", " ", text)
    return text


_REGISTRY_SERVER = re.compile(r"@Enable(?:EurekaServer|ConfigServer)\b")
_CONSOLE_SERVER = re.compile(r"@Enable(?:AdminServer|HystrixDashboard|TurbineStream|Turbine)\b|"
                             r"\.\s*(?:UseHealthChecksUI|MapHealthChecksUI)\b")
"""Spring Boot Admin, the Hystrix dashboard and Turbine, and ASP.NET Core's HealthChecks UI (a status page of every
service's health checks): web consoles and metrics streams for operators."""
_LIMITS = re.compile(r"rate[_-]?limit|ratelimiter|quota|throttl|bucket4j|slowapi|limiter", re.IGNORECASE)
_LOCKOUT = re.compile(r"\b(?:Password|CheckPassword)SignInAsync\s*\([^;]*\blockoutOnFailure\s*:\s*true\b")
"""A sign-in that counts failures and locks the account (ASP.NET Core Identity: MaxFailedAccessAttempts, 5 by
default, then a lockout; learn.microsoft.com, "Configure ASP.NET Core Identity", Lockout)."""
_MAX_ATTEMPTS = re.compile(r"(?:\b|(?<=_))max_?(?:failed_?)?(?:login_?|logon_?|sign_?in_?|password_?|auth_?)?"
                           r"attempts\b", re.IGNORECASE)
"""A maximum of attempts, alone or after a setting's prefix (``SECURITY_MAX_LOGIN_ATTEMPTS``)."""
_FAILED_ATTEMPTS = re.compile(r"\bfailed_?(?:login|logon|sign_?in|attempt|password)"
                              r"|\b(?:login|logon|sign_?in)_?\w*\s*\+=\s*1\b", re.IGNORECASE)
"""A count of failed sign-ins: named so (``failedLogin``), or a sign-in's counter incremented
(``user.login_attempts += 1``)."""
_LOCKED = re.compile(r"\b(?:is_?)?(?:account_?)?(?:blocked|locked|lock_?out)", re.IGNORECASE)
_SIGN_IN = re.compile(r"log_?in|sign_?in|log_?on|authenticat|token", re.IGNORECASE)
"""A route's last segment that names a sign-in (``/auth/login``, ``/signin``, ``/connect/token``)."""
_TEST_FILE = re.compile(r"(?:^|[/\\])(?:tests?|__tests__|e2e)[/\\]|[._-](?:test|spec|e2e)\.\w+$|Tests?\.\w+$")
"""A test's file (``login.e2e.ts``, ``auth.spec.ts``, ``LoginTest.java``): what it names is not the service's."""


def _counted_lockout(codes: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """A lockout the service's code keeps itself: one file names a maximum of attempts (``MAX_LOGIN_ATTEMPTS``,
    ``maxFailedAttempts``), a count of failed sign-ins (``failedLogin``, ``failed_attempts``, ``login_attempts += 1``)
    and the account being blocked or locked (``isAccountBlocked``, ``locked``): the sign-in counts failures and
    refuses the account past the maximum. Tests' files are not read for it. (What it names, where the maximum is
    first named.)"""
    for path, code in codes:
        if _TEST_FILE.search(path):
            continue
        most, failed = _MAX_ATTEMPTS.search(code), _FAILED_ATTEMPTS.search(code)
        if most is None or failed is None or _LOCKED.search(code) is None:
            continue
        line = code.count("\n", 0, most.start()) + 1
        return (f"{most.group(0)} against {failed.group(0)}",
                Location(path, line, most.start() - (code.rfind("\n", 0, most.start()) + 1) + 1))
    return None


def traits(texts: Sequence[tuple[str, str]], routes: Sequence[Route],
           others: Sequence[tuple[str, str]] = (), libraries: Sequence[tuple[str, str]] = (),
           schemas: Sequence[tuple[str, str]] = (), seeds: Sequence[tuple[str, str]] = ()) -> Traits:
    """What a service's code says of the whole service (comments skipped): the first in-process store of state
    that exists nowhere else it builds (issued tokens, sessions: catalogue ``local_state_stores``), how it
    issues its users' tokens itself (an authorization server, or a token it signs when it has a login, token or
    sign-up route: catalogue ``token_issuers``), and a stored password it compares with the request's as they
    are (catalogue ``plaintext_password_checks``). ``libraries``: the code of the modules its build compiles it with,
    read only for the channel names their constants give; ``schemas``: its schema files (a Prisma schema, SQL
    migrations), read only for the tables holding API keys (``code_api_tokens``); ``seeds``: its SQL files, migrations
    included, read only for an administrator they insert (``code_default_admin``)."""
    cat = infra.catalog()
    codes = [(path, text if path.endswith(".py") else blank_comments(text)) for path, text in texts]
    logs_in = any(credential_path(r.path) for r in routes)
    every = [*codes, *((p, blank_comments(t)) for p, t in others)]
    return Traits(local_state=_first(codes, [cat.local_state_stores]) or _dedup_memory(codes),
                  token_issuer=_first(codes, [cat.token_servers]) or (
                      _user_token_signing(codes, cat.token_signing) if logs_in else None),
                  plaintext_password=_first(codes, [cat.plaintext_password_checks]),
                  publishes=code_messages.publishes(texts), logs_sensitive=code_logs.logged(every),
                  kafka=code_messages.kafka_producers(codes) or code_messages.client_producers(every),
                  limits=_first(codes, [_LIMITS]), lockout=_first(every, [_LOCKOUT]) or _counted_lockout(every),
                  registry=_first(codes, [_REGISTRY_SERVER]), console=_first(every, [_CONSOLE_SERVER]),
                  flags=code_flags.flag_client(every), kafka_consumers=code_messages.kafka_consumers(every),
                  library_timeouts=code_timeouts.library_timeouts(every), jobs=code_jobs.scheduled(every),
                  callers=code_breakers.callers(texts), discovery=code_discovery.lookup([*every, *libraries]),
                   channels=code_channels.uses(every, libraries) + code_amqp.uses(every) + code_dapr.uses(every),
                  password_hash=code_passwords.hashing(every), client_ip=code_client_ip.forwarded(texts),
                  plain_tokens=code_api_tokens.plain_tokens([*every, *schemas]),
                  seeded_admin=code_default_admin.seeded_admin(seeds),
                  query_limits=code_query_limits.unlimited(texts),
                  ai_clients=code_ai.clients([(p, t) for p, t in (*texts, *others) if p.endswith(".py")]))


def _user_token_signing(codes: Sequence[tuple[str, str]], signing: re.Pattern[str]) -> tuple[str, Location] | None:
    """The first JWT the service's code signs for its users (catalogue ``token_issuers.signing``). A Python function
    that writes the token it signs into a ``Bearer`` string (``"Bearer %s" % auth_var``) builds the Authorization
    header of a call it makes itself (a client's assertion to another system's API, Redash's Uptycs query runner):
    no token of its users."""
    for path, code in codes:
        for m in signing.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            if path.endswith(".py") and _signs_for_a_call(code, path, line):
                continue
            return " ".join(m.group(0).split()).rstrip("( "), Location(
                path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
    return None


def _signs_for_a_call(code: str, path: str, line: int) -> bool:
    """Whether the innermost Python function around ``line`` writes a ``Bearer`` string (a header it sends), and is
    no decorated handler (which may hand its token back in a response header)."""
    try:
        tree = code_trees.parse(code, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    around = [n for n in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)
              if n.lineno <= line <= (n.end_lineno or n.lineno)]
    if not around:
        return False
    inner = max(around, key=lambda n: n.lineno)
    return not inner.decorator_list and any(isinstance(c, ast.Constant) and isinstance(c.value, str) and
                                            c.value.lstrip().startswith("Bearer ") for c in ast.walk(inner))


_LOCAL_CACHE = re.compile(r"\b(?:this\s*\.\s*)?(\w+)\s*=\s*(?:CacheBuilder|Caffeine)\s*\.\s*newBuilder\s*\(")
"""A field given an in-process cache (Guava's ``CacheBuilder``, Caffeine)."""


def _dedup_memory(codes: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """Java code that refuses a request it finds in an in-process cache (``if (cache.asMap().containsKey(uuid))
    throw ...``): the memory of which requests were handled, duplicate detection, lives in one instance's memory."""
    for path, code in codes:
        if not path.endswith((".java", ".kt")):
            continue
        for made in _LOCAL_CACHE.finditer(code):
            field = re.escape(made.group(1))
            check = re.compile(rf"\bif\s*\(\s*(?:this\s*\.\s*)?{field}\s*(?:\.\s*asMap\s*\(\s*\))?\s*\.\s*"
                               r"(?:containsKey|getIfPresent)\s*\(")
            for m in check.finditer(code):
                opened = block_after(code, close_bracket(code, code.index("(", m.start())))
                if opened is not None and re.search(r"\bthrow\b", inside(code, opened)):
                    line = code.count("\n", 0, m.start()) + 1
                    return (f"a {made.group(0).split('=')[-1].strip().split('.')[0]} cache of the requests it has "
                            f"handled ({path}:{code.count(chr(10), 0, made.start()) + 1}), checked to refuse a "
                            "duplicate", Location(path, line, m.start() - code.rfind("\n", 0, m.start())))
    return None


def _first(codes: Sequence[tuple[str, str]], patterns: Sequence[re.Pattern[str]]) -> tuple[str, Location] | None:
    """The first match of the first pattern that matches in any of the codes: (the text matched, where)."""
    for pattern in patterns:
        for path, code in codes:
            m = pattern.search(code)
            if m is not None:
                line = code.count("\n", 0, m.start()) + 1
                column = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
                return " ".join(m.group(0).split()).rstrip("( "), Location(path, line, column)
    return None


_BUILD_FILES = ("pom.xml", "build.gradle", "build.gradle.kts", "package.json", "requirements.txt", "pyproject.toml",
                "go.mod")


def _libraries(paths: Sequence[str], limits: Limits, remarks: list[tuple[Location, str]]) -> list[tuple[str, str]]:
    """The code of the modules a JVM service's build compiles it with (``code_channels.library_sources``), comments
    blanked: read for the channel names their constants give; a file that cannot be read is said in ``remarks``."""
    out: list[tuple[str, str]] = []
    for f in code_channels.library_sources(paths):
        try:
            out.append((f, blank_comments(read_text(f, limits))))
        except InputError as exc:
            remarks.append((exc.location or Location(f), f"{exc.message}: not read for its constants"))
    return out


def _open_code(paths: Sequence[str], limits: Limits, rails: Sequence[tuple[str, str]] = ()) -> str | None:
    """Why no route of the service authenticates its caller: none of its code (PHP included) names a credential,
    a session, a cookie, a token or a security framework. None when some does, when there is no code, or when it is
    a Rails application (``rails``: its Ruby files), whose controllers say who each route authenticates."""
    if rails:
        return None
    files = [f for p in paths for f in code_files(p, php=True)]
    others: list[tuple[str, str]] = []  # C#, Rust...: read for their routes and client libraries, said there if unread
    for f in (f for p in paths for f in code_files(p, suffixes=code_flags.SUFFIXES)):
        try:
            others.append((f, read_text(f, limits)))
        except InputError:
            return None  # unread code may check its callers: nothing is said
    builds = [f for p in paths if os.path.isdir(p) for b in _BUILD_FILES for f in [os.path.join(p, b)]
              if os.path.isfile(f)]  # a security dependency secures a Spring Boot service with no code of its own
    texts = itertools.chain(((f, read_text(f, limits)) for f in files), others)  # read lazily, as before
    files = [*files, *(f for f, _t in others)]
    if not files or any(_CREDENTIAL.search(_not_credentials(text if f.endswith(".py")
                                                            else blank_comments(text)))  # not '@author'
                        for f, text in texts) or any(
            _CREDENTIAL.search(read_text(f, limits)) for f in builds):
        return None
    count = f"{len(files)} file" + ("s" if len(files) != 1 else "")
    return (f"no code of the service ({count}) reads a credential, session, cookie or token, nor configures a "
            "security framework")


def _with_filter_cookie(routes: dict[tuple[str, str], Route], texts: Sequence[tuple[str, str]]
                        ) -> dict[tuple[str, str], Route]:
    """``routes`` with the session cookie a Java filter sets on whatever route answers (``code_java_cookies``) on
    each route that sets none of its own."""
    java = [(f, blank_comments(t)) for f, t in texts if f.endswith(".java")]
    filtered = code_java_cookies.filter_cookie(java) if java else None
    if filtered is None:
        return routes
    return {k: r if r.cookie else replace(r, cookie=filtered) for k, r in routes.items()}


def _with_rust_state(said: Traits, others: Sequence[tuple[str, str]], paths: Sequence[str], limits: Limits) -> Traits:
    """``said`` with the records a Rust service keeps in its shared state (``code_rust.shared_store``) as its
    instance-local state, when its code shows no other."""
    if not any(f.endswith(".rs") for f, _t in others):
        return said
    said = replace(said, listeners=_rust_listeners(others, paths, limits))
    if said.local_state is not None:
        return said
    cargo = [read_text(c, limits) for p in paths for c in [os.path.join(p, "Cargo.toml")] if os.path.isfile(c)]
    return replace(said, local_state=code_rust.shared_store(
        [(f, blank_comments(t)) for f, t in others if f.endswith(".rs")], cargo))


_BUNDLED = (".min.js", ".bundle.js", ".standalone.js")
"""The names of a bundled or minified browser script a server embeds or serves (API documentation UIs, vendored
front-end libraries): build output that runs in the browser, not the service's code."""


def code_files(path: str, *, php: bool = False, suffixes: tuple[str, ...] = (),
               keep: frozenset[str] = frozenset()) -> Iterator[str]:
    """The source files under ``path`` (sorted; dependencies, tests and build output skipped, a bundled or minified
    browser script such as ``redoc.standalone.js`` or ``app.min.js`` among it); PHP files too with ``php`` (their
    routes are read from the document root only); only those ending in ``suffixes`` when given; the directories named
    in ``keep`` walked although they are skipped otherwise (``migrations``)."""
    suffixes = suffixes or (CODE_SUFFIXES if php else CODE_SUFFIXES[:-1])
    if not os.path.isdir(path):
        if path.endswith(suffixes):
            yield path
        return
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if (d not in _SKIP_DIRS or d in keep) and not d.startswith(".")
                         and not test_tree(root, d))
        if os.sep + os.path.join("src", "test") in root + os.sep or root.endswith(os.path.join("src", "test")):
            continue
        for n in sorted(names):
            if n.endswith(suffixes) and not n.endswith((".test.js", ".spec.js", ".test.ts", ".spec.ts",
                                                                   ".d.ts", "Test.java", "Tests.java", *_BUNDLED)):
                yield os.path.join(root, n)


def routes_of_file(path: str, text: str, flask: code_flask.Context | None = None) -> list[Route]:
    """The routes one source file declares (by its language; ``flask``: what the service's Python modules say)."""
    if path.endswith(".py"):
        return python_routes(path, text, flask)
    if path.endswith((".js", ".mjs", ".cjs", ".ts")):
        return express_routes(path, text) or node_routes(path, text)
    if path.endswith(".java"):
        return spring_routes(path, text)
    return []


def normalise(path: str) -> str:
    """``/cart/:id`` / ``/cart/<int:id>`` -> ``/cart/{id}``; a leading ``/``, no doubled slashes."""
    out = re.sub(r"<(?:[A-Za-z_]+:)?([A-Za-z_][A-Za-z0-9_]*)>", r"{\1}", path)
    out = re.sub(r":([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\??", r"{\1}", out)
    out = re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*):[^}]*\}", r"{\1}", out)  # Spring's {id:[0-9]+}, FastAPI's {p:path}
    out = "/" + out.lstrip("/")
    return re.sub(r"/{2,}", "/", out)


def join(prefix: str, path: str) -> str:
    """A prefix and a route path joined as routers do (``/api/`` + ``/users`` -> ``/api/users``)."""
    if not path or path == "/":
        return normalise(prefix or "/")
    return normalise(prefix.rstrip("/") + "/" + path.lstrip("/"))


# Calls that write to a datastore or a broker (MongoDB, Redis, SQL sessions, AMQP), by method name.
_WRITES = frozenset({
    "insert", "insertOne", "insertMany", "insert_one", "insert_many", "updateOne", "updateMany", "update_one",
    "update_many", "replaceOne", "replace_one", "deleteOne", "deleteMany", "delete_one", "delete_many",
    "findOneAndUpdate", "findOneAndDelete", "find_one_and_update", "find_one_and_delete", "findAndModify",
    "setex", "del", "hset", "hmset", "hdel", "incr", "decr", "lpush", "rpush", "sadd", "srem", "zadd", "sendToQueue",
    "basic_publish", "publish", "persist", "saveAndFlush", "merge"})
_NOT_STORES = {"res", "response", "req", "request", "app", "router", "headers", "params", "url", "searchParams",
               "Object", "Promise", "console", "JSON", "Math", "os", "path", "self", "this"}


# ---- Python: Flask, FastAPI --------------------------------------------------------------------------

_PY_VERBS = {"get", "post", "put", "patch", "delete", "head", "options"}


def python_routes(path: str, text: str, flask: code_flask.Context | None = None) -> list[Route]:
    """Flask and FastAPI route decorators, read with ``ast``; with ``flask`` (what the service's other modules say,
    ``code_flask``), also paths built by a path helper, Flask-RESTful resources and Flask-Limiter's limits.

    Raises:
        InputError: the file is not Python 3 that parses (at its line).
    """
    try:
        tree = code_trees.parse(text, path)
    except SyntaxError as exc:
        raise InputError(f"not Python 3 that parses ({exc.msg})", Location(path, exc.lineno or 0,
                                                                            exc.offset or 0)) from None
    except ValueError as exc:  # a NUL byte
        raise InputError(f"not Python that parses ({exc})", Location(path)) from None
    except (RecursionError, MemoryError):  # nesting deeper than the parser goes
        raise InputError("Python nested too deeply to parse", Location(path)) from None
    flask = flask or code_flask.Context()
    prefixes: dict[str, str] = {}
    functions = _module_functions(tree)
    for assign in code_trees.nodes(tree, ast.Assign):
        if isinstance(assign.value, ast.Call) and len(assign.targets) == 1 and \
                isinstance(assign.targets[0], ast.Name):
            ctor = _callee(assign.value.func)
            # a subclass named as FastAPI's (``UserAPIRouter(prefix="/recipes")``) takes its prefix as APIRouter does
            kw = "prefix" if ctor.endswith("APIRouter") else {"Blueprint": "url_prefix"}.get(ctor)
            if kw:
                value = _keyword_str(assign.value, kw)
                prefixes[assign.targets[0].id] = value or ""
    out: list[Route] = []
    for node in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        limited = next((f"@{ast.unparse(d)} at {path}:{d.lineno}" for d in node.decorator_list
                        if code_flask.limit_call(d, flask.limiters)), None)
        for dec in node.decorator_list:
            if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                continue
            verb, owner = dec.func.attr, dec.func.value
            route = _literal_str(dec.args[0]) if dec.args else _keyword_str(dec, "rule") or _keyword_str(dec, "path")
            built = code_flask.helper_note(dec.args[0], flask.helpers) if dec.args and route is None else None
            if built is not None:
                route = code_flask.evaluate(dec.args[0], {}, flask.helpers)
            prefix = prefixes.get(owner.id, "") if isinstance(owner, ast.Name) else ""
            # FastAPI takes an empty path on a router with a prefix: the prefix itself (``@router.post("")``)
            if route is None or not (route.startswith("/") or (route == "" and prefix.startswith("/"))):
                continue
            if verb in _PY_VERBS:
                methods = [verb.upper()]
            elif verb in ("route", "api_route"):
                methods = _methods_kw(dec) or ["GET"]
            else:
                continue
            framework = "FastAPI" if verb in _PY_VERBS or verb == "api_route" else "Flask"
            at = Location(path, dec.lineno, dec.col_offset + 1)
            login = _login_query(flask, f"@login_required at {path}:{node.lineno}") \
                if framework == "Flask" and code_flask.login_required(node) else None
            out.extend(_python_route(path, node, functions, m, join(prefix, route), at, f"{framework} route",
                                     len(methods) == 1, limited, built, login if m != "OPTIONS" else None)
                       for m in methods)
    out.extend(_restful_routes(path, tree, flask))
    return out


def _module_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {n.name: n for n in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)}


def _login_query(flask: code_flask.Context, required: str | None) -> str | None:
    """How a route that requires a login (``required``: where it says so) takes a credential in its URL, when the
    service's login manager reads one from the query (``code_flask``); None otherwise."""
    return f"its login ({required}) runs {flask.login_query}" \
        if required is not None and flask.login_query is not None else None


def _python_route(path: str, node: ast.FunctionDef | ast.AsyncFunctionDef,
                  functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef], m: str, route: str, at: Location,
                  framework: str, one_method: bool, limited: str | None, built: str | None,
                  login: str | None = None) -> Route:
    """One route of a Python handler (a decorated function, or a resource class's method), with what its body
    shows; ``login``: how the login it requires takes a credential from the URL query (``_login_query``)."""
    calls = list(_python_calls(node, functions))
    writes = next((f"{c.func.attr}() at {path}:{c.lineno}" for c in calls if isinstance(c.func, ast.Attribute)
                   and c.func.attr in _WRITES and not (isinstance(c.func.value, ast.Name) and
                                                       c.func.value.id in _NOT_STORES)), None)
    cookie = next((_flask_cookie(path, c) for c in calls if isinstance(c.func, ast.Attribute) and
                   c.func.attr == "set_cookie" and _flask_cookie(path, c)), None)
    # a handler of several methods writes for its unsafe ones (``if request.method == "PUT"``), not for GET
    fetch = _user_url_fetch(path, node, functions)
    amount = _client_amount(path, node)
    creates = _python_creates(path, node, functions)
    writes = writes or creates  # a POST that creates at another service writes, as in JavaScript
    return Route(m, route, at, framework, cookie=cookie, fetch=fetch,
                 query_credential=code_url_credentials.python_handler(path, node,
                                                                      code_url_credentials.path_params(route))
                 or login,
                 handler=Location(path, node.lineno, node.col_offset + 1),
                 writes=writes if one_method or m not in ("GET", "HEAD", "OPTIONS") else None,
                 amount=amount if m not in ("GET", "HEAD", "OPTIONS") else None,
                 no_idempotency_key=(f"its handler creates at another service ({creates}), with a body "
                                     "of its own making, and no code of the service names an "
                                     "idempotency key") if creates and m not in _SAFE else None,
                 rate_limited=limited, built=built)


def _restful_routes(path: str, tree: ast.Module, flask: code_flask.Context) -> list[Route]:
    """The routes of Flask-RESTful's ``api.add_resource(Cls, "/path", ...)`` calls in a module (and of the service's
    own ``add_..._resource`` wrappers): each path with each HTTP method of the resource class."""
    out: list[Route] = []
    imported: dict[str, str] | None = None
    for call in code_trees.nodes(tree, ast.Call):
        func = call.func
        if not (isinstance(func, ast.Attribute) and (func.attr == "add_resource" or func.attr in flask.wrappers)) or \
                (isinstance(func.value, ast.Name) and func.value.id == "self") or not call.args or \
                not isinstance(call.args[0], ast.Name):
            continue
        imported = code_flask.imports(tree) if imported is None else imported
        res = code_flask.resource(flask, call.args[0].id, imported.get(call.args[0].id))
        if res is None:
            continue
        through = flask.wrappers.get(func.attr)
        functions = _module_functions(flask.modules[res.file]) if res.file in flask.modules else {}
        for arg in call.args[1:]:
            literal = _literal_str(arg)
            if literal is None:
                continue
            route = literal if through is None else code_flask.evaluate(through.value, {through.param: literal}, {})
            if route is None or not route.startswith("/"):
                continue
            built = None if through is None else (
                f"{func.attr} passes its paths through {through.name}, read as what {through.name} returns" + (
                    " when " + " and ".join(f"not {c}" for c in through.others) +
                    " (it returns another path otherwise)" if through.others else ""))
            at = Location(path, arg.lineno, arg.col_offset + 1)
            for verb, method in res.methods:
                limited = next((said for m, said in res.limited if m in ("*", verb)), None)
                required = res.login or (f"@login_required at {res.file}:{method.lineno}"
                                         if code_flask.login_required(method) else None)
                out.append(_python_route(res.file, method, functions, verb, normalise(route), at,
                                         f"Flask-RESTful resource {res.node.name}", True, limited, built,
                                         _login_query(flask, required) if verb != "OPTIONS" else None))
    return out


def _python_calls(func: ast.FunctionDef | ast.AsyncFunctionDef,
                  functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> Iterator[ast.Call]:
    """The calls in a handler's body, then in the functions of the module it calls by name (one level)."""
    called: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            yield node
            if isinstance(node.func, ast.Name) and node.func.id in functions and node.func.id != func.name:
                called.append(node.func.id)
    for name in dict.fromkeys(called):
        yield from (n for n in ast.walk(functions[name]) if isinstance(n, ast.Call))


_REQUEST_INPUT = re.compile(r"\brequest\.(args|form|values|json|get_json|query_params)\b")
_HTTP_CLIENTS = ("requests.", "httpx.", "urllib.request.urlopen", "urlopen")


def _user_url_fetch(path: str, func: ast.FunctionDef | ast.AsyncFunctionDef,
                    functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> str | None:
    """Where a handler (or a function of the module it passes the value to, one level) fetches a URL it took from
    the request (``requests.post(url=redirect_uri)``), when that value is never compared or tested on the way
    (no allowlist). None when nothing shows such a fetch."""
    tainted = _request_names(func)
    scopes: list[tuple[ast.AST, set[str]]] = [(func, tainted)]
    for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
        helper = functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if helper is not None and helper is not func:
            params = [a.arg for a in helper.args.args]
            passed = {params[i] for i, a in enumerate(call.args[:len(params)]) if isinstance(a, ast.Name)
                      and a.id in tainted}
            if passed:
                scopes.append((helper, passed))
    for scope, names in scopes:
        checked = {n.id for c in ast.walk(scope) if isinstance(c, ast.Compare) for n in ast.walk(c)
                   if isinstance(n, ast.Name)}
        checked |= {n.id for c in ast.walk(scope) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                    and c.func.attr in ("startswith", "match", "fullmatch") for n in ast.walk(c)
                    if isinstance(n, ast.Name)}
        for c in ast.walk(scope):
            if not (isinstance(c, ast.Call) and ast.unparse(c.func).startswith(_HTTP_CLIENTS)):
                continue
            url = next((k.value for k in c.keywords if k.arg == "url"), c.args[0] if c.args else None)
            if isinstance(url, ast.Name) and url.id in names and not ({url.id} | tainted) & checked:
                return f"{ast.unparse(c.func)}(url={url.id}) at {path}:{c.lineno}, {url.id} taken from the request"
    return None


def _python_creates(path: str, func: ast.FunctionDef | ast.AsyncFunctionDef,
                    functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> str | None:
    """Where a handler (or a function of the module it calls by name, one level) sends a POST to another service
    with a body of its own making (``requests.post(url, data=json.dumps({'orderid': orderid}))``): it creates there,
    as ``_js_sent`` says of JavaScript. None when the handler sends no such POST, and when what it sends leaves the
    repeat to someone else: a body that is the request's input passed on as it came (``json=cart`` of ``cart =
    request.get_json()``), a body that carries a request id the client gave (``"uuid": request.form["uuid"]``, which
    the service called may deduplicate on), or a POST to a URL the request or the caller names (a callback, not a
    service of the system)."""
    given = _request_names(func)
    scopes = [func, *(functions[c.func.id] for c in ast.walk(func) if isinstance(c, ast.Call)
                      and isinstance(c.func, ast.Name) and c.func.id in functions and c.func.id != func.name)]
    for scope in dict.fromkeys(scopes):
        for d in (n for n in ast.walk(scope) if isinstance(n, ast.Dict)):
            for k, v in zip(d.keys, d.values, strict=True):
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and _CLIENT_KEY.fullmatch(k.value) and (
                        _REQUEST_INPUT.search(ast.unparse(v)) or (isinstance(v, ast.Name) and v.id in given)):
                    return None
    for scope in dict.fromkeys(scopes):
        params = {a.arg for a in scope.args.args} if scope is not func else set()
        for c in (n for n in ast.walk(scope) if isinstance(n, ast.Call)):
            callee = ast.unparse(c.func)
            if not (callee.startswith(_HTTP_CLIENTS) and callee.endswith(".post")):
                continue
            url = next((k.value for k in c.keywords if k.arg == "url"), c.args[0] if c.args else None)
            if isinstance(url, ast.Name) and (url.id in given or url.id in params):
                continue
            body = next((k.value for k in c.keywords if k.arg in ("data", "json", "content")),
                        c.args[1] if len(c.args) > 1 else None)
            if body is None or (isinstance(body, ast.Name) and body.id in given) or _REQUEST_INPUT.search(
                    ast.unparse(body)):
                continue
            return f"a POST it sends at {path}:{c.lineno}"
    return None


_CLIENT_KEY = re.compile(r"(?i)uuid|request_?(?:id|uuid)|.*idempot.*|dedup\w*|nonce")
"""A body key that carries the client's own request id, on which the service called may deduplicate a repeat."""


def _request_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names a handler assigns from the request's input (``cart = request.get_json()``)."""
    return {t.id for n in ast.walk(func) if isinstance(n, ast.Assign) and _REQUEST_INPUT.search(ast.unparse(n.value))
            for t in n.targets if isinstance(t, ast.Name)}


# What a request names the money an operation charges by (a transfer's chosen ``amount`` is the client's to say).
_AMOUNT_KEYS = frozenset({"total", "subtotal", "grand_total", "price", "unit_price", "cost"})


def _client_amount(path: str, func: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Where a handler reads a price or total from the request's input (``cart.get('total')`` of ``cart =
    request.get_json()``, ``request.json['price']``). None when it reads none."""
    tainted = _request_names(func)

    def from_request(value: ast.expr) -> bool:
        named = isinstance(value, ast.Name) and value.id in tainted
        return named or _REQUEST_INPUT.search(ast.unparse(value)) is not None

    for n in sorted((n for n in ast.walk(func) if isinstance(n, (ast.Call, ast.Subscript))),
                    key=lambda n: (n.lineno, n.col_offset)):  # the first in the text
        key: ast.expr | None = None
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get" and n.args \
                and from_request(n.func.value):
            key = n.args[0]
        elif isinstance(n, ast.Subscript) and from_request(n.value):
            key = n.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.lower() in _AMOUNT_KEYS:
            return f"{ast.unparse(n)} at {path}:{n.lineno}"
    return None


_SESSIONISH = re.compile(r"token|session|sid\b|jwt|auth", re.IGNORECASE)


def _flask_cookie(path: str, call: ast.Call) -> tuple[tuple[tuple[str, bool], ...], str] | None:
    """The flags of a ``set_cookie`` call that sets a session or token (by its name or value): each flag as
    written, or Flask's default when left out (``secure`` and ``httponly`` off)."""
    said = ", ".join(ast.unparse(a) for a in call.args[:2])
    if not _SESSIONISH.search(said):
        return None
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    flags: list[tuple[str, bool]] = []
    for flag, field_name in (("secure", "secure"), ("httponly", "http_only")):
        value = kw.get(flag)
        if value is None:
            flags.append((field_name, False))
        elif isinstance(value, ast.Constant) and isinstance(value.value, bool):
            flags.append((field_name, value.value))
    return tuple(flags), f"set_cookie({said}) at {path}:{call.lineno}, flags left out are Flask's defaults (off)"


def _callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _literal_str(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword_str(call: ast.Call, name: str) -> str | None:
    return next((_literal_str(k.value) for k in call.keywords if k.arg == name), None)


def _methods_kw(call: ast.Call) -> list[str]:
    for k in call.keywords:
        if k.arg == "methods" and isinstance(k.value, (ast.List, ast.Tuple, ast.Set)):
            found = [str(e.value).upper() for e in k.value.elts if isinstance(e, ast.Constant)]
            return [m for m in found if m in _HTTP]
    return []


# ---- JavaScript: Express -----------------------------------------------------------------------------

_JS_APP = re.compile(r"\b([A-Za-z_$][\w$]*)\s*=\s*(?:new\s+)?(?:express\s*\(\s*\)|(?:express\s*\.\s*)?Router\s*\(|"
                     r"require\s*\(\s*['\"]express['\"]\s*\)\s*\(\s*\))")
_JS_ROUTE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*(get|post|put|patch|delete|head|options|all)\s*\(\s*"
                       r"(['\"`])(/[^'\"`\n]*)\3")
_JS_USE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*use\s*\(\s*(['\"`])(/[^'\"`\n]*)\2\s*,\s*([A-Za-z_$][\w$]*)\s*[,)]")


def express_routes(path: str, text: str) -> list[Route]:
    """Express routes on the apps and routers the file creates (comments blanked first)."""
    code = blank_comments(text)
    apps = {m.group(1) for m in _JS_APP.finditer(code)}
    if not apps:
        return []
    mounts = {m.group(4): m.group(3) for m in _JS_USE.finditer(code) if m.group(1) in apps}
    helpers = {m.group(1) or m.group(2): m.end() for m in _JS_FUNCTION.finditer(code)}
    guarded = guarded_apps(code, apps)
    out: list[Route] = []
    for m in _JS_ROUTE.finditer(code):
        owner, verb, route = m.group(1), m.group(2), m.group(4)
        if owner not in apps or "${" in route:
            continue
        line = code.count("\n", 0, m.start()) + 1
        col = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
        method = "ANY" if verb == "all" else verb.upper()
        end = close_bracket(code, code.index("(", m.end(2)))
        writes, cookie = _js_facts(path, code, m.end(), end, helpers)
        sent = _js_sent(path, code, m.end(), end, helpers) if writes is None else None
        amount = code_js_amount.handler_amount(path, code, m.end(), end) if method not in _READS else None
        passes_body = code_js_amount.forwarded_body(path, code, m.end(), end) \
            if method not in _READS and amount is None else None
        unchecked, guard = _express_checks(path, code, m, end, helpers, guarded.get(owner))
        out.append(Route(method, join(mounts.get(owner, ""), route), Location(path, line, col), "Express route",
                         writes=writes or (sent and sent[0]), cookie=cookie, amount=amount, passes_body=passes_body,
                         unchecked=unchecked, token=code_tokens.signed(_js_spans(path, code, m.end(), end, helpers)),
                         upload=code_uploads.express(code, m.end(), end),
                         guard=guard, no_idempotency_key=_js_no_key(method, sent),
                         query_credential=code_url_credentials.js_handler(path, code, m.end(), end)))
    return out


_JS_SEND_VERB = re.compile(r"\b(?:request|axios|got|superagent|needle|rp)\s*\.\s*(post|put|patch|delete|del)\s*\(")
_JS_SEND_CALL = re.compile(r"(?<![.\w$])(?:request|axios|got|fetch|rp|requestPromise)\s*\(")
_JS_SEND_METHOD = re.compile(r"\bmethod\s*:\s*['\"](POST|PUT|PATCH|DELETE)['\"]", re.IGNORECASE)
_JS_FORWARDED = re.compile(r"\b(?:body|json|data|form)\s*:\s*(?:req|request)\s*\.\s*body\b|"
                           r"\.\s*(?:post|put|patch)\s*\([^;]*?\b(?:req|request)\s*\.\s*body\b")
"""A handler passing the request's own body on: a key its client sends would reach the callee, whose concern a
retry then is (as for a Java handler that only passes the request on)."""


def _js_sent(path: str, code: str, start: int, end: int, helpers: Mapping[str, int]) -> tuple[str, bool] | None:
    """The first request a JavaScript handler (``code[start:end]``, and the functions of the file it calls by name)
    sends to another service that changes state there, and whether it creates with a body of its own making (a POST
    that does not pass the request's body on): ``request.post(url)``, ``axios.put(...)``, or an HTTP client call
    (``request(options)``, ``fetch(url, {...})``) beside an options object with ``method: 'POST'``; None when it
    sends none."""
    spans = [(start, end), *((b, close_bracket(code, b)) for call in _JS_BARE_CALL.finditer(code, start, end)
                             for at in [helpers.get(call.group(1))] if at is not None and not start <= at < end
                             for b in [code.find("{", at)] if b >= 0)]
    for a, b in spans:
        found = [(v.start(), v.group(1).upper()) for v in _JS_SEND_VERB.finditer(code, a, b)]
        if _JS_SEND_CALL.search(code, a, b):
            found += [(v.start(), v.group(1).upper()) for v in _JS_SEND_METHOD.finditer(code, a, b)]
        if found:
            at, verb = min(found)
            verb = "DELETE" if verb == "DEL" else verb
            forwards = any(_JS_FORWARDED.search(code, x, y) for x, y in spans)
            return (f"a {verb} it sends to another service at {path}:{code.count(chr(10), 0, at) + 1}",
                    verb == "POST" and not forwards)
    return None


def _js_no_key(method: str, sent: tuple[str, bool] | None) -> str | None:
    """Why a repeat of a JavaScript route's request repeats its write: it creates at another service (a POST it
    sends with a body it builds), and carries no key there (``_keys_unknown`` drops this when any code of the
    service names one)."""
    if sent is None or not sent[1] or method in _SAFE:
        return None
    return (f"its handler creates at another service ({sent[0]}), with a body of its own making, and no code of the "
            "service names an idempotency key")


_JS_GUARD_USE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*use\s*\(")
_JS_GUARD_WORDS = re.compile(r"auth|passport|jwt|login|guard|protect|verify|permission|\bacl\b|token|ensure|"
                             r"require[A-Z_]", re.IGNORECASE)
"""The words of a middleware that checks callers (``requireLogin``, ``passport.authenticate``, ``verifyToken``);
a session store or a cookie parser (``session(...)``, ``cookieParser()``) reads a credential but rejects nobody."""
_JS_CALLER = re.compile(r"\b(?:req|request)\s*\.\s*(?:user|isAuthenticated)\b")
_JS_PARAM = re.compile(r"^\s*(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*([A-Za-z_$][\w$]*)|\(\s*([A-Za-z_$][\w$]*)|"
                       r"([A-Za-z_$][\w$]*)\s*=>)")
_JS_IF = re.compile(r"\bif\s*\(")
_JS_ASSIGN = re.compile(r"\b(?:var|let|const)?\s*([A-Za-z_$][\w$]*)\s*=\s*([^;=\n][^;\n]*)")
_JS_REJECT = re.compile(r"^\s*(?:throw\b|return\s+res\s*\.\s*(?:status|sendStatus)\s*\(\s*40[13]\b|"
                        r"res\s*\.\s*(?:status|sendStatus)\s*\(\s*40[13]\b|return\s+next\s*\(\s*new\b)")


def guarded_apps(code: str, apps: set[str]) -> dict[str, str]:
    """The apps and routers of a file (``app``, ``router``) that mount a middleware named for checking callers
    (``app.use(requireLogin)``), with its text: their routes may be checked before their handlers run."""
    out: dict[str, str] = {}
    for m in _JS_GUARD_USE.finditer(code):
        args = inside(code, m.end() - 1)
        if m.group(1) in apps and _JS_GUARD_WORDS.search(args):
            out.setdefault(m.group(1), " ".join(args.split())[:80])
    return out


def _express_checks(path: str, code: str, m: re.Match[str], end: int, helpers: Mapping[str, int],
                    guard_use: str | None) -> tuple[str | None, str | None]:
    """Whether an Express route's handler leaves its caller unchecked, and where it rejects a caller itself.

    Unchecked: the route is registered with its handler alone (no middleware before it), its app or router mounts
    no middleware named for checking callers, and neither the handler nor the functions of the file it calls by
    name read a cookie, session, token or credential, nor hand the request object to a function of another module
    (which might check it). A guard: an ``if`` whose condition reads a credential, or a variable the handler
    assigned from one, and whose block throws or answers 401 or 403."""
    args = split_args(code[m.end():end - 1])
    if len(args) != 2:  # the path, then the handler: anything between is a middleware
        return None, None
    handler = args[1]
    start = code.find(handler, m.end())
    param = _JS_PARAM.match(handler)
    if start < 0 or param is None:
        return None, None
    req = next(g for g in param.groups() if g)
    line = code.count("\n", 0, m.start()) + 1
    guard = _express_guard(code, start, start + len(handler), path)
    texts = [handler, *(code[b:close_bracket(code, b)] for call in _JS_BARE_CALL.finditer(handler)
                       for at in [helpers.get(call.group(1))] if at is not None and not start <= at < end
                       for b in [code.find("{", at)] if b >= 0)]
    body = handler[param.end():]
    body = body[body.index(")") + 1:] if param.group(3) is None and ")" in body else body  # past the parameters
    if guard_use is not None or any(_CREDENTIAL.search(t) or _JS_CALLER.search(t) for t in texts) or \
            re.search(rf"[(,]\s*{re.escape(req)}\s*[,)]", body):
        return None, guard
    return (f"its handler ({path}:{line}) runs with no middleware before it, and neither it nor what it calls "
            f"reads a cookie, session, token or credential, nor hands the request on"), guard


def _express_guard(code: str, start: int, end: int, path: str) -> str | None:
    """Where a handler (``code[start:end]``) rejects a caller on a credential it reads, when it does."""
    from_credential = {a.group(1) for a in _JS_ASSIGN.finditer(code, start, end) if _CREDENTIAL.search(a.group(2))}
    for cond in _JS_IF.finditer(code, start, end):
        test = inside(code, cond.end() - 1)
        names = set(re.findall(r"[A-Za-z_$][\w$]*", test))
        if not (_CREDENTIAL.search(test) or names & from_credential):
            continue
        after = cond.end() - 1 + len(test) + 2
        brace = block_after(code, after)
        body = code[brace + 1:] if brace is not None else code[after:]
        if _JS_REJECT.match(body):
            line = code.count("\n", 0, cond.start()) + 1
            return f"{path}:{line}: if ({' '.join(test.split())}) rejects the request"
    return None


def node_routes(path: str, text: str) -> list[Route]:
    """Fastify and NestJS routes (``code_node``), with the first store write of each handler."""
    code = blank_comments(text)
    if "fastify" not in code.lower() and "@nestjs" not in code:
        return []
    helpers = {m.group(1) or m.group(2): m.end() for m in _JS_FUNCTION.finditer(code)}
    out: list[Route] = []
    known: Mapping[str, code_nest_calls.Provider | None] | None = None   # read at the first NestJS route
    for r in code_node.routes(path, code):
        if "${" in r.path:
            continue
        writes, cookie = _js_facts(path, code, r.start, r.end, helpers) if r.start >= 0 else (None, None)
        amount = code_js_amount.handler_amount(path, code, r.start, r.end, r.params) \
            if r.start >= 0 and r.method not in _READS else None
        passes_body = code_js_amount.forwarded_body(path, code, r.start, r.end) \
            if r.start >= 0 and r.method not in _READS and amount is None else None
        admin = configures = paid = token = upload = None
        if r.framework == "NestJS route" and r.start >= 0:
            known = code_nest_calls.classes_under(code_node.source_root(path)) if known is None else known
            spans = (code_nest_calls.Span(path, code, r.start, r.end),
                     *code_nest_calls.reached(path, code, r.start, r.end, known))
            wrote, admin, configures = _nest_writes(spans)
            # a safe method's write deep in its providers is often their bookkeeping (a refresh token stored on
            # sign-in, an orphan cleaned up on read): taken only when it makes an administrator or configures, or
            # when the route is named for an action that changes state (GET /demo-user/sync)
            writes = writes or (wrote if r.method not in _SAFE or admin or configures or _action_route(r.path)
                                else None)
            paid = _ts_paid(spans)
            token = code_tokens.signed([(s.file, s.code, s.start, s.end) for s in spans])
            upload = code_uploads.nest(code, r.start, r.end)
        query = code_url_credentials.js_handler(path, code, r.start, r.end, r.params,
                                                code.rfind(r.params, 0, r.start) if r.params else -1) \
            if r.start >= 0 else None
        out.append(Route(r.method, normalise(r.path), r.at, r.framework, writes=writes, cookie=cookie, amount=amount,
                         passes_body=passes_body, throttle=r.throttled or None, grants_admin=admin,
                         configures=configures, query_credential=query, paid=paid, token=token, upload=upload,
                         throttle_if=_js_setting(r.throttled_if),
                         nest=(r.start, r.end, r.params) if r.framework == "NestJS route" and r.start >= 0 else None))
    return out


_ACTION = re.compile(r"(?:sync|synchroni[sz]e|execute|run|trigger|reset|delete|remove|purge|clear|import|rebuild|"
                     r"reindex|recalculate|approve|cancel|promote|retry)", re.IGNORECASE)
"""The last segment of a route named for an action that changes state (``/demo-user/sync``, ``/job/{id}/execute``),
not for a resource it reads."""


def _action_route(path: str) -> bool:
    """Whether the last fixed segment of ``path`` names an action that changes state (``_ACTION``)."""
    fixed = [p for p in path.split("/") if p and not p.startswith(("{", ":"))]
    return bool(fixed) and _ACTION.fullmatch(fixed[-1].replace("-", "").replace("_", "")) is not None


def _js_setting(s: code_node.ThrottleSetting | None) -> tuple[code_go.Setting, ...]:
    """The condition a throttler's ``skipIf`` puts on its guard, or an idempotency switch (``code_node``), as the
    settings a deployment settles (``code_go``)."""
    return () if s is None else (code_go.Setting(s.variable, True, s.when_on, s.default, s.defined, s.said),)


_AI_SDK_IMPORT = re.compile(r"""\bimport\s*\{([^{}]*)\}\s*from\s*['"]ai['"]""")
_AI_SDK_CALL = re.compile(r"(?<![\w$.])(generateText|streamText|generateObject|streamObject|embed|embedMany)\s*\(")
"""The functions of the Vercel AI SDK (the ``ai`` package) that run a model at its provider, each call billed."""
_PROVIDER_SDK_IMPORT = re.compile(r"""(?:\bfrom\s*|\brequire\s*\(\s*)['"](openai|@anthropic-ai/sdk)['"]""")
_PROVIDER_SDK_CALL = re.compile(r"\.\s*((?:chat\s*\.\s*)?completions\s*\.\s*create|responses\s*\.\s*create|"
                                r"messages\s*\.\s*(?:create|stream)|images\s*\.\s*generate|embeddings\s*\.\s*create)\s*\(")
"""The methods of OpenAI's and Anthropic's Node.js clients that run a model (``code_py_reach`` reads the Python
ones)."""


def _ts_paid(spans: Sequence[code_nest_calls.Span]) -> str | None:
    """The first call that runs an AI model at a provider in a NestJS handler or the provider methods it reaches
    (``spans``, the handler's first): a function of the Vercel AI SDK the file imports from ``ai``
    (``generateText(...)``), or a model method of the OpenAI or Anthropic client in a file importing its package
    (``client.chat.completions.create(...)``); said with where. None when none does."""
    for s in spans:
        imported = {n.strip().split(" as ")[-1].strip() for m in _AI_SDK_IMPORT.finditer(s.code)
                    for n in m.group(1).split(",")}
        sdk = _PROVIDER_SDK_IMPORT.search(s.code)
        calls = [(m.start(), f"the AI SDK's {m.group(1)}()") for m in _AI_SDK_CALL.finditer(s.code, s.start, s.end)
                 if m.group(1) in imported]
        if sdk:
            calls += [(m.start(), f"{sdk.group(1)} {''.join(m.group(1).split())}()")
                      for m in _PROVIDER_SDK_CALL.finditer(s.code, s.start, s.end)]
        if calls:
            at, what = min(calls)
            return f"{what} at {os.path.basename(s.file)}:{s.code.count(chr(10), 0, at) + 1}"
    return None


_PRISMA_WRITE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\.\s*"
                           r"(create|createMany|update|updateMany|upsert|delete|deleteMany)\s*\(")
"""A write through a Prisma client's model delegate (``prisma.user.update(...)``), when the receiver is the client."""
_TRANSACTION = re.compile(r"\$transaction\s*\(\s*(?:async\s*)?\(?\s*([A-Za-z_$][\w$]*)")
"""An interactive transaction, whose callback's parameter is the client within it (``$transaction(async (tx) =>``)."""
_MAKES_ADMIN = re.compile(r"\b(is_?(?:super_?)?admin|is_?super_?user)\s*:\s*true\b", re.IGNORECASE)
"""A flag a write sets that makes its record an administrator (``data: {isAdmin: true}``)."""
_ADMIN_ROLE = re.compile(r"\broles?\s*(?::|=(?!=))\s*(?![{\s])[^;\n{}]*?(?:['\"](?:super_?)?admin(?:istrator)?['\"]|"
                         r"\b\w*roles?\s*\.\s*(?:super_?)?admin(?:istrator)?\b)", re.IGNORECASE)
"""A role given the administrator's, in a property or an assignment (``role: 'ADMIN'``, ``data.role = hasAdmin ?
'USER' : 'ADMIN'``, ``role: Role.ADMIN``); not a filter on it (``role: { equals: 'ADMIN' }``) nor a comparison
(``role === 'ADMIN'``)."""
_INSTALLATION_CONFIG = re.compile(r"(?:infra|instance|system|site|global|platform)_?(?:config|configuration|setting)s?",
                                  re.IGNORECASE)
"""A model that holds the installation's own configuration (``infraConfig``, ``instanceConfiguration``,
``systemSettings``): the settings every user's requests run under (sign-in providers, mail servers), not a user's."""


def _nest_writes(spans: Sequence[code_nest_calls.Span]) -> tuple[str | None, str | None, str | None]:
    """What a NestJS handler and the code it runs through its providers (``spans``, the handler's first) write: the
    first write (a Prisma model delegate's, or a store method's by name, as ``_js_facts`` reads), how one of them
    makes an administrator (a flag it sets, or the administrator's role given before it in the same function: the
    first user of an installation made its administrator), and which writes the installation's own configuration."""
    writes = admin = configures = None
    for s in spans:
        clients = {"prisma", *(m.group(1) for m in _TRANSACTION.finditer(s.code, s.start, s.end))}
        found: list[tuple[int, str, str]] = []
        for m in _PRISMA_WRITE.finditer(s.code, s.start, s.end):
            if m.group(1) in clients or "prisma" in m.group(1).lower():
                found.append((m.start(), f"{m.group(1)}.{m.group(2)}.{m.group(3)}()", m.group(2)))
        found.extend((m.start(), f"{m.group(1)}.{m.group(2)}()", m.group(1))
                     for m in _JS_CALL.finditer(s.code, s.start, s.end)
                     if m.group(2) in _WRITES and m.group(1) not in _NOT_STORES)
        for at, call, model in sorted(found):
            where = f"{call} at {os.path.basename(s.file)}:{s.code.count(chr(10), 0, at) + 1}"
            writes = writes or where
            if configures is None and _INSTALLATION_CONFIG.fullmatch(model):
                configures = where
            flag = _MAKES_ADMIN.search(inside(s.code, s.code.find("(", at)))
            if admin is None and flag:
                admin = f"its handler makes an administrator: {flag.group(0)} in {where}"
            role = _ADMIN_ROLE.search(s.code, s.start, close_bracket(s.code, s.code.find("(", at)))
            if admin is None and role:
                line = s.code.count("\n", 0, role.start()) + 1
                admin = (f"its handler makes an administrator: {' '.join(role.group(0).split())} "
                         f"({os.path.basename(s.file)}:{line}), then {where}")
    return writes, admin, configures


_READS = ("GET", "HEAD", "OPTIONS")  # a read charges nothing
_JS_FUNCTION = re.compile(r"\bfunction\s+([A-Za-z_$][\w$]*)\s*\(|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*"
                          r"(?:async\s*)?(?:function\b|\([^()]*\)\s*=>)")
_JS_BARE_CALL = re.compile(r"(?<![.\w$])([A-Za-z_$][\w$]*)\s*\(")


def _js_spans(path: str, code: str, start: int, end: int, helpers: Mapping[str, int]
              ) -> list[tuple[str, str, int, int]]:
    """A handler's span (``code[start:end]``), then those of the functions of the file it calls by name (one level,
    as ``_js_calls`` follows them)."""
    out = [(path, code, start, end)]
    for call in _JS_BARE_CALL.finditer(code, start, end):
        at = helpers.get(call.group(1))
        body = code.find("{", at) if at is not None and not start <= at < end else -1
        if body >= 0:
            out.append((path, code, body, close_bracket(code, body)))
    return out


def _js_calls(code: str, start: int, end: int, helpers: Mapping[str, int]) -> Iterator[re.Match[str]]:
    """The ``x.method(`` calls in ``code[start:end]`` (a handler), then in the functions of the file it calls by
    name (one level: ``saveCart(...)`` -> ``redisClient.setex``)."""
    for _path, _code, begin, stop in _js_spans("", code, start, end, helpers):
        yield from _JS_CALL.finditer(code, begin, stop)


def _js_facts(path: str, code: str, start: int, end: int, helpers: Mapping[str, int]
              ) -> tuple[str | None, tuple[tuple[tuple[str, bool], ...], str] | None]:
    """The first store write of a handler, and the flags of the session cookie it sets (``res.cookie``; the
    flags left out are Express's defaults: no ``Secure``, no ``HttpOnly``)."""
    writes = cookie = None
    for w in _js_calls(code, start, end, helpers):
        line = code.count("\n", 0, w.start()) + 1
        if writes is None and w.group(2) in _WRITES and w.group(1) not in _NOT_STORES:
            writes = f"{w.group(2)}() at {path}:{line}"
        if cookie is None and w.group(2) == "cookie" and w.group(1) in ("res", "response"):
            args = code[w.end():close_bracket(code, w.end() - 1) - 1]
            head = args.split("{", 1)[0]
            if _SESSIONISH.search(head):
                options = args[len(head):]
                given = options or (split_args(args)[2:3] or [""])[0]  # a third argument: an options variable
                flags = tuple((name, value) for key, name in (("secure", "secure"), ("httpOnly", "http_only"))
                              for value in [_js_flag(given, key)] if value is not None)
                cookie = (flags, f"res.cookie({head.strip().rstrip(',')}) at {path}:{line}, flags left out are "
                                 "Express's defaults (off)")
    return writes, cookie


_JS_CALL = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")


def _js_flag(options: str, key: str) -> bool | None:
    """A cookie option's flag as ``res.cookie``'s options (an object literal, or empty: none given) write it: ``true``
    or ``false``, off when left out (Express's default); None when set from an expression (``secure:
    config.get(...) === 'true'``, a shorthand ``{ secure }``) or when the options are a variable, whose value is not
    known."""
    options = options.strip()
    if options and not options.startswith("{"):
        return None
    said = re.search(rf"(?<![\w$.]){key}\b\s*(?::\s*([^,}}]*))?", options)
    if said is None:
        return False
    value = (said.group(1) or "").strip()
    return True if value == "true" else False if value == "false" else None


# ---- Java: Spring MVC --------------------------------------------------------------------------------

_JAVA_ANNOTATION = re.compile(r"@(RestController|Controller|RepositoryRestController|BasePathAwareController|"
                              r"RequestMapping|GetMapping|PostMapping|PutMapping|PatchMapping|DeleteMapping)\b")
_CONTROLLERS = ("RestController", "Controller", *code_spring_data_rest.CONTROLLERS)
_JAVA_CLASS = re.compile(r"\b(?:class|interface)\s+\w+")
_JAVA_STRINGS = re.compile(r'"((?:[^"\\]|\\.)*)"')
_JAVA_METHOD = re.compile(r"RequestMethod\.([A-Z]+)")


def spring_routes(path: str, text: str) -> list[Route]:
    """``@*Mapping`` methods of ``@RestController``/``@Controller`` classes (and Spring Data REST's
    ``@RepositoryRestController``/``@BasePathAwareController``), under the class's mapping."""
    code = blank_comments(text)
    server = re.search(r"@EnableAuthorizationServer\b", code)
    if server:  # Spring Security OAuth2's TokenEndpoint: POST only unless allowedRequestMethods widens it
        line = code.count("\n", 0, server.start()) + 1
        return [Route("POST", "/oauth/token", Location(path, line, 1),
                      "Spring Security OAuth2 token endpoint (@EnableAuthorizationServer)")]
    found = [(m.group(1), m.start(), call_args(code, m.end())) for m in _JAVA_ANNOTATION.finditer(code)]
    if not any(name in _CONTROLLERS for name, _s, _a in found):
        return _functional_routes(path, code)
    klass = _JAVA_CLASS.search(code)
    class_at = klass.start() if klass else len(code)
    prefixes = [""]
    for name, start, args in found:
        if name == "RequestMapping" and start < class_at:
            prefixes = _mapping_paths(args) or [""]
    out: list[Route] = []
    for name, start, args in found:
        if start < class_at or name in _CONTROLLERS:
            continue
        if name == "RequestMapping":
            methods = [m for m in _JAVA_METHOD.findall(args) if m in _HTTP] or ["ANY"]
        else:
            methods = [name.removesuffix("Mapping").upper()]
        line = code.count("\n", 0, start) + 1
        at = Location(path, line, start - (code.rfind("\n", 0, start) + 1) + 1)
        listed, paid, capped = _java_handler(code, start, path)
        stops = _java_stops(code, start, path)
        wrote, creates = _java_writes(code, start, path) or (None, None)
        for prefix in prefixes:
            for p in _mapping_paths(args) or [""]:
                out.extend(Route(m, join(prefix, p), at, "Spring MVC mapping",
                                 collection=listed if m == "GET" else None, paid=paid,
                                 capped=capped if m == "GET" and listed else None,
                                 writes=wrote if len(methods) == 1 or m not in _SAFE else None,
                                 no_idempotency_key=creates if m not in _SAFE else None, stops=stops)
                           for m in methods)
    return out


_SAFE = ("GET", "HEAD", "OPTIONS", "ANY")
_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_WRITES_READ = ("Spring MVC", "WebFlux", "JAX-RS", "Express", "Fastify", "NestJS", "Next.js", "Flask", "FastAPI",
                "gin", "chi", "echo", "net/http", "gorilla/mux", "Spring Cloud Gateway", "ASP.NET Core minimal API")
"""The frameworks whose handlers the import reads for the writes they make (a gateway's route: those of the service
behind it): a POST there is ``mutating`` when a write is found, left unknown when none is (a POST may be a query;
PUT, PATCH and DELETE are mutating all the same, ``_STATE_CHANGING``); another's unsafe method takes its meaning, as
an OpenAPI operation does."""
_STATE_CHANGING = ("PUT", "PATCH", "DELETE")
"""The unsafe methods defined to change the state of their target resource (RFC 9110 §9.3.4-9.3.5, RFC 5789): one
is ``mutating`` whatever its framework, a write found or not (a handler read for writes by its methods' names misses
the domain's own, ``order.SetCancelledStatus()``); only a POST with no write found stays unknown. A gateway's route
that passes the request on (``_PROXIED``) has no handler of its own: it is mutating so only when a service behind it
serves the same method and path (``Route.behind``); else no handler the import read takes that method there (a
service with no PUT answers 405) and it stays unknown."""
_PROXIED = ("Spring Cloud Gateway",)
_COMPUTES = frozenset({"get", "fetch", "generate", "calculate", "calc", "compute", "estimate", "convert",
                       "preview", "simulate", "search", "query", "find", "lookup", "render", "predict", "recommend",
                       "translate", "summarize", "summarise", "classify", "analyze", "analyse"})
"""The verbs that name a computation returned to the caller rather than a change kept (``POST /get-quote``, ``POST
/ai/generate/image``): a POST of a framework whose handlers the import does not read, named by one of them in either
of its last two fixed segments, is no more known to change state than a POST whose handler was read and showed no
write: it stays unknown."""
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _computes(path: str) -> str | None:
    """The segment of ``path`` that names a computation (``_COMPUTES``): its first word is one of those verbs, in
    either of its last two fixed segments."""
    fixed = [seg for seg in path.split("/") if seg and "{" not in seg and "*" not in seg and ":" not in seg]
    for seg in fixed[-2:]:
        words = _WORD.findall(seg)
        if words and words[0].lower() in _COMPUTES:
            return seg
    return None
_JAVA_WRITE_VERBS = (*(v.lower() for v in code_go.WRITE_VERBS), "persist", "merge")
_JAVA_WRITE_CALL = re.compile(rf"\b((?:this\s*\.\s*)?(\w+))\s*\.\s*((?:{'|'.join(_JAVA_WRITE_VERBS)})(?:[A-Z]\w*)?)"
                              r"\s*\(")
_JAVA_STORE = re.compile(r"(?:repo|repository|store|dao|service|client|template|entitymanager)s?$|"
                         r"^(?:em|db|jdbc|mongo|redis|dao|repo|repository|store|service|client|template)$",
                         re.IGNORECASE)
"""The names of a field or variable a handler writes through: a repository, a DAO, a store, a service, a client,
a template (``JdbcTemplate``, ``RestTemplate``) or an entity manager; a list, a map or a model never is."""
_JAVA_CREATION = re.compile(rf"(?:{'|'.join(v.lower() for v in code_go.CREATION_VERBS)})(?![a-z])")


_JAVA_WROTE = re.compile(r"^(\w+)\.(\w+)\(\) at ")
_JAVA_LOOKUP = re.compile(r"\.\s*(?:find|exists|get|count|load|fetch|select|query|search)\w*\s*\(\s*[^)\s]")
_JAVA_ASSIGNED = re.compile(r"\b(\w+)\s*=\s*[^;=]*?\.\s*(?:find|exists|get|count|load|fetch|select|query|search)"
                            r"\w*\s*\(\s*[^)\s]")
_JAVA_IF = re.compile(r"\bif\s*\(")
_JAVA_ABSENT = re.compile(r"\bAssert\s*\.\s*isNull\s*\(\s*(\w+)\s*,|\b(\w+)\s*\.\s*ifPresent\s*\([^;]*?\bthrow\b|"
                          r"(\.\s*(?:find|get|load|fetch)\w*\s*\([^;]*?\)\s*\.\s*ifPresent\s*\([^;]*?\bthrow\b)")
"""A statement that throws when the record looked up is there: Spring's ``Assert.isNull(existing, ..)``, an
``Optional``'s ``ifPresent(e -> { throw .. })``."""
_JAVA_STATUS = re.compile(r"\.\s*get(?:Status|State)\s*\(\s*\)\s*[!=]=")
_JAVA_STOPS = re.compile(r"\b(?:throw|return)\b")


def _java_amounts(routes: Sequence[Route], java: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``amount`` on each Spring MVC write whose request body some method of the service's code
    charges by a price or total it reads from it (``code_java_amount``)."""
    files = dict(java)
    out: list[Route] = []
    charges: dict[str, str | None] = {}
    lines_of = code_line_prices.LinePrices(java) if java else None
    for r in routes:
        code = files.get(r.at.file)
        if code is None or r.amount or r.method in _SAFE or r.framework != "Spring MVC mapping":
            out.append(r)
            continue
        lines = code.split("\n")
        offset = sum(len(x) + 1 for x in lines[:r.at.line - 1]) + r.at.column - 1
        kind = code_java_amount.body_type(code, offset)
        if kind is not None and kind not in charges:
            charges[kind] = code_java_amount.charged(kind, java)
        where = charges.get(kind) if kind else None
        priced = lines_of.of(kind) if kind and lines_of and r.writes and not where else None
        out.append(replace(r, amount=f"{kind} charged by its price or total at {where}") if where else
                   replace(r, amount=f"{priced}: the client prices its own lines") if priced else r)
    return out


def _csharp_routes(others: Sequence[tuple[str, str]]) -> list[Route]:
    """The routes of a service's C# files (``code_csharp``), with what their handlers show of their callers and of the
    addresses they fetch."""
    return [Route(r.method, normalise(r.path), r.at, r.framework, authz=r.authz, permitted=r.permitted, fetch=r.fetch)
            for r in code_csharp.routes([(f, blank_comments(t)) for f, t in others if f.endswith(".cs")])]


def _csharp_amounts(routes: Sequence[Route], cs: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``amount`` on each ASP.NET Core write whose body type carries priced order lines
    (``code_line_prices``): a controller action's ``[FromBody]`` type, the action's body calling a method named for a
    change of state; a minimal API handler's body parameter, the handler calling such a method or handing the lines
    in a command to the MediatR handler that reads their price (``_minimal_amount``)."""
    files = dict(cs)
    lines_of = code_line_prices.LinePrices(cs) if cs else None
    out: list[Route] = []
    for r in routes:
        code = files.get(r.at.file)
        if code is None or lines_of is None or r.amount or r.method in _SAFE or \
                r.framework not in ("ASP.NET Core controller", "ASP.NET Core minimal API"):
            out.append(r)
            continue
        offset = sum(len(x) + 1 for x in code.split("\n")[:r.at.line - 1]) + r.at.column - 1
        if r.framework == "ASP.NET Core minimal API":
            priced = _minimal_amount(code, cs, offset, lines_of)
        else:
            kind = code_csharp.written_body_type(code, offset)
            said = lines_of.of(kind) if kind else None
            priced = f"{said}: the client prices its own lines" if said else None
        out.append(replace(r, amount=priced) if priced else r)
    return out


def _csharp_writes(routes: Sequence[Route], cs: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``writes`` on each ASP.NET Core minimal API POST, PUT, PATCH or DELETE whose handler calls a
    method named for a change of state (``code_csharp.calls_a_write``) or sends a command to a mediator whose MediatR
    handler does (``code_csharp.mediated_handler``: ``sender.Send(request.Adapt<UpdateItemCommand>())`` handled by
    ``class UpdateItemHandler : ICommandHandler<UpdateItemCommand, ...>`` calling ``session.Update(item)``)."""
    files = dict(cs)
    out: list[Route] = []
    for r in routes:
        code = files.get(r.at.file)
        if code is None or r.writes or r.method in _SAFE or r.framework != "ASP.NET Core minimal API":
            out.append(r)
            continue
        offset = sum(len(x) + 1 for x in code.split("\n")[:r.at.line - 1]) + r.at.column - 1
        body = code_csharp.minimal_body(code, cs, offset)
        handler = code_csharp.mediated_handler(cs, body[1]) if body is not None else None
        if body is not None and code_csharp.calls_a_write(body[1]):
            out.append(replace(r, writes="it calls a method named for a change of state"))
        elif handler is not None and code_csharp.calls_a_write(handler[1]):
            out.append(replace(r, writes=f"the MediatR handler {handler[0]} of the command it sends "
                                         f"({os.path.basename(handler[2].file)}:{handler[2].line}) calls a write"))
        else:
            out.append(r)
    return out


def _csharp_body_ids(routes: Sequence[Route], cs: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``body_id`` on each ASP.NET Core PUT, PATCH or DELETE whose body type (a controller action's
    ``[FromBody]`` parameter, a minimal API handler's body parameter) declares one field naming a stored object by its
    id or number (``code_line_prices.LinePrices.identifier``): the request acts on the object the client names."""
    files = dict(cs)
    types = code_line_prices.LinePrices(cs) if cs else None
    out: list[Route] = []
    for r in routes:
        code = files.get(r.at.file)
        if code is None or types is None or r.method not in ("PUT", "PATCH", "DELETE") or \
                r.framework not in ("ASP.NET Core controller", "ASP.NET Core minimal API"):
            out.append(r)
            continue
        offset = sum(len(x) + 1 for x in code.split("\n")[:r.at.line - 1]) + r.at.column - 1
        if r.framework == "ASP.NET Core minimal API":
            body = code_csharp.minimal_body(code, cs, offset)
            kinds = [kind for kind, _name in body[0]] if body else []
        else:
            kind = code_csharp.body_type(code, offset)
            kinds = [kind] if kind else []
        named = next((found for kind in kinds if (found := types.identifier(kind))), None)
        out.append(replace(r, body_id=named) if named else r)
    return out


def _minimal_amount(code: str, cs: Sequence[tuple[str, str]], offset: int,
                    lines_of: code_line_prices.LinePrices) -> str | None:
    """Why a minimal API handler takes its amount from the client: a body parameter carries priced lines, and the
    handler writes (a method named for a change of state) or builds a command from those lines for a MediatR
    handler that reads their price."""
    body = code_csharp.minimal_body(code, cs, offset)
    if body is None:
        return None
    params, text = body
    for kind, name in params:
        found = lines_of.lines(kind)
        if found is None:
            continue
        said, field, price = found
        if code_csharp.calls_a_write(text):
            return f"{said}: the client prices its own lines"
        handed = code_csharp.command_reads(cs, text, name, field, price) if price else None
        if handed is not None:
            return (f"{said}: the client prices its own lines, handed in a command to {handed[0]} "
                    f"({handed[1].file}:{handed[1].line}), which reads each line's {price}")
        mediated = code_csharp.mediated_handler(cs, text) if price and re.search(
            rf"\b{re.escape(name)}\s*\.\s*Adapt\s*<", text) else None
        if mediated is not None and re.search(rf"\.\s*{re.escape(price)}\b", mediated[1]):
            return (f"{said}: the client prices its own lines, mapped whole into a command for {mediated[0]} "
                    f"({mediated[2].file}:{mediated[2].line}), which reads each line's {price}")
    return None


@dataclass
class _SpringHandlers:
    """Where the handler of each Spring MVC route of a service lies: the method whose body opens first after the
    route's mapping annotation. Each file's line starts and method bodies are found once, not once per route."""

    files: Mapping[str, str]
    starts: dict[str, list[int]] = field(default_factory=dict)
    bodies: dict[str, list[int]] = field(default_factory=dict)

    def of(self, r: Route) -> tuple[str, int, int | None] | None:
        """The route's file, the offset of its mapping annotation and the offset where its handler's body opens;
        None for a route of no Spring MVC mapping the files hold."""
        code = self.files.get(r.at.file)
        if code is None or r.framework != "Spring MVC mapping":
            return None
        starts = self.starts.get(r.at.file)
        if starts is None:
            starts = self.starts[r.at.file] = [0, *(m.end() for m in re.finditer("\n", code))]
            self.bodies[r.at.file] = _java_bodies(code)
        offset = (starts[r.at.line - 1] if r.at.line - 1 < len(starts) else len(code)) + r.at.column - 1
        bodies = self.bodies[r.at.file]
        i = bisect.bisect_right(bodies, offset)
        return code, offset, bodies[i] if i < len(bodies) else None


def _java_permitted(routes: Sequence[Route], java: Sequence[tuple[str, str]], handlers: _SpringHandlers) -> list[Route]:
    """``routes`` with ``permitted`` on each Spring MVC route that the service's Spring Security filter chain lets
    anyone call (the first matcher it falls under is ``permitAll``: ``code_spring_security``) and whose handler never
    reads who calls nor carries method security (``code_workflows.java_principal_reads``): it authenticates nobody."""
    chain = code_spring_security.matchers(java) if any(r.framework == "Spring MVC mapping" for r in routes) else []
    if not any(m.verdict == "permitAll" for m in chain):
        return list(routes)
    reads = {(p, b) for p, b, _w in code_workflows.java_principal_reads(java)}
    out: list[Route] = []
    for r in routes:
        first = next((m for m in chain if m.matches(r.method, r.path)), None)
        found = handlers.of(r)
        if first is None or first.verdict != "permitAll" or found is None:
            out.append(r)
            continue
        if (r.at.file, found[2]) in reads:
            out.append(r)
            continue
        out.append(replace(r, permitted=f"Spring Security lets anyone call it ({', '.join(first.patterns)} permitAll "
                                         f"at {first.at}) and neither its handler nor what it calls reads who the "
                                         "caller is"))
    return out


_J_TYPE_WITH_PASSWORD = re.compile(r"\b(?:class|record)\s+([A-Z]\w*)[^{]*\{(?:[^{}]|\{[^{}]*\})*?"
                                   r"\b(?:String|char\s*\[\s*\])\s+(?:password|passwd|rawPassword)\s*[;=,)]")
"""A Java class (or record) that declares a password field (its body read up to one level of nested braces)."""
_CREDENTIAL_HANDLER = re.compile(r"register|registerUser|registerAccount|signUp|signIn|logIn|login|authenticate|"
                                 r"createAccount|createNewAccount|createUserAccount", re.IGNORECASE)
"""Names of a handler that signs a person up or in: its route is a credential flow whatever its path (``POST /``)."""


def _java_credential_handlers(routes: Sequence[Route], java: Sequence[tuple[str, str]],
                              handlers: _SpringHandlers) -> list[Route]:
    """``routes`` with ``login`` on each Spring MVC write whose handler method is named for signing up or in
    (``createNewAccount``, ``register``, ``signIn``) and takes a request body whose type declares a password field:
    the path alone may say nothing (``POST /``), and either alone may mislead (a payment account is created too, and
    an administrator creates users with a password)."""
    secret = {k.group(1) for _p, code in java for k in _J_TYPE_WITH_PASSWORD.finditer(code)}
    out: list[Route] = []
    for r in routes:
        found = handlers.of(r) if r.method not in _SAFE and not r.login else None
        if found is None:
            out.append(r)
            continue
        code, offset, body = found
        decl = code[offset:body] if body is not None else ""
        named = re.search(r"(?<![@\w.])([a-z]\w*)\s*\(", decl)
        typed = re.search(r"@RequestBody\s+(?:@\w+(?:\([^()]*\))?\s+)*(?:final\s+)?([A-Z]\w*)\s", decl)
        out.append(replace(r, login=f"its handler is named {named.group(1)} and its request body ({typed.group(1)}) "
                                    "carries a password")
                   if named is not None and _CREDENTIAL_HANDLER.fullmatch(named.group(1)) and typed is not None
                   and typed.group(1) in secret else r)
    return out


def _java_maintenance(routes: Sequence[Route], java: Sequence[tuple[str, str]],
                      handlers: _SpringHandlers) -> list[Route]:
    """``routes`` with ``maintenance`` on each Spring MVC route whose handler runs SQL scripts over a database
    (``code_workflows.java_script_runs``): the handler is the method whose body opens first after the route's
    mapping annotation."""
    runs = code_workflows.java_script_runs(java) if any(r.framework == "Spring MVC mapping" for r in routes) else []
    if not runs:
        return list(routes)
    out: list[Route] = []
    for r in routes:
        found = handlers.of(r)
        if found is None:
            out.append(r)
            continue
        why = next((w for p, b, w in runs if p == r.at.file and b == found[2]), None)
        out.append(replace(r, maintenance=why) if why else r)
    return out


def _java_bodies(code: str) -> list[int]:
    """Where each method body of a Java file opens (the offset after its ``{``), by the closing parenthesis of a
    parameter list followed by an optional ``throws`` clause and the brace."""
    return [m.end() for m in re.finditer(r"\)\s*(?:throws\s+[\w.,\s]+)?\{", code)]


_TEST_ONLY = re.compile(r"\b(?:(?:used\s+)?for\s+(?:testing|tests|debugging|debug)\s+only|"
                        r"only\s+for\s+(?:testing|tests|debugging)|(?:testing|test|debug)[- ]only)\b", re.IGNORECASE)
"""A comment saying the code under it is meant for tests or debugging alone."""
_COMMENT_LINE = re.compile(r"\s*(?://|#|/?\*)")
_ANNOTATION_LINE = re.compile(r"\s*[@\[]")


def _test_only(routes: Sequence[Route], texts: Sequence[tuple[str, str]]) -> list[Route]:
    """``routes`` with ``test_only`` where the comment just above the route's declaration (the run of comment lines
    before it, annotations and attributes between them skipped) says it is for testing or debugging only (``// Delete
    Customer - TO BE USED FOR TESTING ONLY``); a comment anywhere else says nothing of the route."""
    lines = {f: t.split("\n") for f, t in texts}
    out: list[Route] = []
    for r in routes:
        code = lines.get(r.at.file)
        i = r.at.line - 2
        while code is not None and 0 <= i < len(code) and _ANNOTATION_LINE.match(code[i]):
            i -= 1
        found = None
        while code is not None and 0 <= i < len(code) and _COMMENT_LINE.match(code[i]):
            if _TEST_ONLY.search(code[i]):
                found = f"{code[i].strip()[:80]!r} at {r.at.file}:{i + 1}"
                break
            i -= 1
        out.append(replace(r, test_only=found) if found else r)
    return out


def _keys_unknown(routes: Sequence[Route], texts: Sequence[tuple[str, str]], java: Sequence[tuple[str, str]]
                  ) -> list[Route]:
    """``routes`` without a ``no_idempotency_key`` the service's code does not bear out: any of its files names an
    idempotency key (whether it checks one is unknown; when the handling reads a switch, ``code_node
    .idempotency_switch``, the route waits on it as deployed: ``key_if``), or the Java method a handler creates
    through looks the record up first (``_unless_keyed``)."""
    if any("idempot" in t.lower() for _f, t in texts):
        switch = _js_setting(code_node.idempotency_switch(texts))
        return [replace(r, key_if=switch) if switch and r.no_idempotency_key else replace(r, no_idempotency_key=None)
                for r in routes]
    return [_unless_keyed(r, java) for r in routes]


def _unless_keyed(r: Route, java: Sequence[tuple[str, str]]) -> Route:
    """The route without its ``no_idempotency_key`` when the service method its handler creates through looks the
    record up first by what the request carries and stops (returns or throws) when it is there: a retry finds the
    first record and makes no second one (``if (repository.findByName(name) != null) return ...``)."""
    wrote = _JAVA_WROTE.match(r.writes or "")
    if r.no_idempotency_key is None or wrote is None or not r.at.file.endswith(".java"):
        return r
    receiver, method = wrote.groups()
    handler = next((t for f, t in java if f == r.at.file), "")
    kind = _java_type(handler, receiver) or None
    bodies = [(code, span) for _f, code in java for klass in re.finditer(r"\bclass\s+(\w+)([^{]*)\{", code)
              if kind is None or klass.group(1) == kind or re.search(rf"\b{kind}\b", klass.group(2))
              for span in _java_methods(code, klass.end() - 1, method)]
    if any(_looks_up_first(code[a:b]) for code, (a, b) in bodies):
        return replace(r, no_idempotency_key=None)
    if bodies and not any(_stores(code, a, b) for code, (a, b) in bodies):  # it passes the request on (an HTTP
        return replace(r, no_idempotency_key=None)  # call): whether a retry repeats the write is the callee's
    return r


def _java_methods(code: str, brace: int, name: str) -> Iterator[tuple[int, int]]:
    """The bodies of the methods called ``name`` in the class whose body opens at ``brace``."""
    end = close_bracket(code, brace)
    for m in re.finditer(rf"\b{re.escape(name)}\s*\(", code[:end]):
        if m.start() < brace:
            continue
        after = close_bracket(code, m.end() - 1)
        start = code.find("{", after)
        if start >= 0 and re.fullmatch(r"\s*(?:throws\s+[\w.,\s]+)?", code[after:start]):
            yield start, close_bracket(code, start)


_JAVA_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "new", "synchronized"})


def _stores(code: str, start: int, end: int) -> bool:
    """Whether a method body writes through a store itself (``repository.save(``), or through a method of its own
    class it calls (``this.saveOrder(`` whose body does)."""
    if any(_JAVA_STORE.search(w.group(2)) for w in _JAVA_WRITE_CALL.finditer(code, start, end)):
        return True
    klass = code.rfind("class ", 0, start)
    brace = code.find("{", klass) if klass >= 0 else -1
    for call in re.finditer(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\(", code[start:end]):
        if brace >= 0 and call.group(1) not in _JAVA_KEYWORDS:
            for a, b in _java_methods(code, brace, call.group(1)):
                if not a <= start < b and any(_JAVA_STORE.search(w.group(2))
                                                for w in _JAVA_WRITE_CALL.finditer(code, a, b)):
                    return True
    return False


def _looks_up_first(body: str) -> bool:
    """Whether a method body looks a record up by some argument (a ``find``/``exists``/``get`` call, or a variable
    set from one) and writes only when it is missing: it returns or throws, before its first write, when the record
    is there (``if (repo.existsByName(n)) throw ...``), or its first write sits under a test that the record is
    missing (``if (repo.findById(id) == null) { repo.save(s); ... }``)."""
    first = _JAVA_WRITE_CALL.search(body)
    at = first.start() if first else len(body)
    found = {m.group(1) for m in _JAVA_ASSIGNED.finditer(body, 0, at)}
    for m in _JAVA_ABSENT.finditer(body, 0, at):  # Assert.isNull(existing, ..), existing.ifPresent(e -> throw ..)
        if m.group(1) in found or m.group(2) in found or m.group(3):
            return True
    for m in _JAVA_IF.finditer(body, 0, at):
        close = close_bracket(body, m.end() - 1)
        cond = body[m.end():close - 1]
        rest = len(body[close:]) - len(body[close:].lstrip()) + close
        end = close_bracket(body, rest) if body.startswith("{", rest) else body.find(";", rest) + 1
        if _JAVA_STATUS.search(cond) and end <= at and _JAVA_STOPS.search(body, rest, end):
            return True  # it refuses a record whose state is past the one it acts on (paid, cancelled)
        if _JAVA_LOOKUP.search(cond) is None and not any(re.search(rf"\b{v}\b", cond) for v in found):
            continue
        rest = len(body[close:]) - len(body[close:].lstrip()) + close
        end = close_bracket(body, rest) if body.startswith("{", rest) else body.find(";", rest) + 1
        if _polarity(cond) is True and end <= at and (_JAVA_STOPS.search(body, rest, end)
                                                      or _JAVA_ASSIGNED.search(body, rest, end)):
            return True  # it stops when the record is there, or takes the record found to write it over
        if _polarity(cond) is False and first is not None and rest < at < end:
            return True
    return False


def _polarity(cond: str) -> bool | None:
    """Whether an ``if`` condition holds when the record looked up is there (``!= null``, ``isPresent()``,
    ``existsByName(..)``, ``!list.isEmpty()``: True) or when it is missing (``== null``, ``!..isPresent()``,
    ``isEmpty()``: False); None when it says neither."""
    if re.search(r"!=\s*null\b|\bnull\s*!=", cond):
        return True
    if re.search(r"==\s*null\b|\bnull\s*==", cond):
        return False
    m = re.search(r"\b(isPresent|exists\w*|contains\w*|isEmpty)\s*\(", cond)
    if m is None:
        return None
    negated = re.search(r"!(?!=)[^&|]*$", cond[:m.start()]) is not None
    return negated if m.group(1) == "isEmpty" else not negated


def _java_type(code: str, name: str) -> str:
    """The declared type of the field or variable ``name`` in ``code`` (``LoanService`` of ``LoanService loans;``),
    "" when the code does not declare it."""
    declared = re.search(rf"\b([A-Z]\w*)(?:\s*<[^<>;]*>)?\s+{re.escape(name)}\s*[;=,)]", code)
    return declared.group(1) if declared else ""


def _java_method_body(code: str, start: int) -> tuple[int, int] | None:
    """Where the body of the method under the annotation at ``start`` begins and ends, when it has one."""
    i = start
    while (head := _JAVA_ANNOTATION_HEAD.match(code, i)) is not None:
        i = head.end()
        if code.startswith("(", i):
            i = close_bracket(code, i)
    m = _JAVA_SIGNATURE.match(code, i)
    if m is None:
        return None
    after = close_bracket(code, m.end() - 1)
    brace = code.find("{", after)
    if brace < 0 or ";" in code[after:brace]:
        return None
    return brace, close_bracket(code, brace)


def _java_writes(code: str, start: int, path: str) -> tuple[str, str | None] | None:
    """The first call of the handler under the annotation at ``start`` that writes through a store, a service or a
    client (``orderService.createOrder(``: a writing verb, a receiver named like one), and why a repeat of the
    request repeats it when the verb creates (a second order, a second charge)."""
    span = _java_method_body(code, start)
    if span is None:
        return None
    for call in _JAVA_WRITE_CALL.finditer(code, *span):
        if _JAVA_STORE.search(call.group(2)) is None and _JAVA_STORE.search(_java_type(code, call.group(2))) is None:
            continue
        line = code.count("\n", 0, call.start()) + 1
        writes = f"{call.group(2)}.{call.group(3)}() at {os.path.basename(path)}:{line}"
        creates = (f"its handler creates ({writes}) and no code of the service names an idempotency key"
                   if _JAVA_CREATION.match(call.group(3)) and not _looks_up_first(code[span[0]:span[1]]) else None)
        return writes, creates
    return None


_JAVA_ANNOTATION_HEAD = re.compile(r"\s*@[\w.]+\s*")
_JAVA_SIGNATURE = re.compile(r"\s*(?:(?:public|protected|private|static|final|synchronized|abstract|default)\s+)*"
                             r"(?:<[^(){};]*>\s*)?([\w.]+(?:\s*<[^(){};=]*>)?(?:\s*\[\])?)\s+(\w+)\s*\(")
_JAVA_COLLECTION = re.compile(r"^(?:(?:Mono|ResponseEntity|Optional)\s*<\s*)*(?:java\.util\.)?"
                              r"(List|Collection|Set|Iterable|Flux|Stream|Page|Slice)\b|\[\]$")
_JAVA_PAGING = re.compile(r"\b(?:Pageable|PageRequest|Page|Slice)\b|\"(?:page|size|limit|offset|cursor|pageSize|"
                          r"page_size|per_page|pageToken)\"|\b(?:page|size|limit|offset|cursor|pageSize)\s*[,)]")


_JAVA_FIND_ALL = re.compile(r"\.findAll\(\s*\)")
_JAVA_REDUCED = re.compile(r"^[^;]*?\.(?:count|size|findFirst|findAny|anyMatch|allMatch|noneMatch|limit|skip|"
                           r"iterator\(\s*\)\s*\.next|max|min|reduce|sum)\s*\(")
"""What cuts ``findAll()``'s rows down in the same statement (``findAll().size()``, ``.stream().limit(10)``)."""
_JAVA_SCALAR = re.compile(r"(?:(?:ResponseEntity|Mono|Optional)\s*<\s*)*(?:void|Void|boolean|Boolean|byte|Byte|"
                          r"short|Short|int|Integer|long|Long|float|Float|double|Double|char|Character|String|BigDecimal|"
                          r"BigInteger|Number)(?:\s*>)*")
"""A return type that holds one value, never rows: a handler returning it counts or sums what it reads."""
_JAVA_CAP = re.compile(r"\.(?:subList\(\s*0\s*,|limit\(|take\()\s*(\d+)\s*\)")
"""A handler cutting its list to a fixed number of items: ``list.subList(0, 9)``, a stream's ``.limit(10)``, a
``Flux``'s ``.take(10)``."""
_JAVA_SIZE_GUARD = re.compile(r"\.size\(\s*\)\s*(>=?)\s*(\d+)\s*\)[^;]*$")
"""The condition right before a cut (``if (cities.size() > 10)``): a list that passes it is returned whole."""


_PAID_CALL = re.compile(
    r"\.prompt\s*\([^;]*?\.(?:call|stream)\s*\(\s*\)"                      # Spring AI ChatClient
    r"|\b\w*(?:chatModel|ChatModel|languageModel|LanguageModel)\s*\.\s*(?:call|generate|chat|stream)\s*\("  # models
    r"|\bchat\s*(?:\(\s*\))?\s*\.\s*completions\s*(?:\(\s*\))?\s*\.\s*create\s*\(")              # OpenAI SDKs
"""A call that runs an AI model at a provider, billed per call: Spring AI's ``chatClient.prompt()...call()``, a chat or
language model's ``call``/``generate``, an OpenAI SDK's ``chat.completions.create``."""


def _java_handler(code: str, start: int, path: str
                  ) -> tuple[tuple[str, bool] | None, str | None, tuple[int, str] | None]:
    """What the handler method under the annotation at ``start`` shows: the collection type it returns
    (``List<Owner>``, an array, a ``Flux``) and whether it takes a page or a limit (a ``Pageable``, a
    ``page``/``size``/``limit`` parameter, or returns a ``Page``); the paid provider call its body makes; and
    the fixed number of items its body cuts the list to, if it does (``subList(0, 9)``)."""
    i = start
    while (head := _JAVA_ANNOTATION_HEAD.match(code, i)) is not None:  # this annotation and the others on the method
        i = head.end()
        if code.startswith("(", i):
            i = close_bracket(code, i)
    m = _JAVA_SIGNATURE.match(code, i)
    if m is None:
        return None, None, None
    after = close_bracket(code, m.end() - 1)
    params = code[m.end() - 1:after]
    brace = code.find("{", after)
    body = code[brace:close_bracket(code, brace)] if brace >= 0 and ";" not in code[after:brace] else ""
    call = _PAID_CALL.search(body)
    paid = None
    if call is not None:
        at = brace + call.start()
        paid = f"{' '.join(call.group(0).split())} at {os.path.basename(path)}:{code.count(chr(10), 0, at) + 1}"
    kind = _JAVA_COLLECTION.search(" ".join(m.group(1).split()))
    if kind is None:
        # a response object (``ResponseEntity<GetOrdersResponse>``) built from a repository's whole table:
        # Spring Data's ``findAll()`` with no Pageable returns every row, and the handler passes them all on
        whole = _JAVA_FIND_ALL.search(body)
        if (whole is None or _JAVA_REDUCED.search(body[whole.end():]) is not None
                or _JAVA_SCALAR.fullmatch(" ".join(m.group(1).split())) is not None):
            return None, paid, None
        return (f"{' '.join(m.group(1).split())} of findAll()", _JAVA_PAGING.search(params) is not None), paid, None
    paged = kind.group(1) in ("Page", "Slice") or _JAVA_PAGING.search(params) is not None
    cut = _JAVA_CAP.search(body)
    capped = None
    if cut is not None and int(cut.group(1)) > 0:
        at = brace + cut.start()
        most = int(cut.group(1))
        guard = _JAVA_SIZE_GUARD.search(body[max(0, cut.start() - 200):cut.start()])
        if guard is not None:  # `if (list.size() > 10) list = list.subList(0, 9)`: a list of 10 passes whole
            most = max(most, int(guard.group(2)) - (1 if guard.group(1) == ">=" else 0))
        capped = (most, f"{' '.join(cut.group(0).split())} at {os.path.basename(path)}:"
                        f"{code.count(chr(10), 0, at) + 1}")
    return (" ".join(m.group(1).split()), paged), paid, capped


_PROCESS_EXIT = re.compile(r"\bSystem\s*\.\s*(?:exit|halt)\s*\(|\bRuntime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*"
                           r"(?:exit|halt)\s*\(|\bSpringApplication\s*\.\s*exit\s*\(|"
                           r"\b\w*[Aa]pplication[Cc]ontext\s*\.\s*close\s*\(\s*\)")
"""A call that ends the JVM or the Spring application: ``System.exit``, ``Runtime.getRuntime().halt``,
``SpringApplication.exit``, closing the application context (a name that says so: ``applicationContext.close()``;
another ``context`` may be anything)."""


def _java_stops(code: str, start: int, path: str) -> str | None:
    """Where the handler method under the annotation at ``start`` stops the whole process, if its body does."""
    body = _java_method_body(code, start)
    stop = _PROCESS_EXIT.search(code, body[0], body[1]) if body is not None else None
    if stop is None:
        return None
    said = "".join(stop.group(0).split())
    said = said + ")" if said.endswith("(") else said
    return f"{said} at {os.path.basename(path)}:{code.count(chr(10), 0, stop.start()) + 1}"


_GATEWAY_DSL = re.compile(r"\.route\(\s*\w+\s*->\s*\w+\s*\.\s*path\(")
_PREDICATE = re.compile(r"(?<![\w.])(?:RequestPredicates\s*\.\s*)?(GET|POST|PUT|PATCH|DELETE)\(\s*\"(/[^\"]*)\"")


def _functional_routes(path: str, code: str) -> list[Route]:
    """Routes declared as code, not annotations: Spring Cloud Gateway's Java DSL (``.route(r -> r.path("/orders")
    .and().method("POST").uri(...))``, served by the gateway itself) and WebFlux ``RouterFunctions``
    (``route(GET("/orders/{orderId}"), handler)``)."""
    out: list[Route] = []

    def at(i: int) -> Location:
        return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)

    for m in _GATEWAY_DSL.finditer(code):
        spec = code[m.end() - 1:close_bracket(code, m.start() + len(".route"))]
        paths = _JAVA_STRINGS.findall(spec[:close_bracket(spec, 0)])
        methods = re.findall(r"\.method\(\s*(?:\"|HttpMethod\.)([A-Z]+)", spec) or ["ANY"]
        out.extend(Route(meth, normalise(p), at(m.start()), "Spring Cloud Gateway route (Java DSL)")
                   for p in paths if p.startswith("/") for meth in methods if meth in (*_HTTP, "ANY"))
    if "RouterFunction" in code:
        out.extend(Route(m.group(1), normalise(m.group(2)), at(m.start()), "WebFlux RouterFunctions route")
                   for m in _PREDICATE.finditer(code))
    return out


def _mapping_paths(args: str) -> list[str]:
    """The paths of a mapping's arguments: the bare value, ``value =`` or ``path =`` (not ``produces =``...)."""
    named = re.search(r"\b(?:value|path)\s*=\s*(\{[^}]*\}|\"(?:[^\"\\]|\\.)*\")", args)
    if named:
        return _JAVA_STRINGS.findall(named.group(1))
    head = args.strip()
    if head.startswith(("\"", "{")):
        first = re.match(r"(\{[^}]*\}|\"(?:[^\"\\]|\\.)*\")", head)
        return _JAVA_STRINGS.findall(first.group(1)) if first else []
    return []


# ---- PHP files under a document root ----------------------------------------------------------------

_DOCROOT = "/var/www/html"


def php_routes(directory: str, limits: Limits, remarks: list[tuple[Location, str]]) -> list[Route]:
    """The ``.php`` files a ``php:*`` image serves from the folder its Dockerfile copies to the document root."""
    dockerfile = os.path.join(directory, "Dockerfile")
    if not os.path.isfile(dockerfile):
        return []
    try:
        import dockerfile as parser
    except ImportError:  # pragma: no cover - the dev install has it
        remarks.append((Location(dockerfile), "PHP document root not read: install archplan[importers] "
                                              "(the dockerfile package)"))
        return []
    try:
        commands = parser.parse_string(read_text(dockerfile, limits))
    except parser.GoParseError:
        remarks.append((Location(dockerfile), "Dockerfile does not parse: its PHP document root is not read"))
        return []
    base = next((str(c.value[0]) for c in commands if c.cmd.upper() == "FROM" and c.value), "")
    if not base.lower().startswith(("php:", "docker.io/php:", "docker.io/library/php:")):
        return []
    out: list[Route] = []
    for c in commands:
        words = [str(w) for w in c.value if not str(w).startswith("--")]
        if c.cmd.upper() != "COPY" or len(words) != 2 or words[1].rstrip("/") != _DOCROOT:
            continue
        folder = os.path.normpath(os.path.join(directory, words[0]))
        if not folder.startswith(os.path.normpath(directory)) or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            file = os.path.join(folder, name)
            if name.endswith(".php") and os.path.isfile(file):
                text = read_text(file, limits)
                call = re.search(r"\bphpinfo\s*\(", text)
                debug = None
                at = Location(file, 1, 1)
                if call:
                    line = text.count("\n", 0, call.start()) + 1
                    at, debug = Location(file, line, 1), f"it calls phpinfo() ({os.path.basename(file)}:{line})"
                out.append(Route("ANY", "/" + name, at, f"PHP file served from {_DOCROOT} ({base}, "
                                                         f"{dockerfile}:{c.start_line})", debug))
    return out


# --------------------------------------------------------------------------------------
# The design: routes alone, or behind what exposes them
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Front:
    """What exposes a service's routes: a gateway route forwarding a prefix, or the service's own entry."""

    served_by: str
    prefix: str
    strips: bool
    facts: Mapping[str, Any]
    where: Mapping[str, Location]
    via: str
    """``endpoint:<key>`` of the gateway route or entry point."""
    replaced_by: str = "/"
    """The path the gateway forwards in place of ``prefix`` when it strips it (``/`` but for nginx's
    ``proxy_pass http://svc/order``): only the service's routes under it are reached, and they lose it."""
    shared: bool = False
    """The gateway route passes to one of several upstreams (nginx's ``proxy_pass $var`` ``set`` by a request's method
    or headers): a route of the service is reached through it only when no more specific route of the same gateway
    takes the route's path (``_shadowed``)."""


def _placed_fact(method: str, path: str, server: str, taken: Mapping[str, str]) -> dict[str, Any] | None:
    """The endpoint a route is placed as on ``server`` at ``path``; None when that server already has it (or a document
    states it). The same method and path on another server (two services each publishing their own port, two gateways
    forwarding one prefix) is an endpoint of its own, named after its server as an unplaced route is after its service,
    and still placed behind its front."""
    fact: dict[str, Any] = {"method": method, "path": path, "served_by": server}
    key = f"{method} {path}"
    if key not in taken:
        return fact
    if taken[key] in ("", server):
        return None
    name = safe_name(f"{server}-{method}-{path}")
    return None if name in taken else {"name": name, **fact}


def _front_facts(body: Body, key: str, front: Front, entry: str, traits: Traits, at: Location) -> None:
    """What the front of a route states of it (what the gateway states wins over what the code suggests), and
    ``tls: false`` on a route its service's own entry point publishes (no gateway, no TLS stated there) when the
    service's image listens on plain HTTP only: the listener's scheme is the endpoint's."""
    for k, v in front.facts.items():
        body.set("endpoints", key, k, v, front.where.get(k, at))
    if front.via == f"endpoint:{entry}" and "tls" not in front.facts and traits.plain_listener:
        body.set("endpoints", key, "tls", False, traits.plain_listener[1])
        body.note("endpoints", key, f"tls false: {traits.plain_listener[0]}, and the deployment publishes that port "
                                    "itself, with nothing in front of it that terminates TLS")


def _record_client_bounds(body: Body, service: str, bounded: Sequence[tuple[str, code_timeouts.LibraryTimeout, str]],
                          guarded: Sequence[tuple[str, code_breakers.Caller]],
                          fed: Sequence[tuple[str, tuple[str, Location]]] = (),
                          retried: Sequence[code_breakers.Retried] = ()) -> None:
    """What the service's code bounds its drawn calls with: a client library's default timeout, a breaker, retries;
    and the registries whose answers its calls need."""
    code_timeouts.record(body, service, bounded)
    code_breakers.record(body, service, guarded)
    code_breakers.record_retries(body, service, retried)
    code_discovery.record(body, service, fed)


def _record_console(body: Body, service: str, entry: str, traits: Traits, fronts: Sequence[Front]) -> None:
    """A service whose published entry point (``entry``) is the operator console its code runs: the entry is an
    operator's surface (``admin``), on which no user request waits, and the service an operator tool."""
    if traits.console is not None and any(f.via == f"endpoint:{entry}" for f in fronts):
        what, where = traits.console
        body.fact("endpoints", {"name": entry, "method": "ANY", "path": "/", "served_by": service}, where)
        console_entry(body, service, where, f"its code runs an operator console ({what}, {where})")
        infra.operator_tool(body, service, where, f"its code runs an operator console ({what}, {where}), which its "
                                                  "published entry serves")


def build(service: str, routes: tuple[Route, ...], at: Location, fronts: Mapping[str, list[Front]],
          taken: dict[str, str] | None = None, open_code: str | None = None, context: str = "",
          secrets: tuple[code_secrets.Secret, ...] = (), links: Sequence[code_calls.Link] = (),
          traits: Traits = Traits(), edges: Sequence[code_clients.Edge] = (),
          flag_calls: Sequence[code_flags.FlagCall] = (), worker: str | None = None,
          bounded: Sequence[tuple[str, code_timeouts.LibraryTimeout, str]] = (),
          guarded: Sequence[tuple[str, code_breakers.Caller]] = (),
          fed: Sequence[tuple[str, tuple[str, Location]]] = (),
          retried: Sequence[code_breakers.Retried] = (),
          flows: Sequence[code_workflows.Flow] = (), checks: Sequence[tuple[str, code_workflows.Check]] = (),
          swallowed: tuple[str | None, Sequence[code_swallowed.Swallowed]] = (None, ()),
          stated: frozenset[str] = frozenset(), open_targets: Mapping[str, str] | None = None,
          described: Mapping[str, str] | None = None,
          gateway_of: Sequence[code_grpc_gateway.Registration] = (),
          priced: Mapping[tuple[str, str], str] | None = None) -> RoutesDocument:
    """The document of a service's routes (under its ``context`` path), placed behind ``fronts[service]``;
    a route an API description of the service states (``described``, ``GET /orders``) is that endpoint; ``priced``:
    the same-origin requests the system's browser code sends with prices (``RoutesDocument.priced_posts``)."""
    body = Body(at.file, "api", FORMAT)
    body.fact("services", {"name": service}, at)
    if open_code:  # its own API too: a registry or a console it serves checks no caller either
        body.set("services", service, "inbound_auth", "none", at)
        body.note("services", service, f"inbound_auth none: {open_code}")
    code_secrets.record(body, service, secrets)
    if worker:
        body.set("services", service, "kind", "worker", at)
        body.note("services", service, f"kind worker: {worker}")
    elif gateway_of:
        body.set("services", service, "kind", "gateway", gateway_of[0].at)
        body.note("services", service, "kind gateway: its code serves the HTTP bindings of the gRPC services "
                                       + ", ".join(r.service for r in gateway_of) + " through grpc-gateway "
                                       f"({gateway_of[0].at}) and forwards each request to them")
    _record_traits(body, service, traits)
    entry = safe_name(f"{service}-entry")
    _record_console(body, service, entry, traits, fronts.get(service, []))
    taken = {} if taken is None else taken
    for given in _curated(routes, open_code):
        r = replace(given, path=join(context, given.path)) if context else given
        placed = False
        for front in fronts.get(service, []):
            path = _public_path(front, r.path)
            if path is None or _shadowed(front, path, fronts.get(service, [])):
                continue
            fact = _placed_fact(r.method, path, front.served_by, taken)
            if fact is None:
                continue
            key = str(fact.get("name") or f"{r.method} {path}")
            taken[key] = front.served_by
            placed = True
            body.fact("endpoints", fact, r.at)
            if front.served_by != service:
                body.set("endpoints", key, "routes_to", [service], r.at)
                # stated here too, so that this agent file loads alone: the gateway and its call to the service
                via = front.where.get("", r.at)
                body.fact("services", {"name": front.served_by}, via)
                body.fact("interactions", {"from": front.served_by, "to": service}, via)
            _front_facts(body, key, front, entry, traits, r.at)
            how = "prefix stripped" if front.strips else "path kept"
            body.note("endpoints", key, f"public through {front.via} ({how})")
            _inferred(body, key, r, service, open_code, traits.limits, traits.lockout)
            _priced_forward(body, key, r, path, priced or {})
        if not placed:
            _unplaced(body, r, service, described or {}, open_code, traits)
    _described_on_entry(body, service, entry, fronts.get(service, []), described or {}, traits, at)
    code_calls.record(body, service, links)
    code_clients.record(body, service, edges)
    _unauthenticated_calls(body, service, [(link.target, link.at) for link in links] +
                           [(e.target, e.at) for e in edges if "auth" not in e.data], open_targets or {})
    code_flags.record(body, service, flag_calls)
    _record_client_bounds(body, service, bounded, guarded, fed, retried)
    _record_code_flows(body, service, flows, checks, swallowed, stated)
    return _routes_document(body.document(), service, routes, at, open_code, secrets, traits)


def _priced_forward(body: Body, key: str, r: Route, path: str, priced: Mapping[tuple[str, str], str]) -> None:
    """``amount_from_client`` on a route whose handler passes its request's body on whole (``Route.passes_body``), where
    the system's browser code sends prices the client sets to the path the route is reached at (``priced``)."""
    sent = priced.get((r.method, path.rstrip("/") or "/")) if r.passes_body and not r.amount else None
    if sent is None:
        return
    body.set("endpoints", key, "amount_from_client", True, r.at)
    body.note("endpoints", key, f"amount_from_client: the system's browser code sends {sent}, and its handler passes "
                                f"the request's body on whole, reading none of its fields ({r.passes_body})")


def _routes_document(doc: ArtifactDocument, service: str, routes: tuple[Route, ...], at: Location,
                     open_code: str | None, secrets: tuple[code_secrets.Secret, ...], traits: Traits) -> RoutesDocument:
    return RoutesDocument(doc.file, doc.data, {}, remarks=doc.remarks, where=doc.where, notes=doc.notes,
                          format=FORMAT, service=service, routes=routes, service_at=at, open_code=open_code,
                          secrets=secrets, traits=traits, pubsub_topics=doc.pubsub_topics)


def _record_code_flows(body: Body, service: str, flows: Sequence[code_workflows.Flow],
                       checks: Sequence[tuple[str, code_workflows.Check]],
                       swallowed: tuple[str | None, Sequence[code_swallowed.Swallowed]],
                       stated: frozenset[str]) -> None:
    """State what the service's handlers do across their writes: workflows, check-then-acts, swallowed failures."""
    code_workflows.record(body, service, flows, stated)
    code_workflows.record_checks(body, service, checks, stated)
    code_swallowed.record(body, service, *swallowed)


def _code_names(doc: RoutesDocument, texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]],
                cs: Sequence[tuple[str, str]], vue: Sequence[tuple[str, str]] = ()) -> None:
    """State on ``doc`` what a service's code names beyond its routes: something that may coordinate its writes, an
    idempotency key, the Spring properties its Feign clients take their ``url`` from; the requests its browser code
    (``vue``: its Vue components too) sends with prices the client sets; and from its C# files (comments blanked),
    where they map health checks only, the settings read as a token issuer's address, the store writes whose failure
    they swallow."""
    doc.feign_urls = code_clients.feign_urls([(f, blank_comments(t)) for f, t in texts if f.endswith(".java")])
    doc.coordinated = code_workflows.coordinator([*texts, *cs]) or code_cs_workflows.coordinator(cs)
    doc.names_idempotency_key = any("idempot" in t.lower() for _f, t in [*texts, *others])
    doc.idempotency_if = _js_setting(code_node.idempotency_switch([*texts, *others])) \
        if doc.names_idempotency_key else ()
    doc.priced_posts = code_js_amount.priced_posts([(f, blank_comments(t)) for f, t in [*texts, *others, *vue]
                                                    if f.endswith(code_js_amount.PRICED_SUFFIXES)])
    doc.health_only, doc.authorities = code_csharp.health_only(cs) or _health_routes(doc), \
        code_csharp.token_authorities(cs)
    doc.swallowed = tuple(code_swallowed.csharp(cs))


def _health_routes(doc: RoutesDocument) -> Location | None:
    """Where the first of its routes is, when every route its code declares is a health check's (``GET /health``,
    ``/health-check``: ``HEALTH_PATH``), whatever the framework: its web server serves its health and nothing else."""
    if doc.routes and all(HEALTH_PATH.search(r.path) for r in doc.routes):
        return min(doc.routes, key=lambda r: (r.at.file, r.at.line, r.at.column)).at
    return None


def _described_on_entry(body: Body, service: str, entry: str, fronts: Sequence[Front], described: Mapping[str, str],
                        traits: Traits, at: Location) -> None:
    """What the service's own published entry point states of every endpoint an API description of the service gives
    (``tls: false`` when its listener is plain HTTP): the description's routes are served by the same listener."""
    front = next((f for f in fronts if f.via == f"endpoint:{entry}"), None)
    if front is None or not traits.plain_listener:
        return
    for key in sorted(set(described.values())):
        method, _s, path = key.partition(" ")
        body.fact("endpoints", {"method": method, "path": path, "served_by": service}, at)
        _front_facts(body, key, front, entry, traits, at)


def _unplaced(body: Body, r: Route, service: str, described: Mapping[str, str], open_code: str | None,
              traits: Traits) -> None:
    """A route behind no gateway or entry point: the endpoint an API description of the service states for it
    (its method and path, parameter names included), else one of its own, named after the service."""
    spec_key = described.get(_template(f"{r.method} {r.path}"))
    base = None if spec_key else _under_base(described, r.method, r.path)
    if base is not None:
        spec_key = described[_template(f"{r.method} {join(base, r.path)}")]
    if spec_key:
        method, _s, path = spec_key.partition(" ")
        key = body.fact("endpoints", {"method": method, "path": path, "served_by": service}, r.at)
        if base is not None:
            body.note("endpoints", key, f"the route {r.method} {r.path} of {service}'s code, under the base path "
                                        f"{base} that every path of its API description starts with")
        _inferred(body, spec_key, r, service, open_code, traits.limits, traits.lockout)
        return
    name = safe_name(f"{service}-{r.method}-{r.path}")
    body.fact("endpoints", {"name": name, "method": r.method, "path": r.path, "served_by": service}, r.at)
    _inferred(body, name, r, service, open_code, traits.limits, traits.lockout)
def _shadowed(front: Front, path: str, fronts: Sequence[Front]) -> bool:
    """A ``shared`` front (a route picking among upstreams) whose gateway has a more specific route that takes
    ``path``: the request goes there, not through this one."""
    if not front.shared:
        return False
    return any(f is not front and f.served_by == front.served_by and len(f.prefix) > len(front.prefix)
               and _public_path(f, path) == path for f in fronts)


def _public_path(front: Front, path: str) -> str | None:
    """The path a service's route is reached at through ``front`` (None: not through it)."""
    if front.strips and front.replaced_by != "/":
        # the gateway forwards only the paths under the one it puts in place of its prefix
        return front.prefix + path[len(front.replaced_by):] if path.startswith(front.replaced_by) else None
    if front.strips:
        return join(front.prefix, path)
    return path if (path + "/").startswith(front.prefix.rstrip("/") + "/") else None


_DATASOURCE_URL = "SPRING_DATASOURCE_URL"
"""The variable a deployment points a Spring service's datasource with (then no embedded database is started)."""


def _django_settings(texts: Sequence[tuple[str, str]]
                     ) -> tuple[tuple[code_django.Setting, str] | None, code_django.SessionCookie | None]:
    """The ``DEBUG`` of the Django settings module the code's entry points name (``code_django.settings``), with that
    module's file, and the flags of its session cookie when it uses sessions (``code_django.session_cookie``); None
    when the code names no settings module or its ``DEBUG`` is not known, or it uses no sessions."""
    py = [(f, t) for f, t in texts if f.endswith(".py")]
    if not any("DEBUG" in t or "SessionMiddleware" in t for _f, t in py):
        return None, None
    project = code_django.Project(py)
    if project.settings_file is None:
        return None, None
    found = next((s for s in code_django.settings(project) if s.name == "DEBUG"), None)
    return None if found is None else (found, project.settings_file), code_django.session_cookie(project)


def _settings_module_is(file: str, module: str) -> bool:
    """Whether ``file`` is the module a dotted ``DJANGO_SETTINGS_MODULE`` names (matched by its last parts, as the
    code's own modules are: the folder read is not the package's root)."""
    parts = module.strip().split(".")
    path = file.replace("\\", "/").removesuffix(".py").removesuffix("/__init__")
    return all(parts) and path.split("/")[-len(parts):] == parts


def _deployed_routes(d: RoutesDocument, own: Mapping[str, tuple[str, Location]] | None, unseen: frozenset[str]
                     ) -> tuple[tuple[Route, ...], list[tuple[Location, str]]]:
    """The service's routes as deployed (``own``: the variables its deployment sets, None when none names it;
    ``unseen``: those set to a value not shown): those served (``_served``), with their session cookies' flags as
    deployed (``_settled_cookie``, ``_with_session_cookie``); and a remark on each left out."""
    served, unserved = _served(_settled_key(_settled_throttle(_settled_cookie(_settled_credentials(
        d.routes, own, unseen), own, unseen), own, unseen), own, unseen), own, unseen)
    return _with_session_cookie(_settled_query_limit(served, own, unseen), d.django_session, own, unseen), unserved


def _settled_credentials(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None,
                         unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` whose password falls back to a literal (``Route.default_credentials``) kept so only where the
    deployment leaves the variable unset: one it sets to a value (or may set, in an env file not read) makes the
    credentials the operator's. Kept as the code says when no deployment names the service."""
    if own is None:
        return tuple(routes)
    out: list[Route] = []
    for r in routes:
        var = r.default_credentials[1] if r.default_credentials else ""
        operators = bool(var and ((own.get(var) or ("", None))[0] or {"*", var} & unseen))
        out.append(replace(r, default_credentials=None) if operators else r)
    return tuple(out)


def _settled_query_limit(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None,
                         unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` whose callers' SQL nothing in the code bounds (``code_go_queries``) left unbounded only when the
    deployment sets no statement timeout either: one named in a variable it sets (a connection string's options,
    ``PGOPTIONS``), or any it may set unseen (an env file not read), makes the limit unknown."""
    said = next((f"{k} ({at.file}:{at.line})" for k, (v, at) in sorted((own or {}).items())
                 if code_go_queries.LIMIT_WORDS.search(v)), None)
    if said is None and "*" in unseen:
        said = "a variable of an env file of its deployment that is not read"
    if said is None:
        return tuple(routes)
    return tuple(replace(r, caller_query=replace(r.caller_query, bounded=said))
                 if r.caller_query is not None and r.caller_query.bounded is None else r for r in routes)


def _settled_throttle(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None,
                      unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` without the throttle their code's guard would put on them when the setting it depends on is off as
    deployed (``code_go.holds``: the deployment's value, or the code's default when it leaves the setting unset):
    @nestjs/throttler's ``skipIf: () => !isRateLimitingEnabled`` skips every request then. The throttle is kept when
    that is not known."""
    out: list[Route] = []
    for r in routes:
        found = code_go.holds(r.throttle_if[0], own, unseen) if r.throttle and r.throttle_if else None
        if found is None or found[0]:
            out.append(r)
        else:
            out.append(replace(r, throttle=None, throttle_if=(),
                               unthrottled=f"{r.throttle}, but it limits nothing as deployed: "
                                           f"{r.throttle_if[0].said}, and {found[1]}"))
    return tuple(out)


def _settled_key(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None,
                 unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` with the ``no_idempotency_key`` that waits on a switch (``key_if``) kept, with why, when the
    deployment's value, or the code's default when it leaves it unset (``code_go.holds``), turns the service's
    idempotency handling off; dropped when it turns it on; still waiting (stated by no build) when that is not
    known."""
    out: list[Route] = []
    for r in routes:
        found = code_go.holds(r.key_if[0], own, unseen) if r.key_if else None
        if found is None:
            out.append(r)
        elif found[0]:
            out.append(replace(r, no_idempotency_key=None, key_if=()))
        else:
            out.append(replace(r, key_if=(), no_idempotency_key=(
                f"{r.no_idempotency_key} that it checks as deployed: its idempotency handling waits on "
                f"{r.key_if[0].variable} ({r.key_if[0].said}), and {found[1]}")))
    return tuple(out)


def _settled_names(docs: Sequence[Document], env: Mapping[str, dict[str, tuple[str, Location]]],
                   unseen: Mapping[str, frozenset[str]]) -> list[Document]:
    """``docs`` with a service's ``names_idempotency_key`` off where the switch its idempotency handling depends on
    (``idempotency_if``) is off as deployed (``code_go.holds``); kept, the switch still waiting, when that is not
    known."""
    out: list[Document] = []
    for d in docs:
        found = code_go.holds(d.idempotency_if[0], env.get(d.service), unseen.get(d.service, frozenset())) \
            if isinstance(d, RoutesDocument) and d.idempotency_if else None
        out.append(replace(d, idempotency_if=(), names_idempotency_key=found[0])
                   if found is not None and isinstance(d, RoutesDocument) else d)
    return out


def _settled_cookie(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None,
                    unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` with the flags of their session cookie that a setting gives (``Secure: config.Opts.HTTPS()``) as
    deployed (``code_go.holds``): the deployment's value, or the code's default when it leaves the setting unset;
    each stays out, unknown, when neither is known. A Secure whose setting the deployment leaves unset, off by
    default and turned on by the code when it is reached over TLS (``Setting.over_tls``), is ``same_as_request``."""
    out: list[Route] = []
    for r in routes:
        if not r.cookie_when or r.cookie is None:
            out.append(r)
            continue
        flags, said = list(r.cookie[0]), [r.cookie[1]]
        left: list[tuple[str, code_go.Setting]] = []
        for flag, setting in r.cookie_when:
            found = code_go.holds(setting, own, unseen)
            if found is None and flag == "secure" and setting.over_tls and own is not None and \
                    flag not in dict(flags) and not ({"*", setting.variable} & unseen or setting.variable in own):
                flags.append((flag, "same_as_request"))  # the enrichment reads it against the endpoint's tls
                said.append(f"secure only over HTTPS: {setting.said}; the deployment leaves {setting.variable} unset, "
                            f"{setting.over_tls}")
            elif found is None:
                left.append((flag, setting))
                unsettled = (f"{flag} not known: {setting.said}, which the deployment and the code's default do not "
                             "settle")
                if own is not None and unsettled not in said[0]:
                    said.append(unsettled)
            elif flag not in dict(flags):
                flags.append((flag, found[0]))
                said.append(f"{flag} {str(found[0]).lower()}: {setting.said}, and {found[1]}")
        out.append(replace(r, cookie=(tuple(flags), "; ".join(said)), cookie_when=tuple(left)))
    return tuple(out)


def _served(routes: Sequence[Route], own: Mapping[str, tuple[str, Location]] | None, unseen: frozenset[str]
            ) -> tuple[tuple[Route, ...], list[tuple[Location, str]]]:
    """The routes the service serves as deployed, and a remark on each left out: a Go route registered only when a
    setting is on that the deployment (or the code's default, when the deployment leaves it unset) turns off
    (``code_go.not_served``). Every route is kept when no deployment is read."""
    kept: list[Route] = []
    left: list[tuple[Location, str]] = []
    for r in routes:
        why = code_go.not_served(r.only_if, own, unseen) if r.only_if else None
        if why is None:
            kept.append(r)
        else:
            left.append((r.at, f"{r.method} {r.path} is not served as deployed: {why}"))
    return tuple(kept), left


def _debug_mode(found: tuple[code_django.Setting, str] | None, own: Mapping[str, tuple[str, Location]] | None,
                unseen: frozenset[str]) -> tuple[bool, Location, str] | None:
    """Whether Django's debug mode is on as the service is deployed (``own``: the variables its deployment sets, None
    when no deployment names it; ``unseen``: those it sets to a value not shown, ``*`` any), where and why
    (``_as_deployed``)."""
    return None if found is None else _as_deployed(found[0], found[1], own, unseen)


def _runs_module(file: str, own: Mapping[str, tuple[str, Location]] | None, unseen: frozenset[str]) -> bool:
    """Whether the deployment runs the settings module ``file``: it names no other (and may not, unseen)."""
    stated = (own or {}).get("DJANGO_SETTINGS_MODULE")
    if stated is not None:
        return _settings_module_is(file, stated[0])
    return not {"*", "DJANGO_SETTINGS_MODULE"} & unseen


def _as_deployed(setting: code_django.Setting, file: str, own: Mapping[str, tuple[str, Location]] | None,
                 unseen: frozenset[str]) -> tuple[bool, Location, str] | None:
    """A Django setting's value as the service is deployed (``own``: the variables its deployment sets, None when no
    deployment names it; ``unseen``: those it sets to a value not shown, ``*`` any), where and why. A setting the
    settings module ``file`` leaves out (Django's default) or writes as a literal holds whatever the deployment; one
    read from a variable takes the value the deployment sets, else the code's default, which is known only when a
    deployment is read and may set nothing unseen. Not known when the deployment names another settings module (or
    may)."""
    if not _runs_module(file, own, unseen):
        return None
    name, at, setting_name = setting.variable, setting.at, setting.name
    if not setting.stated:
        return setting.value, at, f"the settings module ({at.file}) leaves {setting_name} at Django's default, " \
                                  f"{setting.value}"
    if name is None:
        return setting.value, at, f"Django's {setting_name} is {setting.value} in the settings module it runs with " \
                                  f"({at})"
    if own is None:
        return None
    names = setting.variables or (name,)
    set_, rest = [n for n in names if n in own], [n for n in names if n not in own]
    if rest and {"*", *rest} & unseen:  # a variable the deployment may set to a value not shown
        return None
    if set_:
        value = code_django.value_with(setting, {n: own[n][0] for n in set_})
        first = own[set_[0]][1]
        return None if value is None else (value, first, f"the deployment sets {', '.join(set_)} ({first}), read by "
                                                         f"Django's {setting_name} ({at}) as {value}")
    return setting.value, at, f"Django's {setting_name} ({at}) defaults to {setting.value}; the deployment does not " \
                              f"set {', '.join(names)}"


_SESSION_SIGN_IN = re.compile(r"(?:^|[-_])(?:log[-_]?in|sign[-_]?in|log[-_]?on)$", re.IGNORECASE)
"""A route's last segment that names a sign-in by password (``/accounts/login/``, ``/auth/magic-sign-in/``): not a
token view, whose answer carries the credential rather than a session."""


def _with_session_cookie(routes: Sequence[Route], cookie: code_django.SessionCookie | None,
                         own: Mapping[str, tuple[str, Location]] | None, unseen: frozenset[str]) -> tuple[Route, ...]:
    """``routes`` with the session cookie Django's ``login()`` sets on each sign-in (a Django URL pattern, not a read,
    whose last segment names a login: ``_SESSION_SIGN_IN``) of a project that uses sessions: the flags of
    ``SESSION_COOKIE_SECURE``, ``SESSION_COOKIE_HTTPONLY`` and ``SESSION_COOKIE_SAMESITE`` as deployed
    (``_as_deployed``), each left out when not known. Computed anew on every pass (``compose`` runs before the
    deployment is read, and again with it): no other reader sets a Django route's cookie."""
    flags: list[tuple[str, bool | str]] = []
    said: list[str] = []
    for flag, setting in (("secure", None if cookie is None else cookie.secure),
                          ("http_only", None if cookie is None else cookie.http_only)):
        found = None if setting is None or cookie is None else _as_deployed(setting, cookie.file, own, unseen)
        if setting is not None and found is not None:
            flags.append((flag, found[0]))
            said.append(found[2] if setting.stated else f"{setting.name} {found[0]} (Django default)")
    if cookie is not None and cookie.same_site is not None and _runs_module(cookie.file, own, unseen):
        flags.append(("same_site", cookie.same_site[0]))
        said.append(f"SESSION_COOKIE_SAMESITE {cookie.same_site[0]} ("
                    f"{cookie.same_site[1] if cookie.same_site[1].line > 1 else 'Django default'})")
    set_: tuple[tuple[tuple[str, bool | str], ...], str] | None = None if not flags or cookie is None else (
        tuple(flags), f"Django's login() sets the session cookie ({cookie.file} uses sessions): {'; '.join(said)}")
    return tuple(replace(r, cookie=set_ if r.method not in ("GET", "HEAD", "OPTIONS") and
                         _SESSION_SIGN_IN.search(r.path.rstrip("/").rsplit("/", 1)[-1]) else None)
                 if r.framework == "Django URL pattern" else r for r in routes)


def _record_debug_mode(body: Body, service: str, found: tuple[bool, Location, str]) -> None:
    value, at, why = found
    body.set("services", service, "debug_mode", value, at)
    body.note("services", service, f"debug_mode {str(value).lower()}: {why}")


def _record_sqlite(body: Body, service: str, store: code_sqlite.SQLiteStore) -> None:
    """The SQLite file a service keeps its data in (``_sqlite_stores``): a relational datastore it owns and writes,
    the system of record, on its volume or none, with no backups unless the deployment names a backup tool."""
    name, at = store.name, store.found.at
    body.fact("datastores", {"name": name, "kind": "relational", "engine": "sqlite", "owner": service,
                             "writers": [service]}, at)
    body.set("datastores", name, "role", "system_of_record", at)
    body.note("datastores", name, f"role system_of_record: {service}'s code keeps its data in a SQLite file "
                                  f"({store.found.what}, {at}) and the deployment connects it to no database server: "
                                  "that file is the only copy of what it writes")
    if store.volume is not None:
        kept, why, where = store.volume
        body.set("datastores", name, "durable_storage", kept, where)
        body.note("datastores", name, f"durable_storage {str(kept).lower()}: {why} ({where.file}:{where.line}); "
                                      "where the file lies on it is not read" if kept else
                  f"durable_storage false: {why} ({where.file}:{where.line}): the file is lost when the container is "
                  "recreated")
    if store.backups is not None:
        what, where = store.backups
        body.note("datastores", name, f"backups not stated: {what} ({where.file}:{where.line}) may take them")
    else:
        body.set("datastores", name, "backups.enabled", False, at)
        body.note("datastores", name, "backups enabled false: no backup job, backup sidecar, snapshot or backup tool "
                                      "anywhere in the deployment (state backups if they are taken outside it)")


def _record_traits(body: Body, service: str, traits: Traits) -> None:
    code_ai.record(body, service, traits.ai_clients)
    code_default_admin.record(body, service, traits.seeded_admin)
    code_query_limits.record(body, service, traits.query_worker)
    if traits.debug_mode is not None:
        _record_debug_mode(body, service, traits.debug_mode)
    if traits.actuator is not None:
        spring.record_actuator(body, service, traits.actuator)
    if traits.embedded is not None:
        store, e = safe_name(f"{service}-db"), traits.embedded
        body.fact("datastores", {"name": store, "kind": "relational", "engine": f"{e.engine} (embedded, in-memory)",
                                 "owner": service, "writers": [service]}, e.at)
        body.set("datastores", store, "durable_storage", False, e.at)
        body.set("datastores", store, "role", "system_of_record", e.at)
        body.note("datastores", store, f"durable_storage false, role system_of_record: {service}'s build puts "
                                       f"{e.engine} on its runtime classpath ({e.at}), its code writes through JPA or "
                                       "JDBC and no configuration of it names a database server: Spring Boot keeps "
                                       "its data in an embedded in-memory database, lost on every restart")
    if traits.sqlite_store is not None:
        _record_sqlite(body, service, traits.sqlite_store)
    if traits.local_state is not None:
        what, at = traits.local_state
        body.set("services", service, "state", "instance_local", at)
        body.note("services", service, f"state instance_local: its code keeps state in its own memory ({what}, "
                                       f"{at}): a restart loses it and another instance does not see it")
    if traits.token_issuer is not None:
        what, at = traits.token_issuer
        body.set("security", "security", "identity_provider_kind", "custom", at)
        body.note("security", "security", f"identity_provider_kind custom: {service} issues its users' tokens "
                                          f"itself ({what}, {at})")
    if traits.plaintext_password is not None:
        what, at = traits.plaintext_password
        body.set("services", service, "password_hashing", "plaintext", at)
        body.note("services", service, f"password_hashing plaintext: its code compares the stored password with "
                                       f"the request's as they are ({what}, {at})")
    elif traits.password_hash is not None:
        h = traits.password_hash
        body.set("services", service, "password_hashing", h.algorithm, h.at)
        kind = "a fast digest, not a function made for passwords" if h.fast else "a function made for passwords"
        body.note("services", service, f"password_hashing {h.algorithm}: its code hashes a password with {h.shown}, "
                                       f"{kind} ({h.what}, {h.at})")
    if traits.plain_tokens is not None:
        t = traits.plain_tokens
        body.set("services", service, "api_token_storage", "plaintext", t.at)
        body.note("services", service, f"api_token_storage plaintext: {t.column.table}.{t.column.name} "
                                       f"({t.column.at}) holds the API keys as they are, looked up by equality "
                                       f"({t.lookup}, {t.at})")
    if traits.registry is not None:
        what, at = traits.registry
        body.set("services", service, "kind", "registry", at)
        body.note("services", service, f"kind registry: its code runs a Spring Cloud {what.removeprefix('@Enable')} "
                                       f"({at}), which every service looks up or is configured by")
    code_messages.record(body, service, traits.publishes)
    code_messages.record_kafka(body, service, traits.kafka)
    code_messages.record_consumers(body, service, traits.kafka_consumers)
    code_channels.record(body, service, traits.channels)
    code_logs.record(body, service, traits.logs_sensitive)
    code_jobs.record(body, service, traits.jobs)
    if traits.client_ip is not None:
        what, at = traits.client_ip
        body.set("services", service, "client_ip_from_header", "any", at)
        body.note("services", service, f"client_ip_from_header any: {what} ({at})")


def _unauthenticated_calls(body: Body, service: str, calls: Sequence[tuple[str, Location]],
                           open_targets: Mapping[str, str]) -> None:
    """The calls the code makes to a service whose own code reads no credential (``open_targets``: why, by service)
    are unauthenticated, whatever the caller sends: ``auth: none``."""
    for target, at in calls:
        why = open_targets.get(target)
        if why is None or target == service:
            continue
        ident = body.fact("interactions", {"from": service, "to": target}, at)
        body.set("interactions", ident, "auth", "none", at)
        body.note("interactions", ident, f"auth none: {target} checks no caller ({why})")


def _classified(body: Body, ident: str, r: Route, path: str) -> None:
    """``data_classification`` from a hint: the personal resource a GET reads, the catalogue whose entry the route
    takes by id, or what the route's code classifies (``Route.classified``)."""
    resource = next((seg.lower() for seg in reversed(path.split("/")) if seg and "{" not in seg and "*" not in seg), "")
    if r.method == "GET" and resource in _PERSONAL:
        body.set("endpoints", ident, "data_classification", "pii", r.at)
        body.note("endpoints", ident, f"data_classification pii: a hint from the resource it reads ({resource}): "
                                      "check it")
    elif (entry := _catalogue_entry(path)) and "data_classification" not in (body.get("endpoints", ident) or {}):
        body.set("endpoints", ident, "data_classification", "public", r.at)
        body.note("endpoints", ident, f"data_classification public: a hint from the collection whose entry it takes "
                                      f"by id ({entry}), reference data shown to every visitor, no user's own: "
                                      "check it")
    elif r.classified is not None and "data_classification" not in (body.get("endpoints", ident) or {}):
        body.set("endpoints", ident, "data_classification", r.classified[0], r.at)
        body.note("endpoints", ident, f"data_classification {r.classified[0]}: a hint from {r.classified[1]}: "
                                      "check it")


def _catalogue_entry(path: str) -> str | None:
    """The collection of shared reference data (``_CATALOGUE``) whose one entry ``path`` names by an id parameter
    (``/api/products/{id}``: ``products``), if any."""
    segments = [seg for seg in path.split("/") if seg]
    for i in range(len(segments) - 1, 0, -1):
        if _ID_PARAM.fullmatch(segments[i]):
            return segments[i - 1] if segments[i - 1].lower() in _CATALOGUE else None
    return None


def _inferred(body: Body, ident: str, r: Route, service: str, open_code: str | None,
              limits: tuple[str, Location] | None = None, lockout: tuple[str, Location] | None = None) -> None:
    """What the route's code suggests beyond its method and path, each with its basis."""
    body.note("endpoints", ident, f"from source: {r.framework} of {service}")
    path = str((body.get("endpoints", ident) or {}).get("path", r.path))
    if _ID_PARAM.search(path) or r.body_id:
        body.set("endpoints", ident, "takes_object_id", True, r.at)
        body.note("endpoints", ident, "takes_object_id: a path parameter names an object by its id"
                  if _ID_PARAM.search(path) else f"takes_object_id: its request body names an object by its id "
                                                  f"({r.body_id})")
        if r.authz is not None and not open_code:
            body.set("endpoints", ident, "authz", r.authz[0], r.at)
            body.note("endpoints", ident, f"authz {r.authz[0]}: {r.authz[1]}")
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    _classified(body, ident, r, path)
    if r.method not in ("GET", "HEAD", "OPTIONS", "ANY") and credential_path(path):
        body.set("endpoints", ident, "auth_flow", True, r.at)
        body.note("endpoints", ident, f"auth_flow: the route is named {last}")
    elif r.login:
        body.set("endpoints", ident, "auth_flow", True, r.at)
        body.note("endpoints", ident, f"auth_flow: {r.login}")
    if lockout is not None and (body.get("endpoints", ident) or {}).get("auth_flow") is True \
            and (r.login or _SIGN_IN.search(last)):  # a lockout guards the sign-in, not a sign-up or a reset
        body.set("endpoints", ident, "brute_force_protection", True, lockout[1])
        body.note("endpoints", ident, f"brute_force_protection: its sign-in locks the account after repeated "
                                      f"failures ({lockout[0]}, {lockout[1]})")
    _own_limit(body, ident, r)
    if r.query_credential:
        body.set("endpoints", ident, "credentials_in_query", True, r.at)
        body.note("endpoints", ident, f"credentials_in_query: {r.query_credential}")
    _debug_output(body, ident, r)
    if r.writes:  # what the handler does over what its method suggests (an OpenAPI GET's ``mutating: false``)
        body.set("endpoints", ident, "mutating", True, r.at, override=True)
        body.note("endpoints", ident, f"mutating: its handler writes ({r.writes})")
    if r.no_idempotency_key and not r.key_if and (r.writes or r.method not in _SAFE):
        body.set("endpoints", ident, "idempotency_key", False, r.at)
        body.note("endpoints", ident, f"idempotency_key false: {r.no_idempotency_key}")
    _handler_facts(body, ident, r, service, limits)
    if r.amount:
        body.set("endpoints", ident, "amount_from_client", True, r.at)
        body.note("endpoints", ident, f"amount_from_client: its handler reads the amount from the request ({r.amount})")
    if r.caller_query:
        _caller_query(body, ident, r.at, r.caller_query)
    if r.fetch:
        body.set("endpoints", ident, "fetches_user_url", True, r.at)
        body.set("endpoints", ident, "url_allowlist", False, r.at)
        body.note("endpoints", ident, f"fetches_user_url, no url_allowlist: {r.fetch}" +
                  ("" if "allowlist" in r.fetch else ", compared with nothing"))
    if r.cookie:
        for flag, value in r.cookie[0]:
            body.set("endpoints", ident, f"session_cookie.{flag}", value, r.at)
        body.note("endpoints", ident, f"session_cookie: {r.cookie[1]}")
    _token_and_upload(body, ident, r)
    _no_check(body, ident, r, open_code)


def _debug_output(body: Body, ident: str, r: Route) -> None:
    """What the route's code gives its caller beyond the answer: a debugger, or the caught exception's stack."""
    if r.debug:
        body.set("endpoints", ident, "debug", True, r.at)
        body.note("endpoints", ident, f"debug: {r.debug}")
    if r.error_detail:
        body.set("endpoints", ident, "error_detail", "stack_trace", r.at)
        body.note("endpoints", ident, f"error_detail stack_trace: {r.error_detail}")

_ACCOUNT_CREATED = re.compile(r"\b(?:users?|members?)\s*\.\s*create\s*\(|\bcreate(?:User|Member)\b", re.IGNORECASE)
"""A write that creates a user (``prismaService.user.create()``, ``createUser()``); not an ``account`` record, which
is as often a sign-in provider's link to an existing user (``prisma.account.create()`` on a first magic-link
sign-in)."""


def _token_and_upload(body: Body, ident: str, r: Route) -> None:
    """The bearer token the handler signs for its caller (when it also creates the account, a sign-up: an
    ``auth_flow``; a sign-in by a token or a passkey alone is no password to guess, so it is not said to be one), and
    the file upload it takes."""
    if r.token is not None:
        if r.method not in (*_READS, "ANY") and r.writes and _ACCOUNT_CREATED.search(r.writes) and \
                "auth_flow" not in (body.get("endpoints", ident) or {}):
            body.set("endpoints", ident, "auth_flow", True, r.at)
            body.note("endpoints", ident, f"auth_flow: a sign-up: its handler creates an account ({r.writes}) and "
                                          f"signs a token for it ({r.token.at})")
        if r.token.minutes is not None:
            body.set("endpoints", ident, "token_lifetime_minutes", r.token.minutes, r.at)
        lifetime = "unknown" if r.token.minutes is None else r.token.minutes
        body.note("endpoints", ident, f"token_lifetime_minutes {lifetime}: {r.token.said}")
        if r.token.unrevoked:
            body.set("endpoints", ident, "token_revocation", False, r.at)
            body.note("endpoints", ident, f"token_revocation false: {r.token.unrevoked}")
    if r.upload is not None:
        body.set("endpoints", ident, "accepts_file_upload", True, r.at)
        if r.upload.types is not None:
            body.set("endpoints", ident, "upload_type_allowlist", r.upload.types, r.at)
        body.note("endpoints", ident, f"accepts_file_upload ({r.upload.at}); upload_type_allowlist "
                                      f"{'unknown' if r.upload.types is None else str(r.upload.types).lower()}: "
                                      f"{r.upload.said}")


def _caller_query(body: Body, ident: str, at: Location, q: code_go_queries.CallerQuery) -> None:
    """The endpoint runs SQL its caller writes (``code_go_queries``), and its time limit: none when nothing bounds
    it, else unknown."""
    body.set("endpoints", ident, "runs_caller_queries", True, at)
    body.note("endpoints", ident, f"runs_caller_queries: its handler puts the request's {q.field!r} ({q.read_at}) "
                                  f"into the text of a SQL statement it runs ({q.run_at}), not as a bound value")
    if q.bounded is None:
        body.set("endpoints", ident, "caller_query_timeout_ms", 0, at)
        body.note("endpoints", ident, "caller_query_timeout_ms 0: no code of the service names a statement timeout "
                                      "(statement_timeout, max_execution_time), the function that runs it puts no "
                                      "deadline on its context, and its deployment sets none")
    else:
        body.note("endpoints", ident, f"caller_query_timeout_ms not known: {q.bounded} may bound it")


def _own_limit(body: Body, ident: str, r: Route) -> None:
    """How its path was built, and the rate limit declared on the route itself (Django REST framework throttle
    classes, which win over a front's default; Flask-Limiter's decorators): a limit on a credential flow throttles
    the attempts at it per client, its brute-force protection (as a lockout is per account)."""
    if r.built:
        body.note("endpoints", ident, f"path: {r.built}")
    if r.throttle:  # what its own code limits wins over a front's default
        body.set("endpoints", ident, "rate_limit", True, r.at, override=True)
        body.note("endpoints", ident, f"rate_limit: {r.throttle}")
        if (body.get("endpoints", ident) or {}).get("auth_flow") is True:
            body.set("endpoints", ident, "brute_force_protection", True, r.at)
            body.note("endpoints", ident, "brute_force_protection: its throttle limits the attempts a client makes")
    if r.lockout and (body.get("endpoints", ident) or {}).get("auth_flow") is True:
        body.set("endpoints", ident, "brute_force_protection", True, r.at)
        body.note("endpoints", ident, f"brute_force_protection: {r.lockout}")
    if r.unthrottled:
        body.note("endpoints", ident, f"rate_limit unknown: {r.unthrottled}")
    if r.rate_limited:
        body.set("endpoints", ident, "rate_limit", True, r.at)
        body.note("endpoints", ident, f"rate_limit: Flask-Limiter limits the route itself ({r.rate_limited})")
        if (body.get("endpoints", ident) or {}).get("auth_flow") is True:
            body.set("endpoints", ident, "brute_force_protection", True, r.at)
            body.note("endpoints", ident, "brute_force_protection: the limit throttles its attempts per client "
                                          "(Flask-Limiter's key) on this credential flow itself")


def _curated(routes: Sequence[Route], open_code: str | None) -> list[Route]:
    """``routes`` with ``curated`` on each DELETE of one object (``/items/{id}``) that anyone may call, when the same
    service lists that collection (``GET /items``) to anyone too."""
    def anyone(r: Route) -> str | None:
        return open_code or r.open or r.permitted

    listed = {r.path.rstrip("/") or "/": r for r in routes if r.method == "GET" and anyone(r)}
    out: list[Route] = []
    for r in routes:
        collection = _LAST_PARAM.sub("", r.path) or "/"
        lister = listed.get(collection) if r.method == "DELETE" and collection != r.path and anyone(r) else None
        out.append(r if lister is None else replace(r, curated=(
            f"it deletes one object of {collection}, which GET {lister.path} lists to anyone "
            f"({os.path.basename(lister.at.file)}:{lister.at.line}), and asks no caller who they are")))
    return out


def _fulfilment(body: Body, ident: str, r: Route) -> None:
    """``admin: true`` on a route that ships, dispatches, delivers or fulfils an order (its last fixed segment, an
    order named before it): the seller's back-office step, never one of the customer who placed the order."""
    path = str((body.get("endpoints", ident) or {}).get("path", r.path))
    fixed = [seg.lower() for seg in path.split("/") if seg and "{" not in seg and "*" not in seg]
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if r.method not in _SAFE and last in _FULFILMENT and _ORDERS.intersection(fixed[:-1]):
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: the route is named {last} on an order, a step of its fulfilment "
                                      "that the seller's back office takes, never the customer who placed it")


def _no_check(body: Body, ident: str, r: Route, open_code: str | None) -> None:
    """``authn`` and ``authz`` none on a route of a service whose code reads no credential, or on one that its
    service's code shows checks nobody (``Route.open``) when no gateway in front states a check of its own; the
    kind of authentication a middleware in front of its handler performs (``Route.authn``) when it has one."""
    if r.authn:
        if "authn" not in (body.get("endpoints", ident) or {}):
            body.set("endpoints", ident, "authn", r.authn[0], r.at)
            body.note("endpoints", ident, f"authn {r.authn[0]}: {r.authn[1]}")
            if r.default_credentials:
                body.set("endpoints", ident, "default_credentials", True, r.at)
                body.note("endpoints", ident, f"default_credentials: {r.default_credentials[0]}, the same on every "
                                              "installation whose operator leaves it unset")
    elif open_code:
        for k in ("authn", "authz"):
            body.set("endpoints", ident, k, "none", r.at)
        body.note("endpoints", ident, f"authn none, authz none: {open_code}")
    elif r.open and "authn" not in (body.get("endpoints", ident) or {}):
        for k in ("authn", "authz"):
            body.set("endpoints", ident, k, "none", r.at)
        body.note("endpoints", ident, f"authn none, authz none: {r.open}")
    elif r.permitted and "authn" not in (body.get("endpoints", ident) or {}):
        body.set("endpoints", ident, "authn", "none", r.at)
        body.note("endpoints", ident, f"authn none: {r.permitted}")


def _handler_facts(body: Body, ident: str, r: Route, service: str, limits: tuple[str, Location] | None) -> None:
    """What the handler's signature and body show: a paid provider call, a collection returned, the process
    stopped."""
    _fulfilment(body, ident, r)
    if r.curated:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: {r.curated}: no user owns what it deletes, the collection's "
                                      "keeper does")
    if r.method in _UNSAFE and not r.framework.startswith(_WRITES_READ) and \
            "mutating" not in (body.get("endpoints", ident) or {}) and \
            (r.method != "POST" or _computes(r.path) is None):
        body.set("endpoints", ident, "mutating", True, r.at)
        body.note("endpoints", ident, f"mutating: {r.method} is an unsafe method, one that changes the server's state, "
                                      f"and the import reads no write of its handler ({r.framework.split(',')[0]})")
    elif r.method in _STATE_CHANGING and "mutating" not in (body.get("endpoints", ident) or {}) and \
            (r.behind or not r.framework.startswith(_PROXIED)):
        body.set("endpoints", ident, "mutating", True, r.at)
        body.note("endpoints", ident, f"mutating: {r.method} is defined to change its target's state (RFC 9110 "
                                      "§9.3.4-9.3.5, RFC 5789), unlike a POST, which may be a query; no write of its "
                                      "handler" + (f" ({r.behind}'s, behind it)" if r.behind else "") +
                                      " is known by name, but one may call the domain's own methods")
    if r.stops:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: its handler stops the whole process ({r.stops}), a function "
                                      "for an operator, never for a user")
    if r.maintenance:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: its handler runs SQL scripts over a database ({r.maintenance}), "
                                      "an upkeep of the schema or of the data in bulk, for an operator, never for a "
                                      "user")
    if r.admin_site:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: {r.admin_site}, where staff edit every registered model's "
                                      "records, the users and their permissions")
        if "authz" not in (body.get("endpoints", ident) or {}):
            body.set("endpoints", ident, "authz", "role", r.at)
            body.note("endpoints", ident, "authz role: the admin site admits active staff users only "
                                          "(AdminSite.has_permission) and checks each model's permissions")
    if r.grants_admin:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: {r.grants_admin}, a function of whoever administers the "
                                      "installation, never of a user")
    if r.configures:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: its handler writes the installation's own configuration "
                                      f"({r.configures}), the settings every user's requests run under: a function "
                                      "of whoever administers the installation, never of a user")
    if r.test_only:
        body.set("endpoints", ident, "admin", True, r.at)
        body.note("endpoints", ident, f"admin true: its code marks it for testing or debugging only ({r.test_only}), a "
                                      "hook for the developers, never a function for users")
    if r.paid:
        body.set("endpoints", ident, "triggers_paid_operation", True, r.at)
        body.note("endpoints", ident, f"triggers_paid_operation: its handler runs an AI model at a provider ({r.paid})")
        if limits is None:
            body.set("endpoints", ident, "per_user_operation_limit", False, r.at)
            body.note("endpoints", ident, f"per_user_operation_limit false: no code of {service} names a rate limit, "
                                          "quota or throttle")
    _collection_facts(body, ident, r)


def _collection_facts(body: Body, ident: str, r: Route) -> None:
    """The collection its handler returns, whether it pages it, and the most items it lets through."""
    if r.collection:
        body.set("endpoints", ident, "returns_collection", True, r.at)
        if not r.collection[1]:
            body.set("endpoints", ident, "pagination", False, r.at)
        body.note("endpoints", ident, f"returns_collection: its handler returns {r.collection[0]}" + (
            "" if r.collection[1] else ", and takes no page, size or limit (pagination false)"))
    if r.feed:
        said, cap = r.feed
        body.set("endpoints", ident, "returns_collection", True, r.at)
        if cap is None:
            body.set("endpoints", ident, "pagination", False, r.at)
        else:
            body.set("endpoints", ident, "max_results", cap, r.at)
        body.note("endpoints", ident, f"returns_collection: a syndication feed renders the items it finds into one "
                                      f"document: {said}" + (" (pagination false)" if cap is None else
                                                             f" (max_results {cap})"))
    if r.capped:
        body.set("endpoints", ident, "max_results", r.capped[0], r.at)
        body.note("endpoints", ident,
                  f"max_results {r.capped[0]}: its handler cuts the list it returns ({r.capped[1]})")


_INHERITED = ("exposure", "tls", "rate_limit", "authn", "authz")


def fronts_of(docs: Sequence[Document]) -> dict[str, list[Front]]:
    """Per service, what exposes its routes: the gateway routes that forward a prefix to it (and say
    whether they strip it), and its own entry point (``<service>-entry``, every route at its path)."""
    out: dict[str, list[Front]] = {}
    entries: dict[str, tuple[dict[str, Any], dict[str, Location]]] = {}
    for d in docs:  # the entry point of a gateway: what it states holds for every route it serves
        for i, ep in enumerate(d.data.get("endpoints") or [] if isinstance(d.data, dict) else []):
            if isinstance(ep, dict) and ep.get("name") == f"{ep.get('served_by')}-entry" and ep.get("path") == "/":
                facts = {k: ep[k] for k in _INHERITED if k in ep}
                entries[str(ep["served_by"])] = (facts, {k: d.locate(("endpoints", i, k)) for k in facts})
    for d in docs:
        if isinstance(d, RoutesDocument) or not isinstance(d.data, dict):
            continue
        strips = getattr(d, "strips", {})
        replaces = getattr(d, "replaces", {})
        for i, ep in enumerate(d.data.get("endpoints") or []):
            if not isinstance(ep, dict) or ep.get("method") != "ANY" or not isinstance(ep.get("path"), str):
                continue
            key = str(ep.get("name") or f"ANY {ep['path']}")
            facts = {k: ep[k] for k in _INHERITED if k in ep}
            where = {k: d.locate(("endpoints", i, k)) for k in ["", *facts]}
            served = str(ep.get("served_by"))
            targets = ep.get("routes_to") or []
            prefix = str(ep["path"]).removesuffix("**").removesuffix("*")
            if key == f"{served}-entry" and ep["path"] == "/":
                out.setdefault(served, []).append(Front(served, "/", False, facts, where, f"endpoint:{key}"))
            elif not targets and key == safe_name(f"{served}-entry{ep['path']}") and _PLAIN_PATH.match(ep["path"]):
                # a path the deployment publishes of the service itself (an Ingress path): its routes under it
                out.setdefault(served, []).append(Front(served, prefix, False, facts, where, f"endpoint:{key}"))
            elif targets and key in strips:
                entry_facts, entry_where = entries.get(served, ({}, {}))
                facts = {**entry_facts, **facts}
                where = {**entry_where, **where}
                for target in targets:  # several: the gateway picks one per request, each reached through it
                    out.setdefault(str(target), []).append(Front(served, prefix, strips[key], facts, where,
                                                                 f"endpoint:{key}", replaces.get(key, "/"),
                                                                 shared=len(targets) > 1))
    for service, fronts in out.items():  # a gateway's route first: a request through it is the one from outside
        fronts.sort(key=lambda f: (f.served_by == service, f.served_by, f.prefix))
    return out


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_SCOPES = re.compile(r"""\b[Ss]copes?\s*(?:\.\s*Add\s*\(\s*|[:=]\s*)@?(?:"[^"\n]*"|'[^'\n]*'|`[^`\n]*`)""")
"""The OAuth scopes a client asks for, as its code writes them (``options.Scope.Add("orders")``, ``scope: 'openid
orders'``): names of APIs, not addresses."""
_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9_.~/-]*$")
"""A published path that is a plain prefix (no regular expression, no template)."""


@code_trees.kept(1 << 16)
def _name(token: str) -> str:
    """A variable or property name as the frameworks bind it: ``BALANCES_API_ADDR``, ``balances.api.addr`` and
    ``balancesApiAddr`` are one."""
    return re.sub(r"[^a-z0-9]", "", token.lower())


def _unread_variables(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls drawn only from ConfigMap keys their caller takes whole and its code never names,
    when it names other keys of them (so it reads them one by one, by name)."""
    names = {d.service: d.names for d in docs if isinstance(d, RoutesDocument) and d.names}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not d.given_whole:
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for ident, (keys, siblings, sources) in sorted(d.given_whole.items()):
            source = ident.split("->", 1)[0]
            read = names.get(source)
            if read is None or any(_name(k) in read for k in keys):
                continue
            others = [k for k in siblings if k not in keys and _name(k) in read]
            if others:
                drop[ident] = (f"{ident} not drawn: {', '.join(keys)} comes from {sources}, which {source} takes "
                               f"whole, and {source}'s code reads {', '.join(others[:3])} of it but never "
                               f"{'it' if len(keys) == 1 else 'them'}")
        out.append(without_facts(d, "interactions", drop))
    return out


def _stored_urls(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls to a public host drawn only from variables the caller's code stores as settings
    records and hands on, its code making no HTTP request (``RoutesDocument.stored_settings``)."""
    stored = {d.service: d.stored_settings for d in docs if isinstance(d, RoutesDocument) and d.stored_settings}
    out: list[Document] = []
    dropped: set[str] = set()
    for d in docs:
        drawn = getattr(d, "external_from", None) if stored else None
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not drawn:
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for ident, keys in sorted(drawn.items()):
            source = ident.split("->", 1)[0]
            if keys and all(k in stored.get(source, ()) for k in keys):
                drop[ident] = (f"{ident} not drawn: {source}'s code only stores {', '.join(keys)} in a settings "
                               f"record that names {'it' if len(keys) == 1 else 'them'}, to hand on, and makes no "
                               "HTTP request of its own (no fetch, axios, HttpService or other client)")
                dropped.add(ident.split("->", 1)[1])
        out.append(without_facts(d, "interactions", drop))
    if not dropped:
        return out
    called = {str(i.get("to")) for d in out if isinstance(d.data, dict)
              for i in d.data.get("interactions") or [] if isinstance(i, dict)}
    gone = {t: f"external {t} left out: no call to it remains" for t in sorted(dropped - called)}
    return [without_facts(d, "externals", gone) if isinstance(d, ArtifactDocument) else d for d in out]


def _unread_settings(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the synchronous calls drawn from variables the deployment sets on a caller one by one, when
    each binds (relaxed, as Spring binds ``CDC_SERVICE_URL`` to ``cdc.service.url``) to a property the caller's own
    configuration declares and nothing of the caller reads it: no code names it, no placeholder of its configuration
    refers to it and no prefix its code names (``@ConfigurationProperties("cdc.service")``) covers it. The
    configuration holds a value nobody uses, and the deployment overrides that value: no call is made through it."""
    coded = {d.service: d for d in docs if isinstance(d, RoutesDocument) and d.names}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not d.given_set:
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for ident, keys in sorted(d.given_set.items()):
            caller = coded.get(ident.split("->", 1)[0])
            if caller is None:
                continue
            norms = [_name(k) for k in keys]
            if all(n in caller.names and n not in caller.read
                   and not any(p.endswith("*") and len(p) > 4 and n.startswith(p[:-1]) for p in caller.read)
                   for n in norms):
                drop[ident] = (f"{ident} not drawn: {', '.join(keys)} binds to a property {caller.service}'s "
                               "configuration sets, and no code or placeholder of it reads that property: no call is "
                               "made through it")
                continue
            unused = _unread_components(caller, keys)
            if unused:
                drop[ident] = (f"{ident} not drawn: {', '.join(keys)} binds to {unused}, which no code of "
                               f"{caller.service} reads: no call is made through it")
        out.append(without_facts(d, "interactions", drop))
    return out


def _unread_components(caller: RoutesDocument, keys: Sequence[str]) -> str:
    """What the variables ``keys`` bind to when each lands in a component of one of ``caller``'s configuration classes
    (``code_properties``) that no code of it reads, and no other code or placeholder of it names the property (by its
    whole name, or by a prefix other than a configuration class's own); "" otherwise."""
    own = code_properties.prefixes(caller.properties)
    said: list[str] = []
    for k in keys:
        n = _name(k)
        unused = code_properties.unread(k, caller.properties)
        if unused is None or n in caller.read or any(
                p.endswith("*") and len(p) > 4 and n.startswith(p[:-1]) and p[:-1] not in own for p in caller.read):
            return ""
        where = f"{os.path.basename(unused.at.file)}:{unused.at.line}"
        said.append(f"{unused.owner}.{unused.prefix.rsplit('.', 1)[1]} ({unused.prefix}, {where})")
    return ", ".join(dict.fromkeys(said))


_OWN_ROOTS = ("spring.", "eureka.", "management.", "server.", "logging.", "info.", "security.", "endpoints.",
              "otel.", "feign.", "ribbon.", "hystrix.", "turbine.", "resilience4j.", "zuul.", "keycloak.", "quarkus.",
              "micronaut.", "kafka.", "grpc.")
"""Property roots a framework or client library reads by itself (Spring Boot's own, Spring Boot 1's ``security.oauth2``
client, Spring Cloud Netflix's, a Keycloak adapter's...): a call drawn from one is made whatever the code names."""


def _unread_file_properties(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the synchronous calls a Spring configuration file draws from properties of the service's own
    (no framework's root) when each is either set again by the deployment (Spring binds ``SHOP_SERVICES_STOCK`` to
    ``shop.services.stock`` in place of the file's value) or read by nothing of the service: no code or placeholder
    names the property, no prefix its code names covers it, and its code names nothing called like its last part
    (``.rating()``, ``getRating()``, a ``rating`` key), or it binds to a component of one of the service's
    configuration classes that no code reads. The file's address then is not where any call goes: the deployment's
    own value draws its call, if any. A call one of whose properties some code may read is kept."""
    coded = {d.service: d for d in docs if isinstance(d, RoutesDocument) and d.names}
    if not coded:
        return list(docs)
    env, unseen = environments(docs), unseen_environments(docs)
    stores = {str(x.get("name")) for d in docs if isinstance(d.data, dict) for section in ("datastores", "channels")
              for x in d.data.get(section) or [] if isinstance(x, dict)}
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        drawn = getattr(d, "drawn_from", None) or {}
        if not isinstance(d, ArtifactDocument) or d.format != "spring" or not drawn or not isinstance(items, list):
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for i in items:
            if not isinstance(i, dict) or i.get("style") == "async" or str(i.get("to")) in stores:
                continue
            ident = f"{i.get('from')}->{i.get('to')}"
            caller, keys = coded.get(str(i.get("from"))), drawn.get(ident, ())
            if caller is None or not keys or "*" in unseen.get(caller.service, frozenset()) or any(
                    k.lower().startswith(_OWN_ROOTS) for k in keys):
                continue
            given = {_name(v): v for v in env.get(caller.service, {})}
            unread = [k for k in keys if _name(k) not in given]
            if not unread or not all(_nothing_reads(caller, k) for k in unread):
                continue
            said = [f"{given[_name(k)]} sets {k} again" for k in keys if _name(k) in given]
            drop[ident] = (f"{ident} not drawn from {', '.join(keys)}: " + "; ".join(
                [*said, f"nothing of {caller.service}'s code reads {', '.join(unread)}"]) + ": no call goes to the "
                "file's address")
        out.append(without_facts(d, "interactions", drop))
    return out


def _nothing_reads(caller: RoutesDocument, key: str) -> bool:
    """Whether nothing of ``caller`` reads the property ``key``: it binds to a configuration class's component no
    code reads, or no configuration class of the code takes it and its code names neither the property, nor a prefix
    covering it, nor anything called like its last part."""
    n = _name(key)
    if n in caller.read or any(p.endswith("*") and len(p) > 4 and n.startswith(p[:-1]) for p in caller.read):
        return False
    if code_properties.unread(key, caller.properties) is not None:
        return True
    bound = any(n.startswith(p) for p in code_properties.prefixes(caller.properties))
    return not bound and _name(key.rsplit(".", 1)[-1]) not in caller.read


_RELATIONAL = ("sql", "jdbc", "jpa", "hibernate", "persistence", "datasource", "repository", "dbcontext",
               "entityframework", "dapper", "mybatis", "jooq", "r2dbc", "psycopg", "pgx", "sequelize", "knex", "prisma",
               "typeorm", "gorm", "flyway", "liquibase")
_CLIENT_WORDS: dict[str, tuple[str, ...]] = {
    "mongodb": ("mongo", "mgo"),
    "redis": ("redis", "jedis", "lettuce", "connectionmultiplexer", "stackexchange"),
    "memcached": ("memcache", "spymemcached"),
    "postgres": (*_RELATIONAL, "postgres"),
    "mysql": (*_RELATIONAL, "mysql", "mariadb"),
    "sqlserver": _RELATIONAL,
    "oracle": (*_RELATIONAL, "oracle"),
    "cassandra": ("cassandra", "cql", "scylla"),
}
"""Datastore engine -> words (normalised names, matched as parts of a name) that a client of it shows in code: its
driver, its query language, an ORM. A caller whose code shows none of them opens no such store; an engine not
listed is never judged by its clients."""


def _start_order_only(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls to a service or a datastore drawn from ``depends_on`` alone when the caller's code
    and configuration are given and never name the target: a call needs the target's address, and no variable, code
    or configuration of the caller names it, so the ``depends_on`` says start order only. A name in a comment of
    the code (a documentation link's ``.../docs/Web/API/...``) counts for nothing: no run of the code reads it
    (``RoutesDocument.spoken``). A caller that fetches its
    configuration from a configuration server as it starts is left as drawn (that configuration may name it), and
    so is a call to a datastore when the caller's code shows a client of the store's kind (``_CLIENT_WORDS``): its
    address may come from a file no import reads."""
    names = {d.service: d.spoken for d in docs if isinstance(d, RoutesDocument) and d.names}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not isinstance(d.data, dict):
            out.append(d)
            continue
        services = {str(s.get("name")) for s in d.data.get("services") or [] if isinstance(s, dict)}
        stores = {str(s.get("name")): _CLIENT_WORDS.get(str(s.get("engine") or ""), ())
                  for s in d.data.get("datastores") or [] if isinstance(s, dict)}
        configured = {str(i.get("from")) for i in d.data.get("interactions") or []
                      if isinstance(i, dict) and i.get("during") == "startup"}
        drop: dict[str, str] = {}
        for i in d.data.get("interactions") or []:
            if not isinstance(i, dict) or (str(i.get("to")) not in services and not stores.get(str(i.get("to")))):
                continue
            source, target, evidence = str(i.get("from")), str(i.get("to")), str(i.get("inferred_from") or "")
            read = None if source in configured else names.get(source)
            if read is None or not re.fullmatch(r"depends_on \([^;()]*\)", evidence) or _name(target) in read:
                continue
            if any(word in n for word in stores.get(target, ()) for n in read):
                continue  # a client of the store's kind may take its address from a file no import reads
            drop[f"{source}->{target}"] = (f"{source}->{target} not drawn: only {evidence} says it, and no code or "
                                           f"configuration of {source} names {target}: a start order, not a call")
        out.append(without_facts(d, "interactions", drop))
    return out


_DECLARED_ONLY = re.compile(r"(?:depends_on|links) \([^;()]*\)(?:; (?:depends_on|links) \([^;()]*\))*")
_UNREAD_ROUTES = ("is not followed", "target is unknown", "members are unknown", "not imported")
"""Remarks of a gateway's configuration that leave some of its targets unknown."""


def _read_gateways(docs: Sequence[Document]) -> dict[str, tuple[set[str], str]]:
    """Gateway -> (the services its configuration proxies to, the configuration's file name), for each gateway whose
    configuration is read whole: no route of it has a target left unknown (``_UNREAD_ROUTES``)."""
    proxied: dict[str, tuple[set[str], str]] = {}
    for d in docs:
        if not str(getattr(d, "format", "")).startswith(_PROXY_FORMATS) or not isinstance(d, ArtifactDocument) \
                or not isinstance(d.data, dict):
            continue
        gateways = [str(s.get("name")) for s in d.data.get("services") or []
                    if isinstance(s, dict) and s.get("kind") == "gateway"]
        if len(gateways) != 1 or any(any(w in text for w in _UNREAD_ROUTES) for _at, text in d.remarks):
            continue
        targets = {str(i.get("to")) for i in d.data.get("interactions") or [] if isinstance(i, dict)}
        targets |= {str(t) for ep in d.data.get("endpoints") or [] if isinstance(ep, dict)
                    for t in ep.get("routes_to") or []}
        proxied[gateways[0]] = (targets, os.path.basename(d.file))
    return proxied


_PROXY_FORMATS = ("gateway (httpd)", "gateway (nginx)", "gateway (Envoy)")
"""Reverse proxies whose configuration states every route (a Spring gateway may add routes in its Java code)."""
_EDGE_KINDS = ("gateway", "bff", "frontend")


def _beside_gateways(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``behind_gateway: false`` on each service a deployment artifact publishes beyond the host's
    loopback (``exposure`` host or public) when the system's gateways all have their configuration read whole
    (``_read_gateways``) and none proxies anything: the web server in front routes no request, so clients reach
    every published service at its own port. Where a gateway routes to some services, one it does not route to may
    be published on purpose (an identity provider, a front end, a port for local development) and the design cannot
    tell these apart: left unknown. With no gateway at all, ``_without_gateways`` says what is exposed directly."""
    docs = _without_gateways(docs)
    proxied = _read_gateways(docs)
    if not proxied or any(targets for targets, _f in proxied.values()):
        return list(docs)
    kinds: dict[str, str] = {}
    for d in docs:
        for s in (d.data.get("services") or []) if isinstance(d.data, dict) else []:
            if isinstance(s, dict) and s.get("kind") in _EDGE_KINDS:
                kinds[str(s.get("name"))] = str(s.get("kind"))
    if any(g not in proxied for g, k in kinds.items() if k == "gateway"):
        return list(docs)
    routed = {t for targets, _f in proxied.values() for t in targets}
    names = ", ".join(f"{g} ({f})" for g, (_t, f) in sorted(proxied.items()))
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or _is_gateway(d) \
                or not isinstance(d.data, dict):
            out.append(d)
            continue
        edited: ArtifactDocument = d
        for i, s in enumerate(d.data.get("services") or []):
            if not isinstance(s, dict) or s.get("exposure") not in ("host", "public"):
                continue
            name = str(s.get("name"))
            if name in kinds or name in routed or s.get("kind") in _EDGE_KINDS or "broker" in (s.get("tags") or []):
                continue  # a broker's clients connect to it, not through an HTTP gateway
            edited = with_field(edited, "services", name, "behind_gateway", False,
                                d.locate(("services", i, "exposure")),
                                f"behind_gateway false: {name} is published ({s.get('exposure')}) at its own port, and "
                                f"the gateway configuration read ({names}) proxies nothing to it")
        out.append(edited)
    return out


def _without_gateways(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``behind_gateway: false`` on each service a deployment artifact publishes beyond the host's
    loopback (``exposure`` host or public) when nothing imported is a gateway: no service of kind gateway or BFF, no
    gateway configuration, no route of an endpoint to another service (an Ingress, a proxy's rule). Only a service
    whose own code is read (its routes are imported) and that calls no other service of the system is marked: the
    application itself, answering clients at its own port. A service of the system is one whose code is read or whose
    image is published under the same owner as the caller's (``weaveworksdemos/carts`` beside
    ``weaveworksdemos/front-end``); a component from elsewhere (``gotenberg/gotenberg``, a mail relay) is a helper.
    One that calls the system's other services may be its front end (the edge the clients are meant to use), which
    the design cannot tell from an API reached directly: left unknown, as are brokers, registries, workers and
    operator tools (mail catchers, consoles), which serve no API."""
    coded = {d.service for d in docs if isinstance(d, RoutesDocument) and d.service and isinstance(d.data, dict)
             and d.data.get("endpoints")}
    if not coded or any(_is_gateway(d) for d in docs):
        return list(docs)
    calls: dict[str, set[str]] = {}
    owners: dict[str, str] = {}
    for d in docs:
        data = d.data if isinstance(d.data, dict) else {}
        for s in data.get("services") or []:
            image = str(s.get("image") or "").split("@")[0] if isinstance(s, dict) else ""
            if "/" in image:
                owners[str(s.get("name"))] = image.rsplit("/", 1)[0]
        if any(isinstance(s, dict) and s.get("kind") in ("gateway", "bff") for s in data.get("services") or []) \
                or any(isinstance(e, dict) and e.get("routes_to") for e in data.get("endpoints") or []):
            return list(docs)
        for i in data.get("interactions") or []:
            if isinstance(i, dict) and i.get("style") in (None, "sync") and not i.get("during"):
                calls.setdefault(str(i.get("from")), set()).add(str(i.get("to")))
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not isinstance(d.data, dict):
            out.append(d)
            continue
        edited: ArtifactDocument = d
        for i, s in enumerate(d.data.get("services") or []):
            name = str(s.get("name")) if isinstance(s, dict) else ""
            fronts = {t for t in calls.get(name, set()) - {name}
                      if t in coded or (name in owners and owners.get(t) == owners[name])}
            if not isinstance(s, dict) or s.get("exposure") not in ("host", "public") or name not in coded or fronts \
                    or s.get("kind") in (*_EDGE_KINDS, "registry", "worker") or s.get("operator_tool") \
                    or {"broker", "coordinator"} & set(s.get("tags") or []):
                continue
            edited = with_field(edited, "services", name, "behind_gateway", False,
                                d.locate(("services", i, "exposure")),
                                f"behind_gateway false: {name} is published ({s.get('exposure')}) at its own port, and "
                                "nothing imported is a gateway (no gateway or BFF, no proxy configuration, no routed "
                                f"endpoint), and {name} calls no other service of the system: it fronts none")
        out.append(edited)
    return out


def _unproxied_links(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls a gateway makes, by compose's ``links`` or ``depends_on`` alone, to a service its
    own configuration, read whole, proxies nothing to: the declaration is a start order (or an old way to name a
    host), and no request of the gateway's reaches that service. A configuration with a route whose target is
    unknown (a variable, an ``Include`` not followed, a pattern not read) leaves every such call as drawn."""
    proxied = _read_gateways(docs)
    if not proxied:
        return list(docs)
    out: list[Document] = []
    for d in docs:
        if _is_gateway(d) or not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) \
                or not isinstance(d.data, dict):
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for i in d.data.get("interactions") or []:
            if not isinstance(i, dict) or str(i.get("from")) not in proxied or i.get("during"):
                continue  # a fetch as it starts, or a background task, is no request of the gateway's
            source, target, evidence = str(i.get("from")), str(i.get("to")), str(i.get("inferred_from") or "")
            targets, conf = proxied[source]
            if target in targets or not _DECLARED_ONLY.fullmatch(evidence):
                continue
            drop[f"{source}->{target}"] = (f"{source}->{target} not drawn: only {evidence} says it, and {source}'s "
                                           f"configuration ({conf}) proxies nothing to {target}: a start order, not a "
                                           "call a request makes")
        out.append(without_facts(d, "interactions", drop))
    return out


_DRAWN_FROM = re.compile(r"(?P<var>[^\s;()]+) \(environment of [^;()]*\) names host [\w.-]+")


def _authority_fetches(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each synchronous call marked ``during: background`` when it is drawn (besides ``depends_on``)
    from variables the caller's code reads only as its token issuer's address (``RoutesDocument.authorities``) and
    from health-check URLs: the bearer or OpenID Connect middleware fetches the issuer's metadata and keys once and
    keeps them, and a health check is polled, so no request waits on either."""
    issuers = {d.service: d.authorities for d in docs if isinstance(d, RoutesDocument) and d.authorities}
    if not issuers:
        return list(docs)
    env = environments(docs)
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not isinstance(items, list):
            out.append(d)
            continue
        marked: list[Any] = []
        notes = dict(d.notes)
        for i in items:
            source = str(i.get("from")) if isinstance(i, dict) else ""
            keys = {_name(k): (k, at) for k, at in issuers.get(source, {}).items()}
            if not keys or i.get("during") or i.get("style") not in (None, "sync"):
                marked.append(i)
                continue
            used: list[str] = []
            for part in " ".join(str(i.get("inferred_from") or "").split()).split("; "):
                m = _DRAWN_FROM.fullmatch(part)
                value = env.get(source, {}).get(m.group("var")) if m else None
                if m and _name(m.group("var")) in keys:
                    used.append(m.group("var"))
                elif not re.fullmatch(r"depends_on \([^;()]*\)", part) and not (
                        value and HEALTH_PATH.search(value[0].strip())):
                    used = []
                    break
            if not used:
                marked.append(i)
                continue
            key, at = keys[_name(used[0])]
            marked.append({**i, "during": "background"})
            ident = f"interaction:{source}->{i.get('to')}"
            notes[ident] = [*notes.get(ident, []), f"during background: {source}'s code reads {key} only as its token "
                            f"issuer's address ({at}): the middleware fetches the issuer's metadata and signing keys "
                            "once and keeps them, no request waits on it"]
        out.append(replace(d, data={**d.data, "interactions": marked}, notes=notes))
    return out


def _detached_calls(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each synchronous call of unstated ``during`` marked as its caller's code makes it when it is
    drawn (besides ``depends_on``) only from variables that code reads only in goroutines its start-up code starts
    (``RoutesDocument.detached``): ``startup`` (a fixture loader, a wait for a peer's port), ``background`` on a
    ticker. Such a goroutine hands nothing back to the code serving requests, so no request waits on its calls."""
    off = {d.service: d.detached for d in docs if isinstance(d, RoutesDocument) and d.detached}
    if not off:
        return list(docs)
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or not isinstance(items, list):
            out.append(d)
            continue
        marked: list[Any] = []
        notes = dict(d.notes)
        for i in items:
            source = str(i.get("from")) if isinstance(i, dict) else ""
            names = off.get(source, {})
            if not names or i.get("during") or i.get("style") not in (None, "sync"):
                marked.append(i)
                continue
            used: list[str] = []
            for part in " ".join(str(i.get("inferred_from") or "").split()).split("; "):
                m = _DRAWN_FROM.fullmatch(part)
                if m and _name(m.group("var")) in names:
                    used.append(m.group("var"))
                elif not re.fullmatch(r"depends_on \([^;()]*\)", part):
                    used = []
                    break
            if not used:
                marked.append(i)
                continue
            during, where = names[_name(used[0])]
            marked.append({**i, "during": during})
            ident = f"interaction:{source}->{i.get('to')}"
            notes[ident] = [*notes.get(ident, []), f"during {during}: {source}'s code reads {used[0]} only {where} by "
                            "start-up code, which hands nothing back to a request: no request waits on it"]
        out.append(replace(d, data={**d.data, "interactions": marked}, notes=notes))
    return out


def _message_workers(docs: Sequence[Document],
                     edges: Mapping[str, Sequence[code_clients.Edge]] | None = None) -> dict[str, str]:
    """Service -> why it serves no request: no route is found in its code (handed over), the deployment publishes no
    port of it, no gateway route or call reaches it, and it hands messages to or takes them from a broker
    (``style: async``): a queue worker (``kind: worker``), which needs no readiness to receive requests. A port the
    deployment publishes does not make it one that serves requests when its code maps health checks and nothing
    else (``RoutesDocument.health_only``) and nothing reaches it but health polls (``during: background``)."""
    # a server of health checks alone serves no request: its routes count as none
    routes = {d.service: bool(d.routes) and d.health_only is None for d in docs if isinstance(d, RoutesDocument)}
    health = {d.service: d.health_only for d in docs if isinstance(d, RoutesDocument) and d.health_only}
    internal: dict[str, str] = {}
    published: dict[str, str] = {}
    reached: set[str] = set()
    polled: set[str] = set()  # reached, health polls and the port's own entry point aside
    brokered: dict[str, str] = {}
    for d in docs:
        if not isinstance(d.data, dict):
            continue
        for svc in d.data.get("services") or []:
            if isinstance(svc, dict) and not isinstance(d, RoutesDocument) and svc.get("exposure"):
                (internal if svc.get("exposure") == "internal" else published)[str(svc.get("name"))] = \
                    str(svc.get("kind") or "")
        for ep in d.data.get("endpoints") or []:
            # the health route of a service's own code is polled, never requested
            if isinstance(ep, dict) and not (isinstance(d, RoutesDocument) and d.health_only is not None
                                             and HEALTH_PATH.search(str(ep.get("path") or ""))):
                to = [str(x) for x in [ep.get("served_by"), *(ep.get("routes_to") or [])]]
                reached.update(to)
                polled.update(x for x in to if ep.get("name") != safe_name(f"{x}-entry"))
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                reached.add(str(i.get("to")))
                if i.get("during") != "background":
                    polled.add(str(i.get("to")))
                if i.get("style") == "async":
                    brokered.setdefault(str(i.get("from")), str(i.get("to")))
    for name, found in sorted((edges or {}).items()):  # the brokers its code or settings name
        for e in found:
            if e.data.get("style") == "async":
                brokered.setdefault(name, e.target)
    out = {name: (f"its code maps health checks and no route ({health[name]}), " if name in health else
                  "no route found in its code, " if name in routes else "none of its code read, ") +
                 f"no port of it published, nothing in the deployment calls it or routes to it, and it exchanges "
                 f"messages through {brokered[name]}: a queue worker, it serves no request"
           for name, kind in internal.items()
           if name in brokered and not routes.get(name) and name not in reached and not kind}
    out.update({name: f"its code maps health checks and no route ({health[name]}), nothing in the deployment calls it "
                      f"or routes to it but health polls, and it exchanges messages through {brokered[name]}: a queue "
                      "worker, its published port serves its health only"
                for name, kind in published.items()
                if name in health and name in brokered and not routes.get(name) and name not in polled and not kind})
    return out


def _worker_processes(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the routes of a service the deployment runs as a worker (``kind: worker`` in a document not of
    its code: a queue consumer's or scheduler's command) whose code, read from the same folders and files, another
    service that is no worker serves: the routes are that web process's, the worker runs the code's jobs."""
    kinds = {str(s.get("name")): s.get("kind") for d in docs if not isinstance(d, RoutesDocument)
             and isinstance(d.data, dict) for s in d.data.get("services") or [] if isinstance(s, dict)}
    servers: dict[tuple[str, ...], list[str]] = {}
    for d in docs:
        if isinstance(d, RoutesDocument) and d.code_paths and d.routes and kinds.get(d.service) != "worker":
            servers.setdefault(d.code_paths, []).append(d.service)
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument) and d.routes and kinds.get(d.service) == "worker" and d.code_paths in servers:
            web = sorted(servers[d.code_paths])
            why = (f"{d.service}'s routes not drawn: the deployment runs it as a worker, and {', '.join(web)} "
                   f"serve{'s' if len(web) == 1 else ''} the routes of the same code ({', '.join(d.code_paths)})")
            traits, said = _without_request_code(d, d.routes)
            out.append(replace(d, routes=(), traits=traits,
                               remarks=sorted({*d.remarks, *said, (d.service_at, why)})))
            continue
        out.append(d)
    return out


def _unlistened_ports(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the entry point of a service every port of which its deployment publishes is one its code binds
    no running server on (lemmy publishes 10002 for a metrics server its configuration leaves off, and serves on 8536):
    nothing answers there, so no request enters the system through it, and the service is exposed by no port of its
    own (``exposure: internal``). Only when the code's servers and their ports are all known (``Traits.listeners``)."""
    known = {d.service: d.traits.listeners for d in docs if isinstance(d, RoutesDocument) and d.traits.listeners}

    def edit(doc: ArtifactDocument, _data: dict[str, Any]) -> Document:
        for name, ports in sorted(doc.published_ports.items()):
            found = known.get(name)
            if not found or not ports or not all(p.isdigit() for p in ports):
                continue
            serving = {f.port for f in found if f.runs}
            if serving & {int(p) for p in ports}:
                continue
            at = next((doc.locate(("services", i)) for i, svc in enumerate(doc.data.get("services") or [])
                       if isinstance(svc, dict) and svc.get("name") == name), None)
            if at is None:
                continue
            said = "; ".join(dict.fromkeys(f"{f.at.file}:{f.at.line} binds " + (
                f"{f.port} ({f.why})" if f.runs else f"no port: it does not run ({f.why})") for f in found))
            why = (f"{name} publishes container port{'s' if len(ports) > 1 else ''} {', '.join(ports)}, on which its "
                   f"code runs no server ({said})")
            doc = without_facts(doc, "endpoints", {safe_name(f"{name}-entry"): f"{name}-entry not drawn: {why}"})
            key = f"service:{name}"
            doc = replace(doc, notes={**doc.notes, key: [n for n in doc.notes.get(key, [])
                                                         if not n.startswith("exposure ")]})
            doc = with_field(doc, "services", name, "exposure", "internal", at,
                             f"exposure internal: {why}; nothing answers on its published port", replace=True)
        return doc
    return _edit_artifacts(docs, edit)


def _health_ports(docs: Sequence[Document], workers: Mapping[str, str]) -> list[Document]:
    """``docs`` without the entry point that stands for the routes of a port a queue worker publishes for its health
    checks only (``_message_workers``): no request enters the system there; without the routes of a queue worker
    whose code routes its health checks alone (they answer its probes, never a request: no endpoints of the design);
    and with ``kind: worker`` on each queue worker whose code is not read (no document of its own says it)."""
    drop = {safe_name(f"{name}-entry"): f"{safe_name(name + '-entry')} not drawn: {name} serves no request ({why})"
            for name, why in workers.items() if "health only" in why}
    coded = {d.service for d in docs if isinstance(d, RoutesDocument)}
    uncoded = {name: why for name, why in workers.items() if name not in coded}
    docs = [replace(d, routes=()) if isinstance(d, RoutesDocument) and d.service in workers and d.health_only
            else d for d in docs]

    def edit(doc: ArtifactDocument, _data: dict[str, Any]) -> Document:
        d = without_facts(doc, "endpoints", drop) if drop else doc
        for name, why in sorted(uncoded.items()):
            at = next((d.locate(("services", i)) for i, svc in enumerate(d.data.get("services") or [])
                       if isinstance(svc, dict) and svc.get("name") == name), None)
            if at is not None:
                d = with_field(d, "services", name, "kind", "worker", at, f"kind worker: {why}")
        return d
    return _edit_artifacts(docs, edit)


def _by_image(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each service read from a folder no deployment names, but whose name is the last part of the
    image a workload runs (``spring-petclinic-config-server`` -> the compose service ``config-server`` running
    ``springcommunity/spring-petclinic-config-server``), named as that workload: the folder builds the image."""
    named: set[str] = set()
    images: dict[str, set[str]] = {}
    for d in docs:
        if isinstance(d, RoutesDocument) or not isinstance(d.data, dict):
            continue
        for s in d.data.get("services") or []:
            if isinstance(s, dict) and isinstance(s.get("name"), str):
                named.add(s["name"])
                if isinstance(s.get("image"), str):
                    images.setdefault(infra.image_path(s["image"]).rsplit("/", 1)[-1], set()).add(s["name"])
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument) and d.service not in named and len(images.get(d.service, ())) == 1:
            out.append(replace(d, service=next(iter(images[d.service]))))
        else:
            out.append(d)
    return out


def _edit_artifacts(docs: Sequence[Document], edit: Callable[[ArtifactDocument, dict[str, Any]], Document]
                    ) -> list[Document]:
    """``docs`` with ``edit`` applied to each artifact's document (not a service's code) whose data is a mapping."""
    return [edit(d, d.data) if isinstance(d, ArtifactDocument) and not isinstance(d, RoutesDocument)
            and isinstance(d.data, dict) else d for d in docs]


def _unread_credentials(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the ``secrets_source`` drawn only from credentials every service is given (a config server's
    shared defaults) for a client that the service's code and build file never show (a datasource password given to
    a gateway with no JDBC or JPA library)."""
    shown = {d.service: d.client_groups for d in docs if isinstance(d, RoutesDocument) and d.client_groups is not None}
    whats = {group: what for group, what, _words in spring.CLIENTS}

    def edit(doc: ArtifactDocument, _data: dict[str, Any]) -> Document:
        d = doc
        for service, given in sorted(doc.shared_credentials.items()):
            has = shown.get(service)
            if has is None or any(group in has for _n, group in given):
                continue
            names = ", ".join(n for n, _g in given)
            lacks = " or ".join(sorted({whats[g] for _n, g in given}))
            d = without_field(d, "services", service, "secrets_source",
                              f"{service}: {names} is a default every service is given, and no code or build file "
                              f"of {service} shows {lacks}: not a credential of {service}'s")
        return d
    return _edit_artifacts(docs, edit)


def _refused_credentials(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the ``secrets_source`` a service was given only by variables whose deployed values its code
    refuses to start with (``PAPERLESS_SECRET_KEY=change-me`` beside ``if SECRET_KEY == "change-me": raise``): a
    committed placeholder that no running process uses is no credential kept in the repository."""
    refused = {d.service: d.refused for d in docs if isinstance(d, RoutesDocument) and d.refused}
    if not refused:
        return list(docs)
    env = environments(docs)

    def edit(doc: ArtifactDocument, _data: dict[str, Any]) -> Document:
        d = doc
        for service, names in sorted(doc.literal_secrets.items()):
            checks = refused.get(service, {})
            given = {n: env.get(service, {}).get(n, ("", None))[0] for n in names}
            if not names or not all(n in checks and given[n] in checks[n][0] for n in names):
                continue
            d = without_field(d, "services", service, "secrets_source",
                              f"{service}: {', '.join(names)} as deployed is a placeholder {service}'s code refuses to "
                              f"start with ({', '.join(str(checks[n][1]) for n in names)}): no running process "
                              "uses it")
        return d
    return _edit_artifacts(docs, edit)


def _unserved_retries(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the ``retry`` of a call whose retries are limited to some methods (a Spring Cloud Gateway
    Retry filter's ``methods: POST``) when the callee's code serves none of them: nothing on that call is re-sent."""
    served = {d.service: {r.method for r in d.routes} for d in docs if isinstance(d, RoutesDocument) and d.routes}

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        d = doc
        for call in list(data.get("interactions") or []):
            retry = call.get("retry") if isinstance(call, dict) else None
            methods = retry.get("methods") if isinstance(retry, dict) else None
            has = served.get(str(call.get("to"))) if isinstance(call, dict) else None
            if not isinstance(methods, list) or not methods or has is None or "ANY" in has or has & set(methods):
                continue
            ident = identity("interaction", call)
            d = without_field(d, "interactions", ident, "retry",
                              f"{ident}: retries only {', '.join(methods)}, and {call['to']}'s code serves only "
                              f"{', '.join(sorted(has))}: nothing on this call is retried")
        return d
    return _edit_artifacts(docs, edit)


def _read_only_edges(edges: Mapping[str, list[code_clients.Edge]], routed: Sequence[RoutesDocument],
                     docs: Sequence[Document]) -> dict[str, list[code_clients.Edge]]:
    """``edges`` (the calls services' code names) with a call to a datastore whose engine the caller's code only reads
    (``RoutesDocument.reads_only``) stated ``mutating: false``, as ``_read_accesses`` does for the deployment's."""
    reads = {d.service: d.reads_only for d in routed if d.reads_only}
    if not reads:
        return dict(edges)
    engines = {str(ds.get("name")): str(ds.get("engine")) for d in docs if isinstance(d.data, dict)
               for ds in d.data.get("datastores") or [] if isinstance(ds, dict) and ds.get("engine")}
    out: dict[str, list[code_clients.Edge]] = {}
    for service, found in edges.items():
        only = reads.get(service)
        out[service] = [replace(e, data={**e.data, "mutating": False}, where={**e.where, "mutating": e.at},
                                notes=(*e.notes, f"mutating false: {service} only reads {e.target}: {only[1]}"))
                        if only is not None and engines.get(e.target) in only[0] and "mutating" not in e.data else e
                        for e in found]
    return out


_DISTRIBUTED_CACHE = re.compile(r"\.\s*Add(?:StackExchangeRedisCache|DistributedRedisCache)\s*\(")
_REDIS_CLIENT = re.compile(r"\bI?ConnectionMultiplexer\b|\bAdd(?:Keyed)?RedisClient\s*\(|\bIDatabase\b|"
                           r"\bIRedisClient\b")
"""Redis reached as ASP.NET Core's ``IDistributedCache`` (``AddStackExchangeRedisCache``), and Redis reached
otherwise (a multiplexer, a Redis client): a store the code may keep anything in."""


def _distributed_cache(cs: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """Where a service's C# (comments blanked) registers Redis as its distributed cache and reaches Redis no other
    way: what it keeps there is what ``IDistributedCache`` keeps, entries it can lose (a cache in front of its store,
    sessions)."""
    if any(_REDIS_CLIENT.search(code) for _p, code in cs):
        return None
    for path, code in cs:
        m = _DISTRIBUTED_CACHE.search(code)
        if m is not None:
            return (m.group(0).lstrip(". ").rstrip("( "),
                    Location(path, code.count("\n", 0, m.start()) + 1, m.start() - code.rfind("\n", 0, m.start())))
    return None


def _cache_roles(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``role: cache`` on each Redis datastore that every service drawn to it reaches only as its
    distributed cache (``RoutesDocument.distributed_cache``) and beside another datastore it reaches (the store the
    cache is in front of), where no artifact states a role. A distributed cache that is its service's only store
    (a cart kept in ``IDistributedCache``) holds the only copy: no role is said."""
    caching = {d.service: d.distributed_cache for d in docs if isinstance(d, RoutesDocument)}
    if not any(caching.values()):
        return list(docs)

    def fields(name: str, _ds: dict[str, Any], users: list[str], reached: dict[str, set[str]]) -> list[StoreField]:
        if not users or not all(caching.get(u) and reached.get(u, set()) - {name} for u in users):
            return []
        what, at = caching[users[0]]  # type: ignore[misc]
        return [("role", "cache", at, f"role cache: {', '.join(users)} reach {name} only as ASP.NET Core's distributed "
                                      f"cache ({what}, {at.file}:{at.line}): entries it may lose, kept in front of a "
                                      "store")]
    return _edit_redis_stores(docs, fields, code_too=False)


StoreField = tuple[str, Any, Location, str]
"""A field to set on a datastore: its name, value, where it is stated, and the note that explains it."""


def _edit_redis_stores(docs: Sequence[Document],
                       fields: Callable[[str, dict[str, Any], list[str], dict[str, set[str]]], list[StoreField]], *,
                       code_too: bool) -> list[Document]:
    """``docs`` with ``fields(name, datastore, its client services sorted, the datastores each service reaches)`` set
    on each Redis datastore of the artifacts (a ``kind`` replacing the engine's, any other field only when unstated);
    the interactions of the services' code documents count too with ``code_too``."""
    stores = {str(s.get("name")) for d in docs if not isinstance(d, RoutesDocument) and isinstance(d.data, dict)
              for s in d.data.get("datastores") or [] if isinstance(s, dict)}
    clients: dict[str, set[str]] = {}
    reached: dict[str, set[str]] = {}
    for d in docs:
        if (code_too or not isinstance(d, RoutesDocument)) and isinstance(d.data, dict):
            for i in d.data.get("interactions") or []:
                if isinstance(i, dict) and str(i.get("to")) in stores:
                    clients.setdefault(str(i.get("to")), set()).add(str(i.get("from")))
                    reached.setdefault(str(i.get("from")), set()).add(str(i.get("to")))

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        d = doc
        for ds in list(data.get("datastores") or []):
            name = str(ds.get("name")) if isinstance(ds, dict) else ""
            if not name or ds.get("engine") != "redis":
                continue
            for field_name, value, at, note in fields(name, ds, sorted(clients.get(name, set())), reached):
                d = with_field(d, "datastores", name, field_name, value, at, note, replace=field_name == "kind")
        return d
    return _edit_artifacts(docs, edit)


def _only_copies(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``kind: cache`` and ``role: system_of_record`` on each Redis datastore that the deployment keeps
    on no volume (``durable_storage: false``), that no artifact gives a role, and whose every client service reaches
    no other datastore, one of them writing keys there with no expiry (``RoutesDocument.redis_store``): the only copy
    of that data, in a store that starts empty after every restart (``code_redis_store``)."""
    keeps = {d.service: d.redis_store for d in docs if isinstance(d, RoutesDocument) and d.redis_store}
    if not keeps:
        return list(docs)

    def fields(name: str, ds: dict[str, Any], users: list[str], reached: dict[str, set[str]]) -> list[StoreField]:
        writer = next((u for u in users if u in keeps), None)
        if writer is None or ds.get("durable_storage") is not False or "role" in ds or \
                any(reached.get(u, set()) - {name} for u in users):
            return []
        what, at = keeps[writer]
        return [("kind", "cache", at, f"kind cache: no volume keeps {name}'s data, so it starts empty after every "
                                      f"restart, and {writer} keeps keys there that never expire ({what}, "
                                      f"{at.file}:{at.line})"),
                ("role", "system_of_record", at,
                 f"role system_of_record: {', '.join(users)} reach{'es' if len(users) == 1 else ''} no other "
                 f"datastore, so what {writer} writes to {name} exists nowhere else")]
    return _edit_redis_stores(docs, fields, code_too=True)


def _workload_externals(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the externals a gateway's configuration took for public hosts that are workloads another
    document deploys (``catalog.api``, a compose service whose dotted name reads as a DNS name): its routes and calls
    name the workload."""
    workloads = {str(s.get("name")): d for d in docs if not isinstance(d, RoutesDocument) and isinstance(d.data, dict)
                 for s in d.data.get("services") or [] if isinstance(s, dict) and s.get("name")}

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        named = {str(e.get("name")): f"{e.get('name')} is a workload the deployment runs, not a public host"
                 for e in data.get("externals") or [] if isinstance(e, dict)
                 and workloads.get(str(e.get("name"))) not in (None, doc)}
        return without_facts(doc, "externals", named) if named else doc
    return _edit_artifacts(docs, edit)


def _unverified_certificates(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``tls_verify: false`` on each call a deployment draws from a service to the workload that its
    .NET client registration accepting any certificate is pointed at (``code_cs_tls``), where no artifact says
    otherwise."""
    found = {d.service: d.tls_skips for d in docs if isinstance(d, RoutesDocument) and d.tls_skips}
    if not found:
        return list(docs)
    workloads = {str(s.get("name")) for d in docs if not isinstance(d, RoutesDocument) and isinstance(d.data, dict)
                 for s in d.data.get("services") or [] if isinstance(s, dict)}
    skipping = code_cs_tls.targets(found, environments(docs), workloads)

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        d = doc
        for call in list(data.get("interactions") or []):
            reg = skipping.get((str(call.get("from")), str(call.get("to")))) if isinstance(call, dict) else None
            if reg is not None:
                d = with_field(d, "interactions", identity("interaction", call), "tls_verify", False, reg.at,
                               f"tls_verify false: {reg.how}, the client {call['from']} reaches {call['to']} "
                               f"with (its address from {reg.setting}): it accepts any certificate the server "
                               "presents")
        return d
    return _edit_artifacts(docs, edit)


def _read_accesses(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with the calls of a service whose code only reads its database (``RoutesDocument.reads_only``) to a
    datastore of that client's engine marked ``mutating: false``, where no artifact says otherwise."""
    reads = {d.service: (d.reads_only, d.service_at) for d in docs if isinstance(d, RoutesDocument) and d.reads_only}
    engines = {str(ds.get("name")): str(ds.get("engine")) for d in docs if isinstance(d.data, dict)
               for ds in d.data.get("datastores") or [] if isinstance(ds, dict) and ds.get("engine")}
    if not reads:
        return list(docs)

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        d = doc
        for call in list(data.get("interactions") or []):
            if not isinstance(call, dict) or str(call.get("from")) not in reads:
                continue
            (kinds, why), at = reads[str(call["from"])]
            if engines.get(str(call.get("to"))) in kinds:
                d = with_field(d, "interactions", identity("interaction", call), "mutating", False, at,
                               f"mutating false: {call['from']} only reads {call['to']}: {why}")
        return d
    return _edit_artifacts(docs, edit)


def _seeded_stores(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the role and absent backups the import gave a datastore as a system of record
    (``ArtifactDocument.records``) when every service drawn to it writes that datastore's engine only while it starts
    (``RoutesDocument.seeds_only``): it holds reference data the services' code rebuilds, not the only copy of what
    the system's users do."""
    seeds = {d.service: d.seeds_only for d in docs if isinstance(d, RoutesDocument) and d.seeds_only}
    if not seeds:
        return list(docs)
    engines = {str(ds.get("name")): str(ds.get("engine")) for d in docs if isinstance(d.data, dict)
               for ds in d.data.get("datastores") or [] if isinstance(ds, dict) and ds.get("engine")}
    callers: dict[str, set[str]] = {}
    for d in docs:
        for i in d.data.get("interactions") or [] if isinstance(d.data, dict) else []:
            if isinstance(i, dict):
                callers.setdefault(str(i.get("to")), set()).add(str(i.get("from")))

    def seeded(name: str) -> list[str]:
        users = sorted(callers.get(name, set()))
        ok = bool(users) and all(u in seeds and engines.get(name) in seeds[u][0] for u in users)
        return users if ok else []

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        gone = [n for n in doc.records if seeded(n)]
        if not gone:
            return doc
        d = doc
        for name in gone:
            users = seeded(name)
            _engines, why, _at = seeds[users[0]]
            who = users[0] if len(users) == 1 else ", ".join(users)
            note = (f"{name} is no system of record: {who} write{'s' if len(users) == 1 else ''} it only while "
                    f"starting, from what the code holds ({why}): reference data a restart rebuilds")
            d = without_field(without_field(d, "datastores", name, "backups", note), "datastores", name, "role", note)
        return replace(d, records=tuple(n for n in d.records if n not in gone))
    return _edit_artifacts(docs, edit)


def _under_base(described: Mapping[str, str], method: str, path: str) -> str | None:
    """The base path under which a route is an endpoint its service's API description states, when every path of the
    description starts with that base (its servers' ``/api``) and the route is the endpoint without it: the code
    mounts its routes under the base where the import does not follow (a router handed to a shared server package).
    None when no such endpoint, or more than one, matches."""
    route = _template(path).rstrip("/")
    if not route or not described:
        return None
    paths = [k.partition(" ")[2] for k in described]
    bases = {p[: len(p) - len(route)] for k in described for m, _s, p in [k.partition(" ")]
             if m == method and p.endswith(route)}
    bases = {b for b in bases if b.startswith("/") and not b.endswith("/")
             and all(p.startswith(b + "/") for p in paths)}
    return next(iter(bases)) if len(bases) == 1 else None


def _template(key: str) -> str:
    """``GET /seeds/{seedId}`` as ``GET /seeds/{}``: a route whatever its parameters are named."""
    return re.sub(r"\{[^}]*\}", "{}", key)


def _specs_of_their_service(docs: Sequence[Document]) -> list[Document]:
    """An API description named after its title (``Catalog API``) that lies in the directory of a service whose code
    is imported describes that service: it takes the service's name, so that its endpoints are the service's own
    (and the routes read from the code join them instead of standing beside them under another server)."""
    homes = sorted(((os.path.normpath(d.service_at.file), d.service) for d in docs if isinstance(d, RoutesDocument)
                    and d.service_at.file), key=lambda h: -len(h[0]))
    out: list[Document] = []
    for d in docs:
        titled = d.titled if isinstance(d, ArtifactDocument) else ""
        home = next((svc for folder, svc in homes if titled and isinstance(d.data, dict) and
                     os.path.normpath(d.file).startswith(folder + os.sep)), None)
        if not home or home == titled or not isinstance(d, ArtifactDocument):
            out.append(d)
            continue
        data = dict(d.data)
        data["services"] = [{**s, "name": home} if isinstance(s, dict) and s.get("name") == titled else s
                            for s in data.get("services") or []]
        data["endpoints"] = [{**e, "served_by": home} if isinstance(e, dict) and e.get("served_by") == titled else e
                             for e in data.get("endpoints") or []]
        notes = {(f"service:{home}" if k == f"service:{titled}" else k): v for k, v in d.notes.items()}
        notes.setdefault(f"service:{home}", []).append(
            f"named {home}, not {titled}: the description lies in {home}'s own directory")
        out.append(replace(d, data=data, notes=notes, titled=""))
    return out


def _bounded_calls(docs: Sequence[Document], routed: Sequence[RoutesDocument],
                   edges: Mapping[str, list[code_clients.Edge]]
                   ) -> dict[str, list[tuple[str, code_timeouts.LibraryTimeout, str]]]:
    """Per service, the calls a client library's default timeout bounds, and those a Go deadline bounds that no
    library default already does."""
    bounded = code_timeouts.links(docs, {d.service: d.traits.library_timeouts for d in routed},
                                  {s: [e.data for e in found] for s, found in edges.items()})
    for service, calls in code_go_deadlines.links(docs, {d.service: d.deadlines for d in routed}).items():
        known = {target for target, _lib, _section in bounded.get(service, [])}
        bounded.setdefault(service, []).extend(c for c in calls if c[0] not in known)
    for service, calls in _feign_url_calls(docs, {d.service: d.feign_urls for d in routed if d.feign_urls}).items():
        known = {target for target, _lib, _section in bounded.get(service, [])}
        bounded.setdefault(service, []).extend(c for c in calls if c[0] not in known)
    return bounded


def _feign_url_calls(docs: Sequence[Document], urls: Mapping[str, Sequence[code_clients.FeignUrl]]
                     ) -> dict[str, list[tuple[str, code_timeouts.LibraryTimeout, str]]]:
    """Per service, the calls with no stated timeout that its Spring configuration draws only from the properties its
    Feign clients take their ``url`` from (``rates.url`` for ``@FeignClient(url = "${rates.url}")``): the Feign client
    makes them, with OpenFeign's default read timeout (``code_clients.FEIGN_READ_TIMEOUT_MS``). A service whose Spring
    configuration states Feign settings of its own is left out: which client they apply to is not followed here."""
    if not urls:
        return {}
    stated = {s for d in docs for s, fields in (getattr(d, "feign", None) or {}).items() if fields}
    section = {str(s.get("name")): kind for d in docs if isinstance(d.data, dict)
               for kind in ("datastores", "externals") for s in d.data.get(kind) or [] if isinstance(s, dict)}
    out: dict[str, list[tuple[str, code_timeouts.LibraryTimeout, str]]] = {}
    for d in docs:
        drawn_from = getattr(d, "drawn_from", None) or {}
        if isinstance(d, RoutesDocument) or not drawn_from or not isinstance(d.data, dict):
            continue
        for i in d.data.get("interactions") or []:
            if not isinstance(i, dict) or i.get("timeout_ms") is not None or i.get("style") == "async":
                continue
            source, target = str(i.get("from")), str(i.get("to"))
            mine = {_flat_name(u.prop): u for u in urls.get(source, ())}
            keys = drawn_from.get(f"{source}->{target}", ())
            if source in stated or not keys or not all(_flat_name(k) in mine for k in keys):
                continue
            client = mine[_flat_name(keys[0])]
            lib = code_timeouts.LibraryTimeout(
                client.at, f"the Feign client {client.how} ({client.at.file}:{client.at.line}), OpenFeign's "
                           "Request.Options", "http", code_clients.FEIGN_READ_TIMEOUT_MS)
            out.setdefault(source, []).append((target, lib, section.get(target, "services")))
    return out


def _flat_name(name: str) -> str:
    """A property name as Spring's relaxed binding compares them (``rates.url``, ``RATES_URL``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _stated_keys(docs: Sequence[Document], yielding: Mapping[str, str]
                 ) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The endpoint keys the documents other than code state, as ``build``'s ``taken`` (each to ``""``: no route of
    code takes it, but those ``yielding``), and the (key, service) pairs an API description states."""
    taken: dict[str, str] = {}  # endpoint key -> the server a code route was placed on ("": a document states it)
    described: set[tuple[str, str]] = set()
    for d in docs:
        if not isinstance(d, RoutesDocument) and isinstance(d.data, dict):
            unnamed = [ep for ep in d.data.get("endpoints") or [] if isinstance(ep, dict) and not ep.get("name")]
            taken.update((key, "") for ep in unnamed for key in [f"{ep.get('method')} {ep.get('path')}"]
                         if key not in yielding)
            described.update((f"{ep.get('method')} {ep.get('path')}", str(ep.get("served_by"))) for ep in unnamed
                             if isinstance(ep.get("path"), str))
    return taken, described


def _retried_calls(docs: Sequence[Document], routed: Sequence[RoutesDocument],
                   edges: Mapping[str, list[code_clients.Edge]]) -> dict[str, list[code_breakers.Retried]]:
    """Per service, the drawn calls (the deployment's and those its code names) its code retries."""
    return code_breakers.retried(docs, {d.service: d.traits.callers for d in routed if d.traits.callers},
                                 {d.service: d.retry_settings for d in routed},
                                 {d.service: d.names_idempotency_key for d in routed},
                                 {s: [{**e.data, "to": e.target} for e in found] for s, found in edges.items()})


def _own_calls(routed: Sequence[RoutesDocument], docs: Sequence[Document]
               ) -> dict[str, tuple[code_calls.Call, ...]]:
    """Per service, the calls of its code, less those to a URL the code writes out (``Ref.literal``) or gives as the
    default of a variable the deployment does not set (every process handed the package would have it) that it
    does not make: in a module of request handlers whose routes another service serves and it does not (the module's
    calls are made for its routes, by the process serving them: the same package read for a worker or a scheduler,
    whose copy runs no request), or in a module it loads only through such modules (``code_calls.reached``: the OAuth
    client only the sign-in views import). (A call whose URL a variable the deployment sets gives stays: the
    deployment says which process is given it.) Nor does it make those of the scripts it does not run
    (``code_calls.unrun_scripts``: a management command its command does not name, a script its image's build runs),
    or of an RQ job whose queues the deployment gives other workers to consume (``code_calls.consumed_queues``: a web
    process only enqueues it)."""
    files = {d.service: {r.at.file for r in d.routes} | {r.handler.file for r in d.routes if r.handler is not None}
             for d in routed}
    served = {f for own in files.values() for f in own}
    programs: dict[str, tuple[str, tuple[str, ...]]] = {k: v for d in docs for k, v in getattr(
        d, "programs", {}).items()}
    env = code_calls.environments(docs)
    consumers = {d.service: code_calls.consumed_queues(programs.get(d.service, ("", ()))[0], env.get(d.service, {}))
                 for d in routed}
    listed = {q for qs in consumers.values() if qs for q in qs}
    out: dict[str, tuple[code_calls.Call, ...]] = {}
    for d in routed:
        command, builds = programs.get(d.service, ("", ()))
        unrun = code_calls.unrun_scripts(d.modules, command, builds) if d.modules else frozenset()
        left = frozenset(served - files[d.service]) | unrun
        loaded = code_calls.reached(d.modules, left) if d.modules else frozenset()
        jobs = code_calls.rq_jobs(d.modules.calls, left) if d.modules and d.modules.calls and listed else {}
        own = consumers[d.service]
        # a process no queue list is given runs a job only as a worker whose queues are not said (or unknown command)
        worker = own is not None or not command or "worker" in command

        def made(c: code_calls.Call, modules: code_calls.Modules | None, left: frozenset[str], loaded: frozenset[str],
                 jobs: Mapping[str, tuple[tuple[int, int, frozenset[str]], ...]], own: frozenset[str] | None,
                 worker: bool, given: Mapping[str, object]) -> bool:
            if not (c.url.literal or (c.url.default and c.url.var not in given)):
                return True  # the deployment gives the process the call's URL: it says which process calls
            if c.at.file in left or (modules is not None and c.at.file in modules.imports and c.at.file not in loaded):
                return False
            queues = code_calls.job_queues(jobs, c.at)
            if queues is None or not queues <= listed:
                return True  # not only a job's, or a queue no worker is said to consume: which process runs it unknown
            return bool(queues & own) if own is not None else worker

        given = env.get(d.service, {})
        out[d.service] = tuple(c for c in d.calls if made(c, d.modules, left, loaded, jobs, own, worker, given))
    return out


def _sqlite_stores(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``sqlite_store`` on each service whose code keeps its data in a SQLite file (``code_sqlite``) and
    that a deployment runs without connecting it to any relational database: that file is its datastore, named
    ``sqlite`` (``<service>-sqlite`` when several services keep one), on the volume the deployment gives the service
    (its ``stateful``) or on none, backed up only if something in the deployment names a backup tool."""
    coded = {d.service for d in docs if isinstance(d, RoutesDocument) and d.traits.sqlite is not None}
    deployments = [d for d in docs if isinstance(d, ArtifactDocument) and not isinstance(d, RoutesDocument)
                   and d.backups is not None and isinstance(d.data, dict)]
    if not coded or not deployments:
        return list(docs)  # no deployment: whether a database server is used instead is not known
    relational = {str(s.get("name")) for dep in deployments for s in dep.data.get("datastores") or []
                  if isinstance(s, dict) and s.get("kind") == "relational"}
    drawn = code_calls.deployment(docs)
    services: dict[str, tuple[ArtifactDocument, int, dict[str, Any]]] = {}
    for dep in deployments:
        for i, svc in enumerate(dep.data.get("services") or []):
            if isinstance(svc, dict) and svc.get("name") in coded:
                services.setdefault(str(svc["name"]), (dep, i, svc))
    kept = sorted(s for s in coded if s in services and not any(str(i.get("to")) in relational
                                                                 for i, _e in drawn.get(s, [])))
    backups = next((b for dep in deployments for b in dep.backups or ()), None)
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument) and d.service in kept and d.traits.sqlite is not None:
            where, i, svc = services[d.service]
            volume = (True, f"the deployment keeps {d.service}'s data on a volume", where.locate(("services", i,
                                                                                                  "stateful"))) \
                if svc.get("stateful") is True else \
                (False, f"no volume of the deployment keeps {d.service}'s files", where.locate(("services", i)))
            name = "sqlite" if len(kept) == 1 else safe_name(f"{d.service}-sqlite")
            d = replace(d, traits=replace(d.traits, sqlite_store=code_sqlite.SQLiteStore(  # noqa: PLW2901
                name, d.traits.sqlite, volume, backups)))
        out.append(d)
    return out


def compose(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each service's routes placed behind the gateway routes and entry points of the others."""
    docs = _sqlite_stores(docs)
    docs = _unread_file_properties(_unread_variables(_worker_processes(_django_processes(_stored_urls(docs)))))
    docs = _read_accesses(_unserved_retries(_refused_credentials(_unread_credentials(_start_order_only(
        _unproxied_links(_by_image(_unread_settings(docs))))))))
    docs = _only_copies(_cache_roles(_unverified_certificates(_workload_externals(_seeded_stores(docs)))))
    docs = _shared_datasource_logins(_detached_calls(_authority_fetches(docs)))
    docs = _fronted_client_ip(_specs_of_their_service(docs))
    docs = _unlistened_ports(_forwarded_paid(_gateway_writes(_written_safe_methods(docs))))
    coded = [d for d in docs if isinstance(d, RoutesDocument)]
    docs = code_flags.unread(docs, {d.service: d.names for d in coded},
                             {d.service: d.traits.flags for d in coded if d.traits.flags})
    fronts = fronts_of(docs)
    contexts = {k: v for d in docs for k, v in getattr(d, "context_paths", {}).items()}
    yielding = _unplaced_gateway_routes(docs)
    taken, described = _stated_keys(docs, yielding)
    docs = _settled_names(docs, env := environments(docs), unseen := unseen_environments(docs))
    routed = [d for d in docs if isinstance(d, RoutesDocument)]
    links, priced = code_calls.links(docs, _own_calls(routed, docs)), _priced_posts(routed)
    edges = _read_only_edges(code_clients.links(docs, {d.service: d.clients for d in routed},
                                                {d.service: d.registered for d in routed}), routed, docs)
    stores = {str(s.get("name")) for d in docs if not isinstance(d, RoutesDocument) and isinstance(d.data, dict)
              for s in d.data.get("datastores") or [] if isinstance(s, dict)}
    flag_calls = code_flags.links(docs, {d.service: d.traits.flags for d in routed if d.traits.flags}, env)
    workers = _message_workers(docs, edges)
    docs = _health_ports(docs, workers)
    bounded = _bounded_calls(docs, routed, edges)
    guarded = code_breakers.links(docs, {d.service: d.traits.callers for d in routed if d.traits.callers})
    retried = _retried_calls(docs, routed, edges)
    fed = code_discovery.links(docs, {d.service: d.traits.discovery for d in routed if d.traits.discovery})
    targets = code_calls.targets(docs, {d.service: d.calls for d in routed})
    drawn = code_calls.deployment(docs)
    engines = {str(s.get("name")): str(s.get("engine") or "") for d in docs if isinstance(d.data, dict)
               for s in d.data.get("datastores") or [] if isinstance(s, dict)}
    called = _called(docs, edges)
    confirm, decide = (code_workflows.confirmer({d.service: [(r.method, join(contexts.get(d.service, ""), r.path),
                                                              getattr(r, does)) for r in d.routes] for d in routed},
                                                does) for does in ("writes", "decides"))
    found = code_workflows.distinct({d.service: code_workflows.flows(
        d.service, d.handlers, targets.get(d.service, {}), sorted(called.get(d.service, ())), d.coordinated,
        drawn.get(d.service, []), confirm) for d in routed if d.service in targets or d.service in called})
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument):
            flows, own = found.get(d.service, []), env.get(d.service, {})
            callees, caller_drawn = sorted(called.get(d.service, ())), drawn.get(d.service, [])
            resolved, deployed, hidden = (targets.get(d.service, {}), own if d.service in env else None,
                                          unseen.get(d.service, frozenset()))
            checks = _code_checks(d, (caller_drawn, callees, resolved, engines), confirm, decide)
            traits = replace(d.traits, kafka=code_messages.with_topics(d.traits.kafka, own),
                             embedded=None if _DATASOURCE_URL in own else d.traits.embedded,
                             plain_listener=None if any(v.upper().startswith("SERVER_SSL") for v in own)
                             else d.traits.plain_listener,
                             kafka_consumers=code_messages.with_consumer_topics(d.traits.kafka_consumers, own),
                             channels=code_amqp.with_variables(d.traits.channels, own), query_worker=_query_worker(
                                 d, docs, deployed, hidden), debug_mode=_debug_mode(d.django_debug, deployed, hidden))
            rebuilt = build(d.service, _deployed_routes(d, deployed, hidden)[0],
                            d.service_at, fronts, taken, d.open_code, contexts.get(d.service, ""), d.secrets,
                            links.get(d.service, ()), traits, edges.get(d.service, ()), flag_calls.get(d.service, ()),
                            workers.get(d.service), bounded.get(d.service, ()), guarded=guarded.get(d.service, ()),
                            fed=fed.get(d.service, ()), retried=retried.get(d.service, ()),
                            flows=flows, checks=checks, stated=frozenset(r.service for r in routed),
                            swallowed=(code_swallowed.target(callees, engines), d.swallowed),
                            open_targets={r.service: r.open_code for r in routed if r.open_code},
                            described={_template(k): k for k, svc in sorted(described) if svc == d.service},
                            gateway_of=d.gateway_of, priced=priced)
            if d.service in stores and set(rebuilt.data) <= {"source", "services"}:
                # the folder builds the image of a datastore the deployment runs (a database with its own
                # Dockerfile): its code says nothing of a service, and a service of that name would clash
                kept = without_facts(rebuilt, "services", {d.service: f"{d.service} is a datastore of the "
                                                           "deployment: its folder is not imported as a service"})
                rebuilt = replace(rebuilt, data=kept.data, where=kept.where, notes=kept.notes, remarks=kept.remarks)
                rebuilt = store_image.with_store_facts(rebuilt, d.store_image)
            out.append(_carried(rebuilt, d, _deployed_routes(d, deployed, hidden)[1]))
        else:
            out.append(d)
    out = _beside_gateways(_yield_keys(_call_facts(_grpc_gateway_routes(_code_over_verbs(out))), yielding))
    return code_databases.split(out, {d.service: _databases(d, env.get(d.service, {})) for d in routed},
                                {k: v for d in routed for k, v in _reads(d, env.get(d.service, {})).items()})


def _fronted_client_ip(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the client address a service's code reads from a forwarding header where another document
    states how that service's address is taken (``client_ip_from_header``): a proxy the deployment runs in front of the
    service's code, in its own container (Caddy or nginx of an all-in-one image, a gateway step for the service). The
    code then reads what that proxy forwards, and the proxy's trust is the service's: one that trusts no peer's header
    puts the peer's own address there."""
    stated = {str(s["name"]) for d in docs if not isinstance(d, RoutesDocument) and isinstance(d.data, dict)
              for s in d.data.get("services") or [] if isinstance(s, dict) and "client_ip_from_header" in s}
    return [replace(d, traits=replace(d.traits, client_ip=None))
            if isinstance(d, RoutesDocument) and d.service in stated and d.traits.client_ip is not None else d
            for d in docs]


def _query_worker(d: RoutesDocument, docs: Sequence[Document], own: Mapping[str, tuple[str, Location]] | None,
                  unseen: frozenset[str]) -> code_query_limits.QueryWorker | None:
    """The service as a worker running its users' queries with the time limit its settings give as deployed
    (``code_query_limits``), when its deployment runs it consuming a queue of queries (not known without one)."""
    if not d.traits.query_limits or own is None:
        return None
    command = next((v[0] for x in docs for k, v in getattr(x, "programs", {}).items() if k == d.service), "")
    return code_query_limits.worker(d.traits.query_limits, code_calls.consumed_queues(command, own), own, unseen)


def _priced_posts(routed: Sequence[RoutesDocument]) -> dict[tuple[str, str], str]:
    """The same-origin requests with prices the client sets that the browser code of any service sends, by method and
    path; where two services' code sends one, the first service by name says where."""
    return {k: v for d in sorted(routed, key=lambda d: d.service, reverse=True) for k, v in d.priced_posts.items()}


def _django_processes(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the Django routes of a service the deployment runs as no web server: a queue worker or
    scheduler (``kind: worker``), or one that nothing in the deployment sends a request to (no entry point of a port it
    publishes, no gateway route, no call; a migrator, a beat process running the same image with another command).
    The same code handed over for each process of one application would otherwise put the web process's routes on
    every one. Without a deployment (no other document names the service) the routes stay."""
    named: dict[str, str] = {}
    reached: set[str] = set()
    for d in docs:
        if isinstance(d, RoutesDocument) or not isinstance(d.data, dict):
            continue
        for svc in d.data.get("services") or []:
            if isinstance(svc, dict) and svc.get("name"):
                kind = str(svc.get("kind") or "")
                named[str(svc["name"])] = kind if kind == "worker" else named.get(str(svc["name"]), "")
        for ep in d.data.get("endpoints") or []:
            if isinstance(ep, dict):
                reached.update(str(x) for x in [ep.get("served_by"), *(ep.get("routes_to") or [])])
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict) and i.get("style") != "async":
                reached.add(str(i.get("to")))
    out: list[Document] = []
    for d in docs:
        django = [r for r in d.routes if r.framework == "Django URL pattern"] if isinstance(d, RoutesDocument) else []
        if not isinstance(d, RoutesDocument) or not django or d.service not in named or \
                (d.service in reached and named[d.service] != "worker"):
            out.append(d)
            continue
        why = ("the deployment runs it as a queue worker (kind worker)" if named[d.service] == "worker" else
               "nothing in the deployment sends it a request (no published port, gateway route or call)")
        kept = tuple(r for r in d.routes if r.framework != "Django URL pattern")
        traits, said = _without_request_code(d, django)
        rebuilt = build(d.service, kept, d.service_at, {}, open_code=d.open_code, secrets=d.secrets, traits=traits,
                        gateway_of=d.gateway_of)
        out.append(replace(d, data=rebuilt.data, where=rebuilt.where, notes=rebuilt.notes, routes=kept, traits=traits,
                           remarks=sorted({*d.remarks, *said,
                                                        (d.service_at, f"its {len(django)} Django routes not drawn on "
                                                                       f"{d.service}: {why}")})))
    return out


def _without_request_code(d: RoutesDocument, dropped: Sequence[Route]) -> tuple[Traits, list[tuple[Location, str]]]:
    """``d``'s traits without those of its code in the modules that define the handlers of ``dropped`` (routes its
    service does not serve: a worker's, a migrator's copy of the web process's code), and what was left out, said:
    the AI provider clients and log statements of a view module run while a request is served, by the process serving
    it, not by one running the same code's jobs; so are the API keys it looks callers up by, wherever the lookup is
    (the process serving the requests checks the keys they carry). (Its HTTP calls stay: the deployment draws a call
    from the variables it gives the process, and a call's timeout read from the code is better than none.)"""
    files = {r.handler.file for r in dropped if r.handler is not None}
    said: list[tuple[Location, str]] = []
    if d.traits.plain_tokens is not None:
        said.append((d.traits.plain_tokens.at, f"the API keys looked up there not {d.service}'s to check: it serves "
                                               "none of the requests that carry them"))
    if not files:
        return replace(d.traits, plain_tokens=None), said

    def keep(at: Location, what: str) -> bool:
        if at.file not in files:
            return True
        said.append((at, f"{what} not {d.service}'s: it is in request code (the module of views whose routes "
                         f"{d.service} does not serve)"))
        return False
    traits = replace(d.traits, plain_tokens=None,
                     ai_clients=tuple(c for c in d.traits.ai_clients if keep(c.at, f"the {c.constructor} client")),
                     logs_sensitive=tuple(x for x in d.traits.logs_sensitive if keep(x.at, "the log statement")))
    return traits, said


def _read_connections(found: Sequence[code_dotnet_settings.ConnectionString], cs: Sequence[tuple[str, str]]
                      ) -> tuple[code_dotnet_settings.ConnectionString, ...]:
    """``found`` with ``reads_only`` on those the service's C# code only reads through."""
    reads = code_databases.read_only_connections(cs) if found else {}
    return tuple(replace(c, reads_only=reads.get(c.name)) for c in found)


def _reads(d: RoutesDocument, env: Mapping[str, tuple[str, Location]]) -> dict[tuple[str, str], str]:
    """(service, database) -> why, for each database ``d``'s service opens with a connection string it only reads
    through (named as ``_databases`` names it), unless a deployment variable replaces that string."""
    replaced = {variable.replace("__", ":").lower() for variable in env}
    return {(d.service, safe_name(c.database.lower())): c.reads_only for c in d.connections
            if c.database and c.reads_only and f"connectionstrings:{c.name.lower()}" not in replaced}


def _databases(d: RoutesDocument, env: Mapping[str, tuple[str, Location]]) -> list[tuple[str, str, Location]]:
    """The (server, database, where) each database ``d`` names: its JDBC datasource's, and those of the connection
    strings of its .NET settings as the deployment's variables leave them (a variable whose name, ``__`` read as
    ``:``, is a settings key holding a connection string, ``ConnectionStrings__Orders`` or ``ConnectionString``,
    replaces the entry of that key, or sets it)."""
    found: list[tuple[str, str, Location]] = []
    if d.datasource is not None and d.datasource.database:
        found.append((safe_name(d.datasource.host), safe_name(d.datasource.database), d.datasource.at))
    keyed: dict[str, tuple[str, str, Location] | None] = {
        f"connectionstrings:{c.name.lower()}": (c.host, c.database, c.at) for c in d.connections if c.database}
    for variable, (value, at) in sorted(env.items()):
        key = variable.replace("__", ":").lower()
        if "connectionstring" in key:
            named = code_dotnet_settings.database_of(value)
            keyed[key] = (*named, at) if named else None
    found += [(safe_name(host.lower()), safe_name(db.lower()), at) for v in keyed.values() if v for host, db, at in [v]]
    return found


def _code_over_verbs(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the ``mutating: false`` an API description gives an endpoint for its safe method alone (``GET``)
    where the code's handler of that endpoint is seen writing: what the handler does outweighs what the method
    promises (and the endpoint then changes state on a ``GET``)."""
    writing = {identity("endpoint", ep): ep for d in docs if isinstance(d, RoutesDocument) and isinstance(d.data, dict)
               for ep in d.data.get("endpoints") or [] if isinstance(ep, dict) and ep.get("mutating") is True}
    if not writing:
        return list(docs)
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or isinstance(d, RoutesDocument) or d.format != "openapi" \
                or not isinstance(d.data, dict):
            out.append(d)
            continue
        edited: ArtifactDocument = d
        for ep in d.data.get("endpoints") or []:
            key = identity("endpoint", ep) if isinstance(ep, dict) else None
            if key in writing and ep.get("mutating") is False:
                edited = without_field(edited, "endpoints", key, "mutating",
                                       f"mutating not taken from the method {ep.get('method')}: the code's handler of "
                                       f"{key} writes")
        out.append(edited)
    return out


def _carried(rebuilt: RoutesDocument, d: RoutesDocument, remarks: Sequence[tuple[Location, str]] = ()
             ) -> RoutesDocument:
    """``rebuilt`` (a service's document placed behind its fronts) with what the first reading of its code found,
    which later passes over every document read again, and ``remarks``."""
    return replace(rebuilt, remarks=sorted({*rebuilt.remarks, *d.remarks, *remarks}), calls=d.calls, modules=d.modules,
                   names=d.names,
                   spoken=d.spoken, clients=d.clients, registered=d.registered, feign_urls=d.feign_urls,
                   client_groups=d.client_groups, refused=d.refused,
                   reads_only=d.reads_only, stored_settings=d.stored_settings,
                   seeds_only=d.seeds_only,
                   read=d.read, handlers=d.handlers, coordinated=d.coordinated, checks=d.checks, guarded=d.guarded,
                   authorities=d.authorities, swallowed=d.swallowed, names_idempotency_key=d.names_idempotency_key,
                   idempotency_if=d.idempotency_if,
                   priced_posts=d.priced_posts, health_only=d.health_only, gateway_of=d.gateway_of, notifies=d.notifies,
                   detached=d.detached, store_image=d.store_image, properties=d.properties,
                   deadlines=d.deadlines, dropped=d.dropped, per_item=d.per_item, datasource=d.datasource,
                   retry_settings=d.retry_settings,
                   connections=d.connections, tls_skips=d.tls_skips, distributed_cache=d.distributed_cache,
                   redis_store=d.redis_store, code_paths=d.code_paths, django_debug=d.django_debug,
                   path_names=d.path_names, django_session=d.django_session, telemetry=d.telemetry)


def _service_names(docs: Sequence[Document]) -> list[str]:
    """The names of the services every document states, sorted."""
    return sorted({str(s.get("name")) for d in docs if isinstance(d.data, dict)
                   for s in d.data.get("services") or [] if isinstance(s, dict) and s.get("name")})


def _grpc_call_facts(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with what a service's Go code shows of its calls of a gRPC service, on its call to the workload named
    after that service (``code_grpc_gateway.implementer``): ``purpose: notify`` where it only notifies it
    (``code_notify``), ``deadline_propagation: false`` where it calls it with a fresh context in place of the
    request's (``code_go_deadlines.dropped``), ``per_item: true`` where it calls it once per element of a collection
    (``code_go_per_item``)."""
    services = _service_names(docs)
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument):
            edited: ArtifactDocument = d
            said: list[tuple[str, str, str | bool, Location, str]] = [(n.grpc_service, "purpose", "notify", n.at,
                     f"purpose notify: every call of its {n.grpc_service} client is a method named for telling "
                     f"({n.call}, {n.at}) whose answer the code throws away") for n in d.notifies]
            said += [(g.client, "deadline_propagation", False, g.at,
                      f"deadline_propagation false: it calls its {g.client} client with a fresh context where it was "
                      f"handed the request's ({g.call}, {g.at}): the caller's deadline and cancellation stop there")
                     for g in d.dropped]
            said += [(p.client, "per_item", True, p.at,
                      f"per_item: it calls its {p.client} client once per element of a collection ({p.call}, {p.at})")
                     for p in d.per_item]
            for grpc_service, key, value, at, note in said:
                target = code_grpc_gateway.implementer(grpc_service, [s for s in services if s != d.service])
                if target is None:
                    continue
                call = {"from": d.service, "to": target}
                edited = with_field(with_fact(edited, "interactions", call, at), "interactions",
                                    identity("interaction", call), key, value, at, note)
            out.append(edited)
        else:
            out.append(d)
    return out


def _call_facts(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with what the services' code shows of their calls to one another once every service is read: the gRPC
    facts of ``_grpc_call_facts``, and ``per_item`` (``_per_item_calls``)."""
    return _per_item_calls(_grpc_call_facts(docs))


def _per_item_calls(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``per_item: true`` on a service's call to another whose handler of the writing RPC it calls
    (``code_workflows.Write.method``) writes once per element of a collection (``code_workflows.Handler.per_item``:
    a home timeline written for each follower): the caller waits for work that grows with the data. The target is the
    service named like the client's pool (``code_workflows.stub_target``) whose code was read."""
    coded = {d.service: d for d in docs if isinstance(d, RoutesDocument)}
    fanned = {service: {h.name: h.per_item for h in d.handlers if h.per_item} for service, d in coded.items()}
    if not any(fanned.values()):
        return list(docs)
    services = _service_names(docs)
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, RoutesDocument):
            out.append(d)
            continue
        edited: ArtifactDocument = d
        done: set[str] = set()
        for h in d.handlers:
            for w in h.writes:
                target = code_workflows.stub_target(w.stub, [s for s in services if s != d.service]) \
                    if w.stub and w.method else None
                why = fanned.get(target or "", {}).get(w.method or "")
                if target is None or why is None or target in done:
                    continue
                done.add(target)
                call = {"from": d.service, "to": target}
                edited = with_field(with_fact(edited, "interactions", call, w.at), "interactions",
                                    identity("interaction", call), "per_item", True, w.at,
                                    f"per_item: {target}'s handler of {w.method} makes {why}; {d.service} waits "
                                    f"on it ({w.how})")
        out.append(edited)
    return out


def _grpc_gateway_routes(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each endpoint an API description gives a grpc-gateway (``code_grpc_gateway``) forwarded to the
    workload that implements the gRPC service its operationId names (``routes_to``)."""
    gateways = {d.service: d.gateway_of for d in docs if isinstance(d, RoutesDocument) and d.gateway_of}
    if not gateways:
        return list(docs)
    services = _service_names(docs)
    code_of = {d.service: d for d in docs if isinstance(d, RoutesDocument)}

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        if not doc.operations:
            return doc
        served = {f"{ep.get('method')} {ep.get('path')}": str(ep.get("served_by"))
                  for ep in data.get("endpoints") or [] if isinstance(ep, dict) and not ep.get("name")}
        d = doc
        for key, (target, reg) in sorted(code_grpc_gateway.routes(doc.operations, served, gateways,
                                                                   services).items()):
            # stated here too, so that this agent file loads alone: the gateway and its call to the service
            d = with_fact(d, "interactions", {"from": served[key], "to": target}, reg.at)
            d = with_field(d, "endpoints", key, "routes_to", [target], reg.at,
                           f"routes_to {target}: {served[key]} forwards it to the gRPC service "
                           f"{reg.service} ({doc.operations[key]}), which {target} implements by its name")
            creates = _grpc_creation(code_of.get(target), key, doc.operations[key])
            if creates is not None:
                d = with_field(d, "endpoints", key, "idempotency_key", False, creates[0],
                               f"idempotency_key false: {creates[1]}")
        return d
    return _edit_artifacts(docs, edit)


def _grpc_creation(target: RoutesDocument | None, key: str, operation: str) -> tuple[Location, str] | None:
    """Where and why an HTTP write a grpc-gateway forwards to ``target``'s gRPC method (``operation``:
    ``CounterService_PlaceOrder``) makes something new each time: the method is named for a creation
    (``code_go.CREATION_VERBS``), its code writes (``code_workflows`` follows it), and no code of ``target`` names an
    idempotency key. None otherwise."""
    method = operation.partition("_")[2]
    if target is None or target.names_idempotency_key or key.split(" ", 1)[0] not in ("POST", "PUT", "PATCH") or \
            not re.match(rf"(?:{'|'.join(code_go.CREATION_VERBS)})(?![a-z])", method):
        return None
    handler = next((h for h in target.handlers if h.name == method and h.at.file.endswith(".go")), None)
    wrote = next((w for w in handler.writes if not w.publish), None) if handler else None
    if handler is None or wrote is None:
        return None
    return handler.at, (f"it reaches {handler.what}, which creates ({wrote.how}), and no code of {target.service} "
                        "names an idempotency key")


def _written_safe_methods(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with an API description's ``mutating: false`` on a GET (said by its method alone) turned true where
    the service's own handler of that GET writes: what the code does over what the method suggests."""
    writes = {(d.service, r.method, r.path): r for d in docs if isinstance(d, RoutesDocument) for r in d.routes
              if r.writes and r.method in ("GET", "HEAD", "OPTIONS")}
    if not writes:
        return list(docs)

    def edit(doc: ArtifactDocument, data: dict[str, Any]) -> Document:
        items = data.get("endpoints")
        if not isinstance(items, list):
            return doc
        out, where = list(items), dict(doc.where)  # the route's own document says why (``mutating: its handler..``)
        for i, ep in enumerate(items):
            r = writes.get((str(ep.get("served_by")), str(ep.get("method")), str(ep.get("path")))) \
                if isinstance(ep, dict) and ep.get("mutating") is False else None
            if r is not None:
                out[i] = {**ep, "mutating": True}
                where[("endpoints", i, "mutating")] = r.at
        if out == items:
            return doc
        return replace(doc, data={**data, "endpoints": out}, where=where)
    return _edit_artifacts(docs, edit)


def _gateway_writes(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with the routes a gateway's own code declares (Spring Cloud Gateway's Java DSL) taking what the
    handler of the one other service serving the same method and path writes: the gateway passes the request on,
    so a repeat of it repeats that write."""
    served: dict[tuple[str, str], list[tuple[str, Route]]] = {}
    for d in docs:
        if isinstance(d, RoutesDocument):
            for r in d.routes:
                if not r.framework.startswith("Spring Cloud Gateway"):
                    served.setdefault((r.method, r.path), []).append((d.service, r))
    out: list[Document] = []
    for d in docs:
        if isinstance(d, RoutesDocument) and any(r.framework.startswith("Spring Cloud Gateway") for r in d.routes):
            routes = []
            for r in d.routes:
                behind = [(svc, b) for svc, b in served.get((r.method, r.path), []) if svc != d.service]
                if r.framework.startswith("Spring Cloud Gateway") and r.writes is None and len(behind) == 1 \
                        and behind[0][1].writes:
                    svc, b = behind[0]
                    why = f"{svc}, the one other service serving {r.method} {r.path}, behind it: "
                    routes.append(replace(r, writes=f"{b.writes}, in {svc} behind this route", no_idempotency_key=(
                        why + b.no_idempotency_key if b.no_idempotency_key and not b.key_if else None), behind=svc))
                elif r.framework.startswith("Spring Cloud Gateway") and len(behind) == 1:
                    routes.append(replace(r, behind=behind[0][0]))
                else:
                    routes.append(r)
            out.append(replace(d, routes=tuple(routes)))
        else:
            out.append(d)
    return out


def _forwarded_paid(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``paid`` on each route whose handler passes the request on (``Route.forwards``) to a route of
    the same method and path at a service it calls (an interaction of the deployment) whose handler runs a paid
    provider operation: each call of the first is one of the second."""
    if not any(isinstance(d, RoutesDocument) and any(r.forwards for r in d.routes) for d in docs):
        return list(docs)
    called = _called(docs, {})
    paid = {(d.service, r.method, r.path): r.paid for d in docs if isinstance(d, RoutesDocument) for r in d.routes
            if r.paid}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, RoutesDocument) or not any(r.forwards for r in d.routes):
            out.append(d)
            continue
        routes = []
        for r in d.routes:
            found = sorted((svc, said) for svc in called.get(d.service, ()) if r.forwards and not r.paid
                           for said in [paid.get((svc, r.method, r.forwards[0]))] if said)
            if len(found) == 1 and r.forwards is not None:
                svc, said = found[0]
                routes.append(replace(r, paid=f"through {svc}'s {r.method} {r.forwards[0]}, to which it passes the "
                                              f"request on ({r.forwards[1]}): {said}"))
            else:
                routes.append(r)
        out.append(replace(d, routes=tuple(routes)))
    return out


def _is_gateway(d: Document) -> bool:
    return str(getattr(d, "format", "")).startswith("gateway")


def _unplaced_gateway_routes(docs: Sequence[Document]) -> dict[str, str]:
    """Route key -> gateway, for each route of a gateway that no deployment artifact runs and whose target is unknown
    (a variable filled in where the gateway runs): the key stays free for a service's own route that a deployed front
    (an Ingress path) publishes, which knows what serves it."""
    deployed = {str(s.get("name")) for d in docs if not _is_gateway(d) and getattr(d, "format", "") not in (
                "spring", FORMAT) and isinstance(d.data, dict) for s in d.data.get("services") or []
                if isinstance(s, dict) and any(k in s for k in ("exposure", "replicas", "image"))}
    out: dict[str, str] = {}
    for d in docs:
        if not _is_gateway(d) or not isinstance(d.data, dict):
            continue
        for ep in d.data.get("endpoints") or []:
            if isinstance(ep, dict) and not ep.get("name") and not ep.get("routes_to") and \
                    str(ep.get("served_by")) not in deployed:
                out[f"{ep.get('method')} {ep.get('path')}"] = str(ep.get("served_by"))
    return out


def _yield_keys(docs: list[Document], yielding: Mapping[str, str]) -> list[Document]:
    """``docs`` with each unplaced gateway route (``_unplaced_gateway_routes``) whose key a service's route took named
    after its gateway instead (``api-gateway-GET-/orders``), so that the two stay apart."""
    used = {identity("endpoint", ep) for d in docs if isinstance(d, RoutesDocument) and isinstance(d.data, dict)
            for ep in d.data.get("endpoints") or [] if isinstance(ep, dict)}
    clash = {k: g for k, g in yielding.items() if k in used}
    if not clash:
        return docs
    return [renamed(d, "endpoints", {k: safe_name(f"{g}-{k.replace(' ', '-', 1)}") for k, g in clash.items()},
                    "the service's own route, which a deployed front publishes, keeps the plain key: this gateway "
                    "runs nowhere in the artifacts and its target is unknown")
            if isinstance(d, ArtifactDocument) and _is_gateway(d) else d for d in docs]


def detect_path(path: str) -> bool:
    """Whether a file is source code this importer reads."""
    return os.path.isfile(path) and path.endswith(CODE_SUFFIXES[:-1])


def has_code(path: str) -> bool:
    """Whether a directory holds source code this importer reads."""
    return next(code_files(path), None) is not None


__all__ = ["FORMAT", "Route", "RoutesDocument", "compose", "detect_path", "fronts_of", "has_code", "import_file",
           "import_paths", "normalise"]


def _called(docs: Sequence[Document], edges: Mapping[str, Sequence[code_clients.Edge]]) -> dict[str, set[str]]:
    """Per service, what it calls: the interactions of every document but source code's, and the client edges."""
    called: dict[str, set[str]] = {}
    for d in docs:
        if isinstance(d.data, dict) and getattr(d, "format", "") != "source":
            for i in d.data.get("interactions") or []:
                if isinstance(i, dict):
                    called.setdefault(str(i.get("from")), set()).add(str(i.get("to")))
    for service, found in edges.items():
        called.setdefault(service, set()).update(e.target for e in found)
    return called
