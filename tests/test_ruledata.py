"""The runtime reads plain rule objects (engine/model/ruledata.py): built from the validated pydantic models when the
rule files are read, and by the models' own core schema, without the models, when the compiled rules are read back
from the cache; a check, a plan and ``review()`` on a warm cache import no pydantic."""

from __future__ import annotations

import copy
import glob
import os
import subprocess
import sys
from typing import Any

import orjson
import pytest
import yaml
from pydantic import ValidationError

from engine import rulecache
from engine.model import rule as model
from engine.model import ruledata
from tests.conftest import ROOT

RULE_FILES = sorted(f for f in glob.glob(os.path.join(ROOT, "rules", "**", "*.yaml"), recursive=True)
                    if not f.endswith(".test.yaml"))


def _schema() -> Any:
    model.Rule.model_rebuild()
    return orjson.loads(orjson.dumps(ruledata.plain_schema(model.Rule.__pydantic_core_schema__)))


def _data(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def test_every_built_in_rule_reads_the_same_through_the_models_and_the_plain_schema() -> None:
    validate = ruledata.validator(_schema())
    for path in RULE_FILES:
        data = _data(path)
        plain = validate(data)
        assert type(plain) is ruledata.Rule
        assert plain == ruledata.from_model(model.Rule.model_validate(data)), path
    assert len(RULE_FILES) > 200


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    here = out
    for part in path[:-1]:
        here = here[part]
    if value is _DROP:
        del here[path[-1]]
    else:
        here[path[-1]] = value
    return out


_DROP = object()
BROKEN: dict[str, tuple[tuple[Any, ...], Any]] = {
    "a title of another type": (("title",), 7),
    "a title too short": (("title",), "abc"),
    "an id that is no kebab case": (("id",), "Not_Kebab"),
    "an unknown key": (("colour",), "red"),
    "a phase out of range": (("phase",), 7),
    "a phase with a fraction": (("phase",), 1.5),
    "a category of none": (("category",), "kitchen"),
    "no pattern": (("when",), []),
    "a pattern without its name": (("when", 0, "as"), _DROP),
    "an absent pattern with a name": (("when", 0, "absent"), True),
    "an unknown operator key in a pattern": (("when", 0, "wher"), {}),
    "a risk without a mitigation": (("mitigation",), _DROP),
    "an unknown likelihood": (("risk", "likelihood"), "often"),
    "a range the wrong way round": (("mitigation", "effort"), [5, 2]),
    "an effort past its bound": (("mitigation", "effort"), 501),
    "an infinite effort": (("mitigation", "effort"), float("inf")),
    "a mitigation phase of none": (("mitigation", "phase"), 9),
    "a flag as a text": (("enabled",), "yes"),
    "an example of no kind": (("examples", 0, "expect"), "maybe"),
    "an alias written by its Python name": (("when", 0, "as_"), "x"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_plain_schema_refuses_what_the_models_refuse(case: str) -> None:
    data = _data(os.path.join(ROOT, "rules", "resilience", "external-call-without-circuit-breaker.yaml"))
    assert isinstance(data.get("mitigation"), dict) and data.get("examples")
    data["mitigation"] = {**data["mitigation"], "effort": 2, "phase": 2}
    ruledata.validator(_schema())(data)  # the rule itself reads
    broken = _set(data, *BROKEN[case])
    with pytest.raises(ValidationError):
        model.Rule.model_validate(broken)
    with pytest.raises(ValueError, match="validation error"):
        ruledata.validator(_schema())(broken)


@pytest.mark.parametrize("phase", [3, "3"])
def test_a_phase_written_as_its_number_is_read_as_the_models_read_it(phase: Any) -> None:
    data = _data(RULE_FILES[0])
    plain = ruledata.validator(_schema())({**data, "phase": phase})
    assert plain.phase is ruledata.Phase.INTEGRATION
    assert plain == ruledata.from_model(model.Rule.model_validate({**data, "phase": phase}))


def test_a_schema_calling_a_function_it_does_not_name_is_refused() -> None:
    schema = dict(model.Rule.__pydantic_core_schema__)
    schema["schema"] = {"type": "function-after", "function": {"type": "no-info", "function": len},
                        "schema": schema["schema"]}
    with pytest.raises(TypeError, match="calls"):
        ruledata.plain_schema(schema)


def _run(code: str, cache: str) -> str:
    env = {**os.environ, rulecache.CACHE_ENV: cache, "PYTHONHASHSEED": "0"}
    env.pop(rulecache.OFF_ENV, None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


CLI = """import sys
from engine.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print("pydantic" in sys.modules, sorted(m for m in sys.modules if m.startswith("engine.model.rule")))
"""
LIBRARY = """import sys
import archplan
archplan.review(["facts/shop"])
print("pydantic" in sys.modules, sorted(m for m in sys.modules if m.startswith("engine.model.rule")))
"""


@pytest.mark.parametrize("args", [["check", "facts/shop", "-o", os.devnull],
                                  ["check", "facts/shop", "--format", "json", "-o", os.devnull],
                                  ["plan", "facts/shop", "-o", os.devnull], None],
                         ids=lambda a: " ".join(a[:3]) if a else "review()")
def test_a_run_on_a_warm_cache_imports_no_pydantic(tmp_path: Any, args: list[str] | None) -> None:
    cache = str(tmp_path / "cache")
    code = LIBRARY if args is None else CLI.format(args=args)
    assert _run(code, cache).split()[0] == "True"  # the first run reads and validates the rule files
    assert _run(code, cache).split() == ["False", "['engine.model.ruledata']"]


def test_a_damaged_rule_schema_is_made_again(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv(rulecache.CACHE_ENV, str(tmp_path))
    monkeypatch.delenv(rulecache.OFF_ENV, raising=False)
    monkeypatch.setattr(rulecache, "_RULE", [])
    rulecache.rule_validator()
    (name,) = [n for n in os.listdir(tmp_path) if n.startswith(rulecache.RULE_SCHEMA_PREFIX)]
    key = name[len(rulecache.RULE_SCHEMA_PREFIX):-len(".json")]
    entry = os.path.join(str(tmp_path), name)
    good = rulecache.read_entry(entry, key, rulecache.SCHEMA_FORMAT)
    assert good is not None
    for damage in [{"type": "no-such-schema"}, {"type": "function-after", "function": {"function": "os.system"},
                                                 "schema": {"type": "any"}}]:
        rulecache.write_entry(entry, key, rulecache.SCHEMA_FORMAT, orjson.dumps(damage), rulecache.RULE_SCHEMA_PREFIX)
        monkeypatch.setattr(rulecache, "_RULE", [])
        validate = rulecache.rule_validator()
        with pytest.raises(ValueError, match="validation error"):
            validate({"id": "x"})
        assert rulecache.read_entry(entry, key, rulecache.SCHEMA_FORMAT) == good  # written again


def test_a_model_validator_the_plain_schema_does_not_name_leaves_the_models_to_read_the_rules(
        tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv(rulecache.CACHE_ENV, str(tmp_path))
    monkeypatch.delenv(rulecache.OFF_ENV, raising=False)
    monkeypatch.setattr(rulecache, "_RULE", [])
    monkeypatch.delitem(ruledata._FUNCTIONS, "Rule._has_consequence")
    validate = rulecache.rule_validator()
    data = _data(RULE_FILES[0])
    assert validate(data) == ruledata.from_model(model.Rule.model_validate(data))
    with pytest.raises(ValueError, match="consequence"):
        validate({k: v for k, v in data.items() if k not in ("risk", "derive", "adjust")})
    assert [n for n in os.listdir(tmp_path) if n.startswith(rulecache.RULE_SCHEMA_PREFIX)] == []  # nothing kept
