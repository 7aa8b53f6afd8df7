"""A bundled or minified browser script a service embeds (an API documentation UI's ``*.standalone.js``, a vendored
``*.min.js``) is build output that runs in the browser: its credential-named literals and log statements are not the
service's (code_routes.code_files, code_secrets' skipped files)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

SERVER = """
package main

import (
    "log"
    "net/http"
)

func main() {
    http.HandleFunc("/docs", serveDocs)
    log.Fatal(http.ListenAndServe(":8080", nil))
}
"""

BUNDLE = """
!function(e){var n={apiKey:"k3y-0f-the-demo",password:"hunter22"};function t(r){console.log(r.accessToken)}t(n)}(this);
"""


@pytest.mark.parametrize("name", ["viewer.standalone.js", "viewer.min.js", "viewer.bundle.js"])
def test_a_bundled_script_beside_the_code_gives_the_service_no_secret_and_no_logged_token(tmp_path: Any,
                                                                                           name: str) -> None:
    root = str(tmp_path)
    write(root, "docsvc/main.go", SERVER)
    write(root, f"docsvc/assets/{name}", BUNDLE)
    docs = load_artifacts([f"source={os.path.join(root, 'docsvc')}"])
    (svc,) = load_documents(docs).of_kind("service")
    assert "secrets_source" not in svc.data
    assert "logs_sensitive_data" not in svc.data


def test_the_same_script_as_the_service_s_own_code_is_read(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "docsvc/main.go", SERVER)
    write(root, "docsvc/assets/viewer.js", BUNDLE)
    docs = load_artifacts([f"source={os.path.join(root, 'docsvc')}"])
    (svc,) = load_documents(docs).of_kind("service")
    assert svc.data.get("secrets_source") == "repo_config" or svc.data.get("logs_sensitive_data") is True
