"""`import compose` with `import source` of Go services: a call whose address the code reads only in a goroutine
that `main` starts (a loader that stocks a peer once, a wait for a peer's port) is made as the service starts, not
while it serves a request (`during: startup`; `background` on a ticker). A client dialled by `main` and used by a
handler, or a helper a handler calls too, stays a request call."""

from __future__ import annotations

from typing import Any

from engine.importers import code_go, load_artifacts
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write

COMPOSE = """
    services:
      oven:
        build: ./oven
        env_file: [bakery.env]
      till:
        build: ./till
        env_file: [bakery.env]
      mixer:
        build: ./mixer
        env_file: [bakery.env]
      scale:
        build: ./scale
        env_file: [bakery.env]
      pantry:
        image: acme/pantry
      clock:
        image: acme/clock
"""

BAKERY_ENV = """
    PANTRY_ADDR=pantry:9000
    CLOCK_ADDR=clock:9000
"""

# The shared package every service is built with.
SUPPLY = """
    package supply

    import (
        "net"
        "os"
        "time"
    )

    func PantryUp(limit time.Duration) bool {
        deadline := time.Now().Add(limit)
        for time.Now().Before(deadline) {
            if _, err := net.Dial("tcp", os.Getenv("PANTRY_ADDR")); err == nil {
                return true
            }
            time.Sleep(time.Second)
        }
        return false
    }

    func Pantry() (*Conn, error) { return dialTo(os.Getenv("PANTRY_ADDR")) }

    func Clock() (*Conn, error) { return dialTo(os.Getenv("CLOCK_ADDR")) }
"""

# Stocks the pantry once, in a goroutine started beside the server; reads the clock on a ticker.
OVEN = """
    package main

    import (
        "net/http"
        "time"

        "example.com/bakery/supply"
    )

    func main() {
        go stockShelves()
        go func() {
            for range time.Tick(time.Minute) {
                setClock()
            }
        }()
        http.HandleFunc("/loaves", func(w http.ResponseWriter, r *http.Request) { w.Write(nil) })
        http.ListenAndServe(":8080", nil)
    }

    func stockShelves() {
        if !supply.PantryUp(20 * time.Second) {
            return
        }
        for {
            if err := reserveFlour(); err == nil {
                break
            }
            time.Sleep(5 * time.Second)
        }
    }

    func reserveFlour() error {
        conn, err := supply.Pantry()
        if err != nil {
            return err
        }
        return conn.Reserve("flour", 40)
    }

    func setClock() {
        conn, _ := supply.Clock()
        conn.Now()
    }
"""

# Dials the pantry as it starts, and its handler takes from it on every sale.
TILL = """
    package main

    import (
        "net/http"

        "example.com/bakery/supply"
    )

    func main() {
        conn, _ := supply.Pantry()
        http.HandleFunc("/sell", func(w http.ResponseWriter, r *http.Request) { conn.Take("loaf", 1) })
        http.ListenAndServe(":8080", nil)
    }
"""

# Refills in a goroutine of main, and its handler calls the same helper.
MIXER = """
    package main

    import (
        "net/http"

        "example.com/bakery/supply"
    )

    func main() {
        go refill()
        http.HandleFunc("/mix", mix)
        http.ListenAndServe(":8080", nil)
    }

    func refill() { fetchSugar() }

    func mix(w http.ResponseWriter, r *http.Request) { fetchSugar() }

    func fetchSugar() {
        conn, _ := supply.Pantry()
        conn.Take("sugar", 2)
    }
"""

# Dials the pantry in a goroutine of main and keeps the connection for its handler.
SCALE = """
    package main

    import (
        "net/http"

        "example.com/bakery/supply"
    )

    var pantry *supply.Conn

    func main() {
        go connect()
        http.HandleFunc("/weigh", weigh)
        http.ListenAndServe(":8080", nil)
    }

    func connect() { pantry, _ = supply.Pantry() }

    func weigh(w http.ResponseWriter, r *http.Request) { pantry.Take("salt", 1) }
"""


def _bakery(tmp: str) -> list[Any]:
    compose_file = write(tmp, "docker-compose.yml", COMPOSE)
    write(tmp, "bakery.env", BAKERY_ENV)
    write(tmp, "supply/supply.go", SUPPLY)
    for name, code in (("oven", OVEN), ("till", TILL), ("mixer", MIXER), ("scale", SCALE)):
        write(tmp, f"{name}/main.go", code)
    return load_artifacts([f"compose={compose_file}",
                           *(f"source:{n}={tmp}/{p}" for n in ("oven", "till", "mixer", "scale")
                             for p in (n, "supply"))])


def test_a_call_made_only_by_a_goroutine_main_starts_is_a_startup_call(tmp_path: Any) -> None:
    docs = _bakery(str(tmp_path))
    facts = load_documents(docs).by_key()
    assert facts["interaction:oven->pantry"].data.get("during") == "startup"
    assert facts["interaction:oven->clock"].data.get("during") == "background"  # on a ticker
    assert facts["interaction:till->pantry"].data.get("during") is None  # dialled by main, used by a handler
    assert facts["interaction:mixer->pantry"].data.get("during") is None  # a handler calls the helper too
    assert facts["interaction:scale->pantry"].data.get("during") is None  # the goroutine keeps it for the handler
    notes = [n for d in docs for n in d.notes.get("interaction:oven->pantry", [])]
    assert any(n.startswith("during startup: oven's code reads PANTRY_ADDR only in Pantry") and "oven/main.go:11 " in n
               for n in notes)
    notes = [n for d in docs for n in d.notes.get("interaction:oven->clock", [])]
    assert any("goroutine started at " in n and "oven/main.go:12 " in n for n in notes)
    timeouts = {f.subject for f in review([], extra=docs).findings if f.rule == "remote-call-without-timeout"}
    assert "interaction:till->pantry" in timeouts
    assert "interaction:oven->pantry" not in timeouts


def test_only_code_run_by_goroutines_of_start_up_code_is_detached() -> None:
    code = """package main

func main() {
    go warm()
    register(func() { handle() })
    go func() { ping() }()
    setup()
}

func warm() { fill(); handle() }

func fill() {}

func handle() {}

func setup() { go later() }

func later() {}

func ping() {}

func orphan() {}
"""
    found = {d.what.split(" ")[0]: d.during for d in code_go.detached([("cmd/main.go", code)])}
    # handle is also called inside a function literal main passes on (a callback): not start-up code
    assert found == {"warm": "startup", "fill": "startup", "later": "startup", "ping": "startup", "a": "startup"}
