"""Log statements that write a secret or a card's data -> ``service.logs_sensitive_data`` (``import source``).

OpenTelemetry span attributes count as log statements: what ``span.SetAttributes(...)`` records is exported with
the trace and read in the tracing backend like a log (``_SPAN_CALL``).

A service's log statements are read in Python, JavaScript / TypeScript, Java, Go, C# and Kotlin:
``logging.info(...)``, ``logger.warn(...)`` (any receiver named ``log``, ``logger``, ``console``, ``*Logger``...),
``console.log``, ``System.out.println``, SLF4J's ``log.info("{}", x)``, Go's ``log.Printf`` and ``fmt.Println``,
zerolog's ``log.Info().Msgf(...)``, .NET's ``_logger.LogInformation("{Card}", card)``. What a statement writes is
what its arguments evaluate, outside string literals: the variables and fields it passes (``password``,
``req.body.cvv``, ``user.getPassword()``), the expressions a template interpolates (JavaScript's `` `${token}` ``,
Python's ``f"{secret}"``, C#'s ``$"{secret}"``, Kotlin's ``"${token}"`` and ``"$token"``) and the keys it reads
(``request.form['password']``). A statement writes sensitive data when one of them is named like a password, a
secret, a token, an API key, a card number, a card's CVV / CVC or a social security number, or when it writes a
whole request (``JSON.stringify(call.request)``, ``req.body``) and the service's code reads such a field of the
requests it serves.

A Java statement that logs an object whose class writes personal contact data in its ``toString()`` (two fields or
more named like an address, a telephone number, an e-mail address or a date of birth, in an explicit ``toString``
or Lombok's ``@ToString`` / ``@Data`` over such fields) writes that data too: ``log.info("Saving owner {}", owner)``
with ``Owner owner`` whose ``toString`` appends ``address`` and ``telephone``. The object is a variable or parameter
passed whole, its type read from its declaration in the same file.

Not sensitive: a message that only names the word (``"invalid password"``: its text is a literal), a value
named as masked, hashed, encrypted or a length (``last4``, ``maskedCard``, ``passwordHash``), one derived by a
call (``cardNumber.substr(-4)``, ``hash(password)``, ``len(token)``), a pagination token (``nextPageToken``), the key
of an object literal (``{ token: token.slice(0, 2) + "****" }``: what it writes is its value), a Go constant bound
to a string literal (``mailer.TplResetPassword`` for ``TplResetPassword = "reset-password"`` in a ``const``
declaration of the service's code; a setting's key, ``SMTPPasswordKey Key = `smtp.password```): what it writes is
that literal, text of the code itself, never a value the service is given.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.base import Body
from engine.importers.code_text import bracket_pairs, close_bracket, string_end
from engine.model.base import AUTH_FLOW_NAMES, AUTH_FLOW_REQUEST_NAMES

SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".java", ".go", ".cs", ".kt")

_LEVELS = ("log|info|warn|warning|error|debug|trace|fatal|critical|exception|verbose|silly|"
           "Print|Printf|Println|Info|Infof|Infoln|Infow|Warn|Warnf|Warning|Warningf|Warnw|Error|Errorf|Errorw|"
           "Debug|Debugf|Debugw|Fatal|Fatalf|Fatalln|Panic|Panicf|"
           "LogInformation|LogWarning|LogError|LogDebug|LogTrace|LogCritical")
_LOG_CALL = re.compile(rf"(?<![\w$.])(?P<recv>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.(?P<level>{_LEVELS})\s*\(")
_ZEROLOG = re.compile(r"(?<![\w$.])(?:[A-Za-z_]\w*\.)*(?:log|logger)\."
                      r"(?P<level>Info|Debug|Warn|Error|Trace|Fatal|Panic)\(\)(?:\.\w+\([^()]*\))*\.Msgf?\s*\(")
_DOTNET_LEVELS = {"loginformation": "info", "logwarning": "warn", "logerror": "error", "logdebug": "debug",
                  "logtrace": "trace", "logcritical": "critical"}
""".NET's ``ILogger`` extension methods (``_logger.LogInformation(...)``), by the level they write at."""
_MAX_ARGS = 4000
"""The length of a log statement's arguments read (a longer one is read that far)."""
_BASE_LEVELS = frozenset({"print", "info", "warn", "error", "debug", "fatal", "panic"})
_SPAN_CALL = re.compile(r"(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\??\.\s*)*(?P<recv>[A-Za-z_$]*[Ss]pan[\w$]*)\s*\??\.\s*"
                        r"(?:SetAttributes|SetAttribute|setAttributes|setAttribute|set_attributes|set_attribute|"
                        r"add_attributes)\s*\(")
"""An OpenTelemetry span's attribute setter (``span.SetAttributes(attribute.String(k, v))``,
``span.setAttributes({k: v})``, ``current_span.set_attribute(k, v)``): what it records is exported with the
trace to the tracing backend, read there like a log."""
_PRINT = re.compile(r"(?<![\w$.])(?:System\.(?:out|err)\.print(?:ln|f)?|fmt\.(?:Print|Printf|Println))\s*\(")
_LOGGERS = frozenset({"log", "logger", "logging", "console", "slog", "glog", "klog", "logrus", "winston", "pino",
                      "bunyan", "zap", "sugar", "_log", "_logger"})

_SENSITIVE = ("password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "cvv", "cvv2", "cvc",
              "securitycode", "cardnumber", "creditcard", "ccnumber", "cardno", "ssn", "socialsecuritynumber",
              "privatekey", "secretkey", "credentials")
"""What a value's name ends with when it holds a secret or a card's data (lower case, ``_`` and ``-`` left out)."""
_CONNECTION = ("dsn", "connstr", "connstring", "connectionstring")
"""What a value's name, or the name of the type a Go variable is declared with (``url DBConnString``), ends with when
it holds a connection string: a database's or a broker's address with the login and password that open it
(``postgres://app:s3cret@db/app``, ``Server=db;User Id=sa;Password=...``). Not a field the code reads from requests
(``_reads_secrets``): only the value itself, logged whole."""
_HARMLESS = re.compile(r"hash|mask|redact|encrypt|encod|cipher|last4|lastfour|pagetoken|nexttoken|cursortoken|"
                       r"synctoken|continuationtoken")
"""A name that holds something derived from the secret (its hash, its masked form), or a pagination token."""
_SAME = frozenset({"tostring", "tojson", "value", "trim", "strip", "string", "get", "orelse", "orelsethrow"})
"""Methods whose result is the value they are called on."""
_SERIALISERS = frozenset({"stringify", "dumps", "dump", "str", "string", "repr", "inspect", "format", "sprintf",
                          "sprint", "sprintln", "tostring", "valueof", "tojson", "json", "dict", "vars", "asdict",
                          "model_dump", "jsonify", "marshal", "todict"})
"""Functions whose result still carries the whole value passed to them."""
_WHOLE_REQUESTS = frozenset({"call.request", "req.body", "request.body", "ctx.request.body", "request.json",
                             "request.get_json()", "request.data", "request.form", "request.values",
                             "request.POST", "req", "request"})
"""A request a handler serves, logged whole."""
_BARE_REQUESTS = frozenset({"req", "request"})
"""The whole-request names that a function may also give a request it builds itself (an outgoing call's)."""
_JS_WRITE_ROUTE = re.compile(r"\.\s*(?:post|put|patch|all)\s*\(\s*(['\"`])(/[^'\"`\n]*)\1")
_SENSITIVE_ROUTES = (AUTH_FLOW_NAMES - AUTH_FLOW_REQUEST_NAMES) | {"card", "cards", "payment", "payments", "charge",
                                                                  "password", "passwords"}
"""Last parts of a route path whose request body carries a credential or a card (``POST /login``, ``/cards``); not
the steps before a sign-in (``/forgot-password``: an e-mail)."""
_CHAIN = re.compile(r"[A-Za-z_$][\w$]*(?:\.get\(\s*\"[^\"]*\"\s*\)|\s*\??\.\s*[A-Za-z_$][\w$]*|\[\s*\"[^\"]*\"\s*\]|"
                    r"\(\s*\))*")
_FIELD = re.compile(r"(?:\??\.\s*|\[\s*['\"]|\.get\(\s*['\"]|\b(?:get|Get))([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Logged:
    """One log statement that writes sensitive data: what it writes (as the code names it) and where."""

    what: str
    at: Location
    level: str
    whole_request: str = ""
    """Why the request logged whole carries sensitive data, when the statement logs a whole request."""
    personal: str = ""
    """The personal data the object logged whole writes through its ``toString`` (``Owner.toString writes address,
    telephone``), when the statement logs such an object."""


def _norm(name: str) -> str:
    name = re.sub(r"^(?:get|Get)(?=[A-Z_])", "", name)
    return re.sub(r"[^a-z0-9]", "", name.lower())


def sensitive_name(name: str) -> bool:
    """Whether a variable, field or key of that name holds a secret or a card's data (not derived from it)."""
    n = _norm(name)
    return n.endswith(_SENSITIVE) and not _HARMLESS.search(n)


def connection_string_name(name: str) -> bool:
    """Whether a value, or a Go type, of that name holds a connection string, credentials and all (``_CONNECTION``;
    not one named as masked or redacted, nor a Sentry DSN: the public client key its browser SDK is given anyway)."""
    n = _norm(name)
    return n.endswith(_CONNECTION) and not _HARMLESS.search(n) and "sentry" not in n


def _go_declared_type(code: str, before: int, name: str) -> str | None:
    """The type a Go parameter or variable is declared with (``func Open(url DBConnString)``, ``var dsn string``),
    nearest before ``before`` in the file (a package's qualifier and a pointer's star left out)."""
    found = None
    for m in re.finditer(rf"(?:[(,]\s*|\bvar\s+){re.escape(name)}\s+\*?(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)",
                         code[:before]):
        found = m.group(1)
    return found


_PERSONAL = ("address", "telephone", "phone", "phonenumber", "mobile", "email", "emailaddress", "birthdate",
             "dateofbirth", "dob", "birthday")
"""What a field's name ends with when it holds personal contact data (lower case, ``_`` and ``-`` left out)."""
_J_CLASS = re.compile(r"\bclass\s+([A-Z]\w*)[^{;]*\{")
_J_TOSTRING = re.compile(r"\bString\s+toString\s*\(\s*\)\s*\{")
_J_FIELD_DECL = re.compile(r"(?:private|protected|public)\s+(?:final\s+)?[\w.<>\[\]]+\s+([A-Za-z_]\w*)\s*[;=]")


def _personal(names: Sequence[str]) -> list[str]:
    """The personal contact fields among ``names``, one per field (``telephone`` and ``getTelephone`` are one)."""
    return sorted({_norm(n) for n in names if _norm(n).endswith(_PERSONAL) and not _HARMLESS.search(_norm(n))})


def personal_types(texts: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The Java classes whose ``toString()`` writes two personal contact fields or more, with those fields: an
    explicit ``toString`` naming them, or Lombok's ``@ToString`` / ``@Data`` on a class declaring them."""
    out: dict[str, list[str]] = {}
    for path, code in texts:
        if not path.endswith(".java"):
            continue
        closes: dict[int, int] | None = None
        for c in _J_CLASS.finditer(code):
            if closes is None:
                closes = bracket_pairs(code)
            end = closes.get(c.end() - 1, len(code))
            body = code[c.end():end]
            shown: list[str] = []
            t = _J_TOSTRING.search(body)
            if t is not None:
                block = body[t.end():closes.get(c.end() + t.end() - 1, len(code)) - c.end()]
                shown = _personal(re.findall(r"[A-Za-z_]\w*", _exposed(block, path)) +
                                  re.findall(r"\"([A-Za-z_]\w*)\"", block))
            elif re.search(r"@(?:lombok\.)?(?:ToString|Data)\b", code[max(0, c.start() - 300):c.start()]):
                shown = _personal([f.group(1) for f in _J_FIELD_DECL.finditer(body)])
            if len(shown) >= 2:
                out.setdefault(c.group(1), shown)
    return out


_PERSONAL_MARK = "\x00personal:"
"""Marks a reason ``_sensitive_arg`` gives for an object whose text holds personal data (never in source text)."""


def _declared_type(code: str, before: int, name: str) -> str | None:
    """The type a Java variable or parameter is declared with, nearest before ``before`` in the file."""
    found = None
    for m in re.finditer(rf"\b([A-Z]\w*)(?:<[^<>;()]*>)?\s+{re.escape(name)}\s*[=;,)]", code[:before]):
        found = m.group(1)
    return found


def logged(texts: Sequence[tuple[str, str]]) -> tuple[Logged, ...]:
    """The log statements of a service's code (comments blanked, but in Python) that write sensitive data, in
    file and line order."""
    memo: list[bool] = []
    personal = personal_types(texts)

    def reads() -> bool:
        if not memo:
            memo.append(_reads_secrets(texts))
        return memo[0]

    constants = go_string_constants(texts)
    out: list[Logged] = []
    for path, code in texts:
        if not path.endswith(SUFFIXES):
            continue
        try:
            out.extend(_file_logged(path, code, reads, personal,
                                    _go_visible(code, constants) if path.endswith(".go") else frozenset()))
        except RecursionError:  # templates nested deeper than Python recurses: the file's logs are not read
            continue
    return tuple(sorted(out, key=lambda x: (x.at.file, x.at.line, x.at.column)))


def _file_logged(path: str, code: str, reads: Callable[[], bool],
                 personal: Mapping[str, list[str]] | None = None,
                 constants: frozenset[str] = frozenset()) -> Iterator[Logged]:
    closes = bracket_pairs(code)
    routes = _js_routes(code, closes) if path.endswith((".js", ".mjs", ".cjs", ".ts")) else []
    starts = [r[0] for r in routes]
    lines: list[int] = []  # where each line after the first starts
    for start, level, args in _log_statements(path, code):
        before = bisect.bisect_left(starts, start)  # the innermost handler around it: among the routes just before
        route = next((r for r in reversed(routes[max(0, before - 20):before]) if start < r[1]), None)

        def why(route: tuple[int, int, str, bool] | None = route) -> str:
            if route is not None:  # the body of a request to that route
                return f"its handler serves {route[2]}" if route[3] else ""
            return "its code reads secret or card fields" if reads() else ""

        def typed(name: str, start: int = start) -> str | None:
            kind = _declared_type(code, start, name) if personal and path.endswith(".java") else None
            fields = personal.get(kind) if personal and kind else None
            return f"{_PERSONAL_MARK}{kind}.toString writes {', '.join(fields)}" if fields else None

        def built(name: str, start: int = start) -> bool:
            return _built_here(path, code, closes, start, name)

        def connection(name: str, start: int = start) -> str | None:
            kind = _go_declared_type(code, start, name) if path.endswith(".go") else None
            return kind if kind and connection_string_name(kind) else None

        hit = _sensitive_arg(_exposed(args, path), why, typed, built, connection, constants)
        if hit is not None:
            if not lines:
                lines.extend(m.end() for m in re.finditer("\n", code))
            line = bisect.bisect_right(lines, start)
            column = start - (lines[line - 1] if line else 0) + 1
            if hit[1].startswith(_PERSONAL_MARK):
                yield Logged(hit[0], Location(path, line + 1, column), level, personal=hit[1][len(_PERSONAL_MARK):])
            else:
                yield Logged(hit[0], Location(path, line + 1, column), level, hit[1])


def _built_here(path: str, code: str, closes: Mapping[int, int], start: int, name: str) -> bool:
    """Whether ``name`` at ``start`` is a variable the enclosing function declares and assigns itself (C#'s ``var
    request = new CatalogItemRequest { Id = id }``, ``const req = {...}``, Go's ``req :=``, Python's ``request = ...``)
    rather than a parameter: the request the code builds for a call it makes, whose fields are its own choice, not
    the request it serves. The nearer of the two before ``start`` decides, each only where it is in scope (not in a
    brace block closed before ``start``; in Python, after the last ``def`` before it); neither found: not built."""
    n = re.escape(name)
    bare = r"|^[ \t]*" if path.endswith(".py") else ""  # Python declares a local by assigning it
    local = re.compile(rf"(?:\b(?:var|let|const|val|auto|final)\s+|\b[A-Z][\w.]*(?:<[^<>;()]*>)?\??\s+{bare})"
                       rf"{n}\s*(?::\s*[\w.<>\[\]|?]+\s*)?=(?![=>])|\b{n}\s*:=", re.MULTILINE)
    param = re.compile(rf"[(,]\s*(?:(?:final\s+)?[\w.]+(?:<[^<>;()]*>)?\??\s+)?{n}\s*(?::\s*[^,()=]+|\s\*?[\w.\[\]]+)?"
                       rf"\s*[,)=]|\b{n}\s*=>")
    begin = 0
    if path.endswith(".py"):
        defs = [m.start() for m in re.finditer(r"\bdef\s", code[:start])]
        begin = defs[-1] if defs else 0
    closed = [(o, c) for o, c in closes.items() if code[o] == "{" and o >= begin and c <= start]

    def last(pattern: re.Pattern[str]) -> int:
        found = [m.start() for m in pattern.finditer(code, begin, start)
                 if not any(o < m.start() < c for o, c in closed)]
        return found[-1] if found else -1

    at_local = last(local)
    return at_local >= 0 and at_local > last(param)


def _reads_secrets(texts: Sequence[tuple[str, str]]) -> bool:
    """Whether the code reads a field or key named like a secret or a card's data (``.credit_card_number``,
    ``['password']``, ``getPassword()``)."""
    for path, code in texts:
        if path.endswith(SUFFIXES):
            try:
                if any(sensitive_name(m.group(1)) for m in _FIELD.finditer(_exposed(code, path))):
                    return True
            except RecursionError:  # templates nested deeper than Python recurses
                continue
    return False


def _js_routes(code: str, closes: Mapping[int, int]) -> list[tuple[int, int, str, bool]]:
    """(start, end, path, sensitive) of each Express write route's declaration and handler: ``sensitive`` when it is
    a login, sign-up, token, card or payment route (``POST /login``), whose body carries a credential or a card."""
    out: list[tuple[int, int, str, bool]] = []
    for m in _JS_WRITE_ROUTE.finditer(code):
        last = next((seg for seg in reversed(m.group(2).split("/")) if seg and ":" not in seg and "*" not in seg), "")
        end = closes.get(code.index("(", m.start()), len(code))
        out.append((m.start(), end, m.group(2), last.lower() in _SENSITIVE_ROUTES))
    return out


@code_trees.kept()
def _log_statements(path: str, code: str) -> tuple[tuple[int, str, str], ...]:
    """``_log_calls`` of one file, read once an import whatever the services that read the file."""
    return tuple(_log_calls(path, code, bracket_pairs(code)))


def _log_calls(path: str, code: str, closes: Mapping[int, int]) -> Iterator[tuple[int, str, str]]:
    """(where, level, argument text) of each log statement of one file."""
    found = {m.start(): (m.end() - 1, m.group("level").lower()) for m in _ZEROLOG.finditer(code)}
    for m in _LOG_CALL.finditer(code):
        parts = m.group("recv").split(".")
        last = parts[-1].lower()
        if last in _LOGGERS or last.endswith("logger") or (last == "log" and len(parts) > 1):
            found.setdefault(m.start(), (m.end() - 1, m.group("level").lower()))
    for m in _PRINT.finditer(code):
        found.setdefault(m.start(), (m.end() - 1, "print"))
    for m in _SPAN_CALL.finditer(code):
        found.setdefault(m.start(), (m.end() - 1, "span attribute"))
    outer = 0  # the end of the last statement read: one inside its arguments is read with them
    for start, (paren, called) in sorted(found.items()):
        end = closes.get(paren)
        if end is None or start < outer:  # never closed (its compiler rejects it), or inside the last one
            continue
        line_start = code.rfind("\n", max(0, start - 200), start) + 1
        if path.endswith(".py") and code[line_start:start].lstrip().startswith("#"):
            continue
        outer = end
        named = _DOTNET_LEVELS.get(called, called)
        level = next((named[:-len(suffix)] for suffix in ("ln", "f", "w")  # Printf, Infof, Errorw: the level
                      if named.endswith(suffix) and named[:-len(suffix)] in _BASE_LEVELS), named)
        yield start, level, code[paren + 1:min(end - 1, paren + 1 + _MAX_ARGS)]


def _exposed(text: str, path: str) -> str:
    """``text`` with each string literal's text left out (``""``), but what a template interpolates
    (`` `${x}` ``, Python's ``f"{x}"``) and a key read (``['password']``, ``.get('password')``)."""
    out: list[str] = []
    i, n = 0, len(text)
    js = path.endswith((".js", ".mjs", ".cjs", ".ts"))
    while i < n:
        c = text[i]
        if c not in "'\"`" or (c == "`" and not js and not path.endswith(".go")):
            out.append(c)
            i += 1
            continue
        end = string_end(text, i)
        quotes = 3 if text.startswith(c * 3, i) and c != "`" else 1
        body = text[i + quotes:end - quotes]
        tail = "".join(out[-40:])
        prefix = re.search(r"[A-Za-z]*$", tail).group(0).lower()  # type: ignore[union-attr]  # f"...", rb"..."
        opener = "${" if (c == "`" and js) or (c == '"' and path.endswith(".kt")) else \
            "{" if (path.endswith(".py") and "f" in prefix and len(prefix) <= 2) or \
            (path.endswith(".cs") and re.search(r"\$@?$|\$$", tail)) else ""
        if opener:
            shown = [f"({_exposed(e, path)})" for e in _interpolated(body, opener)] if opener in body else []
            if path.endswith(".kt"):  # Kotlin's "$name" too
                shown += [f"({n})" for n in re.findall(r"(?<!\\)\$([A-Za-z_]\w*)", body)]
            out.append(" + ".join(['""', *shown]))
        elif re.fullmatch(r"[A-Za-z_]\w*", body) and re.search(r"(?:\[|\bget\()\s*$", tail):
            out.append(f'"{body}"')
        else:
            out.append('""')
        i = end
    return "".join(out)


def _interpolated(body: str, opener: str) -> list[str]:
    """The expressions a template literal or f-string interpolates."""
    out: list[str] = []
    i = body.find(opener)
    while i >= 0:
        if opener == "{" and body.startswith("{{", i):
            i = body.find(opener, i + 2)
            continue
        start = i + len(opener) - 1
        end = close_bracket(body, start)
        out.append(re.split(r"[!:](?![=:])", body[start + 1:end - 1], maxsplit=1)[0] if opener == "{"
                   else body[start + 1:end - 1])
        i = body.find(opener, end)
    return out


def _sensitive_arg(args: str, why: Callable[[], str],
                   typed: Callable[[str], str | None] | None = None,
                   built: Callable[[str], bool] | None = None,
                   connection: Callable[[str], str | None] | None = None,
                   constants: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """What the arguments write that is sensitive (as the code names it), and, for a whole request or an object
    whose text holds personal data (``typed``), why it carries sensitive data. ``built``: whether a bare ``request``
    or ``req`` is a variable the function declares and builds itself (``_built_here``), not the request it serves.
    A connection string logged whole (``connection_string_name``, or a variable ``connection`` finds declared with a
    type so named) is said as one: ``url (a connection string: DBConnString)``."""
    for m in _CHAIN.finditer(args):
        chain = re.sub(r"\s+", "", m.group(0)).replace("?.", ".")
        if not _passed_whole(args, m.start()) or args[m.end():].lstrip().startswith("("):
            continue  # an argument of a call that may derive anything from it, or a function called
        if re.match(r"\s*:(?!:)", args[m.end():]) and re.search(r"[{,]\s*$", args[:m.start()]):
            continue  # the key of an object literal (``{ token: masked }``): its value is read on its own
        names = re.findall(r"[A-Za-z_$][\w$]*", re.sub(r"\.get\(|\(\)", ".", chain))
        while len(names) > 1 and names[-1].lower() in _SAME:
            names.pop()
        if chain in constants:
            continue  # a Go string constant (``mailer.TplResetPassword``): the literal it is bound to, code text
        if sensitive_name(names[-1]):  # the value itself, not a field of it (token.userId) nor its length
            return chain, ""
        if connection_string_name(names[-1]):
            return f"{chain} (a connection string)", ""
        kind = connection(chain) if connection is not None and re.fullmatch(r"[A-Za-z_]\w*", chain) else None
        if kind:
            return f"{chain} (a connection string: {kind})", ""
        if chain in _WHOLE_REQUESTS and not (chain in _BARE_REQUESTS and built is not None and built(chain)):
            reason = why()
            if reason:
                return chain, reason
        if typed is not None and len(names) == 1 and re.fullmatch(r"[A-Za-z_]\w*", chain):
            reason = typed(chain) or ""
            if reason:
                return chain, reason
    return None


_GO_CONST = re.compile(r"\bconst\s*(\()?")
_GO_CONST_SPEC = re.compile(r"^[ \t]*([A-Z]\w*)(?:[ \t]+[A-Za-z_][\w.]*)?[ \t]*=[ \t]*"
                            r"(?:\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`)[ \t]*;?[ \t]*$", re.MULTILINE)
"""One constant bound to a string literal, on a line of its own: ``Name [Type] = "text"`` (or a raw string)."""
_GO_IMPORT = re.compile(r"^[ \t]*(?:import[ \t]+)?(?:([A-Za-z_]\w*)[ \t]+)?\"([^\"\n]+)\"", re.MULTILINE)


def go_string_constants(texts: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The exported names the service's Go code declares as constants bound to a string literal, in a ``const``
    declaration or group (``TplResetPassword = "reset-password"``, ``SMTPPasswordKey Key = `smtp.password```).
    Only exported (capitalised) names: a lower-case one may as well be a local variable of the same name elsewhere."""
    out: set[str] = set()
    for path, code in texts:
        if not path.endswith(".go") or "const" not in code:
            continue
        for m in _GO_CONST.finditer(code):
            if m.group(1):  # a group: const ( ... )
                end = code.find("\n)", m.end())
                body = code[m.end():end if end >= 0 else len(code)]
            else:
                end = code.find("\n", m.end())
                body = code[m.end():end if end >= 0 else len(code)]
            out.update(s.group(1) for s in _GO_CONST_SPEC.finditer(body))
    return frozenset(out)


def _go_visible(code: str, constants: frozenset[str]) -> frozenset[str]:
    """How one Go file names the service's string constants: bare (its own package's) and qualified by each package
    it imports (``mailer.TplResetPassword`` when it imports ``.../internal/mailer``); a field of a value
    (``cfg.Password``) is none of them."""
    if not constants:
        return constants
    packages = {m.group(1) or m.group(2).rstrip("/").rsplit("/", 1)[-1] for m in _GO_IMPORT.finditer(code)}
    return constants | frozenset(f"{p}.{c}" for p in packages for c in constants)


def _passed_whole(args: str, i: int) -> bool:
    """Whether the expression at ``args[i]`` reaches the log whole: each call around it is a serialiser
    (``JSON.stringify(x)``, ``json.dumps(x)``), not a function that may derive anything from it."""
    depth = 0
    k = i - 1
    while k >= 0:
        c = args[k]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth:
                depth -= 1
            elif c == "(":
                name = re.search(r"([A-Za-z_$][\w$]*)\s*$", args[:k])
                if name is not None and name.group(1).lower() not in _SERIALISERS:
                    return False
        k -= 1
    return True


def record(body: Body, service: str, found: Sequence[Logged]) -> None:
    """State that ``service`` logs sensitive data, at its first such log statement, with every one in a note."""
    if not found:
        return
    body.set("services", service, "logs_sensitive_data", True, found[0].at)
    shown = [f"{x.what} (the whole request: {x.whole_request}) {_where(x)}" if x.whole_request else
             f"{x.what} (personal data: {x.personal}) {_where(x)}" if x.personal else f"{x.what} {_where(x)}"
             for x in found[:3]]
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    sinks = "log statements and span attributes" if any(x.level == "span attribute" for x in found) else \
        "log statements"
    body.note("services", service, f"logs_sensitive_data: its {sinks} write {'; '.join(shown)}{more}")


def _where(x: Logged) -> str:
    return f"in a span attribute (exported with the trace), {x.at}" if x.level == "span attribute" else \
        f"at {x.level} level, {x.at}"


__all__ = ["SUFFIXES", "Logged", "logged", "record", "sensitive_name"]
