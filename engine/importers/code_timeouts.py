"""The default timeout of a client library a service's code calls with (``archplan import source``).

A client library that gives its calls a timeout when the code sets none (the catalogue's ``client_timeouts``, each
default with its documented source) bounds the calls the service makes with it: a service whose code builds such a
client and never sets its timeout calls, over the library's protocol, with the library's default. ``compose`` joins
it with the deployment: each call the deployment draws from the service over that protocol, with no timeout stated,
gets the default as ``timeout_ms``, unless the code also uses another library of the list for that protocol (which
call uses which is then unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers import infra
from engine.importers.base import Body
from engine.source import Document


@dataclass(frozen=True)
class LibraryTimeout:
    """A client library the code calls with, leaving its documented default timeout in force."""

    at: Location
    library: str
    protocol: str
    timeout_ms: int


def library_timeouts(codes: Sequence[tuple[str, str]]) -> tuple[LibraryTimeout, ...]:
    """The catalogue's client libraries the code (comments blanked) builds a client of and sets no timeout on."""
    found: dict[str, LibraryTimeout] = {}
    overridden: set[str] = set()
    for path, text in codes:
        for lib in infra.catalog().client_timeouts:
            m = lib.code.search(text)
            if m is None:
                continue
            if lib.overrides is not None and lib.overrides.search(text):
                overridden.add(lib.name)
            line = text.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)
            found.setdefault(lib.name, LibraryTimeout(at, lib.name, lib.protocol, lib.timeout_ms))
    return tuple(v for k, v in sorted(found.items()) if k not in overridden)


def links(docs: Sequence[Document], libraries: Mapping[str, Sequence[LibraryTimeout]]
          ) -> dict[str, list[tuple[str, LibraryTimeout, str]]]:
    """Per service, the drawn calls with no stated timeout that its one library for their protocol bounds, with
    the section of the target (``datastores`` when the deployment runs it as one, else ``services``)."""
    drawn: dict[str, list[dict[str, Any]]] = {}
    stores: set[str] = set()
    for d in docs:
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        stores.update(str(s.get("name")) for s in d.data.get("datastores") or [] if isinstance(s, dict))
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                drawn.setdefault(str(i.get("from")), []).append(i)
    out: dict[str, list[tuple[str, LibraryTimeout, str]]] = {}
    for service, libs in sorted(libraries.items()):
        per_protocol: dict[str, list[LibraryTimeout]] = {}
        for lib in libs:
            per_protocol.setdefault(lib.protocol, []).append(lib)
        for i in drawn.get(service, []):
            one = per_protocol.get(str(i.get("protocol")), [])
            if len(one) == 1 and i.get("timeout_ms") is None and i.get("style") != "async":
                target = str(i.get("to"))
                out.setdefault(service, []).append((target, one[0], "datastores" if target in stores else "services"))
    return out


def record(body: Body, service: str, calls: Sequence[tuple[str, LibraryTimeout, str]]) -> None:
    """State the library's default timeout on each call in the service's routes' document."""
    for target, lib, section in calls:
        body.fact(section, {"name": target}, lib.at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": target}, lib.at)
        body.set("interactions", ident, "timeout_ms", lib.timeout_ms, lib.at)
        body.note("interactions", ident, f"timeout_ms: {service} calls with {lib.library}, whose default timeout "
                                         f"({lib.timeout_ms / 1000:g} s) its code does not change")


__all__ = ["LibraryTimeout", "library_timeouts", "links", "record"]
