"""The whole-report writers read the findings in bulk (``engine.model.finding.findings_json``, ``filled``), and
write what the per-finding forms (``Finding.to_json``, ``shown``, ``logical_path``) write."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import pytest

from engine.gate.common import logical_path, one_line
from engine.gate.core import GateOptions, evaluate
from engine.gate.sarif import to_sarif_data
from engine.model.base import Severity
from engine.model.finding import Finding, filled, findings_json
from engine.review import Review, display_path, review
from tests.conftest import ROOT

DESIGNS = sorted(d for d in os.listdir(os.path.join(ROOT, "facts"))
                 if os.path.isdir(os.path.join(ROOT, "facts", d)))


def _generated(tmp: str, services: int, seed: int) -> str:
    from benchmarks.gen_design import write

    write(tmp, services, seed)
    return tmp


def _reviews(design: str, tmp_path: Any) -> tuple[Review, Review]:
    """Two reviews of one design: of a project design by name, or ``gen:SERVICES:SEED`` generated."""
    if design.startswith("gen:"):
        _, services, seed = design.split(":")
        path = _generated(str(tmp_path), int(services), int(seed))
    else:
        path = os.path.join(ROOT, "facts", design)
    return review([path]), review([path])


CASES = [*DESIGNS, "gen:12:1", "gen:40:7", "gen:90:3"]


def _upper(file: str) -> str:
    return file.upper()


@pytest.mark.parametrize("path", [str, display_path, _upper], ids=["str", "display_path", "upper"])
@pytest.mark.parametrize("design", CASES)
def test_findings_json_equals_each_findings_json(design: str, path: Callable[[str], str], tmp_path: Any) -> None:
    """Fresh (late fields not yet worked out), half read, or read through: the bulk JSON is the per-finding JSON."""
    bulk, each = _reviews(design, tmp_path)
    assert {f.kind for f in bulk.findings} == {"gap", "risk"}
    for f in bulk.findings[::2]:
        f.location  # noqa: B018 - some read before, the others worked out by findings_json
    assert findings_json(bulk.findings, path) == [f.to_json(path) for f in each.findings]
    assert findings_json(bulk.findings, path) == [f.to_json(path) for f in bulk.findings]  # all read now


def test_findings_json_of_plain_findings_and_of_every_optional_part() -> None:
    """Findings made with every field (no late ones), with the optional parts each present and absent."""
    from engine.errors import Location
    from engine.model.finding import Adjustment, Assumption, Evidence

    ev = Evidence("service:a", "service", Location("a.yaml", 3, 4), "r", ("x", "y"), inferred=True)
    base = Finding("id1", "rule-a", "Title", "risk", Severity.HIGH, Severity.MEDIUM, "security", 2, "msg",
                   ("service:a", "service:b"), Location("a.yaml", 3, 4), ("m@s",), "fp", "likely", "major",
                   (Adjustment("ctx", 1, "why"),), (ev, ev), ("ref",), (), "timeout_ms", True,
                   (Assumption("service:a", "timeout_ms", 0),), ("service:a",))
    gap = dataclasses.replace(base, kind="gap", likelihood=None, impact=None, adjustments=(), evidence=(),
                              missing=(("f", "r"),), severity_overridden=False, assumed=(), inferred=(),
                              location=Location(None, 0, 0))  # type: ignore[arg-type]
    stated = dataclasses.replace(base, assumed=(), inferred=())
    findings = [base, gap, stated, dataclasses.replace(base, inferred=())]
    out = findings_json(findings, _upper)
    assert out == [f.to_json(_upper) for f in findings]
    assert out[0]["evidence"][0] is out[0]["evidence"][1]  # one Evidence, one dict


@pytest.mark.parametrize("design", CASES)
def test_sarif_results_read_in_bulk_say_what_each_finding_says(design: str, tmp_path: Any) -> None:
    """Each SARIF result's message, logical path and properties are those of ``logical_path`` and ``shown``."""
    rv, other = _reviews(design, tmp_path)
    results = to_sarif_data(evaluate(rv, GateOptions()))["runs"][0]["results"]
    assert len(results) == len(other.findings)
    for result, f in zip(results, other.findings, strict=True):
        assert filled(f) is f.__dict__ and result["partialFingerprints"]["archplanFingerprint/v1"] == f.fingerprint
        path = logical_path(f)
        assert result["message"]["text"] == f"{path}: {one_line(f.shown)}"
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == path
        props = result["properties"]
        assert props["findingId"] == f.id and props["subjects"] == list(f.subjects)
        assert props.get("basis") == (f.basis if f.kind == "risk" else None)
        assert props.get("inferred", []) == list(f.inferred)
        assert props.get("assumed", []) == [a.to_json() for a in f.assumed]
        region = result["locations"][0]["physicalLocation"].get("region")
        assert region == ({"startLine": f.location.line, "startColumn": max(f.location.column, 1)}
                          if f.location.line > 0 else None)
