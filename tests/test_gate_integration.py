"""Integration files: the GitHub Actions example, the pre-commit hook (run for real), the README section."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

from engine.cli.main import main
from tests.conftest import IN_CI, ROOT
from tests.gate_helpers import EMPTY_CONFIG, SHOP, run

WORKFLOW = os.path.join(ROOT, "docs", "examples", "github-actions.yml")
HOOKS = os.path.join(ROOT, ".pre-commit-hooks.yaml")


def load(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def steps() -> list[dict[str, Any]]:
    wf = load(WORKFLOW)
    (job,) = wf["jobs"].values()
    result: list[dict[str, Any]] = job["steps"]
    return result


def test_workflow_grants_what_sarif_upload_needs_and_nothing_to_write_code() -> None:
    wf = load(WORKFLOW)
    assert wf["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in on


def test_workflow_uploads_the_sarif_file_that_the_gate_writes_even_when_the_gate_fails() -> None:
    all_steps = steps()
    gate = next(s for s in all_steps if s.get("name") == "Review gate")
    upload = next(s for s in all_steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert all_steps.index(upload) > all_steps.index(gate)
    assert f"--output sarif={upload['with']['sarif_file']}" in gate["run"]
    assert "always()" in upload["if"] and upload["with"]["category"] == "archplan"
    checkout = next(s for s in all_steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # diff --git needs the base branch


def test_workflow_commands_are_valid_archplan_invocations(tmp_path: Any, monkeypatch: Any) -> None:
    """Run the gate step's command (with the example design) and check what it writes."""
    env = load(WORKFLOW)["env"]
    gate = next(s for s in steps() if s.get("name") == "Review gate")
    command = gate["run"]
    for name, value in env.items():
        # The policy is pinned to a commit of this repository (the base of a pull request, in CI).
        shown = SHOP if name == "DESIGN" else "HEAD" if name == "POLICY_FROM" else str(value)
        command = command.replace(f'"${name}"', shlex.quote(shown))
    argv = shlex.split(command)
    assert argv[:2] == ["archplan", "check"]
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run(*argv[1:])
    assert result.exit_code in (0, 1), result.output
    assert os.path.exists("archplan.sarif") and os.path.exists("archplan-junit.xml")
    assert result.stdout.splitlines()[-1].startswith("archplan gate ")
    diff = next(s for s in steps() if "archplan diff" in s.get("run", ""))
    diff_args = shlex.split(diff["run"].split(">>")[0])
    command_obj = main.commands["diff"]
    options = {o for p in command_obj.params for o in getattr(p, "opts", [])}
    assert {a for a in diff_args if a.startswith("--")} <= options


def test_pre_commit_hook_manifest_runs_the_check_command() -> None:
    (hook,) = load(HOOKS)
    assert hook["id"] == "archplan" and hook["language"] == "python"
    assert hook["entry"] == "archplan check"
    assert hook["pass_filenames"] is False  # a design is reviewed whole: its files refer to each other
    assert set(hook["types_or"]) == {"yaml", "json"}


def _git(cwd: str, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": EMPTY_CONFIG, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def _hook_repo(tmp: str) -> str:
    """This repository as pre-commit would fetch it: the packaged files, committed in a fresh git repo."""
    repo = os.path.join(tmp, "hook")
    os.makedirs(repo)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("engine", "rules"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(repo, name), ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(os.path.join(ROOT, name), repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "hook")
    return repo


# What pip says when it cannot reach the package index (pre-commit shows pip's output when the hook's install fails).
_OFFLINE = ("Failed to establish a new connection", "Temporary failure in name resolution", "Name or service not known",
            "Network is unreachable", "No route to host", "Max retries exceeded", "ConnectTimeoutError",
            "No matching distribution found")


def _needs_the_index(proc: subprocess.CompletedProcess[str], log_dir: str) -> None:
    """Skip (fail under CI) when the hook could not be installed because the package index is out of reach."""
    log = os.path.join(log_dir, "pre-commit.log")
    text = proc.stdout + proc.stderr
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as fh:
            text += fh.read()
    if proc.returncode != 0 and "An unexpected error has occurred" in text and any(m in text for m in _OFFLINE):
        msg = "pre-commit could not install the hook: the package index is out of reach (offline?)"
        if IN_CI:
            pytest.fail(msg + "; CI has the network:\n" + text[-3000:])
        pytest.skip(msg)


@pytest.mark.slow
def test_pre_commit_installs_and_runs_the_hook_for_real(tmp_path: Any) -> None:
    """`pre-commit try-repo` and `pre-commit run` install archplan from the hook repository and gate a commit.

    The hook takes no arguments: it reviews the design that archplan.toml names (as the README shows).
    Needs the package index (pre-commit builds the hook's own virtualenv with pip), as `make test` does:
    offline, it skips with the reason (under CI, it fails).
    """
    exe = os.path.join(os.path.dirname(sys.executable), "pre-commit")
    assert os.path.exists(exe), "pre-commit is a dev dependency: pip install -e '.[dev]'"
    tmp = str(tmp_path)
    hook = _hook_repo(tmp)
    sha = _git(hook, "rev-parse", "HEAD").strip()
    project = os.path.join(tmp, "project")
    os.makedirs(project)
    with open(os.path.join(project, "notes.yaml"), "w", encoding="utf-8") as fh:
        fh.write("not: a design\n")
    _git(project, "init", "-q", "-b", "main")
    env = {**os.environ, "PRE_COMMIT_HOME": os.path.join(tmp, "cache"), "GIT_CONFIG_GLOBAL": EMPTY_CONFIG,
           "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("ARCHPLAN_TODAY", None)
    if sys.version_info >= (3, 13):  # the hook's own durable-rules builds there only with the flag (README)
        from engine.runtime import DURABLE_CPPFLAGS

        env["CPPFLAGS"] = DURABLE_CPPFLAGS
        env["PIP_NO_CACHE_DIR"] = "1"  # never a wheel pip built earlier without it

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=project, capture_output=True, text=True, env=env, timeout=900,
                              check=False)

    _git(project, "add", ".")
    # No design named anywhere: one line saying where archplan looked, exit 2.
    tried = pre_commit("try-repo", hook, "archplan", "--all-files", "--verbose")
    _needs_the_index(tried, env["PRE_COMMIT_HOME"])
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "- exit code: 2" in tried.stdout
    assert "archplan: error: nothing to review:" in tried.stdout and "design = [...]" in tried.stdout
    # The README's layout: the design in a directory that archplan.toml names.
    shutil.copytree(SHOP, os.path.join(project, "architecture"))
    with open(os.path.join(project, "archplan.toml"), "w", encoding="utf-8") as fh:
        fh.write('design = ["architecture"]\nfail-on = "never"\n')
    _git(project, "add", ".")
    tried = pre_commit("try-repo", hook, "archplan", "--all-files", "--verbose")
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "archplan design review" in tried.stdout and "Passed" in tried.stdout
    assert "external-call-without-circuit-breaker" in tried.stdout  # it did review the design

    def configure(*args: str) -> None:
        config = {"repos": [{"repo": hook, "rev": sha, "hooks": [{"id": "archplan", **({"args": list(args)}
                                                                                       if args else {})}]}]}
        with open(os.path.join(project, ".pre-commit-config.yaml"), "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh)
        _git(project, "add", ".")

    configure("--fail-on", "high")
    gated = pre_commit("run", "--all-files", "--verbose")
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert "external-call-without-circuit-breaker" in gated.stdout and "Failed" in gated.stdout
    configure()
    passed = pre_commit("run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_readme_documents_the_review_gate() -> None:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert "## Use archplan as a review gate" in text
    section = text.split("## Use archplan as a review gate", 1)[1].split("\n## ", 1)[0]
    for needle in ("--format sarif", "--output", "waivers:", "expires:", "archplan baseline", "--baseline",
                   "archplan diff --git", "--exit-zero", "docs/examples/github-actions.yml", ".pre-commit-hooks.yaml"):
        assert needle in section, needle
