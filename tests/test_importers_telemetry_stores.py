"""compose: a datastore only observability infrastructure depends on, that no service of the system reads or writes,
is part of the telemetry stack: not reviewed."""

from __future__ import annotations

from typing import Any

from engine.importers import compose
from tests.helpers import write
from tests.importer_helpers import design_of


def test_a_store_only_the_telemetry_stack_uses_is_not_reviewed(tmp_path: Any) -> None:
    path = write(str(tmp_path), "compose.yaml", """
        services:
          collector:
            image: otel/opentelemetry-collector-contrib:0.120.0
            depends_on: [logs-search, shop]
          logs-search:
            image: opensearchproject/opensearch:2.19.0
          catalog-search:
            image: elasticsearch:8.15.0
          kibana:
            image: kibana:8.15.0
            depends_on: [catalog-search]
          shop:
            image: acme/shop
            environment: {SEARCH_URL: "http://catalog-search:9200"}
    """)
    docs = compose.import_file(path)
    keys = design_of(docs).by_key()
    assert "datastore:logs-search" not in keys
    assert [text for d in docs for _at, text in d.remarks if "observability infrastructure (" in text] == [
        "logs-search is a store of the observability infrastructure (collector depends on it) that no service of "
        "the system reads or writes: not reviewed as part of the system"]
    assert "datastore:catalog-search" in keys  # shop searches it: application data, whoever else reads it
    assert "interaction:shop->catalog-search" in keys
