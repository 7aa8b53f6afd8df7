"""An Apache httpd configuration as a tree of directives and sections, each with its line and column.

httpd's own grammar, read line by line: a line is one directive (``Name arg arg``), a section opening
(``<Name args>``) or closing (``</Name>``); a line ending in a backslash continues on the next; a line whose
first word starts with ``#`` is a comment (httpd has no comment after a directive). Arguments are split on
blanks, and may be quoted with ``"`` or ``'`` (a backslash escapes the quote inside). Directive and section
names are case-insensitive: they are kept as written and compared in lower case (``key``).

Every malformed line is one located error: an unterminated quote, a ``<`` section line with no ``>``, a
closing tag that matches no open section, a section never closed. All are gathered and raised together.
"""

from __future__ import annotations

import re

from engine.errors import ArchplanError, InputError, Location, raise_all
from engine.importers.conf_directives import Directive, Word  # the tree nginx_conf builds too

__all__ = ["Directive", "Word", "looks_like", "parse", "walk"]


def _logical_lines(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """(first line, [(line number, text)...]) of each logical line: physical lines joined by a trailing backslash."""
    out: list[tuple[int, list[tuple[int, str]]]] = []
    pending: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.rstrip()
        if stripped.endswith("\\") and not (not pending and stripped.lstrip().startswith("#")):
            pending.append((number, stripped[:-1]))
            continue
        pending.append((number, line))
        out.append((pending[0][0], pending))
        pending = []
    if pending:
        out.append((pending[0][0], pending))
    return out


def _words(parts: list[tuple[int, str]], path: str) -> list[Word]:
    """The words of one logical line, each located on the physical line and column where it starts."""
    chars = [(number, col, ch) for number, text in parts for col, ch in enumerate(text, start=1)]
    chars += [(parts[-1][0], len(parts[-1][1]) + 1, " ")]
    words: list[Word] = []
    i, n = 0, len(chars)
    while i < n:
        number, col, ch = chars[i]
        if ch in " \t":
            i += 1
            continue
        start = Location(path, number, col)
        buf: list[str] = []
        if ch in "\"'":
            quote, i = ch, i + 1
            while True:
                if i >= n - 1:
                    raise InputError(f"unterminated {quote} quote", start)
                c = chars[i][2]
                if c == "\\" and i + 1 < n - 1 and chars[i + 1][2] in (quote, "\\"):
                    buf.append(chars[i + 1][2])
                    i += 2
                    continue
                if c == quote:
                    i += 1
                    break
                buf.append(c)
                i += 1
        else:
            while i < n and chars[i][2] not in " \t":
                buf.append(chars[i][2])
                i += 1
        words.append(Word("".join(buf), start))
    return words


def parse(text: str, path: str) -> list[Directive]:
    """The top-level directives of an httpd configuration; every malformed line is one located error."""
    root: list[Directive] = []
    stack: list[tuple[list[Directive], Directive | None]] = [(root, None)]
    errors: list[ArchplanError] = []
    for _first, parts in _logical_lines(text):
        body = "".join(t for _n, t in parts)
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        try:
            words = _words(parts, path)
        except InputError as exc:
            errors.append(exc)
            continue
        if not words:
            continue
        head = words[0]
        if head.text.startswith("</"):
            name = head.text[2:].rstrip(">").strip()
            if not head.text.endswith(">") and not (len(words) > 1 and words[-1].text.endswith(">")):
                errors.append(InputError(f"closing tag '{head.text}' has no '>'", head.location))
                continue
            opened = stack[-1][1]
            if opened is None:
                errors.append(InputError(f"'</{name}>' closes no open section", head.location))
                continue
            if opened.key != name.lower():
                errors.append(InputError(f"'</{name}>' does not close the open section '<{opened.name}>' "
                                         f"(opened at line {opened.location.line})", head.location))
                continue
            stack.pop()
            continue
        if head.text.startswith("<"):
            last = words[-1]
            if not last.text.endswith(">"):
                errors.append(InputError(f"section '{head.text}' has no '>' at the end of its line", head.location))
                continue
            args = [*words[1:-1], Word(last.text[:-1], last.location)] if len(words) > 1 else []
            args = [a for a in args if a.text]
            name = head.text[1:].rstrip(">") if len(words) > 1 else head.text[1:-1]
            if not name:
                errors.append(InputError("section with no name ('<>')", head.location))
                continue
            section = Directive(name, args, head.location, [])
            stack[-1][0].append(section)
            assert section.children is not None
            stack.append((section.children, section))
            continue
        stack[-1][0].append(Directive(head.text, words[1:], head.location))
    for _children, opened in stack[1:]:
        if opened is not None:
            errors.append(InputError(f"section '<{opened.name}>' opened here is never closed "
                                     f"(a '</{opened.name}>' is missing)", opened.location))
    raise_all(errors)
    return root


def walk(ds: list[Directive]) -> list[Directive]:
    """Every directive and section, depth first, in file order."""
    out: list[Directive] = []
    stack = list(reversed(ds))
    while stack:
        d = stack.pop()
        out.append(d)
        if d.children:
            stack.extend(reversed(d.children))
    return out


def looks_like(text: str) -> bool:
    """Whether a text reads as an httpd configuration: a ``<VirtualHost>``, ``<Location>`` or ``<Directory>``
    section, or a ``ProxyPass`` / ``SetHandler`` line, and no nginx block braces."""
    low = text.lower()
    if "{" in low and ("server {" in low or ("location /" in low and "proxy_pass" in low)):
        return False
    return any(m in low for m in ("<virtualhost", "<location", "<directory", "sethandler")) or \
        re.search(r"^[ \t]*proxypass", low, re.MULTILINE) is not None
