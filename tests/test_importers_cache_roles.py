"""An in-memory store named like a database of another engine but for its engine is that database's cache."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact


def test_a_redis_named_like_a_database_is_its_cache_and_a_lone_redis_keeps_no_role(tmp_path: Any) -> None:
    path = write(str(tmp_path), "docker-compose.yml", """
        services:
          feed-redis: {image: "redis:7"}
          feed-mongodb: {image: "mongo:7"}
          redis_orders: {image: "valkey/valkey:8"}
          orders-db: {image: "postgres:16"}
          sessions-redis: {image: "redis:7"}
          queue-redis: {image: "redis:7"}
          queue-memcached: {image: "memcached:1.6"}
          redis: {image: "redis:7"}
          api:
            image: acme/api:1
            environment: {FEED: "feed-redis:6379", ORDERS: "redis_orders:6379"}
        """)
    docs = import_paths("compose", [path])
    d = design_of(docs)
    roles = {n: fact(d, f"datastore:{n}").data.get("role")
             for n in ("feed-redis", "redis_orders", "sessions-redis", "queue-redis", "redis", "feed-mongodb")}
    # a Redis beside a database of the same name is its cache; beside nothing (sessions), another in-memory store
    # (queue-memcached) or with no name but its engine (redis), it may hold the only copy: no role is guessed
    assert roles == {"feed-redis": "cache", "redis_orders": "cache", "sessions-redis": None, "queue-redis": None,
                     "redis": None, "feed-mongodb": None}
    assert "role cache: named like feed-mongodb but for its engine, an in-memory store beside it keeps a copy " \
           "for speed (if it holds the only copy of some data, state role: system_of_record)" in \
           docs[0].notes["datastore:feed-redis"]  # type: ignore[attr-defined]
    # the review then takes its empty volume for a cache's, not for lost data
    assert fact(d, "datastore:feed-redis").data["durable_storage"] is False


def test_a_redis_beside_its_database_in_kubernetes_is_its_cache(tmp_path: Any) -> None:
    manifests = ""
    for name, image in (("cart-redis", "redis:7"), ("cart-postgres", "postgres:16")):
        manifests += f"""
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers: [{{name: {name}, image: "{image}"}}]
"""
    path = write(str(tmp_path), "stores.yaml", manifests)
    d = design_of(import_paths("kubernetes", [path]))
    assert fact(d, "datastore:cart-redis").data.get("role") == "cache"
    assert fact(d, "datastore:cart-postgres").data.get("role") is None
