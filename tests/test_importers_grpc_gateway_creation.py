"""A grpc-gateway HTTP write forwarded to a gRPC method that creates, in code naming no idempotency key, has
``idempotency_key: false`` (``code_routes._grpc_creation``)."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

_BOX_OFFICE_SWAGGER = """
{"swagger": "2.0", "info": {"title": "boxoffice.proto", "version": "v"},
 "paths": {
   "/v1/seats": {"post": {"operationId": "TicketDesk_BookSeat", "responses": {"200": {"description": "ok"}}},
                 "get": {"operationId": "TicketDesk_ListSeats", "responses": {"200": {"description": "ok"}}}},
   "/v1/seats/hold": {"put": {"operationId": "TicketDesk_HoldSeat", "responses": {"200": {"description": "ok"}}}}}}
"""

_GATEWAY = """
package main

import (
    "context"
    "net/http"

    "github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

    pb "example.org/boxoffice/gen"
)

func main() {
    mux := runtime.NewServeMux()
    _ = pb.RegisterTicketDeskHandlerFromEndpoint(context.Background(), mux, deskAddr, nil)
    http.ListenAndServe(":8080", mux)
}
"""

_DESK = """
package main

import (
    "context"

    pb "example.org/boxoffice/gen"
)

type SeatRepo interface {
    Create(ctx context.Context, seat string) error
    Lock(ctx context.Context, seat string) error
}

type deskServer struct {
    seats SeatRepo
}

func (s *deskServer) BookSeat(ctx context.Context, req *pb.BookSeatRequest) (*pb.BookSeatReply, error) {
    if err := s.seats.Create(ctx, req.Seat); err != nil {
        return nil, err
    }
    return &pb.BookSeatReply{}, nil
}

func (s *deskServer) HoldSeat(ctx context.Context, req *pb.HoldSeatRequest) (*pb.HoldSeatReply, error) {
    return &pb.HoldSeatReply{}, s.seats.Lock(ctx, req.Seat)
}

func main() {}
"""


def _design(tmp: str, desk: str) -> Any:
    spec = write(tmp, "api/boxoffice.swagger.json", _BOX_OFFICE_SWAGGER)
    write(tmp, "front/main.go", _GATEWAY)
    write(tmp, "ticket-desk/main.go", desk)
    return load_documents(load_artifacts([f"openapi:front={spec}", f"source={tmp}/front",
                                          f"source={tmp}/ticket-desk"]))


def test_a_forwarded_creation_without_an_idempotency_key(tmp_path: Any) -> None:
    # BookSeat creates through its repository; HoldSeat is named for no creation; a GET creates nothing
    design = _design(str(tmp_path), _DESK)
    assert fact(design, "endpoint:POST /v1/seats").data["idempotency_key"] is False
    assert "idempotency_key" not in fact(design, "endpoint:PUT /v1/seats/hold").data
    assert "idempotency_key" not in fact(design, "endpoint:GET /v1/seats").data


def test_code_naming_an_idempotency_key_leaves_it_unknown(tmp_path: Any) -> None:
    keyed = _DESK.replace("req.Seat); err", "req.Seat + req.IdempotencyKey); err")
    design = _design(str(tmp_path), keyed)
    assert "idempotency_key" not in fact(design, "endpoint:POST /v1/seats").data
