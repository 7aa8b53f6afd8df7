"""Input problems as located errors, all of them at once: pydantic's validation errors turned into one line per
key path, and a loader applied to many files with every failure collected before any is raised.

The design loader, the rule loader, the project config and the rule test cases share these.
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from engine import budget
from engine.errors import ArchplanError, InputError, Location, did_you_mean, looks_secret, raise_all
from engine.errors import shown as shown_value
from engine.source import Document, keypath

if TYPE_CHECKING:  # a run that finds no problem never imports pydantic
    from pydantic import BaseModel, ValidationError

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
        elif etype in _EXPECTED or etype in _BOUNDS:
            msg = _value_message(etype, err.get("ctx", {}), node, full)
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


_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "a text",
}
"""pydantic's type errors, by what the value should have been."""
_BOUNDS = {"less_than_equal": ("le", "more than {}, the most"),
           "greater_than_equal": ("ge", "less than {}, the least"),
           "less_than": ("lt", "not less than {}, the limit"), "greater_than": ("gt", "not more than {}, the limit")}
"""pydantic's bound errors: the context key of the bound and how a value past it is described."""
_UNITS = {"ms": ("milliseconds", 1e-3), "seconds": ("seconds", 1.0), "minutes": ("minutes", 60.0),
          "hours": ("hours", 3600.0), "days": ("days", 86400.0)}
"""Field name endings that give the unit of a duration field (``timeout_ms``, ``rto_minutes``), in seconds."""
_WRITTEN_UNITS = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "m": 60.0,
                  "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0, "hr": 3600.0,
                  "hour": 3600.0, "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0}
"""Units a value may be written with ("2s", "500 ms", "1h")."""


def _value_message(etype: str, ctx: dict[str, Any], node: Any, full: tuple[str | int, ...]) -> str:
    """A type or bound error in words, with the value, and how to write it when that can be told: '3' is not a
    whole number (write 3 without quotes); '2s' is not a whole number ('timeout_ms' is in milliseconds: write
    2000); 99.95 is more than 1, the most 'sla' allows (a fraction: write 0.9995)."""
    fld = next((str(p) for p in reversed(full) if isinstance(p, str)), "")
    if etype in _BOUNDS:
        key, words = _BOUNDS[etype]
        bound = ctx.get(key)
        hint = ""
        if key in ("le", "lt") and bound == 1 and isinstance(node, (int, float)) and 50 <= node <= 100:
            hint = f" (a fraction, not a percentage: write {float(node) / 100:g})"
        shown_bound = f"{bound:g}" if isinstance(bound, float) else str(bound)
        return f"{shown_value(node, keypath(full))} is {words.format(shown_bound)} '{fld}' allows{hint}"
    what = _EXPECTED[etype]
    return f"{_described(node, full)} is not {what}{_how_to_write(what, node, fld)}"


def _described(node: Any, full: tuple[str | int, ...]) -> str:
    if isinstance(node, dict):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    if node is None:
        return "null"
    if isinstance(node, (datetime.date, datetime.datetime)):
        return f"the date {node.isoformat()}"
    return shown_value(node, keypath(full)) + (_non_ascii(node) if isinstance(node, str) else "")


def _how_to_write(what: str, node: Any, fld: str) -> str:
    """How to write a value of the wrong type so that it reads as ``what``, when that can be told."""
    if what == "a text":
        return " (quote it to make it text)" if isinstance(node, (int, float, bool, datetime.date)) else ""
    if not isinstance(node, str):
        return ""
    text = node.strip()
    if what == "true or false":
        return f" (write {text.lower()} without quotes)" if text.lower() in ("true", "false") else ""
    if _number(text) is not None and (what == "a number" or float(text).is_integer()):
        return number_hint(text)
    unit = next((u for end, u in _UNITS.items() if fld.endswith("_" + end)), None)
    number, _, written = text.partition(" ") if " " in text else _split_unit(text)
    value = _number(number)
    if unit is None or value is None or written.lower() not in _WRITTEN_UNITS:
        return ""
    converted = value * _WRITTEN_UNITS[written.lower()] / unit[1]
    if what == "a whole number" and not converted.is_integer():
        return f" ('{fld}' is in {unit[0]})"
    return f" ('{fld}' is in {unit[0]}: write {converted:g})"


def _split_unit(text: str) -> tuple[str, str, str]:
    """``("500", "", "ms")`` from ``"500ms"``: the number, and the letters after it."""
    i = len(text)
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    return text[:i], "", text[i:]


def number_hint(text: str) -> str:
    """How to write the number ``text``, read as text, so that YAML reads a number: without quotes, or, for an
    exponent YAML 1.1 does not read as one (``1e16``, ``1.5e-7``: it wants a point and a signed exponent), as
    ``1.0e+16``."""
    mantissa, e, exponent = text.lower().partition("e")
    if not e:
        return f" (write {text} without quotes)"
    if "." not in mantissa:
        mantissa += ".0"
    if exponent[:1] not in ("+", "-"):
        exponent = "+" + exponent
    return f" (YAML reads {text} as text: write {mantissa}e{exponent}, with a point and a signed exponent)"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


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
        kinds = [e.message.split(" is not ", 1) for e in group]
        if all(len(k) == 2 for k in kinds):  # "<value> is not <what>": one line naming every type allowed
            whats = list(dict.fromkeys(k[1].split(" (")[0] for k in kinds))
            listed = ", ".join(whats[:-1]) + f" or {whats[-1]}" if len(whats) > 1 else whats[0]
            out.append(InputError(f"{kinds[0][0]} is not {listed}", loc, key))
        else:  # a bound and a type, or a closed value: every reading, on one line
            out.append(InputError("; or ".join(dict.fromkeys(e.message for e in group)), loc, key))
    return out


def _submodel(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The nested model at ``path`` (skipping list indexes), for did-you-mean on unknown keys."""
    from typing import get_args

    from pydantic import BaseModel

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
