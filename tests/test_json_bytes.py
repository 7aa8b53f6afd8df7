"""The JSON reports' bytes path: orjson's UTF-8 bytes are neutralised as bytes (``engine.neutral.json_bytes``) and
written as they are, to a file and to stdout, giving the bytes the text path gives (decode, ``json_text``, encode).

Each unsafe character class (``##[``, DEL, C1, bidi) is put next to non-ASCII text whose UTF-8 shares a lead byte
with it (``\\xa0`` after ``\\xc2``, U+2028 and the arrow after ``\\xe2``, U+0600 after ``\\xd8``), where a bytes
search that looked at lead bytes only, or at the wrong continuation bytes, would go wrong. Load refuses these
characters in design text, so the command-line tests inject them into the report data the writers encode.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import neutral
from engine.gate.output import write_all, write_stdout
from tests.gate_helpers import SHOP, run

UNSAFE = {
    "actions": "see ##[error]forged and ###[x] ##[",
    "del": "a\x7fb",
    "c1": "x\x80y\x85z\x9b31m\x9f",
    "bidi": "pay\u202eemnts \u2066a\u2069 \u061c \u200e\u200f \u202a\u202b\u202c\u202d \u2067\u2068",
}
NEIGHBOURS = "caf\u00e9 \u2192 \u2014 \u00a0\u00bf \u2028\u2070\u20ac \u0600\u06ff \U0001f600 \\ \" #[ #"
"""Non-ASCII text that shares lead bytes with the unsafe characters but is safe (and stays raw)."""
RAW_UNSAFE = (b"##[", b"\x7f", *(chr(c).encode() for c in range(0x80, 0xA0)), *(ch.encode() for ch in neutral.BIDI))


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def text_path(data: bytes) -> bytes:
    """What the reports were before the bytes path: decoded, neutralised as text, encoded."""
    return neutral.json_text(data.decode()).encode()


@pytest.mark.parametrize("cls", sorted(UNSAFE))
def test_each_unsafe_class_is_escaped_as_the_text_path_escapes_it(cls: str) -> None:
    doc = canonical({"a": UNSAFE[cls] + NEIGHBOURS, "b": [NEIGHBOURS, UNSAFE[cls]]}).encode()
    out = neutral.json_bytes(doc)
    assert out == text_path(doc)
    assert not any(seq in out for seq in RAW_UNSAFE)
    assert NEIGHBOURS.split(" \\", maxsplit=1)[0].encode() in out  # the safe non-ASCII text is left raw
    assert json.loads(out) == json.loads(doc)


def test_a_safe_document_is_returned_as_it_is() -> None:
    for doc in (canonical({"a": "plain ascii # [ ## [x]"}).encode(), canonical({"a": NEIGHBOURS * 3}).encode()):
        assert neutral.json_bytes(doc) is doc


def test_past_the_lead_byte_hops_the_expression_finds_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many safe lead bytes before the unsafe one: after _LEAD_HOPS of them the search goes on by expression.
    monkeypatch.setattr(neutral, "_LEAD_HOPS", 2)
    for cls in sorted(UNSAFE):
        doc = canonical({"a": NEIGHBOURS * 4 + "#" * 5 + UNSAFE[cls]}).encode()
        assert neutral.json_bytes(doc) == text_path(doc)
        safe = canonical({"a": NEIGHBOURS * 4 + "#" * 5}).encode()
        assert neutral.json_bytes(safe) is safe


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted({*"".join(UNSAFE.values()), *NEIGHBOURS, "a", "\u2029", "\u202f"})),
               max_size=40))
def test_any_mix_gives_the_text_paths_bytes(text: str) -> None:
    doc = canonical({"k": text}).encode()
    assert neutral.json_bytes(doc) == text_path(doc)


@pytest.mark.parametrize("fmt", ["json", "sarif", "gh-issues", "junit", "text", "markdown", "github"])
def test_for_format_gives_bytes_for_bytes(fmt: str) -> None:
    text = canonical({"a": UNSAFE["bidi"] + NEIGHBOURS + "\n::error::x " + UNSAFE["actions"]})
    assert neutral.for_format(text.encode(), fmt) == neutral.for_format(text, fmt).encode()


def test_write_all_writes_bytes_as_they_are_beside_text(tmp_path: Any) -> None:
    data = neutral.json_bytes(canonical({"a": NEIGHBOURS}).encode())
    first, second = os.path.join(str(tmp_path), "a.json"), os.path.join(str(tmp_path), "sub", "b.md")
    write_all([(first, data), (second, "text \u2192\n")])
    with open(first, "rb") as fh:
        assert fh.read() == data
    with open(second, "rb") as fh:
        assert fh.read() == "text \u2192\n".encode()
    assert sorted(os.listdir(str(tmp_path))) == ["a.json", "sub"]  # no temporary file left


def test_write_stdout_writes_bytes_to_a_descriptor_and_text_to_a_stream(tmp_path: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = neutral.json_bytes(canonical({"a": UNSAFE["c1"] + NEIGHBOURS}).encode())
    path = os.path.join(str(tmp_path), "out")
    with open(path, "w", encoding="utf-8") as fh:
        monkeypatch.setattr(sys, "stdout", fh)
        write_stdout(data)
    with open(path, "rb") as fh:
        assert fh.read() == data
    stream = io.StringIO()  # no file descriptor: a test runner's stream takes text
    monkeypatch.setattr(sys, "stdout", stream)
    write_stdout(data)
    assert stream.getvalue() == data.decode()


def _injected() -> dict[str, str]:
    return {cls: text + NEIGHBOURS for cls, text in UNSAFE.items()}


def _inject(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Make ``owner.name`` (what a writer encodes) add the unsafe texts to its data; the list gets each data made."""
    made: list[Any] = []
    real = getattr(owner, name)

    def injected(value: Any) -> Any:
        made.append({**real(value), "injected": _injected()})
        return made[-1]

    monkeypatch.setattr(owner, name, injected)
    return made


def _written(tmp_path: Any, to_file: bool, *args: str) -> bytes:
    """What the command writes: to ``-o FILE``, or to stdout."""
    path = os.path.join(str(tmp_path), "out.json")
    result = run(*args, *(["-o", path] if to_file else []))
    assert result.exit_code == 0, result.output
    if not to_file:
        return result.stdout_bytes
    with open(path, "rb") as fh:
        return fh.read()


def _neutralised(out: bytes) -> None:
    # The document read back, written canonically and neutralised as text, gives these bytes (what the text path
    # gave); no unsafe sequence is left raw, and the JSON means the unsafe texts still.
    assert out == neutral.json_text(canonical(json.loads(out))).encode()
    assert not any(seq in out for seq in RAW_UNSAFE)
    assert json.loads(out)["injected"] == _injected()


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("to_file", [True, False], ids=["file", "stdout"])
def test_check_writes_the_injected_report_neutralised(fmt: str, to_file: bool, tmp_path: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.gate.sarif
    import engine.gate.text

    made = _inject(monkeypatch, *((engine.gate.text, "to_json_report") if fmt == "json"
                                  else (engine.gate.sarif, "to_sarif_data")))
    out = _written(tmp_path, to_file, "check", SHOP, "--format", fmt, "--fail-on", "never")
    assert len(made) == 1 and out == neutral.json_text(canonical(made[0])).encode()
    _neutralised(out)


@pytest.mark.parametrize("to_file", [True, False], ids=["file", "stdout"])
def test_plan_writes_the_injected_json_plan_neutralised(to_file: bool, tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.plan.model import Plan

    made = _inject(monkeypatch, Plan, "json_view")  # its items are dataclasses, which json cannot write
    out = _written(tmp_path, to_file, "plan", SHOP, "--format", "json")
    assert len(made) == 1
    _neutralised(out)
