"""A Go route whose handler, or a function it reaches by name, creates a user with an administrator's role
(code_go): ``admin: true`` on its writing methods, as a Django view that makes a superuser is."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_go, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write

DESK = """
package main

import "github.com/labstack/echo/v4"

func routes(e *echo.Echo, h *Desk) {
    e.GET("/desk/sign-in", h.SignIn)
    e.POST("/desk/sign-in", h.SignIn)
    e.POST("/desk/members", h.AddMember)
}

func (h *Desk) SignIn(c echo.Context) error {
    if h.empty {
        return h.firstRun(c)
    }
    return h.checkPassword(c)
}

func (h *Desk) firstRun(c echo.Context) error {
    return h.makeOwner(c.FormValue("name"), c.FormValue("password"))
}

func (h *Desk) makeOwner(name, password string) error {
    _, err := h.store.CreateUser(Member{Name: name, Password: password, Role: %s})
    return err
}

func (h *Desk) AddMember(c echo.Context) error {
    if h.caller(c).Role == RoleSuperAdmin {
        return nil
    }
    _, err := h.store.CreateUser(Member{Name: c.FormValue("name"), Role: RoleReader})
    return err
}
"""


def _admins(role: str) -> dict[str, str | None]:
    code = blank_comments(DESK % role)
    return {f"{r.method} {r.path}": r.grants_admin for r in code_go.service_routes([("desk/routes.go", code)])}


def test_a_sign_in_that_reaches_the_creation_of_a_super_admin_grants_admin_on_its_post() -> None:
    got = _admins("RoleSuperAdmin")
    assert got["POST /desk/sign-in"] is not None
    assert "makeOwner" in got["POST /desk/sign-in"]
    assert got["GET /desk/sign-in"] is None  # a GET writes nothing
    assert got["POST /desk/members"] is None  # compares with the role, creates an ordinary user


def test_a_user_created_with_an_ordinary_role_grants_nothing() -> None:
    assert _admins("RoleReader")["POST /desk/sign-in"] is None


def test_the_imported_endpoint_is_admin(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "desk/routes.go", DESK % "RoleSuperAdmin")
    docs = load_artifacts([f"source={os.path.join(root, 'desk')}"])
    eps = {f"{f.data['method']} {f.data['path']}": f for f in load_documents(docs).of_kind("endpoint")}
    assert eps["POST /desk/sign-in"].data["admin"] is True
    assert "admin" not in eps["POST /desk/members"].data
