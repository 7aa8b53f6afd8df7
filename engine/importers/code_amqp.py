"""The RabbitMQ channels a service's Node.js or Go code produces to and consumes from (``import source``).

Only files that import an AMQP client are read, as each client reads its calls:

- **amqplib** (and ``amqp-connection-manager``): ``ch.sendToQueue(queue, ...)`` produces to a queue;
  ``ch.publish(exchange, key, ...)`` produces to the exchange, or, on the default exchange (``''``), to the queue
  the key names; ``ch.consume(queue, ...)`` consumes the queue.
- **rabbitmq-amqp-js-client** (AMQP 1.0): ``conn.createPublisher({queue: {name}})`` (or ``{exchange: {name}}``)
  produces; ``conn.createConsumer({queue: {name}})`` consumes.
- **streadway/amqp** and **rabbitmq/amqp091-go**: ``ch.Publish(exchange, key, ...)`` and
  ``ch.PublishWithContext(ctx, exchange, key, ...)`` produce as amqplib's ``publish`` does; ``ch.Consume(queue,
  ...)`` consumes.
- **Azure/go-amqp** (AMQP 1.0): ``session.NewSender(ctx, address, ...)`` produces and ``session.NewReceiver(ctx,
  address, ...)`` consumes; RabbitMQ's v2 addresses ``/queues/<name>`` and ``/exchanges/<name>`` say which.

A name is read where the code shows it: a string literal, a name the file (Go: the package's files) declares with
one, or an environment variable the code reads (``process.env.QUEUE``, ``os.Getenv("QUEUE")``), whose value the
deployment sets (filled in by ``with_variables``); in Go, a function's parameter is followed to the calls of the
function in the package when they all pass the same. A name shown no such way gives a remark and no channel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from engine.errors import Location
from engine.importers.code_channels import ChannelUse
from engine.importers.code_text import close_bracket, inside, split_args

_JS = (".js", ".mjs", ".cjs", ".ts")
_JS_CLIENT = re.compile(r"""(?:require\s*\(\s*|\bfrom\s+)['"](amqplib(?:/callback_api)?|amqp-connection-manager|"""
                        r"""rabbitmq-amqp-js-client)['"]""")
_GO_CLIENT = re.compile(r'"(github\.com/(?:streadway/amqp|rabbitmq/amqp091-go|Azure/go-amqp))"')
_STRING = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$\n]*)`""")

Value = tuple[str, str]
"""What a name resolves to: ``("literal", text)`` or ``("env", VARIABLE)``."""


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def uses(texts: Sequence[tuple[str, str]]) -> tuple[ChannelUse, ...]:
    """The AMQP channel uses of a service's Node.js and Go files (comments blanked), in file and line order."""
    found: list[ChannelUse] = []
    go = [(p, c) for p, c in texts if p.endswith(".go") and not p.endswith("_test.go")]
    for path, code in texts:
        if path.endswith(_JS) and not re.search(r"\.(?:test|spec)\.[cm]?[jt]s$", path):
            client = _JS_CLIENT.search(code)
            if client:
                found.extend(_node(path, code, client.group(1)))
        elif (path, code) in go:
            client = _GO_CLIENT.search(code)
            if client:
                package = [t for t in go if os.path.dirname(t[0]) == os.path.dirname(path)]
                found.extend(_go(path, code, client.group(1).split("/", 1)[1], package))
    return tuple(sorted(found, key=lambda u: (u.at.file, u.at.line, u.at.column, u.role)))


def _use(role: str, value: Value | None, written: str, at: Location, framework: str, construct: str,
         kind: str | None) -> ChannelUse:
    if value is None:
        return ChannelUse(role, None, written, at, framework, construct, None, kind, "amqp")
    if value[0] == "env":
        return ChannelUse(role, None, f"the variable {value[1]}", at, framework, construct, None, kind, "amqp",
                          variable=value[1])
    return ChannelUse(role, value[1] or None, written, at, framework, construct, None, kind, "amqp")


# --- Node.js -------------------------------------------------------------------------------------------------

def _js_value(code: str, arg: str, depth: int = 0) -> Value | None:
    """What a JavaScript argument names: a literal, ``process.env.X`` (its fallback when the variable is unset is not
    chosen), or a ``const``/``let``/``var`` of the file declared with one of those."""
    arg = arg.strip()
    lit = _STRING.fullmatch(arg)
    if lit:
        return "literal", next(g for g in lit.groups() if g is not None)
    env = re.match(r"process\s*\.\s*env\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['\"]([A-Za-z_]\w*)['\"]\s*\])", arg)
    if env:
        return "env", env.group(1) or env.group(2)
    if depth < 3 and re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        decls = {d.group(1).strip() for d in re.finditer(rf"\b(?:const|let|var)\s+{re.escape(arg)}\s*(?::\s*\w+\s*)?"
                                                        r"=(?!=)\s*([^;\n]+)", code)}
        if len(decls) == 1:
            return _js_value(code, next(iter(decls)), depth + 1)
    return None


def _js_name(obj: str, key: str) -> str | None:
    """The ``name`` of the ``key`` object an options object gives (``{queue: {name: q}}`` -> ``q``)."""
    m = re.search(rf"\b{key}\s*:\s*\{{", obj)
    if not m:
        return None
    inner = inside(obj, m.end() - 1)
    name = re.search(r"\bname\s*:\s*([^,}]+)", inner)
    return name.group(1).strip() if name else None


def _node(path: str, code: str, client: str) -> Iterator[ChannelUse]:
    if client == "rabbitmq-amqp-js-client":
        for m in re.finditer(r"\.\s*create(Publisher|Consumer)\s*\(", code):
            options = inside(code, m.end() - 1)
            role = "producer" if m.group(1) == "Publisher" else "consumer"
            construct = f"create{m.group(1)}"
            queue, exchange = _js_name(options, "queue"), _js_name(options, "exchange")
            at = _at(path, code, m.start() + 1)
            if queue is not None:
                yield _use(role, _js_value(code, queue), queue, at, client, construct, "queue")
            elif exchange is not None:
                yield _use(role, _js_value(code, exchange), exchange, at, client, construct, None)
            else:
                yield _use(role, None, "no queue or exchange", at, client, construct, None)
        return
    framework = "amqplib"
    for m in re.finditer(r"\.\s*(sendToQueue|publish|consume)\s*\(", code):
        args = split_args(inside(code, m.end() - 1))
        at = _at(path, code, m.start() + 1)
        method = m.group(1)
        if method == "publish":
            if len(args) < 2:
                continue
            named = _js_value(code, args[0])
            if named == ("literal", ""):
                yield _use("producer", _js_value(code, args[1]), args[1], at, framework, "publish", "queue")
            else:
                yield _use("producer", named, args[0], at, framework, "publish", None)
            continue
        if not args:
            continue
        role = "producer" if method == "sendToQueue" else "consumer"
        yield _use(role, _js_value(code, args[0]), args[0], at, framework, method, "queue")


# --- Go ------------------------------------------------------------------------------------------------------

_GO_FUNC = re.compile(r"\bfunc\s+(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\(")


def _go_value(code: str, arg: str, at: int, package: Sequence[tuple[str, str]], depth: int = 0) -> Value | None:
    """What a Go argument (at offset ``at`` of ``code``) names: a literal, ``os.Getenv("X")``, a name the enclosing
    function or the package declares with one of those, or the parameter of the enclosing function every call of it
    in the package passes the same for."""
    arg = arg.strip()
    lit = re.fullmatch(r'"([^"\\\n]*)"|`([^`\n]*)`', arg)
    if lit:
        return "literal", lit.group(1) if lit.group(1) is not None else lit.group(2)
    env = re.fullmatch(r'os\s*\.\s*Getenv\s*\(\s*"([A-Za-z_]\w*)"\s*\)', arg)
    if env:
        return "env", env.group(1)
    if depth > 4 or not re.fullmatch(r"[A-Za-z_]\w*", arg):
        return None
    funcs = list(_GO_FUNC.finditer(code, 0, at))
    func = funcs[-1] if funcs else None
    start = func.start() if func else 0
    local = [d.group(1).strip() for d in re.finditer(rf"(?<![\w.]){re.escape(arg)}\s*(?::=|=(?!=))\s*([^\n;]+)",
                                                     code[start:at])]
    if local:
        return _go_value(code, local[-1], at, package, depth + 1)
    if func is not None:
        params = [p.strip().split()[0] for p in split_args(inside(code, func.end() - 1)) if p.strip()]
        if arg in params:
            index = params.index(arg)
            seen: set[Value | None] = set()
            for _other_path, other in package:
                for call in re.finditer(rf"(?<![\w.]){re.escape(func.group(1))}\s*\(", other):
                    if other is code and call.start() == func.start(1):
                        continue
                    if re.search(r"\bfunc\s*(?:\([^()]*\)\s*)?$", other[max(0, call.start() - 80):call.start()]):
                        continue
                    args = split_args(inside(other, call.end() - 1))
                    if len(args) == len(params):
                        seen.add(_go_value(other, args[index], call.start(), package, depth + 1))
            return next(iter(seen)) if len(seen) == 1 else None
    for _p, other in package:
        decls = [d.group(1) for d in re.finditer(rf"^\s*(?:const|var)\s+{re.escape(arg)}\s*(?:string\s*)?=\s*([^\n]+)",
                                                 other, re.MULTILINE)]
        if len(decls) == 1:
            return _go_value(other, decls[0], len(other), package, depth + 1)
    return None


def _address(code: str, arg: str, at: int, package: Sequence[tuple[str, str]]) -> tuple[Value | None, str | None]:
    """An AMQP 1.0 address's channel and kind: RabbitMQ's ``/queues/<name>`` (a queue), ``/exchanges/<name>`` (an
    exchange, its routing key after a further ``/``), else the address as a queue's name."""
    parts = [p.strip() for p in arg.split("+")]
    head = re.fullmatch(r'"/(queues|exchanges)/([^"\\\n]*)"', parts[0])
    if head is None:
        if len(parts) == 1:
            value = _go_value(code, arg, at, package)
            if value and value[0] == "literal":
                m = re.fullmatch(r"/(queues|exchanges)/([^/]+)(?:/.*)?", value[1])
                if m:
                    return ("literal", m.group(2)), "queue" if m.group(1) == "queues" else None
            return value, "queue"
        return None, None
    kind = "queue" if head.group(1) == "queues" else None
    rest = parts[1:]
    if head.group(2):
        return (("literal", head.group(2).split("/")[0]) if not rest or "/" in head.group(2) else None), kind
    return (_go_value(code, rest[0], at, package) if len(rest) == 1 else None), kind


def _go(path: str, code: str, client: str, package: Sequence[tuple[str, str]]) -> Iterator[ChannelUse]:
    if client == "Azure/go-amqp":
        for m in re.finditer(r"\.\s*New(Sender|Receiver)\s*\(", code):
            args = split_args(inside(code, m.end() - 1))
            if len(args) < 2:
                continue
            role = "producer" if m.group(1) == "Sender" else "consumer"
            value, kind = _address(code, args[1], m.start(), package)
            use = _use(role, value, args[1], _at(path, code, m.start() + 1), "go-amqp", f"New{m.group(1)}", kind)
            yield replace(use, repeats=_go_minted_insert(path, code, m.start(), package)) if role == "consumer" \
                else use
        return
    framework = client.rsplit("/", 1)[-1]
    for m in re.finditer(r"\.\s*(Publish|PublishWithContext|PublishWithDeferredConfirmWithContext|Consume|"
                         r"ConsumeWithContext)\s*\(", code):
        args = split_args(inside(code, m.end() - 1))
        if m.group(1).endswith("Context"):
            args = args[1:]
        at = _at(path, code, m.start() + 1)
        if m.group(1).startswith("Consume"):
            if args:
                yield replace(_use("consumer", _go_value(code, args[0], m.start(), package), args[0], at, framework,
                                   m.group(1), "queue"), repeats=_go_minted_insert(path, code, m.start(), package))
            continue
        if len(args) < 2:
            continue
        exchange = _go_value(code, args[0], m.start(), package)
        if exchange == ("literal", ""):
            yield _use("producer", _go_value(code, args[1], m.start(), package), args[1], at, framework, m.group(1),
                       "queue")
        else:
            yield _use("producer", exchange, args[0], at, framework, m.group(1), None)


_GO_MINT = re.compile(r"\b(?:rand\s*\.\s*(?:Intn|Int63n|Int31n|Int|Int63|Int31|Uint32|Uint64)|"
                      r"uuid\s*\.\s*(?:New|NewString|NewRandom|NewV4|Must)|xid\s*\.\s*New|ulid\s*\.\s*(?:Make|New))\s*\(")
"""A value drawn afresh on every call: ``math/rand``, a UUID, an xid or a ULID."""
_GO_ID_TARGET = re.compile(r"(?:\.\s*)?\b\w*(?:ID|Id|Key|key)\s*(?::=|=)(?!=)[^\n;]*$")
"""An assignment to an identifier-like name or field (``order.OrderID = ``, ``id := ``), up to the drawn value."""
_GO_INSERT = re.compile(r"\.\s*((?:Insert|Create|Save)\w*)\s*\(")
"""A call that stores a new record (``repo.InsertOrders(...)``, ``coll.InsertOne(...)``, ``db.Create(...)``); not
``Add`` or ``Store`` (a ``sync.WaitGroup``, a ``sync.Map``)."""


def _go_minted_insert(path: str, code: str, at: int, package: Sequence[tuple[str, str]]) -> str | None:
    """Why a Go consumer (its receiver or ``Consume`` call at ``at``) stores each delivery as a new record: the
    function it is in gives the message an identifier drawn afresh (``order.OrderID = strconv.Itoa(rand.Intn(...))``,
    there or in a function of the package it calls, one level), then calls a store's insert. A message delivered
    again (a crash or a lost acknowledgement before the broker hears of it) is then stored a second time under
    another identifier: the consumer is not idempotent. None when the code shows no such sequence."""
    opened = [(f.start(), code.find("{", f.end())) for f in _GO_FUNC.finditer(code, 0, at)]
    spans = [(s, b, close_bracket(code, b)) for s, b in opened if b >= 0]
    enclosing = [(b, e) for _s, b, e in spans if b < at < e]
    if not enclosing:
        return None
    end = enclosing[-1][1]
    functions = {f.group(1): (p, c, c.find("{", f.end())) for p, c in package for f in _GO_FUNC.finditer(c)
                 if not re.match(r"func\s*\(", c[f.start():])}
    minted: tuple[int, str] | None = None
    for call in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)\s*\(|(?:" + _GO_MINT.pattern + ")", code[at:end]):
        pos = at + call.start()
        if call.group(1) is None:
            if _GO_ID_TARGET.search(code[code.rfind("\n", 0, pos) + 1:pos]):
                minted = (pos, f"{' '.join(call.group(0).split()).rstrip('(')} at {_where(path, code, pos)}")
                break
            continue
        target = functions.get(call.group(1))
        if target is None or target[2] < 0:
            continue
        fpath, fcode, brace = target
        body_end = close_bracket(fcode, brace)
        for draw in _GO_MINT.finditer(fcode, brace, body_end):
            if _GO_ID_TARGET.search(fcode[fcode.rfind("\n", 0, draw.start()) + 1:draw.start()]):
                minted = (pos, f"{' '.join(draw.group(0).split()).rstrip('(')} in {call.group(1)} at "
                               f"{_where(fpath, fcode, draw.start())}")
                break
        if minted is not None:
            break
    if minted is None:
        return None
    insert = _GO_INSERT.search(code, minted[0], end)
    if insert is None:
        return None
    return (f"each delivery gets an identifier drawn afresh ({minted[1]}) before {insert.group(1)} stores it "
            f"({_where(path, code, insert.start())}): a message delivered again is stored again")


def _where(path: str, code: str, i: int) -> str:
    return f"{os.path.basename(path)}:{code.count(chr(10), 0, i) + 1}"


def with_variables(found: Sequence[ChannelUse], env: Mapping[str, tuple[str, Location]]) -> tuple[ChannelUse, ...]:
    """The uses named by an environment variable, with the name the deployment sets it to (a plain name only); with
    no variable of the service's deployment at hand (none read yet), the uses are left as they are."""
    if not env:
        return tuple(found)
    out = []
    for u in found:
        value = env[u.variable][0].strip() if u.variable and u.variable in env else ""
        if u.channel is None and re.fullmatch(r"[A-Za-z0-9._/-]{1,200}", value):
            out.append(replace(u, channel=value, written=f"{u.variable}={value} ({env[str(u.variable)][1]})"))
        elif u.channel is None and u.variable is not None:
            out.append(replace(u, written=f"the variable {u.variable}, which its deployment does not set"))
        else:
            out.append(u)
    return tuple(out)


__all__ = ["uses", "with_variables"]
