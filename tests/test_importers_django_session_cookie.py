"""The session cookie a Django project's sign-in sets: for a project whose settings use sessions
(``django.contrib.sessions`` and a ``SessionMiddleware``), its login routes carry the flags of
``SESSION_COOKIE_SECURE`` (default False), ``SESSION_COOKIE_HTTPONLY`` (default True) and ``SESSION_COOKIE_SAMESITE``
(default 'Lax'), a variable's default resolved against the deployment as ``debug_mode`` is; and the rule
``session-cookie-without-secure-flags`` on them."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import code_django, load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

_MANAGE = """
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
"""
_URLS = """
    from django.urls import path
    from shop.views import orders, sign_in
    urlpatterns = [path("api/orders/", orders), path("accounts/login/", sign_in),
                   path("accounts/3rdparty/login/cancelled/", orders)]
"""
_SESSIONS = """
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
"""
_PUBLISHED = """
    services:
      api:
        image: acme/shop
        ports: ["8000:8000"]
"""


def _code(tmp: str, extra: str, sessions: str = _SESSIONS) -> str:
    settings = f'import os\nROOT_URLCONF = "shop.urls"\n{sessions}{extra}'
    for name, text in (("manage.py", _MANAGE), ("shop/urls.py", _URLS), ("shop/settings.py", settings),
                       ("shop/views.py", "def orders(request):\n    return None\n\n\n"
                                         "def sign_in(request):\n    return None\n")):
        write(tmp, f"backend/{name}", text)
    return f"{tmp}/backend"


def _endpoints(tmp: str, extra: str, compose: str | None = _PUBLISHED, files: dict[str, str] | None = None,
               sessions: str = _SESSIONS) -> dict[str, Any]:
    """Each endpoint's ``session_cookie`` (method and path -> flags), the deployment ``compose`` with ``files`` beside
    it, or none."""
    given = [write(tmp, name, text) for name, text in (files or {}).items()]
    deployment = [] if compose is None else [f"compose={write(tmp, 'compose.yaml', compose)}"]
    facts = load_documents(load_artifacts([*deployment, f"source:api={_code(tmp, extra, sessions)}"])).facts
    assert all(f.startswith(tmp) for f in given)
    return {f"{f.data['method']} {f.data['path']}": f.data.get("session_cookie") for f in facts
            if f.kind == "endpoint"}


@pytest.mark.parametrize(("extra", "compose", "files", "expected"), [
    pytest.param("", _PUBLISHED, {}, {"secure": False, "http_only": True, "same_site": "lax"}, id="django-defaults"),
    pytest.param("SESSION_COOKIE_SECURE = True\nSESSION_COOKIE_SAMESITE = 'Strict'\n", _PUBLISHED, {},
                 {"secure": True, "http_only": True, "same_site": "strict"}, id="literals-stated"),
    pytest.param("SESSION_COOKIE_HTTPONLY = False\n", None, {},
                 {"secure": False, "http_only": False, "same_site": "lax"}, id="literal-without-deployment"),
    pytest.param('SESSION_COOKIE_SECURE = get_bool_from_env("SECURE_COOKIES", False)\n',
                 _PUBLISHED + "        environment: [SECURE_COOKIES=true]\n", {},
                 {"secure": True, "http_only": True, "same_site": "lax"}, id="deployment-value-wins"),
    pytest.param('SESSION_COOKIE_SECURE = get_bool_from_env("SECURE_COOKIES", False)\n', _PUBLISHED, {},
                 {"secure": False, "http_only": True, "same_site": "lax"}, id="variable-default-deployment-silent"),
    pytest.param('SESSION_COOKIE_SECURE = get_bool_from_env("SECURE_COOKIES", False)\n',
                 _PUBLISHED + "        environment: [SECURE_COOKIES]\n", {}, {"http_only": True, "same_site": "lax"},
                 id="passed-through-from-the-shell"),
    pytest.param("", _PUBLISHED + "        env_file: [missing.env]\n", {}, None,
                 id="missing-env-file-may-name-another-settings-module"),
    pytest.param('SESSION_COOKIE_SECURE = get_bool_from_env("SECURE_COOKIES", False)\n',
                 _PUBLISHED + "        env_file: [shop.env]\n", {"shop.env": "SECURE_COOKIES=1\n"},
                 {"secure": True, "http_only": True, "same_site": "lax"}, id="env-file-sets-it"),
    pytest.param("SESSION_COOKIE_SECURE = origin.startswith('https')\n", _PUBLISHED, {},
                 {"http_only": True, "same_site": "lax"}, id="computed-value-unknown"),
    pytest.param("", _PUBLISHED + "        environment: [DJANGO_SETTINGS_MODULE=shop.production]\n", {}, None,
                 id="another-settings-module"),
])
def test_the_sign_in_carries_the_session_cookie_as_deployed(tmp_path: Any, extra: str, compose: str | None,
                                                            files: dict[str, str],
                                                            expected: dict[str, Any] | None) -> None:
    found = _endpoints(str(tmp_path), extra, compose, files)
    assert found["ANY /accounts/login/"] == expected
    assert found["ANY /api/orders/"] is None
    assert found["ANY /accounts/3rdparty/login/cancelled/"] is None


@pytest.mark.parametrize("sessions", [
    pytest.param('INSTALLED_APPS = ["django.contrib.auth"]\n'
                 'MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]\n', id="no-sessions-app"),
    pytest.param('INSTALLED_APPS = ["django.contrib.sessions"]\nMIDDLEWARE = []\n', id="no-session-middleware"),
])
def test_no_session_cookie_without_sessions(tmp_path: Any, sessions: str) -> None:
    assert _endpoints(str(tmp_path), "", sessions=sessions)["ANY /accounts/login/"] is None


def test_a_project_middleware_named_session_middleware_counts() -> None:
    settings = ('ROOT_URLCONF = "s.urls"\nINSTALLED_APPS = ["django.contrib.sessions"]\n'
                'MIDDLEWARE = ["s.auth.SessionMiddleware"]\nSESSION_COOKIE_SAMESITE = None\n')
    found = code_django.session_cookie(code_django.Project([("s/settings.py", settings)]))
    assert found is not None
    assert (found.secure and found.secure.value, found.http_only and found.http_only.value, found.same_site) == \
        (False, True, None)


def _risks(tmp: str, extra: str) -> list[str]:
    specs = [f"compose={write(tmp, 'compose.yaml', _PUBLISHED)}", f"source:api={_code(tmp, extra)}"]
    return [f.subject for f in review([], extra=load_artifacts(specs)).findings
            if f.kind == "risk" and f.rule == "session-cookie-without-secure-flags"]


def test_the_default_insecure_session_cookie_is_flagged_on_the_sign_in(tmp_path: Any) -> None:
    assert _risks(str(tmp_path), "") == ["endpoint:ANY /accounts/login/"]


def test_no_finding_when_the_settings_make_it_secure(tmp_path: Any) -> None:
    assert _risks(str(tmp_path), "SESSION_COOKIE_SECURE = True\n") == []
