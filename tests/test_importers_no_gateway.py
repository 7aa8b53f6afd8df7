"""A deployment with no gateway at all: the application a compose file publishes at its own port is not behind one
(``code_routes._without_gateways``); a front end that calls the system's other services, a gateway anywhere, an
operator tool and a service whose code is not read are left unknown."""

from __future__ import annotations

import os

from engine.importers import load_artifacts
from engine.loader import load_documents
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import fact

_APP = """
    from flask import Flask

    app = Flask(__name__)


    @app.route("/notes")
    def notes():
        return "[]"
    """


def _system(root: str, *, front_calls: str = "", extra: tuple[str, ...] = ()) -> tuple[Design, list[str]]:
    """A compose file publishing ``app`` (Flask code read) beside a helper from another owner, a mail catcher (its
    code read too) and ``admin`` (its code not read);
    ``front_calls`` adds a front end of the same owner whose code is read, calling that service. The design, and the
    import's notes on ``app``."""
    write(root, "app/app.py", _APP)
    write(root, "front/app.py", _APP.replace("/notes", "/"))
    write(root, "mail/app.py", _APP.replace("/notes", "/messages"))
    write(root, "admin/app.py", _APP.replace("/notes", "/jobs"))
    services = [
        "  app:", "    image: example/app:1.0", '    ports: ["8000:8000"]',
        "    environment: {CONVERTER_URL: 'http://converter:3000/'}",
        "  converter:", "    image: gotenberg/gotenberg:8",
        "  mail:", "    image: maildev/maildev:2.1.0", '    ports: ["1080:1080"]',
        "  admin:", "    image: example/admin:1.0", '    ports: ["9000:9000"]']
    if front_calls:
        services += ["  front:", "    image: example/front:1.0", '    ports: ["80:8080"]',
                     f"    environment: {{NOTES_URL: 'http://{front_calls}:8000/'}}"]
    services += extra
    write(root, "docker-compose.yml", "\n".join(["services:", *services, ""]))
    specs = [f"compose={root}/docker-compose.yml", f"source:app={root}/app", f"source:mail={root}/mail"]
    if front_calls:
        specs.append(f"source:front={root}/front")
    docs = load_artifacts(specs)
    return load_documents(docs), [n for doc in docs for n in getattr(doc, "notes", {}).get("service:app", [])]


def test_an_application_published_with_no_gateway_anywhere_is_not_behind_one(tmp_path: os.PathLike[str]) -> None:
    d, notes = _system(str(tmp_path))
    assert fact(d, "service:app").data["behind_gateway"] is False  # a helper from another owner is no service of ours
    assert any("nothing imported is a gateway" in n for n in notes)
    assert "app->converter" in {i.name for i in d.of_kind("interaction")}
    assert fact(d, "service:mail").data["operator_tool"] is True
    assert "behind_gateway" not in fact(d, "service:mail").data  # an operator tool serves no API
    assert "behind_gateway" not in fact(d, "service:admin").data  # its code is not read: what it serves is unknown


def test_a_front_end_calling_the_systems_services_is_left_unknown(tmp_path: os.PathLike[str]) -> None:
    d, _notes = _system(str(tmp_path), front_calls="app")
    assert "front->app" in {i.name for i in d.of_kind("interaction")}
    assert "behind_gateway" not in fact(d, "service:front").data  # it may be the edge the clients are meant to use
    assert fact(d, "service:app").data["behind_gateway"] is False


def test_any_gateway_leaves_every_service_unknown(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    _system(root, extra=("  proxy:", "    image: nginx:1.27", '    ports: ["443:443"]'))
    write(root, "proxy/nginx.conf", """
        events {}
        http { server { listen 443; location /other/ { proxy_pass http://mail:1080/; } } }
        """)
    specs = [f"compose={root}/docker-compose.yml", f"source:app={root}/app", f"gateway:proxy={root}/proxy/nginx.conf"]
    d = load_documents(load_artifacts(specs))
    assert fact(d, "service:proxy").data["kind"] == "gateway"
    assert "behind_gateway" not in fact(d, "service:app").data  # a gateway routes: a direct port may be meant


def test_a_service_whose_code_is_not_read_is_left_unknown(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    _system(root)
    d = load_documents(load_artifacts([f"compose={root}/docker-compose.yml"]))
    assert "behind_gateway" not in fact(d, "service:app").data  # what it serves, and whether it fronts, is unknown
