"""AsyncAPI 2.x and 3.x -> the API agent's channels, producers and consumers.

The described application (``info.title`` or ``--service``) becomes a service. Each channel becomes a
channel named by its address (``{param}`` shown as ``:param``), on the broker named by the host of its
servers (brokered protocols only: Kafka, AMQP, MQTT...). Operations give producers and consumers:
in 3.x ``send``/``receive``; in 2.x, where operations are described from the client's side,
``subscribe`` means the application sends and ``publish`` means it receives. A send also becomes an
asynchronous interaction to the channel, carrying the protocol, TLS (secure protocol variants only)
and the authentication of the operation's (else the server's) security. Bindings give the channel
kind (AMQP ``is: queue``), durability (AMQP), delivery (MQTT QoS) and consumer groups (Kafka
``groupId``). Message payloads give a classification *hint* by field names and formats.
``$ref``s are followed across local files.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import Location, did_you_mean
from engine.importers.base import (
    Node,
    SpecImporter,
    fail,
    most_sensitive,
    safe_name,
    split_host,
)
from engine.source import Document, Limits

_PROTOCOLS = {"kafka": "kafka", "kafka-secure": "kafka", "amqp": "amqp", "amqps": "amqp", "amqp1": "amqp",
              "mqtt": "mqtt", "mqtts": "mqtt", "secure-mqtt": "mqtt", "mqtt5": "mqtt", "ws": "websocket",
              "wss": "websocket", "http": "http", "https": "http"}
_SECURE = {"kafka-secure", "amqps", "mqtts", "secure-mqtt", "wss", "https"}
_BROKERED = {"kafka", "kafka-secure", "amqp", "amqps", "amqp1", "mqtt", "mqtts", "secure-mqtt", "mqtt5", "jms",
             "nats", "redis", "sns", "sqs", "stomp", "stomps", "pulsar", "ibmmq", "googlepubsub", "solace",
             "anypointmq"}
_QOS = {0: "at_most_once", 1: "at_least_once", 2: "exactly_once"}


def detect(data: Any) -> bool:
    """Whether a parsed document is an AsyncAPI description."""
    return isinstance(data, dict) and "asyncapi" in data


def channel_name(address: str) -> str:
    """A fact name for a channel address: ``comment/{id}/changed`` -> ``comment/:id/changed``."""
    return safe_name(re.sub(r"\{([^}]*)\}", r":\1", address.strip().lstrip("/")))


def _auth_of(scheme: dict[str, Any]) -> str | None:
    kind = str(scheme.get("type", "")).lower()
    if kind in ("userpassword", "plain", "scramsha256", "scramsha512", "apikey", "httpapikey"):
        return "api_key"
    if kind == "http":
        return "api_key" if str(scheme.get("scheme", "")).lower() in ("basic", "digest") else None
    if kind == "x509":
        return "mtls"
    if kind in ("oauth2", "openidconnect"):
        flows = scheme.get("flows")
        return "client_credentials" if isinstance(flows, dict) and "clientCredentials" in flows else "user_token"
    if kind == "gssapi":
        return "service_token"
    return None


class _Importer(SpecImporter):
    FORMAT = "asyncapi"
    NO_TITLE = "no info.title to name the application; give one with --service"

    def __init__(self, doc: Document, limits: Limits, service: str | None) -> None:
        super().__init__(doc, limits, service)
        self.schemes: dict[str, Node] = {}
        comps = self.refs.child(self.refs.root, "components")
        ss = self.refs.child(comps, "securitySchemes")
        if isinstance(ss.value, dict):
            for name, node in self.refs.items(ss):
                self.schemes[name] = node
        self.servers: dict[str, dict[str, Any]] = {}

    def checked_root(self, doc: Document) -> dict[str, Any]:
        root = doc.data
        if not isinstance(root, dict) or "asyncapi" not in root:
            raise fail(doc, (), "not an AsyncAPI description: no 'asyncapi:' key")
        version = str(root["asyncapi"])
        if not re.match(r"^[23]\.\d+", version):
            raise fail(doc, ("asyncapi",), f"AsyncAPI version {version!r} is not supported; this archplan reads 2.x "
                                           "and 3.x")
        self.v3 = version.startswith("3")
        return root

    def _server(self, name: str, node: Node) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            raise self.err(node, "a server must be a mapping")
        v = node.value
        protocol = str(v.get("protocol", "")).lower()
        host = str(v.get("host", "")) if self.v3 else str(v.get("url", ""))
        variables = v.get("variables")
        if isinstance(variables, dict):
            for var, spec in variables.items():
                if isinstance(spec, dict) and "default" in spec:
                    host = host.replace("{" + str(var) + "}", str(spec["default"]))
        hostname = split_host(host)[1] if host else ""
        return {"name": name, "protocol": protocol, "host": hostname, "node": node,
                "security": self.refs.child(node, "security") if "security" in v else None}

    def _auth(self, sec: Node) -> str | None:
        """The authentication a security list names (the first alternative archplan can name)."""
        if not isinstance(sec.value, list):
            raise self.err(sec, "security must be a list")
        found: list[str] = []
        for i in range(len(sec.value)):
            item = self.refs.child(sec, i)
            if not isinstance(item.value, dict):
                raise self.err(item, "a security item must be a mapping")
            if self.v3 and "type" in item.value:
                auth = _auth_of(item.value)
            else:  # 2.x requirement object: {scheme-name: scopes}
                auth = None
                for scheme in item.value:
                    if scheme not in self.schemes:
                        raise self.err(item, f"unknown security scheme '{scheme}'"
                                             f"{did_you_mean(str(scheme), self.schemes)}", scheme)
                    auth = auth or (_auth_of(self.schemes[scheme].value)
                                    if isinstance(self.schemes[scheme].value, dict) else None)
            if auth:
                found.append(auth)
        return found[0] if found else None

    def run(self) -> Document:
        body, svc = self.body, self.service
        info_loc = self.doc.locate(("info", "title")) if "info" in self.root else self.doc.locate(())
        body.fact("services", {"name": svc}, info_loc)
        body.set("services", svc, "api_contract", "asyncapi", self.doc.locate(("asyncapi",)))
        servers = self.refs.child(self.refs.root, "servers")
        if isinstance(servers.value, dict):
            for name, node in self.refs.items(servers):
                self.servers[name] = self._server(name, node)
        elif servers.value is not None:
            raise self.err(servers, "servers must be a mapping of name -> server")
        channels = self.refs.child(self.refs.root, "channels")
        if channels.value is None:
            return body.document()
        if not isinstance(channels.value, dict):
            raise self.err(channels, "channels must be a mapping")
        by_path: dict[tuple[str, tuple[str | int, ...]], str] = {}
        for key, chan in self.refs.items(channels):
            if not isinstance(chan.value, dict):
                raise self.err(chan, "a channel must be a mapping")
            address = chan.value.get("address", key) if self.v3 else key
            if address is None:
                address = key
            name = channel_name(str(address))
            by_path[(chan.uri, chan.path)] = name
            self._channel(name, chan)
            if not self.v3:
                for verb, action in (("subscribe", "send"), ("publish", "receive")):
                    if verb in chan.value:
                        op = self.refs.child(chan, verb)
                        self._operation(name, chan, op, action, self._messages_v2(op))
        if self.v3:
            ops = self.refs.child(self.refs.root, "operations")
            if isinstance(ops.value, dict):
                for _op_id, op in self.refs.items(ops):
                    if not isinstance(op.value, dict):
                        raise self.err(op, "an operation must be a mapping")
                    act = op.value.get("action")
                    if act not in ("send", "receive"):
                        raise self.err(op, f"operation action {act!r} must be 'send' or 'receive'", "action")
                    if not isinstance(op.value.get("channel"), dict):
                        raise self.err(op, "an operation needs a 'channel' ($ref to a channel)", "channel")
                    chan = self.refs.child(op, "channel")
                    chan_name = by_path.get((chan.uri, chan.path))
                    if chan_name is None:
                        raise self.err(op, "the operation's channel is not one of this document's channels",
                                       "channel")
                    listed = op.value.get("messages")
                    if listed is not None and not isinstance(listed, list):
                        raise self.err(op, "an operation's messages must be a list", "messages")
                    msgs = [self.refs.child(self.refs.child(op, "messages"), i) for i in range(len(listed or []))]
                    if not msgs:
                        m = self.refs.child(chan, "messages")
                        msgs = [n for _k, n in self.refs.items(m)] if isinstance(m.value, dict) else []
                    self._operation(chan_name, chan, op, str(act), msgs)
        return body.document()

    def _chan_servers(self, chan: Node) -> list[dict[str, Any]]:
        listed = chan.value.get("servers")
        if not isinstance(listed, list) or not listed:
            return [self.servers[k] for k in sorted(self.servers)]
        out = []
        for i, item in enumerate(listed):
            if isinstance(item, str):
                key = item
            elif isinstance(item, dict) and isinstance(item.get("$ref"), str):
                key = item["$ref"].rsplit("/", 1)[-1]
            else:
                raise self.err(chan, "a channel's servers entry must name a server", "servers", i)
            if key not in self.servers:
                raise self.err(chan, f"unknown server '{key}'{did_you_mean(key, self.servers)}", "servers", i)
            out.append(self.servers[key])
        return out

    def _channel(self, name: str, chan: Node) -> None:
        body = self.body
        at = self.refs.locate(chan)
        body.fact("channels", {"name": name}, at)
        servers = self._chan_servers(chan)
        brokers = sorted({s["host"] for s in servers if s["protocol"] in _BROKERED and s["host"]})
        if brokers:
            body.set("channels", name, "broker", safe_name(brokers[0]), self.refs.locate(servers[0]["node"]))
        protocols = {_PROTOCOLS.get(s["protocol"]) for s in servers}
        bindings = chan.value.get("bindings") if isinstance(chan.value.get("bindings"), dict) else {}
        amqp = bindings.get("amqp") if isinstance(bindings.get("amqp"), dict) else None
        if amqp:
            kind = {"queue": "queue", "routingKey": "topic"}.get(str(amqp.get("is")))
            if kind:
                body.set("channels", name, "kind", kind, at)
            for sub in ("queue", "exchange"):
                if isinstance(amqp.get(sub), dict) and isinstance(amqp[sub].get("durable"), bool):
                    body.set("channels", name, "durable", amqp[sub]["durable"], at)
        elif protocols & {"kafka", "mqtt"}:
            body.set("channels", name, "kind", "topic", at)

    def _messages_v2(self, op: Node) -> list[Node]:
        msg = self.refs.child(op, "message")
        if not isinstance(msg.value, dict):
            return []
        if isinstance(msg.value.get("oneOf"), list):
            one = self.refs.child(msg, "oneOf")
            return [self.refs.child(one, i) for i in range(len(msg.value["oneOf"]))]
        return [msg]

    def _operation(self, name: str, chan: Node, op: Node, action: str, messages: list[Node]) -> None:
        body, svc = self.body, self.service
        at = self.refs.locate(op)
        if not isinstance(op.value, dict):
            raise self.err(op, "an operation must be a mapping")
        bindings: Any = op.value.get("bindings") if isinstance(op.value.get("bindings"), dict) else {}
        mqtt: Any = bindings.get("mqtt") if isinstance(bindings.get("mqtt"), dict) else {}
        if isinstance(mqtt.get("qos"), int) and mqtt["qos"] in _QOS:
            body.set("channels", name, "delivery", _QOS[mqtt["qos"]], at)
        found: list[tuple[str, str]] = []
        for m in messages:
            if isinstance(m.value, dict) and isinstance(m.value.get("payload"), dict):
                hit = self.classifier.classify(self.refs.child(m, "payload"))
                if hit:
                    found.append(hit)
        best = most_sensitive(found)
        if best:
            body.set("channels", name, "carries_classification", best[0], at)
            body.note("channels", name, f"carries_classification {best[0]} is a hint from field '{best[1]}': "
                                        "override it if wrong")
        if action == "receive":
            kafka: Any = bindings.get("kafka") if isinstance(bindings.get("kafka"), dict) else {}
            group = kafka.get("groupId")
            group_name = None
            if isinstance(group, dict) and isinstance(group.get("enum"), list) and len(group["enum"]) == 1:
                group_name = str(group["enum"][0])
            elif isinstance(group, dict) and isinstance(group.get("const"), str):
                group_name = group["const"]
            consumer: Any = {"service": svc, "group": safe_name(group_name)} if group_name else svc
            body.set("channels", name, "consumers", [consumer], at)
            return
        body.set("channels", name, "producers", [svc], at)
        servers = self._chan_servers(chan)
        data: dict[str, Any] = {"from": svc, "to": name, "style": "async"}
        protocols = sorted({_PROTOCOLS.get(s["protocol"], "other") for s in servers})
        if len(protocols) == 1:
            data["protocol"] = protocols[0]
        if servers and all(s["protocol"] in _SECURE for s in servers):
            data["tls"] = True
        ident = body.fact("interactions", data, at)
        sec = self.refs.child(op, "security") if "security" in op.value else None
        sec_loc: Location | None = self.refs.locate(sec) if sec is not None else None
        auth = self._auth(sec) if sec is not None else None
        if auth is None:
            for s in servers:
                if s["security"] is not None:
                    auth = self._auth(s["security"])
                    sec_loc = self.refs.locate(s["security"])
                    if auth:
                        break
        if auth and sec_loc is not None:
            body.set("interactions", ident, "auth", auth, sec_loc)


import_file = _Importer.import_file
"""Import one AsyncAPI file (and the local files its ``$ref``s reach)."""
