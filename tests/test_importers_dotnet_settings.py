"""The settings files of .NET services (appsettings.json, appsettings.Production.json) read by the source import."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_dotnet_settings, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

LEDGER_SETTINGS = """{
  "Broker": {
    "Host": "queue",
    "Password": "s3cret-broker"
  },
  "Vault": {"ClientId": "your-client-id", "ClientSecret": "your-client-secret"},
  "ConnectionStrings": {
    "Books": "Server=tcp:ledgerdb,1433;Database=Books;User Id=ledger;Password=Shared#Pass1;Encrypt=true"
  }
}
"""


def test_connection_strings_and_credentials_of_the_production_settings(tmp_path: Any) -> None:
    # appsettings.Production.json replaces appsettings.json's entry; the Development file is not what runs
    root = str(tmp_path)
    write(root, "ledger/appsettings.json", '{"ConnectionStrings": {"Books": "Server=localhost;Database=Books"}}\n')
    write(root, "ledger/appsettings.Production.json", LEDGER_SETTINGS)
    write(root, "ledger/appsettings.Development.json",
          '{"ConnectionStrings": {"Audit": "Data Source=devbox;User Id=me;Password=dev-only"}}\n')
    found = code_dotnet_settings.connection_strings([os.path.join(root, "ledger")])
    assert [(c.name, c.host, c.at.line) for c in found] == [("Books", "ledgerdb", 8)]
    assert found[0].login is not None
    secrets = code_dotnet_settings.secrets([os.path.join(root, "ledger")])
    # a template's "your-client-secret" is left for the reader to replace: no credential
    assert [(s.name, s.at.line) for s in secrets] == [("Broker:Password", 4), ("ConnectionStrings:Books password", 8)]


def _with_ledgerdb(root: str, *services: str) -> Any:
    """The design of a compose project running SQL Server as ledgerdb and ``services`` (acme/<name>:2), each imported
    from its own source directory."""
    images = "".join(f"\n  {s}: {{image: acme/{s}:2}}" for s in services)
    write(root, "compose.yaml",
          'services:\n  ledgerdb: {image: "mcr.microsoft.com/mssql/server:2022-CU10-ubuntu-22.04"}' + images + "\n")
    return load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                          *(f"source={os.path.join(root, s)}" for s in services)]))


def test_two_services_signing_in_to_one_database_with_one_login(tmp_path: Any) -> None:
    # each service's connection string opens the deployment's datastore of that host; the same user and password
    # written out by both makes the datastore's credentials shared; a third service with its own login does not
    root = str(tmp_path)
    write(root, "ledger/appsettings.Production.json", LEDGER_SETTINGS)
    write(root, "ledger/Program.cs", "builder.Services.AddDbContext<Books>(o => o.UseSqlServer(cs));\n")
    # the same database (Books) under another key: two services of one database, which stays the server's
    write(root, "reports/appsettings.json", LEDGER_SETTINGS.replace('"Books":', '"Reports":'))
    write(root, "reports/Program.cs", "using var conn = new SqlConnection(cs);\n")
    write(root, "audit/appsettings.json",
          '{"ConnectionStrings": {"Trail": "Server=ledgerdb;User Id=auditor;Password=Other#Pass2"}}\n')
    write(root, "audit/Program.cs", "using var conn = new SqlConnection(cs);\n")
    design = _with_ledgerdb(root, "ledger", "reports", "audit")
    calls = {(f.data["from"], f.data["to"]): f.data for f in design.of_kind("interaction")}
    assert {("ledger", "ledgerdb"), ("reports", "ledgerdb"), ("audit", "ledgerdb")} <= set(calls)
    assert calls[("ledger", "ledgerdb")]["protocol"] == "sql"
    assert calls[("ledger", "ledgerdb")]["timeout_ms"] == 30000  # SqlClient's default command timeout
    store = design.by_key()["datastore:ledgerdb"]
    assert store.data["credentials_shared"] is True
    services = design.by_key()
    assert services["service:ledger"].data["secrets_source"] == "repo_config"
    assert services["service:audit"].data["secrets_source"] == "repo_config"


def test_a_broker_section_makes_a_worker_with_no_route_a_queue_worker(tmp_path: Any) -> None:
    # a section named for RabbitMQ with a Host reaches that workload with messages (style async); a service of the
    # deployment with no port, no route and nothing calling it, that exchanges messages so, is a queue worker
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          bus: {image: "rabbitmq:3.13-management"}
          mailer: {image: acme/mailer:4}
        """)
    write(root, "mailer/appsettings.json", '{"RabbitMqConsumer": {"HostName": "bus", "Queue": "mails"}}\n')
    write(root, "mailer/Worker.cs", "public class Worker : BackgroundService { }\n")
    found = code_dotnet_settings.brokers([os.path.join(root, "mailer")])
    assert [(b.section, b.host, b.protocol, b.at.line) for b in found] == [("RabbitMqConsumer", "bus", "amqp", 1)]
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'mailer')}"])
    design = load_documents(docs)
    calls = {(f.data["from"], f.data["to"]): f.data for f in design.of_kind("interaction")}
    assert calls[("mailer", "bus")]["style"] == "async" and calls[("mailer", "bus")]["protocol"] == "amqp"
    assert design.by_key()["service:mailer"].data["kind"] == "worker"


BOOKING_MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: booking}
spec:
  replicas: 2
  selector: {matchLabels: {app: booking}}
  template:
    metadata: {labels: {app: booking}}
    spec:
      containers: [{name: booking, image: "acme/booking:5", ports: [{containerPort: 8088}]}]
---
apiVersion: v1
kind: Service
metadata: {name: booking}
spec:
  type: LoadBalancer
  selector: {app: booking}
  ports: [{port: 8088}]
"""


def test_an_image_listening_on_plain_http_published_by_its_own_service_serves_its_routes_without_tls(
        tmp_path: Any) -> None:
    # the Dockerfile in the service's directory tells Kestrel to listen on http:// only, and the LoadBalancer
    # publishes that port itself: each route is served over plain HTTP; an https:// URL among them says nothing
    root = str(tmp_path)
    write(root, "k8s/booking.yaml", BOOKING_MANIFEST)
    write(root, "booking/Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ASPNETCORE_URLS=http://+:8088\n"
                                      'ENTRYPOINT ["dotnet", "Booking.dll"]\n')
    write(root, "booking/Controllers/SlotsController.cs", """
        [Route("api/slots")]
        public class SlotsController : ControllerBase
        {
            [HttpPost]
            public IActionResult Book([FromBody] Slot s) => Ok();
        }
        """)
    found = code_dotnet_settings.plain_listener([os.path.join(root, "booking")])
    assert found is not None and found[1].line == 2
    docs = load_artifacts([f"kubernetes={os.path.join(root, 'k8s')}", f"source={os.path.join(root, 'booking')}"])
    book = load_documents(docs).by_key()["endpoint:POST /api/slots"]
    assert book.data["tls"] is False
    write(root, "booking/Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:8.0\n"
                                      "ENV ASPNETCORE_URLS=http://+:8088;https://+:8443\n")
    assert code_dotnet_settings.plain_listener([os.path.join(root, "booking")]) is None


def test_csharp_code_that_reads_no_credential_leaves_its_routes_unauthenticated(tmp_path: Any) -> None:
    # C# is read for credentials too: a controller whose service configures no authentication states authn none on
    # its routes; a CancellationToken (the signal that stops an awaited call) is no credential; [Authorize] is one
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  parts: {image: acme/parts:1}\n  till: {image: acme/till:1}\n")
    for svc, attribute in (("parts", ""), ("till", "[Authorize]")):
        write(root, f"{svc}/Controllers/StockController.cs", f"""
            [Route("api/stock")]
            {attribute}
            public class StockController : ControllerBase
            {{
                [HttpGet("{{sku}}")]
                public async Task<IActionResult> Get(string sku, CancellationToken cancellationToken) => Ok();
            }}
            """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'parts')}",
                           f"source={os.path.join(root, 'till')}"])
    endpoints = {(f.data["served_by"], f.data.get("authn")) for f in load_documents(docs).of_kind("endpoint")
                 if f.data.get("path") == "/api/stock/{sku}"}
    assert endpoints == {("parts", "none"), ("till", None)}


def test_rabbitmq_sections_naming_an_exchange_make_its_producers_and_consumers(tmp_path: Any) -> None:
    # the section of a sender names only the exchange: it produces to it; a section binding a queue to the exchange
    # consumes it (the channel is the exchange, each reader's queue bound to it); a section that says neither role,
    # only how to reach the broker, names no channel
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          mq: {image: "rabbitmq:3.13-management"}
          billing: {image: acme/billing:1}
          letters: {image: acme/letters:1}
        """)
    write(root, "billing/appsettings.json", '{"RabbitMQ": {"Host": "mq", "Exchange": "Audit"}}\n')
    write(root, "billing/appsettings.Production.json",
          '{"RabbitSender": {"Host": "mq", "Exchange": "Ledger"}, "Other": {"Exchange": "Nope"}}\n')
    write(root, "billing/Worker.cs", "public class Worker : BackgroundService { }\n")
    write(root, "letters/appsettings.Production.json",
          '{\n  "RabbitMQHandler": {\n    "Host": "mq",\n    "Exchange": "Ledger",\n    "Queue": "Letters"\n  }\n}\n')
    write(root, "letters/Worker.cs", "public class Worker : BackgroundService { }\n")
    uses = code_dotnet_settings.channel_uses([os.path.join(root, "letters")])
    assert [(u.role, u.channel, u.kind, u.at.line) for u in uses] == [("consumer", "Ledger", None, 4)]
    assert [(u.role, u.channel) for u in code_dotnet_settings.channel_uses([os.path.join(root, "billing")])] == [
        ("producer", "Ledger")]
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("billing", "letters"))])
    design = load_documents(docs)
    channels = {f.key: f.data for f in design.of_kind("channel")}
    assert set(channels) == {"channel:Ledger"}
    assert channels["channel:Ledger"]["producers"] == ["billing"]
    assert [c["service"] for c in channels["channel:Ledger"]["consumers"]] == ["letters"]
    calls = {(f.data["from"], f.data["to"]): f.data for f in design.of_kind("interaction")}
    assert calls[("billing", "Ledger")]["protocol"] == "amqp"


def test_a_queue_named_by_a_consumer_section_is_the_channel_it_reads(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "mailer/appsettings.json", '{"RabbitMqConsumer": {"HostName": "bus", "QueueName": "mails"}}\n')
    uses = code_dotnet_settings.channel_uses([os.path.join(root, "mailer")])
    assert [(u.role, u.channel, u.kind) for u in uses] == [("consumer", "mails", "queue")]


def test_a_service_address_the_code_reads_from_its_settings_is_a_call_to_that_workload(tmp_path: Any) -> None:
    # The kiosk keeps where its back ends listen in its settings and reads two of them by name; the third entry is
    # never read, the fourth names the developer's machine, and the fifth is overridden by the deployment, which
    # points it elsewhere: none of those three is a call drawn from the settings.
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          kiosk:
            image: acme/kiosk:1
            environment:
              Backends__Loyalty: "http://points:9000"
          tickets: {image: acme/tickets:1}
          seats: {image: acme/seats:1}
          archive: {image: acme/archive:1}
          loyalty: {image: acme/loyalty:1}
          points: {image: acme/points:1}
        """)
    write(root, "kiosk/appsettings.Production.json", """{
  "Backends": {
    "Tickets": "tickets:7000",
    "Seats": "http://seats/api",
    "Archive": "http://archive:7100",
    "Loyalty": "http://loyalty:7200"
  },
  "ReportingUrl": "http://localhost:7300"
}
""")
    write(root, "kiosk/Clients.cs", """
        public class Clients
        {
            public Clients(IConfiguration config)
            {
                var backends = config.GetSection("Backends");
                Tickets = new Uri($"http://{backends.GetValue<string>("Tickets")}");
                Seats = new Uri(config["Backends:Seats"]);
                Loyalty = new Uri(backends.GetValue<string>("Loyalty"));
                Reports = new Uri(config["ReportingUrl"]);
            }
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'kiosk')}"])
    design = load_documents(docs)
    calls = {(f.data["from"], f.data["to"]): f for f in design.of_kind("interaction")}
    assert calls[("kiosk", "tickets")].data["protocol"] == "http"
    assert calls[("kiosk", "tickets")].data["style"] == "sync"
    assert calls[("kiosk", "tickets")].locate("to").line == 3
    assert "Backends:Seats" in calls[("kiosk", "seats")].data["inferred_from"]
    assert ("kiosk", "archive") not in calls  # its key is never read
    assert ("kiosk", "loyalty") not in calls  # the deployment's Backends__Loyalty replaces the file's value
    assert ("kiosk", "points") in calls  # ... and is drawn from the deployment itself


def test_a_connection_string_that_trusts_any_server_certificate(tmp_path: Any) -> None:
    # TrustServerCertificate=true (any case, spaces in the key) has the client accept any certificate: the call and
    # the datastore are tls_verify false; a service whose string does not say so keeps its call unstated
    root = str(tmp_path)
    for service, entry in (("ledger", '"Books": "Server=ledgerdb;Database=Books;Trust Server Certificate = True"'),
                           ("audit", '"Trail": "Server=ledgerdb;Encrypt=true;TrustServerCertificate=false"')):
        write(root, f"{service}/appsettings.json", '{"ConnectionStrings": {' + entry + "}}\n")
        write(root, f"{service}/Program.cs", "using var conn = new SqlConnection(cs);\n")
    found = code_dotnet_settings.connection_strings([os.path.join(root, "ledger")])
    assert [(c.name, c.unverified) for c in found] == [("Books", "Trust Server Certificate = True")]
    design = _with_ledgerdb(root, "ledger", "audit")
    calls = {(f.data["from"], f.data["to"]): f.data for f in design.of_kind("interaction")}
    assert calls[("ledger", "ledgerdb")]["tls_verify"] is False
    assert "tls_verify" not in calls[("audit", "ledgerdb")]
    assert design.by_key()["datastore:ledgerdb"].data["tls_verify"] is False


@pytest.mark.parametrize("entry", ['"Books": "Server=ledgerdb;Encrypt=False;TrustServerCertificate=True"',
                                   '"Books": "Host=ledgerdb;SSL Mode=Disable;Trust Server Certificate=true"'])
def test_a_connection_string_that_asks_for_no_tls_verifies_nothing_it_could_skip(tmp_path: Any, entry: str) -> None:
    # no TLS is asked for: the connection is plain (the tls question), so trusting any certificate says nothing
    root = str(tmp_path)
    write(root, "ledger/appsettings.json", '{"ConnectionStrings": {' + entry + "}}\n")
    (found,) = code_dotnet_settings.connection_strings([os.path.join(root, "ledger")])
    assert (found.host, found.unverified) == ("ledgerdb", None)
