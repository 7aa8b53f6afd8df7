"""A session cookie a Java filter sets on every request (code_java_cookies): each route of the service that sets
no cookie of its own gets its flags."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write

CONTROLLER = """
    package shop.web;

    import org.springframework.web.bind.annotation.*;

    @RestController
    public class ShelfController {
      @GetMapping("/shelves")
      public String shelves() { return "[]"; }

      @PostMapping("/shelves")
      public String add() { return "{}"; }
    }
"""

TICKETS = """
    package shop.web;

    import org.springframework.http.ResponseCookie;
    import org.springframework.web.server.ServerWebExchange;

    public final class Tickets {
      public static final String TICKET_COOKIE = "VISITOR_SESSION";

      public static void stamp(ServerWebExchange exchange, String id) {
        ResponseCookie c = ResponseCookie.from(TICKET_COOKIE, id).path("/"){secure}.build();
        exchange.getResponse().addCookie(c);
      }
    }
"""

FILTER = """
    package shop.web;

    import org.springframework.stereotype.Component;
    import org.springframework.web.server.*;
    import reactor.core.publisher.Mono;

    @Component
    public class TicketFilter implements WebFilter {
      @Override
      public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getCookies().getFirst(Tickets.TICKET_COOKIE) == null) {
          Tickets.stamp(exchange, java.util.UUID.randomUUID().toString());
        }
        return chain.filter(exchange);
      }
    }
"""


def _cookies(tmp_path: Any, secure: str = "", with_filter: bool = True) -> dict[str, Any]:
    root = tmp_path / "kiosk"
    write(str(root), "src/main/java/shop/web/ShelfController.java", CONTROLLER)
    write(str(root), "src/main/java/shop/web/Tickets.java", TICKETS.replace("{secure}", secure))
    if with_filter:
        write(str(root), "src/main/java/shop/web/TicketFilter.java", FILTER)
    docs = import_paths("source", [str(root)])
    return {str(e["name"]): e.get("session_cookie") for d in docs for e in d.data.get("endpoints", [])}


def test_a_cookie_a_filter_has_built_reaches_every_route_with_spring_defaults(tmp_path: Any) -> None:
    found = _cookies(tmp_path)
    assert found["kiosk-GET-/shelves"] == {"secure": False, "http_only": False}
    assert found["kiosk-POST-/shelves"] == {"secure": False, "http_only": False}


def test_flags_the_builder_sets_are_kept(tmp_path: Any) -> None:
    found = _cookies(tmp_path, secure=".secure(true).httpOnly(true).sameSite(\"Strict\")")
    assert found["kiosk-GET-/shelves"] == {"secure": True, "http_only": True, "same_site": "strict"}


def test_a_cookie_no_filter_builds_gives_the_routes_none(tmp_path: Any) -> None:
    found = _cookies(tmp_path, with_filter=False)
    assert found["kiosk-GET-/shelves"] is None
