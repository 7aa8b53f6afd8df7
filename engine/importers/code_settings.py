"""Environment variables a service's JavaScript or TypeScript code only stores as settings (``archplan import source``).

A deployment that hands a service a public URL (``PROXY_APP_URL=https://proxy.example.io``) reads as a call the service
makes to that host. Some services only keep such a URL as a setting of theirs, a record that names it, and hand it on
(to the browser, in a configuration response): Hoppscotch seeds its settings table with ``{ name:
InfraConfigEnum.PROXY_APP_URL, value: process.env.PROXY_APP_URL || '...' }`` and returns the record to its clients,
and its code makes no HTTP request at all. ``stored`` names those variables: every read of the variable
(``process.env.X``, ``process.env['X']``) is the value of a property of an object literal in which another property's
value names the variable again (the record's name: ``name: 'X'``, ``key: Settings.X``), no code reads it through a
configuration service (``config.get('X')``), and no code of the service names an HTTP client (``fetch(``, axios, Nest's
``HttpService``, got, undici, ``http.request``...), so that nothing of it could call the URL it keeps. A property keyed
by the variable itself (``{ X: process.env.X }``, a configuration factory's) is no such record: it is read back by that
key and may be called.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.importers.code_text import blank_comments, bracket_pairs

_JS = (".js", ".mjs", ".cjs", ".ts")
_HTTP_CLIENT = re.compile(
    r"\bfetch\s*\(|\baxios\b|\bHttpService\b|\bHttpModule\b|\bXMLHttpRequest\b|\bnew\s+WebSocket\s*\("
    r"|\bhttps?\s*\.\s*(?:request|get)\s*\("
    r"|(?:\bfrom\s*|\b(?:require|import)\s*\(\s*)['\"](?:got|node-fetch|cross-fetch|isomorphic-fetch|undici|"
    r"superagent|ky|request|needle|phin|@nestjs/axios)(?:/[^'\"]*)?['\"]")
"""What names an HTTP client in JavaScript code: a ``fetch`` call, axios, Nest's ``HttpService``/``HttpModule``, Node's
``http(s).request``/``get``, or an import of a client package."""
_ENV_READ = re.compile(r"\bprocess\s*\.\s*env\s*(?:\.\s*([A-Z][A-Z0-9_]*)\b|\[\s*['\"]([A-Z][A-Z0-9_]*)['\"]\s*\])")
_CONFIG_GET = re.compile(r"\.\s*get\w*\s*(?:<[^>()]*>)?\s*\(\s*['\"`]([A-Za-z0-9_.]+)['\"`]")
_PROPERTY = re.compile(r"(?:^|[{,])\s*([A-Za-z_$][\w$]*|'[^']*'|\"[^\"]*\")\s*:\s*$")


def stored(texts: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The variables the JavaScript and TypeScript files of ``texts`` (path, text) read only into settings records
    that name them, when none of the files names an HTTP client (see the module's docstring); empty otherwise."""
    code = [blank_comments(t) for f, t in texts if f.endswith(_JS) and not f.endswith(".d.ts")]
    if any(_HTTP_CLIENT.search(c) for c in code):
        return frozenset()
    kept: set[str] = set()
    other: set[str] = set()
    for c in code:
        for m in _CONFIG_GET.finditer(c):
            other.add(m.group(1).rsplit(".", 1)[-1])
        reads = list(_ENV_READ.finditer(c))
        if not reads:
            continue
        pairs = bracket_pairs(c)
        for m in reads:
            name = m.group(1) or m.group(2)
            (kept if _in_record(c, pairs, m.start(), m.end(), name) else other).add(name)
    return frozenset(kept - other)


def _in_record(code: str, pairs: dict[int, int], start: int, end: int, name: str) -> bool:
    """Whether the read of ``name`` at ``code[start:end]`` is the value of a property of an object literal another of
    whose property values names ``name`` (as a word)."""
    enclosing = max((o for o, c in pairs.items() if o < start and c >= end), default=None)
    if enclosing is None or code[enclosing] != "{":
        return False
    inner = {o: c for o, c in pairs.items() if enclosing < o < start}
    # the start of the property holding the read: after the last "," or "{" at the literal's own depth
    k = enclosing + 1
    last = enclosing
    while k < start:
        if k in inner:
            k = inner[k]
            continue
        if code[k] == ",":
            last = k
        k += 1
    head = code[last:start]
    prop = _PROPERTY.search(head)
    if prop is None:
        return False
    i = last + prop.start(1)
    close = pairs[enclosing]
    rest = code[enclosing + 1:i] + " " * (end - i) + code[end:close - 1]
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    for hit in word.finditer(rest):
        after = rest[hit.end():hit.end() + 40].lstrip()
        if not after.startswith(":"):  # a value naming the variable, not another property keyed by it
            return True
    return False


__all__ = ["stored"]
