"""Feature-flag evaluations that call a flag daemon, read from a service's code (``archplan import source``).

A service whose code builds a flag provider the catalogue knows (``flag_clients``: the OpenFeature flagd
providers) calls the flag daemon each time it evaluates a flag; the deployment draws that call from the variable
that names the daemon's host (``FLAGD_HOST``). What the call does when the daemon fails, the service's code does
not say, its library does: an OpenFeature evaluation never fails its caller, it returns the default value the code
passes (OpenFeature specification, Requirement 1.4.10), and some providers put a deadline on each evaluation by
default (the catalogue names which, with its source). ``compose`` joins the two: the call the deployment draws from
the service to the workload that runs the daemon's image gets ``dependency: soft`` and ``fallback: static``, and
the provider's default deadline as ``timeout_ms`` when the code sets no other deadline or resolver (the
deployment's ``FLAGD_DEADLINE_MS`` wins). A provider whose default the catalogue does not give leaves the timeout
unknown; a call the deployment does not draw is not added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers import infra
from engine.importers.base import ArtifactDocument, Body, without_facts
from engine.source import Document

SUFFIXES = (".kt", ".cs", ".rb", ".rs", ".tsx", ".jsx")
"""Files read for flag providers only, beside the code the routes are read from (Kotlin, C#, Ruby, Rust, TSX, JSX)."""


@dataclass(frozen=True)
class FlagClient:
    """The flag provider a service's code builds: which, where, and the deadline it puts on each evaluation."""

    at: Location
    provider: str
    timeout_ms: int | None
    """Its documented default deadline, unless the code sets another deadline or resolver; None: unknown."""
    overridden: bool = False


@dataclass(frozen=True)
class FlagCall:
    """A drawn call of a service to the flag daemon, with what its flag provider makes of it."""

    target: str
    client: FlagClient
    timeout_ms: int | None
    why: str


def flag_client(codes: Sequence[tuple[str, str]]) -> FlagClient | None:
    """The first flag provider of the catalogue that the code (comments blanked) builds."""
    providers = infra.catalog().flag_clients.providers
    for path, text in codes:
        for p in providers:
            m = p.code.search(text)
            if m is None:
                continue
            line = text.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)
            overridden = p.overrides is not None and p.overrides.search(text) is not None
            return FlagClient(at, p.name, None if overridden else p.timeout_ms, overridden)
    return None


def _number(value: str) -> int | None:
    v = value.strip().strip("'\"")
    return int(v) if re.fullmatch(r"\d{1,9}", v) else None


def _daemons(data: Mapping[str, Any]) -> set[str]:
    """The workloads of a deployment document that run the flag daemon's image."""
    daemon = infra.catalog().flag_clients.daemon
    return {str(s.get("name")) for s in data.get("services") or [] if isinstance(s, dict)
            and isinstance(s.get("image"), str) and daemon.fullmatch(infra.image_path(s["image"]))}


def links(docs: Sequence[Document], clients: Mapping[str, FlagClient],
          env: Mapping[str, Mapping[str, tuple[str, Location]]]) -> dict[str, list[FlagCall]]:
    """Per service with a flag client, its calls to the flag daemon that the deployment's documents draw."""
    cat = infra.catalog().flag_clients
    daemons: set[str] = set()
    drawn: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        daemons |= _daemons(d.data)
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                drawn.setdefault(str(i.get("from")), []).append(i)
    out: dict[str, list[FlagCall]] = {}
    for service, client in sorted(clients.items()):
        for i in drawn.get(service, []):
            target = str(i.get("to"))
            if target not in daemons or target == service:
                continue
            set_to = env.get(service, {}).get(cat.deadline_variable) if cat.deadline_variable else None
            ms = _number(set_to[0]) if set_to is not None else None
            if i.get("timeout_ms") is not None or client.timeout_ms is None:
                timeout, why = None, ""  # stated by the deployment, or no documented deadline that holds
            elif set_to is not None:  # the variable replaces the default; a value not in milliseconds: unknown
                timeout, why = ms, f"{cat.deadline_variable}={set_to[0]} set in the deployment ({set_to[1]})"
            else:
                timeout, why = client.timeout_ms, f"the default deadline of {client.provider} on each evaluation"
            out.setdefault(service, []).append(FlagCall(target, client, timeout, why))
    return out


def _name(token: str) -> str:
    return re.sub(r"[^a-z0-9]", "", token.lower())


def unread(docs: Sequence[Document], coded: Mapping[str, frozenset[str]],
           clients: Mapping[str, FlagClient]) -> list[Document]:
    """``docs`` without the calls to the flag daemon drawn only from ``depends_on`` and the variable its providers
    read themselves (``FLAGD_HOST``), from a service whose code is given (``coded``: service -> the names its code
    and configuration use), builds no flag provider and never names the variable: nothing of it reads the
    variable, so it calls no daemon."""
    cat = infra.catalog().flag_clients
    if not cat.host_variable:
        return list(docs)
    part = re.compile(rf"depends_on \([^;()]*\)|{re.escape(cat.host_variable)} \(environment of [^;()]*\) names "
                      r"host [\w.-]+")
    stated: dict[tuple[str, str], set[int]] = {}  # a call other artifacts state too (a gateway's route) stays
    for n, d in enumerate(docs):
        for i in (d.data.get("interactions") or []) if isinstance(d.data, dict) else []:
            if isinstance(i, dict):
                stated.setdefault((str(i.get("from")), str(i.get("to"))), set()).add(n)
    out: list[Document] = []
    for n, d in enumerate(docs):
        if getattr(d, "format", "") == "source" or not isinstance(d, ArtifactDocument) or not isinstance(d.data, dict):
            out.append(d)
            continue
        daemons = _daemons(d.data)
        drop: dict[str, str] = {}
        for i in d.data.get("interactions") or []:
            if not isinstance(i, dict) or str(i.get("to")) not in daemons:
                continue
            source, evidence = str(i.get("from")), str(i.get("inferred_from") or "")
            names = coded.get(source)
            parts = evidence.split("; ")
            if names is None or source in clients or _name(cat.host_variable) in names or \
                    stated.get((source, str(i.get("to"))), set()) - {n} or \
                    not all(part.fullmatch(p) for p in parts) or not any(cat.host_variable in p for p in parts):
                continue
            drop[f"{source}->{i.get('to')}"] = (
                f"{source}->{i.get('to')} not drawn: {cat.host_variable} is read by the flag providers, and the code "
                f"of {source} builds none and never reads {cat.host_variable}")
        out.append(without_facts(d, "interactions", drop))
    return out


def record(body: Body, service: str, calls: Sequence[FlagCall]) -> None:
    """State what the flag provider makes of each call in the service's routes' document."""
    for c in calls:
        body.fact("services", {"name": c.target}, c.client.at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": c.target}, c.client.at)
        body.set("interactions", ident, "dependency", "soft", c.client.at)
        body.set("interactions", ident, "fallback", "static", c.client.at)
        body.note("interactions", ident, f"dependency soft, fallback static: {service} evaluates its feature flags "
                                         f"through {c.client.provider}; an OpenFeature evaluation returns the code's "
                                         "default value on any error (OpenFeature specification, Requirement 1.4.10)")
        if c.timeout_ms is not None:
            body.set("interactions", ident, "timeout_ms", c.timeout_ms, c.client.at)
            body.note("interactions", ident, f"timeout_ms from {c.why}")


__all__ = ["SUFFIXES", "FlagCall", "FlagClient", "flag_client", "links", "record", "unread"]
