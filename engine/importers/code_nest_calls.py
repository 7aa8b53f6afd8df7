"""The code a NestJS route's handler runs through the providers injected into its controller (``import source``).

A NestJS controller does little itself: it calls the services its constructor is given
(``constructor(private authService: AuthService)`` -> ``this.authService.verifyAdmin(user)``), which call others in
turn (``this.usersService.makeAdmin(uid)``), and a store at the end (``this.prisma.user.update(...)``). This module
follows those calls as Nest's dependency injection resolves them: a constructor parameter declared with an
accessibility modifier or ``readonly`` is a field of the class of its type; the class of that name defined once in the
service's source folder (the nearest ``src`` or ``package.json`` folder above the controller) is the provider, and its
method of the called name the code run; ``this.method(...)`` is the class's own method. Calls are followed to a depth
of four, each method once; a type defined more than once in the folder, or not in it (a library's), is not entered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.importers import code_node
from engine.importers.code_text import blank_comments, close_bracket, inside, split_args

DEPTH = 4
"""How many calls deep the handler's code is followed (controller -> service -> service -> store helper)."""
_CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)[^{;]*\{")
_CONSTRUCTOR = re.compile(r"\bconstructor\s*\(")
_FIELD = re.compile(r"^(?:@[\w$.]+\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\))?\s*)*"
                    r"(?:(?:private|protected|public|readonly)\s+)+([A-Za-z_$][\w$]*)\s*\??\s*:\s*([A-Za-z_$][\w$]*)")
_THIS_CALL = re.compile(r"\bthis\s*\.\s*([A-Za-z_$][\w$]*)\s*(?:\.\s*([A-Za-z_$][\w$]*)\s*)?\(")


@dataclass(frozen=True)
class Span:
    """A method's body reached from a handler: its file, the file's code (comments blanked), and where it lies."""

    file: str
    code: str
    start: int
    end: int


@dataclass(frozen=True)
class Provider:
    """A class of the service's source folder: its file, the file's code (comments blanked), and its body's span."""

    file: str
    code: str
    start: int
    end: int


@functools.lru_cache(maxsize=16)
def _classes(files: tuple[tuple[str, int, int], ...]) -> dict[str, Provider | None]:
    """Each class defined under the folder by name (None: defined more than once, so not known which one runs)."""
    out: dict[str, Provider | None] = {}
    for full, _mtime, _size in files:
        with open(full, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if "class " not in text:
            continue
        code = blank_comments(text)
        for m in _CLASS.finditer(code):
            body = m.end() - 1
            out[m.group(1)] = None if m.group(1) in out else Provider(full, code, body, close_bracket(code, body))
    return out


def _enclosing(code: str, at: int) -> tuple[int, int] | None:
    """The body of the innermost class of ``code`` around ``at``."""
    best: tuple[int, int] | None = None
    for m in _CLASS.finditer(code, 0, at):
        body = m.end() - 1
        end = close_bracket(code, body)
        if body < at < end and (best is None or body > best[0]):
            best = (body, end)
    return best


def _fields(code: str, start: int, end: int) -> dict[str, str]:
    """The fields a class's constructor declares by its parameters (``private readonly users: UsersService``)."""
    m = _CONSTRUCTOR.search(code, start, end)
    if m is None:
        return {}
    out: dict[str, str] = {}
    for arg in split_args(inside(code, m.end() - 1)):
        f = _FIELD.match(" ".join(arg.split()))
        if f:
            out[f.group(1)] = f.group(2)
    return out


def _method(code: str, start: int, end: int, name: str) -> tuple[int, int, str] | None:
    """The body of the method ``name`` declared in a class's body ``code[start:end]`` (not a call of it), with its
    parameter list as written."""
    pattern = re.compile(r"(?:^|[\n;}])\s*(?:(?:public|private|protected|static|async|override)\s+)*"
                         + re.escape(name) + r"\s*(?:<[^<>()]*>)?\s*\(")
    for m in pattern.finditer(code, start + 1, end):
        close = close_bracket(code, m.end() - 1)
        brace = code.find("{", close)
        semi = code.find(";", close)
        if brace < 0 or brace >= end or 0 <= semi < brace:
            continue   # an overload's signature or an abstract method: no body here
        return brace, close_bracket(code, brace), inside(code, m.end() - 1)
    return None


def classes_under(root: str) -> Mapping[str, Provider | None]:
    """The classes defined in the service's source folder ``root``, for ``reached`` (read again when a file changes)."""
    return _classes(code_node.source_files(root))


class _Classes(Mapping[str, "Provider | None"]):
    """The classes of ``classes_in`` by name, each class's body closed (its end found) only when it is looked up."""

    def __init__(self, found: dict[str, tuple[str, str, int] | None]) -> None:
        self._found = found
        self._made: dict[str, Provider | None] = {}

    def __getitem__(self, name: str) -> Provider | None:
        if name not in self._made:
            at = self._found[name]
            self._made[name] = None if at is None else Provider(at[0], at[1], at[2], close_bracket(at[1], at[2]))
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def classes_in(texts: Sequence[tuple[str, str]]) -> Mapping[str, Provider | None]:
    """Each class the service's script files ``texts`` (path, code with comments blanked) define, by name (None:
    defined more than once): the classes of every source folder the service is built from (its workspace
    libraries' too), for ``calls``."""
    found: dict[str, tuple[str, str, int] | None] = {}
    for path, code in texts:
        if "class " not in code:
            continue
        for m in _CLASS.finditer(code):
            found[m.group(1)] = None if m.group(1) in found else (path, code, m.end() - 1)
    return _Classes(found)


@dataclass(frozen=True)
class Call:
    """A call a method's body makes to a method of its own class or of an injected provider, found: where the call's
    parenthesis opens (in the caller's code), the callee's body and class, and its parameter list as written."""

    paren: int
    span: Span
    cls: tuple[int, int]
    params: str


def fields(code: str, start: int, end: int) -> dict[str, str]:
    """The fields (name -> type) the constructor of the class whose body is ``code[start:end]`` declares."""
    return _fields(code, start, end)


def enclosing(code: str, at: int) -> tuple[int, int] | None:
    """The body of the innermost class of ``code`` around ``at`` (the class whose fields a handler's calls use)."""
    return _enclosing(code, at)


def calls(span: Span, cls: tuple[int, int], classes: Mapping[str, Provider | None]) -> Iterator[Call]:
    """The calls the body ``span`` (of a method of the class whose body is ``cls``) makes to its class's own methods
    (``this.method(...)``) and to those of the providers its constructor is given (``this.users.find(...)``), in
    the order written, each with the callee found (a provider's class defined once among ``classes``)."""
    fields = _fields(span.code, *cls)
    for call in _THIS_CALL.finditer(span.code, span.start, span.end):
        if call.group(2) is None:   # this.method(...): the class's own
            target: tuple[str, str, tuple[int, int]] | None = (span.file, span.code, cls)
            name = call.group(1)
        else:
            provider = classes.get(fields.get(call.group(1), ""))
            target = (provider.file, provider.code, (provider.start, provider.end)) if provider else None
            name = call.group(2)
        if target is None:
            continue
        body = _method(target[1], target[2][0], target[2][1], name)
        if body is not None:
            yield Call(call.end() - 1, Span(target[0], target[1], body[0], body[1]), target[2], body[2])


def reached(path: str, code: str, start: int, end: int, classes: Mapping[str, Provider | None]) -> tuple[Span, ...]:
    """The method bodies a NestJS handler (``code[start:end]`` of file ``path``) runs through injected providers and
    its own class's methods, breadth first, in the order of their calls; the handler's own span is not among them.
    ``classes``: ``classes_under`` the service's source folder."""
    own = _enclosing(code, start)
    if own is None:
        return ()
    queue: list[tuple[Span, tuple[int, int], int]] = [(Span(path, code, start, end), own, 0)]
    seen = {(path, start)}
    out: list[Span] = []
    while queue:
        span, cls, depth = queue.pop(0)
        if depth >= DEPTH:
            continue
        for c in calls(span, cls, classes):
            if (c.span.file, c.span.start) in seen:
                continue
            seen.add((c.span.file, c.span.start))
            out.append(c.span)
            queue.append((c.span, c.cls, depth + 1))
    return tuple(out)
