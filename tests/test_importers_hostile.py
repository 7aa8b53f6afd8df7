"""Every value of an artifact replaced by a value of the wrong shape: a located error or a result, never a crash."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from engine.errors import ArchplanError
from engine.importers import import_paths
from engine.loader import load_documents
from tests.importer_helpers import fixture

CASES = [("openapi", fixture("openapi", "legacy-swagger.yaml")),
         ("openapi", fixture("openapi", "internal-31.yaml")),
         ("asyncapi", fixture("asyncapi", "orders-2.6.yaml")),
         ("compose", fixture("compose", "shop-compose.yaml")),
         ("kubernetes", fixture("kubernetes", "shop", "data.yaml")),
         ("gateway", fixture("gateway", "spring-application.yml")),
         ("gateway", fixture("gateway", "envoy.yaml"))]
WRONG: tuple[Any, ...] = (None, 5, [], {"x": 1})


def key_paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if at:
        yield at
    if isinstance(node, dict):
        for k, v in node.items():
            yield from key_paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from key_paths(v, (*at, i))


@pytest.mark.parametrize(("fmt", "source"), CASES, ids=[os.path.basename(s) for _f, s in CASES])
def test_wrong_shapes_anywhere_give_located_errors_not_crashes(fmt: str, source: str,
                                                               tmp_path: os.PathLike[str]) -> None:
    with open(source, encoding="utf-8") as fh:
        docs = list(yaml.safe_load_all(fh))
    target = os.path.join(str(tmp_path), os.path.basename(source))
    tried = 0
    for di, doc in enumerate(docs):
        for at in list(key_paths(doc)):
            for value in WRONG:
                mutated = copy.deepcopy(docs)
                node = mutated[di]
                for part in at[:-1]:
                    node = node[part]
                node[at[-1]] = value
                with open(target, "w", encoding="utf-8") as fh:
                    yaml.safe_dump_all(mutated, fh)
                tried += 1
                try:
                    load_documents(import_paths(fmt, [target]))
                except ArchplanError as exc:
                    for err in exc.errors:
                        assert err.location is not None and err.location.file, (at, value, str(err))
    assert tried > 100
