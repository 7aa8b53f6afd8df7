"""The contributor workflow: `archplan rules new | docs | coverage | list`."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from engine.catalog import load_catalog
from engine.cli.main import main
from engine.model import field_description
from engine.ruleload import builtin_rules_dir, discover_rules, parse_rule_file
from engine.scaffold import PLACEHOLDER
from tests.helpers import rule_yaml, write, write_yaml


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def pack(root: str, catalog: list[str] | None = None) -> str:
    """A pack with one risk rule (with examples) and one derive-only rule."""
    d = os.path.join(root, "pack")
    body = rule_yaml("single-replica-service", [{"as": "svc", "kind": "service", "where": {"replicas": 1}}],
                     catalog=catalog or ["RES-011"], sources=["aws-well-architected"])
    body["examples"] = [
        {"name": "one-replica", "expect": "fire", "subjects": ["service:checkout"],
         "design": {"services": [{"name": "checkout", "replicas": 1}]}},
        {"name": "three-replicas", "expect": "pass", "design": {"services": [{"name": "checkout", "replicas": 3}]}},
    ]
    write_yaml(d, "resilience/single-replica-service.yaml", body)
    marker = rule_yaml("tags-gateways", [{"as": "svc", "kind": "service", "where": {"type": "gateway"}}],
                       category="api")
    del marker["risk"], marker["mitigation"]
    marker["derive"] = [{"kind": "edge_service", "fields": {"service": "{svc.name}"}}]
    marker["examples"] = [{"name": "gateway", "expect": "fire",
                           "design": {"services": [{"name": "g", "kind": "gateway"}]}}]
    write_yaml(d, "api/tags-gateways.yaml", marker)
    return d


# --- rules new ----------------------------------------------------------------------------------------

SECTIONS = ("id", "title", "category", "phase", "catalog", "sources", "summary", "rationale", "references", "when",
            "risk", "mitigation", "examples")

# What an author writes in place of each placeholder (by key path; a container replaces all beneath it).
FILLED: dict[tuple[Any, ...], Any] = {
    ("title",): "Service that runs a single replica",
    ("sources", 0): "aws-well-architected",
    ("summary",): "Flags a service deployed with exactly one replica.",
    ("rationale",): "One crash, deploy or node drain takes the whole service down.",
    ("references", 0): "AWS Well-Architected REL10-BP01: Deploy the workload to multiple locations",
    ("when", 0, "kind"): "service",
    ("when", 0, "where"): {"replicas": 1},
    ("risk", "message"): "{subject.name} runs one replica: a single crash takes it offline.",
    ("mitigation", "id"): "redundant-replicas",
    ("mitigation", "title"): "Redundant replicas for {subject.name}",
    ("mitigation", "action"): "Run at least two replicas of {subject.name} across zones.",
    ("examples", 0, "name"): "one-replica",
    ("examples", 0, "subjects", 0): "service:checkout",
    ("examples", 0, "design"): {"services": [{"name": "checkout", "replicas": 1}]},
    ("examples", 1, "name"): "three-replicas",
    ("examples", 1, "design"): {"services": [{"name": "checkout", "replicas": 3}]},
}


def fill(node: Any, path: tuple[Any, ...] = ()) -> Any:
    if path in FILLED:
        return FILLED[path]
    if isinstance(node, dict):
        return {k: fill(v, (*path, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [fill(v, (*path, i)) for i, v in enumerate(node)]
    return node


def test_new_scaffolds_every_section_with_guidance(tmp_path: os.PathLike[str]) -> None:
    rules = os.path.join(str(tmp_path), "rules")
    os.makedirs(rules)
    result = run("rules", "new", "single-replica-service", "--category", "resilience", "--rules", rules)
    assert result.exit_code == 0, result.output
    path = os.path.join(rules, "resilience", "single-replica-service.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    data = yaml.safe_load(text)
    assert list(data) == list(SECTIONS)
    assert (data["id"], data["category"]) == ("single-replica-service", "resilience")
    assert text.count("\n#") > 20  # guidance comments, not a bare skeleton
    assert f"archplan rules test {path}" in text
    schema = os.path.relpath("rule.schema.json", os.path.dirname(path)).replace(os.sep, "/")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={schema}"  # editors: the rule schema


def test_unfilled_scaffold_fails_with_one_line_per_placeholder(tmp_path: os.PathLike[str]) -> None:
    rules = os.path.join(str(tmp_path), "rules")
    os.makedirs(rules)
    run("rules", "new", "single-replica-service", "-c", "resilience", "--rules", rules)
    path = os.path.join(rules, "resilience", "single-replica-service.yaml")
    result = run("rules", "test", "--no-builtin", "--rules", rules, path)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if "placeholder" in ln]
    with open(path, encoding="utf-8") as fh:
        holders = sum(1 for ln in fh if PLACEHOLDER in ln and not ln.lstrip().startswith("#"))
    assert len(lines) == holders
    assert all(ln.startswith(f"archplan: error: {path}:") for ln in lines)
    assert any(f"{path}:" in ln and "when[0].kind" in ln for ln in lines)


def test_filled_scaffold_is_a_valid_rule_whose_examples_pass(tmp_path: os.PathLike[str]) -> None:
    rules = os.path.join(str(tmp_path), "rules")
    os.makedirs(rules)
    run("rules", "new", "single-replica-service", "-c", "resilience", "--rules", rules)
    path = os.path.join(rules, "resilience", "single-replica-service.yaml")
    with open(path, encoding="utf-8") as fh:
        filled = fill(yaml.safe_load(fh))
    text = yaml.safe_dump(filled, sort_keys=False)
    assert PLACEHOLDER not in text  # FILLED covers every placeholder the scaffold has
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    result = run("rules", "test", "--no-builtin", "--rules", rules, path, "-v")
    # Its examples pass, but the unknown policy is not written: with replicas unknown, the rule is silent.
    assert result.exit_code == 1, result.output
    assert ("unknown policy: 1 fields checked, 1 leave their rule silent\n2 passed, 0 failed (1 rule); also failing: "
            "1 field that leaves its rule silent") in result.output
    assert "FAIL single-replica-service::unknown:subject.replicas" in result.output
    assert "'assume: {subject.replicas: <the common default>}'" in result.output
    with open(path, "w", encoding="utf-8") as fh:
        # ... with the example the rules about rules then ask for: it fires on an assumed basis, replicas unstated.
        assumed = {"name": "replicas-unstated", "expect": "fire", "basis": "assumed", "subjects": ["service:checkout"],
                   "design": {"services": [{"name": "checkout"}]}}
        fh.write(yaml.safe_dump({**filled, "assume": {"subject.replicas": 1},
                                 "examples": [*filled["examples"], assumed]}, sort_keys=False))
    result = run("rules", "test", "--no-builtin", "--rules", rules, path, "-v")
    assert result.exit_code == 0, result.output
    assert "unknown policy: 1 fields checked, 0 leave their rule silent\n3 passed, 0 failed (1 rule)" in result.output


def test_a_pack_named_twice_is_loaded_once(tmp_path: os.PathLike[str]) -> None:
    d = pack(str(tmp_path))
    once = run("rules", "list", "--no-builtin", "--rules", d)
    twice = run("rules", "list", "--no-builtin", "--rules", d, "--rules", os.path.join(d, ".", ""))
    assert once.exit_code == twice.exit_code == 0, twice.output
    assert twice.output == once.output and "single-replica-service" in once.output
    builtin_again = run("rules", "list", "--rules", builtin_rules_dir())
    assert builtin_again.exit_code == 0 and builtin_again.output == run("rules", "list").output


def test_a_pack_given_as_a_path_but_not_loaded_is_named_with_the_flag_that_loads_it(tmp_path: os.PathLike[str]) -> None:
    d = pack(str(tmp_path))
    result = run("rules", "test", d)
    assert result.exit_code == 2
    assert result.output.strip().endswith(f"no rule examples found under {d} (PATHS choose among the loaded rules; "
                                          f"to load the rules under {d}, add --rules {d})")
    loaded = run("rules", "test", "--no-builtin", "--rules", d, d)  # loaded: its examples run
    assert "no rule examples found" not in loaded.output and "passed, 0 failed" in loaded.output
    empty = os.path.join(str(tmp_path), "empty")
    os.makedirs(empty)
    assert run("rules", "test", empty).output.strip().endswith(f"no rule examples found under {empty}")


@pytest.mark.parametrize(
    ("rule_id", "category", "expected"),
    [
        ("Single_Replica", "resilience", "not kebab-case: lower-case letters and digits joined by single hyphens, "
                                         "at most 80 characters (did you mean 'single-replica'?)"),
        ("single--replica", "resilience", "not kebab-case"),
        ("single-replica", "resilence", "unknown category 'resilence' (did you mean 'resilience'?)"),
        ("external-call-without-circuit-breaker", "resilience", "already exists: "),
        ("taken-id", "data", "a rule 'taken-id' already exists"),
    ],
    ids=["not-kebab-with-suggestion", "double-hyphen", "category-typo", "builtin-id", "id-in-another-category"],
)
def test_new_refuses_a_bad_or_taken_id(tmp_path: os.PathLike[str], rule_id: str, category: str,
                                       expected: str) -> None:
    rules = os.path.join(str(tmp_path), "rules")
    write(rules, "resilience/taken-id.yaml", "id: taken-id\n")
    before = sorted(os.walk(rules))
    result = run("rules", "new", rule_id, "--category", category, "--rules", rules)
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert sorted(os.walk(rules)) == before  # nothing written


def test_new_defaults_to_the_rules_directory_here(tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(str(tmp_path))
    assert run("rules", "new", "x-without-y", "-c", "data").exit_code == 2  # no ./rules: wrong place, refuse
    os.makedirs("rules")
    result = run("rules", "new", "x-without-y", "-c", "data")
    assert result.exit_code == 0, result.output
    assert os.path.isfile(os.path.join("rules", "data", "x-without-y.yaml"))


def test_new_notes_an_id_that_names_the_fix(tmp_path: os.PathLike[str]) -> None:
    rules = os.path.join(str(tmp_path), "rules")
    os.makedirs(rules)
    result = CliRunner().invoke(main, ["rules", "new", "require-backoff", "-c", "resilience", "--rules", rules])
    assert result.exit_code == 0
    assert "names the fix" in result.output


# --- rules docs -----------------------------------------------------------------------------------------

PAGE_SECTIONS = ["## What it does", "## Why it matters", "## Example", "## Use instead", "## References"]


def test_docs_write_a_page_per_rule_with_fixed_sections(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, out = pack(root), os.path.join(root, "docs")
    result = run("rules", "docs", "-o", out, "--no-builtin", "--rules", rules)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(out)) == ["index.md", "single-replica-service.md", "tags-gateways.md"]
    with open(os.path.join(out, "single-replica-service.md"), encoding="utf-8") as fh:
        page = fh.read()
    positions = [page.index(s) for s in PAGE_SECTIONS]
    assert positions == sorted(positions)
    assert "| Severity | high (likely x major) |" in page
    assert "| Phase | 3 (Integration) |" in page
    assert "| Catalog | RES-011 |" in page
    assert "Fires on `service:checkout` (example `one-replica`)" in page
    assert "- {name: checkout, replicas: 1}" in page and "- {name: checkout, replicas: 3}" in page
    assert "Do the thing that fixes it." in page  # the mitigation action under Use instead
    # The field it tests, described by the fact model's own text (the one `archplan schema` exports).
    assert f"- `service.replicas`: {field_description('service', 'replicas')}" in page
    with open(os.path.join(out, "tags-gateways.md"), encoding="utf-8") as fh:
        derive_page = fh.read()
    assert all(s in derive_page for s in PAGE_SECTIONS)
    assert "this rule derives a `edge_service` fact that other rules match" in derive_page
    assert "- `service.type`: computed by archplan from the design" in derive_page


def test_docs_index_links_every_page_and_shows_the_matrix(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules, out = pack(root), os.path.join(root, "docs")
    run("rules", "docs", "-o", out, "--no-builtin", "--rules", rules)
    with open(os.path.join(out, "index.md"), encoding="utf-8") as fh:
        index = fh.read()
    assert "| likely (3) | low | medium | high | critical |" in index
    assert "[single-replica-service](single-replica-service.md)" in index
    assert "[tags-gateways](tags-gateways.md)" in index
    assert index.index("## resilience") < index.index("## api")  # categories in their fixed order


def test_docs_are_deterministic_and_replace_stale_pages(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules = pack(root)
    a, b = os.path.join(root, "a"), os.path.join(root, "b")
    run("rules", "docs", "-o", a, "--no-builtin", "--rules", rules)
    run("rules", "docs", "-o", b, "--no-builtin", "--rules", rules)
    for name in os.listdir(a):
        with open(os.path.join(a, name), "rb") as fa, open(os.path.join(b, name), "rb") as fb:
            assert fa.read() == fb.read(), name
    os.remove(os.path.join(rules, "api", "tags-gateways.yaml"))
    assert run("rules", "docs", "-o", a, "--no-builtin", "--rules", rules).exit_code == 0
    assert sorted(os.listdir(a)) == ["index.md", "single-replica-service.md"]
    assert not [n for n in os.listdir(root) if n.startswith(".archplan-docs")]  # no staging left behind


@pytest.mark.parametrize("where", ["inside-pack", "is-pack", "contains-pack", "inside-builtin"])
def test_docs_refuse_to_write_over_an_input(tmp_path: os.PathLike[str], where: str) -> None:
    root = str(tmp_path)
    rules = pack(root)
    out = {"inside-pack": os.path.join(rules, "docs"), "is-pack": rules, "contains-pack": root,
           "inside-builtin": os.path.join(builtin_rules_dir(), "docs")}[where]
    result = run("rules", "docs", "-o", out, "--rules", rules)
    assert result.exit_code == 2
    assert "overlaps the input" in result.output
    assert not os.path.exists(os.path.join(builtin_rules_dir(), "docs"))
    assert os.path.isfile(os.path.join(rules, "resilience", "single-replica-service.yaml"))


def test_docs_refuse_a_directory_holding_other_files(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    rules = pack(root)
    notes = write(root, "notes/todo.md", "mine\n")
    result = run("rules", "docs", "-o", os.path.dirname(notes), "--no-builtin", "--rules", rules)
    assert result.exit_code == 2 and "did not write (todo.md)" in result.output
    with open(notes, encoding="utf-8") as fh:
        assert fh.read() == "mine\n"


def test_docs_cover_the_whole_builtin_knowledge_base(tmp_path: os.PathLike[str]) -> None:
    out = os.path.join(str(tmp_path), "docs")
    result = run("rules", "docs", "-o", out)
    assert result.exit_code == 0, result.output
    enabled = {r.id for r in (parse_rule_file(p).rule for p in discover_rules([builtin_rules_dir()])) if r.enabled}
    assert {n[:-3] for n in os.listdir(out)} == enabled | {"index"}


# --- rules coverage -------------------------------------------------------------------------------------

def test_coverage_lists_each_pattern_with_its_rules(tmp_path: os.PathLike[str]) -> None:
    rules = pack(str(tmp_path), catalog=["RES-011", "RES-999"])
    result = run("rules", "coverage", "--no-builtin", "--rules", rules, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    rows = {r["id"]: r for r in report["patterns"]}
    assert len(rows) == len(load_catalog()) == 120
    assert rows["RES-011"]["rules"] == ["single-replica-service"]
    assert rows["RES-011"]["summary"] == "Critical service without redundancy"
    assert "AWS REL10-BP01" in rows["RES-011"]["source"]
    assert report["covered"] == 1
    assert report["uncovered"] == [r for r in rows if r != "RES-011"]
    assert report["unknown_catalog_ids"] == {"single-replica-service": ["RES-999"]}
    assert report["by_category"]["resilience"] == {"patterns": 22, "covered": 1, "rules": 1}
    assert report["by_category"]["api"] == {"patterns": 13, "covered": 0, "rules": 1}
    assert sum(c["patterns"] for c in report["by_category"].values()) == 120
    assert report["by_source"]["aws-well-architected"]["rules"] == 1
    assert report["by_source"]["twelve-factor"] == {"rules": 0, "patterns": 14, "covered": 0}


def test_coverage_text_marks_covered_and_uncovered(tmp_path: os.PathLike[str]) -> None:
    rules = pack(str(tmp_path))
    result = run("rules", "coverage", "--no-builtin", "--rules", rules)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Catalog coverage: 1 of 120 patterns covered")
    assert "[x] RES-011  Critical service without redundancy\n" in out
    assert "    rules:  single-replica-service\n" in out
    assert "[ ] RES-001 " in out and "UNCOVERED" in out


def test_builtin_coverage_only_cites_real_catalog_ids() -> None:
    report = json.loads(run("rules", "coverage", "--format", "json").output)
    assert report["unknown_catalog_ids"] == {}
    assert report["covered"] >= 1


# --- rules list -----------------------------------------------------------------------------------------

def test_list_shows_likelihood_and_impact(tmp_path: os.PathLike[str]) -> None:
    rules = pack(str(tmp_path))
    text = run("rules", "list", "--no-builtin", "--rules", rules).output
    assert "likelihood x impact" in text.splitlines()[0]
    row = next(ln for ln in text.splitlines() if ln.startswith("single-replica-service"))
    assert "high" in row and "likely x major" in row
    data = json.loads(run("rules", "list", "--no-builtin", "--rules", rules, "--format", "json").output)
    by_id = {d["id"]: d for d in data}
    assert (by_id["single-replica-service"]["likelihood"], by_id["single-replica-service"]["impact"]) == (
        "likely", "major")
    assert by_id["tags-gateways"]["likelihood"] is None


# --- the contributor guide stays true ----------------------------------------------------------------------

GUIDE = os.path.join(builtin_rules_dir(), "README.md")


def test_guide_shows_the_severity_matrix_the_engine_uses() -> None:
    from engine.docs import matrix_markdown

    with open(GUIDE, encoding="utf-8") as fh:
        guide = fh.read()
    table = [ln for ln in matrix_markdown().splitlines() if ln.startswith("|")]
    assert "\n".join(table) in guide


def test_guide_names_every_operator_section_and_source_family() -> None:
    from engine.catalog import RULE_SOURCES
    from engine.model.rule import Rule
    from engine.model.ruledata import OPERATORS

    with open(GUIDE, encoding="utf-8") as fh:
        guide = fh.read()
    assert all(f"`{op}`" in guide for op in OPERATORS)
    assert all(f"`{fam}`" in guide for fam in RULE_SOURCES)
    documented = {f.alias or name for name, f in Rule.model_fields.items()}
    assert all(f"`{key}`" in guide for key in documented), documented


def test_scaffold_mentions_every_key_a_rule_can_have() -> None:
    from engine.model.rule import Rule
    from engine.scaffold import scaffold

    text = scaffold("x-without-y", "data", "rules/data/x-without-y.yaml")
    keys = {f.alias or name for name, f in Rule.model_fields.items()}
    missing = [k for k in keys if not re.search(rf"^(?:# )?{k}:", text, re.MULTILINE)]
    assert not missing, missing
    for section in ("when", "risk", "mitigation", "examples"):
        assert f"\n{section}:" in text  # the sections every risk rule needs are live, not commented
