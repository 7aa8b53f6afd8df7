"""The syntax trees the code readers of one import share (engine/importers/code_trees.py): each file parsed once per
import whatever the services that read it, parsed again when its text changes, its nodes by type those ``ast.walk``
gives, in its order; no reader changes a shared tree, and an import that shares them gives what fresh parses give."""

from __future__ import annotations

import ast
import os
import shutil
from collections import Counter
from typing import Any

import pytest

import engine.importers.code_trees as code_trees_module
from engine.importers import code_trees, import_paths
from engine.importers.code_routes import RoutesDocument
from tests.helpers import write

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "importers")

CLIENT = """
    import hashlib
    import os
    import pika
    import requests

    BILLING = os.getenv("BILLING_ADDR", "billing:8080")
    API_KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c"

    class Request:
        def __init__(self, url, timeout):
            self.url = url
            self.timeout = timeout

        def send(self):
            return requests.get(self.url, timeout=self.timeout)

    def charge(order):
        requests.post(f"http://{BILLING}/charge/{order}", timeout=3)
        Request(os.environ["LEDGER_URL"], 5).send()

    def store(user, password):
        user.digest = hashlib.md5(password.encode()).hexdigest()

    def announce(channel, order):
        channel.basic_publish(exchange="", routing_key="orders", body=order)
"""


@pytest.fixture
def project(tmp_path: Any) -> str:
    """A service's code: Flask, FastAPI and plain modules that the routes, calls, secrets, hashing, messages,
    workflows and AI readers all read."""
    root = str(tmp_path / "svc")
    for name in ("workflows/shop", "workflows/wallet", "ai/writer", "source/stock"):
        shutil.copytree(os.path.join(FIXTURES, name), os.path.join(root, name.replace("/", "_")))
    write(root, "billing/client.py", CLIENT)
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times ``ast.parse`` parsed each file."""
    counted: Counter[str] = Counter()
    real = ast.parse

    def counting(source: Any, filename: Any = "<unknown>", *args: Any, **kwargs: Any) -> Any:
        counted[str(filename)] += 1
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(code_trees_module.ast, "parse", counting)
    return counted


def _py_files(root: str) -> list[str]:
    return sorted(os.path.join(d, n) for d, _s, names in os.walk(root) for n in names if n.endswith(".py"))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _service(docs: list[Any]) -> RoutesDocument:
    return next(d for d in docs if isinstance(d, RoutesDocument))


def test_a_file_read_for_two_services_in_one_import_is_parsed_once(project: str, parses: Counter[str]) -> None:
    with code_trees.shared():
        import_paths("source", [project], service="web")
        import_paths("source", [project], service="worker")
    files = _py_files(project)
    assert {f: parses[f] for f in files} == dict.fromkeys(files, 1)


def test_separate_imports_parse_again_and_keep_no_tree(project: str, parses: Counter[str]) -> None:
    import_paths("source", [project], service="web")
    import_paths("source", [project], service="worker")
    path = _py_files(project)[0]
    assert parses[path] == 2  # each import let its trees go when it ended
    text = _read(path)
    with code_trees.shared():
        kept = code_trees.parse(text, path)
        with code_trees.shared():
            assert code_trees.parse(text, path) is kept
        assert code_trees.parse(text, path) is kept  # an inner block's end lets nothing go
    assert code_trees.parse(text, path) is not kept


def test_a_file_edited_between_two_imports_in_one_process_is_parsed_again(tmp_path: Any) -> None:
    root = str(tmp_path / "svc")
    app = write(root, "app.py", """
        from flask import Flask
        app = Flask(__name__)

        @app.route("/orders")
        def orders():
            return []
    """)
    with code_trees.shared():
        first = _service(import_paths("source", [root], service="web"))
        write(root, "app.py", _read(app).replace('"/orders"', '"/invoices"'))
        second = _service(import_paths("source", [root], service="web"))
    assert [r.path for r in first.routes] == ["/orders"]
    assert [r.path for r in second.routes] == ["/invoices"]


def test_an_import_sharing_trees_gives_what_fresh_parses_give(project: str) -> None:
    fresh = [d.data for d in import_paths("source", [project], service="web")]  # trees let go after it
    with code_trees.shared():
        first = [d.data for d in import_paths("source", [project], service="web")]
        again = [d.data for d in import_paths("source", [project], service="web")]  # every reader on kept trees
        kept = {f: code_trees.parse(_read(f), f) for f in _py_files(project)}
        dumps = {f: ast.dump(t, include_attributes=True) for f, t in kept.items()}
    # the readers found something to compare: routes, a publication, AI clients, a password digest, a credential
    assert {"channels", "endpoints", "externals", "interactions"} <= set(fresh[0])
    assert fresh[0]["services"][0]["password_hashing"] == "md5"
    assert first == fresh
    assert again == fresh
    # no reader changed a shared tree: each is the tree a fresh parse gives
    assert dumps == {f: ast.dump(ast.parse(_read(f), f), include_attributes=True) for f in kept}


SOURCES = [os.path.join(os.path.dirname(code_trees.__file__), name) for name in ("code_calls.py", "code_flask.py")]
KINDS: list[tuple[type[ast.AST], ...]] = [
    (ast.Call,), (ast.FunctionDef, ast.AsyncFunctionDef), (ast.Import, ast.ImportFrom), (ast.stmt,), (ast.expr,),
    (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef), (ast.Assign, ast.AnnAssign, ast.Dict, ast.Call), (ast.AST,)]


@pytest.mark.parametrize("kinds", KINDS, ids=lambda k: "-".join(t.__name__ for t in k))
@pytest.mark.parametrize("source", SOURCES, ids=os.path.basename)
def test_nodes_are_those_ast_walk_gives_in_its_order(source: str, kinds: tuple[type[ast.AST], ...]) -> None:
    tree = ast.parse(_read(source), source)
    with code_trees.shared():
        assert list(code_trees.nodes(tree, *kinds)) == [n for n in ast.walk(tree) if isinstance(n, kinds)]
        assert code_trees.nodes(tree, *kinds) is code_trees.nodes(tree, *kinds)  # one walk, kept


@pytest.mark.parametrize("source", SOURCES, ids=os.path.basename)
def test_parents_are_those_a_walk_gives(source: str) -> None:
    tree = ast.parse(_read(source), source)
    walked = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    with code_trees.shared():
        assert dict(code_trees.parents(tree)) == walked


def test_a_file_that_does_not_parse_raises_each_time() -> None:
    with code_trees.shared():
        for _ in range(2):
            with pytest.raises(SyntaxError):
                code_trees.parse("def broken(:\n", "broken.py")


def test_the_trees_kept_are_bounded() -> None:
    with code_trees.shared():
        first = code_trees.parse("x = 0\n", "m0.py")
        assert code_trees.parse("x = 0\n", "m0.py") is first
        for i in range(1, code_trees.MAX_TREES + 1):
            code_trees.parse(f"x = {i}\n", f"m{i}.py")
        assert code_trees.parse("x = 0\n", "m0.py") is not first  # the least recently used went first
