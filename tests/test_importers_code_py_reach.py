"""`import source`: what a Python handler reaches through the service's own modules (engine/importers/
code_py_reach.py) -- a paid AI provider call made by a service object the handler calls is the route's paid
operation -- and a handler that fetches the URL of a record it loads by the request's id fetches a user's URL
(engine/importers/code_routes.py)."""

from __future__ import annotations

from typing import Any

from engine.errors import Location
from engine.importers import import_paths, load_artifacts
from engine.importers.code_py_reach import Index, paid_sink
from engine.loader import load_documents
from tests.helpers import write
from tests.test_importers_source import routes

CONTROLLER = """
    from fastapi import APIRouter
    from shop.services.writer import CopyWriter
    from shop.services.local import LocalWriter

    router = APIRouter(prefix="/copy")


    class Controller:
        @property
        def writer(self) -> CopyWriter:
            return CopyWriter(self.settings)

        @router.post("/draft")
        async def draft(self, body: dict):
            return await self.writer.draft(body["topic"])

        @router.post("/local")
        async def local(self, body: dict):
            return LocalWriter().draft(body["topic"])

        @router.get("/list")
        def listed(self):
            return self.writer.names()

        @router.post("/unknown")
        async def unknown(self, helper, body: dict):
            return await helper.draft(body["topic"])
"""

WRITER = """
    from openai import AsyncOpenAI
    from shop.services.base import Base


    class Talker(Base):
        def __init__(self, settings):
            self.client = AsyncOpenAI(api_key=settings.key)

        async def ask(self, prompt):
            return await self.client.chat.completions.create(model="m", messages=[prompt])


    class CopyWriter(Base):
        def __init__(self, settings):
            self.settings = settings

        async def draft(self, topic):
            talker = Talker(self.settings)
            return await talker.ask(self.prompt(topic))

        def prompt(self, topic):
            return "write about " + topic

        def names(self):
            return ["a", "b"]
"""

LOCAL = """
    from openai import OpenAI


    class LocalWriter:
        def draft(self, topic):
            client = OpenAI(base_url="http://llm:8000/v1", api_key="none")
            return client.chat.completions.create(model="m", messages=[topic])
"""

SAME_NAME = """
    class Completions:
        def create(self, **kw):
            return kw


    def run(chat):
        return chat.completions.create(model="m")
"""


def _service(tmp_path: Any) -> str:
    root = str(tmp_path / "shop")
    write(root, "shop/routes/copy.py", CONTROLLER)
    write(root, "shop/services/writer.py", WRITER)
    write(root, "shop/services/local.py", LOCAL)
    write(root, "shop/services/base.py", "class Base:\n    pass\n")
    write(root, "shop/services/fake.py", SAME_NAME)
    write(root, "shop/main.py", """
        from fastapi import FastAPI
        from shop.routes.copy import router

        app = FastAPI()
        app.include_router(router)
    """)
    return root


def test_a_handler_reaching_a_provider_call_through_service_objects_triggers_a_paid_operation(tmp_path: Any) -> None:
    eps = routes(import_paths("source", [_service(tmp_path)]))
    draft = eps["shop-POST-/copy/draft"]
    assert (draft["triggers_paid_operation"], draft["per_user_operation_limit"]) == (True, False)
    # a client pointed at a local model server, a listing that calls nothing paid, and a call on a parameter (what
    # it is the code does not say) are no paid operation
    for key in ("shop-POST-/copy/local", "shop-GET-/copy/list", "shop-POST-/copy/unknown"):
        assert "triggers_paid_operation" not in eps[key], key


def test_the_reach_names_the_call_and_the_functions_followed(tmp_path: Any) -> None:
    root = _service(tmp_path)
    texts = []
    for name in ("shop/routes/copy.py", "shop/services/writer.py", "shop/services/fake.py"):
        path = f"{root}/{name}"
        with open(path, encoding="utf-8") as fh:
            texts.append((path, fh.read()))
    index = Index(texts)
    draft_line = texts[0][1].splitlines().index("    async def draft(self, body: dict):") + 1
    found = index.reach(Location(texts[0][0], draft_line, 5), paid_sink)
    assert found is not None
    call_line = next(i for i, line in enumerate(texts[1][1].splitlines(), 1) if "chat.completions.create" in line)
    assert found.what == f"openai chat.completions.create at writer.py:{call_line}"
    assert found.through == ("draft", "draft", "ask")
    # the same method name in a module that imports no provider package is not the SDK's
    run_line = texts[2][1].splitlines().index("def run(chat):") + 1
    assert index.reach(Location(texts[2][0], run_line, 1), paid_sink) is None


def test_a_handler_posting_to_the_url_of_a_record_the_request_names_fetches_a_user_url(tmp_path: Any) -> None:
    write(str(tmp_path), "hooks/app.py", """
        import requests
        from fastapi import FastAPI, BackgroundTasks

        app = FastAPI()


        @app.post("/hooks/{hook_id}/fire")
        def fire(hook_id: str, tasks: BackgroundTasks):
            hook = store.load(hook_id)
            if hook.kind == "post":
                send = requests.post
            tasks.add_task(send, url=hook.url, json={"ping": 1})


        @app.post("/hooks/{hook_id}/direct")
        def direct(hook_id: str):
            hook = store.load(hook_id)
            return requests.get(hook.callback_url)


        @app.post("/hooks/{hook_id}/checked")
        def checked(hook_id: str):
            hook = store.load(hook_id)
            if not is_allowed_url(hook.url):
                return None
            return requests.post(hook.url)


        @app.post("/status")
        def status():
            cfg = settings.load("x")
            return requests.get(cfg.url)
    """)
    eps = routes(import_paths("source", [str(tmp_path / "hooks")]))
    for key in ("hooks-POST-/hooks/-hook_id-/fire", "hooks-POST-/hooks/-hook_id-/direct"):
        assert (eps[key]["fetches_user_url"], eps[key]["url_allowlist"]) == (True, False), key
    # checked against an allowlist first; a record loaded by no id the request gives (the service's own settings)
    assert "fetches_user_url" not in eps["hooks-POST-/hooks/-hook_id-/checked"]
    assert "fetches_user_url" not in eps["hooks-POST-/status"]


RUST_FRONT = """
    use actix_web::{web, App, HttpResponse};

    pub fn app() -> App {
        App::new()
            .route("/tools/sketch", web::post().to(sketch))
            .route("/tools/status", web::get().to(status))
    }

    async fn relay(client: &reqwest::Client, base: &str, path: &str, body: Vec<u8>) -> HttpResponse {
        let url = format!("{base}{path}");
        let resp = client.post(&url).body(body).send().await;
        HttpResponse::Ok().finish()
    }

    pub async fn sketch(data: web::Data<State>, body: web::Bytes) -> HttpResponse {
        relay(&data.client, &data.painter_url, "/paint", body.to_vec()).await
    }

    pub async fn status() -> HttpResponse {
        HttpResponse::Ok().body("/paint")
    }
"""

PAINTER = """
    from anthropic import Anthropic
    from fastapi import FastAPI

    app = FastAPI()


    def _draw(prompt):
        return Anthropic().messages.create(model="m", max_tokens=10, messages=[prompt])


    @app.post("/paint")
    def paint(body: dict):
        return _draw(body["prompt"])
"""

PAINT_COMPOSE = """
services:
  front: {image: example/front, ports: ["8080:8080"], environment: {PAINTER_URL: "http://painter:8000"}}
  painter: {image: example/painter}
"""


def test_a_rust_route_passing_the_request_on_to_a_paid_route_it_calls_triggers_the_paid_operation(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "front/src/main.rs", RUST_FRONT)
    write(tmp, "painter/main.py", PAINTER)
    compose = write(tmp, "docker-compose.yml", PAINT_COMPOSE)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/front", f"source={tmp}/painter"]))
    eps = {f.key: f.data for f in design.facts if f.kind == "endpoint"}
    paint = next(d for k, d in eps.items() if d.get("served_by") == "painter" and d.get("path") == "/paint")
    assert paint["triggers_paid_operation"] is True
    sketch = next(d for d in eps.values() if d.get("path") == "/tools/sketch")
    assert (sketch["triggers_paid_operation"], sketch["per_user_operation_limit"]) == (True, False)
    # a handler that names the path but sends nothing passes nothing on
    status = next(d for d in eps.values() if d.get("path") == "/tools/status")
    assert "triggers_paid_operation" not in status


NOTIFY_ROUTES = """
    from fastapi import APIRouter, BackgroundTasks
    from alerts.delivery import deliver_one

    router = APIRouter(prefix="/alerts")


    @router.post("/{alert_id}/ping")
    def ping(alert_id: str, tasks: BackgroundTasks):
        alert = repo.fetch(alert_id)
        tasks.add_task(deliver_one, alert, "ping")


    @router.post("/{alert_id}/label")
    def label(alert_id: str, tasks: BackgroundTasks):
        alert = repo.fetch(alert_id)
        tasks.add_task(deliver_one, alert.name, "ping")
"""

NOTIFY_DELIVERY = """
    import requests


    class Sender:
        def send(self, targets):
            for target in targets:
                requests.post(target, json={"ok": True}, timeout=5)


    class Base:
        def __init__(self, owner, sender):
            self.owner = owner
            self.sender = sender


    class Fanout(Base):
        def __init__(self, owner):
            super().__init__(owner, Sender())

        def notify(self, alerts):
            self.sender.send([a.hook_url for a in alerts])


    def deliver_one(alert, message):
        fan = Fanout(alert.owner)
        fan.notify([alert])
"""


def test_a_records_url_followed_through_calls_lists_and_loops_to_a_request_is_a_user_url_fetch(
        tmp_path: Any) -> None:
    root = str(tmp_path / "alerts")
    write(root, "alerts/routes.py", NOTIFY_ROUTES)
    write(root, "alerts/delivery.py", NOTIFY_DELIVERY)
    write(root, "alerts/main.py", """
        from fastapi import FastAPI
        from alerts.routes import router

        app = FastAPI()
        app.include_router(router)
    """)
    eps = routes(import_paths("source", [root]))
    ping = eps["alerts-POST-/alerts/-alert_id-/ping"]
    assert (ping["fetches_user_url"], ping["url_allowlist"]) == (True, False)
    # what it passes on is the record's name, no URL of it
    assert "fetches_user_url" not in eps["alerts-POST-/alerts/-alert_id-/label"]


def test_a_viewset_action_fetching_a_url_its_caller_gives_through_a_module_of_helpers_fetches_a_user_url(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "app/manage.py", """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notes.settings")
    """)
    write(tmp, "app/notes/settings.py", 'ROOT_URLCONF = "notes.urls"\n')
    write(tmp, "app/notes/urls.py", """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter
        from notes.api import LinkViewSet
        router = DefaultRouter()
        router.register(r"links", LinkViewSet)
        urlpatterns = [path("api/", include(router.urls))]
    """)
    write(tmp, "app/notes/api.py", """
        from rest_framework import viewsets
        from rest_framework.decorators import action
        from notes.services import scraper


        class LinkViewSet(viewsets.ModelViewSet):
            @action(methods=["get"], detail=False)
            def preview(self, request):
                url = request.GET.get("url")
                return scraper.title_of(url)

            @action(methods=["get"], detail=False)
            def vetted(self, request):
                url = request.query_params["url"]
                return scraper.title_if_allowed(url)

            @action(methods=["get"], detail=False)
            def news(self, request):
                topic = request.GET.get("topic")
                return scraper.headlines(topic)
    """)
    write(tmp, "app/notes/services/scraper.py", """
        import requests


        def title_of(url):
            return _page(url)


        def _page(address):
            with requests.get(address, timeout=5) as r:
                return r.text


        def title_if_allowed(url):
            if not is_allowed_url(url):
                return None
            return requests.get(url, timeout=5).text


        def headlines(topic):
            return requests.get(f"https://news.example.org/{topic}", timeout=5).text
    """)
    eps = {(e["method"], e["path"]): e for e in routes(import_paths("source", [f"{tmp}/app"])).values()}
    preview = eps[("GET", "/api/links/preview/")]
    assert (preview["fetches_user_url"], preview["url_allowlist"]) == (True, False)
    # compared with an allowlist on the way; a value of the request only placed in a URL the code writes out
    assert "fetches_user_url" not in eps[("GET", "/api/links/vetted/")]
    assert "fetches_user_url" not in eps[("GET", "/api/links/news/")]


def test_a_call_of_a_function_of_a_module_imported_by_name_is_followed() -> None:
    index = Index([("svc/views.py", "from svc import helpers\nimport svc.tools as tools\n\n"
                                    "def handler(request):\n    helpers.one()\n    tools.two()\n    other.three()\n"),
                   ("svc/helpers.py", "def one():\n    return 1\n"),
                   ("svc/tools.py", "def two():\n    return 2\n")])
    start = index.enclosing(Location("svc/views.py", 4, 1))
    assert start is not None
    assert [f.name for _p, f in index.callees(*start)] == ["one", "two"]
