"""`import source` of a Python service keeping its data in a SQLite file (engine/importers/code_sqlite.py, wired in
engine/importers/code_routes.py): the file is the system's datastore when the deployment connects the service to no
database server, on the service's volume or none, with no backups unless the deployment names a backup tool."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_sqlite import sqlite_of
from engine.loader import load_documents
from tests.helpers import write


@pytest.mark.parametrize(("path", "text", "found"), [
    ("site/settings/base.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}\n',
     "a Django database whose ENGINE is django.db.backends.sqlite3"),
    ("core/db.py", 'def url(data_dir):\n    return f"sqlite:///{data_dir}/app.db"\n', "a SQLite URL ('sqlite:///'...)"),
    ("core/db.py", 'URL = "sqlite+aiosqlite:///./app.db"\n', "a SQLite URL ('sqlite+aiosqlite:///./app.db')"),
    ("core/db.py", 'URL = "sqlite://"\nMEM = "sqlite:///:memory:"\n', None),
    ("tests/conftest.py", 'URL = "sqlite:///./test.db"\n', None),
    ("site/settings/test.py", 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n', None),
    ("core/engines.py", 'KNOWN = {"ENGINE": "django.db.backends.sqlite3"}\n', None),  # not a settings module
], ids=["django-settings", "sqlalchemy-f-string", "sqlalchemy-driver", "in-memory", "test-module", "test-settings",
        "not-settings"])
def test_what_shows_a_sqlite_file_kept_by_a_services_code(path: str, text: str, found: str | None) -> None:
    sign = sqlite_of([(path, text)])
    assert (sign.what if sign else None) == found


_SETTINGS = """
    import os
    ENGINE = os.getenv("DB_ENGINE", "sqlite")
    ROOT_URLCONF = "site.urls"
    if ENGINE == "postgres":
        default = {"ENGINE": "django.db.backends.postgresql", "HOST": os.getenv("DB_HOST")}
    else:
        default = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/app/data/db.sqlite3"}
    DATABASES = {"default": default}
"""


def _datastores(docs: list[Any]) -> dict[str, dict[str, Any]]:
    design = load_documents(docs)
    return {str(f.data.get("name")): f.data for f in design.facts if f.kind == "datastore"}


def _code(tmp: str) -> str:
    write(tmp, "app/site/settings.py", _SETTINGS)
    write(tmp, "app/site/urls.py", "urlpatterns = []\n")
    return f"{tmp}/app"


def _system(tmp: str, compose: str) -> list[Any]:
    return load_artifacts([f"compose={write(tmp, 'compose.yaml', compose)}", f"source:web={_code(tmp)}"])


def test_a_sqlite_file_on_the_services_volume_is_its_system_of_record_without_backups(tmp_path: Any) -> None:
    stores = _datastores(_system(str(tmp_path), """
        services:
          web:
            image: acme/site:1.0
            ports: ["8000:8000"]
            volumes: ["./data:/etc/site/data"]
    """))
    sqlite = stores["sqlite"]
    assert (sqlite["engine"], sqlite["role"], sqlite["owner"]) == ("sqlite", "system_of_record", "web")
    assert sqlite["durable_storage"] is True  # a directory under /etc named for data keeps data
    assert sqlite["backups"] == {"enabled": False}


def test_a_sqlite_file_on_no_volume_is_lost_with_the_container_and_a_backup_tool_leaves_backups_unknown(
        tmp_path: Any) -> None:
    stores = _datastores(_system(str(tmp_path), """
        services:
          web:
            image: acme/site:1.0
            ports: ["8000:8000"]
            volumes: ["./nginx:/etc/nginx/conf.d"]
          web-backup:
            image: offen/docker-volume-backup:v2
    """))
    assert stores["sqlite"]["durable_storage"] is False
    assert "backups" not in stores["sqlite"]


def test_no_sqlite_store_when_the_deployment_connects_the_service_to_a_database_server(tmp_path: Any) -> None:
    stores = _datastores(_system(str(tmp_path), """
        services:
          web:
            image: acme/site:1.0
            ports: ["8000:8000"]
            environment: {DB_ENGINE: postgres, DB_HOST: db}
            depends_on: [db]
          db:
            image: postgres:16
            volumes: ["pg:/var/lib/postgresql/data"]
        volumes: {pg: {}}
    """))
    assert set(stores) == {"db"}


def test_no_sqlite_store_without_a_deployment(tmp_path: Any) -> None:
    assert _datastores(load_artifacts([f"source:web={_code(str(tmp_path))}"])) == {}
