"""A broker deployed on Kubernetes with no persistent volume, or on compose with no volume at its message store: the
channels it carries are not durable (``kubernetes`` and ``compose`` record the broker, ``base.volatile_channels``
gives the channels it carries ``durable: false``)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

# two workloads reach the broker `mq` through their environment; the broker's storage is filled in per test
MANIFESTS = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: mq}
    spec:
      replicas: 1
      selector: {matchLabels: {app: mq}}
      template:
        metadata: {labels: {app: mq}}
        spec:
          containers:
            - name: mq
              image: rabbitmq:3.13-management
    {storage}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: mq}
    spec:
      selector: {app: mq}
      ports: [{port: 5672}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: till}
    spec:
      selector: {matchLabels: {app: till}}
      template:
        metadata: {labels: {app: till}}
        spec:
          containers:
            - name: till
              image: acme/till:2
              env: [{name: AMQP_URL, value: "amqp://mq:5672"}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ledger}
    spec:
      selector: {matchLabels: {app: ledger}}
      template:
        metadata: {labels: {app: ledger}}
        spec:
          containers:
            - name: ledger
              image: acme/ledger:2
              env: [{name: AMQP_URL, value: "amqp://{ledger_broker}:5672"}]
    {other}
"""

CLAIM = """
      volumeClaimTemplates:
        - metadata: {name: spool}
          spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""
MOUNT = """
              volumeMounts: [{name: spool, mountPath: /var/lib/rabbitmq}]
"""

SECOND_BROKER = """
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: mq2}
    spec:
      selector: {matchLabels: {app: mq2}}
      template:
        metadata: {labels: {app: mq2}}
        spec:
          containers:
            - name: mq2
              image: rabbitmq:3.13
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: mq2}
    spec:
      selector: {app: mq2}
      ports: [{port: 5672}]
"""


def _channel(tmp_path: Any, *, storage: str = "", ledger_broker: str = "mq", other: str = "") -> dict[str, Any]:
    root = str(tmp_path)
    text = MANIFESTS.replace("{storage}", storage).replace("{ledger_broker}", ledger_broker).replace("{other}", other)
    write(root, "deploy/all.yaml", text)
    write(root, "till/send.js", """
        const amqp = require('amqplib')
        async function send(body) {
          const ch = await (await amqp.connect(process.env.AMQP_URL)).createChannel()
          ch.sendToQueue('receipts', Buffer.from(JSON.stringify(body)))
        }
        """)
    write(root, "ledger/main.go", """
        package main

        import (
            "os"

            amqp "github.com/rabbitmq/amqp091-go"
        )

        func main() {
            conn, _ := amqp.Dial(os.Getenv("AMQP_URL"))
            ch, _ := conn.Channel()
            deliveries, _ := ch.Consume("receipts", "ledger", false, false, false, false, nil)
            _ = deliveries
        }
        """)
    return _receipts(root, f"kubernetes={os.path.join(root, 'deploy/all.yaml')}")


def _receipts(root: str, deployment: str) -> dict[str, Any]:
    """The channel the services' code uses, imported with ``deployment`` (``format=path``) and that code."""
    docs = load_artifacts([deployment, *(f"source={os.path.join(root, s)}" for s in ("till", "ledger"))])
    return dict(fact(load_documents(docs), "channel:receipts").data)


def test_a_channel_on_a_broker_without_a_persistent_volume_is_not_durable(tmp_path: Any) -> None:
    channel = _channel(tmp_path)
    assert channel["durable"] is False
    assert channel["producers"] == ["till"]


def test_a_channel_on_a_broker_with_a_volume_claim_states_no_durability(tmp_path: Any) -> None:
    channel = _channel(tmp_path, storage=MOUNT.rstrip("\n") + CLAIM)
    assert "durable" not in channel


def test_a_channel_whose_services_reach_two_brokers_is_left_alone(tmp_path: Any) -> None:
    channel = _channel(tmp_path, ledger_broker="mq2", other=SECOND_BROKER)
    assert "durable" not in channel


# the same two services on compose: the broker's volumes are filled in per test
COMPOSE = """
    services:
      mq:
        image: rabbitmq:3.13-management
    {volumes}
      till:
        image: acme/till:2
        environment: {AMQP_URL: "amqp://mq:5672"}
      ledger:
        image: acme/ledger:2
        environment: {AMQP_URL: "amqp://mq:5672"}
    {named}
"""


def _compose_channel(tmp_path: Any, volumes: str = "", named: str = "") -> dict[str, Any]:
    root = str(tmp_path)
    _channel(tmp_path)  # writes the services' code
    write(root, "compose.yaml", COMPOSE.replace("{volumes}", volumes).replace("{named}", named))
    return _receipts(root, f"compose={os.path.join(root, 'compose.yaml')}")


def test_a_channel_on_a_compose_broker_without_a_volume_is_not_durable(tmp_path: Any) -> None:
    channel = _compose_channel(tmp_path)
    assert channel["durable"] is False


def test_a_channel_on_a_compose_broker_with_a_volume_at_its_data_directory_states_no_durability(
        tmp_path: Any) -> None:
    channel = _compose_channel(tmp_path, volumes="    volumes: [spool:/var/lib/rabbitmq]",
                               named="volumes: {spool: {}}")
    assert "durable" not in channel


def test_a_channel_on_a_compose_broker_whose_volume_is_away_from_its_data_is_not_durable(tmp_path: Any) -> None:
    channel = _compose_channel(tmp_path, volumes="    volumes: [spool:/srv/spool]", named="volumes: {spool: {}}")
    assert channel["durable"] is False
