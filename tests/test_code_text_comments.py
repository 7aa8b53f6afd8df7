"""``blank_comments``, ``string_end`` and ``bracket_pairs``: what the code readers build on, read fast and exactly.

Every code reader finds its constructs at offsets in the blanked text and reports lines from them, so the
blanked text must keep the original's length and line breaks exactly. The reference below is the
character-by-character reading the regular expression replaced; the two must agree on every text.
"""

from __future__ import annotations

import random

import pytest

from engine.importers.code_text import blank_comments, bracket_pairs, string_end


def _reference(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c and not (c != "`" and text[j] == "\n"):
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


@pytest.mark.parametrize(("text", "blanked"), [
    ('a = 1; // note\nb = 2;', 'a = 1;        \nb = 2;'),
    ('x /* one\ntwo */ y', 'x       \n       y'),
    ('s = "not // a comment"; // one', 's = "not // a comment";       '),
    ("c = '/*'; d = 1 /* e */;", "c = '/*'; d = 1        ;"),
    ('q = "a \\" // still a string"; z', 'q = "a \\" // still a string"; z'),
    ('t = `multi\n// line`', 't = `multi\n// line`'),
    ('u = "unclosed\n// comment', 'u = "unclosed\n          '),
    ('/* never closed\nat all', '               \n      '),
    ('url = "http://host/path"', 'url = "http://host/path"'),
    ('ends with a backslash "\\', 'ends with a backslash "\\'),
    ('', ''),
])
def test_comments_are_blanked_and_strings_kept(text: str, blanked: str) -> None:
    assert blank_comments(text) == blanked
    assert blank_comments(text) == _reference(text)
    assert len(blank_comments(text)) == len(text)


def test_agrees_with_the_character_reading_on_random_texts() -> None:
    rnd = random.Random(20261205)
    alphabet = "ab /*\\'\"`\nx"
    for _ in range(20000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        assert blank_comments(text) == _reference(text), repr(text)


def _string_end_reference(code: str, i: int, raw_backticks: bool) -> int:
    q, n = code[i], len(code)
    if q != "`" and code.startswith(q * 3, i):
        end = code.find(q * 3, i + 3)
        return n if end < 0 else end + 3
    k = i + 1
    while k < n and code[k] != q and (q == "`" or code[k] != "\n"):
        k += 1 if raw_backticks and q == "`" else (2 if code[k] == "\\" else 1)
    return min(k + 1, n)


def _pairs_reference(code: str, raw_backticks: bool) -> dict[int, int]:
    pairs: dict[int, int] = {}
    stack: list[int] = []
    k, n = 0, len(code)
    while k < n:
        c = code[k]
        if c in "'\"`":
            k = _string_end_reference(code, k, raw_backticks)
            continue
        if c in "([{":
            stack.append(k)
        elif c in ")]}" and stack:
            pairs[stack.pop()] = k + 1
        k += 1
    return pairs


@pytest.mark.parametrize(("code", "i", "raw", "end"), [
    ('"abc" x', 0, False, 5),
    ('"a\\"b" x', 0, False, 6),
    ('"open\nnext', 0, False, 6),
    ('`a\\`b` x', 0, False, 6),
    ('`a\\`b` x', 0, True, 4),
    ('"""doc "quoted" here""" x', 0, False, 23),
    ('"trailing\\', 0, False, 10),
])
def test_string_end(code: str, i: int, raw: bool, end: int) -> None:
    assert string_end(code, i, raw) == end == _string_end_reference(code, i, raw)


def test_strings_and_bracket_pairs_agree_with_the_character_reading_on_random_texts() -> None:
    rnd = random.Random(5)
    alphabet = "(){}[]'\"`\\\n ax"
    for _ in range(20000):
        code = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24)))
        for raw in (False, True):
            assert bracket_pairs(code, raw) == _pairs_reference(code, raw), repr(code)
            for i, c in enumerate(code):
                if c in "'\"`":
                    assert string_end(code, i, raw) == _string_end_reference(code, i, raw), (code, i)
