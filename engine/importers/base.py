"""What every importer shares: the design body it builds, with the artifact location of every value.

An importer reads an artifact with ``engine.source`` (safe, bounded, with positions) and fills a
``Body``: the sections of a design file (``services``, ``endpoints``...) whose every key path maps to
the line and column in the artifact that said it. ``Body.document()`` returns an
``ArtifactDocument`` that ``engine.loader.load_documents`` validates and merges like a hand-written
file, so that every finding on an imported fact points at the artifact.

Only what the artifact states is set. Everything else stays unknown (left out), so that the rules
report an information gap instead of an invented risk.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from engine.errors import InputError, Location
from engine.model.kinds import SECTION_KIND, identity, is_singleton_section
from engine.source import DEFAULT_LIMITS, Document, Limits, Path, keypath, parse, read_text

if TYPE_CHECKING:  # imported where used: every archplan command loads this module, few follow $refs
    from referencing import Resource

@dataclass(frozen=True)
class PubSub:
    """What a Dapr pub/sub component's file says of the broker behind its topics (``engine.importers.dapr``)."""

    name: str
    type: str
    """The component type (``pubsub.rabbitmq``, ``pubsub.redis``, ``pubsub.kafka``...)."""
    at: Location
    broker: str | None = None
    """The workload the component connects to, when its host names one of the deployment's."""
    protocol: str | None = None
    durable: tuple[bool, Location, str] | None = None
    """Whether the broker keeps the topics' messages over a restart, where and why."""
    delivery: tuple[str, Location, str] | None = None
    """``at_least_once`` or ``at_most_once``, where and why."""


@dataclass
class ArtifactDocument(Document):
    """A design body derived from an artifact; ``locate`` answers with the artifact's own places.

    ``where`` may name several files (a ``$ref`` into a shared file points there).
    """

    imported: bool = True
    where: dict[Path, Location] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Fact key (``endpoint:GET /pets``) -> remarks for the user (evidence of hints), shown by ``import``."""
    format: str = ""
    strips: dict[str, bool] = field(default_factory=dict)
    """Gateway route key (``ANY /api/user/``) -> whether it strips its path prefix before forwarding (nginx's
    ``proxy_pass`` with a URI part): how ``code_routes.compose`` writes the public path of a service's routes."""
    replaces: dict[str, str] = field(default_factory=dict)
    """Gateway route key -> the path the proxy puts in place of the matched prefix when it is not ``/`` (nginx's
    ``location /api/orders { proxy_pass http://orders/order; }`` forwards ``/api/orders/7`` as ``/order/7``)."""
    context_paths: dict[str, str] = field(default_factory=dict)
    """Service -> the path its web server serves every route under (Spring's ``server.servlet.context-path``)."""
    environment: dict[str, dict[str, tuple[str, Location]]] = field(default_factory=dict)
    """Workload -> the environment variables its deployment sets (value, where): never rendered (values may be
    credentials); ``code_calls`` reads which of the variables a service's code reads are set."""
    unseen_environment: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Workload -> the variables its deployment sets to a value the artifacts do not show (a Secret's key, a name
    passed through from the shell), ``*`` when it may set any (an env_file or envFrom source not given): a default
    the code gives such a variable may not be the value it runs with."""
    feign: dict[str, dict[str, tuple[Any, Location, str]]] = field(default_factory=dict)
    """Service -> what its Spring configuration states of every Feign client it has (field -> value, where, why):
    ``code_clients`` gives it to the calls the service's Feign clients make."""
    literal_secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Service -> the environment variables whose literal values are its only credentials written in the
    configuration (its ``secrets_source: repo_config``): ``code_routes`` takes the fact back when the service's code
    refuses to start with every one of those values (a committed placeholder)."""
    signing_secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Service -> the token-signing secrets (``file: key``) that are its only credentials, from a file it mounts:
    ``token_secret_readers`` keeps them on the services that log users in when several services mount the file."""
    routed_paths: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    """Service -> the only paths under which requests from outside reach it (Ingress paths that rewrite nothing),
    and what routes them: ``unrouted_endpoints`` keeps the service's other endpoints internal."""
    published_ports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Workload -> the container ports its deployment publishes beyond the host (compose's ``ports``): a port its
    code binds no listener on leads nowhere (``code_routes._unlistened_ports``)."""
    volatile_brokers: dict[str, tuple[Location, str]] = field(default_factory=dict)
    """Broker workload -> where and why its message store outlives no restart (no persistent volume): a channel
    on it states no durability of its own, so ``volatile_channels`` gives the channel ``durable: false``."""
    pubsub_topics: dict[str, tuple[str, Location]] = field(default_factory=dict)
    """Channel -> the Dapr pub/sub component its code names for it (``code_dapr``), and where: ``dapr.channels``
    gives the channel what that component's file says of its broker."""
    pubsubs: dict[str, PubSub] = field(default_factory=dict)
    """Dapr pub/sub component name -> what its file says (``dapr.components``), from the components directory a
    deployment mounts into its sidecars."""
    book_timeouts: dict[str, dict[str, tuple[int, Location, str]]] = field(default_factory=dict)
    """Workload -> the clients' timeout to each host an address book it mounts lists (milliseconds, where, the
    book's file): ``code_clients`` gives it to a call whose code reads its timeout from that host's entry."""
    builds: dict[str, tuple[str, str, str, Location]] = field(default_factory=dict)
    """Workload -> what it runs (an image reference, or a build's context, Dockerfile and working directory), how to
    say it, the application it would name, and where it is stated: ``applications`` makes a web process and its worker
    that run the same one processes of one application."""
    programs: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Workload -> the command its container runs (compose's ``entrypoint`` and ``command``, else its Dockerfile's,
    as one text; "" when unknown) and the ``RUN`` commands its image is built with: which of its code's scripts the
    running process starts, and which only the build runs (``code_routes._own_calls``)."""
    backups: tuple[tuple[str, Location], ...] | None = None
    """What in a deployment may take backups (a workload naming a backup tool: ``infra.BACKUP_TOOLS``), and where;
    None for an artifact that is no deployment: ``code_routes`` says a store drawn from code has none when the
    deployment shows none."""
    start_orders: dict[str, str] = field(default_factory=dict)
    """Call (``source->target``) -> why it is a start order, not a call, unless the caller's code is read: a
    ``depends_on`` alone from a container the compose file gives nothing that could hold an address
    (``bare_start_orders``)."""
    not_reviewed: dict[str, str] = field(default_factory=dict)
    """Workload -> why it is not part of the system under review (observability infrastructure by its image): what
    another artifact configures for a service of that name (a config server's ``<service>.yml``) is not its own."""
    shared_credentials: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Service -> its credentials when all are defaults every service is given (a config server's shared
    ``application.yml``), each with the client's property group (``spring.datasource.``): ``code_routes.compose``
    takes ``secrets_source`` back when the service's code and build show none of these clients."""
    given_whole: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = field(default_factory=dict)
    """Interaction identity -> (the variables it was drawn from, every variable of their sources, the sources) when
    all come from sources the caller takes whole (``envFrom``, ``env_file``): ``code_routes.compose`` drops it when
    the caller's code names other variables of them but none of these."""
    given_set: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Interaction identity -> the variables it was drawn from, when the deployment sets each of them on the caller
    by name (none framework-bound) and the call is a synchronous one to a service: ``code_routes.compose`` drops it
    when they bind to a property of the caller's own configuration that no code or placeholder of it reads."""
    external_from: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Interaction identity -> the variables a call to a public host (an external) was drawn from:
    ``code_routes.compose`` drops it when the caller's code only stores each as a setting (``code_settings``)."""
    drawn_from: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Interaction identity -> every property of a Spring configuration that names its target, in file order (its
    ``inferred_from`` names the first): ``code_routes.compose`` drops the call when the deployment overrides all."""
    operations: dict[str, str] = field(default_factory=dict)
    """Endpoint key (``GET /v1/shelves``) -> the operationId an API description gives it: ``code_grpc_gateway``
    finds there the gRPC service a gateway forwards the endpoint to (``Library_ListShelves``)."""
    titled: str = ""
    """The service an API description was named after by its title, no name being given (``--service``): the
    title of a spec kept in a service's own directory (``Catalog API``) is not the service's name, and
    ``code_routes.compose`` gives the spec that service's name when the service's code is imported too."""
    records: tuple[str, ...] = ()
    """Datastores the import made systems of record because services connect to them (``infra.record_systems_of_
    record``): ``unconnected_records`` takes the role and backups back from one no connection reaches in the end."""
    refill: tuple[str, Callable[[Mapping[str, tuple[str, Location]]], Document]] | None = None
    """For a configuration template its container fills from its environment at start (``envsubst``): the
    container's service, and the import again with the environment its deployment sets (``fill_templates``)."""

    def locate(self, path: Path) -> Location:
        """The artifact location of ``path``, or of its nearest parent that has one."""
        probe = tuple(path)
        while probe:
            loc = self.where.get(probe)
            if loc is not None:
                return loc
            probe = probe[:-1]
        return self.where.get((), Location(self.file, 1, 1))


HEALTH_PATH = re.compile(r"/(?:hc|healthz?|health[-_]?check|health/(?:live|ready|liveness|readiness)|liveness|"
                         r"readiness|actuator/health)/?(?:[?#].*)?$", re.IGNORECASE)
"""A URL's path that is a health check's (``/hc``, ``/healthz``, ``/health-check``, ``/actuator/health``): who requests
it polls health."""


def environments(docs: Sequence[Document]) -> dict[str, dict[str, tuple[str, Location]]]:
    """Each workload's environment variables as the deployment documents among ``docs`` set them (value, where)."""
    out: dict[str, dict[str, tuple[str, Location]]] = {}
    for d in docs:
        for workload, variables in (getattr(d, "environment", None) or {}).items():
            out.setdefault(workload, {}).update(variables)
    return out


def unseen_environments(docs: Sequence[Document]) -> dict[str, frozenset[str]]:
    """Each workload's variables whose value its deployment sets but the artifacts do not show (``*``: any may be)."""
    out: dict[str, frozenset[str]] = {}
    for d in docs:
        for workload, names in (getattr(d, "unseen_environment", None) or {}).items():
            out[workload] = out.get(workload, frozenset()) | frozenset(names)
    return out


def renamed(doc: ArtifactDocument, section: str, names: Mapping[str, str], why: str) -> ArtifactDocument:
    """``doc`` with each unnamed fact of ``section`` whose identity ``names`` maps given that name (its notes follow
    it, with ``why``)."""
    items = doc.data.get(section) if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        return doc
    kind = SECTION_KIND[section]
    out: list[Any] = []
    notes = dict(doc.notes)
    for item in items:
        ident = identity(kind, item) if isinstance(item, dict) and "name" not in item else None
        if ident is None or ident not in names:
            out.append(item)
            continue
        out.append({"name": names[ident], **item})
        notes[f"{kind}:{names[ident]}"] = [*notes.pop(f"{kind}:{ident}", []), f"named {names[ident]}: {why}"]
    return dataclasses.replace(doc, data={**doc.data, section: out}, notes=notes)


def distinct_endpoints(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with a name given to every unnamed endpoint whose method and path another document's endpoint of
    another service also has (two gateways of one deployment each routing ``/api/``): keyed by method and path alone
    they would be taken for one endpoint, its routes and facts joined. The name says the service, as a route of a
    service's code that no gateway fronts is named (``<service>-<METHOD>-<path>``); the places, notes and prefix
    handling of the fact follow it."""
    served: dict[str, set[str]] = {}
    for d in docs:
        if isinstance(d, ArtifactDocument) and isinstance(d.data, dict):
            for ep in d.data.get("endpoints") or []:
                if isinstance(ep, dict) and not ep.get("name") and isinstance(ep.get("served_by"), str):
                    served.setdefault(f"{ep.get('method')} {ep.get('path')}", set()).add(ep["served_by"])
    shared = {key for key, by in served.items() if len(by) > 1}
    if not shared:
        return list(docs)
    out: list[Document] = []
    for d in docs:
        items = d.data.get("endpoints") if isinstance(d, ArtifactDocument) and isinstance(d.data, dict) else None
        renamed: dict[str, str] = {}
        endpoints: list[Any] = []
        for ep in items or []:
            key = f"{ep.get('method')} {ep.get('path')}" if isinstance(ep, dict) and not ep.get("name") else None
            if key in shared and isinstance(ep.get("served_by"), str):
                renamed[key] = safe_name(f"{ep['served_by']}-{ep.get('method')}-{ep.get('path')}")
                endpoints.append({"name": renamed[key], **ep})
            else:
                endpoints.append(ep)
        if not renamed or not isinstance(d, ArtifactDocument):
            out.append(d)
            continue
        where = dict(d.where)
        for i, ep in enumerate(endpoints):
            if isinstance(ep, dict) and ep.get("name") in renamed.values():
                where.setdefault(("endpoints", i, "name"), d.locate(("endpoints", i)))
        notes = {(f"endpoint:{renamed[k.split(':', 1)[1]]}" if k.startswith("endpoint:")
                  and k.split(":", 1)[1] in renamed else k): v for k, v in d.notes.items()}
        strips = {renamed.get(k, k): v for k, v in d.strips.items()}
        out.append(dataclasses.replace(d, data={**d.data, "endpoints": endpoints}, where=where, notes=notes,
                                       strips=strips))
    return out


def _relaxed(name: str) -> str:
    """A variable or property name as Spring's relaxed binding compares them (``SHOP_URL`` is ``shop.url``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def overridden_properties(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls a Spring configuration file draws from properties the deployment sets again on the
    same service: Spring binds an environment variable to a property by its relaxed name (``SHOP_SERVICES_STOCK`` is
    ``shop.services.stock``) and the variable wins over the file, so the file's address (a default for running
    outside the deployment) is not where the service calls; the deployment's own value draws its call, if any."""
    env = environments(docs)
    out: list[Document] = []
    for d in docs:
        items = d.data.get("interactions") if isinstance(d.data, dict) else None
        if not isinstance(d, ArtifactDocument) or d.format != "spring" or not isinstance(items, list):
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for i in items:
            if not isinstance(i, dict) or "to" not in i:
                continue
            source = str(i.get("from"))
            given = {_relaxed(v): v for v in env.get(source, {})}
            keys = list(d.drawn_from.get(f"{source}->{i.get('to')}", ()))
            if not keys or not all(_relaxed(k) in given for k in keys):
                continue
            variables = ", ".join(given[_relaxed(k)] for k in keys)
            drop[f"{source}->{i.get('to')}"] = (
                f"{source}->{i.get('to')} not drawn from {', '.join(keys)}: the deployment sets {variables} on "
                f"{source}, which Spring binds to {'it' if len(keys) == 1 else 'them'} in place of the file's value")
        out.append(without_facts(d, "interactions", drop))
    return out


def without_facts(doc: ArtifactDocument, section: str, drop: Mapping[str, str]) -> ArtifactDocument:
    """``doc`` without the facts of ``section`` whose identity ``drop`` names, each said in a remark (``drop``: identity
    -> why) at the place the fact came from; the places of the facts kept follow them."""
    items = doc.data.get(section) if isinstance(doc.data, dict) else None
    if not isinstance(items, list) or not drop:
        return doc
    kind = SECTION_KIND[section]
    kept: dict[int, int] = {}
    out: list[Any] = []
    remarks = list(doc.remarks)
    for i, item in enumerate(items):
        ident = identity(kind, item) if isinstance(item, dict) else None
        if ident is not None and ident in drop:
            remarks.append((doc.locate((section, i)), drop[ident]))
            continue
        kept[i] = len(out)
        out.append(item)
    if len(out) == len(items):
        return doc
    where: dict[Path, Location] = {}
    for path, loc in doc.where.items():
        if len(path) >= 2 and path[0] == section and isinstance(path[1], int):
            if path[1] in kept:
                where[(section, kept[path[1]], *path[2:])] = loc
        else:
            where[path] = loc
    notes = {k: v for k, v in doc.notes.items() if k.split(":", 1)[0] != kind or k.split(":", 1)[1] not in drop}
    return dataclasses.replace(doc, data={**doc.data, section: out}, where=where, notes=notes,
                               remarks=sorted(set(remarks)))


def without_field(doc: ArtifactDocument, section: str, ident: str, name: str, why: str) -> ArtifactDocument:
    """``doc`` without the top-level field ``name`` of the fact ``ident`` of ``section`` (and the notes that explain
    it, which start with its name), said in a remark at the place the field came from."""
    items = doc.data.get(section) if isinstance(doc.data, dict) else None
    kind = SECTION_KIND[section]
    at = next((i for i, item in enumerate(items or []) if isinstance(item, dict) and name in item
               and identity(kind, item) == ident), None)
    if items is None or at is None:
        return doc
    remark = (doc.locate((section, at, name)), why)
    out = [{k: v for k, v in item.items() if k != name} if i == at else item for i, item in enumerate(items)]
    where = {path: loc for path, loc in doc.where.items() if path[:3] != (section, at, name)}
    key = f"{kind}:{ident}"
    notes = {k: [n for n in v if k != key or not n.startswith(f"{name} ")] for k, v in doc.notes.items()}
    return dataclasses.replace(doc, data={**doc.data, section: out}, where=where,
                               notes={k: v for k, v in notes.items() if v}, remarks=sorted({*doc.remarks, remark}))


def not_configured(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without what a Spring configuration (a config server's ``<service>.yml``) draws for a workload that
    a deployment runs from infrastructure not under review (``tracing-server`` running the Zipkin image): that
    image is no client of the project's configuration, so the service fact, the endpoints it would serve and the
    calls it would make are dropped, each said in a remark."""
    skipped = {name: why for d in docs if isinstance(d, ArtifactDocument) for name, why in d.not_reviewed.items()}
    if not skipped:
        return list(docs)
    out: list[Document] = []
    for doc in docs:
        d = doc
        if isinstance(d, ArtifactDocument) and d.format == "spring" and isinstance(d.data, dict):
            for section, by in (("services", "name"), ("endpoints", "served_by"), ("interactions", "from")):
                kind = SECTION_KIND[section]
                drop = {identity(kind, item): f"{item[by]} runs {skipped[item[by]]}: what the configuration says of "
                                              f"it ({kind} {identity(kind, item)}) is not read"
                        for item in d.data.get(section) or [] if isinstance(item, dict) and item.get(by) in skipped}
                d = without_facts(d, section, drop)
        out.append(d)
    return out


_PATTERN = re.compile(r"[(\[{*?$^|+\\]|\.\*")
"""Where the literal start of a route path ends: a regular expression's or a template's first special part."""


def _literal(path: str) -> str:
    """The literal start of a route path, ending in ``/`` (``/customers/(.+)`` -> ``/customers/``)."""
    m = _PATTERN.search(path)
    head = path[:m.start()] if m else path
    return head if head.endswith("/") else head + "/"


def routed_under(path: str, routes: Sequence[str]) -> bool:
    """Whether a request for ``path`` may match one of ``routes`` (prefixes, or patterns read up to their first
    special character): one literal start is the other's prefix."""
    p = _literal(path)
    return any(p.startswith(r) or r.startswith(p) for r in map(_literal, routes))


def unrouted_endpoints(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``exposure internal`` on each endpoint, stating none, of a service that requests from outside
    reach only under some paths (``routed_paths``: Ingress paths) when its path is under none of them: the
    management endpoints Spring serves on every path of its port (``/actuator/**``) stay inside when the Ingress
    publishes only ``/customers``. A service whose routes sit under a context path is left alone."""
    routed = {s: r for d in docs if isinstance(d, ArtifactDocument) for s, r in d.routed_paths.items()}
    if not routed:
        return list(docs)
    for d in docs:
        for s in getattr(d, "context_paths", {}):
            routed.pop(s, None)
    out: list[Document] = []
    for doc in docs:
        d = doc
        for i, ep in enumerate(d.data.get("endpoints") or [] if isinstance(d, ArtifactDocument) and isinstance(
                d.data, dict) else []):
            if not isinstance(ep, dict) or "exposure" in ep or ep.get("served_by") not in routed:
                continue
            paths, why = routed[str(ep["served_by"])]
            if isinstance(ep.get("path"), str) and not routed_under(ep["path"], paths):
                assert isinstance(d, ArtifactDocument)
                d = with_field(d, "endpoints", identity("endpoint", ep), "exposure", "internal", d.locate(
                    ("endpoints", i)), f"exposure internal: requests from outside reach {ep['served_by']} only "
                                       f"under {', '.join(paths)} ({why}), and {ep['path']} is under none")
        out.append(d)
    return out


def distinct_channels(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with each channel that has the name of a service, datastore or external of any document (a Kafka topic
    ``orders`` beside an ``orders`` service) renamed ``<name>-<kind>`` (``orders-topic``; ``-channel`` when its kind is
    unknown), with the asynchronous interactions that publish to it: targets are named alone, and the design would
    not load. A note on the channel says why."""
    def items(d: Document, section: str) -> list[Any]:
        found = d.data.get(section) if isinstance(d.data, dict) else None
        return found if isinstance(found, list) else []

    taken = {str(c.get("name")) for d in docs for section in ("services", "datastores", "externals")
             for c in items(d, section) if isinstance(c, dict)}
    kinds: dict[str, str] = {}
    for d in docs:
        for c in items(d, "channels"):
            if isinstance(c, dict) and c.get("name") in taken:
                kinds.setdefault(str(c["name"]), str(c.get("kind") or "channel"))
    if not kinds:
        return list(docs)
    renamed = {name: safe_name(f"{name}-{kind}") for name, kind in kinds.items()}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or not any(
                isinstance(c, dict) and c.get("name") in renamed for c in items(d, "channels")):
            out.append(d)
            continue
        channels = [{**c, "name": renamed[c["name"]]} if isinstance(c, dict) and c.get("name") in renamed else c
                    for c in items(d, "channels")]
        keys: dict[str, str] = {f"channel:{old}": f"channel:{new}" for old, new in renamed.items()}
        interactions: list[Any] = []
        for i in items(d, "interactions"):
            if isinstance(i, dict) and i.get("to") in renamed and i.get("style") == "async":
                keys[f"interaction:{i.get('from')}->{i['to']}"] = f"interaction:{i.get('from')}->{renamed[i['to']]}"
                i = {**i, "to": renamed[i["to"]]}  # noqa: PLW2901 - the renamed copy replaces it
            interactions.append(i)
        notes = {keys.get(k, k): list(v) for k, v in d.notes.items()}
        for old, new in renamed.items():
            if any(isinstance(c, dict) and c.get("name") == new for c in channels):
                notes.setdefault(f"channel:{new}", []).append(
                    f"named {new}: the artifact calls it {old}, the name of another component of the design")
        data = {**d.data, "channels": channels}
        if "interactions" in d.data:
            data["interactions"] = interactions
        out.append(dataclasses.replace(d, data=data, notes=notes))
    return out


def volatile_channels(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``durable: false`` on each channel, stating no durability in any document, that is carried by a
    broker whose message store survives no restart (``volatile_brokers``): the broker the channel names, else the
    one broker its producers and consumers talk to (several brokers, or none known: left alone)."""
    volatile = {b: v for d in docs if isinstance(d, ArtifactDocument) for b, v in d.volatile_brokers.items()}
    if not volatile:
        return list(docs)

    def items(d: Document, section: str) -> list[dict[str, Any]]:
        found = d.data.get(section) if isinstance(d.data, dict) else None
        return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []

    brokers = set(volatile) | {str(s.get("name")) for d in docs for s in items(d, "services")
                               if "broker" in (s.get("tags") or [])}
    reaches: dict[str, set[str]] = {}
    for d in docs:
        for i in items(d, "interactions"):
            if i.get("to") in brokers:
                reaches.setdefault(str(i.get("from")), set()).add(str(i["to"]))
    stated = {str(c.get("name")) for d in docs for c in items(d, "channels") if "durable" in c}
    users: dict[str, set[str]] = {}  # a channel's producers and consumers, over every document that has it
    for d in docs:
        for c in items(d, "channels"):
            users.setdefault(str(c.get("name")), set()).update({*map(str, c.get("producers") or []), *(
                str(u.get("service") if isinstance(u, dict) else u) for u in c.get("consumers") or [])})
    out: list[Document] = []
    for doc in docs:
        d = doc
        for c in items(doc, "channels"):
            name = str(c.get("name"))
            if name in stated or not isinstance(d, ArtifactDocument):
                continue
            if c.get("broker") in brokers:
                on, how = {str(c["broker"])}, "named"
            else:
                on = {b for u in users[name] for b in reaches.get(u, ())}
                how = f"the one broker that {', '.join(sorted(users[name]))} reach"
            if len(on) != 1 or next(iter(on)) not in volatile:
                continue
            broker = next(iter(on))
            at, why = volatile[broker]
            d = with_field(d, "channels", name, "durable", False, at,
                           f"durable false: on {broker} ({how}), a {why}")
        out.append(d)
    return out


def unconnected_records(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the role and backups the import gave a datastore as a system of record (``records``) when no
    interaction of any document reaches it any more (its only connections were start orders that the services' code
    shows are no calls)."""
    reached = {str(i.get("to")) for d in docs for i in (d.data.get("interactions") or [] if isinstance(d.data, dict)
                                                        else []) if isinstance(i, dict)}
    out: list[Document] = []
    for doc in docs:
        d = doc
        if isinstance(d, ArtifactDocument) and any(n not in reached for n in d.records):
            for name in [n for n in d.records if n not in reached]:
                why = f"{name} is no system of record: no service connects to it once every artifact is read"
                d = without_field(without_field(d, "datastores", name, "backups", why), "datastores", name, "role", why)
            d = dataclasses.replace(d, records=tuple(n for n in d.records if n in reached))
        out.append(d)
    return out


def with_field(doc: ArtifactDocument, section: str, ident: str, name: str, value: Any, at: Location,
               note: str, *, replace: bool = False) -> ArtifactDocument:
    """``doc`` with the top-level field ``name`` of the fact ``ident`` of ``section`` set to ``value`` (stated at
    ``at``, explained by ``note``), unless the fact states it already (``replace``: whatever it states) or is not in
    ``doc``."""
    items = doc.data.get(section) if isinstance(doc.data, dict) else None
    kind = SECTION_KIND[section]
    i = next((i for i, item in enumerate(items or []) if isinstance(item, dict) and identity(kind, item) == ident),
             None)
    if items is None or i is None or (name in items[i] and not replace):
        return doc
    out = [{**item, name: value} if j == i else item for j, item in enumerate(items)]
    key = f"{kind}:{ident}"
    return dataclasses.replace(doc, data={**doc.data, section: out}, where={**doc.where, (section, i, name): at},
                               notes={**doc.notes, key: [*doc.notes.get(key, []), note]})


def with_fact(doc: ArtifactDocument, section: str, data: Mapping[str, Any], at: Location) -> ArtifactDocument:
    """``doc`` with the fact ``data`` of ``section`` added (stated at ``at``), unless one of its identity is there."""
    items = list(doc.data.get(section) or []) if isinstance(doc.data, dict) else []
    kind = SECTION_KIND[section]
    ident = identity(kind, data)
    if any(isinstance(item, dict) and identity(kind, item) == ident for item in items):
        return doc
    i = len(items)
    where: dict[Path, Location] = {**doc.where, (section, i): at}
    where.update({(section, i, k): at for k in data})
    return dataclasses.replace(doc, data={**doc.data, section: [*items, dict(data)]}, where=where)


def token_secret_readers(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with a token-signing secret that several services take from one mounted file (a shared config every
    container mounts) charged only to the services that log users in: those that serve, or are routed, an endpoint
    whose path ends in a login, token or sign-up name (``POST /api/user/login`` routed to ``user-service``). The
    others lose the ``secrets_source`` it gave them, said in a remark; with no such service, every one keeps it."""
    from engine.model.base import credential_path

    holders: dict[str, set[str]] = {}
    for d in docs:
        for service, keys in (d.signing_secrets.items() if isinstance(d, ArtifactDocument) else ()):
            for key in keys:
                holders.setdefault(key, set()).add(service)
    if not any(len(s) > 1 for s in holders.values()):
        return list(docs)
    issuers: dict[str, str] = {}
    for d in docs:
        for ep in (d.data.get("endpoints") or [] if isinstance(d.data, dict) else []):
            path = str(ep.get("path", "")) if isinstance(ep, dict) else ""
            if credential_path(path):
                for s in [ep.get("served_by"), *(ep.get("routes_to") or [])]:
                    issuers.setdefault(str(s), f"{ep.get('method', 'ANY')} {path}")
    out: list[Document] = []
    for doc in docs:
        d = doc
        if isinstance(d, ArtifactDocument):
            for service, keys in sorted(d.signing_secrets.items()):
                readers = sorted({s for k in keys for s in holders[k] if s in issuers})
                if service in issuers or not readers or all(len(holders[k]) < 2 for k in keys):
                    continue
                d = without_field(d, "services", service, "secrets_source",
                                  f"{service}: {', '.join(keys)} is a token-signing secret that "
                                  f"{len(holders[keys[0]])} services mount; charged to what logs users in "
                                  f"({', '.join(f'{r}, behind {issuers[r]}' for r in readers)}), not to {service} "
                                  "(its code would show whether it checks tokens with it)")
        out.append(d)
    return out


class Body:
    """A design body under construction: facts per section, first statement of each field wins."""

    def __init__(self, file: str, agent: str, fmt: str) -> None:
        self.file = file
        self.agent = agent
        self.format = fmt
        self.items: dict[str, dict[str, dict[str, Any]]] = {}
        self.locs: dict[tuple[str, str], dict[str, Location]] = {}
        self.notes: dict[str, list[str]] = {}
        self.remarks: list[tuple[Location, str]] = []
        self.strips: dict[str, bool] = {}
        self.replaces: dict[str, str] = {}
        self.context_paths: dict[str, str] = {}
        self.environment: dict[str, dict[str, tuple[str, Location]]] = {}
        self.unseen_environment: dict[str, tuple[str, ...]] = {}
        self.given_whole: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {}
        self.given_set: dict[str, tuple[str, ...]] = {}
        self.drawn_from: dict[str, tuple[str, ...]] = {}
        self.external_from: dict[str, tuple[str, ...]] = {}
        self.shared_credentials: dict[str, tuple[tuple[str, str], ...]] = {}
        self.not_reviewed: dict[str, str] = {}
        self.builds: dict[str, tuple[str, str, str, Location]] = {}
        self.start_orders: dict[str, str] = {}
        self.programs: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.backups: tuple[tuple[str, Location], ...] | None = None
        self.routed_paths: dict[str, tuple[tuple[str, ...], str]] = {}
        self.signing_secrets: dict[str, tuple[str, ...]] = {}
        self.literal_secrets: dict[str, tuple[str, ...]] = {}
        self.volatile_brokers: dict[str, tuple[Location, str]] = {}
        self.published_ports: dict[str, tuple[str, ...]] = {}
        self.feign: dict[str, dict[str, tuple[Any, Location, str]]] = {}
        self.book_timeouts: dict[str, dict[str, tuple[int, Location, str]]] = {}
        self.pubsub_topics: dict[str, tuple[str, Location]] = {}
        self.pubsubs: dict[str, PubSub] = {}
        self.records: list[str] = []

    def remark(self, at: Location, text: str) -> None:
        """Something the import could not use, and why: a load warning at ``at`` (the import goes on)."""
        if (at, text) not in self.remarks:
            self.remarks.append((at, text))

    def fact(self, section: str, data: Mapping[str, Any], at: Location) -> str:
        """Add a fact (or find the one with the same identity) and return its identity."""
        ident = identity(SECTION_KIND[section], data)  # a singleton's is its section (= kind) name
        items = self.items.setdefault(section, {})
        if ident not in items:
            items[ident] = {}
            self.locs[(section, ident)] = {"": at}
        for k, v in data.items():
            self.set(section, ident, k, v, at)
        return ident

    def has(self, section: str, ident: str) -> bool:
        """Whether a fact with this identity exists."""
        return ident in self.items.get(section, {})

    def get(self, section: str, ident: str) -> dict[str, Any] | None:
        """The fact's data so far."""
        return self.items.get(section, {}).get(ident)

    def set(self, section: str, ident: str, dotted: str, value: Any, at: Location, *, override: bool = False) -> None:
        """Set ``dotted`` (``health.liveness``) on a fact unless already stated (``override`` replaces)."""
        if value is None:
            return
        if is_singleton_section(section) and ident not in self.items.get(section, {}):
            self.items.setdefault(section, {})[ident] = {}
            self.locs[(section, ident)] = {"": at}
        item = self.items[section][ident]
        parts = dotted.split(".")
        node = item
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        last = parts[-1]
        if isinstance(value, list) and isinstance(node.get(last), list):
            node[last] = [*node[last], *(v for v in value if v not in node[last])]
            return
        if last in node and not override:
            return
        node[last] = value
        self.locs[(section, ident)][dotted] = at

    def note(self, section: str, ident: str, text: str) -> None:
        """A remark the ``import`` command writes above the fact (evidence of a hint)."""
        key = f"{SECTION_KIND[section]}:{ident}"
        lst = self.notes.setdefault(key, [])
        if text not in lst:
            lst.append(text)

    def document(self) -> ArtifactDocument:
        """The design document: sections in a fixed order, facts sorted by identity (deterministic)."""
        data: dict[str, Any] = {"source": self.agent}
        where: dict[Path, Location] = {(): Location(self.file, 1, 1)}
        for section in sorted(self.items):
            facts = self.items[section]
            if is_singleton_section(section):  # system, security
                data[section] = facts[section]
                for dotted, loc in self.locs[(section, section)].items():
                    where[(section, *dotted.split(".")) if dotted else (section,)] = loc
                continue
            out = []
            for i, ident in enumerate(sorted(facts)):
                out.append(facts[ident])
                for dotted, loc in self.locs[(section, ident)].items():
                    where[(section, i, *dotted.split(".")) if dotted else (section, i)] = loc
            data[section] = out
        return ArtifactDocument(self.file, data, {}, remarks=sorted(self.remarks), where=where, notes=self.notes,
                                format=self.format, strips=self.strips, replaces=self.replaces,
                                context_paths=self.context_paths, environment=self.environment,
                                unseen_environment=self.unseen_environment, given_whole=self.given_whole,
                                given_set=self.given_set, drawn_from=self.drawn_from, feign=self.feign,
                                external_from=self.external_from,
                                shared_credentials=self.shared_credentials, not_reviewed=self.not_reviewed,
                                signing_secrets=self.signing_secrets, literal_secrets=self.literal_secrets,
                                routed_paths=self.routed_paths,
                                volatile_brokers=self.volatile_brokers, published_ports=self.published_ports,
                                book_timeouts=self.book_timeouts,
                                pubsub_topics=self.pubsub_topics, pubsubs=self.pubsubs, records=tuple(self.records),
                                builds=self.builds, start_orders=self.start_orders, programs=self.programs,
                                backups=self.backups)


def applications(docs: Sequence[Document]) -> list[Document]:
    """``docs`` with ``application`` on the services that are processes of one application (a web process and its
    worker or scheduler, as a Procfile runs them from one code base): those that run the same image or build
    (``ArtifactDocument.builds``), one of them a worker (``kind: worker`` in any document: containers of one image that
    all serve requests may be different programs packed together, and stay apart); and those whose code was read
    from the same folders and files (``code_paths`` of a service's code, named after the first folder), unless a
    document states one for it already."""
    kinds = {str(s.get("name")): s.get("kind") for d in docs if isinstance(d.data, dict)
             for s in d.data.get("services") or [] if isinstance(s, dict) and s.get("kind")}
    runs: dict[str, list[tuple[str, str, str]]] = {}
    for d in docs:
        for name, (key, how, app, _at) in sorted(getattr(d, "builds", {}).items()):
            runs.setdefault(key, []).append((name, how, app))
    named: dict[str, tuple[str, str]] = {}
    for run in runs.values():
        names = sorted({n for n, _h, _a in run})
        workers = [n for n in names if kinds.get(n) == "worker"]
        if len(names) > 1 and workers:
            for n in names:
                named[n] = (slug(run[0][2]), f"{', '.join(names)} run the same {run[0][1]}, with "
                                             f"{', '.join(workers)} as its worker")
    read: dict[frozenset[str], list[tuple[str, tuple[str, ...]]]] = {}
    for d in docs:
        paths, service = getattr(d, "code_paths", ()), getattr(d, "service", "")
        if paths and service:
            read.setdefault(frozenset(paths), []).append((service, paths))
    for same in read.values():
        names = sorted({n for n, _p in same})
        for n in names if len(names) > 1 else ():
            named.setdefault(n, (slug(os.path.basename(same[0][1][0])),
                                 f"{', '.join(names)} run the code read from {', '.join(same[0][1])}"))
    for names, why in _data_layers(docs):
        for n in names:
            named.setdefault(n, (_common_name(names), why))
    if not named:
        return list(docs)
    stated = {str(s.get("name")) for d in docs if isinstance(d.data, dict)
              for s in d.data.get("services") or [] if isinstance(s, dict) and "application" in s}
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument):
            out.append(d)
            continue
        builds, edited = d.builds, d
        for n in sorted(named):
            if n in stated or not (n in builds or (getattr(d, "code_paths", None) and getattr(d, "service", "") == n)):
                continue
            app, why = named[n]
            at = builds[n][3] if n in builds else getattr(d, "service_at", Location(d.file))
            now = with_field(edited, "services", n, "application", app, at,
                             f"application {app}: {why}: processes of one application")
            if now is not edited:
                stated.add(n)  # said once, in the first document stating the service
                edited = now
        out.append(edited)
    return out



_DRAWN_FROM = re.compile(r"(?P<var>[^\s;()]+) \(environment of (?P<workload>[^,;()]+), [^;()]*\) names host [\w.-]+")
"""The evidence of a call drawn from a variable of the caller's deployment that names the target's host."""


def _data_layers(docs: Sequence[Document]) -> list[tuple[list[str], str]]:
    """The groups of services built on one data layer, each with why: two services whose code is read from folders
    of which they share one (``code_paths``) that reach one datastore through a variable their deployments set to the
    same value (one connection), which the code of the shared folder reads (``path_names``: it opens the store for
    both). A library shared for other ends (an event bus, service defaults), or a data layer each service points at
    its own database, joins nobody."""
    folders: dict[str, Mapping[str, frozenset[str]]] = {
        str(getattr(d, "service", "")): names for d in docs
        for names in [getattr(d, "path_names", None)] if names and getattr(d, "service", "")}
    if len(folders) < 2:
        return []
    stores = {str(s.get("name")) for d in docs if isinstance(d.data, dict)
              for s in d.data.get("datastores") or [] if isinstance(s, dict)}
    reach: dict[str, dict[str, set[str]]] = {}  # datastore -> client -> the variables naming its host
    for d in docs:
        for i in (d.data.get("interactions") or []) if isinstance(d, ArtifactDocument) and isinstance(d.data, dict) \
                else []:
            source, target = (str(i.get("from")), str(i.get("to"))) if isinstance(i, dict) else ("", "")
            if target not in stores or source not in folders:
                continue
            for part in " ".join(str(i.get("inferred_from") or "").split()).split("; "):
                m = _DRAWN_FROM.fullmatch(part)
                if m and m.group("workload") == source:
                    reach.setdefault(target, {}).setdefault(source, set()).add(m.group("var"))
    env = environments(docs)
    joined: dict[str, str] = {}  # service -> its group's first service (union-find)
    said: dict[frozenset[str], str] = {}

    def root(n: str) -> str:
        while joined.get(n, n) != n:
            n = joined[n]
        return n

    for store, clients in sorted(reach.items()):
        for a, b in ((a, b) for a in sorted(clients) for b in sorted(clients) if a < b):
            shared = sorted(set(folders[a]) & set(folders[b]))
            for var in sorted(clients[a] & clients[b]):
                value = env.get(a, {}).get(var)
                read = [p for p in shared if re.sub(r"[^a-z0-9]", "", var.lower()) in folders[a][p]]
                if read and value and value[0] == (env.get(b, {}).get(var) or ("",))[0]:
                    joined[root(b)] = root(a)
                    said.setdefault(frozenset((a, b)), f"{store} through {var}, set alike, which the code they "
                                                       f"share in {read[0]} reads")
                    break
    groups: dict[str, list[str]] = {}
    for n in sorted(joined):
        groups.setdefault(root(n), []).append(n)
    out: list[tuple[list[str], str]] = []
    for first, members in sorted(groups.items()):
        names = sorted({first, *members})
        reasons = sorted({why for pair, why in said.items() if pair <= set(names)})
        out.append((names, f"{', '.join(names)} reach {'; '.join(reasons)}: one data layer"))
    return out


def _common_name(names: Sequence[str]) -> str:
    """An application's name from its processes' names: the words they all begin with (``langfuse-web`` and
    ``langfuse-worker``: ``langfuse``), else all of them."""
    common: list[str] = []
    for first, *rest in zip(*(n.split("-") for n in names), strict=False):
        if any(r != first for r in rest):
            break
        common.append(first)
    return slug("-".join(common) if common else "-".join(names))


def bare_start_orders(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls ``ArtifactDocument.start_orders`` names whose caller's code is not read: only its
    image's build could have named the target, and nothing of the caller that is read does. A caller whose code is
    read keeps them for the code readers to judge (``code_routes``: a start order unless its code names the target)."""
    coded = {str(getattr(d, "service", "")) for d in docs if getattr(d, "format", "") == "source"}
    out: list[Document] = []
    for d in docs:
        orders = getattr(d, "start_orders", None)
        if not orders or not isinstance(d, ArtifactDocument):
            out.append(d)
            continue
        out.append(without_facts(d, "interactions", {k: why for k, why in sorted(orders.items())
                                                     if k.split("->", 1)[0] not in coded}))
    return out


_START_ORDER = re.compile(r"(?:depends_on|links) \([^;()]*\)(?:; (?:depends_on|links) \([^;()]*\))*")
"""The evidence of a call that only compose's ``depends_on`` or ``links`` declares."""


def same_application_start_orders(docs: Sequence[Document]) -> list[Document]:
    """``docs`` without the calls between two processes of one application (``application``, stated or set by
    ``applications``) that only ``depends_on`` or ``links`` declares: a worker or scheduler that waits for the web
    process of its own code waits for it to be up (its migrations run), and no variable, command or code gives it
    the other's address; the processes meet in the stores they share, not by calling each other."""
    apps = {str(s.get("name")): str(s.get("application")) for d in docs if isinstance(d.data, dict)
            for s in d.data.get("services") or [] if isinstance(s, dict) and s.get("application")}
    if not apps:
        return list(docs)
    out: list[Document] = []
    for d in docs:
        if not isinstance(d, ArtifactDocument) or not isinstance(d.data, dict):
            out.append(d)
            continue
        drop: dict[str, str] = {}
        for i in d.data.get("interactions") or []:
            source, target = (str(i.get("from")), str(i.get("to"))) if isinstance(i, dict) else ("", "")
            evidence = " ".join(str(i.get("inferred_from") or "").split()) if isinstance(i, dict) else ""
            if source in apps and apps[source] == apps.get(target) and _START_ORDER.fullmatch(evidence):
                drop[f"{source}->{target}"] = (f"{source}->{target} not drawn: only {evidence} says it, and both are "
                                               f"processes of the application {apps[source]}: a start order, not a "
                                               "call")
        out.append(without_facts(d, "interactions", drop))
    return out

def entry_endpoint(body: Body, service: str, at: Location, why: str,
                   tls: tuple[bool, Location, str] | None = None) -> None:
    """A public service's entry point, when the artifact exposes it but names no route: one endpoint
    standing for every route it serves, so that the review follows public requests from it. ``tls``:
    whether it is served with TLS, where that is seen and why."""
    name = safe_name(f"{service}-entry")
    if body.has("endpoints", name):
        return
    body.fact("endpoints", {"name": name, "method": "ANY", "path": "/", "served_by": service}, at)
    body.note("endpoints", name, f"stands for every route {service} serves ({why}); the artifact names none: "
                                 "replace it with the real routes")
    if tls is not None:
        body.set("endpoints", name, "tls", tls[0], tls[1])
        body.note("endpoints", name, f"tls {str(tls[0]).lower()}: {tls[2]}")


def console_entry(body: Body, service: str, at: Location, why: str) -> None:
    """A service's entry endpoint (``entry_endpoint``) that is an operator console: ``admin``, an administrative
    surface the rules on exposed surfaces read and on which no user request waits; nothing when it has none."""
    name = safe_name(f"{service}-entry")
    if body.has("endpoints", name):
        body.set("endpoints", name, "admin", True, at)
        body.note("endpoints", name, f"admin true: {why}")


_ROUTE_PATH = re.compile(r"^/[ -~]{0,511}$")


def route_endpoint(body: Body, service: str, path: str, at: Location, why: str, *, exact: bool = False,
                   routes_to: str | None = None, tls: tuple[bool, Location, str] | None = None) -> None:
    """A public route the artifact names by its path (an Ingress path, a VirtualService ``uri`` match) but
    not by its method: one endpoint per path, with method ``ANY``. A prefix stands for every
    route under it; ``routes_to`` names where a gateway forwards it. A path that is no printable route
    (a regular expression with other characters) stands for every route. ``tls``: whether it is served with
    TLS (a plaintext way in to the same path wins over one with TLS)."""
    if not _ROUTE_PATH.match(path):
        path = "/"
    name = safe_name(f"{service}-entry{path}") if path.strip("/") else safe_name(f"{service}-entry")
    data: dict[str, Any] = {"name": name, "method": "ANY", "path": path, "served_by": service}
    if routes_to is not None:
        data["routes_to"] = [routes_to]
    body.fact("endpoints", data, at)
    scope = f"the route {path}" if exact else f"every route under {path}"
    body.note("endpoints", name, f"stands for {scope} ({why}); the artifact names no method")
    if tls is not None:
        body.set("endpoints", name, "tls", tls[0], tls[1], override=not tls[0])
        if body.items["endpoints"][name].get("tls") is tls[0]:
            body.note("endpoints", name, f"tls {str(tls[0]).lower()}: {tls[2]}")


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_NAME_BAD = re.compile(r"[^A-Za-z0-9_.:/-]+")


def safe_name(text: str) -> str:
    """A valid fact name from free text: bad characters become '-', at most 128 characters."""
    name = _NAME_BAD.sub("-", text.strip()).strip("-./:")
    if not name:
        name = "unnamed"
    if not name[0].isalnum():
        name = "x" + name
    return name[:128]


def slug(text: str) -> str:
    """``Swagger Petstore`` -> ``swagger-petstore``: a service name from a title."""
    return safe_name(re.sub(r"[^a-z0-9]+", "-", text.lower()))


# --------------------------------------------------------------------------------------
# Reading artifacts
# --------------------------------------------------------------------------------------


def load_one(path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse a single-document artifact, with positions."""
    return parse(read_text(path, limits), path, limits, merge_keys=True, artifact=True)


def where_of(doc: Document, path: Path) -> Location:
    """The location of ``path`` in a parsed artifact."""
    return doc.locate(path)


def fail(doc: Document, path: Path, message: str) -> InputError:
    """An input error at ``path`` of ``doc`` (file:line:col and key path)."""
    return InputError(message, doc.locate(path), keypath(path))


def mapping(doc: Document, node: Any, path: Path, what: str) -> dict[str, Any]:
    """``node`` if it is a mapping (or absent: empty), else an error at ``path``."""
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise fail(doc, path, f"{what} must be a mapping, not a {type(node).__name__}")
    return node


def listing(doc: Document, node: Any, path: Path, what: str) -> list[Any]:
    """``node`` if it is a list (or absent: empty), else an error at ``path``."""
    if node is None:
        return []
    if not isinstance(node, list):
        raise fail(doc, path, f"{what} must be a list, not a {type(node).__name__}")
    return node


# --------------------------------------------------------------------------------------
# $ref resolution (referencing, across files), keeping where each node came from
# --------------------------------------------------------------------------------------

MAX_REF_HOPS = 32


@dataclass(frozen=True)
class Node:
    """A value of an artifact, the resolver for ``$ref``s inside it, and where it stands."""

    value: Any
    resolver: Any
    uri: str
    path: Path


def file_uri(path: str) -> str:
    """``file:///abs/path`` for a local path."""
    return "file://" + urllib.parse.quote(os.path.abspath(path).replace(os.sep, "/"))


class Refs:
    """Follows ``$ref``s with the ``referencing`` library; local files only, read safely and bounded.

    Every file a reference reaches is parsed with ``engine.source`` so that a node found through a
    ``$ref`` still has a file, line and column.
    """

    def __init__(self, root: Document, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.root_uri = file_uri(root.file)
        self.docs: dict[str, Document] = {self.root_uri: root}
        from referencing import Registry, Resource

        registry: Registry[Any] = Registry(retrieve=self._retrieve).with_resource(  # type: ignore[call-arg]
            self.root_uri, Resource.opaque(root.data))
        self.root = Node(root.data, registry.resolver(base_uri=self.root_uri), self.root_uri, ())

    def _retrieve(self, uri: str) -> Resource[Any]:
        from referencing import Resource
        from referencing.exceptions import NoSuchResource

        parsed = urllib.parse.urlsplit(uri)
        if parsed.scheme != "file":
            raise NoSuchResource(uri)
        path = urllib.parse.unquote(parsed.path)
        if not path.endswith((".yaml", ".yml", ".json")):
            raise NoSuchResource(uri)
        doc = load_one(path, self.limits)
        self.docs[uri] = doc
        return Resource.opaque(doc.data)

    def doc(self, uri: str) -> Document:
        """The parsed file behind ``uri``."""
        return self.docs[uri]

    def locate(self, node: Node, *more: str | int) -> Location:
        """Where ``node`` (or a key below it) stands."""
        return self.docs[node.uri].locate((*node.path, *more))

    def child(self, node: Node, key: str | int) -> Node:
        """``node[key]``, resolved through ``$ref``s."""
        if isinstance(node.value, dict):
            value = node.value.get(key)
        elif isinstance(node.value, list) and isinstance(key, int) and 0 <= key < len(node.value):
            value = node.value[key]
        else:
            value = None
        return self.deref(Node(value, node.resolver, node.uri, (*node.path, key)))

    def deref(self, node: Node) -> Node:
        """Follow ``$ref`` until a value that is not a reference (bounded: cycles are errors)."""
        from referencing.exceptions import NoSuchResource, Unresolvable, Unretrievable

        hops = 0
        while isinstance(node.value, dict) and "$ref" in node.value:
            ref = node.value["$ref"]
            if not isinstance(ref, str):
                raise InputError("$ref must be a string", self.locate(node, "$ref"), keypath((*node.path, "$ref")))
            hops += 1
            if hops > MAX_REF_HOPS:
                raise InputError(f"$ref chain longer than {MAX_REF_HOPS} hops (a cycle?) at '{ref}'",
                                 self.locate(node, "$ref"), keypath((*node.path, "$ref")))
            try:
                resolved = node.resolver.lookup(ref)
            except (Unresolvable, Unretrievable, NoSuchResource) as exc:
                raise InputError(_ref_problem(ref, exc), self.locate(node, "$ref"),
                                 keypath((*node.path, "$ref"))) from None
            except (TypeError, ValueError, LookupError, AttributeError):  # the pointer walks through a scalar
                raise InputError(f"cannot resolve $ref '{ref}': nothing at that place", self.locate(node, "$ref"),
                                 keypath((*node.path, "$ref"))) from None
            target, _frag = urllib.parse.urldefrag(urllib.parse.urljoin(node.uri, ref))
            pointer = urllib.parse.unquote(urllib.parse.urldefrag(ref)[1])
            doc = self.docs.get(target)
            path = _pointer_path(doc.data if doc else None, pointer)
            node = Node(resolved.contents, resolved.resolver, target if doc else node.uri,
                        path if doc else node.path)
        return node

    def items(self, node: Node) -> Iterator[tuple[str, Node]]:
        """The (key, resolved child) pairs of a mapping node."""
        if isinstance(node.value, dict):
            for k in node.value:
                yield k, self.child(node, k)


def _ref_problem(ref: str, exc: BaseException) -> str:
    from referencing.exceptions import NoSuchResource, Unretrievable

    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 10:  # referencing wraps the retrieval error once or twice
        chain.append(link)
        link = link.__cause__ or link.__context__
    cause = next((e for e in chain if isinstance(e, InputError)), None)
    if cause is not None:  # the file is there but unreadable, too large, or invalid: say which
        return f"cannot resolve $ref '{ref}': {cause.message}"
    scheme = urllib.parse.urlsplit(ref).scheme
    if scheme and scheme != "file":
        return f"cannot resolve $ref '{ref}': only local files are read, nothing is fetched over the network"
    missing = next((e for e in chain if isinstance(e, (Unretrievable, NoSuchResource))), None)
    if missing is not None:
        uri = str(getattr(missing, "ref", ""))
        path = urllib.parse.unquote(urllib.parse.urlsplit(uri).path) if uri.startswith("file:") else ""
        if path and os.path.isdir(path):
            return f"cannot resolve $ref '{ref}': {path} is a directory, not a file"
        if path and os.path.exists(path) and not path.endswith((".yaml", ".yml", ".json")):
            return f"cannot resolve $ref '{ref}': only .yaml, .yml or .json files are read"
        if path and not os.path.exists(path):
            return f"cannot resolve $ref '{ref}': no such file {path}"
        return f"cannot resolve $ref '{ref}': the file does not exist or is not .yaml, .yml or .json"
    return f"cannot resolve $ref '{ref}': nothing at that place"


def _pointer_path(data: Any, pointer: str) -> Path:
    """``/components/schemas/Pet`` -> ``("components", "schemas", "Pet")`` (list indexes as ints)."""
    out: list[str | int] = []
    if not pointer:
        return ()
    node = data
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit():
            out.append(int(part))
            node = node[int(part)] if int(part) < len(node) else None
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


# --------------------------------------------------------------------------------------
# Hints: classified data by field name and format
# --------------------------------------------------------------------------------------

_RANK = {"pci": 4, "phi": 3, "pii": 2, "confidential": 1}
_FIELD_CLASSES: dict[str, str] = {}
for _cls, _names in {
    "pci": "cardnumber creditcard creditcardnumber ccnumber cardno cvv cvc cvv2 cvc2 pan primaryaccountnumber "
           "cardholdername cardverificationvalue cardsecuritycode",
    "phi": "diagnosis medicalrecord medicalrecordnumber mrn healthrecord prescription patientid insurancenumber "
           "bloodtype allergies medication medicalhistory",
    "pii": "email emailaddress phone phonenumber mobile mobilenumber telephone ssn socialsecuritynumber nationalid "
           "passport passportnumber dateofbirth dob birthdate birthday firstname lastname fullname surname givenname "
           "familyname streetaddress postalcode zipcode taxid iban driverslicense driverlicense",
    "confidential": "password passwd secret clientsecret apikey accesstoken refreshtoken privatekey pin",
}.items():
    for _n in _names.split():
        _FIELD_CLASSES[_n] = _cls
_FORMAT_CLASSES = {"email": "pii", "idn-email": "pii", "password": "confidential", "credit-card": "pci",
                   "creditcard": "pci", "ssn": "pii", "phone": "pii"}
MAX_SCHEMA_NODES = 5000


def field_class(name: str, fmt: Any = None) -> str | None:
    """The classification a field name or format suggests, if any."""
    if isinstance(fmt, str) and fmt.lower() in _FORMAT_CLASSES:
        return _FORMAT_CLASSES[fmt.lower()]
    return _FIELD_CLASSES.get(re.sub(r"[^a-z0-9]", "", name.lower()))


class Classifier:
    """Finds the most sensitive field of a schema (through ``$ref``s, cycle-safe and bounded), cached."""

    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self.cache: dict[int, tuple[str, str] | None] = {}
        self.held: list[Any] = []
        """The values cached by ``id``, held so that no other value can take a freed one's id and its answer."""

    def classify(self, node: Node) -> tuple[str, str] | None:
        """(classification, field name) of the most sensitive field under ``node``, or None."""
        node = self.refs.deref(node)
        key = id(node.value)
        if key in self.cache:
            return self.cache[key]
        self.held.append(node.value)
        self.cache[key] = None  # a cycle back here adds nothing
        best: tuple[str, str] | None = None
        budget = [MAX_SCHEMA_NODES]

        def better(a: tuple[str, str] | None, b: tuple[str, str] | None) -> tuple[str, str] | None:
            if a is None:
                return b
            if b is None:
                return a
            return a if _RANK[a[0]] >= _RANK[b[0]] else b

        def walk(n: Node, depth: int) -> tuple[str, str] | None:
            if budget[0] <= 0 or depth > 32 or not isinstance(n.value, dict):
                return None
            budget[0] -= 1
            found: tuple[str, str] | None = None
            fmt = n.value.get("format")
            if isinstance(fmt, str) and fmt.lower() in _FORMAT_CLASSES:
                found = (_FORMAT_CLASSES[fmt.lower()], f"format {fmt}")
            props = n.value.get("properties")
            if isinstance(props, dict):
                for pname in props:
                    cls = field_class(str(pname))
                    if cls:
                        found = better(found, (cls, str(pname)))
                    child = self.refs.child(Node(props, n.resolver, n.uri, (*n.path, "properties")), pname)
                    sub = self._cached(child, walk, depth)
                    if sub and sub[1].startswith("format "):
                        sub = (sub[0], f"{pname} ({sub[1]})")
                    found = better(found, sub)
            for comb in ("allOf", "anyOf", "oneOf"):
                parts = n.value.get(comb)
                if isinstance(parts, list):
                    for i in range(len(parts)):
                        found = better(found, self._cached(self.refs.child(self.refs.child(n, comb), i), walk, depth))
            for single in ("items", "additionalProperties"):
                if isinstance(n.value.get(single), dict):
                    found = better(found, self._cached(self.refs.child(n, single), walk, depth))
            return found

        best = walk(node, 0)
        self.cache[key] = best
        return best

    def _cached(self, node: Node, walk: Callable[[Node, int], tuple[str, str] | None],
                depth: int) -> tuple[str, str] | None:
        key = id(node.value)
        if key in self.cache:
            return self.cache[key]
        self.held.append(node.value)
        self.cache[key] = None
        result = walk(node, depth + 1)
        self.cache[key] = result
        return result


class SpecImporter:
    """What the OpenAPI and AsyncAPI importers share: the document's checked root, its ``$ref`` resolver, the
    schema classifier, the serving service (``--service``, else a slug of ``info.title``) and the body to fill."""

    FORMAT: ClassVar[str]
    """The importer's name on the body (``openapi``, ``asyncapi``)."""
    NO_TITLE: ClassVar[str]
    """The error when neither ``--service`` nor ``info.title`` names the service."""

    def __init__(self, doc: Document, limits: Limits, service: str | None) -> None:
        self.doc = doc
        self.root = self.checked_root(doc)
        self.refs = Refs(doc, limits)
        self.classifier = Classifier(self.refs)
        info = self.root.get("info")
        title = info.get("title") if isinstance(info, dict) else None
        if service:
            self.service = service
        elif isinstance(title, str) and title.strip():
            self.service = slug(title)
        else:
            raise fail(doc, ("info",), self.NO_TITLE)
        self.body = Body(doc.file, "api", self.FORMAT)

    @classmethod
    def import_file(cls, path: str, limits: Limits = DEFAULT_LIMITS, service: str | None = None) -> list[Document]:
        """Import one description file (and the local files its ``$ref``s reach)."""
        importer = cls(load_one(path, limits), limits, service)
        doc = importer.run()
        if not service and isinstance(doc, ArtifactDocument):
            doc = dataclasses.replace(doc, titled=importer.service)
        return [doc]

    def checked_root(self, doc: Document) -> dict[str, Any]:
        """The document's root mapping, once its kind and version are checked.

        Raises:
            InputError: not a description of this kind, or of a version archplan does not read.
        """
        raise NotImplementedError

    def run(self) -> Document:
        """The design document the description states."""
        raise NotImplementedError

    def loc(self, node: Node, *more: str | int) -> Location:
        """Where a node (or a key below it) is written, in whichever file the ``$ref`` led to."""
        return self.refs.locate(node, *more)

    def err(self, node: Node, message: str, *more: str | int) -> InputError:
        """An error at a node (or a key below it), with its location and key path."""
        return InputError(message, self.loc(node, *more), keypath((*node.path, *more)))

    def child(self, node: Node, key: str | int) -> Node:
        """The node under ``key`` of a node, its ``$ref`` followed."""
        return self.refs.child(node, key)


def most_sensitive(found: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The most sensitive of several (classification, evidence) pairs (ties: the first)."""
    best: tuple[str, str] | None = None
    for f in found:
        if best is None or _RANK[f[0]] > _RANK[best[0]]:
            best = f
    return best


# --------------------------------------------------------------------------------------
# Exposure from a host name
# --------------------------------------------------------------------------------------

_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".corp", ".lan", ".svc", ".cluster.local",
                      ".home.arpa", ".localdomain")
_INTERNAL_LABELS = {"internal", "intranet", "corp", "private", "localhost"}


def host_exposure(host: str) -> str | None:
    """``public`` for an internet host name, ``internal`` for local/private ones, None when it cannot tell.

    Conservative on purpose: a host is public only when it is a dotted DNS name or a global IP
    address. Loopback, private and link-local addresses, single-label names (resolvable only inside
    a network), names under local/internal suffixes or with an ``internal``/``intranet`` label are
    internal. A host still holding an unresolved ``{variable}`` tells nothing.
    """
    h = host.strip().lower().strip("[]").rstrip(".")
    if not h or "{" in h or "$" in h:
        return None
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        ip = None
    if ip is not None:
        return "internal" if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified) else "public"
    if h == "localhost" or h.endswith(_INTERNAL_SUFFIXES) or "." not in h:
        return "internal"
    if _INTERNAL_LABELS & set(h.split(".")):
        return "internal"
    return "public"


def combine_exposure(values: list[str | None]) -> str | None:
    """Public if any place is public; internal if every place is internal; else unknown."""
    if "public" in values:
        return "public"
    if values and all(v == "internal" for v in values):
        return "internal"
    return None


def split_host(url: str) -> tuple[str, str, str]:
    """(scheme, host, path) of a server URL (``//host``, ``host:port/path`` and relative paths too)."""
    text = url.strip()
    if "://" not in text and not text.startswith("/"):
        text = "//" + text
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
    except ValueError:  # a malformed IPv6 literal: no host to judge
        return "", "", ""
    if not host and parts.netloc:  # an unresolved {variable} in the host
        host = parts.netloc.rsplit("@", 1)[-1].split(":")[0]
    return parts.scheme.lower(), host, parts.path


TRUST_ORDER = ("none", "listed", "private", "any")
"""``client_ip_from_header`` from the least to the most trusting."""


_PRIVATE_V4 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                                                       "169.254.0.0/16"))
_PRIVATE_V6 = tuple(ipaddress.IPv6Network(n) for n in ("fc00::/7", "fe80::/10", "::1/128"))
"""Private-network ranges (RFC 1918, loopback, link-local, unique-local): Caddy's ``private_ranges`` and their
neighbours. Python's ``is_private`` also counts the documentation ranges, which a configuration may use for
public addresses."""


def trust_of(ranges: list[str], private_words: set[str]) -> str | None:
    """How far a list of trusted peers reaches: ``any`` when its ranges together cover every IPv4 or every IPv6
    address, ``private`` when each is a private or loopback range (or a word meaning them), else ``listed`` (a host
    name, ``unix:``, public ranges). None for an empty list."""
    if not ranges:
        return None
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    private = True
    for r in ranges:
        if r in private_words:
            continue
        try:
            net = ipaddress.ip_network(r, strict=False)
        except ValueError:
            private = False
            continue
        if isinstance(net, ipaddress.IPv4Network):
            v4.append(net)
            private = private and any(net.subnet_of(p) for p in _PRIVATE_V4)
        else:
            v6.append(net)
            private = private and any(net.subnet_of(p) for p in _PRIVATE_V6)
    if list(ipaddress.collapse_addresses(v4)) == [ipaddress.IPv4Network("0.0.0.0/0")] or \
            list(ipaddress.collapse_addresses(v6)) == [ipaddress.IPv6Network("::/0")]:
        return "any"
    return "private" if private else "listed"
