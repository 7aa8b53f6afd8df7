"""The parsed rule files, kept on disk between processes (the user cache directory, ``platformdirs``).

Parsing the 237 built-in rule files (YAML, with the position of every key) was the largest part of
what ``archplan check`` does above importing its dependencies. The cache holds what the parser made of
them: plain JSON (never pickle), one file per set of rule files, named by a hash of their paths and
contents, of the bounds on reading, and of the parser's own source. What is read back is checked for
shape (and then validated as rules, like a freshly parsed file); anything that does not fit (another
format, a truncated or corrupt file, a file list that differs) is parsed again and the entry rewritten.
Entries are written atomically (a temporary file renamed over), so concurrent runs never see half a
file. ``ARCHPLAN_NO_CACHE=1`` or ``--no-cache`` turns the cache off; ``ARCHPLAN_CACHE_DIR`` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from engine import source
from engine.errors import ArchplanError
from engine.model.document import DEFAULT_LIMITS, Document, Limits, Path, Positions

if TYPE_CHECKING:
    from pydantic import BaseModel

    from engine.model.ruledata import RuleValidator

FORMAT = 3
"""The layout of an entry; a change makes every older entry a mismatch."""
KEEP = 8
"""Entries kept; the oldest go when a new one is written (each rule edit makes a new set)."""
CACHE_ENV = "ARCHPLAN_CACHE_DIR"
OFF_ENV = "ARCHPLAN_NO_CACHE"

enabled = True
"""Whether ``lookup`` and ``store`` use the cache (``--no-cache`` clears it)."""


def cache_dir() -> str:
    """Where the entries live: ``$ARCHPLAN_CACHE_DIR``, else the platform's user cache directory."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return given
    import platformdirs

    return platformdirs.user_cache_dir("archplan", appauthor=False)


def active() -> bool:
    return enabled and not os.environ.get(OFF_ENV)


def lookup(files: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> tuple[str | None, list[Document] | None]:
    """The cache key of these rule files (None when the cache is off) and their parsed documents when the
    cache holds an entry that fits (None otherwise: parse them, then ``store``)."""
    if not active():
        return None, None
    try:
        texts = [source.read_text(path, limits) for path in files]
    except (OSError, ArchplanError):  # the parse that follows reports it
        return None, None
    key = _key(files, texts, limits)
    return key, _read(_entry(key), key, files)


def store(key: str | None, docs: Sequence[Document]) -> None:
    """Keep freshly parsed documents under ``key`` (from ``lookup``)."""
    if key is not None:
        _write(_entry(key), key, docs)


def _entry(key: str) -> str:
    return os.path.join(cache_dir(), f"rules-{key}.json")


def _key(files: Sequence[str], texts: Sequence[str], limits: Limits) -> str:
    h = hashlib.sha256()
    with open(source.__file__, "rb") as fh:  # the parser itself: a change to it invalidates every entry
        h.update(fh.read())
    h.update(json.dumps([FORMAT, msgspec.structs.astuple(limits)]).encode())
    for path, text in zip(files, texts, strict=True):
        data = text.encode("utf-8", "surrogatepass")
        h.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogatepass"))  # as given: the documents name it
        h.update(data)
    return h.hexdigest()[:32]


def _read(entry: str, key: str, files: Sequence[str]) -> list[Document] | None:
    """The documents of an entry, or None when it is missing or does not fit in any way.

    An entry is a header line (format, key, the SHA-256 of the body) and the body. The hash finds a truncated
    or corrupted body in 3 ms, where checking each of its 23,000 key paths took 140 ms.
    """
    try:
        body = read_entry(entry, key, FORMAT)
        if body is None:
            return None
        stored = orjson.loads(body)
        if not isinstance(stored, list) or len(stored) != len(files):
            return None
        return [_document(item, path) for item, path in zip(stored, files, strict=True)]
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable, corrupt, or of another shape
        return None


def read_entry(entry: str, key: str, fmt: int) -> bytes | None:
    """The body of an entry whose header names this format and key and whose body has the SHA-256 it states;
    None when it is missing or does not fit (a truncated or corrupted file)."""
    try:
        with open(entry, "rb") as fh:
            header, _, body = fh.read().partition(b"\n")
        head = orjson.loads(header)
    except (OSError, ValueError):
        return None
    if not (isinstance(head, dict) and head.get("format") == fmt and head.get("key") == key
            and head.get("sha256") == hashlib.sha256(body).hexdigest()):
        return None
    return body


def _document(item: Any, path: str) -> Document:
    if not isinstance(item, dict) or item.get("file") != path or not isinstance(item.get("positions"), str):
        raise ValueError("entry does not fit")
    return _StoredDocument(path, item["data"], item["positions"])


class _StoredDocument(Document):
    """A document read back from the cache, whose key positions are parsed when first asked for.

    The positions (23,000 key paths for the built-in rules) are most of an entry, and a check that finds no
    error in the rules never asks for them: kept as their JSON text, they cost a check nothing (7 ms read).
    """

    _raw: str | None = None
    _parsed: Mapping[Path, tuple[int, int]] | None = None

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._parsed is None:
            parsed: dict[Path, tuple[int, int]] = {}
            with contextlib.suppress(ValueError, TypeError):  # the body's hash was checked: not expected
                parsed = {tuple(keys): (line, column) for keys, line, column in orjson.loads(self._raw or "[]")}
            self._parsed = parsed
        return self._parsed

    @positions.setter
    def positions(self, value: Any) -> None:  # the dataclass __init__ gives the JSON text
        if isinstance(value, str):
            self._raw, self._parsed = value, None
        else:
            self._raw, self._parsed = None, value


def _write(entry: str, key: str, docs: Sequence[Document]) -> None:
    """Store the documents, atomically; quietly not, when they do not survive JSON unchanged or the disk refuses."""
    stored = [{"file": d.file, "data": d.data, "positions": orjson.dumps(
        [[list(k), line, col] for k, (line, col) in _pairs(d.positions)]).decode()} for d in docs]
    try:
        body = orjson.dumps(stored)
        if [d["data"] for d in orjson.loads(body)] != [d.data for d in docs]:
            return  # a value JSON would change (a YAML date, a tuple …): never cached
    except (TypeError, ValueError):  # orjson's errors are both
        return
    write_entry(entry, key, FORMAT, body, "rules-")


def _pairs(positions: Mapping[Path, tuple[int, int]]) -> Iterator[tuple[Path, tuple[int, int]]]:
    return positions.pairs() if isinstance(positions, Positions) else iter(positions.items())


def write_entry(entry: str, key: str, fmt: int, body: bytes, prefix: str) -> None:
    """Write a header line (format, key, the body's SHA-256) and ``body`` to ``entry`` atomically (a temporary
    file renamed over), then keep only the newest ``KEEP`` entries named ``prefix``…; quietly nothing when the
    disk refuses (a read-only or full disk: the run goes on uncached)."""
    import tempfile  # here: a run that finds its entries writes none

    header = orjson.dumps({"format": fmt, "key": key, "sha256": hashlib.sha256(body).hexdigest()})
    folder = os.path.dirname(entry)
    with contextlib.suppress(OSError):
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + prefix, suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(header + b"\n" + body)
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(folder, prefix)


def _prune(folder: str, prefix: str) -> None:
    entries = sorted((e for e in os.scandir(folder) if e.name.startswith(prefix) and e.name.endswith(".json")),
                     key=lambda e: e.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            os.unlink(old.path)


# --------------------------------------------------------------------------------------------------------------
# The plain validators' schemas (engine.model.plain)
# --------------------------------------------------------------------------------------------------------------

SCHEMA_FORMAT = 1
SCHEMA_PREFIX = "schema-"
_SCHEMAS: dict[str, dict[str, Any]] = {}
"""The entries read or written in this process, by path (each holds the schemas of the models whose key names it)."""


def plain_validator(model: type[BaseModel]) -> Callable[[Any], Any]:
    """``engine.model.plain.plain_validator(model)``, with its schema kept on disk between processes.

    Building a fact model's plain schema builds the model's own schema and validator first: 16 ms a check for
    the 13 section models, with 10 more to import pydantic's plugin loader (importlib.metadata) on the first
    one; built from a kept schema, the validators take 0.4 ms and the models are never built on a design that
    they accept (on a refusal, the loader gives the entries to the model, whose errors the user sees).

    An entry is named by a hash of the source files of the model's classes and of every model its fields nest
    (a model's schema is written there), of ``engine.model.plain`` and of the Python, pydantic, pydantic-core and
    msgspec versions (``_schema_key``). A schema is kept only when it is plain JSON that reads back the same, type
    for type. As with the rule entries, the hash finds a damaged entry, not a forged one.
    """
    from engine.model import plain

    validate = plain.known(model)
    if validate is not None:
        return validate
    files = _schema_sources(model) if active() else None
    key = _schema_key(files) if files is not None else None
    name = f"{model.__module__}.{model.__qualname__}"
    if key is not None:
        kept = _kept_schemas(key).get(name)
        if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], dict):
            with contextlib.suppress(*_schema_errors()):  # a schema pydantic-core refuses: built
                return plain.plain_validator(model, (kept[0], kept[1]))
    schema = plain.plain_schema(model)
    validate = plain.plain_validator(model, schema)
    if (key is not None and files is not None and _is_json(list(schema))
            and orjson.loads(orjson.dumps(list(schema))) == list(schema) and not _changed_since_import(files)):
        entry = _schema_entry(key)
        _SCHEMAS[entry] = {**_kept_schemas(key), name: list(schema)}
        if not _UNWRITTEN:
            import atexit

            atexit.register(write_schemas)
        _UNWRITTEN[entry] = key
    return validate


_UNWRITTEN: dict[str, str] = {}
"""Entries given a schema in this process and not yet written (path -> key): ``write_schemas``."""
_FACTS: dict[str, Callable[[Any], Any]] = {}
"""The section models' plain validators this process built, by model name (``fact_validator``)."""
_FACT_KEYS: dict[tuple[str, ...], str | None] = {}
"""The key of the section models' entry, by their source files: hashed once a process."""


def fact_validator(name: str) -> Callable[[Any], Any]:
    """``plain_validator`` of the section model ``name`` (``Service``, ``engine.model.base.SECTION_MODELS``),
    built from its kept schema without the model classes (importing them, 24, was 2% of checking 1,000 services,
    6% of checking the shop); with no schema kept, the models are imported, built and their schema kept.

    The entry is the one ``plain_validator`` names for a section model: the section models, and every model they
    nest, are written in one module (``base.FACT_MODULE``; tests/test_schema_cache.py holds ``_schema_sources`` of
    each to ``fact_sources``), so its key is hashed from that module's source and ``engine.model.plain``'s, without
    the classes, once a process rather than once a model. ``TypeError``: see ``plain_validator``."""
    validate = _FACTS.get(name)
    if validate is None:
        validate = _FACTS[name] = _fact_validator(name)
    return validate


def _fact_validator(name: str) -> Callable[[Any], Any]:
    from engine.model import plain
    from engine.model.base import FACT_MODULE, section_model

    files = fact_sources() if active() else None
    if files is not None:
        key = _FACT_KEYS[tuple(files)] if tuple(files) in _FACT_KEYS else _FACT_KEYS.setdefault(
            tuple(files), _schema_key(files))
        kept = _kept_schemas(key).get(f"{FACT_MODULE}.{name}") if key is not None else None
        if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], dict):
            try:
                return plain.validator((kept[0], kept[1]))
            except Exception as exc:  # a schema pydantic-core refuses (SchemaError, an Exception): built again
                if not isinstance(exc, _schema_errors()):
                    raise
    return plain_validator(section_model(name))


def fact_sources() -> list[str] | None:
    """The source files of the section models' module and of ``engine.model.plain`` (what ``_schema_sources`` gives
    a section model), found without importing the models; None when the module's file is not found."""
    import importlib.util

    from engine.model import plain
    from engine.model.base import FACT_MODULE

    spec = importlib.util.find_spec(FACT_MODULE)
    origin = spec.origin if spec is not None else None
    return sorted({plain.__file__, origin}) if origin and os.path.isfile(origin) else None


def write_schemas() -> None:
    """Write the entries given a schema in this process, each once (a check builds up to 13 models' schemas: a
    write each took 3 ms on an overlay file system). At exit (``atexit``; the command line calls it before its
    ``os._exit``)."""
    while _UNWRITTEN:
        entry, key = _UNWRITTEN.popitem()
        write_entry(entry, key, SCHEMA_FORMAT, orjson.dumps(_SCHEMAS.get(entry, {})), SCHEMA_PREFIX)


RACY_NS = 2_000_000_000
"""A source file changed less than this before archplan was imported may have changed after its module was read
(a file system's clock ticks coarsely): a schema built from it is not kept."""


def _changed_since_import(files: Sequence[str]) -> bool:
    """Whether a source file changed after (or just before) archplan was imported: the key, hashed from the file
    now, may then name another source than the one the model was built from. ctime, which no program can set
    back."""
    try:
        return any(os.stat(path).st_ctime_ns >= imported_ns() - RACY_NS for path in files)
    except OSError:
        return True


def imported_ns() -> int:
    """When the package ``engine`` was imported (``engine.IMPORTED_NS``: its ``__init__`` runs before any of its
    modules is read). Read from ``sys.modules``: importing the package here would reach every layer."""
    import sys

    return int(sys.modules["engine"].IMPORTED_NS)


def _schema_entry(key: str) -> str:
    return os.path.join(cache_dir(), f"{SCHEMA_PREFIX}{key}.json")


def _kept_schemas(key: str) -> dict[str, Any]:
    entry = _schema_entry(key)
    kept = _SCHEMAS.get(entry)
    if kept is None:
        kept = {}
        body = read_entry(entry, key, SCHEMA_FORMAT)
        with contextlib.suppress(ValueError):
            stored = orjson.loads(body) if body is not None else None
            if isinstance(stored, dict):
                kept = stored
        _SCHEMAS[entry] = kept
    return kept


def _schema_sources(model: type[BaseModel]) -> list[str] | None:
    """The source files of ``model``'s classes and of every model its fields nest, and ``engine.model.plain``'s;
    None when a nested class is not resolved (then nothing is kept)."""
    import sys

    from engine.model import plain

    classes = _nested(model)
    if classes is None:
        return None
    files = {plain.__file__, *(getattr(sys.modules.get(c.__module__), "__file__", None) or ""
                               for cls in classes for c in cls.__mro__
                               if c.__module__ != "builtins" and not c.__module__.startswith("pydantic"))}
    return None if "" in files else sorted(files)


def _schema_errors() -> tuple[type[Exception], ...]:
    """What building a plain validator from a kept schema raises when the schema is not one this version makes:
    pydantic-core's ``SchemaError`` (an ``Exception``) when pydantic-core is imported (a schema msgspec reads is
    built without it: ``engine.model.msgcheck``), ``TypeError``, ``ValueError``."""
    import sys

    core = sys.modules.get("pydantic_core")
    return (TypeError, ValueError, *((core.SchemaError,) if core is not None else ()))


def _schema_key(files: Sequence[str]) -> str | None:
    """The name of the entry holding the schemas of the models written in ``files`` (None when one cannot be
    read): their contents, and the Python, pydantic, pydantic-core and msgspec versions. pydantic-core's is read
    from pydantic's ``version`` module (which names the one version of pydantic-core it runs with, and refuses
    another), not imported: a warm check runs the schemas with msgspec (``engine.model.msgcheck``)."""
    import sys

    import msgspec

    pydantic_version = _pydantic_version()
    if pydantic_version is None:
        return None
    h = hashlib.sha256(f"{SCHEMA_FORMAT}\0{sys.version}\0msgspec {msgspec.__version__}\0".encode())
    h.update(pydantic_version)
    try:
        for path in files:
            with open(path, "rb") as fh:
                data = fh.read()
            h.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
            h.update(data)
    except OSError:
        return None
    return h.hexdigest()[:32]


def _pydantic_version() -> bytes | None:
    """The source of pydantic's ``version`` module (where its version is written), read without importing pydantic
    (7% of checking 1,000 services, when nothing else needs it); None when it is not found."""
    import importlib.util

    spec = importlib.util.find_spec("pydantic")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        return None
    try:
        with open(os.path.join(next(iter(folders)), "version.py"), "rb") as fh:
            return fh.read()
    except OSError:
        return None


_RULE: list[RuleValidator] = []
"""The plain rule validator this process built (``rule_validator``)."""
RULE_SCHEMA_PREFIX = "ruleschema-"
"""The entries holding the rule models' plain schema (one per version of their sources, pydantic and Python)."""


def rule_sources() -> list[str]:
    """The source files the plain rule schema is made from: the rule models' and ``engine.model.ruledata``'s, and
    those of the closed sets they read (``engine.model.base``); found without importing the models."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")
    return [os.path.join(here, name) for name in ("base.py", "rule.py", "ruledata.py")]


def rule_validator() -> RuleValidator:
    """``engine.model.ruledata.validator`` of the rule models' plain schema: a rule's data in, its plain ``Rule``
    out, checked by the models' own core schema (their validators called by name). Made from a schema an earlier
    process kept, no model is built and neither pydantic nor (while msgspec accepts the rules) pydantic-core is
    imported; else the schema is made from the models and kept, in an entry named as ``plain_validator`` names a
    fact model's (a hash of its sources, Python's, pydantic's, pydantic-core's and msgspec's versions), written at
    once (a run that compiles the rules makes it: ``engine.kbcache.store``). The validator takes ``json=True`` when
    its data was just parsed from JSON (``engine.model.msgcheck.Converter``). As with every entry, the hash finds a
    damaged schema, not a forged one."""
    if _RULE:
        return _RULE[0]
    from engine.model import ruledata

    files = rule_sources() if active() else None
    key = _schema_key(files) if files is not None else None
    entry = os.path.join(cache_dir(), f"{RULE_SCHEMA_PREFIX}{key}.json") if key is not None else None
    body = read_entry(entry, str(key), SCHEMA_FORMAT) if entry is not None else None
    if body is not None:
        try:
            _RULE.append(ruledata.validator(orjson.loads(body)))
            return _RULE[0]
        except Exception as exc:  # a schema pydantic-core or _resolved refuses: made again
            if not isinstance(exc, (*_schema_errors(), KeyError, IndexError, AttributeError, RecursionError)):
                raise
    from engine.model.rule import Rule

    Rule.model_rebuild()
    try:
        schema = ruledata.plain_schema(Rule.__pydantic_core_schema__)
    except TypeError:  # a validator or a class the plain schema does not name: the models read the rules back
        _RULE.append(ruledata.RuleValidator(None, None, lambda data: ruledata.from_model(Rule.model_validate(data))))
        return _RULE[0]
    _RULE.append(ruledata.validator(schema))
    if entry is not None and key is not None and files is not None and not _changed_since_import(files):
        write_entry(entry, key, SCHEMA_FORMAT, orjson.dumps(schema), RULE_SCHEMA_PREFIX)
    return _RULE[0]


def _nested(model: type[BaseModel]) -> set[type[BaseModel]] | None:
    """``model`` and every model class its fields' annotations name, at any depth; None when an annotation is
    not resolved (a forward reference)."""
    from pydantic import BaseModel

    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [model]
    while todo:
        item = todo.pop()
        if isinstance(item, typing.ForwardRef):
            return None
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            if not item.__pydantic_fields_complete__:
                return None
            for info in item.__pydantic_fields__.values():
                if isinstance(info.annotation, str):
                    return None
                todo.append(info.annotation)
        elif typing.get_origin(item) is not typing.Literal:  # a literal's arguments are values, not types
            todo.extend(typing.get_args(item))
    return seen


def _is_json(value: Any) -> bool:
    """Whether ``value`` is made of JSON's own types only (an enum or a tuple, which JSON would turn into a text or
    a list, is not)."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _is_json(v) for k, v in value.items())
    if kind is list:
        return all(_is_json(v) for v in value)
    return kind in (str, int, float, bool) or value is None
