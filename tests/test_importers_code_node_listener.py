"""A NestJS application's listener (code_node.nest_plain_listener): plain HTTP unless its code gives it TLS."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write


def test_a_nestjs_application_with_no_tls_option_published_by_compose_serves_its_routes_without_tls(
        tmp_path: Any) -> None:
    # the compose file publishes the container's port itself, and the application is created with no httpsOptions:
    # each route is served over plain HTTP; giving it httpsOptions anywhere leaves TLS unknown
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          kiosk:
            image: acme/kiosk:2
            ports: ["8080:8080"]
        """)
    write(root, "kiosk/src/main.ts", """
        import { NestFactory } from '@nestjs/core';
        import { KioskModule } from './kiosk.module';
        // NestFactory.create(KioskModule, { httpsOptions }) in a comment gives no TLS
        async function start() {
          const app = await NestFactory.create(KioskModule, { bufferLogs: true });
          await app.listen(8080);
        }
        start();
        """)
    write(root, "kiosk/src/kiosk.module.ts", """
        import { Module } from '@nestjs/common';
        import { TicketsController } from './tickets.controller';
        @Module({ controllers: [TicketsController] })
        export class KioskModule {}
        """)
    write(root, "kiosk/src/tickets.controller.ts", """
        import { Controller, Post } from '@nestjs/common';
        @Controller('tickets')
        export class TicketsController {
          @Post()
          issue() { return {}; }
        }
        """)

    def ticket() -> Any:
        docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                               f"source={os.path.join(root, 'kiosk')}"])
        return load_documents(docs).by_key()["endpoint:POST /tickets"].data

    assert ticket()["tls"] is False
    write(root, "kiosk/src/tls.ts", """
        export const options = { httpsOptions: { key: 'k', cert: 'c' } };
        """)
    assert "tls" not in ticket()


def test_a_nextjs_application_published_by_compose_serves_its_api_routes_without_tls(tmp_path: Any) -> None:
    # Next.js's own production server has no TLS setting: a route file that imports Next.js, in a service whose port
    # the compose file publishes itself, is served over plain HTTP; an HTTPS server of its own leaves TLS unknown
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          board:
            image: acme/board:3
            ports: ["3000:3000"]
        """)
    write(root, "board/src/pages/api/notes.ts", """
        import type { NextApiRequest, NextApiResponse } from "next";
        export default async function handler(req: NextApiRequest, res: NextApiResponse) {
          if (req.method === "POST") {
            return res.status(201).json({});
          }
          res.status(405).end();
        }
        """)
    write(root, "board/src/lib/pages/api-docs.ts", """
        export const title = "not a route: no pages/api folder";
        """)

    def notes() -> Any:
        docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                               f"source={os.path.join(root, 'board')}"])
        return load_documents(docs).by_key()["endpoint:POST /api/notes"].data

    assert notes()["tls"] is False
    write(root, "board/server.ts", """
        import https from "https";
        import next from "next";
        https.createServer({ key: "k", cert: "c" }, next({}).getRequestHandler()).listen(3000);
        """)
    assert "tls" not in notes()
