"""What an ASP.NET Core or .NET worker service's settings files say (``archplan import source``).

A .NET host reads ``appsettings.json`` and then ``appsettings.<Environment>.json`` from its content root, the later
file's keys replacing the earlier's; with no ``ASPNETCORE_ENVIRONMENT`` / ``DOTNET_ENVIRONMENT`` set the environment
is ``Production`` (learn.microsoft.com, "Use multiple environments in ASP.NET Core"; "Configuration in .NET"). So
the files read are the two a deployment runs with by default: ``appsettings.json`` and ``appsettings.Production.json``
at the top of the service's directory (a Development file configures a developer's machine).

From them:

- each ``ConnectionStrings`` entry that writes out a host (ADO.NET ``Server=``, ``Data Source=``, ``Host=``,
  ``Address=``; ``tcp:`` and a ``,port`` or ``\\instance`` dropped) is a client of the datastore of that name, when
  the deployment has one: the service opens that database. The login it writes out (``User Id=...;Password=...``)
  is kept to tell when several services sign in to one datastore with the same user and password (never reported);
  one that sets ``TrustServerCertificate=true`` (SqlClient, Npgsql; unless it asks for no TLS, ``Encrypt=False``,
  ``SSL Mode=Disable``) has its client accept any certificate the server
  presents: the call and the datastore are ``tls_verify: false``;
- a top-level section named for RabbitMQ (or AMQP) with a ``Host``, or for Kafka with ``BootstrapServers``, names
  the broker the service publishes to or consumes from: an asynchronous client of that workload;
- such a RabbitMQ section's ``Exchange`` (or ``ExchangeName``) and ``Queue`` (``QueueName``) literals name the channel
  the service uses: it consumes when the section names a queue to bind or reads as a consumer's (``...Consumer``,
  ``...Handler``, ``...Subscriber``, ``...Listener``, ``...Receiver``), and produces when its name says so
  (``...Publisher``, ``...Producer``, ``...Sender``) and it names no queue; the channel is the exchange when one is
  named (each consumer's queue bound to it), else the queue. A section that says neither role names no channel;
- a value that gives another service's address (``http://orders:8080``, or a bare ``orders:5100``), under a key the
  service's C# code reads by name (``GetSection("APIServiceLocations").GetValue<string>("Orders")``), is a synchronous
  HTTP call to the workload of that host's name, unless the deployment sets the key itself (``A__B``);
- a password written out in a connection string, and a literal given to a credential-named key (``"Password":
  "..."``, ``"Pwd"``), is a credential committed with the service's configuration.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError, Location
from engine.importers.code_channels import ChannelUse
from engine.importers.code_csharp import setting_keys
from engine.importers.code_secrets import Secret, credential_name, literal_value
from engine.source import DEFAULT_LIMITS, Limits, read_text

FILES = ("appsettings.json", "appsettings.Production.json")
"""The settings a .NET host reads by default, in the order it applies them."""

_HOST_KEYS = frozenset({"server", "datasource", "host", "address", "addr", "networkaddress"})
_USER_KEYS = frozenset({"userid", "uid", "user", "username"})
_PASSWORD_KEYS = frozenset({"password", "pwd"})
_DATABASE_KEYS = frozenset({"database", "initialcatalog"})


@dataclass(frozen=True)
class ConnectionString:
    """One ``ConnectionStrings`` entry that names a host: its name, the host, the login it writes out, where."""

    name: str
    host: str
    at: Location
    login: tuple[str, str] | None = None
    """(user, password) when both are written out as literals; compared, never reported."""
    unverified: str | None = None
    """The setting that has the client accept any server certificate (``trustServerCertificate=true``), as written."""
    database: str = ""
    """The database it opens on that server (``Database=`` / ``Initial Catalog=``); "" when it names none."""
    reads_only: str | None = None
    """Why the service's code only reads through it (``code_databases.read_only_connections``), when it does."""


def _files(paths: Sequence[str]) -> Iterator[str]:
    for p in paths:
        if os.path.isdir(p):
            for name in FILES:
                f = os.path.join(p, name)
                if os.path.isfile(f):
                    yield f


def _parse(path: str, limits: Limits) -> tuple[str, dict[str, Any]] | None:
    """The text and JSON object of a settings file; None when it cannot be read or is no JSON object (a .NET host
    accepts comments and trailing commas, which this reader does not: such a file is not read)."""
    try:
        text = read_text(path, limits)
        data = json.loads(text)
    except (InputError, ValueError):
        return None
    return (text, data) if isinstance(data, dict) else None


def _settings(paths: Sequence[str], limits: Limits) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file, its text, its JSON object) of each settings file of the service that reads as one (``_parse``)."""
    for f in _files(paths):
        parsed = _parse(f, limits)
        if parsed is not None:
            yield f, *parsed


def _line_of(text: str, *keys: str) -> tuple[int, int]:
    """1-based (line, column) of the last of ``keys`` written as ``"key":``, each looked for after the one before
    (the path of a nested key); the file's start when one is not found."""
    at = 0
    for key in keys:
        m = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, at)
        if m is None:
            return 1, 1
        at = m.start()
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _pairs(value: str) -> dict[str, str]:
    """An ADO.NET connection string's ``key=value`` pairs, keys lower-cased without spaces."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        key, eq, val = part.partition("=")
        if eq:
            out.setdefault(re.sub(r"\s+", "", key).lower(), val.strip())
    return out


def _host(raw: str) -> str:
    host = raw.strip()
    if host.lower().startswith("tcp:"):
        host = host[4:]
    return re.split(r"[,\\]", host, maxsplit=1)[0].strip()


def database_of(value: str) -> tuple[str, str] | None:
    """The server and the database an ADO.NET connection string names (``Server=db;Database=orders``, ``Data
    Source=tcp:db,1433;Initial Catalog=orders``: keys case-insensitive), the server as ``_host`` gives it; None when it
    names either not, or by a placeholder, or the server is this machine."""
    pairs = _pairs(value)
    host = next((_host(v) for k, v in pairs.items() if k in _HOST_KEYS and v.strip()), "")
    database = next((v for k, v in pairs.items() if k in _DATABASE_KEYS and v), "")
    if not host or not database or any(t.startswith(("$", "%", "(", "{")) for t in (host, database)) \
            or host.lower() in ("localhost", ".", "127.0.0.1"):
        return None
    return host, database


def connection_strings(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[ConnectionString]:
    """The connection strings the service runs with (a later file's entry replaces an earlier one's)."""
    found: dict[str, ConnectionString] = {}
    for f, text, data in _settings(paths, limits):
        section = data.get("ConnectionStrings")
        if not isinstance(section, dict):
            continue
        for name, value in section.items():
            if not isinstance(value, str):
                continue
            pairs = _pairs(value)
            host = next((_host(v) for k, v in pairs.items() if k in _HOST_KEYS and v.strip()), "")
            if not host or host.startswith(("$", "%", "(")) or host.lower() in ("localhost", ".", "127.0.0.1"):
                found.pop(name, None)
                continue
            user = next((v for k, v in pairs.items() if k in _USER_KEYS and v), None)
            password = next((v for k, v in pairs.items() if k in _PASSWORD_KEYS and v), None)
            login = (user, password) if user and password and literal_value("password", password) else None
            line, col = _line_of(text, "ConnectionStrings", name)
            trust = pairs.get("trustservercertificate", "").lower()
            if pairs.get("encrypt", "").lower() in ("false", "no", "optional") or \
                    pairs.get("sslmode", "").lower() in ("disable", "disabled"):
                trust = ""  # no TLS asked for: the tls question, not one of verifying a certificate
            unverified = next((p.strip() for p in value.split(";") if re.sub(r"\s+", "", p.partition("=")[0]).lower()
                               == "trustservercertificate"), None) if trust in ("true", "yes") else None
            found[name] = ConnectionString(name, host, Location(f, line, col), login, unverified,
                                           (database_of(value) or ("", ""))[1])
    return list(found.values())


@dataclass(frozen=True)
class BrokerHost:
    """A message broker the settings name: the section (``RabbitMQPublisher``), the host, the protocol, where."""

    section: str
    host: str
    protocol: str
    at: Location


_BROKER_SECTIONS = ((re.compile(r"rabbit|amqp", re.IGNORECASE), "amqp", frozenset({"host", "hostname", "server"})),
                    (re.compile(r"kafka", re.IGNORECASE), "kafka", frozenset({"bootstrapservers", "brokers"})))
"""A section whose name says which broker it configures, the protocol, and the keys that give its host."""


def brokers(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[BrokerHost]:
    """The brokers the service runs with: a top-level section named for RabbitMQ (or AMQP) with a ``Host`` /
    ``HostName``, or for Kafka with ``BootstrapServers``; a later file's value replaces an earlier one's."""
    found: dict[str, BrokerHost] = {}
    for f, text, section, body in _sections(paths, limits):
        for words, protocol, keys in _BROKER_SECTIONS:
            if not words.search(section):
                continue
            for key, value in body.items():
                host = _host(value.split(",")[0].rsplit(":", 1)[0]) if isinstance(value, str) else ""
                if str(key).lower() in keys and host and not host.startswith(("$", "%")) and \
                        host.lower() not in ("localhost", "127.0.0.1"):
                    line, col = _line_of(text, section, str(key))
                    found[section] = BrokerHost(section, host, protocol, Location(f, line, col))
    return list(found.values())


@dataclass(frozen=True)
class ServiceLocation:
    """Where the settings say another service listens, for a key the service's C# code reads: the key (``A:B``), the
    host, where."""

    key: str
    host: str
    at: Location


_ADDRESS = re.compile(r"(?:(?P<scheme>https?)://)?(?P<host>[A-Za-z][A-Za-z0-9-]*)(?::(?P<port>\d{1,5}))?(?:/[^\s]*)?")
"""A service's address as a setting gives it: a URL (``http://orders:8080/api``) or a bare ``host:port``; the host one
name, as a cluster's DNS or a compose network resolves it (a dotted name is left to the deployment)."""


def service_locations(paths: Sequence[str], cs: Sequence[tuple[str, str]],
                      limits: Limits = DEFAULT_LIMITS) -> list[ServiceLocation]:
    """The addresses of other services the settings give (``"APIServiceLocations": {"Orders": "orders:5100"}``) under
    a key the service's C# files (``cs``, comments blanked) read, each part of it by name
    (``config.GetSection("APIServiceLocations").GetValue<string>("Orders")``, ``Configuration["OrdersUrl"]``); a
    later file's value replaces an earlier one's. Connection strings and broker sections are read apart."""
    read = {k.lower() for k in setting_keys(cs)}
    found: dict[str, ServiceLocation] = {}
    for f, text, data in _settings(paths, limits):
        for keys, value in _leaves(data, ()):
            key = ":".join(keys)
            if keys[0] == "ConnectionStrings" or any(w.search(keys[0]) for w, _p, _k in _BROKER_SECTIONS):
                continue
            if key.lower() not in read and not all(k.lower() in read for k in keys):
                continue
            m = _ADDRESS.fullmatch(value.strip())
            if m is None or not (m.group("scheme") or m.group("port")) or m.group("host").lower() == "localhost":
                found.pop(key, None)
                continue
            line, col = _line_of(text, *keys)
            found[key] = ServiceLocation(key, m.group("host"), Location(f, line, col))
    return list(found.values())


def _sections(paths: Sequence[str], limits: Limits) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(file, its text, section name, section body) of each top-level section of the settings files that holds keys."""
    for f, text, data in _settings(paths, limits):
        for section, body in data.items():
            if isinstance(body, dict):
                yield f, text, str(section), body


_CONSUMES = re.compile(r"consum|handler|subscri|listen|receiv", re.IGNORECASE)
_PRODUCES = re.compile(r"publish|produc|sender", re.IGNORECASE)
_EXCHANGE_KEYS = frozenset({"exchange", "exchangename"})
_QUEUE_KEYS = frozenset({"queue", "queuename"})


def _literal(body: dict[str, Any], keys: frozenset[str]) -> tuple[str, str] | None:
    """The first of ``keys`` (any case) that ``body`` gives a plain name: (the key as written, the name)."""
    for key, value in body.items():
        if str(key).lower() in keys and isinstance(value, str) and re.fullmatch(r"[\w.:-]+", value.strip()):
            return str(key), value.strip()
    return None


def channel_uses(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[ChannelUse]:
    """The RabbitMQ channels the settings say the service uses (see the module's docstring), one per section; a later
    file's section replaces an earlier one's."""
    found: dict[str, ChannelUse] = {}
    for f, text, section, body in _sections(paths, limits):
        if not _BROKER_SECTIONS[0][0].search(section):
            continue
        exchange, queue = _literal(body, _EXCHANGE_KEYS), _literal(body, _QUEUE_KEYS)
        if queue is not None or _CONSUMES.search(section):
            role = "consumer"
        elif _PRODUCES.search(section):
            role = "producer"
        else:
            continue
        named = exchange or queue
        if named is None:
            found.pop(section, None)
            continue
        line, col = _line_of(text, section, named[0])
        written = f"{section}:{named[0]}"
        found[section] = ChannelUse(role, named[1], written, Location(f, line, col), ".NET settings",
                                    f"{section}:{named[0]} in {os.path.basename(f)}",
                                    kind=None if exchange else "queue", protocol="amqp")
    return list(found.values())


def secrets(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[Secret]:
    """The credentials the settings files write out: a password in a connection string, a literal given to a
    credential-named key (``Password``, ``Pwd``, ``ApiKey``...). Names and places only, never values."""
    out: list[Secret] = []
    for f, text, data in _settings(paths, limits):
        for keys, value in _leaves(data, ()):
            key = keys[-1]
            if keys[0] == "ConnectionStrings" and len(keys) == 2:
                password = next((v for k, v in _pairs(value).items() if k in _PASSWORD_KEYS and v), None)
                if password is None or not literal_value("password", password):
                    continue
                name = f"ConnectionStrings:{key} password"
            elif credential_name(key) and literal_value(key, value):
                name = ":".join(keys)
            else:
                continue
            line, col = _line_of(text, *keys)
            out.append(Secret(name, Location(f, line, col)))
    return out


_LISTEN_URLS = ("ASPNETCORE_URLS", "URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_URLS")
"""The variables Kestrel takes the URLs it listens on from, ``;``-separated (learn.microsoft.com, "Configure
endpoints for the ASP.NET Core Kestrel web server")."""


def plain_listener(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> tuple[str, Location] | None:
    """Why, and where, the image built from the service's directory listens on plain HTTP only: its Dockerfile's
    final stage sets a Kestrel URL variable whose every URL is ``http://``. None when there is no Dockerfile, no
    such variable, or an ``https://`` URL among them."""
    from engine.importers import dockerfile  # the Dockerfile parser is optional (archplan[importers])

    for p in paths:
        if not os.path.isfile(os.path.join(p, "Dockerfile")):
            continue
        built, _why = dockerfile.build_of({"build": "."}, p, limits)
        for key, value, at in (built.env if built else []):
            urls = [u.strip() for u in value.split(";") if u.strip()]
            if key in _LISTEN_URLS and urls and all(u.lower().startswith("http://") for u in urls):
                return f"its image's web server listens on plain HTTP only ({key}={value})", at
    return None


def _leaves(data: Any, keys: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*keys, str(k)))
    elif isinstance(data, str) and keys:
        yield keys, data


__all__ = ["FILES", "BrokerHost", "ConnectionString", "ServiceLocation", "brokers", "channel_uses",
           "connection_strings", "database_of", "plain_listener", "secrets", "service_locations"]
