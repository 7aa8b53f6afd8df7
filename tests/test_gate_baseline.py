"""Baselines: adopt the gate on an existing design; only findings not recorded fail it."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from engine.review import review
from tests.gate_helpers import TODAY, design, edit, pack, run
from tests.helpers import write_yaml


def make_baseline(tmp: str, d: str) -> str:
    out = os.path.join(tmp, "baseline.json")
    result = run("baseline", d, "--no-builtin", "--rules", pack(tmp), "-o", out)
    assert result.exit_code == 0, result.output
    assert "baseline of 4 findings written" in result.stderr
    return out


def read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def check(tmp: str, d: str, *args: str) -> Any:
    return run("check", d, "--no-builtin", "--rules", pack(tmp), "--today", TODAY, *args)


def test_baseline_records_sorted_fingerprints_with_rule_subject_and_file(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    out = make_baseline(tmp, design(tmp))
    with open(out, encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["archplan_baseline"] == 1 and data["tool"]["name"] == "archplan"
    entries = data["entries"]
    assert [(e["file"], e["rule"], e["subject"]) for e in entries] == [
        ("api.yaml", "t-public-endpoint", "endpoint:GET /x"),
        ("api.yaml", "t-sync-call", "interaction:a->b"),
        ("api.yaml", "t-sync-call", "interaction:a->c"),
        ("database.yaml", "t-sync-call", "interaction:c->db"),
    ]
    assert all(len(e["fingerprint"]) == 20 for e in entries)


def test_baseline_is_byte_identical_across_runs(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    first = read(make_baseline(tmp, d))
    second = read(make_baseline(tmp, d))
    assert first == second and "time" not in first


def test_a_baseline_hides_only_the_old_findings(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    base = make_baseline(tmp, d)
    assert check(tmp, d).exit_code == 1
    assert check(tmp, d, "--baseline", base).exit_code == 0
    # A new sync call appears: it alone fails the gate.
    api = os.path.join(d, "api.yaml")
    with open(api, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["interactions"].append({"from": "b", "to": "a", "style": "sync"})
    write_yaml(d, "api.yaml", data)
    result = check(tmp, d, "--baseline", base, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    active = [f["subjects"][0] for f in report["findings"] if f["status"] == "active"]
    assert active == ["interaction:b->a"]
    assert report["gate"]["baseline"] == {**report["gate"]["baseline"], "entries": 4, "matched": 4, "stale": 0}


def test_stale_baseline_entries_are_counted(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    base = make_baseline(tmp, d)
    edit(os.path.join(d, "database.yaml"), "style: sync", "style: async")
    result = check(tmp, d, "--baseline", base)
    assert result.exit_code == 0
    assert "3 of 4 entries matched, 1 stale" in result.stdout


def test_moving_text_around_changes_no_fingerprint(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    before = {f.fingerprint for f in review([d], [pack(tmp)], builtin=False).findings}
    api = os.path.join(d, "api.yaml")
    with open(api, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["interactions"].reverse()
    data = {k: data[k] for k in reversed(list(data))}  # sections in another order too
    write_yaml(d, "api.yaml", data)
    with open(api, encoding="utf-8") as fh:
        text = fh.read()
    with open(api, "w", encoding="utf-8") as fh:
        fh.write("# a comment on top\n\n\n" + text.replace("\n", "\n\n"))
    moved = review([d], [pack(tmp)], builtin=False)
    assert {f.fingerprint for f in moved.findings} == before
    assert check(tmp, d, "--baseline", make_baseline(tmp, d)).exit_code == 0


def test_a_baseline_entry_for_one_file_cannot_hide_the_same_finding_in_another(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    base = make_baseline(tmp, d)
    # Move the c->db call from database.yaml to api.yaml: same rule, same subject, other file.
    edit(os.path.join(d, "database.yaml"), "interactions:\n- from: c\n  to: db\n  style: sync\n", "")
    api = os.path.join(d, "api.yaml")
    with open(api, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["interactions"].append({"from": "c", "to": "db", "style": "sync"})
    write_yaml(d, "api.yaml", data)
    result = check(tmp, d, "--baseline", base, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    active = [(f["subjects"][0], f["location"]["file"]) for f in report["findings"] if f["status"] == "active"]
    assert len(active) == 1 and active[0][0] == "interaction:c->db" and active[0][1].endswith("api.yaml")
    assert report["gate"]["baseline"]["stale"] == 1


def test_adding_a_file_elsewhere_in_the_design_changes_no_fingerprint(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    base = make_baseline(tmp, d)
    write_yaml(os.path.join(d, "more"), "security.yaml", {"source": "security", "services": [{"name": "z"}]})
    assert check(tmp, d, "--baseline", base).exit_code == 0


def test_a_hand_edited_entry_is_an_error(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    base = make_baseline(tmp, d)
    with open(base, encoding="utf-8") as fh:
        data = json.load(fh)
    data["entries"][0]["file"] = "other.yaml"  # try to make one entry cover another file
    with open(base, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    result = check(tmp, d, "--baseline", base)
    assert result.exit_code == 2
    assert f"{base}:4:5: entries[0].fingerprint" in result.stderr and "edited by hand" in result.stderr


def test_a_file_that_is_not_a_baseline_is_an_error(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    other = write_yaml(tmp, "x.json", {"entries": []})
    result = check(tmp, d, "--baseline", other)
    assert result.exit_code == 2 and "not an archplan baseline" in result.stderr
    missing = check(tmp, d, "--baseline", os.path.join(tmp, "none.json"))
    assert missing.exit_code == 2 and "cannot read file" in missing.stderr


def test_baseline_command_refuses_the_baseline_flag(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    result = run("baseline", design(tmp), "--no-builtin", "--rules", pack(tmp), "-o", "b.json", "--baseline", "x")
    assert result.exit_code == 2 and "No such option '--baseline'" in result.output


def test_baseline_will_not_write_into_the_design_directory(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    d = design(tmp)
    result = run("baseline", d, "--no-builtin", "--rules", pack(tmp), "-o", os.path.join(d, "baseline.json"))
    assert result.exit_code == 2 and "inside the design directory" in result.stderr


def test_baseline_fails_closed_without_rules(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    result = run("baseline", design(tmp), "--no-builtin", "-o", os.path.join(tmp, "b.json"))
    assert result.exit_code == 2 and "no rules loaded" in result.stderr
    assert not os.path.exists(os.path.join(tmp, "b.json"))


def test_baseline_honours_the_same_limits_as_check(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    result = run("baseline", design(tmp), "--no-builtin", "--rules", pack(tmp), "-o", os.path.join(tmp, "b.json"),
                 "--max-facts", "2")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not os.path.exists(os.path.join(tmp, "b.json"))
