"""The plan's data flow (issue 14, section 5): per classification, where data is stored, processed and sent,
and where it leaves the system without TLS or a data processing agreement."""

from __future__ import annotations

import json
import os

from engine.plan import build_plan
from engine.plan.render import render
from tests.helpers import write
from tests.plan_helpers import SHOP, rv

DESIGN = """
source: infrastructure
services:
  - {name: web, exposure: public, owner: shop}
  - {name: billing, owner: pay}
  - {name: mailer, owner: shop}
datastores:
  - {name: customers-db, kind: relational, classification: pii, owner: web}
channels:
  - {name: invoices, kind: queue, carries_classification: pci, consumers: [{service: mailer}]}
externals:
  - {name: card-processor, data_agreement: true}
  - {name: analytics}
  - {name: mailgun, data_agreement: false}
interactions:
  - {from: web, to: customers-db, style: sync, protocol: sql, mutating: false}
  - {from: web, to: billing, style: sync, protocol: http, tls: true}
  - {from: billing, to: card-processor, style: sync, protocol: http, tls: true}
  - {from: billing, to: invoices, style: async}
  - {from: web, to: analytics, style: sync, protocol: http, tls: false}
  - {from: mailer, to: mailgun, style: sync, protocol: http, tls: true}
endpoints:
  - {method: POST, path: /pay, served_by: web, exposure: public, data_classification: pci, tls: true}
  - {method: GET, path: /me, served_by: web, exposure: public, data_classification: pii}
"""


def _plan(tmp: str) -> object:
    write(tmp, "d/design.yaml", DESIGN)
    return build_plan(rv([os.path.join(tmp, "d")]), render_svg=False)


def test_each_classification_is_stored_processed_and_sent_where_the_design_says(tmp_path: object) -> None:
    flow = _plan(str(tmp_path)).data_flow  # type: ignore[attr-defined]
    assert [(r.classification, r.stores, r.processes, r.sent_to) for r in flow.rows] == [
        # web serves /pay (pci) and calls analytics: a call names no payload, so pci may go there too
        ("pci", ("invoices",), ("billing", "mailer", "web"), ("analytics", "card-processor", "mailgun")),
        ("pii", ("customers-db",), ("web",), ("analytics",)),
    ]


def test_data_leaving_without_tls_or_agreement_is_listed_and_covered_data_is_not(tmp_path: object) -> None:
    flow = _plan(str(tmp_path)).data_flow  # type: ignore[attr-defined]
    assert [(c.subject, c.classification, c.problem) for c in flow.crossings] == [
        ("interaction:mailer->mailgun", "pci", "may send it to the third party mailgun with no data processing "
                                               "agreement"),
        ("interaction:web->analytics", "pci", "may send it to the third party analytics without TLS"),
        ("interaction:web->analytics", "pci", "may send it to the third party analytics with no data processing "
                                              "agreement stated"),
        ("endpoint:GET /me", "pii", "served public with TLS not stated"),
        ("interaction:web->analytics", "pii", "may send it to the third party analytics without TLS"),
        ("interaction:web->analytics", "pii", "may send it to the third party analytics with no data processing "
                                              "agreement stated"),
    ]


def test_the_diagram_marks_what_each_component_holds_and_every_format_shows_the_table(tmp_path: object) -> None:
    plan = _plan(str(tmp_path))
    holds = {n.name: n.data for n in plan.architecture.nodes}  # type: ignore[attr-defined]
    assert (holds["web"], holds["customers-db"], holds["analytics"]) == (("pci", "pii"), ("pii",), ())
    assert "holds pci, pii" in plan.architecture.mermaid  # type: ignore[attr-defined]
    md = render(plan, "markdown")  # type: ignore[arg-type]
    assert "| pii | customers-db | web | analytics |" in md
    assert "- web → analytics (pii): may send it to the third party analytics without TLS" in md
    data = json.loads(render(plan, "json"))  # type: ignore[arg-type]
    assert data["plan"]["data_flow"]["rows"][1]["classification"] == "pii"


def test_a_design_that_classifies_nothing_is_told_what_to_state(tmp_path: object) -> None:
    write(str(tmp_path), "d/design.yaml", "source: infrastructure\nservices: [{name: a}]\n")
    plan = build_plan(rv([os.path.join(str(tmp_path), "d")]), render_svg=False)
    assert plan.data_flow is not None and plan.data_flow.rows == ()
    assert "Data flow: no datastore, channel or endpoint states a classification" in render(plan, "markdown")


def test_the_shop_shows_its_personal_data_and_the_processor_it_goes_to() -> None:
    flow = build_plan(rv([SHOP]), render_svg=False).data_flow
    assert flow is not None
    pii = next(r for r in flow.rows if r.classification == "pii")
    assert pii.stores == ("orders-db",) and pii.sent_to == ("payment-provider",)
