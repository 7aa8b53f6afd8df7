"""`import source` on a Flask application's routes across its modules: paths a helper builds, Flask-RESTful
resources (and an ``Api`` subclass's ``add_..._resource`` wrapper), Flask-Limiter's per-route limits, and a JWT
signed for an outgoing call read as no user token (engine/importers/code_flask.py, code_routes.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import import_paths
from tests.helpers import write

BASE = """
    from flask import Blueprint
    from flask_restful import Resource
    from app import settings

    routes = Blueprint("app", __name__)

    def org_scoped_rule(rule):
        if settings.MULTI_ORG:
            return "/<org_slug>{}".format(rule)
        return rule

    def versioned(rule):
        return f"/v2{rule}"

    def looked_up(rule):
        return RULES[rule]

    class BaseResource(Resource):
        def options(self):
            return {}
"""

INIT = """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    limiter = Limiter(key_func=get_remote_address)
"""

AUTH = """
    from flask import request
    from app import limiter, settings
    from app.base import looked_up, org_scoped_rule, routes, versioned

    @routes.route(org_scoped_rule("/login"), methods=["GET", "POST"])
    @limiter.limit(settings.THROTTLE_LOGIN_PATTERN)
    def login():
        check(request.form["password"])

    @routes.route(org_scoped_rule("/ldap/login"), methods=["POST"])
    def ldap_login():
        check(request.form["password"])

    @routes.route(versioned("/status"))
    def status():
        return "ok"

    @routes.route(looked_up("/hidden"))
    def hidden():
        return "?"
"""

RESOURCES = """
    from app import limiter
    from app.base import BaseResource

    class QueryResultResource(BaseResource):
        def get(self, query_id):
            return {}

        def post(self, query_id):
            return {}

    class UserListResource(BaseResource):
        decorators = BaseResource.decorators + [limiter.limit("50/hour", methods=["POST"])]

        def get(self):
            return []

        def post(self):
            return {}
"""

API = """
    from flask_restful import Api
    from app.base import org_scoped_rule
    from app.resources import QueryResultResource, UserListResource

    class ApiExt(Api):
        def add_org_resource(self, resource, *urls, **kwargs):
            urls = [org_scoped_rule(url) for url in urls]
            return self.add_resource(resource, *urls, **kwargs)

    api = ApiExt()
    api.add_org_resource(QueryResultResource, "/api/queries/<query_id>/results", endpoint="query_result")
    api.add_resource(UserListResource, "/api/users", endpoint="users")
"""


def _app(tmp_path: Any, **changed: str) -> dict[str, dict[str, Any]]:
    files = {"__init__.py": INIT, "base.py": BASE, "authentication.py": AUTH, "resources.py": RESOURCES,
             "api.py": API, "settings.py": "MULTI_ORG = False\n", **changed}
    for name, text in files.items():
        write(str(tmp_path), f"app/{name}", text)
    docs = import_paths("source", [str(tmp_path / "app")], service="server")
    return {f"{ep['method']} {ep['path']}": ep for d in docs for ep in d.data.get("endpoints") or []}


def test_a_route_whose_path_a_helper_builds_is_read_at_the_value_the_helper_returns(tmp_path: Any) -> None:
    eps = _app(tmp_path)
    # org_scoped_rule returns its argument unless settings.MULTI_ORG; versioned an f-string of it
    assert {"GET /login", "POST /login", "POST /ldap/login", "GET /v2/status"} <= set(eps)
    # a helper that looks the path up returns nothing the import can evaluate: its route stays unread
    assert not any("hidden" in k for k in eps)


def test_flask_restful_resources_serve_their_class_methods_through_the_api_wrapper(tmp_path: Any) -> None:
    eps = _app(tmp_path)
    assert {"GET /api/queries/{query_id}/results", "POST /api/queries/{query_id}/results",
            "OPTIONS /api/queries/{query_id}/results"} <= set(eps)  # OPTIONS from the base class
    assert {"GET /api/users", "POST /api/users", "OPTIONS /api/users"} <= set(eps)
    assert not any(k.startswith(("PUT ", "DELETE ")) for k in eps)


def test_a_wrapper_that_maps_its_paths_through_something_else_serves_none(tmp_path: Any) -> None:
    api = API.replace("urls = [org_scoped_rule(url) for url in urls]", "urls = [rename(url) for url in urls]")
    eps = _app(tmp_path, **{"api.py": api})
    assert not any(k.endswith("/results") for k in eps)
    assert "GET /api/users" in eps  # add_resource itself still reads


def test_flask_limiter_on_the_route_is_its_rate_limit_and_guards_a_sign_in(tmp_path: Any) -> None:
    eps = _app(tmp_path)
    assert eps["POST /login"]["rate_limit"] is True
    assert eps["POST /login"]["auth_flow"] is True
    assert eps["POST /login"]["brute_force_protection"] is True
    assert eps["GET /login"]["rate_limit"] is True
    assert "brute_force_protection" not in eps["GET /login"]  # rendering the form is no credential flow
    assert "rate_limit" not in eps["POST /ldap/login"]  # no limit of its own
    assert "brute_force_protection" not in eps["POST /ldap/login"]
    # a resource's decorators limit the methods they name
    assert eps["POST /api/users"]["rate_limit"] is True
    assert "rate_limit" not in eps["GET /api/users"]


def test_a_limit_method_of_something_that_is_no_flask_limiter_limits_nothing(tmp_path: Any) -> None:
    eps = _app(tmp_path, **{"__init__.py": "limiter = Throttle()\n"})
    assert "rate_limit" not in eps["POST /login"]
    assert "brute_force_protection" not in eps["POST /login"]


SIGNED_FOR_A_CALL = """
    import jwt

    def generate_header(key, secret):
        token = jwt.encode({"iss": key}, secret, algorithm="HS256")
        return {"Authorization": "Bearer %s" % token}
"""


def _issuer(docs: list[Any]) -> Any:
    return next((d.data["security"].get("identity_provider_kind") for d in docs if d.data.get("security")), None)


def test_a_jwt_signed_into_a_bearer_header_of_a_call_is_no_user_token(tmp_path: Any) -> None:
    write(str(tmp_path), "app/__init__.py", INIT)
    write(str(tmp_path), "app/base.py", BASE)
    write(str(tmp_path), "app/authentication.py", AUTH)
    write(str(tmp_path), "app/query_runner.py", SIGNED_FOR_A_CALL)
    assert _issuer(import_paths("source", [str(tmp_path / "app")], service="server")) is None
    # the same service signing a token in a function that returns it to the user issues its users' tokens
    write(str(tmp_path), "app/tokens.py", "import jwt\n\ndef issue(user):\n    return jwt.encode({'sub': user}, KEY)\n")
    assert _issuer(import_paths("source", [str(tmp_path / "app")], service="server")) == "custom"


def test_a_worker_running_the_same_code_does_not_log_what_the_web_handlers_log(tmp_path: Any) -> None:
    from engine.importers import load_artifacts
    from engine.loader import load_documents
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          server:
            image: acme/dash
            command: gunicorn app:app
            ports: ["5000:5000"]
          worker:
            image: acme/dash
            command: rq worker default
    """)
    write(tmp, "code/app/handlers.py", """
        import logging
        from flask import Flask, request
        app = Flask(__name__)
        logger = logging.getLogger(__name__)

        def render_token_page(token):
            logger.exception("bad invite token %s", token)
            return ""

        @app.route("/invite/<token>", methods=["POST"])
        def invite(token):
            return render_token_page(token)
    """)
    write(tmp, "code/app/jobs.py", """
        import logging
        logger = logging.getLogger(__name__)

        def refresh(api_key):
            logger.info("refreshing with %s", api_key)
    """)
    docs = load_artifacts([f"compose={compose}", *(f"source:{s}={tmp}/code" for s in ("server", "worker"))])
    services = {f.key: f.data for f in load_documents(docs).facts if f.kind == "service"}
    assert services["service:server"].get("logs_sensitive_data") is True
    assert services["service:worker"].get("logs_sensitive_data") is True  # its own job's log statement
    said = [what for d in docs for _at, what in d.remarks]
    assert any("the log statement not worker's: it is in request code" in r for r in said)
    assert not any("not server's" in r for r in said)
    # the job's statement is the worker's only one: the handler module's is the server's alone
    logged = [what for d in docs for at, what in d.remarks
              if "not worker's" in what and at.file.endswith("handlers.py")]
    assert len(logged) == 1


LOGIN = """
    from flask import request
    from flask_login import LoginManager, login_required
    from app.base import routes

    login_manager = LoginManager()

    def key_from_request(req):
        key = req.args.get("api_key", None)
        if key is not None:
            return key
        return req.headers.get("Authorization")

    def load_by_key(req):
        return User.by_api_key(key_from_request(req))

    def request_loader(req):
        return load_by_key(req)

    def init_app(app):
        login_manager.init_app(app)
        login_manager.request_loader(request_loader)

    @routes.route("/embed/<slug>")
    @login_required
    def embed(slug):
        return slug
"""

LOGIN_BASE = BASE.replace("""    class BaseResource(Resource):
""", """    from flask_login import login_required

    class BaseResource(Resource):
        decorators = [login_required]
""")


def test_a_login_managers_request_loader_reading_a_key_from_the_query_puts_it_in_every_login_routes_url(
        tmp_path: Any) -> None:
    eps = _app(tmp_path, **{"login.py": LOGIN, "base.py": LOGIN_BASE})
    said = eps["GET /api/queries/{query_id}/results"]
    assert said["credentials_in_query"] is True  # BaseResource's decorators, through the wrapper
    assert eps["POST /api/users"]["credentials_in_query"] is True
    assert eps["GET /embed/{slug}"]["credentials_in_query"] is True  # @login_required on a Flask view
    # a CORS preflight carries no credential; a route that requires no login gets none sent
    assert "credentials_in_query" not in eps["OPTIONS /api/users"]
    assert "credentials_in_query" not in eps["POST /login"]


def test_a_decorated_loader_is_read_as_one_registered_by_a_call(tmp_path: Any) -> None:
    login = LOGIN.replace("        login_manager.request_loader(request_loader)\n", "").replace(
        "    def request_loader(req):", "    @login_manager.request_loader\n    def request_loader(req):")
    eps = _app(tmp_path, **{"login.py": login, "base.py": LOGIN_BASE})
    assert eps["GET /api/users"]["credentials_in_query"] is True


@pytest.mark.parametrize("change", [
    # the loader takes the key from a header only
    ('        key = req.args.get("api_key", None)\n        if key is not None:\n            return key\n', ""),
    # it reads a query parameter that is no credential
    ('req.args.get("api_key", None)', 'req.args.get("next", None)'),
    # the object whose loader it is is no Flask-Login LoginManager
    ("login_manager = LoginManager()", "login_manager = Registry()"),
])
def test_a_loader_that_takes_no_credential_from_the_query_puts_none_in_a_url(
        tmp_path: Any, change: tuple[str, str]) -> None:
    eps = _app(tmp_path, **{"login.py": LOGIN.replace(*change), "base.py": LOGIN_BASE})
    assert not any(ep.get("credentials_in_query") for ep in eps.values())


def test_routes_that_require_no_login_take_no_credential_from_the_loader(tmp_path: Any) -> None:
    eps = _app(tmp_path, **{"login.py": LOGIN.replace("    @login_required\n", "")})  # BaseResource without it
    assert not any(ep.get("credentials_in_query") for ep in eps.values())
