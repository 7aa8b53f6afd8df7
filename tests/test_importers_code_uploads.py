"""The file uploads a handler takes and keeps, and whether their type is checked (code_uploads): the endpoint's
accepts_file_upload and upload_type_allowlist, for Go, NestJS and Express (multer) handlers."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import code_go, code_uploads, load_artifacts
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from tests.helpers import write

_GALLERY = """
package main

import (
    "net/http"
    "path/filepath"
    "strings"

    "github.com/labstack/echo/v4"
)

func routes(e *echo.Echo, g *Gallery) {
    e.POST("/api/pictures", g.Upload)
    e.POST("/api/avatars", g.Avatar)
    e.POST("/api/contacts/load", g.LoadContacts)
}

func (g *Gallery) Upload(c echo.Context) error {
    file, err := c.FormFile("file")
    if err != nil {
        return err
    }
    ext := strings.TrimPrefix(filepath.Ext(file.Filename), ".")
    if !contains(g.cfg.Types, "*") {
        if !contains(g.cfg.Types, ext) {
            return echo.NewHTTPError(http.StatusBadRequest, "type")
        }
    }
    src, _ := file.Open()
    _, err = g.store.Put(file.Filename, src)
    return err
}

func (g *Gallery) Avatar(c echo.Context) error {
    file, err := c.FormFile("avatar")
    if err != nil {
        return err
    }
    src, _ := file.Open()
    _, err = g.store.Put(file.Filename, src)
    return err
}

func (g *Gallery) LoadContacts(c echo.Context) error {
    file, _ := c.FormFile("csv")
    src, _ := file.Open()
    out, _ := os.CreateTemp("", "contacts")
    io.Copy(out, src)
    return g.parse(out.Name())
}
"""


def _go(seed: str | None) -> dict[str, dict[str, Any]]:
    texts = [("gallery/routes.go", blank_comments(_GALLERY))]
    routes = {f"{r.method} {r.path}": r for r in code_go.service_routes(texts)}
    out: dict[str, dict[str, Any]] = {}
    for key, r in routes.items():
        up = code_uploads.go([(b.path, b.code, b.start, b.end) for b in r.bodies])
        if up is not None:
            up = code_uploads.settled(up, [("gallery/seed.sql", seed)] if seed else [])
            out[key] = {"types": up.types, "said": up.said}
    return out


def test_a_go_handler_keeping_a_file_unchecked_accepts_any_type() -> None:
    got = _go(None)
    assert got["POST /api/avatars"]["types"] is False
    # a file copied to a temporary file and parsed (an import) is not kept: no upload stated
    assert "POST /api/contacts/load" not in got


def test_a_check_a_wildcard_skips_admits_any_type_only_when_the_committed_default_holds_it() -> None:
    assert _go(None)["POST /api/pictures"]["types"] is None
    assert _go("""INSERT INTO settings (key, value) VALUES ('media.types', '["png","jpg"]');""")[
        "POST /api/pictures"]["types"] is None
    seeded = _go("""INSERT INTO settings (key, value) VALUES\n    ('upload.extensions', '["png","jpg","*"]');""")
    assert seeded["POST /api/pictures"]["types"] is False
    assert "seed.sql:2" in seeded["POST /api/pictures"]["said"]


_NEST = """
    import { Controller, Post, UploadedFile, UseInterceptors, ParseFilePipe, FileTypeValidator } from '@nestjs/common';
    import { FileInterceptor } from '@nestjs/platform-express';
    @Controller('files')
    export class FilesController {
      @Post('any')
      @UseInterceptors(FileInterceptor('file'))
      public async any(@UploadedFile() file: Express.Multer.File) {
        return this.store(file);
      }

      @Post('images')
      @UseInterceptors(FileInterceptor('file'))
      public async images(
        @UploadedFile(new ParseFilePipe({ validators: [new FileTypeValidator({ fileType: 'image/png' })] }))
        file: Express.Multer.File) {
        return this.store(file);
      }

      @Post('note')
      public async note() {
        return 1;
      }
    }
    """


def _design(root: str, name: str) -> dict[str, dict[str, Any]]:
    docs = load_artifacts([f"source:{name}={os.path.join(root, name)}"])
    return {k: f.data for k, f in load_documents(docs).by_key().items()}


def test_a_nest_upload_without_a_type_validator_accepts_any_type(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "drive/package.json", '{"name": "drive"}')
    write(root, "drive/src/files.controller.ts", _NEST)
    design = _design(root, "drive")
    assert design["endpoint:drive-POST-/files/any"]["accepts_file_upload"] is True
    assert design["endpoint:drive-POST-/files/any"]["upload_type_allowlist"] is False
    assert design["endpoint:drive-POST-/files/images"]["upload_type_allowlist"] is True
    assert "accepts_file_upload" not in design["endpoint:drive-POST-/files/note"]


_EXPRESS = """
    const express = require('express');
    const multer = require('multer');
    const app = express();
    const upload = multer({ dest: 'uploads/'%s });
    app.post('/attachments', upload.single('file'), (req, res) => res.json(req.file));
    app.post('/comments', (req, res) => res.end());
    app.listen(3000);
    """


def test_an_express_multer_upload_is_unchecked_without_a_file_filter(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "notes/package.json", '{"name": "notes"}')
    write(root, "notes/app.js", _EXPRESS % "")
    design = _design(root, "notes")
    assert design["endpoint:notes-POST-/attachments"]["upload_type_allowlist"] is False
    assert "accepts_file_upload" not in design["endpoint:notes-POST-/comments"]
    write(root, "notes/app.js", _EXPRESS % ", fileFilter: onlyImages")
    filtered = _design(root, "notes")["endpoint:notes-POST-/attachments"]
    assert filtered["accepts_file_upload"] is True
    assert "upload_type_allowlist" not in filtered
