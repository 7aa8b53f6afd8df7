"""docker-compose -> the infrastructure agent's services, datastores and (inferred) edges.

Read per compose service: the image; whether it is a datastore or a broker (by image, server-only
environment, data directory or a ``-db`` name); replicas (``deploy.replicas``, legacy ``scale``,
else compose's default of one container); the healthcheck; published ports (exposure); volumes
(persistence: ``durable_storage`` of a datastore, ``stateful`` of a service; a broker with no volume at its
message store makes the channels it carries ``durable: false``, ``base.volatile_channels``); resource limits
(``deploy.resources.limits``, ``mem_limit``, ``cpus``); and edges, *inferred* from ``depends_on``,
``links``, and environment variables or commands that name another service's host, each with its
evidence in ``inferred_from``. A ``depends_on`` alone says start order, not how a service is called: to
a datastore or broker it is that store's client (the call's style follows from the target), to a
configuration server (a Spring Cloud Config server by its image, or a service named ``config`` or
``config-server``) its clients' fetch as they start (``during: startup``), to a service it is a call of
unknown style and protocol, unless a single file mounted into the caller addresses the target by a URL whose scheme
names one (``url: "http://images:8080/"`` in its configuration: a synchronous HTTP call). Credentials written out
in the environment, or in the JSON/YAML files the project bind-mounts (``./config:/app/config``), make the service's
``secrets_source`` ``repo_config`` (the key is named, never the value); a Keycloak realm export among them gives
the service the realm's token endpoint (``engine.importers.keycloak``). Traefik routers in the
services' labels become endpoints of the Traefik service (``engine.importers.traefik``).

Exposure: a port published on every host interface (no host IP, ``0.0.0.0`` or ``::``) is ``host``:
anyone on the network the host sits on reaches it, but nothing in the file says that network is the
internet. A port bound to a global (non-private) address is ``public``. A port published only on a
loopback or private address, or no published port at all, is ``internal``. A datastore published ``host`` or
``public`` gets ``public_access: true``.

Profiles: the design is the deployment ``docker compose up`` starts with the profiles the import enables
(``--profile``, else ``COMPOSE_PROFILES`` in the project's ``.env``; see ``compose_project``); each service left out
is said in a remark. A service started because one of its profiles is enabled is tagged ``optional``, with a note
naming its profiles.

Environment: a compose file named for development (``docker-compose.dev.yml``, ``compose.local.yaml``)
or for tests (``docker-compose.test.yml``) sets ``system.environment``; any other name says nothing,
and the review then takes the design as production.

A command running a task queue's worker or scheduler (Celery, RQ, Sidekiq...) makes the service a worker; a Celery
worker started with beat inside it (``-B``) also runs a job on every replica, the periodic-task scheduler.

A compose healthcheck gates dependants (``condition: service_healthy``) but Docker does not restart
an unhealthy container outside swarm, so it sets ``health.readiness`` and leaves liveness unknown.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, Location
from engine.importers import code_default_admin, dapr, dockerfile, keycloak, traefik, uwsgi_conf
from engine.importers.base import (
    HEALTH_PATH,
    Body,
    console_entry,
    entry_endpoint,
    fail,
    listing,
    load_one,
    mapping,
    safe_name,
    without_facts,
)
from engine.importers.compose_project import load_project, profiles_of, project_files
from engine.importers.infra import (
    BACKUP_TOOLS,
    BROWSER_BUILD,
    NOT_REVIEWED,
    OPERATOR_TOOL,
    SCHEME_PROTOCOL,
    AddressBook,
    Console,
    DatastoreAuth,
    Edge,
    Mention,
    MountedFile,
    Recognised,
    address_books,
    apply_timeout_variables,
    catalog,
    console_ui,
    datastore_auth,
    edge_fact,
    environment,
    given_set,
    given_whole,
    image_base,
    infer_edges,
    literal_secret,
    mounted_configs,
    mounted_files,
    mounted_secrets,
    off_data_dir,
    recognise,
    record_cache_roles,
    record_cdc,
    record_console,
    record_datastore_auth,
    record_datastore_image,
    record_datastore_nodes,
    record_edge_timeout,
    record_edge_tls,
    record_image_pinning,
    record_literal_secrets,
    record_one_shot,
    record_operator_tool,
    record_registry,
    record_systems_of_record,
    record_task_runner,
    registry_auth,
)
from engine.source import DEFAULT_LIMITS, Document, Limits, Path

_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
# Words of a compose file's name (split on . - _) that state the environment it describes.
_ENVIRONMENT_WORDS = {"dev": "development", "development": "development", "local": "development",
                      "test": "test", "tests": "test", "testing": "test"}


def detect(data: Any) -> bool:
    """Whether a parsed document looks like a compose file."""
    services = data.get("services") if isinstance(data, dict) else None
    return isinstance(services, dict) and bool(services) and all(
        isinstance(s, dict) and ("image" in s or "build" in s or "extends" in s) for s in services.values())


def is_fragment(path: str, limits: Limits = DEFAULT_LIMITS, *, whole: bool = False) -> bool:
    """Whether a file is a compose file (``whole``), or at least an override: services as mappings."""
    try:
        data = load_one(path, limits).data
    except ArchplanError:
        return False
    if whole:
        return detect(data)
    services = data.get("services") if isinstance(data, dict) else None
    return isinstance(services, dict) and bool(services) and all(
        s is None or isinstance(s, dict) for s in services.values())


def import_file(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None,
                profiles: Sequence[str] | None = None) -> list[Document]:
    """Import one compose file, or a project directory (``service`` is not used: compose names its services)."""
    return import_paths([path], limits, service, profiles)


def import_paths(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                 service: str | None = None, profiles: Sequence[str] | None = None,
                 env_files: Sequence[str] = ()) -> list[Document]:
    """Import compose files merged as ``docker compose -f a -f b`` merges them (see ``compose_project``): the
    services ``docker compose --profile P... up`` starts for the ``profiles`` given (none: those ``COMPOSE_PROFILES``
    in the project's ``.env`` enables), each service left out said in a remark; the variables interpolated from
    ``env_files`` when given (``docker compose --env-file``), else from the project's ``.env``."""
    project = load_project(paths, limits, profiles, env_files)
    doc = project.doc
    root = mapping(doc, doc.data, (), "a compose file")
    if not root.get("services"):
        raise fail(doc, (), "not a compose file: no 'services:' section")
    services = mapping(doc, root["services"], ("services",), "'services'")
    body = Body(doc.file, "infrastructure", "compose")
    for where, remark in project.remarks:
        body.remark(where, remark)
    _environment_of(body, project.files)
    scan = _Scan(compose_files=set(project.files), shared_env_files=_shared_env_files(doc, services, project.files),
                 shared_definitions=_shared_definitions(doc, services, project.files),
                 emulated=_emulated(doc, services))
    for name, svc in services.items():
        scan.service(doc, body, name, svc, limits)
    routed = {n: ls for n, ls in scan.labelled.items()
              if any(k.startswith("traefik.http.routers.") for k, _v, _l in ls)}
    if routed and len(scan.traefiks) == 1:
        traefik.import_routes(body, scan.traefiks[0], routed,
                              traefik.redirecting_entrypoints(mapping(doc, services[scan.traefiks[0]],
                                                                      ("services", scan.traefiks[0]), "a service")),
                              scan.consoles, scan.labelled)
    elif routed:
        body.remark(doc.locate(()), "Traefik router labels, but " + (
            "no Traefik service" if not scan.traefiks else f"several Traefik services ({', '.join(scan.traefiks)})") +
            " in the compose file: routes not imported")
    for proxy in scan.traefiks:
        trust = traefik.client_ip_trust(doc, mapping(doc, services[proxy], ("services", proxy), "a service"),
                                        ("services", proxy))
        if trust is not None:
            body.set("services", proxy, "client_ip_from_header", trust[0], trust[1])
            body.note("services", proxy, f"client_ip_from_header {trust[0]}: {trust[2]}")
    # Edges: depends_on and links are declared; host names in configuration are inferred.
    edges = infer_edges(scan.mentions, scan.hosts, {n: (r.protocol if r else None) for n, r in scan.kinds.items()})
    apply_timeout_variables(edges, scan.mentions, scan.kinds)
    body.environment = environment(scan.mentions, scan.kinds)
    body.unseen_environment = _unseen_environment(doc, services, scan.kinds, project.unread_env_files)
    body.published_ports = {n: tuple(t for e, _l, t in p if e != "internal") for n, p in scan.published.items() if p}
    declared = _declared_edges(doc, services, scan.skipped)
    _record_calls(body, edges, declared, scan.kinds, scan.mentions, _role_variants(doc, root, services), scan)
    _bare_start_orders(body, edges, declared, scan.kinds, _unconfigured(services))
    _command_line_proxies(body, edges, scan)
    dapr.record(body, scan.sidecars, scan.hosts,
                {n for n, r in scan.kinds.items() if r is not None and r.role == "datastore"}, scan.published)
    _address_books(body, scan)
    body.book_timeouts = {name: {h: (t, at, book.file) for book in reversed(books) for h, (t, at) in book.hosts.items()
                                 if t is not None} for name, books in sorted(scan.books.items()) if books}
    _shared_logins(body, edges, scan)
    _shared_file_logins(body, scan)
    _builds(doc, body, services, scan)
    record_cache_roles(body)
    body.backups = tuple(_backups(doc, services))
    record_systems_of_record(body, body.backups)
    return [without_facts(body.document(), "datastores", _telemetry_stores(body, services, scan))]


_CLI_PROXY = re.compile(r"\breverse[-_]proxy\b.*?\s--to[ =](?:https?://)?([\w.-]+)")
"""A proxy's command line that forwards every request to one upstream (Caddy's ``caddy reverse-proxy --from HOST --to
app:3000``)."""


def _command_line_proxies(body: Body, edges: Sequence[Edge], scan: _Scan) -> None:
    """A reverse proxy whose command line forwards every request to one service (``_CLI_PROXY``): its entry routes
    to that service (``routes_to``), as a configuration file's ``reverse_proxy`` would."""
    for edge in edges:
        entry = safe_name(f"{edge.source}-entry")
        if (body.get("services", edge.source) or {}).get("kind") != "gateway" or not body.has("endpoints", entry):
            continue
        for m in scan.mentions.get(edge.source, []):
            cli = _CLI_PROXY.search(m.text) if m.key == "command" else None
            if cli is not None and scan.hosts.get(cli.group(1)) == edge.target:
                body.set("endpoints", entry, "routes_to", [edge.target], m.location)
                body.note("endpoints", entry, f"routes_to {edge.target}: its command line forwards every request "
                                              f"there ({m.where}, {m.location.file}:{m.location.line})")
                break


def _backups(doc: Document, services: dict[str, Any]) -> list[tuple[str, Location]]:
    """The services that take backups by their name, image, command, entry point or labels (``BACKUP_TOOLS``)."""
    found: list[tuple[str, Location]] = []
    for name, given in services.items():
        svc = given if isinstance(given, dict) else {}
        for key, value in (("name", name), ("image", svc.get("image")), ("command", svc.get("command")),
                           ("entrypoint", svc.get("entrypoint")), ("labels", svc.get("labels"))):
            text = " ".join(map(str, value.items() if isinstance(value, dict) else value)) if isinstance(
                value, (list, dict)) else str(value or "")
            m = BACKUP_TOOLS.search(text)
            if m:
                found.append((f"service {name}'s {key} names {m.group(0).strip(' -_=/')!r}",
                              doc.locate(("services", name) if key == "name" else ("services", name, key))))
                break
    return found


def _telemetry_stores(body: Body, services: dict[str, Any], scan: _Scan) -> dict[str, str]:
    """Datastore -> why it is not reviewed: no service of the system reads or writes it, and observability
    infrastructure depends on it (a collector's log or trace store): part of the telemetry stack."""
    called = {str(i.get("to")) for i in (body.items.get("interactions") or {}).values()}
    out: dict[str, str] = {}
    for name in sorted(body.items.get("datastores") or {}):
        if name in called:
            continue
        users = sorted(t for t in scan.telemetry if isinstance(services.get(t), dict) and name in (
            list(services[t].get("depends_on") or []) if isinstance(services[t].get("depends_on"), (list, dict))
            else []))
        if users:
            out[name] = (f"{name} is a store of the observability infrastructure ({', '.join(users)} depends on it) "
                         "that no service of the system reads or writes: not reviewed as part of the system")
    return out


@dataclass
class _Scan:
    """What the services of a compose file say about each other, gathered service by service."""

    hosts: dict[str, str] = field(default_factory=dict)  # host name -> service
    labelled: dict[str, list[tuple[str, str, Location]]] = field(default_factory=dict)  # Traefik labels
    traefiks: list[str] = field(default_factory=list)  # the services that run Traefik
    consoles: dict[str, Console] = field(default_factory=dict)  # a known web console a service's image serves
    kinds: dict[str, Recognised | None] = field(default_factory=dict)
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # not reviewed (tooling, not the system)
    telemetry: set[str] = field(default_factory=set)  # the skipped ones that are observability infrastructure
    books: dict[str, list[AddressBook]] = field(default_factory=dict)  # service -> the address books it mounts
    compose_files: set[str] = field(default_factory=set)  # the project's files (a variable from elsewhere: env_file)
    shared_env_files: set[str] = field(default_factory=set)  # env_files that several services read
    shared_definitions: set[tuple[str, int]] = field(default_factory=set)  # compose lines several services' env merge
    emulated: dict[str, Recognised] = field(default_factory=dict)  # service -> the managed store it emulates
    colocated: dict[str, str] = field(default_factory=dict)  # service -> the one whose network namespace it joins
    # mounted file -> (database host, login) -> database (or key) -> where: the connection strings it writes out
    file_logins: dict[str, dict[tuple[str, tuple[str, str]], dict[str, Location]]] = field(default_factory=dict)
    published: dict[str, list[tuple[str, Location, str]]] = field(default_factory=dict)  # exposure, where, port
    sidecars: list[dapr.Sidecar] = field(default_factory=list)  # the Dapr sidecars (``engine.importers.dapr``)
    bases: dict[str, str] = field(default_factory=dict)  # service -> the image its Dockerfile builds on
    files: dict[str, list[MountedFile]] = field(default_factory=dict)  # service -> the single files it mounts

    def aliases(self, name: str, spec: dict[str, Any]) -> None:
        """The other host names a service answers to: its ``hostname``, ``container_name`` and network aliases."""
        for alias_key in ("hostname", "container_name"):
            if isinstance(spec.get(alias_key), str):
                self.hosts[spec[alias_key]] = name
        networks = spec.get("networks")
        if isinstance(networks, dict):
            for net in networks.values():
                if isinstance(net, dict):
                    for alias in net.get("aliases") or []:
                        if isinstance(alias, str):
                            self.hosts[alias] = name

    def colocate(self, doc: Document, name: str, spec: dict[str, Any], command: str, image: str | None,
                 variables: list[str], configs: list[tuple[str, list[Document]]]) -> None:
        """Record the service whose network namespace this one joins (``network_mode: "service:<name>"``), and
        the Dapr sidecar it is, if it is one (``engine.importers.dapr``)."""
        network = spec.get("network_mode")
        if isinstance(network, str) and network.startswith("service:"):
            self.colocated[name] = network.split(":", 1)[1]
        sidecar = dapr.sidecar(name, self.colocated.get(name, name), command, image, variables,
                               doc.locate(("services", name)), configs)
        if sidecar is not None:
            self.sidecars.append(sidecar)

    def service(self, doc: Document, body: Body, name: str, svc: Any, limits: Limits) -> None:
        """Record one service's facts, and gather its host names, labels and mentions."""
        at: Path = ("services", name)
        spec = mapping(doc, svc, at, f"service '{name}'")
        env = _environment(doc, spec.get("environment"), (*at, "environment"))
        env_files = {k: f"env_file {loc.file}" for k, _v, loc in env if loc.file not in self.compose_files}
        mounts = _mounts(doc, spec, at)
        image = spec.get("image") if isinstance(spec.get("image"), str) else None
        built, why_not = dockerfile.build_of(spec, os.path.dirname(doc.file), limits)
        if why_not:
            body.remark(doc.locate((*at, "build")), why_not)
        runs = built.base if built is not None and built.base else image  # the image the container runs on
        if built is not None:
            self.bases[name], stated = built.base or "", {k for k, _v, _l in env}
            env = [e for e in built.env if e[0] not in stated] + env  # compose's environment wins
        # A server-only variable says what a container is when it was given to that container: one that reaches it
        # from an env_file the whole project shares (a `.env` holding the database's settings beside its clients'),
        # or from an extension block merged into several services' environment (`<<: [*app-env, *db-env]`, the
        # database's PGDATA and POSTGRES_* beside its clients'), says nothing about which of them is the server.
        own_keys = [k for k, _v, loc in env if loc.file not in self.shared_env_files and
                    (loc.file, loc.line) not in self.shared_definitions]
        rec = recognise(runs, own_keys, [m for m, _p, _l in mounts], name) or self.emulated.get(name)
        if rec is not None and built is not None and built.base and rec.why.startswith("image"):
            rec = dataclasses.replace(rec, why=f"{rec.why}, the base of {built.dockerfile}")
        if rec is not None and rec.role in NOT_REVIEWED:
            if not _console(doc, body, name, spec, at, runs):
                body.remark(doc.locate(at), f"{name} is {NOT_REVIEWED[rec.role]} (by its {rec.why}): not reviewed "
                                            "as part of the system")
            body.not_reviewed[name] = f"{NOT_REVIEWED[rec.role]} (by its {rec.why}, {doc.locate(at)})"
            self.skipped.add(name)
            if rec.role == "observability":
                self.telemetry.add(name)
            return
        self.hosts[name] = name
        self.labelled[name] = traefik.labels_of(doc, spec, at)
        console = catalog().console(runs)
        if console is not None:
            self.consoles[name] = console
        if image and "traefik" in image_base(image):
            self.traefiks.append(name)
        self.aliases(name, spec)
        self.kinds[name] = rec
        mentions = self.mentions[name] = [Mention(v, k, f"environment of {name}", loc, env_files.get(k, ""))
                                          for k, v, loc in env if v] + _command_mentions(doc, spec, at, name)
        command = " ".join(m.text for m in mentions if m.key == "command")
        body.programs[name] = (_program(spec, built), built.runs if built is not None else ())
        _one(doc, body, name, spec, at, rec, image, mounts,
             registry_auth(rec, runs, {k: v for k, v, _l in env}, command, [m for m, _p, _l in mounts]),
             built, limits)
        files = self.files[name] = mounted_files(os.path.dirname(doc.file), _bind_files(spec), limits)
        record_datastore_auth(body, name, datastore_auth(rec, runs, {k: v for k, v, _l in env}, command,
                                                         [m for m, _p, _l in mounts],
                                                         files if rec is not None and rec.role == "datastore" else []),
                              built.base_at if built is not None and built.base else
                              doc.locate((*at, "image")) if image else doc.locate(at))
        configs = mounted_configs(body, os.path.dirname(doc.file), _bind_sources(spec), limits)
        self.colocate(doc, name, spec, command, image, [k for k, _v, _l in env], configs)
        self.published[name] = _published(doc, spec.get("ports"), (*at, "ports")) if spec.get("ports") else []
        for path, logins in _file_logins(configs).items():
            self.file_logins.setdefault(os.path.relpath(path, os.path.dirname(doc.file)), logins)
        mounted = mounted_secrets(configs, os.path.dirname(doc.file))
        self.books[name] = address_books(configs)
        keycloak.record_realms(body, name, configs, os.path.dirname(doc.file), image, {k: v for k, v, _l in env})
        _written_credentials(body, name, rec, env, mounted, files)


def _credential_origins(body: Body, name: str, rec: Recognised | None, own: Sequence[str],
                        mounted: Sequence[str]) -> None:
    """Where a service's credentials written in the configuration come from, for the passes that read its code: the
    variables of its environment alone (``literal_secrets``), or the token-signing keys of a file it mounts alone
    (``signing_secrets``)."""
    if own and not mounted and (rec is None or rec.role != "datastore"):
        body.literal_secrets[name] = tuple(sorted(set(own)))
    if mounted and not own and all(_SIGNING_KEY.fullmatch(k.rsplit(": ", 1)[-1]) for k in mounted):
        # a top-level key of the file: under a host's entry it would be that entry's credential
        body.signing_secrets[name] = tuple(mounted)


def _program(spec: Mapping[str, Any], built: dockerfile.Build | None) -> str:
    """The command a service's container runs, as one text: compose's ``entrypoint`` and ``command``, each in place of
    its Dockerfile's (``ENTRYPOINT``, ``CMD``; compose's ``entrypoint`` drops the image's ``CMD``); "" when unknown."""
    def words(value: Any) -> tuple[str, ...] | None:
        return tuple(str(c) for c in value) if isinstance(value, list) else (value,) if isinstance(value, str) else None
    entry, cmd = words(spec.get("entrypoint")), words(spec.get("command"))
    if entry is None and built is not None and built.entrypoint is not None:
        entry = built.entrypoint[0]
    if cmd is None and spec.get("entrypoint") is None and built is not None and built.cmd is not None:
        cmd = built.cmd[0]
    return " ".join((*(entry or ()), *(cmd or ())))


def _command_mentions(doc: Document, spec: Mapping[str, Any], at: Path, name: str) -> list[Mention]:
    """A service's ``command`` and ``entrypoint``, each as one text (a list joined by spaces)."""
    out: list[Mention] = []
    for ckey in ("command", "entrypoint"):
        cmd = spec.get(ckey)
        text = " ".join(str(c) for c in cmd) if isinstance(cmd, list) else cmd if isinstance(cmd, str) else None
        if text:
            out.append(Mention(text, "command", f"{ckey} of {name}", doc.locate((*at, ckey))))
    return out


_SIGNING_KEY = re.compile(r"(jwt|token|signing|hmac|session)?[_-]?(secret|signing[_-]?key)|jwt[_-]?key", re.IGNORECASE)
"""A key that names a token-signing secret (``secret``, ``jwt_secret``, ``signing_key``): read by what issues or checks
tokens, not by every service that mounts the file holding it."""


def _address_books(body: Body, scan: _Scan) -> None:
    """What the address books the services mount say of their calls: the timeout of each call to a listed
    host, and, when a book switches TLS off and gives no credential, that services call each other
    unauthenticated."""
    for ident, data in sorted((body.items.get("interactions") or {}).items()):
        source, target = data.get("from"), data.get("to")
        for book in scan.books.get(str(source), []):
            listed = next(((h, v) for h, v in sorted(book.hosts.items()) if scan.hosts.get(h) == target), None)
            if listed is None or listed[1][0] is None or "timeout_ms" in data:
                continue
            body.set("interactions", ident, "timeout_ms", listed[1][0], listed[1][1])
            body.note("interactions", ident, f"timeout_ms from {listed[0]}'s timeout_ms in {book.file}, which "
                                             f"{source} mounts")
            break
    for name in sorted(scan.books):
        for book in scan.books[name]:
            services = sorted({scan.hosts[h] for h in book.hosts if h in scan.hosts and scan.kinds.get(scan.hosts[h])
                               is None and scan.hosts[h] != name})
            if book.tls_off is None or book.credentials or not services:
                continue
            body.set("security", "security", "service_to_service_auth", "none", book.tls_off)
            body.note("security", "security", f"service_to_service_auth none: {book.file} ({name} mounts it) lists "
                                              f"{len(services)} services by address and port, TLS off, no credential")
            return


_LOGIN_USER = re.compile(r"(?:^|;)\s*(?:user\s*id|uid|user(?:\s*name)?)\s*=\s*(?P<v>[^;]*)", re.IGNORECASE)
_LOGIN_PASSWORD = re.compile(r"(?:^|;)\s*(?:password|pwd)\s*=\s*(?P<v>[^;]*)", re.IGNORECASE)
_URL_LOGIN = re.compile(r"://(?P<user>[^/@\s:]+):(?P<password>[^/@\s]+)@")


def _login_of(text: str) -> tuple[str, str] | None:
    """The (user, password) a connection string or URL writes out (``User Id=app;Password=x``, ``://app:x@``);
    None when either is missing or still a reference (``${DB_PASSWORD}``)."""
    m = _URL_LOGIN.search(text)
    found = (m.group("user"), m.group("password")) if m else None
    if found is None:
        user, password = _LOGIN_USER.search(text), _LOGIN_PASSWORD.search(text)
        found = (user.group("v").strip(), password.group("v").strip()) if user and password else None
    if found is None or not all(found) or any(v.startswith("$") or "${" in v for v in found):
        return None
    return found


_DB_HOST = re.compile(r"(?:^|;)\s*(?:server|data\s*source|host)\s*=\s*(?:tcp:)?(?P<h>[A-Za-z][\w.-]*)", re.IGNORECASE)
_DB_NAME = re.compile(r"(?:^|;)\s*(?:database|initial\s*catalog)\s*=\s*(?P<d>[^;]+)", re.IGNORECASE)


def _walk(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*at, i))
    elif at and isinstance(node, str):
        yield at, node


def _file_logins(configs: Sequence[tuple[str, list[Document]]]
                 ) -> dict[str, dict[tuple[str, tuple[str, str]], dict[str, Location]]]:
    """The connection strings the mounted configuration files write out with a login (``Server=db;Database=orders;
    User Id=app;Password=x``), by file, then by database host and login, then by database (or key)."""
    out: dict[str, dict[tuple[str, tuple[str, str]], dict[str, Location]]] = {}
    for path, docs in configs:
        for doc in docs:
            for keys, value in _walk(doc.data, ()):
                login, host = _login_of(value), _DB_HOST.search(value)
                if login is None or host is None:
                    continue
                db = _DB_NAME.search(value)
                out.setdefault(path, {}).setdefault((host.group("h").lower(), login), {}).setdefault(
                    db.group("d").strip() if db else ".".join(map(str, keys)), doc.locate(keys))
    return out


def _shared_file_logins(body: Body, scan: _Scan) -> None:
    """``credentials_shared`` on a datastore for which one mounted configuration file (a shared settings or secrets
    file) writes out connection strings to several of its databases with the same user and password: the clients
    of those databases share one login, so one leak opens them all and none can be narrowed alone."""
    for file, groups in sorted(scan.file_logins.items()):
        for (host, _login), databases in sorted(groups.items()):
            store = scan.hosts.get(host)
            if len(databases) < 2 or store is None or store not in (body.items.get("datastores") or {}):
                continue
            if "credentials_shared" in (body.get("datastores", store) or {}):
                continue
            first = min(databases.values(), key=lambda loc: (loc.line, loc.column))
            body.set("datastores", store, "credentials_shared", True, first)
            body.note("datastores", store, f"credentials_shared: {file} writes out connection strings to "
                                           f"{len(databases)} of its databases ({', '.join(sorted(databases))}) with "
                                           "one user and password (values not shown)")


def _shared_logins(body: Body, edges: Sequence[Any], scan: _Scan) -> None:
    """``credentials_shared`` on a datastore that several services reach with the same user and password, each
    written out in the value from which their call to it is drawn: one leaked configuration opens every service's
    data, and no service's access can be narrowed or revoked alone. The values are never reported."""
    by_store: dict[str, dict[tuple[str, str], dict[str, Location]]] = {}
    for edge in edges:
        rec = scan.kinds.get(edge.target)
        if edge.external or rec is None or rec.role != "datastore":
            continue
        keys = {k for k, _w in edge.keys}
        for m in scan.mentions.get(edge.source, []):
            login = _login_of(m.text) if m.key in keys else None
            if login is not None:
                by_store.setdefault(edge.target, {}).setdefault(login, {}).setdefault(edge.source, m.location)
    for store, logins in sorted(by_store.items()):
        if store not in (body.items.get("datastores") or {}):
            continue
        shared = [users for users in logins.values() if len(users) > 1]
        if shared:
            users = sorted(shared[0])
            body.set("datastores", store, "credentials_shared", True, shared[0][users[0]])
            body.note("datastores", store, f"credentials_shared: {', '.join(users)} reach it with the same user and "
                                           "password, written out in their configuration (values not shown)")


def _declared_edges(doc: Document, services: dict[str, Any],
                    skipped: set[str]) -> dict[tuple[str, str], list[tuple[str, Location]]]:
    """(service, target) -> the depends_on and links entries that declare it."""
    declared: dict[tuple[str, str], list[tuple[str, Location]]] = {}
    for name, svc in services.items():
        for key in ("depends_on", "links"):
            value = svc.get(key) if isinstance(svc, dict) else None
            targets = list(value) if isinstance(value, dict) else value if isinstance(value, list) else []
            for i, t in enumerate(targets):
                target = str(t).split(":", 1)[0]
                loc = doc.locate(("services", name, key, target) if isinstance(value, dict) else
                                 ("services", name, key, i))
                if target not in services:
                    raise fail(doc, ("services", name, key), f"'{target}' is not a service of this compose file")
                if name in skipped or target in skipped:
                    continue
                declared.setdefault((name, target), []).append((key, loc))
    return declared


def _browser_app_start_order(body: Body, source: str, target: str, at: Location, mentions: Sequence[Mention]) -> bool:
    """Whether ``source``'s ``depends_on`` on ``target`` is a start order only because every variable of its
    environment is read by the browser build it serves (``BROWSER_BUILD``): the browser makes the calls, the container
    serves files. Says so in a remark."""
    keys = sorted({m.key for m in mentions if m.key != "command"})
    if not keys or not all(BROWSER_BUILD.fullmatch(k) for k in keys):
        return False
    body.remark(at, f"{source}->{target} not drawn: only depends_on says it, and {source}'s environment holds only "
                    f"variables a browser build inlines ({', '.join(keys)}): it serves a single-page app whose calls "
                    "the browser makes, so the start order is no call")
    return True



_ADDRESS_KEYS = ("build", "command", "configs", "dns", "entrypoint", "env_file", "environment", "extends",
                 "extra_hosts", "links", "network_mode", "secrets", "volumes", "volumes_from")
"""The keys of a compose service through which it may be given another service's address: its variables, its
command, the files mounted into it, the code it is built from, host names it is told."""


def _unconfigured(services: Mapping[str, Any]) -> frozenset[str]:
    """The services the compose file gives nothing that could hold another's address (none of ``_ADDRESS_KEYS``): a
    pulled image run as it is, with its ports, replicas and start order only."""
    return frozenset(n for n, svc in services.items()
                     if isinstance(svc, dict) and svc.get("image") and not any(svc.get(k) for k in _ADDRESS_KEYS))



def _bare_start_orders(body: Body, edges: Sequence[Edge], declared: Mapping[tuple[str, str], object],
                       kinds: Mapping[str, Recognised | None], bare: frozenset[str]) -> None:
    """Record each call to a service that only ``depends_on`` or ``links`` draws from a container the compose file
    gives nothing that could name its target (``_unconfigured``) as a start order, not a call, unless the caller's code
    is read (``base.bare_start_orders``)."""
    drawn = {(e.source, e.target) for e in edges}
    for source, target in sorted(set(declared) - drawn):
        if source in bare and kinds.get(target) is None:
            body.start_orders[f"{source}->{target}"] = (
                f"{source}->{target} not drawn: only depends_on says it, and the compose file gives {source} no "
                "variable, command, mounted file or build that could hold an address, nor is its code read: a start "
                "order, not a call")

def _role_note(body: Body, key: str, source: str, target: str, tgt: Recognised | None) -> None:
    """Why a call to a service registry or a configuration server is made outside any request (``edge_fact``)."""
    if tgt is not None and tgt.role == "registry":
        body.note("interactions", key, f"during background: {target} is a service registry (by its {tgt.why}); "
                                       f"{source} registers with it and refreshes the addresses it caches from a "
                                       "task of its own, no request waits on it")
    elif tgt is not None and tgt.role == "config_server":
        body.note("interactions", key, f"during startup: {target} is a configuration server (by its {tgt.why}); "
                                       f"{source} fetches its configuration from it as it starts, no request "
                                       "waits on it")


def _record_calls(body: Body, edges: Sequence[Edge], declared: dict[tuple[str, str], list[tuple[str, Location]]],
                  kinds: dict[str, Recognised | None], mentions: dict[str, list[Mention]],
                  variants: dict[str, _Extension] | None = None, scan: _Scan | None = None) -> None:
    """One interaction per pair of services that a host name or a declaration connects; a call drawn only from
    variables of an ``env_file`` is marked (``given_whole``) for ``code_routes.compose`` to check against the
    caller's code. A call to a service that a role variant (``_role_variants``) has only from its extension field
    is left to the workloads that run the extension's own command. Two services of which one runs in the other's
    network namespace (``network_mode: "service:<name>"``) are one host: what connects them is no call between
    services; a Dapr sidecar's connection to the control plane it names is ``during: background``."""
    by_pair = {(e.source, e.target): e for e in edges}
    left: dict[tuple[str, str], list[str]] = {}  # (extension, target) -> the variants whose call is not drawn
    colocated = scan.colocated if scan is not None else {}
    control = {(s.name, scan.hosts.get(h, h)) for s in scan.sidecars for h in s.control} if scan is not None else set()
    for pair in sorted(set(by_pair) | set(declared)):
        source, target = pair
        src = kinds.get(source)
        if src is not None and src.role == "datastore":
            continue  # a database's start order says nothing about calls
        if colocated.get(source) == target or colocated.get(target) == source:
            at = declared[pair][0][1] if pair in declared else by_pair[pair].location or body.locs.get(
                ("services", source), {}).get("", Location(body.file))
            body.remark(at, f"{source}->{target} not drawn: {source if colocated.get(source) == target else target} "
                            f"runs in {target if colocated.get(source) == target else source}'s network namespace "
                            "(network_mode service:...): one host, no call between services")
            continue
        ext = (variants or {}).get(source)
        if ext is not None and kinds.get(target) is None and _only_from(ext, declared.get(pair, []),
                                                                        by_pair.get(pair), mentions.get(source, [])):
            left.setdefault((ext.name, target), []).append(source)
            continue
        if (pair not in by_pair and kinds.get(target) is None and _browser_app_start_order(
                body, source, target, declared[pair][0][1], mentions.get(source, []))) or (
                pair not in declared and _one_shot_external(body, by_pair.get(pair), mentions.get(source, []))):
            continue
        evidence = [f"{key} ({loc})" for key, loc in declared.get(pair, [])]
        edge = by_pair.get(pair)
        tgt = kinds.get(target)
        loc = edge.location if edge and edge.location else declared[pair][0][1]
        if edge is not None and edge.external:
            body.fact("externals", {"name": target}, loc)
            body.note("externals", target, "inferred from a URL in the configuration: confirm it is a third party")
        mounted = _mounted_url(scan, source, target) if edge is None and tgt is None and scan is not None else None
        data = edge_fact(Edge(source, target, edge.protocol if edge else mounted[0] if mounted else None,
                              evidence + (edge.evidence if edge else [mounted[1]] if mounted else []), loc,
                              bool(edge and edge.external)), tgt, src)
        if edge is None and tgt is None and mounted is None:
            data.pop("style", None)  # start order alone does not say how (or whether) it is called
        probe = _health_probe(edge, mentions.get(source, [])) if edge is not None else None
        if probe is not None and "during" not in data:
            data["during"] = "background"
        if pair in control:
            data["during"] = "background"
        key = body.fact("interactions", data, loc)
        if pair in control:
            body.note("interactions", key, f"during background: {target} is part of Dapr's control plane, which "
                                           f"the sidecar {source} names in its command (actor placement, "
                                           "certificates): no request waits on it")
        if probe is not None and data.get("during") == "background":
            body.note("interactions", key, f"during background: drawn only from health-check addresses ({probe}): "
                                           f"{source} polls {target}'s health, no request waits on it")
        _role_note(body, key, source, target, tgt)
        if edge is not None:
            record_edge_timeout(body, data, edge)
            record_edge_tls(body, data, edge)
            _mark_drawn(body, key, edge, data, tgt, mentions.get(source, []), pair in declared)
    _say_shared(body, left, variants or {})


def _written_credentials(body: Body, name: str, rec: Recognised | None, env: Sequence[tuple[str, str, Location]],
                         mounted: Sequence[tuple[str, Location]], files: Sequence[MountedFile]) -> None:
    """The credentials the deployment writes out for service ``name``: its ``secrets_source`` and where they come
    from (``record_literal_secrets``, ``_credential_origins``), and an administrator's password among them
    (``_default_admin``)."""
    own = [(k, loc) for k, v, loc in env if literal_secret(k, v)]
    record_literal_secrets(body, name, rec, [*own, *mounted])
    _default_admin(body, name, rec, own, files)
    _credential_origins(body, name, rec, [k for k, _l in own], [k for k, _l in mounted])


def _default_admin(body: Body, name: str, rec: Recognised | None, own: Sequence[tuple[str, Location]],
                   files: Sequence[MountedFile]) -> None:
    """``default_admin_password`` of a service whose administrator's password the deployment writes out: a variable
    naming one (``ADMIN_PASSWORD``, ``KC_BOOTSTRAP_ADMIN_PASSWORD``) given a value in the compose file, an env file
    or the image (``${ADMIN_PASSWORD:-changeme}`` included), or a key naming one set in a single file mounted into
    it (``admin_password: "..."`` in its configuration). A variable left unset, or given a reference, says nothing;
    nor is a datastore's own login read here (its ``datastore_auth``)."""
    if rec is not None and rec.role == "datastore":
        return
    found = next(((f"{k} is given a value written in the deployment", loc) for k, loc in own
                  if code_default_admin.names_admin_password(k)), None)
    if found is None:
        for f in files:
            setting = code_default_admin.admin_password_setting(f.text)
            if setting is not None:
                line = f.text.count("\n", 0, setting[1]) + 1
                found = (f"{os.path.basename(f.path)}:{line}, mounted at {f.target}, sets {setting[0]} to a value "
                         "written out", Location(f.path, line, 1))
                break
    if found is not None:
        body.set("services", name, "default_admin_password", True, found[1])
        body.note("services", name, f"default_admin_password: {found[0]}: the administrator's password is the same "
                                    "on every installation that does not change it")


_MOUNTED_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9][A-Za-z0-9_.-]*)(?=[:/\"'\s]|$)")


def _mounted_url(scan: _Scan, source: str, target: str) -> tuple[str, str] | None:
    """(protocol, evidence) of a call that only ``depends_on`` or ``links`` draws when a single file mounted into the
    caller (its configuration: ``./app.hjson:/config/config.hjson``) addresses the target by a URL whose scheme names
    the protocol (``url: "http://images:8080/"``): the configuration says how the caller reaches it."""
    for f in scan.files.get(source, []):
        for m in _MOUNTED_URL.finditer(f.text):
            protocol = SCHEME_PROTOCOL.get(m.group(1).lower())
            if protocol is not None and scan.hosts.get(m.group(2).rstrip(".").lower()) == target:
                line = f.text.count("\n", 0, m.start()) + 1
                return protocol, f"{f.path}:{line} ({source} mounts it at {f.target}) names {m.group(0)}"
    return None


def _mark_drawn(body: Body, key: str, edge: Edge, data: dict[str, Any], tgt: Recognised | None,
                mentions: Sequence[Mention], declared: bool) -> None:
    """What ``code_routes.compose`` checks a call against the caller's code with: the variables a call to a public
    host is drawn from (``external_from``), those of a call drawn only from an ``env_file`` (``given_whole``) or from
    variables set on the caller by name (``given_set``), when no ``depends_on`` or link declares it."""
    if edge.external and edge.keys:
        body.external_from[key] = tuple(sorted({k for k, _w in edge.keys}))
    whole = given_whole(edge, mentions) if tgt is None and not edge.external else None
    if whole is not None and not declared:
        body.given_whole[key] = whole
    named = given_set(edge, data, tgt) if not declared else None
    if named is not None:
        body.given_set[key] = named


def _one_shot_external(body: Body, edge: Edge | None, mentions: Sequence[Mention]) -> bool:
    """Whether ``edge`` is a call to a public host that a one-shot job (``kind: batch``: a schema migration or a set-up
    step, ``infra.record_one_shot``) has only from variables of sources it takes whole (an ``env_file``, a ConfigMap
    through ``envFrom``), said in a remark: the job is handed the application's whole configuration, and a migration
    reaches its database, not the third parties the application calls."""
    if edge is None or not edge.external or (body.get("services", edge.source) or {}).get("kind") != "batch":
        return False
    whole = given_whole(edge, mentions)
    if whole is None:
        return False
    keys, _siblings, sources = whole
    at = edge.location or body.locs.get(("services", edge.source), {}).get("", Location(body.file))
    body.remark(at, f"{edge.source}->{edge.target} not drawn: {', '.join(keys)} comes from {sources}, which the "
                    f"one-shot job {edge.source} takes whole with the application's other settings; a migration or "
                    "set-up step reaches its datastores, not the application's third parties")
    return True


def _say_shared(body: Body, left: dict[tuple[str, str], list[str]], variants: dict[str, _Extension]) -> None:
    """One remark per extension field whose service addresses were drawn only from the roles running its command."""
    for ext in sorted(set(variants.values()), key=lambda e: e.name):
        targets = sorted({t for (name, t) in left if name == ext.name})
        if not targets:
            continue
        sources = sorted({s for (name, _t), ss in left.items() if name == ext.name for s in ss})
        runners = ", ".join(ext.runners)
        many = len(sources) > 1
        body.remark(ext.at, f"{ext.name} gives {', '.join(targets)} (an address or a depends_on) to {runners}, "
                            f"which runs its command, and to {len(sources)} service{'s' if many else ''} running "
                            f"{'commands' if many else 'a command'} of their own ({', '.join(sources)}): "
                            "configuration these roles share, not a call each makes; the calls are drawn from "
                            f"{runners} only")


@dataclass(frozen=True)
class _Extension:
    """A top-level extension field (``x-app-defaults``) that several services merge in (``<<: *app_defaults``)."""

    name: str
    at: Location
    lines: frozenset[tuple[str, int]]  # the (file, line) of each of its keys and values, merged ones included
    runners: tuple[str, ...]  # the services that run the command it states


def _role_variants(doc: Document, root: dict[str, Any], services: dict[str, Any]) -> dict[str, _Extension]:
    """Services that merge in an extension field stating a command, run on its image (or on one built from it) and
    replace its command with one of their own, while another service runs the extension's command: roles of one
    piece of software (a web process, its queue consumers, its scheduler) started with one set of defaults. A
    depends_on entry or an address the extension gives all of them is the software's configuration, shared by every
    role; it says that the service running the extension's own command may call the target, not that each role
    does."""
    where: dict[Path, Location] = getattr(doc, "where", {})
    out: dict[str, _Extension] = {}
    for xname, ext in root.items():
        if not (isinstance(xname, str) and xname.startswith("x-") and isinstance(ext, dict) and ext.get("command")):
            continue
        lines = frozenset((loc.file, loc.line) for path, loc in where.items() if path and path[0] == xname)
        image = ext.get("image")
        takers = [n for n, svc in services.items() if isinstance(svc, dict) and _merges(n, lines, where)]
        runners = tuple(n for n in takers if services[n].get("command") == ext["command"])
        variants = [n for n in takers if n not in runners and services[n].get("command")
                    and _same_image(services[n], image)]
        if runners and variants:
            extension = _Extension(xname, doc.locate((xname,)), lines, runners)
            out.update(dict.fromkeys(variants, extension))
    return out


def _merges(name: str, lines: frozenset[tuple[str, int]], where: dict[Path, Location]) -> bool:
    """Whether a service's depends_on or environment holds entries written in the extension (merged in)."""
    return any(len(path) > 3 and path[:2] == ("services", name) and path[2] in ("depends_on", "environment")
               and (loc.file, loc.line) in lines for path, loc in where.items())


def _same_image(spec: dict[str, Any], image: Any) -> bool:
    """The service runs the extension's image, or one built from it (its build passes the image as an argument to a
    ``FROM ${BASE_IMAGE}``)."""
    if not isinstance(image, str) or not image:
        return False
    if spec.get("image") == image:
        return True
    build = spec.get("build")
    args = build.get("args") if isinstance(build, dict) else None
    values = args.values() if isinstance(args, dict) else (str(a).split("=", 1)[-1] for a in args or [])
    return image in {str(v) for v in values}


def _only_from(ext: _Extension, declared: Sequence[tuple[str, Location]], edge: Edge | None,
               mentions: Sequence[Mention]) -> bool:
    """Whether every piece of evidence for a call (its depends_on and links entries, the variables or command it is
    drawn from) is written in the extension, none in the service's own part."""
    places = [loc for _key, loc in declared]
    if edge is not None:
        keys = {k for k, _w in edge.keys}
        if not keys:
            return False
        places += [m.location for m in mentions if m.key in keys]
    return bool(places) and all((loc.file, loc.line) in ext.lines for loc in places)


def _health_probe(edge: Edge, mentions: Sequence[Mention]) -> str | None:
    """The variables an edge is drawn from, when every one holds a health-check URL (``http://orders/hc``,
    ``/healthz``, ``/actuator/health``): a status page or a health aggregator polling the target, not a call a
    request makes. None when any of them is an ordinary address."""
    keys = [k for k, _w in edge.keys]
    if not keys or edge.external:
        return None
    for k in keys:
        values = [m.text for m in mentions if m.key == k]
        if not values or not all(HEALTH_PATH.search(v.strip()) for v in values):
            return None
    return ", ".join(sorted(set(keys)))


def _environments(doc: Document, services: dict[str, Any]) -> Iterator[tuple[str, list[tuple[str, str, Location]]]]:
    """Each service's environment (key, value, where), for the readers that look across services; a service whose
    environment cannot be read is left out (the error is reported where the service itself is read)."""
    for name, svc in services.items():
        if not isinstance(svc, dict):
            continue
        try:
            yield name, _environment(doc, svc.get("environment"), ("services", name, "environment"))
        except ArchplanError:
            continue


def _unseen_environment(doc: Document, services: dict[str, Any], kinds: Mapping[str, object],
                        unread: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The reviewed services' variables whose values the files do not show: named with no value (passed through from
    the shell of whoever runs compose), or any (``*``) when an env_file of the service is not there."""
    out: dict[str, tuple[str, ...]] = {}
    for name, env in _environments(doc, services):
        blank = tuple(sorted({k for k, v, _loc in env if not v}))
        if name in kinds and (unread.get(name) or blank):
            out[name] = ("*",) if unread.get(name) else blank
    return out


def _shared_env_files(doc: Document, services: dict[str, Any], compose_files: Sequence[str]) -> set[str]:
    """The env_files (files outside the compose project's own) whose variables reach more than one service."""
    readers: dict[str, int] = {}
    for _name, env in _environments(doc, services):
        for file in {loc.file for _k, _v, loc in env if loc.file and loc.file not in compose_files}:
            readers[file] = readers.get(file, 0) + 1
    return {file for file, n in readers.items() if n > 1}


def _shared_definitions(doc: Document, services: dict[str, Any], compose_files: Sequence[str]) -> set[tuple[str, int]]:
    """The lines of the compose files that give a variable to more than one service: an extension field's
    entries (``x-db-env: &db-env``) that several services merge into their ``environment``."""
    readers: dict[tuple[str, int], int] = {}
    for _name, env in _environments(doc, services):
        for where in {(loc.file, loc.line) for _k, _v, loc in env if loc.file in compose_files and loc.line > 0}:
            readers[where] = readers.get(where, 0) + 1
    return {where for where, n in readers.items() if n > 1}


_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([A-Za-z0-9_.-]+)(?::\d+)?(?:/.*)?$")


def _emulated(doc: Document, services: dict[str, Any]) -> dict[str, Recognised]:
    """Service -> the managed store it emulates: the host that a variable a store's client libraries read to reach
    its emulator names (``FIRESTORE_EMULATOR_HOST=firestore:8080``, on any service), and a service built from the
    same build context as such a host (a second instance of the emulator)."""
    cat = catalog()
    found: dict[str, Recognised] = {}
    for name, env in _environments(doc, services):
        for key, value, _loc in env:
            host = _HOST.match(value.strip())
            if key in cat.emulator_env and host and host.group(1) in services:
                engine = cat.emulator_env[key]
                found.setdefault(host.group(1), dataclasses.replace(
                    cat.by_engine(engine), why=f"variable {key} of {name}, which names it as {engine}'s emulator"))
    contexts = {n: _build_context(doc, svc) for n, svc in services.items() if isinstance(svc, dict)}
    for name, ctx in sorted(contexts.items()):
        twin = next((t for t in sorted(found) if ctx and contexts.get(t) == ctx), None)
        if name not in found and twin is not None:
            found[name] = dataclasses.replace(found[twin], why=f"build context, the one of {twin} ({found[twin].why})")
    return found


def _builds(doc: Document, body: Body, services: dict[str, Any], scan: _Scan) -> None:
    """What each of the project's own services runs (``Body.builds``): its image (the reference, tag and all), else
    its build (context, Dockerfile and working directory); an image built on another service's image (a scheduler's
    cron added to it) runs that one's code. ``base.applications`` makes a web process and its worker running the
    same one processes of one application."""
    own = {str(spec["image"]).strip() for name, spec in services.items() if isinstance(spec, dict)
           and isinstance(spec.get("image"), str) and name in (body.items.get("services") or {})
           and scan.kinds.get(name) is None}
    for name in sorted(body.items.get("services") or {}):
        spec = services.get(name)
        if not isinstance(spec, dict) or scan.kinds.get(name) is not None:
            continue  # a known component (a broker, a proxy), not the project's own code
        image, context, workdir = spec.get("image"), _build_context(doc, spec), spec.get("working_dir")
        base = scan.bases.get(name)
        if base in own and base != image:  # built on another service's image (a cron added to it): that code base
            body.builds[name] = (f"image {base}", f"image {base} (its own built on it)", image_base(base),
                                 doc.locate(("services", name, "build")))
        elif isinstance(image, str) and image.strip() and "$" not in image:
            body.builds[name] = (f"image {image.strip()}", f"image {image.strip()}", image_base(image),
                                 doc.locate(("services", name, "image")))
        elif context is not None:
            folder = context.split("::", 1)[0]
            where = workdir if isinstance(workdir, str) else folder
            body.builds[name] = (f"build {context} in {workdir}", f"build of {os.path.relpath(folder)}" +
                                 (f" in {workdir}" if isinstance(workdir, str) else ""),
                                 os.path.basename(os.path.normpath(where)), doc.locate(("services", name, "build")))


def _build_context(doc: Document, spec: dict[str, Any]) -> str | None:
    """The directory a service's image is built from, as a path (None: it runs a published image)."""
    build = spec.get("build")
    context = build if isinstance(build, str) else build.get("context") if isinstance(build, dict) else None
    if not isinstance(context, str):
        return None
    dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
    return os.path.normpath(os.path.join(os.path.dirname(doc.file), context)) + f"::{dockerfile or 'Dockerfile'}"


def _environment(doc: Document, env: Any, at: Path) -> list[tuple[str, str, Location]]:
    out: list[tuple[str, str, Location]] = []
    if isinstance(env, dict):
        for k, v in env.items():
            out.append((str(k), "" if v is None else str(v), doc.locate((*at, k))))
    elif isinstance(env, list):
        for i, item in enumerate(env):
            k, _eq, v = str(item).partition("=")
            out.append((k, v, doc.locate((*at, i))))
    elif env is not None:
        raise fail(doc, at, "environment must be a mapping or a list of KEY=VALUE")
    return out


def _bind_sources(spec: dict[str, Any]) -> list[str]:
    """The project-relative host paths bind-mounted into a service (``./config:/app/config``)."""
    return [source for source, _target in _bind_files(spec)]


def _bind_files(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(project-relative host path, container path) of each bind mount of a service (``./config:/app/config``)."""
    out: list[tuple[str, str]] = []
    for vol in spec.get("volumes") or []:
        source, target = "", ""
        if isinstance(vol, str) and ":" in vol:
            source, _c, rest = vol.partition(":")
            target = rest.split(":", 1)[0]
        elif isinstance(vol, dict) and vol.get("type") == "bind":
            source, target = str(vol.get("source", "")), str(vol.get("target", ""))
        if source.startswith(("./", "../")) or source == ".":
            out.append((source, target))
    return out


_INIT_DIRS = ("/docker-entrypoint-initdb.d", "/etc")
"""Mount points where a container reads start-up scripts (the database images' init hook) or configuration: a
volume there feeds the container, it keeps none of the data the container writes."""
_CONFIG_FILE = re.compile(r"\.(?:sql|sh|conf|cnf|cfg|ini|ya?ml|toml|properties|xml|template)$", re.IGNORECASE)
"""A single script or configuration file mounted into a container (``./init.sql:/app/init.sql``)."""


_DATA_DIR = re.compile(r"(?:^|[-_.])(?:data|db|database|storage|state)$", re.IGNORECASE)
"""The last part of a directory named for the data kept in it (``/etc/app/data``): an application that keeps its
files under ``/etc`` still writes them there."""


def _keeps_data(target: str) -> bool:
    """Whether a volume mounted at ``target`` can keep data the container writes (not a script or configuration
    it reads at start; a directory under ``/etc`` named for data, ``/etc/app/data``, keeps data)."""
    path = target.rstrip("/")
    if _CONFIG_FILE.search(path):
        return False
    if path.startswith("/etc/") and _DATA_DIR.search(path.rsplit("/", 1)[-1]):
        return True
    return not any(path == d or path.startswith(d + "/") for d in _INIT_DIRS)


def _mounts(doc: Document, spec: dict[str, Any], at: Path) -> list[tuple[str, bool, Location]]:
    """(container path, persistent, location) of each volume; tmpfs and the Docker socket persist nothing, nor does
    a script or configuration mounted for the container to read (``_keeps_data``)."""
    out: list[tuple[str, bool, Location]] = []
    for i, vol in enumerate(listing(doc, spec.get("volumes"), (*at, "volumes"), "volumes")):
        loc = doc.locate((*at, "volumes", i))
        if isinstance(vol, str):
            parts = vol.split(":")
            source, target = (parts[0], parts[1]) if len(parts) >= 2 else ("", parts[0])
            readonly = len(parts) >= 3 and "ro" in parts[2].split(",")
            persistent = bool(source) and source not in _SOCKETS and not readonly and _keeps_data(target)
            out.append((target, persistent, loc))
        elif isinstance(vol, dict):
            kind = vol.get("type", "volume")
            target = str(vol.get("target", ""))
            persistent = kind in ("volume", "bind") and str(vol.get("source", "")) not in _SOCKETS and not vol.get(
                "read_only") and bool(vol.get("source") or kind == "volume") and _keeps_data(target)
            out.append((target, persistent, loc))
    return out


def _docker_socket(doc: Document, body: Body, name: str, spec: dict[str, Any], at: Path) -> None:
    """A service that mounts the host's Docker socket holds the Docker API, read-only mount or not (``:ro`` makes the
    socket file read-only, not the API): it can start a privileged container, root on the host (``permissions``)."""
    for i, vol in enumerate(listing(doc, spec.get("volumes"), (*at, "volumes"), "volumes")):
        source = str(vol.get("source", "")) if isinstance(vol, dict) else str(vol).split(":")[0]
        if source in _SOCKETS:
            body.set("services", name, "permissions", "admin", doc.locate((*at, "volumes", i)))
            body.note("services", name, f"permissions admin: it mounts the host's Docker socket ({source}), whose "
                                        "API starts containers as root on the host, read-only mount or not")
            return


def _published(doc: Document, ports: Any, at: Path) -> list[tuple[str, Location, str]]:
    """(exposure, location, container port or range) of each published port."""
    out: list[tuple[str, Location, str]] = []
    for i, port in enumerate(listing(doc, ports, at, "ports")):
        loc = doc.locate((*at, i))
        host_ip = ""
        if isinstance(port, dict):
            target = str(port.get("target", ""))
            if "published" not in port:
                out.append(("host", loc, target))  # a random host port, on every interface
                continue
            host_ip = str(port.get("host_ip", ""))
        else:
            text = str(port).split("/", 1)[0]
            if text.startswith("["):
                host_ip, _b, text = text[1:].partition("]")
                text = text.lstrip(":")
            else:
                parts = text.split(":")
                host_ip = parts[0] if len(parts) == 3 else ""
            target = text.rsplit(":", 1)[-1]
        out.append((_ip_exposure(host_ip), loc, target))
    return out


def _plain_http(doc: Document, ports: Any, at: Path) -> tuple[bool, Location, str] | None:
    """``tls: false`` when every port the service publishes is published on host port 80, HTTP's (a
    gateway published ``80:4000``); unknown otherwise."""
    hosts: list[str] = []
    for port in listing(doc, ports, at, "ports"):
        if isinstance(port, dict):
            hosts.append(str(port.get("published", "")))
        else:
            parts = str(port).split("/", 1)[0].rsplit("]", 1)[-1].split(":")
            hosts.append(parts[-2] if len(parts) >= 2 else "")
    if not hosts or any(h != "80" for h in hosts):
        return None
    return False, doc.locate((*at, 0)), "published on host port 80, plain HTTP's, and nothing in the artifacts " \
                                        "terminates TLS in front of it"


_LISTEN_URLS = ("ASPNETCORE_URLS", "URLS", "DOTNET_URLS")
"""The variables an ASP.NET Core server (Kestrel) takes the URLs it listens on from, ``;``-separated
(learn.microsoft.com, "Configure endpoints for the ASP.NET Core Kestrel web server")."""


def _http_listener(doc: Document, spec: dict[str, Any], at: Path) -> tuple[bool, Location, str] | None:
    """``tls: false`` when the container's web server is told to listen on ``http://`` URLs only: its published
    ports lead straight to that listener; unknown otherwise."""
    env = spec.get("environment")
    items: list[tuple[str, str, Path]] = []
    if isinstance(env, dict):
        items = [(str(k), str(v), (*at, "environment", k)) for k, v in env.items() if v is not None]
    elif isinstance(env, list):
        items = [(str(e).partition("=")[0], str(e).partition("=")[2], (*at, "environment", i))
                 for i, e in enumerate(env) if "=" in str(e)]
    for key, value, path in items:
        urls = [u.strip() for u in value.split(";") if u.strip()]
        if key.strip() in _LISTEN_URLS and urls and all(u.lower().startswith("http://") for u in urls):
            return False, doc.locate(path), f"its web server listens on plain HTTP only ({key.strip()}={value}), " \
                                            "and nothing in the artifacts terminates TLS in front of it"
    return None


_PROBED_HTTP = re.compile(r"\bhttp://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(?![\w.:-])")


def _http_healthcheck(doc: Document, spec: dict[str, Any], at: Path, targets: list[str]
                      ) -> tuple[bool, Location, str] | None:
    """``tls: false`` when the container's own healthcheck reaches, over plain ``http://`` on the loopback address,
    the one container port the service publishes: that port answers plain HTTP; unknown otherwise (several ports
    published, or the probe reaches another)."""
    check = spec.get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    text = " ".join(map(str, test)) if isinstance(test, list) else str(test) if isinstance(test, str) else ""
    probed = {m.group(1) or "80" for m in _PROBED_HTTP.finditer(text)}
    if len(set(targets)) != 1 or targets[0] not in probed:
        return None
    probe = " ".join(text.split())[:120]
    return False, doc.locate((*at, "healthcheck", "test")), (
        f"its own healthcheck reaches the published container port {targets[0]} over plain http:// ({probe}), and "
        "nothing in the artifacts terminates TLS in front of it")


def _uwsgi_listener(doc: Document, spec: dict[str, Any], at: Path, built: dockerfile.Build | None,
                    targets: list[str], limits: Limits) -> tuple[bool, Location, str] | None:
    """``tls: false`` when the container's command (compose's ``entrypoint`` and ``command``, else its Dockerfile's)
    runs uWSGI and a plain HTTP option of it, on its command line or in the ini file it names (found in the build
    context), serves a published container port that no TLS option serves (``uwsgi_conf``); unknown otherwise."""
    stated = {k: spec[k] for k in ("entrypoint", "command") if isinstance(spec.get(k), (str, list))}
    parts: list[tuple[Any, Location]] = []
    for key in ("entrypoint", "command"):
        if key in stated:
            parts.append((stated[key], doc.locate((*at, key))))
        elif built is not None and not (key == "command" and "entrypoint" in stated):
            given = built.entrypoint if key == "entrypoint" else built.cmd
            if given is not None:
                parts.append((list(given[0]), given[1]))
    called = uwsgi_conf.invocation([w for value, _l in parts for w in uwsgi_conf.command_words(value)])
    if called is None:
        return None
    inis, flags = called
    where = parts[-1][1]
    build = spec.get("build")
    context = build if isinstance(build, str) else build.get("context", ".") if isinstance(build, dict) else None
    root = os.path.normpath(os.path.join(os.path.dirname(doc.file), str(context))) if context is not None else None
    files = [f for f in (uwsgi_conf.in_context(root, i) for i in inis) if f] if root is not None and \
        not dockerfile.is_remote_context(str(context)) else []
    options = [o for f in files for o in uwsgi_conf.read_ini(f, limits)] + [
        uwsgi_conf.Option(k, v, where) for k, _e, v in (flag.partition("=") for flag in flags)]
    found = uwsgi_conf.plain_listener(options, targets)
    if found is None:
        return None
    option, port = found
    return False, option.at, (f"uWSGI, which its command runs, serves plain HTTP on the published container port "
                              f"{port} ({option.key} = {option.value}, {option.at.file}:{option.at.line}), and "
                              "nothing in the artifacts terminates TLS in front of it")


def _serves_port(target: str, port: int) -> bool:
    """Whether a published container port (``16686``, a range ``8000-8010``) includes ``port``."""
    low, _d, high = target.strip().partition("-")
    try:
        return int(low) <= port <= int(high or low)
    except ValueError:
        return False


def _ip_exposure(host_ip: str) -> str:
    if host_ip in ("", "0.0.0.0", "::"):  # noqa: S104 - reading a config, not binding
        return "host"
    if host_ip == "localhost":
        return "internal"
    try:
        ip = ipaddress.ip_address(host_ip)
    except ValueError:
        return "host"  # an interpolated address: published on the host, where is not known
    return "internal" if ip.is_loopback or ip.is_private or ip.is_link_local else "public"


def _environment_of(body: Body, files: Sequence[str]) -> None:
    """``system.environment`` when a compose file's name states it (development wins over test)."""
    found = {(_ENVIRONMENT_WORDS[w], f) for f in files
             for w in re.split(r"[._-]", os.path.basename(f).lower()) if w in _ENVIRONMENT_WORDS}
    for env in ("development", "test"):
        named = sorted(f for e, f in found if e == env)
        if named:
            body.set("system", "system", "environment", env, Location(named[0], 1, 1))
            body.note("system", "system", f"environment {env}: the compose file {os.path.basename(named[0])} "
                                          "is named for it")
            return


def _console(doc: Document, body: Body, name: str, spec: dict[str, Any], at: Path, image: str | None) -> bool:
    """An infrastructure container whose web console is published beyond the host's loopback: the console
    is an administrative surface of the system (an ``admin`` endpoint of a best-effort service), though
    the container is otherwise not reviewed. False when it publishes no known console."""
    console = catalog().console(image)
    if console is None:
        return False
    published = [(e, lc) for e, lc, t in _published(doc, spec.get("ports"), (*at, "ports"))
                 if e != "internal" and _serves_port(t, console.port)]
    if not published:
        return False
    exposure, loc = next((e, lc) for want in ("public", "host") for e, lc in published if e == want)
    record_console(body, name, console, exposure, loc, doc.locate(at))
    return True


def _console_entry(body: Body, name: str, image: str | None,
                   published: Sequence[tuple[str, Location, str]]) -> None:
    """A reviewed service whose published entry is an operator console: its every port published beyond the
    host's loopback is its image's web console (``rabbitmq:3-management`` publishing 15672 only), or its name
    says it is one (catalogue ``console_names``: a Hystrix dashboard, a service named ``monitoring``). The entry
    is then an administrative surface (``admin``) that the rules on exposed surfaces read and on which no user
    request waits."""
    cat = catalog()
    console = cat.console(image)
    if not published:
        return
    if console is not None and all(t.strip() == str(console.port) for _e, _lc, t in published):
        console_entry(body, name, published[0][1], f"the only port {name} publishes is its console, {console.what}")
    elif console is not None and any(_serves_port(t, console.port) for _e, _lc, t in published):
        # the console beside the service's own protocol (a broker's AMQP and its management UI): the entry stays
        # the service's, and the console is an administrative surface of its own
        exposure, loc = next((e, lc) for want in ("public", "host") for e, lc, t in published
                             if e == want and _serves_port(t, console.port))
        console_ui(body, name, console, exposure, loc)
    elif cat.console_names.fullmatch(name):
        console_entry(body, name, published[0][1], OPERATOR_TOOL.format(name=name))


def _record_role(body: Body, name: str, rec: Recognised, by: Location, loc: Location,
                 auth: DatastoreAuth | None) -> None:
    """What the service's recognised image makes it (``by``: where the image is named)."""
    if rec.role == "broker":  # a broker runs as a service of the system
        body.set("services", name, "tags", ["broker"], by)
        body.set("services", name, "description", f"message broker ({rec.engine})", loc)
    elif rec.role == "proxy":
        body.set("services", name, "kind", "gateway", by)
        body.note("services", name, f"kind gateway: a reverse proxy by its {rec.why}")
    elif rec.role == "registry":
        record_registry(body, name, auth, by, rec.why)
    elif rec.role == "config_server":
        body.note("services", name, f"a configuration server by its {rec.why}: its clients call it as they start")
    elif rec.role == "cdc":
        record_cdc(body, name, by, rec.why)
    elif rec.role == "coordinator":  # ZooKeeper: its clients speak its own protocol, not HTTP
        body.set("services", name, "tags", ["coordinator"], by)
        body.note("services", name, f"tags coordinator: a coordination service by its {rec.why}")


def _one(doc: Document, body: Body, name: str, spec: dict[str, Any], at: Path, rec: Recognised | None,
         image: str | None, mounts: list[tuple[str, bool, Location]], auth: DatastoreAuth | None,
         built: dockerfile.Build | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
    loc = doc.locate(at)
    built_health = built.healthcheck if built is not None else None
    deploy = mapping(doc, spec.get("deploy"), (*at, "deploy"), "deploy")
    if isinstance(deploy.get("replicas"), int) and not isinstance(deploy.get("replicas"), bool):
        replicas, rloc = deploy["replicas"], doc.locate((*at, "deploy", "replicas"))
    elif isinstance(spec.get("scale"), int) and not isinstance(spec.get("scale"), bool):
        replicas, rloc = spec["scale"], doc.locate((*at, "scale"))
    else:
        replicas, rloc = 1, loc  # compose runs one container unless told otherwise
    persistent = [m for m in mounts if m[1]]
    profiles = list(profiles_of(spec))
    # volumes mounted away from where the image keeps its data keep none of it
    told = [str(spec.get(k)) for k in ("environment", "command", "entrypoint") if spec.get(k)]
    off = [off_data_dir(image, target, told) for target, _p, _l in persistent]
    misplaced = next((o for o in off if o), None) if persistent and all(off) else None
    if rec is not None and rec.role == "datastore":
        _record_datastore(doc, body, name, at, spec, rec, image, (replicas, rloc), [] if misplaced else persistent,
                          profiles, misplaced)
        return
    body.fact("services", {"name": name}, loc)
    if profiles:
        body.set("services", name, "tags", ["optional"], doc.locate((*at, "profiles")))
        body.note("services", name, f"optional: runs only with the compose profile(s) {', '.join(profiles)}")
    if image:
        body.set("services", name, "image", image[:200], doc.locate((*at, "image")))
        record_image_pinning(body, name, image, doc.locate((*at, "image")), application=rec is None)
    body.set("services", name, "replicas", replicas, rloc)
    record_operator_tool(body, name, built.base if built is not None and built.base else image,
                         doc.locate((*at, "image")) if image else loc)
    _docker_socket(doc, body, name, spec, at)
    if rec is not None:
        _record_role(body, name, rec, doc.locate((*at, "image")) if image else loc, loc, auth)
    if rec is not None and rec.role == "broker" and (misplaced or not persistent):
        # its message store is the container's own filesystem: the channels it carries are not durable
        body.volatile_brokers[name] = (loc, f"compose service ({loc.file}:{loc.line}) " + (
            f"whose {misplaced.removeprefix('its ')}" if misplaced else "with no volume for its message store") +
            ": its messages are lost when the container is recreated")
    published = _published(doc, spec.get("ports"), (*at, "ports"))
    if published:
        exp = next(e for e in ("public", "host", "internal") if any(p == e for p, _l, _t in published))
        body.set("services", name, "exposure", exp, next(lc for e, lc, _t in published if e == exp))
        if exp != "internal":
            why = "a port published on a global address" if exp == "public" else \
                "a port published on every host interface"
            body.note("services", name, f"exposure {exp}: {why}")
            if rec is not None and rec.role == "cdc":  # a relay serves no request: its port answers health, metrics
                body.note("services", name, "no entry endpoint: the published port is a change-data-capture "
                                            "relay's, which serves no request (only its health and metrics)")
            else:
                entry_endpoint(body, name, next(lc for e, lc, _t in published if e == exp), why,
                               _plain_http(doc, spec.get("ports"), (*at, "ports")) or _http_listener(doc, spec, at)
                               or _http_healthcheck(doc, spec, at, [t for _e, _l, t in published])
                               or _uwsgi_listener(doc, spec, at, built, [t for _e, _l, t in published], limits))
            _console_entry(body, name, image, [(e, lc, t) for e, lc, t in published if e != "internal"])
            if rec is not None and rec.role == "config_server":  # its API serves the services, not the users
                console_entry(body, name, next(lc for e, lc, _t in published if e == exp),
                              f"{name} is a configuration server by its {rec.why}: the services fetch their "
                              "configuration from it as they start, no user request goes to it")
    else:
        body.set("services", name, "exposure", "internal", loc)
    if persistent:
        body.set("services", name, "stateful", True, persistent[0][2])
    _record_health_and_limits(doc, body, name, spec, deploy, at, built_health)
    _record_queue_worker(doc, body, name, spec, at)


_ROLE_WORD = re.compile(r"\s*(worker|scheduler)\s*")
"""A ``command`` that is one word naming a background role, handed to the image's entrypoint (``command: worker``,
``command: scheduler`` beside a ``command: server`` of the same image): the entrypoint runs that role, no server."""


def _record_queue_worker(doc: Document, body: Body, name: str, spec: dict[str, Any], at: Path) -> None:
    """A service whose ``command`` or ``entrypoint`` runs a task queue's worker or scheduler serves no request: a
    worker (``kind: worker``), whatever it publishes (``infra.record_task_runner``); one whose last step is a schema
    migration or a set-up step is a one-shot job (``kind: batch``, ``infra.record_one_shot``)."""
    for key in ("command", "entrypoint"):
        cmd = spec.get(key)
        text = " ".join(str(c) for c in cmd) if isinstance(cmd, list) else cmd if isinstance(cmd, str) else ""
        if record_task_runner(body, name, key, text, doc.locate((*at, key))) or \
                record_one_shot(body, name, key, text, doc.locate((*at, key))):
            return
        role = _ROLE_WORD.fullmatch(text) if key == "command" else None
        if role is None:
            continue
        body.set("services", name, "kind", "worker", doc.locate((*at, key)))
        body.note("services", name, f"kind worker: its command is the single word {role.group(1)}, the "
                                    f"{role.group(1)} role of its image's entrypoint, not a server")
        return


def _record_datastore(doc: Document, body: Body, name: str, at: Path, spec: dict[str, Any], rec: Recognised,
                      image: str | None,
                      replicas: tuple[int, Location], persistent: list[tuple[str, bool, Location]],
                      profiles: list[str], misplaced: str | None = None) -> None:
    """A compose service recognised (``rec``) as a datastore: its engine, nodes, storage and whether its port is
    published beyond the loopback (``public_access``)."""
    loc = doc.locate(at)
    ds: dict[str, Any] = {"name": name}
    body.fact("datastores", ds, loc)
    if profiles:
        body.note("datastores", name, f"optional: runs only with the compose profile(s) {', '.join(profiles)}")
    if rec.engine:
        body.set("datastores", name, "engine", rec.engine, doc.locate((*at, "image")) if image else loc)
    if rec.kind:
        body.set("datastores", name, "kind", rec.kind, doc.locate((*at, "image")) if image else loc)
    if image:
        record_datastore_image(body, name, image, doc.locate((*at, "image")), built="build" in spec)
    record_datastore_nodes(body, name, replicas[0], replicas[1], "container")
    body.set("datastores", name, "durable_storage", bool(persistent),
             persistent[0][2] if persistent else loc)
    if not persistent:
        body.note("datastores", name, f"durable_storage false: {misplaced}, lost when the container is recreated"
                  if misplaced else "durable_storage false: no volume keeps its data when the container is recreated")
    if not rec.engine:
        body.note("datastores", name, "recognised as a datastore by its name; state its engine and kind")
    published = [(e, lc) for e, lc, _t in _published(doc, spec.get("ports"), (*at, "ports")) if e != "internal"]
    if published:  # its wire protocol answers on the host's interfaces, outside the compose network
        exposure, ploc = next((e, lc) for want in ("public", "host") for e, lc in published if e == want)
        body.set("datastores", name, "public_access", True, ploc)
        body.note("datastores", name, "public_access true: its port is published on " + (
            "a global address" if exposure == "public" else "every host interface, so whatever reaches the host "
            "reaches the datastore, not only the services on the compose network"))


def _record_health_and_limits(doc: Document, body: Body, name: str, spec: dict[str, Any], deploy: dict[str, Any],
                              at: Path, built_health: tuple[bool, Location] | None = None) -> None:
    """A service's readiness check (its healthcheck; else the ``HEALTHCHECK`` of the Dockerfile compose builds it
    from, ``built_health``, which Docker runs when compose states none) and resource limits (deploy.resources or the
    legacy keys)."""
    loc = doc.locate(at)
    hc = spec.get("healthcheck")
    if isinstance(hc, dict):
        test = hc.get("test")
        disabled = hc.get("disable") is True or test in (["NONE"], "NONE")
        body.set("services", name, "health.readiness", not disabled, doc.locate((*at, "healthcheck")))
    elif hc is None and built_health is not None:
        body.set("services", name, "health.readiness", built_health[0], built_health[1])
        body.note("services", name, f"health.readiness {str(built_health[0]).lower()}: " + (
            "the Dockerfile compose builds it from declares a HEALTHCHECK, which Docker runs as compose states none"
            if built_health[0] else "the Dockerfile compose builds it from turns health checks off (HEALTHCHECK "
                                    "NONE)") + f" ({built_health[1].file}:{built_health[1].line})")
    elif hc is None:
        body.set("services", name, "health.readiness", False, loc)
        body.note("services", name, "health.readiness false: no healthcheck in the compose file (a HEALTHCHECK "
                                    "built into the image would not show here)")
    limits = mapping(doc, mapping(doc, deploy.get("resources"), (*at, "deploy", "resources"), "resources").get(
        "limits"), (*at, "deploy", "resources", "limits"), "limits")
    legacy = [k for k in ("mem_limit", "cpus", "cpu_quota", "cpu_count") if k in spec]
    if limits:
        body.set("services", name, "resource_limits", True, doc.locate((*at, "deploy", "resources", "limits")))
    elif legacy:
        body.set("services", name, "resource_limits", True, doc.locate((*at, legacy[0])))
    else:
        body.set("services", name, "resource_limits", False, loc)
__all__ = ["detect", "import_file", "import_paths", "is_fragment", "project_files"]

