"""`import source`: calls a Java (Feign, RestTemplate, WebClient) or Go (gRPC, net/http) service's code names the
target of, joined with the deployment."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_clients import cpp_clients, go_clients, go_registered, java_clients
from engine.importers.code_routes import blank_comments
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact, line_of

STATS_CLIENT = """
    package acme.shop.client;

    // @FeignClient(name = "commented-out")
    @FeignClient(name = "stats", fallback = StatsFallback.class)
    public interface StatsClient {
        @RequestMapping(method = RequestMethod.PUT, value = "/stats/{id}")
        void update(@PathVariable("id") String id, Order order);
    }
"""
STATS_FALLBACK = """
    package acme.shop.client;

    @Component
    public class StatsFallback implements StatsClient {
        @Override
        public void update(String id, Order order) {
            LOGGER.error("stats not updated for {}", id);
        }
    }
"""
USER_CLIENT = """
    package acme.shop.client;

    @FeignClient(value = "user", fallback = UserFallback.class)
    public interface UserClient {
        @RequestMapping(method = RequestMethod.POST, value = "/users")
        void create(User user);
    }
"""
USER_FALLBACK = """
    package acme.shop.client;

    public class UserFallback implements UserClient {
        public void create(User user) {
            throw new IllegalStateException("user service down");
        }
    }
"""
OTHERS = """
    package acme.shop.client;

    @FeignClient(url = "${rates.url}", name = "rates-client")
    interface RatesClient { Rates get(); }

    @FeignClient(name = "mailer")
    interface MailClient { void send(Mail m); }

    class Reports {
        @Autowired
        private MailClient mails;

        @Scheduled(cron = "0 0 * * * *")
        public void nightly() {
            mails.send(new Mail());
        }

        String stock(RestTemplate rest) {
            return rest.getForObject("http://stock:8080/items", String.class);
        }
    }
"""


def src(text: str) -> str:
    """Code as the source import hands it over: dedented, its comments blanked."""
    return blank_comments(textwrap.dedent(text).lstrip("\n"))


def test_feign_clients_name_their_target_and_what_their_fallback_shows() -> None:
    files = [("shop/StatsClient.java", src(STATS_CLIENT)), ("shop/StatsFallback.java", src(STATS_FALLBACK)),
             ("shop/UserClient.java", src(USER_CLIENT)), ("shop/UserFallback.java", src(USER_FALLBACK)),
             ("shop/Others.java", src(OTHERS))]
    found = {c.target: c for c in java_clients(files)}
    assert sorted(found) == ["mailer", "stats", "stock", "user"]  # ${rates.url}: the configuration says where
    stats = found["stats"]
    assert (stats.at.file, stats.at.line, stats.protocol, stats.registry, stats.feign) == (
        "shop/StatsClient.java", 4, "http", True, True)
    assert stats.how == '@FeignClient(name = "stats")'
    assert stats.notify is not None and "StatsFallback" in stats.notify  # void, and the fallback only logs
    assert found["user"].notify is None  # its fallback throws: the caller learns of the failure
    assert found["mailer"].notify is None  # no fallback: a failure reaches the caller
    assert found["mailer"].background is not None and "nightly" in found["mailer"].background
    assert found["stats"].background is None
    stock = found["stock"]
    assert (stock.at.line, stock.registry, stock.feign, stock.no_timeout) == (19, False, False, None)


def _shop(tmp: str, *extra: str) -> Any:
    more = "\n          ".join(extra)
    compose = write(tmp, "compose.yaml", f"""
        services:
          shop:
            image: acme/shop
            ports: ["80:8080"]
          stats:
            image: acme/stats
          user:
            image: acme/user
          {more}
    """)
    config = write(tmp, "config/shop.yml", """
        feign:
          hystrix:
            enabled: true
        hystrix:
          command:
            default:
              execution:
                isolation:
                  thread:
                    timeoutInMilliseconds: 4000
    """)
    write(tmp, "shop/src/StatsClient.java", STATS_CLIENT)
    write(tmp, "shop/src/StatsFallback.java", STATS_FALLBACK)
    write(tmp, "shop/src/UserClient.java", USER_CLIENT)
    write(tmp, "shop/src/UserFallback.java", USER_FALLBACK)
    write(tmp, "shop/src/Others.java", OTHERS)
    return load_documents(load_artifacts([f"compose={compose}", f"spring={config}", f"source={tmp}/shop"]))


def test_a_feign_client_is_a_call_with_the_services_feign_settings(tmp_path: Any) -> None:
    design = _shop(str(tmp_path))
    stats = fact(design, "interaction:shop->stats")
    assert {k: stats.data.get(k) for k in ("style", "protocol", "address_resolution", "purpose", "fallback",
                                           "circuit_breaker", "timeout_ms")} == {
        "style": "sync", "protocol": "http", "address_resolution": "registry", "purpose": "notify",
        "fallback": "degraded", "circuit_breaker": True, "timeout_ms": 4000}
    assert "StatsClient.java:4" in stats.data["inferred_from"]
    assert stats.locate("circuit_breaker").file.endswith("shop.yml")
    user = fact(design, "interaction:shop->user")
    assert "purpose" not in user.data and user.data["circuit_breaker"] is True
    # neither the mailer nor stock is a workload of the deployment: unknown, nothing added
    assert not [k for k in design.by_key() if k.startswith(("interaction:shop->mailer", "interaction:shop->stock"))]


def test_a_scheduled_only_client_and_a_rest_template_literal(tmp_path: Any) -> None:
    design = _shop(str(tmp_path), "mailer: {image: acme/mailer}", "stock: {image: acme/stock}")
    assert fact(design, "interaction:shop->mailer").data["during"] == "background"
    stock = fact(design, "interaction:shop->stock")
    assert (stock.data["style"], stock.data["protocol"]) == ("sync", "http")
    assert "timeout_ms" not in stock.data and "circuit_breaker" not in stock.data  # not a Feign client
    # the RestTemplate call writes stock's URL out; the mailer is found by name through the registry
    assert stock.data["address_resolution"] == "hardcoded"
    assert fact(design, "interaction:shop->mailer").data["address_resolution"] == "registry"


def test_a_target_reached_by_a_written_url_and_by_name_is_not_called_hardcoded(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          billing:
            image: acme/billing
          ledger:
            image: acme/ledger
    """)
    write(tmp, "billing/src/Books.java", """
        @FeignClient(name = "ledger")
        interface LedgerClient { void post(Entry e); }

        class Books {
            String total(RestTemplate rest) {
                return rest.getForObject("http://ledger:9000/total", String.class);
            }
        }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/billing"]))
    assert fact(design, "interaction:billing->ledger").data.get("address_resolution") != "hardcoded"


def test_a_call_the_deployment_already_drew_is_left_as_drawn(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop:
            image: acme/shop
            environment:
              STATS_URL: http://stats:8080
          stats:
            image: acme/stats
    """)
    write(tmp, "shop/src/StatsClient.java", STATS_CLIENT)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shop"]))
    assert "purpose" not in fact(design, "interaction:shop->stats").data


FRONTEND = """
    package frontend

    import (
        "fmt"
        "net/http"

        "google.golang.org/grpc"
        pb "acme/search/proto"
    )

    func (s *Server) Run() error {
        // s.initSearch("srv-commented")
        if err := s.initSearch("srv-search"); err != nil {
            return err
        }
        conn, _ := grpc.Dial("geo:8083", grpc.WithInsecure())
        s.geo = geopb.NewGeoClient(conn)
        http.Get("http://rate:8084/rates")
        req, _ := http.NewRequest("POST", "http://audit/log", nil)
        return nil
    }

    func (s *Server) initSearch(name string) error {
        conn, err := dialer.Dial(
            fmt.Sprintf("consul://%s/%s", s.ConsulAddr, name),
            dialer.WithTracer(s.Tracer),
        )
        if err != nil {
            return err
        }
        s.search = pb.NewSearchClient(conn)
        return nil
    }
"""
SEARCH = """
    package search

    const name = "srv-search"

    func (s *Server) Run() error {
        return s.Registry.Register(name, s.uuid, s.IpAddr, s.Port)
    }
"""


def test_go_grpc_clients_and_http_calls() -> None:
    found = {c.target: c for c in go_clients([("fe/server.go", src(FRONTEND))])}
    assert sorted(found) == ["audit", "consul:///srv-search", "geo:8083", "rate"]
    search = found["consul:///srv-search"]  # dialled through the registry
    assert (search.at.line, search.protocol, search.registry) == (13, "grpc", True)
    assert search.how == "gRPC SearchClient over dialer.Dial in initSearch('srv-search')"
    assert search.no_timeout is not None and "deadline" in search.no_timeout
    assert (found["geo:8083"].at.line, found["geo:8083"].protocol) == (16, "grpc")
    assert found["rate"].no_timeout is not None and "default client" in found["rate"].no_timeout
    assert found["audit"].no_timeout is None  # a request sent by a client the code may configure: unknown
    assert go_registered([("search/server.go", src(SEARCH))]) == {"srv-search"}
    deadline = FRONTEND.replace("return nil\n    }\n\n", "ctx, _ := context.WithTimeout(ctx, time.Second)\n"
                                                     "        return nil\n    }\n\n", 1)
    assert all(c.no_timeout is None for c in go_clients([("fe/server.go", src(deadline))]) if c.protocol == "grpc")


def test_go_clients_join_the_deployment_by_workload_or_registered_name(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          frontend:
            image: acme/frontend
            ports: ["80:5000"]
            environment: {GOMAXPROCS: "2"}
            depends_on: [rate]
          search: {image: acme/search}
          geo: {image: acme/geo}
          rate: {image: acme/rate}
    """)
    write(tmp, "frontend/server.go", FRONTEND)
    write(tmp, "search/server.go", SEARCH)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/frontend", f"source={tmp}/search"]))
    search = fact(design, "interaction:frontend->search")  # by the name search registers itself under
    assert {k: search.data.get(k) for k in ("style", "protocol", "timeout_ms", "address_resolution")} == {
        "style": "sync", "protocol": "grpc", "timeout_ms": 0, "address_resolution": "registry"}
    assert "frontend/server.go:13)" in search.data["inferred_from"]
    geo = fact(design, "interaction:frontend->geo")
    assert (geo.data["protocol"], geo.data["timeout_ms"]) == ("grpc", 0) and "address_resolution" not in geo.data
    assert "timeout_ms" not in fact(design, "interaction:frontend->rate").data  # drawn by the deployment: kept
    assert "interaction:frontend->audit" not in design.by_key()  # not a workload


COMPOSE_REVIEW = """
    int main(int argc, char *argv[]) {
      json config_json;
      int port = config_json["compose-review-service"]["port"];
      std::string storage_addr =
          config_json["review-storage-service"]["addr"];
      int storage_port = config_json["review-storage-service"]["port"];
      std::string user_addr = config_json["user-review-service"]["addr"];
      int user_timeout = config_json["user-review-service"]["timeout_ms"];
      std::string cache_addr = config_json["compose-memcached"]["addr"];
      // ClientPool<ThriftClient<CommentedClient>> old("x", cache_addr, 1, 0, 1, 1);
      ClientPool<ThriftClient<ReviewStorageServiceClient>> storage_pool(
          "review-storage", storage_addr, storage_port, 0, 128, 1000);
      ClientPool<ThriftClient<UserReviewServiceClient>> user_pool(
          "user-review", user_addr, 9090, 0, 128, 1000, user_timeout);
    }
"""


def test_cpp_thrift_clients_read_their_host_from_a_config_entry_named_after_the_target(tmp_path: Any) -> None:
    # user-review: given a timeout its code reads from the target's own entry (timeout_entry: a mounted address book
    # gives its value); storage: no timeout argument
    storage, user = cpp_clients([("cr/main.cpp", src(COMPOSE_REVIEW))])
    assert (storage.target, storage.protocol, storage.at.line, storage.no_timeout, storage.timeout_entry) == (
        "review-storage-service", "other", 11, None, None)
    assert (user.target, user.timeout_entry) == ("user-review-service", "user-review-service")
    # a timeout read from another entry, or from anywhere else, leaves the client out: what bounds it is unknown
    for change in ('config_json["user-review-service"]["timeout_ms"]', "read_timeout()"):
        other = src(COMPOSE_REVIEW).replace('config_json["user-review-service"]["timeout_ms"]',
                                            change.replace("user-review-service", "compose-memcached"))
        assert [c.target for c in cpp_clients([("cr/main.cpp", other)])] == ["review-storage-service"], change
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          compose-review-service: {image: acme/cr}
          review-storage-service: {image: acme/rs}
          user-review-service: {image: acme/ur}
    """)
    write(tmp, "ComposeReview/main.cpp", COMPOSE_REVIEW)
    write(tmp, "Orphan/main.cpp", COMPOSE_REVIEW)
    design = load_documents(load_artifacts([f"compose={compose}", f"source:compose-review-service={tmp}/ComposeReview",
                                            f"source:orphan={tmp}/Orphan"]))
    call = fact(design, "interaction:compose-review-service->review-storage-service")
    assert (call.data["style"], call.data["protocol"]) == ("sync", "other") and "timeout_ms" not in call.data
    assert "main.cpp:11)" in call.data["inferred_from"]
    # its timeout is set from configuration, and no address book the caller mounts gives it: left out
    assert "interaction:compose-review-service->user-review-service" not in design.by_key()
    assert not [k for k in design.by_key() if k.startswith("interaction:orphan->")]  # no deployment runs it


def test_a_cpp_thrift_clients_timeout_read_from_its_entry_comes_from_the_address_book_the_caller_mounts(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    book = write(tmp, "config/service-config.json", """
        {"review-storage-service": {"addr": "review-storage-service", "port": 9090},
         "user-review-service": {"addr": "user-review-service", "port": 9090,
                                 "timeout_ms": 4000},
         "ssl": {"enabled": true}}
    """)
    compose = write(tmp, "compose.yaml", """
        services:
          compose-review-service: {image: acme/cr, volumes: ["./config:/config"]}
          review-storage-service: {image: acme/rs}
          user-review-service: {image: acme/ur}
    """)
    write(tmp, "ComposeReview/main.cpp", COMPOSE_REVIEW)
    design = load_documents(load_artifacts([f"compose={compose}",
                                            f"source:compose-review-service={tmp}/ComposeReview"]))
    call = fact(design, "interaction:compose-review-service->user-review-service")
    assert call.data["timeout_ms"] == 4000
    where = call.locate("timeout_ms")  # the target's entry in the book
    assert (where.file, where.line) == (book, line_of(book, '"user-review-service": {'))
    assert "timeout_ms" not in fact(design, "interaction:compose-review-service->review-storage-service").data


def test_ribbon_bounds_only_the_feign_clients_named_by_service(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shop: {image: acme/shop}
          stats: {image: acme/stats}
          rates: {image: acme/rates}
    """)
    config = write(tmp, "config/shop.yml", """
        ribbon:
          ReadTimeout: 3000
    """)
    write(tmp, "shop/src/StatsClient.java", STATS_CLIENT)
    write(tmp, "shop/src/RatesClient.java", """
        @FeignClient(name = "rates-client", url = "http://rates:8080")
        interface RatesClient { Rates get(); }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"spring={config}", f"source={tmp}/shop"]))
    stats = fact(design, "interaction:shop->stats")
    assert stats.data["timeout_ms"] == 3000 and "circuit_breaker" not in stats.data  # no Hystrix stated
    rates = fact(design, "interaction:shop->rates")  # by url: no Ribbon, OpenFeign's own default (60 s to read)
    assert rates.data["timeout_ms"] == 60000 and "address_resolution" not in rates.data
    assert rates.locate("timeout_ms").file.endswith("RatesClient.java")


def test_a_feign_client_given_its_url_by_a_property_makes_the_call_drawn_from_it(tmp_path: Any) -> None:
    # piggymetrics: @FeignClient(url = "${rates.url}") (statistics-service ExchangeRatesClient.java:10), rates.url set
    # in the service's Spring configuration (shared/statistics-service.yml:24-25), no Request.Options in the code
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          stats: {image: acme/stats}
          ledger: {image: acme/ledger}
    """)
    config = write(tmp, "config/stats.yml", """
        rates:
          url: https://api.rates.example
        ledger:
          url: http://ledger:8080
    """)
    write(tmp, "stats/src/RatesClient.java", """
        @FeignClient(name = "rates", url = "${rates.url}")
        public interface RatesClient { Rates get(); }
    """)
    write(tmp, "stats/src/LedgerCalls.java", """
        class LedgerCalls { String url; LedgerCalls(@Value("${ledger.url}") String url) { this.url = url; } }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"spring={config}", f"source={tmp}/stats"]))
    rates = fact(design, "interaction:stats->api.rates.example")
    assert rates.data["timeout_ms"] == 60000
    assert rates.locate("timeout_ms").file.endswith("RatesClient.java")
    assert "timeout_ms" not in fact(design, "interaction:stats->ledger").data  # no Feign client reads ledger.url
    # a Request.Options of the code's own: how long it waits is not known
    write(tmp, "stats/src/FeignConfig.java", """
        class FeignConfig { @Bean Request.Options options() { return new Request.Options(5000, 30000); } }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"spring={config}", f"source={tmp}/stats"]))
    assert "timeout_ms" not in fact(design, "interaction:stats->api.rates.example").data


LEDGER_MAIN = """
    int main(int argc, char *argv[]) {
      json conf;
      load_config_file("conf/services.json", &conf);
      mongoc_client_pool_t *entries = init_mongodb_client_pool(conf, "ledger", 64);
      std::string kv_host = conf["ledger-kv"]["addr"];
      int kv_port = conf["ledger-kv"]["port"];
      ClientPool<RedisClient> kv_pool("ledger-kv", kv_host, kv_port, 0, 16, 500);
      std::string spare = conf["ledger-spare"]["addr"];
      std::string quotes_host = conf["quote-service"]["addr"];
      serve(entries, &kv_pool, quotes_host);
    }

    void list_entries(mongoc_collection_t *collection, bson_t *query) {
      mongoc_collection_find_with_opts(collection, query, nullptr, nullptr);
    }
"""
QUOTES_MAIN = """
    int main(int argc, char *argv[]) {
      json conf;
      std::string mc_host = conf["quote-memcached"]["addr"];
      std::string opts = "--SERVER=" + mc_host + ":11211";
      memcached_st *mc = memcached(opts.c_str(), opts.length());
      serve(mc);
    }
"""


def test_cpp_datastore_clients_join_the_deployments_stores_by_config_entry_or_engine_and_name(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          ledger-service: {image: acme/ledger}
          quote-service: {image: acme/quotes}
          ledger-mongodb: {image: "mongo:6.0"}
          ledger-kv: {image: "redis:7.2"}
          ledger-spare: {image: "redis:7.2"}
          quote-memcached: {image: "memcached:1.6"}
    """)
    write(tmp, "Ledger/main.cpp", LEDGER_MAIN)
    write(tmp, "Quotes/main.cpp", QUOTES_MAIN)
    write(tmp, "Tuned/main.cpp", QUOTES_MAIN.replace(
        "serve(mc);", "memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 250);\n      serve(mc);"))
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Ledger",
                                            f"source:quote-service={tmp}/Quotes"]))
    keys = design.by_key()
    entries = fact(design, "interaction:ledger-service->ledger-mongodb").data
    assert entries["style"] == "sync" and "init_mongodb_client_pool" in entries["inferred_from"]
    assert "ledger-kv" in fact(design, "interaction:ledger-service->ledger-kv").data["inferred_from"]
    assert "interaction:ledger-service->ledger-spare" not in keys  # its address is read, never used
    assert "interaction:ledger-service->quote-service" not in keys  # a service: only a Thrift client names one
    assert fact(design, "interaction:quote-service->quote-memcached").data["timeout_ms"] == 5000  # libmemcached's
    tuned = load_documents(load_artifacts([f"compose={compose}", f"source:quote-service={tmp}/Tuned"]))
    assert "timeout_ms" not in fact(tuned, "interaction:quote-service->quote-memcached").data  # its own, not read


def test_an_engine_named_client_reaches_no_store_when_the_name_is_ambiguous_or_the_engine_differs(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          ledger-service: {image: acme/ledger}
          ledger-mongodb: {image: "mongo:6.0"}
          ledger_mongo: {image: "mongo:6.0"}
    """)
    write(tmp, "Ledger/main.cpp", LEDGER_MAIN.replace('"ledger-kv"', '"ledger-other"'))
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Ledger"]))
    assert not [k for k in design.by_key() if k.startswith("interaction:ledger-service->")]
    write(tmp, "Redis/main.cpp", "void f(json c) { auto p = init_redis_client_pool(c, \"ledger\", 8); use(p); }")
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Redis"]))
    assert not [k for k in design.by_key() if k.startswith("interaction:ledger-service->")]  # no ledger Redis


def test_a_cache_that_is_the_only_store_a_service_writes_holds_the_only_copy_of_it(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          quote-service: {image: acme/quotes}
          quote-memcached: {image: "memcached:1.6"}
          quote-mongodb: {image: "mongo:6.0"}
    """)
    writer = QUOTES_MAIN.replace("serve(mc);", "memcached_set(mc, key, 3, value, 5, 0, 0);\n      serve(mc);")
    write(tmp, "Writer/main.cpp", writer)
    write(tmp, "Reader/main.cpp", QUOTES_MAIN.replace("serve(mc);", "memcached_get(mc, key, 3, &n, &f, &rc);"))
    both = ("json conf;\n      auto db = init_mongodb_client_pool(conf, \"quote\", 8);\n"
            "      mongoc_collection_insert_one(db_collection(db), doc, nullptr, nullptr, &err);")
    write(tmp, "Both/main.cpp", writer.replace("json conf;", both))

    def cache(folder: str) -> dict[str, Any]:
        design = load_documents(load_artifacts([f"compose={compose}", f"source:quote-service={tmp}/{folder}"]))
        return dict(fact(design, "datastore:quote-memcached").data)

    assert cache("Writer")["role"] == "system_of_record"
    assert "role" not in cache("Reader")  # it only reads what something else put there
    assert "role" not in cache("Both")  # it keeps a database too: the cache may be a copy of it


def test_a_cpp_store_client_its_code_never_calls_through_is_no_call_and_one_it_only_reads_does_not_write(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          ledger-service: {image: acme/ledger}
          ledger-mongodb: {image: "mongo:6.0"}
          ledger-kv: {image: "redis:7.2"}
    """)
    # the pool is built and handed on, but no code of the service calls the MongoDB driver: no call
    write(tmp, "Unused/main.cpp", LEDGER_MAIN[:LEDGER_MAIN.index("    void list_entries")])
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Unused"]))
    assert "interaction:ledger-service->ledger-mongodb" not in design.by_key()
    # it calls the driver to find only: the call reads (mutating false); one insert anywhere and it writes
    write(tmp, "Reader/main.cpp", LEDGER_MAIN)
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Reader"]))
    call = fact(design, "interaction:ledger-service->ledger-mongodb")
    assert call.data["mutating"] is False
    write(tmp, "Writer/main.cpp", LEDGER_MAIN.replace("mongoc_collection_find_with_opts(collection, query, nullptr, "
                                                      "nullptr);", "mongoc_collection_insert_one(collection, query, "
                                                                   "nullptr, nullptr, nullptr);"))
    design = load_documents(load_artifacts([f"compose={compose}", f"source:ledger-service={tmp}/Writer"]))
    assert "mutating" not in fact(design, "interaction:ledger-service->ledger-mongodb").data
