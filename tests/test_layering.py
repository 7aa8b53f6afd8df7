"""The layering of engine/ stays true: data flows one way, and only the runtime touches durable_rules."""

from __future__ import annotations

import ast
import os

from tests.conftest import ROOT

ENGINE = os.path.join(ROOT, "engine")


def imports_of(path: str) -> set[str]:
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def modules() -> dict[str, set[str]]:
    out = {}
    for root, _dirs, files in os.walk(ENGINE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".").removesuffix(".__init__")
                out[rel] = imports_of(path)
    return out


def test_only_the_runtime_imports_durable_rules() -> None:
    for mod, deps in modules().items():
        if mod != "engine.runtime":
            assert not any(d.startswith(("durable", "durable_rules_engine")) for d in deps), mod


def test_lower_layers_never_import_higher_ones() -> None:
    order = ["engine.errors", "engine.model", "engine.source", "engine.loader", "engine.ruleload",
             "engine.enrich", "engine.compiler", "engine.consequence", "engine.runtime", "engine.review",
             "engine.report", "engine.cli"]
    rank = {m: i for i, m in enumerate(order)}
    mods = modules()
    for mod in order:
        for dep in mods[mod]:
            if dep in rank:
                assert rank[dep] < rank[mod], f"{mod} imports {dep}, a higher layer"


def test_the_compiler_is_pure() -> None:
    deps = modules()["engine.compiler"]
    assert not {"engine.runtime", "engine.review", "engine.cli"} & deps
    assert not any(d.startswith("durable") for d in deps)


def test_nothing_but_the_cli_prints_or_exits() -> None:
    for mod, _deps in modules().items():
        if mod.startswith("engine.cli"):
            continue
        path = os.path.join(ROOT, *mod.split(".")) + ".py"
        if not os.path.exists(path):
            path = os.path.join(ROOT, *mod.split("."), "__init__.py")
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit"), f"{mod} calls {node.func.id}()"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
                    node.func.value, ast.Name):
                assert (node.func.value.id, node.func.attr) != ("sys", "exit"), f"{mod} calls sys.exit()"
