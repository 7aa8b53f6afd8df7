"""`import source`: a PUT, PATCH or DELETE route is ``mutating`` whatever its framework, even when its handler is
read for writes and none is found by name (the domain's own method, ``order.markCancelled()``): those methods are
defined to change their target's state (RFC 9110 §9.3.4-9.3.5, RFC 5789). A POST whose handler writes nothing
known stays unknown (a POST may be a query), and a write found keeps its own note. A gateway's route, which passes
the request on, is so only when a service behind it serves the same method and path."""

from __future__ import annotations

from typing import Any

from engine.importers import compose_routes, import_paths
from tests.helpers import write

COUNTER = """
package acme.counter;

@RestController
@RequestMapping("/tickets")
public class TicketController {

    @Autowired
    private TicketRepository tickets;

    @GetMapping("/{ticketId}")
    public Ticket one(@PathVariable("ticketId") long ticketId) {
        return tickets.findById(ticketId);
    }

    @PutMapping("/{ticketId}/close")
    public void close(@PathVariable("ticketId") long ticketId) {
        Ticket ticket = tickets.findById(ticketId);
        ticket.markClosed();
    }

    @PatchMapping("/{ticketId}")
    public void retitle(@PathVariable("ticketId") long ticketId, @RequestBody Title title) {
        tickets.findById(ticketId).retitle(title.getText());
    }

    @DeleteMapping("/{ticketId}/tags/{tagId}")
    public void untag(@PathVariable("ticketId") long ticketId, @PathVariable("tagId") long tagId) {
        tickets.findById(ticketId).withoutTag(tagId);
    }

    @PostMapping("/search")
    public List<Ticket> search(@RequestBody Query query) {
        return tickets.findByOwner(query.getOwner());
    }

    @PutMapping("/{ticketId}")
    public Ticket replace(@PathVariable("ticketId") long ticketId, @RequestBody Ticket ticket) {
        return tickets.save(ticket);
    }
}
"""


def _imported(tmp_path: Any) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    write(str(tmp_path), "counter/src/main/java/acme/counter/TicketController.java", COUNTER)
    (doc,) = import_paths("source", [str(tmp_path / "counter")])
    eps = {f"{e['method']} {e['path']}": e for e in doc.data["endpoints"]}
    notes = {f"{e['method']} {e['path']}": list(doc.notes.get(f"endpoint:{e['name']}", ()))
             for e in doc.data["endpoints"]}
    return eps, notes


def test_a_put_patch_or_delete_with_no_write_known_by_name_is_mutating(tmp_path: Any) -> None:
    eps, notes = _imported(tmp_path)
    for route in ("PUT /tickets/{ticketId}/close", "PATCH /tickets/{ticketId}",
                  "DELETE /tickets/{ticketId}/tags/{tagId}"):
        assert eps[route]["mutating"] is True, route
        assert any("RFC 9110" in n for n in notes[route]), notes[route]
    assert "mutating" not in eps["GET /tickets/{ticketId}"]


def test_a_post_with_no_write_found_stays_unknown(tmp_path: Any) -> None:
    eps, _ = _imported(tmp_path)
    assert "mutating" not in eps["POST /tickets/search"]


def test_a_write_found_keeps_its_own_reason(tmp_path: Any) -> None:
    eps, notes = _imported(tmp_path)
    route = "PUT /tickets/{ticketId}"
    assert eps[route]["mutating"] is True
    assert any("its handler writes" in n for n in notes[route]), notes[route]
    assert not any("RFC 9110" in n for n in notes[route])


EDGE = """
@Configuration
public class Routes {
  @Bean
  public RouteLocator routes(RouteLocatorBuilder b, Targets t) {
    return b.routes()
        .route(r -> r.path("/tickets/{ticketId}/close").and().method("PUT").uri(t.counterUrl()))
        .route(r -> r.path("/tickets/search").and().method("PUT").uri(t.counterUrl()))
        .route(r -> r.path("/tickets/search").and().method("DELETE").uri(t.counterUrl()))
        .build();
  }
}
"""


def test_a_gateway_route_is_mutating_only_where_a_service_behind_serves_its_method(tmp_path: Any) -> None:
    write(str(tmp_path), "counter/src/main/java/acme/counter/TicketController.java", COUNTER)
    write(str(tmp_path), "edge/src/main/java/acme/edge/Routes.java", EDGE)
    docs = compose_routes(import_paths("source", [str(tmp_path / "counter")])
                          + import_paths("source", [str(tmp_path / "edge")]))
    gateway = {f"{ep['method']} {ep['path']}": ep for d in docs for ep in d.data.get("endpoints") or []
               if ep.get("served_by") == "edge"}
    assert gateway["PUT /tickets/{ticketId}/close"]["mutating"] is True  # counter's PUT handler, behind it
    assert "mutating" not in gateway["PUT /tickets/search"]  # counter serves POST there: a PUT finds no handler
    assert "mutating" not in gateway["DELETE /tickets/search"]
