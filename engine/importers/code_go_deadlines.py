"""The deadline a Go service's code puts on each call of a generated gRPC client (``archplan import source``).

A gRPC call in Go waits as long as its context lets it. A function that derives the context it passes from
``context.WithTimeout(ctx, 100*time.Millisecond)`` (``WithDeadline`` is not read: its time is computed) and calls
``pb.NewAdServiceClient(conn).GetAds(ctx, ...)`` bounds that call. When every use of a generated client in the
service's code is such a call, with a duration written as a literal, the calls the deployment draws from the service
to the target named like the client (``AdService``: ``adservice``, ``ad-service``, ``ad``) are bounded by the longest
of those deadlines. A client also built elsewhere (kept in a field, passed on, called with another context) leaves
the timeout unknown, as before.

A call can also drop the deadline it was given: a function handed the request's context (a parameter of type
``context.Context``) that calls a generated client with a fresh one instead, ``context.TODO()`` or
``context.Background()`` (``pb.NewCurrencyServiceClient(conn).Convert(context.TODO(), ...)``), neither passes the
caller's deadline on nor stops when the caller gives up. The call to the workload named after the gRPC service
(``code_grpc_gateway.implementer``) then states ``deadline_propagation: false``. A function with no context of its own
(``main``, a start-up task) has no deadline to pass on, and is not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers.code_notify import client_calls
from engine.importers.code_text import close_bracket
from engine.importers.code_timeouts import LibraryTimeout

_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\([^{]*\{", re.MULTILINE)
_WITH_TIMEOUT = re.compile(r"\b(\w+)\s*,\s*\w+\s*:?=\s*context\s*\.\s*WithTimeout\s*\(\s*\w+\s*,\s*"
                           r"([^()]*(?:\([^()]*\))?[^()]*)\)")
_NEW_CLIENT = re.compile(r"(?<!func )\b(?:\w+\s*\.\s*)?New(\w+?)Client\s*\(")
_UNITS_MS = {"Nanosecond": 1e-6, "Microsecond": 1e-3, "Millisecond": 1, "Second": 1000, "Minute": 60000}
_DURATION = re.compile(r"^\s*(?:(\d+)\s*\*\s*)?(?:time\.Duration\s*\(\s*(\d+)\s*\)\s*\*\s*)?time\s*\.\s*(\w+)"
                       r"(?:\s*\*\s*(\d+))?\s*$")


@dataclass(frozen=True)
class Deadline:
    """A generated gRPC client every call of which carries a deadline the code writes out."""

    client: str
    """The client's service name as generated (``AdService``)."""
    timeout_ms: int
    at: Location
    how: str


def _duration_ms(text: str) -> int | None:
    """Milliseconds of ``100*time.Millisecond``, ``time.Second*3``, ``time.Duration(2)*time.Second``; else None."""
    m = _DURATION.match(text)
    if m is None or m.group(3) not in _UNITS_MS:
        return None
    factors = [int(g) for g in (m.group(1), m.group(2), m.group(4)) if g]
    n = 1
    for f in factors:
        n *= f
    return round(n * _UNITS_MS[m.group(3)])


def deadlines(codes: Sequence[tuple[str, str]]) -> tuple[Deadline, ...]:
    """The generated gRPC clients of the Go files among ``codes`` (comments blanked) whose every use is a call given
    a context bounded by a literal ``context.WithTimeout`` in the same function."""
    bounded: dict[str, list[tuple[int, Location, str]]] = {}
    unbounded: set[str] = set()
    for path, code in codes:
        if not path.endswith(".go") or path.endswith(("_test.go", ".pb.go")):
            continue
        for f in _FUNC.finditer(code):
            body_at = f.end() - 1
            end = close_bracket(code, body_at)
            body = code[body_at:end]
            timed: dict[str, tuple[int | None, str, int]] = {}
            for t in _WITH_TIMEOUT.finditer(body):
                timed[t.group(1)] = (_duration_ms(t.group(2)), t.group(2).strip(), t.start())
            for c in _NEW_CLIENT.finditer(body):
                name = c.group(1)
                after = body[close_bracket(body, c.end() - 1):]
                call = re.match(r"\s*\.\s*\w+\s*\(\s*(\w+)\s*[,)]", after)
                ctx = timed.get(call.group(1)) if call else None
                if ctx is None or ctx[0] is None or ctx[2] > c.start():
                    unbounded.add(name)
                    continue
                pos = body_at + c.start()
                line = code.count("\n", 0, pos) + 1
                at = Location(path, line, pos - (code.rfind("\n", 0, pos) + 1) + 1)
                bounded.setdefault(name, []).append((ctx[0], at, f"context.WithTimeout(ctx, {ctx[1]}) in {f.group(1)}"))
    out = []
    for name, uses in sorted(bounded.items()):
        if name in unbounded:
            continue
        ms, at, how = max(uses, key=lambda u: u[0])
        out.append(Deadline(name, ms, at, how))
    return tuple(out)


_CONTEXT_PARAM = re.compile(r"\b\w+\s+context\s*\.\s*Context\b")
_FRESH = re.compile(r"\s*context\s*\.\s*(TODO|Background)\s*\(\s*\)\s*[,)]")


@dataclass(frozen=True)
class Dropped:
    """A call of a generated gRPC client made with a fresh context where the function had the request's."""

    client: str
    """The client's service name as generated (``CurrencyService``)."""
    call: str
    """``Convert(context.TODO(), ...) in convertCurrency``."""
    at: Location


def dropped(codes: Sequence[tuple[str, str]]) -> tuple[Dropped, ...]:
    """The first such call per generated client, in the Go files among ``codes`` (comments blanked)."""
    first: dict[str, Dropped] = {}
    for path, code in codes:
        if not path.endswith(".go") or path.endswith(("_test.go", ".pb.go")):
            continue
        for f in _FUNC.finditer(code):
            head = code[f.start():f.end()]
            if not _CONTEXT_PARAM.search(head[head.find("(", head.find(f.group(1))):]):
                continue
            body_at = f.end() - 1
            body = code[body_at:close_bracket(code, body_at)]
            for service, start, call in client_calls(body):
                fresh = _FRESH.match(body, call.end())
                if fresh is None or service in first:
                    continue
                pos = body_at + start
                line = code.count("\n", 0, pos) + 1
                at = Location(path, line, pos - (code.rfind("\n", 0, pos) + 1) + 1)
                first[service] = Dropped(service, f"{call.group(1)}(context.{fresh.group(1)}(), ...) in {f.group(1)}",
                                         at)
    return tuple(d for _s, d in sorted(first.items()))


def _flat(name: str) -> str:
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    return flat[:-len("service")] if flat.endswith("service") and len(flat) > len("service") else flat


def links(docs: Sequence[Any], found: Mapping[str, Sequence[Deadline]]
          ) -> dict[str, list[tuple[str, LibraryTimeout, str]]]:
    """Per service, the drawn synchronous calls with no stated timeout to a service named like one of its bounded
    clients (one client per target), as ``code_timeouts.record`` states them."""
    out: dict[str, list[tuple[str, LibraryTimeout, str]]] = {}
    for d in docs:
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        stores = {str(s.get("name")) for s in d.data.get("datastores") or [] if isinstance(s, dict)}
        for i in d.data.get("interactions") or []:
            if not isinstance(i, dict) or i.get("timeout_ms") is not None or i.get("style") == "async":
                continue
            source, target = str(i.get("from")), str(i.get("to"))
            if target in stores:
                continue
            named = [dl for dl in found.get(source, ()) if _flat(dl.client) == _flat(target)]
            if len(named) != 1:
                continue
            dl = named[0]
            lib = LibraryTimeout(dl.at, f"generated {dl.client} gRPC", "grpc", dl.timeout_ms, dl.how)
            out.setdefault(source, []).append((target, lib, "services"))
    return out


__all__ = ["Deadline", "Dropped", "deadlines", "dropped", "links"]
