"""The `archplan` command: exit codes, formats, explanation, atomic output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.review import review
from tests.conftest import ROOT
from tests.helpers import write

SHOP = os.path.join(ROOT, "facts", "shop")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def small_design(tmp: str, breaker: bool | None, timeout_ms: int | None = None) -> str:
    call: dict[str, Any] = {"from": "a", "to": "psp", "style": "sync"}
    if breaker is not None:
        call["circuit_breaker"] = breaker
    if timeout_ms is not None:
        call["timeout_ms"] = timeout_ms
    return write(tmp, "d/api.yaml", f"""
        source: api
        services: [{{name: a}}]
        externals: [{{name: psp}}]
        interactions: [{json.dumps(call)}]
        """)


def test_check_exits_1_when_a_finding_reaches_the_threshold(tmp_path: os.PathLike[str]) -> None:
    path = small_design(str(tmp_path), breaker=False)
    assert run("check", path).exit_code == 1
    assert run("check", path, "--fail-on", "critical").exit_code == 0
    assert run("check", path, "--fail-on", "never").exit_code == 0


def test_check_exits_0_on_a_clean_design(tmp_path: os.PathLike[str]) -> None:
    # information gaps (low) remain on a minimal design; nothing reaches medium (an unstated timeout would be
    # read as none: remote-call-without-timeout, on an assumed basis)
    result = run("check", small_design(str(tmp_path), breaker=True, timeout_ms=1000), "--fail-on", "medium")
    assert result.exit_code == 0, result.output


def test_check_exits_2_on_bad_input_without_traceback(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "bad.yaml", "source: api\nservices: [{name: a, replicas: many}]\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}:2:" in result.output and "replicas" in result.output


def test_check_exits_2_on_unknown_flag_value() -> None:
    assert run("check", SHOP, "--fail-on", "severe").exit_code == 2


def test_json_report_has_the_documented_shape() -> None:
    result = run("check", SHOP, "--format", "json", "--fail-on", "never")
    data = json.loads(result.output)
    assert data["version"] == 1
    assert set(data) >= {"findings", "summary", "mitigations"}
    for f in data["findings"]:
        assert set(f) >= {"id", "rule", "severity", "category", "phase", "message", "subjects", "location",
                          "mitigations", "fingerprint"}
        assert set(f["location"]) == {"file", "line", "column"}
    assert data["findings"], "the example design has real findings"


def test_output_is_byte_identical_whatever_the_file_order(tmp_path: os.PathLike[str]) -> None:
    files = sorted(os.path.join(SHOP, f) for f in os.listdir(SHOP))
    a = run("check", *files, "--format", "json", "--fail-on", "never").output
    b = run("check", *reversed(files), "--format", "json", "--fail-on", "never").output
    assert a == b


def test_fingerprints_ignore_line_moves(tmp_path: os.PathLike[str]) -> None:
    copy = os.path.join(str(tmp_path), "shop")
    shutil.copytree(SHOP, copy)
    before = {(f.rule, f.subject): f.fingerprint for f in review([copy]).findings}
    infra = os.path.join(copy, "infrastructure.yaml")
    with open(infra, encoding="utf-8") as fh:
        text = fh.read()
    with open(infra, "w", encoding="utf-8") as fh:
        fh.write("# moved down\n\n\n" + text)
    after = {(f.rule, f.subject): f.fingerprint for f in review([copy]).findings}
    assert before == after


def test_explain_prints_the_chain_with_places(tmp_path: os.PathLike[str]) -> None:
    path = small_design(str(tmp_path), breaker=False)
    rv = review([path])
    finding = next(f for f in rv.findings if f.kind == "risk")
    result = run("explain", path, finding.id)
    assert result.exit_code == 0, result.output
    assert finding.rule in result.output
    assert f"interaction:a->psp  {os.path.relpath(path)}:4" in result.output or "interaction:a->psp" in result.output
    assert "likelihood" in result.output and "mitigations:" in result.output


def test_explain_unknown_finding_suggests(tmp_path: os.PathLike[str]) -> None:
    path = small_design(str(tmp_path), breaker=False)
    finding = next(f for f in review([path]).findings if f.kind == "risk")
    result = run("explain", path, finding.id[:-1] + "z")
    assert result.exit_code == 2
    assert "did you mean" in result.output


def test_output_file_is_written_atomically_and_never_over_an_input(tmp_path: os.PathLike[str]) -> None:
    path = small_design(str(tmp_path), breaker=False)
    out = os.path.join(str(tmp_path), "report.json")
    assert run("check", path, "--format", "json", "-o", out).exit_code == 1
    with open(out, encoding="utf-8") as fh:
        assert json.load(fh)["version"] == 1
    with open(path, encoding="utf-8") as fh:
        original = fh.read()
    result = run("check", path, "-o", path)
    assert result.exit_code == 2 and "is one of the inputs" in result.output
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == original
    blocked = os.path.join(path, "r.json")  # its parent is a file: nothing can be written there
    result = run("check", path, "-o", blocked)
    assert result.exit_code == 2 and "is not a directory" in result.output
    assert not [n for n in os.listdir(str(tmp_path)) if n.startswith(".archplan-")]


def test_information_gap_is_one_low_finding_per_subject(tmp_path: os.PathLike[str]) -> None:
    rv = review([small_design(str(tmp_path), breaker=None)])
    gaps = [f for f in rv.findings if f.kind == "gap"]
    # One gap finding per subject, whatever the number of rules asking about it.
    assert sorted(g.subject for g in gaps) == ["external:psp", "interaction:a->psp", "service:a"]
    assert {g.severity.value for g in gaps} == {"low"}
    call_gap = next(g for g in gaps if g.subject == "interaction:a->psp")
    # asked: calls to third parties are usually TLS, and their responses validated
    assert sorted(call_gap.missing) == [("tls", "third-party-call-without-tls"),
                                        ("validates_response", "third-party-response-not-validated")]


def test_unknown_breaker_is_read_as_none_and_reported_as_assumed(tmp_path: os.PathLike[str]) -> None:
    unknown = review([small_design(str(tmp_path), breaker=None)])
    stated = review([small_design(os.path.join(str(tmp_path), "s"), breaker=False)])

    def finding(rv: Any) -> Any:
        return next(f for f in rv.findings if f.rule == "external-call-without-circuit-breaker")

    assumed, known = finding(unknown), finding(stated)
    assert (assumed.basis, known.basis) == ("assumed", "stated")
    assert [(a.fact, a.field, a.value) for a in assumed.assumed] == [("interaction:a->psp", "circuit_breaker", False)]
    # the default may not hold: one step lower than the stated high
    assert (assumed.severity.value, known.severity.value) == ("medium", "high")
    assert assumed.fingerprint == known.fingerprint  # stating the value keeps the finding (waivers, baselines)
    assert assumed.shown == (
        "a calls the external service psp synchronously with no circuit breaker: when psp slows down or fails, a "
        "keeps sending it traffic and ties up its own threads and connections until it fails too. "
        "(assumed: circuit_breaker = false: not stated)")
    assert assumed.to_json()["assumed"] == [
        {"fact": "interaction:a->psp", "field": "circuit_breaker", "value": False, "why": "not stated"}]
    # assumed, so not asked for: the call's gap names only the fields no rule assumes
    assert sorted(fld for g in unknown.findings if g.subject == "interaction:a->psp" for fld, _r in g.missing) == [
        "tls", "validates_response"]


def test_schema_is_valid_json_schema_that_accepts_the_example() -> None:
    import jsonschema
    import yaml

    result = run("schema")
    schema = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schema)
    for name in sorted(os.listdir(SHOP)):
        with open(os.path.join(SHOP, name), encoding="utf-8") as fh:
            assert not list(validator.iter_errors(yaml.safe_load(fh))), name
    assert list(validator.iter_errors({"source": "api", "services": [{"name": "a", "replicsa": 1}]}))


@pytest.mark.parametrize("args", [["rules", "list"], ["rules", "list", "--format", "json"],
                                  ["rules", "show", "external-call-without-circuit-breaker"], ["rules", "test"]],
                         ids=["list", "list-json", "show", "test"])
def test_rules_commands_run(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output


def test_unknown_command_suggests() -> None:
    result = run("chek")
    assert result.exit_code == 2 and "did you mean 'check'" in result.output


def test_library_api_returns_the_same_findings_as_json() -> None:
    rv = review([SHOP])
    data = json.loads(run("check", SHOP, "--format", "json", "--fail-on", "never").output)
    assert [f.fingerprint for f in rv.findings] == [f["fingerprint"] for f in data["findings"]]


def test_output_to_a_device_writes_through_it_and_leaves_the_node(tmp_path: os.PathLike[str]) -> None:
    # Renaming a temporary file over /dev/null would replace the device with a regular file.
    fifo = os.path.join(str(tmp_path), "pipe")
    os.mkfifo(fifo)
    import stat
    import threading

    received: list[str] = []

    def read() -> None:
        with open(fifo, encoding="utf-8") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read)
    reader.start()
    path = small_design(str(tmp_path), breaker=False)
    result = run("check", path, "--format", "json", "-o", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["version"] == 1


def test_report_file_gets_the_usual_permissions(tmp_path: os.PathLike[str]) -> None:
    path = small_design(str(tmp_path), breaker=False)
    out = os.path.join(str(tmp_path), "report.txt")
    old = os.umask(0o022)
    try:
        run("check", path, "-o", out)
    finally:
        os.umask(old)
    assert os.stat(out).st_mode & 0o777 == 0o644


def _console(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    """The ``archplan`` console script (``engine.cli:entry``), as a user runs it."""
    code = "import sys; from engine.cli import entry; sys.argv[0] = 'archplan'; entry()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, check=False, **kw)


def test_console_script_keeps_exit_codes_and_complete_output() -> None:
    failing = _console("check", "facts/shop", "--format", "json")
    assert failing.returncode == 1
    assert len(json.loads(failing.stdout)["findings"]) > 20  # the whole report, flushed before the fast exit
    assert _console("check", "facts/shop", "--fail-on", "never").returncode == 0
    bad = _console("check", "facts/no-such-design")
    assert bad.returncode == 2 and "no such file or directory" in bad.stderr and "Traceback" not in bad.stderr
    assert _console("--version").returncode == 0


def test_console_script_survives_a_reader_that_goes_away() -> None:
    code = ("import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', "
            "\"import sys; from engine.cli import entry; sys.argv[0] = 'archplan'; entry()\", 'check', 'facts/shop', "
            "'--format', 'sarif'], stdout=subprocess.PIPE, stderr=subprocess.PIPE); p.stdout.read(10); "
            "p.stdout.close(); "
            "err = p.stderr.read().decode(); print(p.wait()); print(err)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         check=False)
    assert len(_console("check", "facts/shop", "--format", "sarif").stdout) > 1 << 16  # more than a pipe holds (64 KiB)
    assert "Traceback" not in out.stdout + out.stderr and "Error" not in out.stdout + out.stderr


# --- shell completion (click's, for the installed command) -------------------------------------------------


def _installed() -> str:
    exe = os.path.join(os.path.dirname(sys.executable), "archplan")
    assert os.path.exists(exe), "the console script is installed by pip install -e '.[dev]'"
    return exe


@pytest.mark.parametrize(("shell", "needle"), [
    ("bash", "complete -o nosort -F _archplan_completion archplan"),
    ("zsh", "#compdef archplan"),
    ("fish", "complete --no-files --command archplan"),
])
def test_the_installed_command_prints_its_completion_script(shell: str, needle: str) -> None:
    env = {**os.environ, "_ARCHPLAN_COMPLETE": f"{shell}_source"}
    done = subprocess.run([_installed()], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert needle in done.stdout and done.stderr == ""


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_options_and_choices_with_the_script() -> None:
    bin_dir = os.path.dirname(_installed())
    script = ('eval "$(_ARCHPLAN_COMPLETE=bash_source archplan)"\n'
              'complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=();'
              ' _archplan_completion archplan; echo "${COMPREPLY[*]}"; }\n'
              'complete_words archplan ex\n'
              'complete_words archplan check --fail-on h\n'
              'complete_words archplan rules t\n')
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["explain", "high", "test"]
