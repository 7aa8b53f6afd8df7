"""Dataclasses made with precompiled methods (engine.model.precompiled) are the ones Python makes, code for code."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterator
from typing import Any

import pytest

from engine.model import precompiled
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not precompiled.supported(), reason="Python 3.11's dataclasses only")


def codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from codes(c)


def same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """Equal as Python compares code (bytecode, constants, names, lines) and from the same file name."""
    return a == b and [c.co_filename for c in codes(a)] == [c.co_filename for c in codes(b)] and all(
        x.co_qualname == y.co_qualname for x, y in zip(codes(a), codes(b), strict=True))


def exec_code(text: str) -> types.CodeType:
    module = compile(text, "<string>", "exec", dont_inherit=True)
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


def table_texts() -> list[str]:
    import importlib

    texts: list[str] = []
    for name in ("engine.model._precompiled_check", "engine.model._precompiled_more"):
        texts += importlib.import_module(name).TEXTS
    return texts


@pytest.fixture(autouse=True)
def tables_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables are read here even where their bytecode is not kept (``PYTHONDONTWRITEBYTECODE``)."""
    monkeypatch.setattr(precompiled, "_bytecode_kept", lambda _name: True)


def test_each_precompiled_method_is_the_code_exec_makes_of_its_text() -> None:
    texts = table_texts()
    assert len(texts) == len(set(texts)) > 100
    for text in texts:
        code = precompiled.code_for(text)
        assert code is not None and same_code(code, exec_code(text)), text


@pytest.fixture
def installed() -> Iterator[list[str]]:
    was = dataclasses._create_fn  # type: ignore[attr-defined]
    assert precompiled.install()
    precompiled.recorded = []
    try:
        yield precompiled.recorded
    finally:
        precompiled.recorded = None
        precompiled.uninstall()
    assert dataclasses._create_fn is was  # type: ignore[attr-defined]


def make(frozen: bool) -> type[Any]:
    """A dataclass with a default, a factory, a field out of the comparison and a ``__post_init__``."""

    class Point:
        x: int
        y: int = 2
        tags: list[str] = dataclasses.field(default_factory=list, compare=False)

        def __post_init__(self) -> None:
            if self.x < 0:
                raise ValueError("negative")

    made: type[Any] = dataclasses.dataclass(frozen=frozen, order=True)(Point)
    return made


def methods(cls: type[Any]) -> dict[str, types.CodeType]:
    out = {}
    for name in ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__", "__delattr__"):
        fn = cls.__dict__.get(name)
        fn = getattr(fn, "__wrapped__", fn)  # __repr__ is wrapped against recursion
        if isinstance(fn, types.FunctionType):
            out[name] = fn.__code__
    return out


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "plain"])
def test_a_class_made_with_the_table_is_the_class_python_makes(installed: list[str], frozen: bool) -> None:
    import importlib

    importlib.import_module("engine.model._precompiled_check")  # a table loaded: its texts are not these
    precompiled.uninstall()
    plain = make(frozen)
    precompiled.install()
    assert not [t for t in installed if precompiled.code_for(t) is not None]  # none of these is in the table
    ours = make(frozen)
    assert installed  # the texts went through the copy of _create_fn, compiled there (no table entry)
    theirs = methods(plain)
    assert set(methods(ours)) == set(theirs)
    for name, code in methods(ours).items():
        assert same_code(code, theirs[name]), name
    p = ours(1, tags=["a"])
    assert repr(p) == "make.<locals>.Point(x=1, y=2, tags=['a'])"
    assert p == ours(1) and p < ours(2) and p != plain(1)
    assert hash(p) == hash(ours(1)) if frozen else ours.__hash__ is None
    with pytest.raises(ValueError, match="negative"):
        ours(-1)
    if frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.x = 3


def test_a_method_found_in_the_table_is_taken_from_it_not_compiled(installed: list[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    text = table_texts()[0]
    compiled: list[str] = []
    def counted(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args[0])
        return compile(*args, **kwargs)

    monkeypatch.setattr(precompiled, "compile", counted, raising=False)
    make(True)  # not in the table: compiled
    assert compiled
    compiled.clear()
    code = precompiled.code_for(text)
    assert code is not None and same_code(code, exec_code(text))
    from engine.errors import Location  # made before the fixture: made again here, from the table

    again: Any = dataclasses.dataclass(frozen=True, order=True)(type("Location", (), {
        "__annotations__": dict(Location.__annotations__), "__module__": Location.__module__,
        "__qualname__": "Location", "line": 0, "column": 0}))
    assert not compiled
    assert again("f.yaml", 3) < again("f.yaml", 4)
    assert repr(again("f.yaml")) == "Location(file='f.yaml', line=0, column=0)"


def test_the_command_line_makes_its_dataclasses_from_the_tables_and_they_hold_what_a_check_compiles() -> None:
    """Fails when a dataclass on the path of a check changed: regenerate with tools/gen_dataclass_code.py."""
    code = (
        "import os, sys, dataclasses\n"
        "from engine.model import precompiled\n"
        "precompiled.recorded = []\n"
        "real_exit = os._exit\n"
        "def done(code):\n"
        "    missed = [t for t in precompiled.recorded if precompiled.code_for(t) is None]\n"
        "    print(dataclasses._create_fn is precompiled._create_fn, len(precompiled.recorded), len(missed))\n"
        "    sys.stdout.flush()\n"
        "    real_exit(code)\n"
        "os._exit = done\n"
        "sys.argv = ['archplan', 'check', 'facts/shop', '--format', 'sarif', '-o', os.devnull]\n"
        "from engine.cli import entry\n"
        "entry()\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as pyc:  # as installed: bytecode kept (here in a folder of its own)
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                              env={**env, "PYTHONPYCACHEPREFIX": pyc})
    installed, made, missed = done.stdout.split()
    assert (installed, int(made) > 100, missed) == ("True", True, "0"), done.stderr


def test_without_kept_bytecode_the_tables_are_not_read_and_every_method_is_compiled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precompiled, "_bytecode_kept", lambda _name: False)
    monkeypatch.setattr(precompiled, "_TABLES", ["engine.model._precompiled_check"])
    monkeypatch.setattr(precompiled, "_CODE", {})
    monkeypatch.setattr(precompiled, "_FIXED", {})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert precompiled.code_for(table_texts()[0]) is None
