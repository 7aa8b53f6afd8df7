"""The ``archplan`` group: every command added here by name, every error turned into one line and exit code 2
here, and the console script ``entry``.

Exit codes: 0 no finding reaches the threshold; 1 one does; 2 any usage, input or internal error.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import io
import os
import signal
import sys
import types
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from engine import __version__
from engine.cli import options
from engine.cli.options import EXIT_ERROR
from engine.errors import ArchplanError

_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO}


def _fail(errors: Sequence[str]) -> NoReturn:
    from engine.neutral import line as one_line

    for line in errors:
        click.echo(f"archplan: error: {one_line(line)}", err=True)
    sys.exit(EXIT_ERROR)


_COMMANDS = {
    "baseline": ("engine.cli.gate", "baseline"), "check": ("engine.cli.check", "check"),
    "diff": ("engine.cli.gate", "diff"), "explain": ("engine.cli.check", "explain"),
    "import": ("engine.cli.importing", "import_cmd"), "mcp": ("engine.cli.agents", "mcp"),
    "plan": ("engine.cli.plan", "plan"), "questions": ("engine.cli.agents", "questions"),
    "rules": ("engine.cli.rules", "rules"), "schema": ("engine.cli.agents", "schema"),
}
"""Each command and where it is defined: its module is imported when the command is named (or all, for the
group's --help), so that ``archplan check`` does not define the other commands' options (5 ms a run)."""


class _Commands(dict[str, click.Command]):
    """The group's commands, each imported when first looked up (``main.commands["diff"]``)."""

    def __missing__(self, name: str) -> click.Command:
        if name not in _COMMANDS:
            raise KeyError(name)
        module, attr = _COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attr)
        self[name] = command
        return command


class _Group(click.Group):
    """Turns every error into readable lines and exit code 2, in one place."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands[cmd_name] if cmd_name in _COMMANDS else super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMANDS})

    def invoke(self, ctx: click.Context) -> Any:
        from engine import budget

        try:
            with budget.bounded():  # every command has a deadline and a memory budget (``--max-seconds`` …)
                return super().invoke(ctx)
        except ArchplanError as exc:
            _fail([str(e) for e in exc.errors])
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(EXIT_ERROR)
        except OSError as exc:
            if exc.filename is None and exc.errno in _WRITE_ERRNOS:  # writing stdout: disk full, `ulimit -f`
                _fail([_write_error(exc)])
            if os.environ.get("ARCHPLAN_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} (set ARCHPLAN_DEBUG=1 for a traceback)"])
        except RecursionError:
            _fail(["input nested too deeply to process"])
        except MemoryError:
            _fail(["out of memory: the command needed more than its memory budget; lower the input size or "
                   "raise the bound with --max-memory"])
        except Exception as exc:  # a bug: still exit 2, never a traceback, never a pass
            if isinstance(exc, ImportError) and exc.name == "durable_rules_engine":
                _fail([str(exc)])  # no bug: a failed build of the rule engine, and the command that rebuilds it
            if os.environ.get("ARCHPLAN_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} (set ARCHPLAN_DEBUG=1 for a traceback)"])

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            from engine.errors import did_you_mean

            names = self.list_commands(ctx)
            if args and args[0] not in names:
                raise click.UsageError(
                    f"no such command '{args[0]}'{did_you_mean(args[0], names)}", ctx) from None
            raise


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archplan")
def main() -> None:
    """Review a backend design before it is built, and plan its integration."""


main.commands = _Commands()


def entry() -> None:
    """The ``archplan`` console script: ``main`` in a one-shot process.

    The cyclic garbage collector stays off for the whole run. A review builds millions of small,
    acyclic objects that reference counting frees; with the collector on, each full collection
    walks all of them again (on 5,000 services, two seconds of a seven-second run went to
    collections triggered while writing the report). A process that exits after one command has
    no use for it; library callers keep theirs (``engine.review`` pauses it only while building).
    """
    from engine import budget

    if sys.stdout is None or sys.stderr is None:  # started with a standard stream closed: nowhere to report
        os._exit(EXIT_ERROR)
    sys.stdout = _whole_writes(sys.stdout)
    gc.disable()
    # pydantic looks for plugins (entry points of every installed distribution) when it builds its first
    # validator: 5 ms of a check, for hooks that observe validation; the command's validation is its own.
    # A library caller's process keeps them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _without_plugin_discovery()
    budget.hard_limits = True  # the deadline's interval timer and RLIMIT_AS (engine.budget)
    options.kept_to_exit = []  # what a command is done with is freed by the exit, not object by object
    for sig in (signal.SIGTERM, signal.SIGHUP):  # unwind like Ctrl-C, so that temporary files are removed
        signal.signal(sig, _interrupted)
    try:
        main()
    except SystemExit as done:
        if not isinstance(done.code, (int, type(None))):
            raise  # a message to print: let Python do it
        code = done.code or 0
        # Every output is written and closed (atomically, by engine.gate.output). Freeing the review's
        # millions of objects one by one at interpreter exit took half a second on 5,000 services; the
        # operating system takes the memory back at once.
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # a reader that went away (`| head`)
            pass
        except (OSError, ValueError) as exc:  # disk full, `ulimit -f`: the report on stdout is incomplete
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"archplan: error: {_write_error(exc)}\n")
            code = EXIT_ERROR
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        cache = sys.modules.get("engine.rulecache")
        if cache is not None:  # what atexit would have written: the plain validators' schemas
            cache.write_schemas()
        os._exit(code)


_PLUGIN_LOADER = "pydantic.plugin._loader"
_NO_PLUGINS = ("__all__", "1", "true")
"""The values of ``PYDANTIC_DISABLE_PLUGINS`` with which pydantic's ``get_plugins`` returns no plugin, unread."""


def _without_plugin_discovery() -> None:
    """Spare the process pydantic's plugin loader while its plugins are all disabled.

    pydantic imports ``pydantic.plugin._loader`` when it builds its first validator (a rule's, on a check that
    reads the compiled rules from the cache), for its ``get_plugins``; the module imports ``importlib.metadata``
    (email, zipfile, csv, socket …): 14 ms of processor time a check, for a function that returns ``()`` as soon
    as it reads ``PYDANTIC_DISABLE_PLUGINS`` set to ``__all__``. In its place, a module whose ``get_plugins`` does
    the same, and hands any other name, or a call once the variable allows plugins, to the real loader.
    """
    if _PLUGIN_LOADER in sys.modules or os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in _NO_PLUGINS:
        return
    stand_in = types.ModuleType(_PLUGIN_LOADER, "pydantic's plugin loader while every plugin is disabled "
                                "(engine.cli.main)")

    def real() -> Any:
        if sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]
        return importlib.import_module(_PLUGIN_LOADER)

    def get_plugins() -> Any:
        if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in _NO_PLUGINS:
            return ()
        return real().get_plugins()

    def attribute(name: str) -> Any:
        if name.startswith("__"):  # what the import system asks of any module (``__path__``): not the loader's
            raise AttributeError(name)
        return getattr(real(), name)

    vars(stand_in).update(get_plugins=get_plugins, __getattr__=attribute)
    sys.modules[_PLUGIN_LOADER] = stand_in


class _WholeWrites(io.RawIOBase):
    """A file descriptor written whole or not at all: each write loops until every byte is out, or raises.

    Python's own stdout drops what a short write (a full disk, ``ulimit -f``) left over, silently: a SARIF
    report cut at 8 KiB passed with exit 0.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            view = view[os.write(self.fd, view):]
        return total


def _whole_writes(stream: Any) -> Any:
    """``stream`` (standard output) re-opened over ``_WholeWrites``, with its encoding and buffering."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    return io.TextIOWrapper(io.BufferedWriter(_WholeWrites(fd)), encoding=stream.encoding, errors=stream.errors,
                            line_buffering=stream.line_buffering, write_through=False)


def _interrupted(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _write_error(exc: BaseException) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot write the output to standard output: {reason}; the output is incomplete"


if __name__ == "__main__":  # pragma: no cover
    main()
