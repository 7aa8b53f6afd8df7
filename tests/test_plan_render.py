"""The plan's diagrams and HTML checked with the real tools: Graphviz, the Mermaid parser, headless Chromium.

A missing tool skips its test on a developer machine (with the reason), and fails it under CI (``CI=true``),
where ``make test`` installs graphviz, chromium and the Mermaid checker's node modules.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from typing import Any

import pytest

from engine.plan import build_plan
from engine.plan.model import Plan
from engine.plan.render import render
from tests.conftest import ROOT
from tests.plan_helpers import LEDGER, SHOP, need, render_mermaid, rv

MERMAID_CHECK = os.path.join(ROOT, "tests", "fixtures", "plan", "mermaid-check")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def plans(tmp_path_factory: Any) -> dict[str, Plan]:
    from benchmarks.gen_design import write

    big = str(tmp_path_factory.mktemp("big"))
    write(big, 200)
    return {name: build_plan(rv([path]), render_svg=shutil.which("dot") is not None)
            for name, path in (("shop", SHOP), ("ledger", LEDGER), ("big", big))}


def test_dot_output_renders_with_graphviz(plans: dict[str, Plan], tmp_path: Any) -> None:
    need("Graphviz dot", shutil.which("dot") is not None, "apt-get install graphviz")
    for name, plan in plans.items():
        for kind, text in (("architecture", plan.architecture.dot), ("roadmap", plan.roadmap.dot)):
            proc = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, timeout=120,
                                  check=False)
            assert proc.returncode == 0, (name, kind, proc.stderr.decode())
            assert b"<svg" in proc.stdout and b"Warning" not in proc.stderr, (name, kind, proc.stderr.decode())
        assert plan.architecture.svg is not None and plan.architecture.svg.startswith("<svg")
    # Every component of the small designs is drawn, in its shape.
    svg = plans["shop"].architecture.svg or ""
    for name in ("gateway", "payment-provider", "orders-db", "order-events", "Internet clients"):
        assert f">{name.replace('-', '&#45;')}<" in svg, name
    assert "stroke-dasharray" in svg  # asynchronous edges are dashed


def test_mermaid_output_parses_with_the_mermaid_parser(plans: dict[str, Plan], tmp_path: Any) -> None:
    node = shutil.which("node")
    need("node", node is not None, "apt-get install nodejs")
    need("the Mermaid checker's node modules", os.path.isdir(os.path.join(MERMAID_CHECK, "node_modules", "mermaid")),
         f"npm ci --prefix {os.path.relpath(MERMAID_CHECK, ROOT)}")
    files = []
    for name, plan in plans.items():
        for kind, text in (("architecture", plan.architecture.mermaid), ("roadmap", plan.roadmap.mermaid)):
            path = os.path.join(str(tmp_path), f"{name}-{kind}.mmd")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            files.append(path)
    broken = os.path.join(str(tmp_path), "broken.mmd")
    with open(broken, "w", encoding="utf-8") as fh:
        fh.write('flowchart LR\n  a["x"] --> b("y"\n')
    proc = subprocess.run([node or "node", os.path.join(MERMAID_CHECK, "check.mjs"), *files, broken],
                          capture_output=True, text=True, timeout=300, check=False)
    lines = proc.stdout.splitlines()
    assert [ln for ln in lines if ln.startswith("ok ")] == [f"ok {f} flowchart-v2" for f in files], proc.stdout + \
        proc.stderr
    assert any(ln.startswith(f"FAIL {broken}") for ln in lines), "the checker must reject broken Mermaid"


def test_mermaid_flowcharts_render_with_mermaid_every_node_drawn(plans: dict[str, Plan], tmp_path: Any) -> None:
    texts = [text for plan in plans.values() for text in (plan.architecture.mermaid, plan.roadmap.mermaid)]
    for text, out in zip(texts, render_mermaid(texts, str(tmp_path)), strict=True):
        assert "svg" in out, (text[:300], out)
        svg = out["svg"]
        assert 'aria-roledescription="flowchart-v2"' in svg and 'aria-roledescription="error"' not in svg
        declared = set(re.findall(r"^\s+(\w+)[\[(/{>]", text, re.M))
        drawn = set(re.findall(r'<g [^>]*id="flowchart-(\w+)-\d+" class="node\b', svg))
        assert declared, text[:300]
        assert drawn == declared, sorted(declared ^ drawn)[:10]


def test_markdown_embeds_the_diagrams_as_mermaid_blocks(plans: dict[str, Plan]) -> None:
    md = render(plans["shop"], "markdown")
    assert md.count("```mermaid\nflowchart LR") == 2
    assert "```dot\ndigraph architecture {" in md
    for title in ("## 1. Integration architecture", "## 2. Implementation roadmap", "## 3. Risk assessment",
                  "## 4. Performance analysis", "## 5. Testing strategy", "## 6. Deployment plan",
                  "## 7. Monitoring requirements"):
        assert title in md


def test_html_is_one_self_contained_file(plans: dict[str, Plan]) -> None:
    page = render(plans["shop"], "html")
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert "@import" not in page and "url(http" not in page
    assert "default-src 'none'" in page
    if shutil.which("dot"):
        assert page.count("<svg") >= 2  # system diagram and roadmap chart drawn inline


def test_html_without_graphviz_lists_the_connections_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHPLAN_DOT", "")
    page = render(build_plan(rv([LEDGER])), "html")
    # The only drawing left is the schedule's Gantt chart, which archplan draws itself.
    assert page.count("<svg") == page.count('aria-label="Roadmap schedule"') == 1
    assert "Graphviz was not installed" in page
    assert "<td>web-bff</td><td>→</td><td>ledger</td>" in page


def _png_pixels(path: str) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of pixels: no imaging library needed."""
    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,), ctype_name = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if ctype_name == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
        elif ctype_name == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows if bpp == 3 else [bytes(v for k, v in enumerate(r) if k % 4 != 3) for r in rows]


def test_html_renders_in_headless_chromium(plans: dict[str, Plan], tmp_path: Any) -> None:
    exe = chromium()
    need("Chromium", exe is not None, "apt-get install chromium")
    need("Graphviz dot", shutil.which("dot") is not None, "apt-get install graphviz")
    page = os.path.join(str(tmp_path), "plan.html")
    with open(page, "w", encoding="utf-8") as fh:
        fh.write(render(plans["shop"], "html"))
    shot = os.path.join(str(tmp_path), "plan.png")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1280,1600",
             f"--screenshot={shot}", "file://" + page],
            capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0 and os.path.exists(shot), proc.stderr[-2000:]
    assert os.path.getsize(shot) > 30_000
    width, height, rows = _png_pixels(shot)
    assert (width, height) == (1280, 1600)
    # Not blank: the header band is dark, the page has many colours, and a good share of it is ink.
    header = rows[20][3 * 20:3 * 23]
    assert sum(header) < 3 * 3 * 120, header  # the dark blue title band rendered
    colours: set[bytes] = set()
    inked = 0
    sampled = 0
    for y in range(0, height, 7):
        row = rows[y]
        for x in range(0, width, 7):
            px = row[3 * x:3 * x + 3]
            colours.add(px)
            sampled += 1
            inked += sum(px) < 3 * 235
    assert len(colours) > 60, len(colours)
    assert inked / sampled > 0.08, inked / sampled
    # The diagram band (below the cards) holds drawn edges and boxes, not an empty frame.
    band = {rows[y][3 * x:3 * x + 3] for y in range(450, 1000, 5) for x in range(100, 1200, 5)}
    assert len(band) > 25, len(band)
