"""Waivers: accepted risks with an owner, a reason and an expiry date; expired and unused ones are reported."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from engine.gate.core import today
from tests.gate_helpers import TODAY, design, gate_args, pack, run, waiver, waivers_file
from tests.helpers import write


def statuses(stdout: str) -> dict[str, str]:
    data = json.loads(stdout)
    return {f"{f['rule']}@{f['subjects'][0]}": f["status"] for f in data["findings"]}


def test_a_waived_finding_does_not_fail_the_gate_but_is_listed_as_waived(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:*")])
    result = run(*gate_args(tmp, "--waivers", wf))
    assert result.exit_code == 0, result.output
    assert "Waived (3): accepted risks that do not fail the gate" in result.stdout
    assert "team-a until 2026-11-30" in result.stdout
    assert result.stdout.rstrip().endswith("archplan gate passed")
    js = run(*gate_args(tmp, "--waivers", wf, "--format", "json"))
    st = statuses(js.stdout)
    assert st["t-sync-call@interaction:a->b"] == "waived" and st["t-public-endpoint@endpoint:GET /x"] == "active"
    gate = json.loads(js.stdout)["gate"]
    assert gate["waived"][0]["waiver"]["owner"] == "team-a" and gate["status"] == "pass"


def test_without_the_waiver_the_same_design_fails(tmp_path: Any) -> None:
    assert run(*gate_args(str(tmp_path))).exit_code == 1


def test_a_waiver_covers_only_the_subjects_it_names(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:a->b")])
    result = run(*gate_args(tmp, "--waivers", wf, "--format", "json"))
    assert result.exit_code == 1  # a->c and c->db are still high
    st = statuses(result.stdout)
    assert st["t-sync-call@interaction:a->b"] == "waived"
    assert st["t-sync-call@interaction:a->c"] == "active"


def test_rule_wildcards_match_rule_ids(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-*", "*")])
    result = run(*gate_args(tmp, "--waivers", wf, "--format", "json", "--fail-on", "low"))
    assert result.exit_code == 0, result.output
    assert set(statuses(result.stdout).values()) == {"waived"}


def test_waivers_declared_in_the_design_apply(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp, waivers=[waiver("t-sync-call", "interaction:*")])
    result = run("check", d, "--no-builtin", "--rules", pack(tmp), "--today", TODAY, "--format", "json")
    assert result.exit_code == 0, result.output
    w = json.loads(result.stdout)["gate"]["waived"][0]["waiver"]
    assert w["declared_in"] == "design" and w["file"].endswith("api.yaml") and w["line"] > 0


def test_an_expired_waiver_fails_the_gate_and_says_where_it_is(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:*", expires="2026-06-14"),
                            waiver("t-public-endpoint", "endpoint:*", expires="2026-06-14")])
    result = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "critical"))
    assert result.exit_code == 1, result.output
    assert f"{wf}:3:" in result.stdout and "expired on 2026-06-14 (owner team-a)" in result.stdout
    assert "archplan gate failed" in result.stdout


def test_a_waiver_holds_through_its_expiry_day_and_fails_the_day_after(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-*", "*", expires="2026-06-15")])
    on_the_day = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "low"))
    assert on_the_day.exit_code == 0, on_the_day.output
    args = gate_args(tmp, "--waivers", wf, "--fail-on", "low")
    args[args.index("--today") + 1] = "2026-06-16"
    day_after = run(*args)
    assert day_after.exit_code == 1
    assert "expired on 2026-06-15" in day_after.stdout
    # An expired waiver waives nothing: the findings it covered count again.
    assert "a calls b synchronously" in day_after.stdout


def test_today_comes_from_the_option_then_the_environment_then_the_clock(monkeypatch: Any) -> None:
    monkeypatch.delenv("ARCHPLAN_TODAY", raising=False)
    before = dt.datetime.now(dt.UTC).date()
    assert today(None) in (before, dt.datetime.now(dt.UTC).date())
    monkeypatch.setenv("ARCHPLAN_TODAY", "2030-01-02")
    assert today(None) == dt.date(2030, 1, 2)
    assert today("2031-03-04") == dt.date(2031, 3, 4)


def test_expiry_follows_archplan_today_in_the_cli(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-*", "*", expires="2026-06-15")])
    args = [a for a in gate_args(tmp, "--waivers", wf) if a not in ("--today", TODAY)]
    assert run(*args, env={"ARCHPLAN_TODAY": "2026-06-10"}).exit_code == 0
    assert run(*args, env={"ARCHPLAN_TODAY": "2026-07-01"}).exit_code == 1


def test_a_bad_today_is_a_usage_error(tmp_path: Any) -> None:
    args = gate_args(str(tmp_path))
    args[args.index("--today") + 1] = "15/06/2026"
    result = run(*args)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_an_unused_waiver_is_reported_with_a_hint(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:a->bb")])
    result = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "never"))
    assert result.exit_code == 0
    assert (f"{wf}:3:3: warning: unused waiver for t-sync-call on interaction:a->bb: it matches no finding "
            "(no subject 'interaction:a->bb' in this design (did you mean 'interaction:a->b'?))") in result.stdout
    js = json.loads(run(*gate_args(tmp, "--waivers", wf, "--fail-on", "never", "--format", "json")).stdout)
    assert js["gate"]["unused_waivers"][0]["subject"] == "interaction:a->bb"


def test_unused_waivers_fail_the_gate_when_asked(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:zz")])
    result = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "never", "--fail-on-unused-waivers"))
    assert result.exit_code == 1
    assert "(--fail-on-unused-waivers)" in result.stdout


def test_machine_formats_still_warn_about_waiver_problems_on_stderr(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-call", "interaction:zz"), waiver(expires="2020-01-01")])
    result = run(*gate_args(tmp, "--waivers", wf, "--format", "sarif"))
    assert "unused waiver" in result.stderr and "expired on 2020-01-01" in result.stderr
    json.loads(result.stdout)  # stdout stays pure SARIF


def test_no_waivers_disregards_them_all(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp, waivers=[waiver("t-*", "*")])
    base = ["check", d, "--no-builtin", "--rules", pack(tmp), "--today", TODAY]
    assert run(*base).exit_code == 0
    assert run(*base, "--no-waivers").exit_code == 1


def test_no_waivers_with_a_waivers_file_cannot_apply(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver()])
    result = run(*gate_args(tmp, "--waivers", wf, "--no-waivers"))
    assert result.exit_code == 2 and "contradict" in result.stderr


def test_an_unknown_rule_id_in_a_waiver_is_an_error_with_did_you_mean(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("t-sync-cal", "interaction:a->b")])
    result = run(*gate_args(tmp, "--waivers", wf))
    assert result.exit_code == 2
    assert f"{wf}:3:3: waivers[0].rule: unknown rule id 't-sync-cal' (did you mean 't-sync-call'?)" in result.stderr
    assert "Traceback" not in result.output


def test_a_rule_pattern_matching_no_rule_is_an_error(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("sec-*", "*")])
    result = run(*gate_args(tmp, "--waivers", wf))
    assert result.exit_code == 2 and "rule pattern 'sec-*' matches no loaded rule" in result.stderr


def test_the_information_gap_rule_can_be_waived(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver("information-gap", "*")])
    result = run(*gate_args(tmp, "--waivers", wf, "--fail-on", "never"))
    assert result.exit_code == 0
    assert "unused waiver for information-gap" in result.stdout  # known id, but this design has no gap


def test_a_malformed_waiver_names_each_problem_with_its_place(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = write(tmp, "w.yaml", """
        waivers:
          - rule: t-sync-call
            subject: interaction:a->b
            reson: typo
            owner: ""
            expires: 2026-13-01
        """)
    result = run(*gate_args(tmp, "--waivers", wf))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    # The YAML date is checked when the file is read, before the entry is.
    assert f"{wf}:6:" in result.stderr


def test_missing_and_unknown_keys_are_reported_together(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = write(tmp, "w.yaml", """
        waivers:
          - rule: t-sync-call
            subject: interaction:a->b
            reson: typo
            owner: ""
            expires: "2026-12-01T10:00"
        """)
    err = run(*gate_args(tmp, "--waivers", wf)).stderr
    assert f"{wf}:4:5: waivers[0].reson: unknown key 'reson' (did you mean 'reason'?)" in err
    assert f"{wf}:2:5: waivers[0].reason: missing required key 'reason'" in err
    assert f"{wf}:5:5: waivers[0].owner: 'owner' must be non-empty text" in err
    assert f"{wf}:6:5: waivers[0].expires: 'expires' must be a date written YYYY-MM-DD" in err


def test_a_waivers_file_must_have_the_documented_shape(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = write(tmp, "w.yaml", "waiver: []\nversion: 2\n")
    err = run(*gate_args(tmp, "--waivers", wf)).stderr
    assert "unknown key 'waiver' (did you mean 'waivers'?)" in err
    assert "unsupported version" in err and "missing 'waivers:' list" in err


def test_a_bad_waivers_section_in_a_design_is_an_input_error(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp, waivers=[{"rule": "t-sync-call"}])
    result = run("check", d, "--no-builtin", "--rules", pack(tmp), "--today", TODAY)
    assert result.exit_code == 2
    assert "waivers[0].subject: missing required key 'subject'" in result.stderr


def test_a_missing_waivers_file_is_an_error(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path), "--waivers", os.path.join(str(tmp_path), "none.yaml")))
    assert result.exit_code == 2 and "cannot read file" in result.stderr


def test_the_design_schema_documents_the_waivers_section(tmp_path: Any) -> None:
    import jsonschema
    import yaml

    schema = json.loads(run("schema").stdout)
    d = design(str(tmp_path), waivers=[waiver(ticket="OPS-1")])
    with open(os.path.join(d, "api.yaml"), encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["waivers"][0]["expires"] = "2026-11-30"  # as an editor's YAML 1.2 language server reads it
    jsonschema.Draft202012Validator(schema).validate(data)
    data["waivers"][0]["reson"] = "typo"
    assert not jsonschema.Draft202012Validator(schema).is_valid(data)
