"""`import source`: a service nothing reaches, that exchanges messages through a broker, is a queue worker."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_BROKERED = """
    services:
      kafka:
        image: bitnami/kafka:3.7
      ledger:
        image: acme/ledger
        environment: {KAFKA_ADDR: "kafka:9092"}
      audit:
        image: acme/audit
        environment: {KAFKA_ADDR: "kafka:9092"}
      shop:
        image: acme/shop
        environment: {KAFKA_ADDR: "kafka:9092", AUDIT_ADDR: "audit:8080"}
"""


def test_a_service_that_only_consumes_from_a_broker_is_a_worker(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", _BROKERED + """
      open:
        image: acme/open
        ports: ["9000:9000"]
        environment: {KAFKA_ADDR: "kafka:9092"}
      api:
        image: acme/api
        environment: {KAFKA_ADDR: "kafka:9092"}
""")
    for name in ("ledger", "audit", "shop", "open"):
        write(tmp, f"{name}/main.py", "import os\n")
    write(tmp, "api/app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route('/x')
        def x():
            return ''
    """)
    specs = [f"compose={compose}", *(f"source={tmp}/{n}" for n in ("ledger", "audit", "shop", "open", "api"))]
    design = load_documents(load_artifacts(specs))
    ledger = fact(design, "service:ledger").data
    assert ledger.get("kind") == "worker"
    assert fact(design, "interaction:ledger->kafka").data.get("style") == "async"
    assert "kind" not in fact(design, "service:audit").data  # shop calls it
    assert "kind" not in fact(design, "service:open").data  # a published port: anyone may send it requests
    assert "kind" not in fact(design, "service:api").data  # its code declares a route


_HEALTH_ONLY = '''
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHostedService<ReminderSender>();
var app = builder.Build();
app.UseRouting();
app.UseEndpoints(e => { e.MapHealthChecks("/hc"); e.MapHealthChecks("/liveness"); });
app.Run();
'''


def test_a_published_port_that_serves_only_health_checks_leaves_a_broker_client_a_worker(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          rabbit:
            image: rabbitmq:3-management
          reminders:
            image: acme/reminders
            ports: ["5301:80"]
            environment: {EventBusConnection: rabbit}
          notices:
            image: acme/notices
            ports: ["5302:80"]
            environment: {EventBusConnection: rabbit}
          board:
            image: acme/board
            ports: ["5303:80"]
            environment: {Checks__0__Uri: "http://reminders/hc", Checks__1__Uri: "http://notices/hc"}
    """)
    write(tmp, "reminders/Program.cs", _HEALTH_ONLY)
    # a SignalR hub beside its health checks serves requests on that port
    write(tmp, "notices/Program.cs", _HEALTH_ONLY.replace('e.MapHealthChecks("/liveness");',
                                                          'e.MapHub<NoticeHub>("/hub/notices");'))
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/reminders", f"source={tmp}/notices"])
    design = load_documents(docs)
    assert fact(design, "service:reminders").data.get("kind") == "worker"
    keys = design.by_key()
    assert "endpoint:reminders-entry" not in keys  # its port serves no request
    assert "kind" not in fact(design, "service:notices").data
    assert "endpoint:notices-entry" in keys
    assert any(text.startswith("reminders-entry not drawn: reminders serves no request (its code maps health "
                               "checks and no route") for d in docs for _at, text in d.remarks)


def test_a_service_whose_code_is_not_handed_over_is_a_worker_when_nothing_reaches_it(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", _BROKERED)
    write(tmp, "shop/main.py", "import os\n")  # the only code handed over
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    ledger = fact(design, "service:ledger")
    assert ledger.data.get("kind") == "worker"
    assert "kind" not in fact(design, "service:audit").data  # shop calls it: it may serve requests


_EXPRESS_HEALTH = """
    const express = require('express');
    const app = express();
    app.get('%s', (req, res) => res.send('ok'));
    app.listen(3000);
"""


def test_a_broker_client_whose_code_routes_only_its_health_checks_is_a_worker(tmp_path: Any) -> None:
    # Any framework: a service whose routes are all health checks' (a NestJS or Express /health-check) answers its
    # probes only. Nothing else reaching it and a broker feeding it, it is a queue worker, and its health route is
    # no endpoint of the design (no request is served there).
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", _BROKERED)
    write(tmp, "ledger/server.js", _EXPRESS_HEALTH % "/v1/health-check")
    write(tmp, "audit/server.js", _EXPRESS_HEALTH % "/v1/reports")  # a real route: it may serve requests
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/ledger", f"source={tmp}/audit"])
    design = load_documents(docs)
    ledger = fact(design, "service:ledger")
    assert ledger.data.get("kind") == "worker"
    assert any(n.startswith("kind worker: its code maps health checks and no route (")
               for d in docs for n in getattr(d, "notes", {}).get("service:ledger", []))
    keys = design.by_key()
    assert not any(k.startswith("endpoint:") and "health-check" in k for k in keys)
    assert "kind" not in fact(design, "service:audit").data
    assert any(k.startswith("endpoint:") and "/v1/reports" in k for k in keys)
