"""Kubernetes import: tracing clients that send their spans to a loopback address where nothing listens."""

from __future__ import annotations

import os

import pytest

from engine.importers import kubernetes
from tests.helpers import write
from tests.importer_helpers import design_of


def _workload(name: str, variable: str, address: str, *, sidecar: bool = False, annotated: bool = False) -> str:
    agent = "\n            - {name: agent, image: 'jaegertracing/jaeger-agent:1.57'}" if sidecar else ""
    notes = "\n          annotations: {'sidecar.jaegertracing.io/inject': 'true'}" if annotated else ""
    return f"""
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata:
          labels: {{app: {name}}}{notes}
        spec:
          containers:
            - name: {name}
              image: example/{name}:2.0
              env: [{{name: {variable}, value: '{address}'}}]{agent}
"""


def _tracing(tmp_path: os.PathLike[str], text: str) -> object:
    design = design_of(kubernetes.import_path(write(str(tmp_path), "apps.yaml", text)))
    facts = design.by_key()
    obs = facts.get("observability:observability")
    return obs.data.get("tracing") if obs is not None else None


def test_spans_every_workload_sends_to_its_own_loopback_are_collected_by_nobody(tmp_path: os.PathLike[str]) -> None:
    text = (_workload("basket", "JAEGER_AGENT_HOST", "localhost")
            + _workload("billing", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"))
    assert _tracing(tmp_path, text) == "none"


@pytest.mark.parametrize("second", [
    pytest.param(_workload("billing", "JAEGER_AGENT_HOST", "localhost", sidecar=True), id="agent-sidecar-in-a-pod"),
    pytest.param(_workload("billing", "JAEGER_AGENT_HOST", "localhost", annotated=True), id="agent-injected"),
    pytest.param(_workload("billing", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.monitoring:4317"),
                 id="a-collector-elsewhere"),
])
def test_tracing_is_left_unknown_when_some_spans_can_reach_an_agent(tmp_path: os.PathLike[str], second: str) -> None:
    assert _tracing(tmp_path, _workload("basket", "JAEGER_AGENT_HOST", "localhost") + second) is None


def test_workloads_naming_no_tracing_address_say_nothing_of_tracing(tmp_path: os.PathLike[str]) -> None:
    assert _tracing(tmp_path, _workload("basket", "LOG_LEVEL", "localhost")) is None
