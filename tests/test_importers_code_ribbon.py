"""`import source`: the calls a Java service makes through a Ribbon load balancer of its own code, named by a constant
of the enum of services its balancer is keyed by, become interactions with their retries, timeout and what they
change; a shared library's calls count only where the service's code calls the method that makes them."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_ribbon import calls
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

# The shared client library: the enum of the services, the balancer (one retrying entry, one multicast), a REST
# client with a read timeout, and operations over the balancer, one of which passes its target on.
TARGETS = """
    package acme.lib;

    public enum Target {
        ORDERS("acme.orders"),
        STOCK("acme.stock"),
        BILLING("acme.billing");

        private final String name;
        Target(String name) { this.name = name; }
    }
"""

BALANCER = """
    package acme.lib;

    import com.netflix.client.DefaultLoadBalancerRetryHandler;
    import com.netflix.loadbalancer.reactive.LoadBalancerCommand;

    public final class Balancer {
        private final RetryHandler retries = new DefaultLoadBalancerRetryHandler(1, 2, true);

        public static <R> R send(Target target, String uri, Function<HttpClient, R> op) {
            return of(target).send(uri, op);
        }

        private <R> R send(String uri, Function<HttpClient, R> op) {
            return LoadBalancerCommand.<R>builder().withLoadBalancer(lb)
                .withRetryHandler(retries).build()
                .submit(server -> Observable.just(op.apply(new HttpClient(server, uri)))).toBlocking().first();
        }

        public static <R> List<R> everyone(Target target, String uri, Function<HttpClient, R> op) {
            return of(target).everyone(uri, op);
        }

        private <R> List<R> everyone(String uri, Function<HttpClient, R> op) {
            return servers.stream().map(s -> op.apply(new HttpClient(s, uri))).collect(Collectors.toList());
        }
    }
"""

CLIENT = """
    package acme.lib;

    public class HttpClient {
        private static final int READ_MS = 2500;
        private static int readTimeout = READ_MS;

        public HttpClient(Server server, String uri) {
            ClientConfig config = new ClientConfig();
            config.property(ClientProperties.READ_TIMEOUT, readTimeout);
        }
    }
"""

OPERATIONS = """
    package acme.lib;

    public final class Orders {
        public static Order place(Cart cart) {
            return Balancer.send(Target.ORDERS, "orders",
                client -> client.target().path("place").post(Entity.json(cart), Order.class));
        }

        public static Invoice bill(Order order) {
            return Balancer.send(Target.BILLING, "invoices", client -> client.target().post(Entity.json(order)));
        }
    }
"""

CRUD = """
    package acme.lib;

    public final class Crud {
        public static <T> T read(Target target, String uri, long id) {
            return Balancer.send(target, uri, client -> client.target().path(String.valueOf(id)).get(T.class));
        }
    }
"""

PAGE = """
    package acme.web;

    @WebServlet("/checkout")
    public class Checkout extends HttpServlet {
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
            Item item = Crud.read(Target.STOCK, "items", 7L);   // passed on: a call to stock
            Order order = Orders.place(cart(req));
            List<String> seen = Balancer.everyone(Target.STOCK, "ping", client -> client.target().get(String.class));
        }
    }
"""


def _imported(tmp: str, app: str, files: dict[str, str], published: bool = False) -> list[Any]:
    """The documents of a project of ``app`` (its code ``files``, built with the shared library), orders, stock and
    billing."""
    _library(tmp)
    for name, text in files.items():
        write(tmp, f"{app}/src/main/java/acme/{app}/{name}.java", text)
    ports = ', ports: ["80:8080"]' if published else ""
    compose = write(tmp, "compose.yaml", f"""
        services:
          {app}: {{build: ./{app}{ports}}}
          orders: {{build: ./orders}}
          stock: {{build: ./stock}}
          billing: {{build: ./billing}}
    """)
    return load_artifacts([f"compose={compose}", f"source:{app}={tmp}/{app}", f"source:{app}={tmp}/lib"])


def _library(tmp: str) -> None:
    for name, text in (("Target", TARGETS), ("Balancer", BALANCER), ("HttpClient", CLIENT), ("Orders", OPERATIONS),
                       ("Crud", CRUD)):
        write(tmp, f"lib/src/main/java/acme/lib/{name}.java", text)


def test_calls_are_named_by_the_enum_constant_and_library_calls_count_where_the_service_makes_them(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    _library(tmp)
    write(tmp, "web/src/main/java/acme/web/Checkout.java", PAGE)
    codes = [(f"{tmp}/lib/src/main/java/acme/lib/{n}.java", textwrap.dedent(t))
             for n, t in (("Target", TARGETS), ("Balancer", BALANCER), ("HttpClient", CLIENT), ("Orders", OPERATIONS),
                          ("Crud", CRUD))]
    codes.append((f"{tmp}/web/src/main/java/acme/web/Checkout.java", textwrap.dedent(PAGE)))
    found = {(c.target, c.attempts, c.changes, c.timeout and c.timeout[0]) for c in calls(codes, f"{tmp}/web")}
    # stock twice: through Crud.read (retried, a GET) and the multicast (sent once to each server: no retry);
    # orders through Orders.place, a POST, retried (1 + 1) * (1 + 2) times; billing's call is in a method the
    # service never calls
    assert found == {("stock", 6, None, 2500), ("stock", None, None, 2500), ("orders", 6, "post", 2500)}


def test_a_retry_handler_that_retries_only_connection_failures_states_no_retry() -> None:
    balancer = textwrap.dedent(BALANCER).replace("(1, 2, true)", "(1, 2, false)")
    page = "class P { void go() { Orders.place(cart); } }"
    codes = [("lib/Target.java", textwrap.dedent(TARGETS)), ("lib/Balancer.java", balancer),
             ("lib/Orders.java", textwrap.dedent(OPERATIONS)), ("web/P.java", page)]
    assert [(c.target, c.attempts) for c in calls(codes, "web")] == [("orders", None)]
    assert calls([("web/P.java", page)], "web") == []  # no balancer in the code: nothing read


def test_the_ribbon_calls_become_retried_bounded_interactions(tmp_path: Any) -> None:
    docs = _imported(str(tmp_path), "web", {"Checkout": PAGE}, published=True)
    design = load_documents(docs)
    orders = fact(design, "interaction:web->orders").data
    assert (orders["style"], orders["protocol"], orders["address_resolution"]) == ("sync", "http", "registry")
    assert (orders["timeout_ms"], orders["retry"], orders["mutating"], orders["idempotency_key"]) == (
        2500, {"attempts": 6}, True, False)
    stock = fact(design, "interaction:web->stock").data
    assert stock["timeout_ms"] == 2500 and "retry" not in stock and "mutating" not in stock  # one call is a multicast
    assert "interaction:web->billing" not in design.by_key()
    found = {(f.rule, f.subject) for f in review([], extra=list(docs)).findings}
    assert ("retried-non-idempotent-mutation", "interaction:web->orders") in found


def test_a_service_that_names_an_idempotency_key_is_not_said_to_send_none(tmp_path: Any) -> None:
    page = PAGE.replace("Order order", 'req.setAttribute("Idempotency-Key", uuid); Order order')
    design = load_documents(_imported(str(tmp_path), "web", {"Checkout": page}))
    orders = fact(design, "interaction:web->orders").data
    assert orders["mutating"] is True and "idempotency_key" not in orders


# A service that calls stock only while it sets up (at start-up, and in a thread a request starts) and orders from a
# request handler.
SETUP = """
    package acme.img;

    public class Startup implements ServletContextListener {
        public void contextInitialized(ServletContextEvent event) {
            Setup.SETUP.prepare();
        }
    }
"""

SETUP_WORK = """
    package acme.img;

    public class Setup {
        public void prepare() {
            load();
        }

        public void again() {
            Thread x = new Thread() {
                @Override
                public void run() {
                    load();
                }
            };
            x.start();
        }

        private void load() {
            Item item = Crud.read(Target.STOCK, "items", 1L);
        }
    }
"""

ENDPOINT = """
    package acme.img;

    @Path("images")
    public class Images {
        @POST
        @Path("regenerate")
        public Response regenerate() {
            Setup.SETUP.again();
            return Response.ok().build();
        }

        @POST
        @Path("order")
        public Response order(Cart cart) {
            return Response.ok(Orders.place(cart)).build();
        }
    }
"""


def test_a_call_only_start_up_or_a_thread_the_code_starts_reaches_is_made_in_the_background(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    codes = [(f"{tmp}/lib/{n}.java", textwrap.dedent(t)) for n, t in (
        ("Target", TARGETS), ("Balancer", BALANCER), ("HttpClient", CLIENT), ("Orders", OPERATIONS), ("Crud", CRUD))]
    codes += [(f"{tmp}/img/{n}.java", textwrap.dedent(t))
              for n, t in (("Startup", SETUP), ("Setup", SETUP_WORK), ("Images", ENDPOINT))]
    found = {c.target: c.background for c in calls(codes, f"{tmp}/img")}
    assert found["orders"] is None  # a request handler sends it
    assert found["stock"] is not None and "load()" in found["stock"]
    design = load_documents(_imported(tmp, "img", {"Startup": SETUP, "Setup": SETUP_WORK, "Images": ENDPOINT}))
    assert fact(design, "interaction:img->stock").data.get("during") == "background"
    assert "during" not in fact(design, "interaction:img->orders").data
