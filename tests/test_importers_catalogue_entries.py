"""`import source`: a route that takes one entry of a catalogue by its id (``/products/{id}``) serves shared
reference data, every visitor's to see, not a user's own object: ``data_classification: public`` (a hint)."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of

SHOP = """
const express = require('express');
const app = express();

app.get('/api/products/:productId', (req, res) => res.json(products.get(req.params.productId)));
app.get('/api/products/:productId/reviews', (req, res) => res.json([]));
app.get('/api/orders/:orderId', (req, res) => res.json(orders.get(req.params.orderId)));
app.get('/api/categories', (req, res) => res.json(categories.all()));

app.listen(8080);
"""


def test_an_entry_of_a_catalogue_taken_by_id_is_public_reference_data(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "shop/server.js", SHOP)
    d = design_of(import_paths("source", [f"{tmp}/shop"]))
    classes = {f.data["path"]: f.data.get("data_classification") for f in d.of_kind("endpoint")}
    assert classes == {
        "/api/products/{productId}": "public",
        "/api/products/{productId}/reviews": "public",  # the id it takes is still a product's
        "/api/orders/{orderId}": "pii",  # a customer's own order: _PERSONAL's hint
        "/api/categories": None,  # no entry taken by id: nothing said
    }
