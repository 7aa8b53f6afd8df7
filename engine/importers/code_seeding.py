"""A database a service writes only while it starts, read from its Go code (``archplan import source``).

A service whose Go code writes a database (a MongoDB driver's ``InsertMany``, GORM's ``Create``, SQL that inserts)
only inside start-up functions (``code_go``: functions every reference to which is a call made by ``main``, ``init``
or another such function, never from a handler or a callback passed on) other than ``main`` itself, each of which
runs no loop without end, receives from no channel, starts no goroutine, runs on no ticker and makes no random or
time-dependent value, fills that database once from what its code holds (``initializeDatabase`` inserting a literal
list, ``NewRepository`` saving the products of an embedded JSON file) and never changes it while serving: what it
keeps is reference data a restart rebuilds, not the system's only copy of what its users do.

``code_routes`` joins it with the deployment: a datastore the import took for a system of record whose every
client service writes its engine only so loses that role and the absent backups said of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.errors import Location
from engine.importers.code_go import start_up_functions
from engine.importers.code_text import blank_comments

_CLIENTS: tuple[tuple[frozenset[str], re.Pattern[str], re.Pattern[str]], ...] = (
    (frozenset({"mongodb"}),
     re.compile(r'"(?:go\.mongodb\.org/mongo-driver(?:/v\d+)?/mongo|gopkg\.in/mgo\.v2|github\.com/globalsign/mgo)"'),
     re.compile(r"\.\s*(?:InsertOne|InsertMany|UpdateOne|UpdateMany|UpdateByID|ReplaceOne|DeleteOne|DeleteMany|"
                r"FindOneAndUpdate|FindOneAndReplace|FindOneAndDelete|BulkWrite|Drop|Insert|Update|UpdateId|UpdateAll|"
                r"Upsert|UpsertId|Remove|RemoveId|RemoveAll)\s*\(")),
    (frozenset({"mysql", "postgres", "sqlserver", "oracle", "db2", "mariadb"}),
     re.compile(r'"(?:gorm\.io/gorm|github\.com/jinzhu/gorm|database/sql|github\.com/jmoiron/sqlx|'
                r'github\.com/jackc/pgx(?:/v\d+)?(?:/pgxpool)?)"'),
     re.compile(r"(?<!Indices)\.\s*(?:Create|CreateInBatches|Save|Update|Updates|UpdateColumn|UpdateColumns|Delete|"
                r"Exec|ExecContext|MustExec|NamedExec\w*|FirstOrCreate|CopyFrom|SendBatch)\s*\(|"
                r"\b(?:insert\s+into|update\s+\w+\s+set|delete\s+from|replace\s+into|truncate\s+table)\b",
                re.IGNORECASE)),
)
"""Go database clients: the engines they reach, the import that shows the code uses one, and the words of a write
through them (an index API's ``Indices.Create`` of a search client is none), looked for in every Go file."""

_RUN_TIME = re.compile(r"\bfor\s*\{|\bselect\s*\{|<-|\bgo\s+[\w.(]|\btime\s*\.\s*(?:NewTicker|Tick|Now)\s*\(|"
                       r'"crypto/rand"|\brand\s*\.|\buuid\s*\.|\bGenerateKey\b|\b(?:Serve|ListenAndServe|Consume|'
                       r"Subscribe|ReadMessage|FetchMessage|Poll)\w*\s*\(")
"""What in a start-up function writes more than a fixed set of data once: a loop without end, a channel, a
goroutine, a ticker, the clock, random values or keys, a server or a consumer."""


def seeds_only(texts: Sequence[tuple[str, str]]) -> tuple[frozenset[str], str, Location] | None:
    """The engines a service's Go code (``(path, text)``; its tests left out) writes only while it
    starts, why, and where the first such write is; None when its code is not all Go, or writes none so."""
    go = [(f, blank_comments(t)) for f, t in texts if f.endswith(".go") and not f.endswith("_test.go")]
    if not go or len(go) != len([f for f, _t in texts if not f.endswith((".mod", ".sum", ".json", ".yaml", ".yml",
                                                                           ".md", ".txt", ".proto", "Dockerfile"))]):
        return None
    functions = start_up_functions(go)
    engines: set[str] = set()
    whys: list[str] = []
    first: Location | None = None
    for reached, uses, writes in _CLIENTS:
        if not any(uses.search(t) for _f, t in go):
            continue
        where: list[tuple[str, Location]] = []
        for f, t in go:
            for m in writes.finditer(t):
                inside = next(((n, s, e) for n, (path, s, e) in functions.items() if path == f and s <= m.start() < e),
                              None)
                if inside is None or inside[0] in ("main", "init") or _RUN_TIME.search(t, inside[1], inside[2]):
                    break
                where.append((inside[0], Location(f, t.count("\n", 0, m.start()) + 1)))
            else:
                continue
            break
        else:
            if where:
                engines.update(reached)
                names = sorted({n for n, _at in where})
                at = where[0][1]
                first = first or at
                whys.append(f"its code writes it only in {', '.join(names)}, which only start-up code calls "
                            f"({at.file}:{at.line}), and never while serving")
    return (frozenset(engines), "; ".join(whys), first) if engines and first else None
