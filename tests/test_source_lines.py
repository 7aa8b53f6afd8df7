"""The line reader (``engine.source._LineReader``): block-style YAML read from its lines gives exactly what the
event reader gives (values, their types, every key's and item's position), and anything outside its subset is
left to the event reader (``_Slow``), which reads it or names its problem as before."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import yaml

from engine import source
from engine.errors import InputError
from engine.source import DEFAULT_LIMITS, Limits, parse

BLOCK = """\
# yaml-language-server: $schema=design.schema.json
source: api
endpoints:
# a comment at the margin
- method: GET
  path: /v1/res0
  served_by: svc-00000
  routes_to: []
  tags: {}
  rps: 120
  ratio: 0.5
  public: true
  legacy: no
  note: ~
  quoted: 'yes'
  double: "a: b #c"
  empty: ''
  url: http://x/y?a=b
  negative: -1
  hex: 0x1F
  date: 2026-12-05
  retry:
    attempts: 3
      # an indented comment
    methods:
    - GET
    - POST
  consumers:
  - service: a
    group:
  - b
  nothing:
-   method: POST
    path: /v1/res1
interactions:
  - from: a
    to: b
    true: 1
    off: 2

  - from: b
    to: c
security:
  compliance:
  - pci
"""


def _typed(v: Any) -> Any:
    if isinstance(v, dict):
        return ("d", [(k, _typed(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("l", [_typed(x) for x in v])
    return (type(v).__name__, repr(v))


def _both(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, Any]:
    """What the line reader gives (None: it leaves the text), and what the event reader gives (None: it leaves it)."""
    try:
        lines: Any = source._LineReader("f.yaml", limits, {}).documents(text)
    except source._Slow:
        lines = None
    try:
        events: Any = source._EventReader("f.yaml", limits, False).documents(text)
    except (source._Slow, yaml.YAMLError):
        events = None
    return lines, events


def _same(a: source.Document, b: source.Document) -> bool:
    pa, pb = a.positions, b.positions
    assert isinstance(pa, source.Positions) and isinstance(pb, source.Positions)
    return _typed(a.data) == _typed(b.data) and pa.root == pb.root and pa.under == pb.under


def test_block_style_yaml_is_read_from_its_lines_as_the_event_reader_reads_it() -> None:
    lines, events = _both(BLOCK)
    assert lines is not None, "the line reader left a text of its subset"
    assert events is not None and len(lines) == len(events) == 1
    assert _same(lines[0], events[0])
    data = lines[0].data
    assert data["endpoints"][0]["retry"] == {"attempts": 3, "methods": ["GET", "POST"]}
    assert data["endpoints"][0]["consumers"] == [{"service": "a", "group": None}, "b"]
    assert data["interactions"][0]["true"] == 1 and data["endpoints"][0]["legacy"] is False
    assert lines[0].positions.get(("endpoints", 1, "path")) == (34, 5)


@pytest.mark.parametrize("text", [
    pytest.param("a: {b: 1}\n", id="flow-mapping"),
    pytest.param("a: [1, 2]\n", id="flow-list"),
    pytest.param("a: &x 1\nb: *x\n", id="anchor-alias"),
    pytest.param("a: !!str 1\n", id="tag"),
    pytest.param("a: one\n  two\n", id="continued-value"),
    pytest.param("a: |\n  text\n", id="block-scalar"),
    pytest.param("a:\tb\n", id="tab"),
    pytest.param("a: caf\u00e9\n", id="non-ascii"),
    pytest.param("a: 1\na: 2\n", id="repeated-key"),
    pytest.param("a: b: c\n", id="value-with-colon-space"),
    pytest.param("a: b # c\n", id="trailing-comment"),
    pytest.param("- \n- a\n", id="dash-alone"),
    pytest.param("---\na: 1\n", id="document-marker"),
    pytest.param("a: 1\n...\n", id="document-end"),
    pytest.param("a: 1\n--- b\n", id="second-document"),
    pytest.param("a: 1\n b: 2\n", id="deeper-without-key"),
    pytest.param("a:\n    b: 1\n  c: 2\n", id="between-columns"),
    pytest.param("just text\n", id="root-scalar"),
    pytest.param("", id="empty"),
    pytest.param("# only a comment\n", id="only-comment"),
    pytest.param("a: 'it''s'\n", id="escaped-quote"),
    pytest.param('a: "\\e"\n', id="escape"),
    pytest.param("<<: {a: 1}\n", id="merge-key"),
    pytest.param("a: =\n", id="value-key"),
    pytest.param("- - a\n", id="nested-dash"),
    pytest.param("a:\n- x\n  b: 1\n", id="key-inside-list"),
    pytest.param("'a': 1\n", id="quoted-key"),
    pytest.param("a: 1\r\n", id="carriage-return"),
])
def test_yaml_outside_the_subset_is_left_to_the_event_reader(text: str) -> None:
    with pytest.raises(source._Slow):
        source._LineReader("f.yaml", DEFAULT_LIMITS, {}).documents(text)


def test_bounds_leave_the_text_to_the_general_reader_which_names_them() -> None:
    deep = "".join(f"{'  ' * i}k:\n" for i in range(70)) + f"{'  ' * 70}k: 1\n"
    with pytest.raises(source._Slow):
        source._LineReader("f.yaml", DEFAULT_LIMITS, {}).documents(deep)
    with pytest.raises(InputError, match="nesting deeper than 64 levels"):
        parse(deep, "f.yaml")
    long = f"a: {'x' * 101}\n"
    with pytest.raises(InputError, match="over the 100 limit"):
        parse(long, "f.yaml", Limits(max_string=100))
    many = "".join(f"- {i}\n" for i in range(50))
    with pytest.raises(InputError, match="more than 40 values in one file"):
        parse(many, "f.yaml", Limits(max_nodes=40))


def test_lines_are_split_in_chunks_without_losing_one() -> None:
    text = "".join(f"k{i}: {'v' * (i % 7)}\n\n" for i in range(30_000))
    assert [tuple(p) for p in source._lines(text)] == [
        tuple(g or "" for g in source._LINE.match(line).groups()) for line in text.split("\n")]  # type: ignore[union-attr]
    doc = parse(text, "f.yaml")
    assert doc.positions.get(("k29999",)) == (59_999, 1)


_GREEDY_LINE = r"^( *)(- +)?(?:([A-Za-z_][\w./-]*):(?: +|$))?([ -~]*)(.*)$"
"""``source._LINE`` as first written: greedy repetitions, the key's characters ``\\w``."""


@pytest.mark.parametrize("seed", range(3))
def test_the_possessive_line_pattern_splits_ascii_lines_as_the_greedy_one(seed: int) -> None:
    rnd = random.Random(seed)
    parts = [" ", "  ", "- ", "-  ", "-", "a", "k_1", "x.y/z-w", ":", ": ", "  :", "#", "'", '"', "v", "\t", "\r", "~",
             "\x7f", "[", "{}", "a:b", "http://h:1/p"]
    lines = ["".join(rnd.choice(parts) for _ in range(rnd.randint(0, 8))) for _ in range(3_000)]
    text = "\n".join(lines)
    assert source._LINE.findall(text) == re.findall(_GREEDY_LINE, text, re.MULTILINE)


_WORDS = ["a", "svc-1", "true", "yes", "No", "null", "~", "", "1", "-1", "0x1F", "1_000", "1.5", ".inf",
          "2026-12-05", "x y", "a:b", "http://x/y", "-x", "on", "=", "<<", "12:30", "1e3", "+1", "it's", 'q"t', "[]",
          "{}", "k: v", "C#"]
_KEYS = ["a", "b", "name", "true", "on", "x.y", "a-b", "null", "_k", "NO", "served_by"]


def _value(rnd: random.Random, depth: int) -> Any:
    r = rnd.random()
    if depth > 3 or r < 0.5:
        return rnd.choice([*_WORDS, rnd.randint(-5, 100_000), True, None, 1.5, " lead", "trail "])
    if r < 0.75:
        return {rnd.choice(_KEYS) + str(rnd.randint(0, 3)): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}
    return [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


def _mutated(rnd: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rnd.randint(0, 3)):
        i = rnd.randrange(len(lines))
        op = rnd.randrange(6)
        if op == 0:
            lines[i] = " " + lines[i]
        elif op == 1:
            lines[i] = lines[i][1:]
        elif op == 2 and lines[i]:
            p = rnd.randrange(len(lines[i]))
            lines[i] = lines[i][:p] + rnd.choice(": -#'\"[]{}&*!|>%?,") + lines[i][p:]
        elif op == 3:
            lines.insert(i, " " * rnd.randint(0, 6) + rnd.choice(["#", "# - a", "#x: y", ""]))
        elif op == 4:
            lines[i] += rnd.choice([" ", ":", " x", " #c"])
        else:
            lines[i] = lines[i].replace("- ", "-  ", 1)
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_what_the_line_reader_accepts_the_event_reader_reads_alike(seed: int) -> None:
    """Random block-style documents, written by ``yaml.safe_dump`` and then damaged: each one the line reader
    accepts, the event reader reads to the same values and positions (and none it refuses)."""
    rnd = random.Random(seed)
    accepted = 0
    for _ in range(400):
        root = {rnd.choice(_KEYS): _value(rnd, 1) for _ in range(rnd.randint(1, 5))}
        text = yaml.safe_dump(root, default_flow_style=False, indent=rnd.choice([2, 4]), sort_keys=False)
        if rnd.random() < 0.5:
            text = _mutated(rnd, text)
        lines, events = _both(text)
        if lines is None:
            continue
        accepted += 1
        assert events is not None, text
        assert _same(lines[0], events[0]), text
    assert accepted > 50


def test_the_common_plain_values_read_without_pyyaml_are_pyyamls() -> None:
    """``_common_plain`` decides a plain scalar without PyYAML only where PyYAML's default table and safe constructor
    give that same value and type; it leaves every other text to them (``_NO_KEY``). Texts of every first character
    (ASCII, Latin-1 and beyond) and of every implicit type, and the table's first characters themselves."""
    resolver = yaml.resolver.Resolver()
    assert set(resolver.yaml_implicit_resolvers) == {*source._DEFAULT_FIRST, ""}
    constructor = yaml.constructor.SafeConstructor()
    rests = ("", "1", "0", "rue", "ull", "es", "ff", "n", "N", "x-1", "2024-01-02", ".5", "o", "_1", ":30", "e3",
             "0.999", ".", "1.", "1.5e3", "x1")
    words = ["yes", "Yes", "YES", "no", "NO", "true", "True", "TRUE", "false", "FALSE", "on", "On", "off", "OFF",
             "null", "Null", "NULL", "nULL", "tRUE", "~", "", "y", "n", "<<", "=", "0", "00", "012", "0x1F", "0o17",
             "1_000", "190:20:30", "-1", "+1", "1.5", "0.9999", "10.25", "1e3", ".inf", ".NaN", "2001-12-14", "١٢"]
    texts = [*words, *(chr(c) + rest for c in [*range(0x21, 0x7F), 0xA0, 0xE9, 0x3B1, 0x4E2D, 0x661] for rest in rests)]
    decided = 0
    for text in texts:
        mine = source._common_plain(text)
        if mine is source._NO_KEY:
            continue
        decided += 1
        tag = resolver.resolve(yaml.ScalarNode, text, (True, False))
        theirs = constructor.yaml_constructors[tag](constructor, yaml.ScalarNode(tag, text))
        assert (type(mine), mine) == (type(theirs), theirs), text
    assert decided > len(texts) // 2
    assert source._common_plain("012") is source._NO_KEY and source._common_plain("1_000") is source._NO_KEY
