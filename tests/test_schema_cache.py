"""The plain validators' schemas (engine/model/plain.py) are kept on disk between processes (engine/rulecache.py):
read back when the model's source, the nested models' and the versions are unchanged, built again on any change
or damage, kept only when JSON reads them back the same, and never with the cache off."""

from __future__ import annotations

import enum
import os
import sys
import time
import types
from typing import Any, Literal

import orjson
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

import engine
from engine import rulecache
from engine.model import SECTIONS, plain

SOURCE = '''
from __future__ import annotations
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field

class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
    mode: Literal["a", "b"] | None = None

class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
    name: str
    size: int | None = Field(default=None, ge={least})
    inner: Inner | None = None
'''


@pytest.fixture
def module(tmp_path: Any, monkeypatch: Any) -> Any:
    """A module of two models (``Outer`` nests ``Inner``) read from a file, as ``write(least)`` writes it (its
    classes made anew on each call, as in a new process)."""
    path = tmp_path / "kept_models.py"
    made: list[str] = []

    def write(least: int = 0) -> Any:
        path.write_text(SOURCE.format(least=least), encoding="utf-8")
        monkeypatch.setattr(engine, "IMPORTED_NS", time.time_ns() + 2 * rulecache.RACY_NS)  # as a later process
        name = "kept_models"
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        sys.modules[name] = mod
        made.append(name)
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)
        return mod

    yield write
    for name in made:
        sys.modules.pop(name, None)


def _forget(*models: type[BaseModel]) -> None:
    """As a new process: the last one's entries written, no validator built, no entry read."""
    rulecache.write_schemas()
    for m in models:
        plain._PLAIN.pop(m, None)
    rulecache._SCHEMAS.clear()


def _no_building(monkeypatch: Any) -> None:
    def refuse(model: type[BaseModel]) -> Any:
        raise AssertionError(f"{model.__name__}'s schema was built again")
    monkeypatch.setattr(plain, "plain_schema", refuse)


def _schema_entries(folder: str) -> list[str]:
    rulecache.write_schemas()  # as at the process's exit
    names = os.listdir(folder) if os.path.isdir(folder) else []
    return sorted(n for n in names if n.startswith(rulecache.SCHEMA_PREFIX))


def test_a_second_process_validates_with_the_kept_schema_and_builds_no_model(cache: str, module: Any,
                                                                            monkeypatch: Any) -> None:
    entry = [{"name": "x", "size": 2, "inner": {"mode": "a"}}]
    want = rulecache.plain_validator(module().Outer)(entry)
    assert len(_schema_entries(cache)) == 1
    Outer = module().Outer
    _forget(Outer)
    _no_building(monkeypatch)
    assert rulecache.plain_validator(Outer)(entry) == want
    assert not Outer.__pydantic_complete__  # the model itself was never built
    with pytest.raises(ValidationError):  # and the kept schema refuses what the model's does
        rulecache.plain_validator(Outer)([{"name": "x", "size": -1}])


def test_a_changed_model_source_names_another_entry(cache: str, module: Any, monkeypatch: Any) -> None:
    first = module(least=0).Outer
    rulecache.plain_validator(first)
    key = rulecache._schema_key(rulecache._schema_sources(first) or [])
    second = module(least=5).Outer  # the same file, now with another bound
    assert rulecache._schema_key(rulecache._schema_sources(second) or []) != key
    _forget(first, second)
    with pytest.raises(ValidationError):
        rulecache.plain_validator(second)([{"name": "x", "size": 3}])
    assert len(_schema_entries(cache)) == 2


def test_a_nested_models_source_is_in_the_key(module: Any) -> None:
    mod = module()
    assert rulecache._nested(mod.Outer) == {mod.Outer, mod.Inner}


def test_a_damaged_entry_is_built_again_and_rewritten(cache: str, module: Any) -> None:
    Outer = module().Outer
    rulecache.plain_validator(Outer)
    (name,) = _schema_entries(cache)
    path = os.path.join(cache, name)
    with open(path, "rb") as fh:
        data = fh.read()
    with open(path, "wb") as fh:
        fh.write(data.replace(b'"ge":0', b'"ge":9'))  # the body no longer has the hash its header states
    _forget(Outer)
    assert rulecache.plain_validator(Outer)([{"name": "x", "size": 3}]) == [{"name": "x", "size": 3}]
    rulecache.write_schemas()
    with open(path, "rb") as fh:
        assert fh.read() == data


def test_a_schema_refused_by_pydantic_core_is_built_again(cache: str, module: Any, monkeypatch: Any) -> None:
    Outer = module().Outer
    key = rulecache._schema_key(rulecache._schema_sources(Outer) or [])
    assert key is not None
    name = f"{Outer.__module__}.{Outer.__qualname__}"
    monkeypatch.setitem(rulecache._SCHEMAS, rulecache._schema_entry(key), {name: [{"type": "no-such-schema"}, None]})
    assert rulecache.plain_validator(Outer)([{"name": "x"}]) == [{"name": "x"}]


class Colour(enum.Enum):
    RED = "red"


class WithEnum(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
    colour: Literal[Colour.RED] | None = None


def test_a_schema_json_would_change_is_not_kept(cache: str, monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "IMPORTED_NS", time.time_ns() + 2 * rulecache.RACY_NS)
    assert callable(rulecache.plain_validator(WithEnum))
    assert _schema_entries(cache) == []


def test_no_schema_is_kept_with_the_cache_off(cache: str, module: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(rulecache, "enabled", False)
    assert rulecache.plain_validator(module().Outer)([{"name": "x"}]) == [{"name": "x"}]
    assert _schema_entries(cache) == []


def test_the_fact_models_schemas_are_kept_and_read_back_the_same(cache: str, monkeypatch: Any) -> None:
    models = [model for _kind, model, _is_list in SECTIONS.values()]
    _forget(*models)
    built = {m: plain.plain_schema(m) for m in models}
    for m in models:
        rulecache.plain_validator(m)
    assert len(_schema_entries(cache)) == 1  # one entry: the models are all in engine/model/schema.py
    _forget(*models)
    kept = rulecache._kept_schemas(str(rulecache._schema_key(rulecache._schema_sources(models[0]) or [])))
    assert {m: tuple(kept[f"{m.__module__}.{m.__qualname__}"]) for m in models} == built
    _forget(*models)


def test_a_schema_built_from_a_source_changed_since_archplan_was_imported_is_not_kept(
        cache: str, module: Any, monkeypatch: Any) -> None:
    """The model was read from its file before the change; the key, hashed from the file now, names the new one."""
    Outer = module().Outer
    monkeypatch.setattr(engine, "IMPORTED_NS", time.time_ns() - rulecache.RACY_NS // 2)
    assert rulecache.plain_validator(Outer)([{"name": "x"}]) == [{"name": "x"}]
    assert _schema_entries(cache) == []


def test_the_command_line_writes_the_schemas_once_at_exit(tmp_path: Any) -> None:
    """A check of a design with every section builds the 13 section models' schemas, and writes one entry holding
    them all when it exits (its ``os._exit`` runs no atexit hook)."""
    import subprocess

    from tests.conftest import ROOT

    folder = str(tmp_path / "cache")
    env = {**os.environ, rulecache.CACHE_ENV: folder}
    env.pop(rulecache.OFF_ENV, None)
    shop = os.path.join(ROOT, "facts", "shop")
    done = subprocess.run([sys.executable, "-m", "archplan", "check", shop, "-o", os.devnull], cwd=ROOT, env=env,
                          capture_output=True, check=False)
    assert done.returncode == 1, done.stderr
    (name,) = [n for n in os.listdir(folder) if n.startswith(rulecache.SCHEMA_PREFIX)]
    body = rulecache.read_entry(os.path.join(folder, name), name[len(rulecache.SCHEMA_PREFIX):-len(".json")],
                                rulecache.SCHEMA_FORMAT)
    assert body is not None and len(orjson.loads(body)) >= 10


def test_the_section_models_entry_is_named_without_their_classes() -> None:
    """``fact_validator`` names the section models' entry from their module's file: the one every section model's
    classes (and the models they nest) are written in, as ``plain_validator`` names it from the classes."""
    files = rulecache.fact_sources()
    assert files is not None
    for _kind, model, _is_list in SECTIONS.values():
        assert rulecache._schema_sources(model) == files, model.__name__


def test_a_check_with_the_schemas_kept_does_not_import_the_section_models(tmp_path: Any) -> None:
    """The second check of a design reads its sections with the kept schemas; a design the plain validators refuse
    still imports the models, whose errors the user sees."""
    import subprocess

    from tests.conftest import ROOT
    from tests.helpers import write

    env = {**os.environ, rulecache.CACHE_ENV: str(tmp_path / "cache")}
    env.pop(rulecache.OFF_ENV, None)
    shop = os.path.join(ROOT, "facts", "shop")
    first = subprocess.run([sys.executable, "-m", "archplan", "check", shop, "-o", os.devnull], cwd=ROOT, env=env,
                           capture_output=True, check=False)
    assert first.returncode == 1, first.stderr
    bad = write(str(tmp_path), "bad/infra.yaml", """
        source: infrastructure
        services:
          - {name: a, replicas: many}
        """)
    probe = ("import sys\nfrom engine.cli.main import main\ntry:\n    main(['check', {path!r}, '-o', '/dev/null'])\n"
             "except SystemExit as exc:\n    print('exit', exc.code)\n"
             "print('models', 'engine.model.schema' in sys.modules)\n")
    kept = subprocess.run([sys.executable, "-c", probe.format(path=shop)], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    assert kept.stdout.split("\n")[-3:] == ["exit 1", "models False", ""], kept.stderr
    refused = subprocess.run([sys.executable, "-c", probe.format(path=bad)], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
    assert "'many' is not a whole number" in refused.stderr
    assert refused.stdout.split("\n")[-3:] == ["exit 2", "models True", ""]
