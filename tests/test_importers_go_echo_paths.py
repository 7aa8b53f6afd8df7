"""Echo joins a group's prefix and a route's path by concatenation (code_go): an empty path is the prefix itself,
"/" the prefix with a trailing slash, and a path without a leading slash is glued on; chi and the standard library
keep their own joining."""

from __future__ import annotations

from engine.importers import code_go
from engine.importers.code_text import blank_comments

ECHO = """
package web

import "github.com/labstack/echo/v4"

func register(e *echo.Echo, h *Handlers) {
    cal := e.Group("/cal")
    cal.Any("", h.Entry)
    cal.Any("/", h.Entry)
    cal.Any("/books/:book", h.Book)
    people := e.Group("/api/person")
    people.GET("", h.Me)
    people.GET("s", h.People)
    anywhere := e.Group(settings.Prefix)
    anywhere.GET("x", h.Nothing)
}
"""

CHI = """
package web

import "github.com/go-chi/chi/v5"

func register(r chi.Router, h *Handlers) {
    r.Route("/cal", func(r chi.Router) {
        r.Get("/", h.Entry)
        r.Get("/books/{book}", h.Book)
    })
}
"""


def _paths(path: str, code: str) -> list[str]:
    return sorted({f"{r.method} {r.path}" for r in code_go.service_routes([(path, blank_comments(code))])})


def test_echo_groups_concatenate_the_prefix_and_the_path() -> None:
    assert _paths("web/routes.go", ECHO) == [
        "ANY /cal", "ANY /cal/", "ANY /cal/books/:book", "GET /api/person", "GET /api/persons"]


def test_chi_keeps_the_mount_point_for_its_root_route() -> None:
    assert _paths("web/routes.go", CHI) == ["GET /cal", "GET /cal/books/{book}"]
