"""The flags of the session cookie an Express handler sets with ``res.cookie`` (``code_routes.express_routes``):
written as ``true``/``false``, Express's defaults (off) when left out, unknown when an expression or a variable
gives them."""

from __future__ import annotations

import pytest

from engine.importers import code_routes


def _cookie(options: str) -> dict[str, bool] | None:
    code = ("const express = require('express');\n"
            "const app = express();\n"
            "app.post('/login', (req, res) => {\n"
            f"  res.cookie('session_token', issue(req){options});\n"
            "  res.end();\n"
            "});\n")
    [route] = code_routes.express_routes("app.js", code)
    return None if route.cookie is None else dict(route.cookie[0])


@pytest.mark.parametrize(("options", "flags"), [
    ("", {"secure": False, "http_only": False}),
    (", { maxAge: 3600 }", {"secure": False, "http_only": False}),
    (", { secure: true, httpOnly: true }", {"secure": True, "http_only": True}),
    (", { httpOnly: true, secure: false }", {"secure": False, "http_only": True}),
    (", { httpOnly: true, secure: config.get('COOKIE_SECURE') === 'true' }", {"http_only": True}),
    (", { httpOnly: true, secure }", {"http_only": True}),
    (", cookieOptions", {}),
], ids=["none", "other-options", "both-on", "secure-off", "secure-from-config", "secure-shorthand",
        "options-variable"])
def test_flags_are_read_as_written_defaulted_when_left_out_and_unknown_when_computed(
        options: str, flags: dict[str, bool]) -> None:
    assert _cookie(options) == flags
