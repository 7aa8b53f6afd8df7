"""What ``archplan plan`` adds to the engine run, on synthetic designs.

Usage: [BENCH_WALL=1] python benchmarks/bench_plan.py [SIZES...]   (default 100 1000)
Each size runs in a fresh process. Measured per size:
  engine     load + enrich + fire + assemble with the whole knowledge base (what ``check`` does);
  rules      how much of that the planning rules (rules/*/plan-*.yaml) cost: the same run without them;
  build      arranging the review into the seven sections (roadmap ordering, paths, tests, deployment...);
  render     Markdown, JSON, text and HTML from the built plan;
  svg        Graphviz drawing both diagrams (an external process; the large design is drawn collapsed).
Each stage is run 3 times and the fastest kept (the machine is shared). Target: for 1,000 services,
rules + build + render (+ svg) <= 1 s on top of the engine run.
"""

from __future__ import annotations

import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPEAT = 3
WALL = bool(os.environ.get("BENCH_WALL"))
CLOCK = time.perf_counter if WALL else time.process_time
"""CPU time of this process by default: on a shared 2-core machine wall time mostly measures the
neighbours. BENCH_WALL=1 times wall-clock instead."""
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)


def _engine(paths: list[str], kb: object) -> tuple[object, float]:
    from engine.enrich import enrich
    from engine.loader import load_design
    from engine.review import assemble, facts_for_engine, paused_gc
    from engine.runtime import run

    t0 = CLOCK()
    with paused_gc():
        design = load_design(paths)
        enriched = enrich(design)
        result = run(kb, facts_for_engine(enriched))  # type: ignore[arg-type]
        review = assemble(design, enriched, kb, result)  # type: ignore[arg-type]
    return review, CLOCK() - t0


def _one(size: int) -> dict[str, float]:
    from gen_design import write

    from engine.plan import build_plan
    from engine.plan.diagram import render_svg_text
    from engine.plan.render import render
    from engine.review import load_kb, paused_gc

    plan_rules = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(ROOT, "rules", "*", "plan-*.yaml")))
    out: dict[str, float] = {"services": size, "plan_rules": len(plan_rules)}
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, size)
        kb_all = load_kb()
        kb_without = load_kb(disabled=plan_rules)
        _engine([tmp], kb_without)  # warm-up: imports, first-run allocations
        # The machine is shared: every stage is timed REPEAT times and the fastest run kept.
        t_without = t_all = build_s = float("inf")
        for _ in range(REPEAT):
            _rv0, t = _engine([tmp], kb_without)
            t_without = min(t_without, t)
            rv, t = _engine([tmp], kb_all)
            t_all = min(t_all, t)
        for _ in range(REPEAT):
            t0 = CLOCK()
            with paused_gc():
                plan = build_plan(rv, render_svg=False)  # type: ignore[arg-type]
            build_s = min(build_s, CLOCK() - t0)
        sizes: dict[str, int] = {}
        for fmt in ("markdown", "json", "text", "html"):
            best = float("inf")
            for _ in range(REPEAT):
                t = CLOCK()
                sizes[fmt] = len(render(plan, fmt))
                best = min(best, CLOCK() - t)
            out[f"render_{fmt}_s"] = best
        c0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        svg_a = render_svg_text(plan.architecture.dot)
        svg_r = render_svg_text(plan.roadmap.dot)
        c1, w1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        # Graphviz runs as a child process: its CPU time is the children's.
        svg_cpu = w1 - w0 if WALL else (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        out.update(engine_s=t_all, engine_without_plan_rules_s=t_without, rules_s=max(0.0, t_all - t_without),
                   build_s=build_s, svg_s=svg_cpu, svg_drawn=float(bool(svg_a and svg_r)),
                   work_items=len(plan.roadmap.items), plan_items=plan.counts["plan_items_from_rules"],
                   nodes=len(plan.architecture.nodes), html_kb=sizes["html"] / 1024, json_kb=sizes["json"] / 1024)
    return out


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(_one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [100, 1000]
    clock = "wall-clock" if WALL else "CPU"
    print(f"{clock} seconds (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
          f"fastest of {REPEAT} runs")
    print("plan cost on top of the engine run ('rules': engine time spent on the planning rules;")
    print("'added': rules + build + rendering one format, the way `archplan plan` runs; html adds the Graphviz SVG)")
    print(f"{'services':>8} {'engine':>7} {'rules':>6} {'build':>6} {'md':>5} {'json':>5} {'text':>5} {'html':>5} "
          f"{'svg':>5} {'added md':>8} {'added html':>10} {'items':>6} {'plan items':>10} {'html KB':>8}")
    for size in sizes:
        proc = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
                              check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        base = r["rules_s"] + r["build_s"]
        added_md = base + r["render_markdown_s"]
        added_html = base + r["render_html_s"] + r["svg_s"]
        print(f"{int(r['services']):>8} {r['engine_s']:>7.2f} {r['rules_s']:>6.2f} {r['build_s']:>6.2f} "
              f"{r['render_markdown_s']:>5.2f} {r['render_json_s']:>5.2f} {r['render_text_s']:>5.2f} "
              f"{r['render_html_s']:>5.2f} {r['svg_s']:>5.2f} {added_md:>8.2f} {added_html:>10.2f} "
              f"{int(r['work_items']):>6} {int(r['plan_items']):>10} {r['html_kb']:>8.0f}"
              + ("" if r["svg_drawn"] else "  (no Graphviz: svg not drawn)"))
        if int(r["services"]) == 1000:
            worst = max(base + r[f"render_{f}_s"] for f in ("markdown", "json", "text"))
            worst = max(worst, added_html)
            verdict = "within" if worst <= 1.0 else "OVER"
            print(f"         1,000 services: the plan adds at most {worst:.2f} s whatever the format "
                  f"({verdict} the 1 s budget)")

if __name__ == "__main__":
    main(sys.argv[1:])
