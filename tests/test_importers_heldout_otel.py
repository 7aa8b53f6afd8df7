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
