"""`import source`: a request handler that writes to two services or more (its own store counting) is a workflow
named after the handler, uncoordinated when nothing in the service's code may coordinate it."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_workflows import kebab
from engine.loader import load_documents
from engine.model.design import Design
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact, fixture, line_of

SHOP = fixture("workflows", "shop", "app.py")
CHECKOUT = fixture("workflows", "checkout", "main.go")


def _artifacts(*extra: str) -> list[str]:
    return [f"compose={fixture('workflows', 'compose.yaml')}", f"source={fixture('workflows', 'shop')}",
            f"source={fixture('workflows', 'checkout')}", *extra]


@pytest.fixture(scope="module")
def design() -> Design:
    return load_documents(load_artifacts(_artifacts()))


def _steps(design: Design, key: str) -> list[tuple[str, int]]:
    """(service, line of the write) of each step of a workflow."""
    return [(s["service"], int(s["action"].rsplit(":", 1)[1].rstrip(")"))) for s in fact(design, key).data["steps"]]


def test_a_handler_writing_two_services_through_a_helper_is_an_uncoordinated_workflow(design: Design) -> None:
    wf = fact(design, "workflow:checkout")
    # the GET of stock is a read; the PUT is made in the helper charge(), followed in place, before the POST
    assert _steps(design, "workflow:checkout") == [("billing", line_of(SHOP, "requests.put(")),
                                                   ("orders", line_of(SHOP, "requests.post(f\"http://{ORDERS}"))]
    assert all(s["mutates_state"] for s in wf.data["steps"])
    assert (wf.data["coordination"], wf.data["owner"], wf.data["user_facing"]) == ("none", "shop", True)
    assert wf.location.line == line_of(SHOP, '@app.route("/checkout/<id>"')


def test_a_call_and_the_handlers_own_store_write_are_two_steps_in_their_order(design: Design) -> None:
    assert _steps(design, "workflow:reserve") == [("stock", line_of(SHOP, "/reservations/")),
                                                  ("shop", line_of(SHOP, "db.reservations.insert_one"))]
    assert _steps(design, "workflow:cancel") == [("orders", line_of(SHOP, "requests.delete(f\"http://{ORDERS}")),
                                                 ("shop", line_of(SHOP, "db.cancellations.insert_one"))]


def test_a_handler_that_only_reads_or_writes_one_service_is_no_workflow(design: Design) -> None:
    keys = [k for k in design.by_key() if k.startswith("workflow:")]
    assert "workflow:order" not in keys and "workflow:quote" not in keys
    # the branches of one if/else (Python) or if/else-if/else chain (Go) are alternatives, not steps
    assert "workflow:adjust" not in keys
    assert sorted(keys) == ["workflow:cancel", "workflow:cancel-order", "workflow:checkout", "workflow:place-order",
                            "workflow:refund", "workflow:reserve"]


def test_a_write_made_where_a_failure_is_handled_leaves_the_coordination_unknown(design: Design) -> None:
    assert "coordination" not in fact(design, "workflow:refund").data  # the PUT in except may undo the DELETE
    assert "coordination" not in fact(design, "workflow:cancel-order").data  # Refund in `if err != nil`


def test_a_grpc_method_is_a_workflow_of_the_rpcs_whose_verb_changes_state(design: Design) -> None:
    # GetQuote is a read; Charge (in the receiver's own charge method) and CreateOrder (through a client variable)
    # write; each client's service names the interaction's target (PaymentService -> paymentservice,
    # OrderService -> order-service)
    assert _steps(design, "workflow:place-order") == [
        ("paymentservice", line_of(CHECKOUT, ".Charge(")), ("order-service", line_of(CHECKOUT, "orders.CreateOrder"))]
    wf = fact(design, "workflow:place-order")
    assert (wf.data["coordination"], wf.location.line) == ("none", line_of(CHECKOUT, ") PlaceOrder("))


def test_the_review_reports_the_uncoordinated_workflows_and_asks_for_the_others() -> None:
    rv = review([], extra=load_artifacts(_artifacts()))
    rule = "cross-service-transaction-without-saga"
    risks = sorted(f.subject for f in rv.findings if f.kind == "risk" and f.rule == rule)
    assert risks == ["workflow:cancel", "workflow:checkout", "workflow:place-order", "workflow:reserve"]
    gaps = sorted(f.subject for f in rv.findings if f.kind != "risk" and ("coordination", rule) in f.missing)
    assert gaps == ["workflow:cancel-order", "workflow:refund"]


ACCOUNTS = fixture("workflows", "accounts", "src", "main", "java", "acme", "accounts")


def test_a_spring_handler_is_followed_through_its_service_to_feign_clients_and_repositories() -> None:
    design = load_documents(load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}",
                                            f"source={fixture('workflows', 'accounts')}"]))
    impl = os.path.join(ACCOUNTS, "AccountServiceImpl.java")
    # the controller calls the interface; its one implementation posts to auth (a Feign POST) and saves
    assert _steps(design, "workflow:create-account") == [("auth", line_of(impl, "authClient.createUser")),
                                                         ("accounts", line_of(impl, "repository.save(account)"))]
    wf = fact(design, "workflow:create-account")
    assert wf.data["coordination"] == "none"
    assert wf.location.line == line_of(os.path.join(ACCOUNTS, "AccountController.java"), "Account createAccount(")
    # a Feign GET is a read: get() writes nothing; close() deletes, then undoes it in a catch: coordination unknown
    assert _steps(design, "workflow:close-account") == [("accounts", line_of(impl, "repository.deleteById")),
                                                        ("statistics", line_of(impl, "statistics.forget"))]
    assert "coordination" not in fact(design, "workflow:close-account").data
    # changePlan() writes auth or statistics, in the two branches of one if/else: never both, no workflow;
    # archive() PUTs to auth and DELETEs from statistics through a RestTemplate (its POST is not read as a write)
    controller = os.path.join(ACCOUNTS, "AccountController.java")
    assert _steps(design, "workflow:archive") == [("auth", line_of(controller, "restTemplate.put(")),
                                                  ("statistics", line_of(controller, "HttpMethod.DELETE"))]
    assert sorted(k for k in design.by_key() if k.startswith("workflow:")) == [
        "workflow:archive", "workflow:close-account", "workflow:create-account"]


PAYMENTS = fixture("workflows", "payments", "src", "main", "java", "acme", "payments", "PaymentController.java")


def _unguarded_at(design: Design, key: str, path: str, needle: str) -> None:
    """The interaction ``key`` is an unguarded check-then-act, said at the line of ``path`` holding ``needle``."""
    call = fact(design, key)
    assert call.data["check_then_act"] == "unguarded", key
    assert call.locate("check_then_act").line == line_of(path, needle), key


def test_a_write_decided_on_a_value_read_from_another_service_is_an_unguarded_check_then_act() -> None:
    design = load_documents(load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}",
                                            f"source={fixture('workflows', 'payments')}"]))
    # pay(): balanceOf() GETs from the URL bound to ${BALANCES_ADDR} (the deployment's payments->balances), the
    # balance is compared with `<`, then the payment is saved
    _unguarded_at(design, "interaction:payments->balances", PAYMENTS, "if (balance < payment.getAmount())")
    # reserve(): a Feign GET compared with `>`, then a Feign POST to the same service
    _unguarded_at(design, "interaction:payments->inventory", PAYMENTS, "if (item.getQuantity() > left)")
    rv = review([], extra=load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}",
                                          f"source={fixture('workflows', 'payments')}"]))
    assert sorted(f.subject for f in rv.findings if f.rule == "check-then-act-without-concurrency-control") == [
        "interaction:payments->balances", "interaction:payments->inventory"]


@pytest.mark.parametrize(("change", "why"), [
    (("if (balance < payment.getAmount())", "if (balance == payment.getAmount())"), "an equality test"),
    (("payments.save(payment);\n        return ResponseEntity.ok().build();\n    }\n\n    @PostMapping(\"/refunds\")",
      "return ResponseEntity.ok().build();\n    }\n\n    @PostMapping(\"/refunds\")"), "no write after it"),
    (("public class PaymentController {", "public class PaymentController {\n    @Version long version;"),
     "a version column in the service's code"),
    (("HttpMethod.GET", "HttpMethod.POST"), "not a read"),
    (("if (balance < payment.getAmount())", "if (balance.getStatusCode() >= 400)"), "a status code compared"),
])
def test_no_check_then_act_without_a_compared_read_then_an_unguarded_write(tmp_path: Any, change: tuple[str, str],
                                                                           why: str) -> None:
    src = os.path.dirname(PAYMENTS)
    for name in os.listdir(src):
        with open(os.path.join(src, name), encoding="utf-8") as fh:
            text = fh.read()
        if name == "PaymentController.java":
            assert change[0] in text, why
            text = text.replace(change[0], change[1])
        write(str(tmp_path), f"payments/{name}", text)
    design = load_documents(load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}",
                                            f"source={tmp_path}/payments"]))
    assert "check_then_act" not in fact(design, "interaction:payments->balances").data, why


WALLET = fixture("workflows", "wallet", "app.py")


def _with_compose(source: str) -> Design:
    """The design of the fixtures' compose project with one service's source."""
    return load_documents(load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}", f"source={source}"]))


def test_a_python_handler_comparing_a_read_balance_then_writing_is_an_unguarded_check_then_act() -> None:
    # the GET is made in balance_of(); the balance is derived from its reply; the status code compared first is no
    # decision; `balance < amount` is, and the insert follows it
    call = fact(_with_compose(fixture("workflows", "wallet")), "interaction:wallet->balances")
    assert call.data["check_then_act"] == "unguarded"
    assert call.locate("check_then_act").line == line_of(WALLET, "if balance < amount:")


@pytest.mark.parametrize(("change", "why"), [
    (("    if balance < amount:\n        return \"insufficient funds\", 400\n", ""), "only a status code compared"),
    (("if balance < amount:", "if balance == amount:"), "an equality test"),
    (("import requests\n", "import requests\nfrom threading import Lock\nLOCK = Lock()\n"), "a lock in its code"),
])
def test_no_python_check_then_act_without_a_compared_read_then_an_unguarded_write(tmp_path: Any,
                                                                                 change: tuple[str, str],
                                                                                 why: str) -> None:
    with open(WALLET, encoding="utf-8") as fh:
        text = fh.read()
    assert change[0] in text, why
    write(str(tmp_path), "wallet/app.py", text.replace(change[0], change[1]))  # not indented: kept as it is
    assert "check_then_act" not in fact(_with_compose(f"{tmp_path}/wallet"), "interaction:wallet->balances").data, why


BOOKING = fixture("workflows", "booking", "server.go")


def test_a_grpc_method_that_books_after_checking_a_cached_count_is_an_unguarded_check_then_act() -> None:
    # Book() reads the count from the memcache client's field, returns when it exceeds the capacity, then writes;
    # Available() only sets a flag on its check (its cache fill comes before it): nothing said of the mongo store
    design = _with_compose(fixture("workflows", "booking"))
    cache = fact(design, "interaction:booking->booking-cache")
    assert cache.data["check_then_act"] == "unguarded"
    assert cache.locate("check_then_act").line == line_of(BOOKING, "if booked+int(req.Rooms) > 10 {")
    assert "check_then_act" not in fact(design, "interaction:booking->booking-db").data


@pytest.mark.parametrize(("change", "why"), [
    (("\t\treturn &pb.BookReply{}, nil\n", ""), "the check ends nothing and guards no write"),
    (("if booked+int(req.Rooms) > 10 {", "if booked == 10 {"), "an equality test"),
    (("s.Cache.Set(&memcache.Item{Key: req.HotelId, Value: []byte(strconv.Itoa(booked + int(req.Rooms)))})",
      "s.Cache.CompareAndSwap(item)"), "a compare-and-swap in its code"),
])
def test_no_go_check_then_act_without_a_compared_read_then_an_unguarded_write(tmp_path: Any, change: tuple[str, str],
                                                                              why: str) -> None:
    with open(BOOKING, encoding="utf-8") as fh:
        text = fh.read()
    assert change[0] in text, why
    write(str(tmp_path), "booking/server.go", text.replace(change[0], change[1]))  # not indented: kept as it is
    cache = fact(_with_compose(f"{tmp_path}/booking"), "interaction:booking->booking-cache")
    assert "check_then_act" not in cache.data, why


def test_a_service_whose_code_names_a_saga_leaves_the_coordination_unknown(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop: {image: acme/shop, environment: {BILLING_ADDR: "billing:8080", ORDERS_ADDR: "orders:8080"}}
          billing: {image: acme/billing}
          orders: {image: acme/orders}
    """)
    write(tmp, "shop/app.py", """
        import os, requests
        from flask import Flask
        from sagas import OrderSaga
        app = Flask(__name__)
        @app.post("/checkout")
        def checkout():
            requests.post("http://" + os.environ["BILLING_ADDR"] + "/charges", timeout=2)
            requests.post("http://" + os.environ["ORDERS_ADDR"] + "/orders", timeout=2)
    """)
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/shop"])
    wf = fact(load_documents(docs), "workflow:checkout")
    assert "coordination" not in wf.data
    assert any("coordination unknown: 'saga' at" in n for d in docs for n in getattr(d, "notes", {}).get(
        "workflow:checkout", []))


def test_without_a_deployment_no_workflow_is_found() -> None:
    design = load_documents(load_artifacts([f"source={fixture('workflows', 'shop')}"]))
    assert not [k for k in design.by_key() if k.startswith("workflow:")]


@pytest.mark.parametrize(("name", "key"), [("PlaceOrder", "place-order"), ("pay", "pay"),
                                           ("create_account", "create-account"), ("addHTTPRoute", "add-http-route")])
def test_a_workflow_is_named_after_its_handler(name: str, key: str) -> None:
    assert kebab(name) == key


REMOTE = fixture("workflows", "remote")


def _remote(*services: str, root: str = REMOTE) -> Design:
    return load_documents(load_artifacts([f"compose={os.path.join(REMOTE, 'compose.yaml')}",
                                          *(f"source={os.path.join(root, s)}" for s in services)]))


def test_a_post_or_get_by_url_is_a_write_when_the_route_it_reaches_writes() -> None:
    design = _remote("desk", "counter", "orders", "stock")
    desk = os.path.join(REMOTE, "desk", "src", "main", "java", "acme", "desk", "DeskController.java")
    # book(): the POST to /orders/search reaches a handler that only reads; the GET of /stock/reserve/<item> reaches
    # one that saves a reservation, the POST to /orders one that saves the order: two services written
    assert _steps(design, "workflow:desk-book") == [
        ("stock", line_of(desk, '"http://stock:8080/stock/reserve/"')),
        ("orders", line_of(desk, 'restTemplate.exchange("http://orders:8080/orders", HttpMethod.POST'))]
    assert fact(design, "workflow:desk-book").data["coordination"] == "none"
    # quote(): a POST search and a GET of levels, both reaching handlers that only read: no workflow
    assert "workflow:desk-quote" not in design.by_key() and "workflow:quote" not in design.by_key()


def test_two_services_with_a_workflow_of_one_name_each_keep_their_own() -> None:
    design = _remote("desk", "counter", "orders", "stock")
    # both have a `book` handler writing two services: by name alone they would be one workflow, steps joined
    assert sorted(k for k in design.by_key() if k.startswith("workflow:")) == ["workflow:counter-book",
                                                                                "workflow:desk-book"]
    assert [s for s, _line in _steps(design, "workflow:counter-book")] == ["orders", "counter"]
    # one of them alone keeps the handler's name
    assert sorted(k for k in _remote("desk", "orders", "stock").by_key() if k.startswith("workflow:")) == [
        "workflow:book"]


def test_a_call_whose_method_says_nothing_is_no_write_without_its_targets_code(tmp_path: Any) -> None:
    # without the stock service's code, its GET may or may not write: one service written, no workflow
    assert not [k for k in _remote("desk", "orders").by_key() if k.startswith("workflow:")]
    # with a stock whose reserve route only reads, the same
    for service in ("desk", "orders", "stock"):
        shutil.copytree(os.path.join(REMOTE, service), os.path.join(str(tmp_path), service))
    stock = os.path.join(str(tmp_path), "stock", "src", "main", "java", "acme", "stock", "StockController.java")
    with open(stock, encoding="utf-8") as fh:
        text = fh.read()
    assert "return reservations.save(new Reservation(item));" in text
    with open(stock, "w", encoding="utf-8") as fh:
        fh.write(text.replace("return reservations.save(new Reservation(item));",
                              "return reservations.findById(item);"))
    design = _remote("desk", "orders", "stock", root=str(tmp_path))
    assert not [k for k in design.by_key() if k.startswith("workflow:")]


@pytest.mark.parametrize(("route", "path", "open_end", "takes"), [
    ("/orders", "/orders", False, True),
    ("/orders/{id}", "/orders", False, False),
    ("/orders/{id}", "/orders/", True, True),
    ("/orders/{type}/{id}", "/orders/", True, True),
    ("/orders/{id}/items", "/orders/", True, False),  # appended text fills template segments only
    ("/orders", "/orders/", True, False),  # something is appended: the route needs a segment for it
    ("/orders/by-id/{id}", "/orders/by-", True, True),  # the appended text may finish the literal segment
    ("/orders/{id}", "/orders/by-", True, True),
    ("/orders/by-id/{id}", "/orders/by-name/", True, False),
    ("/users/id/{id}", "/users/id/", True, True),
    ("/users/{id}", "/users/id/", True, False),
])
def test_a_url_the_code_writes_is_matched_to_a_route_template(route: str, path: str, open_end: bool,
                                                              takes: bool) -> None:
    from engine.importers.code_workflows import _template_matches
    assert _template_matches(route, path, open_end) is takes


FIELDED = fixture("workflows", "fielded", "main.go")


def test_a_grpc_methods_writes_through_clients_held_in_the_servers_fields_are_its_steps() -> None:
    # the clients are made in main and kept in the receiver's fields: cs.paymentClient.Charge (in a helper of the
    # receiver) and cs.ordersClient.CreateOrder write; cs.quoteClient.GetQuote reads
    design = load_documents(load_artifacts([f"compose={fixture('workflows', 'compose.yaml')}",
                                            f"source:checkout={os.path.dirname(FIELDED)}"]))
    assert _steps(design, "workflow:place-order") == [
        ("paymentservice", line_of(FIELDED, "cs.paymentClient.Charge(")),
        ("order-service", line_of(FIELDED, "cs.ordersClient.CreateOrder("))]
    assert fact(design, "workflow:place-order").data["coordination"] == "none"
    assert "workflow:quote" not in design.by_key()


FLUENT = fixture("workflows", "fluent")


def test_restclient_writes_to_a_service_named_by_configuration_are_workflow_steps(tmp_path: Any) -> None:
    service = os.path.join(FLUENT, "shop", "src", "main", "java", "acme", "shop", "CheckoutService.java")
    artifacts = [f"compose={os.path.join(FLUENT, 'compose.yaml')}", f"source={os.path.join(FLUENT, 'shop')}",
                 f"source={os.path.join(FLUENT, 'ledger')}"]
    design = load_documents(load_artifacts(artifacts))
    # checkOut(): a PUT to the service serviceUrlConfig.stock() names; a POST to the ledger's /entries, whose route
    # saves (in a helper of the class, followed in place); then its own store
    assert _steps(design, "workflow:check-out") == [
        ("stock", line_of(service, "restClient.put()")), ("ledger", line_of(service, "restClient.post()")),
        ("shop", line_of(service, "receipts.save("))]
    # quote(): a POST to the ledger's /entries/search, whose route only reads: one service, no workflow
    assert "workflow:quote" not in design.by_key()
    # without the ledger's code, the POST may or may not write: two services still (stock and its own store)
    design = load_documents(load_artifacts(artifacts[:2]))
    assert [s for s, _line in _steps(design, "workflow:check-out")] == ["stock", "shop"]
    # a method that names two services' addresses sends to neither for sure
    shop = str(tmp_path / "shop")
    shutil.copytree(os.path.join(FLUENT, "shop"), shop)
    copy = os.path.join(shop, "src", "main", "java", "acme", "shop", "CheckoutService.java")
    with open(copy, encoding="utf-8") as fh:
        text = fh.read()
    with open(copy, "w", encoding="utf-8") as fh:
        fh.write(text.replace(".path(\"/stock/reservations\")", ".path(serviceUrlConfig.ledger())"))
    design = load_documents(load_artifacts([artifacts[0], f"source={shop}"]))
    assert "workflow:check-out" not in design.by_key()


THRIFT = fixture("workflows", "thrift")


def test_a_thrift_handler_writing_two_services_through_its_client_pools_is_a_workflow() -> None:
    handler = os.path.join(THRIFT, "PublishService", "PublishHandler.h")
    design = load_documents(load_artifacts([f"compose={os.path.join(THRIFT, 'compose.yaml')}",
                                            f"source:publish-service={os.path.join(THRIFT, 'PublishService')}"]))
    # Publish(): GetAuthorName reads; StoreArticle (in a helper handed to std::async) and WriteFeed (in a helper
    # called in place) write, each through the client a pool of the handler gives (_article_storage_client_pool ->
    # article-storage-service, _feed_client_pool -> feed-service)
    assert _steps(design, "workflow:publish") == [
        ("article-storage-service", line_of(handler, "storage_client->StoreArticle(")),
        ("feed-service", line_of(handler, "feed_client->WriteFeed("))]
    assert fact(design, "workflow:publish").data["coordination"] == "none"
    # Preview(): a read and one write: one service, no workflow
    assert "workflow:preview" not in design.by_key()


def _feed(feed_dir: str) -> tuple[Design, list[str], list[str]]:
    """The Thrift fixture's design with feed-service's code from ``feed_dir``, the notes on publish-service's call to
    it, and the subjects of the review's synchronous-per-item-calls findings."""
    docs = load_artifacts([f"compose={os.path.join(THRIFT, 'compose.yaml')}",
                           f"source:publish-service={os.path.join(THRIFT, 'PublishService')}",
                           f"source:feed-service={feed_dir}"])
    key = "interaction:publish-service->feed-service"
    per_item = sorted(f.subject for f in review([], extra=docs).findings
                      if f.kind == "risk" and f.rule == "synchronous-per-item-calls")
    return load_documents(docs), [n for d in docs for n in getattr(d, "notes", {}).get(key, [])], per_item


def test_a_call_to_a_thrift_handler_that_writes_once_per_subscriber_is_per_item() -> None:
    feed = os.path.join(THRIFT, "FeedService")
    design, notes, per_item = _feed(feed)
    # publish-service's _FeedHelper calls WriteFeed; feed-service's WriteFeed loops over the subscribers it fetched
    # and adds the article to each one's feed (pipe.zadd): the publish request waits for work that grows with them
    call = fact(design, "interaction:publish-service->feed-service")
    assert call.data["per_item"] is True
    handler = os.path.join(feed, "FeedHandler.h")
    publisher = os.path.join(THRIFT, "PublishService", "PublishHandler.h")
    assert [n for n in notes if n.startswith("per_item")] == [
        "per_item: feed-service's handler of WriteFeed makes zadd() once per element of for (auto &subscriber_id : "
        f"subscriber_ids) at {handler}:{line_of(handler, 'for (auto &subscriber_id')}; publish-service waits on it "
        f"(feed.WriteFeed at {publisher}:{line_of(publisher, 'WriteFeed(')})"]
    assert per_item == ["interaction:publish-service->feed-service"]
    # its other calls say nothing of the sort
    assert "per_item" not in fact(design, "interaction:publish-service->article-storage-service").data


@pytest.mark.parametrize("change", [
    # a loop counted to a number (a retry) walks no data
    ("for (auto &subscriber_id : subscriber_ids)", "for (int subscriber_id = 0; subscriber_id < 3; ++subscriber_id)"),
    # a loop that only reads
    ("pipe.zadd(", "pipe.zscore("),
    # the write made once, after the loop
    ("pipe.zadd(std::to_string(subscriber_id), std::to_string(req_id), req_id);\n  }",
     "}\n  pipe.zadd(std::to_string(req_id), std::to_string(req_id), req_id);"),
])
def test_no_per_item_call_without_a_write_in_a_loop_over_a_collection(tmp_path: Any, change: tuple[str, str]) -> None:
    feed = os.path.join(str(tmp_path), "FeedService")
    shutil.copytree(os.path.join(THRIFT, "FeedService"), feed)
    path = os.path.join(feed, "FeedHandler.h")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert change[0] in text
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(change[0], change[1]))
    design, notes, per_item = _feed(feed)
    assert "per_item" not in fact(design, "interaction:publish-service->feed-service").data
    assert not [n for n in notes if n.startswith("per_item")] and not per_item


def _tickets(tmp: str, outbox: bool = False) -> list[str]:
    """A Spring service whose handlers save to their own database and send messages to Kafka in three ways."""
    compose = write(tmp, "compose.yaml", """
        services:
          tickets:
            image: acme/tickets
            environment:
              SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/tickets
              SPRING_KAFKA_BOOTSTRAP_SERVERS: kafka:9092
          db: {image: postgres:16}
          kafka: {image: apache/kafka:3.7.0}
    """)
    java = "tickets/src/main/java/acme/tickets/"
    write(tmp, java + "TicketController.java", """
        @RestController
        public class TicketController {
            private final TicketService tickets;
            private final Refunds refunds;
            @PostMapping("/tickets")
            public Ticket book(@RequestBody Ticket t) { return tickets.book(t); }
            @PostMapping("/refunds")
            public Refund refund(@RequestBody Refund r) { return refunds.refund(r); }
            @PutMapping("/tickets/{id}")
            public Ticket rename(@PathVariable long id, @RequestBody String name) { return tickets.rename(id, name); }
        }
    """)
    write(tmp, java + "TicketService.java", """
        @Service
        public class TicketService {
            private final TicketRepository repository;
            private final ApplicationEventPublisher events;
            @Transactional
            public Ticket book(Ticket t) {
                Ticket saved = repository.save(t);
                TicketBooked booked = new TicketBooked(saved.getId());
                events.publishEvent(booked);
                return saved;
            }
            public Ticket rename(long id, String name) { return repository.save(new Ticket(id, name)); }
        }
    """)
    write(tmp, java + "BookingAnnouncer.java", """
        @Component
        public class BookingAnnouncer {
            private final Announcer announcer;
            @TransactionalEventListener
            public void onBooked(TicketBooked booked) { announcer.announce(booked); }
        }
    """)
    write(tmp, java + "Announcer.java", "public interface Announcer { void announce(Object event); }\n")
    write(tmp, java + "KafkaAnnouncer.java", """
        public class KafkaAnnouncer implements Announcer {
            private final KafkaTemplate<String, Object> kafka;
            public void announce(Object event) { kafka.send("ticket-events", event); }
        }
    """)
    write(tmp, java + "LogAnnouncer.java", """
        public class LogAnnouncer implements Announcer {
            public void announce(Object event) { System.out.println(event); }
        }
    """)
    write(tmp, java + "Refunds.java", """
        @Service
        public class Refunds extends AbstractRelationalEventListener<Refund> {
            private final RefundRepository repository;
            private final StreamBridge bridge;
            public Refund refund(Refund r) { return repository.save(r); }
            @Override
            protected void onAfterSave(AfterSaveEvent<Refund> e) { bridge.send("refunds-out-0", e.getEntity()); }
        }
    """)
    if outbox:
        write(tmp, java + "OutboxRelay.java", "public class OutboxRelay { }\n")
    return [f"compose={compose}", f"source={os.path.join(tmp, 'tickets')}"]


def test_a_handler_that_saves_then_sends_a_message_is_a_direct_dual_write(tmp_path: Any) -> None:
    docs = load_artifacts(_tickets(str(tmp_path)))
    design = load_documents(docs)
    service = os.path.join(str(tmp_path), "tickets", "src", "main", "java", "acme", "tickets", "TicketService.java")
    # book(): the save, then an application event whose transactional listener sends it through one of an
    # interface's implementations (the Kafka one): one service's store and a message, published directly
    book = fact(design, "workflow:book")
    assert book.data["publish_mechanism"] == "direct"
    assert _steps(design, "workflow:book") == [("tickets", line_of(service, "repository.save(t)"))]
    assert "coordination" not in book.data  # one service: nothing to coordinate between services
    notes = [n for d in docs for n in getattr(d, "notes", {}).get("workflow:book", [])]
    assert any("KafkaTemplate.send at" in n and "KafkaAnnouncer.java:3" in n for n in notes)
    # refund(): the save, then the repository's after-save callback sends through Spring Cloud Stream
    assert fact(design, "workflow:refund").data["publish_mechanism"] == "direct"
    # rename(): a save and no message
    assert "workflow:rename" not in design.by_key()
    rv = review([], extra=docs)
    assert sorted(f.subject for f in rv.findings if f.rule == "dual-write-without-outbox") == [
        "workflow:book", "workflow:refund"]


def test_a_service_whose_code_names_an_outbox_states_no_direct_publish(tmp_path: Any) -> None:
    design = load_documents(load_artifacts(_tickets(str(tmp_path), outbox=True)))
    assert not [k for k in design.by_key() if k.startswith("workflow:")]


_AMQP_PUBLISHER = """
    package billing

    type IssuedPublisher interface {
        Publish(ctx context.Context, body []byte) error
    }

    type amqpPublisher struct {
        conn     *amqp.Connection
        exchange string
    }

    func (p *amqpPublisher) Publish(ctx context.Context, body []byte) error {
        ch, err := p.conn.Channel()
        if err != nil {
            return err
        }
        defer ch.Close()
        return ch.PublishWithContext(ctx, p.exchange, "", false, false, amqp.Publishing{Body: body})
    }
"""


@pytest.mark.parametrize("publisher_code", [False, True], ids=["publisher-not-shown", "publisher-calls-amqp-client"])
def test_a_grpc_method_saving_through_a_repository_then_publishing_is_a_direct_dual_write(
        tmp_path: Any, publisher_code: bool) -> None:
    tmp = str(tmp_path)
    if publisher_code:  # the publisher's implementation handed over too (a shared package): its send is followed
        write(tmp, "billing/publisher.go", _AMQP_PUBLISHER)  # into a broker client's call, still the message sent
    compose = write(tmp, "compose.yaml", """
        services:
          billing: {image: acme/billing, environment: {DB_URL: "postgres://db:5432/billing", AMQP: "amqp://mq:5672"}}
          db: {image: postgres:16}
          mq: {image: rabbitmq:3}
    """)
    write(tmp, "billing/server.go", """
        package billing

        type billingServer struct {
            pb.UnimplementedBillingServer
            svc Invoicing
        }

        func (s *billingServer) IssueInvoice(
            ctx context.Context,
            req *pb.IssueInvoiceRequest,
        ) (*pb.IssueInvoiceResponse, error) {
            if err := s.svc.Issue(ctx, req.Amount); err != nil {
                return nil, err
            }
            return &pb.IssueInvoiceResponse{}, nil
        }

        func (s *billingServer) ListInvoices(ctx context.Context, req *pb.ListRequest) (*pb.ListResponse, error) {
            return s.svc.List(ctx)
        }
    """)
    write(tmp, "billing/usecase.go", """
        package billing

        type (
            InvoiceRepo interface {
                Create(ctx context.Context, amount int64) error
                All(ctx context.Context) ([]Invoice, error)
            }
            Invoicing interface {
                Issue(ctx context.Context, amount int64) error
                List(ctx context.Context) (*pb.ListResponse, error)
            }
            invoicing struct {
                repo   InvoiceRepo
                events IssuedPublisher
            }
        )

        var _ Invoicing = (*invoicing)(nil)

        func (u *invoicing) Issue(ctx context.Context, amount int64) error {
            if err := u.repo.Create(ctx, amount); err != nil {
                return err
            }
            return u.events.Publish(ctx, []byte("issued"))
        }

        func (u *invoicing) List(ctx context.Context) (*pb.ListResponse, error) {
            all, err := u.repo.All(ctx)
            return toList(all), err
        }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/billing"]))
    usecase = os.path.join(tmp, "billing", "usecase.go")
    # IssueInvoice -> the use case held by interface (its one implementation) -> the repository's Create, then the
    # publisher's Publish: one service's store and a message, published directly
    wf = fact(design, "workflow:issue-invoice")
    assert wf.data["publish_mechanism"] == "direct"
    assert _steps(design, "workflow:issue-invoice") == [("billing", line_of(usecase, "u.repo.Create("))]
    assert "workflow:list-invoices" not in design.by_key()  # it only reads


_RESERVE_SLOT = """
package command

import (
    "context"
    "time"

    "example.org/bookings/domain/reservation"
)

type ReserveSlot struct {
    User string
    At   time.Time
}

type ReserveSlotHandler CommandHandler[ReserveSlot]

type reserveSlotHandler struct {
    repo     reservation.Repository
    wallet   WalletService
    calendar CalendarService
}

func (h reserveSlotHandler) Handle(ctx context.Context, cmd ReserveSlot) (err error) {
    if err := h.repo.AddReservation(ctx, cmd.User, cmd.At); err != nil {
        return err
    }
    if err := h.wallet.UpdateBalance(ctx, cmd.User, -1); err != nil {
        return err
    }
    return h.calendar.BookSlot(ctx, cmd.At)
}

type ListSlots struct{ Day time.Time }

type listSlotsHandler struct{ repo reservation.Repository }

func (h listSlotsHandler) Handle(ctx context.Context, q ListSlots) ([]time.Time, error) {
    return h.repo.AddReservationsOf(ctx, q.Day)
}
"""

_SERVICES = """
package command

import (
    "context"
    "time"
)

type WalletService interface {
    UpdateBalance(ctx context.Context, user string, delta int) error
}

type CalendarService interface {
    BookSlot(ctx context.Context, at time.Time) error
}
"""

_WALLET_ADAPTER = """
package adapters

import (
    "context"

    "example.org/bookings/gen/wallet"
)

type WalletGrpc struct {
    client wallet.WalletServiceClient
}

func (w WalletGrpc) UpdateBalance(ctx context.Context, user string, delta int) error {
    _, err := w.client.UpdateBalance(ctx, &wallet.UpdateBalanceRequest{User: user, Delta: int64(delta)})
    return err
}
"""

_CALENDAR_ADAPTER = """
package adapters

import (
    "context"
    "time"

    "example.org/bookings/gen/calendar"
)

type CalendarGrpc struct {
    client calendar.CalendarServiceClient
}

func (c CalendarGrpc) BookSlot(ctx context.Context, at time.Time) error {
    _, err := c.client.BookSlot(ctx, &calendar.BookSlotRequest{Unix: at.Unix()})
    return err
}
"""

_STAND_INS = """
package testing

import (
    "context"
    "time"
)

type WalletServiceMock struct{}

func (WalletServiceMock) UpdateBalance(ctx context.Context, user string, delta int) error { return nil }

type CalendarServiceMock struct{}

func (CalendarServiceMock) BookSlot(ctx context.Context, at time.Time) error { return nil }
"""

_GENERATED_CLIENT = """
package wallet

type walletServiceClient struct{ cc ClientConnInterface }

func (c *walletServiceClient) UpdateBalance(ctx context.Context, in *UpdateBalanceRequest,
    opts ...CallOption) (*Balance, error) {
    return nil, nil
}
"""


def test_a_go_command_handler_is_a_workflow_through_the_adapters_that_implement_its_interfaces(tmp_path: Any) -> None:
    # A CQRS command handler (Handle on the type named after its command) writes its own store, then reaches two
    # services through interfaces no code declares as implemented: the one hand-written type with their methods is
    # followed (test stand-ins and the generated client aside), to the workloads named <service>-grpc.
    tmp = str(tmp_path)
    write(tmp, "bookings/app/command/reserve_slot.go", _RESERVE_SLOT)
    write(tmp, "bookings/app/command/services.go", _SERVICES)
    write(tmp, "bookings/adapters/wallet_grpc.go", _WALLET_ADAPTER)
    write(tmp, "bookings/adapters/calendar_grpc.go", _CALENDAR_ADAPTER)
    write(tmp, "bookings/testing/mocks.go", _STAND_INS)
    write(tmp, "bookings/gen/wallet/wallet_grpc.pb.go", _GENERATED_CLIENT)
    compose = write(tmp, "docker-compose.yml", """
        services:
          bookings:
            image: example/bookings
            ports: ["8080:8080"]
            environment: {WALLET_GRPC_ADDR: "wallet-grpc:3000", CALENDAR_GRPC_ADDR: "calendar-grpc:3000"}
          wallet-grpc: {image: example/wallet}
          calendar-grpc: {image: example/calendar}
        """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/bookings"]))
    handler = os.path.join(tmp, "bookings/app/command/reserve_slot.go")
    assert _steps(design, "workflow:reserve-slot") == [
        ("bookings", line_of(handler, "h.repo.AddReservation(")),
        ("wallet-grpc", line_of(os.path.join(tmp, "bookings/adapters/wallet_grpc.go"), "w.client.UpdateBalance(")),
        ("calendar-grpc", line_of(os.path.join(tmp, "bookings/adapters/calendar_grpc.go"), "c.client.BookSlot("))]
    assert fact(design, "workflow:reserve-slot").data["coordination"] == "none"
    assert "workflow:list-slots" not in design.by_key()  # a query handler returns what it reads


STOCK = fixture("workflows", "stock", "src", "main", "java", "acme", "stock", "StockService.java")
TICKETS = fixture("workflows", "tickets", "handlers.go")
_STORES = """
    services:
      stock: {image: acme/stock, depends_on: [stock-db]}
      stock-db: {image: "postgres:16"}
      tickets: {image: acme/tickets, depends_on: [tickets-db]}
      tickets-db: {image: "postgres:16"}
"""


def _stores(tmp: str, stock: str, tickets: str) -> Design:
    return load_documents(load_artifacts([f"compose={write(tmp, 'compose.yaml', _STORES)}", f"source={stock}",
                                          f"source={tickets}"]))


def test_a_stock_computed_in_memory_from_a_repository_read_and_saved_back_is_an_unguarded_check_then_act(
        tmp_path: Any) -> None:
    # subtract(): the products read through the repository, each one's stock set to a number derived from it, then
    # saved through the same repository; rename() sets a name from the request (nothing decided on what was read).
    # Handle(): the ticket read through the repository field, changed by its own Apply (an if on its items, an
    # assignment to its status), then written back whole; a plain transaction in Update() keeps nothing from changing
    design = _stores(str(tmp_path), fixture("workflows", "stock"), fixture("workflows", "tickets"))
    _unguarded_at(design, "interaction:stock->stock-db", STOCK, "product.setStockQuantity(left)")
    _unguarded_at(design, "interaction:tickets->tickets-db", TICKETS, "if err = ticket.Apply(kind); err != nil {")
    rv = review([], extra=load_artifacts([f"compose={tmp_path}/compose.yaml", f"source={fixture('workflows', 'stock')}",
                                          f"source={fixture('workflows', 'tickets')}"]))
    assert sorted(f.subject for f in rv.findings if f.rule == "check-then-act-without-concurrency-control") == [
        "interaction:stock->stock-db", "interaction:tickets->tickets-db"]


@pytest.mark.parametrize(("file", "change", "why"), [
    ("Product.java", ("    @Id\n", "    @Version\n    private long version;\n    @Id\n"), "a version column"),
    ("ProductRepository.java", ("    List<Product> findAllByIdIn",
                                "    @Lock(LockModeType.PESSIMISTIC_WRITE)\n    List<Product> findAllByIdIn"),
     "a row lock on the read"),
    ("StockService.java", ("product.setStockQuantity(left);", "product.setName(\"sold\");"),
     "nothing set from what was read"),
    ("StockService.java", ("this.productRepository.saveAll(products);", "notify(products);"), "nothing saved"),
    ("StockService.java", ("List<Product> products = this.productRepository.findAllByIdIn(byId.keySet());",
                           "List<Product> products = lines.stream().map(Line::product).toList();"),
     "not read from the store"),
])
def test_no_java_read_modify_write_when_something_guards_it_or_nothing_is_computed_from_the_read(
        tmp_path: Any, file: str, change: tuple[str, str], why: str) -> None:
    src = os.path.dirname(STOCK)
    for name in os.listdir(src):
        with open(os.path.join(src, name), encoding="utf-8") as fh:
            text = fh.read()
        if name == file:
            assert change[0] in text, why
            text = text.replace(change[0], change[1])
        write(str(tmp_path), f"stock/src/main/java/acme/stock/{name}", text)
    design = _stores(str(tmp_path), f"{tmp_path}/stock", fixture("workflows", "tickets"))
    assert "check_then_act" not in fact(design, "interaction:stock->stock-db").data, why


@pytest.mark.parametrize(("change", "why"), [
    (("\tif len(t.Items) == 0 {\n\t\treturn nil\n\t}\n", ""), "Apply decides on nothing it holds"),
    (("if err = ticket.Apply(kind); err != nil {", "if err = ticket.Describe(); err != nil {"),
     "a method that changes nothing"),
    (("return h.ticketRepo.Update(ctx, ticket)\n}\n\n// Touch", "return nil\n}\n\n// Touch"), "nothing written back"),
    (("tx, err := r.db.Begin()", "tx, err := r.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})"),
     "a serialisable transaction"),
    (("FROM tickets WHERE id = $1\"", "FROM tickets WHERE id = $1 FOR UPDATE\""), "a row lock on the read"),
])
def test_no_go_read_modify_write_when_something_guards_it_or_nothing_decides_the_change(
        tmp_path: Any, change: tuple[str, str], why: str) -> None:
    with open(TICKETS, encoding="utf-8") as fh:
        text = fh.read()
    assert change[0] in text, why
    write(str(tmp_path), "tickets/handlers.go", text.replace(change[0], change[1]))  # not indented: kept as it is
    design = _stores(str(tmp_path), fixture("workflows", "stock"), f"{tmp_path}/tickets")
    assert "check_then_act" not in fact(design, "interaction:tickets->tickets-db").data, why


SEATS = fixture("workflows", "seats")


def _seats(base: str) -> Design:
    return load_documents(load_artifacts([f"compose={SEATS}/compose.yaml", f"source={base}/booking",
                                          f"source={base}/seat", f"source={base}/orders"]))


def test_a_write_made_on_a_seat_another_service_picked_from_what_it_read_is_an_unguarded_check_then_act() -> None:
    # book() POSTs to seat's /seats, whose handler picks a seat comparing (`end < request.getStart()`) the tickets it
    # read from orders and writes nothing; book() then POSTs the order to orders, whose route saves it: two bookings
    # can be given the same seat. The seat service itself acts on nothing (its one call to orders reads).
    design = _seats(SEATS)
    _unguarded_at(design, "interaction:booking->seat",
                  os.path.join(SEATS, "booking", "src", "main", "java", "acme", "booking", "BookingController.java"),
                  "Ticket ticket = restTemplate.exchange(\"http://seat:8080/seats\"")
    assert "check_then_act" not in fact(design, "interaction:seat->orders").data
    assert "check_then_act" not in fact(design, "interaction:booking->orders").data


_SEAT = "seat/src/main/java/acme/seat/SeatService.java"


@pytest.mark.parametrize(("file", "change", "why"), [
    (_SEAT, ("if (end < request.getStart())", "if (end == request.getStart())"), "an equality test picks nothing"),
    (_SEAT, ("int end = taken.getEnd();", "int end = request.getEnd();"),
     "the comparison is on the request, not on what was read"),
    ("booking/src/main/java/acme/booking/BookingController.java",
     ("return restTemplate.exchange(\"http://orders:8080/orders\", HttpMethod.POST, new HttpEntity<>(order),\n"
      "                Order.class).getBody();", "return order;"), "nothing written after the pick"),
    ("booking/src/main/java/acme/booking/BookingController.java",
     ("public Order book(", "public synchronized Order book("), "a lock in the caller's code"),
    (_SEAT,
     ("                return taken;", "                restTemplate.put(\"http://orders:8080/orders/hold\", taken);\n"
                                     "                return taken;"), "the seat service writes the hold itself"),
])
def test_no_check_then_act_on_a_pick_when_nothing_is_decided_on_a_read_or_nothing_acts_on_it(
        tmp_path: Any, file: str, change: tuple[str, str], why: str) -> None:
    shutil.copytree(SEATS, tmp_path / "seats")
    path = tmp_path / "seats" / file
    text = path.read_text(encoding="utf-8")
    assert change[0] in text, why
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    assert "check_then_act" not in fact(_seats(str(tmp_path / "seats")), "interaction:booking->seat").data, why


@pytest.mark.parametrize(("change", "said"), [
    ("ticket.Status = ticket.Status + 1", "unguarded"),
    ("ticket.Status += 1", "unguarded"),
    ("ticket.Status++", "unguarded"),
    ("ticket.Status = 2", None),
    ("ticket.Status = kind - 1", None),
])
def test_a_go_value_changed_by_arithmetic_on_itself_is_a_read_modify_write(tmp_path: Any, change: str,
                                                                            said: str | None) -> None:
    # arithmetic on a field from the value itself, or in place, changes it on what it holds; a constant, or a number
    # taken from the request, does not (the last writer's value is what it means to write)
    with open(TICKETS, encoding="utf-8") as fh:
        text = fh.read()
    apply = "if err = ticket.Apply(kind); err != nil {\n\t\treturn errors.New(\"apply\")\n\t}"
    assert apply in text
    write(str(tmp_path), "tickets/handlers.go", text.replace(apply, change).replace("\t\"errors\"\n", ""))
    design = _stores(str(tmp_path), fixture("workflows", "stock"), f"{tmp_path}/tickets")
    assert fact(design, "interaction:tickets->tickets-db").data.get("check_then_act") == said
