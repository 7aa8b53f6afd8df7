"""`import source` with the deployment: a Redis that keeps no data across restarts, holding keys a service writes
with no expiry while that service reaches no other datastore, is a cache holding the only copy of that data."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_redis_store import written
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

COMPOSE = """
    services:
      drafts:
        build: ./drafts
        environment: {REDIS_URL: "redis://drafts-redis:6379", STOCK_URL: "http://stock:8080"}
      stock:
        image: acme/stock:1
      drafts-redis:
        image: "redis:7"
"""
DRAFTS = """
    import Redis from 'ioredis';

    const client = new Redis(process.env.REDIS_URL);
    const seen = new Map();

    export async function saveDraft(id: string, draft: object): Promise<void> {
      seen.set(id, true);
      await client.set(`draft:${id}`, JSON.stringify(draft));
    }
"""


def design(tmp_path: Any, compose: str, code: str) -> Any:
    root = str(tmp_path)
    write(root, "docker-compose.yml", compose)
    write(root, "drafts/src/drafts.ts", code)
    return load_documents(load_artifacts([f"compose={os.path.join(root, 'docker-compose.yml')}",
                                          f"source:drafts={os.path.join(root, 'drafts')}"]))


def test_a_redis_on_no_volume_written_with_no_expiry_by_its_only_client_holds_the_only_copy(tmp_path: Any) -> None:
    data = fact(design(tmp_path, COMPOSE, DRAFTS), "datastore:drafts-redis").data
    assert (data["kind"], data.get("role"), data["durable_storage"]) == ("cache", "system_of_record", False)


@pytest.mark.parametrize(("compose", "code"), [
    (COMPOSE, DRAFTS.replace("JSON.stringify(draft))", "JSON.stringify(draft), 'EX', 3600)")),  # it expires
    (COMPOSE.replace('image: "redis:7"', 'image: "redis:7"\n        volumes: ["drafts:/data"]'), DRAFTS),  # kept
    (COMPOSE.replace('STOCK_URL: "http://stock:8080"', 'DB_URL: "postgres://accounts-db:5432/d"')
     + '      accounts-db:\n        image: "postgres:16"\n', DRAFTS),  # a database beside it may hold the data
    (COMPOSE, DRAFTS.replace("await client.set(", "await fetch(")),  # nothing written there
], ids=["key-expires", "volume", "database-beside", "no-write"])
def test_otherwise_the_redis_keeps_its_kind_and_no_role(tmp_path: Any, compose: str, code: str) -> None:
    data = fact(design(tmp_path, compose, code), "datastore:drafts-redis").data
    assert (data["kind"], data.get("role")) == ("kv", None)


def test_the_first_write_with_no_expiry_of_each_client_library_is_found() -> None:
    cs = "using StackExchange.Redis;\nclass R { void S() { _database.StringSetAsync(key, json); } }\n"
    go = ('import "github.com/redis/go-redis/v9"\nfunc s() { rdb.Set(ctx, "k", v, 0) }\n'
          'func t() { rdb.Set(ctx, "k", v, time.Hour) }\n')
    py = "import redis\nr = redis.Redis()\ndef s(): r.hset('k', mapping=m)\n"
    assert [w and (w[0], w[1].line) for w in (written([("R.cs", cs)]), written([("s.go", go)]),
                                              written([("s.py", py)]))] == [
        ("_database.StringSetAsync()", 2), ("rdb.Set()", 2), ("r.hset()", 3)]
    assert written([("s.go", go.replace("v, 0)", "v, time.Minute)"))]) is None  # every key expires
    assert written([("s.py", py.replace("import redis", "import json"))]) is None  # no Redis client library
