"""Design diffs: new, resolved and unchanged findings between two versions, from directories or git."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.gate_helpers import EMPTY_CONFIG, SHOP, TODAY, copy_shop, design, edit, pack, run, waiver, waivers_file

PAYMENT_CALL = "{from: payments, to: payment-provider, style: sync, protocol: http, timeout_ms: 6000,"
BREAKER_ON, BREAKER_OFF = PAYMENT_CALL + " circuit_breaker: true,", PAYMENT_CALL + " circuit_breaker: false,"
GAP = ("information-gap", "interaction:payments->payment-provider")
EMAIL_CALL = "retry: {attempts: 5, backoff: exponential, jitter: true}, circuit_breaker: false, dependency: soft}"


def test_diff_of_the_example_design_reports_a_new_high_severity_risk(tmp_path: Any) -> None:
    old = copy_shop(str(tmp_path), "old")
    new = copy_shop(str(tmp_path))
    # The payments team drops the breaker on the card-payment call.
    edit(os.path.join(old, "api.yaml"), PAYMENT_CALL, BREAKER_ON)
    edit(os.path.join(new, "api.yaml"), PAYMENT_CALL, BREAKER_OFF)
    result = run("diff", old, new, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    new_ids = {(f["rule"], f["subject"]): f for f in data["new"]}
    added = new_ids[("external-call-without-circuit-breaker", "interaction:payments->payment-provider")]
    assert added["severity"] in ("high", "critical")
    assert added["fingerprint"] in data["failing"]
    assert data["summary"]["unchanged"] > 0
    # Everything else is paired across the two directories by fingerprint (stating the breaker may close
    # the information gap that asked for it, nothing more).
    assert {(f["rule"], f["subject"]) for f in data["resolved"]} <= {GAP}
    text = run("diff", old, new)
    assert text.exit_code == 1
    assert "+ " in text.stdout and "interaction[payments->payment-provider].circuit_breaker" in text.stdout


def test_stating_an_assumed_value_keeps_the_finding(tmp_path: Any) -> None:
    new = copy_shop(str(tmp_path))
    # The breaker was not stated (read as none, an assumed finding); the team now writes it down.
    edit(os.path.join(new, "api.yaml"), PAYMENT_CALL, BREAKER_OFF)
    data = json.loads(run("diff", SHOP, new, "--format", "json").stdout)
    same = [f for f in data["unchanged"] if (f["rule"], f["subject"]) == (
        "external-call-without-circuit-breaker", "interaction:payments->payment-provider")]
    assert len(same) == 1 and not data["new"]  # the same finding, paired by its fingerprint
    assert (same[0]["old_severity"], same[0]["severity"]) == ("medium", "high")  # stated: one step up


def test_diff_reports_a_resolved_risk_and_passes(tmp_path: Any) -> None:
    new = copy_shop(str(tmp_path))
    edit(os.path.join(new, "infrastructure.yaml"), EMAIL_CALL, EMAIL_CALL.replace("false", "true"))
    result = run("diff", SHOP, new, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert ("external-call-without-circuit-breaker", "interaction:notifications->email-provider") in {
        (f["rule"], f["subject"]) for f in data["resolved"]}
    assert data["failing"] == []


def test_identical_designs_differ_in_nothing(tmp_path: Any) -> None:
    copy = copy_shop(str(tmp_path))
    data = json.loads(run("diff", SHOP, copy, "--format", "json").stdout)
    assert data["new"] == [] and data["resolved"] == [] and data["summary"]["unchanged"] > 0


def test_a_new_finding_below_the_threshold_does_not_fail(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    old = design(tmp, "old")
    new = design(tmp, "new")
    edit(os.path.join(new, "api.yaml"), "exposure: public", "exposure: internal")
    edit(os.path.join(old, "api.yaml"), "exposure: public", "exposure: internal")
    edit(os.path.join(new, "api.yaml"), "exposure: internal", "exposure: public")  # medium risk appears
    args = ["diff", old, new, "--no-builtin", "--rules", pack(tmp)]
    assert run(*args).exit_code == 0
    assert run(*args, "--fail-on", "medium").exit_code == 1


def test_a_waived_new_finding_does_not_fail_the_diff(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    old = design(tmp, "old")
    new = design(tmp, "new")
    edit(os.path.join(new, "api.yaml"), "to: c\n  style: async", "to: c\n  style: sync")  # b->c becomes sync
    args = ["diff", old, new, "--no-builtin", "--rules", pack(tmp), "--today", TODAY]
    assert run(*args).exit_code == 1
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:b->c")])
    result = run(*args, "--waivers", wf)
    assert result.exit_code == 0, result.output
    assert "[waived]" in result.stdout


def test_diff_markdown_is_a_pr_comment(tmp_path: Any) -> None:
    old, new = copy_shop(str(tmp_path), "old"), copy_shop(str(tmp_path))
    edit(os.path.join(old, "api.yaml"), PAYMENT_CALL, BREAKER_ON)
    edit(os.path.join(new, "api.yaml"), PAYMENT_CALL, BREAKER_OFF)
    md = run("diff", old, new, "--format", "markdown").stdout
    assert md.startswith("## archplan design diff") and "### New" in md and "payment-provider" in md


def test_diff_needs_two_designs_without_git() -> None:
    result = run("diff", SHOP)
    assert result.exit_code == 2 and "archplan diff OLD NEW" in result.stderr


def git(cwd: str, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": EMPTY_CONFIG, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Any) -> str:
    if shutil.which("git") is None:  # pragma: no cover - git is part of the CI image
        pytest.fail("git is needed for diff --git")
    root = os.path.join(str(tmp_path), "repo")
    os.makedirs(root)
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(SHOP, os.path.join(root, "design", "shop"))
    # The committed design states the card-payment call's breaker (unstated, it would be read as none).
    edit(os.path.join(root, "design", "shop", "api.yaml"), PAYMENT_CALL, BREAKER_ON)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "shop")
    return root


def test_diff_git_compares_the_design_with_a_revision(repo: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(repo)
    shop = os.path.join("design", "shop")
    same = run("diff", "--git", "HEAD", shop, "--format", "json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["new"] == []
    edit(os.path.join(shop, "api.yaml"), BREAKER_ON, BREAKER_OFF)
    # Lines move too (a comment on top of every file): fingerprints do not depend on lines.
    for name in os.listdir(shop):
        path = os.path.join(shop, name)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("# reviewed\n\n" + text)
    changed = run("diff", "--git", "HEAD", shop, "--format", "json")
    assert changed.exit_code == 1, changed.output
    data = json.loads(changed.stdout)
    assert [(f["rule"], f["subject"]) for f in data["new"]] == [
        ("external-call-without-circuit-breaker", "interaction:payments->payment-provider")]
    assert {(f["rule"], f["subject"]) for f in data["resolved"]} <= {GAP}
    # A resolved finding is named by its file in the repository, not by the temporary copy.
    edit(os.path.join(shop, "infrastructure.yaml"), EMAIL_CALL, EMAIL_CALL.replace("false", "true"))
    fixed = json.loads(run("diff", "--git", "HEAD", shop, "--format", "json").stdout)
    resolved = [f for f in fixed["resolved"] if f["rule"] == "external-call-without-circuit-breaker"]
    assert [f["where"].split(":")[0] for f in resolved] == [os.path.join(shop, "infrastructure.yaml")]
    # From inside the design directory the paths map the same way.
    monkeypatch.chdir(shop)
    inside = run("diff", "--git", "HEAD", ".", "--format", "json")
    assert inside.exit_code == 1, inside.output
    assert [f["fingerprint"] for f in json.loads(inside.stdout)["new"]] == [f["fingerprint"] for f in data["new"]]


def test_diff_git_when_the_design_is_new_says_every_finding_is_new(repo: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(repo)
    shutil.copytree(os.path.join("design", "shop"), os.path.join("design", "shop2"))
    result = run("diff", "--git", "HEAD", os.path.join("design", "shop2"), "--format", "json")
    data = json.loads(result.stdout)
    assert data["note"].startswith("The design did not exist at HEAD")
    assert data["summary"]["unchanged"] == 0 and data["summary"]["new"] > 0


def test_diff_git_rejects_an_unknown_revision_and_option_like_refs(repo: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(repo)
    shop = os.path.join("design", "shop")
    bad = run("diff", "--git", "no-such-branch", shop)
    assert bad.exit_code == 2 and "no such revision" in bad.stderr
    opt = run("diff", "--git", "--output=x", shop)
    assert opt.exit_code == 2


def test_diff_git_outside_a_repository_is_an_error(tmp_path: Any) -> None:
    result = run("diff", "--git", "HEAD", design(str(tmp_path)), "--no-builtin", "--rules", pack(str(tmp_path)))
    assert result.exit_code == 2 and "is not inside a git work tree" in result.stderr


def test_diff_git_names_errors_in_the_old_design_by_revision_and_file(repo: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(repo)
    shop = os.path.join("design", "shop")
    api = os.path.join(shop, "api.yaml")
    with open(api, encoding="utf-8") as fh:
        good = fh.read()
    with open(api, "w", encoding="utf-8") as fh:
        fh.write(good.replace("source: api", "source: api\nbogus_section: 1"))
    git(repo, "commit", "-q", "-am", "broken")
    with open(api, "w", encoding="utf-8") as fh:
        fh.write(good)
    result = run("diff", "--git", "HEAD", shop)
    assert result.exit_code == 2
    assert "HEAD:design/shop/api.yaml:3:1: bogus_section: unknown section 'bogus_section'" in result.stderr
    assert "(in the design as it was at HEAD)" in result.stderr and "archplan-diff-" not in result.stderr
