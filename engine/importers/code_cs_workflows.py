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
from engine.importers.code_text import bracket_pairs, close_bracket, inside, split_args

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
    span: tuple[int, int] = (0, 0)
    """Where its body lies in ``code``."""


def _classes(files: Sequence[tuple[str, str]]) -> dict[str, _Class]:
    out: dict[str, _Class] = {}
    for path, code in files:
        if not path.endswith(".cs"):
            continue
        pairs = bracket_pairs(code)
        for t in _TYPE.finditer(code):
            start, end = t.end(), pairs.get(t.end() - 1, len(code)) - 1
            methods = code_csharp.methods(code, start, end, pairs) if t.group(1) != "interface" else {}
            fields = {**_primary_constructor(t.group("header")), **code_csharp.fields(code, start, end, methods)}
            out.setdefault(t.group(2), _Class(path, code, t.group(1), t.group("header"), fields, methods, (start, end)))
    return out


def _primary_constructor(header: str) -> dict[str, str]:
    """The parameters of a C# 12 primary constructor (``class Handler(IOrderRepository orders, IPublishEndpoint bus)
    : ...``), which the class's code uses as fields: name -> type, without namespace or type arguments."""
    m = re.match(r"\s*\(((?:[^()]|\([^()]*\))*)\)", header)
    if m is None:
        return {}
    out: dict[str, str] = {}
    for param in split_args(m.group(1)):
        words = re.sub(r"^(?:\[[^\]]*\]\s*)+", "", param).split("=")[0].split()
        if len(words) >= 2 and re.fullmatch(r"[A-Za-z_]\w*", words[-1]):
            out[words[-1]] = code_csharp.base_type(" ".join(words[:-1]).rstrip("?"))
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
        command = code_csharp.MEDIATR_HANDLER.search(c.header) if c.kind == "class" else None
        if command is not None and "Handle" in c.methods:
            out.extend(_mediatr_handler(classes, name, command.group("kind")))
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


def _mediatr_handler(classes: Mapping[str, _Class], name: str, command: str) -> Iterator[code_workflows.Handler]:
    """The MediatR handler ``name`` of ``command`` (``class CheckoutHandler : ICommandHandler<CheckoutCommand, R>``)
    as a workflow named after the command (``CheckoutCommand`` -> ``Checkout``), with the writes its ``Handle`` makes;
    none when it makes none (a query)."""
    c = classes[name]
    for start, end in c.methods["Handle"]:
        writes = tuple(_writes(classes, name, (start, end), 0, False, frozenset({(name, "Handle")})))
        if writes:
            line = c.code.count("\n", 0, start) + 1
            named = re.sub(r"(?:Command|Request)$", "", command) or command
            yield code_workflows.Handler(named, Location(c.path, line, 1),
                                         f"the MediatR handler {name}.Handle of {command} ({c.path}:{line})", writes)


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


# ---- A message handler that changes stored values by an amount ---------------------------------------------

_RELATIVE = re.compile(r"(?<![\w.])((?:this\s*\.\s*)?(?:[A-Za-z_]\w*\s*\.\s*)*([A-Z]\w*))\s*[-+]=(?!=)\s*[^;{}]+;")
"""A property changed by an amount (``AvailableStock -= quantity;``, ``item.Balance += amount;``): PascalCase, as C#
names properties (a camelCase local summing a text is no stored value)."""
_DEDUPLICATES = re.compile(r"idempoten|dedup|\binbox|already_?processed|processed_?(?:message|event)s?\b|"
                           r"HasBeenProcessed|IsProcessed", re.IGNORECASE)
"""What in a service's code says it may record the messages it has handled (then nothing is said)."""
_SIGNATURE = re.compile(r"\s*(?:(?:public|private|protected|internal|static|async|virtual|override|sealed|new)\s+)*"
                        r"[\w.<>\[\],?\s]*?\b([A-Za-z_]\w*)\s*(?:<[^<>(){};]*>\s*)?\(")


def _declared_type(c: _Class, params: str, name: str) -> str | None:
    """The type of ``name`` in a method: one of its parameters (attributes such as ``[FromServices]`` before it),
    else a field of its class."""
    m = re.search(rf"(?:^|,)\s*(?:\[[^\]]*\]\s*)*([A-Za-z_][\w.]*(?:\s*<[^<>()]*>)?)\??\s+{re.escape(name)}"
                  r"\s*(?:=|,|$)", params)
    if m:
        return code_csharp.base_type(m.group(1))
    return c.fields.get(name)


def _params_before(code: str, body_start: int) -> str:
    """The parameter list of the method whose body opens just before ``body_start``."""
    close = code.rfind(")", max(0, body_start - 2000), body_start)
    if close < 0:
        return ""
    pairs = bracket_pairs(code)
    opened = next((o for o, c in pairs.items() if c == close + 1 and code[o] == "("), None)
    return "" if opened is None else code[opened + 1:close]


def _member_after(code: str, i: int) -> tuple[str, str, int, int] | None:
    """The member an attribute ending at ``i`` decorates (other attributes may follow): its name, its parameter list
    and its body's span, a block or an expression body (``=> handler.Handle(e);``)."""
    while True:
        m = re.match(r"\s*\[", code[i:])
        if m is None:
            break
        i = close_bracket(code, i + m.end() - 1)
    sig = _SIGNATURE.match(code, i)
    if sig is None:
        return None
    paren = sig.end() - 1
    close = close_bracket(code, paren)
    opened = re.match(r"\s*(?:where\b[^{;=]*)?(\{|=>)", code[close:])
    if opened is None:
        return None
    start = close + opened.end()
    if opened.group(1) == "{":
        return sig.group(1), code[paren + 1:close - 1], start, close_bracket(code, start - 1) - 1
    end = start
    while end < len(code) and code[end] != ";":
        end = close_bracket(code, end) if code[end] in "([{" else end + 1
    return sig.group(1), code[paren + 1:close - 1], start, end


def _where(path: str, code: str, i: int) -> str:
    return f"{path}:{code.count(chr(10), 0, i) + 1}"


def redelivery_repeats(files: Sequence[tuple[str, str]], path: str, code: str, at: int) -> str | None:
    """Why the C# message handler that the attribute opening at ``at`` (a subscription such as Dapr's ``[Topic]``)
    decorates
    repeats its effect when the broker delivers the message again: what it runs (the action, the classes of the
    service it calls, as ``handlers`` follows them: a field's or parameter's type, an interface's one
    implementation, else the one class of the service with a method of that name) changes a stored value by an
    amount (``AvailableStock -= quantity``, not after setting the same property outright) and saves
    (``SaveChanges``, a repository's write): a second delivery takes the amount a second time. None when the code
    shows no such change, or when any code of the service names a record of handled messages (an idempotency key,
    an inbox, processed messages: ``_DEDUPLICATES``)."""
    cs = [(p, c) for p, c in files if p.endswith(".cs")]
    if any(_DEDUPLICATES.search(c) for _p, c in cs):
        return None
    if not code.startswith("[", at):
        return None
    member = _member_after(code, close_bracket(code, at))
    if member is None:
        return None
    classes = _classes(cs)
    owner = next((n for n, c in classes.items() if c.code is code and c.span[0] <= at < c.span[1]), None)
    if owner is None:
        return None
    action, params, start, end = member
    relative: str | None = None
    save: str | None = None
    todo = [(owner, params, start, end, 0)]
    seen = {(owner, action)}
    while todo and (relative is None or save is None):
        kind, args, s, e, depth = todo.pop(0)
        c = classes[kind]
        body = c.code[s:e]
        for r in _RELATIVE.finditer(body):
            if relative is None and not re.search(rf"(?<![\w.]){r.group(2)}\s*=(?!=)", body[:r.start()]):
                relative = f"{' '.join(r.group(0).split())} at {_where(c.path, c.code, s + r.start())}"
        for m in _SAVE.finditer(body):
            save = save or f"{' '.join(m.group(0).split()).lstrip('. ')}) at {_where(c.path, c.code, s + m.start())}"
        for m in _FIELD_CALL.finditer(c.code, s, e):
            typed = _declared_type(c, args, m.group(1))
            if typed is not None and code_csharp.store_write(typed, m.group(2)):
                save = save or f"{typed}.{m.group(2)} at {_where(c.path, c.code, m.start())}"
                continue
            impl = _implementation(classes, typed) if typed is not None else None
            if typed is None:
                named = [n for n, x in classes.items() if x.kind == "class" and m.group(2) in x.methods]
                impl = named[0] if len(named) == 1 else None
            if impl is None or (impl, m.group(2)) in seen or depth >= _MAX_DEPTH:
                continue
            seen.add((impl, m.group(2)))
            x = classes[impl]
            todo.extend((impl, _params_before(x.code, b), b, f, depth + 1) for b, f in x.methods.get(m.group(2), []))
    if relative is None or save is None:
        return None
    return (f"its handler {owner}.{action} ({_where(path, code, start)}) changes a stored value by an amount "
            f"({relative}) and saves it ({save}): a message delivered again takes the amount again, and no code of "
            "the service records the messages it has handled")


__all__ = ["coordinator", "handlers", "redelivery_repeats"]
