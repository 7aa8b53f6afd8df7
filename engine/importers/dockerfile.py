"""The Dockerfile of a compose service's build context: the image it runs on, and the variables it sets.

A compose service with ``build:`` runs the image its Dockerfile builds, whatever its ``image:`` tag
says (``image: ${REPO}/rs-mongodb`` names the result; ``FROM mongo:5`` says what it is). The
importer therefore reads, from the stage that compose builds (``build.target``, else the last one):

- the **base image**, following ``FROM <earlier stage>`` back to a registry image, so that a
  project's own build of a database is recognised by what it is built from;
- its **health check** (``HEALTHCHECK``), which Docker runs when compose states none: the container's readiness;
- its **command** (``ENTRYPOINT`` and ``CMD``), which the container runs unless compose's ``entrypoint`` or
  ``command`` replaces it: the server it starts and the configuration it names;
- the ``RUN`` commands of that stage and the stages it builds on: what runs while the image is built, not in the
  container (a script run there is not the running process's code);
- the **environment** that stage sets with ``ENV`` (inherited from the stages it is built on), which
  the container starts with unless compose's ``environment`` sets the same key: the host names of the
  services it calls, and credentials written into the image.

``ARG`` defaults, overridden by compose's ``build.args``, are substituted into ``FROM`` and ``ENV``
values as Docker does (``$NAME``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:+alt}``); a value that
still refers to an unknown variable keeps its ``$`` and is never taken for a literal credential.

The Dockerfile is parsed by Docker's own parser (the ``dockerfile`` package, BuildKit's Go parser).
It is not an artifact the user handed over: a Dockerfile that is missing, unreadable or does not
parse is said in the import's remarks and the service is imported from compose alone. A context
given as a URL (``https://…``, ``git@…``) is not fetched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, Location
from engine.source import DEFAULT_LIMITS, Limits, read_text

try:  # an optional dependency (archplan[importers]); without it compose is read alone
    import dockerfile as _parser
except ImportError:  # pragma: no cover - the dev install has it (a test stands in for its absence)
    _parser = None

MISSING_PARSER = "Dockerfiles of build contexts not read: install archplan[importers] (the dockerfile package)"

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/)", re.IGNORECASE)


def is_remote_context(context: str) -> bool:
    """Whether a build context is a URL or a Git remote (its Dockerfile is not on disk to read)."""
    return _REMOTE.match(context) is not None


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass
class Build:
    """What a build context's Dockerfile says about the container compose runs from it."""

    dockerfile: str
    base: str | None
    base_at: Location
    env: list[tuple[str, str, Location]] = field(default_factory=list)
    healthcheck: tuple[bool, Location] | None = None
    """Whether the stage declares a health check (``HEALTHCHECK CMD ...``: True; ``HEALTHCHECK NONE``: False), its
    own or one of the stages it is built on, and where; None when it says nothing (a registry base image may)."""
    entrypoint: tuple[tuple[str, ...], Location] | None = None
    """The stage's ``ENTRYPOINT`` (its words; the shell form's one string), its own or inherited, and where."""
    cmd: tuple[tuple[str, ...], Location] | None = None
    """The stage's ``CMD`` likewise (one set before an ``ENTRYPOINT`` of the same stage still holds)."""
    runs: tuple[str, ...] = ()
    """The ``RUN`` commands of the stage and of the stages it is built on (each as one text): what runs while the
    image is built, not in the container."""


@dataclass
class _Stage:
    name: str
    base: str | None  # a registry image; None when built FROM scratch or the base is not known
    at: Location
    env: dict[str, tuple[str, Location]]
    args: dict[str, str]
    healthcheck: tuple[bool, Location] | None = None
    entrypoint: tuple[tuple[str, ...], Location] | None = None
    cmd: tuple[tuple[str, ...], Location] | None = None
    runs: tuple[str, ...] = ()


def build_of(spec: Mapping[str, Any], project_dir: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Build | None, str]:
    """The Dockerfile a compose service is built from, read; or None and why not ("" when the service
    has no ``build``)."""
    build = spec.get("build")
    if isinstance(build, str):
        context, name, target, args = build, "Dockerfile", None, {}
    elif isinstance(build, dict):
        context = str(build.get("context", "."))
        name = str(build.get("dockerfile") or "Dockerfile")
        target = str(build["target"]) if build.get("target") is not None else None
        raw = build.get("args")
        args = ({str(k): "" if v is None else str(v) for k, v in raw.items()} if isinstance(raw, dict) else
                dict(str(a).partition("=")[::2] for a in raw) if isinstance(raw, list) else {})
    else:
        return None, ""
    if is_remote_context(context):
        return None, f"build context {context} is remote: its Dockerfile is not read"
    if _parser is None:
        return None, MISSING_PARSER
    path = os.path.normpath(os.path.join(project_dir, context, name))
    if not os.path.isfile(path):
        return None, f"no Dockerfile at {path}: the image is known by its name alone"
    try:
        text = read_text(path, limits)
        commands = _parser.parse_string(text)
    except ArchplanError as exc:
        return None, f"{path} not read: {exc.message}"
    except _parser.GoParseError as exc:
        return None, f"{path} not read: {str(exc).splitlines()[0] if str(exc) else 'it does not parse'}"
    return _final(path, commands, target, args)


def _final(path: str, commands: Any, target: str | None,
           build_args: dict[str, str]) -> tuple[Build | None, str]:
    stages: list[_Stage] = []
    global_args: dict[str, str] = {}
    for cmd in commands:
        at = Location(path, cmd.start_line, 1)
        op = cmd.cmd.upper()
        if op == "FROM":
            words = [w for w in cmd.value if w]
            image = _substitute(words[0], global_args) if words else ""
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
            parent = next((s for s in stages if s.name and s.name.lower() == image.lower()), None)
            if parent is not None:
                stages.append(_Stage(alias, parent.base, parent.at, dict(parent.env), dict(parent.args),
                                     parent.healthcheck, parent.entrypoint, parent.cmd, parent.runs))
            else:
                base = None if image.lower() == "scratch" or "$" in image else image
                stages.append(_Stage(alias, base, at, {}, {}))
        elif op == "ARG":
            for decl in cmd.value:
                key, eq, default = str(decl).partition("=")
                scope = stages[-1].args if stages else global_args
                if key in build_args:
                    scope[key] = build_args[key]
                elif eq:
                    scope[key] = _unquote(default)
                elif stages and key in global_args:
                    scope[key] = global_args[key]  # ``ARG NAME`` in a stage takes the global default
        elif op == "HEALTHCHECK" and stages:  # the last one of a stage wins, as Docker has it
            words = [str(w).upper() for w in cmd.value if w]
            stages[-1].healthcheck = (words[:1] != ["NONE"], at)
        elif op in ("CMD", "ENTRYPOINT") and stages:  # the last one of a stage wins
            setattr(stages[-1], op.lower(), (tuple(str(w) for w in cmd.value), at))
        elif op == "RUN" and stages:
            stages[-1].runs = (*stages[-1].runs, " ".join(str(w) for w in cmd.value))
        elif op == "ENV" and stages:
            stage = stages[-1]
            values = list(cmd.value)
            scope = {**stage.args, **{k: v for k, (v, _l) in stage.env.items()}}
            for key, value in zip(values[0::2], values[1::2], strict=False):
                stage.env[str(key)] = (_substitute(_unquote(str(value)), scope), at)
                scope[str(key)] = stage.env[str(key)][0]
    if not stages:
        return None, f"{path} has no FROM"
    chosen = stages[-1]
    if target is not None:
        named = [s for s in stages if s.name.lower() == target.lower()]
        if not named:
            return None, f"{path} has no stage {target!r} (build.target)"
        chosen = named[0]
    env = [(k, v, loc) for k, (v, loc) in sorted(chosen.env.items())]
    return Build(path, chosen.base, chosen.at, env, chosen.healthcheck, chosen.entrypoint, chosen.cmd,
                 chosen.runs), ""


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _substitute(value: str, scope: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        known = name in scope and scope[name] != ""
        if m.group(2) == ":-":
            return scope[name] if known else m.group(3)
        if m.group(2) == ":+":
            return m.group(3) if known else ""
        return scope[name] if name in scope else m.group(0)
    return _VAR.sub(one, value)
