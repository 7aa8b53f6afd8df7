"""`import source`: a route of an unsafe method (POST, PUT, PATCH, DELETE) whose framework's handlers the import does
not read for writes changes the server's state, as the OpenAPI import reads an operation (``mutating: true``); one of
a framework whose handlers are read is mutating only when a write is found (a POST may be a query)."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact

NOTES_CONTROLLER = """
using Microsoft.AspNetCore.Mvc;

namespace Notes.Api.Controllers;

[ApiController]
[Route("api/[controller]")]
public class NotesController : ControllerBase
{
    [HttpPost]
    public IActionResult Add([FromBody] Note note) => Ok(_notes.Add(note));

    [HttpDelete("{noteId}")]
    public IActionResult Remove(int noteId) => Ok(_notes.Remove(noteId));

    [HttpGet]
    public IActionResult All() => Ok(_notes.All());
}
"""

SEARCH_APP = """
const express = require('express');
const app = express();

app.post('/search', (req, res) => res.json(index.find(req.body.terms)));

app.listen(8080);
"""


def test_an_unsafe_method_of_an_unread_handler_is_mutating(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "notes/Controllers/NotesController.cs", NOTES_CONTROLLER)
    d = design_of(import_paths("source", [f"{tmp}/notes"]))
    keys = {f.key for f in d.of_kind("endpoint")}
    post = next(k for k in keys if "POST" in k)
    delete = next(k for k in keys if "DELETE" in k)
    get = next(k for k in keys if "GET" in k)
    assert fact(d, post).data["mutating"] is True
    assert fact(d, delete).data["mutating"] is True
    assert "mutating" not in fact(d, get).data


def test_a_read_handler_writing_nothing_stays_unknown(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "search/server.js", SEARCH_APP)
    d = design_of(import_paths("source", [f"{tmp}/search"]))
    assert "mutating" not in fact(d, "endpoint:search-POST-/search").data


QUOTES_CONTROLLER = """
using Microsoft.AspNetCore.Mvc;

namespace Quotes.Api.Controllers;

[ApiController]
[Route("api/freight")]
public class FreightController : ControllerBase
{
    [HttpPost("get-quote")]
    public IActionResult Quote([FromBody] Parcel parcel) => Ok(_rates.For(parcel));

    [HttpPost("labels/generate/pdf")]
    public IActionResult Label([FromBody] Parcel parcel) => Ok(_pdf.Render(parcel));

    [HttpPost("shipments")]
    public IActionResult Ship([FromBody] Parcel parcel) => Ok(_shipments.Add(parcel));

    [HttpPut("get-quote")]
    public IActionResult Pin([FromBody] Parcel parcel) => Ok(_rates.Pin(parcel));
}
"""


def test_a_post_named_for_a_computation_is_not_assumed_to_change_state(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "freight/Controllers/FreightController.cs", QUOTES_CONTROLLER)
    d = design_of(import_paths("source", [f"{tmp}/freight"]))
    by_path = {(f.data["method"], f.data["path"]): f.data for f in d.of_kind("endpoint")}
    assert "mutating" not in by_path[("POST", "/api/freight/get-quote")]
    assert "mutating" not in by_path[("POST", "/api/freight/labels/generate/pdf")]
    assert by_path[("POST", "/api/freight/shipments")]["mutating"] is True
    assert by_path[("PUT", "/api/freight/get-quote")]["mutating"] is True  # PUT changes its target, whatever its name
