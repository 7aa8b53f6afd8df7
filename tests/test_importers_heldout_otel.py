"""Importer behaviour the held-out OpenTelemetry demo exposed (benchmarks/realworld/systems/otel-demo), each on a
fixture of our own: a compose project handed over with the build context of every service it builds."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def test_the_build_context_of_a_datastore_is_not_imported_as_a_service(tmp_path: Any) -> None:
    # a database image built from the repository (its own Dockerfile, no code): the compose import makes it a
    # datastore; the folder handed over with the services' code must not add a service of the same name
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", """
        services:
          search:
            build: {context: ./search}
          api:
            build: {context: ./api}
            ports: ["8080"]
            environment: {SEARCH_URL: "http://search:9200"}
        """)
    write(root, "search/Dockerfile", "FROM opensearchproject/opensearch:2.11.0\nUSER 1000\n")
    write(root, "api/Dockerfile", "FROM python:3.12-slim\n")
    write(root, "api/app.py", 'import os\nSEARCH = os.environ["SEARCH_URL"]\n')
    docs = load_artifacts([f"compose={compose}", f"source={os.path.join(root, 'search')}",
                           f"source={os.path.join(root, 'api')}"])
    design = load_documents(docs)  # a service and a datastore of one name would not load
    assert "datastore:search" in {f.key for f in design.of_kind("datastore")}
    services = {f.key for f in design.of_kind("service")}
    assert "service:api" in services
    assert "service:search" not in services
    assert any("search is a datastore of the deployment" in text for d in docs for _at, text in d.remarks)


def test_a_variable_named_without_a_value_takes_its_value_from_the_project_env_file(tmp_path: Any) -> None:
    # compose v2 fills `- NAME` (and `NAME:`) from the shell or the project's .env: the address names the host it
    # calls, and a password kept in the committed .env is a credential written in the configuration
    root = str(tmp_path)
    write(root, ".env", "ORDERS_ADDR=orders:7000\nDB_PASSWORD=hunter2\nUNUSED=x\n")
    compose = write(root, "compose.yaml", """
        services:
          orders: {image: "acme/orders:1"}
          db:
            image: postgres:16
            environment:
              - POSTGRES_PASSWORD=${DB_PASSWORD}
          web:
            image: acme/web:1
            environment:
              - ORDERS_ADDR
              - NOT_IN_ENV_FILE
          reporter:
            image: acme/reporter:1
            environment:
              DB_PASSWORD:
        """)
    docs = load_artifacts([f"compose={compose}"])
    design = load_documents(docs)
    assert "interaction:web->orders" in {f.key for f in design.of_kind("interaction")}
    reporter = next(f for f in design.of_kind("service") if f.key == "service:reporter")
    assert reporter.data.get("secrets_source") == "repo_config"
    web = next(f for f in design.of_kind("service") if f.key == "service:web")
    assert "secrets_source" not in web.data


def _datastore(design: Any, name: str) -> dict[str, Any]:
    return dict(next(f for f in design.of_kind("datastore") if f.key == f"datastore:{name}").data)


def test_an_init_script_or_configuration_mount_keeps_no_data(tmp_path: Any) -> None:
    # a database whose only volume feeds its init hook loses every row when the container is recreated; a named
    # volume on its data directory keeps them; a configuration file mounted into a service makes it no stateful
    root = str(tmp_path)
    write(root, "init.sql", "CREATE TABLE t (id int);\n")
    write(root, "app.yml", "a: 1\n")
    compose = write(root, "compose.yaml", """
        services:
          scratch-db:
            image: postgres:16
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/pw}
            volumes:
              - ./init.sql:/docker-entrypoint-initdb.d/init.sql
              - ./app.yml:/etc/postgresql/extra.yml
          kept-db:
            image: postgres:16
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/pw}
            volumes:
              - ./init.sql:/docker-entrypoint-initdb.d/init.sql
              - type: volume
                source: pgdata
                target: /var/lib/postgresql/data
          api:
            image: acme/api:1
            volumes: ["./app.yml:/app/config.yml"]
          writer:
            image: acme/writer:1
            volumes: ["./files:/app/data"]
        volumes: {pgdata: {}}
        """)
    design = load_documents(load_artifacts([f"compose={compose}"]))
    assert _datastore(design, "scratch-db")["durable_storage"] is False
    assert _datastore(design, "kept-db")["durable_storage"] is True
    services = {f.key: f.data for f in design.of_kind("service")}
    assert "stateful" not in services["service:api"]
    assert services["service:writer"].get("stateful") is True


def test_the_valkey_image_published_on_ghcr_is_known_like_the_docker_hub_one(tmp_path: Any) -> None:
    root = str(tmp_path)
    compose = write(root, "compose.yaml", """
        services:
          cache-ghcr: {image: "ghcr.io/valkey-io/valkey:9.0-alpine"}
          cache-hub: {image: "valkey/valkey:9.0-alpine"}
          cache-locked: {image: "ghcr.io/valkey-io/valkey:9.0-alpine", command: "valkey-server --requirepass x"}
        """)
    design = load_documents(load_artifacts([f"compose={compose}"]))
    assert _datastore(design, "cache-ghcr").get("authentication") == "none"
    assert _datastore(design, "cache-hub").get("authentication") == "none"
    assert _datastore(design, "cache-locked").get("authentication") == "password"


def test_card_data_recorded_in_span_attributes_is_sensitive_data_in_the_telemetry(tmp_path: Any) -> None:
    # what a span's attributes record is exported with the trace and read in the tracing backend like a log
    root = str(tmp_path)
    write(root, "checkout/main.go", """
        package main

        func (cs *checkout) PlaceOrder(ctx context.Context, req *pb.PlaceOrderRequest) (*pb.PlaceOrderResponse, error) {
            span := trace.SpanFromContext(ctx)
            span.SetAttributes(
                attribute.String("app.user.id", req.UserId),
                attribute.String("app.payment.card", req.GetCreditCard().GetCreditCardNumber()),
            )
            return nil, nil
        }
        """)
    write(root, "payment/charge.js", """
        module.exports.charge = async request => {
          const span = tracer.startSpan('charge');
          const { creditCardNumber: number, creditCardCvv: cvv } = request.creditCard;
          span.setAttributes({ 'app.card.type': cardType, 'app.card.cvv': cvv });
          span.setAttribute('app.card.last_four', number.substr(-4));
        };
        """)
    write(root, "ads/main.go", """
        package main

        func serve(ctx context.Context, req *pb.AdRequest) {
            span := trace.SpanFromContext(ctx)
            span.SetAttributes(attribute.String("app.ads.category", req.ContextKeys[0]))
        }
        """)
    docs = load_artifacts([f"source={os.path.join(root, s)}" for s in ("checkout", "payment", "ads")])
    services = {f.key: f.data for f in load_documents(docs).of_kind("service")}
    assert services["service:checkout"].get("logs_sensitive_data") is True
    assert services["service:payment"].get("logs_sensitive_data") is True
    assert "logs_sensitive_data" not in services["service:ads"]
    notes = [n for d in docs for k, ns in d.notes.items() if k == "service:payment" for n in ns]
    assert any("in a span attribute (exported with the trace)" in n for n in notes)


_ENVOY_TEMPLATE = """
static_resources:
  listeners:
    - address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                route_config:
                  virtual_hosts:
                    - name: shop
                      domains: ["*"]
                      routes:
                        - match: {prefix: "/admin/"}
                          route: {cluster: admin, prefix_rewrite: "/"}
                        - match: {prefix: "/"}
                          route: {cluster: web}
  clusters:
    - name: web
      load_assignment:
        cluster_name: web
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: "${WEB_HOST}", port_value: "${WEB_PORT}"}}}
    - name: admin
      load_assignment:
        cluster_name: admin
        endpoints:
          - lb_endpoints:
              - endpoint: {address: {socket_address: {address: $ADMIN_HOST, port_value: 9000}}}
"""


def test_an_envoy_listener_without_a_tls_transport_socket_serves_plain_http(tmp_path: Any) -> None:
    root = str(tmp_path)
    plain = write(root, "plain/envoy.yaml", _ENVOY_TEMPLATE)
    secured = write(root, "tls/envoy.yaml", _ENVOY_TEMPLATE.replace("        - filters:", (
        "        - transport_socket: {name: envoy.transport_sockets.tls, typed_config: {}}\n          filters:")))
    for path, expected in ((plain, False), (secured, True)):
        design = load_documents(load_artifacts([f"gateway:edge={path}"]))
        route = next(f for f in design.of_kind("endpoint") if f.key == "endpoint:ANY /")
        assert route.data.get("tls") is expected, path


def test_an_envoy_template_is_filled_from_its_container_environment(tmp_path: Any) -> None:
    # the proxy's image runs envsubst over the template at start: the clusters' hosts are the values the
    # deployment sets; the service's own routes are then placed behind the proxy's routes, not behind its own
    # published port (whichever name sorts first)
    root = str(tmp_path)
    write(root, ".env", "WEB_HOST=web\nWEB_PORT=8080\n")
    compose = write(root, "compose.yaml", """
        services:
          web-proxy:
            image: envoyproxy/envoy:v1.31.0
            ports: ["8080:8080"]
            environment: [WEB_HOST, WEB_PORT, "ADMIN_HOST=backoffice"]
          web:
            image: acme/web:1
            ports: ["8080"]
          backoffice: {image: "acme/backoffice:1"}
        """)
    envoy = write(root, "web-proxy/envoy.tmpl.yaml", _ENVOY_TEMPLATE)
    write(root, "web/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/orders", methods=["POST"])
        def place():
            return "", 201
        """)
    write(root, "backoffice/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/users/<int:user_id>", methods=["DELETE"])
        def remove(user_id):
            return "", 204
        """)
    docs = load_artifacts([f"compose={compose}", f"gateway:web-proxy={envoy}", f"source={os.path.join(root, 'web')}",
                           f"source={os.path.join(root, 'backoffice')}"])
    design = load_documents(docs)
    endpoints = {f.key: f.data for f in design.of_kind("endpoint")}
    assert endpoints["endpoint:ANY /"].get("routes_to") == ["web"]
    order = endpoints["endpoint:POST /orders"]
    assert order["served_by"] == "web-proxy" and order.get("routes_to") == ["web"] and order.get("tls") is False
    assert endpoints["endpoint:DELETE /admin/users/{user_id}"].get("routes_to") == ["backoffice"]
    assert "interaction:web-proxy->web" in {f.key for f in design.of_kind("interaction")}
    assert not [text for d in docs for _at, text in d.remarks if "is a variable" in text]


def test_without_the_deployment_an_envoy_template_variable_names_no_target(tmp_path: Any) -> None:
    envoy = write(str(tmp_path), "web-proxy/envoy.tmpl.yaml", _ENVOY_TEMPLATE)
    docs = load_artifacts([f"gateway:web-proxy={envoy}"])
    assert len([text for d in docs for _at, text in d.remarks if "is a variable" in text]) == 2
    endpoints = {f.key: f.data for f in load_documents(docs).of_kind("endpoint")}
    assert "routes_to" not in endpoints["endpoint:ANY /"]


def test_nextjs_api_routes_are_read_from_where_their_files_lie(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "web/pages/api/orders.ts", """
        import OrderGateway from '../../gateways/Order.gateway';

        const handler = async ({ method, body, query }, res) => {
          switch (method) {
            case 'GET': {
              const orders = await OrderGateway.listOrders(query.userId);
              return res.status(200).json(orders);
            }
            case 'POST': {
              const order = await OrderGateway.placeOrder(body);
              return res.status(200).json(order);
            }
            default:
              return res.status(405);
          }
        };
        export default handler;
        """)
    write(root, "web/pages/api/orders/[orderId]/index.ts", """
        export default async function handler(req, res) {
          if (req.method === 'DELETE') {
            await OrderGateway.cancelOrder(req.query.orderId);
            return res.status(204).send('');
          }
          return res.status(200).json(await OrderGateway.getOrder(req.query.orderId));
        }
        """)
    write(root, "web/pages/api/health.js", "export default function handler(req, res) { res.json({ok: true}); }\n")
    write(root, "web/app/(shop)/api/basket/route.ts", """
        export async function PUT(request: Request) {
          await basketStore.setItems(await request.json());
          return Response.json({});
        }
        """)
    write(root, "web/pages/index.tsx", "export default function Home() { return null; }\n")
    docs = load_artifacts([f"source={os.path.join(root, 'web')}"])
    endpoints = {(f.data["method"], f.data["path"]): f.data for f in load_documents(docs).of_kind("endpoint")}
    assert set(endpoints) == {("GET", "/api/orders"), ("POST", "/api/orders"), ("DELETE", "/api/orders/{orderId}"),
                              ("ANY", "/api/health"), ("PUT", "/api/basket")}
    placed = endpoints[("POST", "/api/orders")]
    assert placed.get("mutating") is True and placed.get("idempotency_key") is False
    assert "mutating" not in endpoints[("GET", "/api/orders")]
    cancel = endpoints[("DELETE", "/api/orders/{orderId}")]
    assert cancel.get("mutating") is True and "idempotency_key" not in cancel  # a cancel creates nothing new
    assert endpoints[("PUT", "/api/basket")].get("mutating") is True


def test_a_nextjs_service_that_names_an_idempotency_key_is_not_said_to_lack_one(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "web/pages/api/pay.ts", """
        export default async function handler(req, res) {
          if (req.method === 'POST') {
            const key = req.headers['idempotency-key'];
            return res.json(await PaymentClient.chargeCard(req.body, key));
          }
        }
        """)
    docs = load_artifacts([f"source={os.path.join(root, 'web')}"])
    pay = next(f.data for f in load_documents(docs).of_kind("endpoint"))
    assert pay.get("mutating") is True and "idempotency_key" not in pay


def test_a_sarama_producer_states_its_topic_and_what_it_waits_for(tmp_path: Any) -> None:
    # the topic comes from the deployment's *_TOPIC variable when the code does not write it; RequiredAcks
    # NoResponse is Kafka's acks=0: the producer never learns whether the broker took the message
    root = str(tmp_path)
    compose = write(root, "compose.yaml", """
        services:
          kafka: {image: "apache/kafka:3.9.0"}
          orders:
            image: acme/orders:1
            environment: {KAFKA_ADDR: "kafka:9092", ORDERS_TOPIC: placed-orders}
            depends_on: [kafka]
          billing:
            image: acme/billing:1
            environment: {KAFKA_ADDR: "kafka:9092"}
        """)
    write(root, "orders/kafka/producer.go", """
        package kafka

        import "github.com/IBM/sarama"

        func New(brokers []string) (sarama.AsyncProducer, error) {
            cfg := sarama.NewConfig()
            // acks=0: fastest
            cfg.Producer.RequiredAcks = sarama.NoResponse
            return sarama.NewAsyncProducer(brokers, cfg)
        }
        """)
    write(root, "orders/main.go", """
        package main

        func send(p sarama.AsyncProducer, topic string, b []byte) {
            p.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(b)}
        }
        """)
    write(root, "billing/main.go", """
        package main

        func send(p sarama.SyncProducer, b []byte) {
            p.SendMessage(&sarama.ProducerMessage{Topic: "invoices", Value: sarama.ByteEncoder(b)})
        }

        func start(brokers []string) (sarama.SyncProducer, error) {
            cfg := sarama.NewConfig()
            cfg.Producer.RequiredAcks = sarama.WaitForAll
            return sarama.NewSyncProducer(brokers, cfg)
        }
        """)
    docs = load_artifacts([f"compose={compose}", f"source={os.path.join(root, 'orders')}",
                           f"source={os.path.join(root, 'billing')}"])
    design = load_documents(docs)
    channels = {f.key: f.data for f in design.of_kind("channel")}
    assert channels["channel:placed-orders"].get("producer_acks") == "none"
    assert channels["channel:placed-orders"].get("producers") == ["orders"]
    assert channels["channel:invoices"].get("producer_acks") == "all"
    assert "interaction:orders->placed-orders" in {f.key for f in design.of_kind("interaction")}
