"""The default timeout of a client library a service's code calls with (``archplan import source``).

A client library that gives its calls a timeout when the code sets none (the catalogue's ``client_timeouts``, each
default with its documented source) bounds the calls the service makes with it: a service whose code builds such a
client and never sets its timeout calls, over the library's protocol, with the library's default. ``compose`` joins
it with the deployment: each call the deployment draws from the service over that protocol, with no timeout stated,
gets the default as ``timeout_ms``, unless the code also uses another library of the list for that protocol (which
call uses which is then unknown).

A timeout the code sets on a Rust ``reqwest`` client it builds (``Client::builder()...timeout(d)``) bounds its HTTP
calls the same way, when the duration can be told: a ``Duration::from_secs(N)`` / ``from_millis(N)`` literal, or a
name whose assignment in the service's code ends in one (``let t = env::var(..)...unwrap_or(Duration::from_secs(300));``
is 300 s, the value when the variable is not set).

A handler the code gives every client of its HTTP client factory (``ConfigureHttpClientDefaults(http =>
http.AddStandardResilienceHandler())``: a catalogue entry with ``services: true``) bounds every call to a service
whose protocol is HTTP, gRPC (the factory's gRPC clients get it too) or unstated (a dependency the deployment names
without saying how it is called: an Aspire ``WithReference``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers import code_trees, infra
from engine.importers.base import Body
from engine.source import Document


@dataclass(frozen=True)
class LibraryTimeout:
    """A client library the code calls with, leaving its documented default timeout in force."""

    at: Location
    library: str
    protocol: str
    timeout_ms: int
    set_in_code: str = ""
    """How the code sets it (empty: the library's default applies)."""
    engine: str | None = None
    """The datastore engine whose calls it bounds, whatever their protocol (None: the calls over ``protocol``)."""
    services: bool = False
    """It bounds the calls to services over HTTP, gRPC or an unstated protocol (``infra.ClientTimeout.services``)."""


def library_timeouts(codes: Sequence[tuple[str, str]]) -> tuple[LibraryTimeout, ...]:
    """The catalogue's client libraries the code (comments blanked) builds a client of and sets no timeout on."""
    found: dict[str, LibraryTimeout] = {}
    overridden: set[str] = set()
    libs = infra.catalog().client_timeouts
    for path, text in codes:
        for k, m, overrides in _built(text):
            lib = libs[k]
            if overrides:
                overridden.add(lib.name)
            line = text.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)
            found.setdefault(lib.name, LibraryTimeout(at, lib.name, lib.protocol, lib.timeout_ms, engine=lib.engine,
                                                         services=lib.services))
    return tuple(v for k, v in sorted(found.items()) if k not in overridden) + _reqwest_set(codes)


@code_trees.kept()
def _built(text: str) -> tuple[tuple[int, re.Match[str], bool], ...]:
    """(its place in the catalogue, the first match of its code, whether the text overrides its timeout) of each
    catalogue client library one file's text builds a client of, in catalogue order: looked for once an import,
    whatever the services that read the file."""
    out: list[tuple[int, re.Match[str], bool]] = []
    for k, lib in enumerate(infra.catalog().client_timeouts):
        m = lib.code.search(text)
        if m is not None:
            out.append((k, m, lib.overrides is not None and lib.overrides.search(text) is not None))
    return tuple(out)


_REQWEST_BUILDER = re.compile(r"\b(?:reqwest::)?Client::builder\s*\(\s*\)")
_SET_TIMEOUT = re.compile(r"\.timeout\s*\(")
_DURATION = re.compile(r"Duration::from_(secs|millis)\s*\(\s*(\d+)\s*\)")


def _reqwest_set(codes: Sequence[tuple[str, str]]) -> tuple[LibraryTimeout, ...]:
    """The timeout the Rust code sets on the async ``reqwest`` client it builds, when it can be told."""
    rust = [(p, t) for p, t in codes if p.endswith(".rs")]
    if not any("reqwest" in t for _p, t in rust):
        return ()
    for path, text in rust:
        for m in _REQWEST_BUILDER.finditer(text):
            end = text.find(";", m.end())
            chain = text[m.end():end if end >= 0 else len(text)]
            if "blocking" in text[max(0, m.start() - 20):m.start()]:
                continue  # the blocking client's default is read from the catalogue
            t = _SET_TIMEOUT.search(chain)
            if t is None:
                continue
            close = chain.find(")", t.end())
            arg = chain[t.end():close if close >= 0 else len(chain)]
            ms = _duration_ms(arg, rust)
            if ms is None:
                return ()
            start = m.end() + t.start()
            line = text.count("\n", 0, start) + 1
            at = Location(path, line, start - (text.rfind("\n", 0, start) + 1) + 1)
            return (LibraryTimeout(at, "reqwest", "http", ms, f".timeout({arg.strip()})"),)
    return ()


def _duration_ms(arg: str, rust: Sequence[tuple[str, str]]) -> int | None:
    """Milliseconds of a duration literal, or of the last literal a name's assignment ends with."""
    d = _DURATION.search(arg)
    if d is None:
        names = re.findall(r"[A-Za-z_]\w*", arg)
        if not names:
            return None
        assign = re.compile(rf"\b{re.escape(names[-1])}\s*(?::\s*[\w:<>]+\s*)?=(?!=)")
        for _p, text in rust:
            for a in assign.finditer(text):
                end = text.find(";", a.end())
                found = _DURATION.findall(text[a.end():end if end >= 0 else len(text)])
                if found:
                    unit, n = found[-1]
                    return int(n) * (1000 if unit == "secs" else 1)
        return None
    return int(d.group(2)) * (1000 if d.group(1) == "secs" else 1)


def links(docs: Sequence[Document], libraries: Mapping[str, Sequence[LibraryTimeout]],
          named: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
          ) -> dict[str, list[tuple[str, LibraryTimeout, str]]]:
    """Per service, the drawn calls with no stated timeout that its one library for their protocol bounds (for a
    call to a datastore, its one library for the datastore's engine first), with the section of the target
    (``datastores`` when the deployment runs it as one, else ``services``). ``named``: the calls its code names
    the target of (``code_clients``), by service, joined as the drawn ones are."""
    drawn: dict[str, list[Mapping[str, Any]]] = {s: list(calls) for s, calls in (named or {}).items()}
    stores: dict[str, str] = {}
    for d in docs:
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        stores.update((str(s.get("name")), str(s.get("engine") or "")) for s in d.data.get("datastores") or []
                      if isinstance(s, dict))
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                drawn.setdefault(str(i.get("from")), []).append(i)
    out: dict[str, list[tuple[str, LibraryTimeout, str]]] = {}
    for service, libs in sorted(libraries.items()):
        per_protocol: dict[str, list[LibraryTimeout]] = {}
        per_engine: dict[str, list[LibraryTimeout]] = {}
        handlers = [lib for lib in libs if lib.services]
        for lib in libs:
            if lib.services:
                continue
            if lib.engine is None:
                per_protocol.setdefault(lib.protocol, []).append(lib)
            else:
                per_engine.setdefault(lib.engine, []).append(lib)
        for i in drawn.get(service, []):
            one = per_engine.get(stores.get(str(i.get("to")), ""), []) or per_protocol.get(str(i.get("protocol")), [])
            if str(i.get("to")) not in stores and i.get("protocol") in (None, "http", "grpc") and handlers:
                one = handlers  # the factory's handler bounds each of its clients' calls, whichever client it is
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
        if lib.set_in_code:
            body.note("interactions", ident, f"timeout_ms: {service} calls with a {lib.library} client its code gives "
                                             f"{lib.set_in_code} ({lib.timeout_ms / 1000:g} s)")
        else:
            body.note("interactions", ident, f"timeout_ms: {service} calls with {lib.library}, whose default timeout "
                                             f"({lib.timeout_ms / 1000:g} s) its code does not change")
        if lib.services:  # the standard resilience handler: a circuit breaker around each attempt too
            body.set("interactions", ident, "circuit_breaker", True, lib.at)
            body.note("interactions", ident, f"circuit_breaker: the handler {service}'s code gives every client of its "
                                             "HTTP client factory breaks the circuit after repeated failures")


__all__ = ["LibraryTimeout", "library_timeouts", "links", "record"]
