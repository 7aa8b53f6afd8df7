"""`import source`: a client library with a documented default timeout bounds the calls the code makes with it
(catalogue ``client_timeouts``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.infra import parse_catalog
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

DEFAULT = """
    async fn price(n: u32) -> Result<f64, Error> {
        let client = awc::Client::new();
        let url = format!("{}/price", env::var("PRICES_ADDR").unwrap());
        let mut res = client.post(url).send_json(&n).await?;
        Ok(res.json().await?)
    }
"""
TUNED = """
    async fn price(n: u32) -> Result<f64, Error> {
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        let other = awc::Client::new();
        Ok(0.0)
    }
"""


def test_a_client_left_at_its_documented_default_bounds_the_drawn_calls(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          shipping:
            image: acme/shipping
            environment: {PRICES_ADDR: "http://prices:8090", CACHE_ADDR: "redis:6379"}
          tuned:
            image: acme/tuned
            environment: {PRICES_ADDR: "http://prices:8090"}
          prices:
            image: acme/prices
          redis:
            image: redis:7
    """)
    write(tmp, "shipping/src/quote.rs", DEFAULT)
    write(tmp, "tuned/src/quote.rs", TUNED)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/shipping", f"source={tmp}/tuned"]))
    call = fact(design, "interaction:shipping->prices")
    assert call.data.get("timeout_ms") == 5000
    assert call.fields["timeout_ms"].file.endswith("shipping/src/quote.rs")
    assert "timeout_ms" not in fact(design, "interaction:shipping->redis").data  # not an HTTP call
    assert "timeout_ms" not in fact(design, "interaction:tuned->prices").data  # the code sets its own


def test_a_bad_client_timeout_entry_says_which() -> None:
    base = {"images": [], "load_generator_names": "x", "server_env": {}, "data_dirs": {}, "ports": {},
            "secret_names": "x"}
    with pytest.raises(ValueError, match=r"client_timeouts\[0\]: timeout_ms must be a positive whole number"):
        parse_catalog({**base, "client_timeouts": [{"name": "x", "code": "x", "protocol": "http", "timeout_ms": 0}]})


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param('var mux = ConnectionMultiplexer.Connect(Environment.GetEnvironmentVariable("BASKET_CACHE"));',
                 5000, id="multiplexer-at-its-default"),
    pytest.param('services.AddStackExchangeRedisCache(o => { o.Configuration = cfg["BASKET_CACHE"]; });',
                 5000, id="distributed-cache-at-its-default"),
    pytest.param('var o = ConfigurationOptions.Parse(addr); o.SyncTimeout = 60000;\n'
                 'var mux = ConnectionMultiplexer.Connect(o);', None, id="timeout-set-in-code"),
    pytest.param('var mux = ConnectionMultiplexer.Connect(addr + ",asyncTimeout=90000");', None,
                 id="timeout-set-in-the-string"),
])
def test_a_redis_multiplexer_left_at_its_default_bounds_the_cache_call(tmp_path: Any, code: str,
                                                                       expected: int | None) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          basket:
            image: acme/basket
            environment: {BASKET_CACHE: "cache:6379"}
          cache:
            image: redis:7
    """)
    write(tmp, "basket/src/Store.cs", "using StackExchange.Redis;\npublic class Store {\n  void Open() {\n    "
                                      + code + "\n  }\n}\n")
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/basket"]))
    assert fact(design, "interaction:basket->cache").data.get("timeout_ms") == expected


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param("return AmazonDynamoDBClientBuilder\n        .standard()\n        .build();", 50000,
                 id="default-client-configuration"),
    pytest.param("ClientConfiguration cc = new ClientConfiguration().withSocketTimeout(2000);\n"
                 "return AmazonDynamoDBClientBuilder.standard().withClientConfiguration(cc).build();", None,
                 id="configuration-given-in-code"),
])
def test_an_aws_java_client_at_its_default_configuration_bounds_the_http_call(tmp_path: Any, code: str,
                                                                              expected: int | None) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          ledger:
            image: acme/ledger
            environment: {TABLES_ENDPOINT: "http://tables:8000"}
          tables:
            image: acme/tables
    """)
    write(tmp, "ledger/src/main/java/acme/Tables.java",
          "package acme;\nimport com.amazonaws.services.dynamodbv2.AmazonDynamoDBClientBuilder;\n"
          "public class Tables {\n  public Object client() {\n    " + code + "\n  }\n}\n")
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/ledger"]))
    assert fact(design, "interaction:ledger->tables").data.get("timeout_ms") == expected
