"""gRPC calls a Go service makes only to notify (``import source``): ``purpose: notify`` on its call to the callee.

A generated gRPC client (``pb.NewEmailServiceClient(conn)``) whose every call in the service's code is a method named
for telling, not asking (``SendOrderConfirmation``, ``NotifyShipment``, ``PublishEvent``), and throws the answer away
(``_, err := client.SendOrderConfirmation(ctx, req)``, or a bare call), needs no answer from the callee: the caller
only learns whether the message got through. A call whose answer is used, or a method named otherwise
(``GetQuote``), makes none of the client's calls a notification. The callee is the workload named after the gRPC
service (``code_grpc_gateway.implementer``); ``compose`` states the purpose on that interaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import close_bracket

_NEW_CLIENT = re.compile(r"\b\w+\.New([A-Z]\w*?)Client\s*\(")
_ASSIGNED = re.compile(r"\b([A-Za-z_]\w*)\s*:?=\s*\w+\.New([A-Z]\w*?)Client\s*\(")
_METHOD = re.compile(r"\s*\.\s*([A-Z]\w*)\s*\(")
_TELLING = re.compile(r"(?:Send|Notify|Publish|Emit|Announce|Broadcast|Alert)(?![a-z])")
_DISCARDED = re.compile(r"(?:^|[;{]|\bif)\s*(?:_\s*,\s*[A-Za-z_]\w*\s*:?=|_\s*=)?\s*$")
"""What stands before a call whose answer is thrown away on its line: ``_, err :=``, ``_ =``, or nothing."""


@dataclass(frozen=True)
class Notification:
    """A gRPC service the code only notifies: its name, the first such call, and where."""

    grpc_service: str
    call: str
    at: Location


def client_calls(code: str) -> list[tuple[str, int, re.Match[str]]]:
    """The calls of generated gRPC clients in Go code (comments blanked): (gRPC service, where the call's receiver
    starts, the match of ``.Method(`` after it), through a client built in place (``pb.NewEmailServiceClient(conn)
    .SendOrderConfirmation(...)``) or a variable assigned one (``cl := pb.NewCartServiceClient(conn)``)."""
    calls: list[tuple[str, int, int]] = []  # (gRPC service, where the call's receiver starts, where it ends)
    for m in _NEW_CLIENT.finditer(code):
        calls.append((m.group(1), m.start(), close_bracket(code, m.end() - 1)))
    kept = {m.group(1): m.group(2) for m in _ASSIGNED.finditer(code)}
    if kept:
        names = "|".join(re.escape(v) for v in sorted(kept))
        calls += [(kept[m.group(1)], m.start(), m.end()) for m in re.finditer(rf"(?<![\w.])({names})\b", code)]
    out: list[tuple[str, int, re.Match[str]]] = []
    for service, start, end in calls:
        call = _METHOD.match(code, end)
        if call is not None:  # else the client built and kept, or the variable assigned: its calls are read by name
            out.append((service, start, call))
    return out


def notifications(texts: Sequence[tuple[str, str]]) -> tuple[Notification, ...]:
    """The gRPC services a Go service's code (comments blanked) calls only to notify, by service name."""
    first: dict[str, Notification] = {}
    asks: set[str] = set()
    for path, code in texts:
        if not path.endswith(".go") or path.endswith("_test.go"):
            continue
        for service, start, call in client_calls(code):
            line_start = code.rfind("\n", 0, start) + 1
            if _TELLING.match(call.group(1)) and _DISCARDED.search(code[line_start:start]):
                line = code.count("\n", 0, start) + 1
                first.setdefault(service, Notification(service, f"{call.group(1)}()",
                                                       Location(path, line, start - line_start + 1)))
            else:
                asks.add(service)
    return tuple(n for s, n in sorted(first.items()) if s not in asks)
