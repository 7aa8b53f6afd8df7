"""Request handlers that write to several services with nothing keeping them consistent (``archplan import source``).

A deployment names who calls whom; only a handler's code shows that one request changes state in two services
one after the other. This module reads a service's request handlers and the writing calls each makes to other
services, in its body and in the functions of its own code it calls (to a depth of four):

- **Python** (read with ``ast``): a Flask or FastAPI route's function; a writing call is a ``requests`` /
  ``httpx`` ``post``, ``put``, ``patch`` or ``delete`` that ``code_calls`` resolved to a variable (its target
  is the service the deployment, or the variable's default, points that variable to); a write to the handler's
  own store is a call of a store's write method (``insert_one``, ``setex``... the routes import's list, broker
  publications left out).
- **Go**: a gRPC server method (``func (s *T) PlaceOrder(ctx context.Context, req *pb.PlaceOrderRequest)
  (*pb.PlaceOrderResponse, error)``), or a CQRS command handler (``func (h scheduleTrainingHandler) Handle(ctx
  context.Context, cmd ScheduleTraining) error``: the workflow is named after the command); a writing call is an RPC
  through a generated client (``pb.NewPaymentServiceClient(conn).Charge(...)``, a variable holding one, or a field of
  the server's struct declared as one: ``s.paymentClient.Charge(...)`` with ``paymentClient pb.PaymentServiceClient``)
  whose name starts with a verb that changes state (``Charge``, ``Create``, ``Empty``, ``Ship``...:
  ``code_go.WRITE_VERBS``); an RPC named otherwise (``GetCart``, ``SendOrderConfirmation``) is not counted. Its target
  is the caller's interaction whose name is the generated client's service (``PaymentService`` -> ``paymentservice`` or
  ``payment``, else ``payment-grpc``). Calls on the server's other fields are followed into the type each holds (a
  struct, or the one implementation of an interface: ``var _ UseCase = (*usecase)(nil)``, a constructor returning
  ``&usecase{...}`` as one, else the one type with all its methods, test stand-ins and generated code aside); a field
  whose type is a repository (``OrderRepo``, ``...Store``) written through a write verb (``Create``, ``Save``) is a
  write to its own store, one whose type is a publisher or producer (``BaristaEventPublisher``) sending (``Publish``,
  ``Send``) a message to a broker.
- **C++** (Thrift): a public method of a class implementing a generated ``<Service>If`` interface, followed through
  the class's own methods it calls or hands to ``std::async``; a writing call is an RPC whose name starts with a verb
  that changes state (``StorePost``, ``WriteUserTimeline``, ``UploadRating``...) through a client the handler takes
  from one of its pools (``_post_storage_client_pool->Pop()`` then ``->GetClient()``), its target the interaction
  named like the pool (``post-storage-service``); a write to its own store is the MongoDB C driver's insert, update or
  delete, or libmemcached's set, add or delete.
- **Java** (Spring MVC): a ``@*Mapping`` method of a ``@RestController`` / ``@Controller``, followed through the
  calls on its fields into the classes of the service (an interface to its one implementation); a writing call
  is a method of a ``@FeignClient`` interface mapped to POST, PUT, PATCH or DELETE (its target the client's
  ``name``), and a write to its own store a repository's ``save``, ``insert``, ``update`` or ``delete`` (a field
  of a type named ``...Repository``, ``...Dao``, ``...Template``, or an interface extending a Spring Data
  repository); a ``RestTemplate`` PUT, PATCH or DELETE to a literal URL (its host the target) or to one bound to
  ``@Value("...${VAR}...")`` counts too, not its POST (code that calls by URL often POSTs its queries, and nothing in
  the call tells them apart) unless the route it reaches in the target's code writes; so does a ``RestClient`` or
  ``WebClient`` PUT, PATCH or DELETE (``restClient.put().uri(...)``) in a method that names one service's address
  (``serviceUrlConfig.order()``, an ``orderUrl``, a URL literal), and its POST to a literal path whose route there
  writes; a ``catch`` or ``finally`` block is where a failure is handled.

A Java handler's reach (and a Go gRPC method's, above) also takes in the messages it sends to a broker (a Kafka,
RabbitMQ, JMS, SQS or SNS template or client, Spring Cloud Stream's ``StreamBridge``), through the hops Spring makes
for it: an ``ApplicationEventPublisher`` event to the ``@EventListener`` / ``@TransactionalEventListener`` methods
taking its type, the after-save callbacks of the class that writes (a Spring Data event listener's ``onAfterSave``,
JPA's ``@PostPersist`` / ``@PostUpdate``), and an interface the deployment picks one of several implementations of
(what any of them sends). A handler that writes its own store and sends a message makes two writes no transaction
holds together: unless the service's code names an outbox or anything else ``COORDINATION`` lists, it is a workflow
whose ``publish_mechanism`` is ``direct`` (a dual write), one step when its own store is all it writes.

Writes in different branches of one if/else chain (Python ``if``/``elif``/``else`` and conditional expressions, Java
and Go ``if``/``else if``/``else``) are alternatives, never made by one request: only the writes of the branches
taken first count.

A handler whose writes reach two services or more (the handler's own service counting when it also writes its
own store) is a workflow named after the handler (``pay`` -> ``pay``, ``PlaceOrder`` -> ``place-order``): one
step per service it writes, in the order of its first write, ``mutates_state: true``, ``user_facing`` (a
request waits). Its ``coordination`` is ``none`` when nothing in the service's code coordinates them: no saga,
outbox, compensation, workflow-engine or distributed-transaction library or word (``COORDINATION``), and no
writing call made where a failure is handled (a Python ``except`` or ``finally``, a Go ``if err != nil``
block), which may undo an earlier step; otherwise it stays unknown and the review asks. Each fact keeps the
handler's file:line and the calls it rests on in a note.

The same reading finds a check-then-act: a Spring or Flask/FastAPI handler that assigns a value read from another
service (a ``RestTemplate`` GET to a URL bound to ``@Value("...${VAR}...")``, a Feign GET, a ``requests`` / ``httpx``
GET; in the handler or in what it calls), compares it, or what it derives from it, with ``<``, ``>``, ``<=`` or ``>=``
in an ``if`` (a balance, a stock, a capacity; an equality or a status code is no such decision), then writes. Its
interaction with that service is ``check_then_act: unguarded``, unless the service's code names a lock, a version, a
conditional write or a serialisable transaction (``GUARDS``): then nothing is said. A Go gRPC method does the same
on a store: a value read through a field of a store client's type (memcache, mongo, redis, database/sql), or a
handle made from one, compared, then a write to a store; the interaction is the caller's one datastore of that
engine. The write must be one the comparison decides: after the ``if`` when its block ends the request (``return``,
``throw``, ``raise``, ``panic``), or inside its block; a flag the check only sets decides nothing here.

Two more forms say the same of a service's own store, a read-modify-write through a repository (the caller's one
database, relational or document, is the interaction): a Java method (any class of the service, tests aside) that
reads entities through a field of a ``...Repository`` / ``...Repo`` / ``...Dao`` type, sets a field of one (or of an
element it loops over) to a number computed from what was read (``long amount = remaining(map, product);
product.setStockQuantity(amount)``; a value taken from the request is no such computation), then saves through the
same repository; a Go method that reads a value through its receiver's repository field (``h.orderRepo.GetByID``),
changes it by a method of its own that decides on the value's fields and assigns them (``order.Apply(...)``), or by
arithmetic on a field, then writes it back through the same field (``h.orderRepo.Update(ctx, order)``). And one
across services: a Spring handler that calls (a ``RestTemplate`` call to a literal URL) another service's route whose
handler compares with ``<``, ``>``, ``<=`` or ``>=`` a value derived from what it read elsewhere and writes nothing (a
seat picked against the tickets sold: ``Handler.decides``), then writes (its own store, or a third service's route
that writes): the interaction with the deciding service (``decided``). ``GUARDS`` silence all of them; a relational
transaction at its default isolation (``db.Begin()``) is not one.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from engine.errors import Location
from engine.importers import code_breakers, code_calls, code_trees
from engine.importers.base import Body, safe_name
from engine.importers.code_go import WRITE_VERBS
from engine.importers.code_text import block_after, bracket_pairs, close_bracket, inside, split_args

_HTTP_WRITES = frozenset({"post", "put", "patch", "delete"})
_PUBLISH = frozenset({"publish", "basic_publish", "sendToQueue"})
COORDINATION = re.compile(r"saga|outbox|compensat|eventuate|\baxon(?:framework|iq)?\b|\btemporal(?:io\b|\.io\b)|"
                          r"\bio\.temporal\b|\bcamunda\b|\bzeebe\b|\bseata\b|narayana|atomikos|two.?phase|\b2pc\b|"
                          r"\bXA(?:Resource|DataSource|Transaction)\b|JtaTransaction|TransactionCoordinator|rollback_?step|"
                          r"undo_?step", re.IGNORECASE)
"""What in a service's code says something may coordinate its writes (then the coordination is not stated)."""
_MAX_DEPTH = 4


@dataclass(frozen=True)
class Write:
    """One writing call a handler makes: where, what it is, and how its target is found."""

    at: Location
    how: str
    """``requests.post() at payment/payment.py:101``, ``CartService.EmptyCart at main.go:324``."""
    stub: str | None = None
    """The generated gRPC client's service (``CartService``); None for an HTTP call (found by its location)."""
    handled: bool = False
    """Made where a failure is handled (``except``, ``finally``, ``if err != nil``): it may undo a step."""
    own: bool = False
    """A write to the handler's own store (``insert_one() at app.py:30``), not a call to another service."""
    var: str | None = None
    """The environment variable its URL's host comes from (``${ORDERS_ADDR}``), when the code binds one."""
    site: int = -1
    """Where in the handler's body the call that leads to it is made (Java: the write itself, or the call of the
    method that makes it)."""
    branch: tuple[tuple[str, int], ...] = ()
    """The alternatives it is made in: (an if/else chain, which branch of it); two writes in different branches of
    one chain are never made by the same request."""
    remote: tuple[str, str, bool] | None = None
    """For a call whose method does not say whether it writes (a ``RestTemplate`` POST or GET to a literal URL): the
    method, the URL's path and whether the code appends to it. It counts as a write only when the route it reaches in
    its target's own code writes (``flows``' ``confirm``)."""
    publish: bool = False
    """A message sent to a broker (``kafkaTemplate.send``, ``rabbitTemplate.convertAndSend``): not a step of its own,
    but with a write to the handler's own store, two writes no transaction holds together (``Flow.published``)."""
    method: str | None = None
    """For an RPC through a generated client (C++ Thrift): the method called (``WriteHomeTimeline``), which names the
    handler it reaches in the target's code (``per_item_calls``)."""


@dataclass(frozen=True)
class Handler:
    """A request handler, what declares it, and the writes it makes to other services and to its own store."""

    name: str
    at: Location
    what: str
    writes: tuple[Write, ...]
    """In the order it makes them, its own store's included."""
    decides: str | None = None
    """For a Spring handler that makes no write of its own: the decision it (or what it calls) takes on a value read
    from another service (``if (... < ...) at SeatServiceImpl.java:144, on restTemplate.exchange at ...:59``), which
    its caller may act on (``decided``)."""
    per_item: str | None = None
    """For a C++ Thrift handler: the write it makes once per element of a collection (a store write or a writing RPC
    inside a ``for`` loop over the collection, in its body or a method of its class it calls), as the code shows it;
    a caller waiting on the handler waits for work that grows with the data (``per_item_calls``)."""


def kebab(name: str) -> str:
    """``PlaceOrder`` -> ``place-order``; ``create_account`` -> ``create-account``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return safe_name(re.sub(r"[_\s]+", "-", spaced).lower().strip("-"))


# ---- Python ----------------------------------------------------------------------------------------

_ROUTE_DECORATORS = frozenset({"route", "api_route", "get", "post", "put", "patch", "delete"})


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _route_of(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ast.expr] | None:
    for dec in func.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in _ROUTE_DECORATORS:
            first = dec.args[0] if dec.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("/"):
                return first.value, dec
    return None


Branch = tuple[tuple[str, int], ...]


def _reach(func: ast.AST, functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef], depth: int,
           handled: bool, seen: frozenset[str], branch: Branch = (), site: str = "") -> Iterator[
               tuple[ast.Call, bool, Branch]]:
    """The calls a function makes, in source order, each with whether it is made where a failure is handled and
    the if/else branches it is made in; a call of a function of the module is followed into it, in place."""
    def walk(node: ast.AST, inside_handler: bool, b: Branch) -> Iterator[tuple[ast.Call, bool, Branch]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            in_h = inside_handler or isinstance(child, ast.ExceptHandler) or \
                (isinstance(node, ast.Try) and child in node.finalbody)
            cb = b
            if isinstance(node, (ast.If, ast.IfExp)) and child is not node.test and node.orelse:
                group = f"{site}{node.lineno}:{node.col_offset}"
                in_body = child in node.body if isinstance(node, ast.If) else child is node.body
                cb = (*b, (group, 0 if in_body else 1))
            yield from walk(child, in_h, cb)
            if isinstance(child, ast.Call):
                yield child, in_h, cb
                name = child.func.id if isinstance(child.func, ast.Name) else ""
                if name in functions and name not in seen and depth < _MAX_DEPTH:
                    yield from _reach(functions[name], functions, depth + 1, in_h, seen | {name}, cb,
                                      f"{site}{child.lineno}:{child.col_offset}/")
    yield from walk(func, handled, branch)


def python_handlers(path: str, text: str, store_writes: frozenset[str], not_stores: frozenset[str]) -> list[Handler]:
    """The Flask and FastAPI handlers of a Python file with the writing calls they make (a file that does not parse
    gives none: the routes import says why)."""
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    out: list[Handler] = []
    for func in tree.body:
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        route = _route_of(func)
        if route is None:
            continue
        writes: list[Write] = []
        for call, handled, branch in _reach(func, functions, 0, False, frozenset({func.name})):
            if not isinstance(call.func, ast.Attribute):
                continue
            attr, owner = call.func.attr, call.func.value
            at = Location(path, call.lineno, call.col_offset + 1)
            if attr in _HTTP_WRITES:  # an HTTP client's write: a target only when code_calls resolved its URL
                writes.append(Write(at, f"{_dotted(call.func)}() at {path}:{call.lineno}", handled=handled,
                                    branch=branch))
            elif attr in store_writes and attr not in _PUBLISH and \
                    not (isinstance(owner, ast.Name) and owner.id in not_stores) and \
                    _dotted(owner).split(".")[0] not in ("requests", "httpx"):
                writes.append(Write(at, f"{attr}() at {path}:{call.lineno}", handled=handled, own=True, branch=branch))
        out.append(Handler(func.name, Location(path, route[1].lineno, route[1].col_offset + 1),
                           f"the route {route[0]!r} ({path}:{route[1].lineno})", tuple(writes)))
    return out


_ORDER = (ast.Lt, ast.Gt, ast.LtE, ast.GtE)


def _is_read(call: ast.Call) -> bool:
    """An HTTP client's GET (``requests.get``, ``session.get``, ``httpx.get``)."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == "get" and \
        _dotted(call.func.value).split(".")[0] in ("requests", "httpx", "session", "client")


def _calls_in(node: ast.AST, functions: Mapping[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> list[ast.Call]:
    """The calls an expression or statement makes, those of the module's functions it calls included."""
    wrapped = ast.Expr(value=node) if isinstance(node, ast.expr) else node  # a call itself is followed too
    return [c for c, _h, _b in _reach(wrapped, functions, 0, False, frozenset())]


def python_checks(path: str, text: str, store_writes: frozenset[str], not_stores: frozenset[str]) -> list[Check]:
    """The Flask and FastAPI handlers that assign a value read by an HTTP GET (in the handler, or a function of the
    module it calls), compare it (or what is derived from it) with ``<``, ``>``, ``<=`` or ``>=`` in an ``if``, and
    then write (an HTTP write, a store's write): a decision on a read another request may change meanwhile. A status
    code compared is no such decision."""
    try:
        tree = code_trees.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def writes(node: ast.AST) -> list[str]:
        out = []
        for c in _calls_in(node, functions):
            if isinstance(c.func, ast.Attribute) and (
                    c.func.attr in _HTTP_WRITES or (c.func.attr in store_writes and c.func.attr not in _PUBLISH and
                                                    not (isinstance(c.func.value, ast.Name) and
                                                         c.func.value.id in not_stores))):
                out.append(f"{_dotted(c.func)}() at {path}:{c.lineno}")
        return out

    out: list[Check] = []
    for func in tree.body:
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or _route_of(func) is None:
            continue
        tainted: dict[str, ast.Call] = {}
        assigns = sorted((n for n in ast.walk(func) if isinstance(n, (ast.Assign, ast.AnnAssign))),
                         key=lambda n: (n.lineno, n.col_offset))
        for node in assigns:
            if node.value is None:
                continue
            reads = [c for c in _calls_in(node.value, functions) if _is_read(c)]
            source = reads[0] if reads else next((tainted[n.id] for n in ast.walk(node.value)
                                                  if isinstance(n, ast.Name) and n.id in tainted), None)
            if source is None:
                continue
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        tainted[n.id] = source
        found = None
        for test in sorted((n for n in ast.walk(func) if isinstance(n, ast.If)), key=lambda n: n.lineno):
            for cmp in (n for n in ast.walk(test.test) if isinstance(n, ast.Compare)):
                if not any(isinstance(op, _ORDER) for op in cmp.ops):
                    continue
                for operand in [cmp.left, *cmp.comparators]:
                    if any(isinstance(n, ast.Attribute) and "status" in n.attr for n in ast.walk(operand)):
                        continue
                    read = next((tainted[n.id] for n in ast.walk(operand)
                                 if isinstance(n, ast.Name) and n.id in tainted), None)
                    exits = any(isinstance(n, (ast.Return, ast.Raise)) or (
                        isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and
                        _dotted(n.value.func).rsplit(".", 1)[-1] == "abort") for n in test.body)
                    end = max(n.end_lineno or n.lineno for n in test.body)
                    region = [stmt for stmt in ast.walk(func) if isinstance(stmt, ast.stmt) and stmt.lineno > end] \
                        if exits else [stmt for n in test.body for stmt in ast.walk(n) if isinstance(stmt, ast.stmt)]
                    later = [w for stmt in region
                             if not isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try))
                             for w in writes(stmt)] if read is not None else []
                    if read is not None and later:
                        found = (read, test, later[0])
                        break
                if found:
                    break
            if found:
                break
        if found:
            read, test, write = found
            out.append(Check(Location(path, test.lineno, test.col_offset + 1), func.name,
                             f"{_dotted(read.func)}() at {path}:{read.lineno}", None, None,
                             f"if {ast.unparse(test.test)} at {path}:{test.lineno}", write,
                             Location(path, read.lineno, read.col_offset + 1)))
    return out


# ---- Go gRPC ---------------------------------------------------------------------------------------

_GO_METHOD = re.compile(r"^func\s*\(\s*(\w+)\s+\*?(\w+)\s*\)\s*(\w+)\s*\(([^)]*)\)\s*(\([^)]*\)|[^{\n]*)\{",
                        re.MULTILINE)
_GRPC_HANDLER = re.compile(r"^\s*\w+\s+context\.Context\s*,\s*\w+\s+\*\w+\.\w+\s*,?\s*$")
_GRPC_RESULT = re.compile(r"^\(\s*\*\w+\.\w+\s*,\s*error\s*\)$")
_STUB_CALL = re.compile(r"\b\w+\.New(\w+)Client\s*\(")
_STUB_VAR = re.compile(r"\b(\w+)\s*:?=\s*\w+\.New(\w+)Client\s*\(")
_GO_STRUCT = re.compile(r"^(?:type\s+|\t| {2,8})(\w+)\s+struct\s*\{", re.MULTILINE)
"""A struct type, declared alone or in a ``type ( ... )`` group."""
_GO_INTERFACE = re.compile(r"^(?:type\s+|\t| {2,8})(\w+)\s+interface\s*\{", re.MULTILINE)
_GENERATED_GO = re.compile(r"(?:\.pb|\.gen|_gen|_generated)\.go$")
_STAND_IN = re.compile(r"(?:Mock|Fake|Stub|Dummy)(?:[A-Z]|$)|^(?:mock|fake|stub|dummy)")
"""A type a test puts in place of the real one (``UserServiceMock``, ``fakeClock``): not what the service runs."""
_GO_IFACE_METHOD = re.compile(r"^\s*([A-Z]\w*)\s*\(", re.MULTILINE)
"""A method an interface declares (``UpdateTrainingBalance(ctx context.Context, ...) error``)."""
_GO_FIELD = re.compile(r"^\s*(\w+)\s+\*?(?:\w+\.)?(\w+)\s*$", re.MULTILINE)
"""A named struct field and its type's name (``uc orders.UseCase`` -> ``UseCase``)."""
_GO_IMPLEMENTS = re.compile(r"\bvar\s+_\s+(?:\w+\.)?(\w+)\s*=\s*"
                            r"(?:\(\s*\*\s*(\w+)\s*\)\s*\(\s*nil\s*\)|&\s*(\w+)\s*\{)|"
                            r"^func\s+\w+\s*\([^)]*\)\s*(?:\w+\.)?(\w+)\s*\{\s*return\s+&\s*(\w+)\s*\{", re.MULTILINE)
"""Where Go code says a type implements an interface: ``var _ I = (*T)(nil)``, or a constructor returning ``&T{...}`` as
one (``func NewT(...) I { return &T{...} }``)."""
_GO_PUBLISHER = re.compile(r"(?i)publisher|producer|eventpub|emitter")
_GO_SENDS = frozenset({"Publish", "PublishMessage", "Send", "SendMessage", "Produce", "Emit"})
_GO_REPOSITORY = re.compile(r"(?:Repo|Repository|Store|DAO|Dao)$")
_STUB_FIELD = re.compile(r"^\s*(\w+)\s+\*?\w+\.(\w+)Client\s*$", re.MULTILINE)
"""A struct field holding a generated gRPC client (``paymentSvcClient pb.PaymentServiceClient``)."""


def _first_word(name: str) -> str:
    m = re.match(r"[A-Z][a-z]*", name)
    return m.group(0) if m else name


_ELSE = re.compile(r"\s*else\b\s*(if\b)?")


def _chains(body: str, raw_backticks: bool = False) -> list[tuple[int, list[tuple[int, int]]]]:
    """The if/else chains of a brace language's body (Java; Go with ``raw_backticks``) that have an ``else``: where
    each starts and the span of each of its blocks. An ``if`` with no ``else`` has no alternative and is left out."""
    out: list[tuple[int, list[tuple[int, int]]]] = []
    pairs = bracket_pairs(body, raw_backticks)
    for m in re.finditer(r"\bif\b", body):
        if re.search(r"\belse\s*$", body[max(0, m.start() - 20):m.start()]):
            continue  # an else-if: a link of the chain it continues
        spans: list[tuple[int, int]] = []
        pos = m.end()
        while (brace := block_after(body, pos, raw_backticks, semicolon_ends=not raw_backticks)) is not None:
            end = pairs.get(brace, len(body))
            spans.append((brace, end))
            rest = _ELSE.match(body, end)
            if rest is None:
                break
            pos = rest.end()
            if rest.group(1) is None:  # the last link: its block follows the else
                if body[pos:pos + 1] == "{":
                    spans.append((pos, pairs.get(pos, len(body))))
                break
        if len(spans) > 1:
            out.append((m.start(), spans))
    return out


def _branch(chains: Sequence[tuple[int, list[tuple[int, int]]]], pos: int, site: str, outer: Branch) -> Branch:
    """The branches a position of a body is in, after those of the call site it was reached from."""
    return (*outer, *((f"{site}{start}", i) for start, spans in chains for i, (a, b) in enumerate(spans)
                      if a <= pos < b))


def go_handlers(files: Sequence[tuple[str, str]]) -> list[Handler]:
    """The gRPC server methods and CQRS command handlers (``_command_handled``) of a service's Go files (comments
    blanked) with the writes they make."""
    methods: dict[tuple[str, str], tuple[str, str, re.Match[str]]] = {}  # (receiver type, name) -> path, code, decl
    fields: dict[str, dict[str, str]] = {}  # struct type -> its fields holding a generated client -> the service
    types = _GoTypes({}, {}, frozenset())
    for path, code in files:
        if path.endswith(".go") and not path.endswith("_test.go"):
            for m in _GO_METHOD.finditer(code):
                methods[(m.group(2), m.group(3))] = (path, code, m)
            for t in _GO_STRUCT.finditer(code):
                held = fields.setdefault(t.group(1), {})
                block = inside(code, t.end() - 1, True)
                held.update((f.group(1), f.group(2)) for f in _STUB_FIELD.finditer(block))
                types.fields.setdefault(t.group(1), {}).update(
                    (f.group(1), f.group(2)) for f in _GO_FIELD.finditer(block))
            for i in _GO_IMPLEMENTS.finditer(code):
                iface, impl = (i.group(1), i.group(2) or i.group(3)) if i.group(1) else (i.group(4), i.group(5))
                types.impls.setdefault(iface, set()).add(impl)
            types = replace(types, interfaces=types.interfaces | {t.group(1) for t in _GO_INTERFACE.finditer(code)})
            for i in _GO_INTERFACE.finditer(code):
                types.methods_of[i.group(1)] = frozenset(
                    n.group(1) for n in _GO_IFACE_METHOD.finditer(inside(code, i.end() - 1, True)))
    types.method_names.update((k, {n for t, n in methods if t == k}) for k in {t for t, _n in methods})
    types = replace(types, generated=frozenset(k for k in types.method_names if all(
        _GENERATED_GO.search(v[0]) for (t, _n), v in methods.items() if t == k)))
    out: list[Handler] = []
    for (kind, name), (path, code, m) in sorted(methods.items(), key=lambda kv: (kv[1][0], kv[1][2].start())):
        command = _command_handled(kind, name, m)
        if command is None and (not name[:1].isupper() or not _GRPC_HANDLER.match(m.group(4))
                                or not _GRPC_RESULT.match(m.group(5).strip())):
            continue
        writes = tuple(_go_writes(kind, name, methods, 0, False, frozenset({name}), (), "", fields, types))
        line = code.count("\n", 0, m.start()) + 1
        what = f"the command handler {kind}.{name}({command})" if command else f"the gRPC method {kind}.{name}"
        out.append(Handler(command or name, Location(path, line, 1), f"{what} ({path}:{line})", writes))
    return out


def _command_handled(kind: str, name: str, m: re.Match[str]) -> str | None:
    """The command a CQRS command handler handles: a ``Handle(ctx context.Context, cmd T) error`` method of a type named
    after ``T`` and ``Handler`` (``scheduleTrainingHandler`` handles ``ScheduleTraining``), the entry point the ports
    (an HTTP or gRPC handler) call through whatever decorators wrap it. None for any other method."""
    if name != "Handle" or not re.fullmatch(r"\s*\(?\s*(?:\w+\s+)?error\s*\)?\s*", m.group(5)):
        return None
    param = re.fullmatch(r"\s*\w+\s+context\.Context\s*,\s*\w+\s+(\w+)\s*,?\s*", m.group(4))
    if param is None or kind.lower() != f"{param.group(1)}handler".lower():
        return None
    return param.group(1)


@dataclass(frozen=True)
class _GoTypes:
    """What a service's Go code says of its types: each struct's named fields with their types' names, the interfaces,
    and the types said to implement each (``_GO_IMPLEMENTS``)."""

    fields: dict[str, dict[str, str]]
    impls: dict[str, set[str]]
    interfaces: frozenset[str]
    methods_of: dict[str, frozenset[str]] = field(default_factory=dict)
    """Each interface's method names."""
    method_names: dict[str, set[str]] = field(default_factory=dict)
    """Each type's method names."""

    generated: frozenset[str] = frozenset()
    """The types whose methods are all declared in generated code (``*.pb.go``, ``*.gen.go``)."""

    def concrete(self, kind: str) -> str | None:
        """The type a field of type ``kind`` holds: itself when a struct, the one implementation of an interface (said
        so in the code, else the one type with all of the interface's methods, as Go itself decides)."""
        if kind not in self.interfaces:
            return kind if kind in self.fields else None
        found = self.impls.get(kind, set())
        wanted = self.methods_of.get(kind, frozenset())
        if not found and wanted:
            found = {t for t, names in self.method_names.items()
                     if wanted <= names and t not in self.interfaces and not _STAND_IN.search(t)}
            if len(found) > 1:  # a generated client satisfying the same methods is not the one the service wrote
                found -= self.generated
        return next(iter(found)) if len(found) == 1 else None


def _go_field_call(kind: str, method: str, types: _GoTypes,
                   methods: Mapping[tuple[str, str], tuple[str, str, re.Match[str]]]) -> tuple[str, str] | None:
    """What a call of ``method`` on a field of type ``kind`` is: ``("follow", T)`` into the method of the type it holds,
    ``("own", "")`` a write to the service's store (a repository's ``Create``, ``Save``...), ``("publish", "")`` a
    message to a broker (a publisher's or producer's ``Publish``, ``Send``)."""
    if _GO_REPOSITORY.search(kind) and _first_word(method) in WRITE_VERBS:
        return "own", ""
    held = types.concrete(kind)
    if held is not None and (held, method) in methods:
        return "follow", held
    if _GO_PUBLISHER.search(kind) and method in _GO_SENDS:
        return "publish", ""
    return None


def _go_writes(kind: str, name: str, methods: Mapping[tuple[str, str], tuple[str, str, re.Match[str]]],
               depth: int, handled: bool, seen: frozenset[str], outer: Branch, site: str,
               fields: Mapping[str, Mapping[str, str]] | None = None, types: _GoTypes | None = None) -> Iterator[Write]:
    """The writing RPCs of a method, in order, following the calls of the receiver's own methods in place; ``fields``:
    per struct type, its fields that hold a generated client, with its service (``cs.paymentSvcClient.Charge(...)``);
    ``types``: what the code says of its types, to follow calls on the receiver's other fields (a use case, a
    repository, a publisher held by interface) into the methods of the types they hold."""
    held = (fields or {}).get(kind, {})
    path, code, decl = methods[(kind, name)]
    start = decl.end()
    body = inside(code, start - 1, True)
    recv = decl.group(1)
    stubs = {v.group(1): v.group(2) for v in _STUB_VAR.finditer(body)}
    guarded = [(g.end(), g.end() + len(inside(body, g.end() - 1, True)))
               for g in re.finditer(r"!=\s*nil\s*\{", body)]
    events: list[tuple[int, str, str]] = []
    for s in _STUB_CALL.finditer(body):
        after = s.end() + len(inside(body, s.end() - 1, True)) + 1
        rpc = re.match(r"\s*\.\s*([A-Z]\w*)\s*\(", body[after:])
        if rpc:
            events.append((s.start(), s.group(1), rpc.group(1)))
    for var, service in stubs.items():
        for c in re.finditer(rf"(?<![\w.]){re.escape(var)}\s*\.\s*([A-Z]\w*)\s*\(", body):
            events.append((c.start(), service, c.group(1)))
    for c in re.finditer(rf"(?<![\w.]){re.escape(recv)}\s*\.\s*(\w+)\s*\(", body):
        if (kind, c.group(1)) in methods and c.group(1) not in seen and depth < _MAX_DEPTH:
            events.append((c.start(), "", c.group(1)))
    # a call on another field: what it is, the type, the field, and whether it is a publisher's send
    others: dict[int, tuple[str, str, str, bool]] = {}
    for c in re.finditer(rf"(?<![\w.]){re.escape(recv)}\s*\.\s*(\w+)\s*\.\s*([A-Z]\w*)\s*\(", body):
        if held and c.group(1) in held:
            events.append((c.start(), held[c.group(1)], c.group(2)))
        elif types is not None and (ftype := types.fields.get(kind, {}).get(c.group(1))) is not None and \
                (what := _go_field_call(ftype, c.group(2), types, methods)) is not None and depth < _MAX_DEPTH:
            others[c.start()] = (what[0], what[1], f"{c.group(1)}.{c.group(2)}",
                                 bool(_GO_PUBLISHER.search(ftype)) and c.group(2) in _GO_SENDS)
            events.append((c.start(), "", c.group(2)))
    chains = _chains(body, True)
    for pos, service, rpc_name in sorted(events):
        in_h = handled or any(a <= pos < b for a, b in guarded)
        branch = _branch(chains, pos, f"{site}{name}:", outer)
        line = code.count("\n", 0, start + pos) + 1
        other = others.get(pos)
        if other is not None and other[0] == "follow":
            followed = [] if f"{other[1]}.{rpc_name}" in seen else list(_go_writes(
                other[1], rpc_name, methods, depth + 1, in_h, seen | {f"{other[1]}.{rpc_name}"}, branch,
                f"{site}{name}:{pos}/", fields, types))
            yield from followed
            # a publisher's send whose own code hands the message to a broker's client (``ch.PublishWithContext``),
            # where no write is read: still the message it sends
            if not followed and other[3]:
                yield Write(Location(path, line, 1), f"{other[2]} at {path}:{line}", handled=in_h, branch=branch,
                            publish=True)
        elif other is not None:
            yield Write(Location(path, line, 1), f"{other[2]} at {path}:{line}", handled=in_h, branch=branch,
                        own=other[0] == "own", publish=other[0] == "publish")
        elif not service:
            yield from _go_writes(kind, rpc_name, methods, depth + 1, in_h, seen | {rpc_name}, branch,
                                  f"{site}{name}:{pos}/", fields, types)
        elif _first_word(rpc_name) in WRITE_VERBS:
            yield Write(Location(path, line, 1), f"{service}.{rpc_name} at {path}:{line}", service, in_h,
                        branch=branch)


# ---- C++ Thrift -----------------------------------------------------------------------------------

CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".h", ".hpp")
_CPP_HANDLER_CLASS = re.compile(r"\bclass\s+(\w+)\s*(?:final\s*)?:\s*(?:virtual\s+)?public\s+(?:\w+::)*(\w+)If\b")
"""A Thrift service's handler: a class implementing the generated ``<Service>If`` interface."""
_CPP_WRITE_VERBS = ("Store", "Write", "Upload", "Insert", "Create", "Update", "Delete", "Remove", "Put", "Save",
                    "Register", "Add")
"""The verbs a Thrift RPC that changes state starts with (``StorePost``, ``WriteUserTimeline``, ``UploadText``)."""
_CPP_STORE_WRITE = re.compile(r"\bmongoc_collection_(?:insert|update|replace|delete|remove|find_and_modify)\w*\s*\(|"
                              r"\bmongoc_bulk_operation_execute\s*\(|\bmemcached_(?:set|add|replace|delete|increment|"
                              r"decrement|cas)\w*\s*\(")
"""A write to the service's own store through the MongoDB C driver or libmemcached."""


def cpp_handlers(files: Sequence[tuple[str, str]]) -> list[Handler]:
    """The public methods of a service's Thrift handler classes (C++, comments blanked) with the writing RPCs they
    make through the client pools the handler holds (``auto c = _post_storage_client_pool->Pop()->GetClient();
    c->StorePost(...)``: the target is named after the pool, ``post_storage`` -> ``post-storage-service``) and their
    writes to their own store, following the class's own methods they call or hand to ``std::async``."""
    code = [(p, t) for p, t in files if p.endswith(CPP_SUFFIXES)]
    classes = {m.group(1) for _p, t in code for m in _CPP_HANDLER_CLASS.finditer(t)}
    if not classes:
        return []
    methods: dict[tuple[str, str], tuple[str, str, int, int]] = {}  # (class, method) -> path, code, body start, end
    for path, text in code:
        for klass in classes:
            for m in re.finditer(rf"\b{klass}\s*::\s*(~?\w+)\s*\(", text):
                close = close_bracket(text, m.end() - 1)
                brace = text.find("{", close)
                if brace < 0 or re.search(r"[;}]", text[close:brace]) or m.group(1) in (klass, f"~{klass}"):
                    continue
                methods.setdefault((klass, m.group(1)), (path, text, brace + 1, close_bracket(text, brace) - 1))
    out: list[Handler] = []
    for (klass, name), (path, text, start, _end) in sorted(methods.items(), key=lambda kv: (kv[1][0], kv[1][2])):
        if name.startswith("_") or not name[:1].isupper():
            continue
        writes = tuple(_cpp_writes(methods, klass, name, 0, frozenset({name})))
        line = text.count("\n", 0, start) + 1
        out.append(Handler(name, Location(path, line, 1), f"the Thrift handler {klass}::{name} ({path}:{line})",
                           writes, per_item=_cpp_per_item(methods, klass, name, 0, frozenset({name}))))
    return out


_CPP_FOR = re.compile(r"\bfor\s*\(")
_CPP_LOOP_WRITE = re.compile(rf"{_CPP_STORE_WRITE.pattern}|(?:->|\.)\s*(?:zadd|zrem|zincrby|hset|hmset|hdel|hincrby|"
                             r"sadd|srem|lpush|rpush|setex|incrby|incr)\s*\(")
"""A write to a store inside a loop: the MongoDB C driver's and libmemcached's (``_CPP_STORE_WRITE``), and a Redis
client's write commands (redis-plus-plus: ``pipe.zadd(...)``, ``redis->hset(...)``)."""


def _cpp_loops(body: str) -> Iterator[tuple[int, str, str]]:
    """The ``for`` loops of a C++ body that walk a collection: a range-based ``for (auto &x : items)`` or a counted
    loop bounded by a collection's size (``i < items.size()``), each as (where, its header, its body); a loop counted
    to a number (``i < 3``: a retry) walks no data."""
    for m in _CPP_FOR.finditer(body):
        header = inside(body, m.end() - 1)
        ranged = ";" not in header and re.search(r"(?<!:):(?!:)", header) is not None
        if not ranged and not re.search(r"<=?\s*[\w.>-]+\s*(?:\.|->)\s*(?:size|length)\s*\(", header):
            continue
        after = close_bracket(body, m.end() - 1)
        brace = block_after(body, after)
        if brace is not None and not body[after:brace].strip():
            yield m.start(), " ".join(header.split()), inside(body, brace)
        else:
            end = body.find(";", after)
            yield m.start(), " ".join(header.split()), body[after:end if end >= 0 else len(body)]


def _cpp_per_item(methods: Mapping[tuple[str, str], tuple[str, str, int, int]], klass: str, name: str, depth: int,
                  seen: frozenset[str]) -> str | None:
    """What a Thrift handler (or a method of its class it calls, to ``_MAX_DEPTH``) writes once per element of a
    collection it loops over, with where; None when it writes nothing in such a loop."""
    path, text, start, end = methods[(klass, name)]
    body = text[start:end]
    clients = {m.group(1): m.group(2) for m in re.finditer(r"\b(\w+)\s*=\s*(\w+)\s*->\s*GetClient\s*\(", body)}
    pools = {m.group(1) for m in re.finditer(r"\b(\w+)\s*=\s*(?:this\s*->\s*)?\w+\s*->\s*Pop\s*\(", body)}
    for at, header, loop in _cpp_loops(body):
        line = text.count("\n", 0, start + at) + 1
        store = _CPP_LOOP_WRITE.search(loop)
        rpc = next((m for m in re.finditer(r"\b(\w+)\s*->\s*([A-Z]\w*)\s*\(", loop)
                    if clients.get(m.group(1)) in pools and _first_word(m.group(2)) in _CPP_WRITE_VERBS), None)
        what = (store.group(0).strip().rstrip("( ").lstrip("->. ") + "()" if store is not None else
                f"{rpc.group(2)}()" if rpc is not None else None)
        if what is not None:
            return f"{what} once per element of for ({header}) at {path}:{line}"
    for m in re.finditer(r"(?<![\w.>:])(?:this\s*->\s*)?(_?[A-Za-z]\w*)\s*\(", body):
        callee = m.group(1)
        if (klass, callee) in methods and callee not in seen and depth < _MAX_DEPTH:
            found = _cpp_per_item(methods, klass, callee, depth + 1, seen | {callee})
            if found is not None:
                return found
    return None


def _cpp_writes(methods: Mapping[tuple[str, str], tuple[str, str, int, int]], klass: str, name: str, depth: int,
                seen: frozenset[str]) -> Iterator[Write]:
    path, text, start, end = methods[(klass, name)]
    body = text[start:end]
    clients = {m.group(1): m.group(2) for m in re.finditer(r"\b(\w+)\s*=\s*(\w+)\s*->\s*GetClient\s*\(", body)}
    pools = {m.group(1): m.group(2) for m in re.finditer(r"\b(\w+)\s*=\s*(?:this\s*->\s*)?(\w+)\s*->\s*Pop\s*\(",
                                                        body)}
    guarded = [(g.end(), g.end() + len(inside(body, g.end() - 1)))
               for g in re.finditer(r"\bcatch\s*\([^)]*\)\s*\{", body)]
    events: list[tuple[int, str, str]] = []
    for m in re.finditer(r"\b(\w+)\s*->\s*([A-Z]\w*)\s*\(", body):
        pool = pools.get(clients.get(m.group(1), ""), "")
        if pool and _first_word(m.group(2)) in _CPP_WRITE_VERBS:
            events.append((m.start(), re.sub(r"^_+|_?client_?pool$|_?pool$", "", pool, flags=re.IGNORECASE),
                           m.group(2)))
    for m in _CPP_STORE_WRITE.finditer(body):
        events.append((m.start(), "", m.group(0).rstrip("( ")))
    for m in re.finditer(rf"&\s*{klass}\s*::\s*(\w+)|(?<![\w.>:])(?:this\s*->\s*)?(_?[A-Za-z]\w*)\s*\(", body):
        callee = m.group(1) or m.group(2)
        if (klass, callee) in methods and callee not in seen and depth < _MAX_DEPTH:
            events.append((m.start(), "\0", callee))
    for pos, stub, what in sorted(events):
        if stub == "\0":
            yield from _cpp_writes(methods, klass, what, depth + 1, seen | {what})
            continue
        line = text.count("\n", 0, start + pos) + 1
        handled = any(a <= pos < b for a, b in guarded)
        if stub:
            yield Write(Location(path, line, 1), f"{stub}.{what} at {path}:{line}", stub, handled, method=what)
        else:
            yield Write(Location(path, line, 1), f"{what}() at {path}:{line}", handled=handled, own=True)


# ---- Java Spring ----------------------------------------------------------------------------------

_PARENS = r"\((?:[^()]|\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))*\)"
"""A parenthesised argument list with up to three levels of parentheses inside (an OpenAPI ``@ApiResponses(value =
{@ApiResponse(content = @Content(schema = @Schema(implementation = X.class)))})``); the alternatives never overlap,
so a long list costs no backtracking."""
_ANNOTATIONS = r"((?:@[\w.]+(?:\s*" + _PARENS + r")?\s*)*)"
_J_TYPE = re.compile(r"\b(class|interface)\s+(\w+)([^{;]{0,2000})\{")
_LEAD = 4000
"""How far before a declaration its annotations are looked for."""
_J_TYPE_NAME = r"[\w.]+(?:\s*<[^;{}()]*>)?(?:\s*\[\s*\])*"
"""A Java type as written: ``Account``, ``java.util.Map<String, List<Long>>``, ``byte[]`` (no space a name could share:
whitespace is matched only between the tokens, so a long run of blanks costs no backtracking)."""
_J_MEMBER = re.compile(_ANNOTATIONS + r"(?:(?:public|protected|private|static|final|synchronized|default|abstract)\s+)*"
                       r"(?:<[^;{}()]*>\s*)?" + _J_TYPE_NAME + r"\s+(\w+)\s*\(((?:[^()]|\([^()]*\))*)\)\s*"
                       r"(?:throws\s+[\w.,\s]+)?(\{|;)")
_J_FIELD = re.compile(r"(?:^|(?<=[;}]))\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:(?:private|protected|public|final|static)\s+)*"
                      r"([A-Z]\w*)(?:<[^;=(){}]*>)?\s+(\w+)\s*(?:=[^;]*)?;")
_J_HANDLER = re.compile(r"@(?:Get|Post|Put|Delete|Patch|Request)Mapping\b")
_J_CONTROLLER = re.compile(r"@(?:Rest|RepositoryRest|BasePathAware)?Controller\b")
"""A Spring MVC controller's annotation, Spring Data REST's two (``@RepositoryRestController``) included."""
_J_HTTP_WRITE = re.compile(r"@(?:Post|Put|Delete|Patch)Mapping\b|RequestMethod\.(?:POST|PUT|DELETE|PATCH)\b")
_J_STORE = re.compile(r"(?:Repository|Repo|Dao|DAO|Template|EntityManager)$")
_J_STORE_WRITE = re.compile(r"(?:save|insert|delete|update|remove|persist|merge|upsert)(?![a-z])")
_J_REST = frozenset({"RestTemplate", "TestRestTemplate", "AsyncRestTemplate", "RestOperations"})
_J_REST_WRITES = frozenset({"put", "delete", "patchForObject"})
"""A ``RestTemplate``'s writes by HTTP method. POST is left out: code that calls by URL alone often POSTs its queries
(route and seat look-ups), and nothing in the call itself tells the two apart; its target's code may
(``Write.remote``)."""
_J_REST_METHODS = {"postForObject": "POST", "postForEntity": "POST", "postForLocation": "POST",
                   "getForObject": "GET", "getForEntity": "GET"}
"""The ``RestTemplate`` calls whose HTTP method says nothing of whether they write: a POST may be a query, and a GET
may write. They count only when the route they reach writes (``Write.remote``)."""
_J_FLUENT = frozenset({"RestClient", "WebClient"})
"""Spring's fluent HTTP clients: ``restClient.put().uri(url).body(x).retrieve()``."""
_J_FLUENT_WRITES = frozenset({"put", "patch", "delete"})
"""Their writes by HTTP method; a POST counts only when the route it reaches writes (``Write.remote``), as for a
``RestTemplate``."""
_J_BROKER = re.compile(r"(?:Kafka|Rabbit|Amqp|RabbitMessaging|Jms|JmsMessaging|Sqs|Sns|Pulsar|PubSub)Template|"
                       r"StreamBridge|KafkaProducer|Producer|SqsClient|SqsAsyncClient|SnsClient|SnsAsyncClient|"
                       r"Publisher")
"""The Java types that send messages to a broker (matched whole): Spring's messaging templates, Spring Cloud Stream's
``StreamBridge``, the Kafka and AWS SDK clients, Google Pub/Sub's ``Publisher``; never Spring's in-process
``ApplicationEventPublisher``."""
_J_BROKER_SENDS = frozenset({"send", "sendDefault", "convertAndSend", "publish", "sendMessage", "sendMessageBatch",
                             "convertSendAndReceive", "sendAndReceive"})
_J_LISTENER = re.compile(r"@(?:Transactional)?EventListener\b")
_J_AFTER_SAVE = re.compile(r"@Post(?:Persist|Update)\b")
"""JPA's callbacks after an entity is written (in the entity or its listener class)."""
_J_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "return", "new", "else", "try",
                         "throw", "super", "this"})


@dataclass(frozen=True)
class _JClass:
    path: str
    code: str
    annotations: str
    kind: str
    header: str
    fields: dict[str, str]
    methods: dict[str, tuple[str, int, int]]
    """name -> (its annotations, where its body starts and ends in ``code``; -1 without a body)."""


_JAVA_READ: list[tuple[tuple[tuple[str, str], ...], Mapping[str, _JClass]]] = []
"""The last service's files and their classes: four readers ask about the same service in turn."""


def _java_classes(files: Sequence[tuple[str, str]]) -> Mapping[str, _JClass]:
    """The classes and interfaces of a service's Java files: their annotations (the text before the declaration, from
    the previous ``;``, ``{`` or ``}``), fields and methods. Members are matched only where one may start (after a
    ``;`` or a block), never from every position: a long run of blanks or annotations costs no backtracking.
    Read once for the same files in a row (by their paths and texts), for the readers that ask in turn."""
    key = tuple(files)
    if _JAVA_READ and _JAVA_READ[0][0] == key:
        return _JAVA_READ[0][1]
    out = _read_java_classes(key)
    _JAVA_READ[:] = [(key, MappingProxyType(out))]
    return _JAVA_READ[0][1]


def _read_java_classes(files: Sequence[tuple[str, str]]) -> dict[str, _JClass]:
    out: dict[str, _JClass] = {}
    for path, code in files:
        if not path.endswith(".java"):
            continue
        pairs = bracket_pairs(code)
        for t in _J_TYPE.finditer(code):
            low = max(0, t.start() - _LEAD)
            lead = max(low - 1, *(code.rfind(c, low, t.start()) for c in ";{}"))
            start, end = t.end(), pairs.get(t.end() - 1, len(code) + 1) - 1
            methods: dict[str, tuple[str, int, int]] = {}
            declared: list[str] = []  # the statements between the methods: the fields
            pos = start
            while pos < end:
                while pos < end and code[pos].isspace():
                    pos += 1
                m = _J_MEMBER.match(code, pos, end)
                if m is not None and m.group(2) not in _J_KEYWORDS:
                    stop = pairs.get(m.end() - 1, len(code)) if m.group(4) == "{" else m.end()
                    if m.group(2) not in methods:
                        methods[m.group(2)] = (m.group(1), m.end() if m.group(4) == "{" else -1, stop - 1)
                    pos = stop
                    continue
                brace = block_after(code, pos)  # not a method: on to the next member, past its block or its ``;``
                semi = code.find(";", pos, end)
                if brace is not None and brace < end:  # (no ``;`` outside brackets and strings before it)
                    pos = pairs.get(brace, len(code))
                elif semi >= 0:
                    declared.append(code[pos:semi + 1])
                    pos = semi + 1
                else:
                    break
            fields = {f.group(2): f.group(1) for f in _J_FIELD.finditer("".join(declared))}
            out.setdefault(t.group(2), _JClass(path, code, code[lead + 1:t.start()], t.group(1), t.group(3), fields,
                                               methods))
    return out


def java_handlers(files: Sequence[tuple[str, str]]) -> list[Handler]:
    """The ``@*Mapping`` methods of a service's Spring controllers (comments blanked) with the writes they make: a
    Feign client's POST, PUT, PATCH or DELETE method, a repository's save, insert, update or delete, followed
    through the fields of the controller and of the classes it calls (an interface to its one implementation)."""
    classes = _java_classes(files)
    out: list[Handler] = []
    for name, c in sorted(classes.items(), key=lambda kv: (kv[1].path, kv[0])):
        if not _J_CONTROLLER.search(c.annotations):
            continue
        for method, (marks, body, _end) in c.methods.items():
            if body < 0 or not _J_HANDLER.search(marks):
                continue
            writes = tuple(_java_writes(classes, name, method, 0, False, frozenset({(name, method)}), (), ""))
            line = c.code.count("\n", 0, body) + 1
            decides = None if any(w.remote is None for w in writes) else \
                _reach_match(classes, name, method, 0, frozenset({(name, method)}), _remote_decision)
            out.append(Handler(method, Location(c.path, line, 1), f"the handler {name}.{method} ({c.path}:{line})",
                               writes, decides))
    return out


_J_SCRIPT_RUN = re.compile(r"\bScriptUtils\s*\.\s*executeSqlScript\b|\bnew\s+ResourceDatabasePopulator\b|"
                           r"\bDatabasePopulatorUtils\s*\.\s*execute\b|\bflyway\s*\.\s*(?:clean|migrate)\s*\(|"
                           r"\.\s*runScript\s*\(")
"""A run of SQL scripts over a database (Spring's ``ScriptUtils`` and ``ResourceDatabasePopulator``, Flyway's
``clean``/``migrate``, MyBatis' ``ScriptRunner.runScript``): schema or bulk data maintenance, an operator's job."""
_J_LOCAL = re.compile(r"(?<![\w.])(?:final\s+)?(?:([A-Z]\w*)(?:<[^<>;]*>)?|var)\s+(\w+)\s*=\s*new\s+([A-Z]\w*)")


def java_script_runs(files: Sequence[tuple[str, str]]) -> list[tuple[str, int, str]]:
    """The Spring controller handlers (comments blanked) that run SQL scripts over a database, in their own body or
    in the methods they call through the controller's fields, their own locals (``new SqlRunner()``) and their
    class's methods (an interface to its one implementation), at most ``_MAX_DEPTH`` calls deep: each as its file,
    the offset where its body opens, and the run with where it is (``ScriptUtils.executeSqlScript at
    SqlRunner.java:31``)."""
    return java_handlers_reaching(files, _J_SCRIPT_RUN)


_J_PRINCIPAL = re.compile(r"\bSecurityContext\w*|@AuthenticationPrincipal\b|\bAuthentication\w*|\bPrincipal\b|"
                          r"@(?:Pre|Post)Authorize\b|@Secured\b|@RolesAllowed\b|"
                          r"\bJwt\w*|@RegisteredOAuth2AuthorizedClient\b|\b(?:get|extract)(?:Current)?User(?:Id|Name)?"
                          r"\s*\(|\bcurrentUser\w*")
"""Code that reads who the caller is (Spring Security's context, an injected principal or token, a helper named for
the current user): a handler that does needs a caller, whatever the security configuration lets through."""


def java_principal_reads(files: Sequence[tuple[str, str]]) -> list[tuple[str, int, str]]:
    """The Spring controller handlers that read who the caller is, or carry method security (``_J_PRINCIPAL``: in
    their signature and annotations, their controller's annotations, their body or what they call, as
    ``java_script_runs`` follows it), each as its file, the offset where its body opens and where the read is."""
    classes = _java_classes(files)
    found = java_handlers_reaching(files, _J_PRINCIPAL, classes)
    seen = {(p, b) for p, b, _w in found}
    for _name, c in sorted(classes.items(), key=lambda kv: (kv[1].path, kv[0])):  # the signature: a principal param
        ends = sorted(e for _m, b, e in c.methods.values() if b >= 0)
        for marks, body, _end in c.methods.values():
            if body >= 0 and _J_HANDLER.search(marks) and (c.path, body) not in seen:
                before = max((e for e in ends if e < body), default=max(body - 2000, 0))
                decl = c.code[before + 1:body]  # its annotations and parameters, after the previous method
                if (m := _J_PRINCIPAL.search(decl) or _J_PRINCIPAL.search(c.annotations)) is not None:
                    found.append((c.path, body, f"{m.group(0)} in its signature"))
    return found


def java_handlers_reaching(files: Sequence[tuple[str, str]], pattern: re.Pattern[str],
                           classes: Mapping[str, _JClass] | None = None) -> list[tuple[str, int, str]]:
    """The Spring controller handlers (comments blanked) whose body, or a method they call (through the controller's
    fields, their own locals and their class's methods, an interface to its one implementation, at most
    ``_MAX_DEPTH`` calls deep), matches ``pattern``: each as its file, the offset where its body opens, and the match
    with where it is."""
    classes = classes if classes is not None else _java_classes(files)
    out: list[tuple[str, int, str]] = []
    for name, c in sorted(classes.items(), key=lambda kv: (kv[1].path, kv[0])):
        if not _J_CONTROLLER.search(c.annotations):
            continue
        for method, (marks, body, _end) in c.methods.items():
            if body >= 0 and _J_HANDLER.search(marks):
                found = _reach_match(classes, name, method, 0, frozenset({(name, method)}), pattern)
                if found is not None:
                    out.append((c.path, body, found))
    return out


Finder = Callable[["Mapping[str, _JClass]", "_JClass", int, int], "tuple[int, str] | None"]
"""(classes, a class, where a method's body starts and ends in its code) -> where in the code what is looked for is
found and what it is, or None."""


def _reach_match(classes: Mapping[str, _JClass], kind: str, method: str, depth: int,
                 seen: frozenset[tuple[str, str]], pattern: re.Pattern[str] | Finder) -> str | None:
    c = classes[kind]
    _ann, start, end = c.methods[method]
    body = c.code[start:end]
    if not isinstance(pattern, re.Pattern):
        hit = pattern(classes, c, start, end)
        if hit is not None:
            return f"{hit[1]} at {c.path.rsplit('/', 1)[-1]}:{c.code.count(chr(10), 0, hit[0]) + 1}"
    elif (run := pattern.search(body)) is not None:
        line = c.code.count("\n", 0, start + run.start()) + 1
        return f"{' '.join(run.group(0).split()).lstrip('.').strip(' (')} at {c.path.rsplit('/', 1)[-1]}:{line}"
    if depth >= _MAX_DEPTH:
        return None
    types = {**c.fields, **{m.group(2): m.group(1) or m.group(3) for m in _J_LOCAL.finditer(body)}}
    calls = [(types[m.group(1)], m.group(2)) for m in re.finditer(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\.\s*(\w+)\s*\(",
                                                                   body) if m.group(1) in types]
    calls += [(kind, m.group(1)) for m in re.finditer(r"(?<![\w.])(\w+)\s*\(", body)
              if m.group(1) in c.methods and m.group(1) not in _J_KEYWORDS]
    for target, name in calls:
        impl = _implementation(classes, target)
        if impl is None or (impl, name) in seen or classes[impl].methods.get(name, ("", -1, -1))[1] < 0:
            continue
        found = _reach_match(classes, impl, name, depth + 1, seen | {(impl, name)}, pattern)
        if found is not None:
            return found
    return None


def _implementation(classes: Mapping[str, _JClass], kind: str) -> str | None:
    c = classes.get(kind)
    if c is None:
        return None
    if c.kind == "class":
        return kind
    found = _implementations(classes, kind)
    return found[0] if len(found) == 1 else None


def _implementations(classes: Mapping[str, _JClass], kind: str) -> list[str]:
    """The classes implementing the interface ``kind``, by name."""
    if kind not in classes or classes[kind].kind != "interface":
        return []
    return sorted(n for n, x in classes.items() if x.kind == "class" and re.search(rf"\bimplements\b[^{{]*\b{kind}\b",
                                                                                   x.header))


def _java_writes(classes: Mapping[str, _JClass], kind: str, method: str, depth: int, handled: bool,
                 seen: frozenset[tuple[str, str]], outer: Branch, site: str, at: int = -1) -> Iterator[Write]:
    c = classes[kind]
    _ann, start, end = c.methods[method]
    body = c.code[start:end]
    guarded = [(g.end(), g.end() + len(inside(body, g.end() - 1)))
               for g in re.finditer(r"\bcatch\s*\((?:[^()]|\([^()]*\))*\)\s*\{|\bfinally\s*\{", body)]
    events: list[tuple[int, str, str, int]] = []
    for m in re.finditer(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\.\s*(\w+)\s*\(", body):
        if m.group(1) in c.fields:
            events.append((m.start(), c.fields[m.group(1)], m.group(2), m.end() - 1))
    for m in re.finditer(r"(?<![\w.])(\w+)\s*\(", body):
        if m.group(1) in c.methods and m.group(1) not in _J_KEYWORDS:
            events.append((m.start(), kind, m.group(1), m.end() - 1))
    chains = _chains(body)
    for pos, target_kind, name, paren in sorted(events):
        in_h = handled or any(a <= pos < b for a, b in guarded)
        branch = _branch(chains, pos, f"{site}{kind}.{method}:", outer)
        where = pos if depth == 0 else at
        line = c.code.count("\n", 0, start + pos) + 1
        how = f"{target_kind}.{name} at {c.path}:{line}"
        target = classes.get(target_kind)
        if _J_BROKER.fullmatch(target_kind) and name in _J_BROKER_SENDS:
            yield Write(Location(c.path, line, 1), how, handled=in_h, site=where, branch=branch, publish=True)
        elif target_kind == "ApplicationEventPublisher" and name == "publishEvent":
            for lk, lm in _java_listeners(classes, body, paren, seen):
                yield from _java_writes(classes, lk, lm, depth, in_h, seen | {(lk, lm)}, branch,  # the framework's hop
                                        f"{site}{kind}.{method}:{pos}/", where)
        elif target_kind in _J_REST or (target_kind in _J_FLUENT and name in (*_J_FLUENT_WRITES, "post")):
            at_line = Location(c.path, line, 1)
            yield from _http_writes(c.code, body, pos, paren, target_kind, name, replace(
                Write(at_line, how), handled=in_h, site=where, branch=branch))
        elif target is not None and target.kind == "interface" and "@FeignClient" in target.annotations:
            feign = re.search(r"\b(?:name|value)\s*=\s*\"([^\"$]+)\"", target.annotations)
            marks = target.methods.get(name, ("", -1, -1))[0]
            if feign is not None and _J_HTTP_WRITE.search(marks):
                yield Write(Location(c.path, line, 1), how, feign.group(1), in_h, site=where, branch=branch)
        elif _J_STORE.search(target_kind) or (target is not None and re.search(r"\bextends\s+\w*Repository\b",
                                                                                target.header)):
            if _J_STORE_WRITE.match(name):
                yield Write(Location(c.path, line, 1), how, handled=in_h, own=True, site=where, branch=branch)
                for hook in _after_save(c):  # the callbacks the framework runs once the write is made
                    if (kind, hook) not in seen:  # the framework's hop: not one more call deep
                        yield from _publishes(classes, kind, hook, depth, in_h, seen | {(kind, hook)}, branch,
                                              f"{site}{kind}.{method}:{pos}/", where)
        elif depth < _MAX_DEPTH:
            impl = _implementation(classes, target_kind)
            if impl is not None and (impl, name) not in seen and classes[impl].methods.get(name, ("", -1, -1))[1] >= 0:
                yield from _java_writes(classes, impl, name, depth + 1, in_h, seen | {(impl, name)}, branch,
                                        f"{site}{kind}.{method}:{pos}/", where)
            elif impl is None:  # an interface the deployment picks one implementation of: what any of them sends
                for other in _implementations(classes, target_kind):
                    if (other, name) not in seen and classes[other].methods.get(name, ("", -1, -1))[1] >= 0:
                        yield from _publishes(classes, other, name, depth + 1, in_h, seen | {(other, name)}, branch,
                                              f"{site}{kind}.{method}:{pos}/", where)


def _http_writes(code: str, body: str, pos: int, paren: int, client: str, name: str, base: Write) -> Iterator[Write]:
    """The write a Spring HTTP client's call (``RestTemplate``, or ``RestClient`` / ``WebClient`` fluent) at ``pos`` in
    a method's ``body`` (its ``(`` at ``paren``) makes, if it is one: ``base`` with its target."""
    if client in _J_REST:
        args = split_args(inside(body, paren))
        if args and (name in _J_REST_WRITES or (name == "exchange" and any(
                re.search(r"HttpMethod\.(?:PUT|DELETE|PATCH)\b", a) for a in args))):
            host = re.match(r"\"https?://([\w.-]+)", args[0])
            first = re.match(r"(?:this\s*\.\s*)?(\w+)", args[0])
            var = _value_fields(code).get(first.group(1)) if first and not host else None
            if host or var:
                yield replace(base, stub=host.group(1) if host else None, var=var)
        elif args and (remote := _rest_remote(name, args)) is not None:
            yield replace(base, stub=remote[0], remote=remote[1:])
        return
    named = sorted(code_breakers.addressed(body))
    if len(named) != 1:
        return  # the service it sends to is not named once in the method
    if name in _J_FLUENT_WRITES:
        yield replace(base, stub=named[0])
        return
    path = re.search(r"\.\s*(?:path|uri)\s*\(\s*\"(/[^\"]*)\"\s*(\+)?", body[pos:])
    if path is not None:
        yield replace(base, stub=named[0], remote=("POST", path.group(1), path.group(2) is not None))


def _publishes(classes: Mapping[str, _JClass], kind: str, method: str, depth: int, handled: bool,
               seen: frozenset[tuple[str, str]], outer: Branch, site: str, at: int) -> Iterator[Write]:
    """The messages a method sends to a broker (``_java_writes``' ``publish`` writes), in it and in what it calls."""
    return (w for w in _java_writes(classes, kind, method, depth, handled, seen, outer, site, at) if w.publish)


def _after_save(c: _JClass) -> list[str]:
    """A class's methods the framework calls after it writes an entity: a Spring Data event listener's
    ``onAfterSave`` (``extends AbstractRelationalEventListener<Order>``), JPA's ``@PostPersist`` / ``@PostUpdate``."""
    listener = re.search(r"\bextends\s+Abstract\w*EventListener\b", c.header) is not None
    return [m for m, (marks, start, _end) in c.methods.items()
            if start >= 0 and ((listener and m == "onAfterSave") or _J_AFTER_SAVE.search(marks))]


def _java_listeners(classes: Mapping[str, _JClass], body: str, paren: int,
                    seen: frozenset[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``@EventListener`` / ``@TransactionalEventListener`` methods an ``ApplicationEventPublisher.publishEvent``
    call (its ``(`` at ``paren`` in ``body``) reaches: those taking the type of the event it passes (``new X(...)``, or
    a variable declared before the call as one)."""
    args = split_args(inside(body, paren))
    if len(args) != 1:
        return []
    arg = args[0].strip()
    made = re.match(r"new\s+(\w+)", arg)
    declared = re.search(rf"\b([A-Z]\w*)(?:<[^;=(){{}}]*>)?\s+{re.escape(arg)}\s*[=;]", body[:paren]) \
        if made is None and re.fullmatch(r"\w+", arg) else None
    event = made.group(1) if made else declared.group(1) if declared else None
    if event is None:
        return []
    takes = re.compile(rf"\(\s*(?:final\s+)?{event}\s+\w+\s*\)\s*(?:throws[^{{]*)?\{{$")
    return [(kind, m) for kind, lc in sorted(classes.items()) for m, (marks, start, _end) in lc.methods.items()
            if start >= 0 and (kind, m) not in seen and _J_LISTENER.search(marks)
            and takes.search(lc.code, max(0, start - 300), start)]


def _rest_remote(name: str, args: Sequence[str]) -> tuple[str, str, str, bool] | None:
    """A ``RestTemplate`` call to a literal ``http(s)://host[:port]/path`` URL whose method does not say whether it
    writes (a POST, a GET): its host, method, path and whether the code appends to the literal (``"..." + id``)."""
    method = _J_REST_METHODS.get(name)
    if name == "exchange" and len(args) > 1:
        m = re.fullmatch(r"\s*HttpMethod\s*\.\s*(POST|GET)\s*", args[1])
        method = m.group(1) if m else None
    url = re.match(r"\s*\"https?://([\w.-]+)(?::\d+)?(/[^\"]*)?\"\s*(\+)?", args[0])
    if method is None or url is None:
        return None
    return url.group(1), method, url.group(2) or "/", url.group(3) is not None


# ---- Check-then-act (Java Spring) ------------------------------------------------------------------

GUARDS = re.compile(r"@Version\b|@Lock\b|LockModeType|(?i:for\s+update)|\bsynchronized\b|compareAndSet|"
                    r"(?:Reentrant|ReadWrite|Stamped|Distributed|Redis|R)Lock\b|\.lock\s*\(|tryLock|"
                    r"Isolation\.SERIALIZABLE|setIfAbsent|putIfAbsent|\bWATCH\b|\.watch\s*\(|SETNX|\bLock\s*\(|"
                    r"(?i:optimistic|pessimistic|advisory|for_update|version_id_col|find_?one_?and_?update)|"
                    r"ConditionExpression|CompareAndSwap|WithTransaction|StartTransaction|LevelSerializable|"
                    r"IsolationLevel\.Serializable|(?i:isolation\s+level\s+serializable)")
"""What in a service's code may keep a value from changing between a check and a write (then nothing is said). A
relational transaction at its default isolation (``db.Begin()``, ``BeginTx`` without ``LevelSerializable``: read
committed in Postgres, SQL Server, Oracle) is none: two of them both read the old value and both write; MongoDB's
(``WithTransaction``) conflicts on a document both write, and is taken as one."""
_J_VALUE = re.compile(r"@Value\s*\(\s*\"[^\"]*?\$\{(\w+)[^\"]*\"\s*\)\s*(?:final\s+)?[\w<>]+\s+(\w+)")
_IF = re.compile(r"\bif\s*\(")
_J_ASSIGN = re.compile(r"\b(\w+)\s*=\s*(?:this\s*\.\s*)?(?:(\w+)\s*\.\s*\w+|(\w+))\s*\(")
_J_GET = re.compile(r"(\w+)\s*\.\s*(?:getForObject|getForEntity|exchange)\s*\(")


@dataclass(frozen=True)
class Check:
    """A handler that reads a value from another service, compares it, then writes: where, and what."""

    at: Location
    handler: str
    read: str
    """``restTemplate.exchange at LedgerWriterController.java:215``."""
    var: str | None
    """The environment variable that gives the read's host (``BALANCES_API_ADDR``), when the URL is built from it."""
    stub: str | None
    """The Feign client's name the read goes through, when it does."""
    decided: str
    """The comparison and its line."""
    write: str
    call: Location | None = None
    """The read call itself, when its target is the one ``code_calls`` resolved for it (Python)."""
    engine: str | None = None
    """The family of the store the value is read from (``memcached``, ``mongodb``, ``redis``, ``sql``: Go)."""


@functools.lru_cache(maxsize=64)
def _value_fields(code: str) -> dict[str, str]:
    """Fields (or constructor parameters stored in fields) bound to ``@Value("...${VAR}...")``: field -> VAR."""
    stored: dict[str, list[str]] = {}
    for a in re.finditer(r"\bthis\s*\.\s*(\w+)\s*=\s*(\w+)\s*;", code):
        stored.setdefault(a.group(2), []).append(a.group(1))
    out: dict[str, str] = {}
    for m in _J_VALUE.finditer(code):
        out[m.group(2)] = m.group(1)
        for name in stored.get(m.group(2), []):
            out[name] = m.group(1)
    return out


def _remote_read(classes: Mapping[str, _JClass], c: _JClass, start: int, end: int,
                 values: Mapping[str, str]) -> tuple[str, str | None, str | None] | None:
    """The remote read the class's code makes between ``start`` and ``end`` (a method's body, or a statement): what,
    the variable its URL is built from, the Feign client it goes through."""
    body = c.code[start:end]
    for g in _J_GET.finditer(body):
        args = split_args(inside(body, g.end() - 1))
        if not args or ("exchange" in g.group(0) and not any("HttpMethod.GET" in a for a in args)):
            continue
        first = re.match(r"(?:this\s*\.\s*)?(\w+)", args[0])
        name = first.group(1) if first else ""
        local = re.search(rf"\b{re.escape(name)}\s*=\s*(?:this\s*\.\s*)?(\w+)", body[:g.start()])
        var = values.get(name) or (values.get(local.group(1)) if local else None)
        if var:
            line = c.code.count("\n", 0, start + g.start()) + 1
            return f"{' '.join(g.group(0).rstrip('(').split())} at {c.path}:{line}", var, None
    for m in re.finditer(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\.\s*(\w+)\s*\(", body):
        target = classes.get(c.fields.get(m.group(1), ""))
        if target is not None and "@FeignClient" in target.annotations:
            marks = target.methods.get(m.group(2), ("", -1, -1))[0]
            feign = re.search(r"\b(?:name|value)\s*=\s*\"([^\"$]+)\"", target.annotations)
            if feign and re.search(r"@GetMapping\b|RequestMethod\.GET\b", marks):
                line = c.code.count("\n", 0, start + m.start()) + 1
                return f"{c.fields[m.group(1)]}.{m.group(2)} at {c.path}:{line}", None, feign.group(1)
    return None


def _decided(body: str, after_test: int, go: bool) -> tuple[int, int]:
    """Where the writes an ``if`` decides lie in a brace language's body, given where its test ends: after its block
    when the block ends the request (``return``, ``throw``, ``panic``: the writes that follow are made only when the
    check passed), else inside its block (made only when it holds)."""
    brace = block_after(body, after_test, go, semicolon_ends=not go)
    if brace is None:  # one statement, no braces
        end = body.find(";", after_test)
        start, end = after_test, (len(body) if end < 0 else end + 1)
    else:
        start, end = brace, close_bracket(body, brace, go)
    if re.search(r"\b(?:return|throw)\b|\bpanic\s*\(|\blog\.(?:Panic|Fatal)", body[start:end]):
        return end, len(body)
    return start, end


_J_REMOTE_CALL = re.compile(r"\b(\w+)\s*=\s*(?:this\s*\.\s*)?(\w+)\s*\.\s*(\w+)\s*\(")
_J_REST_READS = frozenset({"exchange", "getForObject", "getForEntity", "postForObject", "postForEntity"})
_J_FOR_EACH = re.compile(r"\bfor\s*\(\s*(?:final\s+)?[\w.<>\[\], ]+?\s+(\w+)\s*:([^;{}]*)\)\s*\{")
_J_ORDERED = re.compile(r"(?<![-<>])(?:<=?|>=?)(?![<>])")


def _remote_decision(classes: Mapping[str, _JClass], c: _JClass, start: int, end: int) -> tuple[int, str] | None:
    """In one method's body: the first ``if`` that compares with ``<``, ``>``, ``<=`` or ``>=`` (no status code) a
    value derived from a reply of another service (a ``RestTemplate`` call, a Feign client's method, assigned to a
    local), through the locals assigned from it and the loops over it: where, and what, with the read it rests on."""
    body = c.code[start:end]
    reads: dict[str, int] = {}
    for r in _J_REMOTE_CALL.finditer(body):
        kind = c.fields.get(r.group(2), "")
        feign = classes.get(kind)
        if (kind in _J_REST and r.group(3) in _J_REST_READS) or (feign is not None and
                                                                "@FeignClient" in feign.annotations):
            reads.setdefault(r.group(1), r.start())
    if not reads:
        return None
    tainted = dict(reads)
    steps = sorted([(a.start(), a.group(2), a.group(3)) for a in _J_ASSIGNED.finditer(body)] +
                   [(f.start(), f.group(1), f.group(2)) for f in _J_FOR_EACH.finditer(body)])
    for at, name, rhs in steps:
        source = next((tainted[n] for n in tainted if re.search(rf"(?<![\w.]){re.escape(n)}\b", rhs)), None)
        if source is not None and at > source and name not in tainted:
            tainted[name] = source
    first = min(reads.values())
    for i in _IF.finditer(body, first):
        cond = inside(body, i.end() - 1)
        names = [n for n in tainted if tainted[n] < i.start() and re.search(rf"(?<![\w.]){re.escape(n)}\b", cond)]
        if names and _J_ORDERED.search(cond.replace("->", "")) and "status" not in cond.lower():
            read = tainted[names[0]]
            call = _J_REMOTE_CALL.match(body, read)
            what = f"{call.group(2)}.{call.group(3)}" if call else "a call"
            line = c.code.count("\n", 0, start + read) + 1
            return start + i.start(), f"on the reply of {what} (line {line}), if ({' '.join(cond.split())})"
    return None


def java_checks(files: Sequence[tuple[str, str]]) -> list[Check]:
    """The Spring handlers (comments blanked) that assign a value read from another service (in the handler or a
    method of its class it calls), compare it with ``<``, ``>``, ``<=`` or ``>=`` in an ``if``, and write after
    that comparison (``_java_writes``): a decision on a read that another request may change meanwhile. Equality
    tests (exists, a status) are not read as such a decision."""
    classes = _java_classes(files)
    out: list[Check] = []
    for name, c in sorted(classes.items(), key=lambda kv: (kv[1].path, kv[0])):
        if not _J_CONTROLLER.search(c.annotations):
            continue
        values = _value_fields(c.code)
        for method, (marks, start, end) in c.methods.items():
            if start < 0 or not _J_HANDLER.search(marks):
                continue
            body = c.code[start:end]
            for a in _J_ASSIGN.finditer(body):
                if a.group(2) is not None:  # a call on a field (a Feign client, a RestTemplate): the statement
                    read = _remote_read(classes, c, start + a.start(), start + (body.find(";", a.end()) % len(body)),
                                        values)
                elif a.group(3) in c.methods and a.group(3) != method and c.methods[a.group(3)][1] >= 0:
                    read = _remote_read(classes, c, c.methods[a.group(3)][1], c.methods[a.group(3)][2], values)
                else:
                    continue
                if read is None:
                    continue
                v = re.escape(a.group(1))
                test = re.compile(rf"\b{v}\b(?:\s*\.\s*\w+\s*\(\s*\))?\s*(?:<=?|>=?)[^<>=]|"
                                  rf"[^<>=-](?:<=?|>=?)\s*\b{v}\b")
                cond = next((i for i in _IF.finditer(body, a.end())  # a status code compared is no decision
                             if any("status" not in t.group(0).lower()
                                    for t in test.finditer(inside(body, i.end() - 1)))), None)
                if cond is None:
                    continue
                cond_line = c.code.count("\n", 0, start + cond.start()) + 1
                region = _decided(body, close_bracket(body, cond.end() - 1), False)
                later = [w for w in _java_writes(classes, name, method, 0, False, frozenset({(name, method)}), (), "")
                         if region[0] <= w.site < region[1]]
                if later:
                    said = " ".join(inside(body, cond.end() - 1).split())
                    out.append(Check(Location(c.path, cond_line, 1), method, read[0], read[1], read[2],
                                     f"if ({said}) at {c.path}:{cond_line}", later[0].how))
                    break
    return out


# ---- Check-then-act (Go gRPC, on a store) ---------------------------------------------------------

_GO_CLIENTS = (("memcached", re.compile(r"\*?memcache\.Client\b")),
               ("mongodb", re.compile(r"\*?mongo\.(?:Client|Database|Collection)\b")),
               ("redis", re.compile(r"\*?redis\.(?:Client|ClusterClient|Ring|UniversalClient)\b")),
               ("sql", re.compile(r"\*?(?:sql|sqlx)\.(?:DB|Tx)\b|\*?pgxpool\.Pool\b")))
"""Go store clients by the type of the field that holds them, and the family of engines each is for."""
_ENGINES = {"memcached": frozenset({"memcached"}), "mongodb": frozenset({"mongodb", "mongo"}),
            "redis": frozenset({"redis", "valkey", "keydb"}),
            "sql": frozenset({"postgres", "postgresql", "mysql", "mariadb", "cockroachdb", "sqlserver", "mssql"})}
_ENGINES["database"] = _ENGINES["sql"] | _ENGINES["mongodb"]
"""A repository's store: the service's database, relational or document (not its cache or search index)."""
_GO_STORE_READ = re.compile(r"\.\s*(?:Get|GetMulti|Find|FindOne|QueryRow|QueryRowContext|Query|QueryContext|HGet|"
                            r"HGetAll|MGet)\s*\(")
_GO_STORE_WRITE = re.compile(r"\.\s*(?:Set|Add|Replace|Increment|Decrement|InsertOne|InsertMany|UpdateOne|UpdateMany|"
                             r"ReplaceOne|DeleteOne|DeleteMany|Exec|ExecContext|HSet|Incr|IncrBy|Decr|DecrBy|Del)\s*\(")
_LONGEST_LINE = 2000
_MAX_HANDLES = 256
"""Store handles followed in one handler, at most (real handlers make a few; a bound keeps hostile code linear)."""
_CHAIN = r"(?:\.\s*\w+\s*\([^()]*\)\s*)*"
"""Calls chained on a handle before the read: ``s.Mongo.Database("x").Collection("y")``."""
_GO_ASSIGN = re.compile(r"^\s*(?:for\s+)?([\w\s,\[\].\"]+?)\s*(?::=|=|\+=|-=)(?!=)\s*(.+)$")
_GO_ORDER = re.compile(r"(?<![<-])(?:<=?|>=?)(?![-=>]?>)")


def _go_fields(code: str) -> dict[str, str]:
    """The fields of the file's structs that hold a store client: field -> family."""
    out: dict[str, str] = {}
    for m in re.finditer(r"\btype\s+\w+\s+struct\s*\{", code):
        for line in inside(code, m.end() - 1, True).splitlines():
            f = re.match(r"\s*(\w+)\s+(\S+)", line)
            if f:
                family = next((fam for fam, typ in _GO_CLIENTS if typ.fullmatch(f.group(2))), None)
                if family:
                    out[f.group(1)] = family
    return out


def _words(text: str) -> set[str]:
    """The names a line of code uses, not those after a dot (``s.MemcClient.Get(k)`` -> ``s``, ``k``)."""
    return set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", text))


def go_checks(files: Sequence[tuple[str, str]]) -> list[Check]:
    """The gRPC server methods of a service's Go files (comments blanked) that read a value from a store (a field of
    a store client's type, or a handle made from one), compare it or what they derive from it with ``<``, ``>``,
    ``<=`` or ``>=`` in an ``if``, then write to a store: one check per family of store the compared value comes
    from."""
    fields: dict[str, str] = {}
    for path, code in files:
        if path.endswith(".go"):
            fields.update(_go_fields(code))
    out: list[Check] = []
    for h in go_handlers(files):
        path = h.at.file
        code = next(t for p, t in files if p == path)
        decl = next(m for m in _GO_METHOD.finditer(code) if code.count("\n", 0, m.start()) + 1 == h.at.line)
        start, recv = decl.end(), decl.group(1)
        body = inside(code, start - 1, True)
        handles = {f"{recv}.{f}": fam for f, fam in fields.items()}
        tainted: dict[str, set[str]] = {}
        offset = 0
        decision = None
        for line in body.splitlines(keepends=True):
            here, offset = offset, offset + len(line)
            if len(line) > _LONGEST_LINE:
                continue  # generated or minified code: not read line by line
            cond = re.match(r"\s*(?:\}\s*else\s+)?if\b(.*)\{\s*$", line)
            if cond:
                said = cond.group(1)
                names = sorted(_words(said) & tainted.keys())
                if names and _GO_ORDER.search(said) and "<-" not in said:
                    decision = (here, said.strip().rstrip("{").strip(), sorted({e for n in names for e in tainted[n]}))
                    break
            words = _words(line)
            reads = {fam for expr, fam in handles.items() if expr.split(".")[0] in words and
                     re.search(rf"(?<![\w.]){re.escape(expr)}\s*{_CHAIN}{_GO_STORE_READ.pattern}", line)}
            flow = {e for n in words & tainted.keys() for e in tainted[n]}
            a = _GO_ASSIGN.match(line)
            if a is not None and not re.match(r"\s*(?:if|return|case)\b", line):
                rhs = a.group(2)
                lhs = [re.match(r"\w+", x.strip()).group(0) for x in a.group(1).split(",")  # type: ignore[union-attr]
                       if re.match(r"\w+", x.strip())]
                if not reads and not _GO_STORE_READ.search(rhs):
                    fam = next((f for expr, f in handles.items() if expr.split(".")[0] in words and
                                re.search(rf"(?<![\w.]){re.escape(expr)}\b", rhs)), None)
                    if fam and len(lhs) == 1 and len(handles) < _MAX_HANDLES:
                        handles[lhs[0]] = fam  # a handle made from a client: database := s.Mongo.Database("x")
                        continue
                for name in lhs if reads or flow else []:
                    if name not in ("_", "err", "ok"):
                        tainted.setdefault(name, set()).update(reads | flow)
            if reads or flow:  # an out-parameter filled from a read: .Decode(&num), cursor.All(ctx, &rows)
                for name in re.findall(r"&(\w+)", line):
                    tainted.setdefault(name, set()).update(reads | flow)
        if decision is None:
            continue
        here, said, families = decision
        low, high = _decided(body, here + body[here:].index("if") + 2, True)
        write = next((m for m in _GO_STORE_WRITE.finditer(body, low, high)
                      if any(re.search(rf"(?<![\w.]){re.escape(expr)}\s*{_CHAIN}$", body[low:m.start()])
                             for expr in handles)), None)
        if write is None:
            continue
        cline = code.count("\n", 0, start + here) + 1
        wline = code.count("\n", 0, start + write.start()) + 1
        for family in families:
            out.append(Check(Location(path, cline, 1), h.name, f"{family} (in {h.what})", None, None,
                             f"if {said} at {path}:{cline}", f"{write.group(0).strip('.( ')}() at {path}:{wline}",
                             engine=family))
    return out


# ---- Check-then-act (a read-modify-write through a repository: Java, Go) ----------------------------

_J_REPOSITORY = re.compile(r"(?:Repository|Repo|Dao|DAO)$")
"""A Java field's type that is a repository (``ProductRepository``): what it reads and writes is the service's store."""
_J_REPO_READ = re.compile(r"\b(\w+)\s*=\s*(?:this\s*\.\s*)?(\w+)\s*\.\s*((?:find|get|load|read|fetch)\w*)\s*\(")
_J_REPO_WRITE = re.compile(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\.\s*(save|saveAll|saveAndFlush|saveAllAndFlush|"
                           r"update\w*|merge|persist)\s*\(")
_J_NUMBER = frozenset({"int", "long", "short", "double", "float", "Integer", "Long", "Short", "Double", "Float",
                       "BigDecimal", "BigInteger"})
_J_ASSIGNED = re.compile(r"(?:\b([\w.]+)(?:<[^;=(){}]*>)?\s+)?\b(\w+)\s*=(?!=)\s*([^;{}]*);")
_ARITHMETIC = re.compile(r"[\w)\]]\s*[-+*/%]\s*[\w(]|\bMath\s*\.\s*(?:max|min|abs)\s*\(|"
                         r"\.\s*(?:add|subtract|plus|minus|multiply|negate)\s*\(")
"""Arithmetic in an expression: ``stock - amount``, ``Math.max(0, n)``, ``balance.subtract(x)``."""


def _mentions(text: str, names: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(n)}\b", text) for n in names)


def _numeric(declared: str | None, expr: str) -> bool:
    """Whether an expression computes a number: declared as one, or arithmetic on no string."""
    return (declared or "").rsplit(".", 1)[-1] in _J_NUMBER or \
        (_ARITHMETIC.search(expr) is not None and '"' not in expr)


def java_rmw_checks(files: Sequence[tuple[str, str]]) -> list[Check]:
    """The methods of a service's Java classes (comments blanked; tests aside) that read entities through a repository
    field (``findAllByIdIn``, ``findById``), set a field of one (or of an element they loop over) to a number computed
    from what was read (``product.setStockQuantity(amount)`` with ``amount`` derived from ``product``), then save them
    through the same repository: a read-modify-write another request may interleave with (both read 1, both write 0:
    an oversold stock, a lost update). One check per method, at the set."""
    out: list[Check] = []
    for _name, c in sorted(_java_classes(files).items(), key=lambda kv: (kv[1].path, kv[0])):
        if re.search(r"(?:^|/)src/test/|Tests?\.java$", c.path):
            continue
        repos = {f for f, t in c.fields.items() if _J_REPOSITORY.search(t)}
        if not repos:
            continue
        for method, (_marks, start, end) in sorted(c.methods.items(), key=lambda kv: kv[1][1]):
            if start < 0:
                continue
            body = c.code[start:end]
            found = _java_rmw(body, repos)
            if found is None:
                continue
            read, setter, write = found
            lines = [c.code.count("\n", 0, start + at) + 1 for at in (read[0], setter[0], write[0])]
            out.append(Check(Location(c.path, lines[1], 1), method, f"{read[1]} at {c.path}:{lines[0]}", None, None,
                             f"the new value in memory ({setter[1]} at {c.path}:{lines[1]})",
                             f"{write[1]}() at {c.path}:{lines[2]}", engine="database"))
    return out


def _java_rmw(body: str, repos: set[str]) -> tuple[tuple[int, str], tuple[int, str], tuple[int, str]] | None:
    """In one method's body: the repository read, the set of a number computed from it, and the save of what was read
    through the same repository after it (each where, and what), if the body makes all three in that order."""
    for r in _J_REPO_READ.finditer(body):
        var, repo = r.group(1), r.group(2)
        if repo not in repos:
            continue
        after = r.end()
        aliases = {var}
        loops = rf"for\s*\(\s*(?:final\s+)?[\w.<>\[\]]+\s+(\w+)\s*:\s*{re.escape(var)}\s*\)|" \
                rf"(?<![\w.]){re.escape(var)}\s*\.\s*(?:(?:parallelStream|stream)\s*\(\s*\)\s*\.\s*)?forEach\s*\(\s*" \
                r"\(?\s*(\w+)\s*\)?\s*->"
        aliases.update(m.group(1) or m.group(2) for m in re.finditer(loops, body[after:]))
        derived: set[str] = set()
        for a in _J_ASSIGNED.finditer(body, after):
            if a.group(2) not in aliases and _mentions(a.group(3), aliases) and _numeric(a.group(1), a.group(3)):
                derived.add(a.group(2))
        for s in re.finditer(r"(?<![\w.])(\w+)\s*\.\s*(set\w+)\s*\(", body[after:]):
            if s.group(1) not in aliases:
                continue
            at = after + s.start()
            value = inside(body, after + s.end() - 1)
            if not (_mentions(value, derived) or (_mentions(value, aliases) and _numeric(None, value))):
                continue
            for w in _J_REPO_WRITE.finditer(body, at):
                if w.group(1) == repo and _mentions(inside(body, w.end() - 1), aliases):
                    return (r.start(), f"{repo}.{r.group(3)}"), (at, f"{s.group(1)}.{s.group(2)}({value.strip()})"), \
                        (w.start(), f"{repo}.{w.group(2)}")
    return None


_GO_REPO_READ = re.compile(r"^\s*(\w+)\s*(?:,\s*\w+\s*)?:?=\s*(\w+)\s*\.\s*(\w+)\s*\.\s*"
                           r"((?:Get|Find|Load|Fetch|Read)\w*)\s*\(", re.MULTILINE)
_GO_REPO_WRITE = re.compile(r"(?<![\w.])(\w+)\s*\.\s*(\w+)\s*\.\s*((?:Update|Save|Put|Store|Upsert|Replace)\w*)\s*\(")


def _go_self_deciding(files: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The names of the pointer-receiver methods of a service's Go code that change their receiver on what it holds: an
    ``if`` on the receiver and an assignment to one of its fields (``func (o *Order) Apply(...)`` setting
    ``o.OrderStatus`` when ``len(o.LineItems)``...)."""
    out: set[str] = set()
    for path, code in files:
        if not path.endswith(".go") or path.endswith("_test.go") or _GENERATED_GO.search(path):
            continue
        for m in re.finditer(r"^func\s*\(\s*(\w+)\s+\*\s*\w+\s*\)\s*(\w+)\s*\(", code, re.MULTILINE):
            brace = block_after(code, close_bracket(code, m.end() - 1, True), True, semicolon_ends=False)
            if brace is None:
                continue
            body, recv = inside(code, brace, True), re.escape(m.group(1))
            if re.search(rf"(?<![\w.]){recv}\s*\.[\w.\[\]]*?\s*(?:[-+]?=(?!=)|\+\+|--)", body) and \
                    re.search(rf"^\s*if\b[^{{\n]*(?<![\w.]){recv}\b", body, re.MULTILINE):
                out.add(m.group(2))
    return frozenset(out)


def _go_changes(m: re.Match[str], var: str, deciding: frozenset[str]) -> bool:
    """Whether a use of a value read (``go_rmw_checks``) changes it on what it holds: a call of a method of its own
    that decides on its fields (group 1), arithmetic on a field of it from itself (group 2: what ``=`` assigns), or
    ``+=``, ``-=``, ``++``, ``--`` on a field."""
    if m.group(1) is not None:
        return m.group(1) in deciding
    said = m.group(2)
    return said is None or (re.search(r"[-+]", said) is not None and _mentions(said, [var]))


def go_rmw_checks(files: Sequence[tuple[str, str]]) -> list[Check]:
    """The methods of a service's Go code (comments blanked; tests and generated code aside) that read a value through a
    field of a repository's type (``h.orderRepo.GetByID``), change it on what it holds (a method of its own that
    decides on its fields and assigns them: ``order.Apply(...)``; or arithmetic on a field: ``acct.Balance -= n``), then
    write it back through the same field (``h.orderRepo.Update(ctx, order)``): a read-modify-write another request
    (another message's consumer) may interleave with, one of the two changes lost."""
    deciding = _go_self_deciding(files)
    out: list[Check] = []
    for path, code in files:
        if not path.endswith(".go") or path.endswith("_test.go") or _GENERATED_GO.search(path):
            continue
        repos = {f"{t.group(1)}": {f.group(1) for f in _GO_FIELD.finditer(inside(code, t.end() - 1, True))
                                   if _GO_REPOSITORY.search(f.group(2))}
                 for t in _GO_STRUCT.finditer(code)}
        for m in _GO_METHOD.finditer(code):
            fields = repos.get(m.group(2), set())
            if not fields:
                continue
            start, recv = m.end(), m.group(1)
            body = inside(code, start - 1, True)
            for r in _GO_REPO_READ.finditer(body):
                var, field_ = r.group(1), r.group(3)
                if r.group(2) != recv or field_ not in fields or var in ("_", "err"):
                    continue
                v = re.escape(var)
                change = next((c for c in re.finditer(
                    rf"(?<![\w.]){v}\s*\.\s*(\w+)\s*\(|(?<![\w.]){v}\s*\.[\w.\[\]]+?\s*(?:[-+]=|\+\+|--|=(?!=)(.*))",
                    body[r.end():]) if _go_changes(c, var, deciding)), None)
                if change is None:
                    continue
                at = r.end() + change.start()
                write = next((w for w in _GO_REPO_WRITE.finditer(body, at) if w.group(1) == recv and
                              w.group(2) == field_ and _mentions(inside(body, w.end() - 1, True), [var])), None)
                if write is None:
                    continue
                lines = [code.count("\n", 0, start + pos) + 1 for pos in (r.start(1), at, write.start())]
                said = " ".join(change.group(0).split()).rstrip("(")
                out.append(Check(Location(path, lines[1], 1), m.group(3),
                                 f"{recv}.{field_}.{r.group(4)} at {path}:{lines[0]}", None, None,
                                 f"the new value in memory ({said} at {path}:{lines[1]})",
                                 f"{recv}.{field_}.{write.group(3)}() at {path}:{lines[2]}", engine="database"))
                break
    return out


# ---- The workflows ---------------------------------------------------------------------------------


def coordinator(files: Sequence[tuple[str, str]]) -> str | None:
    """Where a service's code names something that may coordinate its writes (saga, outbox...), if it does."""
    for path, text in files:
        m = _coordination(text)
        if m is not None:
            return f"{m.group(0)!r} at {path}:{text.count(chr(10), 0, m.start()) + 1}"
    return None


@code_trees.kept()
def _coordination(text: str) -> re.Match[str] | None:
    """``COORDINATION``'s first match in one file's text, looked for once an import whatever the services reading it."""
    return COORDINATION.search(text)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def stub_target(stub: str, targets: Sequence[str]) -> str | None:
    """The one interaction target named like a generated client's service: ``PaymentService`` ->
    ``paymentservice``, ``payment-service`` or ``payment``, else ``payment-grpc``."""
    names = {_norm(stub), _norm(stub).removesuffix("service")}
    found = [t for t in targets if _norm(t) in names or _norm(t).removesuffix("service") in names]
    if not found:  # a workload named for the protocol it serves the service over: ``users-grpc``
        bare = {t: re.sub(r"[-_](?:grpc|rpc)$", "", t.lower()) for t in targets}
        found = [t for t in targets if bare[t] != t.lower() and _norm(bare[t]) in names]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Flow:
    """A workflow found in a handler: its name, the services it writes in order (each with its first write)."""

    name: str
    handler: Handler
    steps: tuple[tuple[str, str], ...]
    coordinated: str | None
    """Why its coordination is not stated (something may coordinate it), when so."""
    confirmed: tuple[str, ...] = ()
    """For its steps found through calls whose method says nothing (``Write.remote``): the route each reaches."""
    published: str | None = None
    """The message it sends to a broker besides its writes (``Write.publish``), when nothing in the service's code
    names an outbox or anything else that may make the two one (``coordinated`` None): published directly."""


Confirm = Callable[[str, str, str, bool], "str | None"]
"""(target service, method, path, open) -> what the route a call reaches there writes, or None (``Write.remote``)."""


def flows(service: str, handlers: Sequence[Handler], targets: Mapping[Location, str], stubs: Sequence[str],
          coordinated: str | None, drawn: Sequence[tuple[dict[str, Any], str]] = (),
          confirm: Confirm | None = None) -> list[Flow]:
    """The handlers of ``service`` whose writes reach two services or more. ``targets``: the service each HTTP call
    (by its location) reaches; ``stubs``: the services the caller has interactions with; ``confirm``: whether a call
    whose method says nothing (``Write.remote``) reaches a route that writes."""
    out: dict[str, Flow] = {}
    for h in handlers:
        steps: dict[str, str] = {}
        undo = None
        taken: dict[str, int] = {}  # the branches of the writes counted: one request's path through the handler
        confirmed: list[str] = []
        published: str | None = None
        for w in h.writes:
            if any(taken.get(group, i) != i for group, i in w.branch):
                continue  # an alternative to a write already counted
            if w.publish:
                taken.update(w.branch)
                published = published or w.how
                continue
            target = service if w.own else stub_target(w.stub, stubs) if w.stub else \
                code_calls.drawn_from(drawn, w.var) if w.var else targets.get(w.at)
            if target is None or (target == service and not w.own):
                continue
            if w.remote is not None:
                said = confirm(target, *w.remote) if confirm is not None else None
                if said is None:
                    continue
                if target not in steps:
                    confirmed.append(f"{w.how} is a write: {said}")
            taken.update(w.branch)
            steps.setdefault(target, f"writes its own store ({w.how})" if w.own else w.how)
            if w.handled and undo is None:
                undo = f"{w.how} is made where a failure is handled: it may undo an earlier step"
        # One service writing its store and sending a message is a workflow of two writes too (a dual write), said
        # only when nothing in its code may make the two one.
        direct = published if coordinated is None and service in steps else None
        if len(steps) < 2 and direct is None:
            continue
        name = kebab(h.name)
        out.setdefault(name, Flow(name, h, tuple(steps.items()), coordinated or undo, tuple(confirmed), direct))
    return [out[k] for k in sorted(out)]


def _is_template(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _template_matches(route: str, path: str, open_end: bool) -> bool:
    """Whether a route's path (``/orders/{id}``) takes a URL path the code wrote (``/orders/``), the code appending to
    it when ``open_end`` (``"/orders/" + id``): each literal segment equals the route's or fills its template, and what
    is appended fills only template segments (or finishes the last literal one)."""
    want = [x for x in route.strip("/").split("/") if x]
    have = [x for x in path.strip("/").split("/") if x]
    if not open_end:
        return len(want) == len(have) and all(w == h or _is_template(w) for w, h in zip(want, have, strict=True))
    partial = have.pop() if have and not path.endswith("/") else None  # ``"/orders/id" + x``
    if len(want) < len(have) or not all(w == h or _is_template(w) for w, h in zip(want, have, strict=False)):
        return False
    rest = want[len(have):]
    if partial is not None:
        if not rest or not (_is_template(rest[0]) or rest[0].startswith(partial)):
            return False
        rest = rest[1:]
    elif not rest:
        return False  # something is appended: the route must have a segment for it
    return all(_is_template(w) for w in rest)


def confirmer(routes: Mapping[str, Sequence[tuple[str, str, str | None]]], does: str = "writes") -> Confirm:
    """``flows``' ``confirm`` over each service's routes as (method, path, the write its handler makes or None): a call
    is a write when every route of its target it may reach (by method, ``ANY`` too, and path) writes. With ``does``
    another thing a route's handler does (``decides``: ``Handler.decides``), the call reaches routes that all do it."""
    def confirm(service: str, method: str, path: str, open_end: bool) -> str | None:
        found = [(m, p, w) for m, p, w in routes.get(service, ()) if m in (method, "ANY")
                 and _template_matches(p, path, open_end)]
        if not found or any(w is None for _m, _p, w in found):
            return None
        m, p, w = found[0]
        return f"reaching {service}'s {m} {p}, whose handler {does} ({w})"
    return confirm


def decided(service: str, handlers: Sequence[Handler], targets: Mapping[Location, str], stubs: Sequence[str],
            drawn: Sequence[tuple[dict[str, Any], str]], confirm: Confirm, decide: Confirm) -> list[Check]:
    """The handlers of ``service`` that call another service's route whose handler takes a decision on what it reads
    elsewhere and writes nothing (``decide``: a seat picked against the tickets sold), then write (to their own store,
    or to a third service: the order holding the seat): nothing keeps the decision true until the write, two requests
    given the same seat. One check per handler, on the call (its target found as its write's would be)."""
    out: list[Check] = []
    for h in handlers:
        pending: tuple[Write, str, str] | None = None
        taken: dict[str, int] = {}
        for w in h.writes:
            if w.publish or any(taken.get(group, i) != i for group, i in w.branch):
                continue
            target = service if w.own else stub_target(w.stub, stubs) if w.stub else \
                code_calls.drawn_from(drawn, w.var) if w.var else targets.get(w.at)
            if target is None or (target == service and not w.own):
                continue
            if pending is None:
                said = decide(target, *w.remote) if w.remote is not None else None
                if said is not None:
                    pending = (w, target, said)
                    taken.update(w.branch)
                continue
            if target == pending[1] or (w.remote is not None and confirm(target, *w.remote) is None):
                continue
            out.append(Check(pending[0].at, h.name, f"{pending[0].how} ({h.what})", pending[0].var, pending[0].stub,
                             pending[2], w.how, call=None if pending[0].stub or pending[0].var else pending[0].at))
            break
    return out


def distinct(found: Mapping[str, Sequence[Flow]]) -> dict[str, list[Flow]]:
    """The workflows of each service, those whose name another service's workflow also has (two services each with a
    ``preserve`` handler) named after their owner too (``<service>-<name>``): by name alone they would be taken for
    one workflow, their steps and notes joined."""
    owners: dict[str, set[str]] = {}
    for service, flows_of in found.items():
        for f in flows_of:
            owners.setdefault(f.name, set()).add(service)
    return {service: [replace(f, name=safe_name(f"{service}-{f.name}")) if len(owners[f.name]) > 1 else f
                      for f in flows_of] for service, flows_of in found.items()}


def record(body: Body, service: str, found: Sequence[Flow], stated: frozenset[str] = frozenset()) -> None:
    """State the workflows ``flows`` found for ``service`` (and the services of their steps that no other document of
    source code states, so that the agent file loads alone)."""
    for f in found:
        steps = [{"service": s, "action": how, "mutates_state": True} for s, how in f.steps]
        for s, _how in f.steps:
            if s not in stated and s != service:
                body.fact("services", {"name": s}, f.handler.at)
        ident = body.fact("workflows", {"name": f.name, "owner": service, "user_facing": True, "steps": steps},
                          f.handler.at)
        said = "; ".join(f"{s}: {how}" for s, how in f.steps)
        body.note("workflows", ident, f"from source: {f.handler.what} of {service} writes {len(f.steps)} services "
                                      f"in turn ({said})" if len(f.steps) > 1 else
                  f"from source: {f.handler.what} of {service} {f.steps[0][1]}, then sends a message")
        for why in f.confirmed:
            body.note("workflows", ident, why)
        if f.published is not None:
            body.set("workflows", ident, "publish_mechanism", "direct", f.handler.at)
            body.note("workflows", ident, f"publish_mechanism direct: it also sends a message ({f.published}) and no "
                                          f"code of {service} names an outbox, change data capture or saga")
        if len(f.steps) < 2:
            continue  # one service: nothing to coordinate between services
        if f.coordinated is None:
            body.set("workflows", ident, "coordination", "none", f.handler.at)
            body.note("workflows", ident, f"coordination none: no code of {service} names a saga, outbox, "
                                          "compensation or distributed transaction, and no write is made where a "
                                          "failure is handled")
        else:
            body.note("workflows", ident, f"coordination unknown: {f.coordinated}")


def guarded(files: Sequence[tuple[str, str]]) -> bool:
    """Whether a service's code names something that may keep a value from changing between a check and a write."""
    return any(GUARDS.search(text) for _path, text in files)


def check_target(check: Check, drawn: Sequence[tuple[dict[str, Any], str]], called: Sequence[str],
                 targets: Mapping[Location, str], stores: Mapping[str, str]) -> str | None:
    """The interaction a check reads through: the one ``code_calls`` resolved for the call, the one the deployment
    drew from the URL's variable, the one named like its Feign client, or the caller's one datastore of the engine
    its client is for (``stores``: datastore -> engine)."""
    if check.engine is not None:
        found = [t for t in called if stores.get(t, "").lower() in _ENGINES[check.engine]]
        return found[0] if len(found) == 1 else None
    if check.call is not None:
        return targets.get(check.call)
    if check.var:
        return code_calls.drawn_from(drawn, check.var)
    return stub_target(check.stub, called) if check.stub else None


def record_checks(body: Body, service: str, found: Sequence[tuple[str, Check]],
                  stated: frozenset[str] = frozenset()) -> None:
    """State ``check_then_act: unguarded`` on the interactions ``service``'s handlers decide a write on (and their
    target, a datastore or a service no other document of source code states, so that the agent file loads alone)."""
    for target, c in found:
        if c.engine is not None:
            body.fact("datastores", {"name": target}, c.at)
        elif target not in stated:
            body.fact("services", {"name": target}, c.at)
        ident = body.fact("interactions", {"from": service, "to": target}, c.at)
        body.set("interactions", ident, "check_then_act", "unguarded", c.at)
        body.note("interactions", ident, f"check_then_act unguarded: from source: {c.handler} reads from {c.read}, "
                                         f"decides {c.decided}, then writes ({c.write}); no code of {service} names a "
                                         "lock, version, conditional write or serialisable transaction")


__all__ = ["COORDINATION", "GUARDS", "Check", "Flow", "Handler", "Write", "check_target", "coordinator", "decided",
           "flows",
           "go_checks", "go_handlers", "go_rmw_checks", "guarded", "java_checks", "java_handlers", "java_rmw_checks",
           "java_script_runs", "kebab", "python_checks", "python_handlers", "record", "record_checks", "stub_target"]
