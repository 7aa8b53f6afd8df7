"""`import source`: a service whose code sends its calls only to the servers a registry's latest lookup returned
states that its requests need that registry (``dependency: hard`` on its background call to it), and enrichment
then puts the registry on the public request path."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.enrich import enrich
from engine.importers import load_artifacts
from engine.importers.code_discovery import lookup
from engine.loader import load_documents
from engine.review import review
from engine.source import Document
from tests.helpers import write
from tests.importer_helpers import fact

# A shared client library: it asks the registry which instances serve a target, and rebuilds the load balancer
# the calls go through from that answer.
BALANCER = """
    package acme.common.lb;

    public final class TargetPool {
        private ILoadBalancer current;

        void refresh(String target) {
            List<Server> found = Lookup.instancesOf(target);   // GET /instances/{target} on the registry
            if (found == null) {
                found = new ArrayList<>();
            }
            current = LoadBalancerBuilder.newBuilder()
                .buildFixedServerListLoadBalancer(found);
        }
    }
"""

CONSUL_QUERY = """
    package quotes

    func pick(c *api.Client, name string) (string, error) {
        entries, _, err := c.Health().Service(name, "", true, nil)
        if err != nil || len(entries) == 0 {
            return "", errNoInstance
        }
        return entries[0].Service.Address, nil
    }
"""

# A discovery client that answers from the list it last fetched: its callers go on when the registry is away.
CACHED = """
    @Service
    public class Targets {
        private final DiscoveryClient discoveryClient;

        URI pricing() {
            return discoveryClient.getInstances("pricing").get(0).getUri();
        }
    }
"""


def test_a_lookup_fed_into_the_calls_is_found_in_java_and_go_not_a_cached_client() -> None:
    what, at = lookup([("TargetPool.java", textwrap.dedent(BALANCER))]) or ("", None)
    assert (what, at and at.line) == ("buildFixedServerListLoadBalancer(found)", 13)
    what, at = lookup([("pick.go", textwrap.dedent(CONSUL_QUERY))]) or ("", None)
    assert (what, at and at.line) == ("Health().Service(", 5)
    assert lookup([("Targets.java", textwrap.dedent(CACHED))]) is None
    assert lookup([("notes.txt", textwrap.dedent(BALANCER))]) is None  # not code


def test_a_service_that_balances_over_the_registrys_answer_needs_it(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          discovery: {build: ./discovery}
          config-server: {build: ./config-server}
          storefront:
            build: ./storefront
            ports: ["80:8080"]
            environment:
              LOOKUP_HOST: discovery
              CONFIG_HOST: config-server
          mailer:
            build: ./mailer
            environment:
              LOOKUP_HOST: discovery
    """)
    write(tmp, "storefront/src/main/java/acme/web/Home.java", """
        package acme.web;

        @WebServlet("/home")
        public class Home extends HttpServlet {
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) { }
        }
    """)
    write(tmp, "common/src/main/java/acme/common/lb/TargetPool.java", BALANCER)
    write(tmp, "mailer/src/main/java/acme/mail/Targets.java", CACHED)
    design = load_documents(load_artifacts([
        f"compose={compose}", f"source:storefront={tmp}/storefront", f"source:storefront={tmp}/common",
        f"source:mailer={tmp}/mailer"]))
    assert fact(design, "service:discovery").data.get("kind") == "registry"
    front = fact(design, "interaction:storefront->discovery")
    assert (front.data.get("during"), front.data.get("dependency")) == ("background", "hard")
    assert front.fields["dependency"].file.endswith("TargetPool.java")
    # a client that keeps its last list leaves the call as it was, and a config server is no lookup
    assert "dependency" not in fact(design, "interaction:mailer->discovery").data
    settings = fact(design, "interaction:storefront->config-server").data
    assert settings.get("during") == "startup" and "dependency" not in settings


def _on_public(design: dict[str, Any]) -> dict[str, bool]:
    facts = enrich(load_documents([Document("mem.yaml", {"source": "api", **design})])).facts
    return {f.name: f.data["on_public_path"] for f in facts if f.kind == "service"}


def test_the_registry_a_public_service_needs_is_on_the_public_path() -> None:
    design: dict[str, Any] = {
        "services": [{"name": "shop", "exposure": "public", "replicas": 2},
                     {"name": "names", "kind": "registry", "replicas": 1}, {"name": "tally", "replicas": 1},
                     {"name": "batch", "replicas": 1}],
        "endpoints": [{"method": "GET", "path": "/", "served_by": "shop"}],
        "interactions": [
            {"from": "shop", "to": "names", "during": "background", "dependency": "hard"},
            {"from": "shop", "to": "tally", "during": "background"},  # metrics pushed: nobody waits
            {"from": "batch", "to": "tally", "during": "background", "dependency": "hard"},  # batch is off the path
        ],
    }
    assert _on_public(design) == {"shop": True, "names": True, "tally": False, "batch": False}
    # its one instance is then a single point of failure of every public request
    reviewed = review([], extra=[Document("mem.yaml", {"source": "api", **design})])
    found = {(f.rule, f.subject) for f in reviewed.findings}
    assert ("single-instance-service-on-request-path", "service:names") in found
    assert ("single-instance-service-on-request-path", "service:tally") not in found
