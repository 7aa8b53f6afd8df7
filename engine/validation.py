"""Input problems as located errors, all of them at once: pydantic's validation errors turned into one line per
key path, and a loader applied to many files with every failure collected before any is raised.

The design loader, the rule loader, the project config and the rule test cases share these.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine import budget
from engine.errors import ArchplanError, InputError, Location, did_you_mean, looks_secret, raise_all
from engine.errors import shown as shown_value
from engine.source import Document, keypath

T = TypeVar("T")

PATTERN_MEANINGS: dict[str, str] = {
    r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$":
        "a valid name: use ASCII letters, digits and _ . : / -, at most 128 characters",
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$":
        "a valid rule id: lowercase letters and digits, words joined by single '-' (at most 80 characters)",
    r"^[a-z][a-z0-9_]{0,30}$":
        "a valid alias: a lowercase letter, then lowercase letters, digits and _, at most 31 characters",
    r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$":
        "a valid field path: lowercase letters, digits and _, parts joined by '.' (service.retry.attempts)",
    r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$":
        "a valid reference: alias.field, in lowercase letters, digits and _ (call.timeout_ms)",
    r"^[a-z][a-z0-9_]{0,40}$":
        "a valid name here: a lowercase letter, then lowercase letters, digits and _, at most 41 characters",
    r"^[a-z0-9][a-z0-9-]{0,60}$":
        "a valid example name: lowercase letters, digits and -, at most 61 characters",
    r"^[A-Z]{3,4}-\d{3}$": "a catalog id: three or four capital letters, '-' and three digits (COM-012)",
    r"^[ -~]{1,512}$": "a valid path: 1 to 512 printable ASCII characters (no tab, newline or non-ASCII)",
    r"^[ -~]{1,600}$": "a valid target: 1 to 600 printable ASCII characters (no tab, newline or non-ASCII)",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written YYYY-MM-DD",
}
"""What each text pattern of the models asks for, in words (a value that fails one is told what was expected,
not shown the regular expression); tests/test_loader.py holds it complete."""


def load_all(paths: Iterable[str], load: Callable[[str], T], stage: str) -> list[tuple[str, T]]:
    """``load`` applied to every path, in order, under the budget (``stage`` names the work when it runs out);
    every error is collected and all are raised together, so that one run reports every broken file."""
    out: list[tuple[str, T]] = []
    errors: list[ArchplanError] = []
    for path in paths:
        budget.check(stage)
        try:
            out.append((path, load(path)))
        except ArchplanError as exc:
            errors.append(exc)
    raise_all(errors)
    return out


def validation_errors(exc: ValidationError, model: type[BaseModel], doc: Document,
                      base: tuple[str | int, ...], data: Any) -> list[ArchplanError]:
    """pydantic's errors for ``data`` (found at ``base`` in ``doc``) as one located error per key path:
    unknown keys with a did-you-mean, disallowed values with the allowed ones, secrets never echoed."""
    out: list[ArchplanError] = []
    for err in exc.errors(include_url=False):
        # Keep the parts of loc that are real keys or indexes of the data (unions add type names).
        path: list[str | int] = []
        node = data
        for part in err["loc"]:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                path.append(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                path.append(part)
                node = node[part]
        full = (*base, *path)
        etype = err["type"]
        if etype == "extra_forbidden":
            sub: type[BaseModel] | None = _submodel(model, path[:-1])
            choices = [f.alias or n for n, f in sub.model_fields.items()] if sub else []
            msg = f"unknown key '{path[-1]}'{did_you_mean(str(path[-1]), choices)}"
        elif etype == "missing":
            missing = [p for p in err["loc"] if isinstance(p, str)][-1]
            msg = f"missing required key '{missing}'"
            full = (*full, missing)
        elif etype in ("literal_error", "enum"):
            allowed = err.get("ctx", {}).get("expected", "")
            msg = f"{shown_value(node, keypath(full))} is not allowed; expected {allowed}"
            if isinstance(node, str) and not looks_secret(node, keypath(full)):
                opts = [o.strip().strip("'") for o in str(allowed).replace(" or ", ",").split(",")]
                msg += did_you_mean(node, opts)
        elif etype == "string_pattern_mismatch" and isinstance(node, str):
            shown = node if len(node) <= 60 else node[:57] + "..."
            quoted = shown_value(node, keypath(full)) if looks_secret(node, keypath(full)) else repr(shown)
            pattern = str(err.get("ctx", {}).get("pattern", ""))
            meaning = PATTERN_MEANINGS.get(pattern, f"a text matching {pattern}")
            msg = f"{quoted} is not {meaning}{_non_ascii(node)}"
        elif etype in ("finite_number",):
            msg = "NaN and infinite numbers are not allowed"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if node is None:
                msg = f"{msg} (got null)"
            elif isinstance(node, (datetime.date, datetime.datetime)):
                msg = f"{msg} (got the date {node.isoformat()}; quote it to make it text)"
            elif isinstance(node, (str, int, float, bool)) and not isinstance(node, dict):
                extra = _non_ascii(node) if isinstance(node, str) else ""
                msg = f"{msg} (got {shown_value(node, keypath(full))}){extra}"
        out.append(InputError(msg, doc.locate(full), keypath(full)))
    return _one_per_place(out)


def _non_ascii(text: str) -> str:
    """Name the first non-ASCII character: a Cyrillic 'а' looks exactly like a Latin 'a' when printed."""
    for i, ch in enumerate(text):
        if ord(ch) > 127:
            return f" (character {i + 1} is U+{ord(ch):04X} {unicodedata.name(ch, 'an unnamed character')}, not ASCII)"
    return ""


def _one_per_place(errors: list[ArchplanError]) -> list[ArchplanError]:
    """One error per key path: a value checked against a union (``str | int | float | bool``) fails
    once per member, which reads as four contradicting errors about one value."""
    by_place: dict[tuple[Location | None, str], list[ArchplanError]] = {}
    for e in errors:
        by_place.setdefault((e.location, e.keypath), []).append(e)
    out: list[ArchplanError] = []
    for (loc, key), group in by_place.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        nan = [e for e in group if e.message.startswith("NaN")]
        if nan:
            out.append(nan[0])
            continue
        kinds = [e.message.split(" (got ")[0].removeprefix("Input should be ") for e in group]
        got = next((e.message[e.message.index(" (got "):] for e in group if " (got " in e.message), "")
        out.append(InputError(f"Input should be {' or '.join(dict.fromkeys(kinds))}{got}", loc, key))
    return out


def _submodel(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The nested model at ``path`` (skipping list indexes), for did-you-mean on unknown keys."""
    from typing import get_args

    current: type[BaseModel] = model
    for part in path:
        if isinstance(part, int):
            continue
        info = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        if info is None:
            return None
        candidates = [info.annotation, *get_args(info.annotation)]
        for c in list(candidates):
            candidates.extend(get_args(c))
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nested is None:
            return None
        current = nested
    return current
