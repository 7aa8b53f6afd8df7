"""Compose files read the way ``docker compose -f a.yml -f b.yml config`` reads them.

- **Project.** The project directory is the first file's directory. Its ``.env`` file gives the
  variables for interpolation; when the repository commits no ``.env`` but the template it ships for one
  (``.env.example``, ``.env.sample``...: what an installation copies), the template's values are read, with a remark.
  The shell's environment is *not* read: the review of a repository must
  not change with the machine or the person that runs it. A variable that is neither in ``.env`` nor
  given a default becomes an empty string, as compose does, and the import says so.
- **Interpolation** in every string value: ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
  ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}`` (unset: a warning, not an error, since
  the variable may come from the environment of whoever runs compose), ``${VAR:+alt}``, ``${VAR+alt}``, and ``$$``
  for a literal dollar; defaults may hold variables (``${A:-${B}}``, as compose v2). A malformed
  ``${...}`` is an error at its line.
- **extends** (same file or ``file:``), resolved before the files are merged.
- **Merge**, later files over earlier ones: mappings merge key by key; ``environment``, ``labels``,
  ``build.args``, ``extra_hosts``, ``sysctls``, ``depends_on`` and ``networks`` merge by key whether
  written as a mapping or a list; ``volumes`` and ``devices`` merge by container path; ``command``,
  ``entrypoint`` and ``healthcheck.test`` are replaced; other lists are appended without duplicates;
  scalars are replaced.
- **env_file** entries are read into ``environment`` (below the values written there); one the repository does
  not commit is read from the template it ships for it (``.env`` from ``.env.example``, ``app.env`` from
  ``app.env.example``: ``template_of``), with a remark, as the project's ``.env`` is.
- **include** (a path, a list of paths, or ``{path: ...}`` entries): each included file is read as its own
  project (its directory, its ``.env``), its relative build contexts and bind-mount sources rebased onto
  the including project's directory, and its services and top-level keys come before the including file's.
- **Merge tags**: ``!reset`` removes the value a later file names (a key of a service, a whole service),
  ``!override`` replaces it whole instead of merging it.
- **Profiles**: a service with ``profiles`` runs only when one of them is enabled; the others always run. The
  profiles enabled are the import's (``--profile``, as ``docker compose --profile``), else those ``COMPOSE_PROFILES``
  sets in the project's ``.env`` (or its template), else none; ``*`` enables every one. The project is the
  deployment ``docker compose up`` would start: a service none of whose profiles is enabled is left out, with a
  remark, and an optional ``depends_on`` on it (``required: false``) is dropped; a required ``depends_on``, a link,
  ``network_mode: service:`` or ``volumes_from`` naming it is an error, as compose refuses to start such a project.

Every merged value keeps the file, line and column that stated it, so a finding on a value set by an
override points at the override.
"""

from __future__ import annotations

import os
import re
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ArchplanError, InputError, Location, UsageError, did_you_mean, raise_all
from engine.importers.base import ArtifactDocument
from engine.source import DEFAULT_LIMITS, Document, Limits, Path, keypath, parse, read_text

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
"""The files ``docker compose`` reads in a directory when no ``-f`` is given (the first found), each
with its ``.override`` sibling."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)
_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)", re.DOTALL)

_REPLACED: frozenset[tuple[str, ...]] = frozenset({("command",), ("entrypoint",), ("healthcheck", "test")})
_BY_KEY: frozenset[tuple[str, ...]] = frozenset({
    ("environment",), ("labels",), ("build", "args"), ("build", "labels"), ("extra_hosts",), ("sysctls",),
    ("depends_on",), ("networks",), ("deploy", "labels"), ("annotations",)})
_BY_TARGET: frozenset[tuple[str, ...]] = frozenset({("volumes",), ("devices",)})
_INTEGERS: frozenset[tuple[str, ...]] = frozenset({("deploy", "replicas"), ("scale",)})
_RESET, _OVERRIDE = "!reset", "!override"
_MERGE_TAGS = frozenset({_RESET, _OVERRIDE})
"""Compose's own YAML tags, which say how a value merges onto the one an earlier file gave."""
Tags = Mapping[tuple[str, ...], str]
"""The merge tags in a file, by key path relative to the value being merged (a service, a top-level key)."""

Locs = dict[Path, Location]
"""Locations of a value's parts, by key path relative to the value."""


@dataclass
class Project:
    """The merged compose model: one document whose every key path locates in the file that stated it."""

    doc: Document
    files: list[str]
    remarks: list[tuple[Location, str]] = field(default_factory=list)
    unread_env_files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Service -> the env_files it names that are not there: its deployment may set any variable in them."""
    profiles: tuple[str, ...] = ()
    """The compose profiles enabled (sorted; ``*``: every one)."""
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Service -> its profiles, none of them enabled: compose does not start it, and it is not in ``doc``."""


def project_files(directory: str) -> list[str]:
    """The compose files ``docker compose`` would read in ``directory``: the default file and its override."""
    names = set(os.listdir(directory)) if os.path.isdir(directory) else set()
    for name in DEFAULT_FILES:
        if name in names:
            stem, ext = os.path.splitext(name)
            override = f"{stem}.override{ext}"
            found = [os.path.join(directory, name)]
            other_ext = ".yml" if ext == ".yaml" else ".yaml"
            for cand in (override, f"{stem}.override{other_ext}"):
                if cand in names:
                    found.append(os.path.join(directory, cand))
                    break
            return found
    return []


ENV_TEMPLATES = (".env.example", ".env.sample", ".env.template", ".env.dist", "example.env", "env.example")
"""The names under which a repository commits the ``.env`` it means an installation to copy and fill in, when it
commits no ``.env`` itself (``cp .env.example .env``): the values it holds are what a deployment that keeps them runs
with."""


def env_file_of(directory: str) -> str | None:
    """The project's ``.env``, or, when the repository commits none, the template it ships for it (``.env.example``):
    None when there is neither."""
    for name in (".env", *ENV_TEMPLATES):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def env_template_for(path: str) -> str | None:
    """The template a repository ships for an env file it does not commit (``env_file: .env`` with ``.env.example``
    committed): in the env file's directory or the nearest one above it (a compose file kept under ``docker/`` or
    ``docs/install/`` with the template at the repository's root, which the installation copies beside it), the
    env file's name with a template's suffix (``.env.example``, ``.env.template``...; for ``.env`` also
    ``example.env`` and ``env.example``). None when there is none. Only the working directory (where the import
    runs: the checkout) and the directories under it are searched; an env file outside it is looked for in its own
    directory only."""
    name = os.path.basename(path)
    names = ENV_TEMPLATES if name == ".env" else tuple(f"{name}{t[len('.env'):]}" for t in ENV_TEMPLATES
                                                        if t.startswith(".env"))
    directory = os.path.dirname(os.path.relpath(path))
    inside = directory != ".." and not directory.startswith(".." + os.sep)
    if not inside:
        directory = os.path.dirname(os.path.abspath(path))
    while True:
        for candidate in names:
            found = os.path.join(directory, candidate)
            if os.path.isfile(found):
                return os.path.relpath(found) if inside and not os.path.isabs(path) else found
        if not inside or directory == "":
            return None
        directory = os.path.dirname(directory)


def read_env_file(path: str, limits: Limits = DEFAULT_LIMITS, lookup: Mapping[str, str] | None = None,
                  ) -> tuple[dict[str, str], dict[str, Location], list[tuple[Location, str]]]:
    """``KEY=VALUE`` lines (``export``, quotes and ``#`` comments as in compose): values, their places, remarks.

    As compose reads an env file (its "env file syntax"), an unquoted or double-quoted value has its variables
    interpolated (``${DB_USER}``, ``$DB_USER``, ``${X:-default}``...: the syntax of the compose file), a single-quoted
    one is taken literally; a variable is looked up in the lines above it in the file, then in ``lookup`` (compose's
    own lookup: for a service's env_file, the service's earlier env_files and the project's environment; for the
    project's ``.env``, the shell's environment, which archplan does not read). One that is set nowhere is read as an
    empty string, as compose reads it, and said in a remark.

    Raises:
        InputError: a ``${`` that is not closed, or not a variable (compose refuses the file too).
    """
    values: dict[str, str] = {}
    places: dict[str, Location] = {}
    remarks: list[tuple[Location, str]] = []
    interp = _Interpolator(ChainMap(values, dict(lookup or {})), None)
    for number, raw in enumerate(read_text(path, limits).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _ENV_LINE.fullmatch(line)
        if m is None:
            remarks.append((Location(path, number, 1), "not a KEY=VALUE line: ignored"))
            continue
        key, value = m.group(1), m.group(2).strip()
        quote = ""
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        else:
            hash_at = value.find(" #")
            if hash_at >= 0:
                value = value[:hash_at].rstrip()
        places[key] = Location(path, number, raw.find(key) + 1)
        if quote != "'" and "$" in value:
            value = interp.text(value, Location(path, number, raw.find("=") + 2), (key,))
        values[key] = value
    for name, (loc, message) in sorted(interp.required.items(), key=lambda kv: (kv[1][0], kv[0])):
        remarks.append((loc, f"variable {name} is required ({message or 'no message'}) but set neither above nor in "
                             "the project's environment; read as an empty string (archplan does not read the shell's "
                             "environment)"))
    for name, loc in sorted(interp.unset.items(), key=lambda kv: (kv[1], kv[0])):
        remarks.append((loc, f"variable {name} is set neither above nor in the project's environment; compose reads "
                             "it as an empty string (archplan does not read the shell's environment)"))
    return values, places, remarks


class _Interpolator:
    """Substitutes variables in one file's values; remembers which were unset."""

    def __init__(self, env: Mapping[str, str], env_file: str | None) -> None:
        self.env = env
        self.env_file = env_file
        self.unset: dict[str, Location] = {}
        self.required: dict[str, tuple[Location, str]] = {}
        """Variables the file requires (``${X:?message}``) that are not set: compose would stop; archplan,
        which never reads the shell's environment, reads them as empty and says so."""

    def text(self, value: str, loc: Location, at: Path) -> str:
        """``value`` with its variables substituted (one left-to-right pass: linear in its length)."""
        if "$" not in value:
            return value
        out: list[str] = []
        i, n = 0, len(value)
        while i < n:
            j = value.find("$", i)
            if j < 0:
                out.append(value[i:])
                break
            out.append(value[i:j])
            nxt = value[j + 1:j + 2]
            if nxt == "$":
                out.append("$")
                i = j + 2
            elif nxt == "{":
                depth, k = 1, j + 2
                while k < n and depth:
                    depth += {"{": 1, "}": -1}.get(value[k], 0)
                    k += 1
                if depth:
                    raise InputError("invalid interpolation format: '${' is not closed by '}'", loc, keypath(at))
                out.append(self._braced(value[j + 2:k - 1], loc, at))
                i = k
            else:
                m = _NAME.match(value, j + 1)
                out.append(self._lookup(m.group(0), loc) if m else "$")
                i = m.end() if m else j + 1
        return "".join(out)

    def _braced(self, inner: str, loc: Location, at: Path) -> str:
        m = _BRACED.fullmatch(inner)
        if m is None:
            raise InputError(f"invalid interpolation format '${{{inner[:80]}}}'", loc, keypath(at))
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        value = self.env.get(name)
        if op is None:
            return self._lookup(name, loc)
        present = value is not None and (value != "" or not op.startswith(":"))
        if op.endswith("-"):
            return value if present and value is not None else self.text(arg, loc, at)
        if op.endswith("+"):
            return self.text(arg, loc, at) if present else ""
        if not present:  # ? and :?  compose stops here; the review goes on, and says so
            self.required.setdefault(name, (loc, arg))
            return ""
        return value or ""

    def _lookup(self, name: str, loc: Location) -> str:
        value = self.env.get(name)
        if value is None:
            self.unset.setdefault(name, loc)
            return ""
        return value


def _interpolate(doc: Document, node: Any, at: Path, interp: _Interpolator) -> Any:
    if isinstance(node, str):
        out = interp.text(node, doc.locate(at), at)
        if len(at) > 2 and at[0] == "services" and tuple(at[2:]) in _INTEGERS and out.strip().isdigit():
            return int(out)  # compose casts these after interpolation: `replicas: ${N:-2}`
        return out
    if isinstance(node, dict):
        return {k: _interpolate(doc, v, (*at, k), interp) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate(doc, v, (*at, i), interp) for i, v in enumerate(node)]
    return node


def _locs(doc: Document, at: Path, value: Any) -> Locs:
    """The location of every part of ``value`` (found at ``at`` in ``doc``), relative to ``value``."""
    out: Locs = {}

    def walk(node: Any, rel: Path) -> None:
        out[rel] = doc.locate((*at, *rel))
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*rel, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*rel, i))

    walk(value, ())
    return out


def _sub(locs: Locs, key: str | int) -> Locs:
    return {p[1:]: loc for p, loc in locs.items() if p and p[0] == key}


def _with(locs: Locs, key: str | int, sub: Locs) -> Locs:
    out = {p: loc for p, loc in locs.items() if not (p and p[0] == key)}
    out.update({(key, *p): loc for p, loc in sub.items()})
    return out


def _as_map(value: Any, locs: Locs, path: tuple[str, ...]) -> tuple[dict[str, Any], Locs]:
    """A by-key field in mapping form (``KEY=VALUE`` / ``host:ip`` items and bare names become keys)."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}, locs
    out: dict[str, Any] = {}
    out_locs: Locs = {(): locs.get((), Location(""))}
    for i, item in enumerate(value if isinstance(value, list) else []):
        text = str(item)
        val: Any
        if path in (("depends_on",), ("networks",)):
            key, val = text, ({"condition": "service_started"} if path == ("depends_on",) else None)
        else:
            sep = "=" if "=" in text or path != ("extra_hosts",) else ":"
            key, has, rest = text.partition(sep)
            val = rest if has else None
        out[key] = val
        out_locs.update({(key, *p): loc for p, loc in _sub(locs, i).items()})
    return out, out_locs


def _target(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("target", ""))
    parts = str(item).split(":")
    return parts[1] if len(parts) >= 2 else parts[0]


def _without(locs: Locs, key: str | int) -> Locs:
    return {p: loc for p, loc in locs.items() if not (p and p[0] == key)}


def _strip_resets(data: Any, locs: Locs, tags: Tags, base: tuple[str, ...] = ()) -> tuple[Any, Locs]:
    """``data`` (the value at ``base``) without the keys tagged ``!reset`` (nothing earlier to reset: absent)."""
    if not isinstance(data, dict) or not any(t == _RESET for t in tags.values()):
        return data, locs
    out: dict[str, Any] = {}
    out_locs = dict(locs)
    for k, v in data.items():
        sub = (*base, str(k))
        if tags.get(sub) == _RESET:
            out_locs = _without(out_locs, k)
            continue
        out[k], inner = _strip_resets(v, _sub(locs, k), tags, sub)
        out_locs = _with(out_locs, k, inner)
    return out, out_locs


def _merge(path: tuple[str, ...], base: Any, blocs: Locs, over: Any, olocs: Locs,
           tags: Tags | None = None) -> tuple[Any, Locs]:
    """``over`` merged onto ``base`` (compose's rules for the field at ``path``, relative to a service;
    ``tags``: the merge tags of ``over``'s file, by the same paths)."""
    tags = tags or {}
    if path in _REPLACED:
        return over, olocs
    if path in _BY_KEY and isinstance(base, (dict, list)) and isinstance(over, (dict, list)):
        bmap, bl = _as_map(base, blocs, path)
        omap, ol = _as_map(over, olocs, path)
        merged = dict(bmap)
        locs = dict(bl)
        for k, v in omap.items():
            merged[k] = v
            locs = _with(locs, k, _sub(ol, k))
        return merged, locs
    if path in _BY_TARGET and isinstance(base, list) and isinstance(over, list):
        items = list(base)
        locs_list = [_sub(blocs, i) for i in range(len(base))]
        for i, item in enumerate(over):
            target = _target(item)
            hit = next((j for j, b in enumerate(items) if _target(b) == target), None)
            if hit is None:
                items.append(item)
                locs_list.append(_sub(olocs, i))
            else:
                items[hit] = item
                locs_list[hit] = _sub(olocs, i)
        return items, _reindexed(blocs, locs_list)
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        locs = dict(blocs)
        for k, v in over.items():
            tag = tags.get((*path, str(k)))
            if tag == _RESET:
                merged.pop(k, None)
                locs = _without(locs, k)
                continue
            if k in merged and tag != _OVERRIDE:
                value, sub = _merge((*path, str(k)), merged[k], _sub(locs, k), v, _sub(olocs, k), tags)
            else:
                value, sub = _strip_resets(v, _sub(olocs, k), tags, (*path, str(k)))
            merged[k] = value
            locs = _with(locs, k, sub)
        return merged, locs
    if isinstance(base, list) and isinstance(over, list):
        items = list(base)
        locs_list = [_sub(blocs, i) for i in range(len(base))]
        for i, item in enumerate(over):
            if item not in items:
                items.append(item)
                locs_list.append(_sub(olocs, i))
        return items, _reindexed(blocs, locs_list)
    return over, olocs


def _reindexed(root: Locs, parts: list[Locs]) -> Locs:
    out: Locs = {(): root.get((), Location(""))}
    for i, sub in enumerate(parts):
        out.update({(i, *p): loc for p, loc in sub.items()})
    return out


@dataclass
class _File:
    """One compose file, interpolated: its services with their locations."""

    doc: Document
    data: dict[str, Any]
    services: dict[str, tuple[dict[str, Any], Locs]]

    def tags(self, *prefix: str) -> dict[tuple[str, ...], str]:
        """The merge tags under ``prefix`` (``services``, a name), by path relative to it."""
        n = len(prefix)
        return {tuple(str(x) for x in p[n:]): t for p, t in self.doc.tags.items() if tuple(p[:n]) == prefix}


class _Loader:
    def __init__(self, env: Mapping[str, str], env_path: str | None, limits: Limits) -> None:
        self.env = env
        self.env_path = env_path
        self.limits = limits
        self.cache: dict[str, _File] = {}
        self.remarks: list[tuple[Location, str]] = []
        self.service_remarks: dict[str, list[tuple[Location, str]]] = {}  # said only if the service is started
        self.unread: dict[str, list[str]] = {}

    def file(self, path: str) -> _File:
        key = os.path.normpath(path)
        if key in self.cache:
            return self.cache[key]
        doc = parse(read_text(path, self.limits), path, self.limits, merge_keys=True, artifact=True,
                    tags=_MERGE_TAGS)
        if not isinstance(doc.data, dict):
            raise InputError(f"a compose file must be a mapping, not a {type(doc.data).__name__}", doc.locate(()))
        interp = _Interpolator(self.env, self.env_path)
        data = _interpolate(doc, doc.data, (), interp)
        for name, (loc, message) in sorted(interp.required.items(), key=lambda kv: (kv[1][0], kv[0])):
            self.remarks.append((loc, f"variable {name} is required by the file ({message or 'no message'}) but not "
                                      "set in .env; read as an empty string (archplan does not read the shell's "
                                      "environment)"))
        for name, loc in sorted(interp.unset.items(), key=lambda kv: (kv[1], kv[0])):
            where = f" in {os.path.basename(self.env_path)}" if self.env_path else " (no .env file beside the first " \
                                                                                    "compose file)"
            self.remarks.append((loc, f"variable {name} is not set{where}; compose reads it as an empty string "
                                      "(archplan does not read the shell's environment)"))
        services = data.get("services")
        if services is not None and not isinstance(services, dict):
            raise InputError(f"'services' must be a mapping, not a {type(services).__name__}",
                             doc.locate(("services",)), "services")
        found: dict[str, tuple[dict[str, Any], Locs]] = {}
        for name, given in (services or {}).items():
            svc = {} if given is None else given
            if not isinstance(svc, dict):
                raise InputError(f"service '{name}' must be a mapping, not a {type(svc).__name__}",
                                 doc.locate(("services", name)), keypath(("services", name)))
            found[str(name)] = (svc, _locs(doc, ("services", name), svc))
        loaded = _File(doc, data, found)
        self.cache[key] = loaded
        return loaded

    def service(self, f: _File, name: str, chain: tuple[tuple[str, str], ...] = ()) -> tuple[dict[str, Any], Locs]:
        """A service with its ``extends`` resolved (and ``env_file`` read into ``environment``)."""
        data, locs = f.services[name]
        ext = data.get("extends")
        if ext is not None:
            ident = (os.path.normpath(f.doc.file), name)
            if ident in chain:
                raise InputError(f"service '{name}' extends itself through {' -> '.join(n for _f, n in chain)}",
                                 f.doc.locate(("services", name, "extends")), keypath(("services", name, "extends")))
            if isinstance(ext, str):
                base_name, base_file = ext, f
            elif isinstance(ext, dict) and isinstance(ext.get("service"), str):
                base_name = ext["service"]
                rel = ext.get("file")
                base_file = self.file(os.path.join(os.path.dirname(f.doc.file), str(rel))) if rel else f
            else:
                raise InputError("extends must name a service, or be a mapping with 'service' (and 'file')",
                                 f.doc.locate(("services", name, "extends")), keypath(("services", name, "extends")))
            if base_name not in base_file.services:
                raise InputError(f"extends names '{base_name}', which is not a service of {base_file.doc.file}",
                                 f.doc.locate(("services", name, "extends")), keypath(("services", name, "extends")))
            bdata, blocs = self.service(base_file, base_name, (*chain, ident))
            own = {k: v for k, v in data.items() if k != "extends"}
            own_locs = {p: loc for p, loc in locs.items() if not (p and p[0] == "extends")}
            merged, mlocs = _merge((), bdata, blocs, own, own_locs, f.tags("services", name))
            mlocs[()] = locs.get((), mlocs.get((), Location(f.doc.file)))
            data, locs = merged, mlocs
        return self._passed_through(*self._env_files(f, name, data, locs))

    def _passed_through(self, data: dict[str, Any], locs: Locs) -> tuple[dict[str, Any], Locs]:
        """A variable named with no value (``- NAME``, ``NAME:``) takes its value from the shell or the project's
        ``.env`` file (compose v2): the one in ``.env`` is filled in; the shell's is never read."""
        given = data.get("environment")
        if not isinstance(given, (dict, list)):
            return data, locs
        env, env_locs = _as_map(given, _sub(locs, "environment"), ("environment",))
        if not any(v is None and k in self.env for k, v in env.items()):
            return data, locs
        filled = {k: self.env[k] if v is None and k in self.env else v for k, v in env.items()}
        return {**data, "environment": filled}, _with(locs, "environment", env_locs)

    def _env_files(self, f: _File, name: str, data: dict[str, Any], locs: Locs) -> tuple[dict[str, Any], Locs]:
        entries = data.get("env_file")
        if entries is None:
            return data, locs
        paths = entries if isinstance(entries, list) else [entries]
        values: dict[str, Any] = {}
        vlocs: Locs = {}
        for i, entry in enumerate(paths):
            rel = entry.get("path") if isinstance(entry, dict) else entry
            required = not (isinstance(entry, dict) and entry.get("required") is False)
            where = locs.get(("env_file", i) if isinstance(entries, list) else ("env_file",), locs.get(()))
            if not isinstance(rel, str):
                raise InputError("env_file must name a file", where or Location(f.doc.file), keypath(
                    ("services", name, "env_file")))
            full = os.path.join(os.path.dirname(f.doc.file), rel)
            template = None if os.path.isfile(full) else env_template_for(full)
            if template is not None:
                self.service_remarks.setdefault(name, []).append((
                    where or Location(f.doc.file), f"env_file {rel} of service {name} is not committed: its "
                                                   f"variables are read from {template}, the template the repository "
                                                   "ships for it"))
                full = template
            if not os.path.isfile(full):
                if required:
                    self.service_remarks.setdefault(name, []).append((
                        where or Location(f.doc.file), f"env_file {rel} of service {name} not found: its variables are "
                                                       "not read"))
                    self.unread.setdefault(name, []).append(rel)
                continue
            # compose's lookup: the service's earlier env_files, then the project's environment
            got, places, remarks = read_env_file(full, self.limits, ChainMap(values, dict(self.env)))
            self.remarks.extend(remarks)
            for k, v in got.items():
                values[k] = v
                vlocs[(k,)] = places[k]
        env, env_locs = _as_map(data.get("environment") or {}, _sub(locs, "environment"), ("environment",))
        merged = {**values, **env}
        mlocs: Locs = {(): env_locs.get((), locs.get((), Location(f.doc.file)))}
        for k in merged:
            mlocs.update({(k, *p): loc for p, loc in (_sub(env_locs, k) if k in env else _sub(vlocs, k)).items()})
        out = {k: v for k, v in data.items() if k != "env_file"}
        out["environment"] = merged
        return out, _with({p: loc for p, loc in locs.items() if not (p and p[0] == "env_file")}, "environment", mlocs)


def load_project(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS,
                 profiles: Sequence[str] | None = None, env_files: Sequence[str] = ()) -> Project:
    """Read compose files (or a project directory) and merge them, later over earlier; keep the services that run
    with ``profiles`` enabled (``docker compose --profile``; None or empty: ``COMPOSE_PROFILES`` in ``.env``); the
    variables interpolated from ``env_files``, later over earlier, instead of the project's ``.env`` when given
    (``docker compose --env-file``)."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = project_files(p)
            if not found:
                raise InputError(f"no compose file here (looked for {', '.join(DEFAULT_FILES)})", Location(p))
            files.extend(found)
        else:
            files.append(p)
    model = _Model(files[0], tuple(env_files))
    remarks = model.read(files, limits, ())
    root, root_locs = model.root, model.root_locs
    root["services"] = model.services
    root_locs = _with(root_locs, "services", model.service_locs)
    doc = ArtifactDocument(files[0], root, where=root_locs)
    active, left_out, told = _apply_profiles(doc, model.services, profiles, model.env_profiles)
    told += [r for name, rs in model.service_remarks.items() if name not in left_out for r in rs]
    return Project(doc, model.files, [*remarks, *told],
                   {name: tuple(rels) for name, rels in sorted(model.unread.items()) if name not in left_out},
                   active, left_out)


PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A compose profile's name (compose's own pattern, which also admits a single character)."""
NOT_STARTED = "so docker compose up does not start it: left out of the design"
"""How the remark on a service left out by its profiles ends (``import_summary`` counts them by it)."""


def profiles_of(service: Mapping[str, Any]) -> tuple[str, ...]:
    """The compose profiles a (merged) service runs under; none: it always runs."""
    value = service.get("profiles")
    return tuple(str(p) for p in value if isinstance(p, str) and p) if isinstance(value, list) else ()


def _apply_profiles(doc: Document, services: dict[str, Any], given: Sequence[str] | None,
                    env: tuple[str, Location] | None
                    ) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], list[tuple[Location, str]]]:
    """Remove from ``services`` (in place) those none of whose profiles is enabled, and the optional depends_on
    entries on them: the profiles enabled, the services left out with their profiles, and the remarks saying so."""
    declared: dict[str, tuple[str, ...]] = {}
    for name, svc in services.items():
        value = svc.get("profiles")
        if value is not None and not (isinstance(value, list) and all(isinstance(p, str) for p in value)):
            raise InputError("'profiles' must be a list of profile names", doc.locate(("services", name, "profiles")),
                             keypath(("services", name, "profiles")))
        declared[name] = profiles_of(svc)
    every = sorted({p for ps in declared.values() for p in ps})
    remarks: list[tuple[Location, str]] = []
    if given:
        active = {p.strip() for g in given for p in g.split(",") if p.strip()}
        for p in sorted(active):
            if p != "*" and not PROFILE_NAME.fullmatch(p):
                raise UsageError(f"compose profile {p!r}: not a profile name (letters, digits, '_', '.', '-')")
            if p != "*" and p not in every:
                raise UsageError(f"compose profile '{p}': no service of {doc.file} runs under it"
                                 f"{did_you_mean(p, every)}; its profiles: {', '.join(every) or 'none'}")
        how = "by the import"
    elif env is not None:
        active = {p.strip() for p in env[0].split(",") if p.strip()}
        how = f"by COMPOSE_PROFILES in {os.path.basename(env[1].file)}"
        for p in sorted(active - {"*", *every}):
            remarks.append((env[1], f"COMPOSE_PROFILES enables the profile '{p}', which no service runs under"))
    else:
        active, how = set(), ""
    if not every:
        return tuple(sorted(active)), {}, remarks
    left_out = {n: ps for n, ps in declared.items() if ps and "*" not in active and not active.intersection(ps)}
    enabled = ", ".join(sorted(active)) + f" ({how})" if active else \
        "none (the import names none, and .env sets no COMPOSE_PROFILES)"
    if left_out and len(left_out) == len(services):
        raise InputError(f"every service runs only under a compose profile, and none of theirs is enabled: docker "
                         f"compose up would start nothing; name the deployment to review with --profile (profiles: "
                         f"{', '.join(every)}; enabled: {enabled})", doc.locate(("services",)), "services")
    remarks.append((doc.locate(("services",)), f"compose profiles enabled: {enabled}; the project's profiles: "
                                               f"{', '.join(every)}; services left out: {len(left_out)}"))
    errors: list[ArchplanError] = []
    for name, svc in services.items():
        if name in left_out:
            continue
        for target, at, optional in list(_references(svc)):  # an optional depends_on entry is removed below
            if target not in left_out:
                continue
            where = ("services", name, *at)
            why = (f"{target} runs only under the compose profile(s) {', '.join(left_out[target])}, none of them "
                   f"enabled")
            if optional:
                del svc["depends_on"][target]
                remarks.append((doc.locate(where), f"{name}'s depends_on {target} (required: false) dropped: {why}"))
            else:
                errors.append(InputError(f"{name} needs {target}, but {why}: compose refuses to start such a project;"
                                         f" enable one of them with --profile"
                                         + (", or make the dependency optional (required: false)"
                                            if at[0] == "depends_on" else ""), doc.locate(where), keypath(where)))
    raise_all(errors)
    for name, ps in left_out.items():
        remarks.append((doc.locate(("services", name, "profiles")),
                        f"{name} runs only under the compose profile(s) {', '.join(ps)}, none of them enabled, "
                        f"{NOT_STARTED}"))
        del services[name]
    return tuple(sorted(active)), left_out, remarks


def _references(svc: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str | int, ...], bool]]:
    """The services a service needs running (compose's ``depends_on``, ``links``, ``network_mode: service:``,
    ``volumes_from``): each name, where it is said (relative to the service), and whether it is an optional
    ``depends_on`` (``required: false``)."""
    depends = svc.get("depends_on")
    if isinstance(depends, dict):
        for target, how in depends.items():
            yield str(target), ("depends_on", target), isinstance(how, dict) and how.get("required") is False
    elif isinstance(depends, list):
        for i, target in enumerate(depends):
            yield str(target), ("depends_on", i), False
    for key in ("links", "volumes_from"):
        items = svc.get(key)
        for i, item in enumerate(items if isinstance(items, list) else []):
            target = str(item).split(":", 1)[0]
            if key == "links" or not str(item).startswith("container:"):
                yield target, (key, i), False
    network = svc.get("network_mode")
    if isinstance(network, str) and network.startswith("service:"):
        yield network.split(":", 1)[1], ("network_mode",), False


class _Model:
    """The merged project as it is read: top-level keys and services, each with its locations."""

    def __init__(self, first: str, env_files: tuple[str, ...] = ()) -> None:
        self.project_dir = os.path.dirname(first)
        self.env_files = env_files
        """The files the import names for interpolation (``--env-file``), in place of the project's ``.env``."""
        self.root: dict[str, Any] = {}
        self.root_locs: Locs = {(): Location(first, 1, 1)}
        self.services: dict[str, Any] = {}
        self.service_locs: Locs = {}
        self.files: list[str] = []
        self.unread: dict[str, list[str]] = {}
        self.service_remarks: dict[str, list[tuple[Location, str]]] = {}
        self.env_profiles: tuple[str, Location] | None = None  # COMPOSE_PROFILES in the project's .env, where

    def read(self, files: Sequence[str], limits: Limits, chain: tuple[str, ...]) -> list[tuple[Location, str]]:
        """Merge ``files`` (one project: the first file's directory and ``.env``) into the model."""
        given = self.env_files if not chain else ()  # an included project keeps its own .env
        env_path = given[-1] if given else env_file_of(os.path.dirname(files[0]))
        env: dict[str, str] = {}
        places: dict[str, Location] = {}
        remarks: list[tuple[Location, str]] = []
        for path in given or ((env_path,) if env_path is not None else ()):
            values, where, said = read_env_file(path, limits, env)  # after the --env-files before it
            env.update(values)
            places.update(where)
            remarks.extend(said)
        if env_path is not None:
            if not chain and "COMPOSE_PROFILES" in env:  # an included project's .env configures no compose run
                self.env_profiles = (env["COMPOSE_PROFILES"], places["COMPOSE_PROFILES"])
            if os.path.basename(env_path) != ".env" and not given:
                remarks.insert(0, (Location(env_path), f"no .env beside the compose file: its variables are read from "
                                                       f"{os.path.basename(env_path)}, the template the repository "
                                                       "ships for the .env an installation copies from it"))
        loader = _Loader(env, env_path, limits)
        errors: list[ArchplanError] = []
        for path in files:
            self.files.append(path)
            try:
                f = loader.file(path)
                remarks.extend(self._includes(f, limits, (*chain, os.path.normpath(path))))
                for key, value in f.data.items():
                    if key in ("services", "include"):
                        continue
                    self.add_root(key, value, _locs(f.doc, (key,), value), f.tags())
                if "services" in f.data:
                    self.service_locs.setdefault((), f.doc.locate(("services",)))
                for name in f.services:
                    data, locs = loader.service(f, name)
                    self.add_service(name, data, locs, f.tags("services", name), path)
            except ArchplanError as exc:
                errors.append(exc)
        raise_all(errors)
        for name, rels in loader.unread.items():
            self.unread.setdefault(name, []).extend(rels)
        for name, told in loader.service_remarks.items():
            self.service_remarks.setdefault(name, []).extend(told)
        return [*remarks, *loader.remarks]

    def add_root(self, key: str, value: Any, vlocs: Locs, tags: Tags) -> None:
        if tags.get((key,)) == _RESET:
            self.root.pop(key, None)
            self.root_locs = _without(self.root_locs, key)
            return
        if key in self.root and isinstance(self.root[key], dict) and isinstance(value, dict) \
                and tags.get((key,)) != _OVERRIDE:
            self.root[key], sub = _merge((key,), self.root[key], _sub(self.root_locs, key), value, vlocs, tags)
        else:
            self.root[key], sub = _strip_resets(value, vlocs, tags, (key,))
        self.root_locs = _with(self.root_locs, key, sub)

    def add_service(self, name: str, data: dict[str, Any], locs: Locs, tags: Tags, path: str) -> None:
        if tags.get(()) == _RESET:
            self.services.pop(name, None)
            self.service_locs = _without(self.service_locs, name)
            return
        if name in self.services and tags.get(()) != _OVERRIDE:
            data, locs = _merge((), self.services[name], _sub(self.service_locs, name), data, locs, tags)
            locs[()] = _sub(self.service_locs, name).get((), locs.get((), Location(path)))
        else:
            data, locs = _strip_resets(data, locs, tags)
        self.services[name] = data
        self.service_locs = _with(self.service_locs, name, locs)

    def _includes(self, f: _File, limits: Limits, chain: tuple[str, ...]) -> list[tuple[Location, str]]:
        """Read the projects ``f`` includes, before its own services."""
        given = f.data.get("include")
        if given is None:
            return []
        entries = given if isinstance(given, list) else [given]
        remarks: list[tuple[Location, str]] = []
        here = os.path.dirname(f.doc.file)
        for i, entry in enumerate(entries):
            at = f.doc.locate(("include", i) if isinstance(given, list) else ("include",))
            rel = entry.get("path") if isinstance(entry, dict) else entry
            given_rels = rel if isinstance(rel, list) else [rel]
            rels = [r for r in given_rels if isinstance(r, str) and r]
            if not rels or len(rels) != len(given_rels):
                raise InputError("an include entry must name a compose file (a path, or 'path:')", at, "include")
            if any("://" in r for r in rels):
                remarks.append((at, f"include {rels[0]} is remote: its services are not read"))
                continue
            paths = [os.path.normpath(os.path.join(here, r)) for r in rels]
            if any(p in chain for p in paths):
                raise InputError(f"include {rels[0]} includes the file that includes it", at, "include")
            missing = [r for r, p in zip(rels, paths, strict=True) if not os.path.isfile(p)]
            if missing:
                remarks.append((at, f"included file {missing[0]} not found: its services are not read"))
                continue
            sub = _Model(paths[0])
            remarks.extend(sub.read(paths, limits, chain))
            rebase = os.path.relpath(sub.project_dir, self.project_dir)
            for key, value in sub.root.items():
                self.add_root(key, value, _sub(sub.root_locs, key), {})
            for name, data in sub.services.items():
                self.add_service(name, _rebased(data, rebase), _sub(sub.service_locs, name), {}, paths[0])
            for name, rels in sub.unread.items():
                self.unread.setdefault(name, []).extend(rels)
            for name, told in sub.service_remarks.items():
                self.service_remarks.setdefault(name, []).extend(told)
            self.files.extend(sub.files)
        return remarks


def _rebased(data: dict[str, Any], rel: str) -> dict[str, Any]:
    """A service of an included project with its relative paths (build context, bind-mount sources) made
    relative to the including project's directory, ``rel`` away."""
    if rel in ("", "."):
        return data

    def move(p: Any) -> Any:
        if not isinstance(p, str) or os.path.isabs(p) or "://" in p or p.startswith(("~", "$")):
            return p
        return os.path.normpath(os.path.join(rel, p))

    out = dict(data)
    build = data.get("build")
    if isinstance(build, str):
        out["build"] = move(build)
    elif isinstance(build, dict):
        out["build"] = {**build, "context": move(build.get("context", "."))}
    volumes = data.get("volumes")
    if isinstance(volumes, list):
        moved: list[Any] = []
        for v in volumes:
            if isinstance(v, str) and v.startswith("."):
                source, sep, rest = v.partition(":")
                moved.append(f"{move(source)}{sep}{rest}")
            elif isinstance(v, dict) and isinstance(v.get("source"), str) and v["source"].startswith("."):
                moved.append({**v, "source": move(v["source"])})
            else:
                moved.append(v)
        out["volumes"] = moved
    return out


def iter_services(project: Project) -> Iterator[tuple[str, dict[str, Any]]]:
    """The merged services, in file order."""
    yield from project.doc.data.get("services", {}).items()
