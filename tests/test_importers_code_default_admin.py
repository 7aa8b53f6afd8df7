"""An administrator a service's own SQL inserts with a password hash written out (code_default_admin): the
service's default_admin_password."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_default_admin, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_HASH = "$2b$10$" + "Q" * 53
_ARGON = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def _service(root: str, sql: str, where: str = "db/migrations/0001_init/migration.sql") -> dict[str, Any]:
    write(root, "ledger/package.json", '{"name": "ledger"}')
    write(root, "ledger/server.js", "const express = require('express');\nconst app = express();\n"
                                    "app.get('/api/ping', (req, res) => res.send('ok'));\napp.listen(3000);\n")
    write(root, f"ledger/{where}", sql)
    docs = load_artifacts([f"source:ledger={os.path.join(root, 'ledger')}"])
    return load_documents(docs).by_key()["service:ledger"].data


@pytest.mark.parametrize("sql", [
    f"INSERT INTO \"user\" (user_id, username, role, password) VALUES ('7f1', 'admin', 'admin', '{_HASH}');",
    f"insert into users (email, password_hash, is_superuser)\nvalues ('ops@example.org', '{_ARGON}', true);",
    "INSERT INTO accounts (name, passwd, is_admin) VALUES ('jo', 'x', false), "
    "('root', 'pbkdf2_sha256$600000$salt$digest=', 1);",
], ids=["bcrypt-role-admin", "argon2-superuser-flag", "second-row-django-hash"])
def test_a_migration_inserting_an_administrator_with_a_written_out_hash_ships_a_default_password(
        tmp_path: Any, sql: str) -> None:
    assert _service(str(tmp_path), sql)["default_admin_password"] is True


@pytest.mark.parametrize("sql", [
    f"INSERT INTO users (username, role, password) VALUES ('reader', 'viewer', '{_HASH}');",
    "INSERT INTO users (username, role, password) VALUES ('admin', 'admin', :initial_password);",
    f"INSERT INTO users VALUES ('admin', 'admin', '{_HASH}');",
    f"INSERT INTO settings (name, password) VALUES ('admin', '{_HASH}');",
], ids=["not-an-administrator", "password-bound-at-setup", "no-column-list", "not-a-users-table"])
def test_nothing_is_said_without_an_administrator_row_holding_a_written_out_hash(tmp_path: Any, sql: str) -> None:
    assert "default_admin_password" not in _service(str(tmp_path), sql)


def test_a_test_fixtures_administrator_is_no_installations(tmp_path: Any) -> None:
    sql = f"INSERT INTO users (username, role, password) VALUES ('admin', 'admin', '{_HASH}');"
    assert "default_admin_password" not in _service(str(tmp_path), sql, "tests/fixtures/seed.sql")


def test_the_seeded_row_is_located_and_named() -> None:
    sql = f"-- seed\nINSERT INTO admin_users (login, password) VALUES ('root', '{_HASH}');\n"
    found = code_default_admin.seeded_admin([("db/seed.sql", sql)])
    assert found is not None
    assert (found.table, found.named, found.at.line) == ("admin_users", "login 'root'", 2)


@pytest.mark.parametrize(("code", "variable"), [
    ('ENV.fetch("CONSOLE_PASSWORD", "console")', "CONSOLE_PASSWORD"),
    ('ENV.fetch("CONSOLE_PASS") { "console" }', "CONSOLE_PASS"),
    ("ENV['CONSOLE_PWD'] || 'console'", "CONSOLE_PWD"),
    ('os.getenv("CONSOLE_PASSWORD", "console")', "CONSOLE_PASSWORD"),
    ('os.environ.get("CONSOLE_PASSWORD", "console")', "CONSOLE_PASSWORD"),
    ("process.env.CONSOLE_PASSWORD || 'console'", "CONSOLE_PASSWORD"),
    ('process.env["CONSOLE_PASSWORD"] ?? "console"', "CONSOLE_PASSWORD"),
    ("${CONSOLE_PASSWORD:-console}", "CONSOLE_PASSWORD"),
], ids=["ruby-fetch", "ruby-fetch-block", "ruby-or", "python-getenv", "python-environ-get", "js-or", "js-nullish",
        "shell-default"])
def test_a_password_setting_read_with_a_literal_fallback_is_found(code: str, variable: str) -> None:
    found = code_default_admin.password_fallbacks(f"x = 1\n{code}\n")
    assert [f.variable for f in found] == [variable]
    assert found[0].offset == len("x = 1\n")


@pytest.mark.parametrize("code", [
    'ENV.fetch("CONSOLE_PASSWORD")',
    'ENV.fetch("CONSOLE_USERNAME", "ops")',
    'ENV.fetch("PASSPORT_HOST", "localhost")',
    "process.env.PWD || '/srv'",
    "${CONSOLE_PASSWORD}",
    "${CONSOLE_PASSWORD:?must be set}",
], ids=["no-fallback", "user-name", "word-containing-pass", "working-directory", "no-default", "required"])
def test_no_fallback_is_found_without_a_password_setting_and_a_literal(code: str) -> None:
    assert code_default_admin.password_fallbacks(code) == []


@pytest.mark.parametrize(("text", "key"), [
    ('{\n  setup: {\n    admin_password: "letmein"\n  }\n}', "admin_password"),
    ('{"adminPassword": "let me in"}', "adminPassword"),
    ("superuser_password = letmein\n", "superuser_password"),
    ("ADMIN_PASS=letmein\n", "ADMIN_PASS"),
], ids=["hjson", "json", "toml-bare", "env-file"])
def test_a_configuration_key_setting_an_administrators_password_is_found(text: str, key: str) -> None:
    found = code_default_admin.admin_password_setting(text)
    assert found is not None and found[0] == key and text[found[1]:].startswith(key)


@pytest.mark.parametrize("text", [
    "# admin_password: letmein\n",
    "// admin_password: letmein\n",
    "admin_password: ${ADMIN_PASSWORD}\n",
    'admin_password: ""\n',
    "admin_password:\n  other: value\n",
    "admin_password: null\n",
    "admin_password_file: /run/secrets/admin\n",
    'admin_password: "<your password>"\n',
    'user_password: "letmein"\n',
], ids=["hash-comment", "slash-comment", "variable", "empty", "no-value-on-its-line", "null", "a-file", "slot",
        "not-an-administrator"])
def test_no_administrator_password_is_found_when_none_is_written_out(text: str) -> None:
    assert code_default_admin.admin_password_setting(text) is None


@pytest.mark.parametrize(("variable", "admin"), [
    ("ADMIN_PASSWORD", True), ("KC_BOOTSTRAP_ADMIN_PASSWORD", True), ("FIRST_SUPERUSER_PASSWORD", True),
    ("GF_SECURITY_ADMIN_PASSWORD", True), ("PGADMIN_DEFAULT_PASSWORD", True), ("DJANGO_SUPERUSER_PASSWORD", True),
    ("MYSQL_ROOT_PASSWORD", False), ("ADMIN_PASSWORD_FILE", False), ("ADMIN_USER", False), ("SMTP_PASSWORD", False),
    ("DB_ADMIN_PASSWORD", False), ("LDAP_ADMIN_PASSWORD", False), ("RABBITMQ_ADMIN_PASS", False),
])
def test_an_administrator_password_variable_is_told_by_its_name(variable: str, admin: bool) -> None:
    assert code_default_admin.names_admin_password(variable) is admin
