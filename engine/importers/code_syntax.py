"""Python written for a newer interpreter than the one running archplan, read on every supported one (3.11 and up).

archplan runs on Python 3.11 and later; the repositories it reads are often written for 3.12 or 3.14, and ``ast.parse``
refuses a file that uses a newer interpreter's syntax: every fact in it (routes, calls, credentials, workflows...)
would be lost, for a reason that has nothing to do with the design. When a file does not parse, ``parse`` tries it
again once rewritten, on the same lines and columns, into syntax the running interpreter reads:

- **PEP 701 f-strings** (3.12): a replacement field whose expression holds a quote, a backslash or a comment
  (``f"{row["id"]}"``, ``f"{'\\n'.join(lines)}"``) is given a placeholder name of the same length in UTF-8 (an
  expression of several lines keeps its line breaks, when its f-string is triple-quoted), and the expression, parsed
  on its own at its place in the file, is put in the placeholder's place in the tree: the tree is the one Python 3.12
  gives, positions included. A multi-line expression in a single-quoted f-string stays as it was (not read on an
  interpreter older than 3.12).
- **PEP 695 type parameters** (3.12): ``def first[T](...)``, ``class Box[T]:`` lose their parameter list, blanked to
  spaces (a list of several lines ends each of them with a continuation); ``type Pair[T] = tuple[T, T]`` becomes the
  assignment ``Pair = tuple[T, T]``, its value where it was. The readers take nothing from type parameters or aliases.
- **PEP 758 except** (3.14): ``except A, B:`` is read as the ``except(A, B):`` it means (one character more on that
  line, after the names).

The same rewrites apply on every interpreter (only a file that does not parse is rewritten), so that a file parses to
the trees the readers need whichever supported Python runs the import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

_BARE_EXCEPT = re.compile(r"^([ \t]*except)[ \t]+(?!\()([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)+)([ \t]*):",
                          re.MULTILINE)
_TYPE_PARAMS = re.compile(r"\b(?:def|class)\s+[A-Za-z_]\w*\s*(?=\[)|^[ \t]*type\s+[A-Za-z_]\w*\s*(?=[\[=])",
                          re.MULTILINE)
"""Where Python 3.12's type parameters (PEP 695) open: ``def first[T](...)``, ``class Box[T]:``,
``type Pair[T] = ...``."""
_TYPE_STATEMENT = re.compile(r"^([ \t]*)type([ \t]+)([A-Za-z_]\w*)(?=[ \t]*=)", re.MULTILINE)
_STRING_START = re.compile(r"(?<![\w.])([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class _Field:
    """A replacement field's expression in an f-string: where it is in the text, and whether its f-string is
    triple-quoted (only there may a placeholder keep line breaks)."""

    start: int
    end: int
    triple: bool


def parse(text: str, path: str) -> ast.Module:
    """``ast.parse(text, path)``, and, when the text does not parse, the text rewritten from a newer Python's syntax
    (the module's docstring), on its lines and columns.

    Raises:
        SyntaxError: the text does not parse, rewritten or not (the error is the one of the text as written).
        ValueError: it holds a NUL byte.
    """
    try:
        return ast.parse(text, path)
    except SyntaxError as exc:
        fixed = _without_type_params(_BARE_EXCEPT.sub(r"\1(\2)\3:", text))
        fields, fixed, names = _placeholders(fixed)
        if fixed == text:
            raise
        try:
            tree = ast.parse(fixed, path)
        except SyntaxError:
            raise exc from None
        if fields:
            _graft(tree, fields, names, text, path)
        return tree


def _without_type_params(text: str) -> str:
    """The text with Python 3.12's type parameter lists blanked (PEP 695) and its ``type X = ...`` statements read
    as the assignments ``X = ...``, every other character where it was."""
    out: list[str] = []
    last = 0
    for m in _TYPE_PARAMS.finditer(text):
        start = m.end()
        if start < last or start >= len(text) or text[start] != "[":
            continue
        end = _matching(text, start)
        if end is None:
            continue
        out.append(text[last:start])
        out.append(_blank(text[start:end]))
        last = end
    out.append(text[last:])
    # `type Pair = ...` -> `Pair      = ...`: the name moves to the keyword's place, the value stays where it was
    return _TYPE_STATEMENT.sub(lambda m: m.group(1) + m.group(3) + " " * (len(m.group(2)) + 4), "".join(out))


def _matching(text: str, start: int) -> int | None:
    """The index after the bracket that closes the one at ``start`` (brackets in strings and comments not counted
    apart: a type parameter list holds names, bounds and defaults)."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _blank(piece: str) -> str:
    """``piece`` as spaces of the same length, each of its line breaks kept behind a continuation (``\\``)."""
    lines = piece.split("\n")
    return "\n".join([*(" " * max(len(line) - 1, 0) + "\\" for line in lines[:-1]), " " * len(lines[-1])])


def _placeholders(text: str) -> tuple[list[_Field], str, list[str]]:
    """The replacement fields an older interpreter cannot read in the text's f-strings, the text with each given a
    placeholder name of its length in UTF-8 (its line breaks kept), and the names, in the fields' order."""
    fields = [f for f in _fstring_fields(text) if _newer(text[f.start:f.end], f.triple)]
    if not fields:
        return [], text, []
    taken = set(_IDENTIFIER.findall(text))
    names: list[str] = []
    out: list[str] = []
    last = 0
    kept: list[_Field] = []
    free = _free_names(taken)
    for f in fields:
        lines = [len(line.encode()) for line in text[f.start:f.end].split("\n")]
        name = next(free)
        at = next((k for k, room in enumerate(lines) if room >= len(name)), None)
        if at is None:
            continue  # no placeholder fits: left as it is
        out.append(text[last:f.start])
        out.append("\n".join(name + " " * (room - len(name)) if k == at else " " * room
                              for k, room in enumerate(lines)))
        last = f.end
        names.append(name)
        kept.append(f)
    out.append(text[last:])
    return kept, "".join(out), names


def _newer(expr: str, triple: bool) -> bool:
    """Whether an older interpreter refuses ``expr`` in a replacement field: it holds a quote, a backslash or a
    comment (PEP 701); a line break only where the f-string is triple-quoted, else it cannot keep its lines."""
    if "\n" in expr and not triple:
        return False
    return any(c in expr for c in "'\"\\#")


def _free_names(taken: set[str]) -> Iterator[str]:
    """Identifiers the text does not use, shortest first."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
    size = 1
    while True:
        for n in range(len(alphabet) ** size):
            name, k = "_", n
            for _ in range(size):
                name += alphabet[k % len(alphabet)]
                k //= len(alphabet)
            if name not in taken:
                yield name
        size += 1


def _fstring_fields(text: str) -> list[_Field]:
    """The replacement fields of the text's f-strings (outermost ones, and those in their format specifications),
    read as Python 3.12 reads them (PEP 701: any quote, backslash or comment in a field's expression)."""
    fields: list[_Field] = []
    i, n = 0, len(text)
    while i < n:
        end = _skipped(text, i, fields)
        if end is None:
            return fields  # an unterminated string: nothing further is read
        i = end if end > i else i + 1
    return fields


def _skipped(text: str, i: int, fields: list[_Field] | None) -> int | None:
    """The index after the comment or the string literal at ``i`` (``i`` itself: neither is there; None: a string
    that is not closed); an f-string's fields added to ``fields`` (``_literal``)."""
    if text[i] == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    m = _STRING_START.match(text, i) if text[i] in "'\"rRbBuUfF" else None
    return i if m is None else _literal(text, m.end(), m.group(1).lower(), m.group(2), fields)


def _literal(text: str, i: int, prefix: str, quote: str, fields: list[_Field] | None) -> int | None:
    """The index after the string literal whose body starts at ``i`` (None: it is not closed); an f-string's
    replacement fields' expressions added to ``fields`` (None: an f-string nested in an expression, whose fields are
    read with that expression)."""
    raw, formatted = "r" in prefix, "f" in prefix
    n = len(text)
    while i < n:
        if text.startswith(quote, i):
            return i + len(quote)
        c = text[i]
        if c == "\\":  # it escapes a quote, a backslash or a line break, never a brace
            if not raw and text.startswith("N{", i + 1):  # \N{NAME}: a character's name, no replacement field
                close = text.find("}", i)
                i = n if close < 0 else close + 1
            else:
                i += 2 if text[i + 1:i + 2] in ("'", '"', "\\", "\n") and i + 1 < n else 1
            continue
        if c == "{" and formatted:
            if text.startswith("{", i + 1):
                i += 2
                continue
            end = _field(text, i + 1, quote, fields)
            if end is None:
                return None
            i = end
            continue
        if c == "\n" and len(quote) == 1:
            return None
        i += 1
    return None


def _field(text: str, i: int, quote: str, fields: list[_Field] | None) -> int | None:
    """The index after the replacement field whose expression starts at ``i`` (after its ``{``)."""
    start, n, depth = i, len(text), 0
    while i < n:
        end = _skipped(text, i, None)  # a nested f-string's fields are read with this expression
        if end is None:
            return None
        if end > i:
            i = end
            continue
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]" or (c == "}" and depth):
            depth -= 1
        elif depth == 0 and (c in "}:" or (c == "!" and not text.startswith("=", i + 1)) or _debug_equals(text, i)):
            break
        i += 1
    else:
        return None
    if fields is not None:
        fields.append(_Field(start, i, len(quote) == 3))
    if text[i] == "=":
        i += 1
        while i < n and text[i] in " \t\n":
            i += 1
    if i < n and text[i] == "!":
        i += 2
    if i < n and text[i] == ":":  # the format specification: text and nested fields up to the closing brace
        i += 1
        while i < n and text[i] != "}":
            if text[i] == "{":
                end = _field(text, i + 1, quote, fields)
                if end is None:
                    return None
                i = end
            elif text[i] == "\n" and len(quote) == 1:
                return None
            else:
                i += 1
    return i + 1 if i < n and text[i] == "}" else None


def _debug_equals(text: str, i: int) -> bool:
    """Whether the ``=`` at ``i`` ends a self-documenting field's expression (``f"{x = }"``), not an operator."""
    if text[i] != "=" or text.startswith("=", i + 1) or (i and text[i - 1] in "=!<>"):
        return False
    rest = text[i + 1:].lstrip(" \t\n")
    return rest[:1] in ("", "}", "!", ":")


def _graft(tree: ast.Module, fields: list[_Field], names: list[str], text: str, path: str) -> None:
    """Put each field's expression, parsed at its place in ``text``, where its placeholder name is in ``tree``."""
    parsed = {name: _expression(text, f, path) for name, f in zip(names, fields, strict=True)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        for k, value in enumerate(node.values):
            if isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name) and \
                    value.value.id in parsed:
                name = value.value.id
                value.value = parsed[name]
                before = node.values[k - 1] if k else None
                if isinstance(before, ast.Constant) and isinstance(before.value, str):  # f"{expr = }"
                    f = fields[names.index(name)]
                    head, sep, tail = before.value.rpartition(name)
                    if sep and tail.lstrip(" \t\n").startswith("="):
                        before.value = head + text[f.start:f.end] + tail.lstrip(" ")


def _expression(text: str, field: _Field, path: str) -> ast.expr:
    """A field's expression parsed on its own, at its line and column in ``text`` (as Python 3.12 places it)."""
    line_start = text.rfind("\n", 0, field.start) + 1
    column = len(text[line_start:field.start].encode())
    # on its line, after as many bytes as precede it, in brackets as a field's expression is read: `(   expr)`
    source = "\n" * text.count("\n", 0, field.start) + "(" + " " * (column - 1) + text[field.start:field.end] + ")"
    return parse_expression(source, path)


def parse_expression(source: str, path: str) -> ast.expr:
    """An expression's tree, read through the rewrites of ``parse`` when it does not parse as written."""
    module = parse(source, path)
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Expr):
        raise SyntaxError("not an expression", (path, 1, 1, source, 1, 1))
    return module.body[0].value


__all__ = ["parse", "parse_expression"]
