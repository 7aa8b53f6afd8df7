"""Whether a Spring MVC handler charges the price or total its request's body gives (``archplan import source``).

A handler takes its body as one parameter (``@RequestBody InitPaymentRequest request``) and hands it on, through
services and provider adapters, each a method of the service's code with a parameter of that type. When one of those
methods builds a payment or charge with an amount read from that parameter (``PaymentRequest.builder()
.total(request.total())``, ``gateway.charge(request.getAmount(), ...)``), the client names the amount it is charged:
the route gets ``amount_from_client``. Copying the amount into a record (an order's ``totalPrice`` kept as given) is
not charging it, and is left unsaid, as in ``code_js_amount``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.importers.code_text import close_bracket

_AMOUNT = re.compile(r"(?:total|price|cost)$", re.IGNORECASE)
"""An accessor of a price or total (``totalPrice()``, ``getSubtotal()``, ``unitCost()``): what the client would name
the money it is charged by; a chosen ``amount`` (a transfer's, a donation's) is the client's to say."""
_BODY_PARAM = re.compile(r"@RequestBody\b(?:\s*\([^)]*\))?\s+(?:@\w+(?:\([^)]*\))?\s+)*(?:final\s+)?"
                         r"([A-Z]\w*)(?:<[^>]*>)?\s+\w+")
_CHARGE = re.compile(r"\b\w*(?:Payment|Charge)(?:Request|Intent|Order|Params)\w*|"
                     r"\b(?:charge|capture|pay|createPayment|createCharge|authorizePayment|authorisePayment)"
                     r"(?:[A-Z]\w*)?\s*\(")
"""A payment or charge being made: a provider's request type (``PaypalCreatePaymentRequest``, ``PaymentIntent``) or
a call that charges (``charge(...)``, ``createPayment(...)``); an order's ``paymentStatus`` is neither."""


def body_type(code: str, annotation_at: int) -> str | None:
    """The type of the ``@RequestBody`` parameter of the handler whose mapping annotation starts at
    ``annotation_at`` (up to the handler's opening brace), if it has one."""
    brace = code.find("{", annotation_at)
    m = _BODY_PARAM.search(code, annotation_at, brace if brace >= 0 else len(code))
    return m.group(1) if m else None


def charged(kind: str, java: Sequence[tuple[str, str]]) -> str | None:
    """Where a method of the service's code (comments blanked) that takes a ``kind`` parameter builds or makes a
    charge with an amount read from it: ``PaypalHandler.java:35``."""
    method = re.compile(rf"\(([^()]*?\b{re.escape(kind)}(?:<[^>]*>)?\s+(\w+)[^()]*)\)\s*(?:throws\s+[\w.,\s]+)?\{{")
    for path, code in java:
        for m in method.finditer(code):
            name = m.group(2)
            open_at = m.end() - 1
            body = code[open_at:close_bracket(code, open_at)]
            read = re.compile(rf"\b{re.escape(name)}\s*\.\s*(?:get)?(\w+)\s*\(\s*\)")
            start = 0
            for stmt in body.split(";"):
                reads = [r for r in read.finditer(stmt) if _AMOUNT.search(r.group(1))]
                if reads and _CHARGE.search(stmt):
                    at = open_at + start + reads[0].start()
                    return f"{path.rsplit('/', 1)[-1]}:{code.count(chr(10), 0, at) + 1}"
                start += len(stmt) + 1
    return None


__all__ = ["body_type", "charged"]
