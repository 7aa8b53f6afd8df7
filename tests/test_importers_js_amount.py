"""JavaScript and TypeScript handlers that reckon with a price or total from the request body (code_js_amount):
``amount_from_client`` on the route, read in the handler or in the service function its typed body goes to."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_routes
from tests.helpers import write

NEST_CONTROLLER = """
    import { Body, Controller, Param, Post, Put } from '@nestjs/common';
    import { ApiOkResponse } from '@nestjs/swagger';
    import { BasketService } from './basket.service';
    import { BasketForm } from './basket.form';
    import { ShelfForm } from './shelf.form';

    @Controller('baskets')
    export class BasketController {
      constructor(private readonly baskets: BasketService) {}

      @Post(':owner/price')
      @ApiOkResponse({ description: 'priced' })
      async price(@Param('owner') owner: string, @Body() form: BasketForm) {
        return this.baskets.priceUp(owner, form);
      }

      @Put(':owner/shelf')
      async shelf(@Param('owner') owner: string, @Body() form: ShelfForm) {
        return this.baskets.shelve(owner, form);
      }
    }
"""

NEST_SERVICE = """
    import { Injectable } from '@nestjs/common';

    @Injectable()
    export class BasketService {
      async priceUp(owner: string, form: BasketForm): Promise<number> {
        let sum = 0;
        for (const line of form.lines) {
          sum += line.count * line.unitPrice;
        }
        return sum;
      }

      async shelve(owner: string, form: ShelfForm): Promise<void> {
        const record = { label: form.label, price: 0 };
        record.price = form.price;  // an employee sets the shelf price: copied, not reckoned with
        await this.store.save(record);
      }
    }
"""


def _amounts(root: str, rel: str) -> dict[tuple[str, str], str | None]:
    path = os.path.join(root, rel)
    cwd = os.getcwd()
    os.chdir(root)  # the evidence names files as the import does, relative to where it runs
    try:
        with open(path, encoding="utf-8") as f:
            return {(r.method, r.path): r.amount for r in code_routes.routes_of_file(rel, f.read())}
    finally:
        os.chdir(cwd)


def test_a_nest_handler_whose_typed_body_is_priced_in_its_service_takes_the_amount_from_the_client(
        tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "tills/package.json", '{"name": "tills"}')
    write(root, "tills/src/basket/basket.controller.ts", NEST_CONTROLLER)
    write(root, "tills/src/basket/basket.service.ts", NEST_SERVICE)
    found = _amounts(root, "tills/src/basket/basket.controller.ts")
    assert found[("POST", "/baskets/{owner}/price")] == "line.unitPrice at tills/src/basket/basket.service.ts:8"
    assert found[("PUT", "/baskets/{owner}/shelf")] is None


def test_an_express_handler_reckoning_with_the_body_total_takes_the_amount_from_the_client(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "pay/server.js", """
        const express = require('express')
        const app = express()
        app.post('/charge', async (req, res) => {
          const { total, card } = req.body
          await gateway.chargeCard(card, total)
          res.sendStatus(201)
        })
        app.post('/products', async (req, res) => {
          await db.insert({ name: req.body.name, price: req.body.price })
          res.sendStatus(201)
        })
        app.get('/quote', (req, res) => res.json({ due: req.body.total * 2 }))
        app.listen(8080)
        """)
    found = _amounts(root, "pay/server.js")
    assert found[("POST", "/charge")] == "total at pay/server.js:5"
    assert found[("POST", "/products")] is None
    assert found[("GET", "/quote")] is None  # a read charges nothing
