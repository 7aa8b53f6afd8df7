"""The databases of one server that the services' connection URLs name apart (``import source`` with a deployment).

A deployment draws a call from each service to the database server it links to (``order -> postgres``); the
service's own configuration says which database of that server it opens (``jdbc:postgresql://postgres/dborder``).
When the services reaching one server name two databases or more, each is a datastore of its own on that server
(``server:``, as ``import aspire`` states ``AddDatabase``): the services keep their data apart, and share the
server's capacity, failures and upgrades, not a database.

A service that opens several of them may only read one: a C# connection string (``GetConnectionString("RefCN")``
held in a variable) handed only to classes (``new RefDataRepository(refConnectionString)``) whose SQL literals all
select and which save no Entity Framework context is a read of its database (``read_only_connections``), and the
call drawn to that database is ``mutating: false`` while the others keep the mode of the call to the server.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import Location
from engine.importers.base import ArtifactDocument, with_fact
from engine.importers.code_text import close_bracket
from engine.model.kinds import SECTION_KIND, identity
from engine.source import Document

_SERVER_FIELDS = ("kind", "engine", "replicas", "failover", "durable_storage")
"""What a database has of its server: its engine, and the nodes and storage its data lives on."""


_CONNECTION = re.compile(r"\b(?:var|string\??)\s+(\w+)\s*=\s*[\w.]*GetConnectionString\(\s*\"([^\"\n]+)\"\s*\)")
_CLASS = re.compile(r"\bclass\s+(\w+)")
_STRING = re.compile(r'@"(?:[^"]|"")*"|"(?:[^"\\\n]|\\.)*"')
_SQL_VERB = re.compile(r"\b(select|insert|update|delete|merge|truncate|create|alter|drop|exec|execute)\b",
                       re.IGNORECASE)


def read_only_connections(cs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The connection strings a service's C# code (comments blanked) only reads through, by name, each with why: the
    variable it is read into is handed to ``new`` of classes of the code only, every SQL literal of those classes
    selects (one at least), and none saves an Entity Framework context."""
    classes: dict[str, tuple[str, str]] = {}
    for path, code in cs:
        for m in _CLASS.finditer(code):
            brace = code.find("{", m.end())
            if brace >= 0 and ";" not in code[m.end():brace]:
                classes.setdefault(m.group(1), (path, code[brace:close_bracket(code, brace)]))
    out: dict[str, str] = {}
    for _path, code in cs:
        for m in _CONNECTION.finditer(code):
            made = sorted(set(re.findall(rf"\bnew\s+(\w+)\s*\(\s*{re.escape(m.group(1))}\s*\)", code)))
            if not made or any(c not in classes for c in made):
                continue
            verbs = {v.lower() for c in made for s in _STRING.findall(classes[c][1]) for v in _SQL_VERB.findall(s)}
            if verbs == {"select"} and not any("SaveChanges" in classes[c][1] for c in made):
                where = ", ".join(f"{c} ({os.path.basename(classes[c][0])})" for c in made)
                out.setdefault(m.group(2), f"its connection string {m.group(2)} is handed only to {where}, whose "
                                           "SQL only selects")
    return out


def split(docs: Sequence[Document], named: Mapping[str, Sequence[tuple[str, str, Location]]],
          reads: Mapping[tuple[str, str], str] | None = None) -> list[Document]:
    """``docs`` with each database that ``named`` (service -> the datastores its connection URLs or strings point at,
    each with the database it names there, and where) gives apart on one datastore of the design a datastore of its
    own, named as the database (``server-database`` when a fact of the design already has that name), with ``server:``
    that datastore and its kind, engine, nodes and storage, and each call of such a service to the server drawn to its
    database (to each of them when it names several there). Only servers for which two databases or more are named,
    and only services whose call to the server is drawn: two services naming one database both call that database.
    ``reads`` (service, database -> why) gives the databases a service only reads: its call there is not mutating."""
    stores: dict[str, dict[str, Any]] = {}  # name -> the fields the documents state of it, the first of each
    for s in (s for d in docs if isinstance(d.data, dict) for s in d.data.get("datastores") or []
              if isinstance(s, dict) and s.get("name")):
        stores[str(s["name"])] = {**s, **stores.get(str(s["name"]), {})}
    by_server: dict[str, dict[str, dict[str, Location]]] = {}  # server -> service -> its databases there, where
    for service, found in sorted(named.items()):
        for server, database, at in found:
            if server in stores and database and "server" not in stores[server]:
                by_server.setdefault(server, {}).setdefault(service, {}).setdefault(database, at)
    by_server = {s: users for s, users in by_server.items() if len({db for dbs in users.values() for db in dbs}) > 1}
    if not by_server:
        return list(docs)
    taken = {str(f.get("name")) for d in docs if isinstance(d.data, dict) for section, items in d.data.items()
             if section in SECTION_KIND and isinstance(items, list) for f in items if isinstance(f, dict)}
    target = {(service, server): [(db if db not in taken else f"{server}-{db}", at) for db, at in sorted(dbs.items())]
              for server, users in by_server.items() for service, dbs in users.items()}
    reads = {(service, db if db not in taken else f"{server}-{db}"): why for (service, db), why in (reads or {}).items()
             for server, users in by_server.items() if db in users.get(service, {})}
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        if not isinstance(d, ArtifactDocument) or not isinstance(items, list):
            out.append(d)
            continue
        doc = d
        for call in items:
            key = (str(call.get("from")), str(call.get("to"))) if isinstance(call, dict) else ("", "")
            if key in target:
                doc = _database(doc, call, stores[key[1]], target[key], reads)
        out.append(doc)
    return out


def _database(doc: ArtifactDocument, call: Mapping[str, Any], server: Mapping[str, Any],
              databases: Sequence[tuple[str, Location]], reads: Mapping[tuple[str, str], str]) -> ArtifactDocument:
    """``doc`` with its interaction ``call`` (to ``server``) drawn to each of ``databases`` (name, where the service
    names it) of that server instead, not mutating where ``reads`` says the service only reads, and those databases'
    datastore facts."""
    old, host, service = identity("interaction", call), str(server["name"]), str(call.get("from"))
    moved = [{**call, "to": name, **({"mutating": False} if (service, name) in reads else {})}
             for name, _at in databases]
    items = [m for c in doc.data["interactions"] for m in (moved if c is call else [c])]
    notes = {k: v for k, v in doc.notes.items() if k != f"interaction:{old}"}
    for m, (name, at) in zip(moved, databases, strict=True):
        notes.setdefault(f"interaction:{identity('interaction', m)}", []).extend([
            *doc.notes.get(f"interaction:{old}", []),
            f"to {name}: the database {call['from']}'s connection URL or string names on {host} ({at.file}:{at.line})",
            *([f"mutating false: {service} only reads {name}: {reads[(service, name)]}"]
              if (service, name) in reads else [])])
    doc = dataclasses.replace(doc, data={**doc.data, "interactions": items}, notes=notes)
    for name, at in databases:
        fact = {"name": name, **{k: server[k] for k in _SERVER_FIELDS if k in server}, "server": host}
        if any(isinstance(s, dict) and s.get("name") == name for s in doc.data.get("datastores") or []):
            continue
        doc = with_fact(doc, "datastores", fact, at)
        doc = dataclasses.replace(doc, notes={**doc.notes, f"datastore:{name}": [
            f"server {host}: a database of {host} that a service's connection URL or string names ({at.file}:"
            f"{at.line}), kept apart from its other databases; its nodes and storage are the server's"]})
    return doc


__all__ = ["read_only_connections", "split"]
