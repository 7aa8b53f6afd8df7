"""`import source` of a Django project (``code_django`` wired into ``code_routes``): its routes on the process that
serves HTTP only, a DRF throttle as the route's rate limit, a GraphQL view's route left out."""

from __future__ import annotations

from typing import Any

from engine.errors import Location
from engine.importers import load_artifacts
from engine.importers.code_routes import Front, Route, build
from engine.loader import load_documents
from tests.helpers import write

_MANAGE = """
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
"""
_SETTINGS = """
    ROOT_URLCONF = "shop.urls"
"""
_URLS = """
    from django.urls import path
    from shop.views import SignIn, MagicSignIn, Orders, GraphQLView
    urlpatterns = [
        path("auth/sign-in/", SignIn.as_view()),
        path("auth/token/", MagicSignIn.as_view()),
        path("api/orders/", Orders.as_view()),
        path("graphql/", GraphQLView.as_view()),
    ]
"""
_VIEWS = """
    from django.views import View
    from rest_framework.views import APIView
    from rest_framework.permissions import AllowAny
    from shop.throttles import AuthenticationThrottle

    class SignIn(View):
        def post(self, request):
            return None

    class MagicSignIn(APIView):
        permission_classes = [AllowAny]
        throttle_classes = [AuthenticationThrottle]
        def post(self, request):
            return None

    class Orders(APIView):
        def get(self, request):
            return None

    class GraphQLView(View):
        def dispatch(self, request, *args, **kwargs):
            if request.method == "POST":
                return None
            return None
"""


def _project(tmp: str) -> str:
    for name, text in (("manage.py", _MANAGE), ("shop/settings.py", _SETTINGS), ("shop/urls.py", _URLS),
                       ("shop/views.py", _VIEWS), ("shop/throttles.py", "class AuthenticationThrottle:\n    pass\n")):
        write(tmp, f"backend/{name}", text)
    return f"{tmp}/backend"


def _endpoints(docs: list[Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    design = load_documents(docs)
    return {(str(f.data.get("served_by")), str(f.data.get("method")), str(f.data.get("path"))): f.data
            for f in design.facts if f.kind == "endpoint"}


def _remarks(docs: list[Any]) -> list[str]:
    return [what for d in docs for _at, what in d.remarks]


_PROCESSES = """
    services:
      redis:
        image: redis:7
      api:
        image: acme/shop
        command: gunicorn shop.wsgi
        ports: ["8000:8000"]
      worker:
        image: acme/shop
        command: celery -A shop worker
      migrator:
        image: acme/shop
        command: python manage.py migrate
"""
"""The web process, a Celery worker and a migrator of one Django image."""


def test_django_routes_go_to_the_web_process_only(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", _PROCESSES)
    code = _project(tmp)
    docs = load_artifacts([f"compose={compose}", *(f"source:{s}={code}" for s in ("api", "worker", "migrator"))])
    served = {k[0] for k in _endpoints(docs) if k[1] != "ANY"}
    assert served == {"api"}  # not the Celery worker, nor the migrator nothing sends a request to
    assert any("Django routes not drawn on worker: the deployment runs it as a queue worker" in r
               for r in _remarks(docs))
    assert any("Django routes not drawn on migrator: nothing in the deployment sends it a request" in r
               for r in _remarks(docs))


def test_without_a_deployment_the_django_routes_stay(tmp_path: Any) -> None:
    code = _project(str(tmp_path))
    eps = _endpoints(load_artifacts([f"source:api={code}"]))
    assert ("api", "POST", "/auth/sign-in/") in eps
    assert ("api", "GET", "/api/orders/") in eps


def test_a_drf_throttle_is_the_routes_rate_limit_and_a_sign_ins_brute_force_protection(tmp_path: Any) -> None:
    eps = _endpoints(load_artifacts([f"source:api={_project(str(tmp_path))}"]))
    magic = eps[("api", "POST", "/auth/token/")]
    assert magic.get("rate_limit") is True
    assert magic.get("auth_flow") is True and magic.get("brute_force_protection") is True
    assert magic.get("authn") == "none"  # AllowAny
    sign_in = eps[("api", "POST", "/auth/sign-in/")]  # a plain View: no throttle stated, nothing claimed
    assert sign_in.get("auth_flow") is True
    assert "rate_limit" not in sign_in and "brute_force_protection" not in sign_in
    assert "rate_limit" not in eps[("api", "GET", "/api/orders/")]


def test_a_throttle_wins_over_a_fronts_no_rate_limit() -> None:
    at = Location("shop/urls.py", 3, 5)
    front = Front("edge", "/", False, {"rate_limit": False}, {"rate_limit": Location("edge.conf", 4, 1)},
                  "endpoint:edge-route")
    routes = (Route("POST", "/auth/token/", at, "Django URL pattern",
                    throttle="its Django REST framework throttle_classes are AuthenticationThrottle (MagicSignIn)"),
              Route("POST", "/auth/sign-in/", at, "Django URL pattern"))
    doc = build("api", routes, Location("shop"), {"api": [front]})
    eps = {(e["method"], e["path"]): e for e in doc.data["endpoints"]}
    assert eps[("POST", "/auth/token/")]["rate_limit"] is True
    assert eps[("POST", "/auth/token/")]["brute_force_protection"] is True
    assert eps[("POST", "/auth/sign-in/")]["rate_limit"] is False  # the front's, its code throttles nothing
    assert "brute_force_protection" not in eps[("POST", "/auth/sign-in/")]


def test_a_graphql_views_route_is_left_out_and_said(tmp_path: Any) -> None:
    docs = load_artifacts([f"source:api={_project(str(tmp_path))}"])
    assert not [k for k in _endpoints(docs) if "graphql" in k[2]]
    assert any(r.startswith("POST /graphql/ not drawn: its view (GraphQLView") and "GraphQL schema" in r
               for r in _remarks(docs))


_VIEWS_WITH_CALLS = """
    import logging
    import os
    import requests
    from openai import OpenAI
    from rest_framework.views import APIView

    logger = logging.getLogger(__name__)

    class Suggest(APIView):
        def post(self, request):
            client = OpenAI()
            logger.info("reset with token %s", request.data["token"])
            return requests.get(os.environ["PARTNER_URL"] + "/api", timeout=5)
"""
_TASKS = """
    from celery import shared_task
    from openai import OpenAI

    @shared_task
    def summarise():
        return OpenAI()
"""


def test_a_view_modules_calls_and_logs_stay_on_the_web_process(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          api:
            image: acme/shop
            command: gunicorn shop.wsgi
            ports: ["8000:8000"]
            environment: {PARTNER_URL: "http://partner:8080"}
          worker:
            image: acme/shop
            command: celery -A shop worker
            environment: {PARTNER_URL: "http://partner:8080"}
          partner:
            image: acme/partner
    """)
    for name, text in (("manage.py", _MANAGE), ("shop/settings.py", _SETTINGS),
                       ("shop/urls.py", 'from django.urls import path\nfrom shop.views import Suggest\n'
                                        'urlpatterns = [path("api/suggest/", Suggest.as_view())]\n'),
                       ("shop/views.py", _VIEWS_WITH_CALLS), ("shop/tasks.py", _TASKS)):
        write(tmp, f"backend/{name}", text)
    docs = load_artifacts([f"compose={compose}", *(f"source:{s}={tmp}/backend" for s in ("api", "worker"))])
    design = load_documents(docs)
    facts = {f.key: f for f in design.facts}
    # the OpenAI client built in the view is the web process's alone; the one in the Celery task the worker's too
    assert "interaction:api->openai" in facts
    assert facts["interaction:worker->openai"].location.file.endswith("shop/tasks.py")
    assert facts["service:api"].data.get("logs_sensitive_data") is True
    assert "logs_sensitive_data" not in facts["service:worker"].data
    said = _remarks(docs)
    assert any("the OpenAI client not worker's: it is in request code" in r for r in said)
    assert any("the log statement not worker's" in r for r in said)


def test_a_token_view_is_a_credential_flow_and_a_view_making_a_superuser_an_administrative_function(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "backend/manage.py", _MANAGE)
    write(tmp, "backend/shop/settings.py", _SETTINGS)
    write(tmp, "backend/shop/urls.py", """
        from django.urls import path
        from shop import views
        urlpatterns = [
            path("api-token-auth/", views.CustomAuthToken.as_view()),
            path("setup/", views.setup),
            path("telegram/setup/", views.telegram_setup),
        ]
    """)
    write(tmp, "backend/shop/views.py", """
        from rest_framework.authtoken.views import ObtainAuthToken

        class CustomAuthToken(ObtainAuthToken):
            def post(self, request):
                return None

        def setup(request):
            if User.objects.count() > 0:
                return None
            user = User(username=request.POST["name"], is_superuser=True, is_staff=True)
            user.save()

        def telegram_setup(request):
            return None
    """)
    eps = _endpoints(load_artifacts([f"source:api={tmp}/backend"]))
    token = eps[("api", "POST", "/api-token-auth/")]
    assert token.get("auth_flow") is True and token.get("authn") == "none"
    setup = eps[("api", "ANY", "/setup/")]
    assert setup.get("admin") is True
    assert "admin" not in eps[("api", "ANY", "/telegram/setup/")]
    assert "auth_flow" not in setup


def test_a_class_views_handler_creating_an_admin_record_is_administrative_by_method(tmp_path: Any) -> None:
    # a row of a model named for administrators makes its user one; only the handler that creates it is
    tmp = str(tmp_path)
    for name, text in (("manage.py", _MANAGE), ("shop/settings.py", _SETTINGS)):
        write(tmp, f"backend/{name}", text)
    write(tmp, "backend/shop/urls.py", """
        from django.urls import path
        from shop import views
        urlpatterns = [path("owners/claim/", views.ClaimOwnership.as_view()),
                       path("owners/notes/", views.OwnerNotes.as_view())]
    """)
    write(tmp, "backend/shop/views.py", """
        from django.views import View

        class ClaimOwnership(View):
            def get(self, request):
                return None

            def post(self, request):
                if SiteAdmin.objects.first():
                    return None
                SiteAdmin.objects.create(user=request.user)

        class OwnerNotes(View):
            def post(self, request):
                OwnerNote.objects.create(user=request.user)
    """)
    eps = _endpoints(load_artifacts([f"source:api={tmp}/backend"]))
    assert eps[("api", "POST", "/owners/claim/")].get("admin") is True
    assert "admin" not in eps[("api", "GET", "/owners/claim/")]
    assert "admin" not in eps[("api", "POST", "/owners/notes/")]


def test_api_keys_looked_up_in_request_code_are_the_web_process_s_only(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", _PROCESSES)
    code = _project(tmp)
    write(tmp, "backend/shop/models.py", """
        from django.db import models

        class APIToken(models.Model):
            token = models.CharField(max_length=255, unique=True, default=make_token)
    """)
    write(tmp, "backend/shop/auth.py", """
        def authenticate(request):
            return APIToken.objects.get(token=request.headers.get("X-Api-Key"))
    """)
    docs = load_artifacts([f"compose={compose}", *(f"source:{s}={code}" for s in ("api", "worker", "migrator"))])
    services = {f.name: f.data for f in load_documents(docs).facts if f.kind == "service"}
    assert {s for s, d in services.items() if d.get("api_token_storage") == "plaintext"} == {"api"}
    assert any("the API keys looked up there not worker's to check" in r for r in _remarks(docs))


def _settled(tmp: str) -> str:
    """``tmp`` with a Django project's entry point and settings written under ``backend/``."""
    for name, text in (("manage.py", _MANAGE), ("shop/settings.py", _SETTINGS)):
        write(tmp, f"backend/{name}", text)
    return tmp


def test_djangos_admin_site_is_an_administrative_route_for_staff_signed_in_with_a_session(tmp_path: Any) -> None:
    # admin.site.urls, the urls of an AdminSite subclass's object imported from another module, and a view merely
    # named like one
    tmp = _settled(str(tmp_path))
    write(tmp, "backend/shop/urls.py", """
        from django.contrib import admin
        from django.urls import path
        from shop.backoffice import staff_site
        from shop import views
        urlpatterns = [
            path("admin/", admin.site.urls),
            path("backoffice/", staff_site.urls),
            path("site/", views.site),
        ]
    """)
    write(tmp, "backend/shop/backoffice.py", """
        from django.contrib.admin import AdminSite

        class StaffSite(AdminSite):
            site_header = "Shop"

        staff_site = StaffSite(name="staff")
    """)
    write(tmp, "backend/shop/views.py", """
        def site(request):
            return None
    """)
    eps = _endpoints(load_artifacts([f"source:api={tmp}/backend"]))
    for path in ("/admin/", "/backoffice/"):
        site = eps[("api", "ANY", path)]
        assert site.get("admin") is True
        assert site.get("authn") == "session" and site.get("authz") == "role"
    assert "admin" not in eps[("api", "ANY", "/site/")]


def test_a_feeds_items_bounded_by_the_clients_limit_or_nothing_is_an_unpaginated_collection(tmp_path: Any) -> None:
    tmp = _settled(str(tmp_path))
    write(tmp, "backend/shop/urls.py", """
        from django.urls import path
        from shop import feeds
        urlpatterns = [
            path("feeds/<str:key>/orders", feeds.OrdersFeed()),
            path("feeds/news", feeds.NewsFeed()),
            path("feeds/latest", feeds.LatestFeed()),
            path("feeds/capped", feeds.CappedFeed()),
        ]
    """)
    write(tmp, "backend/shop/feeds.py", """
        from django.contrib.syndication.views import Feed


        class OrdersFeed(Feed):
            def get_object(self, request, key):
                return request

            def items(self, request):
                limit = request.GET.get("limit", 100)
                return Order.objects.all()[: int(limit)] if limit else list(Order.objects.all())


        class NewsFeed(Feed):
            def items(self):
                return News.objects.all()


        class LatestFeed(Feed):
            def items(self):
                return News.objects.order_by("-date")[:20]


        class CappedFeed(Feed):
            def items(self, request):
                limit = request.GET.get("limit", 100)
                return News.objects.all()[: min(int(limit), 500)]
    """)
    eps = _endpoints(load_artifacts([f"source:api={tmp}/backend"]))
    for path in ("/feeds/{key}/orders", "/feeds/news"):
        feed = eps[("api", "ANY", path)]
        assert (feed.get("returns_collection"), feed.get("pagination")) == (True, False), path
    latest = eps[("api", "ANY", "/feeds/latest")]
    assert latest.get("max_results") == 20 and "pagination" not in latest
    assert "returns_collection" not in eps[("api", "ANY", "/feeds/capped")]  # min(): a cap not read, nothing said
