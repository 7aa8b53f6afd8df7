"""The plan as Markdown, self-contained HTML, terminal text or JSON.

One layout (sections of headings, paragraphs, tables, lists and diagrams) feeds the three text
renderers, so the formats never disagree on content.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
from collections.abc import Sequence
from operator import itemgetter

from engine.model import Phase
from engine.model.ruledata import severity_of
from engine.neutral import fence, markdown
from engine.plan.blocks import MAX_TABLE_ROWS, MAX_TEXT_ROWS, Diagram, Section, Table
from engine.plan.blocks import cap as _cap
from engine.plan.builder import IMPACT_ORDER, LIKELIHOOD_ORDER, TEST_ORDER
from engine.plan.model import Plan, WorkItem
from engine.plan.render_figures import figure_blocks, schedule_blocks


def _avail(a: float | None) -> str:
    if a is None:
        return "—"
    text = f"{a * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _short(key: str) -> str:
    return key.split(":", 1)[1] if ":" in key else key


def layout(plan: Plan) -> list[Section]:
    """The plan's sections as renderer-neutral blocks."""
    return [section(plan) for section in _SECTIONS]


def _overview_section(plan: Plan) -> Section:
    """The heading, the design's description and its counts."""
    c = plan.counts
    overview = Section("overview", f"Integration plan: {plan.system}")
    if plan.description:
        overview.blocks.append(plan.description)
    from_rules = c["plan_items_from_rules"]
    overview.blocks.append(
        f"{_count(c['services'], 'service')}, {_count(c['datastores'], 'datastore')}, "
        f"{_count(c['channels'], 'channel')} and {_count(c['externals'], 'external service')}; "
        f"{_count(c['public_entry_points'], 'public entry point')}. The review raised {_count(c['risks'], 'risk')} "
        f"and {_count(c['information_gaps'], 'information gap')}; the roadmap has "
        f"{_count(c['work_items'], 'work item')}, and {_count(from_rules, 'test, deployment and monitoring item')} "
        f"{'comes' if from_rules == 1 else 'come'} from the knowledge base's rules.")
    return overview


def _count(n: int, noun: str) -> str:
    """``1 service``, ``0 services``, ``3 services``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _architecture_section(plan: Plan) -> Section:
    """1. The system diagram, the components with risks, and the teams."""
    a = plan.architecture
    s1 = Section("architecture", "1. Integration architecture")
    s1.blocks.append("Solid arrows are synchronous calls, dashed arrows asynchronous messages. Boxes are grouped by "
                     "owning team inside the system boundary; third parties and internet clients sit outside it. "
                     "Bold borders mark public exposure; red and orange borders mark components and calls with "
                     "risks (by worst severity).")
    s1.blocks.extend(a.notes)
    names = {n.id: n.name for n in a.nodes}
    s1.blocks.append(Diagram("System diagram", a.mermaid, a.dot, a.svg, Table(
        ["from", "", "to", "protocol", "worst risk"],
        [[names[e.src], "→" if e.sync else "⇢ (async)", names[e.dst], e.label, e.risk or ""]
         for e in a.edges[:MAX_TABLE_ROWS]])))
    risky = sorted((n for n in a.nodes if n.risk), key=lambda n: (-_rank(n.risk), -n.risks, n.name))
    if risky:
        caption = "Components with risks, worst first"
        if a.collapsed:
            caption += " (the diagram colours only teams with critical risks)"
        if len(risky) > 30:
            caption += f"; the first 30 of {len(risky)}"
        s1.blocks.append(Table(["component", "worst risk", "risks"],
                               [[n.name, n.risk or "", str(n.risks)] for n in risky[:30]], caption))
    s1.blocks.append(Table(["team (trust zone)", "components"],
                           [[o, ", ".join(m) if len(m) <= 20 else f"{len(m)} components"] for o, m in a.clusters]))
    s1.blocks.extend(_data_flow_blocks(plan))
    return s1


def _data_flow_blocks(plan: Plan) -> list[str | Table | Diagram | list[str]]:
    """Section 1's data flow: each classification's stores, processors and third parties, and where it leaves
    the system unprotected (the diagram marks each component with the classifications it holds)."""
    flow = plan.data_flow
    if flow is None or not flow.rows:
        return ["Data flow: no datastore, channel or endpoint states a classification above internal, so the plan "
                "cannot say where sensitive data goes: state `classification` on datastores and "
                "`data_classification` on endpoints."]
    rows, more = _cap(flow.rows, lambda r: [r.classification, ", ".join(r.stores) or "—",
                                            ", ".join(r.processes) or "—", ", ".join(r.sent_to) or "—"])
    out: list[str | Table | Diagram | list[str]] = [Table(
        ["data", "stored in", "processed by", "may be sent to (third parties)"], rows,
        "Data flow by classification (the diagram's 'holds' lines)" + (f"; {more}" if more else ""))]
    if flow.crossings:
        out.append(f"Sensitive data leaving the system without a stated protection ({len(flow.crossings)}):")
        out.append([f"{_short(c.subject).replace('->', ' → ')} ({c.classification}): {c.problem}"
                    for c in flow.crossings[:MAX_TABLE_ROWS]])
    else:
        out.append("No sensitive data leaves the system without TLS and a data processing agreement stated.")
    return out


def _roadmap_section(plan: Plan) -> Section:
    """2. The work items phase by phase, and their dependency chart."""
    r = plan.roadmap
    s2 = Section("roadmap", "2. Implementation roadmap")
    s2.blocks.append("Work items in dependency order: a service after the datastores, channels and services it "
                     "depends on; a mitigation after the component it changes and after its prerequisites. A phase "
                     "moves later when a prerequisite sits in a later phase.")
    if r.cycles:
        s2.blocks.append("Dependency cycles (ordered as one block; break them): " +
                         "; ".join(" ↔ ".join(_short(x) for x in cyc) for cyc in r.cycles))
    if r.unresolved:
        s2.blocks.append(["Prerequisite not in this plan: " + u for u in r.unresolved])
    by_phase: dict[int, list[WorkItem]] = {}  # one pass over the work items, not one per phase
    for w in r.items:
        by_phase.setdefault(w.phase, []).append(w)
    for p in Phase:
        items = by_phase.get(int(p), [])
        rows, more = _cap(items, lambda w: [str(w.order), w.kind, w.title, ", ".join(_short(x) for x in w.after[:6])
                                            + (f" +{len(w.after) - 6}" if len(w.after) > 6 else ""), w.source, w.note])
        caption = f"Phase {int(p)}: {p.title} ({_count(len(items), 'item')})" + (f"; {more}" if more else "")
        if rows:
            s2.blocks.append(Table(["#", "item", "work", "after", "from", "note"], rows, caption))
        else:
            s2.blocks.append(f"{caption}: no component or mitigation lands here.")
        if p == Phase.PRODUCTION_READINESS:
            by_sec = {"tests": sum(plan.tests_by_type(0)[1].values()), "alerts": plan.monitoring.alerts_head(0)[1],
                      "release steps": plan.deployment.steps_head(0)[1]}
            s2.blocks.append("Production readiness also carries the " + ", ".join(
                f"{n} {k}" for k, n in by_sec.items()) + " of sections 5 to 7.")
    names_r = {w.id: w.title for w in r.items}
    s2.blocks.append(Diagram("Dependency chart", r.mermaid, r.dot, r.svg, Table(
        ["work item", "after"], [[w.title, "; ".join(names_r[x] for x in w.after)] for w in r.items[:MAX_TABLE_ROWS]])))
    s2.blocks.extend(schedule_blocks(plan))
    return s2


def _risks_section(plan: Plan) -> Section:
    """3. The risks, top first, their likelihood x impact matrix, and the information gaps."""
    k = plan.risks
    s3 = Section("risks", "3. Risk assessment")
    top, total = k.head(MAX_TABLE_ROWS)  # the others are never made when only a table reads them
    if not total:
        s3.blocks.append("The rules raised no risk on this design.")
    rows, more = _cap(top, lambda x: [x.severity, x.likelihood or "—", x.impact or "—", x.title,
                                      ", ".join(_short(s) for s in x.subjects[:3]), "; ".join(x.mitigations),
                                      f"{x.phase}. {Phase(x.phase).title}", x.location], total)
    s3.blocks.append(Table(["severity", "likelihood", "impact", "risk", "subjects", "mitigations", "phase", "where"],
                           rows, "Top risks first" + (f"; {more}" if more else "")))
    mrows = []
    for lk in LIKELIHOOD_ORDER:
        mrows.append([lk] + [str(len(k.matrix[lk][im])) if k.matrix[lk][im] else "·" for im in IMPACT_ORDER])
    s3.blocks.append(Table(["likelihood \\ impact", *IMPACT_ORDER], mrows, "Likelihood × impact (number of risks)"))
    if top:
        s3.blocks.append([f"{x.id} ({x.severity}): {x.message}" for x in top])
    # Sorted by subject: the rows of the first subjects only (5,000 services: 122,700 gaps on 23,000 subjects), the
    # others never made when only a table reads them.
    first_gaps, gap_count, subjects = k.gap_head(MAX_TABLE_ROWS)
    if gap_count:
        shown = [(sj, list(rows)) for sj, rows in itertools.groupby(first_gaps, key=itemgetter(0))]
        grows, more = _cap(shown, lambda sv: [_short(sv[0]), "; ".join(f"{f} ({r})" for _s, f, r in sv[1])], subjects)
        s3.blocks.append(Table(["subject", "unknown fields (rule needing each)"], grows,
                               f"Information gaps: {gap_count} facts the design should state, on "
                               f"{subjects} subjects" + (f"; {more}" if more else "")))
    return s3


def _performance_section(plan: Plan) -> Section:
    """4. The synchronous path of every public entry point, and the figures still missing."""
    s4 = Section("performance", "4. Performance analysis")
    if not plan.performance:
        s4.blocks.append("No public or partner entry point is declared, so there is no synchronous path to analyse: "
                         "state endpoints with their exposure.")
    rows = []
    for e in plan.performance[:MAX_TABLE_ROWS]:
        lat = f"{e.latency_ms} ms" if e.latency_complete else f"≥ {e.latency_ms} ms (partial)"
        tgt = f"{e.latency_target_ms} ms" if e.latency_target_ms is not None else "—"
        av = _avail(e.availability) + ("" if e.availability_complete else " (partial)")
        if e.availability_redundant is not None:
            av += f"; {_avail(e.availability_redundant)} with failover"
        bott = (f"{e.bottleneck} ({e.bottleneck_rps:g} rps" + (f", {e.headroom:g}× demand" if e.headroom is not None
                                                               else "") + ")") if e.bottleneck else "—"
        rows.append([e.entry, " → ".join(e.critical_path), f"{lat} / {tgt}: {e.latency_verdict}",
                     f"{av} / {_avail(e.availability_target)}: {e.availability_verdict}",
                     f"×{e.retry_amplification} ({e.retry_layers} layers)", str(e.fan_out), bott])
    if rows:
        s4.blocks.append(Table(["entry point", "critical path", "p95 (sum) / target", "availability / target",
                                "retry amplification", "fan-out", "bottleneck"], rows,
                               "Synchronous path per public entry point"))
        s4.blocks.append("Latency sums every hard synchronous call below the entry as if sequential (an upper bound; "
                         "soft dependencies are left out); availability is the serial product of the components' "
                         "own figures, and 'with failover' counts datastore replicas with automatic failover as "
                         "parallel copies (an upper bound).")
    missing = sorted({m for e in plan.performance for m in e.missing})
    if missing:
        s4.blocks.append("What cannot be computed yet, and the figures to add:")
        s4.blocks.append(missing[:MAX_TABLE_ROWS])
    s4.blocks.extend(figure_blocks(plan))
    return s4


def _testing_section(plan: Plan) -> Section:
    """5. The tests, by type."""
    s5 = Section("testing", "5. Testing strategy")
    first, counts = plan.tests_by_type(MAX_TABLE_ROWS)  # the others are never made when only a table reads them
    for t in TEST_ORDER:
        count = counts.get(t, 0)
        trows, more = _cap(first.get(t, ()), lambda i: [i.title, i.pass_bar or "—", i.detail, i.source], count)
        if not count:
            trows = [["none: the design declares nothing this kind of test covers", "—", "—", "—"]]
        s5.blocks.append(Table(["test", "pass bar", "how", "from"], trows,
                               f"{t.capitalize()} tests ({count})" + (f"; {more}" if more else "")))
    return s5


def _deployment_section(plan: Plan) -> Section:
    """6. The release order, migrations and rollback order."""
    dp = plan.deployment
    s6 = Section("deployment", "6. Deployment plan")
    steps, count = dp.steps_head(MAX_TABLE_ROWS)  # the others never made when only a table reads them
    drows, more = _cap(steps, lambda st: [str(st.order), _short(st.component), st.strategy, st.strategy_source,
                                          " ".join(st.actions), st.rollback, "; ".join(st.warnings)], count)
    s6.blocks.append(Table(["#", "component", "strategy", "from", "steps", "rollback", "warnings"], drows,
                           "Release order (prerequisites first)" + (f"; {more}" if more else "")))
    if dp.migrations:
        s6.blocks.append(Table(["datastore", "expand/contract steps", "from"],
                               [[_short(m.subject), m.detail, m.source] for m in dp.migrations[:MAX_TABLE_ROWS]],
                               "Database migrations"))
    order = [_short(x) for x in dp.rollback_order]
    s6.blocks.append("Rollback order (reverse of release): " + (" → ".join(order) if len(order) <= 60 else
                                                               " → ".join(order[:60]) + f" … ({len(order)} steps)"))
    return s6


def _monitoring_section(plan: Plan) -> Section:
    """7. SLOs, golden signals, alerts and trace propagation."""
    m = plan.monitoring
    s7 = Section("monitoring", "7. Monitoring requirements")
    srows, more = _cap(m.slos, lambda x: [x.entry, _avail(x.availability), f"{x.latency_p95_ms} ms"
                                          if x.latency_p95_ms is not None else "—",
                                          f"{x.error_budget_minutes_30d:g} min"
                                          if x.error_budget_minutes_30d is not None else "—", x.source])
    s7.blocks.append(Table(["entry point", "availability SLO", "p95 SLO", "error budget / 30 days", "from"], srows,
                           "SLOs per entry point" + (f"; {more}" if more else "")))
    # The rows a table shows, the others never made when only a table reads them (``Monitoring.signals_head``).
    signals, count = m.signals_head(MAX_TABLE_ROWS)
    grows, more = _cap(signals, lambda g: [g.service, g.latency, g.traffic, g.errors, g.saturation, g.exported], count)
    s7.blocks.append(Table(["service", "latency", "traffic", "errors", "saturation", "metrics exported"], grows,
                           "Golden signals per service" + (f"; {more}" if more else "")))
    alerts, count = m.alerts_head(MAX_TABLE_ROWS)
    arows, more = _cap(alerts, lambda x: [x.title, x.detail, x.source], count)
    s7.blocks.append(Table(["alert", "condition", "from"], arows or [["none: no pattern present calls for one", "",
                                                                       ""]],
                           "Alerts that follow from the patterns present" + (f"; {more}" if more else "")))
    if m.declared_alerts:
        s7.blocks.append("Alerts the design already declares: " + ", ".join(m.declared_alerts) + ".")
    traces, count = m.traces_head(MAX_TABLE_ROWS)
    trows, more = _cap(traces, lambda x: [x.edge, x.caller_traces, x.callee_traces], count)
    s7.blocks.append(Table(["synchronous edge", "caller traces", "callee traces"], trows,
                           f"Trace context (W3C traceparent) must cross every synchronous edge; declared tracing: "
                           f"{m.tracing}" + (f"; {more}" if more else "")))
    return s7


_SECTIONS = (_overview_section, _architecture_section, _roadmap_section,
             _risks_section, _performance_section, _testing_section, _deployment_section, _monitoring_section)
"""The plan's sections, in order: the overview, then the seven numbered ones."""


def _rank(sev: str | None) -> int:
    return {"critical": 4, "high": 3, "medium": 2, "low": 1}.get(sev or "", 0)


# ----------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------


def to_markdown(plan: Plan) -> str:
    """Markdown with Mermaid blocks (GitHub and GitLab render them)."""
    out: list[str] = []
    cells: dict[str, str] = {}

    def _md_cell(text: str) -> str:
        # Table cells repeat (a severity, a phase, a source on thousands of rows): each text is escaped once.
        done = cells.get(text)
        if done is None:
            done = cells[text] = markdown(text) or " "
        return done

    for i, sec in enumerate(layout(plan)):
        # Every text is the design's or a pack's: escaped (engine.neutral.markdown), so that a description or
        # an endpoint path cannot bring an image, a link, a mention or HTML into the page.
        out.append(("# " if i == 0 else "## ") + markdown(sec.title) + "\n")
        for b in sec.blocks:
            if isinstance(b, str):
                out.append(markdown(b) + "\n")
            elif isinstance(b, list):
                out.extend(f"- {markdown(x)}" for x in b)
                out.append("")
            elif isinstance(b, Table):
                if b.caption:
                    out.append(f"**{markdown(b.caption)}**\n")
                out.append("| " + " | ".join(map(_md_cell, b.headers)) + " |")
                out.append("|" + "|".join("---" for _ in b.headers) + "|")
                out.extend(["| " + " | ".join(map(_md_cell, row)) + " |" for row in b.rows])
                out.append("")
            else:
                out.append(f"**{markdown(b.title)}**\n")
                out.append(fence(b.mermaid, "mermaid") + "\n")  # a fence no label can close
                if b.dot:
                    out.append("<details><summary>Graphviz DOT source</summary>\n\n" + fence(b.dot, "dot")
                               + "\n\n</details>\n")
    return "\n".join(out).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------


def to_text(plan: Plan) -> str:
    """Plain text for the terminal (diagrams as their DOT/Mermaid source are left to the other formats)."""
    from tabulate import tabulate  # here: the other formats never load it (3 ms of every plan)

    out: list[str] = []
    for sec in layout(plan):
        out.append(sec.title)
        out.append("=" * len(sec.title))
        for b in sec.blocks:
            if isinstance(b, str):
                out.append(b)
            elif isinstance(b, list):
                out.extend(f"  - {x}" for x in b)
            elif isinstance(b, Table):
                if b.caption:
                    out.append(b.caption + ":")
                out.append(tabulate([[_clip(c) for c in r] for r in b.rows[:MAX_TEXT_ROWS]], headers=b.headers))
                if len(b.rows) > MAX_TEXT_ROWS:
                    out.append(f"… {len(b.rows) - MAX_TEXT_ROWS} more rows (see --format markdown, html or json)")
            else:
                out.append(f"{b.title}: {len(b.mermaid.splitlines())} lines of Mermaid; use --format markdown or "
                           "html (or --diagrams DIR) to see it drawn.")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ----------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------

CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#d9dee7;--accent:#2f5f98;--bg:#f6f8fb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Helvetica,Arial,sans-serif;color:var(--ink);
background:var(--bg)}
header{background:#1f3b5c;color:#fff;padding:28px 40px 22px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:0;color:#d3deeb;max-width:1100px}
nav{background:#fff;border-bottom:1px solid var(--line);padding:8px 40px;position:sticky;top:0;z-index:2}
nav a{color:var(--accent);text-decoration:none;margin-right:18px;font-weight:600;font-size:13px}
main{padding:8px 40px 40px;max-width:1500px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 24px;margin:18px 0}
h2{margin:0 0 10px;font-size:20px;color:#1f3b5c}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px;color:#1f3b5c}.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 16px;font-size:12.5px}
caption{text-align:left;font-weight:700;padding:6px 0;color:#1f3b5c}
th{background:#eef2f8;text-align:left;padding:6px 8px;border-bottom:2px solid var(--line);white-space:nowrap}
td{padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr:nth-child(even) td{background:#fafbfd}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:11px;font-weight:700}
.sev-critical{background:#b3261e}.sev-high{background:#e8590c}.sev-medium{background:#c99a00}.sev-low{background:#5c7cfa}
.diagram{border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;max-height:90vh;background:#fff;
text-align:center}
.diagram svg{max-width:none;height:auto}/* drawn size (text 12 px and up): scroll, never shrink */
.fallback{text-align:left}
details{margin:8px 0}summary{cursor:pointer;color:var(--accent)}
pre{background:#f3f5f9;border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;font-size:11.5px}
ul{margin:4px 0 14px}
td.mx{text-align:center;font-weight:700}
tr td.m-low{background:#eef2ff}tr td.m-medium{background:#fff3c4}tr td.m-high{background:#ffd8bf}
tr td.m-critical{background:#ffb8ad}tr td.mx.empty{color:#999;font-weight:400;opacity:.55}
@media print{nav{display:none}body{background:#fff}section{break-inside:auto;border:none;padding:0}
header{background:#fff;color:#000;padding:0}header p{color:#333}.diagram{border:none;max-height:none}
.diagram svg{max-width:100%}
tr{break-inside:avoid}a{color:inherit}}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _cell_html(text: str, header: str) -> str:
    if header in ("severity", "worst risk") and text in ("critical", "high", "medium", "low"):
        return f'<span class="sev sev-{text}">{text}</span>'
    return _h(text)


def _table_html(t: Table) -> str:
    matrix = t.headers and t.headers[0].startswith("likelihood")
    parts = ["<table>"]
    if t.caption:
        parts.append(f"<caption>{_h(t.caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in t.headers) + "</tr></thead><tbody>")
    for ri, row in enumerate(t.rows):
        cells = []
        for ci, (h, c) in enumerate(zip(t.headers, row, strict=False)):
            if matrix and ci > 0:
                # The cell's colour is the severity the rule language gives that likelihood and impact.
                sev = severity_of(LIKELIHOOD_ORDER[ri], IMPACT_ORDER[ci - 1]).value
                cells.append(f'<td class="mx m-{sev}{" empty" if c == "·" else ""}">{_h(c)}</td>')
            else:
                cells.append(f"<td>{_cell_html(c, h)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _diagram_html(d: Diagram) -> str:
    parts = [f"<h3>{_h(d.title)}</h3>"]
    if d.svg:
        parts.append(f'<div class="diagram">{d.svg}</div>')
    elif d.fallback is not None:
        # No Graphviz here: a readable list of what the diagram would show (no script, no network).
        parts.append('<div class="diagram fallback"><p>Graphviz was not installed when this plan was written, so '
                     "the diagram is listed as its connections; the Mermaid and DOT sources below draw it.</p>"
                     + _table_html(d.fallback) + "</div>")
    parts.append(f"<details><summary>Mermaid source</summary><pre>{_h(d.mermaid)}</pre></details>")
    if d.dot:
        parts.append(f"<details><summary>Graphviz DOT source</summary><pre>{_h(d.dot)}</pre></details>")
    return "".join(parts)


def to_html(plan: Plan) -> str:
    """One self-contained page: inline CSS and SVG, no script, nothing fetched."""
    secs = layout(plan)
    c = plan.counts
    cards = [("services", c["services"]), ("datastores", c["datastores"]), ("channels", c["channels"]),
             ("externals", c["externals"]), ("entry points", c["public_entry_points"]), ("risks", c["risks"]),
             ("information gaps", c["information_gaps"]), ("work items", c["work_items"])]
    body = [f"<header><h1>{_h(secs[0].title)}</h1>"]
    body.extend(f"<p>{_h(b)}</p>" for b in secs[0].blocks if isinstance(b, str))
    body.append("</header><nav>" + "".join(f'<a href="#{s.anchor}">{_h(s.title)}</a>' for s in secs[1:]) + "</nav>")
    body.append('<main><div class="cards">' + "".join(
        f"<div class=\"card\"><b>{v}</b><span>{_h(k)}</span></div>" for k, v in cards) + "</div>")
    for s in secs[1:]:
        body.append(f'<section id="{s.anchor}"><h2>{_h(s.title)}</h2>')
        for b in s.blocks:
            if isinstance(b, str):
                body.append(f"<p>{_h(b)}</p>")
            elif isinstance(b, list):
                body.append("<ul>" + "".join(f"<li>{_h(x)}</li>" for x in b) + "</ul>")
            elif isinstance(b, Table):
                body.append(_table_html(b))
            else:
                body.append(_diagram_html(b))
        body.append("</section>")
    body.append(f"<p style=\"color:#5b6475\">Generated by archplan from the design's facts and {len(plan.rules_used)} "
                "fired rules; every row names its source (a rule, a design fact, or a finding).</p></main>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{_h(secs[0].title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def render(plan: Plan, fmt: str) -> str:
    """The plan in one of ``markdown``, ``html``, ``json`` or ``text``, or its work items as ``gh-issues`` or
    ``jira-csv``."""
    from engine.review import paused_gc

    with paused_gc():
        return _render(plan, fmt)


def render_output(plan: Plan, fmt: str) -> str | bytes:
    """What ``archplan plan`` writes: :func:`render`, but the JSON plan as orjson's UTF-8 bytes, written as they
    are (``engine.neutral.json_bytes``): a 5,000-service plan's 63 MB were decoded, scanned as text and encoded
    again (0.7 s)."""
    if fmt != "json":
        return render(plan, fmt)
    from engine.review import paused_gc

    with paused_gc():
        return _json(plan)


def _render(plan: Plan, fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(plan)
    if fmt == "html":
        return to_html(plan)
    if fmt == "text":
        return to_text(plan)
    if fmt in EXPORT_FORMATS:
        from engine.plan import export

        return export.to_gh_issues(plan) if fmt == "gh-issues" else export.to_jira_csv(plan)
    return _json(plan).decode()


def _fields(value: object) -> dict[str, object]:
    """A plan dataclass as its fields, for orjson (which writes a dataclass's own fields unsorted)."""
    cls = type(value)
    if cls in _PLAIN:  # asked of 170,000 items at 5,000 services, of a dozen classes
        return vars(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(cls, "late_fields"):  # some fields may be still to make (engine.model.finding.late_fields)
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        _PLAIN.add(cls)
        return vars(value)  # plan dataclasses are plain: their __dict__ is their fields (see model._plain)
    raise TypeError(f"not JSON: {type(value).__name__}")


_PLAIN: set[type] = set()
"""The plain dataclasses ``_fields`` has met: their instances' ``__dict__`` is their fields."""


def _json(plan: Plan) -> bytes:
    """The reports' canonical JSON (sorted keys, compact, UTF-8 bytes) of ``plan.to_json()``.

    orjson, three times as fast as json's C encoder on a 5,000-service plan (0.25 s against 0.71 s for 64 MB),
    takes the items as they are (``_fields``), not copied into dicts first (0.2 s); where orjson refuses a
    value, ``engine.report.dumps_bytes`` of the copied plan (json then).
    """
    import orjson

    try:
        return orjson.dumps(plan.json_view(), default=_fields,
                            option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError: an integer beyond 64 bits
        from engine.report import dumps_bytes

        return dumps_bytes(plan.to_json())


FORMATS: Sequence[str] = ("markdown", "html", "json", "text")
EXPORT_FORMATS: Sequence[str] = ("gh-issues", "jira-csv")
"""The work items for issue trackers (engine/plan/export.py)."""
