"""Project config: discovered upward from the design, strictly validated against the loaded rules,
and applied (disable, severity overrides, params, extend packs, fail-on)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.config import NO_CONFIG, discover, load_config, resolve
from engine.errors import ArchplanError
from engine.review import load_kb, review
from tests.helpers import rule_yaml, write, write_yaml

CALL = {"as": "call", "kind": "interaction", "where": {"style": "sync", "timeout_ms": {"gt": {"param": "max_ms"}}}}


def pack(root: str, name: str = "pack") -> str:
    """A rule pack with two rules: one with a param threshold, one plain."""
    d = os.path.join(root, name)
    slow = rule_yaml("slow-call", [CALL], params={"max_ms": 1000})
    slow["examples"] = [
        {"name": "slow", "expect": "fire", "subjects": ["interaction:a->b"],
         "design": {"services": [{"name": "a"}, {"name": "b"}],
                    "interactions": [{"from": "a", "to": "b", "style": "sync", "timeout_ms": 5000}]}},
        {"name": "fast", "expect": "pass",
         "design": {"services": [{"name": "a"}, {"name": "b"}],
                    "interactions": [{"from": "a", "to": "b", "style": "sync", "timeout_ms": 500}]}},
    ]
    write_yaml(d, "performance/slow-call.yaml", {**slow, "category": "performance"})
    lonely = rule_yaml("single-replica", [{"as": "svc", "kind": "service", "where": {"replicas": 1}}])
    write_yaml(d, "resilience/single-replica.yaml", lonely)
    return d


def design(root: str, timeout_ms: int = 5000) -> str:
    return write(root, "design/api.yaml", f"""
        source: api
        services: [{{name: a, replicas: 1}}, {{name: b, replicas: 3}}]
        interactions: [{{from: a, to: b, style: sync, timeout_ms: {timeout_ms}}}]
        """)


def findings(rules: str, paths: list[str], config: Any) -> dict[str, str]:
    rv = review(paths, [rules], builtin=False, config=config)
    return {f.rule: f.severity.value for f in rv.findings if f.kind == "risk"}


def errors_of(fn: Callable[[], Any]) -> list[str]:
    with pytest.raises(ArchplanError) as info:
        fn()
    return [str(e) for e in info.value.errors]


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# --- discovery -------------------------------------------------------------------------------------

def test_config_is_discovered_upward_from_the_design(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    cfg = write(root, "archplan.toml", 'disable = ["single-replica"]\n')
    path = design(os.path.join(root, "deep", "er"))
    assert os.path.samefile(str(discover(path)), cfg)
    assert resolve([path]).disable == ("single-replica",)


def test_nearest_config_wins_and_archplan_toml_before_pyproject(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "archplan.toml", 'fail-on = "low"\n')
    write(root, "sub/pyproject.toml", '[tool.archplan]\nfail-on = "medium"\n')
    path = design(os.path.join(root, "sub"))
    assert resolve([path]).fail_on == "medium"
    write(root, "sub/archplan.toml", 'fail-on = "critical"\n')
    assert resolve([path]).fail_on == "critical"


def test_pyproject_without_an_archplan_table_is_skipped(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "archplan.toml", 'fail-on = "low"\n')
    write(root, "sub/pyproject.toml", '[tool.ruff]\nline-length = 100\n')
    assert resolve([design(os.path.join(root, "sub"))]).fail_on == "low"


def test_pyproject_naming_archplan_without_a_table_is_skipped_unparsed(tmp_path: os.PathLike[str]) -> None:
    # archplan as a dependency, a script and a name: no text that could declare [tool.archplan], so the file is
    # not parsed (a syntax error elsewhere in it is not archplan's to report); one that could is still refused.
    root = str(tmp_path)
    write(root, "archplan.toml", 'fail-on = "low"\n')
    write(root, "sub/pyproject.toml", '[project]\nname = "archplan"\ndependencies = ["archplan>=0.2"]\n'
                                       '[project.scripts]\narchplan = "engine.cli:entry"\n[tool.ruff]\nx = = 1\n')
    assert resolve([design(os.path.join(root, "sub"))]).fail_on == "low"
    write(root, "sub/pyproject.toml", '[project]\nname = "archplan"\n[tool.archplan\nfail-on = "low"\n')
    with pytest.raises(ArchplanError):
        resolve([design(os.path.join(root, "sub"))])


@pytest.mark.parametrize("text", [
    '[tool.archplan]\nfail-on = "low"\n', '[ tool . archplan ]\nfail-on = "low"\n',
    '["tool"."archplan"]\nfail-on = "low"\n', "['tool'.'archplan'.plan]\nx = 1\n", '[tool.archplan.plan]\nx = 1\n',
    '[tool]\narchplan = { fail-on = "low" }\n', '[ "tool" ] # tools\narchplan.fail-on = "low"\n',
    'tool.archplan.fail-on = "low"\n', 'tool = { archplan = { fail-on = "low" } }\n',
    '["\\u0074ool".archplan]\nfail-on = "low"\n', 'tool\t.\tarchplan.fail-on = "low"\n',
])
def test_every_spelling_of_the_archplan_table_is_found(tmp_path: os.PathLike[str], text: str) -> None:
    import tomllib

    assert "archplan" in tomllib.loads(text)["tool"]  # the text does declare it
    path = write(str(tmp_path), "pyproject.toml", text)
    found = discover(design(str(tmp_path)))
    assert found is not None and os.path.samefile(found, path)


def test_discovery_stops_at_the_project_root(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "archplan.toml", 'fail-on = "low"\n')
    os.makedirs(os.path.join(root, "repo", ".git"))
    path = design(os.path.join(root, "repo", "facts"))
    assert discover(path) is None
    assert resolve([path]) is NO_CONFIG


def test_no_config_ignores_and_explicit_config_replaces_discovery(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "archplan.toml", 'fail-on = "low"\n')
    other = write(root, "elsewhere/team.toml", 'fail-on = "critical"\n')
    path = design(root)
    assert resolve([path], no_config=True) is NO_CONFIG
    assert resolve([path], other).fail_on == "critical"
    with pytest.raises(ArchplanError, match="cannot be used together"):
        resolve([path], other, no_config=True)
    with pytest.raises(ArchplanError, match="does not exist"):
        resolve([path], os.path.join(root, "missing.toml"))


# --- schema ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('fail_on = "low"\n', "1:1: fail_on: unknown key 'fail_on' (did you mean 'fail-on'?)"),
        ('disabel = ["x"]\n', "unknown key 'disabel' (did you mean 'disable'?)"),
        ('# team settings\n[severity]\nslow-call = "hgh"\n', "3:1: severity.slow-call: 'hgh' is not allowed"),
        ('disable = "slow-call"\n', "disable: "),
        ('fail-on = "sometimes"\n', "fail-on: 'sometimes' is not allowed"),
        ('[params]\nmax_ms = [1, 2]\n', "params.max_ms"),
        ("disable = [\n", "invalid TOML"),
        ('extend = ["no-such-pack"]\n', "extend[0]: rule pack 'no-such-pack' does not exist"),
    ],
    ids=["key-typo-did-you-mean", "unknown-key", "bad-severity", "list-expected", "bad-fail-on", "param-not-scalar",
         "invalid-toml", "missing-pack"],
)
def test_invalid_config_is_an_error_with_its_place(tmp_path: os.PathLike[str], text: str, expected: str) -> None:
    cfg = write(str(tmp_path), "archplan.toml", text)
    errs = errors_of(lambda: load_config(cfg))
    assert any(expected in e for e in errs), errs
    assert all(e.startswith(cfg) for e in errs)


def test_invalid_toml_names_line_and_column(tmp_path: os.PathLike[str]) -> None:
    cfg = write(str(tmp_path), "archplan.toml", 'fail-on = "low"\nseverity = = 3\n')
    (err,) = errors_of(lambda: load_config(cfg))
    assert err.startswith(f"{cfg}:2:")


def test_pyproject_errors_name_the_full_key_path(tmp_path: os.PathLike[str]) -> None:
    cfg = write(str(tmp_path), "pyproject.toml",
                '[project]\nname = "x"\n\n[tool.archplan.severity]\nslow-cal = "low"\n')
    config = load_config(cfg)
    rules = pack(str(tmp_path))
    errs = errors_of(lambda: load_kb([rules], builtin=False, config=config))
    assert errs == [f"{cfg}:5:1: tool.archplan.severity.slow-cal: unknown rule id 'slow-cal' "
                    "(did you mean 'slow-call'?)"]


def test_explicit_pyproject_without_table_is_an_error(tmp_path: os.PathLike[str]) -> None:
    cfg = write(str(tmp_path), "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ArchplanError, match=r"no \[tool.archplan\] table"):
        load_config(cfg)


# --- checked against the rules -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('disable = ["slow-cal"]\n', "disable[0]: unknown rule id 'slow-cal' (did you mean 'slow-call'?)"),
        ('[severity]\nsingle-replicas = "low"\n', "severity.single-replicas: unknown rule id"),
        ('[params]\nmax_mss = 3\n',
         "params.max_mss: no rule declares the parameter 'max_mss' (did you mean 'max_ms'?)"),
        ('[params]\n"slow-call.max" = 3\n', "rule 'slow-call' has no parameter 'max' (did you mean 'max_ms'?)"),
        ('[params.single-replica]\nmax_ms = 3\n', "rule 'single-replica' has no parameter 'max_ms'"),
        ('[params.nobody]\nmax_ms = 3\n', "params.nobody.max_ms: unknown rule id 'nobody'"),
        ('[params]\nmax_ms = "fast"\n', "'fast' is not a whole number, the type of 'max_ms' in rule 'slow-call'"),
        ('[params]\nmax_ms = 2.5\n', "2.5 is not a whole number"),
        ('[params]\nmax_ms = true\n', "True is not a whole number"),
    ],
    ids=["disable-unknown", "severity-unknown", "param-undeclared", "param-unknown-for-rule", "param-table-unknown",
         "param-table-unknown-rule", "param-wrong-type", "param-float-for-int", "param-bool-for-int"],
)
def test_config_naming_what_does_not_exist_is_an_error(tmp_path: os.PathLike[str], text: str, expected: str) -> None:
    root = str(tmp_path)
    rules = pack(root)
    cfg = write(root, "archplan.toml", text)
    result = run("check", design(root), "--rules", rules, "--no-builtin")
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert f"{os.path.relpath(cfg)}:" in result.output or f"{cfg}:" in result.output


# --- applied ---------------------------------------------------------------------------------------

def test_disable_removes_the_rule(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    assert set(findings(rules, [path], NO_CONFIG)) == {"slow-call", "single-replica"}
    write(root, "archplan.toml", 'disable = ["single-replica"]\n')
    assert set(findings(rules, [path], resolve([path]))) == {"slow-call"}


def test_param_for_every_rule_and_for_one_rule(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root, timeout_ms=5000)
    write(root, "archplan.toml", "[params]\nmax_ms = 6000\n")
    assert "slow-call" not in findings(rules, [path], resolve([path]))
    write(root, "archplan.toml", '[params]\nmax_ms = 6000\n"slow-call.max_ms" = 4000\n')
    assert "slow-call" in findings(rules, [path], resolve([path]))  # the rule-specific value wins
    write(root, "archplan.toml", "[params.slow-call]\nmax_ms = 6000\n")
    assert "slow-call" not in findings(rules, [path], resolve([path]))


def test_severity_override_replaces_the_base_severity(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    assert findings(rules, [path], NO_CONFIG)["single-replica"] == "high"  # likely x major
    write(root, "archplan.toml", '[severity]\nsingle-replica = "low"\n')
    rv = review([path], [rules], builtin=False, config=resolve([path]))
    (f,) = [f for f in rv.findings if f.rule == "single-replica"]
    assert (f.severity.value, f.base_severity.value, f.severity_overridden) == ("low", "low", True)
    assert f.to_json()["severity_overridden"] is True
    (other,) = [f for f in rv.findings if f.rule == "slow-call"]
    assert other.severity.value == "high" and "severity_overridden" not in other.to_json()


def test_context_adjustments_apply_on_top_of_an_override(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules = pack(root)
    raise_public = rule_yaml("public-raises", [
        {"as": "r", "kind": "risk", "where": {"rule": "single-replica"}},
        {"as": "svc", "kind": "service", "join": {"key": "r.subject"}, "where": {"exposure": "public"}},
    ])
    del raise_public["risk"], raise_public["mitigation"]
    raise_public["adjust"] = {"risk": "r", "by": 1, "reason": "public entry point"}
    write_yaml(rules, "resilience/public-raises.yaml", raise_public)
    path = write(root, "design/api.yaml", """
        source: api
        services: [{name: a, replicas: 1, exposure: public}]
        """)
    write(root, "archplan.toml", '[severity]\nsingle-replica = "medium"\n')
    rv = review([path], [rules], builtin=False, config=resolve([path]))
    (f,) = [f for f in rv.findings if f.rule == "single-replica"]
    assert (f.base_severity.value, f.severity.value) == ("medium", "high")


def test_extend_adds_a_pack_relative_to_the_config(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    pack(os.path.join(root, "team"))
    write(root, "archplan.toml", 'extend = ["team/pack"]\n')
    path = design(os.path.join(root, "facts"))
    cfg = resolve([path])
    assert cfg.extend == (os.path.join(root, "team", "pack"),)
    rv = review([path], [], builtin=False, config=cfg)  # the pack comes from the config alone
    assert {f.rule for f in rv.findings if f.kind == "risk"} == {"slow-call", "single-replica"}


def test_disabling_a_rule_another_depends_on_is_an_error(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules = pack(root)
    producer = rule_yaml("marks-hot", [{"as": "svc", "kind": "service", "where": {"replicas": 1}}])
    del producer["risk"], producer["mitigation"]
    producer["derive"] = [{"kind": "hot_service", "fields": {"service": "{svc.name}"}}]
    write_yaml(rules, "resilience/marks-hot.yaml", producer)
    write_yaml(rules, "resilience/uses-hot.yaml", rule_yaml("uses-hot", [{"as": "h", "kind": "hot_service"}]))
    path = design(root)
    write(root, "archplan.toml", 'disable = ["marks-hot"]\n')
    errs = errors_of(lambda: review([path], [rules], builtin=False, config=resolve([path])))
    assert any("unknown fact kind 'hot_service'" in e for e in errs), errs


# --- the CLI -----------------------------------------------------------------------------------------

def test_check_uses_the_config_fail_on_unless_the_flag_is_given(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    assert run("check", path, "--rules", rules, "--no-builtin").exit_code == 1
    write(root, "archplan.toml", 'fail-on = "never"\n')
    assert run("check", path, "--rules", rules, "--no-builtin").exit_code == 0
    assert run("check", path, "--rules", rules, "--no-builtin", "--fail-on", "high").exit_code == 1
    assert run("check", path, "--rules", rules, "--no-builtin", "--no-config").exit_code == 1


def test_check_reads_an_explicit_config(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    cfg = write(root, "elsewhere/strict.toml", '[severity]\nslow-call = "critical"\n')
    result = run("check", path, "--rules", rules, "--no-builtin", "--config", cfg, "--format", "json",
                 "--fail-on", "never")
    assert result.exit_code == 0, result.output
    sev = {f["rule"]: f["severity"] for f in json.loads(result.output)["findings"]}
    assert sev["slow-call"] == "critical"
    both = run("check", path, "--rules", rules, "--no-builtin", "--config", cfg, "--no-config")
    assert both.exit_code == 2 and "cannot be used together" in both.output


def test_explain_applies_the_config(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    assert run("explain", path, "slow-call@interaction:a->b", "--rules", rules, "--no-builtin").exit_code == 0
    write(root, "archplan.toml", 'disable = ["slow-call"]\n')
    result = run("explain", path, "slow-call@interaction:a->b", "--rules", rules, "--no-builtin")
    assert result.exit_code == 2 and "no finding" in result.output


def test_explain_says_when_the_config_set_the_severity(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    write(root, "archplan.toml", '[severity]\nsingle-replica = "low"\n')
    result = run("explain", path, "single-replica@service:a", "--rules", rules, "--no-builtin")
    assert result.exit_code == 0, result.output
    assert "severity: low, set by the project config (likelihood likely x impact major would be high)" in result.output


def test_a_pack_named_by_flag_and_config_loads_once(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, path = pack(root), design(root)
    write(root, "archplan.toml", 'extend = ["pack"]\n')
    assert set(findings(rules, [path], resolve([path]))) == {"slow-call", "single-replica"}


def test_archplan_entry_that_is_not_a_table_is_an_error(tmp_path: os.PathLike[str]) -> None:
    cfg = write(str(tmp_path), "pyproject.toml", "[tool]\narchplan = 3\n")
    with pytest.raises(ArchplanError, match=r"tool.archplan: tool.archplan must be a table"):
        load_config(cfg)


# --- design: what check reviews when given no DESIGN ----------------------------------------------

def _check_here(root: str, *args: str, monkeypatch: Any) -> Any:
    monkeypatch.chdir(root)
    return run("check", "--no-builtin", "--rules", pack(root), "--format", "json", *args)


def test_check_without_design_reviews_the_design_the_config_names(tmp_path: os.PathLike[str],
                                                                   monkeypatch: Any) -> None:
    root = str(tmp_path)
    os.makedirs(os.path.join(root, ".git"))
    design(os.path.join(root, "arch"))
    write(root, "archplan.toml", 'design = ["arch/design"]\n')
    os.makedirs(os.path.join(root, "sub"))
    result = _check_here(os.path.join(root, "sub"), "--fail-on", "never", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    files = {f["location"]["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {os.path.join(root, "arch", "design", "api.yaml")}  # relative to the config, not the cwd


def test_config_design_paths_are_relative_to_the_config_file(tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    root = str(tmp_path)
    cfg = write(root, "conf/archplan.toml", 'design = ["../design/api.yaml"]\n')
    design(root)
    monkeypatch.chdir(root)
    assert load_config(cfg).design == (os.path.join("design", "api.yaml"),)


def test_check_without_design_or_config_reviews_the_design_directory(tmp_path: os.PathLike[str],
                                                                     monkeypatch: Any) -> None:
    root = str(tmp_path)
    design(root)
    write(root, "design/archplan.toml", 'fail-on = "never"\n')  # found from ./design, as if it were named
    result = _check_here(root, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    files = {f["location"]["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {os.path.join("design", "api.yaml")}


def test_an_explicit_design_wins_over_the_config_design(tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    root = str(tmp_path)
    design(root)
    other = write(root, "other/api.yaml", "source: api\nservices: [{name: z, replicas: 1}]\n")
    write(root, "archplan.toml", 'design = ["design"]\nfail-on = "never"\n')
    result = _check_here(root, other, monkeypatch=monkeypatch)
    assert {f["location"]["file"] for f in json.loads(result.stdout)["findings"]} == {os.path.join("other", "api.yaml")}


def test_baseline_without_design_records_the_config_design(tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    root = str(tmp_path)
    design(root)
    write(root, "archplan.toml", 'design = ["design"]\n')
    monkeypatch.chdir(root)
    result = run("baseline", "--no-builtin", "--rules", pack(root), "-o", "baseline.json")
    assert result.exit_code == 0, result.output
    with open(os.path.join(root, "baseline.json"), encoding="utf-8") as fh:
        assert len(json.load(fh)["entries"]) == 2


def test_no_design_anywhere_is_one_line_and_exit_2(tmp_path: os.PathLike[str], monkeypatch: Any) -> None:
    root = str(tmp_path)
    os.makedirs(os.path.join(root, ".git"))
    result = _check_here(root, monkeypatch=monkeypatch)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "archplan: error: nothing to review: give design files or directories, list them in archplan.toml "
        "(design = [...]), keep them in ./design/, or use --from FORMAT=PATH"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('design = ["desgin"]\n', "archplan.toml:1:1: design[0]: design path 'desgin' does not exist"),
        ('design = []\n', "archplan.toml:1:1: design: design lists no path"),
        ('design = "design"\n', "archplan.toml:1:1: design: "),
        ('desing = ["design"]\n', "desing: unknown key 'desing' (did you mean 'design'?)"),
    ],
    ids=["missing-path", "empty", "not-a-list", "misspelt-key"],
)
def test_a_bad_design_key_is_an_error_with_its_place(tmp_path: os.PathLike[str], monkeypatch: Any, text: str,
                                                      expected: str) -> None:
    root = str(tmp_path)
    design(root)
    write(root, "archplan.toml", text)
    result = _check_here(root, monkeypatch=monkeypatch)
    assert result.exit_code == 2 and expected in result.stderr, result.output
