"""Services whose calls go only to the servers a registry last listed (``archplan import source``).

The deployment draws a service's call to a service registry (``REGISTRY_HOST=registry``, a workload named as one):
a call made from a task of the caller's own, registering and refreshing addresses, on which no request waits
(``during: background``). Some clients do more than cache what the registry says: the service's code (or a library
its build is given with) puts the servers a lookup returned into the client-side load balancer its calls go
through, replacing the ones it had, or asks the registry for each call. Its requests then fail as soon as a lookup
fails or comes back empty, so they depend on the registry as on any callee: the call to it states
``dependency: hard``, and the registry is on the caller's request path (``enrich``).

Read, in Java, Go and C# code (comments blanked):

- a Netflix Ribbon load balancer built over, or reset to, a list of servers the code holds
  (``LoadBalancerBuilder...buildFixedServerListLoadBalancer(servers)``, ``balancer.setServersList(servers)``);
- the Consul API asked for a service's instances (``client.Health().Service("search", ...)``,
  ``client.Catalog().Service(...)``, ``.Health().ServiceMultipleTags``): one HTTP query to the agent per lookup.

Left out on purpose: discovery clients that keep the last list they fetched when the registry does not answer
(Spring Cloud's ``DiscoveryClient`` over Eureka, Steeltoe's, gRPC's ``consul://`` resolver); their callers go on
with stale addresses, so the registry is not on their requests' path. A config server (``during: startup``) is not a
registry's lookup either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import Location
from engine.importers.base import Body
from engine.source import Document

_FED = re.compile(r"\.\s*(?:buildFixedServerListLoadBalancer|setServersList)\s*\(\s*[A-Za-z_]\w*\s*\)|"
                  r"\.\s*(?:Health|Catalog)\s*\(\s*\)\s*\.\s*(?:Service|ServiceMultipleTags)\s*\(")
"""A load balancer handed a list the code holds, or a direct query of Consul for a service's instances."""

_SUFFIXES = (".java", ".go", ".cs", ".kt")


def lookup(codes: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """Where the service's code (comments blanked) first feeds a registry's answer into its calls: (what, where)."""
    for path, code in codes:
        if not path.endswith(_SUFFIXES):
            continue
        m = _FED.search(code)
        if m is not None:
            line = code.count("\n", 0, m.start()) + 1
            column = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
            return " ".join(m.group(0).split()).lstrip(". "), Location(path, line, column)
    return None


def links(docs: Sequence[Document], found: Mapping[str, tuple[str, Location]]
          ) -> dict[str, list[tuple[str, tuple[str, Location]]]]:
    """Per service whose code feeds a lookup into its calls (``found``), the registries the deployment has it call
    in the background, with what its code does: the services of kind ``registry`` a drawn call reaches, neither at
    start-up (a config server) nor with a dependency already stated."""
    registries: set[str] = set()
    drawn: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        if not isinstance(d.data, dict):
            continue
        registries.update(str(s.get("name")) for s in d.data.get("services") or []
                          if isinstance(s, dict) and s.get("kind") == "registry")
        if getattr(d, "format", "") == "source":
            continue
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                drawn.setdefault(str(i.get("from")), []).append(i)
    out: dict[str, list[tuple[str, tuple[str, Location]]]] = {}
    for service, how in sorted(found.items()):
        for i in drawn.get(service, []):
            target = str(i.get("to"))
            if target in registries and target != service and i.get("during") != "startup" \
                    and i.get("dependency") is None and all(t != target for t, _h in out.get(service, [])):
                out.setdefault(service, []).append((target, how))
    return out


def record(body: Body, service: str, fed: Sequence[tuple[str, tuple[str, Location]]]) -> None:
    """State on each such call that the service's requests need it (``dependency: hard``)."""
    for target, (what, at) in fed:
        body.fact("services", {"name": target}, at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": target}, at)
        body.set("interactions", ident, "dependency", "hard", at)
        body.note("interactions", ident, f"dependency hard: {service}'s calls go only to the servers {target} last "
                                         f"listed ({what}, {os.path.basename(at.file)}:{at.line}): once a lookup "
                                         "fails they have none, so its requests need the registry")


__all__ = ["links", "lookup", "record"]
