"""Importer behaviour the held-out TeaStore exposed (benchmarks/realworld/systems/teastore), each on a fixture of our
own: a compose project that runs prebuilt images, handed over with each workload's folder as its source."""

from __future__ import annotations

import os
import textwrap
from typing import Any

import pytest

from engine.importers import code_servlets, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

COMPOSE = """
    services:
      ledger-db:
        image: acme/ledger-store
      api:
        image: acme/ledger-api
        ports: ["8080:8080"]
        environment: {LEDGER_DB_HOST: ledger-db}
"""


def _imported(root: str, dockerfile: str) -> Any:
    compose = write(root, "compose.yaml", COMPOSE)
    write(root, "store/Dockerfile", dockerfile)
    write(root, "store/init.sql", "CREATE TABLE entries (id serial primary key, amount bigint);\n")
    write(root, "api/app.py", 'import os\nHOST = os.environ["LEDGER_DB_HOST"]\n')
    docs = load_artifacts([f"compose={compose}", f"source:ledger-db={os.path.join(root, 'store')}",
                           f"source:api={os.path.join(root, 'api')}"])
    return load_documents(docs)


def test_the_folder_that_builds_a_datastores_prebuilt_image_says_what_the_store_is(tmp_path: Any) -> None:
    # compose names the store only by a project image; the folder handed over for it builds that image on the
    # official Postgres image and bakes a literal password into its environment
    design = _imported(str(tmp_path), "FROM postgres:16-alpine\nENV POSTGRES_PASSWORD=ledger-pass-1\n"
                                      "COPY init.sql /docker-entrypoint-initdb.d/\n")
    store = fact(design, "datastore:ledger-db").data
    assert (store.get("engine"), store.get("kind")) == ("postgres", "relational")
    assert store.get("authentication") == "password"
    assert store.get("credentials_source") == "image"
    assert "service:ledger-db" not in {f.key for f in design.of_kind("service")}


@pytest.mark.parametrize(("dockerfile", "engine", "credentials"), [
    # a password the image takes from its build argument, not written in it
    ("FROM postgres:16-alpine\nARG PASS\nENV POSTGRES_PASSWORD=$PASS\n", "postgres", None),
    # an image built on no datastore the catalogue knows says nothing of the store
    ("FROM alpine:3.19\nENV LEDGER_PASSWORD=ledger-pass-1\n", None, None),
])
def test_a_folder_image_gives_only_what_its_dockerfile_states(tmp_path: Any, dockerfile: str, engine: str | None,
                                                                credentials: str | None) -> None:
    store = fact(_imported(str(tmp_path), dockerfile), "datastore:ledger-db").data
    assert store.get("engine") == engine
    assert store.get("credentials_source") == credentials


BASE_PAGE = """
    package shop.web;

    import jakarta.servlet.http.HttpServlet;

    public abstract class BasePage extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            render(request, response);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            doGet(request, response);
        }

        protected abstract void render(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }
"""
BASKET_PAGE = """
    package shop.web;

    @WebServlet(name = "basket", urlPatterns = {"/basket", "/basket/items/*"})
    public class BasketPage extends BasePage {
        protected void render(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().write("basket");
        }
    }
"""
CHECKOUT = """
    package shop.web;

    @jakarta.servlet.annotation.WebServlet("/checkout")
    public class Checkout extends HttpServlet {
        @Override
        public void doPost(HttpServletRequest request, HttpServletResponse response) {
            response.setStatus(303);
        }
    }
"""
LEGACY = """
    package shop.web;

    @WebServlet(value = {"*.action", "/legacy"})
    public class Legacy extends FrameworkDispatcher {
    }
"""
POM = """
    <project>
      <artifactId>shopfront</artifactId>
      <packaging>war</packaging>
      <build>
        <finalName>shop.front</finalName>
      </build>
    </project>
"""


@pytest.mark.parametrize(("pom", "prefix"), [
    (POM, "/shop.front"),  # a war-packaged module is served under its WAR's name
    (POM.replace("<finalName>shop.front</finalName>", ""), ""),  # the WAR's name is not known: no context path
    (POM.replace("<packaging>war</packaging>", "<packaging>jar</packaging>"), ""),  # no WAR at all
])
def test_servlets_answer_the_methods_their_class_chain_handles_under_the_wars_context_path(
        tmp_path: Any, pom: str, prefix: str) -> None:
    root = str(tmp_path)
    for name, code in (("BasePage", BASE_PAGE), ("BasketPage", BASKET_PAGE), ("Checkout", CHECKOUT),
                       ("Legacy", LEGACY)):
        write(root, f"front/src/main/java/shop/web/{name}.java", code)
    write(root, "front/pom.xml", pom)
    design = load_documents(load_artifacts([f"source:front={os.path.join(root, 'front')}"]))
    served = {(f.data.get("method"), f.data.get("path")) for f in design.of_kind("endpoint")
              if f.data.get("served_by") == "front"}
    assert served == {(m, f"{prefix}{p}") for m, p in [
        ("GET", "/basket"), ("POST", "/basket"), ("GET", "/basket/items/**"), ("POST", "/basket/items/**"),
        ("POST", "/checkout"),  # HttpServlet's own doGet answers 405: only the handler it overrides
        ("ANY", "/legacy"),  # its base class is not in the code: whatever it handles is unknown
    ]}


SESSION_BASE = """
    public abstract class Page extends HttpServlet {
        protected static final String SESSION = "shopSession";

        protected void remember(HttpServletResponse response, String value) {
            Cookie kept = new Cookie(SESSION, value);
            response.addCookie(kept);
        }

        protected void forget(HttpServletResponse response) {
            Cookie gone = new Cookie(SESSION, "");
            gone.setMaxAge(0);
            response.addCookie(gone);
        }

        protected void note(HttpServletResponse response, String text) {
            response.addCookie(new Cookie("flashMessage", text));
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            show(response);
        }

        protected void show(HttpServletResponse response) {
            note(response, "welcome");
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) {
            handle(request, response);
        }

        protected abstract void handle(HttpServletRequest request, HttpServletResponse response);
    }
"""
SESSION_PAGES = {
    "SignIn": '@WebServlet("/signin")\npublic class SignIn extends Page {\n'
              '    protected void handle(HttpServletRequest request, HttpServletResponse response) {\n'
              '        remember(response, request.getParameter("ticket"));\n    }\n}\n',
    "SignOut": '@WebServlet("/signout")\npublic class SignOut extends Page {\n'
               '    protected void handle(HttpServletRequest request, HttpServletResponse response) {\n'
               '        forget(response);\n        note(response, "bye");\n    }\n}\n',
    "Hardened": '@WebServlet("/hardened")\npublic class Hardened extends Page {\n'
                '    protected void handle(HttpServletRequest request, HttpServletResponse response) {\n'
                '        Cookie c = new Cookie("authToken", request.getParameter("t"));\n'
                '        c.setSecure(true);\n        c.setHttpOnly(true);\n        response.addCookie(c);\n    }\n}\n',
}


def test_a_servlet_method_whose_handler_reaches_a_method_building_a_session_cookie_sets_it(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "web/Page.java", SESSION_BASE)
    for name, code in SESSION_PAGES.items():
        write(root, f"web/{name}.java", code)
    design = load_documents(load_artifacts([f"source:front={os.path.join(root, 'web')}"]))
    cookies = {(f.data.get("method"), f.data.get("path")): f.data.get("session_cookie")
               for f in design.of_kind("endpoint")}
    # POST reaches the base class's remember() through the servlet's own handle(); GET only shows a page
    assert cookies[("POST", "/signin")] == {"secure": False, "http_only": False}
    assert cookies[("GET", "/signin")] is None
    assert cookies[("POST", "/signout")] is None  # a deleted session cookie and a message cookie set no session
    assert cookies[("POST", "/hardened")] == {"secure": True, "http_only": True}


SERVER_XML = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Server port="8005" shutdown="SHUTDOWN">
      <Service name="Catalina">
        <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000" redirectPort="8443" />
        <Connector port="8009" protocol="AJP/1.3" redirectPort="8443" />
        <!--
        <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true">
          <SSLHostConfig><Certificate certificateFile="conf/cert.pem" /></SSLHostConfig>
        </Connector>
        -->
        <Engine name="Catalina" defaultHost="localhost" />
      </Service>
    </Server>
"""


@pytest.mark.parametrize(("server_xml", "tls"), [
    (SERVER_XML, False),  # one plain HTTP connector; AJP and the commented-out TLS connector do not count
    (SERVER_XML.replace('<Connector port="8080" protocol="HTTP/1.1"',
                        '<Connector port="8080" protocol="HTTP/1.1" SSLEnabled="true"'), None),
    (SERVER_XML.replace('        <!--\n', '').replace('        -->\n', ''), None),  # a TLS connector beside it
])
def test_a_published_servlet_behind_a_plain_tomcat_connector_is_served_without_tls(
        tmp_path: Any, server_xml: str, tls: bool | None) -> None:
    root = str(tmp_path)
    compose = write(root, "compose.yaml", "services:\n  front:\n    image: acme/front\n    ports: ['8080:8080']\n")
    write(root, "front/src/main/java/shop/web/Checkout.java", CHECKOUT)
    write(root, "base/server.xml", server_xml)
    docs = load_artifacts([f"compose={compose}",
                           f"source:front={os.path.join(root, 'front')}", f"source:front={os.path.join(root, 'base')}"])
    checkout = fact(load_documents(docs), "endpoint:POST /checkout").data
    assert checkout.get("tls") is tls


@pytest.mark.parametrize(("file", "text", "expected"), [
    ("HmacKeyProvider.java", 'public class HmacKeyProvider implements KeySource {\n'
                             '    public String getKey(Request request) {\n'
                             '        return "k-8f2a-long-lived";\n    }\n}\n',
     [("HmacKeyProvider.getKey", 2)]),  # the key a signer asks its provider for, written in the code
    ("signer.ts", "export class Signer {\n  getSigningSecret(): string { return 'abc-123'; }\n}\n",
     [("SigningSecret", 2)]),  # a getter named for a credential
    ("CacheKeys.java", 'class CacheKeys {\n    String getKey() { return "products"; }\n}\n', []),  # a cache key
    ("EnvKeyProvider.java", 'class EnvKeyProvider {\n    String getKey() { return System.getenv("K"); }\n}\n', []),
    ("Blank.java", 'class BlankSecretProvider {\n    String getSecret() { return ""; }\n}\n', []),
    ("Api.java", 'class Api {\n    String getApiKey() { return "${API_KEY}"; }\n}\n', []),  # a placeholder
    ("Provider.java", 'class KeyProvider {\n    String getKeyName() { return "primary"; }\n}\n', []),  # a name
])
def test_a_getter_that_returns_a_literal_key_or_secret_writes_it_in_the_code(
        file: str, text: str, expected: list[tuple[str, int]]) -> None:
    from engine.importers.code_secrets import secrets_of_file

    assert [(s.name, s.at.line) for s in secrets_of_file(file, text)] == expected


WISHLIST_PAGE = """
    package shop.web;

    @WebServlet("/wishlist")
    public class WishlistPage extends BasePage {
        protected void render(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (request.getParameter("add") != null) {
                remember(request);
            }
            response.getWriter().write(WishlistOperations.listItems(request));
        }

        private void remember(HttpServletRequest request) {
            WishlistOperations.addItemToWishlist(request.getParameter("item"));
        }
    }
"""
CATALOGUE_PAGE = """
    package shop.web;

    @WebServlet("/catalogue")
    public class CataloguePage extends BasePage {
        protected void render(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().write(catalogueService.getItems(request.getParameter("page")));
            builder.add(request);  // not a store, a service, a client or an operations class
        }
    }
"""


def test_a_servlet_whose_handler_reaches_a_write_changes_state_on_each_method_that_reaches_it(tmp_path: Any) -> None:
    root = str(tmp_path)
    for name, code in (("BasePage", BASE_PAGE), ("WishlistPage", WISHLIST_PAGE), ("CataloguePage", CATALOGUE_PAGE)):
        write(root, f"front/src/main/java/shop/web/{name}.java", code)
    design = load_documents(load_artifacts([f"source:front={os.path.join(root, 'front')}"]))
    mutating = {(f.data["method"], f.data["path"]): f.data.get("mutating") for f in design.of_kind("endpoint")}
    assert mutating == {("GET", "/wishlist"): True, ("POST", "/wishlist"): True,  # the GET writes: a state change
                        ("GET", "/catalogue"): None, ("POST", "/catalogue"): True}  # an unsafe method all the same


TILL_BASE = """
    package shop.web;

    public abstract class TillPage extends HttpServlet {
        protected Basket basketOf(HttpServletRequest request) {
            if (request.getCookies() != null) {
                for (Cookie c : request.getCookies()) {
                    if (c.getName().equals("basket")) {
                        return new ObjectMapper().readValue(URLDecoder.decode(c.getValue(), "UTF-8"), Basket.class);
                    }
                }
            }
            return new Basket();
        }

        protected Basket signedBasketOf(HttpServletRequest request) {
            for (Cookie c : request.getCookies()) {
                Basket b = new ObjectMapper().readValue(c.getValue(), Basket.class);
                if (!signer.verify(b)) {
                    throw new IllegalStateException("forged basket");
                }
                return b;
            }
            return new Basket();
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            handle(request, response);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) {
            handle(request, response);
        }

        protected abstract void handle(HttpServletRequest request, HttpServletResponse response);
    }
"""


def _checkout(klass: str, path: str, basket: str, price: str) -> str:
    """A servlet charging the total of the lines of ``basket`` at ``price`` each."""
    return f"""
        @WebServlet("{path}")
        public class {klass} extends TillPage {{
            protected void handle(HttpServletRequest request, HttpServletResponse response) {{
                long total = 0;
                for (Line line : {basket}.getLines()) {{
                    total += line.getQuantity() * {price};
                }}
                PaymentOperations.charge(request.getParameter("card"), total);
            }}
        }}
    """


TILL_PAGES = {
    # the total is reckoned from the unit prices the browser's cookie carries
    "Pay": """
        @WebServlet("/pay")
        public class Pay extends TillPage {
            protected void handle(HttpServletRequest request, HttpServletResponse response) {
                settle(request);
            }

            private void settle(HttpServletRequest request) {
                Basket basket = basketOf(request);
                long total = 0;
                for (Line line : basket.getLines()) {
                    total += line.getQuantity() * line.getUnitPriceInCents();
                }
                PaymentOperations.charge(request.getParameter("card"), total);
            }
        }
    """,
    # the same basket, its signature checked where it is read: the client cannot change its prices
    "PaySigned": _checkout("PaySigned", "/pay-signed", "signedBasketOf(request)", "line.getUnitPriceInCents()"),
    # the cookie's basket names the products; their prices come from the catalogue
    "PayCatalogue": _checkout("PayCatalogue", "/pay-catalogue", "basketOf(request)",
                              "catalogueService.getProduct(line.getProductId()).getPriceInCents()"),
    # a price shown back, not reckoned with
    "Show": """
        @WebServlet("/show")
        public class Show extends TillPage {
            protected void handle(HttpServletRequest request, HttpServletResponse response) {
                Basket basket = basketOf(request);
                request.setAttribute("price", basket.getTotalPrice());
                cartService.updateView(basket);
            }
        }
    """,
}


def test_a_servlet_reckoning_with_prices_read_from_an_unverified_cookie_takes_the_amount_from_the_client(
        tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "till/src/main/java/shop/web/TillPage.java", TILL_BASE)
    for name, code in TILL_PAGES.items():
        write(root, f"till/src/main/java/shop/web/{name}.java", code)
    design = load_documents(load_artifacts([f"source:till={os.path.join(root, 'till')}"]))
    amounts = {(f.data["method"], f.data["path"]): f.data.get("amount_from_client")
               for f in design.of_kind("endpoint") if f.data.get("amount_from_client")}
    # POST only: a GET reaching the same code is flagged as a state change on GET by its own rule
    assert amounts == {("POST", "/pay"): True}
    files = [("TillPage.java", textwrap.dedent(TILL_BASE))] + \
        [(f"{name}.java", textwrap.dedent(code)) for name, code in TILL_PAGES.items()]
    reasons = {(r.method, r.path): r.amount for r in code_servlets.routes(files) if r.amount}
    assert reasons == {
        (method, "/pay"): "line.getUnitPriceInCents() reckoned at Pay.java:12, read from a request cookie by "
                          "basketOf() at TillPage.java:9" for method in ("GET", "POST")}
