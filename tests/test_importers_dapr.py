"""Dapr: the topics C# code subscribes and publishes to (code_dapr), and what a compose project's sidecars and the
components they mount say of the broker, the state store and the services' authentication (dapr)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_dapr, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_COMPOSE = """
    services:
      box-office:
        image: acme/box-office:1.4.2
        ports: ["8080:80"]
        depends_on: [mq, seats-cache]
      box-office-sidecar:
        image: daprio/daprd:1.12.0
        command: ["./daprd", "-app-id", "box-office", "-app-port", "80", "-components-path", "/components"{mtls}]
        network_mode: "service:box-office"
        depends_on: [box-office]
        volumes: ["./components/:/components"]
      usher:
        image: acme/usher:1.4.2
      usher-sidecar:
        image: daprio/daprd:1.12.0
        command: ["./daprd", "-app-id", "usher", "-app-port", "80", "-components-path", "/components",
                  "-placement-host-address", "placement:50005"{mtls}]
        network_mode: "service:usher"
        depends_on: [usher]
        volumes: ["./components/:/components"]
      placement:
        image: daprio/dapr:1.12.0
        command: ["./placement", "-port", "50005"]
      mq:
        image: rabbitmq:3.13
      seats-cache:
        image: redis:7.2
    """

_BUS = """
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata:
      name: showbus
    spec:
      type: pubsub.rabbitmq
      version: v1
      metadata:
      - name: host
        value: "amqp://mq:5672"
    {extra}
    """

_STATE = """
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata:
      name: seat-state
    spec:
      type: state.redis
      version: v1
      metadata:
      - name: redisHost
        value: seats-cache:6379
    scopes:
    - box-office
    """

_PUBLISHER = """
    public class ReservationsController : ControllerBase
    {
        private readonly DaprClient _dapr;

        [HttpPost("api/reservations")]
        public async Task<IActionResult> Reserve([FromBody] Reservation r)
        {
            await _dapr.PublishEventAsync("showbus", "SeatHeld", r);
            return Accepted();
        }
    }
    """

_SUBSCRIBER = """
    [ApiController]
    [Route("api/events")]
    public class InboxController : ControllerBase
    {
        private const string Bus = "showbus";

        [HttpPost("held")]
        [Topic(Bus, nameof(Events.SeatHeld))]
        public Task OnHeld(SeatHeld e) => _seats.Mark(e.SeatId);
    }
    """


def _project(root: str, *, bus_extra: str = "", mtls: bool = False, state_extra: str = "", more: str = "",
             mail: str | None = None) -> Any:
    """The project; ``more``: services added to the compose file; ``mail``: the sendmail binding's extra settings."""
    compose = write(root, "docker-compose.yml",
                    _COMPOSE.replace("{mtls}", ', "-enable-mtls", "-sentry-address", "sentry:50001"' if mtls else "")
                    .rstrip(" ") + more)
    if mail is not None:
        write(root, "components/sendmail.yaml", _MAIL.replace("{extra}", mail))
    write(root, "components/showbus.yaml", _BUS.replace("{extra}", bus_extra))
    write(root, "components/seat-state.yaml", _STATE.replace("    scopes:", f"{state_extra}    scopes:", 1))
    write(root, "box-office/Controllers/ReservationsController.cs", _PUBLISHER)
    write(root, "usher/Controllers/InboxController.cs", _SUBSCRIBER)
    return load_documents(load_artifacts([f"compose={compose}", f"source:box-office={os.path.join(root, 'box-office')}",
                                          f"source:usher={os.path.join(root, 'usher')}"]))


def test_topic_subscriptions_and_publishes_carry_what_the_mounted_pubsub_component_says(tmp_path: Any) -> None:
    design = _project(str(tmp_path))
    held = fact(design, "channel:SeatHeld").data
    assert held["kind"] == "topic"
    assert held["broker"] == "mq"  # the component's host names the compose service
    assert held["durable"] is False  # no durable setting: Dapr's RabbitMQ default declares queues non-durable
    assert held["delivery"] == "at_least_once"
    assert held["producers"] == ["box-office"]
    assert held["consumers"] == [{"service": "usher"}]  # the constant and nameof() give the names


def test_durable_queues_with_persistent_messages_and_auto_ack_are_read_from_the_component(tmp_path: Any) -> None:
    extra = """
      - name: durable
        value: "true"
      - name: deliveryMode
        value: "2"
      - name: autoAck
        value: "true"
    """
    held = fact(_project(str(tmp_path), bus_extra=extra), "channel:SeatHeld").data
    assert held["durable"] is True
    assert held["delivery"] == "at_most_once"  # acknowledged as handed over: a failed handler loses the message


def test_durable_queues_without_persistent_messages_are_still_lost_on_restart(tmp_path: Any) -> None:
    extra = """
      - name: durable
        value: "true"
    """
    assert fact(_project(str(tmp_path), bus_extra=extra), "channel:SeatHeld").data["durable"] is False


def test_state_store_gives_a_call_from_each_app_in_its_scope_only(tmp_path: Any) -> None:
    design = _project(str(tmp_path))
    keys = design.by_key()
    assert "interaction:box-office->seats-cache" in keys
    assert "interaction:usher->seats-cache" not in keys  # scopes: box-office only
    assert "seat-state" in str(fact(design, "interaction:box-office->seats-cache").data.get("inferred_from"))


@pytest.mark.parametrize(("extra", "ms"), [
    ("", 3000),  # Dapr's documented default readTimeout for state.redis
    ('      - name: readTimeout\n        value: "750ms"\n', 750),
    ('      - name: readTimeout\n        value: "2s"\n', 2000),
    ('      - name: readTimeout\n        value: "-1"\n', 0),
    ('      - name: readTimeout\n        value: "1500000000"\n', None),  # not a duration Dapr documents: unknown
], ids=["default", "ms", "s", "none", "unread"])
def test_a_redis_state_stores_read_timeout_bounds_the_apps_call_to_it(tmp_path: Any, extra: str,
                                                                      ms: int | None) -> None:
    call = fact(_project(str(tmp_path), state_extra=extra), "interaction:box-office->seats-cache")
    assert call.data.get("timeout_ms") == ms
    if ms is not None:
        assert call.fields["timeout_ms"].file.endswith("seat-state.yaml")


def test_sidecar_in_its_apps_namespace_is_no_call_and_control_plane_is_background(tmp_path: Any) -> None:
    design = _project(str(tmp_path))
    keys = design.by_key()
    assert "interaction:box-office-sidecar->box-office" not in keys
    assert "interaction:usher-sidecar->usher" not in keys
    assert fact(design, "interaction:usher-sidecar->placement").data["during"] == "background"


def test_sidecars_without_mtls_or_token_mean_no_service_to_service_authentication(tmp_path: Any) -> None:
    assert fact(_project(str(tmp_path)), "security:security").data["service_to_service_auth"] == "none"


def test_sidecars_with_mtls_say_nothing_of_service_to_service_authentication(tmp_path: Any) -> None:
    design = _project(str(tmp_path), mtls=True)
    security = design.by_key().get("security:security")
    assert security is None or "service_to_service_auth" not in security.data


def test_a_topic_computed_at_run_time_is_not_invented() -> None:
    code = """
        public class Bus
        {
            const string Name = "showbus";
            public Task Publish(object e) => _dapr.PublishEventAsync(Name, e.GetType().Name, e);
        }
        """
    found = code_dapr.uses([("Bus.cs", code)])
    assert [(u.role, u.channel, u.written, u.component) for u in found] == [
        ("producer", None, "e.GetType().Name", "showbus")]


_ENVOY = """
    static_resources:
      listeners:
        - address: {socket_address: {address: 0.0.0.0, port_value: 80}}
          filter_chains:
            - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    route_config:
                      virtual_hosts:
                        - name: front
                          domains: ["*"]
                          routes:
                            - match: {prefix: /tickets/}
                              route: {cluster: own-sidecar, prefix_rewrite: /v1.0/invoke/box-office/method/}
                            - match: {prefix: /ushers/}
                              route: {cluster: own-sidecar, prefix_rewrite: /v1.0/invoke/usher.night-shift/method/}
                            - match: {prefix: /legacy/}
                              route: {cluster: relay, prefix_rewrite: /v1.0/invoke/box-office/method/}
      clusters:
        - name: own-sidecar
          load_assignment:
            endpoints:
              - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 3500}}}
        - name: relay
          load_assignment:
            endpoints:
              - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: relay, port_value: 80}}}
    """


def test_envoy_route_onto_its_own_sidecars_invoke_api_reaches_the_app_it_names(tmp_path: Any) -> None:
    root = str(tmp_path)
    envoy = write(root, "edge/envoy.yaml", _ENVOY)
    write(root, "box-office/Controllers/ReservationsController.cs", _PUBLISHER)
    design = load_documents(load_artifacts([f"gateway:edge={envoy}",
                                            f"source:box-office={os.path.join(root, 'box-office')}"]))
    assert fact(design, "endpoint:ANY /tickets/").data["routes_to"] == ["box-office"]
    assert fact(design, "endpoint:ANY /ushers/").data["routes_to"] == ["usher"]  # the namespace suffix left out
    # a rewrite onto the invoke API of a host that is not the gateway's own sidecar: the host is the target
    assert fact(design, "endpoint:ANY /legacy/").data["routes_to"] == ["relay"]
    # the sidecar hands the rest of the path to the app's root: the app's route is public under the prefix
    placed = fact(design, "endpoint:POST /tickets/api/reservations").data
    assert placed["served_by"] == "edge" and placed["routes_to"] == ["box-office"]


def test_a_sidecar_api_port_its_app_publishes_is_an_open_admin_endpoint_of_the_sidecar(tmp_path: Any) -> None:
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", _COMPOSE.replace("{mtls}", "").replace(
        'ports: ["8080:80"]', 'ports: ["8080:80", "50001:50001", "127.0.0.1:3500:3500"]'))
    write(root, "components/showbus.yaml", _BUS.replace("{extra}", ""))
    design = load_documents(load_artifacts([f"compose={compose}"]))
    api = fact(design, "endpoint:box-office-sidecar-grpc-api").data
    assert (api["served_by"], api["exposure"], api["admin"], api["authn"]) == ("box-office-sidecar", "host", True,
                                                                               "none")
    keys = design.by_key()
    assert "endpoint:box-office-sidecar-http-api" not in keys  # published on the loopback only
    assert "endpoint:usher-sidecar-grpc-api" not in keys  # usher publishes nothing


_MAIL = """
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata:
      name: sendmail
    spec:
      type: bindings.smtp
      version: v1
      metadata:
      - name: host
        value: mail
      - name: port
        value: 1025
    {extra}
    scopes:
    - box-office
    """


@pytest.mark.parametrize(("extra", "verify"), [
    ("  - name: skipTLSVerify\n        value: true\n", False),
    ("  - name: skipTLSVerify\n        value: false\n", None),
    ("", None),
], ids=["skipped", "verified", "unstated"])
def test_an_smtp_output_binding_is_a_call_that_may_skip_certificate_verification(tmp_path: Any, extra: str,
                                                                                  verify: bool | None) -> None:
    # the binding's host names the compose service mail: a call from each app in its scope; skipTLSVerify true says
    # the sidecar accepts any certificate from it
    design = _project(str(tmp_path), more="      mail:\n        image: maildev/maildev:2.1.0\n", mail=extra)
    call = fact(design, "interaction:box-office->mail").data
    assert "sendmail" in call["inferred_from"]
    assert call.get("tls_verify") is verify
    assert "interaction:usher->mail" not in design.by_key()
