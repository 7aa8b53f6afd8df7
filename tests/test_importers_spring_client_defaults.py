"""A call the Spring configuration draws from a client Spring Boot builds with a documented default timeout states
that timeout, or the one the configuration sets (``engine/data/spring_clients.yaml``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import import_paths
from tests.helpers import write
from tests.importer_helpers import design_of, fact

BASE = """
    spring:
      application:
        name: basket
      data:
        mongodb:
          uri: mongodb://orders-store:27017/orders
        redis:
          host: session-cache
          port: 6379
{extra}"""


@pytest.mark.parametrize(("extra", "expected"), [
    pytest.param("", 60000, id="client-default"),
    pytest.param("          timeout: 750ms", 750, id="stated-in-configuration"),
    pytest.param("          timeout: PT2S", None, id="stated-in-a-form-not-read"),
])
def test_a_redis_connection_states_the_clients_default_or_the_stated_timeout(tmp_path: Any, extra: str,
                                                                            expected: int | None) -> None:
    path = write(str(tmp_path), "application.yml", BASE.format(extra=extra))
    design = design_of(import_paths("spring", [path]))
    assert fact(design, "interaction:basket->session-cache").data.get("timeout_ms") == expected
    # the MongoDB driver waits forever by default: nothing is stated for it
    assert "timeout_ms" not in fact(design, "interaction:basket->orders-store").data


def test_the_old_property_names_are_read_too(tmp_path: Any) -> None:
    path = write(str(tmp_path), "application.properties",
                 "spring.application.name=basket\nspring.redis.host=session-cache\n")
    design = design_of(import_paths("spring", [path]))
    assert fact(design, "interaction:basket->session-cache").data.get("timeout_ms") == 60000
