"""`import source` with the deployment: a database a service's Go code writes only while it starts (a start-up
function filling it from what the code holds) keeps reference data, not the system's only copy: the system-of-record
role and the absent backups the deployment's import gave it are taken back (``code_seeding``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_seeding import seeds_only
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

COMPOSE = """
    services:
      hotels:
        build: ./hotels
        environment: {MONGO_URL: "mongodb://hotels-db:27017"}
      hotels-db:
        image: "mongo:7"
"""
MAIN = """
    package main

    import "net/http"

    func main() {
        client := fillHotels("hotels-db:27017")
        http.HandleFunc("/hotels", func(w http.ResponseWriter, r *http.Request) { listHotels(client, w) })
        http.ListenAndServe(":8080", nil)
    }
"""
SEED = """
    package main

    import (
        "context"
        "go.mongodb.org/mongo-driver/mongo"
        "go.mongodb.org/mongo-driver/mongo/options"
    )

    type hotel struct{ Id, Name string }

    // fillHotels connects and inserts the hotels the service ships with.
    func fillHotels(url string) *mongo.Client {
        hotels := []interface{}{hotel{"1", "Seaside"}, hotel{"2", "Harbour"}}
        client, _ := mongo.Connect(context.TODO(), options.Client().ApplyURI("mongodb://"+url))
        client.Database("hotels").Collection("hotels").InsertMany(context.TODO(), hotels)
        return client
    }
"""
READ = """
    package main

    import (
        "context"
        "net/http"
        "go.mongodb.org/mongo-driver/mongo"
    )

    func listHotels(client *mongo.Client, w http.ResponseWriter) {
        client.Database("hotels").Collection("hotels").Find(context.TODO(), nil)
    }
"""
BOOK = """
    package main

    import (
        "context"
        "net/http"
        "go.mongodb.org/mongo-driver/mongo"
    )

    func listHotels(client *mongo.Client, w http.ResponseWriter) {
        client.Database("hotels").Collection("bookings").InsertOne(context.TODO(), map[string]string{"at": "now"})
    }
"""


def design(tmp_path: Any, files: dict[str, str]) -> Any:
    root = str(tmp_path)
    write(root, "docker-compose.yml", COMPOSE)
    for name, text in files.items():
        write(root, f"hotels/{name}", text)
    return load_documents(load_artifacts([f"compose={os.path.join(root, 'docker-compose.yml')}",
                                          f"source:hotels={os.path.join(root, 'hotels')}"]))


def test_a_database_written_only_by_a_start_up_function_is_no_system_of_record(tmp_path: Any) -> None:
    data = fact(design(tmp_path, {"main.go": MAIN, "db.go": SEED, "read.go": READ}), "datastore:hotels-db").data
    assert "role" not in data and "backups" not in data


@pytest.mark.parametrize(("files", "why"), [
    ({"main.go": MAIN, "db.go": SEED, "read.go": BOOK}, "a handler writes it too"),
    ({"main.go": MAIN.replace("fillHotels(\"hotels-db:27017\")", "fillHotels(\"hotels-db:27017\")\n"
                              "        http.HandleFunc(\"/reset\", func(w http.ResponseWriter, r *http.Request) "
                              "{ fillHotels(\"hotels-db:27017\") })"),
      "db.go": SEED, "read.go": READ}, "a handler calls the seeding function"),
    ({"main.go": MAIN, "db.go": SEED.replace("hotels := ", "for { hotels := ").replace("return client", "}"),
      "read.go": READ}, "it writes in a loop without end"),
    ({"main.go": MAIN, "db.go": SEED.replace('hotel{"1", "Seaside"}', 'hotel{uuid.NewString(), "Seaside"}'),
      "read.go": READ}, "it writes values made at run time"),
])
def test_otherwise_it_stays_the_system_of_record(tmp_path: Any, files: dict[str, str], why: str) -> None:
    data = fact(design(tmp_path, files), "datastore:hotels-db").data
    assert data["role"] == "system_of_record", why


def test_sql_written_in_a_constructor_main_calls_is_seeding_and_a_search_index_call_is_no_write() -> None:
    main = 'package main\n\nfunc main() {\n\trepo := NewRepository()\n\tserve(repo)\n}\n'
    repo = ('package main\n\nimport "gorm.io/gorm"\n\nfunc NewRepository() *gorm.DB {\n\tdb := open()\n'
            '\tfor _, p := range products() {\n\t\tdb.Create(&p)\n\t}\n\treturn db\n}\n\n'
            'func (s *Search) Reindex() { s.client.Indices.Create([]string{"products"}) }\n')
    found = seeds_only([("svc/main.go", main), ("svc/repo.go", repo)])
    assert found is not None and "mysql" in found[0] and found[2].file == "svc/repo.go" and found[2].line == 8
    assert "NewRepository" in found[1]
    assert seeds_only([("svc/main.go", main.replace("serve(repo)", "db.Create(&x)")), ("svc/repo.go", repo)]) is None
