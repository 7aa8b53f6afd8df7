"""What a NestJS handler does through the providers injected into its controller (code_nest_calls): the writes,
an administrator made, the installation's configuration written, read across files as Nest resolves them."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_MODULE = """
    import { Module } from '@nestjs/common';
    import { MembersController } from './members/members.controller';
    import { SetupController } from './setup/setup.controller';
    @Module({ controllers: [MembersController, SetupController] })
    export class AppModule {}
    """

_MEMBERS_CONTROLLER = """
    import { Controller, Get, Post, Body } from '@nestjs/common';
    import { MembershipService } from './membership.service';
    @Controller('members')
    export class MembersController {
      constructor(private readonly membership: MembershipService) {}
      @Get('promote-if-alone')
      async promote(@Body() who: any) {
        const result = await this.membership.elevateIfAlone(who.id);
        return result;
      }
      @Get('session')
      async session(@Body() who: any) {
        return this.membership.rememberToken(who.id, 'hash');
      }
      @Get('profile')
      async profile(@Body() who: any) {
        return this.membership.find(who.id);
      }
      @Post('join')
      async join(@Body() who: any) {
        return this.membership.enrol(who.name);
      }
    }
    """

_MEMBERSHIP_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { PrismaService } from '../db.service';
    @Injectable()
    export class MembershipService {
      constructor(private readonly prisma: PrismaService) {}
      async elevateIfAlone(id: string) {
        const count = await this.prisma.member.count();
        if (count === 1) return this.grant(id);
        return false;
      }
      private async grant(id: string) {
        return this.prisma.member.update({ where: { id }, data: { isAdmin: true } });
      }
      async rememberToken(id: string, hash: string) {
        return this.prisma.member.update({ where: { id }, data: { refreshToken: hash } });
      }
      async find(id: string) {
        return this.prisma.member.findUnique({ where: { id } });
      }
      async enrol(name: string) {
        return this.prisma.member.create({ data: { name } });
      }
    }
    """

_DB_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { PrismaClient } from '@prisma/client';
    @Injectable()
    export class PrismaService extends PrismaClient {}
    """

_SETUP_CONTROLLER = """
    import { Controller, Post, Body } from '@nestjs/common';
    import { SiteSettingsService } from './site-settings.service';
    @Controller('first-run')
    export class SetupController {
      constructor(private settings: SiteSettingsService) {}
      @Post('apply')
      async apply(@Body() dto: any) {
        return this.settings.saveAll(dto);
      }
    }
    """

_SETTINGS_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { PrismaService } from '../db.service';
    @Injectable()
    export class SiteSettingsService {
      constructor(private readonly prisma: PrismaService) {}
      async saveAll(dto: any) {
        await this.prisma.$transaction(async (t) => {
          for (const key of Object.keys(dto)) {
            await t.systemSetting.update({ where: { key }, data: { value: dto[key] } });
          }
        });
        return true;
      }
    }
    """


def _design(root: str) -> dict[str, dict[str, Any]]:
    docs = load_artifacts([f"source:desk={os.path.join(root, 'desk')}"])
    return {k: f.data for k, f in load_documents(docs).by_key().items()}


def _service(root: str, membership: str = _MEMBERSHIP_SERVICE, settings: str = _SETTINGS_SERVICE) -> None:
    write(root, "desk/package.json", '{"name": "desk"}')
    write(root, "desk/src/app.module.ts", _MODULE)
    write(root, "desk/src/db.service.ts", _DB_SERVICE)
    write(root, "desk/src/members/members.controller.ts", _MEMBERS_CONTROLLER)
    write(root, "desk/src/members/membership.service.ts", membership)
    write(root, "desk/src/setup/setup.controller.ts", _SETUP_CONTROLLER)
    write(root, "desk/src/setup/site-settings.service.ts", settings)


def test_a_get_whose_provider_makes_an_administrator_changes_state_and_is_administrative(tmp_path: Any) -> None:
    # controller -> injected service -> its own private method -> the Prisma delegate setting isAdmin: true
    root = str(tmp_path)
    _service(root)
    ep = _design(root)["endpoint:desk-GET-/members/promote-if-alone"]
    assert ep["mutating"] is True
    assert ep["admin"] is True


def test_a_gets_provider_bookkeeping_write_or_read_is_no_state_change(tmp_path: Any) -> None:
    # a token stored by a provider of a safe method is bookkeeping, not taken; a read is no write at all
    root = str(tmp_path)
    _service(root)
    design = _design(root)
    assert "mutating" not in design["endpoint:desk-GET-/members/session"]
    assert "mutating" not in design["endpoint:desk-GET-/members/profile"]
    assert "admin" not in design["endpoint:desk-GET-/members/profile"]


def test_a_post_creating_through_its_provider_is_mutating_but_no_administrative_function(tmp_path: Any) -> None:
    root = str(tmp_path)
    _service(root)
    join = _design(root)["endpoint:desk-POST-/members/join"]
    assert join["mutating"] is True
    assert "admin" not in join


def test_a_write_of_the_installations_configuration_is_an_administrative_function(tmp_path: Any) -> None:
    # the write is in the callback of an interactive transaction, whose parameter is the client
    root = str(tmp_path)
    _service(root)
    assert _design(root)["endpoint:desk-POST-/first-run/apply"]["admin"] is True
    _service(root, settings=_SETTINGS_SERVICE.replace("systemSetting", "memberNote"))
    apply = _design(root)["endpoint:desk-POST-/first-run/apply"]
    assert "admin" not in apply and apply["mutating"] is True


def test_a_provider_defined_twice_is_not_entered(tmp_path: Any) -> None:
    # which of two classes of one name Nest injects is not known: neither is read
    root = str(tmp_path)
    _service(root)
    write(root, "desk/src/other/membership.service.ts", _MEMBERSHIP_SERVICE)
    ep = _design(root)["endpoint:desk-GET-/members/promote-if-alone"]
    assert "admin" not in ep and "mutating" not in ep


def _feature(root: str, folder: str, controller: str, files: dict[str, str]) -> None:
    """A feature folder of the service: its files, and a module declaring its controller."""
    for name, text in files.items():
        write(root, f"desk/src/{folder}/{name}", text)
    write(root, f"desk/src/{folder}/{folder}.module.ts", f"""
        import {{ Module }} from '@nestjs/common';
        import {{ {controller} }} from './{folder}.controller';
        @Module({{ controllers: [{controller}] }})
        export class FeatureModule {{}}
        """)


_SIGNUP_CONTROLLER = """
    import { Controller, Post } from '@nestjs/common';
    import { AccountsService } from './accounts.service';
    @Controller('accounts')
    export class AccountsController {
      constructor(private readonly accounts: AccountsService) {}
      @Post()
      async signup() {
        return this.accounts.open();
      }
      @Post('invite')
      async invite() {
        return this.accounts.invite();
      }
    }
    """

_ACCOUNTS_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { PrismaService } from '../db.service';
    @Injectable()
    export class AccountsService {
      constructor(private readonly prisma: PrismaService) {}
      async open(data: any = {}) {
        if (!data.role) {
          const hasAdmin = (await this.prisma.member.count({ where: { role: { equals: 'ADMIN' } } })) > 0;
          data.role = hasAdmin ? 'USER' : 'ADMIN';
        }
        return this.prisma.member.create({ data: { ...data } });
      }
      async invite() {
        const admins = await this.prisma.member.findMany({ where: { role: { equals: 'ADMIN' } } });
        if (admins[0].role === 'ADMIN') {
          return this.prisma.member.create({ data: { role: 'USER' } });
        }
      }
    }
    """


def test_a_sign_up_whose_provider_gives_the_first_user_the_administrators_role_is_administrative(
        tmp_path: Any) -> None:
    # ghostfolio's createUser: data.role = hasAdmin ? 'USER' : 'ADMIN', then prisma.user.create({data})
    root = str(tmp_path)
    _service(root)
    _feature(root, "accounts", "AccountsController", {"accounts.controller.ts": _SIGNUP_CONTROLLER,
                                                      "accounts.service.ts": _ACCOUNTS_SERVICE})
    design = _design(root)
    signup = design["endpoint:desk-POST-/accounts"]
    assert signup["mutating"] is True and signup["admin"] is True
    # a filter on the role and a comparison with it give no one the role
    invite = design["endpoint:desk-POST-/accounts/invite"]
    assert invite["mutating"] is True and "admin" not in invite


_HEALTH_CONTROLLER = """
    import { Controller, Get } from '@nestjs/common';
    import { AiService } from './ai.service';
    import { DigestService } from './digest.service';
    @Controller('health')
    export class HealthController {
      constructor(private readonly aiService: AiService, private readonly digests: DigestService) {}
      @Get('ai')
      async ai() {
        const { text } = await this.aiService.generateText({ prompt: 'Reply OK' });
        return text === 'OK';
      }
      @Get('summary')
      async summary() {
        return this.digests.summarise('x');
      }
      @Get('local')
      async local() {
        return this.digests.generateLocally('x');
      }
    }
    """

_AI_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import { createOpenRouter } from '@openrouter/ai-sdk-provider';
    import { generateText } from 'ai';
    @Injectable()
    export class AiService {
      public async generateText({ prompt }: { prompt: string }) {
        const provider = createOpenRouter({ apiKey: process.env.KEY });
        return generateText({ prompt, model: provider.chat('m') });
      }
    }
    """

_DIGEST_SERVICE = """
    import { Injectable } from '@nestjs/common';
    import OpenAI from 'openai';
    function generateText(x: string) { return x.toUpperCase(); }
    @Injectable()
    export class DigestService {
      private client = new OpenAI();
      async summarise(body: string) {
        const r = await this.client.chat.completions.create({ model: 'gpt-4o', messages: [] });
        return r.choices[0];
      }
      async generateLocally(body: string) {
        return generateText(body);
      }
    }
    """


def test_a_handler_reaching_an_ai_sdk_call_triggers_a_paid_operation(tmp_path: Any) -> None:
    # ghostfolio's GET /api/v1/health/ai: the AI SDK's generateText through an injected service; the OpenAI client's
    # chat.completions.create; a function of the file's own that shares the SDK's name is no paid call
    root = str(tmp_path)
    _service(root)
    _feature(root, "health", "HealthController", {"health.controller.ts": _HEALTH_CONTROLLER,
                                                  "ai.service.ts": _AI_SERVICE, "digest.service.ts": _DIGEST_SERVICE})
    design = _design(root)
    assert design["endpoint:desk-GET-/health/ai"]["triggers_paid_operation"] is True
    assert design["endpoint:desk-GET-/health/summary"]["triggers_paid_operation"] is True
    assert "triggers_paid_operation" not in design["endpoint:desk-GET-/health/local"]


_DEMO_CONTROLLER = """
    import { Controller, Get } from '@nestjs/common';
    import { MembershipService } from './membership.service';
    @Controller('demo')
    export class DemoController {
      constructor(private readonly membership: MembershipService) {}
      @Get('members/sync')
      async sync() {
        return this.membership.rememberToken('demo', 'x');
      }
      @Get('members/latest')
      async latest() {
        return this.membership.rememberToken('demo', 'x');
      }
    }
    """


def test_a_get_named_for_an_action_takes_its_providers_write(tmp_path: Any) -> None:
    # the same provider write: bookkeeping behind GET /latest, the action itself behind GET /sync
    root = str(tmp_path)
    _service(root)
    _feature(root, "demo", "DemoController", {"demo.controller.ts": _DEMO_CONTROLLER})
    design = _design(root)
    assert design["endpoint:desk-GET-/demo/members/sync"]["mutating"] is True
    assert "mutating" not in design["endpoint:desk-GET-/demo/members/latest"]
