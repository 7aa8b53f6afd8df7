"""What ASP.NET Core minimal API routes require of their callers, as ``archplan import source`` reads it (the held-out
dotnet/eShop's ordering and catalogue APIs showed it unread), on fixtures of our own."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def _endpoints(root: str, service: str) -> dict[tuple[str, str], dict[str, Any]]:
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, service)}"])
    return {(f.data["method"], f.data["path"]): f.data for f in load_documents(docs).of_kind("endpoint")
            if f.data.get("served_by") == service and "method" in f.data}


def test_minimal_api_authorization_from_the_route_its_group_and_the_call_that_maps_it(tmp_path: Any) -> None:
    # RequireAuthorization() chained on the call of the extension method that maps a group (Program.cs), on a group's
    # declaration (with a policy: a role check), [Authorize] on an inline handler; a handler that never refers to the
    # caller compares it with no object (authz none, role); one that reads the caller, or AllowAnonymous(), says
    # nothing; a route with no authorization at all in a service that authenticates callers is open to anyone
    # (authn none); the route mapped only in development is no route of the deployed service
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  desk: {image: acme/desk:1}\n")
    write(root, "desk/Program.cs", """
        builder.Services.AddAuthentication().AddJwtBearer();
        var app = builder.Build();
        var tickets = app.NewVersionedApi("Tickets");
        tickets.MapTicketsApi().RequireAuthorization();
        if (app.Environment.IsDevelopment())
        {
            app.MapGet("/", () => Results.Redirect("/swagger"));
        }
        var staff = app.MapGroup("/staff").RequireAuthorization("agents");
        staff.MapDelete("/notes/{noteId}", (int noteId, Notes notes) => notes.Remove(noteId));
        app.MapPost("/notes", AddNote);
        app.MapGet("/notes/{noteId}", [Authorize] (int noteId, Notes notes) => notes.Find(noteId));
        app.MapGet("/mine/{noteId}", (int noteId, ClaimsPrincipal user, Notes notes) => notes.Of(user, noteId))
           .RequireAuthorization();
        app.MapGet("/public/{noteId}", (int noteId, Notes notes) => notes.Find(noteId)).AllowAnonymous();
        app.Run();

        static async Task<Created> AddNote(Note note, Notes notes)
        {
            notes.Add(note);
            await notes.SaveChangesAsync();
            return TypedResults.Created();
        }
        """)
    write(root, "desk/Apis/TicketsApi.cs", """
        public static class TicketsApi
        {
            public static RouteGroupBuilder MapTicketsApi(this IEndpointRouteBuilder app)
            {
                var api = app.MapGroup("api/tickets");
                api.MapGet("{ticketId:int}", GetTicketAsync);
                api.MapGet("/", GetMyTicketsAsync);
                return api;
            }

            public static async Task<Ok<Ticket>> GetTicketAsync(int ticketId, [AsParameters] TicketServices services)
            {
                var ticket = await services.Queries.FindAsync(ticketId);
                return TypedResults.Ok(ticket);
            }

            public static async Task<Ok<List<Ticket>>> GetMyTicketsAsync([AsParameters] TicketServices services)
            {
                var userId = services.IdentityService.GetUserIdentity();
                return TypedResults.Ok(await services.Queries.OfAsync(userId));
            }
        }
        """)
    endpoints = _endpoints(root, "desk")
    assert ("GET", "/") not in endpoints
    assert endpoints[("GET", "/api/tickets/{ticketId}")].get("authz") == "none"
    assert "authn" not in endpoints[("GET", "/api/tickets/{ticketId}")]
    assert "authz" not in endpoints[("GET", "/api/tickets")]
    assert endpoints[("DELETE", "/staff/notes/{noteId}")].get("authz") == "role"
    assert endpoints[("GET", "/notes/{noteId}")].get("authz") == "none"
    assert endpoints[("POST", "/notes")].get("authn") == "none"
    for key in (("GET", "/mine/{noteId}"), ("GET", "/public/{noteId}")):
        assert "authz" not in endpoints[key] and "authn" not in endpoints[key]


def test_minimal_api_routes_of_a_service_that_sets_up_no_authentication_are_not_guessed_open(tmp_path: Any) -> None:
    # the code reads a token (so it is not code that reads no credential at all) but sets up no authentication: what
    # checks callers is not known, so a route without RequireAuthorization is not stated open (as for controllers)
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  shelf: {image: acme/shelf:1}\n")
    write(root, "shelf/Program.cs", """
        var token = builder.Configuration["Upstream:Token"];
        var app = builder.Build();
        app.MapPost("/books", (Book b, Db db) => { db.Add(b); db.SaveChanges(); });
        app.Run();
        """)
    assert "authn" not in _endpoints(root, "shelf")[("POST", "/books")]


def test_csharp_handlers_that_send_a_request_to_an_address_from_the_request_fetch_a_user_url(tmp_path: Any) -> None:
    # a minimal API handler handing the request's GrantUrl to a method of the service's code that builds a request
    # message for it; a controller action calling HttpClient with the request's TargetUri itself; one that compares
    # the address's prefix first, and one that only stores it, fetch nothing
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  relay: {image: acme/relay:1}\n")
    write(root, "relay/Program.cs", """
        var app = builder.Build();
        app.MapPost("/subscriptions", async (SubscriptionRequest request, IProbe probe, Db db) =>
        {
            if (await probe.AnswersAsync(request.Token, request.GrantUrl))
            {
                db.Add(new Subscription(request.GrantUrl));
                await db.SaveChangesAsync();
            }
        });
        app.MapPost("/bookmarks", async (Bookmark b, Db db) => { db.Add(b.PageUrl); await db.SaveChangesAsync(); });
        app.Run();
        """)
    write(root, "relay/Probe.cs", """
        public class Probe(IHttpClientFactory factory) : IProbe
        {
            public async Task<bool> AnswersAsync(string token, string address)
            {
                var message = new HttpRequestMessage(HttpMethod.Options, address);
                message.Headers.Add("X-Token", token);
                return (await factory.CreateClient().SendAsync(message)).IsSuccessStatusCode;
            }
        }
        """)
    write(root, "relay/Controllers/PingController.cs", """
        [Route("api/[controller]")]
        public class PingController(HttpClient client) : ControllerBase
        {
            [HttpPost]
            public async Task<IActionResult> Post([FromBody] PingRequest request)
            {
                var answer = await client.GetAsync(request.TargetUri);
                return Ok(answer.StatusCode);
            }

            [HttpPost("checked")]
            public async Task<IActionResult> Checked([FromBody] PingRequest request)
            {
                if (!request.TargetUri.StartsWith("https://status.example.com/")) return BadRequest();
                return Ok((await client.GetAsync(request.TargetUri)).StatusCode);
            }
        }
        """)
    endpoints = _endpoints(root, "relay")
    for key in (("POST", "/subscriptions"), ("POST", "/api/Ping")):
        assert endpoints[key].get("fetches_user_url") is True and endpoints[key].get("url_allowlist") is False
    for key in (("POST", "/bookmarks"), ("POST", "/api/Ping/checked")):
        assert "fetches_user_url" not in endpoints[key]


def test_minimal_api_orders_priced_by_the_client_through_a_mediator_command(tmp_path: Any) -> None:
    # the body parameter (a positional record, the file's last type) holds lines that each carry a price and a
    # quantity; the handler builds a command from those lines and sends it to a mediator whose handler for that command
    # reads each line's price: the amount comes from the client; a quote that only computes, and a command whose
    # handler looks the price up, say nothing
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  till: {image: acme/till:1}\n")
    write(root, "till/Program.cs", """
        var app = builder.Build();
        var sales = app.MapGroup("api/sales");
        sales.MapPost("/", SalesHandlers.PlaceSaleAsync);
        sales.MapPost("/refunds", SalesHandlers.RefundAsync);
        sales.MapPost("/quote", (QuoteRequest q, IPricing pricing) => pricing.Total(q.Lines));
        app.Run();
        """)
    write(root, "till/Apis/SalesHandlers.cs", """
        public static class SalesHandlers
        {
            public static async Task<Ok> PlaceSaleAsync(SaleRequest request, [AsParameters] SaleServices services)
            {
                var command = new PlaceSaleCommand(request.Lines, request.Shop);
                await services.Mediator.Send(command);
                return TypedResults.Ok();
            }

            public static async Task<Ok> RefundAsync(RefundRequest request, IMediator mediator)
            {
                await mediator.Send(new RefundCommand(request.Lines));
                return TypedResults.Ok();
            }
        }

        public record QuoteRequest(List<SaleLine> Lines);
        public record RefundRequest(List<SaleLine> Lines);
        public record SaleRequest(string Shop, List<SaleLine> Lines);
        """)
    write(root, "till/Models/SaleLine.cs", """
        public class SaleLine
        {
            public int ProductId { get; init; }
            public decimal UnitPrice { get; init; }
            public int Quantity { get; init; }
        }
        """)
    write(root, "till/Commands/Handlers.cs", """
        public class PlaceSaleCommandHandler : IRequestHandler<PlaceSaleCommand, bool>
        {
            public async Task<bool> Handle(PlaceSaleCommand message, CancellationToken ct)
            {
                foreach (var line in message.Lines) _sale.Add(line.ProductId, line.UnitPrice, line.Quantity);
                return await _sales.SaveAsync(_sale);
            }
        }

        public class RefundCommandHandler : IRequestHandler<RefundCommand, bool>
        {
            public async Task<bool> Handle(RefundCommand message, CancellationToken ct)
            {
                foreach (var line in message.Lines) _refund.Add(line.ProductId, await _catalog.PriceOf(line.ProductId));
                return await _refunds.SaveAsync(_refund);
            }
        }
        """)
    endpoints = _endpoints(root, "till")
    assert endpoints[("POST", "/api/sales")].get("amount_from_client") is True
    for key in (("POST", "/api/sales/refunds"), ("POST", "/api/sales/quote")):
        assert "amount_from_client" not in endpoints[key]


_SHOP_FILES = {"Program.cs": """
        builder.Services.AddAuthentication().AddJwtBearer();
        var app = builder.Build();
        var api = app.MapGroup("api/orders").RequireAuthorization();
        api.MapPut("/cancel", CancelAsync);
        api.MapPut("/items", UpdateItemAsync);
        api.MapPut("/retry", RetryAsync);
        api.MapPost("/hold", HoldAsync);
        app.Run();

        static async Task<Ok> CancelAsync([FromHeader(Name = "x-requestid")] Guid requestId, CancelOrder command,
            [AsParameters] Services services) { await services.Mediator.Send(command); return TypedResults.Ok(); }
        static async Task<Ok> UpdateItemAsync(Item item, [AsParameters] Services services)
        { await services.Mediator.Send(item); return TypedResults.Ok(); }
        static async Task<Ok> RetryAsync(Retry retry, [AsParameters] Services services)
        { await services.Mediator.Send(retry); return TypedResults.Ok(); }
        static async Task<Ok> HoldAsync(CancelOrder command, [AsParameters] Services services)
        { await services.Mediator.Send(command); return TypedResults.Ok(); }
        """, "Commands.cs": """
        public record CancelOrder(int OrderNumber) : IRequest<bool>;
        public record Item(int Id, int CatalogTypeId, string Name);
        public record Retry(Guid RequestId, string Reason);
        """, "Controllers/BasketController.cs": """
        [Route("api/v1/[controller]")]
        [Authorize]
        public class BasketController : ControllerBase
        {
            [HttpPut]
            [Route("items")]
            public async Task<ActionResult> UpdateQuantitiesAsync([FromBody] UpdateItems data)
            {
                var basket = await _basket.GetByIdAsync(data.BasketId);
                await _basket.UpdateAsync(basket);
                return Ok();
            }
        }
        public class UpdateItems
        {
            public string BasketId { get; set; }
            public IEnumerable<Line> Updates { get; set; }
        }
        """}


def test_a_body_naming_one_object_by_its_id_or_number_takes_an_object_id(tmp_path: Any) -> None:
    """A PUT whose minimal API handler binds a command with one id-like field (an int OrderNumber), and a controller
    action whose [FromBody] type names a basket by a string BasketId, take an object id, and neither compares it with
    the caller (authz none); a body naming several ids (a whole entity), one naming only a request's id, and a POST
    (which creates) take none."""
    write(str(tmp_path), "compose.yaml", "services:\n  shop: {image: acme/shop:1}\n")
    for name, text in _SHOP_FILES.items():
        write(str(tmp_path), f"shop/{name}", text)
    endpoints = _endpoints(str(tmp_path), "shop")
    cancel = endpoints[("PUT", "/api/orders/cancel")]
    assert cancel.get("takes_object_id") is True and cancel.get("authz") == "none"
    items = endpoints[("PUT", "/api/v1/Basket/items")]
    assert items.get("takes_object_id") is True and items.get("authz") == "none"
    for key in (("PUT", "/api/orders/items"), ("PUT", "/api/orders/retry"), ("POST", "/api/orders/hold")):
        assert "takes_object_id" not in endpoints[key], key
