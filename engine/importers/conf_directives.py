"""The tree both web-server readers build: a directive, its words, its block (``nginx_conf``, ``httpd_conf``).

nginx (``name args...;`` / ``name args... { children }``) and Apache httpd (``Name args`` / ``<Name args> children
</Name>``) differ in grammar, not in what a directive is: a name, the words after it (each with where it starts), where
it stands, and the directives of its block or section, if it opens one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import Location


@dataclass(frozen=True)
class Word:
    """One word of a directive, and where it starts."""

    text: str
    location: Location


@dataclass
class Directive:
    """One directive: ``name args...`` with, for a block or section, the directives inside it."""

    name: str
    args: list[Word]
    location: Location
    children: list[Directive] | None = None
    """The block's (section's) directives; None for a simple directive."""
    end: Location | None = field(default=None, compare=False)
    """Where the block closes, where the reader records it (nginx's ``}``)."""

    @property
    def key(self) -> str:
        """The name as compared: lower case (httpd's names are case-insensitive; nginx's are written so)."""
        return self.name.lower()

    def find(self, *names: str) -> list[Directive]:
        """The direct children named one of ``names`` (lower case)."""
        return [c for c in self.children or [] if c.key in names]


__all__ = ["Directive", "Word"]
