"""Spring Boot application YAML import: connections, client timeouts and breakers, channels, literal secrets."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.errors import ArchplanError
from engine.importers import detect, import_paths
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import design_of, fact, fixture, line_of, read

CONFIG = fixture("spring", "config-server")
ORDERS = os.path.join(CONFIG, "orders.yml")
BILLING = os.path.join(CONFIG, "billing.yml")
SHIPPING = fixture("spring", "shipping-application.yml")


@pytest.fixture(scope="module")
def config() -> Design:
    return design_of(import_paths("spring", [CONFIG, SHIPPING]))


def test_a_config_server_file_configures_the_service_it_is_named_after_with_the_shared_defaults(
        config: Design) -> None:
    assert {s.name for s in config.of_kind("service")} >= {"orders", "billing", "shipping", "registry"}
    assert "service:application" not in config.by_key()
    for name in ("orders", "billing", "shipping"):  # application.yml is every service's defaults
        call = fact(config, f"interaction:{name}->registry")
        assert call.data["protocol"] == "http" and call.data["style"] == "sync"
        assert "eureka.client.serviceUrl.defaultZone" in call.data["inferred_from"]
        # The Eureka client registers and refreshes its cached registry from a task of its own.
        assert call.data["during"] == "background"
        assert call.locate("during").line == line_of(os.path.join(CONFIG, "application.yml"), "defaultZone")


def test_a_jdbc_url_is_a_synchronous_sql_call_to_a_relational_datastore(config: Design) -> None:
    db = fact(config, "datastore:orders-db").data
    assert db["engine"] == "mysql" and db["kind"] == "relational"
    call = fact(config, "interaction:orders->orders-db")
    assert call.data["protocol"] == "sql" and call.data["style"] == "sync"
    assert call.location.line == line_of(ORDERS, "jdbc:mysql")


def test_brokers_are_called_asynchronously(config: Design) -> None:
    for target, protocol in (("rabbitmq", "amqp"), ("kafka-1", "kafka"), ("kafka-2", "kafka")):
        src = "orders" if target == "rabbitmq" else "shipping"
        call = fact(config, f"interaction:{src}->{target}").data
        assert call["style"] == "async" and call["protocol"] == protocol
        assert fact(config, f"service:{target}").data["tags"] == ["broker"]


def test_a_feign_client_configuration_states_the_call_its_timeout_breaker_and_retries(config: Design) -> None:
    call = fact(config, "interaction:orders->billing")
    assert call.data["timeout_ms"] == 2500 and call.data["circuit_breaker"] is True
    assert call.data["retry"] == {"attempts": 3}
    assert call.locate("timeout_ms").line == line_of(ORDERS, "readTimeout: 2500")


def test_resilience4j_and_ribbon_settings_named_after_a_target_bound_the_call(config: Design) -> None:
    call = fact(config, "interaction:shipping->carrier").data
    assert call["timeout_ms"] == 2000  # the 2 s time limiter ends the call before Ribbon's 4 s read timeout
    assert call["circuit_breaker"] is True


def test_stream_bindings_are_channels_with_their_producers_and_consumers(config: Design) -> None:
    assert fact(config, "channel:invoices").data["producers"] == ["billing"]
    assert fact(config, "channel:payments").data["consumers"] == ["billing", "shipping"]


def test_a_public_url_is_an_external_and_a_literal_credential_is_named_never_shown(config: Design) -> None:
    assert "external:api.rates.example.com" in config.by_key()
    assert fact(config, "service:billing").data["secrets_source"] == "repo_config"  # a password in the mongodb URI
    assert fact(config, "service:shipping").data["secrets_source"] == "repo_config"  # app.signing-key
    assert "secrets_source" not in fact(config, "service:orders").data  # ${ORDERS_DB_PASSWORD} is a placeholder
    (doc,) = import_paths("spring", [CONFIG])
    assert "s3cr3t" not in repr(doc.data) and "s3cr3t" not in repr(doc.notes)  # type: ignore[attr-defined]


def test_auto_tells_spring_configuration_from_a_gateway_route_file() -> None:
    assert detect(SHIPPING) == "spring"
    assert detect(fixture("gateway", "zuul-gateway.yml")) == "gateway"
    assert "jdbc:mysql" in read(ORDERS)


def test_a_file_that_names_no_service_is_said_and_the_import_goes_on(tmp_path: Any) -> None:
    path = write(str(tmp_path), "application.yml", "spring:\n  rabbitmq:\n    host: mq\n")
    (doc,) = import_paths("spring", [path])
    assert not doc.data.get("services")
    assert any("names the service" in text for _at, text in doc.remarks)
    (named,) = import_paths("spring", [path], service="worker")
    assert design_of([named]).by_key()["interaction:worker->mq"].data["style"] == "async"


def test_a_timeout_that_is_no_duration_stops_the_import_at_its_line(tmp_path: Any) -> None:
    path = write(str(tmp_path), "orders.yml", """
        feign:
          client:
            config:
              billing:
                readTimeout: soon
        """)
    with pytest.raises(ArchplanError, match="not a duration") as exc:
        import_paths("spring", [path])
    assert exc.value.location is not None and exc.value.location.line == 5


def test_a_yaml_file_that_is_no_mapping_is_said_and_the_others_are_read(tmp_path: Any) -> None:
    write(str(tmp_path), "orders.yml", "spring:\n  redis:\n    host: orders-cache\n")
    write(str(tmp_path), "notes.yml", "- just\n- a list\n")
    (doc,) = import_paths("spring", [str(tmp_path)])
    keys = design_of([doc]).by_key()
    assert "interaction:orders->orders-cache" in keys and "service:notes" not in keys
    assert any("not Spring configuration" in text and at.file.endswith("notes.yml") for at, text in doc.remarks)


@pytest.mark.parametrize(("url", "target"), [
    pytest.param("jdbc:postgresql://pg-main:5432/orders?ssl=true", "pg-main", id="postgres"),
    pytest.param("jdbc:sqlserver://mssql:1433;databaseName=orders", "mssql", id="sqlserver-properties"),
    pytest.param("jdbc:h2:mem:testdb", None, id="embedded-h2-is-no-call"),
])
def test_jdbc_urls_name_their_server(tmp_path: Any, url: str, target: str | None) -> None:
    path = write(str(tmp_path), "orders.yml", f"spring:\n  datasource:\n    url: \"{url}\"\n")
    keys = set(design_of(import_paths("spring", [path])).by_key())
    calls = {k for k in keys if k.startswith("interaction:")}
    assert calls == ({f"interaction:orders->{target}"} if target else set())


PROPERTIES = fixture("spring", "orders-application.properties")


def test_a_properties_file_reads_like_yaml_with_placeholder_defaults_resolved() -> None:
    assert detect(PROPERTIES) == "spring"
    (doc,) = import_paths("spring", [PROPERTIES])
    d = design_of([doc])
    db = fact(d, "interaction:orders->orders-mysql")  # the placeholder's default names the host
    assert db.data["protocol"] == "sql" and db.location.line == line_of(PROPERTIES, "datasource.url")
    assert fact(d, "interaction:orders->catalogue").data["protocol"] == "http"  # a continued line
    assert "interaction:orders->localhost" not in d.by_key()  # the service's own host is no call
    svc = fact(d, "service:orders")
    assert svc.data["secrets_source"] == "repo_config"  # a default credential is written out
    assert svc.locate("secrets_source").line == line_of(PROPERTIES, "datasource.password")
    assert "changeme" not in repr(doc.data) and "changeme" not in repr(doc.notes)  # type: ignore[attr-defined]


def test_an_empty_config_server_file_still_gives_its_service_the_shared_defaults(tmp_path: Any) -> None:
    write(str(tmp_path), "application.yml", "spring:\n  rabbitmq:\n    host: mq\n")
    write(str(tmp_path), "monitoring.yml", "")
    assert "interaction:monitoring->mq" in design_of(import_paths("spring", [str(tmp_path)])).by_key()


def test_a_shared_url_default_is_a_call_only_of_the_services_that_configure_its_group(tmp_path: Any) -> None:
    # a config server gives every service application.yml; an OAuth2 resource setting in it is read by the OAuth2
    # services (their own file configures security.oauth2), not by a dashboard that configures none of it
    shared = write(str(tmp_path), "application.yml", """
        security:
          oauth2:
            resource:
              user-info-uri: http://uaa:5000/users/current
        spring:
          cloud:
            config:
              uri: http://settings:8888
        rates:
          url: http://rates:7000/latest
        """)
    write(str(tmp_path), "orders.yml", """
        security:
          oauth2:
            client:
              clientId: orders
        """)
    write(str(tmp_path), "dashboard.yml", "server:\n  port: 8080\n")
    write(str(tmp_path), "billing.yml", """
        security:
          oauth2:
            resource:
              user-info-uri: http://uaa:5000/users/current
        """)
    docs = import_paths("spring", [str(tmp_path)])
    d = design_of(docs)
    keys = d.by_key()
    assert "interaction:orders->uaa" in keys and "interaction:billing->uaa" in keys
    assert "interaction:dashboard->uaa" not in keys
    assert "interaction:dashboard->settings" in keys  # a start-up fetch every client makes stays
    # a default of a group no service configures on its own: nothing tells its readers apart, every service keeps it
    assert {"interaction:dashboard->rates", "interaction:orders->rates"} <= set(keys)
    assert [(str(at.line), text) for at, text in docs[0].remarks  # type: ignore[attr-defined]
            if "default every service" in text] == [(str(line_of(shared, "user-info-uri")),
        "security.oauth2.resource.user-info-uri is a default every service is given: no call drawn from it for "
        "dashboard, whose own configuration says nothing of security.oauth2 (nothing tells that they read it)")]


def test_the_host_clients_name_as_their_eureka_server_is_a_registry_with_its_dashboard(tmp_path: Any) -> None:
    shared = write(str(tmp_path), "application.yml", """
        eureka:
          client:
            serviceUrl:
              defaultZone: http://registry:8761/eureka/
        """)
    write(str(tmp_path), "orders.yml", "server:\n  port: 8080\n")
    d = design_of(import_paths("spring", [str(tmp_path)]))
    registry = fact(d, "service:registry")
    assert registry.data["kind"] == "registry"
    dash = fact(d, "endpoint:eureka-dashboard")
    assert dash.data["served_by"] == "registry" and dash.data["admin"] is True and dash.data["path"] == "/"
    assert dash.data["authn"] == "none"  # the clients register with no credentials
    assert dash.locate("authn").file == shared and dash.locate("authn").line == line_of(shared, "defaultZone")


def test_clients_that_register_with_credentials_leave_the_dashboard_authentication_unknown(tmp_path: Any) -> None:
    write(str(tmp_path), "application.yml", """
        eureka:
          client:
            service-url:
              defaultZone: http://eureka:${EUREKA_PASSWORD}@registry:8761/eureka/
        """)
    write(str(tmp_path), "orders.yml", "server:\n  port: 8080\n")
    dash = fact(design_of(import_paths("spring", [str(tmp_path)])), "endpoint:eureka-dashboard")
    assert "authn" not in dash.data


def test_a_config_server_uri_is_called_at_startup_and_blocks_no_request(tmp_path: object) -> None:
    from engine.review import review

    path = write(str(tmp_path), "orders.yml", """
        spring:
          application: {name: orders}
          cloud: {config: {uri: "http://config:8888"}}
        stock: {url: "http://stock:8080/api"}
        """)
    d = design_of(import_paths("spring", [path]))
    assert fact(d, "interaction:orders->config").data["during"] == "startup"
    assert "during" not in fact(d, "interaction:orders->stock").data
    timeouts = {f.subject for f in review([], extra=import_paths("spring", [path])).findings
                if f.rule == "remote-call-without-timeout"}
    assert timeouts == {"interaction:orders->stock"}  # the config fetch holds no request


def test_a_property_the_deployment_sets_again_draws_no_call_from_the_files_value(tmp_path: Any) -> None:
    # Spring binds CATALOG_ENDPOINTS_STOCK to catalog.endpoints.stock and the variable wins: the file's gateway
    # address is the default for running outside compose, and the call goes where the variable says.
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          catalog:
            image: acme/catalog
            environment:
              CATALOG_ENDPOINTS_STOCK: "http://stock:8080/stock"
          stock: {image: acme/stock}
          pricing: {image: acme/pricing}
    """)
    props = write(tmp, "catalog/src/main/resources/application.properties", """
        spring.application.name=catalog
        catalog.endpoints.stock=http://edge.shop.test/stock
        catalog.endpoints.pricing=http://pricing:8080/pricing
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"spring={props}"]))
    calls = {k for k in design.by_key() if k.startswith("interaction:catalog->")}
    # no call to the host only the file names
    assert calls == {"interaction:catalog->stock", "interaction:catalog->pricing"}


_EDGE_DEFAULTS = """
    spring.application.name={name}
    {name}.endpoints.stock=http://edge/stock
    {name}.endpoints.reviews=http://edge/reviews
"""
"""A service's own file: two addresses on the edge host, defaults for running outside the deployment."""


def _stock_overridden(tmp: str, names: tuple[str, ...], extra: str = "") -> tuple[str, list[str]]:
    """A compose file setting ``<NAME>_ENDPOINTS_STOCK`` on each of ``names`` (beside stock, edge and auth), and each
    one's ``_EDGE_DEFAULTS`` followed by ``extra`` lines."""
    services = "".join(f"""
          {n}:
            image: acme/{n}
            environment: {{{n.upper()}_ENDPOINTS_STOCK: "http://stock:8080/stock"}}""" for n in names)
    compose = write(tmp, "compose.yaml", f"""
        services:{services}
          stock: {{image: acme/stock}}
          edge: {{image: acme/edge}}
          auth: {{image: acme/auth}}
    """)
    return compose, [write(tmp, f"{n}/src/main/resources/application.properties",
                           _EDGE_DEFAULTS.format(name=n) + extra) for n in names]


def test_a_call_another_unset_property_draws_too_is_kept(tmp_path: Any) -> None:
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    compose, (props,) = _stock_overridden(str(tmp_path), ("catalog",))
    design = load_documents(load_artifacts([f"compose={compose}", f"spring={props}"]))
    calls = {k for k in design.by_key() if k.startswith("interaction:catalog->")}
    # the reviews still go through the edge host
    assert calls == {"interaction:catalog->stock", "interaction:catalog->edge"}


def test_a_file_property_no_code_reads_draws_no_call_beside_one_the_deployment_sets_again(tmp_path: Any) -> None:
    # The file gives two addresses on the edge host; the deployment sets the stock one again (Spring binds
    # CATALOG_ENDPOINTS_STOCK to it), and nothing of catalog's code names the reviews one (its configuration class
    # is in a library not handed over): no call goes to the edge. A second service whose code reads the reviews
    # address keeps its call.
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    tmp = str(tmp_path)
    # a framework's own property (Spring Security OAuth2's token URI) is read with no code naming it
    compose, (catalog, basket) = _stock_overridden(tmp, ("catalog", "basket"),
                                                   "    security.oauth2.client.access-token-uri=http://auth/token\n")
    java = """
        package shop;
        @Service
        public class StockClient {
            private final EndpointsConfig config;
            public String stock() { return restClient.get().uri(config.stock()).retrieve().body(String.class); }
            %s
        }
    """
    write(tmp, "catalog/src/main/java/shop/StockClient.java", java % "")
    write(tmp, "basket/src/main/java/shop/StockClient.java",
          java % ("public String reviews() { "
                  "return restClient.get().uri(config.reviews()).retrieve().body(String.class); }"))
    docs = load_artifacts([f"compose={compose}", f"spring={catalog}", f"spring={basket}",
                           f"source={tmp}/catalog", f"source={tmp}/basket"])
    design = load_documents(docs)
    keys = design.by_key()
    assert "interaction:catalog->edge" not in keys and "interaction:catalog->auth" in keys
    assert "interaction:basket->edge" in keys  # its code reads the reviews address
    assert any("catalog->edge not drawn from catalog.endpoints.reviews, catalog.endpoints.stock: "
               "CATALOG_ENDPOINTS_STOCK sets catalog.endpoints.stock again; nothing of catalog's code reads "
               "catalog.endpoints.reviews" in text for d in docs for _at, text in d.remarks)


def test_a_module_imported_for_a_deployed_service_is_read_as_that_service_not_its_own_name(tmp_path: Any) -> None:
    # The compose service storefront builds the module that calls itself storefront-bff: imported for storefront,
    # its calls and secrets are storefront's, and the deployment's variables override its defaults, so no second
    # service named storefront-bff calls the file's default host.
    from engine.importers import load_artifacts
    from engine.loader import load_documents

    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          storefront:
            build: ./storefront-bff
            environment: {SHOP_SERVICES_CART: "http://cart/cart"}
          cart: {image: acme/cart}
          identity: {image: acme/identity}
    """)
    props = write(tmp, "storefront-bff/src/main/resources/application.yaml", """
        spring:
          application:
            name: storefront-bff
          security:
            oauth2:
              client:
                provider:
                  keycloak:
                    issuer-uri: http://identity/realms/shop
        shop:
          services:
            cart: http://api.shop.test/cart
    """)
    docs = load_artifacts([f"compose={compose}", f"spring:storefront={props}"])
    design = load_documents(docs)
    keys = set(design.by_key())
    assert "service:storefront-bff" not in keys and "service:api.shop.test" not in keys
    assert {k for k in keys if k.startswith("interaction:storefront->")} == {
        "interaction:storefront->cart", "interaction:storefront->identity"}
    (spring,) = [d for d in docs if getattr(d, "format", "") == "spring"]
    assert any("calls itself storefront-bff" in text and "as storefront" in text for _at, text in spring.remarks)


def test_several_modules_imported_with_one_service_keep_their_own_names(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    a = write(tmp, "orders/src/main/resources/application.yml",
              "spring:\n  application:\n    name: orders\n  rabbitmq:\n    host: mq\n")
    b = write(tmp, "billing/src/main/resources/application.yml",
              "spring:\n  application:\n    name: billing\n  rabbitmq:\n    host: mq\n")
    design = design_of(import_paths("spring", [a, b], service="shop"))
    assert {"interaction:orders->mq", "interaction:billing->mq"} <= set(design.by_key())
    assert "service:shop" not in design.by_key()


@pytest.mark.parametrize(("url", "target", "option"), [
    pytest.param("jdbc:sqlserver://mssql:1433;databaseName=orders;encrypt=true;trustServerCertificate=true", "mssql",
                 "trustServerCertificate=true", id="sqlserver-trusts-any-certificate"),
    pytest.param("jdbc:mysql://orders-db:3306/orders?useSSL=true&verifyServerCertificate=false", "orders-db",
                 "verifyServerCertificate=false", id="connector-j-verifies-nothing"),
    pytest.param("jdbc:sqlserver://mssql:1433;databaseName=orders;encrypt=false;trustServerCertificate=true", "mssql",
                 None, id="no-tls-asked-for"),
    pytest.param("jdbc:postgresql://pg-main:5432/orders?ssl=true", "pg-main", None, id="verified"),
])
def test_a_datasource_url_that_turns_the_certificate_check_off(tmp_path: Any, url: str, target: str,
                                                               option: str | None) -> None:
    # the call and the datastore are tls_verify false, located at the property, when the URL says so
    path = write(str(tmp_path), "orders.yml", f"spring:\n  datasource:\n    url: \"{url}\"\n")
    d = design_of(import_paths("spring", [path]))
    call, store = fact(d, f"interaction:orders->{target}"), fact(d, f"datastore:{target}")
    if option is None:
        assert "tls_verify" not in call.data and "tls_verify" not in store.data
    else:
        assert call.data["tls_verify"] is False and store.data["tls_verify"] is False
        assert call.locate("tls_verify").line == 3
