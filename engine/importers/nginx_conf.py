"""A plain nginx configuration as a tree of directives, each with its line and column.

nginx's own grammar, read in one pass over the characters (no regular expressions): a directive is
words up to ``;`` or a ``{ ... }`` block; ``#`` starts a comment; words may be quoted ('...' or
"...", with backslash escapes); ``${VAR}`` inside a word (templates that ``envsubst`` fills) stays
part of the word. Unbalanced braces, an unterminated quote or a directive without its ``;`` are one
located error each.
"""

from __future__ import annotations

from engine.errors import InputError, Location
from engine.importers.conf_directives import Directive, Word  # the tree httpd_conf builds too

_SPACE = " \t\r\n"


def parse(text: str, path: str) -> list[Directive]:
    """The top-level directives of an nginx configuration."""
    root: list[Directive] = []
    stack: list[tuple[list[Directive], Directive | None]] = [(root, None)]
    words: list[Word] = []
    line, col, i, n = 1, 1, 0, len(text)

    def at() -> Location:
        return Location(path, line, col)

    while i < n:
        ch = text[i]
        if ch in _SPACE:
            if ch == "\n":
                line, col = line + 1, 1
            else:
                col += 1
            i += 1
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
                col += 1
            continue
        if ch == ";":
            if not words:
                raise InputError("unexpected ';' with no directive before it", at())
            stack[-1][0].append(Directive(words[0].text, words[1:], words[0].location))
            words = []
            i, col = i + 1, col + 1
            continue
        if ch == "{":
            if not words:
                raise InputError("unexpected '{' with no directive before it", at())
            if words[0].text.endswith("_by_lua_block"):  # OpenResty: the block is Lua code, not directives
                opener = words[0]
                i, line, col = _skip_lua(text, i + 1, line, col + 1, opener.location)
                stack[-1][0].append(Directive(opener.text, words[1:], opener.location, [], end=at()))
                words = []
                continue
            block = Directive(words[0].text, words[1:], words[0].location, [])
            stack[-1][0].append(block)
            assert block.children is not None
            stack.append((block.children, block))
            words = []
            i, col = i + 1, col + 1
            continue
        if ch == "}":
            if words:
                raise InputError(f"directive '{words[0].text}' has no ';' before '}}'", words[0].location)
            if len(stack) == 1:
                raise InputError("unexpected '}': no block is open here", at())
            closed = stack.pop()[1]
            if closed is not None:
                closed.end = at()
            i, col = i + 1, col + 1
            continue
        start = at()
        if ch in "'\"":
            word, i, line, col = _quoted(text, i, line, col, start)
        else:
            word, i, col = _bare(text, i, line, col, path)
        words.append(Word(word, start))
    if words:
        raise InputError(f"directive '{words[0].text}' has no ';' at the end of the file", words[0].location)
    unclosed = stack[-1][1]
    if unclosed is not None:
        raise InputError(f"block '{unclosed.name}' opened here is never closed (a '}}' is missing)",
                         unclosed.location)
    return root


def _quoted(text: str, i: int, line: int, col: int, start: Location) -> tuple[str, int, int, int]:
    """The quoted word at ``text[i]`` (its quote character) with its escapes undone, and (i, line, col) past it."""
    n, quote, buf = len(text), text[i], []
    i, col = i + 1, col + 1
    while True:
        if i >= n:
            raise InputError(f"unterminated {quote} quote", start)
        c = text[i]
        if c == "\\" and i + 1 < n:
            buf.append(text[i + 1])
            i, col = i + 2, col + 2
            continue
        if c == quote:
            return "".join(buf), i + 1, line, col + 1
        if c == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        buf.append(c)
        i += 1


def _bare(text: str, i: int, line: int, col: int, path: str) -> tuple[str, int, int]:
    """The unquoted word at ``text[i]`` (escapes and ``${VAR}`` kept as written), and (i, col) past it."""
    n, buf = len(text), []
    while i < n:
        c = text[i]
        if c == "$" and i + 1 < n and text[i + 1] == "{":  # ${VAR}: one word, braces included
            close = text.find("}", i + 2)
            stop = text.find("\n", i + 2)
            if close < 0 or (0 <= stop < close):
                raise InputError("unterminated '${' in a word", Location(path, line, col))
            buf.append(text[i:close + 1])
            col += close + 1 - i
            i = close + 1
            continue
        if c in _SPACE or c in ";{}":  # a '#' inside a word is part of it, as in nginx
            break
        if c == "\\" and i + 1 < n:
            buf.append(text[i:i + 2])
            i, col = i + 2, col + 2
            continue
        buf.append(c)
        i, col = i + 1, col + 1
    return "".join(buf), i, col


def _skip_lua(text: str, i: int, line: int, col: int, opened: Location) -> tuple[int, int, int]:
    """Past the ``}`` that closes a ``*_by_lua_block``: Lua's braces balanced, its strings and comments
    skipped (``'..'``, ``".."``, ``[[..]]``, ``--``); (index, line, column) after the brace."""
    depth, n = 1, len(text)

    def advance(upto: int) -> None:
        nonlocal i, line, col
        while i < upto:
            if text[i] == "\n":
                line, col = line + 1, 1
            else:
                col += 1
            i += 1

    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            stop = text.find("\n", i)
            advance(n if stop < 0 else stop)
        elif text.startswith("[[", i):
            stop = text.find("]]", i + 2)
            advance(n if stop < 0 else stop + 2)
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            advance(min(j + 1, n))
        else:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    advance(i + 1)
                    return i, line, col
            advance(i + 1)
    raise InputError("Lua block opened here is never closed (a '}' is missing)", opened)


def looks_like(text: str) -> bool:
    """Whether a text reads as an nginx configuration that serves routes: ``location`` with ``proxy_pass``
    (or ``grpc_pass``), or OpenResty's ``content_by_lua``."""
    return "location" in text and ("proxy_pass" in text or "grpc_pass" in text or "content_by_lua" in text)


__all__ = ["Directive", "Word", "looks_like", "parse"]
