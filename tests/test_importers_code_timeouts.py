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
    text = "using StackExchange.Redis;\npublic class Store {\n  void Open() {\n    " + code + "\n  }\n}\n"
    assert _redis_call_timeout(str(tmp_path), "src/Store.cs", text) == expected


def _redis_call_timeout(tmp: str, path: str, text: str) -> Any:
    """The timeout the import states on the call of a service whose code is ``text`` (at ``path``) to its Redis."""
    compose = write(tmp, "compose.yaml", """
        services:
          basket:
            image: acme/basket
            environment: {BASKET_CACHE: "cache:6379"}
          cache:
            image: redis:7
    """)
    write(tmp, f"basket/{path}", text)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/basket"]))
    return fact(design, "interaction:basket->cache").data.get("timeout_ms")


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
def test_rust_reqwest_clients_bound_their_calls_with_the_timeout_the_code_gives_or_the_blocking_default(
        tmp_path: Any) -> None:
    # the async client's timeout comes from a settings field whose assignment falls back to 45 s; the blocking
    # client is left at its documented 30 s; a builder whose duration cannot be told states nothing
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          pricer:
            image: acme/pricer
            environment: {RATES_URL: "http://rates:7000"}
          ticker:
            image: acme/ticker
            environment: {RATES_URL: "http://rates:7000"}
          vague:
            image: acme/vague
            environment: {RATES_URL: "http://rates:7000"}
          rates:
            image: acme/rates
    """)
    write(tmp, "pricer/src/settings.rs", """
        pub struct Settings { pub rates_wait: Duration }
        impl Settings {
            pub fn load() -> Self {
                let rates_wait = env::var("RATES_WAIT")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::from_secs(45));
                Settings { rates_wait }
            }
        }
    """)
    write(tmp, "pricer/src/main.rs", """
        fn client(s: &Settings) -> reqwest::Client {
            reqwest::Client::builder().timeout(s.rates_wait).build().unwrap()
        }
    """)
    write(tmp, "ticker/src/main.rs", """
        fn main() {
            let c = reqwest::blocking::Client::new();
            let _ = c.get(env::var("RATES_URL").unwrap()).send();
        }
    """)
    write(tmp, "vague/src/main.rs", """
        fn client(wait: Duration) -> reqwest::Client {
            reqwest::Client::builder().timeout(wait).build().unwrap()
        }
    """)
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/pricer", f"source={tmp}/ticker",
                                            f"source={tmp}/vague"]))
    pricer = fact(design, "interaction:pricer->rates")
    assert pricer.data.get("timeout_ms") == 45000
    assert pricer.fields["timeout_ms"].file.endswith("pricer/src/main.rs")
    assert fact(design, "interaction:ticker->rates").data.get("timeout_ms") == 30000
    assert "timeout_ms" not in fact(design, "interaction:vague->rates").data


STORE_CLIENTS = {
    "dynamodb": ("amazon/dynamodb-local:2.5.2", "TABLES_URL", "http://tables:8000",
                 "DynamoDbClientBuilder b = DynamoDbClient.builder();\n    b.endpointOverride(URI.create(url));\n"
                 "    return b@@.build();",
                 ".overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(3)))", 30000),
    "search": ("elasticsearch:8.14.0", "INDEX_HOST", "tables:9200",
               "return ClientConfiguration.builder().connectedTo(url)@@.build();",
               ".withSocketTimeout(Duration.ofSeconds(40))", 5000),
    # boto3 against MinIO (Python): botocore's 60 s connect and read defaults unless the Config gives them
    "object": ("minio/minio:RELEASE.2025-04-22T22-12-26Z", "AWS_S3_ENDPOINT_URL", "http://tables:9000",
               "import os\nimport boto3\nfrom botocore.client import Config\n\n\ndef client():\n"
               "    return boto3.client(\"s3\", endpoint_url=os.environ[\"AWS_S3_ENDPOINT_URL\"],\n"
               "                        config=Config(signature_version=\"s3v4\"@@))\n",
               ", connect_timeout=2, read_timeout=5", 60000),
}


@pytest.mark.parametrize("store", sorted(STORE_CLIENTS))
@pytest.mark.parametrize("tuned", [False, True], ids=["default", "tuned"])
def test_a_store_client_at_its_default_bounds_only_the_calls_to_its_store(tmp_path: Any, store: str,
                                                                          tuned: bool) -> None:
    image, variable, address, code, tuning, expected = STORE_CLIENTS[store]
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", f"""
        services:
          ledger:
            image: acme/ledger
            environment: {{{variable}: "{address}", RATES_URL: "http://rates:8080"}}
          tables:
            image: {image}
          rates:
            image: acme/rates
    """)
    code = code.replace("@@", tuning if tuned else "")  # where the entry's code takes the tuning
    if code.startswith("import"):  # Python
        write(tmp, "ledger/storage.py", code)
    else:
        write(tmp, "ledger/src/main/java/acme/Tables.java",
              "package acme;\npublic class Tables {\n  public Object client(String url) {\n    " + code + "\n  }\n}\n")
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/ledger"]))
    assert fact(design, "interaction:ledger->tables").data.get("timeout_ms") == (None if tuned else expected)
    assert "timeout_ms" not in fact(design, "interaction:ledger->rates").data  # another HTTP call: its client unknown


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param("services.AddHttpClient<IStockClient, StockClient>();", 100000, id="typed-client-at-its-default"),
    pytest.param('services.AddHttpClient("stock", c => { c.Timeout = TimeSpan.FromSeconds(3); });', None,
                 id="timeout-assigned"),
    pytest.param("services.AddHttpClient<IStockClient, StockClient>();\n"
                 "    services.AddGrpcClient<Stock.StockClient>(o => o.Address = new Uri(url));", None,
                 id="a-grpc-client-too"),
])
def test_a_dotnet_http_client_factory_client_bounds_the_http_calls(tmp_path: Any, code: str,
                                                                   expected: int | None) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          till:
            image: acme/till
            environment: {StockUrl: "http://stock:8080"}
          stock:
            image: acme/stock
    """)
    write(tmp, "till/Startup.cs", "public static class Wiring {\n  public static void Add(IServiceCollection services, "
                                  "string url) {\n    " + code + "\n  }\n}\n")
    design = load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/till"]))
    assert fact(design, "interaction:till->stock").data.get("timeout_ms") == expected


@pytest.mark.parametrize(("code", "expected"), [
    pytest.param("@store = Redis.new", 5000, id="redis-rb-default"),
    pytest.param('@store = RedisClient.config(url: ENV["BASKET_CACHE"]).new_client', 5000, id="redis-client-default"),
    pytest.param("@store = Redis.new(read_timeout: 30)", None, id="timeout-set-in-code"),
    pytest.param("@store = Redis.new(:timeout => 30)", None, id="timeout-set-as-a-hash-rocket"),
])
def test_a_ruby_redis_client_left_at_its_default_bounds_the_queue_call(tmp_path: Any, code: str,
                                                                       expected: int | None) -> None:
    text = "class Throttle\n  def initialize\n    " + code + "\n  end\nend\n"
    assert _redis_call_timeout(str(tmp_path), "app/services/throttle.rb", text) == expected
