"""`import source`: the gRPC methods of a ``.proto`` service whose server the code registers become endpoints of the
service (``RPC /<package>.<Service>/<Method>``), with the class of data their messages' field names suggest; a client's
copy of another service's ``.proto`` and the gRPC project's own services add nothing."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_proto import routes
from engine.loader import load_documents
from engine.review import review
from engine.source import DEFAULT_LIMITS
from tests.helpers import write
from tests.importer_helpers import fact

PROTO = """
    syntax = "proto3";

    package shop;

    // Payments take a card.
    service Payments {
      rpc Charge(ChargeRequest) returns (ChargeReply) {}
      rpc Refund(stream RefundRequest) returns (ChargeReply);
    }

    service Rates {
      rpc Convert(Money) returns (Money) {}
    }

    message Money { string currency = 1; int64 units = 2; }

    message Card {
      string holder = 1;
      string card_number = 2;   /* the PAN */
      int32 expiry_month = 3;
    }

    message ChargeRequest {
      Money amount = 1;
      Card credit_card = 2;
    }

    message RefundRequest { string charge_id = 1; Card card = 2; }
    message ChargeReply { string charge_id = 1; }
"""

HEALTH = """
    syntax = "proto3";
    package grpc.health.v1;
    service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
    message HealthCheckRequest { string service = 1; }
    message HealthCheckResponse { int32 status = 1; }
"""


@pytest.mark.parametrize(("file", "code"), [
    ("main.go", "func main() { pb.RegisterPaymentsServer(srv, &payments{}) }"),
    ("server.py", "shop_pb2_grpc.add_PaymentsServicer_to_server(PaymentsServicer(), server)"),
    ("server.js", "server.addService(shopProto.shop.Payments.service, {charge: charge});"),
    ("PaymentsImpl.java", "class PaymentsImpl extends PaymentsGrpc.PaymentsImplBase { }"),
    ("PaymentsService.cs", "public class PaymentsService : Shop.Payments.PaymentsBase { }"),
    ("Payments.cs", "using static Shop.Payments;\npublic class PaymentsService : PaymentsBase { }"),
], ids=["go", "python", "node", "java", "csharp", "csharp-using-static"])
def test_the_methods_of_the_service_the_code_registers_are_its_routes(tmp_path: Any, file: str, code: str) -> None:
    tmp = str(tmp_path)
    write(tmp, "payments/proto/shop.proto", PROTO)
    write(tmp, "payments/proto/grpc/health/v1/health.proto", HEALTH)
    found = routes([f"{tmp}/payments"], [(f"{tmp}/payments/{file}", code)], DEFAULT_LIMITS)
    assert [(r.path, r.at.line, r.classified) for r in found] == [
        ("/shop.Payments/Charge", 7, ("pci", "field credit_card of ChargeRequest (shop.proto:25)")),
        ("/shop.Payments/Refund", 8, None)]  # the card it holds is not searched: its own fields name none


def test_a_copy_of_a_service_the_code_only_calls_serves_nothing(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "checkout/proto/shop.proto", PROTO)
    code = "func pay() { pb.NewPaymentsClient(conn).Charge(ctx, req) }"
    assert routes([f"{tmp}/checkout"], [(f"{tmp}/checkout/main.go", code)], DEFAULT_LIMITS) == []


def test_a_card_taking_method_makes_the_call_to_its_service_carry_card_data(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          checkout:
            image: acme/checkout
            ports: ["80:8080"]
            environment: {PAYMENTS_ADDR: "payments:50051"}
          payments: {build: ./payments}
    """)
    write(tmp, "payments/proto/shop.proto", PROTO)
    write(tmp, "payments/server.js", """
        const server = new grpc.Server();
        server.addService(shopProto.shop.Payments.service, {charge: charge, refund: refund});
    """)
    docs = load_artifacts([f"compose={compose}", f"source:payments={tmp}/payments"])
    design = load_documents(docs)
    charge = fact(design, "endpoint:payments-RPC-/shop.Payments/Charge")
    assert (charge.data["method"], charge.data["served_by"], charge.data["data_classification"]) == (
        "RPC", "payments", "pci")
    assert "endpoint:payments-RPC-/shop.Payments/Convert" not in design.by_key()  # Rates: nobody registers it
    found = {(f.rule, f.subject) for f in review([], extra=list(docs)).findings if f.kind == "risk"}
    assert ("unencrypted-internal-call-with-classified-data", "interaction:checkout->payments") in found
