"""Ruby on Rails: the routes ``config/routes.rb`` draws, who each one authenticates, and what limits it.

Read line by line, never executed. The routing DSL read: ``resources`` and ``resource`` (the seven and six default
actions, ``only:``/``except:``, ``param:``, ``path:``, ``controller:``, ``module:``, ``shallow: true``), nesting under
a parent's ``{parent_id}``, ``member``/``collection`` blocks and ``on:``, ``namespace``, ``scope`` (a path, ``path:``,
``module:``), the verbs (``get "path", to: "controller#action"``, ``get "path" => "controller#action"``, ``post
:action`` inside a resource), ``root``, ``mount App => "/path"`` (``ANY`` under it), and Doorkeeper's
``use_doorkeeper`` (its OAuth routes under ``/oauth``). A block under ``if Rails.env.test?`` or ``development?``
draws nothing as deployed and is left out; a ``redirect(...)`` route runs no application code and is left out.

A route's controller is found by Rails' naming (``Api::V1::AuthController`` in ``app/controllers/api/v1/
auth_controller.rb``), and its filters are read up its class chain, with the concerns each class includes: a
``before_action`` whose name says it authenticates (``authenticate_user!``, ``require_login``) protects the action
unless a ``skip_before_action`` of it (or a class macro whose body is one: ``skip_authentication``) covers it, both
read with ``only:``/``except:``. What that filter reads tells its kind (a cookie or the session: ``session``; an
OAuth access token: ``oauth2``; an API key: ``api_key``). An action whose code checks a password or one-time code the
request carries is a sign-in; one in a controller that builds a user from the request and signs it in is a sign-up.
An anonymous action that reads a signature header of the request and verifies it (a Stripe or Plaid webhook) is not
said to authenticate nobody: the signature is its caller's credential. HTTP Basic authentication is ``basic``: a
controller's ``http_basic_authenticate_with`` (with ``only:``/``except:``) for its actions, and a mounted Rack
application wrapped in ``Rack::Auth::Basic`` (``Sidekiq::Web.use(Rack::Auth::Basic) do |user, password| ... end``,
not under ``if Rails.env.development?``) for its mount; when the password it accepts falls back to a literal
(``ENV.fetch("SIDEKIQ_WEB_PASSWORD", "maybe")``, ``code_default_admin.password_fallbacks``) or is compared with one,
that is said, with the variable the deployment would have to set.

Rack::Attack's ``throttle`` blocks limit the routes whose path their block compares (``request.path == "/x"``,
``request.path.start_with?("/api/")``). The session cookie an action sets through ``cookies[...] = {...}`` (in its
body, or in a method of the controllers it calls) has the flags the hash gives: ``httponly`` and ``same_site`` as
written (Rails' defaults: no HttpOnly, SameSite Lax), ``secure`` as written or, unstated, whatever ``config.force_ssl``
of ``config/environments/production.rb`` is as deployed (Rails marks every cookie Secure under it).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from engine.errors import Location
from engine.importers.code_default_admin import password_fallbacks

_DEFAULT_PLURAL = ("index", "create", "new", "edit", "show", "update", "destroy")
_DEFAULT_SINGULAR = ("create", "new", "edit", "show", "update", "destroy")
_ACTION_ROUTES: Mapping[str, tuple[tuple[str, ...], str, bool]] = {
    # action -> (methods, suffix, on the member): resources' index and create are on the collection
    "index": (("GET",), "", False), "create": (("POST",), "", False), "new": (("GET",), "/new", False),
    "edit": (("GET",), "/edit", True), "show": (("GET",), "", True), "update": (("PATCH", "PUT"), "", True),
    "destroy": (("DELETE",), "", True)}
_VERBS = ("get", "post", "put", "patch", "delete", "match")
_OPENS = re.compile(r"^(?:if|unless|case|begin|def|class|module|while|until|for)\b")
_DOES = re.compile(r"\bdo(?:\s*\|[^|]*\|)?\s*$")
_SKIPPED_ENVS = re.compile(r"^(?:if\s+Rails\.env\.(?:test|development|local)\?|unless\s+Rails\.env\.production\?)\s*$")
"""A condition under which routes are drawn only in tests or development (``if Rails.env.development?``, ``unless
Rails.env.production?``), opening a block or ending a statement as its modifier."""
_MODIFIER = re.compile(r"^(.*?\S)\s+((?:if|unless)\s+[^\"']+)$")
"""A statement with a trailing ``if``/``unless`` modifier (``mount Tool, at: "/tool" if Rails.env.development?``)."""
_AUTH_FILTER = re.compile(r"authenticat|require_(?:login|sign(?:ed)?_?in|user|authentication)\b|ensure_(?:logged|"
                          r"signed)_in")
"""A ``before_action`` whose name says it authenticates the caller."""
_LOGIN_CHECK = re.compile(r"\bauthenticate_by\s*\(|\.authenticate\s*\(\s*params\b|\bverify_(?:otp|totp)\??\s*\("
                          r"\s*params\b|valid_password\?\s*\(\s*params\b")
"""Code that checks a password or one-time code the request carries."""
_SIGNATURE_HEADER = re.compile(r"""(?:headers\s*\[\s*["']|env\s*\[\s*["']HTTP_)[\w-]*(?:signature|verification)""",
                               re.IGNORECASE)
_VERIFIES = re.compile(r"validat|verif|construct_?event|parse_\w*event", re.IGNORECASE)
_COOKIE_SET = re.compile(r"\bcookies(?:\.(?:signed|encrypted|permanent))*\s*\[\s*:?[\"']?(\w+)[\"']?\s*\]\s*=\s*"
                         r"\{([^}]*)\}")
_SESSION_WORD = re.compile(r"session|token|auth|remember", re.IGNORECASE)
_CREDENTIAL_READ = re.compile(r"\bcookies\b|\bsession\s*\[|authorization|\btoken\b", re.IGNORECASE)
_TURNS_AWAY = re.compile(r"\bredirect_to\b|:unauthorized\b|\b401\b|:forbidden\b")
_NO_USER_YET = re.compile(r"\b[A-Z]\w*\.(?:exists\?|any\?|none\?|count\s*(?:\.zero\?|[=!]=\s*0\b|>\s*0\b))")
"""A check of whether any record of a model exists yet (``User.exists?``, ``User.count.zero?``)."""
_SAVES = re.compile(r"\.(?:save|create)!?\b")
_TOKEN_HEADER = re.compile(r"""headers\s*\[\s*["'](?:HTTP_)?X[-_][\w-]*(?:token|key)["']""", re.IGNORECASE)
"""A filter reading a token from a header of its own (``request.headers["X-Auth-Token"]``): an API key."""
_COOKIE_READ = re.compile(r"\bcookies(?:\.(?:signed|encrypted|permanent))*\s*\[\s*:?[\"']?(\w+)[\"']?\s*\](?!\s*=[^=])")


@dataclass(frozen=True)
class RailsRoute:
    """One route Rails draws: method (``ANY`` for a mounted application), path (``{id}`` for a parameter), where,
    and the ``controller#action`` (or the mounted application) that answers it."""

    method: str
    path: str
    at: Location
    target: str
    authn: tuple[str, str] | None = None
    """The kind of authentication its controller's filters perform (``session``, ``oauth2``, ``api_key``), and why."""
    anonymous: str | None = None
    """Why its controller authenticates nobody for it (a skipped authentication filter), when so."""
    login: str | None = None
    """Why its action is a sign-in or a sign-up, when it is one."""
    throttle: str | None = None
    """The Rack::Attack throttle whose block names its path, and where."""
    cookie: tuple[tuple[tuple[str, bool | str], ...], str] | None = None
    """The flags of the session cookie its action sets, and where (``secure`` left to ``force_ssl`` when unstated)."""
    cookie_secure_unstated: bool = False
    configures: str | None = None
    """Where its action writes the installation's global settings (a ``RailsSettings::Base`` model), when it does."""
    lockout: str | None = None
    """Why its sign-in locks an account after repeated failures (Devise's ``:lockable`` on the model), when it does."""
    default_credentials: tuple[str, str] | None = None
    """Why the password its HTTP Basic authentication accepts falls back to a literal when the operator sets none, and
    the variable that would set it ("" for a literal the code compares with)."""


@dataclass
class _Frame:
    kind: str  # scope, resource, resources, member, collection, skip, other
    path: str = ""
    module: str = ""
    name: str = ""
    controller: str = ""
    param: str = "id"
    shallow: bool = False
    at: Location | None = None
    """Where an ``authenticated`` block opens (its routes need a signed-in user)."""

    @property
    def nested_param(self) -> str:
        """The parameter a nested route names this resource by: ``{ledger_id}``, or ``{ledger_slug}`` under
        ``param: :slug`` (Rails' ``"#{singular}_#{param}"``)."""
        return f"{singularize(self.name)}_{self.param}"


def _uncomment(line: str) -> str:
    """The line without its ``#`` comment (a ``#`` inside a string is kept: ``"auth#login"``)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _symbols(text: str) -> list[str]:
    """The names of ``%i[a b]``, ``[ :a, :b ]``, ``:a`` or ``"a"``."""
    m = re.match(r"\s*%[iw][\[(]([^\])]*)[\])]", text)
    if m:
        return m.group(1).split()
    m = re.match(r"\s*\[([^\]]*)\]", text) or re.match(r"\s*(:?[\"']?\w+[\"']?)", text)
    body = m.group(1) if m else ""
    return [s.strip().strip(":\"'") for s in body.split(",") if s.strip().strip(":\"'")]


def _first_name(args: str) -> str:
    """The first argument's name (``:chats``, ``"chats"``), or empty."""
    m = re.match(r"\s*(:?[\"']?\w+[\"']?)", args)
    return _str(m.group(1)) or "" if m else ""


def _option(args: str, key: str) -> str | None:
    """The raw value of ``key:`` (or ``:key =>``) in an argument list, up to the next option."""
    m = re.search(rf"(?:\b{key}:|:{key}\s*=>)\s*(%[iw][\[(][^\])]*[\])]|\[[^\]]*\]|\"[^\"]*\"|'[^']*'|:?[\w/]+)",
                  args)
    return m.group(1) if m else None


def _str(value: str | None) -> str | None:
    return None if value is None else value.strip().strip(":\"'")


def pluralize(word: str) -> str:
    """Rails' plural of a resource name for the common English endings (``hosting`` -> ``hostings``, ``category`` ->
    ``categories``, ``transfer_match`` -> ``transfer_matches``); a word already ending in ``s`` is kept."""
    if word.endswith("s"):
        return word
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:ch|sh|x|z)$", word):
        return word + "es"
    return word + "s"


def singularize(word: str) -> str:
    """Rails' singular of a plural resource name for the common English endings."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:ch|sh|x|z)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_DEVISE_ROUTES: Mapping[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {
    # Devise's route of a module -> its (action, methods, path pieces), as ActionDispatch's devise_for draws them
    "sessions": (("new", ("GET",), ("sign_in",)), ("create", ("POST",), ("sign_in",)),
                 ("destroy", ("DELETE",), ("sign_out",))),
    "passwords": (("new", ("GET",), ("password", "new")), ("edit", ("GET",), ("password", "edit")),
                  ("update", ("PATCH", "PUT"), ("password",)), ("create", ("POST",), ("password",))),
    "registrations": (("cancel", ("GET",), ("registration", "cancel")), ("new", ("GET",), ("registration", "sign_up")),
                      ("edit", ("GET",), ("registration", "edit")), ("update", ("PATCH", "PUT"), ("registration",)),
                      ("destroy", ("DELETE",), ("registration",)), ("create", ("POST",), ("registration",))),
    "confirmations": (("new", ("GET",), ("confirmation", "new")), ("show", ("GET",), ("confirmation",)),
                      ("create", ("POST",), ("confirmation",))),
    "unlocks": (("new", ("GET",), ("unlock", "new")), ("show", ("GET",), ("unlock",)),
                ("create", ("POST",), ("unlock",))),
}
_DEVISE_PATH_NAMES = {"registration": ""}
"""Devise's default path names that differ from the piece's name (a registration's routes are the resource's)."""
_DEVISE_MODULE_ROUTES = {"recoverable": "passwords", "registerable": "registrations", "confirmable": "confirmations",
                         "lockable": "unlocks"}
"""The route a Devise module adds (every ``*_authenticatable`` module adds the sessions)."""
_DEVISE_LOGINS = {("sessions", "create"): "Devise's sign-in: sessions#create checks the password the request carries "
                                          "({where})",
                  ("registrations", "create"): "Devise's sign-up: registrations#create builds a user from the request "
                                               "and signs it in ({where})"}
_DEVISE_MODEL = re.compile(r"^\s*devise\s+((?::\w+\s*,\s*)*:\w+)", re.MULTILINE)
"""A model's ``devise :database_authenticatable, :lockable, ...`` (its modules, possibly over several lines)."""


def _hash(args: str, key: str) -> str:
    """The text of ``key: { ... }`` in an argument list, or empty."""
    m = re.search(rf"\b{key}:\s*\{{([^}}]*)\}}", args)
    return m.group(1) if m else ""


def devise_models(texts: Sequence[tuple[str, str]]) -> dict[str, tuple[frozenset[str], str | None]]:
    """The Devise modules each model class declares (``devise :database_authenticatable, :lockable``), and why its
    sign-in locks accounts when one is ``:lockable`` and ``config/initializers/devise.rb`` does not turn the lock
    strategy off (Devise's default: 20 failed attempts lock the account)."""
    off = any(re.search(r"^\s*config\.lock_strategy\s*=\s*:none\b", "\n".join(_uncomment(x) for x in t.splitlines()),
                        re.MULTILINE) for f, t in texts if f.replace(os.sep, "/").endswith("initializers/devise.rb"))
    out: dict[str, tuple[frozenset[str], str | None]] = {}
    for f, t in texts:
        if "devise" not in t:
            continue
        text = "\n".join(_uncomment(x) for x in t.splitlines())
        for m in _DEVISE_MODEL.finditer(text):
            cls = re.findall(r"^\s*class\s+([\w:]+)", text[:m.start()], re.MULTILINE)
            if not cls:
                continue
            modules = frozenset(re.findall(r":(\w+)", m.group(1)))
            line = text.count("\n", 0, m.start()) + 1
            lockout = (f"Devise's :lockable on {cls[-1]} ({os.path.basename(f)}:{line}) locks the account after "
                       "repeated failed sign-ins") if "lockable" in modules and not off else None
            out.setdefault(cls[-1].rsplit("::", 1)[-1], (modules, lockout))
    return out


def _join(*parts: str) -> str:
    out = "/".join(p.strip("/") for p in parts if p.strip("/"))
    return "/" + out


class _RouteReader:
    def __init__(self, file: str, models: Mapping[str, tuple[frozenset[str], str | None]] | None = None) -> None:
        self.file = file
        self.devise_models = models or {}
        self.stack: list[_Frame] = []
        self.routes: list[RailsRoute] = []
        self.remarks: list[tuple[Location, str]] = []

    def _skipping(self) -> bool:
        return any(f.kind == "skip" for f in self.stack)

    def _prefix(self, member: bool = True) -> str:
        """The path under which a route of the innermost frame is drawn (a resource's member routes under its
        ``{param}``; nested resources under the parent's ``{parent_id}``)."""
        path = ""
        for i, f in enumerate(self.stack):
            inner = i == len(self.stack) - 1
            if f.kind == "scope":
                path = _join(path, f.path)
            elif f.kind == "resources":
                path = _join(path, f.path)
                if not inner:
                    nxt = self.stack[i + 1]
                    if nxt.kind == "member":
                        path = _join(path, "{" + f.param + "}")
                    elif nxt.kind in ("resources", "resource", "other"):
                        path = _join(path, "{" + f.nested_param + "}")
                elif member:
                    path = _join(path, "{" + f.nested_param + "}")
            elif f.kind == "resource":
                path = _join(path, f.path)
        return path

    def _module(self) -> str:
        return "/".join(f.module for f in self.stack if f.module)

    def _resource(self) -> _Frame | None:
        for f in reversed(self.stack):
            if f.kind in ("resources", "resource"):
                return f
        return None

    def _add(self, methods: Sequence[str], path: str, line: int, col: int, target: str) -> None:
        if self._skipping():
            return
        at = Location(self.file, line, col)
        path = re.sub(r":(\w+)", r"{\1}", re.sub(r"\([^)]*\)", "", path)).rstrip("/") or "/"
        gate = next((f.at for f in self.stack if f.kind == "authenticated" and f.at is not None), None)
        authn = None if gate is None else (
            "session", f"drawn inside Devise's `authenticated` block ({os.path.basename(gate.file)}:{gate.line}): "
                       "only a signed-in user's request reaches it")
        for m in methods:
            self.routes.append(RailsRoute(m, path, at, target, authn=authn))

    def _controller(self, name: str, module: str | None = None) -> str:
        mod = self._module() if module is None else module
        return f"{mod}/{name}" if mod else name

    def read(self, text: str) -> None:
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            raw = lines[i]
            n = i + 1
            line = _uncomment(raw).strip()
            i += 1
            while line.endswith(",") and i < len(lines):   # a statement continued on the next line
                line = f"{line} {_uncomment(lines[i]).strip()}"
                i += 1
            col = len(raw) - len(raw.lstrip()) + 1
            if not line:
                continue
            if line == "end":
                if self.stack:
                    self.stack.pop()
                continue
            opens = bool(_DOES.search(line))
            head = _DOES.sub("", line).strip() if opens else line
            if _OPENS.match(line) and not opens:
                self.stack.append(_Frame("skip" if _SKIPPED_ENVS.match(line) else "other"))
                if _SKIPPED_ENVS.match(line):
                    self.remarks.append((Location(self.file, n, col), f"routes under `{line}` are drawn only in "
                                                                      "tests or development: left out"))
                continue
            modifier = _MODIFIER.match(head)
            if modifier and _SKIPPED_ENVS.match(modifier.group(2)):
                self.remarks.append((Location(self.file, n, col), f"`{head}` is drawn only in tests or development: "
                                                                  "left out"))
                if opens:
                    self.stack.append(_Frame("skip"))
                continue
            frame = self._statement(modifier.group(1) if modifier else head, n, col)
            if opens:
                self.stack.append(frame or _Frame("other"))

    def _statement(self, head: str, n: int, col: int) -> _Frame | None:
        m = re.match(r"(\w+)\b\s*\(?\s*(.*?)\)?\s*$", head)
        if not m:
            return None
        word, args = m.group(1), m.group(2)
        if word == "namespace":
            name = _first_name(args)
            path = _str(_option(args, "path"))
            return _Frame("scope", path=name if path is None else path, module=name)
        if word == "scope":
            first = re.match(r"\s*[\"']([^\"']*)[\"']", args)
            return _Frame("scope", path=(first.group(1) if first else _str(_option(args, "path")) or ""),
                          module=_str(_option(args, "module")) or "")
        if word in ("resources", "resource"):
            return self._resources(word, args, n, col)
        if word in ("member", "collection"):
            return _Frame(word)
        if word in _VERBS:
            self._verb(word, args, n, col)
            return None
        if word == "root":
            quoted = re.match(r"\s*[\"']([^\"']*)[\"']", args)
            target = _str(_option(args, "to")) or (quoted.group(1) if quoted else "")
            self._add(("GET",), self._prefix(False) if self.stack else "/", n, col, self._target(target or ""))
            return None
        if word == "mount":
            mm = re.match(r"\s*([\w:]+)(?:\s*=>\s*[\"']([^\"']*)[\"']|.*?\bat:\s*[\"']([^\"']*)[\"'])", args)
            if mm:
                self._add(("ANY",), _join(self._prefix(False), mm.group(2) or mm.group(3) or ""), n, col,
                          mm.group(1))
            return None
        if word == "use_doorkeeper":
            self._doorkeeper(n, col)
            return None
        if word == "devise_for":
            self._devise(args, n, col)
            return None
        if word == "authenticated":
            return _Frame("authenticated", at=Location(self.file, n, col))
        return None

    def _target(self, to: str) -> str:
        if "#" not in to:
            return to
        controller, action = to.split("#", 1)
        return f"{self._controller(controller)}#{action}"

    def _doorkeeper(self, n: int, col: int) -> None:
        """Doorkeeper's default routes (its ``use_doorkeeper``): authorization, tokens, token info, applications."""
        base = _join(self._prefix(False), "oauth")
        for verbs, path, target in ((("GET", "POST", "DELETE"), "/authorize", "doorkeeper/authorizations"),
                                    (("POST",), "/token", "doorkeeper/tokens#create"),
                                    (("POST",), "/revoke", "doorkeeper/tokens#revoke"),
                                    (("POST",), "/introspect", "doorkeeper/tokens#introspect"),
                                    (("GET",), "/token/info", "doorkeeper/token_info#show")):
            self._add(verbs, _join(base, path), n, col, target)
        for action in _DEFAULT_PLURAL:
            methods, suffix, member = _ACTION_ROUTES[action]
            self._add(methods, _join(base, "applications", "{id}" if member else "", suffix), n, col,
                      f"doorkeeper/applications#{action}")
        self._add(("GET",), _join(base, "authorized_applications"), n, col, "doorkeeper/authorized_applications#index")
        self._add(("DELETE",), _join(base, "authorized_applications", "{id}"), n, col,
                  "doorkeeper/authorized_applications#destroy")

    def _devise(self, args: str, n: int, col: int) -> None:
        """Devise's routes for ``devise_for :users``: those of the model's modules (``only:``/``skip:`` apply), under
        ``path:`` (default the resource's name) with ``path_names:``, answered by ``controllers:`` or Devise's own.
        The sign-in, password, sign-up, confirmation and unlock forms serve a signed-out caller; the sign-in checks
        the password the request carries, and locks the account after repeated failures when the model is
        ``:lockable``; editing or cancelling a registration needs a signed-in user."""
        if self._skipping():
            return
        name = _first_name(args)
        model = _str(_option(args, "class_name")) or "".join(w.capitalize() for w in singularize(name).split("_"))
        modules, lockout = self.devise_models.get(model, (frozenset({"database_authenticatable"}), None))
        wanted = {r for m in modules if (r := _DEVISE_MODULE_ROUTES.get(m) or (
            "sessions" if m.endswith("authenticatable") else None))}
        only, skip = _option(args, "only"), _option(args, "skip")
        if only is not None:
            wanted &= set(_symbols(only))
        if skip is not None:
            wanted -= set(_symbols(skip))
        path = _str(_option(args, "path"))
        base = _join(self._prefix(False), name if path is None else path)
        names = dict(re.findall(r"(\w+):\s*[\"']([^\"']*)[\"']", _hash(args, "path_names")))
        controllers = dict(re.findall(r"(\w+):\s*[\"']([^\"']*)[\"']", _hash(args, "controllers")))
        at = Location(self.file, n, col)
        where = f"{os.path.basename(self.file)}:{n}"
        for route in sorted(wanted, key=list(_DEVISE_ROUTES).index):
            controller = controllers.get(route, f"devise/{route}")
            for action, methods, pieces in _DEVISE_ROUTES[route]:
                piece = "/".join(names.get(p, _DEVISE_PATH_NAMES.get(p, p)) for p in pieces)
                signed_in = route == "registrations" and action in ("edit", "update", "destroy")
                for m in methods:
                    self.routes.append(RailsRoute(
                        m, _join(base, piece), at, f"{controller}#{action}",
                        authn=("session", f"Devise's registrations#{action} authenticates its user first ({where})")
                        if signed_in else None,
                        anonymous=None if signed_in or (route, action) == ("sessions", "destroy") else
                        f"Devise's {route}#{action} serves a signed-out caller (devise_for, {where})",
                        login=_DEVISE_LOGINS.get((route, action), "").format(where=where) or None,
                        lockout=lockout if (route, action) == ("sessions", "create") else None))

    def _resources(self, word: str, args: str, n: int, col: int) -> _Frame:
        name = _first_name(args)
        plural = word == "resources"
        path = _str(_option(args, "path"))
        frame = _Frame(word, path=name if path is None else path, module=_str(_option(args, "module")) or "",
                       name=name, param=_str(_option(args, "param")) or "id",
                       shallow=_str(_option(args, "shallow")) == "true" or any(f.shallow for f in self.stack))
        controller = _str(_option(args, "controller")) or (name if plural else pluralize(name))
        module = "/".join(x for x in (self._module(), frame.module) if x)
        frame.controller = f"{module}/{controller}" if module else controller
        only, except_ = _option(args, "only"), _option(args, "except")
        actions = list(_DEFAULT_PLURAL if plural else _DEFAULT_SINGULAR)
        if only is not None:
            actions = [a for a in actions if a in _symbols(only)]
        if except_ is not None:
            actions = [a for a in actions if a not in _symbols(except_)]
        outer = self._prefix(True) if self.stack and self.stack[-1].kind in ("resources",) else self._prefix(False)
        for action in actions:
            methods, suffix, member = _ACTION_ROUTES[action]
            base = outer
            if member and frame.shallow and plural:
                base = _join(*(f.path for f in self.stack if f.kind == "scope"))
            path = _join(base, frame.path, "{" + frame.param + "}" if member and plural else "", suffix)
            self._add(methods, path, n, col, f"{frame.controller}#{action}")
        return frame

    def _verb(self, verb: str, args: str, n: int, col: int) -> None:
        if "redirect(" in args:
            return
        res = self._resource()
        inner = self.stack[-1] if self.stack else None
        on = _str(_option(args, "on"))
        to = _str(_option(args, "to"))
        m = re.match(r"\s*[\"']([^\"']*)[\"']\s*(?:=>\s*[\"']([^\"']*)[\"'])?", args)
        sym = re.match(r"\s*:(\w+)", args)
        methods = tuple(_symbols(_option(args, "via") or "")) if verb == "match" else (verb,)
        methods = tuple(x.upper() for x in methods) or ("ANY",)
        if m:
            piece, to = m.group(1), m.group(2) or to
            action = to or piece.strip("/").replace("/", "_")
        elif sym:
            piece, action = sym.group(1), sym.group(1)
        else:
            return
        if res is not None and inner is not None and (inner.kind in ("member", "collection", "resources",
                                                                     "resource") or on):
            kind = on or (inner.kind if inner.kind in ("member", "collection") else
                          "nested" if inner.kind == "resources" else "collection")
            base = _join(self._outer_of(res), res.path)
            if res.kind == "resources" and kind == "member":
                base = _join(base, "{" + res.param + "}")
            elif res.kind == "resources" and kind == "nested":   # resources :photos do get :preview: nested
                base = _join(base, "{" + res.nested_param + "}")
            target = self._target(to) if to and "#" in to else f"{res.controller}#{to or action}"
            self._add(methods, _join(base, piece), n, col, target)
            return
        target = self._target(to) if to else f"{self._controller(action)}"
        if to is None and self.stack and self.stack[-1].kind == "scope":   # namespace :webhooks { post "plaid" }
            target = f"{self._module()}#{action}"
        self._add(methods, _join(self._prefix(False), piece), n, col, target)

    def _outer_of(self, res: _Frame) -> str:
        """The path a resource frame's own routes are drawn under."""
        i = self.stack.index(res)
        saved = self.stack
        self.stack = saved[:i]
        try:
            return self._prefix(True) if self.stack and self.stack[-1].kind == "resources" else self._prefix(False)
        finally:
            self.stack = saved


def draw(file: str, text: str, models: Mapping[str, tuple[frozenset[str], str | None]] | None = None
         ) -> tuple[list[RailsRoute], list[tuple[Location, str]]]:
    """The routes one ``config/routes.rb`` draws, in order, and what was left out; ``models``: the Devise modules of
    each model class (``devise_models``), for its ``devise_for``."""
    reader = _RouteReader(file, models)
    reader.read(text)
    return reader.routes, reader.remarks


# --------------------------------------------------------------------------------------
# Controllers: filters, sign-ins, cookies
# --------------------------------------------------------------------------------------


@dataclass
class _Class:
    name: str
    parent: str
    file: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    """Its class-level statements, in order (line, text)."""
    methods: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Its methods: name -> (line, body)."""
    includes: list[str] = field(default_factory=list)


def _blocks(text: str) -> list[tuple[int, int, str]]:
    """Each line's depth of nesting (by ``do``/``if``/``def``/``class``/``module`` ... ``end``), its number, and
    its text without comment."""
    out: list[tuple[int, int, str]] = []
    depth = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = _uncomment(raw).strip()
        if not line:
            continue
        if line == "end" or line.startswith(("end ", "end.")):
            depth -= 1
            out.append((depth, n, line))
            continue
        out.append((depth, n, line))
        endless = re.match(r"def\s+[\w.!?]+(?:\([^)]*\))?\s*=[^=~>]", line)
        if (_OPENS.match(line) and not re.search(r"\bend\s*$", line) and not endless) or _DOES.search(line) or \
                re.search(r"=\s*(?:if|unless|case|begin)\b", line):
            depth += 1
    return out


def _classes(file: str, text: str) -> list[_Class]:
    """The classes and modules a Ruby file defines, each with its full name (nested modules joined by ``::``)."""
    out: list[_Class] = []
    stack: list[tuple[int, str, _Class | None]] = []
    method: tuple[str, int, int, list[str]] | None = None
    for depth, n, line in _blocks(text):
        while stack and stack[-1][0] >= depth and not (line == "end" and stack[-1][0] == depth):
            stack.pop()
        if method is not None:
            if depth <= method[1] and line == "end":
                owner = next((c for _d, _nm, c in reversed(stack) if c is not None), None)
                if owner is not None:
                    owner.methods[method[0]] = (method[2], "\n".join(method[3]))
                method = None
            else:
                method[3].append(line)
            continue
        if line == "end":
            if stack and stack[-1][0] == depth:
                stack.pop()
            continue
        m = re.match(r"(class|module)\s+([\w:]+)(?:\s*<\s*([\w:]+))?", line)
        if m:
            outer = "::".join(nm for _d, nm, _c in stack)
            full = f"{outer}::{m.group(2)}" if outer else m.group(2)
            cls = _Class(full, m.group(3) or "", file)
            out.append(cls)
            stack.append((depth, m.group(2), cls))
            continue
        d = re.match(r"def\s+(?:self\.)?([\w!?]+)", line)
        if d:
            if re.search(r"\bend\s*$", line):
                continue
            method = (d.group(1), depth, n, [])
            continue
        owner = next((c for _d, _nm, c in reversed(stack) if c is not None), None)
        if owner is not None:
            owner.lines.append((n, line))
            inc = re.match(r"include\s+([\w:, ]+)", line)
            if inc:
                owner.includes.extend(x.strip() for x in inc.group(1).split(","))
    return out


def _applies(args: str, action: str, devise: bool = False) -> bool:
    """Whether a filter statement's ``only:``/``except:`` covers ``action``, and its ``if:``/``unless:
    :devise_controller?`` the controller (``devise``: one of Devise's, which serve signed-out callers)."""
    cond = re.search(r"\b(if|unless):\s*:devise_controller\?", args)
    if cond and (cond.group(1) == "unless") == devise:
        return False
    only, except_ = _option(args, "only"), _option(args, "except")
    if only is not None and action not in _symbols(only):
        return False
    return not (except_ is not None and action in _symbols(except_))


class Controllers:
    """The controllers, concerns and their filters of a Rails application's Ruby files."""

    def __init__(self, texts: Sequence[tuple[str, str]], devise: bool = False) -> None:
        self.devise = devise
        """Whether the routes draw a ``devise_for`` (Devise then defines ``authenticate_user!``)."""
        self.classes: dict[str, _Class] = {}
        for f, t in texts:
            for c in _classes(f, t):
                self.classes.setdefault(c.name, c)
        self.macros: dict[str, list[str]] = {}
        """Class macros whose body skips filters (``skip_authentication`` -> the filters it skips)."""
        for c in self.classes.values():
            for name, (_line, body) in c.methods.items():
                skipped = re.findall(r"skip_before_action\s+:([\w!?]+)", body)
                if skipped:
                    self.macros.setdefault(name, skipped)

    def of(self, controller: str) -> _Class | None:
        """The class of ``api/v1/auth`` (``Api::V1::AuthController``)."""
        name = "::".join("".join(w.capitalize() for w in part.split("_")) for part in controller.split("/"))
        return self.classes.get(name + "Controller")

    def _resolve(self, name: str, context: str) -> _Class | None:
        parts = context.split("::")[:-1]
        while True:
            found = self.classes.get("::".join([*parts, name]) if parts else name)
            if found is not None or not parts:
                return found
            parts = parts[:-1]

    def chain(self, cls: _Class) -> list[_Class]:
        """``cls``'s ancestors from the root down, each followed by the concerns it includes."""
        out: list[_Class] = []
        seen: set[str] = set()
        c: _Class | None = cls
        line: list[_Class] = []
        while c is not None and c.name not in seen:
            seen.add(c.name)
            line.append(c)
            c = self._resolve(c.parent, c.name) if c.parent else None
        for k in reversed(line):
            out.extend(x for i in k.includes if (x := self._resolve(i, k.name)) is not None)
            out.append(k)
        return out

    def method(self, chain: Sequence[_Class], name: str) -> tuple[_Class, int, str] | None:
        for c in reversed(chain):
            if name in c.methods:
                return c, *c.methods[name]
        return None

    def filters(self, cls: _Class, action: str) -> tuple[list[tuple[str, _Class, int]], list[tuple[str, _Class, int]]]:
        """The authentication filters that run before ``action`` (name, declared in, line), and those skipped."""
        active: dict[str, tuple[_Class, int]] = {}
        skipped: list[tuple[str, _Class, int]] = []
        chain = self.chain(cls)
        devise = any(c.parent.startswith("Devise") for c in chain)
        for c in chain:
            for n, line in c.lines:
                ba = re.match(r"before_action\s+((?::[\w!?]+\s*,?\s*)+)(.*)$", line)
                if ba and _applies(ba.group(2), action, devise):
                    for name in re.findall(r":([\w!?]+)", ba.group(1)):
                        if self.authenticates(chain, name):
                            active[name] = (c, n)
                    continue
                sk = re.match(r"skip_before_action\s+((?::[\w!?]+\s*,?\s*)+)(.*)$", line)
                names: list[str] = []
                args = ""
                if sk:
                    names, args = re.findall(r":([\w!?]+)", sk.group(1)), sk.group(2)
                else:
                    mac = re.match(r"([a-z_]\w*[!?]?)\b\s*(.*)$", line)
                    if mac and mac.group(1) in self.macros:
                        names, args = self.macros[mac.group(1)], mac.group(2)
                if names and _applies(args, action):
                    for name in names:
                        if name in active:
                            del active[name]
                            skipped.append((name, c, n))
        return [(k, c, n) for k, (c, n) in active.items()], skipped

    def basic(self, cls: _Class, action: str) -> tuple[str, tuple[str, str] | None] | None:
        """The ``http_basic_authenticate_with`` up ``cls``'s chain that covers ``action``: why, and why the password
        it accepts is fixed when the operator sets none (None when it is not); None when no such statement covers it."""
        found: tuple[str, tuple[str, str] | None] | None = None
        for c in self.chain(cls):
            for n, line in c.lines:
                m = _BASIC_MACRO.match(line)
                if m and _applies(m.group(1), action):
                    where = f"{os.path.basename(c.file)}:{n}"
                    found = (f"http_basic_authenticate_with ({where}) covers {cls.name}#{action}",
                             _fixed_password(m.group(1), c.file, n))
        return found

    def _with_helpers(self, chain: Sequence[_Class], name: str) -> str | None:
        """The body of method ``name`` with those of the methods of the chain it calls (one level)."""
        found = self.method(chain, name)
        if found is None:
            return None
        body = found[2]
        for helper in sorted(set(re.findall(r"\b([a-z_]\w*[!?]?)", body)) - {name}):
            h = self.method(chain, helper)
            body += "\n" + (h[2] if h else "")
        return body

    def authenticates(self, chain: Sequence[_Class], name: str) -> bool:
        """Whether a ``before_action`` authenticates the caller: its name says so (``authenticate_user!``), or its
        code reads a credential (a cookie, the session, a token or the Authorization header) and turns the caller
        away (a redirect, a 401)."""
        if _AUTH_FILTER.search(name):
            return True
        body = self._with_helpers(chain, name)
        return body is not None and bool(_CREDENTIAL_READ.search(body) and _TURNS_AWAY.search(body))

    @functools.cached_property
    def session_cookies(self) -> frozenset[str]:
        """The cookies an authentication filter of some controller reads (``cookies.signed[:session_token]``)."""
        names: set[str] = set()
        for c in self.classes.values():
            chain = self.chain(c)
            for _n, line in c.lines:
                ba = re.match(r"before_action\s+((?::[\w!?]+\s*,?\s*)+)", line)
                for name in re.findall(r":([\w!?]+)", ba.group(1)) if ba else ():
                    if self.authenticates(chain, name):
                        names.update(_COOKIE_READ.findall(self._with_helpers(chain, name) or ""))
        return frozenset(names)

    def configures(self, body: tuple[str, int, str]) -> str | None:
        """Where an action's code assigns a field of the installation's global settings: a model deriving from
        rails-settings-cached's ``RailsSettings::Base`` (one row per setting, read by every request), said."""
        stores = {c.name for c in self.classes.values() if c.parent == "RailsSettings::Base"}
        for m in re.finditer(r"\b([A-Z]\w*)\.(\w+)\s*=(?![=~>])", body[2]):
            if m.group(1) in stores:
                return f"{m.group(1)}.{m.group(2)} = ..., global settings ({os.path.basename(body[0])}:{body[1]})"
        return None

    def first_run(self, cls: _Class, body: tuple[str, int, str]) -> str | None:
        """Where an action sets the installation up: its controller itself checks whether any user exists yet
        (``User.exists?``, ``User.none?``, ``User.count.zero?``) and the action saves what the request gives and signs
        its caller in, so whoever reaches a fresh installation first creates its first account (said)."""
        own = "\n".join(text for _line, text in cls.methods.values())
        check = _NO_USER_YET.search(own)
        if check is None or not (_SAVES.search(body[2]) and re.search(r"\bsign_in\b", body[2])):
            return None
        return (f"a first-run setup: {cls.name} checks {check.group(0)} and the action saves the request's account "
                f"and signs it in ({os.path.basename(body[0])}:{body[1]}), whoever calls first")

    def kind(self, cls: _Class, name: str) -> str | None:
        """What a filter reads: ``session`` (a cookie or the session), ``oauth2``, ``api_key``; None when unclear."""
        body = self._with_helpers(self.chain(cls), name)
        if body is None:   # Devise's authenticate_user! (its warden session), when the routes draw a devise_for
            return "session" if self.devise and re.fullmatch(r"authenticate_\w+!", name) else None
        if re.search(r"doorkeeper|AccessToken", body, re.IGNORECASE):
            return "oauth2"
        if _TOKEN_HEADER.search(body):
            return "api_key"
        if re.search(r"\bcookies\b|\bsession\s*\[", body):
            return "session"
        if re.search(r"api_?key", body, re.IGNORECASE):
            return "api_key"
        return None

    def body(self, cls: _Class, action: str) -> tuple[str, int, str] | None:
        """The action's body with the bodies of the controller methods it calls (one level), its file and line."""
        chain = self.chain(cls)
        found = self.method(chain, action)
        text = self._with_helpers(chain, action)
        return None if found is None or text is None else (found[0].file, found[1], text)


def rack_attack(texts: Sequence[tuple[str, str]]) -> list[tuple[str, str, str, Location]]:
    """Rack::Attack's throttles: (name, ``exact`` or ``prefix``, path, where), from each ``throttle(...)`` block's
    comparison of ``request.path`` (or ``req.path``)."""
    out: list[tuple[str, str, str, Location]] = []
    for f, t in texts:
        if "Rack::Attack" not in t or "throttle" not in t:
            continue
        lines = t.splitlines()
        for i, raw in enumerate(lines):
            m = re.match(r"\s*throttle\s*\(?\s*[\"']([^\"']+)[\"']", _uncomment(raw))
            if not m:
                continue
            block = "\n".join(_uncomment(x) for x in lines[i:i + 15])
            end = re.search(r"^\s*end\b", block, re.MULTILINE)
            block = block[:end.start()] if end else block
            at = Location(f, i + 1, raw.index("throttle") + 1)
            for kind, path in re.findall(r"\.path(?:_info)?\s*(==|\.start_with\?\s*\(?)\s*[\"']([^\"']+)[\"']",
                                         block):
                out.append((m.group(1), "exact" if kind == "==" else "prefix", path, at))
    return out


_RACK_BASIC = re.compile(r"^(\s*)([A-Z][\w:]*)\.use\s*\(?\s*Rack::Auth::(?:Basic|Digest::MD5)\b", re.MULTILINE)
_BASIC_MACRO = re.compile(r"^http_basic_authenticate_with\b\s*(.*)$")
_LITERAL_PASSWORD = re.compile(r"""\bpassword\s*==\s*["'][^"'\n]+["']|secure_compare\(\s*(?:::)?"""
                               r"""(?:Digest::\w+\.\w+\()?\s*password\b[^,]*,\s*["'][^"'\n]+["']""")
"""A Basic-auth block comparing the password it receives with a literal: the same password on every install."""


@dataclass(frozen=True)
class BasicGuard:
    """HTTP Basic authentication a Rack application is wrapped in (``Sidekiq::Web.use Rack::Auth::Basic``): where,
    and why its password falls back to a literal, when it does."""

    at: Location
    default: tuple[str, str] | None


def _fixed_password(block: str, file: str, first: int) -> tuple[str, str] | None:
    """Why the password a Basic-auth block or statement (its text, starting at line ``first`` of ``file``) accepts is
    fixed when the operator sets nothing: a password setting read with a literal fallback, or a literal compared."""
    fallbacks = password_fallbacks(block)
    if fallbacks:
        line = first + block.count("\n", 0, fallbacks[0].offset)
        return (f"the password falls back to a literal when {fallbacks[0].variable} is unset "
                f"({os.path.basename(file)}:{line})", fallbacks[0].variable)
    m = _LITERAL_PASSWORD.search(block)
    if m:
        line = first + block.count("\n", 0, m.start())
        return f"the password is compared with a literal ({os.path.basename(file)}:{line})", ""
    return None


def rack_basic(texts: Sequence[tuple[str, str]]) -> dict[str, BasicGuard]:
    """The Rack applications wrapped in HTTP Basic authentication (``App.use(Rack::Auth::Basic) do |u, p| ... end``),
    by name, with whether the password it accepts falls back to a literal; a wrapper under ``if
    Rails.env.development?`` or ``test?`` is not deployed and is left out."""
    out: dict[str, BasicGuard] = {}
    for f, t in texts:
        if "Rack::Auth::" not in t:
            continue
        lines = [_uncomment(x) for x in t.splitlines()]
        text = "\n".join(lines)
        for m in _RACK_BASIC.finditer(text):
            first = text.count("\n", 0, m.start()) + 1
            indent = len(m.group(1))
            if _under_skipped_env(lines, first - 1, indent):
                continue
            block = [lines[first - 1]]
            for raw in lines[first:]:
                block.append(raw)
                if len(raw) - len(raw.lstrip()) <= indent and raw.strip() in ("end", "}"):
                    break
            out.setdefault(m.group(2), BasicGuard(Location(f, first, indent + 1),
                                                  _fixed_password("\n".join(block), f, first)))
    return out


def _under_skipped_env(lines: Sequence[str], index: int, indent: int) -> bool:
    """Whether line ``index`` (indented by ``indent``) sits in an ``if Rails.env.development?``/``test?`` block."""
    for raw in reversed(lines[:index]):
        stripped = raw.strip()
        if stripped and len(raw) - len(raw.lstrip()) < indent:
            if _SKIPPED_ENVS.match(stripped):
                return True
            indent = len(raw) - len(raw.lstrip())
    return False


def force_ssl(texts: Sequence[tuple[str, str]]) -> tuple[str | None, bool | None, Location] | None:
    """``config.force_ssl`` of ``config/environments/production.rb``: the environment variable it reads (or None),
    its value or default (None when not read), and where; None when the file does not set it (Rails: off)."""
    for f, t in texts:
        if not f.replace(os.sep, "/").endswith("config/environments/production.rb"):
            continue
        for n, raw in enumerate(t.splitlines(), 1):
            line = _uncomment(raw).strip()
            m = re.match(r"config\.force_ssl\s*=\s*(.+)$", line)
            if not m:
                continue
            at = Location(f, n, raw.index("config") + 1)
            value = m.group(1)
            env = re.search(r"ENV\.fetch\(\s*[\"'](\w+)[\"']\s*,\s*[\"']?(true|false)[\"']?\s*\)", value)
            if env:
                return env.group(1), env.group(2) == "true", at
            env = re.search(r"ENV\[\s*[\"'](\w+)[\"']\s*\]", value)
            if env:
                return env.group(1), None, at
            if value in ("true", "false"):
                return None, value == "true", at
            return None, None, at
    return None


def plain_listener(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """Why, and where, Puma listens on plain HTTP: ``config/puma.rb`` sets a ``port`` or a ``tcp://`` bind and no
    ``ssl_bind`` (Puma then serves no TLS itself)."""
    for f, t in texts:
        if not f.replace(os.sep, "/").endswith("config/puma.rb") or re.search(r"^\s*ssl_bind\b|ssl://", t, re.M):
            continue
        for n, raw in enumerate(t.splitlines(), 1):
            if re.match(r"\s*(?:port\b|bind\s+[\"']tcp://)", _uncomment(raw)):
                return (f"Puma listens on a plain TCP port and binds no TLS ({os.path.basename(f)}:{n}: no ssl_bind)",
                        Location(f, n, raw.index(raw.strip()) + 1))
    return None


def _cookie(text: str, file: str, line: int, sessions: frozenset[str]
            ) -> tuple[tuple[tuple[str, bool | str], ...], str, bool] | None:
    """The flags of the session cookie (one an authentication filter reads, or named for a session or token) that
    code sets, where, and whether ``secure`` is left unstated."""
    for m in _COOKIE_SET.finditer(text):
        if m.group(1) not in sessions and not _SESSION_WORD.search(m.group(1)):
            continue
        opts = m.group(2)
        flags: list[tuple[str, bool | str]] = []
        http = re.search(r"httponly:\s*(true|false)", opts)
        flags.append(("http_only", http.group(1) == "true" if http else False))
        same = re.search(r"same_site:\s*:?[\"']?(\w+)", opts)
        flags.append(("same_site", same.group(1).lower() if same else "lax"))
        sec = re.search(r"secure:\s*(true|false)", opts)
        if sec:
            flags.append(("secure", sec.group(1) == "true"))
        said = (f"cookies[:{m.group(1)}] = {{{opts.strip()}}} in the action's code ({os.path.basename(file)}:{line}); "
                "flags left out are Rails' defaults (no HttpOnly, SameSite Lax)")
        return tuple(flags), said, sec is None
    return None


def routes(texts: Sequence[tuple[str, str]]) -> tuple[list[RailsRoute], list[tuple[Location, str]]]:
    """A Rails application's routes (its Ruby files' paths and texts) with what its controllers and Rack::Attack say
    of each, and what was left out; none when no ``config/routes.rb`` is among them."""
    drawn: list[RailsRoute] = []
    remarks: list[tuple[Location, str]] = []
    for f, t in texts:
        if f.replace(os.sep, "/").endswith("config/routes.rb") and "routes.draw" in t:
            found, said = draw(f, t, devise_models(texts))
            drawn.extend(found)
            remarks.extend(said)
    if not drawn:
        return [], remarks
    controllers = Controllers([(f, t) for f, t in texts if "/app/" in f.replace(os.sep, "/") or
                               f.replace(os.sep, "/").startswith("app/")],
                              devise=any("Devise's" in f"{r.anonymous} {r.authn}" for r in drawn))
    throttles = rack_attack(texts)
    guarded = rack_basic(texts)
    out: list[RailsRoute] = []
    seen: set[tuple[str, str]] = set()
    for r in drawn:
        if (r.method, r.path) in seen:   # the first route that matches wins, as Rails resolves
            continue
        seen.add((r.method, r.path))
        guard = guarded.get(r.target) if "#" not in r.target and r.authn is None else None
        if guard is not None:   # a gate the routes file draws around the mount (Devise's `authenticated`) is said first
            where = f"{os.path.basename(guard.at.file)}:{guard.at.line}"
            out.append(replace(_described(r, controllers, throttles),
                               authn=("basic", f"the mounted {r.target} is wrapped in Rack::Auth::Basic ({where})"),
                               default_credentials=guard.default))
            continue
        out.append(_described(r, controllers, throttles))
    return out, remarks


def _limits(kind: str, path: str, route: str) -> bool:
    """Whether a throttle comparing ``request.path`` with ``path`` (``exact`` or ``prefix``) limits ``route``; a
    parameter of the route matches whatever the throttle names there."""
    pattern = re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(route))
    if kind == "exact":
        return re.fullmatch(pattern + "/?", path) is not None
    return route != "/" and (route + "/").startswith(path if path.endswith("/") else path + "/")


def _described(r: RailsRoute, controllers: Controllers,
               throttles: Sequence[tuple[str, str, str, Location]]) -> RailsRoute:
    limit = next((f"Rack::Attack throttle {name!r} ({os.path.basename(at.file)}:{at.line})"
                  for name, kind, path, at in throttles if _limits(kind, path, r.path)), None)
    if "#" not in r.target:
        return replace(r, throttle=limit)
    controller, action = r.target.split("#", 1)
    cls = controllers.of(controller)
    if cls is None:
        return replace(r, throttle=limit)
    active, skipped = controllers.filters(cls, action)
    authn: tuple[str, str] | None = None
    anonymous: str | None = None
    body = controllers.body(cls, action)
    where = f"{cls.name}#{action}"
    if active:
        name, c, n = active[-1]
        kind = controllers.kind(cls, name)
        if kind:
            authn = (kind, f"before_action :{name} ({os.path.basename(c.file)}:{n}) runs before {where}")
    elif skipped:
        name, c, n = skipped[-1]
        signed = body is not None and bool(_SIGNATURE_HEADER.search(body[2]) and _VERIFIES.search(body[2]))
        # a webhook that checks its caller's signature (Stripe-Signature, Plaid-Verification) authenticates it
        if not signed:
            anonymous = (f"{cls.name} skips the authentication filter :{name} for {action} "
                         f"({os.path.basename(c.file)}:{n})")
    default_credentials: tuple[str, str] | None = None
    basic = controllers.basic(cls, action)
    if basic is not None and authn is None:
        authn, default_credentials = ("basic", basic[0]), basic[1]
    login = None
    cookie = None
    secure_unstated = False
    if body is not None:
        file, line, text = body
        found = _cookie(text, file, line, controllers.session_cookies)
        if found is not None:
            cookie = found[0], found[1]
            secure_unstated = found[2]
        if authn is None and _LOGIN_CHECK.search(text):
            login = f"{where} checks a password or one-time code the request carries ({os.path.basename(file)}:{line})"
        elif anonymous and r.method == "POST" and found is not None:
            login = (f"{where} signs an anonymous caller in, setting the session cookie without checking a password "
                     f"(a sign-up: {os.path.basename(file)}:{line})")
    if r.authn is not None:   # what the routes file says (Devise's `authenticated` block, its registration) wins
        authn, anonymous, default_credentials = r.authn, None, None
    elif r.anonymous is not None and authn is None:
        anonymous = r.anonymous
    return RailsRoute(r.method, r.path, r.at, r.target, authn=authn, anonymous=anonymous, login=r.login or login,
                      throttle=limit, cookie=cookie, cookie_secure_unstated=secure_unstated,
                      configures=None if body is None else controllers.configures(body) or (
                          controllers.first_run(cls, body) if anonymous else None), lockout=r.lockout,
                      default_credentials=default_credentials)


__all__ = ["BasicGuard", "Controllers", "RailsRoute", "draw", "force_ssl", "plain_listener", "pluralize", "rack_attack",
           "rack_basic", "routes", "singularize"]
