"""A Caddyfile as a tree of directives, each with its line and column (the tree ``conf_directives`` defines).

Caddy's own grammar: a line is tokens separated by spaces; a ``"..."`` or backquoted token may hold spaces; ``#`` at
the start of a token begins a comment; a token ``{`` ending a line opens a block that a line ``}`` closes; ``\\`` at
the end of a line continues it. A top-level entry is the global options block (a block with no name), a snippet
(``(name) { ... }``) or a site block (its addresses, then the block); a file holding one site may leave out the
braces (its first line the addresses, every other line a directive of the site). Environment placeholders
``{$VAR}`` and ``{$VAR:default}`` are replaced as the file is read, as Caddy does before it parses: from the
environment given (the container's), else the default, else nothing (each such variable is reported). Unbalanced
braces and an unterminated quote are one located error each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.errors import InputError, Location
from engine.importers.conf_directives import Directive, Word

_ENV = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


def parse(text: str, path: str, env: Mapping[str, str] | None = None) -> tuple[list[Directive], list[tuple[str,
                                                                                                              Location]]]:
    """The top-level entries of a Caddyfile, and the placeholders no value or default filled (variable, where).

    Raises:
        InputError: unbalanced braces or an unterminated quote (at its place).
    """
    unresolved: list[tuple[str, Location]] = []
    lines: list[list[Word]] = []
    pending: list[Word] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        # Caddy replaces the placeholders in the text before it reads tokens: a value holding spaces is several
        # tokens, an empty one none (columns after a placeholder are those of the replaced line)
        words, continued = _tokens(_substitute(raw, path, number, env or {}, unresolved), path, number)
        pending.extend(words)
        if continued:
            continue
        if pending:
            lines.append(pending)
        pending = []
    if pending:
        lines.append(pending)
    root: list[Directive] = []
    stack: list[list[Directive]] = [root]
    for words in lines:
        if len(words) == 1 and words[0].text == "}":
            if len(stack) == 1:
                raise InputError("'}' closes no block", words[0].location)
            stack.pop()
            continue
        opens = words[-1].text == "{"
        body = words[:-1] if opens else words
        name = body[0].text if body else ""
        d = Directive(name, list(body[1:]), body[0].location if body else words[0].location,
                      [] if opens else None)
        stack[-1].append(d)
        if opens:
            assert d.children is not None
            stack.append(d.children)
    if len(stack) > 1:
        raise InputError("a block opened here is never closed ('}' missing)", Location(path, len(lines) and
                                                                                     lines[-1][0].location.line))
    return root, unresolved


def has_placeholders(text: str) -> bool:
    """Whether a Caddyfile holds an environment placeholder (``{$VAR}`` or ``{$VAR:default}``)."""
    return _ENV.search(text) is not None


def _tokens(raw: str, path: str, number: int) -> tuple[list[Word], bool]:
    """The tokens of one line, and whether a final backslash continues it on the next."""
    out: list[Word] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#":
            break
        start = i
        if ch in "\"`":
            end = raw.find(ch, i + 1)
            while ch == '"' and end > 0 and raw[end - 1] == "\\":
                end = raw.find(ch, end + 1)
            if end < 0:
                raise InputError("unterminated quoted token", Location(path, number, start + 1))
            out.append(Word(raw[i + 1:end].replace('\\"', '"'), Location(path, number, start + 1)))
            i = end + 1
            continue
        while i < n and raw[i] not in " \t\r":
            i += 1
        out.append(Word(raw[start:i], Location(path, number, start + 1)))
    continued = bool(out) and out[-1].text == "\\"
    return (out[:-1] if continued else out), continued


def _substitute(text: str, path: str, number: int, env: Mapping[str, str],
                unresolved: list[tuple[str, Location]]) -> str:
    def one(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in env:
            return env[name]
        if default is None:
            unresolved.append((name, Location(path, number, m.start() + 1)))
            return ""
        return default

    return _ENV.sub(one, text)


__all__ = ["has_placeholders", "parse"]
