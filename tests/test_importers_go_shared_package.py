"""`import compose` with `import source` of Go services built with one shared package: a helper of the package that
a service never calls reads no variable for it, so an address the whole project's env_file gives every service
draws a call only from the services whose own code uses the helper that reads it."""

from __future__ import annotations

from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
    services:
      kennel:
        build: ./kennel
        env_file: [common.env]
      groomer:
        build: ./groomer
        env_file: [common.env]
"""

COMMON_ENV = """
    LISTEN_PORT=7000
    KENNEL_ADDR=kennel:7000
    GROOMER_ADDR=groomer:7000
"""

# The shared package: one dialer per service of the system, each reading its own address.
DIAL = """
    package dial

    import "os"

    func Port() string { return os.Getenv("LISTEN_PORT") }

    func Groomer() (*Conn, error) { return open(os.Getenv("GROOMER_ADDR")) }

    func Kennel() (*Conn, error) { return open(os.Getenv("KENNEL_ADDR")) }

    func open(addr string) (*Conn, error) { return connect(addr) }
"""

KENNEL = """
    package main

    import "example.com/pets/dial"

    func main() {
        conn, _ := dial.Groomer()
        serve(dial.Port(), conn)
    }
"""

GROOMER = """
    package main

    import "example.com/pets/dial"

    func main() { serve(dial.Port(), nil) }
"""


def test_a_shared_helper_the_service_never_calls_draws_no_call(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose_file = write(tmp, "docker-compose.yml", COMPOSE)
    write(tmp, "common.env", COMMON_ENV)
    write(tmp, "dial/dial.go", DIAL)
    write(tmp, "kennel/main.go", KENNEL)
    write(tmp, "groomer/main.go", GROOMER)
    design = load_documents(load_artifacts([
        f"compose={compose_file}",
        f"source:kennel={tmp}/kennel", f"source:kennel={tmp}/dial",
        f"source:groomer={tmp}/groomer", f"source:groomer={tmp}/dial"]))
    calls = {f.key for f in design.facts if f.kind == "interaction"}
    assert "interaction:kennel->groomer" in calls  # kennel's main dials the groomer
    assert "interaction:groomer->kennel" not in calls  # the groomer never calls dial.Kennel()
