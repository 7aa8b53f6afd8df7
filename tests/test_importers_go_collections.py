"""Go GET handlers that write a whole slice as their response (code_go): ``returns_collection``, and ``pagination:
false`` unless the handler reads a page, size, limit or cursor parameter."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write

KENNEL = """
    package main

    import (
        "net/http"
        "strconv"

        "github.com/gin-gonic/gin"
    )

    func main() {
        r := gin.Default()
        r.GET("/dogs", listDogs)
        r.GET("/dogs/paged", pagedDogs)
        r.GET("/dogs/:id", oneDog)
        r.GET("/count", countDogs)
        r.Run(":8080")
    }

    func listDogs(c *gin.Context) {
        dogs, err := kennel.store.AllDogs()
        if err != nil {
            c.AbortWithStatus(http.StatusInternalServerError)
            return
        }
        c.JSON(http.StatusOK, dogs)
    }

    func pagedDogs(c *gin.Context) {
        n, _ := strconv.Atoi(c.DefaultQuery("limit", "20"))
        dogs, _ := kennel.store.SomeDogs(n)
        c.JSON(http.StatusOK, dogs)
    }

    func oneDog(c *gin.Context) {
        dog, _ := kennel.store.DogByID(c.Param("id"))
        c.JSON(http.StatusOK, dog)
    }

    func countDogs(c *gin.Context) {
        dogs, _ := kennel.store.AllDogs()
        c.JSON(http.StatusOK, gin.H{"count": len(dogs)})
    }
"""

STORE = """
    package main

    type DogStore interface {
        AllDogs() ([]Dog, error)
        SomeDogs(limit int) ([]Dog, error)
        DogByID(id string) (Dog, error)
    }
"""


def _endpoints(tmp_path: Any) -> dict[str, dict[str, Any]]:
    write(str(tmp_path), "kennel/main.go", KENNEL)
    write(str(tmp_path), "kennel/store.go", STORE)
    docs = import_paths("source", [str(tmp_path / "kennel")])
    return {str(e["name"]): e for d in docs for e in d.data.get("endpoints", [])}


def test_a_go_handler_writing_a_slice_it_fetched_whole_returns_an_unpaged_collection(tmp_path: Any) -> None:
    eps = _endpoints(tmp_path)
    assert eps["kennel-GET-/dogs"]["returns_collection"] is True
    assert eps["kennel-GET-/dogs"]["pagination"] is False


def test_a_go_handler_reading_a_limit_returns_a_collection_left_paged(tmp_path: Any) -> None:
    eps = _endpoints(tmp_path)
    assert eps["kennel-GET-/dogs/paged"]["returns_collection"] is True
    assert "pagination" not in eps["kennel-GET-/dogs/paged"]


def test_a_go_handler_writing_one_item_or_a_count_returns_no_collection(tmp_path: Any) -> None:
    eps = _endpoints(tmp_path)
    assert "returns_collection" not in eps["kennel-GET-/dogs/-id"]
    assert "returns_collection" not in eps["kennel-GET-/count"]
