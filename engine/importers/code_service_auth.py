"""Services that call one another with no authentication, over the whole import -> ``security.service_to_service_auth``.

A call from one service to another is said unauthenticated (``auth: none``, by ``code_routes``) when the code of the
service it calls reads no credential, session, cookie or token and configures no security framework: the callee
accepts whatever reaches it on the network. When the import read the code of the services that call one another
and *every* such call is one of those, no service of the system proves who it is to another: the system has no
service-to-service authentication (``security.service_to_service_auth: none``), the decision the rule
``no-service-to-service-authentication`` is about, which is the system's and not one call's.

Said only when every artifact was given (``whole``: a call the import did not see may carry a credential), when no
document states the field already (a mesh, a Dapr configuration, an address book), and when no call between two
services whose code was read states any other authentication, or none at all (a callee that checks a token, a call
whose credential the import could not tell): one authenticated call is enough to say nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from engine.errors import Location
from engine.importers.base import ArtifactDocument
from engine.model.document import Document


def unauthenticated_system(docs: Sequence[Document], read: Sequence[str]) -> list[Document]:
    """``docs`` with ``security.service_to_service_auth: none`` when every call between two of the services whose
    code was read (``read``) is stated unauthenticated, and at least one such call exists (see the module); said on
    the first infrastructure or security document (else that of the first such call, by caller, then callee), at that
    call's ``auth``, in a note on the security fact."""
    services = set(read)
    stated: dict[tuple[str, str], set[str]] = {}
    first: dict[tuple[str, str], tuple[ArtifactDocument, Location]] = {}
    for d in docs:
        data: Any = d.data
        if not isinstance(data, dict):
            continue
        security = data.get("security")
        if isinstance(security, dict) and "service_to_service_auth" in security:
            return list(docs)
        for i, c in enumerate(data.get("interactions") or []):
            if not isinstance(c, dict) or c.get("from") not in services or c.get("to") not in services or \
                    c["from"] == c["to"]:
                continue
            pair = (str(c["from"]), str(c["to"]))
            auth = c.get("auth")
            stated.setdefault(pair, set()).add(str(auth) if auth is not None else "")
            at = d.where.get(("interactions", i, "auth")) if isinstance(d, ArtifactDocument) else None
            if auth == "none" and at is not None and isinstance(d, ArtifactDocument) and pair not in first:
                first[pair] = (d, at)
    calls = sorted(stated)
    if not calls or any(stated[p] - {""} != {"none"} for p in calls) or any(p not in first for p in calls):
        return list(docs)
    caller, at = first[calls[0]]
    # the security section belongs to the infrastructure's document (a service's code states no system-wide control)
    target = next((d for d in docs if isinstance(d, ArtifactDocument) and isinstance(d.data, dict)
                   and d.data.get("source") in ("infrastructure", "security")), caller)
    callees = sorted({to for _f, to in calls})
    note = (f"service_to_service_auth none: none of the {len(callees)} services called by another reads a credential "
            f"in its code, so all {len(calls)} calls between services whose code was read are unauthenticated "
            f"({', '.join(f'{f} -> {t}' for f, t in calls[:2])}{', ...' if len(calls) > 2 else ''})")
    current = target.data.get("security") if isinstance(target.data, dict) else None
    section = {**(current if isinstance(current, dict) else {}), "service_to_service_auth": "none"}
    where = dict(target.where)
    where.setdefault(("security",), at)
    where[("security", "service_to_service_auth")] = at
    key = "security:security"
    edited = replace(target, data={**target.data, "security": section}, where=where,
                     notes={**target.notes, key: [*target.notes.get(key, []), note]})
    return [edited if d is target else d for d in docs]
