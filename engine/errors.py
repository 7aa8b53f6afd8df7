"""One base error for everything archplan reports to a user, carrying its place."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Sequence

from msgspec import Struct


class Location(Struct, frozen=True, order=True):
    """A place in a file: 1-based line and column. Line 0 means the file as a whole.

    A msgspec Struct (frozen: compared, ordered and hashed by its fields, as the frozen dataclass it was): creating
    the dataclass compiled seven generated methods, 5 M instructions of every run, and made each instance through
    ``object.__setattr__`` per field; ``msgspec.structs.replace`` copies one with a field changed."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


class ArchplanError(Exception):
    """An error a user can act on: where it is, which key, what is wrong.

    The CLI prints ``str(error)`` as one line and exits with code 2.
    """

    def __init__(self, message: str, location: Location | None = None, keypath: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.keypath = keypath

    def __str__(self) -> str:
        place = f"{self.location}: " if self.location else ""
        key = f"{self.keypath}: " if self.keypath else ""
        return f"{place}{key}{self.message}"

    @property
    def errors(self) -> list[ArchplanError]:
        """All the errors this one stands for."""
        return [self]


class InputError(ArchplanError):
    """A design, rule, config or artifact file is malformed or invalid."""


class RuleError(ArchplanError):
    """A rule is invalid, or the knowledge base cannot be compiled."""


class EngineError(ArchplanError):
    """The rule engine failed during a run; the run's result cannot be trusted."""


class LimitError(ArchplanError):
    """A configured resource bound was exceeded."""


class UsageError(ArchplanError):
    """A command-line flag or combination cannot apply."""


class MissingExtraError(UsageError):
    """A command needs an optional dependency (an extra of the archplan distribution) that is not installed."""


def require_extra(extra: str, modules: Sequence[str], what: str) -> None:
    """Import ``modules``, or say in one line which extra of archplan to install for ``what``.

    Raises:
        MissingExtraError: one of the modules cannot be imported.
    """
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtraError(f"{what} needs the {extra} extra ({module} is not installed): "
                                    f"pip install 'archplan[{extra}]'") from None


class ErrorGroup(ArchplanError):
    """Several errors found in one pass, reported together."""

    def __init__(self, errors: Sequence[ArchplanError]) -> None:
        flat: list[ArchplanError] = []
        for err in errors:
            flat.extend(err.errors)
        flat.sort(key=lambda e: (e.location or Location(""), e.keypath, e.message))
        super().__init__(f"{len(flat)} errors", None, "")
        self._errors = flat

    @property
    def errors(self) -> list[ArchplanError]:
        return list(self._errors)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self._errors)


def raise_all(errors: Sequence[ArchplanError]) -> None:
    """Raise the errors together, if there are any."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorGroup(errors)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    import difflib  # here: only a run that reports a mistake needs it

    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


@functools.cache
def _secret_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A secret's key, a token's shape, a long unbroken word: compiled when a message first quotes a value (a clean
    run quotes none)."""
    return (re.compile(r"(?i)(secret|token|passw(or)?d|passwd|api[_-]?key|credential|private[_-]?key|auth[_-]?key)"),
            re.compile(r"(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|\b(AKIA|ASIA)[0-9A-Z]{16}\b"
                       r"|xox[abposr]-[A-Za-z0-9-]{10,}|\bsk-[A-Za-z0-9_-]{16,}|glpat-[A-Za-z0-9_-]{16,}"
                       r"|-----BEGIN [A-Z ]*PRIVATE KEY|\beyJ[A-Za-z0-9_-]{10,}\.eyJ|\bAIza[0-9A-Za-z_-]{30,})"),
            re.compile(r"^[A-Za-z0-9+/_=.-]{32,}$"))


def looks_secret(value: object, keypath: str = "") -> bool:
    """Whether a value must not be echoed in a message: its key names a secret, or it looks like a token (a
    known token prefix, a private key, a JWT, or 32+ characters of mixed letters and digits with no space)."""
    secret_key, secret_value, high_entropy = _secret_patterns()
    if keypath and secret_key.search(keypath.rsplit(".", 1)[-1]):
        return True
    if not isinstance(value, str):
        return False
    if secret_value.search(value):
        return True
    return bool(high_entropy.match(value) and re.search(r"[0-9]", value) and re.search(r"[A-Z]", value)
                and re.search(r"[a-z]", value))


def shown(value: object, keypath: str = "", most: int = 60) -> str:
    """A value as a message quotes it (``repr``, cut to ``most`` characters), or, when it looks like a secret
    (``looks_secret``), a placeholder that says so without a character of it."""
    if looks_secret(value, keypath):
        size = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        return f"<a value that looks like a secret ({size}), not shown>"
    text = repr(value)
    return text if len(text) <= most else text[: most - 3] + "..."
