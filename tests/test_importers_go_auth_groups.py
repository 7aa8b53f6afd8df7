"""Go groups and routers built with an authentication middleware (code_go): their routes take ``authn`` of the kind
the middleware reads; a group made without one, a CORS or CSRF middleware, or a function literal leaves it unknown."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_go, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write

LIBRARY = """
package main

import (
    "net/http"

    "github.com/labstack/echo/v4"
    "github.com/labstack/echo/v4/middleware"
)

func routes(e *echo.Echo, s *Shelf) {
    {
        g := e.Group("/staff", s.guard.Check)
        g.GET("/loans", s.Loans)
        g.POST("/loans", s.Lend)
    }
    {
        g := e.Group("")
        g.POST("/sign-in", s.SignIn)
        g.GET("/catalogue", s.Catalogue)
    }
    api := e.Group("/api", middleware.CORS())
    api.GET("/open-hours", s.Hours)
    api.Use(middleware.KeyAuth(s.validKey))
    api.GET("/members", s.Members)
    v2 := api.Group("/v2")
    v2.DELETE("/members/:id", s.Forget)
    hooks := e.Group("/hooks", func(next echo.HandlerFunc) echo.HandlerFunc { return next })
    hooks.POST("/scan", s.Scan)
}
"""

GATE = """
package main

func (g *guard) Check(next echo.HandlerFunc) echo.HandlerFunc {
    return func(c echo.Context) error {
        ck, err := c.Cookie("shelf_session")
        if err != nil || !g.valid(ck.Value) {
            return echo.ErrUnauthorized
        }
        return next(c)
    }
}
"""


def _authn(texts: list[tuple[str, str]]) -> dict[str, str | None]:
    return {f"{r.method} {r.path}": r.authn[0] if r.authn else None
            for r in code_go.service_routes([(f, blank_comments(t)) for f, t in texts])}


def test_routes_of_a_group_made_with_an_authentication_middleware_take_the_kind_it_reads() -> None:
    got = _authn([("shelf/routes.go", LIBRARY), ("shelf/gate.go", GATE)])
    assert got["GET /staff/loans"] == got["POST /staff/loans"] == "session"
    assert got["GET /api/members"] == "api_key"
    assert got["DELETE /api/v2/members/:id"] == "api_key"


def test_a_group_without_one_a_cors_middleware_or_a_literal_leaves_authn_unknown() -> None:
    got = _authn([("shelf/routes.go", LIBRARY), ("shelf/gate.go", GATE)])
    assert got["POST /sign-in"] is None  # the same name, g, made again in another block without the middleware
    assert got["GET /catalogue"] is None
    assert got["GET /api/open-hours"] is None  # registered before api.Use(...)
    assert got["POST /hooks/scan"] is None


def test_a_middleware_whose_credential_is_unknown_leaves_authn_unknown() -> None:
    gate = GATE.replace('c.Cookie("shelf_session")', "lookup(c)")
    got = _authn([("shelf/routes.go", LIBRARY), ("shelf/gate.go", gate)])
    assert got["GET /staff/loans"] is None


def test_the_imported_endpoint_states_authn_with_its_reason(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "shelf/routes.go", LIBRARY)
    write(root, "shelf/gate.go", GATE)
    docs = load_artifacts([f"source={os.path.join(root, 'shelf')}"])
    eps = {f"{f.data['method']} {f.data['path']}": f for f in load_documents(docs).of_kind("endpoint")}
    assert eps["POST /staff/loans"].data["authn"] == "session"
    assert "authn" not in eps["POST /sign-in"].data
