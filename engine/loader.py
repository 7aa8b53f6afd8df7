"""Design files in, one validated and merged fact base out, with file:line:column for every fact.

All the errors of a run are collected and raised together; each names its file, line, column
and key path, with a did-you-mean where one helps.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec

from engine import budget
from engine.errors import ArchplanError, InputError, LimitError, Location, did_you_mean, raise_all
from engine.markdown import HOW_TO, MARKDOWN_SUFFIXES, is_markdown, read_markdown
from engine.model.base import AGENTS, SECTION_MODELS, SINGLETON_KINDS, section_model
from engine.model.design import Design, Fact, FieldLocations, LoadWarning, new_fact
from engine.model.kinds import IDENTIFIED_BY_NAME, identity
from engine.rulecache import fact_validator
from engine.source import DEFAULT_LIMITS, Document, Limits, Positions, keypath, load
from engine.validation import load_all, validation_errors

if TYPE_CHECKING:
    from pydantic import BaseModel

DESIGN_SUFFIXES = (".yaml", ".yml", ".json", *MARKDOWN_SUFFIXES)
READABLE = ".yaml, .yml, .json (design files) and .md (design documents with archplan blocks)"
TOP_KEYS = ("source", "version", *SECTION_MODELS, "waivers")
"""``waivers:`` is not a fact section: the review gate (engine/gate/waivers.py) reads it from ``Design.waiver_docs``."""


def repository_root(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` holding ``.git`` (a work tree), if any."""
    probe = directory
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent


def unsafe_design_path(path: str, given: str) -> str | None:
    """Why the design file ``path`` (found under ``given``, a directory or the file's own) may not be read, or
    None. A design file is a regular file; a symbolic link is followed only to a file inside the repository
    (or, outside any repository, inside ``given``): a committed ``x.yaml -> /proc/self/fd/1`` blocked forever,
    and a link to ``/etc`` or ``~/.ssh`` would read, and echo in messages, files the pull request does not own.
    """
    real = os.path.realpath(path)
    if real != os.path.abspath(path):
        root = repository_root(os.path.realpath(given)) or os.path.realpath(given)
        if os.path.commonpath([root, real]) != root:
            return "a symbolic link to a file outside the repository; design files must be inside it"
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        what = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        return f"{what}, not a regular file; a design file must be a regular file"
    return None


def discover(paths: Sequence[str]) -> list[str]:
    """Expand directories into their design files (sorted, so that order never matters)."""
    out: list[str] = []
    errors: list[ArchplanError] = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(
                os.path.join(root, name)
                for root, dirs, names in os.walk(p)
                for name in names
                if name.endswith(DESIGN_SUFFIXES) and not name.startswith(".")
            )
            if not found:
                errors.append(InputError("directory holds no .yaml, .yml, .json or .md design file", Location(p)))
            for f in found:
                problem = unsafe_design_path(f, p)
                if problem:
                    errors.append(InputError(problem, Location(f)))
                else:
                    out.append(f)
        elif os.path.exists(p) or os.path.islink(p):
            problem = unsafe_design_path(p, os.path.dirname(p) or ".")
            if problem:
                errors.append(InputError(problem, Location(p)))
            else:
                out.append(p)
        else:
            errors.append(InputError("no such file or directory", Location(p)))
    raise_all(errors)
    return sorted(dict.fromkeys(os.path.normpath(p) for p in out))


def _field_locations(doc: Document, base: tuple[str | int, ...], data: dict[str, Any]) -> FieldLocations:
    """Where each field of ``data`` (found at ``base`` in ``doc``, a document whose positions are held by full key
    path: Markdown's drawn facts, the general reader's) was stated: its key's position, kept as the parser
    recorded it until a ``Location`` is asked for. A parsed file's facts list theirs from the file's positions
    per mapping when first asked for (``FieldLocations``)."""
    out: dict[str, tuple[int, int] | Location] = {}
    positions = doc.positions

    def walk(at: tuple[str | int, ...], value: dict[str, Any], prefix: str) -> None:
        for k, v in value.items():
            pos = positions.get((*at, k))  # not recorded for every key in Markdown's drawn facts
            out[prefix + k] = pos if pos is not None else doc.locate((*at, k))
            if isinstance(v, dict):
                walk((*at, k), v, f"{prefix}{k}.")

    walk(base, data, "")
    return FieldLocations(doc.file, out)


_NAMED_BY_IDENTITY = frozenset({"interaction", "endpoint", "system", "security", "observability"})
"""Kinds whose facts may state no ``name``: their identity is their name."""


@dataclass(slots=True, eq=False, repr=False)
class _Pending:
    kind: str
    key: str
    data: dict[str, Any]
    location: Location
    fields: FieldLocations
    agents: list[str]
    imported: set[str] = field(default_factory=set)
    """Field paths whose value came from an imported artifact (a hand-written value may replace them)."""
    inferred: bool = False
    """Every document that gave it so far was inferred (``Document.inferred``)."""


def _pending(fact: Fact) -> _Pending:
    """A hand-written fact stated once so far, to merge another statement of it into."""
    return _Pending(fact.kind, fact.key, fact.data, fact.location, fact.fields, [fact.agents[0]],  # type: ignore[arg-type]
                    set(), fact.inferred)


_location = Location
"""``Location(file, line, column)``: one per fact loaded, 24,000 at 5,000 services (a msgspec Struct, made in C)."""


def load_documents(docs: Iterable[Document]) -> Design:
    """Validate and merge parsed design documents into one design.

    Hand-written documents are merged before imported ones (``Document.imported``), so that a
    hand-written value wins over an artifact's; such conflicts become ``Design.warnings``.
    """
    errors: list[ArchplanError] = []
    warnings: list[LoadWarning] = []
    docs = sorted(docs, key=lambda d: d.imported)  # stable: hand-written first, each group in its given order
    merged: dict[tuple[str, str], _Pending | Fact] = {}
    files: list[str] = []
    docs_seen: list[Document] = []
    for doc in docs:
        files.append(doc.file)
        docs_seen.append(doc)
        warnings.extend(LoadWarning(text, at) for at, text in doc.remarks)
        data = doc.data
        if not isinstance(data, dict):
            errors.append(InputError(
                f"a design file must be a mapping with a 'source:' key, not a {type(data).__name__}",
                doc.locate(())))
            continue
        for key in data:
            if key not in TOP_KEYS:
                errors.append(InputError(f"unknown section '{key}'{did_you_mean(str(key), TOP_KEYS)}",
                                         doc.locate((key,)), str(key)))
        source = data.get("source")
        if source is None:
            errors.append(InputError(f"missing 'source:' naming the agent that wrote it ({', '.join(AGENTS)})",
                                     doc.locate(()), "source"))
        elif source not in AGENTS:
            errors.append(InputError(f"unknown agent {source!r}{did_you_mean(str(source), AGENTS)}; "
                                     f"expected one of {', '.join(AGENTS)}", doc.locate(("source",)), "source"))
        if data.get("version", 1) != 1:
            errors.append(InputError("unsupported version; this archplan reads version 1",
                                     doc.locate(("version",)), "version"))
        agent = str(source) if source in AGENTS else "?"
        file, imported, inferred = doc.file, doc.imported, doc.inferred
        seen_here: dict[tuple[str, str], Location] = {}
        under = doc.positions.under if type(doc.positions) is Positions else None
        for section, (kind, model, is_list) in SECTION_MODELS.items():
            if section not in data or data[section] is None:
                continue
            value = data[section]
            if is_list:
                if not isinstance(value, list):
                    errors.append(InputError(f"'{section}' must be a list, not a {type(value).__name__}",
                                             doc.locate((section,)), section))
                    continue
                entries = value
                places = under.get((section,)) if under is not None else None
            else:
                entries = [value]
                places = under.get(()) if under is not None else None
            validated = _validated(model, entries) if entries else None
            by_name, named, singleton = kind in IDENTIFIED_BY_NAME, kind in _NAMED_BY_IDENTITY, kind in SINGLETON_KINDS
            for n, item in enumerate(entries):
                if not n & 1023:
                    budget.check("validating the design")
                base: tuple[str | int, ...] = (section, n) if is_list else (section,)
                if validated is not None:  # the whole section at once: every entry a valid mapping
                    fact = validated[n]
                else:
                    if not isinstance(item, dict):
                        errors.append(InputError(f"each entry of '{section}' must be a mapping, not a "
                                                 f"{type(item).__name__}", doc.locate(base), keypath(base)))
                        continue
                    alone = _validated(model, [item]) if is_list else None  # a singleton's: refused just now
                    found = alone[0] if alone is not None else _model_fact(section_model(model), item, doc, base,
                                                                          errors)
                    if found is None:
                        continue
                    fact = found
                ident = fact["name"] if by_name else identity(kind, fact)  # validated: a name is text
                if named:
                    fact.setdefault("name", ident)
                pos = places.get(base[-1]) if places is not None else None
                loc = _location(file, pos[0], pos[1]) if pos is not None else doc.locate(base)
                fkey = (kind, ident)
                if fkey in seen_here and not singleton:
                    first = seen_here[fkey]
                    errors.append(InputError(f"duplicate {kind} '{ident}' (first defined at line {first.line})",
                                             loc, keypath(base)))
                    continue
                seen_here[fkey] = loc
                # a parsed file's: listed from its positions when first asked for
                flocs = FieldLocations(file, None, (doc, base, item)) if under is not None else \
                    _field_locations(doc, base, item)
                pending = merged.get(fkey)
                if pending is None:  # a hand-written fact stated once (most): the fact itself, made once
                    merged[fkey] = _Pending(kind, f"{kind}:{ident}", fact, loc, flocs, [agent], set(flocs),
                                            inferred) if imported else \
                        new_fact(kind, f"{kind}:{ident}", fact, loc, flocs, (agent,), inferred)
                else:
                    into = pending if type(pending) is _Pending else _pending(pending)  # type: ignore[arg-type]
                    merged[fkey] = into  # stated again: merged from here on
                    errors.extend(_merge(into, fact, flocs, agent, loc, imported, warnings))
                    into.inferred = into.inferred and inferred  # stated once: not inferred
    raise_all(errors)
    facts = [p if type(p) is Fact else
             new_fact(p.kind, p.key, p.data, p.location, p.fields,
                      (p.agents[0],) if len(p.agents) == 1 else tuple(sorted(set(p.agents))), p.inferred)
             for p in merged.values()]
    facts.sort(key=attrgetter("kind", "key"))
    waiver_docs = tuple(sorted((d for d in docs_seen if isinstance(d.data, dict) and "waivers" in d.data),
                               key=lambda d: d.file))
    design = Design(tuple(facts), tuple(sorted(files)), waiver_docs=waiver_docs,
                    warnings=tuple(sorted(warnings, key=lambda w: (w.location or Location(""), w.keypath,
                                                                   w.message))))
    raise_all(check_references(design))
    return design


def _validated(model: str, entries: list[Any]) -> list[dict[str, Any]] | None:
    """The data of every entry of a section whose model is named ``model``, validated in one call
    (``fact_validator``: the model class is not built when its schema is kept), or None when an entry is not plain
    valid data: each is then read alone, so that every error is found and located."""
    try:
        validate = fact_validator(model)
    except TypeError:  # a schema the plain validator does not read: the model reads each entry
        return None
    try:
        validated: list[dict[str, Any]] = validate(entries)
    except (ValueError, TypeError):  # pydantic-core's ValidationError is a ValueError; TypeError: a schema it refuses
        return None
    return validated


def _model_fact(model: type[BaseModel], item: dict[str, Any], doc: Document, base: tuple[str | int, ...],
                errors: list[ArchplanError]) -> dict[str, Any] | None:
    """An entry the plain validator refuses, read by its model (which accepts an explicit null, a field named
    as in Python) and dumped as the plain validator would have returned it; None, its errors in ``errors``, when
    the model refuses it too."""
    from pydantic_core import ValidationError  # pydantic's own: imported with the models, not before

    try:
        obj = model.__pydantic_validator__.validate_python(item)
    except ValidationError as exc:
        errors.extend(validation_errors(exc, model, doc, base, item))
        return None
    fact: dict[str, Any] = model.__pydantic_serializer__.to_python(obj, by_alias=True, exclude_none=True, mode="json")
    return fact


def _merge(into: _Pending, fact: dict[str, Any], flocs: FieldLocations, agent: str,
           loc: Location, imported: bool = False, warnings: list[LoadWarning] | None = None) -> list[ArchplanError]:
    """Merge one agent's view of a fact into another's; conflicting values are errors.

    A conflict that involves an imported value is not an error: the hand-written value (else the
    first artifact's, in file order) wins, and a warning names both places.
    """
    errors: list[ArchplanError] = []

    def walk(dst: dict[str, Any], src: dict[str, Any], prefix: str) -> None:
        for k, v in src.items():
            name = f"{prefix}{k}"
            if k not in dst:
                dst[k] = v
                for fname, floc in flocs.items():
                    if fname == name or fname.startswith(f"{name}."):
                        into.fields.setdefault(fname, floc)
                        if imported:
                            into.imported.add(fname)
                continue
            cur = dst[k]
            if isinstance(cur, dict) and isinstance(v, dict):
                walk(cur, v, f"{name}.")
            elif isinstance(cur, list) and isinstance(v, list) and all(isinstance(x, str) for x in cur + v):
                dst[k] = sorted(set(cur) | set(v), key=(cur + v).index)
            elif isinstance(cur, list) and isinstance(v, list) and _distinct_members(cur, v):
                dst[k] = [*cur, *(x for x in v if x not in cur)]  # each agent names its own consumers of a channel
            elif cur != v and (imported or name in into.imported) and warnings is not None:
                first = into.fields.get(name, into.location)
                here = flocs.get(name, loc)
                kept, dropped = cur, v
                if not imported:  # a hand-written value over an artifact's (when given after it)
                    dst[k] = v
                    into.fields[name] = here
                    into.imported.discard(name)
                    here, first, kept, dropped = first, here, v, cur
                winner = "the first artifact's (in file order)" if name in into.imported else "the hand-written"
                warnings.append(LoadWarning(
                    f"{into.kind} '{into.key.split(':', 1)[1]}': {name} is {dropped!r} in the imported artifact but "
                    f"{kept!r} at {first}; {winner} value is kept", here, name))
            elif cur != v:
                first = into.fields.get(name, into.location)
                errors.append(InputError(
                    f"{into.kind} '{into.key.split(':', 1)[1]}' is defined differently by two agents: "
                    f"{name} is {v!r} here ({agent}) but {cur!r} at {first}",
                    flocs.get(name, loc), name))

    walk(into.data, fact, "")
    into.agents.append(agent)
    return errors


def _distinct_members(cur: list[Any], new: list[Any]) -> bool:
    """Whether two lists of members by service (a channel's consumers: ``{service: ..., ...}``) only add to each
    other: every member a mapping naming its service, no service named by both with different settings."""
    if not all(isinstance(x, dict) and isinstance(x.get("service"), str) for x in cur + new):
        return False
    seen = {x["service"]: x for x in cur}
    return all(seen.get(x["service"], x) == x for x in new)


def _names(design: Design, errors: list[ArchplanError]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The names of each kind, and the targets each caller calls; a name two target kinds share is an error (in
    ``errors``): interactions name their target alone, so it would be read as either."""
    names: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    first_kind: dict[str, Fact] = {}
    held: set[str] | None = None
    held_kind = ""
    for f in design.facts:  # by kind: a set looked up when the kind changes, not per fact
        kind, name = f.kind, f.key.split(":", 1)[1]  # Fact.name, without a call
        if kind != held_kind:
            held_kind, held = kind, names.setdefault(kind, set())
        held.add(name)  # type: ignore[union-attr]  # set with the first fact
        if kind in _TARGET_KINDS:
            other = first_kind.setdefault(name, f)
            if other.kind != kind:
                errors.append(InputError(
                    f"'{name}' names both a {other.kind} (at {other.location}) and a {kind}; targets are "
                    "referred to by name alone, so names must be unique across services, externals, "
                    "datastores and channels", f.location, f"{kind}[{name}]"))
        elif kind == "interaction":
            src, dst = f.data["from"], f.data["to"]
            src, dst = src if type(src) is str else str(src), dst if type(dst) is str else str(dst)
            out = calls.get(src)
            if out is None:
                calls[src] = {dst}
            else:
                out.add(dst)
    return names, calls


def check_references(design: Design) -> list[ArchplanError]:
    """Every name a fact refers to must exist, with a did-you-mean when it does not."""
    errors: list[ArchplanError] = []
    names, calls = _names(design, errors)
    services = names.get("service", set())
    externals = names.get("external", set())
    targets = services | externals | names.get("datastore", set()) | names.get("channel", set())
    endpoints = names.get("endpoint", set())
    callers = services | externals
    slo_targets = services | endpoints

    def ref(fact: Fact, field_path: str, value: Any, allowed: set[str], what: str) -> None:
        if isinstance(value, str) and value not in allowed:
            errors.append(InputError(
                f"'{value}' is not a known {what}{did_you_mean(value, allowed)}",
                fact.locate(field_path), f"{fact.kind}[{fact.name}].{field_path}"))

    for f in design.facts:  # a name found (most are) needs no call
        d, kind = f.data, f.kind
        if kind == "interaction":
            if type(v := d["from"]) is not str or v not in callers:
                ref(f, "from", v, callers, "service or external")
            if type(v := d["to"]) is not str or v not in targets:
                ref(f, "to", v, targets, "service, external, datastore or channel")
        elif kind == "endpoint":
            if type(v := d["served_by"]) is not str or v not in services:
                ref(f, "served_by", v, services, "service")
            called = calls.get(str(d["served_by"]), _NONE)
            for i, v in enumerate(d.get("routes_to", ())):
                if v not in called:  # a route can only take a call its server makes
                    errors.append(InputError(
                        f"'{v}' is not called by {d['served_by']}: routes_to names the calls this route takes "
                        f"(interactions from {d['served_by']}){did_you_mean(v, called)}",
                        f.locate("routes_to"), f"endpoint[{f.name}].routes_to[{i}]"))
        elif kind == "datastore":
            if "owner" in d and (type(v := d["owner"]) is not str or v not in services):
                ref(f, "owner", v, services, "service")
            for fld in ("readers", "writers"):
                for v in d.get(fld, []):
                    if type(v) is not str or v not in services:
                        ref(f, fld, v, services, "service")
        elif kind == "channel":
            for v in d.get("producers", []):
                if type(v) is not str or v not in services:
                    ref(f, "producers", v, services, "service")
            for c in d.get("consumers", []):
                v = c["service"] if isinstance(c, dict) else c
                if type(v) is not str or v not in services:
                    ref(f, "consumers", v, services, "service")
        elif kind in ("deployment", "job"):
            if type(v := d["service"]) is not str or v not in services:
                ref(f, "service", v, services, "service")
        elif kind == "workflow":
            for s in d.get("steps", []):
                if type(v := s["service"]) is not str or v not in services:
                    ref(f, "steps", v, services, "service")
        elif kind == "observability":
            for slo in d.get("slos", []):
                ref(f, "slos", slo["target"], slo_targets, "service or endpoint")
    return errors


_NONE: frozenset[str] = frozenset()
"""No names (a server that makes no call)."""
_TARGET_KINDS = frozenset({"channel", "datastore", "external", "service"})
"""Kinds an interaction's ``to`` may name."""


def _check_count(docs: Sequence[Document], limits: Limits) -> None:
    """Refuse an oversized design before validating it: 300,000 services took 84 s to reach the
    runtime's fact bound; counted here, they are refused in the time it takes to parse them."""
    total = 0
    for doc in docs:
        if isinstance(doc.data, dict):
            for section, (_kind, _model, is_list) in SECTION_MODELS.items():
                value = doc.data.get(section)
                total += (len(value) if isinstance(value, list) else 0) if is_list else int(value is not None)
        if total > limits.max_facts:
            raise LimitError(f"the design files hold more than {limits.max_facts:,} entries; raise the bound "
                             "with --max-facts", doc.locate(()))


def load_design(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                extra: Iterable[Document] = ()) -> Design:
    """Load design files and directories (plus already-parsed documents) into one design."""
    files = discover(paths) if paths else []
    named = {os.path.normpath(p) for p in paths if not os.path.isdir(p)}
    read = load_all(files, lambda path: read_design_file(path, limits, required=path in named), "loading the design")
    docs = [doc for _path, found in read for doc in found]
    with_docs = {doc.file for doc in docs}
    skipped = [LoadWarning("Markdown file skipped: it has no archplan block and no front matter 'source:'",
                           Location(path))
               for path, _found in read if is_markdown(path) and path not in named and path not in with_docs]
    docs.extend(extra)
    if not docs:
        raise InputError("no design files given" if not skipped else
                         f"no design facts found: the Markdown files hold no archplan block ({HOW_TO})", None)
    _check_count(docs, limits)
    budget.check("loading the design")
    design = load_documents(docs)
    roots = sorted({os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths})
    return msgspec.structs.replace(design, roots=tuple(roots), warnings=(*design.warnings, *skipped))


def read_design_file(path: str, limits: Limits = DEFAULT_LIMITS, *, required: bool = True) -> list[Document]:
    """The documents of one design file: a YAML or JSON file is one; a Markdown file one per archplan block
    (``required``: a Markdown file without any is an error, else it gives none).

    A file of any other type is read as YAML; when that fails, the error names the types archplan reads.
    """
    if is_markdown(path):
        return read_markdown(path, limits, required=required)
    if path.lower().endswith((".yaml", ".yml", ".json")):
        return [load(path, limits)]
    suffix = os.path.splitext(path)[1] or "(no suffix)"
    try:
        doc = load(path, limits)
    except InputError as exc:
        raise InputError(f"archplan cannot read this file type ({suffix}): it reads {READABLE} "
                         f"[as YAML: {exc.message}]", exc.location) from None
    if not isinstance(doc.data, dict):  # prose, a list: not a design file whatever YAML makes of it
        raise InputError(f"archplan cannot read this file type ({suffix}): it reads {READABLE}", Location(path))
    return [doc]
