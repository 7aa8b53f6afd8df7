"""Outbound HTTP calls read from a service's source code, and the timeouts they pass (``archplan import source``).

A deployment names where a service's calls go (``BALANCES_API_ADDR: balancereader:8080``); only the code says
how long the service waits for them. This module reads, with ``ast``, the Python calls of ``requests`` and
``httpx`` (``requests.get(...)``, ``requests.request("GET", url)``, ``from requests import get``, a
``requests.Session()`` / ``httpx.Client()`` the code assigns and calls) and, for each, resolves:

- its URL to the environment variable that gives its host: ``X = os.getenv("VAR", default)``,
  ``os.environ.get`` / ``os.environ[...]``, ``app.config[K] = 'http://{}/x'.format(os.environ.get("VAR"))``,
  f-strings, ``+`` and ``str.format`` over those names (in the module, or in the functions around the call);
  a call made through a request object of the code's own (``ApiRequest(url=..., timeout=...)`` whose ``url``
  and ``timeout`` attributes a client call passes on) is read where the object is built;
- its ``timeout=``: a literal, or a name resolved the same way (``int(os.getenv("BACKEND_TIMEOUT", "4"))`` is
  4 s with the variable noted; ``* 2`` is followed), in the library's unit (seconds for both). No ``timeout``
  is none for ``requests`` (it waits forever) and httpx's default of 5 s.

A client class of one server's API built with that server's URL (``TikaClient(tika_url=..., timeout=...)``,
``GotenbergClient(host=...)``: ``_SERVICE_CLIENTS``, with the library's default when none is passed) is a call to that
URL. In a file that imports Django's ``settings`` object, ``settings.NAME`` is read from the service's settings
modules (``settings_of``), and a project's own environment helper (``get_int_from_env("X", 1800)``) or
django-environ's ``env.int`` is a read of the variable with its default. A Django SMTP ``EmailBackend`` the code
builds, and each send through Django's default connection, is a call to the SMTP server with the ``timeout`` it passes
(else ``EMAIL_TIMEOUT``, Django's default None): ``_mail_calls``, joined with the interaction the deployment drew from
a variable holding an ``smtp://`` URL.

In JavaScript, ``request(...)`` and ``axios`` calls (``require``d or imported) are read the same way, by their
text: ``const host = process.env.X || 'default'`` names, ``+`` and template literals, and a numeric ``timeout:``
option in milliseconds (none when left out: neither library has a default). A URL the code writes out itself, in a
constant of the file or of a module of the service it ``require``s (``ordersUrl: util.format("http://orders%s",
domain)`` in ``endpoints.js``), is read too: its host is the workload it calls.

A Python call whose URL the code writes out to a public host (``requests.get("https://api.github.com/repos/x")``,
through local names and constants too; not a name reserved for examples) is a call to an external named after that
host. Which of the processes handed the same package makes such a call is read (``code_routes._own_calls``): not
one that only loads the module through request handlers another process serves (``reached``, over the import graph
``python_modules``), nor one whose command does not run the script holding it (a Django management command, a script
a Dockerfile ``RUN`` runs while the image is built: ``unrun_scripts``), nor, for a call made only inside RQ jobs
(``@job("q")``, ``Queue("q").enqueue(f)``, an rq-scheduler's periodic ``func``, followed through the functions only
they call: ``rq_jobs``), a process the deployment does not give one of their queues to (``rq worker q``, a
``QUEUES`` variable: ``consumed_queues``) when it gives them to another. Any other call whose URL resolves to no
variable adds nothing (unknown stays unknown). ``links`` joins the
calls with the deployment's documents (compose, Kubernetes), whose ``environment`` says which variables each
workload sets:

- the interaction the deployment drew from the URL's variable (its ``inferred_from`` names the variable) gets
  the call's timeout, unless the deployment states one; a timeout variable the deployment sets
  (``BACKEND_TIMEOUT: "10"``) overrides the code's default, read in the library's unit;
- when the deployment does not set the URL's variable, the code's default applies: a public host in it is an
  external named after the variable (``PAYMENT_GATEWAY`` -> ``payment-gateway``; the host in its
  description), a default that names a workload of the deployment (``USER_HOST`` -> ``user``) is a call to it;
  either is a synchronous call, its protocol from the scheme.

Calls to one target are one interaction: its timeout is none when any call passes none, else the longest.
Every value keeps the call's file:line and a note saying what it was read from.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.base import Body, host_exposure, safe_name
from engine.importers.code_text import inside, split_args
from engine.model.kinds import SECTION_KIND, identity
from engine.source import Document

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_LIBS = {"requests": None, "httpx": 5.0}
"""HTTP client modules read, and the timeout in seconds each applies when the call passes none."""
_SERVICE_CLIENTS = {("tika_client", "TikaClient"): ("tika_url", 30.0),
                    ("tika_client", "AsyncTikaClient"): ("tika_url", 30.0),
                    ("gotenberg_client", "GotenbergClient"): ("host", 30.0),
                    ("gotenberg_client", "AsyncGotenbergClient"): ("host", 30.0)}
"""Client classes of one server's API, built with its URL (the keyword, or the first argument), whose every call goes
to that URL: (module, class) -> (the URL keyword, the timeout in seconds when the constructor passes none). Both
are httpx clients given ``timeout`` (keyword-only), 30.0 by default (tika-client 0.11 ``TikaClient.__init__``,
gotenberg-client 0.14 ``BaseGotenbergClient.__init__``; unchanged in their 1.0)."""
_ENV_HELPERS = re.compile(r"(?:\w+\.)?(?:get_(?:int|float|str)_from_env|env\.(?:int|float|str))")
"""Reads of a variable of the environment converted to a number or a string, given the name and the default:
a project's own helper (``get_int_from_env("WORKER_TIMEOUT", 1800)``) or django-environ's ``env.int(name,
default=...)``."""
_SESSIONS = {"Session", "session", "Client", "AsyncClient"}
_SCHEMES = {"http": "http", "https": "http", "ws": "websocket", "wss": "websocket", "grpc": "grpc"}
_TLS = {"http": False, "https": True, "ws": False, "wss": True}
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Ref:
    """An environment variable the code reads, and the default it falls back to (None: no default)."""

    var: str
    default: str | None
    fixed: bool = False
    """The code writes the URL itself (``default``), in a constant of its own: no variable sets it."""
    literal: bool = False
    """A URL to a public host written out in the Python code, named by nothing (``requests.get(
    "https://api.github.com/repos/...")``, or through a local name or constant): ``var`` is that host."""
    stored: bool = False
    """A URL read from an attribute of a stored record (``$this->message->webhook->url``: ``code_php_calls``): ``var``
    names the external its hosts are, after the record (``webhooks``); ``default`` is the expression read."""


Part = str | Ref | None
"""A piece of a resolved string: literal text, an environment variable, or unknown."""


@dataclass(frozen=True)
class Timeout:
    """The timeout a call passes, in seconds (None: none, the client waits forever)."""

    seconds: float | None
    var: str | None = None
    """The environment variable the value comes from (its code default is ``seconds / factor``)."""
    factor: float = 1.0
    said: str = ""
    defined: str = ""
    """Where the code reads the variable (``frontend.py:677``)."""


@dataclass(frozen=True)
class Call:
    """One outbound call: where, by which client, to the host of which variable, and its timeout."""

    at: Location
    client: str
    url: Ref
    scheme: str | None
    timeout: Timeout
    unverified: str | None = None
    """The option that has the client accept any certificate (``verify=False``, ``rejectUnauthorized: false``)."""

    def how(self) -> str:
        """``requests.get at payment.py:84``."""
        return f"{self.client} at {self.at.file}:{self.at.line}"


# --------------------------------------------------------------------------------------
# Reading the calls of a file
# --------------------------------------------------------------------------------------


class _Scopes:
    """The names a file assigns: per function (and the module), and the keyed stores (``app.config['X']``)."""

    def __init__(self, tree: ast.Module, path: str = "") -> None:
        self.path = path
        self.parents = code_trees.parents(tree)
        self.names: dict[ast.AST, dict[str, ast.expr | None]] = {}
        self.keyed: dict[str, ast.expr | None] = {}
        for node in code_trees.nodes(tree, ast.Module, ast.FunctionDef, ast.AsyncFunctionDef):
            self.names[node] = self._assigns(node)

    def _assigns(self, scope: ast.AST) -> dict[str, ast.expr | None]:
        out: dict[str, ast.expr | None] = {}
        for node in _own_nodes(scope):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    key = t.id if isinstance(t, ast.Name) else None
                    into = out
                    if key is None:
                        key, into = _store_key(t), self.keyed
                    if key is not None:  # assigned twice: which value a call sees is unknown
                        into[key] = node.value if key not in into else None
        return out

    def lookup(self, node: ast.expr, at: ast.AST) -> ast.expr | None:
        """The value a name or keyed store has at ``at`` (innermost function first, then the module)."""
        if isinstance(node, ast.Name):
            scope: ast.AST | None = at
            while scope is not None:
                if scope in self.names and node.id in self.names[scope]:
                    return self.names[scope][node.id]
                scope = self.parents.get(scope)
            return None
        key = _store_key(node)
        return self.keyed.get(key) if key else None

    def path_of(self, _node: ast.AST | None) -> str:
        """The file a node read through these scopes is in."""
        return self.path

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        scope = self.parents.get(node)
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope = self.parents.get(scope)
        return scope


_scopes = code_trees.kept(code_trees.MAX_TREES)(_Scopes)
"""A file's ``_Scopes``, worked out once an import whatever the services that read the file (read only)."""


Settings = Mapping[str, tuple[ast.expr | None, _Scopes]]
"""Django's settings a service's code reads as ``settings.NAME``: each top-level name of its settings modules, to
the value assigned (None: assigned more than once, or by two modules: unknown) and the scopes of its module."""


def settings_of(files: Sequence[tuple[str, str]]) -> dict[str, tuple[ast.expr | None, _Scopes]]:
    """The top-level names the service's settings modules (``settings.py``, ``settings/__init__.py``) assign, with
    those of the modules they star-import (``from .base import *``: the imported module's names first, the
    importing module's own assignments over them); two modules star-imported in different arms of one ``try``
    (``try: from .dev import *`` / ``except: from .prod import *``: which one runs depends on the installation) that
    both assign a name leave it unknown, as do two settings modules apart."""
    texts = dict(files)
    out: dict[str, tuple[ast.expr | None, _Scopes]] = {}
    for path, _text in files:
        if not (path == "settings.py" or path.endswith(("/settings.py", "/settings/__init__.py"))):
            continue
        found: dict[str, tuple[ast.expr | None, _Scopes, tuple[int, int] | None]] = {}
        for module, arm in _star_chain(path, texts, set()):
            tree = _parsed_tree(module, texts[module])
            if tree is None:
                continue
            scopes = _scopes(tree, module)
            for name, value in scopes.names[tree].items():
                before = found.get(name)
                rival = before is not None and before[2] is not None and arm is not None and \
                    before[2][0] == arm[0] and before[2][1] != arm[1]
                found[name] = (None if rival else value, scopes, arm)
        for name, (value, scopes, _arm) in found.items():
            out[name] = (None if name in out else value, scopes)
    return out


def _parsed_tree(path: str, text: str) -> ast.Module | None:
    try:
        return code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _star_chain(path: str, texts: Mapping[str, str], seen: set[str],
                arm: tuple[int, int] | None = None) -> list[tuple[str, tuple[int, int] | None]]:
    """A settings module and the modules of the service it star-imports, the imported first, each with the arm of a
    ``try`` it is star-imported in (the ``try``'s position and the arm's index), or None."""
    if path in seen:
        return []
    seen.add(path)
    tree = _parsed_tree(path, texts[path])
    if tree is None:
        return [(path, arm)]
    out: list[tuple[str, tuple[int, int] | None]] = []
    for node in tree.body:
        arms = [node.body, *(h.body for h in node.handlers)] if isinstance(node, ast.Try) else [[node]]
        for index, body in enumerate(arms):
            for st in body:
                found = _star_module(path, st, texts) if isinstance(st, ast.ImportFrom) else None
                if found is not None:
                    key = (node.lineno, index) if isinstance(node, ast.Try) else arm
                    out.extend(_star_chain(found, texts, seen, key))
    out.append((path, arm))
    return out


def _star_module(path: str, node: ast.ImportFrom, texts: Mapping[str, str]) -> str | None:
    """The file of the service's module a ``from m import *`` of file ``path`` names (relative, or by its dotted
    name's last parts), or None."""
    if not any(a.name == "*" for a in node.names):
        return None
    dotted = (node.module or "").split(".") if node.module else []
    if node.level:
        package = os.path.dirname(path).replace(os.sep, "/").split("/")
        base = package[:len(package) - node.level + 1] if node.level > 1 else package
        stem = "/".join([*base, *dotted])
        candidates = [f"{stem}.py", f"{stem}/__init__.py"]
        return next((c.lstrip("/") for c in candidates if c.lstrip("/") in texts), None)
    suffixes = ("/" + "/".join(dotted) + ".py", "/" + "/".join(dotted) + "/__init__.py")
    found = sorted(f for f in texts if ("/" + f).endswith(suffixes))
    return found[0] if len(found) == 1 else None


class _WithSettings:
    """A file's scopes, where ``settings.NAME`` (``from django.conf import settings``) is read from the settings
    modules, and the names in a setting's value from its own module."""

    def __init__(self, own: _Scopes, settings: Settings) -> None:
        self.own, self.settings, self.path = own, settings, own.path

    def lookup(self, node: ast.expr, at: ast.AST) -> ast.expr | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
            return self.settings.get(node.attr, (None, self.own))[0]
        if node not in self.own.parents:
            for _value, scopes in self.settings.values():
                if node in scopes.parents:
                    return scopes.lookup(node, at)
        return self.own.lookup(node, at)

    def path_of(self, node: ast.AST | None) -> str:
        """The file of a node: a settings module's, or this file's."""
        return next((scopes.path for _value, scopes in self.settings.values() if node in scopes.parents), self.path)


_Lookup = _Scopes | _WithSettings
"""How a file's names are read: its own scopes, or with Django's settings."""


def _reads_settings(tree: ast.Module) -> bool:
    """The file imports Django's settings object as ``settings``."""
    return any(imp.module == "django.conf" and any(a.name == "settings" and a.asname is None for a in imp.names)
               for imp in code_trees.nodes(tree, ast.ImportFrom) if isinstance(imp, ast.ImportFrom))


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope's body, not those of the functions and classes it defines."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def _store_key(node: ast.expr) -> str | None:
    """``app.config['X']`` -> ``app.config['X']`` (a subscript by a literal key, or an attribute of a name)."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return f"{ast.unparse(node.value)}[{node.slice.value!r}]"
    return None


def _is_env_call(node: ast.Call) -> bool:
    func = ast.unparse(node.func)
    return func in ("os.getenv", "os.environ.get", "getenv", "environ.get") or _ENV_HELPERS.fullmatch(func) is not None


def resolve(node: ast.expr | None, scopes: _Lookup, depth: int = 0) -> list[Part]:
    """A string expression as literal pieces and environment variables (``[None]`` where unknown)."""
    if node is None or depth > _MAX_DEPTH:
        return [None]
    if isinstance(node, ast.Constant):
        return [str(node.value)] if isinstance(node.value, (str, int)) and not isinstance(node.value, bool) else [None]
    if isinstance(node, ast.Call) and _is_env_call(node) and node.args:
        var = node.args[0]
        default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords
                                                                if k.arg == "default"), None)
        if isinstance(var, ast.Constant) and isinstance(var.value, str):
            text = default.value if isinstance(default, ast.Constant) and isinstance(default.value, (str, int)) \
                else _text(resolve(default, scopes, depth + 1)) if isinstance(default, ast.Name | ast.Attribute) \
                else None
            return [Ref(var.value, None if text is None else str(text))]
        return [None]
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ") and \
            isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return [Ref(node.slice.value, None)]
    if isinstance(node, (ast.Name, ast.Subscript, ast.Attribute)):
        return resolve(scopes.lookup(node, node), scopes, depth + 1)
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values for p in (resolve(v.value, scopes, depth + 1)
                                                 if isinstance(v, ast.FormattedValue) else resolve(v, scopes, depth))]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*resolve(node.left, scopes, depth + 1), *resolve(node.right, scopes, depth + 1)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str" and len(node.args) == 1:
        return resolve(node.args[0], scopes, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" and \
            isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        return _format(node.func.value.value, node, scopes, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" and \
            isinstance(node.func.value, ast.Name | ast.Attribute):
        return _named_template(resolve(node.func.value, scopes, depth + 1), node, scopes, depth)
    return [None]


def _text(parts: Sequence[Part]) -> str | None:
    """The text of pieces that are all literal, else None."""
    return "".join(p for p in parts if isinstance(p, str)) if parts and all(isinstance(p, str) for p in parts) \
        else None


def _named_template(template: Sequence[Part], call: ast.Call, scopes: _Lookup, depth: int) -> list[Part]:
    """``TEMPLATE.format(...)`` of a template held in a name or a setting: the template's own text formatted, when
    the code writes it out; when it is an environment variable's value (``os.getenv("X_URL", DEFAULT)``), that
    variable, whose value (or the code's default) gives the host: the fields filled in come after it."""
    text = _text(template)
    if text is not None:
        return _format(text, call, scopes, depth)
    if len(template) == 1 and isinstance(template[0], Ref):
        return [template[0]]
    return [None]


def _format(template: str, call: ast.Call, scopes: _Lookup, depth: int) -> list[Part]:
    """``'http://{}/x'.format(a)`` / ``'{user}'.format(user=U)`` as pieces."""
    named = {k.arg: k.value for k in call.keywords if k.arg}
    out: list[Part] = []
    auto = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return [None]
    for literal, name, _spec, _conv in fields:
        if literal:
            out.append(literal)
        if name is None:
            continue
        if name == "":
            arg = call.args[auto] if auto < len(call.args) else None
            auto += 1
        elif name.isdigit():
            arg = call.args[int(name)] if int(name) < len(call.args) else None
        else:
            arg = named.get(name)
        out.extend(resolve(arg, scopes, depth + 1))
    return out


def timeout_of(node: ast.expr | None, scopes: _Lookup, default: float | None, depth: int = 0) -> Timeout | None:
    """The seconds a ``timeout=`` value gives (None: it cannot be told); ``default`` when none is passed."""
    if node is None:
        return Timeout(default, said="none passed")
    if depth > _MAX_DEPTH:
        return None
    said = ast.unparse(node)
    if isinstance(node, ast.Constant):
        if node.value is None:
            return Timeout(None, said="timeout=None")
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return Timeout(float(node.value), said=said)
        return None
    if isinstance(node, (ast.Name, ast.Subscript, ast.Attribute)) and scopes.lookup(node, node) is not None:
        value = scopes.lookup(node, node)
        t = timeout_of(value, scopes, default, depth + 1)
        defined = (t.defined or f"{scopes.path_of(value)}:{getattr(value, 'lineno', 0)}") if t is not None and t.var \
            else ""
        return None if t is None else Timeout(t.seconds, t.var, t.factor, said, defined)
    if isinstance(node, ast.Tuple) and node.elts:  # (connect, read): the read timeout bounds each wait
        return timeout_of(node.elts[-1], scopes, default, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "float") and \
            len(node.args) == 1:
        return timeout_of(node.args[0], scopes, default, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        for inner, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, ast.Constant) and isinstance(other.value, (int, float)) and other.value and \
                    not (isinstance(node.op, ast.Div) and inner is node.right):
                t = timeout_of(inner, scopes, default, depth + 1)
                f = float(other.value) if isinstance(node.op, ast.Mult) else 1 / float(other.value)
                if t is None or t.seconds is None:
                    return None
                return Timeout(t.seconds * f, t.var, t.factor * f, said, t.defined)
        return None
    parts = resolve(node, scopes, depth + 1)
    if len(parts) == 1 and isinstance(parts[0], Ref):
        seconds = _number(parts[0].default)
        return None if seconds is None else Timeout(seconds, parts[0].var, 1.0, said)
    if len(parts) == 1 and isinstance(parts[0], str):
        seconds = _number(parts[0])
        return None if seconds is None else Timeout(seconds, said=said)
    return None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def url_of(parts: Sequence[Part]) -> tuple[Ref, str | None] | None:
    """The variable that gives a URL's host (the first one, after nothing or a ``scheme://``), and the scheme."""
    literal = ""
    for p in parts:
        if isinstance(p, Ref):
            if literal == "":
                scheme = urlsplit(p.default).scheme if p.default and "://" in p.default else None
                return p, scheme or None
            m = re.fullmatch(r"([a-z][a-z0-9+.-]*)://", literal)
            return (p, m.group(1)) if m else None
        if p is None:
            return None
        literal += p
    return None


@dataclass
class _Clients:
    """What names a file's HTTP clients go by: modules, imported functions, sessions."""

    modules: dict[str, str]
    functions: dict[str, str]
    sessions: dict[str, tuple[str, ast.expr | None]]
    """Session name or key -> (library, the timeout its constructor passes)."""

    def client(self, func: ast.expr) -> tuple[str, str, ast.expr | None, bool] | None:
        """(library, verb, session timeout, is a session) of a call's function, when it is an HTTP client's."""
        if isinstance(func, ast.Name) and func.id in self.functions:
            lib, _dot, verb = self.functions[func.id].partition(".")
            return lib, verb, None, False
        if not isinstance(func, ast.Attribute) or func.attr not in _VERBS:
            return None
        owner = ast.unparse(func.value)
        if owner in self.modules:
            return self.modules[owner], func.attr, None, False
        if owner in self.sessions:
            lib, timeout = self.sessions[owner]
            return lib, func.attr, timeout, True
        return None


def _clients(tree: ast.Module) -> _Clients:
    modules: dict[str, str] = {}
    functions: dict[str, str] = {}
    sessions: dict[str, tuple[str, ast.expr | None]] = {}
    for imp in code_trees.nodes(tree, ast.Import, ast.ImportFrom):
        if isinstance(imp, ast.Import):
            modules.update({a.asname or a.name: a.name for a in imp.names if a.name in _LIBS})
        elif isinstance(imp, ast.ImportFrom) and imp.module in _LIBS:
            functions.update({a.asname or a.name: f"{imp.module}.{a.name}" for a in imp.names if a.name in _VERBS})
            modules.update({a.asname or a.name: imp.module for a in imp.names if a.name in _SESSIONS})
    for node in code_trees.nodes(tree, ast.Assign, ast.With, ast.AsyncWith):
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.targets[0], node.value))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pairs.extend((i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None)
        for target, value in pairs:
            if isinstance(value, ast.Call):
                name = ast.unparse(value.func)
                lib, _dot, ctor = name.rpartition(".")
                lib = modules.get(lib, "") if lib else modules.get(name, "")
                if lib in _LIBS and (ctor in _SESSIONS or name in modules):
                    sessions[ast.unparse(target)] = (lib, next((k.value for k in value.keywords
                                                                if k.arg == "timeout"), None))
    return _Clients(modules, functions, sessions)


@dataclass(frozen=True)
class _Raw:
    """A client call as written: its URL and timeout expressions, to be resolved where they are known."""

    node: ast.Call
    client: str
    url: ast.expr | None
    timeout: ast.expr | None
    default: float | None


def _raw_calls(tree: ast.Module) -> list[_Raw]:
    clients = _clients(tree)
    out: list[_Raw] = []
    classes = {a.asname or a.name: (imp.module, a.name) for imp in code_trees.nodes(tree, ast.ImportFrom)
               if isinstance(imp, ast.ImportFrom) and imp.module in {m for m, _c in _SERVICE_CLIENTS}
               for a in imp.names if (imp.module, a.name) in _SERVICE_CLIENTS}
    for node in code_trees.nodes(tree, ast.Call) if classes else ():
        if isinstance(node.func, ast.Name) and node.func.id in classes:
            module, klass = classes[node.func.id]
            url_keyword, default = _SERVICE_CLIENTS[(module, klass)]
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            out.append(_Raw(node, f"{module}.{klass}", kw.get(url_keyword, node.args[0] if node.args else None),
                            kw.get("timeout"), default))
    for node in code_trees.nodes(tree, ast.Call):
        found = clients.client(node.func)
        if found is None:
            continue
        lib, verb, session_timeout, _session = found
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        position = 1 if verb == "request" else 0
        url = kw.get("url", node.args[position] if len(node.args) > position else None)
        timeout = kw.get("timeout", session_timeout)
        out.append(_Raw(node, f"{lib}.{verb}", url, timeout, _LIBS[lib]))
    return out


def python_calls(path: str, text: str, wrappers: Mapping[str, tuple[list[str], dict[str, str]]] | None = None,
                 settings: Settings | None = None) -> list[Call]:
    """The outbound calls of one Python file whose URL resolves to an environment variable; ``wrappers``:
    classes of the service whose objects a client call reads its URL and timeout from (``wrappers_of``);
    ``settings``: the Django settings the file reads as ``settings.NAME`` (``settings_of``).
    A file that does not parse adds nothing (the route reader says why)."""
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    scopes: _Lookup = _scopes(tree, path)
    if settings and _reads_settings(tree):
        scopes = _WithSettings(_scopes(tree, path), settings)
    out: list[Call] = []
    for raw in _raw_calls(tree):
        call = _call(path, raw.node, raw.client, raw.url, raw.timeout, raw.default, scopes)
        if call is not None:
            out.append(call)
    wrappers = wrappers or {}
    for node in code_trees.nodes(tree, ast.Call) if wrappers else ():
        name = node.func.id if isinstance(node.func, ast.Name) else \
            node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in wrappers:
            params, spec = wrappers[name]
            bound = _bind(params, node)
            call = _call(path, node, f"{spec['client']} through {name} ({spec['at']})", bound.get(spec["url"]),
                         bound.get(spec["timeout"]) if spec["timeout"] else None,
                         _LIBS[spec["client"].split(".")[0]], scopes)
            if call is not None:
                out.append(call)
    return out


def _call(path: str, node: ast.Call, client: str, url: ast.expr | None, timeout: ast.expr | None,
          default: float | None, scopes: _Lookup) -> Call | None:
    parts = resolve(url, scopes)
    found = url_of(parts) or public_literal(parts)
    if found is None:
        return None
    t = timeout_of(timeout, scopes, default)
    if t is None:
        return None  # a timeout the code computes in a way not read: unknown, so nothing is said
    off = any(k.arg == "verify" and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords)
    unverified = "verify=False" if off else None
    return Call(Location(path, node.lineno, node.col_offset + 1), client, found[0], found[1], t, unverified)


_LITERAL_URL = re.compile(r"(https?)://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?(?=[/?#]|$)")
_RESERVED = re.compile(r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$")
"""Names reserved for documentation and tests (RFC 2606, RFC 6761): no call goes to them."""


def public_literal(parts: Sequence[Part]) -> tuple[Ref, str | None] | None:
    """A URL whose scheme and host the code writes out (the literal text it starts with holds the whole host) and
    whose host is a public DNS name, not one reserved for examples: a Ref named by that host, fixed by the code."""
    literal, whole = "", True
    for p in parts:
        if not isinstance(p, str):
            whole = False
            break
        literal += p
    m = _LITERAL_URL.match(literal if not whole else literal + "/")  # a whole URL's host ends with it
    if m is None:
        return None
    host = m.group(2).lower()
    if host_exposure(host) != "public" or _RESERVED.search(host):
        return None
    shown = re.split(r"[?#]", literal, maxsplit=1)[0]  # no query: it may carry a key
    return Ref(host, shown[:300], fixed=True, literal=True), m.group(1)


def _bind(params: Sequence[str], call: ast.Call) -> dict[str, ast.expr]:
    bound = {p: a for p, a in zip(params, call.args, strict=False) if not isinstance(a, ast.Starred)}
    bound.update({k.arg: k.value for k in call.keywords if k.arg})
    return bound


def wrappers_of(path: str, text: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Request classes of a file's own, by name: a class whose ``__init__`` stores two of its parameters as
    attributes that a client call of the same code reads as its URL and timeout (``self.request.url``,
    ``self.request.timeout``): ``{class: (parameters, {url, timeout, client, at})}``."""
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    reads = [(r.url.attr, r.timeout.attr if isinstance(r.timeout, ast.Attribute) else "", r)
             for r in _raw_calls(tree) if isinstance(r.url, ast.Attribute)]
    if not reads:
        return {}
    out: dict[str, tuple[list[str], dict[str, str]]] = {}
    for klass in code_trees.nodes(tree, ast.ClassDef):
        init = next((f for f in klass.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if init is None:
            continue
        params = [a.arg for a in init.args.args[1:]]
        stored = {t.attr: n.value.id for n in ast.walk(init) if isinstance(n, ast.Assign)
                  and isinstance(n.value, ast.Name) and n.value.id in params
                  for t in n.targets if isinstance(t, ast.Attribute) and ast.unparse(t.value) == "self"}
        for url_attr, timeout_attr, raw in reads:
            if url_attr in stored and (not timeout_attr or timeout_attr in stored):
                out[klass.name] = (params, {"url": stored[url_attr], "timeout": stored.get(timeout_attr, ""),
                                            "client": raw.client, "at": f"{path}:{raw.node.lineno}"})
                break
    return out


# ---- JavaScript: request, axios -------------------------------------------------------------------

_JS_LIBS = ("request", "axios")
"""Node HTTP clients read; neither has a default timeout (axios' ``timeout: 0`` is none); both count in ms."""
_JS_REQUIRE = re.compile(r"(?:\b(?:const|let|var)\s+|,\s*)([\w$]+)\s*=\s*require\(\s*['\"](request|axios)['\"]\s*\)|"
                         r"\bimport\s+([\w$]+)\s+from\s+['\"](request|axios)['\"]")
_JS_ENV = re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*process\.env(?:\.(\w+)|\[\s*['\"](\w+)['\"]\s*\])"
                     r"(?:\s*\|\|\s*(['\"])([^'\"\n]*)\4)?\s*[;,\n]")
_JS_CALL = re.compile(r"(?<![.\w$])([\w$]+)(?:\s*\.\s*(get|post|put|patch|delete|head|request))?\s*\(")
_JS_TERM = re.compile(r"\s*(?:'([^'\n]*)'|\"([^\"\n]*)\"|`([^`]*)`|process\.env\.(\w+)|([\w$]+(?:\.[\w$]+)*))\s*(\+|$)")
_JS_MODULE = re.compile(r"(?:\b(?:const|let|var)\s+|,\s*)([\w$]+)\s*=\s*require\(\s*(['\"])(\.{1,2}/[^'\"\n]*)\2\s*\)")
_JS_EXPORTS = re.compile(r"\bmodule\.exports\s*=\s*\{")
_JS_LOCAL = re.compile(r"(?:\b(?:const|let|var)\s+|,\s*)([\w$]+)\s*=\s*([^;\n]+)")
_JS_URL = re.compile(r"(?:util\.)?format\(\s*(['\"])((?:(?!\1).)*)\1[^;\n]*|'([^'\n]*)'|\"([^\"\n]*)\"|`([^`]*)`")
_URL_HOST = re.compile(r"(?:https?|wss?|grpc)://[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*(?::\d+)?(?=$|/|%s|\$\{)")


def js_url_constant(expr: str) -> str | None:
    """The ``scheme://host[:port]`` a JavaScript URL constant writes out: a string, a template or a
    ``util.format`` whose text starts with them (``util.format("http://orders%s", domain)`` -> ``http://orders``:
    the host is read up to a placeholder right after it, a domain suffix); None when the host is not written."""
    m = _JS_URL.fullmatch(expr.strip())
    if m is None:
        return None
    text = next(g for g in m.group(2, 3, 4, 5) if g is not None)
    host = _URL_HOST.match(text)
    return host.group(0) if host else None


def js_exports(text: str) -> dict[str, str]:
    """The URL constants a JavaScript module exports (``module.exports = {ordersUrl: "http://orders", ...}``):
    each key with the ``scheme://host`` it writes out."""
    out: dict[str, str] = {}
    for m in _JS_EXPORTS.finditer(text):
        for entry in split_args(inside(text, m.end() - 1)):
            key, _colon, value = entry.partition(":")
            url = js_url_constant(value) if re.fullmatch(r"\s*['\"]?[\w$]+['\"]?\s*", key) else None
            if url:
                out[key.strip().strip("'\"")] = url
    return out


def module_key(path: str) -> str:
    """A JavaScript module's name as ``require`` resolves it: the path without its suffix or ``/index``."""
    p = re.sub(r"\.(?:js|mjs|cjs|ts)$", "", os.path.normpath(path).replace(os.sep, "/"))
    return p.removesuffix("/index")


_JS_ENV_OBJECT = re.compile(r"(?<![.\w$])(env\.([A-Z][A-Z0-9_]*))\b")
"""A variable read from a validated environment object (``env.API_BASE_URL``, the ``env`` a zod or t3-env schema
parses ``process.env`` into): the deployment's variable of that name."""
_JS_THIS = re.compile(r"\bthis\.([\w$]+)\s*=(?!=)\s*([^;\n]+)")
_JS_INSTANCE = re.compile(r"(?:\b(?:const|let|var)\s+([\w$]+)|(?<![.\w$])(this\.[\w$]+|[\w$]+))"
                          r"\s*=\s*([\w$]+)\s*\.\s*create\s*\(")


def _js_fallback(expr: str, names: Mapping[str, Ref | None]) -> Ref | None:
    """The variable a ``param || env.X`` expression falls back to: its first alternative that resolves to one, when
    those before it are bare names that resolve to nothing (a parameter no caller may pass)."""
    for alternative in (a.strip() for a in expr.split("||")):
        parts = _js_parts(alternative, names)
        if isinstance(parts[0], Ref) and len(parts) == 1:
            return parts[0]
        if not re.fullmatch(r"[\w$]+", alternative):
            return None
    return None


def _js_instances(text: str, libs: Mapping[str, str], names: Mapping[str, Ref | None]
                  ) -> dict[str, tuple[Ref, str | None, Timeout | None, int]]:
    """The axios instances a file creates (``this.api = axios.create({baseURL: ..., timeout: 20000})``) whose
    ``baseURL`` resolves to a variable: name as written -> (its URL, scheme, the timeout every call through it takes
    unless it passes its own (None: one not read), where it is created)."""
    out: dict[str, tuple[Ref, str | None, Timeout | None, int]] = {}
    for m in _JS_INSTANCE.finditer(text):
        if libs.get(m.group(3)) != "axios":
            continue
        args = inside(text, m.end() - 1)
        base = re.search(r"\bbaseURL\s*:\s*([^,}\n]+)", args) if args.lstrip().startswith("{") else None
        ref = _js_fallback(base.group(1), names) if base else None
        found = url_of([ref]) if ref else None
        if found is None:
            continue
        out[m.group(1) or m.group(2)] = (*found, _js_timeout(args), m.start())
    return out


def _js_timeout(args: str) -> Timeout | None:
    """The ``timeout:`` option (milliseconds) of a call's or instance's arguments: none when left out, None when
    its value is not a number."""
    t = re.search(r"\btimeout\s*:\s*(\d+(?:\.\d+)?)\b", args)
    if re.search(r"\btimeout\s*:", args) and t is None:
        return None
    return Timeout(float(t.group(1)) / 1000 if t and float(t.group(1)) else None,
                   said=t.group(1) if t else "none passed")


def _js_instance_calls(path: str, text: str, libs: Mapping[str, str], names: Mapping[str, Ref | None]) -> list[Call]:
    """The calls a file makes through the axios instances it creates (``_js_instances``): each with the instance's
    URL, and its timeout unless the call passes one; an instance the file makes no call through (another module
    calls it) is one call where it is created."""
    out: list[Call] = []
    for name, (ref, scheme, timeout, created) in sorted(_js_instances(text, libs, names).items()):
        uses: list[re.Match[str] | None] = [*re.finditer(
            r"(?<![.\w$])" + re.escape(name) + r"(?:\s*\.\s*(get|post|put|patch|delete|head|request))?\s*\(", text)]
        for m in uses or [None]:
            at = m.start() if m else created
            t = _js_timeout(inside(text, m.end() - 1)) if m else timeout
            if m and t is not None and t.said == "none passed":
                t = timeout  # the instance's
            if t is None:
                continue  # a timeout not read: unknown
            line = text.count("\n", 0, at) + 1
            out.append(Call(Location(path, line, at - (text.rfind("\n", 0, at) + 1) + 1),
                            f"axios.{(m.group(1) if m else None) or 'request'}", ref, scheme, t))
    return out


_JS_UNVERIFIED = re.compile(r"\brejectUnauthorized\s*:\s*false\b")
"""Node's TLS option (``https.Agent``, ``request``'s options) that has the client accept any certificate."""


def js_calls(path: str, text: str, modules: Mapping[str, Mapping[str, str]] | None = None) -> list[Call]:
    """The ``request`` / ``axios`` calls of a JavaScript file whose URL resolves to an environment variable
    (``const host = process.env.CATALOGUE_HOST || 'catalogue'``; ``'http://' + host + ':8080/x'``), or to a URL
    the code writes out in a constant: its own, or one a module of the service exports (``modules``: each module's
    ``js_exports`` by its ``module_key``; ``endpoints = require("../endpoints")``, ``endpoints.ordersUrl``), with the
    ``timeout:`` option they pass (milliseconds; none when left out)."""
    libs = {m.group(1) or m.group(3): m.group(2) or m.group(4) for m in _JS_REQUIRE.finditer(text)}
    if not libs:
        return []
    names: dict[str, Ref | None] = {}
    for m in _JS_ENV.finditer(text):
        ref = Ref(m.group(2) or m.group(3), m.group(5))
        names[m.group(1)] = ref if m.group(1) not in names else None
    for m in _JS_MODULE.finditer(text):
        exported = (modules or {}).get(module_key(os.path.join(os.path.dirname(path), m.group(3))), {})
        for key, url in exported.items():
            names[f"{m.group(1)}.{key}"] = Ref(f"{m.group(1)}.{key}", url, fixed=True)
    locals_: dict[str, Ref | None] = {}
    for m in _JS_LOCAL.finditer(text):
        name, expr = m.group(1), m.group(2)
        if name in names:
            continue
        constant = js_url_constant(expr)
        first = Ref(name, constant, fixed=True) if constant else next(iter(_js_parts(expr, names)), None)
        local = first if isinstance(first, Ref) and first.fixed else None
        locals_[name] = local if name not in locals_ or locals_[name] == local else None  # two values: unknown
    names.update(locals_)
    for m in _JS_ENV_OBJECT.finditer(text):
        names.setdefault(m.group(1), Ref(m.group(2), None))
    for m in _JS_THIS.finditer(text):
        base = _js_fallback(m.group(2), names)
        key = f"this.{m.group(1)}"
        names[key] = base if key not in names or names[key] == base else None  # two values: unknown
    out: list[Call] = _js_instance_calls(path, text, libs, names)
    for m in _JS_CALL.finditer(text):
        lib = libs.get(m.group(1))
        if lib is None or text[max(0, m.start() - 9):m.start()].rstrip().endswith("function"):
            continue
        args = inside(text, m.end() - 1)
        options = re.search(r"\burl\s*:\s*([^,}\n]+)", args) if args.lstrip().startswith("{") else None
        first = options.group(1) if options else (split_args(args) or [""])[0]
        found = url_of(_js_parts(first, names))
        if found is None:
            continue
        t = re.search(r"\btimeout\s*:\s*(\d+(?:\.\d+)?)\b", args)
        if re.search(r"\btimeout\s*:", args) and t is None:
            continue  # a timeout not read: unknown
        timeout = Timeout(float(t.group(1)) / 1000 if t and float(t.group(1)) else None,
                          said=t.group(1) if t else "none passed")
        line = text.count("\n", 0, m.start()) + 1
        verb = m.group(2) or "request"
        unverified = "rejectUnauthorized: false" if _JS_UNVERIFIED.search(args) else None
        out.append(Call(Location(path, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1),
                        f"{lib}.{verb}" if lib == "axios" or m.group(2) else lib, found[0], found[1], timeout,
                        unverified))
    return out


def _js_parts(expr: str, names: Mapping[str, Ref | None]) -> list[Part]:
    """A ``'lit' + name + `tpl ${x}` `` concatenation as pieces (``[None]`` where unknown)."""
    out: list[Part] = []
    pos, expr = 0, expr.strip()
    while pos < len(expr):
        m = _JS_TERM.match(expr, pos)
        if m is None or m.end() == pos:
            return [*out, None]
        single, double, template, env, name = m.group(1, 2, 3, 4, 5)
        if template is not None:
            for i, piece in enumerate(re.split(r"\$\{\s*([^}]*?)\s*\}", template)):
                out.append(piece if i % 2 == 0 else names.get(piece))
        elif env:
            out.append(Ref(env, None))
        elif name:
            out.append(names.get(name))
        else:
            out.append(single if single is not None else double)
        pos = m.end()
    return [p for p in out if p != ""] or [None]


_MAIL_BACKEND = ("django.core.mail.backends.smtp", "EmailBackend")
_MAIL_SENDS = frozenset({"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage",
                         "EmailMultiAlternatives"})
"""What ``django.core.mail`` sends with the default connection unless given ``connection=``."""


def _mail_calls(path: str, text: str, settings: Settings) -> list[Call] | None:
    """The SMTP calls of one Python file: each Django SMTP ``EmailBackend`` it builds, with the ``timeout`` it
    passes (else ``EMAIL_TIMEOUT`` of the settings, Django's default None: no timeout), and each send of
    ``django.core.mail`` given no ``connection=`` (Django's default connection: ``EMAIL_TIMEOUT`` too). Each is a
    call to the SMTP server, whose address no variable of the code names (``Ref("")``, scheme ``smtp``): ``links``
    joins it with the interaction the deployment drew from a variable holding an ``smtp://`` URL. None: a timeout
    not read (which the SMTP calls take is unknown)."""
    if "django.core.mail" not in text:
        return []
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    names = {a.asname or a.name: (imp.module, a.name) for imp in code_trees.nodes(tree, ast.ImportFrom)
             if isinstance(imp, ast.ImportFrom) and imp.module in ("django.core.mail", _MAIL_BACKEND[0])
             for a in imp.names}
    scopes: _Lookup = _WithSettings(_scopes(tree, path), settings) if _reads_settings(tree) else _scopes(tree, path)
    setting = settings.get("EMAIL_TIMEOUT")
    if setting is not None and setting[0] is not None:
        default = timeout_of(setting[0], _WithSettings(setting[1], settings), None)
    elif "EMAIL_TIMEOUT" in settings:
        default = None  # assigned more than once: unknown
    else:
        default = Timeout(None, said="Django's EMAIL_TIMEOUT, None by default")
    out: list[Call] = []
    for node in code_trees.nodes(tree, ast.Call):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id not in names:
            continue
        module, name = names[node.func.id]
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if (module, name) == _MAIL_BACKEND:
            t = timeout_of(kw["timeout"], scopes, None) if "timeout" in kw else default
            client = "django EmailBackend"
        elif module == "django.core.mail" and name in _MAIL_SENDS and "connection" not in kw:
            t, client = default, f"django {name} (the default connection)"
        else:
            continue
        if t is None:
            return None
        out.append(Call(Location(path, node.lineno, node.col_offset + 1), client, Ref("", None), "smtp", t))
    return out


def service_calls(files: Sequence[tuple[str, str]]) -> tuple[Call, ...]:
    """The outbound calls of a service's Python and JavaScript files (path, text), request classes of its own
    followed."""
    py = [(p, t) for p, t in files if p.endswith(".py")]
    wrappers: dict[str, tuple[list[str], dict[str, str]]] = {}
    for p, t in py:
        wrappers.update(wrappers_of(p, t))
    settings = settings_of(py)
    calls = [c for p, t in py for c in python_calls(p, t, wrappers, settings)]
    mail = [_mail_calls(p, t, settings) for p, t in py]
    if all(found is not None for found in mail):  # else which timeout the SMTP calls take is unknown
        calls += [c for found in mail for c in found or ()]
    js = [(p, t) for p, t in files if p.endswith((".js", ".mjs", ".cjs", ".ts"))]
    modules = {module_key(p): exported for p, t in js if (exported := js_exports(t))}
    calls += [c for p, t in js for c in js_calls(p, t, modules)]
    return tuple(sorted(set(calls), key=lambda c: (c.at.file, c.at.line, c.at.column, c.client)))


# --------------------------------------------------------------------------------------
# Joining the calls with the deployment
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """What the code says of one interaction: its timeout (0: none), where, and why."""

    target: str
    timeout_ms: int
    at: Location
    notes: tuple[str, ...]
    drawn: bool
    """The deployment drew the interaction (else the code's default URL names the target)."""
    external_host: str | None = None
    protocol: str | None = None
    evidence: tuple[str, ...] = ()
    """Why the code's default URL is called (``inferred_from``), when the deployment drew no interaction."""
    scheme: str | None = None
    """The default URL's scheme (``https``: the call is encrypted), when the deployment drew no interaction."""
    written: bool = False
    """The code writes the URL out (a constant of its own, no variable): the target is located by a name in the code."""
    unverified: str | None = None
    """What has every call to the target accept any certificate (``verify=False at x.py:3``), when the code says so."""
    literal: bool = False
    """The target is a public host the code writes out in the URL, named after that host (``Ref.literal``)."""
    stored: bool = False
    """The target is wherever the URLs of stored records point (``Ref.stored``): an external of unknown hosts."""
    section: str = "services"
    """The section the deployment states the target of a drawn interaction in (``datastores``, ``externals``...);
    empty when a service whose code this import reads (its routes' document states it)."""


def _deployment(docs: Sequence[Document]) -> tuple[dict[str, dict[str, tuple[str, Location]]],
                                                 dict[str, list[tuple[dict[str, Any], str]]]]:
    """Each workload's environment, and each caller's interactions with the variables they were drawn from."""
    env: dict[str, dict[str, tuple[str, Location]]] = {}
    drawn: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for d in docs:
        for service, variables in (getattr(d, "environment", None) or {}).items():
            env.setdefault(service, {}).update(variables)
        if getattr(d, "format", "") == "source" or not isinstance(d.data, dict):
            continue
        for i in d.data.get("interactions") or []:
            if isinstance(i, dict):
                drawn.setdefault(str(i.get("from")), []).append((i, str(i.get("inferred_from") or "")))
    return env, drawn


def links(docs: Sequence[Document], calls: Mapping[str, Sequence[Call]]) -> dict[str, list[Link]]:
    """Per service, the interactions its calls (``calls``) tell a timeout of, given the deployment's documents."""
    env, drawn = _deployment(docs)
    sections = {str(f.get("name")): section for d in docs if getattr(d, "format", "") != "source" and
                isinstance(d.data, dict) for section in ("datastores", "externals", "channels")
                for f in d.data.get(section) or [] if isinstance(f, dict)}
    sections.update((str(getattr(d, "service", "")), "") for d in docs if getattr(d, "format", "") == "source")
    out: dict[str, list[Link]] = {}
    for service, service_calls_ in calls.items():
        if service not in env:
            continue  # no deployment describes the service: where its variables point is unknown
        found: dict[str, list[tuple[Call, int, str, Link]]] = {}
        for call in service_calls_:
            link = _link(service, call, env, drawn.get(service, []))
            if link is not None:
                found.setdefault(link.target, []).append((call, link.timeout_ms, link.notes[0], link))
        out[service] = [dataclasses.replace(_merge(items), section=sections.get(target, "services"))
                        for target, items in sorted(found.items())]
    return out


def _link(service: str, call: Call, env: Mapping[str, Mapping[str, tuple[str, Location]]],
          drawn: Sequence[tuple[dict[str, Any], str]]) -> Link | None:
    """The interaction one call is, with its timeout; None when the deployment tells nothing of it."""
    variables = env[service]
    ms, why, at = _timeout_ms(call, variables)
    var = call.url.var
    if call.scheme == "smtp" and not var:  # the SMTP server: the one drawn from a variable holding an smtp:// URL
        mail = [i for i, evidence in drawn
                if any(re.match(r"smtps?://", variables.get(v, ("", at))[0]) for v in re.findall(r"(?:^|; )(\w+) \(",
                                                                                                   evidence))]
        if len({str(i.get("to")) for i in mail}) != 1 or mail[0].get("timeout_ms") is not None:
            return None
        return Link(str(mail[0].get("to")), ms, at, (why,), True)
    for interaction, evidence in drawn:
        if re.search(rf"(?:^|; ){re.escape(var)} \(", evidence):
            if interaction.get("timeout_ms") is not None:
                return None  # the deployment states the call's timeout
            return Link(str(interaction.get("to")), ms, at, (why,), True)
    if call.url.stored:
        return Link(var, ms, at, (f"{why}; the URL is an attribute of a stored record: {call.url.default}",), False,
                    protocol="http", evidence=(f"{call.how()} calls the URL {call.url.default} holds: wherever the "
                                               "stored record points",), stored=True)
    if var in variables or not call.url.default:
        return None  # set to something no interaction was drawn from, or no default: unknown
    default = call.url.default if "://" in call.url.default else f"{call.scheme or 'http'}://{call.url.default}"
    try:
        host = (urlsplit(default).hostname or "").lower()
    except ValueError:
        return None
    scheme = call.scheme or urlsplit(default).scheme
    protocol = _SCHEMES.get(scheme)
    shown = re.sub(r"//[^/@\s]*@", "//", call.url.default)  # never a credential written in the URL
    if call.url.literal:
        return Link(safe_name(host), ms, at, (f"{why}; the code writes the URL out: {shown!r}",), False, host,
                    protocol, (f"{call.how()} calls {shown}, a URL the code writes out",), scheme, literal=True)
    if call.url.fixed:
        why = f"{why}; the code writes the URL out: {shown!r} ({var})"
        said = (f"{var} ({call.how()}, a URL the code writes out) names host {host}",)
    else:
        why = f"{why}; {var} is not set in the deployment: the code's default {shown!r} applies"
        said = (f"{var} ({call.how()}, its default: the deployment does not set it) names host {host}",)
    if host in env and host != service:
        known = [i for i, _e in drawn if i.get("to") == host]  # drawn from another variable, or depends_on
        if known:
            return None if known[0].get("timeout_ms") is not None else Link(host, ms, at, (why,), True)
        return Link(host, ms, at, (why,), False, protocol=protocol, evidence=said, scheme=scheme,
                    written=call.url.fixed)
    if host_exposure(host) == "public" and not call.url.fixed:
        return Link(safe_name(var.lower().replace("_", "-")), ms, at, (why,), False, host, protocol, said, scheme)
    return None


def drawn_from(drawn: Sequence[tuple[dict[str, Any], str]], var: str) -> str | None:
    """The target of the interaction of a caller the deployment drew from the variable ``var``, if it drew one."""
    return next((str(i.get("to")) for i, evidence in drawn if re.search(rf"(?:^|; ){re.escape(var)} \(", evidence)),
                None)


def deployment(docs: Sequence[Document]) -> dict[str, list[tuple[dict[str, Any], str]]]:
    """Each caller's interactions the deployment drew, with the evidence they were drawn from."""
    return _deployment(docs)[1]


def targets(docs: Sequence[Document], calls: Mapping[str, Sequence[Call]]) -> dict[str, dict[Location, str]]:
    """Per service, the workload each of its calls (by its location) reaches: the interaction the deployment drew
    from the call's variable, or, when the deployment does not set it, the workload its default URL names."""
    env, drawn = _deployment(docs)
    out: dict[str, dict[Location, str]] = {}
    for service, service_calls_ in calls.items():
        if service not in env:
            continue
        found = out.setdefault(service, {})
        for call in service_calls_:
            var = call.url.var
            to = drawn_from(drawn.get(service, []), var)
            if to is None and var not in env[service] and call.url.default:
                default = call.url.default if "://" in call.url.default else f"http://{call.url.default}"
                try:
                    host = (urlsplit(default).hostname or "").lower()
                except ValueError:
                    host = ""
                to = host if host in env and host != service else None
            if to is not None:
                found[call.at] = to
    return out


def _timeout_ms(call: Call, variables: Mapping[str, tuple[str, Location]]) -> tuple[int, str, Location]:
    """The call's timeout in milliseconds (0: none), why, and where it is stated."""
    t = call.timeout
    lib = call.client.split(".")[0]
    unit = "milliseconds" if lib in _JS_LIBS else "seconds"
    if t.var and t.var in variables:
        value, where = variables[t.var]
        number = _number(value)
        if number is not None:
            scaled = "" if t.factor == 1 else f" x {t.factor:g}"
            return (round(number * t.factor * (1 if lib in _JS_LIBS else 1000)), f"from source: {call.how()} passes "
                    f"timeout={t.said}; {t.var}={value} set in the deployment ({where}), read as {unit} ({lib}'s "
                    f"unit){scaled}", where)
    if t.seconds is None:
        wait = "requests waits forever" if lib == "requests" else f"{lib} waits forever"
        return 0, f"from source: {call.how()} with no timeout ({t.said}); {wait}", call.at
    if t.said == "none passed":
        return (round(t.seconds * 1000), f"from source: {call.how()} passes no timeout: {lib}'s default of "
                f"{t.seconds:g} s applies", call.at)
    said = f"{t.said}, {t.var}'s default in the code ({t.defined or call.at.file})" if t.var else t.said
    return (round(t.seconds * 1000), f"from source: {call.how()} passes timeout={said}: {t.seconds:g} s "
            f"({lib} counts in {unit})", call.at)


def _merge(items: Sequence[tuple[Call, int, str, Link]]) -> Link:
    """The calls to one target as one interaction: none when any call passes none, else the longest."""
    first = items[0][3]
    none = [i for i in items if i[1] == 0]
    pick = none[0] if none else max(items, key=lambda i: i[1])
    notes = tuple(dict.fromkeys(i[2] for i in items))
    evidence = tuple(dict.fromkeys(e for i in items for e in i[3].evidence))
    schemes = {i[3].scheme for i in items}
    skips = [i[0] for i in items if i[0].unverified]
    return Link(first.target, pick[1], pick[3].at, notes, first.drawn, first.external_host, first.protocol, evidence,
                schemes.pop() if len(schemes) == 1 else None, all(i[3].written for i in items),
                f"{skips[0].unverified} ({skips[0].how()})" if len(skips) == len(items) else None, first.literal,
                stored=first.stored)


def record(body: Body, service: str, found: Sequence[Link]) -> None:
    """State the interactions ``links`` found for ``service`` in its routes' document."""
    for link in found:
        data: dict[str, Any] = {"from": service, "to": link.target}
        if link.external_host and link.literal:
            body.fact("externals", {"name": link.target, "description": f"{link.external_host} (a URL the code "
                                                                        "writes out)"}, link.at)
            body.note("externals", link.target, f"named after the host of the URL the code writes out: "
                                                f"{link.notes[0]}")
        elif link.external_host:
            body.fact("externals", {"name": link.target, "description": f"{link.external_host} (the code's default "
                                                                        "URL)"}, link.at)
            body.note("externals", link.target, f"named after the variable that would set its URL: {link.notes[0]}")
        elif link.stored:
            body.fact("externals", {"name": link.target, "description": "the hosts the URLs of stored records name"},
                      link.at)
            body.note("externals", link.target, f"named after the record whose URL the code calls: {link.notes[0]}")
        stated = link.section and body.has(link.section, identity(SECTION_KIND[link.section], {"name": link.target}))
        if link.drawn and link.section and not stated:
            body.fact(link.section, {"name": link.target}, link.at)  # stated here too: this agent file loads alone
        if not link.drawn:
            if not link.external_host and not link.stored:  # stated here too, so that this agent file loads alone
                body.fact("services", {"name": link.target}, link.at)
            data["style"] = "sync"
            data["inferred_from"] = "; ".join(link.evidence)[:2000]
            if link.protocol:
                data["protocol"] = link.protocol
            if link.scheme in _TLS:
                data["tls"] = _TLS[link.scheme]
            if link.written:
                data["address_resolution"] = "hardcoded"
        ident = body.fact("interactions", data, link.at)
        if "tls" in data:
            body.note("interactions", ident, f"tls {str(data['tls']).lower()}: the "
                                             f"{'' if link.literal else 'default '}URL's scheme is {link.scheme}")
        if "address_resolution" in data:
            body.note("interactions", ident, "address_resolution hardcoded: the code writes the URL out, no variable "
                                             "sets it")
        body.set("interactions", ident, "timeout_ms", link.timeout_ms, link.at)
        if link.unverified:
            body.set("interactions", ident, "tls_verify", False, link.at)
            body.note("interactions", ident, f"tls_verify false: {link.unverified}: the client accepts any certificate "
                                             "the target presents")
        for note in link.notes:
            body.note("interactions", ident, f"timeout_ms: {note}")


__all__ = ["Call", "Link", "Ref", "Timeout", "deployment", "drawn_from", "js_calls", "js_exports", "js_url_constant",
           "links", "module_key", "public_literal", "python_calls", "record", "resolve", "service_calls", "targets",
           "timeout_of", "url_of", "wrappers_of"]


# --------------------------------------------------------------------------------------
# Which of a Python package's modules a process loads
# --------------------------------------------------------------------------------------


_Def = tuple[str, int, int]  # file, first line, last line


@dataclass(frozen=True)
class Modules:
    """How a service's Python files load one another (``python_modules``)."""

    imports: Mapping[str, frozenset[str]]
    """Per file, the files of the service loading it loads: what its ``import`` statements name (anywhere in it, a
    function's lazy import too) and its package's ``__init__.py`` (Python loads a module's packages first)."""
    named: frozenset[str]
    """The files a string of the code names by a dotted path of two names or more (``"app.tasks.send"``,
    ``CELERY_IMPORTS``), and those holding RQ jobs: what a framework may load by name."""
    calls: CallGraph | None = None
    """Which functions call which by name, and the RQ jobs among them (``call_graph``): a call in a function that
    runs only inside jobs is made by the worker processes consuming their queues (``job_queues``)."""


@dataclass(frozen=True)
class CallGraph:
    """A service's Python functions (file, first line, last line) by name, the RQ queues of those that are jobs,
    and, per name, the function each reference to it is made in (None: not a call made inside a function)."""

    defs: Mapping[str, tuple[_Def, ...]]
    queues: Mapping[_Def, frozenset[str]]
    sites: Mapping[str, tuple[_Def | None, ...]]
    site_files: Mapping[str, tuple[str, ...]]
    """Per name, the file of each reference (as ``sites``)."""


_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def python_modules(files: Sequence[tuple[str, str]]) -> Modules:
    """The import graph of a service's Python files (path, text). A dotted name is resolved to every file whose path
    ends with it (``a.b`` -> ``.../a/b.py`` or ``.../a/b/__init__.py``), since the folder read need not be the import
    root; a relative import from the importing file's folder. A file that does not parse loads its package only."""
    by_name: dict[str, set[str]] = {}
    dotted: dict[str, list[str]] = {}
    for path, _text in files:
        parts = os.path.normpath(path).split(os.sep)
        parts[-1] = parts[-1][:-3]
        if parts[-1] == "__init__":
            parts.pop()
        dotted[path] = parts
        for i in range(len(parts)):
            by_name.setdefault(".".join(parts[i:]), set()).add(path)
    known = set(dotted)

    def package(folder: str) -> set[str]:
        init = os.path.join(folder, "__init__.py")
        return {init} if init in known else set()

    def relative(folder: str, name: str) -> set[str]:
        base = os.path.join(folder, *name.split(".")) if name else folder
        return ({f for f in (base + ".py", os.path.join(base, "__init__.py")) if f in known})

    imports: dict[str, frozenset[str]] = {}
    named: set[str] = set()
    trees: dict[str, ast.AST] = {}
    for path, text in files:
        folder = os.path.dirname(path)
        loads = package(os.path.dirname(folder) if path.endswith("__init__.py") else folder) - {path}
        try:
            tree = code_trees.parse(text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            imports[path] = frozenset(loads)
            continue
        for node in code_trees.nodes(tree, ast.Import, ast.ImportFrom, ast.Constant):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    loads |= by_name.get(alias.name, set())
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = folder
                for _ in range(node.level - 1):
                    base = os.path.dirname(base)
                loads |= relative(base, node.module or "")
                for alias in node.names:
                    loads |= relative(base, f"{node.module}.{alias.name}" if node.module else alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module:
                loads |= by_name.get(node.module, set())
                for alias in node.names:
                    loads |= by_name.get(f"{node.module}.{alias.name}", set())
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _DOTTED.fullmatch(node.value):
                name = node.value.split(".")
                while len(name) > 1 and ".".join(name) not in by_name:
                    name.pop()
                if len(name) > 1:  # a package and its module at least: "views.json" names a file, not views/
                    named |= by_name[".".join(name)]
        imports[path] = frozenset(loads - {path})
        trees[path] = tree
    graph = call_graph(trees)
    named |= {d[0] for d in graph.queues}  # a worker imports a job's module by the dotted name the job is queued with
    return Modules(imports, frozenset(named), graph)


def _job_queues(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str] | None:
    """The queue an RQ ``@job("name")`` decorator (``rq.decorators.job``, or a wrapper named ``job``) puts the
    function's runs on; None when it has none."""
    for dec in fn.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        name = dec.func.id if isinstance(dec.func, ast.Name) else dec.func.attr if isinstance(
            dec.func, ast.Attribute) else ""
        queue = dec.args[0] if dec.args else next((k.value for k in dec.keywords if k.arg == "queue"), None)
        if name == "job" and isinstance(queue, ast.Constant) and isinstance(queue.value, str):
            return frozenset({queue.value})
    return None


def _enqueued(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(function name, queue) for each ``Queue("name").enqueue(f, ...)`` / ``enqueue_call(func=f)`` of ``tree``, the
    queue built in the call or held by a name the same module assigns ``Queue("name")`` once."""
    held: dict[str, str | None] = {}
    for node in code_trees.nodes(tree, ast.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            q = _queue_of(node.value)
            key = node.targets[0].id
            held[key] = q if key not in held and q is not None else None
    scheduled = [_queue_of(c, "Scheduler", "queue_name") or "default" for c in code_trees.nodes(tree, ast.Call)
                 if _queue_of(c, "Scheduler", "queue_name", "") is not None]
    for entry in (code_trees.nodes(tree, ast.Dict, ast.keyword) if len(set(scheduled)) == 1 else ()):
        if isinstance(entry, ast.Dict):
            fn = next((v for k, v in zip(entry.keys, entry.values, strict=False) if isinstance(k, ast.Constant) and
                       k.value == "func"), None)
        else:
            fn = entry.value if entry.arg == "func" else None
        if isinstance(fn, ast.Name):
            yield fn.id, scheduled[0]  # rq-scheduler's periodic jobs go on its queue
    for call in code_trees.nodes(tree, ast.Call):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("enqueue", "enqueue_call")):
            continue
        base = call.func.value
        queue = _queue_of(base) if isinstance(base, ast.Call) else held.get(base.id) if isinstance(
            base, ast.Name) else None
        fn = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "func"), None)
        name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
        if queue is not None and name is not None:
            yield name, queue


def _queue_of(node: ast.expr, cls: str = "Queue", keyword: str = "name", absent: str | None = None) -> str | None:
    """The queue name a ``Queue("name")`` call (``cls``) gives (its first argument or ``keyword``); ``absent`` when
    the call gives none, None when ``node`` is no such call or the name is not written out."""
    called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else \
        node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else ""
    if isinstance(node, ast.Call) and called.endswith(cls):  # a subclass named after it too (StatsdRecordingQueue)
        first = next((k.value for k in node.keywords if k.arg == keyword), None)
        if first is None and cls == "Queue" and node.args:
            first = node.args[0]
        if first is None:
            return absent
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def call_graph(trees: Mapping[str, ast.AST]) -> CallGraph:
    """The functions of ``trees`` (path -> module), the RQ jobs among them and the references to their names. A job
    is a function ``@job("q")`` decorates, or one a ``Queue("q")`` enqueues or an rq-scheduler on queue q runs."""
    defs: dict[str, list[_Def]] = {}
    queues: dict[_Def, set[str]] = {}
    sites: dict[str, list[_Def | None]] = {}
    site_files: dict[str, list[str]] = {}
    enqueued: dict[str, set[str]] = {}
    for path, tree in sorted(trees.items()):
        for name, queue in _enqueued(tree):
            enqueued.setdefault(name, set()).add(queue)
        spans: list[_Def] = []
        for fn in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
            d = (path, fn.lineno, fn.end_lineno or fn.lineno)
            spans.append(d)
            defs.setdefault(fn.name, []).append(d)
            own = _job_queues(fn)
            if own is not None:
                queues[d] = set(own)
        parent = code_trees.parents(tree)
        for node in code_trees.nodes(tree, ast.Name, ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            up = parent.get(node)
            site_files.setdefault(name, []).append(path)
            if not (isinstance(up, ast.Call) and up.func is node):
                sites.setdefault(name, []).append(None)  # passed, stored or looked up: may run anywhere
                continue
            inner = [s for s in spans if s[1] <= node.lineno <= s[2]]
            sites.setdefault(name, []).append(max(inner, key=lambda s: s[1]) if inner else None)
    for name, qs in enqueued.items():
        for d in defs.get(name, ()):
            queues.setdefault(d, set()).update(qs)
    return CallGraph({k: tuple(v) for k, v in defs.items()}, {k: frozenset(v) for k, v in queues.items()},
                     {k: tuple(v) for k, v in sites.items()}, {k: tuple(v) for k, v in site_files.items()})


def rq_jobs(graph: CallGraph, left: frozenset[str]) -> dict[str, tuple[tuple[int, int, frozenset[str]], ...]]:
    """Per file, the functions that run only inside RQ jobs in a process that does not run the files of ``left``
    (request handlers it does not serve, scripts it does not run), with their queues: those every reference to whose
    name, outside ``left``, is a call made inside a job or inside such a function (a name-based call graph: a name
    used any other way, called from a module's top level or from a function that may run elsewhere, or never called
    at all, as a request handler the framework calls, may run in any process)."""
    sites = {name: [b for b, f in zip(by, graph.site_files[name], strict=True) if f not in left]
             for name, by in graph.sites.items()}
    free: set[_Def] = set()  # may run outside a job
    changed = True
    while changed:
        changed = False
        for name, ds in graph.defs.items():
            by = sites.get(name, [])
            called_free = any(b is not None and b in free for b in by)  # a job called in place, not enqueued
            runs_free = called_free or not by or None in by
            for d in ds:
                if d not in free and (called_free if d in graph.queues else runs_free):
                    free.add(d)
                    changed = True
    queues = {d: set(qs) for d, qs in graph.queues.items()}
    changed = True
    while changed:
        changed = False
        for name, ds in graph.defs.items():
            got = {q for b in sites.get(name, []) if b is not None and b in queues for q in queues[b]}
            for d in ds:
                if d not in free and not got <= queues.setdefault(d, set()):
                    queues[d] |= got
                    changed = True
    out: dict[str, list[tuple[int, int, frozenset[str]]]] = {}
    for d, qs in queues.items():
        if d not in free and qs:
            out.setdefault(d[0], []).append((d[1], d[2], frozenset(qs)))
    return {f: tuple(sorted(v, key=lambda x: (x[0], x[1], sorted(x[2])))) for f, v in sorted(out.items())}


def job_queues(jobs: Mapping[str, tuple[tuple[int, int, frozenset[str]], ...]], at: Location
               ) -> frozenset[str] | None:
    """The queues of the RQ jobs inside which alone the code at ``at`` runs (``rq_jobs``: the innermost function
    holding it); None when it may run outside them."""
    inner = [j for j in jobs.get(at.file, ()) if j[0] <= at.line <= j[1]]
    return max(inner, key=lambda j: j[0])[2] if inner else None


def loaded_modules(calls: Sequence[Call], files: Sequence[tuple[str, str]]) -> Modules | None:
    """The import graph of the service's Python files (``python_modules``) when a call of ``calls`` goes to a URL the
    code writes out (``Ref.literal``) or may go to its default URL (``Ref.default``): which process makes it is asked,
    since every process handed the package would have that URL; else None."""
    if not any(c.url.literal or c.url.default for c in calls):
        return None
    return python_modules([(f, t) for f, t in files if f.endswith(".py")])


def reached(modules: Modules, left: frozenset[str]) -> frozenset[str]:
    """The files of ``modules`` a process may load when the files of ``left`` are not loaded by it on their own (the
    modules of request handlers it does not serve): those loaded from a file no other file loads or one a string
    names (either outside ``left``), and every file ``left`` does not lead to; each with what it loads."""
    importers: dict[str, set[str]] = {f: set() for f in modules.imports}
    for f, loads in modules.imports.items():
        for g in loads:
            importers.setdefault(g, set()).add(f)

    def closure(start: set[str]) -> set[str]:
        seen, todo = set(start), list(start)
        while todo:
            for g in modules.imports.get(todo.pop(), ()):
                if g not in seen:
                    seen.add(g)
                    todo.append(g)
        return seen

    led = closure(set(left) & set(importers))
    roots = {f for f, by in importers.items() if f not in left and (not by or f in modules.named or f not in led)}
    return frozenset(closure(roots))


_QUEUE_LIST = re.compile(r"(?:^|_)QUEUES?$")
_RQ_WORKER = re.compile(r"\brq\s*worker\b((?:\s+[^\s;&|]+)*)")


def consumed_queues(command: str, env: Mapping[str, tuple[str, Location]]) -> frozenset[str] | None:
    """The RQ queues a process's worker consumes, as its command names them (``rq worker high default``,
    ``manage.py rqworker a,b``) or a variable its deployment sets for the worker command to read (``QUEUES:
    "periodic,emails,default"``); None when neither says."""
    m = _RQ_WORKER.search(command)
    if m is not None:
        words, skip = [], False
        for w in m.group(1).split():
            if skip or w.startswith("-"):
                skip = w.startswith("-") and "=" not in w and w not in ("--burst", "-b", "--with-scheduler")
                continue
            if "$" in w:
                break  # a variable's queues: the environment may say them
            words += [q for q in w.split(",") if q]
        if words:
            return frozenset(words)
    found = {q for k, (v, _at) in env.items() if _QUEUE_LIST.search(k) for q in re.split(r"[,\s]+", v) if q}
    return frozenset(found) if found else None


def unrun_scripts(modules: Modules, command: str, builds: Sequence[str]) -> frozenset[str]:
    """The files of ``modules`` the process running ``command`` does not run: Django management commands
    (``<app>/management/commands/<name>.py``) its command does not name (an operator runs them once, ``manage.py
    <name>``), and scripts its image's build runs (a Dockerfile ``RUN python .../scripts/x.py``, matched by their
    last two path parts at least) that its command does not name."""
    out: set[str] = set()
    built = [w.split("/") for run in builds for w in run.split() if w.endswith(".py")]
    for path in modules.imports:
        parts = os.path.normpath(path).split(os.sep)
        name = parts[-1][:-3]
        if name.startswith("_"):
            continue
        said = re.search(rf"(?<![\w-]){re.escape(name)}(?:\.py)?(?![\w-])", command) is not None
        if len(parts) >= 3 and parts[-3:-1] == ["management", "commands"] and not said:
            out.add(path)
        elif not said and any(len(w) >= 2 and parts[-2:] == w[-2:] and all(
                a == b for a, b in zip(reversed(parts), reversed([x for x in w if "$" not in x]), strict=False))
                for w in built):
            out.add(path)
    return frozenset(out)


def environments(docs: Sequence[Document]) -> dict[str, dict[str, tuple[str, Location]]]:
    """Each workload's environment as its deployment sets it."""
    return _deployment(docs)[0]
