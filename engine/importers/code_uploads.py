"""The file uploads a handler takes, and whether their type is checked (``import source``): the endpoint's
``accepts_file_upload`` and ``upload_type_allowlist``.

An upload that keeps any file lets whoever may upload store HTML, SVG with script or executables on the service
(OWASP File Upload Cheat Sheet). Read here:

- **Go** (a handler's body and the functions it runs, ``code_go``): ``FormFile(...)``, ``MultipartForm(...)`` or
  ``MultipartReader()`` on the request or the framework's context, when the handler itself also keeps what it
  reads (a store's ``Put`` or ``Upload``, ``SaveUploadedFile``, ``os.Create``; not a temporary file read and
  dropped, an import's, nor what functions further on do with it). The type is checked when the body reads the
  file's extension or sniffs its content (``filepath.Ext``, ``http.DetectContentType``, ``mimetype.Detect``); a
  check that a wildcard in its list skips (``inArray("*", exts)``, ``slices.Contains(exts, "*")``) admits any type
  when the service's committed defaults (its SQL seed or configuration) give such a list with ``"*"``, and is
  unknown otherwise. No check at all: any type is kept.
- **NestJS**: a handler taking ``@UploadedFile()`` / ``@UploadedFiles()`` (``FileInterceptor`` and its kin).
  A ``FileTypeValidator`` in its pipe is an allowlist; a ``fileFilter`` in the interceptor's options is a check
  whose list is not read (unknown); neither: any type is kept.
- **Express**: a route whose middlewares include multer's ``.single(...)``, ``.array(...)``, ``.fields(...)`` or
  ``.any()`` on a variable the file assigns ``multer(...)``: a ``fileFilter`` anywhere in the file is a check not
  read (unknown); none: any type is kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

_GO_UPLOAD = re.compile(r"\.\s*(FormFile|MultipartForm|MultipartReader)\s*\(")
_GO_KEEP = re.compile(r"\.\s*(?:Put|PutObject|FPutObject|Upload|Save|Store|SaveUploadedFile)\s*\(|"
                      r"\bos\s*\.\s*(?:Create|WriteFile|OpenFile)\s*\(|\bioutil\s*\.\s*WriteFile\s*\(")
"""A call that keeps the file: a store's ``Put`` or ``Upload``, gin's ``SaveUploadedFile``, a file it creates (not a
temporary one, ``os.CreateTemp``: a file read and thrown away, an import, is not kept)."""
_GO_TYPE_CHECK = re.compile(r"\b(?:filepath|path)\s*\.\s*Ext\s*\(|\bDetectContentType\s*\(|\bmimetype\s*\.\s*Detect|"
                            r"\bfiletype\s*\.\s*(?:Match|Is)")
_WILDCARD = re.compile(r"""\b\w+\s*\(\s*"\*"\s*,[^()]*\)|\b\w+\s*\([^()]*,\s*"\*"\s*\)|==\s*"\*"|"\*"\s*==""")
"""A membership test or comparison with the wildcard ``"*"`` (``inArray("*", exts)``, ``slices.Contains(exts,
"*")``)."""
_WILDCARD_DEFAULT = re.compile(r"""(?i)['"]?[\w.]*(?:extension|file_?type|mime_?type)s?['"]?\s*[,:=]\s*'?\[[^\]\n]*"""
                               r"""["']\*["'][^\]\n]*\]""")
"""A committed default of an extension or type list holding ``"*"`` (an SQL seed ``('upload.extensions',
'["jpg","*"]')``, a TOML or YAML ``extensions = ["*"]``)."""
_NEST_UPLOAD = re.compile(r"@Uploaded(?:File|Files)\s*\(")
_NEST_TYPES = re.compile(r"\bFileTypeValidator\b")
_FILE_FILTER = re.compile(r"\bfileFilter\s*[:(]")
_MULTER = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*multer\s*\(")
_MULTER_USE = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\.\s*(?:single|array|fields|any)\s*\(")


@dataclass(frozen=True)
class Upload:
    """A file upload a handler takes (``at``), and whether its type is checked against an allowlist: True, False
    (any type kept), or None (a check whose list is not read), with why; ``wildcard``: a Go check a ``"*"`` in its
    list skips, settled in the service's committed defaults (``settled``)."""

    at: str
    types: bool | None
    said: str
    wildcard: str | None = None


def _where(file: str, code: str, at: int) -> str:
    return f"{os.path.basename(file)}:{code.count(chr(10), 0, at) + 1}"


def go(bodies: Sequence[tuple[str, str, int, int]]) -> Upload | None:
    """The upload a Go handler takes (``bodies``: file, code with comments blanked, start, end of its functions)."""
    found = next(((f, c, m) for f, c, s, e in bodies for m in [_GO_UPLOAD.search(c, s, e)] if m), None)
    if found is None:
        return None
    file, code, m = found
    if not _GO_KEEP.search(bodies[0][1], bodies[0][2], bodies[0][3]):
        return None
    at = f"{m.group(1)}() at {_where(file, code, m.start())}"
    check = next(((f, c, k) for f, c, s, e in bodies for k in [_GO_TYPE_CHECK.search(c, s, e)] if k), None)
    if check is None:
        return Upload(at, False, f"its handler reads the uploaded file ({at}) and checks neither its extension nor "
                                 "its content")
    wild = next(((f, c, w) for f, c, s, e in bodies for w in [_WILDCARD.search(c, s, e)] if w), None)
    if wild is not None:
        where = f"{' '.join(wild[2].group(0).split())} at {_where(wild[0], wild[1], wild[2].start())}"
        return Upload(at, None, f"its type check is skipped when its list holds \"*\" ({where})", wildcard=where)
    return Upload(at, None, f"its handler checks the file's type ({_where(check[0], check[1], check[2].start())}), "
                            "against a list not read")


def settled(upload: Upload, texts: Sequence[tuple[str, str]]) -> Upload:
    """``upload`` with a wildcard-skipped check settled: any type is kept when the service's committed defaults
    (``texts``: its code, SQL and configuration) give a list of extensions or types holding ``"*"``."""
    if upload.wildcard is None or upload.types is not None:
        return upload
    for path, text in texts:
        m = _WILDCARD_DEFAULT.search(text)
        if m:
            default = " ".join(m.group(0).split())
            return Upload(upload.at, False, f"its type check is skipped when its list holds \"*\" ({upload.wildcard}),"
                                            f" and the committed default holds it ({default} at "
                                            f"{_where(path, text, m.start())})")
    return upload


def nest(code: str, start: int, end: int) -> Upload | None:
    """The upload a NestJS handler takes: its parameters (before ``start``, its body's) take ``@UploadedFile()``."""
    head = max(code.rfind("\n  }", 0, start), code.rfind("@Controller", 0, start), 0)
    m = _NEST_UPLOAD.search(code, head, start)
    if m is None:
        return None
    at = f"{m.group(0).rstrip('( ')} at line {code.count(chr(10), 0, m.start()) + 1}"
    if _NEST_TYPES.search(code, head, start):
        return Upload(at, True, "its pipe checks the file's type (FileTypeValidator)")
    if _FILE_FILTER.search(code, head, start):
        return Upload(at, None, "its interceptor's fileFilter checks the files, against a list not read")
    return Upload(at, False, f"it takes uploaded files ({at}) with no FileTypeValidator and no fileFilter")


def express(code: str, start: int, end: int) -> Upload | None:
    """The upload an Express route takes (``code[start:end]``: its arguments): a multer middleware of the file."""
    made = {m.group(1): m.end() for m in _MULTER.finditer(code)}
    use = next((u for u in _MULTER_USE.finditer(code, start, end) if u.group(1) in made), None)
    if use is None:
        return None
    at = f"multer's {use.group(0).rstrip('( ')} at line {code.count(chr(10), 0, use.start()) + 1}"
    if _FILE_FILTER.search(code):
        return Upload(at, None, "its file gives multer a fileFilter, whose list is not read")
    return Upload(at, False, f"it takes uploaded files ({at}) and its multer options give no fileFilter")
