"""A fact model's checks as one validator that returns a section's entries, in one call, as plain data.

The loader keeps a fact as the mapping a model dumps (``by_alias``, ``exclude_none``, JSON mode): validating
a model builds an instance, and dumping it walks it again; at 5,000 services, two thirds of the 0.12 s those
took. The validator here checks the same schema (the model's own, its fields' checks unchanged) and returns
that mapping at once: each model is read as a typed mapping keyed by its fields' aliases, whose optional
fields may be left out but not written as null.

It accepts fewer inputs than the model (an explicit ``null``, a field written by its Python name rather than
its alias), never more: what it refuses, the loader gives to the model itself, whose result or errors are the
ones a user has always seen.

The validator built from a kept schema runs it with msgspec first (``engine.model.msgcheck``: no pydantic-core
imported on a design it accepts); what msgspec refuses, pydantic-core's validator of the same schema reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from engine.model import msgcheck

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import CoreSchema

PlainSchema: TypeAlias = "tuple[CoreSchema, Any]"
"""A plain validator's core schema and core config (``plain_schema``)."""
_PLAIN: dict[type[BaseModel], Callable[[Any], Any]] = {}
_UNREADABLE: dict[type[BaseModel], str] = {}
"""Models whose schema the plain validator does not read (``_plain``), with why: asked again, they raise at once."""
_SCALARS = frozenset({"bool", "float", "int", "literal", "str"})
"""Core schemas whose value is the same Python value the model dumps in JSON mode."""


def plain_validator(model: type[BaseModel], schema: PlainSchema | None = None) -> Callable[[Any], Any]:
    """The ``validate_python`` of ``model``'s plain validator, built on first use: given a list of entries (a
    section's, validated in one call rather than entry by entry; a single entry as a list of one), the list of
    ``model.model_validate(x).model_dump(by_alias=True, exclude_none=True, mode="json")`` for each entry ``x``
    when it accepts them all (the same keys, in the same order, and values); else ``pydantic.ValidationError``.
    ``TypeError`` when the model's schema holds what ``_plain`` does not read: its caller then lets the model read
    every entry (the loader does). ``schema``: the model's ``plain_schema`` kept from an earlier process
    (``engine.rulecache``), instead of building it."""
    validate = _PLAIN.get(model)
    if validate is None:
        validate = _PLAIN[model] = validator(plain_schema(model) if schema is None else schema)
    return validate


def validator(schema: PlainSchema) -> Callable[[Any], Any]:
    """The ``validate_python`` of a plain validator built from ``schema`` (a ``plain_schema``, perhaps kept from an
    earlier process), with no model class: ``pydantic_core.SchemaError`` when pydantic-core refuses it.

    msgspec's converter of the schema (``engine.model.msgcheck``) reads the entries first; what it refuses, or a
    schema it does not translate, pydantic-core reads (imported then, and built once): the result, or pydantic-core's
    ``ValidationError``, is the same either way. A schema that msgspec translates and pydantic-core then refuses (a
    kept schema changed by hand) raises ``TypeError`` when an entry is refused: the loader's models read them."""
    plain, config = schema
    listed = {"type": "list", "items_schema": plain}
    try:
        fast = msgcheck.compile(listed, config)
    except msgcheck.Unsupported:
        return _core_validator(listed, config)
    slow: list[Callable[[Any], Any]] = []

    def validate(entries: Any) -> Any:
        try:
            return fast(entries)
        except (msgcheck.Refused, msgcheck.Unsupported):
            if not slow:
                try:
                    slow.append(_core_validator(listed, config))
                except Exception as exc:  # pydantic_core.SchemaError (an Exception), or a TypeError
                    raise TypeError(f"a schema pydantic-core refuses: {exc}") from exc
            return slow[0](entries)

    return validate


def _core_validator(schema: Any, config: Any) -> Callable[[Any], Any]:
    from pydantic_core import SchemaValidator

    return SchemaValidator(schema, config).validate_python


def known(model: type[BaseModel]) -> Callable[[Any], Any] | None:
    """The plain validator of ``model`` when this process has built it."""
    return _PLAIN.get(model)


def plain_schema(model: type[BaseModel]) -> PlainSchema:
    """The core schema of ``model`` read as a typed mapping, and its core config: what ``plain_validator`` builds
    its validator from. Building the model's own schema first (pydantic's ``model_rebuild``, with its validator)
    is most of the time a plain validator takes (1 ms a model). ``TypeError``: see ``plain_validator``."""
    if model in _UNREADABLE:
        raise TypeError(_UNREADABLE[model])
    model.model_rebuild()  # a model with ``defer_build`` has its schema built on first use
    schema = cast(dict[str, Any], model.__pydantic_core_schema__)
    try:
        plain = _plain(schema)
    except TypeError as exc:
        _UNREADABLE[model] = str(exc)
        raise
    return plain, schema.get("config")


def _plain(schema: dict[str, Any]) -> CoreSchema:
    """``schema`` with each model read as a typed mapping (see the module); a schema this does not know (a
    custom validator, a default other than None) raises ``TypeError``: the fact models hold none today (a test
    holds it), and a model that comes to hold one is read by itself, more slowly, never wrongly."""
    from pydantic_core import core_schema as cs

    kind = schema["type"]
    if kind == "model":
        fields: dict[str, cs.TypedDictField] = {}
        for name, spec in schema["schema"]["fields"].items():
            inner, required = spec["schema"], True
            if inner["type"] == "default":
                if inner.get("default", ...) is not None:
                    raise TypeError(f"{name}: a default other than None is dumped; a plain validator leaves it out")
                inner, required = inner["schema"], False
            if inner["type"] == "nullable":  # null refused: the model's dump leaves a null field out
                inner = inner["schema"]
            key = spec.get("validation_alias", name)
            if spec.get("serialization_alias", key) != key:
                raise TypeError(f"{name}: read as {key!r} but dumped as {spec['serialization_alias']!r}")
            fields[key] = cs.typed_dict_field(_plain(inner), required=required)
        config = schema.get("config")
        return cs.typed_dict_schema(fields, extra_behavior="forbid", strict=True, config=config)
    if kind == "list":
        return cast("CoreSchema", {**schema, "items_schema": _plain(schema["items_schema"])})
    if kind == "union":
        return cast("CoreSchema", {**schema, "choices": [_plain(c) for c in schema["choices"]]})
    if kind in _SCALARS:
        return cast("CoreSchema", schema)
    raise TypeError(f"a {kind} schema: a plain validator reads models, lists, unions and scalars")
