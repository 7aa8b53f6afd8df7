"""Django's URL configuration and settings, read with ``ast`` (``engine.importers.code_django``)."""

from __future__ import annotations

import random

import pytest

from engine.importers import code_django

MANAGE = ('import os\n'
          'def main():\n'
          '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")\n')
SETTINGS = ('import os\n'
            'ROOT_URLCONF = "shop.urls"\n'
            'REST_FRAMEWORK = {\n'
            '    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),\n'
            '    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],\n'
            '}\n')
PRODUCTION = 'from .common import *\nDEBUG = int(os.environ.get("DEBUG", "0"))\n'
ROOT = ('from django.conf import settings\n'
        'from django.urls import include, path, re_path\n'
        'from django.contrib.auth.decorators import login_required\n'
        'from shop.web import views as web\n'
        'urlpatterns = [\n'
        '    path("api/", include("shop.api.urls")),\n'
        '    path("auth/", include("shop.auth.urls")),\n'
        '    path("account/", login_required(web.account)),\n'
        ']\n'
        'if settings.DEBUG:\n'
        '    urlpatterns += [path("__debug__/", web.debug)]\n')
API_URLS = ('from django.urls import path, re_path\n'
            'from .views import OrderViewSet, OrderCreate, PublicStatus, Ping\n'
            'urlpatterns = [\n'
            '    path("orders/", OrderViewSet.as_view({"get": "list", "post": "create"})),\n'
            '    re_path(r"^orders/(?P<pk>[0-9]+)/$", OrderViewSet.as_view({"get": "retrieve"})),\n'
            '    path("orders/new/", OrderCreate.as_view()),\n'
            '    path("status/", PublicStatus.as_view()),\n'
            '    path("ping/", Ping.as_view()),\n'
            ']\n')
API_VIEWS = ('from rest_framework.views import APIView\n'
             'from rest_framework.viewsets import ModelViewSet\n'
             'from rest_framework.generics import CreateAPIView\n'
             'from rest_framework.permissions import AllowAny\n'
             'class OrderViewSet(ModelViewSet):\n'
             '    pass\n'
             'class OrderCreate(CreateAPIView):\n'
             '    throttle_classes = []\n'
             'class Base(APIView):\n'
             '    permission_classes = [AllowAny]\n'
             '    def get(self, request):\n'
             '        return None\n'
             'class PublicStatus(Base):\n'
             '    pass\n'
             'class Ping(APIView):\n'
             '    def get(self, request):\n'
             '        return None\n')
AUTH_URLS = ('from django.urls import path\n'
             'from . import views\n'
             'from .views import SignIn, MagicSignIn\n'
             'urlpatterns = [\n'
             '    path("sign-in/", SignIn.as_view()),\n'
             '    path("magic-sign-in/", MagicSignIn.as_view()),\n'
             '    path("token/", views.token),\n'
             ']\n')
AUTH_VIEWS = ('from django.views import View\n'
              'from django.views.decorators.csrf import csrf_exempt\n'
              'from rest_framework.decorators import api_view, permission_classes, throttle_classes\n'
              'from rest_framework.permissions import AllowAny\n'
              'from rest_framework.views import APIView\n'
              'from .throttles import AuthenticationThrottle\n'
              'class SignIn(View):\n'
              '    def post(self, request):\n'
              '        return None\n'
              'class MagicSignIn(APIView):\n'
              '    permission_classes = [AllowAny]\n'
              '    throttle_classes = [AuthenticationThrottle]\n'
              '    def post(self, request):\n'
              '        return None\n'
              '@csrf_exempt\n'
              '@api_view(["POST"])\n'
              '@permission_classes([AllowAny])\n'
              'def token(request):\n'
              '    return None\n')
WEB_VIEWS = 'def account(request):\n    return None\ndef debug(request):\n    return None\n'


def project() -> list[tuple[str, str]]:
    return [("shop/manage.py", MANAGE), ("shop/shop/settings/common.py", SETTINGS),
            ("shop/shop/settings/production.py", PRODUCTION), ("shop/shop/urls.py", ROOT),
            ("shop/shop/api/urls.py", API_URLS), ("shop/shop/api/views.py", API_VIEWS),
            ("shop/shop/auth/urls.py", AUTH_URLS), ("shop/shop/auth/views.py", AUTH_VIEWS),
            ("shop/shop/auth/throttles.py", "class AuthenticationThrottle:\n    pass\n"),
            ("shop/shop/web/views.py", WEB_VIEWS)]


def by_key(texts: list[tuple[str, str]]) -> dict[str, code_django.DjangoRoute]:
    routes, _remarks = code_django.routes(texts)
    return {f"{r.method} {r.path}": r for r in routes}


def test_routes_nest_includes_across_modules_with_the_methods_their_views_handle() -> None:
    assert sorted(by_key(project())) == [
        "ANY /account/", "GET /api/orders/", "GET /api/orders/{pk}/", "GET /api/ping/", "GET /api/status/",
        "POST /api/orders/", "POST /api/orders/new/", "POST /auth/magic-sign-in/", "POST /auth/sign-in/",
        "POST /auth/token/"]


def test_a_route_under_a_debug_branch_is_left_out_and_said() -> None:
    routes, remarks = code_django.routes(project())
    assert not any(r.path.startswith("/__debug__") for r in routes)
    assert [(str(at), what) for at, what in remarks] == [
        ("shop/shop/urls.py:10:1", "URL patterns added only when DEBUG is on: not read as served")]


def test_drf_protections_come_from_the_view_its_bases_and_the_settings_defaults() -> None:
    routes = by_key(project())
    assert routes["GET /api/status/"].anonymous  # AllowAny inherited from Base
    assert routes["GET /api/status/"].protections.throttles == ("UserRateThrottle",)  # the settings' default
    ping = routes["GET /api/ping/"]
    assert ping.drf and not ping.anonymous and ping.protections.permissions == ("IsAuthenticated",)
    assert not routes["POST /api/orders/new/"].throttled  # throttle_classes = [] turns the default off
    magic = routes["POST /auth/magic-sign-in/"]
    assert magic.anonymous and magic.throttled and magic.protections.throttles == ("AuthenticationThrottle",)


def test_a_plain_django_view_takes_no_drf_default() -> None:
    sign_in = by_key(project())["POST /auth/sign-in/"]
    assert not sign_in.drf and not sign_in.throttled and sign_in.protections.permissions is None
    assert (sign_in.view, str(sign_in.view_at), str(sign_in.at)) == ("SignIn", "shop/shop/auth/views.py:7:1",
                                                                     "shop/shop/auth/urls.py:5:5")


def test_function_views_decorators_and_wrappers() -> None:
    routes = by_key(project())
    token = routes["POST /auth/token/"]
    assert token.drf and token.anonymous and token.protections.decorators == ("csrf_exempt",)
    assert routes["ANY /account/"].protections.decorators == ("login_required",)


def test_the_settings_module_comes_from_the_entry_point_and_its_debug_default_is_read() -> None:
    p = code_django.Project(project())
    assert p.settings_file == "shop/shop/settings/production.py"
    assert code_django.settings(p) == [code_django.Setting(
        "DEBUG", False, code_django.Location("shop/shop/settings/production.py", 2, 1), "DEBUG")]


@pytest.mark.parametrize(("expression", "value"), [
    ('get_bool_from_env("DEBUG", True)', True),
    ('os.environ.get("DEBUG", "True") == "True"', True),
    ('os.environ.get("DEBUG", "False").lower() in ("true", "1")', False),
    ('env.bool("DEBUG", default=True)', True),
    ('os.getenv("DEBUG")', False),
    ("True", True),
])
def test_debug_defaults(expression: str, value: bool) -> None:
    texts = [("s/settings.py", f'import os\nROOT_URLCONF = "s.urls"\nDEBUG = {expression}\n')]
    assert [(s.name, s.value) for s in code_django.settings(code_django.Project(texts))] == [("DEBUG", value)]


def test_a_debug_computed_from_anything_else_is_not_known() -> None:
    texts = [("s/settings.py", 'ROOT_URLCONF = "s.urls"\nDEBUG = compute()\nSESSION_COOKIE_SECURE = x\n'
                               'CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE")\n')]
    assert code_django.settings(code_django.Project(texts)) == []


def test_a_file_that_does_not_parse_is_said_with_its_line_and_the_rest_is_read() -> None:
    texts = [(f, "def f(:\n    pass\n" if f == "shop/shop/auth/urls.py" else t) for f, t in project()]
    routes, remarks = code_django.routes(texts)
    assert sorted(f"{r.method} {r.path}" for r in routes) == [
        "ANY /account/", "GET /api/orders/", "GET /api/orders/{pk}/", "GET /api/ping/", "GET /api/status/",
        "POST /api/orders/", "POST /api/orders/new/"]
    assert ("shop/shop/auth/urls.py:1:7", "not Python that parses (invalid syntax): its routes are not read") in [
        (str(at), what) for at, what in remarks]


def test_an_include_of_nothing_read_is_said() -> None:
    texts = [("p/urls.py", 'from django.urls import include, path\nurlpatterns = [path("x/", include(router.urls))]\n')]
    routes, remarks = code_django.routes(texts)
    assert routes == []
    assert [str(at) for at, _w in remarks] == ["p/urls.py:2:16"]


def test_an_include_cycle_ends() -> None:
    texts = [("p/urls.py", 'from django.urls import include, path\nurlpatterns = [path("a/", include("q.urls"))]\n'),
             ("q/urls.py", 'from django.urls import include, path\nurlpatterns = [path("b/", include("q.urls")),'
                           ' path("c/", v)]\n'),
             ("q/views.py", "def v(request):\n    return None\n")]
    assert [(r.method, r.path) for r in code_django.routes(texts)[0]] == [("ANY", "/a/c/")]


def test_output_does_not_depend_on_file_order() -> None:
    texts = project()
    first = code_django.routes(texts)
    for seed in range(5):
        shuffled = list(texts)
        random.Random(seed).shuffle(shuffled)
        assert code_django.routes(shuffled) == first


@pytest.mark.parametrize(("pattern", "regex", "path"), [
    ("<int:pk>/items/", False, "{pk}/items/"),
    (r"^thumb/(?P<id>[0-9]+)/(?:(?P<fmt>[a-z]+)/)?$", True, "thumb/{id}/"),
    (r"^files/(?P<name>[\w.-]+)\.txt$", True, "files/{name}.txt"),
])
def test_route_path(pattern: str, regex: bool, path: str) -> None:
    assert code_django.route_path(pattern, regex) == path


def test_a_class_views_own_dispatch_gives_the_methods_it_compares() -> None:
    texts = [("p/urls.py", 'from django.urls import path\nfrom p.views import Graph\n'
                           'urlpatterns = [path("graphql/", Graph.as_view())]\n'),
             ("p/views.py", 'from django.views import View\nclass Graph(View):\n'
                            '    def dispatch(self, request, *args, **kwargs):\n'
                            '        if request.method == "GET":\n            return self.page(request)\n'
                            '        if request.method in ("POST",):\n            return self.query(request)\n')]
    assert [(r.method, r.path) for r in code_django.routes(texts)[0]] == [("GET", "/graphql/"), ("POST", "/graphql/")]


def _read_cleanly(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (method, path) of the routes read, once nothing was remarked on."""
    routes, remarks = code_django.routes(texts)
    assert remarks == []
    return [(r.method, r.path) for r in routes]


def test_patterns_spread_in_from_other_modules_and_a_drf_router() -> None:
    texts = [("p/urls.py", 'from django.urls import include, path\n'
                           'urlpatterns = [path("api/", include("p.app.urls"))]\n'),
             ("p/app/urls/__init__.py", 'from .orders import urlpatterns as order_urls\n'
                                        'urlpatterns = [*order_urls]\n'),
             ("p/app/urls/orders.py", 'from django.urls import include, path\n'
                                      'from rest_framework.routers import DefaultRouter\n'
                                      'from p.app.views import OrderViewSet, NoteViewSet\n'
                                      'router = DefaultRouter()\n'
                                      'router.register(r"orders", OrderViewSet)\n'
                                      'router.register(r"notes", NoteViewSet)\n'
                                      'urlpatterns = [path("v1/", include(router.urls))]\n'),
             ("p/app/views.py", 'from rest_framework import viewsets, mixins\n'
                                'from rest_framework.decorators import action\n'
                                'class OrderViewSet(viewsets.ReadOnlyModelViewSet):\n'
                                '    lookup_field = "slug"\n'
                                '    @action(detail=True, methods=["post"], url_path="cancel")\n'
                                '    def cancel_order(self, request, slug=None):\n'
                                '        return None\n'
                                'class NoteViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):\n'
                                '    def destroy(self, request, pk=None):\n'
                                '        return None\n')]
    assert _read_cleanly(texts) == [
        ("POST", "/api/v1/notes/"), ("DELETE", "/api/v1/notes/{pk}/"), ("GET", "/api/v1/orders/"),
        ("GET", "/api/v1/orders/{slug}/"), ("POST", "/api/v1/orders/{slug}/cancel/")]
    assert all(r.drf for r in code_django.routes(texts)[0])


def test_a_routers_urls_spread_into_an_included_list_are_read_with_its_actions_regex_paths() -> None:
    texts = [("p/urls.py", 'from django.urls import include, path, re_path\n'
                           'from rest_framework.routers import DefaultRouter\n'
                           'from p.views import DocumentViewSet, TokenView\n'
                           'api_router = DefaultRouter()\n'
                           'api_router.register(r"documents", DocumentViewSet)\n'
                           'urlpatterns = [re_path(r"^api/", include([\n'
                           '    path("token/", TokenView.as_view()),\n'
                           '    *api_router.urls,\n'
                           ']))]\n'),
             ("p/views.py", 'from rest_framework import viewsets\n'
                            'from rest_framework.views import APIView\n'
                            'from rest_framework.decorators import action\n'
                            'class DocumentViewSet(viewsets.ReadOnlyModelViewSet):\n'
                            '    @action(detail=True, methods=["get"], url_path=r"versions/(?P<version_id>\\d+)")\n'
                            '    def version(self, request, pk=None, version_id=None):\n'
                            '        return None\n'
                            'class TokenView(APIView):\n'
                            '    def post(self, request):\n'
                            '        return None\n')]
    assert _read_cleanly(texts) == [
        ("GET", "/api/documents/"), ("GET", "/api/documents/{pk}/"),
        ("GET", "/api/documents/{pk}/versions/{version_id}/"), ("POST", "/api/token/")]


def test_drfs_obtain_auth_token_is_an_anonymous_post_that_throttles_only_what_a_subclass_says() -> None:
    texts = [("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")\n'),
             ("p/settings.py", 'ROOT_URLCONF = "p.urls"\n'
                               'REST_FRAMEWORK = {\n'
                               '    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],\n'
                               '    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],\n'
                               '}\n'),
             ("p/urls.py", 'from django.urls import path\n'
                           'from rest_framework.authtoken.views import ObtainAuthToken\n'
                           'from p.views import ThrottledToken\n'
                           'urlpatterns = [path("token/", ObtainAuthToken.as_view()),\n'
                           '               path("throttled-token/", ThrottledToken.as_view())]\n'),
             ("p/views.py", 'from rest_framework.authtoken.views import ObtainAuthToken\n'
                            'from rest_framework.throttling import ScopedRateThrottle\n'
                            'class ThrottledToken(ObtainAuthToken):\n'
                            '    throttle_classes = [ScopedRateThrottle]\n')]
    routes, remarks = code_django.routes(texts)
    assert remarks == []
    got = {r.path: (r.method, r.drf, r.anonymous, r.throttled) for r in routes}
    assert got == {"/token/": ("POST", True, True, False), "/throttled-token/": ("POST", True, True, True)}


@pytest.mark.parametrize(("settings", "limited"), [("", True), ("ACCOUNT_RATE_LIMITS = {}\n", True),
                                                    ("ACCOUNT_RATE_LIMITS = False\n", False)],
                         ids=["default", "overridden", "turned-off"])
def test_allauths_own_rate_limits_hold_on_its_sign_in_views_unless_turned_off(settings: str, limited: bool) -> None:
    texts = [("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")\n'),
             ("p/settings.py", 'ROOT_URLCONF = "p.urls"\n' + settings),
             ("p/urls.py", 'from allauth.account import views as account_views\n'
                           'from allauth.account.views import signup\n'
                           'from allauth.socialaccount import views as social_views\n'
                           'from django.urls import path\n'
                           'urlpatterns = [path("login/", account_views.login),\n'
                           '               path("signup/", signup),\n'
                           '               path("logout/", account_views.logout),\n'
                           '               path("social/", social_views.login_error)]\n')]
    routes, remarks = code_django.routes(texts)
    assert remarks == []
    assert {r.path: r.throttled for r in routes} == {
        "/login/": limited, "/signup/": limited, "/logout/": False, "/social/": False}
    login = next(r for r in routes if r.path == "/login/")
    assert (login.protections.library_limit != "") == limited


def test_cookie_flags_read_across_a_star_imported_settings_module() -> None:
    texts = [("s/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "s.settings.prod")\n'),
             ("s/settings/base.py", 'import os\nSESSION_COOKIE_SECURE = False\nSESSION_COOKIE_HTTPONLY = True\n'),
             ("s/settings/prod.py", 'from .base import *\n'
                                    'CSRF_COOKIE_SECURE = os.environ.get("CSRF_COOKIE_SECURE", "1") == "1"\n'
                                    'SESSION_COOKIE_HTTPONLY = not True\n')]
    assert [(s.name, s.value, str(s.at), s.variable) for s in code_django.settings(code_django.Project(texts))] == [
        ("SESSION_COOKIE_SECURE", False, "s/settings/base.py:2:1", None),
        ("CSRF_COOKIE_SECURE", True, "s/settings/prod.py:2:1", "CSRF_COOKIE_SECURE"),
        ("SESSION_COOKIE_HTTPONLY", False, "s/settings/prod.py:3:1", None)]


def test_a_pattern_built_from_a_module_level_prefix_name_or_f_string() -> None:
    # hc/urls.py of Healthchecks: a prefix variable (its unconditional value; a branch reassigning it from a setting is
    # the deployment's option), used bare and inside f-strings; a pattern from anything else is not guessed
    texts = [("hc/urls.py", 'from django.urls import include, path\n'
                            'from hc.accounts import views as accounts_views\n'
                            'prefix = ""\n'
                            'if _path := site_root_path():\n'
                            '    prefix = f"{_path}/"\n'
                            'prefix_v1 = "api/v1/"\n'
                            'urlpatterns = [\n'
                            '    path(f"{prefix}admin/login/", accounts_views.login),\n'
                            '    path(prefix, include("hc.accounts.urls")),\n'
                            '    path(prefix_v1, accounts_views.login),\n'
                            '    path(f"{prefix!r}x/", accounts_views.login),\n'
                            '    path(f"{unknown}y/", accounts_views.login),\n'
                            '    path(unknown, accounts_views.login),\n'
                            ']\n'),
             ("hc/accounts/urls.py", 'from django.urls import path\nfrom hc.accounts import views\n'
                                     'urlpatterns = [path("accounts/login/", views.login)]\n'),
             ("hc/accounts/views.py", "def login(request):\n    return None\n")]
    assert [(r.method, r.path) for r in code_django.routes(texts)[0]] == [
        ("ANY", "/accounts/login/"), ("ANY", "/admin/login/"), ("ANY", "/api/v1/")]


@pytest.mark.parametrize("settings", ["", "ACCOUNT_RATE_LIMITS = False\n"], ids=["default", "turned-off"])
def test_allauths_own_url_configuration_is_drawn_from_the_catalogue(settings: str) -> None:
    texts = [("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")\n'),
             ("p/settings.py", 'ROOT_URLCONF = "p.urls"\n' + settings),
             ("p/urls.py", 'from django.urls import include, path\n'
                           'urlpatterns = [path("accounts/", include("allauth.urls")),\n'
                           '               path("headless/", include("allauth.headless.urls"))]\n')]
    routes, remarks = code_django.routes(texts)
    got = {r.path: r for r in routes}
    assert {"/accounts/login/", "/accounts/logout/", "/accounts/signup/", "/accounts/password/reset/",
            "/accounts/password/reset/key/{uidb36}-{key}/", "/accounts/confirm-email/{key}/"} <= set(got)
    assert {r.method for r in routes if r.path != "/accounts/logout/"} == {"ANY"}
    assert sorted(r.method for r in routes if r.path == "/accounts/logout/") == ["GET", "POST"]
    assert all(str(r.at) == "p/urls.py:2:16" for r in routes)
    limited = settings == ""
    assert got["/accounts/login/"].throttled is limited and got["/accounts/signup/"].throttled is limited
    assert got["/accounts/logout/"].throttled is False
    assert got["/accounts/password/change/"].protections.decorators == ("login_required",)
    assert got["/accounts/login/"].protections.decorators == ()
    # a library URL configuration the catalogue does not know is still said, and a project's own module of that
    # name is read as the project's
    assert [what for _at, what in remarks] == [
        "include('allauth.headless.urls') names no URL configuration read: the routes under it are not read"]
    own = [*texts[:2], ("p/urls.py", 'from django.urls import include, path\n'
                                     'urlpatterns = [path("accounts/", include("allauth.urls"))]\n'),
           ("p/allauth/urls.py", 'from django.urls import path\nfrom p import views\n'
                                 'urlpatterns = [path("mine/", views.mine)]\n'),
           ("p/views.py", "def mine(request):\n    return None\n")]
    assert [r.path for r in code_django.routes(own)[0]] == ["/accounts/mine/"]


@pytest.mark.parametrize(("settings", "on_get"), [("", False), ("ACCOUNT_LOGOUT_ON_GET = False\n", False),
                                                   ("ACCOUNT_LOGOUT_ON_GET = True\n", True),
                                                   ('ACCOUNT_LOGOUT_ON_GET = "yes"\n', False)],
                         ids=["default", "false", "true", "not-a-constant-true"])
@pytest.mark.parametrize("mount", ['path("accounts/", include("allauth.urls"))',
                                   'path("accounts/logout/", account_views.logout)',
                                   'path("accounts/logout/", logout)'],
                         ids=["catalogue", "view-by-module", "view-by-name"])
def test_allauths_logout_signs_out_on_a_post_and_on_a_get_only_when_the_settings_say_so(
        settings: str, on_get: bool, mount: str) -> None:
    # allauth.account.views.LogoutView: get() shows a confirmation page unless app_settings.LOGOUT_ON_GET, then it
    # calls post(), which signs the user out (ACCOUNT_LOGOUT_ON_GET, default False)
    texts = [("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings.prod")\n'),
             ("p/settings/base.py", 'ROOT_URLCONF = "p.urls"\n' + settings),
             ("p/settings/prod.py", 'from .base import *\nDEBUG = False\n'),
             ("p/urls.py", 'from django.urls import include, path\n'
                           'from allauth.account import views as account_views\n'
                           'from allauth.account.views import logout\n'
                           f'urlpatterns = [{mount}]\n')]
    routes, remarks = code_django.routes(texts)
    assert remarks == []
    logout = {r.method: r for r in routes if r.path == "/accounts/logout/"}
    assert sorted(logout) == ["GET", "POST"]
    assert logout["POST"].writes == "django-allauth's LogoutView signs the user out on a POST"
    assert logout["GET"].writes == ("django-allauth's LogoutView signs the user out on a GET: ACCOUNT_LOGOUT_ON_GET = "
                                    "True (p/settings/base.py:2:1)" if on_get else "")
    # the other views keep the method Django's URL pattern gives them, and change nothing the library says
    assert all(r.writes == "" and r.method == "ANY" for r in routes if r.path != "/accounts/logout/")


def _minimal_project() -> list[tuple[str, str]]:
    """The entry point and settings of project ``p``, whose root URL configuration is ``p/urls.py``."""
    return [("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")\n'),
            ("p/settings.py", 'ROOT_URLCONF = "p.urls"\n')]


def test_patterns_appended_extended_and_a_namespaced_router_include() -> None:
    texts = [*_minimal_project(),
             ("p/urls.py", 'from django.urls import include, path\n'
                           'from rest_framework import routers\n'
                           'from p import views\n'
                           'router = routers.DefaultRouter()\n'
                           'router.register(r"recipe", views.RecipeViewSet)\n'
                           'urlpatterns = [path("a/", views.a)]\n'
                           'urlpatterns.append(path("b/", views.b))\n'
                           'urlpatterns.extend([path("c/", views.c), path("api/", include((router.urls, "api")))])\n'
                           'urlpatterns.sort()\n'),
             ("p/views.py", 'from rest_framework.viewsets import ModelViewSet\n'
                            'def a(request):\n    return None\n'
                            'def b(request):\n    return None\n'
                            'def c(request):\n    return None\n'
                            'class RecipeViewSet(ModelViewSet):\n    pass\n')]
    routes, remarks = code_django.routes(texts)
    assert remarks == []
    assert sorted({r.path for r in routes}) == ["/a/", "/api/recipe/", "/api/recipe/{pk}/", "/b/", "/c/"]


def test_a_token_view_is_a_sign_in_and_a_view_making_a_superuser_grants_administration() -> None:
    texts = [*_minimal_project(),
             ("p/urls.py", 'from django.urls import path\n'
                           'from p import views\n'
                           'urlpatterns = [path("api-token-auth/", views.CustomAuthToken.as_view()),\n'
                           '               path("setup/", views.setup), path("made/", views.made),\n'
                           '               path("promote/", views.promote), path("staff/", views.staff)]\n'),
             ("p/views.py", 'from rest_framework.authtoken.views import ObtainAuthToken\n'
                            'class CustomAuthToken(ObtainAuthToken):\n'
                            '    def post(self, request):\n        return None\n'
                            'def setup(request):\n'
                            '    user = User(username="x", is_superuser=True, is_staff=True)\n'
                            '    user.save()\n'
                            'def made(request):\n'
                            '    User.objects.create_superuser("x", "y", "z")\n'
                            'def promote(request):\n'
                            '    request.user.is_superuser = True\n'
                            'def staff(request):\n'
                            '    User(username="x", is_staff=True, is_superuser=False).save()\n')]
    got = {r.path: r for r in code_django.routes(texts)[0]}
    assert got["/api-token-auth/"].sign_in.startswith("its view derives from Django REST framework's ObtainAuthToken")
    assert got["/setup/"].sign_in == ""
    assert got["/setup/"].grants_admin == \
        "its view setup makes a superuser: User(..., is_superuser=True) (p/views.py:6)"
    assert got["/made/"].grants_admin == "its view made makes a superuser: User.objects.create_superuser(...) " \
                                         "(p/views.py:9)"
    assert got["/promote/"].grants_admin == "its view promote makes a superuser: request.user.is_superuser = True " \
                                            "(p/views.py:11)"
    assert got["/staff/"].grants_admin == "" and got["/api-token-auth/"].grants_admin == ""
def _limited_project() -> list[tuple[str, str]]:
    return [
        ("p/manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")\n'),
        ("p/settings.py", 'ROOT_URLCONF = "p.urls"\n'),
        ("p/urls.py", 'from django.urls import path\n'
                      'from p import views\n'
                      'from p.views import Reset\n'
                      'urlpatterns = [path("login/", views.login), path("totp/", views.totp),\n'
                      '               path("logged/", views.logged), path("plain/", views.plain),\n'
                      '               path("limited/", views.limited), path("unblocked/", views.unblocked),\n'
                      '               path("reset/", Reset.as_view()), path("lookalike/", views.lookalike)]\n'),
        ("p/forms.py", 'from django import forms\n'
                       'from p.limits import Bucket\n'
                       'class BaseLogin(forms.Form):\n'
                       '    def clean(self):\n'
                       '        if not Bucket.token_bucket_allows(self.data["email"]):\n'
                       '            raise forms.ValidationError("Too many attempts")\n'
                       '        return self.cleaned_data\n'
                       'class LoginForm(BaseLogin):\n'
                       '    email = forms.EmailField()\n'
                       'class Lookalike:\n'
                       '    def clean(self):\n'
                       '        assert throttle_ok(self)\n'),
        ("p/views.py", 'from django.views import View\n'
                       'from django_ratelimit.decorators import ratelimit\n'
                       'from p import forms\n'
                       'from p.limits import Bucket, RateLimiter\n'
                       'def login(request):\n'
                       '    form = forms.LoginForm(request.POST)\n'
                       '    return form.is_valid()\n'
                       'def totp(request):\n'
                       '    if not RateLimiter(request.user).hit():\n'
                       '        return None\n'
                       'def logged(request):\n'
                       '    RateLimiter.record(request.user)\n'
                       'def plain(request):\n'
                       '    return forms.Lookalike()\n'
                       '@ratelimit(key="ip", rate="5/m")\n'
                       'def limited(request):\n'
                       '    return None\n'
                       '@ratelimit(key="ip", rate="5/m", block=False)\n'
                       'def unblocked(request):\n'
                       '    return None\n'
                       'def lookalike(request):\n'
                       '    return Lookalike(request.POST)\n'
                       'class Reset(View):\n'
                       '    def post(self, request):\n'
                       '        return None if not Bucket.leaky_bucket_allows(request) else request\n'),
        ("p/limits.py", 'class Bucket:\n    pass\nclass RateLimiter:\n    pass\n')]


def test_a_views_own_rate_limiter_check_or_its_forms_or_django_ratelimit_limits_it() -> None:
    routes, remarks = code_django.routes(_limited_project())
    assert remarks == []
    got = {r.path: r.protections.own_limit for r in routes}
    assert got["/login/"] == ("the form it validates refuses the request when a rate limiter says no "
                              "(LoginForm.clean: Bucket.token_bucket_allows, p/forms.py:5:16)")
    assert got["/totp/"] == ("its code refuses the request when a rate limiter says no (RateLimiter(request.user).hit, "
                             "p/views.py:9:12)")
    assert got["/limited/"] == ("django-ratelimit's ratelimit(key='ip', rate='5/m') on limited (p/views.py:15:2)")
    assert got["/reset/"] == ("its code refuses the request when a rate limiter says no (Bucket.leaky_bucket_allows, "
                              "p/views.py:25:28)")
    # a limiter called for its side effect, a class that is no Django form, a non-blocking decorator: no limit
    assert {p: got[p] for p in ("/logged/", "/plain/", "/unblocked/", "/lookalike/")} == dict.fromkeys(
        ("/logged/", "/plain/", "/unblocked/", "/lookalike/"), "")
    assert {r.path for r in routes if r.throttled} == {"/login/", "/totp/", "/limited/", "/reset/"}


def test_a_views_own_rate_limit_does_not_depend_on_file_order() -> None:
    texts = _limited_project()
    want = [(r.path, r.protections.own_limit) for r in code_django.routes(texts)[0]]
    random.Random(7).shuffle(texts)
    assert [(r.path, r.protections.own_limit) for r in code_django.routes(texts)[0]] == want


_ORIGINS = ('import os\n'
            'ROOT_URLCONF = "s.urls"\n'
            'raw_origins = os.environ.get("ALLOWED_ORIGINS", "")\n'
            'origins = [o.strip() for o in raw_origins.split(",") if o.strip()]\n'
            'if origins:\n'
            '    tls_only = False if [o for o in origins if "http:" in o] else True\n'
            'else:\n'
            '    tls_only = False\n'
            'SESSION_COOKIE_SECURE = tls_only\n'
            'CSRF_COOKIE_SECURE = parse_boolean(os.environ.get("CSRF_SECURE") or str(tls_only))\n')


def test_a_cookie_flag_followed_through_the_settings_names_and_branches_to_the_variable_it_depends_on() -> None:
    found = {s.name: s for s in code_django.settings(code_django.Project([("s/settings.py", _ORIGINS)]))}
    secure, csrf = found["SESSION_COOKIE_SECURE"], found["CSRF_COOKIE_SECURE"]
    assert (secure.value, secure.variables) == (False, ("ALLOWED_ORIGINS",))  # no origin: the else branch
    assert code_django.value_with(secure, {"ALLOWED_ORIGINS": "https://a.example, https://b.example"}) is True
    assert code_django.value_with(secure, {"ALLOWED_ORIGINS": "https://a.example,http://b.example"}) is False
    assert (csrf.value, csrf.variables) == (False, ("CSRF_SECURE", "ALLOWED_ORIGINS"))
    assert code_django.value_with(csrf, {"ALLOWED_ORIGINS": "https://a.example"}) is True
    assert code_django.value_with(csrf, {"ALLOWED_ORIGINS": "https://a.example", "CSRF_SECURE": "false"}) is False


@pytest.mark.parametrize("binding", [
    "tls_only = True\ntls_only = False\n",         # bound twice: which one a reader meant is not known
    "for tls_only in (True,):\n    pass\n",       # bound by a loop
    "tls_only = True\ntls_only += 1\n",
    "tls_only = compute()\n",
    "from elsewhere import tls_only\n",
    "SESSION_COOKIE_SECURE = 1\n",                 # and then the line below: the setting bound twice
])
def test_a_name_bound_otherwise_than_once_by_assignment_is_not_known(binding: str) -> None:
    texts = [("s/settings.py", f'ROOT_URLCONF = "s.urls"\n{binding}SESSION_COOKIE_SECURE = tls_only\n')]
    assert code_django.settings(code_django.Project(texts)) == []


def test_a_name_that_refers_to_itself_is_not_known() -> None:
    texts = [("s/settings.py", 'ROOT_URLCONF = "s.urls"\na = b or False\nb = a\nSESSION_COOKIE_SECURE = a\n')]
    assert code_django.settings(code_django.Project(texts)) == []


def test_patterns_nested_under_an_include_of_themselves_and_routers_of_an_imported_module() -> None:
    texts = [*_minimal_project(),
             ("p/urls.py", 'from django.conf import settings\n'
                           'from django.urls import include, path\n'
                           'from p import views\n'
                           'from p.api import routes as api_routes\n'
                           'from p.api.routes import tag_router\n'
                           'urlpatterns = [\n'
                           '    path("bookmarks", views.a),\n'
                           '    path("api/bookmarks/", include(api_routes.bookmark_router.urls)),\n'
                           '    path("api/tags/", include(tag_router.urls)),\n'
                           ']\n'
                           'urlpatterns = [path("app/", include((urlpatterns, "app")))]\n'
                           'urlpatterns += [path("login/", views.b)]\n'
                           'if settings.CONTEXT_PATH:\n'
                           '    urlpatterns = [path(settings.CONTEXT_PATH, include(urlpatterns))]\n'),
             ("p/views.py", 'def a(request):\n    return None\ndef b(request):\n    return None\n'),
             ("p/api/routes.py", 'from rest_framework.decorators import action\n'
                                 'from rest_framework.routers import SimpleRouter\n'
                                 'from rest_framework.viewsets import GenericViewSet\n'
                                 'from rest_framework import mixins\n'
                                 'class BookmarkViewSet(GenericViewSet, mixins.ListModelMixin,\n'
                                 '                      mixins.RetrieveModelMixin):\n'
                                 '    @action(methods=["get"], detail=False)\n'
                                 '    def check(self, request):\n'
                                 '        return None\n'
                                 'class TagViewSet(GenericViewSet, mixins.ListModelMixin):\n'
                                 '    pass\n'
                                 'bookmark_router = SimpleRouter()\n'
                                 'bookmark_router.register("", BookmarkViewSet, basename="bookmark")\n'
                                 'tag_router = SimpleRouter()\n'
                                 'tag_router.register("", TagViewSet, basename="tag")\n')]
    routes, remarks = code_django.routes(texts)
    assert sorted(f"{r.method} {r.path}" for r in routes) == [
        "ANY /app/bookmarks", "ANY /login/", "GET /app/api/bookmarks/", "GET /app/api/bookmarks/check/",
        "GET /app/api/bookmarks/{pk}/", "GET /app/api/tags/"]
    assert [(str(at), what) for at, what in remarks] == [
        ("p/urls.py:14:20", "urlpatterns nested under settings.CONTEXT_PATH, not a string: its routes are read at "
                            "the prefix they had")]


SPLIT_SETTINGS = [
    ("s/wsgi.py", 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "s.settings")\n'),
    ("s/settings/__init__.py", 'try:\n    from .dev import *\nexcept:\n    from .prod import *\n'),
    ("s/settings/base.py", 'ROOT_URLCONF = "s.urls"\nDEBUG = False\n'
                           'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.'
                           'IsAuthenticated"]}\n'),
    ("s/settings/dev.py", 'from .base import *\nDEBUG = True\n'),
    ("s/settings/prod.py", 'from .base import *\nDEBUG = False\n'),
]


def test_settings_star_imported_in_a_try_and_its_handler_are_read_and_a_name_both_arms_assign_is_not_known() -> None:
    p = code_django.Project(SPLIT_SETTINGS)
    assert p.settings_file == "s/settings/__init__.py"
    assert p.defaults.permissions == ("IsAuthenticated",)  # from base.py, which both arms star-import
    assert [s.name for s in code_django.settings(p)] == []  # DEBUG: True in dev.py, False in prod.py
    one_arm = [(f, t.replace("except:\n    from .prod import *\n", "except:\n    pass\n")) for f, t in SPLIT_SETTINGS]
    assert [(s.name, s.value) for s in code_django.settings(code_django.Project(one_arm))] == [("DEBUG", True)]


FEEDS = ('from django.contrib.syndication.views import Feed\n'
         'from p.models import FeedToken, PasswordResetToken\n'
         'class BaseFeed(Feed):\n'
         '    def get_object(self, request, feed_key):\n'
         '        return FeedToken.objects.get(key__exact=feed_key)\n'
         'class AllFeed(BaseFeed):\n'
         '    title = "All"\n'
         'class ResetFeed(Feed):\n'
         '    def get_object(self, request, feed_key):\n'
         '        return PasswordResetToken.objects.get(key=feed_key)\n'
         'class Ping:\n'
         '    def __call__(self, request, code):\n'
         '        return Check.objects.get(code=code)\n')


def test_a_feed_instance_views_get_object_takes_its_path_and_a_token_model_looked_up_with_it_is_a_url_credential(
) -> None:
    texts = [*_minimal_project(),
             ("p/urls.py", 'from django.urls import path\n'
                           'from p import feeds\n'
                           'urlpatterns = [\n'
                           '    path("feeds/<str:feed_key>/all", feeds.AllFeed()),\n'
                           '    path("reset/<str:feed_key>", feeds.ResetFeed()),\n'
                           '    path("ping/<str:code>", feeds.Ping()),\n'
                           ']\n'),
             ("p/feeds.py", FEEDS)]
    routes = by_key(texts)
    feed = routes["ANY /feeds/{feed_key}/all"]
    assert (str(feed.view_at), feed.url_credential) == (
        "p/feeds.py:4:5", "path segment {feed_key} looked up in FeedToken.objects.get at p/feeds.py:5")
    assert routes["ANY /reset/{feed_key}"].url_credential == ""  # a one-time token's model
    ping = routes["ANY /ping/{code}"]
    assert (str(ping.view_at), ping.url_credential) == ("p/feeds.py:12:5", "")  # __call__; no key model
