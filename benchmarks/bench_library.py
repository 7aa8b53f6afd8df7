"""Library use: 10,000 small reviews in one process, with the knowledge base loaded once.

Prints resident memory before and after, the time per run, and whether every run gave the same
findings as the first run of its design (no state carried between runs). A second phase cycles
through more knowledge bases than the runtime caches (4), so that sessions are evicted and freed
over and over. Run: ``.venv/bin/python benchmarks/bench_library.py [RUNS]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from typing import Any

import yaml

from engine import runtime
from engine.compiler import compile_kb
from engine.loader import load_documents
from engine.review import load_kb, review, review_design
from engine.ruleload import load_rules
from engine.source import Document

DESIGNS: list[dict[str, Any]] = [
    {"services": [{"name": "a"}]},
    {"services": [{"name": "a"}, {"name": "b", "replicas": 1}],
     "interactions": [{"from": "a", "to": "b", "style": "async"}]},
    {"services": [{"name": "a", "exposure": "public"}], "externals": [{"name": "psp"}],
     "interactions": [{"from": "a", "to": "psp", "style": "sync", "circuit_breaker": False}],
     "endpoints": [{"method": "GET", "path": "/x", "served_by": "a", "exposure": "public"}]},
    {"services": [{"name": "a", "replicas": 2}, {"name": "b"}], "deployments": [{"service": "b"}],
     "datastores": [{"name": "db", "owner": "a", "writers": ["a", "b"]}]},
]


def rss_mb() -> float:
    """Current resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def findings(rv: Any) -> list[dict[str, Any]]:
    return [f.to_json() for f in rv.findings]


def small_kb(tmp: str, i: int) -> Any:
    rule = {
        "id": f"bench-rule-{i}", "title": f"Bench rule {i}", "category": "resilience", "phase": 3,
        "summary": "A rule for the library benchmark.", "rationale": "Evictions need distinct knowledge bases.",
        "references": ["bench"], "when": [{"as": "s", "kind": "service", "where": {"replicas": {"lt": i + 2}}},
                                          {"as": "d", "kind": "deployment", "join": {"service": "s.name"}}],
        "risk": {"subject": "s", "likelihood": "likely", "impact": "major", "message": "service {s.name} is at risk"},
        "mitigation": {"id": "fix", "title": "Fix {s.name}", "scope": "s.name", "action": "Do the fixing work."},
    }
    path = os.path.join(tmp, str(i), "resilience")
    os.makedirs(path)
    with open(os.path.join(path, f"bench-rule-{i}.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(rule, fh)
    return compile_kb(load_rules([os.path.join(tmp, str(i))]))


def main(runs: int) -> None:
    """Run the benchmark and print its figures."""
    start = rss_mb()
    kb = load_kb()
    designs = [load_documents([Document("mem.yaml", {"source": "api", **d})]) for d in DESIGNS]
    first = [findings(review_design(d, kb)) for d in designs]
    for i in range(200):  # warm-up: caches, allocator pools
        review_design(designs[i % len(designs)], kb)
    gc.collect()
    warm = rss_mb()
    t0 = time.perf_counter()
    same = True
    for i in range(runs):
        rv = review_design(designs[i % len(designs)], kb)
        if i % 97 == 0:  # compare a sample of runs in full (comparing all would dominate the timing)
            same &= findings(rv) == first[i % len(designs)]
    elapsed = time.perf_counter() - t0
    gc.collect()
    end = rss_mb()
    print(f"knowledge base: {len(kb.source)} rules; designs: {len(designs)} (rotated)")
    print(f"runs: {runs:,}  time: {elapsed:.1f} s  per run: {elapsed / runs * 1000:.2f} ms  "
          f"runs/s: {runs / elapsed:.0f}")
    print(f"RSS: start {start:.1f} MB, after KB + warm-up {warm:.1f} MB, after {runs:,} runs {end:.1f} MB "
          f"(growth {end - warm:+.1f} MB)")
    print(f"every sampled run equal to the first of its design: {same}")

    with tempfile.TemporaryDirectory() as tmp:
        # The whole API, as a library user calls it: rules and design read from disk on every call.
        path = os.path.join(tmp, "api.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            yaml.safe_dump({"source": "api", **DESIGNS[2]}, fh)
        full = max(1, runs // 100)
        for _ in range(full):  # warm-up: pydantic and regex caches fill during the first calls
            review([path])
        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        for _ in range(full):
            rv = review([path])
        elapsed = time.perf_counter() - t0
        gc.collect()
        print(f"review(paths) with rules loaded from disk each call: {full} calls, {elapsed / full * 1000:.0f} ms "
              f"each; RSS {before:.1f} -> {rss_mb():.1f} MB; findings {len(rv.findings)}")

        kbs = [small_kb(tmp, i) for i in range(8)]
        design = designs[3]
        before = rss_mb()
        cycles = max(1, runs // 20)
        t0 = time.perf_counter()
        for _c in range(cycles):
            for k in kbs:
                review_design(design, k)
        elapsed = time.perf_counter() - t0
        gc.collect()
        print(f"eviction cycling: {cycles} cycles over {len(kbs)} knowledge bases (cache holds {runtime._CACHE_SIZE}): "
              f"{cycles * len(kbs):,} runs, {elapsed:.1f} s; RSS {before:.1f} -> {rss_mb():.1f} MB; "
              f"cached sessions now {len(runtime._cache)}")
    runtime.clear_cache()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=10_000, help="small reviews to run (default 10,000)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("runs must be positive")
    main(args.runs)
