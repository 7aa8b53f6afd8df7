"""A session cookie's missing flags are the serving service's settings as much as the route's: the finding of
``session-cookie-without-secure-flags`` is about the endpoint and its service (``subjects``), so that a reviewer's
"the service's session cookie is not Secure" is the same finding."""

from __future__ import annotations

from typing import Any

from engine.review import review
from tests.helpers import write


def test_the_finding_names_the_endpoint_first_then_the_service_that_serves_it(tmp_path: Any) -> None:
    write(str(tmp_path), "api.yaml", (
        "source: api\nservices:\n  - name: portal\n"
        "endpoints:\n"
        "  - {method: POST, path: /sign-in, served_by: portal, session_cookie: {secure: false, http_only: true}}\n"
        "  - {method: POST, path: /sign-out, served_by: portal, session_cookie: {secure: true, http_only: true}}\n"))
    found = [f.subjects for f in review([str(tmp_path)]).findings if f.rule == "session-cookie-without-secure-flags"]
    assert found == [("endpoint:POST /sign-in", "service:portal")]


def test_behind_a_gateway_the_service_named_is_the_backend_it_routes_to(tmp_path: Any) -> None:
    write(str(tmp_path), "api.yaml", (
        "source: api\nservices:\n  - name: edge\n  - name: portal\n  - name: shop\n"
        "interactions:\n  - {from: edge, to: portal}\n  - {from: edge, to: shop}\n"
        "endpoints:\n"
        "  - {method: POST, path: /sign-in, served_by: edge, routes_to: [portal],\n"
        "     session_cookie: {secure: false, http_only: true}}\n"
        "  - {method: POST, path: /both, served_by: edge, routes_to: [portal, shop],\n"
        "     session_cookie: {secure: false, http_only: true}}\n"))
    found = sorted(f.subjects for f in review([str(tmp_path)]).findings
                   if f.rule == "session-cookie-without-secure-flags")
    assert found == [("endpoint:POST /both", "service:edge"), ("endpoint:POST /sign-in", "service:portal")]
