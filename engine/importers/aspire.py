""".NET Aspire AppHost (C#) -> the infrastructure agent's services, datastores, dependencies and gateway routes.

An AppHost is a C# program (``var builder = DistributedApplication.CreateBuilder(args);``) whose builder calls state
the deployment: ``builder.AddProject<Projects.X>("name")`` (a service), ``AddContainer("name", "image", "tag")``,
``AddDockerfile``, the hosting integrations (``AddPostgres``, ``AddRedis``, ``AddRabbitMQ``, ``AddSqlServer``,
``AddMongoDB``, ``AddMySql``, ``AddKafka``...: a datastore or a broker, recognised like a compose service's image),
the Azure databases it provisions (``AddAzurePostgresFlexibleServer``, ``AddAzureCosmosDB``...: a datastore whose
nodes and storage are the service tier's) and ``AddYarp`` (a reverse proxy). The calls chained on a resource, or made
later on the variable holding it, say the rest: ``WithImage``/``WithImageTag`` (the image: a ``latest`` tag is a
moving one), ``WithDataVolume``/``WithDataBindMount``/``WithVolume``/``WithBindMount`` (a datastore's data kept over a
new container; none, whatever its ``WithLifetime``, keeps it in the container's own filesystem), ``WithReference(x)``
(a dependency: the service is handed ``x``'s address or connection string; ``postgres.AddDatabase("db")`` is a
database of the server ``postgres``), ``WithExternalHttpEndpoints()`` or ``WithEndpoint(..., isExternal: true)``
(published outside the deployment: ``exposure: public``), ``WithReplicas(n)``, ``WithHttpHealthCheck(...)`` or
``WithHttpProbe(ProbeType.Readiness, ...)`` (its readiness; none is ``health.readiness: false``),
``WithHttpProbe(ProbeType.Liveness, ...)`` (its liveness; none is ``health.liveness: false``: the AppHost states no
other way to restart an instance that hangs), ``WithEnvironment("KEY", "literal")`` and ``AddParameter("name",
"literal", secret: true)`` (a credential written in the file), and a YARP resource's routes
(``WithConfiguration(yarp => yarp.AddRoute("/api/{**rest}", cluster))``, also inside an extension method of the AppHost
project that the chain calls, its parameters bound to the call's arguments by position).

What the file does not state stays unknown: a datastore's image when only its integration names it (the package's
default), timeouts, TLS. ``WaitFor`` orders the start and is no call. Calls the importer does not know are passed over,
conditions are not evaluated (a resource added under ``if (false)`` is read), and an extension method is followed
only on a resource (``builder.AddOpenAI(...)``, one on the builder, is not), each at most once in its own reading.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from engine.errors import ArchplanError, InputError, Location, raise_all
from engine.importers.base import Body, entry_endpoint, safe_name
from engine.importers.code_text import blank_comments, close_bracket, split_args, walk
from engine.importers.infra import (
    Edge,
    Recognised,
    catalog,
    edge_fact,
    literal_secret,
    off_data_dir,
    recognise,
    record_datastore_image,
    record_datastore_nodes,
    record_image_pinning,
    record_literal_secrets,
)
from engine.source import DEFAULT_LIMITS, Document, Limits, read_text

_MARK = "DistributedApplication.CreateBuilder"
_MAX_DEPTH = 16
"""Extension methods read inside one another at most this deep."""
_MAX_FILES = 200
"""At most this many ``.cs`` files of an AppHost directory are read (an AppHost project has a handful)."""

_INTEGRATIONS = {
    "AddPostgres": "postgres", "AddRedis": "redis", "AddRabbitMQ": "rabbitmq",
    "AddSqlServer": "mcr.microsoft.com/mssql/server", "AddMongoDB": "mongo", "AddMySql": "mysql",
    "AddKafka": "confluentinc/confluent-local", "AddValkey": "valkey/valkey",
    "AddGarnet": "ghcr.io/microsoft/garnet", "AddNats": "nats", "AddElasticsearch": "elasticsearch",
    "AddOracle": "oracle/database", "AddMariaDB": "mariadb", "AddMemcached": "memcached", "AddCassandra": "cassandra",
}
"""A hosting integration -> the image it runs by default, only to recognise what it is (its tag is the package's)."""
_MANAGED = {
    "AddAzurePostgresFlexibleServer": "postgres", "AddAzureRedis": "redis", "AddAzureManagedRedis": "redis",
    "AddAzureSqlServer": "mcr.microsoft.com/mssql/server", "AddAzureCosmosDB": "",
}
"""An Azure resource the AppHost provisions -> the image of the engine it is (to recognise it; "": Cosmos DB, a
document store by its name): a datastore whose nodes, failover and storage are the service tier's, not the file's."""
_SERVICES = ("AddProject", "AddContainer", "AddDockerfile", "AddExecutable", "AddNpmApp", "AddNodeApp", "AddPythonApp",
             "AddUvicornApp", "AddJavaScriptApp", "AddViteApp", "AddGolangApp", "AddYarp")
YARP_ACTIVITY_TIMEOUT_MS = 100_000
"""YARP's ``ForwarderRequestConfig.ActivityTimeout`` when a route sets none: 100 seconds."""
_VOLUMES = ("WithDataVolume", "WithDataBindMount", "WithVolume", "WithBindMount")


@dataclass
class _Resource:
    name: str
    method: str
    at: Location
    rec: Recognised | None = None
    image: tuple[str, Location] | None = None
    tag: tuple[str, Location] | None = None
    volumes: list[tuple[str, Location]] = field(default_factory=list)
    persistent: Location | None = None
    external: Location | None = None
    replicas: tuple[int, Location] | None = None
    health: Location | None = None
    liveness: Location | None = None
    """Where a liveness probe is stated (``WithHttpProbe(ProbeType.Liveness, ...)``)."""
    references: list[tuple[str, Location, str]] = field(default_factory=list)
    secrets: list[tuple[str, Location]] = field(default_factory=list)
    routes: list[tuple[str, str, str | None, Location]] = field(default_factory=list)
    """YARP routes: (path, target resource, the prefix its transform removes, where)."""
    server: str | None = None
    """For a database (``server.AddDatabase("db")``): the server resource that holds it."""


@dataclass(frozen=True)
class _Held:
    """What a chain's value holds: a resource, a database of a server, a resource's endpoint or a parameter."""

    kind: str  # "resource" | "database" | "endpoint" | "parameter"
    name: str
    database: str = ""


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[str, ...]
    at: Location


@dataclass
class _Host:
    """The AppHost read so far: resources by name, and what each variable holds."""

    file: str
    resources: dict[str, _Resource] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    """Variable -> the resource it holds (a database variable holds its server)."""
    databases: dict[str, str] = field(default_factory=dict)
    """Variable -> the database name it holds (``postgres.AddDatabase("catalogdb")``)."""
    endpoints: dict[str, str] = field(default_factory=dict)
    """Variable -> the resource whose endpoint it holds (``api.GetEndpoint("http")``)."""
    parameters: set[str] = field(default_factory=set)
    extensions: dict[str, tuple[list[str], str, str, int]] = field(default_factory=dict)
    """Extension method -> (its parameters after ``this``, its body, its file, the body's first line)."""
    reading: set[str] = field(default_factory=set)
    """The extension methods being read (one calling itself, or another that calls it back, is read once)."""


# --------------------------------------------------------------------------------------
# Reading C#
# --------------------------------------------------------------------------------------

def _statements(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
    """(offset, text) of each statement between ``start`` and ``end``: split at ``;``, ``{`` and ``}`` outside
    parentheses, brackets and strings (a lambda's block inside an argument stays in its statement)."""
    end = len(text) if end is None else end
    parens, first = 0, start
    for k, c, _depth in walk(text[:end], start):
        if c in "([":
            parens += 1
        elif c in ")]":
            parens = max(0, parens - 1)
        elif parens == 0 and c in ";{}":
            if text[first:k].strip():
                yield first, text[first:k]
            first = k + 1
    if text[first:end].strip():
        yield first, text[first:end]


def _split_args(inner: str) -> tuple[str, ...]:
    return tuple(split_args(inner))


_LINK = re.compile(r"\s*\.\s*([A-Za-z_]\w*)\s*(<[^()<>]*(?:<[^()<>]*>[^()<>]*)*>)?\s*(?=\()")
_HEAD = re.compile(r"\s*([A-Za-z_]\w*)")


def _chain(text: str, offset: int, where: _Where) -> tuple[str, list[_Call]] | None:
    """``head.A(...).B<T>(...)`` -> (head, calls); None when the text is no such chain."""
    m = _HEAD.match(text)
    if not m:
        return None
    head, i, calls = m.group(1), m.end(), []
    while True:
        link = _LINK.match(text, i)
        if not link:
            break
        open_at = link.end()
        close = close_bracket(text, open_at)
        args = _split_args(text[open_at + 1:close - 1])
        if link.group(2):
            args = (link.group(2), *args)
        calls.append(_Call(link.group(1), args, where(offset + link.start(1))))
        i = close
    if not calls or text[i:].strip():
        return None
    return head, calls


class _Where:
    """Offsets of a file's text -> its locations."""

    def __init__(self, file: str, text: str, first_line: int = 1) -> None:
        self.file, self.first_line = file, first_line
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> Location:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Location(self.file, lo + self.first_line, offset - self.starts[lo] + 1)


def _literal(arg: str) -> str | None:
    """The value of a plain string literal argument (``"x"``, ``name: "x"``), else None."""
    arg = re.sub(r"^[A-Za-z_]\w*\s*:\s*", "", arg)
    m = re.fullmatch(r'@?"((?:[^"\\\n]|\\.)*)"', arg)
    return m.group(1) if m else None


def _named(args: Sequence[str], name: str) -> str | None:
    return next((re.sub(rf"^{name}\s*:\s*", "", a) for a in args if re.match(rf"{name}\s*:", a)), None)


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def is_apphost(text: str) -> bool:
    """Whether C# source is an Aspire AppHost's entry point (it calls ``DistributedApplication.CreateBuilder``)."""
    return _MARK in text


def detect_path(path: str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether ``path`` is an AppHost's ``.cs`` file, or a directory holding one (not in a subdirectory)."""
    files = [path] if os.path.isfile(path) else [os.path.join(path, n) for n in sorted(os.listdir(path))
                                                 if n.endswith(".cs")][:_MAX_FILES] if os.path.isdir(path) else []
    for f in files:
        if f.endswith(".cs") and os.path.isfile(f):
            try:
                if is_apphost(read_text(f, limits)):
                    return True
            except ArchplanError:
                continue
    return False


def import_file(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    return import_paths([path], limits, service)


def import_paths(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """The AppHosts among ``paths`` (files, or directories whose ``.cs`` files are read, ``bin``/``obj`` left out)."""
    del service  # an AppHost names its resources itself
    errors: list[ArchplanError] = []
    docs: list[Document] = []
    for path in paths:
        try:
            docs.append(_import_one(path, limits))
        except ArchplanError as exc:
            errors.append(exc)
    raise_all(errors)
    return docs


def _sources(path: str, limits: Limits) -> list[tuple[str, str]]:
    if os.path.isfile(path):
        return [(path, read_text(path, limits))]
    found: list[str] = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in ("bin", "obj") and not d.startswith("."))
        found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".cs")]
        if len(found) > _MAX_FILES:
            raise InputError(f"holds over {_MAX_FILES} .cs files: an AppHost project has a few; give its Program.cs",
                             Location(path))
    return [(f, read_text(f, limits)) for f in found]


def _import_one(path: str, limits: Limits) -> Document:
    sources = [(f, blank_comments(t)) for f, t in _sources(path, limits)]
    hosts = [(f, t) for f, t in sources if is_apphost(t)]
    if not hosts:
        looked = "it" if os.path.isfile(path) else "its .cs files"
        raise InputError(f"not an Aspire AppHost: no {_MARK}(...) call in {looked}", Location(path))
    if len(hosts) > 1:
        raise InputError("holds several AppHosts (" + ", ".join(f for f, _t in hosts) + "): give one", Location(path))
    file, text = hosts[0]
    host = _Host(file)
    for f, t in sources:
        _extensions(host, f, t)
    where = _Where(file, text)
    builder = re.search(r"\b(?:var|IDistributedApplicationBuilder)\s+([A-Za-z_]\w*)\s*=\s*" + re.escape(_MARK), text)
    _read(host, text, 0, len(text), where, {builder.group(1) if builder else "builder"}, {})
    return _document(host)


def _extensions(host: _Host, file: str, text: str) -> None:
    """Extension methods of ``IResourceBuilder<...>`` declared in the project's files (their body read when called)."""
    for m in _EXTENSION.finditer(text):
        params = [p.strip().rsplit(None, 1)[-1] for p in (m.group(3) or "").strip(",").split(",") if p.strip()]
        close = close_bracket(text, m.end() - 1)
        first_line = text.count("\n", 0, m.end()) + 1
        host.extensions.setdefault(m.group(1), ([m.group(2), *params], text[m.end():close - 1], file, first_line))


_EXTENSION = re.compile(r"\bstatic\s+[\w<>\[\]?,.]{1,200}(?:\s+[\w<>\[\]?,.]{1,200}){0,8}?\s+([A-Za-z_]\w*)\s*\("
                        r"\s*this\s+[^,()]{1,300}?\s+([A-Za-z_]\w*)\s*(,[^()]{0,2000})?\)\s*\{")
"""``static IResourceBuilder<T> Name(this IResourceBuilder<T> builder, ...params) {``: an extension method."""
_ASSIGN = re.compile(r"\s*(?:(?:var|[A-Za-z_][\w.]*(?:<[^=;]*>)?\??)\s+)?([A-Za-z_]\w*)\s*=\s*(?!=)")


def _read(host: _Host, text: str, start: int, end: int, where: _Where, builders: set[str],
          bound: dict[str, str]) -> None:
    """Every statement of ``text[start:end]``; ``bound``: names standing for resources (an extension's parameters)."""
    for offset, stmt in _statements(text, start, end):
        target = None
        m = _ASSIGN.match(stmt)
        body, base = stmt, offset
        if m and not stmt.lstrip().startswith(("return", "if", "foreach", "while")):
            target, body, base = m.group(1), stmt[m.end():], offset + m.end()
        body_l = body.lstrip()
        if body_l.startswith("return "):
            base += len(body) - len(body_l) + 7
            body = body_l[7:]
        parsed = _chain(body, base, where)
        if parsed is None:
            continue
        head, calls = parsed
        held = _apply(host, head, calls, where, builders, bound)
        if target is not None and held is not None:
            if held.kind == "parameter":
                host.parameters.add(target)
            elif held.kind == "endpoint":
                host.endpoints[target] = held.name
            else:
                host.variables[target] = held.name
                if held.kind == "database":
                    host.databases[target] = held.database


def _resolve(host: _Host, arg: str, bound: dict[str, str]) -> str | None:
    """The resource an argument names: a variable, a bound parameter, or ``x.GetEndpoint(...)``."""
    arg = re.sub(r"^[A-Za-z_]\w*\s*:\s*", "", arg.strip())
    m = re.fullmatch(r"([A-Za-z_]\w*)(?:\s*\.\s*GetEndpoint\s*\(.*\))?", arg, re.DOTALL)
    if not m:
        return None
    name = m.group(1)
    return bound.get(name) or host.variables.get(name) or host.endpoints.get(name)


def _apply(host: _Host, head: str, calls: list[_Call], where: _Where, builders: set[str],
           bound: dict[str, str]) -> _Held | None:
    """Apply one chain; what the chain's value holds (None: nothing the import knows)."""
    current: str | None = bound.get(head) or host.variables.get(head)
    held: _Held | None = _Held("resource", current) if current else None
    for call in calls:
        if head in builders and current is None and held is None:
            created = _create(host, call)
            if created is not None:
                held = created
                current = created.name if created.kind == "resource" else None
            continue
        if current is None:
            break
        res = host.resources[current]
        if call.name == "AddDatabase":
            db = _add_database(host, res, call)
            held = _Held("database", db or current, db or "?")
            current = db or current
            continue
        if call.name == "GetEndpoint":
            held = _Held("endpoint", current)
            continue
        _modify(host, res, call, bound)
        if call.name in host.extensions:
            _extension(host, res, call, bound, builders)
    return held


def _add_database(host: _Host, server: _Resource, call: _Call) -> str | None:
    """``server.AddDatabase("db")``: a datastore of its own on the server's container (None: its name is not a
    literal, or the resource is no datastore). Named as the database; ``server-db`` when a resource of the AppHost
    already has that name (a database named as its own server is the server)."""
    name = _literal(call.args[0]) if call.args else None
    if name is None or server.server is not None or server.rec is None or server.rec.role != "datastore":
        return None
    ident = safe_name(name)
    if ident == server.name:
        return None
    taken = host.resources.get(ident)
    if taken is not None and taken.server != server.name:
        ident = safe_name(f"{server.name}-{name}")
    res = host.resources.setdefault(ident, _Resource(ident, "AddDatabase", call.at, rec=server.rec))
    res.server = server.name
    return ident


def _create(host: _Host, call: _Call) -> _Held | None:
    args = call.args[1:] if call.args and call.args[0].startswith("<") else call.args
    name = _literal(args[0]) if args else None
    if name is None:
        return None
    if call.name == "AddParameter":
        secret = (_named(args, "secret") or "").strip() == "true"
        value = _literal(args[1]) if len(args) > 1 and not re.match(r"\w+\s*:", args[1]) else None
        if secret and value:
            host.resources.setdefault(f"parameter:{name}", _Resource(name, "AddParameter", call.at)).secrets.append(
                (f"parameter {name}", call.at))
        return _Held("parameter", name)
    if call.name not in _SERVICES and call.name not in _INTEGRATIONS and call.name not in _MANAGED:
        return None
    ident = safe_name(name)
    db = host.resources.get(ident)
    if db is not None and db.server is not None:  # a database named before a resource of its name: renamed
        moved = safe_name(f"{db.server}-{db.name}")
        db.name = moved
        host.resources[moved] = host.resources.pop(ident)
        host.variables = {v: moved if r == ident else r for v, r in host.variables.items()}
    res = host.resources.setdefault(ident, _Resource(ident, call.name, call.at))
    if call.name in _INTEGRATIONS:
        res.rec = recognise(_INTEGRATIONS[call.name], (), (), ident) or catalog().by_engine(call.name[3:].lower())
    elif call.name in _MANAGED:
        image = _MANAGED[call.name]
        res.rec = (recognise(image, (), (), ident) if image else None) or Recognised(
            "datastore", "cosmosdb", "document", None, "AddAzureCosmosDB")
    elif call.name == "AddContainer" and len(args) > 1 and _literal(args[1]):
        res.image = (str(_literal(args[1])), call.at)
        if len(args) > 2 and _literal(args[2]):
            res.tag = (str(_literal(args[2])), call.at)
        res.rec = recognise(res.image[0], (), (), ident)
    return _Held("resource", ident)


def _modify(host: _Host, res: _Resource, call: _Call, bound: dict[str, str]) -> None:
    args = call.args
    if call.name == "WithImage" and args and _literal(args[0]):
        res.image = (str(_literal(args[0])), call.at)
        if len(args) > 1 and _literal(args[1]):
            res.tag = (str(_literal(args[1])), call.at)
    elif call.name == "WithImageTag" and args and _literal(args[0]):
        res.tag = (str(_literal(args[0])), call.at)
    elif call.name in _VOLUMES:
        target = _literal(_named(args, "target") or (args[1] if len(args) > 1 else "")) if call.name in (
            "WithVolume", "WithBindMount") else None
        res.volumes.append((target or "", call.at))
    elif call.name == "WithLifetime" and args and args[0].endswith("Persistent"):
        res.persistent = call.at
    elif call.name == "WithExternalHttpEndpoints" or (
            call.name == "WithEndpoint" and (_named(args, "isExternal") or "").strip() == "true"):
        res.external = call.at
    elif call.name == "WithReplicas" and args and args[0].strip().isdigit():
        res.replicas = (int(args[0].strip()), call.at)
    elif call.name in ("WithHttpHealthCheck", "WithHealthCheck") or (
            call.name == "WithHttpProbe" and args and args[0].strip().endswith("Readiness")):
        res.health = call.at
    elif call.name == "WithHttpProbe" and args and args[0].strip().endswith("Liveness"):
        res.liveness = call.at
    elif call.name == "WithReference" and args:
        target = _resolve(host, args[0], bound)
        if target is not None and target != res.name:
            res.references.append((target, call.at, f"WithReference({args[0][:60]})"))
    elif call.name == "WithEnvironment" and len(args) > 1:
        key, value = _literal(args[0]), _literal(args[1])
        if key and value is not None and literal_secret(key, value):
            res.secrets.append((key, call.at))
    elif call.name == "WithConfiguration" and args:
        _yarp_config(host, res, args[0], call.at, bound)


def _extension(host: _Host, res: _Resource, call: _Call, bound: dict[str, str], builders: set[str]) -> None:
    """A call of an extension method of the AppHost project: its body read with its parameters bound to the call's
    arguments (by position; the first is the resource it is called on)."""
    if call.name in host.reading or len(host.reading) >= _MAX_DEPTH:
        return
    params, body, file, first_line = host.extensions[call.name]
    binding = {params[0]: res.name}
    for p, a in zip(params[1:], call.args, strict=False):
        target = _resolve(host, a, bound)
        if target is not None:
            binding[p] = target
    host.reading.add(call.name)
    try:
        _read(host, body, 0, len(body), _Where(file, body, first_line), builders, binding)
    finally:
        host.reading.discard(call.name)


_CATCH_ALL = re.compile(r"/?\{\*\*?[^}]*\}$")


def _yarp_config(host: _Host, res: _Resource, arg: str, at: Location, bound: dict[str, str]) -> None:
    """A YARP resource's ``WithConfiguration(yarp => ...)``: its clusters and routes."""
    m = re.match(r"\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*=>", arg)
    if not m:
        return
    clusters: dict[str, str] = {}
    for cm in re.finditer(r"\b(?:var\s+)?([A-Za-z_]\w*)\s*=\s*" + m.group(1) + r"\s*\.\s*AddCluster\s*\(\s*([^()]*?"
                          r"(?:\([^()]*\))?)\s*\)", arg):
        target = _resolve(host, cm.group(2), bound)
        if target is not None:
            clusters[cm.group(1)] = target
    for rm in re.finditer(r"\b" + m.group(1) + r"\s*\.\s*AddRoute\s*\(", arg):
        close = close_bracket(arg, rm.end() - 1)
        args = _split_args(arg[rm.end():close - 1])
        path = _literal(args[0]) if args else None
        if path is None or len(args) < 2:
            continue
        target = clusters.get(args[1].strip()) or _resolve(host, args[1], bound)
        if target is None:
            continue
        tail = re.match(r"(?:\s*\.\s*\w+\s*\((?:[^()]|\([^()]*\))*\))*", arg[close:])
        removed = re.search(r'WithTransformPathRemovePrefix\s*\(\s*"([^"]*)"', tail.group(0) if tail else "")
        res.routes.append((path, target, removed.group(1) if removed else None, at))


# --------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------


def _document(host: _Host) -> Document:
    body = Body(host.file, "infrastructure", "aspire")
    roles = {n: r.rec for n, r in host.resources.items() if not n.startswith("parameter:")}
    for name, res in sorted(host.resources.items()):
        if name.startswith("parameter:"):
            continue
        if res.server is not None:
            _server_database(body, res, host.resources[res.server])
        elif res.rec is not None and res.rec.role == "datastore":
            _datastore(body, res)
        else:
            _service(body, res)
        for target, at, why in res.references:
            if target not in roles:
                continue
            edge = Edge(name, target, None, [f"{why} ({at.file}:{at.line})"], at)
            data = edge_fact(edge, roles[target], res.rec)
            if roles[target] is None:  # a project's address: HTTP or gRPC, called how, the AppHost does not say
                data.pop("style", None)
            body.fact("interactions", data, at)
    params = [s for n, r in sorted(host.resources.items()) if n.startswith("parameter:") for s in r.secrets]
    if params:
        body.remark(params[0][1], "a secret parameter with its value written in the AppHost: "
                                  + ", ".join(k for k, _l in params))
    return body.document()


def _image(res: _Resource) -> tuple[str, Location] | None:
    if res.image is None and res.tag is None:
        return None
    if res.image is None:  # a tag on the integration's own image
        base = _INTEGRATIONS.get(res.method)
        return (f"{base}:{res.tag[0]}", res.tag[1]) if base and res.tag else None
    if res.tag is not None:
        untagged = res.image[0].rsplit(":", 1)[0] if ":" in res.image[0].rsplit("/", 1)[-1] else res.image[0]
        return f"{untagged}:{res.tag[0]}", res.tag[1]
    if ":" in res.image[0].rsplit("/", 1)[-1] or "@" in res.image[0]:
        return res.image
    return None  # Aspire puts the integration's tag on an image named without one


def _service(body: Body, res: _Resource) -> None:
    name, at = res.name, res.at
    body.fact("services", {"name": name}, at)
    if res.method == "AddYarp":
        body.set("services", name, "kind", "gateway", at)
        body.note("services", name, f"kind gateway: a YARP reverse proxy (AddYarp, {at.file}:{at.line})")
    if res.replicas:
        body.set("services", name, "replicas", res.replicas[0], res.replicas[1])
    else:
        body.set("services", name, "replicas", 1, at)
        body.note("services", name, "replicas 1: Aspire runs one instance of a resource unless WithReplicas says more")
    image = _image(res)
    if image is not None:
        body.set("services", name, "image", image[0][:200], image[1])
        record_image_pinning(body, name, image[0], image[1], application=res.rec is None)
    if res.rec is not None and res.rec.role == "broker":
        body.set("services", name, "tags", ["broker"], at)
        body.set("services", name, "description", f"message broker ({res.rec.engine})", at)
        if not res.volumes:
            body.volatile_brokers[name] = (at, f"Aspire resource ({at.file}:{at.line}) with no data volume for its "
                                               "message store: its messages are lost when the container is recreated")
    if res.external:
        body.set("services", name, "exposure", "public", res.external)
        body.note("services", name, "exposure public: WithExternalHttpEndpoints() makes its HTTP endpoints reachable "
                                    "from outside the deployment")
        entry_endpoint(body, name, res.external, "WithExternalHttpEndpoints()")
    else:
        body.set("services", name, "exposure", "internal", at)
        body.note("services", name, "exposure internal: no external endpoint in the AppHost")
    if res.health:
        body.set("services", name, "health.readiness", True, res.health)
    elif res.method not in _INTEGRATIONS:
        body.set("services", name, "health.readiness", False, at)
        body.note("services", name, "health.readiness false: no health check in the AppHost (WithHttpHealthCheck)")
    if res.liveness:
        body.set("services", name, "health.liveness", True, res.liveness)
    elif res.method not in _INTEGRATIONS:
        body.set("services", name, "health.liveness", False, at)
        body.note("services", name, "health.liveness false: no liveness probe in the AppHost (WithHttpProbe("
                                    "ProbeType.Liveness, ...)): nothing restarts an instance that hangs")
    record_literal_secrets(body, name, res.rec, res.secrets)
    for path, target, removed, at_r in res.routes:
        _route(body, name, path, target, removed, at_r)


def _route(body: Body, gateway: str, path: str, target: str, removed: str | None, at: Location) -> None:
    """A YARP route: ``/api/catalog/{*any}`` forwards every path under ``/api/catalog/`` (``/api/catalog/**``); a
    ``WithTransformPathRemovePrefix("/p")`` forwards the rest of the path without ``/p``."""
    wild = _CATCH_ALL.search(path)
    path = path[:wild.start()].rstrip("/") + "/**" if wild else path
    if not path.startswith("/") or not path.isprintable() or len(path) > 512:
        body.remark(at, f"YARP route path {path[:60]!r} is not a printable path: route not imported")
        return
    key = f"ANY {path}"
    if body.has("endpoints", key):
        return
    body.fact("endpoints", {"method": "ANY", "path": path, "served_by": gateway, "routes_to": [target]}, at)
    body.note("endpoints", key, "the route matches every method (ANY): split it into the methods it serves")
    body.strips.setdefault(key, removed is not None)
    prefix = path.removesuffix("**")
    if removed and prefix.startswith(removed.rstrip("/") + "/") and prefix != removed.rstrip("/") + "/":
        body.replaces.setdefault(key, prefix[len(removed.rstrip("/")):])
    if not body.has("interactions", f"{gateway}->{target}"):
        body.fact("interactions", {"from": gateway, "to": target, "style": "sync", "protocol": "http",
                                   "timeout_ms": YARP_ACTIVITY_TIMEOUT_MS}, at)
        body.note("interactions", f"{gateway}->{target}", "timeout_ms 100000: no route of the AppHost sets YARP's "
                                                           "ActivityTimeout, whose default is 100 seconds")


def _server_database(body: Body, res: _Resource, server: _Resource) -> None:
    """A database of a server: a datastore of its own, whose data, nodes and storage are the server's."""
    name, at = res.name, res.at
    _store_fact(body, res)
    body.set("datastores", name, "server", server.name, at)
    body.note("datastores", name, f"server {server.name}: a database of {server.name} ({server.method}, "
                                  f"{server.at.file}:{server.at.line}), kept apart from its other databases")
    if server.method in _MANAGED:
        return
    if server.replicas:
        record_datastore_nodes(body, name, server.replicas[0], server.replicas[1], f"{server.name} container")
    else:
        record_datastore_nodes(body, name, 1, server.at, f"{server.name} container")
    held = _held_volumes(server)
    body.set("datastores", name, "durable_storage", bool(held), held[0][1] if held else server.at)
    if not held:
        body.note("datastores", name, f"durable_storage false: its data is in {server.name}'s container, which no "
                                      "data volume or bind mount keeps when it is recreated")


def _held_volumes(res: _Resource) -> list[tuple[str, Location]]:
    """The volumes of a datastore that hold its data directory (a mount elsewhere keeps none of it)."""
    image = _image(res)
    return [(t, lc) for t, lc in res.volumes
            if not (t and off_data_dir(image[0] if image else _INTEGRATIONS.get(res.method), t, ()))]


def _store_fact(body: Body, res: _Resource) -> Recognised:
    """The datastore fact of ``res`` with the engine and kind its integration says; what it was recognised as."""
    rec = res.rec
    assert rec is not None
    body.fact("datastores", {"name": res.name}, res.at)
    if rec.engine:
        body.set("datastores", res.name, "engine", rec.engine, res.at)
    if rec.kind:
        body.set("datastores", res.name, "kind", rec.kind, res.at)
    return rec


def _datastore(body: Body, res: _Resource) -> None:
    name, at = res.name, res.at
    rec = _store_fact(body, res)
    if res.method in _MANAGED:
        body.note("datastores", name, f"managed by Azure ({res.method}, {at.file}:{at.line}): its nodes, failover and "
                                      "storage are the service tier's, which the AppHost does not state")
        record_literal_secrets(body, name, rec, res.secrets)
        return
    if res.replicas:
        record_datastore_nodes(body, name, res.replicas[0], res.replicas[1], "container")
    else:
        record_datastore_nodes(body, name, 1, at, "container")
    image = _image(res)
    if image is not None:
        record_datastore_image(body, name, image[0], image[1])
    held = _held_volumes(res)
    body.set("datastores", name, "durable_storage", bool(held), held[0][1] if held else at)
    if not held:
        life = f"; WithLifetime(ContainerLifetime.Persistent) ({res.persistent.file}:{res.persistent.line}) keeps " \
               "the container over AppHost runs, not its data over a new container" if res.persistent else ""
        body.note("datastores", name, f"durable_storage false: no data volume or bind mount in the AppHost keeps its "
                                      f"data when the container is recreated{life}")
    record_literal_secrets(body, name, rec, res.secrets)


__all__ = ["detect_path", "import_file", "import_paths", "is_apphost"]
