"""The writes an ASP.NET Core controller action makes to its own store and the messages it sends (``import source``).

What ``code_workflows`` reads for Java, Go, Python and C++, read for C#: each action of a controller (a class named
``...Controller``) mapped to a write (``[HttpPost]``, ``[HttpPut]``, ``[HttpPatch]``, ``[HttpDelete]``), followed
through the calls it makes on its class's fields and its class's own methods into the classes of the service (an
interface to its one implementation: ``IPlanJobHandler _handler`` -> ``class PlanJobHandler : IPlanJobHandler``), at
most ``code_workflows``' four calls deep. Along the way:

- a write to its own store is Entity Framework Core's ``SaveChanges`` / ``SaveChangesAsync`` on any receiver, or a
  method named for a change of state (``Save``, ``Add``, ``Insert``, ``Update``, ``Delete``, ``Remove``, ``Append``...)
  called on a field whose type is a repository, a store or a database context (``IOrderRepository``,
  ``IEventSourceRepository<T>``, ``OrdersDbContext``);
- a message sent to a broker is a ``Publish...`` / ``Send...`` / ``Produce...`` method called on a field whose type is
  a publisher, an event bus, a producer or a sender (``IMessagePublisher``, ``IEventBus``, ``IPublishEndpoint``,
  ``IProducer<K, V>``);
- a call made in a ``catch`` or ``finally`` block is where a failure is handled.

An action that writes its own store and sends a message makes two writes that no transaction holds together: with
nothing in the service's code naming an outbox or anything else ``code_workflows.COORDINATION`` lists, its workflow
has ``publish_mechanism: direct`` (a dual write). Nor when the code saves something in the transaction of the store
it writes (``SaveEventAsync(evt, _context.Database.CurrentTransaction)``): a record kept with the data in one
transaction, to be published after, is an outbox whatever it is called. The action's name is the workflow's, less
the ``Async`` suffix that ASP.NET Core drops from action names (``RegisterAsync`` -> ``register``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Location
from engine.importers import code_csharp, code_workflows
from engine.importers.code_text import bracket_pairs, inside

_MAX_DEPTH = 4
_TYPE = re.compile(r"\b(class|interface|record|struct)\s+([A-Za-z_]\w*)(?:\s*<[^<>{};]*>)?(?P<header>[^{;]*)\{")
_WRITE_ACTION = re.compile(r"\[\s*(?:[\w\s,()\"]*,\s*)?Http(?:Post|Put|Patch|Delete)\b")
_FIELD_CALL = re.compile(r"(?<![\w.])(?:this\s*\.\s*)?(_?[A-Za-z]\w*)\s*\.\s*([A-Za-z]\w*)\s*(?:<[^<>()]*>)?\s*\(")
_SELF_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:<[^<>()]*>)?\s*\(")
_SAVE = re.compile(r"\.\s*SaveChanges(?:Async)?\s*\(")
_BROKER_TYPE = re.compile(r"(?:Publisher|EventBus|MessageBus|Bus|Producer|PublishEndpoint|Sender)$")
_BROKER_SEND = re.compile(r"(?:Publish|Send|Produce)")
_GUARDED = re.compile(r"\bcatch\b\s*(?:\((?:[^()]|\([^()]*\))*\))?\s*(?:when\s*\((?:[^()]|\([^()]*\))*\)\s*)?\{|"
                      r"\bfinally\s*\{")


@dataclass
class _Class:
    path: str
    code: str
    kind: str
    header: str
    fields: dict[str, str]
    methods: dict[str, list[tuple[int, int]]]


def _classes(files: Sequence[tuple[str, str]]) -> dict[str, _Class]:
    out: dict[str, _Class] = {}
    for path, code in files:
        if not path.endswith(".cs"):
            continue
        pairs = bracket_pairs(code)
        for t in _TYPE.finditer(code):
            start, end = t.end(), pairs.get(t.end() - 1, len(code)) - 1
            methods = code_csharp.methods(code, start, end, pairs) if t.group(1) != "interface" else {}
            fields = code_csharp.fields(code, start, end, methods)
            out.setdefault(t.group(2), _Class(path, code, t.group(1), t.group("header"), fields, methods))
    return out


def _implementation(classes: Mapping[str, _Class], kind: str) -> str | None:
    """The class that ``kind`` is, or the one class of the service implementing the interface ``kind``."""
    c = classes.get(kind)
    if c is None:
        return None
    if c.kind != "interface":
        return kind
    found = sorted(n for n, x in classes.items() if x.kind == "class" and re.search(rf"\b{re.escape(kind)}\b",
                                                                                      x.header))
    return found[0] if len(found) == 1 else None


def handlers(files: Sequence[tuple[str, str]]) -> list[code_workflows.Handler]:
    """The write actions of a service's controllers (C# files, comments blanked) with the writes they make to their
    own store and the messages they send, in order (see the module)."""
    classes = _classes(files)
    out: list[code_workflows.Handler] = []
    for name, c in sorted(classes.items(), key=lambda kv: (kv[1].path, kv[0])):
        if c.kind != "class" or not name.endswith("Controller"):
            continue
        ends = sorted(e for spans in c.methods.values() for _s, e in spans)
        for method, spans in sorted(c.methods.items()):
            for start, end in spans:
                # its attributes and signature: the text since the previous method's body (fields may come between)
                before = c.code[max((e for e in ends if e < start), default=max(0, start - 2000)):start]
                before = before[max(before.rfind(";"), 0):]
                if not _WRITE_ACTION.search(before):
                    continue
                writes = tuple(_writes(classes, name, (start, end), 0, False, frozenset({(name, method)})))
                line = c.code.count("\n", 0, start) + 1
                out.append(code_workflows.Handler(method.removesuffix("Async") or method, Location(c.path, line, 1),
                                                  f"the action {name}.{method} ({c.path}:{line})", writes))
    return out


def _writes(classes: Mapping[str, _Class], kind: str, span: tuple[int, int], depth: int, handled: bool,
            seen: frozenset[tuple[str, str]], at: int = -1) -> Iterator[code_workflows.Write]:
    c = classes[kind]
    start, end = span
    guarded = [(g.end(), g.end() + len(inside(c.code, g.end() - 1))) for g in _GUARDED.finditer(c.code, start, end)]
    events: list[tuple[int, str, str]] = []
    calls: list[tuple[int, int]] = []
    for m in _FIELD_CALL.finditer(c.code, start, end):
        if m.group(1) in c.fields:
            events.append((m.start(), c.fields[m.group(1)], m.group(2)))
            calls.append((m.start(), m.end()))
    for m in _SELF_CALL.finditer(c.code, start, end):
        if m.group(1) in c.methods:
            events.append((m.start(), kind, m.group(1)))
    for m in _SAVE.finditer(c.code, start, end):  # on a receiver that is no field (``db.Orders``, a local context)
        if not any(a <= m.start() < b for a, b in calls):
            events.append((m.start(), "", "SaveChanges"))
    for pos, target, name in sorted(events):
        in_h = handled or any(a <= pos < b for a, b in guarded)
        where = pos if depth == 0 else at
        line = c.code.count("\n", 0, pos) + 1
        how = f"{target + '.' if target else ''}{name} at {c.path}:{line}"
        if not target:
            yield code_workflows.Write(Location(c.path, line, 1), how, handled=in_h, own=True, site=where)
        elif code_csharp.store_write(target, name) or re.fullmatch(r"SaveChanges(?:Async)?", name):
            yield code_workflows.Write(Location(c.path, line, 1), how, handled=in_h, own=True, site=where)
        elif _BROKER_TYPE.search(target) and _BROKER_SEND.match(name):
            yield code_workflows.Write(Location(c.path, line, 1), how, handled=in_h, site=where, publish=True)
        elif depth < _MAX_DEPTH:
            impl = kind if target == kind else _implementation(classes, target)
            if impl is None or (impl, name) in seen:
                continue
            for body in classes[impl].methods.get(name, []):
                yield from _writes(classes, impl, body, depth + 1, in_h, seen | {(impl, name)}, where)


_IN_TRANSACTION = re.compile(r"\b\w+\s*\([^;{}]*\.\s*(?:CurrentTransaction\b|GetDbTransaction\s*\(\s*\))")
"""A call handed the store's current transaction: what it saves commits or rolls back with the data."""


def coordinator(files: Sequence[tuple[str, str]]) -> str | None:
    """Where a service's C# code (comments blanked) saves something in its store's current transaction, if it does."""
    for path, code in files:
        if path.endswith(".cs"):
            m = _IN_TRANSACTION.search(code)
            if m is not None:
                return f"{' '.join(m.group(0).split())!r} at {path}:{code.count(chr(10), 0, m.start()) + 1}"
    return None


__all__ = ["coordinator", "handlers"]
