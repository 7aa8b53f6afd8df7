"""Laravel: the routes ``routes/web.php`` and ``routes/api.php`` register, who each authenticates, and what limits it.

Read as text, never executed (comments blanked first). The routing calls read: ``Route::get|post|put|patch|delete|
options|any(uri, action)``, ``Route::match([...], uri, action)``, ``Route::resource`` and ``Route::apiResource`` (their
default actions, ``->only()``/``->except()``), ``Route::view`` (a GET); ``Route::redirect`` runs no application code
and is left out. Groups: ``Route::group(['prefix' => ..., 'middleware' => ...], function () {...})`` and the fluent
``Route::prefix(...)->middleware(...)->group(function () {...})``, nested; a route's own ``->middleware(...)`` and
``->withoutMiddleware(...)``. The files' own groups are Laravel's: ``routes/api.php`` under ``/api`` (or the
``apiPrefix`` that ``bootstrap/app.php`` gives) and the ``api`` middleware group, ``routes/web.php`` under ``web``.

A middleware group is what ``bootstrap/app.php`` makes it (``$middleware->group('api', [...])`` replaces it,
``appendToGroup``/``prependToGroup`` add to it) or ``app/Http/Kernel.php``'s ``$middlewareGroups``; a name is expanded
through the groups, and a ``withoutMiddleware`` of a group removes all its members (as Laravel resolves excluded
names). A controller's constructor ``$this->middleware('auth')->except([...])``/``->only([...])`` applies to its
actions. What the middleware says:

- ``auth`` (``auth:web``, an ``Authenticate`` class): a session; ``auth:api`` with Passport installed: OAuth 2 tokens;
  ``auth:sanctum``: Sanctum's tokens or the session (``session``); ``auth.basic``: a password on each request
  (``session`` is no fit: ``api_key`` neither; it is said as ``session`` by the cookie Laravel sets after it);
- ``throttle:...`` (or ``ThrottleRequests``): a rate limit on the route;
- ``can:...``, ``role:...``, ``admin`` or an ``IsAdmin``/``Admin`` class: a check of what the caller may do (``role``).

A route no authentication middleware guards is said to authenticate nobody (``authn: none``), with why. Its
controller action is found by the class the ``uses``/``[Controller::class, 'method']``/``'Controller@method'`` action
names (under the group's ``namespace``, or the ``use`` imports of the routes file), looked up by class name among the
service's PHP files. An action is a sign-in when its controller uses ``AuthenticatesUsers`` (``login``) or its body
calls ``Auth::attempt``; a controller using ``ThrottlesLogins`` limits the attempts at its sign-in. An action that calls
``Artisan::call`` (itself or through a method of its class) in a class naming a ``migrate`` or ``db:`` command runs the
framework's console commands over the database: an operator's function. A path parameter named for a credential
(``{token}``, ``{apiKey}``) on a route no middleware authenticates is the credential in the URL, unless a fixed segment
names an e-mailed link (a password reset, a confirmation, an invitation: a one-time token). The session cookie's flags
(``session_cookie``) are read from ``config/session.php``, an ``env()`` one with the application's ``.env`` (or its
template ``.env.example``, which Laravel's install copies) as its value when the deployment leaves the variable unset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import blank_comments, close_bracket, split_args

_VERBS = ("get", "post", "put", "patch", "delete", "options", "any")
_RESOURCE = (("index", "GET", ""), ("create", "GET", "/create"), ("store", "POST", ""),
             ("show", "GET", "/{id}"), ("edit", "GET", "/{id}/edit"), ("update", "PUT", "/{id}"),
             ("update", "PATCH", "/{id}"), ("destroy", "DELETE", "/{id}"))
_API_RESOURCE = ("index", "store", "show", "update", "destroy")
_CALL = re.compile(r"(?:::|->)\s*(\w+)\s*\(")
_ROUTE = re.compile(r"\bRoute\s*::\s*(\w+)\s*\(")
_STRING = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")
_STRINGS = re.compile(r"""'([^']*)'|"([^"]*)"|([\w\\]+)::class""")
_AUTH = re.compile(r"^(?:auth(?::(?P<guard>[\w,]+))?|auth\.basic(?::\w+)?|(?:[\w\\]*\\)?Authenticate(?:::class)?)$")
_THROTTLE = re.compile(r"^(?:throttle(?::.*)?|(?:[\w\\]*\\)?ThrottleRequests\w*(?:::class)?)$")
_ROLE = re.compile(r"^(?:can:.+|role:.+|permission:.+|admin|(?:[\w\\]*\\)?(?:IsAdmin\w*|Admin)(?:::class)?)$")
_CREDENTIAL_PARAM = re.compile(r"\{(\w*(?:token|key|secret|password)\w*)\??\}", re.IGNORECASE)
_EMAIL_LINK = re.compile(r"reset|confirm|verif|invit|undo|activat|unsubscrib", re.IGNORECASE)
"""A fixed path segment of a link a user is e-mailed (a password reset, an address confirmation, an invitation): its
token is one-time, not a standing credential."""
_CLASS = re.compile(r"\bclass\s+(\w+)(?:\s+extends\s+([\w\\]+))?")
_USE = re.compile(r"^\s*use\s+([\w\\]+?)(?:\s+as\s+(\w+))?\s*;", re.MULTILINE)
_CTOR_MIDDLEWARE = re.compile(r"\$this\s*->\s*middleware\s*\(")
_GROUP_DEF = re.compile(r"->\s*(group|appendToGroup|prependToGroup)\s*\(\s*['\"]([\w-]+)['\"]\s*,\s*")
_KERNEL_GROUPS = re.compile(r"\$middlewareGroups\s*=\s*\[")
_API_PREFIX = re.compile(r"\bapiPrefix\s*:\s*['\"]([^'\"]*)['\"]")


@dataclass(frozen=True)
class LaravelRoute:
    """One route Laravel registers: method, path (``{id}`` for a parameter), where, the action (``Class@method``,
    None for a closure or a view), and what its middleware says."""

    method: str
    path: str
    at: Location
    action: str | None
    authn: tuple[str, str] | None = None
    """The kind of authentication its middleware performs, and why."""
    anonymous: str | None = None
    """Why no middleware authenticates its caller, when none does."""
    throttle: str | None = None
    """The throttle its middleware (or its controller's sign-in) puts on it, and where."""
    authz: tuple[str, str] | None = None
    """The check of what the caller may do that its middleware makes (``role``), and why."""
    login: str | None = None
    """Why its action is a sign-in."""
    maintenance: str | None = None
    """Where its action runs the framework's console commands (``Artisan::call``)."""
    credential_in_path: str | None = None
    """Why a credential is part of its URL (a path parameter named for one on an unauthenticated route)."""


def _at(file: str, text: str, i: int) -> Location:
    return Location(file, text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1)


def _str(arg: str) -> str | None:
    m = _STRING.match(arg)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _names(arg: str) -> tuple[str, ...]:
    """The middleware names an argument gives: a string, an array of strings and ``X::class``."""
    return tuple(m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None
                 else f"{m.group(3)}::class" for m in _STRINGS.finditer(arg))


def _option(array: str, key: str) -> str | None:
    """The value of ``'key' => value`` in a PHP array literal's text (its top level)."""
    body = array.strip()
    if body.startswith("["):
        body = body[1:-1] if body.endswith("]") else body[1:]
    elif body.startswith("array("):
        body = body[6:-1]
    for part in split_args(body):
        k, sep, v = part.partition("=>")
        if sep and _str(k) == key:
            return v.strip()
    return None


def _join(*parts: str) -> str:
    """The path of ``parts`` joined, an optional parameter's ``?`` dropped (``{id?}`` is ``{id}``)."""
    joined = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return "/" + joined.replace("?}", "}")


# --------------------------------------------------------------------------------------
# Middleware groups
# --------------------------------------------------------------------------------------


def middleware_groups(texts: Sequence[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """The middleware groups the application defines (``bootstrap/app.php``'s ``$middleware->group``,
    ``appendToGroup``, ``prependToGroup``; ``app/Http/Kernel.php``'s ``$middlewareGroups``)."""
    groups: dict[str, tuple[str, ...]] = {}
    for file, text in texts:
        code = blank_comments(text)
        if file.endswith(os.path.join("bootstrap", "app.php")):
            for m in _GROUP_DEF.finditer(code):
                start = code.find("[", m.end() - 1)
                if start < 0 or code[m.end():start].strip():
                    continue
                members = _names(code[start:close_bracket(code, start)])
                have = groups.get(m.group(2), ())
                groups[m.group(2)] = (members if m.group(1) == "group" else (*have, *members)
                                      if m.group(1) == "appendToGroup" else (*members, *have))
        elif file.endswith(os.path.join("Http", "Kernel.php")):
            for m in _KERNEL_GROUPS.finditer(code):
                body = code[m.end() - 1:close_bracket(code, m.end() - 1)][1:-1]
                for part in split_args(body):
                    k, sep, v = part.partition("=>")
                    if sep and (name := _str(k)) is not None:
                        groups[name] = _names(v)
    return groups


def _expand(names: Sequence[str], groups: Mapping[str, tuple[str, ...]], seen: frozenset[str] = frozenset()
            ) -> tuple[str, ...]:
    out: list[str] = []
    for n in names:
        if n in groups and n not in seen:
            out.extend(_expand(groups[n], groups, seen | {n}))
        else:
            out.append(n)
    return tuple(out)


# --------------------------------------------------------------------------------------
# The routes files
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    prefix: str
    middleware: tuple[str, ...]
    namespace: str


@dataclass(frozen=True)
class _Raw:
    method: str
    path: str
    at: Location
    action: str | None
    middleware: tuple[str, ...]
    without: tuple[str, ...]


def _chain(code: str, start: int) -> tuple[list[tuple[str, str, int, int]], int]:
    """The calls of a ``Route::a(...)->b(...)`` chain from ``start`` (at ``Route``): each name, its argument text,
    where its name is and where its argument text starts; and the index past the chain."""
    calls: list[tuple[str, str, int, int]] = []
    i = start + len("Route")
    while True:
        m = _CALL.match(code, i)
        if m is None:
            break
        open_at = m.end() - 1
        end = close_bracket(code, open_at)
        calls.append((m.group(1), code[open_at + 1:end - 1], m.start(1), open_at + 1))
        i = end
        while i < len(code) and code[i] in " \t\r\n":
            i += 1
    return calls, i


def _closure_body(arg: str) -> tuple[int, int] | None:
    """The span of the body of a ``function () {...}`` or ``static function (): void {...}`` in ``arg``."""
    m = re.search(r"\bfunction\s*\([^)]*\)\s*(?::\s*\??\w+\s*)?(?:use\s*\([^)]*\)\s*)?\{", arg)
    if m is None:
        return None
    return m.end() - 1, close_bracket(arg, m.end() - 1)


def _action(arg: str, namespace: str) -> str | None:
    """The ``Class@method`` an action argument names."""
    if (s := _str(arg)) is not None:
        return f"{namespace}\\{s}".lstrip("\\") if "@" in s else None
    if arg.strip().startswith("["):
        uses = _option(arg, "uses")
        if uses is not None:
            return _action(uses, namespace)
        parts = split_args(arg.strip()[1:-1])
        if len(parts) == 2 and (cls := re.match(r"^\s*([\w\\]+)::class\s*$", parts[0])) and (meth := _str(parts[1])):
            return f"{cls.group(1)}@{meth}"
    return None


def _read(file: str, code: str, scope: _Scope, out: list[_Raw], lo: int = 0, hi: int | None = None) -> None:
    """The routes registered in ``code[lo:hi]`` under ``scope``, added to ``out``."""
    i, hi = lo, len(code) if hi is None else hi
    while (m := _ROUTE.search(code, i, hi)) is not None:
        calls, end = _chain(code, m.start())
        i = max(end, m.end())
        names = [c[0] for c in calls]
        mids = tuple(n for c in calls if c[0] == "middleware" for n in _names(c[1]))
        without = tuple(n for c in calls if c[0] == "withoutMiddleware" for n in _names(c[1]))
        if "group" in names:
            g = calls[names.index("group")]
            args = split_args(g[1])
            prefix, namespace, extra = "", scope.namespace, mids
            for name, arg, _w, _s in calls:
                if name == "prefix" and (s := _str(arg)) is not None:
                    prefix = s
                elif name == "namespace" and (s := _str(arg)) is not None:
                    namespace = s
            if len(args) >= 2 and args[0].strip().startswith(("[", "array(")):
                opts = args[0]
                prefix = _str(_option(opts, "prefix") or "") or prefix
                namespace = _str(_option(opts, "namespace") or "") or namespace
                extra = (*extra, *_names(_option(opts, "middleware") or ""))
            span = _closure_body(g[1])
            if span is not None:
                inner = _Scope(_join(scope.prefix, prefix) if prefix else scope.prefix,
                               (*scope.middleware, *extra), namespace)
                _read(file, code, inner, out, g[3] + span[0] + 1, g[3] + span[1] - 1)
            continue
        if not calls:
            continue
        verb, arg, where, _start = calls[0]
        args = split_args(arg)
        at = _at(file, code, where)
        if verb in _VERBS or verb == "view":
            uri = _str(args[0]) if args else None
            if uri is None:
                continue
            action = _action(args[1], scope.namespace) if verb != "view" and len(args) > 1 else None
            method = "GET" if verb == "view" else verb.upper()
            out.append(_Raw(method, _join(scope.prefix, uri), at, action, (*scope.middleware, *mids), without))
        elif verb == "match" and len(args) >= 3 and (uri := _str(args[1])) is not None:
            for method in _names(args[0]):
                out.append(_Raw(method.upper(), _join(scope.prefix, uri), at, _action(args[2], scope.namespace),
                                (*scope.middleware, *mids), without))
        elif verb in ("resource", "apiResource") and len(args) >= 2 and (uri := _str(args[0])) is not None:
            cls = re.match(r"^\s*([\w\\]+)::class\s*$", args[1])
            controller = cls.group(1) if cls else (f"{scope.namespace}\\{_str(args[1])}".lstrip("\\")
                                                   if _str(args[1]) else None)
            only = {n for c in calls if c[0] == "only" for n in _names(c[1])}
            except_ = {n for c in calls if c[0] == "except" for n in _names(c[1])}
            for act, method, suffix in _RESOURCE:
                if (verb == "apiResource" and act not in _API_RESOURCE) or (only and act not in only) \
                        or act in except_:
                    continue
                out.append(_Raw(method, _join(scope.prefix, uri) + suffix if suffix else _join(scope.prefix, uri),
                                at, f"{controller}@{act}" if controller else None, (*scope.middleware, *mids), without))


# --------------------------------------------------------------------------------------
# Controllers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Controller:
    file: str
    code: str
    parent: str | None


def _controllers(texts: Sequence[tuple[str, str]]) -> dict[str, _Controller]:
    out: dict[str, _Controller] = {}
    for file, text in texts:
        if not file.endswith(".php"):
            continue
        code = blank_comments(text)
        m = _CLASS.search(code)
        if m is not None and "Controller" in code:
            out.setdefault(m.group(1), _Controller(file, code, m.group(2).rsplit("\\", 1)[-1] if m.group(2) else None))
    return out


def _method_body(code: str, name: str) -> tuple[str, int] | None:
    m = re.search(rf"\bfunction\s+{re.escape(name)}\s*\(", code)
    if m is None:
        return None
    brace = code.find("{", close_bracket(code, m.end() - 1))
    if brace < 0:
        return None
    return code[brace:close_bracket(code, brace)], m.start()


def _body_in(chain: Sequence[_Controller], name: str) -> tuple[str, int] | None:
    """The body of method ``name`` in the first class of ``chain`` that defines it."""
    return next((b for c in chain if (b := _method_body(c.code, name)) is not None), None)


def _reaches_migration(chain: Sequence[_Controller], action: str) -> bool:
    """Whether ``action`` (or a method of its class it calls through ``$this->``, three calls deep) calls
    ``Artisan::call``, in a class that names a ``migrate`` or ``db:`` command."""
    if not any(re.search(r"""['"](?:migrate|db:\w+)""", c.code) for c in chain):
        return False
    todo, seen = [action], set()
    for _ in range(4):
        step: list[str] = []
        for name in todo:
            if name in seen or (body := _body_in(chain, name)) is None:
                continue
            seen.add(name)
            if re.search(r"\bArtisan\s*::\s*call\s*\(", body[0]):
                return True
            step.extend(re.findall(r"\$this\s*->\s*(\w+)\s*\(", body[0]))
        todo = step
    return False


def _ctor_middleware(ctl: _Controller, action: str) -> tuple[str, ...]:
    """The middleware a controller's constructor applies to ``action``."""
    body = _method_body(ctl.code, "__construct")
    if body is None:
        return ()
    out: list[str] = []
    for m in _CTOR_MIDDLEWARE.finditer(body[0]):
        end = close_bracket(body[0], m.end() - 1)
        names = _names(body[0][m.end():end - 1])
        rest = body[0][end:body[0].find(";", end)]
        only = re.search(r"->\s*only\s*\(", rest)
        exc = re.search(r"->\s*except\s*\(", rest)
        if only and action not in _names(rest[only.end():close_bracket(rest, only.end() - 1)]):
            continue
        if exc and action in _names(rest[exc.end():close_bracket(rest, exc.end() - 1)]):
            continue
        out.extend(names)
    return tuple(out)


def _chain_of(controllers: Mapping[str, _Controller], name: str) -> list[_Controller]:
    out: list[_Controller] = []
    while name in controllers and len(out) < 10:
        ctl = controllers[name]
        out.append(ctl)
        if ctl.parent is None:
            break
        name = ctl.parent
    return out


# --------------------------------------------------------------------------------------
# What the middleware and the action say
# --------------------------------------------------------------------------------------


def _authn(names: Sequence[str], passport: bool) -> tuple[str, str] | None:
    for n in names:
        m = _AUTH.match(n)
        if m is None:
            continue
        guard = m.group("guard") or ""
        if guard == "api" and passport:
            return "oauth2", f"middleware {n}: Passport's OAuth 2 tokens"
        if guard == "sanctum":
            return "session", f"middleware {n}: Sanctum's API tokens or the session"
        return "session", f"middleware {n}: the signed-in user of the session"
    return None


def _short(file: str) -> str:
    return f"{os.path.basename(file)}"


def routes(texts: Sequence[tuple[str, str]]) -> list[LaravelRoute]:
    """The routes of a Laravel application among ``texts`` (its PHP files and ``composer.json``)."""
    files = dict(texts)
    web = [f for f in files if f.endswith(os.path.join("routes", "web.php"))]
    api = [f for f in files if f.endswith(os.path.join("routes", "api.php"))]
    if not web and not api:
        return []
    composer = "".join(t for f, t in texts if os.path.basename(f) == "composer.json")
    if ("laravel/framework" not in composer) if composer else not any("Illuminate\\" in files[f] for f in (*web, *api)):
        return []
    passport = "laravel/passport" in composer
    bootstrap = next((blank_comments(t) for f, t in texts if f.endswith(os.path.join("bootstrap", "app.php"))), "")
    prefix = m.group(1) if (m := _API_PREFIX.search(bootstrap)) else "api"
    raw: list[_Raw] = []
    for f in sorted(web):
        _read(f, blank_comments(files[f]), _Scope("", ("web",), ""), raw)
    for f in sorted(api):
        _read(f, blank_comments(files[f]), _Scope(_join(prefix), ("api",), ""), raw)
    groups = middleware_groups(texts)
    controllers = _controllers(texts)
    out: list[LaravelRoute] = []
    seen: set[tuple[str, str]] = set()
    for r in raw:
        if (r.method, r.path) in seen:
            continue
        seen.add((r.method, r.path))
        cls, _, meth = (r.action or "").partition("@")
        chain = _chain_of(controllers, cls.rsplit("\\", 1)[-1]) if cls else []
        names = [*r.middleware, *(n for c in chain for n in _ctor_middleware(c, meth))]
        removed = set(_expand(r.without, groups))
        effective = [n for n in _expand(names, groups) if n not in removed]
        authn = _authn(effective, passport)
        role = next((n for n in effective if _ROLE.match(n)), None)
        if authn is None and role is not None:
            authn = ("session", f"middleware {role} admits only a signed-in user it checks")
        throttle = next((f"middleware {n} ({_short(r.at.file)}:{r.at.line})" for n in effective
                         if _THROTTLE.match(n)), None)
        login = maintenance = None
        if chain and meth:
            body = _body_in(chain, meth)
            traits = " ".join(c.code for c in chain)
            if _reaches_migration(chain, meth):
                maintenance = (f"{cls.rsplit(chr(92), 1)[-1]}@{meth} runs the framework's console commands "
                               "(Artisan::call), database migrations among them")
            if (meth == "login" and re.search(r"\buse\s+AuthenticatesUsers\b", traits)) or (
                    body is not None and re.search(r"\bAuth\s*::\s*(?:guard\([^)]*\)\s*->\s*)?attempt\s*\(", body[0])):
                login = f"{cls.rsplit(chr(92), 1)[-1]}@{meth} checks the password the request carries"
                if re.search(r"\buse\s+ThrottlesLogins\b", traits) and throttle is None:
                    c = next(c for c in chain if re.search(r"\buse\s+ThrottlesLogins\b", c.code))
                    throttle = f"its controller uses ThrottlesLogins ({_short(c.file)}): repeated failures lock out"
        anonymous = None
        if authn is None:
            gone = f", withoutMiddleware({', '.join(r.without)}) removing it" if r.without else ""
            anonymous = f"no authentication middleware on the route, its groups or its controller{gone}"
        cred = None
        fixed = [seg for seg in r.path.split("/") if seg and "{" not in seg]
        if authn is None and (p := _CREDENTIAL_PARAM.search(r.path)) is not None \
                and not any(_EMAIL_LINK.search(seg) for seg in fixed):
            cred = f"the path parameter {{{p.group(1)}}} carries a credential and no middleware authenticates the route"
        out.append(LaravelRoute(r.method, r.path, r.at, r.action, authn, anonymous, throttle,
                                ("role", f"middleware {role}") if role else None, login, maintenance, cred))
    return out


# --------------------------------------------------------------------------------------
# The session cookie
# --------------------------------------------------------------------------------------

_ENV_CALL = re.compile(r"""^\s*env\s*\(\s*['"](\w+)['"]\s*(?:,\s*(.+?))?\s*\)\s*$""", re.DOTALL)
_FRAMEWORK_SESSION = {"secure": "env('SESSION_SECURE_COOKIE')", "http_only": "env('SESSION_HTTP_ONLY', true)",
                      "same_site": "env('SESSION_SAME_SITE', 'lax')"}
"""Laravel's own ``config/session.php`` values, when the application ships none of its own."""


@dataclass(frozen=True)
class CookieFlag:
    """One flag of the session cookie: its value when the code states it, else the environment variable that gives
    it, with the value it takes when the deployment leaves the variable unset (the application's ``.env`` or its
    template's, else ``env()``'s default: None when not known), and where each is read."""

    flag: str
    value: bool | str | None
    variable: str | None
    default: str | None
    defined: str
    said: str


def env_file(texts: Sequence[tuple[str, str]]) -> tuple[dict[str, str], str] | None:
    """The variables of the application's ``.env`` (or, when it ships none, of the template it ships for it:
    ``.env.example``), which Laravel loads into ``env()`` for every variable the environment leaves unset; and its
    name."""
    files = {os.path.basename(f): (f, t) for f, t in texts}
    for name in (".env", ".env.example"):
        if name in files:
            out: dict[str, str] = {}
            for line in files[name][1].splitlines():
                k, sep, v = line.strip().partition("=")
                if sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", k.strip()):
                    out[k.strip()] = v.strip().strip("'\"")
            return out, name
    return None


def _php_literal(text: str) -> bool | str | None:
    """A PHP literal's value: a string's text (lowered), a boolean; None for anything else (``null``, a call)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1].lower()
    return {"true": True, "false": False}.get(t.lower())


def session_cookie(texts: Sequence[tuple[str, str]]) -> tuple[CookieFlag, ...]:
    """The flags of the session cookie of a Laravel application: ``secure``, ``http_only`` and ``same_site`` from its
    ``config/session.php`` (Laravel's own defaults when it ships none), each a literal or an ``env()`` read."""
    config = next(((f, blank_comments(t)) for f, t in texts if f.endswith(os.path.join("config", "session.php"))),
                  None)
    dotenv = env_file(texts)
    out: list[CookieFlag] = []
    for flag, framework in _FRAMEWORK_SESSION.items():
        where, value = "Laravel's default config/session.php", framework
        if config is not None:
            m = re.search(rf"""['"]{flag}['"]\s*=>\s*(.+?),?[ \t]*$""", config[1], re.MULTILINE)
            if m is None:
                continue
            value = m.group(1).strip()
            where = f"{os.path.basename(config[0])}:{config[1].count(chr(10), 0, m.start()) + 1}"
        said = f"'{flag}' => {value} ({where})"
        call = _ENV_CALL.match(value)
        if call is None:
            literal = _php_literal(value)
            if literal is not None:
                out.append(CookieFlag(flag, literal, None, None, where, said))
            continue
        variable, fallback = call.group(1), call.group(2)
        default: str | None
        if dotenv is not None and variable in dotenv[0]:
            default, defined = dotenv[0][variable], f"{variable}={dotenv[0][variable]} in {dotenv[1]}"
        else:
            literal = _php_literal(fallback) if fallback is not None else False if flag == "secure" else None
            default = None if literal is None else str(literal).lower()
            defined = f"env()'s default in {where}"
        out.append(CookieFlag(flag, None, variable, default, defined, said))
    return tuple(out)


__all__ = ["CookieFlag", "LaravelRoute", "env_file", "middleware_groups", "routes", "session_cookie"]
