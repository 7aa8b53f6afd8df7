"""The gate's reports are byte-identical whatever the order of files, facts and waivers files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Sequence

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.compiler import CompiledKB
from engine.gate.core import Gate, GateOptions, evaluate
from engine.gate.github import to_github
from engine.gate.junit import to_junit
from engine.gate.markdown import to_markdown
from engine.gate.sarif import to_sarif
from engine.gate.text import to_json, to_text
from engine.loader import discover, load_design
from engine.review import load_kb, review_design
from tests.gate_helpers import SHOP, design, pack, run, waiver, waivers_file

RENDERERS: dict[str, Callable[[Gate], str]] = {
    "sarif": to_sarif, "junit": to_junit, "markdown": to_markdown, "github": to_github, "json": to_json,
    "text": to_text,
}


@dataclasses.dataclass(frozen=True)
class Setup:
    files: tuple[str, ...]
    roots: tuple[str, ...]
    kb: CompiledKB
    waiver_files: tuple[str, ...]
    baseline: str


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    tmp = str(tmp_path_factory.mktemp("det"))
    d = design(tmp, waivers=[waiver("t-public-endpoint", "endpoint:*")])
    rules = pack(tmp)
    base = os.path.join(tmp, "base.json")
    assert run("baseline", d, "--no-builtin", "--rules", rules, "-o", base).exit_code == 0
    # Then the design changes, so that the baseline has stale entries and new findings appear.
    with open(os.path.join(d, "database.yaml"), "a", encoding="utf-8") as fh:
        fh.write("services: [{name: e}]\n")
    with open(os.path.join(d, "api.yaml"), encoding="utf-8") as fh:
        text = fh.read()
    with open(os.path.join(d, "api.yaml"), "w", encoding="utf-8") as fh:
        fh.write(text.replace("to: c\n  style: async", "to: c\n  style: sync"))
    w1 = waivers_file(tmp, [waiver("t-sync-call", "interaction:a->*"), waiver("t-*", "interaction:zz")], "w1.yaml")
    w2 = waivers_file(tmp, [waiver("t-sync-call", "interaction:c->db", expires="2026-01-01")], "w2.yaml")
    kb = load_kb([rules], builtin=False)
    return Setup(tuple(discover([d])), (os.path.abspath(d),), kb, (w1, w2), base)


@pytest.fixture(scope="module")
def shop() -> Setup:
    return Setup(tuple(discover([SHOP])), (os.path.abspath(SHOP),), load_kb(), (), "")


def reports(setup: Setup, files: Sequence[str], fact_order: Sequence[int], waiver_files: Sequence[str]
            ) -> dict[str, str]:
    loaded = load_design(list(files))
    facts = tuple(loaded.facts[i % len(loaded.facts)] for i in fact_order) if fact_order else loaded.facts
    assert sorted(f.key for f in facts) == sorted(f.key for f in loaded.facts)
    shuffled = msgspec.structs.replace(loaded, facts=facts, files=tuple(reversed(loaded.files)), roots=setup.roots)
    rv = review_design(shuffled, setup.kb)
    opts = GateOptions(threshold="high", waiver_files=tuple(waiver_files), baseline=setup.baseline or None,
                       include_waived=True, today=dt.date(2026, 6, 15))
    gate = evaluate(rv, opts)
    return {name: render(gate) for name, render in RENDERERS.items()}


def permutation_of(n: int) -> st.SearchStrategy[list[int]]:
    return st.permutations(list(range(n)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_gate_reports_do_not_depend_on_file_fact_or_waiver_order(small: Setup, data: st.DataObject) -> None:
    reference = reports(small, small.files, [], small.waiver_files)
    files = data.draw(st.permutations(list(small.files)), label="files")
    n = len(load_design(list(small.files)).facts)
    order = data.draw(permutation_of(n), label="facts")
    waivers = data.draw(st.permutations(list(small.waiver_files)), label="waivers")
    got = reports(small, files, order, waivers)
    for name in RENDERERS:
        assert got[name] == reference[name], f"{name} output depends on input order"
    # The scenario exercises every status: waived, baselined, active, expired and unused waivers.
    assert '"waived"' in got["json"] and '"baselined"' in got["json"] and "expired on" in got["markdown"]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_example_design_reports_do_not_depend_on_order(shop: Setup, data: st.DataObject) -> None:
    reference = reports(shop, shop.files, [], ())
    files = data.draw(st.permutations(list(shop.files)), label="files")
    n = len(load_design(list(shop.files)).facts)
    got = reports(shop, files, data.draw(permutation_of(n), label="facts"), ())
    assert got == reference
