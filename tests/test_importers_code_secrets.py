"""`import source`: credentials written out in code become ``secrets_source: repo_config``, named, never shown."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.importers import import_paths, load_artifacts
from engine.importers.code_secrets import credential_name, scan, secrets_of_file
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write, write_yaml
from tests.importer_helpers import fact


def found(name: str, text: str) -> list[tuple[str, int]]:
    """(name, line) of each credential a file of that name and text writes out."""
    import textwrap

    return [(s.name, s.at.line) for s in secrets_of_file(name, textwrap.dedent(text).lstrip("\n"))]


@pytest.mark.parametrize(("file", "text", "expected"), [
    pytest.param("config.js", """
        module.exports = {
          session: {
            name: 'sid',
            secret: 'keyboard cat',
          },
          "apiKey": "k-123",
        };
    """, [("secret", 4), ("apiKey", 6)], id="js-object-keys"),
    pytest.param("db.js", """
        const dbPassword = "hunter2";
        this.clientSecret = 'abc';
        headers['X-Api-Key'] = 'k';
    """, [("dbPassword", 1), ("clientSecret", 2), ("X-Api-Key", 3)], id="js-assignments"),
    pytest.param("Jpa.java", """
        class Jpa {
            private static final String SIGNING_KEY = "s3cr3t";
            DataSource ds() {
                DataSourceBuilder b = DataSourceBuilder.create();
                b.username("orders");
                b.password("changeme");
                props.setPassword("pw");
                props.put("mail.smtp.password", "pw2");
                return b.build();
            }
        }
    """, [("SIGNING_KEY", 2), ("password", 6), ("Password", 7), ("mail.smtp.password", 8)], id="java-setters"),
    pytest.param("app.py", """
        import pika
        app.secret_key = "dev"
        app.config["JWT_SECRET"] = "jwt"
        DB = {"password": "root"}
        connect(host="db", passwd="pw")
        creds = pika.PlainCredentials("guest", "guest")
    """, [("secret_key", 2), ("JWT_SECRET", 3), ("password", 4), ("passwd", 5), ("PlainCredentials(password)", 6)],
        id="python-forms"),
    pytest.param("db.php", """
        <?php
        $password = 'rootpw';
        $cfg = ['db_pass' => "pw"];
        define('AUTH_KEY', 'k');
    """, [("password", 2), ("db_pass", 3), ("AUTH_KEY", 4)], id="php-forms"),
])
def test_a_literal_given_to_a_credential_name_is_found_with_its_line(file: str, text: str,
                                                                      expected: list[tuple[str, int]]) -> None:
    assert found(file, text) == expected


@pytest.mark.parametrize(("file", "text"), [
    pytest.param("a.js", "const secret = '';\nconst token = \"\";\n", id="empty-strings"),
    pytest.param("a.js", "const password = process.env.DB_PASSWORD || 'x' + y;\n", id="process-env"),
    pytest.param("a.js", "const secret = `${process.env.S}`;\n", id="template-reference"),
    pytest.param("a.js", "cfg.password = '${DB_PASSWORD}';\ncfg.secret = '<your-secret>';\n", id="placeholders"),
    pytest.param("a.js", "const passwordField = 'pw';\nconst token_url = 'https://x/token';\n", id="name-mentions"),
    pytest.param("a.js", "if (password === 'x') {}\nif (token != 'y') {}\n", id="comparisons"),
    pytest.param("a.js", "// const secret = 'old';\n/* password: 'pw' */\n", id="comments"),
    pytest.param("a.js", "fetch(u, {credentials: 'include'});\nconst RANGE_TOKEN = '__r';\n", id="not-credentials"),
    pytest.param("a.js", "const fields = {password: 'password'};\n", id="a-field-named-like-itself"),
    pytest.param("a.js", "const SENSITIVE = ['password', 'token'];\n", id="a-list-of-names"),
    pytest.param("a.py", "secret_name = 'db-creds'\npassword = os.getenv('DB_PASSWORD', 'x')\n", id="python-refs"),
    pytest.param("a.py", "key = get_secret('db')\nv = vault.read_password('x')\nverify_password('pw')\n",
                 id="python-getters"),
    pytest.param("a.py", "key, key_hash = self._make_api_key('hcw_')\ntoken = gen_token('user')\n",
                 id="private-and-short-factories"),
    pytest.param("a.py", "private_key = '/etc/keys/key.pem'\nPASSWORD_ENV = 'DB_PASSWORD'\n", id="paths-and-env-names"),
    pytest.param("A.java", 'String pw = System.getenv("DB_PASSWORD");\n@Value("${db.password}") String password;\n'
                 'String s = getSecret("name");\n', id="java-refs"),
    pytest.param("a.py", "def broken(:\n    password = 'x'\n", id="python-that-does-not-parse"),
    pytest.param("a.py", "llm = Client(api_key='EMPTY', base_url=url)\ntoken = 'not-needed'\npassword = 'Dummy'\n",
                 id="words-standing-for-no-key"),
    pytest.param("settings.py", "ACCOUNT_FORMS = {'reset_password': 'cookbook.forms.CustomPasswordResetForm'}\n"
                 "ACCOUNT_RATE_LIMITS = {'change_password': '1/m/user', 'reset_password': '1/m/ip,1/m/key'}\n"
                 "THROTTLE = {'api_token': '10/day'}\n", id="class-references-and-rates"),
    pytest.param("Form.php", "<?php\n$rules = ['password' => 'required|string|min:16|confirmed', 'token' => 'required',"
                 "\n 'current_password' => 'current_password'];\n", id="laravel-validation-rules"),
    pytest.param("services.php", "<?php\nreturn ['pushover' => ['token' => 'fake_token', 'user_token' => 'FAKE']];\n",
                 id="fake-values"),
    pytest.param("Keys.php", "<?php\nclass Keys {\n  private const string PRIVATE_KEY = 'oauth_private_key';\n}\n",
                 id="a-key-named-for-the-credential"),
])
def test_references_placeholders_and_mentions_are_not_credentials(file: str, text: str) -> None:
    assert found(file, text) == []


def test_typescript_enum_members_are_labels_not_credentials() -> None:
    text = """
        export enum AuthScheme {
          BEARER = 'Bearer',
          API_KEY = 'key-header',
        }
        const enum Slots { Secret = 'slot_s', Token = "t" }
        export const client = { apiKey: 'live_81c2f0aa' };
        """
    assert found("auth.ts", text) == [("apiKey", 6)]


@pytest.mark.parametrize("name", ["password", "DB_PASSWORD", "clientSecret", "session.secret", "X-Api-Key", "apikey",
                                  "accessToken", "token", "privateKey"])
def test_credential_names(name: str) -> None:
    assert credential_name(name)


@pytest.mark.parametrize("name", ["passwordField", "token_url", "secret_name", "loginToken", "withCredentials",
                                  "credentials", "key", "username"])
def test_names_that_merely_mention_a_credential(name: str) -> None:
    assert not credential_name(name)


def test_tests_fixtures_examples_dependencies_and_generated_files_are_not_read(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    literal = "const secret = 'kept';\n"
    for name in ["svc/test/a.js", "svc/src/test/java/A.java", "svc/fixtures/a.js", "svc/examples/a.js",
                 "svc/node_modules/lib/a.js", "svc/api.spec.js", "svc/api.test.ts", "svc/test_app.py",
                 "svc/AppTests.java", "svc/conftest.py", "svc/public/vendor.js", "svc/app.min.js",
                 "svc/management/commands/seed_basic_data.py", "svc/seeds.js", "svc/seed.ts"]:
        write(tmp, name, literal if name.endswith((".js", ".ts")) else "secret = 'kept'\n")
    write(tmp, "svc/gen.js", "// Code generated by protoc. DO NOT EDIT.\n" + literal)
    assert scan([f"{tmp}/svc"]) == ()
    write(tmp, "svc/config.js", literal)
    assert [(s.name, s.at.file, s.at.line) for s in scan([f"{tmp}/svc"])] == [("secret", f"{tmp}/svc/config.js", 1)]


def test_a_testing_folder_is_test_support_not_the_services_credentials(tmp_path: Any) -> None:
    # the users a test harness seeds (a module the app loads only for its end-to-end tests) log into nothing real
    tmp = str(tmp_path)
    write(tmp, "hub/src/testing/seed.ts", "const fixtureUser = { email: 'a@b.c', password: 'Seed#2024' };\n")
    assert scan([f"{tmp}/hub"]) == ()
    write(tmp, "hub/src/mail/relay.ts", "export const relay = { password: 'Relay#2024' };\n")
    assert [s.name for s in scan([f"{tmp}/hub"])] == ["password"]


def test_the_web_root_of_an_aspnet_core_app_is_static_files_not_its_code(tmp_path: Any) -> None:
    # wwwroot is what the app serves to browsers: a client library vendored there names constants after keys
    # (a plugin's DATA_KEY), which are nothing the service logs in with
    tmp = str(tmp_path)
    write(tmp, "desk/wwwroot/lib/widgets/js/tabs.js", "const DATA_API_KEY = '.data-api';\n")
    write(tmp, "desk/wwwroot/js/site.js", "const apiKey = 'abc123-browser';\n")
    write(tmp, "desk/Program.cs", "var app = builder.Build();\napp.UseStaticFiles();\napp.Run();\n")
    assert scan([f"{tmp}/desk"]) == ()


def test_a_record_class_field_default_is_data_not_a_credential() -> None:
    member = """
        package shop.members.entity;
        public class Member {
            private String password;
            public Member() {
                password = "placeholder-value";
            }
        }
    """
    assert found("members/src/main/java/shop/members/entity/Member.java", member) == []
    # the same class outside a package of records holds a credential the service uses
    assert found("members/src/main/java/shop/members/client/Member.java", member) == [("password", 5)]
    # a setter call in a record package still sets a credential written out
    seeded = 'package shop.dto;\nclass Admin { Admin() { setPassword("hunter22"); } }\n'
    assert found("svc/src/main/java/shop/dto/Admin.java", seeded) == [("Password", 2)]

SERVER = """
    const express = require('express');
    const session = require('express-session');
    const app = express();
    app.use(session({secret: 'sooper duper', resave: false}));
    app.get('/health', (req, res) => res.send('ok'));
"""


def test_a_service_with_a_literal_secret_keeps_secrets_in_repo_config_by_name_only(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "front/server.js", SERVER)
    docs = import_paths("source", [f"{tmp}/front"])
    svc = fact(load_documents(docs), "service:front")
    assert svc.data["secrets_source"] == "repo_config"
    at = svc.locate("secrets_source")
    assert (at.file, at.line) == (f"{tmp}/front/server.js", 4)
    rv = review([], extra=docs)
    assert [f.subject for f in rv.findings if f.kind == "risk" and f.rule == "secrets-in-code-image-or-repo"] == \
        ["service:front"]


def test_the_secret_survives_placement_behind_a_gateway_and_its_value_is_never_written(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write_yaml(tmp, "compose.yaml", {"services": {"front": {"image": "shop/front", "ports": ["80:8080"]}}})
    write(tmp, "front/server.js", SERVER)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/front"]))
    assert fact(design, "service:front").data["secrets_source"] == "repo_config"
    out = tmp_path / "api.yaml"
    result = CliRunner().invoke(main, ["import", "source", f"{tmp}/front", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "secrets_source: repo_config" in text
    assert "credentials written in the service's code and configuration: secret (" in text and "server.js:4)" in text
    assert "sooper duper" not in text and "sooper duper" not in result.output


def test_a_service_without_literal_secrets_states_nothing_about_them(tmp_path: Any) -> None:
    write(str(tmp_path), "front/server.js", SERVER.replace("'sooper duper'", "process.env.SESSION_SECRET"))
    design = load_documents(import_paths("source", [str(tmp_path / "front")]))
    assert "secrets_source" not in fact(design, "service:front").data


def test_spring_configuration_beside_the_code_is_read_tests_resources_are_not(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "orders/src/main/resources/application.properties", """
        spring.datasource.url=jdbc:mysql://orders-db/orders
        spring.datasource.password=orders_pw
        spring.datasource.username=orders
    """)
    write(tmp, "orders/src/main/resources/bootstrap.yml", """
        spring:
          cloud:
            config:
              password: ${CONFIG_SERVICE_PASSWORD}
        ---
        security:
          oauth2:
            client:
              clientSecret: s3cret
    """)
    write(tmp, "orders/src/test/resources/application.yml", "spring:\n  datasource:\n    password: test\n")
    write(tmp, "orders/src/main/resources/logback.yml", "password: not-spring\n")
    assert [(s.name, s.at.file.rsplit("/", 1)[-1], s.at.line) for s in scan([f"{tmp}/orders"])] == [
        ("spring.datasource.password", "application.properties", 2),
        ("security.oauth2.client.clientSecret", "bootstrap.yml", 9)]


def test_spring_configuration_that_does_not_parse_is_left_to_the_spring_import(tmp_path: Any) -> None:
    write(str(tmp_path), "orders/src/main/resources/application.yml", "spring: [unclosed\n")
    write(str(tmp_path), "orders/Main.java", 'class Main { String apiKey = "k"; }\n')
    assert [s.name for s in scan([str(tmp_path / "orders")])] == ["apiKey"]


def test_a_mock_named_before_what_it_stands_in_for_is_not_read(tmp_path: Any) -> None:
    """``MockPaymentGateway.ts`` is a stand-in as ``PaymentGatewayMock.ts`` is: the ids it invents for its canned
    answers (``token: 'next-day'``) are no credential of the service."""
    tmp = str(tmp_path)
    canned = "export const rates = [{ label: 'Next day', token: 'next-day' }];\n"
    write(tmp, "svc/src/MockPaymentGateway.ts", canned)
    write(tmp, "svc/src/PaymentGatewayMock.ts", canned)
    write(tmp, "svc/src/Mockingbird.ts", canned)  # a word that starts with Mock is no mock
    assert [s.at.file for s in scan([f"{tmp}/svc"])] == [f"{tmp}/svc/src/Mockingbird.ts"]


def test_csharp_secret_objects_and_literals_are_credentials() -> None:
    # a token service's client secret built from a literal, and a constant password; a secret read from the
    # configuration, an empty one and a type mention are none
    text = """
        public static class Clients {
            private const string AdminPassword = "tr0ub4dor&3";
            public static Client Shop() => new Client {
                ClientSecrets = new List<Secret> { new Secret("letmein".Sha256()) },
            };
            public static Client Other(IConfiguration c) => new Client {
                ClientSecrets = { new Secret(c["Other:Secret"]), new ClientSecret("") },
            };
        }
        """
    assert found("Clients.cs", text) == [("AdminPassword", 2), ("Secret", 4)]


def test_a_modules_integration_test_tree_is_not_its_running_code(tmp_path: Any) -> None:
    # Maven Failsafe keeps integration tests and their configuration in src/it, Gradle in src/integrationTest:
    # a client secret for the test realm there is not the service's.
    tmp = str(tmp_path)
    write(tmp, "billing/src/main/resources/application.properties", "server.port=8080\n")
    write(tmp, "billing/src/it/resources/application.properties", "keycloak.credentials.secret=it-only\n")
    write(tmp, "billing/src/integrationTest/java/BillingFlow.java", 'class BillingFlow { String apiKey = "k"; }\n')
    assert scan([f"{tmp}/billing"]) == ()
    # a package that happens to be called "it" inside the running code is still read
    write(tmp, "billing/src/main/java/it/shop/Keys.java", 'class Keys { String apiKey = "live"; }\n')
    assert [s.name for s in scan([f"{tmp}/billing"])] == ["apiKey"]


def test_routes_of_an_integration_test_tree_are_not_the_services(tmp_path: Any) -> None:
    from engine.importers.code_routes import code_files

    tmp = str(tmp_path)
    write(tmp, "billing/src/main/java/billing/InvoiceController.java", "class InvoiceController {}\n")
    write(tmp, "billing/src/it/java/billing/InvoiceFlowIT.java", "class InvoiceFlowIT {}\n")
    write(tmp, "billing/src/it/java/billing/StubController.java", "class StubController {}\n")
    assert [f.rsplit("/", 1)[-1] for f in code_files(f"{tmp}/billing")] == ["InvoiceController.java"]


SCHEMA = """
def configuration_schema():
    return {
        "type": "object",
        "properties": {"url": {"type": "string"}, "channel": {"type": "string"}},
        "secret": %s,
    }
"""


@pytest.mark.parametrize(("value", "found"), [
    ('"url"', []),  # names the schema's own field `url`: which option is secret, not a secret
    ('"hunter2-prod"', ["secret"]),  # a value no field of the structure is named: a credential
])
def test_a_credential_key_naming_a_field_of_its_own_structure_is_no_credential(value: str, found: list[str]) -> None:
    assert [s.name for s in secrets_of_file("destination.py", SCHEMA % value)] == found


_REFUSING = """
import os
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY = os.getenv("APP_SECRET_KEY")
if not (SECRET_KEY or "").strip() or SECRET_KEY == "change-me":
    raise ImproperlyConfigured("set APP_SECRET_KEY")
if os.environ.get("API_TOKEN") in ("", "replace-me"):
    raise RuntimeError("set API_TOKEN")
DB_PASSWORD = os.getenv("DB_PASSWORD")
if DB_PASSWORD == "example":
    print("warning: the example password")
if DB_PASSWORD == "example" and os.getenv("ENVIRONMENT") != "local":
    raise RuntimeError("refused outside local only")

def check():
    if os.getenv("MAIL_PASSWORD") == "x":
        raise RuntimeError("in a function: when it runs is not known")
"""


def test_values_the_code_refuses_to_start_with_are_read_at_module_level_only() -> None:
    from engine.importers.code_secrets import refused_values

    got = refused_values([("app/settings.py", _REFUSING.lstrip("\n")), ("app/notes.txt", "raise")])
    assert {k: (sorted(v), str(at)) for k, (v, at) in got.items()} == {
        "APP_SECRET_KEY": (["change-me"], "app/settings.py:6:5"),
        "API_TOKEN": (["", "replace-me"], "app/settings.py:8:5")}


@pytest.mark.parametrize(("deployed", "kept"), [("change-me", False), ("a-real-key-committed-here", True)],
                         ids=["refused-placeholder", "working-secret"])
def test_a_committed_placeholder_the_code_refuses_is_no_repo_secret(tmp_path: Any, deployed: str, kept: bool) -> None:
    tmp = str(tmp_path)
    compose = write_yaml(tmp, "compose.yaml", {"services": {"web": {
        "image": "shop/web", "ports": ["8000:8000"], "environment": {"APP_SECRET_KEY": deployed}}}})
    write(tmp, "web/app/settings.py", _REFUSING)
    design = load_documents(load_artifacts([f"compose={compose}", f"source:web={tmp}/web"]))
    assert ("secrets_source" in fact(design, "service:web").data) is kept
