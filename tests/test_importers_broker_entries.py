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
