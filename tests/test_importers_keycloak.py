"""The token endpoint of a Keycloak realm that a compose project mounts for Keycloak to import."""

from __future__ import annotations

import os

from engine.importers import compose
from tests.helpers import write
from tests.importer_helpers import design_of, fact

_COMPOSE = """
    services:
      sso:
        image: {image}
        command: start-dev --import-realm
        environment: {environment}
        volumes:
          - ./sso/tenant.json:/opt/keycloak/data/import/tenant.json
      shop:
        image: example/shop:1.4.0
        volumes:
          - ./shop/settings.json:/app/settings.json
    """


def _project(tmp: str, realm: str, *, image: str = "quay.io/keycloak/keycloak:25.0.6",
             environment: str = "{}") -> str:
    write(tmp, "sso/tenant.json", realm)
    write(tmp, "shop/settings.json", '{"realm": "storefront", "currency": "EUR", "clients": 3}')
    return write(tmp, "docker-compose.yml", _COMPOSE.format(image=image, environment=environment))


def test_a_mounted_realm_without_brute_force_detection_gives_an_unprotected_token_endpoint(
        tmp_path: os.PathLike[str]) -> None:
    path = _project(str(tmp_path), """
        {"realm": "acme", "enabled": true, "sslRequired": "external", "bruteForceProtected": false,
         "clients": [{"clientId": "web", "publicClient": true}]}
        """)
    d = design_of(compose.import_file(path))
    token = fact(d, "endpoint:POST /realms/acme/protocol/openid-connect/token").data
    assert token["served_by"] == "sso"
    assert token["auth_flow"] is True
    assert token["brute_force_protection"] is False


def test_a_realm_that_turns_brute_force_detection_on_protects_its_token_endpoint(
        tmp_path: os.PathLike[str]) -> None:
    path = _project(str(tmp_path), """
        [{"realm": "acme", "bruteForceProtected": true, "failureFactor": 5, "clients": []}]
        """)
    d = design_of(compose.import_file(path))
    assert fact(d, "endpoint:POST /realms/acme/protocol/openid-connect/token").data["brute_force_protection"] is True


def test_a_realm_that_leaves_brute_force_detection_out_keeps_keycloaks_default_off(
        tmp_path: os.PathLike[str]) -> None:
    path = _project(str(tmp_path), '{"realm": "acme", "sslRequired": "none", "clients": []}')
    d = design_of(compose.import_file(path))
    assert fact(d, "endpoint:POST /realms/acme/protocol/openid-connect/token").data["brute_force_protection"] is False


def test_the_legacy_distribution_and_a_relative_path_move_the_token_endpoint(tmp_path: os.PathLike[str]) -> None:
    realm = '{"realm": "acme", "bruteForceProtected": false, "clients": []}'
    legacy = design_of(compose.import_file(_project(os.path.join(tmp_path, "a"), realm, image="jboss/keycloak:16.1.1")))
    assert fact(legacy, "endpoint:POST /auth/realms/acme/protocol/openid-connect/token")
    moved = design_of(compose.import_file(_project(os.path.join(tmp_path, "b"), realm,
                                                   environment="{KC_HTTP_RELATIVE_PATH: /id}")))
    assert fact(moved, "endpoint:POST /id/realms/acme/protocol/openid-connect/token")


def test_a_mounted_file_that_merely_names_a_realm_is_not_taken_for_one(tmp_path: os.PathLike[str]) -> None:
    path = _project(str(tmp_path), '{"realm": "acme", "enabled": true}')
    d = design_of(compose.import_file(path))
    assert not [k for k in d.by_key() if k.startswith("endpoint:") and "openid-connect" in k]
