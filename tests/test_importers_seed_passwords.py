"""Seed scripts of a database: the form of the accounts' passwords says how the owning service hashes them."""

from __future__ import annotations

import os

import pytest

from engine.importers import kubernetes
from engine.importers.seed_passwords import seeded_hashing
from tests.helpers import write
from tests.importer_helpers import design_of, fact


@pytest.mark.parametrize(("script", "algorithm"), [
    pytest.param('db.accounts.insert({"login": "ann", "pwd": "0cc175b9c0f1b6a831c399e269772661"})', "md5", id="md5"),
    pytest.param('[{"user": "bo", "password": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "salt": ""}]', "sha1",
                 id="sha1-empty-salt"),
    pytest.param("{user: 'cy', password_hash: '" + "9f" * 32 + "'}", "sha256", id="sha256-js"),
    pytest.param('{"name": "di", "password": "$2b$12$' + "a" * 53 + '"}', "bcrypt", id="bcrypt"),
    pytest.param('{"name": "ed", "password": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}', "argon2", id="argon2"),
])
def test_the_stored_form_of_a_seeded_password_names_its_hashing(script: str, algorithm: str) -> None:
    found = seeded_hashing(script)
    assert found is not None and found.algorithm == algorithm


@pytest.mark.parametrize("script", [
    pytest.param('{"user": "fa", "password": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "salt": "x81Kq"}',
                 id="salted-hex-could-be-a-kdf"),
    pytest.param('{"user": "gu", "password": "changeme"}', id="clear-text-word"),
    pytest.param('{"user": "ha", "password_reset_token": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"}',
                 id="another-key-with-the-word"),
    pytest.param('{"sku": "k-1", "checksum": "0cc175b9c0f1b6a831c399e269772661"}', id="no-password-key"),
])
def test_a_seed_says_nothing_when_no_password_has_a_telling_form(script: str) -> None:
    assert seeded_hashing(script) is None


def test_the_weakest_record_is_the_seeds_and_its_line_is_given() -> None:
    script = ('db.people.insertMany([\n  {"n": "a", "password": "$2y$10$' + "b" * 53 + '"},\n'
              '  {"n": "b", "password": "0cc175b9c0f1b6a831c399e269772661"}\n]);\n')
    found = seeded_hashing(script)
    assert found is not None
    assert (found.algorithm, found.line, found.records) == ("md5", 3, 2)


_STORE = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {{name: people-seed}}
    data:
      seed.js: |
        db.people.insertMany([{{"login": "ann", "password": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "salt": ""}}]);
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: people-db}}
    spec:
      selector: {{matchLabels: {{app: people-db}}}}
      template:
        metadata: {{labels: {{app: people-db}}}}
        spec:
          containers:
            - name: people-db
              image: mongo:7.0
              volumeMounts:
                - {{mountPath: {mount}, name: seed}}
          volumes:
            - {{name: seed, configMap: {{name: people-seed}}}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {{name: people-db}}
    spec: {{selector: {{app: people-db}}, ports: [{{port: 27017}}]}}
"""


def _callers(n: int) -> str:
    return "".join(f"""
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: app{i}}}
    spec:
      selector: {{matchLabels: {{app: app{i}}}}}
      template:
        metadata: {{labels: {{app: app{i}}}}}
        spec:
          containers:
            - name: app{i}
              image: example/app{i}:1.0
              env: [{{name: DB_HOST, value: people-db}}]
""" for i in range(n))


def test_a_mounted_seed_gives_its_hashing_to_the_one_service_reaching_the_store(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "all.yaml", _STORE.format(mount="/docker-entrypoint-initdb.d") + _callers(1))
    app = fact(design_of(kubernetes.import_path(path)), "service:app0")
    assert app.data["password_hashing"] == "sha1"


@pytest.mark.parametrize(("mount", "callers"), [
    pytest.param("/docker-entrypoint-initdb.d", 2, id="two-services-reach-the-store"),
    pytest.param("/opt/fixtures", 1, id="not-the-init-directory"),
])
def test_no_hashing_is_given_when_the_seed_is_not_run_or_its_owner_is_unsaid(
        tmp_path: os.PathLike[str], mount: str, callers: int) -> None:
    path = write(str(tmp_path), "all.yaml", _STORE.format(mount=mount) + _callers(callers))
    design = design_of(kubernetes.import_path(path))
    assert all("password_hashing" not in fact(design, f"service:app{i}").data for i in range(callers))
