"""engine.neutral: text from an input never becomes a control sequence in any output.

The catalogue (tests/hostile/output) holds the attacks as written; here, the functions one by one, then a
property: random Unicode in every free-text field of a design and its waivers never gives a line starting
with ``::``, a ``##[``, an escape, a control or a bidi character in any format, nor raw HTML, an image, a link
or a mention in Markdown.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any

import msgspec
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import neutral
from engine.cli.main import main
from engine.errors import InputError, looks_secret, shown
from engine.source import DEFAULT_LIMITS, parse
from tests.test_hostile import HOSTILE, injection_problems

PACK = os.path.join(HOSTILE, "rules", "pack")


@pytest.mark.parametrize(("text", "expected"), [
    ("a\nb", "a\\nb"),
    ("\x1b]52;c;QQ==\x07", "\\x1b]52;c;QQ==\\x07"),
    ("pay\u202eemnts", "pay\\u202eemnts"),
    ("::error::x", ":\\:error::x"),
    ("  ::add-mask::x", "  :\\:add-mask::x"),
    ("see ##[error]x", "see ##\\[error]x"),
    ("plain: text :: here", "plain: text :: here"),
], ids=["newline", "osc52", "bidi", "command", "indented-command", "v1-command", "harmless-colons"])
def test_line_escapes_what_would_act(text: str, expected: str) -> None:
    assert neutral.line(text) == expected


def test_channel_keeps_own_colours_only_when_asked() -> None:
    text = "\x1b[31mhigh\x1b[0m \x1b]0;title\x07 ok\n::error::x"
    assert neutral.channel(text) == "[31mhigh[0m ]0;title ok\n:\\:error::x"
    assert neutral.channel(text, colour=True) == "\x1b[31mhigh\x1b[0m ]0;title ok\n:\\:error::x"
    assert neutral.channel("::error::x ##[y", commands=True) == "::error::x ##\\[y"


def test_json_and_xml_stay_valid_and_mean_the_same() -> None:
    data = {"a": "##[error] \u202e \x85 x"}
    text = neutral.json_text(json.dumps(data, ensure_ascii=False))
    assert "##[" not in text and "\u202e" not in text and json.loads(text) == data
    doc = neutral.xml_text('<r a="##[x \u202e">\n::error::y</r>')
    assert "##[" not in doc and "\u202e" not in doc
    root = ET.fromstring(doc)
    assert root.get("a") == "##[x \u202e" and root.text == "\n::error::y"


def test_markdown_makes_images_links_mentions_and_html_inert() -> None:
    out = neutral.markdown("![x](https://e.example/p.png) [a](b) <img src=x> @octocat www.e.example a|b `c`")
    assert injection_problems(out, "markdown") == []
    assert "|" not in out.replace("\\|", "")


def _markdown_in_full(text: str) -> str:
    """``neutral.markdown`` without its shortcut for plain ASCII texts."""
    text = neutral.line(" ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = neutral._MD_SPECIAL().sub(r"\\\1", text)
    text = neutral._MD_AUTOLINK().sub(lambda m: m.group(1)[:-1] + neutral._ZWSP + m.group(1)[-1], text)
    return text.replace("@", "@" + neutral._ZWSP)


@pytest.mark.parametrize("text", ["plain words", "a -> b & c <= d @team", " lead", "trail ", "two  spaces",
                                  "tab\there", "see ##[x", "::cmd", "a::b", "http://x", "WWW.x", "!", "a]b", "x\\y",
                                  "", "\x7f", "caf\u00e9 @x", "a\u00a0b"],
                         ids=repr)
def test_markdown_shortcut_gives_what_the_full_escaping_does(text: str) -> None:
    assert neutral.markdown(text) == _markdown_in_full(text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab :/.wW#[]!(@&<>|`\\\t\n\r\x0b\x1c\x7f\x85\xa0\u2028\u202e-")),
               max_size=16))
def test_markdown_shortcut_agrees_on_random_text(text: str) -> None:
    assert neutral.markdown(text) == _markdown_in_full(text)


def test_a_fence_cannot_be_closed_by_its_content() -> None:
    block = neutral.fence("a\n```\n<img src=x>\n````", "mermaid")
    assert block.startswith("`````mermaid\n") and block.endswith("\n`````")


def test_prose_keeps_code_spans_and_turns_tags_to_text() -> None:
    assert neutral.prose("use `a<b` not <script>x</script>") == "use `a<b` not &lt;script>x&lt;/script>"


@pytest.mark.parametrize("value", ["ghp_" + "A1b2C3d4" * 5, "AKIAIOSFODNN7EXAMPLE", "xoxb-1234567890-abcdefghij",
                                   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x", "Zx9Qm2Lr8Tk4Wv7Yp3Nb6Hc1Jd5Fg0Sa"])
def test_secret_looking_values_are_never_shown(value: str) -> None:
    assert looks_secret(value)
    assert value[:8] not in shown(value)


def test_ordinary_values_are_shown_and_secret_keys_hide_any_value() -> None:
    assert shown("checkout-service") == "'checkout-service'"
    assert looks_secret("hunter2", "database.password") and "hunter2" not in shown("hunter2", "password")


def test_a_large_plain_file_is_not_called_an_alias_bomb() -> None:
    limits = msgspec.structs.replace(DEFAULT_LIMITS, max_nodes=50)
    with pytest.raises(InputError) as plain:
        parse("services: [" + ",".join(["1"] * 60) + "]\n", "plain.yaml", limits)
    assert "values in one file" in str(plain.value) and "alias" not in str(plain.value)
    with pytest.raises(InputError) as bomb:
        parse("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a, *a, *a]\n", "bomb.yaml", limits)
    assert "alias bomb" in str(bomb.value)


# --- the property ---------------------------------------------------------------------------------------------

_ATTACKS = st.sampled_from(["::", "::error file=x::y", "##[", "\n", "\r", "\x1b", "\x1b]52;c;QQ==\x07", "\x07",
                            "\u202e", "\u2066", "\x9b", "<img src=x>", "<script>", "@octocat", "![a](http://x)",
                            "[l](u)", "`", "```", "|", "https://e.example", "www.e.example", "%0A", "\\"])
FREE_TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), _ATTACKS), max_size=12).map("".join)
"""Anything: most of it is refused at load (controls, bidi), and the refusal itself must be neutral."""
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_PRINTABLE_ATTACKS = _ATTACKS.filter(lambda a: not any(c in a for c in "\r\x1b\x07\x9b" + _BIDI))
PRINTABLE = st.lists(st.one_of(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=_BIDI),
                               _PRINTABLE_ATTACKS), max_size=12).map("".join)
"""What the load policy accepts (newlines included): it must reach every output, neutralised."""
ONE_LINE = PRINTABLE.map(lambda t: " ".join(t.split()) or "x")


def _design(description: str, ticket: str, reason: str, waiver_owner: str) -> dict[str, Any]:
    return {
        "source": "infrastructure",
        "system": {"description": description},
        "services": [{"name": "checkout", "replicas": 1, "exposure": "public", "owner": "team-a"}],
        "waivers": [{"rule": "public-service", "subject": "service:checkout", "reason": reason,
                     "owner": waiver_owner, "expires": "2026-09-30", "ticket": ticket}],
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=FREE_TEXT, ticket=FREE_TEXT, reason=FREE_TEXT, waiver_owner=FREE_TEXT)
def test_random_free_text_never_acts_on_any_output(tmp_path: Any, description: str, ticket: str, reason: str,
                                                   waiver_owner: str) -> None:
    _check_every_output(tmp_path, description, ticket, reason, waiver_owner, accepted=False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=PRINTABLE, ticket=ONE_LINE, reason=PRINTABLE, waiver_owner=ONE_LINE)
def test_accepted_free_text_reaches_every_output_neutralised(tmp_path: Any, description: str, ticket: str,
                                                             reason: str, waiver_owner: str) -> None:
    _check_every_output(tmp_path, description, ticket, reason, waiver_owner, accepted=True)


def _check_every_output(tmp_path: Any, description: str, ticket: str, reason: str, waiver_owner: str,
                        accepted: bool) -> None:
    run = os.path.join(str(tmp_path), f"run{abs(hash((description, ticket, reason, waiver_owner)))}")
    os.makedirs(run, exist_ok=True)
    path = os.path.join(run, "design.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(yaml.safe_dump(_design(description, ticket, reason, waiver_owner), allow_unicode=False))
    outputs = {f: os.path.join(run, f"report.{f}") for f in ("text", "markdown", "json", "sarif", "junit")}
    args = ["check", path, "--no-builtin", "--rules", PACK, "--today", "2026-06-15", "--format", "github",
            "--fail-on", "never", *(x for f, p in outputs.items() for x in ("-o", f"{f}={p}"))]
    result = CliRunner().invoke(main, args, env={"GITHUB_STEP_SUMMARY": os.path.join(run, "summary.md")})
    assert result.exit_code in ((0,) if accepted and reason.strip() and ticket.strip() else (0, 2)), result.output
    assert not injection_problems(result.stderr, "text"), result.stderr
    assert not injection_problems(result.stdout, "github"), result.stdout
    if result.exit_code == 2:  # refused at load (a control or bidi character): one located line, neutral
        assert "Traceback" not in result.output
        return
    for fmt, out in [*outputs.items(), ("markdown", os.path.join(run, "summary.md"))]:
        with open(out, encoding="utf-8") as fh:
            text = fh.read()
        assert not injection_problems(text, "markdown" if fmt == "markdown" else "text"), (fmt, text)
        if fmt in ("json", "sarif"):
            json.loads(text)
        if fmt == "junit":
            ET.fromstring(text)
    plan = CliRunner().invoke(main, ["plan", path, "--no-builtin", "--rules", PACK, "--format", "markdown"])
    assert plan.exit_code == 0, plan.output
    assert not injection_problems(plan.stdout, "markdown"), plan.stdout


def test_the_ascii_expressions_match_what_the_full_ones_match_in_an_ascii_text() -> None:
    """``forbidden_char``, ``line`` and ``channel`` read an ASCII text with the ASCII part of their classes (compiled at
    import); the full classes (the bidi controls past Latin-1) are compiled when a non-ASCII text first comes."""
    for code in range(128):
        ch = chr(code)
        assert bool(neutral._FORBIDDEN_ASCII.match(ch)) == bool(neutral._FORBIDDEN().match(ch)), repr(ch)
        assert bool(neutral._LINE_UNSAFE_ASCII.match(ch)) == bool(neutral._LINE_UNSAFE().match(ch)), repr(ch)
    assert neutral.forbidden_char("ok\x1b") == 2 and neutral.forbidden_char("ok\u202e") == 2
    assert neutral.forbidden_char("é\x85") == 1 and neutral.forbidden_char("plain\ttext\n") == -1
    assert neutral.line("a\tb\x7f") == "a\\tb\\x7f" and neutral.line("é\u2066") == "é\\u2066"
    assert neutral.channel("a\x1b[31mb\x07") == "a[31mb" and neutral.channel("é\u202eb") == "éb"


def test_a_text_check_compiles_no_expression_it_does_not_use() -> None:
    """A text check of ASCII YAML files compiles none of the expressions for Markdown, JSON or colours, nor the line
    policy's for non-ASCII text: only ``_FORBIDDEN``, for the report itself (``channel``), whose text is not ASCII."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = ("from engine.cli.main import main\ntry:\n    main(['check', 'facts/shop', '--format', 'text'])\n"
             "except SystemExit:\n    pass\nfrom engine import neutral\n"
             "print('compiled', sorted(n for n, v in vars(neutral).items()\n"
             "      if isinstance(v, neutral._Later) and v.compiled is not None))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    compiled = next(line for line in done.stdout.splitlines() if line.startswith("compiled "))
    assert compiled in ("compiled []", "compiled ['_FORBIDDEN']")
