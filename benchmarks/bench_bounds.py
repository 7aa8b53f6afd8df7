"""The hostile blow-ups of issue 18, each run as its own `archplan` process under a 2 GB budget.

    .venv/bin/python benchmarks/bench_bounds.py [--scale 1.0] [--max-memory 2G] [--max-seconds 10]

For each case: exit code, wall time, the child's peak resident size, and the time as a ratio to a floor
measured in the same run (`archplan check facts/shop`), so that figures from different machines compare.
``--scale`` shrinks the generated inputs (to measure an older archplan, whose blow-ups take minutes).
Prints a table; nothing is asserted (tests must not time things).

Measured on the 2-core machine, shared with other jobs (so compare the ratios; `x floor` is the time over
`archplan check facts/shop` in the same run). Before: the archplan of d44d16c, at --scale 0.25 (its
full-size blow-ups take minutes: the issue measured 79 s and 1.4 GB for the chain, 51-70 s for the
waiver, 26 s and 3 GB for three unjoined patterns, 75 s for the environment value, 71 s and 4 GB for
100,000 rules). After: this code, at --scale 1 with --max-memory 2G --max-seconds 10.

| case | before (scale 0.25) | after (scale 0.25) | after (scale 1) |
| --- | --- | --- | --- |
| public chain (2,000 / 8,000 services) | 9.4x floor, 203 MB | 3.6x, 146 MB | deadline, exit 2, 365 MB (a) |
| waiver `*a*a*a*a!` (126 / 501 chars) | 1.8x | 1.1x | 1.3x, 57 MB |
| 3 unjoined patterns (25 / 100 services) | 2.6x, 105 MB, exit 1 | refused at load, 0.4x | refused at load, 1.2x |
| 2 unjoined patterns (500 / 2,000 services) | 20x, 809 MB, exit 1 | refused, 0.7x | refused, 1.6x, 57 MB |
| environment value `a+a+…` (1,000 / 4,000 chars) | 3.5x | 1.5x | 1.6x |
| rules (25,000 / 100,000) | 49x, 953 MB (then failed on derived facts) | refused, 1.2x | refused, 1.3x, 56 MB |
| design/x.yaml -> /proc/self/fd/1 | read stdout ("file is empty"; blocks on a pipe) | refused | refused |

(a) enrichment itself takes about 1 s at 8,000 services (79 s before); the rest of the run (about 11 s on
this loaded machine, mostly the C core) reaches the 10 s deadline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = ("import resource, subprocess, sys, time\n"
         "t = time.perf_counter()\n"
         "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
         "dt = time.perf_counter() - t\n"
         "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
         "print(p.returncode, dt, rss, repr(p.stderr.decode(errors='replace').strip().splitlines()[-1:]))\n")
RULE = """id: {id}
title: A rule of the bounds benchmark
category: resilience
phase: 3
summary: A rule written to measure how archplan bounds hostile packs.
rationale: A pack is controlled by the pull request under review.
references: ["benchmarks/bench_bounds.py"]
when:
{when}
risk:
  subject: a
  likelihood: likely
  impact: major
  message: "service {{a.name}} is flagged"
mitigation:
  id: fix-it
  title: "Fix {{a.name}}"
  scope: a.name
  action: Do the work that removes the risk.
"""


def _write(path: str, text: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def cases(tmp: str, scale: float) -> list[tuple[str, list[str]]]:
    """(label, archplan arguments) for each blow-up, its inputs written under ``tmp``."""
    out: list[tuple[str, list[str]]] = []
    n = max(10, int(8000 * scale))
    chain = _write(os.path.join(tmp, "chain", "api.yaml"), "source: api\nservices:\n"
                   + "".join(f"  - {{name: s{i}}}\n" for i in range(n))
                   + "interactions:\n"
                   + "".join(f"  - {{from: s{i}, to: s{i + 1}, style: sync}}\n" for i in range(n - 1))
                   + "endpoints:\n" + "".join(f"  - {{method: GET, path: /e{i}, served_by: s{i}, exposure: public}}\n"
                                              for i in range(n)))
    out.append((f"enrich: public chain of {n:,} services", ["check", chain, "--fail-on", "never"]))

    length = max(20, int(500 * scale))
    path = "/" + "a" * length
    waiver = _write(os.path.join(tmp, "waiver", "api.yaml"), (
        "source: api\nservices:\n  - {name: s, exposure: public}\n"
        f"endpoints:\n  - {{method: GET, path: {path}, served_by: s, exposure: public}}\n"
        "waivers:\n  - {rule: '*', subject: '*a*a*a*a!', reason: a hostile wildcard, owner: someone, "
        "expires: '2999-01-01'}\n"))
    out.append((f"waiver *a*a*a*a! on a {length + 1}-char path", ["check", waiver, "--fail-on", "never"]))

    services = max(10, int(100 * scale))
    triple = os.path.join(tmp, "triple")
    _write(os.path.join(triple, "resilience", "triple.yaml"), RULE.format(
        id="triple", when="  - {as: a, kind: service}\n  - {as: b, kind: service}\n  - {as: c, kind: service}"))
    many = _write(os.path.join(tmp, "many", "api.yaml"), "source: api\nservices:\n"
                  + "".join(f"  - {{name: s{i}}}\n" for i in range(services)))
    out.append((f"3 unjoined patterns, {services} services", ["check", many, "--rules", triple]))

    pair = os.path.join(tmp, "pair")
    _write(os.path.join(pair, "resilience", "pair.yaml"), RULE.format(
        id="pair", when="  - {as: a, kind: service}\n  - {as: b, kind: service}"))
    wide = _write(os.path.join(tmp, "wide", "api.yaml"), "source: api\nservices:\n"
                  + "".join(f"  - {{name: s{i}}}\n" for i in range(services * 20)))
    out.append((f"2 unjoined patterns, {services * 20:,} services", ["check", wide, "--rules", pair]))

    value = "a+" * max(50, int(2000 * scale))
    compose = _write(os.path.join(tmp, "compose", "docker-compose.yml"), (
        f"services:\n  web:\n    image: nginx\n    environment:\n      API_URL: \"{value}\"\n"
        "  a:\n    image: redis\n"))
    out.append((f"importer: {len(value):,}-char environment value", ["check", "--from", f"compose={compose}",
                                                                      "--fail-on", "never"]))

    rules = max(100, int(100_000 * scale))
    pack = os.path.join(tmp, "rules")
    body = RULE.format(id="{id}", when="  - {as: a, kind: service}")
    for i in range(rules):
        _write(os.path.join(pack, "resilience", f"r{i}.yaml"), body.replace("id: {id}", f"id: r{i}"))
    out.append((f"{rules:,} rules", ["check", many, "--rules", pack]))

    link = os.path.join(tmp, "link")
    _write(os.path.join(link, "a.yaml"), "source: api\nservices:\n  - name: s\n")
    os.symlink("/proc/self/fd/1", os.path.join(link, "x.yaml"))
    out.append(("design/x.yaml -> /proc/self/fd/1", ["check", link]))
    return out


def run(args: list[str], root: str) -> tuple[int, float, int, str]:
    """Exit code, seconds, peak RSS (KiB) and last stderr line of one `archplan` process run in ``root``."""
    done = subprocess.run([sys.executable, "-c", CHILD, sys.executable, "-c",
                           "from engine.cli import entry; entry()", *args], capture_output=True, text=True,
                          cwd=root, timeout=3600, check=False)
    code, seconds, rss, line = done.stdout.strip().split(" ", 3)
    return int(code), float(seconds), int(rss), line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--max-memory", default="2G")
    parser.add_argument("--max-seconds", default="10")
    parser.add_argument("--no-limits", action="store_true", help="Leave out the flags (an archplan without them).")
    parser.add_argument("--root", default=ROOT, help="The checkout whose engine/ runs (e.g. an older one, from "
                                                     "`git archive REV engine rules facts | tar -x -C DIR`).")
    args = parser.parse_args()
    floor = min(run(["check", "facts/shop", "--fail-on", "never"], args.root)[1] for _ in range(3))
    print(f"floor (check facts/shop): {floor:.2f} s; budget --max-memory {args.max_memory} "
          f"--max-seconds {args.max_seconds}")
    print(f"{'case':<44} {'exit':>4} {'seconds':>8} {'x floor':>8} {'peak MB':>8}  last line")
    with tempfile.TemporaryDirectory() as tmp:
        for label, case_args in cases(tmp, args.scale):
            limits = [] if args.no_limits else ["--max-memory", args.max_memory, "--max-seconds", args.max_seconds]
            code, seconds, rss, line = run([*case_args, *limits], args.root)
            print(f"{label:<44} {code:>4} {seconds:8.2f} {seconds / floor:8.1f} {rss / 1024:8.0f}  {line[:110]}")


if __name__ == "__main__":
    main()
