"""Design documents: the facts of a Markdown file, with every location on the Markdown file's own lines.

A Markdown file is a design document when it holds at least one fenced code block tagged
``yaml archplan`` (or ``archplan``), or YAML front matter with ``source:``. Each archplan block is read
exactly as one YAML design file would be; a block without its own ``source:`` takes the front matter's.
The block's text is padded with the lines before it, so every line and column the YAML parser records
(facts, fields, errors) is the line and column in the Markdown file.

Mermaid ``flowchart`` (or ``graph``) blocks of a design document are read as components and calls in a
small subset (node shapes for services, datastores, channels and externals; solid arrows for sync calls,
dotted ones for async). Those facts are inferred, not stated: they form a document read like an importer's
(``Document.imported``), so a value stated in a block wins over a drawn one, and each drawn call carries
``inferred_from`` naming its line. A node or arrow the document also states in a block is left out, so a
diagram never marks a stated fact as inferred.

The Markdown is parsed by markdown-it-py (CommonMark) with mdit-py-plugins' front matter plugin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from engine.errors import ArchplanError, InputError, Location, did_you_mean, raise_all
from engine.model import AGENTS
from engine.source import DEFAULT_LIMITS, Document, Limits, parse, read_text

MARKDOWN_SUFFIXES = (".md", ".markdown")
BLOCK_TAGS = ("yaml archplan", "archplan")
"""Info strings of an archplan block: ``yaml archplan`` (editors and GitHub highlight it as YAML) or ``archplan``."""

HOW_TO = ("add a fenced block tagged 'yaml archplan' holding design facts (source: api, services: ...), "
          "or YAML front matter with 'source:' (see README, 'Design documents')")


class _Fence(NamedTuple):
    info: str
    content: str
    line: int
    """0-based line of the opening fence."""
    indent: int
    """Columns the parser took off each line (a fence in a list item or indented)."""


def is_markdown(path: str) -> bool:
    """Whether ``path`` names a Markdown file (by its suffix)."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def _padded(content: str, first_line: int, indent: int) -> str:
    """The block's text placed at its line and column, so that parser positions are the file's."""
    lines = content.splitlines(keepends=True)
    return "\n" * first_line + "".join(" " * indent + ln if ln.strip() else ln for ln in lines)


def _fences(text: str) -> tuple[list[_Fence], tuple[str, int] | None]:
    from markdown_it import MarkdownIt  # here: a design of YAML files alone does not import the parser
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").use(front_matter_plugin)
    tokens = md.parse(text)
    lines = text.splitlines()
    fences: list[_Fence] = []
    front: tuple[str, int] | None = None
    for tok in tokens:
        if tok.type == "front_matter" and tok.map:
            front = (tok.content, tok.map[0] + 1)
        elif tok.type == "fence" and tok.map:
            start = tok.map[0]
            first = lines[start + 1] if start + 1 < len(lines) else ""
            body = tok.content.splitlines()[0] if tok.content.strip() else ""
            indent = first.find(body) if body and first.find(body) > 0 else 0
            fences.append(_Fence(" ".join(tok.info.split()), tok.content, start, indent))
    return fences, front


def is_archplan_block(info: str) -> bool:
    """Whether a fence's info string marks an archplan block."""
    return info.lower() in BLOCK_TAGS


def read_markdown(path: str, limits: Limits = DEFAULT_LIMITS, *, required: bool = True) -> list[Document]:
    """The design documents of one Markdown file: one per archplan block, plus one for its flowcharts.

    Args:
        path: the Markdown file.
        limits: input bounds (the whole file is read within ``max_bytes``).
        required: a file that is no design document is an error (else: no documents).

    Raises:
        InputError: a block does not parse, a source is unknown, or (``required``) the file has no block.
    """
    text = read_text(path, limits)
    return parse_markdown(text, path, limits, required=required)


def parse_markdown(text: str, path: str, limits: Limits = DEFAULT_LIMITS, *,
                   required: bool = True) -> list[Document]:
    """:func:`read_markdown` on text already read."""
    fences, front = _fences(text)
    errors: list[ArchplanError] = []
    default_source: Any = None
    if front is not None:
        try:
            fm = parse(_padded(front[0], front[1], 0), path, limits) if front[0].strip() else None
        except InputError as exc:
            raise InputError(f"front matter: {exc.message}", exc.location) from None
        if fm is not None and isinstance(fm.data, dict) and "source" in fm.data:
            default_source = fm.data["source"]
            if default_source not in AGENTS:
                raise InputError(f"unknown agent {default_source!r}{did_you_mean(str(default_source), AGENTS)}; "
                                 f"expected one of {', '.join(AGENTS)}", fm.locate(("source",)), "source")
    blocks = [f for f in fences if is_archplan_block(f.info)]
    if not blocks and default_source is None:
        if required:
            raise InputError(f"no archplan block in this Markdown file: {HOW_TO}", Location(path))
        return []
    docs: list[Document] = []
    for block in blocks:
        where = Location(path, block.line + 1, block.indent + 1)
        if not block.content.strip():
            errors.append(InputError("this archplan block is empty", where))
            continue
        try:
            doc = parse(_padded(block.content, block.line + 1, block.indent), path, limits)
        except ArchplanError as exc:
            errors.append(exc)
            continue
        if isinstance(doc.data, dict) and "source" not in doc.data:
            if default_source is None:
                errors.append(InputError(
                    f"this archplan block names no agent: add 'source:' ({', '.join(AGENTS)}) to the block, "
                    "or to the document's front matter", where, "source"))
                continue
            doc.data = {"source": default_source, **doc.data}
        docs.append(doc)
    raise_all(errors)
    drawn = [f for f in fences if f.info.lower() == "mermaid"]
    if drawn:
        inferred = _flowcharts(drawn, path, default_source, docs)
        if inferred is not None:
            docs.append(inferred)
    if required and not docs:
        raise InputError(f"no archplan block and no flowchart in this Markdown file (its front matter names "
                         f"the agent, but nothing states a fact): {HOW_TO}", Location(path))
    return docs


# --- Mermaid flowcharts ------------------------------------------------------------------------------

_ID = r"[A-Za-z0-9_]+(?:[-.:/][A-Za-z0-9_]+)*"
_SHAPES: tuple[tuple[str, str], ...] = (
    (r"\[\((?P<l>[^\]]*)\)\]", "datastore"),   # [(cylinder)]
    (r"\(\[(?P<l>[^\]]*)\]\)", "service"),     # ([stadium])
    (r"\[\[(?P<l>[^\]]*)\]\]", "service"),     # [[subroutine]]
    (r"\(\(\((?P<l>[^)]*)\)\)\)", "service"),  # (((double circle)))
    (r"\(\((?P<l>[^)]*)\)\)", "service"),      # ((circle))
    (r"\{\{(?P<l>[^}]*)\}\}", "external"),     # {{hexagon}}
    (r">(?P<l>[^\]]*)\]", "channel"),          # >asymmetric]
    (r"\[(?P<l>[^\]]*)\]", "service"),         # [rectangle]
    (r"\((?P<l>[^)]*)\)", "service"),          # (rounded)
)
_SHAPE_ALTS = "|".join(f"(?P<s{i}>{p.replace('(?P<l>', '(?:')})" for i, (p, _k) in enumerate(_SHAPES))
# The patterns are texts, compiled (and cached by re) when a document first draws a flowchart: compiling them
# here took 0.8 ms of every run, which mostly reads YAML alone.
_NODE = rf"\s*(?P<id>{_ID})(?:{_SHAPE_ALTS})?"
_ARROWS: tuple[tuple[str, bool], ...] = (
    (r"-\.+->", True), (r"-\.\s.*?\s\.+->", True),  # dotted: async
    (r"--+>", False), (r"==+>", False), (r"--\s.*?\s--+>", False), (r"==\s.*?\s==+>", False),  # solid, thick: sync
)
_LINK = r"\s*(?:" + "|".join(f"(?P<a{i}>{p})" for i, (p, _d) in enumerate(_ARROWS)) + r")(?:\s*\|[^|]*\|)?"
_SKIP = r"^(subgraph\b|end\b|direction\b|classDef\b|class\b|style\b|linkStyle\b|click\b|%%)"
_HEADER = r"^(flowchart|graph)(\s+(TB|TD|BT|RL|LR))?\s*;?$"


def _node_group(stmt: str, pos: int) -> tuple[list[tuple[str, str | None]], int] | None:
    """``a``, ``a[label]`` or ``a & b[(db)]``: the nodes and the kind each shape gives (None: no shape)."""
    out: list[tuple[str, str | None]] = []
    while True:
        m = re.compile(_NODE).match(stmt, pos)
        if m is None:
            return None
        kind = next((k for i, (_p, k) in enumerate(_SHAPES) if m.group(f"s{i}") is not None), None)
        out.append((m.group("id"), kind))
        pos = m.end()
        amp = re.match(r"\s*&", stmt[pos:])
        if amp is None:
            return out, pos
        pos += amp.end()


def _statement(stmt: str) -> tuple[list[list[tuple[str, str | None]]], list[bool]] | None:
    """A node statement or a chain of arrows: node groups and whether each arrow is dotted."""
    first = _node_group(stmt, 0)
    if first is None:
        return None
    groups, pos = [first[0]], first[1]
    dotted: list[bool] = []
    while pos < len(stmt.rstrip()):
        link = re.compile(_LINK).match(stmt, pos)
        if link is None:
            return None
        dotted.append(next(d for i, (_p, d) in enumerate(_ARROWS) if link.group(f"a{i}") is not None))
        nxt = _node_group(stmt, link.end())
        if nxt is None:
            return None
        groups.append(nxt[0])
        pos = nxt[1]
    return groups, dotted


def _statements(fence: _Fence) -> Iterator[tuple[int, str]]:
    for offset, raw in enumerate(fence.content.splitlines()):
        for part in raw.split(";"):
            if part.strip():
                yield fence.line + 2 + offset, part.strip()


def _flowcharts(fences: list[_Fence], path: str, source: Any, stated: list[Document]) -> Document | None:
    """The facts drawn in the document's flowcharts, as one inferred document (None: none drawn)."""
    kinds: dict[str, tuple[str, int]] = {}
    edges: list[tuple[str, str, bool, int]] = []
    remarks: list[tuple[Location, str]] = []
    read_any = False
    for fence in fences:
        lines = list(_statements(fence))
        if not lines or not re.match(_HEADER, lines[0][1]):
            continue  # another kind of diagram (sequence, class ...): not read
        read_any = True
        for line, stmt in lines[1:]:
            if re.match(_SKIP, stmt):
                continue
            parsed = _statement(stmt)
            if parsed is None:
                remarks.append((Location(path, line, fence.indent + 1),
                                f"flowchart line not read (outside archplan's Mermaid subset): {stmt[:60]!r}"))
                continue
            groups, dotted = parsed
            for group in groups:
                for name, kind in group:
                    if kind is not None and name in kinds and kinds[name][0] != kind:
                        remarks.append((Location(path, line, fence.indent + 1),
                                        f"flowchart node '{name}' drawn as a {kind} here but as a {kinds[name][0]} "
                                        f"at line {kinds[name][1]}; the first shape is kept"))
                    elif kind is not None or name not in kinds:
                        kinds.setdefault(name, (kind or "service", line))
                        if kind is not None and kinds[name][0] == "service" and kind != "service":
                            kinds[name] = (kind, line)
            for i, is_dotted in enumerate(dotted):
                for a, _ka in groups[i]:
                    for b, _kb in groups[i + 1]:
                        edges.append((a, b, is_dotted, line))
    if not read_any:
        return None
    if source is None:
        raise InputError(f"a flowchart's facts need an agent: give the document front matter with 'source:' "
                         f"({', '.join(AGENTS)})", Location(path, fences[0].line + 1, fences[0].indent + 1))
    return _drawn_document(path, source, kinds, edges, remarks, stated)


_SECTION = {"service": "services", "datastore": "datastores", "channel": "channels", "external": "externals"}


def _stated_names(stated: list[Document]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The component names the document's blocks state (name -> section), and the (from, to) calls."""
    names: dict[str, str] = {}
    calls: set[tuple[str, str]] = set()
    for doc in stated:
        data = doc.data if isinstance(doc.data, dict) else {}
        for section in _SECTION.values():
            for item in data.get(section) or []:
                if isinstance(item, dict) and "name" in item:
                    names.setdefault(str(item["name"]), section)
        for item in data.get("interactions") or []:
            if isinstance(item, dict):
                calls.add((str(item.get("from")), str(item.get("to"))))
        for item in data.get("channels") or []:
            if isinstance(item, dict):
                for c in item.get("consumers") or []:
                    calls.add((str(item.get("name")), str(c.get("service") if isinstance(c, dict) else c)))
    return names, calls


def _drawn_document(path: str, source: Any, kinds: dict[str, tuple[str, int]],
                    edges: list[tuple[str, str, bool, int]], remarks: list[tuple[Location, str]],
                    stated: list[Document]) -> Document:
    names, calls = _stated_names(stated)
    items: dict[str, tuple[str, dict[str, Any], int]] = {}
    for name in sorted(kinds, key=lambda n: (kinds[n][1], n)):
        kind, line = kinds[name]
        section = names.get(name)
        if section is None:
            items[name] = (_SECTION[kind], {"name": name}, line)
        elif section != _SECTION[kind]:  # the stated kind wins; the shape is a drawing mistake, or the text's
            remarks.append((Location(path, line, 1), f"flowchart node '{name}' is drawn as a {kind}, but the "
                                                      f"document states it under {section}; the stated kind is kept"))
            kinds[name] = (next(k for k, sec in _SECTION.items() if sec == section), line)
    calls_drawn: list[tuple[dict[str, Any], int]] = []
    seen: set[tuple[str, str]] = set()
    for a, b, dotted, line in edges:
        if (a, b) in seen or (a, b) in calls:
            continue
        seen.add((a, b))
        ka, kb = kinds[a][0], kinds[b][0]
        if ka == "channel" and kb == "service":
            section, item, at = items.get(a) or ("channels", {"name": a}, line)
            item.setdefault("consumers", []).append(b)
            items[a] = (section, item, at)
        elif ka in ("service", "external"):
            calls_drawn.append(({"from": a, "to": b, "style": "async" if dotted else "sync",
                                 "inferred_from": f"a {'dotted' if dotted else 'solid'} arrow of the Mermaid "
                                                  f"flowchart at {path}:{line}"}, line))
        else:
            remarks.append((Location(path, line, 1), f"flowchart arrow {a} -> {b} not read: a {ka} makes no "
                                                      "calls (draw the arrow from the service that does)"))
    data: dict[str, Any] = {"source": source}
    first = min([v[1] for v in kinds.values()], default=1)
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {(): (first, 1)}
    entries = [(section, item, line) for section, item, line in items.values()]
    entries += [("interactions", item, line) for item, line in calls_drawn]
    for section, item, line in entries:
        listed = data.setdefault(section, [])
        positions[(section, len(listed))] = (line, 1)
        for key in item:
            positions[(section, len(listed), key)] = (line, 1)
        listed.append(item)
    return Document(path, data, positions, imported=True, inferred=True, remarks=remarks)
