"""import gateway: a Caddyfile (engine.importers.caddy_conf, gateway.import_caddy)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.errors import InputError
from engine.importers import detect, gateway, import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import design_of, line_of

CADDYFILE = """
(common) {
	request_body {
		max_size 10MB
	}
	reverse_proxy /api/* orders:8000 {
		transport http {
			response_header_timeout 30s
		}
	}
	handle_path /files/* {
		reverse_proxy store:9000
	}
	reverse_proxy @websocket live:3000
	reverse_proxy /* web:3000
}

{
	email ops@example.org
	{$CERT_OPTIONS}
}

shop.example.org {
	import common
}

:8080 {
	reverse_proxy /internal/* http://backoffice:8000
}
"""


def test_each_reverse_proxy_is_a_route_and_each_site_address_says_its_tls(tmp_path: Any) -> None:
    path = write(str(tmp_path), "Caddyfile", CADDYFILE)
    assert detect(path) == "gateway"
    docs = import_paths("gateway", [path], service="edge")
    d = design_of(docs)
    endpoints = {f.key: f for f in d.of_kind("endpoint")}
    # the first route of a method and path wins, as in the gateways: the public site's are read first
    api = endpoints["endpoint:ANY /api/"]
    assert api.data["served_by"] == "edge" and api.data["routes_to"] == ["orders"]
    assert api.data["tls"] is True  # a host name: Caddy's automatic HTTPS
    assert api.data["rate_limit"] is False  # Caddy limits no rate without a plugin
    assert endpoints["endpoint:ANY /files/"].data["routes_to"] == ["store"]  # handle_path's matcher
    assert endpoints["endpoint:ANY /"].data["routes_to"] == ["web"]
    assert endpoints["endpoint:ANY /internal/"].data["tls"] is False  # a port alone: plain HTTP
    assert api.locate("routes_to").line == line_of(path, "reverse_proxy /api/*")
    calls = {f.key: f.data for f in d.of_kind("interaction")}
    assert calls["interaction:edge->orders"]["timeout_ms"] == 30000  # the transport's response_header_timeout
    assert calls["interaction:edge->web"]["timeout_ms"] == 0  # Caddy sets none by default
    remarks = [text for doc in docs for _at, text in doc.remarks]
    assert any("named matcher @websocket" in r for r in remarks)  # its conditions are not read
    assert any("placeholder {$CERT_OPTIONS} has no value" in r for r in remarks)
    assert "endpoint:ANY /live/" not in endpoints


@pytest.mark.parametrize("name", ["Caddyfile.prod", "aio-multiport.Caddyfile", "site.caddyfile"])
def test_a_caddyfile_is_known_by_the_names_caddy_and_projects_give_it(tmp_path: Any, name: str) -> None:
    # Caddy's own names (Caddyfile, Caddyfile.*, the .caddyfile extension) and the .Caddyfile that projects pass to
    # `caddy run --adapter caddyfile`; another name with "caddyfile" in it is not read as one
    path = write(str(tmp_path), name, CADDYFILE)
    assert detect(path) == "gateway"
    endpoints = {f.key for f in design_of(import_paths("gateway", [path], service="edge")).of_kind("endpoint")}
    assert "endpoint:ANY /internal/" in endpoints
    assert not gateway.detect_text(os.path.join(str(tmp_path), "caddyfile-notes.md"), CADDYFILE)


def test_a_site_addressed_by_a_placeholder_takes_its_container_environment(tmp_path: Any) -> None:
    # the proxy's image reads the Caddyfile with the environment compose gives its container: the site's address,
    # a port alone there, says it serves plain HTTP; the bucket's path is the variable's value
    root = str(tmp_path)
    compose = write(root, "compose.yaml", """
        x-proxy-env: &proxy-env
          SITE_ADDRESS: ${SITE_ADDRESS:-:80}
          BUCKET_NAME: ${BUCKET_NAME:-uploads}
        services:
          proxy:
            image: acme/proxy:1.2.0
            environment:
              <<: *proxy-env
            ports: ["80:80"]
          web:
            image: acme/web:1.2.0
          files:
            image: minio/minio:RELEASE.2025-04-22T22-12-26Z
            environment: [MINIO_ROOT_PASSWORD=change-me]
        """)
    caddy = write(root, "proxy/Caddyfile", """
        {$SITE_ADDRESS} {
            reverse_proxy /{$BUCKET_NAME}/* files:9000
            reverse_proxy /* web:3000
        }
        """)
    alone = load_documents(load_artifacts([f"gateway:proxy={caddy}"]))
    assert {f.data.get("tls") for f in alone.of_kind("endpoint")} == {None}  # no address: unknown
    design = load_documents(load_artifacts([f"compose={compose}", f"gateway:proxy={caddy}"]))
    endpoints = {f.key: f.data for f in design.of_kind("endpoint")}
    assert endpoints["endpoint:ANY /uploads/"]["routes_to"] == ["files"]
    assert endpoints["endpoint:ANY /"]["tls"] is False
    assert "interaction:proxy->web" in {f.key for f in design.of_kind("interaction")}
    # the object store the proxy publishes under a path stays a datastore (not also a service of the gateway's)
    assert "datastore:files" in design.by_key() and "service:files" not in design.by_key()


@pytest.mark.parametrize(("text", "message"), [
    ("shop.example.org {\n\treverse_proxy web:3000\n", "never closed"),
    ("shop.example.org {\n}\n}\n", "closes no block"),
    ('shop.example.org {\n\trespond "hello\n}\n', "unterminated quoted token"),
])
def test_a_broken_caddyfile_is_one_located_error(tmp_path: Any, text: str, message: str) -> None:
    path = write(str(tmp_path), "Caddyfile", text)
    with pytest.raises(InputError) as err:
        import_paths("gateway", [path], service="edge")
    assert message in str(err.value) and os.path.basename(path) in str(err.value.location.file)


def test_a_services_routes_are_placed_behind_its_caddy_route_with_the_prefix_kept_or_stripped(tmp_path: Any) -> None:
    # reverse_proxy /api/* forwards the path as it came; handle_path /files/* strips /files before forwarding
    root = str(tmp_path)
    caddy = write(root, "Caddyfile", ":80 {\n\treverse_proxy /api/* orders:8000\n"
                                     "\thandle_path /files/* {\n\t\treverse_proxy store:9000\n\t}\n}\n")
    for name, route in (("orders", "/api/orders"), ("store", "/blob")):
        write(root, f"{name}/app.py", f"""
            from flask import Flask
            app = Flask(__name__)

            @app.route('{route}', methods=['POST'])
            def handler():
                return ''
        """)
    docs = load_artifacts([f"gateway:edge={caddy}", f"source={root}/orders", f"source={root}/store"])
    endpoints = {f.key: f.data for f in load_documents(docs).of_kind("endpoint")}
    orders = endpoints["endpoint:POST /api/orders"]
    assert orders["served_by"] == "edge" and orders["routes_to"] == ["orders"]
    assert orders["rate_limit"] is False and orders["tls"] is False  # the Caddy site's, a port alone
    assert endpoints["endpoint:POST /files/blob"]["routes_to"] == ["store"]
