"""The routes of a Node.js service written with Fastify or NestJS (``import source``; Express is in ``code_routes``).

- **Fastify**: ``fastify.get('/x', ...)`` (every shorthand: ``get``, ``post``, ``put``, ``patch``, ``delete``,
  ``head``, ``options``, ``all``) and ``fastify.route({method, url})`` on an instance the file creates
  (``Fastify()``, ``require('fastify')()``) or a plugin's instance (the first parameter of a function of a file that
  names Fastify). A plugin's prefix is read where the service registers it: inline
  (``app.register(async (api) => {...}, {prefix: '/v1'})``), from another file of the service
  (``app.register(require('./routes/users'), {prefix: '/users'})``, or an imported name), or by
  ``@fastify/autoload`` (``register(AutoLoad, {dir: path.join(__dirname, 'routes'), options: {prefix}})``: each
  folder under ``routes`` adds its name to the prefix, as the plugin does by default).
- **NestJS**: a ``@Controller('prefix')`` class's methods decorated ``@Get()``, ``@Post(':id')`` ... (``@All``:
  every method); ``app.setGlobalPrefix('api')`` in the service's files is put before each, and with URI versioning
  (``app.enableVersioning({type: VersioningType.URI, defaultVersion: '1'})``) the version after it: ``/v1/...``,
  the method's ``@Version('2')`` or the controller's ``version: '2'`` before the default, none for
  ``VERSION_NEUTRAL`` or when no version applies. A route is rate limited when ``@nestjs/throttler``'s guard applies
  to it, as that package documents: ``ThrottlerGuard``, or a class of the service that extends it (at any depth), in
  the ``@UseGuards(...)`` of its method or of its controller class, or bound to every route as an ``APP_GUARD``
  provider (``{provide: APP_GUARD, useClass: ThrottlerGuard}``); unless ``@SkipThrottle()`` on the method (else on
  the class) skips it (``@SkipThrottle({default: false})`` does not). ``@Throttle(...)`` alone configures a limit
  and applies none.

A route whose path is computed (a template with ``${...}``, a variable) is left out.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import blank_comments, bracket_pairs, close_bracket, inside, split_args

_VERBS = "get|post|put|patch|delete|head|options|all"
_STRING = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$\n]*)`""")
_NAMES_FASTIFY = re.compile(r"""['"](?:fastify|fastify-plugin)['"]|"""
                            r"""\bFastify(?:Instance|PluginAsync|PluginCallback)\b""")
_FACTORY = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?(?:Fastify|fastify|"
                      r"require\s*\(\s*['\"]fastify['\"]\s*\))\s*\(")
_PLUGIN_FN = re.compile(r"(?:\bfunction\b\s*[\w$]*\s*|(?<![\w$]))\(\s*([A-Za-z_$][\w$]*)\s*(?::\s*[\w$.<>]+\s*)?"
                        r"(?:,[^()]*)?\)\s*(?:=>|\{|:)")
_SKIP = frozenset({"node_modules", "dist", "build", "coverage", "test", "tests", "__tests__"})


@dataclass(frozen=True)
class NodeRoute:
    """A route: method (``ANY``: every method), path as written (prefix joined), where, the framework, and the
    span of its handler's code (for what the handler writes)."""

    method: str
    path: str
    at: Location
    framework: str
    start: int
    end: int
    params: str = ""
    """The handler's parameter list as written, when the route is a method (NestJS): its ``@Body()`` parameter."""
    throttled: str = ""
    throttled_if: ThrottleSetting | None = None
    """The setting on which ``throttled`` depends (the throttler's ``skipIf`` reads one), when it does."""
    """Why and where ``@nestjs/throttler``'s guard limits the route (NestJS), when it does."""


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _literal(text: str) -> str | None:
    m = _STRING.fullmatch(text.strip())
    return next(g for g in m.groups() if g is not None) if m else None


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path or "/"
    if not path or path == "/":
        return "/" + prefix.strip("/")
    return "/" + prefix.strip("/") + "/" + path.lstrip("/")


def _option(options: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*:\s*('[^'\n]*'|\"[^\"\n]*\"|`[^`$\n]*`)", options)
    return _literal(m.group(1)) if m else None


# --- Fastify -------------------------------------------------------------------------------------------------

def fastify_routes(path: str, code: str) -> list[NodeRoute]:
    """The Fastify routes of one file (comments blanked)."""
    receivers = {m.group(1) for m in _FACTORY.finditer(code)}
    named = re.search(r"(?<![\w$.])fastify\s*\.\s*(?:" + _VERBS + r"|route|register)\s*\(", code)
    if _NAMES_FASTIFY.search(code) or receivers or named:
        # a plugin's instance: the first parameter of a function of a file that names Fastify
        receivers |= {m.group(1) for m in _PLUGIN_FN.finditer(code)} & {"fastify", "app", "server", "instance",
                                                                        "api", "router"}
        receivers |= {"fastify"} if named else set()
    if not receivers:
        return []
    outer = _outer_prefix(path)
    inline = _inline_prefixes(code)
    receivers |= {name for _s, _e, _p, name in inline if name}
    out: list[NodeRoute] = []
    names = "|".join(map(re.escape, sorted(receivers)))
    for m in re.finditer(rf"(?<![\w$.])({names})\s*\.\s*({_VERBS})\s*\(", code):
        open_at = m.end() - 1
        end = close_bracket(code, open_at)
        args = split_args(inside(code, open_at))
        route = _literal(args[0]) if args else None
        if route is None or len(args) < 2:
            continue
        method = "ANY" if m.group(2) == "all" else m.group(2).upper()
        out.append(NodeRoute(method, _join(outer + _within(inline, m.start()), route), _at(path, code, m.start()),
                             "Fastify route", open_at, end))
    for m in re.finditer(rf"(?<![\w$.])({names})\s*\.\s*route\s*\(\s*\{{", code):
        options = inside(code, m.end() - 1)
        url = _option(options, "url") or _option(options, "path")
        methods = re.search(r"\bmethod\s*:\s*(\[[^\]]*\]|'[^'\n]*'|\"[^\"\n]*\")", options)
        if url is None or methods is None:
            continue
        verbs = [v for v in (_literal(x) for x in split_args(methods.group(1).strip("[]"))) if v] \
            if methods.group(1).startswith("[") else [_literal(methods.group(1)) or ""]
        for verb in verbs:
            out.append(NodeRoute(verb.upper(), _join(outer + _within(inline, m.start()), url),
                                 _at(path, code, m.start()), "Fastify route", m.end() - 1,
                                 close_bracket(code, m.end() - 1)))
    return sorted(out, key=lambda r: (r.at.line, r.at.column, r.method))


def _inline_prefixes(code: str) -> list[tuple[int, int, str, str | None]]:
    """The spans of plugins registered inline (``app.register(async (a) => {...}, {prefix})``): where, the prefix
    (empty: none) and the name of the instance the plugin is given."""
    out = []
    for m in re.finditer(r"\.\s*register\s*\(", code):
        args = split_args(inside(code, m.end() - 1))
        plugin = re.match(r"(?:async\s+)?(?:function\b\s*[\w$]*\s*)?\(\s*([A-Za-z_$][\w$]*)?[^()]*\)\s*(?:=>|\{)",
                          args[0].strip()) if args else None
        if plugin is None:
            continue
        prefix = (_option(args[1], "prefix") if len(args) > 1 else None) or ""
        body = code.find(args[0].strip()[:40], m.end())
        out.append((body, body + len(args[0].strip()), prefix, plugin.group(1)))
    return out


def _within(spans: list[tuple[int, int, str, str | None]], at: int) -> str:
    prefix = ""
    for start, end, text, _name in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not text:
            continue
        if start <= at < end:
            prefix = _join(prefix, text) if prefix else text
    return prefix


@functools.lru_cache(maxsize=256)
def _scripts(directory: str) -> tuple[tuple[str, str], ...]:
    """The JavaScript and TypeScript files of one folder (not entered below), with their text."""
    out = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return ()
    for name in names:
        full = os.path.join(directory, name)
        if name.endswith((".js", ".mjs", ".cjs", ".ts")) and os.path.isfile(full) \
                and os.path.getsize(full) < 500_000:
            with open(full, encoding="utf-8", errors="replace") as f:
                out.append((full, f.read()))
    return tuple(out)


def _outer_prefix(path: str) -> str:
    """The prefix a file's Fastify plugin is registered with by another file of the service (a folder above)."""
    here = os.path.dirname(os.path.abspath(path))
    target = os.path.splitext(os.path.abspath(path))[0]
    folder = here
    for _ in range(4):
        for other, text in _scripts(folder):
            if os.path.abspath(other) == os.path.abspath(path):
                continue
            found = _registered(text, folder, target, here)
            if found is not None:
                return found
        parent = os.path.dirname(folder)
        if parent == folder or os.path.basename(folder) in _SKIP:
            break
        folder = parent
    return ""


def _module(folder: str, spec: str) -> str:
    full = os.path.normpath(os.path.join(folder, spec))
    return os.path.splitext(full)[0] if full.endswith((".js", ".mjs", ".cjs", ".ts")) else full


def _registered(text: str, folder: str, target: str, here: str) -> str | None:
    """The prefix ``text`` (a file in ``folder``) registers the module ``target`` (a file in ``here``) with."""
    imports = {m.group(1) or m.group(3): m.group(2) or m.group(4) for m in re.finditer(
        r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*['\"](\.[^'\"]+)['\"]\s*\)|"
        r"\bimport\s+([A-Za-z_$][\w$]*)\s+from\s+['\"](\.[^'\"]+)['\"]", text)}
    for m in re.finditer(r"\.\s*register\s*\(", text):
        args = split_args(inside(text, m.end() - 1))
        if not args:
            continue
        first, options = args[0].strip(), (args[1] if len(args) > 1 else "")
        spec = re.fullmatch(r"require\s*\(\s*['\"](\.[^'\"]+)['\"]\s*\)", first)
        module = spec.group(1) if spec else imports.get(first)
        if module is not None:
            full = _module(folder, module)
            if full == target or (os.path.basename(target) == "index" and full == os.path.dirname(target)):
                return _option(options, "prefix") or ""
            continue
        if re.search(r"autoload", first, re.IGNORECASE) and "dir" in options:
            d = re.search(r"\bdir\s*:\s*path\s*\.\s*(?:join|resolve)\s*\(\s*__dirname\s*,\s*"
                          r"(['\"][^'\"]+['\"])", options)
            sub = _literal(d.group(1)) if d else None
            if sub is None:
                continue
            root = os.path.normpath(os.path.join(folder, sub))
            if here != root and not here.startswith(root + os.sep):
                continue
            inner = re.search(r"\boptions\s*:\s*\{", options)
            prefix = (_option(inside(options, inner.end() - 1), "prefix") if inner else None) or ""
            rel = os.path.relpath(here, root)
            return _join(prefix, "" if rel == "." else "/" + rel.replace(os.sep, "/")) if rel != "." or prefix \
                else ""
    return None


# --- NestJS --------------------------------------------------------------------------------------------------

_CONTROLLER = re.compile(r"@Controller\s*\(")
_NEST_VERB = re.compile(r"@(Get|Post|Put|Patch|Delete|Head|Options|All)\s*\(")


def nest_routes(path: str, code: str) -> list[NodeRoute]:
    """The NestJS routes of one file (comments blanked): each decorated method of each controller class."""
    if "@nestjs/common" not in code:
        return []
    controllers = list(_CONTROLLER.finditer(code))
    if not controllers:
        return []
    globally = _global_prefix(path)
    versioning = _uri_versioning(path)
    throttlers = _throttlers(source_root(path)) if "@Controller" in code else _NO_THROTTLERS
    out: list[NodeRoute] = []
    for i, c in enumerate(controllers):
        kw = _CLASS.search(code, c.end())
        on_start = _decorators_start(code, c.start())
        on_class = (on_start, code[on_start:kw.start() if kw else c.end()])
        opened = code.find("{", kw.end()) if kw else -1   # the class body: its methods' decorators come after
        args = inside(code, c.end() - 1).strip()
        stated: tuple[str, ...] | None = None   # the controller's own versions (``version:`` of its options)
        if args.startswith("{"):
            found = re.search(r"\bpath\s*:\s*(\[[^\]]*\]|'[^'\n]*'|\"[^\"\n]*\"|`[^`$\n]*`)", args)
            stated = _versions(args, "version")
            args = found.group(1) if found else ""
        prefixes = [_literal(a) for a in split_args(args.strip("[]"))] if args else [""]
        if any(p is None for p in prefixes):
            continue
        stop = controllers[i + 1].start() if i + 1 < len(controllers) else len(code)
        last = c.end()   # the decorators of a method lie between the previous route's body and its own
        for m in _NEST_VERB.finditer(code, c.end(), stop):
            if m.start() < last:
                continue
            inner = inside(code, m.end() - 1).strip()
            paths = [_literal(a) for a in split_args(inner.strip("[]"))] if inner else [""]
            if inner.startswith("{") or any(p is None for p in paths):
                continue
            params, body = _method_after(code, close_bracket(code, m.end() - 1))
            end = close_bracket(code, body) if body >= 0 else m.end()
            method = "ANY" if m.group(1) == "All" else m.group(1).upper()
            own = _method_version(code[last:body if body >= 0 else m.end()])
            bases = _versioned(globally, versioning, own if own is not None else stated)
            throttled = _throttled(path, code, max(last, opened), body if body >= 0 else m.end(), on_class,
                                   throttlers)
            throttled_if = throttlers.only_if if throttled else None
            last = end
            for base in bases:
                for prefix in prefixes:
                    for route in paths:
                        out.append(NodeRoute(method, _join(_join(base, prefix or ""), route or ""),
                                             _at(path, code, m.start()), "NestJS route", body, end, params,
                                             throttled, throttled_if))
    return out


# --- NestJS: @nestjs/throttler's guard ---------------------------------------------------------------------

_CLASS = re.compile(r"\bclass\s+[A-Za-z_$]")
_USE_GUARDS = re.compile(r"@UseGuards\s*\(")
_SKIP_THROTTLE = re.compile(r"@SkipThrottle\s*\(")
_EXTENDS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)\s*(?:<[^>{}]*>\s*)?extends\s+([A-Za-z_$][\w$]*)")
_APP_GUARD = re.compile(r"\bprovide\s*:\s*APP_GUARD\s*,\s*useClass\s*:\s*([A-Za-z_$][\w$]*)")


@dataclass(frozen=True)
class ThrottleSetting:
    """A setting the service's code makes a guard depend on (the idempotency switch ``idempotency_switch`` reads is
    one too): for the throttler, ``ThrottlerModule.forRoot({skipIf: () =>
    !isRateLimitingEnabled})`` with ``isRateLimitingEnabled`` read from the environment variable ``variable`` (through
    a configuration service's ``get('NAME')``), so the guard limits nothing unless the setting is on (``when_on``; off
    for a ``skipIf`` that returns the setting itself). ``default``: the value a validation schema of the code gives
    it when the environment leaves it unset (envalid's ``bool({default: false})``, Joi's ``boolean().default(false)``;
    None when not declared once), ``defined`` where; ``said``: the ``skipIf`` as written, and where."""

    variable: str
    when_on: bool
    default: str | None
    defined: str
    said: str


@dataclass(frozen=True)
class _Throttlers:
    """The guard classes of a service that throttle (``ThrottlerGuard`` and its subclasses), where one is bound
    to every route (``APP_GUARD``), when one is, and the setting the throttler's ``skipIf`` reads, when it reads
    one."""

    guards: frozenset[str]
    everywhere: tuple[str, Location] | None
    only_if: ThrottleSetting | None = None


_NO_THROTTLERS = _Throttlers(frozenset(), None)
_THROTTLER_MODULE = re.compile(r"\bThrottlerModule\s*\.\s*forRoot(?:Async)?\s*\(")
_SKIP_IF = re.compile(r"\bskipIf\s*:\s*(?:async\s*)?\(\s*[^()]*\)\s*=>\s*")
_GET_SETTING = r"[\w$.]+\s*\.\s*get\s*(?:<[^<>()]*>)?\s*\(\s*['\"]([A-Z][A-Z0-9_]*)['\"]\s*\)"
"""A configuration service's read of one environment variable (``configurationService.get('NAME')``)."""
_BOOL_DEFAULT = (r"\b{name}\s*:\s*(?:bool\s*\(\s*\{{\s*default\s*:\s*(true|false)\b|"
                 r"Joi\s*\.\s*boolean\s*\(\s*\)\s*\.\s*default\s*\(\s*(true|false)\s*\))")
"""A validation schema's default for a boolean variable: envalid's ``NAME: bool({ default: false })``, Joi's
``NAME: Joi.boolean().default(false)``."""


def source_root(path: str) -> str:
    """The service's source folder above a file: the nearest ``src`` or folder with a ``package.json`` (at most
    four levels up, as for the global prefix), else the file's own folder; written as ``path`` is (relative or not)."""
    start = folder = os.path.dirname(os.path.normpath(path)) or "."
    for _ in range(4):
        if os.path.basename(os.path.abspath(folder)) == "src" or os.path.exists(os.path.join(folder, "package.json")):
            return folder
        parent = os.path.normpath(os.path.join(folder, os.pardir))
        if os.path.abspath(parent) == os.path.abspath(folder):
            break
        folder = parent
    return start


def source_files(root: str) -> tuple[tuple[str, int, int], ...]:
    """The script files of the service under ``root`` (tests, builds and dependencies left out), each with its
    modification time and size: a key for what is read of them, so that it is read again when one changes."""
    files: list[tuple[str, int, int]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        for name in sorted(names):
            if name.endswith((".ts", ".js", ".mjs", ".cjs")) and not name.endswith((".spec.ts", ".test.ts", ".d.ts")):
                full = os.path.join(folder, name)
                st = os.stat(full)
                if st.st_size < 500_000:
                    files.append((full, st.st_mtime_ns, st.st_size))
    return tuple(files)


def _throttlers(root: str) -> _Throttlers:
    """The throttling guards of the service under ``root`` (``ThrottlerGuard`` and the classes that extend it), and
    the ``APP_GUARD`` that binds one to every route; read again when a file under it changes."""
    return _throttlers_of(source_files(root))


@functools.lru_cache(maxsize=64)
def _throttlers_of(files: tuple[tuple[str, int, int], ...]) -> _Throttlers:
    extends: dict[str, str] = {}
    bindings: list[tuple[str, str, str, int]] = []
    skips: list[tuple[str, bool, str]] = []
    texts: list[tuple[str, str]] = []
    for full, _mtime, _size in files:
        with open(full, encoding="utf-8", errors="replace") as f:
            text = f.read()
        texts.append((full, text))
        if "extends" not in text and "APP_GUARD" not in text and "ThrottlerModule" not in text:
            continue
        code = blank_comments(text)
        for m in _EXTENDS.finditer(code):
            extends.setdefault(m.group(1), m.group(2))
        bindings.extend((m.group(1), full, code, m.start()) for m in _APP_GUARD.finditer(code))
        skips.extend(_skip_settings(full, code))
    guards = {"ThrottlerGuard"}
    grown = True
    while grown:
        more = {child for child, parent in extends.items() if parent in guards} - guards
        guards |= more
        grown = bool(more)
    everywhere = next(((f"{cls} is bound to every route as an APP_GUARD provider", _at(full, code, i))
                       for cls, full, code, i in sorted(bindings, key=lambda b: (b[1], b[3])) if cls in guards),
                      None)
    only_if = None
    if len(skips) == 1:   # two throttler modules: which one the guard runs under is not read
        variable, when_on, said = skips[0]
        default, defined = _bool_default(variable, texts)
        only_if = ThrottleSetting(variable, when_on, default, defined, said)
    return _Throttlers(frozenset(guards), everywhere, only_if)


def _skip_settings(path: str, code: str) -> Iterator[tuple[str, bool, str]]:
    """The setting each ``ThrottlerModule.forRoot(...)`` of a file makes its guard depend on through ``skipIf``: a
    function returning the setting or its negation (``() => !isRateLimitingEnabled``, ``() => { return !x; }``),
    read from the environment in the options (``const isRateLimitingEnabled = configurationService.get('NAME')``) or
    in the function itself; with whether the guard limits when the setting is on, and the ``skipIf`` as written."""
    for module in _THROTTLER_MODULE.finditer(code):
        options = inside(code, module.end() - 1)
        skip = _SKIP_IF.search(options)
        if skip is None:
            continue
        body = options[skip.end():]
        if body.startswith("{"):
            returned = re.fullmatch(r"\s*return\s+([^;{}]+?)\s*;?\s*", inside(body, 0))
            expr = returned.group(1) if returned else ""
        else:
            expr = (split_args(body) or [""])[0]
        m = re.fullmatch(r"\s*(!?)\s*(?:([A-Za-z_$][\w$]*)|" + _GET_SETTING + r")\s*", expr)
        if m is None:
            continue
        variable = m.group(3)
        if m.group(2):
            read = re.search(r"\b(?:const|let|var)\s+" + re.escape(m.group(2)) + r"\s*=\s*(?:await\s+)?" + _GET_SETTING,
                             options)
            variable = read.group(1) if read else None
        if variable:
            line = code.count("\n", 0, module.end() + skip.start()) + 1
            said = f"skipIf: () => {' '.join(expr.split())} ({path}:{line})"
            yield variable, m.group(1) == "!", said


def _bool_default(variable: str, texts: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    """The default a validation schema of the service's code declares for a boolean variable, and where; None when no
    schema, or more than one, declares one."""
    pattern = re.compile(_BOOL_DEFAULT.format(name=re.escape(variable)))
    found = {(m.group(1) or m.group(2), f"{path}:{text.count(chr(10), 0, m.start()) + 1}")
             for path, text in texts for m in pattern.finditer(blank_comments(text))}
    if len({value for value, _w in found}) != 1:
        return None, ""
    value, where = min(found, key=lambda f: f[1])
    return value, where


# --- A switch the code's idempotency handling reads --------------------------------------------------------

_SWITCH = re.compile(r"\b((?:[A-Z][A-Z0-9_]*)?IDEMPOT[A-Z0-9_]*)\b")
"""A setting named for idempotency (``IS_API_IDEMPOTENCY_ENABLED``): a switch when its name says enable or disable."""
_SWITCH_READ = (r"\bprocess\s*\.\s*env\s*(?:\.\s*{name}\b|\[\s*['\"]{name}['\"]\s*\])|"
                r"\.\s*get\s*(?:<[^<>()]*>)?\s*\(\s*['\"]{name}['\"]\s*\)|"
                r"\bkey\s*:\s*(?:[A-Za-z_$][\w$]*\s*\.\s*{name}\b|['\"]{name}['\"])")
"""A read of one setting: ``process.env.NAME`` (or ``['NAME']``), a configuration service's ``get('NAME')``, or a
feature flag's ``key: FlagsEnum.NAME`` (or ``'NAME'``) given to the service's flag reader."""
_DYNAMIC_FLAG = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*process\s*\.\s*env\s*\[\s*"
                           r"[A-Za-z_$][\w$.]*\s*\]")
"""A flag reader's read of the variable its key names (``const value = process.env[command.key]``)."""
_COMPARED_TRUE = r"\bprocess\s*\.\s*env\s*(?:\.\s*{name}\b|\[\s*['\"]{name}['\"]\s*\])\s*===?\s*['\"]true['\"]"


def idempotency_switch(texts: Sequence[tuple[str, str]]) -> ThrottleSetting | None:
    """The setting the service's idempotency handling is switched by: one variable named for idempotency and for
    enabling (``IS_API_IDEMPOTENCY_ENABLED``: on when set; ``..._DISABLED``: off when set) that its code reads
    (``_SWITCH_READ``), with where and as written. Its ``default`` when the deployment leaves it unset: a validation
    schema's (``_bool_default``); for a flag given by key to a reader that reads the variable named by the key and
    falls back to a boolean (``const value = process.env[command.key]; ... parse(value, false)``), that boolean;
    for ``process.env.NAME === 'true'``, off. None when no code reads such a variable, or reads more than one."""
    found: dict[str, tuple[str, str, bool]] = {}
    codes = [(path, blank_comments(text)) for path, text in texts if "IDEMPOT" in text]
    for path, code in codes:
        for name in sorted({m.group(1) for m in _SWITCH.finditer(code)}):
            words = name.split("_")
            if ("ENABLED" in words or "ENABLE" in words) == ("DISABLED" in words or "DISABLE" in words):
                continue
            seen = re.search(_SWITCH_READ.format(name=re.escape(name)), code)
            if seen is not None:
                line = code.count("\n", 0, seen.start()) + 1
                found.setdefault(name, (f"{' '.join(seen.group(0).split())} ({path}:{line})", seen.group(0),
                                        "DISABLED" not in words and "DISABLE" not in words))
    if len(found) != 1:
        return None
    (name, (said, read, when_on)), = found.items()
    default, defined = _bool_default(name, texts)
    if default is None and read.lstrip().startswith("key"):
        default, defined = _flag_reader_default(texts)
    if default is None:
        pattern = re.compile(_COMPARED_TRUE.format(name=re.escape(name)))
        compared = sorted((path, code.count("\n", 0, m.start()) + 1) for path, code in codes
                          for m in pattern.finditer(code))
        if compared:
            default, defined = "false", f"{compared[0][0]}:{compared[0][1]}, unset is not 'true'"
    return ThrottleSetting(name, when_on, default, defined, said)


def _flag_reader_default(texts: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
    """The boolean the service's flag reader falls back to when the variable a flag's key names is unset (``const
    value = process.env[command.key]`` then a call given ``(value, false)``), and where; None when no reader, or
    readers falling back to different values."""
    found: set[tuple[str, str]] = set()
    for path, text in texts:
        if "process" not in text:
            continue
        code = blank_comments(text)
        for m in _DYNAMIC_FLAG.finditer(code):
            fallback = re.compile(r"[A-Za-z_$][\w$]*\s*\(\s*" + re.escape(m.group(1)) + r"\s*,\s*(true|false)\s*\)")
            used = fallback.search(code, m.end())
            if used is not None:
                found.add((used.group(1), f"{path}:{code.count(chr(10), 0, used.start()) + 1}"))
    if len({value for value, _w in found}) != 1:
        return None, ""
    return min(found, key=lambda f: f[1])


def _decorators_start(code: str, i: int) -> int:
    """Where the run of decorators that ends with the one starting at ``i`` begins (``@UseGuards(X)`` written
    before ``@Controller(...)``)."""
    closes = {close - 1: opened for opened, close in bracket_pairs(code).items()}
    while True:
        j = i - 1
        while j >= 0 and code[j].isspace():
            j -= 1
        if j < 0 or code[j] != ")" or j not in closes:
            return i
        d = re.search(r"@[\w$.]+\s*$", code[max(0, closes[j] - 200):closes[j]])
        if d is None:
            return i
        i = closes[j] - (len(code[max(0, closes[j] - 200):closes[j]]) - d.start())


def _guard_names(decorators: str) -> Iterator[tuple[str, int]]:
    """The classes ``@UseGuards(...)`` names in a run of decorators (``new X()`` and ``X`` alike), with where."""
    for m in _USE_GUARDS.finditer(decorators):
        for arg in split_args(inside(decorators, m.end() - 1)):
            name = re.fullmatch(r"(?:new\s+)?([A-Za-z_$][\w$]*)\s*(?:\(\s*\))?", arg.strip())
            if name:
                yield name.group(1), m.start()


def _skips(decorators: str) -> bool | None:
    """Whether ``@SkipThrottle(...)`` in a run of decorators skips the throttler (no argument, ``true``, or an
    option set ``true``), does not (``false`` or every option ``false``), or None when it is not there."""
    m = _SKIP_THROTTLE.search(decorators)
    if m is None:
        return None
    args = inside(decorators, m.end() - 1).strip()
    return not args or bool(re.search(r"\btrue\b", args))


def _throttled(path: str, code: str, start: int, end: int, on_class: tuple[int, str], throttlers: _Throttlers) -> str:
    """Why ``@nestjs/throttler``'s guard limits the route whose decorators are ``code[start:end]`` in the controller
    whose class decorators start at ``on_class[0]`` (``on_class[1]``); empty when none does."""
    own = code[start:end]
    skipped = _skips(own)
    if skipped is None:
        skipped = _skips(on_class[1])
    if skipped:
        return ""
    for name, i in _guard_names(own):
        if name in throttlers.guards:
            where = _at(path, code, start + i)
            return f"@nestjs/throttler's {name} guards the route ({where.file}:{where.line})"
    for name, i in _guard_names(on_class[1]):
        if name in throttlers.guards:
            where = _at(path, code, on_class[0] + i)
            return f"@nestjs/throttler's {name} guards its controller ({where.file}:{where.line})"
    if throttlers.everywhere:
        why, where = throttlers.everywhere
        return f"@nestjs/throttler's {why} ({where.file}:{where.line})"
    return ""


# ``VERSION_NEUTRAL`` (a route served whatever the version asked) reads as no version: ``()``
_NEUTRAL = re.compile(r"^\s*VERSION_NEUTRAL\s*$")


def _versions(options: str, key: str) -> tuple[str, ...] | None:
    """The versions an options object gives under ``key`` (``version: '2'``, ``defaultVersion: ['1', '2']``):
    ``()`` for ``VERSION_NEUTRAL``, None when it gives none or one that is computed."""
    options = options.strip()
    if options.startswith("{"):
        options = inside(options, 0)
    m = re.search(rf"\b{key}\s*:\s*", options)
    if m is None:
        return None
    rest = options[m.end():]
    value = inside(rest, 0) if rest.startswith("[") else split_args(rest)[0] if split_args(rest) else ""
    items = split_args(value) if rest.startswith("[") else [value]
    if any(_NEUTRAL.match(v) for v in items):
        return ()
    found = [_literal(v) for v in items]
    return None if not found or any(v is None for v in found) else tuple(v for v in found if v is not None)


def _method_version(decorators: str) -> tuple[str, ...] | None:
    """The versions a method's own ``@Version('2')`` (or ``@Version(['1', '2'])``) gives, among its decorators."""
    m = re.search(r"@Version\s*\(", decorators)
    return None if m is None else _versions("version: " + inside(decorators, m.end() - 1), "version")


@dataclass(frozen=True)
class _Versioning:
    """URI versioning as ``enableVersioning`` turns it on: the prefix put before a version and the default versions."""

    prefix: str
    default: tuple[str, ...] | None


def _versioned(globally: str, versioning: _Versioning | None, stated: tuple[str, ...] | None) -> list[str]:
    """The bases of a route: the global prefix, then with URI versioning one ``<prefix><version>`` per version."""
    versions = stated if stated is not None else versioning.default if versioning else None
    if versioning is None or not versions:
        return [globally]
    return [_join(globally, versioning.prefix + v) for v in versions]


_DECORATOR = re.compile(r"\s*@[\w$.]+\s*")
_METHOD = re.compile(r"\s*(?:(?:public|private|protected|static|async)\s+)*[A-Za-z_$][\w$]*\s*\(")


def _method_after(code: str, i: int) -> tuple[str, int]:
    """The parameter list and the index of the body's ``{`` of the method a decorator ending at ``i`` decorates,
    past the other decorators in between (``@ApiCreatedResponse({...})``); the next ``{`` when no method follows."""
    while True:
        d = _DECORATOR.match(code, i)
        if d is None:
            break
        i = close_bracket(code, d.end()) if code.startswith("(", d.end()) else d.end()
    m = _METHOD.match(code, i)
    if m is None:
        return "", code.find("{", i)
    return inside(code, m.end() - 1), code.find("{", close_bracket(code, m.end() - 1))


def _global_prefix(path: str) -> str:
    """The global prefix ``app.setGlobalPrefix('api')`` sets in a file of the service's source folder."""
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(4):
        for _other, text in _scripts(folder):
            m = re.search(r"\.\s*setGlobalPrefix\s*\(\s*('[^'\n]*'|\"[^\"\n]*\")", text)
            if m:
                return _literal(m.group(1)) or ""
        if os.path.basename(folder) == "src" or os.path.exists(os.path.join(folder, "package.json")):
            break
        folder = os.path.dirname(folder)
    return ""


def _uri_versioning(path: str) -> _Versioning | None:
    """URI versioning as ``app.enableVersioning({type: VersioningType.URI, ...})`` in a file of the service's source
    folder turns it on (the folders searched as for the global prefix); None for no versioning or another type (a
    header or media-type version leaves the paths as they are). The prefix is ``v`` unless stated; ``prefix: false``
    puts none; the computed parts of a template prefix (``${CONTEXT_PATH}v``) are left out, as a computed global
    prefix is."""
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(4):
        for _other, text in _scripts(folder):
            m = re.search(r"\.\s*enableVersioning\s*\(", text)
            if m is None:
                continue
            options = inside(text, m.end() - 1).strip()
            if not re.search(r"\btype\s*:\s*VersioningType\s*\.\s*URI\b", options):
                return None
            given = re.search(r"\bprefix\s*:\s*('[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|false\b)", options)
            prefix = "v" if given is None else "" if given.group(1) == "false" else \
                re.sub(r"\$\{[^}]*\}", "", given.group(1)[1:-1])
            return _Versioning(prefix.strip("/"), _versions(options, "defaultVersion"))
        if os.path.basename(folder) == "src" or os.path.exists(os.path.join(folder, "package.json")):
            break
        folder = os.path.dirname(folder)
    return None


# What says a NestJS application is assembled here: a module that lists controllers
_MODULE_CONTROLLERS = re.compile(r"@Module\s*\(\s*\{[^@]*?\bcontrollers\s*:", re.DOTALL)
_FROM = re.compile(r"""\b(?:from|require\s*\(|import\s*\()\s*(['"])([^'"\n]+)\1""")
_NAMED_IMPORT = re.compile(r"""\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*(['"])([^'"\n]+)\2""")
_EXPORTED_CLASS = re.compile(r"\bexport\s+(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)")


def unregistered(texts: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The files of a NestJS service (``(path, text)``, comments blanked) whose controllers nothing registers: no other
    file imports them (a relative import or re-export that resolves to the file, or its folder's index) and no file
    imports their exported classes by name from a package or an alias. A controller reaches the application only
    through a module's ``controllers`` list, which imports it; one imported nowhere serves no route (a library's
    controller no module lists). Decided only when the files include a module that lists controllers: a service
    handed over as its controllers alone says nothing of how it is assembled."""
    if not any(_MODULE_CONTROLLERS.search(t) for _f, t in texts):
        return frozenset()
    imported: set[str] = set()
    by_name: set[str] = set()
    for f, t in texts:
        folder = os.path.dirname(f)
        for m in _FROM.finditer(t):
            if m.group(2).startswith("."):
                imported.add(_module(folder, m.group(2)))
        for m in _NAMED_IMPORT.finditer(t):
            if not m.group(3).startswith("."):
                by_name.update(n.split(" as ")[0].strip() for n in m.group(1).split(","))
    out = set()
    for f, t in texts:
        if not f.endswith(".ts") or "@nestjs/common" not in t or not _CONTROLLER.search(t):
            continue
        stem = os.path.normpath(os.path.splitext(f)[0])
        index = os.path.normpath(os.path.dirname(f)) if os.path.basename(stem) == "index" else None
        if stem in imported or (index is not None and index in imported):
            continue
        if any(c in by_name for c in _EXPORTED_CLASS.findall(t)):
            continue
        out.add(f)
    return frozenset(out)


# ``if (process.env.NODE_ENV === 'test') {`` (either side of the comparison): what follows is loaded only in tests
_TEST_ENV = re.compile(r"""\bif\s*\(\s*(?:process\.env\.NODE_ENV\s*===?\s*(['"])test\1|(['"])test\2\s*===?\s*"""
                       r"""process\.env\.NODE_ENV)\s*\)\s*""")
_MODULE_NAME = re.compile(r"(?<![\w$])([A-Z][\w$]*Module)(?![\w$])")
_IMPORT_STATEMENT = re.compile(r"""\bimport\b[^;'"]*?\bfrom\s*(['"])[^'"\n]+\1\s*;?""")


def _relative_imports(path: str, text: str) -> dict[str, str]:
    """The names a file imports by relative path, with the module each resolves to (``_module``)."""
    return {n.split(" as ")[-1].strip(): _module(os.path.dirname(path), m.group(3))
            for m in _NAMED_IMPORT.finditer(text) if m.group(3).startswith(".")
            for n in m.group(1).split(",") if n.strip()}


def test_only(texts: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The controller files of the NestJS modules an application loads only in tests: a module named (apart from its
    import) only inside ``if (process.env.NODE_ENV === 'test') {...}`` (``modules.push(TestingModule)``), whose
    ``@Module`` lists them as its ``controllers``, when no other file imports them. They serve nothing in a
    deployment (``texts``: ``(path, text)`` with comments blanked)."""
    by_stem = {os.path.normpath(os.path.splitext(f)[0]): (f, t) for f, t in texts}
    importers: dict[str, set[str]] = {}
    for f, t in texts:
        for m in _FROM.finditer(t):
            if m.group(2).startswith("."):
                importers.setdefault(_module(os.path.dirname(f), m.group(2)), set()).add(f)
    out: set[str] = set()
    for f, t in texts:
        bodies = []
        for m in _TEST_ENV.finditer(t):
            end = close_bracket(t, m.end()) if t.startswith("{", m.end()) else t.find(";", m.end()) + 1
            bodies.append((m.end(), end if end > m.end() else len(t)))
        if not bodies:
            continue
        rest = _IMPORT_STATEMENT.sub("", "".join(t[a:b] for a, b in _gaps(len(t), bodies)))
        named = {n for s, e in bodies for n in _MODULE_NAME.findall(t, s, e)} - set(_MODULE_NAME.findall(rest))
        where = _relative_imports(f, t)
        for name in sorted(named & where.keys()):
            found = by_stem.get(os.path.normpath(where[name]))
            if found is None:
                continue
            module_file, module_text = found
            decorator = re.search(r"@Module\s*\(", module_text)
            listed = re.search(r"\bcontrollers\s*:\s*\[([^\]]*)\]", inside(module_text, decorator.end() - 1)) \
                if decorator else None
            if listed is None:
                continue
            its = _relative_imports(module_file, module_text)
            for c in (c.strip() for c in listed.group(1).split(",") if c.strip() in its):
                stem = os.path.normpath(its[c])
                if stem in by_stem and importers.get(stem, set()) <= {module_file}:
                    out.add(by_stem[stem][0])
    return frozenset(out)


def _gaps(size: int, spans: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The stretches of ``range(size)`` outside ``spans`` (sorted, not overlapping)."""
    at = 0
    for s, e in sorted(spans):
        if s > at:
            yield at, s
        at = max(at, e)
    if at < size:
        yield at, size


def routes(path: str, code: str) -> Iterator[NodeRoute]:
    """The Fastify and NestJS routes of one file (comments blanked)."""
    yield from fastify_routes(path, code)
    yield from nest_routes(path, code)


_NEST_CREATE = re.compile(r"\bNestFactory\s*\.\s*create\s*(?:<[^>()]*>)?\s*\(")
NODE_TLS = re.compile(r"\bhttpsOptions\b|\bcreateSecureServer\s*\(|\bhttps\s*\.\s*createServer\s*\(")
"""What gives a Node.js server TLS: NestJS's ``httpsOptions``, or an HTTPS (or HTTP/2 secure) server of its own."""


def nest_plain_listener(texts: Sequence[tuple[str, str]], own: str) -> tuple[str, Location] | None:
    """Why, and where, a NestJS service listens on plain HTTP: its own code (under ``own``, comments blanked)
    creates the application with ``NestFactory.create`` and no code of the service gives it TLS (``httpsOptions``,
    or an HTTPS server it creates itself). None when it creates no NestJS application, or gives one TLS."""
    if any(NODE_TLS.search(code) for _path, code in texts):
        return None
    for path, code in texts:
        if (path == own or path.startswith(own.rstrip(os.sep) + os.sep)) and (m := _NEST_CREATE.search(code)):
            return ("its NestJS application is created with no httpsOptions and no code of it starts an HTTPS "
                    "server, so it listens on plain HTTP", _at(path, code, m.start()))
    return None


__all__ = ["NODE_TLS", "NodeRoute", "fastify_routes", "nest_plain_listener", "nest_routes", "routes"]
