"""Go HTTP routes, read for ``code_routes`` (``archplan import source``) from a service's ``.go`` files.

The route registrations of the standard library and the commonest Go routers, as their own muxes read them:

- **net/http**: ``http.HandleFunc("/x", h)``, ``mux.Handle("/x", http.HandlerFunc(s.h))`` on any mux; a Go 1.22
  pattern names its method (``"POST /items/{id}"``); without one the route serves every method (``ANY``).
- **gorilla/mux**: ``r.HandleFunc("/x", h).Methods("GET", http.MethodHead)``, ``r.PathPrefix("/static/")
  .Handler(...)``, ``r.Methods("GET").Path("/x").Handler(h)`` (go-kit's servers are mounted so), and the prefix of
  a subrouter (``api := r.PathPrefix("/api").Subrouter()``).
- **chi, gin, echo** (in a file that imports one): ``r.Get("/x", h)``, ``router.POST("/x", mw, h)``, ``e.Any``;
  the prefix of a group (``v1 := router.Group("/v1")``) and of a chi ``r.Route("/x", func(r chi.Router) {...})``.
- A router of the file mounted on another (``http.Handle("/", r)``) is no route itself; mounted under a prefix it
  strips (chi's ``Mount("/api", api)``, ``http.StripPrefix("/api", api)``), its routes take the prefix.

A path built from a variable and a literal (``baseUrl + "/cart"``) takes the variable's string constant when the
code declares one, else nothing (an empty, deploy-time prefix). The handler (a function or method of the
service's code, or a function literal) is read with the functions it calls by name, one level: a write through a
client or a store (``PlaceOrder``, ``MakeReservation``, ``InsertOne`` on a gRPC client or a collection) makes the
route ``mutating``, and one that creates (``Place``, ``Add``, ``Insert``...), or a POST whose handler draws a new random
identifier for what it makes (``uuid.New()``), takes no ``idempotency_key`` when no code of the service names one;
``http.SetCookie`` of a session or token cookie gives its flags (Go's zero values when left out: no ``Secure``, no
``HttpOnly``; ``SameSite`` only when set); a middleware that sets one around the router (``ensureSessionID(handler)``)
sets it on every route; a password, secret or key read from the URL query (``r.URL.Query().Get("password")``)
travels in the URL; a handler that checks a password the request carries
and writes nothing is a login by what it does. The request fields a handler reads by name (query and form values,
Gin's and Echo's accessors: ``r.FormValue("credit_card_number")``, ``c.PostForm("email")``) hint at its
``data_classification``, the most sensitive their names suggest (``field_class``, as an OpenAPI operation's
parameters do).

Settings (``_Settings``): a registration inside an ``if`` on a setting the code reads from the environment
(``if config.Opts.WebAuthn() {``: an accessor returning one entry of a table of settings keyed by the variable's name,
a struct field a loader fills from an ``env:"..."`` tag, ``os.Getenv``) carries that condition with the code's
default; ``code_routes.compose`` leaves the route out when the deployment's value, or that default when it sets
none, turns it off (``not_served``). A session cookie the code sets in one place only (``http.SetCookie`` in a helper
the sign-in calls, however deep) goes on its sign-in routes, a flag written as a setting (``Secure:
config.Opts.HTTPS()``) taken as deployed (``holds``); a setting the code also assigns at run time stays unknown. A
router handed whole to a middleware that turns away callers not signed in (``return session.handle(mux)``) gives its
routes that middleware's ``authn``, except the paths its code names (a list of public routes).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from engine.errors import Location
from engine.importers import code_go_queries
from engine.importers.base import field_class, most_sensitive
from engine.importers.code_text import close_bracket, split_args
from engine.importers.code_url_credentials import URL_CREDENTIALS

_SESSIONISH = re.compile(r"token|session|sid\b|jwt|auth", re.IGNORECASE)
"""A cookie's name or value that says it holds a session or a token (as ``code_routes`` reads other frameworks')."""

_ROUTERS = {"github.com/go-chi/chi": "chi", "github.com/gin-gonic/gin": "gin", "github.com/labstack/echo": "echo"}
_CALL = re.compile(r"\b(\w+)\s*\.\s*(?:Methods\s*\([^()]*\)\s*\.\s*)?"
                   r"(HandleFunc|Handle|PathPrefix|Path|Get|Post|Put|Patch|Delete|Head|Options|Any|GET|"
                   r"POST|PUT|PATCH|DELETE|HEAD|OPTIONS|Group|Route|Mount)\s*\(")
"""A registration: ``owner.Verb(`` (gorilla/mux's matchers may come first: ``r.Methods("GET").Path("/x")``)."""
_VERBS = {"Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "Any", "GET", "POST", "PUT", "PATCH", "DELETE",
          "HEAD", "OPTIONS"}
_METHOD = re.compile(r"(?:http\.Method(Get|Post|Put|Patch|Delete|Head|Options)\b|\"([A-Z]+)\")")
_NEW_ROUTER = re.compile(r"\b(\w+)\s*:?=\s*&?(?:mux\.NewRouter|http\.NewServeMux|chi\.NewRouter|gin\.New|gin\.Default|"
                         r"echo\.New)\s*\(")
_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\(", re.MULTILINE)
_CONST = re.compile(r"\b(\w+)(?:\s+string)?\s*(?::=|=)\s*\"((?:[^\"\\\n]|\\.)*)\"\s*$", re.MULTILINE)
_TOKEN = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|`([^`]*)`|([A-Za-z_][\w.]*)|(\+)|(\S)")
_BARE_CALL = re.compile(r"(?<![\w])(?:\w+\.)?(\w+)\s*\(")
_SET_COOKIE = re.compile(r"\bhttp\.SetCookie\s*\(\s*\w+\s*,\s*&?\s*http\.Cookie\s*\{")
CREATION_VERBS = ("Create", "Add", "Insert", "Place", "Make", "Charge", "Submit", "Book", "Purchase", "Pay", "Transfer",
                  "Register")
"""Writes that make something new each time they run (a second order, a second charge), unlike a delete or a set."""
WRITE_VERBS = (*CREATION_VERBS, "Update", "Delete", "Remove", "Empty", "Save", "Put", "Upsert", "Cancel", "Replace",
               "Ship", "Reserve", "Refund", "Capture")
"""The verbs a method that writes through a client or a store starts with (``PlaceOrder``, ``EmptyCart``)."""
_WRITE_VERB = re.compile(rf"\.\s*((?:{'|'.join(WRITE_VERBS)})[A-Z]?\w*)\s*\(")
_CREATION = re.compile(rf"(?:{'|'.join(CREATION_VERBS)})(?![a-z])")
_STORE_RECEIVER = re.compile(r"client|collection|\bcoll\b|\bdb\b|\btx\b|repo|store", re.IGNORECASE)
_QUERY = re.compile(r"\.URL\.Query\(\)\s*(?:\.\s*Get\s*\(\s*|\[\s*)\"([^\"]+)\"")
_QUERY_VAR = re.compile(r"\b(\w+)\s*:?=\s*\w+\.URL\.Query\(\)")
_PASSWORD = re.compile(r"\b(?:Get|FormValue|PostFormValue|Param|Query|DefaultQuery|PostForm)\s*\(\s*"
                       r"\"(?:password|passwd|pwd|passphrase)\"", re.IGNORECASE)
_REQUEST_FIELD = re.compile(r"\.URL\.Query\(\)\s*(?:\.\s*Get\s*\(\s*|\[\s*)\"([^\"]+)\"|"
                            r"\.\s*(?:FormValue|PostFormValue|Query|DefaultQuery|GetQuery|PostForm|DefaultPostForm|"
                            r"GetPostForm|Param)\s*\(\s*\"([^\"]+)\"")
"""A request field a handler reads by name: net/http's query and form values, Gin's and Echo's accessors."""


@dataclass(frozen=True)
class GoRoute:
    """A route a Go file registers (``code_routes`` makes it a ``Route``: the fields mean the same)."""

    method: str
    path: str
    at: Location
    framework: str
    writes: str | None = None
    cookie: tuple[tuple[tuple[str, bool | str], ...], str] | None = None
    query_credential: str | None = None
    login: str | None = None
    grants_admin: str | None = None
    """How its handler, or a function it reaches by name, makes an administrator (a user created with the super-admin
    role), and where."""
    no_idempotency_key: str | None = None
    collection: tuple[str, bool] | None = None
    classified: tuple[str, str] | None = None
    authn: tuple[str, str] | None = None
    """How the authentication middleware of its group or router checks callers (``session``, ``jwt``...), and why."""
    cookie_when: tuple[tuple[str, Setting], ...] = ()
    """The flags of its session cookie (``cookie``) written as a setting (``Secure: config.Opts.HTTPS()``): each flag
    is on when its condition holds as deployed (``holds``)."""
    only_if: tuple[Setting, ...] = ()
    """The settings on which its registration depends (an ``if`` around it reading one): it is served only when each
    holds (``served``)."""
    caller_query: code_go_queries.CallerQuery | None = None
    """How its handler runs SQL text its caller wrote (a request's value spliced into a statement it runs)."""
    throttled: str | None = None
    """The rate-limiting middleware of its group or router (``g.Use(rateLimit())`` before it), and where."""
    throttled_if: tuple[Setting, ...] = ()
    """The settings on which that middleware's mounting depends (an ``if`` around the ``Use`` reading one)."""
    bodies: tuple[_Func, ...] = field(default=(), compare=False, repr=False)
    """The handler's body, then those of the functions it calls by name (what the route's facts were read from)."""


@dataclass(frozen=True)
class _Func:
    path: str
    code: str
    start: int
    end: int
    signature: int = 0
    """Where its declaration (``func (s *Server) Name(...)``) starts."""


def service_routes(texts: Sequence[tuple[str, str]]) -> list[GoRoute]:
    """The HTTP routes the service's Go files (not its tests; comments blanked) register, with what their handlers
    show. Paths as written, joined to their prefixes: ``code_routes`` normalises them."""
    codes = [(p, t) for p, t in texts if p.endswith(".go") and not p.endswith("_test.go")]
    funcs = _functions(codes)
    consts = {m.group(1): m.group(2) for _p, code in codes for m in _CONST.finditer(code)}
    slices = {m.group(1) or m.group(3): m.group(2) or m.group(4) for _p, code in codes
              for m in _SLICE_RESULT.finditer(code)}
    settings = _Settings(codes)
    out = [r for path, code in codes for r in _file_routes(path, code, funcs, consts, settings)]
    out = [replace(r, collection=_collection(r.bodies[0], slices)) if r.method == "GET" and r.bodies else r
           for r in out]
    if any("idempot" in code.lower() for _p, code in codes):  # it names a key: whether it checks one is unknown
        out = [replace(r, no_idempotency_key=None) for r in out]
    cookie = _middleware_cookie(codes, funcs)
    out = [replace(r, cookie=cookie) if cookie and not r.cookie else r for r in out]
    made = _sign_in_cookie(funcs, settings)
    out = [replace(r, cookie=made[:2], cookie_when=made[2]) if made and not r.cookie and _signs_in(r) else r
           for r in out]
    session = _library_cookie(codes)
    out = [replace(r, cookie=session) if session and not r.cookie and _signs_in(r) else r for r in out]
    limited, reach = code_go_queries.limit_named(codes), code_go_queries.by_name(funcs.alike)
    return [replace(r, caller_query=code_go_queries.caller_query(r.bodies[0], reach, limited)) if r.bodies else r
            for r in out]


_SESSION_LIBRARIES = {"github.com/zerodha/simplesessions": ("simplesessions.CookieOptions", "IsSecure", "IsHTTPOnly"),
                      "github.com/gorilla/sessions": ("sessions.Options", "Secure", "HttpOnly"),
                      "github.com/gin-contrib/sessions": ("sessions.Options", "Secure", "HttpOnly")}
"""Go session libraries whose cookie options a literal states (its type, and its Secure and HttpOnly fields): what
is left out is Go's zero value (off), as with ``http.Cookie``."""
_SIGN_IN_SEGMENT = re.compile(r"(?:log[_-]?in|sign[_-]?in|log[_-]?on)", re.IGNORECASE)


def _library_cookie(codes: Sequence[tuple[str, str]]) -> tuple[tuple[tuple[str, bool | str], ...], str] | None:
    """The flags of the session cookie a session library is configured to set (``simplesessions.CookieOptions{...}``,
    gorilla's ``sessions.Options{...}`` in a file that imports the library): ``Secure`` and ``HttpOnly`` as written,
    else off; ``SameSite`` when written. None when the code states none, or several that differ."""
    found: dict[tuple[tuple[str, bool | str], ...], str] = {}
    for path, code in codes:
        for module, (kind, secure, http_only) in _SESSION_LIBRARIES.items():
            if f'"{module}' not in code:
                continue
            for m in re.finditer(rf"\b{re.escape(kind)}\s*\{{", code):
                flags = _cookie_flags(code[m.end():_close(code, m.end() - 1) - 1], secure, http_only)
                line = code.count("\n", 0, m.start()) + 1
                found.setdefault(flags, f"{kind}{{...}} at {path}:{line}, the session library's cookie, "
                                                "made when a user signs in; flags left out are Go's zero values (off)")
    if len(found) != 1:
        return None
    stated, said = next(iter(found.items()))
    return stated, said


def _sign_in_cookie(funcs: _Funcs, settings: _Settings) -> _Cookie | None:
    """The session cookie the code sets with ``http.SetCookie`` (``_cookies``) when it sets one only, with the same
    flags wherever: the one a sign-in's handler sets, however many calls away (a handler that authenticates, then
    calls a helper that writes the cookie). None when it sets none, or several that differ."""
    found: dict[tuple[object, ...], _Cookie] = {}
    for bodies in funcs.alike.values():
        for b in bodies:
            for flags, said, pending in _cookies(b, settings):
                found.setdefault((flags, pending), (flags, f"{said}; the only session cookie the code sets, put on "
                                                           "its sign-in routes", pending))
    return next(iter(found.values())) if len(found) == 1 else None


def _signs_in(r: GoRoute) -> bool:
    """Whether the route is a sign-in (a POST whose last fixed segment says so): where a session is made."""
    fixed = [seg for seg in r.path.split("/") if seg and not seg.startswith((":", "{", "*"))]
    return r.method == "POST" and bool(fixed) and _SIGN_IN_SEGMENT.fullmatch(fixed[-1]) is not None


@dataclass(frozen=True)
class Setting:
    """A condition an ``if`` around a route's registration puts on one setting the deployment gives as an environment
    variable (``variable``): read as a boolean (``boolean``) or as a string compared with the empty one; the route is
    served when the setting is on (set, for a string) and ``when_on``, or off and not ``when_on``. ``default``: its
    value when the deployment leaves it unset, as the code declares it (None: not known, or the code also changes it
    at run time); ``defined``: where that default is declared."""

    variable: str
    boolean: bool
    when_on: bool
    default: str | None
    defined: str
    said: str
    """The condition as written, and where."""
    over_tls: str = ""
    """A boolean setting the code leaves off by default and turns on at run time only when it is reached over TLS
    (``_Settings.over_tls``): where it declares the default and where it turns it on; "" otherwise."""


_Cookie = tuple[tuple[tuple[str, bool | str], ...], str, tuple[tuple[str, Setting], ...]]
"""A cookie's flags as written, where and how it is set, and the flags written as a setting, with their condition."""
_TRUE = {"1", "t", "true", "yes", "y", "on"}
_FALSE = {"0", "f", "false", "no", "n", "off", ""}


def _on(value: str, boolean: bool) -> bool | None:
    """Whether a setting of this value is on: a boolean as Go's parsers and most settings loaders read one (None when
    it is neither), a string when it is not empty."""
    if not boolean:
        return value != ""
    v = value.strip().lower()
    return True if v in _TRUE else False if v in _FALSE else None


def not_served(only_if: Sequence[Setting], own: Mapping[str, tuple[str, Location]] | None,
               unseen: frozenset[str]) -> str | None:
    """Why a route registered only under these conditions is not served as deployed (``own``: the variables the
    deployment sets, None when no deployment names the service; ``unseen``: those it sets to a value not shown, ``*``
    any); None when it is, or may be (a setting the deployment may set unseen, or whose default is not known)."""
    for s in only_if:
        found = holds(s, own, unseen)
        if found is not None and not found[0]:
            return f"registered only if {s.said}; {found[1]}"
    return None


def holds(s: Setting, own: Mapping[str, tuple[str, Location]] | None, unseen: frozenset[str]
          ) -> tuple[bool, str] | None:
    """Whether a condition on a setting holds as deployed (``own``: the variables the deployment sets, None when no
    deployment names the service; ``unseen``: those it sets to a value not shown, ``*`` any), and why; None when
    that is not known."""
    if own is None:
        return None
    if s.variable in own:
        value, at = own[s.variable]
        how = f"the deployment sets {s.variable}={value!r} ({at})"
    elif {"*", s.variable} & unseen or s.default is None:
        return None
    else:
        value, how = s.default, f"the deployment leaves {s.variable} unset, {s.default!r} by default ({s.defined})"
    on = _on(value, s.boolean)
    return None if on is None else (on == s.when_on, how)


_IF = re.compile(r"^[ \t]*(?:\}\s*else\s+)?if\s+([^{};\n]+?)\s*\{[ \t]*$", re.MULTILINE)
_ACCESSOR = re.compile(r"^func\s+(?:\(\s*\w+\s+\*?\w+\s*\)\s*)?(\w+)\s*\(\s*\)\s*(bool|string)\s*\{\s*\n\s*"
                       r"return\s+(!?)\s*"
                       r"(?:[\w.]+\s*\[\s*\"([A-Z][A-Z0-9_]*)\"\s*\]\s*(?:\.\s*\w+)?|"
                       r"os\s*\.\s*Getenv\s*\(\s*\"([A-Z][A-Z0-9_]*)\"\s*\)|\w+\s*\.\s*(\w+))\s*\n\s*\}", re.MULTILINE)
"""A function or method that returns one setting, unchanged or negated: an entry of a table keyed by the variable's
name (``return c.options["WEBAUTHN"].parsedBoolValue``), the variable itself (``os.Getenv("X")``), or a field of a
struct that a settings loader fills from the environment (``return c.EnableMetrics``)."""
_TAGGED = re.compile(r"^[ \t]*(\w+)\s+(bool|string)\s+`([^`\n]*)`", re.MULTILINE)
_ENV_TAG = re.compile(r"\benv:\"([A-Z][A-Z0-9_]*)[,\"]")
_FILE_TAG = re.compile(r"\b(?:yaml|toml|mapstructure|koanf|ini|hcl|json):\"")
"""A struct tag that names the field in a settings file too: a file the deployment may give can set it."""
_TAG_DEFAULT = re.compile(r"\b(?:envDefault|default):\"([^\"]*)\"")
_READS_ENV = re.compile(r"\bos\s*\.\s*(?:Getenv|LookupEnv|Environ)\s*\(|\"github\.com/(?:caarlos0/env|"
                        r"kelseyhightower/envconfig|sethvargo/go-envconfig|ilyakaznacheev/cleanenv)")
_BOOL_SETTER = re.compile(r"func\s+(?:\(\s*\w+\s+\*?\w+\s*\)\s*)?(\w+)\s*\(\s*\w+\s+bool\s*\)\s*\{")
"""A function or method that sets one boolean (``func (c *configOptions) SetHTTPSValue(value bool) {``)."""
_OVER_TLS = re.compile(r"TLS|\b[Hh]ttps\b|\bHTTPS\b|X-Forwarded-Proto|[Aa]utocert")
"""A condition on the connection being TLS: a TLS configuration or listener, a scheme of https (a trusted proxy's
``X-Forwarded-Proto``)."""
_GETENV = re.compile(r"^os\s*\.\s*Getenv\s*\(\s*\"([A-Z][A-Z0-9_]*)\"\s*\)$")


class _Settings:
    """The settings the service's code reads from the environment, and the conditions on them that ``if`` statements
    around route registrations write (``if config.Opts.WebAuthn() {``, ``if os.Getenv("METRICS") != "" {``,
    ``if cfg.EnableMetrics {``): each setting's default as the code declares it (the entry of a table of settings
    keyed by the variable's name, ``"WEBAUTHN": {parsedBoolValue: false, ...}``; a struct tag's ``envDefault``; none
    for ``os.Getenv``, whose unset value is ""). A setting the code also assigns at run time has no known default.
    Nothing is read when no code of the service reads its environment."""

    def __init__(self, codes: Sequence[tuple[str, str]]) -> None:
        self.accessors: dict[str, tuple[str, bool, bool]] = {}
        """Accessor -> its variable, whether it is a boolean, whether it negates it."""
        self.fields: dict[str, tuple[str, bool, str | None, str]] = {}
        """A field filled from the environment -> its variable, whether a boolean, its default and where."""
        self.spans: dict[str, list[tuple[int, int, tuple[Setting, ...]]]] = {}
        self.codes = codes
        if not any(_READS_ENV.search(code) for _p, code in codes):
            return
        fields: dict[str, list[tuple[str, bool, str | None, str]]] = {}
        for path, code in codes:
            for m in _TAGGED.finditer(code):
                env = _ENV_TAG.search(m.group(3))
                if env is not None and not _FILE_TAG.search(m.group(3)):  # a file may set it too: not known
                    default = _TAG_DEFAULT.search(m.group(3))
                    boolean = m.group(2) == "bool"
                    fields.setdefault(m.group(1), []).append((
                        env.group(1), boolean, default.group(1) if default else "false" if boolean else "",
                        f"{path}:{code.count(chr(10), 0, m.start()) + 1}"))
        self.fields = {name: found[0] for name, found in fields.items() if len(found) == 1}
        accessors: dict[str, list[tuple[str, bool, bool]]] = {}
        for _path, code in codes:
            for m in _ACCESSOR.finditer(code):
                field_ = self.fields.get(m.group(6) or "")
                variable = m.group(4) or m.group(5) or (field_[0] if field_ else None)
                if variable is not None:
                    accessors.setdefault(m.group(1), []).append((variable, m.group(2) == "bool", m.group(3) == "!"))
        self.accessors = {name: found[0] for name, found in accessors.items() if len(set(found)) == 1}

    def default(self, variable: str, boolean: bool) -> tuple[str | None, str]:
        """The value the code gives ``variable`` when the deployment leaves it unset, and where (None: unknown)."""
        assigned = re.compile(rf"\[\s*\"{variable}\"\s*\](?:\s*\.\s*\w+)?\s*=(?!=)|"
                              rf"\bSetenv\s*\(\s*\"{variable}\"")
        field_ = next(((name, f) for name, f in self.fields.items() if f[0] == variable), None)
        if field_ is not None:
            written = re.compile(rf"\.\s*{field_[0]}\s*=(?!=)")
            if any(written.search(code) for _p, code in self.codes):
                return None, ""
            return field_[1][2], field_[1][3]
        if any(assigned.search(code) for _p, code in self.codes):
            return None, ""  # the code changes it at run time
        return self._declared(variable, boolean)

    def _declared(self, variable: str, boolean: bool) -> tuple[str | None, str]:
        """The default the code's table of settings declares for ``variable``, and where (None: none, or several)."""
        found: set[str] = set()
        where = ""
        for path, code in self.codes:
            for m in re.finditer(rf"\"{variable}\"\s*:\s*\{{", code):
                block = code[m.end():_close(code, m.end() - 1) - 1]
                literal = r"\b\w+\s*:\s*(true|false)\b" if boolean else r"\b\w+\s*:\s*\"((?:[^\"\\\n]|\\.)*)\""
                values = set(re.findall(literal, block))
                if len(values) != 1:
                    return None, ""
                found |= values
                where = f"{path}:{code.count(chr(10), 0, m.start()) + 1}"
        if len(found) == 1:
            return next(iter(found)), where
        return None, ""

    def over_tls(self, variable: str) -> str:
        """Where the code declares a boolean setting off by default and where it turns it on at run time, when every
        place it assigns it is a setter (``func (c *C) SetHTTPSValue(value bool)``) and every call of the setter
        passes ``true`` inside an ``if`` on the connection being TLS (``if autocertTLSConfig != nil ||
        anyTLS(targets)``, a trusted proxy's ``X-Forwarded-Proto == "https"``): the setting then says whether the
        service is reached over HTTPS. "" otherwise (never turned on at run time, or turned on or off otherwise)."""
        default, defined = self._declared(variable, True)
        if default is None or _on(default, True) is not False or any(
                re.search(rf"\bSetenv\s*\(\s*\"{variable}\"", code) for _p, code in self.codes):
            return ""
        assigned = re.compile(rf"\[\s*\"{variable}\"\s*\](?:\s*\.\s*\w+)?\s*=(?!=)")
        setters: set[str] = set()
        for _path, code in self.codes:
            for m in assigned.finditer(code):
                head = code.rfind("\nfunc ", 0, m.start())
                sig = _BOOL_SETTER.match(code, head + 1) if head >= 0 else None
                if sig is None or _close(code, sig.end() - 1) <= m.start():
                    return ""
                setters.add(sig.group(1))
        sites: list[str] = []
        for path, code in self.codes:
            for name in sorted(setters):
                for c in re.finditer(rf"\.\s*{name}\s*\(\s*([^()]*?)\s*\)", code):
                    ifs = [m for m in _IF.finditer(code, 0, c.start()) if c.start() < _close(code, m.end() - 1)]
                    if c.group(1) != "true" or not ifs or not _OVER_TLS.search(ifs[-1].group(1)):
                        return ""
                    sites.append(f"{path}:{code.count(chr(10), 0, c.start()) + 1}")
        return f"off by default ({defined}), turned on where it is reached over TLS ({', '.join(sites)})" if sites \
            else ""

    def around(self, path: str, code: str, at: int) -> tuple[Setting, ...]:
        """The conditions on settings of the ``if`` blocks around offset ``at`` of the file ``path``."""
        if not self.accessors and not self.fields and "Getenv" not in code:
            return ()
        if path not in self.spans:
            self.spans[path] = [(m.end(), _close(code, m.end() - 1), conditions) for m in _IF.finditer(code)
                                if (conditions := self._conditions(path, code, m))]
        return tuple(c for start, end, conditions in self.spans[path] if start <= at < end for c in conditions)

    def _conditions(self, path: str, code: str, m: re.Match[str]) -> tuple[Setting, ...]:
        text = " ".join(m.group(1).split())
        if "||" in text:
            return ()
        said = f"{text} ({path}:{code.count(chr(10), 0, m.start()) + 1})"
        return tuple(c for part in text.split("&&") if (c := self.condition(part, said)) is not None)

    def condition(self, text: str, said: str) -> Setting | None:
        """The condition on a setting an expression writes (``!cfg.Enabled()``, ``cfg.Provider() != ""``), None when
        it is not one."""
        c = re.fullmatch(r"\s*(!?)\s*(.+?)\s*(?:(==|!=)\s*\"\"\s*)?", text)
        if c is None:
            return None
        negated, operand, compared = c.group(1) == "!", c.group(2), c.group(3)
        found = self._setting(operand)
        if found is None:
            return None
        variable, boolean, inverted = found
        if boolean == (compared is not None) or (negated and compared is not None):
            return None  # a boolean compared with "", or a string read as a boolean: not understood
        when_on = (compared == "!=") if compared else negated == inverted
        default, defined = self.default(variable, boolean) if not _GETENV.match(operand) else ("", "os.Getenv")
        over_tls = self.over_tls(variable) if boolean and default is None else ""
        return Setting(variable, boolean, when_on, default, defined, said, over_tls)

    def _setting(self, operand: str) -> tuple[str, bool, bool] | None:
        """The variable an operand reads (an accessor's call, a field filled from the environment, ``os.Getenv``),
        whether as a boolean, and whether negated."""
        env = _GETENV.match(operand)
        if env is not None:
            return env.group(1), False, False
        call = re.fullmatch(r"(?:[\w.]+\s*\.\s*)?(\w+)\s*\(\s*\)", operand)
        if call is not None:
            return self.accessors.get(call.group(1))
        field_ = re.fullmatch(r"[\w.]+\s*\.\s*(\w+)", operand)
        if field_ is not None and field_.group(1) in self.fields:
            variable, boolean, _d, _w = self.fields[field_.group(1)]
            return variable, boolean, False
        return None


_REQUEST_CREDENTIAL = re.compile(
    r"Header\s*(?:\.\s*Get\s*\(|\[)\s*\"(?i:authorization|proxy-authorization|x-api-key|api-key|apikey|"
    r"x-auth-token|x-access-token|cookie)\"|\bGetHeader\s*\(\s*\"(?i:authorization|x-api-key|x-auth-token)\"|"
    r"\.\s*Cookie\s*\(|\.\s*BasicAuth\s*\(\s*\)|\"[^\"]*(?:jwt|oauth2|oidc|casbin|sessions|keyauth|jwtauth|"
    r"basicauth|paseto|authz)[^\"]*\"")
"""What in Go code reads a caller's credential from a request, or imports a library that does (JWT, OAuth2, OIDC,
sessions, API keys, Casbin)."""
_USE = re.compile(r"\b\w+\s*\.\s*Use\s*\(")
_PLAIN_MIDDLEWARE = re.compile(r"^\s*(?:cors|gzip|otelgin|otelhttp|otelmux|otelecho|requestid|ginzap|ginprom|pprof|"
                               r"timeout|secure|helmet|ratelimit|limiter|middleware\s*\.\s*(?:Logger|Recoverer|"
                               r"RequestID|RealIP|Compress|Timeout|CleanPath|StripSlashes|Heartbeat|NoCache)|"
                               r"gin\s*\.\s*(?:Logger|Recovery|LoggerWithConfig|CustomRecovery))\b")
"""Middleware that checks no caller: CORS, compression, tracing, request ids, logging, recovery, timeouts."""


def no_caller_check(texts: Sequence[tuple[str, str]]) -> str | None:
    """Why no route of a service's Go code (not its tests; comments blanked) authenticates its caller: no code of it
    reads a credential from a request or imports a library that does (``_REQUEST_CREDENTIAL``: words such as
    ``token`` or ``credential`` alone may be the service's own credentials to a database or a broker), and every
    middleware mounted on a router (``.Use(...)``) is the service's own code or one that checks no caller
    (``_PLAIN_MIDDLEWARE``). None when any of that is not so, or when it registers no route."""
    codes = [(p, t) for p, t in texts if p.endswith(".go") and not p.endswith("_test.go")]
    if not codes or any(_REQUEST_CREDENTIAL.search(code) for _p, code in codes):
        return None
    local = set(_functions(codes))
    for _path, code in codes:
        for use in _USE.finditer(code):
            for arg in split_args(code[use.end():close_bracket(code, use.end() - 1) - 1]):
                name = re.match(r"\s*(\w+)\s*(?:\(|$)", arg)
                if not (_PLAIN_MIDDLEWARE.match(arg) or arg.lstrip().startswith("func") or
                        (name is not None and name.group(1) in local)):
                    return None  # a middleware from a library this reading does not know: it may check callers
    count = f"{len(codes)} file" + ("s" if len(codes) != 1 else "")
    return (f"no Go code of the service ({count}) reads a credential from a request or imports a library that does, "
            "and no middleware on its routers checks callers")


_SLICE_RESULT = re.compile(r"\b(\w+)\s*\([^()]*\)\s*\(\s*\[\]\s*(\*?[\w.]+)\s*,\s*error\s*\)"
                           r"|\b(\w+)\s*\([^()]*\)\s*\[\]\s*(\*?[\w.]+)\s*\{")
"""A function, method or interface method declared to return a slice (``GetPendingOrders() ([]Order, error)``)."""
_ASSIGNED_CALL = re.compile(r"\b(\w+)\s*(?:,\s*\w+\s*)?:?=\s*(?:[\w.]+\.)?(\w+)\s*\(")
_PAGED = re.compile(r"\"(?:page|pageSize|page_size|per_page|perPage|limit|size|offset|cursor|skip|top|after)\"",
                    re.IGNORECASE)


def _collection(b: _Func, slices: Mapping[str, str]) -> tuple[str, bool] | None:
    """The slice a GET handler (``b``) writes as the response (a variable it assigns from a call declared to return a
    slice, then passes to ``c.JSON``, ``c.IndentedJSON`` or an encoder's ``Encode``), and whether the handler reads a
    page, size, limit or cursor parameter."""
    for m in _ASSIGNED_CALL.finditer(b.code, b.start, b.end):
        if m.group(2) not in slices:
            continue
        sent = re.compile(rf"\.\s*(?:JSON|IndentedJSON|PureJSON|Encode)\s*\((?:[^;\n]*?,)?\s*{m.group(1)}\s*\)")
        if sent.search(b.code, m.end(), b.end):
            line = b.code.count("\n", 0, m.start()) + 1
            return (f"[]{slices[m.group(2)]} from {m.group(2)}() at {b.path}:{line}",
                    _PAGED.search(b.code, b.start, b.end) is not None)
    return None


class _Funcs(dict[str, _Func]):
    """Each function and method of the code by name (the first of a name), and every body that bears each name
    (``alike``): methods of several types often share one (``Handle``, ``Get``)."""

    def __init__(self) -> None:
        super().__init__()
        self.alike: dict[str, list[_Func]] = {}

    def handlers(self, name: str) -> list[_Func]:
        """The bodies a route's handler of this name is: when several bear it, those shaped as an HTTP handler (they
        take a ``ResponseWriter`` or a Gin or Echo context: a generated wrapper and the method it hands the request
        to), else the first."""
        shaped = [f for f in self.alike[name] if _HANDLER_SHAPE.search(f.code, f.signature, f.start)]
        return shaped if len(self.alike[name]) > 1 and shaped else [self[name]]

    def callee(self, name: str) -> _Func | None:
        """The body a call by this bare name reaches; None when several bear the name (which one runs depends on the
        receiver's type, which is not resolved)."""
        bodies = self.alike.get(name, [])
        return bodies[0] if len(bodies) == 1 else None


_HANDLER_SHAPE = re.compile(r"http\.ResponseWriter|\*gin\.Context|echo\.Context")


def _functions(codes: Sequence[tuple[str, str]]) -> _Funcs:
    """Each function and method of the code by name: where its body is."""
    out = _Funcs()
    for path, code in codes:
        for m in _FUNC.finditer(code):
            body = _body_start(code, _close(code, m.end() - 1))
            if body >= 0:
                f = _Func(path, code, body, _close(code, body), m.start())
                out.setdefault(m.group(1), f)
                out.alike.setdefault(m.group(1), []).append(f)
    return out


def _body_start(code: str, i: int) -> int:
    """Where the body of a function whose parameters end at ``i`` opens: the first brace on the signature's line
    that opens no ``interface{}`` or ``struct{...}`` of its results (-1 when the line has none: a declaration)."""
    end = code.find("\n", i)
    end = len(code) if end < 0 else end
    for k in range(i, end):
        if code[k] == "{" and not code[i:k].rstrip().endswith(("interface", "struct")):
            return k
    return -1


def _file_routes(path: str, code: str, funcs: _Funcs, consts: Mapping[str, str], settings: _Settings
                 ) -> list[GoRoute]:
    routers = [name for module, name in _ROUTERS.items() if f'"{module}' in code]
    if not routers and '"net/http"' not in code and '"github.com/gorilla/mux"' not in code:
        return []
    framework = routers[0] if routers else "gorilla/mux" if '"github.com/gorilla/mux"' in code else "net/http"
    mounts, prefixes = _mounts(code, consts)
    scopes: list[tuple[int, int, str]] = []  # chi r.Route("/x", func(r chi.Router) {...}): its range and prefix
    guards = _Guards(code, funcs)
    wrapped = _wrapped(path, code, funcs)
    out: list[GoRoute] = []
    for m in _CALL.finditer(code):
        owner, verb = m.group(1), m.group(2)
        if m.start() in mounts or verb == "Mount":
            continue
        if owner == "http" and verb not in ("HandleFunc", "Handle"):
            continue
        # a router's verb only in a file of that router; ``Path`` is gorilla's matcher, and means nothing elsewhere
        if (verb in _VERBS and not routers) or (verb == "Path" and framework != "gorilla/mux"):
            continue
        close = _close(code, m.end() - 1)
        args = _args(code, m)
        if not args:
            continue
        pattern = _string(args[0], consts)
        if pattern is None:
            continue
        method, _sp, route = pattern.partition(" ") if re.match(r"[A-Z]+ /", pattern) else ("", "", pattern)
        scope = "".join(p for s, e, p in scopes if s <= m.start() < e)
        prefix = _prefixed(framework, verb, owner, route, scope, prefixes)
        if prefix is None:
            continue
        chain, tail = _chain(code, close)
        at = Location(path, code.count("\n", 0, m.start()) + 1, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
        assigned = re.search(r"\b(\w+)\s*:?=\s*$", code[max(0, code.rfind("\n", 0, m.start())):m.start()])
        if verb == "Group" or (verb == "PathPrefix" and "Subrouter" in chain):
            if assigned:
                prefixes[assigned.group(1)] = prefix
                guards.group(assigned.group(1), owner, args[1:] if verb == "Group" else [], m.start(), at)
            continue
        if verb == "Route":
            if len(args) > 1 and "func" in args[1]:
                scopes.append((m.end(), close, prefix))
            continue
        handler, own = _handler_arg(framework, verb, args, chain)
        # the methods matched before the path (``r.Methods("GET").Path("/x")``) or after it (``.Methods("GET")``)
        methods = _methods(verb, method, code[m.end(1):m.start(2)] + chain.get("Methods", ""))
        where = f"{framework} route" + (f" ({tail})" if tail else "")
        bodies = _handler(code, m.end(), handler, funcs)
        authn = guards.of(owner, m.start())

        if authn is None and owner in wrapped and not _exempt(_go_params(route) or "/", wrapped[owner][1]):
            authn = wrapped[owner][0]
        admin = _makes_admin(bodies[:1], funcs)
        only_if = settings.around(path, code, m.start())
        throttled, throttled_if = _route_limit(guards, owner, m.start(), own, at, settings)
        out.extend(replace(_route(m_, _go_params(prefix), at, where, bodies, len(methods) == 1, settings), authn=authn,
                           grants_admin=admin if m_ in ("POST", "PUT", "PATCH") else None, only_if=only_if,
                           throttled=throttled, throttled_if=throttled_if)
                   for m_ in methods)
    return out


def _handler_arg(framework: str, verb: str, args: Sequence[str], chain: Mapping[str, str]) -> tuple[str, list[str]]:
    """The handler argument of a route's registration, and the route's own middleware arguments: Echo takes the
    handler first and the middleware after it (``e.GET(path, h, m...)``), Gin the middleware first and the handler
    last (``r.GET(path, m..., h)``)."""
    if verb not in _VERBS:
        return chain.get("Handler") or chain.get("HandlerFunc") or (args[1] if len(args) > 1 else ""), []
    if framework == "echo" and len(args) > 1:
        return args[1], list(args[2:])
    return args[-1], list(args[1:-1])


def _route_limit(guards: _Guards, owner: str, pos: int, own: Sequence[str], at: Location, settings: _Settings
                 ) -> tuple[str | None, tuple[Setting, ...]]:
    """The rate-limiting middleware on a route registered on ``owner`` at offset ``pos`` (its own middleware
    arguments ``own`` first, then its group's or router's), with the settings on which mounting it depends."""
    mine = next((lim for arg in own if (lim := limiter_named(arg))), None)
    if mine is not None:
        return f"the rate-limiting middleware {mine} of the route ({at.file}:{at.line})", ()
    limit = guards.limit_of(owner, pos)
    if limit is None:
        return None, ()
    return limit[0], settings.around(at.file, guards.code, limit[1])


_ADMIN_ROLE = re.compile(r"\b(?:\w*Role\w*\s*:\s*[\w.]*(?:SuperAdmin|Superuser|SuperUser)\w*|"
                         r"Is(?:Super)?(?:Admin|User|Superuser)\s*:\s*true|Superuser\s*:\s*true)\b")
"""A struct literal's field that makes a user an administrator: a role field set to a super-admin role
(``UserRoleID: auth.SuperAdminRoleID``) or ``IsSuperAdmin: true``."""
_CREATE_USER = re.compile(r"\.\s*(?:Create|Add|Insert|Register|Save)\w*User\w*\s*\(")
_ADMIN_DEPTH = 3


def _makes_admin(start: Sequence[_Func], funcs: _Funcs) -> str | None:
    """How the handler (``start``) or a function it reaches by a name only one function bears (up to
    ``_ADMIN_DEPTH`` calls away: a login that hands a first run to its set-up) creates a user with an administrator's
    role: a body that calls a ``Create...User`` and builds a literal with such a role. None when none does."""
    for level in _levels(start, funcs, _ADMIN_DEPTH):
        for b in level:
            role = _ADMIN_ROLE.search(b.code, b.start, b.end)
            create = _CREATE_USER.search(b.code, b.start, b.end)
            if role and create:
                line = b.code.count("\n", 0, role.start()) + 1
                name = _FUNC.match(b.code, b.signature)
                who = "its handler" if b in start else f"its handler reaches {name.group(1) if name else '?'}, which"
                made = create.group(0).strip(" .(")
                return (f"{who} creates a user ({made}) with an administrator's role "
                        f"({' '.join(role.group(0).split())}, {b.path}:{line})")
    return None


def _levels(start: Sequence[_Func], funcs: _Funcs, depth: int) -> Iterator[list[_Func]]:
    """The bodies ``start`` reaches by names only one function bears, level by level (``start`` first), up to
    ``depth`` calls away; each body once."""
    seen, level = list(start), list(start)
    for _depth in range(depth + 1):
        yield level
        nxt: list[_Func] = []
        for b in level:
            for m in _BARE_CALL.finditer(b.code, b.start, b.end):
                f = funcs.callee(m.group(1))
                if f is not None and f not in seen:
                    seen.append(f)
                    nxt.append(f)
        level = nxt


_AUTH_WORDS = re.compile(r"auth|jwt|login|token|oauth|oidc|require[A-Z_]|protect|guard", re.IGNORECASE)
"""The words of a middleware named for checking callers (``a.auth.Middleware``, ``echojwt.JWT(...)``,
``gin.BasicAuth(...)``, ``requireLogin``), as the JavaScript readers recognise Express's; a CORS, CSRF or session
loader (``sessions.Sessions(...)``) rejects nobody."""
_LIMITER = re.compile(r"rate_?limit|limiter|throttl", re.IGNORECASE)
"""The words of a middleware named for limiting the rate of requests (``unauthRateLimit()``,
``middleware.RateLimiter(store)``, ``throttle(...)``): it turns callers away by their count, not their identity."""
_NOT_AUTH = re.compile(rf"cors|csrf|xsrf|{_LIMITER.pattern}", re.IGNORECASE)
_AUTH_KINDS = (("jwt", re.compile(r"jwt|bearer", re.IGNORECASE)),
               # a word of its own: OAuth in oauth2.Config or requireOAuth, not the 'oAuth' of RateLimitNoAuthRoutes
               ("oauth2", re.compile(r"(?<![A-Za-z])[Oo](?:[Aa][Uu][Tt][Hh]|[Ii][Dd][Cc])|"
                                     r"(?<=[a-z0-9_])O(?:[Aa]uth|IDC|idc)")),
               ("session", re.compile(r"\.\s*Cookie\s*\(|\"Cookie\"|session", re.IGNORECASE)),
               ("api_key", re.compile(r"BasicAuth|KeyAuth|api_?key|\"Authorization\"", re.IGNORECASE)))
"""What a middleware (its call, and the body of the function of the service it names) checks, by the credential it
reads: a JWT, an OAuth 2.0 or OpenID Connect token, a session cookie, a static key or basic credentials; the first
that matches names it (a middleware that reads a session cookie and an API token alike serves the browser's session)."""


def limiter_named(arg: str) -> str | None:
    """The middleware argument, shortened, when it is named for limiting the rate of requests (not a function
    literal); None otherwise."""
    text = " ".join(arg.split())
    if text.startswith("func") or not _LIMITER.search(text.split("(")[0]):
        return None
    return text[:60]


class _Guards:
    """The authentication middleware each group and router of a file carries: given when the group is made
    (``g := e.Group("/api", authMiddleware)``), mounted on it or on a router it descends from (``g.Use(auth)``: on the
    routes registered after it), and inherited by the groups made from it. A name made a group again (``g`` in
    another block) starts afresh."""

    def __init__(self, code: str, funcs: _Funcs) -> None:
        self.funcs = funcs
        self.code = code
        self.made: dict[str, list[tuple[int, str, tuple[str, str] | None]]] = {}
        """Each name's groups in the order they are made: where, the router they are made from, their middleware's
        authentication."""
        self.used: list[tuple[int, str, tuple[str, str]]] = []
        self.limited: list[tuple[int, str, str]] = []
        """Where a rate-limiting middleware is mounted on a group or router (``g.Use(rateLimit())``), and why."""
        self.limiting: dict[str, list[tuple[int, str | None]]] = {}
        """Each group name's rate-limiting middleware given when it is made, in the order the groups are made."""
        for m in _USE.finditer(code):
            owner = m.group(0).split(".")[0].strip()
            line = code.count("\n", 0, m.start()) + 1
            args = split_args(code[m.end():close_bracket(code, m.end() - 1) - 1])
            limiter = next((limiter_named(a) for a in args if limiter_named(a)), None)
            if limiter is not None:
                self.limited.append((m.start(), owner, f"the rate-limiting middleware {limiter} on {owner}.Use at "
                                                       f"line {line}"))
            for arg in args:
                found = self._auth(arg, f"{owner}.Use at line {line}")
                if found is not None:
                    self.used.append((m.start(), owner, found))
                    break

    def group(self, name: str, owner: str, middleware: Sequence[str], at: int, where: Location) -> None:
        """Record a group ``name`` made at offset ``at`` from ``owner`` with these middleware arguments."""
        found = next((g for arg in middleware
                      if (g := self._auth(arg, f"the group {name} made at {where.file}:{where.line}")) is not None),
                     None)
        self.made.setdefault(name, []).append((at, owner, found))
        limiter = next((lim for arg in middleware if (lim := limiter_named(arg))), None)
        self.limiting.setdefault(name, []).append(
            (at, f"the rate-limiting middleware {limiter} of the group {name} made at {where.file}:{where.line}"
             if limiter else None))

    def limit_of(self, owner: str, at: int) -> tuple[str, int] | None:
        """The rate limit on a route registered on ``owner`` at offset ``at`` (its group's or an ancestor's, given
        when the group is made or mounted with ``Use`` before the route), and the offset of the code that puts it
        there."""
        seen: set[str] = set()
        name: str | None = owner
        while name is not None and name not in seen:
            seen.add(name)
            made = [(pos, parent) for pos, parent, _g in self.made.get(name, []) if pos < at]
            since, parent = made[-1] if made else (-1, None)
            given = [said for pos, said in self.limiting.get(name, []) if pos == since]
            if given and given[0]:
                return given[0], since
            used = next(((said, pos) for pos, o, said in self.limited if o == name and since < pos < at), None)
            if used is not None:
                return used
            name, at = parent, since
        return None

    def of(self, owner: str, at: int) -> tuple[str, str] | None:
        """The authentication on a route registered on ``owner`` at offset ``at``: its group's or an ancestor's."""
        seen: set[str] = set()
        name: str | None = owner
        while name is not None and name not in seen:
            seen.add(name)
            made = [(pos, parent, g) for pos, parent, g in self.made.get(name, []) if pos < at]
            since, parent, given = made[-1] if made else (-1, None, None)
            if given is not None:
                return given
            used = next((g for pos, o, g in self.used if o == name and since < pos < at), None)
            if used is not None:
                return used
            name, at = parent, since
        return None

    def _auth(self, arg: str, where: str) -> tuple[str, str] | None:
        """The kind of authentication a middleware argument performs, and why, when it is named for checking
        callers and what it reads tells the kind; None otherwise (a function literal, a plain middleware)."""
        text = " ".join(arg.split())
        if text.startswith("func") or not _AUTH_WORDS.search(text) or _NOT_AUTH.search(text) or \
                _PLAIN_MIDDLEWARE.match(text):
            return None
        names = re.findall(r"\w+", text.split("(")[0])
        body = self.funcs.callee(names[-1]) if names else None
        read = text + (" " + body.code[body.start:body.end] if body is not None else "")
        kind = next((k for k, pattern in _AUTH_KINDS if pattern.search(read)), None)
        if kind is None:
            return None
        said = f"{text[:60]} ({body.path}:{body.code.count(chr(10), 0, body.start) + 1})" if body else text[:60]
        return kind, f"the authentication middleware {said} on {where} reads a {_KIND_WORDS[kind]}"


_REJECTS = re.compile(r"\bIsAuthenticated\s*\(|StatusUnauthorized|Unauthori[sz]ed\s*\(|Redirect\w*\s*\([^\n]*[Ll]ogin")
"""What in a middleware's body turns away a caller who has not signed in: a check of the request's authentication,
a 401, a redirect to the sign-in page."""
_MIDDLEWARE_VAR = re.compile(r"\b(\w+)\s*:?=\s*&?\s*(?:\w+\s*\.\s*)?(\w+)\s*[({]")


def _wrapped(path: str, code: str, funcs: _Funcs) -> dict[str, tuple[tuple[str, str], tuple[str, ...]]]:
    """The routers of the file handed, whole, to a middleware that turns away callers who have not signed in
    (``return sessionMiddleware.handle(mux)``, ``requireLogin(mux)``): router -> the authentication that middleware
    performs (``_AUTH_KINDS``, by what its body reads, else a function it calls by name), and the paths its code
    names (``isPublicRoute``'s list, one or two calls away: the routes it may let through, which are given none)."""
    routers = {m.group(1) for m in _NEW_ROUTER.finditer(code)}
    if not routers:
        return {}
    files = {f.path: f.code for bodies in funcs.alike.values() for f in bodies}
    made = {m.group(1): m.group(2) for c in (*(files[p] for p in sorted(files) if p != path), code)
            for m in _MIDDLEWARE_VAR.finditer(c)}  # the file's own assignments last: they win
    out: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {}
    for router in sorted(routers):
        for m in re.finditer(rf"\(\s*{re.escape(router)}\s*\)", code):
            start = code.rfind("\n", 0, m.start()) + 1
            for call in re.finditer(r"([\w.]+)\s*\(", code[start:m.start() + 1]):
                body = _middleware_body(call.group(1), made, funcs)
                if body is None or not _REJECTS.search(body.code, body.start, body.end):
                    continue
                called = [f for c in _BARE_CALL.finditer(body.code, body.start, body.end)
                          if (f := funcs.callee(c.group(1))) is not None]
                kind = next((k for f in (body, *called) for k, pattern in _AUTH_KINDS
                             if pattern.search(f.code, f.start, f.end)), None)  # its own body first
                if kind is None:
                    continue
                line = code.count("\n", 0, m.start()) + 1
                said = (f"the router {router} is wrapped whole ({path}:{line}) in the middleware {call.group(1)} "
                        f"({_where(body)}), which turns away callers not signed in and reads a {_KIND_WORDS[kind]}")
                out.setdefault(router, ((kind, said), _named_paths(body, funcs)))
    return out


def _middleware_body(name: str, made: Mapping[str, str], funcs: _Funcs) -> _Func | None:
    """The body of the middleware a call names: a function of that name, or the method of a variable's type (the
    variable made by ``&t{...}`` or a constructor ``newT(...)``, ``NewT(...)``)."""
    parts = name.split(".")
    if len(parts) == 1:
        return funcs.callee(parts[0])
    variable, method = parts[-2], parts[-1]
    maker = made.get(variable, variable)
    wanted = {re.sub(r"^[Nn]ew", "", maker).lower(), variable.lower()}
    for f in funcs.alike.get(method, []):
        receiver = re.match(r"func\s*\(\s*\w*\s*\*?\s*(\w+)\s*\)", f.code[f.signature:f.start])
        if receiver is not None and receiver.group(1).lower() in wanted:
            return f
    return None


def _named_paths(body: _Func, funcs: _Funcs) -> tuple[str, ...]:
    """The paths (string literals starting with ``/``) the body names, or the functions it calls by name, two levels
    down."""
    found: set[str] = set()
    for level in _levels([body], funcs, 2):
        for b in level:
            found.update(re.findall(r"\"(/[^\"\s]*)\"", b.code[b.start:b.end]))
    return tuple(sorted(found))


def _exempt(route: str, named: Sequence[str]) -> bool:
    """Whether a middleware that names these paths may let the route through: it names the route's path, or a
    folder (ending in ``/``, not the root alone) the path lies in."""
    return any(route == p or (len(p) > 1 and p.endswith("/") and route.startswith(p)) for p in named)


_KIND_WORDS = {"jwt": "JWT", "oauth2": "OAuth 2.0 / OpenID Connect token", "session": "session cookie",
               "api_key": "static key or basic credentials"}


def _mounts(code: str, consts: Mapping[str, str]) -> tuple[set[int], dict[str, str]]:
    """Where a router of the file is mounted on another (``http.Handle("/", r)``: no route of its own), and the
    prefix each mounted router's routes take (``Mount("/api", api)`` or ``http.StripPrefix("/api", api)``; a router
    mounted without stripping sees the whole path)."""
    calls = [(m, args) for m in _CALL.finditer(code) if (args := _args(code, m))]
    routers = {m.group(1) for m in _NEW_ROUTER.finditer(code)} | {
        m.group(1) for m, args in calls if m.group(1) != "http" and (_string(args[0], consts) or "")[:1] == "/"}
    skip: set[int] = set()
    prefixes: dict[str, str] = {}
    for m, args in calls:
        if m.group(2) not in ("Handle", "Mount") or len(args) < 2:
            continue
        bare = re.sub(r"\"(?:[^\"\\]|\\.)*\"|`[^`]*`", '""', args[1])
        values = re.findall(r"(?<![\w.])(\w+)(?!\s*[.(\w])", bare)  # names used as values, not called
        inner = [w for w in values if w in routers and w != m.group(1)]
        if not inner:
            continue
        skip.add(m.start())
        strip = re.search(r"\bStripPrefix\s*\(([^,]+),", args[1])
        mounted = _string(strip.group(1), consts) if strip else _string(args[0], consts) \
            if m.group(2) == "Mount" else None
        if mounted:
            prefixes[inner[-1]] = mounted.rstrip("/")
    return skip, prefixes


def _args(code: str, call: re.Match[str]) -> list[str]:
    """The arguments of the call that ``call`` matched up to its opening parenthesis."""
    return split_args(code[call.end():_close(code, call.end() - 1) - 1], raw_backticks=True)


def _close(code: str, i: int) -> int:
    """The index just past the bracket that closes the one at ``code[i]`` (the end when it is never closed)."""
    return close_bracket(code, i, raw_backticks=True)


def _prefixed(framework: str, verb: str, owner: str, route: str, scope: str, prefixes: Mapping[str, str]
              ) -> str | None:
    """The whole path of a route (or group) ``route`` registered on ``owner`` inside a chi ``Route`` of prefix
    ``scope``; None when it is not a path. Echo's groups join by concatenation (``Group.Add``: prefix + path):
    ``"/dav" + ""`` is ``/dav``, ``"/dav" + "/"`` is ``/dav/`` and ``"/user" + "s"`` is ``/users``."""
    if framework == "echo" and owner in prefixes:
        joined = prefixes[owner] + route
        return joined if joined.startswith("/") else None
    if not route.startswith("/") and not (verb == "Group" and route == ""):
        return None
    return _join(scope + prefixes.get(owner, ""), route) if scope or owner in prefixes else route


def _join(prefix: str, path: str) -> str:
    """A prefix and a route path joined as routers do (``/api`` + ``/`` -> ``/api``)."""
    if not path or path == "/":
        return prefix or "/"
    return prefix.rstrip("/") + "/" + path.lstrip("/") if prefix else path


_PATH_JOIN = re.compile(r"\s*path\s*\.\s*Join\s*\(")


def _string(expr: str, consts: Mapping[str, str]) -> str | None:
    """The value of a string expression of literals and named constants joined by ``+`` (a name the code gives
    no literal is an empty, deploy-time prefix), or of ``path.Join`` over such expressions (``path.Join(uriAdmin,
    "/login")``); None when it is anything else."""
    join = _PATH_JOIN.match(expr)
    if join is not None:
        return _path_join(expr, join.end() - 1, consts)
    parts: list[str] = []
    literal = False
    for m in _TOKEN.finditer(expr):
        if m.group(5) is not None:
            return None
        if m.group(1) is not None or m.group(2) is not None:
            parts.append(m.group(1) if m.group(1) is not None else m.group(2))
            literal = True
        elif m.group(3) is not None:
            parts.append(consts.get(m.group(3), ""))
    return "".join(parts) if literal or parts else None


def _path_join(expr: str, i: int, consts: Mapping[str, str]) -> str | None:
    """The value of the ``path.Join(...)`` whose parenthesis opens at ``expr[i]`` and which is the whole of
    ``expr``, as Go computes it (the non-empty elements joined by ``/``, then cleaned); None when anything follows
    it, or when an element is not a string expression, or names a variable the code gives no literal (a deploy-time
    value: the path is unknown, not its prefix)."""
    close = _close(expr, i)
    if expr[close:].strip():
        return None
    elements: list[str] = []
    for arg in split_args(expr[i + 1:close - 1], raw_backticks=True):
        names = [m.group(3) for m in _TOKEN.finditer(arg) if m.group(3) is not None]
        value = _string(arg, consts)
        if value is None or any(n not in consts for n in names):
            return None
        elements.append(value)
    joined = "/".join(e for e in elements if e)
    if not joined:
        return ""
    clean = posixpath.normpath(joined)
    return "/" + clean.lstrip("/") if clean.startswith("/") else clean


def _chain(code: str, i: int) -> tuple[dict[str, str], str]:
    """The calls chained after a registration (``.Methods("GET").Name("x")``): name -> arguments, and as text."""
    out: dict[str, str] = {}
    said: list[str] = []
    while True:
        m = re.compile(r"\s*\.\s*(\w+)\s*\(").match(code, i)
        if m is None:
            return out, "".join(said)
        close = _close(code, m.end() - 1)
        out[m.group(1)] = code[m.end():close - 1].strip()
        said.append(f".{m.group(1)}()" if m.group(1) != "Methods" else f".Methods({out[m.group(1)]})")
        i = close


def _methods(verb: str, pattern_method: str, chained: str) -> list[str]:
    if pattern_method:
        return [pattern_method]
    if verb in _VERBS:
        return ["ANY" if verb.upper() == "ANY" else verb.upper()]
    found = [(a or b).upper() for a, b in _METHOD.findall(chained)]
    return list(dict.fromkeys(found)) or ["ANY"]


def _go_params(path: str) -> str:
    """Go 1.22's ``{name...}`` and ``{$}`` as the other routers write them (``{name}``, nothing)."""
    return re.sub(r"\{(\w+)\.\.\.\}", r"{\1}", path.replace("{$}", ""))


def _handler(code: str, at: int, expr: str, funcs: _Funcs) -> list[_Func]:
    """The handler's body (a function literal, or the last function of the code the expression names: when several
    bear its name, each shaped as an HTTP handler), then the bodies of the functions they call by a name only one
    function bears (one level)."""
    literal = expr.find("func")
    if literal >= 0 and "{" in expr[literal:]:
        start = code.find(expr, at)
        brace = code.find("{", start + literal)
        out = [_Func("", code, brace, _close(code, brace))]
    else:
        named = [n for n in re.findall(r"\w+", expr) if n in funcs]
        if not named:
            return []
        out = funcs.handlers(named[-1])
    for handler in list(out):
        for m in _BARE_CALL.finditer(handler.code, handler.start, handler.end):
            f = funcs.callee(m.group(1))
            if f is not None and f not in out:
                out.append(f)
    return out


def _route(method: str, path: str, at: Location, framework: str, bodies: Sequence[_Func], only: bool,
           settings: _Settings) -> GoRoute:
    writes = next(_writes(bodies), None)
    set_ = next((c for b in bodies for c in _cookies(b, settings)), None)
    cookie, cookie_when = (set_[:2], set_[2]) if set_ else (None, ())
    query = next((q for b in bodies for q in _query_credentials(b)), None)
    login = None
    if writes is None and bodies and _PASSWORD.search(bodies[0].code, bodies[0].start, bodies[0].end):
        login = f"its handler checks a password the request carries and writes nothing ({_where(bodies[0])})"
    if method in ("GET", "HEAD", "OPTIONS") and not only:
        writes = None
    creates = None
    if writes is not None and _CREATION.match(writes):
        creates = f"its handler creates ({writes}) and no code of the service names an idempotency key"
    elif method == "POST" and (fresh := next(_fresh_ids(bodies), None)) is not None:
        creates = (f"its handler draws a new identifier on every request ({fresh}) for what the request makes, so a "
                   "repeated request makes a second one, and no code of the service names an idempotency key")
    classified = most_sensitive([(cls, f"{name!r} read from the request at {where}") for b in bodies
                                 for name, where in _request_fields(b) if (cls := field_class(name)) is not None])
    return GoRoute(method, path, at, framework, writes=writes, cookie=cookie, cookie_when=cookie_when,
                   query_credential=query, login=login,
                   no_idempotency_key=creates, classified=classified, bodies=tuple(bodies))


_FRESH_ID = re.compile(r"\b(?:uuid\.(?:New|NewString|NewRandom|NewV4|NewV7)|ksuid\.New|xid\.New|ulid\.Make|"
                       r"shortid\.Generate)\s*\(")
"""A random identifier drawn in the handler (google/uuid, gofrs/uuid, ksuid, xid, ulid, shortid): the server names
what the request makes, so two identical requests make two."""


def _fresh_ids(bodies: Sequence[_Func]) -> Iterator[str]:
    """The calls of the bodies that draw a new random identifier, with where (``uuid.New() at http.go:67``)."""
    for b in bodies:
        for m in _FRESH_ID.finditer(b.code, b.start, b.end):
            yield f"{m.group(0).rstrip('( ')}() at {b.path}:{b.code.count(chr(10), 0, m.start()) + 1}"


_GO_LISTEN = re.compile(r"\bhttp\s*\.\s*ListenAndServe\s*\(|\.\s*ListenAndServe\s*\(\s*\)")
_GIN_OR_ECHO_RUN = re.compile(r"\.\s*(?:Run|Start)\s*\(")
_GO_TLS = re.compile(r"ListenAndServeTLS|ServeTLS|RunTLS|StartAutoTLS|TLSServer|\btls\s*\.\s*(?:Listen|NewListener|"
                     r"Server)\s*\(|autocert|certmagic")
"""What gives a Go server TLS: the standard library's TLS variants and listeners, gin's ``RunTLS``, echo's
``StartAutoTLS`` and ``TLSServer``, automatic certificates (autocert, certmagic). A ``tls.Config`` alone is not one:
clients make them too (an SMTP pool's, a database driver's); it counts when it is a server's (``_server_tls``)."""
_ECHO_START_TLS = re.compile(r"\.\s*StartTLS\s*\(")
"""Echo's ``e.StartTLS(addr, cert, key)``, in a file that imports Echo (an SMTP client's ``StartTLS`` is not one)."""
_HTTP_SERVER = re.compile(r"(?:\b(\w+)\s*:?=\s*|\bvar\s+(\w+)\s*=\s*)?&?\s*http\s*\.\s*Server\s*\{")


def _server_tls(code: str) -> bool:
    """Whether the code gives an ``http.Server`` a TLS configuration: ``TLSConfig`` in its literal, or set later on
    the variable it was assigned to (``srv.TLSConfig = ...``)."""
    for m in _HTTP_SERVER.finditer(code):
        if "TLSConfig" in code[m.end():_close(code, m.end() - 1)]:
            return True
        name = m.group(1) or m.group(2)
        if name and re.search(rf"\b{re.escape(name)}\s*\.\s*TLSConfig\s*=(?!=)", code):
            return True
    return False


def plain_listener(texts: Sequence[tuple[str, str]]) -> tuple[str, Location] | None:
    """Why, and where, a Go service listens on plain HTTP: its code (not its tests; comments blanked) starts an HTTP
    server with ``http.ListenAndServe`` (or an ``http.Server``'s ``ListenAndServe()``, gin's ``Run``, echo's
    ``Start`` in a file that imports them) and none of its code gives a server TLS (``_GO_TLS``, echo's
    ``StartTLS``, an ``http.Server``'s ``TLSConfig``). None otherwise."""
    codes = [(p, t) for p, t in texts if p.endswith(".go") and not p.endswith("_test.go")]
    if any(_GO_TLS.search(code) or _server_tls(code) or
           ('"github.com/labstack/echo' in code and _ECHO_START_TLS.search(code)) for _p, code in codes):
        return None
    for path, code in codes:
        m = _GO_LISTEN.search(code)
        if m is None and re.search(r"\"github\.com/(?:gin-gonic/gin|labstack/echo)", code):
            m = _GIN_OR_ECHO_RUN.search(code)
        if m is not None:
            at = Location(path, code.count("\n", 0, m.start()) + 1, m.start() - code.rfind("\n", 0, m.start()))
            return ("its Go HTTP server is started without TLS (no ListenAndServeTLS, TLS configuration or automatic "
                    "certificate in its code), so it listens on plain HTTP", at)
    return None


def _where(f: _Func) -> str:
    return f"{f.path}:{f.code.count(chr(10), 0, f.start) + 1}"


def _writes(bodies: Sequence[_Func]) -> Iterator[str]:
    """The calls of the bodies that write through a client or a store (``client.PlaceOrder(``)."""
    for b in bodies:
        for m in _WRITE_VERB.finditer(b.code, b.start, b.end):
            if _STORE_RECEIVER.search(_receiver(b.code, m.start())):
                yield f"{m.group(1)}() at {b.path}:{b.code.count(chr(10), 0, m.start()) + 1}"


def _receiver(code: str, i: int) -> str:
    """The expression a method is called on (``pb.NewCheckoutServiceClient(conn)`` before ``.PlaceOrder``)."""
    j = i
    while j > 0:
        c = code[j - 1]
        if c.isspace() and code[j:j + 1] in (".", ")"):
            j -= 1
        elif c == ")":
            depth = 0
            while j > 0:
                j -= 1
                depth += {")": 1, "(": -1}.get(code[j], 0)
                if depth == 0:
                    break
        elif c.isalnum() or c in "_.":
            j -= 1
        else:
            break
    return code[j:i]


def _cookies(b: _Func, settings: _Settings | None = None) -> Iterator[_Cookie]:
    """The flags of each session or token cookie the body sets (``http.SetCookie(w, &http.Cookie{...})``), not one
    it deletes (a negative ``MaxAge``): ``Secure`` and ``HttpOnly`` as written, else Go's zero value (off);
    ``SameSite`` when written; and those written as a setting (``Secure: config.Opts.HTTPS()``), each with its
    condition (``_Settings.condition``)."""
    for m in _SET_COOKIE.finditer(b.code, b.start, b.end):
        fields = b.code[m.end():_close(b.code, m.end() - 1) - 1]
        named = re.search(r"\bName\s*:\s*([^,\n]+)", fields)
        value = re.search(r"\bValue\s*:\s*([^,\n]+)", fields)
        said = " ".join(g.group(1).strip() for g in (named, value) if g)
        if not _SESSIONISH.search(said) or re.search(r"\bMaxAge\s*:\s*-", fields):
            continue
        line = b.code.count("\n", 0, m.start()) + 1
        cookie = named.group(1).strip() if named else "?"
        pending = tuple((name, c) for key, name in (("Secure", "secure"), ("HttpOnly", "http_only")) if settings
                        and (v := re.search(rf"\b{key}\s*:\s*([^,\n]+)", fields)) is not None
                        and (c := settings.condition(v.group(1), f"{key}: {v.group(1).strip()} "
                                                                 f"({b.path}:{line})")) is not None)
        yield (_cookie_flags(fields, "Secure", "HttpOnly"),
               f"http.SetCookie({cookie}) at {b.path}:{line}, flags left out are Go's zero values (off)", pending)


def _cookie_flags(fields: str, secure: str, http_only: str) -> tuple[tuple[str, bool | str], ...]:
    """The flags a cookie's literal (its ``fields``) states: its ``secure`` and ``http_only`` fields as written, else
    Go's zero value (off; one set to anything but a literal is left out, unknown); ``SameSite`` when written."""
    flags: list[tuple[str, bool | str]] = []
    for key, name in ((secure, "secure"), (http_only, "http_only")):
        set_to = re.search(rf"\b{key}\s*:\s*(\w+)", fields)
        if set_to is None or set_to.group(1) in ("true", "false"):
            flags.append((name, set_to is not None and set_to.group(1) == "true"))
    same = re.search(r"\bSameSite\s*:\s*http\.SameSite(Strict|Lax|None)Mode", fields)
    if same:
        flags.append(("same_site", same.group(1).lower()))
    return tuple(flags)


def _request_fields(b: _Func) -> Iterator[tuple[str, str]]:
    """The request fields the body reads by name (query, form and path values), each with where."""
    names = {m.group(1) for m in _QUERY_VAR.finditer(b.code, b.start, b.end)}
    patterns = [_REQUEST_FIELD, *(re.compile(rf"\b{re.escape(n)}\s*(?:\.\s*Get\s*\(\s*|\[\s*)\"([^\"]+)\"")
                                  for n in names)]
    for pattern in patterns:
        for m in pattern.finditer(b.code, b.start, b.end):
            yield m.group(m.lastindex or 1), f"{b.path}:{b.code.count(chr(10), 0, m.start()) + 1}"


def _query_credentials(b: _Func) -> Iterator[str]:
    """Where the body reads a password, secret or key from the URL's query string."""
    names = {m.group(1) for m in _QUERY_VAR.finditer(b.code, b.start, b.end)}
    patterns = [_QUERY, *(re.compile(rf"\b{re.escape(n)}\s*(?:\.\s*Get\s*\(\s*|\[\s*)\"([^\"]+)\"") for n in names)]
    for pattern in patterns:
        for m in pattern.finditer(b.code, b.start, b.end):
            if m.group(1).lower() in URL_CREDENTIALS:
                yield f"{m.group(1)!r} read from the URL query at {b.path}:{b.code.count(chr(10), 0, m.start()) + 1}"


def _middleware_cookie(codes: Sequence[tuple[str, str]], funcs: Mapping[str, _Func]
                       ) -> tuple[tuple[tuple[str, bool | str], ...], str] | None:
    """The session cookie a middleware sets (a function given the next ``http.Handler`` that calls its
    ``ServeHTTP``) when the code wraps a handler in it (``ensureSessionID(handler)``)."""
    for name, f in sorted(funcs.items(), key=lambda kv: (kv[1].path, kv[1].start)):
        head = f.code[f.code.rfind("func", 0, f.start):f.start]
        if "http.Handler" not in head or ".ServeHTTP(" not in f.code[f.start:f.end]:
            continue
        cookie = next((c[:2] for c in _cookies(f)), None)
        wraps = re.compile(rf"(?<![\w.]){re.escape(name)}\s*\(\s*\w+")
        if cookie and any(p != f.path or not f.start - len(head) <= m.start() < f.end
                          for p, code in codes for m in wraps.finditer(code)):
            flags, said = cookie
            return flags, f"{said}, by middleware {name} around every route"
    return None


_PLAIN_FUNC = re.compile(r"^func\s+([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\(", re.MULTILINE)


def uncalled_blanked(texts: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """``texts`` with the body of each Go function (not a method) that no code of the service refers to blanked: a
    shared package brings every helper it has (a client for each service of the system, each reading its own
    address variable) and the service calls only some. ``main``, ``init`` and tests are kept, and so is every
    non-Go file."""
    go = [(f, t) for f, t in texts if f.endswith(".go")]
    declared = {m.group(1): (f, m) for f, t in go for m in _PLAIN_FUNC.finditer(t)}
    if not declared:
        return list(texts)
    uses: dict[str, int] = {}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, declared))) + r")\b")
    for _f, t in go:
        for m in pattern.finditer(t):
            uses[m.group(1)] = uses.get(m.group(1), 0) + 1
    unused = {n for n in declared if uses.get(n, 0) <= 1 and n not in ("main", "init")
              and not n.startswith(("Test", "Benchmark", "Example", "Fuzz"))}
    out: list[tuple[str, str]] = []
    for f, text in texts:
        kept = text
        if f.endswith(".go"):
            for m in reversed([m for m in _PLAIN_FUNC.finditer(text) if m.group(1) in unused]):
                body = _body_start(kept, _close(kept, m.end() - 1))
                if body >= 0:
                    end = _close(kept, body)
                    kept = kept[:body] + re.sub(r"[^\n]", " ", kept[body:end]) + kept[end:]
        out.append((f, kept))
    return out



_TICKER = re.compile(r"\btime\s*\.\s*(?:NewTicker|Tick)\s*\(")
_LITERAL = re.compile(r"\bfunc\s*\(")


@dataclass(frozen=True)
class Detached:
    """Go code that runs only in a goroutine which start-up code (``main``, ``init`` and the functions only they
    call) starts: nothing it makes is handed back to a request, so no request waits on the calls it makes."""

    path: str
    spans: tuple[tuple[int, int], ...]
    """The stretches of the file's text that run there (a function's body less the function literals it only
    passes on)."""
    what: str
    """The function (or ``a goroutine of main``) and where it is."""
    started: str
    """Where the goroutine is started."""
    during: str
    """``startup``, or ``background`` when it runs on a ticker."""


@dataclass
class _Ref:
    caller: str | None
    call: bool
    go: bool
    ticker: bool
    at: str


def detached(texts: Sequence[tuple[str, str]]) -> list[Detached]:
    """The code of ``texts`` (Go, comments blanked; tests left out) that runs only in goroutines start-up code
    starts. A function is start-up code when it is ``main`` (of ``package main``) or ``init``, or when every
    reference to it is a call made by start-up code itself, outside any function literal it passes on (a handler
    given to a router, a callback): a function nothing names (one a framework calls through an interface) is not.
    It is detached when each of those calls is a ``go`` statement or is made by detached code. A function declared
    twice (two packages, two receivers) is never start-up code: its name does not tell which one a call reaches."""
    go = [(f, t) for f, t in texts if f.endswith(".go") and not f.endswith("_test.go")]
    decls, spans, literals = _declared(go)
    roots = {"main", "init"}
    candidates = sorted(n for n, ds in decls.items() if len(ds) == 1 and n not in roots and n.strip() == n)
    state = _start_up(decls, _references(go, candidates, decls, spans, literals), roots)
    return _detached_spans(go, state, decls, spans, literals)


def start_up_functions(go: Sequence[tuple[str, str]]) -> dict[str, tuple[str, int, int]]:
    """The start-up functions of ``go`` (Go, comments blanked, no tests; ``detached``: ``main``, ``init`` and the
    functions every reference to which is a call such code makes itself), each with its file and body, less those
    declared twice and those a ticker drives."""
    decls, spans, literals = _declared(go)
    roots = {"main", "init"}
    candidates = sorted(n for n, ds in decls.items() if len(ds) == 1 and n not in roots and n.strip() == n)
    state = _start_up(decls, _references(go, candidates, decls, spans, literals), roots)
    return {n: (decls[n][0][0], decls[n][0][3], decls[n][0][4]) for n, (_gone, tick, _at) in state.items()
            if not tick and len(decls.get(n, ())) == 1}


_Decls = dict[str, list[tuple[str, str, int, int, int]]]
_Spans = dict[str, list[tuple[int, int, str]]]
_Literals = dict[str, list[tuple[int, int, str, bool]]]


def _declared(go: Sequence[tuple[str, str]]) -> tuple[_Decls, _Spans, _Literals]:
    """Each top-level function by name (file, text, where its name is, its body), each file's function bodies, and
    the function literals in them: ``go`` (a goroutine started there), ``here`` (run in place: deferred or
    called at once) or ``away`` (passed on), with whether a ticker drives them."""
    decls: _Decls = {}
    spans: dict[str, list[tuple[int, int, str]]] = {}
    literals: dict[str, list[tuple[int, int, str, bool]]] = {}
    for f, t in go:
        main = re.search(r"^package\s+main\b", t, re.MULTILINE) is not None
        for m in _FUNC.finditer(t):
            body = _body_start(t, _close(t, m.end() - 1))
            if body < 0:
                continue
            end = _close(t, body)
            name = m.group(1)
            if name == "main" and not main:
                name = "main "  # not a program's entry point
            decls.setdefault(name, []).append((f, t, m.start(1), body, end))
            spans.setdefault(f, []).append((body, end, name))
            for lit in _LITERAL.finditer(t, body, end):
                lb = _body_start(t, _close(t, lit.end() - 1))
                if lb < 0 or lb >= end:
                    continue
                le = _close(t, lb)
                before = t[max(0, lit.start() - 12):lit.start()]
                kind = ("go" if re.search(r"\bgo\s*$", before) else
                        "here" if re.search(r"\bdefer\s*$", before) or re.match(r"\s*\(", t[le:]) else "away")
                literals.setdefault(f, []).append((lit.start(), le, kind, bool(_TICKER.search(t, lb, le))))
    return decls, spans, literals


def _references(go: Sequence[tuple[str, str]], candidates: Sequence[str], decls: _Decls, spans: _Spans,
                literals: _Literals) -> dict[str, list[_Ref]]:
    """Each reference to each of ``candidates``: the function it is in (None inside a literal passed on, or
    outside any function), whether it is a call, made in a goroutine, on a ticker, and where."""
    refs: dict[str, list[_Ref]] = {n: [] for n in candidates}
    if candidates:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, candidates)) + r")\b")
        for f, t in go:
            for m in pattern.finditer(t):
                name = m.group(1)
                if decls[name][0][0] == f and decls[name][0][2] == m.start():
                    continue  # its declaration
                caller = next((n for s, e, n in spans.get(f, []) if s <= m.start() < e), None)
                around = [(k, tick) for s, e, k, tick in literals.get(f, []) if s <= m.start() < e]
                go_stmt = re.search(r"\bgo\s+(?:\w+\s*\.\s*)*$", t[max(0, m.start() - 40):m.start()]) is not None
                start = m.start() if go_stmt else max((s for s, e, k, _tk in literals.get(f, [])
                                                       if s <= m.start() < e and k == "go"), default=m.start())
                at = f"{f}:{t.count(chr(10), 0, start) + 1}"
                refs[name].append(_Ref(caller if all(k != "away" for k, _ in around) else None,
                                       re.match(r"\s*\(", t[m.end():]) is not None,
                                       go_stmt or any(k == "go" for k, _ in around),
                                       any(tick for k, tick in around if k == "go"), at))
    return refs


def _start_up(decls: _Decls, refs: Mapping[str, list[_Ref]], roots: set[str]) -> dict[str, tuple[bool, bool, str]]:
    """The start-up functions (``detached``), each with whether it is detached, on a ticker, and where its
    goroutine is started."""
    state = dict.fromkeys(roots, (False, False, ""))
    changed = True
    while changed:
        changed = False
        for n in sorted(refs):
            if n in state or not refs[n] or not all(r.call and r.caller in state for r in refs[n]):
                continue
            _f, t, _at, body, end = decls[n][0]
            gone = all(r.go or state[str(r.caller)][0] for r in refs[n])
            tick = gone and (bool(_TICKER.search(t, body, end))
                             or any(r.ticker or state[str(r.caller)][1] for r in refs[n]))
            started = next((r.at if r.go else state[str(r.caller)][2] for r in refs[n]), "")
            state[n] = (gone, tick, started)
            changed = True
    return state


def _detached_spans(go: Sequence[tuple[str, str]], state: Mapping[str, tuple[bool, bool, str]], decls: _Decls,
                    spans: _Spans, literals: _Literals) -> list[Detached]:
    """The detached functions' bodies and the goroutine literals start-up code starts, less what they pass on."""
    out: list[Detached] = []
    for n, (gone, tick, started) in sorted(state.items()):
        for f, t, at, body, end in decls.get(n, []) if gone else []:
            holes = sorted((s, e) for s, e, k, _tk in literals.get(f, []) if body <= s < end and k == "away")
            out.append(Detached(f, _less(body, end, holes), f"{n} ({f}:{t.count(chr(10), 0, at) + 1})", started,
                                "background" if tick else "startup"))
    for f, t in go:  # goroutine literals that start-up code starts itself
        for s, e, n in spans.get(f, []):
            if n not in state or state[n][0]:
                continue
            for ls, le, kind, tick in literals.get(f, []):
                outer = [k for s2, e2, k, _t in literals.get(f, []) if s2 < ls and le <= e2]
                if s <= ls < e and kind == "go" and "away" not in outer:
                    holes = sorted((s2, e2) for s2, e2, k, _t in literals.get(f, []) if ls < s2 < le and k == "away")
                    where = f"{f}:{t.count(chr(10), 0, ls) + 1}"
                    out.append(Detached(f, _less(ls, le, holes), f"a goroutine of {n} ({where})", where,
                                        "background" if tick else "startup"))
    return out


_GLOBALS = re.compile(r"^var\s+(\w+)|^var\s*\((?P<block>[^)]*)\)", re.MULTILINE)
_SEND = re.compile(r"^\s*(?:case\s+)?(?!case\b)[\w.\[\]]+\s*<-", re.MULTILINE)
_FIELD_SET = re.compile(r"\b\w+(?:\s*\.\s*\w+)+\s*(?:,\s*[\w.]+\s*)*=(?!=)")


def escapes(texts: Sequence[tuple[str, str]], found: Sequence[Detached]) -> bool:
    """Whether detached code (``found``) may hand what it makes to the rest of the service: it sets a package-level
    variable or a field, or sends on a channel (a goroutine that dials a client and stores it for the handlers)."""
    names = {m.group(1) for _f, t in texts for m in _GLOBALS.finditer(t) if m.group(1)}
    names |= {n.group(1) for _f, t in texts for m in _GLOBALS.finditer(t) if m.group("block")
              for n in re.finditer(r"^\s*(\w+)", m.group("block"), re.MULTILINE)}
    store = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\s*(?:\[[^\]]*\]\s*)?"
                       r"(?:,\s*[\w.]+\s*)*=(?!=)") if names else None
    code = dict(texts)
    for d in found:
        for s, e in d.spans:
            text = code[d.path][s:e]
            if _SEND.search(text) or _FIELD_SET.search(text) or (store and store.search(text)):
                return True
    return False


def _less(start: int, end: int, holes: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """``start..end`` without the (sorted) ``holes`` inside it."""
    out: list[tuple[int, int]] = []
    at = start
    for s, e in holes:
        if s >= at:
            out.append((at, s))
        at = max(at, e)
    out.append((at, end))
    return tuple((s, e) for s, e in out if e > s)
