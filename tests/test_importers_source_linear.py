"""`import source` on code whose calls never close (a truncated or hostile file): the import reads it in linear
work. Checked by the Python calls it makes at two sizes (a count, the same on any machine; a time would vary with
the load): four times the file must cost about four times the work, never sixteen."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from engine.importers import load_artifacts

FILES = {
    "main.go": ('package main\nimport "net/http"\nfunc main() {\n', "http.Get("),
    "index.js": ("const express = require('express');\nconst app = express();\n", "fetch("),
    "App.java": ("class App { void run() {\n", "restTemplate.getForObject("),
    "app.py": ("import requests\n", "requests.get("),
}


def _work(tmp: str, name: str, n: int) -> int:
    head, call = FILES[name]
    folder = os.path.join(tmp, f"{n}", "svc")
    os.makedirs(folder)
    with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
        fh.write(head + call * n + "\n")
    count = 0

    def tally(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(tally)
    try:
        load_artifacts([f"source={folder}"])
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_file_of_unclosed_calls_is_read_in_linear_work(tmp_path: Any, name: str) -> None:
    small, large = _work(str(tmp_path), name, 250), _work(str(tmp_path), name, 1000)
    assert large < 6 * small, (small, large)
