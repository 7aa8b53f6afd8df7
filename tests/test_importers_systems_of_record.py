"""compose and Kubernetes import: a database the services connect to is the system of record, and its backups are
stated absent unless the same files take some (``infra.record_systems_of_record``)."""

from __future__ import annotations

import os

import pytest

from engine.importers import compose, kubernetes
from engine.importers.base import ArtifactDocument, unconnected_records, without_facts
from engine.model.kinds import identity
from tests.helpers import write
from tests.importer_helpers import design_of, fact, line_of

APP = """
    services:
      api:
        image: example/api:1.0
        environment:
          DATABASE_URL: postgresql://app:{password}@db:5432/app
      db:
        image: postgres:16
        volumes: ["db-data:/var/lib/postgresql/data"]
    volumes:
      db-data: {{}}
    """


def _stores(path: str) -> dict[str, dict[str, object]]:
    return {s.name: s.data for s in design_of(compose.import_file(path)).of_kind("datastore")}


def test_a_database_a_service_connects_to_is_the_system_of_record_with_no_backups(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", APP.format(password="${DB_PASSWORD}"))
    d = design_of(compose.import_file(path))
    db = fact(d, "datastore:db")
    assert db.data["role"] == "system_of_record" and db.data["backups"] == {"enabled": False}
    assert db.locate("backups.enabled").line == line_of(path, "  db:")


@pytest.mark.parametrize("store", [
    "redis:7",  # a key-value store: a cache or a queue more often than the only copy
    "memcached",  # a cache
    "opensearchproject/opensearch:2",  # a search index, rebuilt from the records
    "minio/minio",  # an object store
    "amazon/dynamodb-local:2.0",  # a local emulator of a managed store
])
def test_caches_indexes_object_stores_and_emulators_are_left_alone(tmp_path: os.PathLike[str], store: str) -> None:
    path = write(str(tmp_path), "docker-compose.yml", f"""
        services:
          api:
            image: example/api:1.0
            environment:
              STORE_HOST: store
          store:
            image: {store}
        """)
    data = _stores(path)["store"]
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize(("name", "caller", "env"), [
    ("db-replica", "api", "DB_HOST"),  # a read replica holds a copy
    ("test-db", "api", "DB_HOST"),  # a test store
    ("db", "order-history-service", "DB_HOST"),  # only a query side (a view built from events) reaches it
])
def test_replicas_test_stores_and_views_are_left_alone(tmp_path: os.PathLike[str], name: str, caller: str,
                                                       env: str) -> None:
    path = write(str(tmp_path), "docker-compose.yml", f"""
        services:
          {caller}:
            image: example/app:1.0
            environment:
              {env}: {name}
          {name}:
            image: postgres:16
        """)
    data = _stores(path)[name]
    assert "role" not in data and "backups" not in data


def test_a_store_only_a_console_connects_to_is_left_alone(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          adminer:
            image: adminer
            environment:
              ADMINER_DEFAULT_SERVER: db
          db:
            image: postgres:16
        """)
    data = _stores(path)["db"]
    assert "role" not in data and "backups" not in data


def test_a_stated_role_is_kept_and_a_test_compose_file_is_no_deployment(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.test.yml", APP.format(password="secret"))
    data = _stores(path)["db"]
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize("backup", [
    "image: prodrigestivill/postgres-backup-local:16",  # a backup sidecar image
    "image: postgres:16\n            command: [sh, -c, 'while true; do pg_dump -h db app > /b/a.sql; sleep 1h; done']",
])
def test_a_backup_service_in_the_compose_file_leaves_backups_unknown(tmp_path: os.PathLike[str], backup: str) -> None:
    path = write(str(tmp_path), "docker-compose.yml", f"""
        services:
          api:
            image: example/api:1.0
            environment:
              DATABASE_URL: postgresql://app:${{DB_PASSWORD}}@db:5432/app
          db:
            image: postgres:16
          dumper:
            {backup}
        """)
    db = fact(design_of(compose.import_file(path)), "datastore:db")
    assert db.data["role"] == "system_of_record" and "backups" not in db.data


def test_a_store_whose_connections_all_go_is_no_system_of_record(tmp_path: os.PathLike[str]) -> None:
    # a start order the services' code shows to be no call is dropped once every artifact is read: the store that
    # only it reached gives the role and backups back
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            image: example/api:1.0
            depends_on: [db]
          db:
            image: mongo:7
        """)
    [doc] = compose.import_file(path)
    assert fact(design_of([doc]), "datastore:db").data["role"] == "system_of_record"
    assert isinstance(doc, ArtifactDocument)
    call = next(i for i in doc.data["interactions"] if i["to"] == "db")
    [kept] = unconnected_records([without_facts(doc, "interactions", {identity("interaction", call): "no call"})])
    data = fact(design_of([kept]), "datastore:db").data
    assert "role" not in data and "backups" not in data
    assert any("no system of record" in text for _at, text in kept.remarks)
    assert unconnected_records([doc]) == [doc]


MANIFESTS = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: orders}
    spec:
      selector: {matchLabels: {app: orders}}
      template:
        metadata: {labels: {app: orders}}
        spec:
          containers:
            - name: orders
              image: example/orders:1.0
              env:
                - {name: SPRING_DATASOURCE_URL, value: "jdbc:mysql://orders-db:3306/orders"}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: orders-db}
    spec:
      selector: {app: orders-db}
      ports: [{port: 3306}]
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: orders-db}
    spec:
      selector: {matchLabels: {app: orders-db}}
      template:
        metadata: {labels: {app: orders-db}}
        spec:
          containers:
            - name: orders-db
              image: mysql:8.4
    """


def test_a_kubernetes_database_its_services_connect_to_has_no_backups(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "app.yaml", MANIFESTS)
    db = fact(design_of(kubernetes.import_path(path)), "datastore:orders-db")
    assert db.data["role"] == "system_of_record" and db.data["backups"] == {"enabled": False}


@pytest.mark.parametrize("backup", [
    """
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - {name: dump, image: mysql:8.4, command: [sh, -c, "mysqldump -h orders-db orders > /b/o.sql"]}
    """,
    """
    apiVersion: velero.io/v1
    kind: Schedule
    metadata: {name: daily}
    spec: {schedule: "0 1 * * *"}
    """,
    """
    apiVersion: snapshot.storage.k8s.io/v1
    kind: VolumeSnapshotClass
    metadata: {name: csi-snapclass}
    driver: ebs.csi.aws.com
    deletionPolicy: Retain
    """,
])
def test_a_backup_job_schedule_or_snapshot_class_leaves_backups_unknown(tmp_path: os.PathLike[str],
                                                                         backup: str) -> None:
    path = write(str(tmp_path), "app.yaml", MANIFESTS + "---" + backup)
    db = fact(design_of(kubernetes.import_path(path)), "datastore:orders-db")
    assert db.data["role"] == "system_of_record" and "backups" not in db.data


def test_a_backup_annotation_leaves_backups_unknown(tmp_path: os.PathLike[str]) -> None:
    text = MANIFESTS.replace("metadata: {labels: {app: orders-db}}", "metadata:\n"
                             "            labels: {app: orders-db}\n"
                             "            annotations: {backup.velero.io/backup-volumes: data}")
    path = write(str(tmp_path), "app.yaml", text)
    db = fact(design_of(kubernetes.import_path(path)), "datastore:orders-db")
    assert db.data["role"] == "system_of_record" and "backups" not in db.data
