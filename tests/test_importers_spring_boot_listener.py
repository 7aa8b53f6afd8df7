"""A Spring Boot application's embedded web server (spring.boot_plain_listener): plain HTTP unless its
configuration, its code, its image or its deployment gives it TLS, or a configuration server may."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import load_artifacts
from engine.loader import load_documents
from tests.helpers import write

COMPOSE = """
    services:
      greenhouse:
        image: acme/greenhouse:3
        ports: ["9090:8080"]
{environment}
"""


def _module(root: str) -> None:
    write(root, "greenhouse/src/main/java/acme/GreenhouseApp.java", """
        package acme;
        // @SpringBootApplication(exclude = Ssl.class) in a comment names nothing
        @SpringBootApplication
        public class GreenhouseApp {
          public static void main(String[] args) { SpringApplication.run(GreenhouseApp.class, args); }
        }
        """)
    write(root, "greenhouse/src/main/java/acme/SeedController.java", """
        package acme;
        @RestController
        public class SeedController {
          @GetMapping("/seeds")
          public String seeds() { return "none"; }
        }
        """)
    write(root, "greenhouse/src/main/resources/application.properties", "server.port=8080\n")


def _seeds(root: str, environment: str = "") -> dict[str, Any]:
    write(root, "compose.yaml", COMPOSE.format(environment=environment))
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           f"source={os.path.join(root, 'greenhouse')}"])
    data: dict[str, Any] = load_documents(docs).by_key()["endpoint:GET /seeds"].data
    return data


def test_a_spring_boot_application_with_no_ssl_settings_published_by_compose_serves_plain_http(tmp_path: Any) -> None:
    root = str(tmp_path)
    _module(root)
    assert _seeds(root)["tls"] is False


def test_a_deployment_setting_the_server_ssl_variables_leaves_tls_unknown(tmp_path: Any) -> None:
    root = str(tmp_path)
    _module(root)
    assert "tls" not in _seeds(root, "        environment:\n          SERVER_SSL_ENABLED: 'true'")


def test_ssl_settings_a_profile_or_a_config_server_may_give_leave_tls_unknown(tmp_path: Any) -> None:
    root = str(tmp_path)
    _module(root)
    profile = write(root, "greenhouse/src/main/resources/application-prod.yml", "server:\n  ssl:\n    enabled: true\n")
    assert "tls" not in _seeds(root)
    os.remove(profile)
    config = write(root, "greenhouse/src/main/resources/application.yml",
                   "spring:\n  config:\n    import: optional:configserver:http://config:8888\n")
    assert "tls" not in _seeds(root)
    os.remove(config)
    write(root, "greenhouse/src/main/java/acme/Tls.java", """
        package acme;
        class Tls implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
          public void customize(TomcatServletWebServerFactory f) { f.setSsl(new Ssl()); }
        }
        """)
    assert "tls" not in _seeds(root)
