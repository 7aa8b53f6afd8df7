"""Every command in README.md, run top to bottom in a fresh copy of the repository, exits as documented.

The commands are read from the README's ``sh`` blocks, so a command added there without an expected
outcome here fails ``test_every_readme_command_has_an_expected_outcome``, and an outcome left here for
a command the README dropped fails it too.

The README speaks to a user about *their* files: ``design/`` is their design folder, and
``api/openapi.yaml``, ``docker-compose.yml``, ``deploy/k8s/``, ``asyncapi.yaml`` are their artifacts.
Before running, the copy gets those from the example design and the project's own importer fixtures
(``USER_FILES``), as a user following the README would have them.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
BIN = os.path.dirname(sys.executable)


@dataclass(frozen=True)
class Exits:
    """The command is run; it must exit with ``code``."""

    code: int


@dataclass(frozen=True)
class Elsewhere:
    """The command is not run here, for the reason given (which names where it is checked)."""

    reason: str


OK = Exits(0)
FAILS_THE_GATE = Exits(1)  # the example design has findings at or above the threshold, as the README says

_NETWORK = ("installs from the published repository over the network; tests/test_packaging.py installs the same "
            "package from a source copy (wheel, sdist, pipx)")

EXPECTED: dict[str, Exits | Elsewhere] = {
    # Quick start
    "make demo": OK,
    "make test": Elsewhere("the suite itself: this test runs inside `make test`"),
    # Install
    "pipx install git+https://github.com/archplan/archplan@v0.2.0": Elsewhere(_NETWORK),
    'pip install "archplan @ git+https://github.com/archplan/archplan@v0.2.0"': Elsewhere(_NETWORK),
    "pipx install .": Elsewhere("installs into the user's own pipx home; tests/test_packaging.py::"
                                "test_pipx_install_of_the_source_tree runs it in a temporary one"),
    "CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' pip install --no-cache-dir .": Elsewhere(
        "installs into the environment running the tests; tests/test_packaging.py installs the wheel and the sdist "
        "into fresh environments, with this flag on 3.13, and `make test` runs the suite under 3.13"),
    "CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' pipx install --python python3.13 --pip-args=--no-cache-dir .":
        Elsewhere("installs into the user's own pipx home; tests/test_packaging.py::"
                  "test_pipx_install_of_the_source_tree runs pipx with this flag on 3.13"),
    "archplan --version": OK,
    # Using it
    "archplan check facts/shop": FAILS_THE_GATE,
    "archplan check facts/shop --fail-on critical": FAILS_THE_GATE,
    "archplan check facts/shop --format json -o report.json": FAILS_THE_GATE,
    "archplan explain facts/shop <finding-id>": OK,
    "archplan rules list": OK,
    "archplan rules show external-call-without-circuit-breaker": OK,
    "archplan rules test": OK,
    "archplan rules new my-flaw-id --category data": OK,
    "archplan rules docs -o site/rules": OK,
    "archplan rules coverage": OK,
    "archplan schema -o design.schema.json": OK,
    "archplan schema --rules -o rule.schema.json": OK,
    'eval "$(_ARCHPLAN_COMPLETE=bash_source archplan)"': OK,
    'eval "$(_ARCHPLAN_COMPLETE=zsh_source archplan)"': Elsewhere(
        "a zsh script, for zsh: tests/test_cli.py prints it from the installed command"),
    "_ARCHPLAN_COMPLETE=fish_source archplan > ~/.config/fish/completions/archplan.fish": Elsewhere(
        "writes into the user's fish configuration: tests/test_cli.py prints the fish script from the installed "
        "command"),
    # The integration plan
    "archplan plan facts/shop --format html -o plan.html": OK,
    "archplan plan facts/shop > PLAN.md": OK,
    "archplan plan facts/shop --format json -o plan.json": OK,
    "archplan plan facts/shop --format text": OK,
    "archplan plan facts/shop --diagrams out/": OK,
    "archplan plan facts/shop --format gh-issues -o issues.json": OK,
    "archplan plan facts/shop --format jira-csv -o issues.csv": OK,
    # Design documents (Markdown)
    "archplan check facts/shop-doc": FAILS_THE_GATE,
    "archplan plan facts/shop-doc/design.md -o PLAN.md": OK,
    # Starting from the artifacts you have
    "archplan import openapi api/openapi.yaml -o design/api.yaml": OK,
    "archplan check design/ --from openapi=api/openapi.yaml --from compose=docker-compose.yml": FAILS_THE_GATE,
    "archplan check --from kubernetes=deploy/k8s/ --from auto=asyncapi.yaml": FAILS_THE_GATE,
    "archplan import source services/stock/ -o stock-routes.yaml": OK,
    "archplan check --from gateway:edge=edge/default.conf.template --from source=services/stock/": FAILS_THE_GATE,
    # Design agents in the loop
    "archplan schema --agent security --strict -o security.schema.json": OK,
    "archplan questions facts/shop": OK,
    "archplan questions facts/shop --format json -o questions.json": OK,
    "archplan mcp": Elsewhere("a server that runs until its client closes stdin: tests/test_mcp.py drives it over "
                              "stdio with the MCP SDK's own client"),
    # Benchmarks
    ".venv/bin/python benchmarks/bench_engine.py 10 100 1000 5000 --repeat 3": Elsewhere(
        "prints timings and exits 1 when this machine misses a target: not a test (no timed assertions); "
        "tests/test_benchmarks.py runs the script on small sizes"),
    ".venv/bin/python benchmarks/bench_startup.py": Elsewhere(
        "prints timings as ratios to their floors and exits 1 when a target is missed: not a test (no timed "
        "assertions); tests/test_benchmarks.py runs it for one round"),
    ".venv/bin/python benchmarks/bench_scale.py": Elsewhere(
        "runs for minutes on 5,000 and 20,000 services and exits 1 when a target is missed: not a test (no timed "
        "assertions); tests/test_benchmarks.py runs it on small sizes"),
    ".venv/bin/python benchmarks/bench_pytm.py": Elsewhere(
        "installs pytm from PyPI (network) into its own venv, and archplan from a wheel of the tree into "
        ".venv-bench, and runs for minutes: not a test; tests/test_benchmarks.py checks the model conversion and "
        "pytm on a tiny design when .venv-pytm exists, and the installed archplan when .venv-bench exists"),
    ".venv/bin/python benchmarks/bench_yaml.py": Elsewhere(
        "installs rapidyaml from PyPI (network) into its own venv and times the readers: not a test; "
        "tests/test_benchmarks.py checks its verdict, its probe disagreements and the hostile catalogue"),
    # Use archplan as a review gate
    "archplan check design/ --fail-on high": FAILS_THE_GATE,
    "archplan check design/ --format sarif > archplan.sarif": FAILS_THE_GATE,
    "archplan check design/ --format github --output sarif=archplan.sarif --output junit=archplan.xml "
    "--output markdown=comment.md": FAILS_THE_GATE,
    "archplan baseline design/ -o .archplan/baseline.json": OK,
    "archplan check design/ --baseline .archplan/baseline.json": OK,  # nothing new since the baseline
    "archplan diff old-design/ new-design/": FAILS_THE_GATE,  # the new design brings new high findings
    "archplan diff --git origin/main design/": FAILS_THE_GATE,  # design/ is new at this revision: all is new
    "archplan check design/ --exit-zero": OK,
    # pinned to the fresh copy's origin/main: design/ is new there, so its findings fail the gate
    "archplan check design/ --policy-from origin/main": FAILS_THE_GATE,
}

USER_FILES = [
    # (README path, what stands for it), copied in this order before the commands run
    ("design", "facts/shop"),
    ("old-design", "facts/shop"),
    ("new-design", "facts/ledger"),
    ("api", "tests/fixtures/importers/openapi"),  # the spec with the files its $refs name
    ("api/openapi.yaml", "api/shop.yaml"),
    ("docker-compose.yml", "tests/fixtures/importers/compose/shop-compose.yaml"),
    ("deploy/k8s", "tests/fixtures/importers/kubernetes/shop"),
    ("asyncapi.yaml", "tests/fixtures/readme/asyncapi.yaml"),  # the events of the example design's orders
    ("edge", "tests/fixtures/importers/source/edge"),  # an nginx template and the Dockerfile that fills it
    ("services/stock", "tests/fixtures/importers/source/stock"),  # a Flask service behind it
]

_BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_commands(text: str) -> list[str]:
    """The commands of the README's shell blocks, in order: continuations joined, comments dropped."""
    commands: list[str] = []
    for block in _BLOCK.findall(text):
        logical = re.sub(r"\\\n\s*", "", block)
        for line in logical.splitlines():
            code = re.split(r"\s{2,}#|^#", line, maxsplit=1)[0].strip()
            if code:
                commands.append(" ".join(code.split()))
    return commands


def _readme() -> str:
    with open(README, encoding="utf-8") as fh:
        return fh.read()


def test_every_readme_command_has_an_expected_outcome() -> None:
    commands = readme_commands(_readme())
    assert set(commands) - set(EXPECTED) == set(), "README commands without an expected outcome in this test"
    assert set(EXPECTED) - set(commands) == set(), "expected outcomes for commands no longer in the README"


def test_readme_commands_are_parsed_as_written() -> None:
    text = "x\n```sh\narchplan a b   # note\narchplan c \\\n    --d e\n# only a comment\n```\n```python\nno\n```\n"
    assert readme_commands(text) == ["archplan a b", "archplan c --d e"]


def _fresh_copy(dest: str) -> None:
    """The repository's files as a clone has them (tracked and new, not ignored), as a git repository whose
    ``origin/main`` is that same state."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))
    git = ["git", "-c", "user.name=readme", "-c", "user.email=readme@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "fresh copy"], cwd=dest, check=True)
    subprocess.run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=dest, check=True)
    for target, source in USER_FILES:
        src, dst = os.path.join(dest, source), os.path.join(dest, target)
        os.makedirs(os.path.dirname(dst) or dest, exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


@pytest.mark.slow
def test_readme_commands_run_top_to_bottom_in_a_fresh_copy(tmp_path: os.PathLike[str]) -> None:
    work = os.path.join(str(tmp_path), "archplan")
    _fresh_copy(work)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("MAKEFLAGS", None)  # `make demo` below is a fresh make, not a child of `make test`
    env.pop("MAKELEVEL", None)
    outcomes: list[str] = []
    for command in dict.fromkeys(readme_commands(_readme())):  # a command shown twice runs once
        expected = EXPECTED[command]
        if isinstance(expected, Elsewhere):
            continue
        line = command
        if "<finding-id>" in line:
            report = json.loads(subprocess.run(
                ["archplan", "check", "facts/shop", "--format", "json", "--fail-on", "never"], cwd=work, env=env,
                capture_output=True, text=True, check=True).stdout)
            line = line.replace("<finding-id>", shlex.quote(report["findings"][0]["id"]))
        done = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        if done.returncode != expected.code or "Traceback" in done.stderr:
            outcomes.append(f"{command!r}: exit {done.returncode}, expected {expected.code}\n"
                            f"{done.stderr[-2000:]}")
    assert not outcomes, "\n".join(outcomes)
    # What the commands said they would write is there.
    for path in ("report.json", "design.schema.json", "rule.schema.json", "plan.html", "PLAN.md", "plan.json",
                 "archplan.sarif", "archplan.xml", "comment.md", ".archplan/baseline.json", "site/rules", "out"):
        assert os.path.exists(os.path.join(work, path)), path
    assert os.path.isfile(os.path.join(work, "rules", "data", "my-flaw-id.yaml"))
