"""JavaScript and TypeScript handlers that reckon with a price or total from the request body (code_js_amount):
``amount_from_client`` on the route, read in the handler or in the service function its typed body goes to."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import code_routes, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

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


CART_VIEW = """
    <template><button @click="submitOrder">Order</button></template>
    <script setup lang="ts">
    const submitOrder = () => {
      const order = {
        customerId: 'c-1',
        items: cartItems.value.map((item) => ({
          productId: item.product.id,
          quantity: item.quantity,
          price: item.product.price,
        })),
      };
      fetch("/api/orders", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(order),
      });
    };
    const rename = () => axios.post("/api/profile", { name: 'x', items: list.map((i) => ({ id: i.id })) });
    </script>
"""

STORE_NGINX = """
    server {
        listen 8080;
        location /api/orders {
            rewrite ^/api/orders(/.*)$ $1 break;
            rewrite ^/api/orders$ / break;
            proxy_pass http://orders:3000;
        }
    }
"""


def _store(tmp: str, handler: str) -> dict[str, Any]:
    """The endpoint ``POST /api/orders`` of a store whose browser code posts priced lines (``CART_VIEW``) through
    an nginx gateway to a Fastify service whose ``POST /`` handler is ``handler``, with its notes."""
    write(tmp, "front/nginx.conf", STORE_NGINX)
    write(tmp, "front/src/views/Cart.vue", CART_VIEW)
    write(tmp, "orders/package.json", '{"name": "orders"}')
    write(tmp, "orders/routes/root.js", f"""
        'use strict'
        module.exports = async function (fastify, opts) {{
          fastify.post('/', async function (request, reply) {{
        {handler}
            reply.code(201)
          }})
        }}
        """)
    docs = load_artifacts([f"gateway:front={tmp}/front/nginx.conf", f"source={tmp}/front", f"source={tmp}/orders"])
    ep = fact(load_documents(docs), "endpoint:POST /api/orders")
    notes = [n for d in docs for n in d.notes.get("endpoint:POST /api/orders", ()) if n.startswith("amount")]
    return {**ep.data, "notes": notes}


def test_a_handler_passing_on_a_body_the_browser_prices_takes_the_amount_from_the_client(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    ep = _store(tmp, """
            const msg = request.body
            await fastify.sendMessage(Buffer.from(JSON.stringify(msg)))""")
    assert ep["amount_from_client"] is True
    assert ep["notes"] == [
        "amount_from_client: the system's browser code sends POST /api/orders with items[].price with a quantity at "
        f"{tmp}/front/src/views/Cart.vue:12, and its handler passes the request's body on whole, reading none of its "
        f"fields (fastify.sendMessage() at {tmp}/orders/routes/root.js:6)"]


@pytest.mark.parametrize("handler", [
    pytest.param("""
            const { items } = request.body
            await fastify.sendMessage(JSON.stringify(await priced(items)))""", id="reads-the-lines-and-prices-them"),
    pytest.param("""
            request.log.info(request.body)
            reply.send(request.body)""", id="logs-and-echoes-the-body"),
    pytest.param("""
            await fastify.orderService.create(request.body)""", id="hands-it-to-its-own-service-which-may-price-it"),
])
def test_a_handler_not_passing_the_priced_body_on_whole_is_not_said_to_trust_it(tmp_path: Any, handler: str) -> None:
    assert "amount_from_client" not in _store(str(tmp_path), handler)


def test_browser_code_posting_no_priced_lines_marks_no_request() -> None:
    from engine.importers.code_js_amount import priced_posts
    from engine.importers.code_text import blank_comments

    found = priced_posts([("Cart.vue", blank_comments(CART_VIEW))])
    assert found == {("POST", "/api/orders"): "POST /api/orders with items[].price with a quantity at Cart.vue:13"}
    assert priced_posts([("Cart.vue", blank_comments(CART_VIEW.replace("price: item", "note: item")))]) == {}
    checkout = "await axios.post('/api/checkout', { cart: id, total: cartTotal.value })"
    assert priced_posts([("pay.ts", checkout)]) == {
        ("POST", "/api/checkout"): "POST /api/checkout with total at pay.ts:1"}
    quoted = "await axios.post('/api/checkout', { 'cart': id, 'total': cartTotal.value })"
    assert priced_posts([("pay.ts", quoted)]) == priced_posts([("pay.ts", checkout)])
    nested = "await axios.post('/api/checkout', { cart: { id, total: cartTotal.value } })"
    assert priced_posts([("pay.ts", nested)]) == {}  # a total inside another object is no total of the request's own
    remote = "fetch(`${base}/api/orders`, {method: 'POST', body: JSON.stringify({total: t})})"
    assert priced_posts([("pay.ts", remote)]) == {}  # not a same-origin path written out
