"""uWSGI, the application server a Python container starts (``uwsgi app.ini``): whether its port is plain HTTP.

A container whose command (compose's ``command``, else its Dockerfile's ``CMD``) starts ``uwsgi`` takes its options
from the command line (``--http-socket :8000``) and from the ini file it names (``uwsgi /app/uwsgi.ini``,
``uwsgi --ini uwsgi.ini``): the ``[uwsgi]`` section's ``key = value`` lines, a key repeated for each value
(uwsgi-docs.readthedocs.io, "Configuring uWSGI"). The file is a path inside the image; it is looked up in the build
context by its trailing parts (``/opt/app/docker/uwsgi.ini`` is the context's ``docker/uwsgi.ini`` when the image
copies the context there), never outside the context.

uWSGI speaks HTTP itself on ``http`` (its HTTP router), ``http-socket`` and ``http11-socket``, all plain; ``https``
and ``https-socket`` take a certificate; ``socket``/``uwsgi-socket`` speak the uwsgi protocol, which only a proxy in
front (nginx's ``uwsgi_pass``) talks. A published container port that a plain HTTP option serves, and no TLS option
does, answers plain HTTP (``tls: false``). A conditional block (``if-env``...``endif``) is read whatever its
condition: each branch's listener counts.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import ArchplanError, Location
from engine.source import DEFAULT_LIMITS, Limits, read_text

PLAIN = frozenset({"http", "http-socket", "http11-socket"})
"""uWSGI's options that serve plain HTTP on an address."""
SECURE = frozenset({"https", "https-socket", "https2"})
"""uWSGI's options that serve HTTPS on an address (with a certificate and a key)."""


@dataclass(frozen=True)
class Option:
    """One uWSGI option as a file or command line gives it."""

    key: str
    value: str
    at: Location


def command_words(command: str | Sequence[str]) -> list[str]:
    """A container command as words, shell operators (``;``, ``&&``, ``|``) as words of their own: a list as it is,
    a shell string split as a shell would, and a word that is itself a script (``bash -c '...; uwsgi app.ini'``)
    split again; unbalanced quotes split at white space."""
    texts = [command] if isinstance(command, str) else [str(w) for w in command]
    out: list[str] = []
    for text in texts:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:
            words = text.split()
        for w in words:
            out.extend(command_words(w) if any(c.isspace() for c in w) and w != text else [w])
    return out


_OPERATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;"})


def invocation(command: str | Sequence[str]) -> tuple[list[str], list[str]] | None:
    """The ini files and the command-line options (``--key value`` or ``--key=value``, as ``key=value``) of the first
    ``uwsgi`` the command runs; None when it runs none."""
    words = command_words(command)
    start = next((i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] == "uwsgi"), None)
    if start is None:
        return None
    rest = words[start + 1:]
    rest = rest[:next((i for i, w in enumerate(rest) if w in _OPERATORS), len(rest))]
    inis: list[str] = []
    options: list[str] = []
    i = 0
    while i < len(rest):
        w = rest[i]
        if w.startswith("--"):
            key, eq, value = w[2:].partition("=")
            if not eq and i + 1 < len(rest) and not rest[i + 1].startswith("-"):
                value, i = rest[i + 1], i + 1
            if key == "ini":
                inis.append(value)
            else:
                options.append(f"{key}={value}")
        elif w.endswith(".ini"):
            inis.append(w)
        i += 1
    return inis, options


def in_context(context: str, path: str) -> str | None:
    """The build context's file a path inside the image names: the longest trailing part of the path that is a file
    under the context (``/opt/app/docker/uwsgi.ini`` -> ``<context>/docker/uwsgi.ini``); None when none is."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts or "$" in path:
        return None
    for i in range(len(parts)):
        candidate = os.path.join(context, *parts[i:])
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    return None


def read_ini(path: str, limits: Limits = DEFAULT_LIMITS) -> list[Option]:
    """The options of an ini file's ``[uwsgi]`` section, in order, each where it is (a file that cannot be read:
    none)."""
    try:
        text = read_text(path, limits)
    except ArchplanError:
        return []
    out: list[Option] = []
    section = ""
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        key, eq, value = stripped.partition("=")
        if eq and section == "uwsgi":
            out.append(Option(key.strip().replace("_", "-"), value.strip(), Location(path, n, 1)))
    return out


def _port(address: str) -> str | None:
    """The port of a uWSGI address (``:8000``, ``0.0.0.0:8000``, ``[::]:8000``, ``:443,cert.pem,key.pem``); None for a
    UNIX socket, a placeholder or the loopback address (which no published port reaches)."""
    host, colon, port = address.split(",", 1)[0].strip().rpartition(":")
    if not colon or not port.isdigit():
        return None
    if host.strip("[]") in ("127.0.0.1", "localhost", "::1"):
        return None
    return port


def plain_listener(options: Sequence[Option], targets: Sequence[str]) -> tuple[Option, str] | None:
    """The option that serves plain HTTP on one of the published container ports ``targets``, and that port, when no
    TLS option serves that port too; None otherwise."""
    secure = {_port(o.value) for o in options if o.key in SECURE}
    for o in options:
        port = _port(o.value) if o.key in PLAIN else None
        if port is not None and port in targets and port not in secure:
            return o, port
    return None


__all__ = ["PLAIN", "SECURE", "Option", "command_words", "in_context", "invocation", "plain_listener", "read_ini"]
