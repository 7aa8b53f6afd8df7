"""The sign-in endpoint of a Keycloak realm a deployment loads from a mounted file (``import compose``).

Keycloak starts with the realms it finds in its import folder (``--import-realm``, a realm export JSON mounted
there: ``./identity/realm.json:/opt/keycloak/data/import/realm.json``). Such a file is recognised by its content,
whatever its name or the image: an object (or a list of them) with a ``realm`` name and keys only a realm
representation has (``clients``, ``bruteForceProtected``, ``sslRequired``, ``authenticationFlows``...).

For each realm, the service that mounts it serves the realm's OpenID Connect token endpoint, ``POST
/realms/<realm>/protocol/openid-connect/token``: the password grant and every other grant check the caller's
credentials there, so it is a credential flow (``auth_flow``). Its ``brute_force_protection`` is the realm's
``bruteForceProtected`` (Keycloak's "Brute Force Detection", which locks out a user after repeated failures); a
realm that leaves the key out keeps Keycloak's default, off. The legacy WildFly distribution
(``jboss/keycloak``) serves every path under ``/auth``, as does a Quarkus one given ``KC_HTTP_RELATIVE_PATH``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from engine.importers.base import Body
from engine.importers.infra import image_path
from engine.source import Document

_REALM_KEYS = frozenset({"clients", "bruteForceProtected", "sslRequired", "authenticationFlows", "clientScopes",
                         "requiredActions", "browserFlow", "directGrantFlow", "accessTokenLifespan"})
"""Keys of Keycloak's realm representation that a configuration file of another kind would hardly hold."""
_LEGACY_PREFIX = "/auth"
"""Where the WildFly distribution of Keycloak (before 17) serves everything."""


def _realms(doc: Document) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
    """The realm representations one parsed file holds, each with its key path in the file."""
    data = doc.data
    found = [(data, ())] if isinstance(data, dict) else [
        (item, (i,)) for i, item in enumerate(data) if isinstance(item, dict)] if isinstance(data, list) else []
    return [(r, at) for r, at in found
            if isinstance(r.get("realm"), str) and r["realm"].strip() and len(_REALM_KEYS.intersection(r)) >= 2]


def _prefix(image: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    """The path Keycloak serves under, and why."""
    relative = env.get("KC_HTTP_RELATIVE_PATH", "").strip().rstrip("/")
    if relative and not relative.startswith("$"):
        return ("" if relative == "/" else "/" + relative.lstrip("/")), "KC_HTTP_RELATIVE_PATH"
    if image and image_path(image).endswith("jboss/keycloak"):
        return _LEGACY_PREFIX, "the WildFly distribution (jboss/keycloak) serves under /auth"
    return "", ""


def record_realms(body: Body, service: str, configs: Sequence[tuple[str, list[Document]]], project_dir: str,
                  image: str | None, env: Mapping[str, str]) -> None:
    """State the token endpoint of each Keycloak realm ``service`` mounts (``configs``: its mounted files, parsed)."""
    prefix, why_prefix = _prefix(image, env)
    for path, docs in configs:
        for doc in docs:
            for realm, at in _realms(doc):
                name = realm["realm"].strip()
                where = doc.locate((*at, "realm"))
                ident = body.fact("endpoints", {"method": "POST", "served_by": service,
                                                "path": f"{prefix}/realms/{name}/protocol/openid-connect/token"},
                                  where)
                shown = os.path.relpath(path, project_dir)
                body.note("endpoints", ident, f"from the Keycloak realm {name!r} that {service} mounts ({shown}): "
                                              "its OpenID Connect token endpoint" +
                          (f" (path under {prefix}: {why_prefix})" if prefix else ""))
                body.set("endpoints", ident, "auth_flow", True, where)
                body.note("endpoints", ident, "auth_flow: every grant (a user's password among them) checks the "
                                              "caller's credentials here")
                guarded = realm.get("bruteForceProtected")
                if isinstance(guarded, bool):
                    said = doc.locate((*at, "bruteForceProtected"))
                    body.set("endpoints", ident, "brute_force_protection", guarded, said)
                    body.note("endpoints", ident, f"brute_force_protection {str(guarded).lower()}: the realm's "
                                                  f"bruteForceProtected ({shown}:{said.line})")
                elif guarded is None:
                    body.set("endpoints", ident, "brute_force_protection", False, where)
                    body.note("endpoints", ident, "brute_force_protection false: the realm leaves bruteForceProtected "
                                                  "out, and Keycloak's brute force detection is off by default")


__all__ = ["record_realms"]
