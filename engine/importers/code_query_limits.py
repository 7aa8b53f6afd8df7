"""Workers that run their users' queries with no time limit, read for ``code_routes`` (``archplan import source``).

A Python application whose settings give the queries it runs for its users a time limit read from the environment
(``ADHOC_QUERY_TIME_LIMIT = int(os.environ.get("REDASH_ADHOC_QUERY_TIME_LIMIT", -1))``, a name holding
``QUERY_TIME_LIMIT`` or ``QUERY_TIMEOUT``) whose default is -1, no limit (RQ's ``job_timeout=-1``; a setting's
comment in such code says "-1 to execute without a time limit"), runs those queries on the workers that consume a queue
named for queries (``QUEUES: "queries"``, ``rq worker scheduled_queries``: ``code_calls.consumed_queues``). Such a
worker ``runs_caller_queries``; its ``caller_query_timeout_ms`` is 0 when the deployment leaves every such variable
unset or sets it to -1, and unknown when it may set one unseen (an env file not read: the rule then reads the code's
default). When it sets one to another value, a limit is configured whose length and scope the code does not say:
nothing is stated. Only
when every such setting defaults to no limit: a setting with a limit by default (its unit unstated) says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.base import Body

_SETTING = re.compile(r"^(\w*QUERY_(?:TIME_?LIMIT|TIMEOUT)\w*)[ \t]*=[ \t]*(?:int[ \t]*\([ \t]*)?"
                      r"os\s*\.\s*(?:environ\s*\.\s*get|getenv)\s*\(\s*[\"'](\w+)[\"']\s*,\s*[\"']?([^\s,)\"']+)",
                      re.MULTILINE)
"""A module-level setting of a query time limit read from a variable, with its default."""
_QUERY_QUEUE = re.compile(r"quer(?:y|ies)", re.IGNORECASE)


@dataclass(frozen=True)
class QueryLimit:
    """A setting of the time limit on the queries the application runs for its users, with no limit by default."""

    name: str
    variable: str
    at: Location


@dataclass(frozen=True)
class QueryWorker:
    """A worker running its users' queries: the time limit on each as deployed (None: not known), and why."""

    timeout_ms: int | None
    why: str
    at: Location


def unlimited(texts: Sequence[tuple[str, str]]) -> tuple[QueryLimit, ...]:
    """The query time limit settings of the Python code, when every one it has defaults to -1 (no limit)."""
    out: list[QueryLimit] = []
    for path, text in texts:
        if not path.endswith(".py"):
            continue
        for m in _SETTING.finditer(text):
            if m.group(3) != "-1":
                return ()
            out.append(QueryLimit(m.group(1), m.group(2), Location(path, text.count("\n", 0, m.start()) + 1, 1)))
    return tuple(sorted(out, key=lambda q: (q.at.file, q.at.line)))


def worker(limits: Sequence[QueryLimit], queues: frozenset[str] | None, own: Mapping[str, tuple[str, Location]],
           unseen: frozenset[str]) -> QueryWorker | None:
    """The worker consuming ``queues`` as one running its users' queries under ``limits`` (as deployed: ``own``, the
    variables its deployment sets; ``unseen``, those it sets to a value not shown, ``*`` any), when a queue it consumes
    is named for queries, the code has such settings and the deployment sets none of them to a limit."""
    named = sorted(q for q in queues or () if _QUERY_QUEUE.search(q))
    if not limits or not named:
        return None
    settings = ", ".join(f"{q.name} ({q.at.file}:{q.at.line})" for q in limits)
    runs = (f"it consumes the queue {', '.join(named)}, and its code's query time limits default to -1, no limit: "
            f"{settings}")
    set_ = sorted((q.variable, own[q.variable]) for q in limits if q.variable in own)
    if any(value.strip() != "-1" for _v, (value, _at) in set_):
        return None  # a limit is set: how long, and on which queries, the code alone does not say
    hidden = sorted({"*", *(q.variable for q in limits)} & unseen)
    if hidden:
        variables = ", ".join(q.variable for q in limits)
        why = f"an env file of its deployment that is not read may set {variables}" if "*" in hidden else \
            f"its deployment sets {', '.join(hidden)} to a value not shown"
        return QueryWorker(None, f"{why}; {runs}", limits[0].at)
    return QueryWorker(0, f"its deployment leaves them as they are; {runs}", limits[0].at)


def record(body: Body, service: str, w: QueryWorker | None) -> None:
    """The service's facts as a worker running its users' queries (``w``), when it is one."""
    if w is None:
        return
    body.set("services", service, "runs_caller_queries", True, w.at)
    if w.timeout_ms is not None:
        body.set("services", service, "caller_query_timeout_ms", w.timeout_ms, w.at)
        body.note("services", service, f"runs_caller_queries, caller_query_timeout_ms {w.timeout_ms}: {w.why}")
    else:
        body.note("services", service, f"runs_caller_queries, caller_query_timeout_ms not known: {w.why}")
