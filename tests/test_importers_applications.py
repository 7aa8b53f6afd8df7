"""One application deployed as several processes (a web process and its worker) is one owner of its datastores."""

from __future__ import annotations

import os

import yaml

from engine.errors import Location
from engine.importers import compose_routes, import_paths
from engine.importers.base import Body
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import design_of, fact

_SHOP = """
    services:
      web:
        image: example/shop:2.4
        command: gunicorn shop.wsgi
        ports: ["8000:8000"]
        environment:
          DATABASE_URL: postgres://shop:secret@db:5432/shop
          CACHE_URL: redis://cache:6379/0
      tasks:
        image: example/shop:2.4
        command: celery -A shop worker --loglevel=info
        environment:
          DATABASE_URL: postgres://shop:secret@db:5432/shop
          CACHE_URL: redis://cache:6379/0
      db:
        image: postgres:16
        environment: {POSTGRES_USER: shop, POSTGRES_PASSWORD: secret}
      cache:
        image: redis:7
"""

_ORDERS_APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/orders", methods=["POST"])
    def create():
        return "", 201
"""

_SHARED = ("shared-database-with-several-writers", "datastore-credentials-shared-between-services")


def _findings(docs: list) -> set[tuple[str, str]]:
    return {(f.rule, f.subject) for f in review([], extra=docs).findings}


def _applications(tmp: str, compose_files: list[str], steps: dict[str, list[str]]) -> dict[str, object]:
    """Each service of ``steps`` -> the application the import gives it (None: none), the compose files and one
    source step per service (its folders, relative to ``tmp``) imported together."""
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        docs = [*(import_paths("compose", compose_files) if compose_files else []),
                *(doc for name, folders in steps.items() for doc in import_paths("source", folders, service=name))]
        d = design_of(compose_routes(docs))
    finally:
        os.chdir(cwd)
    return {name: fact(d, f"service:{name}").data.get("application") for name in steps}


def test_a_web_process_and_its_worker_from_one_image_are_one_application(tmp_path: os.PathLike[str]) -> None:
    """Two containers of the same image (reference and tag), one of them a task-queue worker, are processes of one
    application: the database both write and the login both use are one owner's, so neither the shared-database nor
    the shared-login finding is raised; a third service of another image writing it with the same login is."""
    docs = import_paths("compose", [write(str(tmp_path), "docker-compose.yml", _SHOP)])
    d = design_of(docs)
    assert fact(d, "service:web").data.get("application") == "shop"
    assert fact(d, "service:tasks").data.get("application") == "shop"
    assert not {(r, s) for r, s in _findings(docs) if r in _SHARED}
    billing = _SHOP.replace("      db:\n", """      billing:
        image: example/billing:1.0
        environment:
          DATABASE_URL: postgres://shop:secret@db:5432/shop
      db:
""")
    docs = import_paths("compose", [write(str(tmp_path), "docker-compose.yml", billing)])
    assert "application" not in fact(design_of(docs), "service:billing").data
    found = _findings(docs)
    assert ("shared-database-with-several-writers", "datastore:db") in found
    assert ("datastore-credentials-shared-between-services", "datastore:db") in found



def test_a_worker_waiting_for_the_web_process_of_its_own_application_does_not_call_it(
        tmp_path: os.PathLike[str]) -> None:
    """A worker's depends_on on the web process of its own application (one image) is a start order: no call is
    drawn between them, and none is raised on it; a worker of another image keeps the call its depends_on draws."""
    shop = _SHOP.replace("        command: celery -A shop worker --loglevel=info\n",
                         "        command: celery -A shop worker --loglevel=info\n        depends_on: [web]\n")
    mailer = shop.replace("      db:\n", """      mailer:
        image: example/mailer:1.0
        command: celery -A mailer worker
        environment: {LOG_LEVEL: info}
        depends_on: [web]
      db:
""")
    docs = import_paths("compose", [write(str(tmp_path), "docker-compose.yml", mailer)])
    calls = {i.key for i in design_of(docs).of_kind("interaction")}
    assert "interaction:tasks->web" not in calls
    assert "interaction:mailer->web" in calls
    assert any("tasks->web not drawn" in text and "application shop" in text for d in docs for _at, text in d.remarks)
    assert not {s for _r, s in _findings(docs) if s == "interaction:tasks->web"}

def test_containers_of_one_image_that_all_serve_requests_or_of_another_tag_stay_apart(
        tmp_path: os.PathLike[str]) -> None:
    """Containers of one image that all serve requests may be different programs packed into one image (each its
    own service); a worker of another tag of the repository is another build: neither is one application."""
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          users:
            image: example/suite:1.0
            command: UserService
            environment: {MONGO_URL: "mongodb://store:27017/users"}
          posts:
            image: example/suite:1.0
            command: PostService
            environment: {MONGO_URL: "mongodb://store:27017/posts"}
          web:
            image: example/portal:1.0
            ports: ["80:80"]
          jobs:
            image: example/portal:1.1
            command: celery -A portal worker
          store:
            image: mongo:7
        """)
    d = design_of(import_paths("compose", [path]))
    for name in ("users", "posts", "web", "jobs"):
        assert "application" not in fact(d, f"service:{name}").data, name


def test_a_built_web_process_and_worker_with_one_context_and_working_directory_are_one_application(
        tmp_path: os.PathLike[str]) -> None:
    """The same build (context, Dockerfile and working directory), one of them a worker: one application named
    after its working directory; another working directory of the same build runs other code."""
    write(str(tmp_path), "app/Dockerfile", "FROM python:3.12\n")
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          api:
            build: {context: app}
            working_dir: /srv/orders
          worker:
            build: {context: app}
            working_dir: /srv/orders
            command: rq worker default
          audit:
            build: {context: app}
            working_dir: /srv/audit
        """)
    d = design_of(import_paths("compose", [path]))
    assert fact(d, "service:api").data.get("application") == "orders"
    assert fact(d, "service:worker").data.get("application") == "orders"
    assert "application" not in fact(d, "service:audit").data


def test_services_whose_code_is_read_from_the_same_folders_are_one_application(tmp_path: os.PathLike[str]) -> None:
    """Two services given the same code (a web process and its worker running one package) are one application,
    named after the first folder; a service given another folder beside a shared library is not."""
    tmp = str(tmp_path)
    write(tmp, "orders/app.py", _ORDERS_APP)
    write(tmp, "common/util.py", "def helper():\n    return 1\n")
    write(tmp, "audit/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/audit")
        def show():
            return ""
        """)
    assert _applications(tmp, [], {"orders-http": ["orders", "common"], "orders-worker": ["orders", "common"],
                                   "audit": ["audit", "common"]}) == {
        "orders-http": "orders", "orders-worker": "orders", "audit": None}


def test_an_image_built_on_the_application_image_runs_its_code(tmp_path: os.PathLike[str]) -> None:
    """A scheduler whose image is built on another service's image (``FROM ${BASE_IMAGE}`` given that image, a cron
    added to it) runs that service's code: with the web process and the worker of that image, one application."""
    tmp = str(tmp_path)
    write(tmp, "cron/Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN apt-get install -y cron\n")
    path = write(tmp, "docker-compose.yml", """
        services:
          web:
            image: example/tracker:5.1
            ports: ["9000:9000"]
          worker:
            image: example/tracker:5.1
            command: celery -A tracker worker
          cleanup:
            image: tracker-cleanup-local
            build:
              context: ./cron
              args: {BASE_IMAGE: "example/tracker:5.1"}
        """)
    d = design_of(import_paths("compose", [path]))
    for name in ("web", "worker", "cleanup"):
        assert fact(d, f"service:{name}").data.get("application") == "tracker", name


def test_kubernetes_workloads_of_one_image_with_a_worker_among_them_are_one_application(
        tmp_path: os.PathLike[str]) -> None:
    """Two Deployments running the same image, one of them a worker (as another artifact says), are one application;
    a Deployment of another image is not."""
    def deployment(name: str, image: str) -> dict[str, object]:
        labels = {"app": name}
        pod = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": name, "image": image}]}}
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                "spec": {"selector": {"matchLabels": labels}, "template": pod}}

    path = write(str(tmp_path), "manifests.yaml", yaml.safe_dump_all(
        [deployment("web", "example/shop:2.4"), deployment("jobs", "example/shop:2.4"),
         deployment("audit", "example/audit:1.0")]))
    stated = Body("workers.yaml", "api", "source")
    stated.fact("services", {"name": "jobs", "kind": "worker"}, Location("workers.yaml", 1, 1))
    d = design_of(compose_routes([*import_paths("kubernetes", [path]), stated.document()]))
    assert fact(d, "service:web").data.get("application") == "shop"
    assert fact(d, "service:jobs").data.get("application") == "shop"
    assert "application" not in fact(d, "service:audit").data


def test_a_worker_process_of_the_code_a_web_process_serves_serves_none_of_its_routes(
        tmp_path: os.PathLike[str]) -> None:
    """The web process and its worker given the same Flask package: the routes are the web process's; the worker,
    a queue consumer by its compose command, serves none (no endpoint on it, so no endpoint-on-worker contradiction).
    A worker whose code no web process shares keeps what its code maps."""
    tmp = str(tmp_path)
    write(tmp, "shop/app.py", _ORDERS_APP)
    write(tmp, "relay/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/healthz")
        def healthz():
            return ""
        """)
    compose_file = write(tmp, "docker-compose.yml", _SHOP + """
      relay:
        image: example/relay:1.0
        command: rq worker outbox
    """)
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        docs = [*import_paths("compose", [compose_file]),
                *import_paths("source", ["shop"], service="web"),
                *import_paths("source", ["shop"], service="tasks"),
                *import_paths("source", ["relay"], service="relay")]
        composed = compose_routes(docs)
    finally:
        os.chdir(cwd)
    d = design_of(composed)
    served = {(e.data.get("method"), e.data.get("path"), e.data.get("served_by")) for e in d.of_kind("endpoint")}
    assert ("POST", "/orders", "web") in served
    assert not any(by == "tasks" for _m, _p, by in served)
    assert ("GET", "/healthz", "relay") in served
    assert not any(rule == "contradiction-endpoint-on-worker-service" and subject.endswith("tasks")
                   for rule, subject in _findings(composed))


def test_services_sharing_the_folder_that_opens_their_datastore_with_one_connection_are_one_application(
        tmp_path: os.PathLike[str]) -> None:
    """A web process and its worker of one monorepo, each read from its own folder with the data layer they are
    built from, whose code reads the variable both deployments set alike to reach the database, are one application
    (named after the words their names begin with). Services that share only a library that opens nothing (an event
    bus), or the data layer pointed at the store with another connection, stay apart."""
    tmp = str(tmp_path)
    write(tmp, "shop-web/app.py", _ORDERS_APP)
    write(tmp, "shop-worker/main.py", "from data.db import engine\n\ndef run():\n    return engine\n")
    write(tmp, "data/db.py", "import os\n\nengine = os.environ['DATABASE_URL']\n")
    write(tmp, "bus/events.py", "def publish(event):\n    return event\n")
    write(tmp, "audit/app.py", "from bus.events import publish\n\ndef run():\n    return publish(1)\n")
    write(tmp, "report/app.py", "from data.db import engine\n\ndef run():\n    return engine\n")
    url = "postgres://shop:secret@db:5432/shop"
    compose_file = write(tmp, "docker-compose.yml", f"""
        services:
          shop-web:
            build: {{context: shop-web}}
            ports: ["8000:8000"]
            environment: {{DATABASE_URL: "{url}"}}
          shop-worker:
            build: {{context: shop-worker}}
            environment: {{DATABASE_URL: "{url}"}}
          audit:
            build: {{context: audit}}
            environment: {{DATABASE_URL: "{url}"}}
          report:
            build: {{context: report}}
            environment: {{DATABASE_URL: "postgres://report:other@db:5432/shop"}}
          db:
            image: postgres:16
        """)
    assert _applications(tmp, [compose_file], {"shop-web": ["shop-web", "data", "bus"],
                                               "shop-worker": ["shop-worker", "data", "bus"],
                                               "audit": ["audit", "bus"], "report": ["report", "data"]}) == {
        "shop-web": "shop", "shop-worker": "shop", "audit": None, "report": None}
