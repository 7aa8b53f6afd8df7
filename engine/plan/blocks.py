"""The renderer-neutral blocks of the plan's layout: sections of paragraphs, tables, lists and diagrams.

``render`` lays the plan out in them and renders them as Markdown, HTML and text; ``render_figures`` adds
the performance and schedule blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

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


_T = TypeVar("_T")


def cap(items: Sequence[_T], row: Callable[[_T], list[str]], total: int | None = None) -> tuple[list[list[str]], str]:
    """The rows of the first ``MAX_TABLE_ROWS`` items, and a caption saying how many more the JSON plan holds.

    The rows left out are never laid out (5,000 services: 23,000 risks and 35,000 tests for 400 rows each).
    ``total``: how many items there are, when ``items`` holds only the first ones.
    """
    rows = [row(x) for x in items[:MAX_TABLE_ROWS]]
    count = len(items) if total is None else total
    if count <= MAX_TABLE_ROWS:
        return rows, ""
    return rows, f"{count - MAX_TABLE_ROWS} more rows in the JSON plan."
