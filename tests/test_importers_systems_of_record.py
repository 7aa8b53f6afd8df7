"""compose and Kubernetes import: a database the services connect to is the system of record, and its backups are
stated absent unless the same files take some (``infra.record_systems_of_record``)."""

from __future__ import annotations

import os
import shutil

import pytest

from engine.importers import compose, kubernetes
from engine.importers.base import ArtifactDocument, unconnected_records, without_facts
from engine.model.kinds import identity
from tests.helpers import write
from tests.importer_helpers import design_of, fact, fixture, line_of


def _compose(tmp: os.PathLike[str], *, caller: str = "api", store: str = "db", image: str = "postgres:16",
             extra: str = "", file: str = "docker-compose.yml") -> str:
    """A compose file whose ``caller`` (an application, or Adminer's console) names ``store``'s host in its
    environment, with ``extra`` services."""
    app = "adminer" if caller == "adminer" else "example/app:1.0"
    return write(str(tmp), file, f"services:\n  {caller}:\n    image: {app}\n    environment:\n"
                                 f"      STORE_URL: tcp://{store}:5432\n  {store}:\n    image: {image}\n{extra}")


def _stores(path: str) -> dict[str, dict[str, object]]:
    return {s.name: s.data for s in design_of(compose.import_file(path)).of_kind("datastore")}


def test_a_database_a_service_connects_to_is_the_system_of_record_with_no_backups(
        tmp_path: os.PathLike[str]) -> None:
    path = _compose(tmp_path)
    db = fact(design_of(compose.import_file(path)), "datastore:db")
    assert db.data["role"] == "system_of_record" and db.data["backups"] == {"enabled": False}
    assert db.locate("backups.enabled").line == line_of(path, "  db:")


@pytest.mark.parametrize("image", [
    "redis:7",  # a key-value store: a cache or a queue more often than the only copy
    "memcached",  # a cache
    "opensearchproject/opensearch:2",  # a search index, rebuilt from the records
    "minio/minio",  # an object store
    "amazon/dynamodb-local:2.0",  # a local emulator of a managed store
])
def test_caches_indexes_object_stores_and_emulators_are_left_alone(tmp_path: os.PathLike[str], image: str) -> None:
    data = _stores(_compose(tmp_path, image=image))["db"]
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize(("store", "caller"), [
    ("db-replica", "api"),  # a read replica holds a copy
    ("test-db", "api"),  # a test store
    ("db", "order-history-service"),  # only a query side (a view built from events) reaches it
    ("db", "adminer"),  # only an operator's console reaches it
])
def test_replicas_test_stores_views_and_consoles_are_left_alone(tmp_path: os.PathLike[str], store: str,
                                                                caller: str) -> None:
    data = _stores(_compose(tmp_path, caller=caller, store=store))[store]
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize("file", ["docker-compose.test.yml", "docker-compose.dev.yml", "compose.local.yaml"])
def test_a_compose_file_for_development_or_tests_runs_no_system_of_record(tmp_path: os.PathLike[str],
                                                                         file: str) -> None:
    data = _stores(_compose(tmp_path, file=file))["db"]
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize("backup", [
    "image: prodrigestivill/postgres-backup-local:16",  # a backup sidecar image
    "image: postgres:16\n    command: [sh, -c, 'while true; do pg_dump -h db app > /b/a.sql; sleep 1h; done']",
])
def test_a_backup_service_in_the_compose_file_leaves_backups_unknown(tmp_path: os.PathLike[str], backup: str) -> None:
    db = fact(design_of(compose.import_file(_compose(tmp_path, extra=f"  dumper:\n    {backup}\n"))), "datastore:db")
    assert db.data["role"] == "system_of_record" and "backups" not in db.data


def test_a_store_whose_connections_all_go_is_no_system_of_record(tmp_path: os.PathLike[str]) -> None:
    # a start order the services' code shows to be no call is dropped once every artifact is read: the store that
    # only it reached gives the role and backups back
    [doc] = compose.import_file(_compose(tmp_path, image="mongo:7"))
    assert fact(design_of([doc]), "datastore:db").data["role"] == "system_of_record"
    assert isinstance(doc, ArtifactDocument)
    call = next(i for i in doc.data["interactions"] if i["to"] == "db")
    [kept] = unconnected_records([without_facts(doc, "interactions", {identity("interaction", call): "no call"})])
    data = fact(design_of([kept]), "datastore:db").data
    assert "role" not in data and "backups" not in data
    assert any("no system of record" in text for _at, text in kept.remarks)
    assert unconnected_records([doc]) == [doc]


def _orders_db(tmp: os.PathLike[str], backup: str = "") -> dict[str, object]:
    """The shop's orders-db (a Postgres StatefulSet its services connect to), with ``backup`` among its manifests."""
    shop = os.path.join(str(tmp), "shop")
    shutil.copytree(fixture("kubernetes", "shop"), shop)
    if backup:
        write(shop, "backup.yaml", backup)
    return fact(design_of(kubernetes.import_path(shop)), "datastore:orders-db").data


def test_a_kubernetes_database_its_services_connect_to_has_no_backups(tmp_path: os.PathLike[str]) -> None:
    data = _orders_db(tmp_path)
    assert data["role"] == "system_of_record" and data["backups"] == {"enabled": False}


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
                - {name: dump, image: postgres:16, command: [sh, -c, "pg_dump -h orders-db orders > /b/o.sql"]}
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
    """
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: archive
      annotations: {k8up.io/backup: "true"}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
    """,
])
def test_a_backup_job_schedule_snapshot_class_or_annotation_leaves_backups_unknown(tmp_path: os.PathLike[str],
                                                                                   backup: str) -> None:
    data = _orders_db(tmp_path, backup)
    assert data["role"] == "system_of_record" and "backups" not in data
