"""The engine benchmark runs, prints its figures, and judges the targets (no timing is asserted here)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from benchmarks import bench_engine
from tests.conftest import ROOT
from tests.plan_helpers import need


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


def test_the_library_benchmark_measures_growth_over_rotating_rule_packs() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_library.py"), "--rotating-packs",
                          "--calls", "4", "--warmup", "2"], capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode in (0, 1), out.stderr  # 1: the target missed on this machine, not a failure here
    lines = out.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[:4]] == [f"after {i} calls" for i in (1, 2, 3, 4)]
    assert "one of 8 one-rule packs in rotation" in out.stdout and "4 calls after 2 warm-up calls" in out.stdout
    assert "target: growth < 10 MB over 10,000 calls:" in lines[-1] and "the target is for 10,000" in lines[-1]
    assert "Traceback" not in out.stderr
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_library.py"), "--rotating-packs",
                          "--calls", "0"], capture_output=True, text=True, check=False, timeout=60)
    assert bad.returncode == 2 and "must be positive" in bad.stderr and "Traceback" not in bad.stderr


def test_the_scale_benchmark_prints_each_figure_beside_its_floors() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_scale.py"), "10", "30",
                          "--rounds", "1"], capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stderr  # no target is judged below 5,000 services
    for figure in ("python -c pass", "third-party imports", "libyaml parse, GC off*", "C core, no-op ruleset*",
                   "archplan check", "archplan plan", "check / libyaml", "plan / libyaml", "check / C core no-op",
                   "check / libyaml, cpu", "plan / libyaml, cpu"):
        assert any(line.startswith(figure) for line in out.stdout.splitlines()), figure
    assert "10 services" in out.stdout and "30 services" in out.stdout and "targets:" in out.stdout
    assert "Traceback" not in out.stderr


def test_the_scale_benchmark_judges_ratios_memory_and_growth(capsys: Any) -> None:
    from benchmarks import bench_scale

    def figures(check: float, plan: float, rss: float = 500) -> dict[str, list[tuple[float, float]]]:
        return {"libyaml parse, GC off": [(1.0, 0)], "archplan check": [(check, rss)], "archplan plan": [(plan, rss)]}

    def judged(by_size: dict[int, dict[str, list[tuple[float, float]]]]) -> int:
        rs = {s: {"check / libyaml": f["archplan check"][0][0], "plan / libyaml": f["archplan plan"][0][0]}
              for s, f in by_size.items()}
        return bench_scale._verdicts(by_size, rs)

    assert judged({5000: figures(2.2, 3.1), 20000: figures(2.4, 3.4)}) == 0  # +9%, +10%: within 10%
    assert "MISSED" not in capsys.readouterr().out
    assert judged({5000: figures(2.6, 3.4)}) == 1
    assert "MISSED  5,000 services: check <= 2.5x the libyaml parse: 2.60x" in capsys.readouterr().out
    assert judged({5000: figures(2.0, 3.0, rss=701)}) == 1
    assert "MISSED  5,000 services: archplan check peak RSS <= 700 MB: 701 MB" in capsys.readouterr().out
    assert judged({5000: figures(2.0, 3.0), 20000: figures(2.3, 3.0)}) == 1  # check grew 15%
    assert "MISSED  20,000 services: check / libyaml within 10% of 5,000: +15%" in capsys.readouterr().out
    assert judged({100: figures(50.0, 60.0)}) == 0  # start-up dominates small designs: no target there


def test_the_pytm_model_holds_every_component_and_call_of_the_design() -> None:
    from benchmarks.bench_pytm import pytm_model
    from benchmarks.gen_design import generate

    design = generate(30)
    model = pytm_model(design)
    docs = list(design.values())
    names = [e["name"] for e in model["elements"]]
    for section, kind in (("services", "process"), ("datastores", "datastore"), ("channels", "datastore"),
                          ("externals", "external")):
        for item in (i for d in docs for i in d.get(section, [])):
            assert {"kind": kind, "name": item["name"]}.items() <= next(
                e for e in model["elements"] if e["name"] == item["name"]).items()
    assert len(names) == len(set(names))
    interactions = [(i["from"], i["to"]) for d in docs for i in d.get("interactions", [])]
    endpoints = [e for d in docs for e in d.get("endpoints", [])]
    assert [(f["from"], f["to"]) for f in model["flows"]] == interactions + [
        ("internet client" if e["exposure"] == "public" else "internal client", e["served_by"]) for e in endpoints]
    assert {e["boundary"] for e in model["elements"]} <= set(model["boundaries"])


def test_pytm_builds_and_evaluates_the_converted_model(tmp_path: Any) -> None:
    import json

    from benchmarks import bench_pytm
    from benchmarks.gen_design import generate

    python = os.path.join(bench_pytm.VENV, "bin", "python")
    # pytm is a benchmark dependency, not archplan's: `make test` installs it into .venv-pytm (bench-tools).
    need("pytm, a benchmark dependency installed into .venv-pytm", os.path.exists(python),
         "make bench-tools, or benchmarks/bench_pytm.py --install-only")
    model = bench_pytm.pytm_model(generate(12))
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    _wall, _cpu, counts = bench_pytm.run_pytm(python, str(path))
    elements, findings = map(int, counts.split())
    assert elements == len(model["elements"]) + len(model["flows"]) + len(model["boundaries"])
    assert findings > 0


def test_the_yaml_evaluation_adopts_rapidyaml_only_when_every_condition_holds() -> None:
    from benchmarks.bench_yaml import verdict

    fast = {"archplan": 0.7, "ryml to Python": 0.3}
    assert verdict(fast, ["location"], [], []) == (True, [])
    adopt, reasons = verdict({"archplan": 0.7, "ryml to Python": 0.8}, [], ["a: ~: differs"], ["x.yaml: differs"])
    assert not adopt and len(reasons) == 4
    assert "no node positions" in reasons[0] and "costs more" in reasons[1]
    assert "1 of" in reasons[2] and "1 hostile" in reasons[3]
    assert verdict(fast, [], [], [])[0] is False  # faster, but no positions: not adopted


def test_the_yaml_evaluation_reports_each_input_the_readers_treat_differently() -> None:
    from benchmarks.bench_yaml import archplan_reads, disagreements

    ours = [archplan_reads(t) for t in ("a: ~", "a: 1", "a: !!python/name:os.system", "a: [1")]
    assert ours[0] == {"value": {"a": None}} and "refused" in ours[2] and "refused" in ours[3]
    theirs = [{"value": {"a": "~"}}, {"value": {"a": 1}}, {"value": {"a": ""}}, {"refused": "ExceptionParse"}]
    lines = disagreements(["null", "int", "tag", "broken"], ours, theirs)
    assert [line.split(":")[0] for line in lines] == ["null", "tag"]  # equal values and refusal by both agree
    assert 'archplan reads {"a": null}, rapidyaml {"a": "~"}' in lines[0]
    assert lines[1].startswith("tag: archplan refuses it (") and lines[1].endswith('rapidyaml reads {"a": ""}')
    one_refuses = disagreements(["x"], [{"value": 1}], [{"refused": "E"}])
    assert one_refuses == ["x: rapidyaml refuses it (E); archplan reads it"]


def test_the_yaml_evaluation_reads_the_whole_hostile_catalogue() -> None:
    from benchmarks.bench_yaml import HOSTILE, hostile_inputs

    named = dict(hostile_inputs())
    catalogue = {n for n in os.listdir(HOSTILE) if n.endswith(".yaml") and not n.endswith(".expect.yaml")}
    assert catalogue and catalogue <= set(named) and "billion-laughs.yaml" in named
    deep = [t for n, t in named.items() if "10,000 deep" in n]
    assert len(deep) == 3 and all(t.count("[") == 10_000 or t.count("k:") == 10_000 for t in deep)


def test_rapidyaml_reads_the_generated_design_and_the_probes(tmp_path: Any) -> None:
    import json

    from benchmarks import bench_yaml
    from benchmarks.gen_design import write

    python = os.path.join(bench_yaml.VENV, "bin", "python")
    # rapidyaml is a benchmark dependency, not archplan's: `make test` installs it into .venv-ryml (bench-tools).
    need("rapidyaml, a benchmark dependency installed into .venv-ryml", os.path.exists(python),
         "make bench-tools, or benchmarks/bench_yaml.py --install-only")
    write(str(tmp_path), 12)
    times = bench_yaml._json_run(python, bench_yaml.RYML_SIDE, str(tmp_path))
    assert set(times) == {"ryml parse", "ryml to Python", "ryml via JSON"} and all(t >= 0 for t in times.values())
    probe = bench_yaml._json_run(python, bench_yaml.RYML_PROBE, stdin=json.dumps(["a: 1", "a: [1", "a: b"]))
    assert probe["results"][0] == {"value": {"a": 1}} and "refused" in probe["results"][1]
    assert probe["results"][2] == {"value": {"a": "b"}} and isinstance(probe["positions"], list)


def test_the_fully_specified_design_loads_cleanly_is_deterministic_and_still_has_risks(
        tmp_path: Any, monkeypatch: Any) -> None:
    """``gen_design --full``: the same design every time, every field valid (no load warning), split over files of
    ``PART`` entries per list, the plain design untouched by the option's code, and a reviewer still finds risks."""
    from benchmarks import gen_design
    from engine.loader import load_design
    from engine.review import review

    assert gen_design.generate(40, full=True) == gen_design.generate(40, full=True)
    assert gen_design.generate(40) == gen_design.generate(40, full=False)
    full = gen_design.generate(40, full=True)
    assert all(d.get("availability") is not None for d in full["database.yaml"]["datastores"])  # implies it
    monkeypatch.setattr(gen_design, "PART", 15)
    paths = gen_design.write(str(tmp_path), 40, full=True)
    assert len(paths) > 4 and os.path.join(str(tmp_path), "api-2.yaml") in paths
    design = load_design([str(tmp_path)])
    assert not design.warnings
    assert len(design.of_kind("service")) == 40 and design.of_kind("deployment") and design.of_kind("workflow")
    risks = {f.rule for f in review([str(tmp_path)]).findings if f.kind == "risk"}
    assert len(risks) >= 10


def test_the_code_import_benchmark_prints_each_figure_beside_the_parse_floor() -> None:
    code = os.path.join(ROOT, "tests", "fixtures", "importers", "workflows")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_code_import.py"), "--path", code,
                          "--services", "2", "--repeat", "1"], capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stderr
    for figure in ("floor: ast.parse of each file once", "import source, one service",
                   "import source, 2 services of the same code", "each service after the first:"):
        assert figure in out.stdout
    assert "x floor" in out.stdout and "Traceback" not in out.stderr


def test_the_code_import_benchmark_refuses_a_folder_without_python() -> None:
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_code_import.py"), "--path",
                          os.path.join(ROOT, "rules")], capture_output=True, text=True, check=False, timeout=60)
    assert out.returncode == 2 and "no Python file" in out.stderr and "Traceback" not in out.stderr


def test_the_installed_archplan_is_rebuilt_when_any_package_file_changes(tmp_path: Any) -> None:
    from benchmarks.tool_venv import package_files, sources_key

    for rel, text in (("pyproject.toml", "[project]\n"), ("README.md", "r\n"), ("engine/__init__.py", "x = 1\n"),
                      ("engine/cli/main.py", "y = 2\n"), ("rules/a.yaml", "id: a\n"), ("tests/test_a.py", "t\n")):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert package_files(str(tmp_path)) == ["README.md", "engine/__init__.py", "engine/cli/main.py", "pyproject.toml",
                                            "rules/a.yaml"]
    key = sources_key(str(tmp_path))
    (tmp_path / "engine" / "__pycache__").mkdir()
    (tmp_path / "engine" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "tests" / "test_a.py").write_text("changed\n", encoding="utf-8")
    assert sources_key(str(tmp_path)) == key  # bytecode and files outside the wheel: the same archplan
    for rel in ("engine/cli/main.py", "rules/a.yaml", "pyproject.toml", "rules/new.yaml"):
        (tmp_path / rel).write_text("changed\n", encoding="utf-8")
        assert sources_key(str(tmp_path)) != key, rel
        key = sources_key(str(tmp_path))
    (tmp_path / "rules" / "new.yaml").rename(tmp_path / "rules" / "renamed.yaml")
    assert sources_key(str(tmp_path)) != key


def test_the_benchmarks_run_archplan_installed_from_a_wheel_of_this_tree(tmp_path: Any) -> None:
    import engine
    from benchmarks import bench_pytm, tool_venv
    from benchmarks.gen_design import write

    # `make test` creates .venv-bench (bench-tools: bench_pytm.py --install-only); this brings it up to date.
    need("archplan installed from a wheel into .venv-bench, the benchmarks' own venv",
         os.path.exists(os.path.join(tool_venv.BENCH_VENV, "bin", "python")),
         "make bench-tools, or benchmarks/bench_pytm.py --install-only")
    python = tool_venv.archplan_venv()
    with open(os.path.join(tool_venv.BENCH_VENV, tool_venv.STAMP), encoding="utf-8") as fh:
        assert fh.read().strip() == tool_venv.sources_key()
    site = os.path.dirname(os.path.dirname(tool_venv.installed_engine(python)))
    assert os.path.basename(site) == "site-packages" and site.startswith(tool_venv.BENCH_VENV + os.sep)
    assert not [n for n in os.listdir(site) if "__editable__" in n]  # not the dev venv's editable finder
    probe = ("import sys, engine.ruleload as r; print(r.builtin_rules_dir()); "
             "print('importlib.resources' in sys.modules)")
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True, cwd=str(tmp_path),
                          env=tool_venv.clean_env())
    # The wheel's rules are a folder on disk: found without importlib.resources (7.6 ms of a check).
    assert done.stdout.split() == [os.path.join(site, "engine", "_rules"), "False"]
    version = subprocess.run([*bench_pytm.archplan_command(python), "--version"], capture_output=True, text=True,
                             check=True, env=tool_venv.clean_env())
    assert version.stdout.split()[-1] == engine.__version__
    write(str(tmp_path / "design"), 3)
    wall, cpu = bench_pytm.run_archplan(python, str(tmp_path / "design"), str(tmp_path / "cache"))
    assert wall > 0 and cpu > 0


def test_the_pytm_ratio_is_the_median_of_the_per_round_ratios_of_wall_or_processor_time() -> None:
    from benchmarks.bench_pytm import ratio

    pytm = [(1.0, 2.0), (3.0, 4.0), (9.0, 9.0)]
    archplan = [(0.5, 1.0), (1.0, 1.0), (1.0, 3.0)]
    assert ratio(pytm, archplan) == 3.0 and ratio(pytm, archplan, 1) == 3.0
    assert ratio(pytm[:2], archplan[:2]) == 2.5 and ratio(pytm[:2], archplan[:2], 1) == 3.0
