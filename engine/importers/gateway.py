"""API gateways and reverse proxies -> the routes they serve (``routes_to``) and the calls they make.

The configurations, each read as its own tool reads it:

- Spring Cloud Gateway, in application YAML: ``spring.cloud.gateway.routes`` (also under
  ``server.webflux`` / ``mvc`` / ``server.webmvc``), each with ``uri`` (``lb://orders``,
  ``http://orders:8080``), ``predicates`` (``Path=``, ``Method=``), ``filters`` (and
  ``default-filters``): ``RequestRateLimiter`` sets the endpoint's rate limit, ``CircuitBreaker`` the
  call's circuit breaker, ``Retry`` its retries. The call's timeout is the route's
  ``metadata.response-timeout`` or ``httpclient.response-timeout``; Spring has none by default, but a
  route built in Java may set one, so an unstated timeout stays unknown. The gateway is named by
  ``spring.application.name``.
- Spring Cloud Netflix Zuul, in application YAML (a config server's ``gateway.yml``): ``zuul.routes``
  (``path`` with ``url``, or ``serviceId``, the route's name by default; ``zuul.prefix``). A ``url``
  route is a plain proxy bounded by ``zuul.host.socket-timeout-millis`` (10 s by default); a
  ``serviceId`` route runs in a Hystrix command (a circuit breaker), bounded by the Hystrix timeout or
  ``ribbon.ReadTimeout`` where stated, else unknown.
- Envoy static configuration: the routes of every ``http_connection_manager``
  (``match.prefix``/``path``, a ``:method`` header match) and their ``route.cluster`` (or weighted
  clusters); a cluster's endpoints name the target. The route's ``timeout`` (Envoy's default: 15 s)
  is the call's timeout, its ``retry_policy`` the retries (Envoy backs off exponentially with jitter);
  a cluster's ``circuit_breakers`` or ``outlier_detection`` is a circuit breaker. The gateway is named
  by ``node.cluster``. Its ``admin`` interface, bound beyond the loopback, is an ``admin`` endpoint
  ``<gateway>-admin`` (plain HTTP, no authentication) with the gateway's exposure.
- nginx (``nginx.conf``, ``default.conf``, ``*.conf.template``): every ``location`` with a ``proxy_pass`` or
  ``grpc_pass`` (through an ``upstream`` block's servers), and every one nginx answers itself (``return``, or
  OpenResty's ``content_by_lua*``: the Lua modules its handler requires are found through ``lua_package_path``
  near the configuration, and the clients they open (catalogue ``lua_clients``) are its ``routes_to`` and the
  gateway's calls; a handler whose Lua reads no credential gets ``authn: none``, and the request fields it reads
  classify its data, as a hint; see ``lua_calls``), and every one where nginx sends the files of a directory (an
  ``alias`` or ``root`` and no ``*_pass``; not an ``internal`` one, nor one whose ``try_files`` falls back to a
  named location or a script): it calls nothing (``routes_to: []``), ``authn: none`` unless ``auth_basic``,
  ``auth_request``, ``auth_jwt``, ``deny`` or ``secure_link`` guards it (what the files hold is left unknown).
  Methods come from ``limit_except`` or ``if ($request_method = M)`` blocks (not a CORS ``OPTIONS``; header-only
  blocks for several methods set none apart: ANY; a block that only ``set``s a variable picks an upstream, not a
  method). ``proxy_pass $var`` passes to every URL the location ``set``s ``$var`` to, by default and in its ``if``
  blocks (``routes_to`` each); a
  ``server`` whose every ``listen`` has ``ssl`` serves its endpoints with TLS, one with none in plaintext
  (``tls: false``). ``*_by_lua_block`` bodies are Lua, not directives.
  ``proxy_read_timeout`` (inherited from ``server`` and ``http``; nginx's default 60 s) is the call's timeout,
  ``limit_req`` the endpoint's rate limit (none reaching a location: ``rate_limit: false``, nginx does not limit
  it). Regular-expression and named locations, other variables in a proxied host and ``include``d files are not read:
  each is a warning. ``set_real_ip_from`` peers say ``client_ip_from_header`` (``any`` when they span every
  address: the client's address is then whatever the caller writes in the header).
- Apache httpd (a ``.conf`` with ``<VirtualHost>``/``<Location>`` sections, ``ProxyPass`` or ``SetHandler``; parsed
  by ``httpd_conf``): ``ProxyPass``, ``ProxyPassMatch`` and ``RewriteRule ... [P]`` (top level, in a virtual host or
  a ``<Location>``/``<LocationMatch>``; a pattern is read as its literal prefix), ``balancer://`` URLs through the
  ``<Proxy>`` section's ``BalancerMember``s; ``ProxyTimeout``/``Timeout`` (httpd's default 60 s) or the worker's
  ``timeout=`` is the call's timeout. A virtual host with ``SSLEngine on`` serves with TLS, one without in plaintext.
  ``SetHandler balancer-manager``, ``server-status`` or ``server-info`` is an ``admin`` endpoint named after the
  handler, ``authn: none`` unless ``Require``/``Allow``/``Deny`` restricts it. ``Include`` is not followed (a
  warning). A service's folder hands it over when its Dockerfile copies it into httpd's configuration
  (``httpd_configs``); a folder whose code serves routes runs that code in httpd, and is then no gateway.

- Caddy (a ``Caddyfile``, parsed by ``caddy_conf``): each ``reverse_proxy`` of each site block, through ``handle``,
  ``handle_path``, ``route`` and imported snippets, with a path matcher (``/api/*`` -> ``/api/``; a named matcher is
  not read: a warning), to its upstreams. A site addressed by a port alone, ``http://`` or port 80 serves plain HTTP,
  one addressed by a host name Caddy's automatic HTTPS (unless ``auto_https off``); ``rate_limit`` (a plugin) sets
  the rate limit, none is ``rate_limit: false``; the call's timeout is the transport's ``response_header_timeout`` or
  ``read_timeout``, else none (``0``: Caddy sets no response timeout). The global ``servers`` options'
  ``trusted_proxies`` say ``client_ip_from_header`` (none stated: ``none``, Caddy's default). ``{$VAR}``
  placeholders take the container's environment once compose or Kubernetes is read (``refill``), else their
  default.

A route becomes one endpoint per method it matches, served by the gateway (``--service``, or
``gateway:NAME=PATH``, names it) with ``routes_to`` its targets; a route that matches every method
becomes one endpoint with method ``ANY`` (a note says so). The first route that
matches a method and path wins, as in the gateways. A target host names a service: ``orders``,
``orders:8080``, ``orders.shop.svc.cluster.local`` and ``lb://orders`` are ``orders``; a public
host is an external. Every target is a synchronous call of the gateway.

Exposure is not set: a gateway listens on every interface inside its container whether or not the
network outside reaches it; compose or Kubernetes tell that.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import InputError, Location
from engine.importers import caddy_conf, httpd_conf, lua_calls, nginx_conf
from engine.importers.base import (
    TRUST_ORDER,
    ArtifactDocument,
    Body,
    fail,
    host_exposure,
    listing,
    mapping,
    most_sensitive,
    safe_name,
    split_host,
    trust_of,
)
from engine.model.kinds import identity
from engine.source import DEFAULT_LIMITS, Document, Limits, Path, parse_all, read_text

DEFAULT_NAME = "gateway"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ENVOY_ROUTE_TIMEOUT_MS = 15000
ENVOY_STREAM_IDLE_TIMEOUT_MS = 300000
"""The connection manager's ``stream_idle_timeout`` when unset: it still ends a stream whose upstream is silent."""
NGINX_PROXY_TIMEOUT_MS = 60000
_SPRING_PREFIXES: tuple[tuple[str, ...], ...] = ((), ("server", "webflux"), ("mvc",), ("server", "webmvc"))


# --------------------------------------------------------------------------------------
# Detection and entry
# --------------------------------------------------------------------------------------


def detect(docs: list[Any]) -> bool:
    """Whether parsed YAML documents hold Spring Cloud Gateway or Zuul routes or an Envoy static configuration."""
    return any(_spring_routes(d) is not None or _zuul_routes(d) is not None or _envoy(d) for d in docs)


def detect_text(path: str, text: str) -> bool:
    """Whether a file is an nginx configuration that proxies (judged before YAML parsing)."""
    base = os.path.basename(path)
    if CADDY_NAMES.fullmatch(base):
        return True
    return base.endswith((".conf", ".conf.template")) and (nginx_conf.looks_like(text) or _httpd_proxies(text))


def _httpd_proxies(text: str) -> bool:
    """Whether a text reads as an httpd configuration that proxies or maps a handler (not nginx's grammar)."""
    low = text.lower()
    return httpd_conf.looks_like(text) and not nginx_conf.looks_like(text) and (
        "proxypass" in low or "sethandler" in low or "rewriterule" in low)


def import_file(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
    """Import one gateway configuration: Spring application YAML, Envoy YAML, or an nginx ``.conf``."""
    text = read_text(path, limits)
    if CADDY_NAMES.fullmatch(os.path.basename(path)):
        return [import_caddy(path, text, service)]
    if httpd_conf.looks_like(text) and not nginx_conf.looks_like(text):
        return [_Httpd(path, text, service).run()]
    if os.path.basename(path).endswith((".conf", ".conf.template")):
        return [_Nginx(path, text, service).run()]
    if nginx_conf.looks_like(text):  # perhaps an nginx configuration under another name
        try:
            nginx = _Nginx(path, text, service)
        except InputError:
            pass  # not nginx's grammar: YAML, then
        else:
            return [nginx.run()]
    docs = [d for d in parse_all(text, path, limits, merge_keys=True, artifact=True) if d.data is not None]
    if not docs:
        raise InputError("file is empty", Location(path))
    for doc in docs:
        if _envoy(doc.data):
            return [_envoy_import(doc, service)]
    found = [(d, r) for d in docs for r in [_spring_routes(d.data)] if r is not None]
    if not found and any(_zuul_routes(d.data) is not None for d in docs):
        return [_zuul_import(docs, service)]
    if not found:
        raise fail(docs[0], (), "not a gateway configuration: no spring.cloud.gateway or zuul routes, no Envoy "
                                "static_resources, and not an nginx .conf")
    return [_spring_import(docs, service)]


# --------------------------------------------------------------------------------------
# What every format fills: endpoints with routes_to, and the gateway's calls
# --------------------------------------------------------------------------------------


@dataclass
class _Call:
    """One route's call to a target, as the route configures it."""

    at: Location
    protocol: str
    timeout: tuple[int, Location, str] | None = None
    circuit_breaker: tuple[Location, str] | None = None
    retry: tuple[dict[str, Any], Location, str] | None = None
    tls: tuple[Location, str] | None = None
    """Evidence that the call is encrypted (an https URL, a TLS transport socket)."""
    notes: list[str] = field(default_factory=list)


@dataclass
class _Target:
    name: str
    section: str  # "services" | "externals"
    at: Location
    calls: list[_Call] = field(default_factory=list)


class _Routes:
    """The gateway's endpoints and calls under construction."""

    def __init__(self, file: str, fmt: str, service: str | None, named: tuple[str, Location] | None,
                 named_by: str, agent: str = "infrastructure", gateway: bool = True) -> None:
        self.body = Body(file, agent, f"gateway ({fmt})")
        at = Location(file, 1, 1)
        if service:
            self.name = service
        elif named is not None:
            self.name, at = safe_name(named[0]), named[1]
        else:
            self.name = DEFAULT_NAME
            self.body.remark(at, f"no {named_by} names the gateway: it is imported as '{DEFAULT_NAME}'; name it as "
                                 "compose or Kubernetes does with --service NAME (or gateway:NAME=PATH)")
        if gateway:
            self.body.fact("services", {"name": self.name, "kind": "gateway"}, at)
            self.body.note("services", self.name, f"kind gateway: routes requests ({fmt} configuration)")
        else:  # the web server its own code runs in (mod_php): its configuration's handlers, not a gateway
            self.body.fact("services", {"name": self.name}, at)
        self.targets: dict[str, _Target] = {}

    def target(self, host: str, at: Location) -> str | None:
        """The service (or external) a proxied host names; None (with a warning) when it names none."""
        name, section, why = service_of_host(host)
        if name is None:
            self.body.remark(at, f"proxied host '{host}' {why}: the route's target is unknown")
            return None
        if name == self.name:
            return None
        self.targets.setdefault(name, _Target(name, section, at))
        return name

    def route(self, methods: list[tuple[str, Location]], path: str, at: Location, targets: list[str],
              call: _Call | None, rate_limit: tuple[Location, str] | None = None, why: str = "",
              to_at: Location | None = None, tls: tuple[bool, Location, str] | None = None,
              unlimited: tuple[Location, str] | None = None) -> None:
        """Endpoints for one route: one per method, or one ``ANY`` when it names none."""
        if not path.isprintable() or not path.isascii() or not 0 < len(path) <= 512:
            self.body.remark(at, f"route path {path[:60]!r} is not a printable ASCII path: route not imported")
            return
        stand_in = not methods
        for method, mloc in methods or [("ANY", at)]:
            ident = identity("endpoint", {"method": method, "path": path})
            if self.body.has("endpoints", ident):
                continue  # an earlier route takes this method and path first
            self.body.fact("endpoints", {"method": method, "path": path, "served_by": self.name}, at)
            self.body.set("endpoints", ident, "method", method, mloc, override=True)
            if targets:
                self.body.set("endpoints", ident, "routes_to", sorted(set(targets)),
                              to_at or (call.at if call else at))
            if rate_limit:
                self.body.set("endpoints", ident, "rate_limit", True, rate_limit[0])
                self.body.note("endpoints", ident, f"rate_limit from {rate_limit[1]}")
            elif unlimited:
                self.body.set("endpoints", ident, "rate_limit", False, unlimited[0])
                self.body.note("endpoints", ident, f"rate_limit false: {unlimited[1]}")
            if tls is not None:
                self.body.set("endpoints", ident, "tls", tls[0], tls[1])
                self.body.note("endpoints", ident, f"tls {str(tls[0]).lower()}: {tls[2]}")
            if stand_in:
                self.body.note("endpoints", ident, "the route matches every method (ANY): split it into the "
                                                   "methods it serves")
            if why:
                self.body.note("endpoints", ident, why)
        if call is not None:
            for t in sorted(set(targets)):
                self.targets[t].calls.append(call)

    def document(self) -> Document:
        """The design document: the targets and one call per target, from what every route to it states."""
        body = self.body
        for name in sorted(self.targets):
            tgt = self.targets[name]
            if not tgt.calls:
                continue
            first = tgt.calls[0]
            body.fact(tgt.section, {"name": name}, tgt.at)
            if tgt.section == "externals":
                body.note("externals", name, "a public host the gateway proxies to: confirm it is a third party")
            key = identity("interaction", {"from": self.name, "to": name})
            body.fact("interactions", {"from": self.name, "to": name, "style": "sync",
                                       "protocol": first.protocol}, first.at)
            timeouts = [c.timeout for c in tgt.calls]
            if all(t is not None for t in timeouts):
                stated = [t for t in timeouts if t is not None]
                ms, loc, why = max(stated, key=lambda t: t[0] if t[0] > 0 else 1 << 62)
                body.set("interactions", key, "timeout_ms", ms, loc)
                body.note("interactions", key, f"timeout_ms from {why}" + (
                    " (the longest of its routes)" if len({t[0] for t in stated}) > 1 else ""))
            breakers = [c.circuit_breaker for c in tgt.calls]
            if all(b is not None for b in breakers):
                loc, why = breakers[0]  # type: ignore[misc]
                body.set("interactions", key, "circuit_breaker", True, loc)
                body.note("interactions", key, f"circuit_breaker from {why}")
            elif any(breakers):
                body.note("interactions", key, "circuit_breaker not set: only some routes to it have one")
            retries = [c.retry for c in tgt.calls]
            if all(r is not None for r in retries):
                spec, loc, why = max((r for r in retries if r is not None), key=lambda r: r[0].get("attempts", 0))
                if all("methods" in r[0] for r in retries if r is not None):  # what any of its routes retries
                    every = {m for r in retries if r is not None for m in r[0]["methods"]}
                    spec = {**spec, "methods": [m for m in _RETRY_METHODS if m in every]}
                body.set("interactions", key, "retry", spec, loc)
                body.note("interactions", key, f"retry from {why}")
            elif any(retries):
                body.note("interactions", key, "retry not set: only some routes to it retry")
            secured = [c.tls for c in tgt.calls]
            if all(t is not None for t in secured):
                loc, why = secured[0]  # type: ignore[misc]
                body.set("interactions", key, "tls", True, loc)
                body.note("interactions", key, f"tls from {why}")
            for c in tgt.calls:
                for text in c.notes:
                    body.note("interactions", key, text)
        return body.document()


def _set_values(loc_d: nginx_conf.Directive, proxied: str) -> list[tuple[str, Location]]:
    """The URLs a location passes to when its ``proxy_pass`` is one variable (``proxy_pass $proxpass;``) that the
    location ``set``s, by default and in its ``if`` blocks (``if ($request_method = POST) { set $proxpass
    "http://lemmy"; }``): each is an upstream some of its requests reach. Empty when it sets none or sets one from
    another variable."""
    var = proxied.strip()
    if not re.fullmatch(r"\$[A-Za-z_]\w*", var) or loc_d.children is None:
        return []
    found: list[tuple[str, Location]] = []
    blocks = [loc_d, *(c for c in loc_d.children if c.name == "if" and c.children is not None)]
    for block in blocks:
        for c in block.children or []:
            if c.name == "set" and len(c.args) == 2 and c.args[0].text == var:
                value = c.args[1].text.strip("'\"")
                if "$" in value:
                    return []
                if value not in [v for v, _l in found]:
                    found.append((value, c.args[1].location))
    return found


def service_of_host(host: str) -> tuple[str | None, str, str]:
    """(name, section, why-not) of a proxied host: a service for an internal name, an external for a
    public one; None for an address, a variable or nothing."""
    h = host.strip().lower()
    name, colon, port = h.rpartition(":")
    if colon and port.isdigit() and ":" not in name:  # host:port
        h = name
    h = h.rstrip(".")
    if h.startswith("[") or not h:
        return None, "", "is not a host name"
    if "$" in h or "{" in h:
        return None, "", "is a variable, filled in where the gateway runs"
    try:
        ipaddress.ip_address(h)
        return None, "", "is an IP address, not a service name"
    except ValueError:
        pass
    if h == "localhost" or h.endswith(".localhost"):
        return None, "", "is the gateway's own host, not a service name"
    exposure = host_exposure(h)
    if exposure == "public":
        return safe_name(h), "externals", ""
    return safe_name(h.split(".", 1)[0]), "services", ""


def _host_of_url(url: str) -> tuple[str, str]:
    """(scheme, host) of a proxied URL; host empty when there is none."""
    scheme, host, _path = split_host(url)
    return scheme, host


_PROTOCOLS = {"grpc": "grpc", "grpcs": "grpc", "ws": "websocket", "wss": "websocket"}


def _duration_ms(text: str, default_unit: str) -> int | None:
    """``10s``, ``500ms``, ``1m30s``, ``0.25s``, ``PT5S``, a bare number in ``default_unit``; None when unreadable."""
    units = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}
    t = text.strip().lower()
    if t.startswith("pt"):  # ISO-8601 (Spring): PT1M30S
        t = t[2:]
    if not t:
        return None
    total = 0.0
    num = ""
    unit = ""
    for ch in t + "\0":
        if ch.isdigit() or ch == ".":
            if unit:
                if unit not in units or not num:
                    return None
                total += float(num) * units[unit]
                num, unit = "", ""
            num += ch
        elif ch.isalpha():
            unit += ch
        elif ch == "\0":
            if not num:
                return None
            u = unit or default_unit
            if u not in units:
                return None
            try:
                total += float(num) * units[u]
            except ValueError:
                return None
        else:
            return None
    return int(total)


# --------------------------------------------------------------------------------------
# Spring Cloud Gateway
# --------------------------------------------------------------------------------------


def _prop(node: Any, parts: tuple[str, ...], at: Path = ()) -> tuple[Any, Path] | None:
    """The value at a dotted Spring property, written nested or with dotted keys (``spring.cloud: ...``)."""
    if not parts:
        return node, at
    if not isinstance(node, dict):
        return None
    for key, value in node.items():
        if not isinstance(key, str):
            continue
        kparts = tuple(key.split("."))
        if parts[:len(kparts)] == kparts:
            found = _prop(value, parts[len(kparts):], (*at, key))
            if found is not None:
                return found
    return None


def _gateway_props(data: Any) -> tuple[Any, Path, tuple[str, ...]] | None:
    """The ``spring.cloud.gateway`` node, its path, and the prefix its routes live under."""
    gw = _prop(data, ("spring", "cloud", "gateway"))
    if gw is None:
        return None
    for prefix in _SPRING_PREFIXES:
        if _prop(gw[0], (*prefix, "routes")) is not None:
            return gw[0], gw[1], prefix
    return None


def _spring_routes(data: Any) -> Any:
    found = _gateway_props(data)
    return None if found is None else _prop(found[0], (*found[2], "routes"))


@dataclass(frozen=True)
class _Step:
    """A predicate or filter: its name, its values, its named arguments, and where it stands."""

    name: str
    values: list[str]
    named: dict[str, Any]
    location: Location
    default: bool = False
    """One of ``default-filters``, applied to every route."""


def _shortcut(doc: Document, item: Any, at: Path, what: str) -> _Step:
    """``Name=a,b`` or ``{name: Name, args: {...}}``."""
    loc = doc.locate(at)
    if isinstance(item, str):
        name, _eq, rest = item.partition("=")
        return _Step(name.strip(), [a.strip() for a in rest.split(",") if a.strip()], {}, loc)
    spec = mapping(doc, item, at, what)
    given = spec.get("name")
    if not isinstance(given, str):
        raise fail(doc, at, f"a {what} needs a 'name' string")
    args = spec.get("args")
    values: list[str] = []
    if isinstance(args, dict):
        for v in args.values():
            if isinstance(v, list):
                values += [str(x) for x in v if isinstance(x, (str, int, float))]
            elif isinstance(v, (str, int, float)) and not isinstance(v, bool):
                values += [a.strip() for a in str(v).split(",") if a.strip()]
    elif isinstance(args, (str, int)) and not isinstance(args, bool):
        values = [a.strip() for a in str(args).split(",") if a.strip()]
    return _Step(given, values, args if isinstance(args, dict) else {}, loc)


def _application_name(docs: list[Document]) -> tuple[str, Location] | None:
    """``spring.application.name`` of the first document that states one (not a placeholder)."""
    for doc in docs:
        app = _prop(doc.data, ("spring", "application", "name"))
        if app is not None and isinstance(app[0], str) and app[0].strip() and "$" not in app[0]:
            return app[0], doc.locate(app[1])
    return None


def _spring_import(docs: list[Document], service: str | None) -> Document:
    named = _application_name(docs)
    routes = _Routes(docs[0].file, "Spring Cloud Gateway", service, named, "spring.application.name")
    for doc in docs:
        found = _gateway_props(doc.data)
        if found is None:
            continue
        profile = _prop(doc.data, ("spring", "config", "activate", "on-profile")) or _prop(doc.data, (
            "spring", "profiles"))
        if profile is not None and len(docs) > 1 and doc is not docs[0]:
            routes.body.remark(doc.locate(profile[1]), "routes of a profile-specific document are read as if the "
                                                       "profile were active")
        gw, gw_path, prefix = found
        timeout = _spring_timeout(doc, gw, gw_path, prefix)
        connect = next((c for pre in (prefix, ()) for c in [_prop(gw, (*pre, "httpclient", "connect-timeout"))]
                        if c is not None and isinstance(c[0], (int, str))), None)
        connect_timeout = f"httpclient.connect-timeout {connect[0]}" if connect else None
        dnode, dpath = _prop(gw, (*prefix, "default-filters")) or (None, ())
        dpath = (*gw_path, *dpath)
        default_filters = [dataclasses.replace(_shortcut(doc, f, (*dpath, i), "filter"), default=True)
                           for i, f in enumerate(listing(doc, dnode, dpath, "default-filters"))]
        rnode, rpath = _prop(gw, (*prefix, "routes")) or (None, ())
        rpath = (*gw_path, *rpath)
        for i, raw in enumerate(listing(doc, rnode, rpath, "spring.cloud.gateway routes")):
            _spring_route(doc, routes, mapping(doc, raw, (*rpath, i), "a route"), (*rpath, i), timeout,
                          connect_timeout, default_filters)
    return routes.document()


def _spring_timeout(doc: Document, gw: Any, gw_path: Path, prefix: tuple[str, ...]) -> tuple[int, Location,
                                                                                               str] | None:
    for pre in (prefix, ()):
        found = _prop(gw, (*pre, "httpclient", "response-timeout"))
        if found is not None:
            loc = doc.locate((*gw_path, *found[1]))
            ms = _duration_ms(str(found[0]), "ms") if isinstance(found[0], (str, int)) else None
            if ms is None:
                raise InputError(f"response-timeout {found[0]!r} is not a duration (e.g. 5s, 500ms, PT5S)", loc)
            return ms, loc, "httpclient.response-timeout"
    return None


def _spring_route(doc: Document, routes: _Routes, route: dict[str, Any], at: Path,
                  timeout: tuple[int, Location, str] | None, connect_timeout: str | None,
                  default_filters: list[_Step]) -> None:
    rid = route.get("id")
    label = f"route {rid}" if isinstance(rid, (str, int)) and not isinstance(rid, bool) else f"route {at[-1]}"
    uri = route.get("uri")
    if not isinstance(uri, str):
        raise fail(doc, (*at, "uri"), f"{label} needs a 'uri' string (lb://service or http://host:port)")
    uri_loc = doc.locate((*at, "uri"))
    paths, methods, others = _spring_predicates(doc, routes, route, at, label)
    filters = default_filters + [_shortcut(doc, f, (*at, "filters", i), "filter")
                                 for i, f in enumerate(listing(doc, route.get("filters"), (*at, "filters"),
                                                               "filters"))]
    scheme, host = _spring_target(uri)
    targets: list[str] = []
    call: _Call | None = None
    if scheme in ("forward", "no"):
        why = f"{label} is served by the gateway itself ({uri})"
    else:
        why = ""
        target = routes.target(host, uri_loc) if host else None
        if not host:
            routes.body.remark(uri_loc, f"{label}: uri {uri!r} names no host: the route's target is unknown")
        if target:
            targets = [target]
            call = _Call(uri_loc, _PROTOCOLS.get(scheme, "http"), _route_timeout(doc, route, at, timeout))
            if scheme in ("https", "wss"):
                call.tls = (uri_loc, f"the {scheme} uri of {label}")
    rate: tuple[Location, str] | None = None
    for f in filters:
        of = "default-filters" if f.default else label
        if f.name == "RequestRateLimiter":
            rate = (f.location, f"the RequestRateLimiter filter of {of}")
        elif f.name in ("CircuitBreaker", "Hystrix", "SpringCloudCircuitBreaker") and call is not None:
            call.circuit_breaker = (f.location, f"the {f.name} filter of {of}")
            if f.name != "Hystrix":
                limit = _time_limiter(doc, f, of)
                if call.timeout is None or 0 < limit[0] < call.timeout[0] or call.timeout[0] == 0:
                    call.timeout = limit  # the shorter of two bounds (a response timeout, the time limiter) ends it
        elif f.name == "Retry" and call is not None:
            call.retry = (_spring_retry(f), f.location, f"the Retry filter of {of}")
    if call is not None and call.timeout is None:
        connect = _spring_connect(doc, route, at, connect_timeout)
        call.notes.append(f"timeout_ms unknown: {label} states no response timeout (Spring Cloud Gateway "
                          "waits without limit unless a route built in code sets one)" + (
                              f"; {connect} bounds only the connection" if connect else ""))
    if not methods and targets:
        for path, _loc in paths:
            strips = _spring_strips(path, filters)
            if strips is not None:
                routes.body.strips.setdefault(f"ANY {path}", strips)
    if others:
        why = "; ".join(w for w in (why, f"{label} also matches on {', '.join(sorted(set(others)))}") if w)
    if not paths:
        paths = [("/**", doc.locate(at))]
        why = "; ".join(w for w in (why, f"{label} has no Path predicate: it matches every path") if w)
    for path, loc in paths:
        routes.route(methods, path, loc, targets, call, rate, why)


RESILIENCE4J_TIME_LIMIT_MS = 1000
"""Resilience4j's default TimeLimiter timeout, which Spring Cloud CircuitBreaker applies to every call it wraps."""


def _time_limiter(doc: Document, step: _Step, of: str) -> tuple[int, Location, str]:
    """The bound a CircuitBreaker filter puts on the call: its Resilience4j time limiter (the instance named after
    the breaker, else the default configuration, else Resilience4j's 1 s)."""
    name = step.named.get("name") or next((v.split("=", 1)[1] for v in step.values if v.startswith("name=")),
                                          step.values[0] if step.values and "=" not in step.values[0] else None)
    for where in ([("instances", str(name))] if isinstance(name, str) else []) + [("configs", "default")]:
        for key in ("timeout-duration", "timeoutDuration"):
            found = _prop(doc.data, ("resilience4j", "timelimiter", *where, key))
            if found is not None and isinstance(found[0], (str, int)) and not isinstance(found[0], bool):
                ms = _duration_ms(str(found[0]), "ms")
                if ms is not None:
                    return ms, doc.locate(found[1]), f"resilience4j.timelimiter.{'.'.join(where)}.{key}"
    return (RESILIENCE4J_TIME_LIMIT_MS, step.location,
            f"the time limiter of the {step.name} filter of {of} (Resilience4j's default, 1 s, unless code sets one)")


def _spring_strips(path: str, filters: list[_Step]) -> bool | None:
    """Whether a route forwards its path without its literal prefix (``StripPrefix=N``, N the prefix's segments:
    True) or as it is (no filter that rewrites the path: False); None when a filter rewrites it otherwise."""
    rewrites = [f for f in filters if f.name in ("StripPrefix", "RewritePath", "PrefixPath", "SetPath")]
    if not rewrites:
        return False
    if len(rewrites) > 1 or rewrites[0].name != "StripPrefix":
        return None
    step = rewrites[0]
    raw = step.named.get("parts", step.values[0] if step.values else "1")  # StripPrefix strips one part by default
    prefix = path.removesuffix("**").removesuffix("*")
    segments = [s for s in prefix.split("/") if s]
    if not prefix.endswith("/") or any(c in s for s in segments for c in "{}*?"):
        return None
    if str(raw).strip().isdigit() and int(str(raw)) == len(segments):
        return True
    return None


def _spring_predicates(doc: Document, routes: _Routes, route: dict[str, Any], at: Path, label: str) -> tuple[
        list[tuple[str, Location]], list[tuple[str, Location]], list[str]]:
    """A Spring route's Path and Method predicates, and the names of the others (which archplan does not read)."""
    paths: list[tuple[str, Location]] = []
    methods: list[tuple[str, Location]] = []
    others: list[str] = []
    for i, p in enumerate(listing(doc, route.get("predicates"), (*at, "predicates"), "predicates")):
        pred = _shortcut(doc, p, (*at, "predicates", i), "predicate")
        if pred.name == "Path":
            paths += [(a, pred.location) for a in pred.values]
        elif pred.name == "Method":
            for a in pred.values:
                if a.upper() in HTTP_METHODS:
                    methods.append((a.upper(), pred.location))
                else:
                    routes.body.remark(pred.location, f"{label}: method '{a}' is not an HTTP method archplan knows")
        else:
            others.append(pred.name)
    return paths, methods, others


def _spring_connect(doc: Document, route: dict[str, Any], at: Path, default: str | None) -> str | None:
    meta = route.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("connect-timeout"), (int, str)):
        return f"metadata.connect-timeout {meta['connect-timeout']}"
    return default


def _placeholders(text: str) -> str:
    """Spring's ``${NAME:default}`` placeholders replaced by their defaults (one left-to-right pass);
    one without a default stays, so that the host reads as a variable."""
    out: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("${", i)
        end = text.find("}", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(text[i:])
            break
        _name, colon, default = text[start + 2:end].partition(":")
        out.append(text[i:start])
        out.append(default if colon else text[start:end + 1])
        i = end + 1
    return "".join(out)


def _spring_target(uri: str) -> tuple[str, str]:
    """(scheme, host) of a route uri: ``lb://orders`` and ``lb:ws://orders`` -> orders."""
    text = _placeholders(uri.strip())
    if text.startswith("lb:") and not text.startswith("lb://"):
        text = text[3:]
    if text.startswith("forward:"):
        return "forward", ""
    if text.startswith("no://"):
        return "no", ""
    scheme, host = _host_of_url(text)
    if not host and "${" in text:
        return scheme, text
    return ("http" if scheme == "lb" else scheme), host


def _route_timeout(doc: Document, route: dict[str, Any], at: Path,
                   default: tuple[int, Location, str] | None) -> tuple[int, Location, str] | None:
    meta = route.get("metadata")
    if isinstance(meta, dict) and "response-timeout" in meta:
        loc = doc.locate((*at, "metadata", "response-timeout"))
        raw = meta["response-timeout"]
        ms = _duration_ms(str(raw), "ms") if isinstance(raw, (int, str)) and not isinstance(raw, bool) else None
        if isinstance(raw, int) and raw < 0:
            return 0, loc, "metadata.response-timeout -1 (no timeout)"
        if ms is None:
            raise InputError(f"response-timeout {raw!r} is not a duration in milliseconds", loc,
                             "metadata.response-timeout")
        return ms, loc, "the route's metadata.response-timeout"
    return default


_RETRY_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH")


def _spring_retry(step: _Step) -> dict[str, Any]:
    """The Retry filter's policy: ``retries`` (default 3) more attempts; no backoff unless configured; the
    ``methods`` it retries (default GET only, so a POST through it is never replayed)."""
    raw = step.named.get("retries", step.values[0] if step.values and not step.named else None)
    retries = int(raw) if isinstance(raw, (int, str)) and not isinstance(raw, bool) and str(raw).isdigit() else 3
    spec: dict[str, Any] = {"attempts": retries + 1, "backoff": "none"}
    named = step.named.get("methods", "GET")
    listed = named.split(",") if isinstance(named, str) else named if isinstance(named, list) else []
    wanted = {str(m).strip().upper() for m in listed}
    spec["methods"] = [m for m in _RETRY_METHODS if m in wanted]
    backoff = step.named.get("backoff")
    if isinstance(backoff, dict):
        factor = backoff.get("factor", 2)  # Spring's default factor
        spec["backoff"] = "exponential" if isinstance(factor, (int, float)) and factor > 1 else "fixed"
    return spec


# --------------------------------------------------------------------------------------
# Spring Cloud Netflix Zuul
# --------------------------------------------------------------------------------------

ZUUL_HOST_SOCKET_TIMEOUT_MS = 10000


def _zuul_routes(data: Any) -> Any:
    found = _prop(data, ("zuul", "routes"))
    return found[0] if found is not None and isinstance(found[0], dict) and found[0] else None


def _ms_prop(doc: Document, data: Any, parts: tuple[str, ...]) -> tuple[int, Location, str] | None:
    """A whole number of milliseconds at a dotted property (``ribbon.ReadTimeout``), with where it stands."""
    found = _prop(data, parts)
    if found is None:
        return None
    value, at = found
    loc = doc.locate(at)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise InputError(f"{'.'.join(parts)} {value!r} is not a number of milliseconds", loc, ".".join(parts))
    return int(str(value).strip()), loc, f"{'.'.join(parts)} {value}"


def _zuul_import(docs: list[Document], service: str | None) -> Document:
    """Zuul routes: ``zuul.routes.<name>`` with ``path`` and ``url`` (a plain HTTP proxy, bounded by
    ``zuul.host.socket-timeout-millis``, 10 s by default) or ``serviceId`` (the route's name by default:
    a Ribbon call wrapped in a Hystrix command, so a circuit breaker, bounded by the Hystrix timeout or
    ``ribbon.ReadTimeout`` where stated)."""
    routes = _Routes(docs[0].file, "Zuul", service, _application_name(docs), "spring.application.name")
    for doc in docs:
        table = _zuul_routes(doc.data)
        if table is None:
            continue
        found = _prop(doc.data, ("zuul", "routes"))
        assert found is not None
        rpath = found[1]
        prefix_node = _prop(doc.data, ("zuul", "prefix"))
        prefix = str(prefix_node[0]).rstrip("/") if prefix_node and isinstance(prefix_node[0], str) else ""
        ignored = _prop(doc.data, ("zuul", "ignoredServices")) or _prop(doc.data, ("zuul", "ignored-services"))
        if ignored is None or str(ignored[0]).strip() != "*":
            routes.body.remark(doc.locate(rpath), "zuul.ignoredServices is not '*': Zuul also routes /<service>/** "
                                                  "to every service the registry knows; only the routes written "
                                                  "here are imported")
        host_timeout = _ms_prop(doc, doc.data, ("zuul", "host", "socket-timeout-millis"))
        for name, given in table.items():
            at = (*rpath, name)
            loc = doc.locate(at)
            label = f"zuul route {name}"
            spec = mapping(doc, {"path": given} if isinstance(given, str) else given, at, label)
            path = spec.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise fail(doc, (*at, "path"), f"{label} needs a 'path' such as /orders/**")
            url = spec.get("url")
            call: _Call | None = None
            targets: list[str] = []
            if isinstance(url, str):
                url_loc = doc.locate((*at, "url"))
                scheme, host = _host_of_url(_placeholders(url.strip()))
                if url.strip().startswith("forward:"):
                    routes.route([], prefix + path, loc, [], None, None, f"{label} is served by the gateway itself")
                    continue
                target = routes.target(host, url_loc) if host else None
                if target:
                    targets = [target]
                    timeout = host_timeout or (ZUUL_HOST_SOCKET_TIMEOUT_MS, url_loc,
                                               "Zuul's default zuul.host.socket-timeout-millis (10 s)")
                    call = _Call(url_loc, _PROTOCOLS.get(scheme, "http"), timeout)
                    if scheme == "https":
                        call.tls = (url_loc, f"the https url of {label}")
                    call.notes.append(f"{label} proxies a plain URL: no Hystrix command, so no circuit breaker")
            else:
                sid = spec.get("serviceId", spec.get("service-id", name))
                sid_at = (*at, "serviceId") if "serviceId" in spec else (*at, "service-id") if "service-id" in spec \
                    else at
                target = routes.target(str(sid), doc.locate(sid_at))
                if target:
                    targets = [target]
                    budget = next((t for t in (
                        _ms_prop(doc, doc.data, ("hystrix", "command", str(sid), "execution", "isolation", "thread",
                                                 "timeoutInMilliseconds")),
                        _ms_prop(doc, doc.data, ("hystrix", "command", "default", "execution", "isolation", "thread",
                                                 "timeoutInMilliseconds")),
                        _ms_prop(doc, doc.data, (str(sid), "ribbon", "ReadTimeout")),
                        _ms_prop(doc, doc.data, ("ribbon", "ReadTimeout"))) if t is not None), None)
                    call = _Call(doc.locate(sid_at), "http", budget)
                    call.circuit_breaker = (doc.locate(sid_at), f"the Hystrix command Zuul wraps around {label} "
                                                                "(serviceId routes only)")
                    if budget is None:
                        call.notes.append(f"timeout_ms unknown: {label} states no Hystrix or Ribbon timeout (the "
                                          "defaults depend on the Spring Cloud version)")
            _zuul_route(routes, spec, prefix + path, loc, targets, call)
    return routes.document()


def _zuul_route(routes: _Routes, spec: dict[str, Any], path: str, loc: Location, targets: list[str],
                call: _Call | None) -> None:
    """A Zuul route's endpoint, and whether Zuul strips its prefix before forwarding (``stripPrefix``, on by
    default)."""
    routes.route([], path, loc, targets, call, None, "")
    strip = spec.get("stripPrefix", spec.get("strip-prefix", True))
    routes.body.strips.setdefault(f"ANY {path}", str(strip).lower() != "false")


# --------------------------------------------------------------------------------------
# Envoy
# --------------------------------------------------------------------------------------


def _envoy(data: Any) -> bool:
    res = data.get("static_resources") if isinstance(data, dict) else None
    return isinstance(res, dict) and ("listeners" in res or "clusters" in res)


@dataclass
class _Cluster:
    name: str
    hosts: list[tuple[str, Location]]
    breaker: tuple[Location, str] | None
    protocol: str
    tls: tuple[Location, str] | None = None


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _envoy_import(doc: Document, service: str | None,
                  env: Mapping[str, tuple[str, Location]] | None = None) -> Document:
    """An Envoy configuration; a cluster address written as a variable (a template its container fills with
    ``envsubst`` at start) takes the value ``env`` (the container's environment) gives it."""
    root = mapping(doc, doc.data, (), "an Envoy configuration")
    node = root.get("node")
    named = None
    if isinstance(node, dict) and isinstance(node.get("cluster"), str) and node["cluster"].strip():
        named = (node["cluster"], doc.locate(("node", "cluster")))
    routes = _Routes(doc.file, "Envoy", service, named, "node.cluster")
    res = mapping(doc, root.get("static_resources"), ("static_resources",), "static_resources")
    clusters: dict[str, _Cluster] = {}
    cpath: Path = ("static_resources", "clusters")
    for i, raw in enumerate(listing(doc, res.get("clusters"), cpath, "clusters")):
        c = _envoy_cluster(doc, routes, mapping(doc, raw, (*cpath, i), "a cluster"), (*cpath, i), env)
        if c is not None:
            clusters.setdefault(c.name, c)
    lpath: Path = ("static_resources", "listeners")
    for i, raw in enumerate(listing(doc, res.get("listeners"), lpath, "listeners")):
        listener = mapping(doc, raw, (*lpath, i), "a listener")
        for j, chain in enumerate(listing(doc, listener.get("filter_chains"), (*lpath, i, "filter_chains"),
                                          "filter_chains")):
            cat: Path = (*lpath, i, "filter_chains", j)
            chain_map = mapping(doc, chain, cat, "a filter chain")
            ts = chain_map.get("transport_socket")
            tls = (True, doc.locate((*cat, "transport_socket")), "the listener's TLS transport_socket") \
                if isinstance(ts, dict) and "tls" in str(ts.get("name", "")) else \
                (False, doc.locate(cat), "the listener's filter chain has no TLS transport_socket: plain HTTP")
            for k, flt in enumerate(listing(doc, chain_map.get("filters"), (*cat, "filters"), "filters")):
                fat: Path = (*cat, "filters", k)
                fmap = mapping(doc, flt, fat, "a filter")
                if "http_connection_manager" not in str(fmap.get("name", "")):
                    continue
                key = "typed_config" if "typed_config" in fmap else "config"
                _envoy_hcm(doc, routes, mapping(doc, fmap.get(key), (*fat, key), "an http_connection_manager"),
                           (*fat, key), clusters, tls)
    _envoy_admin(doc, routes, root)
    out = routes.document()
    templated = any(_VARIABLE.search(h) for c in clusters.values() for h, _l in c.hosts)
    if env is None and templated and isinstance(out, ArtifactDocument):
        out.refill = (routes.name, lambda given: _envoy_import(doc, service or routes.name, given))
    return out


def _envoy_admin(doc: Document, routes: _Routes, root: dict[str, Any]) -> None:
    """Envoy's admin interface (``admin.address``): an endpoint ``<gateway>-admin``, ``admin: true``, when it
    listens beyond the loopback. It has no authentication and no TLS of its own, and answers ``/config_dump``,
    ``/quitquitquit`` and ``/drain_listeners`` to whoever reaches it; the endpoint takes the gateway's exposure
    (the port the interface listens on is named in the note, to check against what is published)."""
    admin = root.get("admin")
    sock = admin.get("address") if isinstance(admin, dict) else None
    sock = sock.get("socket_address") if isinstance(sock, dict) else None
    if not isinstance(sock, dict):
        return
    address, port = str(sock.get("address", "")).strip(), sock.get("port_value")
    at = doc.locate(("admin", "address", "socket_address"))
    try:
        loopback = ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        loopback = address.lower() == "localhost"
    if loopback or not address:
        return
    name = safe_name(f"{routes.name}-admin")
    routes.body.fact("endpoints", {"name": name, "method": "ANY", "path": "/", "served_by": routes.name}, at)
    routes.body.set("endpoints", name, "admin", True, doc.locate(("admin",)))
    routes.body.note("endpoints", name, f"admin true: Envoy's admin interface on {address}:{port}, which dumps the "
                                        "configuration and drains or stops the proxy for whoever reaches it")
    routes.body.set("endpoints", name, "tls", False, at)
    routes.body.note("endpoints", name, "tls false: Envoy's admin interface serves plain HTTP")
    routes.body.set("endpoints", name, "authn", "none", doc.locate(("admin",)))
    routes.body.note("endpoints", name, "authn none: Envoy's admin interface has no authentication")


def _envoy_cluster(doc: Document, routes: _Routes, c: dict[str, Any], at: Path,
                   env: Mapping[str, tuple[str, Location]] | None = None) -> _Cluster | None:
    name = c.get("name")
    if not isinstance(name, str):
        raise fail(doc, (*at, "name"), "a cluster needs a 'name' string")
    hosts: list[tuple[str, Location]] = []

    def filled(m: re.Match[str]) -> str:
        value = (env or {}).get(m.group(1) or m.group(2))
        return value[0] if value is not None and "$" not in value[0] else m.group(0)

    def socket(addr: Any, where: Path) -> None:
        sa = addr.get("socket_address") if isinstance(addr, dict) else None
        if isinstance(sa, dict) and isinstance(sa.get("address"), str):
            address = _VARIABLE.sub(filled, sa["address"]) if env else sa["address"]
            hosts.append((address, doc.locate((*where, "socket_address", "address"))))
        elif isinstance(addr, dict) and "pipe" in addr:
            routes.body.remark(doc.locate(where), f"cluster {name}: a pipe address names no service")

    la = c.get("load_assignment")
    if isinstance(la, dict):
        for i, ep in enumerate(listing(doc, la.get("endpoints"), (*at, "load_assignment", "endpoints"), "endpoints")):
            ep_at: Path = (*at, "load_assignment", "endpoints", i)
            lbs = ep.get("lb_endpoints") if isinstance(ep, dict) else None
            for j, lb in enumerate(listing(doc, lbs, (*ep_at, "lb_endpoints"), "lb_endpoints")):
                endpoint = lb.get("endpoint") if isinstance(lb, dict) else None
                if isinstance(endpoint, dict):
                    socket(endpoint.get("address"), (*ep_at, "lb_endpoints", j, "endpoint", "address"))
    for i, h in enumerate(listing(doc, c.get("hosts"), (*at, "hosts"), "hosts")):
        socket(h, (*at, "hosts", i))
    if not hosts:
        routes.body.remark(doc.locate(at), f"cluster {name} names no static address (EDS or none): the routes to "
                                           "it have no known target")
    breaker = None
    for key in ("circuit_breakers", "outlier_detection"):
        if key in c and c[key] is not None:
            breaker = (doc.locate((*at, key)), f"the {key} of cluster {name}")
            break
    h2 = any(k in c for k in ("http2_protocol_options", "grpc_service"))
    ts = c.get("transport_socket")
    tls = None
    if isinstance(ts, dict) and "tls" in str(ts.get("name", "")):
        tls = (doc.locate((*at, "transport_socket")), f"the TLS transport_socket of cluster {name}")
    return _Cluster(name, hosts, breaker, "grpc" if h2 and "grpc" in name.lower() else "http", tls)


def _envoy_hcm(doc: Document, routes: _Routes, hcm: dict[str, Any], at: Path, clusters: dict[str, _Cluster],
               tls: tuple[bool, Location, str]) -> None:
    if "rds" in hcm:
        routes.body.remark(doc.locate((*at, "rds")), "routes from RDS are served at run time: not imported")
    rate = None
    for i, f in enumerate(listing(doc, hcm.get("http_filters"), (*at, "http_filters"), "http_filters")):
        fname = f.get("name") if isinstance(f, dict) else None
        if isinstance(fname, str) and "ratelimit" in fname.replace("_", ""):
            rate = (doc.locate((*at, "http_filters", i)), f"the {fname} filter")
    idle = _envoy_idle(doc, hcm, at, "stream_idle_timeout", "the connection manager's")
    if idle is None:
        idle = (ENVOY_STREAM_IDLE_TIMEOUT_MS, doc.locate(at),
                "Envoy's default stream_idle_timeout (5 min), which still ends a silent upstream")
    rc = mapping(doc, hcm.get("route_config"), (*at, "route_config"), "route_config")
    for i, vh in enumerate(listing(doc, rc.get("virtual_hosts"), (*at, "route_config", "virtual_hosts"),
                                   "virtual_hosts")):
        vat: Path = (*at, "route_config", "virtual_hosts", i)
        vmap = mapping(doc, vh, vat, "a virtual host")
        vh_retry = vmap.get("retry_policy")
        for j, r in enumerate(listing(doc, vmap.get("routes"), (*vat, "routes"), "routes")):
            _envoy_route(doc, routes, mapping(doc, r, (*vat, "routes", j), "a route"), (*vat, "routes", j),
                         clusters, rate, vh_retry, (*vat, "retry_policy"), tls, idle)


def _envoy_route(doc: Document, routes: _Routes, r: dict[str, Any], at: Path, clusters: dict[str, _Cluster],
                 rate: tuple[Location, str] | None, vh_retry: Any, vh_retry_at: Path,
                 tls: tuple[bool, Location, str] | None = None,
                 idle: tuple[int, Location, str] | None = None) -> None:
    match = mapping(doc, r.get("match"), (*at, "match"), "match")
    path: str | None = None
    for key in ("path", "prefix", "path_separated_prefix"):
        if isinstance(match.get(key), str):
            path = match[key] or "/"
            break
    if path is None:
        routes.body.remark(doc.locate((*at, "match")), "a route matched by a regular expression or a template is "
                                                        "not imported")
        return
    methods: list[tuple[str, Location]] = []
    for i, h in enumerate(listing(doc, match.get("headers"), (*at, "match", "headers"), "headers")):
        if isinstance(h, dict) and h.get("name") == ":method":
            sm = h.get("string_match")
            value = h.get("exact_match") or (sm.get("exact") if isinstance(sm, dict) else None)
            if isinstance(value, str) and value.upper() in HTTP_METHODS:
                methods.append((value.upper(), doc.locate((*at, "match", "headers", i))))
    action = r.get("route")
    if not isinstance(action, dict):
        what = "redirect" if "redirect" in r else "direct_response" if "direct_response" in r else "no route"
        routes.body.remark(doc.locate(at), f"route {path}: a {what}, answered by the gateway itself: not imported")
        return
    aat: Path = (*at, "route")
    names: list[tuple[str, Location]] = []
    if isinstance(action.get("cluster"), str):
        names.append((action["cluster"], doc.locate((*aat, "cluster"))))
    wc = action.get("weighted_clusters")
    if isinstance(wc, dict):
        for i, c in enumerate(listing(doc, wc.get("clusters"), (*aat, "weighted_clusters", "clusters"), "clusters")):
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                names.append((c["name"], doc.locate((*aat, "weighted_clusters", "clusters", i, "name"))))
    if "cluster_header" in action:
        routes.body.remark(doc.locate((*aat, "cluster_header")), f"route {path}: the cluster comes from a request "
                                                                 "header: the target is unknown")
    timeout = _envoy_timeout(doc, action, aat, idle)
    retry_at: Path = (*aat, "retry_policy") if "retry_policy" in action else vh_retry_at
    retry_spec = action.get("retry_policy", vh_retry)
    targets: list[str] = []
    rewrite = action.get("prefix_rewrite")
    invoked = _DAPR_INVOKE.match(rewrite) if isinstance(rewrite, str) else None
    for cname, cloc in names:
        cluster = clusters.get(cname)
        if cluster is None:
            raise InputError(f"route {path}: no cluster named '{cname}' in static_resources.clusters", cloc)
        for host, hloc in cluster.hosts:
            t = _envoy_target(routes, host, hloc, invoked, doc.locate((*aat, "prefix_rewrite")), path)
            if t is None:
                continue
            targets.append(t)
            call = _Call(cloc, cluster.protocol, timeout, cluster.breaker, tls=cluster.tls)
            if isinstance(retry_spec, dict):
                whose = "the route's" if "retry_policy" in action else "the virtual host's"
                call.retry = (_envoy_retry(retry_spec), doc.locate(retry_at), f"{whose} retry_policy")
            routes.targets[t].calls.append(call)
    routes.route(methods, path, doc.locate((*at, "match")), targets, None, rate,
                 to_at=names[0][1] if names else None, tls=tls)
    # the path the target sees: kept, or the matched prefix replaced by "/" (prefix_rewrite, or Dapr's invocation of
    # an app, whose sidecar hands the rest of the path to the app's root); any other rewrite
    # says nothing a service's own routes can be placed under
    if "regex_rewrite" not in action and (rewrite is None or rewrite in ("/", "") or invoked) and "prefix" in match:
        for method in [m for m, _l in methods] or ["ANY"]:
            routes.body.strips.setdefault(f"{method} {path}", rewrite is not None)


_DAPR_INVOKE = re.compile(r"^/v1\.0/invoke/(?P<app>[A-Za-z0-9][\w-]*)(?:\.[\w-]+)?/method/?$")
"""A prefix rewrite onto Dapr's service invocation API (``/v1.0/invoke/<app-id>[.<namespace>]/method/``): the
sidecar that receives it forwards the rest of the path to the app of that id."""


def _envoy_target(routes: _Routes, host: str, at: Location, invoked: re.Match[str] | None, rewrite_at: Location,
                  path: str) -> str | None:
    """The service a cluster host takes a route to: the host's, or, for the gateway's own Dapr sidecar (a loopback
    host) under a rewrite onto its invocation API, the app that the rewrite names (``_DAPR_INVOKE``)."""
    if invoked is None or not _loopback(host):
        return routes.target(host, at)
    t = routes.target(invoked.group("app"), rewrite_at)
    if t is not None:
        routes.body.remark(rewrite_at, f"route {path} reaches {t} through the gateway's Dapr sidecar ({host}): "
                                       f"prefix_rewrite {invoked.group(0)} is Dapr's service invocation of app {t}")
    return t


def _loopback(host: str) -> bool:
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _envoy_timeout(doc: Document, action: dict[str, Any], aat: Path,
                   idle: tuple[int, Location, str] | None = None) -> tuple[int, Location, str]:
    """A route's timeout (ms, where, why): its own, else Envoy's default. 0s turns off only the route's timeout:
    the idle timeout (the route's ``idle_timeout``, else ``idle``, the connection manager's) still ends a stream on
    which the upstream sends nothing, so a hung upstream is cut at that bound."""
    if isinstance(action.get("timeout"), str):
        tloc = doc.locate((*aat, "timeout"))
        ms = _duration_ms(action["timeout"], "s")
        if ms is None:
            raise InputError(f"route timeout {action['timeout']!r} is not a duration (e.g. 5s)", tloc,
                             "route.timeout")
        bound = (_envoy_idle(doc, action, aat, "idle_timeout", "the route's") or idle) if ms == 0 else None
        if bound is not None and bound[0] > 0:
            return bound[0], bound[1], f"the route's timeout {action['timeout']} (none); {bound[2]}"
        return ms, tloc, f"the route's timeout {action['timeout']}" + (" (none)" if ms == 0 else "")
    return ENVOY_ROUTE_TIMEOUT_MS, doc.locate(aat), "Envoy's default route timeout (15 s)"


def _envoy_idle(doc: Document, m: dict[str, Any], at: Path, key: str, whose: str) -> tuple[int, Location, str] | None:
    """An idle timeout stated under ``key`` (ms, where, why); None when unstated."""
    if not isinstance(m.get(key), str):
        return None
    loc = doc.locate((*at, key))
    ms = _duration_ms(m[key], "s")
    if ms is None:
        raise InputError(f"{key} {m[key]!r} is not a duration (e.g. 300s)", loc, key)
    return ms, loc, f"{whose} {key} {m[key]}" + (" (none)" if ms == 0 else "")


def _envoy_retry(spec: dict[str, Any]) -> dict[str, Any]:
    """Envoy's retry policy: ``num_retries`` (default 1) more attempts, jittered exponential backoff."""
    n = spec.get("num_retries")
    retries = n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else 1
    out: dict[str, Any] = {"attempts": retries + 1, "backoff": "exponential", "jitter": True}
    on = spec.get("retry_on")
    transient = {"connect-failure", "reset", "refused-stream", "gateway-error", "retriable-status-codes",
                 "unavailable", "resource-exhausted", "cancelled", "deadline-exceeded", "reset-before-request",
                 "envoy-ratelimited", "http3-post-connect-failure"}
    if isinstance(on, str) and on.strip() and {p.strip() for p in on.split(",")} <= transient:
        out["retry_on"] = "transient"
    return out


# --------------------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------------------

_INHERITED = ("proxy_read_timeout", "limit_req", "grpc_read_timeout", "auth_basic", "auth_request", "auth_jwt", "deny")
def _falls_back_to_code(location: nginx_conf.Directive) -> bool:
    """Whether the location's ``try_files`` hands a request no file answers to something else than a file: a named
    location (``@app``, which passes it on) or a URI given the query (``/index.php?$query_string``, a front
    controller); ``=404`` or a page (``/index.html``) is still a file of the directory."""
    assert location.children is not None
    tried = next((c for c in location.children if c.name == "try_files" and c.args), None)
    last = tried.args[-1].text if tried is not None else ""
    return last.startswith("@") or "?" in last


_GUARDS = ("auth_basic", "auth_request", "auth_jwt", "deny", "secure_link")
"""Directives that restrict who gets a location's answer (HTTP Basic authentication, a subrequest's or a JWT's
verdict, addresses denied, a signed link), in the location or inherited from its ``server`` or ``http``: ``auth_basic
off`` restricts nothing."""


_SERVES_ITSELF = ("content_by_lua", "content_by_lua_block", "content_by_lua_file", "return")
_HEADER_ONLY = frozenset({"add_header", "add_trailer", "more_set_headers", "expires"})
"""Directives that only decorate a response: an ``if ($request_method = M)`` block of nothing else handles no method."""


class _Nginx:
    def __init__(self, path: str, text: str, service: str | None) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.tree = nginx_conf.parse(text, path)
        self.object_id: tuple[Location, str] | None = None
        """Set with ``no_credential``: where its Lua reads an object's id from the request."""
        self.no_credential: tuple[Location, str] | None = None
        """Set while a location is read: its Lua handler reads no credential, and why that is known."""
        self.lua_method: tuple[str, Location] | None = None
        """Set while a location is read: the one method its Lua handler's reading of the request serves."""
        self.lua_writes: tuple[str, Location] | None = None
        """Set while a location is read: the first remote procedure named for a change of state its Lua calls."""
        self.lua_data: tuple[str, str, Location] | None = None
        """Set while a location is read: the most sensitive data its Lua handler reads from the request (a hint)."""
        self.lua_paths: list[str] = []
        """``lua_package_path`` templates: where the Lua modules a handler requires are found."""
        self.routes = _Routes(path, "nginx", service, None, "setting")
        self.upstreams: dict[str, list[nginx_conf.Word]] = {}
        self.tls: tuple[bool, Location, str] | None = None
        """Whether the ``server`` being read listens with TLS: stated by its ``listen`` directives."""
        self.env: dict[str, tuple[str, Location]] | None = None
        """The ENV of the Dockerfile beside a template, read when a ``${VAR}`` needs it."""
        self.error_pages: set[str] = set()
        """The pages ``error_page`` directives send (``/50x.html``): nginx's own answer to a failure, no route."""

    def run(self) -> Document:
        for d in self._walk(self.tree):
            if d.name == "upstream" and d.children is not None and d.args:
                self.upstreams[d.args[0].text.lower()] = [s.args[0] for s in d.children
                                                          if s.name == "server" and s.args]
            elif d.name == "lua_package_path" and d.args:
                self.lua_paths += [t for t in d.args[0].text.split(";") if t]
        self._client_ip()
        self.error_pages = {d.args[-1].text for d in self._walk(self.tree)
                            if d.name == "error_page" and len(d.args) > 1}
        self._block(self.tree, {})
        return self.routes.document()

    def _client_ip(self) -> None:
        """``client_ip_from_header`` from the realip module's ``set_real_ip_from`` peers, wherever they are set (the
        header is ``real_ip_header``'s, X-Real-IP by default, or the PROXY protocol's); none set is not read as
        ``none``: an ``include``d file may set them. A peer written with a variable is not read."""
        peers = [d for d in self._walk(self.tree) if d.name == "set_real_ip_from" and d.args]
        ranges = [d.args[0].text for d in peers]
        if not peers or any("$" in r for r in ranges):
            return
        trust = trust_of(ranges, set())
        if trust is None:
            return
        header = next((d.args[0].text for d in self._walk(self.tree) if d.name == "real_ip_header" and d.args),
                      "X-Real-IP")
        at = next((d.location for d in peers if trust_of([d.args[0].text], set()) == trust), peers[0].location)
        _set_client_ip(self.routes, (trust, at, f"set_real_ip_from {', '.join(ranges)} (real_ip_header {header})"))

    def _walk(self, ds: list[nginx_conf.Directive]) -> Iterator[nginx_conf.Directive]:
        stack = list(reversed(ds))
        while stack:
            d = stack.pop()
            yield d
            if d.children:
                stack.extend(reversed(d.children))

    def _block(self, ds: list[nginx_conf.Directive], inherited: dict[str, nginx_conf.Directive]) -> None:
        here = dict(inherited)
        for d in ds:
            if d.name in _INHERITED and d.children is None:
                here[d.name] = d
            elif d.name == "include" and d.args and not _harmless_include(d.args[0].text):
                self.routes.body.remark(d.location, f"include {d.args[0].text} is not followed: import that file too")
        for d in ds:
            if d.children is None or d.name in ("upstream", "map", "types", "geo", "split_clients", "limit_except",
                                                "if", "events"):
                continue
            if d.name == "location":
                self._location(d, here)
            elif d.name == "server":
                outer, self.tls = self.tls, self._server_tls(d)
                self._block(d.children, here)
                self.tls = outer
            else:
                self._block(d.children, here)

    @staticmethod
    def _server_tls(server: nginx_conf.Directive) -> tuple[bool, Location, str] | None:
        """TLS of a ``server``: every ``listen`` with ``ssl`` (or ``ssl on``), or none; unknown when mixed
        or when it states no ``listen`` (nginx's default is port 80, plaintext, but a stream proxy or an
        include may decide)."""
        assert server.children is not None
        listens = [d for d in server.children if d.name == "listen" and d.args]
        ssl_on = next((d for d in server.children if d.name == "ssl" and d.args and d.args[0].text == "on"), None)
        if not listens:
            return None
        secured = [d for d in listens if ssl_on is not None or any(a.text in ("ssl", "quic") for a in d.args)]
        if len(secured) == len(listens):
            said = " ".join(a.text for a in secured[0].args)
            return True, secured[0].location, f"the server listens with TLS ({said})"
        if not secured:
            port = " ".join(a.text for a in listens[0].args)
            return False, listens[0].location, (f"the server listens on {port} without ssl: plaintext, unless "
                                                "something in front of it terminates TLS")
        return None

    def _location(self, d: nginx_conf.Directive, inherited: dict[str, nginx_conf.Directive]) -> None:
        assert d.children is not None
        args = [a.text for a in d.args]
        if not args or args[0].startswith("@"):
            return  # a named location is reached only from inside the gateway
        prefixes = regex_prefixes(args[1]) if len(args) == 2 and args[0] == "~" else None
        if prefixes:  # ~ ^/(api|feeds): one prefix location per alternative
            for prefix in prefixes:
                self._location(replace(d, args=[replace(d.args[1], text=prefix)]), inherited)
            return
        if args[0] in ("~", "~*") or len(args) > 2 or (len(args) == 2 and args[0] not in ("=", "^~")):
            self.routes.body.remark(d.location, f"location {' '.join(args)}: a regular expression is not a path; "
                                                "not imported")
            return
        path = args[-1]
        here = dict(inherited)
        for c in d.children:
            if c.name in _INHERITED and c.children is None:
                here[c.name] = c
        passes = [c for c in d.children if c.name in ("proxy_pass", "grpc_pass") and c.args]
        methods = self._methods(d)
        if passes:
            self._route(path, d, passes[0], here, methods)
        elif any(c.name in _SERVES_ITSELF for c in d.children):
            handler = next(c for c in d.children if c.name in _SERVES_ITSELF)
            self.no_credential = self.object_id = self.lua_method = self.lua_data = self.lua_writes = None
            found = self._lua_calls(handler) if handler.name.startswith("content_by_lua") else None
            if self.lua_method is not None:  # the handler's code, over CORS `if` blocks that only add headers
                methods = [self.lua_method]
            targets = self._lua_targets(found[1]) if found else {}
            why = (f"served by the gateway itself ({handler.name}): {found[0]}" if found else
                   f"served by the gateway itself ({handler.name}): what it calls is in its code")
            self.routes.route(methods, path, d.location, sorted(targets), None, self._rate(here), why,
                              to_at=found[1][0].location if found and found[1] else None,
                              tls=self.tls, unlimited=self._unlimited(d, here))
            for name, call in sorted(targets.items()):
                self.routes.targets[name].calls.append(call)
            if self.lua_data is not None:
                self._lua_classification(methods, path, d.location, self.lua_data)
            if self.lua_writes is not None:
                for method, _mloc in methods or [("ANY", d.location)]:
                    ident = identity("endpoint", {"method": method, "path": path})
                    self.routes.body.set("endpoints", ident, "mutating", True, self.lua_writes[1])
                    self.routes.body.note("endpoints", ident, f"mutating: its Lua calls {self.lua_writes[0]} "
                                                              f"({self.lua_writes[1]}), a remote procedure named for "
                                                              "a change of state")
            if self.no_credential is not None:
                for method, _mloc in methods or [("ANY", d.location)]:
                    ident = identity("endpoint", {"method": method, "path": path})
                    if "authn" not in (self.routes.body.get("endpoints", ident) or {"authn": None}):
                        self.routes.body.set("endpoints", ident, "authn", "none", self.no_credential[0])
                        self.routes.body.note("endpoints", ident, f"authn none: {self.no_credential[1]}")
                        if self.object_id is not None:
                            self._object_id(ident, self.object_id)
        elif not any(c.name.endswith("_pass") or c.name == "internal" for c in d.children):
            directory = next((c for c in d.children if c.name in ("alias", "root") and c.args), None)
            if directory is not None and path not in self.error_pages and not _falls_back_to_code(d):
                self._files(path, d, directory, here, methods)
        self._basic(path, d, here, methods)
        self._block(d.children, here)

    def _basic(self, path: str, d: nginx_conf.Directive, here: dict[str, nginx_conf.Directive],
               methods: list[tuple[str, Location]]) -> None:
        """``authn: basic`` on the location's endpoints when ``auth_basic`` (its own or inherited, not ``off``) asks
        every caller for a user name and password: nginx checks them against its ``auth_basic_user_file`` before the
        request goes anywhere, whatever the handler behind reads."""
        basic = here.get("auth_basic")
        if basic is None or not basic.args or basic.args[0].text == "off":
            return
        for method, _mloc in methods or [("ANY", d.location)]:
            ident = identity("endpoint", {"method": method, "path": path})
            if self.routes.body.has("endpoints", ident) and \
                    (self.routes.body.get("endpoints", ident) or {}).get("authn") in (None, "none"):
                self.routes.body.set("endpoints", ident, "authn", "basic", basic.location, override=True)
                self.routes.body.note("endpoints", ident, f"authn basic: nginx's auth_basic ({basic.location.line}) "
                                                          "asks every caller for a user name and password")

    def _files(self, path: str, d: nginx_conf.Directive, directory: nginx_conf.Directive,
               here: dict[str, nginx_conf.Directive], methods: list[tuple[str, Location]]) -> None:
        """A location where nginx answers with the files of a directory (its ``alias`` or ``root``, and no handler
        that passes the request on; an ``internal`` one is reached only from inside nginx, and the page an
        ``error_page`` names is nginx's answer to a failure): an endpoint of the
        gateway that calls nothing (``routes_to`` empty), ``authn: none`` unless a guard (``_GUARDS``) restricts it.
        What the files hold is not known."""
        assert d.children is not None
        where = f"{directory.name} {directory.args[0].text}"
        idents = [identity("endpoint", {"method": m, "path": path}) for m, _l in methods or [("ANY", d.location)]]
        fresh = [i for i in idents if not self.routes.body.has("endpoints", i)]  # an earlier route keeps its own
        self.routes.route(methods, path, d.location, [], None, self._rate(here),
                          f"served by the gateway itself ({where}): the files of a directory",
                          tls=self.tls, unlimited=self._unlimited(d, here))
        guards = [c for c in d.children if c.name in _GUARDS] + [c for n, c in here.items() if n in _GUARDS]
        guarded = any(not (g.name == "auth_basic" and g.args and g.args[0].text == "off") for g in guards)
        for ident in fresh:
            self.routes.body.set("endpoints", ident, "routes_to", [], directory.location)
            self.routes.body.note("endpoints", ident, "routes_to none: nginx answers with files, calling nothing")
            if not guarded:
                self.routes.body.set("endpoints", ident, "authn", "none", directory.location)
                self.routes.body.note("endpoints", ident, f"authn none: nginx sends the files of {where} to any "
                                                          "caller (no auth_basic, auth_request, auth_jwt, deny or "
                                                          "secure_link guards the location)")

    def _lua_calls(self, handler: nginx_conf.Directive) -> tuple[str, list[lua_calls.LuaCall]] | None:
        """What a ``content_by_lua*`` handler's Lua calls: (what was read, the calls), or None when it
        names no module that a ``lua_package_path`` finds near the configuration (a warning says which)."""
        lua, first = "", handler.location.line
        templates = self.lua_paths or ["?.lua"]
        if handler.name == "content_by_lua_file":
            file = handler.args[0].text if handler.args else ""
            modules = [os.path.basename(file).removesuffix(".lua")] if file.endswith(".lua") else []
            templates = [os.path.join(os.path.dirname(file), "?.lua")]
        elif handler.name == "content_by_lua_block" and handler.end is not None:
            lua = "\n".join(self.lines[first - 1:handler.end.line])
            modules = lua_calls.required(lua)
        else:
            if handler.args:
                lua, first = handler.args[0].text, handler.args[0].location.line
            modules = lua_calls.required(lua)
        found = lua_calls.calls_in(self.path, lua, first)
        self.lua_writes = lua_calls.writes(self.path, lua, first) if lua else None
        read: list[str] = []
        texts = [lua]
        for module in modules:
            module_file = lua_calls.resolve(module, templates, self.path)
            if module_file is None:
                self.routes.body.remark(handler.location, f"Lua module {module} is not found near the configuration "
                                                          f"(as {';'.join(templates)}): "
                                                          "what it calls is unknown; import its folder too")
                continue
            try:
                text = read_text(module_file)
            except InputError as exc:  # not handed over as an artifact of its own: said, and the import goes on
                self.routes.body.remark(exc.location or handler.location, f"Lua module {module} not read: "
                                                                          f"{exc.message}; what it calls is unknown")
                continue
            read.append(module_file)
            texts.append(text)
            found += lua_calls.calls_in(module_file, text)
            self.lua_method = self.lua_method or lua_calls.request_method(module_file, text)
            self.lua_writes = self.lua_writes or lua_calls.writes(module_file, text)
            data = lua_calls.request_classification(module_file, text)
            if data is not None and most_sensitive([d[:2] for d in (self.lua_data, data) if d]) == data[:2]:
                self.lua_data = data
        if not read and not found:
            return None
        said = ", ".join(sorted({f"{c.host} ({c.what}, {c.location})" for c in found})) or "no client call"
        self._lua_authn(handler, read, texts, templates)
        return f"its Lua ({', '.join(read) or 'inline'}) calls {said}", found

    def _lua_authn(self, handler: nginx_conf.Directive, read: list[str], texts: list[str],
                   templates: list[str]) -> None:
        """A handler whose Lua, read whole, never touches a credential (catalogue ``lua_credentials``)
        authenticates nobody: ``authn: none`` on its endpoints (set when the route is recorded)."""
        helpers = [m for t in texts[1:] for m in lua_calls.required(t) if lua_calls.resolve(m, templates, self.path)]
        if read and not helpers and not any(lua_calls.reads_credentials(t) for t in texts):
            self.no_credential = (handler.location, f"its Lua ({', '.join(read)}) reads no credential (no token, "
                                                    "cookie, Authorization header or key): it authenticates nobody")
            ids = [i for f, t in zip(read, texts[1:], strict=True) for i in lua_calls.object_ids(f, t)]
            if ids:
                self.object_id = (ids[0][1], f"its Lua reads {ids[0][0]} from the request ({ids[0][1]})")

    def _lua_classification(self, methods: list[tuple[str, Location]], path: str, at: Location,
                            data: tuple[str, str, Location]) -> None:
        """The data a Lua handler reads from the request classifies its endpoints' data (a hint, unless stated)."""
        cls, name, where = data
        for method, _mloc in methods or [("ANY", at)]:
            ident = identity("endpoint", {"method": method, "path": path})
            if "data_classification" not in (self.routes.body.get("endpoints", ident) or {}):
                self.routes.body.set("endpoints", ident, "data_classification", cls, where)
                self.routes.body.note("endpoints", ident, f"data_classification {cls} is a hint from the request field "
                                                          f"'{name}' its Lua reads ({where}): override it if wrong")

    def _object_id(self, ident: str, read: tuple[Location, str]) -> None:
        """An unauthenticated handler that acts on an id from the request: nothing can check the caller owns it."""
        body = self.routes.body
        body.set("endpoints", ident, "takes_object_id", True, read[0])
        body.note("endpoints", ident, f"takes_object_id true: {read[1]}")
        body.set("endpoints", ident, "authz", "none", read[0])
        body.note("endpoints", ident, "authz none: nothing identifies the caller, so nothing can check that the "
                                      "object is the caller's")

    def _lua_targets(self, found: list[lua_calls.LuaCall]) -> dict[str, _Call]:
        """One call per service or external the Lua connects to (its first connection to it)."""
        out: dict[str, _Call] = {}
        for c in found:
            name = self.routes.target(c.host, c.location)
            if name is None or name in out:
                continue
            timeout = (c.timeout[0], c.location, c.timeout[1]) if c.timeout else None
            call = _Call(c.location, c.protocol, timeout)
            call.notes.append(f"{c.what} at {c.location} connects to {c.host}"
                              + (f" port {c.port}" if c.port else ""))
            out[name] = call
        return out

    @staticmethod
    def _methods(d: nginx_conf.Directive) -> list[tuple[str, Location]]:
        """The methods a location states it serves: ``limit_except`` (GET allows HEAD), or the methods its
        ``if ($request_method = M)`` blocks handle (a CORS preflight ``OPTIONS`` is not a route). Blocks that
        only add response headers name a method the location serves when they name one; when they name
        several (CORS headers for GET and for POST alike), they set none apart: the location serves every
        method the same way (ANY)."""
        assert d.children is not None
        out: list[tuple[str, Location]] = []
        decorated: list[tuple[str, Location]] = []  # named by blocks that only add headers
        for c in d.children:
            if c.name == "limit_except" and c.children is not None:
                out += [(a.text.upper(), a.location) for a in c.args if a.text.upper() in HTTP_METHODS]
            elif c.name == "if" and c.children is not None and not all(x.name == "set" for x in c.children):
                # a block that only sets a variable (the upstream to pass to) restricts no method
                words = [a.text.strip("()'\"") for a in c.args]
                if len(words) >= 3 and words[0] == "$request_method" and words[1] == "=":
                    method = words[2].upper()
                    if method in HTTP_METHODS and method != "OPTIONS":
                        headers_only = all(x.name in _HEADER_ONLY for x in c.children)
                        (decorated if headers_only else out).append((method, c.location))
        if len({m for m, _loc in decorated}) == 1:
            out += decorated
        first: dict[str, Location] = {}
        for m, loc in out:
            first.setdefault(m, loc)
        return list(first.items())

    def _route(self, path: str, loc_d: nginx_conf.Directive, proxy: nginx_conf.Directive,
               here: dict[str, nginx_conf.Directive], methods: list[tuple[str, Location]]) -> None:
        url = proxy.args[0]
        text = url.text
        if text.startswith("unix:") or "://unix:" in text:
            self.routes.body.remark(url.location, f"location {path} proxies to a unix socket: no service named")
            self.routes.route(methods, path, loc_d.location, [], None, self._rate(here), tls=self.tls,
                              unlimited=self._unlimited(loc_d, here))
            return
        text, set_at = self._substituted(text)
        chosen = _set_values(loc_d, text)
        if chosen:
            text = chosen[0][0]
        scheme, host = _host_of_url(text if "://" in text else "http://" + text)
        if "$" in text.split("://", 1)[-1].split("/", 1)[0]:
            host = text.split("://", 1)[-1].split("/", 1)[0]
        protocol = "grpc" if proxy.name == "grpc_pass" else _PROTOCOLS.get(scheme, "http")
        hosts: list[tuple[str, Location]] = []
        for value, vloc in chosen or [(text, url.location)]:
            one = _host_of_url(value if "://" in value else "http://" + value)[1]
            servers = self.upstreams.get(one)
            hosts += [("" if s.text.startswith("unix:") else s.text, s.location)
                      for s in servers] if servers is not None else [(one if chosen else host, vloc)]
        read = here.get("grpc_read_timeout" if protocol == "grpc" else "proxy_read_timeout")
        if read is not None and read.args:
            ms = _duration_ms(read.args[0].text, "s")
            if ms is None:
                raise InputError(f"{read.name} {read.args[0].text!r} is not an nginx time (e.g. 10s, 500ms)",
                                 read.args[0].location, read.name)
            timeout = (ms, read.location, f"{read.name} {read.args[0].text}")
        else:
            timeout = (NGINX_PROXY_TIMEOUT_MS, proxy.location, "nginx's default proxy_read_timeout (60 s; the wait "
                                                                "between two reads, not for the whole response)")
        targets = []
        for h, hloc in hosts:
            t = self.routes.target(h, set_at or hloc) if h else None
            if t is not None:
                targets.append(t)
        call = _Call(url.location, protocol, timeout)
        if scheme in ("https", "grpcs"):
            call.tls = (url.location, f"the {scheme} URL of location {path}")
        self.routes.route(methods, path, loc_d.location, targets, call, self._rate(here), tls=self.tls,
                          unlimited=self._unlimited(loc_d, here))
        # a proxy_pass with a URI part (http://user:8080/) replaces the location's prefix with it; so does a
        # `rewrite ^/prefix(/.*)$ $1 break;` before a proxy_pass without one
        rest = text.split("://", 1)[-1]
        strips = "/" in rest or _rewrite_strips(loc_d, path)
        uri = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        for method, _l in methods or [("ANY", loc_d.location)]:
            self.routes.body.strips.setdefault(f"{method} {path}", strips)
            if strips and uri != "/" and not any(c in uri for c in "$?#"):
                self.routes.body.replaces.setdefault(f"{method} {path}", uri)

    def _substituted(self, text: str) -> tuple[str, Location | None]:
        """``proxy_pass`` with the ``${VAR}``s that the Dockerfile beside an envsubst template sets (robot-shop's
        web: ``ENV USER_HOST=user``) replaced, and where the first was set."""
        if "${" not in text or not self.path.endswith(".template"):
            return text, None
        if self.env is None:
            from engine.importers import dockerfile

            build, _why = dockerfile.build_of({"build": "."}, os.path.dirname(self.path) or ".")
            self.env = {k: (v, loc) for k, v, loc in build.env} if build is not None else {}
        first: list[Location] = []

        def one(m: re.Match[str]) -> str:
            found = self.env.get(m.group(1)) if self.env is not None else None
            if found is None or "$" in found[0]:
                return m.group(0)
            first.append(found[1])
            return found[0]

        out = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", one, text)
        return out, first[0] if first else None

    @staticmethod
    def _unlimited(loc_d: nginx_conf.Directive, here: dict[str, nginx_conf.Directive]) -> tuple[Location, str] | None:
        """No ``limit_req`` reaches the location (from it, its ``server`` or ``http``): nginx does not limit it."""
        if "limit_req" in here:
            return None
        return loc_d.location, ("no limit_req applies to this location: nginx does not limit its request rate "
                                "(something in front of it may)")

    @staticmethod
    def _rate(here: dict[str, nginx_conf.Directive]) -> tuple[Location, str] | None:
        d = here.get("limit_req")
        return (d.location, "limit_req") if d is not None else None


# --------------------------------------------------------------------------------------
# Apache httpd
# --------------------------------------------------------------------------------------

HTTPD_TIMEOUT_MS = 60000
"""httpd's ``Timeout`` when unset (60 s), which ``ProxyTimeout`` takes when it is unset too."""
HTTPD_ADMIN_HANDLERS = {
    "balancer-manager": "mod_proxy_balancer's manager, which changes, drains and disables balancer members",
    "server-status": "mod_status's page, which shows every request being served, with client addresses and URLs",
    "server-info": "mod_info's page, which shows the whole loaded configuration",
}
_HTTPD_SECTIONS_SKIPPED = ("directory", "directorymatch", "files", "filesmatch", "proxy", "proxymatch", "ifmodule",
                           "ifdefine", "ifversion", "limit", "limitexcept", "requireall", "requireany", "requirenone",
                           "if", "elseif", "else", "macro")
"""Sections whose contents are not routes of their own (``IfModule``/``IfDefine`` are read through)."""


class _Httpd:
    """Apache httpd: ``ProxyPass``/``ProxyPassMatch``/``RewriteRule [P]`` routes (``balancer://`` members through
    ``<Proxy>`` sections), ``<Location>`` sections, ``SetHandler`` admin handlers with their access control, and the
    TLS of each ``<VirtualHost>`` (``SSLEngine on``)."""

    def __init__(self, path: str, text: str, service: str | None, agent: str = "infrastructure",
                 gateway: bool = True) -> None:
        self.path = path
        self.tree = httpd_conf.parse(text, path)
        self.routes = _Routes(path, "httpd", service, None, "setting", agent, gateway)
        self.balancers: dict[str, list[httpd_conf.Word]] = {}
        self.listens: list[httpd_conf.Directive] = []

    def run(self) -> Document:
        for d in httpd_conf.walk(self.tree):
            if d.key == "proxy" and d.children is not None and d.args and d.args[0].text.lower().startswith(
                    "balancer://"):
                self.balancers[d.args[0].text.lower().rstrip("/")] = [m.args[0] for m in d.find("balancermember")
                                                                      if m.args]
            elif d.key == "listen" and d.args:
                self.listens.append(d)
            elif d.key in ("include", "includeoptional") and d.args and not _httpd_harmless_include(d.args[0].text):
                self.routes.body.remark(d.location, f"{d.name} {d.args[0].text} is not followed: import that file too")
        top_tls = self._tls(self.tree, None)
        self._block(self.tree, top_tls, self._timeout(self.tree, None))
        return self.routes.document()

    def _tls(self, ds: list[httpd_conf.Directive], host: httpd_conf.Directive | None
             ) -> tuple[bool, Location, str] | None:
        """TLS of a ``<VirtualHost>`` (or of the main server when ``host`` is None): ``SSLEngine on`` in it, else
        plaintext when it states an address or a ``Listen`` does; unknown when nothing says."""
        engine = next((d for d in ds if d.key == "sslengine" and d.args), None)
        if engine is not None:
            on = engine.args[0].text.lower() in ("on", "optional")
            return on, engine.location, f"SSLEngine {engine.args[0].text}"
        if host is not None:
            said = " ".join(a.text for a in host.args)
            return False, host.location, (f"the virtual host {said} has no SSLEngine on: plaintext, unless something "
                                          "in front of it terminates TLS")
        if self.listens and all(not any(a.text.lower() == "https" for a in d.args) for d in self.listens):
            return False, self.listens[0].location, f"Listen {self.listens[0].args[0].text} with no SSLEngine on"
        return None

    @staticmethod
    def _timeout(ds: list[httpd_conf.Directive], outer: tuple[int, Location, str] | None
                 ) -> tuple[int, Location, str] | None:
        for name in ("proxytimeout", "timeout"):
            d = next((c for c in ds if c.key == name and c.args), None)
            if d is not None:
                ms = _duration_ms(d.args[0].text, "s")
                if ms is None:
                    raise InputError(f"{d.name} {d.args[0].text!r} is not a number of seconds", d.args[0].location)
                return ms, d.location, f"{d.name} {d.args[0].text}"
        return outer

    def _block(self, ds: list[httpd_conf.Directive], tls: tuple[bool, Location, str] | None,
               timeout: tuple[int, Location, str] | None) -> None:
        for d in ds:
            key = d.key
            if d.children is not None:
                if key == "virtualhost":
                    self._block(d.children, self._tls(d.children, d), self._timeout(d.children, timeout))
                elif key in ("location", "locationmatch"):
                    self._location(d, tls, timeout)
                elif key in ("ifmodule", "ifdefine", "ifversion"):
                    self._block(d.children, tls, timeout)
                continue
            if key == "proxypass" and len(d.args) >= 2:
                self._proxy(d.args[0], d.args[1], d, tls, timeout, regex=False)
            elif key == "proxypassmatch" and len(d.args) >= 2:
                self._proxy(d.args[0], d.args[1], d, tls, timeout, regex=True)
            elif key == "rewriterule" and len(d.args) >= 3 and _proxied_rewrite(d.args[2].text):
                self._proxy(d.args[0], d.args[1], d, tls, timeout, regex=True)

    def _location(self, d: httpd_conf.Directive, tls: tuple[bool, Location, str] | None,
                  timeout: tuple[int, Location, str] | None) -> None:
        assert d.children is not None
        if not d.args:
            self.routes.body.remark(d.location, f"<{d.name}> names no path: not imported")
            return
        where = d.args[0]
        regex = d.key == "locationmatch" or (where.text == "~" and len(d.args) > 1)
        if where.text == "~" and len(d.args) > 1:
            where = d.args[1]
        handler = next((c for c in d.children if c.key == "sethandler" and c.args), None)
        if handler is not None and handler.args[0].text.lower() in HTTPD_ADMIN_HANDLERS:
            self._admin(d, where, regex, handler, tls)
        for c in d.children:
            if c.key == "proxypass" and c.args:
                url = c.args[0] if len(c.args) == 1 or c.args[0].text.lower() != where.text.lower() else c.args[1]
                self._proxy(where, url, c, tls, timeout, regex=regex)
            elif c.key == "rewriterule" and len(c.args) >= 3 and _proxied_rewrite(c.args[2].text):
                self._proxy(where, c.args[1], c, tls, timeout, regex=regex)

    def _path(self, where: httpd_conf.Word, regex: bool) -> tuple[str, str] | None:
        """The route path of a location or a pattern, and a note when it is a regular expression's literal
        prefix; None (with a warning) when the pattern has no literal path."""
        text = where.text
        if not regex:
            return (text, "") if text.startswith("/") else None
        body = text.removeprefix("^")
        prefix = re.match(r"(/[A-Za-z0-9_.~/-]*)", body)
        if prefix is None or not text.startswith("^"):
            self.routes.body.remark(where.location, f"pattern {text!r} has no literal path prefix: route not imported")
            return None
        path = prefix.group(1)
        rest = body[len(path):]
        if rest and rest[0] in "?*+{" and path.rstrip("/"):  # the quantifier binds the last character
            path = path[:-1]
            path = path[:path.rfind("/") + 1] or "/"
        return path, f"the regular expression {text!r} is read as its literal prefix {path}"

    def _admin(self, d: httpd_conf.Directive, where: httpd_conf.Word, regex: bool, handler: httpd_conf.Directive,
               tls: tuple[bool, Location, str] | None) -> None:
        found = self._path(where, regex)
        if found is None:
            return
        path, _why = found
        what = handler.args[0].text.lower()
        body = self.routes.body
        name = safe_name(what) if not body.has("endpoints", safe_name(what)) else safe_name(f"{what}-{path}")
        body.fact("endpoints", {"name": name, "method": "ANY", "path": path, "served_by": self.routes.name},
                  d.location)
        body.set("endpoints", name, "admin", True, handler.location)
        body.note("endpoints", name, f"admin true: SetHandler {what}, {HTTPD_ADMIN_HANDLERS[what]}")
        if tls is not None:
            body.set("endpoints", name, "tls", tls[0], tls[1])
            body.note("endpoints", name, f"tls {str(tls[0]).lower()}: {tls[2]}")
        access = _httpd_access(d)
        if access is None:
            body.set("endpoints", name, "authn", "none", handler.location)
            body.note("endpoints", name, f"authn none: <{d.name} {where.text}> states no Require, Allow/Deny or "
                                         "authentication: httpd serves the handler to whoever reaches the port")
        elif access[0] == "open":
            body.set("endpoints", name, "authn", "none", access[1])
            body.note("endpoints", name, f"authn none: {access[2]} lets every client in")
        else:
            body.note("endpoints", name, f"access restricted by {access[2]} ({access[1]})")

    def _proxy(self, where: httpd_conf.Word, url: httpd_conf.Word, d: httpd_conf.Directive,
               tls: tuple[bool, Location, str] | None, timeout: tuple[int, Location, str] | None, regex: bool) -> None:
        if url.text == "!":
            return  # an exclusion: the path is not proxied
        found = self._path(where, regex)
        if found is None:
            return
        path, why = found
        text = url.text
        scheme, host = _host_of_url(text)
        if not host:
            self.routes.body.remark(url.location, f"{d.name} {text}: not a URL with a host: route not imported")
            return
        protocol = _PROTOCOLS.get(scheme, "http")
        if scheme == "balancer":
            members = self.balancers.get(f"balancer://{host.lower()}")
            if members is None:
                self.routes.body.remark(url.location, f"balancer://{host} has no <Proxy> section with BalancerMember "
                                                      "here: its members are unknown")
                hosts: list[tuple[str, Location]] = []
            else:
                hosts = [(_host_of_url(m.text)[1], m.location) for m in members]
                schemes = {_host_of_url(m.text)[0] for m in members}
                scheme = schemes.pop() if len(schemes) == 1 else "http"
                protocol = _PROTOCOLS.get(scheme, "http")
        else:
            hosts = [(host, url.location)]
        targets = [t for h, hloc in hosts if h for t in [self.routes.target(h, hloc)] if t is not None]
        stated = timeout or (HTTPD_TIMEOUT_MS, d.location, "httpd's default Timeout (60 s), which ProxyTimeout "
                                                           "takes when unset")
        own = next((a for a in d.args if a.text.lower().startswith("timeout=")), None)
        if own is not None:  # the worker's own timeout parameter
            ms = _duration_ms(own.text.split("=", 1)[1], "s")
            if ms is None:
                raise InputError(f"{own.text!r} is not a number of seconds", own.location)
            stated = (ms, own.location, f"{d.name}'s parameter {own.text}")
        call = _Call(url.location, protocol, stated)
        if scheme in ("https", "wss", "h2"):
            call.tls = (url.location, f"the {scheme} URL of {d.name} {where.text}")
        self.routes.route([], path, d.location, targets, call, tls=tls, why=why)


def import_httpd(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None,
                 agent: str = "infrastructure", gateway: bool = True) -> Document:
    """One httpd configuration, for the agent whose file takes it (``api`` when found in a service's folder);
    ``gateway`` False when the server runs the service's own code (its routes are the code's): then the
    configuration's handlers and routes are read, but the service is not made a gateway."""
    return _Httpd(path, read_text(path, limits), service, agent, gateway).run()


HTTPD_CONFIG_DIRS = ("/etc/apache2/", "/etc/httpd/", "/usr/local/apache2/conf/")
"""Where the httpd images (Debian's apache2, Red Hat's httpd, the official ``httpd`` image) read their configuration."""
_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*(?P<args>.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def httpd_configs(directory: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The httpd configuration files a directory's Dockerfile copies into the image's configuration directory
    (``COPY site.conf /etc/apache2/sites-enabled/``), that are in the directory and read as httpd's."""
    dockerfile = os.path.join(directory, "Dockerfile")
    if not os.path.isfile(dockerfile):
        return []
    try:
        text = read_text(dockerfile, limits)
    except InputError:
        return []
    out: list[str] = []
    for m in _COPY.finditer(text.replace("\\\n", " ")):
        words = m.group("args").split()
        if len(words) < 2 or words[0].startswith("["):
            continue
        dest = words[-1]
        if not dest.startswith(HTTPD_CONFIG_DIRS):
            continue
        for src in words[:-1]:
            f = os.path.normpath(os.path.join(directory, src))
            if not f.endswith(".conf") or not os.path.isfile(f) or f in out:
                continue
            try:
                conf = read_text(f, limits)
            except InputError:
                continue
            if httpd_conf.looks_like(conf) and not nginx_conf.looks_like(conf):
                out.append(f)
    return out


def _proxied_rewrite(flags: str) -> bool:
    """Whether a ``RewriteRule``'s flags (``[P,L]``, ``[proxy]``) hand the request to mod_proxy."""
    words = [w.strip().lower() for w in flags.strip("[]").split(",")]
    return any(w in ("p", "proxy") for w in words)


def _httpd_access(section: httpd_conf.Directive) -> tuple[str, Location, str] | None:
    """How a section controls access: ("open", where, what) for ``Require all granted`` or ``Allow from all`` with
    no ``Deny``; ("restricted", where, what) for any other ``Require`` (an address, a host, ``valid-user``...),
    a ``Deny from`` or an ``Allow from`` some clients; None when it states none."""
    found: tuple[str, Location, str] | None = None
    for c in httpd_conf.walk(section.children or []):
        args = " ".join(a.text.lower() for a in c.args)
        if c.key == "require" and c.args:
            if args == "all granted":
                found = found or ("open", c.location, "Require all granted")
            else:
                return "restricted", c.location, f"Require {args}"
        elif c.key == "deny" and args.startswith("from"):
            return "restricted", c.location, f"Deny {args}"
        elif c.key == "allow" and args.startswith("from"):
            if args == "from all":
                found = found or ("open", c.location, "Allow from all")
            else:
                return "restricted", c.location, f"Allow {args}"
    return found


def _httpd_harmless_include(name: str) -> bool:
    """Includes of module loading and MIME settings, which state no route."""
    low = name.lower()
    return "mods-enabled" in low or "conf.modules.d" in low or low.endswith((".load", "mime.types", "magic"))


def _harmless_include(name: str) -> bool:
    base = os.path.basename(name)
    return base.endswith(("_params", ".types"))


placeholders = _placeholders
"""Spring's ``${NAME:default}`` placeholders replaced by their defaults (shared with the Spring import)."""


def _rewrite_strips(loc_d: nginx_conf.Directive, path: str) -> bool:
    """Whether a location's ``rewrite`` takes its own prefix off the path and keeps the rest, with ``break``
    (``location /api/orders { rewrite ^/api/orders(/.*)$ $1 break; }``): the proxy then sees the path without it.
    Any other rewrite of the location says nothing here."""
    prefix = path.rstrip("/")
    if not prefix or loc_d.children is None:
        return False
    for c in loc_d.children:
        if c.name != "rewrite" or len(c.args) != 3 or c.args[2].text != "break" or c.args[1].text != "$1":
            continue
        pattern = c.args[0].text.strip("'\"").replace("\\/", "/")
        if pattern in (f"^{prefix}(/.*)$", f"^{prefix}(/.*)", f"^{prefix}/?(/.*)$"):
            return True
    return False


# --------------------------------------------------------------------------------------
# YARP (an ASP.NET Core reverse proxy configured in its settings)
# --------------------------------------------------------------------------------------

YARP_ACTIVITY_TIMEOUT_MS = 100_000
"""YARP's ``ForwarderRequestConfig.ActivityTimeout`` when a cluster's ``HttpRequest`` sets none: 100 seconds."""
_YARP_CATCH_ALL = re.compile(r"/?\{\*\*?[^}]*\}$")
_YARP_SETTINGS = ("appsettings.json", "appsettings.Production.json")


def yarp_configs(directory: str, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The settings files a .NET project directory runs with by default (``appsettings.json``, then
    ``appsettings.Production.json``) that configure YARP: a ``ReverseProxy`` section with ``Routes``."""
    out: list[str] = []
    for name in _YARP_SETTINGS:
        f = os.path.join(directory, name)
        if not os.path.isfile(f):
            continue
        try:
            docs = list(parse_all(read_text(f, limits), f, limits, artifact=True))
        except InputError:
            continue
        proxy = docs[0].data.get("ReverseProxy") if docs and isinstance(docs[0].data, dict) else None
        if isinstance(proxy, dict) and isinstance(proxy.get("Routes"), dict):
            out.append(f)
    return out[-1:]  # the later file's keys replace the earlier's: the one read is the last that configures YARP


def import_yarp(path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None,
                agent: str = "api") -> Document:
    """The routes a YARP reverse proxy's settings give (``ReverseProxy.Routes`` and ``Clusters``): each route's
    ``Match.Path`` (a catch-all ``{**rest}`` matches every path under its prefix) and ``Match.Methods``, forwarded to
    its cluster's destinations (``Address``: a service by its host name); a ``PathPattern`` transform of the
    catch-all alone, or ``PathRemovePrefix``, forwards the path without its prefix; a ``RateLimiterPolicy`` (other than
    ``Disable``) limits the route's rate; the call waits YARP's 100 s ``ActivityTimeout`` unless the cluster's
    ``HttpRequest.ActivityTimeout`` says otherwise."""
    doc = next(iter(parse_all(read_text(path, limits), path, limits, artifact=True)))
    proxy = doc.data["ReverseProxy"]
    routes = _Routes(path, "YARP", service, None, "setting", agent)
    clusters = proxy.get("Clusters") if isinstance(proxy.get("Clusters"), dict) else {}
    for name, route in proxy["Routes"].items():
        at: Path = ("ReverseProxy", "Routes", name)
        match = route.get("Match") if isinstance(route, dict) else None
        raw = match.get("Path") if isinstance(match, dict) else None
        if not isinstance(match, dict) or not isinstance(raw, str):
            routes.body.remark(doc.locate(at), f"YARP route {name!r} matches no path: not imported")
            continue
        wild = _YARP_CATCH_ALL.search(raw)
        route_path = (raw[:wild.start()].rstrip("/") + "/**") if wild else raw
        methods = [(str(m).upper(), doc.locate((*at, "Match", "Methods", i)))
                   for i, m in enumerate(match.get("Methods") or []) if isinstance(m, str)]
        cluster = clusters.get(route.get("ClusterId")) if isinstance(clusters, dict) else None
        targets: list[str] = []
        for dest, spec in ((cluster or {}).get("Destinations") or {}).items():
            address = spec.get("Address") if isinstance(spec, dict) else None
            loc = doc.locate(("ReverseProxy", "Clusters", str(route.get("ClusterId")), "Destinations", dest,
                              "Address"))
            host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", str(address or "")).split("/", 1)[0]
            target = routes.target(host, loc) if host else None
            if target:
                targets.append(target)
        timeout = ((cluster or {}).get("HttpRequest") or {}).get("ActivityTimeout") if isinstance(cluster, dict) \
            else None
        call = _Call(doc.locate(at), "http", None if timeout is not None else (
            YARP_ACTIVITY_TIMEOUT_MS, doc.locate(at), "YARP's default ActivityTimeout (100 s): the route's cluster "
                                                      "sets no HttpRequest.ActivityTimeout"))
        policy = route.get("RateLimiterPolicy")
        limited = (doc.locate((*at, "RateLimiterPolicy")), f"the route's RateLimiterPolicy {policy!r}") if \
            isinstance(policy, str) and policy.lower() not in ("disable", "") else None
        routes.route(methods, route_path, doc.locate((*at, "Match", "Path")), targets, call, limited)
        transforms = [t for t in route.get("Transforms") or [] if isinstance(t, dict)]
        strips = any(t.get("PathRemovePrefix") or (wild and str(t.get("PathPattern", "")).strip("/") ==
                                                   raw[wild.start():].strip("/")) for t in transforms)
        for method in [m for m, _loc in methods] or ["ANY"]:
            routes.body.strips.setdefault(f"{method} {route_path}", bool(strips))
    return routes.document()



_LITERAL_SEGMENT = r"[\w.-]+"
_PREFIX_REGEX = re.compile(
    rf"\^/(?:(?P<one>{_LITERAL_SEGMENT})|\((?:\?:)?(?P<alts>{_LITERAL_SEGMENT}(?:\|{_LITERAL_SEGMENT})*)\))")


def regex_prefixes(pattern: str) -> list[str] | None:
    """The paths a case-sensitive regular-expression location matches by their start, when it is no more than an
    anchored literal segment or a group of them (``^/api``, ``^/(api|feeds|.well-known)``, a dot read as itself): the
    same requests as a prefix location for each (``/api``, ``/feeds``...). None for any other expression."""
    m = _PREFIX_REGEX.fullmatch(pattern.strip('"\''))
    if m is None:
        return None
    return [f"/{segment}" for segment in (m.group("one") or m.group("alts")).split("|")]

__all__ = ["detect", "detect_text", "httpd_configs", "import_file", "import_httpd", "import_yarp", "placeholders",
           "service_of_host", "yarp_configs"]


# --------------------------------------------------------------------------------------
# Caddy (a Caddyfile)
# --------------------------------------------------------------------------------------

CADDY_NAMES = re.compile(r"Caddyfile(?:[._-][\w.-]*)?|[\w.-]+\.[Cc]addyfile")
"""The names a Caddyfile goes by (``Caddyfile``, ``Caddyfile.prod``, ``Caddyfile.ce``, and Caddy's ``.caddyfile``
extension, also written ``site.Caddyfile``, as a file ``caddy run --adapter caddyfile`` is given)."""
_CADDY_NESTING = ("handle", "handle_path", "route")
_CADDY_AUTH = ("basic_auth", "basicauth", "forward_auth")
_CADDY_TIMEOUTS = ("response_header_timeout", "read_timeout")


def import_caddy(path: str, text: str, service: str | None = None,
                 env: Mapping[str, tuple[str, Location]] | None = None) -> Document:
    """A Caddyfile: each ``reverse_proxy`` of each site block (through ``handle``, ``handle_path``, ``route`` and
    imported snippets) is a route to its upstreams. A site addressed by a port alone or ``http://`` serves plain HTTP;
    one addressed by a host name, Caddy's automatic HTTPS (unless the global ``auto_https off``). Caddy limits no
    rate (``rate_limit`` is a plugin's) and its ``reverse_proxy`` sets no response timeout unless the transport
    states one. Environment placeholders take the container's environment (``env``, given by ``refill`` once compose
    is read), else their default."""
    given = {k: v for k, (v, _l) in (env or {}).items()}
    top, unresolved = caddy_conf.parse(text, path, given)
    routes = _Routes(path, "Caddy", service, None, "Caddyfile")
    snippets = {d.name[1:-1]: d.children for d in top
                if d.name.startswith("(") and d.name.endswith(")") and d.children is not None}
    entries = [d for d in top if not (d.name.startswith("(") and d.name.endswith(")"))]  # snippets may come first
    first = entries[0] if entries else None
    emptied = {at.line for _n, at in unresolved}  # a site whose address was a placeholder with no value
    options = first if first is not None and not first.name and not first.args and first.children is not None \
        and first.location.line not in emptied else None
    auto_https_off = any(o.key == "auto_https" and [a.text for a in o.args][:1] == ["off"]
                         for o in (options.children or [] if options is not None else []))
    sites = [d for d in entries if d is not options]
    if len(sites) == 1 and sites[0].children is None and len(top) > 1:  # one site written without braces
        sites = [dataclasses.replace(sites[0], children=top[top.index(sites[0]) + 1:])]
    for name, at in unresolved:
        routes.body.remark(at, f"placeholder {{${name}}} has no value (neither the container's environment, as "
                               "compose gives it, nor a default): read as empty")
    _set_client_ip(routes, _caddy_client_ip(options, first.location if first is not None else Location(path, 1, 1)))
    for site in sites:
        if site.children is None:
            continue
        body = _caddy_expand(site.children, snippets, routes, 0)
        tls = _caddy_tls(site, body, auto_https_off)
        limit = next((d for d in body if d.key == "rate_limit"), None)
        rate = (limit.location, f"the site's rate_limit at {limit.location}") if limit else None
        unlimited = None if limit else (site.location, "no rate_limit in the site block: Caddy limits no rate")
        _caddy_walk(body, None, routes, tls, rate, unlimited, any(d.key in _CADDY_AUTH for d in body))
    out = routes.document()
    # the container's environment wins over a placeholder's default too ({$TRUSTED_PROXIES:0.0.0.0/0})
    if env is None and caddy_conf.has_placeholders(text) and isinstance(out, ArtifactDocument):
        out.refill = (routes.name, lambda filled: import_caddy(path, text, service or routes.name, filled))
    return out


def _caddy_client_ip(options: Any, at: Location) -> tuple[str, Location, str] | None:
    """From which peers Caddy takes the client's address from a forwarding header: the global ``servers`` blocks'
    ``trusted_proxies`` (``static`` ranges or ``private_ranges``; another source, a plugin's CDN list, is
    ``listed``), the most trusting of them; none stated is Caddy's default, which trusts no peer. None when a
    ``trusted_proxies`` names nothing (an empty placeholder) or, none stated, the options import what may: not
    read."""
    found: list[tuple[str, Location, str]] = []
    for server in (options.children or [] if options is not None else []):
        if server.key != "servers":
            continue
        for d in server.children or []:
            if d.key != "trusted_proxies":
                continue
            words = [w.text for w in d.args]
            if not words:
                return None
            said = f"trusted_proxies {' '.join(words)} in the global servers options"
            if words[0] != "static":
                found.append(("listed", d.location, said + f" (the {words[0]} source's ranges)"))
                continue
            trust = trust_of(words[1:], {"private_ranges"})
            if trust is None:
                return None
            found.append((trust, d.location, said))
    if not found:
        if any(d.key == "import" for o in (options.children or [] if options is not None else [])
               for d in [o, *(o.children or [])]):
            return None  # an imported file (or snippet) may set them: not read here
        return "none", at, "no trusted_proxies in the global servers options: Caddy trusts no peer's forwarding headers"
    return max(found, key=lambda f: TRUST_ORDER.index(f[0]))


def _set_client_ip(routes: _Routes, found: tuple[str, Location, str] | None) -> None:
    """State the gateway's ``client_ip_from_header`` with the configuration that says it."""
    if found is None:
        return
    trust, at, why = found
    routes.body.set("services", routes.name, "client_ip_from_header", trust, at)
    routes.body.note("services", routes.name, f"client_ip_from_header {trust}: {why}")


def _caddy_expand(directives: list[Any], snippets: Mapping[str, list[Any] | None], routes: _Routes,
                  depth: int) -> list[Any]:
    """A block's directives with each ``import <snippet>`` replaced by the snippet's (a file import is not read)."""
    out: list[Any] = []
    for d in directives:
        if d.key != "import":
            out.append(d)
            continue
        name = d.args[0].text if d.args else ""
        inner = snippets.get(name)
        if inner is None or depth > 8:
            routes.body.remark(d.location, f"import {name or '(nothing)'}: not a snippet of this file, not read")
            continue
        out.extend(_caddy_expand(inner, snippets, routes, depth + 1))
    return out


def _caddy_tls(site: Any, body: list[Any], auto_https_off: bool) -> tuple[bool, Location, str] | None:
    """Whether a site serves with TLS, by its addresses (None when they disagree or are unknown)."""
    if any(d.key == "tls" for d in body):
        d = next(d for d in body if d.key == "tls")
        return True, d.location, "the site's tls directive"
    addresses = [a for a in [site.name, *(w.text for w in site.args)] if a.strip(",")]
    said: set[bool] = set()
    for raw in addresses:
        a = raw.strip(",").lower()
        scheme, sep, rest = a.partition("://")
        host_port = rest if sep else a
        host, colon, port = host_port.split("/", 1)[0].rpartition(":")
        host = host if colon else host_port.split("/", 1)[0]
        if sep and scheme in ("http", "https"):
            said.add(scheme == "https")
        elif (not host or host == "*") and port == "443":
            return None  # HTTPS with no name to get a certificate for: what Caddy serves there is not read
        elif not host or host == "*":
            said.add(False)
        elif port == "80":
            said.add(False)
        else:
            said.add(not auto_https_off)
    if len(said) != 1:
        return None
    plain = not next(iter(said))
    where = ", ".join(addresses)
    return (not plain, site.location, f"site {where}: " + (
        "no host name (or http://, port 80, auto_https off): Caddy serves it over plain HTTP" if plain else
        "a host name: Caddy's automatic HTTPS serves it with TLS"))


def _caddy_path(matcher: str | None) -> str | None:
    """A path matcher as a route path: ``/api/*`` -> ``/api/``, ``*``, ``/*`` or none -> ``/``; None for a named
    matcher (``@name``), whose conditions are not read."""
    if matcher is None or matcher in ("*", "/*"):
        return "/"
    if not matcher.startswith("/"):
        return None
    return matcher[:-1] if matcher.endswith("*") else matcher


def _caddy_walk(body: list[Any], outer: str | None, routes: _Routes, tls: tuple[bool, Location, str] | None,
                rate: tuple[Location, str] | None, unlimited: tuple[Location, str] | None, auth: bool,
                stripping: bool = False) -> None:
    """The ``reverse_proxy`` routes of a site's directives; under ``handle_path`` (``stripping``) Caddy strips the
    matched prefix before forwarding, under ``handle``, ``route`` or none it forwards the path as it came."""
    for d in body:
        words = [w.text for w in d.args]
        if d.key in _CADDY_NESTING and d.children is not None:
            matcher = words[0] if words and words[0].startswith(("/", "*", "@")) else None
            _caddy_walk(d.children, matcher if matcher is not None else outer, routes, tls, rate, unlimited,
                        auth or any(c.key in _CADDY_AUTH for c in d.children),
                        stripping or (d.key == "handle_path" and matcher is not None))
            continue
        if d.key != "reverse_proxy":
            continue
        matcher = words[0] if words and words[0].startswith(("/", "*", "@")) else None
        upstreams = words[1:] if matcher is not None else words
        upstreams += [w.text for c in d.children or [] if c.key == "to" for w in c.args]
        path = _caddy_path(matcher if matcher is not None else outer)
        if path is None:
            routes.body.remark(d.location, f"reverse_proxy behind the named matcher {matcher or outer}: its "
                                           "conditions are not read, route not imported")
            continue
        targets = [t for u in upstreams for t in [routes.target(u.split("://", 1)[-1], d.location)] if t]
        if not targets:
            continue
        transport = [t for c in d.children or [] if c.key == "transport" for t in c.children or []]
        stated = [(t, _duration_ms(t.args[0].text, "s")) for t in transport if t.key in _CADDY_TIMEOUTS and t.args]
        timeout = next(((ms, t.location, f"{t.name} {t.args[0].text}") for t, ms in stated if ms is not None),
                       (0, d.location, "Caddy's reverse_proxy sets no response timeout unless its transport states "
                                       "one (0: none)"))
        secured = all(u.startswith("https://") for u in upstreams) or any(t.key == "tls" for t in transport)
        call = _Call(d.location, "http", timeout=timeout,
                     tls=(d.location, "an https upstream or the transport's tls") if secured else None)
        routes.route([], path, d.location, targets, call, rate_limit=rate, unlimited=unlimited, tls=tls,
                     why="behind Caddy's basic_auth or forward_auth" if auth else "")
        if not (stripping and matcher is not None):  # a matcher of its own under handle_path: the path is not read
            routes.body.strips.setdefault(f"ANY {path}", stripping)
