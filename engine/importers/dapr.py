"""Dapr: the sidecars a deployment runs and the components it gives them (read with the compose project).

A Dapr sidecar is a ``daprd`` container beside its application: in compose, a service whose command runs
``daprd`` with ``-app-id <id>`` (or ``--app-id``), usually in its application's network namespace
(``network_mode: "service:<app>"``). The sidecar loads the component files of the directory it is given
(``-components-path``, ``--resources-path``), which the project bind-mounts into it: each file of ``apiVersion:
dapr.io/...`` and ``kind: Component`` declares one building block, ``spec.type`` saying which (``pubsub.rabbitmq``,
``state.redis``, ``secretstores.local.file``...) and ``spec.metadata`` its settings (``{name, value}`` pairs, or
``{name, secretKeyRef}``); ``scopes`` lists the app ids that may use it (none: every app).

What is read:

- a **pub/sub** component (``pubsub.*``) is the broker behind the topics the applications' code names with it
  (``code_dapr``): the workload its host setting names (``host: amqp://rabbitmq:5672``, ``redisHost``,
  ``brokers``, ``connectionString``...), the protocol, and, for RabbitMQ, durability: the component declares its
  queues durable only with ``durable: "true"`` (Dapr's default is false) and marks messages persistent only with
  ``deliveryMode: "2"``, so a broker restart loses the topics' messages unless both are set; delivery is at least
  once (Dapr redelivers what a subscriber does not acknowledge), except for RabbitMQ with ``autoAck: "true"``,
  where the broker forgets a message as it hands it over (at most once). ``dapr.channels`` gives these to each
  channel whose code names the component;
- a **state store** (``state.*``) is a datastore the applications in its scope read and write through their
  sidecars: one call from each of them to the workload its host setting names; a Redis store's (``state.redis``)
  commands fail after its ``readTimeout`` (Dapr's default, 3 s, when the component sets none; ``"-1"``: none), which
  bounds that call;
- an **output binding** that only sends (``bindings.smtp``, ``bindings.http``) is a call from each application in its
  scope to the workload its host setting names, made through the sidecar; one that sets ``skipTLSVerify`` (or
  ``skipVerify``, ``insecureSkipVerify``) to true connects without verifying that host's certificate:
  ``tls_verify: false``;
- the sidecars' **mTLS**: self-hosted ``daprd`` encrypts and authenticates sidecar-to-sidecar calls only when
  started with ``-enable-mtls`` and a Sentry to issue certificates (``-sentry-address``); when no sidecar of the
  project is, and none is given an API token (``APP_API_TOKEN``, ``DAPR_API_TOKEN``), the services call one another
  through Dapr with no authentication: ``security.service_to_service_auth: none``.

A sidecar's API (HTTP on 3500, gRPC on 50001, or the ports ``-dapr-http-port`` and ``-dapr-grpc-port`` give) published
beyond the host's loopback, on its own container or, in its application's network namespace, on the application's,
is an administrative endpoint of the sidecar (``<sidecar>-http-api``, ``<sidecar>-grpc-api``), unauthenticated
when no ``DAPR_API_TOKEN`` is set: it invokes any app and reads the state stores and secrets.

The sidecar's own addresses of Dapr's control plane (``-placement-host-address``, ``-sentry-address``) are its
connections to the runtime's services (actor placement, certificates), not calls a request waits on:
``during: background``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Location
from engine.importers.base import ArtifactDocument, Body, PubSub, with_field
from engine.source import Document

_APP_ID = re.compile(r"(?:^|\s)--?app-id[\s=]+(?P<id>[A-Za-z0-9][\w.-]*)")
_CONTROL = re.compile(r"(?:^|\s)--?(?:placement-host-address|sentry-address)[\s=]+(?P<host>[A-Za-z0-9][\w.-]*)")
_MTLS = re.compile(r"(?:^|\s)--?enable-mtls(?:[\s=]+true)?\b")
_API_PORT = re.compile(r"(?:^|\s)--?dapr-(?P<kind>http|grpc)-port[\s=]+(?P<port>\d+)")
_DEFAULT_PORTS = {"http": "3500", "grpc": "50001"}  # daprd's defaults for its HTTP and gRPC APIs
_TOKENS = ("APP_API_TOKEN", "DAPR_API_TOKEN")
_HOST_KEYS = ("host", "redisHost", "brokers", "connectionString", "natsURL", "servers", "url", "endpoint")
_PROTOCOLS = {"rabbitmq": "amqp", "kafka": "kafka", "redis": "redis", "mqtt": "mqtt", "mqtt3": "mqtt",
              "postgresql": "sql", "postgres": "sql", "mysql": "sql", "sqlserver": "sql", "mongodb": "other"}


def is_sidecar(command: str, image: str | None) -> bool:
    """Whether a container runs Dapr's sidecar: ``daprd`` in its command, or the ``daprio/daprd`` image."""
    return bool(re.search(r"(?:^|[\s/])daprd\b", command)) or bool(image and "daprio/daprd" in image)


def app_id(command: str) -> str | None:
    """The ``-app-id`` a ``daprd`` command gives its application."""
    m = _APP_ID.search(command)
    return m.group("id") if m else None


def control_hosts(command: str) -> list[str]:
    """The control-plane hosts a ``daprd`` command names (placement, Sentry), without their ports."""
    return [m.group("host").split(":", 1)[0] for m in _CONTROL.finditer(command)]


@dataclass(frozen=True)
class Component:
    """One Dapr component file: its name, type, settings (value or None for a secret reference) and scopes."""

    name: str
    type: str
    at: Location
    metadata: dict[str, tuple[str | None, Location]] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()


def components(configs: Sequence[tuple[str, list[Document]]]) -> list[Component]:
    """The Dapr components among the parsed configuration files a container mounts (``infra.mounted_configs``)."""
    out: list[Component] = []
    for _path, docs in configs:
        for doc in docs:
            data = doc.data
            if not (isinstance(data, dict) and data.get("kind") == "Component"
                    and str(data.get("apiVersion", "")).startswith("dapr.io/")):
                continue
            meta, spec = data.get("metadata"), data.get("spec")
            if not isinstance(meta, dict) or not isinstance(spec, dict) or not isinstance(meta.get("name"), str):
                continue
            settings: dict[str, tuple[str | None, Location]] = {}
            for i, item in enumerate(spec.get("metadata") or []):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    value = item.get("value")
                    settings[item["name"]] = (None if value is None or isinstance(value, (dict, list)) else
                                              str(value).lower() if isinstance(value, bool) else str(value),
                                              doc.locate(("spec", "metadata", i)))
            scopes = tuple(str(s) for s in data.get("scopes") or [] if isinstance(s, (str, int)))
            out.append(Component(meta["name"], str(spec.get("type", "")), doc.locate(("spec", "type")), settings,
                                 scopes))
    return out


def _host(value: str) -> str | None:
    """The host name a component's address setting names (``amqp://rabbitmq:5672``, ``redis:6379``)."""
    text = value.split(",", 1)[0].strip()
    if "://" in text:
        host = urllib.parse.urlsplit(text).hostname
        return host or None
    m = re.match(r"^(?:[^@/\s]*@)?(?P<host>[A-Za-z][\w.-]*)(?::\d+)?$", text)
    if m:
        return m.group("host")
    m = re.search(r"(?:^|;)\s*(?:server|host|data source)\s*=\s*(?:tcp:)?(?P<host>[A-Za-z][\w.-]*)", text, re.I)
    return m.group("host") if m else None


def _target(c: Component, hosts: Mapping[str, str]) -> tuple[str, Location] | None:
    for key in _HOST_KEYS:
        value, at = c.metadata.get(key, (None, c.at))
        host = _host(value) if value else None
        if host is not None and host in hosts:
            return hosts[host], at
    return None


def _pubsub(c: Component, hosts: Mapping[str, str]) -> PubSub:
    kind = c.type.split(".", 1)[1] if "." in c.type else ""
    target = _target(c, hosts)
    durable: tuple[bool, Location, str] | None = None
    delivery: tuple[str, Location, str] | None = (
        "at_least_once", c.at, f"Dapr redelivers what a subscriber does not acknowledge ({c.type}, {c.at.file})")
    if kind == "rabbitmq":
        value, at = c.metadata.get("durable", (None, c.at))
        mode, mode_at = c.metadata.get("deliveryMode", (None, c.at))
        if value != "true":
            durable = (False, at, "its queues are not declared durable ("
                       + (f"durable {value}" if value is not None else "no durable setting: Dapr's default is false")
                       + f", {at.file}:{at.line})")
        elif mode != "2":
            mode_said = mode if mode is not None else "unset: Dapr's default 0"
            durable = (False, mode_at, f"its messages are not marked persistent (deliveryMode {mode_said}, "
                                       f"{mode_at.file}:{mode_at.line})")
        else:
            durable = (True, at, f"durable queues and persistent messages ({at.file}:{at.line})")
        ack, ack_at = c.metadata.get("autoAck", (None, c.at))
        if ack == "true":
            delivery = ("at_most_once", ack_at, f"autoAck true: the broker forgets a message as it hands it over "
                                                f"({ack_at.file}:{ack_at.line})")
    return PubSub(c.name, c.type, c.at, target[0] if target else None, _PROTOCOLS.get(kind), durable, delivery)


@dataclass
class Sidecar:
    """A ``daprd`` container of the project: its application's workload, app id, components and settings."""

    name: str
    app: str
    app_id: str
    at: Location
    components: list[Component]
    mtls: bool
    token: bool
    control: list[str]
    api_ports: dict[str, str] = field(default_factory=dict)
    """The container ports of its HTTP and gRPC APIs (``-dapr-http-port``, ``-dapr-grpc-port``; 3500, 50001)."""


def sidecar(name: str, app: str, command: str, image: str | None, variables: Sequence[str], at: Location,
            configs: Sequence[tuple[str, list[Document]]]) -> Sidecar | None:
    """The Dapr sidecar a container is (its command, image, environment variables' names and mounted configuration
    files), or None when it runs no ``daprd`` with an app id."""
    ident = app_id(command)
    if not is_sidecar(command, image) or ident is None:
        return None
    ports = {**_DEFAULT_PORTS, **{m.group("kind"): m.group("port") for m in _API_PORT.finditer(command)}}
    return Sidecar(name, app, ident, at, components(configs), bool(_MTLS.search(command)),
                   any(v in _TOKENS for v in variables), control_hosts(command), ports)


def _published_apis(body: Body, s: Sidecar, published: Sequence[tuple[str, Location, str]]) -> None:
    """The sidecar's API as an endpoint of its own when its container publishes the API's port beyond the host's
    loopback (through its application's ports when it runs in the application's network namespace): an
    administrative surface that invokes any app, reads and writes the state stores, publishes and reads secrets."""
    for kind, port in sorted(s.api_ports.items()):
        found = next(((e, loc) for e, loc, target in published if target.strip() == port and e in ("public", "host")),
                     None)
        if found is None:
            continue
        name = f"{s.name}-{kind}-api"
        data: dict[str, Any] = {"name": name, "method": "RPC" if kind == "grpc" else "ANY", "path": "/",
                                "served_by": s.name, "exposure": found[0], "admin": True}
        if not s.token:
            data["authn"] = "none"
        body.fact("endpoints", data, found[1])
        via = f" through {s.app}'s ports" if s.app != s.name else ""
        body.note("endpoints", name, f"admin true: Dapr's {kind} API (port {port}) is published{via}: it invokes any "
                                     "app, reads and writes the state stores, publishes events and reads secrets"
                                     + ("" if s.token else "; authn none: no API token (DAPR_API_TOKEN) is set"))


def record(body: Body, sidecars: Sequence[Sidecar], hosts: Mapping[str, str], stores: set[str],
           published: Mapping[str, Sequence[tuple[str, Location, str]]] | None = None) -> None:
    """What the project's sidecars and their components say (see the module): the pub/sub components on the
    body (``pubsubs``), each state store's calls, the sidecars' APIs the project publishes (``published``: each
    service's published ports, as exposure, where and container port), and the services' authentication of one
    another."""
    if not sidecars:
        return
    for s in sidecars:
        _published_apis(body, s, (published or {}).get(s.app, ()))
    apps = {s.app_id: s.app for s in sidecars}
    for s in sidecars:
        for c in s.components:
            if c.scopes and s.app_id not in c.scopes:
                continue
            if c.type.startswith("pubsub.") and c.name not in body.pubsubs:
                body.pubsubs[c.name] = _pubsub(c, hosts)
            elif c.type.startswith("state."):
                target = _target(c, hosts)
                if target is None or target[0] not in stores or target[0] == s.app:
                    continue
                kind = c.type.split(".", 1)[1]
                call = {"from": s.app, "to": target[0], "style": "sync"}
                if kind in _PROTOCOLS:
                    call["protocol"] = _PROTOCOLS[kind]
                ident = body.fact("interactions", call, target[1])
                prior = (body.get("interactions", ident) or {}).get("inferred_from")
                said = f"the Dapr state store {c.name} ({c.at.file}:{c.at.line}) names host {target[0]}"
                body.set("interactions", ident, "inferred_from", f"{prior}; {said}" if prior else said, target[1],
                         override=True)
                body.note("interactions", ident, f"through its sidecar {s.name}: the Dapr state store {c.name} "
                                                 f"({c.type}, {c.at.file}:{c.at.line}) keeps its state in {target[0]}")
                if c.type == "state.redis":
                    _redis_timeout(body, ident, c)
            elif c.type in _OUTPUT_BINDINGS:
                _binding_call(body, s, c, hosts)
    if any(s.mtls or s.token for s in sidecars) or len(apps) < 2:
        return
    first = min(sidecars, key=lambda s: (s.at.file, s.at.line))
    body.set("security", "security", "service_to_service_auth", "none", first.at)
    body.note("security", "security", f"service_to_service_auth none: the {len(sidecars)} Dapr sidecars "
                                      f"({', '.join(sorted(s.name for s in sidecars))}) run without mTLS (no "
                                      "-enable-mtls) and without an API token, and the services call one another "
                                      "through them")


_OUTPUT_BINDINGS = ("bindings.smtp", "bindings.http")
"""Binding types that only send (docs.dapr.io, supported bindings: output only): the app calls through them."""
_SKIP_VERIFY = ("skiptlsverify", "skipverify", "insecureskipverify", "tlsskipverify")


def _binding_call(body: Body, s: Sidecar, c: Component, hosts: Mapping[str, str]) -> None:
    """The call an application makes through an output binding to the workload its host names, with ``tls_verify``
    false when the component skips the certificate check."""
    target = _target(c, hosts)
    if target is None or target[0] == s.app:
        return
    ident = body.fact("interactions", {"from": s.app, "to": target[0], "style": "sync"}, target[1])
    said = f"the Dapr output binding {c.name} ({c.type}, {c.at.file}:{c.at.line}) names host {target[0]}"
    prior = (body.get("interactions", ident) or {}).get("inferred_from")
    body.set("interactions", ident, "inferred_from", f"{prior}; {said}" if prior else said, target[1], override=True)
    body.note("interactions", ident, f"through its sidecar {s.name}: {said}")
    skip = next(((k, v) for k, v in c.metadata.items() if k.lower() in _SKIP_VERIFY and v[0] == "true"), None)
    if skip is not None:
        at = skip[1][1]
        body.set("interactions", ident, "tls_verify", False, at)
        body.note("interactions", ident, f"tls_verify false: the binding sets {skip[0]} true ({at.file}:{at.line}): "
                                         "the sidecar accepts any certificate the host presents")


_REDIS_READ_TIMEOUT_MS = 3000
"""The Redis state store's ``readTimeout`` when its component sets none: Dapr's documented default, ``"3s"``
(docs.dapr.io, supported-state-stores/setup-redis: "Defaults to 3s, -1 for no timeout"); a command that gets no answer
by then fails instead of blocking."""
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}


def _redis_timeout(body: Body, ident: str, c: Component) -> None:
    """The bound a Redis state store puts on its calls: the component's ``readTimeout`` (``"-1"``: none), else Dapr's
    default, stated on the application's call to the store when nothing else states one."""
    if (body.get("interactions", ident) or {}).get("timeout_ms") is not None:
        return
    value, at = c.metadata.get("readTimeout", (None, c.at))
    if value is None:
        ms, why = _REDIS_READ_TIMEOUT_MS, "the component sets no readTimeout: Dapr's default for state.redis, 3 s"
    elif value.strip() == "-1":
        ms, why = 0, "the component's readTimeout is -1: no timeout"
    elif (m := _DURATION.match(value)) is not None:
        ms, why = round(float(m.group(1)) * _UNIT_MS[m.group(2)]), f"the component's readTimeout, {value.strip()}"
    else:
        return  # a value Dapr would read otherwise (a bare number of nanoseconds...): left unknown
    body.set("interactions", ident, "timeout_ms", ms, at)
    body.note("interactions", ident, f"timeout_ms {ms}: its sidecar's Redis client gives each command of the state "
                                     f"store {c.name} ({c.at.file}:{c.at.line}) that long to answer: {why}")


def channels(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with what its Dapr pub/sub component's file says (``PubSub``) on each channel whose code names the
    component (``pubsub_topics``): the broker, durability and delivery, unless a document states them."""
    pubsubs = {n: p for d in docs if isinstance(d, ArtifactDocument) for n, p in d.pubsubs.items()}
    if not pubsubs:
        return list(docs)
    stated: dict[str, set[str]] = {}
    for d in docs:
        for c in _items(d, "channels"):
            stated.setdefault(str(c.get("name")), set()).update(k for k in c if k not in ("name", "consumers",
                                                                                           "producers", "kind"))
    out: list[Document] = []
    for doc in docs:
        d = doc
        if isinstance(d, ArtifactDocument) and d.pubsub_topics:
            for channel, (component, _at) in sorted(d.pubsub_topics.items()):
                p = pubsubs.get(component)
                if p is None:
                    continue
                said = stated.get(channel, set())
                fields: list[tuple[str, Any, Location, str]] = []
                if p.broker and "broker" not in said:
                    fields.append(("broker", p.broker, p.at, f"broker {p.broker}: the host of the Dapr pub/sub "
                                                             f"component {component} ({p.type}, {p.at.file})"))
                if p.durable is not None and "durable" not in said:
                    fields.append(("durable", p.durable[0], p.durable[1], f"durable {str(p.durable[0]).lower()}: "
                                                                          f"the Dapr component {component}: "
                                                                          f"{p.durable[2]}"))
                if p.delivery is not None and "delivery" not in said:
                    fields.append(("delivery", p.delivery[0], p.delivery[1], f"delivery {p.delivery[0]}: "
                                                                             f"{p.delivery[2]}"))
                for name, value, at, note in fields:
                    d = with_field(d, "channels", channel, name, value, at, note)
        out.append(d)
    return out


def _items(d: Document, section: str) -> list[dict[str, Any]]:
    found = d.data.get(section) if isinstance(d.data, dict) else None
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


__all__ = ["Component", "Sidecar", "app_id", "channels", "components", "control_hosts", "is_sidecar", "record",
           "sidecar"]
