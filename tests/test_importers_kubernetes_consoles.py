"""Kubernetes import: a monitoring workload is left out of the review, except a web console a Service publishes."""

from __future__ import annotations

import os

import pytest

from engine.importers import kubernetes
from tests.helpers import write
from tests.importer_helpers import design_of, fact

_TRACES = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: traces}}
    spec:
      selector: {{matchLabels: {{app: traces}}}}
      template:
        metadata: {{labels: {{app: traces, tier: observability}}}}
        spec:
          containers:
            - {{name: traces, image: "jaegertracing/all-in-one:1.57"}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {{name: traces-web}}
    spec:
      type: {kind}
      selector: {{app: traces}}
      ports:
        - {{name: web, port: {port}, targetPort: {target}}}
"""


def _import(tmp_path: os.PathLike[str], kind: str, port: int, target: int) -> object:
    path = write(str(tmp_path), "traces.yaml", _TRACES.format(kind=kind, port=port, target=target))
    return design_of(kubernetes.import_path(path))


def test_a_tracing_ui_behind_a_load_balancer_is_an_open_admin_surface(tmp_path: os.PathLike[str]) -> None:
    design = _import(tmp_path, "LoadBalancer", 80, 16686)
    # the workload one Service alone selects takes that Service's name, and its console is named after it
    ui = fact(design, "endpoint:traces-web-ui")  # type: ignore[arg-type]
    assert (ui.data["admin"], ui.data["authn"], ui.data["exposure"], ui.data["tls"]) == (True, "none", "public", False)
    svc = fact(design, "service:traces-web")  # type: ignore[arg-type]
    assert (svc.data["criticality"], svc.data["exposure"]) == ("best_effort", "public")
    assert svc.data["operator_tool"] is True  # imported for its console only: no user's request goes to it


def test_a_node_port_publishes_the_console_on_the_nodes(tmp_path: os.PathLike[str]) -> None:
    ui = fact(_import(tmp_path, "NodePort", 16686, 16686), "endpoint:traces-web-ui")  # type: ignore[arg-type]
    assert ui.data["exposure"] == "host"


@pytest.mark.parametrize(("kind", "target"), [
    pytest.param("ClusterIP", 16686, id="console-kept-inside-the-cluster"),
    pytest.param("LoadBalancer", 14268, id="only-the-span-collector-published"),
])
def test_a_monitoring_workload_stays_out_when_its_console_is_not_published(
        tmp_path: os.PathLike[str], kind: str, target: int) -> None:
    keys = {f.key for f in _import(tmp_path, kind, 80, target).facts}  # type: ignore[attr-defined]
    assert not any(k.startswith(("service:traces", "endpoint:traces")) for k in keys)
