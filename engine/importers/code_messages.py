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

C# code that consumes from Kafka with Confluent.Kafka (``new ConsumerBuilder<...>(config)``, ``.Subscribe(topic)``)
and Java or Kotlin code that does with the Kafka client (``KafkaConsumer(props)``, ``.subscribe(listOf(topic))``): the
service is a consumer of the topic it subscribes to (a string literal, a constant holding one, or the fallback of a
deployment variable it reads: ``Environment.GetEnvironmentVariable("KAFKA_TOPIC") ?? "orders"``, the deployment's
value first), in the group its configuration names. Its offsets are committed on a timer (``commit:
auto_interval``) when the configuration turns ``enable.auto.commit`` on (``EnableAutoCommit = true``,
``props[ENABLE_AUTO_COMMIT_CONFIG] = "true"``) or does not name it (both clients' default is true); a configuration
that names it with a value the code computes, or turns it off (where the code commits then decides), leaves the
commit unknown. Their producers (``new ProducerBuilder<...>``, ``KafkaProducer(props)``) are read as sarama's are:
the topic a ``Produce("topic", ...)`` or ``ProducerRecord("topic", ...)`` names, and the acks the configuration sets
(``Acks = Acks.None``, ``props[ACKS_CONFIG] = "0"``); left out, Confluent.Kafka's default (all), and for the Java
client nothing (its default changed with its version).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.errors import Location
from engine.importers import code_trees
from engine.importers.base import Body, safe_name
from engine.importers.code_text import inside

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
            trees.append((path, code_trees.parse(text, path)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the routes import says why the file is not read
    confirms = any(isinstance(n.func, ast.Attribute) and n.func.attr == "confirm_delivery"
                   for _path, tree in trees for n in code_trees.nodes(tree, ast.Call))
    found: dict[str, Publish] = {}
    for path, tree in trees:
        for p in _file_publishes(path, tree, confirms):
            found.setdefault(p.channel, p)
    return tuple(sorted(found.values(), key=lambda p: (p.at.file, p.at.line, p.at.column)))


def _file_publishes(path: str, tree: ast.Module, confirms: bool) -> Iterator[Publish]:
    module = _constants(tree.body)
    classes = [(c, _constants(c.body)) for c in code_trees.nodes(tree, ast.ClassDef)]
    for node in code_trees.nodes(tree, ast.Call):
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "basic_publish"):
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
    acks: str | None
    acks_why: str
    client: str = "sarama"


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


_CS_PRODUCER = re.compile(r"\bnew\s+ProducerBuilder\s*<")
_JVM_PRODUCER = re.compile(r"\bKafkaProducer\s*(?:<[^<>()]*(?:<[^<>()]*>[^<>()]*)*>)?\s*\(")
_CS_ACKS = re.compile(r"\bAcks\s*=\s*Acks\s*\.\s*(None|Leader|All)\b")
_JVM_ACKS = re.compile(r"(?:\bACKS_CONFIG\b|[\"']acks[\"'])\s*(?:\]\s*=|,|=|:|\bto\b)\s*[\"']?(0|1|-1|all)\b")
_PRODUCE_TOPIC = re.compile(r"\.\s*(?:Produce|ProduceAsync)\s*\(\s*\"([^\"\\\n]+)\"|"
                            r"\bProducerRecord\s*(?:<[^<>()]*>)?\s*\(\s*\"([^\"\\\n]+)\"")
_CONFLUENT_ACKS = {"None": "none", "Leader": "leader", "All": "all"}
_JVM_ACKS_VALUES = {"0": "none", "1": "leader", "-1": "all", "all": "all"}


def client_producers(texts: Sequence[tuple[str, str]]) -> tuple[KafkaProducer, ...]:
    """The Kafka producer of a service's C# (Confluent.Kafka) or Java / Kotlin (the Kafka client) files (comments
    blanked), its first: one per service. Confluent.Kafka's acks default to all (librdkafka's ``acks=-1``); the
    Java client's default changed with its version (1, then all from 3.0), so an unset one is not stated."""
    for path, code in texts:
        cs = path.endswith(".cs")
        if not (cs or path.endswith((".java", ".kt"))):
            continue
        m = (_CS_PRODUCER if cs else _JVM_PRODUCER).search(code)
        if m is None:
            continue
        acks = (_CS_ACKS if cs else _JVM_ACKS).search(code)
        topic = next((t.group(1) or t.group(2) for _p, c in texts for t in _PRODUCE_TOPIC.finditer(c)), None)
        at = _location(path, code, m.start())
        if acks is not None:
            value = (_CONFLUENT_ACKS if cs else _JVM_ACKS_VALUES)[acks.group(1)]
            return (KafkaProducer(at, topic, value, f"{' '.join(acks.group(0).split())} "
                                                    f"({_location(path, code, acks.start())})", "Confluent.Kafka"
                                  if cs else "the Kafka client"),)
        if cs:
            return (KafkaProducer(at, topic, "all", "Confluent.Kafka's default acks (librdkafka acks=-1: all)",
                                  "Confluent.Kafka"),)
        return (KafkaProducer(at, topic, None, "", "the Kafka client"),)
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
            body.remark(p.at, f"{service} produces to Kafka ({p.client}) on a topic neither its code nor its "
                              "deployment names: the channel is not imported")
            continue
        body.fact("channels", {"name": p.topic}, p.at)
        body.set("channels", p.topic, "kind", "topic", p.at)
        body.set("channels", p.topic, "producers", [service], p.at)
        body.set("channels", p.topic, "producer_acks", p.acks, p.at)
        acks = f"; producer_acks {p.acks}: {p.acks_why}" if p.acks else "; its acks are not set in the code"
        body.note("channels", p.topic, f"{service} produces to it with {p.client} ({p.at}){acks}")
        ident = body.fact("interactions", {"from": service, "to": p.topic, "style": "async", "protocol": "kafka"},
                          p.at)
        body.note("interactions", ident, f"produces with {p.client} ({p.at})")


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


_CS_CONSUMER = re.compile(r"\bnew\s+ConsumerBuilder\s*<")
_JVM_CONSUMER = re.compile(r"\bKafkaConsumer\s*(?:<[^<>()]*(?:<[^<>()]*>[^<>()]*)*>)?\s*\(")
_SUBSCRIBE = re.compile(r"(?:\.\s*|(?<![\w$.])(?<!fun )(?<!void ))[Ss]ubscribe\s*\(")
"""A subscription: ``consumer.subscribe(...)``, or Kotlin's bare ``subscribe(...)`` in the consumer's ``apply { }``."""
_AUTO_COMMIT = re.compile(r"(?P<name>\bEnableAutoCommit\b|\bENABLE_AUTO_COMMIT_CONFIG\b|[\"']enable\.auto\.commit[\"'])"
                          r"(?:\s*(?:\]\s*=|,|=|:|\bto\b)\s*[\"']?(?P<value>true|false)\b)?", re.IGNORECASE)
_GROUP = re.compile(r"(?:\bGroupId\s*=|\bGROUP_ID_CONFIG\b\s*(?:\]\s*=|,|\bto\b)|"
                    r"[\"']group\.id[\"']\s*(?:,|:|\bto\b|\]\s*=))"
                    r"\s*(?:\"([^\"\\\n]+)\"|([A-Za-z_]\w*))")
_LITERAL = re.compile(r"\"([^\"\\\n]+)\"")
_ENV_READ = re.compile(r"(?:GetEnvironmentVariable|getenv)\s*\(\s*\"([A-Za-z_]\w*)\"\s*\)")
_FALLBACK = re.compile(r"(?:\?\?|\?:)\s*\"([^\"\\\n]+)\"")


@dataclass(frozen=True)
class KafkaConsumer:
    """A Kafka consumer the code subscribes: where, the topic (None: not read), the deployment variable that may name
    it instead, its group, its commit (``auto_interval`` or None: unknown) and why, and the client."""

    at: Location
    topic: str | None
    variable: str | None
    group: str | None
    commit: str | None
    commit_why: str
    client: str


def kafka_consumers(texts: Sequence[tuple[str, str]]) -> tuple[KafkaConsumer, ...]:
    """The Kafka consumers of a service's C#, Java and Kotlin files (comments blanked): one per subscription."""
    out: list[KafkaConsumer] = []
    for path, code in texts:
        if path.endswith(".cs"):
            built, client, default = _CS_CONSUMER.search(code), "Confluent.Kafka", "Confluent.Kafka's"
        elif path.endswith((".java", ".kt")):
            built, client, default = _JVM_CONSUMER.search(code), "the Kafka client", "the Kafka client's"
        else:
            continue
        if built is None:
            continue
        commit: str | None = "auto_interval"
        why = f"{default} default enable.auto.commit (true): offsets committed on a timer"
        named = _AUTO_COMMIT.search(code)
        if named is not None:
            at = _location(path, code, named.start())
            if (named.group("value") or "").lower() == "true":
                why = f"{named.group('name')} true ({at}): offsets committed on a timer"
            else:
                commit = None
        group = _GROUP.search(code)
        group_name = group and (group.group(1) or _constant(code, group.group(2)))
        for m in _SUBSCRIBE.finditer(code):
            arg = inside(code, m.end() - 1).strip()
            topic, variable = _topic(code, arg)
            out.append(KafkaConsumer(_location(path, code, m.start() + 1), topic, variable, group_name or None, commit,
                                     why, client))
    return tuple(out)


def _location(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _constant(code: str, name: str | None) -> str | None:
    """The string literal a name is declared with in the file (``const val groupID = "fraud-detection"``)."""
    if not name:
        return None
    m = re.search(rf"\b{re.escape(name)}\s*(?::\s*[\w.<>?]+\s*)?=\s*\"([^\"\\\n]+)\"\s*[;\n]", code)
    return m.group(1) if m else None


def _topic(code: str, arg: str) -> tuple[str | None, str | None]:
    """The topic a subscription's argument names (a literal, in a one-element list or not, or a name declared in the
    file with one), or the fallback of the deployment variable it reads, and that variable."""
    if "Pattern" in arg or "Regex" in arg:
        return None, None
    names = re.findall(r"[A-Za-z_]\w*", re.sub(r"\b(?:listOf|List\.of|Arrays\.asList|Collections\.singletonList|"
                                              r"new|string|String|List|Collections|singletonList|asList|of)\b|"
                                              r"\"[^\"\n]*\"", " ", arg))
    if not _LITERAL.search(arg) and len(names) == 1:
        decl = re.search(rf"\b{re.escape(names[0])}\s*(?::\s*[\w.<>?]+\s*)?=(?!=)\s*([^;\n]+)", code)
        arg = decl.group(1) if decl else ""
    env, fallback = _ENV_READ.search(arg), _FALLBACK.search(arg)
    if env is not None:
        return (fallback.group(1) if fallback else None), env.group(1)
    literals = _LITERAL.findall(arg)
    return (literals[0] if len(literals) == 1 else None), None


def with_consumer_topics(found: Sequence[KafkaConsumer],
                         env: Mapping[str, tuple[str, Location]]) -> tuple[KafkaConsumer, ...]:
    """The consumers with the topic the deployment names in the variable their code reads it from."""
    out = []
    for c in found:
        value = env[c.variable][0].strip() if c.variable and c.variable in env else ""
        named = re.fullmatch(r"[A-Za-z0-9._-]{1,200}", value)
        out.append(replace(c, topic=value) if named else c)
    return tuple(out)


def record_consumers(body: Body, service: str, found: Sequence[KafkaConsumer]) -> None:
    """State each topic ``service`` consumes from, its group and when its offsets are committed."""
    for c in found:
        if c.topic is None:
            body.remark(c.at, f"{service} consumes from Kafka ({c.client}) on a topic neither its code nor its "
                              "deployment names: the channel is not imported")
            continue
        consumer: dict[str, str] = {"service": service}
        if c.group:
            consumer["group"] = safe_name(c.group)
        if c.commit:
            consumer["commit"] = c.commit
        body.fact("channels", {"name": c.topic}, c.at)
        body.set("channels", c.topic, "kind", "topic", c.at)
        body.set("channels", c.topic, "consumers", [consumer], c.at)
        said = f"commit {c.commit}: {c.commit_why}" if c.commit else "its commit is not read (enable.auto.commit off "\
            "or computed: where the code commits decides)"
        body.note("channels", c.topic, f"{service} consumes it with {c.client} ({c.at}); {said}")


__all__ = ["TOPIC_VARIABLE", "KafkaConsumer", "KafkaProducer", "Publish", "client_producers", "kafka_consumers",
           "kafka_producers",
           "publishes", "record", "record_consumers", "record_kafka", "with_consumer_topics", "with_topics"]
