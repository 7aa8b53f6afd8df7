"""A NestJS handler that sends a request to an address the request gives (code_nest_fetch): followed through the
providers of every source folder of the service (a workspace library's use cases too), with the checks that leave it
out (an allowlist, a private-address test, a DTO's host_whitelist)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

_MODULE = """
    import { Module } from '@nestjs/common';
    import { HooksController } from './hooks.controller';
    import { CheckHook } from './check-hook.usecase';
    import { CallHook } from '@acme/lib';
    @Module({
      controllers: [HooksController],
      providers: [CheckHook, CallHook],
    })
    export class AppModule {}
    """

_CONTROLLER = """
    import { Controller, Post, Get, Body, Query } from '@nestjs/common';
    import { CheckHook } from './check-hook.usecase';
    import { HookDto } from './hook.dto';
    @Controller('hooks')
    export class HooksController {
      constructor(private readonly checkHook: CheckHook) {}
      @Get('ping')
      async ping(@Query('target') target: string) {
        return this.checkHook.ping(target);
      }
      @Post('validate')
      async validate(@Body() body: HookDto) {
        return this.checkHook.execute(CheckHookCommand.create({ orgId: 'x', statelessHookUrl: body.hookUrl }));
      }
      @Post('by-position')
      async byPosition(@Body('callbackUrl') callback: string) {
        return this.checkHook.probe('x', callback);
      }
    }
    """

_DTO = """
    import { IsUrl } from 'class-validator';
    export class HookDto {
      @IsUrl({ require_protocol: true })
      hookUrl: string;
    }
    """

_USECASE = """
    import { Injectable } from '@nestjs/common';
    import { CallHook } from '@acme/lib';
    @Injectable()
    export class CheckHook {
      constructor(private callHook: CallHook) {}
      async execute(command: CheckHookCommand) {
        return this.callHook.execute({ orgId: command.orgId, hookUrl: command.statelessHookUrl });
      }
      async ping(target: string) {
        return this.callHook.execute({ orgId: target, hookUrl: 'https://hooks.example.com' });
      }
      async probe(org: string, where: string) {
        return this.callHook.send(where);
      }
    }
    """

_LIB = """
    import { Injectable } from '@nestjs/common';
    import got from 'got';
    @Injectable()
    export class CallHook {
      async execute(command: CallHookCommand) {
        const chosen = this.pick(command.hookUrl);
        const address = new URL(chosen);
        address.searchParams.set('action', 'health');
        const url = address.toString();
        const request = command.orgId ? got.post : got.get;
        return request(url, { timeout: 5000 }).json();
      }
      async send(to: string) {
        return got.post(to, { json: {} });
      }
      private pick(given?: string) {
        return given || 'https://default.example.com';
      }
    }
    """


def _design(root: str) -> dict[str, dict[str, Any]]:
    docs = load_artifacts([f"source:desk={os.path.join(root, 'app', 'src')}",
                           f"source:desk={os.path.join(root, 'lib', 'src')}"])
    return {k: f.data for k, f in load_documents(docs).by_key().items()}


def _service(root: str, lib: str = _LIB, dto: str = _DTO) -> None:
    write(root, "app/src/app.module.ts", _MODULE)
    write(root, "app/src/hooks.controller.ts", _CONTROLLER)
    write(root, "app/src/hook.dto.ts", dto)
    write(root, "app/src/check-hook.usecase.ts", _USECASE)
    write(root, "lib/src/call-hook.usecase.ts", lib)


@pytest.mark.parametrize("route", [
    "POST-/hooks/validate",      # body.hookUrl -> a command's property -> a library's use case -> got through a local
    "POST-/hooks/by-position",   # @Body('callbackUrl') -> a provider's parameter by position -> got.post
])
def test_an_address_the_request_gives_carried_to_an_http_client_is_a_fetch_of_a_user_url(tmp_path: Any,
                                                                                         route: str) -> None:
    _service(str(tmp_path))
    ep = _design(str(tmp_path))[f"endpoint:desk-{route}"]
    assert (ep["fetches_user_url"], ep["url_allowlist"]) == (True, False)


def test_a_fixed_address_or_a_request_value_that_is_no_address_is_no_fetch_of_the_users(tmp_path: Any) -> None:
    # ping's query value is the organisation, not the address (which is written in the code)
    root = str(tmp_path)
    _service(root)
    assert "fetches_user_url" not in _design(root)["endpoint:desk-GET-/hooks/ping"]


def test_a_private_address_check_or_an_allowlist_on_the_way_leaves_it_out(tmp_path: Any) -> None:
    root = str(tmp_path)
    _service(root, lib=_LIB.replace("const url = address.toString();",
                                    "if (isPrivateIp(address.hostname)) throw new Error('no');\n"
                                    "        const url = address.toString();"))
    assert "fetches_user_url" not in _design(root)["endpoint:desk-POST-/hooks/validate"]
    _service(root, dto=_DTO.replace("require_protocol: true", "require_protocol: true, host_whitelist: ['a.io']"))
    assert "fetches_user_url" not in _design(root)["endpoint:desk-POST-/hooks/validate"]


def test_no_client_call_with_it_is_no_fetch(tmp_path: Any) -> None:
    root = str(tmp_path)
    _service(root, lib=_LIB.replace("return request(url, { timeout: 5000 }).json();", "return url.length;"))
    assert "fetches_user_url" not in _design(root)["endpoint:desk-POST-/hooks/validate"]
