"""A published port of a message broker or a coordination service speaks its own client protocol (AMQP, Kafka,
ZooKeeper), not HTTP: the entry endpoint the import makes for it asks for no request rate limit
(``public-endpoint-without-rate-limit``), while an application's entry does and a broker's web console stays an
administrative surface."""

from __future__ import annotations

import json

from engine.importers import compose, import_paths, kubernetes
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import design_of, fact

COMPOSE = """
    services:
      shop:
        image: acme/shop:1.0
        ports: ["8080:8080"]
        environment: {AMQP_URL: "amqp://rabbitmq:5672", ZK: "zookeeper:2181"}
      rabbitmq:
        image: rabbitmq:3-management
        ports: ["5672:5672", "15672:15672"]
      zookeeper:
        image: zookeeper:3.9
        ports: ["2181:2181"]
"""


def test_broker_and_coordinator_entries_ask_for_no_rate_limit(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", COMPOSE)
    d = design_of(compose.import_file(path))
    assert fact(d, "service:zookeeper").data["tags"] == ["coordinator"]
    assert fact(d, "service:rabbitmq").data["tags"] == ["broker"]
    findings = {(f.rule, f.subject) for f in review([], extra=import_paths("compose", [path])).findings}
    limited = {s for r, s in findings if r == "public-endpoint-without-rate-limit"}
    assert "endpoint:shop-entry" in limited
    assert not limited & {"endpoint:rabbitmq-entry", "endpoint:zookeeper-entry", "endpoint:rabbitmq-ui"}
    assert ("admin-endpoint-on-public-surface", "endpoint:rabbitmq-ui") in findings  # the console stays reported


def test_a_kubernetes_zookeeper_is_a_coordinator(tmp_path: object) -> None:
    container = {"name": "zookeeper", "image": "zookeeper:3.9", "ports": [{"containerPort": 2181}]}
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "zookeeper"},
                "spec": {"template": {"spec": {"containers": [container]}}}}
    path = write(str(tmp_path), "zk.yaml", json.dumps(manifest))
    assert fact(design_of(kubernetes.import_path(path)), "service:zookeeper").data["tags"] == ["coordinator"]


def _rabbitmq_manifests(ports: list[dict[str, object]]) -> str:
    labels = {"app": "rabbitmq"}
    container = {"name": "rabbitmq", "image": "rabbitmq:3-management-alpine",
                 "ports": [{"containerPort": 5672}, {"containerPort": 15672}]}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "rabbitmq"},
                  "spec": {"selector": {"matchLabels": labels},
                           "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "rabbitmq"},
               "spec": {"type": "NodePort", "selector": labels, "ports": ports}}
    return json.dumps(deployment) + "\n---\n" + json.dumps(service)


def test_a_kubernetes_broker_publishing_its_console_beside_amqp_has_an_admin_console(tmp_path: object) -> None:
    # the NodePort forwards the management UI (15672) and AMQP (5672): the entry stays the broker's, and the
    # console is an administrative surface of its own, as a compose file publishing both reads
    ports = [{"name": "http-admin", "port": 15672, "targetPort": 15672, "nodePort": 30001},
             {"name": "data", "port": 5672, "targetPort": 5672}]
    path = write(str(tmp_path), "rabbitmq.yaml", _rabbitmq_manifests(ports))
    ui = fact(design_of(kubernetes.import_path(path)), "endpoint:rabbitmq-ui").data
    assert (ui["admin"], ui["exposure"], ui["served_by"]) == (True, "host", "rabbitmq")
    findings = {(f.rule, f.subject) for f in review([], extra=import_paths("kubernetes", [path])).findings}
    assert ("admin-endpoint-on-public-surface", "endpoint:rabbitmq-ui") in findings
    assert ("public-endpoint-without-rate-limit", "endpoint:rabbitmq-entry") not in findings


def test_a_kubernetes_broker_publishing_only_amqp_has_no_console_endpoint(tmp_path: object) -> None:
    path = write(str(tmp_path), "rabbitmq.yaml", _rabbitmq_manifests([{"port": 5672, "targetPort": 5672}]))
    design = design_of(kubernetes.import_path(path))
    keys = {f.key for f in design.facts}
    assert "endpoint:rabbitmq-entry" in keys and "endpoint:rabbitmq-ui" not in keys


def test_a_kubernetes_console_on_a_plain_http_service_has_tls_false(tmp_path: object) -> None:
    # every port of the NodePort is HTTP's by number or name and no annotation gives a certificate: the reviewed
    # workload's console endpoint says so, as an observability console's does
    ports = [{"port": 80, "targetPort": 15672}, {"name": "http", "port": 8080, "targetPort": 5672}]
    path = write(str(tmp_path), "rabbitmq.yaml", _rabbitmq_manifests(ports))
    assert fact(design_of(kubernetes.import_path(path)), "endpoint:rabbitmq-ui").data["tls"] is False
