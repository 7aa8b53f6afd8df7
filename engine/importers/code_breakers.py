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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import Location
from engine.importers.base import Body, environments
from engine.importers.code_text import blank_comments, close_bracket
from engine.source import Document

_BREAKER = re.compile(r"@(?:CircuitBreaker|HystrixCommand)\b")
_RETRY = re.compile(r"@Retry\s*\(\s*name\s*=\s*\"([^\"\n]+)\"")
"""Resilience4j's ``@Retry(name = "restApi")``: the method's calls are sent again on failure, as often as the retry
instance of that name allows."""
_WRITE_CALL = re.compile(r"\.\s*(?:put|post|patch|delete)\s*\(\s*\)|"
                         r"\b\w*[Rr]est[Tt]emplate\s*\.\s*(?:post|put|patch|delete)\w*\s*\(|"
                         r"\bHttpMethod\s*\.\s*(?:POST|PUT|PATCH|DELETE)\b")
"""A request that changes something: ``RestClient``/``WebClient``'s ``.put()``, ``.post()``, ``.patch()``,
``.delete()``, a ``RestTemplate`` ``postForObject``/``put``/``delete``, an ``exchange`` with ``HttpMethod.POST``..."""
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
    retry: str | None = None
    """The name of the Resilience4j retry instance that sends its calls again (``@Retry(name = ...)``), if any."""
    writes: str | None = None
    """The request it sends that changes something (``.put()``), as written, if any."""
    attempts: int | None = None
    """How many times its retry sends a request, the first included, where its code states it (Polly)."""


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
        class_retry = _RETRY.search(code, 0, klass.start()) if klass else None
        methods = [(m, code[m.end() - 1:close_bracket(code, m.end() - 1)]) for m in _METHOD.finditer(code)
                   if m.group(1) not in _NOT_METHODS]
        own = {m.group(1): addressed(body) for m, body in methods}
        for m, body in methods:
            if not _HTTP_CALL.search(body):
                continue
            head_from = max(code.rfind(";", 0, m.start()), code.rfind("}", 0, m.start()),
                            code.rfind("{", 0, m.start()))
            guarded = class_guarded or bool(_BREAKER.search(code, head_from + 1, m.start()))
            retry = _RETRY.search(code, head_from + 1, m.start()) or class_retry
            line = code.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
            helpers = {c.group(1) for c in re.finditer(r"(?<![.\w])(\w+)\s*\(", body)} - {m.group(1)}
            names = addressed(body).union(*(own[h] for h in helpers if h in own))
            write = _WRITE_CALL.search(body)
            out.append(Caller(at, guarded, names, retry.group(1) if retry else None,
                              re.sub(r"\s+", "", write.group(0)) if write else None))
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


def _drawn(docs: Sequence[Document]) -> dict[str, list[tuple[dict[str, Any], frozenset[str]]]]:
    """Per service, the calls the deployment and configuration draw, each with the last words of the properties it is
    drawn from that the deployment does not set again."""
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
    return drawn


def _calls(docs: Sequence[Document], found: Mapping[str, Sequence[Caller]], unless: str,
           named: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> Iterator[tuple[str, str, list[Caller]]]:
    """(service, target, the methods of its code that send it) for each synchronous HTTP call drawn once per target
    that states no ``unless`` and that some method names; ``named``: calls the services' code draws itself."""
    drawn = _drawn(docs)
    for service, calls in (named or {}).items():
        drawn.setdefault(service, []).extend((c, frozenset()) for c in calls)
    for service, methods in sorted(found.items()):
        reads: dict[str, frozenset[str]] = {}  # per target called over HTTP, the properties its calls are drawn from
        for i, read in drawn.get(service, []):
            if i.get("protocol") == "http" and i.get("style") != "async":
                target = str(i.get("to"))
                reads[target] = reads.get(target, frozenset()) | read
        stated = {str(i.get("to")) for i, _read in drawn.get(service, []) if i.get(unless) is not None}
        for target, read in reads.items():
            naming = [c for c in methods if _names(target, c.names) or read & c.names]
            if naming and target not in stated:
                yield service, target, naming


def links(docs: Sequence[Document], found: Mapping[str, Sequence[Caller]]
          ) -> dict[str, list[tuple[str, Caller]]]:
    """Per service, the HTTP calls the deployment draws with no breaker stated whose target the service's calling
    methods name, every one of them under a breaker: (target, the first such method)."""
    out: dict[str, list[tuple[str, Caller]]] = {}
    for service, target, naming in _calls(docs, found, "circuit_breaker"):
        if all(c.guarded for c in naming):
            out.setdefault(service, []).append((target, naming[0]))
    return out


@dataclass(frozen=True)
class Retried:
    """A drawn call every method sending it retries (Resilience4j ``@Retry``)."""

    target: str
    attempts: int
    why: str
    caller: Caller
    writer: Caller | None
    """A method sending it a request that changes something, if any."""
    keyed: bool
    """Whether any code of the calling service names an idempotency key."""


RETRY_DEFAULT_ATTEMPTS = 3
"""Resilience4j's ``maxAttempts`` when neither the instance nor the default configuration sets it (the first call
included)."""


def retried(docs: Sequence[Document], found: Mapping[str, Sequence[Caller]],
            settings: Mapping[str, Mapping[str, tuple[int, Location, str]]], keyed: Mapping[str, bool],
            named: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> dict[str, list[Retried]]:
    """Per service, the HTTP calls the deployment draws with no retry stated whose calling methods that send a
    changing request (or, when none does, all of them) retry (a Resilience4j ``@Retry``, a Polly policy): how many
    attempts (the fewest of their instances': ``settings``, the service's
    ``resilience4j.retry.instances.<name>.max-attempts`` by relaxed name, ``""`` for ``configs.default``; else
    Resilience4j's default of 3)."""
    out: dict[str, list[Retried]] = {}
    for service, target, senders in _calls(docs, found, "retry", named):
        writers = [c for c in senders if c.writes]
        if not all(c.retry for c in writers or senders):
            continue  # a change sent once at least (or, when none changes anything, a read)
        naming = [c for c in senders if c.retry]
        own = settings.get(service, {})
        counts: list[tuple[int, str]] = []
        for c in naming:
            set_at = own.get(_flat(str(c.retry))) or own.get("")
            counts.append((c.attempts, f"{c.retry} ({c.at})") if c.attempts else
                          (set_at[0], f"{set_at[2]} ({set_at[1]})") if set_at else
                          (RETRY_DEFAULT_ATTEMPTS, f"no max-attempts set for the instance {c.retry}: Resilience4j's "
                                                   f"default, {RETRY_DEFAULT_ATTEMPTS}"))
        attempts, why = min(counts)
        writer = next((c for c in naming if c.writes), None)
        out.setdefault(service, []).append(Retried(target, attempts, why, naming[0], writer, keyed.get(service, False)))
    return out


def record_retries(body: Body, service: str, found: Sequence[Retried]) -> None:
    """State the retries (and what the retried requests change) on each retried call in the service's document."""
    for r in found:
        body.fact("services", {"name": r.target}, r.caller.at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": r.target}, r.caller.at)
        body.set("interactions", ident, "retry", {"attempts": r.attempts}, r.caller.at)
        body.note("interactions", ident, f"retry {r.attempts} attempts: every place of {service}'s code that sends "
                                         f"{r.target} a changing request (or, when none does, any) retries it (a "
                                         f"Resilience4j @Retry, a Polly retry policy): {r.why}")
        if r.writer is None:
            continue
        body.set("interactions", ident, "mutating", True, r.writer.at)
        body.note("interactions", ident, f"mutating: a retried method sends {r.target} a request that changes "
                                         f"something ({r.writer.writes}, sent by the code at {r.writer.at})")
        if not r.keyed:
            body.set("interactions", ident, "idempotency_key", False, r.writer.at)
            body.note("interactions", ident, f"idempotency_key false: no code of {service} names an idempotency key")


def record(body: Body, service: str, guarded: Sequence[tuple[str, Caller]]) -> None:
    """State the breaker on each guarded call in the service's routes' document."""
    for target, caller in guarded:
        body.fact("services", {"name": target}, caller.at)  # stated here too: this agent file loads alone
        ident = body.fact("interactions", {"from": service, "to": target}, caller.at)
        body.set("interactions", ident, "circuit_breaker", True, caller.at)
        body.note("interactions", ident, f"circuit_breaker: every method of {service}'s code that calls {target} "
                                         "over HTTP carries a circuit breaker annotation")


__all__ = ["RETRY_DEFAULT_ATTEMPTS", "Caller", "Retried", "callers", "links", "record", "record_retries", "retried"]
