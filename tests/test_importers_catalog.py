"""The artifact catalogue (engine/data/artifacts.yaml): what images, names, ports and variables mean, and
what the compose and Kubernetes importers make of it."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from engine.cli.main import main
from engine.importers import import_paths
from engine.importers.infra import (
    Edge,
    Recognised,
    catalog,
    edge_fact,
    image_pinning,
    literal_secret,
    parse_catalog,
    recognise,
)
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import line_of


@pytest.mark.parametrize(("image", "role", "engine"), [
    ("postgres:16-alpine", "datastore", "postgres"),
    ("ghcr.io/acme/postgres:16", "datastore", "postgres"),
    ("docker.io/library/mysql:8", "datastore", "mysql"),
    ("mcr.microsoft.com/mssql/server:2022-latest", "datastore", "sqlserver"),
    ("mongo:7", "datastore", "mongodb"),
    ("valkey/valkey:8", "datastore", "redis"),
    ("amazon/dynamodb-local:2.5.2", "datastore", "dynamodb"),
    ("cnadiminti/dynamodb-local:2017-04-22_beta", "datastore", "dynamodb"),
    ("bitnami/kafka:3.7", "broker", "kafka"),
    ("confluentinc/cp-kafka:7.6.0", "broker", "kafka"),
    ("apache/kafka:3.8.0", "broker", "kafka"),
    ("redpandadata/redpanda:v24.1.1", "broker", "kafka"),
    ("rabbitmq:3-management", "broker", "rabbitmq"),
    ("nats:2.10", "broker", "nats"),
    ("apachepulsar/pulsar:3.2.0", "broker", "pulsar"),
    ("envoyproxy/envoy:v1.30-latest", "proxy", "proxy"),
    ("nginx:1.27", "proxy", "proxy"),
    ("traefik:v3.0", "proxy", "proxy"),
    ("kong:3.6", "proxy", "proxy"),
    ("docker.io/istio/proxyv2:1.22.0", "proxy", "proxy"),  # an Istio ingress or egress gateway
    ("jaegertracing/all-in-one:1.57", "observability", "observability"),
    ("prom/prometheus:v2.52.0", "observability", "observability"),
    ("otel/opentelemetry-collector-contrib:0.100.0", "observability", "observability"),
    ("openzipkin/zipkin-slim:3", "observability", "observability"),  # the trace server without its storage plug-ins
    ("locustio/locust:2.28.0", "load_generator", "load_generator"),
    ("grafana/k6:0.51.0", "load_generator", "load_generator"),
    ("defreitas/dns-proxy-server", "host_tool", "host_tool"),  # resolves container names for the host
    ("eventuateio/eventuate-cdc-service:0.4.0.RELEASE", "cdc", "cdc"),
    ("quay.io/debezium/server:2.6", "cdc", "cdc"),
    ("hyness/spring-cloud-config-server:4.1", "config_server", "config_server"),
    ("springcloud/configserver", "config_server", "config_server"),
    ("sqshq/piggymetrics-mongodb", "datastore", "mongodb"),  # a project's own build of a datastore
    ("robotshop/rs-mysql-db:2.1.0", "datastore", "mysql"),
    ("ghcr.io/documentdb/documentdb/documentdb-local:pg17-0.100.0", "datastore", "mongodb"),  # MongoDB protocol
    ("ghcr.io/ferretdb/ferretdb:2", "datastore", "mongodb"),
])
def test_images_are_recognised_whatever_the_registry_or_tag(image: str, role: str, engine: str) -> None:
    rec = recognise(image, [], [], "x")
    assert rec is not None and (rec.role, rec.engine) == (role, engine)


@pytest.mark.parametrize("image", ["mongo-express:1.0", "prometheuscommunity/postgres-exporter:v0.15.0",
                                   "oliver006/redis_exporter:v1.59", "acme/cart:1.2", "kafka-ui:latest"])
def test_tools_named_after_a_datastore_are_not_the_datastore(image: str) -> None:
    assert recognise(image, [], [], "tool") is None


@pytest.mark.parametrize("name", ["loadgenerator", "load-generator", "user-sim", "locust-master", "k6",
                                  "perf-test", "traffic-gen"])
def test_load_generators_are_recognised_by_name_when_the_image_is_local(name: str) -> None:
    rec = recognise(None, [], [], name)
    assert rec is not None and rec.role == "load_generator"


@pytest.mark.parametrize("name", ["virtual-customer", "virtual_users", "virtualshopper", "virtual-worker",
                                  "shop-virtual-buyers"])
def test_simulated_actors_named_virtual_are_load_generators(name: str) -> None:
    rec = recognise("registry.example/acme/" + name + ":3.1", [], [], name)
    assert rec is not None and rec.role == "load_generator"


@pytest.mark.parametrize(("name", "registry"), [
    ("registry", True), ("discovery-server", True), ("discovery", True), ("eureka-server", True),
    ("shop-service-registry", True), ("product-registry", False), ("registry-ui", False), ("discovery-api", False),
])
def test_locally_built_service_registries_are_recognised_by_name(name: str, registry: bool) -> None:
    rec = recognise("acme/" + name + ":1.0", [], [], name)
    assert (rec is not None and rec.role == "registry") is registry


@pytest.mark.parametrize(("name", "store"), [("orders-db", True), ("analytics_database", True), ("db", True),
                                             ("shop-aio-no-db", False), ("app_without_db", False), ("no-db", False)])
def test_a_name_ending_in_db_is_a_datastore_unless_it_says_it_runs_without_one(name: str, store: bool) -> None:
    rec = recognise(None, [], [], name)
    assert (rec is not None and rec.role == "datastore") is store


@pytest.mark.parametrize("name", ["cart", "user", "loader", "shipping", "payload-api", "virtual-machines",
                                  "virtualization", "customer", "worker", "virtual-card"])
def test_ordinary_names_are_not_load_generators(name: str) -> None:
    assert recognise(None, [], [], name) is None


@pytest.mark.parametrize(("key", "value", "literal"), [
    ("POSTGRES_PASSWORD", "hunter2", True),
    ("DB_PASS", "x", True),
    ("STRIPE_API_KEY", "sk_test_abc", True),
    ("JWT_SECRET", "s", True),
    ("DATABASE_URL", "postgres://app:s3cret@db:5432/app", True),
    ("POSTGRES_PASSWORD", "", False),
    ("POSTGRES_PASSWORD", "${DB_PASSWORD}", False),
    ("POSTGRES_PASSWORD_FILE", "/run/secrets/db", False),
    ("DATABASE_URL", "postgres://app@db:5432/app", False),
    ("BYPASS_CACHE", "true", False),
    ("SECRET_NAME", "db-credentials", False),
    # an env template's slots (ghostfolio's .env.example), and a URL built from one: the reader fills them
    ("REDIS_PASSWORD", "<INSERT_REDIS_PASSWORD>", False),
    ("JWT_SECRET_KEY", " <INSERT_RANDOM_STRING> ", False),
    ("DATABASE_URL", "postgresql://user:<INSERT_POSTGRES_PASSWORD>@postgres:5432/db", False),
    ("DB_PASSWORD", "a<b>c", True),
    ("DATABASE_URL", "postgresql://user:p<w>@postgres:5432/db", True),
])
def test_a_literal_secret_is_a_credential_written_out(key: str, value: str, literal: bool) -> None:
    assert literal_secret(key, value) is literal


def _edge(protocol: str | None = None, external: bool = False) -> Edge:
    return Edge("a", "b", protocol, ["X_ADDR names host b"], None, external)


@pytest.mark.parametrize(("edge", "target", "expected"), [
    (_edge(), None, {"style": "sync"}),  # an application service named as an address answers requests
    (_edge("grpc"), None, {"style": "sync", "protocol": "grpc"}),
    (_edge(), Recognised("broker", "kafka", None, "kafka"), {"style": "async", "protocol": "kafka"}),
    (_edge(), Recognised("broker", "nats", None, "other"), {"style": "async", "protocol": "other"}),
    (_edge(), Recognised("datastore", "mongodb", "document", None), {"style": "sync"}),
    (_edge(), Recognised("datastore", "redis", "kv", "redis"), {"style": "sync", "protocol": "redis"}),
    # a ws:// address: a long-lived connection carrying messages both ways, no request a caller waits on
    (_edge("websocket"), None, {"style": "stream", "protocol": "websocket"}),
], ids=["service", "grpc", "kafka", "nats", "mongodb", "redis", "websocket"])
def test_an_inferred_edge_gets_its_style_and_protocol(edge: Edge, target: Recognised | None,
                                                      expected: dict[str, str]) -> None:
    got = edge_fact(edge, target)
    assert {k: v for k, v in got.items() if k in ("style", "protocol")} == expected


def test_the_shipped_catalogue_is_well_formed_and_a_bad_one_says_which_entry() -> None:
    cat = catalog()
    assert len(cat.images) >= 20 and cat.ports[50051] == "grpc"
    with pytest.raises(ValueError, match=r"images\[0\]: role 'database'"):
        parse_catalog({"images": [{"match": "x", "role": "database"}], "load_generator_names": "x",
                       "server_env": {}, "data_dirs": {}, "ports": {}, "secret_names": "x"})


@pytest.mark.parametrize(("extra", "said"), [
    ({"lua_clients": [{"call": "connect\\(", "protocol": "other", "what": "x"}]}, r"lua_clients\[0\]: .*host"),
    ({"lua_clients": [{"call": "(?P<host>x)", "protocol": "thrift", "what": "x"}]}, r"lua_clients\[0\]: protocol"),
    ({"address_books": {"hosts": ["addr"]}}, r"address_books: unknown keys"),
], ids=["no-host-group", "unknown-protocol", "unknown-key"])
def test_a_bad_lua_client_or_address_book_entry_says_which(extra: dict[str, Any], said: str) -> None:
    base = {"images": [], "load_generator_names": "x", "server_env": {}, "data_dirs": {}, "ports": {},
            "secret_names": "x"}
    assert catalog().lua_clients and "timeout_ms" in catalog().address_books.timeout_keys
    with pytest.raises(ValueError, match=said):
        parse_catalog({**base, **extra})


COMPOSE = """
services:
  edge:
    image: nginx:1.27
    ports: ["80:80"]
    environment:
      UPSTREAM: http://shop:8080
  shop:
    image: acme/shop:1
    environment:
      PAYMENT_ADDR: payment:50051
      DB_PASSWORD: correct-horse-battery
      EVENTS: kafka:9092
    healthcheck:
      test: ["CMD", "wget", "-q", "http://localhost:8080/health"]
  payment:
    image: acme/payment:1
  kafka:
    image: bitnami/kafka:3.7
  locust:
    image: locustio/locust:2.28.0
    command: ["-f", "/mnt/locustfile.py", "--host", "http://edge"]
  jaeger:
    image: jaegertracing/all-in-one:1.57
"""


def _facts(docs: list[Any]) -> dict[str, dict[str, Any]]:
    return {f.key: dict(f.data) for f in load_documents(docs).facts}


def test_a_compose_system_imports_with_roles_styles_and_secrets(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", COMPOSE)
    docs = import_paths("compose", [path])
    facts = _facts(docs)
    assert facts["service:edge"]["kind"] == "gateway"
    # the public entry: one endpoint for the routes of the published port, so public paths are followed; published
    # on host port 80, HTTP's, it serves plaintext
    assert facts["endpoint:edge-entry"] == {"name": "edge-entry", "method": "ANY", "path": "/", "served_by": "edge",
                                            "tls": False}
    assert [k for k in facts if k.startswith("endpoint:")] == ["endpoint:edge-entry"]
    assert facts["interaction:shop->payment"]["style"] == "sync"
    assert facts["interaction:shop->payment"]["protocol"] == "grpc"  # by its port
    assert facts["interaction:shop->kafka"]["style"] == "async"
    assert facts["service:shop"]["secrets_source"] == "repo_config"
    assert facts["service:payment"]["health"] == {"readiness": False}  # no healthcheck stated: none
    assert facts["service:shop"]["health"] == {"readiness": True}
    assert "service:locust" not in facts and "service:jaeger" not in facts
    warnings = [str(w) for w in load_documents(docs).warnings]
    assert any("locust is a load generator or test client (by its image locustio/locust)" in w for w in warnings)
    assert any("jaeger is metrics, tracing or logging infrastructure" in w for w in warnings)


def test_a_secret_value_never_reaches_the_imported_file(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", COMPOSE)
    result = CliRunner().invoke(main, ["import", "compose", path])
    assert result.exit_code == 0, result.output
    assert "correct-horse-battery" not in result.output
    assert "credentials written in the configuration: DB_PASSWORD (values not shown)" in result.stdout
    assert yaml.safe_load(result.stdout)["services"]


def test_kubernetes_literal_secrets_and_load_generators(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "app.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: acme/api:1
                  env:
                    - {name: ADMIN_TOKEN, value: "t0ps3cret"}
                    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: loadgenerator}
        spec:
          template:
            spec:
              containers:
                - {name: main, image: acme/loadgenerator:1}
        """)
    docs = import_paths("kubernetes", [root])
    facts = _facts(docs)
    assert facts["service:api"]["secrets_source"] == "repo_config"
    assert "service:loadgenerator" not in facts
    assert any("loadgenerator is a load generator" in str(w) for w in load_documents(docs).warnings)


def test_a_registry_image_is_a_registry_and_its_open_default_is_said(tmp_path: Any) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          consul: {image: "hashicorp/consul:1.18", ports: ["8500:8500"]}
          locked:
            image: hashicorp/consul:1.18
            environment: {CONSUL_LOCAL_CONFIG: '{"acl": {"enabled": true, "default_policy": "deny"}}'}
          mounted:
            image: hashicorp/consul:1.18
            volumes: ["./consul/config:/consul/config:ro"]
          nacos: {image: "nacos/nacos-server:v2.3.0", environment: {NACOS_AUTH_ENABLE: "true"}}
          api: {image: "acme/api:1.0", depends_on: [consul]}
        """)
    docs = import_paths("compose", [path])
    facts = _facts(docs)
    assert {n: (facts[f"service:{n}"].get("kind"), facts[f"service:{n}"].get("inbound_auth"))
            for n in ("consul", "locked", "mounted", "nacos")} == {
        "consul": ("registry", "none"), "locked": ("registry", None), "mounted": ("registry", None),
        "nacos": ("registry", "token")}
    # a lookup in the registry is not a request on the caller's path: the call's style stays unknown
    assert "style" not in facts["interaction:api->consul"]
    notes = docs[0].notes["service:consul"]
    assert "inbound_auth none: Consul starts with ACLs disabled (no acl setting, configuration file or mounted " \
           "configuration): anyone who reaches it may register or deregister" in notes


def test_a_config_server_is_called_at_start_up_only(tmp_path: Any) -> None:
    # a depends_on on a configuration server (by image, or by a name such as config / config-server) orders the
    # clients' start-up fetch: no request waits on it; a business "config-service" or any other service known
    # from depends_on alone stays a call of unknown style
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          config: {image: "acme/shop-config:1.0"}
          settings: {image: "hyness/spring-cloud-config-server:4.1"}
          config-service: {image: "acme/config-service:1.0"}
          billing: {image: "acme/billing:1.0"}
          api:
            image: acme/api:1.0
            environment: {JAVA_OPTS: -Xmx512m}
            depends_on: {config: {condition: service_healthy}, settings: {condition: service_started},
                         config-service: {condition: service_started}, billing: {condition: service_started}}
        """)
    docs = import_paths("compose", [path])
    facts = _facts(docs)
    assert {t: (facts[f"interaction:api->{t}"].get("during"), facts[f"interaction:api->{t}"].get("style"))
            for t in ("config", "settings", "config-service", "billing")} == {
        "config": ("startup", None), "settings": ("startup", None), "config-service": (None, None),
        "billing": (None, None)}
    assert "kind" not in facts["service:config"]  # still a service of the system, reviewed as one
    assert "during startup: config is a configuration server (by its name config); api fetches its configuration " \
           "from it as it starts, no request waits on it" in docs[0].notes["interaction:api->config"]
    # the review reads the start-up fetch as no blocking call on a request path: no timeout or breaker finding
    result = CliRunner().invoke(main, ["check", "--from", f"compose={path}", "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    rules: dict[str, set[str]] = {}
    for f in json.loads(result.output)["findings"]:
        for s in f["subjects"]:
            rules.setdefault(s, set()).add(f["rule"])
    assert rules.get("interaction:api->config", set()) <= {"information-gap"}
    assert rules.get("interaction:api->settings", set()) <= {"information-gap"}
    assert "remote-call-without-timeout" in rules["interaction:api->billing"]


def test_a_config_server_in_kubernetes_is_called_at_start_up(tmp_path: Any) -> None:
    docs = ""
    for name, image, env in (("config-server", "acme/config-server:1", "[]"),
                             ("api", "acme/api:1", '[{name: SPRING_CLOUD_CONFIG_URI, value: "http://config-server:8888"}]')):
        docs += f"""
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: {name}, image: "{image}", env: {env}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 8888}}]
"""
    path = write(str(tmp_path), "app.yaml", docs)
    call = _facts(import_paths("kubernetes", [path]))["interaction:api->config-server"]
    assert (call.get("during"), call.get("protocol")) == ("startup", "http")


def test_a_registry_in_kubernetes_is_a_registry(tmp_path: Any) -> None:
    path = write(str(tmp_path), "consul.yaml", """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: consul}
        spec:
          replicas: 3
          template:
            spec:
              containers: [{name: consul, image: "hashicorp/consul:1.18", args: ["agent", "-server"]}]
        """)
    facts = _facts(import_paths("kubernetes", [path]))
    assert (facts["service:consul"]["kind"], facts["service:consul"]["inbound_auth"]) == ("registry", "none")


@pytest.mark.parametrize(("image", "tool"), [
    pytest.param("dpage/pgadmin4:8.12", "pgAdmin", id="pgadmin"),
    pytest.param("ghcr.io/axllent/mailpit:v1.20", "Mailpit", id="mailpit-on-another-registry"),
    pytest.param("maildev/maildev", "MailDev", id="maildev-untagged"),
    pytest.param("swaggerapi/swagger-ui:v5.17.14", "Swagger UI", id="swagger-ui"),
    pytest.param("adminer", "Adminer", id="adminer-official"),
    pytest.param("postgres:16", None, id="a-database-is-no-tool"),
    pytest.param("rabbitmq:3-management", None, id="a-broker-with-a-console-is-no-tool"),
    pytest.param("acme/shop-admin:1.0", None, id="an-application-is-no-tool"),
])
def test_operator_tools_are_recognised_by_image(image: str, tool: str | None) -> None:
    found = catalog().operator_tool(image)
    assert (found.split(",")[0] if found else None) == tool


def test_a_bad_operator_tool_entry_says_which() -> None:
    base = {"images": [], "load_generator_names": "x", "server_env": {}, "data_dirs": {}, "ports": {},
            "secret_names": "x"}
    with pytest.raises(ValueError, match=r"operator_tools\[0\]: unknown keys \['port'\]"):
        parse_catalog({**base, "operator_tools": [{"match": "x", "what": "x", "port": 80}]})
    with pytest.raises(ValueError, match=r"operator_tools\[0\]: match and what"):
        parse_catalog({**base, "operator_tools": [{"match": "x"}]})


def test_operator_tools_state_operator_tool_in_compose_and_kubernetes(tmp_path: Any) -> None:
    """A container whose image is a known operator or developer tool, or whose name says it is one (a Hystrix
    dashboard), states ``operator_tool``, whether or not it publishes a port; an application, a broker with a
    management console and a business service named like a tool do not."""
    root = str(tmp_path)
    compose_path = write(root, "docker-compose.yml", """
        services:
          mail:
            image: axllent/mailpit:v1.20
            ports: ["1025:1025", "8025:8025"]
          pgadmin:
            image: dpage/pgadmin4:8.12
          hystrix-dashboard:
            image: acme/hystrix-dashboard:1.0
          patient-monitoring:
            image: acme/patient-monitoring:1.0
          mq:
            image: rabbitmq:3-management
          api:
            image: acme/api:1.0
            environment: {SMTP_HOST: mail}
        """)
    facts = _facts(import_paths("compose", [compose_path]))
    tools = {k.removeprefix("service:") for k, v in facts.items() if k.startswith("service:") and v.get(
        "operator_tool")}
    assert tools == {"mail", "pgadmin", "hystrix-dashboard"}
    assert facts["service:mail"]["operator_tool"] is True
    k8s = write(root, "k8s/mail.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: mailserver}
        spec:
          template:
            spec:
              containers: [{name: mailserver, image: "maildev/maildev:1.1.0"}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: orders}
        spec:
          replicas: 2
          template: {spec: {containers: [{name: orders, image: "acme/orders:1.0"}]}}
        """)
    facts = _facts(import_paths("kubernetes", [k8s]))
    assert facts["service:mailserver"].get("operator_tool") is True
    assert "operator_tool" not in facts["service:orders"]


TIMEOUTS_COMPOSE = """
services:
  web:
    image: acme/web:1
    environment:
      BACKEND_TIMEOUT: "4"
      CART_HOST: cart
      CART_TIMEOUT_MS: "750"
      USERS_API_ADDR: users:8080
      DB_URL: postgres://db:5432/shop
  cart:
    image: acme/cart:1
  users:
    image: acme/users:1
    environment:
      BACKEND_TIMEOUT: soon
      CART_ADDR: cart:8080
  db:
    image: postgres:16
"""


def test_timeout_variables_give_the_calls_of_their_workload_a_timeout(tmp_path: Any) -> None:
    path = write(str(tmp_path), "docker-compose.yml", TIMEOUTS_COMPOSE)
    facts = _facts(import_paths("compose", [path]))
    assert facts["interaction:web->users"]["timeout_ms"] == 4000  # BACKEND_TIMEOUT=4: a bare number in seconds
    assert facts["interaction:web->cart"]["timeout_ms"] == 750  # the target's own variable wins
    assert "timeout_ms" not in facts["interaction:web->db"]  # a datastore driver's timeout is another thing
    assert "timeout_ms" not in facts["interaction:users->cart"]  # "soon" is no duration: unknown
    doc = import_paths("compose", [path])[0]
    notes = doc.notes["interaction:web->users"]  # type: ignore[attr-defined]
    assert any("BACKEND_TIMEOUT=4, a bare number read as seconds" in n for n in notes)
    loc = load_documents([doc]).by_key()["interaction:web->users"].locate("timeout_ms")
    assert loc.line == line_of(path, 'BACKEND_TIMEOUT: "4"')


def test_a_bad_timeout_variable_entry_says_which() -> None:
    base = {"images": [], "load_generator_names": "x", "server_env": {}, "data_dirs": {}, "ports": {},
            "secret_names": "x"}
    assert catalog().timeout_variables
    with pytest.raises(ValueError, match=r"timeout_variables\[0\]: a prefix scope"):
        parse_catalog({**base, "timeout_variables": [{"match": "X_TIMEOUT", "scope": "prefix", "unit": "s"}]})



@pytest.mark.parametrize(("image", "pinned"), [
    ("redis:alpine", False),
    ("docker.io/library/redis:alpine", False),
    ("rabbitmq:management", False),
    ("rabbitmq:management-alpine", False),
    ("eshop/basket.api:linux-latest", False),
    ("ghcr.io/open-telemetry/demo:latest-cart", False),
    ("redis", False),
    ("redis:latest", False),
    ("postgres:15-alpine", None),
    ("rabbitmq:3-management-alpine", None),
    ("redis:7.2", None),
    ("redash/redash:__TAG__", None),
    ("app:${TAG}", None),
    ("redis@sha256:" + "0" * 64, True),
])
def test_a_tag_that_states_no_version_is_a_moving_tag(image: str, pinned: bool | None) -> None:
    got = image_pinning(image)
    assert (got[0] if got else None) is pinned
    if pinned is False and ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"):
        assert got is not None and "moving tag" in got[1]
