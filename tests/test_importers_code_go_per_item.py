"""A Go service that calls a generated gRPC client once per element of a collection it loops over states
``per_item: true`` on its call to the workload named after the gRPC service (``code_go_per_item``)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import code_go_per_item, load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

# A basket service pricing each line through a helper that calls the rates service, looking each line's product up
# through a client kept in a field, and reading the customer once, outside any loop; a retry loop and a loop over a
# literal list of regions call the audit and region services, which walk no data.
BASKET = """
    package main

    type basket struct {
        catalogClient pb.CatalogServiceClient
        ratesConn     *grpc.ClientConn
    }

    func newBasket(conn *grpc.ClientConn) *basket {
        return &basket{catalogClient: pb.NewCatalogServiceClient(conn), ratesConn: conn}
    }

    func (b *basket) convert(ctx context.Context, m *pb.Money) (*pb.Money, error) {
        return pb.NewRatesServiceClient(b.ratesConn).Convert(ctx, &pb.ConvertRequest{From: m})
    }

    func (b *basket) total(ctx context.Context, lines []*pb.Line) (int64, error) {
        customer, err := pb.NewCustomerServiceClient(b.ratesConn).Get(ctx, &pb.GetRequest{})
        if err != nil {
            return 0, err
        }
        var sum int64
        for _, line := range lines {
            product, err := b.catalogClient.GetProduct(ctx, &pb.GetProductRequest{Id: line.ProductId})
            if err != nil {
                return 0, err
            }
            price, err := b.convert(ctx, product.Price)
            if err != nil {
                return 0, err
            }
            sum += price.Units
        }
        _ = customer
        return sum, nil
    }

    func (b *basket) record(ctx context.Context, maxRetries int) {
        for range maxRetries {
            if _, err := pb.NewAuditServiceClient(b.ratesConn).Append(ctx, &pb.Entry{}); err == nil {
                return
            }
        }
        for _, region := range []string{"eu", "us"} {
            _, _ = pb.NewRegionServiceClient(b.ratesConn).Warm(ctx, &pb.WarmRequest{Region: region})
        }
    }
"""


def test_the_clients_called_in_a_loop_over_a_collection_are_found_with_the_loop() -> None:
    code = textwrap.dedent(BASKET)
    found = code_go_per_item.per_item([("basket/main.go", code), ("basket/x_test.go", BASKET)])
    loop = next(i for i, line in enumerate(code.splitlines(), 1) if "range lines" in line)
    assert [(p.client, p.call, p.at.line) for p in found] == [
        ("CatalogService", "GetProduct(), called in the range loop over lines in total", loop),
        ("RatesService", "Convert() in convert, called in the range loop over lines in total", loop)]


@pytest.mark.parametrize("change", [
    ("for _, line := range lines {", "for _, line := range []*pb.Line{first, second} {"),  # a literal walks no data
    ("for _, line := range lines {", "for _, line := range maxAttempts {"),  # nor a count of attempts
])
def test_no_per_item_call_in_a_loop_that_walks_no_data(change: tuple[str, str]) -> None:
    assert change[0] in BASKET
    assert code_go_per_item.per_item([("basket/main.go", textwrap.dedent(BASKET.replace(*change)))]) == ()


def test_the_call_to_the_workload_named_after_the_service_is_per_item(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    names = ("catalog", "rates", "customer", "audit", "region")
    compose = write(tmp, "compose.yaml", "services:\n  basket:\n    image: acme/basket\n    depends_on: ["
                    + ", ".join(names) + "]\n" + "".join(f"  {n}:\n    image: acme/{n}\n" for n in names))
    write(tmp, "basket/main.go", BASKET)
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/basket"])
    design = load_documents(docs)
    for target in ("catalog", "rates"):
        call = fact(design, f"interaction:basket->{target}")
        assert call.data.get("per_item") is True
        assert call.fields["per_item"].file.endswith("basket/main.go")
    calls = design.by_key()
    for once in ("customer", "audit", "region"):  # called once, in a retry loop, or over a literal list
        assert "per_item" not in getattr(calls.get(f"interaction:basket->{once}"), "data", {})
    notes = [n for d in docs for n in getattr(d, "notes", {}).get("interaction:basket->rates", [])]
    assert any(n.startswith("per_item: it calls its RatesService client once per element of a collection (Convert() "
                            "in convert, called in the range loop over lines in total") for n in notes)
    per_item = sorted(f.subject for f in review([], extra=docs).findings
                      if f.kind == "risk" and f.rule == "synchronous-per-item-calls")
    assert per_item == ["interaction:basket->catalog", "interaction:basket->rates"]
