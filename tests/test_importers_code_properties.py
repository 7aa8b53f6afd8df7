"""A variable the deployment sets on a Spring service that lands in a component of a ``@ConfigurationProperties``
class no code reads draws no call (``code_properties``, ``code_routes._unread_settings``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_properties, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
    services:
      ledger: {image: "acme/ledger:1"}
      stock: {image: "acme/stock:1"}
      audit: {image: "acme/audit:1"}
      till:
        image: acme/till:1
        environment:
          TILL_PEERS_LEDGER: "http://ledger:8080"
          TILL_PEERS_STOCK: "http://stock:8080"
          TILL_LINKS_AUDIT: "http://audit:8080"
"""

PEERS = {
    # a record whose stock() nobody calls, and a map of links nobody reads
    "record": """
        @ConfigurationProperties(prefix = "till.peers")
        public record Peers(String ledger, String stock) {}
    """,
    # a bean whose getStock() nobody calls
    "bean": """
        @Data
        @ConfigurationProperties("till.peers")
        public class Peers {
            private String ledger;
            private String stock = "http://localhost:9000";
            public String getLedger() { return ledger; }
        }
    """,
}

CLIENT = """
    package acme.till;
    @Service
    public class LedgerClient {
        private final Peers peers;
        private final RestClient rest;
        public String balance() {
            return rest.get().uri(peers.%s() + "/balance").retrieve().body(String.class);
        }
    }
"""

LINKS = """
    package acme.till;
    import java.util.Map;
    @ConfigurationProperties(prefix = "till")
    public record Links(Map<String, String> links) {}
"""


def _service(root: str, peers: str, accessor: str = "ledger", extra: str = "") -> str:
    write(root, "till/src/main/java/acme/till/Peers.java", "package acme.till;\n" + PEERS[peers])
    write(root, "till/src/main/java/acme/till/LedgerClient.java", CLIENT % accessor + extra)
    write(root, "till/src/main/java/acme/till/Links.java", LINKS)
    return os.path.join(root, "till")


def _import(root: str, service: str) -> tuple[set[str], list[str]]:
    compose = write(root, "docker-compose.yml", COMPOSE)
    docs = load_artifacts([f"compose={compose}", f"source={service}"])
    calls = {f.key.split(":", 1)[1] for f in load_documents(docs).of_kind("interaction")}
    return calls, sorted(text for d in docs for _at, text in d.remarks if "not drawn" in text)


@pytest.mark.parametrize("peers", sorted(PEERS))
def test_a_component_no_code_reads_draws_no_call(tmp_path: Any, peers: str) -> None:
    root = str(tmp_path)
    accessor = "ledger" if peers == "record" else "getLedger"
    calls, said = _import(root, _service(root, peers, accessor))
    assert "till->ledger" in calls  # its accessor is called
    assert "till->stock" not in calls and "till->audit" not in calls
    assert said == [
        "till->audit not drawn: TILL_LINKS_AUDIT binds to Links.links (till.links, Links.java:3), which no code of "
        "till reads: no call is made through it",
        "till->stock not drawn: TILL_PEERS_STOCK binds to Peers.stock (till.peers.stock, Peers.java:"
        f"{3 if peers == 'record' else 4}), which no code of till reads: no call is made through it"]


@pytest.mark.parametrize(("extra", "kept"), [
    pytest.param('class Audit { String where(Links l) { return l.links().get("audit"); } }', "till->audit",
                 id="map-read"),
    pytest.param("class Stock { String where(Peers p) { return p.getStock(); } }", "till->stock", id="getter-read"),
    pytest.param('class Stock { @Value("${till.peers.stock}") String where; }', "till->stock", id="placeholder-read"),
])
def test_a_component_some_code_reads_stays_a_call(tmp_path: Any, extra: str, kept: str) -> None:
    root = str(tmp_path)
    calls, _said = _import(root, _service(root, "record", extra=extra))
    assert {"till->ledger", kept} <= calls


def test_a_class_with_methods_of_its_own_counts_as_reading_all() -> None:
    code = """
        @ConfigurationProperties(prefix = "till.peers")
        public class Peers {
            private String stock;
            public URI stockUri() { return URI.create(stock); }
        }
    """
    found = code_properties.components([("Peers.java", code)])
    assert [(c.prefix, c.read) for c in found] == [("till.peers.stock", True)]
    assert code_properties.unread("TILL_PEERS_STOCK", found) is None


def test_the_longer_component_wins_and_unbound_keys_are_no_components() -> None:
    code = """
        @ConfigurationProperties("till.peers")
        record Peers(String stock, String stockAdmin) {}
        class Use { String a(Peers p) { return p.stockAdmin(); } }
    """
    found = code_properties.components([("Peers.java", code)])
    assert code_properties.unread("TILL_PEERS_STOCK_ADMIN", found) is None
    unread = code_properties.unread("till.peers.stock", found)
    assert unread is not None and unread.prefix == "till.peers.stock"
    assert code_properties.unread("OTHER_URL", found) is None
