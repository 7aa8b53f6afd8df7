"""End-to-end engine benchmark: load, enrichment, rule firing and reporting, timed and measured apart,
then the ``archplan check`` command itself, and the targets checked.

Usage: python benchmarks/bench_engine.py [SIZES...] [--repeat N] [--no-cli]
  SIZES     service counts (default 10 100 1000 5000)
  --repeat  runs per size; the median run is shown (default 1)
  --no-cli  skip timing the console command

Each run is a fresh process, so that peak memory (ru_maxrss) is per run. Targets (2-core machine):
1,000 services <= 1.5 s end to end; 5,000 <= 5 s and <= 1 GB; near-linear cost (per-service time at
5,000 at most 1.5x that at 1,000). The exit status is 1 when a measured target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

TARGET_SECONDS = {1000: 1.5, 5000: 5.0}
TARGET_MB = {5000: 1024}
LINEAR_SLACK = 1.5


def _rss() -> float:
    """Peak resident set size so far, in MB (its growth over a stage is that stage's peak cost)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one(design_dir: str) -> dict[str, float]:
    from engine.enrich import enrich
    from engine.loader import load_design
    from engine.report import to_json
    from engine.review import assemble, facts_for_engine, load_kb, paused_gc
    from engine.runtime import run

    out: dict[str, float] = {}
    # As `archplan check` does. Compiling the knowledge base is per process, not per design: not timed.
    kb = load_kb(findings_only=True)
    rss0 = _rss()
    gc_pause = paused_gc()  # as review() does
    gc_pause.__enter__()
    c0 = time.process_time()
    t0 = time.perf_counter()
    design = load_design([design_dir])
    t1 = time.perf_counter()
    rss1 = _rss()
    enriched = enrich(design)
    t2 = time.perf_counter()
    rss2 = _rss()
    result = run(kb, facts_for_engine(enriched))
    review = assemble(design, enriched, kb, result)
    t3 = time.perf_counter()
    rss3 = _rss()
    text = to_json(review)
    t4 = time.perf_counter()
    c4 = time.process_time()
    gc_pause.__exit__(None, None, None)
    rss4 = _rss()
    out.update(
        facts=len(enriched.facts), findings=len(review.findings), derived=len(result.derived),
        load_s=t1 - t0, enrich_s=t2 - t1, fire_s=t3 - t2, report_s=t4 - t3, total_s=t4 - t0,
        load_mb=rss1 - rss0, enrich_mb=rss2 - rss1, fire_mb=rss3 - rss2, report_mb=rss4 - rss3,
        report_bytes=len(text), peak_rss_mb=rss4, rules=len(kb.source), cpu_s=c4 - c0,
    )
    return out


def _cli(design_dir: str) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of the console command on the design (JSON report to a file)."""
    with tempfile.TemporaryDirectory() as tmp:
        code = "import sys; from engine.cli import entry; sys.argv[0] = 'archplan'; entry()"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code, "check", design_dir, "--format", "json", "--fail-on",
                               "never", "-o", os.path.join(tmp, "report.json")], capture_output=True, text=True,
                              cwd=ROOT, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"archplan check failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _median_run(design_dir: str, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, __file__, "--one", design_dir], capture_output=True, text=True,
                              check=True)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--one":
        print(json.dumps(_one(argv[1])))
        return 0
    parser = argparse.ArgumentParser(prog="bench_engine.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 100, 1000, 5000], metavar="SIZE")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the median is shown")
    parser.add_argument("--no-cli", action="store_true", help="do not time the console command")
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(s < 1 for s in args.sizes):
        parser.error("sizes and --repeat must be positive")
    from gen_design import write

    rows, cli = [], {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, size)
            row = _median_run(tmp, args.repeat)
            row["services"] = size
            rows.append(row)
            if not args.no_cli:
                walls = [_cli(tmp) for _ in range(args.repeat)]
                cli[size] = sorted(walls)[len(walls) // 2]
    print(f"rules: {int(rows[0]['rules'])}; median of {args.repeat} run(s) per size; memory columns: growth of "
          "the process's peak RSS during each stage")
    print(f"{'services':>8} {'facts':>7} {'findings':>8} {'load s':>7} {'enrich s':>8} {'fire s':>7} "
          f"{'report s':>8} {'total s':>7} {'cpu s':>6} {'peak RSS MB':>11}  peak growth MB (load/enrich/fire/report)"
          + ("   archplan check: wall s / peak MB" if cli else ""))
    for r in rows:
        size = int(r["services"])
        print(f"{size:>8} {int(r['facts']):>7} {int(r['findings']):>8} {r['load_s']:>7.2f} "
              f"{r['enrich_s']:>8.2f} {r['fire_s']:>7.2f} {r['report_s']:>8.2f} {r['total_s']:>7.2f} "
              f"{r['cpu_s']:>6.2f} {r['peak_rss_mb']:>11.0f}  {r['load_mb']:.0f}/{r['enrich_mb']:.0f}/"
              f"{r['fire_mb']:.0f}/{r['report_mb']:.0f}"
              + (f"   {cli[size][0]:.2f} / {cli[size][1]:.0f}" if size in cli else ""))
    return _verdicts(rows, cli)


def _verdicts(rows: list[dict[str, float]], cli: dict[int, tuple[float, float]]) -> int:
    """Print each target that these sizes measure, met or missed; 1 when one is missed."""
    missed = 0

    def verdict(ok: bool, text: str) -> None:
        nonlocal missed
        missed += not ok
        print(f"  {'met   ' if ok else 'MISSED'}  {text}")

    by_size = {int(r["services"]): r for r in rows}
    print("targets:")
    for size, limit in TARGET_SECONDS.items():
        if size in by_size:
            verdict(by_size[size]["total_s"] <= limit,
                    f"{size:,} services end to end <= {limit:g} s: {by_size[size]['total_s']:.2f} s")
            if size in cli:
                print(f"          (the archplan check command, start-up, rule compilation and gate included: "
                      f"{cli[size][0]:.2f} s)")
    for size, mb in TARGET_MB.items():
        if size in by_size:
            verdict(by_size[size]["peak_rss_mb"] <= mb,
                    f"{size:,} services peak memory <= {mb:,} MB: {by_size[size]['peak_rss_mb']:.0f} MB")
    if 1000 in by_size and 5000 in by_size:
        a, b = by_size[1000], by_size[5000]
        ratio = (b["total_s"] / 5000) / (a["total_s"] / 1000)
        verdict(ratio <= LINEAR_SLACK, f"near-linear: time per service at 5,000 is {ratio:.2f}x that at 1,000 "
                                       f"(<= {LINEAR_SLACK:g}x)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
