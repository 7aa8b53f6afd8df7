"""The wording of the messages the engine writes itself (rules write their own): kept in one place, so that
a change of tone or a translation touches this module only."""

from __future__ import annotations

from collections.abc import Sequence

from engine.consequence import GapRecord
from engine.model import UNKNOWN_BECAUSE

GAP_TITLE = "Information gap"


def plural(n: int, word: str) -> str:
    """``a fact``, ``2 facts``."""
    return f"{'a' if n == 1 else n} {word}{'' if n == 1 else 's'}"


def gap_message(subject: str, gaps: Sequence[GapRecord], needs: str | None = None) -> str:
    """The message of an information gap: which facts of ``subject`` (a fact key) the checks in ``gaps`` need.

    ``needs``, when given, is ``gap_needs`` of the subject's kind and of ``gaps`` (then not read), worked out once
    for the many subjects of a kind that leave the same fields unknown."""
    name = subject.split(":", 1)[-1]
    kind = subject.split(":", 1)[0]
    return f"{kind} '{name}': {gap_needs(kind, gaps) if needs is None else needs}"


def gap_needs(kind: str, gaps: Sequence[GapRecord]) -> str:
    """The part of ``gap_message`` after the subject's name: it depends on the kind, fields and rules only."""
    fields = sorted({g.field for g in gaps})
    # A computed field says which design fields it comes from ("the target's data classification not stated").
    needed = "; ".join(f"{fld}{f' [{UNKNOWN_BECAUSE[(kind, fld)]}]' if (kind, fld) in UNKNOWN_BECAUSE else ''} "
                       f"(needed by {', '.join(sorted({g.rule for g in gaps if g.field == fld}))})"
                       for fld in fields)
    return (f"the design does not say {plural(len(fields), 'fact')} that "
            f"{'these checks need' if len(gaps) > 1 else 'this check needs'}: {needed}. State "
            f"{'them' if len(fields) > 1 else 'it'} so the review can decide instead of guessing.")
