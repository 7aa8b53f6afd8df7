"""The Dapr pub/sub topics a service's C# code subscribes to and publishes to (``import source``).

Dapr's .NET SDK declares a subscription with an attribute on the action that receives the messages:
``[Topic("pubsub", "orders")]`` (positional, or ``pubsubName:`` and ``name:``); the sidecar reads the app's
``/dapr/subscribe`` list and delivers each message of topic ``orders`` of the pub/sub component ``pubsub`` to that
action. Minimal APIs do the same with ``.WithTopic("pubsub", "orders")``. A publisher calls
``PublishEventAsync("pubsub", "orders", data)`` on a ``DaprClient``. Each is a channel named after the topic, of
``kind: topic``, carried by the named component: which broker that is, and whether it keeps messages over a
restart, is in the component's file, not in the code (``engine.importers.dapr``).

A name is a string literal, a string constant the service's C# files declare once (``const string PUBSUB =
"pubsub";``), or ``nameof(OrderPaid)`` (the last identifier: ``OrderPaid``). A topic computed at run time (a
variable, ``@event.GetType().Name``) is not invented: a remark says what the code wrote.

A ``[Topic]`` action whose handling changes a stored value by an amount and saves it (``AvailableStock -=
units`` then ``SaveChangesAsync()``, in the action or the classes it calls) is a consumer that is not idempotent:
Dapr delivers at least once, and a redelivery takes the amount again (``code_cs_workflows.redelivery_repeats``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from engine.errors import Location
from engine.importers import code_cs_workflows
from engine.importers.code_channels import ChannelUse
from engine.importers.code_text import close_bracket, split_args

_CONST = re.compile(r"\bconst\s+string\s+(?P<name>[A-Za-z_]\w*)\s*=\s*@?\"(?P<value>[^\"\\\n]*)\"\s*;")
_TOPIC = re.compile(r"\[\s*(?:[\w.]+\s*\([^\]]*?\)\s*,\s*)*Topic\s*\(")
_WITH_TOPIC = re.compile(r"\.\s*WithTopic\s*\(")
_PUBLISH = re.compile(r"\.\s*PublishEventAsync\s*(?:<[^<>()]*>\s*)?\(")
_NAMED = re.compile(r"^\s*(?P<key>[A-Za-z_]\w*)\s*:\s*(?P<value>.+?)\s*$", re.DOTALL)
_NAMEOF = re.compile(r"^nameof\s*\(\s*(?:[A-Za-z_][\w.]*\.)?(?P<name>[A-Za-z_]\w*)\s*\)$")

FRAMEWORK = "Dapr pub/sub"


def _constants(texts: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for _path, code in texts:
        for m in _CONST.finditer(code):
            out.setdefault(m.group("name"), set()).add(m.group("value"))
    return out


def _value(arg: str, consts: Mapping[str, set[str]]) -> str | None:
    """The name an argument gives: a literal, ``nameof(X)``, or a constant with one value; None otherwise."""
    arg = arg.strip()
    literal = re.fullmatch(r"@?\"([^\"\\\n]*)\"", arg)
    if literal:
        return literal.group(1) or None
    nameof = _NAMEOF.match(arg)
    if nameof:
        return nameof.group("name")
    if re.fullmatch(r"(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*", arg):
        values = consts.get(arg.rsplit(".", 1)[-1])
        if values and len(values) == 1:
            return next(iter(values)) or None
    return None


def _args(code: str, open_paren: int, names: tuple[str, str]) -> tuple[str, str] | None:
    """The component and topic arguments (as written) of a call or attribute whose ``(`` is at ``open_paren``:
    the first two positional ones, or those named ``names``."""
    end = close_bracket(code, open_paren)
    if end <= open_paren:
        return None
    args = split_args(code[open_paren + 1:end - 1])
    positional: list[str] = []
    named: dict[str, str] = {}
    for a in args:
        m = _NAMED.match(a)
        if m and not a.strip().startswith(("@\"", "\"")):
            named[m.group("key")] = m.group("value")
        else:
            positional.append(a)
    component = named.get(names[0], positional[0] if positional else None)
    topic = named.get(names[1], positional[1] if len(positional) > 1 else None)
    if component is None or topic is None:
        return None
    return component, topic


def _at(path: str, code: str, i: int) -> Location:
    return Location(path, code.count("\n", 0, i) + 1, i - (code.rfind("\n", 0, i) + 1) + 1)


def _uses(path: str, code: str, consts: Mapping[str, set[str]], cs: Sequence[tuple[str, str]]) -> Iterator[ChannelUse]:
    for pattern, role, construct, names in ((_TOPIC, "consumer", "[Topic]", ("pubsubName", "name")),
                                            (_WITH_TOPIC, "consumer", "WithTopic", ("pubsubName", "topicName")),
                                            (_PUBLISH, "producer", "PublishEventAsync", ("pubsubName", "topicName"))):
        for m in pattern.finditer(code):
            found = _args(code, m.end() - 1, names)
            if found is None:
                continue
            written_component, written_topic = found
            topic = _value(written_topic, consts)
            component = _value(written_component, consts)
            repeats = code_cs_workflows.redelivery_repeats(cs, path, code, m.start()) if construct == "[Topic]" \
                else None
            yield ChannelUse(role, topic, written_topic.strip(), _at(path, code, m.start() + m.group(0).index(
                construct.strip("[]"))), FRAMEWORK, construct, kind="topic", component=component, repeats=repeats)


def uses(texts: Sequence[tuple[str, str]]) -> tuple[ChannelUse, ...]:
    """The Dapr topics a service's C# files (comments blanked) subscribe and publish to, in file and line order."""
    cs = [(p, c) for p, c in texts if p.endswith(".cs")]
    if not any("Topic" in c or "PublishEventAsync" in c for _p, c in cs):
        return ()
    consts = _constants(cs)
    found = [u for path, code in cs for u in _uses(path, code, consts, cs)]
    return tuple(sorted(found, key=lambda u: (u.at.file, u.at.line, u.at.column, u.role)))


__all__ = ["FRAMEWORK", "uses"]
