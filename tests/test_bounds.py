"""Bounds that bound and outputs that fail loudly (issue 18): the linear matchers against the regexes they
replace, the lazy path components, the command-wide budget, and the real process's stdout and signals.

The blow-ups themselves are in the hostile catalogue (tests/hostile/bounds, tests/hostile/reliability);
their timings are in benchmarks/bench_bounds.py. No test here asserts a duration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import budget
from engine.cli.main import main
from engine.dialect import Regex
from engine.enrich import Members, enrich
from engine.errors import LimitError, Location
from engine.gate.waivers import Wildcard
from engine.importers.infra import Mention, _Scan, infer_edges
from engine.importers.istio import _UNIT_MS, duration_ms
from engine.importers.openapi import versioned_media
from engine.loader import load_design
from tests.conftest import ROOT
from tests.helpers import write

HOSTILE = os.path.join(ROOT, "tests", "hostile")
ARCHPLAN = [sys.executable, "-c", "from engine.cli import entry; entry()"]


# --- the linear matchers agree with the backtracking regexes they replace

def _glob_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


@settings(max_examples=400, deadline=None)
@given(st.text("ab*?", max_size=7), st.text("ab\n", max_size=9))
def test_waiver_wildcards_match_as_the_regex_did(pattern: str, text: str) -> None:
    assert Wildcard(pattern).fullmatch(text) == (_glob_regex(pattern).fullmatch(text) is not None)


def test_a_backtracking_waiver_pattern_is_decided_without_retrying() -> None:
    # `*a*a*a*a!` against 500 characters took a minute as a regex; each piece is now placed once.
    assert not Wildcard("*a*a*a*a!").fullmatch("/" + "a" * 500)
    assert Wildcard("*a*a*a*a!").fullmatch("/" + "a" * 500 + "!")


_OLD_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://[^\s,;]*$", re.IGNORECASE)
_OLD_HOST_FLAG = re.compile(r"(?:^|\s)(?:-h|-H|--host|--hostname|--server|--addr|--address|--broker|--target)[\s=]*$")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", "1", "+", ".", "-", ":", "//", "://", " ", ",", ";", "=", "@", "-h",
                                 "--host", "\n", "\u0130", "K"]), max_size=14).map("".join))
def test_the_host_scan_answers_as_the_regexes_did(text: str) -> None:
    scan = _Scan(text)
    for tok in _TOKEN.finditer(text):
        before = text[:tok.start()]
        old = _OLD_SCHEME.search(before + tok.group())
        assert scan.scheme(tok.end()) == (old.group(1) if old else None), (text, tok.group())
        assert scan.after_host_flag(tok.start()) == (_OLD_HOST_FLAG.search(before) is not None), (text, tok.group())


def test_every_host_of_one_value_is_found_not_only_the_first() -> None:
    """A command naming two hosts gives two edges (heapster's ``--source=...https://kubernetes.default
    --sink=influxdb:http://monitoring-influxdb:8086`` in Sock Shop's manifests lost its second one)."""
    text = "/heapster --source=kubernetes:https://kubernetes.default --sink=influxdb:http://monitoring-influxdb:8086"
    edges = infer_edges({"heapster": [Mention(text, "command", "command of heapster", Location("x.yaml", 3, 1))]},
                        {"kubernetes": "kubernetes", "monitoring-influxdb": "monitoring-influxdb"}, {})
    assert [(e.target, e.protocol) for e in edges] == [("kubernetes", "http"), ("monitoring-influxdb", "http")]


_CLASSES = {"d": "[0-9]", "a": "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]", "w": "[A-Za-z0-9]"}
_ATOMS = ["a", "b", ".", "%d", "%a", "[ab]", "/"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ATOMS), st.sampled_from(["", "*", "+", "?"])), max_size=5),
       st.text("ab/1\u00e9\n", max_size=8))
def test_the_rule_regex_dialect_matches_as_python_re(atoms: list[tuple[str, str]], text: str) -> None:
    pattern = "".join(a + q for a, q in atoms)
    python = re.compile(re.sub(r"%([daw])", lambda m: _CLASSES[m.group(1)], pattern), re.DOTALL)
    assert Regex(pattern).fullmatch(text) == (python.fullmatch(text) is not None)


def test_the_rule_regex_dialect_has_no_backtracking_blow_up() -> None:
    assert not Regex(".*a.*a.*a.*a.*b").fullmatch("a" * 20_000)  # a Python regex takes minutes on this


# --- enrichment: the path components are read lazily, and read the same

def test_path_components_are_a_lazy_sequence_equal_to_the_tuple() -> None:
    names = ["a", "b", "c", "d"]
    m = Members(names, 0b1011)
    assert len(m) == 3 and m == ("a", "b", "d") and list(m) == ["a", "b", "d"] and m[:2] == ("a", "b")
    assert m[1] == "b" and m[-1] == "d" and bool(m) and not Members(names, 0) and hash(m) == hash(("a", "b", "d"))


@pytest.mark.parametrize("bits", [(), (0,), (7, 8), (3, 9, 700), (1999,), (1990, 1999), tuple(range(0, 2000, 3)),
                                  tuple(range(2000))], ids=lambda b: f"{len(b)}-bits")
def test_the_first_few_path_components_are_those_the_whole_listing_begins_with(bits: tuple[int, ...]) -> None:
    """``m[:n]`` lists the lowest bits' names without listing all (found in the mask's bytes, runs of empty bytes
    skipped): the same names as the full listing's first ``n``, for masks empty, sparse, dense, on a byte's edges
    and high in the mask."""
    names = [f"n{i:04d}" for i in range(2000)]
    whole = tuple(names[b] for b in bits)
    for n in (0, 1, 2, 3, 10, 1000, 5000):
        m = Members(names, sum(1 << b for b in bits))  # a fresh one: nothing listed (and cached) before
        assert m[:n] == whole[:n], n


def test_a_long_public_chain_enriches_with_every_path_complete(tmp_path: Any) -> None:
    n = 600
    path = write(str(tmp_path), "chain.yaml", "source: api\nservices:\n"
                 + "".join(f"  - {{name: s{i:03d}}}\n" for i in range(n))
                 + "interactions:\n" + "".join(f"  - {{from: s{i:03d}, to: s{i + 1:03d}, style: sync}}\n"
                                               for i in range(n - 1))
                 + "endpoints:\n" + "".join(f"  - {{method: GET, path: /e{i}, served_by: s{i:03d}, exposure: public}}\n"
                                            for i in range(n)))
    enriched = enrich(load_design([path]))
    by_entry = {p.entry_service: p for p in enriched.paths}
    assert tuple(by_entry["s100"].nodes) == tuple(f"s{i:03d}" for i in range(100, n))
    assert by_entry["s100"].depth == n - 100 and len(by_entry["s000"].unknown_availability) == n
    spans = {f.name: f.data["trace_path_services"] for f in enriched.facts if f.kind == "service"}
    assert set(spans.values()) == {n}  # every service is in s000's tree, the largest
    sizes = {f.data["entry"]: f.data["size"] for f in enriched.facts if f.kind == "path"}
    assert sizes["GET /e599"] == 1 and sizes["GET /e0"] == n


# --- the budget

def test_the_budget_is_checked_by_every_stage_and_restored_after() -> None:
    with budget.bounded(seconds=1e-9):
        time.sleep(0.001)
        with pytest.raises(LimitError, match=r"longer than 1e-09 s \(stopped while enriching\)"):
            budget.check("enriching")
    budget.check("outside any budget")  # nothing in force: no error
    assert budget.current() is None


def test_the_memory_budget_counts_what_the_command_adds() -> None:
    with budget.bounded(memory=1024**2) as b:
        held = bytearray(64 * 1024**2)
        held[::4096] = b"x" * len(held[::4096])  # touch every page, so that it is resident
        b.next_memory_check = 0.0
        with pytest.raises(LimitError, match=r"used more than 1 MiB of memory \(stopped while testing\)"):
            budget.check("testing")
        del held


@pytest.mark.parametrize(("text", "size"), [("2G", 2 * 1024**3), ("512M", 512 * 1024**2), ("100k", 102400),
                                            ("1GiB", 1024**3), ("4096", 4096)])
def test_sizes_are_read_in_binary_units(text: str, size: int) -> None:
    assert budget.parse_bytes(text) == size


# --- design paths

def test_a_symlink_inside_the_design_directory_is_followed(tmp_path: Any) -> None:
    design = tmp_path / "design"
    write(str(design), "real/api.txt", "source: api\nservices:\n  - name: checkout\n")
    os.symlink("real/api.txt", design / "link.yaml")
    assert [f.name for f in load_design([str(design)]).of_kind("service")] == ["checkout"]
    result = CliRunner().invoke(main, ["check", str(design), "--no-builtin", "--rules",
                                       os.path.join(HOSTILE, "rules", "pack"), "--fail-on", "never"])
    assert result.exit_code == 0, result.output


# --- the real process: stdout that fails, closed streams, signals

@pytest.mark.parametrize("args", [["check", "facts/shop", "--format", "sarif"], ["rules", "list"]],
                         ids=["check-sarif", "rules-list"])
def test_a_full_disk_on_stdout_exits_2_with_a_message(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*ARCHPLAN, *args], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, timeout=120,
                              check=False)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "archplan: error: cannot write the output to standard output: No space left on device; the output is "
        "incomplete"]


def test_a_file_size_limit_on_stdout_exits_2_not_a_truncated_pass(tmp_path: Any) -> None:
    out = tmp_path / "out.sarif"

    def small_files() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    with open(out, "wb") as fh:
        done = subprocess.run([*ARCHPLAN, "check", "facts/shop", "--format", "sarif", "--fail-on", "never"], cwd=ROOT,
                              stdout=fh, stderr=subprocess.PIPE, timeout=120, check=False, preexec_fn=small_files)
    assert done.returncode == 2, done.stderr
    assert "cannot write the output to standard output: File too large" in done.stderr.decode()


@pytest.mark.parametrize("fd", [1, 2], ids=["stdout", "stderr"])
def test_a_closed_standard_stream_exits_2_quietly(fd: int) -> None:
    done = subprocess.run([*ARCHPLAN, "check", "facts/shop"], cwd=ROOT, capture_output=False, timeout=120,
                          check=False, stdout=subprocess.PIPE if fd == 2 else None,
                          stderr=subprocess.PIPE if fd == 1 else None, preexec_fn=lambda: os.close(fd))
    assert done.returncode == 2
    assert (done.stderr if fd == 1 else done.stdout) == b""


def test_a_terminated_run_removes_its_temporary_files(tmp_path: Any) -> None:
    # SIGTERM unwinds like Ctrl-C: the writer's cleanup runs (before, a kill at the rename left .archplan-*).
    script = (
        "import os, signal, engine.cli as c\n"
        "from engine.gate import output\n"
        "real = os.replace\n"
        "def slow(a, b):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(a, b)\n"
        "output.os.replace = slow\n"
        "c.entry()\n")
    out = tmp_path / "o" / "report.json"
    done = subprocess.run([sys.executable, "-c", script, "check", "facts/shop", "--format", "json", "-o", str(out),
                           "--fail-on", "never"], cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert not out.exists() and not (tmp_path / "o").exists()


_OLD_VERSION_MEDIA = re.compile(r"vnd\.[^+;]*\.v\d+|;\s*version=", re.IGNORECASE)
_OLD_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["vnd.", "VND.", ".v", ".V", "1", "+", ";", " ", "version=", "json", "a"]),
                max_size=10).map("".join))
def test_versioned_media_types_are_found_as_the_regex_did(media: str) -> None:
    assert versioned_media(media) == (_OLD_VERSION_MEDIA.search(media) is not None)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["1", "0", ".", "5", "ms", "s", "m", "h", "us", "µs", "ns", "x", " "]),
                max_size=8).map("".join))
def test_istio_durations_read_as_the_regex_did(text: str) -> None:
    t = text.strip()
    old = None
    if t and not _OLD_DURATION.sub("", t):
        ms = sum(float(n) * _UNIT_MS[u] for n, u in _OLD_DURATION.findall(t))
        old = max(1, round(ms)) if ms > 0 else 0
    assert duration_ms(text) == old


def test_long_importer_values_are_read_in_linear_time() -> None:
    assert duration_ms("1" * 100_000) is None  # 20,000 digits took 30 s
    assert not versioned_media("vnd." * 25_000)


def test_a_singleton_beside_a_kind_is_no_cross_product() -> None:
    from engine.compiler import CompiledPattern, combinations, unjoined_groups

    pats = [CompiledPattern("s", "system", False, (), ()), CompiledPattern("a", "service", False, (), ()),
            CompiledPattern("b", "service", False, (), ()), CompiledPattern("c", "interaction", False, (),
                                                                            (("from", "a", "name"),))]
    groups = unjoined_groups(pats)
    assert groups == (("service", "interaction"), ("service",))
    assert combinations(groups, {"service": 300, "interaction": 900, "system": 1}) == 900 * 300
