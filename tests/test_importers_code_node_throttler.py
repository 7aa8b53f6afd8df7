"""@nestjs/throttler's guard on a NestJS route (code_node): the route is rate limited, and a sign-in's attempts too."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_node import nest_routes
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write

_MODULE = """
    import { Module } from '@nestjs/common';
    import { AccountController } from './account/account.controller';
    import { ReportsController } from './reports.controller';
    @Module({ controllers: [AccountController, ReportsController] })
    export class AppModule {}
    """


def _service(root: str, guard: str, account: str, reports: str) -> None:
    write(root, "desk/src/guards/by-proxy.guard.ts", guard)
    write(root, "desk/src/app.module.ts", _MODULE)
    write(root, "desk/src/account/account.controller.ts", account)
    write(root, "desk/src/reports.controller.ts", reports)


_GUARD = """
    import { ThrottlerGuard } from '@nestjs/throttler';
    export class ByProxyGuard extends ThrottlerGuard {
      protected async getTracker(req: Record<string, any>): Promise<string> { return req.ip; }
    }
    export class StricterGuard extends ByProxyGuard {}
    """

_ACCOUNT = """
    import { Controller, Get, Post, UseGuards } from '@nestjs/common';
    import { SkipThrottle } from '@nestjs/throttler';
    import { ByProxyGuard } from '../guards/by-proxy.guard';
    // @UseGuards(ThrottlerGuard) in a comment guards nothing
    @UseGuards(ByProxyGuard)
    @Controller({ path: 'account', version: '1' })
    export class AccountController {
      constructor(private readonly svc: object) {}
      @Post('signin')
      signin() { return {}; }
      @Get('callback')
      @SkipThrottle()
      callback() { return {}; }
      @Get('status')
      @SkipThrottle({ default: false })
      status() { return {}; }
    }
    """

_REPORTS = """
    import { Controller, Get, UseGuards } from '@nestjs/common';
    import { Throttle } from '@nestjs/throttler';
    import { StricterGuard } from './guards/by-proxy.guard';
    @Controller('reports')
    export class ReportsController {
      @Get('daily')
      @Throttle({ default: { limit: 3, ttl: 60000 } })
      daily() { return {}; }
      @Get('weekly')
      @UseGuards(new StricterGuard())
      weekly() { return {}; }
    }
    """


def _throttled(root: str) -> dict[str, str]:
    out = {}
    for name in ("account/account.controller.ts", "reports.controller.ts"):
        path = os.path.join(root, "desk/src", name)
        with open(path, encoding="utf-8") as f:
            for r in nest_routes(path, blank_comments(f.read())):
                out[f"{r.method} {r.path}"] = r.throttled
    return out


def test_a_throttler_guard_or_its_subclass_on_the_controller_or_the_method_limits_the_route(tmp_path: Any) -> None:
    # a subclass of ThrottlerGuard in another file, at any depth, is the throttler; on the class it guards every
    # method unless @SkipThrottle() skips it ({default: false} skips nothing); @Throttle alone applies no guard
    root = str(tmp_path)
    _service(root, _GUARD, _ACCOUNT, _REPORTS)
    found = _throttled(root)
    assert "ByProxyGuard guards its controller" in found["POST /account/signin"]
    assert "account.controller.ts:5" in found["POST /account/signin"]
    assert found["GET /account/callback"] == ""
    assert "ByProxyGuard" in found["GET /account/status"]
    assert found["GET /reports/daily"] == ""
    assert "StricterGuard guards the route" in found["GET /reports/weekly"]


def test_a_class_extending_something_else_is_no_throttler(tmp_path: Any) -> None:
    root = str(tmp_path)
    _service(root, _GUARD.replace("extends ThrottlerGuard", "extends AuthGuard('jwt')"), _ACCOUNT, _REPORTS)
    assert not any(_throttled(root).values())


def test_an_app_guard_binding_the_throttler_limits_every_route_but_the_skipped(tmp_path: Any) -> None:
    root = str(tmp_path)
    _service(root, _GUARD, _ACCOUNT.replace("@UseGuards(ByProxyGuard)", ""), _REPORTS)
    write(root, "desk/src/app.module.ts", _MODULE.replace(
        "@Module({ controllers: [AccountController, ReportsController] })",
        "@Module({ controllers: [AccountController, ReportsController],\n"
        "           providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }] })"))
    found = _throttled(root)
    assert "ThrottlerGuard is bound to every route as an APP_GUARD provider" in found["GET /reports/daily"]
    assert found["GET /account/callback"] == ""


def test_a_throttled_sign_in_is_rate_limited_and_protected_from_brute_force_in_the_design(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          desk:
            image: acme/desk:2
            ports: ["8080:8080"]
        """)
    _service(root, _GUARD, _ACCOUNT, _REPORTS)

    def design() -> Any:
        docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                               f"source={os.path.join(root, 'desk')}"])
        return load_documents(docs).by_key()

    signin = design()["endpoint:POST /account/signin"].data
    assert signin["rate_limit"] is True
    assert signin["brute_force_protection"] is True
    assert "rate_limit" not in design()["endpoint:GET /account/callback"].data
    _service(root, _GUARD.replace("extends ThrottlerGuard", "extends Object"), _ACCOUNT, _REPORTS)
    assert "rate_limit" not in design()["endpoint:POST /account/signin"].data


_SKIPPING_MODULE = """
    import { Module } from '@nestjs/common';
    import { ThrottlerModule } from '@nestjs/throttler';
    import { AccountController } from './account/account.controller';
    import { ReportsController } from './reports.controller';
    import { ConfigurationService } from './configuration.service';
    @Module({
      controllers: [AccountController, ReportsController],
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [ConfigurationService],
          useFactory: (configurationService: ConfigurationService) => {
            const isRateLimitingEnabled = configurationService.get('ENABLE_FEATURE_RATE_LIMITING');
            return {
              skipIf: () => {
                return !isRateLimitingEnabled;
              },
              throttlers: [{ limit: 10, ttl: 60000 }]
            };
          }
        })
      ]
    })
    export class AppModule {}
    """

_CONFIGURATION = """
    import { bool, cleanEnv } from 'envalid';
    export class ConfigurationService {
      private readonly env = cleanEnv(process.env, {
        ENABLE_FEATURE_RATE_LIMITING: bool({ default: false }),
      });
      public get(key: string) { return this.env[key]; }
    }
    """


def test_a_throttler_skipped_unless_a_setting_is_on_limits_nothing_where_the_deployment_leaves_it_off(
        tmp_path: Any) -> None:
    # ghostfolio: ThrottlerModule's skipIf returns !isRateLimitingEnabled, read from ENABLE_FEATURE_RATE_LIMITING,
    # which the envalid schema defaults to false; the deployment either leaves it unset or turns it on
    root = str(tmp_path)
    _service(root, _GUARD, _ACCOUNT, _REPORTS)
    write(root, "desk/src/app.module.ts", _SKIPPING_MODULE)
    write(root, "desk/src/configuration.service.ts", _CONFIGURATION)

    def signin(environment: str) -> dict[str, Any]:
        write(root, "compose.yaml", f"""
            services:
              desk:
                image: acme/desk:2
                ports: ["8080:8080"]
                environment: {{{environment}}}
            """)
        docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                               f"source={os.path.join(root, 'desk')}"])
        design = load_documents(docs)
        return dict(design.by_key()["endpoint:POST /account/signin"].data)

    off = signin("")
    assert "rate_limit" not in off and "brute_force_protection" not in off
    off = signin("ENABLE_FEATURE_RATE_LIMITING: 'false'")
    assert "rate_limit" not in off
    on = signin("ENABLE_FEATURE_RATE_LIMITING: 'true'")
    assert on["rate_limit"] is True and on["brute_force_protection"] is True
    # a schema that declares no default leaves the unset setting unknown: the guard is taken at its word
    write(root, "desk/src/configuration.service.ts", _CONFIGURATION.replace("bool({ default: false })", "bool()"))
    assert signin("")["rate_limit"] is True
    # without a deployment, the code's throttle stands
    found = _throttled(root)
    assert "ByProxyGuard guards its controller" in found["POST /account/signin"]
