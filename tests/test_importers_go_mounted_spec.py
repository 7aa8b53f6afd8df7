"""`import openapi` with `import source` on a Go service whose routes a shared server package mounts under the base
path of its API description, whose handlers share names with other methods, and whose GET handler writes."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

KENNEL_SPEC = """
    openapi: 3.0.3
    info: {title: Kennel, version: '1'}
    servers:
      - url: https://{host}/v2
        variables: {host: {default: localhost}}
    paths:
      /dogs:
        get:
          responses: {'200': {description: the dogs staying tonight}}
      /dogs/{dogId}/greet:
        get:
          parameters: [{name: dogId, in: path, required: true, schema: {type: string}}]
          responses: {'200': {description: a greeting, and the visit is noted}}
"""

# A server package the service hands its router to: the prefix is applied in another file, through a callback.
SERVE = """
    package serve

    import (
        "net/http"

        "github.com/go-chi/chi/v5"
    )

    func Listen(build func(r chi.Router) http.Handler) {
        inner := chi.NewRouter()
        outer := chi.NewRouter()
        outer.Mount("/v2", build(inner))
        http.ListenAndServe(":8000", outer)
    }
"""

ROUTES = """
    package ports

    import (
        "net/http"

        "github.com/go-chi/chi/v5"
    )

    type Wrapper struct{ Impl Handlers }

    func (w *Wrapper) ListDogs(rw http.ResponseWriter, r *http.Request) { w.Impl.ListDogs(rw, r) }

    func (w *Wrapper) GreetDog(rw http.ResponseWriter, r *http.Request) { w.Impl.GreetDog(rw, r) }

    func Attach(r chi.Router, w *Wrapper) http.Handler {
        r.Get("/dogs", w.ListDogs)
        r.Get("/dogs/{dogId}/greet", w.GreetDog)
        return r
    }
"""

HANDLERS = """
    package ports

    import "net/http"

    type Handlers struct {
        queries Queries
        store   DogStore
    }

    func (h Handlers) ListDogs(rw http.ResponseWriter, r *http.Request) {
        dogs, _ := h.queries.Tonight.Handle(r.Context())
        write(rw, dogs)
    }

    func (h Handlers) GreetDog(rw http.ResponseWriter, r *http.Request) {
        h.store.UpdateLastGreeted(r.Context(), chiParam(r, "dogId"))
        write(rw, "woof")
    }
"""

# Another type's Handle, which writes: the reader cannot tell it is not the one ListDogs calls, so follows neither.
COMMANDS = """
    package app

    type SendHome struct{ repo DogRepo }

    func (c SendHome) Handle(ctx context.Context, id string) error {
        return c.repo.DeleteDog(ctx, id)
    }

    type Tonight struct{ repo DogRepo }

    func (q Tonight) Handle(ctx context.Context) ([]Dog, error) {
        return q.repo.AllDogs(ctx)
    }
"""


def _design(tmp: str) -> Any:
    spec = write(tmp, "api/kennel.yaml", KENNEL_SPEC)
    write(tmp, "kennel/serve/serve.go", SERVE)
    write(tmp, "kennel/ports/routes.go", ROUTES)
    write(tmp, "kennel/ports/handlers.go", HANDLERS)
    write(tmp, "kennel/app/commands.go", COMMANDS)
    return load_documents(load_artifacts([f"openapi:kennel={spec}", f"source:kennel={tmp}/kennel"]))


def test_routes_mounted_under_the_spec_base_path_elsewhere_are_the_spec_endpoints(tmp_path: Any) -> None:
    design = _design(str(tmp_path))
    endpoints = {f.key for f in design.facts if f.kind == "endpoint"}
    assert endpoints == {"endpoint:GET /v2/dogs", "endpoint:GET /v2/dogs/{dogId}/greet"}  # no second, named set


def test_a_get_whose_handler_writes_is_mutating_whatever_the_method_promises(tmp_path: Any) -> None:
    design = _design(str(tmp_path))
    endpoints = {f.key: f.data for f in design.facts if f.kind == "endpoint"}
    assert endpoints["endpoint:GET /v2/dogs/{dogId}/greet"]["mutating"] is True
    # ListDogs calls a Handle that two types define, one of them deleting: not followed, so no write is claimed
    assert endpoints["endpoint:GET /v2/dogs"]["mutating"] is False
