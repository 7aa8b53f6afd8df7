"""Traefik routers declared in compose labels -> the proxy's endpoints and calls.

Traefik's Docker provider reads routers from the labels of the containers it routes to:
``traefik.http.routers.<r>.rule=Host(`shop.example.com`) && PathPrefix(`/api`)`` on the ``api``
service publishes ``/api`` on the Traefik container and forwards it to ``api``. Only plain rules are
read: ``Path``, ``PathPrefix`` (several paths with ``||``) and ``Method``; a rule with a regular
expression or a matcher archplan does not know is a warning. ``traefik.enable=false`` turns a
container's routers off; ``traefik.http.routers.<r>.tls=true`` (or a ``certresolver``) serves the route
with TLS. Each route becomes an endpoint of the Traefik service (``routes_to`` the labelled service)
and the Traefik service's synchronous HTTP call to it, and a front of that service's routes (Traefik forwards the
path whole: no prefix is stripped without a ``StripPrefix`` middleware). A router whose entry points all redirect
elsewhere (``--entrypoints.http.http.redirections.entrypoint.to=https`` in the proxy's command) serves nothing but
the redirect, and is left out; routers that send the same method and path to different services (told apart by
their ``Host`` rules: ``adminer.example.com`` and ``example.com``) are endpoints of their own, each named after the
proxy and its service (``proxy-adminer``). A route to a service whose image serves a known web console (catalogue
``consoles``: Adminer, the Jaeger UI...) is an administrative surface (``admin``), and that service a best-effort
operator tool on which no user request waits. The proxy's ``--entrypoints.<name>.forwardedHeaders.insecure`` or
``.trustedIPs`` flags say from which peers it takes the client's address from X-Forwarded-For
(``client_ip_from_header``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.errors import Location
from engine.importers.base import TRUST_ORDER, Body, safe_name, trust_of
from engine.importers.infra import Console
from engine.source import Document, Path

_ROUTER = re.compile(r"^traefik\.http\.routers\.([^.]+)\.(rule|tls|tls\.certresolver|entrypoints|middlewares)$")
_BASIC_AUTH = re.compile(r"^traefik\.http\.middlewares\.([^.]+)\.(?:basicauth|digestauth)\.(users|usersfile)$",
                         re.IGNORECASE)
_HTPASSWD_ENTRY = re.compile(r"^[^:\s$]+:\S+$")
"""A ``user:hash`` entry written out (``admin:$apr1$...``), not a reference to a variable."""
_MATCHER = re.compile(r"(Path|PathPrefix|Method)\(\s*`([^`]*)`\s*\)")
_KNOWN = re.compile(r"^(Host|HostRegexp|Path|PathPrefix|Method|Headers|Query|ClientIP)\(")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
_REDIRECT = re.compile(r"^--entrypoints\.([^.=]+)\.http\.redirections\.entrypoint\.to=(\S+)$")


def redirecting_entrypoints(spec: Mapping[str, Any]) -> dict[str, str]:
    """The entry points the proxy's command redirects, each to the entry point it redirects to."""
    command = spec.get("command")
    args = command.split() if isinstance(command, str) else [str(a) for a in command or []] \
        if isinstance(command, list) else []
    return {m.group(1): m.group(2) for m in map(_REDIRECT.match, args) if m}


_FORWARDED = re.compile(r"^--entrypoints\.([^.=]+)\.forwardedheaders\.(insecure|trustedips)(?:=(.*))?$", re.IGNORECASE)


def client_ip_trust(doc: Document, spec: Mapping[str, Any], at: Path) -> tuple[str, Location, str] | None:
    """From which peers the Traefik service takes the client's address from X-Forwarded-For, by its command's
    ``--entrypoints.<name>.forwardedHeaders.insecure`` (every peer) or ``.trustedIPs=a,b`` (those peers), the most
    trusting of its entry points. None when the command says neither: Traefik then trusts no peer, but its static
    configuration may live in a file that is not read."""
    command = spec.get("command")
    if isinstance(command, str):
        args = [(a, doc.locate((*at, "command"))) for a in command.split()]
    elif isinstance(command, list):
        args = [(str(a), doc.locate((*at, "command", i))) for i, a in enumerate(command)]
    else:
        return None
    found: list[tuple[str, Location, str]] = []
    for arg, loc in args:
        m = _FORWARDED.match(arg.strip())
        if not m:
            continue
        value = (m.group(3) or "").strip().strip("'\"")
        if m.group(2).lower() == "insecure":
            if value.lower() in ("", "true"):
                found.append(("any", loc, f"{arg}: entry point {m.group(1)} trusts every peer's forwarded headers"))
            continue
        trust = trust_of([r.strip() for r in value.split(",") if r.strip()], set())
        if trust is not None and "$" not in value:
            found.append((trust, loc, f"{arg}: entry point {m.group(1)}'s trusted peers"))
    return max(found, key=lambda f: TRUST_ORDER.index(f[0])) if found else None


def labels_of(doc: Document, spec: Mapping[str, Any], at: Path) -> list[tuple[str, str, Location]]:
    """(key, value, location) of a compose service's labels, in the mapping or ``KEY=VALUE`` list form."""
    labels = spec.get("labels")
    out: list[tuple[str, str, Location]] = []
    if isinstance(labels, dict):
        out = [(str(k), str(v), doc.locate((*at, "labels", k))) for k, v in labels.items() if v is not None]
    elif isinstance(labels, list):
        for i, item in enumerate(labels):
            key, _eq, value = str(item).partition("=")
            out.append((key.strip(), value.strip(), doc.locate((*at, "labels", i))))
    return out


def import_routes(body: Body, proxy: str, labelled: Mapping[str, list[tuple[str, str, Location]]],
                  redirects: Mapping[str, str] | None = None, consoles: Mapping[str, Console] | None = None,
                  every: Mapping[str, list[tuple[str, str, Location]]] | None = None) -> None:
    """Endpoints of the Traefik service ``proxy`` for the routers in each service's labels (``redirects``: the entry
    points the proxy redirects, whose routers serve only the redirect; ``consoles``: the web console each service's
    image serves, where the catalogue knows one; ``every``: the labels of every container, the proxy's included,
    where the middlewares a router names may be declared)."""
    routes: list[tuple[str, str, str, Location, bool, _Basic | None]] = []
    basic = _basic_middlewares(every if every is not None else labelled)
    for target in sorted(labelled):
        labels = labelled[target]
        if target == proxy or any(k == "traefik.enable" and v.lower() == "false" for k, v, _l in labels):
            continue
        routers: dict[str, dict[str, tuple[str, Location]]] = {}
        for key, value, loc in labels:
            m = _ROUTER.match(key)
            if m:
                routers.setdefault(m.group(1), {})[m.group(2)] = (value, loc)
        for name in sorted(routers):
            router = routers[name]
            if "rule" not in router:
                continue
            rule, at = router["rule"]
            entrypoints = [e.strip() for e in router.get("entrypoints", ("", at))[0].split(",") if e.strip()]
            if entrypoints and redirects and all(e in redirects for e in entrypoints):
                body.remark(at, f"router {name}: its entry point {', '.join(entrypoints)} redirects to "
                                f"{', '.join(sorted({redirects[e] for e in entrypoints}))}; it serves only the "
                                "redirect")
                continue
            tls = router.get("tls", ("", at))[0].lower() == "true" or "tls.certresolver" in router
            chain = [m.strip().split("@", 1)[0] for m in router.get("middlewares", ("", at))[0].split(",")]
            routes.append((target, name, rule, at, tls, next((basic[m] for m in chain if m in basic), None)))
    hosts: dict[tuple[str, ...], set[str]] = {}
    for target, _name, rule, _at, _tls, _basic in routes:
        for point in _points(rule) if _plain(rule) else []:
            hosts.setdefault(point, set()).add(target)
    for target, name, rule, at, tls, guard in routes:
        _route(body, proxy, target, name, rule, at, tls, {p for p, ts in hosts.items() if len(ts) > 1}, guard)
        console = (consoles or {}).get(target)
        if console is not None and _plain(rule):
            _console(body, proxy, target, rule, at, console)


_Basic = tuple[str, Location, bool]
"""A basicauth (or digestauth) middleware: its name, where it is declared, and whether its users are written out."""


def _basic_middlewares(labelled: Mapping[str, list[tuple[str, str, Location]]]) -> dict[str, _Basic]:
    """The basicauth and digestauth middlewares any container's labels declare, by name: whether their ``users``
    (``admin:$apr1$...``) are written in the deployment (a ``usersfile``, or users given by a variable, are not)."""
    out: dict[str, _Basic] = {}
    for target in sorted(labelled):
        for key, value, loc in labelled[target]:
            m = _BASIC_AUTH.match(key)
            if m:
                written = m.group(2).lower() == "users" and any(
                    _HTPASSWD_ENTRY.match(u.strip()) for u in value.split(","))
                name, _at, before = out.get(m.group(1), (m.group(1), loc, False))
                out[m.group(1)] = (name, loc, before or written)
    return out


def _console(body: Body, proxy: str, target: str, rule: str, at: Location, console: Console) -> None:
    """The routes to a web console: administrative surfaces, and the console's service a best-effort tool."""
    for ident, ep in list(body.items.get("endpoints", {}).items()):
        if ep.get("served_by") == proxy and ep.get("routes_to") == [target] and \
                (str(ep.get("method")), str(ep.get("path"))) in _points(rule):
            body.set("endpoints", ident, "admin", True, at)
            body.note("endpoints", ident, f"admin true: it routes to {target}, {console.what}")
    body.set("services", target, "criticality", "best_effort", at)
    body.note("services", target, f"criticality best_effort: an operator's console, {console.what}; no user "
                                  "request waits on it")


def _plain(rule: str) -> bool:
    """Whether a rule is one this module reads: plain matchers, not mixing ``&&`` and ``||``."""
    parts = [p.strip().strip("()").strip() for p in re.split(r"&&|\|\|", rule)]
    return not any(p and not _KNOWN.match(p) for p in parts) and "Regexp" not in rule and not (
        "||" in rule and "&&" in rule)


def _points(rule: str) -> list[tuple[str, ...]]:
    """The (method, path) pairs a plain rule matches."""
    found = _MATCHER.findall(rule)
    paths = [v if v.startswith("/") else "/" + v for kind, v in found if kind in ("Path", "PathPrefix")] or ["/"]
    methods = [v.upper() for kind, v in found if kind == "Method" and v.upper() in _METHODS] or ["ANY"]
    return [(m, p) for p in paths for m in methods]


def _route(body: Body, proxy: str, target: str, name: str, rule: str, at: Location, tls: bool,
           shared: set[tuple[str, ...]], guard: _Basic | None = None) -> None:
    if not _plain(rule):
        body.remark(at, f"router {name}: rule {rule!r} is not a plain Path/PathPrefix/Method rule; not imported")
        return
    found = _MATCHER.findall(rule)
    paths = [(kind, v) for kind, v in found if kind in ("Path", "PathPrefix")] or [("PathPrefix", "/")]
    methods = [v.upper() for kind, v in found if kind == "Method" and v.upper() in _METHODS]
    body.fact("services", {"name": target}, at)
    for kind, given in paths:
        path = given if given.startswith("/") else "/" + given
        for method in methods or ["ANY"]:
            named = {"name": safe_name(f"{proxy}-{target}" + ("" if path == "/" else path))} \
                if (method, path) in shared else {}
            ident = body.fact("endpoints", {**named, "method": method, "path": path, "served_by": proxy,
                                            "routes_to": [target]}, at)
            body.strips.setdefault(named.get("name") or f"{method} {path}", False)
            body.set("endpoints", ident, "tls", tls, at)
            body.note("endpoints", ident, f"Traefik router {name} ({kind})" + (
                "" if methods else ": the rule matches every method (ANY)") + (
                "; named after its service: another service has the same method and path under another Host rule"
                if named else ""))
            if guard is not None:
                _guarded(body, ident, name, guard)
    key = body.fact("interactions", {"from": proxy, "to": target, "style": "sync", "protocol": "http"}, at)
    body.note("interactions", key, f"Traefik forwards router {name} to {target}")


def _guarded(body: Body, ident: str, router: str, guard: _Basic) -> None:
    """``authn: basic`` on a route whose router runs a basicauth middleware, and ``default_credentials`` when that
    middleware's users are written in the deployment: the same user and hash on every installation."""
    middleware, at, written = guard
    body.set("endpoints", ident, "authn", "basic", at)
    body.note("endpoints", ident, f"authn basic: router {router} runs the basicauth middleware {middleware}")
    if written:
        body.set("endpoints", ident, "default_credentials", True, at)
        body.note("endpoints", ident, f"default_credentials: the users of {middleware} (user name and password hash) "
                                      "are written in the deployment's labels, the same on every installation")


__all__ = ["client_ip_trust", "import_routes", "labels_of"]
