"""Writes to a store whose failure a C# method swallows and answers as a success (``archplan import source``).

A deployment cannot show what a service does when a write fails; its code can. This module reads a service's C#
methods for a ``try`` block that writes to a SQL store (Entity Framework Core's ``SaveChanges`` /
``SaveChangesAsync``, ADO.NET's ``ExecuteNonQuery``, Dapper's ``Execute`` on a connection, or a write verb called
on a field that is a repository: ``_repo.RegisterInvoiceAsync(...)``), in the block itself or in a method of the
same class the block calls (to a depth of ``_MAX_DEPTH``), followed by a catch-all clause
(``catch``, ``catch (Exception ex)``, no ``when`` filter) that neither throws nor returns anything but a success,
after which the method goes on to report success too (it ends, or returns ``true``, ``Ok(...)``,
``NoContent()``...). The caller (a controller's client, the broker a message handler acknowledges to) is then told
the write was made when it was not: the interaction of the service with its one SQL datastore is
``on_failure: swallowed``.

Not counted: a clause that catches a named exception (``catch (DbUpdateException)``: one case handled on purpose, a
duplicate key skipped), a ``when`` filter, a clause that rethrows or returns a failure (``return false``,
``StatusCode(500)``), and a ``try`` inside a loop of its method (a retry loop, or a polling loop that tries again on
its next turn).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_csharp
from engine.importers.base import Body
from engine.importers.code_text import bracket_pairs

_MAX_DEPTH = 3
_CLASS = re.compile(r"\b(?:class|record|struct)\s+([A-Za-z_]\w*)[^{;]*\{")
_METHOD = re.compile(r"\b([A-Za-z_]\w*)\s*(?:<[^<>(){};=]*>)?\s*\(")
_WRITE = re.compile(r"\.\s*(?:SaveChanges|ExecuteNonQuery)(?:Async)?\s*\(|"
                    r"\b\w*(?:[Cc]onn(?:ection)?|[Dd][Bb])\s*\.\s*Execute(?:Async)?\s*(?:<[^<>()]*>)?\s*\(")
"""EF Core's and ADO.NET's writes, and Dapper's ``Execute`` on a connection (``conn.ExecuteAsync(sql, ...)``; Polly's
``policy.Execute`` is no write)."""
_FIELD_CALL = re.compile(r"(?<![\w.])(?:this\s*\.\s*)?(_?[A-Za-z]\w*)\s*\.\s*([A-Za-z]\w*)\s*(?:<[^<>()]*>)?\s*\(")
_TRY = re.compile(r"\btry\s*\{")
_CATCH = re.compile(r"\s*catch\b\s*(?:\((?P<type>[^()]*)\))?\s*(?P<when>when\b)?")
_FINALLY = re.compile(r"\s*finally\s*\{")
_BROAD = re.compile(r"\s*(?:System\s*\.\s*)?Exception(?:\s+[A-Za-z_]\w*)?\s*")
_LOOP = re.compile(r"\b(?:for|foreach|while)\s*\((?:[^()]|\([^()]*\))*\)\s*$|\bdo\s*$")
_RETURN = re.compile(r"\breturn\b\s*(?P<what>[^;]*);")
_SUCCESS = re.compile(r"(?:true|Task\s*\.\s*CompletedTask|(?:Ok|NoContent|Accepted\w*|Created\w*)\s*\(.*\))?",
                      re.DOTALL)


@dataclass(frozen=True)
class Swallowed:
    """A write whose failure a method swallows: the method, the write, and the catch-all clause."""

    method: str
    """``EventHandlerWorker.HandleMessageAsync``."""
    write: str
    """``SaveChangesAsync at Worker.cs:81``."""
    at: Location
    """The catch-all clause."""


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _writes(code: str, span: tuple[int, int], klass: tuple[Mapping[str, list[tuple[int, int]]], Mapping[str, str]],
            path: str, depth: int, seen: frozenset[str]) -> str | None:
    """The first store write in ``code[span]`` or in a method of the class it calls, as ``SaveChanges at f:12``:
    ``_WRITE``, or a write through a field of the class (``klass``: its methods and fields) that is a repository, a
    store or a database context (``code_csharp.store_write``)."""
    start, end = span
    methods, fields = klass
    found = [(m.start(), re.sub(r"\s+", "", m.group(0)).split("(")[0].split("<")[0].lstrip("."))
             for m in _WRITE.finditer(code, start, end)][:1]
    found += [(m.start(), f"{fields[m.group(1)]}.{m.group(2)}") for m in _FIELD_CALL.finditer(code, start, end)
              if m.group(1) in fields and code_csharp.store_write(fields[m.group(1)], m.group(2))][:1]
    if found:
        pos, what = min(found)
        return f"{what} at {os.path.basename(path)}:{_at(path, code, pos).line}"
    if depth >= _MAX_DEPTH:
        return None
    for m in _METHOD.finditer(code, start, end):
        name = m.group(1)
        if name in methods and name not in seen and code[max(start, m.start() - 1):m.start()] != ".":
            for body in methods[name]:
                write = _writes(code, body, klass, path, depth + 1, seen | {name})
                if write is not None:
                    return write
    return None


def _reports_success(code: str, start: int, end: int) -> bool:
    """Whether ``code[start:end]`` neither throws nor returns anything but a success."""
    if re.search(r"\bthrow\b", code[start:end]):
        return False
    return all(_SUCCESS.fullmatch(r.group("what").strip()) for r in _RETURN.finditer(code, start, end))


def _in_loop(code: str, pos: int, body: tuple[int, int], pairs: Mapping[int, int]) -> bool:
    """Whether the statement at ``pos`` sits in a loop's block inside the method body ``body``."""
    if _LOOP.search(code[body[0]:pos]):  # a loop whose body is the try itself, without braces
        return True
    for opened, closed in pairs.items():
        if body[0] <= opened < pos < closed and code[opened] == "{" and _LOOP.search(code[body[0]:opened]):
            return True
    return False


def _catches(code: str, after: int, pairs: Mapping[int, int]) -> Iterator[tuple[int, bool, int, int]]:
    """The clauses after a ``try`` block ending at ``after``: (where, whether it catches everything unfiltered, its
    block's span)."""
    pos = after
    while True:
        m = _CATCH.match(code, pos)
        if m is None:
            f = _FINALLY.match(code, pos)
            if f is not None:
                yield f.end() - 1, False, f.end(), pairs.get(f.end() - 1, f.end()) - 1
            return
        brace = re.match(r"\s*\{", code[m.end():])
        if brace is None:
            return
        opened = m.end() + brace.end() - 1
        broad = m.group("when") is None and (m.group("type") is None or _BROAD.fullmatch(m.group("type")) is not None)
        closed = pairs.get(opened, opened + 1)
        yield m.start() + len(m.group(0)) - len(m.group(0).lstrip()), broad, opened + 1, closed - 1
        pos = closed


def csharp(texts: Sequence[tuple[str, str]]) -> list[Swallowed]:
    """The store writes a service's C# files (comments blanked) swallow the failure of (see the module)."""
    out: list[Swallowed] = []
    for path, code in texts:
        if not path.endswith(".cs") or "try" not in code:
            continue
        pairs = bracket_pairs(code)
        for c in _CLASS.finditer(code):
            start, end = c.end(), pairs.get(c.end() - 1, len(code)) - 1
            methods = code_csharp.methods(code, start, end, pairs)
            klass = (methods, code_csharp.fields(code, start, end, methods))
            for name, bodies in sorted(methods.items()):
                for body in bodies:
                    found = _swallowed(path, code, pairs, klass, name, body)
                    if found is not None:
                        out.append(Swallowed(f"{c.group(1)}.{name}", *found))
                        break
    return out


def _swallowed(path: str, code: str, pairs: Mapping[int, int],
               klass: tuple[Mapping[str, list[tuple[int, int]]], Mapping[str, str]],
               name: str, body: tuple[int, int]) -> tuple[str, Location] | None:
    for t in _TRY.finditer(code, body[0], body[1]):
        opened = t.end() - 1
        closed = pairs.get(opened)
        if closed is None or _in_loop(code, t.start(), body, pairs):
            continue
        clauses = list(_catches(code, closed, pairs))
        swallowing = [(at, s, e) for at, broad, s, e in clauses if broad and _reports_success(code, s, e)]
        if not swallowing:
            continue
        after = max(e for _at_, _b, _s, e in clauses) + 1
        if not _reports_success(code, after, body[1]):
            continue
        write = _writes(code, (opened + 1, closed - 1), klass, path, 0, frozenset({name}))
        if write is not None:
            return write, _at(path, code, swallowing[0][0])
    return None


_SQL = frozenset({"postgres", "postgresql", "mysql", "mariadb", "cockroachdb", "sqlserver", "mssql"})


def target(called: Sequence[str], engines: Mapping[str, str]) -> str | None:
    """The caller's one SQL datastore among what it calls (``engines``: datastore -> engine); None when not one."""
    found = [t for t in called if engines.get(t, "").lower() in _SQL]
    return found[0] if len(found) == 1 else None


def record(body: Body, service: str, store: str | None, found: Sequence[Swallowed]) -> None:
    """State ``on_failure: swallowed`` on ``service``'s interaction with ``store``, from the first of ``found``."""
    if store is None or not found:
        return
    first = found[0]
    ident = body.fact("interactions", {"from": service, "to": store}, first.at)
    body.set("interactions", ident, "on_failure", "swallowed", first.at)
    others = f" ({len(found) - 1} more such method(s))" if len(found) > 1 else ""
    body.note("interactions", ident, f"on_failure swallowed: {first.method} writes it ({first.write}) in a try whose "
                                     f"catch-all ({os.path.basename(first.at.file)}:{first.at.line}) neither "
                                     f"rethrows nor returns a failure, and then reports success{others}")


__all__ = ["Swallowed", "csharp", "record", "target"]
