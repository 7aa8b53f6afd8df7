"""The engine benchmark runs, prints its figures, and judges the targets (no timing is asserted here)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from benchmarks import bench_engine
from tests.conftest import ROOT


def test_the_engine_benchmark_prints_each_stage_and_the_command() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_engine.py"), "10", "20"],
                         capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stderr
    header, first, second = out.stdout.splitlines()[1:4]
    for column in ("load s", "enrich s", "fire s", "report s", "total s", "peak RSS MB", "archplan check"):
        assert column in header
    assert first.split()[0] == "10" and second.split()[0] == "20"
    assert "targets:" in out.stdout  # none measured at these sizes, so none missed


def test_the_engine_benchmark_refuses_bad_arguments() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_engine.py"), "--repeat", "0"],
                         capture_output=True, text=True, check=False, timeout=60)
    assert out.returncode == 2 and "must be positive" in out.stderr and "Traceback" not in out.stderr


def _row(services: int, total: float, rss: float = 100) -> dict[str, Any]:
    return {"services": services, "total_s": total, "peak_rss_mb": rss}


def test_targets_are_judged_from_the_figures(capsys: Any) -> None:
    assert bench_engine._verdicts([_row(1000, 1.0), _row(5000, 4.9, 900)], {}) == 0
    assert "MISSED" not in capsys.readouterr().out
    assert bench_engine._verdicts([_row(1000, 1.0), _row(5000, 5.2)], {}) == 1  # over 5 s
    assert "MISSED  5,000 services end to end" in capsys.readouterr().out
    assert bench_engine._verdicts([_row(5000, 4.0, 1100)], {}) == 1  # over 1 GB
    assert bench_engine._verdicts([_row(1000, 0.5), _row(5000, 4.0)], {}) == 1  # 1.6x per service: not near-linear
    assert "MISSED  near-linear" in capsys.readouterr().out


def test_the_startup_benchmark_prints_each_figure_and_the_targets_as_ratios() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_startup.py"), "--rounds", "1",
                          "--calls", "2"], capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode in (0, 1), out.stderr  # 1: a target missed on this machine, not a failure here
    for figure in ("python -c pass", "third-party imports", "archplan --version", "archplan check facts/shop",
                   "check, empty rule cache", "review() per call"):
        assert figure in out.stdout
    assert "archplan check facts/shop <= 2x the third-party import floor:" in out.stdout
    assert "the same with an empty rule cache (first run) <= 3x:" in out.stdout
    assert "review() on facts/shop, repeated: <= 20 ms per call:" in out.stdout
    assert "Traceback" not in out.stderr
