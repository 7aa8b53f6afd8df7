"""`import compose` / `import kubernetes`: a container whose command ends in a schema migration or a set-up step
(``prisma migrate deploy``, ``alembic upgrade head``, ``python manage.py migrate``...) runs once and exits: a one-shot
job (``kind: batch``), which the rules on request-serving services (readiness probe, one instance, rate limit) leave
out; one that migrates and then starts its server is the server."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

COMPOSE = """
services:
  db:
    image: postgres:16
  migrate:
    image: acme/backend:1.0
    command: sh -c "pnpm exec prisma migrate deploy"
    environment: {DATABASE_URL: "postgresql://app:app@db:5432/app"}
    depends_on: [db]
  schema:
    image: acme/backend:1.0
    entrypoint: ["alembic", "-c", "/app/alembic.ini", "upgrade", "head"]
    restart: on-failure
    environment: {DATABASE_URL: "postgresql://app:app@db:5432/app"}
  setup:
    image: acme/web:1.0
    command: python manage.py migrate --noinput
    environment: {DATABASE_URL: "postgresql://app:app@db:5432/app"}
  web:
    image: acme/web:1.0
    command: sh -c "python manage.py migrate && gunicorn web.wsgi -b 0.0.0.0:8000"
    ports: ["8000:8000"]
    environment: {DATABASE_URL: "postgresql://app:app@db:5432/app"}
"""


def test_a_compose_service_whose_command_ends_in_a_migration_is_a_one_shot_job(tmp_path: Any) -> None:
    compose = write(str(tmp_path), "compose.yaml", COMPOSE)
    (doc,) = [d for d in load_artifacts([f"compose={compose}"]) if "services" in d.data]
    design = load_documents([doc])
    for name, runs in (("migrate", "its command runs prisma migrate deploy"),
                       ("schema", "its entrypoint runs alembic -c /app/alembic.ini upgrade"),
                       ("setup", "its command runs manage.py migrate")):
        assert fact(design, f"service:{name}").data.get("kind") == "batch", name
        assert f"kind batch: {runs} and exits, a one-shot job (a migration or set-up step), not a server" in \
            doc.notes[f"service:{name}"]
    assert "kind" not in fact(design, "service:web").data  # it migrates, then serves


def test_a_one_shot_job_gets_no_request_serving_findings(tmp_path: Any) -> None:
    compose = write(str(tmp_path), "compose.yaml", COMPOSE)
    found = {(f.rule, s) for f in review([], extra=load_artifacts([f"compose={compose}"])).findings
             for s in f.subjects}
    for name in ("migrate", "schema", "setup"):
        assert ("request-serving-service-without-readiness-probe", f"service:{name}") not in found
    assert ("request-serving-service-without-readiness-probe", "service:web") in found


MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: schema}
spec:
  replicas: 1
  selector: {matchLabels: {app: schema}}
  template:
    metadata: {labels: {app: schema}}
    spec:
      containers:
        - name: schema
          image: acme/api:1.0
          command: ["/bin/sh", "-c"]
          args: ["npm run migrate:deploy"]
"""


@pytest.mark.parametrize("args", ["npm run migrate:deploy", "bundle exec rails db:migrate"])
def test_a_kubernetes_workload_whose_command_line_ends_in_a_migration_is_a_one_shot_job(tmp_path: Any,
                                                                                      args: str) -> None:
    path = write(str(tmp_path), "k8s/schema.yaml", MANIFEST.replace("npm run migrate:deploy", args))
    design = load_documents(load_artifacts([f"kubernetes={path}"]))
    assert fact(design, "service:schema").data.get("kind") == "batch"
