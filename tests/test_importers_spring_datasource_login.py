"""Spring Boot modules handed over as source whose own configuration points their JDBC datasource at one database
of the deployment with the same written-out login: ``credentials_shared`` on that datastore."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
    services:
      ledger-db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: ${DB_PASSWORD}
      tills:
        image: acme/tills:1
      receipts:
        image: acme/receipts:1
      audit:
        image: acme/audit:1
"""


def _module(root: str, name: str, properties: str) -> str:
    write(root, f"{name}/src/main/java/acme/{name.title()}App.java",
          f"@SpringBootApplication\npublic class {name.title()}App {{}}\n")
    write(root, f"{name}/src/main/resources/application.properties", properties)
    return os.path.join(root, name)


def _ledger(root: str, modules: list[str]) -> dict[str, Any]:
    compose = write(root, "compose.yaml", COMPOSE)
    docs = load_artifacts([f"compose={compose}", *(f"source={m}" for m in modules)])
    data: dict[str, Any] = load_documents(docs).by_key()["datastore:ledger-db"].data
    return data


def test_two_services_signing_in_to_one_database_with_one_written_out_login_share_credentials(
        tmp_path: Any) -> None:
    root = str(tmp_path)
    same = "spring.datasource.username=ledger\nspring.datasource.password=hunter2\n"
    tills = _module(root, "tills", "spring.datasource.url=jdbc:postgresql://ledger-db:5432/tills\n" + same)
    receipts = _module(root, "receipts", "spring.datasource.url=jdbc:postgresql://ledger-db/receipts\n" + same)
    assert _ledger(root, [tills, receipts])["credentials_shared"] is True


def test_another_password_or_a_placeholder_is_no_shared_login(tmp_path: Any) -> None:
    root = str(tmp_path)
    url = "spring.datasource.url=jdbc:postgresql://ledger-db/{db}\nspring.datasource.username=ledger\n"
    tills = _module(root, "tills", url.format(db="tills") + "spring.datasource.password=hunter2\n")
    audit = _module(root, "audit", url.format(db="audit") + "spring.datasource.password=correct-horse\n")
    receipts = _module(root, "receipts", url.format(db="receipts") + "spring.datasource.password=${DB_PASSWORD}\n")
    assert "credentials_shared" not in _ledger(root, [tills, audit, receipts])
