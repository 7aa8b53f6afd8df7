"""The session cookie a Java web service sets on whatever request it answers, from a filter (``import source``).

A filter (a class that implements or extends ``WebFilter``, ``Filter``, ``OncePerRequestFilter``,
``GenericFilterBean`` or ``HandlerInterceptor``) runs before every route. When a session or token cookie (by its
name, a literal or a ``static final String`` constant of the code) is built inside a filter, or in a method that a
filter calls by name, every route of the service may set it: each route that sets no cookie of its own gets its
flags. Spring's ``ResponseCookie.from(..)`` builder leaves ``secure`` and ``httpOnly`` off unless called with
``true``; a servlet ``new Cookie(..)`` likewise unless ``setSecure(true)`` and ``setHttpOnly(true)`` follow it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.importers.code_text import close_bracket, inside, split_args

_SESSIONISH = re.compile(r"token|session|sid\b|jwt|auth", re.IGNORECASE)
_FILTER_CLASS = re.compile(r"\bclass\s+(\w+)[^{;]*?\b(?:implements|extends)\s+[^{;]*?\b(?:WebFilter|Filter|"
                           r"OncePerRequestFilter|GenericFilterBean|HandlerInterceptor)\b[^{;]*\{")
_COOKIE = re.compile(r"\bResponseCookie\s*\.\s*from\s*\(|\bnew\s+(?:(?:javax|jakarta)\.servlet\.http\.)?Cookie\s*\(")
_CONSTANT = re.compile(r"\bstatic\s+final\s+String\s+(\w+)\s*=\s*\"([^\"\n]*)\"")
_METHOD_HEAD = re.compile(r"(\w+)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?\{")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "try"})

Cookie = tuple[tuple[tuple[str, bool | str], ...], str]


def filter_cookie(texts: Sequence[tuple[str, str]]) -> Cookie | None:
    """The flags of the first session cookie the Java files (comments blanked) build in, or for, a filter, and what
    shows it; None when there is none."""
    filters = [(path, m.group(1), m.start(), close_bracket(code, m.end() - 1), code)
               for path, code in texts for m in _FILTER_CLASS.finditer(code)]
    if not filters:
        return None
    constants = {name: value for _p, code in texts for name, value in _CONSTANT.findall(code)}
    for path, code in texts:
        for m in _COOKIE.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            named = args[0].strip() if args else ""
            literal = re.fullmatch(r"\"([^\"\n]*)\"", named)
            name = literal.group(1) if literal else constants.get(named.rsplit(".", 1)[-1], named)
            if not _SESSIONISH.search(name):
                continue
            by = _filter_of(path, code, m.start(), filters)
            if by is None:
                continue
            end = close_bracket(code, m.end() - 1)
            builder = m.group(0).lstrip().startswith("ResponseCookie")
            # a builder's chain ends at its ``build()``; a servlet cookie's setters follow in the statements after it
            tail = code[end:code.find(";", end) + 1] if builder else code[end:end + 600]
            flags: list[tuple[str, bool | str]] = []
            for key, field in (("secure", "secure"), ("httpOnly", "http_only")):
                setter = key if builder else f"set{key[0].upper()}{key[1:]}"
                call = rf"\.\s*{setter}\s*\(\s*true\s*\)"
                flags.append((field, re.search(call, tail) is not None))
            same = re.search(r"\.\s*sameSite\s*\(\s*\"(Strict|Lax|None)\"", tail) if builder else None
            if same:
                flags.append(("same_site", same.group(1).lower()))
            line = code.count("\n", 0, m.start()) + 1
            kind = "ResponseCookie" if builder else "Cookie"
            return tuple(flags), (f"{kind} {name} built at {path}:{line} for every request by filter {by}, flags "
                                  "left out are off by default")
    return None


def _filter_of(path: str, code: str, at: int, filters: Sequence[tuple[str, str, int, int, str]]) -> str | None:
    """The filter (``Name (file:line)``) that builds the cookie at ``code[at]``: the filter class it lies in, or one
    that calls the method it lies in by name."""
    for fpath, fname, start, end, fcode in filters:
        if fpath == path and start <= at < end:
            return f"{fname} ({fpath}:{fcode.count(chr(10), 0, start) + 1})"
    heads = [h for h in _METHOD_HEAD.finditer(code, 0, at) if h.group(1) not in _NOT_METHODS]
    method = next((h.group(1) for h in reversed(heads) if close_bracket(code, h.end() - 1) > at), None)
    if method is None:
        return None
    calls = re.compile(rf"(?<![\w$]){re.escape(method)}\s*\(")
    for fpath, fname, start, end, fcode in filters:
        if calls.search(fcode, start, end):
            return f"{fname} ({fpath}:{fcode.count(chr(10), 0, start) + 1})"
    return None
