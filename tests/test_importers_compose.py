"""docker-compose import: services, datastores and brokers by image, exposure, volumes, limits, inferred edges."""

from __future__ import annotations

import os

import pytest

from engine.errors import ArchplanError
from engine.importers import compose, import_paths, load_artifacts
from engine.loader import load_design
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import design_of, fact, fixture, line_of

SHOP = fixture("compose", "shop-compose.yaml")
BAKERY = fixture("compose", "bakery", "docker-compose.yml")


@pytest.fixture(scope="module")
def shop() -> object:
    return design_of(compose.import_file(SHOP))


def test_datastores_and_brokers_are_recognised_by_image(shop: object) -> None:
    db = fact(shop, "datastore:db").data  # type: ignore[arg-type]
    assert db["engine"] == "postgres" and db["kind"] == "relational"
    assert fact(shop, "datastore:cache").data["engine"] == "redis"  # type: ignore[arg-type]
    mq = fact(shop, "service:mq").data  # type: ignore[arg-type]
    assert mq["tags"] == ["broker"] and "rabbitmq" in mq["description"]
    assert {s.name for s in shop.of_kind("service")} == {"api", "worker", "admin", "mq"}  # type: ignore[attr-defined]


def test_volumes_decide_durable_storage_and_statefulness(shop: object) -> None:
    db = fact(shop, "datastore:db")  # type: ignore[arg-type]
    assert db.data["durable_storage"] is True
    assert db.locate("durable_storage").line == line_of(SHOP, "db-data:/var/lib/postgresql/data")
    assert fact(shop, "datastore:cache").data["durable_storage"] is False  # type: ignore[arg-type]
    assert fact(shop, "service:worker").data["stateful"] is True  # type: ignore[arg-type]
    assert "stateful" not in fact(shop, "service:api").data  # type: ignore[arg-type]


def test_replicas_limits_health_and_exposure(shop: object) -> None:
    api = fact(shop, "service:api")  # type: ignore[arg-type]
    assert api.data["replicas"] == 3 and api.locate("replicas").line == line_of(SHOP, "replicas: 3")
    assert api.data["resource_limits"] is True and api.data["health"] == {"readiness": True}
    assert api.data["exposure"] == "host" and api.locate("exposure").line == line_of(SHOP, '"8080:8080"')
    admin = fact(shop, "service:admin").data  # type: ignore[arg-type]
    assert admin["exposure"] == "internal"  # published on loopback only
    assert admin["health"] == {"readiness": False} and admin["resource_limits"] is False
    assert fact(shop, "service:worker").data["replicas"] == 1  # type: ignore[arg-type]


def test_edges_are_inferred_from_urls_host_variables_commands_and_depends_on(shop: object) -> None:
    edges = {(i.data["from"], i.data["to"]): i for i in shop.of_kind("interaction")}  # type: ignore[attr-defined]
    assert set(edges) == {("api", "db"), ("api", "cache"), ("api", "mq"), ("worker", "db"), ("worker", "mq"),
                          ("api", "api.payments.example.net")}
    api_db = edges[("api", "db")]
    assert api_db.data["protocol"] == "sql" and "DATABASE_URL" in api_db.data["inferred_from"]
    assert "depends_on" in api_db.data["inferred_from"]
    assert "${DB_PASSWORD}" not in api_db.data["inferred_from"]  # evidence names keys, never values
    assert api_db.location.line == line_of(SHOP, "DATABASE_URL:")
    assert edges[("worker", "mq")].data["protocol"] == "amqp" and edges[("worker", "mq")].data["style"] == "async"
    assert "command" in edges[("worker", "mq")].data["inferred_from"]
    assert edges[("api", "cache")].data["protocol"] == "redis"
    for e in edges.values():
        assert not {"timeout_ms", "circuit_breaker", "retry", "idempotent"} & set(e.data)


def test_a_value_that_merely_contains_a_service_name_is_no_edge(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          user:
            image: example/user
          app:
            image: example/app
            environment:
              DB_USER: user
              GREETING: hello user
              USER_URL: http://user:8080/api
        """)
    d = design_of(compose.import_file(path))
    edges = d.of_kind("interaction")
    assert [(e.data["from"], e.data["to"]) for e in edges] == [("app", "user")]
    assert "USER_URL" in edges[0].data["inferred_from"] and "DB_USER" not in edges[0].data["inferred_from"]


def test_a_topic_list_names_topics_not_hosts(tmp_path: os.PathLike[str]) -> None:
    # "billing:3:1" is the topic billing with 3 partitions and 1 replica, even where a service is called billing;
    # a variable naming an address keeps its host:port reading
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          billing:
            image: example/billing
          events:
            image: example/kafka
            environment:
              EVENTS_CREATE_TOPICS: "billing:3:1,audit:1:1"
              WORK_QUEUES: billing:2
              EVENTS_ADVERTISED_HOST: events
          reporter:
            image: example/reporter
            environment:
              BILLING_SERVER: billing:9000
        """)
    d = design_of(compose.import_file(path))
    assert sorted((e.data["from"], e.data["to"]) for e in d.of_kind("interaction")) == [("reporter", "billing")]


def test_a_larger_file_imports_with_its_databases_broker_and_edge_proxy() -> None:
    d = design_of(import_paths("auto", [BAKERY]))
    assert {s.name for s in d.of_kind("datastore")} == {"accounts-db", "basket-db", "menu-db", "ordering-db"}
    assert fact(d, "datastore:menu-db").data["engine"] == "mysql"  # by MARIADB_ROOT_PASSWORD, not the image
    assert fact(d, "datastore:accounts-db").data["durable_storage"] is False  # a -db name, no volume
    assert fact(d, "service:mq-broker").data["tags"] == ["broker"]
    gateway = fact(d, "service:gateway")
    assert gateway.data["exposure"] == "host" and gateway.locate("exposure").line == line_of(BAKERY, "'443:443'")
    assert fact(d, "service:storefront").data["exposure"] == "internal"
    edges = {(i.data["from"], i.data["to"]) for i in d.of_kind("interaction")}
    assert ("accounts", "accounts-db") in edges and ("shopper-sim", "gateway") in edges  # host:port, --target


def test_unknown_depends_on_target_and_bad_shapes_are_located(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "c.yml", """
        services:
          a:
            image: x
            depends_on: [b]
        """)
    with pytest.raises(ArchplanError, match=r"c\.yml:4:.*'b' is not a service"):
        compose.import_file(path)
    path2 = write(str(tmp_path), "d.yml", "services:\n  a: [1, 2]\n")
    with pytest.raises(ArchplanError, match=r"d\.yml:2:.*must be a mapping"):
        compose.import_file(path2)
    path3 = write(str(tmp_path), "e.yml", "version: '3'\n")
    with pytest.raises(ArchplanError, match="no 'services:' section"):
        compose.import_file(path3)


def test_a_public_host_in_a_url_becomes_an_external_with_an_inferred_call(shop: object) -> None:
    ext = fact(shop, "external:api.payments.example.net")  # type: ignore[arg-type]
    assert ext.location.line == line_of(SHOP, "PAYMENTS_URL:")
    call = fact(shop, "interaction:api->api.payments.example.net").data  # type: ignore[arg-type]
    assert call["protocol"] == "http" and call["style"] == "sync" and "PAYMENTS_URL" in call["inferred_from"]
    assert "circuit_breaker" not in call and "timeout_ms" not in call  # left for the review to ask about


def test_a_port_on_every_interface_is_host_published_and_one_on_a_global_address_is_public(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          web:
            image: example/web
            ports: ["8080:8080"]
          edge:
            image: example/edge
            ports: ["1.2.3.4:443:443"]
          admin:
            image: example/admin
            ports: ["10.0.0.5:9000:9000"]
        """)
    d = design_of(compose.import_file(path))
    assert [fact(d, f"service:{n}").data["exposure"] for n in ("web", "edge", "admin")] == ["host", "public",
                                                                                            "internal"]
    assert {e.data["served_by"] for e in d.of_kind("endpoint")} == {"web", "edge"}  # entry points both
    assert not d.of_kind("system")  # the file's name states no environment


def test_a_broker_that_publishes_only_its_console_or_an_operator_tool_by_name_has_an_admin_entry(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          mq:
            image: rabbitmq:3-management
            ports: ["15672:15672"]
          bus:
            image: rabbitmq:3-management
            ports: ["15672:15672", "5672:5672"]
          api:
            image: example/api
            ports: ["15672:15672"]
          monitoring:
            image: example/shop-monitoring
            ports: ["9000:8080"]
          patient-monitoring:
            image: example/patient-monitoring
            ports: ["9001:8080"]
        """)
    d = design_of(compose.import_file(path))
    admin = {e.data["served_by"]: e.data.get("admin") for e in d.of_kind("endpoint")
             if e.data.get("name", "").endswith("-entry")}
    # Only the console is published: the entry is the console, an administrative surface.
    # With AMQP published too, or on an image with no known console, the entry stands for every route.
    # A workload named as an operator tool (catalogue console_names) is one; a business service is not.
    assert admin == {"mq": True, "bus": None, "api": None, "monitoring": True, "patient-monitoring": None}
    assert "monitoring" in {s.name for s in d.of_kind("service")}  # still reviewed


def test_a_workload_named_as_a_service_registry_is_called_in_the_background(tmp_path: os.PathLike[str]) -> None:
    """A locally built workload named as a service registry (catalogue ``registry_names``) is one: the services
    that find it through a variable register and refresh their address lists from a task of their own, so those
    calls are made in the background. A business service named for what it registers is no registry."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          lookup:
            image: acme/shop-lookup:1.0
          discovery-server:
            image: acme/discovery:1.0
          device-registry:
            image: acme/devices:1.0
          orders:
            image: acme/orders:1.0
            environment:
              LOOKUP_HOST: discovery-server
              DEVICES_URL: http://device-registry:8080
        """)
    d = design_of(compose.import_file(path))
    kinds = {s.name: s.data.get("kind") for s in d.of_kind("service")}
    assert kinds.get("discovery-server") == "registry"
    assert kinds.get("device-registry") != "registry"
    assert fact(d, "interaction:orders->discovery-server").data.get("during") == "background"
    assert fact(d, "interaction:orders->device-registry").data.get("during") is None


def test_a_single_page_app_container_that_only_starts_after_the_api_does_not_call_it(
        tmp_path: os.PathLike[str]) -> None:
    """A container whose whole environment is variables a browser build inlines (REACT_APP_..., VITE_...) serves the
    bundle; the browser makes the calls, so its depends_on on the API is a start order, not a call. A container
    with any other variable keeps the call its depends_on draws."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          backend:
            image: acme/backend:1.0
          dashboard:
            image: acme/dashboard:1.0
            depends_on: [backend]
            environment:
              VITE_BACKEND_URL: http://localhost:8000
              VITE_THEME: dark
            ports: ["8080:80"]
          renderer:
            image: acme/renderer:1.0
            depends_on: [backend]
            environment:
              REACT_APP_TITLE: shop
              SESSION_TTL: "60"
        """)
    d = design_of(compose.import_file(path))
    calls = {i.key for i in d.of_kind("interaction")}
    assert "interaction:dashboard->backend" not in calls
    assert "interaction:renderer->backend" in calls


def test_a_public_url_in_a_variable_a_browser_build_inlines_is_no_call_of_the_container(
        tmp_path: os.PathLike[str]) -> None:
    """A public URL in a VITE_, REACT_APP_ or VUE_APP_ variable is one the browser follows (a terms-of-service link,
    an API the page calls): no call of the container that is given it; in any other variable it is an external
    dependency of the service."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            image: acme/api:1.0
            environment:
              VITE_APP_TOS_LINK: https://docs.example.org/terms
              REACT_APP_MAPS_URL: https://maps.example.net/v1
              VUE_APP_CDN: https://cdn.example.com
              PAYMENTS_URL: https://payments.example.com/v2
        """)
    d = design_of(compose.import_file(path))
    calls = {i.key for i in d.of_kind("interaction")}
    assert calls == {"interaction:api->payments.example.com"}


def test_an_acme_directory_url_is_no_call_of_the_containers_given_it(tmp_path: os.PathLike[str]) -> None:
    """A certificate authority's ACME directory (``CERT_ACME_CA``, ``ACME_CA_SERVER``) is contacted only by a TLS
    front's certificate manager, in the background: a shared block of settings that hands it to every container draws
    no call of theirs to it; a URL in another variable still does."""
    path = write(str(tmp_path), "docker-compose.yml", """
        x-tls: &tls
          CERT_ACME_CA: https://acme-v02.api.letsencrypt.org/directory
          ACME_CA_SERVER: https://acme.example.org/directory
        services:
          api:
            image: acme/api:1.0
            environment:
              <<: *tls
              BILLING_URL: https://billing.example.com/v1
        """)
    d = design_of(compose.import_file(path))
    assert {i.key for i in d.of_kind("interaction")} == {"interaction:api->billing.example.com"}


def test_a_kafka_ui_published_on_another_host_port_is_an_admin_entry(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          topics-console:
            image: provectuslabs/kafka-ui:v0.7.2
            ports: ["9089:8080"]
          broker:
            image: apache/kafka:3.8.0
            ports: ["9092:9092"]
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "endpoint:topics-console-entry").data.get("admin") is True
    assert fact(d, "endpoint:broker-entry").data.get("admin") is None


def test_a_console_published_beside_the_service_own_port_is_an_admin_surface_of_its_own(
        tmp_path: os.PathLike[str]) -> None:
    """A broker publishing AMQP and its management UI keeps an ordinary entry for AMQP, and its UI is an
    administrative endpoint with the exposure of the port that publishes it; a console port kept on the
    loopback publishes no console."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          queue:
            image: rabbitmq:3.12-management
            ports: ["5672:5672", "15672:15672"]
          quiet-queue:
            image: rabbitmq:3.12-management
            ports: ["5673:5672", "127.0.0.1:15673:15672"]
        """)
    d = design_of(compose.import_file(path))
    names = {e.data.get("name"): e.data for e in d.of_kind("endpoint")}
    assert names["queue-ui"] == {"name": "queue-ui", "method": "GET", "path": "/", "served_by": "queue",
                                 "exposure": "host", "admin": True}
    assert names["queue-entry"].get("admin") is None and names["quiet-queue-entry"].get("admin") is None
    assert "quiet-queue-ui" not in names


def test_a_change_data_capture_relay_is_a_worker_that_reads_the_database_in_the_background(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          db:
            image: mysql:8.0
          cdc:
            image: eventuateio/eventuate-cdc-service:0.4.0.RELEASE
            environment:
              READER_DATASOURCEURL: jdbc:mysql://db/eventuate
          orders:
            image: example/orders
            environment:
              SPRING_DATASOURCE_URL: jdbc:mysql://db/orders
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "service:cdc").data["kind"] == "worker"
    assert fact(d, "interaction:cdc->db").data["during"] == "background"  # a replication client: no request waits
    assert "during" not in fact(d, "interaction:orders->db").data


@pytest.mark.parametrize(("name", "environment"), [("docker-compose.dev.yml", "development"),
                                                   ("compose.local.yaml", "development"),
                                                   ("docker-compose-test.yml", "test")])
def test_a_compose_file_named_for_an_environment_states_it(tmp_path: os.PathLike[str], name: str,
                                                         environment: str) -> None:
    path = write(str(tmp_path), name, """
        services:
          web:
            image: example/web
            ports: ["8080:8080"]
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "system:system").data["environment"] == environment

def test_datastore_authentication_follows_the_image_environment_and_command(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          open-mongo:
            image: mongo:5.0
          locked-mongo:
            image: mongo:5.0
            environment:
              MONGO_INITDB_ROOT_USERNAME: admin
              MONGO_INITDB_ROOT_PASSWORD: ${MONGO_PASSWORD}
          open-redis:
            image: redis:7
          locked-redis:
            image: redis:7
            command: redis-server --requirepass ${REDIS_PASSWORD}
          configured-redis:
            image: redis:7
            volumes: ["./redis.conf:/usr/local/etc/redis/redis.conf"]
          cache:
            image: memcached
          trusting-pg:
            image: postgres:16
            environment: [POSTGRES_HOST_AUTH_METHOD=trust]
          pg:
            image: postgres:16
            environment: [POSTGRES_PASSWORD=secret]
          empty-root:
            image: mysql:8
            environment: [MYSQL_ALLOW_EMPTY_PASSWORD=yes]
          own-mongo-build:
            image: example/shop-mongodb
        """)
    d = design_of(compose.import_file(path))
    auth = {ds.name: ds.data.get("authentication") for ds in d.of_kind("datastore")}
    assert auth == {"open-mongo": "none", "locked-mongo": "password", "open-redis": "none",
                    "locked-redis": "password", "configured-redis": None, "cache": "none", "trusting-pg": "none",
                    "pg": "password", "empty-root": "none", "own-mongo-build": None}
    assert fact(d, "datastore:open-mongo").locate("authentication").line == line_of(path, "image: mongo:5.0")
    # A password written out in the file: the datastore's credentials are committed (its value is never shown).
    assert fact(d, "datastore:pg").data["credentials_source"] == "repo_config"
    assert "credentials_source" not in fact(d, "datastore:locked-mongo").data  # ${MONGO_PASSWORD} is a reference
    notes = compose.import_file(path)[0].notes
    assert "authentication none: no MONGO_INITDB_ROOT_PASSWORD and no --auth: mongod accepts any client" in notes[
        "datastore:open-mongo"]
    assert not any("secret" in n.replace("secrets", "") for ns in notes.values() for n in ns)  # values never shown

def test_a_mounted_server_configuration_states_a_datastores_authentication(tmp_path: os.PathLike[str]) -> None:
    # A Redis started with a project file that sets no requirepass lets anyone in; one whose file sets it does not;
    # a file the server is not started with, or one that includes another, says nothing. A ClickHouse users file
    # that gives a user an empty password from any address lets anyone in, whatever image the server is built on.
    root = str(tmp_path)
    write(root, "cache/open.conf", """
        # keep the hot keys only
        maxmemory 2gb
        maxmemory-policy allkeys-lru
        """)
    write(root, "cache/locked.conf", """
        maxmemory 2gb
        requirepass change-me
        """)
    write(root, "cache/split.conf", """
        include /etc/redis/more.conf
        """)
    write(root, "olap/users.xml", """
        <clickhouse>
          <users>
            <reporting>
              <password></password>
              <networks><ip>::/0</ip></networks>
            </reporting>
          </users>
        </clickhouse>
        """)
    write(root, "olap/local-users.xml", """
        <clickhouse>
          <users>
            <reporting>
              <password></password>
              <networks><ip>127.0.0.1</ip></networks>
            </reporting>
          </users>
        </clickhouse>
        """)
    path = write(root, "docker-compose.yml", """
        services:
          sessions:
            image: valkey/valkey:8
            command: ["valkey-server", "/etc/valkey/valkey.conf"]
            volumes:
              - type: bind
                source: ./cache/open.conf
                target: /etc/valkey/valkey.conf
          tokens:
            image: redis:7
            command: redis-server /usr/local/etc/redis/redis.conf
            volumes: ["./cache/locked.conf:/usr/local/etc/redis/redis.conf:ro"]
          unstarted:
            image: redis:7
            volumes: ["./cache/open.conf:/usr/local/etc/redis/redis.conf:ro"]
          included:
            image: redis:7
            command: redis-server /usr/local/etc/redis/redis.conf
            volumes: ["./cache/split.conf:/usr/local/etc/redis/redis.conf:ro"]
          events:
            image: example/events-clickhouse
            build: {context: ./olap, args: {BASE_IMAGE: "clickhouse/clickhouse-server:24.8"}}
            volumes: ["./olap/users.xml:/etc/clickhouse-server/users.d/reporting.xml:ro"]
          local-events:
            image: clickhouse/clickhouse-server:24.8
            volumes: ["./olap/local-users.xml:/etc/clickhouse-server/users.d/reporting.xml:ro"]
        """)
    d = design_of(compose.import_file(path))
    auth = {ds.name: ds.data.get("authentication") for ds in d.of_kind("datastore")}
    assert auth == {"sessions": "none", "tokens": "password", "unstarted": None, "included": None, "events": "none",
                    "local-events": None}
    assert fact(d, "datastore:sessions").locate("authentication").file.endswith("open.conf")
    assert fact(d, "datastore:tokens").locate("authentication").line == 2  # the requirepass line
    assert fact(d, "datastore:events").locate("authentication").line == line_of(
        os.path.join(root, "olap/users.xml"), "<reporting>")
    notes = compose.import_file(path)[0].notes
    assert any("users.xml" in n and "empty password from any address" in n for n in notes["datastore:events"])
    assert not any("change-me" in n for ns in notes.values() for n in ns)  # a value is never shown


def test_search_clusters_and_postgres_derivatives_state_their_authentication(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          open-search:
            image: elasticsearch:8.15.0
            environment: ["discovery.type=single-node", "xpack.security.enabled=false"]
          locked-search:
            image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0
            environment: {ELASTIC_PASSWORD: "${ES_PASSWORD}"}
          open-opensearch:
            image: opensearchproject/opensearch:2.17.0
            environment: {DISABLE_SECURITY_PLUGIN: "true"}
          default-search:
            image: elasticsearch:8.15.0
          cdc-pg:
            image: debezium/postgres:16-alpine
            environment: [POSTGRES_USER=shop, POSTGRES_PASSWORD]
          vector-pg:
            image: pgvector/pgvector:pg16
            environment: {POSTGRES_HOST_AUTH_METHOD: trust}
          upgrading-pg:
            image: pgautoupgrade/pgautoupgrade:16-alpine
            environment: [POSTGRES_USER=forum, POSTGRES_PASSWORD=hunter2]
        """)
    d = design_of(compose.import_file(path))
    auth = {ds.name: ds.data.get("authentication") for ds in d.of_kind("datastore")}
    assert auth == {"open-search": "none", "locked-search": "password", "open-opensearch": "none",
                    "default-search": None, "cdc-pg": "password", "vector-pg": "none", "upgrading-pg": "password"}
    notes = compose.import_file(path)[0].notes
    assert ("authentication none: xpack.security.enabled switches security off: the cluster accepts any client"
            in notes["datastore:open-search"])


IMAGES = fixture("compose", "images", "docker-compose.yml")


@pytest.mark.parametrize(("service", "immutable"), [
    pytest.param("by-digest", True, id="digest-pins-one-build"),
    pytest.param("by-latest", False, id="latest-moves"),
    pytest.param("untagged", False, id="no-tag-is-latest"),
])
def test_an_image_reference_states_whether_the_release_is_immutable(service: str, immutable: bool) -> None:
    d = design_of(compose.import_file(IMAGES))
    dep = fact(d, f"deployment:{service}")
    assert dep.data["immutable_artifacts"] is immutable
    assert dep.locate("immutable_artifacts").line == line_of(IMAGES, f"{service}:") + 1


def test_a_version_tag_or_a_datastore_image_leaves_immutability_unknown() -> None:
    keys = set(design_of(compose.import_file(IMAGES)).by_key())
    # a version tag may be overwritten or not (the registry decides); a datastore has no deployment fact
    assert not keys & {"deployment:by-version", "deployment:by-variable", "deployment:db"}


def test_a_datastore_states_its_image_and_whether_it_names_one_build() -> None:
    d = design_of(compose.import_file(IMAGES))
    db = fact(d, "datastore:db")
    assert (db.data["image"], db.data["immutable_image"]) == ("postgres:latest", False)
    assert db.locate("immutable_image").line == line_of(IMAGES, "db:") + 1
    # an image the compose file builds: its name tags the local build, whatever the name's tag
    built = fact(d, "datastore:built-db").data
    assert built["image"] == "shop/orders-db" and "immutable_image" not in built


MOUNTED = fixture("compose", "mounted", "docker-compose.yml")
SETTINGS = fixture("compose", "mounted", "config", "settings.json")


def test_credentials_in_configuration_the_project_mounts_make_the_secrets_repo_config() -> None:
    (doc,) = compose.import_file(MOUNTED)
    d = design_of([doc])
    for name in ("api", "worker"):  # a mounted directory, and a mounted file
        svc = fact(d, f"service:{name}")
        assert svc.data["secrets_source"] == "repo_config"
        assert svc.locate("secrets_source").file.endswith("settings.json")
        assert svc.locate("secrets_source").line == line_of(SETTINGS, '"password"')
    assert "secrets_source" not in fact(d, "service:cron").data  # a named volume is no project file
    notes = " ".join(t for texts in doc.notes.values() for t in texts)  # type: ignore[attr-defined]
    assert "database.password" in notes and "signingKey" in notes and "apiToken" not in notes
    assert "hunter2" not in notes and "hunter2" not in repr(doc.data)


def test_a_mounted_file_that_does_not_parse_is_said_and_the_import_goes_on() -> None:
    (doc,) = compose.import_file(MOUNTED)
    said = [text for _at, text in doc.remarks if "mounted configuration not read" in text]
    assert said and all(at.file.endswith("broken.yml") for at, text in doc.remarks if text in said)


def test_a_single_datastore_container_is_a_single_node_with_no_failover(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          db:
            image: postgres:16
          cache:
            image: redis:7
            deploy: {replicas: 3}
        """)
    d = design_of(compose.import_file(path))
    db = fact(d, "datastore:db")
    assert (db.data["replicas"], db.data["failover"]) == (0, "none")  # replicas count copies beside the primary
    assert db.locate("failover").line == 2
    cache = fact(d, "datastore:cache").data  # three redis containers are a cluster only if configured as one
    assert "replicas" not in cache and "failover" not in cache


TRAEFIK = fixture("compose", "traefik", "docker-compose.yml")


@pytest.fixture(scope="module")
def traefik() -> object:
    return design_of(compose.import_file(TRAEFIK))


def test_traefik_router_labels_become_endpoints_of_the_proxy_routed_to_the_labelled_service(traefik: object) -> None:
    api = fact(traefik, "endpoint:ANY /api")  # type: ignore[arg-type]
    assert api.data["served_by"] == "proxy" and api.data["routes_to"] == ["api"]
    assert api.data["tls"] is True  # a certificate resolver
    assert api.location.line == line_of(TRAEFIK, "routers.api.rule")
    orders = fact(traefik, "endpoint:POST /orders").data  # type: ignore[arg-type]
    assert orders["routes_to"] == ["api"] and orders["tls"] is False
    assert fact(traefik, "endpoint:ANY /").data["routes_to"] == ["web"]  # type: ignore[arg-type]
    call = fact(traefik, "interaction:proxy->api").data  # type: ignore[arg-type]
    assert call["style"] == "sync" and call["protocol"] == "http"


def test_a_disabled_container_is_skipped_and_a_rule_that_is_not_plain_is_said(traefik: object) -> None:
    keys = set(traefik.by_key())  # type: ignore[attr-defined]
    assert "endpoint:GET /old" not in keys and "interaction:proxy->search" not in keys
    (doc,) = compose.import_file(TRAEFIK)
    assert any("router search" in text and "not a plain" in text for _at, text in doc.remarks)


def test_depends_on_alone_makes_a_store_client_and_a_service_call_of_unknown_style(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            image: shop/api:1.0
            environment: {LOG_LEVEL: info}
            depends_on: [db, mq, pricing]
          db:
            image: postgres:16
          mq:
            image: rabbitmq:3
          pricing:
            image: shop/pricing:1.0
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "interaction:api->db").data["style"] == "sync"  # a datastore's client waits for it
    assert fact(d, "interaction:api->mq").data["style"] == "async"  # a broker's client hands messages over
    pricing = fact(d, "interaction:api->pricing").data
    assert "style" not in pricing and "protocol" not in pricing  # start order says nothing about the call
    assert "depends_on" in pricing["inferred_from"]


def test_depends_on_whose_target_a_mounted_configuration_addresses_by_url_takes_its_scheme(
        tmp_path: os.PathLike[str]) -> None:
    """A call only depends_on draws is HTTP when a file mounted into the caller addresses the target by an
    ``http://`` URL (the service's configuration naming the compose service): the protocol is said, with the file and
    line as evidence. A URL naming another host, a scheme that names no protocol, or a mounted file with no URL
    leaves the call's protocol unknown."""
    write(str(tmp_path), "app.hjson", """
        {
          thumbs: { url: "http://thumbs:8080/" }
          docs: "ftp://archive/files"
          home: "http://localhost:9000"
        }
        """)
    write(str(tmp_path), "other.conf", "log_level = info\n")
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            build: .
            volumes: ["./app.hjson:/config/config.hjson:Z"]
            depends_on: [thumbs, archive, search]
          worker:
            build: .
            volumes: ["./other.conf:/etc/worker.conf"]
            depends_on: [thumbs]
          thumbs:
            image: shop/thumbs:1.0
          archive:
            image: shop/archive:1.0
          search:
            image: shop/search:1.0
        """)
    d = design_of(compose.import_file(path))
    thumbs = fact(d, "interaction:api->thumbs").data
    assert thumbs["protocol"] == "http" and thumbs["style"] == "sync"
    assert "app.hjson:2 (api mounts it at /config/config.hjson) names http://thumbs" in thumbs["inferred_from"]
    for key in ("interaction:api->archive", "interaction:api->search", "interaction:worker->thumbs"):
        data = fact(d, key).data
        assert "protocol" not in data and "style" not in data, key


def test_depends_on_from_a_container_given_nothing_that_could_hold_an_address_is_a_start_order(
        tmp_path: os.PathLike[str]) -> None:
    """A pulled image the compose file gives no variable, command, mounted file or build (a static front end run as
    it is, Plane's web) cannot be told another service's address: its depends_on on a service is a start order, not
    a call; on a datastore it stays the store's client. Any of those keys keeps the call."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            image: shop/api:1.0
          web:
            image: shop/web:1.0
            ports: ["80:80"]
            deploy: {replicas: 1}
            depends_on: [api, db]
          admin:
            image: shop/admin:1.0
            volumes: ["./admin.conf:/etc/nginx/conf.d/default.conf"]
            depends_on: [api]
          db:
            image: postgres:16
        """)
    docs = load_artifacts([f"compose={path}"])
    calls = {i.key for i in design_of(docs).of_kind("interaction")}
    assert "interaction:web->api" not in calls
    assert "interaction:web->db" in calls
    assert "interaction:admin->api" in calls  # a mounted file may name it
    assert any("web->api not drawn" in text and "start order" in text for d in docs for _at, text in d.remarks)


def test_a_control_character_in_an_artifact_value_does_not_stop_the_import(tmp_path: os.PathLike[str]) -> None:
    """Design files refuse control characters at load (docs/security.md); an artifact is someone else's file
    (a mail template's CR LF in a real Spring config stopped a whole import), so its values are read."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          mail:
            image: example/mail
            environment:
              TEMPLATE: "Hello\\r\\nWorld\\u202e"
        """)
    assert fact(design_of(compose.import_file(path)), "service:mail")
    design = write(str(tmp_path), "design.yaml", 'source: api\nservices: [{name: "mail\\r"}]\n')
    with pytest.raises(ArchplanError, match=r"U\+000D"):
        load_design([design])


BOOK_COMPOSE = fixture("compose", "address-book", "docker-compose.yml")
BOOK = fixture("compose", "address-book", "config", "service-config.json")


def test_a_mounted_address_book_gives_the_timeout_of_each_call_to_a_host_it_lists() -> None:
    d = design_of(compose.import_file(BOOK_COMPOSE))
    to_stock = fact(d, "interaction:orders->stock")
    assert to_stock.data["timeout_ms"] == 3000
    assert to_stock.locate("timeout_ms").file.endswith("service-config.json")
    assert to_stock.locate("timeout_ms").line == line_of(BOOK, '"stock": {')
    assert fact(d, "interaction:orders->orders-mongodb").data["timeout_ms"] == 2000
    assert "timeout_ms" not in fact(d, "interaction:stock->stock-mongodb").data  # not in the book
    assert "timeout_ms" not in fact(d, "interaction:front->orders").data  # front mounts no book


def test_an_address_book_with_tls_off_and_no_credential_means_services_call_each_other_unauthenticated() -> None:
    d = design_of(compose.import_file(BOOK_COMPOSE))
    sec = fact(d, "security:security")
    assert sec.data["service_to_service_auth"] == "none"
    assert sec.locate("service_to_service_auth").line == line_of(BOOK, '"enabled": false')


@pytest.mark.parametrize("entry", ['"enabled": true', '"enabled": false, "x": 1'], ids=["tls-on", "tls-off"])
def test_an_address_book_with_tls_on_or_a_client_credential_leaves_service_auth_unknown(tmp_path: object,
                                                                                        entry: str) -> None:
    token = ', "token": "abc"' if "x" in entry else ""
    write(str(tmp_path), "config/service-config.json", f"""
        {{"a": {{"addr": "a", "port": 9090{token}}}, "b": {{"addr": "b", "port": 9090}}, "ssl": {{{entry}}}}}
        """)
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          a: {image: example/a, volumes: ["./config:/config"], depends_on: [b]}
          b: {image: example/b, volumes: ["./config:/config"]}
        """)
    d = design_of(compose.import_file(path))
    assert "service_to_service_auth" not in (d.by_key().get("security:security").data
                                             if "security:security" in d.by_key() else {})


def test_calls_to_a_service_registry_are_made_in_the_background_and_hold_no_request(tmp_path: object) -> None:
    from engine.review import review

    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          frontend:
            image: acme/frontend:1.0
            ports: ["8080:8080"]
            environment: {SEARCH_ADDR: "search:8082"}
            depends_on: [consul, search]
          search:
            image: acme/search:1.0
            depends_on: [consul]
          consul:
            image: hashicorp/consul:1.15
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "interaction:frontend->consul").data["during"] == "background"
    assert "during" not in fact(d, "interaction:frontend->search").data
    rv = review([], extra=import_paths("compose", [path]))
    timeouts = {f.subject for f in rv.findings if f.rule == "remote-call-without-timeout"}
    assert "interaction:frontend->search" in timeouts
    assert not {s for s in timeouts if s.endswith("->consul")}  # registering and refreshing hold no request


def test_a_datastore_volume_mounted_away_from_its_data_directory_keeps_nothing(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger-db:
            image: mysql:8.4
            environment: [MYSQL_ROOT_PASSWORD_FILE=/run/secrets/root]
            volumes: ["ledger:/var/lib/ledger"]
          moved-db:
            image: postgres:16
            environment: {PGDATA: /srv/pg/data}
            volumes: ["moved:/srv/pg"]
          kept-db:
            image: postgres:16
            volumes: ["kept:/var/lib/postgresql/data"]
        volumes: {ledger: {}, moved: {}, kept: {}}
        """)
    d = design_of(compose.import_file(path))
    durable = {ds.name: ds.data["durable_storage"] for ds in d.of_kind("datastore")}
    assert durable == {"ledger-db": False, "moved-db": True, "kept-db": True}


def test_a_zookeeper_is_a_coordination_service_not_a_broker_whatever_directory_it_mounts(tmp_path: object) -> None:
    # ZooKeeper beside Kafka keeps the cluster's metadata, not its messages: mounting a Kafka-like data directory
    # makes it no broker, and the broker's session with it holds no request.
    from engine.review import review

    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          coordination:
            image: confluentinc/cp-zookeeper:7.6.0
            environment: {ZOOKEEPER_CLIENT_PORT: "2181"}
            volumes: ["zk-data:/var/lib/kafka/data"]
          events:
            image: confluentinc/cp-kafka:7.6.0
            environment:
              KAFKA_ZOOKEEPER_CONNECT: coordination:2181
              KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://events:9092
          billing:
            image: acme/billing:1.0
            environment: {KAFKA_BROKERS: "events:9092"}
        volumes:
          zk-data:
        """)
    d = design_of(compose.import_file(path))
    assert "broker" not in (fact(d, "service:coordination").data.get("tags") or [])
    assert "broker" in fact(d, "service:events").data["tags"]
    assert fact(d, "interaction:events->coordination").data["during"] == "background"
    rv = review([], extra=import_paths("compose", [path]))
    assert not [f for f in rv.findings if f.subject.endswith("->coordination") and f.kind == "risk"]
@pytest.mark.parametrize("image", ["confluentinc/cp-zookeeper:7.6.1", "zookeeper:3.9", "bitnami/zookeeper:3.9"])
def test_a_coordination_service_is_called_in_the_background_not_as_a_broker(tmp_path: object, image: str) -> None:
    from engine.review import review

    path = write(str(tmp_path), "docker-compose.yml", f"""
        services:
          events:
            image: apache/kafka:3.7.0
            environment: {{KAFKA_ZOOKEEPER_CONNECT: "coordinator:2181"}}
          relay:
            image: acme/relay:1.0
            environment: {{LEADER_ELECTION_HOSTS: "coordinator:2181"}}
          coordinator:
            image: {image}
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "service:coordinator").data.get("kind") not in ("gateway", "worker")
    assert "broker" not in (fact(d, "service:coordinator").data.get("tags") or [])
    for caller in ("events", "relay"):
        call = fact(d, f"interaction:{caller}->coordinator").data
        assert call["during"] == "background" and call.get("style") != "async"
    rv = review([], extra=import_paths("compose", [path]))
    risks = {f.subject for f in rv.findings if f.kind == "risk" and f.subject.endswith("->coordinator")}
    assert not risks  # a session kept from a thread of their own: no request waits on it


def test_a_published_configuration_server_is_an_operator_surface_not_a_users_entry(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", (
        "services:\n"
        "  config-server:\n    image: shop/config\n    ports: ['8888:8888']\n"
        "  orders:\n    image: shop/orders\n    ports: ['8081:8081']\n    depends_on: [config-server]\n"))
    d = design_of(compose.import_file(path))
    entry = fact(d, "endpoint:config-server-entry").data
    assert entry["admin"] is True  # the services read it as they start; no user request goes to it
    assert "admin" not in fact(d, "endpoint:orders-entry").data


def test_a_token_signing_secret_every_service_mounts_is_charged_to_what_logs_users_in(tmp_path: object) -> None:
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    tmp = str(tmp_path)
    services = "".join(f"  {s}:\n    image: shop/{s}\n    volumes: ['./config:/app/config']\n"
                       for s in ("accounts", "orders", "search"))
    compose_file = write(tmp, "docker-compose.yml", f"services:\n{services}  proxy:\n    image: nginx\n"
                                                    "    ports: ['80:80']\n")
    write(tmp, "config/app.json", '{"secret": "letmein", "orders": {"addr": "orders", "port": 9090}}\n')
    nginx = write(tmp, "nginx.conf", "events {}\nhttp {\n  server {\n    listen 80;\n"
                                     "    location /api/login { proxy_pass http://accounts:8080; }\n"
                                     "    location /api/orders { proxy_pass http://orders:8080; }\n  }\n}\n")
    design = load_documents(load_artifacts([f"compose={compose_file}", f"gateway:proxy={nginx}"]))
    assert fact(design, "service:accounts").data["secrets_source"] == "repo_config"  # behind the login route
    assert all("secrets_source" not in fact(design, f"service:{s}").data for s in ("orders", "search"))
    said = [str(w) for w in design.warnings if "token-signing secret that 3 services mount" in str(w)]
    assert len(said) == 2 and all("accounts, behind ANY /api/login" in w for w in said), design.warnings
    alone = load_documents(load_artifacts([f"compose={compose_file}"]))  # nothing says who logs users in
    assert all(fact(alone, f"service:{s}").data["secrets_source"] == "repo_config"
               for s in ("accounts", "orders", "search"))


def test_a_published_change_data_capture_relay_gets_no_entry_endpoint(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger-db:
            image: postgres:16
          relay:
            image: eventuateio/eventuate-cdc-service:0.6.1.RELEASE
            ports: ["8099:8080"]
          shop:
            image: example/shop
            ports: ["8080:8080"]
        """)
    d = design_of(compose.import_file(path))
    relay = fact(d, "service:relay")
    assert (relay.data["kind"], relay.data["exposure"]) == ("worker", "host")  # still published: its own risk
    keys = d.by_key()
    assert "endpoint:relay-entry" not in keys  # it serves no request: only health and metrics on that port
    assert "endpoint:shop-entry" in keys
def test_a_kestrel_server_told_to_listen_on_http_only_serves_its_published_port_in_clear(
        tmp_path: os.PathLike[str]) -> None:
    # ASPNETCORE_URLS (or URLS) naming only http:// URLs: the published port reaches a plain-HTTP listener; an
    # https:// URL among them, or no such variable, leaves tls unknown
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          accounts:
            image: example/accounts
            environment:
              - ASPNETCORE_URLS=http://0.0.0.0:5000
            ports: ["7001:5000"]
          billing:
            image: example/billing
            environment: {URLS: "http://+:5000;http://+:5001"}
            ports: ["7002:5000"]
          portal:
            image: example/portal
            environment: ["ASPNETCORE_URLS=https://+:443;http://+:80"]
            ports: ["7003:443"]
          search:
            image: example/search
            ports: ["7004:9200"]
        """)
    d = design_of(compose.import_file(path))
    tls = {e.data["served_by"]: e.data.get("tls") for e in d.of_kind("endpoint")}
    assert tls == {"accounts": False, "billing": False, "portal": None, "search": None}
    assert fact(d, "endpoint:accounts-entry").locate("tls").line == line_of(path, "ASPNETCORE_URLS=http")


def test_a_licence_flag_names_no_engine_and_sql_server_with_an_sa_password_authenticates(
        tmp_path: os.PathLike[str]) -> None:
    # ACCEPT_EULA is taken by several images (SQL Server, the Seq log server): it says no engine; Seq is logging
    # infrastructure whose published UI is an admin entry; SQL Server given an sa password requires a login, and a
    # password written in the file is a credential kept in repository configuration
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          logs:
            image: datalust/seq:latest
            environment: [ACCEPT_EULA=Y]
            ports: ["5341:80"]
          licensed:
            image: example/licensed-tool
            environment: [ACCEPT_EULA=Y]
          db:
            image: mcr.microsoft.com/mssql/server:2022-latest
            environment: [SA_PASSWORD=NotSoSecret1, ACCEPT_EULA=Y]
        """)
    d = design_of(compose.import_file(path))
    assert {f.key for f in d.of_kind("datastore")} == {"datastore:db"}
    db = fact(d, "datastore:db").data
    assert db["engine"] == "sqlserver" and db["authentication"] == "password"
    assert db["credentials_source"] == "repo_config"
    assert [e.data.get("admin") for e in d.of_kind("endpoint") if e.data.get("served_by") == "logs"] == [True]


def test_services_reaching_a_database_with_one_written_out_login_share_its_credentials(
        tmp_path: os.PathLike[str]) -> None:
    # two services whose connection strings carry the same user and password share the datastore's credentials
    # (a URL's user:password counts the same); a login of its own, or one still a ${reference}, shares nothing
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          quotes:
            image: example/quotes
            environment: ["Db=Server=pg;Database=quotes;User Id=admin;Password=hunter2"]
          claims:
            image: example/claims
            environment: {DB_URL: "postgres://admin:hunter2@pg:5432/claims"}
          audit:
            image: example/audit
            environment: ["Db=Server=pg;Database=audit;User Id=auditor;Password=other"]
          pg: {image: "postgres:16", environment: [POSTGRES_PASSWORD=hunter2]}
          reports:
            image: example/reports
            environment: ["Db=Server=warehouse;User Id=ro;Password=${WAREHOUSE_PASSWORD}"]
          etl:
            image: example/etl
            environment: ["Db=Server=warehouse;User Id=ro;Password=${WAREHOUSE_PASSWORD}"]
          warehouse: {image: "postgres:16", environment: [POSTGRES_PASSWORD=x]}
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "datastore:pg").data.get("credentials_shared") is True
    assert fact(d, "datastore:pg").locate("credentials_shared").line == line_of(path, "DB_URL")
    assert "credentials_shared" not in fact(d, "datastore:warehouse").data


def test_a_call_drawn_only_from_health_check_urls_is_made_in_the_background(tmp_path: os.PathLike[str]) -> None:
    # a status board's list of health URLs, and a gateway's health probe of a service it otherwise never names, are
    # polled from a task of their own; an address that is also an ordinary URL keeps the call on the request path
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          board:
            image: example/board
            environment:
              - Checks__0__Uri=http://orders/hc
              - Checks__1__Uri=http://billing:8080/actuator/health
          gateway:
            image: example/gateway
            environment: ["Orders=http://orders", "OrdersProbe=http://orders/hc", "BillingProbe=http://billing/healthz"]
          orders: {image: example/orders}
          billing: {image: example/billing}
        """)
    d = design_of(compose.import_file(path))
    during = {f.key: f.data.get("during") for f in d.of_kind("interaction")}
    assert during == {"interaction:board->orders": "background", "interaction:board->billing": "background",
                      "interaction:gateway->orders": None, "interaction:gateway->billing": "background"}


def test_a_datastore_port_published_beyond_the_loopback_is_public_access(tmp_path: os.PathLike[str]) -> None:
    # the ledger's port is on every host interface, the search documents' on a global address; the sessions cache only
    # on the loopback and the stock database not at all: those two stay reachable from the compose network alone
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger:
            image: postgres:16
            ports: ["6543:5432"]
          search:
            image: mongo:7
            ports: ["93.184.216.34:27017:27017"]
          sessions:
            image: redis:7
            ports: ["127.0.0.1:6379:6379"]
          stock:
            image: mysql:8
        """)
    d = design_of(compose.import_file(path))
    ledger = fact(d, "datastore:ledger")
    assert ledger.data["public_access"] is True and ledger.locate("public_access").line == line_of(path, "6543:5432")
    assert fact(d, "datastore:search").data["public_access"] is True
    assert "public_access" not in fact(d, "datastore:sessions").data
    assert "public_access" not in fact(d, "datastore:stock").data


def test_a_healthcheck_probing_the_one_published_port_over_http_shows_it_serves_in_clear(
        tmp_path: os.PathLike[str]) -> None:
    # the container's own probe of the published container port over http:// on loopback: that port answers plain
    # HTTP; a probe of another port, over https://, or with two ports published leaves tls unknown
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          kiosk:
            image: example/kiosk
            ports: ["9090:3000"]
            healthcheck:
              test: ["CMD", "wget", "-q", "--spider", "http://localhost:3000/ready"]
          ledger:
            image: example/ledger
            ports: ["9091:8443"]
            healthcheck:
              test: "curl -fk https://127.0.0.1:8443/ping || exit 1"
          radio:
            image: example/radio
            ports: ["9092:7000"]
            healthcheck:
              test: ["CMD-SHELL", "curl -f http://localhost:7001/health"]
          tower:
            image: example/tower
            ports: ["9093:80", "9443:443"]
            healthcheck:
              test: ["CMD", "curl", "-f", "http://localhost/"]
        """)
    d = design_of(compose.import_file(path))
    tls = {e.data["served_by"]: e.data.get("tls") for e in d.of_kind("endpoint")}
    assert tls == {"kiosk": False, "ledger": None, "radio": None, "tower": None}
    assert fact(d, "endpoint:kiosk-entry").locate("tls").line == line_of(path, "http://localhost:3000")


def test_a_server_variable_from_an_env_file_every_service_shares_says_nothing_of_who_is_the_server(
        tmp_path: os.PathLike[str]) -> None:
    # One settings file for the whole project: the database's own start-up variables travel to its clients too.
    write(str(tmp_path), "settings.env", """
        MARIADB_ROOT_PASSWORD=change-me
        LEDGER_DB_HOST=store
        """)
    write(str(tmp_path), "vault.env", """
        MYSQL_RANDOM_ROOT_PASSWORD=yes
        """)
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          catalog:
            build: ./catalog
            env_file: [settings.env]
          ledger:
            build: ./ledger
            env_file: [settings.env]
          store:
            image: mariadb:11
            env_file: [settings.env]
          archive:
            build: ./archive
            env_file: [vault.env]
        """)
    _assert_servers(path, clients={"catalog", "ledger"}, servers={"store", "archive"})
    # store: still recognised, by its image; archive: a file given to one service alone says what that service is


def _assert_servers(path: str, clients: set[str], servers: set[str]) -> None:
    """The compose file's ``clients`` are services, not datastores, and its ``servers`` datastores."""
    d = design_of(compose.import_file(path))
    stores = {s.name for s in d.of_kind("datastore")}
    assert clients <= {s.name for s in d.of_kind("service")} and not clients & stores
    assert servers <= stores


def test_a_server_variable_from_an_extension_block_several_services_merge_says_nothing_of_who_is_the_server(
        tmp_path: os.PathLike[str]) -> None:
    # One block of database settings merged into the database and into every process of the application: PGDATA
    # and POSTGRES_PASSWORD reach the clients too, and say nothing of which container is the server.
    path = write(str(tmp_path), "docker-compose.yml", """
        x-db-env: &db-env
          PGHOST: ledger-db
          POSTGRES_PASSWORD: change-me
          PGDATA: /var/lib/postgresql/data
        x-archive-env: &archive-env
          PGDATA: /srv/archive
        services:
          api:
            image: acme/ledger:1.4.0
            environment:
              <<: *db-env
          worker:
            image: acme/ledger:1.4.0
            command: ./bin/worker.sh
            environment:
              <<: *db-env
          ledger-db:
            image: postgres:16
            environment:
              <<: *db-env
          archive:
            image: acme/archive:2.0.0
            environment:
              <<: *archive-env
        """)
    _assert_servers(path, clients={"api", "worker"}, servers={"ledger-db", "archive"})
    # ledger-db: still recognised, by its image; archive: a block merged into one service alone says what it is


def test_the_host_an_emulator_variable_names_is_that_store_and_so_is_a_twin_built_alike(
        tmp_path: os.PathLike[str]) -> None:
    # A local stand-in for a managed document store, built from a plain runtime image: only the variable the store's
    # client library reads to find its emulator says what it is.
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          orders:
            build: ./orders
            environment:
              FIRESTORE_EMULATOR_HOST: docstore:8200
          docstore:
            build: {context: ./emulator}
          docstore-for-tests:
            build: {context: ./emulator}
          notes:
            build: ./notes
        """)
    d = design_of(compose.import_file(path))
    stores = {s.name: s.data for s in d.of_kind("datastore")}
    assert stores["docstore"]["engine"] == "firestore" and stores["docstore"]["kind"] == "document"
    assert stores["docstore-for-tests"]["engine"] == "firestore"
    assert {s.name for s in d.of_kind("service")} == {"orders", "notes"}


def test_a_workload_named_for_a_test_suite_is_not_reviewed(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger:
            build: ./ledger
          ledger-db:
            image: postgres:16
          ledger-integration-tests:
            build: ./ledger-tests
          e2e-tests:
            build: ./e2e
          contest:
            build: ./contest
        """)
    d = design_of(compose.import_file(path))
    reviewed = {f.name for f in [*d.of_kind("service"), *d.of_kind("datastore")]}
    assert reviewed == {"ledger", "ledger-db", "contest"}  # `contest` only contains the letters


def test_a_tag_that_names_each_nightly_build_branch_head_or_channel_release_is_no_fixed_release(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger:
            image: registry.example.org/acme/ledger:nightly
          audit:
            image: registry.example.org/acme/audit:Edge
          reports:
            image: registry.example.org/acme/reports:${REPORTS_TAG}
          billing:
            image: registry.example.org/acme/billing:nightly-2026-01-12
          mailer:
            image: registry.example.org/acme/mailer:2.4.1
          payroll:
            image: registry.example.org/acme/payroll:stable
          ledger-ui:
            image: registry.example.org/acme/ledger-ui:stable-2.4.1
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "deployment:ledger").data["immutable_artifacts"] is False
    assert fact(d, "deployment:audit").data["immutable_artifacts"] is False  # the convention holds in any case
    assert fact(d, "deployment:payroll").data["immutable_artifacts"] is False  # a release channel moves too
    keys = set(d.by_key())
    # a variable, a dated build and a version stay unknown: whoever publishes them may or may not move them
    assert not keys & {"deployment:reports", "deployment:billing", "deployment:mailer", "deployment:ledger-ui"}
    notes = compose.import_file(path)[0].notes
    assert any("ledger:nightly is a moving tag" in n for n in notes["deployment:ledger"])
    assert any("payroll:stable is a moving tag: it names a release channel" in n for n in notes["deployment:payroll"])


def test_an_application_image_tagged_with_its_major_version_alone_is_a_moving_release_line(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger:
            image: registry.example.org/acme/ledger:4
          audit:
            image: registry.example.org/acme/audit:v2
          mailer:
            image: registry.example.org/acme/mailer:4.1
          ledger-db:
            image: postgres:17
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/pg}
          events:
            image: rabbitmq:3
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "deployment:ledger").data["immutable_artifacts"] is False
    assert fact(d, "deployment:audit").data["immutable_artifacts"] is False
    # a minor version is some publisher's fixed release (unknown); a datastore's or a broker's major version keeps its
    # format and protocol
    assert not {"deployment:mailer", "deployment:events"} & set(d.by_key())
    assert "immutable_image" not in fact(d, "datastore:ledger-db").data
    notes = compose.import_file(path)[0].notes
    assert any("ledger:4 names a release line" in n for n in notes["deployment:ledger"])


def test_a_seaweedfs_container_is_an_object_store_that_checks_the_key_pair_it_is_given(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          blobs:
            image: chrislusf/seaweedfs:3.80
            command: server -s3 -dir=/data
            environment:
              AWS_ACCESS_KEY_ID: gallery
              AWS_SECRET_ACCESS_KEY: gallery-secret
            volumes: ["blob-data:/data"]
          open-blobs:
            image: chrislusf/seaweedfs:3.80
            command: server -s3 -dir=/data
          gallery:
            image: example/gallery:1.0
            environment:
              S3_ENDPOINT: http://blobs:8333
        volumes:
          blob-data:
        """)
    d = design_of(compose.import_file(path))
    blobs = fact(d, "datastore:blobs").data
    assert (blobs["kind"], blobs["engine"], blobs["authentication"], blobs["credentials_source"]) == (
        "object", "seaweedfs", "password", "repo_config")
    # with no key pair (and no identities file the artifact shows) its S3 gateway's authentication is not known
    assert fact(d, "datastore:open-blobs").data.get("authentication") is None
    assert fact(d, "interaction:gallery->blobs").data["style"] == "sync"
    assert "service:blobs" not in d.by_key()


def test_a_minio_container_given_its_root_password_checks_every_request(tmp_path: os.PathLike[str]) -> None:
    # with no root password the artifact shows, the server's own default (or a configuration file) decides: unknown
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          media:
            image: cgr.dev/chainguard/minio
            environment: {MINIO_ROOT_USER: media, MINIO_ROOT_PASSWORD: "${MEDIA_PASSWORD:-media-secret}"}
          legacy-media:
            image: minio/minio:RELEASE.2021-01-05T05-22-38Z
            environment: {MINIO_ACCESS_KEY: old, MINIO_SECRET_KEY_FILE: /run/secrets/minio}
          bare-media:
            image: quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z
        """)
    stores = {f.name: f.data for f in design_of(compose.import_file(path)).of_kind("datastore")}
    assert {n: (s["kind"], s["engine"], s.get("authentication"), s.get("credentials_source"))
            for n, s in stores.items()} == {"media": ("object", "minio", "password", "repo_config"),
                                            "legacy-media": ("object", "minio", "password", "repo_config"),
                                            "bare-media": ("object", "minio", None, None)}


def test_a_connection_pooler_is_a_proxy_in_front_of_its_database_so_the_database_is_on_the_request_path(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          accounts-db:
            image: postgres:16
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/pg}
            volumes: ["pg:/var/lib/postgresql/data"]
          pooler:
            image: bitnami/pgbouncer:1.23.1
            environment: {POSTGRESQL_HOST: accounts-db}
            depends_on: [accounts-db]
          accounts:
            image: example/accounts:3.2
            ports: ["8080:8080"]
            environment: {DATABASE_URL: "postgres://app@pooler:6432/accounts"}
        volumes:
          pg:
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "service:pooler").data["kind"] == "gateway"
    to_pooler = fact(d, "interaction:accounts->pooler").data
    assert (to_pooler["style"], to_pooler["protocol"]) == ("sync", "sql")
    assert fact(d, "interaction:pooler->accounts-db").data["style"] == "sync"


def test_a_mounted_file_giving_several_databases_one_login_shares_the_datastores_credentials(
        tmp_path: os.PathLike[str]) -> None:
    # one settings file mounted into the services writes out a connection string per database, all logging in to
    # the same server as the same user: whoever uses any of them holds the others' login too. A file whose strings
    # each have their own login, or that names one database only, shares nothing
    root = str(tmp_path)
    write(root, "settings/logins.json", """
        {"Db": {"Fares": "Server=ledger;Database=fares;User Id=root;Password=Tr0ub4dor",
                "Seats": "Server=ledger;Database=seats;User Id=root;Password=Tr0ub4dor",
                "Audit": "Server=vault-db;Database=audit;User Id=auditor;Password=x1"},
         "Other": {"Audit2": "Server=vault-db;Database=audit2;User Id=reader;Password=x2"}}
        """)
    path = write(root, "docker-compose.yml", """
        services:
          fares: {image: example/fares, volumes: ["./settings:/app/settings"]}
          seats: {image: example/seats, volumes: ["./settings:/app/settings"]}
          ledger: {image: "postgres:16", environment: [POSTGRES_PASSWORD=Tr0ub4dor]}
          vault-db: {image: "postgres:16", environment: [POSTGRES_PASSWORD=x1]}
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "datastore:ledger").data.get("credentials_shared") is True
    assert fact(d, "datastore:ledger").locate("credentials_shared").file.endswith("logins.json")
    assert "credentials_shared" not in fact(d, "datastore:vault-db").data


def test_the_env_template_a_repository_ships_stands_in_for_the_env_file_it_does_not_commit(
        tmp_path: os.PathLike[str]) -> None:
    # The install guide says "copy .env.sample to .env": the sample's values are what a deployment that keeps them
    # runs with, so a signing key and a database password written there are committed configuration.
    write(str(tmp_path), ".env.sample", """
        # change before going live
        TOKEN_SIGNING_KEY=not-so-secret
        LEDGER_DB_PASSWORD=hunter2
        """)
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          ledger-db:
            image: postgres:16
            environment:
              POSTGRES_PASSWORD: ${LEDGER_DB_PASSWORD}
          teller:
            build: ./teller
            environment:
              TOKEN_SIGNING_KEY: ${TOKEN_SIGNING_KEY}
              LEDGER_URL: postgres://ledger-db:5432/ledger
        """)
    docs = compose.import_file(path)
    d = design_of(docs)
    assert fact(d, "datastore:ledger-db").data["credentials_source"] == "repo_config"
    assert fact(d, "service:teller").data["secrets_source"] == "repo_config"
    said = [text for _at, text in docs[0].remarks if "no .env beside the compose file" in text]
    assert said and ".env.sample" in said[0]
    assert not any("is not set" in text for _at, text in docs[0].remarks)

    # A committed .env is the one compose reads: the template beside it is only a template then.
    write(str(tmp_path), ".env", """
        TOKEN_SIGNING_KEY=
        LEDGER_DB_PASSWORD=
        """)
    docs = compose.import_file(path)
    d = design_of(docs)
    assert "secrets_source" not in fact(d, "service:teller").data
    assert not any("no .env beside the compose file" in text for _at, text in docs[0].remarks)



def test_an_env_file_the_repository_does_not_commit_is_read_from_its_template(tmp_path: os.PathLike[str]) -> None:
    # env_file: .env with only .env.example committed (and app.env with app.env.sample): the service starts with the
    # template's values when a deployment keeps them; a missing env_file with no template stays unread and said.
    write(str(tmp_path), "deploy/.env.example", "SECRET_KEY=---\nDEBUG=False\n")
    write(str(tmp_path), "deploy/app.env.sample", "API_TOKEN=changeme-123\n")
    path = write(str(tmp_path), "deploy/docker-compose.yml", """
        services:
          web: {build: ., env_file: [.env]}
          worker: {build: ., env_file: app.env}
          other: {build: ., env_file: missing.env}
        """)
    docs = compose.import_file(path)
    d = design_of(docs)
    assert fact(d, "service:web").data["secrets_source"] == "repo_config"
    assert fact(d, "service:web").locate("secrets_source").file.endswith(".env.example")
    assert fact(d, "service:worker").data["secrets_source"] == "repo_config"
    assert "secrets_source" not in fact(d, "service:other").data
    said = sorted(text for _at, text in docs[0].remarks if text.startswith("env_file"))
    deploy = os.path.join(str(tmp_path), "deploy")
    assert said == [f"env_file .env of service web is not committed: its variables are read from "
                    f"{os.path.join(deploy, '.env.example')}, the template the repository ships for it",
                    f"env_file app.env of service worker is not committed: its variables are read from "
                    f"{os.path.join(deploy, 'app.env.sample')}, the template the repository ships for it",
                    "env_file missing.env of service other not found: its variables are not read"]

REDIRECTING_TRAEFIK = """
        services:
          edge:
            image: traefik:3.1
            ports: ["80:80", "443:443"]
            command:
              - --entrypoints.web.address=:80
              - --entrypoints.web.http.redirections.entrypoint.to=websecure
              - --entrypoints.websecure.address=:443
          app:
            image: shop/app:1.0
            labels:
              - traefik.http.routers.app-plain.rule=Host(`shop.example.org`)
              - traefik.http.routers.app-plain.entrypoints=web
              - traefik.http.routers.app-secure.rule=Host(`shop.example.org`)
              - traefik.http.routers.app-secure.entrypoints=websecure
              - traefik.http.routers.app-secure.tls=true
          console:
            image: shop/console:1.0
            labels:
              - traefik.http.routers.console-secure.rule=Host(`console.shop.example.org`)
              - traefik.http.routers.console-secure.entrypoints=websecure
              - traefik.http.routers.console-secure.tls=true
        """


def test_traefik_routers_on_a_redirecting_entry_point_serve_nothing_and_hosts_apart_are_endpoints_apart(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", REDIRECTING_TRAEFIK)
    (doc,) = compose.import_file(path)
    d = design_of([doc])
    app = fact(d, "endpoint:edge-app").data
    assert app["routes_to"] == ["app"] and app["tls"] is True  # the plain router only redirects: not a route
    assert fact(d, "endpoint:edge-console").data["routes_to"] == ["console"]
    assert "endpoint:ANY /" not in set(d.by_key())
    assert any("router app-plain" in text and "redirects to websecure" in text for _at, text in doc.remarks)
    assert doc.strips == {"edge-app": False, "edge-console": False}  # a front of the routes' code: path kept whole


TRAEFIK_TO_A_CONSOLE = """
        services:
          edge:
            image: traefik:3.1
            ports: ["443:443"]
          dbconsole:
            image: adminer:4
            labels:
              - traefik.http.routers.dbconsole.rule=Host(`db.shop.example.org`)
              - traefik.http.routers.dbconsole.tls=true
          app:
            image: shop/app:1.0
            labels:
              - traefik.http.routers.app.rule=PathPrefix(`/shop`)
        """


def test_a_traefik_route_to_a_known_web_console_is_an_administrative_surface(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", TRAEFIK_TO_A_CONSOLE)
    d = design_of(compose.import_file(path))
    # the route to Adminer is an administrative surface, the app's is not; Adminer is an operator's tool
    assert {k: fact(d, k).data.get("admin") for k in ("endpoint:ANY /", "endpoint:ANY /shop")} == \
        {"endpoint:ANY /": True, "endpoint:ANY /shop": None}
    assert [fact(d, f"service:{s}").data.get("criticality") for s in ("dbconsole", "app")] == ["best_effort", None]


DOCKER_SOCKET_MOUNTS = """
        services:
          watcher:
            image: shop/watcher:1.0
            volumes:
              - /var/run/docker.sock:/var/run/docker.sock:ro
          janitor:
            image: shop/janitor:1.0
            volumes:
              - {type: bind, source: /run/docker.sock, target: /sock}
          app:
            image: shop/app:1.0
            volumes:
              - ./data:/data
        """


def test_a_service_mounting_the_docker_socket_holds_admin_permissions_read_only_or_not(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", DOCKER_SOCKET_MOUNTS)
    d = design_of(compose.import_file(path))
    watcher = fact(d, "service:watcher")
    assert watcher.data["permissions"] == "admin" and watcher.locate("permissions").line == 5
    assert fact(d, "service:janitor").data["permissions"] == "admin"
    assert "permissions" not in fact(d, "service:app").data


def test_a_task_queue_worker_serves_no_request_and_a_mail_catcher_ui_is_an_admin_surface(
        tmp_path: os.PathLike[str]) -> None:
    """A command running Celery's worker or beat, RQ's worker or Sidekiq is a worker (kind worker: no readiness
    finding, it receives no traffic); Celery's Flower console and a web server are not. A mail catcher's UI
    (Mailpit, MailHog) published beside its SMTP port is an administrative surface that asks no login."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          tasks:
            image: example/shop:1.0
            command: celery -A shop --app=shop.celeryconf:app worker --loglevel=info -B
          scheduler:
            image: example/shop:1.0
            command: ["celery", "-A", "shop", "beat"]
          jobs:
            image: example/shop:1.0
            entrypoint: rq worker --url redis://queue:6379 default
          console:
            image: mher/flower:2.0
            command: celery --broker=redis://queue:6379 flower
            ports: ["5555:5555"]
          web:
            image: example/shop:1.0
            command: uvicorn shop.asgi:application --host 0.0.0.0
            ports: ["8000:8000"]
          mail:
            image: axllent/mailpit:v1.21
            ports: ["1025:1025", "8025:8025"]
        """)
    docs = compose.import_file(path)
    d = design_of(docs)
    for worker in ("tasks", "scheduler", "jobs"):
        assert fact(d, f"service:{worker}").data.get("kind") == "worker", worker
    assert fact(d, "service:console").data.get("kind") != "worker"
    assert fact(d, "service:web").data.get("kind") != "worker"
    names = {e.data.get("name"): e.data for e in d.of_kind("endpoint")}
    assert names["mail-ui"] == {"name": "mail-ui", "method": "GET", "path": "/", "served_by": "mail",
                                "exposure": "host", "admin": True, "authn": "none"}
    findings = {(f.rule, f.subject) for f in review([], extra=docs).findings}
    assert ("request-serving-service-without-readiness-probe", "service:tasks") not in findings
    assert ("request-serving-service-without-readiness-probe", "service:web") in findings
    assert ("admin-endpoint-on-public-surface", "endpoint:mail-ui") in findings


def test_a_celery_worker_that_runs_beat_inside_itself_schedules_on_every_container(
        tmp_path: os.PathLike[str]) -> None:
    """``celery worker -B`` (``--beat``, ``-EB``) embeds the periodic-task scheduler in the worker: each container of
    the service schedules every periodic task, so scaling the worker out repeats them. A dedicated ``celery beat``
    service, a worker without the switch, or a ``-B`` of another command after ``&&`` is no such job."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          tasks:
            image: example/shop:1.0
            command: celery -A shop worker --loglevel=info -B
          scaled:
            image: example/shop:1.0
            command: ["celery", "-A", "shop", "worker", "-EB"]
            deploy: {replicas: 3}
          long:
            image: example/shop:1.0
            command: celery --app shop worker --beat --concurrency 2
          scheduler:
            image: example/shop:1.0
            command: celery -A shop beat
          plain:
            image: example/shop:1.0
            command: sh -c "celery -A shop worker -l info && run-task -B"
          other:
            image: example/shop:1.0
            command: celery -A shop worker -Q bulk --hostname=B
        """)
    docs = compose.import_file(path)
    jobs = {j.data["name"]: j.data for j in design_of(docs).of_kind("job")}
    assert jobs == {f"{s}-celery-beat": {"name": f"{s}-celery-beat", "service": s, "runs_on": "all_replicas"}
                    for s in ("tasks", "scaled", "long")}
    findings = {(f.rule, f.subject) for f in review([], extra=docs).findings}
    assert ("scheduled-job-runs-on-every-replica", "job:scaled-celery-beat") in findings
    assert ("scheduled-job-without-run-once-guard", "job:tasks-celery-beat") in findings
    assert {f[1] for f in findings if "scheduled" in f[0]} == {"job:scaled-celery-beat", "job:tasks-celery-beat",
                                                             "job:long-celery-beat"}


def test_a_command_of_one_role_word_handed_to_the_image_entrypoint_is_a_worker(tmp_path: os.PathLike[str]) -> None:
    """``command: worker`` or ``command: scheduler`` beside ``command: server`` of the same image runs the
    entrypoint's background role: a worker, asked for no readiness probe. A longer command naming the word, or the
    word as an entrypoint, says nothing of a role."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          server:
            image: example/dash:1.0
            command: server
            ports: ["5000:5000"]
          worker:
            image: example/dash:1.0
            command: worker
          scheduler:
            image: example/dash:1.0
            command: [scheduler]
          reports:
            image: example/dash:1.0
            command: python serve.py --role worker
            ports: ["5001:5001"]
          jobs:
            image: example/dash:1.0
            entrypoint: worker
        """)
    docs = compose.import_file(path)
    d = design_of(docs)
    for worker in ("worker", "scheduler"):
        assert fact(d, f"service:{worker}").data.get("kind") == "worker", worker
        assert fact(d, f"service:{worker}").locate("kind").line == (8 if worker == "worker" else 11)
    for other in ("server", "reports", "jobs"):
        assert fact(d, f"service:{other}").data.get("kind") != "worker", other
    findings = {(f.rule, f.subject) for f in review([], extra=docs).findings}
    assert ("request-serving-service-without-readiness-probe", "service:worker") not in findings
    assert ("request-serving-service-without-readiness-probe", "service:server") in findings


def test_an_env_file_not_committed_is_read_from_the_template_the_repository_ships_for_it(
        tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The guide says "download .env.template as .env beside the compose file": the compose file is kept under
    # docs/install/, the template at the repository's root, and both services read `env_file: ./.env`.
    monkeypatch.chdir(tmp_path)
    write(str(tmp_path), ".env.template", """
        POSTGRES_HOST=db
        POSTGRES_PASSWORD=hunter2
        """)
    write(str(tmp_path), "docs/install/plain/ignored/.env.example", "")  # below the env file: never read
    path = write(str(tmp_path), "docs/install/plain/docker-compose.yml", """
        services:
          db:
            image: postgres:16
            env_file: [./.env]
          web:
            build: .
            env_file: [./.env]
        """)
    docs = compose.import_file(os.path.relpath(path))
    d = design_of(docs)
    assert fact(d, "datastore:db").data["credentials_source"] == "repo_config"
    said = [text for _at, text in docs[0].remarks if "is not committed" in text]
    assert said == [f"env_file ./.env of service {s} is not committed: its variables are read from "
                    ".env.template, the template the repository ships for it"
                    for s in ("db", "web")]


def test_an_env_file_template_is_looked_for_above_it_only_inside_the_working_directory(
        tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.importers.compose_project import env_template_for
    write(str(tmp_path), ".env.example", "A=1\n")
    write(str(tmp_path), "deploy/settings.env.sample", "B=2\n")
    os.makedirs(os.path.join(str(tmp_path), "deploy", "docker"), exist_ok=True)
    monkeypatch.chdir(tmp_path)
    assert env_template_for("deploy/docker/.env") == ".env.example"
    assert env_template_for("deploy/docker/settings.env") == os.path.join("deploy", "settings.env.sample")
    assert env_template_for("deploy/docker/other.env") is None
    monkeypatch.chdir(os.path.join(str(tmp_path), "deploy", "docker"))
    # outside the working directory: its own directory only
    assert env_template_for(os.path.join(str(tmp_path), "deploy", "docker", ".env")) is None
    assert env_template_for(os.path.join(str(tmp_path), ".env")) == os.path.join(str(tmp_path), ".env.example")


def test_a_proxy_whose_command_line_forwards_to_a_service_routes_its_entry_there(tmp_path: object) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
services:
  shop:
    image: acme/shop:3.1.0
    ports: ["8080:8080"]
  edge:
    image: caddy:2.8
    command: caddy reverse-proxy --from shop.example.org --to shop:8080
    ports: ["443:443"]
  side:
    image: caddy:2.8
    command: caddy file-server --root /srv --listen :80 --access-log --domain shop
    ports: ["80:80"]
""")
    design = design_of(compose.import_file(path))
    assert fact(design, "endpoint:edge-entry").data["routes_to"] == ["shop"]
    assert "routes_to" not in fact(design, "endpoint:side-entry").data  # serves files, forwards nothing
    found = review([], extra=import_paths("compose", [path])).findings
    assert [f.subjects[0] for f in found if f.rule == "routed-service-also-exposed-directly"] == ["service:shop"]
def test_an_administrator_password_the_deployment_writes_out_is_a_default_admin_password(
        tmp_path: os.PathLike[str]) -> None:
    """A service whose mounted configuration sets the first administrator's password to a value, or whose
    environment gives an administrator-password variable a value (a default included), ships the same administrator
    credentials on every install; a commented-out key, a variable reference, a variable left unset, an example file
    the deployment does not mount, and a datastore's own root password say nothing."""
    write(str(tmp_path), "forum.hjson", '{\n  setup: {\n    admin_username: "owner"\n    admin_password: "owner-pw"\n'
                                        '  }\n}\n')
    write(str(tmp_path), "wiki.yaml", "# admin_password: sample\nadmin_password: ${WIKI_ADMIN_PASSWORD}\n")
    write(str(tmp_path), "board.example.hjson", 'admin_password: "sample"\n')
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          forum:
            image: acme/forum:1.0
            volumes: ["./forum.hjson:/config/config.hjson:ro"]
          reader:
            image: acme/reader:1.0
            environment:
              ADMIN_PASSWORD: ${READER_ADMIN_PASSWORD:-changeme}
          wiki:
            image: acme/wiki:1.0
            volumes: ["./wiki.yaml:/etc/wiki.yaml"]
            environment:
              ADMIN_PASSWORD: ${WIKI_ADMIN_PASSWORD}
          board:
            image: acme/board:1.0
          db:
            image: postgres:16.3
            environment:
              POSTGRES_PASSWORD: pg
              PGADMIN_DEFAULT_PASSWORD: pg
        """)
    d = design_of(compose.import_file(path))
    forum = fact(d, "service:forum")
    assert forum.data["default_admin_password"] is True
    assert forum.locate("default_admin_password").line == 4  # forum.hjson's admin_password line
    assert fact(d, "service:reader").data["default_admin_password"] is True
    for key in ("service:wiki", "service:board"):
        assert "default_admin_password" not in fact(d, key).data, key
    assert not any(f.data.get("default_admin_password") for f in d.facts if f.kind == "datastore")


TRAEFIK_BASIC_AUTH = """
        services:
          proxy:
            image: traefik:v3.1
            ports: ["80:80"]
            volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]
            labels:
              - traefik.http.middlewares.ops-auth.basicauth.users=ops:$$apr1$$q8eZFHjF$$Fvmkk//V6Btlaf2i/ju5n/
              - traefik.http.middlewares.team-auth.basicauth.usersfile=/etc/traefik/users
          queue:
            image: shop/queue-ui:1.0
            labels:
              - traefik.http.routers.queue.rule=PathPrefix(`/queue`)
              - traefik.http.routers.queue.middlewares=ops-auth@docker
          reports:
            image: shop/reports:1.0
            labels:
              - traefik.http.routers.reports.rule=PathPrefix(`/reports`)
              - traefik.http.routers.reports.middlewares=compress,team-auth
          shop:
            image: shop/app:1.0
            labels:
              - traefik.http.routers.shop.rule=PathPrefix(`/shop`)
        """


def test_a_traefik_router_running_a_basicauth_middleware_is_basic_and_written_users_are_default_credentials(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", TRAEFIK_BASIC_AUTH)
    d = design_of(compose.import_file(path))
    queue = fact(d, "endpoint:ANY /queue").data
    assert queue["authn"] == "basic" and queue["default_credentials"] is True  # the users written in the labels
    reports = fact(d, "endpoint:ANY /reports").data
    assert reports["authn"] == "basic" and "default_credentials" not in reports  # a users file: not shown
    assert "authn" not in fact(d, "endpoint:ANY /shop").data
