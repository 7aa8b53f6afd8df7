"""The system diagram: one graph model, emitted as Mermaid and Graphviz DOT (and SVG when ``dot`` exists).

Components are clustered by owning team inside the system boundary; externals sit in a third-party
zone and internet clients outside, so trust boundaries and public exposure are visible. Synchronous
edges are solid, asynchronous ones dashed; components and edges with risks are coloured by severity.
Designs with more than ``COLLAPSE_AT`` components are drawn one node per team, with edge counts.
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence

from engine.enrich import is_sync
from engine.model.design import Fact
from engine.neutral import line
from engine.plan.model import Architecture, Edge, Node

COLLAPSE_AT = 60
COLLAPSED_EDGE_LIMIT = 160
"""Team-to-team edges drawn when collapsed: the heaviest (and every risky one); the JSON keeps them all."""
EXTERNALS_COLLAPSE_AT = 12
DOT_TIMEOUT_S = 60
CLIENTS = "clients"
SEVERITY_COLOUR = {"critical": "#b3261e", "high": "#e8590c", "medium": "#c99a00", "low": "#5c7cfa"}
KIND_STYLE = {  # fill, border
    "service": ("#e7f0fb", "#2f5f98"),
    "gateway": ("#dff3e4", "#2b7a3d"),
    "datastore": ("#f3e8fd", "#6a3d9a"),
    "channel": ("#fff4d6", "#9a6b00"),
    "external": ("#f1f1f1", "#555555"),
    "clients": ("#ffffff", "#333333"),
    "group": ("#e7f0fb", "#2f5f98"),
}
UNOWNED = "unowned"


def sev_max(a: str | None, b: str | None) -> str | None:
    """The worse of two severities (None is no risk)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _SEV_RANK[a] >= _SEV_RANK[b] else b


_SEV_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def mermaid_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (quotes, backticks and markup characters as entities, controls
    escaped; a newline is kept for the caller to turn into ``<br/>``, or escaped by ``one_line``)."""
    text = "\n".join(line(part) for part in text.split("\n"))
    return (text.replace("&", "&amp;").replace("`", "#96;").replace('"', "#quot;").replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("[", "#91;").replace("]", "#93;").replace("{", "#123;").replace("}", "#125;")
            .replace("|", "#124;"))


def dot_str(text: str) -> str:
    """A quoted DOT string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _owner(f: Fact, comp: Mapping[str, Fact]) -> str:
    if f.kind == "service":
        return str(f.data.get("owner") or UNOWNED)
    if f.kind == "datastore":
        owning = comp.get(str(f.data.get("owner") or ""))
        if owning is not None and owning.kind == "service":
            return str(owning.data.get("owner") or UNOWNED)
        writers = [w for w in f.data.get("writers", []) if w in comp]
        return str(comp[sorted(writers)[0]].data.get("owner") or UNOWNED) if writers else UNOWNED
    if f.kind == "channel":
        prods = sorted(p for p in f.data.get("producers", []) if p in comp)
        return str(comp[prods[0]].data.get("owner") or UNOWNED) if prods else UNOWNED
    return UNOWNED


def build_architecture(comp: Mapping[str, Fact], interactions: Sequence[Fact], endpoints: Sequence[Fact],
                       links: Sequence[Fact], node_risk: Mapping[str, tuple[str | None, int]],
                       edge_risk: Mapping[str, str | None], render_svg: bool = True,
                       data: Mapping[str, tuple[str, ...]] | None = None) -> Architecture:
    """The diagram model of a design, with its Mermaid, DOT and (when Graphviz exists) SVG text."""
    public: set[str] = set()
    for ep in endpoints:
        exposure = ep.data.get("exposure") or ep.data.get("service_exposure")
        if exposure in ("public", "partner"):
            public.add(str(ep.data["served_by"]))
    for name, f in comp.items():
        if f.kind == "service" and f.data.get("exposure") == "public":
            public.add(name)
    nodes: dict[str, Node] = {}
    for name, f in sorted(comp.items()):
        kind = "gateway" if f.kind == "service" and f.data.get("type") in ("gateway", "mesh") else f.kind
        sev, nrisk = node_risk.get(name, (None, 0))
        nodes[name] = Node(id=name, name=name, kind=kind, type=f.data.get("type"), owner=_owner(f, comp),
                           public=name in public, risk=sev, risks=nrisk, data=(data or {}).get(name, ()))
    collapsed = len(nodes) > COLLAPSE_AT
    notes: list[str] = []
    member = {n: n for n in nodes}
    if collapsed:
        grouped, member = _collapse(nodes)
    edges, teams = _edges(nodes, interactions, links, edge_risk, member if collapsed else None)
    if collapsed:
        nodes = grouped
        kept = _heaviest(teams)
        edges = {k: Edge(k[0], k[1], k[2], f"{count} {'sync' if k[2] else 'async'}", risk, count)
                 for k, (risk, count) in kept}
        notes.append(f"{len(comp)} components: drawn one node per owning team, with the number of calls "
                     f"between teams on each edge; externals are collapsed above {EXTERNALS_COLLAPSE_AT}.")
        dropped = len(teams) - len(kept)
        if dropped:
            notes.append(f"{dropped} lighter team-to-team edges are not drawn (the {COLLAPSED_EDGE_LIMIT} heaviest "
                         "and every risky one are); section 7 lists every synchronous edge.")
    if public:
        nodes[CLIENTS] = Node(id=CLIENTS, name="Internet clients", kind="clients", type=None, owner=None,
                              public=True, risk=None, risks=0)
        for t in sorted({member[p] for p in public if p in member}):
            edges[(CLIENTS, t, True)] = Edge(CLIENTS, t, True, "HTTPS", None)
    clusters: dict[str, list[str]] = {}
    for n in nodes.values():
        if n.kind in ("external", "clients"):
            continue
        clusters.setdefault(n.owner or UNOWNED, []).append(n.id)
    cl = tuple((o, tuple(sorted(ids))) for o, ids in sorted(clusters.items()))
    node_t = tuple(sorted(nodes.values(), key=lambda n: n.id))
    edge_t = tuple(sorted(edges.values(), key=lambda e: (e.src, e.dst, e.sync)))
    counts = {k: sum(1 for f in comp.values() if f.kind == k) for k in ("service", "datastore", "channel", "external")}
    # Collapsed, nearly every team carries some risk: colour only the critical ones, or nothing stands out.
    floor = "critical" if collapsed else "low"
    mermaid = to_mermaid(node_t, edge_t, cl, floor)
    dot = to_dot(node_t, edge_t, cl, floor)
    svg = render_svg_text(dot) if render_svg else None
    if svg is None and render_svg:
        notes.append("Graphviz `dot` is not installed here, so no SVG was drawn; the DOT source is included.")
    return Architecture(nodes=node_t, edges=edge_t, clusters=cl, collapsed=collapsed, components=counts,
                        mermaid=mermaid, dot=dot, svg=svg, notes=tuple(notes))


Pair = tuple[str, str, bool]
"""An edge's ends and whether it is synchronous."""


def _edges(nodes: Mapping[str, Node], interactions: Sequence[Fact], links: Sequence[Fact],
           edge_risk: Mapping[str, str | None], member: Mapping[str, str] | None
           ) -> tuple[dict[Pair, Edge], dict[Pair, tuple[str | None, int]]]:
    """The edges between the components (``member`` None); collapsed (each component's team node in ``member``),
    each call counted straight into its pair of teams as (worst risk, calls) instead: no edge per pair of components
    is made only to be merged (12,000 calls of 5,000 services), and their labels are never shown."""
    edges: dict[Pair, Edge] = {}
    teams: dict[Pair, tuple[str | None, int]] = {}
    drawn: set[Pair] = set()
    """Collapsed: the pairs of components an edge joins (a publication is drawn unless a call joins the pair)."""

    def add(src: str, dst: str, sync: bool, label: str, risk: str | None) -> None:
        key = (src, dst, sync)
        if member is not None:
            drawn.add(key)
            a, b = member[src], member[dst]
            if a != b:
                pair = (a, b, sync)
                had = teams.get(pair)
                teams[pair] = (risk, 1) if had is None else (sev_max(had[0], risk), had[1] + 1)
            return
        old = edges.get(key)
        if old is None:
            edges[key] = Edge(src, dst, sync, label, risk)
        else:
            labels = sorted({*old.label.split(", "), label} - {""})
            edges[key] = Edge(src, dst, sync, ", ".join(labels), sev_max(old.risk, risk), old.count + 1)

    joined = drawn if member is not None else edges.keys()
    for f in interactions:
        src, dst = str(f.data["from"]), str(f.data["to"])
        if src not in nodes or dst not in nodes:
            continue
        sync = is_sync(f.data, nodes[dst].kind if nodes[dst].kind in ("channel",) else "service")
        add(src, dst, sync, str(f.data.get("protocol") or f.data.get("style") or ""), edge_risk.get(f.key))
    for f in links:
        ch, svc = str(f.data["channel"]), str(f.data["service"])
        if ch not in nodes or svc not in nodes:
            continue
        if f.kind == "consumer":
            add(ch, svc, False, "consumes", None)
        elif (svc, ch, False) not in joined and (svc, ch, True) not in joined:
            add(svc, ch, False, "publishes", None)
    return edges, teams


def _collapse(nodes: dict[str, Node]) -> tuple[dict[str, Node], dict[str, str]]:
    """One node per owning team (and one for all externals when there are many), and each node's."""
    member: dict[str, str] = {}
    out: dict[str, Node] = {}
    externals = [n for n in nodes.values() if n.kind == "external"]
    many_ext = len(externals) > EXTERNALS_COLLAPSE_AT
    groups: dict[str, list[Node]] = {}
    for n in nodes.values():
        if n.kind == "external":
            if many_ext:
                member[n.id] = "group:externals"
                groups.setdefault("group:externals", []).append(n)
            else:
                member[n.id] = n.id
                out[n.id] = n
            continue
        gid = f"group:{n.owner or UNOWNED}"
        member[n.id] = gid
        groups.setdefault(gid, []).append(n)
    for gid, members in sorted(groups.items()):
        kinds: dict[str, int] = {}
        risk: str | None = None
        for m in members:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
            risk = sev_max(risk, m.risk)
        parts = ", ".join(f"{c} {k}{'s' if c > 1 else ''}" for k, c in sorted(kinds.items()))
        owner = gid.split(":", 1)[1]
        out[gid] = Node(id=gid, name=f"{owner}: {parts}", kind="group" if owner != "externals" else "external",
                        type=None, owner=owner if owner != "externals" else None,
                        public=any(m.public for m in members), risk=risk,
                        risks=sum(m.risks for m in members), members=len(members))
    return out, member


def _heaviest(pairs: Mapping[tuple[str, str, bool], tuple[str | None, int]]
              ) -> Sequence[tuple[tuple[str, str, bool], tuple[str | None, int]]]:
    """The team-to-team edges drawn, as (pair, (worst risk, calls)): the heaviest and every risky one, so that
    Graphviz stays fast and the drawing readable. Ranked before any edge is made (12,000 pairs at 5,000 services, of
    which 160 are drawn)."""
    if len(pairs) <= COLLAPSED_EDGE_LIMIT:
        return list(pairs.items())
    # ``sorted(...)[:COLLAPSED_EDGE_LIMIT]`` without sorting them all: 48,000 pairs at 20,000 services, 160 kept.
    return heapq.nsmallest(COLLAPSED_EDGE_LIMIT, pairs.items(), key=lambda kv: (kv[1][0] is None, -kv[1][1], kv[0]))


def _ids(nodes: Sequence[Node]) -> dict[str, str]:
    return {n.id: f"n{i}" for i, n in enumerate(nodes)}


def _node_text(n: Node) -> str:
    if n.kind in ("group", "clients"):
        return n.name
    extra = n.type if n.type and n.kind != "gateway" else ("gateway" if n.kind == "gateway" else n.kind)
    text = f"{n.name}\n{extra}"
    if n.public and n.kind != "clients":
        text += " · public"
    if n.data:
        text += f"\nholds {', '.join(n.data)}"
    if n.risks:
        text += f"\n{n.risks} risk{'s' if n.risks > 1 else ''} ({n.risk})"
    return text


def _shown(risk: str | None, floor: str) -> str | None:
    """The risk to colour, if it reaches ``floor``."""
    return risk if risk is not None and sev_max(risk, floor) == risk else None


def to_mermaid(nodes: Sequence[Node], edges: Sequence[Edge], clusters: Sequence[tuple[str, Sequence[str]]],
               floor: str = "low") -> str:
    """Mermaid flowchart text (risks below ``floor`` are not coloured)."""
    ids = _ids(nodes)
    by_id = {n.id: n for n in nodes}
    shapes = {"datastore": ("[(", ")]"), "channel": ("[/", "/]"), "external": ("{{", "}}"),
              "gateway": ("[[", "]]"), "clients": ("((", "))"), "group": ("[", "]"), "service": ("[", "]")}
    lines = ["flowchart LR"]

    def node_line(n: Node, indent: str) -> str:
        a, b = shapes[n.kind]
        label = mermaid_label(_node_text(n)).replace("\n", "<br/>")
        return f'{indent}{ids[n.id]}{a}"{label}"{b}'

    if CLIENTS in by_id:
        lines.append('  subgraph internet["Internet (untrusted)"]')
        lines.append(node_line(by_id[CLIENTS], "    "))
        lines.append("  end")
    lines.append('  subgraph system["System boundary"]')
    for k, (owner, members) in enumerate(clusters):
        if all(by_id[m].kind == "group" for m in members):  # a collapsed team is its own box
            lines.extend(node_line(by_id[m], "    ") for m in members)
            continue
        lines.append(f'    subgraph team{k}["{mermaid_label("team " + owner)}"]')
        lines.extend(node_line(by_id[m], "      ") for m in members)
        lines.append("    end")
    lines.append("  end")
    ext = [n for n in nodes if n.kind == "external"]
    if ext:
        lines.append('  subgraph thirdparty["Third parties (outside the trust boundary)"]')
        lines.extend(node_line(n, "    ") for n in ext)
        lines.append("  end")
    risky_links: dict[str, list[int]] = {}
    for i, e in enumerate(edges):
        arrow = "-->" if e.sync else "-.->"
        label = f'|"{mermaid_label(e.label)}"|' if e.label else ""
        lines.append(f"  {ids[e.src]} {arrow}{label} {ids[e.dst]}")
        if _shown(e.risk, floor):
            risky_links.setdefault(str(e.risk), []).append(i)
    for kind, (fill, stroke) in KIND_STYLE.items():
        lines.append(f"  classDef {kind} fill:{fill},stroke:{stroke},color:#111")
    for sev, colour in SEVERITY_COLOUR.items():
        lines.append(f"  classDef risk_{sev} fill:#fff0ee,stroke:{colour},stroke-width:3px,color:#111")
    by_class: dict[str, list[str]] = {}
    for n in nodes:
        by_class.setdefault(f"risk_{n.risk}" if _shown(n.risk, floor) else n.kind, []).append(ids[n.id])
    for cls, members in sorted(by_class.items()):
        lines.append(f"  class {','.join(members)} {cls}")
    for sev, idx in sorted(risky_links.items()):
        lines.append(f"  linkStyle {','.join(map(str, idx))} stroke:{SEVERITY_COLOUR[sev]},stroke-width:3px")
    return "\n".join(lines) + "\n"


def to_dot(nodes: Sequence[Node], edges: Sequence[Edge], clusters: Sequence[tuple[str, Sequence[str]]],
           floor: str = "low") -> str:
    """Graphviz DOT text (risks below ``floor`` are not coloured)."""
    ids = _ids(nodes)
    by_id = {n.id: n for n in nodes}
    shape = {"datastore": "cylinder", "channel": "cds", "external": "box3d", "gateway": "hexagon",
             "clients": "ellipse", "group": "folder", "service": "box"}
    lines = [
        "digraph architecture {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.9, newrank=true,'
        ' labelloc=t, compound=true];',
        '  node [fontname="Helvetica", fontsize=11, style="filled,rounded", margin="0.15,0.08"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];',
    ]

    def node_line(n: Node, indent: str) -> str:
        fill, stroke = KIND_STYLE[n.kind]
        pen = 1.2
        if _shown(n.risk, floor):
            fill, stroke, pen = "#fff0ee", SEVERITY_COLOUR[str(n.risk)], 3.0
        style = "filled,rounded" if n.kind in ("service", "group", "gateway") else "filled"
        if n.public and n.kind not in ("clients",):
            style += ",bold"
        return (f"{indent}{ids[n.id]} [label={dot_str(_node_text(n))}, shape={shape[n.kind]}, "
                f"style={dot_str(style)}, fillcolor={dot_str(fill)}, color={dot_str(stroke)}, penwidth={pen}];")

    if CLIENTS in by_id:
        lines.append('  subgraph cluster_internet { label="Internet (untrusted)"; style="dashed"; color="#999999";')
        lines.append(node_line(by_id[CLIENTS], "    "))
        lines.append("  }")
    lines.append('  subgraph cluster_system { label="System boundary"; style="rounded"; color="#2f5f98"; '
                 'penwidth=2; fontsize=13;')
    for k, (owner, members) in enumerate(clusters):
        if all(by_id[m].kind == "group" for m in members):  # a collapsed team is its own box
            lines.extend(node_line(by_id[m], "    ") for m in members)
            continue
        lines.append(f'    subgraph cluster_team{k} {{ label={dot_str("team " + owner)}; style="rounded,filled"; '
                     'fillcolor="#fafbfd"; color="#c5d3e6";')
        lines.extend(node_line(by_id[m], "      ") for m in members)
        lines.append("    }")
    lines.append("  }")
    ext = [n for n in nodes if n.kind == "external"]
    if ext:
        lines.append('  subgraph cluster_thirdparty { label="Third parties (outside the trust boundary)"; '
                     'style="dashed"; color="#777777";')
        lines.extend(node_line(n, "    ") for n in ext)
        lines.append("  }")
    for e in edges:
        attrs = [f"label={dot_str(e.label)}"] if e.label else []
        if not e.sync:
            attrs.append('style="dashed"')
        if _shown(e.risk, floor):
            colour = SEVERITY_COLOUR[str(e.risk)]
            attrs.append(f'color="{colour}", penwidth=2.5, fontcolor="{colour}"')
        lines.append(f"  {ids[e.src]} -> {ids[e.dst]}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_binary() -> str | None:
    """The Graphviz ``dot`` executable, if installed (``ARCHPLAN_DOT`` overrides the lookup)."""
    override = os.environ.get("ARCHPLAN_DOT")
    if override is not None:
        return override or None
    return shutil.which("dot")


def render_svg_text(dot: str) -> str | None:
    """Run ``dot -Tsvg``; None when Graphviz is missing or fails (the DOT source is still in the plan)."""
    exe = dot_binary()
    if exe is None:
        return None
    try:
        # The executable is Graphviz from PATH (or ARCHPLAN_DOT); the input is DOT text this module wrote.
        proc = subprocess.run(  # noqa: S603
            [exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=DOT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    svg = proc.stdout.decode("utf-8", "replace")
    # Drop the XML prolog and doctype so that the SVG can be inlined in HTML; strip generator comments,
    # which carry the Graphviz version and would make output differ between machines.
    svg = svg[svg.find("<svg"):] if "<svg" in svg else svg
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
