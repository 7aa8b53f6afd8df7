"""`import source`: a compose `depends_on` that the caller's code and configuration never name is a start order."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def test_a_depends_on_the_callers_code_never_names_is_a_start_order_not_a_call(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          web:
            image: acme/web
            depends_on: [api, thumbs]
          admin:
            image: acme/admin
            depends_on: [config, thumbs]
          batch:
            image: acme/batch
            environment: {LOG_LEVEL: info}
            depends_on: [thumbs]
          api:
            image: acme/api
          thumbs:
            image: acme/thumbs
          config:
            image: acme/config-server
    """)
    write(tmp, "web/server.js", "const API = process.env.API_URL || 'http://api:8080';\n")
    write(tmp, "admin/app.py", "import os\n")
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/web", f"source={tmp}/admin"])
    keys = load_documents(docs).by_key()
    assert "interaction:web->api" in keys  # its code names api
    assert "interaction:web->thumbs" not in keys  # nothing of web names thumbs
    assert [text for d in docs for _at, text in d.remarks if "not drawn: only" in text] == [
        f"web->thumbs not drawn: only depends_on ({compose}:4:23) says it, and no code or configuration of web "
        "names thumbs: a start order, not a call"]
    assert "interaction:admin->thumbs" in keys  # admin fetches configuration from a server that may name it
    assert "interaction:batch->thumbs" in keys  # batch's code is not given


def test_a_store_only_depends_on_names_is_no_client_unless_the_code_shows_one_of_its_kind(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          hub:
            image: acme/hub
            depends_on: [ledgerdb, docs]
          reports:
            image: acme/reports
            depends_on: [ledgerdb]
          ledgerdb:
            image: postgres:16
          docs:
            image: mongo:7
    """)
    # C# code: read as well as the languages routes are read from; it opens neither store
    write(tmp, "hub/Program.cs", 'var app = WebApplication.Create(args);\napp.MapGet("/ping", () => "pong");\n')
    # its store's address comes from a file no import reads, but its code shows a SQL client
    write(tmp, "reports/main.py", "import psycopg\nconn = psycopg.connect(load_settings()['dsn'])\n")
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/hub", f"source={tmp}/reports"])
    keys = load_documents(docs).by_key()
    assert "interaction:hub->ledgerdb" not in keys
    assert "interaction:hub->docs" not in keys
    assert "interaction:reports->ledgerdb" in keys
    assert sorted(text.split(":", 1)[0] for d in docs for _at, text in d.remarks if "not drawn: only" in text) == [
        "hub->docs not drawn", "hub->ledgerdb not drawn"]


def test_an_oauth_scope_named_after_a_service_is_not_its_address(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          portal:
            image: acme/portal
            depends_on: [payments, stock]
          kiosk:
            image: acme/kiosk
            depends_on: [payments]
          payments:
            image: acme/payments
          stock:
            image: acme/stock
    """)
    write(tmp, "portal/Startup.cs", 'options.Scope.Add("payments");\nvar stock = cfg["StockUrl"] ?? "http://stock";\n')
    write(tmp, "kiosk/src/auth.ts", "const settings = { scope: 'openid profile payments' };\n")
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/portal", f"source={tmp}/kiosk"])
    keys = load_documents(docs).by_key()
    assert "interaction:portal->payments" not in keys
    assert "interaction:kiosk->payments" not in keys
    assert "interaction:portal->stock" in keys  # named by an address


def test_a_service_named_only_in_a_comment_of_the_callers_code_is_a_start_order(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          live:
            image: acme/live
            depends_on: [web, api]
          worker:
            image: acme/worker
            depends_on: [web, api]
          web:
            image: acme/web
          api:
            image: acme/api
    """)
    # live's TypeScript links MDN's Web API docs in a block comment and says api in a line comment
    write(tmp, "live/close.ts", "/**\n * https://developer.mozilla.org/en-US/docs/Web/API/CloseEvent/code\n */\n"
                                "export const NORMAL = 1000; // the api closes with it too\n")
    # worker's Python says web in a comment, and api (in a string holding a '#') in code
    write(tmp, "worker/jobs.py", "# called by web's form\nURL = 'http://api:8000/#jobs'\n")
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/live", f"source={tmp}/worker"])
    keys = load_documents(docs).by_key()
    assert "interaction:live->web" not in keys
    assert "interaction:live->api" not in keys
    assert "interaction:worker->web" not in keys
    assert "interaction:worker->api" in keys
