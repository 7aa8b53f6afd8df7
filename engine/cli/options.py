"""Options and helpers that every command family shares: the design inputs (``--from``, ``--rules``,
``--config``), the resource bounds, writing an output, and the exit codes.

Command modules import what they need from here; nothing here registers a command.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import click
import msgspec

from engine.errors import UsageError
from engine.model.document import DEFAULT_LIMITS, Limits

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
THRESHOLDS = ("critical", "high", "medium", "low", "never")

kept_to_exit: list[Any] | None = None
"""In a one-shot process (``entry`` sets it to a list): what a command has finished with, held until the process
ends. Released, a review of 5,000 services is millions of objects freed one by one (0.15 s of ``check``), which
the operating system takes back at once when ``entry`` ends the process. None in a library caller's process,
whose memory is freed as usual."""


def keep_to_exit(value: Any) -> None:
    """Hold ``value`` until the process ends, in a one-shot process (``kept_to_exit``); nothing otherwise."""
    if kept_to_exit is not None:
        kept_to_exit.append(value)


def write_output(path: str | None, text: str | bytes, inputs: Sequence[str] = (), fmt: str = "text") -> None:
    """Write to stdout (whole or not at all), or atomically to ``path`` (never over an input, never
    half-written), neutralised as ``fmt`` allows (``engine.neutral.for_format``). A JSON report may come as
    orjson's UTF-8 bytes: it is neutralised and written as bytes, never decoded."""
    from engine.gate.output import write_all, write_stdout
    from engine.neutral import for_format

    text = for_format(text, fmt)
    if path is None or path == "-":
        write_stdout(text)
        return

    write_all([(path, text)], inputs)


def input_limits(max_bytes: int | None) -> Limits:
    """The bounds on reading input: ``--max-input-bytes``, and ``--max-depth``/``--max-facts`` of ``limit_options``."""
    depth, facts = _limit_values().get("max_depth"), _limit_values().get("max_facts")
    if not max_bytes and depth is None and facts is None:
        return DEFAULT_LIMITS
    return msgspec.structs.replace(DEFAULT_LIMITS, max_bytes=max_bytes or DEFAULT_LIMITS.max_bytes,
                               max_depth=depth or DEFAULT_LIMITS.max_depth, max_facts=facts or DEFAULT_LIMITS.max_facts)


_RUN_LIMITS = {"max_facts": "max_facts", "max_derived_facts": "max_derived", "max_chain": "max_chain"}
"""``check`` option -> ``engine.runtime.RunLimits`` field. ``--max-seconds`` and ``--max-memory`` bound the whole
command instead (``engine.budget``)."""


def _limit_values() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get("archplan.limits", {})) if ctx is not None else {}


def run_limits() -> Any:
    """The ``RunLimits`` the ``limit_options`` flags ask for (None: the defaults)."""
    from engine.runtime import RunLimits

    values = {field: _limit_values()[opt] for opt, field in _RUN_LIMITS.items()
              if _limit_values().get(opt) is not None}
    return RunLimits(**values) if values else None


def _size(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A size in bytes: ``2G``, ``512M``, ``100k`` or a plain number."""
    from engine.budget import parse_bytes

    if value is None:
        return None
    try:
        return parse_bytes(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def limit_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Resource bounds (``--max-depth``, ``--max-facts`` …). The values go on the click context, where
    ``input_limits`` and ``run_limits`` read them, so that the command's own signature stays unchanged."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine import budget

        click.get_current_context().meta["archplan.limits"] = {
            k: kwargs.pop(k) for k in ("max_depth", *_RUN_LIMITS) if k in kwargs}
        # The command so far (parsing its arguments) ran under the default budget; these flags replace it.
        with budget.bounded(kwargs.pop("max_seconds"), kwargs.pop("max_memory")):
            return f(*args, **kwargs)

    options = [
        click.option("--max-depth", type=click.IntRange(1, 1000),
                     help="Deepest nesting read in a design or rule file [default: 64; YAML stops at 1000]."),
        click.option("--max-facts", type=click.IntRange(1),
                     help="Most facts a design may have once enriched [default: 200000]."),
        click.option("--max-derived-facts", type=click.IntRange(1),
                     help="Most facts the rules may derive in one run [default: 200000, or four per fact "
                          "of a design of more than 50000]."),
        click.option("--max-chain", type=click.IntRange(1),
                     help="Deepest chain of derived facts (a rule deriving from a derived fact ...) [default: 1000]."),
        click.option("--max-seconds", type=click.FloatRange(0, min_open=True),
                     help="Longest wall time of the whole command (loading, enriching, firing the rules, "
                          "reporting), in seconds [default: 300]."),
        click.option("--max-memory", callback=_size, metavar="SIZE",
                     help="Most memory the command may use, e.g. 2G or 512M [default: 4G]."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def rules_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--rules DIR`` (repeatable) and ``--no-builtin``: the knowledge base a command loads."""
    f = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(),
                     help="Add a rule pack directory (repeatable).")(f)
    f = click.option("--no-cache", is_flag=True, expose_value=False, callback=_no_cache,
                     help="Parse every rule file again; neither read nor write the cache of parsed rules.")(f)
    return click.option("--no-builtin", is_flag=True, help="Do not load the built-in knowledge base.")(f)


def _no_cache(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from engine import rulecache

        rulecache.enabled = False


def config_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE`` and ``--no-config``: pass both on to ``project_config``."""
    f = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Project config (archplan.toml or pyproject.toml); default: found upward from the "
                          "design.")(f)
    return click.option("--no-config", is_flag=True, help="Ignore any project config file.")(f)


def project_config(design: Sequence[str], config_file: str | None, no_config: bool,
                   limits: Limits = DEFAULT_LIMITS) -> Any:
    """The ``engine.config.Config`` for a command run on ``design`` (for ``review(..., config=...)``)."""
    from engine.config import resolve

    return resolve(list(design), config_file, no_config, limits)


def design_and_config(design: Sequence[str], from_specs: Sequence[str], config_file: str | None, no_config: bool,
                      limits: Limits, verb: str = "review") -> tuple[list[str], Any]:
    """The design to read and its config. With no DESIGN argument: the config's ``design`` (the config found
    from the working directory), else ``./design`` when it is a directory; with neither (and no ``--from``),
    a usage error."""
    from engine.config import DEFAULT_DESIGN, default_design

    config = project_config(design, config_file, no_config, limits)
    if design:
        return list(design), config
    paths = default_design(config)
    if not paths and not from_specs:
        raise UsageError(f"nothing to {verb}: give design files or directories, list them in archplan.toml "
                         f"(design = [...]), keep them in ./{DEFAULT_DESIGN}/, or use --from FORMAT=PATH")
    if paths and not config.design and not config_file and not no_config:
        config = project_config(paths, None, False, limits)  # found from ./design, as when it is named
    return list(paths), config


def from_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--from FORMAT[:SERVICE]=PATH`` (repeatable): artifacts imported beside the design files.

    Turn the values into documents with ``engine.importers.load_artifacts`` and pass them to
    ``load_design(..., extra=...)`` / ``review(..., extra=...)``; print ``design.warnings`` with
    ``print_warnings``.
    """
    f = click.option("--env-file", "env_files", multiple=True, metavar="PATH", type=click.Path(),
                     help="Interpolate the --from compose project's variables from this env file, as `docker compose "
                          "--env-file PATH` (repeatable, later over earlier), instead of the project's .env.")(f)
    f = click.option("--profile", "profiles", multiple=True, metavar="NAME",
                     help="Compose profile of the --from compose project to review, as `docker compose --profile "
                          "NAME up` (repeatable; '*' enables all). Without it, those COMPOSE_PROFILES sets in the "
                          "project's .env.")(f)
    return click.option("--from", "from_specs", multiple=True, metavar="FORMAT=PATH",
                        help="Also read an artifact (repeatable): openapi, asyncapi, compose, kubernetes, gateway, "
                             "spring, source (a service's code), aspire (a .NET Aspire AppHost) or auto (by content); "
                             "FORMAT:SERVICE=PATH names the "
                             "serving service.")(f)


def artifacts(from_specs: Sequence[str], limits: Limits = DEFAULT_LIMITS, profiles: Sequence[str] = (),
              env_files: Sequence[str] = ()) -> list[Any]:
    """The documents of the ``--from`` options (``engine.importers.load_artifacts``), the compose projects among
    them with the ``--profile`` options' profiles and the ``--env-file`` options' variables; the importers are not
    imported at all when there is none, which a check of design files alone does not pay for."""
    if not from_specs:
        if profiles or env_files:
            shown = f"--profile {profiles[0]}" if profiles else f"--env-file {env_files[0]}"
            raise UsageError(f"{shown}: applies to a compose project read with --from compose=PATH, and no --from "
                             "is given")
        return []
    from engine.importers import load_artifacts

    return load_artifacts(from_specs, limits, profiles, env_files)


def print_warnings(warnings: Sequence[Any]) -> None:
    """Print load warnings (e.g. a hand-written value overriding an imported one) to stderr."""
    from engine.neutral import line

    for w in warnings:
        click.echo(f"archplan: warning: {line(str(w))}", err=True)


def err_line(text: str) -> None:
    """One line on stderr, neutralised (``engine.neutral.line``): an input's text never starts a command."""
    from engine.neutral import line

    click.echo(line(text), err=True)


def review_inputs(f: Callable[..., Any]) -> Callable[..., Any]:
    """What a command that reviews a design reads besides DESIGN: ``--from`` artifacts, the rule packs
    (``rules_options``) and the project config (``config_options``), in this order on its help page."""
    return from_option(rules_options(config_options(f)))


def input_bounds(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-input-bytes`` (read with ``input_limits``), then the resource bounds of ``limit_options``."""
    return click.option("--max-input-bytes", type=click.IntRange(1), help="Largest input file read.")(limit_options(f))
