"""ASP.NET Core services in the vertical-slice style (Carter modules mapping minimal API routes that hand MediatR
commands to their handlers, Marten for storage, Entity Framework Core migrations), as ``archplan import source`` reads
them (the held-out aspnetrun microservices showed them misread), on fixtures of our own."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def _endpoints(root: str, service: str) -> dict[tuple[str, str], dict[str, Any]]:
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, service)}"])
    return {(f.data["method"], f.data["path"]): f.data for f in load_documents(docs).of_kind("endpoint")
            if f.data.get("served_by") == service and "method" in f.data}


_MARTEN_PROGRAM = """
    var builder = WebApplication.CreateBuilder(args);
    builder.Services.AddCarter();
    builder.Services.AddMarten(opts => opts.Connection(builder.Configuration.GetConnectionString("Db")!))
        .UseLightweightSessions();
    var app = builder.Build();
    app.MapCarter();
    app.Run();
    """

_MARTEN_MODULE = """
    public class NotesModule : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapGet("/notes/{id}", async (Guid id, IDocumentSession session) =>
                Results.Ok(await session.LoadAsync<Note>(id)));
        }
    }
    """


def test_a_marten_session_or_an_ef_core_principal_key_is_no_credential(tmp_path: Any) -> None:
    # a service whose only "session" is Marten's unit of work (IDocumentSession, UseLightweightSessions, a session
    # opened from the store) and whose only "principal" is an EF Core migration's referenced table reads no caller's
    # credential: its routes are open to anyone
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  notes: {image: acme/notes:1, ports: ['8080:8080']}\n")
    write(root, "notes/Program.cs", _MARTEN_PROGRAM)
    write(root, "notes/NotesModule.cs", _MARTEN_MODULE)
    write(root, "notes/Seed.cs", """
        public class Seed
        {
            public async Task Populate(IDocumentStore store)
            {
                using var session = store.LightweightSession();
                session.Store(new Note());
                await session.SaveChangesAsync();
            }
        }
        """)
    write(root, "notes/Migrations/Initial.cs", """
        public partial class Initial : Migration
        {
            protected override void Up(MigrationBuilder b)
            {
                b.CreateTable(name: "Tags", columns: t => new { Id = t.Column<Guid>() },
                    constraints: t => t.ForeignKey(name: "FK", column: x => x.Id, principalTable: "Notes",
                                                   principalColumn: "Id"));
            }
        }
        """)
    ep = _endpoints(root, "notes")[("GET", "/notes/{id}")]
    assert ep.get("authn") == "none"


def test_an_http_session_still_reads_the_caller(tmp_path: Any) -> None:
    # the same service reading ASP.NET Core's HttpContext.Session says nothing of its routes' authentication
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  notes: {image: acme/notes:1, ports: ['8080:8080']}\n")
    write(root, "notes/Program.cs", _MARTEN_PROGRAM)
    write(root, "notes/NotesModule.cs", _MARTEN_MODULE.replace(
        "Results.Ok(await session.LoadAsync<Note>(id)));",
        "Results.Ok(await session.LoadAsync<Note>(id)));\n"
        "            app.MapGet(\"/me\", (HttpContext ctx) => ctx.Session.GetString(\"user\"));"))
    ep = _endpoints(root, "notes")[("GET", "/notes/{id}")]
    assert "authn" not in ep


_CARTER_COMPOSE = """
services:
  shelf:
    image: acme/shelf:1
    ports: ["8080:8080"]
    environment:
      ConnectionStrings__Db: "Server=db;Port=5432;Database=Shelf;User Id=app;Password=${DB_PASSWORD}"
      PricesUrl: "http://prices:8080"
  prices:
    image: acme/prices:1
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data:
"""

_CARTER_MODULE = """
    public record RenameRequest(Guid Id, string Name);
    public class ShelfModule : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app)
        {
            app.MapPut("/items", async (RenameRequest request, ISender sender) =>
            {
                var command = request.Adapt<RenameCommand>();
                return Results.Ok(await sender.Send(command));
            });
            app.MapPost("/items/search", async (SearchRequest request, ISender sender) =>
                Results.Ok(await sender.Send(new SearchItemsCommand(request.Text))));
        }
    }
    """

_CARTER_HANDLERS = """
    public record RenameCommand(Guid Id, string Name) : ICommand<RenameResult>;
    public class RenameHandler(IDocumentSession session) : ICommandHandler<RenameCommand, RenameResult>
    {
        public async Task<RenameResult> Handle(RenameCommand command, CancellationToken cancellationToken)
        {
            var item = await session.LoadAsync<Item>(command.Id, cancellationToken);
            item.Name = command.Name;
            session.Update(item);
            await session.SaveChangesAsync(cancellationToken);
            return new RenameResult(true);
        }
    }
    public record SearchItemsCommand(string Text) : ICommand<SearchResult>;
    public class SearchItemsHandler(IDocumentSession session) : ICommandHandler<SearchItemsCommand, SearchResult>
    {
        public async Task<SearchResult> Handle(SearchItemsCommand command, CancellationToken cancellationToken)
            => new SearchResult(await session.Query<Item>().Where(i => i.Name.Contains(command.Text)).ToListAsync());
    }
    """


def _carter(root: str, *extra: tuple[str, str]) -> Any:
    write(root, "compose.yaml", _CARTER_COMPOSE)
    write(root, "shelf/Program.cs", _MARTEN_PROGRAM)
    write(root, "shelf/ShelfModule.cs", _CARTER_MODULE)
    write(root, "shelf/Handlers.cs", _CARTER_HANDLERS)
    for name, text in extra:
        write(root, f"shelf/{name}", text)
    return load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                          f"source={os.path.join(root, 'shelf')}"]))


def test_a_route_whose_mediatr_command_handler_writes_is_a_write(tmp_path: Any) -> None:
    # the PUT maps its body to a command (Mapster's Adapt) that a handler with a primary constructor saves through
    # Marten: the route changes state; the POST's command handler only queries: its method alone says nothing
    design = _carter(str(tmp_path))
    endpoints = {(f.data["method"], f.data["path"]): f.data for f in design.of_kind("endpoint")
                 if f.data.get("served_by") == "shelf" and "method" in f.data}
    assert endpoints[("PUT", "/items")].get("mutating") is True
    assert "mutating" not in endpoints[("POST", "/items/search")]


def test_a_mediatr_command_handler_that_publishes_and_writes_is_a_dual_write(tmp_path: Any) -> None:
    # a command handler (primary constructor: a repository and MassTransit's IPublishEndpoint) that publishes an event
    # and then deletes from its store is a workflow named after its command, with no outbox
    design = _carter(str(tmp_path), ("Checkout.cs", """
        public record CheckoutShelfCommand(string Owner) : ICommand<bool>;
        public class CheckoutShelfHandler(IShelfRepository repository, IPublishEndpoint publishEndpoint)
            : ICommandHandler<CheckoutShelfCommand, bool>
        {
            public async Task<bool> Handle(CheckoutShelfCommand command, CancellationToken cancellationToken)
            {
                await publishEndpoint.Publish(new ShelfCheckedOut(command.Owner), cancellationToken);
                await repository.DeleteShelf(command.Owner, cancellationToken);
                return true;
            }
        }
        """))
    flows = {f.data["name"]: f.data for f in design.of_kind("workflow")}
    assert flows["checkout-shelf"].get("publish_mechanism") == "direct"
    assert "rename" not in flows  # one write to its own store: nothing to keep together


def test_marten_and_refit_clients_keep_their_drivers_default_timeouts(tmp_path: Any) -> None:
    # Marten opens Npgsql connections (30 s command timeout); a Refit client is a typed client of the HTTP client
    # factory (HttpClient's 100 s)
    design = _carter(str(tmp_path), ("Clients.cs", """
        public static class Clients
        {
            public static void Add(IServiceCollection services, IConfiguration config) =>
                services.AddRefitClient<IPrices>()
                    .ConfigureHttpClient(c => c.BaseAddress = new Uri(config["PricesUrl"]!));
        }
        """))
    calls = {f.data["to"]: f.data for f in design.of_kind("interaction") if f.data.get("from") == "shelf"}
    assert calls["db"].get("timeout_ms") == 30000
    assert calls["prices"].get("timeout_ms") == 100000


@pytest.mark.parametrize(("handler", "expected"), [
    pytest.param("new HttpClientHandler { ServerCertificateCustomValidationCallback = "
                 "HttpClientHandler.DangerousAcceptAnyServerCertificateValidator }", False, id="accept-any-validator"),
    pytest.param("new HttpClientHandler { ServerCertificateCustomValidationCallback = (m, c, ch, e) => true }", False,
                 id="lambda-returning-true"),
    pytest.param("new HttpClientHandler()", None, id="default-validation"),
])
def test_a_client_registration_accepting_any_certificate_skips_tls_verification(tmp_path: Any, handler: str,
                                                                                expected: bool | None) -> None:
    # the gRPC client's address comes from a setting the deployment's variable (A__B) gives: the call drawn to that
    # workload accepts any certificate when its primary handler's callback does
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          till:
            image: acme/till:1
            environment: {Rates__Url: "https://rates:8081"}
          rates:
            image: acme/rates:1
        """)
    write(root, "till/Program.cs", """
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddGrpcClient<Rates.RatesClient>(options =>
        {
            options.Address = new Uri(builder.Configuration["Rates:Url"]!);
        })
        .ConfigurePrimaryHttpMessageHandler(() => HANDLER);
        var app = builder.Build();
        app.Run();
        """.replace("HANDLER", handler))
    design = load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                            f"source={os.path.join(root, 'till')}"]))
    calls = {f.data["to"]: f.data for f in design.of_kind("interaction") if f.data.get("from") == "till"}
    assert calls["rates"].get("tls_verify") is expected


_YARP_SETTINGS = """
{
  "ReverseProxy": {
    "Routes": {
      "shelf-route": {
        "ClusterId": "shelf-cluster",
        "Match": { "Path": "/shelf-service/{**catch-all}" },
        "Transforms": [ { "PathPattern": "{**catch-all}" } ]
      },
      "till-route": {
        "ClusterId": "till-cluster",
        "RateLimiterPolicy": "fixed",
        "Match": { "Path": "/till/{**rest}", "Methods": ["POST"] }
      }
    },
    "Clusters": {
      "shelf-cluster": { "Destinations": { "d1": { "Address": "http://shelf.api:8080" } } },
      "till-cluster": { "Destinations": { "d1": { "Address": "http://till:8080" } } }
    }
  }
}
"""


def test_a_yarp_projects_settings_make_it_a_gateway_in_front_of_the_services(tmp_path: Any) -> None:
    # a project with no route of its own whose appsettings.json configures YARP: each route is an endpoint of the
    # gateway routed to its cluster's destinations (a dotted compose name is the workload, not a public host), with
    # YARP's 100 s default timeout; a PathPattern of the catch-all alone strips the prefix, so the service's own route
    # is placed behind it; a RateLimiterPolicy limits the route; a service published beside its route is reached
    # directly too
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          gateway: {image: acme/gateway:1, ports: ["6004:8080"]}
          shelf.api: {image: acme/shelf:1, ports: ["6000:8080"]}
          till: {image: acme/till:1}
        """)
    write(root, "gateway/Program.cs", """
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        var app = builder.Build();
        app.MapReverseProxy();
        app.Run();
        """)
    write(root, "gateway/appsettings.json", _YARP_SETTINGS)
    write(root, "shelf/Program.cs", """
        var app = WebApplication.CreateBuilder(args).Build();
        app.MapGet("/items/{id}", (Guid id) => Results.Ok(id));
        app.Run();
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           f"source:gateway={os.path.join(root, 'gateway')}",
                           f"source:shelf.api={os.path.join(root, 'shelf')}"])
    design = load_documents(docs)
    endpoints = {(f.data["method"], f.data["path"]): f.data for f in design.of_kind("endpoint") if "method" in f.data}
    assert endpoints[("ANY", "/shelf-service/**")]["routes_to"] == ["shelf.api"]
    assert endpoints[("POST", "/till/**")].get("rate_limit") is True
    assert ("GET", "/shelf-service/items/{id}") in endpoints
    calls = {f.data["to"]: f.data for f in design.of_kind("interaction") if f.data.get("from") == "gateway"}
    assert calls["shelf.api"].get("timeout_ms") == 100000
    assert not list(design.of_kind("external"))


def test_a_cart_of_priced_lines_mapped_whole_into_a_command_prices_itself(tmp_path: Any) -> None:
    # the body wraps a cart whose lines carry a price and a quantity (one level down); the handler maps the request
    # whole into a command (Adapt) whose MediatR handler reads each line's price: the client prices its own cart; a
    # basket addressed by its owner's user name in the path names that object
    design = _carter(str(tmp_path), ("Cart.cs", """
        public class CartLine { public int Quantity { get; set; } public decimal Price { get; set; } }
        public class Cart { public string UserName { get; set; } public List<CartLine> Lines { get; set; } = new(); }
        public record SaveCartRequest(Cart Cart);
        public record SaveCartCommand(Cart Cart) : ICommand<bool>;
        public class CartModule : ICarterModule
        {
            public void AddRoutes(IEndpointRouteBuilder app)
            {
                app.MapPost("/cart", async (SaveCartRequest request, ISender sender) =>
                    Results.Ok(await sender.Send(request.Adapt<SaveCartCommand>())));
                app.MapGet("/cart/{userName}", async (string userName, ISender sender) =>
                    Results.Ok(await sender.Send(new GetCartQuery(userName))));
            }
        }
        public class SaveCartHandler(IDocumentSession session) : ICommandHandler<SaveCartCommand, bool>
        {
            public async Task<bool> Handle(SaveCartCommand command, CancellationToken cancellationToken)
            {
                foreach (var line in command.Cart.Lines) { line.Price -= 1; }
                session.Store(command.Cart);
                await session.SaveChangesAsync(cancellationToken);
                return true;
            }
        }
        """))
    endpoints = {(f.data["method"], f.data["path"]): f.data for f in design.of_kind("endpoint")
                 if f.data.get("served_by") == "shelf" and "method" in f.data}
    assert endpoints[("POST", "/cart")].get("amount_from_client") is True
    assert endpoints[("GET", "/cart/{userName}")].get("takes_object_id") is True
    assert "takes_object_id" not in endpoints[("POST", "/items/search")]


_CACHE_ONLY = 'services.AddStackExchangeRedisCache(o => o.Configuration = config.GetConnectionString("Redis"));'


@pytest.mark.parametrize(("code", "role"), [
    pytest.param('services.AddStackExchangeRedisCache(o => o.Configuration = config.GetConnectionString("Redis"));',
                 "cache", id="distributed-cache-only"),
    pytest.param('services.AddStackExchangeRedisCache(o => o.Configuration = config.GetConnectionString("Redis"));\n'
                 '        services.AddSingleton<IConnectionMultiplexer>(ConnectionMultiplexer.Connect("cache"));', None,
                 id="a-multiplexer-too"),
    pytest.param("ONLY", None, id="its-only-store"),
])
def test_redis_reached_only_as_the_distributed_cache_is_a_cache(tmp_path: Any, code: str, role: str | None) -> None:
    # a Redis without a volume that the service registers only as ASP.NET Core's IDistributedCache, in front of the
    # database it also reaches, holds entries it may lose (no ephemeral-storage risk); one it also reaches through a
    # multiplexer may hold anything, and one that is its only store holds the only copy (a cart)
    root = str(tmp_path)
    only = code == "ONLY"
    code = _CACHE_ONLY if only else code
    write(root, "compose.yaml", """
        services:
          shelf:
            image: acme/shelf:1
            environment: {ConnectionStrings__Redis: "cache:6379", ConnectionStrings__Db: "Host=db;Database=shelf"}
            depends_on: [cache, db]
          cache: {image: "redis:7"}
          db: {image: "postgres:16", volumes: ["data:/var/lib/postgresql/data"]}
        volumes:
          data:
        """)
    write(root, "shelf/Wiring.cs", "public static class Wiring {\n  public static void Add(IServiceCollection s, "
                                   "IConfiguration config) {\n    " + code.replace("services.", "s.") + "\n  }\n}\n")
    if only:
        compose = os.path.join(root, "compose.yaml")
        with open(compose, encoding="utf-8") as f:
            text = f.read()
        with open(compose, "w", encoding="utf-8") as f:
            f.write(text.replace(', ConnectionStrings__Db: "Host=db;Database=shelf"', "").replace(", db]", "]"))
    design = load_documents(load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                                            f"source={os.path.join(root, 'shelf')}"]))
    store = next(f.data for f in design.of_kind("datastore") if f.data.get("name") == "cache")
    assert store.get("role") == role
