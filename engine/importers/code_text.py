"""Reading source text the way the code importers need: where a string literal ends, which bracket closes an
open one, and a call's top-level arguments, with strings skipped. One definition for every language the
importers read (Python, JavaScript/TypeScript, Java, Go, C++).

A quote opens a string until the same quote: a backslash escapes the next character, a line break ends a
``'`` or ``"`` string that was never closed (so one stray quote does not swallow the file), Python's triple
quotes and JavaScript's backtick templates run over lines. With ``raw_backticks`` (Go) a backtick string is raw:
no escapes. Text that is never closed ends at the end of the text.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections import OrderedDict
from collections.abc import Iterator

from engine.importers import code_trees

QUOTES = "'\"`"
_OPEN = "([{"
_CLOSE = ")]}"
_BRACKET_OR_QUOTE = re.compile(r"[()\[\]{}'\"`]")


_STRING_BODY = {
    ("'", False): re.compile(r"(?:\\[\s\S]?|[^'\\\n])*"), ("'", True): re.compile(r"(?:\\[\s\S]?|[^'\\\n])*"),
    ('"', False): re.compile(r'(?:\\[\s\S]?|[^"\\\n])*'), ('"', True): re.compile(r'(?:\\[\s\S]?|[^"\\\n])*'),
    ("`", False): re.compile(r"(?:\\[\s\S]?|[^`\\])*"), ("`", True): re.compile(r"[^`]*"),
}
"""A string literal's body after its opening quote, up to its closing quote, a line break (but in a backquoted
string) or the end; a backslash escapes the next character, but in a raw (Go) backquoted string."""


def string_end(code: str, i: int, raw_backticks: bool = False) -> int:
    """The index just past the string literal that opens at ``code[i]``."""
    q, n = code[i], len(code)
    if q != "`" and code.startswith(q * 3, i):
        end = code.find(q * 3, i + 3)
        return n if end < 0 else end + 3
    body = _STRING_BODY[(q, raw_backticks)].match(code, i + 1)
    return min((body.end() if body else i + 1) + 1, n)  # the pattern matches, if only the empty text


def close_bracket(code: str, i: int, raw_backticks: bool = False) -> int:
    """The index just past the bracket that closes the one at ``code[i]``; when none does (code its compiler would
    reject), the end of its line, at most ``_UNCLOSED`` characters on: what follows is read as the code after it, so
    that each of a file's thousand unclosed calls is not read to the end of the file."""
    end = _closer(code, i, raw_backticks)
    return _unclosed_end(code, i) if end is None else end


def inside(code: str, i: int, raw_backticks: bool = False) -> str:
    """The text between the bracket at ``code[i]`` and the one that closes it (to the end of its line, at most
    ``_UNCLOSED`` characters, when none does: ``close_bracket``)."""
    end = _closer(code, i, raw_backticks)
    return code[i + 1:_unclosed_end(code, i)] if end is None else code[i + 1:end - 1]


def call_args(code: str, i: int) -> str:
    """The text between the parentheses that open at ``code[i]``, after blanks (an annotation's or a call's
    arguments); "" when no parenthesis opens there."""
    j = i
    while j < len(code) and code[j] in " \t\r\n":
        j += 1
    if j >= len(code) or code[j] != "(":
        return ""
    return code[j + 1:close_bracket(code, j) - 1]


def _unclosed_end(code: str, i: int) -> int:
    line_end = code.find("\n", i)
    return min(len(code) if line_end < 0 else line_end, i + 1 + _UNCLOSED)


_UNCLOSED = 200
"""Characters past a bracket that is never closed read as its contents (at most: its line ends sooner)."""
_NEAR = 4096
"""Characters a bracket's closer is looked for by walking from it; past that, the text's brackets are paired in one
pass (kept for the next questions about the same text), so that a file of thousands of calls closed far away, or
never, is read in linear time, not quadratic."""
_PAIRINGS: OrderedDict[tuple[str, bool], tuple[dict[int, int], frozenset[int]]] = OrderedDict()
_KEPT = 8


def _closer(code: str, i: int, raw_backticks: bool) -> int | None:
    known = _PAIRINGS.get((code, raw_backticks))
    if known is None:
        for k, c, depth in _walk(code, i, raw_backticks):
            if c in _CLOSE and depth == 1:
                return k + 1
            if k - i > _NEAR:
                break
        else:
            return None
        known = _pairing(code, raw_backticks)
    pairs, opens = known
    if i in opens:  # a bracket outside strings, as a walk from the start of the text sees it
        return pairs.get(i)
    for k, c, depth in _walk(code, i, raw_backticks):  # one inside a string (a pattern matched there): near only
        if c in _CLOSE and depth == 1:
            return k + 1
        if k - i > _NEAR:
            break
    return None


def _pairing(code: str, raw_backticks: bool) -> tuple[dict[int, int], frozenset[int]]:
    """The text's brackets outside strings, each closed one with the index just past its closer (``bracket_pairs``),
    and every opening one (closed or not), kept for the next few texts."""
    pairs: dict[int, int] = {}
    opens: list[int] = []
    stack: list[int] = []
    search = _BRACKET_OR_QUOTE.search
    m = search(code)
    while m is not None:  # what ``_walk`` from the start meets, without stepping through the other characters
        k = m.start()
        c = code[k]
        if c in QUOTES:
            m = search(code, string_end(code, k, raw_backticks))
            continue
        if c in _OPEN:
            stack.append(k)
            opens.append(k)
        elif stack:
            pairs[stack.pop()] = k + 1
        m = search(code, k + 1)
    known = _PAIRINGS[(code, raw_backticks)] = (pairs, frozenset(opens))
    while len(_PAIRINGS) > _KEPT:
        _PAIRINGS.popitem(last=False)
    return known


def bracket_pairs(code: str, raw_backticks: bool = False) -> dict[int, int]:
    """Every bracket of ``code`` outside strings that is closed, with the index just past the one that closes it (one
    pass: what ``close_bracket`` answers for one bracket, for all of them)."""
    return dict((_PAIRINGS.get((code, raw_backticks)) or _pairing(code, raw_backticks))[0])


def block_after(code: str, i: int, raw_backticks: bool = False, semicolon_ends: bool = True) -> int | None:
    """Where the first ``{`` from ``i`` on outside brackets and strings opens (an ``if``'s block); None when the
    bracket that encloses ``i`` closes first, or a ``;`` comes first and ``semicolon_ends`` (C-like languages: an
    ``if`` without braces; Go's ``if`` may hold an init statement before its condition and always has braces)."""
    for k, c, depth in _walk(code, i, raw_backticks):
        if depth < 0 or (depth == 0 and c == ";" and semicolon_ends):
            return None
        if depth == 0 and c == "{":
            return k
    return None


def split_args(args: str, raw_backticks: bool = False) -> list[str]:
    """The top-level, comma-separated arguments of a call's argument text, stripped (none for empty text)."""
    out: list[str] = []
    start = 0
    for k, c, depth in _walk(args, 0, raw_backticks):
        if c == "," and depth == 0:
            out.append(args[start:k].strip())
            start = k + 1
    last = args[start:].strip()
    return [*out, last] if last else out


def walk(code: str, i: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character of ``code`` from ``i`` on that is outside a string literal, with the bracket depth before it."""
    return _walk(code, i, False)


def _walk(code: str, i: int, raw_backticks: bool) -> Iterator[tuple[int, str, int]]:
    """Each character of ``code`` from ``i`` on that is outside a string literal, with the bracket depth before it."""
    depth, k, n = 0, i, len(code)
    while k < n:
        c = code[k]
        if c in QUOTES:
            k = string_end(code, k, raw_backticks)
            continue
        yield k, c, depth
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        k += 1


_LEXEMES = re.compile(
    r"""'(?:\\[\s\S]?|[^'\\\n])*(?:['\n]|\Z)"""  # a quoted string: it ends at its quote, a line break or the end
    r"""|"(?:\\[\s\S]?|[^"\\\n])*(?:["\n]|\Z)"""
    r"""|`(?:\\[\s\S]?|[^`\\])*(?:`|\Z)"""  # a backquoted one spans lines
    r"""|//[^\n]*"""  # a line comment
    r"""|/\*[\s\S]*?(?:\*/|\Z)""")  # a block comment (unclosed: to the end)
"""What ``blank_comments`` steps over: strings (a backslash escapes the next character, a line break included) and
comments, the first to start winning, as a reader from the start of the text meets them."""
_NOT_LINE_BREAK = re.compile(r"[^\n]")


def _blanked(m: re.Match[str]) -> str:
    lexeme = m.group()
    if lexeme[0] != "/":  # a string, kept
        return lexeme
    if lexeme[1] == "/":
        return " " * len(lexeme)
    return _NOT_LINE_BREAK.sub(" ", lexeme)


@code_trees.kept()
def blank_comments(text: str) -> str:
    """``//`` and ``/* */`` comments replaced by spaces (line breaks kept), strings left as they are."""
    return _LEXEMES.sub(_blanked, text)


C_COMMENTED = (".go", ".java", ".kt", ".kts", ".scala", ".groovy", ".cs", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx",
               ".mts", ".cts", ".rs", ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".swift", ".dart")
"""Source files whose comments are ``//`` and ``/* */`` (``blank_comments``)."""


@code_trees.kept()
def blank_python_comments(text: str) -> str:
    """Python's ``#`` comments replaced by spaces, as its tokenizer finds them (a ``#`` in a string is no comment);
    text the tokenizer cannot read is returned as it is."""
    try:
        comments = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return text
    if not comments:
        return text
    lines = text.splitlines(keepends=True)
    for t in comments:
        (row, start), (_row, end) = t.start, t.end
        line = lines[row - 1]
        lines[row - 1] = line[:start] + " " * (end - start) + line[end:]
    return "".join(lines)


def uncommented(path: str, text: str) -> str:
    """``text`` of the source file ``path`` with its comments blanked: ``//`` and ``/* */`` in the C family
    (``C_COMMENTED``), ``#`` in Python; any other file as it is."""
    if path.endswith(".py"):
        return blank_python_comments(text)
    return blank_comments(text) if path.endswith(C_COMMENTED) else text


TEST_TREES = frozenset({"it", "integrationTest", "integration-test", "testFixtures"})
"""The folders beside ``src/main`` that hold tests and their resources, not the running service: Maven Failsafe's
``src/it``, Gradle's ``src/integrationTest`` and ``src/testFixtures`` (``src/test`` is skipped by its name alone)."""


def test_tree(parent: str, name: str) -> bool:
    """Whether the folder ``name`` under ``parent`` is a test tree of a Maven or Gradle module (``src/it``...)."""
    return name in TEST_TREES and os.path.basename(parent.rstrip(os.sep)) == "src"
