"""Addresses, connection settings and components that turn a client's certificate check off (``tls_verify: false``)."""

from __future__ import annotations

import os

import pytest

from engine.importers import compose, infra
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
