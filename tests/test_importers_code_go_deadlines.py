"""A Go service whose every call of a generated gRPC client carries a deadline it writes out bounds the calls the
deployment draws to the service named like the client (``code_go_deadlines``)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import code_go_deadlines, load_artifacts
from engine.loader import load_documents
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import fact

CODE = """
    package main

    import (
        "context"
        "time"

        pb "example.org/till/proto"
    )

    func (t *till) price(ctx context.Context, sku string) (*pb.Quote, error) {
        ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
        defer cancel()
        return pb.NewQuoteServiceClient(t.quoteConn).
            Price(ctx, &pb.PriceRequest{Sku: sku})
    }

    func (t *till) record(ctx context.Context, entry *pb.Entry) error {
        _, err := pb.NewLedgerServiceClient(t.ledgerConn).Append(ctx, entry)
        return err
    }

    func (t *till) stock(ctx context.Context, sku string) (*pb.Level, error) {
        short, cancel := context.WithTimeout(ctx, time.Second*2)
        defer cancel()
        if sku == "" {
            return pb.NewStockServiceClient(t.stockConn).Level(ctx, &pb.LevelRequest{})
        }
        return pb.NewStockServiceClient(t.stockConn).Level(short, &pb.LevelRequest{Sku: sku})
    }
"""


def test_only_a_client_always_called_with_a_written_deadline_is_bounded() -> None:
    found = code_go_deadlines.deadlines([("till/main.go", textwrap.dedent(CODE))])
    assert [(d.client, d.timeout_ms) for d in found] == [("QuoteService", 250)]
    assert found[0].how == "context.WithTimeout(ctx, 250*time.Millisecond) in price"


@pytest.mark.parametrize(("text", "ms"), [
    ("100*time.Millisecond", 100), ("time.Millisecond*100", 100), ("time.Second * 3", 3000),
    ("time.Duration(2)*time.Minute", 120000), ("timeout", None), ("time.Duration(n)*time.Second", None),
])
def test_durations_written_as_literals_are_read(text: str, ms: int | None) -> None:
    assert code_go_deadlines._duration_ms(text) == ms


def _till(tmp: str, code: str, callees: dict[str, int]) -> Design:
    """The design of a compose project whose ``till`` (Go ``code``) is given each callee's address in a variable
    (``QUOTE_SERVICE_ADDR: "quote-service:7000"``)."""
    env = ", ".join(f'{name.upper().replace("-", "_")}_ADDR: "{name}:{port}"' for name, port in callees.items())
    others = "".join(f"\n          {name}: {{image: acme/{name}}}" for name in callees)
    compose = write(tmp, "compose.yaml", f"""
        services:
          till:
            image: acme/till
            environment: {{{env}}}{others}
    """)
    write(tmp, "till/main.go", code)
    return load_documents(load_artifacts([f"compose={compose}", f"source={tmp}/till"]))


def test_the_drawn_call_to_the_service_named_like_the_client_states_the_deadline(tmp_path: Any) -> None:
    design = _till(str(tmp_path), CODE, {"quote-service": 7000, "ledger": 7001, "stock": 7002})
    assert fact(design, "interaction:till->quote-service").data.get("timeout_ms") == 250
    assert fact(design, "interaction:till->quote-service").fields["timeout_ms"].file.endswith("till/main.go")
    for unbounded in ("ledger", "stock"):  # no deadline, or one call without it: unknown, as before
        assert "timeout_ms" not in fact(design, f"interaction:till->{unbounded}").data


# A handler handed the request's context that calls one client with a fresh context instead, another with the one it
# was given, and a start-up function with no context of its own, which has no deadline to pass on.
FRESH = """
    package main

    func (t *till) convert(ctx context.Context, m *pb.Money, to string) (*pb.Money, error) {
        return pb.NewRatesServiceClient(t.ratesConn).Convert(context.TODO(), &pb.ConvertRequest{From: m, To: to})
    }

    func (t *till) audit(ctx context.Context, e *pb.Entry) error {
        cl := pb.NewAuditServiceClient(t.auditConn)
        _, err := cl.Append(ctx, e)
        return err
    }

    func main() {
        ctx := context.Background()
        _, _ = pb.NewLedgerServiceClient(conn).Open(context.Background(), &pb.OpenRequest{})
        _ = ctx
    }
"""


def test_a_call_given_a_fresh_context_where_the_function_had_the_requests_drops_its_deadline() -> None:
    found = code_go_deadlines.dropped([("till/main.go", textwrap.dedent(FRESH)), ("till/x_test.go", FRESH)])
    assert [(d.client, d.call, d.at.line) for d in found] == [
        ("RatesService", "Convert(context.TODO(), ...) in convert", 5)]


def test_the_call_to_the_workload_named_after_the_service_states_the_dropped_deadline(tmp_path: Any) -> None:
    design = _till(str(tmp_path), FRESH, {"rates": 7000, "audit": 7001, "ledger": 7002})
    rates = fact(design, "interaction:till->rates")
    assert rates.data.get("deadline_propagation") is False
    assert rates.fields["deadline_propagation"].file.endswith("till/main.go")
    for kept in ("audit", "ledger"):  # the request's context passed on; main has none to pass
        assert "deadline_propagation" not in fact(design, f"interaction:till->{kept}").data
