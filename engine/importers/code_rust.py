"""The routes a service's Rust code declares (``archplan import source``): actix-web and axum.

- actix-web: ``.route("/items/{id}", web::get().to(handler))`` on an ``App`` (``web::post()``, ``web::put()``,
  ``web::delete()``, ``web::patch()``, ``web::head()``), and the route macros on a handler (``#[get("/items")]``,
  ``#[post(...)]``..., also written ``#[actix_web::get(...)]``) that ``.service(handler)`` mounts;
- axum: ``.route("/items/:id", get(list).post(create))`` (``routing::get``...): one route per method router.

A route whose handler (``.to(handler)``, ``get(handler)``: a function of the service's Rust code) names a path
(``"/generate/image"``) and sends an HTTP request with reqwest (``client.post(&url)...send()``), in its body or in a
function of the service it calls, passes the request on to that path (``forwards``): ``compose`` finds the route
there, at a service it calls.

actix-web's ``web::scope("/api")`` and ``web::resource("/items")`` are followed through their chain of calls: a
``.route("/x", ...)`` of a scope is served at the scope's prefix joined to its path as actix-web joins them (``/api`` +
``/x``, ``/site`` + ``""`` is ``/site``), a scope or resource given to ``.service(...)`` is nested under it, and a
resource's ``.route(web::get().to(handler))`` is served at the resource's path. A rate-limiting middleware
(``.wrap(rate_limit.message())``, named rate limit, limiter or throttle as a Go one is: ``code_go.limiter_named``) on a
scope or resource, or on a route's own handler, limits every route under it (``throttle``). An axum router nested
under a prefix, and routes a ``configure``'d function adds under a scope, take no prefix here: their path is the one
written.

A service that hands its web framework shared state (``web::Data::new``, axum's ``with_state`` or ``Extension``)
holding records behind a lock that its code writes through (a ``RwLock<ProductStore>`` field written with
``.write()``), and whose build names no datastore client crate, keeps those records in its own memory
(``shared_store``): a restart loses them and a second instance has its own.

The ports its actix-web servers bind (``listeners``): a literal, or a field of its settings struct given by the
configuration file handed over with the code (Hjson, JSON) or by the field's ``#[default(...)]``; a server whose
settings are an optional section the configuration leaves out (``prometheus: Option<PrometheusConfig>``, default
``None``) does not run, and neither do the routes of its app. A handler that hands a path segment it reads
(``req.match_info()``) to a parameter named as a credential (``jwt``, ``token``) takes a credential in its URL; one
that hands a URL field of its query or body (``data.url`` of a ``Query<...>``) to reqwest, in its body or through a
function of the service, fetches a URL its caller names (no allowlist is read: a check of internal address ranges is
a blocklist).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_go import limiter_named

_ROUTE = re.compile(r"\.\s*route\s*\(\s*\"(?P<path>[^\"\\\n]*)\"\s*,")
_MACRO = re.compile(r"#\[\s*(?:actix_web::)?(?P<verb>get|post|put|delete|patch|head)\s*\(\s*\"(?P<path>[^\"\\\n]*)\"")
_METHOD = re.compile(r"(?<![\w.])(?:web::|routing::|axum::routing::)?(?P<verb>get|post|put|delete|patch|head)\s*\(|"
                     r"\.\s*(?P<chained>get|post|put|delete|patch|head)\s*\(")


@dataclass(frozen=True)
class RustRoute:
    """A route of the Rust code: method, path as written, where, and how."""

    method: str
    path: str
    at: Location
    framework: str
    forwards: tuple[str, Location] | None = None
    """The path its handler passes the request on to, at another service, and where the handler names it."""
    throttle: str | None = None
    """The rate-limiting middleware wrapped around it (its scope's, its resource's or its own), and where."""
    writes: str | None = None
    """The write its handler makes by name (``LocalImage::delete_by_alias(`` at file:line), when its body shows one."""
    url_credential: str | None = None
    """How its handler takes a credential from its URL: a path segment handed to a parameter named as one (``jwt``)."""
    fetch: str | None = None
    """How its handler fetches a URL its request names: a URL field of its query or body sent with reqwest."""


def routes(texts: Sequence[tuple[str, str]]) -> list[RustRoute]:
    """The routes the Rust files (comments blanked) declare."""
    out: list[RustRoute] = []
    for path, text in texts:
        if "actix_web" not in text and "axum" not in text:
            continue
        framework = "actix-web" if "actix_web" in text else "axum"
        spans: list[tuple[int, int]] = []
        if framework == "actix-web":
            for m in _SCOPE.finditer(text):
                if any(a <= m.start() < b for a, b in spans):
                    continue  # nested in a scope already read, with its prefix
                end, found = _scoped(text, m, "", None, path, texts)
                spans.append((m.start(), end))
                out.extend(found)
        for m in _ROUTE.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            handler = _argument(text, m.end())
            for verb in _verbs(handler):
                out.append(RustRoute(verb, m.group("path"), _at(path, text, m.start()), framework,
                                     _forwards(texts, handler), writes=_writes(texts, handler, path),
                                     url_credential=_url_credential(texts, handler, path),
                                     fetch=_url_fetch(texts, handler, path)))
        for m in _MACRO.finditer(text):
            out.append(RustRoute(m.group("verb").upper(), m.group("path"), _at(path, text, m.start()), "actix-web"))
    return out


_HANDLER = re.compile(r"(?:\.\s*to|\b(?:get|post|put|delete|patch|head))\s*\(\s*([A-Za-z_]\w*)\s*\)")
_PATH_LITERAL = re.compile(r"\"(/[\w./{}-]*)\"")
_SENDS = re.compile(r"\.\s*(?:get|post|put|patch|delete|request)\s*\([^;]*?\.\s*send\s*\(\s*\)", re.DOTALL)
"""A reqwest request built and sent (``client.post(&url).header(...).send()``)."""
_CALL = re.compile(r"(?<![\w.:])([a-z_]\w*)\s*\(")


def _function(texts: Sequence[tuple[str, str]], name: str, near: str = "") -> tuple[str, str, int] | None:
    """The body of the one function ``name`` of the Rust files (its file, its text, where it starts); of several, the
    one function of that name in the file ``near`` (where the route names it), if there is one."""
    found = [(path, text, m.end()) for path, text in texts
             for m in re.finditer(rf"\bfn\s+{re.escape(name)}\s*(?:<[^>{{]*>)?\s*\(", text)]
    if len(found) > 1:
        found = [f for f in found if f[0] == near]
    if len(found) != 1:
        return None
    path, text, start = found[0]
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for i in range(brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return path, text[brace:i + 1], brace
    return None


_WRITE_CALL = re.compile(r"\b(?:diesel::(?:insert_into|update|delete)|[A-Z]\w*::(?:create|insert|update|delete|remove|"
                         r"purge)\w*)\s*\(")
"""A write a handler makes by name: diesel's ``insert_into``/``update``/``delete``, or an associated function of a type
named for creating, changing or removing (``Post::create(``, ``LocalImage::delete_by_alias(``)."""


def _writes(texts: Sequence[tuple[str, str]], handler_arg: str, near: str) -> str | None:
    """The first write the body of a route's handler (a function of the service's Rust code, of the route's file
    ``near`` when several have its name) makes, and where."""
    handler = _handler(texts, handler_arg, near)
    call = _WRITE_CALL.search(handler[2]) if handler else None
    if handler is None or call is None:
        return None
    path, text, _code, start, _name = handler
    at = _at(path, text, start + call.start())
    return f"{call.group(0).rstrip('( ')}() at {os.path.basename(path)}:{at.line}"


_SEGMENT = re.compile(r"\blet\s+(\w+)\s*(?::[^=;]+)?=\s*\w+\s*\.\s*match_info\s*\(\s*\)\s*\.\s*(?:get|query)\s*\(\s*"
                      r"\"(\w+)\"")
"""A path segment a handler reads by name (actix-web's ``req.match_info().get("name")``) into a variable."""
_CREDENTIAL_PARAM = re.compile(r"(?:\w+_)?(?:jwt|token|auth_token|access_token|api_?key|password|secret)",
                               re.IGNORECASE)
"""A function parameter named as a credential (``jwt``, ``auth_token``, ``api_key``)."""


def _signature(texts: Sequence[tuple[str, str]], name: str) -> list[tuple[str, str]] | None:
    """The parameters (name, type) of the one function ``name`` of the Rust files, in order; None when not one."""
    found = [(text, m.end()) for _p, text in texts
             for m in re.finditer(rf"\bfn\s+{re.escape(name)}\s*(?:<[^>{{]*>)?\s*\(", text)]
    if len(found) != 1:
        return None
    text, start = found[0]
    return [(p.partition(":")[0].strip().removeprefix("mut ").strip(), p.partition(":")[2].strip())
            for p in _split(text[start:_close(text, start) - 1])]


def _params(texts: Sequence[tuple[str, str]], name: str) -> list[str] | None:
    """The parameter names of the one function ``name`` of the Rust files, in order; None when not one."""
    found = _signature(texts, name)
    return None if found is None else [n for n, _t in found]


_EXTRACTOR = re.compile(r"(?:web\s*::\s*)?(?:Query|Json|Form)\s*<")
"""An actix-web extractor of the request's query string or body (``Query<GetSiteMetadata>``, ``web::Json<Form>``)."""
_URL_FIELD = r"(?:\w*_)?(?:url|link|href|uri)"
"""A request field that names an address to fetch (``url``, ``link``, ``callback_url``)."""


def _sends(code: str, var: str) -> re.Match[str] | None:
    """A reqwest request to ``var`` built and sent in ``code`` (``client.get(url.as_str())...send()``)."""
    return re.search(rf"\.\s*(?:get|post|put|patch|delete|head)\s*\(\s*&?\s*{re.escape(var)}\b[^;]*?\.\s*send\s*"
                     r"\(\s*\)", code, re.DOTALL)


def _url_fetch(texts: Sequence[tuple[str, str]], handler_arg: str, near: str) -> str | None:
    """How a route's handler fetches a URL its request names: a URL field of its query or body extractor
    (``data.url`` of ``Query<GetSiteMetadata>``), or a variable made from it (``let url = Url::parse(&data.url)?``),
    sent with reqwest in its body or by a function of the service it hands it to (whose parameter there it sends)."""
    handler = _handler(texts, handler_arg, near)
    signature = _signature(texts, handler[4]) if handler else None
    if handler is None or not signature:
        return None
    path, text, code, start, name = handler
    for ext, _type in (p for p in signature if _EXTRACTOR.match(p[1])):
        for field in re.finditer(rf"\b{re.escape(ext)}\s*\.\s*({_URL_FIELD})\b", code):
            given = f"{ext}.{field.group(1)}"
            names = [given, *(m.group(1) for m in re.finditer(
                rf"\blet\s+(\w+)\s*(?::[^=;]+)?=[^;]*\b{re.escape(ext)}\s*\.\s*{field.group(1)}\b[^;]*;", code))]
            for var in names:
                if _sends(code, var) is not None:
                    return (f"its handler sends {given} from the request with reqwest ({os.path.basename(path)}), with "
                            "no allowlist of hosts on the way")
                for call in _CALL.finditer(code):
                    args = [a.strip().lstrip("&").strip() for a in
                            _split(code[call.end():_close(code, call.end()) - 1])]
                    if var not in args or call.group(1) == name:
                        continue
                    params, callee = _params(texts, call.group(1)), _function(texts, call.group(1))
                    i = args.index(var)
                    if params and callee and i < len(params) and _sends(callee[1], params[i]) is not None:
                        at = _at(path, text, start + call.start())
                        return (f"its handler hands {given} from the request to {call.group(1)}() "
                                f"({os.path.basename(path)}:{at.line}), which sends it with reqwest "
                                f"({os.path.basename(callee[0])}), with no allowlist of hosts on the way")
    return None


def _url_credential(texts: Sequence[tuple[str, str]], handler_arg: str, near: str) -> str | None:
    """How a route's handler takes a credential from its URL: a path segment it reads (``req.match_info().get("name")``)
    and hands, unchanged, to a function of the service whose parameter there is named as a credential
    (``get_feed_front(&context, &param)`` with ``fn get_feed_front(context: &Ctx, jwt: &str)``)."""
    handler = _handler(texts, handler_arg, near)
    if handler is None:
        return None
    path, text, code, start, name = handler
    segments = {m.group(1): m.group(2) for m in _SEGMENT.finditer(code)}
    for call in _CALL.finditer(code):
        callee = call.group(1)
        if not segments or callee == name:
            continue
        args = [a.strip().lstrip("&").strip() for a in _split(code[call.end():_close(code, call.end()) - 1])]
        params = _params(texts, callee) if any(a in segments for a in args) else None
        for i, arg in enumerate(args):
            if params is not None and arg in segments and i < len(params) and \
                    _CREDENTIAL_PARAM.fullmatch(params[i]) is not None:
                at = _at(path, text, start + call.start())
                return (f"its handler reads the path segment {{{segments[arg]}}} and hands it to {callee}()'s "
                        f"parameter {params[i]} ({os.path.basename(path)}:{at.line})")
    return None


def _forwards(texts: Sequence[tuple[str, str]], handler_arg: str) -> tuple[str, Location] | None:
    """The path a route's handler passes the request on to: a path literal of its body, when the body, or a function
    of the service it calls, sends a reqwest request."""
    handler = _handler(texts, handler_arg)
    literal = _PATH_LITERAL.search(handler[2]) if handler else None
    if handler is None or literal is None:
        return None
    path, text, code, start, name = handler
    sends = _SENDS.search(code) is not None or any(
        (callee := _function(texts, c.group(1))) is not None and _SENDS.search(callee[1]) is not None
        for c in _CALL.finditer(code) if c.group(1) != name)
    if not sends:
        return None
    return literal.group(1), _at(path, text, start + literal.start())


def _handler(texts: Sequence[tuple[str, str]], handler_arg: str,
             near: str = "") -> tuple[str, str, str, int, str] | None:
    """The function of the service's Rust code a route's handler argument names (``.to(show)``): its file, the file's
    text, its body, where the body starts and its name; of several of that name, the one in the file ``near``."""
    named = _HANDLER.search(handler_arg)
    body = _function(texts, named.group(1), near) if named else None
    if named is None or body is None:
        return None
    path, code, start = body
    return path, next(t for p, t in texts if p == path), code, start, named.group(1)


_SHARED = re.compile(r"\bweb::Data::new\s*\(|\.\s*with_state\s*\(|\bExtension\s*\(")
_LOCKED_FIELD = re.compile(r"\b(\w+)\s*:\s*(?:Arc\s*<\s*)?(RwLock|Mutex)\s*<\s*([\w:]+(?:\s*<[^<>\n]*>)?)\s*>")
_NOT_RECORDS = re.compile(r"client|pool|conn|sender|receiver|channel|cache|config|settings|limiter|metric|counter",
                          re.IGNORECASE)
_DATASTORE_CRATES = re.compile(
    r"^\s*(?:sqlx|diesel|mongodb|redis|postgres|tokio-postgres|sea-orm|rusqlite|mysql|mysql_async|deadpool-[\w-]+|"
    r"bb8(?:-[\w-]+)?|r2d2(?:[_-]\w+)?|scylla|cdrs-tokio|elasticsearch|opensearch|aws-sdk-dynamodb|aws-sdk-s3|"
    r"surrealdb|sled|rocksdb|azure_data_cosmos|fred|memcache|tiberius|etcd-client|neo4rs)\s*=", re.MULTILINE)
"""Crates by which a Rust service keeps its data outside its process (databases, key-value stores, object stores)."""


def shared_store(texts: Sequence[tuple[str, str]], builds: Sequence[str]) -> tuple[str, Location] | None:
    """The first lock-guarded field of records that the service's Rust code (comments blanked) writes through, when it
    hands its web framework shared state and its build files (``builds``, Cargo.toml texts) name no datastore crate;
    what it is and where it is declared. None otherwise, and with no build file (its crates are then unknown)."""
    if not builds or any(_DATASTORE_CRATES.search(b) for b in builds) or not any(
            _SHARED.search(t) for _p, t in texts):
        return None
    for path, text in texts:
        for m in _LOCKED_FIELD.finditer(text):
            field, lock, inner = m.group(1), m.group(2), " ".join(m.group(3).split())
            if _NOT_RECORDS.search(inner) or _NOT_RECORDS.search(field):
                continue
            writer = "write" if lock == "RwLock" else "lock"
            if any(re.search(rf"\.\s*{field}\s*\.\s*{writer}\s*\(\s*\)", t) for _p, t in texts):
                return f"{field}: {lock}<{inner}> in the shared state", _at(path, text, m.start())
    return None

_SCOPE = re.compile(r"(?<![\w.])(?:web::)?(?P<kind>scope|resource)\s*\(\s*\"(?P<path>[^\"\\\n]*)\"\s*\)")
"""An actix-web scope or resource with its path: ``web::scope("/api")``, ``resource("/items")`` (``use web::*``)."""
_CHAINED = re.compile(r"\s*\.\s*(\w+)\s*(?:::\s*<[^>()]*>\s*)?\(")


def _scan(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character of ``text`` from ``start`` outside string literals, with its bracket depth (that of the brackets
    opened before it, from ``start``, and not yet closed)."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        else:
            yield i, c, depth
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
        i += 1


def _close(text: str, start: int) -> int:
    """The index just past the parenthesis closing the one open before ``start``, string literals skipped; the end of
    the text when it does not close."""
    return next((i + 1 for i, c, depth in _scan(text, start) if c in ")]}" and depth == 0), len(text))


def _calls(text: str, start: int) -> tuple[list[tuple[str, int, int]], int]:
    """The method calls chained from ``start`` (``.route(...).wrap(...)``): each name with where its arguments start
    and end, and where the chain ends."""
    out: list[tuple[str, int, int]] = []
    while (m := _CHAINED.match(text, start)) is not None:
        end = _close(text, m.end())
        out.append((m.group(1), m.end(), end - 1))
        start = end
    return out, start


def _split(args: str) -> list[str]:
    """Top-level arguments of a call, split at their commas (nested calls and string literals kept whole)."""
    cuts = [i for i, c, depth in _scan(args) if c == "," and depth == 0]
    return [a for a in (args[i + 1:j] for i, j in zip([-1, *cuts], [*cuts, len(args)], strict=True)) if a.strip()]


def _prefixed(prefix: str, path: str) -> str:
    """A scope's prefix and a path as actix-web joins them: concatenated, a path without a leading slash given one."""
    if path and not path.startswith("/"):
        path = "/" + path
    return (prefix + path) or "/"


def _throttle(args: str, at: Location) -> str | None:
    """The rate-limiting middleware ``.wrap(args)`` names, with where, or None."""
    named = limiter_named(args)
    return f"the rate-limiting middleware {named} wrapped at {at.file}:{at.line}" if named else None


def _scoped(text: str, m: re.Match[str], prefix: str, throttle: str | None, path: str,
            texts: Sequence[tuple[str, str]]) -> tuple[int, list[RustRoute]]:
    """The routes of the scope or resource ``m`` (under ``prefix`` and the limiter of the scopes around it), and where
    its chain of calls ends."""
    here = _prefixed(prefix, m.group("path"))
    calls, end = _calls(text, m.end())
    wrap = next((t for name, a, b in calls if name == "wrap"
                 for t in [_throttle(text[a:b], _at(path, text, a))] if t), None)
    throttle = throttle or wrap
    out: list[RustRoute] = []
    for name, a, b in calls:
        args = text[a:b]
        if name == "route":
            parts = _split(args)
            if m.group("kind") == "resource" and len(parts) == 1:
                at, sub, handler = a, "", parts[0]
            elif len(parts) == 2 and (lit := re.fullmatch(r'\s*"([^"\\\n]*)"\s*', parts[0])):
                at, sub, handler = a, lit.group(1), parts[1]
            else:
                continue
            own = next((t for h in re.finditer(r"\.\s*wrap\s*\(", handler)
                        for t in [_throttle(handler[h.end():], _at(path, text, a))] if t), None)
            for verb in _verbs(handler):
                out.append(RustRoute(verb, _prefixed(here, sub), _at(path, text, at), "actix-web",
                                     _forwards(texts, handler), throttle=throttle or own,
                                     writes=_writes(texts, handler, path),
                                     url_credential=_url_credential(texts, handler, path),
                                     fetch=_url_fetch(texts, handler, path)))
        elif name == "to" and m.group("kind") == "resource":  # every method, on the resource's path
            out.append(RustRoute("ANY", here, _at(path, text, a), "actix-web", _forwards(texts, f".to({args})"),
                                 throttle=throttle))
        elif name == "service":
            done = a
            for inner in _SCOPE.finditer(text, a, b):
                if inner.start() < done:
                    continue  # a scope nested in the one just read
                done, nested = _scoped(text, inner, here, throttle, path, texts)
                out.extend(nested)
    return end, out


def _argument(text: str, start: int) -> str:
    """The rest of a call's arguments from ``start`` up to its closing parenthesis."""
    depth = 0
    for i in range(start, min(len(text), start + 2000)):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return text[start:i]
            depth -= 1
    return ""


def _verbs(handler: str) -> Iterator[str]:
    """The HTTP methods a route's handler argument serves: ``web::get()``, ``get(h).post(h2)``."""
    seen: set[str] = set()
    for m in _METHOD.finditer(handler):
        verb = (m.group("verb") or m.group("chained")).upper()
        if verb not in seen:
            seen.add(verb)
            yield verb


@dataclass(frozen=True)
class Listener:
    """A port an actix-web ``HttpServer`` of the service binds, and whether it runs with the configuration given."""

    port: int
    at: Location
    why: str
    runs: bool = True
    lines: tuple[int, int] = (0, 0)
    """The lines of its ``HttpServer::new(...)`` (the app factory whose routes it serves)."""


_SERVER = re.compile(r"\bHttpServer\s*::\s*new\s*\(")
_TEST_MODULE = re.compile(r"#\[\s*cfg\s*\(\s*test\s*\)\s*\]\s*(?:#\[[^\]\n]*\]\s*)*(?:pub\s+)?mod\s+\w+\s*\{")
"""A module compiled only for the crate's tests (``#[cfg(test)] mod tests {``)."""
_STRUCT = re.compile(r"\bstruct\s+(\w+)\s*\{")
_FIELD = re.compile(r"^\s*(?:pub(?:\s*\([\w:\s]*\))?\s+)?(\w+)\s*:\s*([^,]+?)\s*,?\s*$")
_DEFAULT_ATTR = re.compile(r"^\s*#\[\s*default\s*\((.*)\)\s*\]\s*$")
_PORT_LITERAL = re.compile(r"\s*(?:\"[^\"\n]*:(\d{1,5})\"|(\d{1,5}))\s*(?:as\s+\w+\s*)?")


def _structs(texts: Sequence[tuple[str, str]]) -> dict[str, dict[str, tuple[str, str | None]]]:
    """Each struct of the code: field -> (type, the ``#[default(...)]`` it is given, if any)."""
    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    for _path, text in texts:
        for m in _STRUCT.finditer(text):
            fields: dict[str, tuple[str, str | None]] = {}
            default: str | None = None
            for line in text[m.end():_close(text, m.end()) - 1].splitlines():
                if (d := _DEFAULT_ATTR.match(line)) is not None:
                    default = d.group(1).strip()
                elif (f := _FIELD.match(line)) is not None:
                    fields[f.group(1)] = (f.group(2).strip(), default)
                    default = None
            out.setdefault(m.group(1), fields)
    return out


def _config_values(configs: Sequence[tuple[str, str]]) -> dict[str, str] | None:
    """The keys of the service's brace-nested configuration files (Hjson, JSON), dotted (``prometheus.port``) -> their
    value as written; None when none is given."""
    if not configs:
        return None
    out: dict[str, str] = {}
    for _path, text in configs:
        stack: list[str] = []
        for raw in text.splitlines():
            line = re.sub(r"(?:^|\s)(?:#|//).*$", "", raw).strip()
            if (m := re.match(r"^\"?([\w-]+)\"?\s*:\s*(.*?)\s*,?$", line)) is not None:
                key, value = m.group(1), m.group(2)
                if value.startswith("{"):
                    out.setdefault(".".join([*stack, key]), "{")
                    if not value.endswith("}"):
                        stack.append(key)
                else:
                    out.setdefault(".".join([*stack, key]), value.strip("\"'"))
            elif line.startswith("}") and stack:
                stack.pop()
    return out


def _bound_port(texts: Sequence[tuple[str, str]], text: str, pos: int, expr: str,
                structs: dict[str, dict[str, tuple[str, str | None]]], config: dict[str, str] | None
                ) -> tuple[int, str, bool] | None:
    """(port, how it is known, whether the server runs) of a ``.bind(expr)``; None when not known."""
    expr = expr.strip()
    if re.fullmatch(r"\w+", expr):  # let bind = (settings.bind, settings.port);
        lets = list(re.finditer(rf"\blet\s+{expr}\s*=\s*([^;]+);", text[:pos]))
        if not lets:
            return None
        expr = lets[-1].group(1).strip()
    parts = _split(expr[1:-1]) if expr.startswith("(") and expr.endswith(")") else [expr]
    port = parts[-1].strip()
    if (lit := _PORT_LITERAL.fullmatch(port)) is not None:
        return int(lit.group(1) or lit.group(2)), f"the literal {port.strip()}", True
    field = re.fullmatch(r"(\w+)\s*\.\s*(\w+)(?:\s+as\s+\w+)?", port)
    if field is None or config is None:
        return None
    recv, name = field.groups()
    typed = list(re.finditer(rf"\b{recv}\s*:\s*&?\s*(?:mut\s+)?(?:\w+\s*<\s*)?([A-Z]\w*)", text[:pos])) or \
        [m for _p, t in texts for m in re.finditer(rf"\bstatic\s+{recv}\s*:\s*(?:\w+\s*<\s*)?([A-Z]\w*)", t)]
    if not typed or name not in structs.get(typed[-1].group(1), {}):
        return None
    kind = typed[-1].group(1)
    _type, default = structs[kind][name]
    holders = [(f, t, d) for fields in structs.values() for f, (t, d) in fields.items()
               if re.fullmatch(rf"(?:Option\s*<\s*)?{kind}\s*>?", t)]
    if len(holders) > 1:
        return None
    key = f"{holders[0][0]}.{name}" if holders else name
    if holders and holders[0][1].startswith("Option") and holders[0][2] in (None, "None") \
            and holders[0][0] not in config:
        return 0, f"{kind}'s {name}, a setting {holders[0][0]} the configuration leaves unset", False
    value = config.get(key, default or "")
    if not re.fullmatch(r"\d{1,5}", value):
        return None
    how = f"the configuration's {key}" if key in config else f"{kind}'s default {name}"
    return int(value), how, True


def listeners(texts: Sequence[tuple[str, str]], configs: Sequence[tuple[str, str]]) -> tuple[Listener, ...] | None:
    """The ports the service's actix-web servers bind (``HttpServer::new(...).bind(...)``): a literal, or a field of
    its settings struct (``(settings.bind, settings.port)``) given by its configuration file (Hjson, JSON) or its
    ``#[default(...)]``; a server whose settings are an optional section the configuration leaves out
    (``prometheus: Option<PrometheusConfig>``, ``#[default(None)]``) does not run. None when a server's port is not
    known, or the code starts none."""
    structs = _structs(texts)
    config = _config_values(configs)
    out: list[Listener] = []
    for path, text in texts:
        tests = [(t.start(), _close(text, t.end())) for t in _TEST_MODULE.finditer(text)]
        for m in _SERVER.finditer(text):
            if any(a <= m.start() < b for a, b in tests):
                continue  # a server a test starts
            factory = _close(text, m.end())
            calls, _end = _calls(text, factory)
            bind = next(((a, b) for name, a, b in calls if name.startswith(("bind", "listen"))), None)
            if bind is None or not calls[0][0].startswith(("bind", "listen", "disable", "workers", "keep_alive",
                                                           "client", "shutdown", "backlog", "max_conn")):
                return None
            found = _bound_port(texts, text, m.start(), text[bind[0]:bind[1]], structs, config)
            if found is None:
                return None
            out.append(Listener(found[0], _at(path, text, bind[0]), found[1], found[2],
                                (_at(path, text, m.start()).line, _at(path, text, factory).line)))
    return tuple(out) or None


def _at(path: str, text: str, start: int) -> Location:
    line = text.count("\n", 0, start) + 1
    return Location(path, line, start - (text.rfind("\n", 0, start) + 1) + 1)


__all__ = ["Listener", "RustRoute", "listeners", "routes", "shared_store"]
