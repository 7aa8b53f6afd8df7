"""Istio with the Kubernetes import: VirtualService timeouts and retries, DestinationRule circuit breakers
and bulkheads on the calls into a host, and the routes an ingress Gateway (or an Ingress) publishes."""

from __future__ import annotations

import os
import textwrap

import pytest

from engine.errors import ArchplanError
from engine.importers import kubernetes
from engine.importers.istio import duration_ms
from engine.model.design import Design
from engine.source import parse
from tests.helpers import write
from tests.importer_helpers import design_of, fact, fixture, line_of

MESH = fixture("kubernetes", "istio", "mesh.yaml")

_APP = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}{ns}}}
    spec:
      selector: {{matchLabels: {labels}}}
      template:
        metadata: {{labels: {labels}}}
        spec:
          containers:
            - name: {name}
              image: {image}
              env: {env}
    ---
    """


def _app(name: str, *, labels: str = "", image: str = "", env: str = "[]", ns: str = "",
         service: bool = False) -> str:
    """A Deployment (and, with ``service``, a Service selecting it), ending in ``---``."""
    text = textwrap.dedent(_APP).lstrip().format(
        name=name, labels=labels or f"{{app: {name}}}", image=image or f"shop/{name}:1", env=env,
        ns=f", namespace: {ns}" if ns else "")
    if service:
        text += f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{selector: {{app: {name}}}}}\n---\n"
    return text


@pytest.fixture(scope="module")
def mesh() -> Design:
    return design_of(kubernetes.import_path(os.path.dirname(MESH)))


def test_a_virtual_service_sets_timeout_and_retries_on_the_calls_into_its_destination(mesh: Design) -> None:
    call = fact(mesh, "interaction:frontend->reviews-v1")
    # perTryTimeout is the wait per attempt (the model's timeout x attempts); Istio counts 3 retries, 4 tries
    assert call.data["timeout_ms"] == 2000
    assert call.data["retry"] == {"attempts": 4, "backoff": "exponential", "jitter": True, "retry_on": "transient"}
    assert (call.locate("timeout_ms").file, call.locate("timeout_ms").line) == (MESH, line_of(MESH, "perTryTimeout"))
    assert call.locate("retry").line == line_of(MESH, "retries:")
    notes = kubernetes.import_path(MESH)[0].notes["interaction:frontend->reviews-v1"]  # type: ignore[attr-defined]
    assert any(n.startswith("timeout_ms 2000 from the mesh: VirtualService reviews") and "timeout 5s" in n
               for n in notes)


def test_source_labels_narrow_a_route_and_a_route_without_timeout_sets_nothing(mesh: Design) -> None:
    from_reviews = fact(mesh, "interaction:reviews-v1->ratings")
    assert from_reviews.data["timeout_ms"] == 250 and from_reviews.data["retry"] == {"attempts": 1}  # attempts: 0
    assert from_reviews.locate("timeout_ms").line == line_of(MESH, "timeout: 250ms")
    from_frontend = fact(mesh, "interaction:frontend->ratings").data  # not app: reviews -> the second route
    assert "timeout_ms" not in from_frontend and "retry" not in from_frontend


def test_a_route_bound_only_to_gateways_leaves_the_calls_inside_the_mesh_alone(mesh: Design) -> None:
    call = fact(mesh, "interaction:frontend->details")
    assert "timeout_ms" not in call.data  # VirtualService details names shop-gateway, not mesh
    assert call.data["circuit_breaker"] is True  # a DestinationRule governs every caller
    assert call.locate("circuit_breaker").line == line_of(MESH, "outlierDetection: {consecutiveGatewayErrors")


def test_destination_rules_give_circuit_breakers_and_bulkheads_and_say_nothing_else(mesh: Design) -> None:
    call = fact(mesh, "interaction:frontend->reviews-v1")
    assert call.data["circuit_breaker"] is True and call.data["bulkhead"] is True
    # the subset the VirtualService routes to ejects failing pods; the host's pool bounds connections
    assert call.locate("circuit_breaker").line == line_of(MESH, "outlierDetection:")
    assert call.locate("bulkhead").line == line_of(MESH, "connectionPool:")
    for key in ("interaction:frontend->ratings", "interaction:reviews-v1->ratings"):
        data = fact(mesh, key).data  # DestinationRule ratings: a load balancer, no outlierDetection
        assert "circuit_breaker" not in data and "bulkhead" not in data


def test_an_ingress_gateway_publishes_the_uri_matches_of_its_virtual_services(mesh: Design) -> None:
    details = fact(mesh, "service:details")
    assert details.data["exposure"] == "public"
    prefix = fact(mesh, "endpoint:details-entry/details")
    assert {k: prefix.data[k] for k in ("method", "path", "served_by")} == {
        "method": "ANY", "path": "/details", "served_by": "details"}
    assert prefix.location.line == line_of(MESH, "uri: {prefix: /details}")
    assert fact(mesh, "endpoint:details-entry/health").location.line == line_of(MESH, "uri: {exact: /health}")
    # a route with no uri match publishes every path of its destination
    assert fact(mesh, "service:frontend").data["exposure"] == "public"
    assert fact(mesh, "endpoint:frontend-entry").data["path"] == "/"
    # an egress gateway publishes nothing
    assert fact(mesh, "service:ratings").data["exposure"] == "internal"
    assert {e.data["served_by"] for e in mesh.of_kind("endpoint")} == {"details", "frontend"}


def test_a_gateway_workload_in_the_manifests_serves_the_routes_and_calls_the_destination(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "m.yaml", _app("ingressgateway", labels="{istio: ingressgateway}",
                                               image="docker.io/istio/proxyv2:1.22.0", ns="istio-system")
                 + _app("web", env='[{name: ORDERS_URL, value: "http://orders:8080"}]') + _app("orders", service=True)
                 + textwrap.dedent("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: public, namespace: istio-system}
        spec:
          selector: {istio: ingressgateway}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: orders}
        spec:
          hosts: [orders, shop.example.com]
          gateways: [istio-system/public, mesh]
          http:
            - match:
                - uri: {prefix: /orders}
              timeout: 4s
              route:
                - destination: {host: orders.default.svc.cluster.local}
        """))
    d = design_of(kubernetes.import_path(path))
    gateway = fact(d, "service:ingressgateway").data
    assert gateway["kind"] == "gateway" and gateway["exposure"] == "public"
    ep = fact(d, "endpoint:ingressgateway-entry/orders").data
    assert (ep["path"], ep["served_by"], ep["routes_to"]) == ("/orders", "ingressgateway", ["orders"])
    assert fact(d, "service:orders").data["exposure"] == "internal"
    # the gateway's call and the mesh's call both get the route's timeout
    for caller in ("ingressgateway", "web"):
        call = fact(d, f"interaction:{caller}->orders")
        assert call.data["timeout_ms"] == 4000 and call.locate("timeout_ms").line == line_of(path, "timeout: 4s")
    assert "routes requests from ingressgateway" in fact(d, "interaction:ingressgateway->orders").data[
        "inferred_from"]


def test_ingress_paths_become_endpoints(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "m.yaml", _app("api", service=True) + textwrap.dedent("""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
            - http:
                paths:
                  - path: /api
                    pathType: Prefix
                    backend: {service: {name: api, port: {number: 80}}}
                  - path: /login
                    pathType: Exact
                    backend: {service: {name: api, port: {number: 80}}}
        """))
    (doc,) = kubernetes.import_path(path)
    d = design_of([doc])
    assert {e.name: (e.data["path"], e.data["served_by"]) for e in d.of_kind("endpoint")} == {
        "api-entry/api": ("/api", "api"), "api-entry/login": ("/login", "api")}
    assert fact(d, "endpoint:api-entry/api").location.line == line_of(path, "- path: /api")
    assert doc.notes["endpoint:api-entry/login"] == [  # type: ignore[attr-defined]
        "stands for the route /login (Ingress web); the artifact names no method",
        "tls false: Ingress web has no spec.tls: its hosts are served over plain HTTP"]


def test_unreadable_durations_are_warnings_and_disagreeing_routes_set_nothing(tmp_path: os.PathLike[str]) -> None:
    web = _app("web", env='[{name: A_URL, value: "http://a:80"}]')
    path = write(str(tmp_path), "m.yaml", web + _app("a", service=True) + textwrap.dedent("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: a}
        spec:
          hosts: [a]
          http:
            - match: [{uri: {prefix: /slow}}]
              timeout: 30s
              route: [{destination: {host: a}}]
            - timeout: soon
              route: [{destination: {host: a}}]
        """))
    (doc,) = kubernetes.import_path(path)
    assert "timeout_ms" not in fact(design_of([doc]), "interaction:web->a").data
    assert (str(doc.remarks[0][0]), doc.remarks[0][1]) == (f"{path}:{line_of(path, 'timeout: soon')}:7",
                                                           "timeout 'soon' is not a duration (such as 5s or 250ms): "
                                                           "not read")
    assert any("different timeouts" in n for n in doc.notes["interaction:web->a"])  # type: ignore[attr-defined]


def test_a_hand_written_timeout_wins_over_the_mesh(mesh: Design) -> None:
    hand = parse("source: infrastructure\ninteractions:\n  - {from: frontend, to: reviews-v1, timeout_ms: 900}\n",
                 "design/infra.yaml")
    d = design_of([hand, *kubernetes.import_path(MESH)])
    call = fact(d, "interaction:frontend->reviews-v1")
    assert call.data["timeout_ms"] == 900 and call.data["retry"]["attempts"] == 4
    assert any("timeout_ms" in w.message for w in d.warnings)


def test_a_virtual_service_whose_http_is_not_a_list_is_a_located_error(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "m.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: a}
        spec:
          http: {timeout: 5s}
        """)
    with pytest.raises(ArchplanError, match=r"m\.yaml:5:\d+: spec\.http: http must be a list, not a dict"):
        kubernetes.import_path(path)


@pytest.mark.parametrize(("text", "ms"), [
    ("5s", 5000), ("250ms", 250), ("1m30s", 90_000), ("0.5s", 500), ("1h", 3_600_000), ("0s", 0), ("100us", 1),
    ("5", None), ("soon", None), ("", None), (5, None),
], ids=str)
def test_istio_durations(text: object, ms: int | None) -> None:
    assert duration_ms(text) == ms


def test_match_gateways_override_the_virtual_service_gateways_and_source_namespace_narrows(
        tmp_path: os.PathLike[str]) -> None:
    web = _app("web", env='[{name: A_URL, value: "http://a.default:80"}]')
    job = _app("job", env='[{name: A_URL, value: "http://a.default:80"}]', ns="batch")
    path = write(str(tmp_path), "m.yaml", web + job + _app("a", service=True) + textwrap.dedent("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: a}
        spec:
          hosts: [a]
          gateways: [edge]
          http:
            - match: [{gateways: [mesh], sourceNamespace: default}]
              timeout: 2s
              route: [{destination: {host: a}}]
            - match: [{gateways: []}]
              timeout: 9s
              route: [{destination: {host: a}}]
        """))
    d = design_of(kubernetes.import_path(path))
    assert fact(d, "interaction:web->a").data["timeout_ms"] == 2000
    # job runs in another namespace; the second route falls back to the VirtualService's gateways (edge only)
    assert "timeout_ms" not in fact(d, "interaction:job->a").data


_GATEWAY = """
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {{name: edge}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
{servers}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {{name: web-in}}
spec:
  hosts: ["*"]
  gateways: [edge]
  http:
    - route:
        - destination: {{host: web}}
"""


def _gateway(servers: str) -> str:
    return _GATEWAY.lstrip().format(servers=textwrap.indent(servers.strip(), " " * 6))


@pytest.mark.parametrize(("servers", "tls"), [
    ("- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ['*']", False),
    # a plaintext server beside a TLS one still lets requests in unencrypted
    ("- port: {number: 443, name: https, protocol: HTTPS}\n  tls: {mode: SIMPLE, credentialName: web-cert}\n"
     "- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ['*']", False),
    ("- port: {number: 443, name: https, protocol: HTTPS}\n  tls: {mode: SIMPLE, credentialName: web-cert}", True),
    # an HTTP server that only redirects to HTTPS serves nothing in plaintext, but the design cannot say it all
    ("- port: {number: 80, name: http, protocol: HTTP}\n  tls: {httpsRedirect: true}", None),
])
def test_an_ingress_gateway_states_whether_its_entry_is_served_with_tls(
        tmp_path: os.PathLike[str], servers: str, tls: bool | None) -> None:
    path = write(str(tmp_path), "m.yaml", _app("web", service=True) + _gateway(servers))
    (doc,) = kubernetes.import_path(path)
    ep = fact(design_of([doc]), "endpoint:web-entry")
    assert ep.data.get("tls") is tls
    if tls is not None:
        assert ep.locate("tls").file == path
        said = str(tls).lower()
        assert any(n.startswith((f"tls {said}: Gateway edge", f"tls {said}: every server of Gateway edge"))
                   for n in doc.notes["endpoint:web-entry"])  # type: ignore[attr-defined]


def test_more_manifests_keep_the_plaintext_fact_of_each_way_in(tmp_path: os.PathLike[str]) -> None:
    # a port-80 LoadBalancer says tls false; a gateway whose TLS the manifests do not state must not erase it,
    # whichever file is read first
    lb = write(str(tmp_path), "k8s/web.yaml", _app("web") + textwrap.dedent("""
        apiVersion: v1
        kind: Service
        metadata: {name: web-external}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """))
    mesh_dir = os.path.join(str(tmp_path), "a-mesh")
    write(mesh_dir, "gw.yaml", _gateway("- port: {number: 8443, name: tcp-web, protocol: MONGO}"))
    alone = fact(design_of(kubernetes.import_path(os.path.dirname(lb))), "endpoint:web-entry")
    both = fact(design_of(kubernetes.import_paths([os.path.dirname(lb), mesh_dir])), "endpoint:web-entry")
    assert alone.data["tls"] is False and both.data["tls"] is False
    assert both.locate("tls").line == line_of(lb, "ports: [{name: http, port: 80")
