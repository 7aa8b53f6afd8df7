"""Dataclasses made without compiling their methods: the code Python would compile, compiled ahead of time.

``dataclasses.dataclass`` writes each method of a class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, a
frozen class's ``__setattr__`` and ``__delattr__``) as Python text and compiles it with ``exec``, one call per
method (Python 3.11: ``dataclasses._create_fn``). A check makes about a hundred dataclasses (51 of archplan's,
the rest pydantic's and annotated_types'), and compiling their methods took 25 ms of every process.

``engine/model/_precompiled_check.py`` (and ``_precompiled_more.py``) hold those texts as they are, each
followed by the function compiled from it (a module: Python keeps its bytecode, so loading it compiles nothing).
:func:`install` puts in the place of ``dataclasses._create_fn`` a copy of it that, for a text found there, takes
that code instead of compiling the text again: the same code (its file name and lines set back to those ``exec``
gives: ``<string>``, from line 1), given the same globals and locals, so that the methods are identical in every
respect. Any other text is compiled as before, and a call without a module's globals is Python's own; a stale
table costs time, never a difference. Only on Python 3.11, whose ``_create_fn`` this copies (3.13 compiles a
class's methods in one call).

The table is made by ``tools/gen_dataclass_code.py`` (after a change to a dataclass on the path of ``check`` or
``plan``; the lead regenerates it after merging).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
from collections.abc import Callable
from typing import Any

_ORIGINAL: dict[str, Callable[..., Any]] = {}
"""``dataclasses._create_fn`` before :func:`install` (under "fn" while installed)."""
_TABLES = ["engine.model._precompiled_check", "engine.model._precompiled_more"]
"""The tables not loaded yet, in the order they are loaded: what ``check`` compiles, then what only other
commands (``plan``) add; a check never loads the second (unless the first is stale)."""
_CODE: dict[str, types.CodeType] = {}
"""The loaded tables: a method's text (as ``_create_fn`` writes it) -> its compiled ``__create_fn__``."""
_FIXED: dict[str, types.CodeType] = {}
"""Codes of the table already given ``exec``'s file name and lines."""
recorded: list[str] | None = None
"""When a list: every text ``_create_fn`` is given, in order (``tools/gen_dataclass_code.py``)."""


def supported() -> bool:
    """Whether this Python's ``dataclasses._create_fn`` is the one this module copies."""
    return sys.version_info[:2] == (3, 11) and callable(getattr(dataclasses, "_create_fn", None))


def install() -> bool:
    """Make this process's dataclasses with the precompiled code (see the module); False where not supported.

    For a one-shot process (the command line): a library caller's process keeps Python's own."""
    if _ORIGINAL:
        return True
    if not supported():
        return False
    _ORIGINAL["fn"] = dataclasses._create_fn  # type: ignore[attr-defined]
    dataclasses._create_fn = _create_fn  # type: ignore[attr-defined]
    return True


def uninstall() -> None:
    """Undo :func:`install` (tests)."""
    if _ORIGINAL:
        dataclasses._create_fn = _ORIGINAL.pop("fn")  # type: ignore[attr-defined]


def _lookup(text: str) -> types.CodeType | None:
    """The table's code of ``text``, loading the next table while it is not found."""
    import importlib

    code = _CODE.get(text)
    while code is None and _TABLES:
        name = _TABLES.pop(0)
        if sys.dont_write_bytecode and not _bytecode_kept(name):
            continue  # the table would be compiled in every process: longer than the methods it holds
        try:
            table = importlib.import_module(name)
        except ImportError:  # not generated (tools/gen_dataclass_code.py): compiled as before
            continue
        _CODE.update(zip(table.TEXTS, (fn.__code__ for fn in table.FUNCTIONS), strict=True))
        code = _CODE.get(text)
    return code


def _bytecode_kept(name: str) -> bool:
    """Whether the module ``name`` has its bytecode on disk (``PYTHONDONTWRITEBYTECODE`` keeps Python from writing
    it: an editable install run so compiles the table, 40 ms, in every process)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    cached = spec.cached if spec is not None else None
    return cached is not None and os.path.exists(cached)


def _as_exec_gives(code: types.CodeType, shift: int) -> types.CodeType:
    """``code`` and the functions it defines, with the file name and line numbers of the same text run by exec."""
    consts = tuple(_as_exec_gives(c, shift) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename="<string>", co_firstlineno=code.co_firstlineno + shift, co_consts=consts)


def code_for(text: str) -> types.CodeType | None:
    """The compiled ``__create_fn__`` of ``text``, as ``exec(text, ...)`` would make it; None when the table does
    not hold it."""
    fixed = _FIXED.get(text)
    if fixed is None:
        code = _lookup(text)
        if code is None:
            return None
        fixed = _FIXED[text] = _as_exec_gives(code, 1 - code.co_firstlineno)
    return fixed


def _create_fn(name: str, args: list[str], body: list[str], *, globals: dict[str, Any] | None = None,
               locals: dict[str, Any] | None = None, return_type: Any = dataclasses.MISSING) -> Any:
    """Python 3.11's ``dataclasses._create_fn``, line for line, but for where the code comes from."""
    original = _ORIGINAL.get("fn")
    if original is not None and (globals is None or "__builtins__" not in globals):  # exec would change them
        return original(name, args, body, globals=globals, locals=locals, return_type=return_type)
    # Note that we may mutate locals. Callers beware!
    if locals is None:
        locals = {}
    return_annotation = ""
    if return_type is not dataclasses.MISSING:
        locals["_return_type"] = return_type
        return_annotation = "->_return_type"
    joined = ",".join(args)
    lines = "\n".join(f"  {b}" for b in body)
    txt = f" def {name}({joined}){return_annotation}:\n{lines}"
    local_vars = ", ".join(locals.keys())
    txt = f"def __create_fn__({local_vars}):\n{txt}\n return {name}"
    if recorded is not None:
        recorded.append(txt)
    code = code_for(txt)
    if code is not None and globals is not None:
        return types.FunctionType(code, globals)(**locals)
    ns: dict[str, Any] = {}
    # dataclasses' own text, compiled as dataclasses does (without this module's ``from __future__``)
    exec(compile(txt, "<string>", "exec", dont_inherit=True), globals, ns)  # noqa: S102
    return ns["__create_fn__"](**locals)
