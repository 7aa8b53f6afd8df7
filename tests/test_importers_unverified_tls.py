"""Addresses, connection settings and components that turn a client's certificate check off (``tls_verify: false``)."""

from __future__ import annotations

import os

import pytest

from engine.importers import code_calls, code_clients, compose, infra, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import design_of, fact


@pytest.mark.parametrize(("text", "option"), [
    ("mongodb://db:27017/?tls=true&tlsAllowInvalidCertificates=true", "tlsAllowInvalidCertificates=true"),
    ("mongodb://u:p@db/orders?ssl=true&tlsInsecure=TRUE&w=1", "tlsInsecure=TRUE"),
    ("rediss://cache:6380/0?ssl_cert_reqs=none", "ssl_cert_reqs=none"),
    ("mongodb://db:27017/?tls=true&tlsAllowInvalidCertificates=false", None),
    ("postgres://u@pg:5432/app?sslmode=disable", None),  # no TLS at all: the tls question, not this one
    ("postgres://u@pg:5432/app?sslmode=require", None),
    ("rediss://cache:6380/0?ssl_cert_reqs=required", None),
    ("https://api.example.com/path?insecure=true", None),  # an application parameter, not a client option
    # key=value connection strings: ADO.NET (SqlClient, Npgsql's spaced key) and the JDBC drivers
    ("Server=sqldata;Database=Orders;User Id=sa;TrustServerCertificate=True", "TrustServerCertificate=True"),
    ("Host=pg;Username=app;Trust Server Certificate=true", "Trust Server Certificate=true"),
    ("jdbc:sqlserver://sql:1433;databaseName=orders;encrypt=true;trustServerCertificate=true",
     "trustServerCertificate=true"),
    ("jdbc:mysql://mysql:3306/orders?useSSL=true&verifyServerCertificate=false", "verifyServerCertificate=false"),
    ("jdbc:postgresql://pg:5432/app?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory",
     "sslfactory=org.postgresql.ssl.NonValidatingFactory"),
    ("${ORDERS_DB:-Server=sqldata;Database=Orders;TrustServerCertificate=true}", "TrustServerCertificate=true"),
    ("Server=sqldata;Database=Orders;TrustServerCertificate=false", None),
    ("jdbc:mysql://mysql:3306/orders?useSSL=true&verifyServerCertificate=true", None),
    # a string that asks for no TLS at all: nothing is verified because nothing is encrypted (the tls question)
    ("Server=sqldata;Database=Orders;User Id=sa;Encrypt=False;TrustServerCertificate=true", None),
    ("Host=pg;SSL Mode=Disable;Trust Server Certificate=true", None),
    ("jdbc:mysql://mysql:3306/orders?useSSL=false&verifyServerCertificate=false", None),
])
def test_url_options_that_skip_certificate_verification(text: str, option: str | None) -> None:
    assert infra.unverified_tls(text) == option


def test_a_connection_url_that_accepts_any_certificate(tmp_path: os.PathLike[str]) -> None:
    # the caller's call to the MongoDB workload and the datastore itself are tls_verify false; a PostgreSQL URL with
    # sslmode=disable states no such thing
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          orders-db:
            image: mongo:7.0.5
          pg:
            image: postgres:16.2
          orders:
            image: example/orders:1
            environment:
              ORDERS_DB_URI: "mongodb://orders-db:27017/?tls=true&tlsAllowInvalidCertificates=true"
              REPORTS_DSN: "postgres://reports@pg:5432/reports?sslmode=disable"
        """)
    d = design_of(compose.import_file(path))
    call = fact(d, "interaction:orders->orders-db")
    assert call.data["tls_verify"] is False
    assert fact(d, "datastore:orders-db").data["tls_verify"] is False
    assert "tls_verify" not in fact(d, "interaction:orders->pg").data
    assert "tls_verify" not in fact(d, "datastore:pg").data


_GO = '''package main

func dialRates() (*grpc.ClientConn, error) {
	creds := credentials.NewTLS(&tls.Config{InsecureSkipVerify: true})
	return grpc.Dial("rates:443", grpc.WithTransportCredentials(creds))
}

func dialStock() (*grpc.ClientConn, error) {
	creds := credentials.NewTLS(&tls.Config{InsecureSkipVerify: false})
	return grpc.Dial("stock:443", grpc.WithTransportCredentials(creds))
}

func fetchLabels() (*http.Response, error) {
	return http.Get("https://labels:8443/v1")
}
'''


def test_a_go_client_whose_function_builds_a_tls_config_that_skips_verification() -> None:
    # the clients a Go function makes carry its tls.Config's InsecureSkipVerify: true; another function's do not
    found = {c.target: c for c in code_clients.go_clients([("svc/main.go", _GO)])}
    assert set(found) == {"rates:443", "stock:443", "labels"}
    assert found["rates:443"].unverified is not None and "svc/main.go:4" in found["rates:443"].unverified
    assert found["stock:443"].unverified is None and found["labels"].unverified is None


_PY = '''import os
import requests

RATES = os.getenv("RATES_ADDR", "rates:8443")
STOCK = os.getenv("STOCK_ADDR", "stock:8443")


def rate(code):
    return requests.get(f"https://{RATES}/v1/{code}", timeout=2, verify=False)


def stock(sku):
    return requests.get(f"https://{STOCK}/v1/{sku}", timeout=2, verify="/etc/ssl/ca.pem")
'''

_JS = '''const request = require("request");
const host = process.env.LABELS_HOST || "labels";
module.exports = (id, cb) => request({url: "https://" + host + "/v1/" + id, timeout: 500,
                                      rejectUnauthorized: false}, cb);
'''


def test_python_and_node_calls_that_skip_certificate_verification() -> None:
    # requests' verify=False and request's rejectUnauthorized: false; verify given a CA bundle verifies
    calls = {c.url.var: c.unverified for c in code_calls.python_calls("svc/app.py", _PY)}
    assert calls == {"RATES_ADDR": "verify=False", "STOCK_ADDR": None}
    (js,) = code_calls.js_calls("web/labels.js", _JS)
    assert (js.url.var, js.unverified) == ("LABELS_HOST", "rejectUnauthorized: false")


def test_the_call_a_python_client_makes_without_verification_is_tls_verify_false(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    compose = write(root, "compose.yaml", """
        services:
          shop:
            image: acme/shop:1
            environment:
              RATES_ADDR: rates:8443
              STOCK_ADDR: stock:8443
          rates:
            image: acme/rates:1
          stock:
            image: acme/stock:1
        """)
    write(root, "shop/app.py", _PY)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={root}/shop"]))
    rates = fact(design, "interaction:shop->rates")
    assert rates.data["tls_verify"] is False and rates.locate("tls_verify").file.endswith("app.py")
    assert "tls_verify" not in fact(design, "interaction:shop->stock").data


@pytest.mark.parametrize(("key", "value", "prefix"), [
    ("OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY", "true", "OPAMP_SERVER"),
    ("CONSUL_HTTP_SSL_VERIFY", "false", "CONSUL_HTTP"),
    ("LDAP_SKIP_TLS_VERIFY", "1", "LDAP"),
    ("KEYCLOAK_TLS_REJECT_UNAUTHORIZED", "0", "KEYCLOAK"),
    ("NODE_TLS_REJECT_UNAUTHORIZED", "0", ""),  # Node's: every TLS client of the process
    ("NODE_TLS_REJECT_UNAUTHORIZED", "1", None),
    ("OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY", "false", None),
    ("CONSUL_HTTP_SSL_VERIFY", "true", None),
    ("SKIP_VERIFY", "true", None),  # says whose client nowhere
    ("OTLP_TLS_INSECURE", "true", None),  # the OpenTelemetry Collector's: no TLS, not an unverified one
])
def test_variables_that_turn_a_clients_certificate_check_off(key: str, value: str, prefix: str | None) -> None:
    assert infra.skip_verify_prefix(key, value) == prefix


def test_a_variable_beside_an_address_turns_off_the_check_of_that_address_client(tmp_path: os.PathLike[str]) -> None:
    # OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY is cart's client of the address OPAMP_SERVER_ENDPOINT gives, not of the
    # cache's; a plain http:// address has nothing to verify; a connection string that asks for no TLS says nothing;
    # NODE_TLS_REJECT_UNAUTHORIZED=0 turns off the check of the process's TLS clients only
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          opamp:
            image: example/opamp:1
          cache:
            image: redis:7.2
          flags:
            image: example/flags:1
          sql:
            image: mcr.microsoft.com/mssql/server:2022-latest
          cart:
            image: example/cart:1
            environment:
              - OPAMP_SERVER_ENDPOINT=wss://opamp:4320/v1/opamp
              - OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY=true
              - CACHE_ADDR=cache:6379
              - FLAGS_URL=http://flags:8013
              - FLAGS_TLS_SKIP_VERIFY=true
              - ORDERS_DB=Server=sql;Database=Orders;User Id=app;Encrypt=False;TrustServerCertificate=true
          web:
            image: example/web:1
            environment:
              NODE_TLS_REJECT_UNAUTHORIZED: "0"
              OPAMP_URL: wss://opamp:4320/v1/opamp
              FLAGS_URL: http://flags:8013
          billing:
            image: example/billing:1
            environment:
              BILLING_DB: "Server=sql;Database=Billing;User Id=app;TrustServerCertificate=true"
        """)
    d = design_of(compose.import_file(path))
    opamp = fact(d, "interaction:cart->opamp")
    assert opamp.data["tls_verify"] is False
    at = opamp.locate("tls_verify")  # the variable that says so
    with open(at.file, encoding="utf-8") as f:
        assert "OPAMP_SERVER_TLS_INSECURE_SKIP_VERIFY" in f.read().splitlines()[at.line - 1]
    assert fact(d, "interaction:web->opamp").data["tls_verify"] is False
    for call in ("cart->cache", "cart->flags", "cart->sql", "web->flags"):
        assert "tls_verify" not in fact(d, f"interaction:{call}").data, call
    assert fact(d, "interaction:billing->sql").data["tls_verify"] is False
    assert fact(d, "datastore:sql").data["tls_verify"] is False
