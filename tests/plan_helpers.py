"""What the plan tests share: the two designs they plan and the knowledge base they pin."""

from __future__ import annotations

import glob
import os
import re
from typing import Any

import pytest

from engine.review import review
from tests.conftest import IN_CI, ROOT

SHOP = os.path.join(ROOT, "facts", "shop")
LEDGER = os.path.join(ROOT, "tests", "fixtures", "plan", "ledger")
# The planning rules and the reference risk rule: the tests pin the knowledge base they describe, so that
# rules others add (or are halfway through writing) change nothing here.
RULES = [*sorted(glob.glob(os.path.join(ROOT, "rules", "*", "plan-*.yaml"))),
         os.path.join(ROOT, "rules", "resilience", "external-call-without-circuit-breaker.yaml")]


def rv(paths: list[str], extra: list[str] | None = None) -> Any:
    """Review with the pinned rules (plus ``extra`` rule directories)."""
    return review(paths, [*RULES, *(extra or [])], builtin=False, findings_only=False)


def need(what: str, found: bool, how: str) -> None:
    """Skip locally, fail in CI: a test that cannot run must not pass vacuously there."""
    if found:
        return
    msg = f"{what} is not available ({how}; `make test` installs it unless SYSTEM_DEPS=0)"
    if IN_CI:
        pytest.fail(msg + "; CI must install it (see the Makefile's plan-tools target)")
    pytest.skip(msg)


MERMAID_CHECK = os.path.join(ROOT, "tests", "fixtures", "plan", "mermaid-check")
MERMAID_JS = os.path.join(MERMAID_CHECK, "node_modules", "mermaid", "dist", "mermaid.min.js")
# Test-only page: the real mermaid library renders each diagram in headless Chromium and leaves, per diagram,
# its SVG or its error in a <pre> that --dump-dom returns.
_RENDER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<script src="{js}"></script>
<script id="diagrams" type="application/json">{texts}</script>
<script>
(async () => {{
  const out = [];
  try {{
    mermaid.initialize({{startOnLoad: false, securityLevel: "strict", gantt: {{useMaxWidth: false}}}});
    const texts = JSON.parse(document.getElementById("diagrams").textContent);
    for (let i = 0; i < texts.length; i++) {{
      try {{ out.push({{svg: (await mermaid.render("diagram" + i, texts[i])).svg}}); }}
      catch (e) {{ out.push({{error: String(e.message || e).slice(0, 500)}}); }}
    }}
  }} catch (e) {{ out.push({{error: "mermaid did not load: " + String(e)}}); }}
  const pre = document.createElement("pre");
  pre.id = "rendered";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}})();
</script></body></html>
"""


def render_mermaid(texts: list[str], tmp: str) -> list[dict[str, str]]:
    """Render Mermaid diagrams to SVG with the real mermaid library in headless Chromium: one ``{"svg": …}``
    or ``{"error": …}`` per text, in order. Skips locally (fails under CI) without Chromium or mermaid."""
    import html
    import json
    import subprocess
    import tempfile

    from tests.test_plan_render import chromium

    exe = chromium()
    need("Chromium", exe is not None, "apt-get install chromium")
    need("the mermaid library (the Mermaid checker's node modules)", os.path.isfile(MERMAID_JS),
         f"npm ci --prefix {os.path.relpath(MERMAID_CHECK, ROOT)}")
    page = os.path.join(tmp, "mermaid-render.html")
    with open(page, "w", encoding="utf-8") as fh:
        fh.write(_RENDER_PAGE.format(js="file://" + MERMAID_JS, texts=json.dumps(texts).replace("</", "<\\/")))
    with tempfile.TemporaryDirectory() as profile:
        # The virtual time budget lets the page's asynchronous rendering finish before the DOM is dumped.
        proc = subprocess.run(
            [exe or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=60000", "--dump-dom",
             "file://" + page], capture_output=True, text=True, timeout=300, check=False)
    found = re.search(r'<pre id="rendered">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    result: list[dict[str, str]] = json.loads(html.unescape(found.group(1)))
    assert len(result) == len(texts), result
    return result
