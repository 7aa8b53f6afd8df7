"""Python written for a newer interpreter, read on every supported one (engine/importers/code_syntax.py): PEP 701
f-strings, PEP 695 type parameters and ``type`` statements, PEP 758 ``except A, B:``; each read on its lines and
columns, by every code reader (they all parse through ``code_trees.parse``)."""

from __future__ import annotations

import ast
import os
import sys
from typing import Any

import pytest

from engine.importers import code_syntax, code_trees, import_paths
from engine.importers.code_routes import RoutesDocument
from tests.helpers import write


def _expr(tree: ast.Module) -> ast.expr:
    statement = tree.body[-1]
    assert isinstance(statement, (ast.Assign, ast.Expr))
    return statement.value


def _formatted(tree: ast.Module) -> list[ast.FormattedValue]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FormattedValue)]


def _positions(node: ast.AST) -> list[tuple[str, int, int, int, int]]:
    """Each expression node inside ``node`` with its place, in walk order (the f-string's own nodes left out: their
    places are the interpreter's convention, not the code's)."""
    return [(type(n).__name__, n.lineno, n.col_offset, n.end_lineno or 0, n.end_col_offset or 0)
            for n in ast.walk(node)
            if isinstance(n, ast.expr) and not isinstance(n, (ast.JoinedStr, ast.FormattedValue))]


# PEP 701 f-strings, each beside the same code an older interpreter reads (the other quote), of the same length:
# the trees, places included, are the same
SAME_QUOTES = [
    ('x = f"{row["id"]}"\n', "x = f\"{row['id']}\"\n"),
    ('x = f"total {sum(o["n"] for o in orders)!r:>{width}} items"\n',
     "x = f\"total {sum(o['n'] for o in orders)!r:>{width}} items\"\n"),
    ("msg += f' ({self.context['request'].user.name})'\n", "msg += f' ({self.context[\"request\"].user.name})'\n"),
    ('y = 1; z = f"{d["é"]}" + q\n', "y = 1; z = f\"{d['é']}\" + q\n"),
]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the interpreter reads PEP 701 itself")
@pytest.mark.parametrize(("newer", "older"), SAME_QUOTES, ids=["subscript", "spec", "single-quoted", "non-ascii"])
def test_an_f_string_reusing_its_quotes_parses_to_the_tree_of_the_same_code_with_the_other_quotes(
        newer: str, older: str) -> None:
    with pytest.raises(SyntaxError):
        ast.parse(newer)
    assert ast.dump(code_syntax.parse(newer, "m.py"), include_attributes=True) == \
        ast.dump(ast.parse(older), include_attributes=True)


def test_a_backslash_in_a_replacement_field_is_read_at_its_place() -> None:
    source = "x = f\"{'\\n'.join(lines)}, {re.split(r'^\\s*-\\s', line)[-1]}\"\n"
    tree = code_syntax.parse(source, "m.py")
    first, second = (f.value for f in _formatted(tree))
    assert isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
    assert isinstance(first.func.value, ast.Constant) and first.func.value.value == "\n"
    assert _positions(first) == [("Call", 1, 7, 1, 23), ("Attribute", 1, 7, 1, 16), ("Name", 1, 17, 1, 22),
                                 ("Constant", 1, 7, 1, 11)]
    assert ast.unparse(second) == "re.split('^\\\\s*-\\\\s', line)[-1]"
    assert (second.lineno, second.col_offset) == (1, 27)


def test_a_field_of_several_lines_with_a_comment_keeps_its_lines() -> None:
    source = 'x = f"""head {\n    row["id"]  # the key\n} tail"""\nafter = call(1)\n'
    tree = code_syntax.parse(source, "m.py")
    (field,) = _formatted(tree)
    assert _positions(field.value) == [("Subscript", 2, 4, 2, 13), ("Name", 2, 4, 2, 7), ("Constant", 2, 8, 2, 12)]
    after = tree.body[1]
    assert isinstance(after, ast.Assign) and (after.lineno, after.value.col_offset) == (4, 8)


def test_a_self_documenting_field_keeps_its_text() -> None:
    tree = code_syntax.parse('x = f"{row["id"] = }"\n', "m.py")
    joined = _expr(tree)
    assert isinstance(joined, ast.JoinedStr)
    assert isinstance(joined.values[0], ast.Constant) and joined.values[0].value == 'row["id"] = '


def test_nested_f_strings_reusing_quotes_are_read() -> None:
    tree = code_syntax.parse('x = f"{", ".join(f"{k}={v["a"]}" for k, v in d.items())}"\n', "m.py")
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    assert names == ["d", "k", "v", "x"]


def test_text_that_does_not_parse_raises_its_own_error() -> None:
    with pytest.raises(SyntaxError) as caught:
        code_syntax.parse('x = f"{row["id"]}"\ndef broken(:\n', "m.py")
    assert caught.value.lineno == (2 if sys.version_info >= (3, 12) else 1)


TYPE_PARAMS = """\
def first[T: (int, str)](items: list[T]) -> T:
    return items[0]


class Box[K,
          V](Base):
    pass


type Pair[T] = tuple[T, T]
"""


def test_type_parameters_are_blanked_on_their_lines_and_columns() -> None:
    tree = code_syntax.parse(TYPE_PARAMS, "m.py")
    fn, box, pair = tree.body
    assert isinstance(fn, ast.FunctionDef) and fn.args.args[0].col_offset == 25
    assert isinstance(box, ast.ClassDef) and isinstance(box.bases[0], ast.Name)
    assert (box.bases[0].lineno, box.bases[0].col_offset) == (6, 13)
    if isinstance(pair, ast.Assign):  # an interpreter older than 3.12: the alias read as an assignment
        assert ast.unparse(pair) == "Pair = tuple[T, T]"
    assert (pair.value.lineno, pair.value.col_offset) == (10, 15)


def test_a_bare_except_of_several_types_is_read_as_their_tuple() -> None:
    tree = code_syntax.parse("try:\n    pass\nexcept KeyError, LookupError:\n    pass\n", "m.py")
    handler = tree.body[0].handlers[0]  # type: ignore[attr-defined]
    assert ast.unparse(handler.type) == "(KeyError, LookupError)"
    assert [(n.lineno, n.col_offset) for n in handler.type.elts] == [(3, 7), (3, 17)]


NEWER = """\
import os

from fastapi import APIRouter
import requests

router = APIRouter(prefix="/orders")
API_KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c"
BILLING = os.getenv("BILLING_ADDR", "billing:8080")


@router.post("/{order_id}/charge")
def charge(order: dict) -> None:
    requests.post(f"http://{BILLING}/charge/{order["id"]}", timeout=3)
"""


def _read_service(root: str, text: str) -> tuple[Any, ...]:
    write(root, "orders/api.py", text)
    with code_trees.shared():
        (doc,) = [d for d in import_paths("source", [root], service="shop") if isinstance(d, RoutesDocument)]
    return doc.data, doc.routes, doc.calls, doc.secrets, doc.remarks


def test_every_reader_reads_a_file_in_newer_syntax(tmp_path: Any) -> None:
    """The routes, calls and credentials of a file using PEP 701 are those of the same file in older syntax."""
    root = str(tmp_path / "svc")
    newer = _read_service(root, NEWER)
    older = _read_service(root, NEWER.replace('{order["id"]}', "{order['id']}"))
    assert newer == older
    data, routes, calls, secrets, _remarks = newer
    assert [r.path for r in routes] == ["/orders/{order_id}/charge"]
    assert calls and secrets and data["services"][0]["secrets_source"] == "repo_config"


ENGINE = os.path.dirname(os.path.dirname(code_syntax.__file__))


def _engine_sources() -> list[str]:
    return sorted(os.path.join(d, n) for d, _s, names in os.walk(ENGINE) for n in names if n.endswith(".py"))


def test_grafted_fields_give_the_tree_the_interpreter_gives_on_real_code() -> None:
    """archplan's own code, which parses: every f-string field holding a quote, a backslash or a comment, forced
    through the placeholder and the graft, gives exactly the tree ``ast.parse`` gives, places included."""
    checked = 0
    for path in _engine_sources():
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        fields, fixed, names = code_syntax._placeholders(text)  # the rewrite itself, on code that parses
        if not fields:
            continue
        tree = ast.parse(fixed, path)
        code_syntax._graft(tree, fields, names, text, path)
        assert ast.dump(tree, include_attributes=True) == ast.dump(ast.parse(text, path), include_attributes=True), path
        checked += 1
    assert checked >= 20
