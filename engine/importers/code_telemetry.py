"""Metrics and tracing instrumentation in what an import read -> ``observability.metrics`` and ``.tracing``.

Presence wins. A system is said to have no metrics (``observability.metrics: false``) or no distributed tracing
(``observability.tracing: none``) only when the import read the code of its services (one service's at least;
services whose code was not read, such as third-party images, are judged by their deployment) and nothing it read
shows the signal: no service's code uses a metrics or tracing library (``signals``: its imports and calls, comments
left out), serves a ``/metrics`` route, or is built on a framework starter that instruments it with no code of its
own (Spring Boot's actuator, Micrometer, Sleuth, in a Java or Kotlin build file); no deployment runs a metrics or
tracing backend (Prometheus, Grafana, Jaeger, Zipkin, Tempo, an OpenTelemetry collector: ``infra``'s
``observability`` role, its logging-only images aside), sets a telemetry variable (``OTEL_*``, ``JAEGER_*``,
``DD_*``...) or starts a process under an instrumenting agent (``opentelemetry-instrument``, ``-javaagent``); no
Dapr sidecar or .NET Aspire host (which instrument every service they run) is imported. A dependency manifest alone
(``go.mod``, ``package.json``, ``requirements.txt``) shows nothing: it lists what a library pulls in indirectly (an
OpenCensus module under a cloud client) as well as what the code uses.

With no service's code read, nothing is said: the absence of a signal in deployment files alone proves nothing.
No tracing is said only of services that call one another, two of them at least with their code read: a single
application behind a proxy has no trace to distribute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.errors import Location
from engine.importers.base import ArtifactDocument
from engine.model.document import Document

_BOTH = (r"opentelemetry|OpenTelemetry|go\.opentelemetry\.io|@opentelemetry|opencensus|OpenCensus|"
         r"\bddtrace\b|dd-trace|datadog|DataDog|Datadog|\bnewrelic\b|NewRelic|New Relic|elasticapm|elastic-apm|"
         r"co\.elastic\.apm|\binstana\b|Instana|appdynamics|AppDynamics|ApplicationInsights|applicationinsights|"
         r"\bdapr\b|\bDapr\b|enable_tracing|enableTracing|traces_sample_rate|tracesSampleRate")
"""Libraries and agents that report both metrics and traces (Sentry's performance monitoring, switched on by its
tracing options, records each transaction's rate, latency and failures as well as its spans)."""
_METRICS = re.compile(
    rf"{_BOTH}|prometheus|Prometheus|\bpromhttp\b|micrometer|Micrometer|MeterRegistry|\bstatsd\b|"
    r"(?<![a-z])Stats[Dd](?![a-z])|"
    r"dogstatsd|com\.codahale\.metrics|io\.dropwizard\.metrics|App\.Metrics|System\.Diagnostics\.Metrics|"
    r"\bexpvar\b|\bhystrix\b|Hystrix|"
    r"""["'`]/(?:[\w.-]+/)*metrics/?["'`]|\bpath\(\s*["']metrics/""")
"""A metrics library, exporter or endpoint in code (``/metrics`` as a route's path). StatsD's capitalised names count
as a word of an identifier (``StatsDClient``, ``IStatsDPublisher``), never as the end of another word running on
(``WebsiteStatsData``, a type of the application's own statistics)."""
_TRACING = re.compile(
    rf"{_BOTH}|opentracing|OpenTracing|\bjaeger|Jaeger|zipkin|Zipkin|\bbrave\b|\bsleuth\b|Sleuth|"
    r"micrometer[.-]tracing|io\.micrometer\.tracing|aws-xray|aws_xray_sdk|AWSXRay|\bActivitySource\b")
"""A tracing library, propagator or exporter in code."""
_STARTERS = re.compile(r"spring-boot-starter-actuator|micrometer|spring-cloud-starter-sleuth|"
                       r"spring-cloud-sleuth|opentelemetry|zipkin|brave")
"""What a Java or Kotlin build file compiles in that instruments the service with no code of its own."""
_JVM_BUILDS = ("pom.xml", "build.gradle", "build.gradle.kts")

_ENV_METRICS = re.compile(r"PROMETHEUS|METRIC|STATSD|MICROMETER|MANAGEMENT_ENDPOINTS")
_ENV_TRACING = re.compile(r"TRACING|TRACER|JAEGER|ZIPKIN|SLEUTH|XRAY")
_ENV_BOTH = re.compile(r"(?:^|_)OTEL_|OPENTELEMETRY|^DD_|DATADOG|NEW_?RELIC|ELASTIC_APM|INSTANA|APPLICATIONINSIGHTS|"
                       r"APPINSIGHTS|HONEYCOMB|LIGHTSTEP|SIGNOZ|DAPR")
_VALUE = re.compile(r"opentelemetry|otel-collector|otlp|jaeger|zipkin|prometheus|statsd|javaagent|ddtrace|newrelic",
                    re.IGNORECASE)
"""A deployment's variable value or command naming a telemetry backend or an instrumenting agent."""
_LOGGING_ONLY = re.compile(r"loki|promtail|fluent|logstash|kibana|\bseq\b|datalust", re.IGNORECASE)
"""Observability images that collect logs only."""
_OBSERVABILITY = "metrics, tracing or logging infrastructure"
_TRACING_BACKEND = re.compile(r"jaeger|zipkin|tempo", re.IGNORECASE)
_METRICS_BACKEND = re.compile(r"prometheus|grafana|alertmanager|exporter|cadvisor", re.IGNORECASE)


@dataclass(frozen=True)
class Signals:
    """The first sign of metrics and of tracing in a service's code, each with what shows it and where."""

    metrics: tuple[str, Location] | None = None
    tracing: tuple[str, Location] | None = None


def _first(pattern: re.Pattern[str], files: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    for path, text in files:
        m = pattern.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            return m.group(0).strip("\"'`"), Location(path, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)
    return None


def signals(code: Sequence[tuple[str, str]], builds: Sequence[tuple[str, str]] = ()) -> Signals:
    """The metrics and tracing ``code`` (files with their text, comments blanked) shows, or the JVM build files of
    ``builds`` (path, text) compile in (a starter that instruments with no code of its own)."""
    jvm = [(p, t) for p, t in builds if p.endswith(_JVM_BUILDS)]
    return Signals(metrics=_first(_METRICS, code) or _first(_STARTERS, jvm),
                   tracing=_first(_TRACING, code) or _first(re.compile(r"sleuth|opentelemetry|zipkin|brave|"
                                                                       r"micrometer-tracing"), jvm))


@dataclass(frozen=True)
class _Seen:
    metrics: list[str]
    tracing: list[str]
    read: list[str]


def _deployment(d: Document, seen: _Seen) -> None:
    """What a deployment document shows: a telemetry backend it runs, a variable or command of an agent."""
    for name, why in sorted(getattr(d, "not_reviewed", {}).items()):
        if not why.startswith(_OBSERVABILITY) or _LOGGING_ONLY.search(why):
            continue
        tracing, metrics = _TRACING_BACKEND.search(why), _METRICS_BACKEND.search(why)
        if tracing or not metrics:  # a collector (OpenTelemetry's, an agent) carries both
            seen.tracing.append(f"{name} runs a tracing backend ({why})")
        if metrics or not tracing:
            seen.metrics.append(f"{name} runs a metrics backend ({why})")
    environment: Mapping[str, Mapping[str, tuple[str, Location]]] = getattr(d, "environment", {})
    for workload, env in sorted(environment.items()):
        for key, (value, at) in sorted(env.items()):
            both = _ENV_BOTH.search(key) or _VALUE.search(str(value))
            if both or _ENV_METRICS.search(key):
                seen.metrics.append(f"{workload} is given {key} ({at})")
            if both or _ENV_TRACING.search(key):
                seen.tracing.append(f"{workload} is given {key} ({at})")
    programs: Mapping[str, tuple[str, tuple[str, ...]]] = getattr(d, "programs", {})
    for workload, (command, _runs) in sorted(programs.items()):
        if _VALUE.search(command):
            seen.metrics.append(f"{workload} runs under an agent ({command[:80]})")
            seen.tracing.append(f"{workload} runs under an agent ({command[:80]})")
    if getattr(d, "pubsubs", None) or getattr(d, "format", "") in ("dapr", "aspire"):
        seen.metrics.append(f"{d.file} runs services under Dapr or .NET Aspire, which instrument them")
        seen.tracing.append(f"{d.file} runs services under Dapr or .NET Aspire, which instrument them")


def absent_telemetry(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``observability.metrics: false`` and ``observability.tracing: none`` where the whole import
    shows neither (module docstring), said in a note on the observability fact; only when some service's code was
    read (for tracing, the code of two services that call one another: ``_calling``), and neither field is stated
    already in any document."""
    read = [d for d in docs if isinstance(getattr(d, "telemetry", None), Signals)]
    if not read:
        return list(docs)
    seen = _Seen([], [], [])
    for d in read:
        sig: Signals = d.telemetry  # type: ignore[attr-defined]
        service = str(getattr(d, "service", d.file))
        seen.read.append(service)
        if sig.metrics:
            seen.metrics.append(f"{service}'s code: {sig.metrics[0]} ({sig.metrics[1]})")
        if sig.tracing:
            seen.tracing.append(f"{service}'s code: {sig.tracing[0]} ({sig.tracing[1]})")
    for d in docs:
        if not isinstance(getattr(d, "telemetry", None), Signals):
            _deployment(d, seen)
    stated = {k for d in docs if isinstance(d.data, dict) and isinstance(d.data.get("observability"), dict)
              for k in d.data["observability"]}
    absent: dict[str, Any] = {}
    if not seen.metrics and "metrics" not in stated:
        absent["metrics"] = False
    if not seen.tracing and "tracing" not in stated and _calling(docs, set(seen.read)):
        absent["tracing"] = "none"
    if not absent:
        return list(docs)
    return _with_observability(docs, absent, read, sorted(set(seen.read)))


def _calling(docs: Sequence[Document], read: set[str]) -> bool:
    """Whether two of the services whose code was read call one another: tracing is distributed across services
    that do (one service's code, or services called only by proxies and third-party images, propagates nothing)."""
    for d in docs:
        calls = d.data.get("interactions") if isinstance(d.data, dict) else None
        for c in calls if isinstance(calls, list) else ():
            if isinstance(c, dict) and c.get("from") in read and c.get("to") in read and c["from"] != c["to"]:
                return True
    return False


def _with_observability(docs: Sequence[Document], absent: Mapping[str, Any], read: Sequence[Document],
                        services: Sequence[str]) -> list[Document]:
    """``docs`` with ``absent`` set on the observability fact of the first infrastructure document that is not a
    service's code (else of the first service's code), stated where the first service's code was read."""
    code = {id(d) for d in read}
    carriers = [d for d in docs if isinstance(d, ArtifactDocument) and isinstance(d.data, dict)]
    target = next((d for d in carriers if id(d) not in code and d.data.get("source") == "infrastructure"),
                  next((d for d in carriers if id(d) in code), None))
    if target is None:
        return list(docs)
    paths: Sequence[str] = getattr(read[0], "code_paths", ())
    folders = [p for p in paths if "." not in os.path.basename(p)] or list(paths)  # a folder, not a manifest
    at = Location(folders[0]) if folders else read[0].locate(())
    said = {"metrics": "metrics false: no service's code uses a metrics library, serves /metrics or is built with "
                       "a starter that exports metrics, and no deployment runs a metrics backend",
            "tracing": "tracing none: no service's code uses a tracing library or is built with a starter that "
                       "traces, and no deployment runs a tracing backend"}
    notes = [f"{said[k]}, an instrumenting agent or sets a telemetry variable (the code of "
             f"{', '.join(services)} read; dependency manifests alone not counted)" for k in sorted(absent)]
    current = target.data.get("observability")
    section = dict(current) if isinstance(current, dict) else {}
    section.update(absent)
    where = dict(target.where)
    where.setdefault(("observability",), at)
    where.update({("observability", k): at for k in absent})
    key = "observability:observability"
    edited = replace(target, data={**target.data, "observability": section}, where=where,
                     notes={**target.notes, key: [*target.notes.get(key, []), *notes]})
    return [edited if d is target else d for d in docs]
