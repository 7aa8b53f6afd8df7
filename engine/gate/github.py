"""GitHub Actions workflow commands: one annotation per finding, plus a Markdown step summary.

``::error file=F,line=L,col=C,title=T::message`` for findings that fail the gate, ``::warning`` for the
others at medium or above and ``::notice`` for low ones; waived and baselined findings get no annotation.
Values are escaped as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in properties too).
The step summary is the same Markdown as ``--format markdown``; the CLI appends it to
``$GITHUB_STEP_SUMMARY`` when that is set.
"""

from __future__ import annotations

from engine.gate.common import logical_path, one_line, rel_uri_path
from engine.gate.core import Gate
from engine.model import Severity


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, file: str = "", line: int = 0, col: int = 0, title: str = "") -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={line}")
    if col:
        props.append(f"col={col}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def to_github(gate: Gate) -> str:
    """The annotation lines."""
    lines = []
    if not gate.enforcing:
        lines.append(_command("warning", "archplan gate is not enforcing (--exit-zero): the exit code is 0 whatever "
                                         "is found", title="archplan: not enforcing"))
    for item in gate.items:
        if item.status != "active":
            continue
        f = item.finding
        kind = "error" if item.failing else "warning" if f.severity.rank >= Severity.MEDIUM.rank else "notice"
        lines.append(_command(kind, f"{logical_path(f)}: {one_line(f.message)} (archplan explain DESIGN {f.id})",
                              rel_uri_path(f.location.file), f.location.line, f.location.column,
                              f"{f.severity.value}: {f.title} [{f.rule}]"))
    for w in gate.expired:
        lines.append(_command("error", f"{w.describe()} expired on {w.expires.isoformat()} (owner {w.owner}); "
                                       "renew or remove it", rel_uri_path(w.location.file), w.location.line,
                              w.location.column, "archplan: expired waiver"))
    for w, hint in gate.unused:
        lines.append(_command("error" if gate.options.fail_on_unused_waivers else "warning",
                              f"unused {w.describe()}: it matches no finding" + (f" ({hint})" if hint else ""),
                              rel_uri_path(w.location.file), w.location.line, w.location.column,
                              "archplan: unused waiver"))
    lines.append(gate.status_line())
    return "\n".join(lines) + "\n"
