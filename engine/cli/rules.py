"""``archplan rules list | show | test | new | docs | coverage``: the knowledge base, and the contributor workflow
around it."""

from __future__ import annotations

import json
import os
import sys

import click

from engine.cli import options as common
from engine.errors import UsageError


@click.group()
def rules() -> None:
    """Inspect, test and document the knowledge base."""


@rules.command("list")
@common.rules_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(rule_dirs: tuple[str, ...], no_builtin: bool, fmt: str) -> None:
    """List every rule."""
    from tabulate import tabulate

    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    items = [kb.source[r] for r in sorted(kb.source)]
    if fmt == "json":
        data = [{"id": lr.rule.id, "title": lr.rule.title, "category": lr.rule.category.value,
                 "severity": lr.rule.severity.value if lr.rule.severity else None, "phase": int(lr.rule.phase),
                 "likelihood": lr.rule.risk.likelihood if lr.rule.risk else None,
                 "impact": lr.rule.risk.impact if lr.rule.risk else None,
                 "file": os.path.relpath(lr.file), "references": lr.rule.references} for lr in items]
        common.write_output(None, json.dumps(data, indent=2, sort_keys=True) + "\n", fmt="json")
        return
    from engine.neutral import one_line

    rows = [[lr.rule.id, lr.rule.category.value, lr.rule.severity.value if lr.rule.severity else "-",
             f"{lr.rule.risk.likelihood} x {lr.rule.risk.impact}" if lr.rule.risk else "-",
             int(lr.rule.phase), one_line(lr.rule.title)] for lr in items]
    common.write_output(None, tabulate(rows, headers=["id", "category", "severity", "likelihood x impact", "phase",
                                               "title"]) + "\n")
    click.echo(f"\n{len(items)} rules")


@rules.command("show")
@click.argument("rule_id")
@common.rules_options
def rules_show(rule_id: str, rule_dirs: tuple[str, ...], no_builtin: bool) -> None:
    """Show one rule: its docs, condition and examples."""
    from engine.errors import did_you_mean
    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    lr = kb.source.get(rule_id)
    if lr is None:
        raise UsageError(f"no rule '{rule_id}'{did_you_mean(rule_id, kb.source)}")
    from engine.neutral import channel

    with open(lr.file, encoding="utf-8") as fh:
        click.echo(channel(f"# {os.path.relpath(lr.file)}\n{fh.read()}"), nl=False)


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@common.rules_options
@click.option("-v", "--verbose", is_flag=True, help="List every case, not only failures.")
def rules_test(paths: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin: bool, verbose: bool) -> None:
    """Run every rule's examples and case files (under PATHS, if given)."""
    from engine.neutral import line
    from engine.review import load_kb
    from engine.rulecheck import CHECKS
    from engine.ruletest import check_rules, check_unknown_policy, run_cases

    extra = [p for p in paths if os.path.isdir(p)] if no_builtin else []
    kb = load_kb(list(rule_dirs) + extra, builtin=not no_builtin)
    results = run_cases(kb, list(paths))
    if not results:
        loaded = {os.path.realpath(d) for d in (*rule_dirs, *extra)}
        packs = [p for p in paths if os.path.isdir(p) and os.path.realpath(p) not in loaded and _holds_yaml(p)]
        hint = (f" (PATHS choose among the loaded rules; to load the rules under {packs[0]}, add --rules {packs[0]})"
                if packs else "")
        raise UsageError("no rule examples found" + (f" under {', '.join(paths)}" if paths else "") + hint)
    failed = [r for r in results if not r.ok]
    for r in results:
        if verbose or not r.ok:
            status = "ok  " if r.ok else "FAIL"
            loc = r.case.location
            click.echo(line(f"{status} {r.case.test_id}  {loc}: {r.detail}"))
    # The rules about rules (rules/README.md, section 8): complete docs, every kind of example, cited sources ...
    checked_rules, problems = check_rules(kb, list(paths), results)
    for p in problems:
        click.echo(line(f"FAIL {p}"))
    # The unknown policy (rules/README.md, section 4): no field a rule tests may leave it silent when unknown.
    checked, silent = check_unknown_policy(kb, list(paths))
    for s in silent:
        click.echo(line(f"FAIL {s.rule}::unknown:{s.ref}  {s.location}: {s.detail}"))
    rules_count = len({r.case.rule for r in results})
    click.echo(f"rules about rules: {len(CHECKS)} checks on {checked_rules} rules, {len(problems)} problems")
    click.echo(f"unknown policy: {checked} fields checked, {len(silent)} leave their rule silent")
    others = [text for n, text in (
        (len(problems), f"{len(problems)} problem{'' if len(problems) == 1 else 's'} of the rules about rules"),
        (len(silent), "1 field that leaves its rule silent" if len(silent) == 1
         else f"{len(silent)} fields that leave their rule silent")) if n]
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({rules_count} "
               f"rule{'' if rules_count == 1 else 's'})" + (f"; also failing: {', '.join(others)}" if others else ""))
    sys.exit(common.EXIT_FINDINGS if failed or silent or problems else common.EXIT_OK)


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
    common.write_output(path, scaffold(rule_id, category, path), fmt="raw")
    hint = naming_hint(rule_id)
    if hint:
        click.echo(f"archplan: note: {hint}", err=True)
    click.echo(f"created {path}\n"
               f"next: replace every FILL-ME, then run  archplan rules test {path}")


@rules.command("docs")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to (re)generate: one page per rule plus index.md.")
@common.rules_options
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
@common.rules_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
def rules_coverage(rule_dirs: tuple[str, ...], no_builtin: bool, fmt: str, output: str | None) -> None:
    """List each pattern of the catalog with the rules that cover it, and the patterns still uncovered."""
    from engine.catalog import coverage, coverage_text, load_catalog
    from engine.review import load_kb

    kb = load_kb(list(rule_dirs), builtin=not no_builtin)
    report = coverage([lr.rule for lr in kb.source.values()], load_catalog())
    text = json.dumps(report, indent=2, sort_keys=True) + "\n" if fmt == "json" else coverage_text(report)
    common.write_output(output, text, list(rule_dirs), fmt)


def _holds_yaml(directory: str) -> bool:
    """Whether a YAML file is anywhere under ``directory`` (a rule pack given where a rule pack is not loaded)."""
    return any(n.endswith((".yaml", ".yml")) for _root, _dirs, names in os.walk(directory) for n in names)
