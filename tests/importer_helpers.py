"""Paths and small helpers shared by the importer tests."""

from __future__ import annotations

import os

from engine.loader import Design, Fact, load_documents
from engine.source import Document
from tests.conftest import ROOT

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "importers")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")


def fixture(*parts: str) -> str:
    """A path under tests/fixtures/importers."""
    return os.path.join(FIXTURES, *parts)


def corpus(*parts: str) -> str:
    """A public specimen under ../shared/corpus, read in place."""
    return os.path.join(CORPUS, *parts)


def line_of(path: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line of ``path`` that contains ``needle``."""
    seen = 0
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if needle in line:
                seen += 1
                if seen == nth:
                    return i
    raise AssertionError(f"{needle!r} not in {path}")


def design_of(docs: list[Document]) -> Design:
    """The validated, merged design of imported documents."""
    return load_documents(docs)


def fact(design: Design, key: str) -> Fact:
    """One fact by key (fails the test with the known keys when absent)."""
    facts = design.by_key()
    assert key in facts, f"{key} not in {sorted(facts)}"
    return facts[key]


def read(path: str) -> str:
    """A file's text."""
    with open(path, encoding="utf-8") as fh:
        return fh.read()
