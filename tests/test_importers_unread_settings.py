"""A variable the deployment sets on a Spring service binds to a property of its configuration; when that property
is one no code or placeholder of the service reads, its address is no call (``code_routes._unread_settings``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
    services:
      relay: {image: "acme/relay:1"}
      pricing: {image: "acme/pricing:1"}
      console: {image: "acme/console:1"}
      basket:
        image: acme/basket:1
        environment:
          RELAY_ADMIN_URL: "http://relay:8080"
          PRICING_URL: "http://pricing:8080"
          SPRING_BOOT_ADMIN_CLIENT_URL: "http://console:8080"
"""

CONFIG = """
    spring.application.name=basket
    relay.admin.url=http://localhost:8099
    spring.boot.admin.client.url=http://localhost:8088
    pricing.url=http://localhost:9000
"""

READERS = {
    "none": "",
    "value": 'public Basket(@Value("${relay.admin.url}") String relay) {}',
    "prefix": '@ConfigurationProperties(prefix = "relay.admin")\nstatic class Relay { String url; }',
}


def _service(root: str, reader: str) -> str:
    write(root, "basket/src/main/resources/application.properties", CONFIG)
    write(root, "basket/src/main/java/acme/Basket.java", f"""
        package acme;
        public class Basket {{
            {READERS[reader]}
            public Basket(@Value("${{pricing.url}}") String pricing) {{}}
        }}
    """)
    return os.path.join(root, "basket")


def _calls(docs: Any) -> set[str]:
    return {f.key.split(":", 1)[1] for f in load_documents(docs).of_kind("interaction")}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_property_nothing_reads_draws_no_call(tmp_path: Any, reader: str) -> None:
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", COMPOSE)
    docs = load_artifacts([f"compose={compose}", f"source={_service(root, reader)}"])
    calls = _calls(docs)
    assert {"basket->pricing", "basket->console"} <= calls  # pricing.url is read; Spring reads its own property
    said = [text for d in docs for _at, text in d.remarks if "not drawn" in text]
    if reader == "none":
        assert "basket->relay" not in calls
        assert said == ["basket->relay not drawn: RELAY_ADMIN_URL binds to a property basket's configuration sets, "
                        "and no code or placeholder of it reads that property: no call is made through it"]
    else:  # read through @Value or a @ConfigurationProperties prefix: a call
        assert "basket->relay" in calls and said == []


def test_the_variable_alone_or_a_framework_variable_stays_a_call(tmp_path: Any) -> None:
    root = str(tmp_path)
    compose = write(root, "docker-compose.yml", COMPOSE)
    assert "basket->relay" in _calls(import_paths("compose", [compose]))  # without the code: as drawn
    service = _service(root, "none")
    write(root, "basket/src/main/resources/application.properties", CONFIG.replace("relay.admin.url", "other.url"))
    docs = load_artifacts([f"compose={compose}", f"source={service}"])
    # the configuration does not declare the property: how the code would bind it is not known, the call stays
    assert "basket->relay" in _calls(docs)


def test_a_call_to_a_registry_stays_though_no_code_reads_its_property(tmp_path: Any) -> None:
    root = str(tmp_path)
    text = COMPOSE.replace('console: {image: "acme/console:1"}',
                           'console: {image: "acme/console:1"}\n      coord: {image: "zookeeper:3.9"}')
    text = text.replace('PRICING_URL: "http://pricing:8080"',
                        'PRICING_URL: "http://pricing:8080"\n          COORD_HOSTS: "coord:2181"')
    compose = write(root, "docker-compose.yml", text)
    service = _service(root, "none")
    write(root, "basket/src/main/resources/application.properties", CONFIG + "    coord.hosts=localhost:2181\n")
    docs = load_artifacts([f"compose={compose}", f"source={service}"])
    # a registry's client is a library that reads its address itself: the service's own code need not name it
    assert "basket->coord" in _calls(docs)
