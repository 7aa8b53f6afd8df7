"""`import source`: a Java service whose methods that call another service over HTTP all carry a circuit breaker
annotation (Resilience4j ``@CircuitBreaker``, Hystrix ``@HystrixCommand``) makes the drawn call state one."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_breakers import callers
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

STOCK_CLIENT = """
    package shop.billing;

    @Service
    public class StockClient {
        private final RestClient http;
        private final EndpointsConfig endpointsConfig;

        @CircuitBreaker(name = "stock", fallbackMethod = "failed")
        @Retry(name = "stock")
        public void reserve(long sku, int n) {
            URI url = UriComponentsBuilder.fromUriString(endpointsConfig.warehouse())
                .path("/reservations").build().toUri();
            http.post().uri(url).body(Map.of("sku", sku, "n", n)).retrieve().toBodilessEntity();
        }

        public List<Long> ids(List<Item> items) {
            return items.stream().map(Item::id).map(Function.identity()).toList();
        }
    }
"""
LEDGER_CLIENT = """
    package shop.billing;

    @Service
    public class LedgerClient {
        private final RestTemplate restTemplate;
        @Value("${ledger.url}") private String ledgerUrl;

        @HystrixCommand(fallbackMethod = "later")
        public void post(Entry e) {
            restTemplate.postForObject(ledgerUrl + "/entries", e, Void.class);
        }

        public Entry read(long id) {
            return restTemplate.getForObject(ledgerUrl + "/entries/" + id, Entry.class);
        }
    }
"""


def test_methods_calling_a_service_under_a_breaker_name_where_they_send() -> None:
    found = callers([("StockClient.java", textwrap.dedent(STOCK_CLIENT)),
                     ("LedgerClient.java", textwrap.dedent(LEDGER_CLIENT))])
    assert [(c.at.file, c.at.line, c.guarded, sorted(c.names)) for c in found] == [
        ("StockClient.java", 11, True, ["warehouse"]),
        ("LedgerClient.java", 10, True, ["ledger"]),
        ("LedgerClient.java", 14, False, ["ledger"])]


def test_a_class_level_breaker_wraps_every_method() -> None:
    code = textwrap.dedent("""
        @CircuitBreaker(name = "geo")
        @Component
        public class GeoClient {
            public Place find(String q) {
                return webClient.get().uri("http://geo:8080/places?q=" + q).retrieve().bodyToMono(Place.class).block();
            }
        }
    """)
    assert [(c.guarded, sorted(c.names)) for c in callers([("GeoClient.java", code)])] == [(True, ["geo"])]


def test_only_calls_whose_every_calling_method_is_guarded_state_a_breaker(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          billing:
            image: acme/billing
            environment:
              ENDPOINTS_WAREHOUSE: "http://warehouse:8080"
              LEDGER_URL: "http://ledger:8080"
              AUTH_ISSUER: "http://keys:8080/realms/shop"
          warehouse: {image: acme/warehouse}
          ledger: {image: acme/ledger}
          keys: {image: acme/keys}
    """)
    write(tmp, "billing/src/main/java/shop/billing/StockClient.java", STOCK_CLIENT)
    write(tmp, "billing/src/main/java/shop/billing/LedgerClient.java", LEDGER_CLIENT)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/billing"]))
    stock = fact(design, "interaction:billing->warehouse")
    assert stock.data.get("circuit_breaker") is True
    assert stock.fields["circuit_breaker"].file.endswith("StockClient.java")
    # read() calls the ledger without one: which call goes through which method is unknown
    assert "circuit_breaker" not in fact(design, "interaction:billing->ledger").data
    # no calling method names the key server (a framework's own call, a Function.identity() is no address)
    assert "circuit_breaker" not in fact(design, "interaction:billing->keys").data


def test_the_address_a_helper_of_the_class_builds_counts_for_the_method_calling_it() -> None:
    code = textwrap.dedent("""
        public class PhotoClient {
            @CircuitBreaker(name = "photos")
            public List<Photo> photos(Set<Long> ids) {
                URI url = photosUrl(ids);
                return rest.get().uri(url).retrieve().body(LIST);
            }

            private URI photosUrl(Set<Long> ids) {
                return UriComponentsBuilder.fromUriString(urlConfig.gallery()).queryParam("ids", ids).build().toUri();
            }
        }
    """)
    assert [(c.guarded, sorted(c.names)) for c in callers([("PhotoClient.java", code)])] == [(True, ["gallery"])]


def _spring_billing(tmp: str, environment: str, others: list[str], properties: str, client: str = STOCK_CLIENT) -> Any:
    """A billing Spring module calling through StockClient, with its own properties, in a compose project."""
    compose = write(tmp, "compose.yaml", "services:\n  billing:\n    image: acme/billing\n    environment:\n"
                    + "".join(f"      {v}\n" for v in environment.splitlines())
                    + "".join(f"  {o}: {{image: acme/{o}}}\n" for o in others))
    write(tmp, "billing/src/main/java/shop/billing/BillingApp.java",
          "@SpringBootApplication\npublic class BillingApp {}\n")
    props = write(tmp, "billing/src/main/resources/application.properties", "spring.application.name=billing\n"
                  + properties)
    write(tmp, "billing/src/main/java/shop/billing/StockClient.java", client)
    return load_documents(load_artifacts([f"compose={compose}", f"spring={props}", f"source={tmp}/billing"]))


def test_a_guarded_method_reading_the_property_a_call_is_drawn_from_guards_that_call(tmp_path: Any) -> None:
    # the property endpoints.warehouse names the host depot, not warehouse: the method that reads it through its
    # configuration object (endpointsConfig.warehouse()) is the one sending the drawn call billing->depot
    design = _spring_billing(str(tmp_path), 'LEDGER_URL: "http://ledger:8080"', ["depot", "ledger"],
                             "endpoints.warehouse=http://depot:8080/stock\n")
    depot = fact(design, "interaction:billing->depot")
    assert depot.data.get("circuit_breaker") is True
    assert depot.fields["circuit_breaker"].file.endswith("StockClient.java")


def test_a_property_the_deployment_sets_again_no_longer_ties_its_reader_to_the_drawn_call(tmp_path: Any) -> None:
    # ENDPOINTS_WAREHOUSE overrides the file's property, and another property still draws billing->depot: the guarded
    # method's requests go where the variable says, not to depot, whose calling method is then unknown
    design = _spring_billing(str(tmp_path), 'ENDPOINTS_WAREHOUSE: "http://warehouse:8080"', ["depot", "warehouse"],
                             "endpoints.warehouse=http://depot:8080/stock\nendpoints.returns=http://depot:8080/returns\n")
    assert "circuit_breaker" not in fact(design, "interaction:billing->depot").data


RETRIED_CLIENT = """
    package shop.billing;

    @Service
    public class StockClient {
        private final RestClient http;
        private final EndpointsConfig endpointsConfig;

        @Retry(name = "stockApi")
        public void take(long sku, int n) {
            URI url = UriComponentsBuilder.fromUriString(endpointsConfig.warehouse()).path("/take").build().toUri();
            http.put().uri(url).body(Map.of("sku", sku, "n", n)).retrieve().toBodilessEntity();
        }

        @Retry(name = "stockApi")
        public Level level(long sku) {
            return http.get().uri(endpointsConfig.warehouse() + "/level/" + sku).retrieve().body(Level.class);
        }
    }
"""


def _retried(tmp: str, properties: str, client: str = RETRIED_CLIENT) -> dict[str, Any]:
    design = _spring_billing(tmp, 'ENDPOINTS_WAREHOUSE: "http://warehouse:8080"', ["warehouse"], properties, client)
    data: dict[str, Any] = fact(design, "interaction:billing->warehouse").data
    return data


def test_calls_every_sending_method_retries_state_the_attempts_and_the_change_they_replay(tmp_path: Any) -> None:
    call = _retried(str(tmp_path), "resilience4j.retry.instances.stock-api.max-attempts=4\n")
    assert call["retry"] == {"attempts": 4}
    assert (call["mutating"], call["idempotency_key"]) == (True, False)  # take() PUTs, and no key is named


def test_a_retry_instance_without_max_attempts_takes_the_default_configuration_or_resilience4j_s(
        tmp_path: Any) -> None:
    assert _retried(str(tmp_path / "a"), "resilience4j.retry.configs.default.max-attempts=2\n")["retry"] == {
        "attempts": 2}
    assert _retried(str(tmp_path / "b"), "server.port=8080\n")["retry"] == {"attempts": 3}


def test_no_retry_is_stated_when_a_method_sending_a_change_does_not_retry_and_reads_change_nothing(
        tmp_path: Any) -> None:
    change_unretried = RETRIED_CLIENT.replace('@Retry(name = "stockApi")\n        public void', "public void")
    assert "retry" not in _retried(str(tmp_path / "a"), "", change_unretried)
    reads_only = RETRIED_CLIENT.replace("http.put()", "http.get()")
    call = _retried(str(tmp_path / "b"), "", reads_only)
    assert call["retry"] == {"attempts": 3} and "mutating" not in call and "idempotency_key" not in call
