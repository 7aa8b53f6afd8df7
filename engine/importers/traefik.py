"""Traefik routers declared in compose labels -> the proxy's endpoints and calls.

Traefik's Docker provider reads routers from the labels of the containers it routes to:
``traefik.http.routers.<r>.rule=Host(`shop.example.com`) && PathPrefix(`/api`)`` on the ``api``
service publishes ``/api`` on the Traefik container and forwards it to ``api``. Only plain rules are
read: ``Path``, ``PathPrefix`` (several paths with ``||``) and ``Method``; a rule with a regular
expression or a matcher archplan does not know is a warning. ``traefik.enable=false`` turns a
container's routers off; ``traefik.http.routers.<r>.tls=true`` (or a ``certresolver``) serves the route
with TLS. Each route becomes an endpoint of the Traefik service (``routes_to`` the labelled service)
and the Traefik service's synchronous HTTP call to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.errors import Location
from engine.importers.base import Body
from engine.source import Document, Path

_ROUTER = re.compile(r"^traefik\.http\.routers\.([^.]+)\.(rule|tls|tls\.certresolver)$")
_MATCHER = re.compile(r"(Path|PathPrefix|Method)\(\s*`([^`]*)`\s*\)")
_KNOWN = re.compile(r"^(Host|HostRegexp|Path|PathPrefix|Method|Headers|Query|ClientIP)\(")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


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


def import_routes(body: Body, proxy: str, labelled: Mapping[str, list[tuple[str, str, Location]]]) -> None:
    """Endpoints of the Traefik service ``proxy`` for the routers in each service's labels."""
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
            tls = router.get("tls", ("", at))[0].lower() == "true" or "tls.certresolver" in router
            _route(body, proxy, target, name, rule, at, tls)


def _route(body: Body, proxy: str, target: str, name: str, rule: str, at: Location, tls: bool) -> None:
    parts = [p.strip().strip("()").strip() for p in re.split(r"&&|\|\|", rule)]
    unknown = [p for p in parts if p and not _KNOWN.match(p)]
    if unknown or "Regexp" in rule or ("||" in rule and "&&" in rule):
        body.remark(at, f"router {name}: rule {rule!r} is not a plain Path/PathPrefix/Method rule; not imported")
        return
    found = _MATCHER.findall(rule)
    paths = [(kind, v) for kind, v in found if kind in ("Path", "PathPrefix")] or [("PathPrefix", "/")]
    methods = [v.upper() for kind, v in found if kind == "Method" and v.upper() in _METHODS]
    body.fact("services", {"name": target}, at)
    for kind, path in paths:
        for method in methods or ["ANY"]:
            ident = body.fact("endpoints", {"method": method, "path": path if path.startswith("/") else "/" + path,
                                            "served_by": proxy, "routes_to": [target]}, at)
            body.set("endpoints", ident, "tls", tls, at)
            body.note("endpoints", ident, f"Traefik router {name} ({kind})" + (
                "" if methods else ": the rule matches every method (ANY)"))
    key = body.fact("interactions", {"from": proxy, "to": target, "style": "sync", "protocol": "http"}, at)
    body.note("interactions", key, f"Traefik forwards router {name} to {target}")


__all__ = ["import_routes", "labels_of"]
