"""C# and Kotlin read by ``archplan import source`` (the held-out OpenTelemetry demo's accounting, cart and
fraud-detection showed them unread), each on a fixture of our own."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_logs, load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def _consumers(root: str, *services: str) -> dict[str, list[dict[str, Any]]]:
    compose = os.path.join(root, "compose.yaml")
    docs = load_artifacts([f"compose={compose}", *(f"source={os.path.join(root, s)}" for s in services)])
    design = load_documents(docs)
    return {f.key: f.data.get("consumers", []) for f in design.of_kind("channel")}


def test_kafka_consumers_in_csharp_kotlin_and_java_state_their_topic_group_and_commit(tmp_path: Any) -> None:
    # Confluent.Kafka with EnableAutoCommit = true and the topic from the deployment's variable (its fallback in the
    # code is another name); the Kafka client in Kotlin with enable.auto.commit left out (its default: true); in Java
    # with it turned off, where the code's own commits decide: unknown
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          kafka: {image: "apache/kafka:3.9.0"}
          ledger:
            image: acme/ledger:1
            environment: {KAFKA_ADDR: "kafka:9092", KAFKA_TOPIC: placed-orders}
          audit:
            image: acme/audit:1
          billing:
            image: acme/billing:1
        """)
    write(root, "ledger/Worker.cs", """
        using Confluent.Kafka;

        internal class Worker : BackgroundService
        {
            private static readonly string Topic = Environment.GetEnvironmentVariable("KAFKA_TOPIC") ?? "orders";

            public Worker()
            {
                var conf = new ConsumerConfig
                {
                    GroupId = "ledger-writers",
                    BootstrapServers = "kafka:9092",
                    EnableAutoCommit = true
                };
                _consumer = new ConsumerBuilder<string, byte[]>(conf).Build();
                _consumer.Subscribe(Topic);
            }
        }
        """)
    write(root, "audit/src/main/kotlin/audit/main.kt", """
        package audit

        import org.apache.kafka.clients.consumer.ConsumerConfig.*
        import org.apache.kafka.clients.consumer.KafkaConsumer

        val topic: String = "placed-orders"
        const val group = "auditors"

        fun main() {
            val props = Properties()
            props[GROUP_ID_CONFIG] = group
            val consumer = KafkaConsumer<String, ByteArray>(props).apply {
                subscribe(listOf(topic))
            }
        }
        """)
    write(root, "billing/src/main/java/billing/Listener.java", """
        package billing;

        public class Listener {
            void run(Properties props) {
                props.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
                props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
                consumer.subscribe(Arrays.asList("invoices"));
            }
        }
        """)
    channels = _consumers(root, "ledger", "audit", "billing")
    assert "channel:orders" not in channels  # the deployment names the topic the code falls back from
    assert channels["channel:placed-orders"] == [
        {"service": "audit", "group": "auditors", "commit": "auto_interval"},
        {"service": "ledger", "group": "ledger-writers", "commit": "auto_interval"},
    ]
    assert channels["channel:invoices"] == [{"service": "billing", "group": "billing"}]


def test_a_kafka_consumer_whose_topic_the_code_computes_names_no_channel(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  ledger: {image: acme/ledger:1}\n")
    write(root, "ledger/Worker.cs", """
        var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { GroupId = "g" }).Build();
        consumer.Subscribe(Topics.For(tenant));
        consumer.Subscribe(new Regex("^orders-.*"));
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'ledger')}"])
    assert not load_documents(docs).of_kind("channel")
    assert sum("a topic neither its code nor its deployment names" in text
               for d in docs for _at, text in d.remarks) == 2


def test_csharp_and_kotlin_log_statements_writing_a_secret_are_sensitive_data_in_logs(tmp_path: Any) -> None:
    # .NET's ILogger with an interpolated string or a structured argument, Kotlin's "$name" template; a message
    # that only names the word, and a masked value, are not
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          wallet: {image: acme/wallet:1}
          tokens: {image: acme/tokens:1}
          quiet: {image: acme/quiet:1}
        """)
    write(root, "wallet/Services/Pay.cs", """
        public class Pay
        {
            public void Charge(Request request)
            {
                _logger.LogInformation("Invalid password for {User}", request.UserId);
                _logger.LogDebug($"charging card {request.CardNumber} of {request.UserId}");
            }
        }
        """)
    write(root, "tokens/src/main/kotlin/tokens/Issue.kt", """
        fun issue(user: String, token: String) {
            logger.info("issued $token to ${user}")
        }
        """)
    write(root, "quiet/Worker.cs", """
        _logger.LogWarning("Invalid password for {User}: {Masked}", userId, maskedPassword);
        logger.LogError($"user {userId} failed");
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("wallet", "tokens", "quiet"))])
    services = {f.key: f.data for f in load_documents(docs).of_kind("service")}
    assert services["service:wallet"].get("logs_sensitive_data") is True
    assert services["service:tokens"].get("logs_sensitive_data") is True
    assert "logs_sensitive_data" not in services["service:quiet"]
    path = os.path.join(root, "wallet", "Services", "Pay.cs")
    with open(path, encoding="utf-8") as f:
        found = code_logs.logged([(path, f.read())])
    assert [(x.what, x.at.line, x.level) for x in found] == [("request.CardNumber", 6, "debug")]


def test_an_ado_net_connection_string_names_the_database_host_and_npgsql_bounds_the_call(tmp_path: Any) -> None:
    # Host= in a key=value connection string is a host position (a word of the password is not); EF Core on Npgsql
    # leaves Npgsql's documented 30 s command timeout unless the code or the string sets one; a Go service that
    # opens database/sql and only queries reads the database
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          ledger:
            image: acme/ledger:1
            environment:
              - DB=Host=pg;Username=u;Password=pgpass;Database=ledger
          tuned:
            image: acme/tuned:1
            environment:
              - DB=Server=pg;Command Timeout=5
          catalog:
            image: acme/catalog:1
            environment: {DB: "postgres://u:p@pg:5432/ledger"}
          reports:
            image: acme/reports:1
            environment: {NOTES: "Password=pg"}
          pg: {image: "postgres:16"}
        """)
    ef = """
        internal class Db : DbContext
        {
            protected override void OnConfiguring(DbContextOptionsBuilder b) =>
                b.UseNpgsql(Environment.GetEnvironmentVariable("DB"));
        }
        """
    write(root, "ledger/Db.cs", ef)
    write(root, "tuned/Db.cs", ef.replace("UseNpgsql(", "UseNpgsql(o => o.CommandTimeout(5), "))
    write(root, "catalog/main.go", """
        package main

        func main() {
            db, _ := sql.Open("postgres", os.Getenv("DB"))
            rows, _ := db.QueryContext(ctx, "SELECT id FROM products")
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("ledger", "tuned", "catalog"))])
    design = load_documents(docs)
    calls = {f.key: f.data for f in design.of_kind("interaction")}
    assert calls["interaction:ledger->pg"].get("protocol") == "sql"
    assert calls["interaction:ledger->pg"].get("timeout_ms") == 30000
    assert "timeout_ms" not in calls["interaction:tuned->pg"]
    assert calls["interaction:catalog->pg"].get("mutating") is False
    assert "interaction:reports->pg" not in calls
    assert {f.key for f in design.of_kind("datastore")} == {"datastore:pg"}


def test_kafka_producers_in_csharp_and_kotlin_state_their_topic_and_acks(tmp_path: Any) -> None:
    # Acks.None is acks=0; Confluent.Kafka left at its default waits for all replicas; the Java client's default
    # depends on its version: not stated
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          orders: {image: acme/orders:1}
          billing: {image: acme/billing:1}
          audit: {image: acme/audit:1}
        """)
    write(root, "orders/Publisher.cs", """
        var config = new ProducerConfig { BootstrapServers = "kafka:9092", Acks = Acks.None };
        using var producer = new ProducerBuilder<string, string>(config).Build();
        await producer.ProduceAsync("placed", new Message<string, string> { Value = body });
        """)
    write(root, "billing/Publisher.cs", """
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig()).Build();
        producer.Produce("invoices", new Message<Null, string> { Value = body });
        """)
    write(root, "audit/src/main/kotlin/audit/Send.kt", """
        val producer = KafkaProducer<String, String>(props)
        fun send(v: String) = producer.send(ProducerRecord("audits", v))
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("orders", "billing", "audit"))])
    channels = {f.key: f.data for f in load_documents(docs).of_kind("channel")}
    assert channels["channel:placed"].get("producer_acks") == "none"
    assert channels["channel:placed"].get("producers") == ["orders"]
    assert channels["channel:invoices"].get("producer_acks") == "all"
    assert channels["channel:audits"].get("producers") == ["audit"]
    assert "producer_acks" not in channels["channel:audits"]


def test_aspnet_core_minimal_apis_and_controllers_declare_routes(tmp_path: Any) -> None:
    # MapGet/MapPost on the app or a MapGroup, controller actions under the class's [Route] ([controller]: the class
    # name less Controller; a template from / replaces it); the gRPC template's constant-text MapGet("/") is no route,
    # nor an action of a controller with no route template (conventional routing)
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  shop: {image: acme/shop:1}\n")
    write(root, "shop/Program.cs", """
        var app = builder.Build();
        app.MapGrpcService<CartService>();
        app.MapGet("/", async context =>
        {
            await context.Response.WriteAsync("Communication with gRPC endpoints must be made through a gRPC client.");
        });
        var items = app.MapGroup("/items");
        items.MapGet("/{id:int}", (int id, Db db) => db.Items.Find(id));
        app.MapPost("/orders", (Order o, Db db) => { db.Add(o); db.SaveChanges(); });
        app.Run();
        """)
    write(root, "shop/Controllers/ProductsController.cs", """
        [ApiController]
        [Route("api/[controller]")]
        public class ProductsController : ControllerBase
        {
            [HttpGet("{id}")]
            public Product Get(string id) => _db.Find(id);

            [HttpDelete]
            public void Clear() => _db.Clear();

            [HttpGet("/health/live")]
            public string Live() => "ok";
        }

        public class LegacyController : Controller
        {
            [HttpGet]
            public IActionResult Index() => View();
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'shop')}"])
    endpoints = {(f.data["method"], f.data["path"]) for f in load_documents(docs).of_kind("endpoint")
                 if f.data.get("served_by") == "shop" and "method" in f.data}
    assert endpoints == {("GET", "/items/{id}"), ("POST", "/orders"), ("GET", "/api/Products/{id}"),
                         ("DELETE", "/api/Products"), ("GET", "/health/live")}


def test_aspnet_core_action_route_attributes_and_the_default_route_table(tmp_path: Any) -> None:
    # an action's own [Route("...")] beside a bare [HttpPost] is its template; with the default route table mapped,
    # an attributed action of a controller with no template is /<controller>/<action> (Async dropped, [ActionName]
    # wins); an action with no verb attribute is not read
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  desk: {image: acme/desk:1}\n")
    write(root, "desk/Program.cs", """
        var app = builder.Build();
        app.UseRouting();
        app.MapDefaultControllerRoute();
        app.Run();
        """)
    write(root, "desk/Controllers/TicketsController.cs", """
        [Route("api/v2/[controller]")]
        [Authorize]
        public class TicketsController : ControllerBase
        {
            [Route("escalate")]
            [HttpPost]
            [ProducesResponseType((int)HttpStatusCode.Accepted)]
            public async Task<IActionResult> EscalateAsync([FromBody] Escalation e) => Accepted();

            [HttpGet]
            [Route("{ticketId:int}")]
            public async Task<ActionResult<Ticket>> ByIdAsync(int ticketId) => Ok(await _q.Find(ticketId));
        }
        """)
    write(root, "desk/Controllers/SessionController.cs", """
        [SecurityHeaders]
        public class SessionController : Controller
        {
            [HttpPost]
            [ValidateAntiForgeryToken]
            public async Task<IActionResult> SignInAsync(SignInForm form, string button) => View();

            [HttpGet]
            [ActionName("bye")]
            public IActionResult SignOut() => View();

            public IActionResult Help() => View();
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'desk')}"])
    endpoints = {(f.data["method"], f.data["path"]) for f in load_documents(docs).of_kind("endpoint")
                 if f.data.get("served_by") == "desk" and "method" in f.data}
    assert endpoints == {("POST", "/api/v2/Tickets/escalate"), ("GET", "/api/v2/Tickets/{ticketId}"),
                         ("POST", "/Session/SignIn"), ("GET", "/Session/bye")}


def test_sqlclient_and_stackexchange_redis_bound_the_calls_by_their_documented_defaults(tmp_path: Any) -> None:
    # EF Core on SQL Server and a Dapper query on a SqlConnection keep SqlClient's 30 s command timeout; a
    # ConnectionMultiplexer keeps StackExchange.Redis's 5 s sync timeout, unless the code sets its own
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          inventory:
            image: acme/inventory:1
            environment: ["SqlDb=Server=mssql;Database=Stock;User Id=app;Password=x", "Cache=kv"]
            depends_on: [kv]
          sweeper:
            image: acme/sweeper:1
            environment: ["SqlDb=Server=mssql;Database=Stock;User Id=app;Password=x", "Cache=kv"]
            depends_on: [kv]
          mssql: {image: "mcr.microsoft.com/mssql/server:2022-latest"}
          kv: {image: "redis:7"}
        """)
    write(root, "inventory/Startup.cs", """
        services.AddDbContext<StockContext>(o => o.UseSqlServer(Configuration["SqlDb"]));
        services.AddSingleton(sp => ConnectionMultiplexer.Connect(Configuration["Cache"]));
        """)
    write(root, "sweeper/Worker.cs", """
        using var conn = new SqlConnection(_settings.SqlDb);
        var ids = conn.Query<int>("SELECT Id FROM Stock", commandTimeout: 2);
        var opts = ConfigurationOptions.Parse(Configuration["Cache"]);
        opts.SyncTimeout = 250;
        var redis = ConnectionMultiplexer.Connect(opts);
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("inventory", "sweeper"))])
    calls = {f.key: f.data for f in load_documents(docs).of_kind("interaction")}
    assert calls["interaction:inventory->mssql"].get("timeout_ms") == 30000
    assert calls["interaction:inventory->kv"].get("timeout_ms") == 5000
    assert "timeout_ms" not in calls["interaction:sweeper->mssql"]  # commandTimeout: set in code
    assert "timeout_ms" not in calls["interaction:sweeper->kv"]


def test_an_identity_sign_in_that_locks_out_protects_the_login_flow(tmp_path: Any) -> None:
    # ASP.NET Core Identity's PasswordSignInAsync with lockoutOnFailure: true locks the account after repeated
    # failures: the login route's brute_force_protection is true; with false it stays unknown
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  sso: {image: acme/sso:1}\n  legacy-sso: {image: acme/old:1}\n")
    controller = """
        [Route("auth")]
        public class AuthController : Controller
        {
            [HttpPost("login")]
            public async Task<IActionResult> Login(LoginForm f)
            {
                var outcome = await _signIn.PasswordSignInAsync(f.User, f.Secret, f.Remember, lockoutOnFailure: true);
                return outcome.Succeeded ? Redirect(f.Next) : View(f);
            }
        }
        """
    write(root, "sso/AuthController.cs", controller)
    write(root, "legacy-sso/AuthController.cs", controller.replace("lockoutOnFailure: true", "lockoutOnFailure: false"))
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("sso", "legacy-sso"))])
    logins = {f.data["served_by"]: f.data for f in load_documents(docs).of_kind("endpoint")
              if f.data.get("path") == "/auth/login"}
    assert logins["sso"]["auth_flow"] is True and logins["sso"]["brute_force_protection"] is True
    assert logins["legacy-sso"]["auth_flow"] is True and "brute_force_protection" not in logins["legacy-sso"]


def test_an_authorized_action_that_never_refers_to_its_caller_checks_no_owner(tmp_path: Any) -> None:
    # [Authorize] only says who the caller is: an action naming an object by id that never looks at the caller
    # (User, claims, an identity service) cannot compare it with the object; Roles make it a role check
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  tickets: {image: acme/tickets:1}\n")
    write(root, "tickets/Controllers/TicketsController.cs", """
        [Route("api/[controller]")]
        [Authorize]
        public class TicketsController : ControllerBase
        {
            [HttpGet("{ticketId}")]
            public async Task<Ticket> Get(int ticketId)
            {
                return await _store.Find(ticketId);
            }

            [HttpPut("{ticketId}")]
            public async Task<IActionResult> Close(int ticketId)
            {
                var me = _identity.CurrentUser();
                return await _store.Close(ticketId, me) ? Ok() : Forbid();
            }

            [HttpDelete("{ticketId}")]
            [Authorize(Roles = "support")]
            public Task Remove(int ticketId) => _store.Remove(ticketId);

            [HttpGet("public/{ticketId}")]
            [AllowAnonymous]
            public Task<Ticket> Shared(int ticketId) => _store.Shared(ticketId);
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'tickets')}"])
    authz = {(f.data["method"], f.data["path"]): f.data.get("authz") for f in load_documents(docs).of_kind("endpoint")
             if f.data.get("served_by") == "tickets" and "method" in f.data}
    assert authz == {("GET", "/api/Tickets/{ticketId}"): "none", ("PUT", "/api/Tickets/{ticketId}"): None,
                     ("DELETE", "/api/Tickets/{ticketId}"): "role", ("GET", "/api/Tickets/public/{ticketId}"): None}


def test_a_published_healthchecks_ui_is_an_operator_console(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  status: {image: acme/status:1, ports: ['8088:80']}\n")
    write(root, "status/Startup.cs", """
        app.UseHealthChecksUI(o => o.UIPath = "/hc-ui");
        app.UseEndpoints(e => e.MapHealthChecks("/liveness"));
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'status')}"])
    design = load_documents(docs)
    entry = {f.key: f.data for f in design.of_kind("endpoint")}["endpoint:status-entry"]
    assert entry.get("admin") is True
    assert {f.key: f.data for f in design.of_kind("service")}["service:status"].get("operator_tool") is True


def test_the_mvc_route_table_of_use_mvc_makes_controller_action_paths(tmp_path: Any) -> None:
    # ASP.NET Core 2's MVC routing: a default route given to UseMvc through MapRoute(template: ...) (or
    # UseMvcWithDefaultRoute) is the same table as MapDefaultControllerRoute; an action with a verb attribute and
    # no template of its own, in a controller with none, is /<controller>/<action>
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  counter: {image: acme/counter:3}\n  kiosk: {image: acme/kiosk:3}\n")
    write(root, "counter/Startup.cs", """
        app.UseStaticFiles();
        app.UseMvc(routes =>
        {
            routes.MapRoute(
                name: "default",
                template: "{controller=Home}/{action=Index}/{id?}");
        });
        """)
    write(root, "counter/Controllers/BookingsController.cs", """
        public class BookingsController : Controller
        {
            [HttpGet]
            public async Task<IActionResult> Overview() => View();

            [HttpPost]
            public async Task<IActionResult> ReserveAsync([FromForm] Slot slot) => RedirectToAction("Overview");
        }
        """)
    write(root, "kiosk/Startup.cs", "app.UseMvcWithDefaultRoute();\n")
    write(root, "kiosk/Controllers/TicketController.cs", """
        public class TicketController : Controller
        {
            [HttpPost]
            public IActionResult Print(int number) => View();
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'counter')}",
                           f"source={os.path.join(root, 'kiosk')}"])
    endpoints = {(f.data["served_by"], f.data["method"], f.data["path"])
                 for f in load_documents(docs).of_kind("endpoint") if "method" in f.data}
    assert {("counter", "GET", "/Bookings/Overview"), ("counter", "POST", "/Bookings/Reserve"),
            ("kiosk", "POST", "/Ticket/Print")} <= endpoints


_STARTUP = """
    var builder = WebApplication.CreateBuilder(args);
    builder.Services.AddControllers();
    builder.Services.AddAuthentication("Bearer").AddJwtBearer(o => o.Authority = "http://issuer");
    var app = builder.Build();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapControllers(){require};
    app.Run();
    """

_HOOKS = """
    [ApiController]
    [Route("api/[controller]")]
    public class RefundsController : ControllerBase
    {
        [HttpPost("approve")]
        public Task Approve(RefundApproved e) => _refunds.MarkApproved(e.RefundId);

        [HttpPost("mine")]
        public Task Mine(RefundAsked e) => _refunds.Ask(e.RefundId, User.Identity.Name);

        [HttpPost("status")]
        [AllowAnonymous]
        public Task Status(RefundAsked e) => _refunds.Ping(e.RefundId);
    }

    [Authorize]
    [Route("api/desk")]
    public class DeskController : ControllerBase
    {
        [HttpPost("close")]
        public Task Close(int refundId) => _refunds.Close(refundId);
    }
    """


def _authn_of(root: str, require: str) -> dict[tuple[str, str], Any]:
    write(root, "compose.yaml", "services:\n  refunds: {image: acme/refunds:1}\n")
    write(root, "refunds/Program.cs", _STARTUP.replace("{require}", require))
    write(root, "refunds/Controllers/RefundsController.cs", _HOOKS)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'refunds')}"])
    return {(f.data["method"], f.data["path"]): f.data.get("authn") for f in load_documents(docs).of_kind("endpoint")
            if f.data.get("served_by") == "refunds" and "method" in f.data}


def test_an_action_without_authorize_in_a_service_that_authenticates_is_open_to_anyone(tmp_path: Any) -> None:
    # ASP.NET Core authorizes only what asks for it: with no fallback policy, an action whose controller and itself
    # carry no [Authorize] runs for any caller, though the service checks bearer tokens elsewhere. One that reads
    # the caller, one marked [AllowAnonymous] on purpose and one under an [Authorize] controller are left as they are
    assert _authn_of(str(tmp_path), "") == {
        ("POST", "/api/Refunds/approve"): "none", ("POST", "/api/Refunds/mine"): None,
        ("POST", "/api/Refunds/status"): None, ("POST", "/api/desk/close"): None}


def test_require_authorization_on_the_controllers_closes_actions_without_authorize(tmp_path: Any) -> None:
    assert _authn_of(str(tmp_path), ".RequireAuthorization()")[("POST", "/api/Refunds/approve")] is None


def test_an_action_that_checks_a_token_its_caller_sends_is_not_said_to_be_open(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  refunds: {image: acme/refunds:1}\n")
    write(root, "refunds/Program.cs", _STARTUP.replace("{require}", ""))
    write(root, "refunds/Controllers/HookController.cs", """
        [ApiController]
        [Route("hook")]
        public class HookController : ControllerBase
        {
            [HttpPost]
            public IActionResult Receive(Payload p)
            {
                var sent = Request.Headers["X-Hook-Check"].FirstOrDefault();
                return sent == _expected ? Ok() : BadRequest();
            }
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'refunds')}"])
    hook = next(f for f in load_documents(docs).of_kind("endpoint") if f.data.get("path") == "/hook")
    assert "authn" not in hook.data


def test_a_path_parameter_naming_an_object_by_its_number_takes_an_object_id(tmp_path: Any) -> None:
    # an order or invoice number names one object as an id does (and is easier to guess); a page number does not
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  billing: {image: acme/billing:1}\n")
    write(root, "billing/Controllers/InvoicesController.cs", """
        [Route("api/[controller]")]
        [Authorize]
        public class InvoicesController : ControllerBase
        {
            [HttpPut("{invoiceNumber:int}/void")]
            public Task Void(int invoiceNumber) => _ledger.Void(invoiceNumber);

            [HttpGet("by_code/{invoice_no}")]
            public Task<Invoice> ByCode(string invoice_no) => _ledger.Find(invoice_no);

            [HttpGet("pages/{pageNumber}")]
            public Task<Page> Browse(int pageNumber) => _ledger.Page(pageNumber);
        }
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", f"source={os.path.join(root, 'billing')}"])
    found = {f.data["path"]: (f.data.get("takes_object_id"), f.data.get("authz"))
             for f in load_documents(docs).of_kind("endpoint") if f.data.get("served_by") == "billing"}
    assert found == {"/api/Invoices/{invoiceNumber}/void": (True, "none"),
                     "/api/Invoices/by_code/{invoice_no}": (True, "none"),
                     "/api/Invoices/pages/{pageNumber}": (None, None)}
