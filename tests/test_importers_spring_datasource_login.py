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


LINKED = """
    services:
      ledger-db:
        image: postgres:16
      tills:
        image: acme/tills:1
        links: [ledger-db]
      receipts:
        image: acme/receipts:1
        links: [ledger-db]
"""


def _linked(root: str, databases: dict[str, str]) -> Any:
    compose = write(root, "compose.yaml", LINKED)
    modules = [_module(root, name, f"spring.datasource.url=jdbc:postgresql://ledger-db:5432/{db}?ssl=false\n"
                                   "spring.datasource.username=ledger\nspring.datasource.password=hunter2\n")
               for name, db in databases.items()]
    return load_documents(load_artifacts([f"compose={compose}", *(f"source={m}" for m in modules)]))


def test_databases_the_urls_name_apart_on_one_server_are_datastores_of_that_server(tmp_path: Any) -> None:
    design = _linked(str(tmp_path), {"tills": "tills", "receipts": "receipts"})
    facts = design.by_key()
    # each service's call goes to its own database, named as the database ("ledger-db-tills": a service is "tills")
    assert {"interaction:tills->ledger-db-tills", "interaction:receipts->ledger-db-receipts"} <= set(facts)
    assert "interaction:tills->ledger-db" not in facts and "interaction:receipts->ledger-db" not in facts
    db = facts["datastore:ledger-db-tills"].data
    assert (db["server"], db["engine"], db["kind"]) == ("ledger-db", "postgres", "relational")
    assert facts["datastore:ledger-db"].data["credentials_shared"] is True


def test_one_database_named_by_every_service_stays_the_server(tmp_path: Any) -> None:
    facts = _linked(str(tmp_path), {"tills": "ledger", "receipts": "ledger"}).by_key()
    assert {"interaction:tills->ledger-db", "interaction:receipts->ledger-db"} <= set(facts)
    assert not any(k.startswith("datastore:") and k != "datastore:ledger-db" for k in facts)
