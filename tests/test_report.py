"""The text report: plain and whole on a pipe or in a file; wrapped to the terminal and coloured on a terminal,
with NO_COLOR, FORCE_COLOR and --color obeyed."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

import engine.cli.check as cli_check
from engine.grouping import risk_groups
from engine.report import PLAIN, TextStyle, to_text
from engine.review import Review, review
from tests.gate_helpers import SHOP, run

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def shop() -> Review:
    return review([SHOP])


def _words(text: str) -> list[str]:
    """The words, without colour and without the rules under the headers (as wide as their columns)."""
    return [w for w in ANSI.sub("", text).split() if w.strip("-")]


def test_plain_report_has_one_line_per_rule_and_cuts_nothing(shop: Review) -> None:
    text = to_text(shop, "high", PLAIN)
    assert "\x1b[" not in text and "…" not in text
    lines = text.splitlines()
    groups = risk_groups(shop.findings)
    assert any(len(g.findings) > 1 for g in groups)  # so the check below covers grouped lines too
    for g in groups:  # one line per rule, ending with the whole message of its most severe finding
        (line,) = [x for x in lines if f"  {g.rule}  " in x]
        assert line.rstrip().endswith(g.first.shown) and g.first.id in line
        if len(g.findings) > 1:  # the others are named on it, and counted
            assert f"+{len(g.findings) - 1}" in line
            assert all(f.subject.split(":", 1)[1] in line for f in g.findings[:6])
    assert max(len(f.message) for f in shop.findings if f.kind == "risk") > 150


def test_gaps_are_grouped_by_field_targeted_first(shop: Review) -> None:
    text = to_text(shop, "high", PLAIN)
    section = text[text.index("Information gaps"):text.index("Mitigations by phase")]
    rows = [ln for ln in section.splitlines()[3:] if ln.strip()]
    gaps = [f for f in shop.findings if f.kind == "gap"]
    fields = {(f.subject.split(":", 1)[0], fld) for f in gaps for fld, _r in f.missing}
    assert len(rows) == len(fields)  # one row per (kind, field), whatever the number of elements
    askers = Counter(f.subject.split(":", 1)[0] for f in gaps for fld, _r in f.missing if fld == "tls")
    assert any(n > 1 for n in askers.values())  # so that the check below covers a grouped row
    for kind, n in askers.items():  # one row per kind asked, counting its elements
        assert n == 1 or any(r.startswith("tls ") and f"{n} {kind}s: " in r for r in rows), (kind, n)
    # Targeted questions first, the system's among them last; then the checklist ones (asked of every element).
    checklist = [bool(re.search(r"  every \w+ \(\d+\)  ", r)) for r in rows]
    assert checklist == sorted(checklist)
    targeted = rows[:checklist.count(False)]
    assert targeted[-1].split()[0] in {fld for _k, fld in fields}
    assert "the design's system" in targeted[-1]


@pytest.mark.parametrize("width", [200, 140, 100, 80, 60, 40])
def test_terminal_report_fits_the_width_and_keeps_every_word(shop: Review, width: int) -> None:
    text = to_text(shop, "high", TextStyle(width=width))
    for line in text.splitlines():
        assert len(line) <= width, (width, line)
    if text.startswith("severity"):  # a table still, cells wrapped: the same words, continuations on later lines
        assert sorted(_words(text)) == sorted(_words(to_text(shop, "high", PLAIN)))
    for g in risk_groups(shop.findings):
        assert " ".join(g.first.message.split()) in " ".join(text.split())


def test_narrow_terminal_puts_the_message_under_its_finding(shop: Review) -> None:
    text = to_text(shop, "high", TextStyle(width=80))
    first = next(f for f in shop.findings if f.kind == "risk")
    lines = text.splitlines()
    i = next(n for n, x in enumerate(lines) if x.startswith(f"{first.severity.value}  {first.id}  {first.rule}"))
    assert lines[i + 1].startswith("    " + first.message.split()[0])
    assert all(len(x) <= 80 for x in lines[i:i + 4])


def test_colour_marks_severities_without_changing_the_words(shop: Review) -> None:
    text = to_text(shop, "high", TextStyle(width=200, color=True))
    assert "\x1b[1;31mcritical\x1b[0m" in text and "\x1b[31mhigh\x1b[0m" in text
    assert _words(text) == _words(to_text(shop, "high", TextStyle(width=200)))


# --- the CLI: what counts as a terminal, and the colour switches -------------------------------------------


def _check(monkeypatch: Any, tty: bool, env: dict[str, str], *args: str) -> str:
    monkeypatch.setattr(cli_check, "stdout_is_terminal", lambda: tty)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run("check", SHOP, "--fail-on", "never", "--no-config", *args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def _wrapped(text: str, width: int) -> bool:
    return all(len(ANSI.sub("", x)) <= width for x in text.splitlines() if x.strip()) and len(text.splitlines()) > 80


@pytest.mark.parametrize(
    ("tty", "env", "args", "colour", "wrapped"),
    [
        (False, {"COLUMNS": "80"}, (), False, False),
        (True, {"COLUMNS": "80"}, (), True, True),
        (True, {"COLUMNS": "80", "NO_COLOR": "1"}, (), False, True),
        (True, {"COLUMNS": "80", "NO_COLOR": ""}, (), True, True),  # empty: not set, per no-color.org
        (False, {"FORCE_COLOR": "1"}, (), True, False),
        (True, {"COLUMNS": "80", "NO_COLOR": "1"}, ("--color", "always"), True, True),
        (True, {"COLUMNS": "80", "FORCE_COLOR": "1"}, ("--color", "never"), False, True),
    ],
    ids=["pipe", "terminal", "no-color", "no-color-empty", "force-color-on-a-pipe", "flag-always", "flag-never"],
)
def test_colour_and_wrapping_follow_the_terminal_and_the_switches(
        monkeypatch: Any, tty: bool, env: dict[str, str], args: tuple[str, ...], colour: bool, wrapped: bool) -> None:
    out = _check(monkeypatch, tty, env, *args)
    assert ("\x1b[" in out) is colour
    assert _wrapped(out, 80) is wrapped
    if not tty:  # a pipe or file gets the library's plain report, whatever the terminal's size
        assert ANSI.sub("", out) == to_text(review([SHOP]), "never")


def test_a_file_output_is_plain_even_from_a_terminal(monkeypatch: Any, tmp_path: Any) -> None:
    path = os.path.join(str(tmp_path), "report.txt")
    assert _check(monkeypatch, True, {"COLUMNS": "80", "FORCE_COLOR": "1"}, "--output", f"text={path}") == ""
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == to_text(review([SHOP]), "never")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
def test_the_installed_command_wraps_and_colours_on_a_real_terminal() -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "archplan")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "72"
    leader, follower = pty.openpty()
    chunks = []
    try:
        proc = subprocess.Popen([exe, "check", SHOP, "--fail-on", "never", "--no-config"], stdout=follower,
                                stderr=subprocess.DEVNULL, env=env)
        os.close(follower)
        while True:  # read as it writes: a terminal holds only a few kilobytes
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the writer has gone
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=120)
    finally:
        os.close(leader)
    assert proc.returncode == 0
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    assert "\x1b[1;31mcritical\x1b[0m" in out
    assert _wrapped(out, 72)


_TABLE_CELLS = ["", " ", "a", " padded ", "True", "False", "1.50", "-3", "1e5", "1,000", "None", "x" * 40,
                "two words", "tab\there", "new\nline", "caf\u00e9", "\x1b[31mred\x1b[0m", "\u5bbd"]


@pytest.mark.parametrize("seed", range(40))
def test_the_direct_table_is_what_tabulate_writes(seed: int) -> None:
    import random

    from tabulate import tabulate

    from engine.report import TABLE_OPTIONS, simple_table

    rng = random.Random(seed)
    ncols = rng.randint(1, 5)
    headers = [rng.choice(["severity", "id", "a", "", "needed by"]) for _ in range(ncols)]
    rows = [[rng.choice(_TABLE_CELLS[:13] if seed % 3 else _TABLE_CELLS) for _ in range(ncols)]
            for _ in range(rng.randint(0, 6))]
    direct = simple_table(rows, headers)
    expected = tabulate(rows, headers=headers, **TABLE_OPTIONS)
    if seed % 3:  # one-line printable ASCII: written directly, as tabulate writes it
        assert direct == expected if rows else direct is None
    else:  # anything else is left to tabulate
        assert direct is None or direct == expected


def test_the_direct_table_writes_percent_signs_and_empty_last_cells_as_tabulate() -> None:
    """Each line is one format of its columns: a cell's own ``%`` is text, and a line whose last cells are empty
    is cut after its last text, as tabulate's is."""
    from tabulate import tabulate

    from engine.report import TABLE_OPTIONS, simple_table

    headers = ["phase", "mitigation %s", "risks"]
    rows = [["1 %d", "rate-limit 100%", "%(n)s"], ["2", "", ""], ["%", "50%% off", ""], ["", "", ""]]
    direct = simple_table(rows, headers)
    assert direct is not None
    assert direct == tabulate(rows, headers=headers, **TABLE_OPTIONS)
    assert "rate-limit 100%" in direct and "%(n)s" in direct


def test_the_direct_table_writes_the_large_reports_tables(shop: Review) -> None:
    from tabulate import tabulate

    from engine.report import TABLE_OPTIONS, simple_table

    rows = [[f"{m.phase}", m.title, str(len(m.findings))] for m in shop.mitigations]
    assert rows
    assert simple_table(rows, ["phase", "mitigation", "risks"]) == tabulate(
        rows, headers=["phase", "mitigation", "risks"], **TABLE_OPTIONS)
