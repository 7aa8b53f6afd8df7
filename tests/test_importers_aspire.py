"""`import aspire`: a .NET Aspire AppHost's builder calls -> services, datastores, dependencies and YARP routes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError
from engine.importers import aspire, detect, import_paths
from tests.importer_helpers import design_of, fact

APPHOST = """\
using Aspire.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// a comment naming builder.AddRedis("ghost") is no resource
var cache = builder.AddRedis("cache");
var bus = builder
    .AddRabbitMQ("bus")
    .WithDataVolume();
var pg = builder.AddPostgres("pg")
    .WithImage("example/pgvector")
    .WithImageTag("latest")
    .WithLifetime(ContainerLifetime.Persistent);
var ordersDb = pg.AddDatabase("ordersdb");
var password = builder.AddParameter("pg-password", secret: true);

var orders = builder.AddProject<Projects.Orders_Api>("orders-api")
    .WithReference(ordersDb)
    .WaitFor(ordersDb)
    .WithReference(bus)
    .WithHttpHealthCheck("/health")
    .WithReplicas(3)
    .WithSomethingUnknown(42, "x");

var web = builder.AddProject<Projects.Web>("web")
    .WithExternalHttpEndpoints()
    .WithReference(orders)
    .WithReference(cache)
    .WithEnvironment("API_PASSWORD", "hunter2")
    .WithEnvironment("Db__Password", password);

builder.AddContainer("legacy", "example/legacy-worker", "1.2.3")
    .WithReference(orders);

builder.Build().Run();
"""


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_resources_dependencies_and_what_their_chains_state(tmp_path: Path) -> None:
    path = _write(tmp_path, "Program.cs", APPHOST)
    docs = import_paths("aspire", [path])
    d = design_of(docs)
    assert {f.name for f in d.of_kind("service")} == {"bus", "orders-api", "web", "legacy"}
    # the comment's "ghost" is not read; the server's database is a datastore of its own
    assert {f.name for f in d.of_kind("datastore")} == {"cache", "pg", "ordersdb"}
    pg = fact(d, "datastore:pg")
    assert pg.data["engine"] == "postgres" and pg.data["replicas"] == 0 and pg.data["failover"] == "none"
    # a persistent lifetime keeps the container, not its data: no volume, so not durable
    assert pg.data["durable_storage"] is False
    assert fact(d, "datastore:cache").data["durable_storage"] is False
    orders = fact(d, "service:orders-api")
    assert orders.data["replicas"] == 3 and orders.data["health"]["readiness"] is True
    assert orders.data["exposure"] == "internal"
    assert orders.location.line == _line(APPHOST, '"orders-api"')
    # a reference to a server's database is a dependency on that database; WaitFor is no call; the unknown call is
    # passed over
    to_pg = fact(d, "interaction:orders-api->ordersdb")
    assert to_pg.data["protocol"] == "sql" and to_pg.data["style"] == "sync"
    assert to_pg.location.line == _line(APPHOST, ".WithReference(ordersDb)")
    assert fact(d, "interaction:orders-api->bus").data["style"] == "async"
    web = fact(d, "service:web")
    assert web.data["exposure"] == "public" and web.data["replicas"] == 1
    assert web.data["health"]["readiness"] is False
    assert web.data["secrets_source"] == "repo_config"  # API_PASSWORD's literal; the parameter is no literal
    assert fact(d, "endpoint:web-entry").data["served_by"] == "web"
    # a project's address: how it is called (HTTP or gRPC, sync or not) is not stated
    call = fact(d, "interaction:web->orders-api")
    assert "style" not in call.data and "protocol" not in call.data
    assert fact(d, "interaction:web->cache").data["protocol"] == "redis"
    assert fact(d, "interaction:legacy->orders-api").location.line == _line(APPHOST, ".WithReference(orders);")
    assert fact(d, "service:bus").data["tags"] == ["broker"]
    assert "bus" not in docs[0].volatile_brokers  # its data volume keeps the messages
    assert fact(d, "service:legacy").data["image"] == "example/legacy-worker:1.2.3"
    assert "deployment:legacy" not in d.by_key()  # a tag 1.2.3 may or may not move: unknown
    pg = fact(d, "datastore:pg").data
    assert (pg["image"], pg["immutable_image"]) == ("example/pgvector:latest", False)
    assert any("pgvector:latest" in n and "moving tag" in n for n in docs[0].notes["datastore:pg"])
    assert "secrets_source" not in fact(d, "service:orders-api").data


YARP_HOST = """\
var builder = DistributedApplication.CreateBuilder(args);
var catalog = builder.AddProject<Projects.Catalog>("catalog");
var identity = builder.AddProject<Projects.Identity>("identity");
builder.AddYarp("edge")
    .WithExternalHttpEndpoints()
    .MapRoutes(catalog, identity);
builder.AddYarp("inline").WithConfiguration(y => y.AddRoute("/shop/{**rest}", catalog));
builder.Build().Run();
"""

YARP_EXTENSIONS = """\
namespace Demo;

internal static class Routes
{
    public static IResourceBuilder<YarpResource> MapRoutes(this IResourceBuilder<YarpResource> builder,
        IResourceBuilder<ProjectResource> catalogApi,
        IResourceBuilder<ProjectResource> identityApi)
    {
        return builder.WithConfiguration(yarp =>
        {
            var cluster = yarp.AddCluster(catalogApi);
            yarp.AddRoute("/api/catalog/{*any}", cluster);
            yarp.AddRoute("/cat/api/items/{id}", cluster)
                .WithTransformPathRemovePrefix("/cat");
            yarp.AddRoute("/identity/{*any}", identityApi.GetEndpoint("http"))
                .WithTransformPathRemovePrefix("/identity");
        });
    }
}
"""


def test_yarp_routes_in_an_extension_method_of_the_project(tmp_path: Path) -> None:
    _write(tmp_path, "Program.cs", YARP_HOST)
    ext = _write(tmp_path, "Extensions.cs", YARP_EXTENSIONS)
    os.makedirs(tmp_path / "obj")
    _write(tmp_path / "obj", "Generated.cs", "this is not C# at all (((")
    docs = import_paths("aspire", [str(tmp_path)])
    d = design_of(docs)
    edge = fact(d, "service:edge")
    assert edge.data["kind"] == "gateway" and edge.data["exposure"] == "public"
    whole = fact(d, "endpoint:ANY /api/catalog/**")
    assert whole.data["served_by"] == "edge" and whole.data["routes_to"] == ["catalog"]
    assert whole.location.file == ext and whole.location.line == _line(YARP_EXTENSIONS, "WithConfiguration")
    assert fact(d, "endpoint:ANY /identity/**").data["routes_to"] == ["identity"]
    assert fact(d, "endpoint:ANY /cat/api/items/{id}").data["routes_to"] == ["catalog"]
    assert fact(d, "endpoint:ANY /shop/**").data["served_by"] == "inline"
    strips, replaces = docs[0].strips, docs[0].replaces  # type: ignore[attr-defined]
    assert strips == {"ANY /api/catalog/**": False, "ANY /cat/api/items/{id}": True, "ANY /identity/**": True,
                      "ANY /shop/**": False}
    assert replaces == {"ANY /cat/api/items/{id}": "/api/items/{id}"}
    call = fact(d, "interaction:edge->catalog")
    assert call.data["protocol"] == "http" and call.data["timeout_ms"] == 100_000  # YARP's default


def test_auto_detects_an_apphost_file_and_its_directory(tmp_path: Path) -> None:
    path = _write(tmp_path, "Program.cs", APPHOST)
    assert detect(path) == "aspire" and detect(str(tmp_path)) == "aspire"
    assert {getattr(d, "format", "") for d in import_paths("auto", [path])} == {"aspire"}
    other = tmp_path / "svc"
    other.mkdir()
    plain = _write(other, "Program.cs",
                   'var app = WebApplication.CreateBuilder(args).Build();\napp.MapGet("/", () => 1);\n')
    assert not aspire.detect_path(plain) and not aspire.detect_path(str(other))


def test_a_file_that_is_no_apphost_is_one_located_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "Program.cs", "var x = 1;\n")
    with pytest.raises(ArchplanError) as err:
        import_paths("aspire", [path])
    assert "not an Aspire AppHost" in str(err.value) and path in str(err.value)


@pytest.mark.parametrize("text", [
    "var builder = DistributedApplication.CreateBuilder(args);\nvar a = builder.AddProject<P>(\"a\"\n.WithReference(",
    "var builder = DistributedApplication.CreateBuilder(args);\nbuilder.AddRedis(\"r\").WithReference(nobody);\n"
    "builder.AddProject<P>(\"p\").WithReplicas(n).WithImage(42)\n.Foo(\"unterminated);\n/* never closed",
    "var builder = DistributedApplication.CreateBuilder(args);\nbuilder.AddProject<P>(\"p\")" + ".A()" * 2000 + ";\n",
])
def test_hostile_apphosts_import_without_a_traceback(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "Program.cs", text)
    design_of(import_paths("aspire", [path]))  # no exception: what is unreadable is passed over


def test_cli_exit_2_with_one_line_per_problem(tmp_path: Path) -> None:
    bad = _write(tmp_path, "Program.cs", "class P {}\n")
    big = tmp_path / "big"
    big.mkdir()
    _write(big, "Program.cs", "var builder = DistributedApplication.CreateBuilder(args);\n" + "//" * 100)
    runner = CliRunner()
    result = runner.invoke(main, ["import", "aspire", bad])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}" in result.output and "not an Aspire AppHost" in result.output
    result = runner.invoke(main, ["import", "aspire", str(big), "--max-input-bytes", "64"])
    assert result.exit_code == 2 and "Traceback" not in result.output and "64-byte limit" in result.output
    ok = runner.invoke(main, ["import", "aspire", _write(tmp_path, "AppHost.cs", APPHOST), "-q"])
    assert ok.exit_code == 0 and "name: orders-api" in ok.output


SERVICE_DEFAULTS = """\
public static class Extensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // every client of the factory
            http.AddStandardResilienceHandler();
        });
        return builder;
    }
}
"""

WEB_CODE = """\
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<ShopContext>("shopdb");
builder.Services.AddHttpClient<OrdersClient>(o => o.BaseAddress = new("http://orders-api"));
var app = builder.Build();
app.MapGet("/api/shop", () => "ok");
app.Run();
"""


def test_the_service_defaults_resilience_handler_bounds_the_apphost_dependencies(tmp_path: Path) -> None:
    """A dependency the AppHost states without its protocol (WithReference to a project) is bounded by the standard
    resilience handler the caller's code gives every client of its factory: 10 s per attempt, a circuit breaker; a
    database reached through Aspire's Npgsql integration keeps Npgsql's 30 s command timeout."""
    from engine.importers import compose_routes

    host = _write(tmp_path, "AppHost.cs", """\
var builder = DistributedApplication.CreateBuilder(args);
var db = builder.AddPostgres("pg").AddDatabase("shopdb");
var orders = builder.AddProject<Projects.Orders>("orders-api");
builder.AddProject<Projects.Web>("web").WithReference(orders).WithReference(db);
builder.Build().Run();
""")
    web = tmp_path / "web"
    web.mkdir()
    _write(web, "Program.cs", WEB_CODE)
    defaults = _write(web, "Extensions.cs", SERVICE_DEFAULTS)
    docs = compose_routes([*import_paths("aspire", [host]), *import_paths("source", [str(web)], service="web")])
    d = design_of(docs)
    call = fact(d, "interaction:web->orders-api")
    assert call.data["timeout_ms"] == 10_000 and call.data["circuit_breaker"] is True
    at = call.locate("timeout_ms")
    assert at.file == defaults and at.line == _line(SERVICE_DEFAULTS, "ConfigureHttpClientDefaults")
    assert fact(d, "interaction:web->shopdb").data["timeout_ms"] == 30_000


def test_azure_managed_stores_and_an_endpoint_made_external(tmp_path: Path) -> None:
    """An Azure database the AppHost provisions is a datastore of its engine whose nodes and storage it does not
    state; WithEndpoint(..., isExternal: true) publishes a container as WithExternalHttpEndpoints does."""
    text = """\
var builder = DistributedApplication.CreateBuilder(args);
var sql = builder.AddAzurePostgresFlexibleServer("pgflex").AddDatabase("appdb");
var docs = builder.AddAzureCosmosDB("cosmos");
builder.AddContainer("ui", "example/ui", "2.0")
    .WithEndpoint(targetPort: 8080, scheme: "http", isExternal: true)
    .WithReference(sql)
    .WithReference(docs);
builder.Build().Run();
"""
    d = design_of(import_paths("aspire", [_write(tmp_path, "Program.cs", text)]))
    flex = fact(d, "datastore:pgflex")
    assert flex.data["engine"] == "postgres"
    assert not {"replicas", "failover", "durable_storage"} & set(flex.data)  # the service tier's, unstated
    assert fact(d, "datastore:cosmos").data["kind"] == "document"
    assert fact(d, "interaction:ui->appdb").data["protocol"] == "sql"
    app = fact(d, "datastore:appdb")
    assert app.data["server"] == "pgflex" and not {"replicas", "failover", "durable_storage"} & set(app.data)
    assert "interaction:ui->cosmos" in d.by_key()
    ui = fact(d, "service:ui")
    assert ui.data["exposure"] == "public" and ui.locate("exposure").line == 5


def test_an_extension_method_calling_itself_is_read_once(tmp_path: Path) -> None:
    _write(tmp_path, "Program.cs", """\
var builder = DistributedApplication.CreateBuilder(args);
var api = builder.AddProject<Projects.Api>("api");
builder.AddYarp("edge").Loop(api);
""")
    _write(tmp_path, "Loop.cs", """\
static class L
{
    public static IResourceBuilder<YarpResource> Loop(this IResourceBuilder<YarpResource> b,
        IResourceBuilder<ProjectResource> t)
    {
        b.WithConfiguration(y => y.AddRoute("/x/{**r}", t));
        return b.Loop(t);
    }
}
""")
    d = design_of(import_paths("aspire", [str(tmp_path)]))
    assert fact(d, "endpoint:ANY /x/**").data["routes_to"] == ["api"]


def test_each_database_of_a_server_is_a_datastore_of_its_own(tmp_path: Path, builtin_kb: Any) -> None:
    """``server.AddDatabase("db")`` is a datastore on the server's container: services referencing their own
    databases are not writers of one shared database, two referencing the same database are; each database shares
    the server's single node and storage, and the server is named as theirs."""
    from engine.review import review_design

    text = """\
var builder = DistributedApplication.CreateBuilder(args);
var pg = builder.AddPostgres("pg").WithDataVolume();
var ordersDb = pg.AddDatabase("ordersdb");
var usersDb = pg.AddDatabase("usersdb");
var mongo = builder.AddMongoDB("mongo");
var shared = mongo.AddDatabase("shared");
builder.AddProject<Projects.Orders>("orders").WithReference(ordersDb);
builder.AddProject<Projects.Users>("users").WithReference(usersDb);
builder.AddProject<Projects.A>("a").WithReference(shared);
builder.AddProject<Projects.B>("b").WithReference(shared);
builder.Build().Run();
"""
    d = design_of(import_paths("aspire", [_write(tmp_path, "Program.cs", text)]))
    orders = fact(d, "datastore:ordersdb")
    assert orders.data["server"] == "pg" and orders.data["engine"] == "postgres"
    assert orders.data["replicas"] == 0 and orders.data["failover"] == "none"
    assert orders.data["durable_storage"] is True  # the server's data volume keeps it
    assert orders.location.line == _line(text, '"ordersdb"')
    assert "server" not in fact(d, "datastore:pg").data
    assert fact(d, "interaction:orders->ordersdb").data["protocol"] == "sql"
    assert "interaction:orders->pg" not in d.by_key()
    assert fact(d, "datastore:shared").data["server"] == "mongo"
    findings = review_design(d, builtin_kb).findings
    shared_writers = {s for f in findings if f.rule == "shared-database-with-several-writers" for s in f.subjects}
    assert shared_writers == {"datastore:shared"}
    one_server = {s for f in findings if f.rule == "logical-databases-sharing-one-server" for s in f.subjects}
    assert one_server == {"datastore:ordersdb"}  # two databases on pg; mongo holds one


def test_a_database_named_as_a_resource_keeps_apart(tmp_path: Path) -> None:
    """A database named as its own server is the server; one named as another resource takes the server's name
    before it."""
    text = """\
var builder = DistributedApplication.CreateBuilder(args);
var pg = builder.AddPostgres("pg");
var same = pg.AddDatabase("pg");
var orders = pg.AddDatabase("orders");
builder.AddProject<Projects.Orders>("orders").WithReference(orders).WithReference(same);
builder.Build().Run();
"""
    d = design_of(import_paths("aspire", [_write(tmp_path, "Program.cs", text)]))
    assert {f.name for f in d.of_kind("datastore")} == {"pg", "pg-orders"}
    assert "service:orders" in d.by_key()
    assert "interaction:orders->pg-orders" in d.by_key() and "interaction:orders->pg" in d.by_key()


def test_the_server_of_a_database_on_a_public_path_is_on_it_too(tmp_path: Path, builtin_kb: Any) -> None:
    """A database fails with the server that holds it: the server of a database on a public request path is on that
    path (``on_public_path``), so its single container without failover is reported on the server as well as on the
    database; a server whose databases no public request reaches is not."""
    from engine.enrich import enrich
    from engine.review import review_design

    text = """\
var builder = DistributedApplication.CreateBuilder(args);
var pg = builder.AddPostgres("pg");
var shopDb = pg.AddDatabase("shopdb");
var reports = builder.AddPostgres("reports-pg").AddDatabase("reportsdb");
builder.AddProject<Projects.Shop>("shop").WithExternalHttpEndpoints().WithReference(shopDb);
builder.AddProject<Projects.Reports>("reports").WithReference(reports);
builder.Build().Run();
"""
    d = design_of(import_paths("aspire", [_write(tmp_path, "Program.cs", text)]))
    enriched = {f.key: f.data for f in enrich(d).facts}
    assert enriched["datastore:shopdb"]["on_public_path"] is True
    assert enriched["datastore:pg"]["on_public_path"] is True
    assert enriched["datastore:reports-pg"]["on_public_path"] is False
    failover = {s for f in review_design(d, builtin_kb).findings
                if f.rule == "datastore-without-automatic-failover-on-request-path" for s in f.subjects}
    assert failover == {"datastore:pg", "datastore:shopdb"}


PROBED_HOST = """\
var builder = DistributedApplication.CreateBuilder(args);
var cache = builder.AddRedis("cache");
var api = builder.AddProject<Projects.Api>("api")
    .WithReference(cache)
    .WithHttpProbe(ProbeType.Readiness, "/health/ready")
    .WithHttpProbe(ProbeType.Liveness, "/health/live");
var worker = builder.AddProject<Projects.Worker>("worker")
    .WithHttpHealthCheck("/health");
builder.Build().Run();
"""


def test_liveness_is_what_a_liveness_probe_states(tmp_path: Path) -> None:
    d = design_of(import_paths("aspire", [_write(tmp_path, "Program.cs", PROBED_HOST)]))
    api = fact(d, "service:api").data["health"]
    assert api == {"readiness": True, "liveness": True}  # WithHttpProbe states both
    # a health check the AppHost waits on is readiness; no liveness probe: nothing restarts a hung instance
    assert fact(d, "service:worker").data["health"] == {"readiness": True, "liveness": False}
    assert "health" not in fact(d, "datastore:cache").data  # a hosting integration's probes are its own
