"""Spring Boot application YAML (and ``.properties``) -> the calls a service's configuration states.

A Spring service says in its ``application.yml`` (or a config server's ``shared/<service>.yml``) where
it connects: ``spring.datasource.url`` (``jdbc:mysql://orders-db/orders``), ``spring.data.mongodb``
(``uri`` or ``host``), ``spring.redis`` / ``spring.data.redis``, ``spring.rabbitmq``,
``spring.kafka.bootstrap-servers``, ``spring.mail.host``, the Eureka registry
(``eureka.client.service-url.defaultZone``), the config server (``spring.cloud.config.uri``), the
OAuth2 endpoints it calls, and any other property whose value is an ``http(s)``/``grpc`` URL. Each
becomes an interaction of the service with its evidence in ``inferred_from`` (the property), to a
datastore, a broker (asynchronous), a service or, for a public host, an external. A connection URL whose options
turn the driver's certificate check off (``trustServerCertificate=true``, ``verifyServerCertificate=false``,
``tlsAllowInvalidCertificates=true``: ``infra.unverified_tls``) makes the call and the datastore ``tls_verify: false``.

What the configuration states about those calls is kept: ``feign.client.config.<name>.readTimeout``
and ``<name>.ribbon.ReadTimeout`` (a call to the service ``<name>``, with its timeout), Hystrix around
Feign calls (``feign.hystrix.enabled`` or ``feign.circuitbreaker.enabled``: a circuit breaker, bounded
by the Hystrix timeout when no client timeout is stated), and Resilience4j instances named after a
target (``circuitbreaker``, ``retry.max-attempts``, ``timelimiter.timeout-duration``). Spring Cloud
Stream bindings (``spring.cloud.stream.bindings.<b>.destination``) are channels: an output binding
(``output``, ``*-out-N``) makes the service a producer, an input binding a consumer.

Credentials written out (a secret-named property such as ``password`` or ``clientSecret`` with a
literal value, or a URL with a password) make the service's ``secrets_source`` ``repo_config``; the
property is named, never its value. ``${VAR}`` placeholders are not secrets; a ``${VAR:default}``
placeholder reads as its default, as Spring reads it when the variable is unset (a default host is a
call, a default password a secret). A ``.properties`` file holds the same properties, one
``key=value`` per line.

Which service a file configures: for a module's own ``src/main/resources/application.yml`` (or
``bootstrap``) imported with ``--service``, that service, the name the deployment runs the module under (its
``spring.application.name`` is the name it registers under, which may differ: ``storefront-bff`` run as
``storefront``; several modules imported together keep their own names); else its
``spring.application.name``; else the file's name, as a config server serves ``<service>.yml`` to the
service of that name; else ``--service``. A config server's
``application.yml`` (named by nobody) holds the defaults of every service imported with it; a module's own
``src/main/resources/application.yml`` that names no service is nobody's (said, not read). Documents
for a profile are read as if the profile were active (a warning says so).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from engine.errors import InputError, Location
from engine.importers import infra
from engine.importers.base import Body, host_exposure, safe_name, split_host
from engine.importers.gateway import placeholders as _placeholders
from engine.importers.gateway import service_of_host
from engine.model.kinds import identity
from engine.source import DEFAULT_LIMITS, Document, Limits, Path, parse_all, read_text

SUFFIXES = (".yml", ".yaml", ".properties")
_MODULE_RESOURCES = "/src/main/resources"
"""Where a Spring Boot module keeps its own configuration (Maven and Gradle layout; a config server's native
``shared/`` or ``config/`` folder sits below it)."""
_SHARED_STEMS = re.compile(r"^(application|bootstrap)([-_].*)?$")
_ROOT_KEYS = ("spring", "eureka", "feign", "hystrix", "ribbon", "resilience4j")


def detect(data: Any) -> bool:
    """Whether a parsed document reads as Spring Boot configuration: a ``spring`` section that says where
    the service connects, or Eureka/Feign/Ribbon/Hystrix/Resilience4j settings (gateway routes excluded)."""
    from engine.importers import gateway

    if not isinstance(data, dict) or gateway.detect([data]):
        return False
    roots = {str(k).split(".", 1)[0] for k in data}
    return bool(roots & set(_ROOT_KEYS))


@dataclass(frozen=True)
class _Prop:
    """One leaf property: its dotted name as written, its value and where it stands."""

    name: str
    value: Any
    location: Location


def _norm(key: str) -> str:
    """Spring's relaxed binding: ``service-url``, ``serviceUrl`` and ``service_url`` are one name."""
    return key.replace("-", "").replace("_", "").lower()


def _flatten(doc: Document, node: Any, path: Path, parts: tuple[str, ...],
             out: dict[str, _Prop]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(doc, v, (*path, k), (*parts, *str(k).split(".")), out)
        return
    if node is None:
        return
    out[".".join(_norm(p) for p in parts)] = _Prop(".".join(parts), node, doc.locate(path))


_PROPERTY = re.compile(r"^\s*((?:\\.|[^=:\s\\])+)\s*(?:[=:]\s*|\s+|$)(.*)$")


def _properties(path: str, text: str) -> dict[str, _Prop]:
    """A ``.properties`` file: ``key=value`` (or ``key: value``, ``key value``) per line, ``#``/``!``
    comments, a trailing backslash continuing a line."""
    out: dict[str, _Prop] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if not line.strip() or line.lstrip()[0] in "#!":
            continue
        while line.endswith("\\") and not line.endswith("\\\\") and i < len(lines):
            line, i = line[:-1] + lines[i].lstrip(), i + 1
        m = _PROPERTY.match(line)
        if m is None:
            continue
        key = m.group(1).replace("\\", "")
        out[".".join(_norm(p) for p in key.split("."))] = _Prop(key, m.group(2).strip(),
                                                                 Location(path, number, m.start(1) + 1))
    return out


def declared_name(directory: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The name a Spring Boot module gives itself: ``spring.application.name`` in its own
    ``src/main/resources/{bootstrap,application}.{yml,yaml,properties}`` (a profile's document aside). It is the
    name the service registers under in Eureka, that ``lb://`` gateway routes and the config server call it by."""
    for stem in ("bootstrap", "application"):
        for suffix in SUFFIXES:
            path = os.path.join(directory, "src", "main", "resources", stem + suffix)
            if not os.path.isfile(path):
                continue
            if suffix == ".properties":
                layers = [_properties(path, read_text(path, limits))]
            else:
                docs = parse_all(read_text(path, limits), path, limits, merge_keys=True, artifact=True)
                layers = []
                for doc in docs:  # the default document; the others are profiles'
                    if isinstance(doc.data, dict) and not layers:
                        layers.append({})
                        _flatten(doc, doc.data, (), (), layers[-1])
            for flat in layers:
                named = flat.get("spring.application.name")
                if named is not None and isinstance(named.value, str) and "$" not in named.value:
                    return safe_name(named.value)
    return None


def _files(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                out += [os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIXES)]
        else:
            out.append(p)
    return out


def import_file(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """Import one application YAML file (or a config server's directory of them)."""
    return import_paths([path], limits, service)


def import_paths(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                 service: str | None = None) -> list[Document]:
    """Import application YAML files together: a config server's ``application.yml`` is every other
    file's defaults. Directories are read for their ``*.yml`` / ``*.yaml`` files."""
    files = sorted(_files(paths))  # in name order whatever the order given: a list equals its directory
    if not files:
        raise InputError("no application YAML (*.yml, *.yaml) here", Location(paths[0] if paths else "."))
    body = Body(files[0], "infrastructure", "spring")
    shared: list[dict[str, _Prop]] = []
    apps: dict[str, tuple[Location, list[dict[str, _Prop]]]] = {}
    modules = {os.path.dirname(os.path.abspath(f)) for f in files if _in_module(f)}  # --service names one at most
    for path in files:
        props: list[dict[str, _Prop]] = []
        if path.endswith(".properties"):
            props.append(_properties(path, read_text(path, limits)))
        docs = [] if props else [d for d in parse_all(read_text(path, limits), path, limits, merge_keys=True,
                                                      artifact=True) if d.data is not None]
        for i, doc in enumerate(docs):
            if not isinstance(doc.data, dict):
                body.remark(doc.locate(()), "not Spring configuration (a mapping of properties): skipped")
                continue
            flat: dict[str, _Prop] = {}
            _flatten(doc, doc.data, (), (), flat)
            profile = flat.get("spring.profiles") or flat.get("spring.config.activate.onprofile")
            if profile is not None and i > 0:
                body.remark(profile.location, f"profile {profile.value} is read as if it were active")
            props.append(flat)
        if docs and not props:
            continue  # said above: no document of it is a mapping of properties
        owner = _owner(path, props, service, one_module=len(modules) == 1)
        if owner == "module":
            body.remark(Location(path, 1, 1), "a module's own configuration that names no service (no "
                                              "spring.application.name): not read, nor taken as every service's "
                                              "defaults (a config server's application.yml is)")
        elif owner is None:
            shared += props
        elif not isinstance(owner, str):
            apps.setdefault(owner[0], (owner[1], []))[1].extend(props)
            named = next((p["spring.application.name"] for p in props if "spring.application.name" in p), None)
            if owner[0] == service and named is not None and isinstance(named.value, str) and \
                    safe_name(named.value) != service:
                body.remark(named.location, f"the module calls itself {named.value}, the name it registers under; "
                                            f"the deployment runs it as {service} (--service), the name it is "
                                            f"imported under")
    if not apps:
        body.remark(Location(files[0], 1, 1), "no file names the service it configures (spring.application.name, "
                                              "a config server's <service>.yml, or --service): nothing imported")
        return [body.document()]
    zones: list[_Prop] = []
    unread: dict[str, tuple[_Prop, list[str]]] = {}
    groups = {_group(k) for _at, own in apps.values() for layer in own for k in layer}  # some service configures
    for name in sorted(apps):
        at, own = apps[name]
        merged: dict[str, _Prop] = {}
        for layer in [*shared, *own]:
            merged.update(layer)
        app = _App(body, name, at, merged, {k for layer in own for k in layer}, groups)
        app.run()
        for key, prop in app.unread:
            unread.setdefault(key, (prop, []))[1].append(name)
        zone = merged.get("eureka.client.serviceurl.defaultzone")
        if zone is not None and isinstance(zone.value, str):
            zones.append(zone)
    _eureka_servers(body, zones)
    for _key, (prop, names) in sorted(unread.items()):
        body.remark(prop.location, f"{prop.name} is a default every service is given: no call drawn from it for "
                                   f"{', '.join(names)}, whose own configuration says nothing of "
                                   f"{_group(prop.name)} (nothing tells that they read it)")
    return [body.document()]


def _owner(path: str, props: Sequence[dict[str, _Prop]], service: str | None, *,
           one_module: bool = False) -> tuple[str, Location] | str | None:
    """The service a file configures and where it says so; ``"module"`` for a module's own configuration that names
    none; None for a config server's shared defaults. ``service``: the one the import is for (``--service``), which
    names the module when the files imported are of one module (``one_module``)."""
    named = next((p["spring.application.name"] for p in props if "spring.application.name" in p), None)
    stem = os.path.splitext(os.path.basename(path))[0]
    if service and one_module and _SHARED_STEMS.match(stem) and _in_module(path):
        # A module's own configuration, imported for the service the deployment runs it as: that is its name in the
        # design (the compose service ``storefront`` builds the module that calls itself ``storefront-bff``).
        return service, named.location if named is not None else Location(path, 1, 1)
    if named is not None and isinstance(named.value, str) and "$" not in named.value:
        return safe_name(named.value), named.location
    if not _SHARED_STEMS.match(stem):
        return safe_name(stem), Location(path, 1, 1)
    if service:
        return service, Location(path, 1, 1)
    if _in_module(path):
        return "module"
    return None


def _in_module(path: str) -> bool:
    """Whether ``path`` is a Spring Boot module's own configuration (in its ``src/main/resources``)."""
    return os.path.dirname(os.path.abspath(path)).replace(os.sep, "/").endswith(_MODULE_RESOURCES)


def _eureka_servers(body: Body, zones: Sequence[_Prop]) -> None:
    """A host that clients name as their Eureka server (``eureka.client.serviceUrl.defaultZone``) is a
    service registry, and serves the Eureka dashboard at ``/`` on the same port (Eureka's default): an
    admin endpoint. Clients that register with no credentials in the URL (no ``user:password@``) show that
    the server lets anyone in."""
    servers: dict[str, tuple[_Prop, bool]] = {}
    for zone in zones:
        for url in re.split(r"[,\s]+", _placeholders(zone.value).strip()):
            scheme, host, _path = split_host(url)
            name, section, _why = service_of_host(host)
            if name is None or section != "services" or not scheme.startswith("http"):
                continue
            open_door = "@" not in url.split("://", 1)[-1].split("/", 1)[0]
            seen = servers.get(name)
            servers[name] = (seen[0] if seen else zone, open_door and (seen is None or seen[1]))
    for name, (zone, open_door) in sorted(servers.items()):
        body.fact("services", {"name": name}, zone.location)
        body.set("services", name, "kind", "registry", zone.location)
        body.note("services", name, f"kind registry: clients name it as their Eureka server ({zone.name})")
        ui = "eureka-dashboard" if len(servers) == 1 else safe_name(f"{name}-eureka-dashboard")
        body.fact("endpoints", {"name": ui, "method": "GET", "path": "/", "served_by": name, "admin": True},
                  zone.location)
        body.note("endpoints", ui, "admin true: the Eureka dashboard (every registered instance, its address and "
                                   "status), served at / on the registry's port by default")
        if open_door:
            body.set("endpoints", ui, "authn", "none", zone.location)
            body.note("endpoints", ui, f"authn none: the clients register with no credentials ({zone.name} has no "
                                       "user:password@), so the server does not ask for any")


# Properties that name where the service connects -> how to read the value.
_CONNECTIONS: tuple[tuple[str, str], ...] = (
    ("spring.datasource.url", "jdbc"), ("spring.datasource.hikari.jdbcurl", "jdbc"),
    ("spring.data.mongodb.uri", "mongodb"), ("spring.data.mongodb.host", "host:mongodb"),
    ("spring.redis.url", "redis"), ("spring.data.redis.url", "redis"),
    ("spring.redis.host", "host:redis"), ("spring.data.redis.host", "host:redis"),
    ("spring.rabbitmq.addresses", "list:rabbitmq"), ("spring.rabbitmq.host", "host:rabbitmq"),
    ("spring.kafka.bootstrapservers", "list:kafka"), ("spring.cloud.stream.kafka.binder.brokers", "list:kafka"),
    ("spring.mail.host", "host:smtp"),
)
_SKIPPED = ("spring.zipkin.", "management.", "spring.boot.admin.", "logging.", "info.", "spring.sleuth.")
_URL = re.compile(r"^(https?|grpcs?)://", re.IGNORECASE)
_JDBC_ENGINES = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgres", "sqlserver": "sqlserver",
                 "oracle": "oracle", "db2": "db2"}
_EMBEDDED = ("h2", "hsqldb", "derby", "sqlite")
"""JDBC databases that run inside the service's own process: no call to anything."""
_OFF_REQUEST = {
    "eureka.client.serviceurl.defaultzone": (
        "background", "the Eureka client registers, sends heartbeats and refreshes its cached registry from a "
                      "task of its own"),
    "spring.cloud.config.uri": ("startup", "the config client fetches the configuration once, as the service "
                                           "starts"),
}
"""Properties naming a server the service calls at start-up or in the background, never while a request waits
(normalised as ``_App.props`` keys are: lower case, no ``-``)."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _group(key: str) -> str:
    """A property's group: its first two names (``security.oauth2``, ``rates.url``)."""
    return ".".join(key.split(".")[:2])


class _App:
    """One service's merged properties -> its facts."""

    def __init__(self, body: Body, name: str, at: Location, props: dict[str, _Prop],
                 own: set[str] | None = None, groups: set[str] | None = None) -> None:
        self.body, self.name, self.props = body, name, props
        self.own = set(props) if own is None else own
        """The keys the service's own files set (the rest are the defaults a config server gives every service)."""
        self.groups = groups or set()
        """The property groups (``security.oauth2``) that some service's own file configures."""
        body.fact("services", {"name": name}, at)
        self.edges: dict[str, dict[str, Any]] = {}
        self.unread: list[tuple[str, _Prop]] = []
        """Default URL properties no call was drawn from: the service gives no sign it reads them."""

    def run(self) -> None:
        self.props = {k: _Prop(p.name, _placeholders(p.value), p.location) if isinstance(p.value, str) else p
                      for k, p in self.props.items()}
        used: set[str] = set()
        for key, how in _CONNECTIONS:
            prop = self.props.get(key)
            if prop is not None and isinstance(prop.value, (str, list)):
                used.add(key)
                self._connection(prop, how)
        for key, prop in sorted(self.props.items()):
            if key in used or key.startswith(_SKIPPED) or not isinstance(prop.value, str):
                continue
            if not self._reads(key):
                if any(service_of_host(split_host(u)[1])[0] not in (None, self.name)
                       for u in re.split(r"[,\s]+", prop.value.strip()) if _URL.match(u)):
                    self.unread.append((key, prop))
                continue
            for url in re.split(r"[,\s]+", prop.value.strip()):
                if _URL.match(url):
                    self._url(prop, url)
        self._client_defaults()
        self._clients()
        self._streams()
        self._secrets()
        self._actuator()
        context = self.props.get("server.servlet.contextpath") or self.props.get("server.contextpath")
        if context is not None and isinstance(context.value, str) and context.value.startswith("/"):
            self.body.context_paths[self.name] = context.value

    def _reads(self, key: str) -> bool:
        """Whether the service may be taken to read a URL property: its own file sets it, or it is a default for a
        call made at start-up or in the background (every client of the config server or registry makes it), or
        the service's own files set something else of its group (``security.oauth2``: an OAuth2 client given the
        shared resource server's ``user-info-uri``), or no service's own file configures the group (nothing tells
        the readers apart). A default of a group that some services configure and this one never does (an OAuth2
        resource setting given to a registry or a dashboard too) says nothing of what the service calls."""
        if key in self.own or key in _OFF_REQUEST or _group(key) not in self.groups:
            return True
        return any(_group(k) == _group(key) for k in self.own)

    # --- connections

    def _edge(self, target: str, rec: infra.Recognised | None, protocol: str | None, prop: _Prop,
              external: bool = False) -> None:
        if target == self.name:
            return
        if external:
            self.body.fact("externals", {"name": target}, prop.location)
        elif rec is not None and rec.role == "datastore":
            self.body.fact("datastores", {"name": target}, prop.location)
            self.body.set("datastores", target, "engine", rec.engine, prop.location)
            if rec.kind:
                self.body.set("datastores", target, "kind", rec.kind, prop.location)
        else:
            self.body.fact("services", {"name": target}, prop.location)
            if rec is not None and rec.role == "broker":
                self.body.set("services", target, "tags", ["broker"], prop.location)
                self.body.set("services", target, "description", f"message broker ({rec.engine})", prop.location)
        edge = infra.Edge(self.name, target, protocol, [f"{prop.name} ({prop.location})"], prop.location, external)
        data = infra.edge_fact(edge, rec)
        key = self.body.fact("interactions", data, prop.location)
        option = infra.unverified_tls(str(prop.value)) if isinstance(prop.value, str) else None
        if option is not None:  # the connection URL turns the driver's certificate check off
            edge.unverified = (option, prop.location, prop.name)
            infra.record_edge_tls(self.body, data, edge)
        self.body.drawn_from[key] = (*self.body.drawn_from.get(key, ()), prop.name)
        self.edges.setdefault(target, self.body.get("interactions", key) or {})

    def _connection(self, prop: _Prop, how: str) -> None:
        values = [str(v) for v in prop.value] if isinstance(prop.value, list) else [prop.value]
        cat = infra.catalog()
        if how == "jdbc":
            text = values[0].strip()
            sub = text[5:].split(":", 1)[0].lower() if text.lower().startswith("jdbc:") else ""
            if sub in _EMBEDDED:
                return
            engine = _JDBC_ENGINES.get(sub)
            _scheme, host, _p = split_host(text[5:].split(";", 1)[0]) if engine else ("", "", "")
            if not engine or not host:
                self.body.remark(prop.location, f"{prop.name}: not a JDBC URL with a host archplan reads; not imported")
                return
            self._host(prop, host, cat.by_engine(engine), "sql")
        elif how in ("mongodb", "redis"):
            _scheme, host, _p = split_host(values[0].strip())
            if host:
                found = cat.by_engine(how)
                self._host(prop, host.split(",", 1)[0], found, found.protocol)
        elif how.startswith(("host:", "list:")):
            engine = how.split(":", 1)[1]
            rec: infra.Recognised | None = None if engine == "smtp" else cat.by_engine(engine)
            for value in values:
                for item in re.split(r"[,\s]+", value.strip()):
                    host = item.split("://", 1)[-1].rsplit("@", 1)[-1]
                    if host:
                        self._host(prop, host, rec, rec.protocol if rec else "other")

    def _host(self, prop: _Prop, host: str, rec: infra.Recognised | None, protocol: str | None) -> None:
        h = host.strip().lower()
        h = re.sub(r":\d+$", "", h) if not h.startswith("[") else h
        if not h or "$" in h or "{" in h or h in ("localhost", "127.0.0.1"):
            return
        if host_exposure(h) == "public":
            self._edge(safe_name(h), rec if rec is not None and rec.role == "datastore" else None, protocol, prop,
                       external=rec is None or rec.role != "datastore")
            return
        self._edge(safe_name(h.split(".", 1)[0]), rec, protocol, prop)

    def _url(self, prop: _Prop, url: str) -> None:
        scheme, host, _p = split_host(url)
        name, section, _why = service_of_host(host)
        if name is None:
            return
        protocol = "grpc" if scheme.startswith("grpc") else "http"
        self._edge(name, None, protocol, prop, external=section == "externals")
        during = _OFF_REQUEST.get(_norm(prop.name))
        if during is not None and section != "externals" and name != self.name:
            self._set(name, "during", during[0], prop, during[1])

    # --- what the configuration states about the calls

    def _ms(self, key: str) -> tuple[int, _Prop] | None:
        prop = self.props.get(key)
        if prop is None:
            return None
        text = str(prop.value).strip().lower()
        m = re.fullmatch(r"(\d+)\s*(ms|s|m)?", text)
        if isinstance(prop.value, bool) or m is None:
            raise InputError(f"{prop.name} {prop.value!r} is not a duration (e.g. 5000, 5s, 500ms)", prop.location,
                             prop.name)
        n = int(m.group(1))
        return n * {"ms": 1, "s": 1000, "m": 60000}.get(m.group(2) or "ms", 1), prop

    def _client_names(self, prefix: str, suffix: str) -> Iterator[str]:
        for key in self.props:
            if key.startswith(prefix) and key.endswith(suffix):
                middle = key[len(prefix):len(key) - len(suffix)]
                if middle and "." not in middle and middle != "default":
                    yield middle

    def _set(self, target: str, field: str, value: Any, prop: _Prop, why: str) -> None:
        key = identity("interaction", {"from": self.name, "to": target})
        before = (self.body.get("interactions", key) or {}).get(field)
        if field == "timeout_ms" and isinstance(before, int) and before <= value:
            return  # the shorter of two stated bounds (a client timeout, a time limiter) ends the call
        self.body.set("interactions", key, field, value, prop.location, override=field == "timeout_ms")
        self.body.note("interactions", key, f"{field} from {why}")

    def _client_defaults(self) -> None:
        """The timeout of each call drawn from a property group whose client Spring Boot builds with a documented
        default (``engine/data/spring_clients.yaml``): the group's own setting when the configuration states it,
        else that default."""
        for group, setting, default, client in _client_timeouts():
            norm = _norm(group)
            for key, props in sorted(self.body.drawn_from.items()):
                target = key.split("->", 1)[1] if key.startswith(f"{self.name}->") else None
                if target is None or not all(_norm(p).startswith(norm) for p in props):
                    continue
                try:
                    stated = self._ms(norm + _norm(setting))
                except InputError:  # a duration written otherwise (PT5S): stated, but not read here
                    continue
                if stated is not None:
                    self._set(target, "timeout_ms", stated[0], stated[1], stated[1].name)
                    continue
                prop = self.props.get(_norm(props[0]))
                if prop is not None:
                    self._set(target, "timeout_ms", default, prop,
                              f"the default of {client}, which {group}{setting} does not change "
                              f"({default / 1000:g} s)")

    def _clients(self) -> None:
        feign_breaker = next((p for k in ("feign.hystrix.enabled", "feign.circuitbreaker.enabled")
                              for p in [self.props.get(k)] if p is not None and p.value is True), None)
        hystrix = self._ms("hystrix.command.default.execution.isolation.thread.timeoutinmilliseconds")
        feign_default = self._ms("feign.client.config.default.readtimeout")
        clients: dict[str, tuple[int, _Prop, str]] = {}
        for raw in sorted(set(self._client_names("feign.client.config.", ".readtimeout"))):
            found = self._ms(f"feign.client.config.{raw}.readtimeout")
            if found:
                clients[raw] = (found[0], found[1], f"feign.client.config.{raw}.readTimeout")
        for raw in sorted(set(self._client_names("", ".ribbon.readtimeout"))):
            found = self._ms(f"{raw}.ribbon.readtimeout")
            if found and raw not in clients:
                clients[raw] = (found[0], found[1], f"{raw}.ribbon.ReadTimeout")
        for raw, stated in sorted(clients.items()):
            target = safe_name(raw)
            ms, prop, why = stated
            if target not in self.edges:
                self.body.fact("services", {"name": target}, prop.location)
                self._edge(target, None, "http", prop)
            self._set(target, "timeout_ms", ms, prop, why)
            if feign_breaker is not None:
                self._set(target, "circuit_breaker", True, feign_breaker,
                          f"{feign_breaker.name} (Hystrix around Feign)")
        settings: dict[str, tuple[Any, Location, str]] = {}
        if feign_breaker is not None:
            settings["circuit_breaker"] = (True, feign_breaker.location, f"{feign_breaker.name} (Hystrix around Feign)")
        bounds: list[tuple[Any, Location, str]] = []
        if feign_default:
            ms, prop = feign_default
            bounds.append((ms, prop.location, f"{prop.name} (every Feign client)"))
        if feign_breaker is not None and hystrix:
            bounds.append((hystrix[0], hystrix[1].location, f"{hystrix[1].name} (the Hystrix timeout around each "
                                                            "Feign call)"))
        if bounds:
            settings["timeout_ms"] = min(bounds, key=lambda b: b[0])
        ribbon = self._ms("ribbon.readtimeout")
        if ribbon:  # a Feign client named by service goes through Ribbon; one given a url does not
            settings["ribbon"] = (ribbon[0], ribbon[1].location, f"{ribbon[1].name} (every Ribbon client)")
        if settings:  # for the calls of the Feign clients its code declares (code_clients)
            self.body.feign[self.name] = settings
        if feign_default or (feign_breaker and hystrix):
            self.body.note("services", self.name, "Feign client defaults are stated, but which services the Feign "
                                                  "clients call is written in code: not attached to any call")
        for target in sorted(self.edges):
            norm = _norm(target)
            breaker = self.props.get(f"resilience4j.circuitbreaker.instances.{norm}.baseconfig") or next(
                (p for k, p in self.props.items() if k.startswith(f"resilience4j.circuitbreaker.instances.{norm}.")),
                None)
            if breaker is not None:
                self._set(target, "circuit_breaker", True, breaker, f"resilience4j.circuitbreaker.instances.{target}")
            attempts = self.props.get(f"resilience4j.retry.instances.{norm}.maxattempts")
            if attempts is not None and isinstance(attempts.value, int) and not isinstance(attempts.value, bool):
                self._set(target, "retry", {"attempts": attempts.value}, attempts, attempts.name)
            limit = f"resilience4j.timelimiter.instances.{norm}.timeoutduration"
            if limit in self.props:
                found = self._ms(limit)
                if found:
                    self._set(target, "timeout_ms", found[0], found[1], found[1].name)

    def _streams(self) -> None:
        prefix = "spring.cloud.stream.bindings."
        for key, prop in sorted(self.props.items()):
            if not (key.startswith(prefix) and key.endswith(".destination")) or not isinstance(prop.value, str):
                continue
            binding = ".".join(prop.name.split(".")[4:-1])  # as written: relaxed binding drops its dashes
            output = binding == "output" or re.search(r"(^|[-_.])out(put)?([-_.]\d+)?$", binding) is not None
            inbound = binding == "input" or re.search(r"(^|[-_.])in(put)?([-_.]\d+)?$", binding) is not None
            if output == inbound:
                self.body.remark(prop.location, f"binding {binding}: neither an input nor an output by its name; "
                                                "not imported")
                continue
            for dest in (d.strip() for d in prop.value.split(",")):
                if not dest or "$" in dest:
                    continue
                name = safe_name(dest)
                self.body.fact("channels", {"name": name}, prop.location)
                self.body.set("channels", name, "producers" if output else "consumers", [self.name], prop.location)
                self.body.note("channels", name, f"{'producer' if output else 'consumer'} {self.name} from "
                                                 f"{prop.name}")

    def _actuator(self) -> None:
        """Actuator endpoints exposed over HTTP that dump state or change it (``env``, ``heapdump``, ``loggers``,
        Spring Cloud Gateway's ``gateway``...; ``*`` is all of them): a debug endpoint on the service's own port."""
        found = _exposed_actuator(self.props)
        if isinstance(found, Actuator):
            record_actuator(self.body, self.name, found)
        elif found is not None:
            port, shown = found
            self.body.remark(port.location, f"{self.name}'s actuator has a port of its own ({port.name}): who reaches "
                                            f"its {', '.join(shown[:3])} endpoints is not known; not imported")

    def _secrets(self) -> None:
        found = sorted(_literal_secrets(self.props), key=lambda f: f[0])
        infra.record_literal_secrets(self.body, self.name, None, found)
        # Every credential only a default of the config server's, each of a client's group: which service reads it
        # is decided with the service's code (code_routes.compose), if it is handed over.
        given = [(name, client) for name, _at in found for client in [client_of(name)]
                 if client is not None and ".".join(_norm(p) for p in name.split(".")) not in self.own]
        if found and len(given) == len(found):
            self.body.shared_credentials[self.name] = tuple(given)


CLIENTS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("spring.datasource.", "a JDBC or JPA client", re.compile(
        r"jdbc|jpa|persistence|hibernate|mybatis|jooq|r2dbc|java\.sql|javax\.sql|datasource|flyway|liquibase",
        re.IGNORECASE)),
    ("spring.data.mongodb.", "a MongoDB client", re.compile(r"mongo", re.IGNORECASE)),
    ("spring.rabbitmq.", "an AMQP client", re.compile(r"amqp|rabbit", re.IGNORECASE)),
    ("spring.redis.", "a Redis client", re.compile(r"redis|jedis|lettuce", re.IGNORECASE)),
    ("spring.data.redis.", "a Redis client", re.compile(r"redis|jedis|lettuce", re.IGNORECASE)),
    ("spring.kafka.", "a Kafka client", re.compile(r"kafka", re.IGNORECASE)),
    ("spring.mail.", "a mail client", re.compile(r"mail", re.IGNORECASE)),
)
"""The Spring property groups that configure one client, what the client is, and the words its library or code
shows when a service has it (a build file's artifact, an import): a group's credential serves only a service that
has the client."""


@dataclass(frozen=True)
class Actuator:
    """Actuator endpoints that dump a service's state or change it, exposed over HTTP on its application port."""

    root: str
    """Their base path (``/actuator``, or ``management.endpoints.web.base-path``)."""
    why: str
    """The property and value that expose them, and which they are."""
    at: Location


def _exposed_actuator(props: dict[str, _Prop]) -> Actuator | tuple[_Prop, list[str]] | None:
    """What a service's properties expose of its actuator: the endpoints on its application port, or (the
    ``management.server.port`` property, the endpoints) when they have a port of their own; None when no endpoint
    that dumps or changes state is exposed."""
    prop = props.get("management.endpoints.web.exposure.include")
    if prop is None:
        return None
    listed = {n.strip().lower() for n in _listed(prop.value)}
    exclude = props.get("management.endpoints.web.exposure.exclude")
    dropped = {n.strip().lower() for n in _listed(exclude.value)} if exclude is not None else set()
    shown = sorted((_DEBUG_ACTUATORS if "*" in listed else listed & _DEBUG_ACTUATORS) - dropped)
    if not shown or "*" in dropped:
        return None
    port = props.get("management.server.port")
    if port is not None:
        return port, shown
    base = props.get("management.endpoints.web.basepath")
    root = base.value.rstrip("/") if base is not None and isinstance(base.value, str) else "/actuator"
    return Actuator(root, f"{prop.name} {prop.value} exposes {', '.join(shown[:4])}{' ...' if len(shown) > 4 else ''}",
                    prop.location)


def record_actuator(body: Body, service: str, found: Actuator) -> None:
    """State ``found`` as the debug endpoint ``<service>-actuator`` on the service's own port."""
    ident = body.fact("endpoints", {"name": f"{service}-actuator", "method": "ANY", "path": f"{found.root}/**",
                                    "served_by": service}, found.at)
    body.set("endpoints", ident, "debug", True, found.at)
    body.note("endpoints", ident, f"debug: {found.why} over HTTP on the service's own port")


@dataclass(frozen=True)
class DatasourceLogin:
    """The database a service's own configuration points its JDBC datasource at, and the login it writes out."""

    host: str
    login: tuple[str, str] | None
    """(user, password) as written: compared, never reported; None when either is not written out."""
    at: Location
    database: str = ""
    """The database the URL names on its server (``orders`` of ``jdbc:mysql://orders-db:3306/orders``); "" none."""


def datasource_login(path: str, limits: Limits = DEFAULT_LIMITS) -> DatasourceLogin | None:
    """The datasource of a service's own default configuration file (its first document): the host of
    ``spring.datasource.url`` (``jdbc:postgresql://orders-db/orders``) and the database it names, with the user and
    password written out beside it (no login when the file leaves either to a placeholder or to nothing). None when
    the file sets no URL or host.

    Raises:
        InputError: the file is not YAML that parses (at its line).
    """
    docs = _file_props(path, limits)
    props = docs[0] if docs else {}
    url = props.get("spring.datasource.url") or props.get("spring.datasource.hikari.jdbcurl")
    user, password = props.get("spring.datasource.username"), props.get("spring.datasource.password")
    if url is None or not isinstance(url.value, str):
        return None
    _scheme, host, path = split_host(url.value.removeprefix("jdbc:"))
    written = user is not None and password is not None and all(
        isinstance(p.value, (str, int)) and str(p.value) and "${" not in str(p.value) for p in (user, password))
    login = (str(user.value), str(password.value)) if written and user and password else None
    database = path.strip("/").split("/")[0].split(";")[0]
    return DatasourceLogin(host.lower(), login, url.location,
                           "" if "${" in database else database.lower()) if host else None


_RETRY_ATTEMPTS = re.compile(r"^resilience4j\.retry\.(instances|configs)\.([^.]+)\.maxattempts$")


def retry_settings(path: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, tuple[int, Location, str]] | None:
    """The ``max-attempts`` of the Resilience4j retry instances a service's own default configuration file sets, by
    instance name in relaxed form (``""``: ``resilience4j.retry.configs.default``), each with where and the property as
    written; None when it sets none.

    Raises:
        InputError: the file is not YAML that parses (at its line).
    """
    docs = _file_props(path, limits)
    out: dict[str, tuple[int, Location, str]] = {}
    for key, prop in (docs[0] if docs else {}).items():
        m = _RETRY_ATTEMPTS.match(key)
        value = prop.value if isinstance(prop.value, int) and not isinstance(prop.value, bool) else \
            int(prop.value) if isinstance(prop.value, str) and prop.value.strip().isdigit() else None
        if m is None or value is None or (m.group(1) == "configs" and m.group(2) != "default"):
            continue
        out["" if m.group(1) == "configs" else m.group(2)] = (value, prop.location, f"{prop.name}={value}")
    return out or None


def actuator_of(path: str, limits: Limits = DEFAULT_LIMITS) -> Actuator | None:
    """The actuator endpoints a service's own default configuration file (``application.properties`` or
    ``application.yml``; its first document, a profile's left out) exposes on its application port, or None.

    Raises:
        InputError: the file is not YAML that parses (at its line).
    """
    docs = _file_props(path, limits)
    found = _exposed_actuator(docs[0] if docs else {})
    return found if isinstance(found, Actuator) else None


def _file_props(path: str, limits: Limits) -> list[dict[str, _Prop]]:
    """Every document of one application YAML or ``.properties`` file, flattened (a profile's too)."""
    if path.endswith(".properties"):
        return [_properties(path, read_text(path, limits))]
    out: list[dict[str, _Prop]] = []
    for doc in parse_all(read_text(path, limits), path, limits, merge_keys=True, artifact=True):
        if isinstance(doc.data, dict):
            flat: dict[str, _Prop] = {}
            _flatten(doc, doc.data, (), (), flat)
            out.append(flat)
    return out


_BOOT_APPLICATION = re.compile(r"@SpringBootApplication\b")
_CODE_TLS = re.compile(r"\bsetSsl\s*\(|\bnew\s+Ssl\s*\(|\bSslBundle|\bSslStoreProvider|server\.ssl\.|"
                       r"addAdditionalTomcatConnectors|SERVER_SSL_")
"""Code or a build step that may give the embedded web server TLS: an ``Ssl`` set on a server factory, an SSL bundle,
an extra connector, the ``server.ssl.*`` properties or their environment variables written out."""


def boot_plain_listener(java: Sequence[tuple[str, str]], config: Sequence[str], others: Sequence[tuple[str, str]],
                        limits: Limits = DEFAULT_LIMITS) -> tuple[str, Location] | None:
    """Why, and where, a Spring Boot service's embedded web server listens on plain HTTP: its code (``java``,
    comments blanked) declares a ``@SpringBootApplication``, none of its configuration files (``config``: every
    ``application*`` and ``bootstrap*`` file, profiles' included) sets a ``server.ssl`` property or takes its
    configuration from a configuration server (which could), and neither its code nor ``others`` (its Dockerfile,
    scripts) names TLS for the server (``_CODE_TLS``). Spring Boot serves plain HTTP unless ``server.ssl`` says
    otherwise. None when any of that is not so, or a configuration file does not parse."""
    app = next(((f, m) for f, code in java for m in [_BOOT_APPLICATION.search(code)] if m), None)
    if app is None or any(_CODE_TLS.search(text) for _f, text in [*java, *others]):
        return None
    for path in config:
        try:
            docs = _file_props(path, limits)
        except InputError:
            return None
        for props in docs:
            imports = props.get("spring.config.import")
            if any(k.startswith(("server.ssl.", "spring.cloud.config.")) for k in props) or (
                    imports is not None and "configserver" in str(imports.value)):
                return None
    path, m = app
    text = dict(java)[path]
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - text.rfind("\n", 0, m.start())
    return (f"its Spring Boot application ({os.path.basename(path)}:{line}) sets no server.ssl property in its "
            "configuration files, takes none from a configuration server and no code of it sets up TLS, so its "
            "embedded web server listens on plain HTTP", Location(path, line, column))


@functools.cache
def _client_timeouts() -> tuple[tuple[str, str, int, str], ...]:
    """``engine/data/spring_clients.yaml``: (property group, its timeout setting, the default in milliseconds, the
    client), each checked as it is read."""
    data = yaml.safe_load(resources.files("engine").joinpath("data", "spring_clients.yaml").read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(data.get("timeouts") or []):
        ms = entry.get("timeout_ms")
        if set(entry) != {"group", "setting", "timeout_ms", "client"} or not isinstance(ms, int) or \
                isinstance(ms, bool) or ms <= 0 or not str(entry["group"]).endswith("."):
            raise ValueError(f"spring_clients.yaml timeouts[{i}]: needs group (ending in '.'), setting, client and a "
                             "positive timeout_ms")
        out.append((str(entry["group"]), str(entry["setting"]), ms, str(entry["client"])))
    return tuple(out)


def client_of(prop: str) -> str | None:
    """The property group of a client's setting (``spring.datasource.``), matched as Spring binds names."""
    key = ".".join(_norm(p) for p in prop.split(".")) + "."
    return next((group for group, _what, _words in CLIENTS if key.startswith(group.replace("-", ""))), None)


_DEBUG_ACTUATORS = frozenset({"env", "heapdump", "threaddump", "configprops", "beans", "mappings", "loggers",
                              "gateway", "jolokia", "shutdown", "logfile", "httpexchanges", "httptrace", "sessions"})
"""Actuator endpoints that dump a service's state or change it (Spring Boot and Spring Cloud Gateway ids)."""


def _listed(value: Any) -> list[str]:
    """A property's values: a YAML list, or a comma-separated string."""
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int))]
    return str(value).split(",") if isinstance(value, (str, int)) and not isinstance(value, bool) else []


def _literal_secrets(props: dict[str, _Prop]) -> list[tuple[str, Location]]:
    """The secret-named properties with a literal value: (property, where), never the value."""
    found: list[tuple[str, Location]] = []
    for prop in props.values():
        if isinstance(prop.value, bool) or not isinstance(prop.value, (str, int)):
            continue
        leaf = _CAMEL.sub("_", prop.name.rsplit(".", 1)[-1])
        if infra.literal_secret(leaf, str(prop.value)):
            found.append((prop.name, prop.location))
    return found


def literal_secrets(path: str, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, Location]]:
    """The credentials one application YAML or ``.properties`` file writes out, in every document of it
    (a profile's too): (property, where), never the value.

    Raises:
        InputError: the file is not YAML that parses (at its line).
    """
    return [found for props in _file_props(path, limits) for found in _literal_secrets(props)]


__all__ = ["SUFFIXES", "Actuator", "DatasourceLogin", "actuator_of", "boot_plain_listener", "datasource_login",
           "detect", "import_file", "import_paths", "literal_secrets", "record_actuator"]
