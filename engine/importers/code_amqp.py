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

- **RabbitMQ.Client** (C#, read when a file of the service names the namespace, a ``global using`` included):
  ``BasicPublish(exchange, routingKey, ...)`` (``BasicPublishAsync``) produces as amqplib's ``publish`` does;
  ``BasicConsume(queue, autoAck, consumer)`` (``BasicConsumeAsync``) consumes the queue, or the exchange's channel
  when the code binds that queue (``QueueBind(queue, exchange, ...)``, the same argument) to one exchange: the queue
  is then the consumer's subscription. Arguments are read by name (``exchange: X``) or by position. The consumer
  acknowledges before processing with ``autoAck: true`` and after it with ``autoAck: false`` and a ``BasicAck``. The
  channel states what the calls show: ``producer_acks: none`` when no C# code of the service turns publisher
  confirms on (``ConfirmSelect``, ``WaitForConfirms``, ``publisherConfirmationsEnabled``); ``durable: false`` when
  its exchange or a bound queue is declared non-durable (``ExchangeDeclare`` and ``QueueDeclare`` default to
  non-durable) or a publication sets no persistent delivery mode (``DeliveryMode = 2``, ``Persistent = true``);
  ``durable: true`` when all of them are durable and persistent. A service is said to use a call only when its own
  code reaches it: a call inside a public method (or a private one that public methods of its file call) counts
  when another file of the service calls one of those methods by name; a shared event-bus library handed over with
  the service (``EventBusRabbitMQ.Publish``) then makes producers of the services that publish and consumers of
  those that subscribe, not of every service built with it. This holds for a class another file names (or an
  interface it implements); a constructor is no such method (every user of the class builds it), and a path through
  an ``override`` (a hosted service's ``ExecuteAsync``, called by the framework) is always the service's. When the
  service builds the class only in one branch of ``if (configuration.GetValue<bool>("Setting"))`` (a choice between
  two buses), the setting its deployment gives decides: the calls of a bus it does not select are left out (a
  remark says so), and with the setting unset the calls are kept and the note says the choice was not shown.

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
from engine.importers.code_text import block_after, close_bracket, inside, split_args

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
    cs = [(p, c) for p, c in texts if p.endswith(".cs")]
    if any(_CS_CLIENT.search(c) for _p, c in cs):
        found.extend(_csharp(cs))
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


# --- C#: RabbitMQ.Client ---------------------------------------------------------------------------------------

_CS_CLIENT = re.compile(r"^[ \t]*(?:global[ \t]+)?using[ \t]+RabbitMQ\.Client\b", re.MULTILINE)
_CS_CALL = re.compile(r"\.\s*(BasicPublish|BasicConsume|ExchangeDeclare|QueueDeclare|QueueBind)(?:Async)?\s*"
                      r"(?:<[^<>()]*>)?\s*\(")
_CS_PARAMS = {"BasicPublish": ("exchange", "routingKey"), "BasicConsume": ("queue", "autoAck", "consumer"),
              "ExchangeDeclare": ("exchange", "type", "durable", "autoDelete"),
              "QueueDeclare": ("queue", "durable", "exclusive", "autoDelete"),
              "QueueBind": ("queue", "exchange", "routingKey")}
_CS_CONFIRMS = re.compile(r"\b(?:ConfirmSelect(?:Async)?\s*\(|WaitForConfirms\w*\s*\(|"
                          r"publisherConfirmationsEnabled\s*:\s*true\b|PublisherConfirmationsEnabled\s*=\s*true\b)")
_CS_PERSISTENT = re.compile(r"\b(?:DeliveryMode\s*=\s*(?:2\b|\(\s*byte\s*\)\s*2\b|DeliveryModes\s*\.\s*Persistent\b)|"
                            r"Persistent\s*=\s*true\b|SetPersistent\s*\(\s*true\s*\))")
_CS_METHOD = re.compile(r"(?:\b(?:public|private|protected|internal)\s+)?"
                        r"(?:(?:static|async|override|virtual|sealed|new|unsafe|extern|partial)\s+)*"
                        r"[\w.<>\[\],?]+\s+([A-Za-z_]\w*)\s*(?:<[^<>(){};]*>)?\s*\(")
_CS_KEYWORDS = frozenset({"if", "for", "foreach", "while", "switch", "catch", "using", "lock", "return", "new", "await",
                          "nameof", "typeof", "sizeof", "when", "throw", "else", "fixed"})


def _cs_args(args: Sequence[str], params: Sequence[str]) -> dict[str, str]:
    """A C# call's arguments by parameter name: ``name: value`` by its name, the others by position."""
    out: dict[str, str] = {}
    for i, a in enumerate(args):
        named = re.match(r"([A-Za-z_]\w*)\s*:(?!:)\s*(.*)\Z", a, re.DOTALL)
        if named and named.group(1) in params:
            out[named.group(1)] = named.group(2).strip()
        elif named is None and i < len(params):
            out.setdefault(params[i], a.strip())
    return out


def _cs_value(arg: str, consts: Mapping[str, set[str]]) -> Value | None:
    """A C# string argument: a literal, or a ``const`` / ``static readonly`` string the service declares once."""
    arg = arg.strip()
    lit = re.fullmatch(r'@?"([^"\\\n]*)"', arg)
    if lit:
        return "literal", lit.group(1)
    values = consts.get(arg.split(".")[-1]) if re.fullmatch(r"[A-Za-z_][\w.]*", arg) else None
    return ("literal", next(iter(values))) if values and len(values) == 1 else None


_CS_CONST = re.compile(r'\b(?:const|static\s+readonly)\s+string\s+([A-Za-z_]\w*)\s*=\s*@?"([^"\\\n]*)"\s*;')


def _cs_constants(cs: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for _p, code in cs:
        for m in _CS_CONST.finditer(code):
            out.setdefault(m.group(1), set()).add(m.group(2))
    return out


def _cs_methods(code: str) -> list[tuple[str, bool, int, int]]:
    """The methods of a C# file with a block body: (name, public, body start, body end); constructors left out."""
    classes = set(re.findall(r"\b(?:class|struct|record)\s+([A-Za-z_]\w*)", code))
    out = []
    for m in _CS_METHOD.finditer(code):
        name = m.group(1)
        if name in _CS_KEYWORDS or name in classes:
            continue
        end = close_bracket(code, m.end() - 1)
        brace = re.match(r"\s*(?:where\s[^{;=]*)?\{", code[end:])
        if brace is None:
            continue
        start = end + brace.end() - 1
        head = code[m.start():m.end()]
        if re.search(r"\boverride\b", head):  # the framework calls it (ExecuteAsync): the service's own path
            name = ""
        out.append((name, re.match(r"\s*public\b", head) is not None, start, close_bracket(code, start)))
    return out


def _cs_entries(code: str, at: int) -> set[str] | None:
    """The public methods whose calls reach ``code[at]``: its method when public, else the public methods of the file
    that call it (three levels); None when it is in no method, or a method nothing of the file reaches by name."""
    methods = _cs_methods(code)
    frontier: set[int] = {at}
    seen: set[str] = set()
    public: set[str] = set()
    for _level in range(4):
        names: set[str] = set()
        for pos in frontier:
            around = [(n, p, s, e) for n, p, s, e in methods if s < pos < e]
            if not around:
                continue
            name, is_public, _s, _e = max(around, key=lambda t: t[2])
            if not name:
                return None
            (public if is_public else names).add(name)
        names -= seen
        seen |= names
        # a call of the method from the file (its declaration lies in no method body, so it leads nowhere)
        frontier = {c.start() for n in names for c in re.finditer(rf"(?<![\w.]){re.escape(n)}\s*\(", code)}
        if not frontier:
            break
    return public or None


def _cs_used(path: str, code: str, at: int, cs: Sequence[tuple[str, str]]) -> bool:
    """Whether the service's own code reaches a call at ``code[at]`` (see the module's docstring)."""
    entries = _cs_entries(code, at)
    owner = [m for m in re.finditer(r"\bclass\s+([A-Za-z_]\w*)([^{;]*)\{", code) if m.start() < at]
    names = [owner[-1].group(1), *re.findall(r"[A-Za-z_]\w*", owner[-1].group(2).partition(":")[2])] if owner else []
    named = re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b") if names else None
    if entries is None or named is None or not any(other != path and named.search(text) for other, text in cs):
        return True  # in no method reached by name, or in a class (and its interfaces) no other file names
    call = re.compile(rf"\.\s*(?:{'|'.join(map(re.escape, sorted(entries)))})\s*[(<]")
    return any(other != path and call.search(text) for other, text in cs)


def _csharp(cs: Sequence[tuple[str, str]]) -> list[ChannelUse]:
    consts = _cs_constants(cs)
    confirms = any(_CS_CONFIRMS.search(c) for _p, c in cs)
    framework = "RabbitMQ.Client"
    found: list[ChannelUse] = []
    exchanges: dict[str, tuple[bool, Location]] = {}
    queues: dict[str, tuple[bool, Location]] = {}
    binds: dict[str, set[str]] = {}
    publishes: list[tuple[str, bool, Location]] = []
    for path, code in cs:
        if "Basic" not in code and "Declare" not in code and "QueueBind" not in code:
            continue
        for m in _CS_CALL.finditer(code):
            method = m.group(1)
            args = _cs_args(split_args(inside(code, m.end() - 1)), _CS_PARAMS[method])
            at = _at(path, code, m.start() + 1)
            construct = code[m.start():m.end()].strip(". \t\n(").split("<")[0].strip()
            if method == "ExchangeDeclare":
                name = _cs_value(args.get("exchange", ""), consts)
                if name and name[1]:
                    exchanges.setdefault(name[1], (_flag(args.get("durable")) is True, at))
            elif method == "QueueDeclare":
                queues.setdefault(args.get("queue", '""'), (_flag(args.get("durable")) is True, at))
            elif method == "QueueBind":
                exchange = _cs_value(args.get("exchange", ""), consts)
                if exchange and exchange[1]:
                    binds.setdefault(args.get("queue", ""), set()).add(exchange[1])
            elif not _cs_used(path, code, m.start(), cs):
                continue
            elif method == "BasicPublish":
                exchange = _cs_value(args.get("exchange", ""), consts)
                if exchange == ("literal", ""):
                    key = args.get("routingKey", "")
                    use = _use("producer", _cs_value(key, consts), key, at, framework, construct, "queue")
                else:
                    use = _use("producer", exchange, args.get("exchange", "no exchange"), at, framework, construct,
                               None)
                found.append(use)
                persistent = _cs_persistent(code, split_args(inside(code, m.end() - 1)))
                if use.channel and persistent is not None:
                    publishes.append((use.channel, persistent, at))
            else:
                queue = args.get("queue", "")
                acked = _flag(args.get("autoAck"))
                commit = "before_processing" if acked is True else "after_processing" \
                    if acked is False and re.search(r"\bBasicAck(?:Async)?\s*\(", code) else None
                found.append(replace(_use("consumer", _cs_value(queue, consts), queue, at, framework, construct,
                                          "queue"), commit=commit))
    switched = [replace(u, selected_by=_cs_switch(u.at.file, cs, u.at.line)) for u in found]
    return _cs_fold(switched, exchanges, queues, binds, publishes, confirms)


_CS_SETTING_IF = re.compile(r'\bif\s*\(\s*(!\s*)?[\w.]*\s*\.\s*GetValue\s*<\s*bool\s*>\s*\(\s*"([\w:.-]+)"\s*\)\s*\)')
"""``if (configuration.GetValue<bool>("Setting"))``: a branch taken by a boolean setting of the configuration."""


def _cs_switch(path: str, cs: Sequence[tuple[str, str]], line: int) -> tuple[str, bool] | None:
    """The boolean setting, and the value it must have, under which the service builds the class holding the call at
    ``path:line`` (``new Bus(...)`` only in one branch of ``if (configuration.GetValue<bool>("Setting"))``, the
    other branch building another bus): None when a construction is outside such a branch, or none is found."""
    code = dict(cs).get(path, "")
    start = sum(len(x) + 1 for x in code.split("\n")[:line - 1])
    owner = [m.group(1) for m in re.finditer(r"\bclass\s+([A-Za-z_]\w*)", code) if m.start() < start]
    if not owner:
        return None
    found: set[tuple[str, bool] | None] = set()
    for other, text in cs:
        if other == path:
            continue
        for built in re.finditer(rf"\bnew\s+{re.escape(owner[-1])}\s*\(", text):
            found.add(_cs_branch(text, built.start()))
    return next(iter(found)) if len(found) == 1 else None


def _cs_branch(code: str, at: int) -> tuple[str, bool] | None:
    """The innermost ``if`` on a boolean setting whose then- or else-block holds ``code[at]``, as (setting, value)."""
    chosen = None
    for m in _CS_SETTING_IF.finditer(code, 0, at):
        opened = block_after(code, m.end())
        if opened is None or opened > at:
            continue
        end = close_bracket(code, opened)
        negated = m.group(1) is not None
        if opened < at < end:
            chosen = (m.group(2), not negated)
            continue
        other = re.match(r"\s*else\s*\{", code[end:])
        if other is not None:
            else_at = end + other.end() - 1
            if else_at < at < close_bracket(code, else_at):
                chosen = (m.group(2), negated)
    return chosen


def _cs_persistent(code: str, args: Sequence[str]) -> bool | None:
    """Whether a ``BasicPublish`` marks its message persistent: its properties (``basicProperties:``, else the
    argument before the body) are null, or a variable the file sets ``DeliveryMode = 2`` / ``Persistent = true`` on,
    or an initializer that does; None when the code shows neither (properties made elsewhere)."""
    named = any(re.match(r"[A-Za-z_]\w*\s*:(?!:)", a) for a in args)
    props = next((re.sub(r"^basicProperties\s*:", "", a).strip() for a in args
                  if a.startswith("basicProperties")), None)
    if props is None:
        props = args[-2] if not named and len(args) >= 4 else None
    if props is None:
        return None
    if props in {"null", "default"}:
        return False
    if _CS_PERSISTENT.search(props):
        return True
    if not re.fullmatch(r"[A-Za-z_]\w*", props):
        return None
    sets = re.search(rf"\b{re.escape(props)}\s*\.\s*(?:{_CS_PERSISTENT.pattern})", code)
    return True if sets else False if re.search(rf"\b{re.escape(props)}\s*=\s*\w+\s*\.\s*CreateBasicProperties",
                                                code) else None


def _flag(text: str | None) -> bool | None:
    return {"true": True, "false": False}.get((text or "").strip())


def _cs_fold(found: list[ChannelUse], exchanges: Mapping[str, tuple[bool, Location]],
             queues: Mapping[str, tuple[bool, Location]], binds: Mapping[str, set[str]],
             publishes: Sequence[tuple[str, bool, Location]], confirms: bool) -> list[ChannelUse]:
    """The consumers of a queue bound to one exchange moved to the exchange's channel, and what the declarations and
    publications state of each channel used."""
    out: list[ChannelUse] = []
    for use in found:
        bound = binds.get(use.written, set())
        one = len(bound) == 1 and use.role == "consumer"
        out.append(replace(use, channel=next(iter(bound)), kind=None, group=None) if one else use)
    framework = "RabbitMQ.Client"
    for name in sorted({u.channel for u in out if u.channel}):
        sent = [p for p in publishes if p[0] == name]
        first = next(u for u in out if u.channel == name)
        if sent and not confirms:
            out.append(ChannelUse("declared", name, name, sent[0][2], framework, "BasicPublish", stated=(
                ("producer_acks", "none"), ("why", f"producer_acks none: it is published ({sent[0][2]}) and no C# code "
                                                   "of the service turns publisher confirms on (ConfirmSelect, "
                                                   "WaitForConfirms): the publisher never learns whether the broker "
                                                   "took the message"))))
        parts = [(f"the exchange {name}", *exchanges[name])] if name in exchanges else []
        parts += [(f"the queue {q}", *queues[q]) for q, ex in sorted(binds.items()) if name in ex and q in queues]
        parts += [(f"the queue {name}", *queues[f'"{name}"'])] if f'"{name}"' in queues else []
        transient = next((p for p in parts if not p[1]), None)
        volatile = next((p for p in sent if not p[1]), None)
        if transient is not None:
            why = (f"{transient[0]} is declared non-durable ({transient[2]}; ExchangeDeclare and QueueDeclare default "
                   "to non-durable): a broker restart drops it, with its bindings and the messages it holds")
            out.append(ChannelUse("declared", name, name, transient[2], framework, "declare",
                                  stated=(("durable", False), ("why", why))))
        elif volatile is not None:
            why = (f"it is published with no persistent delivery mode ({volatile[2]}): the broker keeps the message "
                   "in memory and a restart loses it")
            out.append(ChannelUse("declared", name, name, volatile[2], framework, "BasicPublish",
                                  stated=(("durable", False), ("why", why))))
        elif parts and sent and len(parts) > 1:
            out.append(ChannelUse("declared", name, name, first.at, framework, "declare", stated=(
                ("durable", True), ("why", "declared durable and published persistent: " + ", ".join(
                    f"{p[0]} ({p[2]})" for p in parts)))))
    return out


def _selected(u: ChannelUse, env: Mapping[str, tuple[str, Location]]) -> ChannelUse:
    """A use built under a boolean setting (``selected_by``) with what the deployment sets it to (.NET reads the
    variable ``A__B`` as the setting ``A:B``): whether it is chosen, and why. One built only when a variable is set is
    not chosen by a deployment whose variables are read and leave it unset."""
    if u.selected_by is None:
        return u
    setting, needed = u.selected_by
    variable = setting.replace(":", "__")
    value = env[variable][0].strip().lower() if variable in env else ""
    if needed is None:  # built only when the variable is set: a deployment whose variables are read and lack it
        if env and not value:
            return replace(u, selection=(False, f"built only when {setting} is set, which its deployment does not "
                                                "set"))
        return u
    if value not in {"true", "false"} and env and variable not in env and u.unset is not None:
        default = u.unset.strip().lower()
        return replace(u, selection=((default == "true") == needed, f"built only when {setting} is "
                                     f"{str(needed).lower()}, which its deployment does not set, and the code's "
                                     + (f"default is {default}" if default else "value is then undefined")))
    if value not in {"true", "false"}:
        return replace(u, selection=(True, f"built only when {setting} is {str(needed).lower()}, which its "
                                           "deployment does not set: taken as chosen"))
    return replace(u, selection=((value == "true") == needed, f"built only when {setting} is {str(needed).lower()}, "
                                                             f"and its deployment sets {variable}={env[variable][0]} "
                                                             f"({env[variable][1]})"))


def with_variables(found: Sequence[ChannelUse], env: Mapping[str, tuple[str, Location]]) -> tuple[ChannelUse, ...]:
    """The uses named by an environment variable, with the name the deployment sets it to (a plain name only); with
    no variable of the service's deployment at hand (none read yet), the uses are left as they are. A use built under
    a boolean setting gets what the deployment sets it to (``_selected``)."""
    found = [_selected(u, env) for u in found]
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
