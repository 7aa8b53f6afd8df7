"""One deadline and one memory budget for a whole command.

``--max-seconds`` is the wall time of the command and ``--max-memory`` the memory it may add to the
process: loading, importing, enriching, compiling, each batch of the rule engine, matching waivers
and writing reports all check the same budget (``check`` at stage boundaries and in their loops), so
that a blow-up anywhere ends with one ``LimitError`` line and exit 2, never a hang or the kernel's OOM
killer. Outside a budget (library callers that set none) ``check`` does nothing.

In a one-shot process (``engine.cli.entry``) two backstops cover what no check reaches: an interval
timer that interrupts a stage stuck in one long call (a blocking ``open``, a long regular-expression
match), and ``RLIMIT_AS`` at the budget, so that an allocation past it fails with ``MemoryError``
instead of waking the kernel's OOM killer.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

from msgspec import Struct

from engine.errors import LimitError

DEFAULT_SECONDS = 300.0
"""Wall time of a command, by default."""
DEFAULT_MEMORY = 4 * 1024**3
"""Memory a command may add to the process, by default (4 GiB: a design at the 200,000-fact bound needs
about 2 GiB in the rule engine)."""
_MEMORY_EVERY = 0.02
"""Seconds between two reads of the resident size (a read costs some 10 µs)."""
_GRACE = 0.5
"""Seconds the interval timer waits past the deadline, so that the stages' own checks speak first."""

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _statm(field: int) -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[field]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def resident_bytes() -> int:
    """The process's resident set size now (0 where ``/proc`` is not available)."""
    return _statm(1)


def _virtual_bytes() -> int:
    return _statm(0)


def format_bytes(n: int) -> str:
    """``n`` bytes for a message (``2 GiB``, ``512 MiB``)."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def parse_bytes(text: str) -> int:
    """``2G``, ``512M``, ``100k`` or a plain number of bytes (binary units); ``ValueError`` otherwise."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    mult = units.get(t[-1:], 1) if t else 1
    number = t[:-1] if t[-1:] in units else t
    if not number.isdigit() or int(number) * mult <= 0:
        raise ValueError(f"'{text}' is not a size (e.g. 2G, 512M or a number of bytes)")
    return int(number) * mult


class Budget(Struct, eq=False):
    """The deadline (monotonic clock) and the memory bound of one command."""

    seconds: float
    memory: int
    started: float
    base: int
    """Resident size when the command started: the budget counts what the command adds."""
    next_memory_check: float = 0.0

    stage: str = "starting"
    """What the last check was made during (the interval timer's message names it)."""

    def check(self, stage: str) -> None:
        self.stage = stage
        now = time.monotonic()
        if now - self.started > self.seconds:
            raise LimitError(f"the command took longer than {self.seconds:g} s (stopped while {stage}); "
                             "raise the bound with --max-seconds")
        if now >= self.next_memory_check:
            self.next_memory_check = now + _MEMORY_EVERY
            used = resident_bytes() - self.base
            if used > self.memory:
                raise LimitError(f"the command used more than {format_bytes(self.memory)} of memory (stopped while "
                                 f"{stage}); raise the bound with --max-memory")

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.seconds - (time.monotonic() - self.started)


_stack: list[Budget] = []
"""The budgets in force, innermost last."""
hard_limits = False
"""Set by ``engine.cli.entry`` (a one-shot process): arm the interval timer and ``RLIMIT_AS`` too."""


def check(stage: str) -> None:
    """Raise ``LimitError`` when the command is past its deadline or its memory budget.

    ``stage`` says what was running (``"enriching the design"``), for the message.
    """
    if _stack:
        _stack[-1].check(stage)


def current() -> Budget | None:
    """The budget in force, if any."""
    return _stack[-1] if _stack else None


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    budget = current()
    seconds, stage = (budget.seconds, budget.stage) if budget is not None else (0.0, "starting")
    # Still stuck a moment later (inside a long C call that does not return): leave at once.
    signal.signal(signal.SIGALRM, _leave_now)
    signal.setitimer(signal.ITIMER_REAL, _GRACE)
    raise LimitError(f"the command took longer than {seconds:g} s (stopped while {stage}); raise the bound with "
                     "--max-seconds")


def _leave_now(_signum: int, _frame: FrameType | None) -> None:
    os.write(2, b"archplan: error: the command went past its --max-seconds deadline and was stopped\n")
    os._exit(2)


@contextlib.contextmanager
def bounded(seconds: float | None = None, memory: int | None = None) -> Iterator[Budget]:
    """Run the block under one deadline and one memory budget (defaults: ``DEFAULT_SECONDS``,
    ``DEFAULT_MEMORY``); an enclosing budget is restored afterwards."""
    budget = Budget(seconds or DEFAULT_SECONDS, memory or DEFAULT_MEMORY, time.monotonic(), resident_bytes())
    _stack.append(budget)
    armed = hard_limits and threading.current_thread() is threading.main_thread()
    old_as = resource.getrlimit(resource.RLIMIT_AS) if armed else None
    old_handler = None
    try:
        if armed:
            old_handler = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, budget.seconds + _GRACE)
            if old_as is not None:
                limit = _virtual_bytes() + budget.memory
                hard = old_as[1]
                if hard == resource.RLIM_INFINITY or limit < hard:
                    with contextlib.suppress(ValueError, OSError):
                        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        yield budget
    finally:
        _stack.remove(budget)
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler if old_handler is not None else signal.SIG_DFL)
            if old_as is not None:
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_AS, old_as)
