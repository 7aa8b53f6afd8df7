"""``service.debug_mode`` from what the deployment runs: Django's ``DEBUG`` in the settings module the process uses,
a variable's default resolved against the environment and env files the compose deployment gives the service (the
deployment's value wins; the default applies only when it sets nothing, and is not known when it may set something
unseen); and the rule ``exposed-service-in-debug-mode`` on it."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from engine.importers import code_django, import_paths, load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

_MANAGE = """
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
"""
_URLS = """
    from django.urls import path
    from shop.views import orders
    urlpatterns = [path("api/orders/", orders)]
"""


def _setting(expression: str) -> code_django.Setting:
    texts = [("s/settings.py", f'import os\nROOT_URLCONF = "s.urls"\nDEBUG = {expression}\n')]
    (found,) = code_django.settings(code_django.Project(texts))
    return found


@pytest.mark.parametrize(("expression", "given", "value"), [
    pytest.param('get_bool_from_env("DEBUG", True)', {}, True, id="default-applies-when-unset"),
    pytest.param('get_bool_from_env("DEBUG", True)', {"DEBUG": "False"}, False, id="deployment-value-wins"),
    pytest.param('int(os.environ.get("DEBUG", "0"))', {"DEBUG": "1"}, True, id="converted-like-the-code"),
    pytest.param('int(os.environ.get("DEBUG", 0)) == 1', {"DEBUG": "0"}, False, id="compared-like-the-code"),
    pytest.param('os.environ.get("DEBUG", "") == "True"', {"DEBUG": "True"}, True, id="string-compare"),
    pytest.param('int(os.environ.get("DEBUG", "0"))', {"DEBUG": "yes"}, None, id="int-of-a-word-is-unknown"),
    pytest.param('os.environ.get("DEBUG", "")', {"DEBUG": "False"}, None, id="unconverted-false-string-unknown"),
    pytest.param("True", {"DEBUG": "False"}, True, id="a-literal-ignores-the-environment"),
])
def test_a_debug_setting_takes_the_deployments_value_else_its_default(expression: str, given: dict[str, str],
                                                                       value: bool | None) -> None:
    assert code_django.value_with(_setting(expression), given) is value


def test_a_literal_setting_names_no_variable_and_keeps_its_expression() -> None:
    found = _setting("False")
    assert (found.value, found.variable) == (False, None)
    assert isinstance(found.expression, ast.Constant)


def _code(tmp: str, debug: str) -> str:
    for name, text in (("manage.py", _MANAGE), ("shop/urls.py", _URLS),
                       ("shop/settings.py", f'import os\nROOT_URLCONF = "shop.urls"\nDEBUG = {debug}\n'),
                       ("shop/views.py", "def orders(request):\n    return None\n")):
        write(tmp, f"backend/{name}", text)
    return f"{tmp}/backend"


def _service(tmp: str, debug: str, compose: str | None, files: dict[str, str] | None = None) -> dict[str, Any]:
    code = _code(tmp, debug)
    specs = [f"source:api={code}"]
    for name, text in (files or {}).items():
        write(tmp, name, text)
    if compose is not None:
        specs.insert(0, f"compose={write(tmp, 'compose.yaml', compose)}")
    design = load_documents(load_artifacts(specs))
    return next(f for f in design.facts if f.kind == "service" and f.name == "api").data


_PUBLISHED = """
    services:
      api:
        image: acme/shop
        ports: ["8000:8000"]
"""


@pytest.mark.parametrize(("debug", "compose", "files", "expected"), [
    pytest.param('get_bool_from_env("DEBUG", True)', _PUBLISHED, {}, True, id="default-on-deployment-silent"),
    pytest.param('get_bool_from_env("DEBUG", True)', _PUBLISHED + "        environment: [DEBUG=False]\n", {}, False,
                 id="deployment-turns-it-off"),
    pytest.param('int(os.environ.get("DEBUG", "0"))', _PUBLISHED + "        env_file: [backend.env]\n",
                 {"backend.env": "DEBUG=1\n"}, True, id="env-file-turns-it-on"),
    pytest.param('int(os.environ.get("DEBUG", "0"))', _PUBLISHED, {}, False, id="default-off"),
    pytest.param('get_bool_from_env("DEBUG", True)', _PUBLISHED + "        env_file: [missing.env]\n", {}, None,
                 id="missing-env-file-may-set-it"),
    pytest.param('get_bool_from_env("DEBUG", True)', _PUBLISHED + "        environment: [DEBUG]\n", {}, None,
                 id="passed-through-from-the-shell"),
    pytest.param('get_bool_from_env("DEBUG", True)',
                 _PUBLISHED + "        environment: [DJANGO_SETTINGS_MODULE=shop.production]\n", {}, None,
                 id="another-settings-module"),
    pytest.param('get_bool_from_env("DEBUG", True)',
                 _PUBLISHED + "        environment: [DJANGO_SETTINGS_MODULE=shop.settings]\n", {}, True,
                 id="the-same-settings-module-named"),
    pytest.param('get_bool_from_env("DEBUG", True)', None, {}, None, id="no-deployment-default-unknown"),
    pytest.param("True", None, {}, True, id="literal-without-deployment"),
])
def test_debug_mode_is_what_the_deployment_runs(tmp_path: Any, debug: str, compose: str | None,
                                                files: dict[str, str], expected: bool | None) -> None:
    assert _service(str(tmp_path), debug, compose, files).get("debug_mode") is expected


def _risks(tmp: str, debug: str, compose: str) -> list[str]:
    specs = [f"compose={write(tmp, 'compose.yaml', compose)}", f"source:api={_code(tmp, debug)}"]
    return [f.subject for f in review([], extra=load_artifacts(specs)).findings
            if f.kind == "risk" and f.rule == "exposed-service-in-debug-mode"]


def test_a_published_django_api_in_debug_mode_is_flagged(tmp_path: Any) -> None:
    assert _risks(str(tmp_path), 'get_bool_from_env("DEBUG", True)', _PUBLISHED) == ["service:api"]


@pytest.mark.parametrize("compose", [
    pytest.param(_PUBLISHED + "        env_file: [missing.env]\n", id="unknown"),
    pytest.param(_PUBLISHED + "        environment: [DEBUG=0]\n", id="off"),
    pytest.param("services:\n  api:\n    image: acme/shop\n", id="not-published"),
])
def test_no_finding_when_debug_is_unknown_off_or_unreachable(tmp_path: Any, compose: str) -> None:
    assert _risks(str(tmp_path), 'get_bool_from_env("DEBUG", True)', compose) == []


def _unseen(tmp: str, env: str) -> dict[str, tuple[str, ...]]:
    manifest = write(tmp, "k8s/api.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: acme/shop
    """ + env)
    (doc,) = import_paths("kubernetes", [manifest])
    return dict(getattr(doc, "unseen_environment", {}))


@pytest.mark.parametrize(("env", "expected"), [
    pytest.param("""
                  env:
                    - {name: DEBUG, valueFrom: {secretKeyRef: {name: shop, key: debug}}}
                    - {name: PORT, value: "8000"}
    """, {"api": ("DEBUG",)}, id="a-secret-key-is-unseen"),
    pytest.param("""
                  envFrom:
                    - secretRef: {name: shop}
    """, {"api": ("*",)}, id="a-whole-secret-may-set-anything"),
    pytest.param("""
                  env:
                    - {name: DEBUG, value: "0"}
    """, {}, id="a-value-written-is-seen"),
])
def test_kubernetes_variables_whose_values_are_not_shown(tmp_path: Any, env: str,
                                                         expected: dict[str, tuple[str, ...]]) -> None:
    assert _unseen(str(tmp_path), env) == expected
