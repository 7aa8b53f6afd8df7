"""Paths and small helpers shared by the importer tests."""

from __future__ import annotations

import os
import random

from engine.errors import ArchplanError
from engine.importers import import_paths
from engine.loader import load_documents
from engine.model.design import Design, Fact
from engine.source import Document
from tests.conftest import ROOT

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "importers")


def fixture(*parts: str) -> str:
    """A path under tests/fixtures/importers."""
    return os.path.join(FIXTURES, *parts)


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


# Checks run on the project's own fixtures and, as an extra layer, on the public specimens
# (tests/test_importers_corpus.py): one body of assertions for both.


def check_brokered_channels(path: str, broker_prefix: str, channel_key: str) -> None:
    """Four channels on a Kafka/MQTT broker: the one received has consumers only; three sends, three calls."""
    from engine.importers import import_paths

    d = design_of(import_paths("auto", [path]))
    channels = d.of_kind("channel")
    assert len(channels) == 4
    measured = next(c for c in channels if "measured" in c.name)
    assert measured.data["consumers"] and "producers" not in measured.data
    assert all(c.data["kind"] == "topic" and c.data["broker"].startswith(broker_prefix) for c in channels)
    assert len(d.of_kind("interaction")) == 3
    assert measured.location.file == path and measured.location.line == line_of(path, f"{channel_key}:")


def check_shared_components(files: list[str], services: set[str], fanout: tuple[str, str, list[str]],
                            socket: tuple[str, str]) -> None:
    """Services in several files sharing components by $ref; channels are matched by address.

    ``fanout``: (address, its one producer, its consumers) on a broker; ``socket``: (address, its producer)
    on a WebSocket server, which is no broker.
    """
    from engine.importers import import_paths

    d = design_of(import_paths("asyncapi", files))
    assert {s.name for s in d.of_kind("service")} == services
    address, producer, consumers = fanout
    channel = fact(d, f"channel:{address}").data
    assert channel["producers"] == [producer] and sorted(channel["consumers"]) == consumers
    assert "broker" in channel
    assert fact(d, f"channel:{socket[0]}").data["producers"] == [socket[1]]
    assert "broker" not in fact(d, f"channel:{socket[0]}").data
    assert not d.warnings


def check_paged_listing_without_security(path: str) -> None:
    """No security in the document: authentication is unknown, not "none"; ``limit`` makes a paged listing."""
    from engine.importers import import_paths

    d = design_of(import_paths("auto", [path]))
    eps = d.of_kind("endpoint")
    assert eps and all("authn" not in e.data for e in eps)
    listing = next(e for e in eps if e.data["method"] == "GET" and "{" not in e.data["path"])
    assert listing.data["pagination"] is True
    assert listing.location.file == path
    assert listing.locate("pagination").line == line_of(path, "name: limit")


def check_builtin_rules_on_artifacts(specs: list[str]) -> None:
    """``check --from FORMAT=PATH`` with the built-in rules finds something in each, located inside the artifact."""
    import json

    from click.testing import CliRunner

    from engine.cli.main import main

    for spec in specs:
        result = CliRunner().invoke(main, ["check", "--from", spec, "--format", "json", "--fail-on", "never"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["findings"], spec
        artifact = spec.split("=", 1)[1]
        root = artifact if os.path.isdir(artifact) else os.path.dirname(artifact)
        assert all(os.path.abspath(f["location"]["file"]).startswith(os.path.abspath(root))
                   for f in report["findings"] if f["location"]["file"]), spec


def check_first_artifact_wins(compose_file: str, manifest: str, service: str) -> None:
    """Compose (sorting first) says internal, the manifest NodePort: the first stands, with a warning naming both."""
    from engine.importers import load_artifacts

    design = load_documents(load_artifacts([f"kubernetes={manifest}", f"compose={compose_file}"]))
    front = fact(design, f"service:{service}")
    assert front.data["exposure"] == "internal"  # compose's file sorts first: its value stands
    assert front.data["health"]["liveness"] is True  # what compose leaves unknown, the manifest fills in
    warning = next(str(w) for w in design.warnings if service in str(w) and "exposure" in str(w))
    assert f"{manifest}:{line_of(manifest, 'type: NodePort')}" in warning
    assert f"{compose_file}:{line_of(compose_file, f'  {service}:')}" in warning
    assert "first artifact's (in file order) value is kept" in warning


def check_mangled_gateway_config(source: str, path: str, service: str, *, seed: int, rounds: int, noise: str) -> None:
    """Each of ``rounds`` copies of ``source`` with one to four characters deleted or inserted (drawn from ``noise``),
    written to ``path`` and imported as the gateway ``service``, gives a result or errors located in ``path``."""
    with open(source, encoding="utf-8") as fh:
        text = fh.read()
    rng = random.Random(seed)
    for _ in range(rounds):
        chars = list(text)
        for _edit in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[at]
            else:
                chars.insert(at, rng.choice(noise))
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("".join(chars))
        try:
            load_documents(import_paths("gateway", [path], service=service))
        except ArchplanError as exc:
            errors = getattr(exc, "errors", [exc])
            assert all(e.location is not None and e.location.file == path for e in errors), "".join(chars)
