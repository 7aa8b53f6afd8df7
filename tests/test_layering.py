"""The layering of engine/ stays true. The import contracts live in pyproject.toml ([tool.importlinter]) and
run here as in ``make lint``; what import-linter cannot express is checked by hand below."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from typing import Any

from tests.conftest import ROOT

ENGINE = os.path.join(ROOT, "engine")


def engine_modules() -> dict[str, str]:
    """Every module of engine/ (dotted name -> file)."""
    out = {}
    for root, dirs, files in os.walk(ENGINE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                out[os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".").removesuffix(".__init__")] = path
    return out


def contracts() -> list[dict[str, Any]]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return list(tomllib.load(fh)["tool"]["importlinter"]["contracts"])


def test_the_import_contracts_hold() -> None:
    lint = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in done.stdout


def test_every_module_of_engine_is_in_exactly_one_layer() -> None:
    (layered,) = [c for c in contracts() if c["type"] == "layers"]
    layers = [name.strip() for layer in layered["layers"] for name in layer.split(":")]
    unplaced, twice = [], []
    for mod in engine_modules():
        if mod == "engine":  # the public API: it stands above every layer
            continue
        homes = [layer for layer in layers if mod == layer or mod.startswith(layer + ".")]
        (twice if len(homes) > 1 else unplaced if not homes else []).append(mod)
    assert (unplaced, twice) == ([], [])


def test_engine_has_no_import_cycle() -> None:
    import grimp  # import-linter's graph builder, a dev dependency

    graph = grimp.build_graph("engine", cache_dir=None)
    cycles = sorted(f"{mod} -> {dep}" for mod in graph.modules for dep in graph.find_modules_directly_imported_by(mod)
                    if graph.chain_exists(importer=dep, imported=mod))
    assert cycles == []


def test_nothing_but_the_cli_prints_or_exits() -> None:
    for mod, path in engine_modules().items():
        if mod == "engine.cli" or mod.startswith("engine.cli."):
            continue
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit"), f"{mod} calls {node.func.id}()"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
                    node.func.value, ast.Name):
                assert (node.func.value.id, node.func.attr) != ("sys", "exit"), f"{mod} calls sys.exit()"
