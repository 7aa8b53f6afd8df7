"""Credentials a route's handler takes from its URL (``import source``): what ``credentials_in_query`` states.

A URL is written down wherever the request passes: the web server's and the proxy's access logs, the browser's
history, the Referer header of the next page. A handler that reads a password, token or API key from the query string
(``request.GET.get("api_key")``, ``request.args["token"]``, NestJS ``@Query('token')``, Express ``req.query.token``),
or that looks an API key up with a value of its own route's path (Django ``path("metrics/<slug:key>", view)`` whose
view calls ``Project.objects.for_api_key(key)``), takes a credential in the URL. Only parameters named as a credential
are read from the query string (``URL_CREDENTIALS``); a path segment counts only when the handler hands it, unchanged,
to a lookup named after an API key, an access key or a client secret, or to a Django lookup of a model of keys or
tokens (``FeedToken.objects.get(key__exact=feed_key)``): a one-time token in an e-mailed link (a
password reset, a magic sign-in link) is a different pattern, short-lived and spent when used, and is not said.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

URL_CREDENTIALS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "client_secret", "apikey", "api_key",
                             "api-key", "access_token", "auth_token", "token"})
"""Query parameter names that carry a credential (compared lower-cased)."""

_KEY_LOOKUP = re.compile(r"api_?key|access_?key|client_?secret", re.IGNORECASE)
"""A function that authenticates with an API key or a client secret, by its name (``for_api_key``,
``get_by_api_key``)."""

_KEY_MODEL = re.compile(r"(?:token|key)s?$", re.IGNORECASE)
"""A model that holds API keys or access tokens, by its name (``FeedToken``, ``ApiKey``)."""
_ONE_TIME = re.compile(r"verif|reset|invit|confirm|magic|activat|signup|registration|password|email", re.IGNORECASE)
"""A model of one-time tokens (an e-mailed link's), by its name: not a credential kept in a URL."""

_QUERY_MAPS = frozenset({"GET", "args", "query_params"})
"""The query string's mapping on a request: Django's ``request.GET``, Flask's ``request.args``, Django REST framework's
and Starlette's ``request.query_params``."""


def _query_name(node: ast.expr) -> str | None:
    """The parameter name a ``request.GET.get("x")`` / ``request.args["x"]`` expression reads, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist") \
            and node.args:
        mapping, key = node.func.value, node.args[0]
    elif isinstance(node, ast.Subscript):
        mapping, key = node.value, node.slice
    else:
        return None
    if isinstance(mapping, ast.Attribute) and mapping.attr in _QUERY_MAPS and isinstance(key, ast.Constant) \
            and isinstance(key.value, str):
        return key.value
    return None


def _model_lookup(node: ast.Call) -> str:
    """The model of a Django lookup ``Model.objects.get(...)``/``.filter(...)`` when the model holds API keys or
    access tokens (``_KEY_MODEL``, not ``_ONE_TIME``), as ``Model.objects.get``; empty otherwise."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("get", "filter") and
            isinstance(func.value, ast.Attribute) and func.value.attr == "objects" and
            isinstance(func.value.value, ast.Name)):
        return ""
    model = func.value.value.id
    return f"{model}.objects.{func.attr}" if _KEY_MODEL.search(model) and not _ONE_TIME.search(model) else ""


def python_handler(path: str, fn: ast.FunctionDef | ast.AsyncFunctionDef, route_params: frozenset[str]
                   ) -> str | None:
    """How the Python handler ``fn`` (in file ``path``) takes a credential in its URL, said with where, or None: a
    credential-named query parameter it reads, or a parameter of its route's path (``route_params``, by name) it passes
    to an API-key lookup."""
    own = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)} & route_params
    for node in ast.walk(fn):
        name = _query_name(node) if isinstance(node, (ast.Call, ast.Subscript)) else None
        if name is not None and name.lower() in URL_CREDENTIALS and isinstance(node, ast.expr):
            return f"{name!r} read from the URL query at {path}:{node.lineno}"
        if own and isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else \
                node.func.id if isinstance(node.func, ast.Name) else ""
            given = [a for a in (*node.args, *(k.value for k in node.keywords)) if isinstance(a, ast.Name)]
            hit = next((a.id for a in given if a.id in own), None)
            if hit is not None and _KEY_LOOKUP.search(callee):
                return f"path segment {{{hit}}} passed to {callee}() at {path}:{node.lineno}"
            model = _model_lookup(node)
            if hit is not None and model:
                return f"path segment {{{hit}}} looked up in {model} at {path}:{node.lineno}"
    return None


def query_read(path: str, fn: ast.FunctionDef | ast.AsyncFunctionDef,
               functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef], depth: int = 3) -> str | None:
    """Where ``fn`` (in file ``path``), or a function of its module that it calls by name (down to ``depth`` calls),
    reads a credential-named parameter from the URL query (``request.args.get("api_key")``), said; None when none
    does. An authentication hook (Flask-Login's request loader) reads the credential in a helper of its own more often
    than in its body (Redash: ``request_loader`` -> ``api_key_load_user_from_request`` -> ``get_api_key_from_request``).
    """
    todo, seen = [(fn, 0)], {fn.name}
    while todo:
        f, level = todo.pop(0)
        called: list[str] = []
        for node in ast.walk(f):
            name = _query_name(node) if isinstance(node, (ast.Call, ast.Subscript)) else None
            if name is not None and name.lower() in URL_CREDENTIALS and isinstance(node, ast.expr):
                return f"{name!r} read from the URL query at {path}:{node.lineno}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
                called.append(node.func.id)
        if level < depth:
            for callee in dict.fromkeys(called):
                if callee not in seen:
                    seen.add(callee)
                    todo.append((functions[callee], level + 1))
    return None


_NEST_QUERY = re.compile(r"@Query\s*\(\s*(['\"])([\w-]+)\1")
_JS_QUERY = re.compile(r"\b(?:req|request)\s*\.\s*query\s*(?:\.\s*([\w$]+)|\[\s*(['\"])([\w-]+)\2\s*\])")
_JS_QUERY_DESTRUCTURED = re.compile(r"\{([^{}]*)\}\s*=\s*(?:req|request)\s*\.\s*query\b")


def _line(code: str, i: int) -> int:
    return code.count("\n", 0, i) + 1


def js_handler(path: str, code: str, start: int, end: int, params: str = "", params_at: int = -1) -> str | None:
    """How a JavaScript/TypeScript handler (``code[start:end]``, comments blanked; ``params``: a NestJS method's
    parameter list, found at ``params_at``) takes a credential in its URL query, said with where, or None."""
    found: list[tuple[int, str]] = []
    for m in _NEST_QUERY.finditer(params):
        if m.group(2).lower() in URL_CREDENTIALS:
            found.append((params_at, m.group(2)))
    for m in _JS_QUERY.finditer(code, start, end):
        name = m.group(1) or m.group(3)
        if name.lower() in URL_CREDENTIALS:
            found.append((m.start(), name))
    for m in _JS_QUERY_DESTRUCTURED.finditer(code, start, end):
        for piece in m.group(1).split(","):
            name = piece.split(":", 1)[0].split("=", 1)[0].strip()
            if name.lower() in URL_CREDENTIALS:
                found.append((m.start(), name))
    if not found:
        return None
    at, name = min(found)
    return f"{name!r} read from the URL query at {path}:{_line(code, at) if at >= 0 else '?'}"


def path_params(route: str) -> frozenset[str]:
    """The parameter names of a route path, as ``{name}`` or as Flask's and Django's ``<converter:name>``."""
    return frozenset(m.group(1) or m.group(2) for m in re.finditer(r"\{([A-Za-z_]\w*)\}|<(?:\w+:)?([A-Za-z_]\w*)>",
                                                                     route))


__all__ = ["URL_CREDENTIALS", "js_handler", "path_params", "python_handler", "query_read"]
