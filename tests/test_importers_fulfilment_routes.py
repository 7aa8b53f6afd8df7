"""`import source`: the routes that are a keeper's, not a user's (``admin: true``). A route that ships, dispatches,
delivers or fulfils an order is a step of its fulfilment, which the seller's back office takes, never the customer who
placed it; the same verb on something else than an order, a read, or a route merely mentioning shipping says nothing.
A DELETE of one item that anyone may call, of a collection its service lists to anyone, deletes what no user owns."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact


def _design(tmp_path: Any, service: str, code: str) -> Any:
    """The design ``import source`` makes of one service whose ``server.js`` is ``code``."""
    write(str(tmp_path), f"{service}/server.js", code)
    return design_of(import_paths("source", [f"{tmp_path}/{service}"]))

PARCELS_APP = """
const express = require('express');
const app = express();

app.put('/api/orders/:orderId/ship', (req, res) => { orders.markShipped(req.params.orderId); res.sendStatus(204); });
app.post('/api/v1/Orders/dispatch', (req, res) => { orders.dispatch(req.body.orderNumber); res.sendStatus(204); });
app.put('/api/orders/:orderId/cancel', (req, res) => { orders.cancel(req.params.orderId); res.sendStatus(204); });
app.get('/api/orders/:orderId/ship', (req, res) => res.json(orders.shipment(req.params.orderId)));
app.post('/api/parcels/:parcelId/deliver', (req, res) => { parcels.deliver(req.params.parcelId); res.end(); });
app.post('/api/shipping/quote', (req, res) => res.json(quote(req.body)));

app.listen(8080);
"""


def test_a_fulfilment_step_on_an_order_is_admin(tmp_path: Any) -> None:
    d = _design(tmp_path, "parcels", PARCELS_APP)
    assert fact(d, "endpoint:parcels-PUT-/api/orders/-orderId-/ship").data["admin"] is True
    assert fact(d, "endpoint:parcels-POST-/api/v1/Orders/dispatch").data["admin"] is True
    for other in ("PUT-/api/orders/-orderId-/cancel",  # the customer's own step
                  "GET-/api/orders/-orderId-/ship",  # a read of the shipment
                  "POST-/api/parcels/-parcelId-/deliver",  # no order named
                  "POST-/api/shipping/quote"):
        assert "admin" not in fact(d, f"endpoint:parcels-{other}").data, other


SHELF_APP = """
const express = require('express');
const app = express();

app.get('/books', (req, res) => res.json(books.all()));
app.delete('/books/:bookId', (req, res) => { books.remove(req.params.bookId); res.end(); });
app.delete('/loans/:loanId', (req, res) => { loans.remove(req.params.loanId); res.end(); });

app.listen(8080);
"""


def test_an_open_delete_of_an_item_of_an_open_listing_is_the_keepers(tmp_path: Any) -> None:
    d = _design(tmp_path, "shelf", SHELF_APP)
    book = fact(d, "endpoint:shelf-DELETE-/books/-bookId").data
    assert book["admin"] is True and book["authn"] == "none"
    assert "admin" not in fact(d, "endpoint:shelf-DELETE-/loans/-loanId").data  # no listing of loans to anyone
    assert "admin" not in fact(d, "endpoint:shelf-GET-/books").data
