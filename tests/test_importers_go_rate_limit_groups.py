"""Go groups, routers and routes given a rate-limiting middleware (code_go): their routes take ``rate_limit`` (and a
sign-in its brute-force protection); a limiter is never read as authentication, even when its settings name
'NoAuth' routes, and an OAuth check is told by a word of its own."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_go, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write

ROUTES = """
package web

import (
    "github.com/labstack/echo/v4"
)

func register(e *echo.Echo, lib *Library) {
    api := e.Group("/api")

    open := api.Group("")
    open.Use(anonymousRateLimit())
    open.POST("/sign-in", lib.SignIn)
    open.POST("/sign-up", lib.SignUp)

    api.GET("/opening-hours", lib.Hours)
    api.GET("/live", lib.Live, liveRateLimit)

    api.Use(lib.requireOAuth)
    api.GET("/loans", lib.Loans)
    api.GET("/loans/:id", lib.Loan)

    throttled := e.Group("/export", exportThrottle())
    throttled.GET("/csv", lib.Export)
}
"""

LIMITS = """
package web

func anonymousRateLimit() echo.MiddlewareFunc {
    limit := settings.RateLimitNoAuthRoutesLimit()
    return newLimiter(limit, "ip")
}

func exportThrottle() echo.MiddlewareFunc {
    return newLimiter(2, "user")
}

func (l *Library) requireOAuth(next echo.HandlerFunc) echo.HandlerFunc {
    return func(c echo.Context) error {
        if !l.introspect(c.Request().Header.Get("Authorization")) {
            return echo.ErrUnauthorized
        }
        return next(c)
    }
}
"""


def _routes() -> dict[str, code_go.GoRoute]:
    texts = [("lib/routes.go", ROUTES), ("lib/limits.go", LIMITS)]
    return {f"{r.method} {r.path}": r for r in code_go.service_routes([(f, blank_comments(t)) for f, t in texts])}


def test_routes_registered_on_a_group_after_its_rate_limiting_use_are_throttled() -> None:
    got = _routes()
    assert "anonymousRateLimit()" in (got["POST /api/sign-in"].throttled or "")
    assert got["POST /api/sign-up"].throttled == got["POST /api/sign-in"].throttled
    assert "exportThrottle()" in (got["GET /export/csv"].throttled or "")  # given when the group is made


def test_an_echo_route_s_own_limiter_after_its_handler_throttles_it_and_is_not_its_handler() -> None:
    got = _routes()
    assert "liveRateLimit" in (got["GET /api/live"].throttled or "")
    assert got["GET /api/opening-hours"].throttled is None  # the parent group has no limiter


def test_a_limiter_whose_settings_name_noauth_routes_is_no_oauth_authentication() -> None:
    got = _routes()
    assert got["POST /api/sign-in"].authn is None
    assert got["GET /api/loans"].authn is not None and got["GET /api/loans"].authn[0] == "oauth2"
    assert got["GET /api/loans"].throttled is None  # the limiter is on the sub-group, not on api


def test_the_imported_sign_in_is_rate_limited_and_protected_from_brute_force(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "lib/routes.go", ROUTES)
    write(root, "lib/limits.go", LIMITS)
    docs = load_artifacts([f"source={os.path.join(root, 'lib')}"])
    eps = {f"{f.data['method']} {f.data['path']}": f.data for f in load_documents(docs).of_kind("endpoint")}
    assert eps["POST /api/sign-in"]["rate_limit"] is True
    assert eps["POST /api/sign-in"].get("brute_force_protection") is True
    assert "rate_limit" not in eps["GET /api/opening-hours"]


def test_oauth_inside_another_word_does_not_make_a_session_check_an_oauth_one() -> None:
    routes = ROUTES.replace("api.Use(lib.requireOAuth)", "api.Use(lib.requireLogin)")
    gate = LIMITS + """
func (l *Library) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
    return func(c echo.Context) error {
        if settings.AllowNoAuthPreview() {
            return next(c)
        }
        if _, err := c.Cookie("library_session"); err != nil {
            return echo.ErrUnauthorized
        }
        return next(c)
    }
}
"""
    texts = [("lib/routes.go", routes), ("lib/limits.go", gate)]
    got = {f"{r.method} {r.path}": r for r in code_go.service_routes([(f, blank_comments(t)) for f, t in texts])}
    assert got["GET /api/loans"].authn is not None and got["GET /api/loans"].authn[0] == "session"
