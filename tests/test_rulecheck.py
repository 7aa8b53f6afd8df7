"""The rules about rules reach every pack: ``archplan rules test`` fails a pack rule that the catalog test would fail.

One rule of a team's pack, correct as written below, and one edit per check family that breaks it; each must
fail ``rules test --rules <pack> <pack>`` (exit 1) with exactly one located line naming the rule and the check.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.rulecheck import CHECKS
from tests.helpers import write

RULE = """\
id: single-replica-service
title: Service that runs a single replica
category: resilience
phase: 3
summary: Flags a service deployed with exactly one replica.
rationale: One crash, deploy or node drain takes the whole service down.
references: [AWS Well-Architected REL10-BP01 deploy to multiple locations]
sources: [aws-well-architected]
catalog: []
when:
  - {as: svc, kind: service, where: {replicas: 1}}
risk:
  subject: svc
  likelihood: likely
  impact: major
  message: "{svc.name} runs one replica: a single crash takes it offline."
mitigation: {id: redundant-replicas, title: "Replicas for {svc.name}", scope: svc.name, action: "Run two replicas."}
gaps: [svc.replicas]
examples:
  - {name: one-replica, expect: fire, subjects: ["service:orders"], design: {services: [{name: orders, replicas: 1}]}}
  - {name: three-replicas, expect: pass, design: {services: [{name: orders, replicas: 3}]}}
  - {name: replicas-unknown, expect: gap, subjects: ["service:orders"], design: {services: [{name: orders}]}}
"""
RID = "single-replica-service"
FIRE, PASS, GAP = RULE.splitlines(keepends=True)[19:22]  # the three examples, one line each


def pack(root: str, text: str = RULE, folder: str = "resilience") -> tuple[str, str]:
    """A team pack holding the one rule: (pack directory, rule file)."""
    team = os.path.join(root, "team")
    return team, write(team, f"{folder}/{RID}.yaml", text)


def rules_test(team: str) -> tuple[int, list[str], str]:
    """``archplan rules test --rules TEAM TEAM``: exit code, FAIL lines, the rules-about-rules summary line."""
    result: Any = CliRunner().invoke(main, ["rules", "test", "--rules", team, team])
    lines = result.output.splitlines()
    summary = next(ln for ln in lines if ln.startswith("rules about rules: "))
    return result.exit_code, [ln for ln in lines if ln.startswith("FAIL ")], summary


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_rule_as_written_passes_every_check(tmp_path: os.PathLike[str]) -> None:
    team, _ = pack(str(tmp_path))
    assert rules_test(team) == (0, [], f"rules about rules: {len(CHECKS)} checks on 1 rules, 0 problems")


def test_a_pack_rule_with_gaps_and_no_gap_example_fails(tmp_path: os.PathLike[str]) -> None:
    team, path = pack(str(tmp_path), edit(RULE, GAP, ""))
    code, fails, summary = rules_test(team)
    assert code == 1
    assert fails == [
        f"FAIL single-replica-service::examples  {path}:18:1: gaps: a rule with 'gaps' needs an 'expect: gap' example: "
        "add one whose design leaves svc.replicas unknown (rules/README.md, section 7)"]
    assert summary == f"rules about rules: {len(CHECKS)} checks on 1 rules, 1 problems"


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    (PASS, "", "19:1: examples", "no 'expect: pass' example: add one where the rule does not apply or the mitigation "
                                 "is in place (rules/README.md, section 7)"),
    ("gaps: [svc.replicas]\n", "assume: {svc.replicas: 1}\n", "18:1: assume",
     "a rule with 'assume' needs an 'expect: fire' example with 'basis: assumed': add one whose design leaves "
     "svc.replicas out (rules/README.md, section 7)"),
], ids=["no-pass-example", "assume-without-assumed-example"])
def test_examples_of_every_kind_are_required(tmp_path: os.PathLike[str], old: str, new: str, where: str,
                                             message: str) -> None:
    text = edit(RULE, old, new)
    if "assume" in new:
        text = edit(text, GAP, "")  # assumed, the field is no longer asked for
    team, path = pack(str(tmp_path), text)
    assert rules_test(team)[:2] == (1, [f"FAIL {RID}::examples  {path}:{where}: {message}"])


def test_a_rule_must_really_fire_on_a_fire_example(tmp_path: os.PathLike[str]) -> None:
    # Expecting to fire on no subject passes as a case, but shows nothing about the rule.
    quiet = '  - {name: one-replica, expect: fire, subjects: [], design: {services: [{name: orders, replicas: 2}]}}\n'
    team, path = pack(str(tmp_path), edit(RULE, FIRE, quiet))
    assert rules_test(team)[:2] == (1, [
        f"FAIL {RID}::fires  {path}:19:1: examples: no 'expect: fire' example makes the rule fire: fix the failing "
        "ones, or give one a design on which it fires (rules/README.md, section 7)"])


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("title: Service that runs a single replica", 'title: "     "', "2:1: title",
     "'title' is blank: write the flaw as a reviewer would name it (rules/README.md, section 3)"),
    ("summary: Flags a service deployed with exactly one replica.", 'summary: "          "', "5:1: summary",
     "'summary' is blank: write what the rule flags, in one or two sentences (rules/README.md, section 3)"),
    ('action: "Run two replicas."', 'action: "          "', "17:89: mitigation.action",
     "mitigation 'redundant-replicas' has a blank 'action': name the work and what to implement"),
], ids=["blank-title", "blank-summary", "blank-mitigation-action"])
def test_docs_must_not_be_blank(tmp_path: os.PathLike[str], old: str, new: str, where: str, message: str) -> None:
    team, path = pack(str(tmp_path), edit(RULE, old, new))
    assert rules_test(team)[:2] == (1, [f"FAIL {RID}::docs  {path}:{where}: {message}"])


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("sources: [aws-well-architected]", "sources: [azure]", "8:11: sources[0]",
     "'sources' lists azure but no reference cites it (a reference naming one of: azure, microsoft)"),
    ("sources: [aws-well-architected]", "sources: []", "8:1: sources",
     "no 'sources': list the source families its references cite (azure, microservices.io, aws-well-architected, "
     "google-sre, owasp-api-2023, twelve-factor; archplan for the tool's own rules)"),
    ("references: [AWS Well-Architected REL10-BP01 deploy to multiple locations]",
     'references: [AWS Well-Architected REL10-BP01, "   "]', "7:47: references[1]",
     "a reference is blank: name the pattern page, best-practice id or book chapter"),
], ids=["source-family-not-cited", "no-sources", "blank-reference"])
def test_references_cite_the_listed_source_families(tmp_path: os.PathLike[str], old: str, new: str, where: str,
                                                    message: str) -> None:
    team, path = pack(str(tmp_path), edit(RULE, old, new))
    assert rules_test(team)[:2] == (1, [f"FAIL {RID}::references  {path}:{where}: {message}"])


@pytest.mark.parametrize(("catalog", "where", "message"), [
    ("[RES-001, RES-001]", "9:20: catalog[1]", "'RES-001' is listed twice"),
    ("[RES-999]", "9:11: catalog[0]", "'RES-999' is not in the pattern catalog (archplan rules coverage lists them)"),
    ("[ABC-001]", "9:11: catalog[0]", "'ABC-001' is not a catalog id (RES-001 ... DEP-016)"),
], ids=["listed-twice", "not-in-the-catalog", "not-a-catalog-id"])
def test_catalog_ids_exist_once(tmp_path: os.PathLike[str], catalog: str, where: str, message: str) -> None:
    team, path = pack(str(tmp_path), edit(RULE, "catalog: []", f"catalog: {catalog}"))
    assert rules_test(team)[:2] == (1, [f"FAIL {RID}::catalog  {path}:{where}: {message}"])


def test_a_rule_sits_in_the_folder_of_its_category(tmp_path: os.PathLike[str]) -> None:
    team, path = pack(str(tmp_path), folder="team-rules")
    assert rules_test(team)[:2] == (1, [
        f"FAIL {RID}::layout  {path}:3:1: category: a rule sits in the folder of its category: move it to "
        f"resilience/{RID}.yaml in its pack (rules/README.md, section 2)"])


def test_a_case_file_without_its_rule_is_reported(tmp_path: os.PathLike[str]) -> None:
    team, _ = pack(str(tmp_path))
    orphan = write(team, "resilience/single-replica.test.yaml", "rule: single-replica\ncases: []\n")
    assert rules_test(team)[:2] == (1, [
        f"FAIL single-replica::case-files  {orphan}: a case file with no rule beside it, so its cases never run: "
        "put it next to single-replica.yaml"])
