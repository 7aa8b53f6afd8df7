"""The routes a service's C# code declares (``archplan import source``): ASP.NET Core.

- minimal APIs: ``app.MapGet("/items/{id}", ...)`` (``MapPost``, ``MapPut``, ``MapDelete``, ``MapPatch``), on the
  application or on a group whose prefix the file declares (``var items = app.MapGroup("/items");``);
- controllers: ``[HttpGet("{id}")]`` (``HttpPost``...) on an action, under the ``[Route("api/[controller]")]`` of its
  class (``[controller]``: the class name without ``Controller``); a template that starts with ``/`` or ``~/``
  replaces the class's; an action's own ``[Route("checkout")]`` beside a bare ``[HttpPost]`` is its template;
- conventional routing: when the service maps the default route table (``app.MapDefaultControllerRoute()``, or a
  ``MapControllerRoute`` whose pattern is ``{controller=Home}/{action=Index}/{id?}``; in the MVC routing of ASP.NET
  Core 2, ``app.UseMvcWithDefaultRoute()`` or ``app.UseMvc(routes => routes.MapRoute(name: "default", template:
  "{controller=Home}/{action=Index}/{id?}"))``), an attributed action of a
  controller with no route template is ``/<controller>/<action>`` (the method's name, less the ``Async`` suffix
  ASP.NET Core drops, or its ``[ActionName]``); without that table its path is unknown and it is left out.

A minimal API route's authorization is what ASP.NET Core attaches to it: ``RequireAuthorization()`` chained on the
route, on its group (``app.MapGroup("/orders").RequireAuthorization()``, ``orders.RequireAuthorization()``) or on the
call of the extension method that maps it (``app.MapOrdersApi().RequireAuthorization()``), ``[Authorize]`` on its
handler; ``AllowAnonymous()`` opens it deliberately. A route mapped inside ``if (app.Environment.IsDevelopment())``
exists only in development (the OpenAPI UI's redirect, a seeding hook) and is not read.

gRPC services (``app.MapGrpcService<CartService>()``) serve methods, not paths: they are not routes; nor is the
placeholder the ASP.NET Core gRPC template maps beside them, a ``MapGet`` whose handler only writes a constant text
(``context.Response.WriteAsync("Communication with gRPC endpoints must be made through a gRPC client...")``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import QUOTES, block_after, close_bracket, inside, split_args, string_end

_MAP = re.compile(r"(?<![\w$])(?P<recv>[A-Za-z_]\w*)\s*\.\s*Map(?P<verb>Get|Post|Put|Delete|Patch)\s*\(\s*"
                  r"@?\"(?P<path>[^\"\\\n]*)\"")
_GROUP = re.compile(r"\b(?:var\s+)?(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<recv>[A-Za-z_]\w*)\s*\.\s*MapGroup\s*\(\s*"
                    r"@?\"(?P<path>[^\"\\\n]*)\"")
_CLASS = re.compile(r"\bclass\s+(?P<name>[A-Za-z_]\w*)")
_CLASS_ROUTE = re.compile(r"\[\s*Route\s*\(\s*@?\"(?P<path>[^\"\\\n]*)\"\s*\)\s*\]")
_CONVENTIONAL = re.compile(r"\.\s*MapDefaultControllerRoute\s*\(|\.\s*UseMvcWithDefaultRoute\s*\(|"
                           r"\b(?:MapControllerRoute|MapRoute)\s*\([^;]*?\"\{controller(?:=\w+)?\}/\{action(?:=\w+)?\}")
_ACTION_NAME = re.compile(r"\[\s*ActionName\s*\(\s*@?\"(?P<name>\w+)\"\s*\)\s*\]")
_METHOD_NAME = re.compile(r"\b(?P<name>[A-Za-z_]\w*)\s*(?:<[^(){};]*>\s*)?\(")
_ACTION = re.compile(r"\[\s*Http(?P<verb>Get|Post|Put|Delete|Patch)\s*(?:\(\s*@?\"(?P<path>[^\"\\\n]*)\"[^)\]]*\))?"
                     r"\s*\]")


@dataclass(frozen=True)
class CsRoute:
    """A route of the C# code: method, path as written (joined with its prefix), where, and how."""

    method: str
    path: str
    at: Location
    framework: str
    authz: tuple[str, str] | None = None
    """What the action checks beyond who the caller is (``none`` or ``role``), and why: it requires a signed-in caller
    (``[Authorize]``), and its code never refers to that caller, so it cannot compare the caller with the object."""
    permitted: str | None = None
    """Why anyone may call the action although the service authenticates callers: neither it nor its controller
    carries ``[Authorize]`` (nor ``[AllowAnonymous]``: a deliberate opening is not guessed at), the service sets no
    fallback policy, global authorization filter or ``RequireAuthorization()``, and the action never reads who
    calls. ASP.NET Core runs such an action for everyone."""
    fetch: str | None = None
    """Where the handler, or the method of the service's code it hands the value to, sends an HTTP request to a URL
    taken from the request (``request.CallbackUrl``), compared with nothing on the way (``_user_url_fetch``)."""


def routes(texts: Sequence[tuple[str, str]]) -> list[CsRoute]:
    """The routes of a service's C# files (comments blanked)."""
    out: list[CsRoute] = []
    conventional = any(path.endswith(".cs") and _CONVENTIONAL.search(code) for path, code in texts)
    gate = _open_by_default(texts)
    cs = [(p, c) for p, c in texts if p.endswith(".cs")]
    mapped = _mapping_calls(cs)
    minimal_gate = _open_by_default(texts, _FALLBACK)
    for path, code in cs:
        out.extend(_minimal(path, code, cs, mapped, minimal_gate))
        out.extend(_controllers(path, code, conventional, gate, cs))
    return out


_AUTHENTICATES = re.compile(r"\.\s*(?:AddAuthentication|AddJwtBearer|AddMicrosoftIdentityWebApi|"
                            r"AddIdentityServerAuthentication|AddOpenIdConnect)\s*[(<]")
_GLOBAL_AUTHORIZATION = re.compile(r"\bFallbackPolicy\b|\.\s*RequireAuthorization\s*\(|\bAuthorizeFilter\b")
_FALLBACK = re.compile(r"\bFallbackPolicy\b")
"""What requires authorization of a minimal API route that asks for none itself: only a fallback policy (an MVC
filter binds no minimal API, and a ``RequireAuthorization()`` binds the routes it is chained on)."""


def _open_by_default(texts: Sequence[tuple[str, str]], required: re.Pattern[str] = _GLOBAL_AUTHORIZATION
                     ) -> str | None:
    """Why an action without ``[Authorize]`` is open to anyone in this service, when it is: the service
    authenticates callers (``AddAuthentication``, ``AddJwtBearer``...) and requires authorization of nothing by
    default (no fallback policy, global ``AuthorizeFilter`` or ``RequireAuthorization()``; for minimal API routes,
    ``required`` is ``_FALLBACK``)."""
    cs = [(p, c) for p, c in texts if p.endswith(".cs")]
    if any(required.search(c) for _p, c in cs):
        return None
    for path, code in cs:
        m = _AUTHENTICATES.search(code)
        if m is not None:
            at = _at(path, code, m.start() + code[m.start():].index("Add"))
            if required is _FALLBACK:  # a library the service is built with may hold the set-up it never calls
                return f"the service's code sets up authentication ({at.file}:{at.line}) but no fallback policy"
            return (f"the service authenticates callers ({at.file}:{at.line}) but sets no fallback policy, global "
                    "authorization filter or RequireAuthorization()")
    return None


def _attributes(code: str, start: int, end: int) -> tuple[int, int]:
    """The span of the run of ``[...]`` attribute lists around the one at ``start:end``."""
    while True:
        i = len(code[:start].rstrip())
        if i == 0 or code[i - 1] != "]":
            break
        opening = code.rfind("[", 0, i - 1)
        if opening < 0:
            break
        start = opening
    while True:
        j = end + (len(code[end:]) - len(code[end:].lstrip()))
        if j >= len(code) or code[j] != "[":
            break
        closing = code.find("]", j)
        if closing < 0:
            break
        end = closing + 1
    return start, end


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


_CONSTANT_TEXT = re.compile(r"(?:async\s+)?(?:\w+|\(\s*(?:\w+\s+)?\w*\s*\))\s*=>\s*\{?\s*(?:await\s+)?"
                            r"(?:\w+\s*\.\s*Response\s*\.\s*WriteAsync\s*\(\s*\$?@?\"\"\s*\)|\$?@?\"\")\s*;?\s*\}?")
"""A handler that only answers a constant text (string literals emptied)."""


def _literals_emptied(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] in QUOTES:
            end = string_end(text, i)
            out.append('""')
            i = end
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


_FROM_BODY = re.compile(r"\[\s*FromBody\s*\]\s*([A-Z]\w*)(?:<[^<>]*>)?\??\s+\w+")
_WRITE_CALL = re.compile(r"\.\s*(?:Update|Save|Create|Add|Insert|Upsert|Place|Submit|Checkout|Store|Put|Delete|Remove)"
                         r"\w*\s*(?:<[^<>()]*>)?\s*\(")
"""A call, in an action's body, of a method whose name says it changes state (``_repository.UpdateBasketAsync(...)``,
``_db.SaveChangesAsync()``); a command handed to a mediator (``_mediator.Send(command)``) says nothing by itself."""


def calls_a_write(text: str) -> bool:
    """Whether the code ``text`` calls a method named for a change of state (``_WRITE_CALL``)."""
    return _WRITE_CALL.search(text) is not None


def body_type(code: str, at: int) -> str | None:
    """The type of the ``[FromBody]`` parameter of the controller action whose attribute starts at ``at``."""
    _first, last = _attributes(code, at, code.find("]", at) + 1)
    method = _METHOD_NAME.search(code, last)
    found = _FROM_BODY.search(inside(code, method.end() - 1)) if method is not None else None
    return found.group(1) if found is not None else None


def written_body_type(code: str, at: int) -> str | None:
    """The type of the ``[FromBody]`` parameter of the controller action whose attribute starts at ``at``, when the
    action's own body calls a method named for a change of state (``_WRITE_CALL``): a write taking that body."""
    _first, last = _attributes(code, at, code.find("]", at) + 1)
    method = _METHOD_NAME.search(code, last)
    if method is None:
        return None
    paren = method.end() - 1
    found = _FROM_BODY.search(inside(code, paren))
    brace = block_after(code, close_bracket(code, paren))
    if found is None or brace is None or not _WRITE_CALL.search(inside(code, brace)):
        return None
    return found.group(1)


_MEMBER = re.compile(r"\b([A-Za-z_]\w*)\s*(?:<[^<>(){};=]*>)?\s*\(")
_NOT_METHODS = frozenset({"if", "for", "foreach", "while", "switch", "catch", "using", "lock", "return", "new",
                          "typeof", "nameof", "sizeof", "when", "await", "base", "this", "throw", "fixed", "checked",
                          "unchecked", "default"})


def methods(code: str, start: int, end: int, pairs: Mapping[int, int]) -> dict[str, list[tuple[int, int]]]:
    """The methods declared directly in a class body (``code[start:end]``): name -> each overload's body span."""
    out: dict[str, list[tuple[int, int]]] = {}
    pos = start
    while pos < end:
        m = _MEMBER.search(code, pos, end)
        if m is None:
            break
        paren = m.end() - 1
        close = pairs.get(paren)
        if close is None:
            break
        brace = re.match(r"\s*(?:where\b[^{;]*)?\{", code[close:end])
        if m.group(1) in _NOT_METHODS or brace is None:
            pos = close
            continue
        opened = close + brace.end() - 1
        stop = pairs.get(opened, end)
        out.setdefault(m.group(1), []).append((opened + 1, stop - 1))
        pos = stop
    return out


_FIELD = re.compile(r"(?:^|(?<=[;{}\]]))\s*(?:(?:private|protected|public|internal|readonly|static|volatile)\s+)*"
                    r"([A-Z][\w.]*(?:\s*<[^<>;(){}=]*>)?)\s+(_?[A-Za-z]\w*)\s*(?:=[^;]*)?;")
_STORE_TYPE = re.compile(r"(?:Repository|Repo|Store|DbContext|Context)$", re.IGNORECASE)
_STORE_WRITE = re.compile(r"(?:Save|Add|Insert|Update|Upsert|Delete|Remove|Create|Store|Append|Register|Mark)")


def base_type(kind: str) -> str:
    """A type's name without its namespace and type arguments (``Infra.IRepository<Order>`` -> ``IRepository``)."""
    return kind.split("<", 1)[0].strip().rsplit(".", 1)[-1]


def fields(code: str, start: int, end: int, methods: Mapping[str, list[tuple[int, int]]]) -> dict[str, str]:
    """The fields a class body (``code[start:end]``, its ``methods`` as ``methods`` found them) declares: name ->
    type, without namespace or type arguments (``_orders`` -> ``IOrderRepository``)."""
    text = list(code[start:end])  # the class body with its methods' bodies blanked: its fields remain
    for spans in methods.values():
        for s, e in spans:
            text[s - start:e - start] = " " * (e - s)
    return {f.group(2): base_type(f.group(1)) for f in _FIELD.finditer("".join(text))}


def store_write(kind: str, method: str) -> bool:
    """Whether calling ``method`` on a field of type ``kind`` writes the service's own store: a repository, a store
    or a database context (``IOrderRepository``, ``OrdersDbContext``) called with a verb that changes state
    (``SaveAsync``, ``RegisterInvoiceAsync``, ``MarkAsPaid``)."""
    return _STORE_TYPE.search(kind) is not None and _STORE_WRITE.match(method) is not None


# A call chained on the one before it: ``.RequireAuthorization()``, ``.WithName("x")``, ``.HasApiVersion(1.0)``.
_LINK = re.compile(r"\s*\.\s*(?P<name>[A-Za-z_]\w*)\s*(?:<[^<>(){};]*>\s*)?\(")
_DEVELOPMENT = re.compile(r"\bif\s*\(\s*(?:[A-Za-z_][\w.]*\.)?IsDevelopment\s*\(\s*\)\s*\)")
_EXTENSION = re.compile(r"\b(?P<name>[A-Za-z_]\w*)\s*(?:<[^<>(){};]*>\s*)?\(\s*this\s+")
_REQUIRE = "RequireAuthorization"


def _chain(code: str, i: int) -> list[tuple[str, str]]:
    """The calls chained on the expression that ends at ``i``: (name, its arguments), in order."""
    out: list[tuple[str, str]] = []
    while (m := _LINK.match(code, i)) is not None:
        paren = m.end() - 1
        out.append((m.group("name"), inside(code, paren).strip()))
        i = close_bracket(code, paren)
    return out


def _level(calls: Sequence[tuple[str, str]]) -> str | None:
    """What a chain of calls requires of a route's caller: ``anonymous`` (``AllowAnonymous()``), ``role`` (a
    ``RequireAuthorization`` naming a policy or building one), ``none`` (a bare ``RequireAuthorization()``: a
    signed-in caller), or None (nothing)."""
    names = [n for n, _a in calls]
    if "AllowAnonymous" in names:
        return "anonymous"
    required = [a for n, a in calls if n == _REQUIRE]
    if not required:
        return None
    return "role" if any(required) else "none"


def _strongest(*levels: str | None) -> str | None:
    for level in ("anonymous", "role", "none"):
        if level in levels:
            return level
    return None


_CALL_START = re.compile(r"(?:[A-Za-z_]\w*\s*\.\s*)*[A-Za-z_]\w*\s*(?:<[^<>(){};]*>\s*)?\(")


def _variable_level(code: str, name: str) -> str | None:
    """What the file requires of the routes mapped on the variable ``name`` (a group, a versioned API set): the
    calls chained on the call its declaration makes (``var api = app.MapGroup("/x").RequireAuthorization();``) and
    an authorization call made on it in a statement of its own (``api.RequireAuthorization();``)."""
    levels: list[str | None] = []
    for m in re.finditer(rf"(?<![\w.])(?:var\s+)?{re.escape(name)}\s*(?P<op>=(?!=)|\.)", code):
        if m.group("op") == ".":
            calls = _chain(code, m.end() - 1)[:1]
            if calls and calls[0][0] in (_REQUIRE, "AllowAnonymous"):
                levels.append(_level(calls))
            continue
        call = _CALL_START.match(code, m.end() + len(code[m.end():m.end() + 200]) -
                                 len(code[m.end():m.end() + 200].lstrip()))
        if call is not None:
            levels.append(_level(_chain(code, close_bracket(code, call.end() - 1))))
    return _strongest(*levels)


def _mapping_calls(cs: Sequence[tuple[str, str]]) -> dict[str, tuple[str, Location]]:
    """What the calls of each method that maps routes (``app.MapOrdersApi()``) require of the routes it maps, by the
    method's name: the calls chained on the call and those on its receiver (``orders.MapOrdersApi()``, ``orders``
    declared ``app.NewVersionedApi("Orders").RequireAuthorization()``), with where the call is."""
    names = {m.group("name") for _p, code in cs for m in _EXTENSION.finditer(code)}
    out: dict[str, tuple[str, Location]] = {}
    for path, code in cs:
        for m in re.finditer(r"(?:(?P<recv>[A-Za-z_]\w*)\s*\.\s*)(?P<name>[A-Za-z_]\w*)\s*(?:<[^<>(){};]*>\s*)?\(",
                             code):
            if m.group("name") not in names or _EXTENSION.match(code, m.start("name")):
                continue
            level = _strongest(_level(_chain(code, close_bracket(code, m.end() - 1))),
                               _variable_level(code, m.group("recv")))
            if level is not None and m.group("name") not in out:
                out[m.group("name")] = (level, _at(path, code, m.start("name")))
    return out


def _development_only(code: str) -> list[tuple[int, int]]:
    """The spans of the blocks that run only in the development environment
    (``if (app.Environment.IsDevelopment())``)."""
    out: list[tuple[int, int]] = []
    for m in _DEVELOPMENT.finditer(code):
        brace = block_after(code, m.end())
        if brace is not None:
            out.append((brace, close_bracket(code, brace)))
        else:
            out.append((m.end(), code.find(";", m.end()) + 1 or len(code)))
    return out


def _handler(code: str, cs: Sequence[tuple[str, str]], open_paren: int) -> tuple[str, str, int, int, str] | None:
    """The handler of the minimal API route whose call opens at ``open_paren``: its name (``lambda`` for an inline
    one), the file and text it is written in, where its code starts and ends, and the attributes before it."""
    args = split_args(inside(code, open_paren))
    if len(args) < 2:
        return None
    text = args[-1].strip()
    if "=>" in text:  # an inline lambda, after its attributes: [Authorize] (int id) => ...
        start = code.index(text, open_paren)
        attributes = re.match(r"(?:\[[^\[\]]*\]\s*)*", text)
        skip = attributes.end() if attributes else 0
        return "lambda", "", start + skip, start + len(text), text[:skip]
    name = re.fullmatch(r"(?:[A-Za-z_][\w.]*\.)?(?P<name>[A-Za-z_]\w*)", text)
    if name is None:
        return None
    declared = re.compile(rf"[\w>\]?)]\s+{re.escape(name.group('name'))}\s*(?:<[^<>(){{}};]*>\s*)?\(")
    for path, other in sorted(cs, key=lambda pc: pc[1] is not code):  # its own file first
        for m in declared.finditer(other):
            span = _span(other, m.start() + 1)
            if span is None:
                continue
            head = max(other.rfind(";", 0, m.start()), other.rfind("}", 0, m.start()), other.rfind("{", 0, m.start()))
            return name.group("name"), path, m.start(), span[1], other[head + 1:m.start()]
    return None


def _minimal(path: str, code: str, cs: Sequence[tuple[str, str]] = (),
             mapped: Mapping[str, tuple[str, Location]] | None = None, gate: str | None = None) -> Iterator[CsRoute]:
    groups: dict[str, tuple[str, str | None]] = {}
    for g in _GROUP.finditer(code):
        outer, outer_level = groups.get(g.group("recv"), ("", None))
        groups[g.group("name")] = (_join(outer, g.group("path")),
                                   _strongest(outer_level, _variable_level(code, g.group("name"))))
    grpc = "MapGrpcService<" in code
    development = _development_only(code)
    extensions = [(m.group("name"), close_bracket(code, code.index("(", m.start("name"))))
                  for m in _EXTENSION.finditer(code)]
    for m in _MAP.finditer(code):
        if any(a <= m.start() < b for a, b in development):
            continue
        paren = code.index("(", m.start("verb"))
        args = _literals_emptied(inside(code, paren))
        handler = args.split(",", 1)[1].strip() if "," in args else ""
        if grpc and _CONSTANT_TEXT.fullmatch(handler):
            continue
        prefix, group_level = groups.get(m.group("recv"), ("", None))
        at = _at(path, code, m.start("verb") - 3)
        files = cs or [(path, code)]
        written = _handler(code, files, paren)
        text = _literals_emptied((dict(files).get(written[1], code) if written[1] else code)[written[2]:written[3]]) \
            if written else ""
        authz, permitted = _minimal_access(code, m, paren, group_level, extensions, mapped or {}, gate, written, text)
        yield CsRoute(m.group("verb").upper(), _join(prefix, m.group("path")), at, "ASP.NET Core minimal API",
                      authz, permitted, _user_url_fetch(text, files))


# A value of the request named for an address: ``request.CallbackUrl``, ``model.GrantUri``.
_URL_VALUE = re.compile(r"\b[A-Za-z_]\w*\s*\.\s*(?:\w*(?:Url|Uri|URL|URI))\b")
_ALLOWLIST = re.compile(r"[Aa]llow(?:ed)?[Ll]ist|[Ww]hite[Ll]ist|[Aa]llowed(?:Hosts|Urls|Origins|Domains)|"
                        r"\.\s*(?:StartsWith|IsBaseOf|EndsWith)\s*\(|\.\s*Host\s*(?:==|!=|\.)")


def _sends_to(body: str, name: str) -> bool:
    """Whether the code ``body`` sends an HTTP request to the value ``name``: a request message built for it
    (``new HttpRequestMessage(HttpMethod.Options, url)``) or an ``HttpClient`` call given it first."""
    value = re.escape(name)
    return re.search(rf"\bnew\s+HttpRequestMessage\s*\([^;]*?\b{value}\b(?!\s*\.)", body) is not None or re.search(
        rf"\.\s*(?:Get|Post|Put|Patch|Delete|Send|GetString|GetStream|GetByteArray|GetFromJson|PostAsJson|"
        rf"PutAsJson)Async\s*(?:<[^<>(){{}};]*>\s*)?\(\s*{value}\s*[,)]", body) is not None


def _user_url_fetch(handler: str, cs: Sequence[tuple[str, str]]) -> str | None:
    """Where a handler's code (literals emptied) sends an HTTP request to an address it takes from the request
    (``client.GetAsync(request.Url)``), or hands that address to a method of the service's code (one level, by
    position) that does (``tester.TestGrantUrl(request.Url, request.GrantUrl)``, ``new HttpRequestMessage(HttpMethod
    .Options, url)`` there), with no allow-list, prefix or host comparison on the way. None when nothing shows it."""
    if not handler or _ALLOWLIST.search(handler):
        return None
    for value in dict.fromkeys(v.group(0).replace(" ", "") for v in _URL_VALUE.finditer(handler)):
        if _sends_to(handler, value):
            return f"its handler sends a request to {value}, taken from the request"
    for call in re.finditer(r"\.\s*(?P<name>[A-Za-z_]\w*)\s*\(", handler):
        args = split_args(inside(handler, call.end() - 1))
        taken = [(i, a.replace(" ", "")) for i, a in enumerate(args) if _URL_VALUE.fullmatch(a)]
        if not taken:
            continue
        declared = re.compile(rf"[\w>\]?)]\s+{re.escape(call.group('name'))}\s*\(")
        for path, code in cs:
            for d in declared.finditer(code):
                span = _span(code, d.start() + 1)
                if span is None:
                    continue
                params = split_args(inside(code, code.index("(", d.start() + 1)))
                body = _literals_emptied(code[span[0].start():span[1]])
                if _ALLOWLIST.search(body):
                    continue
                for i, value in taken:
                    name = params[i].split("=")[0].split()[-1] if i < len(params) and params[i].split() else ""
                    if name and _sends_to(body, name):
                        at = _at(path, code, d.start() + 1)
                        return (f"its handler hands {value}, taken from the request, to {call.group('name')}, which "
                                f"sends a request to it ({at.file}:{at.line})")
    return None


# Parameters ASP.NET Core never binds from a minimal API request's body: the framework's own, services by interface.
_NOT_BODY = re.compile(r"(?:HttpContext|HttpRequest|HttpResponse|ClaimsPrincipal|CancellationToken|Stream|"
                       r"PipeReader|I[A-Z]\w*)\b")


def minimal_body(code: str, cs: Sequence[tuple[str, str]], at: int) -> tuple[list[tuple[str, str]], str] | None:
    """The parameters (type, name) of the handler of the minimal API route whose ``Map...`` call starts at ``at``
    that ASP.NET Core binds from the request's body (a complex type, unattributed or ``[FromBody]``; not a
    ``[FromServices]``, ``[AsParameters]``, header, route or query value, nor the framework's own types or a service
    named by its interface), with the handler's code, literals emptied. None when the handler is not found."""
    paren = code.find("(", at)
    written = _handler(code, cs, paren) if paren >= 0 else None
    if written is None:
        return None
    name, file, start, end, _a = written
    text = (dict(cs).get(file, code) if file else code)[start:end]
    if name == "lambda":
        params = text.split("=>", 1)[0].strip().removeprefix("async").strip()
        params = params[1:-1] if params.startswith("(") and params.endswith(")") else params
    else:
        params = inside(text, text.index("(", text.index(name)))
    out: list[tuple[str, str]] = []
    for param in split_args(params):
        if param.startswith("[") and not param.startswith("[FromBody"):
            continue
        words = re.sub(r"^\[[^\]]*\]\s*", "", param).split("=")[0].split()
        if len(words) == 2 and words[0][:1].isupper() and not _NOT_BODY.fullmatch(words[0].rstrip("?")):
            out.append((words[0].rstrip("?"), words[1]))
    return out, _literals_emptied(text)


def command_reads(cs: Sequence[tuple[str, str]], text: str, value: str, field: str, price: str
                  ) -> tuple[str, Location] | None:
    """Where a handler's code ``text`` builds a command from ``value.field`` (``new CreateOrderCommand(request.Items,
    ...)``) and sends it to a mediator (``.Send(``), the command's MediatR handler
    (``IRequestHandler<CreateOrderCommand, ...>``, in the service's code) that reads each line's ``price``
    (``item.UnitPrice``): its name and where it is declared. None when nothing shows such a hand-over."""
    if not re.search(r"\.\s*Send\s*\(", text):
        return None
    for m in re.finditer(r"\bnew\s+(?P<kind>[A-Z]\w*)\s*\(", text):
        if not re.search(rf"\b{re.escape(value)}\s*\.\s*{re.escape(field)}\b", inside(text, m.end() - 1)):
            continue
        handles = re.compile(rf"\bclass\s+(?P<name>\w+)[^{{;]*\bIRequestHandler\s*<\s*{m.group('kind')}\b")
        for path, code in cs:
            found = handles.search(code)
            brace = block_after(code, found.end(), semicolon_ends=False) if found is not None else None
            if found is not None and brace is not None and re.search(
                    rf"\.\s*{re.escape(price)}\b", code[brace:close_bracket(code, brace)]):
                return found.group("name"), _at(path, code, found.start("name"))
    return None


_SENT_COMMAND = re.compile(r"\bnew\s+(?P<new>[A-Z]\w*)\s*\(|\.\s*Adapt\s*<\s*(?P<adapt>[A-Z]\w*)\s*>\s*\(")
"""A command built in a handler: constructed (``new DeleteItemCommand(id)``) or mapped from the request by Mapster
(``request.Adapt<UpdateItemCommand>()``)."""
MEDIATR_HANDLER = re.compile(r"\bI(?:Request|\w*Command)Handler\s*<\s*(?P<kind>[A-Z]\w*)\b")
"""What a MediatR handler of a command implements: ``IRequestHandler<T, R>``, or an interface of the service's own
named for commands (``ICommandHandler<T, R>``, which vertical-slice code derives from ``IRequestHandler``)."""


def mediated_handler(cs: Sequence[tuple[str, str]], text: str) -> tuple[str, str, Location] | None:
    """The MediatR handler of the command a minimal API handler's code ``text`` builds and sends to a mediator
    (``sender.Send(command)``): the handler class's name, its body, and where it is declared. None when the code sends
    nothing, or no class of the service handles what it builds."""
    if not re.search(r"\.\s*Send\s*\(", text):
        return None
    for m in _SENT_COMMAND.finditer(text):
        kind = m.group("new") or m.group("adapt")
        handles = re.compile(rf"\bclass\s+(?P<name>\w+)[^{{;]*\bI(?:Request|\w*Command)Handler\s*<\s*{kind}\b")
        for path, code in cs:
            found = handles.search(code)
            brace = block_after(code, found.end(), semicolon_ends=False) if found is not None else None
            if found is not None and brace is not None:
                return found.group("name"), code[brace:close_bracket(code, brace)], _at(path, code, found.start("name"))
    return None


def _minimal_access(code: str, m: re.Match[str], paren: int, group_level: str | None,
                    extensions: Sequence[tuple[str, int]], mapped: Mapping[str, tuple[str, Location]],
                    gate: str | None, handler: tuple[str, str, int, int, str] | None, text: str
                    ) -> tuple[tuple[str, str] | None, str | None]:
    """``CsRoute.authz`` and ``CsRoute.permitted`` of a minimal API route, when its code shows them: ``handler`` is
    where its handler is written (``_handler``), ``text`` its code, literals emptied."""
    own = _level(_chain(code, close_bracket(code, paren)))
    enclosing = next((name for name, params_end in reversed(extensions) if params_end <= m.start()
                      and (brace := block_after(code, params_end, semicolon_ends=False)) is not None
                      and brace < m.start() < close_bracket(code, brace)), None)
    by_call = mapped.get(enclosing) if enclosing else None
    attributes = handler[4] if handler else ""
    if _ANONYMOUS.search(attributes):
        return None, None
    marked = "none" if _AUTHORIZE.search(attributes) else None
    level = _strongest(own, group_level, by_call[0] if by_call else None, marked)
    if level == "anonymous" or handler is None:
        return None, None
    name = handler[0]
    if level is None:
        if gate is None or _CALLER.search(text) or _CREDENTIAL.search(text):
            return None, None
        return None, (f"neither the route nor its group requires authorization (no RequireAuthorization() or "
                      f"[Authorize]), and {gate}: ASP.NET Core lets anyone call it, and its code never reads who "
                      "calls")
    if _CALLER.search(text):
        return None, None
    where = (f"RequireAuthorization() on the call of {enclosing}, {by_call[1].file}:{by_call[1].line}"
             if by_call and level == by_call[0] else "RequireAuthorization() or [Authorize]")
    named = "its handler" if name == "lambda" else name
    return (level, f"{named} requires a signed-in caller ({where}) and never refers to it (no User, claim or identity "
                   f"service in its code): nothing compares the caller with the object it names"), None


def _controllers(path: str, code: str, conventional: bool = False, gate: str | None = None,
                 cs: Sequence[tuple[str, str]] = ()) -> Iterator[CsRoute]:
    classes = list(_CLASS.finditer(code))
    for m in _ACTION.finditer(code):
        owner = next((c for c in reversed(classes) if c.start() < m.start()), None)
        if owner is None:
            continue
        name = owner.group("name")
        before = code[:owner.start()]
        prev = max((c.end() for c in classes if c.end() <= owner.start()), default=0)
        route = None
        for r in _CLASS_ROUTE.finditer(before, prev):
            route = r.group("path")
        prefix = (route or "").replace("[controller]", name.removesuffix("Controller"))
        template = m.group("path") or ""
        first, last = _attributes(code, m.start(), m.end())
        block = code[first:last]
        if not template:  # the action's own [Route("...")] beside a bare [HttpPost]
            own = [r.group("path") for r in _CLASS_ROUTE.finditer(block)]
            template = own[0] if own else ""
        if route is None and not template:  # conventional routing: the path is in the start-up's route table
            action = _ACTION_NAME.search(block)
            method = _METHOD_NAME.search(code, last)
            if not conventional or method is None:
                continue
            verb = action.group("name") if action else method.group("name").removesuffix("Async")
            template = f"/{name.removesuffix('Controller')}/{verb}"
        full = _join("", template.removeprefix("~")) if template.startswith(("/", "~/")) else _join(prefix, template)
        span = _span(code, last)
        yield CsRoute(m.group("verb").upper(), full, _at(path, code, m.start()), "ASP.NET Core controller",
                      _authz(path, code, before[prev:], block, last),
                      _permitted(code, before[prev:], block, last, gate),
                      _user_url_fetch(_literals_emptied(code[span[0].start():span[1]]) if span else "",
                                      cs or [(path, code)]))


_AUTHORIZE = re.compile(r"\[\s*(?:[\w\s,()]*,\s*)?Authorize\s*(?P<args>\([^)\]]*\))?\s*[,\]]")
_ANONYMOUS = re.compile(r"\bAllowAnonymous\b")
# What refers to the signed-in caller: the principal, its claims, or a service of the code that gives its identity.
_CALLER = re.compile(r"\b(?:User|HttpContext|ClaimsPrincipal|Claims?|\w*[Ii]dentity\w*|\w*[Uu]serId\w*|"
                     r"\w*[Aa]uthoriz\w*|\w*[Oo]wner\w*)\b")


def _span(code: str, last: int) -> tuple[re.Match[str], int] | None:
    """The name of the method declared after the attributes ending at ``last``, and where its body ends."""
    method = _METHOD_NAME.search(code, last)
    if method is None:
        return None
    params_end = close_bracket(code, method.end() - 1)
    rest = code[params_end:params_end + 200].lstrip()
    if rest.startswith("=>"):
        end = code.find(";", params_end)
    elif rest.startswith("{"):
        end = close_bracket(code, code.index("{", params_end))
    else:
        return None
    return method, end if end > 0 else len(code)


def _permitted(code: str, owner: str, block: str, last: int, gate: str | None) -> str | None:
    """``CsRoute.permitted``, when the action shows it."""
    if gate is None or _AUTHORIZE.search(block) or _AUTHORIZE.search(owner) or _ANONYMOUS.search(block) or \
            _ANONYMOUS.search(owner):
        return None
    span = _span(code, last)
    if span is None or _CALLER.search(code, span[0].start(), span[1]) or _CREDENTIAL.search(code, span[0].start(),
                                                                                           span[1]):
        return None
    return (f"neither {span[0].group('name')} nor its controller carries [Authorize], and {gate}: ASP.NET Core lets "
            "anyone call it, and its code never reads who calls")


# What checks a caller by something it sends (a header, a shared token, a key, a signature), not by a sign-in.
_CREDENTIAL = re.compile(r"\bRequest\s*\.\s*Headers\b|\[\s*FromHeader\b|[Tt]oken|[Aa]pi_?[Kk]ey|[Ss]ignature|"
                         r"[Ss]ecret")


def _authz(path: str, code: str, owner: str, block: str, last: int) -> tuple[str, str] | None:
    """What an action checks beyond authentication (``CsRoute.authz``), when its code shows it: nothing (``none``)
    under a bare ``[Authorize]``, the caller's role or policy (``role``) under ``[Authorize(Roles = ...)]``, when
    neither its signature nor its body names the caller (``User``, claims, an identity service)."""
    if _ANONYMOUS.search(block) or _ANONYMOUS.search(owner):
        return None
    found = _AUTHORIZE.search(block) or _AUTHORIZE.search(owner)
    span = _span(code, last)
    if found is None or span is None:
        return None
    method, end = span
    if _CALLER.search(code, method.start(), end):
        return None
    args = found.group("args") or ""
    level = "role" if re.search(r"\b(?:Roles|Policy)\b|\(\s*\"", args) else "none"
    where = _at(path, code, method.start())
    return level, (f"{method.group('name')} requires a signed-in caller ([Authorize]) and never refers to it (no User, "
                   f"claim or identity service in its code, {where.file}:{where.line}): nothing compares the caller "
                   "with the object it names")


def _join(prefix: str, path: str) -> str:
    """A prefix and a route template joined, each parameter's constraint or optional mark left out
    (``{id:int}``, ``{slug?}`` -> ``{id}``, ``{slug}``)."""
    joined = (prefix or "/") if not path or path == "/" else prefix.rstrip("/") + "/" + path.lstrip("/")
    return re.sub(r"\{\*{0,2}([A-Za-z_]\w*)[:?=][^}]*\}", r"{\1}", joined)


# A setting read by its key: ``Configuration["IdentityUrl"]``, ``configuration.GetValue<string>("urls:identity")``.
_SETTING = re.compile(r"(?:\[\s*|\bGetValue\s*<[^<>()\n]*>\s*\(\s*|\bGetSection\s*\(\s*)@?\"(?P<key>[^\"\\\n]+)\"")
_RECEIVER = re.compile(r"[A-Za-z_][\w.]*\s*$")
# The address a token validator or an OpenID Connect client takes its issuer's metadata and signing keys from.
_AUTHORITY = re.compile(r"\b(?:Authority|MetadataAddress)\s*=\s*$")
_LOCAL = re.compile(r"\b(?:var|string|Uri)\s+(?P<name>[A-Za-z_]\w*)\s*=\s*$")
_END_OF_USE = re.compile(r"\s*(?:\.\s*ToString\s*\(\s*\))?\s*[;,}]")


def setting_keys(texts: Sequence[tuple[str, str]]) -> set[str]:
    """The settings keys a service's C# files (comments blanked) read by name: ``Configuration["A:B"]``,
    ``GetValue<T>("B")``, ``GetSection("A")``, as written."""
    return {m.group("key") for path, code in texts if path.endswith(".cs") for m in _SETTING.finditer(code)}


def token_authorities(texts: Sequence[tuple[str, str]]) -> dict[str, Location]:
    """The settings a service's C# files (comments blanked) read only to give a JWT bearer handler or an OpenID
    Connect client its ``Authority`` (or ``MetadataAddress``), by key as written, with where: the middleware fetches
    the issuer's discovery document and signing keys from that address once and keeps them, so no request waits
    on a call to it. A setting read anywhere for anything else (a base address, a string built from it, a settings
    class's property of the same name that may carry it elsewhere) is not one."""
    found: dict[str, Location] = {}
    other: set[str] = set()
    for path, code in texts:
        if not path.endswith(".cs"):
            continue
        for m in _SETTING.finditer(code):
            key = m.group("key")
            line = code.rfind("\n", 0, m.start()) + 1
            before = _RECEIVER.sub("", code[line:m.start()])
            if _AUTHORITY.search(before):
                found.setdefault(key, _at(path, code, m.start()))
                continue
            local = _LOCAL.search(before)
            uses = list(re.finditer(rf"\b{re.escape(local.group('name'))}\b", code[m.end():])) if local else []
            if not uses or not all(_AUTHORITY.search(_RECEIVER.sub("", code[code.rfind("\n", 0, m.end() + u.start())
                                                                          + 1:m.end() + u.start()]))
                                   and _END_OF_USE.match(code, m.end() + u.end()) for u in uses):
                other.add(key)
                continue
            found.setdefault(key, _at(path, code, m.end() + uses[0].start()))
        leaf = {k.rsplit(":", 1)[-1].lower() for k in found}
        other.update(k for k in found if k.rsplit(":", 1)[-1].lower() in leaf and re.search(
            rf"\b{re.escape(k.rsplit(':', 1)[-1])}\s*\{{\s*get\b", code, re.IGNORECASE))
    return {k: at for k, at in sorted(found.items()) if k not in other}


_HEALTH_MAP = re.compile(r"\.\s*(?:MapHealthChecks|UseHealthChecks)\s*\(")
# What serves requests besides health checks: endpoint mappings of every kind, MVC, SPA and static files.
_SERVES = re.compile(r"\.\s*(?:Map(?:Controllers|ControllerRoute|DefaultControllerRoute|AreaControllerRoute|Get|Post|"
                     r"Put|Delete|Patch|Methods|RazorPages|Hub|GrpcService|GrpcReflectionService|Fallback\w*|"
                     r"BlazorHub|Group|When|HealthChecksUI)?|Use(?:Mvc\w*|Spa\w*|StaticFiles|FileServer|"
                     r"HealthChecksUI|GrpcWeb|WebSockets|Ocelot|DirectoryBrowser))\s*[<(]")


def health_only(texts: Sequence[tuple[str, str]]) -> Location | None:
    """Where a service's C# files (comments blanked) map health checks (``endpoints.MapHealthChecks("/hc")``), when
    that is all their web server maps: no endpoint, controller, hub, gRPC service, page or static file besides."""
    first: Location | None = None
    for path, code in texts:
        if not path.endswith(".cs"):
            continue
        for m in _SERVES.finditer(code):
            if not _HEALTH_MAP.match(code, m.start()):
                return None
        health = _HEALTH_MAP.search(code)
        if health is not None and first is None:
            first = _at(path, code, health.start() + code[health.start():].index(next(
                w for w in ("MapHealthChecks", "UseHealthChecks") if w in code[health.start():health.end()])))
    return first


__all__ = ["CsRoute", "base_type", "calls_a_write", "command_reads", "fields", "health_only", "methods", "minimal_body",
           "routes", "setting_keys", "store_write", "token_authorities", "written_body_type"]
