"""Django's URL configuration: the routes a project's ``urlpatterns`` serve, the view of each, and its protections.

Read with the standard library's ``ast``, never executed. The root URL configuration is the module
``ROOT_URLCONF`` names in the settings (the settings module found through ``DJANGO_SETTINGS_MODULE`` in
``manage.py``, ``wsgi.py`` or ``asgi.py``, else any module assigning ``ROOT_URLCONF``); with no such setting, every
``urls`` module no other module includes is a root. A module's ``urlpatterns`` is its list assignments and ``+=``
extensions at module level; a branch under ``if settings.DEBUG:`` serves only in development and is left out, said
in the remarks. ``path()``, ``re_path()`` and ``url()`` entries give a route (``re_path``'s ``^``/``$`` dropped,
named groups read as parameters), ``include()`` of a dotted module name, an imported module, or a list nests a
module's patterns under the prefix, across modules.

The view is a function, or a class's ``.as_view()`` (a viewset's ``as_view({"get": "list"})`` names its methods).
The HTTP methods: a class view's handler methods (``get``, ``post``...: its own and those of the project's classes it
derives from; Django REST framework's generic views by name), a function view's ``@api_view([...])``,
``@require_http_methods([...])`` or ``@require_POST``; else ``ANY``. The protections: Django REST framework's
``permission_classes``, ``authentication_classes`` and ``throttle_classes`` (class attributes, inherited, or the
``@permission_classes``-style decorators), else the settings' ``REST_FRAMEWORK`` defaults for a DRF view; Django's
``login_required``, ``permission_required``, ``staff_member_required`` and ``csrf_exempt``, as decorators or as
calls wrapping the view in the URL configuration; the rate limit a view's own code applies (django-ratelimit's
``@ratelimit``, or a rate limiter's answer deciding a branch of its handler or of the ``clean`` methods of a Django
form it builds).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from engine.errors import Location
from engine.importers import code_url_credentials
from engine.importers.code_trees import parse

HTTP = ("get", "post", "put", "patch", "delete", "head", "options")
_ROUTE_CALLS = frozenset({"path", "re_path", "url"})
_DRF_BASES = frozenset({"APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet",
                        "ReadOnlyModelViewSet", "ViewSetMixin", "ObtainAuthToken"})
"""Django REST framework's view classes: a view deriving from one takes the settings' ``REST_FRAMEWORK`` defaults."""
_GENERIC_METHODS: Mapping[str, tuple[str, ...]] = {
    "CreateAPIView": ("POST",), "ListAPIView": ("GET",), "RetrieveAPIView": ("GET",), "DestroyAPIView": ("DELETE",),
    "UpdateAPIView": ("PUT", "PATCH"), "ListCreateAPIView": ("GET", "POST"),
    "RetrieveUpdateAPIView": ("GET", "PUT", "PATCH"), "RetrieveDestroyAPIView": ("GET", "DELETE"),
    "RetrieveUpdateDestroyAPIView": ("GET", "PUT", "PATCH", "DELETE"),
    "TemplateView": ("GET",), "ListView": ("GET",), "DetailView": ("GET",), "RedirectView": ("GET",),
    "LoginView": ("GET", "POST"), "LogoutView": ("POST",), "FormView": ("GET", "POST"),
    "CreateView": ("GET", "POST"), "UpdateView": ("GET", "POST"), "DeleteView": ("GET", "POST"),
    "ObtainAuthToken": ("POST",),
}
"""Generic views of Django and Django REST framework whose handler methods their library defines, by class name."""
_LIBRARY_PROTECTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "ObtainAuthToken": {"permission_classes": (), "throttle_classes": ()},
}
"""What a library view class states itself, by class name: DRF's ``ObtainAuthToken`` (a sign-in) lets anyone call
it and throttles nothing, whatever the settings' defaults, unless a subclass says otherwise."""
_ANONYMOUS = frozenset({"AllowAny"})
_ALLAUTH_LIMITED: Mapping[str, str] = {
    "login": "login", "signup": "signup", "password_reset": "reset_password",
    "password_reset_from_key": "reset_password_from_key", "reauthenticate": "reauthenticate",
    "password_change": "change_password", "email": "manage_email"}
"""django-allauth's account views (``allauth.account.views``) that rate-limit themselves, and the action of
``ACCOUNT_RATE_LIMITS`` each consumes: limits on by default (login 30/m per address, failed logins 10/m per address
and 5 in 5 minutes per account, signup 20/m...), off only when the settings set ``ACCOUNT_RATE_LIMITS = False``."""
_ALLAUTH_ACCOUNT_URLS: tuple[tuple[str, str, bool], ...] = (
    ("signup/", "signup", False), ("login/", "login", False), ("logout/", "logout", False),
    ("reauthenticate/", "reauthenticate", True), ("password/change/", "password_change", True),
    ("password/set/", "password_set", True), ("inactive/", "account_inactive", False), ("email/", "email", True),
    ("confirm-email/", "email_verification_sent", False),
    (r"^confirm-email/(?P<key>[-:\w]+)/$", "confirm_email", False),
    ("password/reset/", "password_reset", False), ("password/reset/done/", "password_reset_done", False),
    (r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$", "password_reset_from_key", False),
    ("password/reset/key/done/", "password_reset_from_key_done", False))
_ALLAUTH_METHODS: Mapping[str, tuple[str, ...]] = {"logout": ("GET", "POST")}
"""django-allauth's account views whose handler methods the library defines, by view name: its ``LogoutView``
answers GET (a confirmation page, or the sign-out itself when the settings say ``ACCOUNT_LOGOUT_ON_GET = True``) and
POST (the sign-out). The others are drawn ``ANY``."""
_LIBRARY_URLCONFS: Mapping[str, tuple[tuple[str, str, bool], ...]] = {
    "allauth.urls": _ALLAUTH_ACCOUNT_URLS, "allauth.account.urls": _ALLAUTH_ACCOUNT_URLS}
"""URL configurations of libraries, not in the project, that a project mounts with ``include("module")``: each
route's pattern, its view's name and whether the view requires a signed-in user. django-allauth's account routes
(``allauth/account/urls.py``: sign-in, sign-up, sign-out, password reset and change, e-mail confirmation), under
``allauth.urls`` too; the social-account, provider, MFA and session routes ``allauth.urls`` adds depend on the
installed apps and providers, and are not drawn."""
_LOGIN_DECORATORS = frozenset({"login_required", "permission_required", "staff_member_required",
                               "user_passes_test", "superuser_required"})
_METHOD_DECORATORS: Mapping[str, tuple[str, ...]] = {"require_POST": ("POST",), "require_GET": ("GET",),
                                                     "require_safe": ("GET", "HEAD")}
_SETTINGS_MODULE = re.compile(r"^[A-Za-z_][\w.]*$")
_LIMITER = re.compile(r"rate_?limit|throttl|limiter|token_?bucket|leaky_?bucket", re.IGNORECASE)
"""A callee that names a rate limiter, by itself or by its receiver: django-ratelimit's ``is_ratelimited``, a
``throttle.allow_request``, a project's ``TokenBucket.authorize_login(...)`` (the token bucket and the leaky bucket
are the two classic rate-limiting algorithms)."""


@dataclass(frozen=True)
class Protections:
    """What a view states about who may call it, each as the class names given (``None``: not stated)."""

    permissions: tuple[str, ...] | None = None
    authentication: tuple[str, ...] | None = None
    throttles: tuple[str, ...] | None = None
    decorators: tuple[str, ...] = ()
    """Django's decorators on the view (``login_required``, ``csrf_exempt``...), sorted."""
    library_limit: str = ""
    """The rate limit a library view applies itself, said (django-allauth's ``ACCOUNT_RATE_LIMITS``), or empty."""
    own_limit: str = ""
    """The rate limit the view's own code applies, said (``own_limit``), or empty."""


@dataclass(frozen=True)
class DjangoRoute:
    """One route of a Django project: method (``ANY``: whatever the view answers), path, where its URL pattern is,
    the view, where the view is defined, whether it is a Django REST framework view, and its protections (the
    settings' defaults already applied to a DRF view)."""

    method: str
    path: str
    at: Location
    view: str
    view_at: Location | None = None
    drf: bool = False
    protections: Protections = field(default_factory=Protections)
    sign_in: str = ""
    """Why the view is a sign-in whatever its path is named (it derives from DRF's ``ObtainAuthToken``), or empty."""
    grants_admin: str = ""
    """How the view's own body makes an administrator (``User(..., is_superuser=True)``, ``create_superuser(...)``),
    and where, or empty."""
    writes: str = ""
    """What the view changes on this method, said, when the library that defines it does (django-allauth's sign-out,
    on a GET too when ``ACCOUNT_LOGOUT_ON_GET = True``), or empty."""
    url_credential: str = ""
    """How the view takes a credential in its URL (``code_url_credentials.python_handler``), said, or empty."""
    feed: tuple[str, int | None] | None = None
    """For a syndication ``Feed``'s route: what bounds the items its ``items()`` returns, said, and the server's cap
    (None: nothing the server sets bounds them, the client's own ``limit`` or none); None when not a feed or not
    known (``_feed_items``)."""
    admin_site: str = ""
    """What makes the route Django's admin site (``admin.site.urls``, or the ``urls`` of an ``AdminSite`` subclass's
    instance), said with where, or empty."""

    @property
    def anonymous(self) -> bool:
        """Whether anyone may call it: its DRF permissions are only ``AllowAny`` (explicitly, or an empty list)."""
        p = self.protections.permissions
        return self.drf and p is not None and set(p) <= _ANONYMOUS

    @property
    def throttled(self) -> bool:
        """Whether a DRF throttle, or a library view's own rate limit, applies to it."""
        p = self.protections
        return bool(p.throttles) or bool(p.library_limit) or bool(p.own_limit)


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _names(node: ast.expr) -> tuple[str, ...] | None:
    """The class names of a list or tuple literal (``[IsAuthenticated, AllowAny]``); None when it is no literal."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple((_string(e) or "").rsplit(".", 1)[-1] or _name(e) or ast.unparse(e) for e in node.elts)
    return None


def _module_parts(path: str) -> tuple[str, ...]:
    parts = path.removesuffix(".py").replace("\\", "/").split("/")
    return tuple(parts[:-1] if parts[-1] == "__init__" else parts)


def route_path(pattern: str, regex: bool) -> str:
    """A ``path()`` pattern (``<int:pk>/``) or a ``re_path()`` regular expression (``^(?P<pk>[0-9]+)/$``) as a
    route path piece with ``{name}`` parameters, no leading slash."""
    if regex:
        out = pattern.removeprefix("^").removesuffix("$").removesuffix("\\Z")
        out = re.sub(r"\(\?P<([A-Za-z_]\w*)>[^()]*(?:\([^()]*\)[^()]*)*\)", r"{\1}", out)
        out = re.sub(r"\(\?:[^()]*\)\?|\([^()]*\)\?", "", out)  # an optional part: the shortest path it matches
        out = re.sub(r"\\(.)", r"\1", out).replace("/?", "/")
    else:
        out = re.sub(r"<(?:[A-Za-z_]\w*:)?([A-Za-z_]\w*)>", r"{\1}", pattern)
    return out


def _join(prefix: str, piece: str) -> str:
    return re.sub(r"/{2,}", "/", "/" + prefix.lstrip("/") + piece)


class _Trees(Mapping[str, ast.Module]):
    """The files' syntax trees, each parsed when first asked for (a project's files are many; the URL configuration
    reaches a few); a file that does not parse is said in ``remarks`` and read as an empty module."""

    def __init__(self, texts: Mapping[str, str], remarks: list[tuple[Location, str]]) -> None:
        self._texts, self._remarks, self._parsed = texts, remarks, dict[str, ast.Module]()

    def __getitem__(self, f: str) -> ast.Module:
        if f not in self._parsed:
            try:
                self._parsed[f] = parse(self._texts[f], f)
            except SyntaxError as exc:
                self._remarks.append((Location(f, exc.lineno or 0, exc.offset or 0),
                                      f"not Python that parses ({exc.msg}): its routes are not read"))
                self._parsed[f] = ast.Module([], [])
            except (ValueError, RecursionError, MemoryError) as exc:
                self._remarks.append((Location(f), f"not read ({type(exc).__name__}): its routes are not read"))
                self._parsed[f] = ast.Module([], [])
        return self._parsed[f]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


class Project:
    """A Django project's Python files, parsed: its modules, classes, functions and settings."""

    def __init__(self, texts: Sequence[tuple[str, str]]) -> None:
        self.remarks: list[tuple[Location, str]] = []
        self.texts = dict(sorted((f, t) for f, t in texts if f.endswith(".py")))
        self.trees = _Trees(self.texts, self.remarks)
        self.modules = {_module_parts(f): f for f in self.texts}
        self._files: dict[tuple[str, ...], str | None] = {}
        self._imports: dict[str, dict[str, tuple[str | None, str]]] = {}
        self._defs: dict[str, list[tuple[str, ast.stmt]]] = {}
        self.alternatives: dict[str, tuple[int, int]] = {}
        """A settings module star-imported in an arm of a ``try`` -> (that ``try``, the arm) (``settings_chain``)."""
        self.settings_file = self._settings_file()
        self.defaults = self._drf_defaults()

    def file(self, dotted: Sequence[str]) -> str | None:
        """The file of a dotted module name, matched by its last parts (the tree's root is not the package's)."""
        want = tuple(dotted)
        if not want:
            return None
        if want not in self._files:
            found = sorted(f for parts, f in self.modules.items() if parts[-len(want):] == want)
            self._files[want] = found[0] if found else None
        return self._files[want]

    def _settings_file(self) -> str | None:
        """The settings module: the one ``DJANGO_SETTINGS_MODULE`` names in an entry point, else the first module
        assigning ``ROOT_URLCONF``."""
        named_in = [f for f, t in self.texts.items() if "DJANGO_SETTINGS_MODULE" in t]
        for f in sorted(named_in, key=lambda f: (not f.endswith(("manage.py", "wsgi.py", "asgi.py")), f)):
            for node in ast.walk(self.trees[f]):
                if isinstance(node, ast.Call) and len(node.args) >= 2 and \
                        _string(node.args[0]) == "DJANGO_SETTINGS_MODULE":
                    named = _string(node.args[1])
                    found = self.file(named.split(".")) if named and _SETTINGS_MODULE.match(named) else None
                    if found:
                        return found
        return next((f for f, t in self.texts.items() if "ROOT_URLCONF" in t and
                     "ROOT_URLCONF" in self.assigned(self.trees[f])), None)

    @staticmethod
    def assigned(tree: ast.Module) -> dict[str, ast.expr]:
        """A module's top-level names and the last value assigned to each."""
        out: dict[str, ast.expr] = {}
        for st in tree.body:
            if isinstance(st, ast.Assign):
                for target in st.targets:
                    if isinstance(target, ast.Name):
                        out[target.id] = st.value
            elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.value is not None:
                out[st.target.id] = st.value
        return out

    def _drf_defaults(self) -> Protections:
        """The settings' ``REST_FRAMEWORK`` defaults (permissions not stated there: DRF's own, ``AllowAny``)."""
        values: dict[str, tuple[str, ...]] = {}
        if self.settings_file is not None:
            rest = self.settings_values().get("REST_FRAMEWORK")
            if isinstance(rest, ast.Dict):
                for k, v in zip(rest.keys, rest.values, strict=True):
                    key, listed = _string(k), _names(v)
                    if key and listed is not None:
                        values[key] = tuple(n.rsplit(".", 1)[-1] for n in
                                            (_string(e) or n for e, n in zip(v.elts, listed, strict=True))) \
                            if isinstance(v, (ast.List, ast.Tuple)) else listed
        return Protections(permissions=values.get("DEFAULT_PERMISSION_CLASSES", ("AllowAny",)),
                           authentication=values.get("DEFAULT_AUTHENTICATION_CLASSES"),
                           throttles=values.get("DEFAULT_THROTTLE_CLASSES", ()))

    def settings_chain(self) -> list[str]:
        """The settings module and those it star-imports (``from .common import *``), the imported first; a star
        import in a ``try`` or its handlers (``try: from .dev import *`` / ``except ImportError: from .prod import
        *``) is followed in each arm (``alternatives`` says which modules are the arms)."""
        out: list[str] = []
        self.alternatives.clear()

        def star(f: str, node: ast.stmt) -> str | None:
            if not (isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)):
                return None
            here = list(_module_parts(f))
            base = here[:len(here) - node.level + (1 if f.endswith("__init__.py") else 0)] if node.level else []
            found = self.file([*base, *(node.module.split(".") if node.module else [])])
            return found if found != f else None

        def visit(f: str) -> None:
            if f in out:
                return
            for node in self.trees[f].body:
                if isinstance(node, ast.Try):
                    for arm, body in enumerate([node.body, *(h.body for h in node.handlers)]):
                        for st in body:
                            found = star(f, st)
                            if found is not None:
                                self.alternatives.setdefault(found, (id(node), arm))
                                visit(found)
                    continue
                found = star(f, node)
                if found is not None:
                    visit(found)
            if f not in out:
                out.append(f)
        if self.settings_file is not None:
            visit(self.settings_file)
        return out

    def rival(self, f: str, g: str) -> bool:
        """Whether settings modules ``f`` and ``g`` are star-imported in different arms of one ``try`` (which one
        runs depends on the installation: a name both assign is not known)."""
        a, b = self.alternatives.get(f), self.alternatives.get(g)
        return a is not None and b is not None and a[0] == b[0] and a[1] != b[1]

    def settings_values(self) -> dict[str, ast.expr]:
        """The settings' top-level names and their last values, across the modules they star-import."""
        out: dict[str, ast.expr] = {}
        for f in self.settings_chain():
            out.update(self.assigned(self.trees[f]))
        return out

    def root_urlconfs(self) -> list[str]:
        """The root URL configuration files."""
        if self.settings_file is not None:
            named = _string(self.settings_values().get("ROOT_URLCONF"))
            found = self.file(named.split(".")) if named else None
            if found:
                return [found]
        urls = sorted(f for f in self.trees if _module_parts(f)[-1] == "urls" or "/urls/" in f.replace("\\", "/"))
        included = {g for f in urls for g in self._included_files(f)}
        return [f for f in urls if f not in included and "urlpatterns" in self.assigned(self.trees[f])]

    def _included_files(self, f: str) -> Iterator[str]:
        """The files a URL configuration includes, or imports names from (``from .orders import urlpatterns``)."""
        yield from (where for where, _name in self.imports(f).values() if where is not None and where != f)
        for node in ast.walk(self.trees[f]):
            if isinstance(node, ast.Call) and _name(node.func) == "include" and node.args:
                target = self._include_target(f, node.args[0])
                if isinstance(target, str):
                    yield target

    def imports(self, f: str) -> dict[str, tuple[str | None, str]]:
        """Local name -> (file of the module it comes from, or None when not in the project; the name there) of a
        file's ``from x import y`` statements (a relative import resolved against the file's package)."""
        if f in self._imports:
            return self._imports[f]
        out: dict[str, tuple[str | None, str]] = {}
        self._imports[f] = out
        here = list(_module_parts(f))
        for node in (n for n in ast.walk(self.trees[f]) if isinstance(n, ast.ImportFrom)):
            base = here[:len(here) - node.level + (1 if f.endswith("__init__.py") else 0)] if node.level else []
            dotted = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:
                as_module = self.file([*dotted, alias.name])
                out[alias.asname or alias.name] = (as_module, "") if as_module else (self.file(dotted), alias.name)
        return out

    def _include_target(self, f: str, arg: ast.expr) -> str | ast.expr | None:
        """What an ``include()`` argument names: a URL configuration file, a list of patterns, or None."""
        if isinstance(arg, ast.Tuple) and arg.elts:
            arg = arg.elts[0]
        named = _string(arg)
        if named is not None:
            return self.file(named.split("."))
        if isinstance(arg, ast.List):
            return arg
        if isinstance(arg, ast.Name):
            where = self.imports(f).get(arg.id)
            if where and where[0] and not where[1]:
                return where[0]
            value = self.assigned(self.trees[f]).get(arg.id)
            return value if isinstance(value, ast.List) else None
        return None

    def find_class(self, f: str, name: str) -> tuple[str, ast.ClassDef] | None:
        """The project's class a name in file ``f`` refers to: the one of the module it is imported from (followed
        through re-exports), else the only class of that name."""
        found = self._find(f, name, ast.ClassDef)
        return (found[0], found[1]) if found is not None and isinstance(found[1], ast.ClassDef) else None

    def find_function(self, f: str, name: str) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        found = self._find(f, name, (ast.FunctionDef, ast.AsyncFunctionDef))
        return (found[0], found[1]) if found is not None and \
            isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def defined(self, name: str) -> list[tuple[str, ast.stmt]]:
        """The module-level classes and functions named ``name`` in the project's files (only the files whose text
        names it are parsed for it)."""
        if name not in self._defs:
            self._defs[name] = [(f, node) for f, t in self.texts.items() if name in t for node in self.trees[f].body
                                if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and
                                node.name == name]
        return self._defs[name]

    def _find(self, f: str, name: str, kind: type | tuple[type, ...]) -> tuple[str, ast.stmt] | None:
        seen: set[str] = set()
        where: str | None = f
        while where is not None and where not in seen:
            seen.add(where)
            local = next((c for c in self.defined(name) if c[0] == where and isinstance(c[1], kind)), None)
            if local is not None:
                return local
            came = self.imports(where).get(name)
            if came is None or came[0] is None:
                break
            where, name = came[0], came[1] or name
        found = [c for c in self.defined(name) if isinstance(c[1], kind)]
        return found[0] if len(found) == 1 else None


def _decorators(decorators: Sequence[ast.expr]) -> tuple[dict[str, ast.Call | None], set[str]]:
    """The decorators by name (with the call, when called) and the Django ones among them."""
    by_name: dict[str, ast.Call | None] = {}
    for d in decorators:
        call = d if isinstance(d, ast.Call) else None
        by_name[_name(call.func if call else d)] = call
    django = {n for n in by_name if n in _LOGIN_DECORATORS or n == "csrf_exempt"}
    for n, call in by_name.items():
        if n == "method_decorator" and call is not None and call.args:
            inner = call.args[0]
            django.update(x for x in (_name(inner.func if isinstance(inner, ast.Call) else inner),)
                          if x in _LOGIN_DECORATORS or x == "csrf_exempt")
    return by_name, django


def _limiter_checks(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    """The calls of a rate limiter (``_LIMITER``) whose answer decides a branch of ``fn``: in the test of an ``if``,
    a conditional expression, an ``assert`` or a ``while`` (``if not TokenBucket.authorize(...): raise ...``); a
    limiter merely named, or called for its side effect, refuses nothing."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.If, ast.IfExp, ast.Assert, ast.While)):
            yield from (c for c in ast.walk(node.test) if isinstance(c, ast.Call) and _LIMITER.search(
                ast.unparse(c.func)))


def _ratelimit_decorator(decorators: Sequence[ast.expr]) -> ast.Call | None:
    """django-ratelimit's ``@ratelimit(key=..., rate=...)`` among a view's decorators (or wrapped by
    ``method_decorator``), when it blocks: its ``block`` is not ``False`` (True by default since django-ratelimit 4;
    with ``block=False`` the view only reads ``request.limited``)."""
    for d in decorators:
        call = d if isinstance(d, ast.Call) else None
        if call is not None and _name(call.func) == "method_decorator" and call.args and \
                isinstance(call.args[0], ast.Call):
            call = call.args[0]
        if call is None or _name(call.func) != "ratelimit":
            continue
        block = next((k.value for k in call.keywords if k.arg == "block"), None)
        if not (isinstance(block, ast.Constant) and block.value is False):
            return call
    return None


@dataclass(frozen=True)
class _ClassFacts:
    handlers: set[str]
    actions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    external: set[str]
    drf: bool
    protections: Protections
    at: Location | None
    granting: dict[str, str] = field(default_factory=dict)
    """How each HTTP method's handler of the class makes an administrator (``_grants_admin``), by method."""
    action_at: dict[str, Location] = field(default_factory=dict)
    """Where each viewset action's method is defined, by name (the subclass's own first)."""


_VIEWSET_ACTIONS = {"list": "GET", "create": "POST", "retrieve": "GET", "update": "PUT", "partial_update": "PATCH",
                    "destroy": "DELETE"}
"""A viewset's actions and the HTTP method a router maps each to."""
_LIBRARY_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "ModelViewSet": tuple(_VIEWSET_ACTIONS), "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",), "CreateModelMixin": ("create",), "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"), "DestroyModelMixin": ("destroy",)}
"""The actions Django REST framework's viewsets and mixins define, by class name."""


def _compared_methods(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The HTTP methods a view's own ``dispatch`` compares ``request.method`` with (``request.method == "POST"``)."""
    out: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "method":
            for c in node.comparators:
                values = c.elts if isinstance(c, (ast.List, ast.Tuple, ast.Set)) else [c]
                out.update(str(_string(v)).upper() for v in values if str(_string(v)).lower() in HTTP)
    return out


class _Reader:
    def __init__(self, project: Project) -> None:
        self.p = project
        self.routes: list[DjangoRoute] = []
        self.remarks: list[tuple[Location, str]] = []

    def read(self, f: str, prefix: str, seen: frozenset[str]) -> None:
        if f in seen:
            return
        for where, entry in self._patterns(f, seen):
            self._entry(where, entry, prefix, seen | {f})

    def _patterns(self, f: str, seen: frozenset[str]) -> list[tuple[str, ast.expr]]:
        """A module's ``urlpatterns`` entries, each with the file whose names it is read in."""
        out: list[tuple[str, ast.expr]] = []

        def walk(body: Sequence[ast.stmt]) -> None:
            for st in body:
                if isinstance(st, ast.If):
                    if "DEBUG" in ast.unparse(st.test):
                        self.remarks.append((Location(f, st.lineno, st.col_offset + 1),
                                             "URL patterns added only when DEBUG is on: not read as served"))
                        walk(st.orelse)
                        continue
                    walk(st.body)
                    walk(st.orelse)
                elif isinstance(st, ast.Try):
                    walk(st.body)
                value: ast.expr | None = None
                if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "urlpatterns"
                                                      for t in st.targets):
                    so_far = list(out)
                    out.clear()
                    value = st.value
                    if isinstance(value, (ast.List, ast.Tuple)) and any(_rewraps(e) for e in value.elts):
                        # ``urlpatterns = [path("app/", include((urlpatterns, "app")))]``: the patterns so far,
                        # nested under the entry's prefix
                        for e in value.elts:
                            if isinstance(e, ast.Call) and _rewraps(e):
                                out.extend(self._renested(f, e, so_far))
                            else:
                                out.extend(self._elements(f, e.value, seen | {f}) if isinstance(e, ast.Starred)
                                           else [(f, e)])
                        value = None
                elif isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name) and \
                        st.target.id == "urlpatterns":
                    value = st.value
                elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and st.value.args and \
                        isinstance(st.value.func, ast.Attribute) and isinstance(st.value.func.value, ast.Name) and \
                        st.value.func.value.id == "urlpatterns" and st.value.func.attr in ("append", "extend"):
                    # ``urlpatterns.append(path(...))`` adds one entry, ``urlpatterns.extend([...])`` a list's
                    value = ast.List([st.value.args[0]]) if st.value.func.attr == "append" else st.value.args[0]
                if value is not None:
                    out.extend(self._elements(f, value, seen | {f}))
        walk(self.p.trees[f].body)
        return out

    def _renested(self, f: str, entry: ast.Call, so_far: Sequence[tuple[str, ast.expr]]
                  ) -> list[tuple[str, ast.expr]]:
        """The entries read so far, each under the prefix of ``entry``, which includes ``urlpatterns`` itself; where
        that prefix is no string (a setting: a context path an installation may set), they stay where they were,
        said."""
        pattern = self._pattern(f, entry.args[0])
        if pattern is None:
            self.remarks.append((Location(f, entry.lineno, entry.col_offset + 1),
                                 f"urlpatterns nested under {ast.unparse(entry.args[0])}, not a string: its routes "
                                 "are read at the prefix they had"))
            return list(so_far)
        return [(g, ast.Call(entry.func, [ast.Constant(pattern), ast.Call(ast.Name("include"), [ast.List([x])], [])],
                             [], lineno=x.lineno, col_offset=x.col_offset)) for g, x in so_far]

    def _elements(self, f: str, value: ast.expr, seen: frozenset[str]) -> list[tuple[str, ast.expr]]:
        """The URL pattern entries an expression of file ``f`` gives: a list or tuple (``*other_urls`` spread in),
        a sum of them, a router's ``urls``, or a name assigned one here or imported from another module (its
        ``urlpatterns``, or the list it assigns that name)."""
        if self._router_of(f, value):
            return [(f, ast.Call(ast.Name("path"), [ast.Constant(""), ast.Call(ast.Name("include"), [value], [])],
                                 [], lineno=value.lineno, col_offset=value.col_offset))]
        if isinstance(value, (ast.List, ast.Tuple)):
            return [x for e in value.elts
                    for x in (self._elements(f, e.value, seen) if isinstance(e, ast.Starred) else [(f, e)])]
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return [*self._elements(f, value.left, seen), *self._elements(f, value.right, seen)]
        if not isinstance(value, ast.Name) or value.id == "urlpatterns":
            return []
        named = self.p.assigned(self.p.trees[f]).get(value.id)
        if named is not None:
            return self._elements(f, named, seen) if named is not value else []
        where = self.p.imports(f).get(value.id)
        if where is None or where[0] is None or not where[1] or where[0] in seen:
            return []
        if where[1] == "urlpatterns":
            return self._patterns(where[0], seen)
        there = self.p.assigned(self.p.trees[where[0]]).get(where[1])
        return self._elements(where[0], there, seen | {where[0]}) if there is not None else []

    def _entry(self, f: str, entry: ast.expr, prefix: str, seen: frozenset[str]) -> None:
        if not isinstance(entry, ast.Call) or _name(entry.func) not in _ROUTE_CALLS or len(entry.args) < 2:
            return
        pattern = self._pattern(f, entry.args[0])
        if pattern is None:
            return
        piece = route_path(pattern, regex=_name(entry.func) != "path")
        view = entry.args[1]
        included = view.args[0] if isinstance(view, ast.Call) and _name(view.func) == "include" and view.args \
            else None
        if isinstance(included, ast.Tuple) and included.elts:  # ``include((router.urls, "api"))``: a namespace given
            included = included.elts[0]
        router = self._router_of(f, included) if included is not None else None
        if router is not None:
            self.router_routes(router[0], router[1], _join(prefix, piece))
            return
        if included is not None and _string(included) in _LIBRARY_URLCONFS and \
                self.p.file(str(_string(included)).split(".")) is None:
            self._library_routes(str(_string(included)), Location(f, entry.lineno, entry.col_offset + 1),
                                 _join(prefix, piece))
            return
        if isinstance(view, ast.Call) and _name(view.func) == "include" and view.args:
            target = self.p._include_target(f, view.args[0])
            if isinstance(target, str):
                self.read(target, _join(prefix, piece), seen)
            elif isinstance(target, ast.List):  # its entries as a module's: ``*router.urls`` spread in
                for g, e in self._elements(f, target, seen):
                    self._entry(g, e, _join(prefix, piece), seen)
            else:
                self.remarks.append((Location(f, entry.lineno, entry.col_offset + 1),
                                     f"include({ast.unparse(view.args[0])}) names no URL configuration read: the "
                                     "routes under it are not read"))
            return
        site = self._admin_site(f, view)
        if site:
            self.routes.append(DjangoRoute("ANY", _join(prefix, piece), Location(f, entry.lineno, entry.col_offset + 1),
                                           ast.unparse(view), admin_site=site))
            return
        self._view(f, entry, _join(prefix, piece), view, set())

    def _admin_site(self, f: str, view: ast.expr) -> str:
        """Why a view of file ``f`` is Django's admin site, said with where: ``admin.site.urls`` (``from
        django.contrib import admin``), ``site.urls`` (``from django.contrib.admin import site``), or the ``urls`` of
        an object of ``AdminSite`` or of a class of the project deriving from it (``my_site = MyAdminSite()`` in this
        module or one it is imported from); empty for any other view."""
        if not (isinstance(view, ast.Attribute) and view.attr == "urls"):
            return ""
        owner = view.value
        where = f"{ast.unparse(view)}, {f}:{view.lineno}"
        if isinstance(owner, ast.Attribute) and owner.attr == "site" and isinstance(owner.value, ast.Name) and \
                _imported_from(self.p.trees[f], owner.value.id) == "django.contrib.admin":
            return f"Django's admin site ({where})"
        if not isinstance(owner, ast.Name):
            return ""
        if _imported_from(self.p.trees[f], owner.id) == "django.contrib.admin.site":
            return f"Django's admin site ({where})"
        here, name = f, owner.id
        came = self.p.imports(f).get(name)
        if came is not None and came[0] is not None and came[1]:
            here, name = came[0], came[1]
        made = self.p.assigned(self.p.trees[here]).get(name)
        if not (isinstance(made, ast.Call) and _name(made.func)):
            return ""
        if any(n == "AdminSite" for n, _c in self._chain(here, _name(made.func))):
            return f"an AdminSite of Django's ({ast.unparse(made)} at {here}:{made.lineno}; {where})"
        return ""

    def _pattern(self, f: str, node: ast.expr) -> str | None:
        """A URL pattern argument of file ``f``: a string, a module-level name assigned one (``prefix = ""``, the
        value its unconditional assignment gives: a branch reassigning it under a condition is a deployment's
        option), or an f-string of such names (``f"{prefix}admin/"``); None when it is anything else."""
        if isinstance(node, ast.Name):
            node = self.p.assigned(self.p.trees[f]).get(node.id, node)
            return _string(node) if not isinstance(node, ast.Name) else None
        if isinstance(node, ast.JoinedStr):
            pieces: list[str] = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    value = self._pattern(f, part.value) \
                        if part.conversion == -1 and part.format_spec is None and isinstance(part.value, ast.Name) \
                        else None
                else:
                    value = _string(part)
                if value is None:
                    return None
                pieces.append(value)
            return "".join(pieces)
        return _string(node)

    def _view(self, f: str, entry: ast.Call, path: str, view: ast.expr, wrapped: set[str]) -> None:
        at = Location(f, entry.lineno, entry.col_offset + 1)
        if isinstance(view, ast.Call) and view.args and _name(view.func) in (_LOGIN_DECORATORS | {"csrf_exempt"}):
            self._view(f, entry, path, view.args[0], wrapped | {_name(view.func)})
            return
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            self._class_view(f, at, path, view, wrapped)
            return
        name = _name(view)
        found = self.p.find_function(f, name) if name else None
        if found is None and isinstance(view, ast.Attribute) and isinstance(view.value, ast.Name):
            module = self.p.imports(f).get(view.value.id)
            found = self.p.find_function(module[0], name) if module and module[0] and not module[1] else None
        feed: tuple[str, int | None] | None = None
        if found is None and isinstance(view, ast.Call) and not view.args and _name(view.func):
            found = self._instance_handler(f, view.func)
            feed = self._feed_items(f, view.func)
        methods: tuple[str, ...] = ("ANY",)
        allauth = self._allauth_view(f, view)
        prot = Protections(decorators=tuple(sorted(wrapped)), library_limit=self._allauth_said(allauth))
        drf = False
        if found is not None:
            by_name, django = _decorators(found[1].decorator_list)
            api = by_name.get("api_view", False)
            drf = api is not False
            listed = _names(api.args[0]) if isinstance(api, ast.Call) and api.args else None
            given = by_name.get("require_http_methods")
            listed = listed or (_names(given.args[0]) if given is not None and given.args else None)
            strings = [s for s in (listed or ()) if s]
            if isinstance(api, ast.Call) and api.args and isinstance(api.args[0], (ast.List, ast.Tuple)):
                strings = [str(_string(e)) for e in api.args[0].elts if _string(e)]
            elif given is not None and given.args and isinstance(given.args[0], (ast.List, ast.Tuple)):
                strings = [str(_string(e)) for e in given.args[0].elts if _string(e)]
            fixed = next((m for n, m in _METHOD_DECORATORS.items() if n in by_name), None)
            admin = _grants_admin(found[0], found[1])
            methods = tuple(s.upper() for s in strings) or fixed or (("GET",) if drf else ("ANY",))
            prot = Protections(
                permissions=self._listed(by_name.get("permission_classes")),
                authentication=self._listed(by_name.get("authentication_classes")),
                throttles=self._listed(by_name.get("throttle_classes")),
                decorators=tuple(sorted(wrapped | django)),
                own_limit=self._own_limit([found]))
            self._add(methods, path, at, ast.unparse(view),
                      Location(found[0], found[1].lineno, found[1].col_offset + 1), drf, prot, grants_admin=admin,
                      url_credential=code_url_credentials.python_handler(
                          found[0], found[1], code_url_credentials.path_params(path)) or "", feed=feed)
            return
        if feed is not None:  # a feed whose class defines no get_object: Django's Feed takes the request itself
            self.routes.append(DjangoRoute("ANY", path, at, ast.unparse(view), None, False, prot, feed=feed))
            return
        self._allauth_add(allauth, path, at, ast.unparse(view), prot)

    def _allauth_view(self, f: str, view: ast.expr) -> str:
        """The name of the view of ``allauth.account.views`` named in file ``f`` (``views.login`` with ``from
        allauth.account import views``, or ``login`` imported from there); empty for any other view."""
        if isinstance(view, ast.Attribute) and isinstance(view.value, ast.Name):
            local, fn = view.value.id, view.attr
        elif isinstance(view, ast.Name):
            local, fn = view.id, ""
        else:
            return ""
        for node in self.p.trees[f].body:
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            for alias in node.names:
                if (alias.asname or alias.name) != local:
                    continue
                module, name = (f"{node.module}.{alias.name}", fn) if fn else (node.module, alias.name)
                return name if module == "allauth.account.views" else ""
        return ""

    def _allauth_add(self, name: str, path: str, at: Location, view: str, prot: Protections) -> None:
        """The routes of django-allauth's account view ``name`` (empty: a view of no library) at ``path``: one per
        method its class defines (``_ALLAUTH_METHODS``; ``ANY`` for the others), each with what it changes."""
        for m in _ALLAUTH_METHODS.get(name, ("ANY",)):
            self.routes.append(DjangoRoute(m, path, at, view, None, False, prot, writes=self._allauth_writes(name, m)))

    def _allauth_writes(self, name: str, method: str) -> str:
        """What django-allauth's account view ``name`` changes on ``method``, said: its ``LogoutView`` signs the user
        out on a POST, and on a GET only when the settings say ``ACCOUNT_LOGOUT_ON_GET = True`` (the library's
        default is False: a GET shows a page asking to confirm); empty otherwise."""
        if name != "logout" or method not in ("GET", "POST"):
            return ""
        if method == "POST":
            return "django-allauth's LogoutView signs the user out on a POST"
        for f in reversed(self.p.settings_chain()):
            value = self.p.assigned(self.p.trees[f]).get("ACCOUNT_LOGOUT_ON_GET")
            if value is not None:
                return (f"django-allauth's LogoutView signs the user out on a GET: ACCOUNT_LOGOUT_ON_GET = True "
                        f"({Location(f, value.lineno, 1)})") \
                    if isinstance(value, ast.Constant) and value.value is True else ""
        return ""

    def _allauth_said(self, name: str) -> str:
        """The rate limit django-allauth's account view ``name`` applies itself, said; empty when it applies none or
        the settings turn allauth's limits off."""
        action = _ALLAUTH_LIMITED.get(name)
        off = self.p.settings_values().get("ACCOUNT_RATE_LIMITS")
        if action is None or (isinstance(off, ast.Constant) and off.value is False):
            return ""
        return f"django-allauth's {name} view limits itself by ACCOUNT_RATE_LIMITS['{action}'] (on by default)"

    def _library_routes(self, module: str, at: Location, prefix: str) -> None:
        """The routes a library's URL configuration (``include("allauth.urls")``) serves under ``prefix``, from the
        catalogue: each drawn at the ``include()`` that mounts it, with what the library's view states itself."""
        for pattern, view, login in _LIBRARY_URLCONFS[module]:
            regex = pattern.startswith("^")
            self._allauth_add(view, _join(prefix, route_path(pattern, regex=regex)), at, f"{module}: {view}",
                              Protections(decorators=("login_required",) if login else (),
                                          library_limit=self._allauth_said(view)))

    def _own_limit(self, handlers: Sequence[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]) -> str:
        """The rate limit the code of a view's handlers (each with its file) applies itself, said, or empty:
        django-ratelimit's blocking ``@ratelimit`` on one, or a rate limiter's answer deciding a branch of one
        (``_limiter_checks``) or of the ``clean``/``clean_<field>`` methods of a Django form it builds (a form's
        validation refuses the request when the limiter says no: ``if not TokenBucket.authorize_login(email): raise
        ValidationError(...)``)."""
        for f, fn in handlers:
            deco = _ratelimit_decorator(fn.decorator_list)
            if deco is not None:
                return (f"django-ratelimit's {ast.unparse(deco)} on {fn.name} "
                        f"({Location(f, deco.lineno, deco.col_offset + 1)})")
        for f, fn in handlers:
            for call in _limiter_checks(fn):
                return (f"its code refuses the request when a rate limiter says no ({ast.unparse(call.func)}, "
                        f"{Location(f, call.lineno, call.col_offset + 1)})")
        for f, fn in handlers:
            for form, where, clean in self._forms_built(f, fn):
                for call in _limiter_checks(clean):
                    return (f"the form it validates refuses the request when a rate limiter says no "
                            f"({form}.{clean.name}: {ast.unparse(call.func)}, "
                            f"{Location(where, call.lineno, call.col_offset + 1)})")
        return ""

    def _forms_built(self, f: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[
            tuple[str, str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        """The ``clean`` and ``clean_<field>`` methods of the project's Django forms (a class deriving, through the
        project's classes, from a library class whose name ends in ``Form``) that ``fn`` of file ``f`` builds
        (``PasswordLoginForm(request.POST)``, ``forms.SignupForm(request)``): the form's name, the file of each
        method and the method, in the order the handler builds them. Only a capitalised name is looked up (a class
        by Python's convention)."""
        seen: set[tuple[str, str]] = set()
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            where: str | None = f
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                module = self.p.imports(f).get(node.func.value.id)
                where, name = (module[0], node.func.attr) if module and module[0] and not module[1] else (None, "")
            if where is None or not name[:1].isupper() or (where, name) in seen or \
                    self.p.find_class(where, name) is None:
                continue
            seen.add((where, name))
            chain = self._chain(where, name)
            if not any(cls is None and base.endswith("Form") for base, cls in chain):
                continue
            for file, cls in chain:
                for st in cls.body if cls is not None else []:
                    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                            (st.name == "clean" or st.name.startswith("clean_")):
                        yield name, file, st

    @staticmethod
    def _listed(call: ast.Call | None) -> tuple[str, ...] | None:
        return _names(call.args[0]) if call is not None and call.args else None

    def _router_of(self, f: str, node: ast.expr) -> tuple[str, str] | None:
        """The file and router variable of ``router.urls`` when that variable is assigned a DRF router: in file
        ``f``, or in the project module it is imported from (``from .api import router``), or named through an
        imported module (``api_routes.bookmark_router.urls`` after ``from app.api import routes as api_routes``)."""
        if not (isinstance(node, ast.Attribute) and node.attr == "urls"):
            return None
        where: tuple[str, str] | None = None
        if isinstance(node.value, ast.Name):
            name = node.value.id
            imported = self.p.imports(f).get(name) if name not in self.p.assigned(self.p.trees[f]) else None
            where = (imported[0], imported[1]) if imported and imported[0] and imported[1] else (f, name)
        elif isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name):
            module = self.p.imports(f).get(node.value.value.id)
            if module and module[0] and not module[1]:
                where = (module[0], node.value.attr)
        if where is None:
            return None
        value = self.p.assigned(self.p.trees[where[0]]).get(where[1])
        return where if isinstance(value, ast.Call) and _name(value.func).endswith("Router") else None

    def _class_facts(self, f: str, name: str, wrapped: set[str]) -> _ClassFacts:
        """What a view class and the classes it derives from say: its handler methods, its viewset actions, the
        bases the project does not define, whether it is a DRF view, its protections, and where it is defined."""
        chain = self._chain(f, name)
        attrs: dict[str, tuple[str, ...] | None] = {}
        handlers: set[str] = set()
        actions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        decorated: set[str] = set()
        external: set[str] = set()
        own: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        granting: dict[str, str] = {}
        action_at: dict[str, Location] = {}
        for where, cls in chain:
            if cls is None:
                external.add(where)
                for k, v in _LIBRARY_PROTECTIONS.get(where, {}).items():
                    attrs.setdefault(k, v)
                continue
            for st in cls.body:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if st.name in HTTP:
                        handlers.add(st.name.upper())
                    elif st.name == "dispatch":
                        handlers.update(_compared_methods(st))
                    elif st.name in _VIEWSET_ACTIONS or "action" in _decorators(st.decorator_list)[0]:
                        actions.setdefault(st.name, st)
                        action_at.setdefault(st.name, Location(where, st.lineno, st.col_offset + 1))
                    if st.name in HTTP or st.name == "dispatch":
                        decorated |= _decorators(st.decorator_list)[1]
                        own.append((where, st))
                    if st.name in HTTP and st.name.upper() not in granting:   # the subclass's own overrides
                        granting[st.name.upper()] = _grants_admin(where, st)
                elif isinstance(st, ast.Assign):
                    for t in st.targets:
                        if isinstance(t, ast.Name) and t.id in ("permission_classes", "authentication_classes",
                                                                "throttle_classes"):
                            attrs.setdefault(t.id, _names(st.value))
            decorated |= _decorators(cls.decorator_list)[1]
        drf = bool(external & _DRF_BASES) or any(b in external for b in _GENERIC_METHODS if b.endswith("APIView"))
        d = self.p.defaults if drf else Protections()
        prot = Protections(
            permissions=attrs.get("permission_classes", d.permissions),
            authentication=attrs.get("authentication_classes", d.authentication),
            throttles=attrs.get("throttle_classes", d.throttles),
            decorators=tuple(sorted(wrapped | decorated)),
            own_limit=self._own_limit(own))
        first = chain[0][1] if chain and chain[0][1] is not None else None
        return _ClassFacts(handlers, actions, external, drf, prot,
                           Location(chain[0][0], first.lineno, first.col_offset + 1) if first else None,
                           {m: why for m, why in granting.items() if why}, action_at)

    def _class_view(self, f: str, at: Location, path: str, view: ast.Call, wrapped: set[str]) -> None:
        assert isinstance(view.func, ast.Attribute)
        name = _name(view.func.value)
        facts = self._class_facts(f, name, wrapped)
        given = view.args[0] if view.args and isinstance(view.args[0], ast.Dict) else None
        if given is not None:
            methods = tuple(sorted(str(_string(k)).upper() for k in given.keys if k is not None and _string(k)))
        else:
            generic = sorted({m for b in facts.external for m in _GENERIC_METHODS.get(b, ())})
            methods = tuple(sorted(facts.handlers | set(generic))) or ("ANY",)
        for m in methods:   # one by one: each method's handler may make an administrator or not
            if m in ("HEAD", "OPTIONS") and len(methods) > 1:
                continue
            self._add([m], path, at, name, facts.at, facts.drf, facts.protections,
                      "its view derives from Django REST framework's ObtainAuthToken, which exchanges a username and "
                      "password for a token" if "ObtainAuthToken" in facts.external else "",
                      facts.granting.get(m, ""))

    def router_routes(self, f: str, router: str, prefix: str) -> None:
        """The routes a DRF router (``router = DefaultRouter()``) of file ``f`` makes of the viewsets registered on
        it (``router.register(r"orders", OrderViewSet)``): the list route ``orders/`` and the detail route
        ``orders/{pk}/`` (``lookup_field``'s name when the viewset sets one), each with the methods of the actions
        the viewset has (its own methods and its library bases': ``ModelViewSet`` all, the mixins theirs), and its
        ``@action`` methods' routes."""
        for node in self.p.trees[f].body:
            call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
            if call is None or not isinstance(call.func, ast.Attribute) or call.func.attr != "register" or \
                    _name(call.func.value) != router or len(call.args) < 2 or _string(call.args[0]) is None:
                continue
            base = route_path(str(_string(call.args[0])), regex=True).strip("/")
            facts = self._class_facts(f, _name(call.args[1]), set())
            at = Location(f, call.lineno, call.col_offset + 1)
            names = set(facts.actions) | {a for b in facts.external for a in _LIBRARY_ACTIONS.get(b, ())}
            lookup = self._lookup(f, _name(call.args[1]))
            for detail, actions in ((False, ("list", "create")),
                                    (True, ("retrieve", "update", "partial_update", "destroy"))):
                methods = sorted({_VIEWSET_ACTIONS[a] for a in actions if a in names})
                piece = f"{base}/{{{lookup}}}/" if detail else f"{base}/"
                self._add(methods, _join(prefix, piece), at, _name(call.args[1]), facts.at, True, facts.protections)
            for fn_name, fn in sorted(facts.actions.items()):
                deco = _decorators(fn.decorator_list)[0].get("action")
                if deco is None:
                    continue
                kw = {k.arg: k.value for k in deco.keywords if k.arg}
                given = kw.get("detail")
                detail = isinstance(given, ast.Constant) and given.value is True
                listed = kw.get("methods")
                methods = [str(_string(e)).upper() for e in listed.elts if _string(e)] \
                    if isinstance(listed, (ast.List, ast.Tuple)) else ["GET"]
                piece = route_path(_string(kw.get("url_path")) or fn_name, regex=True)  # DRF's url_path: a regex
                path = f"{base}/{{{lookup}}}/{piece}/" if detail else f"{base}/{piece}/"
                self._add(sorted(methods), _join(prefix, path), at, f"{_name(call.args[1])}.{fn_name}",
                          facts.action_at.get(fn_name, facts.at), True, facts.protections)

    def _lookup(self, f: str, name: str) -> str:
        for _where, cls in self._chain(f, name):
            for st in cls.body if cls is not None else []:
                if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "lookup_field"
                                                      for t in st.targets) and _string(st.value):
                    return str(_string(st.value))
        return "pk"

    def _instance_handler(self, f: str, cls: ast.expr) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        """The method that takes the request and the route's parameters when the view is an instance of a project
        class (``path("feeds/<str:key>/all", feeds.AllFeed())``): a syndication ``Feed``'s ``get_object(request,
        *args)``, which Django's ``Feed.__call__`` hands them to, else the class's own ``__call__``, each the first its
        class or a base defines."""
        name = _name(cls)
        where = f
        if isinstance(cls, ast.Attribute) and isinstance(cls.value, ast.Name):
            module = self.p.imports(f).get(cls.value.id)
            where = module[0] if module and module[0] and not module[1] else f
        chain = self._chain(where, name)
        wanted = ("get_object", "__call__") if any(c is None and n == "Feed" for n, c in chain) else ("__call__",)
        for method in wanted:
            for file, c in chain:
                fn = next((st for st in c.body if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and
                           st.name == method), None) if c is not None else None
                if fn is not None:
                    return file, fn
        return None

    def _chain(self, f: str, name: str) -> list[tuple[str, ast.ClassDef | None]]:
        """A class and the classes it derives from, depth first (Python's order for single inheritance): each the
        project's (file, class) or, for a base the project does not define, (its name, None)."""
        out: list[tuple[str, ast.ClassDef | None]] = []
        seen: set[tuple[str, str]] = set()

        def visit(where: str, n: str) -> None:
            found = self.p.find_class(where, n)
            if found is None:
                out.append((n, None))
                return
            if (found[0], found[1].name) in seen:
                return
            seen.add((found[0], found[1].name))
            out.append(found)
            for b in found[1].bases:
                if _name(b):
                    visit(found[0], _name(b))
        visit(f, name)
        return out

    def _add(self, methods: Sequence[str], path: str, at: Location, view: str, view_at: Location | None, drf: bool,
             prot: Protections, sign_in: str = "", grants_admin: str = "", url_credential: str = "",
             feed: tuple[str, int | None] | None = None) -> None:
        for m in methods:
            if m in ("HEAD", "OPTIONS") and len(methods) > 1:
                continue
            self.routes.append(DjangoRoute(m, path, at, view, view_at, drf, prot, sign_in, grants_admin,
                                           url_credential=url_credential, feed=feed))

    def _feed_items(self, f: str, cls: ast.expr) -> tuple[str, int | None] | None:
        """What bounds the items of a syndication ``Feed`` the view is an instance of, from the ``items`` method its
        class or a base defines (Django renders every item it returns into one document): said, with the server's
        cap when every slice of it is cut at a number (``[:50]``), None as the cap when it slices nothing or slices
        at a value the request gives (``[:int(request.GET.get("limit", 100))]``: the client chooses, up to all);
        None when the view is no feed, or its bound is something else (a setting: not known)."""
        name, where = _name(cls), f
        if isinstance(cls, ast.Attribute) and isinstance(cls.value, ast.Name):
            module = self.p.imports(f).get(cls.value.id)
            where = module[0] if module and module[0] and not module[1] else f
        chain = self._chain(where, name)
        if not any(c is None and n == "Feed" for n, c in chain):
            return None
        found = next(((file, st) for file, c in chain if c is not None for st in c.body
                      if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == "items"), None)
        if found is None:
            return None
        file, fn = found
        said = f"{name}'s items() ({file}:{fn.lineno})"
        uppers = [n.slice.upper for n in ast.walk(fn)
                  if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice)]
        if not uppers:
            return f"{said} returns every item it finds, no slice", None
        cuts = [u.value for u in uppers if isinstance(u, ast.Constant) and isinstance(u.value, int)]
        if len(cuts) == len(uppers):
            return f"{said} cuts its items at {max(cuts)}", max(cuts)
        asked = {t.id: ast.unparse(n.value) for n in ast.walk(fn) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and _REQUEST_VALUE.search(ast.unparse(n.value))}
        for u in uppers:
            names = {x.id for x in ast.walk(u) if isinstance(x, ast.Name)} if u is not None else set()
            if u is not None and not _CAPPED.search(ast.unparse(u)) and (
                    names & set(asked) or _REQUEST_VALUE.search(ast.unparse(u))):
                given = next((asked[n] for n in sorted(names) if n in asked), ast.unparse(u))
                return f"{said} slices them at a number the client gives ({given}), with no maximum", None
        return None


_REQUEST_VALUE = re.compile(r"\brequest\.(?:GET|POST|query_params|data)\b")
"""A value of the request's query string or body (Django's ``request.GET``, DRF's ``request.query_params``)."""
_CAPPED = re.compile(r"\bmin\(")
"""A bound the server takes the lower of (``min(int(limit), 500)``)."""


def _imported_from(tree: ast.Module, local: str) -> str:
    """The dotted name a module-level ``from m import n`` binds to ``local`` (``m.n``; an alias's too), or empty."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if (alias.asname or alias.name) == local:
                    return f"{node.module}.{alias.name}"
    return ""


def _rewraps(entry: ast.expr) -> bool:
    """Whether a URL pattern entry includes the module's own ``urlpatterns`` (``path("", include(urlpatterns))`` or
    with a namespace, ``include((urlpatterns, "app"))``): the patterns assigned so far, nested under its prefix."""
    if not isinstance(entry, ast.Call) or _name(entry.func) not in _ROUTE_CALLS or len(entry.args) < 2:
        return False
    view = entry.args[1]
    if not (isinstance(view, ast.Call) and _name(view.func) == "include" and view.args):
        return False
    target = view.args[0].elts[0] if isinstance(view.args[0], ast.Tuple) and view.args[0].elts else view.args[0]
    return isinstance(target, ast.Name) and target.id == "urlpatterns"


def _grants_admin(f: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """How a view function's body makes an administrator, said with where: a call given ``is_superuser=True`` (a
    ``User(...)`` built or ``objects.create(...)``), ``x.is_superuser = True``, a ``create_superuser(...)`` call, or a
    record created of a model named for administrators (``InstanceAdmin.objects.create(user=user)``: the row that
    makes a user one); empty when it does none of these (``is_staff`` alone grants the admin site's sign-in, no
    permission)."""
    for node in ast.walk(fn):
        said = ""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("create", "get_or_create", "update_or_create") and \
                isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "objects" and \
                _name(node.func.value.value).endswith("Admin"):
            said = f"{ast.unparse(node.func)}(...)"
        elif isinstance(node, ast.Call) and any(k.arg == "is_superuser" and isinstance(k.value, ast.Constant) and
                                              k.value.value is True for k in node.keywords):
            said = f"{ast.unparse(node.func)}(..., is_superuser=True)"
        elif isinstance(node, ast.Call) and _name(node.func) == "create_superuser":
            said = f"{ast.unparse(node.func)}(...)"
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True and \
                any(isinstance(t, ast.Attribute) and t.attr == "is_superuser" for t in node.targets):
            said = f"{ast.unparse(node.targets[0])} = True"
        if said:
            what = "an administrator" if said.split(".", 1)[0].endswith("Admin") else "a superuser"
            return f"its view {fn.name} makes {what}: {said} ({f}:{getattr(node, 'lineno', fn.lineno)})"
    return ""


_ENV_READS = frozenset({"get", "getenv", "bool", "int", "str", "env", "config", "get_bool_from_env", "get_env",
                        "env_bool", "getenv_bool", "strtobool_env"})
"""Calls that read a variable from the environment with a default: ``os.environ.get(name, default)``,
``os.getenv``, django-environ's ``env.bool(name, default=...)``, python-decouple's ``config(name, default=...)``, or a
project's own helper taking the name and the default (``get_bool_from_env("DEBUG", True)``)."""
_TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})
SETTINGS = ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY")
"""The settings read (``setting``): a literal, or a variable of the environment with its default."""


class _Unknown(Exception):
    """The value depends on something the reader does not evaluate."""


@dataclass(frozen=True)
class Setting:
    """A setting's value when the deployment sets nothing, where it is assigned, and how it is read (the variable
    of the environment it comes from, when it does)."""

    name: str
    value: bool
    at: Location
    variable: str | None = None
    expression: ast.expr | None = field(default=None, compare=False, repr=False)
    """The assigned expression, for ``value_with`` (the value when the deployment sets the variable)."""
    stated: bool = True
    """False: the settings do not assign it, Django's default holds (``at``: the settings module)."""
    variables: tuple[str, ...] = field(default=(), compare=False)
    """Every variable of the environment its value is read from, ``variable`` first (through the settings' other
    names: ``SESSION_COOKIE_SECURE = secure_origins``, which follows ``CORS_ALLOWED_ORIGINS``)."""
    definitions: Mapping[str, ast.expr] = field(default_factory=dict, compare=False, repr=False)
    """The settings' top-level definitions the expression's names are read from (``definitions``)."""


def _env_read(node: ast.Call) -> tuple[str, ast.expr | None] | None:
    """The variable and the default of an environment read (None: no such call; a None default: none given)."""
    fn = _name(node.func)
    if fn not in _ENV_READS or not node.args or _string(node.args[0]) is None:
        return None
    if isinstance(node.func, ast.Attribute) and fn == "get" and "environ" not in ast.unparse(node.func.value):
        return None
    default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"),
                                                           None)
    return str(_string(node.args[0])), default


def _truthy(value: object) -> bool:
    return value.strip().lower() in _TRUE if isinstance(value, str) else bool(value)


_Value = bool | str | int | tuple["_Value", ...]
"""What the reader evaluates: a literal, or a list (a tuple here) of them."""

_DEPTH = 24
"""How many names deep a value is followed (``A = B``, ``B = os.environ.get(...)``) before it is called unknown:
a cycle (``x = x or ...``) ends there."""


class _Scope:
    """How ``_evaluate`` reads a name: the settings modules' top-level definitions (``definitions``), and the
    variables of a comprehension being evaluated."""

    def __init__(self, definitions: Mapping[str, ast.expr] | None = None,
                 local: Mapping[str, _Value] | None = None, depth: int = 0) -> None:
        self.definitions = definitions or {}
        self.local = local or {}
        self.depth = depth

    def deeper(self) -> _Scope:
        if self.depth >= _DEPTH:
            raise _Unknown()
        return _Scope(self.definitions, {}, self.depth + 1)

    def with_local(self, name: str, value: _Value) -> _Scope:
        return _Scope(self.definitions, {**self.local, name: value}, self.depth)


_CONVERTERS = frozenset({"bool", "get_bool_from_env", "env_bool", "getenv_bool", "strtobool_env", "parse_boolean",
                         "parse_bool", "str_to_bool", "strtobool", "to_bool", "as_bool"})
"""Calls that turn a string into a boolean by its words (``"true"``, ``"1"``, ``"yes"``): the standard library's
``bool`` of an environment read (django-environ), and the helpers projects write for it, by their common names."""


def _test(value: _Value) -> bool:
    """Whether ``value`` passes an ``if``, an ``and``/``or`` or a ``not``, as Python has it: a string when it is not
    empty, whatever it says (only a setting's own value is read for its intent: ``_setting_value``)."""
    return bool(value)


def _evaluate_call(node: ast.Call, found: list[str], given: Mapping[str, str] | None,
                   ev: Callable[[ast.expr], _Value]) -> _Value:
    """``_evaluate`` of a call: an environment read, a conversion, a string's method (``ev`` evaluates an argument)."""
    read = _env_read(node)
    if read is not None:
        found.append(read[0])
        if given is not None and read[0] in given:
            value: _Value = given[read[0]]
        elif read[1] is None and _name(node.func) not in ("get", "getenv"):  # django-environ's Env(DEBUG=(bool,
            raise _Unknown()  # True)) holds it elsewhere; python-decouple's config() fails with none
        else:
            value = False if read[1] is None else ev(read[1])
        return _truthy(value) if _name(node.func) in _CONVERTERS else value
    if isinstance(node.func, ast.Name) and node.func.id in ("int", "bool", "str") and len(node.args) == 1:
        inner_value = ev(node.args[0])
        if isinstance(inner_value, tuple):
            raise _Unknown()
        try:
            return int(inner_value) if node.func.id == "int" else _truthy(inner_value) \
                if node.func.id == "bool" else str(inner_value)
        except ValueError:
            raise _Unknown() from None
    if isinstance(node.func, ast.Name) and node.func.id in _CONVERTERS and len(node.args) == 1:
        word = ev(node.args[0])
        if not isinstance(word, str):
            raise _Unknown()
        return _truthy(word)
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper", "strip", "split"):
        value = ev(node.func.value)
        if isinstance(value, str) and node.func.attr == "split" and len(node.args) == 1 and not node.keywords:
            sep = ev(node.args[0])
            if isinstance(sep, str) and sep:
                return tuple(value.split(sep))
        elif isinstance(value, str) and not node.args and not node.keywords:
            return str(getattr(value, node.func.attr)())
    raise _Unknown()


def _evaluate(node: ast.expr, found: list[str], given: Mapping[str, str] | None = None,
              scope: _Scope | None = None) -> _Value:
    """The value of a setting's expression with every environment read given the value ``given`` sets for its
    variable, else its default (the variable read put in ``found``); a name is read from ``scope`` (a
    comprehension's variable, else the settings' top-level definition of it), and a list is built by a
    comprehension or split from a string."""
    sc = scope or _Scope()

    def ev(n: ast.expr, inner: _Scope | None = None) -> _Value:
        return _evaluate(n, found, given, inner or sc)

    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, str, int)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in sc.local:
            return sc.local[node.id]
        if node.id in sc.definitions:
            return ev(sc.definitions[node.id], sc.deeper())
        raise _Unknown()
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(ev(e) for e in node.elts)
    if isinstance(node, ast.IfExp):
        return ev(node.body) if _test(ev(node.test)) else ev(node.orelse)
    if isinstance(node, ast.BoolOp):
        last: _Value = False
        for v in node.values:  # Python's: the first value that decides, else the last
            last = ev(v)
            if _test(last) != isinstance(node.op, ast.And):
                return last
        return last
    if isinstance(node, ast.ListComp) and len(node.generators) == 1 and \
            isinstance(node.generators[0].target, ast.Name) and not node.generators[0].is_async:
        gen, target = node.generators[0], node.generators[0].target.id
        items = ev(gen.iter)
        if not isinstance(items, tuple):
            raise _Unknown()
        out: list[_Value] = []
        for item in items:
            inner = sc.with_local(target, item)
            if all(_test(ev(c, inner)) for c in gen.ifs):
                out.append(ev(node.elt, inner))
        return tuple(out)
    if isinstance(node, ast.Call):
        return _evaluate_call(node, found, given, ev)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = ev(node.left), node.comparators[0]
        if isinstance(node.ops[0], (ast.In, ast.NotIn)):
            options = ev(right)
            if isinstance(options, str) and isinstance(left, str):
                return (left in options) == isinstance(node.ops[0], ast.In)
            if isinstance(options, tuple):
                return (left in options) == isinstance(node.ops[0], ast.In)
        if isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return (left == ev(right)) == isinstance(node.ops[0], ast.Eq)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _test(ev(node.operand))
    raise _Unknown()


def _setting_value(value: _Value) -> bool:
    """A setting's value as Django reads it (``if settings.DEBUG:``). A string the code leaves unconverted is true
    when it is not empty, whatever it says: ``"False"`` or ``"0"``, where the intent and Python disagree, is not
    known."""
    if isinstance(value, str) and _truthy(value) != bool(value):
        raise _Unknown()
    return _truthy(value)


def value_with(setting: Setting, given: Mapping[str, str]) -> bool | None:
    """``setting``'s value when the deployment sets the variables in ``given`` (name -> value; a variable it does not
    set takes the code's default); None when it is not known (the value is not one the code's conversion reads)."""
    if setting.expression is None:
        return setting.value
    try:
        return _setting_value(_evaluate(setting.expression, [], given, _Scope(setting.definitions)))
    except (_Unknown, ValueError, SyntaxError):
        return None


def settings(project: Project) -> list[Setting]:
    """The settings module's ``DEBUG`` and session and CSRF cookie flags whose value its code gives when the
    environment sets nothing: a literal, or a read of a variable with its default, converted as the code converts
    it (``int(os.environ.get("DEBUG", "0"))``, ``get_bool_from_env("DEBUG", True)``). A setting assigned more than
    once in the module that assigns it last (the settings module, else one it star-imports), or from anything else,
    is left out: its value is not known."""
    out: list[Setting] = []
    assigned = _assignments(project, SETTINGS)
    defined = definitions(project)
    for name in SETTINGS:
        f, stmts = assigned.get(name, ("", []))
        if len(stmts) != 1 or not isinstance(stmts[0], ast.Assign):
            continue
        found: list[str] = []
        try:
            value = _setting_value(_evaluate(stmts[0].value, found, None, _Scope(defined)))
        except _Unknown:
            continue
        out.append(Setting(name, value, Location(f, stmts[0].lineno, stmts[0].col_offset + 1),
                           found[0] if found else None, stmts[0].value, variables=tuple(dict.fromkeys(found)),
                           definitions=defined))
    return out


_NOT_KNOWN = ast.Constant(value=...)
"""A name's definition when its value is not known (``_evaluate`` reads no ``...``)."""


def _block_definitions(stmts: Sequence[ast.stmt], out: dict[str, ast.expr]) -> None:
    """The names a block of top-level statements binds, each to the expression it ends with, into ``out`` (what it
    held before the block): a plain assignment; ``if``/``else`` as a conditional expression of its branches (a branch
    that leaves a name alone keeps what it held). A name bound twice in one block, or by anything else (``+=``, a
    loop, a ``with``, a ``try``, an import, a definition), is not known."""
    seen: set[str] = set()
    for st in stmts:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            name = st.targets[0].id
            out[name] = _NOT_KNOWN if name in seen else st.value
            seen.add(name)
        elif isinstance(st, ast.If):
            body, orelse = dict(out), dict(out)
            _block_definitions(st.body, body)
            _block_definitions(st.orelse, orelse)
            for name in sorted(set(body) | set(orelse)):
                b, o = body.get(name, _NOT_KNOWN), orelse.get(name, _NOT_KNOWN)
                if b is not out.get(name) or o is not out.get(name):
                    out[name] = ast.IfExp(test=st.test, body=b, orelse=o)
        else:
            for node in ast.walk(st):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    out[node.id] = _NOT_KNOWN
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and st is node:
                    out[node.name] = _NOT_KNOWN
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    out.update((a.asname or a.name.split(".")[0], _NOT_KNOWN) for a in node.names if a.name != "*")


def definitions(project: Project) -> dict[str, ast.expr]:
    """The top-level names of the settings module and those it star-imports (the imported first: the importing
    module's binding wins), each to the expression that gives its value (``_block_definitions``), for ``_evaluate``
    to follow a setting through them."""
    out: dict[str, ast.expr] = {}
    for f in project.settings_chain():
        _block_definitions(project.trees[f].body, out)
    return out


def _assignments(project: Project, names: Sequence[str]) -> dict[str, tuple[str, list[ast.stmt]]]:
    """Each of ``names`` assigned in the settings module or one it star-imports: the module that assigns it last (the
    importing module's assignment wins) and its assignments there."""
    assigned: dict[str, tuple[str, list[ast.stmt]]] = {}
    for f in project.settings_chain():  # a module star-imported first: the importing module's assignment wins
        here: dict[str, list[ast.stmt]] = {}
        for node in ast.walk(project.trees[f]):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id in names:
                        here.setdefault(t.id, []).append(node)
        for k, v in here.items():
            before = assigned.get(k)
            # assigned in rival arms of one try: both assignments, so that the value is not known
            assigned[k] = (f, [*before[1], *v]) if before is not None and project.rival(before[0], f) else (f, v)
    return assigned


_SESSION_DEFAULTS = {"SESSION_COOKIE_SECURE": False, "SESSION_COOKIE_HTTPONLY": True}
"""Django's defaults for the session cookie's flags (docs.djangoproject.com, "Settings"; SameSite's is 'Lax')."""


@dataclass(frozen=True)
class SessionCookie:
    """The flags Django gives the session cookie of a project that uses sessions, as its settings module says: each a
    ``Setting`` (one not assigned holds Django's default, ``variable`` None, at the settings module's first line), or
    None when its value is not known."""

    file: str
    """The settings module."""
    secure: Setting | None
    http_only: Setting | None
    same_site: tuple[str, Location] | None
    """'strict', 'lax' or 'none', and where (Django's default 'Lax' at the settings module's first line)."""


def _uses_sessions(project: Project) -> bool:
    """Whether the settings install ``django.contrib.sessions`` and a ``SessionMiddleware`` (Django's, or a project's
    own of that name) among their string literals."""
    found = {str(n.value) for f in project.settings_chain() for n in ast.walk(project.trees[f])
             if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return "django.contrib.sessions" in found and any(v.rsplit(".", 1)[-1] == "SessionMiddleware" for v in found)


def session_cookie(project: Project) -> SessionCookie | None:
    """The session cookie's flags of a project whose settings use sessions (``_uses_sessions``); None when they do not
    or no settings module is named."""
    if project.settings_file is None or not _uses_sessions(project):
        return None
    start = Location(project.settings_file, 1, 1)
    read = {s.name: s for s in settings(project)}
    assigned = _assignments(project, ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE"))
    flags = {name: read.get(name) if name in assigned else Setting(name, default, start, stated=False)
             for name, default in _SESSION_DEFAULTS.items()}
    same_site: tuple[str, Location] | None = ("lax", start)
    if "SESSION_COOKIE_SAMESITE" in assigned:
        f, stmts = assigned["SESSION_COOKIE_SAMESITE"]
        said = _string(stmts[0].value) if len(stmts) == 1 and isinstance(stmts[0], ast.Assign) else None
        same_site = (said.lower(), Location(f, stmts[0].lineno, stmts[0].col_offset + 1)) \
            if said and said.lower() in ("strict", "lax", "none") else None
    return SessionCookie(project.settings_file, flags["SESSION_COOKIE_SECURE"], flags["SESSION_COOKIE_HTTPONLY"],
                         same_site)


def routes(texts: Sequence[tuple[str, str]]) -> tuple[list[DjangoRoute], list[tuple[Location, str]]]:
    """A Django project's routes (its files' paths and texts, in any order), sorted, one per method and path (the
    first URL pattern that matches wins, as Django resolves), and what could not be read."""
    project = Project(texts)
    reader = _Reader(project)
    for root in project.root_urlconfs():
        reader.read(root, "", frozenset())
    unique: dict[tuple[str, str], DjangoRoute] = {}
    for r in reader.routes:
        unique.setdefault((r.method, r.path), r)
    out = sorted(unique.values(), key=lambda r: (r.path, r.method, r.at.file, r.at.line))
    return out, sorted({*project.remarks, *reader.remarks}, key=lambda x: (x[0].file, x[0].line, x[0].column, x[1]))


__all__ = ["DjangoRoute", "Project", "Protections", "SessionCookie", "Setting", "definitions", "route_path", "routes",
           "session_cookie", "settings", "value_with"]
