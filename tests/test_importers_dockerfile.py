"""import compose reads the Dockerfile of each build context, and imports the published consoles of
observability containers as admin endpoints (issue 12)."""

from __future__ import annotations

import os

from engine.importers import compose, uwsgi_conf
from engine.importers.infra import literal_secret
from tests.helpers import write
from tests.importer_helpers import design_of, fact


def _project(tmp: str, compose_text: str, files: dict[str, str]) -> str:
    for name, text in files.items():
        write(tmp, name, text)
    return write(tmp, "docker-compose.yml", compose_text)


def test_a_project_build_of_a_database_is_known_by_its_base_image(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          mongodb:
            build: {context: mongo}
            image: ${REPO:-acme}/rs-mongodb:1.0
          api:
            image: acme/api:1.0
            environment: {MONGO_URL: "mongodb://mongodb:27017/app"}
        """, {"mongo/Dockerfile": "# our seed data\nFROM mongo:5\nCOPY *.js /docker-entrypoint-initdb.d/\n"})
    d = design_of(compose.import_file(path))
    db = fact(d, "datastore:mongodb")
    assert (db.data["engine"], db.data["kind"], db.data["authentication"]) == ("mongodb", "document", "none")
    where = db.locate("authentication")
    assert (os.path.relpath(where.file, str(tmp_path)), where.line) == (os.path.join("mongo", "Dockerfile"), 2)


def test_the_final_stage_sets_the_environment_and_compose_overrides_it(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          shipping:
            build: ./shipping
            environment: {DB_HOST: shipping-db}
          cart: {image: acme/cart:1.0}
          mysql: {image: "mysql:8.0", environment: {MYSQL_ROOT_PASSWORD_FILE: /run/secrets/root}}
          shipping-db: {image: "postgres:16", environment: {POSTGRES_PASSWORD_FILE: /run/secrets/pg}}
        """, {"shipping/Dockerfile": """
        FROM maven:3 AS build
        ENV BUILD_ONLY=mysql
        RUN mvn package

        FROM eclipse-temurin:17
        ENV CART_ENDPOINT=cart:8080 \\
            DB_HOST=mysql
        CMD ["java", "-jar", "app.jar"]
        """})
    d = design_of(compose.import_file(path))
    edges = {(i.data["from"], i.data["to"]): i for i in d.of_kind("interaction")}
    assert set(edges) == {("shipping", "cart"), ("shipping", "shipping-db")}  # DB_HOST=mysql overridden
    cart = edges[("shipping", "cart")]
    assert "CART_ENDPOINT (environment of shipping, " in cart.data["inferred_from"]
    assert cart.locate("from").line == 6 and cart.locate("from").file.endswith(os.path.join("shipping", "Dockerfile"))


def test_build_args_and_targets_are_followed(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          db:
            build: {context: db, target: server, args: {FLAVOUR: "postgres:16"}}
        """, {"db/Dockerfile": """
        ARG FLAVOUR=mysql:8.0
        FROM $FLAVOUR AS server
        ENV POSTGRES_HOST_AUTH_METHOD=trust
        FROM busybox AS tools
        """})
    db = fact(design_of(compose.import_file(path)), "datastore:db").data
    assert (db["engine"], db["authentication"]) == ("postgres", "none")


def test_credentials_baked_into_an_image_are_named_never_shown(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          mysql: {build: mysql}
          api: {image: acme/api:1.0, depends_on: [mysql]}
        """, {"mysql/Dockerfile": "FROM mysql:5.7\nENV MYSQL_ALLOW_EMPTY_PASSWORD=yes \\\n"
                                   "    MYSQL_USER=shipping MYSQL_PASSWORD=hunter2-x9\n"})
    docs = compose.import_file(path)
    db = fact(design_of(docs), "datastore:mysql")
    assert (db.data["authentication"], db.data["credentials_source"]) == ("none", "repo_config")
    said = [n for n in docs[0].notes.get("datastore:mysql", []) if "credentials_source" in n]
    assert said == ["credentials_source repo_config: credentials written in the configuration: MYSQL_PASSWORD "
                    "(values not shown)"]
    assert "hunter2" not in repr(docs[0].data) + repr(docs[0].notes)


def test_a_switch_is_not_a_credential() -> None:
    assert [literal_secret(k, v) for k, v in [("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"), ("REDIS_PASSWORD", "true"),
                                                ("DB_PASSWORD", "s3cret"), ("DB_PASSWORD", "${PW}")]] == [
        False, False, True, False]


def test_a_dockerfile_that_cannot_be_used_is_said_and_the_import_goes_on(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          a: {build: ./a}
          b: {build: {context: ./b, dockerfile: Containerfile}}
          c: {build: "https://github.com/acme/c.git#main"}
          d: {build: {context: ./d, target: nope}}
        """, {"b/Containerfile": "# nothing here\n", "d/Dockerfile": "FROM python:3.12\n"})
    docs = compose.import_file(path)
    remarks = sorted(text.replace(str(tmp_path) + os.sep, "") for _at, text in docs[0].remarks)
    assert remarks == [
        "b/Containerfile not read: file with no instructions",
        "build context https://github.com/acme/c.git#main is remote: its Dockerfile is not read",
        "d/Dockerfile has no stage 'nope' (build.target)",
        "no Dockerfile at a/Dockerfile: the image is known by its name alone",
    ]
    assert {s.name for s in design_of(docs).of_kind("service")} == {"a", "b", "c", "d"}


def test_a_published_tracing_console_is_an_admin_endpoint(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          jaeger:
            image: jaegertracing/all-in-one:1.57
            ports: ["16686:16686", "14268"]
          prometheus:
            image: prom/prometheus:v2.51.0
            ports: ["127.0.0.1:9090:9090"]
          zipkin:
            image: openzipkin/zipkin:3
        """, {})
    docs = compose.import_file(path)
    d = design_of(docs)
    ui = fact(d, "endpoint:jaeger-ui").data
    assert {k: ui[k] for k in ("method", "path", "served_by", "exposure", "admin", "authn")} == {
        "method": "GET", "path": "/", "served_by": "jaeger", "exposure": "host", "admin": True, "authn": "none"}
    jaeger = fact(d, "service:jaeger").data
    assert (jaeger["criticality"], jaeger["exposure"]) == ("best_effort", "host")
    # on loopback only, or not published: not reviewed at all
    assert {s.name for s in d.of_kind("service")} == {"jaeger"}
    said = sorted(text for _at, text in docs[0].remarks)
    assert said[0].startswith("jaeger is observability infrastructure, not reviewed, except its console published "
                              "on port 16686")
    assert [s.split(" ")[0] for s in said[1:]] == ["prometheus", "zipkin"]


def test_without_the_parser_the_import_says_which_extra_to_install(tmp_path: object, monkeypatch: object) -> None:
    from engine.importers import dockerfile

    monkeypatch.setattr(dockerfile, "_parser", None)  # type: ignore[attr-defined]
    path = _project(str(tmp_path), "services:\n  store: {build: ./store}\n", {"store/Dockerfile": "FROM postgres:16\n"})
    docs = compose.import_file(path)
    assert [text for _at, text in docs[0].remarks] == [dockerfile.MISSING_PARSER]
    assert "service:store" in design_of(docs).by_key()  # known by its name alone: an application service


def test_a_hostile_dockerfile_is_said_not_crashed_on(tmp_path: object) -> None:
    tmp = str(tmp_path)
    path = _project(tmp, """
        services:
          bytes: {build: ./bytes}
          deep: {build: ./deep}
        """, {"deep/Dockerfile": "FROM postgres:16 AS a0\nENV POSTGRES_HOST_AUTH_METHOD=trust\n" + "".join(
            f"FROM a{i} AS a{i + 1}\nENV K{i}=v{i}\n" for i in range(2000))})
    os.makedirs(os.path.join(tmp, "bytes"))
    with open(os.path.join(tmp, "bytes", "Dockerfile"), "wb") as fh:
        fh.write(b"FROM postgres:16\nENV A=\xff\xfe\n")
    docs = compose.import_file(path)
    said = [text.replace(tmp + os.sep, "") for _at, text in docs[0].remarks]
    assert len(said) == 1 and said[0].startswith("bytes/Dockerfile not read: ")
    # 2,000 stages each built on the one before: the base image and the first stage's ENV are followed back
    assert fact(design_of(docs), "datastore:deep").data["authentication"] == "none"


def test_the_built_images_healthcheck_is_the_services_readiness_unless_compose_states_one(tmp_path: object) -> None:
    path = _project(str(tmp_path), """
        services:
          web: {build: ., ports: ["8000:8000"]}
          stated: {build: ., healthcheck: {disable: true}}
          silenced: {build: {context: ., dockerfile: Dockerfile.none}}
          inherited: {build: {context: ., dockerfile: Dockerfile.stages}}
          pulled: {image: acme/web:1.0}
        """, {"Dockerfile": "FROM python:3.12\nHEALTHCHECK --interval=60s CMD ./fetchstatus.py\nCMD [\"uwsgi\"]\n",
              "Dockerfile.none": "FROM acme/base:1\nHEALTHCHECK NONE\n",
              "Dockerfile.stages": "FROM python:3.12 AS base\nHEALTHCHECK CMD true\nFROM base\nCMD [\"run\"]\n"})
    d = design_of(compose.import_file(path))
    ready = {s: fact(d, f"service:{s}").data.get("health", {}).get("readiness")
             for s in ("web", "stated", "silenced", "inherited", "pulled")}
    # the Dockerfile's own check, compose's over it, HEALTHCHECK NONE, a check a later stage inherits; a pulled image's
    # stays unknown to the import (false: compose states none, and the image is not read)
    assert ready == {"web": True, "stated": False, "silenced": False, "inherited": True, "pulled": False}
    where = fact(d, "service:web").locate("health.readiness")
    assert (os.path.basename(where.file), where.line) == ("Dockerfile", 2)


UWSGI_INI = ("[uwsgi]\nmaster\n# the port\nif-not-env = LISTEN_IPV6\nhttp-socket = :8000\nendif =\n"
             "if-env = LISTEN_IPV6\nhttp-socket = [::]:8000\nendif =\nharakiri = 10\n")


def _entry_tls(tmp: str, compose_text: str, files: dict[str, str], service: str) -> tuple[object, str, int, str]:
    docs = compose.import_file(_project(tmp, compose_text, files))
    entry = fact(design_of(docs), f"endpoint:{service}-entry")
    if "tls" not in entry.data:
        return None, "", 0, ""
    where = entry.locate("tls")
    return entry.data["tls"], os.path.relpath(where.file, tmp), where.line, " ".join(
        docs[0].notes[f"endpoint:{service}-entry"])


def test_uwsgi_run_by_the_images_command_serves_plain_http_on_the_published_port(tmp_path: object) -> None:
    # the Dockerfile's CMD names the ini by its path in the image; the file is found in the build context
    got = _entry_tls(str(tmp_path), """
        services:
          web: {build: {context: ., dockerfile: docker/Dockerfile}, ports: ["8000:8000"]}
        """, {"docker/Dockerfile": 'FROM python:3.12\nCOPY . /opt/app/\n'
                                       'CMD ["uwsgi", "/opt/app/docker/uwsgi.ini"]\n',
                   "docker/uwsgi.ini": UWSGI_INI}, "web")
    assert got[:3] == (False, os.path.join("docker", "uwsgi.ini"), 5)
    assert "uWSGI, which its command runs, serves plain HTTP on the published container port 8000 " \
           "(http-socket = :8000" in got[3]


def test_compose_command_running_uwsgi_in_a_shell_script_wins_over_the_images(tmp_path: object) -> None:
    got = _entry_tls(str(tmp_path), """
        services:
          web:
            build: .
            ports: ["8080:8000"]
            command: bash -c 'while !</dev/tcp/db/5432; do sleep 1; done; uwsgi --ini /srv/conf/uwsgi.ini'
        """, {"Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "app:app"]\n', "conf/uwsgi.ini": UWSGI_INI}, "web")
    assert got[:3] == (False, os.path.join("conf", "uwsgi.ini"), 5)


def test_uwsgi_options_on_the_command_line_are_read(tmp_path: object) -> None:
    got = _entry_tls(str(tmp_path), """
        services:
          web: {image: acme/web:1, ports: ["9000:9000"], command: ["uwsgi", "--http", ":9000", "--module", "a:app"]}
        """, {}, "web")
    assert got[:3] == (False, "docker-compose.yml", 2)


def test_uwsgi_with_tls_on_the_port_another_port_or_the_uwsgi_protocol_says_nothing(tmp_path: object) -> None:
    files = {"Dockerfile": 'FROM python:3.12\nCMD ["uwsgi", "app.ini"]\n',
             "app.ini": "[uwsgi]\nhttp-socket = :8000\nhttps = :8000,cert.pem,key.pem\n",
             "other.ini": "[uwsgi]\nhttp-socket = :8000\n",
             "proto.ini": "[uwsgi]\nsocket = :8000\n",
             "local.ini": "[uwsgi]\nhttp-socket = 127.0.0.1:8000\n",
             "section.ini": "[other]\nhttp-socket = :8000\n"}
    for command in ('["uwsgi", "app.ini"]', '["uwsgi", "other.ini"]', '["uwsgi", "proto.ini"]',
                    '["uwsgi", "local.ini"]', '["uwsgi", "section.ini"]', '["uwsgi", "../outside/other.ini"]'):
        ports = '["9000:9000"]' if "other" in command and "outside" not in command else '["8000:8000"]'
        assert _entry_tls(str(tmp_path), f"services:\n  web: {{build: ., ports: {ports}, command: {command}}}\n",
                          files, "web")[0] is None, command


def test_uwsgi_invocation_reads_ini_files_and_options_of_the_first_uwsgi_only() -> None:
    assert uwsgi_conf.invocation("sh -c 'migrate && exec /usr/local/bin/uwsgi --ini=a.ini --http :80 b.ini; "
                                 "uwsgi c.ini'") == (["a.ini", "b.ini"], ["http=:80"])
    assert uwsgi_conf.invocation(["gunicorn", "app:app"]) is None
    assert uwsgi_conf.invocation("echo 'unbalanced") is None
