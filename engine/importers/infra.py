"""Shared by the compose and Kubernetes importers: what a container is, and who it talks to.

A container is recognised as a datastore or a message broker by its image (``postgres``,
``mongo``, ``redis``, ``rabbitmq``, ``bitnami/kafka``...), by server-only environment variables
(``MYSQL_ROOT_PASSWORD``), by a data directory it mounts (``/var/lib/postgresql/data``), and at
last by a name ending in ``-db``. Edges between workloads are *inferred* from environment
variables and commands that name another workload's host; each carries its evidence
(``inferred_from``), never a value (values may hold credentials).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.errors import Location
from engine.importers.base import host_exposure, safe_name


@dataclass(frozen=True)
class Recognised:
    """What a container image is: a datastore or a broker, its engine, datastore kind and protocol."""

    role: str  # "datastore" | "broker"
    engine: str
    kind: str | None
    protocol: str | None


_IMAGES: list[tuple[re.Pattern[str], Recognised]] = [
    (re.compile(p), r) for p, r in [
        (r"^(postgres|postgresql|postgis|timescaledb|pgvector|cockroach|cockroachdb|yugabyte)",
         Recognised("datastore", "postgres", "relational", "sql")),
        (r"^(mysql|mariadb|percona)", Recognised("datastore", "mysql", "relational", "sql")),
        (r"^(mssql|sqlserver|mssql-server)", Recognised("datastore", "sqlserver", "relational", "sql")),
        (r"^(mongo|mongodb)", Recognised("datastore", "mongodb", "document", None)),
        (r"^(redis|valkey|keydb|dragonfly)", Recognised("datastore", "redis", "kv", "redis")),
        (r"^memcached", Recognised("datastore", "memcached", "cache", None)),
        (r"^(elasticsearch|opensearch|solr|meilisearch|typesense)",
         Recognised("datastore", "search", "search", "http")),
        (r"^(cassandra|scylla)", Recognised("datastore", "cassandra", None, None)),
        (r"^(couchdb|couchbase)", Recognised("datastore", "couchdb", "document", "http")),
        (r"^minio", Recognised("datastore", "minio", "object", "http")),
        (r"^neo4j", Recognised("datastore", "neo4j", "graph", None)),
        (r"^clickhouse", Recognised("datastore", "clickhouse", "warehouse", None)),
        (r"^influxdb", Recognised("datastore", "influxdb", None, "http")),
        (r"^(rabbitmq|rabbit)", Recognised("broker", "rabbitmq", None, "amqp")),
        (r"^(kafka|cp-kafka|cp-server|redpanda)", Recognised("broker", "kafka", None, "kafka")),
        (r"^(eclipse-mosquitto|mosquitto|emqx|hivemq|vernemq)", Recognised("broker", "mqtt", None, "mqtt")),
        (r"^(activemq|artemis|activemq-artemis)", Recognised("broker", "activemq", None, "amqp")),
        (r"^(nats|nats-streaming)", Recognised("broker", "nats", None, "other")),
        (r"^pulsar", Recognised("broker", "pulsar", None, "other")),
    ]
]
# Environment variables only a database server's own image reads (clients carry POSTGRES_DB too).
_SERVER_ENV = {
    "MYSQL_ROOT_PASSWORD": "mysql", "MYSQL_ALLOW_EMPTY_PASSWORD": "mysql", "MYSQL_RANDOM_ROOT_PASSWORD": "mysql",
    "MARIADB_ROOT_PASSWORD": "mysql", "POSTGRES_INITDB_ARGS": "postgres", "PGDATA": "postgres",
    "MONGO_INITDB_ROOT_USERNAME": "mongodb", "MONGO_INITDB_DATABASE": "mongodb", "RABBITMQ_DEFAULT_USER": "rabbitmq",
    "RABBITMQ_ERLANG_COOKIE": "rabbitmq", "KAFKA_BROKER_ID": "kafka", "KAFKA_NODE_ID": "kafka",
}
_DATA_DIRS = {"/var/lib/postgresql": "postgres", "/var/lib/mysql": "mysql", "/data/db": "mongodb",
              "/var/lib/rabbitmq": "rabbitmq", "/bitnami/postgresql": "postgres", "/bitnami/mysql": "mysql",
              "/bitnami/mongodb": "mongodb", "/var/lib/kafka": "kafka", "/usr/share/elasticsearch/data": "search"}
_BY_ENGINE = {r.engine: r for _p, r in _IMAGES}


def image_base(image: str) -> str:
    """``registry/org/postgres:16@sha256:…`` -> ``postgres``."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0].lower()


def recognise(image: str | None, env_keys: Iterable[str], mounts: Iterable[str], name: str) -> Recognised | None:
    """Whether a container is a datastore or broker (None: an application service)."""
    if image:
        base = image_base(image)
        for pattern, rec in _IMAGES:
            if pattern.match(base):
                return rec
    for key in env_keys:
        if key in _SERVER_ENV:
            return _BY_ENGINE.get(_SERVER_ENV[key]) or Recognised("datastore", _SERVER_ENV[key], None, None)
    for mount in mounts:
        for prefix, engine in _DATA_DIRS.items():
            if mount.rstrip("/").startswith(prefix):
                return _BY_ENGINE.get(engine) or Recognised("datastore", engine, None, None)
    base = image_base(image) if image else name.lower()
    if re.search(r"(^|[-_])(db|database)$", base) or re.search(r"(^|[-_])(db|database)$", name.lower()):
        return Recognised("datastore", "", None, None)
    return None


@dataclass
class Mention:
    """A place where a workload's configuration may name another workload's host."""

    text: str
    key: str  # env var name, or "command"
    where: str  # a readable origin, e.g. "environment of orders" or "ConfigMap app-config"
    location: Location


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


_HOSTISH_KEY = re.compile(r"HOST|ADDR|URL|URI|SERVER|ENDPOINT|BROKER|DSN|SERVICE|BOOTSTRAP|CONNECT", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_HOST_FLAG = re.compile(r"(?:^|\s)(?:-h|-H|--host|--hostname|--server|--addr|--address|--broker|--target)[\s=]*$")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://[^\s,;]*$", re.IGNORECASE)
_SCHEME_PROTOCOL = {"http": "http", "https": "http", "grpc": "grpc", "grpcs": "grpc", "amqp": "amqp", "amqps": "amqp",
                    "redis": "redis", "rediss": "redis", "postgres": "sql", "postgresql": "sql", "mysql": "sql",
                    "mariadb": "sql", "sqlserver": "sql", "kafka": "kafka", "mqtt": "mqtt", "mqtts": "mqtt",
                    "ws": "websocket", "wss": "websocket"}


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
                targets: dict[str, str | None]) -> list[Edge]:
    """Edges from each workload to the workloads its configuration names in a host position.

    ``hosts`` maps every name a workload answers to (service name, hostname, alias, DNS name) onto
    the workload; ``targets`` gives each workload's protocol when the image tells it. A token counts
    only in a host position: after ``scheme://`` or ``@``, before ``:port``, after a host flag such as
    ``-h``, or as a whole item of a variable whose name says it holds an address (``*_HOST``, ``*_URL``).
    """
    host_names = {h.lower(): w for h, w in hosts.items()}
    known = set(host_names)
    edges: dict[tuple[str, str], Edge] = {}
    for source in sorted(mentions):
        for m in mentions[source]:
            for tok in _TOKEN.finditer(m.text):
                host = _host_of(tok.group(), known)
                before, after = m.text[:tok.start()], m.text[tok.end():]
                scheme = _SCHEME.search(before + tok.group())
                external = False
                if host is None:
                    # A public host in a URL (scheme://host or @host) is an external dependency.
                    if not (scheme and before.endswith(("://", "@"))) or host_exposure(tok.group()) != "public":
                        continue
                    target, external = safe_name(tok.group().rstrip(".").lower()), True
                else:
                    target = host_names[host]
                if target == source:
                    continue
                in_host_position = (
                    before.endswith(("://", "@", "//"))
                    or re.match(r"^:\d", after) is not None
                    or (m.key == "command" and _HOST_FLAG.search(before) is not None)
                    or (m.key != "command" and _HOSTISH_KEY.search(m.key) is not None
                        and re.match(r"^[\s,;]*$", before[-1:] or " ") is not None
                        and re.match(r"^($|[\s,;:/])", after) is not None)
                )
                if not in_host_position:
                    continue
                protocol = None
                if scheme:
                    protocol = _SCHEME_PROTOCOL.get(scheme.group(1).lower())
                protocol = protocol or targets.get(target)
                edge = edges.setdefault((source, target), Edge(source, target, protocol, [], m.location, external))
                if edge.protocol is None:
                    edge.protocol = protocol
                what = "command" if m.key == "command" else f"{m.key}"
                text = f"{what} ({m.where}, {m.location}) names host {tok.group()}"
                if text not in edge.evidence:
                    edge.evidence.append(text)
    return [edges[k] for k in sorted(edges)]
