"""Routes of Jakarta (and javax) servlets declared with ``@WebServlet`` (``import source``).

A servlet answers the URL patterns its ``@WebServlet`` annotation lists (``@WebServlet("/cart")``, ``value =`` or
``urlPatterns =``, one string or a ``{...}`` list), for each HTTP method whose ``do<Method>`` handler
(``doGet``, ``doPost``, ``doPut``, ``doDelete``, ``doHead``, ``doOptions``) its class defines or inherits from a
class of the same code. ``HttpServlet`` itself answers any method it is not given a handler for with 405, so a
servlet whose class chain, all read, defines none answers nothing; one that extends a class the code does not hold
(a framework's base servlet) is taken to answer every method (``ANY``). Extension patterns (``*.do``) and the
default servlet (``/``) name no route of their own and are left out; ``/path/*`` covers everything under
``/path`` (``/path/**``).

A servlet sets a session or token cookie (``new Cookie(..)`` named by a literal or a ``static final String`` of the
code, as ``code_java_cookies`` reads names) on a method's route when its ``do<Method>`` handler reaches the method
that builds it: calls by name are followed through the class chain as Java dispatches them (the most derived
definition; ``super.`` from the class above), so a ``doPost`` that calls an overridden ``handlePost`` reaching
``saveSession`` sets the cookie on POST and not on a GET that only redirects. ``Secure`` and ``HttpOnly`` are off
unless ``setSecure(true)`` and ``setHttpOnly(true)`` follow it; a cookie given ``setMaxAge(0)`` deletes one and sets
none. A servlet on a base the code does not hold sets a cookie its own class calls for.

A servlet reckons with a price the client holds when a method its handler reaches (followed as for cookies)
multiplies, adds or divides a price, total or cost accessor (``item.getUnitPriceInCents()``) of what a method of the
code read out of a request cookie: one that walks ``getCookies()`` and deserialises a cookie's value (``readValue``,
``fromJson``, ``readObject`` .. of ``getValue()``) with nothing in it that checks a signature (``verify``,
``signature``, ``hmac``, ``Mac``, ``validate``). Whatever the cookie carries, the browser sends and may edit: the
route's ``amount`` says where it is read and where it is reckoned.

A web application packaged as a WAR is served under its context path: the file name of the WAR, which Maven takes
from ``<finalName>`` in the ``<build>`` of a ``war``-packaged ``pom.xml`` at the top of a folder handed over.
Without a ``<finalName>`` the WAR's name carries the version (``artifactId-version.war``) and the deployment may
rename it, so no context path is assumed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.errors import Location
from engine.importers.code_go import WRITE_VERBS
from engine.importers.code_text import call_args, close_bracket
from engine.source import DEFAULT_LIMITS, Limits, read_text

T = TypeVar("T")
_WEB_SERVLET = re.compile(r"@(?:(?:jakarta|javax)\.servlet\.annotation\.)?WebServlet\b")
_CLASS = re.compile(r"\bclass\s+(\w+)(?:\s*<[^{]*?>)?(?:\s+extends\s+([\w.]+))?[^{;]*\{")
_HANDLER = re.compile(r"\b(?:protected|public)\s+(?:final\s+)?void\s+do(Get|Post|Put|Delete|Head|Options)\s*\(")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_BASES = frozenset({"HttpServlet", "jakarta.servlet.http.HttpServlet", "javax.servlet.http.HttpServlet"})
"""The framework's own base: the handlers it gives answer 405, so the search for a ``do<Method>`` stops there."""


Cookie = tuple[tuple[tuple[str, bool | str], ...], str]
"""A cookie's flags (``secure``, ``http_only``) and what shows them, as ``Route.cookie`` holds them."""


@dataclass(frozen=True)
class ServletRoute:
    """One method and URL pattern a servlet answers, and where its ``@WebServlet`` is."""

    method: str
    path: str
    at: Location
    servlet: str
    cookie: Cookie | None = None
    """The session cookie the route sets, when its handler reaches a method of its class chain that builds one."""
    amount: str | None = None
    """Where its handler reckons with a price or total read from a cookie the client holds (module docstring)."""
    writes: str | None = None
    """The first write its handler reaches (``LoadBalancedStoreOperations.addProductToCart() at Cart.java:60``): a
    call named for a change of state (``code_go.WRITE_VERBS``) on a store, a service, a client or an operations
    class, made in a method of its class chain that the handler reaches."""


@dataclass(frozen=True)
class _Class:
    name: str
    base: str | None
    handlers: frozenset[str]
    body: str = ""
    cookies: tuple[tuple[str, Cookie], ...] = ()
    """The methods of the class that build a session cookie (method name, flags and where)."""
    methods: tuple[tuple[str, str], ...] = ()
    """The methods the class defines, each with its body (overloads share a name)."""
    path: str = ""
    line: int = 0
    """The file and line the class body opens at (to tell where something in it is)."""


def routes(texts: Sequence[tuple[str, str]]) -> list[ServletRoute]:
    """The routes of the ``@WebServlet`` classes of the Java files ``texts`` (comments already blanked)."""
    constants = {name: value for _p, code in texts for name, value in _CONSTANT.findall(code)}
    classes: dict[str, _Class] = {}
    for path, code in texts:
        for m in _CLASS.finditer(code):
            start = m.end() - 1
            body = code[start:close_bracket(code, start)]
            classes.setdefault(m.group(1), _Class(m.group(1), m.group(2), frozenset(
                h.group(1).upper() for h in _HANDLER.finditer(body)), body,
                tuple(_cookies(path, code, start, start + len(body), constants)), tuple(_defined(body)),
                path, code.count("\n", 0, start) + 1))
    held = _cookie_readers(classes)
    out: list[ServletRoute] = []
    for path, code in texts:
        for m in _WEB_SERVLET.finditer(code):
            klass = _CLASS.search(code, m.end())
            if klass is None:
                continue
            patterns = _patterns(call_args(code, m.end()))
            methods = _methods(klass.group(1), classes)
            line = code.count("\n", 0, m.start()) + 1
            at = Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
            out.extend(ServletRoute(method, p, at, klass.group(1), _cookie_on(klass.group(1), method, classes),
                                    _amount_on(klass.group(1), method, classes, held),
                                    _write_on(klass.group(1), method, classes))
                       for p in patterns for method in methods)
    return out


def _defined(body: str) -> list[tuple[str, str]]:
    """The methods a class body defines (name, body), blocks of statements (``if (..) {``) left out."""
    out: list[tuple[str, str]] = []
    for h in _METHOD_HEAD.finditer(body, 1):
        if h.group(1) not in _NOT_METHODS:
            out.append((h.group(1), body[h.end() - 1:close_bracket(body, h.end() - 1)]))
    return out


_COOKIE = re.compile(r"\bnew\s+(?:(?:javax|jakarta)\.servlet\.http\.)?Cookie\s*\(")
_CONSTANT = re.compile(r"\bstatic\s+final\s+String\s+(\w+)\s*=\s*\"([^\"\n]*)\"")
_SESSIONISH = re.compile(r"token|session|sid\b|jwt|auth", re.IGNORECASE)
_METHOD_HEAD = re.compile(r"(\w+)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?\{")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "try"})
_AFTER = 600
"""Characters after a cookie's constructor read for its setters (the statements that follow it)."""


def _cookies(path: str, code: str, start: int, end: int, constants: dict[str, str]) -> list[tuple[str, Cookie]]:
    """The session cookies built in the class body ``code[start:end]``: the method each is built in, its flags."""
    out: list[tuple[str, Cookie]] = []
    for m in _COOKIE.finditer(code, start, end):
        args = code[m.end():close_bracket(code, m.end() - 1) - 1]
        named = args.split(",", 1)[0].strip()
        literal = re.fullmatch(r"\"([^\"\n]*)\"", named)
        name = literal.group(1) if literal else constants.get(named.rsplit(".", 1)[-1], named)
        heads = [h for h in _METHOD_HEAD.finditer(code, start, m.start()) if h.group(1) not in _NOT_METHODS]
        method = next(((h.group(1), close_bracket(code, h.end() - 1)) for h in reversed(heads)
                       if close_bracket(code, h.end() - 1) > m.start()), None)
        if method is None:
            continue
        tail = code[m.end():min(end, method[1], m.end() + _AFTER)]  # the statements after it, in its method
        if not _SESSIONISH.search(name) or re.search(r"\.\s*setMaxAge\s*\(\s*0\s*\)", tail):
            continue  # not a session cookie, or one being deleted
        flags: tuple[tuple[str, bool | str], ...] = tuple(
            (field, re.search(rf"\.\s*{setter}\s*\(\s*true\s*\)", tail) is not None)
            for setter, field in (("setSecure", "secure"), ("setHttpOnly", "http_only")))
        line = code.count("\n", 0, m.start()) + 1
        out.append((method[0], (flags, f"Cookie {name} built at {path}:{line} in {method[0]}(), flags left out are "
                                       "off by default")))
    return out


_CALLED = re.compile(r"(?:(?<![\w.])|(?<=\bthis\.)|(?<=\bsuper\.))(\w+)\s*\(")


def _cookie_on(name: str, method: str, classes: dict[str, _Class]) -> Cookie | None:
    """The session cookie the servlet ``name`` sets on ``method``: one built by a method its ``do<Method>`` handler
    reaches through calls by name, each resolved as Java dispatches it along the class chain."""
    return _reached(name, method, classes,
                    lambda klass, called, _body: next((c for m, c in klass.cookies if m == called), None),
                    lambda own, chain: next((cookie for klass in chain for m, cookie in klass.cookies
                                             if klass is own or re.search(rf"(?<![\w.]){re.escape(m)}\s*\(",
                                                                          own.body)), None))


_WRITE_CALL = re.compile(rf"\b(\w+)\s*\.\s*((?:{'|'.join(v.lower() for v in WRITE_VERBS)})(?:[A-Z]\w*)?)\s*\(")
_WRITER = re.compile(r"(?:repo|repository|store|dao|service|client|template|operations)s?$", re.IGNORECASE)
"""The names of a field, variable or class a handler writes through (``cartService``, ``LoadBalancedStoreOperations``,
a static helper that calls the service keeping the data)."""


def _write_on(name: str, method: str, classes: dict[str, _Class]) -> str | None:
    """The first write the servlet ``name``'s ``do<Method>`` handler reaches (``ServletRoute.writes``), through calls
    by name resolved as for cookies; for a servlet on a base the code does not hold, one its own class makes."""
    def first(klass: _Class, body: str, where: str) -> str | None:
        for call in _WRITE_CALL.finditer(body):
            if _WRITER.search(call.group(1)):
                return f"{call.group(1)}.{call.group(2)}() in {klass.name}{where}"
        return None

    return _reached(name, method, classes, lambda klass, called, body: first(klass, body, f".{called}()"),
                    lambda own, _chain: first(own, own.body, ""))


_GET_COOKIES = re.compile(r"\bgetCookies\s*\(")
_DESERIALISE = re.compile(r"\b(?:readValue|fromJson|readObject|deserialize|deserialise|unmarshal)\s*\([^;]*?"
                          r"\bgetValue\s*\(")
_VERIFIED = re.compile(r"verify|signature|hmac|\bMac\b|validate", re.IGNORECASE)
_PRICE = r"get\w*(?:Price|Total|Cost)\w*\s*\(\s*\)"
"""A price, total or cost accessor (``getUnitPriceInCents()``, ``getTotal()``)."""
_TYPE = r"[\w.]+(?:<[^<>;]*>)?(?:\[\])*"


def _cookie_readers(classes: dict[str, _Class]) -> dict[str, str]:
    """The methods of the code that read an object out of a request cookie, unverified: name -> where
    (``getSessionBlob() at Base.java:107``)."""
    out: dict[str, str] = {}
    for klass in sorted(classes.values(), key=lambda k: (k.path, k.line)):
        for name, body in klass.methods:
            found = _DESERIALISE.search(body)
            if found and _GET_COOKIES.search(body) and not _VERIFIED.search(body):
                out.setdefault(name, f"{name}() at {_where(klass, body, found.start())}")
    return out


def _where(klass: _Class, body: str, index: int) -> str:
    """``path:line`` of ``body[index]``, ``body`` being one of ``klass``'s methods."""
    line = klass.line + klass.body.count("\n", 0, max(klass.body.find(body), 0) + index)
    return f"{os.path.basename(klass.path)}:{line}"


def _amount_on(name: str, method: str, classes: dict[str, _Class], held: dict[str, str]) -> str | None:
    """Where the servlet ``name``'s ``do<Method>`` handler reaches a reckoning with a price of what ``held`` reads
    from a cookie (``ServletRoute.amount``)."""
    if not held:
        return None
    readers = "|".join(re.escape(n) for n in sorted(held))
    call = rf"(?:(?<![\w.])|(?<=\bthis\.))({readers})\s*\([^()]*\)"

    def reckons(klass: _Class, _called: str, body: str) -> str | None:
        bound: dict[str, str] = {}  # a name holding what a cookie gave -> the reader it came from
        for _ in range(3):
            holders = "|".join(re.escape(n) for n in sorted(bound)) or "(?!)"  # (?!) matches nothing
            source = rf"(?:{call}|(?<![\w.])({holders})\b)(?:\s*\.\s*\w+\s*\([^()]*\))*"
            for m in re.finditer(rf"\bfor\s*\(\s*(?:final\s+)?{_TYPE}\s+(\w+)\s*:\s*{source}\s*\)|"
                                 rf"(?<![\w.]){_TYPE}\s+(\w+)\s*=\s*{source}\s*;", body):
                target = m.group(1) or m.group(4)
                origin = m.group(2) or m.group(5) or bound.get(m.group(3) or m.group(6) or "", "")
                if target and origin and target not in bound:
                    bound[target] = origin
        if not bound:
            return None
        names = "|".join(re.escape(n) for n in sorted(bound))
        priced = re.compile(rf"[*/+-]=?\s*(?<![\w.])({names})\s*\.\s*{_PRICE}|"
                            rf"(?<![\w.])({names})\s*\.\s*{_PRICE}\s*[*/+-]")
        found = priced.search(body)
        if found is None:
            return None
        holder = found.group(1) or found.group(2)
        return (f"{found.group(0).strip(' *+-/=')} reckoned at {_where(klass, body, found.start())}, read from a "
                f"request cookie by {held[bound[holder]]}")

    return _reached(name, method, classes, reckons, lambda own, _chain: reckons(own, "", own.body))


def _reached(name: str, method: str, classes: dict[str, _Class],
                pick: Callable[[_Class, str, str], T | None],
                unheld: Callable[[_Class, list[_Class]], T | None]) -> T | None:
    """The first ``pick(class, method name, body)`` of the methods the servlet ``name``'s ``do<Method>`` handler
    reaches through calls by name, each resolved as Java dispatches it along the class chain (the most derived
    definition; ``super.`` from the class above); ``unheld(own class, chain)`` for ``ANY``, a servlet whose base the
    code does not hold."""
    chain: list[_Class] = []
    current: str | None = name
    while current is not None and current.rsplit(".", 1)[-1] in classes and \
            classes[current.rsplit(".", 1)[-1]] not in chain:
        chain.append(classes[current.rsplit(".", 1)[-1]])
        current = chain[-1].base
    if not chain:
        return None
    if method == "ANY":  # its base is not in the code: what its own class calls for is all that can be told
        return unheld(chain[0], chain)
    todo = [(f"do{method.capitalize()}", 0)]
    seen: set[tuple[int, str]] = set()
    while todo:
        called, above = todo.pop()
        at = next((i for i in range(above, len(chain)) if any(n == called for n, _b in chain[i].methods)), None)
        if at is None or (at, called) in seen:
            continue
        seen.add((at, called))
        for n, body in chain[at].methods:
            if n == called:
                found = pick(chain[at], called, body)
                if found is not None:
                    return found
                todo.extend((c.group(1), at + 1 if body[max(0, c.start() - 6):c.start()] == "super." else 0)
                            for c in _CALLED.finditer(body))
    return None


def _patterns(args: str) -> list[str]:
    """The URL patterns of ``@WebServlet``'s arguments, as route paths (extension and default patterns left out)."""
    named = re.search(r"\b(?:value|urlPatterns)\s*=\s*(\{[^}]*\}|\"(?:[^\"\\]|\\.)*\")", args)
    if named:
        found = _STRING.findall(named.group(1))
    else:
        head = re.match(r"\s*(\{[^}]*\}|\"(?:[^\"\\]|\\.)*\")", args)
        found = _STRING.findall(head.group(1)) if head else []
    out: list[str] = []
    for p in found:
        if not p.startswith("/") or p == "/":
            continue  # "*.do" (an extension) or "/" (the default servlet)
        out.append(p[:-2] + "/**" if p.endswith("/*") else p)
    return out


def _methods(name: str, classes: dict[str, _Class]) -> list[str]:
    """The methods the servlet ``name`` has handlers for, in its class or the classes it extends; ``ANY`` when it
    extends a class the code does not hold (other than ``HttpServlet``)."""
    found: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        klass = classes.get(current.rsplit(".", 1)[-1])
        if klass is None:
            if current not in _BASES:
                return ["ANY"]
            break
        found |= klass.handlers
        current = klass.base
    return sorted(found)


_PACKAGING_WAR = re.compile(r"<packaging>\s*war\s*</packaging>")
_FINAL_NAME = re.compile(r"<build>.*?<finalName>\s*([^<\s]+)\s*</finalName>", re.DOTALL)


def context_path(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> tuple[str, Location] | None:
    """The context path a WAR built by a ``war``-packaged ``pom.xml`` at the top of one of ``paths`` is served
    under (``/<finalName>``), and where that is said; None when no such pom names its final name."""
    for p in paths:
        pom = os.path.join(p, "pom.xml")
        if not os.path.isfile(pom):
            continue
        text = read_text(pom, limits)
        final = _FINAL_NAME.search(text)
        if _PACKAGING_WAR.search(text) and final and "$" not in final.group(1):
            line = text.count("\n", 0, final.start(1)) + 1
            return "/" + final.group(1).strip("/"), Location(pom, line, 1)
    return None


_XML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CONNECTOR = re.compile(r"<Connector\b([^>]*?)(/?)>", re.DOTALL)
_ATTRIBUTE = re.compile(r"(\w+)\s*=\s*\"([^\"]*)\"")


def tomcat_plain_listener(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> tuple[str, Location] | None:
    """Why, and where, the Tomcat a folder handed over configures listens on plain HTTP only: its ``server.xml`` (at
    the folder's top or under ``conf/``, what the image copies into Tomcat's ``conf``) has HTTP connectors and none
    of them takes TLS (``SSLEnabled="true"``, ``secure="true"``, ``scheme="https"`` or an ``SSLHostConfig``); AJP
    connectors, which speak to a proxy, and commented-out connectors do not count. None when there is no such
    file, no HTTP connector, or one with TLS."""
    for p in paths:
        for candidate in (os.path.join(p, "server.xml"), os.path.join(p, "conf", "server.xml")):
            if not os.path.isfile(candidate):
                continue
            text = read_text(candidate, limits)
            code = _XML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
            if "<Server" not in code:
                continue
            http: list[tuple[dict[str, str], int]] = []
            for m in _CONNECTOR.finditer(code):
                attrs = dict(_ATTRIBUTE.findall(m.group(1)))
                if attrs.get("protocol", "").upper().startswith("AJP"):
                    continue
                nested = "" if m.group(2) else code[m.end():code.find("</Connector>", m.end()) + 1]
                if attrs.get("SSLEnabled") == "true" or attrs.get("secure") == "true" or \
                        attrs.get("scheme") == "https" or "<SSLHostConfig" in nested:
                    return None
                http.append((attrs, m.start()))
            if http:
                attrs, start = http[0]
                line = code.count("\n", 0, start) + 1
                return (f"its Tomcat's HTTP connector on port {attrs.get('port', '?')} takes no TLS and no connector "
                        "of its server.xml does", Location(candidate, line, 1))
    return None


__all__ = ["Cookie", "ServletRoute", "context_path", "routes", "tomcat_plain_listener"]
