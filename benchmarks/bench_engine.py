"""End-to-end engine benchmark: load, enrichment, rule firing and reporting, timed and measured apart.

Usage: python benchmarks/bench_engine.py [SIZES...]   (default 10 100 1000 5000)
Each size runs in a fresh process so that peak memory (ru_maxrss) is per size.
Targets (2-core machine): 1,000 services <= 1.5 s end to end; 5,000 <= 5 s and <= 1 GB; near-linear.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def _rss() -> float:
    """Peak resident set size so far, in MB (its growth over a stage is that stage's peak cost)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one(size: int) -> dict[str, float]:
    from gen_design import write

    from engine.enrich import enrich
    from engine.loader import load_design
    from engine.report import to_json
    from engine.review import assemble, facts_for_engine, load_kb, paused_gc
    from engine.runtime import run

    out: dict[str, float] = {"services": size}
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, size)
        # As `archplan check` does. Compiling the knowledge base is per process, not per design: not timed.
        kb = load_kb(findings_only=True)
        rss0 = _rss()
        gc_pause = paused_gc()  # as the CLI and review() do
        gc_pause.__enter__()
        c0 = time.process_time()
        t0 = time.perf_counter()
        design = load_design([tmp])
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


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(_one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [10, 100, 1000, 5000]
    rows = []
    for size in sizes:
        proc = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
                              check=True)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"rules: {int(rows[0]['rules'])}; memory columns: growth of the process's peak RSS during each stage")
    header = (f"{'services':>8} {'facts':>7} {'findings':>8} {'load s':>7} {'enrich s':>8} {'fire s':>7} "
              f"{'report s':>8} {'total s':>7} {'cpu s':>6} {'peak RSS MB':>11}  "
              "peak growth MB (load/enrich/fire/report)")
    print(header)
    for r in rows:
        print(f"{int(r['services']):>8} {int(r['facts']):>7} {int(r['findings']):>8} {r['load_s']:>7.2f} "
              f"{r['enrich_s']:>8.2f} {r['fire_s']:>7.2f} {r['report_s']:>8.2f} {r['total_s']:>7.2f} "
              f"{r['cpu_s']:>6.2f} "
              f"{r['peak_rss_mb']:>11.0f}  {r['load_mb']:.0f}/{r['enrich_mb']:.0f}/"
              f"{r['fire_mb']:.0f}/{r['report_mb']:.0f}")
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        ratio = (b["total_s"] / a["total_s"]) / (b["services"] / a["services"])
        print(f"scaling {int(a['services'])}->{int(b['services'])}: time grew {b['total_s'] / a['total_s']:.1f}x for "
              f"{b['services'] / a['services']:.0f}x services (1.0 = linear: {ratio:.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
