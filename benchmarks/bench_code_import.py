"""Import cost of a service's Python code (``import source``), as a ratio to parsing its files once.

    .venv/bin/python benchmarks/bench_code_import.py [--path DIR] [--services 4] [--repeat 3]

Reads the Python files under ``--path`` (default: archplan's own ``engine/``, real code that needs no download; a
checkout such as Plane's ``apps/api/plane`` is the case that motivated it) and prints, in processor seconds (best of
``--repeat``), three figures measured in the same run:

- the floor: ``ast.parse`` of each file once (the least any reader of the code's syntax must pay);
- one service importing the code (``import_paths("source", [path])``: every reader, routes to workflows);
- ``--services`` services importing the same code in one import, as a deployment whose web process and workers run
  one image does (Plane: api, worker, beat-worker, migrator): the readers share each file's tree and what is worked
  out of its text (``engine/importers/code_trees.py``), so each added service costs less than the first.

Each figure is printed beside its ratio to the floor, so that the figures compare across machines; nothing is
asserted (the machine may be shared).
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.importers import code_trees, import_paths
from engine.importers.code_routes import code_files

ENGINE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "engine")


def _best(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--path", default=ENGINE, help="a service's code (default: archplan's engine/)")
    ap.add_argument("--services", type=int, default=4, help="services importing the same code in one import")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each figure; the best is printed")
    args = ap.parse_args(argv)
    if args.services < 1 or args.repeat < 1:
        print("bench_code_import: --services and --repeat must be positive", file=sys.stderr)
        return 2
    files = [f for f in code_files(args.path) if f.endswith(".py")]
    if not files:
        print(f"bench_code_import: no Python file under {args.path}", file=sys.stderr)
        return 2
    texts = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            texts.append((f, fh.read()))

    def floor() -> None:
        for f, t in texts:
            ast.parse(t, f)

    def services(n: int) -> None:
        with code_trees.shared():
            for k in range(n):
                import_paths("source", [args.path], service=f"s{k}")

    base = _best(args.repeat, floor)
    one = _best(args.repeat, lambda: services(1))
    many = _best(args.repeat, lambda: services(args.services))
    print(f"{len(files)} Python files, {sum(len(t) for _f, t in texts):,} characters, under {args.path}")
    print(f"{'figure':<46} {'cpu s':>8} {'x floor':>8}")
    for what, secs in (("floor: ast.parse of each file once", base), ("import source, one service", one),
                       (f"import source, {args.services} services of the same code", many)):
        print(f"{what:<46} {secs:>8.3f} {secs / base if base else float('inf'):>8.1f}")
    if args.services > 1:
        print(f"each service after the first: {(many - one) / (args.services - 1) / one:.0%} of the first's cost")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
