"""What a Python request handler reaches through the service's own modules (``archplan import source``).

A handler's own body seldom makes the call that matters: a controller hands the request to a service object, which
builds a client and calls the provider (``self.service.create_from_images(...)`` -> ``OpenAIService().get_response``
-> ``client.chat.completions.create``). This module follows a handler's calls into the functions and methods of the
service's other Python files, to a depth of ``DEPTH`` calls, resolving each call as Python would where the code says
what it calls, and never by a guess:

- ``f(...)``: the function ``f`` of the same module, else the one the module imports under that name (``from
  pkg.mod import f``: a function of the file ``pkg/mod.py``), else the one function of the service so named;
- ``C(...)``: the class's ``__init__``; ``C.m(...)``: its method ``m`` (its bases' too);
- ``mod.f(...)``: the function ``f`` of the service's module imported as ``mod`` (``from pkg import mod``, ``import
  pkg.mod as mod``);
- ``self.m(...)`` / ``cls.m(...)``: a method of the enclosing class or of its bases;
- ``v.m(...)`` where the function assigned ``v = C(...)``, and ``self.v.m(...)`` where the class's ``__init__``
  assigns ``self.v = C(...)`` or a property (``@property``, ``@cached_property``) ``v`` returns ``C(...)`` or is
  annotated ``-> C``: the method ``m`` of ``C``.

A class is found the same way as a function (same module, imported, else the one so named). A call on anything else
(a parameter, a library object) is not followed: what it reaches is not known from the code alone.

What counts as reached is the caller's to say (a ``Sink``: a predicate on a call in its module); ``paid_sink`` is the
call of an AI model provider's SDK that bills per request (OpenAI's ``chat.completions.create``,
``images.generate``, ``embeddings.create``...; Anthropic's ``messages.create``) in a module that imports the provider's
package, so a method of the service's own that shares a name is not taken for it.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from engine.errors import Location
from engine.importers import code_trees

DEPTH = 6
"""The most calls followed from a handler (a controller, a service, a domain helper, a client wrapper...)."""

_Func = ast.FunctionDef | ast.AsyncFunctionDef
_T = TypeVar("_T", ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef)
Sink = Callable[[str, ast.Module, ast.Call], str | None]
"""What a call reached is, described, when it counts (its file, that file's tree, the call); None when it does not."""

_PAID_METHODS = ("chat.completions.create", "chat.completions.parse", "beta.chat.completions.parse",
                 "completions.create", "images.generate", "images.edit", "images.create_variation",
                 "embeddings.create", "responses.create", "audio.transcriptions.create", "audio.translations.create",
                 "audio.speech.create", "messages.create", "messages.stream")
"""The SDK methods of OpenAI's and Anthropic's Python clients that run a model, each request billed."""
_PROVIDERS = ("openai", "anthropic")
HTTP_CLIENTS = ("requests.", "httpx.", "urllib.request.urlopen", "urlopen")
"""How a call of an HTTP client's function starts (``requests.post``, ``httpx.get``)."""
_URL_ATTR = re.compile(r"(?:^|_)url$")
_URL_CHECKS = re.compile(r"(?i)valid|allow|safe|permit|trusted")
PROVIDER_CLIENTS = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI", "Anthropic",
                              "AsyncAnthropic"})
"""The provider SDKs' client constructors."""


@dataclass(frozen=True)
class Reached:
    """A call a handler reaches: what it is, where, and the functions followed to get there."""

    what: str
    at: Location
    through: tuple[str, ...]


@dataclass
class _Module:
    path: str
    tree: ast.Module
    functions: dict[str, _Func] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imported: dict[str, str] = field(default_factory=dict)  # local name -> dotted module it comes from
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted module (``import a.b as m``)


def _dotted_file(module: str) -> tuple[str, str]:
    """The file suffixes a dotted module is read from (``pkg/mod.py``, ``pkg/mod/__init__.py``)."""
    rel = module.replace(".", "/")
    return f"/{rel}.py", f"/{rel}/__init__.py"


class Index:
    """The functions and classes of a service's Python files, to follow a handler's calls through them."""

    def __init__(self, texts: Sequence[tuple[str, str]]) -> None:
        self.modules: dict[str, _Module] = {}
        self.by_name: dict[str, list[tuple[str, _Func]]] = {}
        self.class_by_name: dict[str, list[tuple[str, ast.ClassDef]]] = {}
        self.owner: dict[int, tuple[str, ast.ClassDef | None]] = {}  # id(function) -> (file, its class)
        self.packages: set[str] = set()  # "/pkg/" for each directory holding a file of the service's
        for path, text in texts:
            if not path.endswith(".py"):
                continue
            try:
                tree = code_trees.parse(text, path)
            except (SyntaxError, ValueError):
                continue
            m = _Module(path, tree)
            self.packages.update(f"/{part}/" for part in os.path.dirname(path).replace(os.sep, "/").split("/") if part)
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    m.functions[node.name] = node
                    self.by_name.setdefault(node.name, []).append((path, node))
                    self.owner[id(node)] = (path, None)
                elif isinstance(node, ast.ClassDef):
                    m.classes[node.name] = node
                    self.class_by_name.setdefault(node.name, []).append((path, node))
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                            self.owner[id(item)] = (path, node)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for a in node.names:
                        m.imported[a.asname or a.name] = node.module
                elif isinstance(node, ast.Import):
                    for a in node.names:
                        if a.asname:
                            m.aliases[a.asname] = a.name
            self.modules[path] = m

    def _one(self, found: Sequence[tuple[str, _T]], path: str, name: str) -> tuple[str, _T] | None:
        module = self.modules[path].imported.get(name)
        if module is not None:
            files = _dotted_file(module)
            chosen = [f for f in found if f[0].endswith(files) or ("/" + f[0]).endswith(files)]
            if len(chosen) == 1:
                return chosen[0]
            if not chosen and f"/{module.split('.')[0]}/" not in self.packages:
                return None  # a library's name, not the service's
        return found[0] if len(found) == 1 else None

    def function(self, path: str, name: str) -> tuple[str, _Func] | None:
        """The module-level function ``name`` as module ``path`` calls it."""
        own = self.modules[path].functions.get(name)
        if own is not None:
            return path, own
        return self._one(self.by_name.get(name, []), path, name)

    def klass(self, path: str, name: str) -> tuple[str, ast.ClassDef] | None:
        """The class ``name`` as module ``path`` names it."""
        own = self.modules[path].classes.get(name)
        if own is not None:
            return path, own
        return self._one(self.class_by_name.get(name, []), path, name)

    def method(self, path: str, cls: ast.ClassDef, name: str, seen: frozenset[int] = frozenset()
               ) -> tuple[str, _Func] | None:
        """The method ``name`` of ``cls`` (of module ``path``) or of its bases, as Python looks it up."""
        for item in cls.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                return path, item
        for base in cls.bases:
            base_name = base.id if isinstance(base, ast.Name) else None
            found = self.klass(path, base_name) if base_name else None
            if found is not None and id(found[1]) not in seen:
                hit = self.method(found[0], found[1], name, seen | {id(cls)})
                if hit is not None:
                    return hit
        return None

    def _made(self, path: str, value: ast.expr | None) -> tuple[str, ast.ClassDef] | None:
        """The class of the object ``value`` builds (``C(...)``), or that an annotation names (``C``)."""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return self.klass(path, value.func.id)
        if isinstance(value, ast.Name):
            return self.klass(path, value.id)
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.isidentifier():
            return self.klass(path, value.value)
        return None

    def _attribute_class(self, path: str, cls: ast.ClassDef, attr: str) -> tuple[str, ast.ClassDef] | None:
        """The class of ``self.<attr>``: a property returning or annotated with one, or ``__init__``'s
        ``self.attr = C(...)``."""
        prop = self.method(path, cls, attr)
        if prop is not None:
            p_path, p = prop
            if any(_decorator_name(d) in ("property", "cached_property") for d in p.decorator_list):
                made = self._made(p_path, p.returns)
                if made is not None:
                    return made
                returned = [r.value for r in ast.walk(p) if isinstance(r, ast.Return) and r.value is not None]
                if len(returned) == 1:
                    return self._made(p_path, returned[0])
            return None
        return self._init_attribute(path, cls, attr, {}, 0)

    def _init_attribute(self, path: str, cls: ast.ClassDef, attr: str, given: Mapping[str, tuple[str, ast.expr]],
                        depth: int) -> tuple[str, ast.ClassDef] | None:
        """The class of what ``__init__`` assigns to ``self.<attr>``: ``C(...)``, or a parameter given ``C(...)``
        by the subclass's ``super().__init__(..., C())`` (``given``: parameter -> the argument passed)."""
        init = self.method(path, cls, "__init__")
        if init is None or depth > 3:
            return None
        i_path, i = init
        for n in ast.walk(i):
            if isinstance(n, ast.Assign) and len(n.targets) == 1:
                t = n.targets[0]
                if isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) and \
                        t.value.id == "self":
                    if isinstance(n.value, ast.Name) and n.value.id in given:
                        return self._made(*given[n.value.id])
                    return self._made(i_path, n.value)
        owner = self.owner.get(id(i), (i_path, None))[1]
        for n in ast.walk(i):  # ``super().__init__(a, b, C())``: the base's __init__ with those arguments
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__" and \
                    isinstance(n.func.value, ast.Call) and isinstance(n.func.value.func, ast.Name) and \
                    n.func.value.func.id == "super" and owner is not None:
                for base in owner.bases:
                    found = self.klass(i_path, base.id) if isinstance(base, ast.Name) else None
                    base_init = self.method(found[0], found[1], "__init__") if found else None
                    if found is None or base_init is None:
                        continue
                    params = [a.arg for a in base_init[1].args.args][1:]
                    passed = {p: (i_path, a) for p, a in zip(params, n.args, strict=False)}
                    passed.update((k.arg, (i_path, k.value)) for k in n.keywords if k.arg)
                    hit = self._init_attribute(found[0], found[1], attr, passed, depth + 1)
                    if hit is not None:
                        return hit
        return None

    def _locals(self, path: str, func: _Func) -> dict[str, tuple[str, ast.ClassDef]]:
        """The function's local names bound to an object of a class of the service (``v = C(...)``)."""
        local: dict[str, tuple[str, ast.ClassDef]] = {}
        for n in ast.walk(func):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                made = self._made(path, n.value) if isinstance(n.value, ast.Call) else None
                if made is not None:
                    local[n.targets[0].id] = made
        return local

    def callees(self, path: str, func: _Func) -> Iterator[tuple[str, _Func]]:
        """The functions of the service a function calls, as far as its code says, in the order of its text."""
        cls = self.owner.get(id(func), (path, None))[1]
        local = self._locals(path, func)
        for c in _calls(func):
            hit = self._resolve(path, cls, local, c.func)
            if hit is not None:
                yield hit

    def url_reach(self, at: Location, seeds: Mapping[str, str]) -> Reached | None:
        """The first HTTP request (``requests``, ``httpx``, ``urlopen``) the handler defined at ``at`` sends to a URL
        of the records ``seeds`` names (local name -> ``"record"``: an object whose ``url`` / ``*_url`` attribute is
        a URL a caller of the API saved), following the records through the calls it passes them to (to ``DEPTH``
        calls): a list holding one, a comprehension over them, a loop over a list of their URLs. A URL compared,
        tested or passed to a check on the way (``is_allowed(url)``) is not counted. None when none is reached."""
        start = self.enclosing(at)
        if start is None or not seeds:
            return None
        queue: list[tuple[str, _Func, dict[str, str], tuple[str, ...]]] = [
            (start[0], start[1], dict(seeds), (start[1].name,))]
        seen: set[tuple[int, frozenset[tuple[str, str]]]] = set()
        while queue:
            path, func, taint, through = queue.pop(0)
            key = (id(func), frozenset(taint.items()))
            if key in seen:
                continue
            seen.add(key)
            clients = _flow(func, taint)
            checked = _checked(func)
            cls = self.owner.get(id(func), (path, None))[1]
            local = self._locals(path, func)
            for c in _calls(func):
                sent = _sent(c, clients)
                if sent is not None:
                    how, url = sent
                    if url is not None and _kind(url, taint) == "url" and ast.unparse(url) not in checked:
                        return Reached(f"{how} of {ast.unparse(url)} at {os.path.basename(path)}:{c.lineno}",
                                       Location(path, c.lineno, c.col_offset + 1), through)
                    continue
                if len(through) > DEPTH:
                    continue
                target, args = c.func, list(c.args)
                if c.args and isinstance(c.args[0], ast.Name | ast.Attribute) and \
                        self._resolve(path, cls, local, c.args[0]) is not None and \
                        any(_kind(a, taint) for a in c.args[1:]):
                    target, args = c.args[0], list(c.args[1:])  # a function handed to a runner with its arguments
                hit = self._resolve(path, cls, local, target)
                if hit is None:
                    continue
                callee_path, callee = hit
                params = [a.arg for a in callee.args.args]
                if self.owner.get(id(callee), (callee_path, None))[1] is not None and not any(
                        _decorator_name(d) == "staticmethod" for d in callee.decorator_list):
                    params = params[1:]
                given = {p: k for p, a in zip(params, args, strict=False) for k in [_kind(a, taint)] if k}
                given.update((kw.arg, k) for kw in c.keywords if kw.arg for k in [_kind(kw.value, taint)] if k)
                if given:
                    queue.append((callee_path, callee, given, (*through, callee.name)))
        return None

    def _resolve(self, path: str, cls: ast.ClassDef | None, local: Mapping[str, tuple[str, ast.ClassDef]],
                 f: ast.expr) -> tuple[str, _Func] | None:
        if isinstance(f, ast.Name):
            made = self.klass(path, f.id) if f.id not in self.modules[path].functions else None
            if made is not None:
                return self.method(made[0], made[1], "__init__")
            return self.function(path, f.id)
        if not isinstance(f, ast.Attribute):
            return None
        owner = f.value
        target: tuple[str, ast.ClassDef] | None = None
        if isinstance(owner, ast.Name):
            if owner.id in ("self", "cls") and cls is not None:
                target = (self.owner_path(cls, path), cls)
            elif owner.id in local:
                target = local[owner.id]
            elif owner.id not in self.modules[path].functions:
                target = self.klass(path, owner.id)  # a class's own method, called on the class
                if target is None:
                    return self._module_function(path, owner.id, f.attr)
        elif isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self" \
                and cls is not None:
            target = self._attribute_class(self.owner_path(cls, path), cls, owner.attr)
        if target is None:
            return None
        return self.method(target[0], target[1], f.attr)

    def _module_function(self, path: str, local: str, name: str) -> tuple[str, _Func] | None:
        """The function ``name`` of the service's module that module ``path`` imports as ``local`` (``from pkg import
        mod`` or ``import pkg.mod as local``: ``local.name(...)``), when one file of the service is that module."""
        m = self.modules[path]
        dotted = m.aliases.get(local) or (f"{m.imported[local]}.{local}" if local in m.imported else None)
        if dotted is None:
            return None
        files = _dotted_file(dotted)
        found = [p for p in self.modules if p.endswith(files) or ("/" + p).endswith(files)]
        if len(found) != 1:
            return None
        func = self.modules[found[0]].functions.get(name)
        return (found[0], func) if func is not None else None

    def owner_path(self, cls: ast.ClassDef, default: str) -> str:
        """The file a class is defined in."""
        for item in cls.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and id(item) in self.owner:
                return self.owner[id(item)][0]
        return default

    def enclosing(self, at: Location) -> tuple[str, _Func] | None:
        """The function (or method) defined at ``at`` (a handler's ``def``)."""
        m = self.modules.get(at.file)
        if m is None:
            return None
        for n in ast.walk(m.tree):
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.lineno == at.line:
                return at.file, n
        return None

    def reach(self, at: Location, sink: Sink) -> Reached | None:
        """The first call counted by ``sink`` that the handler defined at ``at`` reaches, following its calls
        breadth first (the nearest first), to ``DEPTH`` calls; None when none is reached."""
        start = self.enclosing(at)
        if start is None:
            return None
        queue: list[tuple[str, _Func, tuple[str, ...]]] = [(start[0], start[1], (start[1].name,))]
        seen = {id(start[1])}
        while queue:
            path, func, through = queue.pop(0)
            tree = self.modules[path].tree
            if len(through) > 1 and _elsewhere(func):
                continue
            for c in sorted((n for n in ast.walk(func) if isinstance(n, ast.Call)),
                            key=lambda c: (c.lineno, c.col_offset)):
                what = sink(path, tree, c)
                if what is not None:
                    return Reached(what, Location(path, c.lineno, c.col_offset + 1), through)
            if len(through) > DEPTH:
                continue
            for callee_path, callee in self.callees(path, func):
                if id(callee) not in seen:
                    seen.add(id(callee))
                    queue.append((callee_path, callee, (*through, callee.name)))
        return None


_ID_ARG = re.compile(r"(?:^|_)(?:id|slug|uuid|pk)$")


def id_records(func: _Func) -> dict[str, str]:
    """The records a handler loads by an id it is given (``hook = repo.get_one(item_id)`` of a parameter
    ``item_id``): local name -> the id, in the order of the text."""
    ids = {a.arg for a in (*func.args.args, *func.args.kwonlyargs) if _ID_ARG.search(a.arg)}
    out: dict[str, str] = {}
    if not ids:
        return out
    for n in sorted((n for n in ast.walk(func) if isinstance(n, ast.Assign)), key=lambda n: (n.lineno, n.col_offset)):
        if len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Call | ast.Await):
            call = n.value.value if isinstance(n.value, ast.Await) else n.value
            if not isinstance(call, ast.Call):
                continue
            by = next((a.id for a in (*call.args, *(k.value for k in call.keywords)) if isinstance(a, ast.Name)
                       and a.id in ids), None)
            if by is not None:
                out.setdefault(n.targets[0].id, by)
    return out


_REQUEST_VALUES = re.compile(r"^(?:request|req)\.(?:GET|POST|query_params|data|args|form|values|json)"
                             r"(?:\.get\(|\[)")
"""A value read from the request's query string or body: Django's ``request.GET.get("url")`` and ``request.POST``,
Django REST framework's ``request.query_params`` and ``request.data``, Flask's ``request.args``, ``form``,
``values`` and ``json``, by key or with ``get``."""


def request_values(func: _Func) -> dict[str, str]:
    """The local names a handler binds to a value its caller chose (``url = request.GET.get("url")``): local name ->
    the value read, said (``request.GET.get('url')``), in the order of the text."""
    out: dict[str, str] = {}
    for n in sorted((n for n in ast.walk(func) if isinstance(n, ast.Assign)), key=lambda n: (n.lineno, n.col_offset)):
        if len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and \
                isinstance(n.value, ast.Call | ast.Subscript) and _REQUEST_VALUES.match(ast.unparse(n.value)):
            out.setdefault(n.targets[0].id, ast.unparse(n.value))
    return out


def _calls(func: ast.AST) -> list[ast.Call]:
    return sorted((n for n in ast.walk(func) if isinstance(n, ast.Call)), key=lambda c: (c.lineno, c.col_offset))


def _kind(e: ast.expr | None, taint: Mapping[str, str]) -> str | None:
    """What an expression holds of the records followed: ``"record"`` (a record, or a collection of them), ``"url"``
    (a record's URL, or a collection of them), or None."""
    if isinstance(e, ast.Name):
        return taint.get(e.id)
    if isinstance(e, ast.Attribute):
        return "url" if _URL_ATTR.search(e.attr) and _kind(e.value, taint) == "record" else None
    if isinstance(e, ast.List | ast.Tuple | ast.Set):
        return next((k for x in e.elts for k in [_kind(x, taint)] if k), None)
    if isinstance(e, ast.Starred):
        return _kind(e.value, taint)
    if isinstance(e, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        inner = dict(taint)
        for g in e.generators:
            k = _kind(g.iter, inner)
            if isinstance(g.target, ast.Name):
                if k:
                    inner[g.target.id] = k
                else:
                    inner.pop(g.target.id, None)
        return _kind(e.elt, inner)
    return None


def _flow(func: _Func, taint: dict[str, str]) -> set[str]:
    """``taint`` extended, in the order of the text, by the function's assignments and loops (``url = hook.url``,
    ``for url in urls``); the local names bound to an HTTP client's function (``send = requests.post``)."""
    clients: set[str] = set()
    for n in sorted((n for n in ast.walk(func) if isinstance(n, ast.Assign | ast.For | ast.AsyncFor)),
                    key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            k = _kind(n.value, taint)
            if k:
                taint[n.targets[0].id] = k
            elif isinstance(n.value, ast.Attribute) and ast.unparse(n.value).startswith(HTTP_CLIENTS):
                clients.add(n.targets[0].id)
        elif isinstance(n, ast.For | ast.AsyncFor) and isinstance(n.target, ast.Name):
            k = _kind(n.iter, taint)
            if k:
                taint[n.target.id] = k
    return clients


def _checked(func: _Func) -> set[str]:
    """The names and attributes a function compares, tests (``startswith``, ``match``) or passes to a check."""
    out: set[str] = set()
    for n in ast.walk(func):
        if isinstance(n, ast.Compare) or (isinstance(n, ast.Call) and (
                (isinstance(n.func, ast.Attribute) and n.func.attr in ("startswith", "match", "fullmatch"))
                or _URL_CHECKS.search(ast.unparse(n.func)))):
            out.update(ast.unparse(a) for a in ast.walk(n) if isinstance(a, ast.Attribute | ast.Name))
    return out


def _sent(c: ast.Call, clients: set[str]) -> tuple[str, ast.expr | None] | None:
    """How an HTTP request is sent and to what URL, when the call sends one: a client's function called
    (``requests.post(url, ...)``, ``send(url=...)`` of ``send = requests.post``), or handed to a runner with its
    arguments (``add_task(requests.post, url=...)``). None when the call sends none."""
    def client(e: ast.expr) -> bool:
        return (isinstance(e, ast.Name) and e.id in clients) or (
            isinstance(e, ast.Attribute) and ast.unparse(e).startswith(HTTP_CLIENTS))

    if client(c.func):
        return ast.unparse(c.func), next((k.value for k in c.keywords if k.arg == "url"), c.args[0] if c.args else None)
    if c.args and client(c.args[0]):
        return f"{ast.unparse(c.func)}({ast.unparse(c.args[0])})", next(
            (k.value for k in c.keywords if k.arg == "url"), c.args[1] if len(c.args) > 1 else None)
    return None


def _elsewhere(func: _Func) -> bool:
    """Whether a function builds a provider's client pointed at another server (``OpenAI(base_url=...)``: a local
    model server, a proxy), as ``code_ai`` leaves out: what it calls through it is not the provider's to bill."""
    return any(isinstance(c, ast.Call) and _decorator_name(c.func) in PROVIDER_CLIENTS
               and any(k.arg == "base_url" for k in c.keywords) for c in ast.walk(func))


def _decorator_name(d: ast.expr) -> str:
    d = d.func if isinstance(d, ast.Call) else d
    return d.attr if isinstance(d, ast.Attribute) else d.id if isinstance(d, ast.Name) else ""


def _imports_provider(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in _PROVIDERS:
            return node.module.split(".")[0]
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in _PROVIDERS:
                    return a.name.split(".")[0]
    return None


def paid_sink(path: str, tree: ast.Module, call: ast.Call) -> str | None:
    """A call of an AI provider's SDK method that runs a model (billed per request), in a module importing the
    provider's package: ``client.chat.completions.create(...)`` -> ``openai chat.completions.create``."""
    if not isinstance(call.func, ast.Attribute):
        return None
    callee = ast.unparse(call.func)
    method = next((m for m in _PAID_METHODS if callee.endswith("." + m)), None)
    if method is None:
        return None
    provider = _imports_provider(tree)
    if provider is None:
        return None
    return f"{provider} {method} at {os.path.basename(path)}:{call.lineno}"


def has_paid_call(texts: Sequence[tuple[str, str]]) -> bool:
    """Whether any Python file of ``texts`` may call a provider's SDK (a cheap test before indexing)."""
    return any(any(k in t for k in _PROVIDERS) and (".create(" in t or ".generate(" in t or ".edit(" in t
                                                    or ".stream(" in t or ".parse(" in t or "variation(" in t)
               for p, t in texts if p.endswith(".py"))


__all__ = ["DEPTH", "HTTP_CLIENTS", "PROVIDER_CLIENTS", "Index", "Reached", "Sink", "has_paid_call", "id_records",
           "paid_sink", "request_values"]
