"""Credentials written out in a service's source code -> ``secrets_source: repo_config`` (``import source``).

A string literal given to a name that says credential is a secret kept in the repository, copied to every
clone: ``secret: 'sooper secret'`` in an Express session's options, ``bob.password("secret")`` on a Spring
``DataSourceBuilder``, ``app.config["SECRET_KEY"] = "..."``, ``PlainCredentials('guest', 'guest')``. The forms
read, in Python (with ``ast``), JavaScript/TypeScript, Java, PHP and C# (comments blanked first):

- an assignment to a variable, attribute or key (``password = "x"``, ``$pass = 'x'``, ``cfg['token'] = 'x'``);
- an object or dict entry, a keyword argument (``{secret: 'x'}``, ``'password' => 'x'``, ``f(api_key="x")``);
- a setter or builder call with the literal alone (``setPassword("x")``, ``.password("x")``);
- the password argument of a credentials constructor the catalogue names (``PlainCredentials(u, "x")``);
- a secret object built from a literal (``new Secret("x".Sha256())``, an IdentityServer client's secret);
- a getter whose whole body returns a literal, named for a credential (``getSigningSecret() { return "x"; }``), or
  named for a key in a class that says it provides keys or secrets (``class ConstantKeyProvider { String getKey()
  { return "x"; } }``: the key a signer or cipher asks its provider for is written in the code).

What a credential name, a reference and a placeholder look like is data (``engine/data/code_secrets.yaml``):
a name that merely mentions the word (``passwordField``, ``token_url``, ``get_secret``) is none; a value that
refers elsewhere (``${X}``, ``process.env.X``, ``os.getenv(...)``, ``<password>``, an empty string) is none;
tests, fixtures, examples and generated files are not read. Only the name is reported, never the value.
It is the fact a literal password in an environment variable gives (``secrets_source: repo_config``), so that
the service's agent files agree.

The other way round, ``refused_values`` reads the values of environment variables the code refuses to start with
(``if SECRET_KEY == "change-me": raise ...`` at module level): a deployment that commits such a placeholder keeps
no working credential in the repository (``code_routes`` then takes the deployment's ``secrets_source`` back).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from engine.errors import InputError, Location
from engine.importers import code_trees, spring
from engine.importers.base import Body
from engine.importers.code_text import close_bracket, test_tree
from engine.source import DEFAULT_LIMITS, Limits, read_text


@dataclass(frozen=True)
class Secret:
    """A credential written in the code: the name it is given (never its value), and where."""

    name: str
    at: Location


@dataclass(frozen=True)
class _Catalogue:
    suffixes: tuple[str, ...]
    names: re.Pattern[str]
    not_setters: frozenset[str]
    not_values: re.Pattern[str]
    calls: dict[str, int]
    skip_dirs: frozenset[str]
    skip_files: re.Pattern[str]
    generated: re.Pattern[str]
    spring_config: re.Pattern[str]
    record_dirs: frozenset[str]


@functools.cache
def _catalogue() -> _Catalogue:
    data: dict[str, Any] = yaml.safe_load(
        resources.files("engine").joinpath("data", "code_secrets.yaml").read_text(encoding="utf-8"))
    return _Catalogue(tuple(data["suffixes"]), re.compile(data["names"], re.IGNORECASE),
                      frozenset(data["not_setters"]), re.compile(data["not_values"], re.DOTALL),
                      {str(k): int(v) for k, v in data["calls"].items()}, frozenset(data["skip_dirs"]),
                      re.compile(data["skip_files"]), re.compile(data["generated"]),
                      re.compile(data["spring_config"]), frozenset(data["record_dirs"]))


def snake(name: str) -> str:
    """``clientSecret`` -> ``client_secret``, ``X-Api-Key`` -> ``x_api_key``, ``session.secret`` -> ``secret``."""
    last = name.rsplit(".", 1)[-1].strip("$_")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", last).replace("-", "_").lower()


def credential_name(name: str) -> bool:
    """Whether a name says it holds a credential (the whole name, not a mention of the word)."""
    return _catalogue().names.fullmatch(snake(name)) is not None


def literal_value(name: str, value: str) -> bool:
    """Whether a literal given to a credential name is a credential: not empty, not a reference, a
    placeholder, a switch or a path, and not the name itself (a form field's label) nor a key named for it
    (``PRIVATE_KEY = 'oauth_private_key'``: where the credential is kept, not the credential)."""
    return _catalogue().not_values.fullmatch(value) is None and snake(value) != snake(name) \
        and not (re.fullmatch(r"[a-z][a-z0-9_]*", value) and value.endswith(f"_{snake(name).lstrip('_')}"))


def _setter(call: str) -> str | None:
    """The credential a call named ``call`` sets (``setPassword`` -> ``Password``), None when it sets none: a call
    whose first word (a private name's leading underscores aside) reads, checks or makes one (``_make_api_key("hcw_")``
    takes a prefix, not the key) sets none."""
    m = re.fullmatch(r"(?:set|with)_?([A-Za-z]\w*)", call)
    name = m.group(1) if m else call
    if not credential_name(name) or (not m and snake(call).lstrip("_").split("_", 1)[0] in _catalogue().not_setters):
        return None
    return name


# --------------------------------------------------------------------------------------
# Which files
# --------------------------------------------------------------------------------------


# As many files as the routes import reads of one tree (code_routes.MAX_FILES); a larger tree is read in part.
MAX_FILES = 5000


def source_files(path: str, *, config: bool = False) -> Iterator[str]:
    """The running code under ``path``, sorted: tests, fixtures, examples, dependencies and build output skipped;
    with ``config``, the Spring application configuration (``application*.yml``, ``bootstrap.properties``...)."""
    cat = _catalogue()

    def wanted(name: str) -> bool:
        if config:
            return cat.spring_config.fullmatch(name) is not None
        return name.endswith(cat.suffixes) and not cat.skip_files.fullmatch(name)

    if not os.path.isdir(path):
        if wanted(os.path.basename(path)):
            yield path
        return
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in cat.skip_dirs and not d.startswith(".") and not test_tree(root, d))
        yield from (os.path.join(root, n) for n in sorted(names) if wanted(n))


def scan(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> tuple[Secret, ...]:
    """The credentials written in the code under ``paths``, and in the Spring configuration beside it, in file
    and line order. Configuration that does not parse is left to the ``spring`` import, which says why."""
    found: list[Secret] = []
    for p in paths:
        for f in itertools.islice(source_files(p), MAX_FILES):
            try:
                text = read_text(f, limits)
            except InputError:
                continue  # a file that cannot be read (not UTF-8, too large): the routes import says why
            if not _catalogue().generated.search(text[:500]):
                found.extend(secrets_of_file(f, text))
        for f in source_files(p, config=True):
            with contextlib.suppress(InputError):
                found.extend(Secret(name, at) for name, at in spring.literal_secrets(f, limits))
    return tuple(sorted(set(found), key=lambda s: (s.at.file, s.at.line, s.at.column, s.name)))


def secrets_of_file(path: str, text: str) -> list[Secret]:
    """The credentials one source file writes out (by its language), in line order."""
    found = _python(path, text) if path.endswith(".py") else _c_like(path, text, php=path.endswith(".php"))
    return sorted(found, key=lambda s: (s.at.line, s.at.column, s.name))


# --------------------------------------------------------------------------------------
# Python, read with ast
# --------------------------------------------------------------------------------------


def _python(path: str, text: str) -> list[Secret]:
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the routes import says why the file is not read
    out: list[Secret] = []

    def found(name: str, value: ast.AST | None, node: ast.AST) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and credential_name(name) and \
                literal_value(name, value.value):
            out.append(Secret(name, Location(path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)))

    for node in code_trees.nodes(tree, ast.Assign, ast.AnnAssign, ast.Dict, ast.Call):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                name = _target_name(t)
                if name:
                    found(name, node.value, node)
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and not (
                        isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value in _keys_within(node)):
                    found(k.value, v, k)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    found(kw.arg, kw.value, kw.value)
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else \
                node.func.id if isinstance(node.func, ast.Name) else ""
            index = _catalogue().calls.get(callee)
            if index and len(node.args) >= index:
                arg = node.args[index - 1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and \
                        literal_value("password", arg.value):
                    out.append(Secret(f"{callee}(password)", Location(path, arg.lineno, arg.col_offset + 1)))
            setter = _setter(callee) if len(node.args) == 1 and not node.keywords else None
            if setter:
                found(setter, node.args[0], node)
    return out


def _variable_read(node: ast.AST) -> str | None:
    """The environment variable a call reads (``os.getenv("X")``, ``os.environ.get("X")``, ``os.environ["X"]``, a
    project's helper named for the environment taking the name first, ``get_str_from_env("X")``), or None."""
    if isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value) and \
            isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant) or \
            not isinstance(node.args[0].value, str):
        return None
    fn = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) \
        else ""
    if fn == "getenv" or (fn == "get" and isinstance(node.func, ast.Attribute) and "environ" in
                          ast.unparse(node.func.value)) or (fn != "get" and "env" in fn.lower().split("_")):
        return node.args[0].value
    return None


def _compared_literals(test: ast.AST, variables: dict[str, str]) -> list[tuple[str, str]]:
    """(variable, literal) of each comparison in an ``if`` test of a value read from a variable with a literal:
    ``X == "change-me"``, ``"change-me" == X``, ``X in ("", "change-me")``; the test itself or an operand of its
    ``or`` (one that holds alone makes the test hold: under an ``and`` the raise may depend on something else)."""
    out: list[tuple[str, str]] = []
    alone = [test]
    while any(isinstance(n, ast.BoolOp) and isinstance(n.op, ast.Or) for n in alone):
        alone = [v for n in alone for v in (n.values if isinstance(n, ast.BoolOp) and isinstance(n.op, ast.Or)
                                            else [n])]
    for node in alone:
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        sides = [node.left, node.comparators[0]]
        for here, there in (sides, sides[::-1]):
            var = variables.get(here.id) if isinstance(here, ast.Name) else _variable_read(here)
            if var is None:
                continue
            if isinstance(node.ops[0], ast.Eq) and isinstance(there, ast.Constant) and isinstance(there.value, str):
                out.append((var, there.value))
            elif isinstance(node.ops[0], ast.In) and here is node.left and isinstance(there, (ast.Tuple, ast.List,
                                                                                              ast.Set)):
                out.extend((var, e.value) for e in there.elts if isinstance(e, ast.Constant) and
                           isinstance(e.value, str))
    return out


def refused_values(texts: Sequence[tuple[str, str]]) -> dict[str, tuple[frozenset[str], Location]]:
    """The values of environment variables a service's Python code refuses to start with, and where: a module-level
    ``if`` whose test compares the variable (read there, or a module-level name assigned from the read:
    ``SECRET_KEY = os.getenv("PAPERLESS_SECRET_KEY")``) with a literal and whose body raises, unconditionally,
    there (``if SECRET_KEY == "change-me": raise ImproperlyConfigured(...)``). Such a value committed in the
    deployment is a placeholder no running process uses, not a credential. A check inside a function is not read
    (when it runs is not known), nor one that only warns."""
    out: dict[str, tuple[set[str], Location]] = {}
    for path, text in texts:
        if not path.endswith(".py") or "raise" not in text:
            continue
        try:
            tree = code_trees.parse(text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        variables: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                var = _variable_read(node.value)
                if var is not None:
                    variables[node.targets[0].id] = var
                else:
                    variables.pop(node.targets[0].id, None)
            elif isinstance(node, ast.If) and any(isinstance(st, ast.Raise) for st in node.body):
                raised = next(st for st in node.body if isinstance(st, ast.Raise))
                for var, literal in _compared_literals(node.test, variables):
                    out.setdefault(var, (set(), Location(path, raised.lineno, raised.col_offset + 1)))[0].add(literal)
    return {k: (frozenset(v), at) for k, (v, at) in sorted(out.items())}


def _keys_within(node: ast.Dict) -> frozenset[str]:
    """The string keys of the dictionaries a dictionary literal holds, at any depth: a credential key whose value is
    one of them names a field of the same structure (a JSON schema's ``"secret": "url"`` beside its ``"properties":
    {"url": ...}``), not a credential."""
    return frozenset(k.value for d in ast.walk(node) if isinstance(d, ast.Dict) and d is not node
                     for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))


def _target_name(t: ast.AST) -> str | None:
    if isinstance(t, ast.Name):
        return t.id
    if isinstance(t, ast.Attribute):
        return t.attr
    if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
        return t.slice.value
    return None


# --------------------------------------------------------------------------------------
# JavaScript, TypeScript, Java, PHP: read as text, comments blanked
# --------------------------------------------------------------------------------------

_STRING = r"""(?P<q>["'`])(?P<value>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)\s*(?=[,;)}\]\n]|$)"""
_FORMS = (
    # password = "x";  this.secret = 'x';  $pass = 'x';  { secret: 'x' }  (not ==, =>, ::)
    re.compile(r"(?<![\w$])(?P<name>\$?[A-Za-z_]\w*)\s*(?::(?!:)|=(?![=>]))\s*" + _STRING, re.MULTILINE),
    # "password": "x";  'password' => 'x';  cfg['token'] = 'x'
    re.compile(r"(?P<kq>[\"'])(?P<name>[\w.\-]+)(?P=kq)\s*(?:\]\s*=(?![=>])|:|=>)\s*" + _STRING, re.MULTILINE),
    # props.put("password", "x");  define('DB_PASSWORD', 'x')
    re.compile(r"(?<![\w$])(?:put|setProperty|set|define)\(\s*(?P<kq>[\"'])(?P<name>[\w.\-]+)(?P=kq)\s*,\s*" +
               _STRING, re.MULTILINE),
)
_SETTER = re.compile(r"(?<![\w$])(?P<call>[A-Za-z_]\w*)\(\s*" + _STRING.replace(r"\s*(?=[,;)}\]\n]|$)", r"\s*\)"))
_CALL2 = re.compile(r"(?<![\w$])(?P<call>[A-Za-z_]\w*)\(\s*([\"'])[^\"'\n]*\2\s*,\s*" +
                    _STRING.replace(r"(?=[,;)}\]\n]|$)", r"(?=[,)])"))
# new Secret("x".Sha256()), new ClientSecret("x"): a secret object built from a literal (IdentityServer's clients)
_SECRET_OBJECT = re.compile(r"(?<![\w$])new\s+(?P<call>(?:[A-Z]\w*)?Secret)\s*\(\s*" +
                            _STRING.replace(r"\s*(?=[,;)}\]\n]|$)", r"\s*(?=[,.)])"))
# String getSigningSecret() { return "x"; }  public getKey(): string { return 'x'; }  (the whole body, one literal)
_GETTER = re.compile(r"(?<![\w$])(?P<call>get_?[A-Za-z]\w*|get)\s*\([^()]*\)\s*(?::\s*[\w.<>\[\]]+\s*)?"
                     r"(?:throws\s+[\w.,\s]+)?\{\s*return\s+(?P<q>[\"'`])(?P<value>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)"
                     r"\s*;\s*\}")
_PROVIDER_CLASS = re.compile(r"\bclass\s+(\w*(?:Key|Secret|Credential)s?"
                             r"(?:Provider|Supplier|Resolver|Source|Holder))\b")
_COMMENTS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|(//[^\n]*|/\*.*?\*/)""",
                       re.DOTALL)
_HASH_COMMENTS = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(//[^\n]*|#[^\n]*|/\*.*?\*/)""",
                            re.DOTALL)


def _blank(text: str, php: bool) -> str:
    """Comments replaced by spaces (line breaks kept, so that offsets and lines stay); strings kept."""
    def repl(m: re.Match[str]) -> str:
        return m.group(1) if m.group(1) is not None else re.sub(r"[^\n]", " ", m.group(2))

    return (_HASH_COMMENTS if php else _COMMENTS).sub(repl, text)


def _record_class(path: str) -> bool:
    """Whether ``path`` is a Java class of a package of records (``.../entity/Account.java``): its fields' literal
    defaults are data, not credentials (catalogue ``record_dirs``)."""
    dirs = path.replace("\\", "/").split("/")[:-1]
    return path.endswith(".java") and any(d in _catalogue().record_dirs for d in dirs)


# A TypeScript enum's body: its members (``API_KEY = 'a_k'``) are labels the code compares and passes, not values
# it holds, whatever they are named
_TS_ENUM = re.compile(r"(?<![\w$])enum\s+[A-Za-z_$][\w$]*\s*\{")


def _enum_bodies(path: str, code: str) -> list[tuple[int, int]]:
    """The spans of the enum bodies of a TypeScript file (none in another language)."""
    if not path.endswith(".ts"):
        return []
    return [(m.end(), close_bracket(code, m.end() - 1)) for m in _TS_ENUM.finditer(code)]


def _c_like(path: str, text: str, php: bool) -> list[Secret]:
    code = _blank(text, php)
    out: list[Secret] = []
    enums = _enum_bodies(path, code)

    def at(i: int) -> Location:
        return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)

    for form in _FORMS[1:] if _record_class(path) else _FORMS:
        for m in form.finditer(code):
            name, value = m.group("name"), m.group("value")
            if any(start <= m.start() < end for start, end in enums):
                continue
            if credential_name(name) and literal_value(name, value):
                out.append(Secret(name.lstrip("$"), at(m.start("name"))))
    for m in _SETTER.finditer(code):
        name = _setter(m.group("call"))
        if name and literal_value(name, m.group("value")):
            out.append(Secret(name, at(m.start("call"))))
    for m in _SECRET_OBJECT.finditer(code):
        if _catalogue().not_values.fullmatch(m.group("value")) is None:  # its argument is the secret, never a label
            out.append(Secret(m.group("call"), at(m.start("call"))))
    for m in _GETTER.finditer(code):
        name = _getter_secret(code, m.start(), m.group("call"))
        if name and literal_value(name, m.group("value")):
            out.append(Secret(name, at(m.start("call"))))
    for m in _CALL2.finditer(code):
        if _catalogue().calls.get(m.group("call")) == 2 and literal_value("password", m.group("value")):
            out.append(Secret(f"{m.group('call')}(password)", at(m.start("value"))))
    return out


def _getter_secret(code: str, start: int, call: str) -> str | None:
    """The credential a getter returning a literal hands out: the one its name says (``getApiKey`` -> ``ApiKey``),
    or, for a getter named for a key or secret (``getKey``) in a class that says it provides them, that class's
    key (``ConstantKeyProvider.getKey``); None when it hands out none."""
    rest = re.sub(r"^get_?", "", call)
    if rest and credential_name(rest):
        return rest
    klass = next(reversed(list(_PROVIDER_CLASS.finditer(code, 0, start))), None)  # the class it is in, at most
    if klass is not None and (not rest or snake(rest).endswith(("key", "secret"))):
        return f"{klass.group(1)}.{call}"
    return None


# --------------------------------------------------------------------------------------
# The fact
# --------------------------------------------------------------------------------------


def record(body: Body, service: str, secrets: Sequence[Secret]) -> None:
    """The service keeps secrets in its repository: ``secrets_source: repo_config`` at the first credential,
    and a note naming each (``secret (config.js:10)``), never its value."""
    if not secrets:
        return
    body.set("services", service, "secrets_source", "repo_config", secrets[0].at)
    names = ", ".join(f"{s.name} ({s.at.file}:{s.at.line})" for s in secrets)
    body.note("services", service, "secrets_source repo_config: credentials written in the service's code and "
                                   f"configuration: {names} (values not shown)")


__all__ = ["Secret", "credential_name", "literal_value", "record", "refused_values", "scan", "secrets_of_file",
           "source_files"]
