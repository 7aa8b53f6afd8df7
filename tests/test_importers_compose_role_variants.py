"""docker-compose import: one extension field merged into several roles of the same software (a web process, its
workers) gives them all the same addresses and start order; that is shared configuration, not a call from each role."""

from __future__ import annotations

import os

from engine.importers import compose
from tests.helpers import write
from tests.importer_helpers import design_of


def _calls(path: str) -> tuple[set[tuple[str, str]], list[str]]:
    docs = compose.import_file(path)
    remarks = [text for doc in docs for _at, text in doc.remarks]
    return {(i.data["from"], i.data["to"]) for i in design_of(docs).of_kind("interaction")}, remarks


def test_addresses_an_extension_gives_every_role_are_called_by_the_role_that_runs_its_command(
        tmp_path: os.PathLike[str]) -> None:
    # A library catalogue: one image runs its public site and, with other commands, an indexer and a nightly sweeper.
    path = write(str(tmp_path), "docker-compose.yml", """
        x-shelf-base: &shelf_base
          image: registry.example.org/lib/shelf:2.3.1
          command: ["shelf", "serve", "--port", "7000"]
          depends_on:
            books-db:
              condition: service_healthy
            courier:
              condition: service_started
          environment:
            PRICE_SERVICE_URL: "http://quotes:8600/v2"
            SHELF_MODE: production
        services:
          books-db:
            image: postgres:16.4
          quotes:
            image: registry.example.org/lib/quotes:1.0.2
          courier:
            image: registry.example.org/lib/courier:0.9.0
          shelf:
            <<: *shelf_base
            ports: ["7000:7000"]
          shelf-indexer:
            <<: *shelf_base
            command: ["shelf", "index", "--batch", "500"]
            links: [courier]
          shelf-sweeper:
            <<: *shelf_base
            image: registry.example.org/lib/shelf-cron:2.3.1
            build:
              context: ./sweeper
              args:
                PARENT: registry.example.org/lib/shelf:2.3.1
            command: ["crond", "-f"]
        """)
    calls, remarks = _calls(path)
    # the role the extension was written for keeps every call
    assert {("shelf", "books-db"), ("shelf", "quotes"), ("shelf", "courier")} <= calls
    # the other roles (one built from the extension's image) keep the store, the software's own state, but not the
    # service addresses they have only from the extension
    assert {("shelf-indexer", "books-db"), ("shelf-sweeper", "books-db")} <= calls
    assert not {("shelf-indexer", "quotes"), ("shelf-sweeper", "quotes"), ("shelf-sweeper", "courier")} & calls
    # a link the role states in its own part is its own evidence
    assert ("shelf-indexer", "courier") in calls
    said = [r for r in remarks if r.startswith("x-shelf-base gives")]
    assert len(said) == 1 and "courier, quotes" in said[0] and "2 services" in said[0]
    assert "(shelf-indexer, shelf-sweeper)" in said[0] and said[0].endswith("drawn from shelf only")


def test_an_extension_without_a_command_of_its_own_still_draws_every_call(tmp_path: os.PathLike[str]) -> None:
    # Defaults shared by different programs: nothing tells which of them the extension was written for.
    path = write(str(tmp_path), "docker-compose.yml", """
        x-common: &common
          environment:
            PRICE_SERVICE_URL: "http://quotes:8600/v2"
        services:
          quotes:
            image: registry.example.org/lib/quotes:1.0.2
          front:
            <<: *common
            image: registry.example.org/lib/front:3.1.0
            command: ["front", "serve"]
          billing:
            <<: *common
            image: registry.example.org/lib/billing:1.2.0
            command: ["billing", "run"]
        """)
    calls, remarks = _calls(path)
    assert {("front", "quotes"), ("billing", "quotes")} <= calls
    assert not [r for r in remarks if "x-common gives" in r]


def test_roles_all_replacing_the_command_leave_no_one_to_draw_from_so_every_call_stays(
        tmp_path: os.PathLike[str]) -> None:
    # The extension states a command nobody keeps: no role is the one it describes.
    path = write(str(tmp_path), "docker-compose.yml", """
        x-worker: &worker
          image: registry.example.org/lib/jobs:4.0.0
          command: ["jobs", "help"]
          environment:
            QUOTES_ADDR: quotes:8600
        services:
          quotes:
            image: registry.example.org/lib/quotes:1.0.2
          jobs-fast:
            <<: *worker
            command: ["jobs", "run", "--queue", "fast"]
          jobs-slow:
            <<: *worker
            command: ["jobs", "run", "--queue", "slow"]
        """)
    calls, _remarks = _calls(path)
    assert {("jobs-fast", "quotes"), ("jobs-slow", "quotes")} <= calls
