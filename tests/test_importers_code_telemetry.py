"""`import`: a system whose services' code was read and where nothing shows metrics or tracing is stated to have
none (``observability.metrics: false``, ``tracing: none``); presence anywhere wins
(``engine.importers.code_telemetry``)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_telemetry import signals
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

FLASK_APP = """
    import os

    import requests
    from flask import Flask
    app = Flask(__name__)

    @app.route("/orders", methods=["GET"])
    def orders():
        return requests.get(os.environ["BILLING_URL"] + "/orders", timeout=2).json()
"""
GO_MOD_INDIRECT = """
    module example.com/shop

    require (
        cloud.google.com/go/firestore v1.6.1
        go.opencensus.io v0.23.0 // indirect
    )
"""
GO_SERVER = """
    package main

    import "net/http"

    func main() {
        http.HandleFunc("/orders", orders)
        http.ListenAndServe(":8080", nil)
    }
"""
COMPOSE = textwrap.dedent("""
    services:
      orders:
        build: ./orders
        environment:
          BILLING_URL: http://billing:8080
      billing:
        build: ./billing
""").lstrip()


def _observability(specs: list[str]) -> dict[str, Any]:
    design = load_documents(load_artifacts(specs))
    return next((dict(f.data) for f in design.of_kind("observability")), {})


def _system(tmp: str, compose: str = COMPOSE, go_mod: bool = True) -> list[str]:
    path = write(tmp, "compose.yaml", compose)
    write(tmp, "orders/app.py", FLASK_APP)
    write(tmp, "billing/main.go", GO_SERVER)
    if go_mod:
        write(tmp, "billing/go.mod", GO_MOD_INDIRECT)
    return [f"compose={path}", f"source:orders={tmp}/orders", f"source:billing={tmp}/billing"]


def test_no_metrics_and_no_tracing_stated_when_no_code_or_deployment_shows_them(tmp_path: Any) -> None:
    # go.mod lists OpenCensus only as an indirect dependency: the code imports nothing of it
    obs = _observability(_system(str(tmp_path)))
    assert (obs.get("metrics"), obs.get("tracing")) == (False, "none")


def test_the_system_without_metrics_is_one_finding(tmp_path: Any) -> None:
    rv = review([], extra=load_artifacts(_system(str(tmp_path))))
    assert {f.subject for f in rv.findings if f.rule == "no-metrics-collection"} == {"observability:observability"}
    assert not [f for f in rv.findings if f.rule == "service-without-golden-signal-metrics"]


@pytest.mark.parametrize(("file", "code", "absent"), [
    pytest.param("orders/metrics.py", "from prometheus_client import Counter\n", {"tracing": "none"},
                 id="python-prometheus-client"),
    pytest.param("billing/otel.go", 'package main\nimport "go.opentelemetry.io/otel"\n', {},
                 id="go-opentelemetry-both"),
    pytest.param("billing/trace.go", 'package main\nimport "github.com/openzipkin/zipkin-go"\n', {"metrics": False},
                 id="go-zipkin-tracing-only"),
    pytest.param("orders/routes.py", 'from flask import Flask\napp = Flask("x")\n@app.route("/metrics")\n'
                                     "def m():\n    return ''\n", {"tracing": "none"}, id="metrics-route"),
])
def test_presence_in_any_service_code_wins(tmp_path: Any, file: str, code: str, absent: dict[str, Any]) -> None:
    specs = _system(str(tmp_path))
    write(str(tmp_path), file, code)
    obs = _observability(specs)
    assert {k: obs[k] for k in ("metrics", "tracing") if k in obs} == absent


@pytest.mark.parametrize(("extra", "absent"), [
    pytest.param("  prometheus:\n    image: prom/prometheus\n", {"tracing": "none"}, id="prometheus-backend"),
    pytest.param("  jaeger:\n    image: jaegertracing/all-in-one\n", {"metrics": False}, id="jaeger-backend"),
    pytest.param("  collector:\n    image: otel/opentelemetry-collector\n", {}, id="otel-collector-both"),
    pytest.param("  logs:\n    image: grafana/loki\n", {"metrics": False, "tracing": "none"}, id="logging-only"),
])
def test_presence_in_the_deployment_wins(tmp_path: Any, extra: str, absent: dict[str, Any]) -> None:
    compose = COMPOSE + extra
    obs = _observability(_system(str(tmp_path), compose))
    assert {k: obs[k] for k in ("metrics", "tracing") if k in obs} == absent


def test_a_telemetry_variable_of_a_workload_is_presence(tmp_path: Any) -> None:
    compose = COMPOSE.replace("BILLING_URL:", "OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4317\n      BILLING_URL:")
    assert "metrics" not in _observability(_system(str(tmp_path), compose))


def test_no_tracing_is_said_only_of_services_that_call_one_another(tmp_path: Any) -> None:
    compose = COMPOSE.replace("BILLING_URL: http://billing:8080", "MODE: plain")
    obs = _observability(_system(str(tmp_path), compose))
    assert (obs.get("metrics"), "tracing" in obs) == (False, False)


def test_sentry_performance_monitoring_is_presence(tmp_path: Any) -> None:
    specs = _system(str(tmp_path))
    write(str(tmp_path), "orders/monitoring.py", 'import sentry_sdk\nsentry_sdk.init(dsn="x", enable_tracing=True)\n')
    assert _observability(specs) == {}


def test_nothing_is_said_when_no_service_code_was_read(tmp_path: Any) -> None:
    path = write(str(tmp_path), "compose.yaml", COMPOSE)
    assert _observability([f"compose={path}"]) == {}


def test_a_jvm_starter_that_instruments_without_code_is_presence() -> None:
    pom = "<dependency><artifactId>spring-boot-starter-actuator</artifactId></dependency>"
    found = signals([("App.java", "class App {}")], [("svc/pom.xml", pom), ("svc/go.mod", "go.opencensus.io")])
    assert found.metrics is not None and found.metrics[0] == "spring-boot-starter-actuator"
    assert found.tracing is None
    assert signals([("main.go", "package main")], [("go.mod", "require go.opentelemetry.io/otel v1")]).tracing is None


@pytest.mark.parametrize(("code", "metrics"), [
    pytest.param("export interface WebsiteStatsData { pageviews: number }\n", None, id="own-stats-type"),
    pytest.param("type StatsData = { visits: number }\n", None, id="stats-data-at-start"),
    pytest.param("const client = new StatsD({ host: 'agent' });\n", "StatsD", id="hot-shots-client"),
    pytest.param("services.AddSingleton<IStatsDPublisher, StatsDPublisher>();\n", "StatsD", id="dotnet-publisher"),
])
def test_statsd_is_a_word_of_an_identifier_not_the_end_of_another(code: str, metrics: str | None) -> None:
    found = signals([("src/stats.ts", code)])
    assert (found.metrics[0] if found.metrics else None) == metrics
