"""Fastify and NestJS routes (code_node) and RabbitMQ channels of Node.js and Go AMQP clients (code_amqp)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_node, code_routes, import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact


def _routes(root: str, rel: str) -> list[tuple[str, str]]:
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        return [(r.method, r.path) for r in code_routes.routes_of_file(path, f.read())]


def test_fastify_shorthand_and_full_routes_with_inline_registered_and_autoloaded_prefixes(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "kiosk/server.js", """
        const Fastify = require('fastify')
        const path = require('path')
        const AutoLoad = require('@fastify/autoload')
        const tickets = require('./tickets')

        const server = Fastify({ logger: true })
        server.get('/ping', async () => 'pong')
        server.route({ method: ['GET', 'HEAD'], url: '/status/:part', handler: async () => ({}) })
        server.register(async (v2) => {
          v2.delete('/seats/:seat', async (req) => ({}))
        }, { prefix: '/v2' })
        server.register(tickets, { prefix: '/tickets' })
        server.register(AutoLoad, { dir: path.join(__dirname, 'handlers'), options: { prefix: '/api' } })
        server.get(`/dyn/${kind}`, async () => ({}))
        server.listen({ port: 3000 })
        """)
    write(root, "kiosk/tickets.js", """
        module.exports = async function (fastify, opts) {
          fastify.post('/', async (request, reply) => { reply.code(201) })
          fastify.get('/:ticketId', async (request) => ({}))
        }
        """)
    write(root, "kiosk/handlers/top.js", """
        module.exports = async function (fastify) {
          fastify.put('/basket', async () => ({}))
        }
        """)
    write(root, "kiosk/handlers/refunds/index.js", """
        module.exports = async function (fastify) {
          fastify.patch('/:refundId', async () => ({}))
        }
        """)
    assert _routes(root, "kiosk/server.js") == [
        ("GET", "/ping"), ("GET", "/status/{part}"), ("HEAD", "/status/{part}"), ("DELETE", "/v2/seats/{seat}")]
    assert _routes(root, "kiosk/tickets.js") == [("POST", "/tickets"), ("GET", "/tickets/{ticketId}")]
    assert _routes(root, "kiosk/handlers/top.js") == [("PUT", "/api/basket")]
    assert _routes(root, "kiosk/handlers/refunds/index.js") == [("PATCH", "/api/refunds/{refundId}")]


def test_a_file_that_does_not_use_fastify_gives_no_fastify_route(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "lib/cache.js", """
        const store = new Map()
        module.exports = function (app) { return store.get('/ping', 1) }
        """)
    assert _routes(root, "lib/cache.js") == []


def test_nestjs_controller_routes_join_the_controller_and_global_prefixes(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "library/src/main.ts", """
        import { NestFactory } from '@nestjs/core';
        async function bootstrap() {
          const app = await NestFactory.create(AppModule);
          app.setGlobalPrefix('v1');
          await app.listen(3000);
        }
        """)
    write(root, "library/src/loans/loans.controller.ts", """
        import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';

        @Controller('loans')
        export class LoansController {
          @Get()
          list() { return []; }

          // @Get('commented')
          @Post(':loanId/renew')
          renew(@Param('loanId') id: string, @Body() body: RenewRequest) { return this.loans.renew(id, body); }

          @Delete([':loanId', 'by-id/:loanId'])
          drop(@Param('loanId') id: string) {}
        }

        @Controller({ path: 'members' })
        export class MembersController {
          @Get(':memberId')
          one() {}

          @Get(someConstant)
          computed() {}
        }
        """)
    assert _routes(root, "library/src/loans/loans.controller.ts") == [
        ("GET", "/v1/loans"), ("POST", "/v1/loans/{loanId}/renew"), ("DELETE", "/v1/loans/{loanId}"),
        ("DELETE", "/v1/loans/by-id/{loanId}"), ("GET", "/v1/members/{memberId}")]
    assert code_node.nest_routes("x.ts", "@Controller('a') class A { @Get() f() {} }") == []  # no Nest import


def test_nestjs_uri_versioning_puts_the_version_after_the_global_prefix(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "depot/src/boot.ts", """
        import { NestFactory } from '@nestjs/core';
        import { VersioningType } from '@nestjs/common';
        export async function start() {
          const app = await NestFactory.create(DepotModule);
          app.setGlobalPrefix('depot');
          app.enableVersioning({ type: VersioningType.URI, prefix: `${BASE_PATH}rev`, defaultVersion: '3' });
          await app.listen(8080);
        }
        """)
    write(root, "depot/src/crates/crates.controller.ts", """
        import { Controller, Get, Post, Version, VERSION_NEUTRAL } from '@nestjs/common';

        @Controller('crates')
        export class CratesController {
          @Get(':crateId')
          one() { return {}; }

          @Version(['4', '5'])
          @Post()
          add() {}

          @Get('ping')
          @Version(VERSION_NEUTRAL)
          ping() {}
        }

        @Controller({ path: `/pallets`, version: '9' })
        export class PalletsController {
          @Get()
          list() {}
        }
        """)
    assert _routes(root, "depot/src/crates/crates.controller.ts") == [
        ("GET", "/depot/rev3/crates/{crateId}"), ("POST", "/depot/rev4/crates"), ("POST", "/depot/rev5/crates"),
        ("GET", "/depot/crates/ping"), ("GET", "/depot/rev9/pallets")]


def test_nestjs_versions_change_no_path_without_uri_versioning(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "till/src/main.ts", """
        import { VersioningType } from '@nestjs/common';
        app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Till-Version', defaultVersion: '1' });
        """)
    write(root, "till/src/sales.controller.ts", """
        import { Controller, Get } from '@nestjs/common';
        @Controller({ path: 'sales', version: '2' })
        export class SalesController {
          @Get()
          list() {}
        }
        """)
    write(root, "kiosk/src/main.ts", "const app = await NestFactory.create(KioskModule);\n")
    write(root, "kiosk/src/sales.controller.ts", """
        import { Controller, Get, Version } from '@nestjs/common';
        @Controller('sales')
        export class SalesController {
          @Version('2')
          @Get()
          list() {}
        }
        """)
    assert _routes(root, "till/src/sales.controller.ts") == [("GET", "/sales")]
    assert _routes(root, "kiosk/src/sales.controller.ts") == [("GET", "/sales")]


NEST_MODULE = """
    import { Module } from '@nestjs/common';
    import { ShelvesController } from './shelves/shelves.controller';
    import { StatsModule } from 'warehouse-kit';
    @Module({ imports: [StatsModule], controllers: [ShelvesController] })
    export class DepotModule {}
    """
NEST_CONTROLLER = """
    import { Controller, Get } from '@nestjs/common';
    @Controller('{prefix}')
    export class {name} {
      @Get()
      list() { return []; }
    }
    """


def _served(root: str) -> list[str]:
    design = load_documents(import_paths("source", [os.path.join(root, "depot/src")], service="depot"))
    return sorted(k for k in design.by_key() if k.startswith("endpoint:"))


def test_a_nestjs_controller_no_module_registers_serves_no_route(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "depot/src/depot.module.ts", NEST_MODULE)
    write(root, "depot/src/shelves/shelves.controller.ts",
          NEST_CONTROLLER.replace("{prefix}", "shelves").replace("{name}", "ShelvesController"))
    # a diagnostics controller left in the tree, imported by no file: Nest never mounts it
    write(root, "depot/src/diag/diag.controller.ts",
          NEST_CONTROLLER.replace("{prefix}", "diag").replace("{name}", "DiagController"))
    # one a library's alias brings in by name is kept, as one re-exported by its folder's index is
    write(root, "depot/src/stats/stats.controller.ts",
          NEST_CONTROLLER.replace("{prefix}", "stats").replace("{name}", "StatsController"))
    write(root, "depot/src/kit.ts",
          "import { StatsController } from '@depot/stats';\nexport const all = [StatsController];\n")
    write(root, "depot/src/bins/index.ts",
          NEST_CONTROLLER.replace("{prefix}", "bins").replace("{name}", "BinsController"))
    write(root, "depot/src/registry.ts", "export * from './bins';\n")
    assert _served(root) == ["endpoint:depot-GET-/bins", "endpoint:depot-GET-/shelves", "endpoint:depot-GET-/stats"]


def test_without_a_module_listing_controllers_every_nestjs_controller_is_kept(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "depot/src/diag/diag.controller.ts",
          NEST_CONTROLLER.replace("{prefix}", "diag").replace("{name}", "DiagController"))
    assert _served(root) == ["endpoint:depot-GET-/diag"]


def test_the_controllers_of_a_module_loaded_only_under_node_env_test_serve_no_route(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "depot/src/depot.module.ts", """
        import { Module } from '@nestjs/common';
        import { ShelvesModule } from './shelves/shelves.module';
        import { ProbeModule } from './probe/probe.module';
        import { AuditModule } from './audit/audit.module';
        const parts = [ShelvesModule];
        if (process.env.NODE_ENV === 'test') {
          parts.push(ProbeModule);
        }
        if ('test' === process.env.NODE_ENV) parts.push(AuditModule);
        if (process.env.NODE_ENV !== 'test') { parts.push(AuditModule); }
        @Module({ imports: parts, controllers: [] })
        export class DepotModule {}
        """)
    for name, cls in (("shelves", "Shelves"), ("probe", "Probe"), ("audit", "Audit")):
        write(root, f"depot/src/{name}/{name}.module.ts", f"""
            import {{ Module }} from '@nestjs/common';
            import {{ {cls}Controller }} from './{name}.controller';
            @Module({{ controllers: [{cls}Controller] }})
            export class {cls}Module {{}}
            """)
        write(root, f"depot/src/{name}/{name}.controller.ts",
              NEST_CONTROLLER.replace("{prefix}", name).replace("{name}", f"{cls}Controller"))
    # the probe module is loaded only in tests; the audit module also outside them (the third condition)
    assert _served(root) == ["endpoint:depot-GET-/audit", "endpoint:depot-GET-/shelves"]


COMPOSE = """
    services:
      broker: {image: "rabbitmq:4.1-management"}
      tills:
        image: acme/tills:1
        environment: {RECEIPT_QUEUE: receipts-v2}
      ledger:
        image: acme/ledger:1
        environment: {INBOX: receipts-v2}
      kitchen:
        image: acme/kitchen:1
      printer:
        image: acme/printer:1
"""


def _design(root: str, *services: str) -> Any:
    sources = [f"source={os.path.join(root, s)}" for s in services]
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", *sources])
    return docs, load_documents(docs)


def test_node_and_go_amqp_clients_give_channels_with_producers_and_consumers(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", COMPOSE)
    # amqplib: a queue by a deployment variable, the default exchange by routing key, a named exchange, and a
    # consumer of a literal queue
    write(root, "tills/index.js", """
        const amqp = require('amqplib')
        const RECEIPTS = process.env.RECEIPT_QUEUE
        async function main() {
          const ch = await (await amqp.connect(process.env.AMQP_URL)).createChannel()
          await ch.assertQueue(RECEIPTS, { durable: true })
          ch.sendToQueue(RECEIPTS, Buffer.from('{}'))
          ch.publish('', 'till-audit', Buffer.from('{}'))
          ch.publish('till-events', 'opened', Buffer.from('{}'))
          ch.consume('till-commands', (msg) => ch.ack(msg))
          ch.sendToQueue(process.env.NOT_SET_ANYWHERE, Buffer.from('{}'))
        }
        """)
    # rabbitmq/amqp091-go: the queue's name travels through a parameter from an environment variable
    write(root, "ledger/main.go", """
        package main

        import (
            "os"

            amqp "github.com/rabbitmq/amqp091-go"
        )

        func main() {
            inbox := os.Getenv("INBOX")
            listen(inbox)
        }

        func listen(queue string) {
            conn, _ := amqp.Dial(os.Getenv("AMQP_URL"))
            ch, _ := conn.Channel()
            deliveries, _ := ch.Consume(queue, "ledger", false, false, false, false, nil)
            _ = ch.PublishWithContext(ctx, "", replies, false, false, amqp.Publishing{})
            _ = deliveries
        }
        """)
    write(root, "ledger/names.go", """
        package main

        const replies = "ledger-replies"
        """)
    # Azure/go-amqp against RabbitMQ 4's v2 addresses; rabbitmq-amqp-js-client's publisher
    write(root, "kitchen/worker.go", """
        package main

        import "github.com/Azure/go-amqp"

        func run(session *amqp.Session) {
            receiver, _ := session.NewReceiver(ctx, "/queues/"+"tickets", nil)
            sender, _ := session.NewSender(ctx, "/exchanges/kitchen-done", nil)
            _, _ = receiver, sender
        }
        """)
    write(root, "printer/app.js", """
        const rabbit = require('rabbitmq-amqp-js-client')
        async function start(conn) {
          const queueName = 'tickets'
          const publisher = await conn.createPublisher({ queue: { name: queueName } })
          const consumer = await conn.createConsumer({ queue: { name: computeName() } })
        }
        """)
    docs, design = _design(root, "tills", "ledger", "kitchen", "printer")
    receipts = fact(design, "channel:receipts-v2").data
    assert receipts["kind"] == "queue"
    assert receipts["producers"] == ["tills"]
    assert receipts["consumers"] == [{"service": "ledger"}]
    assert fact(design, "channel:till-audit").data["producers"] == ["tills"]
    assert "kind" not in fact(design, "channel:till-events").data  # an exchange: not a queue
    assert fact(design, "channel:till-commands").data["consumers"] == [{"service": "tills"}]
    assert fact(design, "channel:ledger-replies").data["producers"] == ["ledger"]
    tickets = fact(design, "channel:tickets").data
    assert (tickets["producers"], tickets["consumers"]) == (["printer"], [{"service": "kitchen"}])
    assert fact(design, "channel:kitchen-done").data["producers"] == ["kitchen"]
    call = fact(design, "interaction:tills->receipts-v2").data
    assert (call["style"], call["protocol"]) == ("async", "amqp")
    remarks = [why for d in docs for _at, why in d.remarks if "a channel" in why]
    assert len(remarks) == 2, remarks  # the unset variable, the computed name: not invented
    assert any("NOT_SET_ANYWHERE" in why for why in remarks)


def test_amqp_calls_in_a_file_that_imports_no_amqp_client_are_not_channels(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  tills: {image: acme/tills:1}\n")
    write(root, "tills/events.js", """
        const bus = require('./local-bus')
        bus.publish('', 'till-audit', {})
        bus.consume('till-commands', () => {})
        """)
    _docs, design = _design(root, "tills")
    assert not design.of_kind("channel")


_GO_WORKER = """
    package main

    import (
        "github.com/Azure/go-amqp"
    )

    func drain(ctx context.Context, session *amqp.Session, store Store) error {
        receiver, _ := session.NewReceiver(ctx, "/queues/parcels", nil)
        for {
            msg, err := receiver.Receive(ctx, nil)
            if err != nil {
                return err
            }
            parcel := decode(msg.GetData())
            if err := store.InsertParcels([]Parcel{parcel}); err != nil {
                _ = receiver.ReleaseMessage(ctx, msg)
                continue
            }
            _ = receiver.AcceptMessage(ctx, msg)
        }
    }
    """

_GO_DECODE = """
    package main

    import "math/rand"

    func decode(data []byte) Parcel {
        var p Parcel
        _ = json.Unmarshal(data, &p)
        p.TrackingID = fmt.Sprint(rand.Int63())
        return p
    }
    """


def test_a_go_consumer_storing_each_delivery_under_a_freshly_drawn_id_is_not_idempotent(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  depot: {image: acme/depot:1}\n")
    write(root, "depot/worker.go", _GO_WORKER)
    write(root, "depot/decode.go", _GO_DECODE)
    _docs, design = _design(root, "depot")
    assert fact(design, "channel:parcels").data["consumers"] == [{"service": "depot", "idempotent": False}]


def test_a_go_consumer_keeping_the_message_id_leaves_its_idempotency_unknown(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", "services:\n  depot: {image: acme/depot:1}\n")
    write(root, "depot/worker.go", _GO_WORKER)
    # the identifier travels with the message: a second delivery of it names the same parcel
    write(root, "depot/decode.go", _GO_DECODE.replace("p.TrackingID = fmt.Sprint(rand.Int63())",
                                                      "p.Weight = rand.Int63()"))
    _docs, design = _design(root, "depot")
    assert fact(design, "channel:parcels").data["consumers"] == [{"service": "depot"}]
