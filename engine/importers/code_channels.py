"""The message channels a service's Java or Kotlin code produces to and consumes from (``import source``).

Read from the code (comments blanked) as the messaging frameworks read it:

- **Spring Kafka**: ``@KafkaListener(topics = ..., groupId = ...)`` consumes each topic it names (in the group it
  names); ``send(topic, ...)`` on a ``KafkaTemplate`` produces to the topic (or the topic of the ``ProducerRecord``
  it is given). Both are ``kind: topic`` over ``kafka``.
- **Spring AMQP**: ``@RabbitListener(queues = ...)`` (or a ``@Queue("name")`` it declares) consumes the queue;
  ``convertAndSend`` / ``send`` on a ``RabbitTemplate`` or ``AmqpTemplate`` publishes to the exchange it names
  first, or, with the default exchange (one string, or an empty exchange), to the queue its routing key names. Over
  ``amqp``; a queue is ``kind: queue``.
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
declared with two values is not chosen between), or by a property placeholder's default
(``"${app.topic:orders}"`` reads ``orders``, as Spring does when the property is unset). A channel named any other
way (a placeholder without a default, a constant of a module not imported, a value computed at run time) is not
invented: a remark names what the code wrote, and the channel is left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.errors import Location
from engine.importers.base import Body, safe_name
from engine.importers.code_text import close_bracket, inside, split_args

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
    item = item.strip()
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


def uses(texts: Sequence[tuple[str, str]]) -> tuple[ChannelUse, ...]:
    """The channel uses of a service's Java and Kotlin files (comments blanked), in file and line order."""
    jvm = [(p, c) for p, c in texts if p.endswith(SUFFIXES) and _main(p)]
    if not jvm:
        return ()
    consts = constants(jvm)
    found: list[ChannelUse] = []
    for path, code in jvm:
        found.extend(_spring_kafka(path, code, consts))
        found.extend(_spring_amqp(path, code, consts))
        found.extend(_eventuate(path, code, consts))
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


def record(body: Body, service: str, found: Sequence[ChannelUse]) -> None:
    """State each channel ``service`` produces to or consumes from, and its call to each it produces to (one per
    channel and role: the first); a channel the code does not name is said in a remark."""
    seen: set[tuple[str, str]] = set()
    unnamed: set[tuple[str, str]] = set()
    for u in found:
        verb = "produces to" if u.role == "producer" else "consumes from"
        if u.channel is None:
            if u.written == f"the variable {u.variable}" or (u.role, u.written) in unnamed:
                # named by a variable whose value the deployment is yet to give (``code_amqp.with_variables``)
                continue
            unnamed.add((u.role, u.written))
            body.remark(u.at, f"{service} {verb} a channel ({u.framework}, {u.construct}) named by {u.written}, "
                              "a value its imported code does not show: the channel is not imported")
            continue
        name = safe_name(u.channel)
        if (u.role, name) in seen:
            continue
        seen.add((u.role, name))
        body.fact("channels", {"name": name}, u.at)
        if u.kind:
            body.set("channels", name, "kind", u.kind, u.at)
        over = f" over {u.protocol}" if u.protocol else ", over a broker its code and build do not name"
        if u.role == "consumer":
            consumer: dict[str, str] = {"service": service}
            if u.group:
                consumer["group"] = safe_name(u.group)
            body.set("channels", name, "consumers", [consumer], u.at)
            group = f", group {u.group}" if u.group else ""
            body.note("channels", name, f"{service} consumes it with {u.framework} ({u.construct}{group}, "
                                        f"{u.at}){over}")
            continue
        body.set("channels", name, "producers", [service], u.at)
        body.note("channels", name, f"{service} produces to it with {u.framework} ({u.construct}, {u.at}){over}")
        call: dict[str, str] = {"from": service, "to": name, "style": "async"}
        if u.protocol:
            call["protocol"] = u.protocol
        ident = body.fact("interactions", call, u.at)
        body.note("interactions", ident, f"produces with {u.framework} ({u.construct}, {u.at})")


__all__ = ["SUFFIXES", "ChannelUse", "build_files", "constants", "eventuate_transport", "record", "uses",
           "with_transport"]
