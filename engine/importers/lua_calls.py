"""What an OpenResty location's Lua calls: the modules its handler requires, and the clients they open.

nginx finds a module named by ``require "api/post/compose"`` through ``lua_package_path``
(``/usr/local/openresty/nginx/lua-scripts/?.lua``): paths inside the container. A repository keeps
those scripts in a folder of the same name near the configuration (``nginx-web-server/lua-scripts``,
mounted or copied there), so a module is looked up under the configuration's folder and its parents
(three levels up), by the longest tail of the package path's folder that exists there. Only the
modules the handler requires are read, not the modules they require in turn (libraries).

The clients are recognised by the catalogue's ``lua_clients`` (``engine/data/artifacts.yaml``): a
regular expression per client with the host and port it connects to, and the client library's
default timeout where the catalogue knows one. Lua comments are skipped, so a call left commented
out is no call.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import infra
from engine.importers.base import field_class, most_sensitive
from engine.importers.code_go import WRITE_VERBS

_REQUIRE = re.compile(r"""\brequire\s*\(?\s*["']([A-Za-z0-9_./-]+)["']""")
_PARENTS = 3


@dataclass(frozen=True)
class LuaCall:
    """One client connection a Lua script opens."""

    host: str
    port: int | None
    protocol: str
    location: Location
    what: str
    timeout: tuple[int, str] | None
    """The client's timeout in milliseconds and why, when the catalogue knows the library's default."""


def reads_credentials(lua: str) -> bool:
    """Whether Lua code (comments skipped) touches a credential: the catalogue's ``lua_credentials``, outside the
    tests that a request field is present at all (``lua_presence_checks``: a password only required to be there
    is checked by nobody)."""
    cat = infra.catalog()
    return cat.lua_credentials.search(cat.lua_presence_checks.sub(" ", code_only(lua))) is not None


def object_ids(path: str, text: str) -> list[tuple[str, Location]]:
    """The ids of stored objects a Lua handler reads from the request (catalogue ``lua_object_ids``: the
    group ``name``), each with where it is first read (comments skipped)."""
    code = code_only(text)
    seen: dict[str, Location] = {}
    for m in infra.catalog().lua_object_ids.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        seen.setdefault(m.group(0), Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1))
    return sorted(seen.items(), key=lambda kv: (kv[1].line, kv[1].column))


def request_classification(path: str, text: str) -> tuple[str, str, Location] | None:
    """The most sensitive data a Lua handler reads from the request, as a hint (comments skipped): a field the
    shared classifier names (``post.password``: confidential, ``post.email``: pii), or one naming the user the
    request acts for (``post.user_id``, catalogue ``lua_request_fields``), which makes it that user's data (pii).
    (class, field, where it is first read), or None."""
    cat = infra.catalog()
    code = code_only(text)
    found: list[tuple[str, str]] = []
    where: dict[str, Location] = {}
    for m in cat.lua_request_fields.finditer(code):
        name = m.group("name")
        cls = field_class(name) or ("pii" if cat.lua_user_fields.fullmatch(name) else None)
        if cls is None or name in where:
            continue
        line = code.count("\n", 0, m.start()) + 1
        where[name] = Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
        found.append((cls, name))
    best = most_sensitive(found)
    return (best[0], best[1], where[best[1]]) if best else None


_POST_ARGS = re.compile(r"\bngx\.req\.get_post_args\s*\(")
_URI_ARGS = re.compile(r"\bngx\.req\.get_uri_args\s*\(")


def request_method(path: str, text: str) -> tuple[str, Location] | None:
    """The method a handler's Lua serves, when its reading of the request says so (comments skipped): the
    body's form arguments (``ngx.req.get_post_args``) and never the query's is a POST, the query's alone a
    GET; both or neither say nothing. Where it is read."""
    code = code_only(text)
    post, uri = _POST_ARGS.search(code), _URI_ARGS.search(code)
    if (post is None) == (uri is None):
        return None
    m, method = (post, "POST") if post is not None else (uri, "GET")
    assert m is not None
    line = code.count("\n", 0, m.start()) + 1
    return method, Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)


_RPC_WRITE_VERBS = (*WRITE_VERBS, "Write", "Upload", "Compose", "Store", "Post", "Send", "Publish", "Set", "Follow",
                    "Unfollow")
"""The verbs a remote procedure that changes state is named with (``WriteMovieInfo``, ``UploadText``,
``ComposePost``, ``Follow``), beside the Go readers' write verbs (``Create``, ``Update``, ``Delete``...)."""
_WRITE_NAME = rf"((?:{'|'.join(_RPC_WRITE_VERBS)})(?![a-z])\w*)"
_METHOD_CALL = re.compile(rf"(?<![\w.:])([A-Za-z_]\w*)\s*:\s*{_WRITE_NAME}\s*\(|"
                          rf"\bpcall\s*\(\s*([A-Za-z_]\w*)\s*\.\s*{_WRITE_NAME}\s*,")
"""``client:WritePlot(...)``, or the same call made protected: ``pcall(client.Follow, client, ...)``."""
_CLIENT_SETTING = re.compile(r"Set(?:Timeout|Option|Header|Socket|Protocol|Transport|KeepAlive)", re.IGNORECASE)
"""A setter of the client itself (``client:SetTimeout(2000)``), not a procedure of the service."""
_ASSIGNED = re.compile(r"(?:\blocal\s+)?([A-Za-z_]\w*)\s*=\s*$")


def writes(path: str, text: str, first_line: int = 1) -> tuple[str, Location] | None:
    """The first remote procedure named for a change of state (``_RPC_WRITE_VERBS``) that a Lua handler calls on a
    client it opens (a variable given a connection the catalogue's ``lua_clients`` recognise: ``local client =
    GenericObjectPool:connection(...)`` then ``client:WriteMovieInfo(...)`` or ``pcall(client.Follow, client,
    ...)``), and where (comments skipped); None
    when it calls none. ``first_line``: as for ``calls_in``."""
    code = code_only(text)
    clients: set[str] = set()
    for client in infra.catalog().lua_clients:
        for m in client.call.finditer(code):
            assigned = _ASSIGNED.search(code, code.rfind("\n", 0, m.start()) + 1, m.start())
            if assigned is not None:
                clients.add(assigned.group(1))
    for m in _METHOD_CALL.finditer(code):
        held, method = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if held in clients and not _CLIENT_SETTING.match(method):
            line = code.count("\n", 0, m.start()) + first_line
            return (f"{held}:{method}()",
                    Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1))
    return None


def required(lua: str) -> list[str]:
    """The modules a piece of Lua requires, in order, each once (comments skipped)."""
    seen: list[str] = []
    for m in _REQUIRE.finditer(code_only(lua)):
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def resolve(module: str, templates: list[str], conf_path: str) -> str | None:
    """The repository file of a required module, or None when no package path finds it near the conf."""
    rel = module.replace(".", "/") if "/" not in module else module
    base = os.path.dirname(os.path.abspath(conf_path))
    ancestors = [base]
    for _ in range(_PARENTS):
        parent = os.path.dirname(ancestors[-1])
        if parent == ancestors[-1]:
            break
        ancestors.append(parent)
    for template in templates:
        if template.count("?") != 1 or not template.endswith(".lua"):
            continue
        head, tail = template.split("?")
        folders = [f for f in head.strip("/").split("/") if f and f not in (".", "..")]
        # the longest tail of the package folder first: `nginx/lua-scripts`, then `lua-scripts`
        for k in range(len(folders)):
            for ancestor in ancestors:
                candidate = os.path.join(ancestor, *folders[k:], rel + tail)
                if os.path.isfile(candidate):
                    return os.path.relpath(candidate) if not os.path.isabs(conf_path) else candidate
    return None


def calls_in(path: str, text: str, first_line: int = 1) -> list[LuaCall]:
    """The client connections a Lua text opens, in text order; ``path`` and ``first_line`` (the line of
    ``path`` the text starts on, for Lua inside an nginx configuration) place them."""
    code = code_only(text)
    found: list[tuple[int, LuaCall]] = []
    for client in infra.catalog().lua_clients:
        timeout = None
        if client.timeout_ms is not None and (client.timeout_unless is None or not client.timeout_unless.search(code)):
            timeout = (client.timeout_ms, client.timeout_why)
        for m in client.call.finditer(code):
            port = m.groupdict().get("port")
            line = code.count("\n", 0, m.start()) + first_line
            col = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
            found.append((m.start(), LuaCall(m.group("host").lower(), int(port) if port else None, client.protocol,
                                             Location(path, line, col), client.what, timeout)))
    return [c for _pos, c in sorted(found, key=lambda t: t[0])]


def code_only(text: str) -> str:
    """The Lua text with its comments (``-- ...`` and ``--[[ ... ]]``) blanked, lines and columns kept."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, stop: int) -> None:
        for j in range(start, stop):
            if out[j] != "\n":
                out[j] = " "

    while i < n:
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif text.startswith("--[[", i) or text.startswith("--[=[", i):
            close = "]]" if text.startswith("--[[", i) else "]=]"
            stop = text.find(close, i)
            stop = n if stop < 0 else stop + len(close)
            blank(i, stop)
            i = stop
        elif text.startswith("--", i):
            stop = text.find("\n", i)
            stop = n if stop < 0 else stop
            blank(i, stop)
            i = stop
        else:
            i += 1
    return "".join(out)
