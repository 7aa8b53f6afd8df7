"""Kubernetes import: workloads, probes, limits, volumes, Services/Ingress exposure, HPA, PDB, NetworkPolicy."""

from __future__ import annotations

import os
import textwrap

import pytest

from engine.errors import ArchplanError
from engine.importers import import_paths, kubernetes
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import design_of, fact, fixture, line_of

SHOP = fixture("kubernetes", "shop")
APP = os.path.join(SHOP, "app.yaml")
DATA = os.path.join(SHOP, "data.yaml")
CLINIC = fixture("kubernetes", "clinic")
BAKERY = fixture("kubernetes", "bakery", "all-in-one.yaml")


@pytest.fixture(scope="module")
def shop() -> object:
    return design_of(kubernetes.import_path(SHOP))


def test_a_directory_of_multi_document_files_becomes_one_design(shop: object) -> None:
    assert {f.key for f in shop.facts} >= {  # type: ignore[attr-defined]
        "service:api", "datastore:orders-db", "datastore:sessions", "deployment:api",
        "interaction:api->orders-db", "interaction:api->sessions", "security:security"}


def test_probes_limits_and_the_autoscaler_floor(shop: object) -> None:
    api = fact(shop, "service:api")  # type: ignore[arg-type]
    assert api.data["health"] == {"liveness": True, "readiness": True}
    assert api.locate("health.liveness").line == line_of(APP, "livenessProbe:")
    assert api.data["resource_limits"] is False  # the log-shipper sidecar runs unbounded
    assert api.data["replicas"] == 2
    assert api.data["autoscaling"] == {"enabled": True, "metric": "cpu", "min_replicas": 2, "max_replicas": 10}
    assert api.locate("autoscaling.max_replicas").line == line_of(APP, "maxReplicas: 10")


@pytest.mark.parametrize(("stated", "floor", "expected"),
                         [(1, "minReplicas: 3", 3), (4, "", 1), (None, "minReplicas: 2", 2)])
def test_an_autoscaled_workload_runs_at_least_the_autoscaler_floor(tmp_path: object, stated: int | None, floor: str,
                                                                    expected: int) -> None:
    """The autoscaler scales its target between its bounds whatever the workload states: one instance stated
    with a floor of three runs three; four stated with no floor (one, Kubernetes' default) may run one."""
    replicas = f"replicas: {stated}" if stated is not None else ""
    path = write(str(tmp_path), "app.yaml", f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: web}}
        spec:
          {replicas}
          selector: {{matchLabels: {{app: web}}}}
          template:
            metadata: {{labels: {{app: web}}}}
            spec:
              containers: [{{name: web, image: example/web:1.0}}]
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {{name: web}}
        spec:
          scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
          {floor}
          maxReplicas: 6
        """)
    web = fact(design_of(kubernetes.import_path(path)), "service:web")
    assert web.data["replicas"] == expected
    if floor:
        assert web.locate("replicas").line == line_of(path, floor)
    assert web.locate("replicas").line > line_of(path, "kind: HorizontalPodAutoscaler")


def test_ingress_makes_public_and_pdb_and_network_policy_are_matched_by_labels(shop: object) -> None:
    api = fact(shop, "service:api")  # type: ignore[arg-type]
    assert api.data["exposure"] == "public"
    assert api.locate("exposure").line == line_of(APP, "backend:")
    assert api.data["disruption_budget"] is True and api.data["network_policy"] is True


def test_claims_are_durable_and_empty_dir_is_not(shop: object) -> None:
    db = fact(shop, "datastore:orders-db")  # type: ignore[arg-type]
    assert db.data["durable_storage"] is True and db.data["engine"] == "postgres"
    assert db.locate("durable_storage").line == line_of(DATA, "- metadata:")
    cache = fact(shop, "datastore:sessions")  # type: ignore[arg-type]
    assert cache.data["durable_storage"] is False
    assert cache.locate("durable_storage").file == DATA
    assert cache.locate("durable_storage").line == line_of(DATA, "- name: scratch")


def test_config_map_addresses_and_cluster_dns_names_infer_edges(shop: object) -> None:
    call = fact(shop, "interaction:api->orders-db")  # type: ignore[arg-type]
    assert call.data["protocol"] == "sql" and "ConfigMap api-config" in call.data["inferred_from"]
    assert call.location.file == APP and call.location.line == line_of(APP, "DATABASE_URL:")
    assert fact(shop, "interaction:api->sessions").data["protocol"] == "redis"  # type: ignore[arg-type]


def test_secret_references_record_kubernetes_secrets(shop: object) -> None:
    sec = fact(shop, "security:security")  # type: ignore[arg-type]
    assert sec.data["secrets_management"] == "k8s_secrets" and sec.location.line == line_of(APP, "- name: JWT_KEY")


def test_a_directory_with_one_file_per_component_and_shared_config_maps() -> None:
    d = design_of(import_paths("auto", [CLINIC]))
    assert {f.name for f in d.of_kind("datastore")} == {"patients-db", "records-db"}
    for name in ("patients-db", "records-db"):
        ds = fact(d, f"datastore:{name}").data
        assert ds["engine"] == "postgres" and ds["durable_storage"] is False  # StatefulSets on emptyDir
    portal = fact(d, "service:portal")
    assert portal.data["exposure"] == "public"
    assert portal.locate("exposure").line == line_of(os.path.join(CLINIC, "portal.yaml"), "type: LoadBalancer")
    assert portal.data["health"] == {"liveness": True, "readiness": True} and portal.data["resource_limits"] is True
    assert fact(d, "service:appointments").data["exposure"] == "internal"
    edges = {(i.data["from"], i.data["to"]) for i in d.of_kind("interaction")}
    assert {("portal", "patients"), ("patients", "patients-db"), ("recordswriter", "records-db")} <= edges
    assert fact(d, "security:security").data["secrets_management"] == "k8s_secrets"


def test_a_multi_document_manifest() -> None:
    d = design_of(import_paths("kubernetes", [BAKERY]))
    assert {f.name for f in d.of_kind("datastore")} == {"accounts-db", "basket-db", "menu-db", "ordering-db",
                                                        "session-db"}
    storefront = fact(d, "service:storefront")
    assert storefront.data["exposure"] == "host"
    assert storefront.locate("exposure").line == line_of(BAKERY, "type: NodePort")
    assert fact(d, "service:mq-broker").data["tags"] == ["broker"]


def test_documents_that_are_no_objects_are_skipped_with_a_warning_but_broken_yaml_stops(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "m.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        ---
        apiVersion: apps/v1
        metadata: {name: b}
        ---
        """)
    (doc,) = kubernetes.import_path(path)
    assert [(str(at), text) for at, text in doc.remarks] == [
        (f"{path}:5:1", "not a Kubernetes object (no 'apiVersion' and 'kind'): skipped")]
    bad = write(str(tmp_path), "bad.yaml", "apiVersion: v1\nkind: [Service\n")
    with pytest.raises(ArchplanError, match=r"bad\.yaml:\d+:\d+: YAML syntax error"):
        kubernetes.import_path(bad)
    nameless = write(str(tmp_path), "nameless.yaml", "apiVersion: v1\nkind: Service\nmetadata: {labels: {a: b}}\n")
    with pytest.raises(ArchplanError, match=r"nameless\.yaml:3:.*needs metadata\.name"):
        kubernetes.import_path(nameless)
    empty = os.path.join(str(tmp_path), "empty")
    os.makedirs(empty)
    with pytest.raises(ArchplanError, match=r"no \.yaml"):
        kubernetes.import_path(empty)


def test_an_external_name_service_is_an_external_and_calls_to_it_are_inferred(shop: object) -> None:
    geo = fact(shop, "external:geo")  # type: ignore[arg-type]
    assert geo.data["description"] == "ExternalName Service for maps.example.org"
    assert geo.location.line == line_of(APP, "name: geo") - 3  # the object starts at apiVersion
    call = fact(shop, "interaction:api->geo").data  # type: ignore[arg-type]
    assert call["protocol"] == "http" and "GEO_URL" in call["inferred_from"]


def test_datastore_authentication_from_env_config_maps_and_secret_references(tmp_path: os.PathLike[str]) -> None:
    def workload(kind: str, name: str, image: str, env: str) -> str:
        return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  template:\n"
                f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n"
                f"      containers: [{{name: {name}, image: '{image}', {env}}}]\n")

    path = write(str(tmp_path), "db.yaml", "\n---\n".join([
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ledger-config}\ndata: {POSTGRES_PASSWORD: password}\n",
        workload("StatefulSet", "ledger-db", "postgres:16", "envFrom: [{configMapRef: {name: ledger-config}}]"),
        workload("StatefulSet", "accounts-db", "postgres:16",
                 "env: [{name: POSTGRES_PASSWORD, valueFrom: {secretKeyRef: {name: accounts, key: password}}}]"),
        workload("Deployment", "sessions", "bitnami/redis:7.2", "env: [{name: ALLOW_EMPTY_PASSWORD, value: 'yes'}]"),
    ]))
    d = design_of(kubernetes.import_path(path))
    ledger, accounts = fact(d, "datastore:ledger-db"), fact(d, "datastore:accounts-db")
    assert (ledger.data["authentication"], ledger.data["credentials_source"]) == ("password", "repo_config")
    assert accounts.data["authentication"] == "password" and "credentials_source" not in accounts.data
    assert fact(d, "datastore:sessions").data["authentication"] == "none"

def test_a_claim_mounted_away_from_where_the_image_keeps_its_data_keeps_none_of_it(tmp_path: object) -> None:
    # A known image keeps its data in a known directory: a persistent claim mounted elsewhere, with nothing telling
    # the server to use it, leaves the data in the container. A server told to use the mount, a claim above the
    # data directory, or an image the catalogue does not know keeps the claim's durability.
    def stateful(name: str, image: str, mount: str, env: str = "") -> str:
        return (f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: {name}}}\nspec:\n  replicas: 1\n"
                f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n"
                f"      containers:\n      - name: {name}\n        image: '{image}'\n"
                + (f"        env: [{env}]\n" if env else "")
                + f"        volumeMounts: [{{name: store, mountPath: {mount}}}]\n"
                f"  volumeClaimTemplates:\n  - metadata: {{name: store}}\n    spec: {{accessModes: [ReadWriteOnce]}}\n")

    path = write(str(tmp_path), "stores.yaml", "\n---\n".join([
        stateful("events", "confluentinc/cp-kafka:7.6.0", "/var/lib/coordination/data",
                 "{name: KAFKA_ADVERTISED_LISTENERS, value: 'PLAINTEXT://events:9092'}"),
        stateful("moved-events", "confluentinc/cp-kafka:7.6.0", "/srv/kafka",
                 "{name: KAFKA_LOG_DIRS, value: /srv/kafka/logs}"),
        stateful("own-events", "acme/event-log:2.0", "/srv/kafka",
                 "{name: KAFKA_ADVERTISED_LISTENERS, value: 'PLAINTEXT://own-events:9092'}"),
        stateful("ledger-db", "postgres:16", "/backups"),
        stateful("orders-db", "postgres:16", "/var/lib/postgresql"),
    ]))
    docs = kubernetes.import_path(path)
    volatile = {name for d in docs for name in getattr(d, "volatile_brokers", {})}
    assert volatile == {"events"}
    d = design_of(docs)
    assert fact(d, "datastore:ledger-db").data["durable_storage"] is False
    assert fact(d, "datastore:orders-db").data["durable_storage"] is True
    notes = [n for doc in docs for n in doc.notes.get("datastore:ledger-db", [])]
    assert any("/backups is not where postgres keeps its data" in n for n in notes)


def test_a_latest_image_makes_the_release_mutable_and_a_digest_immutable(tmp_path: object) -> None:
    path = write(str(tmp_path), "apps.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: cart}
        spec:
          template:
            spec:
              containers: [{name: cart, image: "shop/cart:latest"}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: orders}
        spec:
          template:
            spec:
              containers: [{name: orders, image: "shop/orders@sha256:0123456789abcdef"}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: payment}
        spec:
          template:
            spec:
              containers: [{name: payment, image: "shop/payment:2.1"}]
        """)
    d = design_of(kubernetes.import_path(path))
    assert fact(d, "deployment:cart").data["immutable_artifacts"] is False
    assert fact(d, "deployment:orders").data["immutable_artifacts"] is True
    assert "immutable_artifacts" not in fact(d, "deployment:payment").data


def test_a_datastore_states_its_image_a_version_tag_leaving_its_immutability_unknown(tmp_path: object) -> None:
    path = write(str(tmp_path), "stores.yaml", "\n---\n".join(
        f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n"
        f"      containers: [{{name: {name}, image: '{image}'}}]\n"
        for name, image in (("ledger-db", "postgres"), ("orders-db", "postgres:16"))))
    d = design_of(kubernetes.import_path(path))
    assert (fact(d, "datastore:ledger-db").data["image"], fact(d, "datastore:ledger-db").data["immutable_image"]) == (
        "postgres", False)
    assert fact(d, "datastore:orders-db").data["image"] == "postgres:16"
    assert "immutable_image" not in fact(d, "datastore:orders-db").data


def test_a_workload_named_as_an_operator_tool_has_an_admin_entry(tmp_path: object) -> None:
    manifests = [f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {n}}}
        spec:
          selector: {{matchLabels: {{app: {n}}}}}
          template:
            metadata: {{labels: {{app: {n}}}}}
            spec:
              containers: [{{name: {n}, image: "shop/{n}:1.0"}}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: {n}}}
        spec: {{type: NodePort, selector: {{app: {n}}}, ports: [{{port: 8080}}]}}
        """ for n in ("monitoring", "patient-monitoring")]
    path = write(str(tmp_path), "apps.yaml", "---".join(manifests))
    d = design_of(kubernetes.import_path(path))
    admin = {e.data["served_by"]: e.data.get("admin") for e in d.of_kind("endpoint")}
    assert admin == {"monitoring": True, "patient-monitoring": None}


def test_a_secret_whose_values_are_in_the_manifests_is_a_literal_secret_of_its_readers(tmp_path: object) -> None:
    path = write(str(tmp_path), "app.yaml", """
        apiVersion: v1
        kind: Secret
        metadata: {name: db-creds}
        data: {password: aHVudGVyMg==}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: orders}
        spec:
          template:
            spec:
              containers:
                - name: orders
                  image: shop/orders:1.0
                  env:
                    - name: DB_PASSWORD
                      valueFrom: {secretKeyRef: {name: db-creds, key: password}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: billing}
        spec:
          template:
            spec:
              containers:
                - name: billing
                  image: shop/billing:1.0
                  envFrom: [{secretRef: {name: made-elsewhere}}]
        """)
    d = design_of(kubernetes.import_path(path))
    orders = fact(d, "service:orders")
    assert orders.data["secrets_source"] == "repo_config" and orders.locate("secrets_source").line == 4
    assert "secrets_source" not in fact(d, "service:billing").data  # a Secret created outside these manifests


def test_a_timeout_variable_in_a_config_map_bounds_the_calls_to_services(tmp_path: object) -> None:
    path = write(str(tmp_path), "app.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: api-config}
        data:
          BALANCES_API_ADDR: "balances:8080"
          LEDGER_DB_URL: "postgresql://ledger-db:5432/ledger"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: frontend}
        spec:
          selector: {matchLabels: {app: frontend}}
          template:
            metadata: {labels: {app: frontend}}
            spec:
              containers:
                - name: web
                  image: acme/frontend:1.0
                  env:
                    - {name: BACKEND_TIMEOUT, value: "15"}
                  envFrom:
                    - configMapRef: {name: api-config}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: balances}
        spec:
          selector: {matchLabels: {app: balances}}
          template:
            metadata: {labels: {app: balances}}
            spec:
              containers: [{name: app, image: acme/balances:1.0}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ledger-db}
        spec:
          selector: {matchLabels: {app: ledger-db}}
          template:
            metadata: {labels: {app: ledger-db}}
            spec:
              containers: [{name: db, image: postgres:16}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: balances}
        spec: {selector: {app: balances}, ports: [{port: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ledger-db}
        spec: {selector: {app: ledger-db}, ports: [{port: 5432}]}
        """)
    d = design_of(import_paths("kubernetes", [path]))
    call = fact(d, "interaction:frontend->balances")
    assert call.data["timeout_ms"] == 15000
    assert call.locate("timeout_ms").line == line_of(path, "BACKEND_TIMEOUT")
    assert "timeout_ms" not in fact(d, "interaction:frontend->ledger-db").data  # a database driver's own


_TEAMS = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: frontend}
    spec:
      selector: {matchLabels: {app: frontend}}
      template:
        metadata: {labels: {app: frontend, team: web}}
        spec:
          containers: [{name: web, image: acme/frontend:1.0, env: [{name: BALANCES_ADDR, value: "balances:8080"}]}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: writer, labels: {team: ledger}}
    spec:
      selector: {matchLabels: {app: writer}}
      template:
        metadata: {labels: {app: writer}}
        spec:
          containers: [{name: app, image: acme/writer:1.0, env: [{name: BALANCES_ADDR, value: "balances:8080"}]}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: balances, labels: {app.kubernetes.io/part-of: bank, team: ledger}}
    spec:
      selector: {matchLabels: {app: balances}}
      template:
        metadata: {labels: {app: balances}}
        spec:
          containers: [{name: app, image: acme/balances:1.0}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: reports, labels: {app.kubernetes.io/part-of: bank}}
    spec:
      selector: {matchLabels: {app: reports}}
      template:
        metadata: {labels: {app: reports}}
        spec:
          containers: [{name: app, image: acme/reports:1.0}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: balances}
    spec: {selector: {app: balances}, ports: [{port: 8080}]}
    """


def test_a_team_label_names_the_owner_and_decides_which_calls_cross_teams(tmp_path: object) -> None:
    from engine.review import review

    path = write(str(tmp_path), "apps.yaml", _TEAMS)
    d = design_of(import_paths("kubernetes", [path]))
    assert fact(d, "service:frontend").data["owner"] == "web"  # the pods' label
    assert fact(d, "service:writer").data["owner"] == "ledger"  # the workload's own
    assert fact(d, "service:balances").locate("owner").line == line_of(path, "team: ledger", 2)
    assert "owner" not in fact(d, "service:reports").data  # part-of names the application, not a team
    rv = review([], extra=import_paths("kubernetes", [path]))
    crossing = {f.subject for f in rv.findings if f.rule == "cross-team-call-without-circuit-breaker"}
    assert crossing == {"interaction:frontend->balances"}  # writer and balances are both ledger's


def test_workloads_of_the_cluster_s_own_namespaces_are_left_out_with_a_remark(tmp_path: object) -> None:
    path = write(str(tmp_path), "addons.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: heapster, namespace: kube-system}
        spec:
          template:
            spec:
              containers: [{name: heapster, image: acme/heapster:1.4, env: [{name: SINK, value: "http://shop:80"}]}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop, namespace: sock-shop}
        spec:
          template:
            spec:
              containers: [{name: shop, image: acme/shop:1.0}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: shop, namespace: sock-shop}
        spec: {selector: {app: shop}, ports: [{port: 80}]}
        """)
    (doc,) = kubernetes.import_path(path)
    assert [(str(at), text) for at, text in doc.remarks] == [
        (f"{path}:1:1", "heapster runs in the kube-system namespace, among the cluster's own add-ons: not reviewed "
                        "as part of the system")]
    d = design_of([doc])
    assert "service:shop" in d.by_key()
    assert not [k for k in d.by_key() if "heapster" in k]


def _deployment(name: str, env: str = "[]") -> str:
    return f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers: [{{name: {name}, image: "shop/{name}:1.0", env: {env}}}]
        ---"""


def _service(name: str, ports: str, selects: str = "") -> str:
    return f"""
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}}}
        spec:
          selector: {{app: {selects or name}}}
          ports: {ports}
        ---"""


def test_a_service_port_named_for_its_protocol_sets_the_protocol_of_the_calls_to_it(tmp_path: object) -> None:
    env = ('[{name: CART_ADDR, value: "cart:7070"}, {name: PRICES_ADDR, value: "prices:9000"}, '
           '{name: SEARCH_HOST, value: "search"}, {name: ADS_URL, value: "http://ads:9555"}, '
           '{name: STOCK_ADDR, value: "stock:8080"}, {name: MAIL_ADDR, value: "mail:5000"}, '
           '{name: FEED_ADDR, value: "feed:8081"}]')
    path = write(str(tmp_path), "apps.yaml", "".join([
        _deployment("web", env),
        *(_deployment(n) for n in ("cart", "prices", "search", "ads", "stock", "mail", "feed")),
        _service("cart", "[{name: grpc, port: 7070}]"),
        # appProtocol wins over the name; Istio's <protocol>-<suffix> names count
        _service("prices", "[{name: grpc, port: 9000, appProtocol: kubernetes.io/h2c}]"),
        _service("search", "[{name: grpc-api, port: 9200}, {name: grpc-admin, port: 9201}]"),
        # the URL's scheme says http whatever the port is named
        _service("ads", "[{name: grpc, port: 9555}]"),
        # two Services name the port differently: unknown
        _service("stock", "[{name: grpc, port: 8080}]"), _service("stock-web", "[{name: http, port: 8080}]", "stock"),
        # tcp says nothing of the application protocol; nor does a name of no protocol
        _service("mail", "[{name: tcp-smtp, port: 5000}]"), _service("feed", "[{name: feed, port: 8081}]"),
    ]) + "\n")
    (doc,) = kubernetes.import_path(path)
    d = design_of([doc])
    protocols = {c.data["to"]: c.data.get("protocol") for c in d.of_kind("interaction")}
    assert protocols == {"cart": "grpc", "prices": "http", "search": "grpc", "ads": "http", "stock": None,
                         "mail": None, "feed": None}
    (note,) = doc.notes["interaction:web->cart"]  # type: ignore[attr-defined]
    assert note.startswith(f"protocol grpc: Service cart ({path}:{line_of(path, '{name: grpc, port: 7070}')}:")
    assert note.endswith(") names port 7070 'grpc'")
    assert any("appProtocol kubernetes.io/h2c" in n for n in doc.notes["interaction:web->prices"])  # type: ignore[attr-defined]


def test_an_image_the_repository_builds_with_skaffold_is_no_latest_image(tmp_path: object) -> None:
    root = str(tmp_path)
    os.makedirs(os.path.join(root, ".git"))
    write(root, "skaffold.yaml", """
        apiVersion: skaffold/v4beta6
        kind: Config
        build:
          artifacts:
            - {image: web, context: src/web}
          tagPolicy: {gitCommit: {}}
        requires:
          - path: src/worker
        ---
        apiVersion: skaffold/v4beta6
        kind: Config
        build:
          artifacts: [{image: reports}]
          tagPolicy: {envTemplate: {template: "{{.RELEASE}}"}}
        """)
    # a configuration it requires, whose tag policy is Skaffold's default (gitCommit)
    write(root, "src/worker/skaffold.yaml", "apiVersion: skaffold/v3\nkind: Config\nbuild:\n  artifacts: [{image: "
                                            "worker}]\n")
    manifests = write(root, "deploy/k8s/apps.yaml", "".join(
        _deployment(n).replace(f'"shop/{n}:1.0"', image)
        for n, image in (("web", "web"), ("worker", "worker"), ("reports", "reports"), ("tools", "busybox"),
                         ("admin", "web:latest"))) + "\n")
    d = design_of(kubernetes.import_path(os.path.dirname(manifests)))
    web = fact(d, "deployment:web")
    assert web.data["immutable_artifacts"] is True
    assert web.locate("immutable_artifacts").file.endswith("skaffold.yaml")
    assert web.locate("immutable_artifacts").line == line_of(os.path.join(root, "skaffold.yaml"), "tagPolicy")
    assert fact(d, "deployment:worker").data["immutable_artifacts"] is True
    # a tag policy that does not name the sources: unknown; an image Skaffold does not build, or a tag written
    # out, is pulled as written
    assert "immutable_artifacts" not in fact(d, "deployment:reports").data
    assert fact(d, "deployment:tools").data["immutable_artifacts"] is False
    assert fact(d, "deployment:admin").data["immutable_artifacts"] is False


def test_a_kustomization_s_images_edits_are_applied_to_its_resources(tmp_path: object) -> None:
    root = str(tmp_path)
    write(root, "base/apps.yaml", "".join(_deployment(n).replace(f'"shop/{n}:1.0"', n)
                                          for n in ("web", "worker", "cron", "other")) + "\n")
    write(root, "base/kustomization.yaml", """
        resources: [apps.yaml]
        images:
          - {name: web, newName: registry.example.com/shop/web, newTag: "2.4.1"}
          - {name: worker, digest: "sha256:0123456789abcdef"}
        """)
    write(root, "prod/kustomization.yaml", """
        resources: [../base]
        images:
          - {name: registry.example.com/shop/web, newTag: "2.4.2"}
          - {name: cron, newName: registry.example.com/shop/cron}
        """)
    (doc,) = kubernetes.import_path(os.path.join(root, "prod"))
    d = design_of([doc])
    assert fact(d, "service:web").data["image"] == "registry.example.com/shop/web:2.4.2"
    assert "immutable_artifacts" not in fact(d, "deployment:web").data
    assert fact(d, "deployment:worker").data["immutable_artifacts"] is True
    # a new name with no tag still runs 'latest'; an image no entry names is left as written
    assert fact(d, "service:cron").data["image"] == "registry.example.com/shop/cron"
    assert fact(d, "deployment:cron").data["immutable_artifacts"] is False
    assert fact(d, "service:other").data["image"] == "other"
    assert not any("images" in text for _at, text in doc.remarks)


def test_a_load_balancer_in_front_of_a_datastore_makes_it_publicly_accessible(tmp_path: object) -> None:
    def db(name: str, image: str, env: str, args: str = "[]") -> str:
        return f"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {{name: {name}}}
        spec:
          selector: {{matchLabels: {{role: {name}}}}}
          template:
            metadata: {{labels: {{role: {name}}}}}
            spec:
              containers: [{{name: {name}, image: "{image}", args: {args}, env: {env}}}]
        ---"""

    def svc(name: str, kind: str, annotations: str = "{}") -> str:
        return f"""
        apiVersion: v1
        kind: Service
        metadata: {{name: {name}, annotations: {annotations}}}
        spec: {{type: {kind}, selector: {{role: {name}}}, ports: [{{port: 3306}}]}}
        ---"""

    text = "".join([
        db("orders-mysql", "acme/acme-mysql:2.1", "[{name: MYSQL_ROOT_PASSWORD, value: hunter2}]"),
        svc("orders-mysql", "LoadBalancer"),
        db("stock-mysql", "acme/acme-mysql:2.1",
           "[{name: MYSQL_ROOT_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: root}}}]"),
        svc("stock-mysql", "LoadBalancer", '{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}'),
        db("audit-mysql", "acme/acme-mysql:2.1", "[{name: MYSQL_ROOT_PASSWORD, value: hunter2}]",
           '["--skip-grant-tables"]'),
        svc("audit-mysql", "ClusterIP"),
        db("cache-redis", "acme/acme-redis:1", "[]"),
        svc("cache-redis", "NodePort"),
    ])
    path = write(str(tmp_path), "dbs.yaml", textwrap.dedent(text))
    d = design_of(kubernetes.import_path(path))
    orders, stock = fact(d, "datastore:orders-mysql"), fact(d, "datastore:stock-mysql")
    audit, cache = fact(d, "datastore:audit-mysql"), fact(d, "datastore:cache-redis")
    # a LoadBalancer not annotated internal, or a NodePort: reachable from outside the cluster; internal, ClusterIP:
    # not said
    assert orders.data["public_access"] is True
    assert "public_access" not in stock.data and "public_access" not in audit.data
    assert cache.data["public_access"] is True
    # an image built on MySQL that the importer does not know: a root password given (literal or from a
    # Secret) is password authentication; --skip-grant-tables turns it off, so nothing is said; Redis unknown
    assert orders.data["authentication"] == "password" and stock.data["authentication"] == "password"
    assert "authentication" not in audit.data and "authentication" not in cache.data


LIBRARY_MANIFEST = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: loans}
    spec:
      selector: {matchLabels: {app: loans}}
      template:
        metadata: {labels: {app: loans}}
        spec:
          containers: [{name: loans, image: "example/loans:1.0"}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: loans}
    spec: {type: ClusterIP, selector: {app: loans}, ports: [{port: 80}]}
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: loans
      annotations: {ANNOTATION}
    spec:
      rules:
        - http:
            paths:
              - path: /loans
                pathType: Prefix
                backend: {service: {name: loans, port: {number: 80}}}
    """


@pytest.mark.parametrize(("annotation", "exposure"), [
    pytest.param("{kubernetes.io/ingress.class: nginx}", "internal", id="path-scoped-ingress-keeps-actuator-inside"),
    pytest.param("{nginx.ingress.kubernetes.io/rewrite-target: /}", None,
                 id="rewritten-path-may-reach-it-so-it-inherits-public"),
])
def test_endpoints_under_no_ingress_path_are_not_public(tmp_path: os.PathLike[str], annotation: str,
                                                        exposure: str | None) -> None:
    from engine.importers import load_artifacts

    tmp = str(tmp_path)
    manifest = write(tmp, "k8s/loans.yaml", LIBRARY_MANIFEST.replace("{ANNOTATION}", annotation))
    config = write(tmp, "config/loans.yml", "management.endpoints.web.exposure.include: '*'\nserver.port: 8080\n")
    design = design_of(load_artifacts([f"kubernetes={manifest}", f"spring={config}"]))
    assert fact(design, "service:loans").data["exposure"] == "public"
    actuator = fact(design, "endpoint:loans-actuator")
    assert actuator.data.get("exposure") == exposure
    assert fact(design, "endpoint:loans-entry/loans").data.get("exposure") is None  # the routed path stays public


@pytest.mark.parametrize(("path", "routes", "under"), [
    pytest.param("/actuator/**", ["/customers"], False, id="disjoint-prefixes"),
    pytest.param("/customers/{id}", ["/customers"], True, id="template-under-prefix"),
    pytest.param("/customers/count", ["/customers/(.+)"], True, id="regex-route-read-to-its-literal-start"),
    pytest.param("/anything", ["/"], True, id="root-routes-everything"),
    pytest.param("/api", ["/api/v1"], True, id="a-shorter-path-may-still-match"),
])
def test_routed_under_compares_literal_starts(path: str, routes: list[str], under: bool) -> None:
    from engine.importers.base import routed_under

    assert routed_under(path, routes) is under


def test_a_change_data_capture_relay_behind_a_load_balancer_gets_no_entry_endpoint(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "relay.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: relay}
        spec:
          selector: {matchLabels: {app: relay}}
          template:
            metadata: {labels: {app: relay}}
            spec:
              containers: [{name: relay, image: "eventuateio/eventuate-cdc-service:0.6.1.RELEASE"}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: relay}
        spec: {type: LoadBalancer, selector: {app: relay}, ports: [{port: 8080}]}
        """)
    d = design_of(kubernetes.import_path(path))
    relay = fact(d, "service:relay")
    assert (relay.data["kind"], relay.data["exposure"]) == ("worker", "public")
    assert not list(d.of_kind("endpoint"))


@pytest.mark.parametrize(("annotation", "tls_section", "tls"), [
    pytest.param("{kubernetes.io/ingress.class: nginx}", False, False, id="no-tls-section-is-plain-http"),
    pytest.param("{nginx.ingress.kubernetes.io/ssl-redirect: 'false'}", False, False, id="redirect-off-said-too"),
    pytest.param("{kubernetes.io/ingress.class: nginx}", True, True, id="tls-section-terminates-tls"),
    pytest.param("{nginx.ingress.kubernetes.io/ssl-redirect: 'false'}", True, None,
                 id="tls-beside-plain-http-is-unknown"),
    pytest.param("{alb.ingress.kubernetes.io/certificate-arn: 'arn:aws:acm:eu-west-1:1:certificate/x'}", False, None,
                 id="a-load-balancer-certificate-elsewhere"),
    pytest.param("{nginx.ingress.kubernetes.io/force-ssl-redirect: 'true'}", False, None,
                 id="redirected-to-https-configured-elsewhere"),
])
def test_an_ingress_without_a_tls_section_serves_its_routes_over_plain_http(
        tmp_path: os.PathLike[str], annotation: str, tls_section: bool, tls: bool | None) -> None:
    from engine.importers import load_artifacts

    text = LIBRARY_MANIFEST.replace("{ANNOTATION}", annotation)
    if tls_section:
        assert text.count("      rules:\n") == 1
        text = text.replace("      rules:\n", "      tls: [{hosts: [loans.example.com], secretName: loans-tls}]\n"
                                               "      rules:\n")
    manifest = write(str(tmp_path), "k8s/loans.yaml", text)
    entry = fact(design_of(load_artifacts([f"kubernetes={manifest}"])), "endpoint:loans-entry/loans")
    assert entry.data.get("tls") is tls
    if tls is False and "ssl-redirect" in annotation:
        assert entry.locate("tls").line == line_of(manifest, "ssl-redirect")


GARAGE_DB = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: parts-db}
    spec:
      replicas: 1
      selector: {matchLabels: {tier: parts-db}}
      template:
        metadata: {labels: {tier: parts-db}}
        spec:
          containers:
          - name: db
            image: postgres:16.2
            env: [{name: POSTGRES_PASSWORD, value: wrench}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: parts-db}
    spec:
      type: NodePort
      selector: {tier: parts-db}
      ports: [{port: 5432, nodePort: 31432}]
"""


def test_a_datastore_on_a_node_port_is_reachable_from_outside_the_cluster(tmp_path: os.PathLike[str]) -> None:
    # a NodePort opens the database's own port on every node, like a compose port published on the host
    path = write(str(tmp_path), "parts.yaml", textwrap.dedent(GARAGE_DB))
    db = fact(design_of(kubernetes.import_path(path)), "datastore:parts-db")
    assert db.data["public_access"] is True
    assert db.locate("public_access").line == line_of(path, "type: NodePort")


def test_a_workload_takes_the_name_of_the_one_service_its_callers_reach_it_by(tmp_path: object) -> None:
    # The billing Deployment carries its release in its name; callers only ever see the Service "billing". The
    # ledger pods sit behind two Services (so neither name is *the* name), and the Service "quotes" picks two
    # Deployments (a canary beside the main one), so neither Deployment may claim it.
    path = write(str(tmp_path), "cluster.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: billing-r7}
        spec:
          selector: {matchLabels: {app: billing}}
          template:
            metadata: {labels: {app: billing, release: r7}}
            spec:
              containers: [{name: billing, image: example/billing:7}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: billing}
        spec:
          selector: {app: billing}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ledger-main}
        spec:
          selector: {matchLabels: {app: ledger}}
          template:
            metadata: {labels: {app: ledger}}
            spec:
              containers: [{name: ledger, image: example/ledger:1}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ledger}
        spec:
          selector: {app: ledger}
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ledger-admin}
        spec:
          selector: {app: ledger}
          ports: [{port: 9000}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: quotes-stable}
        spec:
          selector: {matchLabels: {app: quotes, track: stable}}
          template:
            metadata: {labels: {app: quotes, track: stable}}
            spec:
              containers: [{name: quotes, image: example/quotes:3}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: quotes-canary}
        spec:
          selector: {matchLabels: {app: quotes, track: canary}}
          template:
            metadata: {labels: {app: quotes, track: canary}}
            spec:
              containers: [{name: quotes, image: example/quotes:4}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: quotes}
        spec:
          selector: {app: quotes}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: storefront}
        spec:
          selector: {matchLabels: {app: storefront}}
          template:
            metadata: {labels: {app: storefront}}
            spec:
              containers:
                - name: storefront
                  image: example/storefront:2
                  env: [{name: BILLING_URL, value: "http://billing"}]
        """)
    docs = kubernetes.import_path(path)
    d = design_of(docs)
    assert {s.name for s in d.of_kind("service")} == {"billing", "ledger-main", "quotes-stable", "quotes-canary",
                                                       "storefront"}
    assert fact(d, "deployment:billing").locate("strategy").file == path
    assert fact(d, "interaction:storefront->billing").data["from"] == "storefront"
    assert any("Deployment billing-r7" in n for n in docs[0].notes["service:billing"])


def test_a_task_queue_worker_serves_no_request_and_an_embedded_beat_runs_on_every_replica(tmp_path: object) -> None:
    """A workload whose container runs a task queue's worker (``command`` and ``args`` read together) is a worker, as
    in compose: no readiness finding. A Celery worker with ``-B`` runs beat in every pod: a job on all replicas,
    which with two replicas runs each periodic task twice. A web process of the same image is neither."""
    path = write(str(tmp_path), "apps.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: tasks}
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: tasks
                  image: shop/app:1.0
                  command: ["celery"]
                  args: ["-A", "shop", "worker", "-B", "-l", "info"]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: jobs}
        spec:
          template:
            spec:
              containers: [{name: jobs, image: shop/app:1.0, command: ["rq", "worker", "default"]}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers: [{name: web, image: shop/app:1.0, args: ["gunicorn", "shop.wsgi", "-b", ":8000"]}]
        """)
    docs = kubernetes.import_path(path)
    d = design_of(docs)
    assert fact(d, "service:tasks").data["kind"] == fact(d, "service:jobs").data["kind"] == "worker"
    assert "kind" not in fact(d, "service:web").data
    assert fact(d, "job:tasks-celery-beat").data == {"name": "tasks-celery-beat", "service": "tasks",
                                                    "runs_on": "all_replicas"}
    assert [j.key for j in d.of_kind("job")] == ["job:tasks-celery-beat"]
    findings = {(f.rule, f.subject) for f in review([], extra=docs).findings}
    assert ("scheduled-job-runs-on-every-replica", "job:tasks-celery-beat") in findings
    assert ("request-serving-service-without-readiness-probe", "service:web") in findings
    assert not {f for f in findings if f[0] == "request-serving-service-without-readiness-probe" and
                f[1] in ("service:tasks", "service:jobs")}
