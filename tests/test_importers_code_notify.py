"""`import source`: a gRPC client a Go service only notifies through, throwing each answer away, makes its call to
the workload named after the gRPC service ``purpose: notify`` (``engine.importers.code_notify``)."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.importers.code_notify import notifications
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

BILLING = """
    package main

    // pb.NewReceiptServiceClient(conn).SendReceipt(ctx, r) in a comment calls nothing
    func (b *billing) close(ctx context.Context, inv *pb.Invoice) error {
        _, err := pb.NewReceiptServiceClient(b.receipts).SendReceipt(ctx, &pb.SendReceiptRequest{
            Invoice: inv})
        return err
    }

    func (b *billing) total(ctx context.Context, inv *pb.Invoice) (*pb.Money, error) {
        rate, err := pb.NewTaxServiceClient(b.taxes).GetRate(ctx, &pb.RateRequest{Region: inv.Region})
        if err != nil {
            return nil, err
        }
        _, _ = pb.NewTaxServiceClient(b.taxes).NotifyFiled(ctx, &pb.Filed{})
        return rate.Apply(inv.Net), nil
    }

    func (b *billing) audit(ctx context.Context, inv *pb.Invoice) {
        trail := pb.NewAuditClient(b.audits)
        trail.PublishEntry(ctx, &pb.Entry{Id: inv.Id})
        if _, err := trail.NotifyClosed(ctx, &pb.Entry{Id: inv.Id}); err != nil {
            log.Print(err)
        }
        stored, _ := pb.NewLedgerServiceClient(b.ledger).SendEntry(ctx, &pb.Entry{Id: inv.Id})
        b.keep(stored)
    }
"""


def _found() -> dict[str, tuple[str, int]]:
    import textwrap

    code = blank_comments(textwrap.dedent(BILLING))
    return {n.grpc_service: (n.call, n.at.line) for n in notifications([("billing.go", code)])}


def test_a_client_only_told_and_never_asked_is_a_notification() -> None:
    # receipts and the audit trail are only told; taxes are also asked (GetRate's answer is used); the ledger's
    # SendEntry answer is kept: neither is a notification
    assert _found() == {"ReceiptService": ("SendReceipt()", 6), "Audit": ("PublishEntry()", 22)}


def test_tests_and_other_languages_are_not_read() -> None:
    assert notifications([("billing_test.go", BILLING), ("billing.py", BILLING)]) == ()


COMPOSE = """
    services:
      billing:
        image: acme/billing
        environment:
          RECEIPT_SERVICE_ADDR: receipt-service:5000
      receipt-service:
        image: acme/receipts
      taxes:
        image: acme/taxes
"""


def test_the_call_to_the_workload_named_after_the_service_is_a_notification(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", COMPOSE)
    write(tmp, "billing/main.go", BILLING)
    specs = [f"compose={compose}", f"source={tmp}/billing"]
    design = load_documents(load_artifacts(specs))
    call = fact(design, "interaction:billing->receipt-service")
    assert call.data.get("purpose") == "notify"
    assert "interaction:billing->taxes" not in design.by_key() or \
        fact(design, "interaction:billing->taxes").data.get("purpose") is None  # taxes are asked too
    rv = review([], extra=load_artifacts(specs))
    flagged = {f.subject for f in rv.findings if f.rule == "sync-call-used-for-notification"}
    assert flagged == {"interaction:billing->receipt-service"}
