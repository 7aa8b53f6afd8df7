"""The importers on real public specimens (the shared corpus), read in place: an extra layer.

Each test here has an equivalent on the project's own fixtures (tests/fixtures/importers), which a clone
alone runs. These run when the shared folder is there (``ARCHPLAN_SHARED`` or ``../shared``), skip under
one reason when it is not, and fail under CI, which has it (see ``specimen`` in conftest.py).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable

import pytest

from engine.importers import asyncapi, detect, import_paths
from tests.conftest import CORPUS_MISSING, IN_CI
from tests.importer_helpers import (
    check_brokered_channels,
    check_builtin_rules_on_artifacts,
    check_first_artifact_wins,
    check_paged_listing_without_security,
    check_shared_components,
    design_of,
    fact,
    line_of,
)

if CORPUS_MISSING and not IN_CI:
    pytest.skip(CORPUS_MISSING, allow_module_level=True)

Specimen = Callable[..., str]


@pytest.mark.parametrize("name", ["streetlights-kafka-asyncapi.yml", "streetlights-mqtt-asyncapi.yml",
                                  "streetlights-operation-security-asyncapi.yml"])
def test_streetlights_specimens_import_with_brokers_and_producers(specimen: Specimen, name: str) -> None:
    check_brokered_channels(specimen("asyncapi", name), "test.", "lightingMeasured")


def test_operation_level_security_is_read_from_the_operation(specimen: Specimen) -> None:
    path = specimen("asyncapi", "streetlights-operation-security-asyncapi.yml")
    d = design_of(asyncapi.import_file(path))
    calls = d.of_kind("interaction")
    assert {c.data["auth"] for c in calls} == {"client_credentials"}
    turn_on = next(c for c in calls if c.data["to"].endswith("turn.on"))
    op_line = line_of(path, "  turnOn:")
    assert turn_on.locate("auth").line == line_of(path, "security:", nth=3) and turn_on.locate("auth").line > op_line


def test_mqtt_server_security_applies_when_the_operation_has_none(specimen: Specimen) -> None:
    d = design_of(asyncapi.import_file(specimen("asyncapi", "streetlights-mqtt-asyncapi.yml")))
    assert {c.data.get("auth") for c in d.of_kind("interaction")} == {"api_key"}


def test_social_media_services_share_components_across_files_and_channels_by_address(specimen: Specimen) -> None:
    check_shared_components(
        sorted(glob.glob(specimen("asyncapi", "social-media", "*", "asyncapi.yaml"))),
        {"comments-service", "notifications-service", "public-api", "website-backend", "website-websocket-client"},
        ("comment/liked", "website-backend", ["comments-service", "notifications-service", "public-api"]),
        ("like/comment", "website-websocket-client"))


def test_sock_shop_compose_specimen_imports_with_its_databases_broker_and_edge_router(specimen: Specimen) -> None:
    sock = specimen("compose", "sock-shop", "docker-compose.yml")
    d = design_of(import_paths("auto", [sock]))
    assert {s.name for s in d.of_kind("datastore")} == {"carts-db", "catalogue-db", "orders-db", "user-db"}
    assert fact(d, "datastore:catalogue-db").data["engine"] == "mysql"  # by MYSQL_ROOT_PASSWORD
    assert fact(d, "service:rabbitmq").data["tags"] == ["broker"]
    router = fact(d, "service:edge-router")
    assert router.data["exposure"] == "host" and router.locate("exposure").line == line_of(sock, "'80:80'")
    edges = {(i.data["from"], i.data["to"]) for i in d.of_kind("interaction")}
    assert ("user", "user-db") in edges
    # the load generator is said and left out: its missing probes are not the system's risks
    assert "service:user-sim" not in {f.key for f in d.facts}
    assert any(str(w).endswith("user-sim is a load generator or test client (by its name user-sim): not reviewed "
                               "as part of the system") for w in d.warnings)


def test_bank_of_anthos_directory_specimen(specimen: Specimen) -> None:
    boa = specimen("kubernetes", "bank-of-anthos")
    d = design_of(import_paths("auto", [boa]))
    assert {f.name for f in d.of_kind("datastore")} == {"accounts-db", "ledger-db"}
    for name in ("accounts-db", "ledger-db"):
        ds = fact(d, f"datastore:{name}").data
        assert ds["engine"] == "postgres" and ds["durable_storage"] is False  # emptyDir
    frontend = fact(d, "service:frontend")
    assert frontend.data["exposure"] == "public"
    assert frontend.locate("exposure").line == line_of(os.path.join(boa, "frontend.yaml"), "type: LoadBalancer")
    assert fact(d, "service:contacts").data["exposure"] == "internal"
    edges = {(i.data["from"], i.data["to"]) for i in d.of_kind("interaction")}
    assert {("frontend", "userservice"), ("userservice", "accounts-db"), ("ledgerwriter", "ledger-db")} <= edges


def test_sock_shop_multi_document_specimen(specimen: Specimen) -> None:
    sock = specimen("kubernetes", "sock-shop", "complete-demo.yaml")
    d = design_of(import_paths("kubernetes", [sock]))
    assert {f.name for f in d.of_kind("datastore")} == {"carts-db", "catalogue-db", "orders-db", "session-db",
                                                        "user-db"}
    fe = fact(d, "service:front-end")
    assert fe.data["exposure"] == "host" and fe.locate("exposure").line == line_of(sock, "type: NodePort")
    assert fact(d, "service:rabbitmq").data["tags"] == ["broker"]


def test_petstore_specimens_import_with_paging_and_no_invented_security(specimen: Specimen) -> None:
    for name in ("petstore.yaml", "petstore-expanded.yaml"):
        check_paged_listing_without_security(specimen("openapi", name))


def test_specimen_formats_are_detected_by_content(specimen: Specimen) -> None:
    assert detect(specimen("kubernetes", "bank-of-anthos")) == "kubernetes"
    assert detect(specimen("compose", "sock-shop", "docker-compose.yml")) == "compose"


def test_check_runs_the_builtin_rules_on_every_imported_specimen_format(specimen: Specimen) -> None:
    check_builtin_rules_on_artifacts(["openapi=" + specimen("openapi", "petstore.yaml"),
                                      "compose=" + specimen("compose", "sock-shop", "docker-compose.yml"),
                                      "kubernetes=" + specimen("kubernetes", "bank-of-anthos"),
                                      "asyncapi=" + specimen("asyncapi", "streetlights-kafka-asyncapi.yml")])


def test_two_specimens_that_disagree_keep_the_first_in_file_order_and_warn(specimen: Specimen) -> None:
    check_first_artifact_wins(specimen("compose", "sock-shop", "docker-compose.yml"),
                              specimen("kubernetes", "sock-shop", "complete-demo.yaml"), "front-end")
