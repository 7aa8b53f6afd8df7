"""rapidyaml against the YAML readers archplan has, on a generated design: should archplan adopt it?

Issue 17 asks for a faster YAML parser that gives node positions (``rapidyaml`` on PyPI) to be measured against
PyYAML's C loader on the 5,000-service design, and adopted only if it is faster, safe on hostile input and well
kept. rapidyaml is not one of archplan's dependencies: this script installs it into its own virtual environment
(``.venv-ryml`` at the top of the repository, from PyPI, once) and runs it there.

Each paired round times, inside each process with the garbage collector off (start-up left out), the same files:

- ``libyaml``: ``yaml.load`` with ``CSafeLoader`` (the floor ``bench_scale.py`` judges ``check`` against);
- ``archplan``: archplan's reader (``engine.source.parse_all``): typed values and every key's line and column;
- ``ryml parse``: rapidyaml parsing into its own tree, nothing handed to Python;
- ``ryml to Python``: that tree walked through its Python binding into dicts and lists (scalars left as text:
  no types, no positions, so less than archplan's reader gives);
- ``ryml via JSON``: its C++ JSON emitter, then ``orjson.loads`` (no positions; scalars as YAML 1.2 text).

Then it checks what adopting it would change: whether the binding gives node positions at all, whether the
values agree with archplan's for a set of scalars YAML 1.1 and 1.2 read differently, and what it does with each
input of the hostile catalogue (``tests/hostile/yaml``) and with nesting 10,000 deep. The verdict adopts it only
if its route to what archplan needs (values and positions) is faster and every check holds.

Run: ``.venv/bin/python benchmarks/bench_yaml.py [SERVICES] [--rounds N]`` (default 5,000 services, 5 rounds;
network needed once, to install rapidyaml). Exit 0 whatever the verdict: it is an evaluation, not a target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from gen_design import write  # noqa: E402
from tool_venv import tool_python  # noqa: E402

RYML = "rapidyaml==0.15.2"
VENV = os.path.join(ROOT, ".venv-ryml")
HOSTILE = os.path.join(ROOT, "tests", "hostile", "yaml")
DEEP = 10_000
"""Nesting of the generated deep inputs (as in the hostile catalogue's ``nesting-10000-*`` cases)."""
PROBES = ("a: ~", "a: yes", "a: on", "a: 0o12", "a: 012", "a: 1_000", "a: 0x1F", "a: 1e3", "a: .inf",
          "a: 2001-01-01", "a: &x [1]\nb: *x")
"""Scalars and an alias whose value depends on the reader: YAML 1.1 (PyYAML, archplan) against 1.2."""

_FILES = """
import os, sys
d = sys.argv[1]
files = sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith((".yaml", ".yml")))
"""

ARCHPLAN_SIDE = _FILES + """
import gc, json, time, yaml
from engine.source import parse_all
texts = [open(p, encoding="utf-8").read() for p in files]
gc.disable()
out = {}
for name, run in (("libyaml", lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts]),
                  ("archplan", lambda: [list(parse_all(t, p)) for t, p in zip(texts, files)])):
    t0 = time.process_time()
    run()
    out[name] = time.process_time() - t0
print(json.dumps(out))
"""
"""Runs in archplan's venv (cwd: the repository): the libyaml floor and archplan's reader, seconds of each."""

RYML_SIDE = _FILES + """
import gc, json, time, orjson, ryml
bufs = [open(p, "rb").read() for p in files]
NONE = ryml.NONE

def value(t, node):
    if t.is_map(node) or t.is_seq(node):
        keyed = t.is_map(node)
        out = {} if keyed else []
        child = t.first_child(node)
        while child != NONE:
            if keyed:
                out[bytes(t.key(child)).decode()] = value(t, child)
            else:
                out.append(value(t, child))
            child = t.next_sibling(child)
        return out
    return bytes(t.val(node)).decode()

gc.disable()
out = {}
for name, run in (("ryml parse", lambda: [ryml.parse_in_arena(b) for b in bufs]),
                  ("ryml to Python", lambda: [value(t, t.root_id()) for t in (ryml.parse_in_arena(b) for b in bufs)]),
                  ("ryml via JSON", lambda: [orjson.loads(ryml.emit_json_malloc(t, t.root_id()))
                                             for t in (ryml.parse_in_arena(b) for b in bufs)])):
    t0 = time.process_time()
    run()
    out[name] = time.process_time() - t0
print(json.dumps(out))
"""
"""Runs in rapidyaml's venv: its three routes over the same files, seconds of each."""

RYML_PROBE = """
import json, sys, ryml
texts = json.loads(sys.stdin.read())
positions = sorted({n for n in dir(ryml.Tree) if "location" in n.lower()}
                   | {n for n in ("Parser", "ParserOptions", "EventHandlerTree") if hasattr(ryml, n)})
results = []
for text in texts:
    try:
        tree = ryml.parse_in_arena(text.encode())
        results.append({"value": json.loads(ryml.emit_json_malloc(tree, tree.root_id()))})
    except Exception as exc:  # what the binding raises on bad input (ExceptionParse, ExceptionVisit, ...)
        results.append({"refused": type(exc).__name__})
print(json.dumps({"positions": positions, "results": results}))
"""
"""Runs in rapidyaml's venv: the names of any node-position API, and each text's value or refusal."""


def ryml_python() -> str:
    """The interpreter of rapidyaml's venv, created and rapidyaml installed on first use (with the orjson archplan
    uses, for its JSON route)."""
    import importlib.metadata

    return tool_python(VENV, RYML, [f"orjson=={importlib.metadata.version('orjson')}"])


def _json_run(python: str, script: str, *args: str, stdin: str | None = None) -> Any:
    done = subprocess.run([python, "-c", script, *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          check=False, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"bench_yaml: {os.path.basename(python)} failed: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def hostile_inputs() -> list[tuple[str, str]]:
    """The hostile catalogue's YAML inputs by name, and nesting ``DEEP`` levels deep (block, flow, JSON)."""
    out = []
    for name in sorted(os.listdir(HOSTILE)):
        if name.endswith(".yaml") and not name.endswith(".expect.yaml"):
            with open(os.path.join(HOSTILE, name), encoding="utf-8") as fh:
                out.append((name, fh.read()))
    out.append((f"nesting {DEEP:,} deep, block", "".join("  " * i + "k:\n" for i in range(DEEP)) + "  " * DEEP + "v\n"))
    out.append((f"nesting {DEEP:,} deep, flow", "a: " + "[" * DEEP + "]" * DEEP + "\n"))
    out.append((f"nesting {DEEP:,} deep, JSON", '{"a": ' + "[" * DEEP + "]" * DEEP + "}"))
    return out


def archplan_reads(text: str) -> dict[str, Any]:
    """What archplan's reader makes of ``text``: its value, or the first line of its refusal."""
    from engine.errors import ArchplanError
    from engine.source import parse

    try:
        return {"value": parse(text, "probe.yaml").data}
    except ArchplanError as exc:
        return {"refused": str(exc).splitlines()[0][:120]}


def _shown(value: Any, width: int = 90) -> str:
    text = json.dumps(value, default=lambda v: f"<{type(v).__name__} {v}>")  # a date, say: not JSON
    return text if len(text) <= width else text[:width - 3] + "..."


def disagreements(names: Sequence[str], ours: Sequence[Mapping[str, Any]],
                  theirs: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per input the two readers treat differently: a different value, or one refusing what the other
    reads. Refused by both is agreement (the messages differ, the outcome does not)."""
    lines = []
    for raw, a, b in zip(names, ours, theirs, strict=True):
        name = raw.replace("\n", "; ")
        if "refused" in a and "refused" in b:
            continue
        if "refused" in a:
            lines.append(f"{name}: archplan refuses it ({a['refused']}); rapidyaml reads {_shown(b['value'])}")
        elif "refused" in b:
            lines.append(f"{name}: rapidyaml refuses it ({b['refused']}); archplan reads it")
        elif a["value"] != b["value"]:
            lines.append(f"{name}: archplan reads {_shown(a['value'])}, rapidyaml {_shown(b['value'])}")
    return lines


def verdict(times: Mapping[str, float], positions: Sequence[str], values: Sequence[str],
            hostile: Sequence[str]) -> tuple[bool, list[str]]:
    """Adopt rapidyaml only if its route to what archplan needs is faster than archplan's reader and it gives
    positions, the same values and the same refusals. The reasons against, one line each."""
    reasons = []
    if not positions:
        reasons.append("its Python binding gives no node positions (only its parse errors carry a line), and "
                       "archplan reports a line and column for every finding and every error")
    if times["ryml to Python"] >= times["archplan"]:
        reasons.append(f"handing its tree to Python ({times['ryml to Python']:.3f} s, text scalars, no positions) "
                       f"already costs more than archplan's whole reader ({times['archplan']:.3f} s, typed "
                       f"values and positions)")
    if values:
        reasons.append(f"{len(values)} of {len(PROBES)} probe values differ from archplan's (YAML 1.2 against 1.1)")
    if hostile:
        reasons.append(f"{len(hostile)} hostile inputs are treated differently from archplan's reader")
    return not reasons, reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("services", nargs="?", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--install-only", action="store_true",
                        help="create .venv-ryml and install rapidyaml into it, then stop (make test's set-up)")
    args = parser.parse_args(argv)
    if args.install_only:
        ryml_python()
        return 0
    if args.rounds < 1 or args.services < 1:
        parser.error("SERVICES and --rounds must be positive")
    python = ryml_python()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, args.services)
        size = sum(os.path.getsize(os.path.join(tmp, n)) for n in os.listdir(tmp))
        for _ in range(args.rounds):
            for name, secs in {**_json_run(sys.executable, ARCHPLAN_SIDE, tmp),
                               **_json_run(python, RYML_SIDE, tmp)}.items():
                rows.setdefault(name, []).append(secs)
    floor = rows["libyaml"]
    times = {name: statistics.median(s) for name, s in rows.items()}
    print(f"{args.services:,} services ({size / 1e6:.1f} MB of YAML); medians of {args.rounds} paired round(s), "
          "processor time inside each process, GC off; ratio to the libyaml parse (per-round median)")
    for name, secs in rows.items():
        ratio = statistics.median(s / f for s, f in zip(secs, floor, strict=True))
        print(f"  {name:<16} {times[name]:7.3f} s  {ratio:5.2f}x")
    probe = _json_run(python, RYML_PROBE, stdin=json.dumps([*PROBES, *(t for _n, t in hostile_inputs())]))
    ryml_results = probe["results"]
    values = disagreements(PROBES, [archplan_reads(t) for t in PROBES], ryml_results[:len(PROBES)])
    named = hostile_inputs()
    hostile = disagreements([n for n, _t in named], [archplan_reads(t) for _n, t in named], ryml_results[len(PROBES):])
    print(f"node positions in the binding: {', '.join(probe['positions']) or 'none'}")
    print(f"values that differ from archplan's ({len(values)} of {len(PROBES)} probes):")
    print("\n".join(f"  {line}" for line in values) or "  none")
    print(f"hostile inputs treated differently ({len(hostile)} of {len(named)}):")
    print("\n".join(f"  {line}" for line in hostile) or "  none")
    adopt, reasons = verdict(times, probe["positions"], values, hostile)
    print("verdict: " + ("adopt rapidyaml" if adopt else "keep archplan's reader; rapidyaml is not adopted:"))
    print("\n".join(f"  - {r}" for r in reasons))
    return 0


if __name__ == "__main__":
    sys.exit(main())
