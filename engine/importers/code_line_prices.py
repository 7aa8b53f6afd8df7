"""Whether a request body a Java or C# handler takes carries priced order lines (``archplan import source``).

A write handler's body type (Spring's ``@RequestBody OrderPostVm order``, ASP.NET Core's ``[FromBody] CustomerBasket
basket``) that holds a collection of lines (``List<OrderItemPostVm> items``, ``IEnumerable<BasketItem> Items``,
``BasketItem[] items``) each of which declares both a price (``price``, ``unitPrice``, ``productPrice``,
``UnitPrice``...) and a quantity (``quantity``, ``qty``) is an order or a basket the client prices itself: each line
says what it costs and how many are bought. The route gets ``amount_from_client``, whatever the code then does with
the lines (stores them as given, totals them, hands them on), since the service could not have sent its own prices
back to itself through the client without the client being able to change them.

A single price in the body (an employee's form setting a product's price, a product with a stock quantity) is no
such line: only a collection of elements with both fields counts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from engine.importers.code_text import bracket_pairs

_TYPE = re.compile(r"\b(?:class|record|struct)\s+([A-Z]\w*)")
_COLLECTION = re.compile(r"\b(?:List|ArrayList|Set|HashSet|Collection|Iterable|IEnumerable|IList|ICollection|"
                         r"IReadOnlyList|IReadOnlyCollection)\s*<\s*([A-Z]\w*)\s*>\s+(\w+)|\b([A-Z]\w*)\s*\[\s*\]\s+"
                         r"(\w+)")
_NUMBER = r"(?:decimal|double|float|long|int|short|BigDecimal|Double|Float|Long|Integer|Short|Money|Decimal)\??"
_PRICE = re.compile(rf"\b{_NUMBER}\s+((?:unit|product|item|sale|sell|list)?price|unitcost)\b", re.IGNORECASE)
_QUANTITY = re.compile(rf"\b{_NUMBER}\s+(quantity|qty)\b", re.IGNORECASE)


def _declarations(texts: Sequence[tuple[str, str]]) -> dict[str, tuple[str, str, int]]:
    """Each type the files declare: name -> (its file, its text from the declaration to its body's end, where its
    declaration starts). The first of a name wins."""
    out: dict[str, tuple[str, str, int]] = {}
    for path, code in texts:
        pairs = bracket_pairs(code)
        for m in _TYPE.finditer(code):
            brace = code.find("{", m.end())
            semi = code.find(";", m.end())
            # a positional record ends at its ';' (``record Order(List<Line> Lines);``), the file's last type too
            positional = semi >= 0 and (brace < 0 or semi < brace) and "(" in code[m.end():semi]
            if not positional and (brace < 0 or 0 <= semi < brace):
                continue
            end = semi + 1 if positional else pairs.get(brace, len(code))
            out.setdefault(m.group(1), (path, code[m.start():end], m.start()))
    return out


def _line(declared: Mapping[str, tuple[str, str, int]], kind: str, texts: Mapping[str, str]) -> str | None:
    """Where the type ``kind`` declares both a price and a quantity: ``BasketItem.cs:8``."""
    found = declared.get(kind)
    if found is None:
        return None
    path, text, start = found
    price, quantity = _PRICE.search(text), _QUANTITY.search(text)
    if price is None or quantity is None:
        return None
    line = texts[path].count("\n", 0, start + price.start()) + 1
    return f"{kind} carries {price.group(1)} and {quantity.group(1)} ({os.path.basename(path)}:{line})"


class LinePrices:
    """The types of a service's Java or C# files (comments blanked), read once, asked about each body type."""

    def __init__(self, texts: Sequence[tuple[str, str]]) -> None:
        self._declared = _declarations(texts)
        self._codes = dict(texts)

    def of(self, kind: str) -> str | None:
        """Why the body type ``kind`` carries priced order lines, when a collection it holds has elements with a price
        and a quantity (``CustomerBasket.Items: each BasketItem carries UnitPrice and Quantity (BasketItem.cs:8)``)."""
        found = self.lines(kind)
        return found[0] if found else None

    def lines(self, kind: str, wrapped: bool = True) -> tuple[str, str, str] | None:
        """``of``, with the collection's field and its elements' price field as declared (``Items``, ``UnitPrice``);
        with ``wrapped``, also through one field of a type that holds them (``StoreRequest(Cart Cart)``, the cart's
        ``Items``: ``Cart.Items``)."""
        found = self._declared.get(kind)
        if found is None:
            return None
        for m in _COLLECTION.finditer(found[1]):
            element, field = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            said = _line(self._declared, element, self._codes) if element != kind else None
            if said is not None:
                price = _PRICE.search(self._declared[element][1])
                return f"{kind}.{field}: each {said}", field, price.group(1) if price else ""
        for m in (_HOLDER.finditer(found[1]) if wrapped else ()):
            inner = self.lines(m.group(1), wrapped=False) if m.group(1) != kind else None
            if inner is not None:
                return f"{kind}.{m.group(2)}, a {inner[0]}", f"{m.group(2)}.{inner[1]}", inner[2]
        return None

    def identifier(self, kind: str) -> str | None:
        """Where the body type ``kind`` names one stored object by its id or number (a field ``int OrderNumber``,
        ``Guid BasketId``, ``string Id``: ``CancelOrderCommand.OrderNumber (CancelOrderCommand.cs:3)``); None when it
        declares no such field, or several (a whole entity, an object with its links, names more than one)."""
        found = self._declared.get(kind)
        if found is None:
            return None
        path, text, start = found
        ids = [m for m in _IDENTIFIER.finditer(text) if not _NOT_OBJECT.search(m.group(1) or m.group(2))]
        if len(ids) != 1:
            return None
        line = self._codes[path].count("\n", 0, start + ids[0].start()) + 1
        return f"{kind}.{ids[0].group(1) or ids[0].group(2)} ({os.path.basename(path)}:{line})"


_HOLDER = re.compile(r"(?:[(,]|\bpublic)\s*([A-Z]\w*)\??\s+([A-Z]\w*)\s*(?=[,)]|\{\s*get\b)")
"""A field of a request type holding one object of another type: a positional record's parameter (``record
StoreRequest(Cart Cart)``) or a public property (``public Cart Cart { get; set; }``)."""
_IDENTIFIER = re.compile(r"\b(?:(?:int|long|Guid|string)\??\s+((?:[A-Z]\w*)?(?:Id|ID))|(?:int|long)\??\s+"
                         r"((?:[A-Z]\w*)?(?:Number|No)))\b(?!\s*\()")
"""A field (or positional record parameter) naming one object: its id (``int``, ``long``, ``Guid`` or ``string``) or
its business number (``int`` or ``long``: a card or phone number is a string, and no key)."""
_NOT_OBJECT = re.compile(r"(?:Request|Correlation|Trace|Span|Session|Idempotency|Message|Event|Transaction)I[dD]$")
"""Ids of a request, a trace, a message: they name no stored object of the caller's."""

__all__ = ["LinePrices"]
