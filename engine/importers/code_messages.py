"""What a service's code publishes to a message broker -> its channels and its calls to them (``import source``).

Python code that publishes with pika, RabbitMQ's client: ``channel.basic_publish(exchange=..., routing_key=...)``.
The channel is named by the routing key (the queue that the default or a direct exchange delivers the message
to): a string literal, or a string constant of the class or the module (``self.ROUTING_KEY``); a key computed at
run time names no channel, and the call is left out. What the call shows is stated, with its basis:

- ``durable: false`` when the message is not marked persistent (its properties set no ``delivery_mode`` of 2 or
  ``pika.DeliveryMode.Persistent``): RabbitMQ keeps a transient message in memory, and a broker restart loses
  it, whatever the queue's own durability;
- ``producer_acks: none`` when no Python code of the service turns publisher confirms on
  (``confirm_delivery()``): the publisher never learns whether the broker took the message.

The service's call to the channel is ``async`` over ``amqp``.

Go code that produces to Kafka with sarama (``sarama.NewAsyncProducer``, ``NewSyncProducer``): the channel is the
topic its ``ProducerMessage`` names (a string literal), else the topic its deployment names in a ``*_TOPIC``
variable (``KAFKA_TOPIC=orders``, read by ``code_routes.compose``). What the producer waits for is its
``Producer.RequiredAcks``: ``sarama.NoResponse`` -> ``producer_acks: none``, ``WaitForLocal`` -> ``leader``,
``WaitForAll`` -> ``all``; left out, sarama's default (``WaitForLocal``). The call is ``async`` over ``kafka``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.errors import Location
from engine.importers.base import Body

_PERSISTENT = frozenset({"2", "pika.DeliveryMode.Persistent", "DeliveryMode.Persistent",
                         "pika.spec.PERSISTENT_DELIVERY_MODE", "spec.PERSISTENT_DELIVERY_MODE",
                         "PERSISTENT_DELIVERY_MODE"})


@dataclass(frozen=True)
class Publish:
    """One publication the code makes: the channel (routing key), where, and what its call shows."""

    channel: str
    at: Location
    persistent: bool
    confirms: bool


def publishes(texts: Sequence[tuple[str, str]]) -> tuple[Publish, ...]:
    """The pika publications of a service's Python files, in file and line order (one per channel: its first)."""
    trees: list[tuple[str, ast.Module]] = []
    for path, text in texts:
        if not path.endswith(".py") or ("basic_publish" not in text and "confirm_delivery" not in text):
            continue
        try:
            trees.append((path, ast.parse(text, path)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the routes import says why the file is not read
    confirms = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "confirm_delivery"
                   for _path, tree in trees for n in ast.walk(tree))
    found: dict[str, Publish] = {}
    for path, tree in trees:
        for p in _file_publishes(path, tree, confirms):
            found.setdefault(p.channel, p)
    return tuple(sorted(found.values(), key=lambda p: (p.at.file, p.at.line, p.at.column)))


def _file_publishes(path: str, tree: ast.Module, confirms: bool) -> Iterator[Publish]:
    module = _constants(tree.body)
    classes = [(c, _constants(c.body)) for c in ast.walk(tree) if isinstance(c, ast.ClassDef)]
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "basic_publish"):
            continue
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        key = kw.get("routing_key", node.args[1] if len(node.args) > 1 else None)
        owner = next((consts for c, consts in classes if c.lineno <= node.lineno <= (c.end_lineno or c.lineno)), {})
        channel = _string(key, owner, module)
        if not channel:
            continue
        props = kw.get("properties", node.args[2] if len(node.args) > 2 else None)
        yield Publish(channel, Location(path, node.lineno, node.col_offset + 1), _persistent(props), confirms)


def _constants(body: Sequence[ast.stmt]) -> dict[str, str]:
    """The string constants a module or class body assigns (``ROUTING_KEY = 'orders'``)."""
    out: dict[str, str] = {}
    for st in body:
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant) and isinstance(st.value.value, str):
            out.update({t.id: st.value.value for t in st.targets if isinstance(t, ast.Name)})
    return out


def _string(node: ast.expr | None, owner: Mapping[str, str], module: Mapping[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return owner.get(node.attr)
    if isinstance(node, ast.Name):
        return module.get(node.id)
    return None


def _persistent(props: ast.expr | None) -> bool:
    """Whether the properties mark the message persistent (``delivery_mode=2``)."""
    if not isinstance(props, ast.Call):
        return False
    mode = next((k.value for k in props.keywords if k.arg == "delivery_mode"), None)
    return mode is not None and ast.unparse(mode) in _PERSISTENT


_SARAMA_PRODUCER = re.compile(r"\bsarama\s*\.\s*New(?:Async|Sync)Producer\s*\(")
_SARAMA_ACKS = re.compile(r"\.\s*Producer\s*\.\s*RequiredAcks\s*=\s*sarama\s*\.\s*"
                          r"(NoResponse|WaitForLocal|WaitForAll)\b")
_SARAMA_TOPIC = re.compile(r"\bsarama\s*\.\s*ProducerMessage\s*\{[^{}]*?\bTopic\s*:\s*(?:\"([^\"\\\n]+)\"|[\w.]+)")
_ACKS = {"NoResponse": "none", "WaitForLocal": "leader", "WaitForAll": "all"}
TOPIC_VARIABLE = re.compile(r"(?:[A-Z0-9]+_)*TOPIC(?:_NAME)?")
"""A deployment variable that names the topic a service produces to or consumes (``KAFKA_TOPIC``)."""


@dataclass(frozen=True)
class KafkaProducer:
    """A Kafka producer the code creates: where, the topic its messages name (None: not a literal), what it waits
    for (``none``, ``leader``, ``all``) and why."""

    at: Location
    topic: str | None
    acks: str
    acks_why: str


def kafka_producers(texts: Sequence[tuple[str, str]]) -> tuple[KafkaProducer, ...]:
    """The sarama producer of a service's Go files (comments blanked), its first: one per service."""
    codes = [(p, t) for p, t in texts if p.endswith(".go") and not p.endswith("_test.go") and "sarama" in t]
    for path, code in codes:
        m = _SARAMA_PRODUCER.search(code)
        if m is None:
            continue
        acks = next((a for _p, c in codes for a in _SARAMA_ACKS.finditer(c)), None)
        topic = next((t.group(1) for _p, c in codes for t in _SARAMA_TOPIC.finditer(c) if t.group(1)), None)
        line = code.count("\n", 0, m.start()) + 1
        at = Location(path, line, m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1)
        if acks is None:
            return (KafkaProducer(at, topic, "leader", "sarama's default RequiredAcks (WaitForLocal)"),)
        return (KafkaProducer(at, topic, _ACKS[acks.group(1)], f"Producer.RequiredAcks = sarama.{acks.group(1)}"),)
    return ()


def with_topics(found: Sequence[KafkaProducer], env: Mapping[str, tuple[str, Location]]) -> tuple[KafkaProducer, ...]:
    """The producers whose topic the code does not write, with the one the deployment names in a single
    ``*_TOPIC`` variable of the service's environment."""
    named = {v.strip() for k, (v, _l) in env.items() if TOPIC_VARIABLE.fullmatch(k)
             and re.fullmatch(r"[A-Za-z0-9._-]{1,200}", v.strip())}
    if len(named) != 1:
        return tuple(found)
    return tuple(replace(p, topic=p.topic or next(iter(named))) for p in found)


def record_kafka(body: Body, service: str, found: Sequence[KafkaProducer]) -> None:
    """State the topic each producer of ``service`` writes to, what it waits for, and the service's call to it."""
    for p in found:
        if p.topic is None:
            body.remark(p.at, f"{service} produces to Kafka (sarama) on a topic neither its code nor its "
                              "deployment names: the channel is not imported")
            continue
        body.fact("channels", {"name": p.topic}, p.at)
        body.set("channels", p.topic, "kind", "topic", p.at)
        body.set("channels", p.topic, "producers", [service], p.at)
        body.set("channels", p.topic, "producer_acks", p.acks, p.at)
        body.note("channels", p.topic, f"{service} produces to it with sarama ({p.at}); producer_acks {p.acks}: "
                                       f"{p.acks_why}")
        ident = body.fact("interactions", {"from": service, "to": p.topic, "style": "async", "protocol": "kafka"},
                          p.at)
        body.note("interactions", ident, f"produces with sarama ({p.at})")


def record(body: Body, service: str, found: Sequence[Publish]) -> None:
    """State each channel ``service`` publishes to, what its publication shows, and the service's call to it."""
    for p in found:
        body.fact("channels", {"name": p.channel}, p.at)
        body.note("channels", p.channel, f"{service} publishes to it with pika's basic_publish (routing key "
                                         f"{p.channel}, {p.at})")
        if not p.persistent:
            body.set("channels", p.channel, "durable", False, p.at)
            body.note("channels", p.channel, "durable false: the message is published without delivery_mode 2 "
                                             "(persistent): RabbitMQ keeps it in memory and a restart loses it")
        if not p.confirms:
            body.set("channels", p.channel, "producer_acks", "none", p.at)
            body.note("channels", p.channel, "producer_acks none: no code of the service calls confirm_delivery(): "
                                             "the publisher never learns whether the broker took the message")
        ident = body.fact("interactions", {"from": service, "to": p.channel, "style": "async", "protocol": "amqp"},
                          p.at)
        body.note("interactions", ident, f"publishes with pika's basic_publish ({p.at})")


__all__ = ["TOPIC_VARIABLE", "KafkaProducer", "Publish", "kafka_producers", "publishes", "record", "record_kafka",
           "with_topics"]
