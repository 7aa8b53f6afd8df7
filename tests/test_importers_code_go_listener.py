"""A Go service's listener (code_go.plain_listener): plain HTTP unless its code gives its server TLS."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_go, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import line_of

SIGNUP = """
    package main

    import (
        "net/http"
    )

    // http.ListenAndServeTLS(addr, cert, key, mux) would be in a comment: it gives no TLS

    func main() {
        mux := http.NewServeMux()
        mux.HandleFunc("POST /signup", signup)
        srv := &http.Server{Addr: ":7000", Handler: mux}
        srv.ListenAndServe()
    }

    func signup(w http.ResponseWriter, r *http.Request) {}
"""


def test_a_go_server_started_without_tls_and_published_by_compose_serves_its_routes_without_tls(
        tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          signup:
            image: acme/signup:5
            ports: ["7000:7000"]
        """)
    main = write(root, "signup/main.go", SIGNUP)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'signup')}"])
    ep = next(f for f in load_documents(docs).of_kind("endpoint") if f.data.get("path") == "/signup")
    assert ep.data["tls"] is False
    assert ep.locate("tls").line == line_of(main, "srv.ListenAndServe()")


@pytest.mark.parametrize(("extra", "plain"), [
    ("", True),
    ('func serveSecure(s *http.Server) { s.ListenAndServeTLS("cert.pem", "key.pem") }', False),
    ("var srv = &http.Server{Addr: \":443\", TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}", False),
    ("func harden(s *http.Server) {}\nfunc secure() { api := &http.Server{}; api.TLSConfig = &tls.Config{} }", False),
    ('var m = autocert.Manager{Prompt: autocert.AcceptTOS}', False),
    ("func relay() { opt.TLSConfig = &tls.Config{ServerName: host}; c.StartTLS(opt.TLSConfig) }", True),
    ("var pgTLS = &tls.Config{MinVersion: tls.VersionTLS12}", True),
], ids=["plain", "listen-tls-anywhere", "server-tls-config", "server-tls-config-set-later", "autocert",
        "mail-client-tls", "driver-tls-config"])
def test_any_tls_in_the_go_code_leaves_the_listener_unknown(extra: str, plain: bool) -> None:
    texts = [("svc/main.go", SIGNUP), ("svc/secure.go", "package main\n" + extra + "\n"),
             ("svc/main_test.go", 'package main\nfunc TestX() { http.ListenAndServeTLS(":1", "c", "k", nil) }\n')]
    assert (code_go.plain_listener([(f, blank_comments(t)) for f, t in texts]) is not None) is plain


def test_gin_run_counts_only_in_a_file_that_imports_gin() -> None:
    gin = 'package main\nimport "github.com/gin-gonic/gin"\nfunc main() { r := gin.Default(); r.Run(":80") }\n'
    worker = "package main\nfunc main() { pool.Run(ctx) }\n"
    assert code_go.plain_listener([("api/main.go", gin)]) is not None
    assert code_go.plain_listener([("worker/main.go", worker)]) is None


def test_echo_start_tls_gives_tls_only_in_a_file_that_imports_echo() -> None:
    echo = ('package main\nimport "github.com/labstack/echo/v4"\n'
            'func main() { e := echo.New(); e.Start(":80") }\n')
    secure = ('package main\nimport "github.com/labstack/echo/v4"\n'
              'func serve(e *echo.Echo) { e.StartTLS(":443", c, k) }\n')
    mailer = 'package mail\nfunc send(c *smtp.Client) { c.StartTLS(conf) }\n'
    assert code_go.plain_listener([("api/main.go", echo), ("api/tls.go", secure)]) is None
    assert code_go.plain_listener([("api/main.go", echo), ("mail/send.go", mailer)]) is not None
