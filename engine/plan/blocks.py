"""The renderer-neutral blocks of the plan's layout: sections of paragraphs, tables, lists and diagrams.

``render`` lays the plan out in them and renders them as Markdown, HTML and text; ``render_figures`` adds
the performance and schedule blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TABLE_ROWS = 400
"""Longer tables (huge designs) keep their first rows and say how many were left out; JSON keeps all."""
MAX_TEXT_ROWS = 100


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Diagram:
    title: str
    mermaid: str
    dot: str = ""
    svg: str | None = None
    fallback: Table | None = None
    """What HTML shows when Graphviz was not available to draw the SVG."""


@dataclass
class Section:
    anchor: str
    title: str
    blocks: list[str | Table | Diagram | list[str]] = field(default_factory=list)


def cap(rows: list[list[str]]) -> tuple[list[list[str]], str]:
    """The first ``MAX_TABLE_ROWS`` rows, and a caption saying how many more the JSON plan holds."""
    if len(rows) <= MAX_TABLE_ROWS:
        return rows, ""
    return rows[:MAX_TABLE_ROWS], f"{len(rows) - MAX_TABLE_ROWS} more rows in the JSON plan."
