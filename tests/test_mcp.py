"""``archplan mcp``: a session driven by the official SDK's own client, over stdio and in-process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest

pytest.importorskip("mcp", reason="archplan mcp needs the mcp extra (pip install 'archplan[mcp]')")

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from engine import mcp_server
from engine.mcp_server import PLAN_SECTIONS, build_server
from tests.conftest import ROOT

SHOP = os.path.join(ROOT, "facts", "shop")
TOOLS = ["check", "explain", "plan", "rules", "schema"]


def _shop_files() -> dict[str, str]:
    out = {}
    for name in sorted(os.listdir(SHOP)):
        with open(os.path.join(SHOP, name), encoding="utf-8") as fh:
            out[name] = fh.read()
    return out


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def test_stdio_session_initialize_list_check_explain() -> None:
    params = StdioServerParameters(command=sys.executable,
                                   args=["-c", "from engine.cli.main import main; main()", "mcp"], cwd=ROOT)

    async def session() -> None:
        async with Client(params, mode="legacy") as client:  # legacy: the initialize handshake
            assert client.server_info is not None and client.server_info.name == "archplan"
            listed = await client.list_tools()
            assert sorted(t.name for t in listed.tools) == TOOLS
            check = next(t for t in listed.tools if t.name == "check")
            assert {"files", "paths", "previous"} <= set(check.input_schema["properties"])

            by_path = await client.call_tool("check", {"paths": [SHOP]})
            assert not by_path.is_error, _text(by_path)
            data = by_path.structured_content
            assert data is not None and data["findings"] and data["gaps"]
            first = data["findings"][0]
            assert first["location"].startswith(SHOP) and first["fingerprint"]
            # The same design given inline: the same findings, with the same fingerprints.
            inline = await client.call_tool("check", {"files": _shop_files()})
            assert inline.structured_content is not None
            assert ([f["fingerprint"] for f in inline.structured_content["findings"]]
                    == [f["fingerprint"] for f in data["findings"]])
            assert inline.structured_content["findings"][0]["location"].split(":")[0] in _shop_files()

            explained = await client.call_tool("explain", {"finding": first["fingerprint"], "paths": [SHOP]})
            assert not explained.is_error
            assert first["rule"] in _text(explained) and "matched facts:" in _text(explained)

            bad = await client.call_tool("check", {"files": {"api.yaml": "source: api\nservices:\n  - name: a\n"
                                                                         "    replicaz: 2\n"}})
            assert bad.is_error
            assert "api.yaml:4:5: services[0].replicaz: unknown key 'replicaz' (did you mean 'replicas'?)" in _text(bad)
            again = await client.call_tool("rules", {})  # the server still serves after a bad design
            assert not again.is_error

    asyncio.run(session())


def _call(name: str, args: dict[str, Any]) -> Any:
    async def go() -> Any:
        async with Client(build_server()) as client:
            return await client.call_tool(name, args)
    return asyncio.run(go())


API = """\
source: api
services: [{name: checkout}]
externals: [{name: stripe}]
interactions:
  - {from: checkout, to: stripe, style: sync, timeout_ms: 2000, circuit_breaker: %s}
"""


def test_fingerprints_let_an_agent_see_what_a_fix_resolved() -> None:
    async def go() -> None:
        async with Client(build_server()) as client:
            before = await client.call_tool("check", {"files": {"api.yaml": API % "false"}})
            assert before.structured_content is not None
            shown = before.structured_content["findings"] + before.structured_content["gaps"]
            prints = [f["fingerprint"] for f in shown]
            breaker = next(f for f in before.structured_content["findings"]
                           if f["rule"] == "external-call-without-circuit-breaker")
            after = await client.call_tool("check", {"files": {"api.yaml": API % "true"}, "previous": prints})
            assert after.structured_content is not None
            assert breaker["fingerprint"] in after.structured_content["resolved"]
            assert after.structured_content["new"] == []

    asyncio.run(go())


def test_markdown_design_document_inline() -> None:
    doc = "# Checkout\n\n```yaml archplan\n" + API % "false" + "```\n"
    result = _call("check", {"files": {"design.md": doc}})
    assert not result.is_error, _text(result)
    breaker = next(f for f in result.structured_content["findings"]
                   if f["rule"] == "external-call-without-circuit-breaker")
    assert breaker["location"].startswith("design.md:8:")


@pytest.mark.parametrize(("args", "message"), [
    ({}, "either inline as 'files'"),
    ({"files": {"notes.txt": "x"}}, "cannot read this file type"),
    ({"files": {"design.md": "# no blocks\n"}}, "no archplan block"),
    ({"paths": ["/nonexistent/design"]}, "no such file or directory"),
    ({"files": {"api.yaml": "source: api\nservices: [\n"}}, "api.yaml:3:1: YAML syntax error"),
], ids=["nothing", "file-type", "markdown-without-block", "missing-path", "yaml-syntax"])
def test_bad_input_is_a_located_tool_error(args: dict[str, Any], message: str) -> None:
    result = _call("check", args)
    assert result.is_error and message in _text(result), _text(result)


def test_a_bug_is_a_tool_error_and_the_server_keeps_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("boom")

    async def go() -> None:
        async with Client(build_server()) as client:
            with monkeypatch.context() as m:
                m.setattr(mcp_server.Reviewer, "review", broken)
                result = await client.call_tool("check", {"paths": [SHOP]})
            assert result.is_error and "internal error: RuntimeError: boom" in _text(result)
            assert not (await client.call_tool("check", {"paths": [SHOP]})).is_error

    asyncio.run(go())


def test_plan_sections_schema_and_rules_tools() -> None:
    plan = _call("plan", {"paths": [SHOP], "sections": ["risks", "tests"]})
    assert not plan.is_error, _text(plan)
    text = _text(plan)
    assert "## 3. Risk assessment" in text and "## 5. Testing strategy" in text
    assert "## 1. Integration architecture" not in text and "## 7. Monitoring" not in text
    bad_section = _call("plan", {"paths": [SHOP], "sections": ["risk"]})
    assert bad_section.is_error
    assert len(PLAN_SECTIONS) == 7
    schema = _call("schema", {"agent": "security", "strict": True})
    assert schema.structured_content is not None
    assert schema.structured_content["properties"]["source"] == {"enum": ["security"], "type": "string",
                                                                  "description": schema.structured_content[
                                                                      "properties"]["source"]["description"]}
    listed = _call("rules", {})
    ids = [r["id"] for r in listed.structured_content["rules"]]
    assert "external-call-without-circuit-breaker" in ids and ids == sorted(ids)
    shown = _call("rules", {"rule": "external-call-without-circuit-breaker"})
    assert "when:" in shown.structured_content["rule"]["text"]
    unknown = _call("explain", {"finding": "nope", "paths": [SHOP]})
    assert unknown.is_error and "no finding 'nope'" in _text(unknown)


def test_a_design_given_as_paths_is_reviewed_with_its_project_config(tmp_path: Any) -> None:
    design = tmp_path / "design"
    design.mkdir()
    (design / "api.yaml").write_text(API % "false", encoding="utf-8")
    (tmp_path / ".git").mkdir()  # the project root: the config is looked for up to here
    before = _call("check", {"paths": [str(design)]})
    assert any(f["rule"] == "external-call-without-circuit-breaker" for f in before.structured_content["findings"])
    (tmp_path / "archplan.toml").write_text('disable = ["external-call-without-circuit-breaker"]\n', encoding="utf-8")
    after = _call("check", {"paths": [str(design)]})
    assert not after.is_error, _text(after)
    assert all(f["rule"] != "external-call-without-circuit-breaker" for f in after.structured_content["findings"])


def test_check_findings_say_what_they_rest_on() -> None:
    """A finding made by reading an unstated field as its default says so (basis, assumed), as the JSON report
    does; one on stated facts says it is stated."""
    unstated = API.replace(", circuit_breaker: %s", "")
    result = _call("check", {"files": {"api.yaml": unstated}})
    assert not result.is_error, _text(result)
    breaker = next(f for f in result.structured_content["findings"]
                   if f["rule"] == "external-call-without-circuit-breaker")
    assert breaker["basis"] == "assumed"
    assert {"fact": "interaction:checkout->stripe", "field": "circuit_breaker", "value": False,
            "why": "not stated"} in breaker["assumed"]
    stated = _call("check", {"files": {"api.yaml": API % "false"}}).structured_content["findings"]
    breaker = next(f for f in stated if f["rule"] == "external-call-without-circuit-breaker")
    assert breaker["basis"] == "stated" and "assumed" not in breaker
    assert all("basis" not in g for g in result.structured_content["gaps"])


HOSTILE_FILE = "api\x1b[31m\u202e.yaml"
"""A file name a pull request controls: an ANSI colour sequence and a right-to-left override."""
HOSTILE_DESIGN = ("source: api\nsystem:\n  name: shop\n  description: |\n    fine\n    ::error::pwned ##[group]x\n"
                  + API.split("\n", 1)[1] % "false")


def _raw_problems(text: str) -> list[str]:
    problems = [repr(ch) for ch in ("\x1b", "\u202e", "##[") if ch in text]
    return problems + [ln for ln in text.splitlines() if ln.strip().startswith("::")]


def test_hostile_text_in_a_design_never_comes_back_raw_from_any_tool(tmp_path: Any) -> None:
    """Every tool result, structured or text, and every tool error goes through the neutralising layer: a file
    name with an escape sequence and a bidi control, and a description holding workflow commands, come back as
    visible escapes or broken markers, never as the characters a terminal or a CI log would act on."""
    (tmp_path / HOSTILE_FILE).write_text(HOSTILE_DESIGN, encoding="utf-8")

    async def go() -> list[tuple[str, Any]]:
        async with Client(build_server()) as client:
            by_path = await client.call_tool("check", {"paths": [str(tmp_path)]})
            assert by_path.structured_content is not None, _text(by_path)
            first = by_path.structured_content["findings"][0]
            assert "\\x1b[31m\\u202e.yaml:" in first["location"]  # shown, as a visible escape
            broken = {HOSTILE_FILE: "source: api\nservices: [\n"}
            return [
                ("check paths", by_path),
                ("check inline", await client.call_tool("check", {"files": {HOSTILE_FILE: HOSTILE_DESIGN}})),
                ("explain", await client.call_tool("explain", {"finding": first["fingerprint"],
                                                               "paths": [str(tmp_path)]})),
                ("plan markdown", await client.call_tool("plan", {"paths": [str(tmp_path)]})),
                ("plan json", await client.call_tool("plan", {"paths": [str(tmp_path)], "format": "json"})),
                ("error", await client.call_tool("check", {"paths": [str(tmp_path / "gone\x1b]0;x\x07.yaml")]})),
                ("bad inline", await client.call_tool("check", {"files": broken})),
            ]

    results = asyncio.run(go())
    assert [name for name, r in results if r.is_error] == ["error", "bad inline"]
    for name, result in results:
        shown = _text(result) + json.dumps(result.structured_content, ensure_ascii=False)
        assert not _raw_problems(shown), (name, _raw_problems(shown))
    assert "pwned" in _text(results[4][1])  # the description is there, neutralised, not dropped


def test_neutralising_leaves_the_schemas_and_rules_as_they_are() -> None:
    from engine.schema import agent_schema, design_schema, strict_schema

    for data in (design_schema(), *(strict_schema(agent_schema(a)) for a in ("api", "security"))):
        assert mcp_server.neutral(data) == data
    rule = mcp_server.rules_data("external-call-without-circuit-breaker")
    assert mcp_server.neutral(rule) == rule


def test_a_finding_on_a_drawn_call_says_it_is_inferred() -> None:
    doc = ("---\nsource: api\n---\n```yaml archplan\nservices: [{name: checkout}]\nexternals: [{name: stripe}]\n```\n"
           "```mermaid\nflowchart LR\n  checkout --> stripe\n```\n")
    result = _call("check", {"files": {"design.md": doc}})
    assert not result.is_error, _text(result)
    breaker = next(f for f in result.structured_content["findings"]
                   if f["rule"] == "external-call-without-circuit-breaker")
    assert breaker["basis"] == "inferred" and breaker["inferred"] == ["interaction:checkout->stripe"]
    assert breaker["location"] == "design.md:10:1"


def test_the_server_collects_cyclic_garbage_although_the_console_script_turned_it_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``archplan mcp`` serves many requests from one process: the one-shot entry's ``gc.disable()`` must not last."""
    import gc

    from click.testing import CliRunner

    from engine.cli.agents import mcp

    seen: list[bool] = []
    monkeypatch.setattr(mcp_server, "serve", lambda: seen.append(gc.isenabled()))
    was = gc.isenabled()
    gc.disable()
    try:
        result = CliRunner().invoke(mcp, [])
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
    assert result.exit_code == 0, result.output
    assert seen == [True]
