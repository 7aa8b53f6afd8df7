"""Calls to other services that only a Java, Go or C++ service's code names (``archplan import source``).

``code_calls`` follows a Python or JavaScript call's URL to the environment variable that sets its host. A
Java, Go or C++ service often names its target in the code itself, by the name a registry or the deployment
knows it by; this module reads those names, by the text of the code (its comments blanked by the caller:
``code_routes.blank_comments``, so that lines and columns stay true):

- **Spring Cloud OpenFeign** (Java): an interface annotated ``@FeignClient(name = "statistics-service")``
  (``value``, or ``url = "http://host:port"``) is a synchronous HTTP call to that service; by ``name``
  alone, resolved through the registry (Eureka, Ribbon). A ``url`` of placeholders (``${rates.url}``) is
  left to the Spring configuration that sets it (``feign_urls``: the call it draws from that property is the Feign
  client's, bounded by OpenFeign's default read timeout unless the service's Feign settings say otherwise); a
  literal ``url`` is read with that default too, unless the code builds its own ``Request.Options``. Its
  ``fallback = X.class`` is read when the class is in the code: when every method of the client returns ``void``
  and the fallback's methods neither throw nor return anything, a failed call is dropped and the caller goes on, so
  the caller needs no answer (``purpose: notify``, ``fallback: degraded``). What the service's Spring configuration
  states of its Feign clients (``feign.hystrix.enabled``: a circuit breaker; the shortest of
  ``feign.client.config.default.readTimeout``, the Hystrix timeout around it and, for a client named by service,
  ``ribbon.ReadTimeout``) comes from the ``spring`` import (``ArtifactDocument.feign``).
- **RestTemplate / WebClient** (Java): a call of a ``RestTemplate`` (``getForObject``, ``exchange``...) or a
  ``WebClient`` (``.uri``, ``.baseUrl``, ``WebClient.create``) to a literal ``http://<name>/...``; Spring Cloud's
  ``discoveryClient.getInstances("<name>")`` (the service looked up to be called), with no timeout when the code builds
  Spring's ``RestClient``, ``RestTemplate`` or ``WebClient`` and never names one.
- **gRPC** (Go): a generated client (``pb.NewSearchClient(conn)``) over a connection dialled with a literal
  target (``grpc.Dial("geo:8083")``, ``grpc.NewClient``, ``grpc.DialContext``, or a dialling helper given
  the target), or with a parameter of the function, when the file calls that function with a literal
  (``s.initSearchClient("srv-search")``). A ``consul://host/name`` or ``dns:///name:port`` target names
  ``name``. No deadline in the service's Go code (no ``context.WithTimeout`` / ``WithDeadline``, no
  timeout interceptor) means none: a gRPC call waits forever by default.
- **net/http** (Go): ``http.Get`` / ``http.Post`` / ``http.Head`` to a literal ``http://<name>/...`` use
  the default client, which has no timeout; ``http.NewRequest`` to one is a call whose timeout is unknown.
- **Thrift** (C++): a ``ThriftClient<XClient>`` (in a ``ClientPool``) built with a host read from a configuration
  entry named after the target (``config_json["review-storage-service"]["addr"]``); its protocol ``other``, its
  timeout unknown (the socket is set up in code shared by the services). A client passed a timeout from
  configuration is left out (its bound is unknown, and the call would read as one without).
- **Datastores** (C++): an address read from a configuration entry named after a datastore of the deployment and
  used by the code (``config_json["compose-review-memcached"]["addr"]``), or a function named for an engine given
  the configuration and a name (``init_mongodb_client_pool(config_json, "review-storage", 128)``: the deployment's
  one datastore of that engine named ``review-storage`` or ``review-storage-mongodb``), is a synchronous call to that
  store. A memcached store (kind ``cache``, no role stated) that is the only datastore the service reaches, and which
  its code writes through libmemcached, holds the only copy of it: ``role: system_of_record``.

A URL the code writes out (the RestTemplate / WebClient and net/http forms) locates the target by a host name written
in the caller: when every call to the target does, the interaction says ``address_resolution: hardcoded``.

A target is a service of the deployment when its name (or host) is one of the deployment's workloads, or a
name some service's Go code registers itself under (``Registry.Register(name, ...)`` with ``const name =
"srv-search"``). Any other target adds nothing (unknown stays unknown), nor does a call the deployment or
the configuration already drew, nor a call of a service no deployment runs. Each interaction keeps the file:line
of the client in ``inferred_from``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from engine.errors import Location
from engine.importers.base import Body, safe_name
from engine.importers.code_text import inside as _block  # the text inside a bracket, strings skipped
from engine.importers.code_text import split_args
from engine.source import Document


@dataclass(frozen=True)
class Client:
    """A call the code names its target of: where, how, to what name, and what the code shows of it."""

    at: Location
    how: str
    """``@FeignClient(name = "statistics-service")``, ``grpc client over initSearchClient("srv-search")``."""
    target: str
    """The name as written: a service id, a host, a registry name."""
    protocol: str
    registry: bool = False
    """The target is resolved through a service registry (Feign by name, a ``consul://`` target)."""
    notify: str | None = None
    """Why the caller needs no answer (its fallback drops a failure), when the code shows it."""
    no_timeout: str | None = None
    """Why the call has no timeout, when the code shows it."""
    feign: bool = False
    """A Feign client: the service's Feign settings apply."""
    background: str | None = None
    """Why no request waits on the call (it is made from scheduled tasks only), when the code shows it."""
    written: bool = False
    """The code writes the target's URL out (``"http://orders:8080/x"``): its host is located by a name in the code."""
    timeout_entry: str | None = None
    """The configuration entry the client's timeout is read from (``config_json["text-service"]["timeout_ms"]``): an
    address book the caller mounts gives its value (``ArtifactDocument.book_timeouts``); without one the call is left
    out, since its timeout is set but unknown."""
    store: str | None = None
    """The engine of the datastore the client reaches, when it is one (``mongodb``): the target is the deployment's
    datastore of that engine named ``target``, or ``target`` and the engine's word (``review-storage-mongodb``)."""
    writes: str | None = None
    """Where the service's code writes to a memcached store through libmemcached (``memcached_add(...)``), for a
    client of a datastore: what it writes there, it writes nowhere else when that is its only store."""
    login: tuple[str, str] | None = None
    """The (user, password) the client signs in with, when its configuration writes both out: compared between the
    services reaching one datastore, never reported."""
    setting: str | None = None
    """The .NET settings key (``A:B``) the target's address is read from: the deployment's ``A__B`` replaces it."""
    attempts: int | None = None
    """How many attempts the client makes, the first included, when it sends a failed request again whatever the error
    (``code_ribbon``: a Ribbon retry handler); ``retry_why`` says where that is read."""
    retry_why: str = ""
    changes: str | None = None
    """The request that changes something the call sends (``post``), when the code shows it."""
    keyed: bool = False
    """Some code of the calling service names an idempotency key."""
    bound: tuple[int, Location, str] | None = None
    """The timeout in milliseconds the client's code gives each attempt: (ms, where, what sets it)."""
    unverified: str | None = None
    """What has the client accept any certificate from its target (``trustServerCertificate=true`` in its connection
    string), when its configuration says so."""

    def evidence(self) -> str:
        return f"{self.how} ({self.at.file}:{self.at.line})"


def _location(path: str, text: str, pos: int) -> Location:
    return Location(path, text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1)


def _host(target: str) -> str:
    """The service a target names: ``consul://c:8500/srv-geo`` -> ``srv-geo``; ``dns:///geo:8083`` -> ``geo``;
    ``http://user:8080/x`` -> ``user``; ``geo:8083`` -> ``geo``."""
    t = target.strip()
    if t.startswith(("consul://", "dns://", "etcd://", "k8s://", "kubernetes://")):
        t = t.split("://", 1)[1].split("/", 1)[1] if "/" in t.split("://", 1)[1] else ""
        t = t.split("?", 1)[0].strip("/")
    elif "://" in t:
        try:
            return (urlsplit(t).hostname or "").lower()
        except ValueError:
            return ""
    return t.rsplit(":", 1)[0].lower() if re.fullmatch(r"[\w.-]+:\d+", t) else t.lower()


# ---- Java ------------------------------------------------------------------------------------------

_FEIGN = re.compile(r"@FeignClient\s*\(")
_ATTR = re.compile(r"\b(name|value|url|fallback)\s*=\s*(?:\"([^\"]*)\"|([\w.]+)\.class)")
_INTERFACE = re.compile(r"\binterface\s+(\w+)[^{]*\{")
FEIGN_READ_TIMEOUT_MS = 60000
"""OpenFeign's default read timeout: ``new Request.Options()`` connects within 10 s and reads within 60 s (its Javadoc:
"Creates the new Options instance using the following defaults: Connect Timeout: 10 seconds, Read Timeout: 60
seconds"); Spring Cloud OpenFeign builds a client given a ``url`` with it (no load balancer, hence no Ribbon timeouts)
unless ``feign.client.config.*`` or a ``Request.Options`` of the code sets others."""
_FEIGN_OPTIONS = re.compile(r"\bRequest\s*\.\s*Options\b|\bnew\s+Options\s*\(")
_METHOD = re.compile(r"^\s*(?:public\s+|default\s+)?([\w<>\[\], ?]+?)\s+\w+\s*\([^;{]*\)\s*(?:throws[^;{]*)?;",
                     re.MULTILINE)
_REST = re.compile(r"\.\s*(?:getForObject|getForEntity|postForObject|postForEntity|postForLocation|put|patch"
                   r"ForObject|delete|exchange|execute|uri|baseUrl)\s*\(\s*\"(https?://[^\"]+)\"|"
                   r"\bWebClient\s*\.\s*create\s*\(\s*\"(https?://[^\"]+)\"")


def _swallows(classes: Mapping[str, str], name: str) -> bool:
    """Whether a class's methods neither throw nor return anything (they log, or do nothing)."""
    body = classes.get(name)
    return body is not None and re.search(r"\bthrow\b|\breturn\s+[^;\s]", body) is None


_JAVA_METHOD = re.compile(r"((?:@\w+(?:\s*\([^)]*\))?\s*)*)"
                          r"(?:(?:public|protected|private|static|final|synchronized)\s+)*"
                          r"[\w<>\[\], ?]+\s+(\w+)\s*\([^)]*\)\s*(?:throws\s+[\w., ]+)?\{")


def _background(codes: Sequence[tuple[str, str]], iface: str) -> str | None:
    """Why every call through the client ``iface`` is made from a scheduled task (``@Scheduled`` methods only), so
    that no request waits on it; None when some call is made elsewhere, or none is found."""
    seen: list[str] = []
    for path, code in codes:
        for field in re.finditer(rf"\b{re.escape(iface)}\s+(\w+)\s*[;=]", code):
            for use in re.finditer(rf"(?<![\w.]){re.escape(field.group(1))}\s*\.\s*\w+\s*\(", code):
                method = None
                for m in _JAVA_METHOD.finditer(code, 0, use.start()):
                    if len(_block(code, m.end() - 1)) + m.end() >= use.start():
                        method = m
                if method is None or "@Scheduled" not in method.group(1):
                    return None
                seen.append(f"{method.group(2)} ({_location(path, code, method.start(2)).file}:"
                            f"{_location(path, code, method.start(2)).line})")
    if not seen:
        return None
    return f"every call through {iface} is made from a @Scheduled method ({', '.join(dict.fromkeys(seen))}): no " \
           "request waits on it"


def java_clients(files: Sequence[tuple[str, str]]) -> list[Client]:
    """The Feign clients and the RestTemplate / WebClient calls to a literal URL of a service's Java files."""
    codes = [(p, t) for p, t in files if p.endswith(".java")]
    classes: dict[str, str] = {}
    for _p, code in codes:
        for m in re.finditer(r"\bclass\s+(\w+)[^{;]*\{", code):
            classes[m.group(1)] = _block(code, m.end() - 1)
    out: list[Client] = []
    options = any(_FEIGN_OPTIONS.search(t) for _p, t in codes)  # Request.Options of its own: the bound is unknown
    for path, code in codes:
        for m in _FEIGN.finditer(code):
            args = _block(code, m.end() - 1)
            attrs = {a.group(1): a.group(2) if a.group(2) is not None else a.group(3) for a in _ATTR.finditer(args)}
            url = attrs.get("url")
            if url:
                if "${" in url or "://" not in url:
                    continue  # set by the configuration, which says where
                target, registry = _host(url), False
            else:
                target, registry = attrs.get("name") or attrs.get("value") or "", True
            if not target or "${" in target:
                continue
            shown = ", ".join(f'{k} = "{v}"' for k, v in attrs.items() if k != "fallback")
            notify = None
            iface = _INTERFACE.search(code, m.end())
            fallback = attrs.get("fallback", "").rsplit(".", 1)[-1]
            if iface is not None and fallback:
                returns = [r.group(1).strip() for r in _METHOD.finditer(_block(code, iface.end() - 1))]
                if returns and all(r == "void" for r in returns) and _swallows(classes, fallback):
                    notify = (f"every method of {iface.group(1)} returns void and its fallback {fallback} neither "
                              "throws nor returns: a failed call is dropped and the caller goes on, it needs no answer")
            background = _background(codes, iface.group(1)) if iface is not None else None
            at = _location(path, code, m.start())
            out.append(Client(at, f"@FeignClient({shown})", target, "http", registry, notify, feign=True,
                              background=background, bound=None if registry or options else (
                                  FEIGN_READ_TIMEOUT_MS, at, f"OpenFeign's default Request.Options for a client given "
                                                             f"a url, {FEIGN_READ_TIMEOUT_MS // 1000} s to read")))
        for m in _REST.finditer(code):
            url = m.group(1) or m.group(2)
            out.append(Client(_location(path, code, m.start()), f"a call to {url!r}", _host(url), "http",
                              written=True))
        for m in _DISCOVERY.finditer(code):
            out.append(Client(_location(path, code, m.start()), f'getInstances("{m.group(1)}")', m.group(1), "http",
                              True, no_timeout=_untimed(sorted(codes, key=lambda c: c[0] != path))))
    return out


_DISCOVERY = re.compile(r"\.\s*getInstances\s*\(\s*\"([\w.-]+)\"\s*\)")
"""Spring Cloud's ``DiscoveryClient.getInstances("customers-service")``: the code looks a service up to call it."""
_DEFAULT_HTTP_CLIENT = re.compile(r"\bRestClient\s*\.\s*(?:builder|create)\s*\(|\bnew\s+RestTemplate\s*\(|"
                                  r"\bWebClient\s*\.\s*(?:builder|create)\s*\(")


def _untimed(codes: Sequence[tuple[str, str]]) -> str | None:
    """Why the service's HTTP calls wait without limit: it builds Spring's RestClient, RestTemplate or WebClient
    (the first of ``codes`` that does is named) and no code of it names a timeout (their defaults have none); None
    when some code names one, or builds none."""
    built = next(((p, m) for p, c in codes for m in [_DEFAULT_HTTP_CLIENT.search(c)] if m is not None), None)
    if built is None or any(re.search(r"timeout", c, re.IGNORECASE) for _p, c in codes):
        return None
    path, m = built
    at = _location(path, codes[[p for p, _c in codes].index(path)][1], m.start())
    return (f"it builds {' '.join(m.group(0).split()).rstrip('(')}() ({at.file}:{at.line}) and no code of the service "
            "names a timeout: Spring's HTTP clients wait without limit by default")


# ---- Go --------------------------------------------------------------------------------------------

_GO_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)[^{\n]*\{", re.MULTILINE)
_GO_STUB = re.compile(r"\b\w+\.New(\w+)Client\s*\(\s*(\w+)\s*\)")
_GO_DIAL = re.compile(r"\bgrpc\.(?:Dial|DialContext|NewClient)\s*\(")
_GO_HTTP = re.compile(r"\bhttp\.(Get|Post|Head|PostForm|NewRequest(?:WithContext)?)\s*\(")
_GO_DEADLINE = re.compile(r"\bcontext\.With(?:Timeout|Deadline)\b|\bgrpc\.WithTimeout\b|\.WithDeadline\(|"
                          r"\btimeout\.(?:Unary|Stream)ClientInterceptor\b|\bTimeoutUnaryClientInterceptor\b")
_GO_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|`([^`]*)`")


def _go_params(params: str) -> list[str]:
    """``name string, port int`` / ``a, b string`` -> the parameter names, in order."""
    out: list[str] = []
    for part in params.split(","):
        words = part.split()
        if words:
            out.append(words[0])
    return out


def _go_first_string(expr: str) -> str | None:
    m = _GO_STRING.search(expr)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def go_registered(files: Sequence[tuple[str, str]]) -> set[str]:
    """The names a service's Go code registers itself under (``Registry.Register(name, ...)``, ``name`` a string
    constant or literal of its code)."""
    codes = [t for p, t in files if p.endswith(".go")]
    consts = {m.group(1): m.group(2) for t in codes for m in re.finditer(r"^\s*(?:const\s+)?(\w+)\s*=\s*\"([^\"]+)\"",
                                                                           t, re.MULTILINE)}
    out: set[str] = set()
    for t in codes:
        for m in re.finditer(r"\.Register\(\s*(?:\"([^\"]+)\"|(\w+)\s*,)", t):
            name = m.group(1) or consts.get(m.group(2) or "")
            if name:
                out.add(name)
    return out


def go_clients(files: Sequence[tuple[str, str]]) -> list[Client]:
    """The gRPC clients and net/http calls to a literal URL of a service's Go files."""
    codes = [(p, t) for p, t in files if p.endswith(".go") and not p.endswith("_test.go")]
    deadline = next((f"{p}:{c.count(chr(10), 0, m.start()) + 1}" for p, c in codes
                     for m in [_GO_DEADLINE.search(c)] if m is not None), None)
    none = None if deadline else "no code of the service sets a deadline (no context.WithTimeout or WithDeadline, " \
                                 "no timeout interceptor): a gRPC call waits forever by default"
    out: list[Client] = []
    for path, code in codes:
        funcs = [(m, _block(code, m.end() - 1)) for m in _GO_FUNC.finditer(code)]
        start_of_file = len(out)
        for fm, body in funcs:
            start = fm.end()
            params = _go_params(fm.group(2))
            for stub in _GO_STUB.finditer(body):
                conn = stub.group(2)
                made = re.search(rf"\b{re.escape(conn)}\s*(?:,\s*\w+\s*)?:?=\s*([\w.]+)\s*\(", body)
                if made is None:
                    continue
                expr = _block(body, made.end() - 1)
                literal = _go_first_string(expr)
                how = f"gRPC {stub.group(1)}Client over {made.group(1)}"
                if literal is not None and "%" not in literal:
                    at = _location(path, code, start + made.start(1))
                    out.append(_grpc(at, f"{how}({literal!r})", literal, none))
                    continue
                used = [p for p in params if re.search(rf"\b{re.escape(p)}\b", expr)]
                if len(used) != 1:
                    continue
                index = params.index(used[0])
                for call in re.finditer(rf"(?<![\w])(?:\w+\.)?{re.escape(fm.group(1))}\s*\(", code):
                    if code[max(0, call.start() - 5):call.start()].endswith("func "):
                        continue
                    args = [a.strip() for a in split_args(_block(code, call.end() - 1, True), True)]
                    value = _go_first_string(args[index]) if index < len(args) else None
                    if value is not None and _GO_STRING.fullmatch(args[index]):
                        target = f"consul:///{value}" if "consul://" in expr else value  # the registry's name
                        out.append(_grpc(_location(path, code, call.start()),
                                         f"{how} in {fm.group(1)}({value!r})", target, none))
        for m in _GO_DIAL.finditer(code):
            args = split_args(_block(code, m.end() - 1, True), True)
            first = args[1 if "DialContext" in m.group(0) else 0].strip() if args else ""
            value = _go_first_string(first)
            if value is not None and _GO_STRING.fullmatch(first):
                out.append(_grpc(_location(path, code, m.start()), f"{m.group(0).rstrip('(')}({value!r})", value, none))
        for m in _GO_HTTP.finditer(code):
            args = split_args(_block(code, m.end() - 1, True), True)
            index = 1 if m.group(1).startswith("NewRequest") else 0
            index += 1 if m.group(1) == "NewRequestWithContext" else 0
            first = args[index].strip() if index < len(args) else ""
            value = _go_first_string(first)
            if value is None or not value.startswith(("http://", "https://")):
                continue
            why = None if m.group(1).startswith("NewRequest") else \
                f"http.{m.group(1)} uses Go's default client, which has no timeout"
            out.append(Client(_location(path, code, m.start()), f"http.{m.group(1)}({value!r})", _host(value), "http",
                              no_timeout=why, written=True))
        out[start_of_file:] = [_go_unverified(c, path, code, funcs) for c in out[start_of_file:]]
    unique = {(c.at, c.target): c for c in out}
    return [unique[k] for k in sorted(unique, key=lambda k: (k[0].file, k[0].line, k[0].column, k[1]))]


_GO_INSECURE = re.compile(r"\bInsecureSkipVerify\s*:\s*true\b")


def _go_unverified(c: Client, path: str, code: str, funcs: Sequence[tuple[re.Match[str], str]]) -> Client:
    """``c`` with ``unverified`` when the Go function that makes it builds a ``tls.Config`` with ``InsecureSkipVerify:
    true`` (its transport or its gRPC credentials then accept any certificate)."""
    line_start = sum(len(x) + 1 for x in code.split("\n")[:c.at.line - 1]) + c.at.column - 1
    for fm, body in funcs:
        if fm.end() <= line_start <= fm.end() + len(body) and (m := _GO_INSECURE.search(body)) is not None:
            at = _location(path, code, fm.end() + m.start())
            return replace(c, unverified=f"InsecureSkipVerify: true ({at.file}:{at.line}) in the tls.Config of "
                                         f"func {fm.group(1)}")
    return c


# ---- C++ Thrift ------------------------------------------------------------------------------------

_CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".h", ".hpp")
SUFFIXES = (".java", ".go", *_CPP_SUFFIXES)
"""The files this module reads."""
_CPP_POOL = re.compile(r"\bThriftClient\s*<\s*(\w+)\s*>\s*>?\s*(\w+)\s*\(")


def cpp_clients(files: Sequence[tuple[str, str]]) -> list[Client]:
    """The Thrift clients of a service's C++ files whose host is read from a configuration entry named after the
    target (``ClientPool<ThriftClient<ReviewStorageServiceClient>> pool("label", addr, port, ...)`` with
    ``std::string addr = config_json["review-storage-service"]["addr"]``). A client given a timeout (an argument
    named for one) keeps it only when the code reads it from the same entry (``config_json["..."]["timeout_ms"]``):
    the address book the caller mounts then gives its value (``Client.timeout_entry``); a timeout from anywhere else
    leaves the client out, as what bounds it is unknown and the call would read as one without a timeout."""
    out: list[Client] = []
    for path, code in ((p, t) for p, t in files if p.endswith(_CPP_SUFFIXES)):
        for m in _CPP_POOL.finditer(code):
            args = [a.strip() for a in split_args(_block(code, m.end() - 1, True), True)]
            host = next((a for a in args if re.fullmatch(r"[A-Za-z_]\w*", a)), None)
            if host is None:
                continue
            entry = re.search(rf"\b{re.escape(host)}\s*=\s*[\w.]+\s*\[\s*\"([^\"]+)\"\s*\]\s*"
                              r"\[\s*\"(?:addr|host|address)\"\s*\]", code)
            if entry is None:
                continue  # no target read
            timeouts = [a for a in args if "timeout" in a.lower()]
            timeout_entry = None
            if timeouts:
                read = [re.search(rf"\b{re.escape(t)}\s*=\s*[\w.]+\s*\[\s*\"([^\"]+)\"\s*\]\s*"
                                  r"\[\s*\"timeout_ms\"\s*\]", code) if re.fullmatch(r"[A-Za-z_]\w*", t) else None
                        for t in timeouts]
                if len(read) != 1 or read[0] is None or read[0].group(1) != entry.group(1):
                    continue  # a timeout passed from somewhere this import does not read
                timeout_entry = entry.group(1)
            said = " ".join(code[entry.start():entry.end()].split())
            out.append(Client(_location(path, code, m.start()), f"Thrift {m.group(1)} to {said} (line "
                              f"{code.count(chr(10), 0, entry.start()) + 1})", entry.group(1), "other",
                              timeout_entry=timeout_entry))
    return out


_CPP_ENTRY = re.compile(r"\b(\w+)\s*=\s*[\w.]+\s*\[\s*\"([^\"]+)\"\s*\]\s*\[\s*\"(?:addr|host|address)\"\s*\]")
_CPP_STORE_INIT = re.compile(r"\b(\w*?(mongo(?:db)?|memcached|redis|mysql|postgres(?:ql)?)\w*)\s*\(", re.IGNORECASE)
_CPP_CACHE_WRITE = re.compile(r"\bmemcached_(?:set|add|replace|append|prepend|increment|decrement|cas)\w*\s*\(")
_STORE_WORDS = {"mongo": "mongodb", "mongodb": "mongodb", "memcached": "memcached", "redis": "redis", "mysql": "mysql",
                "postgres": "postgres", "postgresql": "postgres"}
"""The engine words a C++ function that builds a datastore client is named with, and the engine each names."""
_CPP_STORE_CALLS = {
    "memcached": re.compile(r"\bmemcached_(?:get|mget|fetch|set|add|replace|append|prepend|delete|increment|decrement|"
                            r"cas|exist|touch)\w*\s*\("),
    "mongodb": re.compile(r"\bmongoc_collection_(?!destroy\b)\w+\s*\("),
}
"""The calls a C++ service makes through its client of an engine (libmemcached, the MongoDB C driver): a client it
builds and never calls through is no call (a handler given a pool it does not use)."""


def cpp_store_clients(files: Sequence[tuple[str, str]]) -> list[Client]:
    """The datastore clients of a service's C++ files, named in either of two ways:

    - an address read from a configuration entry (``std::string addr = config_json["compose-review-memcached"]
      ["addr"]``) that the code goes on to use: a client of that entry's workload, kept when it is a datastore of
      the deployment (``links``; a service reached this way is left to the Thrift reading above);
    - a function named for an engine that builds its client from the configuration and a name
      (``init_mongodb_client_pool(config_json, "review-storage", 128)``): a client of the deployment's datastore of
      that engine whose name is that one, or that one and the engine's word (``review-storage-mongodb``), when the
      service's code calls through a client of that engine somewhere (libmemcached's ``memcached_get``..., the
      MongoDB C driver's ``mongoc_collection_...``): a pool handed to a handler that never uses it is no call."""
    out: list[Client] = []
    wrote = next((f"{w.group(0).rstrip('( ')}() at {p}:{t.count(chr(10), 0, w.start()) + 1}"
                  for p, t in files if p.endswith(_CPP_SUFFIXES) for w in [_CPP_CACHE_WRITE.search(t)] if w), None)
    called = {engine for engine, calls in _CPP_STORE_CALLS.items()
              if any(calls.search(t) for p, t in files if p.endswith(_CPP_SUFFIXES))}
    for path, code in ((p, t) for p, t in files if p.endswith(_CPP_SUFFIXES)):
        for m in _CPP_ENTRY.finditer(code):
            if re.search(rf"\b{re.escape(m.group(1))}\b", code[m.end():]):
                said = " ".join(code[m.start():m.end()].split())
                out.append(Client(_location(path, code, m.start()), f"{said} (an address the code connects to)",
                                  m.group(2), "", store="*", writes=wrote))
        for m in _CPP_STORE_INIT.finditer(code):
            args = [a.strip() for a in split_args(_block(code, m.end() - 1, True), True)]
            names = [a[1:-1] for a in args if re.fullmatch(r"\"[\w.-]+\"", a)]
            if len(names) != 1 or not any(re.fullmatch(r"[A-Za-z_]\w*", a) for a in args):
                continue  # one name, and the configuration it is read from
            engine = _STORE_WORDS[m.group(2).lower()]
            if engine in _CPP_STORE_CALLS and engine not in called:
                continue  # a client of that engine built and never called through
            out.append(Client(_location(path, code, m.start()), f"{m.group(1)}(..., {names[0]!r}, ...)", names[0], "",
                              store=engine, writes=wrote))
    return out


def _store_target(c: Client, stores: Mapping[str, str]) -> str | None:
    """The datastore of the deployment a client with a ``store`` reaches (None: none, or no datastore)."""
    if c.store == "*":
        name = safe_name(c.target)
        return name if name in stores else None
    words = [w for w, engine in _STORE_WORDS.items() if engine == c.store]
    found = [n for n in (safe_name(c.target), *(safe_name(f"{c.target}{sep}{w}") for w in words for sep in "-_"))
             if stores.get(n) == c.store]
    return found[0] if len(set(found)) == 1 else None


def _grpc(at: Location, how: str, target: str, none: str | None) -> Client:
    return Client(at, how, target, "grpc", target.startswith(("consul://", "etcd://")), no_timeout=none)


_MESSAGING = frozenset({"amqp", "kafka", "mqtt"})


def settings_clients(found: Sequence[Any], brokers: Sequence[Any] = (),
                     locations: Sequence[Any] = ()) -> tuple[Client, ...]:
    """The clients a .NET service's settings name: each connection string (``code_dotnet_settings.ConnectionString``)
    opens the deployment's datastore of the host's name, if there is one; each broker section
    (``code_dotnet_settings.BrokerHost``) reaches the workload of the host's name with messages; each service location
    its code reads (``code_dotnet_settings.ServiceLocation``) is an HTTP call to the workload of the host's name."""
    return (*(Client(c.at, f"connection string {c.name!r} in {c.at.file.rsplit('/', 1)[-1]}", c.host, "sql",
                     store="*", login=c.login, unverified=c.unverified) for c in found),
            *(Client(b.at, f"{b.section} settings in {b.at.file.rsplit('/', 1)[-1]}", b.host, b.protocol)
              for b in brokers),
            *(Client(s.at, f"setting {s.key} in {s.at.file.rsplit('/', 1)[-1]}, read by its code", s.host, "http",
                     setting=s.key) for s in locations))


_PLACEHOLDER = re.compile(r"\$\{\s*([\w.\-\[\]]+)\s*(?::[^}]*)?\}")


@dataclass(frozen=True)
class FeignUrl:
    """A Feign client that takes its ``url`` from a Spring property (``@FeignClient(url = "${rates.url}")``)."""

    at: Location
    prop: str
    """The property, as written (``rates.url``)."""
    how: str


def feign_urls(files: Sequence[tuple[str, str]]) -> tuple[FeignUrl, ...]:
    """The Feign clients of a service's Java files (comments blanked) whose ``url`` is a Spring property, when its code
    sets no ``Request.Options`` of its own (which would bound them otherwise)."""
    codes = [(p, t) for p, t in files if p.endswith(".java")]
    if any(_FEIGN_OPTIONS.search(t) for _p, t in codes):
        return ()
    out: list[FeignUrl] = []
    for path, code in codes:
        for m in _FEIGN.finditer(code):
            attrs = {a.group(1): a.group(2) for a in _ATTR.finditer(_block(code, m.end() - 1)) if a.group(2)}
            prop = _PLACEHOLDER.match(attrs.get("url", "").strip())
            if prop is not None:
                out.append(FeignUrl(_location(path, code, m.start()), prop.group(1),
                                    f'@FeignClient(url = "{attrs["url"]}")'))
    return tuple(out)


def service_clients(files: Sequence[tuple[str, str]]) -> tuple[tuple[Client, ...], frozenset[str]]:
    """A service's calls named in its Java, Go and C++ code, and the names its Go code registers itself under."""
    return ((*java_clients(files), *go_clients(files), *cpp_clients(files), *cpp_store_clients(files)),
            frozenset(go_registered(files)))


# --------------------------------------------------------------------------------------
# Joining the clients with the deployment
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """One interaction the code names: its facts (each with where) and the notes that explain them."""

    target: str
    data: Mapping[str, Any]
    at: Location
    where: Mapping[str, Location]
    notes: tuple[str, ...]
    store: bool = False
    """The target is a datastore (stated in the document too, so that it loads alone)."""
    only_copy: str | None = None
    """Why the target, a cache, holds the only copy of what the service writes there (``role: system_of_record``)."""
    shared_with: tuple[str, ...] = ()
    """The other services that sign in to the target datastore with the same user and password as this one."""


def links(docs: Sequence[Document], clients: Mapping[str, Sequence[Client]],
          registered: Mapping[str, frozenset[str]]) -> dict[str, list[Edge]]:
    """Per service, the interactions its clients name with a service of the deployment, not drawn already."""
    workloads: set[str] = set()
    stores: dict[str, str] = {}
    caches: set[str] = set()
    drawn: set[tuple[str, str]] = set()
    feign: dict[str, dict[str, tuple[Any, Location, str]]] = {}
    books: dict[str, dict[str, tuple[int, Location, str]]] = {}
    env: dict[str, set[str]] = {}
    for d in docs:
        workloads.update(getattr(d, "environment", None) or {})
        for name, variables in (getattr(d, "environment", None) or {}).items():
            env.setdefault(name, set()).update(v.replace("__", ":").lower() for v in variables)
        feign.update(getattr(d, "feign", None) or {})
        for name, hosts in (getattr(d, "book_timeouts", None) or {}).items():
            books.setdefault(name, {}).update(hosts)
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        workloads.update(str(s.get("name")) for s in d.data.get("services") or [] if isinstance(s, dict))
        stores.update((str(s.get("name")), str(s.get("engine") or "")) for s in d.data.get("datastores") or []
                      if isinstance(s, dict))
        caches.update(str(s.get("name")) for s in d.data.get("datastores") or []
                      if isinstance(s, dict) and s.get("kind") == "cache" and not s.get("role"))
        drawn.update((str(i.get("from")), str(i.get("to"))) for i in d.data.get("interactions") or []
                     if isinstance(i, dict))
    by_name = {n: s for s, names in sorted(registered.items()) for n in sorted(names)}
    out: dict[str, list[Edge]] = {}
    for service, found in sorted(clients.items()):
        if service not in workloads:
            continue  # no deployment runs the service: whether its calls are made is unknown
        edges: dict[str, list[Client]] = {}
        for c in found:
            if c.timeout_entry is not None and c.timeout_entry not in books.get(service, {}):
                continue  # its timeout is set from a configuration entry no mounted address book gives
            if c.setting is not None and c.setting.lower() in env.get(service, set()):
                continue  # the deployment gives the setting a value of its own (``A__B``): its call is drawn there
            host = _host(c.target)
            if c.store is not None:
                target = _store_target(c, stores)
            else:
                target = safe_name(host) if safe_name(host) in workloads else by_name.get(host) or by_name.get(c.target)
            if target is None or target == service or (service, target) in drawn:
                continue
            edges.setdefault(target, []).append(c)
        out[service] = [_edge(service, t, cs, feign.get(service, {}), t in registered and
                              any(_host(c.target) in registered[t] for c in cs), books.get(service, {}))
                        for t, cs in sorted(edges.items())]
        reached = {t for t in edges if t in stores} | {t for f, t in drawn if f == service and t in stores}
        only = next(iter(reached)) if len(reached) == 1 else None
        wrote = next((c.writes for c in edges.get(only or "", []) if c.writes), None)
        if only in caches and wrote:
            out[service] = [replace(e, only_copy=f"{only} is the only datastore {service}'s code reaches, and it "
                                                 f"writes there ({wrote}): what it keeps there is kept nowhere else")
                            if e.target == only else e for e in out[service]]
    return _shared_logins(out, clients)


def _shared_logins(out: dict[str, list[Edge]], clients: Mapping[str, Sequence[Client]]) -> dict[str, list[Edge]]:
    """``out`` with ``shared_with`` on the edges to a datastore that other services reach with the same login."""
    users: dict[tuple[str, tuple[str, str]], set[str]] = {}
    for service, edges in out.items():
        for e in edges:
            for c in clients.get(service, ()):
                if e.store and c.login is not None and c.store is not None and _store_target_name(c) == e.target:
                    users.setdefault((e.target, c.login), set()).add(service)
    shared = {(t, s): tuple(sorted(names - {s})) for (t, _login), names in users.items() if len(names) > 1
              for s in names}
    return {service: [replace(e, shared_with=shared[(e.target, service)]) if (e.target, service) in shared else e
                      for e in edges] for service, edges in out.items()}


def _store_target_name(c: Client) -> str:
    return safe_name(c.target)


def _edge(service: str, target: str, calls: Sequence[Client], feign: Mapping[str, tuple[Any, Location, str]],
          by_registration: bool, books: Mapping[str, tuple[int, Location, str]] | None = None) -> Edge:
    first = calls[0]
    style = "async" if first.protocol in _MESSAGING else "sync"  # a broker's client hands messages over
    data: dict[str, Any] = {"from": service, "to": target, "style": style, "protocol": first.protocol or None,
                            "inferred_from": "; ".join(dict.fromkeys(c.evidence() for c in calls))[:2000]}
    where = dict.fromkeys(data, first.at)
    notes: list[str] = []
    if by_registration:
        notes.append(f"to {target}: {target}'s code registers itself under the name {_host(first.target)!r}")
    if all(c.registry for c in calls):
        data["address_resolution"] = "registry"
        notes.append("address_resolution registry: the client names the service, the registry gives its address")
    if all(c.written for c in calls):
        data["address_resolution"] = "hardcoded"
        notes.append(f"address_resolution hardcoded: the code writes the URL out, {first.how} ({first.at.file}:"
                     f"{first.at.line})")
    if all(c.no_timeout for c in calls):
        data["timeout_ms"] = 0
        notes.append(f"timeout_ms 0: {first.no_timeout}")
    booked = [books[c.timeout_entry] for c in calls
              if books and c.timeout_entry is not None and c.timeout_entry in books]
    if booked and len(booked) == len(calls):
        ms, at, file = max(booked, key=lambda b: b[0])  # the longest bound is what the caller may wait
        data["timeout_ms"], where["timeout_ms"] = ms, at
        notes.append(f"timeout_ms from {first.timeout_entry}'s timeout_ms in {file}, which {service} mounts and its "
                     f"code reads for the client's timeout ({first.at.file}:{first.at.line})")
    if all(c.bound for c in calls) and "timeout_ms" not in data:
        ms, at, what = max((c.bound for c in calls if c.bound), key=lambda b: b[0])  # the longest is what it may wait
        data["timeout_ms"], where["timeout_ms"] = ms, at
        notes.append(f"timeout_ms {ms}: {what} ({at.file}:{at.line}), the client its calls to {target} go through")
    if all(c.attempts and c.attempts > 1 for c in calls):
        _retries(data, where, notes, target, calls)
    if all(c.background for c in calls):
        data["during"] = "background"
        notes.append(f"during background: {first.background}")
    if all(c.notify for c in calls):
        data["purpose"], data["fallback"] = "notify", "degraded"
        notes.append(f"purpose notify, fallback degraded: {first.notify}")
    if all(c.unverified for c in calls):
        data["tls_verify"] = False
        notes.append(f"tls_verify false: {first.unverified} in {first.how} ({first.at.file}:{first.at.line}): its "
                     "client accepts any certificate the server presents")
    if all(c.feign for c in calls):
        stated = {k: v for k, v in feign.items() if k != "ribbon"}
        ribbon = feign.get("ribbon")
        if ribbon is not None and all(c.registry for c in calls) and \
                ("timeout_ms" not in stated or ribbon[0] < stated["timeout_ms"][0]):
            stated["timeout_ms"] = ribbon  # the shorter of two bounds ends the call
        for field, (value, at, why) in sorted(stated.items()):
            data[field], where[field] = value, at
            notes.append(f"{field} from the service's Feign settings: {why}")
    return Edge(target, data, first.at, where, tuple(notes), first.store is not None)


def _retries(data: dict[str, Any], where: dict[str, Location], notes: list[str], target: str,
             calls: Sequence[Client]) -> None:
    """The retries every call to ``target`` makes, and, when one of them changes something, that it is a mutation
    sent again with no idempotency key unless the service's code names one."""
    attempts = min(c.attempts or 1 for c in calls)
    data["retry"], where["retry"] = {"attempts": attempts}, calls[0].at
    notes.append(f"retry {attempts} attempts: every call to {target} goes through a client that sends it again on any "
                 f"error: {calls[0].retry_why}")
    writer = next((c for c in calls if c.changes), None)
    if writer is None:
        return
    data["mutating"], where["mutating"] = True, writer.at
    notes.append(f"mutating: a retried call sends {target} a request that changes something (.{writer.changes}(...) "
                 f"through {writer.how}, {writer.at.file}:{writer.at.line})")
    if not any(c.keyed for c in calls):
        data["idempotency_key"], where["idempotency_key"] = False, writer.at
        notes.append("idempotency_key false: no code of the calling service names an idempotency key")


def record(body: Body, service: str, found: Sequence[Edge]) -> None:
    """State the interactions ``links`` found for ``service`` in its routes' document."""
    for edge in found:
        if edge.store:
            body.fact("datastores", {"name": edge.target}, edge.at)
        if edge.only_copy:
            body.set("datastores", edge.target, "role", "system_of_record", edge.at)
            body.note("datastores", edge.target, f"role system_of_record: {edge.only_copy}")
        if edge.shared_with and service < min(edge.shared_with):  # said once, by the first of them
            body.set("datastores", edge.target, "credentials_shared", True, edge.at)
            body.note("datastores", edge.target, f"credentials_shared: {service} and {', '.join(edge.shared_with)} "
                                                 "sign in with the same user and password, written out in their "
                                                 "settings (values not shown)")
        if edge.store and edge.data.get("tls_verify") is False and \
                "tls_verify" not in (body.get("datastores", edge.target) or {}):
            body.set("datastores", edge.target, "tls_verify", False, edge.at)
            body.note("datastores", edge.target, f"tls_verify false: {service}'s connection settings accept any "
                                                 f"certificate it presents ({edge.at.file}:{edge.at.line})")
        if edge.data.get("style") == "async":  # a broker the deployment runs: stated too, so that the document loads
            body.fact("services", {"name": edge.target}, edge.at)
        ident = body.fact("interactions", {"from": service, "to": edge.target}, edge.at)
        for k, v in edge.data.items():
            body.set("interactions", ident, k, v, edge.where.get(k, edge.at))
        for note in edge.notes:
            body.note("interactions", ident, note)


__all__ = ["FEIGN_READ_TIMEOUT_MS", "SUFFIXES", "Client", "Edge", "FeignUrl", "cpp_clients", "cpp_store_clients",
           "feign_urls", "go_clients", "go_registered", "java_clients", "links", "record", "service_clients",
           "settings_clients"]
