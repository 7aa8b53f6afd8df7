"""Where a JavaScript or TypeScript request handler sends the exception it caught, stack included, to its caller
(``error_detail: stack_trace`` on the endpoint; ``archplan import source``).

Read in the handler's own code (comments blanked): a ``catch (e) { ... }`` block whose response carries the caught
error's stack: ``e.stack`` or ``serializeError(e)`` (the serialize-error package, which copies an Error's message and
stack into a plain object), written in a ``return`` statement or a response call (``res.json(...)``,
``res.send(...)``, ``Response.json(...)``, ``NextResponse.json(...)``), or held in a variable the block then returns or
sends. The same expression only logged (``console.log(serializeError(e))``) sends nothing; an Error spread or passed
whole to ``JSON.stringify`` loses its stack (not an own enumerable property), so it is not read as one.
"""

from __future__ import annotations

import re

from engine.importers.code_text import close_bracket

_CATCH = re.compile(r"\bcatch\s*\(\s*([A-Za-z_$][\w$]*)\s*(?::\s*[\w$.<>|\s]+)?\)\s*\{")
_SENT = re.compile(r"\breturn\b|\b(?:res|reply|response|ctx)\s*(?:\.\s*status\s*\([^)]*\))?\s*\.\s*"
                   r"(?:json|send|end|body)\s*\(|\b(?:Next)?Response\s*\.\s*json\s*\(|\bnew\s+(?:Next)?Response\s*\(")


def _stack_of(name: str) -> re.Pattern[str]:
    n = re.escape(name)
    return re.compile(rf"\bserializeError\s*\(\s*{n}\s*[,)]|(?<![\w$.]){n}\s*\??\.\s*stack\b")


def _statement(block: str, i: int) -> tuple[int, int]:
    """The statement of ``block`` around offset ``i``: from the previous ``;`` or a ``}`` that ends its line (the end
    of an earlier block) to the next ``;``, or the block's end."""
    ended = [m.end() for m in re.finditer(r"\}[ \t]*\n", block[:i])]
    start = max(block.rfind(";", 0, i) + 1, ended[-1] if ended else 0)
    end = block.find(";", i)
    return start, len(block) if end < 0 else end


def leaked(code: str, start: int, end: int) -> int | None:
    """The offset in ``code`` where a handler lying in ``code[start:end]`` sends a caught exception's stack to its
    caller (see the module's docs), or None."""
    for m in _CATCH.finditer(code, start, end):
        open_at = m.end() - 1
        close = min(close_bracket(code, open_at), end)
        block = code[open_at + 1:close]
        stack = _stack_of(m.group(1))
        for s in stack.finditer(block):
            first, last = _statement(block, s.start())
            statement = block[first:last]
            if _SENT.search(statement):
                return open_at + 1 + s.start()
            held = re.match(r"\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*$", block[first:s.start()])
            if held is None:
                continue
            name = re.compile(rf"(?<![\w$.]){re.escape(held.group(1))}(?![\w$])")
            for later in name.finditer(block, last):
                a, b = _statement(block, later.start())
                if _SENT.search(block[a:b]):
                    return open_at + 1 + s.start()
    return None


__all__ = ["leaked"]
