"""The HTML plan stays readable at page width: no drawn text under 11 px in a 1,400 px window (Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

from engine.plan import build_plan
from engine.plan.render import render
from engine.review import review
from tests.conftest import ROOT
from tests.test_plan_render import chromium, need

SHOP = os.path.join(ROOT, "facts", "shop")
FLOOR_PX = 11
# Test-only probe: the rendered size of every SVG text (font size times the drawing's scale on screen).
PROBE = """<script>
const sizes = [];
for (const t of document.querySelectorAll("svg text")) {
  const m = t.getScreenCTM();
  if (!m || !t.textContent.trim()) continue;
  const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  sizes.push([Math.round(size * 100) / 100, (t.closest("svg").getAttribute("aria-label") || "graphviz"),
              t.textContent.trim().slice(0, 40)]);
}
sizes.sort((a, b) => a[0] - b[0]);
document.body.setAttribute("data-probe", JSON.stringify({count: sizes.length, smallest: sizes.slice(0, 3)}));
</script>"""


def smallest_text(page: str, tmp: str) -> dict[str, Any]:
    exe = chromium()
    path = os.path.join(tmp, "probe.html")
    # The page forbids scripts (its CSP): the probe copy drops that line, and nothing else.
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace("</body>", PROBE + "</body>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(probed)
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,900", "--dump-dom",
             "file://" + path], capture_output=True, text=True, timeout=180, check=False)
    found = re.search(r'data-probe="([^"]*)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    return result


def test_drawn_text_is_at_least_11px_at_a_1400px_window(tmp_path: Any) -> None:
    need("Chromium", chromium() is not None, "apt-get install chromium")
    need("Graphviz dot", shutil.which("dot") is not None, "apt-get install graphviz")
    from benchmarks.gen_design import write

    big = os.path.join(str(tmp_path), "big")
    write(big, 200)
    for name, path in (("shop", SHOP), ("big", big)):
        page = render(build_plan(review([path], [], findings_only=False), render_svg=True), "html")
        probe = smallest_text(page, str(tmp_path))
        assert probe["count"] > 50, (name, probe)  # the architecture, roadmap and Gantt texts were measured
        assert probe["smallest"][0][0] >= FLOOR_PX, (name, probe["smallest"])
