"""A C# message handler (a Dapr ``[Topic]`` action) that changes a stored value by an amount and saves it repeats
that change when the message is delivered again: its consumer is not idempotent
(``code_cs_workflows.redelivery_repeats``, read by ``code_dapr``)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_dapr, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_CONTROLLER = """
    public class LedgerEventsController : ControllerBase
    {
        [Topic("ticketbus", "TicketsSold")]
        public Task OnSold(TicketsSold e, [FromServices] TicketsSoldHandler handler) =>
            handler.Handle(e);

        [Topic("ticketbus", "ShowRenamed")]
        [HttpPost("renamed")]
        public async Task OnRenamed(ShowRenamed e, [FromServices] ShowRenamedHandler handler)
        {
            await handler.Handle(e);
        }
    }
    """

_SOLD = """
    public class TicketsSoldHandler
    {
        private readonly VenueContext _venue;

        public TicketsSoldHandler(VenueContext venue)
        {
            _venue = venue;
        }

        public async Task Handle(TicketsSold e)
        {
            var show = _venue.Shows.Find(e.ShowId);
            show.Sell(e.Count);
            await _venue.SaveChangesAsync();
        }
    }
    """

_RENAMED = """
    public class ShowRenamedHandler
    {
        private readonly VenueContext _venue;

        public async Task Handle(ShowRenamed e)
        {
            var show = _venue.Shows.Find(e.ShowId);
            show.Title = e.Title;
            await _venue.SaveChangesAsync();
        }
    }
    """

_SHOW = """
    public class Show
    {
        public int SeatsLeft { get; set; }
        public string Title { get; set; }

        public void Sell(int count)
        {
            if (count > SeatsLeft) throw new InvalidOperationException();
            SeatsLeft -= count;
        }
    }
    """


def _uses(**files: str) -> dict[str, str | None]:
    found = code_dapr.uses([(f"{name}.cs", text) for name, text in files.items()])
    return {str(u.channel): u.repeats for u in found if u.role == "consumer"}


def test_a_topic_handler_that_takes_an_amount_from_a_saved_value_repeats_it_on_redelivery() -> None:
    found = _uses(LedgerEventsController=_CONTROLLER, TicketsSoldHandler=_SOLD, ShowRenamedHandler=_RENAMED,
                  Show=_SHOW)
    sold = found["TicketsSold"]
    assert sold is not None
    assert "SeatsLeft -= count; at Show.cs:" in sold  # followed into the entity's method the handler calls
    assert "SaveChangesAsync() at TicketsSoldHandler.cs:" in sold
    assert found["ShowRenamed"] is None  # setting a value outright is the same however often it is done


def test_nothing_is_said_when_the_change_is_not_saved_or_the_service_records_handled_messages() -> None:
    unsaved = _SOLD.replace("await _venue.SaveChangesAsync();", "")
    assert _uses(LedgerEventsController=_CONTROLLER, TicketsSoldHandler=unsaved, ShowRenamedHandler=_RENAMED,
                 Show=_SHOW)["TicketsSold"] is None
    inbox = _SOLD.replace("var show", "if (await _venue.ProcessedMessages.AnyAsync(m => m.Id == e.Id)) return;\n"
                                      "            var show")
    assert _uses(LedgerEventsController=_CONTROLLER, TicketsSoldHandler=inbox, ShowRenamedHandler=_RENAMED,
                 Show=_SHOW)["TicketsSold"] is None
    reset = _SHOW.replace("SeatsLeft -= count;", "SeatsLeft = 0;\n            SeatsLeft -= count;")
    assert _uses(LedgerEventsController=_CONTROLLER, TicketsSoldHandler=_SOLD, ShowRenamedHandler=_RENAMED,
                 Show=reset)["TicketsSold"] is None  # set outright first: the result is the same each time


_COMPOSE = """
    services:
      ledger: {image: "acme/ledger:2.0.1"}
      ledger-sidecar:
        image: daprio/daprd:1.12.0
        command: ["./daprd", "-app-id", "ledger", "-app-port", "80", "-components-path", "/components"]
        network_mode: "service:ledger"
        volumes: ["./components/:/components"]
      mq: {image: "rabbitmq:3.13"}
    """
_TICKETBUS = """
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata: {name: ticketbus}
    spec:
      type: pubsub.rabbitmq
      version: v1
      metadata: [{name: host, value: "amqp://mq:5672"}]
    """


def test_the_consumer_of_the_imported_channel_is_not_idempotent(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "components/ticketbus.yaml", _TICKETBUS)
    for name, text in (("Controllers/LedgerEventsController.cs", _CONTROLLER), ("TicketsSoldHandler.cs", _SOLD),
                       ("ShowRenamedHandler.cs", _RENAMED), ("Model/Show.cs", _SHOW)):
        write(root, f"ledger/{name}", text)
    compose = write(root, "docker-compose.yml", _COMPOSE)
    sources = [f"compose={compose}", f"source:ledger={os.path.join(root, 'ledger')}"]
    design = load_documents(load_artifacts(sources))
    sold = fact(design, "channel:TicketsSold").data
    assert sold["delivery"] == "at_least_once"
    assert sold["consumers"] == [{"service": "ledger", "idempotent": False}]
    assert fact(design, "channel:ShowRenamed").data["consumers"] == [{"service": "ledger"}]
