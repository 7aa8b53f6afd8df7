"""A NestJS handler that sends a request to an address its caller gives (``import source``): request forgery.

A controller takes the address from the request (``@Body() body`` and its ``body.bridgeUrl``, ``@Query('url') url``)
and hands it on to the providers it is given (``this.getBridgeStatus.execute(Command.create({statelessBridgeUrl:
body.bridgeUrl}))``), which hand it on in turn (``command.statelessBridgeUrl``) until one calls an HTTP client with
it (``got.get(url)``, ``axios.post(url, ...)``, ``fetch(url)``, Nest's ``this.http.get(url)``). This module follows
that value as ``code_nest_calls`` follows the calls: a local assigned from an expression that names the value
carries it (``const u = new URL(bridgeUrl)``, ``const url = u.toString()``), so does a property of an object
literal (``{statelessBridgeUrl: body.bridgeUrl}`` -> ``.statelessBridgeUrl`` in the methods reached) and a
parameter given it by position. A name that says the address is checked against a list or kept off private
networks, in any method the handler runs or in the request's DTO class (an allow-, white-, deny- or block-list, a
private or internal address test, a host compared, an SSRF filter library, class-validator's ``host_whitelist``),
leaves the handler out: what is compared is not known, and a check is not assumed missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from engine.importers import code_nest_calls
from engine.importers.code_nest_calls import Provider, Span
from engine.importers.code_text import inside, split_args

_URL_NAME = re.compile(r"[A-Za-z_$]*(?:url|uri|Url|Uri|URL|URI)")
"""A field or parameter named for an address (``bridgeUrl``, ``callback_uri``, ``url``)."""
_REQUEST_PARAM = re.compile(r"@(Body|Query|Req|Request)\s*\(\s*(?:(['\"])([\w$.]*)\2)?[^()]*\)\s*"
                            r"(?:(?:private|public|readonly)\s+)*([A-Za-z_$][\w$]*)\s*\??\s*(?::\s*([A-Za-z_$][\w$]*))?")
"""A handler's parameter the request fills: its body or query (whole, or one key of it), or the request itself."""
_GUARD = re.compile(r"(?i)allow_?(?:ed_?)?list|white_?list|deny_?list|block_?list|allowed_?(?:hosts?|domains?|urls?|"
                    r"origins?)|is_?(?:private|internal)(?:_?(?:ip|address|host|url|network))?\b|private_?"
                    r"(?:ip|address|network|range)s?|\bssrf|request-filtering-agent|ipaddr\.js|\bdnsLookup\b|"
                    r"\.\s*(?:host|hostname|origin)\s*(?:===|!==|==|!=)")
"""What checks an address against a list or keeps it off private networks (or names such a check)."""
_CLIENT = r"(?:got|axios|ky|superagent|needle|undici)\s*\.\s*(?:get|post|put|patch|delete|head|request|stream)\b"
_CLIENT_CALL = re.compile(rf"(?<![\w$.])(?:(?:got|axios|fetch|ky)|{_CLIENT})\s*\(")
"""A call of an HTTP client's function (``got(url)``, ``axios.post(url, body)``, ``fetch(url)``)."""
_CLIENT_ALIAS = re.compile(rf"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=[^;=]*?(?<![\w$.]){_CLIENT}(?!\s*\()")
"""A local bound to a client's function, to be called later (``const request = post ? got.post : got.get``)."""
_HTTP_FIELD = re.compile(r"\bthis\s*\.\s*([A-Za-z_$][\w$]*)\s*\.\s*(?:axiosRef\s*\.\s*)?"
                         r"(?:get|post|put|patch|delete|head|request)\s*(?:<[^<>()]*>)?\s*\(")
"""A request through a field of the class (``this.http.get(url)``), counted when the field is Nest's ``HttpService``."""
_ASSIGN = re.compile(r"(?:\b(?:const|let|var)\s+)?(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?::\s*[^=;(){}]+?)?\s*=(?![=>])"
                     r"\s*([^;]+)")
"""An assignment, declared or not, with its value up to the statement's end (``const url = address.toString()``)."""
_PROPERTY = re.compile(r"(?<![\w$?.])([A-Za-z_$][\w$]*)\s*:\s*(?!:)([^,;{}\n]+)")
"""A property of an object literal with its value (``statelessBridgeUrl: body.bridgeUrl``); a type annotation matches
too, harmlessly: a type's name carries no address."""
_PARAM_NAME = re.compile(r"^(?:@[\w$.]+\s*\([^()]*\)\s*)*(?:(?:private|public|protected|readonly)\s+)*"
                         r"([A-Za-z_$][\w$]*)")
"""A parameter's name, past its decorators and accessibility modifiers."""


class _Taint:
    """What carries the address in one method: its local names, and (across the methods reached) the properties of
    the objects it was put in; in the handler, the request objects whose address-named fields are it."""

    def __init__(self, names: set[str], keys: set[str], requests: set[str]) -> None:
        self.names, self.keys, self.requests = names, keys, requests

    def carries(self, expr: str) -> bool:
        if any(re.search(rf"(?<![\w$.]){re.escape(n)}\b", expr) for n in self.names):
            return True
        if any(re.search(rf"(?:\?\.|\.)\s*{re.escape(k)}\b", expr) for k in self.keys):
            return True
        return any(_URL_NAME.fullmatch(m.group(1)) for r in self.requests for m in re.finditer(
            rf"(?<![\w$.]){re.escape(r)}\s*\??\.\s*(?:(?:body|query)\s*\??\.\s*)?([A-Za-z_$][\w$]*)", expr))


def _given(params: str) -> tuple[_Taint, list[str]]:
    """What of the request a handler's parameters (``params``) hold: its address-named keys taken whole
    (``@Body('callbackUrl') callback``) and the request objects whose address-named fields are addresses, with those
    objects' declared types (their DTO classes)."""
    names: set[str] = set()
    requests: set[str] = set()
    dtos: list[str] = []
    for p in split_args(params):
        m = _REQUEST_PARAM.match(" ".join(p.split()))
        if m is None:
            continue
        key, name = m.group(3), m.group(4)
        if key and _URL_NAME.fullmatch(key.split(".")[-1]):
            names.add(name)
        elif not key:
            requests.add(name)
            dtos.append(m.group(5) or "")
    return _Taint(names, set(), requests), dtos


def takes_address(code: str, start: int, end: int, params: str) -> bool:
    """Whether the NestJS handler ``code[start:end]`` (its parameter list ``params``) uses an address its request
    gives at all: only then is it followed (``user_url_fetch``)."""
    taint, _dtos = _given(params)
    return bool(taint.names) or taint.carries(code[start:end])


def user_url_fetch(path: str, code: str, start: int, end: int, params: str,
                   classes: Mapping[str, Provider | None]) -> str | None:
    """Where the NestJS handler ``code[start:end]`` (of ``path``, its parameter list ``params``), or a method of a
    provider it reaches (``classes``: ``code_nest_calls.classes_in`` the service's code), sends a request to an
    address the request gave, said with where; None when none does, or when a check of it shows anywhere on the
    way."""
    given, dtos = _given(params)
    own = code_nest_calls.enclosing(code, start)
    if own is None or not (given.names or given.requests) or any(
            (dto := classes.get(d)) is not None and _GUARD.search(dto.code, dto.start, dto.end) for d in dtos):
        return None
    keys: set[str] = set()
    queue: list[tuple[Span, tuple[int, int], _Taint, tuple[str, ...]]] = [
        (Span(path, code, start, end), own, _Taint(given.names, keys, given.requests), ())]
    seen = {(path, start)}
    found: str | None = None
    while queue:
        span, cls, taint, through = queue.pop(0)
        if _GUARD.search(span.code, span.start, span.end):
            return None
        _spread(span, taint)
        sent = None if found else _sent(span, cls, taint)
        if sent:
            found = sent + (f", reached through {' -> '.join(through)}" if through else "")
        if len(through) >= code_nest_calls.DEPTH:
            continue
        for c in code_nest_calls.calls(span, cls, classes):
            if (c.span.file, c.span.start) in seen:
                continue
            seen.add((c.span.file, c.span.start))
            passed = {n.group(1) for a, p in zip(split_args(inside(span.code, c.paren)), split_args(c.params),
                                                   strict=False)
                      if taint.carries(a) and (n := _PARAM_NAME.match(" ".join(p.split()))) is not None}
            called = f"{os.path.basename(c.span.file)}:{c.span.code.count(chr(10), 0, c.span.start) + 1}"
            queue.append((c.span, c.cls, _Taint(passed, keys, set()), (*through, called)))
    return found


def _spread(span: Span, taint: _Taint) -> None:
    """The locals and object properties of the method ``span`` that the address reaches by assignment (to a fixed
    point: an assignment may come before the one it depends on in a loop)."""
    body = span.code[span.start:span.end]
    for _ in range(4):
        before = (len(taint.names), len(taint.keys))
        for m in _ASSIGN.finditer(body):
            if m.group(1) not in taint.names and taint.carries(m.group(2)):
                taint.names.add(m.group(1))
        for m in _PROPERTY.finditer(body):
            if m.group(1) not in taint.keys and taint.carries(m.group(2)):
                taint.keys.add(m.group(1))
        for n in list(taint.names):
            if re.search(rf"[{{,]\s*{re.escape(n)}\s*[,}}]", body):   # shorthand: {url}
                taint.keys.add(n)
        if (len(taint.names), len(taint.keys)) == before:
            break


def _sent(span: Span, cls: tuple[int, int], taint: _Taint) -> str | None:
    """The first call of an HTTP client in ``span`` whose address (its first argument) carries the request's, said
    with where; None when none does."""
    code = span.code
    aliases = {m.group(1) for m in _CLIENT_ALIAS.finditer(code, span.start, span.end)}
    fields = code_nest_calls.fields(code, *cls)
    http = {f for f, t in fields.items() if t == "HttpService"}
    calls = list(_CLIENT_CALL.finditer(code, span.start, span.end))
    calls += [m for m in _HTTP_FIELD.finditer(code, span.start, span.end) if m.group(1) in http]
    calls += [m for a in aliases for m in re.finditer(rf"(?<![\w$.]){re.escape(a)}\s*\(", code[:span.end])
              if m.start() >= span.start]
    for m in sorted(calls, key=lambda m: m.start()):
        args = split_args(inside(code, m.end() - 1))
        if args and taint.carries(args[0]):
            line = code.count("\n", 0, m.start()) + 1
            return (f"{' '.join(code[m.start():m.end() - 1].split())}({args[0]}) at {os.path.basename(span.file)}:"
                    f"{line}, an address the request gave")
    return None
