"""The rules about rules over the built-in knowledge base, one test per rule (`pytest -k <rule-id>`).

The checks themselves live in the engine (``engine.rulecheck``, run by ``engine.ruletest.check_rules``), so that
``archplan rules test`` applies them to any pack: docs complete, a fire and a pass example (a gap one with
``gaps``, an assumed fire one with ``assume``) and really firing on one, references citing the listed source
families, catalog ids that exist, case files beside their rule. This file runs them on ``rules/``, and keeps what
holds of the built-in catalog only: its layout, its ids, every category covered, the packaged pattern catalog.
Adding a rule needs nothing outside ``rules/``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

from engine.catalog import CATALOG_ID, load_catalog, parse_catalog, to_json
from engine.cli.main import main
from engine.compiler import CompiledKB
from engine.errors import ArchplanError
from engine.model import Category
from engine.model.ruledata import Rule
from engine.review import load_kb
from engine.rulecheck import CHECKS, RuleProblem
from engine.ruleload import RULE_SUFFIX, builtin_rules_dir, discover_rules, parse_rule_file
from engine.ruletest import check_rules
from tests.conftest import ROOT, SHARED, need_shared
from tests.helpers import rule_yaml, write, write_yaml

RULES_DIR = builtin_rules_dir()
RULE_FILES = discover_rules([RULES_DIR])
RULE_IDS = [os.path.basename(p)[: -len(RULE_SUFFIX)] for p in RULE_FILES]
CATALOG = {p.id: p for p in load_catalog()}

per_rule = pytest.mark.parametrize("path", RULE_FILES, ids=RULE_IDS)


def rule_of(path: str) -> Rule:
    return parse_rule_file(path).rule


# --- per rule ------------------------------------------------------------------------------------------

@per_rule
def test_rule_is_schema_valid_and_named_after_its_file(path: str) -> None:
    rule = rule_of(path)  # schema, placeholders, id == stem: any problem raises with file:line
    assert rule.id == os.path.basename(path)[: -len(RULE_SUFFIX)]


@per_rule
def test_rule_sits_in_its_category_folder_of_rules(path: str) -> None:
    folder = os.path.basename(os.path.dirname(path))
    assert rule_of(path).category.value == folder
    assert os.path.dirname(os.path.dirname(path)) == RULES_DIR, f"{path}: rules live in rules/<category>/"


@per_rule
def test_rule_follows_the_rules_about_rules(path: str) -> None:
    problems = [str(p) for p in _problems() if p.rule == rule_of(path).id]
    assert problems == []


# --- the whole catalog -----------------------------------------------------------------------------------

_KB: list[CompiledKB] = []
_PROBLEMS: list[list[RuleProblem]] = []


def _kb() -> CompiledKB:
    if not _KB:
        _KB.append(load_kb())
    return _KB[0]


def _problems() -> list[RuleProblem]:
    """The engine's rules about rules on the built-in knowledge base (its cases run once)."""
    if not _PROBLEMS:
        checked, problems = check_rules(_kb(), [RULES_DIR])
        assert checked == len({r.id for r in (rule_of(p) for p in RULE_FILES) if r.enabled})
        _PROBLEMS.append(problems)
    return _PROBLEMS[0]


def test_no_case_file_without_its_rule() -> None:
    assert [str(p) for p in _problems() if p.check == "case-files"] == []


def test_rules_test_runs_the_rules_about_rules_on_the_builtin_rules() -> None:
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    enabled = len({r.id for r in (rule_of(p) for p in RULE_FILES) if r.enabled})
    assert f"rules about rules: {len(CHECKS)} checks on {enabled} rules, 0 problems\n" in result.output


def test_rule_ids_are_unique() -> None:
    dupes = [rid for rid, n in Counter(RULE_IDS).items() if n > 1]
    assert not dupes, f"rule ids used by more than one file: {dupes}"


def test_knowledge_base_loads_as_a_whole() -> None:
    kb = load_kb()  # every rule validated together: derived kinds, joins, templates, limits
    enabled = {r.id for r in (rule_of(p) for p in discover_rules([RULES_DIR])) if r.enabled}
    assert set(kb.source) == enabled


def test_rules_cover_every_category() -> None:
    assert {rule_of(p).category for p in RULE_FILES} == set(Category)


def test_no_stray_files_in_the_rules_tree() -> None:
    for root, _dirs, names in os.walk(RULES_DIR):
        for name in names:
            if root == RULES_DIR:
                assert name == "README.md" or name.endswith(".md"), name
            else:
                assert name.endswith(RULE_SUFFIX), f"{os.path.join(root, name)} is neither a rule nor a case file"


# --- the packaged pattern catalog ----------------------------------------------------------------------

def test_catalog_has_the_120_patterns_of_section_7() -> None:
    counts = Counter(p.category for p in CATALOG.values())
    assert counts == {"resilience": 22, "data": 14, "communication": 12, "api": 13, "security": 24,
                      "performance": 8, "operability": 11, "deployment": 16}
    for p in CATALOG.values():
        assert CATALOG_ID.match(p.id)
        assert p.summary and p.condition and p.source and p.mitigation
        assert p.families, f"{p.id}: no source family recognised in {p.source!r}"
        assert 1 <= p.phase <= 4


CATALOG_MD = os.path.join(SHARED, "knowledge", "pattern-catalog.md")


def test_committed_catalog_matches_its_source() -> None:
    need_shared(CATALOG_MD)
    with open(CATALOG_MD, encoding="utf-8") as fh:
        expected = to_json(parse_catalog(fh.read(), CATALOG_MD))
    with open(os.path.join(ROOT, "engine", "data", "catalog.json"), encoding="utf-8") as fh:
        assert fh.read() == expected, "regenerate it: python benchmarks/gen_catalog.py"


def test_catalog_data_ships_in_the_wheel() -> None:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        globs = tomllib.load(fh)["tool"]["setuptools"]["package-data"]["engine"]
    assert any(fnmatch.fnmatch("data/catalog.json", g) for g in globs)


def test_catalog_row_with_missing_columns_is_an_error() -> None:
    with pytest.raises(ArchplanError, match="catalog row has 3 columns"):
        parse_catalog("| RES-001 | resilience | too short |\n")


# --- adding a rule touches rules/ only -------------------------------------------------------------------

def new_pack(root: str) -> str:
    """A team pack holding one new rule and its case file: nothing else anywhere."""
    d = os.path.join(root, "team-rules")
    body = rule_yaml("service-without-owner", [{"as": "svc", "kind": "service", "where": {"owner": {"missing": True}}}],
                     category="operability", sources=["archplan"])
    body["examples"] = [
        {"name": "nobody-owns-it", "expect": "fire", "subjects": ["service:orders"],
         "design": {"services": [{"name": "orders"}]}},
        {"name": "owned", "expect": "pass", "design": {"services": [{"name": "orders", "owner": "team-a"}]}},
    ]
    write_yaml(d, "operability/service-without-owner.yaml", body)
    write_yaml(d, "operability/service-without-owner.test.yaml", {"rule": "service-without-owner", "cases": [
        {"name": "two-unowned", "expect": "fire", "subjects": ["service:a", "service:b"],
         "design": {"services": [{"name": "a"}, {"name": "b"}]}},
    ]})
    return d


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_a_new_rule_in_a_pack_is_picked_up_and_tested(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    team = new_pack(root)
    result = run("rules", "test", "--rules", team, team, "-v")
    assert result.exit_code == 0, result.output
    assert "service-without-owner::two-unowned" in result.output  # the case file beside it ran too
    assert "3 passed, 0 failed (1 rule)" in result.output
    assert "service-without-owner" in run("rules", "list", "--rules", team).output
    design = write(root, "facts/api.yaml", "source: api\nservices: [{name: orders}]\n")
    check = run("check", design, "--rules", team, "--format", "json", "--fail-on", "never", "--no-config")
    assert check.exit_code == 0, check.output
    assert "service-without-owner" in {f["rule"] for f in json.loads(check.output)["findings"]}


def test_a_pack_rule_reusing_a_builtin_id_names_both_files(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    clash = os.path.join(root, "team", "resilience", "external-call-without-circuit-breaker.yaml")
    with open(os.path.join(RULES_DIR, "resilience", "external-call-without-circuit-breaker.yaml"),
              encoding="utf-8") as fh:
        write(root, "team/resilience/external-call-without-circuit-breaker.yaml", fh.read())
    result = run("rules", "list", "--rules", os.path.join(root, "team"))
    assert result.exit_code == 2
    assert "duplicate rule id 'external-call-without-circuit-breaker'" in result.output
    assert clash in result.output
    assert os.path.join(RULES_DIR, "resilience", "external-call-without-circuit-breaker.yaml") in result.output
