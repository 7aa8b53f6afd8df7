"""The gate's policy: stated in every format, pinned with --policy-from, and bounded (docs/security.md)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.gate_helpers import TODAY, design, gate_args, pack, run, waiver, waivers_file, write_yaml
from tests.test_gate_diff import git


def _repo(tmp: str) -> str:
    """A repository whose base commit holds a design, a pack, a config and a waivers file."""
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    design(repo)
    pack(repo)
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "high"\n')
    waivers_file(repo, [waiver("t-sync-call", "interaction:a->b")])
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def _check(repo: str, *args: str) -> Any:
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        return run("check", "d", "--no-builtin", "--rules", "pack", "--waivers", "waivers.yaml", "--today", TODAY,
                   *args)
    finally:
        os.chdir(cwd)


def test_policy_from_judges_by_the_base_and_reports_each_relaxation(tmp_path: Any) -> None:
    repo = _repo(str(tmp_path))
    # The pull request: disable a rule, lower the other, waive everything it can, edit the pack.
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "high"\ndisable = ["t-public-endpoint"]\n[severity]\nt-sync-call = "low"\n')
    waivers_file(repo, [waiver("t-sync-call", "interaction:a->b"), waiver("t-sync-call", "interaction:a->c"),
                        waiver("t-sync-call", "interaction:c->db", expires="2026-10-01")])
    with open(os.path.join(repo, "pack", "resilience", "t-sync-call.yaml"), "a", encoding="utf-8") as fh:
        fh.write("# edited\n")
    relaxed = _check(repo, "--format", "json")
    assert relaxed.exit_code == 0, relaxed.output  # unpinned, the pull request switches its own gate off
    pinned = _check(repo, "--format", "json", "--policy-from", "main")
    assert pinned.exit_code == 1, pinned.output
    data = json.loads(pinned.stdout)
    changes = {f["subjects"][0]: f for f in data["findings"] if f["rule"] == "policy-change"}
    assert set(changes) == {"policy:disable", "policy:severity", "policy:pack:pack",
                            "policy:waiver:t-sync-call@interaction:a->c", "policy:waiver:t-sync-call@interaction:c->db"}
    assert changes["policy:disable"]["severity"] == "high"
    assert "disables 1 rule (t-public-endpoint)" in changes["policy:disable"]["message"]
    active = {f["subjects"][0] for f in data["findings"] if f["rule"] == "t-sync-call" and f["status"] == "active"}
    assert active == {"interaction:a->c", "interaction:c->db"}  # the base's waiver only; the rule still ran
    policy = data["gate"]["policy"]
    assert policy["pinned_from"] == "main" and policy["config"] == "main:archplan.toml"
    assert policy["disabled_rules"] == [] and policy["packs"][0]["path"] == "main:pack"


def test_a_policy_change_cannot_be_waived(tmp_path: Any) -> None:
    repo = _repo(str(tmp_path))
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "high"\ndisable = ["t-public-endpoint"]\n')
    waivers_file(repo, [waiver("t-sync-call", "interaction:a->b"), waiver("*-*", "policy:*")])
    result = _check(repo, "--policy-from", "main", "--format", "json")
    data = json.loads(result.stdout)
    change = next(f for f in data["findings"] if f["subjects"] == ["policy:disable"])
    assert change["status"] == "active" and result.exit_code == 1


def test_only_a_pinned_policy_may_allow_blanket_waivers_and_long_expiries(tmp_path: Any) -> None:
    repo = _repo(str(tmp_path))
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "high"\n[waivers]\nmax-days = 1000\nallow-blanket = true\n')
    git(repo, "commit", "-q", "-am", "the base allows long and blanket waivers")
    waivers_file(repo, [waiver("*", "*", expires="2028-06-01")])
    unpinned = _check(repo)
    assert unpinned.exit_code == 2
    assert "blanket waiver" in unpinned.stderr and "more than 180 days ahead" in unpinned.stderr
    pinned = _check(repo, "--policy-from", "HEAD")
    assert pinned.exit_code == 1  # the base's waivers apply, and the new blanket one is a change in itself
    assert "adds a waiver for * on *" in pinned.stdout
    git(repo, "commit", "-q", "-am", "blanket")
    allowed = _check(repo, "--policy-from", "HEAD")
    assert allowed.exit_code == 0, allowed.output
    assert "1 BLANKET" in allowed.stdout  # once merged and allowed by the base, it is still stated


def test_the_pinned_config_is_read_from_the_revision_not_the_work_tree(tmp_path: Any) -> None:
    repo = _repo(str(tmp_path))
    os.remove(os.path.join(repo, "archplan.toml"))
    result = _check(repo, "--policy-from", "main", "--format", "json")
    policy = json.loads(result.stdout)["gate"]["policy"]
    assert policy["config"] == "main:archplan.toml"


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "sarif", "junit", "json"])
def test_every_format_states_disabled_rules_and_overridden_severities(tmp_path: Any, fmt: str) -> None:
    tmp = str(tmp_path)
    config = os.path.join(tmp, "archplan.toml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write('disable = ["t-sync-call"]\n[severity]\nt-public-endpoint = "low"\n')
    result = run(*gate_args(tmp, "--config", config, "--format", fmt))
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "sarif":
        props = json.loads(out)["runs"][0]["properties"]["archplan"]["policy"]
        assert props["disabled_rules"] == ["t-sync-call"]
        assert props["severity_overrides"] == {"t-public-endpoint": "low"}
        notes = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert any("1 rule disabled" in n["message"]["text"] for n in notes)
    elif fmt == "junit":
        props = {p.get("name"): p.get("value") for p in ET.fromstring(out).iter("property")}
        assert props["archplan.policy.disabled_rules"] == "t-sync-call"
        assert props["archplan.policy.severity_overrides"] == "t-public-endpoint=low"
    elif fmt == "json":
        policy = json.loads(out)["gate"]["policy"]
        assert policy["disabled_rules"] == ["t-sync-call"] and policy["severity_overrides"] == {
            "t-public-endpoint": "low"}
    else:
        arrow = "-&gt;" if fmt == "markdown" else "->"
        assert "1 rule disabled by" in out and f"t-public-endpoint {arrow} low" in out


def test_a_default_policy_leaves_the_human_reports_unchanged(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path)))
    assert "Policy" not in result.stdout
    data = json.loads(run(*gate_args(str(tmp_path), "--format", "json")).stdout)
    assert data["gate"]["policy"]["packs"][-1]["rules"] == 2  # the machine reports always state it


def test_a_baselined_finding_that_rose_in_severity_fails(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    base = os.path.join(tmp, "base.json")
    made = run("baseline", design(tmp), "--no-builtin", "--rules", pack(tmp), "-o", base)
    assert made.exit_code == 0, made.output
    with open(base, encoding="utf-8") as fh:
        data = json.load(fh)
    for entry in data["entries"]:
        entry["severity"] = "low"
    write_yaml(tmp, "base.json", data)
    result = run(*gate_args(tmp, "--baseline", base, "--format", "json"))
    assert result.exit_code == 1
    gate = json.loads(result.stdout)["gate"]
    assert {r["from"] for r in gate["rose_from_baseline"]} == {"low"}
    assert any("rose in severity" in r for r in gate["reasons"])


def test_a_relaxed_policy_is_said_on_stderr_whatever_the_format(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    config = os.path.join(tmp, "archplan.toml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write('[severity]\nt-sync-call = "low"\nt-public-endpoint = "critical"\n')
    result = run(*gate_args(tmp, "--config", config, "--format", "sarif"))
    assert "archplan: warning: policy: 2 severities overridden" in result.stderr
    with open(config, "w", encoding="utf-8") as fh:
        fh.write('[severity]\nt-public-endpoint = "critical"\n')  # raising a severity relaxes nothing
    assert "policy" not in run(*gate_args(tmp, "--config", config, "--format", "sarif")).stderr


def test_an_invalid_pinned_config_is_named_at_its_revision(tmp_path: Any) -> None:
    repo = _repo(str(tmp_path))
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "hihg"\n')
    git(repo, "commit", "-q", "-am", "a typo in the base")
    with open(os.path.join(repo, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('fail-on = "high"\n')  # the pull request fixes it; the gate still reads the base's
    result = _check(repo, "--policy-from", "HEAD")
    assert result.exit_code == 2
    assert result.stderr.startswith("archplan: error: HEAD:archplan.toml:1:1: fail-on:"), result.stderr


def test_rule_files_are_resolved_to_their_real_paths_as_realpath_does(tmp_path: Any, monkeypatch: Any) -> None:
    """The policy counts each rule file in the pack that really holds it; resolving each folder once must give
    ``os.path.realpath``'s answer for a linked file, a file in a linked folder, '..' and a linked working folder."""
    from engine.gate.policy import _realpath

    real = tmp_path / "real"
    (real / "pack").mkdir(parents=True)
    (real / "pack" / "a.yaml").write_text("")
    (tmp_path / "other.yaml").write_text("")
    os.symlink(tmp_path / "other.yaml", real / "pack" / "linked.yaml")
    os.symlink(real / "pack", tmp_path / "pack-link")
    os.symlink(real, tmp_path / "cwd-link")
    monkeypatch.chdir(tmp_path / "cwd-link" / "pack")
    cases = ["a.yaml", "linked.yaml", "../pack/a.yaml", "../../pack-link/a.yaml", "../../pack-link/linked.yaml",
             str(tmp_path / "pack-link" / "a.yaml"), "./a.yaml"]
    folders: dict[str, str] = {}
    assert [_realpath(c, folders) for c in cases] == [os.path.realpath(c) for c in cases]
    assert _realpath("../../pack-link/linked.yaml", folders) == str((tmp_path / "other.yaml").resolve())
