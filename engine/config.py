"""Project configuration: ``archplan.toml``, or ``[tool.archplan]`` in ``pyproject.toml``.

Discovered upward from the (first) design path, or from the working directory when a command names no
design, stopping at the project root (a directory with ``.git``). A project can name its design,
disable rules, override their severity, set the thresholds that rules declare as ``params``, extend
the knowledge base with packs, and set the default ``--fail-on``::

    design = ["design"]                   # reviewed when a command names no DESIGN; relative to this file
    disable = ["config-baked-into-build"]
    extend = ["../team-rules"]            # relative to this file
    fail-on = "medium"

    [severity]
    external-call-without-circuit-breaker = "critical"

    [params]
    max_attempts = 2                      # every rule that declares `max_attempts`
    "retry-without-budget.max_attempts" = 4   # one rule only

    [params.sync-chain-too-deep]          # the same, as a table per rule
    max_depth = 4

    [plan]                                # the schedule of `archplan plan` (docs/plan.md)
    effort = {component = 8, mitigation = 3}       # person-days per kind of work item
    team-size = {default = 2, checkout-team = 4}   # people per team at once

Everything is checked against the loaded knowledge base: an unknown rule id, a parameter that no
rule declares, or a value of the wrong type is an error, never silently ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from engine.errors import ArchplanError, ErrorGroup, InputError, Location, UsageError, did_you_mean, raise_all
from engine.model import Severity
from engine.model.ruledata import KnowledgeBase
from engine.ruleload import derived_kinds, validate
from engine.source import DEFAULT_LIMITS, Document, Limits, keypath, read_text

if TYPE_CHECKING:
    import tomllib

CONFIG_NAME = "archplan.toml"
DEFAULT_DESIGN = "design"
"""The directory reviewed when a command names no design and the config has no ``design`` key."""
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "archplan")
FAIL_ON = ("critical", "high", "medium", "low", "never")

_SCALARS = (bool, int, float, str)


def _toml_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table (per-rule tables hold values, not further tables)"
    return f"a {type(value).__name__} ({value})"  # dates and times


class Config(Struct, frozen=True, eq=False):
    """A validated project configuration (``Config()`` is "no configuration")."""

    file: str | None = None
    design: tuple[str, ...] = ()
    """The design paths of the ``design`` key, as the user would name them (see ``_shown``)."""
    disable: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    """In the engine's form: ``name`` or ``rule-id.name`` -> value."""
    extend: tuple[str, ...] = ()
    """Absolute pack directories."""
    fail_on: str | None = None
    doc: Document | None = None
    """The parsed table with approximate key positions, for error messages."""
    param_paths: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict)
    """Engine param key -> its key path in the file."""
    prefix: tuple[str, ...] = ()
    """Where the table sits in its file: ``("tool", "archplan")`` in a pyproject.toml."""
    waiver_max_days: int | None = None
    """``[waivers] max-days``, when the file sets it."""
    allow_blanket_waivers: bool | None = None
    """``[waivers] allow-blanket``, when the file sets it."""
    plan_effort: Mapping[str, float] = field(default_factory=dict)
    """``[plan] effort``: person-days per kind of work item."""
    plan_team_size: Mapping[str, int] = field(default_factory=dict)
    """``[plan] team-size``: people per team (``default`` for the others)."""

    def locate(self, *path: str | int) -> Location | None:
        """Where a key path of the config stands (line-accurate for keys; see ``_key_lines``)."""
        return self.doc.locate(path) if self.doc is not None else None

    def check(self, kb: KnowledgeBase) -> list[ArchplanError]:
        """Problems of this config against a loaded knowledge base (all rules, none disabled yet)."""
        rules = {lr.rule.id: lr.rule for lr in kb.rules}
        errors: list[ArchplanError] = []

        def err(msg: str, *path: str | int) -> None:
            errors.append(InputError(msg, self.locate(*path), keypath((*self.prefix, *path))))

        def unknown(rid: str) -> str:
            return f"unknown rule id '{rid}'{did_you_mean(rid, rules)}"

        for i, rid in enumerate(self.disable):
            if rid not in rules:
                err(unknown(rid), "disable", i)
        for rid in sorted(self.severity):
            if rid not in rules:
                err(unknown(rid), "severity", rid)
        if self.plan_effort:
            patterns = {m.id for r in rules.values() for m in r.mitigations} | {"component", "mitigation"}
            for key in sorted(set(self.plan_effort) - patterns):
                err(f"[plan] effort: '{key}' is neither component, mitigation nor a mitigation id of the loaded "
                    f"rules{did_you_mean(key, patterns)}", "plan", "effort", key)
        declared: dict[str, list[str]] = {}
        for rid, rule in rules.items():
            for name in rule.params:
                declared.setdefault(name, []).append(rid)
        for key in sorted(self.params):
            value = self.params[key]
            path = self.param_paths.get(key, ("params", key))
            rid, _, name = key.rpartition(".")
            if rid:
                if rid not in rules:
                    err(unknown(rid), *path)
                    continue
                own = rules[rid].params
                if name not in own:
                    hint = (f"; it declares {', '.join(sorted(own))}" if own else "; it declares no parameters")
                    err(f"rule '{rid}' has no parameter '{name}'{did_you_mean(name, own)}{hint}", *path)
                    continue
                targets = [rid]
            else:
                if name not in declared:
                    err(f"no rule declares the parameter '{name}'{did_you_mean(name, declared)}", *path)
                    continue
                targets = sorted(declared[name])
            for t in targets:
                default = rules[t].params[name]
                if not _same_type(default, value):
                    err(f"{value!r} is not a {_type_name(default)}, the type of '{name}' in rule '{t}' "
                        f"(default {default!r})", *path)
                    break
        return errors

    def apply(self, kb: KnowledgeBase, disabled: Sequence[str] = ()) -> KnowledgeBase:
        """The knowledge base this config asks for: checked, rules disabled, params set.

        Raises:
            ArchplanError: the config names what does not exist, or disabling a rule breaks another
                (a rule matching a kind that only the disabled rule derives).
        """
        errors = self.check(kb)
        known = {lr.rule.id for lr in kb.rules}
        errors.extend(InputError(f"unknown rule id '{rid}'{did_you_mean(rid, known)}") for rid in disabled
                      if rid not in known)
        raise_all(errors)
        off = set(self.disable) | set(disabled)
        if off:
            active = [lr for lr in kb.rules if lr.rule.id not in off]
            kb = KnowledgeBase(active, derived_kinds(active), dict(kb.params))
            raise_all(validate(kb))
        kb.params.update(self.params)
        return kb


NO_CONFIG = Config()


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "whole number"
    if isinstance(default, float):
        return "number"
    return "string"


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$"  # compiled (and cached by re) only when a config is read
_ASSIGN = rf"^\s*({_DOTTED})\s*="


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _key_lines(text: str) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """Approximate positions of table headers and keys (tomllib reports none).

    A line scanner, not a TOML parser: good for the header and ``key = value`` lines a config
    has; a key it cannot place falls back to its table's line, then to the file.
    """
    out: dict[tuple[str | int, ...], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("[["):
            table = ("[[array]]",)  # arrays of tables are not part of archplan's config
            continue
        m = re.match(_HEADER, line)
        if m:
            table = _split_key(m.group(1))
            out.setdefault(table, (lineno, line.index("[") + 1))
            continue
        m = re.match(_ASSIGN, line)
        if m:
            path = (*table, *_split_key(m.group(1)))
            out.setdefault(path, (lineno, len(line) - len(line.lstrip()) + 1))
    return out


def _toml_error(exc: tomllib.TOMLDecodeError, path: str) -> InputError:
    msg = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if m:
        return InputError(f"invalid TOML: {msg[: m.start()].strip()}", Location(path, int(m.group(1)),
                                                                                  int(m.group(2))))
    return InputError(f"invalid TOML: {msg}", Location(path))


def _parse_toml(path: str, limits: Limits) -> tuple[dict[str, Any], str]:
    import tomllib  # here: most runs have no config file to parse

    text = read_text(path, limits)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, path) from None


def load_config(path: str, limits: Limits = DEFAULT_LIMITS) -> Config:
    """Read and schema-check one config file (``archplan.toml`` or a ``pyproject.toml``).

    Raises:
        InputError: unreadable file, invalid TOML, an unknown key or a wrong type (each with its key
            path and, where a close match exists, a did-you-mean), or a ``design`` path or ``extend`` pack that does
            not exist.
    """
    data, text = _parse_toml(path, limits)
    lines = _key_lines(text)
    base: tuple[str, ...] = ()
    if os.path.basename(path) == PYPROJECT:
        base = PYPROJECT_TABLE
        table = data.get("tool", {}).get("archplan") if isinstance(data.get("tool"), dict) else None
        if table is None:
            raise InputError("pyproject.toml has no [tool.archplan] table", Location(path))
        data = table
    positions = {p[len(base):]: pos for p, pos in lines.items() if p[: len(base)] == base}
    positions.setdefault((), lines.get(base, (1, 1)) if base else (1, 1))
    doc = Document(path, data, positions)
    if not isinstance(data, dict):  # `[tool] archplan = 3` in a pyproject.toml
        raise InputError("tool.archplan must be a table", doc.locate(()), "tool.archplan")
    from engine.config_file import ConfigFile, ValidationError  # its models: only when a config file is read

    try:
        model = ConfigFile.model_validate(data)
    except ValidationError as exc:
        from engine.validation import validation_errors

        errs = validation_errors(exc, ConfigFile, doc, (), data)
        raise ErrorGroup([InputError(e.message, e.location, _prefixed(base, e.keypath)) for e in errs]) \
            from None
    params: dict[str, Any] = {}
    param_paths: dict[str, tuple[str | int, ...]] = {}
    errors: list[ArchplanError] = []

    def bad_value(value: Any, *path: str) -> bool:
        if isinstance(value, _SCALARS):
            return False
        errors.append(InputError(f"a parameter value is a number, a string or true/false, not {_toml_type(value)}",
                                 doc.locate(path), _prefixed(base, keypath(path))))
        return True

    for key, value in model.params.items():
        if isinstance(value, dict):
            for name, v in value.items():
                if not bad_value(v, "params", key, name):
                    params[f"{key}.{name}"] = v
                    param_paths[f"{key}.{name}"] = ("params", key, name)
        elif not bad_value(value, "params", key):
            params[key] = value
            param_paths[key] = ("params", key)
    here = os.path.dirname(os.path.abspath(path))
    design: list[str] = []
    if model.design is not None and not model.design:
        errors.append(InputError("design lists no path; name the design files or directories, or remove the key",
                                 doc.locate(("design",)), _prefixed(base, "design")))
    for i, rel in enumerate(model.design or ()):
        target = os.path.normpath(os.path.join(here, rel))
        if not os.path.exists(target):
            errors.append(InputError(f"design path '{rel}' does not exist (looked for {target})",
                                     doc.locate(("design", i)), _prefixed(base, f"design[{i}]")))
        design.append(_shown(target))
    extend: list[str] = []
    for i, rel in enumerate(model.extend):
        target = os.path.normpath(os.path.join(here, rel))
        if not os.path.exists(target):
            errors.append(InputError(f"rule pack '{rel}' does not exist (looked for {target})",
                                     doc.locate(("extend", i)), _prefixed(base, f"extend[{i}]")))
        extend.append(target)
    raise_all(errors)
    return Config(file=path, design=tuple(design), disable=tuple(model.disable),
                  severity={k: Severity(v) for k, v in sorted(model.severity.items())},
                  params=dict(sorted(params.items())), extend=tuple(extend), fail_on=model.fail_on,
                  doc=doc, param_paths=param_paths, prefix=base,
                  waiver_max_days=model.waivers.max_days if model.waivers else None,
                  allow_blanket_waivers=model.waivers.allow_blanket if model.waivers else None,
                  plan_effort=dict(sorted(model.plan.effort.items())) if model.plan else {},
                  plan_team_size=dict(sorted(model.plan.team_size.items())) if model.plan else {})


def _prefixed(base: tuple[str, ...], kp: str) -> str:
    # Name keys as the user wrote them: inside pyproject.toml they live under tool.archplan.
    return ".".join((*base, kp)) if base and kp else kp


_MAY_DECLARE = "|".join((r"""tool["']?[ \t]*\.[ \t]*["']?archplan""", r"""^[ \t]*\[[ \t]*["']?tool["']?[ \t]*\]""",
                          r"""(?:^|[{,])[ \t]*["']?tool["']?[ \t]*=""", r"\\[uU]"))
"""What a TOML text needs to hold to declare a ``tool.archplan`` table: a key path ``tool.archplan`` (a header
``[tool.archplan]``, ``[tool.archplan.x]``, or dotted keys; spaces and quotes allowed around the dot), a ``[tool]``
header (``archplan = {...}`` or ``archplan.x = ...`` under it), or a ``tool = {...}`` key; or an escape, which could
spell either in a quoted key. A text with none of them cannot (a pyproject.toml naming archplan only as a dependency,
a script or a project name: archplan's own), and is not parsed."""


def _declares_archplan(path: str, limits: Limits) -> bool:
    text = read_text(path, limits)
    if "archplan" not in text:  # cheap: most pyproject.toml files never mention archplan
        return False
    if not re.search(_MAY_DECLARE, text, re.MULTILINE):  # importing and running tomllib: 19.5 M instructions
        return False
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # It mentions archplan and cannot be read: fail closed rather than review unconfigured.
        raise _toml_error(exc, path) from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "archplan" in tool


def _shown(path: str) -> str:
    # Messages name the file as the user would: relative to the working directory when under it.
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def discover(start: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The config file that applies to ``start``: the nearest ``archplan.toml``, or ``pyproject.toml``
    with a ``[tool.archplan]`` table, in ``start``'s directory or above, up to the project root.

    The walk stops after the first directory that holds ``.git`` (the project root), so a
    checkout never picks up a config that happens to sit above it.
    """
    here = os.path.abspath(start)
    directory = here if os.path.isdir(here) else os.path.dirname(here)
    while True:
        candidate = os.path.join(directory, CONFIG_NAME)
        if os.path.isfile(candidate):
            return _shown(candidate)
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate) and _declares_archplan(candidate, limits):
            return _shown(candidate)
        parent = os.path.dirname(directory)
        if os.path.exists(os.path.join(directory, ".git")) or parent == directory:
            return None
        directory = parent


def default_design(config: Config) -> tuple[str, ...]:
    """What to review when a command names no design: the config's ``design``, else ``./design`` if it is a
    directory, else nothing."""
    if config.design:
        return config.design
    return (DEFAULT_DESIGN,) if os.path.isdir(DEFAULT_DESIGN) else ()


def resolve(design_paths: Sequence[str], explicit: str | None = None, no_config: bool = False,
            limits: Limits = DEFAULT_LIMITS) -> Config:
    """The configuration for a run: ``explicit`` if given, else the one discovered from the first design path.

    Args:
        design_paths: The design files or directories being reviewed (discovery starts at the first).
        explicit: A config file named with ``--config``.
        no_config: ``--no-config``: ignore any project configuration.
        limits: Input size limits.

    Raises:
        UsageError: both ``explicit`` and ``no_config``, or ``explicit`` does not exist.
        InputError: the config file is invalid.
    """
    if no_config:
        if explicit:
            raise UsageError("--config and --no-config cannot be used together")
        return NO_CONFIG
    if explicit:
        if not os.path.isfile(explicit):
            raise UsageError(f"config file {explicit} does not exist")
        return load_config(explicit, limits)
    start = design_paths[0] if design_paths else os.getcwd()
    found = discover(start, limits)
    return load_config(found, limits) if found else NO_CONFIG
