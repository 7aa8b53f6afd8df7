"""Output neutralisation: text that came from an input never becomes a control sequence in any channel.

A pull request controls the design files, waivers, ``archplan.toml``, rule packs and imported artifacts.
archplan's output goes to GitHub Actions logs (which act on workflow commands), to terminals (which act on
ANSI and OSC escapes, and reorder text around bidi controls), to Markdown PR comments (which render images,
links and @mentions) and to Mermaid fences. Every renderer passes input text through one of these functions,
and every line-oriented channel (the text reports, ``--format github``, stderr) goes through
:func:`channel` as a whole before it is written, so a forgotten field cannot reopen the hole.

The policy, per context:

- single line (:func:`line`): CR, LF and every other C0/C1 control, DEL and the bidi controls are written as
  visible escapes (``\\n``, ``\\x1b``, ``\\u202e``);
- GitHub Actions: the runner acts on a line whose trimmed text starts with ``::`` and on ``##[`` anywhere in a
  line; :func:`channel` writes such a line's leading ``::`` as ``:\\:`` and every ``##[`` as ``##\\[``;
- terminals: :func:`channel` drops ESC (and with it every ANSI/OSC sequence it would start), BEL, the other
  controls and the bidi controls, keeping only newlines, tabs and, when the report is coloured, archplan's
  own colour codes;
- Markdown (:func:`markdown`): HTML and Markdown punctuation escaped, ``@`` and URL schemes broken with a
  zero-width space, so that no image, link, mention or tag is formed;
- fences (:func:`fence`): the fence is longer than any run of backticks in its content.

Inputs also get a character policy at load (``engine.source``): C0/C1 controls other than tab and newline,
and the bidi controls, are refused with a located error. This layer is the second line of defence, for
text that reaches an output by another way (file names, messages assembled from several fields).
"""

from __future__ import annotations

import re
from typing import AnyStr, Generic, overload


class _Later(Generic[AnyStr]):
    """A regular expression compiled when first used: a check of YAML files, whose text is ASCII, uses few of this
    module's expressions, and compiling a class with characters past Latin-1 (the bidi controls) takes 0.45 ms
    (a table of 65,536 characters made and cut into blocks). Compiling them all at import cost 11.7 M
    instructions of a warm check's 1,050 M."""

    __slots__ = ("compiled", "flags", "pattern")

    def __init__(self, pattern: AnyStr, flags: int = 0) -> None:
        self.pattern: AnyStr = pattern
        self.flags = flags
        self.compiled: re.Pattern[AnyStr] | None = None

    def __call__(self) -> re.Pattern[AnyStr]:
        if self.compiled is None:
            self.compiled = re.compile(self.pattern, self.flags)
        return self.compiled

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Unicode bidirectional controls: they reorder what a terminal or a browser shows (CVE-2021-42574)."""

_CONTROL_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI))
_FORBIDDEN = _Later(f"[{_CONTROL_CLASS}]")
"""Characters refused in input text and never written raw: controls except tab and newline, and bidi."""
_FORBIDDEN_ASCII = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
"""``_FORBIDDEN`` in an ASCII text (``str.isascii``, which Python knows at no cost): compiled at import (40 us)."""
_LINE_UNSAFE = _Later(f"[\t\n{_CONTROL_CLASS}]")
_LINE_UNSAFE_ASCII = re.compile("[\x00-\x1f\x7f]")
"""``_LINE_UNSAFE`` in an ASCII text."""
_SGR = _Later(r"\x1b\[[0-9;]*m")
_COMMAND_START = _Later(r"^(\s*):(?=:)", re.MULTILINE)
_ACTIONS_V1 = "##["
_ZWSP = "\u200b"
_MD_SPECIAL = _Later(r"([\\`|]|!(?=\[)|\](?=[(\[:]))")
"""Backslash, backtick and pipe; the ``!`` of an image and the ``]`` that would open a link's target."""
_MD_AUTOLINK = _Later(r"(?i)(://|www\.)")
_MD_UNUSUAL = re.compile(r"[\x00-\x1f\x7f\\`|!\]]")
"""In an ASCII text, the characters :func:`markdown` would change but ``&``, ``<``, ``>`` and ``@`` (the sequences it
changes are looked for with ``in``: an alternation in the expression tried each at every position, 2.5x slower).
Compiled at import (40 us): a plan reads it 26,000 times, each through a call if compiled later."""


def _forbidden(text: str) -> re.Pattern[str]:
    """``_FORBIDDEN``, or for an ASCII text its ASCII part (the same matches there)."""
    return _FORBIDDEN_ASCII if text.isascii() else _FORBIDDEN()


def forbidden_char(text: str) -> int:
    """The index of the first character the load policy refuses in ``text``, or -1."""
    m = _forbidden(text).search(text)
    return m.start() if m else -1


def _escape(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def line(text: str) -> str:
    """``text`` for a single-line context: line breaks, controls and bidi characters as visible escapes, and
    the Actions command markers neutralised."""
    unsafe = _LINE_UNSAFE_ASCII if text.isascii() else _LINE_UNSAFE()
    if unsafe.search(text):
        text = unsafe.sub(lambda m: _escape(m.group(0)), text)
    return actions(text)


def actions(text: str) -> str:
    """``##[`` written as ``##\\[`` and a line-leading ``::`` as ``:\\:``: the runner acts on neither."""
    if _ACTIONS_V1 in text:
        text = text.replace(_ACTIONS_V1, "##\\[")
    if "::" in text:
        text = _COMMAND_START().sub(lambda m: m.group(1) + ":\\", text)
    return text


def channel(text: str, *, commands: bool = False, colour: bool = False) -> str:
    """A whole line-oriented output (a text or Markdown report, ``--format github``, a stderr line) made safe.

    Args:
        text: The output.
        commands: The output is ``--format github``, whose own lines are workflow commands (their data is
            escaped by ``engine.gate.github``); a line-leading ``::`` is then kept, ``##[`` still neutralised.
        colour: Keep archplan's own colour codes (SGR ``ESC [ … m``); every other escape is dropped.
    """
    if colour and "\x1b" in text:
        sgr = _SGR()
        codes = sgr.findall(text)
        parts = [_strip(p) for p in sgr.split(text)]
        text = "".join(p + (codes[i] if i < len(codes) else "") for i, p in enumerate(parts))
    elif _forbidden(text).search(text):
        text = _strip(text)
    return _neutral_lines(text, commands)


def json_text(text: str) -> str:
    """A JSON document (SARIF, the JSON reports) made safe to print: ``##[``, DEL, C1 and bidi characters as
    ``\\u`` escapes (they occur only inside strings there, so the JSON means the same)."""
    if _ACTIONS_V1 in text:
        text = text.replace(_ACTIONS_V1, "##\\u005b")
    if _maybe_json_unsafe(text) and (unsafe := _JSON_UNSAFE()).search(text):
        text = unsafe.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return text


def json_bytes(data: bytes) -> bytes:
    """:func:`json_text` of a JSON document's UTF-8 bytes (orjson's, written as they are): the same bytes as
    ``json_text(data.decode()).encode()``, without decoding 69 MB (0.05-0.1 s), running the regular expression
    over it (0.08-0.3 s) and encoding it again (0.05-0.11 s).

    In UTF-8 every character the policy escapes has its own lead byte (``#``, DEL, ``\\xc2`` for C1, ``\\xd8`` for
    U+061C, ``\\xe2`` for the other bidi controls) and a lead byte is never part of another character, so
    ``_first_unsafe`` looks for each lead byte first (``find``, a memchr: 5 ms in 69 MB, where an expression or
    a ``bytes`` search for two or three bytes takes 45-80 ms); a document is scanned by the expression only
    from a lead byte on, and rewritten only when it holds an unsafe character.
    """
    leads = _JSON_UNSAFE_ASCII_LEADS if data.isascii() else _JSON_UNSAFE_LEADS
    if any(_first_unsafe(data, lead, pattern()) >= 0 for lead, pattern in leads):
        data = _JSON_UNSAFE_BYTES().sub(_json_escape_bytes, data)
    return data


_BIDI_UTF8 = sorted(ch.encode() for ch in BIDI)
_JSON_UNSAFE_BYTES = _Later(b"|".join(
    [re.escape(_ACTIONS_V1.encode()), b"\x7f", b"\xc2[\x80-\x9f]", *(re.escape(seq) for seq in _BIDI_UTF8)]))
"""What :func:`json_text` escapes, as UTF-8: ``##[``, DEL, the C1 controls (two bytes) and the bidi controls."""
_JSON_UNSAFE_LEADS = tuple((lead, _Later(pattern)) for lead, pattern in (
    (b"#", re.escape(_ACTIONS_V1.encode())), (b"\x7f", b"\x7f"), (b"\xc2", b"\xc2[\x80-\x9f]"),
    (b"\xd8", b"|".join(re.escape(s) for s in _BIDI_UTF8 if s[:1] == b"\xd8")),
    (b"\xe2", b"|".join(re.escape(s) for s in _BIDI_UTF8 if s[:1] == b"\xe2"))))
"""Each lead byte of ``_JSON_UNSAFE_BYTES``'s sequences, with the sequences it leads."""
_JSON_UNSAFE_ASCII_LEADS = _JSON_UNSAFE_LEADS[:2]
"""In an ASCII document (``bytes.isascii``: 10 ms for 69 MB), only ``##[`` and DEL can occur."""
_LEAD_HOPS = 20_000
"""Lead bytes ``_first_unsafe`` tries one by one (half a microsecond each) before it lets the expression scan the rest
(45 ms for 64 MB): a 5,000-service plan has 12,000 ``\\xe2`` (its arrows) and 1,300 ``#``."""


def _first_unsafe(data: bytes, lead: bytes, pattern: re.Pattern[bytes]) -> int:
    """The offset of the first match of ``pattern`` (whose matches all start with ``lead``) in ``data``, or -1."""
    at = data.find(lead)
    hops = 0
    while at >= 0:
        if pattern.match(data, at):
            return at
        hops += 1
        if hops == _LEAD_HOPS:
            m = pattern.search(data, at + 1)
            return m.start() if m else -1
        at = data.find(lead, at + 1)
    return -1


def _json_escape_bytes(m: re.Match[bytes]) -> bytes:
    if m.group(0) == b"##[":
        return b"##\\u005b"
    return f"\\u{ord(m.group(0).decode()):04x}".encode()


def xml_text(text: str) -> str:
    """An XML document (JUnit) made safe to print: ``##[``, a line-leading ``::``, DEL, C1 and bidi characters
    as character references (the XML means the same)."""
    if _ACTIONS_V1 in text:
        text = text.replace(_ACTIONS_V1, "##&#91;")
    if "::" in text:
        text = _COMMAND_START().sub(lambda m: m.group(1) + "&#58;", text)
    if _maybe_json_unsafe(text) and (unsafe := _JSON_UNSAFE()).search(text):
        text = unsafe.sub(lambda m: f"&#x{ord(m.group(0)):X};", text)
    return text


_JSON_UNSAFE = _Later("[\x7f-\x9f" + "".join(sorted(BIDI)) + "]")


def _maybe_json_unsafe(text: str) -> bool:
    """Whether ``text`` may hold a character ``_JSON_UNSAFE`` matches: an ASCII text (Python knows it is, at no
    cost) can hold only DEL. A 69 MB report is ASCII, and the regular expression took 0.19 s to scan it."""
    return not text.isascii() or "\x7f" in text


def _strip(text: str) -> str:
    # CR too: a carriage return lets a line overwrite what a terminal shows of the one before.
    return _forbidden(text).sub("", text)


def _neutral_lines(text: str, commands: bool) -> str:
    if _ACTIONS_V1 in text:
        text = text.replace(_ACTIONS_V1, "##\\[")
    if not commands and "::" in text:
        text = _COMMAND_START().sub(lambda m: m.group(1) + ":\\", text)
    return text


def markdown(text: str) -> str:
    """Input text for inline Markdown (a paragraph, a list item or a table cell): one line; HTML as entities;
    backslash, backtick, pipe and the brackets of links and images escaped; ``@`` and URL schemes broken with
    a zero-width space. No tag, image, link, autolink, @mention, code span or table cell can form (emphasis
    can, harmlessly)."""
    if (text.isascii() and not _MD_UNUSUAL.search(text) and "  " not in text and "::" not in text
            and "://" not in text and "##[" not in text and text[:1] != " " and text[-1:] != " "
            and "www." not in text.lower()):  # every text but 3 of 26,000 in a plan of 5,000 services
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "@" + _ZWSP)
    text = line(" ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL().sub(r"\\\1", text)
    text = _MD_AUTOLINK().sub(lambda m: m.group(1)[:-1] + _ZWSP + m.group(1)[-1], text)
    return text.replace("@", "@" + _ZWSP)


def html(text: str) -> str:
    """Input text inside HTML or a Markdown page's prose: ``<``, ``>`` and ``&`` as entities (no tag, no script),
    controls and bidi characters escaped."""
    return _forbidden(text).sub(lambda m: _escape(m.group(0)), text).replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;")



def fence(content: str, info: str = "") -> str:
    """A fenced code block that ``content`` cannot close: the fence is longer than its longest backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}{info}\n{content.rstrip(chr(10))}\n{bar}"


@overload
def for_format(text: str, fmt: str) -> str: ...


@overload
def for_format(text: bytes, fmt: str) -> bytes: ...


def for_format(text: str | bytes, fmt: str) -> str | bytes:
    """A rendered report neutralised as its format allows: JSON and SARIF by :func:`json_text`, JUnit and
    XML by :func:`xml_text`, ``github`` by :func:`channel` keeping its commands, everything else (text,
    Markdown, HTML, Mermaid, DOT) by :func:`channel`. ``raw`` (a YAML design written by ``import``, whose
    values must stay as read) is returned unchanged: its text was refused at load if unsafe.

    A report given as UTF-8 bytes (the JSON ones, as orjson writes them) is returned as bytes, the same bytes as
    its text neutralised and encoded: JSON by :func:`json_bytes`, any other format through its text."""
    if isinstance(text, bytes):
        if fmt in ("json", "sarif", "gh-issues"):
            return json_bytes(text)
        return for_format(text.decode(), fmt).encode()
    if fmt in ("json", "sarif", "gh-issues"):
        return json_text(text)
    if fmt in ("junit", "xml"):
        return xml_text(text)
    if fmt == "raw":
        return text
    return channel(text, commands=fmt == "github")


def one_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space, then :func:`line`: a label or a cell."""
    return line(" ".join(text.split()))


_CODE_SPAN = _Later(r"(`+)(.+?)\1", re.DOTALL)


def prose(text: str) -> str:
    """A pack's prose for a Markdown page that may use Markdown itself (``rules docs``): controls and bidi
    characters escaped, and ``<`` as an entity outside code spans, so that no tag (no ``<script>``, no
    ``<img>``) or comment is written; code spans are already inert."""
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN().finditer(text):
        out.append(_no_tag(text[pos:m.start()]))
        out.append(line(m.group(0)))
        pos = m.end()
    out.append(_no_tag(text[pos:]))
    return "".join(out)


def _no_tag(text: str) -> str:
    return _forbidden(text).sub(lambda m: _escape(m.group(0)), text).replace("<", "&lt;")
