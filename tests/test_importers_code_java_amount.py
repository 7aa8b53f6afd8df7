"""`import source`: a Spring MVC write whose request body a method of the service charges by its price or total
states ``amount_from_client``; copying the total into a record does not."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from engine.importers.code_java_amount import body_type, charged
from tests.helpers import write
from tests.importer_helpers import design_of, fact

CONTROLLER = """
    package shop.tickets;

    @RestController
    @RequestMapping("/tickets")
    public class TicketController {
        private final TicketService tickets;

        @PostMapping("/purchase")
        public Receipt purchase(@Valid @RequestBody PurchaseForm form) {
            return tickets.purchase(form);
        }

        @PostMapping("/reserve")
        public Ticket reserve(@RequestBody ReserveForm form) {
            return tickets.reserve(form);
        }

        @GetMapping("/{id}")
        public Ticket one(@PathVariable long id) { return tickets.one(id); }
    }
"""
SERVICE = """
    package shop.tickets;

    @Service
    public class TicketService {
        private final CardGateway gateway;
        private final TicketRepository repo;

        public Receipt purchase(PurchaseForm form) {
            Ticket t = repo.save(new Ticket(form.seat()));
            return gateway.chargeCard(form.cardToken(), form.getTotalPrice());
        }

        public Ticket reserve(ReserveForm form) {
            // the total is kept with the reservation as given; an order's paymentStatus is no charge
            return repo.save(Ticket.builder().seat(form.seat()).total(form.total())
                .paymentStatus(form.paymentStatus()).build());
        }
    }
"""


def test_the_body_type_of_a_handler_and_where_it_is_charged() -> None:
    import textwrap

    code = textwrap.dedent(CONTROLLER)
    assert body_type(code, code.index("@PostMapping(\"/purchase\")")) == "PurchaseForm"
    assert body_type(code, code.index("@GetMapping")) is None
    java = [("TicketService.java", textwrap.dedent(SERVICE))]
    assert charged("PurchaseForm", java) == "TicketService.java:11"
    assert charged("ReserveForm", java) is None


def test_only_the_route_whose_body_total_is_charged_takes_the_amount_from_the_client(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "tickets/src/main/java/shop/tickets/TicketController.java", CONTROLLER)
    write(tmp, "tickets/src/main/java/shop/tickets/TicketService.java", SERVICE)
    d = design_of(import_paths("source", [f"{tmp}/tickets"]))
    assert fact(d, "endpoint:tickets-POST-/tickets/purchase").data.get("amount_from_client") is True
    assert "amount_from_client" not in fact(d, "endpoint:tickets-POST-/tickets/reserve").data
