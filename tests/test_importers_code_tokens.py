"""The bearer tokens a NestJS or Express handler signs for its caller (code_tokens): the endpoint's auth_flow,
token_lifetime_minutes (the call's options, else the JwtModule of the signing class's module) and token_revocation
(false only when no code of the service names a revocation)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_tokens, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_SESSION_MODULE = """
    import { Module } from '@nestjs/common';
    import { JwtModule } from '@nestjs/jwt';
    import { SessionController } from './session.controller';
    import { SessionService } from './session.service';
    @Module({
      controllers: [SessionController],
      imports: [JwtModule.register({ secret: process.env.KEY, signOptions: { expiresIn: '90 days' } })],
      providers: [SessionService]
    })
    export class SessionModule {}
    """

_MEMBER_MODULE = """
    import { Module } from '@nestjs/common';
    import { JwtModule } from '@nestjs/jwt';
    import { MemberController } from './member.controller';
    @Module({
      controllers: [MemberController],
      imports: [JwtModule.register({ secret: process.env.KEY, signOptions: { expiresIn: '2h' } })]
    })
    export class MemberModule {}
    """

_SESSION_CONTROLLER = """
    import { Body, Controller, Get, Post } from '@nestjs/common';
    import { SessionService } from './session.service';
    @Controller('session')
    export class SessionController {
      constructor(private readonly sessions: SessionService) {}
      @Post('passkey')
      public async passkey(@Body() body: any) {
        const token = await this.sessions.open(body.secret);
        return { token };
      }
      @Get('whoami')
      public async whoami() {
        return this.sessions.describe();
      }
    }
    """

_SESSION_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { JwtService } from '@nestjs/jwt';
    @Injectable()
    export class SessionService {
      constructor(private readonly jwtService: JwtService) {}
      public async open(secret: string) {
        return this.jwtService.sign({ sub: secret });
      }
      public describe() {
        return { kind: 'jwt' };
      }
    }
    """

_MEMBER_CONTROLLER = """
    import { Controller, Post } from '@nestjs/common';
    import { JwtService } from '@nestjs/jwt';
    @Controller('member')
    export class MemberController {
      constructor(private readonly jwtService: JwtService, private readonly prisma: PrismaService) {}
      @Post()
      public async enrol() {
        const { id } = await this.prisma.user.create({ data: {} });
        return { authToken: this.jwtService.sign({ id }) };
      }
    }
    """


def _design(root: str, name: str) -> dict[str, dict[str, Any]]:
    docs = load_artifacts([f"source:{name}={os.path.join(root, name)}"])
    return {k: f.data for k, f in load_documents(docs).by_key().items()}


def _nest(root: str, session_service: str = _SESSION_SERVICE) -> dict[str, dict[str, Any]]:
    write(root, "vault/package.json", '{"name": "vault", "dependencies": {"@nestjs/jwt": "10"}}')
    write(root, "vault/src/session/session.module.ts", _SESSION_MODULE)
    write(root, "vault/src/session/session.controller.ts", _SESSION_CONTROLLER)
    write(root, "vault/src/session/session.service.ts", session_service)
    write(root, "vault/src/member/member.module.ts", _MEMBER_MODULE)
    write(root, "vault/src/member/member.controller.ts", _MEMBER_CONTROLLER)
    return _design(root, "vault")


def test_a_nest_sign_in_reached_through_a_provider_takes_its_modules_lifetime_and_no_revocation(tmp_path: Any) -> None:
    design = _nest(str(tmp_path))
    ep = design["endpoint:vault-POST-/session/passkey"]
    assert ep["token_lifetime_minutes"] == 90 * 1440
    assert ep["token_revocation"] is False
    assert "auth_flow" not in ep  # a token exchanged for a secret, no account created: not said to be a sign-up
    # the class signing in another module signs with that module's JwtModule, not the first one found
    member = design["endpoint:vault-POST-/member"]
    assert member["token_lifetime_minutes"] == 120
    assert member["auth_flow"] is True  # it creates the account it signs a token for: a sign-up
    assert "token_revocation" not in design["endpoint:vault-GET-/session/whoami"]


def test_a_service_naming_a_denylist_leaves_revocation_unknown(tmp_path: Any) -> None:
    revoking = _SESSION_SERVICE.replace("public describe() {", "public async logout(id: string) {\n"
                                        "        await this.denylist.add(id);\n      }\n      public describe() {")
    ep = _nest(str(tmp_path), revoking)["endpoint:vault-POST-/session/passkey"]
    assert ep["token_lifetime_minutes"] == 90 * 1440
    assert "token_revocation" not in ep


def test_the_calls_own_expiry_wins_over_the_modules(tmp_path: Any) -> None:
    short = _SESSION_SERVICE.replace("sign({ sub: secret })", "sign({ sub: secret }, { expiresIn: '15m' })")
    assert _nest(str(tmp_path), short)["endpoint:vault-POST-/session/passkey"]["token_lifetime_minutes"] == 15


_EXPRESS = """
    const express = require('express');
    const jwt = require('jsonwebtoken');
    const app = express();
    app.post('/api/signin', (req, res) => {
      res.json({ token: jwt.sign({ sub: req.body.user }, process.env.SECRET%s) });
    });
    app.get('/api/ping', (req, res) => res.send('pong'));
    app.post('/api/relay', (req, res) => {
      const assertion = jwt.sign({ iss: 'me' }, process.env.SECRET, { expiresIn: 60 });
      fetch(process.env.PARTNER, { headers: { Authorization: 'Bearer ' + assertion } });
      res.end();
    });
    app.listen(3000);
    """


@pytest.mark.parametrize(("options", "minutes"), [
    ("", 0),
    (", { expiresIn: '7d' }", 7 * 1440),
    (", { expiresIn: 60 * 60 * 24 * 30 }", 30 * 1440),
    (", { expiresIn: process.env.TTL }", None),
], ids=["no-expiry", "ms-string", "seconds-product", "from-a-setting"])
def test_a_jsonwebtoken_sign_in_express_states_its_lifetime_as_written(tmp_path: Any, options: str,
                                                                      minutes: int | None) -> None:
    root = str(tmp_path)
    write(root, "gate/package.json", '{"name": "gate"}')
    write(root, "gate/server.js", _EXPRESS % options)
    design = _design(root, "gate")
    ep = design["endpoint:gate-POST-/api/signin"]
    assert ep.get("token_lifetime_minutes") == minutes
    assert ep["token_revocation"] is False
    # a token the handler puts into a Bearer header of its own call is no token of its caller
    assert "token_revocation" not in design["endpoint:gate-POST-/api/relay"]


@pytest.mark.parametrize(("expr", "minutes"), [
    ("'180 days'", 259200), ("'12h'", 720), ("\"1 year\"", 525960), ("3600", 60), ("'60000'", 1),
    ("config.ttl", None), ("'soon'", None)])
def test_expires_in_is_read_as_jsonwebtoken_reads_it(expr: str, minutes: int | None) -> None:
    # a number is seconds; a string is an ``ms`` duration, digits alone milliseconds; no literal, no lifetime
    assert code_tokens.minutes(expr) == minutes


_TOKENS_LIB = """
    import jwt from 'jsonwebtoken';
    import { seal } from './crypto';
    export function mint(payload: any, key: any, options?: any) {
      return jwt.sign(payload, key, options);
    }
    export function mintSealed(claims: any, key: any, opts: any = { expiresIn: '2h' }) {
      return seal(mint(claims, key, opts), key);
    }
    export const mintTicket = (body: any, key: string) => jwt.sign(body, key, { expiresIn: '10m' });
    export async function openSession(data: any) {
      const sessionKey = await store.put(data);
      return mint({ sessionKey }, process.env.KEY);
    }
    """

_NEXT_ROUTE = """
    import { NextResponse } from 'next/server';
    import { %s } from '@/lib/tokens';
    export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
      const { id } = await params;
      return NextResponse.json({ token: %s });
    }
    """


def _next_signin(root: str, name: str, call: str, *extra: tuple[str, str]) -> dict[str, Any]:
    write(root, "desk/package.json", '{"name": "desk", "dependencies": {"next": "15", "jsonwebtoken": "9"}}')
    write(root, "desk/src/lib/tokens.ts", _TOKENS_LIB)
    write(root, "desk/src/app/api/pass/[id]/route.ts", _NEXT_ROUTE % (name, call))
    for path, text in extra:
        write(root, path, text)
    return _design(root, "desk")["endpoint:desk-POST-/api/pass/-id"]


@pytest.mark.parametrize(("name", "call", "minutes"), [
    ("mint", "mint({ sub: id }, process.env.KEY)", 0),
    ("mint", "mint({ sub: id }, process.env.KEY, { expiresIn: '30d' })", 30 * 1440),
    ("mintSealed", "mintSealed({ sub: id }, process.env.KEY)", 120),
    ("mintSealed", "mintSealed({ sub: id }, process.env.KEY, { expiresIn: '1y' })", 525960),
    ("mintTicket", "mintTicket({ sub: id }, process.env.KEY)", 10),
], ids=["helper-options-left-out", "helper-options-given", "helper-of-a-helper-default", "helper-of-a-helper-given",
        "arrow-helper-fixed-options"])
def test_a_nextjs_handler_signing_through_the_services_own_helpers_states_the_lifetime_it_signs_with(
        tmp_path: Any, name: str, call: str, minutes: int) -> None:
    # the handler's parameters destructure ({ params }): its body is still read; the caller's arguments stand where
    # each helper passes its own on, so options left out sign with none, or with the parameter's default
    ep = _next_signin(str(tmp_path), name, call)
    assert ep["token_lifetime_minutes"] == minutes
    assert ep["token_revocation"] is False


def test_a_helper_signing_something_else_than_its_argument_is_no_signing_helper(tmp_path: Any) -> None:
    # openSession signs a key to a session it stores, not the payload it is given: what that token stands for (a
    # session the store can end) is not read, so the handler is said to sign nothing
    ep = _next_signin(str(tmp_path), "openSession", "await openSession({ sub: id })")
    assert "token_lifetime_minutes" not in ep
    assert "token_revocation" not in ep


def test_revoking_a_blob_url_names_no_token_revocation(tmp_path: Any) -> None:
    download = """
        export function save(blob: Blob) {
          const url = URL.createObjectURL(blob);
          URL.revokeObjectURL(url);
        }
        """
    ep = _next_signin(str(tmp_path), "mint", "mint({ sub: id }, process.env.KEY)",
                      ("desk/src/lib/download.ts", download))
    assert ep["token_revocation"] is False
    # a revocation the code does name leaves it unknown
    revoke = "export async function logout(id: string) { await store.revokeToken(id); }\n"
    ep = _next_signin(str(tmp_path), "mint", "mint({ sub: id }, process.env.KEY)", ("desk/src/lib/logout.ts", revoke))
    assert "token_revocation" not in ep


def test_wrappers_follow_helpers_through_files_and_leave_ambiguous_names_out() -> None:
    texts = [("lib/a.ts", "export function mint(p, k, o) { return jwt.sign(p, k, o); }\n"),
             ("lib/b.ts", "export function wrap(p, k) { return mint(p, k); }\n"
                          "function dup(p) { return jwt.sign(p, 'k'); }\n"),
             ("lib/c.ts", "function dup(p) { return jwt.sign(p, 'k', { expiresIn: 60 }); }\n")]
    found = code_tokens.wrappers(texts)
    assert found["mint"].options == 2
    assert found["wrap"].options is None  # it leaves the options out: none, whatever its caller passes
    assert "dup" not in found
