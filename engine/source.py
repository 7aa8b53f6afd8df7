"""Read YAML and JSON safely, keeping the line and column of every key and item.

Only the YAML safe schema is understood: any other tag (``!!python/object`` …) is an error.
Size, nesting depth and alias expansion are bounded before any object is built, so a
50 MB file, a 10,000-deep nesting or an alias bomb gets a clear error instead of a hang.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine import budget
from engine.errors import InputError, Location
from engine.model.document import DEFAULT_LIMITS, Document, Limits, Path, Positions, keypath
from engine.neutral import forbidden_char

# The document types live in engine.model.document (pure data); the readers here return them.
__all__ = ["DEFAULT_LIMITS", "Document", "Limits", "Path", "Positions", "decode", "keypath", "load", "parse",
           "parse_all", "read_text"]


class _PyYAML:
    """PyYAML, imported when a reader first needs it: a block-style design of common values (``_LineReader``, the
    values ``_common_plain`` decides) is read without it, and importing it is about a tenth of a one-shot check
    (``yaml.reader`` compiles a character class over all of Unicode as it loads). Its names are copied here then,
    so that each later use is a plain attribute read."""

    def __getattr__(self, name: str) -> Any:
        import yaml as module

        self.__dict__.update(vars(module))
        return getattr(module, name)


if TYPE_CHECKING:
    import yaml
else:
    yaml = _PyYAML()

_MEMO = 65_536
"""Scalars whose implicit tag one loader remembers (a design repeats its values: 386,000 scalars at 5,000
services, some 40,000 distinct); bounded, so that a hostile file of unique values costs no more memory."""


def _loader_class(base: Any) -> Any:
    class _Loader(base):  # type: ignore[misc]
        """The safe loader, remembering the implicit tag of each scalar text it has resolved.

        The C parser calls ``resolve`` back in Python for every scalar, and PyYAML's runs its regular expressions
        each time: a third of parsing a large design. With no path resolvers (the safe loader has none) the tag
        depends only on the text and its style, so the answer is kept.
        """

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._tags: dict[tuple[type, Any, Any], str] = {}

        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            key = (kind, value, implicit)
            try:
                return self._tags[key]
            except KeyError:
                tag: str = super().resolve(kind, value, implicit)
                if len(self._tags) < _MEMO:
                    self._tags[key] = tag
                return tag

    return _Loader


class _Safe:
    """What the readers make of PyYAML's safe schema, once (``_safe``): the C parser's loader where libyaml is built
    in (about 10x faster), else the pure-Python one; the loader that remembers tags; a constructor; a resolver and
    its first-character table."""

    def __init__(self) -> None:
        self.c_parser: bool = yaml.__with_libyaml__
        self.base: Any = yaml.CSafeLoader if self.c_parser else yaml.SafeLoader
        self.loader: Any = _loader_class(self.base)
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.first: dict[str | None, Any] = self.resolver.yaml_implicit_resolvers
        """The implicit types of the safe schema by the first character they may start with (digits, signs, ``.``,
        ``~``, the letters of ``true``, ``null``... and ``''`` for the empty text; ``None``: any), the resolver's own
        table (read live: a type added to it later counts)."""


@functools.cache
def _safe() -> _Safe:
    return _Safe()


_SAFE_NAMES = {"_Loader": "loader", "_BaseLoader": "base", "_C_PARSER": "c_parser", "_constructor": "constructor",
               "_resolver": "resolver", "_RESOLVED_FIRST": "first"}


def __getattr__(name: str) -> Any:
    """The objects made of PyYAML by their names (``_safe``), for callers outside the readers."""
    if name in _SAFE_NAMES:
        return getattr(_safe(), _SAFE_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SAFE_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}
_STR_TAG = "tag:yaml.org,2002:str"


def read_text(path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a file as UTF-8 text within the size limit (a leading BOM is dropped)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", Location(path)) from None
    if size > limits.max_bytes:
        raise InputError(
            f"file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit (raise it with --max-input-bytes)",
            Location(path),
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", Location(path)) from None
    return decode(raw, path)


def decode(raw: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM), naming the first bad byte's place."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", Location(path, line, col)
        ) from None


def _mark_loc(path: str, mark: Any) -> Location:
    if mark is None:
        return Location(path, 1, 1)
    return Location(path, mark.line + 1, mark.column + 1)


def _check_events(text: str, path: str, limits: Limits) -> None:
    """Bound nesting depth before composing (the composer recurses)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_safe().loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.max_depth:
                    raise InputError(
                        f"nesting deeper than {limits.max_depth} levels", _mark_loc(path, event.start_mark)
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and len(event.value) > limits.max_string:
                raise InputError(
                    f"a value of {len(event.value):,} characters is over the {limits.max_string:,} limit",
                    _mark_loc(path, event.start_mark),
                )
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML/JSON: {exc}", Location(path)) from None


def _reader_error(exc: yaml.reader.ReaderError, path: str, text: str) -> InputError:
    """A character YAML refuses (NUL, other control characters), at its line and column."""
    pos = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character
    code = f"U+{char:04X}" if isinstance(char, int) else (f"U+{ord(char):04X}" if char else "?")
    return InputError(f"character {code} is not allowed in YAML/JSON text ({exc.reason})", Location(path, line, col))


def _syntax_error(exc: yaml.MarkedYAMLError, path: str, text: str = "") -> InputError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "syntax error"
    if exc.context:
        problem = f"{problem} ({exc.context})"
    if mark is not None and text:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in line[: mark.column + 1]:
            problem = "a tab character where YAML allows only spaces; indent with spaces, not tabs"
    return InputError(f"YAML syntax error: {problem}", _mark_loc(path, mark))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node, path: str, limits: Limits) -> None:
    """Bound the size of the document once aliases are expanded, before building anything.

    The composer shares one node for an anchor and all its aliases, so each node's expanded size is
    computed once (memoised, iteratively): a billion-laughs bomb is refused in milliseconds instead of
    after building millions of values (12 s), and an anchor that contains itself is named as such.
    """
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if not done:
            if key in sizes:
                continue
            open_.add(key)
            stack.append((node, True))
            for child in _children(node):
                if id(child) in open_:
                    raise InputError("an alias refers to a node that contains it (a recursive anchor)",
                                     _mark_loc(path, child.start_mark))
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        open_.discard(key)
        total = 1 + sum(sizes[id(c)] for c in _children(node))
        if total > limits.max_nodes:
            raise InputError(
                f"more than {limits.max_nodes:,} values once aliases are expanded (an alias bomb?)",
                _mark_loc(path, node.start_mark),
            )
        sizes[key] = total


_CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE",
                  0x7F: "DELETE", 0x85: "NEXT LINE", 0x9B: "CONTROL SEQUENCE INTRODUCER",
                  0x9D: "OPERATING SYSTEM COMMAND"}
"""Unicode gives control characters no name (``unicodedata.name`` fails): the ones an attack uses."""


def _char_name(ch: str) -> str:
    return _CONTROL_NAMES.get(ord(ch)) or unicodedata.name(ch, "a control character") or "a control character"


class _Builder:
    """Turns composed nodes into plain data, recording positions and bounding alias expansion."""

    def __init__(self, path: str, limits: Limits, merge_keys: bool = False, artifact: bool = False,
                 tags: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.limits = limits
        self.merge_keys = merge_keys
        self.artifact = artifact
        self.tags = tags
        """Custom tags accepted (a format's own, such as compose's ``!reset``): the value is read plain and
        its tag kept in ``tagged``, for the importer to apply; any other tag is refused."""
        self.tagged: dict[Path, str] = {}
        """An artifact an importer reads (a compose file, a Spring config): someone else's file, most of whose
        values archplan never uses (an e-mail template with CR LF in it), so its text is not held to the load
        policy for design files; whatever an importer copies out is neutralised on output like any text."""
        self.nodes = 0
        self.aliases = True
        """Whether the text may hold aliases (else a file over the value bound is just large, not a bomb)."""
        self.positions: dict[Path, tuple[int, int]] = {}

    def build(self, node: yaml.Node, at: Path, record: bool = True, depth: int = 0) -> Any:
        self.nodes += 1
        limits = self.limits
        if not self.nodes & 4095 or depth > limits.max_depth or self.nodes > limits.max_nodes:
            self._check_node(node, depth)
        if record:
            self.positions.setdefault(at, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag in self.tags:
            return self._kept(node, at, depth)
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise self._tag_error(node)
            out: dict[str, Any] = {}
            merges: list[yaml.Node] = []
            positions, plain = self.positions, self._plain
            for key_node, value_node in node.value:
                key = plain(key_node)
                if key is None:  # not plain text: a merge key, a number, a mapping …
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        merges.extend(self._merge_sources(key_node, value_node))
                        continue
                    key = self._key(key_node)
                child = (*at, key)
                if key in out:
                    first = positions.get(child, (0, 0))
                    raise InputError(
                        f"duplicate key '{key}' (first at line {first[0]}); each key may appear once",
                        _mark_loc(self.path, key_node.start_mark),
                    )
                mark = key_node.start_mark
                positions[child] = (mark.line + 1, mark.column + 1)
                if type(value_node) is yaml.ScalarNode and value_node.tag not in self.tags:  # most values: here
                    self.nodes += 1
                    if not self.nodes & 4095 or depth >= limits.max_depth or self.nodes > limits.max_nodes:
                        self._check_node(value_node, depth + 1)
                    value = plain(value_node)
                    out[key] = self.scalar(value_node) if value is None else value
                else:
                    out[key] = self.build(value_node, child, record=False, depth=depth + 1)
            if merges:  # YAML 1.1 merge keys: stated keys win, then earlier merged mappings over later ones
                stated = {p: pos for p, pos in self.positions.items() if len(p) > len(at) and p[:len(at)] == at}
                for source in merges:
                    for key, value in self.build(source, at, record=False, depth=depth + 1).items():
                        out.setdefault(key, value)
                self.positions.update(stated)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._tag_error(node)
            return [self.build(item, (*at, i), depth=depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def _kept(self, node: yaml.Node, at: Path, depth: int) -> Any:
        """A value under an accepted custom tag: recorded, and read as the plain value it is written as (a
        scalar as text, an empty one as null)."""
        self.tagged[at] = node.tag
        if isinstance(node, yaml.MappingNode):
            plain: yaml.Node = yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)
        elif isinstance(node, yaml.SequenceNode):
            plain = yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark)
        elif node.value in ("", "~", "null", "Null", "NULL"):
            return None
        else:
            plain = yaml.ScalarNode(_STR_TAG, node.value, node.start_mark, node.end_mark)
        return self.build(plain, at, record=False, depth=depth)

    def _check_node(self, node: yaml.Node, depth: int) -> None:
        """The bounds on reading, checked as each value is built (``nodes`` counts it already)."""
        if not self.nodes & 4095:
            budget.check(f"reading {self.path}")
        if depth > self.limits.max_depth:
            raise InputError(f"nesting deeper than {self.limits.max_depth} levels",
                             _mark_loc(self.path, node.start_mark))
        if self.nodes > self.limits.max_nodes:
            raise InputError(
                f"more than {self.limits.max_nodes:,} values once aliases are expanded (an alias bomb?)"
                if self.aliases else f"more than {self.limits.max_nodes:,} values in one file (the limit on the "
                "values read from a file)", _mark_loc(self.path, node.start_mark))

    def _plain(self, node: yaml.Node) -> str | None:
        """A scalar's text when it is plain text that ``scalar`` would return as is (no check to fail), else None."""
        if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            value: str = node.value
            if len(value) <= self.limits.max_string and (self.artifact or (node.style != '"' and value.isascii())):
                return value
        return None

    def _key(self, key_node: yaml.Node) -> str:
        """A key that is not plain text: a number or a boolean, as text; anything else is an error."""
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError("a key must be a plain value", _mark_loc(self.path, key_node.start_mark))
        key = self.scalar(key_node)
        if not isinstance(key, str):
            key = str(key).lower() if isinstance(key, bool) else str(key)
        return key

    def _merge_sources(self, key_node: yaml.Node, value_node: yaml.Node) -> list[yaml.Node]:
        """The mappings a merge key (``<<: *base`` or ``<<: [*a, *b]``) brings in; design files refuse them."""
        if not self.merge_keys:
            raise InputError("merge keys ('<<') are not supported; write the keys out",
                             _mark_loc(self.path, key_node.start_mark))
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise InputError("a merge key ('<<') takes a mapping or a list of mappings",
                                 _mark_loc(self.path, source.start_mark))
        return list(sources)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SAFE_TAGS:
            raise self._tag_error(node)
        if len(node.value) > self.limits.max_string:
            raise InputError(f"a value of {len(node.value):,} characters is over the {self.limits.max_string:,} limit",
                             _mark_loc(self.path, node.start_mark))
        if node.tag == _STR_TAG:  # what SafeConstructor.construct_yaml_str returns, without its three calls
            if (not self.artifact and (getattr(node, "style", None) == '"' or not node.value.isascii())
                    and forbidden_char(node.value) >= 0):
                raise self._char_error(node)
            return node.value
        constructor = _safe().constructor
        try:
            return constructor.yaml_constructors[node.tag](constructor, node)
        except (ValueError, yaml.YAMLError) as exc:
            raise InputError(f"bad value: {exc}", _mark_loc(self.path, node.start_mark)) from None

    def _char_error(self, node: yaml.Node) -> InputError:
        """The load policy for text (docs/security.md): no control character but tab and newline, no bidi
        control. Only a double-quoted escape (``\\e``, ``\\u202e``) or a non-ASCII character can bring one."""
        i = forbidden_char(node.value)
        ch = node.value[i]
        return InputError(
            f"text may not contain U+{ord(ch):04X} {_char_name(ch)} (character "
            f"{i + 1}): control and bidirectional characters are refused, since a terminal, a CI log or a browser "
            "would act on them", _mark_loc(self.path, node.start_mark))

    def _tag_error(self, node: yaml.Node) -> InputError:
        return InputError(
            f"unsupported tag '{node.tag}': only plain YAML/JSON values are read (nothing is executed)",
            _mark_loc(self.path, node.start_mark),
        )


class _Slow(Exception):
    """The text needs the general reader (``_compose_documents``): it has an anchor, an alias, a tag, a merge
    key or a key that is not a scalar, or breaks a bound or the text policy (the general reader names it)."""


_NO_KEY = object()
"""In a mapping, no key read yet whose value comes next."""
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")


def _plain_tag(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of a plain scalar, as ``Resolver.resolve`` gives it: text starting with a character no implicit type
    starts with (``svc-0042``, ``/orders``, most names) is text without running the resolver's expressions."""
    safe = _safe()
    first = safe.first
    if value and value[0] not in first and None not in first:
        return _STR_TAG
    tag: str = safe.resolver.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
    return tag


_DEFAULT_FIRST = frozenset("!&*-+.0123456789<=FNOTYfnoty~")
"""The first characters of PyYAML's default implicit types (``Resolver.yaml_implicit_resolvers`` as PyYAML ships it,
the empty text apart): bool and null words, numbers, timestamps, ``<<``, ``=`` and the ``!``, ``&`` and ``*`` of its
``yaml`` type."""
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
}
"""The plain scalars of the YAML 1.1 bool and null types, as PyYAML's safe constructor reads them."""


def _common_plain(text: str) -> Any:
    """The value of a plain scalar that PyYAML's default table and safe constructor make without one of their
    expressions, decided without PyYAML: a bool or null word; a text starting with a character no default type
    starts with, or with a letter (a bool or null word is the only letter-started type); a decimal integer
    without sign, ``_`` or leading zero; digits, a point and digits (a float). Anything else (other numbers,
    timestamps, ``<<``...): ``_NO_KEY``."""
    out = _WORDS.get(text, _NO_KEY)
    if out is not _NO_KEY:
        return out
    first = text[0]
    if first not in _DEFAULT_FIRST or first.isalpha():
        return text
    if not text.isascii():
        return _NO_KEY
    if text.isdigit():
        return int(text) if first != "0" or len(text) == 1 else _NO_KEY
    whole, dot, part = text.partition(".")
    if dot and whole.isdigit() and part.isdigit():
        return float(text)
    return _NO_KEY


class _EventReader:
    """Builds plain data straight from the parser's events, the same values and positions as composing nodes
    and building them (``_Builder``), without a node, a resolver callback or a call per value.

    At 5,000 services (386,000 scalars) composing and building took 0.73 s; this takes half. It reads the text
    once; anything it does not handle raises ``_Slow``, and the text is read again by the general reader.
    """

    def __init__(self, path: str, limits: Limits, artifact: bool) -> None:
        self.path = path
        self.limits = limits
        self.artifact = artifact
        self.plain: dict[str, Any] = {}
        """The value of each plain (untagged, unquoted) scalar text read so far, bounded like ``_Loader``'s."""

    def documents(self, text: str) -> list[Document]:
        loader = _safe().base(text)
        try:
            get = loader.get_event
            get()  # the stream's start
            docs: list[Document] = []
            while type(get()) is yaml.DocumentStartEvent:
                positions = Positions()
                data = self.tree(get, positions)
                get()  # the document's end
                docs.append(Document(self.path, data, positions))
            return docs
        finally:
            loader.dispose()

    def tree(self, get: Any, positions: Positions) -> Any:
        """One document's value, its keys' and items' positions recorded in ``positions``.

        One loop over the events with everything it reads in locals: the bounds on reading are checked when the
        count of values reaches ``check_at`` (the next multiple of 4,096, the bound on values, or the next value
        when the nesting is past its bound), not per value."""
        plain_get, scalar, under, max_depth = self.plain.get, self.scalar, positions.under, self.limits.max_depth
        scalar_event, map_start, no_key = yaml.ScalarEvent, yaml.MappingStartEvent, _NO_KEY
        map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        stack: list[tuple[Any, Path, bool, dict[str | int, tuple[int, int]]]] = []
        kids: dict[str | int, tuple[int, int]] = {}  # the positions of the keys or items of:
        container: Any = None  # the mapping or list being filled (None: the document's root)
        at: Path = ()
        is_map, key, nodes, check_at = False, no_key, 0, self.check(0, 0)
        while True:
            ev = get()
            cls = type(ev)
            if cls is scalar_event:
                value = plain_get(ev.value, no_key) if ev.tag is None and ev.implicit[0] else no_key
                if value is no_key or ev.anchor is not None:
                    value = scalar(ev)
                if key is no_key and is_map:  # a key: its text, and its place
                    if type(value) is not str:
                        value = str(value).lower() if isinstance(value, bool) else str(value)
                    if value in container:
                        raise _Slow
                    mark = ev.start_mark
                    kids[value] = (mark.line + 1, mark.column + 1)
                    key = value
                    continue
            elif cls is map_end or cls is seq_end:
                done = container
                container, at, is_map, kids = stack.pop()
                if container is None:
                    return done
                continue
            nodes += 1
            if nodes >= check_at:
                check_at = self.check(nodes, len(stack))
            if cls is scalar_event:
                if is_map:
                    container[key] = value
                    key = no_key
                    continue
                self.item(container, value, ev, positions, kids)
                if container is None:
                    return value  # the document is one scalar
                continue
            # a mapping or a list opens
            if is_map and key is no_key:
                raise _Slow  # a mapping or a list as a key
            new, child = self.open(ev, cls, container, at, key, kids, positions)
            key = no_key
            stack.append((container, at, is_map, kids))
            container, at, is_map = new, child, cls is map_start
            kids = under[child] = {}
            if len(stack) > max_depth:  # its values are past the bound: checked at the next one
                check_at = nodes + 1

    @staticmethod
    def item(container: list[Any] | None, value: Any, ev: Any, positions: Positions,
             kids: dict[str | int, tuple[int, int]]) -> None:
        """Append ``value`` to a list (``container`` None: it is the document's root), positioned."""
        mark = ev.start_mark
        if container is None:
            positions.root = (mark.line + 1, mark.column + 1)
        else:
            kids[len(container)] = (mark.line + 1, mark.column + 1)
            container.append(value)

    @staticmethod
    def open(ev: Any, cls: type, container: Any, at: Path, key: Any, kids: dict[str | int, tuple[int, int]],
             positions: Positions) -> tuple[Any, Path]:
        """The empty mapping or list a start event opens (an anchor, a tag or an alias: the general reader), put
        under ``key`` of a mapping, at the end of a list or at the document's root (``container`` None): it, and
        its path."""
        new: Any
        if cls is yaml.MappingStartEvent and ev.anchor is None and ev.tag in _MAP_TAGS:
            new = {}
        elif cls is yaml.SequenceStartEvent and ev.anchor is None and ev.tag in _SEQ_TAGS:
            new = []
        else:
            raise _Slow
        if type(container) is dict:
            container[key] = new
            return new, (*at, key)
        mark = ev.start_mark
        if container is None:
            positions.root = (mark.line + 1, mark.column + 1)
            return new, ()
        index = len(container)
        kids[index] = (mark.line + 1, mark.column + 1)
        container.append(new)
        return new, (*at, index)

    def check(self, nodes: int, depth: int) -> int:
        """The bounds on reading at the ``nodes``-th value, at ``depth``: every 4,096 values the budget; past a
        bound, the general reader (which names it). The count of values at which to check again."""
        if nodes and not nodes & 4095:
            budget.check(f"reading {self.path}")
        max_nodes = self.limits.max_nodes
        if nodes > max_nodes or depth > self.limits.max_depth:
            raise _Slow
        return min((nodes | 4095) + 1, max_nodes + 1)

    def scalar(self, ev: Any) -> Any:
        """A scalar's value as ``_Builder.scalar`` makes it (a plain one's remembered); else ``_Slow``."""
        value: str = ev.value
        if ev.anchor is not None or ev.tag not in (None, "!") or len(value) > self.limits.max_string:
            raise _Slow
        tag = _plain_tag(value, ev.implicit) if ev.implicit[0] else _STR_TAG
        if tag == _STR_TAG:
            if not self.artifact and (ev.style == '"' or not value.isascii()) and forbidden_char(value) >= 0:
                raise _Slow
            out: Any = value
        elif tag in _SAFE_TAGS:
            constructor = _safe().constructor
            try:
                out = constructor.yaml_constructors[tag](
                    constructor, yaml.ScalarNode(tag, value, ev.start_mark, ev.end_mark, ev.style))
            except (ValueError, yaml.YAMLError):
                raise _Slow from None
        else:
            raise _Slow  # a merge key ('<<'), a value key ('=')
        if ev.tag is None and ev.implicit[0] and len(self.plain) < _MEMO:
            self.plain[value] = out
        return out


_LINE = re.compile(r"^( *+)(- +)?(?:([A-Za-z_][A-Za-z0-9_./-]*+):(?: ++|$))?([ -~]*+)(.*)$", re.MULTILINE)
"""A line of block-style YAML: its indentation, a sequence entry's dash, a key (word-like text, then ``:``), the rest
(the value, right-trimmed by the reader) and what follows the first character that is not printable ASCII (a tab, a
carriage return, a control character: left to the event reader).

Its repetitions are possessive (``*+``): what follows each never needs a character back (a key's characters are no
``:``, and ``(.*)$`` takes any rest), so the match is the same, without the engine keeping its places to step back to
(a line's parts 5% sooner); the key's class is ASCII, as the text is (``documents`` leaves any other)."""
_CHUNK = 65_536
"""Characters of text whose lines are split at once, at most (a list of parts per line: bounded, whatever the file's
size); the first chunks are smaller, so that a file the line reader leaves at its first lines (flow style) costs it
a few lines, not the file."""


def _lines(text: str) -> Iterator[tuple[str, str, str, str, str]]:
    """Each line of ``text`` as ``_LINE`` splits it (a part not there: empty), read a chunk of lines at a time."""
    findall, pos, size = _LINE.findall, 0, 512
    while True:
        end = text.find("\n", pos + size)
        if end < 0:
            yield from findall(text, pos)
            return
        yield from findall(text, pos, end)
        pos, size = end + 1, min(2 * size, _CHUNK)


_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
"""The characters a plain value may not start with (the line reader's own subset: ``-`` is checked apart)."""
_EMPTY = {"[]": list, "{}": dict}
_Frame = tuple[Any, Path, bool, dict[Any, tuple[int, int]], int, bool]
"""An open mapping or list: it, its path, whether a mapping, its keys' positions, its column, whether a list written
at its key's column."""


class _LineReader:
    """Builds the data and positions of a block-style YAML document (``key: value`` lines, ``- `` entries, plain
    or simply quoted single-line values) from its lines, without PyYAML's events: the same values and positions
    as ``_EventReader``, in about half its time (the events are two-thirds of its cost).

    It reads the YAML a program writes (``yaml.safe_dump``, archplan's generators), comment lines included; anything
    else (flow collections, a comment after a value, anchors, tags, multi-line or escaped values, a tab, a
    non-ASCII character, an unexpected indentation, a repeated key, a bound reached) raises ``_Slow`` before a
    document is returned, and the event reader reads the text (or the general reader names its problem)."""

    def __init__(self, path: str, limits: Limits, plain: dict[str, Any]) -> None:
        self.path = path
        self.limits = limits
        self.plain = plain
        self.keys: dict[str, str] = {}
        """The key each key text reads as (``true:`` is ``"true"``)."""
        self.positions = Positions()
        self.stack: list[_Frame] = []
        self.rooted = False

    def value(self, text: str) -> Any:
        """A plain scalar's value as ``_EventReader.scalar`` makes it (remembered in the same memo)."""
        out = self.plain.get(text, _NO_KEY)
        if out is not _NO_KEY:
            return out
        if len(text) > self.limits.max_string:
            raise _Slow
        # While no one has imported PyYAML, its table is its default: the common values need none of it.
        out = _common_plain(text) if "yaml" not in sys.modules else _NO_KEY
        if out is not _NO_KEY:
            pass
        elif (tag := _plain_tag(text, (True, False))) == _STR_TAG:
            out = text
        elif tag in _SAFE_TAGS:
            constructor = _safe().constructor
            try:
                out = constructor.yaml_constructors[tag](constructor, yaml.ScalarNode(tag, text))
            except (ValueError, yaml.YAMLError):
                raise _Slow from None
        else:
            raise _Slow
        if len(self.plain) < _MEMO:
            self.plain[text] = out
        return out

    def scalar(self, text: str) -> Any:
        """The value written after a key or a dash (right-trimmed, not empty); ``_Slow`` for one not in the
        subset."""
        first = text[0]
        if first in _INDICATORS:
            if first in "'\"":
                if len(text) > 1 and text[-1] == first and first not in text[1:-1] and "\\" not in text:
                    if len(text) - 2 > self.limits.max_string:
                        raise _Slow
                    return text[1:-1]
                raise _Slow
            raise _Slow
        if (first == "-" and (len(text) == 1 or text[1] == " ")) or ": " in text or text[-1] == ":" or "#" in text:
            raise _Slow
        return self.value(text)

    def documents(self, text: str) -> list[Document]:
        """The one document of ``text``, or ``_Slow``.

        The mapping or list being filled (its frame: container, path, whether a mapping, its keys' positions, its
        column, whether a list written at its key's column) is held in locals, those around it on ``stack``; a line
        that opens or closes one (or the first) goes through ``settle``."""
        if not text.isascii() or 2 * text.count("\n") + 2 > self.limits.max_nodes:
            raise _Slow  # a line makes two values at most: below, the bound on values is not reached
        self.positions = Positions()
        under, stack, max_depth = self.positions.under, self.stack, self.limits.max_depth - 2
        scalar_get, keys, key_of, item = self.plain.get, self.keys, self.key, self.item
        container: Any = None
        at: Path = ()
        is_map, indentless, fcol = False, False, -1
        kids: dict[Any, tuple[int, int]] = {}
        pending: Any = _NO_KEY  # a key with no value on its line: its value is on the next lines
        for lineno, (ind_s, dash, key, text_, other) in enumerate(_lines(text), 1):
            if other:
                raise _Slow  # a tab, a carriage return, a control character
            rest = text_.rstrip(" ") if text_ and text_[-1] == " " else text_
            if not key and (not rest or not dash):
                if (rest and rest[0] != "#") or dash:
                    raise _Slow  # a line of a value (a root scalar, a continued one, a document marker), a dash alone
                continue  # a blank line, a comment
            if not lineno & 4095:
                budget.check(f"reading {self.path}")
            ind = len(ind_s)
            if pending is not _NO_KEY or fcol != ind or is_map == bool(dash) or container is None:
                container, at, is_map, kids, fcol, indentless = self.settle(
                    (container, at, is_map, kids, fcol, indentless), lineno, ind, bool(dash), pending)
                pending = _NO_KEY
            if dash:  # an entry of the list
                index = len(container)
                kids[index] = (lineno, ind + len(dash) + 1)
                if not key:
                    v = scalar_get(rest, _NO_KEY)  # holds only texts that ``scalar`` read
                    container.append(item(rest, at, index) if v is _NO_KEY else v)
                    continue
                new: dict[str, Any] = {}  # a mapping, its first key on this line
                container.append(new)
                stack.append((container, at, is_map, kids, fcol, indentless))
                at = (*at, index)
                kids = under[at] = {}
                container, is_map, indentless, fcol = new, True, False, ind + len(dash)
                if len(stack) > max_depth:
                    raise _Slow
            k = keys.get(key) or key_of(key)
            if k in container:
                raise _Slow  # a repeated key: the general reader names it
            kids[k] = (lineno, fcol + 1)
            if not rest:
                pending = k
                continue
            v = scalar_get(rest, _NO_KEY)
            container[k] = item(rest, at, k) if v is _NO_KEY else v
        return self.finish(container, pending)

    def finish(self, container: Any, pending: Any) -> list[Document]:
        """The document, once its last line is read (a ``pending`` key's value: null)."""
        if container is None:
            raise _Slow  # no line of content
        if pending is not _NO_KEY:
            container[pending] = self.value("")
        return [Document(self.path, self.stack[0][0] if self.stack else container, self.positions)]

    def settle(self, frame: _Frame, lineno: int, ind: int, dash: bool, pending: Any) -> _Frame:
        """The frame a line at column ``ind`` (an entry of a list if ``dash``) is in: the document's root on the first
        line; the value of the ``pending`` key of the line before (a mapping or list below it, else null); the
        frame around when the line is to its left; else ``_Slow`` (not the YAML this reads)."""
        container, at, is_map, kids, fcol, indentless = frame
        stack = self.stack
        if container is None:  # the document's root
            if self.rooted:
                raise _Slow  # a second root: not one document
            self.rooted = True
            self.positions.root = (lineno, ind + 1)
            kids = self.positions.under[()] = {}
            return ([] if dash else {}), (), not dash, kids, ind, False
        if pending is not _NO_KEY:
            if ind > fcol or (dash and ind == fcol):
                new: Any = [] if dash else {}
                container[pending] = new
                stack.append(frame)
                at = (*at, pending)
                kids = self.positions.under[at] = {}
                if len(stack) > self.limits.max_depth - 2:
                    raise _Slow
                return new, at, not dash, kids, ind, ind == fcol
            container[pending] = self.value("")
        while fcol > ind or (fcol == ind and indentless and not dash):
            if not stack:
                raise _Slow
            container, at, is_map, kids, fcol, indentless = stack.pop()
        if fcol != ind or is_map == dash:
            raise _Slow
        return container, at, is_map, kids, fcol, indentless

    def key(self, text: str) -> str:
        """The key a key's text reads as (``true:`` is ``"true"``), remembered."""
        k = self.value(text)
        out = k if type(k) is str else str(k).lower() if isinstance(k, bool) else str(k)
        if len(self.keys) < _MEMO:  # bounded like the values' memo
            self.keys[text] = out
        return out

    def item(self, text: str, at: Path, key: str | int) -> Any:
        """The value ``text`` (at ``key`` of the container at ``at``) stands for: an empty list or mapping (``[]``,
        ``{}``) or a scalar."""
        empty = _EMPTY.get(text)
        if empty is None:
            return self.scalar(text)
        self.positions.under[(*at, key)] = {}
        return empty()


def parse(text: str, path: str, limits: Limits = DEFAULT_LIMITS, *, merge_keys: bool = False,
          artifact: bool = False, tags: frozenset[str] = frozenset()) -> Document:
    """Parse one YAML or JSON document held in ``text`` (``merge_keys``: accept ``<<``; ``artifact``: an
    importer's input, see ``_Builder.artifact``; ``tags``: custom tags accepted, see ``_Builder.tags``)."""
    docs = list(parse_all(text, path, limits, merge_keys=merge_keys, artifact=artifact, tags=tags))
    if not docs:
        raise InputError("file is empty", Location(path))
    if len(docs) > 1:
        raise InputError("file holds several YAML documents ('---'); put one design per file", Location(path))
    return docs[0]


def parse_all(text: str, path: str, limits: Limits = DEFAULT_LIMITS, *,
              merge_keys: bool = False, artifact: bool = False,
              tags: frozenset[str] = frozenset()) -> Iterator[Document]:
    """Parse every document of a (possibly multi-document) YAML stream.

    Plain data (no anchor, alias, tag or merge key) is read straight from the parser's events; anything else,
    and any text with a problem, is read by composing nodes, which gives every error its message and order.
    """
    budget.check(f"reading {path}")
    events = _EventReader(path, limits, artifact)
    try:  # the line reader neither recurses nor reads past a bound
        yield from _LineReader(path, limits, events.plain).documents(text)
        return
    except _Slow:
        pass
    if not _safe().c_parser:  # pragma: no cover - the pure-Python composer recurses: bound depth first
        _check_events(text, path, limits)
    try:
        yield from events.documents(text)
        return
    except (_Slow, yaml.YAMLError):
        pass
    yield from _compose_documents(text, path, limits, merge_keys=merge_keys, artifact=artifact, tags=tags)


def _compose_documents(text: str, path: str, limits: Limits, *, merge_keys: bool,
                       artifact: bool, tags: frozenset[str] = frozenset()) -> Iterator[Document]:
    """The general reader: the composed nodes of every document, checked (aliases expanded), then built."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_safe().loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, path, text) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML/JSON: {' '.join(str(exc).split())}", Location(path)) from None
    builder = _Builder(path, limits, merge_keys, artifact, tags)
    may_alias = "&" in text  # no anchor, no alias: the expansion check would walk the tree for nothing
    builder.aliases = may_alias
    for node in nodes:
        if node is None:
            continue
        if may_alias:
            _check_expansion(node, path, limits)
        builder.positions = {}
        builder.tagged = {}
        data = builder.build(node, ())
        yield Document(path, data, builder.positions, tags=builder.tagged)


def load(path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read and parse one single-document file."""
    return parse(read_text(path, limits), path, limits)
