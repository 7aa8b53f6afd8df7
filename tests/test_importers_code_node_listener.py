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


def _board(root: str, *extra: str) -> dict[str, Any]:
    """The endpoints (by key) of a Next.js service ``board`` whose port the compose file publishes itself, its code
    under ``board/`` and the artifacts ``extra`` (``format=path``) beside them."""
    write(root, "compose.yaml", """
        services:
          board:
            image: acme/board:3
            ports: ["3000:3000"]
        """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}", *extra,
                           f"source={os.path.join(root, 'board')}"])
    return {k: f.data for k, f in load_documents(docs).by_key().items() if k.startswith("endpoint:")}


def test_a_nextjs_application_published_by_compose_serves_its_api_routes_without_tls(tmp_path: Any) -> None:
    # Next.js's own production server has no TLS setting: a route file that imports Next.js, in a service whose port
    # the compose file publishes itself, is served over plain HTTP; an HTTPS server of its own leaves TLS unknown
    root = str(tmp_path)
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
    assert _board(root)["endpoint:POST /api/notes"]["tls"] is False
    write(root, "board/server.ts", """
        import https from "https";
        import next from "next";
        https.createServer({ key: "k", cert: "c" }, next({}).getRequestHandler()).listen(3000);
        """)
    assert "tls" not in _board(root)["endpoint:POST /api/notes"]


def test_the_endpoints_a_services_api_description_gives_share_its_published_plain_listener(tmp_path: Any) -> None:
    # the API description's operations are served by the same Next.js server the compose file publishes itself: each
    # is plain HTTP too, whether or not a route file of the code was matched to it
    root = str(tmp_path)
    write(root, "openapi.yml", """
        openapi: 3.0.1
        info: {title: board, version: "1"}
        paths:
          /api/v2/cards:
            post:
              operationId: cards_create
              responses: {"200": {description: ok}}
        """)
    write(root, "board/src/pages/api/health.ts", """
        import type { NextApiRequest, NextApiResponse } from "next";
        export default function handler(req: NextApiRequest, res: NextApiResponse) { res.json({ ok: true }); }
        """)
    card = _board(root, f"openapi={os.path.join(root, 'openapi.yml')}")["endpoint:POST /api/v2/cards"]
    assert (card["served_by"], card["tls"], card["mutating"]) == ("board", False, True)


def test_a_nextauth_catch_all_route_serves_the_sign_in_of_each_credentials_provider(tmp_path: Any) -> None:
    # NextAuth's catch-all route answers POST /api/auth/callback/<provider id> for a credentials provider: a password
    # sign-in, with nothing in the code limiting its attempts; a provider with its own id gets its own route
    root = str(tmp_path)
    write(root, "board/src/server/auth.ts", """
        import CredentialsProvider from "next-auth/providers/credentials";
        export const providers = [
          CredentialsProvider({
            name: "credentials",
            credentials: { email: { type: "email" }, password: { type: "password" } },
            async authorize(credentials) { return check(credentials.email, credentials.password); },
          }),
          CredentialsProvider({ id: "ldap", name: "LDAP", async authorize(c) { return ldap(c); } }),
        ];
        """)
    write(root, "board/src/pages/api/auth/[...nextauth].ts", """
        import NextAuth from "next-auth";
        import type { NextApiRequest, NextApiResponse } from "next";
        import { providers } from "@/src/server/auth";
        export default async function auth(req: NextApiRequest, res: NextApiResponse) {
          return await NextAuth(req, res, { providers });
        }
        """)
    write(root, "board/src/pages/api/files/[...path].ts", """
        import type { NextApiRequest, NextApiResponse } from "next";
        export default function files(req: NextApiRequest, res: NextApiResponse) { res.end(); }
        """)
    endpoints = _board(root)
    login = endpoints["endpoint:POST /api/auth/callback/credentials"]
    assert (login["auth_flow"], login["tls"]) == (True, False)
    assert endpoints["endpoint:POST /api/auth/callback/ldap"]["auth_flow"] is True
    # another catch-all route, which calls no NextAuth, serves no sign-in
    assert not [k for k in endpoints if k.startswith("endpoint:POST /api/files")]
