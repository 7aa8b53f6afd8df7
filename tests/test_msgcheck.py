"""The plain validators' fast path (engine/model/msgcheck.py): a kept core schema run by msgspec accepts only what
pydantic-core accepts with the same schema, and then returns exactly what pydantic-core returns (same keys, same
order, same values and types); whatever it refuses, pydantic-core reads, so every error a user sees is unchanged.
Checked on every design the project has (examples, fixtures, the hostile catalogue, the real systems' designs and
raw imports), on every built-in rule, on values mutated where lax coercion or another regex engine could differ,
and a warm check imports neither pydantic nor pydantic-core."""

from __future__ import annotations

import copy
import glob
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from engine import rulecache
from engine.errors import ArchplanError
from engine.loader import DESIGN_SUFFIXES, read_design_file
from engine.model import SECTIONS, msgcheck, plain, ruledata
from engine.model import rule as rule_model
from tests.conftest import ROOT

_Outcome = tuple[str, str]
"""("ok", repr of the result) or ("refused", "")."""


def _outcome(validate: Callable[[Any], Any], value: Any, refused: tuple[type[BaseException], ...]) -> _Outcome:
    try:
        return "ok", repr(validate(value))
    except refused:
        return "refused", ""


def _fact_pair(model: type[BaseModel]) -> tuple[msgcheck.Converter, Callable[[Any], Any]]:
    """msgspec's converter and pydantic-core's validator of the model's plain schema, as JSON (as kept on disk)."""
    schema, config = orjson.loads(orjson.dumps(list(plain.plain_schema(model))))
    listed = {"type": "list", "items_schema": schema}
    return msgcheck.compile(listed, config), plain._core_validator(listed, config)  # pydantic-core's


FACT_MODELS = {model.__name__: model for _kind, model, _is_list in SECTIONS.values()}
_PAIRS: dict[str, tuple[msgcheck.Converter, Callable[[Any], Any]]] = {}


def _pair(name: str) -> tuple[msgcheck.Converter, Callable[[Any], Any]]:
    if name not in _PAIRS:
        _PAIRS[name] = _fact_pair(FACT_MODELS[name])
    return _PAIRS[name]


def _same_or_refused(name: str, entries: Any, where: str) -> bool:
    """msgspec refuses ``entries``, or pydantic-core accepts them with the same result. True when msgspec accepts."""
    fast, core = _pair(name)
    got = _outcome(fast, entries, (msgcheck.Refused,))
    if got[0] == "refused":
        return False
    assert _outcome(core, entries, (ValueError,)) == got, where
    return True


def _design_files() -> list[str]:
    folders = [os.path.join(ROOT, "facts"), os.path.join(ROOT, "tests", "fixtures"),
               os.path.join(ROOT, "tests", "hostile"),
               *glob.glob(os.path.join(ROOT, "benchmarks", "realworld", "systems", "*", "design")),
               *glob.glob(os.path.join(ROOT, "benchmarks", "realworld", "systems", "*", "raw"))]
    return sorted(path for folder in folders for path in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
                  if path.endswith(DESIGN_SUFFIXES) and os.path.isfile(path) and not os.path.islink(path))


def _sections(path: str) -> Iterator[tuple[str, list[Any]]]:
    try:
        docs = read_design_file(path)
    except (ArchplanError, OSError, UnicodeDecodeError, RecursionError):
        return
    for doc in docs:
        if not isinstance(doc.data, dict):
            continue
        for section, (_kind, model, is_list) in SECTIONS.items():
            value = doc.data.get(section)
            if value is None:
                continue
            entries = value if is_list else [value]
            if isinstance(entries, list):
                yield model.__name__, entries


def test_every_design_reads_the_same_through_msgspec_or_is_refused_by_it() -> None:
    files = _design_files()
    assert len(files) > 300
    accepted = refused = 0
    for path in files:
        for name, entries in _sections(path):
            if _same_or_refused(name, entries, f"{path}: {name}"):
                accepted += 1
            else:
                refused += 1
                # on a real design, msgspec refuses only what pydantic-core refuses (the fast path is the common one)
                assert _outcome(_pair(name)[1], entries, (ValueError,))[0] == "refused", f"{path}: {name}"
                for i, entry in enumerate(entries):  # one by one too: a refused section hides its valid entries
                    _same_or_refused(name, [entry], f"{path}: {name}[{i}]")
    assert accepted > 500 and refused > 10


# Values where a lax reading, another regular expression engine or another number type could tell the two apart.
HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 3, 2**63, 10**30, 0.5, 1.0, 3.0, -0.0, float("inf"), float("-inf"), float("nan"),
    "", "1", "3", "1.5", "true", "yes", "on", "null", "x", "x\n", "\nx", "x y", "svc-1", "svc-1\n", "A" * 129,
    "a" * 600,
    "\u0661\u0662\u0663", "\uff41\uff42", "caf\u00e9", "x\u200b", "a.b", "a/b:c", [], ["x"], ["x", "x"], [1], [None],
    ("x",), {"x"}, {}, {"x": 1}, {"name": "x"}, {"service": "svc"}, {"service": "svc", "extra": 1},
    b"x", bytearray(b"x"),
]


def _example_entries() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for design in ("shop", "ledger"):
        for path in sorted(glob.glob(os.path.join(ROOT, "facts", design, "*"))):
            for name, entries in _sections(path):
                out.extend((name, e) for e in entries if isinstance(e, dict))
    return out


def _corpus_entries(name: str) -> list[dict[str, Any]]:
    """The entries of a model that the examples do not hold, from the fixtures and the real systems' designs."""
    return [e for path in _design_files() for n, entries in _sections(path) if n == name
            for e in entries if isinstance(e, dict) and _same_or_refused(n, [e], path)]


def _mutations(entry: dict[str, Any], aliases: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``entry`` with each field (at any depth) given each hostile value, an extra key, and each aliased field
    written by its Python name."""
    yield "an extra key", {**entry, "zzz_extra": 1}
    for alias, name in aliases.items():
        if alias in entry:
            renamed = {(name if k == alias else k): v for k, v in entry.items()}
            yield f"{alias} written as {name}", renamed
    for key, value in entry.items():
        for hostile in HOSTILE_VALUES:
            yield f"{key}={hostile!r}", {**entry, key: hostile}
        if isinstance(value, list) and value:
            for hostile in HOSTILE_VALUES:
                yield f"{key}[0]={hostile!r}", {**entry, key: [hostile, *value[1:]]}
            if isinstance(value[0], dict):
                for label, inner in _mutations(value[0], {}):
                    yield f"{key}[0].{label}", {**entry, key: [inner, *value[1:]]}
        if isinstance(value, dict):
            for label, inner in _mutations(value, {}):
                yield f"{key}.{label}", {**entry, key: inner}


@pytest.mark.parametrize("name", sorted(FACT_MODELS))
def test_mutated_entries_read_the_same_through_msgspec_or_are_refused_by_it(name: str) -> None:
    model = FACT_MODELS[name]
    aliases = {info.alias: field for field, info in model.model_fields.items() if info.alias and info.alias != field}
    entries = [e for n, e in _example_entries() if n == name] or _corpus_entries(name)[:5] or [
        {info.alias or field: info.examples[0] for field, info in model.model_fields.items() if info.examples}]
    accepted = 0
    for entry in entries:
        assert _same_or_refused(name, [entry], f"{name}: {entry}")  # the examples themselves take the fast path
        for label, mutated in _mutations(entry, aliases):
            accepted += _same_or_refused(name, [mutated], f"{name}: {label}")
    assert accepted > 0


@pytest.mark.parametrize(("value", "why"), [
    ("3", "a number written as text"), (True, "a flag for a number"), (3.0, "a float for an integer"),
    (None, "an explicit null"), (("a",), "a tuple for a list"),
])
def test_lax_readings_are_left_to_pydantic_core(value: Any, why: str) -> None:
    fast, _core = _pair("Service")
    for field in ("replicas", "owners"):
        with pytest.raises(msgcheck.Refused):
            fast([{"name": "svc", field: value}])


def test_an_integer_for_a_float_reads_as_the_float_pydantic_core_returns() -> None:
    floats = [(name, entry, key) for name, entry in _example_entries() for key, v in entry.items() if type(v) is float]
    assert floats
    for name, entry, key in floats:
        fast, core = _pair(name)
        mutated = [{**entry, key: int(entry[key])}]
        assert repr(fast(mutated)) == repr(core(mutated)), (name, key)
        assert type(fast(mutated)[0][key]) is float


# --------------------------------------------------------------------------------------------------------------
# patterns
# --------------------------------------------------------------------------------------------------------------


def _patterns(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        own = {schema["pattern"]} if schema.get("type") == "str" and "pattern" in schema else set()
        return own.union(*(_patterns(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_patterns(v) for v in schema))
    return set()


def _rule_schema() -> Any:
    rule_model.Rule.model_rebuild()
    return orjson.loads(orjson.dumps(ruledata.plain_schema(rule_model.Rule.__pydantic_core_schema__)))


PATTERN_TEXTS = ["", "a", "A", "0", "a-b", "a--b", "-a", "a_b", "a.b", "a..b", ".a", "a.b.c", "ab1.c_d", "x\n", "a\nb",
                 "\nx", "a ", " a", "ABC-123", "ABCD-1234", "AB-123", "ABC-\u0661\u0662\u0663", "\u0661", "caf\u00e9",
                 "\uff41", "a" * 31, "a" * 32, "a" * 41, "a" * 128, "a" * 129, "~", " ", "a/b:c", "x\u200b", "a\tb"]


def test_each_schema_pattern_matches_in_python_only_what_it_matches_in_rust() -> None:
    patterns = _patterns(_rule_schema()).union(*(_patterns(list(plain.plain_schema(m))) for m in FACT_MODELS.values()))
    assert len(patterns) > 5
    for source in sorted(patterns):
        translated = msgcheck.pattern(source)
        rust = plain._core_validator({"type": "str", "pattern": source}, None)
        python = msgcheck.compile({"type": "str", "pattern": source})
        for text in PATTERN_TEXTS:
            got = _outcome(python, text, (msgcheck.Refused,))
            want = _outcome(rust, text, (ValueError,))
            if "\u0661" in text:  # \d: ASCII digits only here (fewer texts, never more)
                assert got[0] == "refused" or got == want, (source, translated, text)
            else:
                assert got == want, (source, translated, text)


@pytest.mark.parametrize("source", [
    "abc", "^abc", "abc$", "^a(?=b)$", "^(?i)a$", "^\\w+$", "^\\s$", "^[[:alpha:]]$", "^[a-z&&[^b]]$", "^[a--b]$",
    "^caf\u00e9$", "^a$b$", "^[\\d]$", "^\\p{L}$", "^a{2,$",
])
def test_a_pattern_outside_the_common_subset_is_left_to_pydantic_core(source: str) -> None:
    with pytest.raises(msgcheck.Unsupported):
        msgcheck.pattern(source)


def test_python_dollar_before_a_final_newline_is_not_kept() -> None:
    assert msgcheck.pattern("^[a-z]{1,3}$") == "^[a-z]{1,3}\\Z"
    with pytest.raises(msgcheck.Refused):
        msgcheck.compile({"type": "str", "pattern": "^[a-z]{1,3}$"})("abc\n")


# --------------------------------------------------------------------------------------------------------------
# schemas msgspec does not translate exactly: pydantic-core reads them
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("schema", "config"), [
    ({"type": "str", "coerce_numbers_to_str": True}, None),
    ({"type": "str"}, {"str_strip_whitespace": True}),
    ({"type": "typed-dict", "fields": {}, "extra_behavior": "ignore"}, None),
    ({"type": "typed-dict", "fields": {}}, {"validate_by_alias": False}),
    ({"type": "float", "multiple_of": 0.5}, None),
    ({"type": "literal", "expected": [None, 1]}, None),
    ({"type": "function-wrap", "function": {"type": "no-info", "function": "x"}, "schema": {"type": "any"}}, None),
    ({"type": "model", "cls": "x", "schema": {"type": "any"}}, None),
    ({"type": "definition-ref", "schema_ref": "nowhere"}, None),
    ({"type": "union", "choices": [{"type": "any"}, {"type": "int"}]}, None),
    ({"type": "default", "schema": {"type": "int"}, "default": 1}, None),
    ({"type": "__init__"}, None),
    ({"type": "str", "min_length": "x"}, None),
])
def test_a_schema_msgspec_does_not_translate_exactly_is_unsupported(schema: Any, config: Any) -> None:
    with pytest.raises(msgcheck.Unsupported):
        msgcheck.compile(schema, config)


LAX = {"type": "typed-dict", "fields": {"n": {"type": "typed-dict-field", "schema": {"type": "int"}}},
       "extra_behavior": "forbid"}


def test_equal_scalar_schemas_of_other_types_are_not_confused() -> None:
    assert msgcheck.compile({"type": "literal", "expected": [1]})(1) == 1
    with pytest.raises(msgcheck.Unsupported):
        msgcheck.compile({"type": "literal", "expected": [True]})
    assert msgcheck.compile({"type": "int", "ge": 1})(1) == 1
    with pytest.raises(msgcheck.Unsupported):
        msgcheck.compile({"type": "int", "ge": 1.0})


def test_a_plain_validator_whose_schema_msgspec_does_not_translate_is_pydantic_cores() -> None:
    schema = {**LAX, "fields": {"n": {"type": "typed-dict-field", "schema": {"type": "str",
                                                                           "coerce_numbers_to_str": True}}}}
    validate = plain.validator((schema, None))  # type: ignore[arg-type]
    assert validate([{"n": 5}]) == [{"n": "5"}]


def test_what_msgspec_refuses_pydantic_core_reads_in_the_same_validator() -> None:
    validate = plain.validator((LAX, None))  # type: ignore[arg-type]
    assert validate([{"n": 3}]) == [{"n": 3}]
    assert validate([{"n": "3"}]) == [{"n": 3}]  # a lax schema: msgspec refuses the text, pydantic-core reads it
    with pytest.raises(ValueError, match="validation error"):
        validate([{"n": "three"}])


# --------------------------------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------------------------------


RULE_FILES = sorted(f for f in glob.glob(os.path.join(ROOT, "rules", "**", "*.yaml"), recursive=True)
                    if not f.endswith(".test.yaml"))


def _rule_pair() -> tuple[msgcheck.Converter, Callable[[Any], Any]]:
    schema = _rule_schema()
    functions = {**ruledata._FUNCTIONS, **{f"plain:{n}": (lambda d, c=c: c(**d)) for n, c in ruledata._PLAIN.items()}}
    return (msgcheck.compile(schema, functions=functions, enums=ruledata._ENUMS),
            ruledata._core_validator(schema))


def _rule_data() -> list[Any]:
    import yaml

    out = []
    for path in RULE_FILES:
        with open(path, encoding="utf-8") as fh:
            out.append(orjson.loads(orjson.dumps(yaml.safe_load(fh))))  # as the rule cache holds it: JSON
    return out


def test_every_built_in_rule_reads_through_msgspec_as_through_pydantic_core() -> None:
    fast, core = _rule_pair()
    rules = _rule_data()
    assert len(rules) > 200
    for data in rules:
        got = fast(data)
        assert type(got) is ruledata.Rule
        assert got == core(data) and repr(got) == repr(core(data)), data["id"]


def test_mutated_rules_read_the_same_through_msgspec_or_are_refused_by_it() -> None:
    fast, core = _rule_pair()
    picked = [d for d in _rule_data() if isinstance(d.get("mitigation"), dict) and d.get("examples")][:3]
    picked += [d for d in _rule_data()
               if isinstance(d.get("mitigation"), list) or d.get("derive") or d.get("adjust")][:3]
    accepted = 0
    for data in picked:
        for label, shallow in _mutations(data, {"as": "as_"}):
            mutated = copy.deepcopy(shallow)
            got = _outcome(fast, mutated, (msgcheck.Refused,))
            if got[0] == "ok":
                accepted += 1
                assert _outcome(core, mutated, (ValueError,)) == got, (data["id"], label)
        for i, pattern in enumerate(data["when"]):
            for label, inner in _mutations(pattern, {"as": "as_"}):
                mutated = {**data, "when": [*data["when"][:i], inner, *data["when"][i + 1:]]}
                got = _outcome(fast, mutated, (msgcheck.Refused,))
                if got[0] == "ok":
                    accepted += 1
                    assert _outcome(core, mutated, (ValueError,)) == got, (data["id"], f"when[{i}].{label}")
    assert accepted > 50


# --------------------------------------------------------------------------------------------------------------
# a warm check imports neither pydantic nor pydantic-core
# --------------------------------------------------------------------------------------------------------------

CLI = """import sys
from engine.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")))
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_warm_check_imports_neither_pydantic_nor_pydantic_core(tmp_path: Any, fmt: str) -> None:
    env = {**os.environ, rulecache.CACHE_ENV: str(tmp_path / "cache"), "PYTHONHASHSEED": "0"}
    env.pop(rulecache.OFF_ENV, None)
    code = CLI.format(args=["check", "facts/shop", "--format", fmt, "-o", os.devnull])

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert run() != "[]"  # the first run reads the rule files with the models
    assert run() == "[]"
