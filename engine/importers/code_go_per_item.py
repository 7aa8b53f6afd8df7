"""gRPC calls a Go service's code makes once per element of a collection (``archplan import source``).

A request that calls another service once for each item of its data (each cart line priced by the currency service,
each product of a page) waits on as many calls as it has items: its latency, and its share of the target's load, grow
with the data. Only the code shows it. A call of a generated gRPC client (``code_notify.client_calls``:
``pb.NewCurrencyServiceClient(conn).Convert(...)`` or a variable holding one; or a field of a struct declared as one,
``cs.currencySvcClient.Convert(...)`` with ``currencySvcClient pb.CurrencyServiceClient``) made inside the body of a
``for ... range`` loop over a collection, directly or through a function of the service's code the loop calls
(``cs.convertCurrency(ctx, ...)``, one level deep), is such a call: the service's call to the workload named after
the gRPC service (``code_grpc_gateway.implementer``) states ``per_item: true``. A loop over a literal (``range
[]string{"a", "b"}``), a number (``range 3``) or a count of attempts (``range maxRetries``) walks no data and is not
read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_notify import client_calls
from engine.importers.code_text import block_after, close_bracket, inside

_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\([^{]*\{", re.MULTILINE)
_RANGE = re.compile(r"\bfor\s+(?:[\w\s,]+:?=\s*)?range\s+")
_LITERAL = re.compile(r"\s*(?:\[|map\s*\[|\d|\"|`|\w*(?i:retr|attempt|tries))")
_FIELD = re.compile(r"^\s*(\w+)\s+\*?\w+\.(\w+)Client\s*$", re.MULTILINE)
"""A struct field holding a generated gRPC client (``currencySvcClient pb.CurrencyServiceClient``)."""
_CALL = re.compile(r"(?<![\w\"])(?:\w+\s*\.\s*)?(\w+)\s*\(")


@dataclass(frozen=True)
class PerItem:
    """A generated gRPC client the code calls once per element of a collection it loops over."""

    client: str
    """The client's service name as generated (``CurrencyService``)."""
    call: str
    """``Convert() in convertCurrency, called in the range loop over items in prepOrderItems``."""
    at: Location
    """The loop."""


def _go(codes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(p, c) for p, c in codes if p.endswith(".go") and not p.endswith(("_test.go", ".pb.go"))]


def per_item(codes: Sequence[tuple[str, str]]) -> tuple[PerItem, ...]:
    """The first such call per generated client, in the Go files among ``codes`` (comments blanked)."""
    code = _go(codes)
    functions: list[tuple[str, str, str, int]] = []  # (name, path, body, where the body starts in the file)
    for path, text in code:
        for f in _FUNC.finditer(text):
            body_at = f.end() - 1
            functions.append((f.group(1), path, text[body_at:close_bracket(text, body_at)], body_at))
    generated = {m.group(1) for _p, text in code for m in re.finditer(r"\bNew(\w+)Client\s*\(", text)}
    fields = {m.group(1): m.group(2) for _p, text in code for m in _FIELD.finditer(text) if m.group(2) in generated}
    field_call = re.compile(rf"\.\s*({'|'.join(sorted(fields))})\s*\.\s*([A-Z]\w*)\s*\(") if fields else None

    def calls_in(body: str) -> list[tuple[str, int, str]]:
        """(gRPC service, where, method) of each client call in ``body``."""
        found = [(service, start, call.group(1)) for service, start, call in client_calls(body)]
        if field_call is not None:
            found += [(fields[m.group(1)], m.start(), m.group(2)) for m in field_call.finditer(body)]
        return found

    # (package directory, function) -> (gRPC service, method) of each client call it makes
    calling: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name, path, body, _at in functions:
        for service, _start, method in calls_in(body):
            calling.setdefault((os.path.dirname(path), name), []).append((service, method))
    first: dict[str, PerItem] = {}
    for name, path, body, body_at in functions:
        calls = calls_in(body)
        for loop in _RANGE.finditer(body):
            if _LITERAL.match(body, loop.end()):
                continue
            brace = block_after(body, loop.end(), semicolon_ends=False)
            if brace is None:
                continue
            start, end = brace, close_bracket(body, brace)
            walked = " ".join(body[loop.end():brace].split())
            found = [(s, f"{method}()") for s, at, method in calls if start < at < end]
            for m in _CALL.finditer(inside(body, brace)):
                if m.group(1) != name:
                    found += [(s, f"{method}() in {m.group(1)}")
                              for s, method in calling.get((os.path.dirname(path), m.group(1)), [])]
            pos = body_at + loop.start()
            text = next(t for p, t in code if p == path)
            line = text.count("\n", 0, pos) + 1
            at = Location(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1)
            for service, how in found:
                first.setdefault(service, PerItem(service, f"{how}, called in the range loop over {walked} in "
                                                           f"{name}", at))
    return tuple(p for _s, p in sorted(first.items()))


__all__ = ["PerItem", "per_item"]
