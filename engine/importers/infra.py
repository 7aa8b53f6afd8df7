"""Shared by the compose and Kubernetes importers: what a container is, and who it talks to.

A container is recognised as a datastore or a message broker by its image (``postgres``,
``mongo``, ``redis``, ``rabbitmq``, ``bitnami/kafka``...), by server-only environment variables
(``MYSQL_ROOT_PASSWORD``), by a data directory it mounts (``/var/lib/postgresql/data``), and at
last by a name ending in ``-db``. Edges between workloads are *inferred* from environment
variables and commands that name another workload's host; each carries its evidence
(``inferred_from``), never a value (values may hold credentials).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from engine.errors import ArchplanError, Location
from engine.importers.base import Body, host_exposure, safe_name
from engine.model.kinds import identity
from engine.source import DEFAULT_LIMITS, Document, Limits, parse_all, read_text


@dataclass(frozen=True)
class Recognised:
    """What a container is: a datastore, broker, proxy, observability or load generator; its engine,
    datastore kind and the protocol its clients speak."""

    role: str  # one of ROLES
    engine: str
    kind: str | None
    protocol: str | None
    why: str = ""
    """What it was recognised by (``image redis``, ``name ends in -db``), for the import's notes."""


ROLES = ("datastore", "broker", "proxy", "registry", "config_server", "observability", "load_generator", "host_tool",
         "cdc", "coordinator")
NOT_REVIEWED = {"observability": "metrics, tracing or logging infrastructure",
                "load_generator": "a load generator or test client",
                "host_tool": "a convenience for the host machine that no service of the system calls"}
"""Roles whose workloads are not part of the system under review: said in a warning, left out of the design."""
OPERATOR_TOOL = "{name} is an operator tool by its name (a monitoring dashboard or metrics stream)"
"""Why a workload named in the catalogue's ``console_names`` has an ``admin`` entry."""


@dataclass(frozen=True)
class Console:
    """A web console an infrastructure image serves (``consoles`` in the catalogue)."""

    port: int
    authentication: str  # "none" | "unknown"
    what: str


_QUEUE_WORKER = re.compile(
    r"\bcelery\b(?:(?!\bflower\b)[^;&|])*?(?<![-\w.=:])(?P<celery>worker|beat)\b|\brq\s+worker\b|\bsidekiq\b(?!-?web)|"
    r"\bartisan\s+queue:(?:work|listen)\b|\bdramatiq\s+\S|\bhuey_consumer\b|\bbundle\s+exec\s+rake\s+jobs:work\b")
"""A command that runs a task queue's consumer or its scheduler rather than a server: Celery's ``worker`` and ``beat``
(not its Flower console, nor a worker's ``--beat`` switch), RQ, Sidekiq, Laravel's ``queue:work``, Dramatiq, Huey,
Delayed Job."""

_CELERY_EMBEDDED_BEAT = re.compile(r"(?:^|\s)(?P<flag>--beat|-[ED]*B[ED]*)(?=\s|$)")
"""Celery worker's ``-B``/``--beat`` (alone or among the worker's other one-letter switches, ``-EB``): the worker runs
Celery beat, the periodic-task scheduler, inside itself."""


def record_task_runner(body: Body, name: str, key: str, text: str, at: Location) -> bool:
    """Whether ``text``, the ``key`` (``command``, ``args``...) of service ``name``, runs a task queue's worker or
    scheduler: then the service is a worker (``kind: worker``: it serves no request, whatever it publishes). A Celery
    worker started with beat inside it (``-B``) also runs a job on every replica, ``<name>-celery-beat``: each
    container schedules every periodic task of the app (Celery's documentation keeps ``-B`` to deployments that
    never run more than one worker); its schedule, the app's beat schedule, is not read here."""
    m = _QUEUE_WORKER.search(text)
    if m is None:
        return False
    body.set("services", name, "kind", "worker", at)
    body.note("services", name, f"kind worker: its {key} runs a task queue's "
                                f"{'scheduler' if m.group('celery') == 'beat' else 'consumer'} "
                                f"({' '.join(m.group(0).split())}), not a server")
    beat = _CELERY_EMBEDDED_BEAT.search(re.split(r"[;&|]", text[m.end():], maxsplit=1)[0]) \
        if m.group("celery") == "worker" else None
    if beat is not None:
        job = safe_name(f"{name}-celery-beat")
        body.fact("jobs", {"name": job, "service": name}, at)
        body.set("jobs", job, "runs_on", "all_replicas", at)
        body.note("jobs", job, f"runs_on all_replicas: {name}'s Celery worker runs beat, the periodic-task "
                               f"scheduler, inside itself ({beat.group('flag')}): each container of {name} schedules "
                               "every periodic task of the app")
    return True


_ONE_SHOT = re.compile(
    r"\bprisma\s+(?:migrate\s+(?:deploy|reset|dev)|db\s+(?:push|seed))\b|\balembic\s+(?:-\S+\s+\S+\s+)*upgrade\b|"
    r"\b(?:manage\.py|django-admin)\s+(?:migrate|collectstatic|createsuperuser|loaddata)\b|\bflask\s+db\s+upgrade\b|"
    r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:db:)?(?:migrat\w*|seed)(?::[\w-]+)?(?=\s|$)|\bknex\s+migrate:latest\b|"
    r"\bsequelize(?:-cli)?\s+db:migrate\b|\btypeorm(?:-ts-node-\w+)?\s+migration:run\b|"
    r"\b(?:rails|rake)\s+db:(?:migrate|setup|prepare|seed)\b|\bflyway\b.*\bmigrate\b|\bliquibase\b.*\bupdate\b|"
    r"\bgoose\b.*\bup\b|\bdotnet\s+ef\s+database\s+update\b|\bdiesel\s+migration\s+run\b|"
    r"\bsqlx\s+migrate\s+run\b|\bmigrate\s+(?:-\S+\s+\S+\s+)*up\b")
"""A schema migration or a setup step that runs and exits: Prisma's ``migrate deploy``, Alembic's ``upgrade``,
Django's ``manage.py migrate`` (and its other set-up commands), Flask-Migrate, a package script named ``migrate`` or
``seed``, Knex, Sequelize, TypeORM, Rails, Flyway, Liquibase, goose, EF Core, Diesel, SQLx, golang-migrate."""
_STEPS = re.compile(r"&&|\|\||;|\n")


def record_one_shot(body: Body, name: str, key: str, text: str, at: Location) -> bool:
    """Whether ``text``, the ``key`` (``command``, ``entrypoint``...) of service ``name``, ends in a schema migration
    or a set-up step (``_ONE_SHOT``): its last step runs and exits, so the container is a one-shot job run before the
    others start (``kind: batch``), not a server, whatever it publishes (a command that migrates and then starts a
    server, ``migrate && serve``, is the server)."""
    steps = [s.strip(" \t'\"") for s in _STEPS.split(text)]
    last = next((s for s in reversed(steps) if s), "")
    m = _ONE_SHOT.search(last)
    if m is None:
        return False
    body.set("services", name, "kind", "batch", at)
    body.note("services", name, f"kind batch: its {key} runs {' '.join(m.group(0).split())} and exits, a one-shot job "
                                "(a migration or set-up step), not a server")
    return True


def record_operator_tool(body: Body, name: str, image: str | None, at: Location) -> None:
    """``operator_tool: true`` on a service whose image the catalogue knows as an operator or developer tool
    (``operator_tools``: a database console, a mail catcher, an API documentation page) or whose name says it is one
    (``console_names``: a Hystrix dashboard, Spring Boot Admin); nothing otherwise. ``at``: where the image or the
    workload is named."""
    cat = catalog()
    tool = cat.operator_tool(image)
    if tool is not None:
        why = f"its image {image_path(str(image))} is {tool}"
    elif cat.console_names.fullmatch(name):
        why = OPERATOR_TOOL.format(name=name)
    else:
        return
    operator_tool(body, name, at, why)


def operator_tool(body: Body, name: str, at: Location, why: str) -> None:
    """State that the service is an operator's or developer's tool, for ``why``: no user's request is served by it."""
    body.set("services", name, "operator_tool", True, at)
    body.note("services", name, f"operator_tool true: {why}; it serves no user's request")


def record_console(body: Body, name: str, console: Console, exposure: str, at: Location, declared: Location) -> None:
    """An observability workload, otherwise not reviewed, whose web console is published with ``exposure`` (at
    ``at``; the workload is declared at ``declared``): a best-effort service holding the console's endpoint."""
    body.fact("services", {"name": name}, declared)
    body.set("services", name, "kind", "frontend", at)
    body.set("services", name, "criticality", "best_effort", declared)
    body.set("services", name, "exposure", exposure, at)
    body.note("services", name, f"observability infrastructure: imported only for its published console, "
                                f"{console.what}")
    operator_tool(body, name, declared, f"observability infrastructure imported for its console, {console.what}")
    console_ui(body, name, console, exposure, at)
    body.remark(at, f"{name} is observability infrastructure, not reviewed, except its console published on "
                    f"port {console.port}: {console.what}")


def console_ui(body: Body, name: str, console: Console, exposure: str, loc: Location) -> None:
    """The console's own endpoint, ``<service>-ui``: an administrative surface published with ``exposure``."""
    ui = safe_name(f"{name}-ui")
    data: dict[str, Any] = {"name": ui, "method": "GET", "path": "/", "served_by": name, "exposure": exposure,
                            "admin": True}
    if console.authentication == "none":
        data["authn"] = "none"
    body.fact("endpoints", data, loc)
    body.note("endpoints", ui, f"admin true: {console.what}" + (
        "; authn none: the image serves it to anyone who reaches the port" if console.authentication == "none"
        else ""))


@dataclass(frozen=True)
class LuaClient:
    """A client an OpenResty Lua script opens to another service (``lua_clients`` in the catalogue)."""

    call: re.Pattern[str]
    protocol: str
    what: str
    timeout_ms: int | None = None
    timeout_why: str = ""
    timeout_unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class TimeoutVariable:
    """An environment variable that states how long a workload waits for its calls (``timeout_variables``)."""

    match: re.Pattern[str]
    scope: str  # "services": every call to a service; "prefix": the calls whose address variable shares the prefix
    unit: str  # the unit of a bare number: "ms" or "s"


@dataclass(frozen=True)
class FlagProvider:
    """A feature-flag client whose evaluations call a flag daemon (``flag_clients`` in the catalogue)."""

    name: str
    code: re.Pattern[str]
    overrides: re.Pattern[str] | None = None
    timeout_ms: int | None = None  # the deadline it puts on each evaluation by default, where documented


@dataclass(frozen=True)
class ClientTimeout:
    """A client library whose calls have a documented default timeout (``client_timeouts`` in the catalogue)."""

    name: str
    code: re.Pattern[str]
    overrides: re.Pattern[str] | None
    protocol: str
    timeout_ms: int
    engine: str | None = None
    """The datastore engine whose calls it bounds, whatever their protocol (a driver of one engine: libmemcached);
    None: it bounds the calls over ``protocol``."""
    services: bool = False
    """It bounds every call to a service that goes through the code's HTTP client factory, HTTP or gRPC, whatever
    protocol the deployment states or leaves unstated (a handler the factory gives every client)."""


@dataclass(frozen=True)
class FlagClients:
    """The flag daemon's image, the variable that sets the providers' deadline, and the providers."""

    daemon: re.Pattern[str] = re.compile(r"(?!)")
    host_variable: str = ""
    deadline_variable: str = ""
    providers: tuple[FlagProvider, ...] = ()


@dataclass(frozen=True)
class AddressBookKeys:
    """The keys of an address book's entries (``address_books`` in the catalogue)."""

    host_keys: tuple[str, ...]
    port_keys: tuple[str, ...]
    timeout_keys: tuple[str, ...]
    """Keys that give the clients' timeout to the host, in milliseconds."""
    tls_keys: tuple[str, ...]
    """Top-level keys of a ``{"enabled": bool}`` entry that switches the clients' TLS."""


@dataclass(frozen=True)
class Catalog:
    """``engine/data/artifacts.yaml``: what images, variables, directories and ports mean."""

    images: tuple[tuple[re.Pattern[str], Recognised], ...]
    load_generator_names: re.Pattern[str]
    server_env: dict[str, str]
    data_dirs: dict[str, str]
    ports: dict[int, str]
    secret_names: re.Pattern[str]
    consoles: tuple[tuple[re.Pattern[str], Console], ...] = ()
    lua_clients: tuple[LuaClient, ...] = ()
    lua_credentials: re.Pattern[str] = re.compile(r"(?!)")
    lua_presence_checks: re.Pattern[str] = re.compile(r"(?!)")
    lua_object_ids: re.Pattern[str] = re.compile(r"(?!)")
    lua_request_fields: re.Pattern[str] = re.compile(r"(?!)")
    lua_user_fields: re.Pattern[str] = re.compile(r"(?!)")
    local_state_stores: re.Pattern[str] = re.compile(r"(?!)")
    token_servers: re.Pattern[str] = re.compile(r"(?!)")
    token_signing: re.Pattern[str] = re.compile(r"(?!)")
    plaintext_password_checks: re.Pattern[str] = re.compile(r"(?!)")
    address_books: AddressBookKeys = field(default_factory=lambda: AddressBookKeys((), (), (), ()))
    timeout_variables: tuple[TimeoutVariable, ...] = ()
    config_server_names: re.Pattern[str] = re.compile(r"(?!)")
    console_names: re.Pattern[str] = re.compile(r"(?!)")
    flag_clients: FlagClients = field(default_factory=FlagClients)
    client_timeouts: tuple[ClientTimeout, ...] = ()
    emulator_env: dict[str, str] = field(default_factory=dict)
    """Variable a client library reads to reach a local emulator of a managed store -> the store's engine."""
    moving_tags: re.Pattern[str] = re.compile("latest")
    """Image tags that by convention move to a new build on every push or every night (``latest``, ``nightly``)."""
    image_data_dirs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Image path -> the directories its server keeps its data in, unless told otherwise."""
    registry_names: re.Pattern[str] = re.compile(r"(?!)")
    """Workload names that by convention name a service registry (``registry``, ``discovery-server``)."""
    channel_tags: re.Pattern[str] = re.compile("(?!)")
    """Image tags that name a release channel (``stable``): moved to each new release of the channel."""
    versionless_tags: re.Pattern[str] = re.compile("(?!)")
    """Image tags that state no version, only a variant or label (``alpine``, ``management``, ``linux-latest``): they
    name whatever was last pushed under that label."""
    secret_placeholders: re.Pattern[str] = re.compile("(?!)")
    """Values a template leaves for its reader to replace (``<INSERT_PASSWORD>``): no credential."""
    operator_tools: tuple[tuple[re.Pattern[str], str], ...] = ()
    """Images of operator and developer tools (a database console, a mail catcher) -> what the tool is."""

    def console(self, image: str | None) -> Console | None:
        """The web console an image serves, if the catalogue knows one."""
        if not image:
            return None
        path, base = image_path(image), image_base(image)
        return next((c for p, c in self.consoles if p.fullmatch(base) or p.fullmatch(path)), None)

    def operator_tool(self, image: str | None) -> str | None:
        """What operator or developer tool an image is (``Adminer, a database console``), if the catalogue knows it."""
        if not image:
            return None
        path, base = image_path(image), image_base(image)
        return next((what for p, what in self.operator_tools if p.fullmatch(base) or p.fullmatch(path)), None)

    def by_engine(self, engine: str) -> Recognised:
        found = next((r for _p, r in self.images if r.engine == engine), None)
        return found or Recognised("datastore", engine, None, None)


@functools.cache
def catalog() -> Catalog:
    """The artifact catalogue shipped with the package (read once)."""
    text = resources.files("engine").joinpath("data", "artifacts.yaml").read_text(encoding="utf-8")
    return parse_catalog(yaml.safe_load(text))


def parse_catalog(data: Any) -> Catalog:
    """A catalogue from its parsed YAML; a ValueError names the entry that is wrong."""
    images = []
    for i, entry in enumerate(data["images"]):
        role = entry.get("role")
        if role not in ROLES:
            raise ValueError(f"images[{i}]: role {role!r} is not one of {', '.join(ROLES)}")
        unknown = set(entry) - {"match", "role", "engine", "kind", "protocol"}
        if unknown:
            raise ValueError(f"images[{i}]: unknown keys {sorted(unknown)}")
        images.append((re.compile(f"(?:{entry['match']})"), Recognised(
            role, str(entry.get("engine") or role), entry.get("kind"), entry.get("protocol"))))
    consoles = []
    for i, entry in enumerate(data.get("consoles") or []):
        unknown = set(entry) - {"match", "port", "authentication", "what"}
        if unknown:
            raise ValueError(f"consoles[{i}]: unknown keys {sorted(unknown)}")
        if entry.get("authentication") not in ("none", "unknown"):
            raise ValueError(f"consoles[{i}]: authentication {entry.get('authentication')!r} is not none or unknown")
        consoles.append((re.compile(f"(?:{entry['match']})"),
                         Console(int(entry["port"]), str(entry["authentication"]), str(entry["what"]))))
    return Catalog(tuple(images), re.compile(data["load_generator_names"], re.IGNORECASE),
                   {str(k): str(v) for k, v in data["server_env"].items()},
                   {str(k): str(v) for k, v in data["data_dirs"].items()},
                   {int(k): str(v) for k, v in data["ports"].items()},
                   re.compile(data["secret_names"], re.IGNORECASE), tuple(consoles),
                   _lua_clients(data.get("lua_clients") or []),
                   re.compile(str(data.get("lua_credentials") or "(?!)"), re.IGNORECASE),
                   re.compile(str(data.get("lua_presence_checks") or "(?!)")),
                   re.compile(str(data.get("lua_object_ids") or "(?!)")),
                   re.compile(str((data.get("lua_request_fields") or {}).get("read") or "(?!)")),
                   re.compile(str((data.get("lua_request_fields") or {}).get("user") or "(?!)")),
                   re.compile(str(data.get("local_state_stores") or "(?!)")),
                   re.compile(str((data.get("token_issuers") or {}).get("servers") or "(?!)")),
                   re.compile(str((data.get("token_issuers") or {}).get("signing") or "(?!)")),
                   re.compile(str(data.get("plaintext_password_checks") or "(?!)")),
                   _address_book_keys(data.get("address_books") or {}),
                   _timeout_variables(data.get("timeout_variables") or []),
                   re.compile(str(data.get("config_server_names") or "(?!)"), re.IGNORECASE),
                   re.compile(str(data.get("console_names") or "(?!)"), re.IGNORECASE),
                   _flag_clients(data.get("flag_clients") or {}),
                   _client_timeouts(data.get("client_timeouts") or []),
                   {str(k): str(v) for k, v in (data.get("emulator_env") or {}).items()},
                   re.compile(str(data.get("moving_tags") or "latest"), re.IGNORECASE),
                   {str(k): tuple(map(str, v if isinstance(v, list) else [v]))
                    for k, v in (data.get("image_data_dirs") or {}).items()},
                   registry_names=re.compile(str(data.get("registry_names") or "(?!)"), re.IGNORECASE),
                   channel_tags=re.compile(str(data.get("channel_tags") or "(?!)"), re.IGNORECASE),
                   versionless_tags=re.compile(str(data.get("versionless_tags") or "(?!)")),
                   secret_placeholders=re.compile(str(data.get("secret_placeholders") or "(?!)")),
                   operator_tools=_operator_tools(data.get("operator_tools") or []))


def _operator_tools(entries: Any) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"match", "what"}
        if unknown:
            raise ValueError(f"operator_tools[{i}]: unknown keys {sorted(unknown)}")
        if not entry.get("match") or not entry.get("what"):
            raise ValueError(f"operator_tools[{i}]: match and what are both required")
        out.append((re.compile(f"(?:{entry['match']})"), str(entry["what"])))
    return tuple(out)


def _client_timeouts(entries: Any) -> tuple[ClientTimeout, ...]:
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"name", "code", "overrides", "protocol", "timeout_ms", "engine", "services"}
        if unknown:
            raise ValueError(f"client_timeouts[{i}]: unknown keys {sorted(unknown)}")
        ms = entry.get("timeout_ms")
        if not isinstance(ms, int) or isinstance(ms, bool) or ms <= 0:
            raise ValueError(f"client_timeouts[{i}]: timeout_ms must be a positive whole number of milliseconds")
        out.append(ClientTimeout(str(entry["name"]), re.compile(str(entry["code"])),
                                 re.compile(str(entry["overrides"])) if entry.get("overrides") else None,
                                 str(entry["protocol"]), ms, str(entry["engine"]) if entry.get("engine") else None,
                                 entry.get("services") is True))
    return tuple(out)


def _flag_clients(data: Any) -> FlagClients:
    providers = []
    for i, entry in enumerate(data.get("providers") or []):
        unknown = set(entry) - {"name", "code", "overrides", "timeout_ms"}
        if unknown:
            raise ValueError(f"flag_clients.providers[{i}]: unknown keys {sorted(unknown)}")
        ms = entry.get("timeout_ms")
        if ms is not None and (not isinstance(ms, int) or isinstance(ms, bool) or ms <= 0):
            raise ValueError(f"flag_clients.providers[{i}]: timeout_ms must be a positive whole number of milliseconds")
        providers.append(FlagProvider(str(entry["name"]), re.compile(str(entry["code"])),
                                      re.compile(str(entry["overrides"])) if entry.get("overrides") else None, ms))
    return FlagClients(re.compile(f"(?:{data['daemon']})") if data.get("daemon") else re.compile(r"(?!)"),
                       str(data.get("host_variable") or ""), str(data.get("deadline_variable") or ""),
                       tuple(providers))


def _timeout_variables(entries: Any) -> tuple[TimeoutVariable, ...]:
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"match", "scope", "unit"}
        if unknown:
            raise ValueError(f"timeout_variables[{i}]: unknown keys {sorted(unknown)}")
        if entry.get("scope") not in ("services", "prefix") or entry.get("unit") not in ("ms", "s"):
            raise ValueError(f"timeout_variables[{i}]: scope must be services or prefix, unit ms or s")
        match = re.compile(f"(?:{entry['match']})", re.IGNORECASE)
        if entry["scope"] == "prefix" and "prefix" not in match.groupindex:
            raise ValueError(f"timeout_variables[{i}]: a prefix scope needs a (?P<prefix>...) group")
        out.append(TimeoutVariable(match, str(entry["scope"]), str(entry["unit"])))
    return tuple(out)


def _address_book_keys(entry: Any) -> AddressBookKeys:
    keys = ("host_keys", "port_keys", "timeout_keys", "tls_keys")
    unknown = set(entry) - set(keys)
    if unknown:
        raise ValueError(f"address_books: unknown keys {sorted(unknown)}")
    return AddressBookKeys(*(tuple(str(k) for k in entry.get(name) or ()) for name in keys))


_PROTOCOL_NAMES = ("http", "grpc", "graphql", "websocket", "sql", "amqp", "kafka", "redis", "mqtt", "other")


def _lua_clients(entries: Any) -> tuple[LuaClient, ...]:
    out = []
    for i, entry in enumerate(entries):
        unknown = set(entry) - {"call", "protocol", "what", "timeout_ms", "timeout_why", "timeout_unless"}
        if unknown:
            raise ValueError(f"lua_clients[{i}]: unknown keys {sorted(unknown)}")
        call = re.compile(str(entry["call"]))
        if "host" not in call.groupindex:
            raise ValueError(f"lua_clients[{i}]: the call pattern has no (?P<host>...) group")
        if entry.get("protocol") not in _PROTOCOL_NAMES:
            raise ValueError(f"lua_clients[{i}]: protocol {entry.get('protocol')!r} is not one of "
                             f"{', '.join(_PROTOCOL_NAMES)}")
        unless = entry.get("timeout_unless")
        out.append(LuaClient(call, str(entry["protocol"]), str(entry["what"]),
                             int(entry["timeout_ms"]) if entry.get("timeout_ms") is not None else None,
                             str(entry.get("timeout_why") or ""), re.compile(str(unless)) if unless else None))
    return tuple(out)


def image_path(image: str) -> str:
    """``registry.example.org:5000/org/postgres:16@sha256:…`` -> ``org/postgres`` (lower case)."""
    path = image.split("@", 1)[0].lower()
    first, slash, rest = path.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        path = rest  # a registry host
    if path.startswith("library/"):
        path = path[len("library/"):]
    last = path.rsplit("/", 1)[-1]
    return path[: len(path) - len(last)] + last.split(":", 1)[0]


def image_pinning(image: str) -> tuple[bool, str] | None:
    """Whether an image reference names one build: ``(True, why)`` for a digest (``@sha256:…``),
    ``(False, why)`` for no tag or a tag that moves by convention (``latest``, ``nightly``: the catalogue's
    ``moving_tags``; ``stable``, a release channel: its ``channel_tags``; ``alpine``, a variant with no version: its
    ``versionless_tags``);
    None for any other tag, which a registry may or may not let anyone overwrite (unknown)."""
    ref = image.strip()
    if "@" in ref:
        return True, "the image is pinned by digest"
    last = ref.rsplit("/", 1)[-1]
    if "$" in last or "{" in last:
        return None  # a variable: the tag is chosen where the file is used
    name, colon, tag = last.partition(":")
    if not colon:
        return False, f"image {name} has no tag: it runs whatever 'latest' points to when pulled"
    if tag == "latest":
        return False, f"image {name}:latest is a moving tag"
    if catalog().moving_tags.fullmatch(tag):
        return False, f"image {name}:{tag} is a moving tag: it names another build after each push or nightly build"
    if catalog().channel_tags.fullmatch(tag):
        return False, (f"image {name}:{tag} is a moving tag: it names a release channel, moved to each new release "
                       "of it")
    if catalog().versionless_tags.fullmatch(tag):
        return False, (f"image {name}:{tag} is a moving tag: it states no version, only a variant or a label, so it "
                       "names whatever release was last pushed under it")
    return None


def image_base(image: str) -> str:
    """``registry/org/postgres:16@sha256:…`` -> ``postgres``."""
    return image_path(image).rsplit("/", 1)[-1]


_WITHOUT_DB = re.compile(r"(^|[-_])(no|without|sans)[-_](db|database)$")
"""A name that says its container runs without a database (``app-no-db``): an application, not a store."""


def recognise(image: str | None, env_keys: Iterable[str], mounts: Iterable[str], name: str) -> Recognised | None:
    """What a container is (None: an application service), by image, server-only variables, data
    directories, and at last its name."""
    cat = catalog()
    if image:
        path, base = image_path(image), image_base(image)
        for pattern, rec in cat.images:
            if pattern.fullmatch(base) or pattern.fullmatch(path):
                return dataclasses.replace(rec, why=f"image {path}")
        # A project's own build of a datastore image: `piggymetrics-mongodb`, `rs-mysql-db`. Only the last
        # word counts (or the one before a trailing db/server), so `mongo-express` and `postgres-exporter`
        # stay tools.
        words = re.split(r"[-_.]", base)
        last = words[-2] if len(words) > 2 and words[-1] in ("db", "database", "server") else words[-1]
        if len(words) > 1:
            for pattern, rec in cat.images:
                if rec.role == "datastore" and pattern.fullmatch(last):
                    return dataclasses.replace(rec, why=f"image {path}")
    for key in env_keys:
        if key in cat.server_env:
            return dataclasses.replace(cat.by_engine(cat.server_env[key]), why=f"variable {key}")
    for mount in mounts:
        for prefix, engine in cat.data_dirs.items():
            if mount.rstrip("/").startswith(prefix):
                return dataclasses.replace(cat.by_engine(engine), why=f"data directory {prefix}")
    if cat.load_generator_names.fullmatch(name):
        return Recognised("load_generator", "", None, None, f"name {name}")
    if cat.config_server_names.fullmatch(name):
        return Recognised("config_server", "config_server", None, None, f"name {name}")
    if cat.registry_names.fullmatch(name):
        return Recognised("registry", "registry", None, None, f"name {name}")
    base = image_base(image) if image else name.lower()
    if any(re.search(r"(^|[-_])(db|database)$", n) and not _WITHOUT_DB.search(n) for n in (base, name.lower())):
        return Recognised("datastore", "", None, None, "name")
    return None


def off_data_dir(image: str | None, target: str, texts: Iterable[str]) -> str | None:
    """Why a volume mounted at ``target`` in a container of ``image`` keeps none of its data: the catalogue knows
    where that image's server keeps it (``image_data_dirs``), the mount is neither there nor above it, and no variable
    or argument of the container names the mount's path (a server told to keep its data elsewhere: ``PGDATA``,
    ``KAFKA_LOG_DIRS``, ``--dbpath``). None when the volume may hold the data, or the image is not one the catalogue
    knows."""
    dirs = catalog().image_data_dirs.get(image_path(image)) if image else None
    path = target.rstrip("/")
    if not dirs or not path or any(path == d or path.startswith(d + "/") or d.startswith(path + "/") for d in dirs):
        return None
    if any(path in t for t in texts):
        return None
    return (f"its volume at {target} is not where {image_path(image or '')} keeps its data ({', '.join(dirs)}), and "
            "nothing in its environment or command moves the data there: the data stays in the container's own "
            "filesystem")


def is_secret_name(key: str) -> bool:
    """Whether a variable's name says it holds a credential (its value is never reported)."""
    return catalog().secret_names.fullmatch(key) is not None


_FLAG_VALUES = frozenset({"yes", "no", "true", "false", "on", "off"})
_USERINFO = re.compile(r"://[^/@\s:]+:([^/@\s]+)@")


def literal_secret(key: str, value: str) -> bool:
    """Whether a variable holds a credential written out: a secret-named variable with a value, or a URL
    with a password in it. A value that still refers to something else (``${X}``, ``$(X)``), or that is a template's
    slot for one (``<INSERT_PASSWORD>``: the catalogue's ``secret_placeholders``), does not count."""
    v = value.strip()
    if not v or "${" in v or "$(" in v or v.startswith("$"):
        return False
    if v.lower() in _FLAG_VALUES:
        return False  # MYSQL_ALLOW_EMPTY_PASSWORD=yes, REDIS_PASSWORD_ENABLED=true: a switch, not a credential
    placeholder = catalog().secret_placeholders.fullmatch
    if placeholder(v):
        return False  # an env template's REDIS_PASSWORD=<INSERT_REDIS_PASSWORD>: the slot its reader fills
    if is_secret_name(key):
        return True
    m = _USERINFO.search(v)
    return m is not None and not m.group(1).startswith(("$", "{")) and not placeholder(m.group(1))


@dataclass
class Mention:
    """A place where a workload's configuration may name another workload's host."""

    text: str
    key: str  # env var name, or "command"
    where: str  # a readable origin, e.g. "environment of orders" or "ConfigMap app-config"
    location: Location
    whole: str = ""
    """The source the workload is given whole when the variable comes from one (``ConfigMap app-config`` through
    ``envFrom``, ``env_file common.env``): every workload that takes it gets every key, so the key alone does not
    say that this workload reads it."""


@dataclass
class Edge:
    """An inferred call from one workload to another, with its evidence."""

    source: str
    target: str
    protocol: str | None
    evidence: list[str] = field(default_factory=list)
    location: Location | None = None
    external: bool = False
    """The target is a public host named in a URL, outside the described system."""
    timeout: tuple[int, Location, str] | None = None
    """The caller's timeout for this call (ms, where, why), from a timeout variable in its environment."""
    keys: list[tuple[str, str]] = field(default_factory=list)
    """(variable, the source given whole it comes from or "") of each mention the edge was drawn from."""
    protocol_why: str | None = None
    """Why the protocol is what it is, when the target's deployment names it (a Service port named ``grpc``)."""
    unverified: tuple[str, Location, str] | None = None
    """(the URL option, where, the variable) when an address the call is drawn from has its client accept any
    certificate (``tlsAllowInvalidCertificates=true``)."""


_TRUE = ("true", "1", "yes")
_UNVERIFIED_OPTIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("tlsallowinvalidcertificates", "tlsallowinvalidhostnames", "tlsinsecure", "sslinsecure",
                     "insecureskipverify", "skipverify", "skip_verify", "tlsskipverify", "trustservercertificate"),
                    _TRUE),
    "ssl_cert_reqs": ("none",), "verifyservercertificate": ("false", "0", "no"),
    "sslfactory": ("org.postgresql.ssl.nonvalidatingfactory",)}
"""Options of a URL's query or of a ``key=value;...`` connection string that turn the client's certificate check off,
with the values that do (compared lower-cased, blanks in the key dropped): MongoDB's ``tlsAllowInvalidCertificates``,
``tlsAllowInvalidHostnames``, ``tlsInsecure``, legacy ``sslInsecure``; ``skip_verify``/``tlsSkipVerify`` in Go drivers'
DSNs; redis-py's ``ssl_cert_reqs=none``; SqlClient's, Npgsql's and the SQL Server JDBC driver's
``TrustServerCertificate=true`` (``Trust Server Certificate``); MySQL Connector/J's ``verifyServerCertificate=false``;
the PostgreSQL JDBC driver's ``sslfactory=org.postgresql.ssl.NonValidatingFactory``. PostgreSQL's ``sslmode=disable``
or ``require`` is not one: the first uses no TLS at all, the second never verified (the ``tls`` question), and neither
is a check turned off by a setting."""
_NO_TLS = re.compile(r"(?:^|[?&;])\s*(?:encrypt\s*=\s*(?:false|no|optional)|ssl\s*mode\s*=\s*disabled?"
                     r"|usessl\s*=\s*false)\s*(?:$|[&;])", re.IGNORECASE)
"""A connection string that asks for no TLS (SqlClient's ``Encrypt=False``, ``SSL Mode=Disable``, Connector/J's
``useSSL=false``): whatever it says of certificates, the connection is not TLS (the ``tls`` question, not this one)."""
_CLOSING = "}'\""  # what closes a string the option ends (``${DB:-Server=db;TrustServerCertificate=true}``)
_OPTION = re.compile(r"(?:^|[?&;])\s*([A-Za-z_][A-Za-z_ ]*?)\s*=\s*([^&;\s,]*)")


def unverified_tls(text: str) -> str | None:
    """The option of a URL's query or of a ``key=value;`` connection string in ``text`` that has its client accept any
    certificate, as written (``tlsAllowInvalidCertificates=true``, ``TrustServerCertificate=True``); None when there is
    none, or when the string asks for no TLS at all (``Encrypt=False``)."""
    if "?" not in text and ";" not in text:
        return None
    for m in _OPTION.finditer(text):
        key, value = m.group(1).replace(" ", "").lower(), m.group(2).rstrip(_CLOSING).lower()
        if value in _UNVERIFIED_OPTIONS.get(key, ()):
            return None if _NO_TLS.search(text) else f"{m.group(1)}={m.group(2).rstrip(_CLOSING)}"
    return None


_SKIP_VERIFY_VARS = tuple(sorted((
    *((s, (*_TRUE, "on")) for s in ("INSECURE_SKIP_VERIFY", "SKIP_TLS_VERIFY", "SKIP_SSL_VERIFY", "TLS_SKIP_VERIFY",
                                    "SSL_SKIP_VERIFY", "SKIP_VERIFY", "SKIP_CERT_VERIFY",
                                    "ALLOW_INVALID_CERTIFICATES")),
    *((s, ("false", "0", "no", "off")) for s in ("TLS_VERIFY", "SSL_VERIFY", "VERIFY_TLS", "VERIFY_SSL",
                                                 "SSL_VERIFY_PEER", "TLS_REJECT_UNAUTHORIZED"))),
    key=lambda s: -len(s[0])))
"""Suffixes of a variable that turns its client's certificate check off, with the values that do: a variable named
``<PREFIX>_<suffix>`` does so for the client of the address a variable of the same prefix gives (``OPAMP_SERVER_TLS_
INSECURE_SKIP_VERIFY=true`` beside ``OPAMP_SERVER_ENDPOINT``, ``CONSUL_HTTP_SSL_VERIFY=false`` beside
``CONSUL_HTTP_ADDR``). ``*_TLS_INSECURE`` is not one: some clients (the OpenTelemetry Collector's) read it as no TLS."""
_PLAIN_SCHEMES = frozenset({"http", "ws", "redis", "amqp", "mqtt", "nats", "tcp", "ldap"})
_TLS_SCHEMES = frozenset({"https", "wss", "rediss", "amqps", "mqtts", "grpcs", "ldaps"})
_SCHEME_AT = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://")
_TLS_OPTION = re.compile(r"[?&;](?:tls|ssl)=true\b", re.IGNORECASE)


def skip_verify_prefix(key: str, value: str) -> str | None:
    """The prefix of the addresses whose client a variable has accept any certificate (``OPAMP_SERVER`` for
    ``OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY=true``), ``""`` for every TLS client of the process (Node's
    ``NODE_TLS_REJECT_UNAUTHORIZED=0``), None when it says no such thing (or names no prefix: ``SKIP_VERIFY`` alone
    says whose)."""
    k, v = key.upper(), value.strip().strip("'\"").lower()
    if k == "NODE_TLS_REJECT_UNAUTHORIZED":
        return "" if v == "0" else None
    for suffix, off in _SKIP_VERIFY_VARS:
        if k.endswith("_" + suffix):
            prefix = re.sub(r"_(?:TLS|SSL)$", "", k[: -len(suffix) - 1])
            return prefix if v in off and prefix else None
    return None


def _unverified_by_variable(edge: Edge, mentions: Sequence[Mention]) -> tuple[str, Location, str] | None:
    """The variable of the caller's environment that has its client of ``edge``'s target accept any certificate: a
    ``skip_verify_prefix`` whose prefix is that of a variable the edge is drawn from, unless that address is plain
    (``http://``, ``ws://``: no TLS, nothing to verify); ``NODE_TLS_REJECT_UNAUTHORIZED=0`` when the address is TLS
    (``https://``, ``wss://``, ``?tls=true``)."""
    addresses = {m.key: m.text for m in mentions if m.key != "command"}
    for m in mentions:
        prefix = skip_verify_prefix(m.key, m.text) if m.key != "command" else None
        if prefix is None:
            continue
        for key, _whole in edge.keys:
            text = addresses.get(key)
            if text is None or key == m.key or (prefix and not (key == prefix or key.startswith(prefix + "_"))):
                continue
            scheme = _SCHEME_AT.match(text)
            said = scheme.group(1).lower() if scheme else None
            if (said in _PLAIN_SCHEMES) if prefix else not (said in _TLS_SCHEMES or _TLS_OPTION.search(text)):
                continue
            return f"{m.key}={m.text}", m.location, f"{m.where}, beside {key}"
    return None


_HOSTISH_KEY = re.compile(r"HOST|ADDR|URL|URI|SERVER|ENDPOINT|BROKER|DSN|SERVICE|BOOTSTRAP|CONNECT", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SCHEME_PROTOCOL = {"http": "http", "https": "http", "grpc": "grpc", "grpcs": "grpc", "amqp": "amqp", "amqps": "amqp",
                    "redis": "redis", "rediss": "redis", "postgres": "sql", "postgresql": "sql", "mysql": "sql",
                    "mariadb": "sql", "sqlserver": "sql", "kafka": "kafka", "mqtt": "mqtt", "mqtts": "mqtt",
                    "ws": "websocket", "wss": "websocket"}
SCHEME_PROTOCOL = _SCHEME_PROTOCOL
"""The protocol a URL's scheme names."""


_FLAGS = ("-h", "-H", "--host", "--hostname", "--server", "--addr", "--address", "--broker", "--target")
_SPACE = re.compile(r"\s")
_SEPARATOR = re.compile(r"[\s,;]")
_FLAG_GAP = re.compile(r"[\s=]")
_SCHEME_CHAR = re.compile(r"[a-z0-9+.-]", re.IGNORECASE)
_SCHEME_START = re.compile(r"[a-z]", re.IGNORECASE)
_COLON_DIGIT = re.compile(r":\d")
_AFTER_HOST = re.compile(r"[\s,;:/]")
_PORT = re.compile(r":(\d{1,5})\b")
_KEY_VALUE_HOST = re.compile(r"(?:(?<=[;\s])|\A)(?:host|server|data source|datasource|address|addr)\s*=\s*(?:tcp:)?\Z",
                             re.IGNORECASE)
"""The key before the host of a key=value connection string (ADO.NET's ``Host=db;Username=...``, ``Server=tcp:db``,
libpq's ``host=db port=5432``)."""


_DESTINATIONS_KEY = re.compile(r"TOPIC|QUEUE", re.IGNORECASE)


def _lists_destinations(key: str) -> bool:
    """Whether a variable's name says it lists topics or queues and nothing of an address (``KAFKA_CREATE_TOPICS``,
    whose ``orders:3:1`` is a topic, its partitions and its replicas): a name before ``:<digits>`` there is a
    topic's, not a host's before its port."""
    return key != "command" and _DESTINATIONS_KEY.search(key) is not None and _HOSTISH_KEY.search(key) is None


def _after_host_key(text: str, start: int) -> bool:
    """Whether the token at ``start`` is the value of a connection string's host key (``Host=``), read in a window
    of the text just before it."""
    w0 = max(0, start - 40)
    m = _KEY_VALUE_HOST.search(text[w0:start])
    return m is not None and (m.start() > 0 or w0 == 0 or text[w0 - 1] in "; \t\n")


class _Scan:
    """What ``infer_edges`` asks about the text before and after each token of one value, each answer in
    time independent of the value's length (every pattern is matched at a position, none searched).

    The questions were regular expressions searched over the whole text before each token: about cubic
    in the value's length (a 4,000-character environment value took 75 s). The answers are the same.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.last_sep = -1  # the last separator ([\s,;]) before the position scanned so far
        self.scanned = 0
        # Every `scheme://` of the text (the scheme the leftmost letter of the scheme characters before it),
        # as (start, index of "://"), in order: what `([a-z][a-z0-9+.-]*)://[^\s,;]*$` finds.
        self.schemes: list[tuple[int, int]] = []
        j = text.find("://")
        while j >= 0:
            i = j
            while i > 0 and _SCHEME_CHAR.match(text, i - 1):
                i -= 1
            while i < j and not _SCHEME_START.match(text, i):
                i += 1
            if i < j:
                self.schemes.append((i, j))
            j = text.find("://", j + 1)
        self.next_scheme = 0

    def scheme(self, end: int) -> str | None:
        """The scheme of the URL that runs, without a separator, up to ``end`` (called with ``end`` ascending)."""
        while self.scanned < end:
            if _SEPARATOR.match(self.text, self.scanned):
                self.last_sep = self.scanned
            self.scanned += 1
        while self.next_scheme < len(self.schemes) and self.schemes[self.next_scheme][0] <= self.last_sep:
            self.next_scheme += 1
        if self.next_scheme < len(self.schemes):
            i, j = self.schemes[self.next_scheme]
            if j + 3 <= end:
                return self.text[i:j]
        return None

    def after_host_flag(self, start: int) -> bool:
        """Whether a host flag (``-h``, ``--host`` …), then only blanks or ``=``, comes just before ``start``."""
        q = start
        while q > 0 and _FLAG_GAP.match(self.text, q - 1):
            q -= 1
        return any(self.text.endswith(flag, 0, q) and (q == len(flag) or _SPACE.match(self.text, q - len(flag) - 1)
                                                     is not None) for flag in _FLAGS)


def _host_of(token: str, hosts: set[str]) -> str | None:
    """The known host a token names: ``db``, ``db.ns`` or ``db.ns.svc.cluster.local``."""
    t = token.rstrip(".").lower()
    if t in hosts:
        return t
    first, _dot, rest = t.partition(".")
    if first in hosts and re.match(r"^[a-z0-9-]+(\.svc(\.cluster\.local)?)?$", rest):
        return first
    return None


def infer_edges(mentions: Mapping[str, Sequence[Mention]], hosts: dict[str, str],
                targets: dict[str, str | None],
                port_protocols: Mapping[tuple[str, int | None], tuple[str, str]] | None = None) -> list[Edge]:
    """Edges from each workload to the workloads its configuration names in a host position.

    ``hosts`` maps every name a workload answers to (service name, hostname, alias, DNS name) onto
    the workload; ``targets`` gives each workload's protocol when the image tells it. A token counts
    only in a host position: after ``scheme://`` or ``@``, before ``:port``, after a host flag such as
    ``-h``, or as a whole item of a variable whose name says it holds an address (``*_HOST``, ``*_URL``).
    ``port_protocols`` gives (protocol, why) by (workload, port) as its deployment names them (a Kubernetes
    Service port named ``grpc``), and by (workload, None) when every port of the workload names the same one:
    after the URL's scheme, it decides the protocol, before the port number's usual protocol and the image's.
    """
    named = port_protocols or {}
    host_names = {h.lower(): w for h, w in hosts.items()}
    known = set(host_names)
    edges: dict[tuple[str, str], Edge] = {}
    for source in sorted(mentions):
        for m in mentions[source]:
            text = m.text
            scan = _Scan(text)
            for tok in _TOKEN.finditer(text):
                host = _host_of(tok.group(), known)
                start, end = tok.start(), tok.end()
                scheme = scan.scheme(end)
                external = False
                if host is None:
                    # A public host in a URL (scheme://host or @host) is an external dependency, unless a front-end
                    # build tool inlines the variable into the browser's bundle: the browser follows that URL
                    if not (scheme and text.endswith(("://", "@"), 0, start)) \
                            or host_exposure(tok.group()) != "public" or BROWSER_BUILD.fullmatch(m.key) \
                            or ACME_CA.search(m.key):
                        continue
                    target, external = safe_name(tok.group().rstrip(".").lower()), True
                else:
                    target = host_names[host]
                if target == source:
                    continue
                in_host_position = (
                    text.endswith(("://", "@", "//"), 0, start)
                    or (_COLON_DIGIT.match(text, end) is not None and not _lists_destinations(m.key))
                    or _after_host_key(text, start)
                    or (m.key == "command" and scan.after_host_flag(start))
                    or (m.key != "command" and _HOSTISH_KEY.search(m.key) is not None
                        and (start == 0 or _SEPARATOR.match(text, start - 1) is not None)
                        and (end == len(text) or _AFTER_HOST.match(text, end) is not None))
                )
                if not in_host_position:
                    continue
                protocol = None
                if scheme:
                    protocol = _SCHEME_PROTOCOL.get(scheme.lower())
                port = _PORT.match(text, end)
                stated = None if protocol or external else named.get(
                    (target, int(port.group(1)) if port is not None else None))
                if stated is not None:
                    protocol = stated[0]
                if protocol is None and port is not None:
                    protocol = catalog().ports.get(int(port.group(1)))
                protocol = protocol or targets.get(target)
                edge = edges.setdefault((source, target), Edge(source, target, protocol, [], m.location, external))
                if edge.protocol is None:
                    edge.protocol = protocol
                if stated is not None and edge.protocol == stated[0] and edge.protocol_why is None:
                    edge.protocol_why = stated[1]
                what = "command" if m.key == "command" else f"{m.key}"
                note = f"{what} ({m.where}, {m.location}) names host {tok.group()}"
                if note not in edge.evidence:
                    edge.evidence.append(note)
                if (m.key, m.whole) not in edge.keys:
                    edge.keys.append((m.key, m.whole))
                option = unverified_tls(text) if edge.unverified is None else None
                if option is not None:
                    edge.unverified = (option, m.location, what)
    for (source, _target), edge in edges.items():
        if edge.unverified is None:
            edge.unverified = _unverified_by_variable(edge, mentions[source])
    return [edges[k] for k in sorted(edges)]


BROWSER_BUILD = re.compile(r"(?:REACT_APP|VITE|VUE_APP)_\w+")
"""Variables that a front-end build tool inlines into the bundle the browser runs (Create React App's ``REACT_APP_``,
Vite's ``VITE_``, Vue CLI's ``VUE_APP_``): the browser reads them, and follows the public URLs they hold."""

ACME_CA = re.compile(r"(?:^|_)ACME(?:_|$)", re.IGNORECASE)
"""Variables naming a certificate authority's ACME directory (Caddy's ``acme_ca``, Traefik's ``caServer``, as
``CERT_ACME_CA``): only a TLS front's certificate manager contacts it, in the background, to obtain and renew its
certificates; no request waits on it, and a container given the variable with the rest of a shared block of settings
never calls it."""


_FRAMEWORK_BOUND = ("SPRING_", "EUREKA_", "OTEL_", "JAVA_", "JVM_", "QUARKUS_", "MICRONAUT_")
"""Variables a framework reads by itself (Spring Boot binds ``SPRING_CLOUD_CONFIG_URI`` to a property): no code
names them, and yet they are read."""


def given_whole(edge: Edge, mentions: Sequence[Mention]) -> tuple[tuple[str, ...], tuple[str, ...], str] | None:
    """When every variable an edge was drawn from comes from sources its caller takes whole (a ConfigMap through
    ``envFrom``, a compose ``env_file``): those variables, every variable of those sources (what the caller's code
    would name if it read them), and the sources."""
    if not edge.keys or any(not whole or k.upper().startswith(_FRAMEWORK_BOUND) for k, whole in edge.keys):
        return None
    sources = {whole for _k, whole in edge.keys}
    return (tuple(sorted({k for k, _w in edge.keys})),
            tuple(sorted({m.key for m in mentions if m.whole in sources})), " and ".join(sorted(sources)))


_PROPERTY_ROOTS = ("MANAGEMENT_", "SERVER_", "LOGGING_", "INFO_")
"""Variables that bind to Spring Boot's own property roots besides those of ``_FRAMEWORK_BOUND``."""


def given_set(edge: Edge, data: Mapping[str, Any], target: Recognised | None) -> tuple[str, ...] | None:
    """The variables a synchronous call to a service (not a datastore, a broker, a registry or a coordination
    service, whose clients are libraries that read their addresses themselves) was drawn from, when the deployment
    sets each on the caller by name and none is one a framework reads by itself (``SPRING_...``): what the caller's
    code must read for the call to be made."""
    if (edge.external or not edge.keys or data.get("style") == "async"
            or (target is not None and target.role in ("datastore", "broker", "registry", "coordinator"))
            or any(whole or k.upper().startswith((*_FRAMEWORK_BOUND, *_PROPERTY_ROOTS)) for k, whole in edge.keys)):
        return None
    return tuple(sorted({k for k, _w in edge.keys}))


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds|m|min)?\s*", re.IGNORECASE)
_UNIT_MS = {"ms": 1, "s": 1000, "sec": 1000, "secs": 1000, "seconds": 1000, "m": 60000, "min": 60000}


def _timeout_ms(value: str, unit: str) -> tuple[int, str] | None:
    """A timeout variable's value in milliseconds, and how its unit was read; None when it is no duration."""
    m = _DURATION.fullmatch(value)
    if m is None:
        return None
    if m.group(2):
        return round(float(m.group(1)) * _UNIT_MS[m.group(2).lower()]), f"{value.strip()}"
    how = "milliseconds" if unit == "ms" else "seconds"
    return round(float(m.group(1)) * (1 if unit == "ms" else 1000)), f"{value.strip()}, a bare number read as {how}"


def _prefix_applies(prefix: str, edge: Edge) -> bool:
    """Whether a ``<PREFIX>_TIMEOUT`` variable is about this call: its address variable starts with the
    prefix (``CART_TIMEOUT`` and ``CART_ADDR``), or the prefix is the target's name (``CART`` and ``cart``)."""
    norm = re.sub(r"[^a-z0-9]", "", prefix.lower())
    if norm and norm == re.sub(r"[^a-z0-9]", "", edge.target.lower()):
        return True
    return any(e.upper().startswith(prefix.upper() + "_") for e in edge.evidence)


def environment(mentions: Mapping[str, Sequence[Mention]], workloads: Iterable[str]
                ) -> dict[str, dict[str, tuple[str, Location]]]:
    """Each workload's environment variables as its deployment sets them (value, where), for ``code_calls``."""
    return {w: {m.key: (m.text, m.location) for m in mentions.get(w, ()) if m.key != "command"} for w in workloads}


def apply_timeout_variables(edges: Sequence[Edge], mentions: Mapping[str, Sequence[Mention]],
                            kinds: Mapping[str, Recognised | None]) -> None:
    """The timeout each call's caller states in a variable (catalogue ``timeout_variables``): a variable
    scoped to a target (``CART_TIMEOUT_MS``) wins over one for every call to a service (``BACKEND_TIMEOUT``)."""
    rules = catalog().timeout_variables
    for edge in edges:
        best: tuple[int, tuple[int, Location, str]] | None = None
        for m in mentions.get(edge.source, ()):
            if m.key == "command":
                continue
            for tv in rules:
                hit = tv.match.fullmatch(m.key)
                if hit is None:
                    continue
                if tv.scope == "prefix":
                    rank = 2 if _prefix_applies(hit.group("prefix"), edge) else 0
                else:  # a call to a datastore or broker has its own driver's timeout
                    rank = 1 if kinds.get(edge.target) is None and not edge.external else 0
                read = _timeout_ms(m.text, tv.unit) if rank else None
                if read is not None and (best is None or rank > best[0]):
                    best = (rank, (read[0], m.location, f"{m.key}={read[1]} ({m.where})"))
                break  # the first catalogue entry that names the variable decides
        if best is not None:
            edge.timeout = best[1]


_CONFIG_SUFFIXES = (".json", ".yml", ".yaml")
_MOUNT_FILES_MAX = 50
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def mounted_configs(body: Body, project_dir: str, sources: Sequence[str],
                    limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, list[Document]]]:
    """The JSON/YAML configuration files the project mounts into a container (``./config:/app/config``),
    parsed. A file that does not parse is said and skipped: it was not handed over as an artifact of its own."""
    files: list[str] = []
    for source in sources:
        path = os.path.normpath(os.path.join(project_dir, source))
        if os.path.isfile(path) and path.endswith(_CONFIG_SUFFIXES):
            files.append(path)
        elif os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files += [os.path.join(root, n) for n in sorted(names) if n.endswith(_CONFIG_SUFFIXES)]
    out: list[tuple[str, list[Document]]] = []
    for path in files[:_MOUNT_FILES_MAX]:
        try:
            out.append((path, list(parse_all(read_text(path, limits), path, limits, artifact=True))))
        except ArchplanError as exc:
            body.remark(exc.location or Location(path), f"mounted configuration not read: {exc.message}")
    return out


def mounted_secrets(configs: Sequence[tuple[str, list[Document]]], project_dir: str) -> list[tuple[str, Location]]:
    """Credentials written out in the mounted configuration files (``mounted_configs``): ``(file key,
    location)`` of each secret-named key with a literal value."""
    found: list[tuple[str, Location]] = []
    for path, docs in configs:
        for doc in docs:
            for keys, value in _leaves(doc.data, ()):
                leaf = _CAMEL.sub("_", str(keys[-1]))
                if isinstance(value, (str, int)) and not isinstance(value, bool) and literal_secret(leaf, str(value)):
                    found.append((f"{os.path.relpath(path, project_dir)}: {'.'.join(map(str, keys))}",
                                  doc.locate(keys)))
    return found


@dataclass(frozen=True)
class AddressBook:
    """A mounted client configuration that lists the hosts its container's clients connect to
    (catalogue ``address_books``; DeathStarBench's ``service-config.json``: ``{"text-service": {"addr":
    "text-service", "port": 9090, "timeout_ms": 10000}, ...}``)."""

    file: str
    hosts: dict[str, tuple[int | None, Location]]
    """host -> (the clients' timeout to it in milliseconds, where stated; where the host is listed)."""
    tls_off: Location | None
    """Where the book switches its clients' TLS off (``"ssl": {"enabled": false}``)."""
    credentials: bool
    """Whether any host's entry carries a credential (a secret-named key)."""


def address_books(configs: Sequence[tuple[str, list[Document]]]) -> list[AddressBook]:
    """The mounted configurations that are address books: a mapping with at least two entries that each
    give a host (``addr``, ``host``...) and a ``port``, as the catalogue's ``address_books`` names them."""
    spec = catalog().address_books
    out: list[AddressBook] = []
    for path, docs in configs:
        for doc in docs:
            if not isinstance(doc.data, dict):
                continue
            hosts: dict[str, tuple[int | None, Location]] = {}
            credentials = False
            tls_off = None
            for key, entry in doc.data.items():
                if not isinstance(entry, dict):
                    continue
                host = next((entry[k] for k in spec.host_keys if isinstance(entry.get(k), str)), None)
                if host and any(isinstance(entry.get(k), int) for k in spec.port_keys):
                    ms = next((int(entry[k]) for k in spec.timeout_keys
                               if isinstance(entry.get(k), int) and not isinstance(entry.get(k), bool)), None)
                    hosts.setdefault(host.lower(), (ms, doc.locate((key,))))
                    credentials = credentials or any(is_secret_name(str(k)) for k in entry)
                elif str(key).lower() in spec.tls_keys and entry.get("enabled") is False:
                    tls_off = doc.locate((key, "enabled"))
            if len(hosts) >= 2:
                out.append(AddressBook(path, hosts, tls_off, credentials))
    return out


def _leaves(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*at, i))
    elif at and node is not None:
        yield at, node


def record_literal_secrets(body: Body, name: str, rec: Recognised | None, found: list[tuple[str, Location]]) -> None:
    """Credentials written out in the configuration: the service keeps its secrets in repository config.

    Only the variable names are said, never the values."""
    if not found:
        return
    names = ", ".join(sorted({k for k, _l in found}))
    if rec is not None and rec.role == "datastore":
        body.set("datastores", name, "credentials_source", "repo_config", found[0][1])
        body.note("datastores", name, f"credentials_source repo_config: credentials written in the configuration: "
                                      f"{names} (values not shown)")
        return
    body.set("services", name, "secrets_source", "repo_config", found[0][1])
    body.note("services", name, f"secrets_source repo_config: credentials written in the configuration: {names} "
                                "(values not shown)")


# Images whose documented defaults the importers know (a project's own build of a datastore may change them).
_AUTH_IMAGES = {
    "mongodb": ("mongo", "bitnami/mongodb", "mongodb/mongodb-community-server"),
    "redis": ("redis", "bitnami/redis", "valkey/valkey", "valkey-io/valkey"),  # Valkey on Docker Hub and on GHCR
    "memcached": ("memcached", "bitnami/memcached"),
    # debezium/postgres and pgvector/pgvector add extensions to the official image (FROM postgres), its entrypoint kept;
    # pgautoupgrade/pgautoupgrade is the official image (FROM postgres) whose entrypoint upgrades the data directory
    # first, then runs the official one: a drop-in replacement, its POSTGRES_* variables read as the official's
    "postgres": ("postgres", "bitnami/postgresql", "postgis/postgis", "debezium/postgres", "pgvector/pgvector",
                 "pgautoupgrade/pgautoupgrade"),
    "mysql": ("mysql", "mariadb", "bitnami/mysql", "bitnami/mariadb", "mysql/mysql-server", "percona"),
    "sqlserver": ("mssql/server", "mssql/rhel/server", "azure-sql-edge"),
    "search": ("elasticsearch", "elasticsearch/elasticsearch", "opensearchproject/opensearch"),
    "seaweedfs": ("chrislusf/seaweedfs", "seaweedfs/seaweedfs"),
    # MinIO on Docker Hub and Quay, Bitnami's and Chainguard's builds of it
    "minio": ("minio/minio", "bitnami/minio", "chainguard/minio"),
}
_YES = ("yes", "true", "1")


@dataclass(frozen=True)
class DatastoreAuth:
    """Whether a datastore container requires its clients to authenticate, and why the importer says so."""

    authentication: str  # "none" | "password" (a datastore); "none" | "token" (a registry's inbound_auth)
    why: str
    at: Location | None = None
    """Where a mounted configuration file states it (None: the container's own specification does)."""


@dataclass(frozen=True)
class MountedFile:
    """A file of the project that the deployment mounts into a container: where the container sees it, the file's
    path as read, and its text."""

    target: str
    path: str
    text: str


def mounted_files(project_dir: str, binds: Sequence[tuple[str, str]], limits: Limits = DEFAULT_LIMITS
                  ) -> list[MountedFile]:
    """The single files among ``binds`` (``(project-relative source, container path)``), read; a directory, a
    missing file or one over the size limit is left out (its container then keeps what it would have said
    unknown)."""
    out: list[MountedFile] = []
    for source, target in binds[:_MOUNT_FILES_MAX]:
        path = os.path.normpath(os.path.join(project_dir, source))
        if not os.path.isfile(path):
            continue
        try:
            out.append(MountedFile(target, path, read_text(path, limits)))
        except ArchplanError:
            continue
    return out


def _line_of(text: str, i: int) -> int:
    return text.count("\n", 0, max(i, 0)) + 1


def _redis_auth(path: str, key: str | None, empty_allowed: bool, command: str, mounts: Sequence[str],
                files: Sequence[MountedFile]) -> DatastoreAuth | None:
    """A Redis (or Valkey) container's client authentication: ``key`` the password variable given, if any."""
    flags = command.split()
    if "--requirepass" in flags or key:
        return DatastoreAuth("password", f"{key or '--requirepass'} set: Redis requires a password")
    if empty_allowed:
        return DatastoreAuth("none", "ALLOW_EMPTY_PASSWORD: Redis accepts any client")
    if path.startswith("bitnami/"):
        return None
    if not any("conf" in m.lower() for m in mounts) and "redis.conf" not in command:
        return DatastoreAuth("none", "no --requirepass and no configuration file: Redis accepts any client")
    # the file the command hands the server, when it is the one configuration mounted
    conf = next((f for f in files if f.target in flags), None)
    if conf is not None and all(m == conf.target or "conf" not in m.lower() for m in mounts):
        return _redis_file_auth(conf)
    return None


def _redis_file_auth(conf: MountedFile) -> DatastoreAuth | None:
    """What the configuration file a Redis or Valkey server is started with says of its clients' authentication:
    ``requirepass`` asks every client for a password; ACL users (``user``, ``aclfile``), an ``include`` of another
    file or ``protected-mode yes`` may keep clients out, so they leave it unknown; a file with none of them leaves
    the server's default, which lets any client in (the official images start with protected mode off)."""
    for m in re.finditer(r"^[ \t]*([A-Za-z-]+)\b", conf.text, re.MULTILINE):
        directive = m.group(1).lower()
        at = Location(conf.path, _line_of(conf.text, m.start()))
        if directive == "requirepass":
            return DatastoreAuth("password", f"requirepass in {os.path.basename(conf.path)}, the configuration "
                                             "file it starts with: Redis requires a password", at)
        if directive in ("user", "aclfile", "include") or (
                directive == "protected-mode" and "yes" in conf.text[m.end():conf.text.find("\n", m.end())]):
            return None  # ACL users, another file, or a server that refuses other hosts when it has no password
    return DatastoreAuth("none", f"{os.path.basename(conf.path)}, the configuration file it starts with "
                                 f"({conf.target}), sets no requirepass and no ACL user: Redis accepts any client",
                         Location(conf.path, 1))


_ANY_ADDRESS = frozenset({"::/0", "0.0.0.0/0", "0.0.0.0", "::", "%"})  # noqa: S104 - addresses read, none bound
_CLICKHOUSE_SECRETS = ("password_sha256_hex", "password_double_sha1_hex", "ldap", "kerberos", "ssl_certificates",
                       "ssh_keys", "no_password")


def _clickhouse_users_auth(files: Sequence[MountedFile]) -> DatastoreAuth | None:
    """A ClickHouse user that a mounted server configuration gives an empty ``<password>`` (and no other way to
    sign in) and allows from any address (``<networks><ip>::/0</ip>``): any client that reaches the server signs
    in as that user (ClickHouse docs, "Settings of users and roles": ``password``, ``networks``)."""
    for f in files:
        if not f.target.startswith("/etc/clickhouse-server/") or not f.target.endswith(".xml"):
            continue
        if "<!DOCTYPE" in f.text or "<!ENTITY" in f.text:  # entities are not expanded from a project's file
            continue
        try:
            root = ET.fromstring(f.text)  # noqa: S314 - a file with a DTD is skipped above: no entity can expand
        except ET.ParseError:
            continue
        for users in root.iter("users"):
            for user in users:
                password = user.find("password")
                if password is None or (password.text or "").strip() or any(
                        user.find(k) is not None for k in _CLICKHOUSE_SECRETS):
                    continue
                nets = user.find("networks")
                anywhere = nets is not None and any(
                    (n.text or "").strip() in _ANY_ADDRESS or (n.tag == "host_regexp" and (n.text or "").strip()
                                                               in (".*", "^.*$")) for n in nets)
                if not anywhere:
                    continue
                found = re.search(rf"<{re.escape(user.tag)}\b", f.text)
                return DatastoreAuth("none", f"{os.path.basename(f.path)}, mounted at {f.target}, gives the user "
                                             f"{user.tag} an empty password from any address: any client signs in",
                                     Location(f.path, _line_of(f.text, found.start() if found else 0)))
    return None


def datastore_auth(rec: Recognised | None, image: str | None, env: Mapping[str, str | None], command: str,
                   mounts: Sequence[str], files: Sequence[MountedFile] = ()) -> DatastoreAuth | None:
    """What a datastore container's image, environment, command and mounted configuration files say about client
    authentication.

    ``env`` maps each variable to its literal value (None when it comes from a Secret or elsewhere); only
    the variable names are ever reported. ``files`` are the project's files mounted into the container, read
    (``mounted_files``): the configuration a Redis server is started with, a ClickHouse users file. None when
    the artifact does not tell: an image the importer does not know (a project's own build), or a mounted
    configuration that may switch authentication on and was not read.
    """
    if rec is None or rec.role != "datastore" or not image:
        return None
    if rec.engine == "clickhouse":
        return _clickhouse_users_auth(files)
    path = image_path(image)
    flags = command.split()
    if path not in _AUTH_IMAGES.get(rec.engine, ()):
        # An image the importer does not know (a project's own build on MySQL) may change any default, but
        # a MySQL server authenticates every client unless started with --skip-grant-tables: a root password
        # given to it (written out or from a Secret) is password authentication, whatever the image.
        if rec.engine != "mysql" or "--skip-grant-tables" in flags:
            return None
        root = next((k for k in ("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD")
                     if (env.get(k) or "").strip() or f"{k}_FILE" in env or (k in env and env[k] is None)), None)
        return DatastoreAuth("password", f"{root} set: MySQL requires a password") if root else None
    configured = any("conf" in m.lower() for m in mounts)

    def given(*keys: str) -> str | None:
        return next((k for k in keys if k in env or f"{k}_FILE" in env), None)

    def yes(key: str) -> bool:
        return (env.get(key) or "").strip().lower() in _YES

    if rec.engine == "mongodb":
        key = given("MONGO_INITDB_ROOT_PASSWORD", "MONGODB_ROOT_PASSWORD", "MONGODB_PASSWORD")
        if "--auth" in flags or key:
            return DatastoreAuth("password", f"{key or '--auth'} set: mongod requires credentials")
        if yes("ALLOW_EMPTY_PASSWORD"):
            return DatastoreAuth("none", "ALLOW_EMPTY_PASSWORD: MongoDB runs without authentication")
        if path == "mongo" and not configured:
            return DatastoreAuth("none", "no MONGO_INITDB_ROOT_PASSWORD and no --auth: mongod accepts any client")
    elif rec.engine == "redis":
        return _redis_auth(path, given("REDIS_PASSWORD"), yes("ALLOW_EMPTY_PASSWORD"), command, mounts, files)
    elif rec.engine == "memcached":
        if "-S" in flags or "--enable-sasl" in flags or given("MEMCACHED_PASSWORD"):
            return DatastoreAuth("password", "SASL enabled: memcached requires credentials")
        return DatastoreAuth("none", "memcached without SASL (-S) accepts any client")
    elif rec.engine == "postgres":
        if (env.get("POSTGRES_HOST_AUTH_METHOD") or "").strip().lower() == "trust" or yes("ALLOW_EMPTY_PASSWORD"):
            return DatastoreAuth("none", "POSTGRES_HOST_AUTH_METHOD trust: PostgreSQL accepts any client")
        key = given("POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD")
        if key:
            return DatastoreAuth("password", f"{key} set: PostgreSQL requires a password")
    elif rec.engine == "search":
        return _search_auth(env)
    elif rec.engine == "seaweedfs":
        return _seaweedfs_auth(env, configured)
    elif rec.engine == "minio":
        return _minio_auth(given("MINIO_ROOT_PASSWORD", "MINIO_SECRET_KEY"))
    elif rec.engine == "sqlserver":
        # SQL Server has no anonymous access: the image will not start without the sa password, and every client
        # signs in (learn.microsoft.com, "Configure SQL Server settings with environment variables on Linux")
        key = given("MSSQL_SA_PASSWORD", "SA_PASSWORD")
        if key:
            return DatastoreAuth("password", f"{key} set: SQL Server requires a login")
    elif rec.engine == "mysql":
        root = given("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD",
                     "MARIADB_RANDOM_ROOT_PASSWORD")
        empty = yes("MYSQL_ALLOW_EMPTY_PASSWORD") or yes("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD") or yes(
            "ALLOW_EMPTY_PASSWORD")
        literal_root = root is not None and literal_secret(root, env.get(root) or "")
        if empty and (root is None or not (env.get(root) or "").strip()):
            return DatastoreAuth("none", "an empty root password is allowed: root connects without one")
        if root and (literal_root or not empty):
            return DatastoreAuth("password", f"{root} set: MySQL requires a password")
    return None


def _minio_auth(key: str | None) -> DatastoreAuth | None:
    """MinIO serves no anonymous request unless a bucket policy allows it: every S3 call is signed with a key the server
    knows, the root user's first (min.io docs, "MinIO Server environment variables": MINIO_ROOT_USER,
    MINIO_ROOT_PASSWORD; MINIO_ACCESS_KEY/MINIO_SECRET_KEY before them; Bitnami's image reads MINIO_ROOT_PASSWORD too).
    With no root password given, the server's default or a configuration file decides: unknown."""
    return DatastoreAuth("password", f"{key} set: MinIO requires every request to be signed") if key else None


def _seaweedfs_auth(env: Mapping[str, str | None], configured: bool) -> DatastoreAuth | None:
    """SeaweedFS's S3 gateway makes an admin identity of the key pair in its environment and then requires every S3
    request to be signed with a known key (seaweedfs/seaweedfs pull request 7030); without one, or with a mounted
    configuration that may hold an identities file, the artifact does not tell."""
    key = next((k for k in ("AWS_SECRET_ACCESS_KEY",) if k in env or f"{k}_FILE" in env), None)
    if key and not configured:
        return DatastoreAuth("password", f"{key} set: SeaweedFS's S3 gateway requires signed requests")
    return None


def _search_auth(env: Mapping[str, str | None]) -> DatastoreAuth | None:
    """Elasticsearch 8 and OpenSearch 2 start with security on (a password for the built-in admin user); a setting
    that switches it off lets any client read and write every index (elastic.co, "Security settings in
    Elasticsearch": xpack.security.enabled; opensearch.org, "Disabling and enabling the security plugin")."""
    def value(key: str) -> str:
        return (env.get(key) or "").strip().lower()

    off = next((k for k in ("xpack.security.enabled", "XPACK_SECURITY_ENABLED") if k in env
                and value(k) in ("false", "no", "0")), None)
    off = off or next((k for k in ("DISABLE_SECURITY_PLUGIN", "plugins.security.disabled") if value(k) in _YES), None)
    if off:
        return DatastoreAuth("none", f"{off} switches security off: the cluster accepts any client")
    key = next((k for k in ("ELASTIC_PASSWORD", "OPENSEARCH_INITIAL_ADMIN_PASSWORD") if k in env or f"{k}_FILE" in env),
               None)
    return DatastoreAuth("password", f"{key} set: the cluster requires credentials") if key else None


def registry_auth(rec: Recognised | None, image: str | None, env: Mapping[str, str | None], command: str,
                  mounts: Sequence[str]) -> DatastoreAuth | None:
    """Whether a registry container's API requires its callers to authenticate, by its image's defaults.

    Consul starts with ACLs disabled, and Nacos with its auth switched off; a configuration file (flag or
    mount) or an ACL setting in the environment may switch it on, so then the artifact does not tell."""
    if rec is None or rec.role != "registry" or not image:
        return None
    path = image_path(image)
    text = " ".join([command, *(f"{k}={v or ''}" for k, v in env.items())]).lower()
    configured = any("conf" in m.lower() for m in mounts) or "-config-" in command
    if path in ("consul", "hashicorp/consul", "bitnami/consul"):
        if "acl" in text or configured:
            return None
        return DatastoreAuth("none", "Consul starts with ACLs disabled (no acl setting, configuration file or "
                                     "mounted configuration): anyone who reaches it may register or deregister")
    if path in ("nacos-server", "nacos/nacos-server"):
        if (env.get("NACOS_AUTH_ENABLE") or "").strip().lower() in _YES:
            return DatastoreAuth("token", "NACOS_AUTH_ENABLE: Nacos requires a token")
        if not configured:
            return DatastoreAuth("none", "Nacos runs with its authentication off unless NACOS_AUTH_ENABLE is set")
    return None


_IN_MEMORY = frozenset({"redis"})
"""Engines that keep their data in memory: beside a database of the same name, a copy kept for speed."""
_STORE_WORDS = frozenset({"db", "database", "store", "storage", "data", "cache", "mongo", "pg"})


def _stem(name: str, engine: str) -> str:
    """A datastore's name without its engine words (``social-graph-redis`` -> ``social-graph``)."""
    engines = {e.engine for _p, e in catalog().images} | _STORE_WORDS | {engine}
    return "-".join(w for w in re.split(r"[-_]", name.lower()) if w and w not in engines)


def record_cache_roles(body: Body) -> None:
    """An in-memory store (Redis) named like a database of another engine but for its engine
    (``user-timeline-redis`` beside ``user-timeline-mongodb``) is that database's cache: ``role: cache``, said in a
    note; a store with no such neighbour (the only copy of its data, for all the import knows) keeps no role."""
    stores = body.items.get("datastores") or {}
    durable: dict[str, str] = {}
    for name, data in stores.items():
        if data.get("engine") and data.get("engine") not in _IN_MEMORY and data.get("kind") not in ("cache", "kv"):
            durable.setdefault(_stem(name, str(data["engine"])), name)
    for name, data in sorted(stores.items()):
        stem = _stem(name, str(data.get("engine") or ""))
        if data.get("engine") in _IN_MEMORY and "role" not in data and stem and stem in durable:
            body.set("datastores", name, "role", "cache", body.locs[("datastores", name)][""])
            body.note("datastores", name, f"role cache: named like {durable[stem]} but for its engine, an in-memory "
                                          f"store beside it keeps a copy for speed (if it holds the only copy of "
                                          f"some data, state role: system_of_record)")


_DATABASE_KINDS = frozenset({"relational", "document", "warehouse", "graph", "event_store"})
"""Datastore kinds that keep a system's own records (a cache, a key-value store such as Redis, a search index or an
object store is left out: it is a copy, a queue or a blob store more often than the only copy)."""
_DATABASE_ENGINES = frozenset({"cassandra"})
"""Databases the catalogue gives no kind."""
_MANAGED_ONLY = frozenset({"firestore", "spanner", "dynamodb", "cosmosdb"})
"""Engines offered only as a managed service: a container of one is a local emulator standing in for it."""
_EMULATOR_IMAGE = re.compile(r"emulator|(?:dynamodb|documentdb|cosmos\w*)[-_]local\b", re.IGNORECASE)
_NOT_PRIMARY = re.compile(r"(?:^|[-_.])(?:replica|replicas|slave|secondary|standby|readonly|ro|read|test|tests|testing|"
                          r"e2e|ci|mock|fake|dummy|tmp|temp|scratch|sandbox)(?:$|[-_.\d])", re.IGNORECASE)
"""A datastore named as a copy of another (a read replica, a standby) or as a test or throw-away store."""
_VIEW_SERVICE = re.compile(r"(?:^|[-_.])(?:views?|query|queries|projections?|history|reporting|read)(?:$|[-_.])",
                           re.IGNORECASE)
"""A service named for a query side (``order-history-service``, ``customer-view``): what it keeps is a view built
from other services' events or data (a read model), not their only copy."""
_TEST_FILE = re.compile(r"(?:^|[-_.])(?:test|tests|testing|e2e|ci|it)(?:[-_.]|$)", re.IGNORECASE)
"""A compose file or manifest named for tests (``docker-compose.test.yml``): what it runs is no deployment."""
BACKUP_TOOLS = re.compile(
    r"pg_dump(?:all)?|pg_basebackup|pgbackrest|wal-[eg]\b|barman|mysqldump|mariabackup|xtrabackup|mongodump|"
    r"clickhouse-backup|velero|k8up|restic|borgbackup|(?:^|[^a-z])backups?(?:[^a-z]|$)", re.IGNORECASE)
"""What names a backup: a dump or backup tool (``pg_dump``, ``wal-g``, ``velero``) or the word backup in a
workload's name, image, command or annotation (``postgres-backup-local``, ``backup.velero.io/backup-volumes``)."""


def record_systems_of_record(body: Body, backups: Sequence[tuple[str, Location]]) -> None:
    """A database the deployment runs that its services connect to holds the system's own data: ``role:
    system_of_record``; and unless something in the same files takes backups (``backups``: what names a backup tool,
    job, snapshot or annotation, and where), ``backups.enabled: false``, since nothing shows one. Left alone: a store
    whose role or backups are stated, a cache, Redis-like key-value store, search index or object store (kind), a
    local emulator of a managed store, a store named as a replica, standby or test store, a store only operator
    consoles or services named for a query side (views, history) reach, and every store of a deployment for
    development or tests (``system.environment``, a compose file named for it: ``docker-compose.dev.yml``).
    The stores made so are listed in ``body.records``: ``base.unconnected_records`` takes the role back from one that
    no connection reaches once every artifact is read (a ``depends_on`` the services' code shows to be no call)."""
    system = (body.items.get("system") or {}).get("system") or {}
    if system.get("environment") in ("development", "test") or _TEST_FILE.search(os.path.basename(body.file)):
        return
    stores = body.items.get("datastores") or {}
    services = body.items.get("services") or {}
    callers: dict[str, set[str]] = {}
    for data in (body.items.get("interactions") or {}).values():
        caller = str(data.get("from"))
        svc = services.get(caller) or {}  # an operator console writes nothing of its own
        if svc.get("criticality") != "best_effort" and not (
                isinstance(svc.get("image"), str) and catalog().console(svc["image"])):
            callers.setdefault(str(data.get("to")), set()).add(caller)
    for name, data in sorted(stores.items()):
        engine = str(data.get("engine") or "")
        if data.get("role") or "backups" in data or not callers.get(name) or all(
                _VIEW_SERVICE.search(c) for c in callers[name]):
            continue
        if data.get("kind") not in _DATABASE_KINDS and engine not in _DATABASE_ENGINES:
            continue
        if engine in _MANAGED_ONLY or _EMULATOR_IMAGE.search(str(data.get("image") or "")) or _NOT_PRIMARY.search(
                name):
            continue
        at = body.locs[("datastores", name)][""]
        who = ", ".join(sorted(callers[name]))
        body.set("datastores", name, "role", "system_of_record", at)
        body.records.append(name)
        one = len(callers[name]) == 1
        body.note("datastores", name, f"role system_of_record: a {engine or data.get('kind')} database {who} "
                                      f"connect{'s' if one else ''} to, the only copy of what "
                                      f"{'it writes' if one else 'they write'} for all the deployment shows (state "
                                      "another role if it holds a copy)")
        if backups:
            what, where = backups[0]
            body.note("datastores", name, f"backups not stated: {what} ({where.file}:{where.line}) may take them")
            continue
        body.set("datastores", name, "backups.enabled", False, at)
        body.note("datastores", name, "backups enabled false: no backup job, backup sidecar, snapshot or backup tool "
                                      "anywhere in the deployment (state backups if they are taken outside it)")


def record_cdc(body: Body, name: str, at: Location, why: str) -> None:
    """A change-data-capture relay: a worker (it serves no request), whose datastore connections are made in
    the background (``edge_fact``)."""
    body.set("services", name, "kind", "worker", at)
    body.note("services", name, f"kind worker: a change-data-capture relay by its {why}; it tails a database's "
                                "log in the background and serves no request")


def record_registry(body: Body, name: str, auth: DatastoreAuth | None, at: Location, why: str) -> None:
    """A service registry or configuration server: ``kind: registry``, and its API's authentication when
    the image's defaults tell it."""
    body.set("services", name, "kind", "registry", at)
    body.note("services", name, f"kind registry: a service registry by its {why}")
    if auth is not None:
        body.set("services", name, "inbound_auth", auth.authentication, at)
        body.note("services", name, f"inbound_auth {auth.authentication}: {auth.why}")


def record_datastore_auth(body: Body, name: str, auth: DatastoreAuth | None, at: Location) -> None:
    """Set ``authentication`` of an imported datastore, with the reason in the import's notes."""
    if auth is None:
        return
    body.set("datastores", name, "authentication", auth.authentication, auth.at or at)
    body.note("datastores", name, f"authentication {auth.authentication}: {auth.why}")


def _release_line(image: str) -> tuple[bool, str] | None:
    """An application image tagged with a major version alone (``vendor/app:4``, ``:v2``): the tag of a release
    line, which each minor and patch release of that major version (their migrations included) replaces. A
    datastore's major tag (``postgres:17``) is not read so: within one major version an engine keeps its storage
    format and protocol, and that tag is how its vendor ships security fixes; a broker or another known component
    likewise."""
    last = image.strip().rsplit("/", 1)[-1]
    name, colon, tag = last.partition(":")
    if "@" in image or not colon or not re.fullmatch(r"v?[0-9]+", tag):
        return None
    return False, f"image {name}:{tag} names a release line: each {tag}.x release replaces it"


def record_image_pinning(body: Body, service: str, image: str, at: Location, *, application: bool = False) -> None:
    """The service's deployment runs an identified build (a digest) or a moving one (no tag, ``latest``; for an
    ``application``, an image the catalogue does not recognise as a known component, a major version alone):
    ``deployments[].immutable_artifacts``; any other tag leaves it unknown."""
    pinned = image_pinning(image) or (_release_line(image) if application else None)
    if pinned is None:
        return
    value, why = pinned
    body.fact("deployments", {"service": service}, at)
    body.set("deployments", service, "immutable_artifacts", value, at)
    body.note("deployments", service, f"immutable_artifacts {str(value).lower()}: {why}")


def record_datastore_image(body: Body, name: str, image: str, at: Location, *, built: bool = False) -> None:
    """The container image a datastore runs (``datastores[].image``), and whether it names one build
    (``immutable_image``: a digest; false for no tag or a moving one; any other tag, or an image the deployment
    builds itself (``built``: the name tags the local build), leaves it unknown)."""
    body.set("datastores", name, "image", image[:200], at)
    pinned = None if built else image_pinning(image)
    if pinned is not None:
        body.set("datastores", name, "immutable_image", pinned[0], at)
        body.note("datastores", name, f"immutable_image {str(pinned[0]).lower()}: {pinned[1]}")


def record_datastore_nodes(body: Body, name: str, containers: int, at: Location, what: str) -> None:
    """A datastore's ``replicas`` count the copies *beside* its primary: one container is a single node
    (``replicas: 0``), with nothing to promote when it fails (``failover: none``). Several containers of
    one store are several copies only if the engine's replication is configured, which the container
    count does not say: left unknown, with a note."""
    if containers == 1:
        body.set("datastores", name, "replicas", 0, at)
        body.set("datastores", name, "failover", "none", at)
        body.note("datastores", name, f"replicas 0, failover none: a single {what}, no replica to promote")
    else:
        body.note("datastores", name, f"{containers} {what}s: replicas and failover unknown (copies of one store "
                                      "only if the engine's replication is configured)")


_ASYNC_PROTOCOLS = ("amqp", "kafka", "mqtt")


def edge_fact(edge: Edge, target: Recognised | None, source: Recognised | None = None) -> dict[str, Any]:
    """The interaction an inferred edge becomes: its protocol, and its style when the protocol or the
    target tells it (a broker is called asynchronously; a service or datastore named as an address
    answers requests, so the call is synchronous, unless a WebSocket carries it, a stream; a service registry
    is called in the background, and so is a datastore whose log a change-data-capture relay tails), with the
    evidence in ``inferred_from``."""
    data: dict[str, Any] = {"from": edge.source, "to": edge.target, "inferred_from": "; ".join(edge.evidence)[:2000]}
    protocol = edge.protocol or (target.protocol if target else None)
    if protocol:
        data["protocol"] = protocol
    if protocol in _ASYNC_PROTOCOLS or (target is not None and target.role == "broker"):
        data["style"] = "async"
    elif protocol == "websocket":
        # A WebSocket is one long-lived connection carrying messages both ways (an OpAMP agent's link to its
        # server): no request waits on an answer over it, so it is a stream, not a call a timeout would bound.
        data["style"] = "stream"
    elif protocol is not None or edge.external or target is None or target.role in ("datastore", "proxy"):
        data["style"] = "sync"
    if target is not None and target.role in ("registry", "coordinator"):
        # A registry's clients register, send heartbeats and refresh the addresses they cache from a task
        # of their own, and a coordination service's clients renew their sessions and watches so: no request
        # waits on either (``during``).
        data["during"] = "background"
    elif target is not None and target.role == "config_server":
        # A config client fetches its configuration as the service starts (what a compose depends_on on the
        # server orders): no request waits on the server.
        data["during"] = "startup"
    elif source is not None and source.role == "cdc" and target is not None and target.role == "datastore":
        # A CDC relay reads the database's log as a replication client, from a task of its own: it serves no
        # request, so none waits on the connection.
        data["during"] = "background"
    return data


def record_edge_tls(body: Body, data: Mapping[str, Any], edge: Edge) -> None:
    """State that a call does not verify its target's certificate when an address it is drawn from says so, and, for
    a datastore's, that its clients do not (said once, by the first)."""
    if edge.unverified is None:
        return
    option, loc, var = edge.unverified
    ident = identity("interaction", {"from": data["from"], "to": data["to"]})
    body.set("interactions", ident, "tls_verify", False, loc)
    body.note("interactions", ident, f"tls_verify false: {option} in {var} ({loc.file}:{loc.line}): its client "
                                     "accepts any certificate the target presents")
    store = body.get("datastores", edge.target)
    if store is not None and "tls_verify" not in store:
        body.set("datastores", edge.target, "tls_verify", False, loc)
        body.note("datastores", edge.target, f"tls_verify false: {edge.source} connects with {option} "
                                             f"({var}, {loc.file}:{loc.line}), accepting any certificate")


def record_edge_timeout(body: Body, data: Mapping[str, Any], edge: Edge) -> None:
    """Set a synchronous call's timeout from the caller's timeout variable, with where and why."""
    if edge.timeout is None or data.get("style") != "sync":
        return
    ident = identity("interaction", {"from": data["from"], "to": data["to"]})
    ms, loc, why = edge.timeout
    body.set("interactions", ident, "timeout_ms", ms, loc)
    body.note("interactions", ident, f"timeout_ms from {why}")
