"""What a Flask application's routes need from the rest of its code, read with ``ast`` across the service's files.

- **Path helpers**: a module-level function of one parameter whose return is a path it builds from that parameter
  with a string literal, an f-string, ``+`` or ``str.format`` (Redash's ``org_scoped_rule(rule)``); a route whose
  path is a call of one with a string literal (``@routes.route(org_scoped_rule("/login"))``) is served at the value
  the helper returns when none of its ``if`` statements returns (``org_scoped_rule`` returns ``"/<org_slug>{}"
  .format(rule)`` only when ``settings.MULTI_ORG`` holds, else ``rule`` as given). A helper whose return is anything
  else (a lookup, a call) is not one: its routes stay unread.
- **Flask-RESTful resources**: ``api.add_resource(Cls, "/path", ...)`` serves each path with the HTTP methods class
  ``Cls`` defines (``get``, ``post``...; its bases' too, found by name in the service's code), and so does a method
  of the service's own ``Api`` subclass named ``add_..._resource`` that passes its paths on to ``add_resource``,
  through a path helper or as given (Redash's ``add_org_resource``).
- **Flask-Limiter**: a variable assigned ``Limiter(...)`` in a module that imports ``flask_limiter``; a route
  decorated ``@limiter.limit(...)`` (or ``shared_limit``), or a resource whose ``decorators`` list holds
  ``limiter.limit(..., methods=[...])``, is rate-limited (on those methods when it names them).
- **Flask-Login's loaders**: a variable assigned ``LoginManager()``; the function registered as its
  ``request_loader`` or ``user_loader`` (``@login_manager.request_loader``, or ``login_manager.request_loader(fn)``)
  loads the user of every request that needs one. When it, or a function of its module it calls (three calls deep),
  reads a credential-named parameter from the URL query (``request.args.get("api_key")``, Redash's
  ``get_api_key_from_request``), every route that requires a login (``@login_required``, or a resource whose
  ``decorators`` or ``method_decorators``, its bases' included, hold ``login_required``) takes that credential in its
  URL (``credentials_in_query``), except on ``OPTIONS`` (a CORS preflight carries no credential); a route that
  requires none is not said to, though the loader would read the parameter there too: no caller has a reason to send
  a credential to it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from engine.importers import code_trees, code_url_credentials

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


@dataclass(frozen=True)
class PathHelper:
    """A function that builds a route's path from its one parameter."""

    name: str
    param: str
    value: ast.expr
    """What it returns when none of its ``if`` statements returns."""
    others: tuple[str, ...]
    """The conditions under which it returns something else (``settings.MULTI_ORG``)."""


@dataclass(frozen=True)
class Resource:
    """A Flask-RESTful resource class: the methods it serves (with its bases'), and the methods its ``decorators``
    rate-limit (``*`` for all)."""

    file: str
    node: ast.ClassDef
    methods: tuple[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef], ...]
    limited: tuple[tuple[str, str], ...] = ()
    """(method or ``*``, where and how) for each Flask-Limiter limit its ``decorators`` list holds."""
    login: str | None = None
    """Where its ``decorators`` (or its bases') require a login (``login_required in the decorators of X at f:3``)."""


@dataclass
class Context:
    """What the service's Python code says across its files, for its Flask routes."""

    helpers: dict[str, PathHelper] = field(default_factory=dict)
    limiters: frozenset[str] = frozenset()
    classes: dict[str, list[tuple[str, ast.ClassDef]]] = field(default_factory=dict)
    wrappers: dict[str, PathHelper | None] = field(default_factory=dict)
    """``add_..._resource`` methods of an ``Api`` subclass -> the helper their paths go through (None: as given)."""
    modules: dict[str, ast.Module] = field(default_factory=dict)
    login_query: str | None = None
    """How the login manager's loader reads a credential from the URL query, said with where; None when it does not
    (or no ``LoginManager`` is found)."""


_LOGIN_HOOKS = ("request_loader", "user_loader")
_LOGIN_REQUIRED = ("login_required", "fresh_login_required")


def login_required(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a view function is decorated ``@login_required`` (Flask-Login's, as a name or ``flask_login.``)."""
    return any(_callee(d) in _LOGIN_REQUIRED for d in node.decorator_list)


def _login_query(trees: Sequence[tuple[str, ast.Module]]) -> str | None:
    """How a Flask-Login loader of the service reads a credential from the URL query (``code_url_credentials.
    query_read``), with the loader and where it is registered; None when none does."""
    managers = {t.id for _p, tree in trees for n in code_trees.nodes(tree, ast.Assign)
                if isinstance(n.value, ast.Call) and _callee(n.value.func) == "LoginManager"
                for t in n.targets if isinstance(t, ast.Name)}
    if not managers:
        return None
    for path, tree in trees:
        functions = {f.name: f for f in code_trees.nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)}
        hooks: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str, int]] = []
        for f in functions.values():
            hooks += [(f, d.attr, d.lineno) for d in f.decorator_list if isinstance(d, ast.Attribute)
                      and d.attr in _LOGIN_HOOKS and isinstance(d.value, ast.Name) and d.value.id in managers]
        for c in code_trees.nodes(tree, ast.Call):
            if isinstance(c.func, ast.Attribute) and c.func.attr in _LOGIN_HOOKS and _callee(c.func.value) in managers \
                    and isinstance(c.func.value, ast.Name) and len(c.args) == 1 and isinstance(c.args[0], ast.Name) \
                    and c.args[0].id in functions:
                hooks.append((functions[c.args[0].id], c.func.attr, c.lineno))
        # the request loader first: it is what authenticates a request that carries no session
        for f, hook, line in sorted(hooks, key=lambda h: (h[1] != "request_loader", h[2], h[0].name)):
            read = code_url_credentials.query_read(path, f, functions)
            if read is not None:
                named = hook if f.name == hook else f"{hook} {f.name}"
                return f"the login manager's {named} ({path}:{line}): {read}"
    return None


def context(trees: Sequence[tuple[str, ast.Module]]) -> Context:
    """The path helpers, limiters, classes and ``add_resource`` wrappers of the service's parsed modules."""
    ctx = Context()
    limiters: set[str] = set()
    for path, tree in trees:
        ctx.modules[path] = tree
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                helper = _helper(node)
                if helper is not None:
                    ctx.helpers.setdefault(node.name, helper)
        uses_limiter = any((isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "flask_limiter") or
                           (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "flask_limiter" for a in n.names))
                           for n in code_trees.nodes(tree, ast.Import, ast.ImportFrom))
        for n in code_trees.nodes(tree, ast.Assign, ast.ClassDef):
            if uses_limiter and isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and \
                    _callee(n.value.func) == "Limiter":
                limiters.update(t.id for t in n.targets if isinstance(t, ast.Name))
            elif isinstance(n, ast.ClassDef):
                ctx.classes.setdefault(n.name, []).append((path, n))
    ctx.limiters = frozenset(limiters)
    ctx.login_query = _login_query(trees)
    for _path, tree in trees:
        for cls in code_trees.nodes(tree, ast.ClassDef):
            if not any(_callee(b) == "Api" for b in cls.bases):
                continue
            for m in cls.body:
                if isinstance(m, ast.FunctionDef) and m.name.startswith("add_") and m.name.endswith("resource") \
                        and m.name != "add_resource" and m.args.vararg is not None:
                    found, through = _wrapper(m, m.args.vararg.arg, ctx.helpers)
                    if found:
                        ctx.wrappers.setdefault(m.name, through)
    return ctx


def _callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _helper(func: ast.FunctionDef) -> PathHelper | None:
    """The path helper ``func`` is: one parameter, a body of ``if`` statements and one final ``return`` of a path
    built from the parameter."""
    if len(func.args.args) != 1 or func.args.vararg or func.args.kwarg or func.args.kwonlyargs or func.decorator_list:
        return None
    param = func.args.args[0].arg
    body = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    others: list[str] = []
    for s in body[:-1]:
        if not isinstance(s, ast.If) or s.orelse or not all(isinstance(x, ast.Return) for x in s.body):
            return None
        others.append(ast.unparse(s.test))
    value = body[-1].value
    if evaluate(value, {param: "/"}, {}) is None or not _uses(value, param):
        return None
    return PathHelper(func.name, param, value, tuple(others))


def _uses(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def evaluate(node: ast.expr, names: Mapping[str, str], helpers: Mapping[str, PathHelper]) -> str | None:
    """A path expression's value: a string literal, a name bound in ``names``, an f-string, ``+``, ``"...".format``
    of those, or a call of a path helper on one; None for anything else."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                if v.format_spec is not None or v.conversion not in (-1, ord("s")):
                    return None
                inner = evaluate(v.value, names, helpers)
            else:
                inner = evaluate(v, names, helpers)
            if inner is None:
                return None
            parts.append(inner)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = evaluate(node.left, names, helpers), evaluate(node.right, names, helpers)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call) and not node.keywords:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format" and \
                isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
            args = [evaluate(a, names, helpers) for a in node.args]
            if any(a is None for a in args) or any(isinstance(a, ast.Starred) for a in node.args):
                return None
            try:
                return node.func.value.value.format(*args)
            except (IndexError, KeyError, ValueError):
                return None
        if isinstance(node.func, ast.Name) and node.func.id in helpers and len(node.args) == 1:
            arg = evaluate(node.args[0], names, helpers)
            helper = helpers[node.func.id]
            return None if arg is None else evaluate(helper.value, {helper.param: arg}, {})
    return None


def helper_note(node: ast.expr, helpers: Mapping[str, PathHelper]) -> str | None:
    """How a route's path that is a helper's call was read, for a note; None when it is no such call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers):
        return None
    helper = helpers[node.func.id]
    said = f"its path is {ast.unparse(node)}, read as what {helper.name} returns"
    if helper.others:
        said += " when " + " and ".join(f"not {c}" for c in helper.others) + " (it returns another path otherwise)"
    return said


def _wrapper(method: ast.FunctionDef, urls: str, helpers: Mapping[str, PathHelper]) -> tuple[bool, PathHelper | None]:
    """Whether an ``add_..._resource`` method passes its paths on to ``self.add_resource``, and the helper it maps
    them through on the way (``urls = [org_scoped_rule(url) for url in urls]``)."""
    through: PathHelper | None = None
    for n in ast.walk(method):
        if isinstance(n, ast.Assign) and isinstance(n.value, (ast.ListComp, ast.GeneratorExp)) and \
                any(isinstance(t, ast.Name) and t.id == urls for t in n.targets):
            comp = n.value
            gen = comp.generators[0] if len(comp.generators) == 1 else None
            elt = comp.elt
            if gen is None or gen.ifs or not (isinstance(gen.iter, ast.Name) and gen.iter.id == urls) or \
                    not isinstance(gen.target, ast.Name) or not (
                    isinstance(elt, ast.Call) and isinstance(elt.func, ast.Name) and elt.func.id in helpers and
                    len(elt.args) == 1 and isinstance(elt.args[0], ast.Name) and elt.args[0].id == gen.target.id):
                return False, None
            through = helpers[elt.func.id]
    passes = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add_resource" and
                 isinstance(n.func.value, ast.Name) and n.func.value.id == "self" and
                 any(isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and a.value.id == urls
                     for a in n.args) for n in ast.walk(method))
    return passes, through


def resource(ctx: Context, name: str, imported_from: str | None) -> Resource | None:
    """The resource class ``name`` (the one of module ``imported_from`` when several have that name), with the HTTP
    methods it and its bases define; None when it is not in the service's code or defines none."""
    found = ctx.classes.get(name, [])
    if len(found) > 1 and imported_from:
        tail = imported_from.replace(".", "/")
        found = [(f, c) for f, c in found if f.endswith((f"{tail}.py", f"{tail}/__init__.py"))]
    if len(found) != 1:
        return None
    path, cls = found[0]
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    seen: set[str] = set()
    todo = [cls]
    login: str | None = None
    while todo:
        c = todo.pop(0)
        if c.name in seen:
            continue
        seen.add(c.name)
        login = login or _decorated_login(ctx, c)
        for m in c.body:
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name in _VERBS:
                methods.setdefault(m.name.upper(), m)
        for b in c.bases:
            base = ctx.classes.get(_callee(b), [])
            if len(base) == 1:
                todo.append(base[0][1])
    if not methods:
        return None
    return Resource(path, cls, tuple(sorted(methods.items())), _limited(path, cls, ctx.limiters), login)


def _decorated_login(ctx: Context, cls: ast.ClassDef) -> str | None:
    """Where a resource class's ``decorators`` or ``method_decorators`` list holds ``login_required``."""
    for s in cls.body:
        if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators")
                                             for t in s.targets) and isinstance(s.value, (ast.List, ast.Tuple)):
            for e in s.value.elts:
                if _callee(e) in _LOGIN_REQUIRED:
                    where = next((f for f, c in ctx.classes.get(cls.name, []) if c is cls), "?")
                    return f"{_callee(e)} in {cls.name}'s decorators at {where}:{e.lineno}"
    return None


def _limited(path: str, cls: ast.ClassDef, limiters: frozenset[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for s in cls.body:
        if not (isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "decorators" for t in s.targets)):
            continue
        for call in (n for n in ast.walk(s.value) if isinstance(n, ast.Call)):
            if not limit_call(call, limiters):
                continue
            said = f"{ast.unparse(call)} in the decorators of {cls.name} at {path}:{call.lineno}"
            methods = next((k.value for k in call.keywords if k.arg == "methods"), None)
            if isinstance(methods, (ast.List, ast.Tuple)):
                out += [(str(e.value).upper(), said) for e in methods.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            elif methods is None:
                out.append(("*", said))
    return tuple(out)


def limit_call(node: ast.expr, limiters: frozenset[str]) -> bool:
    """Whether ``node`` is ``<limiter>.limit(...)`` or ``<limiter>.shared_limit(...)`` of a Flask-Limiter."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in ("limit", "shared_limit") and isinstance(node.func.value, ast.Name) and \
        node.func.value.id in limiters


def imports(tree: ast.Module) -> dict[str, str]:
    """Names a module imports from another (``from redash.handlers.queries import QueryResource``) -> that module."""
    return {a.asname or a.name: n.module for n in code_trees.nodes(tree, ast.ImportFrom) if n.module
            for a in n.names}
