"""Go handlers that run SQL their caller wrote, read for ``code_go`` (``archplan import source``).

A handler that takes a value from the request (a query or form value: ``c.FormValue("query")``,
``c.QueryParam("q")``, ``r.URL.Query().Get("where")``) and splices it into the text of a SQL statement
(``strings.ReplaceAll(sqlTemplate, "%query%", cond)``, ``fmt.Sprintf("... WHERE %s", cond)``, ``"..." + cond``)
that it then runs (sqlx's ``Select``/``Get``, database/sql's ``Query``/``Exec`` and their ``Context`` forms) runs a
query its caller writes: an advanced search that takes a SQL condition, not a value bound as ``$1`` (nor a sort
column, direction or page size, ``_ORDERING``: picked from the application's own). The value is
followed through plain assignments (``cond = queryExp``; a call wrapping it: ``formatSQLExp(c.FormValue("q"))``)
and into the functions the handler hands it to, by their parameter's position, up to ``_DEPTH`` calls away
(``a.core.QuerySubscribers(search, query, ...)`` in another package).

Its time limit: none when no code of the service names a statement timeout (``statement_timeout``,
``max_execution_time``) and the function that runs it sets no deadline on its context (``context.WithTimeout``,
``WithDeadline``); unknown otherwise (the limit may bound it: the code alone does not say how long).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.importers.code_text import close_bracket, split_args


class Body(Protocol):
    """A function's body in its file's code (``code_go``'s functions)."""

    @property
    def path(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def signature(self) -> int: ...


@dataclass(frozen=True)
class CallerQuery:
    """A handler's run of SQL text its caller wrote: where the request's value is read, where the text runs, and
    what may bound it (None: nothing in the code does)."""

    field: str
    read_at: str
    run_at: str
    bounded: str | None


_DEPTH = 3
"""How many calls away from the handler the request's value is followed."""
_REQUEST_READ = re.compile(r"\.URL\.Query\(\)\s*(?:\.\s*Get\s*\(\s*|\[\s*)\"([^\"]+)\"|"
                           r"\.\s*(?:FormValue|PostFormValue|QueryParam|Query|DefaultQuery|GetQuery|PostForm|"
                           r"DefaultPostForm|GetPostForm)\s*\(\s*\"([^\"]+)\"")
"""A request's query or form value read by name (net/http, Echo, Gin): text the caller writes (a path parameter is
not read here: it names an object)."""
_ORDERING = re.compile(r"order|sort|^dir$|direction|^limit$|^offset$|^page|per_page|size$", re.IGNORECASE)
"""A request field that names a column to sort by, a direction or a page (spliced into ``ORDER BY`` or ``LIMIT``
after a check against the columns allowed): the caller picks among the application's queries, it writes none."""
_TARGET = re.compile(r"^[ \t]*(?:var[ \t]+)?(?!(?:if|for|switch|return|case|else|go|defer)\b)(\w+)"
                     r"(?:[ \t]*,[ \t]*\w+)*[ \t]*(?:[\w.\[\]*]+[ \t]*)?:?=(?!=)[ \t]*", re.MULTILINE)
_SPLICE = re.compile(r"\b(?:strings\s*\.\s*(?:ReplaceAll|Replace)|fmt\s*\.\s*Sprintf)\s*\(")
_SQL_TEMPLATE = re.compile(r"(?i:\b(?:select|where|from|update|delete|insert)\b)|(?:Query|SQL|Sql|Stmt|Statement)\w*$")
"""A spliced template that is SQL: a literal holding SQL's words, or a name that says it holds a query
(``c.q.QuerySubscribers``, ``countSQL``)."""
_RUN = re.compile(r"\.\s*(?:Select|Get|Query|QueryRow|Queryx|QueryRowx|Exec|SelectContext|GetContext|QueryContext|"
                  r"QueryRowContext|QueryxContext|QueryRowxContext|ExecContext|NamedQuery|NamedExec|Raw)\s*\(")
"""A call that runs a SQL text (database/sql, sqlx, GORM's ``Raw``)."""
_CALL = re.compile(r"(?<![\w.])(?:\w+\s*\.\s*)*(\w+)\s*\(")
_DEADLINE = re.compile(r"\bcontext\s*\.\s*With(?:Timeout|Deadline)\s*\(")
LIMIT_WORDS = re.compile(r"statement_timeout|max_execution_time", re.IGNORECASE)
"""A statement timeout named in code, SQL or a connection string (PostgreSQL's, MySQL's)."""


def _line(b: Body, i: int) -> str:
    return f"{b.path}:{b.code.count(chr(10), 0, i) + 1}"


def _assignments(b: Body) -> Iterator[tuple[str, int, int]]:
    """Each assignment in the body: its first target's name, and where its right-hand side starts and ends (the
    end of its line, or of the last bracket opened on it)."""
    for m in _TARGET.finditer(b.code, b.start, b.end):
        k, end = m.end(), _eol(b, m.end())
        while k < end:
            if b.code[k] in "([{":
                k = close_bracket(b.code, k, raw_backticks=True)
                end = max(end, _eol(b, k))
            else:
                k += 1
        yield m.group(1), m.end(), end


def _eol(b: Body, i: int) -> int:
    end = b.code.find("\n", i)
    return b.end if end < 0 or end > b.end else end


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")


def _carried(b: Body, names: set[str]) -> set[str]:
    """``names`` with the variables the body assigns one of them to as it is, or wrapped in one call
    (``cond = queryExp``, ``q := strings.TrimSpace(query)``)."""
    out = set(names)
    for _ in range(3):
        grown = False
        for target, s, e in _assignments(b):
            rhs = b.code[s:e].strip()
            inner = re.fullmatch(r"(?:[\w.]+\s*\(\s*)?(\w+)\s*\)?", rhs)
            if target not in out and inner is not None and inner.group(1) in out:
                out.add(target)
                grown = True
        if not grown:
            break
    return out


def _spliced(b: Body, names: set[str]) -> Iterator[tuple[str, int]]:
    """The variables the body assigns a SQL text holding one of ``names`` (not as a bound parameter: in the
    text), with where."""
    for target, s, e in _assignments(b):
        rhs = b.code[s:e]
        m = _SPLICE.match(rhs.strip())
        if m is not None:
            opened = s + (len(rhs) - len(rhs.lstrip())) + m.end() - 1
            args = split_args(b.code[opened + 1:close_bracket(b.code, opened, raw_backticks=True) - 1],
                              raw_backticks=True)
            if len(args) >= 2 and _SQL_TEMPLATE.search(args[0]) and any(a in names for a in args[1:]):
                yield target, s
        elif "+" in rhs and _SQL_TEMPLATE.search(rhs) and any(
                re.search(rf"\+\s*{re.escape(n)}\b|(?<![\w.]){re.escape(n)}\s*\+", rhs) for n in names):
            yield target, s


def _runs(b: Body, names: set[str]) -> tuple[int, int] | None:
    """Where the body runs a SQL text holding one of ``names``: the splice and the run (offsets)."""
    texts = dict(_spliced(b, names))
    if not texts:
        return None
    for m in _RUN.finditer(b.code, b.start, b.end):
        args = split_args(b.code[m.end():close_bracket(b.code, m.end() - 1, raw_backticks=True) - 1],
                          raw_backticks=True)
        used = next((a for a in args if a in texts), None)
        if used is not None:
            return texts[used], m.start()
    return None


def _params(b: Body) -> list[str]:
    """The names of the function's parameters, in order (``a, b string, c []int`` -> a, b, c)."""
    head = b.code[b.signature:b.start]
    recv = re.match(r"func\s*(\([^)]*\)\s*)?\w+\s*\(", head)
    if recv is None:
        return []
    opened = b.signature + recv.end() - 1
    return [p.split()[0] for p in split_args(b.code[opened + 1:close_bracket(b.code, opened) - 1]) if p.split()]


def _follow(b: Body, names: set[str], callees: Callable[[str], Sequence[Body]], depth: int,
            seen: set[tuple[str, int]]) -> tuple[Body, int, int] | None:
    """The body that runs SQL text holding one of ``names`` (values of ``b``), where it splices and runs it."""
    held = _carried(b, names)
    found = _runs(b, held)
    if found is not None:
        return b, found[0], found[1]
    if depth == 0:
        return None
    for m in _CALL.finditer(b.code, b.start, b.end):
        args = split_args(b.code[m.end():close_bracket(b.code, m.end() - 1, raw_backticks=True) - 1],
                          raw_backticks=True)
        given = [k for k, a in enumerate(args) if a in held]
        if not given:
            continue
        for callee in callees(m.group(1)):
            if (callee.path, callee.start) in seen:
                continue
            seen.add((callee.path, callee.start))
            params = _params(callee)
            taken = {params[k] for k in given if k < len(params)}
            hit = _follow(callee, taken, callees, depth - 1, seen) if taken else None
            if hit is not None:
                return hit
    return None


def caller_query(handler: Body, callees: Callable[[str], Sequence[Body]], limited: str | None
                 ) -> CallerQuery | None:
    """How the handler runs SQL text its caller wrote (``CallerQuery``), when it does; ``callees``: the bodies a
    call by a name may reach; ``limited``: where the service's code names a statement timeout (None: nowhere)."""
    names: dict[str, tuple[str, int]] = {}
    for target, s, e in _assignments(handler):
        read = _REQUEST_READ.search(handler.code, s, e)
        if read is not None and not _ORDERING.search(read.group(1) or read.group(2)):
            names.setdefault(target, (read.group(1) or read.group(2), read.start()))
    for name, (field, at) in sorted(names.items(), key=lambda x: x[1][1]):
        hit = _follow(handler, {name}, callees, _DEPTH, {(handler.path, handler.start)})
        if hit is None:
            continue
        body, _spliced_at, run = hit
        deadline = _DEADLINE.search(body.code, body.start, body.end)
        bounded = limited or (f"a deadline on its context ({_line(body, deadline.start())})" if deadline else None)
        return CallerQuery(field, _line(handler, at), _line(body, run), bounded)
    return None


def limit_named(texts: Sequence[tuple[str, str]]) -> str | None:
    """Where the code (or SQL) names a statement timeout, first: ``path:line``."""
    for path, text in texts:
        m = LIMIT_WORDS.search(text)
        if m is not None:
            return f"{path}:{text.count(chr(10), 0, m.start()) + 1}"
    return None


def by_name(alike: Mapping[str, Sequence[Body]]) -> Callable[[str], Sequence[Body]]:
    """The bodies a call by a bare name may reach: every function or method bearing it."""
    return lambda name: alike.get(name, ())
