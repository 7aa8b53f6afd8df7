"""The image a datastore of the deployment is built from, read from the folder handed over as its source.

A deployment may run a project's own build of a database under a name that says nothing (compose's
``image: acme/shop-db`` with no ``build:``), while the folder that builds that image is handed to ``import
source`` for the same workload: its Dockerfile says what the store is (``FROM mariadb:10.4``) and what the image
bakes in (``ENV MYSQL_ROOT_PASSWORD ...``, read at first start by the official entrypoint). That folder holds
no service, so ``import source`` keeps nothing of its code; this module gives the store the facts its image
states, as the compose import does for a store whose ``build:`` context it reads:

- ``engine`` and ``kind``, from the base image the catalogue recognises (a datastore image only);
- ``authentication``, as the base image's documented defaults and the baked variables decide it;
- ``credentials_source: image`` when a credential is written into the image's environment (names only, never
  values).

Only a Dockerfile at the top of a folder handed over counts (the one a ``docker build <folder>`` reads); its
final stage's base and environment are read as ``engine.importers.dockerfile`` reads a build context. A folder
with no Dockerfile, a Dockerfile that does not parse, or a base the catalogue does not know as a datastore,
gives nothing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TypeVar

from engine.importers.base import ArtifactDocument, Body
from engine.importers.infra import datastore_auth, literal_secret, recognise, record_datastore_auth
from engine.source import DEFAULT_LIMITS, Limits


def image_facts(name: str, paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> ArtifactDocument | None:
    """The facts the image built from ``paths`` (the first folder with a top-level Dockerfile) gives the datastore
    ``name``, as a document of one datastore; None when no such Dockerfile builds a datastore image the catalogue
    knows. Read with the code, where the folders' names are as they were handed over."""
    return _facts(name, paths, limits)


D = TypeVar("D", bound=ArtifactDocument)


def with_store_facts(doc: D, facts: ArtifactDocument | None) -> D:
    """``doc`` with the datastore of ``facts`` (``image_facts``), with where each fact was read and why; ``doc``
    unchanged when there are none or ``doc`` already states that datastore."""
    items = doc.data.get("datastores") if isinstance(doc.data, dict) else None
    if facts is None or not isinstance(facts.data, dict):
        return doc
    fact = facts.data["datastores"][0]
    if any(isinstance(s, dict) and s.get("name") == fact.get("name") for s in items or []):
        return doc
    i = len(items or [])
    where = {**doc.where, **{("datastores", i, *k[2:]): at for k, at in facts.where.items()
                             if k[:2] == ("datastores", 0)}}
    return dataclasses.replace(doc, data={**doc.data, "datastores": [*(items or []), fact]},
                               where=where, notes={**doc.notes, **facts.notes})


def _facts(name: str, paths: Sequence[str], limits: Limits) -> ArtifactDocument | None:
    from engine.importers import dockerfile  # the Dockerfile parser is optional (archplan[importers])

    for p in paths:
        if not os.path.isfile(os.path.join(p, "Dockerfile")):
            continue
        built, _why = dockerfile.build_of({"build": "."}, p, limits)
        if built is None or not built.base:
            return None
        env = {k: v for k, v, _at in built.env}
        rec = recognise(built.base, list(env), [], "")
        if rec is None or rec.role != "datastore":
            return None
        body = Body(built.dockerfile, "database", "source")
        body.fact("datastores", {"name": name}, built.base_at)
        if rec.engine:
            body.set("datastores", name, "engine", rec.engine, built.base_at)
        if rec.kind:
            body.set("datastores", name, "kind", rec.kind, built.base_at)
        body.note("datastores", name, f"engine and kind from the image its folder builds: {rec.why} "
                                      f"({os.path.basename(built.dockerfile)})")
        record_datastore_auth(body, name, datastore_auth(rec, built.base, env, "", []), built.base_at)
        baked = [(k, at) for k, v, at in built.env if literal_secret(k, v)]
        if baked:
            body.set("datastores", name, "credentials_source", "image", baked[0][1])
            body.note("datastores", name, "credentials_source image: credentials written into the image it is "
                                          f"built as: {', '.join(sorted({k for k, _at in baked}))} (values not shown)")
        return body.document()
    return None


__all__ = ["image_facts", "with_store_facts"]
