"""GitHub annotations: at most 10 per level, the most severe first, one notice counting the rest, and the
complete table in the step summary."""

from __future__ import annotations

import json
import os
from typing import Any

from tests.gate_helpers import TODAY, run
from tests.helpers import rule_yaml, write, write_yaml


def _pack(tmp: str) -> str:
    """Critical on stream calls, high on sync calls, medium on public endpoints, low on single replicas."""
    d = os.path.join(tmp, "pack")
    call = [{"as": "call", "kind": "interaction", "where": {"style": "stream"}}]
    write_yaml(d, "resilience/t-stream-call.yaml", rule_yaml("t-stream-call", call, risk={
        "subject": "call", "likelihood": "almost_certain", "impact": "severe", "message": "{call.to} streams"}))
    call = [{"as": "call", "kind": "interaction", "where": {"style": "sync"}}]
    write_yaml(d, "resilience/t-sync-call.yaml", rule_yaml("t-sync-call", call, risk={
        "subject": "call", "likelihood": "likely", "impact": "major", "message": "{call.to} is sync"}))
    ep = [{"as": "ep", "kind": "endpoint", "where": {"exposure": "public"}}]
    write_yaml(d, "security/t-public.yaml", rule_yaml("t-public", ep, category="security", risk={
        "subject": "ep", "likelihood": "possible", "impact": "major", "message": "{ep.path} is public"}))
    svc = [{"as": "svc", "kind": "service", "where": {"replicas": 1}}]
    write_yaml(d, "resilience/t-one.yaml", rule_yaml("t-one", svc, risk={
        "subject": "svc", "likelihood": "rare", "impact": "minor", "message": "{svc.name} has one replica"}))
    return d


def _design(tmp: str) -> str:
    """12 low (lines 3-14), 12 high (16-27), 3 critical (28-30), 12 medium (32-43) findings."""
    lines = ["source: api", "services:"]
    lines += [f"  - {{name: s{i:02d}, replicas: 1}}" for i in range(12)]
    lines += ["interactions:"]
    lines += [f"  - {{from: s{i:02d}, to: s{(i + 1) % 12:02d}, style: sync}}" for i in range(12)]
    lines += [f"  - {{from: s{i:02d}, to: s{i + 2:02d}, style: stream}}" for i in range(3)]
    lines += ["endpoints:"]
    lines += [f"  - {{method: GET, path: /e{i:02d}, served_by: s{i:02d}, exposure: public}}" for i in range(12)]
    write(tmp, "d/api.yaml", "\n".join(lines) + "\n")
    return os.path.join(tmp, "d")


def _github(tmp: str, env: dict[str, str], *args: str) -> Any:
    return run("check", _design(tmp), "--no-builtin", "--rules", _pack(tmp), "--today", TODAY, "--format", "github",
               *args, env=env)


def _ann(level: str, line: int, col: int, sev: str, rule: str, path: str, message: str, subject: str) -> str:
    title = f"{sev}%3A Test rule {rule} [{rule}]"
    return (f"::{level} file=d/api.yaml,line={line},col={col},title={title}::{path}: {message} "
            f"(archplan explain DESIGN <{rule}@{subject}>)")


def _with_ids(tmp: str, lines: list[str]) -> list[str]:
    """The expected lines with each ``<rule@subject>`` replaced by that finding's id (a hash)."""
    report = json.loads(run("check", _design(tmp), "--no-builtin", "--rules", _pack(tmp), "--format", "json").stdout)
    ids = {f"<{f['rule']}@{f['subjects'][0]}>": f["id"] for f in report["findings"]}
    out = []
    for line in lines:
        text = line
        for name, fid in ids.items():
            text = text.replace(name, fid)
        out.append(text)
    return out


EXPECTED = [
    # errors: the 3 critical first, though they come last in the file, then the first 7 high by line
    *[_ann("error", 28 + i, 5, "critical", "t-stream-call", f"interaction[s{i:02d}->s{i + 2:02d}]",
           f"s{i + 2:02d} streams", f"interaction:s{i:02d}->s{i + 2:02d}") for i in range(3)],
    *[_ann("error", 16 + i, 5, "high", "t-sync-call", f"interaction[s{i:02d}->s{i + 1:02d}]",
           f"s{i + 1:02d} is sync", f"interaction:s{i:02d}->s{i + 1:02d}") for i in range(7)],
    # warnings: the first 10 medium by line
    *[_ann("warning", 32 + i, 5, "medium", "t-public", f"endpoint[GET /e{i:02d}]", f"/e{i:02d} is public",
           f"endpoint:GET /e{i:02d}") for i in range(10)],
    # notices: 9 low, then the notice counting what is left out
    *[_ann("notice", 3 + i, 5, "low", "t-one", f"service[s{i:02d}]", f"s{i:02d} has one replica",
           f"service:s{i:02d}") for i in range(9)],
]
LEFT_OUT = ("::notice title=archplan%3A 10 more not annotated::and 10 more findings (5 high, 2 medium, 3 low) "
            "not annotated: GitHub shows at most 10 annotations of each level per step; ")


def test_each_level_keeps_its_ten_most_severe_and_a_notice_counts_the_rest(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    summary = os.path.join(tmp, "summary.md")
    result = _github(tmp, {"GITHUB_STEP_SUMMARY": summary})
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == _with_ids(tmp, [
        *EXPECTED, LEFT_OUT + "see the step summary for the full table",
        "archplan gate failed: 15 findings at or above 'high'"])


def test_the_step_summary_holds_every_finding(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    summary = write(tmp, "summary.md", "earlier step\n")
    assert _github(tmp, {"GITHUB_STEP_SUMMARY": summary}).exit_code == 1
    with open(summary, encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("earlier step\n## archplan review gate\n\n❌ **Failed** — threshold `high`\n")
    assert "| 39 | 3 | 12 | 12 | 12 | 15 | 0 | 0 |" in text
    failing, _, rest = text.partition("<summary>24 findings below the threshold</summary>")
    rows = [x for x in failing.splitlines() if x.startswith(("| critical |", "| high |"))]
    assert len(rows) == 15  # all of them, where the annotations show 10
    assert rows[0] == ("| critical | `t-stream-call` | interaction[s00-&gt;s02] | d/api.yaml:28 | s02 streams |")
    assert rows[-1] == "| high | `t-sync-call` | interaction[s11-&gt;s00] | d/api.yaml:27 | s00 is sync |"
    assert sum(x.startswith(("| medium |", "| low |")) for x in rest.splitlines()) == 24
    assert "more (see the SARIF or JSON report)" not in text


def test_without_a_step_summary_no_file_is_written_and_the_notice_points_at_the_reports(
        tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    before = sorted(os.listdir(tmp))
    result = _github(tmp, {})
    assert result.stdout.splitlines()[-2] == LEFT_OUT + "see the full report (--format markdown, json or sarif)"
    assert sorted(os.listdir(tmp)) == sorted([*before, "d", "pack"])  # only the test's own design and pack


def test_the_threshold_decides_the_level_and_a_level_of_ten_or_fewer_is_shown_whole(tmp_path: Any,
                                                                                     monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    result = _github(tmp, {}, "--fail-on", "critical")  # errors: the 3 critical; warnings: 12 high + 12 medium
    lines = result.stdout.splitlines()
    assert [x.split(" ", 1)[0] for x in lines].count("::error") == 3
    assert [x.split(" ", 1)[0] for x in lines].count("::warning") == 10
    assert all("t-public" not in x for x in lines if x.startswith("::warning"))  # high before medium
    assert lines[-2].startswith("::notice title=archplan%3A 17 more not annotated::and 17 more findings "
                                "(2 high, 12 medium, 3 low)")


def test_an_expired_waiver_keeps_its_annotation_however_many_findings_fail(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    waivers = write(tmp, "waivers.yaml", "version: 1\nwaivers:\n  - rule: t-one\n    subject: service:s00\n"
                                         "    reason: pilot\n    owner: team-a\n    expires: 2026-01-31\n")
    lines = _github(tmp, {}, "--waivers", waivers).stdout.splitlines()
    errors = [x for x in lines if x.startswith("::error ")]
    assert len(errors) == 10
    assert errors[0].startswith("::error file=waivers.yaml,line=3,col=5,title=archplan%3A expired waiver::")
    assert "critical%3A" in errors[1] and "critical%3A" in errors[3] and "high%3A" in errors[4]
    assert "and 11 more findings (6 high, 2 medium, 3 low)" in lines[-2]
