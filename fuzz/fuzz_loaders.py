"""Coverage-guided fuzzing of archplan's loaders with atheris (``make fuzz``).

One harness, three targets, chosen by the first input byte (mod 3): the design loader (bytes ->
UTF-8 -> YAML/JSON -> merged, validated design -> enrichment), the rule loader (bytes -> rule file ->
schema and semantic validation -> compilation) and the project config loader (bytes -> TOML ->
schema -> checked against the built-in knowledge base). The contract under test is the one users rely on:
bad input raises an ``ArchplanError`` (exit 2, one clear line), and nothing else escapes. Any other
exception, a hang past ``-timeout`` or memory past ``-rss_limit_mb`` is a finding: libFuzzer writes
the input to ``fuzz/artifacts/`` and it becomes a case in ``tests/hostile/``.

Run: ``make fuzz FUZZ_SECONDS=300`` (atheris is installed by that target only).
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["engine", "yaml"]):
    from engine.compiler import compile_kb
    from engine.config import load_config
    from engine.enrich import enrich
    from engine.errors import ArchplanError
    from engine.loader import load_documents
    from engine.model.ruledata import KnowledgeBase, LoadedRule, from_model
    from engine.ruleload import builtin_rules_dir, derived_kinds, load_rules, validate
    from engine.source import Limits, decode, parse

from pydantic import ValidationError

from engine.model.rule import Rule

# Small bounds keep each input fast; the bounds themselves are part of what is tested.
LIMITS = Limits(max_bytes=1 << 20, max_depth=64, max_nodes=200_000, max_string=100_000)


def _design(raw: bytes) -> None:
    text = decode(raw, "fuzz.yaml")
    doc = parse(text, "fuzz.yaml", LIMITS)
    design = load_documents([doc])
    enrich(design)


def _rule(raw: bytes) -> None:
    text = decode(raw, "fuzz-rule.yaml")
    doc = parse(text, "fuzz-rule.yaml", LIMITS)
    if not isinstance(doc.data, dict):
        return
    try:
        rule = from_model(Rule.model_validate(doc.data))
    except ValidationError:
        return  # the loader turns these into located RuleErrors; tests/test_ruleload.py covers that mapping
    lr = LoadedRule(rule, "fuzz-rule.yaml", doc)
    kb = KnowledgeBase([lr], derived_kinds([lr]))
    if validate(kb):
        return
    compile_kb(kb)


_WORK = tempfile.mkdtemp(prefix="archplan-fuzz-")  # one file, rewritten per input
_CONFIG = os.path.join(_WORK, "archplan.toml")
_KB = load_rules([builtin_rules_dir()])


def _config(raw: bytes) -> None:
    with open(_CONFIG, "wb") as fh:
        fh.write(raw)
    config = load_config(_CONFIG, LIMITS)
    errors = config.check(_KB)
    if not errors:
        config.apply(_KB)


def test_one_input(data: bytes) -> None:
    """One fuzz input: ArchplanError is the expected answer to bad input; anything else is a bug."""
    if not data:
        return
    target, raw = data[0], data[1:]
    try:
        if target % 3 == 0:
            _design(raw)
        elif target % 3 == 1:
            _rule(raw)
        else:
            _config(raw)
    except ArchplanError:
        pass


def main() -> None:
    """Entry point: libFuzzer flags pass through (``-max_total_time``, ``-timeout`` …)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
