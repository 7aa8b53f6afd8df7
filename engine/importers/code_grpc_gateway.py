"""gRPC gateways: a service whose Go code serves other services' gRPC methods as HTTP (grpc-gateway).

grpc-gateway generates, for each gRPC service ``Library`` with HTTP bindings, the functions
``RegisterLibraryHandlerFromEndpoint``, ``RegisterLibraryHandlerClient``, ``RegisterLibraryHandler`` and
``RegisterLibraryHandlerServer``; a program that calls one on its ``runtime.ServeMux`` serves that service's
HTTP bindings and forwards each request to the service over gRPC. Its OpenAPI description (protoc-gen-openapiv2)
names each operation ``<Service>_<Method>``. So an endpoint the description of the gateway states is routed to
the workload that implements the gRPC service its operationId names: the one whose name is the gRPC service's
(``LibraryService``, ``library-service``, or without the ``Service`` suffix: ``library``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location

_REGISTER = re.compile(r"\bRegister([A-Z]\w*?)Handler(?:FromEndpoint|Client|Server)?\s*\(")
_GATEWAY_RUNTIME = re.compile(r'"github\.com/grpc-ecosystem/grpc-gateway(?:/v2)?/runtime"')


@dataclass(frozen=True)
class Registration:
    """One gRPC service whose HTTP bindings the code serves, and where it registers them."""

    service: str
    at: Location


def registrations(texts: Sequence[tuple[str, str]]) -> tuple[Registration, ...]:
    """The gRPC services a Go program's grpc-gateway mux serves (comments already blanked), in file order; none
    unless the program imports grpc-gateway's runtime, so that another ``Register...Handler`` is not read as one."""
    if not any(_GATEWAY_RUNTIME.search(text) for path, text in texts if path.endswith(".go")):
        return ()
    out: dict[str, Registration] = {}
    for path, text in texts:
        if not path.endswith(".go"):
            continue
        for m in _REGISTER.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            out.setdefault(m.group(1), Registration(m.group(1), Location(path, line, column)))
    return tuple(out.values())


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def implementer(grpc_service: str, services: Sequence[str]) -> str | None:
    """The workload of ``services`` named after ``grpc_service`` (with or without its ``Service`` suffix), when
    exactly one is."""
    wanted = {_compact(grpc_service)}
    if grpc_service.endswith("Service") and len(grpc_service) > len("Service"):
        wanted.add(_compact(grpc_service[: -len("Service")]))
    found = sorted({s for s in services if _compact(s) in wanted})
    return found[0] if len(found) == 1 else None


def routes(operations: Mapping[str, str], served: Mapping[str, str], gateways: Mapping[str, Sequence[Registration]],
           services: Sequence[str]) -> dict[str, tuple[str, Registration]]:
    """Endpoint key -> (the workload it is forwarded to, the registration that forwards it), for each endpoint a
    gateway serves (``served``: key -> serving service) whose operationId (``operations``) names a gRPC service
    the gateway registers and one workload implements."""
    out: dict[str, tuple[str, Registration]] = {}
    for key, op_id in operations.items():
        gateway = served.get(key)
        grpc_service, sep, _method = op_id.partition("_")
        if gateway is None or not sep:
            continue
        reg = next((r for r in gateways.get(gateway, ()) if r.service == grpc_service), None)
        target = implementer(grpc_service, [s for s in services if s != gateway]) if reg else None
        if reg is not None and target is not None:
            out[key] = (target, reg)
    return out
