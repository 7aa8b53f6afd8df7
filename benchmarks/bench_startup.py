"""What a user waits for on a small design, beside its floors, measured as whole processes in one run.

Each round runs, one after the other (paired, so that a loaded machine slows all alike):

- ``python -c pass``: the interpreter's own start-up;
- the import of archplan's third-party dependencies (pydantic, PyYAML, click, msgspec, orjson, markdown-it, the rule
  engine's C core …): the floor of any command that reads a design;
- ``archplan --version``;
- ``archplan check facts/shop`` in a cold process (its report to /dev/null; exit 1 is expected: it has findings),
  with the parsed rules in the cache (warm), and with an empty cache directory (the first run);
- ``review(["facts/shop"])`` repeated in one long-lived process (the library use), per call.

Every process runs on one interpreter: that of ``.venv-bench``, where archplan is installed as a user installs it (a
wheel of this tree and its runtime dependencies, not the editable dev install, whose import finder costs every
process ~12 ms; rebuilt whenever the tree's package files changed: ``tool_venv.archplan_venv``). The warm figures
read a rule cache of the benchmark's own (``ARCHPLAN_CACHE_DIR``, a temporary folder filled by the
warm-up): the user cache is shared with every other tree on the machine, whose runs evicted its entry and forced
rebuilds mid-benchmark. The figures are medians over the rounds, and each target is printed as a ratio to its
floor, the median of the per-round ratios. Exit 1 when a target is missed. Run:
``.venv/bin/python benchmarks/bench_startup.py [--rounds N] [--calls N]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tool_venv import BENCH_VENV, STAMP, archplan_venv, clean_env, installed_engine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOP = os.path.join(ROOT, "facts", "shop")
THIRD_PARTY = ("import durable_rules_engine, click, msgspec, orjson, tabulate, yaml, markdown_it, "
               "mdit_py_plugins.front_matter\nfrom pydantic import BaseModel, TypeAdapter")
"""archplan's runtime dependencies (pyproject.toml), as a command that reads a design needs them."""
LIBRARY = """
import statistics, sys, time
from engine.review import review
review([{shop!r}])  # the first call loads and compiles the rules
times = []
for _ in range({calls}):
    t0 = time.perf_counter()
    review([{shop!r}])
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""

ENV = {k: v for k, v in clean_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The environment of every measured process. An installed archplan has its bytecode compiled (pip writes the
.pyc files); with ``PYTHONDONTWRITEBYTECODE`` set (as in some CI and sandbox shells) an editable install
compiles its ~40 modules from source in every process, 60 ms of a check, and the warm-up could not fix it. Without
``PYTHONPATH`` (``tool_venv.clean_env``), which would put the tree's ``engine`` before the installed one.
``main`` adds the benchmark's own rule cache folder (``CACHE_ENV``)."""
CACHE_ENV = "ARCHPLAN_CACHE_DIR"
"""Where archplan keeps its rule cache (``engine.rulecache.CACHE_ENV``)."""

CHECK_RATIO = 2.0
"""``archplan check facts/shop`` (cold process) against the third-party import floor (issue 17)."""
FIRST_RUN_RATIO = 3.0
"""``archplan check facts/shop`` with an empty rule cache (the first run) against the same floor (issue 17)."""
REVIEW_MS = 20.0
"""``review()`` on facts/shop, repeated in one process, per call (issue 17)."""


def archplan_command(python: str) -> list[str]:
    """The console script of ``python``'s environment (``python -m archplan`` where it has none)."""
    script = os.path.join(os.path.dirname(python), "archplan")
    return [script] if os.path.exists(script) else [python, "-m", "archplan"]


def installed_archplan() -> str:
    """The interpreter of the benchmarks' own venv (``tool_venv.BENCH_VENV``), archplan installed there from a
    wheel of this tree as a user installs it (rebuilt when the tree's package files changed); says which."""
    python = archplan_venv()
    with open(os.path.join(BENCH_VENV, STAMP), encoding="utf-8") as fh:
        key = fh.read().strip()
    print(f"archplan: {installed_engine(python)} (a wheel of this tree, sources {key[:12]}, installed in "
          f"{os.path.relpath(BENCH_VENV, ROOT)}; {sys.version.split()[0]})", flush=True)
    return python


CPU: dict[str, float] = {}
"""The processor seconds (user + system) of the last process ``wall`` ran, under "last"."""


def wall(argv: list[str], ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> float:
    """Seconds one process takes, start to exit (its processor seconds go to ``CPU``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                          env={**ENV, **(env or {})})
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in ok:
        raise SystemExit(f"bench_startup: {' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def library_call(python: str, calls: int) -> float:
    """Median seconds of one ``review()`` call in a process that has made one already (run outside the tree, so
    that it imports the installed archplan)."""
    done = subprocess.run([python, "-c", LIBRARY.format(shop=SHOP, calls=calls)], cwd=BENCH_VENV,
                          capture_output=True, text=True, check=False, env=ENV)
    if done.returncode != 0:
        raise SystemExit(f"bench_startup: the library run failed: {done.stderr[-500:]}")
    return float(done.stdout.split()[-1])


def first_run(argv: list[str]) -> float:
    """Seconds of a check whose rule cache is empty: a new cache directory, as on a new machine."""
    with tempfile.TemporaryDirectory() as cache:
        return wall(argv, ok=(0, 1), env={CACHE_ENV: cache})


def measure(python: str, rounds: int, calls: int) -> dict[str, list[float]]:
    """Each figure, once per round, the processes of a round run back to back, all on ``python``."""
    archplan = archplan_command(python)
    cases = {
        "python -c pass": lambda: wall([python, "-c", "pass"]),
        "third-party imports": lambda: wall([python, "-c", THIRD_PARTY]),
        "archplan --version": lambda: wall([*archplan, "--version"]),
        "archplan check facts/shop": lambda: wall([*archplan, "check", SHOP, "-o", os.devnull], ok=(0, 1)),
        "check, empty rule cache": lambda: first_run([*archplan, "check", SHOP, "-o", os.devnull]),
        "review() per call": lambda: library_call(python, calls),
    }
    for run in cases.values():  # warm-up: the file system cache, .pyc files
        run()
    figures: dict[str, list[float]] = {name: [] for name in cases}
    for name in list(cases)[:-1]:  # whole processes: their processor time too
        figures[f"{name} (cpu)"] = []
    for _ in range(rounds):
        for name, run in cases.items():
            figures[name].append(run())
            if f"{name} (cpu)" in figures:
                figures[f"{name} (cpu)"].append(CPU["last"])
    return figures


def report(figures: dict[str, list[float]]) -> int:
    """Print the medians and the targets as ratios; 1 when a target is missed."""
    med = {name: statistics.median(values) for name, values in figures.items()}
    rounds = len(figures["python -c pass"])
    print(f"medians of {rounds} paired rounds (whole processes; review() inside one process)")
    for name, value in med.items():
        print(f"  {name:28} {value * 1000:8.1f} ms")

    def ratio(name: str, floor: str) -> float:
        return statistics.median(a / b for a, b in zip(figures[name], figures[floor], strict=True))

    check = ratio("archplan check facts/shop", "third-party imports")
    first = ratio("check, empty rule cache", "third-party imports")
    version = ratio("archplan --version", "python -c pass")
    review_ms = med["review() per call"] * 1000
    print("ratios (median of the per-round ratios):")
    print(f"  archplan --version / python -c pass            {version:5.2f}x")
    print(f"  archplan check facts/shop / third-party imports {check:5.2f}x")
    print(f"  the same, empty rule cache / third-party imports {first:5.2f}x")
    print("  processor time (user + system; less moved by other work on the machine than wall time):")
    floor = "third-party imports (cpu)"
    print(f"    check / third-party imports {ratio('archplan check facts/shop (cpu)', floor):5.2f}x, "
          f"empty rule cache {ratio('check, empty rule cache (cpu)', floor):5.2f}x")
    missed = 0
    print("targets:")
    for ok, text in ((check <= CHECK_RATIO, f"archplan check facts/shop <= {CHECK_RATIO:g}x the third-party import "
                                           f"floor: {check:.2f}x"),
                     (first <= FIRST_RUN_RATIO, f"the same with an empty rule cache (first run) <= "
                                                f"{FIRST_RUN_RATIO:g}x: {first:.2f}x"),
                     (review_ms <= REVIEW_MS, f"review() on facts/shop, repeated: <= {REVIEW_MS:g} ms per call: "
                                              f"{review_ms:.1f} ms ({review_ms / REVIEW_MS:.2f}x the target)")):
        print(f"  {'met   ' if ok else 'MISSED'}  {text}")
        missed += not ok
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--calls", type=int, default=20, help="review() calls timed per round (default 20)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be positive")
    python = installed_archplan()
    with tempfile.TemporaryDirectory() as cache:  # the warm runs' own rule cache, filled by the warm-up
        ENV[CACHE_ENV] = cache
        try:
            return report(measure(python, args.rounds, args.calls))
        finally:
            del ENV[CACHE_ENV]


if __name__ == "__main__":
    sys.exit(main())
