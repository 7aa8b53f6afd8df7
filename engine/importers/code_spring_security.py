"""The request matchers of a Spring Security filter chain (``archplan import source``).

A Spring service with Spring Security names, in a ``SecurityFilterChain`` bean (or an older
``WebSecurityConfigurerAdapter``), which requests need what: ``.requestMatchers("/storefront/**").permitAll()``,
``.requestMatchers(HttpMethod.GET, "/products/*").permitAll()``, ``.anyRequest().authenticated()``. The same in the
older DSL (``antMatchers``, ``mvcMatchers``, ``regexMatchers`` left out) and in WebFlux (``pathMatchers``,
``anyExchange``). The first matcher a request matches decides, as Spring Security reads them. Read here: each
matcher's HTTP method (if any), its Ant-style path patterns, what it requires (``permitAll``, ``authenticated``,
``hasRole``...) and where it is written; ``code_routes`` matches the service's own routes against them (a route
permitted to anyone whose handler never reads who calls authenticates nobody).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import inside, split_args

_CHAIN = re.compile(r"\bauthorize(?:HttpRequests|Requests|Exchange)\s*\(")
_MATCHER = re.compile(r"\.\s*(requestMatchers|antMatchers|mvcMatchers|pathMatchers|anyRequest|anyExchange)\s*\(")
_VERDICT = re.compile(r"\s*\)\s*\.\s*(\w+)\s*\(")
_METHOD = re.compile(r"^\s*HttpMethod\s*\.\s*([A-Z]+)\s*$")
_LITERAL = re.compile(r'^\s*"(/[^"]*)"\s*$')


@dataclass(frozen=True)
class Matcher:
    """One matcher of a filter chain: the HTTP method it is limited to (None: any), its path patterns, what it
    requires (``permitAll``, ``authenticated``, ``hasRole``...), and where."""

    method: str | None
    patterns: tuple[str, ...]
    verdict: str
    at: Location

    def matches(self, method: str, path: str) -> bool:
        """Whether a route (its method, ``ANY`` for every one, and its path) falls under the matcher."""
        if self.method is not None and method not in (self.method, "ANY"):
            return False
        return any(_ant(p).fullmatch(path) for p in self.patterns)


def matchers(files: Sequence[tuple[str, str]]) -> list[Matcher]:
    """The matchers of the filter chains in a service's Java or Kotlin files (comments blanked), in order; the
    matchers whose patterns are not all literal paths (a constant, a regular expression) are left out, and with them
    every later one of their chain (the first match decides: what follows an unread matcher cannot be placed)."""
    out: list[Matcher] = []
    for path, code in files:
        for chain in _CHAIN.finditer(code):
            opened = chain.end() - 1
            inner = inside(code, opened)
            if _MATCHER.search(inner):  # the lambda's body: auth -> auth.requestMatchers(...)...
                scope, base = inner, opened + 1
            else:  # the older DSL: authorizeRequests().antMatchers(...)... up to the end of the statement
                closed = opened + len(inner) + 1
                stop = code.find(";", closed)
                scope, base = code[closed:stop if stop >= 0 else len(code)], closed
            for m in _MATCHER.finditer(scope):
                args = split_args(inside(scope, m.end() - 1))
                verdict = _VERDICT.match(scope, m.end() + len(inside(scope, m.end() - 1)))
                method = None
                if args and (hm := _METHOD.match(args[0])) is not None:
                    method, args = hm.group(1), args[1:]
                if m.group(1) in ("anyRequest", "anyExchange"):
                    patterns: list[str] = ["/**"]
                else:
                    literal = [_LITERAL.match(a) for a in args]
                    if not args or any(x is None for x in literal):
                        break  # a pattern not written out: the matchers after it cannot be placed
                    patterns = [x.group(1) for x in literal if x is not None]
                if verdict is None:
                    break
                line = code.count("\n", 0, base + m.start()) + 1
                out.append(Matcher(method, tuple(patterns), verdict.group(1), Location(path, line, 1)))
    return out


def _ant(pattern: str) -> re.Pattern[str]:
    """An Ant-style path pattern as a regular expression: ``**`` any number of segments (``/a/**`` takes ``/a``
    too), ``*`` and ``{var}`` one segment or part of one, ``?`` one character."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{":
            close = pattern.find("}", i)
            if close < 0:
                out.append(re.escape(pattern[i:]))
                break
            out.append("[^/]+")
            i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
