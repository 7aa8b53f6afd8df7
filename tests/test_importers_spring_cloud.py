"""A Spring Cloud system handed over as compose, gateway routes, Spring configuration and module directories:
modules named as they register, routes placed behind Spring Cloud Gateway's StripPrefix routes, the time
limiter of its CircuitBreaker filter, collections returned by Spring MVC handlers, open services and registries,
and actuator endpoints exposed over HTTP (the generalisation gaps the held-out petclinic system showed)."""

from __future__ import annotations

import os
import textwrap
from typing import Any

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import design_of, fact, line_of

COMPOSE = """
    services:
      gateway:
        image: clinic/gateway
        ports: ["8080:8080"]
      owners:
        image: clinic/owners
      registry:
        image: clinic/registry
        ports: ["8761:8761"]
"""

GATEWAY = """
    spring:
      application:
        name: gateway
      cloud:
        gateway:
          server:
            webflux:
              default-filters:
                - name: CircuitBreaker
                  args:
                    name: defaultBreaker
              routes:
                - id: owners
                  uri: lb://owners
                  predicates:
                    - Path=/api/owner/**
                  filters:
                    - StripPrefix={strip}
"""

CONTROLLER = """
    package clinic.owners;

    /**
     * Owners of the clinic's patients.
     *
     * @author Someone Else
     */
    @RestController
    @RequestMapping("/owners")
    class OwnerResource {

        @GetMapping
        public List<Owner> findAll() {
            return repository.findAll();
        }

        @GetMapping("/{ownerId}")
        public Optional<Owner> findOwner(@PathVariable("ownerId") int ownerId) {
            return repository.findById(ownerId);
        }

        @GetMapping(value = "/paged", produces = "application/json")
        @Cacheable("owners")
        public Page<Owner> paged(Pageable pageable) {
            return repository.findAll(pageable);
        }

        @GetMapping("/{ownerId}/notes")
        public List<String> notes(@PathVariable int ownerId, @RequestParam int limit) {
            return List.of();
        }
    }
"""

REGISTRY = """
    package clinic.registry;

    /** @author Someone Else */
    @SpringBootApplication
    @EnableEurekaServer
    public class RegistryApplication {
    }
"""


def clinic(tmp: str, strip: int = 2, security: bool = False) -> Any:
    """The clinic's artifacts, imported as a team hands them over: compose, the gateway's routes, the modules."""
    compose = write(tmp, "docker-compose.yml", COMPOSE)
    routes = write(tmp, "clinic-gateway/src/main/resources/application.yml", GATEWAY.replace("{strip}", str(strip)))
    write(tmp, "clinic-owners/src/main/resources/application.yml", "spring:\n  application:\n    name: owners\n")
    write(tmp, "clinic-owners/src/main/java/clinic/owners/OwnerResource.java", CONTROLLER)
    write(tmp, "clinic-owners/pom.xml", "<project><artifactId>clinic-owners</artifactId><dependencies>"
          + ("<dependency><artifactId>spring-boot-starter-security</artifactId></dependency>" if security else "")
          + "</dependencies></project>\n")
    write(tmp, "clinic-registry/src/main/resources/application.yml", "spring.application.name: registry\n")
    write(tmp, "clinic-registry/src/main/java/clinic/registry/RegistryApplication.java", REGISTRY)
    return load_documents(load_artifacts([f"compose={compose}", f"gateway={routes}",
                                          f"source={tmp}/clinic-owners", f"source={tmp}/clinic-registry"]))


def test_a_module_is_the_service_it_names_itself_and_its_routes_sit_behind_the_stripped_gateway_route(
        tmp_path: Any) -> None:
    design = clinic(str(tmp_path))
    names = {f.name for f in design.of_kind("service")}
    assert {"owners", "registry", "gateway"} <= names
    assert not {n for n in names if n.startswith("clinic-")}  # not its folder's name
    listing = fact(design, "endpoint:GET /api/owner/owners")  # StripPrefix=2 takes /api/owner off
    assert (listing.data["served_by"], listing.data["routes_to"]) == ("gateway", ["owners"])
    assert listing.location.file.endswith("OwnerResource.java")


def test_a_handler_returning_a_list_is_an_unpaged_collection_unless_it_takes_a_page_or_a_limit(
        tmp_path: Any) -> None:
    design = clinic(str(tmp_path))
    listing = fact(design, "endpoint:GET /api/owner/owners").data
    assert (listing["returns_collection"], listing["pagination"]) == (True, False)
    assert listing["data_classification"] == "pii"  # owners are people
    paged = fact(design, "endpoint:GET /api/owner/owners/paged").data
    assert paged["returns_collection"] is True and "pagination" not in paged
    limited = fact(design, "endpoint:GET /api/owner/owners/{ownerId}/notes").data
    assert limited["returns_collection"] is True and "pagination" not in limited
    one = fact(design, "endpoint:GET /api/owner/owners/{ownerId}").data
    assert "returns_collection" not in one


def test_comments_name_no_credential_and_a_code_free_module_authenticates_nobody(tmp_path: Any) -> None:
    design = clinic(str(tmp_path))
    listing = fact(design, "endpoint:GET /api/owner/owners").data
    assert (listing["authn"], listing["authz"]) == ("none", "none")  # '@author' in a comment is no credential
    assert fact(design, "service:owners").data["inbound_auth"] == "none"
    assert fact(design, "service:registry").data["inbound_auth"] == "none"  # an Eureka server with no security


def test_a_security_dependency_in_the_build_file_leaves_authentication_unknown(tmp_path: Any) -> None:
    design = clinic(str(tmp_path), security=True)
    assert "authn" not in fact(design, "endpoint:GET /api/owner/owners").data
    assert "inbound_auth" not in fact(design, "service:owners").data


def test_a_strip_that_is_not_the_routes_prefix_places_no_route_behind_it(tmp_path: Any) -> None:
    design = clinic(str(tmp_path), strip=1)  # /api/owner/owners would reach the service as /owner/owners
    keys = design.by_key()
    assert not [k for k in keys if k.startswith("endpoint:GET /api/owner/")]
    assert "endpoint:owners-GET-/owners" in keys  # at its own path on its own port, unplaced


def test_the_circuit_breaker_filter_bounds_the_call_by_its_time_limiter(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    design = clinic(tmp)
    call = fact(design, "interaction:gateway->owners")
    assert (call.data["circuit_breaker"], call.data["timeout_ms"]) == (True, 1000)  # Resilience4j's default
    routes = os.path.join(tmp, "clinic-gateway/src/main/resources/application.yml")
    assert call.locate("timeout_ms").line == line_of(routes, "- name: CircuitBreaker")
    limiter = "resilience4j:\n  timelimiter:\n    configs:\n      default:\n        timeout-duration: 3s\n"
    configured = write(tmp, "limited.yml", textwrap.dedent(GATEWAY.replace("{strip}", "2")) + limiter)
    got = design_of(import_paths("gateway", [configured]))
    assert fact(got, "interaction:gateway->owners").data["timeout_ms"] == 3000


def test_actuator_endpoints_exposed_over_http_are_a_debug_endpoint_of_each_service(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "config/application.yml", "management.endpoints.web.exposure.include: '*'\n")
    write(tmp, "config/orders.yml", "server.port: 8081\n")
    write(tmp, "config/billing.yml", "management:\n  server:\n    port: 9001\n")
    design = design_of(import_paths("spring", [f"{tmp}/config"]))
    ep = fact(design, "endpoint:orders-actuator")
    assert (ep.data["method"], ep.data["path"], ep.data["served_by"], ep.data["debug"]) == (
        "ANY", "/actuator/**", "orders", True)
    assert "endpoint:billing-actuator" not in design.by_key()  # its own management port: who reaches it is unknown
    assert any("billing's actuator has a port of its own" in w.message for w in design.warnings)
    write(tmp, "health/application.yml", "management.endpoints.web.exposure.include: health,info,prometheus\n")
    write(tmp, "health/orders.yml", "server.port: 8081\n")
    quiet = design_of(import_paths("spring", [f"{tmp}/health"]))
    assert not list(quiet.of_kind("endpoint"))


CHAT = """
    @RestController
    public class ChatResource {
        private final ChatClient chatClient;

        @PostMapping("/chat")
        public String chat(@RequestBody String query) {
            return this.chatClient.prompt().user(query).call().content();
        }

        @GetMapping("/history")
        public String history() {
            return "none";
        }
    }
"""


def test_a_handler_that_runs_an_ai_model_triggers_a_paid_operation_with_no_per_user_limit(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "chat/src/main/java/chat/ChatResource.java", CHAT)
    design = design_of(import_paths("source", [f"{tmp}/chat"]))
    chat = fact(design, "endpoint:chat-POST-/chat").data
    assert (chat["triggers_paid_operation"], chat["per_user_operation_limit"]) == (True, False)
    assert "triggers_paid_operation" not in fact(design, "endpoint:chat-GET-/history").data
    write(tmp, "limited/src/main/java/chat/ChatResource.java", CHAT.replace(
        "@PostMapping", '@RateLimiter(name = "perUser")\n        @PostMapping'))
    limited = design_of(import_paths("source", [f"{tmp}/limited"]))
    data = fact(limited, "endpoint:limited-POST-/chat").data
    assert data["triggers_paid_operation"] is True and "per_user_operation_limit" not in data


LOOKUP = """
    @Service
    public class OwnersLookup {
        private final RestClient restClient = RestClient.builder().build();

        public List<Owner> owners() {
            return restClient.get().uri(discoveryClient.getInstances("owners").get(0).getUri() + "/owners")
                .retrieve().body(List.class);
        }
    }
"""


def test_a_discovery_client_lookup_is_a_call_with_no_timeout_when_no_code_names_one(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "docker-compose.yml",
                    "services:\n  owners:\n    image: a/owners\n  chat:\n    image: a/chat\n")
    write(tmp, "chat/src/main/java/chat/OwnersLookup.java", LOOKUP)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/chat"]))
    call = fact(design, "interaction:chat->owners").data
    assert (call["timeout_ms"], call["address_resolution"]) == (0, "registry")
    write(tmp, "timed/src/main/java/chat/OwnersLookup.java", LOOKUP.replace(
        "RestClient.builder().build()", "RestClient.builder().requestFactory(factoryWithReadTimeout()).build()"))
    write(tmp, "compose2.yml", "services:\n  owners:\n    image: a/owners\n  timed:\n    image: a/chat\n")
    timed = load_documents(load_artifacts([f"compose={tmp}/compose2.yml", f"source={tmp}/timed"]))
    assert "timeout_ms" not in fact(timed, "interaction:timed->owners").data  # some code names a timeout: unknown


def test_a_modules_own_configuration_naming_no_service_is_nobodys_defaults(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "orders/src/main/resources/application.yml", "spring.application.name: orders\n")
    write(tmp, "config-server/src/main/resources/application.yml",
          "spring.cloud.config.server.git.uri: https://github.com/acme/config\nspring.datasource.password: s3cret\n")
    design = design_of(import_paths("spring", [f"{tmp}/orders/src/main/resources/application.yml",
                                               f"{tmp}/config-server/src/main/resources/application.yml"]))
    assert not list(design.of_kind("interaction"))  # the Git backend is no call of orders
    assert "secrets_source" not in fact(design, "service:orders").data
    assert any("a module's own configuration that names no service" in w.message for w in design.warnings)
    write(tmp, "config/src/main/resources/shared/application.yml", "spring.datasource.password: s3cret\n")
    write(tmp, "config/src/main/resources/shared/orders.yml", "server.port: 8081\n")
    shared = design_of(import_paths("spring", [f"{tmp}/config/src/main/resources/shared"]))
    assert fact(shared, "service:orders").data["secrets_source"] == "repo_config"  # a config server's defaults


def test_a_folder_named_after_a_workloads_image_is_that_workload_and_a_config_server_is_a_registry(
        tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "docker-compose.yml", """
        services:
          config-server:
            image: acme/clinic-config-server:1.2
            ports: ["8888:8888"]
    """)
    write(tmp, "clinic-config-server/src/main/java/config/ConfigServerApplication.java", """
        @EnableConfigServer
        @SpringBootApplication
        public class ConfigServerApplication {
        }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/clinic-config-server"]))
    server = fact(design, "service:config-server").data
    assert (server["kind"], server["inbound_auth"]) == ("registry", "none")
    assert "service:clinic-config-server" not in design.by_key()


TOWNS = textwrap.dedent("""\
    package atlas;

    @RestController
    public class TownController {
        @GetMapping("/towns/{country}")
        public List<Town> towns(@PathVariable String country) {
            return repo.findByCountry(country);
        }

        @GetMapping("/towns/{country}/search/{text}")
        public List<Town> search(@PathVariable String country, @PathVariable String text) {
            List<Town> towns = repo.search(country, text);
            if (towns.size() > 12) {
                towns = towns.subList(0, 8);
            }
            return towns;
        }

        @GetMapping("/towns/top")
        public List<Town> top() {
            return repo.findAll().stream().limit(5).collect(Collectors.toList());
        }
    }
    """)


def test_a_handler_that_cuts_its_list_to_a_fixed_size_bounds_the_result(tmp_path: Any) -> None:
    write(str(tmp_path), "atlas/src/main/java/atlas/TownController.java", TOWNS)
    design = load_documents(import_paths("source", [str(tmp_path / "atlas")]))
    whole = fact(design, "endpoint:atlas-GET-/towns/-country").data
    assert (whole["returns_collection"], whole["pagination"]) == (True, False) and "max_results" not in whole
    search = fact(design, "endpoint:atlas-GET-/towns/-country-/search/-text").data
    assert (search["pagination"], search["max_results"]) == (False, 12)  # a list of 12 passes the guard whole
    assert fact(design, "endpoint:atlas-GET-/towns/top").data["max_results"] == 5


def shop_with_shared_password(tmp: str) -> Any:
    """A config server's shared defaults hold a datasource password; orders has JPA, edge and mailer do not, and
    mailer's own file writes a mail password."""
    write(tmp, "config/application.yml", "spring:\n  datasource:\n    url: jdbc:mysql://db/shop\n"
                                         "    password: hunter2\n")
    write(tmp, "config/orders.yml", "server.port: 8081\n")
    write(tmp, "config/edge.yml", "server.port: 8080\n")
    write(tmp, "config/mailer.yml", "spring:\n  mail:\n    host: smtp.example.com\n    password: swordfish\n")
    write(tmp, "orders/pom.xml", "<project><dependencies><dependency><artifactId>spring-boot-starter-data-jpa"
                                 "</artifactId></dependency></dependencies></project>\n")
    write(tmp, "orders/src/main/java/shop/OrderController.java",
          "package shop;\n@RestController\npublic class OrderController {\n"
          "    @GetMapping(\"/orders/{id}\")\n    public Order one(@PathVariable long id) { return null; }\n}\n")
    write(tmp, "edge/pom.xml", "<project><dependencies><dependency><artifactId>spring-cloud-starter-gateway"
                               "</artifactId></dependency></dependencies></project>\n")
    write(tmp, "edge/src/main/java/shop/EdgeApplication.java",
          "package shop;\n@SpringBootApplication\npublic class EdgeApplication {}\n")
    write(tmp, "mailer/src/main/java/shop/Mailer.java", "package shop;\npublic class Mailer {}\n")
    return load_documents(load_artifacts([f"spring={tmp}/config", f"source={tmp}/orders", f"source={tmp}/edge",
                                          f"source={tmp}/mailer"]))


def test_a_shared_default_credential_is_charged_only_to_services_whose_code_has_its_client(tmp_path: Any) -> None:
    design = shop_with_shared_password(str(tmp_path))
    assert fact(design, "service:orders").data["secrets_source"] == "repo_config"  # JPA: it reads the password
    assert "secrets_source" not in fact(design, "service:edge").data  # a gateway with no JDBC or JPA library
    assert fact(design, "service:mailer").data["secrets_source"] == "repo_config"  # its own file's mail password
    said = [str(w) for w in design.warnings if "no code or build file of edge shows a JDBC or JPA client" in str(w)]
    assert len(said) == 1 and "application.yml" in said[0], design.warnings


def test_without_the_services_code_a_shared_default_credential_stays_everyones(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    shop_with_shared_password(tmp)
    design = load_documents(load_artifacts([f"spring={tmp}/config"]))
    assert all(fact(design, f"service:{s}").data["secrets_source"] == "repo_config" for s in ("orders", "edge"))


def test_a_config_servers_file_for_an_infrastructure_image_is_not_that_images_configuration(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "docker-compose.yml", textwrap.dedent("""\
        services:
          orders:
            image: shop/orders
            ports: ["8081:8081"]
          tracing:
            image: openzipkin/zipkin
            ports: ["9411:9411"]
        """))
    write(tmp, "config/application.yml", "management.endpoints.web.exposure.include: '*'\n"
                                         "spring.datasource.password: hunter2\n"
                                         "eureka.client.serviceUrl.defaultZone: http://registry:8761/eureka/\n")
    write(tmp, "config/orders.yml", "server.port: 8081\n")
    write(tmp, "config/tracing.yml", "server.port: 9411\n")
    design = load_documents(load_artifacts([f"compose={tmp}/docker-compose.yml", f"spring={tmp}/config"]))
    assert fact(design, "service:orders").data["secrets_source"] == "repo_config"
    assert fact(design, "endpoint:orders-actuator").data["debug"] is True
    assert "secrets_source" not in fact(design, "service:tracing").data  # the Zipkin image reads no Spring config
    assert fact(design, "endpoint:tracing-ui").data["admin"] is True  # its console stays
    kept = {f.key for f in design.facts}
    assert "endpoint:tracing-actuator" not in kept and "interaction:orders->registry" in kept
    assert not any(f.key.startswith("interaction:tracing->") for f in design.facts)
    said = [str(w) for w in design.warnings if "tracing runs metrics, tracing or logging infrastructure" in str(w)]
    assert said and all("openzipkin/zipkin" in w and "is not read" in w for w in said), design.warnings


def test_a_module_whose_code_runs_an_operator_console_has_an_admin_entry(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "docker-compose.yml", "services:\n  console:\n    image: shop/console\n    ports: ['9090:9090']\n"
                                     "  orders:\n    image: shop/orders\n    ports: ['8081:8081']\n")
    write(tmp, "console/src/main/resources/application.yml", "spring.application.name: console\n")
    write(tmp, "console/src/main/java/shop/ConsoleApplication.java",
          "package shop;\n@SpringBootApplication\n@EnableAdminServer\npublic class ConsoleApplication {}\n")
    write(tmp, "orders/src/main/resources/application.yml", "spring.application.name: orders\n")
    write(tmp, "orders/src/main/java/shop/OrdersApplication.java",
          "package shop;\n// not @EnableAdminServer\n@SpringBootApplication\npublic class OrdersApplication {}\n")
    design = load_documents(load_artifacts([f"compose={tmp}/docker-compose.yml", f"source={tmp}/console",
                                            f"source={tmp}/orders"]))
    console = fact(design, "endpoint:console-entry").data
    assert (console["admin"], console["served_by"]) == (True, "console")
    assert fact(design, "service:console").data["exposure"] == "host"  # published: its entry is reviewed
    assert "admin" not in fact(design, "endpoint:orders-entry").data  # a comment naming it switches nothing on
    # the service whose published entry is its console is an operator's tool; the other is not
    assert fact(design, "service:console").data.get("operator_tool") is True
    assert "operator_tool" not in fact(design, "service:orders").data


RETRYING_GATEWAY = """
    spring:
      application: {name: gateway}
      cloud:
        gateway:
          server:
            webflux:
              default-filters: [{name: Retry, args: {retries: 2, methods: POST}}]
              routes:
                - {id: stock, uri: "lb://stock", predicates: [Path=/api/stock/**], filters: [StripPrefix=2]}
                - {id: basket, uri: "lb://basket", predicates: [Path=/api/basket/**], filters: [StripPrefix=2]}
"""


def test_a_retry_limited_to_methods_the_callee_never_serves_retries_nothing(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    routes = write(tmp, "gateway/src/main/resources/application.yml", RETRYING_GATEWAY)
    for name, method in (("stock", "Get"), ("basket", "Post")):
        write(tmp, f"{name}/src/main/resources/application.yml", f"spring.application.name: {name}\n")
        write(tmp, f"{name}/src/main/java/shop/{name.title()}Resource.java",
              f"package shop;\n@RestController\nclass {name.title()}Resource {{\n"
              f"    @{method}Mapping(\"/{name}\")\n    public Item one() {{ return null; }}\n}}\n")
    design = load_documents(load_artifacts([f"gateway={routes}", f"source={tmp}/stock", f"source={tmp}/basket"]))
    assert fact(design, "interaction:gateway->basket").data["retry"]["methods"] == ["POST"]  # its POSTs are re-sent
    assert "retry" not in fact(design, "interaction:gateway->stock").data  # it serves only GET
    said = [str(w) for w in design.warnings if "gateway->stock: retries only POST" in str(w)]
    assert len(said) == 1 and "serves only GET" in said[0], design.warnings


def test_a_service_whose_code_only_reads_its_database_makes_read_calls(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose_file = write(tmp, "docker-compose.yml", textwrap.dedent("""\
        services:
          ledger-db: {image: "postgres:16"}
          docs-db: {image: "mongo:7"}
          balances: {image: bank/balances, depends_on: [ledger-db]}
          payments: {image: bank/payments, depends_on: [ledger-db]}
          statements: {image: bank/statements, depends_on: [docs-db]}
        """))
    repo = ("package bank;\npublic interface LedgerRepository extends CrudRepository<Entry, Long> {\n"
            "    @Query(\"SELECT e FROM Entry e WHERE e.account = ?1\")\n    List<Entry> of(String account);\n}\n")
    write(tmp, "balances/src/main/java/bank/LedgerRepository.java", repo)
    write(tmp, "payments/src/main/java/bank/LedgerRepository.java", repo)
    write(tmp, "payments/src/main/java/bank/Pay.java",
          "package bank;\nclass Pay {\n    void pay(Entry e) { ledger.save(e); }\n}\n")
    write(tmp, "statements/server.js", "const mongo = require('mongodb');\n"
                                       "app.get('/docs', (req, res) => db.collection('docs').find({}).toArray());\n")
    design = load_documents(load_artifacts([f"compose={compose_file}", f"source={tmp}/balances",
                                            f"source={tmp}/payments", f"source={tmp}/statements"]))
    assert fact(design, "interaction:balances->ledger-db").data["mutating"] is False
    assert "mutating" not in fact(design, "interaction:payments->ledger-db").data  # it saves: a writer
    assert fact(design, "interaction:statements->docs-db").data["mutating"] is False


def test_a_response_object_built_from_a_whole_find_all_is_an_unpaged_collection() -> None:
    from engine.importers import code_routes
    code = textwrap.dedent("""
        @RestController
        public class InvoiceController {
          @GetMapping("/invoices")
          public ResponseEntity<GetInvoicesResponse> all() {
            return ResponseEntity.ok(new GetInvoicesResponse(StreamSupport.stream(invoices.findAll().spliterator(),
                false).map(i -> new GetInvoiceResponse(i.getId())).collect(Collectors.toList())));
          }
          @GetMapping("/invoices/paged")
          public InvoicesPage paged(@RequestParam int page) { return new InvoicesPage(invoices.findAll()); }
          @GetMapping("/invoices/count")
          public ResponseEntity<Long> count() {
            return ResponseEntity.ok(invoices.findAll().spliterator().estimateSize());
          }
          @GetMapping("/invoices/first")
          public GetInvoiceResponse first() { return toResponse(invoices.findAll().iterator().next()); }
          @GetMapping("/invoices/{id}")
          public ResponseEntity<GetInvoiceResponse> one(@PathVariable Long id) { return ok(invoices.findById(id)); }
        }
        """)
    got = {r.path: r.collection for r in code_routes.spring_routes("InvoiceController.java", code)}
    assert got["/invoices"] == ("ResponseEntity<GetInvoicesResponse> of findAll()", False)
    assert got["/invoices/paged"] == ("InvoicesPage of findAll()", True)  # it takes a page
    # a single value (a count) or one row taken from the rows is no collection; nor is a lookup by id
    assert got["/invoices/count"] is None and got["/invoices/first"] is None and got["/invoices/{id}"] is None


def test_a_module_handed_over_as_source_states_the_actuator_its_own_configuration_exposes(tmp_path: Any) -> None:
    # the module's default configuration file is read with its code: no separate Spring step is needed
    tmp = str(tmp_path)
    controller = ("@RestController\nclass StockController {\n  @GetMapping(\"/stock\")\n"
                  "  public String stock() { return \"ok\"; }\n}\n")
    write(tmp, "stock/src/main/java/shop/StockController.java", controller)
    write(tmp, "stock/src/main/resources/application.properties",
          "spring.application.name=stock\nmanagement.endpoints.web.exposure.include=env,health\n"
          "management.endpoints.web.base-path=/manage\n")
    design = design_of(import_paths("source", [f"{tmp}/stock"]))
    ep = fact(design, "endpoint:stock-actuator")
    assert (ep.data["method"], ep.data["path"], ep.data["served_by"], ep.data["debug"]) == (
        "ANY", "/manage/**", "stock", True)
    # health and metrics dump nothing; a profile's file (read only when that profile is active) is not the default
    write(tmp, "quiet/src/main/java/shop/StockController.java", controller)
    write(tmp, "quiet/src/main/resources/application.yml", "management.endpoints.web.exposure.include: health,info\n")
    write(tmp, "quiet/src/main/resources/application-dev.yml", "management.endpoints.web.exposure.include: '*'\n")
    quiet = design_of(import_paths("source", [f"{tmp}/quiet"]))
    assert not any(e.key.endswith("-actuator") for e in quiet.of_kind("endpoint"))


def test_a_dotnet_service_whose_ado_net_code_only_selects_makes_read_calls(tmp_path: Any) -> None:
    """C#: a service reading through an Npgsql data source with SELECTs only is a reader; one whose SQL updates rows
    is a writer, and so is one with an EF Core DbContext (the libraries it serves, ASP.NET Identity's stores, write
    through it); Polly's ``pipeline.Execute`` is no write."""
    tmp = str(tmp_path)
    compose_file = write(tmp, "docker-compose.yml", textwrap.dedent("""\
        services:
          orders-db: {image: "postgres:16"}
          poller: {image: shop/poller, depends_on: [orders-db]}
          closer: {image: shop/closer, depends_on: [orders-db]}
          accounts: {image: shop/accounts, depends_on: [orders-db]}
        """))
    reader = ("class Poller(NpgsqlDataSource dataSource) {\n    async Task Run() {\n"
              "        await _pipeline.Execute(async () => { await Task.Yield(); });\n"
              "        using var command = dataSource.CreateCommand(\"SELECT \\\"Id\\\" FROM ordering.orders\");\n"
              "        using var reader = await command.ExecuteReaderAsync();\n    }\n}\n")
    write(tmp, "poller/Poller.cs", reader)
    write(tmp, "closer/Closer.cs", reader.replace("SELECT \\\"Id\\\" FROM", "UPDATE").replace(
        "ordering.orders", "ordering.orders SET closed = true"))
    write(tmp, "accounts/Accounts.cs", "class AppDb : IdentityDbContext<User> { }\n"
                                       "class Report(NpgsqlConnection c) { }\n")
    design = load_documents(load_artifacts([f"compose={compose_file}", f"source={tmp}/poller",
                                            f"source={tmp}/closer", f"source={tmp}/accounts"]))
    poll = fact(design, "interaction:poller->orders-db")
    assert poll.data["mutating"] is False
    assert "mutating" not in fact(design, "interaction:closer->orders-db").data
    assert "mutating" not in fact(design, "interaction:accounts->orders-db").data
