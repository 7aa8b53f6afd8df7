"""Next.js API routes, declared by where their file lies (``import source``).

- **Pages router**: each file under ``pages/api/`` (or ``src/pages/api/``) serves the route its path names:
  ``pages/api/cart.ts`` -> ``/api/cart``, ``pages/api/products/[productId]/index.ts`` ->
  ``/api/products/{productId}``, ``[...slug]`` -> ``{slug}``. Its handler branches on the method
  (``switch (method) { case 'POST': ... }``, ``if (req.method === 'POST') {...}``): one route per method it
  handles, else one ``ANY`` route.
- **App router**: each ``app/**/route.ts`` serves its folder's path (route groups ``(shop)`` and slots ``@x``
  left out) for every HTTP method it exports (``export async function POST(...)``, ``export const GET = ...``).

A NextAuth catch-all route (``pages/api/auth/[...nextauth].ts`` calling ``NextAuth(...)``) serves, for a credentials
provider the service's code configures (``CredentialsProvider({...})`` from ``next-auth/providers/credentials``),
the sign-in ``POST /api/auth/callback/<id>`` (``credentials`` unless the provider names another ``id``): a login that
checks the password the request carries.

What a method's code writes, through a client, gateway, service or store (``CheckoutGateway.placeOrder(...)``,
``CartGateway.addItem(...)``, ``db.insert(...)``), makes its route ``mutating``; a write that creates something new
each time (place, add, create, charge...) takes no idempotency key when no code of the service names one. A handler
whose ``catch`` sends the caught exception's stack to its caller (``code_error_detail``) leaks error details. The
bearer token a method signs for its caller, itself or through a signing helper of the service's code, is read as
``code_tokens`` says.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.errors import Location
from engine.importers import code_error_detail, code_tokens
from engine.importers.code_go import CREATION_VERBS, WRITE_VERBS
from engine.importers.code_node import NODE_TLS
from engine.importers.code_text import close_bracket

SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
_CASE = re.compile(r"\bcase\s+(['\"`])(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\1\s*:")
_LABEL = re.compile(r"\b(?:case\s+(['\"`])[^'\"`\n]*\1|default)\s*:")
_IF = re.compile(r"\b(?:req|request)\s*\.\s*method\s*===?\s*(['\"`])(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\1")
_EXPORT = re.compile(r"\bexport\s+(?:async\s+function\s+|function\s+|const\s+)(GET|POST|PUT|PATCH|DELETE|HEAD|"
                     r"OPTIONS)\b")
_WRITE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\??\.\s*((?:" + "|".join(v.lower() for v in (*WRITE_VERBS, "Set"))
                    + r")(?:[A-Z]\w*)?)\s*\(")
_RECEIVER = re.compile(r"client|gateway|service|store|repo|collection|\bdb\b|prisma|api", re.IGNORECASE)
_CREATION = re.compile(r"(?:" + "|".join(v.lower() for v in CREATION_VERBS) + r")(?![a-z])")


@dataclass(frozen=True)
class NextRoute:
    """One Next.js route: method (``ANY``: every method), path as the file names it, where, and what it writes."""

    method: str
    path: str
    at: Location
    writes: str | None = None
    creates: bool = False
    login: str | None = None
    leaks: Location | None = None
    """Where its handler sends a caught exception's stack to its caller (``code_error_detail``), when it does."""
    token: code_tokens.Issued | None = None
    """The bearer token its handler signs for its caller (``code_tokens.signed``), unsettled."""


def route_path(path: str) -> str | None:
    """The route a file serves by its place (``.../pages/api/cart.ts`` -> ``/api/cart``), None for any other file."""
    p = path.replace("\\", "/")
    if not p.endswith(SUFFIXES) or p.endswith(".d.ts"):
        return None
    stem = p.rsplit(".", 1)[0]
    m = re.search(r"(?:^|/)pages/(api(?:/.*)?)$", stem)
    if m is not None:
        segs = m.group(1).split("/")
        if segs[-1] == "index":
            segs.pop()
    else:
        m = re.search(r"(?:^|/)app/(.*?)/?route$", stem) or re.match(r"(?:^|.*/)app/(route)$", stem)
        if m is None:
            return None
        segs = [] if m.group(1) == "route" else [s for s in m.group(1).split("/") if s]
        segs = [s for s in segs if not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")]
    out = []
    for s in segs:
        param = re.fullmatch(r"\[\[?(?:\.\.\.)?([A-Za-z_$][\w$]*)\]?\]", s)
        out.append("{" + param.group(1) + "}" if param else s)
    return "/" + "/".join(out)


def routes(texts: Sequence[tuple[str, str]]) -> list[NextRoute]:
    """The Next.js API routes of a service's files (comments blanked), in file order."""
    out: list[NextRoute] = []
    providers = [p for path, code in texts for p in _credentials_providers(path, code)]
    signing = code_tokens.wrappers(texts)
    for path, code in texts:
        route = route_path(path)
        if route is not None:
            out.extend(_file_routes(path, code, route, signing))
            out.extend(_nextauth_logins(path, code, route, providers))
    if any("idempot" in code.lower() for _p, code in texts):  # it names a key: whether it checks one is unknown
        out = [replace(r, creates=False) for r in out]
    return out


_NEXTAUTH = re.compile(r"""\bimport\s+(\w+)\s+from\s*(['"])next-auth\2""")
_CREDENTIALS_MODULE = re.compile(r"""\bimport\s+(\w+)\s+from\s*(['"])next-auth/providers/credentials\2""")


def _credentials_providers(path: str, code: str) -> Iterator[tuple[str, Location]]:
    """The id of each credentials provider a file configures (``CredentialsProvider({ id: "ldap", ... })``; the
    default ``credentials``), and where."""
    imported = _CREDENTIALS_MODULE.search(code)
    if imported is None:
        return
    for m in re.finditer(rf"\b{re.escape(imported.group(1))}\s*\(", code):
        body = code[m.end():close_bracket(code, m.end() - 1)]
        named = re.match(r"""\s*\{\s*id\s*:\s*(['"])([\w-]+)\1""", body)
        yield (named.group(2) if named else "credentials"), _location(path, code, m.start())


def _nextauth_logins(path: str, code: str, route: str, providers: Sequence[tuple[str, Location]]
                     ) -> Iterator[NextRoute]:
    """The sign-in routes a NextAuth catch-all route file serves for the credentials providers of the code."""
    imported = _NEXTAUTH.search(code)
    base, _s, last = route.rpartition("/")
    if imported is None or not re.search(r"\[\.\.\.\w+\]", path) or not last.startswith("{") or not re.search(
            rf"\b{re.escape(imported.group(1))}\s*\(", code):
        return
    for ident, at in providers:
        yield NextRoute("POST", f"{base}/callback/{ident}", at,
                        login=f"NextAuth's credentials provider ({at.file}:{at.line}) checks the password each sign-in "
                              f"request carries, served by the catch-all route {route}")


def _location(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _file_routes(path: str, code: str, route: str, signing: Mapping[str, code_tokens.Wrapper]
                 ) -> Iterator[NextRoute]:
    app = "/app/" in "/" + path.replace("\\", "/") and not re.search(r"(?:^|/)pages/api/", path.replace("\\", "/"))
    blocks: list[tuple[str, int, int]] = []  # (method, start, end) of the code that handles it
    if app:
        for m in _EXPORT.finditer(code):
            # a function's body follows its parameter list, which may destructure (``{ params }``)
            opened = code.find("(", m.end()) if "function" in m.group(0) else -1
            start = code.find("{", m.end() if opened < 0 else close_bracket(code, opened))
            blocks.append((m.group(1), m.start(), close_bracket(code, start) if start >= 0 else len(code)))
    else:
        labels = [m.start() for m in _LABEL.finditer(code)]
        for m in _CASE.finditer(code):
            nxt = next((s for s in labels if s > m.start()), len(code))
            blocks.append((m.group(2), m.start(), nxt))
        for m in _IF.finditer(code):
            start = code.find("{", m.end())
            blocks.append((m.group(2), m.start(), close_bracket(code, start) if start >= 0 else len(code)))
    seen: set[str] = set()
    for method, start, end in sorted(blocks, key=lambda b: b[1]):
        if method in seen:
            continue
        seen.add(method)
        yield _route(path, code, route, method, start, end, signing)
    if not blocks:
        anchor = re.search(r"\bexport\s+default\b", code)
        yield _route(path, code, route, "ANY", anchor.start() if anchor else 0, len(code), signing)


def _route(path: str, code: str, route: str, method: str, start: int, end: int,
           signing: Mapping[str, code_tokens.Wrapper]) -> NextRoute:
    at = _location(path, code, start)
    leak = code_error_detail.leaked(code, start, end)
    leaks = _location(path, code, leak) if leak is not None else None
    token = code_tokens.signed([(path, code, start, end)], signing)
    if method not in ("GET", "HEAD", "OPTIONS"):
        for w in _WRITE.finditer(code, start, end):
            if _RECEIVER.search(w.group(1)):
                writes = f"{w.group(1)}.{w.group(2)}() at {path}:{code.count(chr(10), 0, w.start()) + 1}"
                return NextRoute(method, route, at, writes, bool(_CREATION.match(w.group(2))), leaks=leaks,
                                 token=token)
    return NextRoute(method, route, at, None, leaks=leaks, token=token)


_NEXT_IMPORT = re.compile(r"""\bfrom\s*(['"])next(?:/[\w/.-]+)?\1|\brequire\s*\(\s*(['"])next(?:/[\w/.-]+)?\2\s*\)""")


def plain_listener(texts: Sequence[tuple[str, str]], own: str) -> tuple[str, Location] | None:
    """Why, and where, a Next.js service listens on plain HTTP: a route file of its own code (under ``own``, comments
    blanked) imports Next.js, whose production server (``next start``, or the standalone build's ``server.js``) has no
    TLS setting, and no code of the service starts an HTTPS server of its own. None otherwise."""
    if any(NODE_TLS.search(code) for _path, code in texts):
        return None
    for path, code in texts:
        if (path == own or path.startswith(own.rstrip("/\\") + os.sep)) and route_path(path) is not None and (
                m := _NEXT_IMPORT.search(code)):
            return ("its routes are served by Next.js, whose production server has no TLS setting, and no code of it "
                    "starts an HTTPS server, so it listens on plain HTTP",
                    _location(path, code, m.start()))
    return None


__all__ = ["NextRoute", "plain_listener", "route_path", "routes"]
