"""The parts of a Spring service's configuration classes that its code never reads (``archplan import source``).

A class (or record) annotated ``@ConfigurationProperties("shop.clients")`` receives every property under that prefix:
the deployment's ``SHOP_CLIENTS_STOCK`` lands in its component ``stock``. When no code of the service reads that
component (no ``.stock()``, ``.getStock()``, ``::stock`` and no field access ``.stock``), the address it holds is
configured but never used, and no call is made through it. A class whose body holds methods of its own (beyond the
getters and setters of its fields) may use its components itself, so all of them count as read; so does every
component of a class this reader cannot take apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers.code_text import blank_comments, close_bracket, inside

_PROPERTIES = re.compile(r"@ConfigurationProperties\s*\(\s*(?:(?:prefix|value)\s*=\s*)?\"([A-Za-z0-9_.-]+)\"\s*\)")
_DECLARED = re.compile(r"(?:\s*@\w+(?:\.\w+)*(?:\s*\([^()]*\))?)*\s*(?:(?:public|protected|private|final|static|"
                       r"abstract)\s+)*(record|class)\s+(\w+)\b[^{(]*")
"""What follows the annotation up to the class's body (or the record's components): other annotations, modifiers."""
_ANNOTATION = re.compile(r"@\w+(?:\.\w+)*(?:\s*\([^()]*\))?")
_LAST_NAME = re.compile(r"(\w+)\s*$")
_METHOD_NAME = re.compile(r"(\w+)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?$")


def _flat(name: str) -> str:
    """A property or variable name as Spring's relaxed binding compares them (``sample-data``, ``sampleData``,
    ``SAMPLE_DATA`` are one)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Component:
    """One component of a configuration class: the properties under ``prefix`` + its name bind to it."""

    prefix: str
    """The dotted prefix of the class and the component's name (``shop.clients.stock``)."""
    owner: str
    at: Location
    read: bool


def _top_level_commas(text: str) -> list[str]:
    """``text`` split at the commas outside any brackets (``Map<String, String> a, int b``)."""
    parts, depth, start = [], 0, 0
    for k, c in enumerate(text):
        if c in "<([{":
            depth += 1
        elif c in ">)]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _record_components(code: str, open_at: int) -> tuple[list[str], bool]:
    """The components of the record whose header opens at ``code[open_at]``, and whether its body declares methods."""
    header = inside(code, open_at)
    names = [m.group(1) for p in _top_level_commas(_ANNOTATION.sub(" ", header)) if (m := _LAST_NAME.search(p))]
    end = close_bracket(code, open_at)
    body_at = code.find("{", end)
    own = body_at >= 0 and "(" in inside(code, body_at)
    return names, own


def _class_fields(code: str, body_at: int) -> tuple[list[str], bool]:
    """The instance fields of the class whose body opens at ``code[body_at]``, and whether it declares a method other
    than a getter or setter of them."""
    body = inside(code, body_at)
    statements: list[tuple[str, str]] = []  # (text, what ends it: ";" or "{")
    depth, start = 0, 0
    for k, c in enumerate(body):
        if c in "{(":
            if depth == 0 and c == "{":
                statements.append((body[start:k], "{"))
            depth += 1
        elif c in "})":
            depth -= 1
            if depth == 0 and c == "}":
                start = k + 1
        elif c == ";" and depth == 0:
            statements.append((body[start:k], ";"))
            start = k + 1
    fields: list[str] = []
    methods: list[str] = []
    for said, end in statements:
        text = _ANNOTATION.sub(" ", said).strip()
        if end == ";":
            if "(" in text.split("=", 1)[0] or re.search(r"\bstatic\b", text):
                continue
            m = _LAST_NAME.search(text.split("=", 1)[0])
            if m:
                fields.append(m.group(1))
        elif (m := _METHOD_NAME.search(text)):
            methods.append(m.group(1))
        elif re.search(r"\b(?:class|record|enum|interface)\b", text):
            methods.append("")  # a nested type: what it does with the fields is not read
    accessors = {f"{verb}{f[:1].upper()}{f[1:]}" for f in fields for verb in ("get", "set", "is")}
    return fields, any(m not in accessors for m in methods)


def components(codes: Sequence[tuple[str, str]]) -> tuple[Component, ...]:
    """Every component of the configuration classes the Java files among ``codes`` declare, with whether any code
    of them reads it."""
    java = [(p, blank_comments(t)) for p, t in codes if p.endswith(".java")]
    found: list[tuple[str, str, str, Location, bool]] = []  # prefix, owner, name, where, read by the class itself
    for path, code in java:
        for m in _PROPERTIES.finditer(code):
            d = _DECLARED.match(code, m.end())
            if d is None:
                continue
            kind, owner = d.group(1), d.group(2)
            opener = code.find("(" if kind == "record" else "{", d.end() - 1)
            if opener < 0:
                continue
            names, own = (_record_components(code, opener) if kind == "record" else _class_fields(code, opener))
            line = code.count("\n", 0, m.start()) + 1
            for n in names:
                found.append((f"{m.group(1)}.{n}", owner, n, Location(path, line, 1), own))
    if not found:
        return ()
    texts = [c for _p, c in java]
    out: list[Component] = []
    for prefix, owner, name, at, own in found:
        cap = name[:1].upper() + name[1:]
        use = re.compile(rf"(?:\.|::)\s*(?:{re.escape(name)}|(?:get|is){re.escape(cap)})\b")
        out.append(Component(prefix, owner, at, own or any(use.search(t) for t in texts)))
    return tuple(out)


def unread(key: str, found: Sequence[Component]) -> Component | None:
    """The component an environment variable or property ``key`` binds to (the longest that matches) when no code
    reads it; None when it binds to none, or when a component it may bind to is read (``clients.stock-admin`` and
    ``clients.stock`` both match ``CLIENTS_STOCK_ADMIN``)."""
    flat = _flat(key)
    bound = [c for c in found if flat.startswith(_flat(c.prefix))]
    if not bound:
        return None
    best = max(bound, key=lambda c: len(_flat(c.prefix)))
    return None if any(c.read for c in bound) else best


def prefixes(found: Sequence[Component]) -> frozenset[str]:
    """The flattened prefixes of the configuration classes of ``found`` (``shopclients``)."""
    return frozenset(_flat(c.prefix.rsplit(".", 1)[0]) for c in found)
