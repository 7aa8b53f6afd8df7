"""A public URL a service is handed but never calls is no call (session 30, Hoppscotch's PROXY_APP_URL): the backend's
code only stores it as a setting to hand to browsers (``code_settings``), and a one-shot migration job given the same
env_file reaches its database, not the application's third parties (``compose._one_shot_external``)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_settings, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
services:
  db: {image: "postgres:16"}
  backend:
    image: acme/backend:1
    env_file: [.env]
    ports: ["8080:8080"]
  migrate:
    image: acme/backend:1
    env_file: [.env]
    command: sh -c "pnpm exec prisma migrate deploy"
"""
ENV = ("DATABASE_URL=postgresql://app:app@db:5432/app\nPROXY_APP_URL=https://proxy.example.io\n"
       "PAYMENTS_URL=https://api.payments.example.com\n")
SETTINGS = """
import { Settings } from './types';
// the defaults the settings table is seeded with; clients fetch them with the settings query
export function defaults() {
  return [
    { name: Settings.PROXY_APP_URL, value: process.env.PROXY_APP_URL || 'https://proxy.example.io', secret: false },
    { name: Settings.TITLE, value: 'Acme', secret: false },
  ];
}
export const payments = { PAYMENTS_URL: process.env.PAYMENTS_URL };
"""


def _calls(docs: Any) -> set[str]:
    return {f.key.split(":", 1)[1] for f in load_documents(docs).of_kind("interaction")}


def _system(root: str, code: str) -> list[Any]:
    compose = write(root, "docker-compose.yml", COMPOSE)
    write(root, ".env", ENV)
    write(root, "backend/src/settings.ts", code)
    return load_artifacts([f"compose={compose}", f"source={os.path.join(root, 'backend')}"])


def test_a_url_the_code_only_stores_as_a_named_setting_is_no_call(tmp_path: Any) -> None:
    docs = _system(str(tmp_path), SETTINGS)
    calls = _calls(docs)
    assert "backend->proxy.example.io" not in calls
    # the external it named is left out with it (the migration job does not call it either); the others stay
    externals = {f.key for f in load_documents(docs).of_kind("external")}
    assert "external:proxy.example.io" not in externals and "external:api.payments.example.com" in externals
    # a property keyed by the variable itself is a configuration factory's, read back by that key: kept
    assert {"backend->db", "backend->api.payments.example.com"} <= calls
    remarks = [text for d in docs for _at, text in d.remarks if "not drawn" in text and "backend->" in text]
    assert remarks == ["backend->proxy.example.io not drawn: backend's code only stores PROXY_APP_URL in a settings "
                       "record that names it, to hand on, and makes no HTTP request of its own (no fetch, axios, "
                       "HttpService or other client)"]


def test_a_stored_url_is_a_call_when_the_code_has_an_http_client(tmp_path: Any) -> None:
    docs = _system(str(tmp_path), "import axios from 'axios';\n" + SETTINGS)
    assert "backend->proxy.example.io" in _calls(docs)


def test_without_the_code_the_handed_url_stays_a_call(tmp_path: Any) -> None:
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", COMPOSE)
    write(root, ".env", ENV)
    assert "backend->proxy.example.io" in _calls(load_artifacts([f"compose={compose}"]))


def test_a_one_shot_migration_job_calls_no_external_of_the_env_file_it_takes_whole(tmp_path: Any) -> None:
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", COMPOSE.replace(
        "    command: sh", "    environment: {AUDIT_URL: \"https://audit.example.org/v1\"}\n    command: sh"))
    write(root, ".env", ENV)
    docs = load_artifacts([f"compose={compose}"])
    calls = _calls(docs)
    assert "migrate->db" in calls
    assert "migrate->proxy.example.io" not in calls and "migrate->api.payments.example.com" not in calls
    assert "backend->proxy.example.io" in calls  # the server is not a one-shot job
    assert "migrate->audit.example.org" in calls  # set on the job by name: its own
    env = os.path.join(root, ".env")
    assert [text for d in docs for _at, text in d.remarks if text.startswith("migrate->proxy")] == [
        f"migrate->proxy.example.io not drawn: PROXY_APP_URL comes from env_file {env}, which the one-shot job "
        "migrate takes whole with the application's other settings; a migration or set-up step reaches its "
        "datastores, not the application's third parties"]


def test_stored_settings_reads_each_form() -> None:
    record = "const all = [{ key: 'X_URL', value: process.env['X_URL'] }];\n"
    assert code_settings.stored([("a.ts", record)]) == {"X_URL"}
    assert code_settings.stored([("a.js", record)]) == {"X_URL"}
    assert code_settings.stored([("a.py", record)]) == frozenset()
    # read elsewhere as well, into a variable or through a configuration service: not only stored
    assert code_settings.stored([("a.ts", record + "const u = process.env.X_URL;\n")]) == frozenset()
    assert code_settings.stored([("a.ts", record), ("b.ts", "config.get('X_URL');\n")]) == frozenset()
    # a record that does not name the variable, or keys it by the variable only
    assert code_settings.stored([("a.ts", "const r = { value: process.env.X_URL };\n")]) == frozenset()
    assert code_settings.stored([("a.ts", "const r = { X_URL: process.env.X_URL };\n")]) == frozenset()
    # any HTTP client in the code
    for client in ("await fetch(u);", "import got from 'got';", "const h = require('node-fetch');",
                   "constructor(private http: HttpService) {}", "https.request(o);"):
        assert code_settings.stored([("a.ts", record), ("b.ts", client)]) == frozenset(), client
    # a comment naming a client is no client
    assert code_settings.stored([("a.ts", record + "// fetch(u) is done by the browser\n")]) == {"X_URL"}
