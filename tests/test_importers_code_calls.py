"""`import source`: outbound HTTP calls read from Python code, their timeouts, joined with the deployment."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.errors import Location
from engine.importers import code_calls, load_artifacts
from engine.importers.code_calls import Call, js_calls, js_url_constant, python_calls, service_calls
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

CLIENT = """
    import os
    import httpx
    import requests
    from requests import post as send

    BILLING = os.getenv("BILLING_ADDR", "billing:8080")
    GATEWAY = os.getenv("PAYMENT_GATEWAY", "https://shop:s3cret@pay.example.com/")
    TIMEOUT = int(os.getenv("HTTP_WAIT", "3"))
    session = requests.Session()

    def charge(order):
        requests.get(f"http://{BILLING}/charge/{order}", timeout=TIMEOUT)
        requests.get(GATEWAY)
        send(url="http://{}/audit".format(os.environ["AUDIT_ADDR"]), timeout=(1, TIMEOUT * 2))
        session.request("POST", "http://" + os.environ.get("LEDGER_ADDR") + "/x", timeout=None)
        httpx.get("http://%s/y" % order)
        httpx.get(os.environ["STOCK_URL"])
        requests.get(order.url, timeout=2)
"""


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def by_var(calls: list[Call] | tuple[Call, ...]) -> dict[str, Call]:
    return {c.url.var: c for c in calls}


def test_calls_resolve_their_url_variable_and_timeout() -> None:
    calls = by_var(python_calls("svc/app.py", src(CLIENT)))
    assert sorted(calls) == ["AUDIT_ADDR", "BILLING_ADDR", "LEDGER_ADDR", "PAYMENT_GATEWAY", "STOCK_URL"]
    billing = calls["BILLING_ADDR"]
    assert (billing.client, billing.scheme, billing.url.default, billing.at.line) == ("requests.get", "http",
                                                                                      "billing:8080", 12)
    assert (billing.timeout.seconds, billing.timeout.var, billing.timeout.defined) == (3.0, "HTTP_WAIT", "svc/app.py:8")
    gateway = calls["PAYMENT_GATEWAY"]
    assert (gateway.scheme, gateway.timeout.seconds) == ("https", None)  # requests: no timeout, waits forever
    audit = calls["AUDIT_ADDR"]  # (connect, read): the read timeout, through the variable, doubled
    assert (audit.client, audit.timeout.seconds, audit.timeout.factor) == ("requests.post", 6.0, 2.0)
    assert calls["LEDGER_ADDR"].client == "requests.request" and calls["LEDGER_ADDR"].timeout.seconds is None
    assert calls["STOCK_URL"].timeout.seconds == 5.0  # httpx's default when none is passed


def test_a_request_object_of_the_code_is_read_where_it_is_built(tmp_path: Any) -> None:
    wrapper = """
        from requests import get

        class Req:
            def __init__(self, url, headers, timeout):
                self.url = url
                self.timeout = timeout

        class Caller:
            def __init__(self, request):
                self.request = request

            def run(self):
                return get(url=self.request.url, timeout=self.request.timeout)
    """
    app = """
        import os
        from flask import Flask
        from api import Req

        def create_app():
            app = Flask(__name__)
            app.config["RATES_URI"] = "http://{}/rates".format(os.environ.get("RATES_ADDR"))
            app.config["WAIT"] = int(os.getenv("WAIT", "4"))

            @app.route("/home")
            def home():
                return Req(f'{app.config["RATES_URI"]}/eur', {}, timeout=app.config["WAIT"])
            return app
    """
    files = [("svc/api.py", src(wrapper)), ("svc/app.py", src(app))]
    (call,) = service_calls(files)
    assert call.url.var == "RATES_ADDR" and call.at == Location("svc/app.py", 12, 16)
    assert call.client == "requests.get through Req (svc/api.py:13)"
    assert (call.timeout.seconds, call.timeout.var) == (4.0, "WAIT")


def _project(tmp: str, environment: str) -> Any:
    compose = write(tmp, "compose.yaml", f"""
        services:
          shop:
            image: acme/shop
            ports: ["80:8080"]
            environment:
              BILLING_ADDR: billing:8080
              {environment}
          billing:
            image: acme/billing
          audit:
            image: acme/audit
    """)
    write(tmp, "shop/app.py", CLIENT)
    return load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))


def test_the_interaction_the_deployment_drew_gets_the_code_timeout(tmp_path: Any) -> None:
    design = _project(str(tmp_path), "")
    call = fact(design, "interaction:shop->billing")
    assert call.data["timeout_ms"] == 3000 and call.data["style"] == "sync"
    assert call.locate("timeout_ms").file.endswith("app.py") and call.locate("timeout_ms").line == 12


def test_a_timeout_variable_the_deployment_sets_overrides_the_code_default(tmp_path: Any) -> None:
    design = _project(str(tmp_path), 'HTTP_WAIT: "7"')
    call = fact(design, "interaction:shop->billing")
    assert call.data["timeout_ms"] == 7000
    assert call.locate("timeout_ms").file.endswith("compose.yaml")


def test_an_unset_url_variable_with_a_public_default_is_an_external_named_after_it(tmp_path: Any) -> None:
    design = _project(str(tmp_path), "")
    gateway = fact(design, "external:payment-gateway")
    assert gateway.data["description"].startswith("pay.example.com")
    docs = load_artifacts([f"compose={tmp_path}/compose.yaml", f"source={tmp_path}/shop"])
    said = repr([(d.data, getattr(d, "notes", {})) for d in docs])
    assert "pay.example.com" in said and "s3cret" not in said  # never a credential of the URL
    call = fact(design, "interaction:shop->payment-gateway")
    assert (call.data["timeout_ms"], call.data["style"], call.data["protocol"], call.data["tls"]) == (
        0, "sync", "http", True)  # https
    assert call.location.line == 13
    # a variable the deployment does not set, with no default, and one no interaction was drawn from: unknown
    assert not [k for k in design.by_key() if k.startswith(("interaction:shop->audit", "interaction:shop->ledger"))]


def test_a_url_variable_the_deployment_sets_elsewhere_adds_no_external(tmp_path: Any) -> None:
    design = _project(str(tmp_path), "PAYMENT_GATEWAY: http://pay.internal")
    assert "external:payment-gateway" not in design.by_key()


def test_a_default_host_that_names_a_workload_is_a_call_to_it(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
          user:
            image: acme/user
    """)
    write(tmp, "shop/app.py", """
        import os, requests
        USER = os.getenv("USER_HOST", "user")
        def check(id):
            return requests.get("http://{user}:8080/check/{id}".format(user=USER, id=id))
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    call = fact(design, "interaction:shop->user")
    assert (call.data["timeout_ms"], call.data["protocol"], call.data["tls"]) == (0, "http", False)


def test_without_a_deployment_the_calls_add_nothing(tmp_path: Any) -> None:
    write(str(tmp_path), "shop/app.py", CLIENT)
    design = load_documents(load_artifacts([f"source={tmp_path}/shop"]))
    assert not [k for k in design.by_key() if k.startswith(("interaction:", "external:"))]


def test_a_default_host_already_called_gets_only_the_timeout(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
            depends_on: [user]
          user:
            image: acme/user
    """)
    write(tmp, "shop/app.py", """
        import os, requests
        USER = os.getenv("USER_HOST", "user")
        def check(id):
            return requests.get(f"http://{USER}:8080/check/{id}", timeout=2.5)
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    call = fact(design, "interaction:shop->user")
    assert call.data["timeout_ms"] == 2500
    assert not [w for w in design.warnings if "interaction" in w.message]  # no second inferred_from to conflict
    assert call.locate("timeout_ms").line == 4


def test_javascript_request_and_axios_calls() -> None:
    code = src("""
        const request = require('request');
        const axios = require("axios");
        var catalogueHost = process.env.CATALOGUE_HOST || 'catalogue'
        const ordersUrl = process.env['ORDERS_URL'];
        function request2(x) {}
        request('http://' + catalogueHost + ':8080/product/' + sku, (err, res, body) => {});
        axios.get(`${ordersUrl}/orders/${id}`, { timeout: 2500 });
        axios({ method: 'post', url: process.env.PAY_URL + '/pay', timeout: 0 });
        request(someUrl, cb);
    """)
    calls = by_var(js_calls("cart/server.js", code))
    assert sorted(calls) == ["CATALOGUE_HOST", "ORDERS_URL", "PAY_URL"]
    cat = calls["CATALOGUE_HOST"]
    assert (cat.client, cat.scheme, cat.url.default, cat.at.line, cat.timeout.seconds) == (
        "request", "http", "catalogue", 6, None)
    assert (calls["ORDERS_URL"].client, calls["ORDERS_URL"].timeout.seconds) == ("axios.get", 2.5)
    assert calls["PAY_URL"].timeout.seconds is None  # axios' timeout 0 is none


def test_calls_through_an_axios_instance_take_its_base_url_and_timeout() -> None:
    code = src("""
        import axios from "axios";
        import { env } from "@/env";
        export abstract class APIService {
          constructor(baseURL?: string) {
            this.baseURL = baseURL || env.API_BASE_URL;
            this.axiosInstance = axios.create({ baseURL: this.baseURL, withCredentials: true, timeout: 20000 });
          }
          get(url: string, config = {}) { return this.axiosInstance.get(url, { ...config }); }
          post(url: string, data = {}) { return this.axiosInstance.post(url, data, { timeout: 0 }); }
          send(config) { return this.axiosInstance(config); }
        }
        const search = axios.create({ baseURL: process.env.SEARCH_URL });
        const other = axios.create({ baseURL: someUrl(), timeout: 500 });
        const slow = axios.create({ baseURL: env.SLOW_URL, timeout: TIMEOUT });
        other.get("/x");
    """)
    calls = js_calls("live/src/services/api.service.ts", code)
    got = sorted((c.url.var, c.client, c.at.line, c.timeout.seconds) for c in calls)
    assert got == [("API_BASE_URL", "axios.get", 8, 20.0), ("API_BASE_URL", "axios.post", 9, None),
                   ("API_BASE_URL", "axios.request", 10, 20.0),
                   ("SEARCH_URL", "axios.request", 12, None)]  # no call through it here: where it is created


def test_an_axios_instances_timeout_reaches_the_interaction_its_base_url_draws(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          live:
            image: acme/live
            environment:
              API_BASE_URL: http://api:8000
          api:
            image: acme/api
    """)
    write(tmp, "live/src/env.ts", """
        import { z } from "zod";
        export const env = z.object({ API_BASE_URL: z.string().url() }).parse(process.env);
    """)
    write(tmp, "live/src/api.service.ts", """
        import axios from "axios";
        import { env } from "./env";
        const client = axios.create({ baseURL: env.API_BASE_URL, timeout: 20000 });
        export const fetchPage = (id: string) => client.get(`/pages/${id}/`);
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/live"]))
    call = fact(design, "interaction:live->api")
    assert call.data["timeout_ms"] == 20000 and call.locate("timeout_ms").file.endswith("api.service.ts")


def test_a_catalogued_timeout_variable_the_deployment_sets_is_kept(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
            environment:
              BILLING_ADDR: billing:8080
              BACKEND_TIMEOUT: "9"
          billing:
            image: acme/billing
    """)
    write(tmp, "shop/app.py", """
        import os, requests
        BILLING = os.environ.get("BILLING_ADDR")
        def charge():
            return requests.post(f"http://{BILLING}/charge", timeout=float(os.getenv("BACKEND_TIMEOUT", "4")))
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    call = fact(design, "interaction:shop->billing")
    assert call.data["timeout_ms"] == 9000 and call.locate("timeout_ms").file.endswith("compose.yaml")
    assert not [w for w in design.warnings if "timeout_ms" in w.message]


def test_names_that_refer_to_each_other_resolve_to_nothing() -> None:
    code = src("""
        import requests
        A = B
        B = A
        T = T2
        T2 = T
        requests.get(A, timeout=T)
        requests.get("http://" + "x" * 3 + "/", timeout=1)
    """)
    assert python_calls("svc/loop.py", code) == []


def test_a_javascript_url_written_in_a_required_module_is_a_call_to_its_workload(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    manifest = write(tmp, "k8s.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop}
        spec:
          template:
            spec:
              containers: [{name: shop, image: acme/shop:1.0}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: billing}
        spec:
          template:
            spec:
              containers: [{name: billing, image: acme/billing:1.0}]
    """)
    write(tmp, "shop/lib/targets.js", """
        var util = require('util');
        var suffix = process.argv[2] || "";
        module.exports = {
          billingUrl: util.format("http://billing%s/invoices", suffix),
          docsUrl:    "see the wiki",
        };
    """)
    write(tmp, "shop/lib/invoices/index.js", """
        var app = require("express")()
          , http = require("request")
          , targets = require("../targets");
        app.get("/invoices/*", function (req, res) {
          var where = targets.billingUrl + req.url.toString();
          http.get(where).pipe(res);
        });
        app.post("/invoices", function (req, res) {
          http({uri: targets.docsUrl, method: "POST"}, function () {});
        });
    """)
    design = load_documents(load_artifacts([f"kubernetes={manifest}", f"source={tmp}/shop"]))
    call = fact(design, "interaction:shop->billing")
    assert (call.data["timeout_ms"], call.data["style"], call.data["tls"]) == (0, "sync", False)
    assert call.data["address_resolution"] == "hardcoded"  # written in targets.js, no variable sets it
    assert call.locate("timeout_ms").line == 6
    assert [k for k in design.by_key() if k.startswith("interaction:")] == ["interaction:shop->billing"]
    docs = load_artifacts([f"kubernetes={manifest}", f"source={tmp}/shop"])
    code = [d for d in docs if d.data.get("source") == "api"]
    assert "interaction:shop->billing" in load_documents(code).by_key()  # the code's agent file loads alone


def test_a_url_constant_names_its_host_only_when_the_code_writes_it() -> None:
    assert js_url_constant('util.format("http://orders%s", domain)') == "http://orders"
    assert js_url_constant("`https://pay.example.com:8443/v1`") == "https://pay.example.com:8443"
    assert js_url_constant("'http://' + host") is None
    assert js_url_constant("`http://${host}/x`") is None
    assert js_url_constant('"not a url"') is None


def _stock_project(tmp: str, stock_code: str) -> Any:
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
          stock:
            image: acme/stock
    """)
    write(tmp, "shop/app.py", """
        import os, requests
        STOCK = os.getenv("STOCK_HOST", "stock")
        def reserve(sku):
            return requests.post(f"http://{STOCK}:8080/reserve/{sku}", timeout=2)
    """)
    write(tmp, "stock/app.py", stock_code)
    return load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop", f"source={tmp}/stock"]))


def test_a_call_to_a_service_whose_code_checks_no_caller_is_unauthenticated(tmp_path: Any) -> None:
    design = _stock_project(str(tmp_path), """
        from flask import Flask
        app = Flask(__name__)
        @app.route("/reserve/<sku>", methods=["POST"])
        def reserve(sku):
            return "", 204
    """)
    call = fact(design, "interaction:shop->stock")
    assert call.data["auth"] == "none"
    assert call.locate("auth").file.endswith("shop/app.py")


def test_a_call_to_a_service_that_reads_a_token_keeps_its_auth_unknown(tmp_path: Any) -> None:
    design = _stock_project(str(tmp_path), """
        from flask import Flask, request
        app = Flask(__name__)
        @app.route("/reserve/<sku>", methods=["POST"])
        def reserve(sku):
            if request.headers.get("Authorization") != "Bearer ok":
                return "", 401
            return "", 204
    """)
    assert "auth" not in fact(design, "interaction:shop->stock").data


def test_a_public_url_the_python_code_writes_out_is_a_call_to_an_external_named_after_its_host(tmp_path: Any) -> None:
    # requests has no default timeout: a call to a URL the code writes out (in the call, a local name or a constant
    # of the module) waits forever; httpx applies its 5 s; hosts reserved for examples, a host the code does not
    # write out whole and a private address are no externals
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
    """)
    write(tmp, "shop/release.py", """
        import httpx
        import requests
        RATES = "https://api.rates.io:8443/v1/latest?base=EUR"
        def latest(repo, region):
            url = "https://api.github.com/repos/acme/shop/releases/latest"
            requests.get(url)
            httpx.get(RATES)
            requests.get("https://api.github.com/rate_limit", timeout=3)
            requests.get("https://docs.example.com/x")
            requests.get("https://" + region + ".amazonaws.com/x")
            requests.get("http://10.0.0.7/x")
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    github = fact(design, "interaction:shop->api.github.com")
    assert (github.data["timeout_ms"], github.data["style"], github.data["protocol"], github.data["tls"]) == (
        0, "sync", "http", True)  # the longest wait of the two calls: none
    assert "address_resolution" not in github.data  # a third party's public name is how it is reached
    assert fact(design, "external:api.github.com").data["description"] == "api.github.com (a URL the code writes out)"
    rates = fact(design, "interaction:shop->api.rates.io")
    assert rates.data["timeout_ms"] == 5000 and rates.data["inferred_from"].startswith(
        "httpx.get at ") and rates.data["inferred_from"].endswith(
        "release.py:7 calls https://api.rates.io:8443/v1/latest, a URL the code writes out")  # query left out
    assert sorted(k for k in design.by_key() if k.startswith("external:")) == ["external:api.github.com",
                                                                               "external:api.rates.io"]


def _web_and_worker(tmp: str, files: dict[str, str]) -> list[str]:
    """The interactions drawn for one package (``files`` under app/) handed over for a web process and for its
    Celery worker, both run from one image."""
    compose = write(tmp, "compose.yaml", """
        services:
          web:
            image: acme/app
            ports: ["8000:8000"]
          worker:
            image: acme/app
            command: celery -A app worker
    """)
    for name, text in files.items():
        write(tmp, f"app/{name}", text)
    design = load_documents(load_artifacts([f"compose={compose}", f"source:web={tmp}/app",
                                            f"source:worker={tmp}/app"]))
    return sorted(k for k in design.by_key() if k.startswith("interaction:"))


def test_a_written_out_call_in_a_module_of_routes_is_the_serving_processes_only(tmp_path: Any) -> None:
    # the same package is handed over for the web process and its Celery worker: the sign-in view's call to Google
    # is made while the web process serves the route, not by the worker's copy of the module; the task module's
    # call stays on both (which process runs a task the code does not say)
    drawn = _web_and_worker(str(tmp_path), {
        "views.py": """
        import requests
        from flask import Flask
        app = Flask(__name__)
        @app.route("/oauth/callback")
        def callback():
            return requests.get("https://www.googleapis.com/oauth2/v1/userinfo").json()
    """,
        "tasks.py": """
        import requests
        def subscribe(form):
            requests.post("https://version.acme.io/subscribe", json=form)
    """,
    })
    assert drawn == ["interaction:web->version.acme.io", "interaction:web->www.googleapis.com",
                     "interaction:worker->version.acme.io"]


def test_a_written_out_call_in_a_module_only_request_handlers_import_is_the_serving_processes_only(
        tmp_path: Any) -> None:
    # the OAuth client is imported by the sign-in view alone: the worker, which serves no route, never loads it; a
    # module the settings name by its dotted path (Celery's imports) may be loaded by name, and one the worker's own
    # modules import is loaded by it, whoever else imports them; a file name in a string ("views.json") names no
    # module
    drawn = _web_and_worker(str(tmp_path), {
        "views.py": """
        from flask import Flask
        from app import oauth
        from app.jobs import notify
        from .util import ping
        app = Flask(__name__)
        @app.route("/oauth/callback")
        def callback():
            notify()
            ping()
            return oauth.profile()
    """,
        "oauth.py": """
        import requests
        def profile():
            return requests.get("https://www.googleapis.com/oauth2/v1/userinfo").json()
    """,
        "jobs.py": """
        import requests
        def notify():
            requests.post("https://hooks.acme.io/notify", timeout=5)
    """,
        "util.py": """
        import requests
        def ping():
            requests.get("https://status.acme.io/ping", timeout=5)
    """,
        "tasks.py": """
        from app.util import ping
        def beat():
            ping()
    """,
        "settings.py": """
        CELERY_IMPORTS = ("app.jobs",)
        SEED = "views.json"
    """,
    })
    assert drawn == ["interaction:web->hooks.acme.io", "interaction:web->status.acme.io",
                     "interaction:web->www.googleapis.com", "interaction:worker->hooks.acme.io",
                     "interaction:worker->status.acme.io"]


def test_the_modules_a_process_loads_follow_imports_packages_and_cycles() -> None:
    # a module is loaded with its package; modules importing only one another, which nothing left out imports, are
    # loaded (a process may start from any of them); a module only left-out modules lead to is not
    modules = code_calls.python_modules([
        ("pkg/__init__.py", "from . import views\n"),
        ("pkg/views.py", "from pkg.sub import client\n"),
        ("pkg/sub/__init__.py", ""),
        ("pkg/sub/client.py", "import requests\n"),
        ("pkg/a.py", "import pkg.b\n"),
        ("pkg/b.py", "def f():\n    from pkg import a\n"),
        ("pkg/broken.py", "def (:\n"),
    ])
    assert modules.imports["pkg/sub/client.py"] == frozenset({"pkg/sub/__init__.py"})
    assert modules.imports["pkg/views.py"] == frozenset({"pkg/__init__.py", "pkg/sub/client.py",
                                                         "pkg/sub/__init__.py"})
    assert modules.imports["pkg/broken.py"] == frozenset({"pkg/__init__.py"})
    loaded = code_calls.reached(modules, frozenset({"pkg/views.py"}))
    # pkg/__init__ imports the views: every module of the package loads it, so the views and the client are loaded
    assert "pkg/sub/client.py" in loaded and {"pkg/a.py", "pkg/b.py"} <= loaded
    alone = code_calls.python_modules([(p, t.replace("from . import views\n", "")) for p, t in [
        ("pkg/__init__.py", "from . import views\n"), ("pkg/views.py", "from pkg.sub import client\n"),
        ("pkg/sub/__init__.py", ""), ("pkg/sub/client.py", "import requests\n")]])
    # with no __init__ importing them, the views alone lead to the client and the packages: nothing else loads them
    assert code_calls.reached(alone, frozenset({"pkg/views.py"})) == frozenset()


def _processes(tmp: str, services: str, files: dict[str, str], dockerfile: str | None = None) -> list[str]:
    """The interactions drawn when one package (``files`` under app/) is handed over for each compose service of
    ``services`` (a compose file's services block)."""
    compose = write(tmp, "compose.yaml", "services:\n" + textwrap.indent(textwrap.dedent(services), "  "))
    if dockerfile is not None:
        write(tmp, "Dockerfile", dockerfile)
    for name, text in files.items():
        write(tmp, f"app/{name}", text)
    names = [line.strip()[:-1] for line in textwrap.dedent(services).splitlines()
             if line and not line.startswith(" ") and line.strip().endswith(":")]
    design = load_documents(load_artifacts([f"compose={compose}", *(f"source:{n}={tmp}/app" for n in names)]))
    return sorted(k for k in design.by_key() if k.startswith("interaction:"))


_RQ_APP = {
    "views.py": """
        from flask import Flask
        from app.tasks import subscribe, notify_all
        app = Flask(__name__)
        @app.route("/setup", methods=["POST"])
        def setup():
            subscribe.delay({})
            return "", 204
        @app.route("/alerts/<int:id>/eval", methods=["POST"])
        def evaluate(id):
            notify_all(id)
            return "", 204
    """,
    "tasks.py": """
        import requests
        from rq import Queue
        from rq.decorators import job
        from app.destinations import deliver
        from app.check import report
        @job("default")
        def subscribe(form):
            requests.post("https://version.acme.io/subscribe", json=form)
        def notify_all(id):
            deliver(id)
        @job("alerts")
        def check(id):
            notify_all(id)
        def schedule():
            Queue("emails").enqueue(report)
    """,
    "scheduler.py": """
        from rq_scheduler import Scheduler
        from app.check import daily
        scheduler = Scheduler(queue_name="periodic", connection=None)
        JOBS = [{"func": daily, "interval": 86400}]
    """,
    "destinations.py": """
        import requests
        def deliver(id):
            requests.post("https://hooks.chat.io/rooms/", json={"id": id}, timeout=5)
    """,
    "check.py": """
        import requests
        def report():
            requests.post("https://version.acme.io/report", timeout=3)
        def daily():
            requests.get("https://stats.acme.io/daily", timeout=3)
    """,
}


_WEB = """
        web:
          image: acme/app
          command: gunicorn app.views:app
          ports: ["8000:8000"]
"""


def test_an_rq_job_calls_from_the_workers_consuming_its_queue_only(tmp_path: Any) -> None:
    # the web process only enqueues the subscribe job (default queue), which the worker given "default" runs; the
    # destination's delivery runs in the alert job (alerts queue) and in the web process's evaluate route, so the web
    # process and the alerts worker make it, not the default worker; the report function, enqueued on "emails", is the
    # alerts worker's; the scheduler's periodic job is the default worker's, which is given "periodic"
    drawn = _processes(str(tmp_path), _WEB + """
        worker:
          image: acme/app
          command: rq worker default periodic
        alerts:
          image: acme/app
          command: worker
          environment:
            QUEUES: "alerts,emails"
    """, _RQ_APP)
    assert drawn == ["interaction:alerts->hooks.chat.io", "interaction:alerts->version.acme.io",
                     "interaction:web->hooks.chat.io", "interaction:worker->stats.acme.io",
                     "interaction:worker->version.acme.io"]


def test_an_rq_job_stays_on_every_process_when_no_worker_is_given_its_queue(tmp_path: Any) -> None:
    drawn = _processes(str(tmp_path), _WEB + """
        worker:
          image: acme/app
          command: rq worker
    """, _RQ_APP)
    # a worker given no queue list may consume any: every call stays on both processes
    assert drawn == ["interaction:web->hooks.chat.io", "interaction:web->stats.acme.io",
                     "interaction:web->version.acme.io", "interaction:worker->hooks.chat.io",
                     "interaction:worker->stats.acme.io", "interaction:worker->version.acme.io"]


def test_build_time_scripts_and_management_commands_are_not_the_running_processes(tmp_path: Any) -> None:
    # the model download runs while the image is built (Dockerfile RUN), the release check is a Django management
    # command only the sync service's command runs; the web process makes neither call
    drawn = _processes(str(tmp_path), """
        web:
          build: .
          ports: ["8000:8000"]
        sync:
          build: .
          command: python manage.py check_release --quiet
    """, {
        "scripts/install_model.py": """
        import requests
        if __name__ == "__main__":
            requests.get("https://github.com/acme/model/releases/download/v1/model.bin")
    """,
        "license/management/commands/check_release.py": """
        import requests
        from django.core.management.base import BaseCommand
        class Command(BaseCommand):
            def handle(self, *args, **options):
                requests.get("https://api.acme.io/releases/latest", timeout=10)
    """,
        "views.py": """
        from django.http import JsonResponse
        def index(request):
            return JsonResponse({})
    """,
    }, dockerfile="""
        FROM python:3.12 AS base
        COPY app /srv/app
        RUN python $HOME/app/scripts/install_model.py
        FROM base
        CMD ["gunicorn", "app.wsgi"]
    """)
    assert drawn == ["interaction:sync->api.acme.io"]


def test_the_queues_a_worker_consumes_are_read_from_its_command_or_a_queue_list_variable() -> None:
    at = Location("compose.yaml", 1, 1)
    assert code_calls.consumed_queues("rq worker -u redis://r:6379 high,default low --burst", {}) == frozenset(
        {"high", "default", "low"})
    assert code_calls.consumed_queues("python manage.py rqworker emails", {}) == frozenset({"emails"})
    assert code_calls.consumed_queues("worker", {"QUEUES": ("periodic,emails default", at)}) == frozenset(
        {"periodic", "emails", "default"})
    assert code_calls.consumed_queues("rq worker $QUEUES", {"RQ_QUEUES": ("a", at)}) == frozenset({"a"})
    assert code_calls.consumed_queues("gunicorn app:app", {"QUEUE_URL": ("redis://r", at)}) is None


def test_a_call_to_the_default_url_of_a_variable_the_deployment_does_not_set_is_the_job_workers_only(
        tmp_path: Any) -> None:
    # every process handed the package would call the default host: the job that calls it runs on the worker given
    # its queue only
    views = """
        from flask import Flask
        app = Flask(__name__)
        @app.route("/health")
        def health():
            return "ok"
    """
    tasks = """
        import os
        import requests
        from rq.decorators import job
        HOST = os.getenv("METRICS_HOST", "api.metrics.io")
        @job("alerts")
        def push(series):
            requests.post(f"https://{HOST}/v1/series", json=series, timeout=5)
    """
    drawn = _processes(str(tmp_path), _WEB + """
        worker:
          image: acme/app
          command: rq worker alerts
    """, {"views.py": views, "tasks.py": tasks})
    assert drawn == ["interaction:worker->metrics-host"]


SETTINGS = """
    import os
    from typing import Final
    from app.parsers import get_int_from_env

    TIKA_ENDPOINT = os.getenv("TIKA_URL", "http://localhost:9998")
    GOTENBERG = os.getenv("GOTENBERG_URL", "http://localhost:3000")
    WORKER_LIMIT: Final[int] = get_int_from_env("WORKER_TIMEOUT", 1800)
    TWICE = 1
    TWICE = 2
"""
PARSER = """
    from django.conf import settings
    from gotenberg_client import GotenbergClient as Gotenberg
    from tika_client import TikaClient

    def parse(doc):
        with TikaClient(tika_url=settings.TIKA_ENDPOINT, timeout=settings.WORKER_LIMIT) as client:
            client.tika.as_text.from_buffer(doc, "text/html")
        with Gotenberg(settings.GOTENBERG) as client:
            client.merge.merge()
        TikaClient(tika_url=settings.TIKA_ENDPOINT, timeout=settings.TWICE)
"""


def test_a_client_class_of_one_servers_api_calls_its_url_with_a_timeout_read_from_django_settings() -> None:
    files = [("app/settings/__init__.py", src(SETTINGS)), ("app/parsers/office.py", src(PARSER))]
    calls = service_calls(files)
    assert [(c.client, c.url.var, c.url.default, c.timeout.seconds, c.timeout.var, c.timeout.defined, c.at.line)
            for c in calls] == [
        ("tika_client.TikaClient", "TIKA_URL", "http://localhost:9998", 1800.0, "WORKER_TIMEOUT",
         "app/settings/__init__.py:7", 6),  # the settings module's line, not the caller's
        ("gotenberg_client.GotenbergClient", "GOTENBERG_URL", "http://localhost:3000", 30.0, None, "", 8)]
    # the setting assigned twice is unknown: that call says nothing (unknown stays unknown)
    assert {c.at.line for c in calls} == {6, 8}


def test_settings_are_read_only_by_a_file_that_imports_djangos_settings_object() -> None:
    other = PARSER.replace("from django.conf import settings", "from app import settings")
    assert service_calls([("app/settings.py", src(SETTINGS)), ("app/office.py", src(other))]) == ()
    # and a name two settings modules assign is not known
    twice = [("a/settings.py", src(SETTINGS)), ("b/settings.py", "WORKER_LIMIT = 60\n"),
             ("app/office.py", src(PARSER))]
    assert [c.url.var for c in service_calls(twice)] == ["GOTENBERG_URL"]


def test_a_module_constant_and_an_environment_helper_give_a_timeout() -> None:
    code = """
        import environ
        import requests
        from django.conf import settings

        env = environ.Env()
        WAIT = 5
        PAY = env.str("PAY_URL", default="http://pay:8080")

        def charge():
            requests.post(PAY, timeout=WAIT)
            requests.get(env.str("RATES_URL", default="http://rates"), timeout=env.int("RATES_WAIT", default=9))
            requests.get(settings.LEDGER_URL, timeout=3)
    """
    calls = by_var(python_calls("svc/app.py", src(code)))
    assert (calls["PAY_URL"].timeout.seconds, calls["PAY_URL"].timeout.said) == (5.0, "WAIT")
    assert (calls["RATES_URL"].timeout.seconds, calls["RATES_URL"].timeout.var) == (9.0, "RATES_WAIT")
    assert "LEDGER_URL" not in calls  # no settings module handed over: the setting is unknown


def _deployed(tmp: str, caller: str, environment: dict[str, str]) -> str:
    """A compose file running ``caller`` with ``environment`` and each host its URLs name."""
    hosts = sorted({u.split("://", 1)[1].split(":", 1)[0] for u in environment.values()})
    lines = ["services:", f"  {caller}:", f"    image: acme/{caller}", "    environment:",
             *(f"      {k}: {v}" for k, v in environment.items()), *(f"  {h}:\n    image: acme/{h}" for h in hosts)]
    return write(tmp, "compose.yaml", "\n".join(lines) + "\n")


def test_the_target_of_a_drawn_interaction_is_stated_in_the_sources_document(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = _deployed(tmp, "web", {"TIKA_URL": "http://tika:9998", "GOTENBERG_URL": "http://gotenberg:3000"})
    write(tmp, "web/app/settings/__init__.py", SETTINGS)
    write(tmp, "web/app/parsers/office.py", PARSER)
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/web"])
    (source,) = [d for d in docs if getattr(d, "format", "") == "source"]
    assert {s["name"] for s in source.data["services"]} >= {"tika", "gotenberg"}  # the agent file loads alone
    design = load_documents(docs)
    assert fact(design, "interaction:web->tika").data["timeout_ms"] == 1_800_000
    assert fact(design, "interaction:web->gotenberg").data["timeout_ms"] == 30_000


MAIL = """
    from django.core.mail import send_mail
    from django.core.mail.backends.smtp import EmailBackend

    DEFAULT_EMAIL_TIMEOUT = 5

    def send(config, to):
        backend = EmailBackend(host=config.host, port=config.port, timeout=DEFAULT_EMAIL_TIMEOUT)
        send_mail("hi", "body", "shop@acme.test", [to], connection=backend)
"""


def _mail_project(tmp: str, code: str, settings: str = "") -> Any:
    compose = _deployed(tmp, "api", {"EMAIL_URL": "smtp://mailpit:1025"})
    write(tmp, "api/shop/mail.py", code)
    if settings:
        write(tmp, "api/shop/settings.py", settings)
    return load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/api"]))


def test_the_smtp_timeout_a_module_constant_gives_djangos_email_backend_bounds_the_call_to_the_mail_server(
        tmp_path: Any) -> None:
    (call,) = service_calls([("shop/mail.py", src(MAIL))])
    assert (call.client, call.scheme, call.timeout.seconds, call.timeout.said, call.at.line) == (
        "django EmailBackend", "smtp", 5.0, "DEFAULT_EMAIL_TIMEOUT", 7)
    mail = fact(_mail_project(str(tmp_path), MAIL), "interaction:api->mailpit")
    assert mail.data["timeout_ms"] == 5000 and mail.locate("timeout_ms").line == 7


def test_a_send_through_djangos_default_connection_takes_email_timeout(tmp_path: Any) -> None:
    default = MAIL + '    send_mail("hi", "body", "shop@acme.test", ["a@acme.test"])\n'
    assert [c.timeout.seconds for c in service_calls([("shop/mail.py", src(default))])] == [5.0, None]
    unbounded = fact(_mail_project(str(tmp_path / "a"), default), "interaction:api->mailpit")
    assert unbounded.data["timeout_ms"] == 0  # EMAIL_TIMEOUT unset: Django's None, no timeout
    settings = "from django.conf import settings\nEMAIL_TIMEOUT = 20\n"
    bounded = fact(_mail_project(str(tmp_path / "b"), default, settings), "interaction:api->mailpit")
    assert bounded.data["timeout_ms"] == 20_000  # the longest of 5 s and the setting's 20 s


def test_an_smtp_timeout_not_read_leaves_the_mail_call_unknown(tmp_path: Any) -> None:
    unread = MAIL.replace("timeout=DEFAULT_EMAIL_TIMEOUT", "timeout=config.timeout")
    assert service_calls([("shop/mail.py", src(unread))]) == ()
    assert "timeout_ms" not in fact(_mail_project(str(tmp_path), unread), "interaction:api->mailpit").data


ICONS = """
    import requests
    from django.conf import settings

    def icon(page):
        url = settings.ICON_PROVIDER.format(domain=page)
        return requests.get(url, stream=True)

    def mirror(page):
        return requests.get(settings.MIRROR.format(page), timeout=3)

    def unsure(page):
        return requests.get(settings.WHICH.format(page), timeout=3)
"""


def test_a_setting_of_a_star_imported_settings_module_formatted_as_a_template_gives_the_calls_url() -> None:
    # settings/__init__.py star-imports the module of either arm of a try; each arm star-imports base.py, whose
    # variable defaults to a constant of its own
    files = [("app/settings/__init__.py",
              "try:\n    from .dev import *\nexcept ImportError:\n    from .prod import *\n"),
             ("app/settings/dev.py", "from .base import *\nWHICH = 'https://dev.acme-cdn.io/{}'\n"),
             ("app/settings/prod.py", "from .base import *\nWHICH = 'https://prod.acme-cdn.io/{}'\n"),
             ("app/settings/base.py", src("""
                 import os
                 DEFAULT_ICONS = "https://icons.acme-cdn.io/v2?site={domain}&size=32"
                 ICON_PROVIDER = os.getenv("ICON_PROVIDER", DEFAULT_ICONS)
                 MIRROR = "https://mirror.acme-cdn.io/{}"
                 WHICH = "https://base.acme-cdn.io/{}"
             """)),
             ("app/icons.py", src(ICONS))]
    calls = {c.at.line: c for c in service_calls(files)}
    icon = calls[6]
    assert (icon.url.var, icon.url.default, icon.scheme, icon.timeout.seconds) == (
        "ICON_PROVIDER", "https://icons.acme-cdn.io/v2?site={domain}&size=32", "https", None)
    mirror = calls[9]
    assert (mirror.url.var, mirror.url.literal, mirror.timeout.seconds) == ("mirror.acme-cdn.io", True, 3.0)
    # dev.py and prod.py, rival arms of one try, both set it: which one runs is the installation's, unknown
    assert 12 not in calls
