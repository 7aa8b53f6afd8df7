"""Graph facts the engine derives before the rules fire."""

from __future__ import annotations

from typing import Any

import pytest

from engine.enrich import enrich
from engine.loader import load_documents
from engine.source import Document


def enriched(body: dict[str, Any]) -> Any:
    return enrich(load_documents([Document("mem.yaml", {"source": "api", **body})]))


CHAIN = {
    "system": {"availability_target": 0.999, "latency_p95_ms": 100},
    "services": [
        {"name": "gw", "availability": 0.9999, "latency_p95_ms": 5},
        {"name": "a", "availability": 0.999, "latency_p95_ms": 20},
        {"name": "b", "availability": 0.999, "latency_p95_ms": 30, "capacity_rps": 50},
        {"name": "c", "availability": 0.99, "latency_p95_ms": 1},
    ],
    "externals": [{"name": "psp", "sla": 0.995, "latency_p95_ms": 400}],
    "endpoints": [{"method": "POST", "path": "/pay", "served_by": "gw", "exposure": "public"}],
    "interactions": [
        {"from": "gw", "to": "a", "style": "sync", "retry": {"attempts": 3}},
        {"from": "a", "to": "b", "style": "sync", "retry": {"attempts": 2}, "calls_per_request": 2},
        {"from": "b", "to": "psp", "style": "sync"},
        {"from": "a", "to": "c", "style": "sync", "dependency": "soft"},
    ],
}


def test_path_from_public_entry_has_depth_latency_availability_and_amplification() -> None:
    (path,) = enriched(CHAIN).paths
    assert path.entry == "POST /pay"
    assert path.depth == 4  # gw -> a -> b -> psp (the soft call to c is off the critical path)
    # gw 5 + a 20 + 2 x (b 30 + psp 400)
    assert path.latency_ms == 5 + 20 + 2 * (30 + 400)
    assert path.availability == pytest.approx(0.9999 * 0.999 * 0.999 * 0.995)
    assert path.retry_amplification == 6
    assert path.retry_layers == 2
    assert path.bottleneck == "b" and path.bottleneck_rps == 50


def test_path_fact_precomputes_comparisons_with_targets() -> None:
    facts = {f.key: f for f in enriched(CHAIN).facts}
    data = facts["path:POST /pay"].data
    assert data["latency_over_target"] is True
    assert data["availability_below_target"] is True
    assert data["unknown_availability_count"] == 0


def test_unknown_figures_are_listed_not_guessed() -> None:
    body = {**CHAIN, "services": [{"name": "gw"}, {"name": "a"}, {"name": "b"}, {"name": "c"}]}
    facts = {f.key: f for f in enriched(body).facts}
    data = facts["path:POST /pay"].data
    assert "availability" not in data and "availability_below_target" not in data
    assert data["unknown_availability"] == ["a", "b", "gw"]


def test_sync_cycles_are_found() -> None:
    e = enriched({
        "services": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"}, {"from": "b", "to": "c", "style": "sync"},
                         {"from": "c", "to": "a", "style": "sync"}],
    })
    assert e.cycles == (("a", "b", "c"),)
    facts = {f.key: f for f in e.facts}
    assert facts["service:a"].data["in_cycle"] is True


def test_async_edges_are_not_part_of_cycles_or_paths() -> None:
    e = enriched({
        "services": [{"name": "a"}, {"name": "b"}],
        "channels": [{"name": "t"}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"}, {"from": "b", "to": "a", "style": "async"}],
    })
    assert e.cycles == ()


def test_fan_out_writers_and_cross_team_edges() -> None:
    e = enriched({
        "services": [{"name": "a", "owner": "t1"}, {"name": "b", "owner": "t2"}, {"name": "c", "owner": "t1"}],
        "datastores": [{"name": "db", "writers": ["a", "b"], "readers": ["c"]}],
        "interactions": [{"from": "a", "to": "b", "style": "sync"}, {"from": "a", "to": "c", "style": "sync"},
                         {"from": "c", "to": "db", "style": "sync", "mutating": True}],
    })
    facts = {f.key: f for f in e.facts}
    assert facts["service:a"].data["fan_out"] == 2
    assert facts["datastore:db"].data["writer_count"] == 3
    assert facts["interaction:a->b"].data["cross_team"] is True
    assert facts["interaction:a->c"].data["cross_team"] is False
    assert "access:db<-c:write" in facts


def test_calls_carry_the_criticality_of_both_ends_when_stated() -> None:
    e = enriched({
        "services": [{"name": "mailer", "criticality": "best_effort"}, {"name": "pay", "criticality": "critical"},
                     {"name": "web"}],
        "externals": [{"name": "smtp"}],
        "interactions": [{"from": "mailer", "to": "smtp"}, {"from": "web", "to": "pay"},
                         {"from": "pay", "to": "mailer"}],
    })
    data = {f.key: f.data for f in e.facts}
    assert data["interaction:mailer->smtp"]["caller_criticality"] == "best_effort"
    assert "target_criticality" not in data["interaction:mailer->smtp"]  # an external has none
    assert "caller_criticality" not in data["interaction:web->pay"]  # unknown stays unknown
    assert data["interaction:web->pay"]["target_criticality"] == "critical"
    assert data["interaction:pay->mailer"]["caller_criticality"] == "critical"
    assert data["interaction:pay->mailer"]["target_criticality"] == "best_effort"


GATEWAY = {
    "system": {"availability_target": 0.999},
    "services": [
        {"name": "gw", "kind": "gateway", "availability": 0.9999, "latency_p95_ms": 5},
        {"name": "catalog", "availability": 0.9995, "latency_p95_ms": 20},
        {"name": "checkout", "availability": 0.999, "latency_p95_ms": 40},
    ],
    "externals": [{"name": "psp", "sla": 0.995, "latency_p95_ms": 300}],
    "endpoints": [
        {"method": "GET", "path": "/products", "served_by": "gw", "exposure": "public", "routes_to": ["catalog"]},
        {"method": "GET", "path": "/products/{id}", "served_by": "gw", "exposure": "public", "routes_to": ["catalog"]},
        {"method": "POST", "path": "/checkout", "served_by": "gw", "exposure": "public", "routes_to": ["checkout"]},
        {"method": "GET", "path": "/health", "served_by": "gw", "exposure": "public"},
    ],
    "interactions": [
        {"from": "gw", "to": "catalog", "style": "sync", "retry": {"attempts": 2}},
        {"from": "gw", "to": "checkout", "style": "sync", "retry": {"attempts": 3}},
        {"from": "checkout", "to": "psp", "style": "sync", "retry": {"attempts": 2}},
    ],
}


def test_a_route_through_a_gateway_follows_only_the_calls_it_names() -> None:
    e = enriched(GATEWAY)
    paths = {p.entry: p for p in e.paths}
    products, checkout, health = paths["GET /products"], paths["POST /checkout"], paths["GET /health"]
    assert products.nodes == ("catalog", "gw") and products.depth == 2
    assert products.availability == pytest.approx(0.9999 * 0.9995)
    assert products.latency_ms == 5 + 20 and products.retry_amplification == 2
    assert checkout.nodes == ("checkout", "gw", "psp") and checkout.depth == 3
    assert checkout.availability == pytest.approx(0.9999 * 0.999 * 0.995)
    assert checkout.latency_ms == 5 + 40 + 300 and checkout.retry_amplification == 6 and checkout.retry_layers == 2
    # a route that names none takes every call of its server, as before
    assert health.nodes == ("catalog", "checkout", "gw", "psp") and health.depth == 3


def test_a_route_that_names_an_empty_list_takes_no_call_of_its_gateway() -> None:
    # the gateway answers it itself (files nginx sends): its path is the gateway alone, never the worst route
    assets = {"method": "GET", "path": "/assets/", "served_by": "gw", "exposure": "public", "routes_to": []}
    e = enriched({**GATEWAY, "endpoints": [*GATEWAY["endpoints"], assets]})
    paths = {p.entry: p for p in e.paths}
    got = paths["GET /assets/"]
    assert got.nodes == ("gw",) and got.depth == 1 and got.latency_ms == 5
    assert got.availability == pytest.approx(0.9999) and got.retry_amplification == 1
    assert paths["GET /health"].nodes == ("catalog", "checkout", "gw", "psp")
    facts = {f.key: f.data for f in e.facts if f.kind == "path"}
    assert not any(facts["path:GET /assets/"][k] for k in ("least_available_route", "deepest_route",
                                                           "most_amplified_route"))


def test_a_service_is_routed_by_the_first_other_service_whose_endpoints_route_to_it() -> None:
    e = enriched({
        "services": [{"name": n} for n in ("web", "bff", "auth", "self")],
        "endpoints": [{"method": "POST", "path": "/login", "served_by": "web", "routes_to": ["auth"]},
                      {"method": "GET", "path": "/me", "served_by": "bff", "routes_to": ["auth"]},
                      {"method": "GET", "path": "/x", "served_by": "self", "routes_to": ["self"]}],
        "interactions": [{"from": "web", "to": "auth"}, {"from": "bff", "to": "auth"}, {"from": "self", "to": "self"}],
    })
    by = {f.name: f.data for f in e.facts if f.kind == "service"}
    assert by["auth"]["routed_by"] == "bff"
    assert "routed_by" not in by["web"] and "routed_by" not in by["self"]


def test_each_entry_service_has_one_worst_route_per_measure() -> None:
    facts = {f.key: f.data for f in enriched(GATEWAY).facts if f.kind == "path"}
    flags = {key: sorted(k for k in ("least_available_route", "deepest_route", "most_amplified_route") if d[k])
             for key, d in facts.items()}
    # /health names no route, so it takes every call: the least available; it ties with checkout on depth
    # and amplification, and the first by name wins those
    assert flags == {"path:GET /health": ["deepest_route", "least_available_route", "most_amplified_route"],
                     "path:GET /products": [], "path:GET /products/{id}": [], "path:POST /checkout": []}
    body = {**GATEWAY, "endpoints": GATEWAY["endpoints"][:3]}  # without it, the checkout route is the worst
    facts = {f.key: f.data for f in enriched(body).facts if f.kind == "path"}
    assert all(facts["path:POST /checkout"][k] for k in ("least_available_route", "deepest_route",
                                                          "most_amplified_route"))
    assert not any(facts["path:GET /products"][k] for k in ("least_available_route", "deepest_route",
                                                             "most_amplified_route"))


def test_every_route_of_unknown_availability_may_be_the_least_available() -> None:
    body = {**GATEWAY, "services": [*GATEWAY["services"][:2], {"name": "checkout", "latency_p95_ms": 40}]}
    facts = {f.key: f.data for f in enriched(body).facts if f.kind == "path"}
    least = sorted(k for k, d in facts.items() if d["least_available_route"])
    assert least == ["path:GET /health", "path:GET /products", "path:POST /checkout"]
    assert "availability" not in facts["path:POST /checkout"] and facts["path:GET /products"]["availability"]


def test_a_host_published_entry_is_an_entry_point_of_narrower_exposure_than_a_public_one() -> None:
    e = enriched({
        "services": [{"name": "web", "exposure": "host"}, {"name": "api", "exposure": "public"},
                     {"name": "cart"}, {"name": "admin"}, {"name": "batch"}],
        "datastores": [{"name": "db"}],
        "endpoints": [{"method": "GET", "path": "/", "served_by": "web"},
                      {"method": "GET", "path": "/v1", "served_by": "api"},
                      {"method": "GET", "path": "/admin", "served_by": "admin", "exposure": "internal"}],
        "interactions": [{"from": "web", "to": "cart", "style": "sync"}, {"from": "api", "to": "db", "style": "sync"},
                         {"from": "web", "to": "db", "style": "sync"}, {"from": "batch", "to": "db", "style": "sync"}],
    })
    facts = {f.key: f.data for f in e.facts}
    assert {p.entry: p.exposure for p in e.paths} == {"GET /": "host", "GET /v1": "public"}
    assert facts["path:GET /"]["exposure"] == "host"
    assert facts["service:web"]["public_entry"] is True and facts["service:web"]["entry_exposure"] == "host"
    assert facts["service:cart"]["on_public_path"] is True and facts["service:cart"]["entry_exposure"] == "host"
    assert facts["interaction:web->cart"]["entry_exposure"] == "host"
    assert facts["datastore:db"]["entry_exposure"] == "public"  # the widest entry that reaches it
    assert "entry_exposure" not in facts["service:admin"] and "entry_exposure" not in facts["interaction:batch->db"]
    # An endpoint without an exposure of its own takes its service's (the rules on exposed endpoints read it).
    assert facts["endpoint:GET /"]["exposure"] == "host" and facts["endpoint:GET /admin"]["exposure"] == "internal"

def test_an_admin_entry_starts_an_operator_path_that_puts_nothing_on_a_public_request_path() -> None:
    e = enriched({
        "services": [{"name": "web", "exposure": "host"}, {"name": "tracing", "exposure": "host"},
                     {"name": "cart"}, {"name": "traces"}],
        "endpoints": [{"method": "GET", "path": "/", "served_by": "web"},
                      {"name": "tracing-ui", "method": "GET", "path": "/search", "served_by": "tracing",
                       "admin": True},
                      {"name": "web-admin", "method": "GET", "path": "/admin", "served_by": "web", "admin": True}],
        "interactions": [{"from": "web", "to": "cart", "style": "sync"},
                         {"from": "tracing", "to": "traces", "style": "sync"}],
    })
    facts = {f.key: f.data for f in e.facts}
    # The console keeps its path fact (the rules on exposed surfaces read it) and its exposure ...
    assert {p.entry for p in e.paths} == {"GET /", "tracing-ui", "web-admin"}
    assert facts["service:tracing"]["public_entry"] is True and facts["service:tracing"]["entry_exposure"] == "host"
    # ... but no user request waits on its tree.
    assert facts["service:tracing"]["on_public_path"] is False
    assert facts["service:traces"]["on_public_path"] is False
    assert facts["interaction:tracing->traces"]["on_public_path"] is False
    # A service that serves users as well stays on their path, whatever admin entry it also serves.
    assert facts["service:web"]["on_public_path"] is True and facts["service:cart"]["on_public_path"] is True


def test_a_service_serving_operator_consoles_only_is_an_operator_console() -> None:
    e = enriched({
        "services": [{"name": n} for n in ("dashboard", "admin", "adminer", "proxy", "rabbitmq", "orders",
                                           "basket-dapr", "web", "plain")],
        "endpoints": [
            {"name": "dashboard-ui", "method": "ANY", "path": "/", "served_by": "dashboard", "admin": True},
            # a console's own management endpoints (debug) are an operator's too
            {"name": "admin-ui", "method": "ANY", "path": "/", "served_by": "admin", "admin": True},
            {"name": "admin-actuator", "method": "ANY", "path": "/actuator/**", "served_by": "admin", "debug": True},
            # a console a proxy publishes: the proxy is its only caller
            {"name": "proxy-adminer", "method": "ANY", "path": "/", "served_by": "proxy", "routes_to": ["adminer"],
             "admin": True},
            {"name": "proxy-web", "method": "ANY", "path": "/app", "served_by": "proxy", "routes_to": ["web"]},
            # a broker's management UI, its AMQP called by the services
            {"name": "rabbitmq-ui", "method": "ANY", "path": "/", "served_by": "rabbitmq", "admin": True},
            # an administrative RPC API is the applications', not an operator's console
            {"name": "basket-dapr-api", "method": "RPC", "path": "/", "served_by": "basket-dapr", "admin": True},
            # a service with an admin endpoint beside its users' ones
            {"name": "web-admin", "method": "GET", "path": "/admin", "served_by": "web", "admin": True},
        ],
        "interactions": [{"from": "proxy", "to": "adminer", "style": "sync"},
                         {"from": "proxy", "to": "web", "style": "sync"},
                         {"from": "orders", "to": "rabbitmq", "style": "async", "protocol": "amqp"}],
    })
    console = {f.name: f.data["operator_console"] for f in e.facts if f.kind == "service"}
    assert console == {"dashboard": True, "admin": True, "adminer": True, "proxy": False, "rabbitmq": False,
                       "orders": False, "basket-dapr": False, "web": False, "plain": False}


def test_datastores_naming_one_server_count_each_other() -> None:
    data = {f.key: f.data for f in enriched({"datastores": [
        {"name": "orders", "server": "main-mysql"}, {"name": "billing", "server": "main-mysql"},
        {"name": "audit", "server": "audit-pg"}, {"name": "cache"}]}).facts}
    assert [data[f"datastore:{n}"].get("server_datastore_count") for n in ("orders", "billing", "audit", "cache")] == [
        2, 2, 1, None]


def test_a_servers_clients_are_those_of_its_databases_too_not_their_writers() -> None:
    data = {f.key: f.data for f in enriched({
        "services": [{"name": "orders"}, {"name": "billing"}, {"name": "ops"}],
        "datastores": [{"name": "pg"}, {"name": "orders-db", "server": "pg"}, {"name": "billing-db", "server": "pg"}],
        "interactions": [{"from": "orders", "to": "orders-db", "mutating": True},
                         {"from": "billing", "to": "billing-db", "mutating": True},
                         {"from": "ops", "to": "pg", "mutating": False}]}).facts}
    pg = data["datastore:pg"]
    assert (pg["service_count"], pg["writer_count"], pg["reader_count"]) == (3, 0, 1)
    assert data["datastore:orders-db"]["service_count"] == 1


def test_one_datastore_stands_for_its_server_the_one_named_as_it_else_the_first_by_name() -> None:
    data = {f.key: f.data for f in enriched({"datastores": [
        {"name": "orders", "server": "main-mysql"}, {"name": "billing", "server": "main-mysql"},
        {"name": "main-mysql", "server": "main-mysql"}, {"name": "zeta", "server": "pg"},
        {"name": "alpha", "server": "pg"}, {"name": "cache"}]}).facts}
    leads = {n: data[f"datastore:{n}"].get("server_lead") for n in ("orders", "billing", "main-mysql", "zeta", "alpha",
                                                                     "cache")}
    assert leads == {"orders": False, "billing": False, "main-mysql": True, "zeta": False, "alpha": True,
                     "cache": None}


@pytest.mark.parametrize(("cookie", "expected"), [
    ({"secure": True, "http_only": True, "same_site": "lax"}, False),
    ({"secure": True, "http_only": False}, True),
    ({"secure": False}, True),
    ({"secure": True, "http_only": True, "same_site": "none"}, True),
    ({"secure": True, "http_only": True}, None),  # SameSite unknown: not decided either way
    (None, None),
], ids=["all-three", "no-httponly", "no-secure", "same-site-none", "same-site-unknown", "no-cookie-stated"])
def test_session_cookie_is_unprotected_when_a_flag_is_stated_missing(cookie: Any, expected: bool | None) -> None:
    ep = {"method": "POST", "path": "/login", "served_by": "web", **({"session_cookie": cookie} if cookie else {})}
    data = {f.key: f.data for f in enriched({"services": [{"name": "web"}], "endpoints": [ep]}).facts}
    assert data["endpoint:POST /login"].get("session_cookie_unprotected") == expected


@pytest.mark.parametrize(("methods", "expected"), [
    (["GET", "HEAD", "PUT", "DELETE"], False), (["GET", "POST"], True), (["PATCH"], True), (None, None)],
    ids=["idempotent-only", "post", "patch", "unstated"])
def test_retry_methods_tell_whether_a_non_idempotent_request_may_be_replayed(
        methods: list[str] | None, expected: bool | None) -> None:
    retry: dict[str, Any] = {"attempts": 3, **({"methods": methods} if methods is not None else {})}
    data = {f.key: f.data for f in enriched({"services": [{"name": "gw"}, {"name": "api"}], "interactions": [
        {"from": "gw", "to": "api", "style": "sync", "retry": retry}]}).facts}
    assert data["interaction:gw->api"].get("retries_non_idempotent_methods") == expected


def test_each_kinds_computed_fields_are_the_ones_its_typeddict_names() -> None:
    """The per-kind field functions declare what they add (a TypedDict each, which mypy checks every write
    against); that list is the schema's: a field computed but not declared to rules, or declared but never
    computed, fails here. ``stated_by`` (every kind) and ``type`` (component kinds) are set outside those
    functions; ``consumers``,
    ``exposure`` and the assumption record rewrite or complete the design's own fields."""
    from engine.enrich import COMPUTED_BY_KIND
    from engine.model import ASSUMED_KEY, COMPUTED_FIELDS

    own = {"consumers", "exposure", ASSUMED_KEY}
    assert {kind: set(td.__annotations__) - own for kind, td in COMPUTED_BY_KIND.items()} == {
        kind: set(fields) - {"type", "stated_by"} for kind, fields in COMPUTED_FIELDS.items()
        if set(fields) - {"type", "stated_by"}}


@pytest.mark.parametrize(("channel", "expected"), [
    ({"message_ttl_seconds": 0}, True),  # stated, whatever the broker
    ({"broker": "rabbitmq", "message_ttl_seconds": 60}, True),
    ({"broker": "kafka"}, True), ({"broker": "Amazon-MSK"}, True), ({"broker": "aws-sqs"}, True),
    ({"broker": "google_pubsub"}, True), ({"broker": "azure-event-hubs"}, True), ({"broker": "redpanda"}, True),
    ({"broker": "rabbitmq"}, False), ({"broker": "ActiveMQ"}, False), ({"broker": "redis"}, False),
    ({"broker": "nats"}, None), ({}, None),  # no known default, nothing stated: unknown
])
def test_a_channel_expires_messages_when_stated_or_by_its_brokers_default(channel: dict[str, Any],
                                                                         expected: bool | None) -> None:
    facts = {f.key: f for f in enriched({"channels": [{"name": "jobs", "kind": "queue", **channel}]}).facts}
    assert facts["channel:jobs"].data.get("expires_messages") == expected


@pytest.mark.parametrize(("endpoint", "expected"), [
    ({"method": "POST", "path": "/api/user/register"}, True), ({"method": "POST", "path": "/v1/Login/"}, True),
    ({"method": "POST", "path": "/oauth/token"}, True), ({"method": "GET", "path": "/login"}, False),
    ({"method": "POST", "path": "/orders"}, False), ({"method": "POST", "path": "/register/{id}"}, False),
    ({"method": "POST", "path": "/api/user/register", "auth_flow": False}, False),  # stated: as stated
    ({"method": "POST", "path": "/orders", "auth_flow": True}, True),
])
def test_an_endpoint_is_a_credential_flow_as_stated_or_by_its_paths_name(endpoint: dict[str, Any],
                                                                        expected: bool) -> None:
    body = {"services": [{"name": "a"}], "endpoints": [{"served_by": "a", **endpoint}]}
    (fact,) = [f for f in enriched(body).facts if f.kind == "endpoint"]
    assert fact.data["credential_flow"] is expected


@pytest.mark.parametrize(("path", "expected"), [
    ("/auth/forgot-password/", True),           # a reset asked for: a caller with no session, its e-mail only
    ("/forgot", True),
    ("/api/v1/accounts/magic-link", True),      # a one-time link or code sent by e-mail
    ("/auth/spaces/magic-generate/", True),
    ("/v2/auth/magic-sign-in", True),           # the one-time code is the credential
    ("/auth/email-check/", True),               # which way an e-mail signs in, asked before the sign-in
    ("/api/v1/reset-password/", False),         # a reset's confirmation checks a token of strength unread
    ("/users/{id}/password-reset", False),
    ("/api/v1/password-recovery", False),
    ("/newsletter/forgot-password/archive", False),  # the last part names the operation
])
def test_the_steps_before_a_sign_in_and_a_one_time_codes_sign_in_are_credential_flows(path: str,
                                                                                      expected: bool) -> None:
    body = {"services": [{"name": "a"}], "endpoints": [{"served_by": "a", "method": "POST", "path": path}]}
    (fact,) = [f for f in enriched(body).facts if f.kind == "endpoint"]
    assert fact.data["credential_flow"] is expected


@pytest.mark.parametrize(("path", "expected"), [
    ("/register", True),                        # on its own: a sign-up
    ("/api/v2/register", True),                 # api and a version are no resource
    ("/members/register", True),
    ("/api/shop-users/register", True),
    ("/Account/Register", True),
    ("/WorkOrders/Register", False),            # records a work order: no account, no credential
    ("/api/bikes/{bikeId}/register", False),
    ("/rentals/login", True),                   # the other names are credential flows wherever they stand
])
def test_register_is_a_sign_up_only_under_an_account_resource(path: str, expected: bool) -> None:
    body = {"services": [{"name": "a"}], "endpoints": [{"served_by": "a", "method": "POST", "path": path}]}
    (fact,) = [f for f in enriched(body).facts if f.kind == "endpoint"]
    assert fact.data["credential_flow"] is expected


@pytest.mark.parametrize(("image", "ms"), [
    ("envoyproxy/envoy:v1.30.1", 15000), ("docker.io/envoyproxy/envoy-distroless:v1.31", 15000),
    ("registry.example:5000/envoyproxy/envoy@sha256:0123", 15000),
    ("nginx:1.27", 60000), ("docker.io/library/nginx:alpine", 60000), ("nginxinc/nginx-unprivileged:1.27", 60000),
    ("redash/nginx:latest", 60000), ("openresty/openresty:1.25.3.1-alpine", 60000),
    ("nginx/unit:1.32.0-python3.11", None), ("nginxproxy/nginx-proxy-acme:2", None), ("acme/nginx-exporter:1", None),
    ("acme/envoy-admin:2", None), ("acme/edge:2.1", None), (None, None),
])
def test_the_default_route_timeout_of_a_proxy_image(image: str | None, ms: int | None) -> None:
    from engine.enrich import proxy_route_timeout
    assert proxy_route_timeout(image) == ms


def test_a_gateway_is_no_writer_of_a_store_it_routes_requests_to_but_is_one_of_its_own_database() -> None:
    # the proxy publishes the object store's API under /uploads (its callers write through it); it keeps its own
    # configuration in a database it shares with the admin service (Kong with PostgreSQL): a writer of that one
    e = enriched({
        "services": [{"name": "proxy", "kind": "gateway"}, {"name": "api"}, {"name": "admin"}],
        "datastores": [{"name": "minio", "writers": ["proxy", "api"]},
                       {"name": "kongdb", "writers": ["proxy", "admin"]}],
        "endpoints": [{"method": "PUT", "path": "/uploads", "served_by": "proxy", "exposure": "public",
                       "routes_to": ["minio"]}],
        "interactions": [{"from": "proxy", "to": "minio", "style": "sync", "mutating": True}],
    })
    facts = {f.key: f for f in e.facts}
    assert facts["datastore:minio"].data["writer_count"] == 1
    assert facts["datastore:kongdb"].data["writer_count"] == 2
