"""FastAPI's router tree: the prefixes ``include_router`` mounts a module's routes under, across files.

A route's decorator names its own router's prefix (``APIRouter(prefix="/items")``, read by ``code_routes``); the
application mounts routers into one another in other files, each mount adding a prefix:
``app.include_router(api_router, prefix=settings.API_V1_STR)`` in ``main.py``, ``api_router.include_router(
items.router)`` in ``api/main.py``, and the including router's own prefix too (``router = APIRouter(prefix="/api")``
in a package's ``__init__.py``, or a subclass's ``AdminAPIRouter(prefix="/admin")``: FastAPI puts a router's prefix
before every route it includes). A prefix is a string literal, a module-level name assigned one (``prefix =
"/recipes"``), or a settings attribute whose class states it by default (``API_V1_STR: str = "/api/v1"`` in a
``BaseSettings`` class). A module is found by an absolute import or a relative one (``from . import auth`` in
``routes/__init__.py``: ``routes/auth``). A router mounted only inside an ``if`` that
compares something with a development word (``if settings.ENVIRONMENT == "local":``) serves only in development: its
routes are left out, as the routes ASP.NET Core maps only under ``IsDevelopment()`` are. A router no file mounts keeps
its own prefix alone. A handler taking FastAPI's ``OAuth2PasswordRequestForm`` (a user name and a password, the
OAuth2 password grant) is a login.

And the server that serves them: uvicorn, started by the code (``uvicorn.run``, ``uvicorn.Server(uvicorn.Config(...))``)
on an address a published port reaches, listens on plain HTTP unless it is given ``ssl_certfile`` and ``ssl_keyfile``
(``plain_listener``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from engine.errors import Location
from engine.importers import code_text, code_trees

_DEVELOPMENT = frozenset({"development", "dev", "local", "test", "testing"})
Router = tuple[str, str]  # (file, variable)


def _module_of(path: str) -> list[str]:
    parts = path.removesuffix(".py").replace("\\", "/").split("/")
    return parts[:-1] if parts[-1] == "__init__" else parts


def _settings(trees: Sequence[tuple[str, ast.Module]]) -> dict[str, str]:
    """Class-level string defaults of settings classes (``API_V1_STR: str = "/api/v1"``)."""
    out: dict[str, str] = {}
    for _f, tree in trees:
        for cls in code_trees.nodes(tree, ast.ClassDef):
            if not any(_name(b).endswith("Settings") for b in cls.bases):
                continue
            for st in cls.body:
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and \
                        isinstance(st.value, ast.Constant) and isinstance(st.value.value, str):
                    out.setdefault(st.target.id, st.value.value)
    return out


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _development(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Compare) and any(isinstance(c, ast.Eq) for c in n.ops) and any(
        isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value.lower() in _DEVELOPMENT
        for v in [n.left, *n.comparators]) for n in ast.walk(test))


def _calls(body: Sequence[ast.stmt], dev: bool = False) -> Iterator[tuple[ast.Call, bool]]:
    """The module-level ``include_router`` calls, each with whether only a development branch makes it."""
    for st in body:
        if isinstance(st, ast.If):
            yield from _calls(st.body, dev or _development(st.test))
            yield from _calls(st.orelse, dev)
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and \
                isinstance(st.value.func, ast.Attribute) and st.value.func.attr == "include_router":
            yield st.value, dev


def _constants(body: Sequence[ast.stmt]) -> dict[str, str]:
    """A module's top-level names assigned a string literal once (``prefix = "/recipes"``); a name assigned twice is
    left out, its value depending on which assignment ran last."""
    seen: dict[str, list[str | None]] = {}
    for st in body:
        if isinstance(st, ast.Assign):
            for target in st.targets:
                if isinstance(target, ast.Name):
                    literal = st.value.value if isinstance(st.value, ast.Constant) and \
                        isinstance(st.value.value, str) else None
                    seen.setdefault(target.id, []).append(literal)
    return {name: values[0] for name, values in seen.items() if len(values) == 1 and values[0] is not None}


class _Tree:
    """The files' routers and the mounts between them."""

    def __init__(self, trees: Sequence[tuple[str, ast.Module]]) -> None:
        self.modules = {tuple(_module_of(f)): f for f, _t in trees}
        self.settings = _settings(trees)
        self.parents: dict[Router, tuple[Router, str, bool]] = {}
        self.own: dict[Router, str] = {}
        for f, tree in trees:
            imported = self._imports(f, tree)
            names = _constants(tree.body)
            for st in tree.body:
                if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) and \
                        isinstance(st.value, ast.Call):
                    own = self._prefix(st.value, names)
                    if own:
                        self.own[(f, st.targets[0].id)] = own
            for call, dev in _calls(tree.body):
                child = self._router(f, call.args[0], imported) if call.args else None
                prefix = self._prefix(call, names)
                if child is None or prefix is None or not isinstance(call.func, ast.Attribute):
                    continue
                self.parents.setdefault(child, ((f, _name(call.func.value)), prefix, dev))

    def _imports(self, f: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
        """Local name -> (file, variable or None for a module) of what a file imports from the others."""
        out: dict[str, tuple[str, str | None]] = {}
        here = _module_of(f) if f.replace("\\", "/").endswith("/__init__.py") else _module_of(f)[:-1]
        for node in (n for n in tree.body if isinstance(n, ast.ImportFrom) and (n.module or n.level)):
            base = str(node.module).split(".") if node.module else []
            if node.level:  # relative: from the file's own package, one package up per dot after the first
                up = here[:len(here) - (node.level - 1)] if node.level - 1 <= len(here) else []
                base = [*up, *base]
            if not base:
                continue
            for alias in node.names:
                as_module = self._file([*base, alias.name])
                if as_module:
                    out[alias.asname or alias.name] = (as_module, None)
                elif self._file(base):
                    out[alias.asname or alias.name] = (str(self._file(base)), alias.name)
        return out

    def _file(self, dotted: Sequence[str]) -> str | None:
        """The file of a dotted module name, matched by its last parts (the tree's root is not the package's)."""
        want = tuple(dotted)
        return next((f for parts, f in sorted(self.modules.items()) if parts[-len(want):] == want), None)

    def _router(self, f: str, node: ast.expr, imported: dict[str, tuple[str, str | None]]) -> Router | None:
        if isinstance(node, ast.Name):
            where = imported.get(node.id)
            return (where[0], where[1]) if where and where[1] else (f, node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            where = imported.get(node.value.id)
            return (where[0], node.attr) if where and where[1] is None else None
        return None

    def _prefix(self, call: ast.Call, names: dict[str, str]) -> str | None:
        kw = next((k.value for k in call.keywords if k.arg == "prefix"), None)
        if kw is None:
            return ""
        if isinstance(kw, ast.Constant) and isinstance(kw.value, str):
            return kw.value
        if isinstance(kw, ast.Name) and kw.id in names:
            return names[kw.id]
        return self.settings.get(_name(kw)) if isinstance(kw, (ast.Name, ast.Attribute)) else None

    def mount(self, router: Router) -> tuple[str, str | None] | None:
        """The prefix the router is mounted under and, when only a development branch mounts it, where; None when
        no file mounts it."""
        if router not in self.parents:
            return None
        prefix, dev, seen = "", None, {router}
        while router in self.parents:
            parent, given, only_dev = self.parents[router]
            prefix = self.own.get(parent, "").rstrip("/") + given.rstrip("/") + prefix
            dev = dev or (f"{router[1]} is mounted only in development ({parent[0]})" if only_dev else None)
            if parent in seen:
                break
            seen.add(parent)
            router = parent
        return prefix, dev


def mounted(texts: Sequence[tuple[str, str]], routes: Sequence[Any], remarks: list[tuple[Location, str]],
            join: Callable[[str, str], str]) -> list[Any]:
    """``routes`` (``code_routes.Route``, which imports this module) with each FastAPI route under the prefixes its
    router is mounted at (``join``: a prefix and a path joined as routers do), a development-only router's routes left
    out (said in ``remarks``), and a handler taking ``OAuth2PasswordRequestForm`` a login."""
    if not any(r.framework == "FastAPI route" for r in routes):
        return list(routes)
    trees: list[tuple[str, ast.Module]] = []
    for f, t in texts:
        if f.endswith(".py"):
            try:
                trees.append((f, code_trees.parse(t, f)))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
    tree = _Tree(trees)
    owners, logins = _handlers(trees)
    out: list[Any] = []
    for given in routes:
        if given.framework != "FastAPI route":
            out.append(given)
            continue
        r = replace(given, login="its handler takes an OAuth2PasswordRequestForm (a user name and a password)") \
            if (given.at.file, given.at.line) in logins and given.method == "POST" and not given.login else given
        owner = owners.get((r.at.file, r.at.line))
        mount = tree.mount((r.at.file, owner)) if owner else None
        if mount is None:
            out.append(r)
        elif mount[1]:
            remarks.append((r.at, f"{r.method} {r.path}: {mount[1]}: not served"))
        else:
            out.append(replace(r, path=join(mount[0], r.path)))
    return out


def _handlers(trees: Sequence[tuple[str, ast.Module]]) -> tuple[dict[tuple[str, int], str], set[tuple[str, int]]]:
    """(file, decorator line) -> the router variable a route decorator belongs to; and the decorators whose handler
    takes an ``OAuth2PasswordRequestForm``."""
    owners: dict[tuple[str, int], str] = {}
    logins: set[tuple[str, int]] = set()
    for f, tree in trees:
        for fn in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
            takes = any("OAuth2PasswordRequestForm" in ast.unparse(a.annotation)
                        for a in [*fn.args.args, *fn.args.kwonlyargs] if a.annotation is not None)
            for dec in fn.decorator_list:
                if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and \
                        isinstance(dec.func.value, ast.Name):
                    owners[(f, dec.lineno)] = dec.func.value.id
                    if takes:
                        logins.add((f, dec.lineno))
    return owners, logins


_UVICORN_TLS = re.compile(r"\bssl_(?:certfile|keyfile)\b|--ssl-(?:certfile|keyfile)\b")
"""What gives uvicorn TLS: its ``ssl_certfile``/``ssl_keyfile`` settings (``uvicorn.run``, ``uvicorn.Config``), or
the command-line options ``--ssl-certfile``/``--ssl-keyfile``, wherever the service's code or image names them."""
_UVICORN_STARTS = frozenset({"run", "Config"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _uvicorn_names(tree: ast.Module) -> frozenset[str]:
    """The local names a module binds to ``uvicorn.run`` or ``uvicorn.Config`` (``from uvicorn import run``)."""
    return frozenset(a.asname or a.name for n in code_trees.nodes(tree, ast.ImportFrom) if n.module == "uvicorn"
                     for a in n.names if a.name in _UVICORN_STARTS)


def _starts_uvicorn(call: ast.Call, names: frozenset[str]) -> bool:
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr in _UVICORN_STARTS and isinstance(f.value, ast.Name)
            and f.value.id == "uvicorn") or (isinstance(f, ast.Name) and f.id in names)


def _served(call: ast.Call) -> bool:
    """Whether a ``uvicorn.run``/``uvicorn.Config`` call serves TCP on an address a published port reaches, as a
    production server: a ``host`` other than a loopback literal (uvicorn's default host is 127.0.0.1), no UNIX
    socket or inherited descriptor (``uds``, ``fd``), no ``reload=True`` (the development auto-reloader) and no
    ``**`` spread that could carry ``ssl_*`` settings."""
    given = {k.arg: k.value for k in call.keywords}
    host, reload = given.get("host"), given.get("reload")
    return (None not in given and "uds" not in given and "fd" not in given and host is not None
            and not (isinstance(host, ast.Constant) and host.value in _LOOPBACK)
            and not (isinstance(reload, ast.Constant) and reload.value is True))


def _names_tls(texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]]) -> bool:
    """Whether the service's code (comments blanked) or its other files (``#`` comment lines left out) name uvicorn's
    TLS settings."""
    return any(_UVICORN_TLS.search(code_text.blank_python_comments(t)) for _f, t in texts if "ssl" in t) or any(
        _UVICORN_TLS.search(line) for _f, t in others for line in t.splitlines() if not line.lstrip().startswith("#"))


def plain_listener(texts: Sequence[tuple[str, str]], others: Sequence[tuple[str, str]] = ()
                   ) -> tuple[str, Location] | None:
    """Why, and where, a Python service listens on plain HTTP: its code (``texts``) starts uvicorn
    (``uvicorn.run(app, host=...)`` or a ``uvicorn.Config`` given to ``uvicorn.Server``) as a production server on a
    non-loopback host (``_served``), and neither its code nor the other files read with it (``others``: its image's
    Dockerfile) name uvicorn's TLS settings (``_UVICORN_TLS``): uvicorn serves HTTPS only when given a certificate
    and key. The first such call in file order; None otherwise."""
    for f, t in sorted(texts):
        if not f.endswith(".py") or "uvicorn" not in t:
            continue
        try:
            tree = code_trees.parse(t, f)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        names = _uvicorn_names(tree)
        calls = sorted((c for c in code_trees.nodes(tree, ast.Call) if _starts_uvicorn(c, names) and _served(c)),
                       key=lambda c: (c.lineno, c.col_offset))
        if calls:
            if _names_tls(texts, others):
                return None
            at = Location(f, calls[0].lineno, calls[0].col_offset + 1)
            return (f"its code starts uvicorn ({ast.unparse(calls[0].func)} at {f}:{at.line}) on a non-loopback "
                    "host with no ssl_certfile or ssl_keyfile, so it listens on plain HTTP", at)
    return None


__all__ = ["mounted", "plain_listener"]
