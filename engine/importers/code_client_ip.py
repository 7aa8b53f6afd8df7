"""Where a Python web application takes its client's address from a forwarding header, whichever peer sent it
(``client_ip_from_header: any`` on the service; ``archplan import source``).

Read with ``ast`` in the service's own Python files (tests aside), the first in file and line order:

- **werkzeug's ProxyFix**: ``ProxyFix(app, x_for=N)`` in a file that imports it from ``werkzeug``, with ``x_for``
  left at its default (1) or anything but a literal 0. ProxyFix rewrites ``REMOTE_ADDR`` from the last ``N``
  ``X-Forwarded-For`` values of every request, never asking which peer sent them (werkzeug's documentation:
  "this middleware should only be used if the application is actually behind such a proxy").
- **The header read directly**: ``request.META["HTTP_X_FORWARDED_FOR"]``, ``META.get("HTTP_X_FORWARDED_FOR", ...)``
  or ``headers.get("X-Forwarded-For")`` (any case): the code takes the address the caller wrote. Setting the header
  (``headers["X-Forwarded-For"] = ...``, on a request the code sends) reads nothing.
- **Django REST framework's throttles of anonymous callers**: a view class whose ``throttle_classes`` names
  ``AnonRateThrottle`` (or a class of the service's code derived from it, with no ``get_cache_key`` of its own that
  leaves ``get_ident`` unused), or ``DEFAULT_THROTTLE_CLASSES`` naming it; ``ScopedRateThrottle`` and
  ``UserRateThrottle`` count only on a view that lets anonymous callers in (an ``ObtainAuthToken`` subclass, or
  ``permission_classes`` naming ``AllowAny``): those key signed-in callers by their user. DRF's ``get_ident`` keys an
  anonymous caller on the whole ``X-Forwarded-For`` header when ``NUM_PROXIES`` is unset (on its last values when
  it is set above 0), so a service whose ``REST_FRAMEWORK`` settings set ``NUM_PROXIES`` to 0 is not read.

In its JavaScript and TypeScript files (tests aside, comments blanked), the header named as a string
(``x-forwarded-for`` or ``x-real-ip``, any case) and read: the argument of a getter
(``request.headers.get('x-forwarded-for')``, ``req.header(...)``, ``req.get(...)``, ``getHeader(...)``), a subscript
read (``req.headers['x-real-ip']``, not an assignment), or one of a list of header names in a file that reads headers
by a name it holds (``HEADERS.find(name => headers.get(name))``). A header the code sets (``setHeader('X-Forwarded-For',
ip)``, an object's key ``{'x-forwarded-for': ip}`` of a request it sends, ``headers['x-forwarded-for'] = ip``) reads
nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from engine.errors import Location
from engine.importers import code_text, code_trees

_JS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_JS_TEST_FILE = re.compile(r"(?:^|/)(?:__tests__|tests?|__mocks__|cypress|e2e)/|\.(?:test|spec)\.[cm]?[jt]sx?$")
_JS_HEADER = re.compile(r"""(['"`])(x-forwarded-for|x-real-ip)\1""", re.IGNORECASE)
_JS_GETTER = re.compile(r"(?:\.\s*(?:get|header|getHeader)\s*\(|\bheaders\s*\??\.?\s*\[)\s*$")
"""What comes before a header name a JavaScript getter or subscript reads."""
_JS_BY_NAME = re.compile(r"\bheaders\s*(?:\(\s*\))?\s*\??\.?\s*(?:get\s*\(|\[)\s*[A-Za-z_$][\w$.]*\s*[)\]]|"
                         r"\.\s*(?:header|getHeader)\s*\(\s*[A-Za-z_$][\w$.]*\s*\)")
"""Headers read by a name the code holds (``headers.get(name)``, ``headers[name]``, ``req.header(name)``)."""
_TEST_FILE = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)(?:test_[^/]*|[^/]*_tests?|conftest)\.py$")
_HEADERS = {"http_x_forwarded_for", "x-forwarded-for", "x_forwarded_for"}
_WORDS = ("ProxyFix", "FORWARDED_FOR", "orwarded-", "Throttle", "THROTTLE", "NUM_PROXIES")
_ANON = "AnonRateThrottle"
_KEYED_BY_USER = ("ScopedRateThrottle", "UserRateThrottle")
_OPEN_VIEW_BASES = {"ObtainAuthToken", "ObtainJSONWebToken", "TokenObtainPairView", "LoginView"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rsplit(".", 1)[-1]
    return ""


def _at(path: str, node: ast.AST) -> Location:
    return Location(path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def _throttles(trees: Sequence[tuple[str, ast.Module]]) -> dict[str, str]:
    """The service's throttle classes derived (by name, through its own classes) from DRF's, each with the DRF class
    it keys like; a class whose own ``get_cache_key`` never calls ``get_ident`` keys on something else."""
    bases: dict[str, tuple[list[str], bool]] = {}
    for _, tree in trees:
        for node in code_trees.nodes(tree, ast.ClassDef):
            own = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "get_cache_key"), None)
            keyed_elsewhere = own is not None and not any(
                isinstance(n, ast.Attribute) and n.attr == "get_ident" for n in ast.walk(own))
            bases.setdefault(node.name, ([_name(b) for b in node.bases], keyed_elsewhere))
    out = {name: name for name in (_ANON, *_KEYED_BY_USER)}

    def resolve(name: str, seen: frozenset[str]) -> str | None:
        if name in out:
            return out[name]
        if name in seen or name not in bases:
            return None
        names, elsewhere = bases[name]
        if elsewhere:
            return None
        return next((r for b in names for r in [resolve(b, seen | {name})] if r is not None), None)

    return {name: r for name in sorted(set(bases) | set(out)) for r in [resolve(name, frozenset())] if r is not None}


def _listed(value: ast.expr) -> list[ast.expr]:
    return list(value.elts) if isinstance(value, (ast.List, ast.Tuple)) else []


def _no_proxies(trees: Sequence[tuple[str, ast.Module]]) -> bool:
    """Whether a ``REST_FRAMEWORK``-style dict sets ``NUM_PROXIES`` to 0 (the connection's address, no header)."""
    for _, tree in trees:
        for node in code_trees.nodes(tree, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "NUM_PROXIES" and \
                        isinstance(v, ast.Constant) and v.value == 0:
                    return True
    return False


def _view_throttle(path: str, node: ast.ClassDef, throttles: dict[str, str]) -> tuple[str, Location] | None:
    open_view = any(_name(b) in _OPEN_VIEW_BASES for b in node.bases)
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "permission_classes"
                                                for t in stmt.targets):
            open_view = open_view or any(_name(e) == "AllowAny" for e in _listed(stmt.value))
    for stmt in node.body:
        if not (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "throttle_classes"
                                                     for t in stmt.targets)):
            continue
        for e in _listed(stmt.value):
            kind = throttles.get(_name(e))
            if kind == _ANON or (kind in _KEYED_BY_USER and open_view):
                return (f"{node.name}'s throttle {_name(e)} keys anonymous callers on Django REST framework's "
                        f"get_ident, the X-Forwarded-For header as sent", _at(path, stmt))
    return None


def _found(path: str, tree: ast.Module, throttles: dict[str, str]) -> tuple[str, Location] | None:
    proxyfix = any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith("werkzeug") and
                   any(a.name == "ProxyFix" for a in n.names) for n in code_trees.nodes(tree, ast.ImportFrom))
    hits: list[tuple[int, int, str, Location]] = []
    for node in code_trees.nodes(tree, ast.Call, ast.Subscript, ast.ClassDef):
        what: str | None = None
        if isinstance(node, ast.Call):
            if proxyfix and _name(node.func) == "ProxyFix":
                x_for = next((k.value for k in node.keywords if k.arg == "x_for"), None)
                if not (isinstance(x_for, ast.Constant) and x_for.value == 0):
                    shown = "1, its default" if x_for is None else ast.unparse(x_for)
                    what = f"werkzeug's ProxyFix (x_for={shown}) takes the address from X-Forwarded-For from any peer"
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and \
                    node.args[0].value.lower() in _HEADERS:
                what = f"its code reads the client's address from {node.args[0].value}"
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(node.ctx, ast.Load) and isinstance(key, ast.Constant) and isinstance(key.value, str) and \
                    key.value.lower() in _HEADERS:
                what = f"its code reads the client's address from {key.value}"
        else:
            found = _view_throttle(path, node, throttles)
            if found is not None:
                hits.append((found[1].line, found[1].column, found[0], found[1]))
        if what is not None:
            at = _at(path, node)
            hits.append((at.line, at.column, what, at))
    for d in code_trees.nodes(tree, ast.Dict):
        for k, v in zip(d.keys, d.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == "DEFAULT_THROTTLE_CLASSES" and \
                    any(throttles.get(_name(e)) == _ANON for e in _listed(v)):
                at = _at(path, v)
                hits.append((at.line, at.column, "DEFAULT_THROTTLE_CLASSES names AnonRateThrottle, which keys "
                             "anonymous callers on Django REST framework's get_ident, the X-Forwarded-For header as "
                             "sent", at))
    if not hits:
        return None
    _, _, what, at = min(hits, key=lambda h: (h[0], h[1]))
    return what, at


def _js_read(code: str, m: re.Match[str]) -> bool:
    """Whether the header literal ``m`` of the JavaScript ``code`` is read: a getter's argument or a subscript read,
    or an element of a list of names in code that reads headers by a name it holds; never a header it sets."""
    before, after = code[:m.start()], code[m.end():].lstrip()
    if _JS_GETTER.search(before[-60:]):
        closing = after[:1]
        rest = after[1:].lstrip()
        return closing == ")" or (closing == "]" and not (rest.startswith("=") and not rest.startswith("==")))
    previous = before.rstrip()[-1:]
    return previous in ("[", ",") and after[:1] in (",", "]") and _JS_BY_NAME.search(code) is not None


def _forwarded_js(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    for path, text in sorted(texts):
        if not path.endswith(_JS) or _JS_TEST_FILE.search(path) or not _JS_HEADER.search(text):
            continue
        code = code_text.blank_comments(text)
        for m in _JS_HEADER.finditer(code):
            if _js_read(code, m):
                line = code.count("\n", 0, m.start()) + 1
                column = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
                return f"its code reads the client's address from {m.group(2)}", Location(path, line, column)
    return None


def forwarded(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """The first place the service's own Python, JavaScript or TypeScript code takes its client's address from a
    forwarding header sent by any peer (what shows it, where); None when none does, or when its settings set DRF's
    ``NUM_PROXIES`` to 0 and only a throttle shows it."""
    found_py = _forwarded_py(texts)
    found_js = _forwarded_js(texts)
    return min((f for f in (found_py, found_js) if f is not None),
               key=lambda f: (f[1].file, f[1].line, f[1].column), default=None)


def _forwarded_py(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    trees: list[tuple[str, ast.Module]] = []
    for path, text in sorted(texts):
        if not path.endswith(".py") or _TEST_FILE.search(path):
            continue
        if not any(k in text for k in _WORDS):
            continue
        try:
            trees.append((path, code_trees.parse(text, path)))
        except (SyntaxError, ValueError):
            continue
    throttles = _throttles(trees)
    no_proxies = _no_proxies(trees)
    for path, tree in trees:
        found = _found(path, tree, throttles)
        if found is not None and not (no_proxies and "get_ident" in found[0]):
            return found
    return None
