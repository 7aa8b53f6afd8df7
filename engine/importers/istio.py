"""Istio objects read with the Kubernetes manifests: what the mesh does to calls, and what it publishes.

A ``VirtualService`` (``networking.istio.io`` v1alpha3, v1beta1, v1) sets, per HTTP route, a
``timeout`` and ``retries`` that the caller's sidecar (or the ingress gateway) applies to every
request it routes to the route's destinations; they become ``timeout_ms`` and ``retry`` of the
calls into those workloads. Which callers a route applies to follows Istio: a VirtualService with no
``gateways`` applies to the sidecars (``mesh``); one naming gateways applies only to them, unless it
names ``mesh`` too; ``match[].gateways``, ``sourceLabels`` and ``sourceNamespace`` narrow a route to
the callers they select. A ``DestinationRule`` with ``outlierDetection`` (on the host, a port, or a
subset some VirtualService routes to) is a circuit breaker on the calls into ``spec.host``; its
``connectionPool`` limits are a bulkhead. A VirtualService bound to an ingress ``Gateway`` publishes
its destinations: each ``match[].uri`` prefix or exact path is a public route, served with TLS or not as the
Gateway's servers say (``gateway_tls``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.errors import Location
from engine.importers.base import Body


class Obj(Protocol):
    """A Kubernetes object as the Kubernetes importer reads it."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    def loc(self, *more: str | int) -> Location: ...
    def get(self, *keys: str | int) -> Any: ...


@dataclass(frozen=True)
class Workload:
    """What the mesh needs of a workload of the design: its name, namespace and pod labels."""

    name: str
    namespace: str
    labels: Mapping[str, str]


Resolve = Callable[[str, str], list[str]]
"""(host, namespace of the object naming it) -> the design names (workloads, externals) behind the host."""


@dataclass(frozen=True)
class Entry:
    """A public way into the cluster: requests for ``path`` (None: every path) reach ``target``."""

    target: str
    exposure: str
    at: Location
    why: str
    path: str | None = None
    exact: bool = False
    via: str | None = None
    """The gateway workload of the design that serves the route and forwards it to ``target``."""
    route_at: Location | None = None
    """Where the path is stated, when not at ``at``."""
    tls: tuple[bool, Location, str] | None = None
    """Whether requests come in with TLS, where that is seen and why (a plain-HTTP LoadBalancer port)."""
    scoped: bool = False
    """Requests reach ``target`` this way only under ``path``, unchanged: an Ingress path that nothing rewrites."""


def strictest_tls(facts: Iterable[tuple[bool, Location, str] | None]) -> tuple[bool, Location, str] | None:
    """Of what several ways in to one endpoint state of TLS, the strictest: one plaintext way in (``false``) makes
    the endpoint reachable unencrypted, whatever the others say; else ``true`` if one says it; else unknown."""
    stated = [f for f in facts if f is not None]
    return next((f for f in stated if not f[0]), stated[0] if stated else None)


def is_istio(o: Obj, kind: str) -> bool:
    """Whether ``o`` is an Istio networking object of ``kind``."""
    return o.kind == kind and str(o.get("apiVersion") or "").startswith("networking.istio.io/")


def service_of(host: str, namespace: str) -> tuple[str, str] | None:
    """``reviews`` (in the object's namespace), ``reviews.ns`` or ``reviews.ns.svc.cluster.local`` ->
    (namespace, service); None for a host outside the cluster's service names."""
    parts = host.strip().lower().rstrip(".").split(".")
    if not parts[0] or "*" in host:
        return None
    if len(parts) == 1:
        return namespace, parts[0]
    if len(parts) == 2 or (parts[2] == "svc" and parts[3:] in ([], ["cluster", "local"])):
        return parts[1], parts[0]
    return None


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")
_UNIT_MS = {"h": 3_600_000.0, "m": 60_000.0, "s": 1000.0, "ms": 1.0, "us": 0.001, "µs": 0.001, "ns": 0.000001}


def duration_ms(text: Any) -> int | None:
    """``5s``, ``250ms``, ``1m30s``, ``0.5s`` -> milliseconds (a positive duration is at least 1); None when
    it is not a duration."""
    if not isinstance(text, str) or not text.strip():
        return None
    t = text.strip()
    # Amounts and units one after the other from the start, each matched where the last ended: searching
    # instead retried every digit of a long run (quadratic: 20,000 digits took 30 s).
    parts, pos = [], 0
    while pos < len(t):
        m = _DURATION.match(t, pos)
        if m is None:
            return None
        parts.append(m.groups())
        pos = m.end()
    ms = sum(float(n) * _UNIT_MS[u] for n, u in parts)
    if not math.isfinite(ms):
        return None
    return max(1, round(ms)) if ms > 0 else 0


MAX_MS = 86_400_000
MAX_ATTEMPTS = 10_000_000
"""The largest timeout and attempt count a design states (``Millis``, ``PosInt``)."""

_TRANSIENT = {"connect-failure", "refused-stream", "reset", "reset-before-request", "gateway-error",
              "retriable-4xx", "envoy-ratelimited", "unavailable", "cancelled", "deadline-exceeded",
              "resource-exhausted", "http3-post-connect-failure", "retriable-status-codes", "retriable-headers",
              "408", "425", "429", "502", "503", "504"}
"""Retry conditions that only match failures a second try may cure (connection failures, 502-504, 429)."""


_PLAIN_PROTOCOLS = ("HTTP", "HTTP2", "GRPC", "TCP")
_TLS_PROTOCOLS = ("HTTPS", "TLS")


def gateway_tls(gw: Obj) -> tuple[bool, Location, str] | None:
    """Whether a Gateway takes requests with TLS: ``false`` when one of its servers listens in plaintext (protocol
    ``HTTP``, ``HTTP2``, ``GRPC`` or ``TCP`` with no ``tls`` block: not even a redirect to HTTPS), so that requests
    can come in unencrypted; ``true`` when every server terminates or passes through TLS (``HTTPS``, ``TLS``);
    unknown otherwise (no server, a protocol not named)."""
    servers = _dicts(gw.get("spec", "servers"))
    if not servers:
        return None
    ports: list[dict[str, Any]] = [s["port"] if isinstance(s.get("port"), dict) else {} for _i, s in servers]
    protocols = [str(p.get("protocol") or "").upper() for p in ports]
    for (i, server), port, protocol in zip(servers, ports, protocols, strict=True):
        if protocol in _PLAIN_PROTOCOLS and server.get("tls") is None:
            return False, gw.loc("spec", "servers", i, "port"), (
                f"Gateway {gw.name} listens on port {port.get('number')} with protocol {protocol} and no tls block: "
                "requests come in unencrypted")
    if all(p in _TLS_PROTOCOLS for p in protocols) and all(isinstance(s.get("tls"), dict) for _i, s in servers):
        said = "/".join(sorted(set(protocols)))
        return True, gw.loc("spec", "servers"), f"every server of Gateway {gw.name} speaks {said} with a tls block"
    return None


def _gateway_ref(ref: str, namespace: str) -> tuple[str, str]:
    if "/" in ref:
        ns, _slash, name = ref.partition("/")
        return ns, name
    parts = ref.split(".")
    return (parts[1], parts[0]) if len(parts) > 1 else (namespace, ref)


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _labels_match(selector: Any, labels: Mapping[str, str]) -> bool:
    return isinstance(selector, dict) and all(labels.get(str(k)) == str(v) for k, v in selector.items())


_CALLER_KEYS = {"sourceLabels", "sourceNamespace", "gateways", "name", "ignoreUriCase"}


@dataclass
class Mesh:
    """The Istio objects of a cluster, resolved against its workloads."""

    objs: Sequence[Obj]
    resolve: Resolve
    workloads: Mapping[str, Workload]
    body: Body
    gateways: dict[tuple[str, str], Obj] = field(default_factory=dict)
    gateway_workloads: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _dest_cache: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for o in self.objs:
            if is_istio(o, "Gateway"):
                self.gateways[(o.namespace, o.name)] = o
                sel = o.get("spec", "selector")
                self.gateway_workloads[(o.namespace, o.name)] = sorted(
                    w.name for w in self.workloads.values() if isinstance(sel, dict) and sel and _labels_match(
                        sel, w.labels))
        self.virtual = [o for o in self.objs if is_istio(o, "VirtualService")]
        self.rules = [o for o in self.objs if is_istio(o, "DestinationRule")]

    # ---------------------------------------------------------------- routes and who they apply to

    def _binding(self, vs: Obj, match: dict[str, Any] | None) -> tuple[bool, list[tuple[str, str]]]:
        """(applies to the sidecars, the gateways it is bound to) of a match (None: the whole route)."""
        refs = _strs(match.get("gateways")) if match and isinstance(match.get("gateways"), list) and match[
            "gateways"] else _strs(vs.get("spec", "gateways"))
        if not refs:
            return True, []
        return "mesh" in refs, [_gateway_ref(r, vs.namespace) for r in refs if r != "mesh"]

    def _applies(self, vs: Obj, route: dict[str, Any], caller: Workload) -> tuple[bool, bool]:
        """(the route may carry the caller's requests, it carries only some of them)."""
        matches: list[dict[str, Any] | None] = [m for _i, m in _dicts(route.get("match"))] or [None]
        applies, conditional = False, True
        for m in matches:
            mesh, gws = self._binding(vs, m)
            by_gateway = any(caller.name in self.gateway_workloads.get(g, []) for g in gws)
            if not (by_gateway or (mesh and not self._is_gateway(caller.name))):
                continue
            if m is not None and "sourceLabels" in m and not _labels_match(m["sourceLabels"], caller.labels):
                continue
            if m is not None and m.get("sourceNamespace") not in (None, caller.namespace):
                continue
            applies = True
            if m is None or not set(m) - _CALLER_KEYS:
                conditional = False
        return applies, conditional

    def _is_gateway(self, name: str) -> bool:
        return any(name in ws for ws in self.gateway_workloads.values())

    def _destinations(self, vs: Obj, route: dict[str, Any]) -> list[tuple[str, str | None]]:
        key = id(route)
        if key not in self._dest_cache:
            self._dest_cache[key] = self._resolve_destinations(vs, route)
        return self._dest_cache[key]

    def _resolve_destinations(self, vs: Obj, route: dict[str, Any]) -> list[tuple[str, str | None]]:
        out = []
        for _j, r in _dicts(route.get("route")):
            dest = r.get("destination")
            if isinstance(dest, dict) and isinstance(dest.get("host"), str):
                subset = dest.get("subset")
                for t in self.resolve(dest["host"], vs.namespace):
                    out.append((t, str(subset) if isinstance(subset, str) else None))
        return out

    # ---------------------------------------------------------------- public routes

    def entries(self) -> list[Entry]:
        """The routes ingress Gateways publish, one per destination and ``uri`` match."""
        out: list[Entry] = []
        for vs in self.virtual:
            for i, route in _dicts(vs.get("spec", "http")):
                targets = sorted({t for t, _s in self._destinations(vs, route)})
                matches = _dicts(route.get("match")) or [(-1, {})]
                for mi, m in matches:
                    _mesh, gws = self._binding(vs, m or None)
                    for ref in gws:
                        gw = self.gateways.get(ref)
                        if gw is None:
                            self.body.remark(vs.loc("spec", "gateways") if vs.get("spec", "gateways") else vs.loc(),
                                             f"VirtualService {vs.name} is bound to Gateway {ref[0]}/{ref[1]}, which "
                                             "is not in the manifests: what it publishes is not read")
                            continue
                        out.extend(self._entries(vs, i, mi, m, gw, ref, targets))
        return out

    def _entries(self, vs: Obj, i: int, mi: int, m: dict[str, Any], gw: Obj, ref: tuple[str, str],
                 targets: list[str]) -> list[Entry]:
        words = " ".join([gw.name, *(str(v) for v in (gw.get("spec", "selector") or {}).values())]).lower()
        if "egress" in words:
            return []  # an egress gateway carries calls out of the mesh: it publishes nothing
        exposure = "internal" if "internal" in words or "private" in words else "public"
        uri: dict[str, Any] = m["uri"] if isinstance(m.get("uri"), dict) else {}
        path, exact = None, False
        at = vs.loc("spec", "http", i, "match", mi, "uri") if uri else vs.loc("spec", "http", i)
        if isinstance(uri.get("exact"), str):
            path, exact = uri["exact"], True
        elif isinstance(uri.get("prefix"), str):
            path = uri["prefix"]
        why = f"VirtualService {vs.name} on Gateway {gw.name}"
        via = self.gateway_workloads.get(ref, [])
        tls = gateway_tls(gw)
        out: list[Entry] = []
        for t in targets:
            if via:
                out.extend(Entry(t, exposure, at, why, path, exact, g, tls=tls) for g in via if g != t)
            else:
                out.append(Entry(t, exposure, at, why, path, exact, tls=tls))
        return out

    # ---------------------------------------------------------------- policies on calls

    def apply(self, calls: Mapping[str, tuple[str, str]]) -> None:
        """Set ``timeout_ms``, ``retry``, ``circuit_breaker`` and ``bulkhead`` on the calls (interaction
        identity -> (from, to)) that the mesh's VirtualServices and DestinationRules govern."""
        self._dest_cache.clear()  # externals found since the routes were first resolved now resolve too
        routed = {(t, s) for vs in self.virtual for _i, r in _dicts(vs.get("spec", "http"))
                  for t, s in self._destinations(vs, r) if s}
        for ident in sorted(calls):
            src, dst = calls[ident]
            caller = self.workloads.get(src)
            if caller is None:
                continue
            self._route_policy(ident, caller, dst)
            self._destination_policy(ident, caller, dst, routed)

    def _route_policy(self, ident: str, caller: Workload, target: str) -> None:
        for vs in self.virtual:
            found: list[tuple[int, dict[str, Any]]] = []
            for i, route in _dicts(vs.get("spec", "http")):
                applies, conditional = self._applies(vs, route, caller)
                if not applies:
                    continue
                if target in {t for t, _s in self._destinations(vs, route)}:
                    found.append((i, route))
                if not conditional:
                    break  # later routes never see this caller's requests
            if found:
                self._set_route(ident, vs, found)
                return

    def _set_route(self, ident: str, vs: Obj, found: list[tuple[int, dict[str, Any]]]) -> None:
        timeouts = {self._timeout(vs, i, r)[0] for i, r in found}
        retries = {tuple(sorted(self._retry(vs, i, r)[0].items())) for i, r in found}
        if len(timeouts) > 1 or len(retries) > 1:
            self.body.note("interactions", ident, f"the routes of VirtualService {vs.name} to this target set "
                                                  "different timeouts or retries: set them by hand")
            return
        i, route = found[0]
        timeout, t_at, t_why = self._timeout(vs, i, route)
        if timeout is not None:
            self.body.set("interactions", ident, "timeout_ms", timeout, t_at)
            self.body.note("interactions", ident, f"timeout_ms {timeout} from the mesh: VirtualService {vs.name}, "
                                                  f"http[{i}] {t_why}")
        retry, r_why = self._retry(vs, i, route)
        if retry:
            self.body.set("interactions", ident, "retry", retry, vs.loc("spec", "http", i, "retries"))
            self.body.note("interactions", ident, f"retry from the mesh: VirtualService {vs.name}, http[{i}] "
                                                  f"retries: {r_why}")

    def _timeout(self, vs: Obj, i: int, route: dict[str, Any]) -> tuple[int | None, Location, str]:
        """The wait per attempt: ``retries.perTryTimeout``, else the route's ``timeout`` (Istio's default for
        the per-try timeout)."""
        retries: dict[str, Any] = route["retries"] if isinstance(route.get("retries"), dict) else {}
        for value, path, what in ((retries.get("perTryTimeout"), ("retries", "perTryTimeout"), "perTryTimeout"),
                                  (route.get("timeout"), ("timeout",), "timeout")):
            if value is None:
                continue
            ms = duration_ms(value)
            if ms is None or ms > MAX_MS:
                self.body.remark(vs.loc("spec", "http", i, *path), f"{what} {str(value)[:50]!r} is not a duration "
                                 f"(such as 5s or 250ms){' of at most a day' if ms else ''}: not read")
                continue
            why = f"{what} {value}"
            if what == "perTryTimeout" and route.get("timeout") is not None:
                why += f" (each attempt; the route's timeout {route['timeout']} bounds them all)"
            return ms, vs.loc("spec", "http", i, *path), why
        return None, vs.loc(), ""

    def _retry(self, vs: Obj, i: int, route: dict[str, Any]) -> tuple[dict[str, Any], str]:
        retries = route.get("retries")
        if not isinstance(retries, dict):
            return {}, ""
        out: dict[str, Any] = {}
        why: list[str] = []
        n = retries.get("attempts")
        if isinstance(n, int) and not isinstance(n, bool) and 0 <= n < MAX_ATTEMPTS:
            # Istio counts the retries; the design counts every attempt, the first included.
            out["attempts"] = n + 1
            why.append(f"attempts {n} (retries after the first try)")
            if n > 0:
                out.update(backoff="exponential", jitter=True)
                why.append("Envoy spaces retries with jittered exponential backoff")
        conditions = [c.strip().lower() for c in str(retries.get("retryOn") or "").split(",") if c.strip()]
        if conditions and all(c in _TRANSIENT for c in conditions):
            out["retry_on"] = "transient"
            why.append(f"retryOn {retries['retryOn']} (transient failures only)")
        elif conditions:
            why.append(f"retryOn {retries['retryOn']} (retry_on left unknown: it retries more than transient "
                       "failures)")
        return out, "; ".join(why)

    def _destination_policy(self, ident: str, caller: Workload, target: str,
                            routed: set[tuple[str, str]]) -> None:
        labels = self.workloads[target].labels if target in self.workloads else {}
        for dr in self.rules:
            host = dr.get("spec", "host")
            if not isinstance(host, str) or target not in self.resolve(host, dr.namespace):
                continue
            selector = dr.get("spec", "workloadSelector", "matchLabels")
            if selector is not None and not (dr.namespace == caller.namespace and _labels_match(selector,
                                                                                                   caller.labels)):
                continue
            policies: list[tuple[Any, tuple[str | int, ...], str]] = [
                (dr.get("spec", "trafficPolicy"), ("spec", "trafficPolicy"), "")]
            for si, sub in _dicts(dr.get("spec", "subsets")):
                if (target, str(sub.get("name"))) in routed and _labels_match(sub.get("labels") or {}, labels):
                    policies.append((sub.get("trafficPolicy"), ("spec", "subsets", si, "trafficPolicy"),
                                     f" (subset {sub.get('name')})"))
            for policy, path, what in policies:
                self._set_destination(ident, dr, policy, path, what)
            return

    def _set_destination(self, ident: str, dr: Obj, policy: Any, path: tuple[str | int, ...], what: str) -> None:
        if not isinstance(policy, dict):
            return
        places = [(policy, path)] + [(p, (*path, "portLevelSettings", pi))
                                     for pi, p in _dicts(policy.get("portLevelSettings"))]
        for p, at in places:
            od = p.get("outlierDetection")
            if isinstance(od, dict) and not (od.get("consecutive5xxErrors") == 0 and not od.get(
                    "consecutiveGatewayErrors")):
                self.body.set("interactions", ident, "circuit_breaker", True, dr.loc(*at, "outlierDetection"))
                self.body.note("interactions", ident, f"circuit_breaker from the mesh: DestinationRule {dr.name}"
                                                      f"{what} ejects failing endpoints (outlierDetection)")
            pool: dict[str, Any] = p["connectionPool"] if isinstance(p.get("connectionPool"), dict) else {}
            limits = [f"{k} {v}" for part in ("tcp", "http") if isinstance(pool.get(part), dict)
                      for k, v in pool[part].items()
                      if k in ("maxConnections", "http1MaxPendingRequests", "http2MaxRequests")]
            if limits:
                self.body.set("interactions", ident, "bulkhead", True, dr.loc(*at, "connectionPool"))
                self.body.note("interactions", ident, f"bulkhead from the mesh: DestinationRule {dr.name}{what} "
                                                      f"bounds the calls in flight ({', '.join(limits)})")
