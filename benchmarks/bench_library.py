"""Library use: 10,000 small reviews in one process, with the knowledge base loaded once.

Prints resident memory before and after, the time per run, and whether every run gave the same
findings as the first run of its design (no state carried between runs). A second phase cycles
through more knowledge bases than the runtime caches (4), so that sessions are evicted and freed
over and over. Run: ``.venv/bin/python benchmarks/bench_library.py [RUNS]``.

``--rotating-packs [--calls N]`` measures instead what a long-lived process sees: ``review(["facts/shop"],
rule_dirs=[pack])`` called N times (default 10,000) with the built-in rules plus one of 8 one-rule packs in
rotation, so that every call evicts one of the runtime's cached sessions; it prints the resident memory growth after
an 80-call warm-up at each quarter, and the verdict against the target (< 10 MB over 10,000 calls; exit 1 if missed).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKS = 8
GROWTH_TARGET_MB = 10.0
TARGET_CALLS = 10_000


def write_pack(tmp: str, i: int) -> str:
    """Write a one-rule pack (a rule folder) under ``tmp`` and return its path."""
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
    return os.path.join(tmp, str(i))


def small_kb(tmp: str, i: int) -> Any:
    return compile_kb(load_rules([write_pack(tmp, i)]))


def rotating_packs(calls: int, warmup: int) -> int:
    """``review()`` on facts/shop with the built-in rules plus one of 8 one-rule packs in rotation; 1 if missed."""
    shop = os.path.join(ROOT, "facts", "shop")
    with tempfile.TemporaryDirectory() as tmp:
        packs = [write_pack(tmp, i) for i in range(PACKS)]
        for i in range(warmup):  # compiles each pack's knowledge base once; caches and allocator pools fill
            review([shop], rule_dirs=[packs[i % PACKS]])
        gc.collect()
        warm = rss_mb()
        quarters = {calls * q // 4: q for q in (1, 2, 3, 4)}
        growth = 0.0
        t0 = time.perf_counter()
        for i in range(1, calls + 1):
            rv = review([shop], rule_dirs=[packs[i % PACKS]])
            if i in quarters:
                gc.collect()
                growth = rss_mb() - warm
                print(f"after {i:,} calls ({quarters[i]}/4): RSS {warm + growth:.1f} MB, growth {growth:+.1f} MB",
                      flush=True)
        elapsed = time.perf_counter() - t0
    print(f"review() on facts/shop, built-in rules plus one of {PACKS} one-rule packs in rotation (the runtime "
          f"caches {runtime._CACHE_SIZE} sessions): {calls:,} calls after {warmup} warm-up calls, "
          f"{elapsed / calls * 1000:.0f} ms a call; RSS after warm-up {warm:.1f} MB; findings {len(rv.findings)}")
    met = growth < GROWTH_TARGET_MB
    scope = "" if calls >= TARGET_CALLS else f" (over {calls:,} calls only: the target is for {TARGET_CALLS:,})"
    print(f"target: growth < {GROWTH_TARGET_MB:.0f} MB over {TARGET_CALLS:,} calls: {growth:+.1f} MB "
          f"{'met' if met else 'MISSED'}{scope}")
    runtime.clear_cache()
    return 0 if met else 1


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
    parser.add_argument("--rotating-packs", action="store_true",
                        help="measure memory growth of review() over 8 rotating one-rule packs instead")
    parser.add_argument("--calls", type=int, default=TARGET_CALLS,
                        help="with --rotating-packs: calls after the warm-up (default 10,000)")
    parser.add_argument("--warmup", type=int, default=80, help="with --rotating-packs: warm-up calls (default 80)")
    args = parser.parse_args()
    if args.runs < 1 or args.calls < 1 or args.warmup < 0:
        parser.error("runs and calls must be positive, warmup not negative")
    if args.rotating_packs:
        sys.exit(rotating_packs(args.calls, args.warmup))
    main(args.runs)
