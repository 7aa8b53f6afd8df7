"""Go routes registered with a path the code computes (code_go): ``path.Join`` and ``+`` over string literals and the
package's constants are read as Go computes them; a path built from a value known only at run time is left unread."""

from __future__ import annotations

from engine.importers import code_go
from engine.importers.code_text import blank_comments

KIOSK = """
package main

import (
    "net/http"
    "path"

    "github.com/labstack/echo/v4"
)

const (
    maxBody = 4096
    uriDesk = "/desk"
)

var uriShop string = "/shop/"

func routes(e *echo.Echo, cfg Config) {
    g := e.Group("")
    g.GET(path.Join(uriDesk, ""), deskHome)
    g.POST(path.Join(uriDesk, "/sign-in"), signIn)
    g.GET(path.Join(uriDesk, "/sign-in", "/otp"), otpPage)
    g.GET(path.Join(uriShop, "items", "../offers/*"), offers)
    g.GET(uriDesk+"/help", help)
    g.GET(path.Join(cfg.MediaURI, "/:file"), media)
    g.GET(path.Join(mediaRoot(), "/thumbs"), thumbs)
    g.GET(path.Join(uriDesk, "/x")+"/y", odd)
}

func deskHome(c echo.Context) error { return c.String(http.StatusOK, "desk") }
"""


def _routes(code: str) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in code_go.service_routes([("kiosk/routes.go", blank_comments(code))])]


def test_path_join_of_constants_and_literals_is_the_path_go_computes() -> None:
    got = _routes(KIOSK)
    assert ("GET", "/desk") in got
    assert ("POST", "/desk/sign-in") in got
    assert ("GET", "/desk/sign-in/otp") in got
    assert ("GET", "/shop/offers/*") in got
    assert ("GET", "/desk/help") in got


def test_a_path_join_over_a_run_time_value_leaves_the_route_unread() -> None:
    """A field of the configuration, a call's result, or a join followed by more: no route, not a guessed one."""
    assert sorted(_routes(KIOSK)) == [("GET", "/desk"), ("GET", "/desk/help"), ("GET", "/desk/sign-in/otp"),
                                      ("GET", "/shop/offers/*"), ("POST", "/desk/sign-in")]
