"""The compiled knowledge base, kept on disk between processes (beside ``engine.rulecache``'s entries).

A check spent about 46 ms of its 250 validating and compiling the built-in rules (parsed rules read from the
cache), though they rarely change; with this cache, 30 ms. An entry holds what compiling them gave: each
rule's data (the parsed YAML, validated again as a rule when read back, by the rule models' own core schema
without the models: ``engine.rulecache.rule_validator``), every compiled rule variant
(patterns, lookups, stratum), checked against its rule, and how they were cut into rulesets (each part
checked against the partitioner's limits on load). The ruleset specs and the C core's definitions are derived
from those again when first needed (about 10 ms; for a one-shot command, of the rules that can match its
design only), and the C core's limits checked on them, so nothing read back reaches the C core unchecked.

Plain JSON, never pickle: nothing in an entry executes code. An entry is named by a hash of the rule files
(their paths and contents), of everything else ``engine.review.load_kb`` compiles them with (the config, the
params, the disabled rules, the bounds on reading) and of the source of the modules that load and compile
rules (archplan's version with them); a change to any of them names another entry. A header line states the
body's SHA-256; a body that does not match it, or does not have the shape of an entry in every detail, is
compiled again and the entry rewritten (atomically: a temporary file renamed over). ``--no-cache`` and
``ARCHPLAN_NO_CACHE=1`` turn it off with ``engine.rulecache``; ``ARCHPLAN_CACHE_DIR`` moves both.

The hash finds a damaged entry, not a forged one: whoever can write the user's cache directory could change a
test's value or how rules are cut into rulesets (within the C core's limits), as they could edit a rule pack.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import msgspec
import orjson

from engine import rulecache
from engine.compiler import CompiledKB, CompiledPattern, CompiledRule, Lookup, Part, Test, absences, assemble
from engine.errors import ArchplanError
from engine.model.document import Document, Path
from engine.model.ruledata import OPERATORS, LoadedRule, Rule

FORMAT = 1
"""The layout of an entry; a change makes every older entry a mismatch."""
PREFIX = "kb-"
_MODULES = ("__init__.py", "compiler.py", "kbcache.py", "ruleload.py", "rulecache.py", "source.py", "config.py",
            "review.py", "model/rule.py", "model/ruledata.py", "model/schema.py", "model/base.py", "model/document.py")
"""The source files whose change can change what loading and compiling rules gives (engine/…); the first
holds archplan's version."""


def key(files: Sequence[str], settings: str, stats: Sequence[os.stat_result] | None = None) -> str | None:
    """The name of the entry for these rule files compiled with ``settings`` (None when the cache is off or a
    file cannot be read: compiling reports it). ``stats``: the files' ``os.stat``, when the caller took them
    (``engine.review.load_kb``, for its own stamp: 237 calls fewer a check).

    Hashing the 237 built-in rule files and the modules (700 KB) took 2.2 ms a run; when an earlier run named the
    entry of files whose path, mtime, ctime, size and inode are all unchanged, that name is taken (``_known``),
    unless a file changed shortly before that run hashed it (git's "racily clean" rule: ``RACY_NS``)."""
    if not rulecache.active():
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, name) for name in _MODULES] + list(files)
    try:
        taken = [os.stat(os.path.join(here, name)) for name in _MODULES] + (
            [os.stat(path) for path in files] if stats is None else list(stats))
    except OSError:
        return None
    h = hashlib.sha256(f"{FORMAT}\0{settings}\0".encode("utf-8", "surrogatepass"))
    for path, st in zip(paths, taken, strict=True):
        h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_size}\0{st.st_ino}\0{st.st_dev}\n"
                 .encode("utf-8", "surrogatepass"))
    stamp = h.hexdigest()[:32]
    known = _known(stamp, taken)
    if known is not None:
        return known
    hashed_at = time.time_ns()
    name = _hashed(paths, settings)
    if name is not None:
        rulecache.write_entry(_stamp_entry(stamp), stamp, FORMAT, orjson.dumps({"key": name, "at": hashed_at}),
                              STAMP_PREFIX)
    return name


STAMP_PREFIX = "kbstat-"
RACY_NS = 2_000_000_000
"""A file changed less than this before its content was hashed may change again with the same stat (a file
system's clock ticks coarsely): a name hashed then is not taken from its stat again."""


def _stamp_entry(stamp: str) -> str:
    return os.path.join(rulecache.cache_dir(), f"{STAMP_PREFIX}{stamp}.json")


def _known(stamp: str, stats: Sequence[os.stat_result]) -> str | None:
    """The entry name an earlier run hashed for files of exactly these stats, when none of them had changed in the
    ``RACY_NS`` before it hashed them (ctime, which no program can set back)."""
    body = rulecache.read_entry(_stamp_entry(stamp), stamp, FORMAT)
    if body is None:
        return None
    try:
        known = orjson.loads(body)
        name, at = known["key"], known["at"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(name, str) and len(name) == 32 and isinstance(at, int)
            and all(max(st.st_mtime_ns, st.st_ctime_ns) < at - RACY_NS for st in stats)):
        return None
    return name


def _hashed(paths: Sequence[str], settings: str) -> str | None:
    """The entry name of these files' contents (the modules' first) and ``settings``."""
    h = hashlib.sha256(f"{FORMAT}\0{settings}\0".encode("utf-8", "surrogatepass"))
    try:
        for i, path in enumerate(paths):
            with open(path, "rb") as fh:
                data = fh.read()
            if i >= len(_MODULES):
                h.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
            h.update(data)
    except OSError:
        return None
    return h.hexdigest()[:32]


def _modules_changed() -> bool:
    """Whether a module of ``_MODULES`` changed since (or just before) archplan was imported: the entry's name,
    hashed from the files now, would then name another source than the code that compiled it."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        return any(os.stat(os.path.join(here, m)).st_ctime_ns >= rulecache.imported_ns() - RACY_NS for m in _MODULES)
    except OSError:
        return True


def _entry(name: str) -> str:
    return os.path.join(rulecache.cache_dir(), f"{PREFIX}{name}.json")


def lookup(name: str | None) -> CompiledKB | None:
    """The knowledge base the entry ``name`` holds, or None when there is none that fits in every detail."""
    if name is None:
        return None
    body = rulecache.read_entry(_entry(name), name, FORMAT)
    if body is None:
        return None
    try:
        return _decode(_ENTRY.decode(body))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, ArchplanError):
        return None  # another shape, or over a limit: msgspec's and pydantic-core's ValidationError are ValueErrors


def store(name: str | None, kb: CompiledKB) -> None:
    """Keep a freshly compiled knowledge base under ``name`` (from ``key``), unless a rule's data would not
    survive JSON unchanged (a YAML date, say: then it is never cached). The compiled rules' values keep their
    types by construction (``_value``); tests/test_kbcache.py checks that what is read back equals the original."""
    if name is None or _modules_changed():
        return
    try:
        body = orjson.dumps(_encode(kb))
        if [data for _file, data in orjson.loads(body)["rules"]] != [lr.doc.data for lr in kb.source.values()]:
            return
    except (TypeError, ValueError):  # orjson's errors are both
        return
    rulecache.write_entry(_entry(name), name, FORMAT, body, PREFIX)
    rulecache.rule_validator()  # its schema kept too: the next run reads the entry back without pydantic


# Values in tests and assumptions: JSON, with lists and tuples told apart (the compiled rules compare equal).
def _value(v: Any) -> Any:
    if isinstance(v, tuple):
        return {"t": [_value(x) for x in v]}
    if isinstance(v, list):
        return {"l": [_value(x) for x in v]}
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise TypeError(f"cannot keep {type(v).__name__}")


def _unvalue(v: Any) -> Any:
    if isinstance(v, dict):
        ((tag, items),) = v.items()
        if tag not in ("t", "l") or not isinstance(items, list):
            raise ValueError("not a value")
        out = [_unvalue(x) for x in items]
        return tuple(out) if tag == "t" else out
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise ValueError("not a value")


def _encode(kb: CompiledKB) -> dict[str, Any]:
    index = {r.name: i for i, r in enumerate(kb.rules.values())}
    return {
        "rules": [[lr.file, lr.doc.data] for lr in kb.source.values()],
        "compiled": [[c.name, c.rule_id, c.gap, c.stratum, [_unpattern(p) for p in c.patterns],
                      [list(lk) for lk in c.lookups], [[ref, _value(v)] for ref, v in c.assumed]]
                     for c in kb.rules.values()],
        "parts": [[s, joining, [index[n] for n in names]] for s, joining, names in kb.parts],
        "strata": kb.strata,
    }


def _unpattern(p: CompiledPattern) -> list[Any]:
    return [p.alias, p.kind, p.absent, [[f, op, _value(v)] for f, op, v in p.tests], [list(j) for j in p.joins]]


_Count = Annotated[int, msgspec.Meta(ge=0)]
_Test = tuple[str, str, Any]
_Pattern = tuple[str, str, bool, list[_Test], list[tuple[str, str, str]]]
_Compiled = tuple[str, str, str | None, _Count, list[_Pattern], list[tuple[str, str, str, str, bool]],
                  list[tuple[str, Any]]]


class _Entry(msgspec.Struct, forbid_unknown_fields=True):
    """An entry's body (``_encode``), its shape checked by msgspec as it parses it: every section there and no
    other, every text a text, every flag a flag, every count a non-negative integer, each tuple of its length. A
    rule's data is kept as its JSON text, which the rule validator then parses into the rule, checked as it goes
    (``engine.model.ruledata.RuleValidator.json``); the values of tests and assumptions (scalars, or a tagged list
    or tuple) are checked by ``_unvalue``."""

    rules: list[tuple[str, msgspec.Raw]]
    compiled: list[_Compiled]
    parts: list[tuple[_Count, bool, list[_Count]]]
    strata: _Count


_ENTRY = msgspec.json.Decoder(_Entry)


_SCALAR = frozenset((str, int, float, bool, type(None)))
"""The types of a value kept as it is (``_value``): orjson gives these exact types, never a subclass."""


def _pattern(item: _Pattern) -> CompiledPattern:
    alias, kind, absent, tests, joins = item  # its types checked by msgspec (``_Entry``), but for test values
    checked: list[Test] = [(f, op, v if type(v) in _SCALAR else _unvalue(v)) for f, op, v in tests]
    return CompiledPattern(alias, kind, absent, tuple(checked), tuple(joins))


def _compiled(item: _Compiled, source: dict[str, LoadedRule], shapes: dict[str, list[Any]]) -> CompiledRule:
    name, rule_id, gap, stratum, patterns, lookups, assumed = item
    if rule_id not in source:
        raise ValueError("a compiled rule of no rule")
    pats = tuple([_pattern(p) for p in patterns])
    looked = tuple([Lookup(*lk) for lk in lookups])
    c = CompiledRule(name, rule_id, gap, pats, stratum, looked, tuple((ref, _unvalue(v)) for ref, v in assumed),
                     absences(pats, looked))
    _of_its_rule(c, source[rule_id].rule, shapes)
    return c


_OPS = frozenset((*OPERATORS, "missing", "unknown_or"))
"""The operators a compiled test may have (the rule language's, and those the gap and assumption variants use)."""


def _of_its_rule(c: CompiledRule, rule: Rule, shapes: dict[str, list[Any]]) -> None:
    """Refuse a compiled variant that is not one of its rule's: its name, gap, assumptions, and each pattern's
    alias, kind, negation, joins and tested fields are the rule's (the test values may come from params)."""
    name = rule.id if c.gap is None else f"{rule.id}#gap:{c.gap}"
    if c.assumed:
        name += "#assume:" + "+".join(ref for ref, _v in c.assumed)
    expected = shapes.get(rule.id)
    if expected is None:  # once per rule, not per variant (444 variants of 237 rules)
        expected = shapes[rule.id] = [(p.as_ or f"n{i}", p.kind, p.absent,
                                       tuple((f, *r.split(".", 1)) for f, r in sorted(p.join.items())))
                                      for i, p in enumerate(rule.when)]
    if (c.name != name or (c.gap is not None and c.gap not in rule.gaps)
            or any(ref not in rule.assume or rule.assume[ref] != v for ref, v in c.assumed)
            or [(p.alias, p.kind, p.absent, p.joins) for p in c.patterns] != expected
            or any(f not in p.where or op not in _OPS for cp, p in zip(c.patterns, rule.when, strict=True)
                   for f, op, _v in cp.tests)):
        raise ValueError(f"{c.name} is not a variant of rule {rule.id}")


def _decode(stored: _Entry) -> CompiledKB:
    source: dict[str, LoadedRule] = {}
    validate = rulecache.rule_validator().json  # the rule models' checks, without the models (engine.model.ruledata)
    for file, text in stored.rules:
        rule: Rule = validate(text)
        if rule.id in source:
            raise ValueError("a rule twice")
        source[rule.id] = LoadedRule(rule, file, _RuleDocument(file, text))
    shapes: dict[str, list[Any]] = {}
    rules = [_compiled(item, source, shapes) for item in stored.compiled]
    compiled = {c.name: c for c in rules}
    parts: list[Part] = [(s, joining, tuple(rules[i] for i in members)) for s, joining, members in stored.parts]
    placed = [c.name for _s, _j, part in parts for c in part]
    strata = stored.strata
    if (len(compiled) != len(rules) or sorted(placed) != sorted(compiled)
            or any(c.stratum >= strata or c.stratum != s for s, _j, part in parts for c in part)):
        raise ValueError("rulesets that do not hold every rule once")
    # The specs and the C core's definitions are made when first asked (for a one-shot command, of the rules that
    # can match its design only: ``CompiledKB.for_facts``), the C core's limits checked on them then.
    return assemble(compiled, parts, source, strata, recheck=True, lazy=True)


class _RuleDocument(Document):
    """A rule file read back from the cache: its data, parsed from the entry's JSON text when first asked for
    (the rule itself is parsed from the same text, by the validator), and the positions of its keys parsed from
    the file when first asked for (only a problem found later in the run names a line in a rule file)."""

    _parsed: Mapping[Path, tuple[int, int]] | None = None
    _text: msgspec.Raw | None = None
    _data: Any = None

    @property  # a dataclass field made a property: read when first asked for
    def data(self) -> Any:
        if self._text is not None:
            self._data, self._text = msgspec.json.decode(self._text), None
        return self._data

    @data.setter
    def data(self, value: Any) -> None:  # the dataclass __init__ gives the entry's text
        if isinstance(value, msgspec.Raw):
            self._text, self._data = value, None
        else:
            self._text, self._data = None, value

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._parsed is None:
            from engine.source import load

            try:
                self._parsed = load(self.file).positions
            except (OSError, ArchplanError):
                self._parsed = {}
        return self._parsed

    @positions.setter
    def positions(self, value: Any) -> None:  # the dataclass __init__ gives the default
        self._parsed = value or None
