"""The ``regex`` operator of rules: one definition, matched in linear time, used by both evaluators.

The dialect is the one rules were always documented with: an anchored full match of a sequence of
atoms (a literal character, ``.`` for any character, ``%d`` ``%a`` ``%w``, or a class such as
``[a-z0-9_-]``), each optionally followed by one ``*``, ``+`` or ``?``.

durable_rules' C core has its own implementation of that dialect, and it is wrong on some inputs:
``.*a..`` does not match ``/aaa`` (nor ``.*aa`` ``aaaa``), while the reference evaluator, a Python
regular expression, did. So neither decides any more: the runtime computes each regex test here,
in Python, and gives the C core only its truth value (``compiler.regex_slot``); the reference
evaluator calls the same matcher. Matching simulates the pattern's automaton over all its states at
once (a bitset), so it takes time linear in the text, whatever the pattern: no backtracking.
"""

from __future__ import annotations

import functools
import re

CLASSES = {
    "d": "[0-9]",
    "a": "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]",
    "w": "[A-Za-z0-9]",
}
"""``%d`` ``%a`` ``%w``, as Python character classes."""


def atoms(pattern: str) -> list[tuple[str, str]]:
    """The pattern as (one-character Python regex, quantifier) pairs; ``ValueError`` when it is not in the dialect."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%" and i + 1 < len(pattern) and pattern[i + 1] in CLASSES:
            atom = CLASSES[pattern[i + 1]]
            i += 2
        elif ch == "[":
            end = pattern.find("]", i)
            if end < 0:
                raise ValueError(f"'[' at {i + 1} is not closed")
            atom = pattern[i:end + 1]
            i = end + 1
        elif ch == ".":
            atom = "."
            i += 1
        elif ch in "*+?":
            raise ValueError(f"'{ch}' at {i + 1} repeats nothing")
        else:
            atom = re.escape(ch)
            i += 1
        quantifier = ""
        if i < len(pattern) and pattern[i] in "*+?":
            quantifier = pattern[i]
            i += 1
            if i < len(pattern) and pattern[i] in "*+?":
                raise ValueError(f"'{pattern[i]}' at {i + 1} repeats a repetition")
        out.append((atom, quantifier))
    return out


class Regex:
    """A compiled dialect pattern (see the module docstring)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        steps: list[tuple[str, str]] = []
        for atom, q in atoms(pattern):  # x+ is x x*
            steps.extend([(atom, ""), (atom, "*")] if q == "+" else [(atom, q)])
        self._atoms = [re.compile(atom, re.DOTALL) for atom, _q in steps]
        self._accept = 1 << len(steps)
        self._star = sum(1 << i for i, (_a, q) in enumerate(steps) if q == "*")
        self._optional = sum(1 << i for i, (_a, q) in enumerate(steps) if q in ("*", "?"))
        self._masks: dict[str, int] = {}
        self._start = self._closure(1)

    def _closure(self, states: int) -> int:
        """``states`` and every state reachable from them by skipping optional atoms."""
        while True:
            more = states | ((states & self._optional) << 1)
            if more == states:
                return states
            states = more

    def _mask(self, ch: str) -> int:
        mask = self._masks.get(ch)
        if mask is None:
            mask = sum(1 << i for i, atom in enumerate(self._atoms) if atom.fullmatch(ch))
            if len(self._masks) < 4096:
                self._masks[ch] = mask
        return mask

    def fullmatch(self, text: str) -> bool:
        """Whether the whole of ``text`` matches."""
        states = self._start
        for ch in text:
            consumed = states & self._mask(ch)
            if not consumed:
                return False
            states = self._closure((consumed << 1) | (consumed & self._star))
        return bool(states & self._accept)


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> Regex:
    """The compiled pattern (cached)."""
    return Regex(pattern)
