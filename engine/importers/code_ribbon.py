"""Calls a Java service makes through a Netflix Ribbon load balancer of its own code (``archplan import source``).

Some services wrap Ribbon themselves instead of using Feign or Spring's ``@LoadBalanced``: a class of theirs builds a
``LoadBalancerCommand`` over the servers a registry lists, keyed by an enum of the services it knows
(``enum Service { AUTH("tools.descartes.teastore.auth"), ... }``), and every call names its target by one of its
constants: ``ServiceLoadBalancer.loadBalanceRESTOperation(Service.AUTH, "useractions", ...)``. Read, by the text of
the code (comments blanked by the caller):

- the **entry methods**: a method of the class that builds the ``LoadBalancerCommand`` taking a parameter of an enum
  the code declares, and any method, anywhere in the code, that passes a parameter of that enum on to an entry method
  at its place (``LoadBalancedCRUDOperations.getEntities(Service service, ...)``);
- each **call** of an entry method, ``Class.method(...)``, given a constant of the enum at that place: a synchronous
  HTTP call, resolved through the registry, to the workload the constant names (the last word of its string value,
  ``tools.descartes.teastore.auth`` -> ``auth``, else the constant in lower case). A call in the service's own code
  (its first path) counts; one in a library it is built with counts when the method around it is one the service's
  code calls (``LoadBalancedStoreOperations.placeOrder(...)``), directly or through other such methods;
- its **retries**: an entry method that reaches, in its class, a ``LoadBalancerCommand`` given
  ``.withRetryHandler(...)`` of a ``new DefaultLoadBalancerRetryHandler(same, next, true)`` sends a failed request
  again on the same server ``same`` times and on ``next`` other servers, whatever the error (``true``: a read timeout
  too, when the first attempt may have been applied), so ``(1 + same) * (1 + next)`` attempts in all. With ``false``
  Ribbon retries only a connection that failed, which never reached the server: no retry is said. A method that
  sends to each server once (a multicast) retries nothing;
- what the call **changes**: the request the code passes to the entry method (its lambda) is a ``.post(``, ``.put(``
  or ``.delete(``;
- its **timeout**: a Jersey client that the balancing class uses, configured with
  ``config.property(ClientProperties.READ_TIMEOUT, readTimeout)``, the value a literal or a constant of its file
  (``DEFAULT_READ_TIMEOUT = 6000``), bounds each attempt in milliseconds.

What the calls of one target share is stated on the interaction (``code_clients``): the retries when every call is
retried, the timeout when every call is bounded, ``mutating`` when a retried call changes something, and then
``idempotency_key: false`` when no code of the service names an idempotency key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_clients import Client
from engine.importers.code_text import close_bracket, inside, split_args

_COMMAND = re.compile(r"\bLoadBalancerCommand\b")
_RETRY_HANDLER = re.compile(r"\bnew\s+DefaultLoadBalancerRetryHandler\s*\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(true|false)\s*\)")
_WITH_RETRY = re.compile(r"\.\s*withRetryHandler\s*\(")
_ENUM = re.compile(r"\benum\s+([A-Z]\w*)\s*(?:implements\s+[\w.,\s<>]+)?\{")
_CONSTANT = re.compile(r"(?:^|,)\s*([A-Z][A-Z0-9_]*)\s*(?:\(\s*\"([^\"]*)\"[^)]*\))?\s*(?=,|;|$|\{)")
_CLASS = re.compile(r"\b(?:class|interface|enum)\s+([A-Z]\w*)")
_METHOD = re.compile(r"\b([a-z_]\w*)\s*\(([^;{}()]*(?:\([^()]*\)[^;{}()]*)*)\)\s*(?:throws\s+[\w.,\s]+)?\{")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "return", "new", "try", "else",
                          "do", "super", "this"})
_CHANGE = re.compile(r"\.\s*(post|put|delete)\s*\(")
_READ_TIMEOUT = re.compile(r"\bClientProperties\s*\.\s*READ_TIMEOUT\s*,\s*(\w+)\s*\)")
_KEY_WORDS = re.compile(r"idempoten\w*[\s_-]*key|Idempotency-Key", re.IGNORECASE)


@dataclass(frozen=True)
class RibbonCall:
    """One call through the code's Ribbon load balancer: where, how, to which workload name, and what it shows."""

    at: Location
    how: str
    """``ServiceLoadBalancer.loadBalanceRESTOperation(Service.AUTH, ...)``."""
    target: str
    attempts: int | None = None
    """How many attempts the balancer makes, the first included, when it retries whatever the error."""
    retry_why: str = ""
    changes: str | None = None
    """The changing request the call sends (``post``), if any."""
    timeout: tuple[int, Location, str] | None = None
    """The Jersey read timeout bounding each attempt: (ms, where set, what)."""
    background: str | None = None
    """Why no request waits on the call: the service's code makes it only at start-up or in a thread it starts."""


@dataclass(frozen=True)
class _Method:
    klass: str
    name: str
    params: tuple[tuple[str, str], ...]
    """(type, name) of each parameter."""
    start: int
    body: tuple[int, int]


def _params(text: str) -> tuple[tuple[str, str], ...]:
    """``final Service s, Function<A, B> op`` -> (("Service", "s"), ("Function<A, B>", "op"))."""
    out: list[tuple[str, str]] = []
    depth, start = 0, 0
    for k, c in enumerate(text + ","):
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c == "," and depth <= 0:
            words = re.sub(r"@\w+(?:\([^)]*\))?|\bfinal\b", " ", text[start:k]).split()
            if len(words) >= 2:
                out.append((" ".join(words[:-1]), words[-1]))
            start = k + 1
    return tuple(out)


def _methods(path: str, code: str) -> list[_Method]:
    klass = _CLASS.search(code)
    name = klass.group(1) if klass else os.path.splitext(os.path.basename(path))[0]
    out: list[_Method] = []
    for m in _METHOD.finditer(code):
        if m.group(1) in _NOT_METHODS:
            continue
        brace = m.end() - 1
        out.append(_Method(name, m.group(1), _params(m.group(2)), m.start(), (brace, close_bracket(code, brace))))
    return out


def _enums(codes: Sequence[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The enums the code declares: name -> {constant: the workload name it stands for}."""
    out: dict[str, dict[str, str]] = {}
    for _path, code in codes:
        for m in _ENUM.finditer(code):
            body = inside(code, m.end() - 1)
            head = body.split(";", 1)[0]
            constants: dict[str, str] = {}
            for c in _CONSTANT.finditer(head):
                value = c.group(2)
                word = re.split(r"[./:]", value.strip("/"))[-1] if value else ""
                constants[c.group(1)] = (word or c.group(1)).lower().replace("_", "-")
            if constants:
                out[m.group(1)] = constants
    return out


def _int_value(code: str, name: str) -> tuple[int, int] | None:
    """A whole number ``name`` stands for in ``code``: a literal, or a field set to one, or to such a field."""
    if name.isdigit():
        return int(name), -1
    for _ in range(3):
        m = re.search(rf"\b{re.escape(name)}\s*=\s*(\w+)\s*;", code)
        if m is None:
            return None
        if m.group(1).isdigit():
            return int(m.group(1)), m.start()
        name = m.group(1)
    return None


def _timeout(codes: Sequence[tuple[str, str]], balancer: str) -> tuple[int, Location, str] | None:
    """The Jersey read timeout of a client class the balancing file names (``RESTClient``)."""
    for path, code in codes:
        m = _READ_TIMEOUT.search(code)
        klass = _CLASS.search(code)
        if m is None or klass is None or not re.search(rf"\b{klass.group(1)}\b", balancer):
            continue
        value = _int_value(code, m.group(1))
        if value is None:
            continue
        at = m.start() if value[1] < 0 else value[1]
        line = code.count("\n", 0, at) + 1
        where = Location(path, line, at - (code.rfind("\n", 0, at) + 1) + 1)
        return value[0], where, f"{klass.group(1)} sets Jersey's ClientProperties.READ_TIMEOUT to {m.group(1)}"
    return None


def _calls_to(code: str, klass: str, name: str, own_class: bool) -> Iterator[tuple[int, list[str]]]:
    """Where ``code`` calls ``klass.name(...)`` (or ``name(...)`` in the class's own file), with its arguments."""
    pattern = rf"\b{klass}\s*\.\s*{name}\s*\(" + (rf"|(?<![.\w]){name}\s*\(" if own_class else "")
    for m in re.finditer(pattern, code):
        yield m.start(), split_args(inside(code, m.end() - 1))


def calls(codes: Sequence[tuple[str, str]], own: str) -> list[RibbonCall]:
    """The calls through the code's own Ribbon balancer that the service makes (``own``: its own code's path)."""
    balancers = [(p, c) for p, c in codes if p.endswith(".java") and _COMMAND.search(c) and _WITH_RETRY.search(c)]
    if not balancers:
        return []
    enums = _enums([(p, c) for p, c in codes if p.endswith(".java")])
    java = [(p, c, _methods(p, c)) for p, c in codes if p.endswith(".java")]
    out: list[RibbonCall] = []
    for bpath, bcode in balancers:
        out.extend(_through(bpath, bcode, java, enums, own, codes))
    return sorted(out, key=lambda c: (c.at.file, c.at.line, c.at.column))


def _retried(methods: Sequence[_Method], code: str) -> set[str]:
    """The names of the balancing class's methods that reach, in the class, a command given a retry handler."""
    names = {m.name for m in methods}
    retried = {m.name for m in methods if _WITH_RETRY.search(code, *m.body)}
    grew = True
    while grew:
        grew = False
        for m in methods:
            text = code[m.body[0]:m.body[1]]
            if m.name not in retried and any(re.search(rf"(?<!\w){n}\s*\(", text) for n in retried & names):
                retried.add(m.name)
                grew = True
    return retried


def _through(bpath: str, bcode: str, java: Sequence[tuple[str, str, list[_Method]]], enums: dict[str, dict[str, str]],
             own: str, codes: Sequence[tuple[str, str]]) -> list[RibbonCall]:
    bmethods = next(ms for p, _c, ms in java if p == bpath)
    handler = _RETRY_HANDLER.search(bcode)
    retried = _retried(bmethods, bcode) if handler and handler.group(3) == "true" else set()
    attempts = (1 + int(handler.group(1))) * (1 + int(handler.group(2))) if handler else None
    # entry methods: (class, name) -> (enum, parameter index, retried, the changing request it sends itself)
    entries: dict[tuple[str, str], tuple[str, int, bool, str | None]] = {}
    for m in bmethods:
        for i, (kind, _n) in enumerate(m.params):
            if kind in enums:
                entries[(m.klass, m.name)] = (kind, i, m.name in retried, None)
                break
    bodies = _bodies(java)
    grew = True
    while grew:
        grew = False
        for _path, code, methods in java:
            for m in methods:
                found = None if (m.klass, m.name) in entries else _passing(m, code, entries, enums, bodies)
                if found is not None:
                    entries[(m.klass, m.name)] = found
                    grew = True
    used = _used(java, own, bodies)
    timeout = _timeout(codes, bcode)
    off = _off_request([j for j in java if j[0] == own or j[0].startswith(own.rstrip(os.sep) + os.sep)])
    out: list[RibbonCall] = []
    for path, code, methods in java:
        mine = path == own or path.startswith(own.rstrip(os.sep) + os.sep)
        for (ek, en), (kind, idx, again, sends) in sorted(entries.items()):
            for at, args in _calls_to(code, ek, en, ek == _class_of(methods, path)):
                around = next((m for m in methods if m.body[0] < at < m.body[1]), None)
                if not mine and (around is None or (around.klass, around.name) not in used):
                    continue
                const = re.fullmatch(rf"{kind}\s*\.\s*([A-Z][A-Z0-9_]*)", args[idx]) if len(args) > idx else None
                if const is None or const.group(1) not in enums[kind]:
                    continue
                change = _change(args[idx + 1:], bodies) or sends
                line = code.count("\n", 0, at) + 1
                where = Location(path, line, at - (code.rfind("\n", 0, at) + 1) + 1)
                why = (f"{os.path.basename(bpath)} gives its LoadBalancerCommand {' '.join(handler.group(0).split())}:"
                       f" {handler.group(1)} more tries on the same server and {handler.group(2)} on others, whatever "
                       f"the error" if handler and again else "")
                inner = min((m for m in methods if m.body[0] < at < m.body[1]), key=lambda m: m.body[1] - m.body[0],
                            default=None)
                root = off.get((path, inner.start)) if mine and inner is not None else None
                quiet = (f"{os.path.basename(path)}'s {inner.name}() makes it, which only {root}() reaches (start-up "
                         "or a thread the code starts), no request handler" if root and inner else None)
                out.append(RibbonCall(where, f"{ek}.{en}({kind}.{const.group(1)}, ...) over Ribbon",
                                      enums[kind][const.group(1)], attempts if again else None, why, change, timeout,
                                      quiet))
    return out


_STATIC_CALL = re.compile(r"\b([A-Z]\w*)\s*\.\s*([a-z]\w*)\s*\(")


def _change(args: Sequence[str], bodies: Mapping[tuple[str, str], str]) -> str | None:
    """The changing request (``post``) that the arguments after the target (the request's lambda) send, if any: in
    their text, or in a static method of the code they call (``NonBalancedCRUDOperations.sendEntityForCreation``)."""
    for a in args:
        texts = [a, *(bodies.get((m.group(1), m.group(2)), "") for m in _STATIC_CALL.finditer(a))]
        found = next((c.group(1) for t in texts for c in [_CHANGE.search(t)] if c), None)
        if found:
            return found
    return None


def _bodies(java: Sequence[tuple[str, str, list[_Method]]]) -> dict[tuple[str, str], str]:
    """(class, method) -> its body; overloads, which share a name, together."""
    out: dict[tuple[str, str], str] = {}
    for _p, code, methods in java:
        for m in methods:
            out[(m.klass, m.name)] = out.get((m.klass, m.name), "") + code[m.body[0]:m.body[1]]
    return out


def _passing(m: _Method, code: str, entries: dict[tuple[str, str], tuple[str, int, bool, str | None]],
             enums: dict[str, dict[str, str]], bodies: Mapping[tuple[str, str], str]
             ) -> tuple[str, int, bool, str | None] | None:
    """``m`` as an entry method, when it passes a parameter of an enum on to an entry method at its place."""
    body = code[m.body[0]:m.body[1]]
    for i, (kind, pname) in enumerate(m.params):
        if kind not in enums:
            continue
        for (ek, en), (_e, idx, again, sends) in list(entries.items()):
            for _at, args in _calls_to(body, ek, en, ek == m.klass):
                if len(args) > idx and args[idx] == pname:
                    return kind, i, again, _change(args[idx + 1:], bodies) or sends
    return None


_REQUEST_ANNOTATION = re.compile(r"@(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Path|"
                                 r"(?:Get|Post|Put|Delete|Patch|Request)Mapping)\b")
_SERVLET = frozenset({"doGet", "doPost", "doPut", "doDelete", "doPatch", "doHead", "service"})
_BACKGROUND_ANNOTATION = re.compile(r"@(?:Scheduled|PostConstruct)\b")
_START = frozenset({"contextInitialized"})
"""A ``ServletContextListener``'s start-up method: it runs once, before the application takes requests."""
_THREAD_BODIES = frozenset({"run", "call"})
"""The body of a ``Thread`` / ``Runnable`` / ``Callable`` the code hands on: it runs apart from its caller."""
_CALLED = re.compile(r"(?<![\w$])([a-z_]\w*)\s*\(")


def _off_request(java: Sequence[tuple[str, str, list[_Method]]]) -> dict[tuple[str, int], str]:
    """The methods of ``java`` (the service's own code) that only its start-up or the threads it starts reach, never a
    request handler (``@GET``, ``@*Mapping``, a servlet's ``doGet``...), by name through the calls their bodies make:
    (file, start) -> what reaches them. A method declared inside another (an anonymous class's) is reached with it,
    but for a thread's body (``run``, ``call``), which runs apart."""
    nodes = [(path, code, m) for path, code, methods in java for m in methods]
    by_name: dict[str, list[int]] = {}
    for i, (_p, _c, m) in enumerate(nodes):
        by_name.setdefault(m.name, []).append(i)
    edges: list[set[int]] = [set() for _ in nodes]
    for i, (path, code, m) in enumerate(nodes):
        inner = [(j, n) for j, (p, _c, n) in enumerate(nodes)
                 if p == path and j != i and m.body[0] < n.start and n.body[1] <= m.body[1]]
        text = list(code[m.body[0]:m.body[1]])
        for j, n in inner:
            directly = not any(k != j and o.body[0] < n.start < o.body[1] for k, o in inner)
            if directly and n.name not in _THREAD_BODIES:
                edges[i].add(j)
            for k in range(n.start - m.body[0], n.body[1] - m.body[0]):
                text[k] = " "
        edges[i].update(j for c in _CALLED.finditer("".join(text)) for j in by_name.get(c.group(1), []))

    def head(path: str, code: str, m: _Method) -> str:
        before = max(code.rfind(";", 0, m.start), code.rfind("}", 0, m.start), code.rfind("{", 0, m.start))
        return code[before + 1:m.start]

    def reach(roots: list[int]) -> dict[int, str]:
        seen = {r: nodes[r][2].name for r in roots}
        todo = list(roots)
        while todo:
            i = todo.pop()
            for j in edges[i] - set(seen):
                seen[j] = seen[i]
                todo.append(j)
        return seen

    request = reach([i for i, (p, c, m) in enumerate(nodes)
                     if m.name in _SERVLET or _REQUEST_ANNOTATION.search(head(p, c, m))])
    background = reach([i for i, (p, c, m) in enumerate(nodes) if m.name in _START or m.name in _THREAD_BODIES
                        or _BACKGROUND_ANNOTATION.search(head(p, c, m))])
    return {(nodes[i][0], nodes[i][2].start): root for i, root in background.items() if i not in request}


def _class_of(methods: Sequence[_Method], path: str) -> str:
    return methods[0].klass if methods else os.path.splitext(os.path.basename(path))[0]


def _used(java: Sequence[tuple[str, str, list[_Method]]], own: str, bodies: Mapping[tuple[str, str], str]
          ) -> set[tuple[str, str]]:
    """The methods of the libraries (``Class.method``) the service's own code calls, directly or through others."""
    by_class: dict[str, set[str]] = {}
    for _p, _c, methods in java:
        for m in methods:
            by_class.setdefault(m.klass, set()).add(m.name)
    pattern = _STATIC_CALL
    todo = [m.group(1, 2) for p, code, _ms in java if p == own or p.startswith(own.rstrip(os.sep) + os.sep)
            for m in pattern.finditer(code)]
    used: set[tuple[str, str]] = set()
    while todo:
        klass, name = todo.pop()
        if (klass, name) in used or name not in by_class.get(klass, set()):
            continue
        used.add((klass, name))
        todo.extend(m.group(1, 2) for m in pattern.finditer(bodies.get((klass, name), "")))
    return used


def clients(codes: Sequence[tuple[str, str]], own: str) -> tuple[Client, ...]:
    """The service's calls through its code's Ribbon balancer (``calls``) as clients ``code_clients`` draws."""
    found = calls(codes, own)
    keyed = bool(found) and any(_KEY_WORDS.search(c) for _p, c in codes)
    return tuple(Client(c.at, c.how, c.target, "http", registry=True, attempts=c.attempts, retry_why=c.retry_why,
                        changes=c.changes, keyed=keyed, bound=c.timeout, background=c.background) for c in found)


__all__ = ["RibbonCall", "calls", "clients"]
