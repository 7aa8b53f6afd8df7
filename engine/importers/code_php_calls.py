"""Outbound HTTP calls read from a PHP service's code, and the timeouts they pass (``archplan import source``).

Read as text, never executed (comments blanked first), as ``code_calls`` reads JavaScript. The calls read:

- Guzzle: a client the file builds (``$client = new Client([...])``, ``$this->http = new \\GuzzleHttp\\Client()``, the
  class imported from ``GuzzleHttp\\Client``, under an alias too) and calls (``$client->get($url, $options)``,
  ``->request('POST', $url, $options)``, their ``...Async`` forms). Its timeout is the ``timeout`` option (seconds,
  the whole transfer) of the request's options array, else of the client's: a top-level key of the array literal or
  of the array a variable of the function was assigned. A key nested in another (``'headers' => ['timeout' =>
  10]``: a header sent, no option) is none, and so is ``connect_timeout`` alone (it bounds the connection, not the
  wait for the answer): Guzzle's default ``timeout`` is 0, it waits forever. Options the text does not show (a
  parameter, a merged array) are unknown: the call is left out.
- Laravel's ``Http`` facade: ``Http::timeout(5)->get($url)``, ``Http::withHeaders([...])->post($url, [...])``,
  ``->send('GET', $url)``; its ``timeout(n)`` (or ``withOptions(['timeout' => n])``) in seconds, else Laravel's
  default of 30 s (``PendingRequest::$timeout``).

A call's URL is resolved from its text: a string literal, ``'a' . $b`` concatenation, ``sprintf('%s/x', ...)``, a
variable of the function assigned one of those before the call, and ``config('file.key')``: the key's value in the
service's ``config/file.php`` (a literal, or ``env('VAR', 'default')``: the variable, with its default). A URL the
code or config writes out to a public host is a call to an external named after that host (``Ref.literal``); one
whose host an environment variable gives is joined with the deployment as ``code_calls`` does. A URL read from an
attribute of a stored record (``$this->message->webhook->url``, ``$hook->callback_url``) goes where whoever stored
the record said: one external named after the record (``webhooks``), its hosts unknown (``Ref.stored``). Any other
URL adds nothing (unknown stays unknown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from engine.errors import Location
from engine.importers.code_calls import Call, Part, Ref, Timeout, public_literal, url_of
from engine.importers.code_text import blank_comments, close_bracket, split_args

_GUZZLE_USE = re.compile(r"^\s*use\s+\\?GuzzleHttp\\Client(?:\s+as\s+(\w+))?\s*;", re.MULTILINE)
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_HTTP_VERBS = frozenset(("get", "post", "put", "patch", "delete", "head", "send"))
_STRING = re.compile(r"""^\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\$]|\\.)*)")\s*$""", re.DOTALL)
_NUMBER = re.compile(r"^\s*\(?\s*(?:\(\s*(?:int|float)\s*\)\s*)?(\d+(?:\.\d+)?)\s*\)?\s*$")
_CONFIG = re.compile(r"^\s*(?:\(\s*string\s*\)\s*)?\\?config\s*\(\s*['\"]([\w.-]+)['\"]\s*(?:,\s*(.*))?\)\s*$",
                     re.DOTALL)
_ENV = re.compile(r"^\s*\\?env\s*\(\s*['\"](\w+)['\"]\s*(?:,\s*(.*))?\)\s*$", re.DOTALL)
_SPRINTF = re.compile(r"^\s*\\?sprintf\s*\(", re.DOTALL)
_VARIABLE = re.compile(r"^\s*(\$\w+)\s*$")
_STORED = re.compile(r"^\s*\$(\w+)((?:\s*->\s*\w+)*?)\s*->\s*\w*?(?:_url|Url|url)\s*$")
"""A URL read from an attribute of an object (``$this->message->webhook->url``, ``$hook->callback_url``)."""
_NOT_RECORDS = frozenset(("this", "request", "config", "settings", "options", "app", "env", "client"))
"""Objects whose URL attribute is no stored record's: the class itself, the request, its configuration."""
_FUNCTION = re.compile(r"\bfunction\b")
_STEP = re.compile(r"\s*(?:->\s*)?(\w+)\s*\(")
_ARROW = re.compile(r"\s*->")


def _at(file: str, text: str, i: int) -> Location:
    return Location(file, text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1)


def _str(expr: str) -> str | None:
    m = _STRING.match(expr)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _top(array: str, key: str) -> str | None:
    """The value of ``'key' => value`` at the top level of a PHP array literal's text; None when absent or no
    array literal."""
    body = array.strip()
    if not (body.startswith("[") and body.endswith("]")):
        return None
    for part in split_args(body[1:-1]):
        k, sep, v = part.partition("=>")
        if sep and _str(k) == key:
            return v.strip()
    return None


def _is_array(expr: str) -> bool:
    e = expr.strip()
    return e.startswith("[") and e.endswith("]") and close_bracket(e, 0) == len(e)


def config_values(files: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``file.key`` -> the value text of each top-level key of the arrays the service's ``config/*.php`` return."""
    out: dict[str, str] = {}
    for path, text in files:
        m = re.search(r"(?:^|/)config/(\w+)\.php$", path)
        if m is None:
            continue
        code = blank_comments(text)
        r = re.search(r"\breturn\s*\[", code)
        if r is None:
            continue
        end = close_bracket(code, r.end() - 1)
        for part in split_args(code[r.end():end - 1]):
            k, sep, v = part.partition("=>")
            if sep and (name := _str(k)) is not None:
                out[f"{m.group(1)}.{name}"] = v.strip()
    return out


def _concat(expr: str) -> list[str]:
    """The top-level operands of a PHP ``.`` concatenation."""
    out: list[str] = []
    depth, start, i, quote = 0, 0, 0, ""
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "." and depth == 0 and not (expr[i - 1:i].isdigit() and expr[i + 1:i + 2].isdigit()):
            out.append(expr[start:i])
            start = i + 1
        i += 1
    return [*out, expr[start:]]


class _Scope:
    """What a URL or option expression of one function can be resolved with."""

    def __init__(self, code: str, start: int, at: int, config: Mapping[str, str]) -> None:
        self.code, self.start, self.at, self.config = code, start, at, config

    def assigned(self, name: str) -> str | None:
        """The expression the function last assigns ``name`` before the call."""
        found = None
        for m in re.finditer(rf"{re.escape(name)}\s*=(?![=>])\s*", self.code[self.start:self.at]):
            end = self.code.find(";", self.start + m.end(), self.at)
            while end != -1 and _unbalanced(self.code[self.start + m.end():end]):
                end = self.code.find(";", end + 1, self.at)
            if end != -1:
                found = self.code[self.start + m.end():end]
        return found


def _unbalanced(text: str) -> bool:
    return sum(text.count(c) for c in "([") != sum(text.count(c) for c in ")]") or text.count("'") % 2 == 1


def _parts(expr: str, scope: _Scope, depth: int = 0) -> list[Part]:
    """A PHP string expression as literal text, environment variables and unknowns (None)."""
    if depth > 6:
        return [None]
    operands = _concat(expr)
    if len(operands) > 1:
        return [p for o in operands for p in _parts(o, scope, depth + 1)]
    if (s := _str(expr)) is not None:
        return [s]
    if (m := _VARIABLE.match(expr)) and (value := scope.assigned(m.group(1))) is not None:
        return _parts(value, scope, depth + 1)
    if (m := _CONFIG.match(expr)) is not None:
        value = scope.config.get(m.group(1))
        if value is None:
            return [None]
        return _parts(value, scope, depth + 1)
    if (m := _ENV.match(expr)) is not None:
        default = _str(m.group(2) or "") if m.group(2) else None
        return [Ref(m.group(1), default)]
    if _SPRINTF.match(expr) and expr.rstrip().endswith(")"):
        args = split_args(expr[expr.index("(") + 1:expr.rstrip().rindex(")")])
        template = _str(args[0]) if args else None
        if template is None:
            return [None]
        out: list[Part] = []
        values = iter(args[1:])
        for piece in re.split(r"(%[sd])", template):
            if piece in ("%s", "%d"):
                out.extend(_parts(next(values, "null"), scope, depth + 1))
            elif piece:
                out.append(piece)
        return out
    return [None]


def _seconds(expr: str | None, scope: _Scope, depth: int = 0) -> float | str | None:
    """A ``timeout`` option's value in seconds; ``"unknown"`` when the text does not tell."""
    if expr is None:
        return None
    if (m := _NUMBER.match(expr)) is not None:
        return float(m.group(1))
    if depth < 4 and (m := _CONFIG.match(expr)) is not None and (value := scope.config.get(m.group(1))) is not None:
        return _seconds(value, scope, depth + 1)
    if depth < 4 and (m := _ENV.match(expr)) is not None and m.group(2):
        return _seconds(m.group(2), scope, depth + 1)
    if depth < 4 and (m := _VARIABLE.match(expr)) and (value := scope.assigned(m.group(1))) is not None:
        return _seconds(value, scope, depth + 1)
    return "unknown"


def _options(expr: str | None, scope: _Scope) -> str | None:
    """The array literal an options argument is (itself, or the one its variable was assigned); None: unknown."""
    if expr is None:
        return "[]"
    if _is_array(expr):
        return expr.strip()
    if (m := _VARIABLE.match(expr)) and (value := scope.assigned(m.group(1))) is not None and _is_array(value):
        return value.strip()
    return None


def _target(expr: str, scope: _Scope) -> tuple[Ref, str | None] | None:
    """The Ref a call's URL expression names, and its scheme."""
    stored = _STORED.match(expr)
    if stored is None and (m := _VARIABLE.match(expr)) and (value := scope.assigned(m.group(1))) is not None:
        stored = _STORED.match(value)
    if stored is not None:
        chain = [p.strip() for p in stored.group(2).split("->") if p.strip()]
        record = chain[-1] if chain else stored.group(1)
        if record.lower() in _NOT_RECORDS or (chain and stored.group(1) == "request"):
            return None
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", record).replace("_", "-").lower()
        return Ref(name if name.endswith("s") else f"{name}s", expr.strip(), stored=True), None
    parts = _parts(expr, scope)
    return url_of(parts) or public_literal(parts)


def _function_start(code: str, i: int) -> int:
    starts = [m.start() for m in _FUNCTION.finditer(code, 0, i)]
    return starts[-1] if starts else 0


def _call(path: str, code: str, verb_at: int, client: str, url: str, timeout: float | str | None, said: str,
          config: Mapping[str, str]) -> Call | None:
    if timeout == "unknown":
        return None
    scope = _Scope(code, _function_start(code, verb_at), verb_at, config)
    found = _target(url, scope)
    if found is None:
        return None
    seconds = timeout if isinstance(timeout, float) else None
    return Call(_at(path, code, verb_at), client, found[0], found[1], Timeout(seconds, said=said))


def _guzzle(path: str, code: str, config: Mapping[str, str]) -> list[Call]:
    names = ["Client"] if (use := _GUZZLE_USE.search(code)) and not use.group(1) else []
    if use is not None and use.group(1):
        names.append(use.group(1))
    classes = "|".join([r"\\?GuzzleHttp\\Client", *(re.escape(n) for n in names)])
    clients: dict[str, list[tuple[int, str | None]]] = {}
    for m in re.finditer(rf"(\$\w+(?:\s*->\s*\w+)?)\s*=\s*new\s+(?:{classes})\b\s*(\()?", code):
        given = "" if m.group(2) is None else code[m.end():close_bracket(code, m.end() - 1) - 1].strip()
        args = split_args(given)
        scope = _Scope(code, _function_start(code, m.start()), m.start(), config)
        clients.setdefault(re.sub(r"\s+", "", m.group(1)), []).append((m.start(),
                                                                       _options(args[0] if args else None, scope)))
    out: list[Call] = []
    verbs = "|".join(_VERBS)
    for name, made in clients.items():
        receiver = r"\s*->\s*".join(re.escape(p) for p in name.split("->"))
        for m in re.finditer(rf"{receiver}\s*->\s*({verbs})(?:Async)?\s*\(", code):
            args = split_args(code[m.end():close_bracket(code, m.end() - 1) - 1])
            if m.group(1) == "request":
                args = args[1:]
            if not args:
                continue
            scope = _Scope(code, _function_start(code, m.start()), m.start(), config)
            # a local client is the one the function built before the call; a property, the one the class built
            mine = [o for k, o in made if name.startswith("$this") or scope.start <= k < m.start()]
            if not mine:
                continue
            own, built = _options(args[1] if len(args) > 1 else None, scope), mine[-1]
            if own is None or built is None:
                continue  # options the text does not show: which timeout applies is unknown
            value = _top(own, "timeout") or _top(built, "timeout")
            seconds = _seconds(value, scope)
            said = value if value is not None else "no 'timeout' option: Guzzle's default of 0"
            call = _call(path, code, m.start(1), "guzzle", args[0], seconds, said, config)
            if call is not None:
                out.append(call)
    return out


def _facade(path: str, code: str, config: Mapping[str, str]) -> list[Call]:
    out: list[Call] = []
    for m in re.finditer(r"(?<![\w\\$])\\?(?:Illuminate\\Support\\Facades\\)?Http\s*::", code):
        i, steps = m.end(), list[tuple[str, str, int]]()
        while True:
            c = _STEP.match(code, i)
            if c is None or (steps and not _ARROW.match(code, i)):
                break
            end = close_bracket(code, c.end() - 1)
            steps.append((c.group(1), code[c.end():end - 1], c.start(1)))
            i = end
        verb = next((s for s in reversed(steps) if s[0] in _HTTP_VERBS), None)
        if verb is None:
            continue
        scope = _Scope(code, _function_start(code, m.start()), m.start(), config)
        timeout: float | str | None = 30.0
        said = "none passed"
        for name, args, _start in steps:
            given = split_args(args)
            if name == "timeout" and given:
                timeout, said = _seconds(given[0], scope), given[0]
            elif name == "withOptions" and given and (options := _options(given[0], scope)) is not None \
                    and (value := _top(options, "timeout")) is not None:
                timeout, said = _seconds(value, scope), value
        sent = split_args(verb[1])[1 if verb[0] == "send" else 0:]
        if sent:
            call = _call(path, code, verb[2], "Http", sent[0], timeout, said, config)
            if call is not None:
                out.append(call)
    return out


def php_calls(files: Sequence[tuple[str, str]]) -> tuple[Call, ...]:
    """The outbound calls of a service's PHP files (path, text), with its ``config/*.php`` values."""
    php = [(p, t) for p, t in files if p.endswith(".php")]
    if not php:
        return ()
    config = config_values(php)
    out: list[Call] = []
    for path, text in php:
        if "Client" not in text and "Http" not in text:
            continue
        code = blank_comments(text)
        out += _guzzle(path, code, config) + _facade(path, code, config)
    return tuple(sorted(set(out), key=lambda c: (c.at.file, c.at.line, c.at.column, c.client)))


__all__ = ["config_values", "php_calls"]
