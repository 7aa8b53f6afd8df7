"""The routes a Spring service's Spring Data REST repositories export (code_spring_data_rest)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_spring_data_rest import base_path, exported
from engine.loader import load_documents
from tests.helpers import write

REPOSITORY = """
    @RepositoryRestResource(path = "parcels", itemResourceRel = "parcel")
    public interface ParcelStore extends MongoRepository<Parcel, String> {
        @RestResource(path = "bySender")
        List<Parcel> findBySender(@Param("sender") String sender);

        @RestResource(exported = false)
        void deleteById(String id);
    }
"""

CONTROLLER = """
    @RepositoryRestController
    public class ParcelController {
        @RequestMapping(path = "/parcels", method = RequestMethod.POST)
        public @ResponseBody Parcel create(@RequestBody Parcel p) { return p; }
    }
"""


def _routes(tmp: str, files: dict[str, str]) -> dict[str, tuple[str, Any]]:
    java = "depot/src/main/java/acme/depot/"
    for name, text in files.items():
        write(tmp, name if "/" in name else java + name, text)
    docs = load_artifacts([f"source={os.path.join(tmp, 'depot')}"])
    design = load_documents(docs)
    return {f"{f.data['method']} {f.data['path']}": (str(f.location), f.data)
            for f in design.facts if f.kind == "endpoint"}


def test_an_annotated_repository_exports_its_collection_item_and_search_resources(tmp_path: Any) -> None:
    routes = _routes(str(tmp_path), {"ParcelStore.java": REPOSITORY})
    assert sorted(routes) == ["GET /parcels", "GET /parcels/search/bySender", "GET /parcels/{id}",
                              "PATCH /parcels/{id}", "POST /parcels", "PUT /parcels/{id}"]  # no DELETE: not exported
    assert routes["GET /parcels/{id}"][1].get("takes_object_id") is True
    assert routes["PUT /parcels/{id}"][1].get("mutating") is True
    assert "ParcelStore.java:1:" in routes["POST /parcels"][0]


def test_a_rest_repository_controller_replaces_the_repository_s_own_route(tmp_path: Any) -> None:
    routes = _routes(str(tmp_path), {"ParcelStore.java": REPOSITORY, "ParcelController.java": CONTROLLER})
    assert "ParcelController.java" in routes["POST /parcels"][0]
    assert "ParcelStore.java" in routes["GET /parcels"][0]


def test_the_base_path_prefixes_the_repositories_and_their_controllers(tmp_path: Any) -> None:
    routes = _routes(str(tmp_path), {"ParcelStore.java": REPOSITORY, "ParcelController.java": CONTROLLER,
                                     "depot/src/main/resources/application.properties":
                                     "spring.data.rest.base-path=/api\n"})
    assert "POST /api/parcels" in routes and "GET /api/parcels/{id}" in routes and "GET /parcels" not in routes


@pytest.mark.parametrize(("code", "why"), [
    (REPOSITORY.replace('path = "parcels", ', "exported = false, "), "the repository is not exported"),
    (REPOSITORY.replace("MongoRepository", "ReactiveMongoRepository"), "Spring Data REST serves no reactive one"),
    (REPOSITORY.replace("@RepositoryRestResource", "@Repository"), "exported only if the build enables Data REST"),
])
def test_no_route_is_exported_when_the_code_says_otherwise(code: str, why: str) -> None:
    assert exported("ParcelStore.java", code) == [], why


def test_the_default_path_is_the_domain_type_uncapitalised_and_pluralised() -> None:
    code = "@RepositoryRestResource\ninterface Cats extends CrudRepository<acme.Category, Long> { }\n"
    assert sorted({e.path for e in exported("Cats.java", code)}) == ["/categories", "/categories/{id}"]


def test_the_base_path_is_read_from_properties_or_yaml() -> None:
    assert base_path([("application.yml", "spring:\n  data:\n    rest:\n      basePath: /rest/\n")]) == "/rest"
    assert base_path([("application.properties", "spring.data.rest.base-path: api\n")]) == "/api"
    assert base_path([("application.properties", "server.port=8080\n")]) == ""
