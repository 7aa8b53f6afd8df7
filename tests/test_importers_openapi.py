"""OpenAPI 3.0/3.1 and Swagger 2.0 import: endpoints, security, exposure, hints, $refs, errors."""

from __future__ import annotations

import os

import pytest

from engine.errors import ArchplanError
from engine.importers import openapi
from tests.helpers import write
from tests.importer_helpers import check_paged_listing_without_security, design_of, fact, fixture, line_of, read

SHOP = fixture("openapi", "shop.yaml")


@pytest.fixture(scope="module")
def shop() -> object:
    return design_of(openapi.import_file(SHOP))


def test_endpoints_get_method_full_path_and_the_service_named_after_the_title(shop: object) -> None:
    keys = {f.key for f in shop.of_kind("endpoint")}  # type: ignore[attr-defined]
    assert keys == {"endpoint:GET /v2/health", "endpoint:GET /v2/customers", "endpoint:GET /v2/customers/{customerId}",
                    "endpoint:DELETE /v2/customers/{customerId}", "endpoint:POST /v2/payments",
                    "endpoint:GET /v2/orders", "endpoint:POST /v2/admin/reindex"}
    assert {f.data["served_by"] for f in shop.of_kind("endpoint")} == {"shop-public-api"}  # type: ignore[attr-defined]
    assert fact(shop, "service:shop-public-api").data["api_contract"] == "openapi"  # type: ignore[arg-type]


def test_explicitly_empty_security_means_no_authentication(shop: object) -> None:
    health = fact(shop, "endpoint:GET /v2/health")  # type: ignore[arg-type]
    assert health.data["authn"] == "none"
    assert health.locate("authn").line == line_of(SHOP, "security: []")


def test_document_security_applies_unless_the_operation_overrides_it(shop: object) -> None:
    assert fact(shop, "endpoint:GET /v2/customers").data["authn"] == "jwt"  # type: ignore[arg-type]
    assert fact(shop, "endpoint:POST /v2/admin/reindex").data["authn"] == "api_key"  # type: ignore[arg-type]


def test_a_public_server_makes_the_service_public_and_x_internal_overrides_it(shop: object) -> None:
    assert fact(shop, "service:shop-public-api").data["exposure"] == "public"  # type: ignore[arg-type]
    reindex = fact(shop, "endpoint:POST /v2/admin/reindex")  # type: ignore[arg-type]
    assert reindex.data["exposure"] == "internal"
    assert reindex.locate("exposure").line == line_of(SHOP, "x-internal: true")


def test_pagination_idempotency_rate_limit_and_versioning_are_read(shop: object) -> None:
    customers = fact(shop, "endpoint:GET /v2/customers").data  # type: ignore[arg-type]
    assert customers["pagination"] is True and customers["returns_collection"] is True
    orders = fact(shop, "endpoint:GET /v2/orders").data  # type: ignore[arg-type]
    assert orders["returns_collection"] is True and orders["pagination"] is False
    payments = fact(shop, "endpoint:POST /v2/payments")  # type: ignore[arg-type]
    assert payments.data["idempotency_key"] is True
    assert payments.locate("idempotency_key").line == line_of(SHOP, "name: Idempotency-Key")
    assert all(f.data["versioning"] == "path" for f in shop.of_kind("endpoint"))  # type: ignore[attr-defined]
    assert all(f.data["rate_limit"] is True for f in shop.of_kind("endpoint"))  # type: ignore[attr-defined]


def test_rate_limit_comes_from_headers_or_429_when_there_is_no_extension(tmp_path: os.PathLike[str]) -> None:
    text = read(SHOP).replace("x-rateLimit:\n  requestsPerMinute: 600\n", "")
    path = write(str(tmp_path), "openapi/shop.yaml", text)
    write(str(tmp_path), "openapi/components.yaml", read(fixture("openapi", "components.yaml")))
    d = design_of(openapi.import_file(path))
    assert fact(d, "endpoint:GET /v2/customers").data["rate_limit"] is True  # X-RateLimit-Remaining
    assert fact(d, "endpoint:GET /v2/customers/{customerId}").data["rate_limit"] is True  # 429
    assert "rate_limit" not in fact(d, "endpoint:POST /v2/payments").data  # unknown, never guessed


def test_classified_fields_behind_refs_in_another_file_give_a_classification_hint(shop: object) -> None:
    assert fact(shop, "endpoint:GET /v2/customers/{customerId}").data["data_classification"] == "pii"  # type: ignore
    assert fact(shop, "endpoint:POST /v2/payments").data["data_classification"] == "pci"  # type: ignore[arg-type]
    assert "data_classification" not in fact(shop, "endpoint:GET /v2/orders").data  # type: ignore[arg-type]


def test_what_openapi_cannot_tell_stays_unknown(shop: object) -> None:
    for ep in shop.of_kind("endpoint"):  # type: ignore[attr-defined]
        for unknown in ("authz", "input_validation", "latency_p95_ms", "async_pattern"):
            assert unknown not in ep.data
    assert not shop.of_kind("interaction")  # type: ignore[attr-defined]


def test_swagger_2_reads_host_base_path_security_definitions_and_optional_auth() -> None:
    path = fixture("openapi", "legacy-swagger.yaml")
    d = design_of(openapi.import_file(path))
    assert fact(d, "service:legacy-accounts").data["exposure"] == "internal"  # accounts.internal
    login = fact(d, "endpoint:POST /api/login").data
    assert login["authn"] == "none" and login["data_classification"] == "confidential"
    accounts = fact(d, "endpoint:GET /api/accounts").data
    assert accounts["authn"] == "none"  # `- {}` makes authentication optional
    assert accounts["pagination"] is True and accounts["data_classification"] == "pii"


def test_openapi_31_reads_mutual_tls_media_type_versions_and_cluster_hosts() -> None:
    d = design_of(openapi.import_file(fixture("openapi", "internal-31.yaml")))
    entry = fact(d, "endpoint:POST /entries").data
    assert entry["authn"] == "mtls" and entry["versioning"] == "media_type"
    assert fact(d, "service:ledger-internal").data["exposure"] == "internal"


def test_service_name_can_be_given() -> None:
    d = design_of(openapi.import_file(SHOP, service="storefront"))
    assert {f.data["served_by"] for f in d.of_kind("endpoint")} == {"storefront"}


def test_documents_without_security_schemes_import_with_paging_and_no_invented_security() -> None:
    for name in ("bookshelf.yaml", "bookshelf-expanded.yaml"):
        check_paged_listing_without_security(fixture("openapi", name))


def test_unknown_security_scheme_is_an_error_with_place_and_suggestion(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        openapi: 3.0.0
        info: {title: T, version: '1'}
        paths:
          /a:
            get:
              security:
                - bearerAuht: []
              responses: {'200': {description: ok}}
        components:
          securitySchemes:
            bearerAuth: {type: http, scheme: bearer}
        """)
    with pytest.raises(ArchplanError) as exc:
        openapi.import_file(path)
    text = str(exc.value)
    assert f"{path}:7:" in text and "bearerAuht" in text and "did you mean 'bearerAuth'" in text


@pytest.mark.parametrize(("scheme", "alternatives", "authn"), [
    ("{type: http, scheme: basic}", "[{ops: []}]", "basic"),
    ("{type: http, scheme: digest}", "[{ops: []}]", "basic"),
    ("{type: basic}", "[{ops: []}]", "basic"),
    ("{type: http, scheme: basic}", "[{ops: []}, {key: []}]", "basic"),
], ids=["http-basic", "http-digest", "swagger2-basic", "weakest-alternative"])
def test_http_basic_security_is_basic_authentication(tmp_path: os.PathLike[str], scheme: str, alternatives: str,
                                                       authn: str) -> None:
    """A user name and password sent with every request is ``basic``, weaker than an API key when either is
    accepted."""
    path = write(str(tmp_path), "api.yaml", f"""
        openapi: 3.0.0
        info: {{title: T, version: '1'}}
        paths:
          /queues:
            get:
              security: {alternatives}
              responses: {{'200': {{description: ok}}}}
        components:
          securitySchemes:
            ops: {scheme}
            key: {{type: apiKey, in: header, name: X-Key}}
        """)
    assert fact(design_of(openapi.import_file(path)), "endpoint:GET /queues").data["authn"] == authn


def test_unresolvable_ref_names_the_ref_and_its_line(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        openapi: 3.0.0
        info: {title: T, version: '1'}
        paths:
          /a:
            get:
              responses:
                '200':
                  $ref: './missing.yaml#/Ok'
        """)
    with pytest.raises(ArchplanError) as exc:
        openapi.import_file(path)
    assert f"{path}:8:" in str(exc.value) and "./missing.yaml#/Ok" in str(exc.value)


def test_remote_refs_are_not_fetched(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        openapi: 3.0.0
        info: {title: T, version: '1'}
        paths:
          /a:
            $ref: 'https://example.com/paths.yaml#/a'
        """)
    with pytest.raises(ArchplanError, match="nothing is fetched over the network"):
        openapi.import_file(path)


def test_ref_cycles_do_not_hang(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "api.yaml", """
        openapi: 3.0.0
        info: {title: T, version: '1'}
        paths:
          /a:
            get:
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Node'}
        components:
          schemas:
            Node:
              type: object
              properties:
                email: {type: string}
                child: {$ref: '#/components/schemas/Node'}
            Loop: {$ref: '#/components/schemas/Loop'}
        """)
    d = design_of(openapi.import_file(path))
    assert fact(d, "endpoint:GET /a").data["data_classification"] == "pii"


def test_malformed_yaml_and_wrong_shapes_give_located_errors(tmp_path: os.PathLike[str]) -> None:
    bad = write(str(tmp_path), "bad.yaml", "openapi: 3.0.0\ninfo: {title: T\npaths: {}\n")
    with pytest.raises(ArchplanError, match=r"bad\.yaml:\d+:\d+: YAML syntax error"):
        openapi.import_file(bad)
    shape = write(str(tmp_path), "shape.yaml", "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /a: [1]\n")
    with pytest.raises(ArchplanError) as exc:
        openapi.import_file(shape)
    assert str(exc.value).startswith(f"{shape}:4:") and "paths./a" in str(exc.value)
    old = write(str(tmp_path), "old.yaml", "openapi: 2.5.0\ninfo: {title: T, version: '1'}\npaths: {}\n")
    with pytest.raises(ArchplanError, match="not supported"):
        openapi.import_file(old)


def test_several_hundred_endpoints_import_with_one_fact_each(tmp_path: os.PathLike[str]) -> None:
    from benchmarks.bench_import import generate_openapi

    path = os.path.join(str(tmp_path), "big.yaml")
    generate_openapi(path, 600)
    d = design_of(openapi.import_file(path))
    eps = d.of_kind("endpoint")
    assert len(eps) == 600
    assert sum(1 for e in eps if e.data.get("data_classification") == "pii") == 150
    last = max(eps, key=lambda e: e.location.line)
    assert last.location.file == path and last.location.line > 5000


def test_a_path_item_in_another_file_points_findings_at_that_file() -> None:
    users = fixture("openapi", "split", "paths", "users.yaml")
    d = design_of(openapi.import_file(fixture("openapi", "split", "api.yaml")))
    ep = fact(d, "endpoint:GET /users")
    assert os.path.samefile(ep.location.file, users) and ep.location.line == line_of(users, "get:")
    assert ep.locate("authn").line == line_of(users, "security: []") and ep.data["authn"] == "none"
    assert ep.data["data_classification"] == "pii"  # the schema is a third file, reached from the second


def test_the_classifier_never_answers_for_a_schema_it_has_not_read(tmp_path: os.PathLike[str]) -> None:
    """Its cache is keyed by the schema's identity: a schema built, classified and dropped must not lend its
    answer to the next one that happens to be allocated in its place."""
    from engine.importers.base import Classifier, Node, Refs
    from engine.source import parse

    spec = parse("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n", os.path.join(str(tmp_path), "t.yaml"))
    refs = Refs(spec)
    classifier = Classifier(refs)
    answers = []
    fields = ["cardNumber", "nickname", "nickname", "email", "nickname", "cardNumber", "email"] * 5
    for field in fields:
        answers.append(classifier.classify(Node({"type": "object", "properties": {field: {"type": "string"}}},
                                                None, refs.root_uri, ())))
    expected = {"cardNumber": "pci", "email": "pii", "nickname": None}
    assert [a[0] if a else None for a in answers] == [expected[f] for f in fields]


def test_one_resource_that_holds_a_list_is_not_a_page_of_many(tmp_path: os.PathLike[str]) -> None:
    """``{items: [...], total, next}`` is a page of a collection; a basket with its id, owner and lines is one
    object, however its list is named."""
    path = write(str(tmp_path), "pantry.yaml", """
        openapi: 3.0.3
        info: {title: pantry, version: '1'}
        paths:
          /baskets/{basketId}:
            get:
              parameters: [{name: basketId, in: path, required: true, schema: {type: string}}]
              responses:
                '200':
                  description: one basket
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          basketId: {type: string}
                          owner: {type: string}
                          items: {type: array, items: {type: string}}
          /jars:
            get:
              responses:
                '200':
                  description: a page of jars
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          items: {type: array, items: {type: string}}
                          totalCount: {type: integer}
                          next_page_token: {type: string}
        """)
    d = design_of(openapi.import_file(path))
    basket = fact(d, "endpoint:GET /baskets/{basketId}").data
    assert basket.get("returns_collection") is False and "pagination" not in basket
    assert fact(d, "endpoint:GET /jars").data["returns_collection"] is True


def test_a_response_that_only_wraps_a_list_is_a_collection_whatever_the_list_is_called(
        tmp_path: os.PathLike[str]) -> None:
    """A gRPC gateway answers a ``repeated`` field as an object with that one list (``{shelves: [...]}``): the
    response is the list, unpaged when no parameter pages it; a list beside the resource's own fields is not."""
    path = write(str(tmp_path), "library.json", """
        {"swagger": "2.0", "info": {"title": "library.proto", "version": "v"},
         "paths": {
           "/v2/shelves": {"get": {"operationId": "Library_ListShelves", "responses": {"200": {
               "description": "ok", "schema": {"$ref": "#/definitions/ListShelvesReply"}}}}},
           "/v2/shelves/{shelfId}": {"get": {"operationId": "Library_GetShelf",
               "parameters": [{"name": "shelfId", "in": "path", "required": true, "type": "string"}],
               "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Shelf"}}}}}},
         "definitions": {
           "ListShelvesReply": {"type": "object", "properties": {
               "shelves": {"type": "array", "items": {"$ref": "#/definitions/Shelf"}}}},
           "Shelf": {"type": "object", "properties": {
               "shelfId": {"type": "string"}, "books": {"type": "array", "items": {"type": "string"}}}}}}
        """)
    d = design_of(openapi.import_file(path))
    listing = fact(d, "endpoint:GET /v2/shelves").data
    assert listing["returns_collection"] is True and listing["pagination"] is False
    assert fact(d, "endpoint:GET /v2/shelves/{shelfId}").data.get("returns_collection") is False
