"""A plain core schema run by msgspec: the fast path of the plain validators, without pydantic-core.

The plain validators (``engine.model.plain`` for the design's sections, ``engine.model.ruledata`` for the rules read
back from the cache) are pydantic-core core schemas, kept on disk. Importing pydantic-core, and building its
validators, was about 8% of a warm check of the shop (77 M of 1,053 M instructions for the import alone). This
module translates the same schema, read from disk, into msgspec types (``msgspec.defstruct`` for each typed
mapping, ``msgspec.Meta`` for each constraint), which msgspec's C core checks.

It is a fast path, never a second authority: ``compile`` refuses (``Unsupported``) any schema holding what it does
not translate exactly, and the converter it returns accepts a subset of what pydantic-core accepts, returning the
same value; whatever it refuses (``Refused``), its caller gives to pydantic-core's validator of the same schema,
whose result or error is then the one returned. So every error a user sees is pydantic-core's, as before.
tests/test_msgcheck.py holds the two paths equal on every design and rule the project has, and on hostile ones.

What makes msgspec at least as strict (for the JSON and YAML data the loader and the rule cache read):
- scalars are checked strictly (no text for a number, no float for an integer, no number for a flag), as the
  schemas' own ``strict`` configuration asks; a float refuses infinity and NaN when ``allow_inf_nan`` is off;
- a pattern is translated only when it is written in a small common subset of Rust's and Python's regular
  expressions (ASCII classes and literals, groups, alternation, counted repeats), anchored at both ends; Python's
  ``$`` also matches before a final newline, Rust's does not, so the end anchor becomes ``\\Z``; ``\\d`` becomes
  ``[0-9]`` (Rust's and Python's Unicode digits may differ by a Unicode version: fewer, never more);
- a typed mapping refuses unknown keys (``extra_behavior: forbid`` is required) and reads a field by its alias
  only (the Python name, which ``validate_by_name`` would also admit, is refused: pydantic-core then reads it);
- msgspec reads a tuple or a set as a list, where a strict list schema refuses them: a converter whose result is
  the input's own data (every fact model) compares the two and refuses a difference; any other (the rules') reads
  its input back through JSON first and refuses a difference, unless its caller vouches that the input was just
  parsed from JSON (the rule cache's entries: ``json=True``).
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Union

import msgspec
from msgspec import UNSET, Meta

Post = Callable[[Any], Any] | None
"""What turns msgspec's value into the schema's (None: msgspec's value is the schema's)."""


class Unsupported(TypeError):
    """A schema this module does not translate exactly: its caller uses pydantic-core."""


class Refused(ValueError):
    """A value the msgspec types refuse: its caller gives it to pydantic-core (which may accept it: a lax schema)."""


_CONFIG_KEYS = frozenset({"title", "extra_fields_behavior", "strict", "allow_inf_nan", "validate_by_alias",
                          "validate_by_name"})
"""Core configuration keys that change nothing this module's types check (or that it reads: ``allow_inf_nan``)."""
_MAX = sys.float_info.max
_SCALARS = frozenset({"str", "int", "float", "bool", "literal"})
_KINDS = _SCALARS | {"any", "enum", "nullable", "list", "dict", "union", "typed-dict", "function-after",
                     "function-before", "definitions", "definition-ref"}
"""The core schema types translated (each by the ``_<type>`` method of ``_Builder``)."""
_SCALAR_TYPES: dict[Any, tuple[Any, Post, bool]] = {}
"""The msgspec type of each scalar schema built in this process, by its content (and ``allow_inf_nan``)."""


class Converter:
    """A compiled schema: ``converter(value)`` is the schema's value for ``value``, or ``Refused``."""

    __slots__ = ("_decoder", "_post", "_same", "_type")

    def __init__(self, mtype: Any, post: Post, same: bool) -> None:
        self._type, self._post, self._same = mtype, post, same
        self._decoder: msgspec.json.Decoder[Any] | None = None

    def decode(self, text: bytes) -> Any:
        """The schema's value for the JSON document ``text``: ``self(json.loads(text), json=True)``, with msgspec
        checking the types as it parses (no Python value is made of the text first; the rule cache's entries)."""
        if self._same:
            return self(msgspec.json.decode(text), json=True)
        try:
            if self._decoder is None:
                self._decoder = msgspec.json.Decoder(self._type)
            converted = self._decoder.decode(text)
            return converted if self._post is None else self._post(converted)
        except (msgspec.ValidationError, AssertionError, KeyError) as exc:
            raise Refused(str(exc)) from None
        except ValueError as exc:  # not JSON (msgspec.DecodeError), or a model's own check
            raise Refused(str(exc)) from exc
        except TypeError as exc:
            raise Unsupported(str(exc)) from exc

    def __call__(self, value: Any, *, json: bool = False) -> Any:
        """``json``: the caller vouches that ``value`` was just parsed from JSON (no tuple, set, bytes or date):
        a converter whose result is not the input's own data then skips reading it back through JSON."""
        try:
            if self._same:
                out = msgspec.to_builtins(msgspec.convert(value, self._type))
                if out != value:  # a tuple or a set read as a list: a strict list schema refuses it
                    raise Refused("not the input's own data")
                return out
            if not json and msgspec.json.decode(msgspec.json.encode(value)) != value:
                raise Refused("not JSON data: a tuple or a set where the schema reads a list, say")
            converted = msgspec.convert(value, self._type)
            return converted if self._post is None else self._post(converted)
        except (msgspec.ValidationError, AssertionError, KeyError) as exc:  # KeyError: a union's value of no choice
            raise Refused(str(exc)) from None
        except ValueError as exc:  # a model's own check (a function of the schema)
            raise Refused(str(exc)) from exc
        except TypeError as exc:  # a union msgspec cannot tell apart, found on first use; a value JSON cannot hold
            raise Unsupported(str(exc)) from exc


def compile(schema: Any, config: Any = None, *, functions: Mapping[str, Callable[[Any], Any]] | None = None,
            enums: Mapping[str, type[enum.Enum]] | None = None) -> Converter:
    """The converter of a plain core schema (JSON: functions and enums by name, resolved by ``functions`` and
    ``enums``). ``same``: the result is ``msgspec.to_builtins`` of msgspec's value (no function, enum, default,
    alias or ``any`` in the schema), checked equal to the input. ``Unsupported`` for anything else."""
    builder = _Builder(functions or {}, enums or {}, _config(config))
    try:
        mtype, post, same = builder.build(schema, builder.config)
    except (re.error, RecursionError, KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
        raise Unsupported(f"{type(exc).__name__}: {exc}") from exc  # a Meta or a struct msgspec refuses, say
    return Converter(mtype, post, same)


def _config(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict) or not set(config) <= _CONFIG_KEYS:
        raise Unsupported(f"a core config {config!r}")
    if config.get("validate_by_alias") is False or config.get("extra_fields_behavior", "forbid") != "forbid":
        raise Unsupported("a config that reads fields by name only, or admits extra fields")
    return config


_COMMON = frozenset({"type", "ref", "metadata", "strict"})


def _keys(node: dict[str, Any], allowed: frozenset[str]) -> None:
    if not allowed.issuperset(node):  # no set made for a node that has only allowed keys (6,500 a process)
        raise Unsupported(f"a {node.get('type')} schema with {sorted(node.keys() - allowed)}")


_K_FLOAT = _COMMON | {"allow_inf_nan", "ge", "gt", "le", "lt"}
_K_UNION = _COMMON | {"choices", "mode"}
_K_ENUM = _COMMON | {"cls", "members", "sub_type"}
_K_TYPED_DICT = _COMMON | {"config", "extra_behavior", "fields", "total"}
_K_DEFAULT = _COMMON | {"default", "default_factory", "default_factory_takes_data", "schema"}
_K_DEFINITIONS = _COMMON | {"definitions", "schema"}
_K_LITERAL = _COMMON | {"expected"}
_K_FUNCTION = _COMMON | {"function", "schema"}
_K_INT = _COMMON | {"ge", "gt", "le", "lt"}
_K_LIST = _COMMON | {"items_schema", "max_length", "min_length"}
_K_DICT = _COMMON | {"keys_schema", "max_length", "min_length", "values_schema"}
_K_STR = _COMMON | {"max_length", "min_length", "pattern"}
_K_NONE = _COMMON
_K_FIELD = _COMMON | {"required", "schema", "serialization_alias", "serialization_exclude", "validation_alias"}
_K_NULLABLE = _COMMON | {"schema"}
_K_REF = _COMMON | {"schema_ref"}


_PATTERN_CLASS = re.compile(r"\[([^\[\]\\]+)\]")
_PATTERN_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")


def pattern(source: str) -> str:
    """``source`` (a Rust regular expression, as pydantic-core reads it) as a Python one that matches the same texts,
    or ``Unsupported``: see the module."""
    if not (source.isascii() and source.startswith("^") and source.endswith("$") and len(source) > 2):
        raise Unsupported(f"a pattern not anchored at both ends, or not ASCII: {source!r}")
    body, out, i = source[1:-1], ["^"], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1: i + 2]
            if nxt == "d":
                out.append("[0-9]")
            elif nxt and nxt in ".-/:_()[]{}*+?|\\^$":
                out.append("\\" + nxt)
            else:
                raise Unsupported(f"an escape \\{nxt} in {source!r}")
            i += 2
        elif c == "[":
            m = _PATTERN_CLASS.match(body, i)
            inner = m.group(1) if m else ""
            if not m or any(op in inner for op in ("&&", "--", "~~")) or inner in ("^",) or not inner.isprintable():
                raise Unsupported(f"a character class in {source!r}")
            out.append(m.group(0))
            i = m.end()
        elif c == "{":
            m = _PATTERN_REPEAT.match(body, i)
            if not m:
                raise Unsupported(f"a brace in {source!r}")
            out.append(m.group(0))
            i = m.end()
        elif c == "(":
            if body.startswith("(?:", i):
                out.append("(?:")
                i += 3
            elif body[i + 1: i + 2] == "?":
                raise Unsupported(f"a group with flags in {source!r}")
            else:
                out.append("(")
                i += 1
        elif c.isalnum() or c in "_-/:,;=@%&'\"<>!~ .)|*+?":
            out.append(c)
            i += 1
        else:
            raise Unsupported(f"{c!r} in {source!r}")
    translated = "".join(out) + r"\Z"
    re.compile(translated)
    return translated


class _Builder:
    def __init__(self, functions: Mapping[str, Callable[[Any], Any]], enums: Mapping[str, type[enum.Enum]],
                 config: dict[str, Any]) -> None:
        self.functions, self.enums, self.config = functions, enums, config
        self.refs: dict[str, Any] = {}
        self.built: dict[str, tuple[Any, Post, bool]] = {}
        self.building: set[str] = set()
        self.count = 0

    def function(self, spec: Any) -> Callable[[Any], Any]:
        if not isinstance(spec, dict) or spec.get("type") != "no-info" or set(spec) != {"type", "function"}:
            raise Unsupported("a function taking its info")
        fn = self.functions.get(spec["function"]) if isinstance(spec["function"], str) else None
        if fn is None:
            raise Unsupported(f"the schema calls {spec['function']!r}")
        return fn

    def build(self, node: Any, config: dict[str, Any]) -> tuple[Any, Post, bool]:
        """(msgspec type, post, same) of ``node``."""
        if not isinstance(node, dict):
            raise Unsupported(f"a {type(node).__name__} where a schema was expected")
        kind = node.get("type")
        if kind in _SCALARS:  # one type for equal scalar schemas, in every schema of the process (typing is slow)
            try:  # typed: 1, 1.0 and True are equal keys otherwise
                key = (tuple((k, type(v), tuple((type(x), x) for x in v) if type(v) is list else v)
                             for k, v in node.items()), config.get("allow_inf_nan", True))
                hit = _SCALAR_TYPES.get(key)
            except TypeError:  # an unhashable value (metadata)
                key, hit = None, None
            if hit is None:
                hit = getattr(self, f"_{kind}")(node, config)
                if key is not None:
                    _SCALAR_TYPES[key] = hit
            return hit
        if kind not in _KINDS:
            raise Unsupported(f"a {kind!r} schema")
        method = getattr(self, "_" + kind.replace("-", "_"))
        built: tuple[Any, Post, bool] = method(node, config)
        return built

    # scalars -----------------------------------------------------------------------------------------------
    def _str(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_STR)
        meta: dict[str, Any] = {k: node[k] for k in ("min_length", "max_length") if k in node}
        if "pattern" in node:
            meta["pattern"] = pattern(node["pattern"])
        return (Annotated[str, Meta(**meta)] if meta else str), None, True

    def _int(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_INT)
        meta = {k: node[k] for k in ("ge", "le", "gt", "lt") if k in node}
        if any(type(v) is not int for v in meta.values()):
            raise Unsupported("an integer bound that is not an integer")
        return (Annotated[int, Meta(**meta)] if meta else int), None, True

    def _float(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_FLOAT)
        meta = {k: node[k] for k in ("ge", "le", "gt", "lt") if k in node}
        if any(type(v) not in (int, float) for v in meta.values()):
            raise Unsupported("a float bound that is not a number")
        if not node.get("allow_inf_nan", config.get("allow_inf_nan", True)):
            # a bound refuses NaN (it compares false); a finite bound on each side refuses the infinities
            if "ge" not in meta and "gt" not in meta:
                meta["ge"] = -_MAX
            if "le" not in meta and "lt" not in meta:
                meta["le"] = _MAX
        return (Annotated[float, Meta(**meta)] if meta else float), None, True

    def _bool(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_NONE)
        return bool, None, True

    def _literal(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_LITERAL)
        expected = node["expected"]
        if not expected or not all(type(v) in (str, int) for v in expected):
            raise Unsupported("a literal of other values than texts and integers")
        return Literal[tuple(expected)], None, True

    def _any(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_NONE)
        return Any, None, False

    def _enum(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_ENUM)
        cls = self.enums.get(node["cls"]) if isinstance(node["cls"], str) else None
        if cls is None or [m.value for m in cls] != node["members"]:
            raise Unsupported(f"an enum {node['cls']!r} not named, or with other members")
        sub = node.get("sub_type")
        if not ((sub == "str" and issubclass(cls, str)) or (sub == "int" and issubclass(cls, int))):
            raise Unsupported("an enum of neither texts nor integers")
        return cls, None, False

    # containers --------------------------------------------------------------------------------------------
    def _nullable(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_NULLABLE)
        inner, post, _same = self.build(node["schema"], config)
        return (Union[inner, None], None if post is None else (lambda v: None if v is None else post(v)),  # noqa: UP007
                False)

    def _list(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_LIST)
        item, post, same = self.build(node["items_schema"], config)
        meta = {k: node[k] for k in ("min_length", "max_length") if k in node}
        mtype = Annotated[list[item], Meta(**meta)] if meta else list[item]  # type: ignore[valid-type]
        return mtype, None if post is None else (lambda v: [post(x) for x in v]), same

    def _dict(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_DICT)
        key, key_post, _s = self.build(node.get("keys_schema", {"type": "any"}), config)
        value, post, same = self.build(node.get("values_schema", {"type": "any"}), config)
        if key_post is not None or node.get("keys_schema", {}).get("type") != "str":
            raise Unsupported("a mapping whose keys are not texts")
        meta = {k: node[k] for k in ("min_length", "max_length") if k in node}
        mtype = dict[key, value]  # type: ignore[valid-type]
        return (Annotated[mtype, Meta(**meta)] if meta else mtype,
                None if post is None else (lambda v: {k: post(x) for k, x in v.items()}), same)

    def _union(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_UNION)
        if node.get("mode", "smart") != "smart" or not node["choices"]:
            raise Unsupported("a union that is not in smart mode")
        built = [self.build(c, config) for c in node["choices"]]
        if any(t is Any for t, _p, _s in built):
            raise Unsupported("a union holding any value")
        mtype: Any = Union[tuple(t for t, _p, _s in built)]  # noqa: UP007
        same = all(s for _t, _p, s in built)
        if all(p is None for _t, p, _s in built):
            return mtype, None, same
        classes: dict[type, Post] = {}
        for t, p, _s in built:
            cls = _class_of(t)
            if cls in classes:
                raise Unsupported("a union of two choices of one class")
            classes[cls] = p

        def post(v: Any) -> Any:
            p = classes[type(v)]
            return v if p is None else p(v)

        return mtype, post, same

    def _typed_dict(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_TYPED_DICT)
        if node.get("extra_behavior") != "forbid":
            raise Unsupported("a typed mapping that admits extra keys")
        config = _config(node["config"]) if "config" in node else config
        total = node.get("total", True)
        fields: list[tuple[Any, ...]] = []
        rename: dict[str, str] = {}
        fixes: list[tuple[str, Post, Any]] = []  # (name, post, default when missing) of the fields msgspec leaves
        same = True
        for name, spec in node["fields"].items():
            if not isinstance(spec, dict) or spec.get("type") != "typed-dict-field":
                raise Unsupported("a typed mapping's field that is not a typed-dict-field")
            _keys(spec, _K_FIELD)
            if spec.get("serialization_exclude"):
                raise Unsupported("a field left out of the result")
            key = spec.get("validation_alias", name)
            if not isinstance(key, str) or not isinstance(name, str) or name.startswith("__"):
                raise Unsupported("an alias path, or a field msgspec does not name")
            inner, missing = self.split_default(spec["schema"])
            if missing is _OMITTED and spec.get("required", total):
                missing = _REQUIRED
            mtype, post, fsame = self.build(inner, config)
            if key != name:
                rename[name] = key
            if missing is _REQUIRED:
                fields.append((name, mtype))
            elif type(missing) is _Default and post is None:  # msgspec's default is the schema's (not checked)
                fields.append((name, mtype, missing.value if missing.factory is None
                               else msgspec.field(default_factory=missing.factory)))
            else:  # left out, or a default the field's function must not see: told apart by UNSET
                fields.append((name, mtype, UNSET))
                fixes.append((name, post, missing))
            if post is not None and missing is _REQUIRED:
                fixes.append((name, post, missing))
            same = same and fsame and key == name and (missing is _REQUIRED or missing is _OMITTED)
        self.count += 1
        struct = msgspec.defstruct(f"Plain{self.count}", fields, rename=rename or None, forbid_unknown_fields=True,
                                   kw_only=True)
        asdict = msgspec.structs.asdict
        if not fixes:  # every field as msgspec read it, in the schema's order (pydantic-core's result)
            return struct, asdict, same
        # a field left out stays out unless defaulted

        def fixed(value: Any) -> dict[str, Any]:
            out = asdict(value)
            for name, fpost, missing in fixes:
                v = out[name]
                if v is UNSET:
                    if missing is _OMITTED:
                        del out[name]
                    else:
                        out[name] = missing.value if missing.factory is None else missing.factory()
                elif fpost is not None:
                    out[name] = fpost(v)
            return out

        return struct, fixed, same

    def split_default(self, inner: Any) -> tuple[Any, Any]:
        """A field's schema without its default, and what a missing field gives (``_OMITTED``: no default)."""
        if not (isinstance(inner, dict) and inner.get("type") == "default"):
            return inner, _OMITTED
        _keys(inner, _K_DEFAULT)
        if inner.get("default_factory_takes_data") or ("default" in inner) == ("default_factory" in inner):
            raise Unsupported("a default factory taking the data")
        if "default" in inner:
            if type(inner["default"]) not in (str, int, float, bool, type(None)):
                raise Unsupported("a default that is not a scalar")
            return inner["schema"], _Default(inner["default"], None)
        fn = self.functions.get(inner["default_factory"])
        if fn is None:
            raise Unsupported(f"a default factory {inner['default_factory']!r}")
        return inner["schema"], _Default(None, fn)

    # functions and references ------------------------------------------------------------------------------
    def _function_after(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_FUNCTION)
        fn = self.function(node["function"])
        mtype, post, _same = self.build(node["schema"], config)
        if post is None:
            return mtype, fn, False
        return mtype, lambda v: fn(post(v)), False

    def _function_before(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_FUNCTION)
        fn = self.function(node["function"])
        mtype, post, _same = self.build(node["schema"], config)
        # msgspec takes anything here; the function's result is then converted by the inner schema's types
        if post is None:
            return Any, lambda v: msgspec.convert(fn(v), mtype), False
        return Any, lambda v: post(msgspec.convert(fn(v), mtype)), False

    def _definitions(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_DEFINITIONS)
        for definition in node["definitions"]:
            if not isinstance(definition, dict) or not isinstance(definition.get("ref"), str):
                raise Unsupported("a definition without its reference")
            self.refs.setdefault(definition["ref"], definition)
        return self.build(node["schema"], config)

    def _definition_ref(self, node: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Post, bool]:
        _keys(node, _K_REF)
        ref = node["schema_ref"]
        if ref not in self.built:
            if ref in self.building or ref not in self.refs:
                raise Unsupported(f"a recursive or unknown reference {ref!r}")
            self.building.add(ref)
            self.built[ref] = self.build(self.refs[ref], self.config)
        return self.built[ref]


class _Default:
    __slots__ = ("factory", "value")

    def __init__(self, value: Any, factory: Callable[..., Any] | None) -> None:
        self.value, self.factory = value, factory


_REQUIRED = object()
_OMITTED = object()


def _class_of(mtype: Any) -> type:
    """The Python class msgspec gives a value of ``mtype``."""
    origin = getattr(mtype, "__origin__", None)
    if origin is Annotated or (origin is not None and hasattr(mtype, "__metadata__")):
        return _class_of(mtype.__origin__)
    if origin is Literal:
        kinds = {type(v) for v in mtype.__args__}
        if len(kinds) != 1:
            raise Unsupported("a literal of texts and integers in a union")
        return kinds.pop()
    if origin in (list, dict):
        return origin  # type: ignore[no-any-return]
    if mtype is None or mtype is type(None):
        return type(None)
    if isinstance(mtype, type):
        return mtype
    raise Unsupported(f"a union choice {mtype!r}")
