"""``archplan rules new | docs | coverage``: the contributor workflow around the knowledge base."""

from __future__ import annotations

import json
import os

import click

from engine.cli.main import _rules_options, rules, write_output
from engine.errors import UsageError


@rules.command("new")
@click.argument("rule_id")
@click.option("--category", "-c", required=True, help="One of the eight categories (resilience, data, ...).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), default="rules", show_default=True,
              help="The rules directory (or team pack) to create the rule in.")
def rules_new(rule_id: str, category: str, rules_dir: str) -> None:
    """Scaffold RULE_ID as RULES/<category>/<rule-id>.yaml, every section laid out with guidance."""
    from engine.ruleload import builtin_rules_dir
    from engine.scaffold import check_category, check_id, existing_rule_files, naming_hint, scaffold

    problems = check_id(rule_id) + check_category(category)
    if problems:
        raise UsageError("; ".join(problems))
    if not os.path.isdir(rules_dir):
        raise UsageError(f"rules directory {rules_dir} does not exist; run from the project root or pass "
                         "--rules DIR")
    clash = existing_rule_files(rule_id, [rules_dir, builtin_rules_dir()])
    if clash:
        shown = os.path.relpath(clash[0])
        shown = clash[0] if shown.startswith("..") else shown
        raise UsageError(f"a rule '{rule_id}' already exists: {shown}; rule ids are unique across all packs")
    folder = os.path.join(rules_dir, category)
    path = os.path.join(folder, f"{rule_id}.yaml")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {folder}: {exc.strerror}") from None
    write_output(path, scaffold(rule_id, category, path), fmt="raw")
    hint = naming_hint(rule_id)
    if hint:
        click.echo(f"archplan: note: {hint}", err=True)
    click.echo(f"created {path}\n"
               f"next: replace every FILL-ME, then run  archplan rules test {path}")


@rules.command("docs")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to (re)generate: one page per rule plus index.md.")
@_rules_options
def rules_docs(out_dir: str, rule_dirs: tuple[str, ...], no_builtin: bool) -> None:
    """Generate one Markdown reference page per rule, and an index page."""
    from engine.docs import render_all, write_docs
    from engine.review import load_kb
    from engine.ruleload import builtin_rules_dir

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    inputs = ([builtin_rules_dir()] if not no_builtin else []) + list(rule_dirs)
    pages = render_all([kb.source[r] for r in sorted(kb.source)])
    write_docs(pages, out_dir, inputs)
    click.echo(f"wrote {len(pages) - 1} rule pages and index.md to {out_dir}")


@rules.command("coverage")
@_rules_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
def rules_coverage(rule_dirs: tuple[str, ...], no_builtin: bool, fmt: str, output: str | None) -> None:
    """List each pattern of the catalog with the rules that cover it, and the patterns still uncovered."""
    from engine.catalog import coverage, coverage_text, load_catalog
    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    report = coverage([lr.rule for lr in kb.source.values()], load_catalog())
    text = json.dumps(report, indent=2, sort_keys=True) + "\n" if fmt == "json" else coverage_text(report)
    write_output(output, text, list(rule_dirs), fmt)
