"""The circuit breakers a Java service's code puts around its HTTP calls (``archplan import source``).

Resilience4j's ``@CircuitBreaker`` (and Hystrix's ``@HystrixCommand``) on a method wraps every call that method makes
in a breaker; on a class, every method of it. The deployment draws a service's calls from its configuration (an
address in its environment or its ``application.properties``), where no breaker shows. A drawn HTTP call is guarded
when the methods of the service's code that make HTTP calls and name its target (``serviceUrlConfig.product()``, a
``"http://product/..."`` literal) all carry a breaker: the call then states ``circuit_breaker: true``. A method also
names the target of a call drawn from a Spring property it reads (``serviceUrlConfig.promotion()`` for
``yas.services.promotion``, whose default URL names another host), unless the deployment sets that property again. A
target that no calling method names (a call the framework makes itself, such as Spring Security's fetch of an issuer's
keys) is left as it was, and so is one that an unannotated method names too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers.base import Body, environments
from engine.importers.code_text import blank_comments, close_bracket
from engine.source import Document

_BREAKER = re.compile(r"@(?:CircuitBreaker|HystrixCommand)\b")
_HTTP_CALL = re.compile(r"\.\s*(?:retrieve|exchange|exchangeToMono|exchangeToFlux)\s*\(|"
                        r"\b\w*[Rr]est[Tt]emplate\s*\.\s*(?:get|post|put|patch|delete|exchange|execute)\w*\s*\(")
"""An outbound HTTP request in Java: Spring's ``RestClient``/``WebClient`` (``.retrieve()``, ``.exchange()``) or a
``RestTemplate`` call."""
_METHOD = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^;{}()]*(?:\([^()]*\)[^;{}()]*)*)\)\s*(?:throws\s+[\w.,\s]+)?\{")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "return", "new", "try", "else",
                          "do", "super", "this"})
_CLASS = re.compile(r"\b(?:class|record|interface|enum)\s+\w+")
_FROM_CONFIG = re.compile(r"\b\w*(?:[Cc]onfig|[Pp]roperties|[Pp]rops|[Uu]rls?)\s*\.\s*(?:get)?([A-Za-z]\w*)\s*\(\s*\)")
"""An address read from a configuration object: ``serviceUrlConfig.product()``, ``properties.getOrderUrl()``."""
_ADDRESS_NAME = re.compile(r"\b([A-Za-z]\w*?)(?:Service)?(?:Base)?(?:Url|Uri|Host|Address|Endpoint)\b(?!\s*\()")
"""A field or variable holding an address: ``productUrl``, ``orderServiceBaseUri``, ``inventoryHost`` (not a method such
as ``toUri()``)."""
_URL_HOST = re.compile(r"\"https?://([A-Za-z][\w.-]*)")


@dataclass(frozen=True)
class Caller:
    """A method of the service's code that makes HTTP calls."""

    at: Location
    guarded: bool
    names: frozenset[str]
    """The services it names as where it sends requests, flattened (lower case, no ``-`` or ``_``): the address it
    reads from a configuration object, a variable that holds an address, the host of a URL literal."""


def callers(codes: Sequence[tuple[str, str]]) -> tuple[Caller, ...]:
    """The methods of the Java files among ``codes`` that make an HTTP call, with whether a breaker wraps them; the
    places a method names include those named by the methods of its class it calls (``getMediasUrl(ids)``)."""
    out: list[Caller] = []
    for path, text in codes:
        if not path.endswith(".java") or not _HTTP_CALL.search(text):
            continue
        code = blank_comments(text)
        klass = _CLASS.search(code)
        class_guarded = bool(klass and _BREAKER.search(code, 0, klass.start()))
        methods = [(m, code[m.end() - 1:close_bracket(code, m.end() - 1)]) for m in _METHOD.finditer(code)
                   if m.group(1) not in _NOT_METHODS]
        own = {m.group(1): addressed(body) for m, body in methods}
        for m, body in methods:
            if not _HTTP_CALL.search(body):
                continue
            head_from = max(code.rfind(";", 0, m.start()), code.rfind("}", 0, m.start()),
                            code.rfind("{", 0, m.start()))
            guarded = class_guarded or bool(_BREAKER.search(code, head_from + 1, m.start()))
            line = code.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
            helpers = {c.group(1) for c in re.finditer(r"(?<![.\w])(\w+)\s*\(", body)} - {m.group(1)}
            names = addressed(body).union(*(own[h] for h in helpers if h in own))
            out.append(Caller(at, guarded, names))
    return tuple(out)


def _flat(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def addressed(body: str) -> frozenset[str]:
    """The names a method's code gives the places it sends requests to (``Caller.names``)."""
    found = [m.group(1) for m in _FROM_CONFIG.finditer(body)] + [m.group(1) for m in _ADDRESS_NAME.finditer(body)]
    found += [m.group(1).split(".")[0] for m in _URL_HOST.finditer(body)]
    return frozenset(_flat(n) for n in found)


def _names(target: str, names: frozenset[str]) -> bool:
    """Whether a method names the service ``target`` (``order-service`` as ``orderservice`` or ``order``)."""
    flat = _flat(target)
    bare = _flat(re.sub(r"[-_]?(?:service|svc|api)$", "", target.lower()))
    return flat in names or (bool(bare) and bare in names)


def links(docs: Sequence[Document], found: Mapping[str, Sequence[Caller]]
          ) -> dict[str, list[tuple[str, Caller]]]:
    """Per service, the HTTP calls the deployment draws with no breaker stated whose target the service's calling
    methods name, every one of them under a breaker: (target, the first such method)."""
    env = environments(docs)
    drawn: dict[str, list[tuple[dict[str, Any], frozenset[str]]]] = {}
    for d in docs:
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                source = str(i.get("from"))
                given = {_flat(v) for v in env.get(source, {})}
                # the properties the call is drawn from that the deployment does not set again: a method reading one
                # of them (``serviceUrlConfig.promotion()`` for ``yas.services.promotion``) sends its requests there
                keys = getattr(d, "drawn_from", {}).get(f"{source}->{i.get('to')}", ())
                read = frozenset(_flat(k.rsplit(".", 1)[-1]) for k in keys if _flat(k) not in given)
                drawn.setdefault(source, []).append((i, read))
    out: dict[str, list[tuple[str, Caller]]] = {}
    for service, methods in sorted(found.items()):
        done: set[str] = set()
        for i, read in drawn.get(service, []):
            target = str(i.get("to"))
            if target in done or i.get("protocol") != "http" or i.get("style") == "async" \
                    or i.get("circuit_breaker") is not None:
                continue
            naming = [c for c in methods if _names(target, c.names) or read & c.names]
            if naming and all(c.guarded for c in naming):
                done.add(target)
                out.setdefault(service, []).append((target, naming[0]))
    return out


def record(body: Body, service: str, guarded: Sequence[tuple[str, Caller]]) -> None:
    """State the breaker on each guarded call in the service's routes' document."""
    for target, caller in guarded:
        body.fact("services", {"name": target}, caller.at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": target}, caller.at)
        body.set("interactions", ident, "circuit_breaker", True, caller.at)
        body.note("interactions", ident, f"circuit_breaker: every method of {service}'s code that calls {target} "
                                         "over HTTP carries a circuit breaker annotation")


__all__ = ["Caller", "callers", "links", "record"]
