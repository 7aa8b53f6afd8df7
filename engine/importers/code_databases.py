"""The databases of one server that the services' connection URLs name apart (``import source`` with a deployment).

A deployment draws a call from each service to the database server it links to (``order -> postgres``); the
service's own configuration says which database of that server it opens (``jdbc:postgresql://postgres/dborder``).
When the services reaching one server name two databases or more, each is a datastore of its own on that server
(``server:``, as ``import aspire`` states ``AddDatabase``): the services keep their data apart, and share the
server's capacity, failures and upgrades, not a database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import Location
from engine.importers.base import ArtifactDocument, with_fact
from engine.model.kinds import SECTION_KIND, identity
from engine.source import Document

_SERVER_FIELDS = ("kind", "engine", "replicas", "failover", "durable_storage")
"""What a database has of its server: its engine, and the nodes and storage its data lives on."""


def split(docs: Sequence[Document], named: Mapping[str, tuple[str, str, Location]]) -> list[Document]:
    """``docs`` with each database that ``named`` (service -> the datastore its connection URL points at, the
    database it names there, where) gives apart on one datastore of the design a datastore of its own, named as the
    database (``server-database`` when a fact of the design already has that name), with ``server:`` that datastore
    and its kind, engine, nodes and storage, and each call of such a service to the server drawn to its database.
    Only servers for which two databases or more are named, and only services whose call to the server is drawn."""
    stores: dict[str, dict[str, Any]] = {}  # name -> the fields the documents state of it, the first of each
    for s in (s for d in docs if isinstance(d.data, dict) for s in d.data.get("datastores") or []
              if isinstance(s, dict) and s.get("name")):
        stores[str(s["name"])] = {**s, **stores.get(str(s["name"]), {})}
    by_server: dict[str, dict[str, tuple[str, Location]]] = {}
    for service, (server, database, at) in sorted(named.items()):
        if server in stores and database and "server" not in stores[server]:
            by_server.setdefault(server, {})[service] = (database, at)
    by_server = {s: users for s, users in by_server.items() if len({db for db, _at in users.values()}) > 1}
    if not by_server:
        return list(docs)
    taken = {str(f.get("name")) for d in docs if isinstance(d.data, dict) for section, items in d.data.items()
             if section in SECTION_KIND and isinstance(items, list) for f in items if isinstance(f, dict)}
    target = {(service, server): db if db not in taken else f"{server}-{db}"
              for server, users in by_server.items() for service, (db, _at) in users.items()}
    where = {(service, server): at for server, users in by_server.items() for service, (_db, at) in users.items()}
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        if not isinstance(d, ArtifactDocument) or not isinstance(items, list):
            out.append(d)
            continue
        doc = d
        for i, call in enumerate(items):
            key = (str(call.get("from")), str(call.get("to"))) if isinstance(call, dict) else ("", "")
            if key in target:
                doc = _database(doc, i, stores[key[1]], target[key], where[key])
        out.append(doc)
    return out


def _database(doc: ArtifactDocument, i: int, server: Mapping[str, Any], name: str, at: Location) -> ArtifactDocument:
    """``doc`` with its ``i``-th interaction (to ``server``) drawn to the database ``name`` of that server, named at
    ``at``, and that database's datastore fact."""
    call = doc.data["interactions"][i]
    old, host = identity("interaction", call), str(server["name"])
    moved = {**call, "to": name}
    new = identity("interaction", moved)
    items = [moved if j == i else c for j, c in enumerate(doc.data["interactions"])]
    notes = {(f"interaction:{new}" if k == f"interaction:{old}" else k): v for k, v in doc.notes.items()}
    notes.setdefault(f"interaction:{new}", []).append(
        f"to {name}: the database {call['from']}'s connection URL names on {host} ({at.file}:{at.line})")
    doc = dataclasses.replace(doc, data={**doc.data, "interactions": items}, notes=notes)
    fact = {"name": name, **{k: server[k] for k in _SERVER_FIELDS if k in server}, "server": host}
    if any(isinstance(s, dict) and s.get("name") == name for s in doc.data.get("datastores") or []):
        return doc
    doc = with_fact(doc, "datastores", fact, at)
    return dataclasses.replace(doc, notes={**doc.notes, f"datastore:{name}": [
        f"server {host}: a database of {host} that a service's connection URL names ({at.file}:{at.line}), kept "
        "apart from its other databases; its nodes and storage are the server's"]})


__all__ = ["split"]
