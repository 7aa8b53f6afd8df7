"""How much the review gate adds to a review: waivers, baseline matching and each report format.

    .venv/bin/python benchmarks/bench_gate.py [--services 500 2000]

For each size: the review itself (load, enrich, fire), then the gate's own steps on its findings.
Prints wall times; nothing is asserted (tests must not time things).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.gen_design import generate
from engine.gate.baseline import baseline_data
from engine.gate.core import GateOptions, evaluate
from engine.gate.github import to_github
from engine.gate.junit import to_junit
from engine.gate.markdown import to_markdown
from engine.gate.sarif import to_sarif
from engine.gate.text import to_json, to_text
from engine.report import dumps
from engine.review import load_kb, review


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    print(f"  {label:<28} {time.perf_counter() - start:8.3f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, nargs="+", default=[500, 2000])
    args = parser.parse_args()
    load_kb()  # compile once, outside the timings
    for n in args.services:
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "design")
            os.makedirs(d)
            for name, body in generate(n).items():
                with open(os.path.join(d, f"{name}.yaml"), "w", encoding="utf-8") as fh:
                    yaml.safe_dump(body, fh, sort_keys=False)
            print(f"{n} services")
            rv = timed("review (load+enrich+fire)", lambda: review([d]))  # noqa: B023
            print(f"  findings: {len(rv.findings)}")
            base = os.path.join(tmp, "baseline.json")
            text = timed("baseline data", lambda: dumps(baseline_data(rv)))  # noqa: B023
            with open(base, "w", encoding="utf-8") as fh:
                fh.write(text)
            waivers = os.path.join(tmp, "waivers.yaml")
            entries = [{"rule": "*", "subject": f"interaction:svc-{i:05d}->*", "reason": "bench", "owner": "bench",
                        "expires": "2099-01-01"} for i in range(0, n, 10)]
            with open(waivers, "w", encoding="utf-8") as fh:
                yaml.safe_dump({"waivers": entries}, fh)
            opts = GateOptions(waiver_files=(waivers,), baseline=base, today=dt.date(2026, 1, 1),
                               include_waived=True)
            gate = timed(f"gate ({len(entries)} waivers, baseline)", lambda: evaluate(rv, opts))  # noqa: B023
            for name, render in (("sarif", to_sarif), ("junit", to_junit), ("github", to_github),
                                 ("markdown", to_markdown), ("json", to_json), ("text", to_text)):
                out = timed(f"render {name}", lambda r=render: r(gate))  # noqa: B023
                print(f"    {len(out):,} characters")


if __name__ == "__main__":
    main()
