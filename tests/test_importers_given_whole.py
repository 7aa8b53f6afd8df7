"""A ConfigMap taken whole (``envFrom``) gives every workload every key: a call is drawn from a key only when the
caller's code may read it (``code_routes.compose`` with the Kubernetes import)."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write

MANIFESTS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: service-addresses}
data:
  ORDERS_API_ADDR: "orders:8080"
  STOCK_API_ADDR: "stock:8080"
  SPRING_CLOUD_CONFIG_URI: "http://settings:8888"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: "acme/web:1", envFrom: [{configMapRef: {name: service-addresses}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: writer}
spec:
  template:
    spec:
      containers: [{name: writer, image: "acme/writer:1", envFrom: [{configMapRef: {name: service-addresses}}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reporter}
spec:
  template:
    spec:
      containers:
        - name: reporter
          image: acme/reporter:1
          envFrom: [{configMapRef: {name: service-addresses}}]
          env: [{name: EXTRA_ADDR, value: "stock:8080"}]
"""
for _name in ("orders", "stock", "settings"):
    MANIFESTS += f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {_name}}}
spec:
  selector: {{matchLabels: {{app: {_name}}}}}
  template:
    metadata: {{labels: {{app: {_name}}}}}
    spec:
      containers: [{{name: {_name}, image: "acme/{_name}:1"}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {_name}}}
spec:
  selector: {{app: {_name}}}
  ports: [{{port: 8080}}]
"""


def _tree(tmp: str) -> tuple[str, list[str]]:
    manifests = write(tmp, "k8s/app.yaml", MANIFESTS)
    # web reads both addresses (Python); writer reads only the orders address (Spring's @Value, relaxed binding);
    # reporter names none of the ConfigMap's keys: how it reads its environment is unknown
    write(tmp, "web/app.py", """
        import os
        ORDERS = os.environ.get("ORDERS_API_ADDR")
        STOCK = os.environ["STOCK_API_ADDR"]
        """)
    write(tmp, "writer/src/main/java/acme/Writer.java", """
        package acme;
        public class Writer {
            public Writer(@Value("http://${orders.api.addr}/orders") String url) {}
        }
        """)
    write(tmp, "reporter/src/main/java/acme/Reporter.java", """
        package acme;
        public class Reporter {
            String base = System.getenv().get(System.getProperty("which"));
        }
        """)
    return manifests, [os.path.join(tmp, s) for s in ("web", "writer", "reporter")]


def _calls(docs: Any) -> set[str]:
    return {f.key.split(":", 1)[1] for f in load_documents(docs).of_kind("interaction")}


def test_a_call_from_a_configmap_key_the_code_never_reads_is_not_drawn(tmp_path: Any) -> None:
    manifests, sources = _tree(str(tmp_path))
    docs = load_artifacts([f"kubernetes={manifests}", *(f"source={s}" for s in sources)])
    calls = _calls(docs)
    assert {"web->orders", "web->stock", "writer->orders"} <= calls
    assert "writer->stock" not in calls
    # reporter names no key of the ConfigMap (it may read them some other way); a key set on its own (env) counts
    assert {"reporter->orders", "reporter->stock"} <= calls
    # a variable the framework binds by itself (Spring Boot's SPRING_*) is read with no code naming it
    assert "writer->settings" in calls
    warnings = [text for d in docs for _at, text in d.remarks if "not drawn" in text]
    assert warnings == ["writer->stock not drawn: STOCK_API_ADDR comes from ConfigMap service-addresses, which writer "
                        "takes whole, and writer's code reads ORDERS_API_ADDR of it but never it"]


def test_without_the_code_every_key_of_a_configmap_taken_whole_stays_a_call(tmp_path: Any) -> None:
    manifests, _sources = _tree(str(tmp_path))
    assert "writer->stock" in _calls(import_paths("kubernetes", [manifests]))


def test_a_call_from_an_env_file_key_the_code_never_reads_is_not_drawn(tmp_path: Any) -> None:
    # a compose env_file is given whole like a ConfigMap through envFrom; a variable written in the service's own
    # environment is its own, read or not
    root = str(tmp_path)
    write(root, "addresses.env", "ORDERS_API_ADDR=orders:8080\nSTOCK_API_ADDR=stock:8080\n")
    compose = write(root, "docker-compose.yml", """
        services:
          orders: {image: "acme/orders:1"}
          stock: {image: "acme/stock:1"}
          billing: {image: "acme/billing:1"}
          writer:
            image: acme/writer:1
            env_file: [addresses.env]
            environment: {BILLING_URL: "http://billing:8080"}
        """)
    write(root, "writer/app.py", 'import os\nORDERS = os.environ["ORDERS_API_ADDR"]\n')
    docs = load_artifacts([f"compose={compose}", f"source={os.path.join(root, 'writer')}"])
    calls = _calls(docs)
    assert {"writer->orders", "writer->billing"} <= calls
    assert "writer->stock" not in calls
    assert [text for d in docs for _at, text in d.remarks if "not drawn" in text] == [
        f"writer->stock not drawn: STOCK_API_ADDR comes from env_file {os.path.join(root, 'addresses.env')}, which "
        "writer takes whole, and writer's code reads ORDERS_API_ADDR of it but never it"]
    assert "writer->stock" in _calls(import_paths("compose", [compose]))  # without the code: a call, as before
