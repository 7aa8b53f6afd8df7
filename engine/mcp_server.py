"""``archplan mcp``: the reviewer as a Model Context Protocol server, for agents that write designs.

Tools: ``check`` (a design given inline or as paths: findings, gaps and locations as structured output),
``explain``, ``plan`` (sections selectable), ``schema`` and ``rules``. Findings come back compact and
stable: each carries its fingerprint, which stays the same while the finding stays, so an agent can fix,
re-check with ``previous`` and read which findings are new and which are resolved.

A bad design is a tool error whose text holds one located line per problem, as the CLI prints them;
nothing a tool is given stops the server. Every tool result and every tool error passes through the output
neutralisation layer (``engine.neutral``, docs/security.md) before it leaves, as every CLI output does: an
agent's log or terminal is a channel too. Built on the official SDK (the ``mcp`` extra).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from engine.config import resolve
from engine.errors import ArchplanError, InputError, Location, UsageError, did_you_mean, raise_all
from engine.loader import DESIGN_SUFFIXES, READABLE, load_design, load_documents
from engine.markdown import is_markdown, parse_markdown
from engine.model.design import Design
from engine.model.finding import Finding
from engine.neutral import channel, for_format, line
from engine.review import Review, load_kb, review_design
from engine.source import DEFAULT_LIMITS, Document, Limits, parse

PLAN_SECTIONS: tuple[str, ...] = ("architecture", "roadmap", "risks", "performance", "tests", "deployment",
                                  "monitoring")
"""The plan's sections, in order (``archplan plan`` numbers them 1 to 7)."""
MAX_INLINE_FILES = 64
"""Most inline files one call may give."""

SectionName = Literal["architecture", "roadmap", "risks", "performance", "tests", "deployment", "monitoring"]
AgentName = Literal["api", "database", "infrastructure", "security"]


class Reviewer:
    """The tools' logic, independent of the protocol: compiled rules kept across calls, one review at a time."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._kbs: dict[bool, Any] = {}
        self._lock = threading.Lock()

    def _kb(self, findings_only: bool) -> Any:
        if findings_only not in self._kbs:
            self._kbs[findings_only] = load_kb(findings_only=findings_only)
        return self._kbs[findings_only]

    def design(self, files: Mapping[str, str] | None, paths: Sequence[str] | None) -> Design:
        """The design given inline (file name -> text) or as paths (files and directories)."""
        if bool(files) == bool(paths):
            raise UsageError("give the design either inline as 'files' (file name -> text: YAML, JSON or "
                             "Markdown) or as 'paths', one of the two")
        if paths:
            return load_design(list(paths), self.limits)
        items = sorted((files or {}).items())
        if len(items) > MAX_INLINE_FILES:
            raise UsageError(f"{len(items)} inline files, over the limit of {MAX_INLINE_FILES}")
        docs: list[Document] = []
        errors: list[ArchplanError] = []
        for name, text in items:
            try:
                docs.extend(self._inline(name, text))
            except ArchplanError as exc:
                errors.append(exc)
        raise_all(errors)
        if not docs:
            raise InputError(f"no design facts in {', '.join(n for n, _t in items)}")
        return load_documents(docs)

    def _inline(self, name: str, text: str) -> list[Document]:
        if not name.lower().endswith(DESIGN_SUFFIXES):
            raise InputError(f"cannot read this file type: archplan reads {READABLE}", Location(name))
        size = len(text.encode("utf-8"))
        if size > self.limits.max_bytes:
            raise InputError(f"file is {size:,} bytes, over the {self.limits.max_bytes:,}-byte limit", Location(name))
        if is_markdown(name):
            return parse_markdown(text, name, self.limits)
        return [parse(text, name, self.limits)]

    def review(self, files: Mapping[str, str] | None, paths: Sequence[str] | None,
               findings_only: bool = True) -> Review:
        """Review the design with the built-in rules; a design given as paths with the project config found
        from them (archplan.toml or pyproject.toml: disabled rules, packs, params, severities), as the CLI does."""
        design = self.design(files, paths)
        config = resolve(list(paths), None, False, self.limits) if paths else None
        with self._lock:
            if config is not None and config.file is not None:  # read afresh: the agent may have changed it
                kb = load_kb(config=config, limits=self.limits, findings_only=findings_only)
            else:
                kb = self._kb(findings_only)
            return review_design(design, kb)


def _loc(loc: Location) -> str:
    return str(loc)


def compact(f: Finding) -> dict[str, Any]:
    """A finding as an agent needs it to iterate: what, where, and a fingerprint that stays while it stays."""
    out: dict[str, Any] = {"fingerprint": f.fingerprint, "id": f.id, "rule": f.rule, "kind": f.kind,
                           "severity": f.severity.value, "subject": f.subject, "message": f.message,
                           "location": _loc(f.location),
                           "evidence": [{"key": e.key, "location": _loc(e.location)} for e in f.evidence
                                        if e.location.line > 0]}
    if f.missing:
        out["missing"] = [{"field": fld, "rule": rule} for fld, rule in f.missing]
    if f.kind == "risk":  # as the JSON report: what the finding rests on, and what it read as a default
        out["basis"] = f.basis
        if f.assumed:
            out["assumed"] = [a.to_json() for a in f.assumed]
    if f.inferred:  # only drawn in a flowchart: the agent should state them
        out["inferred"] = list(f.inferred)
    return out


def check_result(rv: Review, previous: Sequence[str] = (), min_severity: str = "low") -> dict[str, Any]:
    """The structured result of ``check``: findings (risks, then gaps), counts, warnings and, given the
    fingerprints of a previous check, which findings are new and which are resolved."""
    from engine.report import severity_at_least

    shown = [f for f in rv.findings if severity_at_least(f.severity, min_severity)]
    now = {f.fingerprint for f in rv.findings}
    out: dict[str, Any] = {
        "findings": [compact(f) for f in shown if f.kind == "risk"],
        "gaps": [compact(f) for f in shown if f.kind == "gap"],
        "summary": {k: v for k, v in rv.summary().items() if k in ("findings", "by_severity", "information_gaps")},
        "warnings": [str(w) for w in rv.design.warnings],
    }
    if previous:
        before = set(previous)
        out["new"] = sorted(f.fingerprint for f in rv.findings if f.fingerprint not in before)
        out["resolved"] = sorted(before - now)
    return out


def explain_text(rv: Review, finding: str) -> str:
    """``archplan explain`` for one finding (id, fingerprint or rule@subject)."""
    from engine.report import explain

    found = rv.find(finding)
    if found is None:
        ids = [f.id for f in rv.findings] + [f"{f.rule}@{f.subject}" for f in rv.findings]
        raise UsageError(f"no finding '{finding}' in this design{did_you_mean(finding, ids)}")
    return explain(rv, found)


def plan_text(rv: Review, sections: Sequence[str] | None, fmt: str) -> str:
    """The integration plan, whole or only ``sections`` (names of ``PLAN_SECTIONS``)."""
    from engine.plan import build_plan
    from engine.plan.render import render

    wanted = list(sections or PLAN_SECTIONS)
    unknown = [s for s in wanted if s not in PLAN_SECTIONS]
    if unknown:
        raise UsageError(f"no plan section '{unknown[0]}'{did_you_mean(unknown[0], PLAN_SECTIONS)}; "
                         f"the sections are {', '.join(PLAN_SECTIONS)}")
    plan = build_plan(rv, render_svg=False)
    if fmt == "json":
        data = plan.to_json()
        body = data["plan"]
        keep = {"system", "description", "counts", "rules_used", *wanted}
        data["plan"] = {k: v for k, v in body.items() if k in keep}
        return for_format(json.dumps(data, sort_keys=True, indent=2) + "\n", "json")
    text = render(plan, "markdown")
    # Sections are "## N. Title" in PLAN_SECTIONS order; the part before the first is the plan's header.
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if PLAN_SECTIONS[int(p.split(".", 1)[0]) - 1] in wanted]
    return "\n## ".join(kept).rstrip("\n") + "\n"


def rules_data(rule_id: str | None) -> Any:
    """Every rule (id, title, category, severity, phase), or one rule's file."""
    import os

    kb = load_kb()
    if rule_id is None:
        return [{"id": lr.rule.id, "title": lr.rule.title, "category": lr.rule.category.value,
                 "severity": lr.rule.severity.value if lr.rule.severity else None, "phase": int(lr.rule.phase)}
                for lr in (kb.source[r] for r in sorted(kb.source))]
    lr = kb.source.get(rule_id)
    if lr is None:
        raise UsageError(f"no rule '{rule_id}'{did_you_mean(rule_id, kb.source)}")
    with open(lr.file, encoding="utf-8") as fh:
        return {"id": rule_id, "file": os.path.relpath(lr.file), "text": fh.read()}


def neutral(value: Any) -> Any:
    """A tool result made safe to show (``engine.neutral``): a one-line string by :func:`~engine.neutral.line`
    (controls and bidi characters as visible escapes, workflow-command markers broken), a text of several
    lines (explain, a plan, a rule's file) by :func:`~engine.neutral.channel`; lists and mappings (keys too)
    item by item. A file name, a message or a location built from a design can then never carry an escape
    sequence, a bidi control or a ``::`` command to the agent's log or terminal."""
    if isinstance(value, str):
        return channel(value) if "\n" in value else line(value)
    if isinstance(value, Mapping):
        return {neutral(k): neutral(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [neutral(v) for v in value]
    return value


def tool_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn archplan's errors into tool errors (one located line each) and anything else into one line; pass
    results and errors alike through :func:`neutral`."""
    import functools

    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return neutral(fn(*args, **kwargs))
        except ArchplanError as exc:
            raise ToolError("\n".join(line(str(e)) for e in exc.errors)) from None
        except RecursionError:
            raise ToolError("input nested too deeply to process") from None
        except MemoryError:
            raise ToolError("out of memory; give a smaller design") from None
        except Exception as exc:  # noqa: BLE001 - a bug: the server must keep serving, as the CLI exits 2
            raise ToolError(line(f"internal error: {type(exc).__name__}: {exc}")) from None

    return wrapper


def build_server(reviewer: Reviewer | None = None) -> Any:
    """The MCP server with archplan's tools (``mcp.server.mcpserver.MCPServer``)."""
    from mcp.server.mcpserver import MCPServer

    from engine import __version__

    rv_ = reviewer or Reviewer()
    server = MCPServer(
        "archplan", version=__version__, log_level="WARNING",
        instructions="archplan reviews backend designs (YAML, JSON or Markdown design documents written by "
                     "the api, database, infrastructure and security agents) with declarative rules. Call "
                     "check after each change; pass the fingerprints you got as 'previous' to see what is new "
                     "and what is resolved; explain a finding to see the facts behind it; 'schema' gives the "
                     "format each agent writes.")

    @server.tool(description="Review a design: findings (risks), information gaps, each with a stable "
                             "fingerprint and file:line:column. Give the design inline as 'files' (file name -> "
                             "text; .yaml, .yml, .json or .md) or as 'paths' (one of the two). 'previous': "
                             "fingerprints of an earlier check, to get which findings are new and which are resolved.")
    @tool_errors
    def check(files: dict[str, str] | None = None, paths: list[str] | None = None,
              previous: list[str] | None = None,
              min_severity: Literal["critical", "high", "medium", "low"] = "low") -> dict[str, Any]:
        return check_result(rv_.review(files, paths), previous or (), min_severity)

    @server.tool(description="Explain one finding (its id, fingerprint or rule@subject): the rule, the "
                             "severity and why, every fact it matched with its place, and the mitigations.")
    @tool_errors
    def explain(finding: str, files: dict[str, str] | None = None, paths: list[str] | None = None) -> str:
        return explain_text(rv_.review(files, paths), finding)

    @server.tool(description="The integration plan of a design, whole or only some sections (architecture, "
                             "roadmap, risks, performance, tests, deployment, monitoring), as Markdown or JSON.")
    @tool_errors
    def plan(files: dict[str, str] | None = None, paths: list[str] | None = None,
             sections: list[SectionName] | None = None,
             format: Literal["markdown", "json"] = "markdown") -> str:
        return plan_text(rv_.review(files, paths, findings_only=False), sections, format)

    @server.tool(description="The JSON Schema of a design file: of the part one agent owns ('agent'), and "
                             "'strict' for structured-output modes (every property required, unknown as null).")
    @tool_errors
    def schema(agent: AgentName | None = None, strict: bool = False) -> dict[str, Any]:
        from engine.schema import agent_schema, design_schema, strict_schema

        data = agent_schema(agent) if agent else design_schema()
        return strict_schema(data) if strict else data

    @server.tool(description="The rules: every rule's id, title, category, severity and phase; or, with "
                             "'rule', that rule's file (condition, docs, examples).")
    @tool_errors
    def rules(rule: str | None = None) -> dict[str, Any]:
        return {"rule": rules_data(rule)} if rule else {"rules": rules_data(None)}

    return server


def serve() -> None:
    """Run the server over stdio until the client closes it."""
    build_server().run("stdio")
