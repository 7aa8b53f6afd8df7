"""The real-systems evaluation script matches findings to a reviewer's expectations (issue 11).

A tiny synthetic system (tests/fixtures/realworld) has one expected hit, one gap-only, one miss, one
must-not that a finding hits (through the deployment -> service alias) and one it does not. The real
systems' figures are measured, never asserted here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks.realworld import evaluate as ev
from tests.conftest import ROOT

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "realworld")
SYSTEMS = os.path.join(FIXTURE, "systems")
CONCEPTS = os.path.join(FIXTURE, "concepts.yaml")


def _args(*extra: str) -> list[str]:
    return ["--root", SYSTEMS, "--concepts", CONCEPTS, *extra]


def test_the_tiny_system_gives_one_hit_one_gap_one_miss_and_one_must_not_hit() -> None:
    (result,) = ev.run(SYSTEMS, CONCEPTS)  # "nodesign" has expectations but no design: not run
    assert result.system == "tiny" and result.design == "design"
    assert [(v.expectation.id, v.status, v.rules) for v in result.verdicts] == [
        ("T-1", "HIT", ["remote-call-without-timeout"]),
        ("T-2", "GAP", ["secrets-in-code-image-or-repo"]),
        ("T-3", "MISS", []),
    ]
    assert [(e.id, f.rule, f.subjects) for e, f in result.must_not_hits] == [
        ("T-N1", "mutable-release-artifacts", ("deployment:a",))]
    # The hit's finding is not "other"; the must-not's finding is (no expectation matched it).
    assert [(f.rule, f.subjects) for f in result.unmatched] == [("mutable-release-artifacts", ("deployment:a",))]
    assert result.risks == 2 and result.distinct_issues == 2


def test_matching_needs_the_concepts_rule_the_subject_and_a_risk() -> None:
    concepts = ev.load_concepts(CONCEPTS)
    exp = ev.load_expectations(os.path.join(SYSTEMS, "tiny", "expectations.yaml"), concepts)
    findings = [
        # right rule, right subject: the hit (twice: both count to the one expectation)
        ev.Seen("remote-call-without-timeout", "risk", "high", ("interaction:a->b",)),
        ev.Seen("remote-call-without-timeout", "risk", "critical", ("interaction:a->b", "path:x")),
        # right rule, another subject; another rule, the right subject: neither is a hit
        ev.Seen("remote-call-without-timeout", "risk", "high", ("interaction:b->a",)),
        ev.Seen("retry-on-all-errors", "risk", "medium", ("interaction:a->b",)),
        # a gap on service:b whose missing field a mapped rule needs; a gap on service:a that no mapped rule needs
        ev.Seen("information-gap", "gap", "low", ("service:b",), frozenset({"secrets-in-code-image-or-repo"})),
        ev.Seen("information-gap", "gap", "low", ("service:a",), frozenset({"unpinned-dependencies"})),
        # the must-not concept's rule on the must-not's subject, through the alias; and on another service
        ev.Seen("mutable-release-artifacts", "risk", "low", ("deployment:a",)),
        ev.Seen("mutable-release-artifacts", "risk", "low", ("deployment:c",)),
    ]
    r = ev.evaluate("tiny", "design", exp, concepts, findings)
    assert [v.status for v in r.verdicts] == ["HIT", "GAP", "MISS"]
    assert len(r.verdicts[0].findings) == 2
    assert [e.id for e, _ in r.must_not_hits] == ["T-N1"]
    assert r.risks == 6 and r.gaps == 2
    assert r.severities == {"critical": 1, "high": 2, "medium": 1, "low": 2}
    # 1 expectation hit + the 2 rules none of whose risks matched an expectation; 3 rules, so 3 grouped lines
    assert r.distinct_issues == 3 and r.lines == 3
    figures = ev.totals([r])["systems"][0]
    assert figures["strict_recall"] == round(1 / 3, 4) and figures["gap_only"] == 1 and figures["miss"] == 1
    assert figures["high_critical_share"] == 0.5 and figures["findings_per_issue"] == 2.0
    assert figures["lines_per_issue"] == 1.0
    assert figures["must_not"] == 2 and figures["must_not_hits"] == 1


def test_a_gap_alone_on_the_subject_is_not_a_hit_and_a_risk_is_needed() -> None:
    concepts = ev.load_concepts(CONCEPTS)
    exp = ev.load_expectations(os.path.join(SYSTEMS, "tiny", "expectations.yaml"), concepts)
    gap = ev.Seen("information-gap", "gap", "low", ("interaction:a->b",), frozenset({"remote-call-without-timeout"}))
    r = ev.evaluate("tiny", "design", exp, concepts, [gap])
    assert [v.status for v in r.verdicts] == ["GAP", "MISS", "MISS"]
    assert r.risks == 0 and r.must_not_hits == [] and r.distinct_issues == 0


def test_the_table_list_and_json_show_the_verdicts(capsys: Any) -> None:
    assert ev.main(_args("--list")) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "TOTAL" in out and "33%" in out
    assert "HIT  T-1" in out and "GAP  T-2" in out and "MISS T-3" in out and "MUST-NOT T-N1" in out
    assert ev.main(_args("--json")) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["systems"]
    assert [v["status"] for v in row["verdicts"]] == ["HIT", "GAP", "MISS"]
    assert data["total"]["design"]["hit"] == 1 and data["total"]["design"]["must_not_hits"] == 1


def test_a_raw_design_is_a_second_column(tmp_path: Path, capsys: Any) -> None:
    root = tmp_path / "systems"
    shutil.copytree(os.path.join(SYSTEMS, "tiny"), root / "tiny")
    (root / "tiny" / "raw").mkdir()
    (root / "tiny" / "raw" / "api.yaml").write_text(
        "source: api\nservices: [{name: a}, {name: b}]\n"
        "interactions: [{from: a, to: b, style: sync, protocol: http, timeout_ms: 500}]\n")
    results = ev.run(str(root), CONCEPTS, raw=True)
    assert [(r.design, r.count("HIT")) for r in results] == [("design", 1), ("raw", 0)]
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS, "--raw"]) == 0
    out = capsys.readouterr().out
    assert "TOTAL                   design" in out and "TOTAL                   raw" in out


def test_precision_counts_matched_and_valid_over_judged_and_unjudged_apart(tmp_path: Path, capsys: Any) -> None:
    root = tmp_path / "systems"
    shutil.copytree(os.path.join(SYSTEMS, "tiny"), root / "tiny")
    (result,) = ev.run(str(root), CONCEPTS)
    assert result.judged == {"valid": 0, "noise": 0, "unjudged": 1}  # no judgements file: nothing judged
    assert ev.totals([result])["total"]["design"]["precision"] == 1.0  # only the matched risk is judged
    (root / "tiny" / "judgements.yaml").write_text(
        "system: tiny\njudgements:\n"
        "  - {rule: mutable-release-artifacts, verdict: valid, why: every image is latest}\n"
        "  - {rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: noise, why: pinned}\n")
    (result,) = ev.run(str(root), CONCEPTS)
    assert result.unmatched_verdicts == ("noise",)  # the entry naming the subject wins over the rule's
    figures = ev.totals([result])["total"]["design"]
    assert (figures["precision"], figures["noise"], figures["unjudged"]) == (0.5, 1, 0)
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS, "--list"]) == 0
    out = capsys.readouterr().out
    assert "50%" in out and "deployment:a  [noise]" in out
    (root / "tiny" / "judgements.yaml").write_text(
        "system: tiny\njudgements:\n  - {rule: mutable-release-artifacts, verdict: maybe, why: w}\n")
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS]) == 2
    assert ":3:39: judgements[0].verdict: expected one of valid, noise" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ("system: s\nreviewed_at_commit: abc\nexpected: []\n", ":2:1: reviewed_at_commit: expected a 40-hex commit"),
    ("system: s\nreviewed_at_commit: " + "a" * 40 + "\nexpected:\n  - {id: X, concept: nope, subject: service:a,"
     " evidence: [e], why: w}\n", ":4:13: expected[0].concept: unknown concept 'nope'"),
    ("system: s\nreviewed_at_commit: " + "a" * 40 + "\nexpected:\n  - {id: X, concept: weak-password-hashing,"
     " subject: a, why: w}\n", "expected[0].evidence: expected a non-empty list"),
])
def test_a_malformed_expectations_file_exits_2_with_place_and_key_path(tmp_path: Path, capsys: Any,
                                                                       text: str, expected: str) -> None:
    (tmp_path / "s").mkdir()
    path = tmp_path / "s" / "expectations.yaml"
    path.write_text(text)
    assert ev.main(["--root", str(tmp_path), "--concepts", CONCEPTS]) == 2
    err = capsys.readouterr().err
    assert f"{path}" in err and expected in err and "Traceback" not in err


def test_the_real_concepts_and_expectations_load() -> None:
    """The committed vocabulary names real rules, and every committed expectations file is well-formed."""
    concepts = ev.load_concepts(os.path.join(ROOT, "benchmarks", "realworld", "concepts.yaml"))
    rules = {p.stem for p in Path(ROOT, "rules").glob("*/*.yaml") if not p.name.endswith(".test.yaml")}
    assert [(c.id, r) for c in concepts.values() for r in sorted(c.rules) if r not in rules] == []
    assert list(concepts) == sorted(concepts)  # alphabetical, so that two branches adding concepts merge
    root = os.path.join(ROOT, "benchmarks", "realworld", "systems")
    for name in ev.systems_in(root):
        exp = ev.load_expectations(os.path.join(root, name, "expectations.yaml"), concepts)
        assert exp.system == name and exp.expected
        for judgements in ev.JUDGEMENTS.values():  # well-formed, if present
            ev.load_judgements(os.path.join(root, name, judgements), name)


def test_the_raw_yield_counts_hits_of_the_hand_written_design_and_those_evidenced_in_imported_artifacts(
        tmp_path: Path, capsys: Any) -> None:
    root = tmp_path / "systems"
    shutil.copytree(os.path.join(SYSTEMS, "tiny"), root / "tiny")
    (root / "tiny" / "system.yaml").write_text(
        "name: tiny\nrepo: example/tiny\nraw_import:\n  - {format: compose, paths: [a.py]}\n")
    (root / "tiny" / "raw").mkdir()
    (root / "tiny" / "raw" / "api.yaml").write_text(
        "source: api\nservices: [{name: a}, {name: b}]\n"
        "interactions: [{from: a, to: b, style: sync, protocol: http, timeout_ms: 0}]\n")
    rows = ev.yields(ev.run(str(root), CONCEPTS, raw=True), str(root))
    tiny = rows[0]
    assert (tiny["design_hits"], tiny["raw_hits"], tiny["yield"]) == (1, 1, 1.0)
    # T-1 and T-3 cite a.py, which the import reads; T-2 cites only b.py
    assert (tiny["in_artifacts"], tiny["design_hits_in_artifacts"], tiny["raw_hits_in_artifacts"]) == (2, 1, 1)
    assert rows[-1]["system"] == "TOTAL" and rows[-1]["yield_in_artifacts"] == 1.0
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS, "--raw"]) == 0
    assert "raw yield" in capsys.readouterr().out


def test_a_step_reading_another_repository_counts_its_paths_in_that_repository(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "system.yaml").write_text(
        "name: shop\nrepo: acme/deploy\nraw_import:\n  - {format: kubernetes, paths: [k8s]}\n"
        "  - {format: source, repo: acme/web, paths: [routes], service: web}\n")
    repo, paths = ev.read_artifacts(str(tmp_path), "shop")
    web = ev.Expectation("X-1", "c", "service:web", evidence=("acme/web@c:routes/cart.js:4",))
    deploy = ev.Expectation("X-2", "c", "service:web", evidence=("acme/deploy@c:routes/cart.js:4",))
    assert (ev.in_artifacts(web, repo, paths), ev.in_artifacts(deploy, repo, paths)) == (True, False)


@pytest.mark.parametrize(("evidence", "paths", "inside"), [
    pytest.param("o/r@c:deploy/k8s/db.yaml:3", ["deploy/k8s"], True, id="under-a-directory"),
    pytest.param("o/r@c:svc-a/src/main/resources/application.yml:9", ["svc-*/src/main/resources/application.yml"],
                 True, id="named-by-a-glob"),
    pytest.param("o/r@c:docker-compose.yml:1", ["docker-compose.yml"], True, id="the-file-itself"),
    pytest.param("o/r@c:src/Main.java:10", ["docker-compose.yml", "deploy"], False, id="source-code"),
    pytest.param("o/other@c:docker-compose.yml:1", ["docker-compose.yml"], False, id="another-repository"),
    pytest.param("o/r@c:deploy-old/x.yaml:1", ["deploy"], False, id="a-sibling-with-the-same-prefix"),
    pytest.param("o/front@c:api/user/index.js:257", ["o/front:api/"], True, id="a-service-repository-named"),
    pytest.param("o/front@c:server.js:5", ["o/front:."], True, id="all-of-a-service-repository"),
    pytest.param("o/front@c:api/user/index.js:257", ["api/"], False, id="the-same-path-in-the-system-repository"),
])
def test_evidence_lies_in_the_artifacts_given_to_the_importers(evidence: str, paths: list[str],
                                                                inside: bool) -> None:
    e = ev.Expectation("X-1", "c", "service:a", evidence=(evidence,))
    assert ev.in_artifacts(e, "o/r", paths) is inside


def test_a_valid_finding_judged_an_expectation_under_another_subject_is_counted_apart(tmp_path: Path,
                                                                                      capsys: Any) -> None:
    root = tmp_path / "systems"
    shutil.copytree(os.path.join(SYSTEMS, "tiny"), root / "tiny")
    # T-3 expects unpinned images on a service no finding is about: a miss that the rule on deployment:a may be
    expectations = root / "tiny" / "expectations.yaml"
    text = expectations.read_text()
    assert "concept: weak-password-hashing\n    subject: service:a" in text
    expectations.write_text(text.replace("concept: weak-password-hashing\n    subject: service:a",
                                         "concept: unpinned-images\n    subject: service:elsewhere"))
    judgements = root / "tiny" / "judgements.yaml"
    judgements.write_text(
        "system: tiny\njudgements:\n"
        "  - {rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: valid, same_as: T-3,"
        " why: the reviewer's T-3 under the deployment's key}\n")
    (result,) = ev.run(str(root), CONCEPTS)
    # T-3 stays a miss by subject (recall is strict), and is named otherwise
    assert [(v.expectation.id, v.status, [f.subjects for f in v.named_otherwise]) for v in result.verdicts] == [
        ("T-1", "HIT", []), ("T-2", "GAP", []), ("T-3", "MISS", [("deployment:a",)])]
    figures = ev.totals([result])["total"]["design"]
    assert (figures["hit"], figures["miss"], figures["named_otherwise"], figures["precision"]) == (1, 1, 1, 1.0)
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS, "--list"]) == 0
    out = capsys.readouterr().out
    assert "named otherwise (design): 1 of 2 expectations missed by subject" in out
    assert "MISS T-3" in out and "(named otherwise: mutable-release-artifacts on deployment:a)" in out
    # without it, nothing is named otherwise
    judgements.write_text("system: tiny\njudgements:\n"
                          "  - {rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: valid, why: w}\n")
    (result,) = ev.run(str(root), CONCEPTS)
    assert result.named_otherwise == 0


@pytest.mark.parametrize(("entry", "expected"), [
    ("{rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: valid, same_as: T-9, why: w}",
     "judgements[0].same_as: no expectation 'T-9' in this system's expectations.yaml"),
    ("{rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: noise, same_as: T-3, why: w}",
     "judgements[0].same_as: only a valid verdict on listed subjects"),
    ("{rule: mutable-release-artifacts, verdict: valid, same_as: T-3, why: w}",
     "judgements[0].same_as: only a valid verdict on listed subjects"),
    ("{rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: valid, same_as: T-N1, why: w}",
     "judgements[0].same_as: no expectation 'T-N1'"),
    ("{rule: mutable-release-artifacts, subjects: ['deployment:a'], verdict: valid, same_as: T-1, why: w}",
     "judgements[0].same_as: mutable-release-artifacts is not one of the rules of T-1's concept"),
])
def test_a_same_as_names_an_expected_risk_on_a_valid_verdict_with_subjects(tmp_path: Path, capsys: Any,
                                                                            entry: str, expected: str) -> None:
    root = tmp_path / "systems"
    shutil.copytree(os.path.join(SYSTEMS, "tiny"), root / "tiny")
    (root / "tiny" / "judgements.yaml").write_text(f"system: tiny\njudgements:\n  - {entry}\n")
    assert ev.main(["--root", str(root), "--concepts", CONCEPTS]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
