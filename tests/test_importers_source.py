"""`import source`: routes read from code (Flask, FastAPI, Express, Spring MVC, PHP files), placed behind gateways."""

from __future__ import annotations

import os
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import InputError
from engine.importers import detect, import_paths, load_artifacts
from engine.importers.code_routes import normalise
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact


def routes(docs: list[Any]) -> dict[str, dict[str, Any]]:
    """Endpoint key -> data, over every document."""
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        for ep in d.data.get("endpoints") or []:
            out[ep.get("name") or f"{ep['method']} {ep['path']}"] = ep
    return out


FLASK = """
    from flask import Blueprint, Flask
    app = Flask(__name__)
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @app.route("/login", methods=["GET", "POST"])
    def login():
        pass

    @app.route("/pay/<int:id>", methods=["POST"])
    def pay(id):
        pass

    @app.route("/home")
    def home():
        pass

    @admin.route("/users/<user_id>")
    def users(user_id):
        pass

    def not_a_route():
        requests.get("/elsewhere")
"""

FASTAPI = """
    from fastapi import APIRouter, FastAPI
    app = FastAPI()
    router = APIRouter(prefix="/v1")

    @app.get("/health")
    async def health():
        return {}

    @router.delete("/orders/{orderId}")
    async def cancel(orderId: str):
        pass
"""

EXPRESS = """
    const express = require('express');
    const axios = require('axios');
    const app = express();
    const api = express.Router();
    app.get('/users', (req, res) => res.send([]));
    app.post("/login", (req, res) => {});
    // app.get('/commented', (req, res) => {});
    /* app.get('/also-commented') */
    api.get('/cart/:id', (req, res) => {});
    app.use('/api', api);
    axios.get('/not-a-route');
    app.get('env');
"""

SPRING = """
    package shop;

    @RestController
    @RequestMapping("/orders")
    public class OrderController {
        @GetMapping("/{orderId}")
        public Order get(@PathVariable String orderId) { return null; }

        @PostMapping
        public Order create(@RequestBody Order o) { return null; }

        @RequestMapping(value = "/{id}/cancel", method = RequestMethod.PUT, produces = "application/json")
        public void cancel() {}

        // @DeleteMapping("/commented")
    }
"""


@pytest.mark.parametrize(("path", "expected"), [
    ("/cart/:id", "/cart/{id}"), ("/pay/<int:id>", "/pay/{id}"), ("/u/<name>", "/u/{name}"),
    ("users//x", "/users/x"), ("/p/{id:[0-9]+}", "/p/{id}"), ("/f/:file(*)", "/f/{file}")],
    ids=["express", "flask-converter", "flask", "slashes", "spring-regex", "express-regex"])
def test_path_parameters_are_written_in_braces(path: str, expected: str) -> None:
    assert normalise(path) == expected


def test_flask_routes_with_methods_default_get_and_blueprint_prefix(tmp_path: Any) -> None:
    write(str(tmp_path), "front/app.py", FLASK)
    eps = routes(import_paths("source", [str(tmp_path / "front")]))
    assert set(eps) == {"front-GET-/login", "front-POST-/login", "front-POST-/pay/-id", "front-GET-/home",
                        "front-GET-/admin/users/-user_id"}
    assert eps["front-POST-/pay/-id"]["path"] == "/pay/{id}"
    assert eps["front-POST-/pay/-id"]["takes_object_id"] is True
    assert eps["front-POST-/login"]["auth_flow"] is True
    assert "auth_flow" not in eps["front-GET-/login"]  # rendering the form is no credential check
    assert eps["front-GET-/home"]["served_by"] == "front"


def test_fastapi_verbs_and_router_prefix(tmp_path: Any) -> None:
    write(str(tmp_path), "orders/main.py", FASTAPI)
    eps = routes(import_paths("source", [str(tmp_path / "orders")], service="ordering"))
    assert {(e["method"], e["path"], e["served_by"]) for e in eps.values()} == {
        ("GET", "/health", "ordering"), ("DELETE", "/v1/orders/{orderId}", "ordering")}


def test_express_routes_on_apps_and_mounted_routers_only(tmp_path: Any) -> None:
    write(str(tmp_path), "user/server.js", EXPRESS)
    eps = routes(import_paths("source", [str(tmp_path / "user")]))
    assert {(e["method"], e["path"]) for e in eps.values()} == {
        ("GET", "/users"), ("POST", "/login"), ("GET", "/api/cart/{id}")}


def test_spring_mappings_under_the_class_mapping(tmp_path: Any) -> None:
    write(str(tmp_path), "orders/src/main/java/shop/OrderController.java", SPRING)
    write(str(tmp_path), "orders/src/test/java/shop/OrderControllerTest.java", SPRING.replace("/orders", "/test"))
    eps = routes(import_paths("source", [str(tmp_path / "orders")]))
    assert {(e["method"], e["path"]) for e in eps.values()} == {
        ("GET", "/orders/{orderId}"), ("POST", "/orders"), ("PUT", "/orders/{id}/cancel")}


def test_php_file_calling_phpinfo_is_a_debug_route_of_the_document_root(tmp_path: Any) -> None:
    write(str(tmp_path), "ratings/Dockerfile", "FROM php:7.4-apache\nCOPY html/ /var/www/html\n")
    write(str(tmp_path), "ratings/html/index.php", "<?php echo 'hi';\n")
    write(str(tmp_path), "ratings/html/info.php", "<?php\n\nphpinfo();\n")
    write(str(tmp_path), "ratings/html/src/Kernel.php", "<?php\n")
    eps = routes(import_paths("source", [str(tmp_path / "ratings")]))
    assert set(eps) == {"ratings-ANY-/index.php", "ratings-ANY-/info.php"}
    assert eps["ratings-ANY-/info.php"]["debug"] is True
    assert "debug" not in eps["ratings-ANY-/index.php"]


def nginx_front(tmp: str) -> str:
    write(tmp, "web/Dockerfile", "FROM nginx:1.21\nENV USER_HOST=user \\\n    INSTANA=x\n")
    return write(tmp, "web/default.conf.template", """
        server {
            listen 8080;
            location /api/user/ {
                proxy_pass http://${USER_HOST}:8080/;
            }
            location /keep/ {
                proxy_pass http://${USER_HOST}:8080;
            }
        }
    """)


def test_routes_behind_an_nginx_prefix_are_public_at_the_composed_path(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    conf = nginx_front(tmp)
    write(tmp, "user/server.js", EXPRESS)
    design = load_documents(load_artifacts([f"gateway:web={conf}", f"source={tmp}/user"]))
    ep = fact(design, "endpoint:GET /api/user/users")
    assert (ep.data["served_by"], ep.data["routes_to"], ep.data["tls"]) == ("web", ["user"], False)
    assert ep.location.file.endswith("server.js") and ep.location.line == 5
    assert fact(design, "endpoint:POST /api/user/login").data["auth_flow"] is True
    assert fact(design, "endpoint:GET /api/user/api/cart/{id}").data["takes_object_id"] is True
    # /keep/ forwards the path as it is: no route of user starts with it, so none is placed there
    assert not [k for k in design.by_key() if k.startswith("endpoint:GET /keep")]
    assert "endpoint:user-GET-/users" not in design.by_key()  # the public route stands for it (routes_to user)


def test_an_exposed_service_serves_its_routes_publicly_at_their_own_path(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          front:
            image: shop/front
            ports: ["80:8080"]
    """)
    write(tmp, "front/app.py", FLASK)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/front"]))
    login = fact(design, "endpoint:POST /login")
    assert login.data["served_by"] == "front" and "routes_to" not in login.data
    assert login.data["auth_flow"] is True


def test_auto_detects_source_files_and_code_directories(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    app = write(tmp, "front/app.py", FLASK)
    assert detect(app) == "source"
    assert detect(os.path.dirname(app)) == "source"
    write(tmp, "front/k8s/deploy.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: front}\n")
    assert detect(os.path.dirname(app)) == "kubernetes"  # manifests beside the code: the deployment is read


def test_code_that_does_not_parse_is_said_with_its_line_and_the_rest_is_read(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "svc/bad.py", "def broken(:\n")
    write(tmp, "svc/app.py", FLASK)
    docs = import_paths("source", [f"{tmp}/svc"])
    assert any(str(at).endswith("bad.py:1:12") and "not Python 3 that parses" in why for at, why in docs[0].remarks)
    assert "svc-POST-/login" in routes(docs)


def test_bad_bytes_stop_the_import_with_one_line_and_exit_2(tmp_path: Any) -> None:
    bad = tmp_path / "svc" / "server.js"
    bad.parent.mkdir()
    bad.write_bytes(b"app.get('/x', f)\n\xff\xfe\n")
    result = CliRunner().invoke(main, ["import", "source", str(tmp_path / "svc")])
    assert result.exit_code == 2
    assert "server.js:2" in result.output and "Traceback" not in result.output
    with pytest.raises(InputError):
        import_paths("source", [str(bad)])


def test_import_source_writes_an_api_agent_file(tmp_path: Any) -> None:
    write(str(tmp_path), "user/server.js", EXPRESS)
    out = tmp_path / "api.yaml"
    result = CliRunner().invoke(main, ["import", "source", str(tmp_path / "user"), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "source: api" in text and "from source: Express route of user" in text


CART = """
    const express = require('express');
    const app = express();
    app.get('/add/:id', (req, res) => {
        saveCart(req.params.id, {}).then(() => res.send('ok'));
    });
    app.get('/cart/:id', (req, res) => {
        res.set('Content-Type', 'application/json');
        redisClient.get(req.params.id, (e, d) => res.send(d));
    });
    app.delete('/cart/:id', (req, res) => {
        redisClient.del(req.params.id);
    });
    function saveCart(id, cart) {
        return redisClient.setex(id, 3600, JSON.stringify(cart));
    }
"""


def test_a_handler_that_writes_a_store_is_mutating_even_through_a_helper(tmp_path: Any) -> None:
    write(str(tmp_path), "cart/server.js", CART)
    write(str(tmp_path), "pay/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/pay/<id>", methods=["POST"])
        def pay(id):
            orders.insert_one({"id": id})

        @app.route("/status")
        def status():
            return {}.update(x=1)
    """)
    eps = routes(import_paths("source", [str(tmp_path / "cart"), str(tmp_path / "pay")]))
    assert eps["cart-GET-/add/-id"]["mutating"] is True  # saveCart -> setex
    assert eps["cart-DELETE-/cart/-id"]["mutating"] is True
    assert "mutating" not in eps["cart-GET-/cart/-id"]  # res.set is a header, get a read
    assert eps["pay-POST-/pay/-id"]["mutating"] is True
    assert "mutating" not in eps["pay-GET-/status"]


def test_a_read_of_users_or_orders_hints_personal_data(tmp_path: Any) -> None:
    write(str(tmp_path), "user/server.js", EXPRESS)
    eps = routes(import_paths("source", [str(tmp_path / "user")]))
    assert eps["user-GET-/users"]["data_classification"] == "pii"
    assert "data_classification" not in eps["user-POST-/login"]  # a write: what it takes is not told by its name
    assert "data_classification" not in eps["user-GET-/api/cart/-id"]


def test_a_service_whose_code_reads_no_credential_authenticates_no_caller(tmp_path: Any) -> None:
    write(str(tmp_path), "cart/server.js", CART)
    write(str(tmp_path), "user/server.js", EXPRESS + "\napp.use(session({secret: 'x'}));\n")
    eps = routes(import_paths("source", [str(tmp_path / "cart"), str(tmp_path / "user")]))
    assert (eps["cart-GET-/cart/-id"]["authn"], eps["cart-GET-/cart/-id"]["authz"]) == ("none", "none")
    assert "authn" not in eps["user-GET-/users"]  # it names a session: how it checks callers stays unknown


@pytest.mark.parametrize(("ports", "annotations", "tls"), [
    ("[{port: 80, targetPort: 8080}]", "{}", False),
    ("[{name: http, port: 8080}]", "{}", False),
    ("[{port: 443, targetPort: 8443}]", "{}", None),
    ("[{port: 80}, {port: 443}]", "{}", None),
    ("[{port: 80}]", "{service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn}", None)],
    ids=["port-80", "named-http", "port-443", "mixed", "ssl-annotation"])
def test_a_load_balancer_on_http_port_serves_plaintext(tmp_path: Any, ports: str, annotations: str,
                                                       tls: bool | None) -> None:
    tmp = str(tmp_path)
    manifest = write(tmp, "k8s/front.yaml", f"""
        apiVersion: v1
        kind: Service
        metadata: {{name: front, annotations: {annotations}}}
        spec: {{type: LoadBalancer, selector: {{app: front}}, ports: {ports}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: front}}
        spec:
          selector: {{matchLabels: {{app: front}}}}
          template:
            metadata: {{labels: {{app: front}}}}
            spec: {{containers: [{{name: front, image: shop/front}}]}}
    """)
    write(tmp, "front/app.py", FLASK)
    design = load_documents(load_artifacts([f"kubernetes={manifest}", f"source={tmp}/front"]))
    assert fact(design, "endpoint:front-entry").data.get("tls") is tls
    assert fact(design, "endpoint:POST /login").data.get("tls") is tls  # the route inherits it


def test_a_session_cookie_set_without_flags_takes_the_framework_defaults(tmp_path: Any) -> None:
    write(str(tmp_path), "front/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/login", methods=["POST"])
        def login():
            return _helper()

        @app.route("/prefs", methods=["POST"])
        def prefs():
            resp.set_cookie("theme", "dark")

        @app.route("/safe", methods=["POST"])
        def safe():
            resp.set_cookie("session", sid, secure=True, httponly=True)

        def _helper():
            resp.set_cookie(TOKEN_NAME, token, max_age=60)
    """)
    write(str(tmp_path), "shop/server.js", """
        const app = require('express')();
        app.get('/login', (req, res) => { res.cookie(name, req.session.id, {maxAge: 1, httpOnly: true}); });
    """)
    eps = routes(import_paths("source", [str(tmp_path / "front"), str(tmp_path / "shop")]))
    assert eps["front-POST-/login"]["session_cookie"] == {"secure": False, "http_only": False}
    assert "session_cookie" not in eps["front-POST-/prefs"]  # not a session or token cookie
    assert eps["front-POST-/safe"]["session_cookie"] == {"secure": True, "http_only": True}
    assert eps["shop-GET-/login"]["session_cookie"] == {"secure": False, "http_only": True}


def test_a_token_endpoint_behind_zuul_under_the_spring_context_path(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "docker-compose.yml", """
        services:
          gateway:
            image: shop/gateway
            ports: ["80:4000"]
          auth-service:
            image: shop/auth
    """)
    zuul = write(tmp, "config/gateway.yml", """
        zuul:
          ignoredServices: '*'
          routes:
            auth-service:
              path: /uaa/**
              url: http://auth-service:5000
              stripPrefix: false
            orders:
              path: /orders/**
              serviceId: orders
    """)
    write(tmp, "config/auth-service.yml", "server:\n  servlet:\n    context-path: /uaa\n  port: 5000\n")
    write(tmp, "auth-service/src/main/java/auth/OAuthConfig.java", """
        @Configuration
        @EnableAuthorizationServer
        public class OAuthConfig extends AuthorizationServerConfigurerAdapter {}
    """)
    write(tmp, "orders/src/main/java/orders/OrderController.java", SPRING)
    design = load_documents(load_artifacts([f"compose={compose}", f"gateway:gateway={zuul}",
                                            f"spring={tmp}/config/auth-service.yml", f"source={tmp}/auth-service",
                                            f"source={tmp}/orders"]))
    token = fact(design, "endpoint:POST /uaa/oauth/token")
    assert (token.data["served_by"], token.data["routes_to"]) == ("gateway", ["auth-service"])
    assert token.data["auth_flow"] is True
    assert token.data["tls"] is False  # the gateway's entry: published on host port 80
    # Zuul strips /orders by default: the service's /orders/{orderId} is public as /orders/orders/{orderId}
    assert fact(design, "endpoint:GET /orders/orders/{orderId}").data["routes_to"] == ["orders"]


def test_gateway_java_dsl_and_router_functions_are_routes_of_the_gateway(tmp_path: Any) -> None:
    write(str(tmp_path), "gw/src/main/java/gw/OrderConfiguration.java", """
        @Configuration
        public class OrderConfiguration {
          @Bean
          public RouteLocator routing(RouteLocatorBuilder builder, Destinations d) {
            return builder.routes()
                .route(r -> r.path("/orders").and().method("POST").uri(d.getOrderServiceUrl()))
                .route(r -> r.path("/orders/**").and().method(HttpMethod.PUT).uri(d.getOrderServiceUrl()))
                .route(r -> r.path("/kitchen").uri(d.getKitchenUrl()))
                .build();
          }

          @Bean
          public RouterFunction<ServerResponse> handlers(OrderHandlers h) {
            return RouterFunctions.route(GET("/orders/{orderId}"), h::getOrderDetails);
          }
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "gw")]))
    assert {(e["method"], e["path"], e["served_by"]) for e in eps.values()} == {
        ("POST", "/orders", "gw"), ("PUT", "/orders/**", "gw"), ("ANY", "/kitchen", "gw"),
        ("GET", "/orders/{orderId}", "gw")}


def test_a_url_taken_from_the_request_and_fetched_unchecked_is_a_user_url_fetch(tmp_path: Any) -> None:
    write(str(tmp_path), "front/app.py", """
        import requests
        from flask import Flask, request
        app = Flask(__name__)

        @app.route("/callback", methods=["POST"])
        def callback():
            target = request.args["redirect_uri"]
            return _post(target, "x")

        @app.route("/checked", methods=["POST"])
        def checked():
            target = request.args.get("redirect_uri")
            if target != ALLOWED:
                return "no"
            return requests.post(url=target)

        @app.route("/fixed")
        def fixed():
            return requests.get(BACKEND_URL)

        def _post(where, token):
            return requests.post(url=where, data={"token": token})
    """)
    eps = routes(import_paths("source", [str(tmp_path / "front")]))
    callback = eps["front-POST-/callback"]
    assert (callback["fetches_user_url"], callback["url_allowlist"]) == (True, False)
    assert "fetches_user_url" not in eps["front-POST-/checked"]  # compared with an allowed value first
    assert "fetches_user_url" not in eps["front-GET-/fixed"]


def test_code_nested_beyond_the_parser_is_a_remark_not_a_crash(tmp_path: Any) -> None:
    write(str(tmp_path), "svc/deep.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")
    write(str(tmp_path), "svc/deep.js", "const app = express();\n" + "(" * 100000 + "\napp.get('/x', f);\n")
    docs = import_paths("source", [str(tmp_path / "svc")])
    assert any("deep.py" in str(at) for at, _why in docs[0].remarks)


TOKEN_STORE = """\
package auth;

// a comment naming new InMemoryTokenStore() is no store
@Configuration
public class AuthorizationConfig {
    private TokenStore tokenStore = new InMemoryTokenStore();
}
"""


def test_code_building_an_in_memory_token_store_keeps_instance_local_state(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "auth/src/main/java/auth/AuthorizationConfig.java", TOKEN_STORE)
    write(tmp, "auth/src/main/java/auth/UserController.java", SPRING)
    # a read cache, a store in a comment or a test, and a JDBC token store keep no state of their own
    write(tmp, "users/src/main/java/users/Config.java",
          "class Config {\n  Cache c = CacheBuilder.newBuilder().build();\n"
          "  TokenStore s = new JdbcTokenStore(ds);\n  /* new MapSessionRepository() */\n}\n")
    write(tmp, "users/src/test/java/users/ConfigTest.java", "class T { Object s = new InMemoryTokenStore(); }\n")
    write(tmp, "web/server.js", "const session = require('express-session');\n"
          "app.use(session({ store: new session.MemoryStore(), secret: process.env.S }));\n")
    design = load_documents(load_artifacts([f"source={tmp}/auth", f"source={tmp}/users", f"source={tmp}/web"]))
    auth = fact(design, "service:auth")
    assert auth.data["state"] == "instance_local"
    assert (auth.fields["state"].file.endswith("AuthorizationConfig.java"), auth.fields["state"].line) == (True, 6)
    assert fact(design, "service:web").data["state"] == "instance_local"
    assert "state" not in fact(design, "service:users").data


TRANSFERS = """\
package bank.transfers;

public class TransferController {
    private final Cache<String, Long> seen;
    private final Cache<String, Long> rates;

    public TransferController() {
        this.seen = CacheBuilder.newBuilder().expireAfterWrite(30, TimeUnit.MINUTES).build();
        rates = Caffeine.newBuilder().maximumSize(100).build();
    }

    public ResponseEntity<?> transfer(Transfer t) {
        if (seen.asMap().containsKey(t.getIdempotencyToken())) {
            throw new IllegalStateException("already processed");
        }
        if (rates.getIfPresent(t.getCurrency()) == null) {
            rates.put(t.getCurrency(), lookUp(t.getCurrency()));
        }
        seen.put(t.getIdempotencyToken(), t.getAmount());
        return ResponseEntity.ok().build();
    }
}
"""

QUOTES = """\
package bank.quotes;

public class QuoteController {
    private final Cache<String, Quote> recent = Caffeine.newBuilder().build();

    public Quote quote(String id) {
        if (recent.getIfPresent(id) != null) {
            return recent.getIfPresent(id);
        }
        return fetch(id);
    }
}
"""


def test_code_refusing_a_request_found_in_an_in_process_cache_keeps_instance_local_state(tmp_path: Any) -> None:
    # The requests already handled, remembered in one instance's cache to refuse a duplicate: another instance, or
    # this one after a restart, lets the duplicate through. A cache only read to save a lookup keeps no such state.
    tmp = str(tmp_path)
    write(tmp, "transfers/src/main/java/bank/transfers/TransferController.java", TRANSFERS)
    write(tmp, "quotes/src/main/java/bank/quotes/QuoteController.java", QUOTES)
    design = load_documents(load_artifacts([f"source={tmp}/transfers", f"source={tmp}/quotes"]))
    transfers = fact(design, "service:transfers")
    assert transfers.data["state"] == "instance_local"
    assert transfers.fields["state"].line == 13  # the check that refuses the duplicate
    assert "state" not in fact(design, "service:quotes").data


AUTH_SERVER = """\
package auth;

@Configuration
@EnableAuthorizationServer
public class OAuth2Config extends AuthorizationServerConfigurerAdapter {
}
"""

LOGIN = """\
import jwt
from flask import Flask

app = Flask(__name__)


@app.route("/login", methods=["GET"])
def login():
    return {"token": jwt.encode({"user": "u"}, KEY, algorithm="RS256")}
"""


@pytest.mark.parametrize(("files", "line"), [
    pytest.param({"auth/src/main/java/auth/OAuth2Config.java": AUTH_SERVER}, 4, id="authorization-server"),
    pytest.param({"users/app.py": LOGIN}, 9, id="jwt-signed-by-a-service-with-a-login-route"),
])
def test_code_that_issues_its_users_tokens_makes_a_home_grown_identity_provider(
        tmp_path: Any, files: dict[str, str], line: int) -> None:
    tmp = str(tmp_path)
    for name, text in files.items():
        write(tmp, name, text)
    service = next(iter(files)).split("/")[0]
    sec = fact(load_documents(load_artifacts([f"source={tmp}/{service}"])), "security:security")
    assert sec.data["identity_provider_kind"] == "custom"
    assert sec.fields["identity_provider_kind"].line == line


def test_a_jwt_signed_by_a_service_without_a_login_route_is_no_identity_provider(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "reports/app.py", LOGIN.replace('"/login"', '"/reports"'))
    write(tmp, "docs/Config.java", "// @EnableAuthorizationServer\nclass Config {}\n")
    design = load_documents(load_artifacts([f"source={tmp}/reports", f"source={tmp}/docs"]))
    assert "security:security" not in design.by_key()


LOGIN_CHECK = """\
app.post('/login', (req, res) => {
    if (req.body.password === undefined || req.body.password !== req.body.confirm_password) {
        return res.status(400).send('no password');
    }
    // bcrypt.compare(req.body.password, user.password) is not what this code does:
    users.findOne({name: req.body.name}).then((user) => {
        if (user.password == req.body.password) {
            res.json(user);
        }
    });
});
"""


def test_a_stored_password_compared_with_the_requests_as_is_is_kept_in_plaintext(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "user/server.js", LOGIN_CHECK)
    write(tmp, "hashed/server.js", LOGIN_CHECK.replace("user.password == req.body.password",
                                                      "await bcrypt.compare(req.body.password, user.password)"))
    design = load_documents(load_artifacts([f"source={tmp}/user", f"source={tmp}/hashed"]))
    user = fact(design, "service:user")
    assert (user.data["password_hashing"], user.fields["password_hashing"].line) == ("plaintext", 7)
    # the hashed service's code compares through bcrypt: it keeps bcrypt hashes (engine.importers.code_passwords)
    assert fact(design, "service:hashed").data["password_hashing"] == "bcrypt"


PAYMENT = """\
from flask import Flask, request

app = Flask(__name__)


@app.route("/pay/<id>", methods=["POST"])
def pay(id):
    cart = request.get_json()
    charge(id, cart.get("total", 0))
    return "ok"


@app.route("/transfer", methods=["POST"])
def transfer():
    body = request.get_json()
    move(body["amount"])  # the sum a customer chooses to send is theirs to say
    return "ok"


@app.route("/quote", methods=["GET", "POST"])
def quote():
    return str(request.json["price"])
"""


def test_a_write_handler_reading_a_price_or_total_from_the_request_takes_the_amount_from_the_client(
        tmp_path: Any) -> None:
    write(str(tmp_path), "payment/payment.py", PAYMENT)
    design = load_documents(load_artifacts([f"source={tmp_path}/payment"]))
    pay = fact(design, "endpoint:payment-POST-/pay/-id")
    assert pay.data["amount_from_client"] is True
    assert "amount_from_client" not in fact(design, "endpoint:payment-POST-/transfer").data
    assert fact(design, "endpoint:payment-POST-/quote").data["amount_from_client"] is True
    assert "amount_from_client" not in fact(design, "endpoint:payment-GET-/quote").data


PUBLISHER = """\
import pika

AUDIT = 'audit'


class Publisher:
    EXCHANGE = 'shop'
    ROUTING_KEY = 'orders'

    def _publish(self, msg, key):
        self._channel.basic_publish(exchange=self.EXCHANGE, routing_key=self.ROUTING_KEY,
                                    properties=pika.BasicProperties(headers={}), body=msg)
        self._channel.basic_publish(exchange='', routing_key=AUDIT, body=msg,
                                    properties=pika.BasicProperties(delivery_mode=2))
        self._channel.basic_publish(exchange='', routing_key=key, body=msg)  # a key known at run time only
"""


@pytest.mark.parametrize("confirms", [False, True], ids=["no-confirms", "confirm-delivery"])
def test_pika_publications_are_channels_with_what_their_calls_show(tmp_path: Any, confirms: bool) -> None:
    tmp = str(tmp_path)
    write(tmp, "payment/rabbitmq.py", PUBLISHER)
    write(tmp, "payment/app.py", "def connect(ch):\n    ch.confirm_delivery()\n" if confirms else "x = 1\n")
    design = load_documents(load_artifacts([f"source={tmp}/payment"]))
    orders, audit = fact(design, "channel:orders"), fact(design, "channel:audit")
    assert (orders.data["durable"], orders.location.line) == (False, 11)
    assert "durable" not in audit.data
    assert orders.data.get("producer_acks") == (None if confirms else "none")
    assert fact(design, "interaction:payment->orders").data["style"] == "async"
    assert sorted(k for k in design.by_key() if k.startswith("channel:")) == ["channel:audit", "channel:orders"]


GO_SHOP = """
    package main

    import (
        "net/http"

        "github.com/gorilla/mux"
    )

    const cookieSession = "shop_session-id"

    var baseURL = ""

    func main() {
        r := mux.NewRouter()
        r.HandleFunc(baseURL+"/", svc.homeHandler).Methods(http.MethodGet, http.MethodHead)
        api := r.PathPrefix("/api").Subrouter()
        api.HandleFunc("/orders/{orderId:[0-9]+}", svc.orderHandler).Methods("GET")
        api.HandleFunc("/checkout", svc.checkoutHandler).Methods(http.MethodPost)
        r.PathPrefix("/static/").Handler(http.FileServer(http.Dir("./static/")))
        r.HandleFunc("/prefs", svc.prefsHandler).Methods("POST")
        r.HandleFunc("/healthz", svc.healthHandler)
        var handler http.Handler = r
        handler = withSession(handler)
        http.ListenAndServe(":8080", handler)
    }

    func (s *server) healthHandler(w http.ResponseWriter, r *http.Request) { w.Write(nil) }

    func (s *server) checkoutHandler(w http.ResponseWriter, r *http.Request) {
        s.placeOrder(r)
    }

    func (s *server) placeOrder(r *http.Request) {
        order, err := pb.NewCheckoutServiceClient(s.conn).
            PlaceOrder(r.Context(), &pb.PlaceOrderRequest{})
    }

    func (s *server) prefsHandler(w http.ResponseWriter, r *http.Request) {
        http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark"})
    }
"""

GO_SESSION = """
    package main

    import "net/http"

    func withSession(next http.Handler) http.HandlerFunc {
        return func(w http.ResponseWriter, r *http.Request) {
            http.SetCookie(w, &http.Cookie{
                Name:   cookieSession,
                Value:  "x",
                MaxAge: 60,
            })
            next.ServeHTTP(w, r)
        }
    }
"""

GO_HOTEL = """
    package frontend

    import "net/http"

    func (s *Server) Run() error {
        mux := tracing.NewServeMux(s.Tracer)
        mux.Handle("/user", http.HandlerFunc(s.userHandler))
        mux.Handle("/reservation", http.HandlerFunc(s.reservationHandler))
        mux.HandleFunc("DELETE /items/{id...}", s.deleteHandler)
        mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
            http.SetCookie(w, &http.Cookie{Name: "token", Value: t, Secure: true, HttpOnly: true,
                SameSite: http.SameSiteLaxMode})
        })
        // mux.Handle("/commented", h)
        return nil
    }

    func (s *Server) userHandler(w http.ResponseWriter, r *http.Request) {
        username, password := r.URL.Query().Get("username"), r.URL.Query().Get("password")
        resp, err := s.userClient.CheckUser(r.Context(), &user.Request{Username: username, Password: password})
    }

    func (s *Server) reservationHandler(w http.ResponseWriter, r *http.Request) {
        q := r.URL.Query()
        password := q.Get("password")
        s.reservationClient.MakeReservation(r.Context(), &pb.Request{})
    }

    func (s *Server) deleteHandler(w http.ResponseWriter, r *http.Request) {
        s.coll.DeleteOne(r.Context(), bson.M{})
    }
"""

GO_GIN = """
    package api

    import (
        "github.com/gin-gonic/gin"
        "github.com/go-chi/chi/v5"
    )

    func routes(router *gin.Engine, r chi.Router) {
        v1 := router.Group("/v1")
        v1.POST("/accounts/:accountId", authRequired, createAccount)
        router.GET("/health", health)
        r.Route("/carts", func(r chi.Router) {
            r.Get("/{cartId}", getCart)
        })
        client.Get("http://other/x")
    }
"""


def test_go_routes_of_gorilla_mux_net_http_gin_and_chi(tmp_path: Any) -> None:
    write(str(tmp_path), "shop/main.go", GO_SHOP)
    write(str(tmp_path), "shop/middleware.go", GO_SESSION)
    write(str(tmp_path), "hotel/server.go", GO_HOTEL)
    write(str(tmp_path), "api/routes.go", GO_GIN)
    write(str(tmp_path), "api/routes_test.go", GO_GIN.replace("/health", "/from-a-test"))
    eps = routes(import_paths("source", [str(tmp_path / d) for d in ("shop", "hotel", "api")]))
    assert sorted(k for k in eps if k.startswith("shop-")) == [
        "shop-ANY-/healthz", "shop-ANY-/static", "shop-GET", "shop-GET-/api/orders/-orderId", "shop-HEAD",
        "shop-POST-/api/checkout", "shop-POST-/prefs"]
    assert eps["shop-GET-/api/orders/-orderId"]["path"] == "/api/orders/{orderId}"
    assert eps["shop-GET-/api/orders/-orderId"]["takes_object_id"] is True
    assert eps["shop-POST-/api/checkout"]["mutating"] is True  # PlaceOrder on a gRPC client, through a helper
    assert eps["shop-POST-/api/checkout"]["idempotency_key"] is False  # it creates, and nothing names a key
    assert "mutating" not in eps["shop-GET"]
    assert "mutating" not in eps["shop-ANY-/healthz"]  # a one-line handler: the body is its own, not the next one's
    # the middleware wrapped around the router sets the session cookie on every route, with Go's zero values
    assert eps["shop-GET"]["session_cookie"] == {"secure": False, "http_only": False}
    assert eps["shop-POST-/prefs"]["session_cookie"] == {"secure": False, "http_only": False}  # theme: not a session
    assert sorted(k for k in eps if k.startswith("hotel-")) == [
        "hotel-ANY-/login", "hotel-ANY-/reservation", "hotel-ANY-/user", "hotel-DELETE-/items/-id"]
    assert eps["hotel-ANY-/user"]["credentials_in_query"] is True
    assert eps["hotel-ANY-/user"]["auth_flow"] is True  # checks the password it is given, writes nothing
    assert eps["hotel-ANY-/reservation"]["credentials_in_query"] is True  # through q := r.URL.Query()
    assert eps["hotel-ANY-/reservation"]["mutating"] is True
    assert "auth_flow" not in eps["hotel-ANY-/reservation"]  # it books: a mutation that takes a password
    assert eps["hotel-DELETE-/items/-id"]["mutating"] is True
    assert "idempotency_key" not in eps["hotel-DELETE-/items/-id"]  # a delete repeated deletes nothing more
    assert eps["hotel-ANY-/login"]["session_cookie"] == {"secure": True, "http_only": True, "same_site": "lax"}
    assert sorted(k for k in eps if k.startswith("api-")) == [
        "api-GET-/carts/-cartId", "api-GET-/health", "api-POST-/v1/accounts/-accountId"]
    assert eps["api-POST-/v1/accounts/-accountId"]["path"] == "/v1/accounts/{accountId}"


def test_go_gorilla_routes_whose_method_matcher_comes_before_the_path(tmp_path: Any) -> None:
    # go-kit services mount their servers so: r.Methods("GET").Path("/x").Handler(kithttp.NewServer(...))
    write(str(tmp_path), "stock/transport.go", """
        package stock

        import (
            "net/http"

            "github.com/gorilla/mux"
        )

        func Routes(e Endpoints) *mux.Router {
            r := mux.NewRouter()
            r.Methods("GET").Path("/stock/{id}").Handler(newServer(e.Lookup))
            r.Methods("POST", "PUT").Path("/stock").Handler(newServer(e.Restock))
            r.Methods("GET").PathPrefix("/files/").Handler(http.FileServer(http.Dir("/srv")))
            r.Path("/ping").Methods(http.MethodGet).HandlerFunc(ping)
            r.Handle("/metrics", metrics())
            return r
        }
    """)
    # a Path method outside gorilla/mux is no route
    write(str(tmp_path), "other/main.go", """
        package main

        import "net/http"

        func main() {
            b.Path("/not-a-route")
            http.HandleFunc("/up", up)
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "stock"), str(tmp_path / "other")]))
    assert sorted(eps) == ["other-ANY-/up", "stock-ANY-/metrics", "stock-GET-/files", "stock-GET-/ping",
                           "stock-GET-/stock/-id", "stock-POST-/stock", "stock-PUT-/stock"]
    assert eps["stock-GET-/stock/-id"]["takes_object_id"] is True


def test_a_go_cookie_set_secure_and_a_deleted_one_are_not_unprotected(tmp_path: Any) -> None:
    write(str(tmp_path), "front/main.go", """
        package main

        import "net/http"

        func main() {
            http.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
                http.SetCookie(w, &http.Cookie{Name: "session", Value: "", MaxAge: -1})
            })
            http.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
                http.SetCookie(w, &http.Cookie{Name: "session", Value: v, Secure: cfg.Secure})
            })
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "front")]))
    assert "session_cookie" not in eps["front-POST-/logout"]
    assert eps["front-GET-/session"]["session_cookie"] == {"http_only": False}  # Secure from a variable: unknown


def test_a_go_service_that_names_an_idempotency_key_leaves_it_unknown(tmp_path: Any) -> None:
    write(str(tmp_path), "shop/main.go", GO_SHOP)
    write(str(tmp_path), "shop/keys.go", """
        package main

        const idempotencyHeader = "Idempotency-Key"
    """)
    eps = routes(import_paths("source", [str(tmp_path / "shop")]))
    assert eps["shop-POST-/api/checkout"]["mutating"] is True
    assert "idempotency_key" not in eps["shop-POST-/api/checkout"]


def test_a_go_router_mounted_on_another_is_no_route_and_takes_the_prefix_it_strips(tmp_path: Any) -> None:
    write(str(tmp_path), "svc/main.go", """
        package main

        import (
            "net/http"

            "github.com/go-chi/chi/v5"
        )

        func main() {
            api := http.NewServeMux()
            api.HandleFunc("/users", listUsers)
            r := chi.NewRouter()
            r.Post("/orders", s.createOrder)
            admin := chi.NewRouter()
            admin.Get("/stats", stats)
            r.Mount("/admin", admin)
            http.Handle("/api/", http.StripPrefix("/api", api))
            http.Handle("/", r)
            http.ListenAndServe(":80", nil)
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "svc")]))
    assert sorted(eps) == ["svc-ANY-/api/users", "svc-GET-/admin/stats", "svc-POST-/orders"]


LENDING_INGRESS = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: lending}
    spec:
      selector: {matchLabels: {app: lending}}
      template:
        metadata: {labels: {app: lending}}
        spec:
          containers: [{name: lending, image: "example/lending:2.1"}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: lending}
    spec: {type: ClusterIP, selector: {app: lending}, ports: [{port: 80}]}
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: lending}
    spec:
      rules:
        - http:
            paths:
              - path: /loans
                pathType: Prefix
                backend: {service: {name: lending, port: {number: 80}}}
"""
LENDING_CODE = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/loans", methods=["GET"])
    def loans():
        pass

    @app.route("/internal/reindex", methods=["POST"])
    def reindex():
        pass
"""
UNDEPLOYED_GATEWAY = """
    spring:
      cloud:
        gateway:
          routes:
            - id: loans
              uri: ${lending.url}
              predicates: [Path=/loans, Method=GET]
"""


def test_routes_under_an_ingress_path_take_the_plain_key_over_an_undeployed_gateway(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    manifest = write(tmp, "k8s/lending.yaml", LENDING_INGRESS)
    routes_file = write(tmp, "edge/application.yml", UNDEPLOYED_GATEWAY)
    write(tmp, "lending/app.py", LENDING_CODE)
    design = load_documents(load_artifacts([f"kubernetes={manifest}", f"gateway:edge={routes_file}",
                                            f"source={tmp}/lending"]))
    keys = design.by_key()
    # published by the Ingress path /loans: the service's own route, at its own path, keeps the plain key
    loans = fact(design, "endpoint:GET /loans")
    assert loans.data["served_by"] == "lending" and "routes_to" not in loans.data
    # the gateway runs nowhere in the artifacts and its target is a variable: its route is named after it
    assert fact(design, "endpoint:edge-GET-/loans").data["served_by"] == "edge"
    # a route under no published path is not placed behind the Ingress
    assert "endpoint:lending-POST-/internal/reindex" in keys and "endpoint:POST /internal/reindex" not in keys


def test_a_deployed_gateway_keeps_its_route_key(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    deployed = LENDING_INGRESS + """
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: edge}
    spec:
      selector: {matchLabels: {app: edge}}
      template:
        metadata: {labels: {app: edge}}
        spec:
          containers: [{name: edge, image: "example/edge:1.0"}]
    """
    manifest = write(tmp, "k8s/lending.yaml", deployed)
    routes_file = write(tmp, "edge/application.yml", UNDEPLOYED_GATEWAY)
    write(tmp, "lending/app.py", LENDING_CODE)
    design = load_documents(load_artifacts([f"kubernetes={manifest}", f"gateway:edge={routes_file}",
                                            f"source={tmp}/lending"]))
    assert fact(design, "endpoint:GET /loans").data["served_by"] == "edge"
    assert "endpoint:lending-GET-/loans" in design.by_key()
def test_an_nginx_proxy_pass_with_a_path_puts_that_path_in_place_of_the_location(tmp_path: Any) -> None:
    # nginx forwards /kitchen/tickets/9 as /ticket/9 here: the service's /ticket routes are public under
    # /kitchen/tickets, and its other routes (/ping) are not reached through this location at all
    tmp = str(tmp_path)
    conf = write(tmp, "desk/nginx.conf", """
        server {
            listen 8080;
            location /kitchen/tickets {
                proxy_pass http://kitchen:9000/ticket;
            }
            location /kitchen/board {
                proxy_pass http://kitchen:9000/ticket/board;
            }
        }
    """)
    write(tmp, "kitchen/main.go", """
        package main

        import "github.com/gin-gonic/gin"

        func main() {
            r := gin.Default()
            r.GET("/ticket/board", board)
            r.GET("/ticket/:num", oneTicket)
            r.PUT("/ticket", moveTicket)
            r.GET("/ping", ping)
            r.Run(":9000")
        }
    """)
    design = load_documents(load_artifacts([f"gateway:desk={conf}", f"source={tmp}/kitchen"]))
    keys = {k for k in design.by_key() if k.startswith("endpoint:")}
    assert {"endpoint:GET /kitchen/tickets/board", "endpoint:GET /kitchen/tickets/{num}",
            "endpoint:PUT /kitchen/tickets", "endpoint:GET /kitchen/board"} <= keys
    assert fact(design, "endpoint:PUT /kitchen/tickets").data["routes_to"] == ["kitchen"]
    # nothing appends the service's whole path to the location: no /kitchen/tickets/ticket/...; /ping stays
    # the service's own, not public through the gateway
    assert not [k for k in keys if "/ticket/" in k.split(" ", 1)[-1]]
    assert fact(design, "endpoint:kitchen-GET-/ping").data["served_by"] == "kitchen"


def test_an_nginx_rewrite_that_takes_the_location_off_the_path_strips_it_like_a_proxy_pass_path(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    conf = write(tmp, "shopfront/nginx.conf", """
        server {
            listen 8080;
            location /api/stock {
                rewrite ^/api/stock$ / break;
                rewrite ^/api/stock(/.*)$ $1 break;
                proxy_pass http://stock:7000;
            }
            location /api/other {
                rewrite ^/api/other/(.*)$ /v2/$1 break;
                proxy_pass http://stock:7000;
            }
        }
    """)
    write(tmp, "stock/main.go", """
        package main

        import "github.com/gin-gonic/gin"

        func main() {
            r := gin.Default()
            r.GET("/items/:sku", item)
            r.Run(":7000")
        }
    """)
    design = load_documents(load_artifacts([f"gateway:shopfront={conf}", f"source={tmp}/stock"]))
    ep = fact(design, "endpoint:GET /api/stock/items/{sku}")
    assert (ep.data["served_by"], ep.data["routes_to"]) == ("shopfront", ["stock"])
    # a rewrite to another path says nothing of where the service's routes are
    assert not [k for k in design.by_key() if k.startswith("endpoint:GET /api/other/")]


def test_a_grpc_channel_opened_without_credentials_is_no_sign_that_callers_are_checked(tmp_path: Any) -> None:
    """A Go service that dials its neighbours over plaintext gRPC (``insecure.NewCredentials()``) names a
    credential only to say it sends none; one that attaches a bearer token to its calls may check its own."""
    dialer = """
        package main

        import (
            "net/http"

            "google.golang.org/grpc"
            "google.golang.org/grpc/credentials/insecure"
        )

        func main() {
            conn, _ := grpc.Dial("stock:7000", grpc.WithTransportCredentials(insecure.NewCredentials()))
            defer conn.Close()
            http.HandleFunc("/shelves", func(w http.ResponseWriter, r *http.Request) {})
            http.ListenAndServe(":8080", nil)
        }
        """
    write(str(tmp_path), "shelf/main.go", dialer)
    write(str(tmp_path), "till/main.go", dialer.replace("conn.Close()", 'conn.Close()\n            _ = "Bearer"'))
    docs = import_paths("source", [str(tmp_path / "shelf"), str(tmp_path / "till")])
    services = {s["name"]: s for d in docs for s in d.data.get("services") or []}
    assert services["shelf"]["inbound_auth"] == "none"
    assert "inbound_auth" not in services["till"]


_LIBRARY_SWAGGER = """
{"swagger": "2.0", "info": {"title": "library.proto", "version": "v"},
 "paths": {
   "/v1/shelves": {"get": {"operationId": "ShelfService_ListShelves",
       "responses": {"200": {"description": "ok"}}}},
   "/v1/loans": {"post": {"operationId": "LoanDesk_Borrow",
       "responses": {"200": {"description": "ok"}}}},
   "/v1/fines": {"get": {"operationId": "FineOffice_ListFines",
       "responses": {"200": {"description": "ok"}}}}}}
"""

_LIBRARY_GATEWAY = """
package main

import (
    "context"
    "net/http"

    "github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
    "google.golang.org/grpc"
    "google.golang.org/grpc/credentials/insecure"

    pb "example.org/library/gen"
)

func main() {
    ctx := context.Background()
    mux := runtime.NewServeMux()
    opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
    _ = pb.RegisterShelfServiceHandlerFromEndpoint(ctx, mux, shelvesAddr, opts)
    _ = pb.RegisterLoanDeskHandlerFromEndpoint(ctx, mux, loansAddr, opts)
    http.ListenAndServe(":8080", mux)
}
"""


def test_a_grpc_gateway_routes_each_described_operation_to_the_workload_named_after_its_grpc_service(
        tmp_path: Any) -> None:
    """The gateway's Go code registers the HTTP bindings of ShelfService and LoanDesk; its description names each
    operation ``<gRPC service>_<method>``: an operation goes to the one workload named after its gRPC service (with
    or without the ``Service`` suffix). One of a service the gateway does not register goes nowhere."""
    tmp = str(tmp_path)
    spec = write(tmp, "api/library.swagger.json", _LIBRARY_SWAGGER)
    write(tmp, "front/main.go", _LIBRARY_GATEWAY)
    for name in ("shelf", "loan-desk", "fine-office"):
        write(tmp, f"{name}/main.go", "package main\n\nfunc main() {}\n")
    design = load_documents(load_artifacts([f"openapi:front={spec}", f"source={tmp}/front", f"source={tmp}/shelf",
                                            f"source={tmp}/loan-desk", f"source={tmp}/fine-office"]))
    assert fact(design, "service:front").data["kind"] == "gateway"
    assert fact(design, "endpoint:GET /v1/shelves").data["routes_to"] == ["shelf"]
    assert fact(design, "endpoint:POST /v1/loans").data["routes_to"] == ["loan-desk"]
    assert "routes_to" not in fact(design, "endpoint:GET /v1/fines").data
    assert {(i.data["from"], i.data["to"]) for i in design.of_kind("interaction")} == {
        ("front", "shelf"), ("front", "loan-desk")}


def test_register_handler_calls_without_grpc_gateway_make_no_gateway(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    spec = write(tmp, "api/library.swagger.json", _LIBRARY_SWAGGER)
    write(tmp, "front/main.go", _LIBRARY_GATEWAY.replace('"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"',
                                                         '"example.org/library/runtime"'))
    write(tmp, "shelf/main.go", "package main\n\nfunc main() {}\n")
    design = load_documents(load_artifacts([f"openapi:front={spec}", f"source={tmp}/front", f"source={tmp}/shelf"]))
    assert "kind" not in fact(design, "service:front").data
    assert "routes_to" not in fact(design, "endpoint:GET /v1/shelves").data


BOOKSHOP = """
    const express = require('express');
    const store = require('./store');
    const app = express();

    app.get('/invoices/:id', (req, res) => {
        store.fetch('/invoices/' + req.params.id, res);
    });
    app.get('/wishlist', function (req, res, next) {
        var member = req.cookies.member;
        if (!member) {
            return res.status(401).end();
        }
        store.fetch('/wishlist/' + member, res);
    });
    app.post('/reviews', limiter, (req, res) => store.post('/reviews', req.body, res));
    app.get('/basket', (req, res) => store.basket(req, res));
    app.get('/profile', (req, res) => store.fetch('/profile/' + req.user.id, res));
    module.exports = app;
"""


def test_an_express_handler_reading_no_credential_beside_handlers_that_check_callers_authenticates_nobody(
        tmp_path: Any) -> None:
    write(str(tmp_path), "shop/routes.js", BOOKSHOP)
    eps = routes(import_paths("source", [str(tmp_path / "shop")]))
    invoice = eps["shop-GET-/invoices/-id"]
    assert (invoice["authn"], invoice["authz"]) == ("none", "none")  # the wishlist's handler rejects callers itself
    assert "authn" not in eps["shop-GET-/wishlist"]  # it checks the cookie
    assert "authn" not in eps["shop-POST-/reviews"]  # a middleware runs before it
    assert "authn" not in eps["shop-GET-/basket"]  # the request goes to another module, which may check it
    assert "authn" not in eps["shop-GET-/profile"]  # it reads the signed-in user


def test_express_handlers_stay_unknown_when_no_handler_checks_callers_or_a_checking_middleware_is_mounted(
        tmp_path: Any) -> None:
    write(str(tmp_path), "plain/routes.js", BOOKSHOP.replace("if (!member)", "if (member)").replace(
        "return res.status(401).end();", "store.touch(member);"))
    write(str(tmp_path), "guarded/routes.js", BOOKSHOP.replace("const app = express();",
                                                               "const app = express();\napp.use(requireMember);"))
    eps = routes(import_paths("source", [str(tmp_path / "plain"), str(tmp_path / "guarded")]))
    assert "authn" not in eps["plain-GET-/invoices/-id"]  # nothing shows the service checks in its handlers
    assert "authn" not in eps["guarded-GET-/invoices/-id"]  # its router checks callers before any handler


TICKETS = """
    const express = require('express');
    const request = require('request');
    const app = express();

    app.post('/bookings', function (req, res, next) {
        var booking = {seat: req.body.seat, show: req.body.show};
        var options = {uri: 'http://booking/bookings', method: 'POST', json: true, body: booking};
        request(options, function (err, r, body) { res.json(body); });
    });
    app.post('/reviews', function (req, res, next) {
        request({uri: 'http://reviews/reviews', method: 'POST', json: true, body: req.body}, function () {});
    });
    app.post('/seats/hold', function (req, res, next) {
        request({uri: 'http://booking/holds/' + req.body.seat, method: 'PUT'}, function () {});
    });
    app.delete('/bookings/:id', (req, res) => request.del('http://booking/bookings/' + req.params.id).pipe(res));
    app.post('/search', (req, res) => request.get('http://booking/search?q=' + req.body.q).pipe(res));
"""


def test_an_express_handler_sending_a_write_to_another_service_is_mutating_and_one_it_creates_needs_a_key(
        tmp_path: Any) -> None:
    write(str(tmp_path), "web/app.js", TICKETS)
    eps = routes(import_paths("source", [str(tmp_path / "web")]))
    booking = eps["web-POST-/bookings"]
    assert (booking["mutating"], booking["idempotency_key"]) == (True, False)  # it builds the booking it sends
    assert eps["web-POST-/reviews"]["mutating"] is True
    assert "idempotency_key" not in eps["web-POST-/reviews"]  # the client's own body goes on: the callee's concern
    assert eps["web-POST-/seats/hold"]["mutating"] is True
    assert "idempotency_key" not in eps["web-POST-/seats/hold"]  # a PUT sets, it does not create
    assert eps["web-DELETE-/bookings/-id"]["mutating"] is True
    assert "mutating" not in eps["web-POST-/search"]  # a query, though sent by POST


def test_an_express_service_naming_an_idempotency_key_leaves_it_unknown(tmp_path: Any) -> None:
    write(str(tmp_path), "web/app.js", TICKETS.replace("var booking = {", "var booking = {idempotencyKey: k, "))
    eps = routes(import_paths("source", [str(tmp_path / "web")]))
    assert eps["web-POST-/bookings"]["mutating"] is True and "idempotency_key" not in eps["web-POST-/bookings"]


def test_a_checking_middleware_mounted_in_another_file_leaves_every_express_route_unknown(tmp_path: Any) -> None:
    write(str(tmp_path), "shop/routes.js", BOOKSHOP)
    write(str(tmp_path), "shop/server.js", """
        const express = require('express');
        const app = express();
        app.use(passport.authenticate('session'));
        app.use(require('./routes'));
    """)
    eps = routes(import_paths("source", [str(tmp_path / "shop")]))
    assert "authn" not in eps["shop-GET-/invoices/-id"]


def test_a_go_handler_reading_sensitive_request_fields_classifies_its_endpoint(tmp_path: Any) -> None:
    write(str(tmp_path), "store/main.go", """
        package main

        import "net/http"

        func main() {
            http.HandleFunc("POST /pay", pay)
            http.HandleFunc("POST /signup", signup)
            http.HandleFunc("POST /rename", rename)
        }

        func pay(w http.ResponseWriter, r *http.Request) {
            email := r.FormValue("email")
            charge(r.FormValue("credit_card_number"), email)
        }

        func signup(w http.ResponseWriter, r *http.Request) {
            q := r.URL.Query()
            create(q.Get("nickname"), q.Get("password"))
        }

        func rename(w http.ResponseWriter, r *http.Request) { update(r.FormValue("nickname")) }
    """)
    write(str(tmp_path), "store/contact.go", """
        package main

        import "github.com/gin-gonic/gin"

        func contact() {
            r := gin.Default()
            r.POST("/contact", func(c *gin.Context) { notify(c.PostForm("email"), c.Query("topic")) })
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "store")]))
    assert eps["store-POST-/pay"]["data_classification"] == "pci"  # the most sensitive field it reads
    assert eps["store-POST-/signup"]["data_classification"] == "confidential"  # through q := r.URL.Query()
    assert eps["store-POST-/contact"]["data_classification"] == "pii"  # Gin's form accessor
    assert "data_classification" not in eps["store-POST-/rename"]  # a field that says nothing


CHECKOUT_PY = """
    import json
    import uuid

    import requests
    from flask import Flask, request

    app = Flask(__name__)

    @app.route("/checkout/<basket>", methods=["POST"])
    def checkout(basket):
        basket_body = request.get_json()
        receipt = str(uuid.uuid4())
        _record(receipt, basket)
        return receipt

    @app.route("/relay", methods=["POST"])
    def relay():
        payload = request.get_json()
        return requests.post("http://ledger:8080/entries", json=payload).text

    @app.route("/lookup", methods=["POST"])
    def lookup():
        return requests.get("http://ledger:8080/entries").text

    @app.route("/transfer", methods=["POST"])
    def transfer():
        entry = {"amount": int(request.form["amount"]), "uuid": request.form["uuid"]}
        return requests.post(LEDGER_URL, json=dict(entry)).text

    @app.route("/hook", methods=["POST"])
    def hook():
        return _notify(request.args["callback"], "done")

    def _notify(where, state):
        return requests.post(url=where, data={"state": state})

    def _record(receipt, basket):
        requests.post("http://ledger:8080/entries", data=json.dumps({"receipt": receipt, "basket": basket}))
"""


def test_a_flask_handler_posting_a_body_it_builds_to_another_service_creates_there_without_a_key(
        tmp_path: Any) -> None:
    write(str(tmp_path), "till/app.py", CHECKOUT_PY)
    eps = routes(import_paths("source", [str(tmp_path / "till")]))
    checkout = eps["till-POST-/checkout/-basket"]
    assert (checkout["mutating"], checkout["idempotency_key"]) == (True, False)  # through its helper, one level
    assert "idempotency_key" not in eps["till-POST-/relay"]  # the caller's body goes on as it came
    assert "idempotency_key" not in eps["till-POST-/lookup"] and "mutating" not in eps["till-POST-/lookup"]
    assert "idempotency_key" not in eps["till-POST-/transfer"]  # it carries the client's request id on
    assert "idempotency_key" not in eps["till-POST-/hook"]  # a callback to a URL the caller names, not a service


def test_a_python_service_naming_an_idempotency_key_leaves_it_unknown(tmp_path: Any) -> None:
    write(str(tmp_path), "till/app.py", CHECKOUT_PY.replace('{"receipt": receipt', '{"idempotency_key": receipt'))
    eps = routes(import_paths("source", [str(tmp_path / "till")]))
    assert eps["till-POST-/checkout/-basket"]["mutating"] is True
    assert "idempotency_key" not in eps["till-POST-/checkout/-basket"]


def test_go_routes_check_no_caller_when_no_code_reads_one_from_a_request(tmp_path: Any) -> None:
    service = """
        package main

        import (
            "github.com/gin-contrib/cors"
            "github.com/gin-gonic/gin"
        )

        func main() {
            cred, _ := azidentity.NewDefaultAzureCredential(nil)  // its own credential to its database
            store := newStore(cred)
            router := gin.Default()
            router.Use(cors.Default())
            router.Use(func(c *gin.Context) { c.Set("store", store); c.Next() })
            router.PUT("/order", func(c *gin.Context) { store.Update(c) })
        }
    """
    write(str(tmp_path), "kitchen/main.go", service)
    eps = routes(import_paths("source", [str(tmp_path / "kitchen")]))
    assert (eps["kitchen-PUT-/order"]["authn"], eps["kitchen-PUT-/order"]["authz"]) == ("none", "none")
    # a handler reading the Authorization header, a JWT library, a middleware from a library not known to check nobody
    jwt = '"github.com/gin-contrib/cors"\n    "github.com/golang-jwt/jwt/v5"'
    changes = [('store.Update(c)', 'check(c.GetHeader("Authorization")); store.Update(c)'),
               ('"github.com/gin-contrib/cors"', jwt), ("router.Use(cors.Default())", "router.Use(keycloak.Auth(cfg))")]
    for change in changes:
        write(str(tmp_path), "kitchen/main.go", service.replace(*change))
        eps = routes(import_paths("source", [str(tmp_path / "kitchen")]))
        assert "authn" not in eps["kitchen-PUT-/order"], change


def test_a_go_post_whose_handler_names_what_it_makes_with_a_fresh_uuid_accepts_no_idempotency_key(
        tmp_path: Any) -> None:
    # The booking handler hands its command a UUID it draws itself: the same request sent twice books twice. The
    # renaming handler draws nothing (a repeat renames to the same name), and the GET draws one only to tag its log.
    write(str(tmp_path), "desk/main.go", """
        package main

        import (
            "net/http"

            "github.com/go-chi/chi/v5"
            "github.com/google/uuid"
        )

        func main() {
            r := chi.NewRouter()
            r.Post("/bookings", book)
            r.Post("/rooms/{id}/name", rename)
            r.Get("/bookings", list)
            http.ListenAndServe(":8080", r)
        }

        func book(w http.ResponseWriter, r *http.Request) {
            cmd := BookRoom{BookingID: uuid.NewString(), Room: r.FormValue("room")}
            bus.Dispatch(r.Context(), cmd)
        }

        func rename(w http.ResponseWriter, r *http.Request) {
            bus.Dispatch(r.Context(), RenameRoom{Room: chi.URLParam(r, "id"), Name: r.FormValue("name")})
        }

        func list(w http.ResponseWriter, r *http.Request) {
            log.Printf("list %s", uuid.New())
        }
    """)
    eps = routes(import_paths("source", [str(tmp_path / "desk")]))
    assert eps["desk-POST-/bookings"]["idempotency_key"] is False
    assert "idempotency_key" not in eps["desk-POST-/rooms/-id-/name"]
    assert "idempotency_key" not in eps["desk-GET-/bookings"]
    write(str(tmp_path), "desk/keys.go", """
        package main

        const dedupHeader = "Idempotency-Key"
    """)
    eps = routes(import_paths("source", [str(tmp_path / "desk")]))
    assert "idempotency_key" not in eps["desk-POST-/bookings"]  # it names a key: whether it checks one is unknown
