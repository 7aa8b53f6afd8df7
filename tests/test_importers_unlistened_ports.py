"""A published port leads to a listener only when the service's code runs one there (``code_rust.listeners``,
``code_routes._unlistened_ports``), and nginx's ``proxy_pass $var`` passes to each upstream the location ``set``s
(``gateway._set_values``): the routes of a service are reached through the gateway, not through a metrics port that
nothing answers on."""

from __future__ import annotations

from typing import Any

from engine.importers import compose_routes, import_paths
from engine.importers.code_rust import listeners
from tests.helpers import write

SERVER = """
    use actix_web::{web, App, HttpServer};

    pub struct Settings {
      #[default(7000)]
      pub port: u16,
      #[default(None)]
      pub metrics: Option<MetricsConfig>,
    }

    pub struct MetricsConfig {
      #[default(9400)]
      pub port: i32,
    }

    fn start(settings: Settings) {
      let bind = ("0.0.0.0", settings.port);
      HttpServer::new(move || {
        App::new()
          .route("/api/parcels", web::post().to(send_parcel))
          .route("/inbox", web::post().to(receive))
      })
      .bind(bind)
      .run();
    }

    fn serve_metrics(config: MetricsConfig) {
      HttpServer::new(move || App::new().route("/stats", web::get().to(stats)))
        .bind(("127.0.0.1", config.port as u16))
        .run();
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
      fn fake_peer() {
        HttpServer::new(|| App::new()).bind("127.0.0.1:8123");
      }
    }
"""
CONFIG_OFF = """
    {
      # metrics: { port: 9400 }
      port: 7000
      store: { url: "http://files:8080/" }
    }
"""
CONFIG_ON = """
    {
      port: 7000
      metrics: {
        bind: "0.0.0.0"
      }
    }
"""
NGINX = """
    events {}
    http {
      upstream courier { server "courier:7000"; }
      upstream portal { server "portal:3000"; }
      server {
        listen 80;
        location / {
          set $target "http://portal";
          if ($request_method = POST) {
            set $target "http://courier";
          }
          proxy_pass $target;
        }
        location /api {
          proxy_pass http://courier;
        }
      }
    }
"""


def _compose(ports: str) -> str:
    return f"""
        services:
          edge:
            image: nginx:1.27
            ports: ["80:80"]
          portal:
            image: acme/portal:1.0
          courier:
            build: ./courier
            ports: [{ports}]
    """


def _docs(tmp: str, config: str, ports: str = '"9400:9400"') -> list[Any]:
    write(tmp, "courier/src/main.rs", SERVER)
    conf = write(tmp, "courier.hjson", config)
    compose = write(tmp, "compose.yaml", _compose(ports))
    nginx = write(tmp, "nginx.conf", NGINX)
    return compose_routes([*import_paths("compose", [compose]), *import_paths("gateway", [nginx], service="edge"),
                           *import_paths("source", [f"{tmp}/courier", conf], service="courier")])


def _endpoints(docs: list[Any]) -> dict[str, dict[str, Any]]:
    return {str(e.get("name") or f"{e['method']} {e['path']}"): e for d in docs if isinstance(d.data, dict)
            for e in d.data.get("endpoints") or []}


def _exposure(docs: list[Any], name: str) -> set[str]:
    return {str(s.get("exposure")) for d in docs if isinstance(d.data, dict) for s in d.data.get("services") or []
            if s.get("name") == name and "exposure" in s}


def test_rust_servers_bind_the_configured_port_and_a_metrics_server_left_unset_does_not_run(tmp_path: Any) -> None:
    write(str(tmp_path), "src/main.rs", SERVER)
    text = (tmp_path / "src/main.rs").read_text()
    found = listeners([("src/main.rs", text)], [("app.hjson", "{\n  port: 7100\n}\n")])
    assert found is not None
    assert [(f.port, f.runs) for f in found] == [(7100, True), (0, False)]  # the test module's server is no listener
    on = listeners([("src/main.rs", text)], [("app.hjson", "{\n  metrics: {\n    port: 9500\n  }\n}\n")])
    assert on is not None and [(f.port, f.runs) for f in on] == [(7000, True), (9500, True)]
    assert listeners([("src/main.rs", text)], []) is None  # no configuration given: whether metrics run is unknown


def test_a_port_published_for_a_metrics_server_that_does_not_run_is_no_entry(tmp_path: Any) -> None:
    docs = _docs(str(tmp_path), CONFIG_OFF)
    eps = _endpoints(docs)
    assert "courier-entry" not in eps
    assert _exposure(docs, "courier") == {"internal"}
    # its routes are reached through the gateway only: POSTs of location / pass to courier, /api to courier too
    assert eps["POST /inbox"]["served_by"] == "edge" and eps["POST /inbox"]["routes_to"] == ["courier"]
    assert not any(k.startswith("courier-") for k in eps)
    assert "GET /stats" not in eps  # the metrics server's route: it does not run


def test_a_published_port_the_code_listens_on_stays_an_entry(tmp_path: Any) -> None:
    docs = _docs(str(tmp_path), CONFIG_OFF, '"7000:7000", "9400:9400"')
    assert "courier-entry" in _endpoints(docs)
    assert _exposure(docs, "courier") == {"host"}


def test_a_metrics_server_the_configuration_turns_on_keeps_its_published_port(tmp_path: Any) -> None:
    docs = _docs(str(tmp_path), CONFIG_ON)
    eps = _endpoints(docs)
    assert "courier-entry" in eps and "GET /stats" in {f"{e['method']} {e['path']}" for e in eps.values()}
    assert _exposure(docs, "courier") == {"host"}


def test_nginx_proxy_pass_of_a_set_variable_passes_to_each_upstream_it_is_set_to(tmp_path: Any) -> None:
    nginx = write(str(tmp_path), "nginx.conf", NGINX)
    eps = _endpoints(import_paths("gateway", [nginx], service="edge"))
    # the if block only picks the upstream: the location serves every method, to portal or courier
    assert eps["ANY /"]["routes_to"] == ["courier", "portal"]
    assert "POST /" not in eps


def test_a_route_under_a_more_specific_location_is_not_reached_through_the_shared_one(tmp_path: Any) -> None:
    docs = _docs(str(tmp_path), CONFIG_OFF)
    placed = [d for d in docs if getattr(d, "service", None) == "courier"]
    notes = {k: v for d in placed for k, v in d.notes.items()}
    assert "public through endpoint:ANY /api (path kept)" in notes["endpoint:POST /api/parcels"]
    assert "public through endpoint:ANY / (path kept)" not in notes["endpoint:POST /api/parcels"]
    assert "public through endpoint:ANY / (path kept)" in notes.get("endpoint:POST /inbox", [])
