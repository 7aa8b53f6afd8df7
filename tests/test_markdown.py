"""Design documents: archplan blocks and Mermaid flowcharts of a Markdown file, located on its own lines."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError
from engine.loader import load_design
from engine.markdown import parse_markdown
from engine.review import review
from tests.conftest import ROOT
from tests.helpers import write

SHOP = os.path.join(ROOT, "facts", "shop")
SHOP_DOC = os.path.join(ROOT, "facts", "shop-doc")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def _line(path: str, line: int) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read().splitlines()[line - 1]


def test_markdown_twin_gives_the_yaml_designs_findings_on_its_own_lines() -> None:
    yaml_rv, md_rv = review([SHOP]), review([SHOP_DOC])
    assert len(md_rv.findings) == len(yaml_rv.findings) > 20

    def essence(f: Any) -> tuple[Any, ...]:
        d = f.to_json()
        return d["rule"], tuple(d["subjects"]), d["severity"], d["message"], d.get("phase")

    assert [essence(f) for f in md_rv.findings] == [essence(f) for f in yaml_rv.findings]
    moved = 0
    for y, m in zip(yaml_rv.findings, md_rv.findings, strict=True):
        ya, ma = y.to_json()["location"], m.to_json()["location"]
        assert ma["file"].endswith("design.md")
        # The Markdown line holds the very text the YAML line does, at the same column.
        assert _line(ma["file"], ma["line"]) == _line(ya["file"], ya["line"])
        assert ma["column"] == ya["column"]
        moved += ma["line"] != ya["line"]
    assert moved  # the lines really are the document's, not the YAML files'


def test_markdown_locations_reach_sarif_and_explain(tmp_path: os.PathLike[str]) -> None:
    out = os.path.join(str(tmp_path), "out.sarif")
    assert run("check", SHOP_DOC, "--format", "sarif", "-o", out).exit_code == 1
    with open(out, encoding="utf-8") as fh:
        sarif = json.load(fh)
    regions = [loc["physicalLocation"] for r in sarif["runs"][0]["results"] for loc in r["locations"]]
    assert regions and all(p["artifactLocation"]["uri"].endswith("design.md") for p in regions)
    assert all(p["region"]["startLine"] > 10 for p in regions)
    rv = review([SHOP_DOC])
    first = rv.findings[0]
    result = run("explain", SHOP_DOC, first.id)
    assert result.exit_code == 0, result.output
    assert f"design.md:{first.to_json()['location']['line']}" in result.output


def test_plan_reads_a_design_document(tmp_path: os.PathLike[str]) -> None:
    out = os.path.join(str(tmp_path), "plan.md")
    result = run("plan", os.path.join(SHOP_DOC, "design.md"), "-o", out)
    assert result.exit_code == 0, result.output
    assert os.path.getsize(out) > 1000


def test_markdown_without_a_block_says_how_to_add_one(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md", "# Notes\n\nSome: text: that YAML would choke on: [\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert "no archplan block" in result.output and "yaml archplan" in result.output
    assert "YAML syntax" not in result.output and "Traceback" not in result.output


def test_unreadable_file_type_names_the_types_archplan_reads(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.txt", "Plain notes: with: colons: [\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert "cannot read this file type (.txt)" in result.output
    assert ".yaml, .yml, .json" in result.output and ".md" in result.output


def test_markdown_without_a_block_in_a_directory_is_skipped_with_a_warning(tmp_path: os.PathLike[str]) -> None:
    d = str(tmp_path)
    write(d, "README.md", "# About this design\n")
    write(d, "api.yaml", "source: api\nservices:\n  - {name: a}\n")
    design = load_design([d])
    assert [f.key for f in design.facts] == ["service:a"]
    assert any("README.md" in str(w) and "skipped" in str(w) for w in design.warnings)


DOC = """\
---
title: Orders
source: api
---
# Orders

Prose about the design.

```yaml archplan
services:
  - name: orders
    kind: api
```

- The database agent's part, in a list item:

  ```archplan
  source: database
  datastores:
    - {name: orders-db, owner: orders, kind: relational}
  ```
"""


def test_blocks_take_the_front_matter_source_and_keep_their_lines(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md", DOC)
    design = load_design([path])
    by = design.by_key()
    assert by["service:orders"].agents == ("api",)
    assert by["service:orders"].location.line == 11
    assert by["service:orders"].fields["kind"].line == 12
    assert by["datastore:orders-db"].agents == ("database",)
    loc = by["datastore:orders-db"].fields["owner"]
    assert (loc.line, loc.column) == (20, 25)
    assert _line(path, 20)[loc.column - 1:].startswith("owner")


def test_yaml_error_in_a_block_is_located_in_the_markdown(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md", "# D\n\n```yaml archplan\nsource: api\nservices: [\n```\n")
    with pytest.raises(ArchplanError) as exc:
        load_design([path])
    assert str(exc.value).startswith(f"{path}:")
    assert exc.value.location is not None and exc.value.location.line >= 5


def test_invalid_field_in_a_block_points_at_the_markdown_line(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md",
                 "# D\n\n```yaml archplan\nsource: api\nservices:\n  - name: a\n    replicaz: 2\n```\n")
    result = run("check", path)
    assert result.exit_code == 2
    assert f"{path}:7:5: services[0].replicaz: unknown key 'replicaz'" in result.output


def test_block_without_any_source_is_an_error_naming_both_places(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md", "# D\n\n```yaml archplan\nservices: [{name: a}]\n```\n")
    with pytest.raises(ArchplanError, match=r"names no agent.*front matter"):
        load_design([path])


FLOW = """\
---
source: infrastructure
---
```yaml archplan
services:
  - {name: api, kind: api}
interactions:
  - {from: api, to: db, style: sync, timeout_ms: 500}
```

```mermaid
flowchart LR
  api[API] --> db[(Orders DB)]
  api -.-> events>order events] -.-> worker([worker])
  api --> stripe{{Stripe}}
  api --- loose
```
"""


def test_mermaid_flowchart_gives_inferred_components_and_calls(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "design.md", FLOW)
    design = load_design([path])
    by = design.by_key()
    assert {f.key for f in design.facts if f.kind != "interaction"} == {
        "service:api", "datastore:db", "channel:events", "service:worker", "external:stripe"}
    stated = by["interaction:api->db"]
    assert "inferred_from" not in stated.data  # stated in a block: the diagram does not mark it inferred
    assert stated.data["timeout_ms"] == 500
    published = by["interaction:api->events"]
    assert published.data["style"] == "async"
    assert "dotted arrow" in published.data["inferred_from"] and "design.md:14" in published.data["inferred_from"]
    assert by["interaction:api->stripe"].data["style"] == "sync"
    assert by["channel:events"].data["consumers"] == ["worker"]
    assert by["channel:events"].location.line == 14
    assert any("'api --- loose'" in str(w) and ":16:" in str(w) for w in design.warnings)


def test_a_stated_value_wins_over_a_drawn_one(tmp_path: os.PathLike[str]) -> None:
    doc = FLOW.replace("style: sync, timeout_ms: 500", "style: async") + "\n```mermaid\ngraph TD\n  x --> api\n```\n"
    path = write(str(tmp_path), "design.md", doc)
    design = load_design([path])
    assert design.by_key()["interaction:api->db"].data["style"] == "async"
    assert design.by_key()["interaction:x->api"].data["inferred_from"].endswith("design.md:21")


def test_other_mermaid_diagrams_are_not_read() -> None:
    text = "---\nsource: api\n---\n```mermaid\nsequenceDiagram\n  a->>b: hi\n```\n"
    assert parse_markdown(text, "d.md", required=False) == []
    with pytest.raises(ArchplanError, match="nothing states a fact"):
        parse_markdown(text, "d.md")


def test_flowchart_without_an_agent_asks_for_front_matter() -> None:
    with pytest.raises(ArchplanError, match="front matter"):
        parse_markdown("```yaml archplan\nsource: api\n```\n```mermaid\nflowchart\n  a --> b\n```\n", "d.md")


def test_a_drawn_shape_never_overrides_the_stated_kind(tmp_path: os.PathLike[str]) -> None:
    doc = ("---\nsource: api\n---\n```yaml archplan\nservices: [{name: api}, {name: db}]\n```\n"
           "```mermaid\nflowchart LR\n  api -->|reads| db[(DB)]\n```\n")
    design = load_design([write(str(tmp_path), "design.md", doc)])
    assert {f.key for f in design.facts} == {"service:api", "service:db", "interaction:api->db"}
    assert any("'db' is drawn as a datastore" in str(w) for w in design.warnings)


def test_findings_on_drawn_facts_have_basis_inferred_in_every_output(tmp_path: os.PathLike[str]) -> None:
    """A fact only drawn in a flowchart is inferred: a finding resting on it says so (basis, the facts, a note
    in the message as shown), in JSON, SARIF and explain; one on stated facts does not; fingerprints ignore it."""
    path = write(str(tmp_path), "design.md", FLOW)
    rv = review([path])
    by = rv.design.by_key()
    assert by["interaction:api->stripe"].inferred and by["service:worker"].inferred
    assert not by["interaction:api->db"].inferred and not by["service:api"].inferred  # stated in the block
    drawn = next(f for f in rv.findings if f.rule == "remote-call-without-timeout")
    assert drawn.subject == "interaction:api->stripe" and drawn.assumed  # assumed too, but the call itself is drawn
    data = drawn.to_json()
    assert data["basis"] == "inferred" and data["inferred"] == ["interaction:api->stripe"]
    assert {"key": "interaction:api->stripe", "basis": "inferred"}.items() <= data["evidence"][0].items()
    assert "(inferred from a flowchart: interaction:api->stripe)" in drawn.shown
    stated = next(f for f in rv.findings if f.subject == "service:api")
    assert stated.inferred == () and "inferred" not in stated.to_json()
    assert all(e.get("basis") != "inferred" for e in stated.to_json()["evidence"])
    # The same call stated in a block: the same finding, the same fingerprint, now assumed.
    block = FLOW.replace("style: sync, timeout_ms: 500}", "style: sync, timeout_ms: 500}\n  - {from: api, to: stripe}")
    restated = next(f for f in review([write(str(tmp_path), "design.md", block)]).findings
                    if f.rule == "remote-call-without-timeout")
    assert restated.basis == "assumed" and restated.fingerprint == drawn.fingerprint

    out = os.path.join(str(tmp_path), "out.sarif")
    write(str(tmp_path), "design.md", FLOW)
    assert run("check", path, "--format", "sarif", "-o", out).exit_code == 0  # nothing at or above high
    with open(out, encoding="utf-8") as fh:
        results = json.load(fh)["runs"][0]["results"]
    props = next(r["properties"] for r in results if r["ruleId"] == "remote-call-without-timeout")
    assert props["basis"] == "inferred" and props["inferred"] == ["interaction:api->stripe"]
    explained = run("explain", path, drawn.id)
    assert "basis: inferred" in explained.output and "drawn in a Mermaid flowchart" in explained.output
    assert "interaction:api->stripe" in explained.output and "(inferred)" in explained.output
