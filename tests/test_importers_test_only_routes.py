"""`import source`: a route whose authors' comment, just above its declaration, marks it for testing or debugging
only is a hook for developers on whatever surface serves it (``admin: true``); a comment elsewhere says nothing."""

from __future__ import annotations

from typing import Any

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact

LIBRARY_APP = """
const express = require('express');
const app = express();

// Wipe every loan - used for tests only
app.delete('/loans', (req, res) => { loans.clear(); res.sendStatus(204); });

/* lists every member, debug-only */
app.get('/members', (req, res) => res.json(members.all()));

// borrow a book
app.post('/loans', (req, res) => {
    // for testing only: log the body
    console.log(req.body);
    res.sendStatus(201);
});

app.listen(8080);
"""

SHELF_CONTROLLER = """
package org.example.shelf;

@RestController
public class ShelfController {
    // Only for testing: empties the shelf
    @Deprecated
    @DeleteMapping("/shelf")
    public void clear() { shelf.clear(); }

    @GetMapping("/shelf")
    public List<Book> all() { return shelf.all(); }
}
"""


def test_routes_marked_for_testing_or_debugging_only_are_admin(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "library/server.js", LIBRARY_APP)
    d = design_of(import_paths("source", [f"{tmp}/library"]))
    assert fact(d, "endpoint:library-DELETE-/loans").data["admin"] is True
    assert fact(d, "endpoint:library-GET-/members").data["admin"] is True
    assert "admin" not in fact(d, "endpoint:library-POST-/loans").data  # the comment inside its body is no mark


def test_annotations_between_the_comment_and_the_mapping_are_skipped(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "shelf/src/main/java/org/example/shelf/ShelfController.java", SHELF_CONTROLLER)
    d = design_of(import_paths("source", [f"{tmp}/shelf"]))
    assert fact(d, "endpoint:shelf-DELETE-/shelf").data["admin"] is True
    assert "admin" not in fact(d, "endpoint:shelf-GET-/shelf").data
