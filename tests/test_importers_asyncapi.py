"""AsyncAPI 2.x and 3.x import: channels, producers/consumers, brokers, bindings, security, $refs across files."""

from __future__ import annotations

import glob
import os

import pytest

from engine.errors import ArchplanError
from engine.importers import asyncapi
from tests.helpers import write
from tests.importer_helpers import check_brokered_channels, check_shared_components, design_of, fact, fixture, line_of

ORDERS = fixture("asyncapi", "orders-2.6.yaml")
PARKING = fixture("asyncapi", "parking")


def test_v2_subscribe_is_what_the_application_sends_and_publish_what_it_receives() -> None:
    d = design_of(asyncapi.import_file(ORDERS))
    placed = fact(d, "channel:orders/placed").data
    assert placed["producers"] == ["order-events"] and "consumers" not in placed
    settled = fact(d, "channel:payments/settled").data
    assert settled["consumers"] == [{"service": "order-events", "group": "order-service"}]
    assert "producers" not in settled


def test_bindings_give_kind_durability_and_delivery() -> None:
    d = design_of(asyncapi.import_file(ORDERS))
    placed = fact(d, "channel:orders/placed").data
    assert placed["kind"] == "queue" and placed["durable"] is True
    status = fact(d, "channel:devices/:deviceId/status")
    assert status.data["delivery"] == "at_least_once" and status.data["kind"] == "topic"
    assert status.data["broker"] == "mqtt.shop.example.com"


def test_send_becomes_an_async_interaction_with_protocol_tls_and_server_auth() -> None:
    d = design_of(asyncapi.import_file(ORDERS))
    call = fact(d, "interaction:order-events->orders/placed")
    assert call.data == {"from": "order-events", "to": "orders/placed", "name": "order-events->orders/placed",
                         "style": "async", "protocol": "amqp", "tls": True, "auth": "api_key"}
    assert call.locate("auth").line == line_of(ORDERS, "security:")
    for unknown in ("timeout_ms", "retry", "circuit_breaker", "idempotent"):
        assert unknown not in call.data


def test_message_payload_fields_hint_the_classification_a_channel_carries() -> None:
    d = design_of(asyncapi.import_file(ORDERS))
    assert fact(d, "channel:orders/placed").data["carries_classification"] == "pii"
    assert "carries_classification" not in fact(d, "channel:payments/settled").data


@pytest.mark.parametrize("name", ["parking-kafka.yaml", "parking-mqtt.yaml", "parking-operation-security.yaml"])
def test_kafka_and_mqtt_documents_import_with_brokers_consumers_and_producers(name: str) -> None:
    check_brokered_channels(os.path.join(PARKING, name), "stage.", "occupancyMeasured")


def test_operation_level_security_is_read_from_the_operation() -> None:
    path = os.path.join(PARKING, "parking-operation-security.yaml")
    d = design_of(asyncapi.import_file(path))
    calls = d.of_kind("interaction")
    assert {c.data["auth"] for c in calls} == {"client_credentials"}  # not the server's SCRAM
    raise_barrier = next(c for c in calls if c.data["to"].endswith("barrier.raise"))
    op_line = line_of(path, "  raiseBarrier:")
    auth_line = raise_barrier.locate("auth").line
    assert auth_line == line_of(path, "security:", nth=2) and auth_line > op_line


def test_mqtt_server_security_applies_when_the_operation_has_none() -> None:
    d = design_of(asyncapi.import_file(os.path.join(PARKING, "parking-mqtt.yaml")))
    assert {c.data.get("auth") for c in d.of_kind("interaction")} == {"api_key"}  # the first of the server's


def test_services_share_components_across_files_and_channels_by_address() -> None:
    files = sorted(glob.glob(fixture("asyncapi", "lending", "*", "asyncapi.yaml")))
    assert len(files) == 5
    check_shared_components(
        files, {"catalog-backend", "kiosk-websocket-client", "loans-service", "partner-api", "reminders-service"},
        ("loan/returned", "catalog-backend", ["loans-service", "partner-api", "reminders-service"]),
        ("kiosk/scan", "kiosk-websocket-client"))


def test_a_missing_file_behind_a_ref_is_an_error_at_the_ref(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "svc/asyncapi.yaml", """
        asyncapi: 3.0.0
        info: {title: Svc, version: '1'}
        channels:
          c:
            address: a/b
            messages:
              m: {$ref: '../common/nowhere.yaml#/m'}
        operations:
          s:
            action: send
            channel: {$ref: '#/channels/c'}
        """)
    with pytest.raises(ArchplanError) as exc:
        asyncapi.import_file(path)
    assert f"{path}:7:" in str(exc.value) and "nowhere.yaml" in str(exc.value)


def test_bad_action_and_unknown_server_are_located(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "a.yaml", """
        asyncapi: 3.0.0
        info: {title: Svc, version: '1'}
        channels:
          c: {address: a/b}
        operations:
          s:
            action: publish
            channel: {$ref: '#/channels/c'}
        """)
    with pytest.raises(ArchplanError, match=r"a\.yaml:7:.*must be 'send' or 'receive'"):
        asyncapi.import_file(path)
    path2 = write(str(tmp_path), "b.yaml", """
        asyncapi: 2.6.0
        info: {title: Svc, version: '1'}
        servers:
          prod: {url: 'kafka:9092', protocol: kafka}
        channels:
          c:
            servers: [prd]
            publish: {message: {payload: {type: string}}}
        """)
    with pytest.raises(ArchplanError, match=r"did you mean 'prod'"):
        asyncapi.import_file(path2)
