"""A service's Java classes are read once for the readers that ask in turn, and read again for other files."""

from __future__ import annotations

from engine.importers import code_workflows


def test_the_same_files_are_read_once_and_other_files_afresh() -> None:
    first = [("A.java", "class A { void run() { } }")]
    second = [("B.java", "class B { private Repo repo; void stop() { } }")]
    classes = code_workflows._java_classes(first)
    assert set(classes) == {"A"} and set(classes["A"].methods) == {"run"}
    assert code_workflows._java_classes(list(first)) is classes  # equal files, not the same list: read once
    other = code_workflows._java_classes(second)
    assert set(other) == {"B"} and set(other["B"].methods) == {"stop"} and other["B"].fields == {"repo": "Repo"}
    changed = code_workflows._java_classes([("A.java", "class A { void walk() { } }")])  # same path, new text
    assert set(changed["A"].methods) == {"walk"}
