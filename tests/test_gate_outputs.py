"""The gate's exit codes, its CI formats (JUnit, GitHub, Markdown), several outputs in one run, fail-closed."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from engine.gate.github import escape_data, escape_property
from tests.gate_helpers import SHOP, TODAY, design, gate_args, pack, run, waiver, waivers_file
from tests.helpers import write

# ---------------------------------------------------------------------------------------------------------
# Exit codes: every path
# ---------------------------------------------------------------------------------------------------------


def test_exit_0_when_nothing_reaches_the_threshold(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path), "--fail-on", "critical"))
    assert result.exit_code == 0, result.output


def test_exit_1_when_a_finding_reaches_the_threshold(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path)))
    assert result.exit_code == 1
    assert "3 at or above 'high'" in result.stdout


def test_exit_2_on_bad_input(tmp_path: Any) -> None:
    bad = write(str(tmp_path), "d/api.yaml", "source: api\nservices: [{name: a, replicas: many}]\n")
    result = run("check", bad, "--format", "sarif")
    assert result.exit_code == 2 and result.stdout == "" and f"{bad}:2:" in result.stderr


def test_exit_1_for_an_expired_waiver_even_when_no_finding_fails(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver(expires="2026-06-01")])
    result = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "critical"))
    assert result.exit_code == 1
    assert f"{wf}:3:3: error: waiver for t-sync-call on interaction:a->b expired on 2026-06-01" in result.stdout


def test_exit_zero_exits_0_and_says_the_gate_is_not_enforcing(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    result = run(*gate_args(tmp, "--exit-zero"))
    assert result.exit_code == 0
    assert "(not enforcing: --exit-zero" in result.stdout
    assert "the gate is not enforcing (--exit-zero)" in result.stderr
    assert "without --exit-zero it would fail: 3 findings at or above 'high'" in result.stderr
    js = json.loads(run(*gate_args(tmp, "--exit-zero", "--format", "json")).stdout)
    assert js["gate"]["enforcing"] is False and js["gate"]["status"] == "fail"
    md = run(*gate_args(tmp, "--exit-zero", "--format", "markdown")).stdout
    assert "**Not enforcing** (`--exit-zero`): would fail" in md
    gh = run(*gate_args(tmp, "--exit-zero", "--format", "github")).stdout
    assert gh.startswith("::warning title=archplan%3A not enforcing::archplan gate is not enforcing")
    junit = ET.fromstring(run(*gate_args(tmp, "--exit-zero", "--format", "junit")).stdout)
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props["archplan.enforcing"] == "false"


def test_exit_zero_does_not_hide_errors(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("no-such-rule")])
    assert run(*gate_args(tmp, "--exit-zero", "--waivers", wf)).exit_code == 2


def test_exit_zero_with_fail_on_never_cannot_apply(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path), "--exit-zero", "--fail-on", "never"))
    assert result.exit_code == 2 and "--exit-zero cannot apply with --fail-on never" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# Fail closed
# ---------------------------------------------------------------------------------------------------------


def test_no_rules_loaded_exits_2(tmp_path: Any) -> None:
    result = run("check", design(str(tmp_path)), "--no-builtin")
    assert result.exit_code == 2 and "no rules loaded" in result.stderr


def test_no_facts_found_exits_2(tmp_path: Any) -> None:
    empty = write(str(tmp_path), "d/api.yaml", "source: api\n")
    result = run("check", empty)
    assert result.exit_code == 2 and "no facts found" in result.stderr


def test_an_internal_error_exits_2_and_writes_nothing(tmp_path: Any, monkeypatch: Any) -> None:
    import engine.gate.sarif

    def broken(gate: Any) -> bytes:
        raise RuntimeError("renderer bug")

    monkeypatch.delenv("ARCHPLAN_DEBUG", raising=False)
    monkeypatch.setattr(engine.gate.sarif, "to_sarif_bytes", broken)
    tmp = str(tmp_path)
    junit = os.path.join(tmp, "out.xml")
    result = run(*gate_args(tmp, "--exit-zero", "--output", f"junit={junit}", "--output",
                            f"sarif={os.path.join(tmp, 'out.sarif')}"))
    assert result.exit_code == 2
    assert "internal error: RuntimeError: renderer bug" in result.stderr and "Traceback" not in result.output
    assert not os.path.exists(junit)


# ---------------------------------------------------------------------------------------------------------
# Several outputs in one run
# ---------------------------------------------------------------------------------------------------------


def test_several_outputs_are_written_in_one_run(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    paths = {f: os.path.join(tmp, f"out.{f}") for f in ("sarif", "junit", "markdown", "json", "github")}
    args = [a for f, p in paths.items() for a in ("--output", f"{f}={p}")]
    result = run(*gate_args(tmp, *args))
    assert result.exit_code == 1
    assert result.stdout.rstrip().endswith("3 at or above 'high'.")  # the text report still goes to stdout
    with open(paths["sarif"], encoding="utf-8") as fh:
        assert json.load(fh)["version"] == "2.1.0"
    with open(paths["json"], encoding="utf-8") as fh:
        assert json.load(fh)["gate"]["failing"] == 3
    ET.parse(paths["junit"])
    with open(paths["markdown"], encoding="utf-8") as fh:
        assert fh.read().startswith("## archplan review gate")
    with open(paths["github"], encoding="utf-8") as fh:
        assert fh.read().startswith("::error ")


def test_a_bare_output_path_takes_the_format_report(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    out = os.path.join(tmp, "r.sarif")
    result = run(*gate_args(tmp, "--format", "sarif", "-o", out))
    assert result.stdout == ""
    with open(out, encoding="utf-8") as fh:
        assert json.load(fh)["runs"]


def test_outputs_are_all_or_nothing(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    sarif = os.path.join(tmp, "out.sarif")
    with open(sarif, "w", encoding="utf-8") as fh:
        fh.write("previous")
    # junit's parent would be made, then sarif cannot be written (its parent is a file): nothing changes,
    # and the directory made for junit is removed again.
    result = run(*gate_args(tmp, "--output", f"junit={os.path.join(tmp, 'new', 'dir', 'out.xml')}", "--output",
                            f"sarif={os.path.join(sarif, 'x.sarif')}"))
    assert result.exit_code == 2 and "out.sarif is not a directory" in result.stderr
    with open(sarif, encoding="utf-8") as fh:
        assert fh.read() == "previous"
    assert sorted(os.listdir(tmp)) == sorted(["d", "out.sarif", "pack"])  # no temporary file left behind


@pytest.mark.parametrize(("args", "message"), [
    (["--output", "sarf=x.sarif"], "unknown format 'sarf' (did you mean 'sarif'?)"),
    (["--output", "a.txt", "--output", "b.txt"], "--output PATH given more than once"),
    (["--output", "sarif=x.json", "--output", "json=x.json"], "two outputs write to the same file"),
    (["--output", "sarif=-"], "only the --format report can go to standard output"),
], ids=["unknown-format", "two-bare-paths", "same-file", "second-stdout"])
def test_outputs_that_cannot_apply_exit_2(tmp_path: Any, monkeypatch: Any, args: list[str], message: str) -> None:
    monkeypatch.chdir(str(tmp_path))
    result = run(*gate_args(str(tmp_path), *args))
    assert result.exit_code == 2 and message in result.stderr


def test_an_output_inside_the_design_is_refused(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    result = run(*gate_args(tmp, "--output", f"json={os.path.join(tmp, 'd', 'report.json')}"))
    assert result.exit_code == 2 and "inside the design directory" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# JUnit
# ---------------------------------------------------------------------------------------------------------


def test_junit_has_a_suite_per_category_and_fails_the_findings_at_the_threshold(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver(), waiver("t-sync-call", "interaction:zz")])
    root = ET.fromstring(run(*gate_args(tmp, "--format", "junit", "--waivers", wf)).stdout)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert sorted(suites) == ["archplan.gate", "archplan.resilience", "archplan.security"]
    res = suites["archplan.resilience"]
    assert (res.get("tests"), res.get("failures"), res.get("skipped")) == ("3", "2", "1")
    skipped = [c for c in res.iter("testcase") if c.find("skipped") is not None]
    assert skipped[0].get("name") == "t-sync-call @ interaction:a->b"
    assert "waived until 2026-11-30 by team-a" in skipped[0].find("skipped").get("message")  # type: ignore[union-attr]
    sec = suites["archplan.security"]
    assert sec.get("failures") == "0"  # medium, below 'high'
    case = next(sec.iter("testcase"))
    assert case.get("file") and case.get("line") and case.find("system-out") is not None
    gate_cases = {c.get("name"): c for c in suites["archplan.gate"].iter("testcase")}
    assert gate_cases["gate"].find("failure") is not None
    assert gate_cases["waiver t-sync-call @ interaction:zz"].find("system-out") is not None
    assert root.get("tests") == "6" and root.get("failures") == "3"


# ---------------------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------------------


def test_github_annotations_point_at_file_line_and_column(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    lines = run(*gate_args(tmp, "--format", "github")).stdout.splitlines()
    errors = [x for x in lines if x.startswith("::error ")]
    assert len(errors) == 3
    first = next(x for x in errors if "interaction[a->b]" in x)
    assert first.startswith("::error file=d/api.yaml,line=")
    assert ",col=" in first and ",title=high%3A Test rule t-sync-call [t-sync-call]::interaction[a->b].style" in first
    assert any(x.startswith("::warning file=d/api.yaml") and "endpoint[GET /x]" in x for x in lines)
    assert lines[-1] == "archplan gate failed: 3 findings at or above 'high'"


def test_github_values_are_escaped_as_the_runner_expects() -> None:
    assert escape_data("50% done\nnext\r") == "50%25 done%0Anext%0D"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_appends_a_step_summary(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    summary = write(tmp, "summary.md", "earlier step\n")
    result = run(*gate_args(tmp, "--format", "github"), env={"GITHUB_STEP_SUMMARY": summary})
    assert result.exit_code == 1
    with open(summary, encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("earlier step\n## archplan review gate")
    assert "❌ **Failed**" in text


# ---------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------


def test_markdown_comment_tables_the_failing_findings_and_folds_the_rest(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver()])
    md = run(*gate_args(tmp, "--format", "markdown", "--waivers", wf)).stdout
    head = md.partition("<details>")[0]
    assert "❌ **Failed** — threshold `high`" in head
    assert "| 4 | 0 | 3 | 1 | 0 | 2 | 1 | 0 |" in head
    assert "### Findings at or above `high`" in head
    # one row per rule, naming the subjects it reaches (the step summary keeps one row per finding)
    assert "| high | `t-sync-call` | a-&gt;c, c-&gt;db |" in head and head.count("`t-sync-call`") == 1
    assert "interaction[a-&gt;b]" not in head  # waived: folded away
    assert "<summary>1 finding below the threshold</summary>" in md
    assert "<summary>1 waived finding</summary>" in md and "accepted for the pilot — team-a, until 2026-11-30" in md


def test_markdown_cells_cannot_break_the_table(tmp_path: Any) -> None:
    from engine.gate.markdown import cell

    assert cell("a|b\n<script>") == "a\\|b &lt;script&gt;"


def test_markdown_passes_on_a_clean_gate(tmp_path: Any) -> None:
    md = run(*gate_args(str(tmp_path), "--format", "markdown", "--fail-on", "critical")).stdout
    assert "✅ **Passed**" in md and "No new finding at or above `critical`." in md


# ---------------------------------------------------------------------------------------------------------
# Text stays the engine's report when the gate has nothing to add
# ---------------------------------------------------------------------------------------------------------


def test_plain_text_report_is_unchanged_without_gate_features() -> None:
    from engine.report import to_text
    from engine.review import review

    expected = to_text(review([SHOP]), "never")
    assert run("check", SHOP, "--fail-on", "never", "--no-config").stdout == expected


def test_today_option_is_hidden_from_help() -> None:
    text = run("check", "--help").stdout
    assert "--today" not in text and "--exit-zero" in text and "FORMAT=PATH" in text and TODAY not in text


def test_check_still_accepts_rules_from_a_pack(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    assert run("check", design(tmp), "--no-builtin", "--rules", pack(tmp), "--fail-on", "never").exit_code == 0


def test_markdown_comment_stays_under_the_comment_size_limit(tmp_path: Any, monkeypatch: Any) -> None:
    import engine.gate.markdown as md_module
    from tests.helpers import write_yaml

    tmp = str(tmp_path)
    services = [{"name": f"service-{i:03d}"} for i in range(301)]
    calls = [{"from": f"service-{i:03d}", "to": f"service-{i + 1:03d}", "style": "sync"} for i in range(300)]
    d = os.path.join(tmp, "big")
    write_yaml(d, "api.yaml", {"source": "api", "services": services, "interactions": calls})
    args = ["check", d, "--no-builtin", "--rules", pack(tmp), "--format", "markdown"]
    text = run(*args).stdout
    assert len(text) <= md_module.MAX_CHARS
    assert "| 300 | 0 | 300 | 0 | 0 | 300 | 0 | 0 |" in text
    (row,) = [ln for ln in text.splitlines() if "`t-sync-call`" in ln]  # 300 findings of one rule: one row
    assert "and 294 more" in row and " +299 |" in row
    # The step summary keeps every finding, and is cut to fit GitHub's limit for a step summary.
    summary = os.path.join(tmp, "summary.md")
    run(*args, "--format", "github", env={"GITHUB_STEP_SUMMARY": summary})
    with open(summary, encoding="utf-8") as fh:
        full = fh.read()
    assert full.count("`t-sync-call`") == 300
    monkeypatch.setattr(md_module, "MAX_SUMMARY_BYTES", 20_000)
    os.remove(summary)
    run(*args, "--format", "github", env={"GITHUB_STEP_SUMMARY": summary})
    with open(summary, encoding="utf-8") as fh:
        cut = fh.read()
    shown = cut.count("`t-sync-call`")
    assert len(cut.encode()) <= 20_000 and shown < 300 and f"…and {300 - shown} more" in cut


def test_a_write_failure_midway_replaces_no_output(tmp_path: Any, monkeypatch: Any) -> None:
    import tempfile as tempfile_module

    from engine.errors import UsageError
    from engine.gate import output

    tmp = str(tmp_path)
    first, second = os.path.join(tmp, "a.sarif"), os.path.join(tmp, "b.xml")
    for path in (first, second):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("old")
    real = tempfile_module.mkstemp
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile_module, "mkstemp", flaky)  # what gate.output imports when it writes
    with pytest.raises(UsageError, match="No space left on device"):
        output.write_all([(first, "new"), (second, "new")])
    for path in (first, second):
        with open(path, encoding="utf-8") as fh:
            assert fh.read() == "old"
    assert sorted(os.listdir(tmp)) == ["a.sarif", "b.xml"]
