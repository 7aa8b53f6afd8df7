"""RabbitMQ channels of C# code on RabbitMQ.Client (code_amqp), a shared bus library handed over with each service."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

# A bus library two services are built with: it publishes to a direct exchange declared with the client's defaults
# (non-durable), persistent messages, no publisher confirms; it consumes a durable queue bound to the exchange and
# acknowledges after the handler.
BUS_USINGS = "global using RabbitMQ.Client;\nglobal using RabbitMQ.Client.Events;\n"
BUS = """
    namespace Kiosk.Bus;

    public sealed class RabbitBus : IBus
    {
        private const string HUB = "kiosk_hub";
        private readonly IModel _inbound;
        private readonly string _inbox;

        public RabbitBus(IConnection connection, string inbox)
        {
            _inbox = inbox;
            _inbound = OpenInbound(connection);
        }

        public void Send(Notice notice)
        {
            using var model = _connection.CreateModel();
            model.ExchangeDeclare(exchange: HUB, type: "direct");
            var props = model.CreateBasicProperties();
            props.DeliveryMode = 2;
            model.BasicPublish(exchange: HUB, routingKey: notice.Kind, mandatory: false, basicProperties: props,
                               body: notice.Bytes);
        }

        public void Listen<T>(string kind)
        {
            _inbound.QueueBind(queue: _inbox, exchange: HUB, routingKey: kind);
            Begin();
        }

        private void Begin()
        {
            var consumer = new AsyncEventingBasicConsumer(_inbound);
            consumer.Received += OnNotice;
            _inbound.BasicConsume(queue: _inbox, autoAck: false, consumer: consumer);
        }

        private async Task OnNotice(object sender, BasicDeliverEventArgs args)
        {
            await Handle(args);
            _inbound.BasicAck(args.DeliveryTag, multiple: false);
        }

        private IModel OpenInbound(IConnection connection)
        {
            var model = connection.CreateModel();
            model.ExchangeDeclare(exchange: HUB, type: "direct");
            model.QueueDeclare(queue: _inbox, durable: true, exclusive: false, autoDelete: false, arguments: null);
            return model;
        }
    }
    """


def _design(root: str, service: str, *more: str) -> Any:
    return load_documents(import_paths("source", [os.path.join(root, p) for p in (service, *more)],
                                       service=service))


def _shared_bus(root: str) -> None:
    write(root, "bus/Usings.cs", BUS_USINGS)
    write(root, "bus/RabbitBus.cs", BUS)
    write(root, "till/Controllers/SaleController.cs", """
        namespace Kiosk.Till;
        public class SaleController
        {
            private readonly IBus _bus;
            public void Close(Sale sale) { _bus.Send(new Notice("sale-closed")); }
        }
        """)
    write(root, "ledger/Startup.cs", """
        namespace Kiosk.Ledger;
        public class Startup
        {
            public void Configure(IBus bus, IConnection connection)
            {
                var own = new RabbitBus(connection, "ledger");
                bus.Listen<SaleClosed>("sale-closed");
            }
        }
        """)


def test_a_shared_csharp_bus_makes_producers_of_publishers_and_consumers_of_subscribers(tmp_path: Any) -> None:
    root = str(tmp_path)
    _shared_bus(root)
    till = _design(root, "till", "bus")
    channel = fact(till, "channel:kiosk_hub").data
    assert channel["producers"] == ["till"]
    assert "consumers" not in channel  # the till never subscribes: the library's consume path is not its
    assert channel["producer_acks"] == "none"
    assert channel["durable"] is False  # the exchange is declared with the client's default, non-durable
    assert fact(till, "interaction:till->kiosk_hub").data["protocol"] == "amqp"
    ledger = _design(root, "ledger", "bus")
    channel = fact(ledger, "channel:kiosk_hub").data
    assert "producers" not in channel
    assert channel["consumers"] == [{"service": "ledger", "commit": "after_processing"}]


def test_without_the_bus_library_no_csharp_channel_is_imported(tmp_path: Any) -> None:
    root = str(tmp_path)
    _shared_bus(root)
    assert not [k for k in _design(root, "till").by_key() if k.startswith("channel:")]


def test_csharp_confirms_durable_declarations_and_auto_ack(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "press/Printer.cs", """
        using RabbitMQ.Client;
        namespace Press;
        public class Printer
        {
            public void Run(IModel ch)
            {
                ch.ConfirmSelect();
                ch.ExchangeDeclare("pages", ExchangeType.Fanout, true, false, null);
                ch.QueueDeclare("pages-archive", true, false, false, null);
                ch.QueueBind("pages-archive", "pages", "");
                var props = ch.CreateBasicProperties();
                props.Persistent = true;
                ch.BasicPublish("pages", "", props, body);
                ch.WaitForConfirmsOrDie();
                ch.BasicPublish("", "proofs", null, body);
                ch.BasicConsume("pages-archive", true, new EventingBasicConsumer(ch));
            }
        }
        """)
    design = _design(root, "press")
    pages = fact(design, "channel:pages").data
    assert pages["durable"] is True
    assert "producer_acks" not in pages  # confirms are on
    assert pages["consumers"] == [{"service": "press", "commit": "before_processing"}]
    proofs = fact(design, "channel:proofs").data
    assert proofs["kind"] == "queue"
    assert proofs["durable"] is False  # published with no persistent delivery mode


SWITCHED = """
    namespace Kiosk;
    public class Startup
    {
        public void ConfigureServices(IServiceCollection services)
        {
            if (Configuration.GetValue<bool>("CloudBusEnabled"))
            {
                services.AddSingleton<IBus>(sp => new CloudBus(Configuration["BusConnection"]));
            }
            else
            {
                services.AddSingleton<IBus>(sp => new RabbitBus(sp.GetRequiredService<IConnection>(), "inbox"));
            }
        }
        public void Configure(IBus bus) { bus.Listen<SaleClosed>("sale-closed"); }
    }
    """


def test_the_deployment_setting_that_picks_one_of_two_buses_decides_the_channel(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          rabbitmq: {image: "rabbitmq:3-management"}
          till:
            image: kiosk/till:1
            environment: [CloudBusEnabled=False]
          ledger:
            image: kiosk/ledger:1
            environment: [CloudBusEnabled=True]
          audit:
            image: kiosk/audit:1
        """)
    for service in ("till", "ledger", "audit"):
        write(root, f"{service}/Usings.cs", BUS_USINGS)
        write(root, f"{service}/RabbitBus.cs", BUS)
        write(root, f"{service}/Startup.cs", SWITCHED)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("till", "ledger", "audit"))])
    design = load_documents(docs)
    consumers = [c["service"] for c in fact(design, "channel:kiosk_hub").data["consumers"]]
    # ledger's deployment turns the other bus on; audit's sets nothing, so its RabbitMQ bus is kept, and said so
    assert sorted(consumers) == ["audit", "till"]
    remarks = " ".join(str(r) for d in docs for r in getattr(d, "remarks", ()))
    assert "ledger would use kiosk_hub" in remarks and "CloudBusEnabled=True" in remarks
    notes = " ".join(n for d in docs for n in getattr(d, "notes", {}).get("channel:kiosk_hub", []))
    assert "deployment sets CloudBusEnabled=False" in notes
    assert "CloudBusEnabled is false, which its deployment does not set" in notes
