"""The one reader of source text the code importers share: strings, brackets and arguments."""

from __future__ import annotations

import pytest

from engine.importers.code_text import block_after, bracket_pairs, close_bracket, inside, split_args, string_end


@pytest.mark.parametrize(("code", "end"), [
    ('"a(b"+x', 5), ("'it\\'s'", 7), ('"""a ) "b" """ + x', 14), ("`a\n${b}`;", 8),
    ('"never closed\nx = 1', 14), ("'", 1),
])
def test_a_string_ends_at_its_own_quote(code: str, end: int) -> None:
    assert string_end(code, 0) == end


def test_a_go_raw_string_has_no_escapes() -> None:
    code = "`C:\\` + x"
    assert string_end(code, 0, raw_backticks=True) == 5
    assert string_end(code, 0) == len(code)  # as a JavaScript template, the backslash escapes the backtick


@pytest.mark.parametrize(("code", "inner"), [
    ("f(a, g(b), ')')", "a, g(b), ')'"), ("f([1, (2)], {x: ']'}) + 1", "[1, (2)], {x: ']'}"),
    ("f(a, \"b\\\")\")", "a, \"b\\\")\""), ("f(a, (b)", "a, (b)"), ('f("""(""")', '"""("""'),
])
def test_the_text_inside_a_bracket_skips_strings_and_nested_brackets(code: str, inner: str) -> None:
    assert inside(code, 1) == inner
    assert close_bracket(code, 1) == (len(code) if code.count("(") > code.count(")") else 2 + len(inner) + 1)


@pytest.mark.parametrize(("args", "parts"), [
    ("a, f(b, c), 'd,e', [1, 2]", ["a", "f(b, c)", "'d,e'", "[1, 2]"]), ("", []), (" x ", ["x"]),
    ('"a,b", `c,${d}`', ['"a,b"', "`c,${d}`"]),
])
def test_a_calls_arguments_are_split_at_top_level_commas(args: str, parts: list[str]) -> None:
    assert split_args(args) == parts


@pytest.mark.parametrize(("code", "go", "at"), [
    ('if (a.equals("{")) { x(); }', False, 19), ("if (a) x(); else { y(); }", False, None),
    ("f(if (a)) { }", False, None), ("if _, err := f(&pb.R{}); err != nil {\n", True, 36),
])
def test_the_block_after_a_condition_opens_outside_brackets_and_strings(code: str, go: bool, at: int | None) -> None:
    assert block_after(code, code.find("if") + 2, raw_backticks=go, semicolon_ends=not go) == at


def test_every_bracket_is_paired_in_one_pass_as_close_bracket_pairs_it() -> None:
    code = 'f(a, "(", [b]) {x} ) ('
    pairs = bracket_pairs(code)
    assert pairs == {i: close_bracket(code, i) for i in (1, 10, 15)}  # the stray ) and the unclosed ( are left out


def test_brackets_closed_far_away_or_never_are_answered_as_a_walk_from_them_would() -> None:
    from engine.importers.code_text import close_bracket, inside

    body = "x = 1; " * 2000  # 14,000 characters between the bracket and its closer
    code = f"f({body}) + g(\"h(\") + k(" + "m(" * 3000
    assert close_bracket(code, 1) == code.index(") + g") + 1
    assert inside(code, 1) == body
    g = code.index("g(") + 1
    assert inside(code, g) == '"h("'  # the bracket inside the string is no bracket
    far = "f(" + "y; " * 5000 + ') s = "p(q)"'
    assert close_bracket(far, 1) == far.index(") s") + 1  # the text's brackets are now paired in one pass
    assert close_bracket(far, far.index("p(") + 1) == far.index("q)") + 2  # asked of one in a string: walked, as before
    last = code.rindex("m(") + 1
    assert close_bracket(code, last) == len(code)  # never closed: the end of its line (here, of the text)
    first_open = code.index("k(") + 1
    assert close_bracket(code, first_open) == first_open + 201  # ... at most 200 characters on
    assert inside(code, first_open) == code[first_open + 1:first_open + 201]
    assert inside("f(a, b\nnext()", 1) == "a, b"  # its line ends sooner
