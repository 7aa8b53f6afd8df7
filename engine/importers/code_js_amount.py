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

A handler that reads nothing of its body but passes it on whole (``const msg = request.body`` then
``fastify.sendMessage(JSON.stringify(msg))``, ``orders.insertOne(req.body)``: ``forwarded_body``) keeps whatever the
client put in it. What that is, the browser code of the system says (``priced_posts``): a same-origin request
(``fetch('/api/orders', {method: 'POST', body: JSON.stringify(order)})``, ``axios.post('/api/orders', order)``) whose
body is an object literal holding priced lines (``items: cart.map((item) => ({productId, quantity, price}))``, each
with a price and a quantity, as ``code_line_prices`` reads a Java or C# body type) or a ``total``. ``code_routes``
joins the two where the handler's route is reached at the path the browser posts to.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence

from engine.importers.code_text import blank_comments, close_bracket, inside, split_args, walk

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


_FORWARD_TAKE = re.compile(rf"\b(?:const|let|var)\s+({_NAME})\s*(?::[^=;\n]*)?=\s*(?:await\s+)?{_BODY}\s*(?:;|\n|$)")
_ONWARD = re.compile(r"\.(?:send|publish|produce|emit|enqueue|dispatch|insert|save|persist|create|write|put|post|"
                     r"add|push|set|hset|rpush|lpush|xadd)\w*$", re.IGNORECASE)
"""A call of a client (``fastify.sendMessage``, ``producer.send``, ``db.orders.insertOne``, ``axios.post``) that carries
what it is given out of the handler: to a queue, a store or another service."""
_OWN_CODE = re.compile(r"(?:^|\.)(?:\w*(?:service|usecase|use_case|controller|handler|manager|helper|logic)s?|this|"
                       r"res|reply|response|ctx|console|logger|log)\.[\w$]+$", re.IGNORECASE)
"""A receiver that is the service's own code (``orderService.create``), which may price the body itself, or the
answer to the caller (``reply.send`` echoes it), or a logger."""


def forwarded_body(path: str, code: str, start: int, end: int) -> str | None:
    """Where a handler (``code[start:end]``) passes its request's body on whole, inside the arguments of a client's
    call that carries it out of the handler (``_ONWARD``: ``fastify.sendMessage(Buffer.from(JSON.stringify(msg)))`` of
    ``const msg = request.body``, ``orders.insertOne(req.body)``), reading none of its fields; None when it does not,
    or hands it to the service's own code (``_OWN_CODE``), which may price it."""
    span = code[start:end]
    names = {m.group(1) for m in _FORWARD_TAKE.finditer(span)}
    whole = "(?:" + "|".join([_BODY, *(re.escape(n) for n in sorted(names))]) + ")"
    if re.search(rf"(?<![\w$.]){whole}\s*(?:\??\.\s*[A-Za-z_$]|\[)", span):
        return None  # it reads a field of the body: what it then does with each is for ``amount_read``
    alone = re.compile(rf"(?<![\w$.]){whole}(?![\w$])")
    for m in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*\(", span):
        callee = re.sub(r"\s+", "", m.group(1))
        if not _ONWARD.search(callee) or _OWN_CODE.search(callee) or not alone.search(inside(span, m.end() - 1)):
            continue
        line = code.count("\n", 0, start + m.start()) + 1
        return f"{callee}() at {path}:{line}"
    return None


PRICED_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".jsx", ".tsx", ".vue")
"""The files browser code is written in (a Vue single-file component's script included)."""
_URL = r"""(?P<q>['"`])(?P<url>/[^'"`${}\s]*)(?P=q)"""
_FETCH = re.compile(rf"(?<![\w$.])fetch\s*\(\s*{_URL}\s*,\s*\{{")
_VERB_CALL = re.compile(rf"(?<![\w$])(?:axios|http|\$http|this\s*\.\s*http|api|client)\s*\.\s*(post|put|patch)"
                        rf"\s*(?:<[^()]*>)?\s*\(\s*{_URL}\s*,\s*")
_LINE_PRICE = re.compile(r"(?<![\w$.])(?:price|unitPrice|unit_price|productPrice|product_price|itemPrice)\s*[:,}\n]")
_LINE_QUANTITY = re.compile(r"(?<![\w$.])(?:quantity|qty)\s*[:,}\n]")
_TOTAL = re.compile(r"(?<![\w$.])['\"]?(total|subtotal|grandTotal|grand_total|totalPrice|total_price)['\"]?\s*[:,}\n]")
_LINES = re.compile(rf"(?<![\w$])({_NAME})\s*:\s*[^,{{}}]*?\.\s*map\s*\(\s*(?:async\s*)?(?:\([^()]*\)|{_NAME})"
                    r"\s*(?::\s*[\w$<>\[\]]+\s*)?=>\s*\(?\s*\{")


def _priced(literal: str) -> str | None:
    """What in an object literal's text (``{...}``) carries a price the client sets: a collection of lines mapped to
    objects each with a price and a quantity (``items[].price``), or a total at its top level."""
    inner = literal[1:-1]
    for m in _LINES.finditer(inner):
        element = inner[m.end() - 1:close_bracket(inner, m.end() - 1)]
        price = _LINE_PRICE.search(element)
        if price is not None and _LINE_QUANTITY.search(element):
            return f"{m.group(1)}[].{price.group(0)[:-1].strip()} with a quantity"
    depth_zero = _top_level(inner)
    total = _TOTAL.search(depth_zero)
    return total.group(1) if total else None


def _top_level(text: str) -> str:
    """``text`` with every bracketed part blanked: what an object literal states at its own level."""
    out, opened = list(text), 0
    for k, c, depth in walk(text):
        if depth == 0 and c in "([{":
            opened = k
        elif depth == 1 and c in ")]}":
            out[opened:k + 1] = " " * (k + 1 - opened)
    return "".join(out)


def _literal_of(code: str, at: int, expr: str) -> str | None:
    """The object literal a request's body expression stands for: itself (``{...}``), through ``JSON.stringify``,
    or the literal the nearest declaration before ``at`` binds its name to (``const order = {...}``)."""
    expr = expr.strip()
    m = re.fullmatch(r"JSON\s*\.\s*stringify\s*\((.*)\)", expr, re.DOTALL)
    if m is not None:
        expr = split_args(m.group(1))[0] if split_args(m.group(1)) else ""
    if expr.startswith("{"):
        return expr
    if re.fullmatch(_NAME, expr) is None:
        return None
    bound = list(re.finditer(rf"\b(?:const|let|var)\s+{re.escape(expr)}\s*(?::[^=;\n]*)?=\s*\{{", code[:at]))
    if not bound:
        return None
    opened = bound[-1].end() - 1
    return code[opened:close_bracket(code, opened)]


def priced_posts(files: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The same-origin requests of browser code (``files``, comments blanked) that send a body holding prices the
    client sets: (method, path) -> what and where (``POST /api/orders with items[].price with a quantity at
    src/views/Cart.vue:118``). The first in file order wins."""
    out: dict[tuple[str, str], str] = {}
    for path, code in files:
        found: list[tuple[int, str, str, str]] = []  # where, method, path, body expression
        for m in _FETCH.finditer(code):
            options = inside(code, m.end() - 1)
            verb = re.search(r"\bmethod\s*:\s*['\"`](POST|PUT|PATCH)['\"`]", options, re.IGNORECASE)
            body = re.search(r"\bbody\s*:\s*", options)
            if verb is None or body is None:
                continue
            rest = split_args(options[body.end():])
            found.append((m.start(), verb.group(1).upper(), m.group("url"), rest[0] if rest else ""))
        for m in _VERB_CALL.finditer(code):
            args = split_args(inside(code, code.index("(", m.end(1))))
            found.append((m.start(), m.group(1).upper(), m.group("url"), args[1] if len(args) > 1 else ""))
        for at, method, url, expr in sorted(found):
            literal = _literal_of(code, at, expr)
            what = _priced(literal) if literal else None
            if what is not None:
                line = code.count("\n", 0, at) + 1
                out.setdefault((method, url.rstrip("/") or "/"), f"{method} {url} with {what} at {path}:{line}")
    return out

