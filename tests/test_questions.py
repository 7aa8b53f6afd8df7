"""``archplan questions``: the information gaps as one checklist per design agent."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from engine.cli.main import main
from engine.model import Severity, field_description
from engine.model.kinds import owner
from engine.questions import HYGIENE_FROM, questions
from engine.review import review
from tests.conftest import ROOT

SHOP = os.path.join(ROOT, "facts", "shop")


def test_questions_on_the_shop_give_four_lists_in_json() -> None:
    result = CliRunner().invoke(main, ["questions", SHOP, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(data["agents"]) == ["api", "database", "infrastructure", "security"]
    for agent, lists in data["agents"].items():
        assert lists["targeted"] or lists["hygiene"], agent
        for q in lists["targeted"]:
            assert q["decides"] and Severity(q["decides"][0]["severity"]).rank >= Severity.MEDIUM.rank
            assert q["decides"][0]["rule"] and q["decides"][0]["title"]
            assert len(q["subjects"]) == 1 and q["locations"][0].count(":") >= 2  # file:line:column
    assert data["questions"] == sum(len(v["targeted"]) + len(v["hygiene"]) for v in data["agents"].values())


def test_every_gap_and_assumed_design_field_is_asked_once_of_the_agent_that_owns_the_field() -> None:
    rv = review([SHOP])
    asked = [(s, q.field, agent) for agent, qs in questions(rv).items() for q in qs for s in q.subjects]
    gaps = [(f.subject, fld) for f in rv.findings if f.kind == "gap" for fld, _rule in f.missing]
    design = {fact.key for fact in rv.design.facts}
    read_as_default = [(a.fact, a.field) for f in rv.findings for a in f.assumed
                       if a.fact in design and field_description(a.fact.split(":", 1)[0], a.field) is not None]
    assert read_as_default  # the shop has risks found on an assumed basis, so the check below covers them
    assert sorted((s, f) for s, f, _a in asked) == sorted(set(gaps) | set(read_as_default))
    for subject, fld, agent in asked:
        assert agent == owner(subject.split(":", 1)[0], fld)
    assert ("interaction:notifications->email-provider", "tls", "security") in asked


def test_targeted_questions_come_first_and_hygiene_is_asked_once_per_field() -> None:
    per_agent = questions(review([SHOP]))
    for qs in per_agent.values():
        flags = [q.targeted for q in qs]
        assert flags == sorted(flags, reverse=True)  # targeted first
        hygiene = [(q.kind, q.field) for q in qs if not q.targeted]
        assert len(hygiene) == len(set(hygiene))
    deadline = next(q for q in per_agent["api"] if q.field == "deadline_propagation")
    assert not deadline.targeted and len(deadline.subjects) >= HYGIENE_FROM
    timeout = next(q for q in per_agent["api"] if q.field == "timeout_ms")
    assert timeout.targeted and timeout.decides[0].rule == "remote-call-without-timeout"
    # The shop leaves that timeout out: the risk was found by reading it as none, and the question says so.
    assert timeout.basis == "assumed" and timeout.assumed == ((timeout.subjects[0], 0),)
    assert "(the review read it as `0`: findings on an assumed basis)" in timeout.text()
    assert timeout.to_json()["basis"] == "assumed"
    assert deadline.basis == "gap" and deadline.to_json()["assumed"] == []


def test_questions_markdown_is_a_checklist_per_agent() -> None:
    result = CliRunner().invoke(main, ["questions", SHOP])
    assert result.exit_code == 0, result.output
    for title in ("API Architecture", "Database Design", "Server Infrastructure", "Security & Auth"):
        assert f"## {title}" in result.output
    assert "- [ ] interaction 'catalog->search': what is `timeout_ms`?" in result.output
    assert "Decides: Synchronous remote call without a client timeout" in result.output


def test_targeted_questions_asking_one_field_for_the_same_risks_are_one_item_with_a_sub_item_per_subject() -> None:
    rv = review([SHOP])
    targeted = [q for q in questions(rv)["api"] if q.targeted]
    output = CliRunner().invoke(main, ["questions", SHOP]).output
    api = output.split("## API Architecture", 1)[1].split("### Hygiene", 1)[0]
    same = [q for q in targeted if q.field == "idempotency_key" and q.kind == "interaction"]
    assert len(same) >= 2  # the shop asks it of several calls, for the same risk
    header = f"- [ ] {len(same)} interactions: what is `idempotency_key` on each?"
    assert header in api
    block = api.split(header, 1)[1].split("\n- [ ]", 1)[0]
    listed = [line for line in block.splitlines() if line.startswith("  - [ ] ")]
    assert listed == [f"  - [ ] interaction '{q.subjects[0].split(':', 1)[1]}' at {q.locations[0]}" for q in same]
    # every targeted question is asked once: as its own item or as a sub-item of its group
    items = [line for line in api.splitlines() if line.startswith(("- [ ] ", "  - [ ] "))
             and not line.split("- [ ] ", 1)[1].split(":", 1)[0].split()[0].isdigit()]
    assert len(items) == len(targeted)
