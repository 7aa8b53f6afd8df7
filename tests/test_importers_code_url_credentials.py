"""Credentials a handler takes from its URL (``engine.importers.code_url_credentials``), through the route readers
that use it: Django views, Flask handlers, NestJS and Express routes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.importers import code_django, code_routes, code_url_credentials

_MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosk.settings")\n'
_SETTINGS = 'ROOT_URLCONF = "kiosk.urls"\n'
_URLS = ('from django.urls import path\n'
         'from kiosk import views\n'
         'urlpatterns = [\n'
         '    path("boards/<uuid:board>/feed/<slug:key>", views.feed),\n'
         '    path("boards/<uuid:board>/feed/", views.feed),\n'
         '    path("boards/<uuid:board>/items/<slug:item>", views.item),\n'
         '    path("welcome/<slug:uid>/<slug:token>/", views.welcome),\n'
         '    path("export/", views.export),\n'
         '    path("search/", views.search),\n'
         ']\n')
_VIEWS = ('def feed(request, board, key=None):\n'
          '    if key is None:\n'
          '        key = request.headers.get("Authorization", "")\n'
          '    owner = Board.objects.by_read_api_key(key)\n'
          '    return owner\n'
          'def item(request, board, item):\n'
          '    return get_object_or_404(Item, board=board, slug=item)\n'
          'def welcome(request, uid, token):\n'
          '    return signer.check_token(uid, token)\n'
          'def export(request):\n'
          '    key = request.GET.get("api_key")\n'
          '    return key\n'
          'def search(request):\n'
          '    return request.GET["q"]\n')


def _django() -> dict[str, str]:
    routes, _remarks = code_django.routes([("k/manage.py", _MANAGE), ("k/kiosk/settings.py", _SETTINGS),
                                           ("k/kiosk/urls.py", _URLS), ("k/kiosk/views.py", _VIEWS)])
    return {r.path: r.url_credential for r in routes}


def test_a_path_segment_handed_to_an_api_key_lookup_is_a_credential_in_the_url() -> None:
    said = _django()
    assert said["/boards/{board}/feed/{key}"] == ("path segment {key} passed to by_read_api_key() at "
                                                  "k/kiosk/views.py:4")
    assert said["/boards/{board}/feed/"] == ""  # the same view, the key taken from the Authorization header


def test_a_path_segment_that_names_an_object_or_a_one_time_token_is_not() -> None:
    said = _django()
    assert said["/boards/{board}/items/{item}"] == ""
    assert said["/welcome/{uid}/{token}/"] == ""  # an e-mailed link's one-time token: another pattern


def test_a_credential_read_from_the_query_string_is_one_and_another_parameter_is_not() -> None:
    said = _django()
    assert said["/export/"] == "'api_key' read from the URL query at k/kiosk/views.py:11"
    assert said["/search/"] == ""


_FLASK = ('from flask import Flask, request\n'
          'app = Flask(__name__)\n'
          '@app.route("/download/<name>")\n'
          'def download(name):\n'
          '    if request.args.get("Token") != expected():\n'
          '        return "", 403\n'
          '    return name\n'
          '@app.route("/list")\n'
          'def listing():\n'
          '    return request.args.get("page")\n')
_NEST = ("import { Controller, Get, Query } from '@nestjs/common';\n"
         "@Controller('setup')\n"
         "export class SetupController {\n"
         "  @Get('config')\n"
         "  async config(@Query('token') token: string) {\n"
         "    return this.service.config(token);\n"
         "  }\n"
         "  @Get('list')\n"
         "  async list(@Query('page') page: string) {\n"
         "    return this.service.list(page);\n"
         "  }\n"
         "}\n")
_EXPRESS = ("const express = require('express');\n"
            "const app = express();\n"
            "app.get('/feed', (req, res) => {\n"
            "  const key = req.query.apiKey;\n"
            "  res.send(load(key));\n"
            "});\n"
            "app.get('/share', (req, res) => {\n"
            "  const { id, access_token: t } = req.query;\n"
            "  res.send(t);\n"
            "});\n"
            "app.get('/items', (req, res) => {\n"
            "  res.send(req.query['sort']);\n"
            "});\n")
_READERS: dict[str, Callable[[str, str], list[code_routes.Route]]] = {
    "flask": code_routes.python_routes, "nest": code_routes.node_routes, "express": code_routes.express_routes}


@pytest.mark.parametrize(("reader", "file", "text", "said"), [
    ("flask", "app.py", _FLASK, {"/download/{name}": "'Token' read from the URL query at app.py:5", "/list": None}),
    ("nest", "setup.controller.ts", _NEST,
     {"/setup/config": "'token' read from the URL query at setup.controller.ts:5", "/setup/list": None}),
    ("express", "app.js", _EXPRESS, {"/feed": "'apiKey' read from the URL query at app.js:4",
                                     "/share": "'access_token' read from the URL query at app.js:8", "/items": None}),
], ids=["flask-request-args", "nest-query-decorator", "express-req-query"])
def test_a_handler_reading_a_credential_named_parameter_from_its_query_string(
        reader: str, file: str, text: str, said: dict[str, str | None]) -> None:
    assert {r.path: r.query_credential for r in _READERS[reader](file, text)} == said


@pytest.mark.parametrize(("route", "params"), [
    ("/projects/{code}/metrics/{key}", {"code", "key"}),
    ("/download/<path:name>/<id>", {"name", "id"}),
    ("/plain", set()),
])
def test_path_params(route: str, params: set[str]) -> None:
    assert code_url_credentials.path_params(route) == params
