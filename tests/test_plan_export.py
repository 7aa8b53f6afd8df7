"""The plan's work items for issue trackers: GitHub issue bodies (JSON) and Jira's CSV importer, schema-checked."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.plan import build_plan
from engine.plan.export import GH_BODY_MAX, GH_LABEL_MAX, GH_TITLE_MAX, to_gh_issues, to_jira_csv
from engine.plan.model import Plan
from engine.review import review
from tests.conftest import ROOT

SHOP = os.path.join(ROOT, "facts", "shop")

# The request body of GitHub's REST "Create an issue" (POST /repos/{owner}/{repo}/issues), which
# `gh api repos/OWNER/REPO/issues --input -` sends: title required; body, labels, assignees, milestone
# optional; with GitHub's limits on title, body and label length. No other key is accepted here.
GH_ISSUE_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": GH_TITLE_MAX},
            "body": {"type": "string", "maxLength": GH_BODY_MAX},
            "labels": {"type": "array", "uniqueItems": True,
                       "items": {"type": "string", "minLength": 1, "maxLength": GH_LABEL_MAX,
                                 "pattern": r"^[^\s,]+$"}},
            "assignees": {"type": "array", "items": {"type": "string"}},
            "milestone": {"type": ["integer", "null"]},
        },
    },
}
# Jira's CSV importer: a header row with a Summary column, header names without punctuation, repeated
# columns for several values of one field (Labels, a link type), and these fields known to the wizard.
JIRA_COLUMNS = {"Issue Id", "Summary", "Issue Type", "Description", "Component", "Original Estimate", "Labels",
                "Blocked By", "Phase", "Source"}


@pytest.fixture(scope="module")
def shop() -> Plan:
    return build_plan(review([SHOP], [], findings_only=False), render_svg=False)


def test_gh_issues_match_githubs_create_issue_schema(shop: Plan) -> None:
    issues = json.loads(to_gh_issues(shop))
    jsonschema.validate(issues, GH_ISSUE_SCHEMA)
    assert len(issues) == len(shop.roadmap.items) > 20


def test_each_issue_carries_phase_team_effort_dependencies_and_origin(shop: Plan) -> None:
    issues = {re.search(r"<!-- archplan:(.+) -->", i["body"]).group(1): i  # type: ignore[union-attr]
              for i in json.loads(to_gh_issues(shop))}
    checkout = issues["service:checkout"]
    assert {"phase-2", "team:checkout-team", "effort:5d", "component"} <= set(checkout["labels"])
    assert "- Depends on: " in checkout["body"] and "(`service:payments`)" in checkout["body"]
    mitigation = next(i for k, i in issues.items() if k.startswith("mitigation:circuit-breaker@checkout"))
    assert "- From: `finding:" in mitigation["body"] and "team:checkout-team" in mitigation["labels"]
    for key, issue in issues.items():  # every dependency names an item of the export
        for dep in re.findall(r"\(`([^`]+)`\)", issue["body"].split("- Depends on: ")[-1]):
            assert dep in issues, (key, dep)


def test_jira_csv_has_the_importers_columns_and_links_within_the_file(shop: Plan) -> None:
    rows = list(csv.reader(io.StringIO(to_jira_csv(shop), newline="")))
    header, body = rows[0], rows[1:]
    assert "Summary" in header and set(header) <= JIRA_COLUMNS
    assert all(re.fullmatch(r"[A-Za-z ]+", h) for h in header)  # no punctuation in the header
    assert all(len(r) == len(header) for r in body)
    col = {h: header.index(h) for h in header}
    ids = [r[col["Issue Id"]] for r in body]
    assert ids == [str(k) for k in range(1, len(body) + 1)]
    links = [i for i, h in enumerate(header) if h == "Blocked By"]
    labels = [i for i, h in enumerate(header) if h == "Labels"]
    for r in body:
        assert r[col["Summary"]] and int(r[col["Original Estimate"]]) % 3600 == 0
        assert all(r[i] in ids for i in links if r[i])
        assert all(" " not in r[i] for i in labels)
    checkout = next(r for r in body if r[col["Summary"]].startswith("Build") and "checkout" in r[col["Summary"]])
    assert checkout[col["Component"]] == "checkout-team" and checkout[col["Phase"]].startswith("2.")
    assert sum(1 for i in links if checkout[i]) >= 4  # cart, inventory, orders, payments ...


def test_plan_cli_writes_the_exports(tmp_path: Any) -> None:
    for fmt, name in (("gh-issues", "issues.json"), ("jira-csv", "issues.csv")):
        out = os.path.join(str(tmp_path), name)
        result = CliRunner().invoke(main, ["plan", SHOP, "--format", fmt, "-o", out])
        assert result.exit_code == 0, result.output
        with open(out, encoding="utf-8", newline="") as fh:
            text = fh.read()
        assert text == (to_gh_issues if fmt == "gh-issues" else to_jira_csv)(
            build_plan(review([SHOP], [], findings_only=False), render_svg=False))
