"""The gRPC methods a service serves, read from the ``.proto`` files it is built with (``archplan import source``).

A gRPC service's routes are not in its code: they are the ``rpc`` lines of a ``service`` block of a ``.proto`` file, and
the code only registers an implementation of the generated server. Read, by the text (comments blanked):

- each ``service Name { rpc Method(Request) returns (Response); ... }`` of the ``.proto`` files under the service's
  paths, with the file's ``package``; its methods are endpoints ``RPC /<package>.<Name>/<Method>`` (the path gRPC sends
  them on) of the service whose code registers a server of ``Name``, in any of the languages gRPC generates for: Go
  ``pb.RegisterNameServer(s, ...)``, Python ``add_NameServicer_to_server(...)``, Node ``server.addService(
  proto.Name.service, ...)``, Java ``extends NameGrpc.NameImplBase``, C# ``: Name.NameBase`` (``: NameBase`` under
  ``using static``). A service nobody
  registers (a client's copy of another service's ``.proto``) serves nothing here, and neither do the gRPC project's
  own services (package ``grpc.*``: health checks, reflection);
- the data a method takes or returns: the most sensitive class the names of its request's or response's own fields
  suggest (``base.field_class``: a ``credit_card`` or ``password`` field is ``pci`` or ``confidential``), as a hint to
  check. The messages those fields hold are not searched: their fields describe whatever the method handles (a
  hotel's phone number in the ``Hotel`` a listing returns), not what the call is about.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import InputError, Location
from engine.importers.base import field_class
from engine.importers.code_text import blank_comments, close_bracket, test_tree
from engine.source import Limits, read_text

_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.MULTILINE)
_BLOCK = re.compile(r"\b(service|message)\s+(\w+)\s*\{")
_RPC = re.compile(r"\brpc\s+(\w+)\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)")
_FIELD = re.compile(r"(?:^|[;{])\s*(?:repeated\s+|optional\s+|required\s+)?([\w.]+)\s+(\w+)\s*=\s*\d+", re.MULTILINE)
_RANK = {"pci": 4, "phi": 3, "pii": 2, "confidential": 1}
_MAX_FILES = 200


@dataclass(frozen=True)
class Method:
    """One ``rpc`` of a ``.proto`` service: its gRPC path, where it is declared, and its request and response types."""

    service: str
    path: str
    """``/hipstershop.PaymentService/Charge``."""
    at: Location
    request: str
    response: str


@dataclass(frozen=True)
class RpcRoute:
    """A gRPC method the service serves, with the class of data its messages suggest (and why)."""

    path: str
    at: Location
    framework: str
    classified: tuple[str, str] | None = None


def _registers(service: str, code: str) -> bool:
    """Whether code registers an implementation of the generated server of ``service``."""
    s = re.escape(service)
    return re.search(rf"\bRegister{s}Server\s*\(|\badd_{s}Servicer_to_server\s*\(|\b{s}\s*\.\s*service\b|"
                     rf"\b{s}Grpc\s*\.\s*{s}ImplBase\b|\b{s}\s*\.\s*{s}Base\b|:\s*{s}Base\b", code) is not None


def _proto_files(paths: Sequence[str]) -> Iterator[str]:
    seen = 0
    for p in paths:
        if os.path.isfile(p) and p.endswith(".proto"):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs
                             if not d.startswith(".") and d != "node_modules" and not test_tree(root, d))
            for name in sorted(files):
                if name.endswith(".proto") and seen < _MAX_FILES:
                    seen += 1
                    yield os.path.join(root, name)


def _read(paths: Sequence[str], limits: Limits) -> tuple[list[Method], dict[str, list[tuple[str, str, Location]]]]:
    """The methods of the ``.proto`` files under ``paths``, and each message's fields: (type, name, where)."""
    methods: list[Method] = []
    messages: dict[str, list[tuple[str, str, Location]]] = {}
    for path in _proto_files(paths):
        try:
            code = blank_comments(read_text(path, limits))
        except InputError:
            continue  # a file that cannot be read as text declares nothing here
        package = _PACKAGE.search(code)
        prefix = f"{package.group(1)}." if package else ""
        if prefix.startswith("grpc."):
            continue  # the gRPC project's own services (health, reflection)
        for block in _BLOCK.finditer(code):
            start, end = block.end() - 1, close_bracket(code, block.end() - 1)
            body = code[start + 1:end - 1]
            if block.group(1) == "service":
                for rpc in _RPC.finditer(body):
                    pos = start + 1 + rpc.start()
                    at = Location(path, code.count("\n", 0, pos) + 1, pos - (code.rfind("\n", 0, pos) + 1) + 1)
                    methods.append(Method(block.group(2), f"/{prefix}{block.group(2)}/{rpc.group(1)}", at,
                                          rpc.group(2).rsplit(".", 1)[-1], rpc.group(3).rsplit(".", 1)[-1]))
                continue
            fields = messages.setdefault(block.group(2), [])
            for f in _FIELD.finditer(body):
                pos = start + 1 + f.start(1)
                fields.append((f.group(1).rsplit(".", 1)[-1], f.group(2),
                               Location(path, code.count("\n", 0, pos) + 1, pos - (code.rfind("\n", 0, pos) + 1) + 1)))
    return methods, messages


def _classify(message: str, messages: Mapping[str, list[tuple[str, str, Location]]]) -> tuple[str, str] | None:
    """(class, which field and where) of the most sensitive of ``message``'s own fields, by name."""
    best: tuple[str, str] | None = None
    for _kind, name, at in messages.get(message, []):
        found = field_class(name)
        if found and (best is None or _RANK[found] > _RANK[best[0]]):
            best = (found, f"field {name} of {message} ({os.path.basename(at.file)}:{at.line})")
    return best


def routes(paths: Sequence[str], codes: Sequence[tuple[str, str]], limits: Limits) -> list[RpcRoute]:
    """The gRPC methods of the services the code (``codes``: path, text) registers a server of."""
    methods, messages = _read(paths, limits)
    if not methods:
        return []
    blanked = [blank_comments(c) for f, c in dict(codes).items() if not f.endswith(".proto")]
    served = {m.service for m in methods if any(_registers(m.service, c) for c in blanked)}
    out: list[RpcRoute] = []
    for m in methods:
        if m.service not in served:
            continue
        classes = [c for c in (_classify(m.request, messages), _classify(m.response, messages)) if c]
        best = max(classes, key=lambda c: _RANK[c[0]]) if classes else None
        out.append(RpcRoute(m.path, m.at, f"gRPC service {m.service} (.proto), registered by its code", best))
    return out


__all__ = ["Method", "RpcRoute", "routes"]
