"""The message channels a service's Java or Kotlin code produces to and consumes from (``import source``).

Read from the code (comments blanked) as the messaging frameworks read it:

- **Spring Kafka**: ``@KafkaListener(topics = ..., groupId = ...)`` consumes each topic it names (in the group it
  names); ``send(topic, ...)`` on a ``KafkaTemplate`` produces to the topic (or the topic of the ``ProducerRecord``
  it is given). Both are ``kind: topic`` over ``kafka``.
- **Spring AMQP**: ``@RabbitListener(queues = ...)`` (or a ``@Queue("name")`` it declares) consumes the queue, and
  so does a listener container the code builds (``container.setQueueNames(...)`` on a ``Simple``/``Direct``
  ``MessageListenerContainer``);
  ``convertAndSend`` / ``send`` on a ``RabbitTemplate`` or ``AmqpTemplate`` publishes to the exchange it names
  first, or, with the default exchange (one string, or an empty exchange), to the queue its routing key names. Over
  ``amqp``; a queue is ``kind: queue``. The broker declarations the code makes (``@Bean`` methods returning
  ``new Queue(name, durable)``, ``QueueBuilder.durable(..)``/``nonDurable(..)`` with ``ttl``, ``maxLength``,
  ``deadLetterExchange`` or their ``x-`` arguments, ``Fanout``/``Topic``/``Direct``/``HeadersExchange``,
  ``ExchangeBuilder``, ``BindingBuilder.bind(queue).to(exchange)``) say what the broker holds. The channel is what
  producers address: a consumer of a queue bound to one exchange consumes the exchange's channel, the queue being
  its subscription (its ``group``, as a Kafka consumer group is), so a producer on the exchange and a consumer of
  its queue meet on one channel. The channel is then a queue when one queue is bound to it and a topic when several
  are (each gets a copy), and it states what its queues' declarations state: not durable when its exchange or one
  of its queues is declared non-durable (a broker restart drops it and what it holds), durable when all are, and a
  length bound, a TTL (the longest) or dead-lettering when every queue declares one (absence is not stated: a
  broker policy may set them).
- **Eventuate Tram**: ``@EventuateDomainEventHandler(subscriberId = ..., channel = ...)`` and
  ``DomainEventHandlersBuilder.forAggregateType(...)`` consume the events of an aggregate (the channel is the
  aggregate's class name); ``CommandHandlersBuilder.fromChannel(...)`` (and the saga participants' builder)
  consume the commands of a channel. A publisher class that extends the framework's aggregate publisher
  (``AbstractAggregateDomainEventPublisher<Order, ...>``) and ``DomainEventPublisher.publish(Order.class, ...)``
  produce to the channel of the aggregate ``Order`` (its fully qualified name, from the file's imports or
  package); a saga's ``send(command).to(channel)``, a ``CommandEndpointBuilder``'s ``withChannel(channel)`` and
  ``CommandProducer.send(channel, ...)`` produce to a command channel. Which broker carries them is not in the
  code: the service's build or configuration names it (a ``jdbc-kafka`` module, ``eventuatelocal.kafka``: Kafka,
  each channel a topic; RabbitMQ: ``amqp``), else the protocol is left unknown.

A channel is named by a string literal, by a string constant whose value the service's code declares
(``static final String ORDERS = "orders"``, ``const val ORDERS = "orders"``, read across its files; a name
declared with two values is not chosen between) or that a module its build compiles it with declares (Gradle's
``compile project(':orders-api')``, a Maven dependency on a sibling module: ``library_modules``, when the module is
in the checkout beside it), or by a property placeholder's default (``"${app.topic:orders}"`` reads ``orders``, as
Spring does when the property is unset). A channel named any other way (a placeholder without a default, a constant
of a module neither imported nor in the checkout, a value computed at run time) is not invented: a remark names what
the code wrote, and the channel is left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.errors import ArchplanError, Location
from engine.importers.base import Body, safe_name
from engine.importers.code_text import close_bracket, inside, split_args
from engine.source import read_text

SUFFIXES = (".java", ".kt")
_BUILD_FILES = ("build.gradle", "build.gradle.kts", "pom.xml")
_SKIP_DIRS = frozenset({"src", "build", "target", "node_modules", "out", "bin"})


@dataclass(frozen=True)
class ChannelUse:
    """A channel the code produces to or consumes from: the name (None: not shown), what the code wrote for it,
    where, the framework and the construct, the consumer's group, the channel's kind and the wire protocol."""

    role: str
    """``producer`` or ``consumer``."""
    channel: str | None
    written: str
    at: Location
    framework: str
    construct: str
    group: str | None = None
    kind: str | None = None
    protocol: str | None = None
    variable: str | None = None
    """The environment variable the code reads the name from, when it does (``code_amqp``)."""
    stated: tuple[tuple[str, object], ...] = ()
    """For a ``declared`` use: the channel fields the broker declarations state (``durable``, ``bounded``, ...)."""
    repeats: str | None = None
    """For a consumer: why a message delivered again repeats its effect (it is stored anew), when the code shows it."""
    component: str | None = None
    """The Dapr pub/sub component that carries the topic (``code_dapr``): its file names the broker."""
    selected_by: tuple[str, bool | None] | None = None
    """The boolean setting, and its value, under which the service builds the code that makes the call
    (``code_amqp``'s C# reader: one of two buses chosen by configuration); None for the value: the variable is only
    to be set (``code_bullmq``: a queue built only when it is)."""
    unset: str | None = None
    """For a use with ``selected_by``: the value the code gives the setting when the deployment leaves it unset (the
    default its environment schema declares, ``""`` for none), when the code compares it strictly (``code_bullmq``:
    ``env.X !== "true"``); None: unknown, and an unset setting is taken as choosing the code."""
    selection: tuple[bool, str] | None = None
    """Whether the deployment's setting chooses that code, and why (``code_amqp.with_variables``)."""
    commit: str | None = None
    """For a consumer: when it acknowledges a message (``before_processing``, ``after_processing``), when the code
    shows it (``code_amqp``'s C# reader: ``autoAck``)."""


_CONST = re.compile(r"\b(?:String|val|var)\s+([A-Za-z_]\w*)\s*(?::\s*String\s*)?=\s*\"([^\"\\\n]*)\"\s*[;\n]")
_CLASS = re.compile(r"\b(?:class|interface|object|enum)\s+([A-Za-z_]\w*)")
_PLACEHOLDER = re.compile(r"\$\{[^:}]*(?::([^}]*))?\}")
_ITEM = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|[A-Za-z_][\w.]*")
_ATTR = re.compile(r"\b([A-Za-z]\w*)\s*=\s*(\{[^{}]*\}|\[[^\[\]]*\]|\"(?:[^\"\\\n]|\\.)*\"|[A-Za-z_][\w.]*)")


def constants(texts: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    """The string constants the files declare, by name and by ``Class.NAME`` (each with every value written)."""
    out: dict[str, set[str]] = {}
    for _path, code in texts:
        classes = [(m.start(), m.group(1)) for m in _CLASS.finditer(code)]
        for m in _CONST.finditer(code):
            owner = next((name for at, name in reversed(classes) if at < m.start()), None)
            out.setdefault(m.group(1), set()).add(m.group(2))
            if owner:
                out.setdefault(f"{owner}.{m.group(1)}", set()).add(m.group(2))
    return out


def _value(item: str, consts: Mapping[str, set[str]]) -> str | None:
    """The channel name an argument gives: a literal (a placeholder's default), or a constant with one value."""
    item = item.strip().removeprefix("this.")  # a field of the class itself, as its bare name
    if item.startswith('"'):
        text = item[1:-1]
        if "#{" in text:  # a SpEL expression, evaluated at run time
            return None
        if "${" in text:
            m = _PLACEHOLDER.fullmatch(text)
            return (m.group(1).strip() or None) if m and m.group(1) is not None else None
        return text or None
    if not re.fullmatch(r"[A-Za-z_][\w.]*", item):
        return None
    values = consts.get(".".join(item.split(".")[-2:]))  # Class.NAME: that class's constant, no other's
    if values and len(values) == 1:
        found = next(iter(values))
        return found if "${" not in found else _value(f'"{found}"', consts)
    return None


def _items(value: str) -> list[str]:
    """The elements of an annotation attribute's value (``{"a", B.C}``, ``["a"]`` or one item)."""
    if value[:1] in "{[":
        return [m.group(0) for m in _ITEM.finditer(value[1:-1])]
    return [value]


def _attrs(args: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _ATTR.finditer(args)}


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _typed(code: str, types: str) -> set[str]:
    """The variables, fields and parameters the file declares with one of ``types`` (Java or Kotlin)."""
    java = re.compile(rf"\b(?:{types})\b\s*(?:<[^;{{}}()]*?>)?\s+([a-z_]\w*)")
    kotlin = re.compile(rf"\b([a-z_]\w*)\s*:\s*(?:{types})\b")
    return {m.group(1) for m in java.finditer(code)} | {m.group(1) for m in kotlin.finditer(code)}


def _calls(code: str, receivers: set[str], methods: str) -> Iterator[tuple[int, list[str]]]:
    """Each call of one of ``methods`` on one of ``receivers`` (``this.x.send(...)``), with its arguments."""
    if not receivers:
        return
    pattern = re.compile(rf"(?<![\w$])(?:{'|'.join(map(re.escape, sorted(receivers)))})\s*(?:!!)?\s*\.\s*"
                         rf"(?:{methods})\s*\(")
    for m in pattern.finditer(code):
        yield m.start(), split_args(inside(code, m.end() - 1))


def _qualified(code: str, name: str) -> str:
    """The fully qualified name of a class the file names (its import, else its own package)."""
    name = name.strip().removesuffix(".class").removesuffix("::class.java").removesuffix("::class")
    if "." in name:
        return name
    imported = re.search(rf"^\s*import\s+([\w.]+\.{re.escape(name)})\s*;?\s*$", code, re.MULTILINE)
    if imported:
        return imported.group(1)
    package = re.search(r"^\s*package\s+([\w.]+)\s*;?\s*$", code, re.MULTILINE)
    return f"{package.group(1)}.{name}" if package else name


def _aggregate(code: str, arg: str, consts: Mapping[str, set[str]]) -> str | None:
    """The channel of an aggregate's events an argument names: a class (``Order.class``,
    ``Order.class.getName()``) by its qualified name, or a name as ``_value`` reads it."""
    arg = arg.strip()
    cls = re.fullmatch(r"([A-Za-z_][\w.]*)\s*(?:\.\s*class|::\s*class(?:\s*\.\s*java)?)"
                       r"(?:\s*\.\s*(?:getName|getTypeName|qualifiedName|name)\s*(?:\(\s*\))?)?", arg)
    if cls:
        return _qualified(code, cls.group(1))
    return _value(arg, consts)


def _main(path: str) -> bool:
    """Whether a file is of a module's running code: under ``src/main/`` when it is under a ``src/`` folder (a
    Gradle or Maven source set of tests, contract tests or set-aside code is not run by the service)."""
    parts = path.replace(os.sep, "/").split("/")
    if "src" not in parts:
        return True
    rest = parts[len(parts) - 1 - parts[::-1].index("src") + 1:]
    return len(rest) > 1 and rest[0] == "main"


def uses(texts: Sequence[tuple[str, str]], libraries: Sequence[tuple[str, str]] = ()) -> tuple[ChannelUse, ...]:
    """The channel uses of a service's Java and Kotlin files (comments blanked), in file and line order; the string
    constants of ``libraries`` (the code of the modules its build compiles it with, ``library_sources``) name
    channels too, where the service's own code declares no constant of that name."""
    jvm = [(p, c) for p, c in texts if p.endswith(SUFFIXES) and _main(p)]
    if not jvm:
        return ()
    consts = {**constants([(p, c) for p, c in libraries if p.endswith(SUFFIXES) and _main(p)]), **constants(jvm)}
    found: list[ChannelUse] = []
    broker = _Broker()
    for path, code in jvm:
        found.extend(_spring_kafka(path, code, consts))
        found.extend(_spring_amqp(path, code, consts))
        found.extend(_eventuate(path, code, consts))
        broker.read(path, code, consts)
    found = broker.fold(found)
    return tuple(sorted(found, key=lambda u: (u.at.file, u.at.line, u.at.column, u.role)))


def _spring_kafka(path: str, code: str, consts: Mapping[str, set[str]]) -> Iterator[ChannelUse]:
    for m in re.finditer(r"@KafkaListener\s*\(", code):
        attrs = _attrs(inside(code, m.end() - 1))
        group = _value(attrs["groupId"], consts) if "groupId" in attrs else None
        topics = attrs.get("topics")
        if topics is None:
            what = "topicPattern" if "topicPattern" in attrs else "topicPartitions" if "topicPartitions" in attrs \
                else "no topics"
            yield ChannelUse("consumer", None, what, _at(path, code, m.start()), "Spring Kafka", "@KafkaListener",
                             group, "topic", "kafka")
            continue
        for item in _items(topics):
            yield ChannelUse("consumer", _value(item, consts), item, _at(path, code, m.start()), "Spring Kafka",
                             "@KafkaListener", group, "topic", "kafka")
    templates = _typed(code, "KafkaTemplate|KafkaOperations|ReactiveKafkaProducerTemplate")
    for start, args in _calls(code, templates, "send|sendDefault"):
        first = args[0] if args else ""
        record = re.match(r"(?:new\s+)?ProducerRecord\s*(?:<[^()]*?>)?\s*\(", first)
        if record:
            first = (split_args(inside(first, record.end() - 1)) or [""])[0]
        default = re.match(r"\w+\s*(?:!!)?\s*\.\s*sendDefault", code[start:])
        channel = None if default or not args else _value(first, consts)
        yield ChannelUse("producer", channel, "the template's default topic" if default else first,
                         _at(path, code, start), "Spring Kafka", "KafkaTemplate.send", None, "topic", "kafka")


def _spring_amqp(path: str, code: str, consts: Mapping[str, set[str]]) -> Iterator[ChannelUse]:
    for m in re.finditer(r"@RabbitListener\s*\(", code):
        text = inside(code, m.end() - 1)
        attrs = _attrs(text)
        items = _items(attrs["queues"]) if "queues" in attrs else []
        items += [q.group(2) for q in re.finditer(r"@Queue\s*\(\s*(value\s*=\s*|name\s*=\s*)?"
                                                  r"(\"(?:[^\"\\\n]|\\.)*\"|[A-Za-z_][\w.]*)", text)]
        for item in items or ["no queues"]:
            channel = _value(item, consts) if items else None
            yield ChannelUse("consumer", channel, item, _at(path, code, m.start()), "Spring AMQP", "@RabbitListener",
                             None, "queue", "amqp")
    # a listener container built in code (``container.setQueueNames(QUEUE)``) consumes the queues it is given
    containers = _typed(code, "SimpleMessageListenerContainer|DirectMessageListenerContainer")
    for start, args in _calls(code, containers, "setQueueNames|addQueueNames"):
        for item in args:
            yield ChannelUse("consumer", _value(item, consts), item, _at(path, code, start), "Spring AMQP",
                             "SimpleMessageListenerContainer.setQueueNames", None, "queue", "amqp")
    templates = _typed(code, "RabbitTemplate|AmqpTemplate|RabbitOperations|RabbitMessagingTemplate")
    exchange_set = re.search(r"\.\s*setExchange\s*\(|\bexchange\s*=", code) is not None
    for start, args in _calls(code, templates, "convertAndSend|send|convertSendAndReceive|sendAndReceive"):
        strings = [_value(a, consts) if (a.startswith('"') or re.fullmatch(r"[A-Z_][\w.]*|[A-Za-z_]\w*\.[A-Z_]\w*",
                                                                            a)) else None for a in args[:2]]
        at = _at(path, code, start)
        if len(args) >= 3 and strings[0] is not None and strings[1] is not None:
            # an exchange and a routing key; the default exchange ("") routes by queue name
            if strings[0]:
                yield ChannelUse("producer", strings[0], args[0], at, "Spring AMQP", "RabbitTemplate", None, None,
                                 "amqp")
                continue
            yield ChannelUse("producer", strings[1], args[1], at, "Spring AMQP", "RabbitTemplate", None, "queue",
                             "amqp")
            continue
        if len(args) >= 3 and strings[0] and args[1] == '""':
            # an exchange and an empty routing key (a fanout exchange ignores the key)
            yield ChannelUse("producer", strings[0], args[0], at, "Spring AMQP", "RabbitTemplate", None, None,
                             "amqp")
            continue
        if args and args[0] == '""' and len(args) >= 3:
            yield ChannelUse("producer", _value(args[1], consts), args[1], at, "Spring AMQP", "RabbitTemplate", None,
                             "queue", "amqp")
            continue
        if len(args) >= 2 and strings[0] and not exchange_set:
            yield ChannelUse("producer", strings[0], args[0], at, "Spring AMQP", "RabbitTemplate", None, "queue",
                             "amqp")
            continue
        yield ChannelUse("producer", None, args[0] if args else "the template's default exchange", at, "Spring AMQP",
                         "RabbitTemplate", None, None, "amqp")


@dataclass
class _Declared:
    """A queue or an exchange the code declares to the broker: its name, the bean method that declares it (None:
    inline), where, its type (exchanges), and what the declaration states."""

    name: str
    method: str | None
    at: Location
    construct: str
    type: str | None = None
    durable: bool | None = None
    ttl_ms: int | None = None
    max_length: int | None = None
    dead_letter: bool = False


_NEW_QUEUE = re.compile(r"(?<![\w.@$])(?:new\s+)?Queue\s*\(")
_QUEUE_BUILDER = re.compile(r"\bQueueBuilder\s*\.\s*(durable|nonDurable)\s*\(")
_NEW_EXCHANGE = re.compile(r"(?<![\w.@$])(?:new\s+)?(Fanout|Topic|Direct|Headers)Exchange\s*\(")
_EXCHANGE_BUILDER = re.compile(r"\bExchangeBuilder\s*\.\s*(fanout|topic|direct|headers)Exchange\s*\(")
_BIND = re.compile(r"\bBindingBuilder\s*\.\s*bind\s*\(")
_NEW_BINDING = re.compile(r"\bnew\s+Binding\s*\(")
_METHOD = re.compile(r"(?:\bfun\s+([A-Za-z_]\w*)\s*\(|\b([A-Za-z_]\w*)\s*\([^(){};]*\)\s*(?:throws\s+[\w.,\s]+)?\{)")
_NUMBER = re.compile(r"(\d[\d_]*)[lL]?")
_ARGUMENTS = {"x-message-ttl": "ttl", "x-max-length": "maxLength", "x-max-length-bytes": "maxLengthBytes",
              "x-dead-letter-exchange": "deadLetterExchange"}
_FANS_OUT = frozenset({"fanout", "topic", "headers"})


def _number(text: str) -> int | None:
    m = _NUMBER.fullmatch(text.strip())
    return int(m.group(1).replace("_", "")) if m else None


def _flag(text: str) -> bool | None:
    text = text.strip().strip('"')
    return {"true": True, "false": False}.get(text)


def _method(code: str, i: int) -> str | None:
    """The method (a ``@Bean``'s name) whose body holds ``code[i]``: the last one declared before it."""
    found = None
    for m in _METHOD.finditer(code, 0, i):
        name = m.group(1) or m.group(2)
        if name not in {"if", "for", "while", "switch", "catch", "synchronized", "return", "new"}:
            found = name
    return found


class _Broker:
    """The queues, exchanges and bindings a service's Spring AMQP code declares (``@Bean`` methods returning
    ``new Queue(..)``, ``QueueBuilder``, ``new FanoutExchange(..)``, ``ExchangeBuilder``, ``BindingBuilder.bind(
    queue).to(exchange)`` or ``new Binding(..)``)."""

    def __init__(self) -> None:
        self.queues: list[_Declared] = []
        self.exchanges: list[_Declared] = []
        self.bindings: list[tuple[str | None, str | None, str | None, str | None, Location]] = []
        """(queue name, queue reference, exchange name, exchange reference, where)."""

    def read(self, path: str, code: str, consts: Mapping[str, set[str]]) -> None:
        if "amqp" not in code:  # the declarations' classes come from org.springframework.amqp
            return
        for m in _NEW_QUEUE.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            name = _value(args[0], consts) if args else None
            if name is None:
                continue
            q = _Declared(name, _method(code, m.start()), _at(path, code, m.start()), "new Queue",
                          durable=_flag(args[1]) if len(args) > 1 else True)
            if len(args) > 4:
                self._arguments(q, code, m.start())
            self.queues.append(q)
        for m in _QUEUE_BUILDER.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            name = _value(args[0], consts) if args else None
            if name is None:
                continue
            q = _Declared(name, _method(code, m.start()), _at(path, code, m.start()), f"QueueBuilder.{m.group(1)}",
                          durable=m.group(1) == "durable")
            end = close_bracket(code, m.end() - 1)
            chain = code[end:code.find(";", end) if ";" in code[end:] else len(code)]
            self._chain(q, chain)
            self.queues.append(q)
        for m in _NEW_EXCHANGE.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            name = _value(args[0], consts) if args else None
            if name is None:
                continue
            self.exchanges.append(_Declared(name, _method(code, m.start()), _at(path, code, m.start()),
                                            f"{m.group(1)}Exchange", m.group(1).lower(),
                                            _flag(args[1]) if len(args) > 1 else True))
        for m in _EXCHANGE_BUILDER.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            name = _value(args[0], consts) if args else None
            if name is None:
                continue
            end = close_bracket(code, m.end() - 1)
            chain = code[end:code.find(";", end) if ";" in code[end:] else len(code)]
            durable = re.search(r"\.\s*durable\s*\(\s*(true|false)\s*\)", chain)
            self.exchanges.append(_Declared(name, _method(code, m.start()), _at(path, code, m.start()),
                                            "ExchangeBuilder", m.group(1),
                                            durable.group(1) == "true" if durable else True))
        for m in _BIND.finditer(code):
            end = close_bracket(code, m.end() - 1)
            to = re.match(r"\s*\.\s*to\s*\(", code[end:])
            if to is None:
                continue
            queue = (split_args(inside(code, m.end() - 1)) or [""])[0]
            exchange = (split_args(inside(code, end + to.end() - 1)) or [""])[0]
            qname, qref = self._ref(queue, consts)
            ename, eref = self._ref(exchange, consts)
            self.bindings.append((qname, qref, ename, eref, _at(path, code, m.start())))
        for m in _NEW_BINDING.finditer(code):
            args = split_args(inside(code, m.end() - 1))
            if len(args) >= 3 and re.search(r"\bQUEUE\b", args[1]):
                self.bindings.append((_value(args[0], consts), None, _value(args[2], consts), None,
                                      _at(path, code, m.start())))

    @staticmethod
    def _ref(arg: str, consts: Mapping[str, set[str]]) -> tuple[str | None, str | None]:
        """A binding's queue or exchange: its name when written inline, else the bean it names (a method call or
        an injected parameter, named as the bean)."""
        inline = re.match(r"new\s+\w+\s*\(", arg)
        if inline:
            return _value((split_args(inside(arg, inline.end() - 1)) or [""])[0], consts), None
        ref = re.fullmatch(r"(?:this\s*\.\s*)?([A-Za-z_]\w*)\s*(?:\(\s*\))?", arg.strip())
        return None, ref.group(1) if ref else None

    @staticmethod
    def _chain(q: _Declared, chain: str) -> None:
        for m in re.finditer(r"\.\s*(ttl|maxLength|maxLengthBytes|deadLetterExchange|withArgument)\s*\(", chain):
            args = split_args(inside(chain, m.end() - 1))
            what = m.group(1)
            if what == "withArgument" and len(args) >= 2:
                what = _ARGUMENTS.get(args[0].strip('"'), "")
                args = args[1:]
            _Broker._argument(q, what, args[0] if args else "")

    @staticmethod
    def _argument(q: _Declared, what: str, value: str) -> None:
        if what == "ttl":
            q.ttl_ms = _number(value)
        elif what in {"maxLength", "maxLengthBytes"}:
            q.max_length = _number(value) if q.max_length is None else q.max_length
        elif what == "deadLetterExchange":
            q.dead_letter = True

    def _arguments(self, q: _Declared, code: str, i: int) -> None:
        """The queue arguments put in a map in the method that declares the queue (``args.put("x-message-ttl",
        60000)``)."""
        start = max(code.rfind("@Bean", 0, i), 0)
        for m in re.finditer(r"\.\s*put\s*\(\s*\"(x-[\w-]+)\"\s*,\s*([^;]*?)\)\s*[;\n]", code[start:i]):
            self._argument(q, _ARGUMENTS.get(m.group(1), ""), m.group(2))

    def _find(self, found: Sequence[_Declared], name: str | None, ref: str | None) -> _Declared | None:
        if name is not None:
            named = [d for d in found if d.name == name]
            return named[0] if named else None
        by_bean = [d for d in found if ref is not None and d.method == ref]
        if len(by_bean) == 1:
            return by_bean[0]
        return found[0] if len(found) == 1 else None  # injected by type: the one bean of that type

    def fold(self, found: Sequence[ChannelUse]) -> list[ChannelUse]:
        """The uses with each consumer of a queue bound to one exchange moved to the exchange's channel (the queue
        is its subscription: the consumer's group), a producer to that queue by its name as well (its messages are
        the channel's), and a ``declared`` use for each channel used that a
        declaration describes: the exchange with its bound queues, or a queue on its own."""
        if not self.queues and not self.exchanges:
            return list(found)
        bound: dict[str, list[tuple[_Declared, Location]]] = {}
        queues_of: dict[str, list[_Declared]] = {}
        for qname, qref, ename, eref, at in self.bindings:
            queue = self._find(self.queues, qname, qref)
            exchange = self._find(self.exchanges, ename, eref)
            exchange_name = exchange.name if exchange else ename
            queue_name = queue.name if queue else qname
            if exchange_name is None or queue_name is None:
                continue
            bound.setdefault(queue_name, []).append((exchange or _Declared(exchange_name, None, at, "binding"), at))
            if queue is not None and queue not in queues_of.get(exchange_name, []):
                queues_of.setdefault(exchange_name, []).append(queue)
        out: list[ChannelUse] = [self._moved(u, bound, queues_of) for u in found]
        used = {u.channel for u in out if u.framework == "Spring AMQP" and u.channel}
        for name in sorted(used):
            exchange = next((e for e in self.exchanges if e.name == name), None)
            if exchange is not None or name in queues_of:
                out.extend(self._stated_exchange(name, exchange, queues_of.get(name, [])))
                continue
            queue = next((q for q in self.queues if q.name == name), None)
            if queue is not None and name not in bound:
                out.extend(self._stated(name, [queue], []))
        return out

    def _moved(self, u: ChannelUse, bound: Mapping[str, list[tuple[_Declared, Location]]],
               queues_of: Mapping[str, list[_Declared]]) -> ChannelUse:
        """A use on the channel the declarations give it (a bound queue's consumer on its exchange's), with the
        kind they show."""
        via = bound.get(u.channel or "", [])
        direct = u.role == "producer" and u.kind == "queue"  # the default exchange, to the queue by its name
        if u.framework == "Spring AMQP" and (u.role == "consumer" or direct) and len({e.name for e, _ in via}) == 1:
            to = via[0][0]
            return replace(u, channel=to.name, group=u.channel if u.role == "consumer" else None,
                           kind=self._kind(to, len(queues_of.get(to.name, []))),
                           construct=f"{u.construct} on queue {u.channel}, bound to exchange {to.name} at "
                                     f"{via[0][1]}")
        exchange = next((e for e in self.exchanges if e.name == u.channel), None)
        if u.framework == "Spring AMQP" and u.role == "producer" and u.kind is None and exchange is not None:
            return replace(u, kind=self._kind(exchange, len(queues_of.get(exchange.name, []))))
        return u

    @staticmethod
    def _kind(exchange: _Declared, queues: int) -> str | None:
        """The kind of an exchange's channel: one bound queue, a queue (each message reaches one of the queue's
        consumers); several bound to an exchange that copies a message to each (fanout, topic, headers), a topic
        (each queue a subscription); else not shown (no queue declared, or a direct exchange's routing keys)."""
        if queues == 1:
            return "queue"
        return "topic" if queues > 1 and exchange.type in _FANS_OUT else None

    def _stated_exchange(self, name: str, exchange: _Declared | None, queues: list[_Declared]) -> Iterator[ChannelUse]:
        yield from self._stated(name, queues, [exchange] if exchange else [])

    @staticmethod
    def _stated(name: str, queues: list[_Declared], exchanges: list[_Declared]) -> Iterator[ChannelUse]:
        """What the declarations of a channel's queues (and its exchange) state about it: not durable when one of
        them is not (a broker restart drops that queue and what it holds, or the exchange and its bindings);
        durable when each is; a length bound, a TTL (the longest) and dead-lettering when every queue has one."""
        for d in [*exchanges, *queues]:
            if d.durable is False:
                what = "exchange" if d in exchanges else "queue"
                yield ChannelUse("declared", name, d.name, d.at, "Spring AMQP", d.construct,
                                 stated=(("durable", False), ("why", f"the {what} {d.name} is declared non-durable "
                                                                     f"({d.construct}, {d.at}): a broker restart "
                                                                     "drops it and the messages it holds")))
                return
        if not queues:
            return
        at = queues[0].at
        if all(d.durable for d in [*exchanges, *queues]):
            yield ChannelUse("declared", name, queues[0].name, at, "Spring AMQP", queues[0].construct,
                             stated=(("durable", True), ("why", "declared durable: " + ", ".join(
                                 f"{d.name} ({d.construct}, {d.at})" for d in [*exchanges, *queues]))))
        if all(q.max_length is not None for q in queues):
            yield ChannelUse("declared", name, queues[0].name, at, "Spring AMQP", queues[0].construct,
                             stated=(("bounded", True), ("why", "a maximum length is declared: " + ", ".join(
                                 f"{q.name} ({q.at})" for q in queues))))
        if all(q.ttl_ms is not None for q in queues):
            longest = max(q.ttl_ms or 0 for q in queues)
            yield ChannelUse("declared", name, queues[0].name, at, "Spring AMQP", queues[0].construct,
                             stated=(("message_ttl_seconds", -(-longest // 1000)),
                                     ("why", "a message TTL is declared: " + ", ".join(
                                         f"{q.name} {q.ttl_ms} ms ({q.at})" for q in queues))))
        if all(q.dead_letter for q in queues):
            yield ChannelUse("declared", name, queues[0].name, at, "Spring AMQP", queues[0].construct,
                             stated=(("dead_letter", True), ("why", "a dead-letter exchange is declared: " + ", ".join(
                                 f"{q.name} ({q.at})" for q in queues))))


_EVENT_HANDLER = re.compile(r"@(EventuateDomainEventHandler|EventuateCommandHandler)\s*\(")
_BUILDER = re.compile(r"\b(DomainEventHandlersBuilder|(?:Saga)?CommandHandlersBuilder)\s*\.\s*"
                      r"(forAggregateType|fromChannel)\s*\(")
_PUBLISHER = re.compile(r"\b(?:extends|:)\s*(Abstract(?:Aggregate)?DomainEventPublisher\w*)\s*<\s*([A-Za-z_][\w.]*)")
_SAGA_SEND = re.compile(r"(?<![\w.$])send\s*\(")


def _eventuate(path: str, code: str, consts: Mapping[str, set[str]]) -> Iterator[ChannelUse]:
    tram = "Eventuate Tram"
    for m in _EVENT_HANDLER.finditer(code):
        attrs = _attrs(inside(code, m.end() - 1))
        written = attrs.get("channel", "no channel")
        yield ChannelUse("consumer", _value(written, consts) if "channel" in attrs else None, written,
                         _at(path, code, m.start()), tram, f"@{m.group(1)}",
                         _value(attrs["subscriberId"], consts) if "subscriberId" in attrs else None)
    for m in _BUILDER.finditer(code):
        arg = (split_args(inside(code, m.end() - 1)) or [""])[0]
        channel = _aggregate(code, arg, consts) if m.group(2) == "forAggregateType" else _value(arg, consts)
        yield ChannelUse("consumer", channel, arg, _at(path, code, m.start()), tram, f"{m.group(1)}.{m.group(2)}")
    for m in _PUBLISHER.finditer(code):
        yield ChannelUse("producer", _qualified(code, m.group(2)), m.group(2), _at(path, code, m.start(1)), tram,
                         m.group(1))
    for start, args in _calls(code, _typed(code, "DomainEventPublisher"), "publish"):
        arg = args[0] if args else ""
        yield ChannelUse("producer", _aggregate(code, arg, consts), arg, _at(path, code, start), tram,
                         "DomainEventPublisher.publish")
    for start, args in _calls(code, _typed(code, "CommandProducer"), "send"):
        arg = args[0] if args else ""
        yield ChannelUse("producer", _value(arg, consts), arg, _at(path, code, start), tram, "CommandProducer.send")
    if "io.eventuate.tram.sagas" in code or "CommandEndpointBuilder" in code:
        for m in _SAGA_SEND.finditer(code):
            end = close_bracket(code, m.end() - 1)
            to = re.match(r"\s*\.\s*to\s*\(", code[end:])
            if to is None:
                continue
            arg = (split_args(inside(code, end + to.end() - 1)) or [""])[0]
            yield ChannelUse("producer", _value(arg, consts), arg, _at(path, code, m.start()), tram, "saga send().to")
        for m in re.finditer(r"\.\s*withChannel\s*\(", code):
            arg = (split_args(inside(code, m.end() - 1)) or [""])[0]
            yield ChannelUse("producer", _value(arg, consts), arg, _at(path, code, m.start() + 1), tram,
                             "CommandEndpointBuilder.withChannel")


_TRANSPORTS = (
    ("kafka", "topic", re.compile(r"jdbc-?kafka|JdbcKafka|eventuatelocal\.kafka|eventuate-messaging-kafka|"
                                  r"EVENTUATELOCAL_KAFKA", re.IGNORECASE)),
    ("amqp", None, re.compile(r"rabbitmq", re.IGNORECASE)),
    ("redis", None, re.compile(r"eventuate[\w.-]*redis", re.IGNORECASE)),
    ("other", None, re.compile(r"activemq", re.IGNORECASE)),
)


def build_files(paths: Sequence[str]) -> Iterator[str]:
    """The Gradle and Maven build files of the modules under ``paths`` (sources and build output not entered)."""
    for p in paths:
        if not os.path.isdir(p):
            continue
        for root, dirs, names in os.walk(p):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            yield from (os.path.join(root, n) for n in _BUILD_FILES if n in names)


_GRADLE_PROJECT = re.compile(r"^[ \t]*(\w+)[ \t]*\(?[ \t]*\(?[ \t]*project[ \t]*\([ \t]*(?:path[ \t]*[:=][ \t]*)?"
                             r"[\"']:?([\w.:-]+)[\"']", re.MULTILINE)
_MAVEN_DEPENDENCY = re.compile(r"<dependency>(.*?)</dependency>", re.DOTALL)
_LIBRARY_FILES_MAX = 400


def _read(path: str) -> str:
    try:
        return read_text(path)
    except ArchplanError:  # a build file too large or unreadable names no module
        return ""


def library_modules(paths: Sequence[str]) -> list[str]:
    """The modules of the same checkout that a JVM service's own build compiles it with: Gradle's
    ``compile project(':orders-api')`` (a module path under the directory that holds ``settings.gradle``, else beside
    the service), Maven's ``<dependency>`` on an artifact that a sibling directory with a ``pom.xml`` builds. Test
    dependencies (``testCompile``, ``testImplementation``, ``<scope>test</scope>``) and modules not on disk are left
    out, and so are the directories of ``paths`` themselves."""
    own = {os.path.normpath(p) for p in paths}
    out: list[str] = []

    def add(module: str) -> None:
        module = os.path.normpath(module)
        if os.path.isdir(module) and module not in own and module not in out:
            out.append(module)

    for p in paths:
        if not os.path.isdir(p):
            continue
        parent = os.path.dirname(os.path.normpath(p))
        for name in ("build.gradle", "build.gradle.kts"):
            build = os.path.join(p, name)
            if not os.path.isfile(build):
                continue
            root = _settings_root(p) or parent
            text = _read(build)
            for m in _GRADLE_PROJECT.finditer(text):
                if "test" not in m.group(1).lower():
                    add(os.path.join(root, *m.group(2).strip(":").split(":")))
        pom = os.path.join(p, "pom.xml")
        if os.path.isfile(pom):
            text = _read(pom)
            for m in _MAVEN_DEPENDENCY.finditer(text):
                artifact = re.search(r"<artifactId>\s*([\w.-]+)\s*</artifactId>", m.group(1))
                if artifact and not re.search(r"<scope>\s*test\s*</scope>", m.group(1)) and os.path.isfile(
                        os.path.join(parent, artifact.group(1), "pom.xml")):
                    add(os.path.join(parent, artifact.group(1)))
    return out


def _settings_root(path: str) -> str | None:
    """The directory just above ``path``, or the one above that, when it holds a Gradle ``settings.gradle`` (the
    build's root: project paths are under it)."""
    d = os.path.normpath(path)
    for _level in range(2):
        d = os.path.dirname(d) or "."
        if any(os.path.isfile(os.path.join(d, n)) for n in ("settings.gradle", "settings.gradle.kts")):
            return d
    return None


def library_sources(paths: Sequence[str]) -> list[str]:
    """The Java and Kotlin files of the running code (``src/main``) of the modules ``library_modules`` finds."""
    files: list[str] = []
    for module in library_modules(paths):
        for root, dirs, names in os.walk(module):
            dirs[:] = sorted(d for d in dirs if d not in ("build", "target", "out", "bin", "node_modules")
                             and not d.startswith("."))
            files += [os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIXES)]
    return [f for f in files if _main(f)][:_LIBRARY_FILES_MAX]


def eventuate_transport(texts: Sequence[str]) -> tuple[str, str | None] | None:
    """The broker protocol Eventuate Tram runs over, and the kind its channels then are, as the service's code,
    build files and configuration name it (one transport only; None when none or several are named)."""
    named = [(protocol, kind) for protocol, kind, words in _TRANSPORTS if any(words.search(t) for t in texts)]
    return named[0] if len(named) == 1 else None


def with_transport(found: Sequence[ChannelUse], transport: tuple[str, str | None] | None) -> tuple[ChannelUse, ...]:
    """The Eventuate Tram uses with the protocol (and kind) of the transport the service names."""
    if transport is None:
        return tuple(found)
    return tuple(replace(u, protocol=transport[0], kind=transport[1]) if u.framework == "Eventuate Tram" else u
                 for u in found)


_COMMITS = {"before_processing": "it consumes with automatic acknowledgement (autoAck true): the broker drops the "
                                 "message once sent, before the handler runs",
            "after_processing": "it consumes with manual acknowledgement (autoAck false) and acknowledges "
                                "(BasicAck) after its handler"}


def record(body: Body, service: str, found: Sequence[ChannelUse]) -> None:
    """State each channel ``service`` produces to or consumes from, and its call to each it produces to (one per
    channel and role: the first); a channel the code does not name is said in a remark."""
    seen: set[tuple[str, str]] = set()
    unnamed: set[tuple[str, str]] = set()
    for u in [u for u in found if u.role != "declared"]:
        verb = "produces to" if u.role == "producer" else "consumes from"
        if u.channel is None:
            if u.written == f"the variable {u.variable}" or (u.role, u.written) in unnamed:
                # named by a variable whose value the deployment is yet to give (``code_amqp.with_variables``)
                continue
            unnamed.add((u.role, u.written))
            body.remark(u.at, f"{service} {verb} a channel ({u.framework}, {u.construct}) named by {u.written}, "
                              "a value its imported code does not show: the channel is not imported")
            continue
        if u.selection is not None and not u.selection[0]:
            body.remark(u.at, f"{service} would use {u.channel} ({u.framework}, {u.construct}) with code "
                              f"{u.selection[1]}: the other branch is taken, the channel is not imported for it")
            continue
        name = safe_name(u.channel)
        if (u.role, name) in seen:
            continue
        seen.add((u.role, name))
        body.fact("channels", {"name": name}, u.at)
        if u.component:
            body.pubsub_topics.setdefault(name, (u.component, u.at))
        if u.kind:
            body.set("channels", name, "kind", u.kind, u.at)
        over = (f" over {u.protocol}" if u.protocol else f", through the Dapr pub/sub component {u.component}"
                if u.component else ", over a broker its code and build do not name")
        if u.role == "consumer":
            consumer: dict[str, str | bool] = {"service": service}
            if u.group:
                consumer["group"] = safe_name(u.group)
            if u.repeats:
                consumer["idempotent"] = False
            if u.commit:
                consumer["commit"] = u.commit
            body.set("channels", name, "consumers", [consumer], u.at)
            group = f", group {u.group}" if u.group else ""
            body.note("channels", name, f"{service} consumes it with {u.framework} ({u.construct}{group}, "
                                        f"{u.at}){over}" + (f"; idempotent false: {u.repeats}" if u.repeats else "")
                      + (f"; commit {u.commit}: {_COMMITS[u.commit]}" if u.commit in _COMMITS else "")
                      + (f"; {u.selection[1]}" if u.selection else ""))
            continue
        body.set("channels", name, "producers", [service], u.at)
        body.note("channels", name, f"{service} produces to it with {u.framework} ({u.construct}, {u.at}){over}"
                                    + (f"; {u.selection[1]}" if u.selection else ""))
        call: dict[str, str] = {"from": service, "to": name, "style": "async"}
        if u.protocol:
            call["protocol"] = u.protocol
        ident = body.fact("interactions", call, u.at)
        body.note("interactions", ident, f"produces with {u.framework} ({u.construct}, {u.at})")
    for u in found:
        name = safe_name(u.channel or "")
        if u.role != "declared" or not any(name == n for _r, n in seen):
            continue
        said = dict(u.stated)
        for field, value in said.items():
            if field != "why":
                body.set("channels", name, field, value, u.at)
        body.note("channels", name, f"{service}'s {u.framework} declarations: {said.get('why', '')}")


__all__ = ["SUFFIXES", "ChannelUse", "build_files", "constants", "eventuate_transport", "library_modules",
           "library_sources", "record", "uses", "with_transport"]
