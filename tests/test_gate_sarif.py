"""SARIF output: valid against the official 2.1.0 schema, and shaped as GitHub code scanning reads it."""

from __future__ import annotations

import json
import os
from typing import Any

import jsonschema
import pytest

from engine.gate.common import one_line
from engine.gate.sarif import FINGERPRINT_KEY
from tests.gate_helpers import SCHEMA, SHOP, TODAY, design, gate_args, pack, run, waiver, waivers_file


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    with open(SCHEMA, encoding="utf-8") as fh:
        schema = json.load(fh)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sarif(tmp: str, *args: str) -> dict[str, Any]:
    result = run(*gate_args(tmp, "--format", "sarif", *args))
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_sarif_of_the_example_design_is_valid_against_the_schema(validator: jsonschema.Draft4Validator,
                                                                  tmp_path: Any) -> None:
    out = os.path.join(str(tmp_path), "shop.sarif")
    result = run("check", SHOP, "--output", f"sarif={out}", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as fh:
        log = json.load(fh)
    assert_valid(validator, log)
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "archplan" and driver["informationUri"].startswith("https://")
    assert log["runs"][0]["results"], "the example design has findings"
    for res in log["runs"][0]["results"]:
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("facts/shop/"), uri  # relative to the repository root


def test_sarif_with_waivers_baseline_and_exit_zero_is_still_valid(validator: jsonschema.Draft4Validator,
                                                                  tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    base = os.path.join(tmp, "base.json")
    assert run("baseline", design(tmp), "--no-builtin", "--rules", pack(tmp), "-o", base).exit_code == 0
    wf = waivers_file(tmp, [waiver(), waiver("t-public-endpoint", "endpoint:*", "2026-01-01"),
                            waiver("t-sync-call", "interaction:nope->x")])
    log = sarif(tmp, "--waivers", wf, "--baseline", base, "--include-waived", "--exit-zero")
    assert_valid(validator, log)
    run0 = log["runs"][0]
    notes = [n["message"]["text"] for n in run0["invocations"][0]["toolExecutionNotifications"]]
    assert any("not enforcing" in n for n in notes)
    assert any("expired on 2026-01-01" in n for n in notes)
    assert any("unused waiver" in n for n in notes)
    assert run0["properties"]["archplan"]["enforcing"] is False
    assert {r["baselineState"] for r in run0["results"]} == {"unchanged"}
    suppressed = [r for r in run0["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    sup = suppressed[0]["suppressions"][0]
    assert sup == {**sup, "kind": "external", "status": "accepted", "justification": "accepted for the pilot"}
    assert sup["properties"]["expires"] == "2026-11-30"


def test_each_result_has_rule_level_message_path_one_location_and_fingerprint(tmp_path: Any, monkeypatch: Any
                                                                              ) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    log = sarif(tmp)
    run0 = log["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["t-public-endpoint", "t-sync-call"]
    by_id = {r["ruleId"] + "@" + r["properties"]["subjects"][0]: r for r in run0["results"]}
    call = by_id["t-sync-call@interaction:a->b"]
    assert rules[call["ruleIndex"]]["id"] == "t-sync-call"
    assert call["level"] == "error"  # high
    assert by_id["t-public-endpoint@endpoint:GET /x"]["level"] == "warning"  # medium
    assert call["message"]["text"].startswith("interaction[a->b].style: a calls b synchronously")
    assert len(call["locations"]) == 1
    phys = call["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "d/api.yaml", "uriBaseId": "%SRCROOT%"}
    # The region is where the risk's field (style) is written in the YAML.
    with open(os.path.join(tmp, "d", "api.yaml"), encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    line, col = phys["region"]["startLine"], phys["region"]["startColumn"]
    assert lines[line - 1][col - 1:].startswith("style: sync")
    assert len(call["partialFingerprints"][FINGERPRINT_KEY]) == 20


def test_a_finding_without_a_field_points_at_its_fact(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    log = sarif(tmp)
    ep = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "t-public-endpoint")
    region = ep["locations"][0]["physicalLocation"]["region"]
    with open(os.path.join(tmp, "d", "api.yaml"), encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    assert lines[region["startLine"] - 1][region["startColumn"] - 1:].startswith("method: GET")
    assert ep["message"]["text"].startswith("endpoint[GET /x]: ")


def test_rule_descriptors_carry_descriptions_help_and_security_severity(tmp_path: Any) -> None:
    rules = {r["id"]: r for r in sarif(str(tmp_path))["runs"][0]["tool"]["driver"]["rules"]}
    sec = rules["t-public-endpoint"]
    assert sec["shortDescription"]["text"] == "Test rule t-public-endpoint"
    assert sec["fullDescription"]["text"] and sec["help"]["text"] and "**" in sec["help"]["markdown"]
    assert sec["properties"]["security-severity"] == "5.5"  # medium band of GitHub
    assert "security" in sec["properties"]["tags"]
    assert "security-severity" not in rules["t-sync-call"]["properties"]
    assert "helpUri" not in sec  # a local pack has no published page


def test_builtin_rules_link_to_their_page_in_the_repository() -> None:
    result = run("check", SHOP, "--format", "sarif", "--fail-on", "never")
    rules = json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
    rule = next(r for r in rules if r["id"] == "external-call-without-circuit-breaker")
    assert rule["helpUri"].endswith("/rules/resilience/external-call-without-circuit-breaker.yaml")
    assert rule["helpUri"].startswith("https://github.com/")


def test_waived_findings_are_left_out_unless_asked_for(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    wf = waivers_file(tmp, [waiver()])
    subjects = [r["properties"]["subjects"][0] for r in sarif(tmp, "--waivers", wf)["runs"][0]["results"]]
    assert "interaction:a->b" not in subjects and "interaction:a->c" in subjects
    included = sarif(tmp, "--waivers", wf, "--include-waived")["runs"][0]["results"]
    assert "interaction:a->b" in [r["properties"]["subjects"][0] for r in included]


def test_include_waived_without_sarif_output_cannot_apply(tmp_path: Any) -> None:
    result = run(*gate_args(str(tmp_path), "--include-waived"))
    assert result.exit_code == 2
    assert "--include-waived applies to SARIF output only" in result.stderr


def test_sarif_has_no_timestamps_or_absolute_paths(tmp_path: Any, monkeypatch: Any) -> None:
    tmp = str(tmp_path)
    monkeypatch.chdir(tmp)
    text = run(*gate_args(tmp, "--format", "sarif")).stdout
    assert tmp not in text and "Time" not in text and TODAY not in text


@pytest.mark.parametrize("text", ["a b", "one line of words: x -> y", " lead", "trail ", "two  spaces", "tab\there",
                                  "new\nline", "cr\rlf", "\x0bvt", "ff\x0c", "fs\x1cgs\x1drs\x1eus\x1f", "", " ", "  ",
                                  "caf\u00e9 b", "caf\u00e9  b", "nb\u00a0sp", "nel\x85x", "ls\u2028ps\u2029",
                                  "ideographic\u3000space", "x\u200by"], ids=repr)
def test_one_line_shortcut_gives_what_splitting_gives(text: str) -> None:
    assert one_line(text) == " ".join(text.split())
