"""A Go session library's cookie options (code_go): the flags its options literal states (Go's zero values for those
left out) on the service's sign-in routes, where the session and its cookie are made."""

from __future__ import annotations

import pytest

from engine.importers import code_go
from engine.importers.code_text import blank_comments

ROUTES = """
package main

import "github.com/labstack/echo/v4"

func routes(e *echo.Echo, h *Handlers) {
    e.POST("/desk/sign-in", h.SignIn)
    e.GET("/desk/sign-in", h.SignInPage)
    e.POST("/desk/notes", h.AddNote)
}
"""

SESSIONS = """
package desk

import (
    "net/http"

    "github.com/gorilla/sessions"
)

func newStore(key []byte) *sessions.CookieStore {
    store := sessions.NewCookieStore(key)
    store.Options = &sessions.Options{Path: "/", MaxAge: 3600, %s}
    return store
}
"""


def _cookies(options: str, module: str = "github.com/gorilla/sessions") -> dict[str, object]:
    texts = [("desk/routes.go", ROUTES), ("desk/store.go", SESSIONS.replace("github.com/gorilla/sessions", module)
                                          % options)]
    return {f"{r.method} {r.path}": r.cookie and dict(r.cookie[0])
            for r in code_go.service_routes([(f, blank_comments(t)) for f, t in texts])}


@pytest.mark.parametrize(("options", "flags"), [
    ("HttpOnly: true", {"secure": False, "http_only": True}),
    ("Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode",
     {"secure": True, "http_only": True, "same_site": "strict"}),
    ("Secure: cfg.Secure", {"http_only": False}),
], ids=["secure-left-out", "all-set", "secure-from-configuration"])
def test_the_sign_in_route_takes_the_session_librarys_cookie_flags(options: str, flags: dict[str, object]) -> None:
    got = _cookies(options)
    assert got["POST /desk/sign-in"] == flags
    assert got["GET /desk/sign-in"] is None  # the form, not the sign-in
    assert got["POST /desk/notes"] is None


def test_options_of_a_type_named_alike_in_a_file_without_the_library_are_not_read() -> None:
    assert _cookies("HttpOnly: true", module="example.com/desk/sessions")["POST /desk/sign-in"] is None
