"""Whether a JavaScript or TypeScript route handler reckons with a price or total its request's body gives.

A handler of a write whose code computes with an amount read from the request body (``item.price *
item.quantity`` for each ``item`` of ``request.items``) charges what the client says: the route gets
``amount_from_client``. Read in the handler itself (Express, Fastify, NestJS: ``req.body``, ``request.body``, the
``@Body()`` parameter) and, for a NestJS body parameter with a type that the handler hands on
(``@Body() request: CheckoutRequest`` -> ``this.checkout.update(id, request)``), in each function of the service's
code that takes a parameter of that type. The body is followed through names one step at a time (``const items =
body.items``, ``body.items.map((item) => ...)``, ``for (const item of body.items)``, ``const {total} = body``).

A read counts only when the code reckons with it (``*``, ``+``, ``-``, ``/`` beside it) or hands it to a charge or
payment call: an employee's form that sets a product's price copies the value into a record, which is not charging
a customer what the request says.
"""

from __future__ import annotations

import functools
import os
import re

from engine.importers.code_text import blank_comments, close_bracket

AMOUNT_KEYS = ("price", "total", "subtotal", "grandTotal", "grand_total", "unitPrice", "unit_price", "cost")
"""What a request names the money an operation charges by (a transfer's chosen ``amount`` is the client's to say)."""

_NAME = r"[A-Za-z_$][\w$]*"
_BODY = r"(?:req|request|ctx\.request)\.body"
_ITERATE = (r"\s*\.\s*(?:map|flatMap|forEach|filter|reduce|some|every|find)\s*\(\s*(?:async\s*)?"
            rf"(?:\(([^()]*)\)|({_NAME}))\s*(?::\s*[\w$<>\[\]]+\s*)?=>")
_SKIP = frozenset({"node_modules", "dist", "build", "coverage", "test", "tests", "__tests__"})
_CHARGE_CALL = re.compile(r"(?:charge|pay|capture|bill)\w*\s*\([^()\n]*$", re.IGNORECASE)


def _names(params: str) -> list[str]:
    """The names a parameter list or a destructuring pattern binds (``{total: t, items}`` -> t, items)."""
    out = []
    for part in re.split(r",", re.sub(r"[{}\[\]()]", ",", params)):
        name = part.split(":")[-1].split("=")[0].strip().lstrip(".")
        if re.fullmatch(_NAME, name):
            out.append(name)
    return out


def _follow(code: str, roots: set[str]) -> set[str]:
    """``roots`` and every name ``code`` binds from what they hold, followed until nothing new is bound."""
    names = set(roots)
    for _ in range(5):
        before = len(names)
        rooted = "(?<![\\w$.])(?:" + "|".join(re.escape(n) if n.isidentifier() else n for n in
                                              sorted(names)) + r")(?:\??\.[A-Za-z_$][\w$]*)*"
        for m in re.finditer(rf"\b(?:const|let|var)\s+({_NAME})\s*(?::[^=;\n]*)?=\s*(?:await\s+)?{rooted}"
                             r"(?![\w$(])", code):
            names.add(m.group(1))
        for m in re.finditer(rf"\b(?:const|let|var)\s*\{{([^{{}}]*)\}}\s*=\s*(?:await\s+)?{rooted}", code):
            names.update(_names(m.group(1)))
        for m in re.finditer(rooted + _ITERATE, code):
            names.update(_names(m.group(1) or m.group(2)))
        for m in re.finditer(rf"\bfor\s*\(\s*(?:const|let|var)\s+({_NAME})\s+of\s+{rooted}", code):
            names.add(m.group(1))
        if len(names) == before:
            break
    return names


def _reckoned(code: str, start: int, end: int) -> bool:
    """Whether the value read at ``code[start:end]`` is computed with or handed to a charge call."""
    after = code[end:end + 3].lstrip()
    if re.match(r"=(?!=)", after):  # assigned to, not read
        return False
    before = code[max(0, start - 3):start].rstrip()
    arithmetic = re.match(r"(?:[*/]|\+(?!\+)|-(?!-))", after) is not None or (
        before[-1:] in ("*", "/", "+", "-") and not before.endswith(("++", "--"))) or before.endswith(
        ("+=", "-=", "*=", "/="))
    line_start = code.rfind("\n", 0, start) + 1
    return arithmetic or _CHARGE_CALL.search(code[line_start:start]) is not None


def amount_read(path: str, code: str, start: int, end: int, roots: set[str]) -> str | None:
    """Where ``code[start:end]`` reckons with an amount read from what ``roots`` (names, or ``req.body``) hold."""
    span = code[start:end]
    names = _follow(span, roots)
    rooted = "(?<![\\w$.])(?:" + "|".join(re.escape(n) if n.isidentifier() else n for n in sorted(names)) + ")"
    keys = "|".join(AMOUNT_KEYS)
    found = re.compile(rf"{rooted}(?:\??\.[A-Za-z_$][\w$]*)*\??\.(?:{keys})\b|(?<![\w$.])(?:{keys})\b")
    for m in found.finditer(span):
        bare = "." not in m.group(0)
        if bare and m.group(0) not in names:  # a bare name counts when destructured from the body
            continue
        if _reckoned(span, m.start(), m.end()):
            line = code.count("\n", 0, start + m.start()) + 1
            return f"{m.group(0)} at {path}:{line}"
    return None


def handler_amount(path: str, code: str, start: int, end: int, params: str = "") -> str | None:
    """Where a route handler (``code[start:end]``; ``params``, a NestJS method's parameter list) reckons with a price
    or total from its request's body, in its own code or in a function of the service's code that takes its typed
    body parameter. None when it does not."""
    roots = {_BODY}
    body = re.search(rf"@Body\s*\(\s*\)\s*({_NAME})\s*(?::\s*({_NAME}))?", params)
    if body is not None:
        roots.add(body.group(1))
    found = amount_read(path, code, start, end, roots)
    if found is not None or body is None or body.group(2) is None:
        return found
    if not re.search(rf"\(\s*[^;]*(?<![\w$.]){re.escape(body.group(1))}\b", code[start:end]):
        return None  # the handler does not hand its body on
    for other, text in _service_scripts(_service_root(path)):
        for m in re.finditer(rf"\b{_NAME}\s*\(([^()]*?(?<![\w$.])({_NAME})\s*\??:\s*{re.escape(body.group(2))}\b"
                             r"[^()]*)\)\s*(?::[^{;=]*)?\{", text):
            if other == path and start <= m.start() < end:
                continue
            opened = m.end() - 1
            found = amount_read(other, text, opened, close_bracket(text, opened), {m.group(2)})
            if found is not None:
                return found
    return None


def _service_root(path: str) -> str:
    """The folder of the service's ``package.json`` above ``path`` (at most five levels), else ``path``'s folder."""
    folder = here = os.path.dirname(os.path.abspath(path))
    for _ in range(5):
        if os.path.exists(os.path.join(folder, "package.json")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return here


@functools.lru_cache(maxsize=32)
def _service_scripts(root: str) -> tuple[tuple[str, str], ...]:
    """The TypeScript and JavaScript files under ``root`` (dependencies, builds and tests left out), with text."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith("."))
        for name in sorted(files):
            full = os.path.join(folder, name)
            if name.endswith((".ts", ".js", ".mjs", ".cjs")) and not name.endswith(".d.ts") \
                    and os.path.getsize(full) < 500_000:
                with open(full, encoding="utf-8", errors="replace") as f:
                    out.append((os.path.relpath(full), blank_comments(f.read())))
    return tuple(out)
