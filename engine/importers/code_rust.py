"""The routes a service's Rust code declares (``archplan import source``): actix-web and axum.

- actix-web: ``.route("/items/{id}", web::get().to(handler))`` on an ``App`` (``web::post()``, ``web::put()``,
  ``web::delete()``, ``web::patch()``, ``web::head()``), and the route macros on a handler (``#[get("/items")]``,
  ``#[post(...)]``..., also written ``#[actix_web::get(...)]``) that ``.service(handler)`` mounts;
- axum: ``.route("/items/:id", get(list).post(create))`` (``routing::get``...): one route per method router.

A route inside a ``web::scope("/api")`` or a nested router takes no prefix here (the scope is not followed): its path
is the one written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.errors import Location

_ROUTE = re.compile(r"\.\s*route\s*\(\s*\"(?P<path>[^\"\\\n]*)\"\s*,")
_MACRO = re.compile(r"#\[\s*(?:actix_web::)?(?P<verb>get|post|put|delete|patch|head)\s*\(\s*\"(?P<path>[^\"\\\n]*)\"")
_METHOD = re.compile(r"(?<![\w.])(?:web::|routing::|axum::routing::)?(?P<verb>get|post|put|delete|patch|head)\s*\(|"
                     r"\.\s*(?P<chained>get|post|put|delete|patch|head)\s*\(")


@dataclass(frozen=True)
class RustRoute:
    """A route of the Rust code: method, path as written, where, and how."""

    method: str
    path: str
    at: Location
    framework: str


def routes(texts: Sequence[tuple[str, str]]) -> list[RustRoute]:
    """The routes the Rust files (comments blanked) declare."""
    out: list[RustRoute] = []
    for path, text in texts:
        if "actix_web" not in text and "axum" not in text:
            continue
        framework = "actix-web" if "actix_web" in text else "axum"
        for m in _ROUTE.finditer(text):
            handler = _argument(text, m.end())
            for verb in _verbs(handler):
                out.append(RustRoute(verb, m.group("path"), _at(path, text, m.start()), framework))
        for m in _MACRO.finditer(text):
            out.append(RustRoute(m.group("verb").upper(), m.group("path"), _at(path, text, m.start()), "actix-web"))
    return out


def _argument(text: str, start: int) -> str:
    """The rest of a call's arguments from ``start`` up to its closing parenthesis."""
    depth = 0
    for i in range(start, min(len(text), start + 2000)):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return text[start:i]
            depth -= 1
    return ""


def _verbs(handler: str) -> Iterator[str]:
    """The HTTP methods a route's handler argument serves: ``web::get()``, ``get(h).post(h2)``."""
    seen: set[str] = set()
    for m in _METHOD.finditer(handler):
        verb = (m.group("verb") or m.group("chained")).upper()
        if verb not in seen:
            seen.add(verb)
            yield verb


def _at(path: str, text: str, start: int) -> Location:
    line = text.count("\n", 0, start) + 1
    return Location(path, line, start - (text.rfind("\n", 0, start) + 1) + 1)


__all__ = ["RustRoute", "routes"]
