"""Routes of several services' code with one method and path (``GET /``, ``GET /{id}``): each service that publishes its
own port serves its own endpoint, placed behind its own entry point, and a route a second gateway forwards is that
gateway's endpoint too; none is left unplaced because another server took the method and path first."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

PAGES = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        pass

    @app.route("/<int:id>")
    def one(id):
        pass
"""


def test_services_publishing_their_own_ports_each_serve_their_routes_behind_their_own_entry(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          billing:
            image: shop/billing
            ports: ["8081:8080"]
          dispatch:
            image: shop/dispatch
            ports: ["8082:8080"]
    """)
    write(tmp, "billing/app.py", PAGES)
    write(tmp, "dispatch/app.py", PAGES)
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/billing", f"source={tmp}/dispatch"])
    design = load_documents(docs)
    notes = {k: n for d in docs for k, ns in d.notes.items() for n in ns if n.startswith("public through")}
    first, second = fact(design, "endpoint:GET /"), fact(design, "endpoint:dispatch-GET")
    assert (first.data["served_by"], second.data["served_by"]) == ("billing", "dispatch")
    assert second.data["path"] == "/" and fact(design, "endpoint:dispatch-GET-/-id").data["takes_object_id"] is True
    # both reached from outside through their own published port: placed there like the first service's route
    assert notes["endpoint:dispatch-GET"] == "public through endpoint:dispatch-entry (path kept)"
    assert notes["endpoint:GET /"] == "public through endpoint:billing-entry (path kept)"


def test_a_route_two_gateways_forward_is_an_endpoint_of_each(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    for gw in ("shop", "admin"):
        write(tmp, f"{gw}/nginx.conf", """
            server {
                listen 8080;
                location /api/items {
                    rewrite ^/api/items(/.*)$ $1 break;
                    proxy_pass http://items:3000;
                }
            }
        """)
    write(tmp, "items/app.py", PAGES.replace('"/<int:id>"', '"/<int:id>", methods=["DELETE"]'))
    design = load_documents(load_artifacts([f"gateway:admin={tmp}/admin/nginx.conf",
                                            f"gateway:shop={tmp}/shop/nginx.conf", f"source={tmp}/items"]))
    first, second = fact(design, "endpoint:DELETE /api/items/{id}"), fact(design, "endpoint:shop-DELETE-/api/items/-id")
    assert {first.data["served_by"], second.data["served_by"]} == {"admin", "shop"}
    assert first.data["routes_to"] == second.data["routes_to"] == ["items"]
    assert "interaction:shop->items" in design.by_key() and "interaction:admin->items" in design.by_key()
