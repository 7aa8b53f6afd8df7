"""Gateway import: Spring Cloud Gateway, Envoy and nginx routes -> endpoints with routes_to, and the calls they take."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError
from engine.importers import detect, import_paths, load_artifacts
from engine.importers.gateway import service_of_host
from engine.loader import load_design, load_documents
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import check_mangled_gateway_config, design_of, fact, fixture, line_of

SPRING = fixture("gateway", "spring-application.yml")
ENVOY = fixture("gateway", "envoy.yaml")
NGINX = fixture("gateway", "default.conf")
TEMPLATE = fixture("gateway", "default.conf.template")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def imported(path: str, service: str | None = None) -> Design:
    return design_of(import_paths("gateway", [path], service=service))


def routes(d: Design) -> dict[str, list[str] | None]:
    return {f.name: f.data.get("routes_to") for f in d.of_kind("endpoint")}


def warned(d: Design) -> list[tuple[int, str]]:
    """(line, message) of each load warning."""
    return [(w.location.line if w.location else 0, w.message) for w in d.warnings]


def calls(d: Design) -> dict[str, dict[str, Any]]:
    return {f.name: {k: v for k, v in f.data.items() if k != "name"} for f in d.of_kind("interaction")}


# ---------------------------------------------------------------- Spring Cloud Gateway


@pytest.fixture(scope="module")
def spring() -> Design:
    return imported(SPRING)


def test_spring_routes_become_one_endpoint_per_method_with_routes_to(spring: Design) -> None:
    assert routes(spring) == {
        "GET /api/orders/**": ["orders"], "HEAD /api/orders/**": ["orders"], "POST /api/orders/**": ["orders"],
        "ANY /api/pay/**": ["api.payments.example.com"], "ANY /api/refunds/**": ["api.payments.example.com"],
        "ANY /api/catalog/**": None, "ANY /fallback": None}
    get = fact(spring, "endpoint:GET /api/orders/**")
    assert get.data["served_by"] == "edge"  # spring.application.name
    assert get.location.line == line_of(SPRING, "Path=/api/orders/**")
    assert get.locate("method").line == line_of(SPRING, "Method=GET,HEAD")
    assert get.locate("routes_to").line == line_of(SPRING, "uri: lb://orders")
    post = fact(spring, "endpoint:POST /api/orders/**")
    assert post.locate("routes_to").line == line_of(SPRING, "uri: http://orders.shop.svc")
    assert fact(spring, "service:edge").data["kind"] == "gateway"
    assert {s.name for s in spring.of_kind("service")} == {"edge", "orders"}
    assert [e.name for e in spring.of_kind("external")] == ["api.payments.example.com"]


def test_spring_filters_set_rate_limit_circuit_breaker_and_timeouts(spring: Design) -> None:
    ep = fact(spring, "endpoint:ANY /api/catalog/**")
    assert ep.data["rate_limit"] is True and ep.locate("rate_limit").line == line_of(SPRING, "RequestRateLimiter=")
    got = calls(spring)
    assert set(got) == {"edge->orders", "edge->api.payments.example.com"}
    orders = got["edge->orders"]
    # both routes to orders pass a CircuitBreaker filter: its Resilience4j time limiter (1 s unless configured)
    # ends the call before the global 5s or the route's 2000 ms
    assert orders["timeout_ms"] == 1000 and orders["style"] == "sync" and orders["protocol"] == "http"
    assert orders["circuit_breaker"] is True  # both routes to orders have one
    assert "retry" not in orders  # only one of them retries
    assert got["edge->api.payments.example.com"]["timeout_ms"] == 5000
    assert "circuit_breaker" not in got["edge->api.payments.example.com"]
    assert fact(spring, "interaction:edge->orders").locate("timeout_ms").line == line_of(SPRING, "name: CircuitBreaker")
    loc = fact(spring, "interaction:edge->api.payments.example.com").locate("timeout_ms")
    assert loc.line == line_of(SPRING, "response-timeout: 5s")


def test_spring_unknown_target_and_forward_routes_are_said(spring: Design) -> None:
    texts = [w.message for w in spring.warnings]
    assert any("'${catalog_uri}' is a variable" in t for t in texts), texts


def test_spring_retry_and_route_timeout_when_every_route_states_them(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "application.yaml", """
        spring.application.name: api-gw
        spring.cloud.gateway:
          routes:
            - id: a
              uri: lb://stock
              predicates: [Path=/a/**]
              metadata: {response-timeout: 800}
              filters:
                - name: Retry
                  args: {retries: 2, methods: "GET,PUT", backoff: {firstBackoff: 10ms, maxBackoff: 1s}}
            - id: b
              uri: lb://stock
              predicates: [Path=/b/**]
              metadata: {response-timeout: 300}
              filters: [Retry=1]
            - id: c
              uri: https://${PRICES_HOST:prices}:8443
              predicates: [Path=/c/**]
              metadata: {connect-timeout: 200}
        """)
    d = imported(path)
    stock = calls(d)["api-gw->stock"]
    assert stock["timeout_ms"] == 800
    # Route a retries GET and PUT, route b only GET (the filter's default): POST is never replayed.
    assert stock["retry"] == {"attempts": 3, "backoff": "exponential", "methods": ["GET", "PUT"]}
    assert fact(d, "interaction:api-gw->stock").locate("timeout_ms").line == line_of(path, "response-timeout: 800")
    prices = calls(d)["api-gw->prices"]  # the placeholder's default names the host
    assert prices == {"from": "api-gw", "to": "prices", "style": "sync", "protocol": "http", "tls": True}
    text = run("import", "gateway", path).stdout
    assert "# timeout_ms unknown: route c states no response timeout" in text
    assert "metadata.connect-timeout 200 bounds only the connection" in text


def test_service_option_names_the_gateway(tmp_path: os.PathLike[str]) -> None:
    d = design_of(load_artifacts([f"gateway:front={SPRING}"]))
    assert {e.data["served_by"] for e in d.of_kind("endpoint")} == {"front"}
    assert "front->orders" in calls(d)


# ---------------------------------------------------------------- Envoy


@pytest.fixture(scope="module")
def envoy() -> Design:
    return imported(ENVOY)


def test_envoy_routes_clusters_and_timeouts(envoy: Design) -> None:
    assert routes(envoy) == {"POST /api/orders": ["orders"], "ANY /api/orders": ["orders"],
                             "ANY /api/users/me": ["users"]}
    post = fact(envoy, "endpoint:POST /api/orders")
    assert post.data["served_by"] == "front-proxy"  # node.cluster
    assert post.locate("method").line == line_of(ENVOY, 'name: ":method"')
    assert post.data["rate_limit"] is True
    assert post.locate("routes_to").line == line_of(ENVOY, "cluster: orders")
    got = calls(envoy)
    assert set(got) == {"front-proxy->orders", "front-proxy->users"}
    orders = got["front-proxy->orders"]
    assert orders["timeout_ms"] == 3000 and orders["circuit_breaker"] is True
    assert "retry" not in orders  # the prefix route has no retry policy
    assert fact(envoy, "interaction:front-proxy->orders").locate("timeout_ms").line == line_of(ENVOY, "timeout: 3s")
    users = got["front-proxy->users"]
    assert users["timeout_ms"] == 15000 and "circuit_breaker" not in users  # Envoy's default route timeout
    assert fact(envoy, "service:users").location.line == line_of(ENVOY, "address: users.shop.svc")


def test_envoy_regex_and_redirect_routes_are_warnings(envoy: Design) -> None:
    texts = warned(envoy)
    assert (line_of(ENVOY, "safe_regex"), "a route matched by a regular expression or a template is not "
                                          "imported") in texts
    assert any("redirect" in t for _l, t in texts)


def test_envoy_retry_policy_on_every_route(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "envoy.yaml", """
        static_resources:
          listeners:
            - filter_chains:
                - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        route_config:
                          virtual_hosts:
                            - name: all
                              retry_policy: {retry_on: "connect-failure,reset", num_retries: 3}
                              routes:
                                - match: {prefix: /}
                                  route: {cluster: app, timeout: 0s}
          clusters:
            - name: app
              outlier_detection: {consecutive_5xx: 5}
              transport_socket: {name: envoy.transport_sockets.tls}
              load_assignment:
                endpoints:
                  - lb_endpoints:
                      - endpoint: {address: {socket_address: {address: app, port_value: 80}}}
        """)
    d = imported(path)
    app = calls(d)["gateway->app"]
    # 0s disables the route's timeout, not the connection manager's stream idle timeout (5 min unless set)
    assert app["timeout_ms"] == 300000
    assert app["retry"] == {"attempts": 4, "backoff": "exponential", "jitter": True, "retry_on": "transient"}
    assert app["circuit_breaker"] is True and app["tls"] is True
    assert any("it is imported as 'gateway'" in w.message for w in d.warnings)


# ---------------------------------------------------------------- nginx


@pytest.fixture(scope="module")
def nginx() -> Design:
    return imported(NGINX, "edge")


def test_nginx_locations_upstreams_and_inherited_timeouts(nginx: Design) -> None:
    assert routes(nginx) == {"ANY /api/orders/": ["orders", "orders-2"], "ANY /api/users/me": ["users"],
                             "ANY /grpc/": ["inventory"], "ANY /": []}  # `/`: nginx sends files of its root
    ep = fact(nginx, "endpoint:ANY /api/orders/")
    assert ep.location.line == line_of(NGINX, "location /api/orders/") and ep.location.column == 5
    assert ep.data["served_by"] == "edge"
    got = calls(nginx)
    assert got["edge->orders"]["timeout_ms"] == 30000  # inherited from server
    assert got["edge->orders-2"]["timeout_ms"] == 30000
    assert got["edge->users"]["timeout_ms"] == 90000  # 1m30s in the location
    assert got["edge->inventory"] == {"from": "edge", "to": "inventory", "style": "sync", "protocol": "grpc",
                                      "timeout_ms": 60000}  # nginx's default
    timeout = fact(nginx, "interaction:edge->users").locate("timeout_ms")
    assert (timeout.line, timeout.column) == (line_of(NGINX, "proxy_read_timeout 1m30s"), 9)
    assert fact(nginx, "service:orders").location.line == line_of(NGINX, "server orders:8080")
    assert fact(nginx, "endpoint:ANY /api/users/me").data["rate_limit"] is True
    assert fact(nginx, "endpoint:ANY /api/orders/").data["rate_limit"] is False  # no limit_req reaches it


def test_nginx_skips_what_it_cannot_read_with_warnings(nginx: Design) -> None:
    texts = {(line, m.split(":")[0]) for line, m in warned(nginx)}
    assert (line_of(NGINX, "include /etc/nginx/conf.d"), "include /etc/nginx/conf.d/extra/*.conf is not "
                                                         "followed") in texts
    assert any(line == line_of(NGINX, "location ~") for line, _m in texts)
    assert not any("mime.types" in m for _l, m in texts)
    assert len(nginx.warnings) == 2  # gzip, try_files, root, a named location: ignored without a word


def test_nginx_template_variables_leave_the_target_unknown() -> None:
    d = imported(TEMPLATE, "web")
    assert routes(d) == {"ANY /api/": None, "ANY /auth/": ["auth"]}
    assert calls(d)["web->auth"]["timeout_ms"] == 500
    ((line, message),) = warned(d)
    assert line == line_of(TEMPLATE, "${API_HOST}") and "is a variable" in message


def test_an_anchored_regex_location_of_literal_segments_is_a_prefix_location_for_each(tmp_path: Any) -> None:
    path = write(str(tmp_path), "front.conf", """
        upstream board { server "board:9000"; }
        server {
          listen 8080;
          location ~ ^/(rest|rss|.well-known) {
            proxy_pass "http://board";
          }
          location ~ ^/hooks {
            proxy_pass http://board;
          }
          location ~ ^/(rest|rss)/v[0-9]+ {
            proxy_pass http://board;
          }
          location ~* ^/(static) {
            proxy_pass http://board;
          }
        }
        """)
    d = imported(path, "front")
    assert routes(d) == {"ANY /rest": ["board"], "ANY /rss": ["board"], "ANY /.well-known": ["board"],
                         "ANY /hooks": ["board"]}
    assert fact(d, "endpoint:ANY /rss").data["tls"] is False
    assert fact(d, "endpoint:ANY /rss").location.line == line_of(path, "location ~ ^/(rest|rss|.well-known)")
    assert len([m for _l, m in warned(d) if "a regular expression is not a path" in m]) == 2  # [0-9], ~*


def test_an_nginx_location_that_sends_the_files_of_a_directory_is_an_endpoint_open_to_anyone_unless_guarded(
        tmp_path: Any) -> None:
    path = write(str(tmp_path), "site.conf.template", """
        server {
          listen 80;
          location /media {
            alias ${MEDIA_ROOT};
            add_header Content-Disposition 'attachment';
          }
          location /private/ {
            root /srv;
            auth_basic "staff";
            auth_basic_user_file /etc/nginx/htpasswd;
          }
          location /open/ {
            root /srv;
            auth_basic off;
          }
          location /errors/ {
            alias /etc/nginx/errorpages/;
            internal;
          }
          error_page 500 502 503 504 /50x.html;
          location = /50x.html {
            root /usr/share/nginx/html;
          }
          location /app/ {
            root /srv;
            uwsgi_pass unix:/tmp/app.sock;
          }
          location /files/ {
            limit_except GET { deny all; }
            root /srv;
          }
          location /shop/ {
            root /srv/public;
            try_files $uri @app;
          }
          location /blog/ {
            root /srv/blog;
            try_files $uri $uri/ /blog/index.php?$query_string;
          }
          location /spa/ {
            root /srv/spa;
            try_files $uri $uri/ /spa/index.html;
          }
          location @app { proxy_pass http://app:8000; }
        }
        server {
          listen 8080;
          auth_request /auth;
          location /reports/ { alias /srv/reports/; }
        }
        """)
    d = imported(path, "web")
    keys = set(d.by_key())
    assert {"endpoint:ANY /media", "endpoint:ANY /private/", "endpoint:ANY /open/", "endpoint:GET /files/",
            "endpoint:ANY /reports/", "endpoint:ANY /spa/"} <= keys
    # what no file answers goes to a named location or a script (a front controller): not the directory's alone
    assert not {"endpoint:ANY /shop/", "endpoint:ANY /blog/"} & keys
    # internal: reached only from inside nginx; an error page is nginx's answer to a failure; a location that passes
    # the request on is no directory of files
    assert not {"endpoint:ANY /errors/", "endpoint:ANY /50x.html", "endpoint:ANY /app/"} & keys
    media = fact(d, "endpoint:ANY /media")
    assert media.data["authn"] == "none" and media.data["tls"] is False and media.data["rate_limit"] is False
    assert media.locate("authn").line == line_of(path, "alias ${MEDIA_ROOT}")
    assert media.data["routes_to"] == []  # nginx answers with the files: its call path is nginx alone
    assert fact(d, "endpoint:ANY /open/").data["authn"] == "none"  # auth_basic off restricts nothing
    assert fact(d, "endpoint:GET /files/").data["authn"] == "none"  # the deny covers the other methods
    # Basic authentication in the location says its kind; an auth_request inherited from the server: who may call
    # is not stated
    private = fact(d, "endpoint:ANY /private/")
    assert private.data["authn"] == "basic"
    assert private.locate("authn").line == line_of(path, 'auth_basic "staff"')
    assert "authn" not in fact(d, "endpoint:ANY /reports/").data


def test_nginx_auth_basic_makes_a_proxied_location_basic_authenticated_unless_turned_off(tmp_path: Any) -> None:
    path = write(str(tmp_path), "ops.conf", """
        server {
          listen 80;
          auth_basic "operators";
          auth_basic_user_file /etc/nginx/ops.htpasswd;
          location /queues/ { proxy_pass http://worker:9000; }
          location /status/ {
            auth_basic off;
            proxy_pass http://worker:9000;
          }
        }
        server {
          listen 81;
          location /api/ { proxy_pass http://worker:9000; }
        }
        """)
    d = imported(path, "edge")
    queues = fact(d, "endpoint:ANY /queues/")
    assert queues.data["authn"] == "basic"  # inherited from the server block
    assert queues.locate("authn").line == line_of(path, 'auth_basic "operators"')
    assert "authn" not in fact(d, "endpoint:ANY /status/").data  # auth_basic off: nginx asks nobody
    assert "authn" not in fact(d, "endpoint:ANY /api/").data  # another server: no Basic authentication


@pytest.mark.parametrize(("text", "line", "message"), [
    ("server {\n  location /a/ {\n    proxy_pass http://a;\n  \n}\n", 1, "block 'server' opened here is never closed"),
    ("server {\n  location /a/ { proxy_pass http://a; }\n}\n}\n", 4, "unexpected '}'"),
    ("server {\n  location /a/ {\n    proxy_pass http://a\n  }\n}\n", 3, "directive 'proxy_pass' has no ';'"),
    ('server {\n  location /a/ {\n    proxy_pass "http://a;\n  }\n}\n', 3, "unterminated \" quote"),
    ("server {\n  location /a/ {\n    proxy_pass http://a;\n    proxy_read_timeout soon;\n  }\n}\n", 4,
     "proxy_read_timeout 'soon' is not an nginx time"),
], ids=["unclosed-block", "extra-brace", "missing-semicolon", "open-quote", "bad-time"])
def test_broken_nginx_is_one_located_error_exit_2(tmp_path: os.PathLike[str], text: str, line: int,
                                                  message: str) -> None:
    path = write(str(tmp_path), "nginx.conf", "")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    result = run("import", "auto", path)
    assert result.exit_code == 2
    errors = [ln for ln in result.output.splitlines() if "error:" in ln]
    assert len(errors) == 1 and f"{path}:{line}:" in errors[0] and message in errors[0], result.output
    assert "Traceback" not in result.output


def _nginx_work(tmp: str, n: int) -> tuple[int, int, int]:
    """Routes and calls imported from an nginx config of ``n`` locations and a line of ``n`` variables, and the Python
    calls the import made (a count, the same on any machine, where a time would vary with the load)."""
    body = "".join(f"  location /r{i}/ {{ proxy_pass http://s{i % 50}:80; proxy_read_timeout {i % 9 + 1}s; }}\n"
                   for i in range(n))
    path = write(tmp, f"big{n}.conf", "")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("server {\n" + body + "}\n" + "x ${a}" * n + ";\n")
    count = 0

    def tally(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(tally)
    try:
        d = imported(path)
    finally:
        sys.setprofile(None)
    return len(routes(d)), len(calls(d)), count


def test_nginx_parsing_is_linear(tmp_path: os.PathLike[str]) -> None:
    small, large = _nginx_work(str(tmp_path), 1000), _nginx_work(str(tmp_path), 4000)
    assert small[:2] == (1000, 50) and large[:2] == (4000, 50)
    assert large[2] < 5 * small[2], (small, large)  # four times the input: about four times the work, not sixteen


# ---------------------------------------------------------------- shared


@pytest.mark.parametrize(("host", "expected"), [
    ("orders", ("orders", "services")), ("orders:8080", ("orders", "services")),
    ("orders.shop.svc.cluster.local", ("orders", "services")), ("orders.internal", ("orders", "services")),
    ("api.stripe.com", ("api.stripe.com", "externals")), ("10.0.0.4", (None, "")), ("localhost", (None, "")),
    ("${API_HOST}", (None, "")),
])
def test_a_proxied_host_names_a_service_or_an_external(host: str, expected: tuple[str | None, str]) -> None:
    name, section, _why = service_of_host(host)
    assert (name, section) == expected


def test_auto_detects_every_gateway_configuration() -> None:
    for path in (SPRING, ENVOY, NGINX, TEMPLATE):
        assert detect(path) == "gateway", path


def test_import_round_trips_and_is_deterministic(tmp_path: os.PathLike[str]) -> None:
    for path in (SPRING, ENVOY, NGINX):
        first, second = run("import", "gateway", path), run("import", "gateway", path)
        assert first.exit_code == 0, first.output
        assert first.stdout == second.stdout
        out = write(str(tmp_path), "gw.yaml", first.stdout)
        again = load_design([out])
        direct = load_documents(load_artifacts([f"gateway={path}"]))
        assert {f.key: dict(f.data) for f in again.facts} == {f.key: dict(f.data) for f in direct.facts}


def test_not_a_gateway_configuration_is_a_located_error(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "app.yaml", "spring:\n  application:\n    name: x\n")
    with pytest.raises(ArchplanError, match="not a gateway configuration"):
        import_paths("gateway", [path])


def test_routes_to_follows_only_the_routes_calls_with_compose(tmp_path: os.PathLike[str]) -> None:
    compose = write(str(tmp_path), "docker-compose.yml", """
        services:
          edge:
            image: nginx
            ports: ["80:80"]
          orders:
            image: example/orders
          users:
            image: example/users
        """)
    conf = write(str(tmp_path), "default.conf", """
        server {
          location /orders/ { proxy_pass http://orders:8080; }
          location /users/ { proxy_pass http://users:8080; }
        }
        """)
    d = load_documents(load_artifacts([f"compose={compose}", f"gateway:edge={conf}"]))
    assert routes(d) == {"ANY /orders/": ["orders"], "ANY /users/": ["users"], "edge-entry": None}
    assert fact(d, "service:edge").data["exposure"] == "host"  # 80 on every interface


def test_an_nginx_configuration_under_another_name_is_read_when_named(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "site", """
        server {
          location /shop/ { proxy_pass http://shop:8080; }
        }
        """)
    assert routes(imported(path, "web")) == {"ANY /shop/": ["shop"]}


def test_mangled_nginx_gives_a_result_or_located_errors(tmp_path: os.PathLike[str]) -> None:
    check_mangled_gateway_config(NGINX, os.path.join(str(tmp_path), "default.conf"), "edge", seed=12, rounds=300,
                                 noise="{};'\"$#\\ \n:/~=@")


ZUUL = fixture("gateway", "zuul-gateway.yml")


@pytest.fixture(scope="module")
def zuul() -> Design:
    return design_of(import_paths("auto", [ZUUL]))


def test_zuul_routes_become_endpoints_of_the_named_gateway_under_its_prefix(zuul: Design) -> None:
    assert fact(zuul, "service:edge").data["kind"] == "gateway"
    routes = {e.name: e.data["routes_to"] for e in zuul.of_kind("endpoint")}
    assert routes == {"ANY /api/auth/**": ["identity"], "ANY /api/orders/**": ["orders"],
                      "ANY /api/catalogue/**": ["catalogue"]}  # a plain string route: the name is the serviceId


def test_a_zuul_url_route_is_bounded_by_the_host_timeout_and_has_no_breaker(zuul: Design) -> None:
    call = fact(zuul, "interaction:edge->identity")
    assert call.data["timeout_ms"] == 15000 and "circuit_breaker" not in call.data
    assert call.locate("timeout_ms").line == line_of(ZUUL, "socket-timeout-millis")


def test_a_zuul_service_route_runs_in_a_hystrix_command_with_its_own_timeout(zuul: Design) -> None:
    orders = fact(zuul, "interaction:edge->orders")
    assert orders.data["circuit_breaker"] is True
    assert orders.data["timeout_ms"] == 3000  # hystrix.command.orders wins over the default
    assert fact(zuul, "interaction:edge->catalogue").data["timeout_ms"] == 8000


def test_zuul_routing_every_registered_service_is_said(tmp_path: Any) -> None:
    path = write(str(tmp_path), "gw.yml", """
        zuul:
          routes:
            orders: {path: /orders/**, serviceId: orders}
        """)
    doc = import_paths("gateway", [path], service="gw")[0]
    assert any("ignoredServices" in text for _loc, text in doc.remarks)


def test_a_zuul_timeout_that_is_no_number_stops_the_import_at_its_line(tmp_path: Any) -> None:
    path = write(str(tmp_path), "gw.yml", """
        zuul:
          host:
            socket-timeout-millis: soon
          routes:
            auth: {path: /uaa/**, url: "http://auth:5000"}
        """)
    with pytest.raises(ArchplanError, match="not a number of milliseconds") as exc:
        import_paths("gateway", [path], service="gw")
    assert exc.value.location is not None and exc.value.location.line == 3


OPENRESTY = fixture("gateway", "openresty.conf")


@pytest.fixture(scope="module")
def openresty() -> Design:
    return design_of(import_paths("gateway", [OPENRESTY], service="web"))


def test_locations_nginx_serves_itself_are_endpoints_with_the_methods_the_config_names(openresty: Design) -> None:
    login = fact(openresty, "endpoint:POST /api/login")
    assert login.data["served_by"] == "web" and "routes_to" not in login.data
    assert login.locate("method").line == line_of(OPENRESTY, "$request_method = 'POST'")
    keys = set(openresty.by_key())
    assert "endpoint:OPTIONS /api/login" not in keys and "endpoint:GET /api/login" not in keys  # a preflight
    assert "endpoint:ANY /health" in keys  # `return` answers every method: ANY
    assert {"endpoint:GET /api/orders", "endpoint:POST /api/orders"} <= keys  # limit_except GET POST
    assert fact(openresty, "endpoint:POST /api/orders").data["routes_to"] == ["orders"]


def test_a_server_that_listens_without_ssl_serves_its_endpoints_in_plaintext(openresty: Design) -> None:
    login = fact(openresty, "endpoint:POST /api/login")
    assert login.data["tls"] is False and login.locate("tls").line == line_of(OPENRESTY, "listen 8080")
    assert fact(openresty, "endpoint:ANY /admin/").data["tls"] is True


def test_a_lua_block_is_code_not_directives_and_an_unclosed_one_is_located(tmp_path: Any) -> None:
    assert "endpoint:ANY /health" in design_of(import_paths("gateway", [OPENRESTY], service="web")).by_key()
    path = write(str(tmp_path), "site.conf", """
        http {
          init_by_lua_block {
            local t = { a = 1 }
        """)
    with pytest.raises(ArchplanError, match="Lua block opened here is never closed") as exc:
        import_paths("gateway", [path], service="web")
    assert exc.value.location is not None and exc.value.location.line == 2


LUA_CONF = fixture("gateway", "openresty-lua", "conf", "nginx.conf")
LUA_PLACE = fixture("gateway", "openresty-lua", "lua-scripts", "api", "orders", "place.lua")
LUA_PROFILE = fixture("gateway", "openresty-lua", "lua-scripts", "api", "account", "profile.lua")


@pytest.fixture(scope="module")
def lua_front() -> Design:
    return design_of(import_paths("gateway", [LUA_CONF], service="front"))


def test_a_lua_handler_routes_to_the_services_its_required_module_connects_to(lua_front: Design) -> None:
    place = fact(lua_front, "endpoint:POST /api/orders/place")
    assert place.data["routes_to"] == ["order-service"]  # the commented-out ledger call is no call
    call = fact(lua_front, "interaction:front->order-service")
    assert call.data["style"] == "sync" and call.data["protocol"] == "other"
    where = call.locate("timeout_ms")
    assert call.data["timeout_ms"] == 10000  # the pool's default: the script sets none
    # the second connection line: the first is commented out
    assert where.file.endswith("place.lua") and where.line == line_of(LUA_PLACE, "GenericObjectPool:connection(", 2)
    assert "interaction:front->ledger-service" not in lua_front.by_key()


def test_a_lua_block_handler_is_read_and_a_timeout_the_script_sets_stays_unknown(lua_front: Design) -> None:
    profile = fact(lua_front, "endpoint:ANY /api/account/profile")
    assert profile.data["routes_to"] == ["account-service"]
    assert "timeout_ms" not in fact(lua_front, "interaction:front->account-service").data  # setTimeout(2000)
    assert "authn" not in profile.data  # it verifies a JWT: how, the import does not say


def test_a_lua_handler_that_reads_no_credential_authenticates_nobody(lua_front: Design) -> None:
    place = fact(lua_front, "endpoint:POST /api/orders/place")
    assert place.data["authn"] == "none"
    assert place.locate("authn").line == line_of(LUA_CONF, "content_by_lua '")
    # and it acts on the cart the request names: nothing can check the cart is the caller's
    assert place.data["takes_object_id"] is True and place.data["authz"] == "none"
    assert place.locate("takes_object_id").line == line_of(LUA_PLACE, "args.cart_id")
    profile = fact(lua_front, "endpoint:ANY /api/account/profile").data
    assert "takes_object_id" not in profile and "authz" not in profile


def test_a_lua_handler_that_reads_the_body_serves_post_whatever_the_cors_branches_name(lua_front: Design) -> None:
    """The location's `if ($request_method = GET|POST)` blocks only add CORS headers; the handler reads the
    body's form arguments (ngx.req.get_post_args) and never the query, so the route is a POST, said where."""
    keys = set(lua_front.by_key())
    assert "endpoint:GET /api/orders/place" not in keys and "endpoint:ANY /api/orders/place" not in keys
    place = fact(lua_front, "endpoint:POST /api/orders/place")
    assert place.locate("method").file.endswith("place.lua")
    assert place.locate("method").line == line_of(LUA_PLACE, "ngx.req.get_post_args")
    assert "endpoint:ANY /api/account/profile" in keys  # its Lua reads neither: the method stays unknown


def test_cors_header_blocks_for_several_methods_set_none_apart(tmp_path: Any) -> None:
    path = write(str(tmp_path), "site.conf", """
        http {
          server {
            listen 8080;
            location /api/followers {
              if ($request_method = 'OPTIONS') { return 204; }
              if ($request_method = 'POST') { add_header 'Access-Control-Allow-Origin' '*'; }
              if ($request_method = 'GET') { add_header 'Access-Control-Allow-Origin' '*'; }
              content_by_lua 'ngx.say("[]")';
            }
            location /api/upload {
              if ($request_method = 'PUT') { add_header 'Access-Control-Allow-Origin' '*'; }
              if ($request_method = 'GET') { return 405; }
              content_by_lua 'ngx.say("ok")';
            }
          }
        }
        """)
    keys = {k for k in design_of(import_paths("gateway", [path], service="web")).by_key() if k.startswith("endpoint:")}
    # One location whose handler serves GET and POST alike: one route, not two.
    # A block that does something (return 405) names its method; a lone header block still names one.
    assert keys == {"endpoint:ANY /api/followers", "endpoint:GET /api/upload", "endpoint:PUT /api/upload"}


def test_lua_request_method_needs_one_kind_of_argument_and_skips_comments() -> None:
    from engine.importers.lua_calls import request_method

    assert request_method("a.lua", "local a = ngx.req.get_uri_args()\n")[0] == "GET"
    assert request_method("a.lua", "ngx.req.read_body()\nlocal p = ngx.req.get_post_args()\n")[0] == "POST"
    assert request_method("a.lua", "ngx.req.get_post_args()\nngx.req.get_uri_args()\n") is None
    assert request_method("a.lua", "-- ngx.req.get_post_args()\nlocal x = 1\n") is None


def test_a_lua_module_not_found_is_said_and_the_route_stays_without_target(tmp_path: Any) -> None:
    doc = import_paths("gateway", [LUA_CONF], service="front")[0]
    said = [text for loc, text in doc.remarks if "api/not/there" in text]
    assert said and "import its folder too" in said[0]
    missing = fact(design_of([doc]), "endpoint:ANY /api/missing")
    assert "routes_to" not in missing.data and "authn" not in missing.data


def test_a_lua_module_that_cannot_be_read_is_said_and_the_import_goes_on(tmp_path: Any) -> None:
    write(str(tmp_path), "conf/nginx.conf", """
        http {
          lua_package_path '/srv/lua/?.lua;;';
          server {
            location /a { content_by_lua_block { require("api/a").Run() } }
          }
        }
        """)
    os.makedirs(os.path.join(str(tmp_path), "lua", "api"))
    with open(os.path.join(str(tmp_path), "lua", "api", "a.lua"), "wb") as fh:
        fh.write(b"local x = '\xff\xfe'\n")
    doc = import_paths("gateway", [os.path.join(str(tmp_path), "conf", "nginx.conf")], service="front")[0]
    said = [(loc, text) for loc, text in doc.remarks if "Lua module api/a not read" in text]
    assert said and said[0][0].file.endswith("a.lua")
    assert "routes_to" not in fact(design_of([doc]), "endpoint:ANY /a").data


LUA_DATA_CONF = fixture("gateway", "openresty-lua-data", "conf", "nginx.conf")


def test_the_request_fields_a_lua_handler_reads_classify_its_data() -> None:
    design = design_of(import_paths("gateway", [LUA_DATA_CONF], service="front"))
    follow = fact(design, "endpoint:POST /api/user/follow")
    follow_lua = fixture("gateway", "openresty-lua-data", "lua-scripts", "api", "user", "follow.lua")
    assert follow.data["data_classification"] == "pii"  # post.user_id names the user it acts for
    where = follow.locate("data_classification")
    assert where.file.endswith("follow.lua") and where.line == line_of(follow_lua, "post.user_id")
    # the most sensitive field wins: username and email (pii) over password (confidential)
    assert fact(design, "endpoint:POST /api/user/signup").data["data_classification"] == "pii"
    # titles and plots classify nothing; a field in a comment is not read
    assert "data_classification" not in fact(design, "endpoint:POST /api/catalog/write").data


def test_a_credential_a_lua_handler_only_requires_to_be_present_authenticates_nobody() -> None:
    design = design_of(import_paths("gateway", [LUA_DATA_CONF], service="front"))
    assert fact(design, "endpoint:POST /api/review/compose").data["authn"] == "none"
    assert "authn" not in fact(design, "endpoint:POST /api/user/signup").data  # it passes the password on


@pytest.mark.parametrize(("hcm", "route", "expected"), [
    pytest.param("", "", 300000, id="idle-default-bounds-a-disabled-route-timeout"),
    pytest.param("stream_idle_timeout: 90s", "", 90000, id="connection-manager-idle-timeout"),
    pytest.param("stream_idle_timeout: 90s", ", idle_timeout: 20s", 20000, id="route-idle-timeout-wins"),
    pytest.param("stream_idle_timeout: 0s", "", 0, id="both-disabled-is-no-timeout"),
    pytest.param("stream_idle_timeout: 90s", ", idle_timeout: 0s", 0, id="route-disables-idle-too"),
])
def test_envoy_disabled_route_timeout_falls_back_to_the_idle_timeout(
        tmp_path: os.PathLike[str], hcm: str, route: str, expected: int) -> None:
    path = write(str(tmp_path), "envoy.yaml", f"""
        static_resources:
          listeners:
            - filter_chains:
                - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        {hcm or "codec_type: AUTO"}
                        route_config:
                          virtual_hosts:
                            - name: all
                              routes:
                                - match: {{prefix: /live/}}
                                  route: {{cluster: feed, timeout: 0s{route}}}
          clusters:
            - name: feed
              load_assignment:
                endpoints:
                  - lb_endpoints:
                      - endpoint: {{address: {{socket_address: {{address: feed, port_value: 80}}}}}}
        """)
    assert calls(imported(path))["gateway->feed"]["timeout_ms"] == expected
def test_two_gateways_with_the_same_route_keep_two_endpoints(tmp_path: os.PathLike[str]) -> None:
    # a storefront proxy and a partner proxy, each sending /api/ and / to its own backend: keyed by method and path
    # alone the two "ANY /api/" routes would be one endpoint served by one of them with both targets
    store = write(str(tmp_path), "store.conf", """
        server {
          location /api/ { proxy_pass http://stock:8080; }
          location / { proxy_pass http://storefront:3000; }
          location /help/ { proxy_pass http://helpdesk:80; }
        }
        """)
    partner = write(str(tmp_path), "partner.conf", """
        server {
          location /api/ { proxy_pass http://stock:8080; }
          location / { proxy_pass http://partner-portal:3000; }
        }
        """)
    d = load_documents(load_artifacts([f"gateway:store-proxy={store}", f"gateway:partner-proxy={partner}"]))
    assert routes(d) == {"store-proxy-ANY-/api": ["stock"], "partner-proxy-ANY-/api": ["stock"],
                         "store-proxy-ANY": ["storefront"], "partner-proxy-ANY": ["partner-portal"],
                         "ANY /help/": ["helpdesk"]}  # a route only one gateway has keeps its method and path
    assert fact(d, "endpoint:partner-proxy-ANY").data["served_by"] == "partner-proxy"
    assert fact(d, "endpoint:store-proxy-ANY-/api").location.line == line_of(store, "location /api/")


@pytest.mark.parametrize(("bind", "imported_admin"), [("0.0.0.0", True), ("127.0.0.1", False), ("::1", False)])
def test_envoy_admin_interface_beyond_the_loopback_is_an_admin_endpoint(
        tmp_path: os.PathLike[str], bind: str, imported_admin: bool) -> None:
    # the admin listener dumps the configuration and stops the proxy for anyone who reaches it; bound to the
    # loopback only the proxy's own host reaches it, and nothing is imported
    path = write(str(tmp_path), "envoy.yaml", f"""
        node: {{cluster: edge-proxy}}
        admin:
          address:
            socket_address: {{address: "{bind}", port_value: 9901}}
        static_resources:
          listeners:
            - filter_chains:
                - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        route_config:
                          virtual_hosts:
                            - name: all
                              routes:
                                - match: {{prefix: /shop/}}
                                  route: {{cluster: shop}}
          clusters:
            - name: shop
              load_assignment:
                endpoints:
                  - lb_endpoints:
                      - endpoint: {{address: {{socket_address: {{address: shop, port_value: 8080}}}}}}
        """)
    d = imported(path)
    eps = {f.name: f.data for f in d.of_kind("endpoint")}
    if not imported_admin:
        assert "edge-proxy-admin" not in eps
        return
    admin = eps["edge-proxy-admin"]
    assert admin["admin"] is True and admin["served_by"] == "edge-proxy"
    assert admin["tls"] is False and admin["authn"] == "none"
    assert "routes_to" not in admin  # the proxy answers it itself
    assert any(e.get("path") == "/shop/" and e.get("routes_to") == ["shop"] for e in eps.values())
