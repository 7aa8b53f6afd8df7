"""Apache httpd configurations: the parser's located words and errors, the gateway facts read from them, how a
service's folder hands one over (its Dockerfile's COPY), and what a gateway that proxies nothing changes."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError
from engine.importers import httpd_conf, import_paths, load_artifacts
from engine.loader import load_documents
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import check_mangled_gateway_config, design_of, fact, fixture, line_of

FRONT = fixture("httpd", "front.conf")


@pytest.fixture(scope="module")
def front() -> Design:
    return design_of(import_paths("gateway", [FRONT], service="front"))


def test_parser_locates_words_across_continuations_and_quotes() -> None:
    tree = httpd_conf.parse('# note\n<VirtualHost *:80>\n  ProxyPass "/a b/" \\\n      http://x:1/ retry=0\n'
                            "</VirtualHost>\n", "t.conf")
    host = tree[0]
    assert (host.key, [a.text for a in host.args], host.location.line, host.location.column) == \
        ("virtualhost", ["*:80"], 2, 1)
    assert host.children is not None
    proxy = host.children[0]
    assert proxy.name == "ProxyPass" and [a.text for a in proxy.args] == ["/a b/", "http://x:1/", "retry=0"]
    assert [(a.location.line, a.location.column) for a in proxy.args] == [(3, 13), (4, 7), (4, 19)]


def test_parser_reports_every_malformed_line_located() -> None:
    text = '<Location "/a">\n  Require "all\n</Location>\n</Directory>\n<VirtualHost *:80\n<Proxy x>\n'
    with pytest.raises(ArchplanError) as caught:
        httpd_conf.parse(text, "bad.conf")
    errors = getattr(caught.value, "errors", [caught.value])
    assert sorted((e.location.line, e.message.split(" ")[0]) for e in errors) == [
        (2, "unterminated"), (4, "'</Directory>'"), (5, "section"), (6, "section")]
    assert all(e.location.file == "bad.conf" and e.location.column >= 1 for e in errors)


def test_routes_balancer_members_and_regular_expressions(front: Design) -> None:
    routes = {e.name: e.data.get("routes_to") for e in front.of_kind("endpoint") if not e.data.get("admin")}
    assert routes == {"ANY /api/catalog/": ["catalog-a", "catalog-b"], "ANY /api/basket/": ["basket"],
                      "ANY /api/payments/": ["payments"], "ANY /legacy/orders/": ["orders"],
                      "ANY /reviews/": ["reviews"]}  # `ProxyPass /static/ !` is an exclusion, not a route
    assert fact(front, "service:front").data["kind"] == "gateway"
    assert fact(front, "service:catalog-b").location.line == line_of(FRONT, "catalog-b:9000")


def test_listener_tls_and_call_timeouts(front: Design) -> None:
    assert fact(front, "endpoint:ANY /api/basket/").data["tls"] is True  # SSLEngine on in its virtual host
    reviews = fact(front, "endpoint:ANY /reviews/")
    assert reviews.data["tls"] is False and reviews.locate("tls").line == line_of(FRONT, "<VirtualHost *:80>")
    assert fact(front, "interaction:front->reviews").data["timeout_ms"] == 25000  # ProxyTimeout 25
    assert fact(front, "interaction:front->basket").data["timeout_ms"] == 5000  # the worker's timeout=5
    assert fact(front, "interaction:front->payments").data["tls"] is True  # an https backend


def test_admin_handlers_and_their_access_control(front: Design) -> None:
    manager = fact(front, "endpoint:balancer-manager").data
    assert (manager["admin"], manager["authn"], manager["path"], manager["tls"]) == (True, "none", "/balancer-admin",
                                                                                     False)
    assert fact(front, "endpoint:server-info").data["authn"] == "none"  # Allow from all lets everyone in
    status = fact(front, "endpoint:server-status").data
    assert status["admin"] is True and "authn" not in status  # Require ip: restricted, not said open
    assert any("Include conf/extra/more-routes.conf is not followed" in w.message for w in front.warnings)


def test_cli_gives_exit_2_and_located_lines_never_a_traceback(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "site.conf", """
        <VirtualHost *:80>
            <Location /status>
                SetHandler server-status
            </Locaton>
        </VirtualHost>
        """)
    result = CliRunner().invoke(main, ["import", "gateway", path])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}:4:" in result.output


def test_mangled_configuration_gives_a_result_or_located_errors(tmp_path: os.PathLike[str]) -> None:
    check_mangled_gateway_config(FRONT, os.path.join(str(tmp_path), "front.conf"), "front", seed=7, rounds=200,
                                 noise="<>/\"'\\ \n#=[]")


def _front_folder(root: str, conf: str, code: bool = False) -> str:
    write(root, "front/Dockerfile", """
        FROM php:8.2-apache
        COPY site.conf /etc/apache2/conf-enabled/site.conf
        COPY . /var/www/html/
        """ if code else """
        FROM debian:12
        RUN apt-get install -y apache2 && a2enmod proxy proxy_http
        COPY site.conf /etc/apache2/sites-enabled/site.conf
        COPY start.html /var/www/html/
        """)
    write(root, "front/site.conf", conf)
    write(root, "front/start.html", "<a href='http://localhost:9001/'>desk</a>\n")
    if code:
        write(root, "front/index.php", "<?php echo 'hello';\n")
    write(root, "docker-compose.yml", """
        services:
          front:
            build: front
            links: [desk, ledger]
            ports: ["8000:80"]
          desk:
            image: example/desk
            ports: ["9001:8080"]
          ledger:
            image: example/ledger
            ports: ["9002:8080"]
        """)
    return root


def test_a_front_that_proxies_nothing_draws_no_call_and_leaves_services_exposed(tmp_path: os.PathLike[str]) -> None:
    root = _front_folder(str(tmp_path), """
        <VirtualHost *:80>
            DocumentRoot /var/www/html
            <Location /lb>
                SetHandler balancer-manager
            </Location>
        </VirtualHost>
        """)
    d = load_documents(load_artifacts([f"compose={root}/docker-compose.yml", f"source:front={root}/front"]))
    assert fact(d, "service:front").data["kind"] == "gateway"
    assert not [i.name for i in d.of_kind("interaction") if i.name.startswith("front->")]
    assert any("front->desk not drawn" in w.message for w in d.warnings)
    assert fact(d, "service:desk").data["behind_gateway"] is False
    assert fact(d, "endpoint:balancer-manager").data["admin"] is True


def test_a_front_that_proxies_keeps_its_calls_and_says_nothing_of_gateways(tmp_path: os.PathLike[str]) -> None:
    root = _front_folder(str(tmp_path), """
        <VirtualHost *:80>
            ProxyPass /desk/ http://desk:8080/
        </VirtualHost>
        """)
    d = load_documents(load_artifacts([f"compose={root}/docker-compose.yml", f"source:front={root}/front"]))
    assert fact(d, "interaction:front->desk").data["timeout_ms"] == 60000  # httpd's default Timeout
    assert not any(i.name == "front->ledger" for i in d.of_kind("interaction"))  # links only, never proxied
    assert "behind_gateway" not in fact(d, "service:ledger").data  # a gateway routes: direct ports may be meant


def test_an_app_server_configuration_is_no_gateway(tmp_path: os.PathLike[str]) -> None:
    root = _front_folder(str(tmp_path), """
        <Location /server-status>
            SetHandler server-status
        </Location>
        """, code=True)
    docs = import_paths("source", [f"{root}/front"], service="front")
    d = design_of(docs)
    assert "kind" not in fact(d, "service:front").data
    assert fact(d, "endpoint:server-status").data["authn"] == "none"
