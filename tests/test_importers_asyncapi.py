"""AsyncAPI 2.x and 3.x import: channels, producers/consumers, brokers, bindings, security, $refs across files."""

from __future__ import annotations

import glob
import os

import pytest

from engine.errors import ArchplanError
from engine.importers import asyncapi, import_paths
from tests.helpers import write
from tests.importer_helpers import corpus, design_of, fact, fixture, line_of

ORDERS = fixture("asyncapi", "orders-2.6.yaml")


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


@pytest.mark.parametrize("name", ["streetlights-kafka-asyncapi.yml", "streetlights-mqtt-asyncapi.yml",
                                  "streetlights-operation-security-asyncapi.yml"])
def test_streetlights_specimens_import_with_brokers_and_producers(name: str) -> None:
    path = corpus("asyncapi", name)
    d = design_of(import_paths("auto", [path]))
    channels = d.of_kind("channel")
    assert len(channels) == 4
    measured = next(c for c in channels if "measured" in c.name)
    assert measured.data["consumers"] and "producers" not in measured.data
    assert all(c.data["kind"] == "topic" and c.data["broker"].startswith("test.") for c in channels)
    assert len(d.of_kind("interaction")) == 3
    assert measured.location.file == path and measured.location.line == line_of(path, "lightingMeasured:")


def test_operation_level_security_is_read_from_the_operation() -> None:
    path = corpus("asyncapi", "streetlights-operation-security-asyncapi.yml")
    d = design_of(asyncapi.import_file(path))
    calls = d.of_kind("interaction")
    assert {c.data["auth"] for c in calls} == {"client_credentials"}
    turn_on = next(c for c in calls if c.data["to"].endswith("turn.on"))
    op_line = line_of(path, "  turnOn:")
    assert turn_on.locate("auth").line == line_of(path, "security:", nth=3) and turn_on.locate("auth").line > op_line


def test_mqtt_server_security_applies_when_the_operation_has_none() -> None:
    d = design_of(asyncapi.import_file(corpus("asyncapi", "streetlights-mqtt-asyncapi.yml")))
    assert {c.data.get("auth") for c in d.of_kind("interaction")} == {"api_key"}


def test_social_media_services_share_components_across_files_and_channels_by_address() -> None:
    files = sorted(glob.glob(corpus("asyncapi", "social-media", "*", "asyncapi.yaml")))
    d = design_of(import_paths("asyncapi", files))
    assert {s.name for s in d.of_kind("service")} == {
        "comments-service", "notifications-service", "public-api", "website-backend", "website-websocket-client"}
    liked = fact(d, "channel:comment/liked").data
    assert liked["producers"] == ["website-backend"]
    assert sorted(liked["consumers"]) == ["comments-service", "notifications-service", "public-api"]
    assert fact(d, "channel:like/comment").data["producers"] == ["website-websocket-client"]
    assert "broker" not in fact(d, "channel:like/comment").data  # a WebSocket server is no broker
    assert not d.warnings


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
