"""Artifacts read the way their own tools read them: compose projects (merge, .env, extends, profiles)
and Kubernetes inputs as one cluster (lists of files = their directory, kustomizations, empty documents)."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ArchplanError
from engine.importers import detect, import_paths, load_artifacts
from engine.importers.compose_project import load_project, project_files
from engine.loader import load_documents
from engine.model.design import Design
from tests.helpers import write
from tests.importer_helpers import fixture

MERGE = fixture("compose-projects", "merge")
EXTENDS = fixture("compose-projects", "extends")
PROJECTS = {"merge": [os.path.join(MERGE, "docker-compose.yml"), os.path.join(MERGE, "docker-compose.override.yml")],
            "extends": [os.path.join(EXTENDS, "compose.yaml")]}


def _facts(design: Design) -> dict[str, dict[str, Any]]:
    return {f.key: dict(f.data) for f in design.facts}


def _service(project: Any, name: str) -> dict[str, Any]:
    return dict(project.doc.data["services"][name])


# --------------------------------------------------------------------------------------
# compose: merge, interpolation, extends, profiles
# --------------------------------------------------------------------------------------

def test_an_override_merges_into_its_base_as_docker_compose_does() -> None:
    project = load_project(PROJECTS["merge"])
    api = _service(project, "api")
    assert api["command"] == ["serve", "--port", "9000", "--reload"]  # replaced, not appended
    assert api["environment"] == {  # merged by key; env_file under environment
        "CACHE_URL": "redis://cache:6379", "LOG_LEVEL": "warn", "FEATURE_FLAGS": "all",
        "DATABASE_URL": "postgres://bookings:not-a-real-password@db:5432/bookings",
        "QUEUE_URL": "amqp://queue:5672"}
    assert api["volumes"] == ["./config-dev:/etc/api"]  # merged by container path
    assert api["deploy"] == {"replicas": 2}  # ${API_REPLICAS:-2}, cast like compose does
    assert set(api["depends_on"]) == {"db", "queue"}  # a mapping and a list merged by key
    front = _service(project, "front")
    assert front["ports"] == ["8080:8080", "127.0.0.1:9229:9229"]  # appended
    assert front["environment"] == {"API_URL": "http://api:9000", "LOG_LEVEL": "debug"}
    assert front["image"] == "registry.example.org/bookings/front:1.5"  # .env wins over the default


def test_every_merged_value_points_at_the_file_that_stated_it() -> None:
    base, override = PROJECTS["merge"]
    doc = load_project(PROJECTS["merge"]).doc
    assert str(doc.locate(("services", "api", "command"))) == f"{override}:9:5"
    assert str(doc.locate(("services", "api", "environment", "FEATURE_FLAGS"))) == f"{override}:11:9"
    assert str(doc.locate(("services", "api", "environment", "QUEUE_URL"))) == f"{base}:17:9"
    assert str(doc.locate(("services", "api", "environment", "CACHE_URL"))) == f"{MERGE}/api.env:1:1"
    assert str(doc.locate(("services", "front", "ports", 1))) == f"{override}:5:9"
    assert str(doc.locate(("services", "api"))) == f"{base}:12:3"  # the service is where it was first defined


def test_extends_takes_the_base_service_from_this_or_another_file() -> None:
    project = load_project(PROJECTS["extends"])
    worker, reporter = _service(project, "worker"), _service(project, "reporter")
    assert worker["image"] == "registry.example.org/bookings/worker:2"
    assert worker["environment"] == {"JAVA_OPTS": "-Xmx512m", "ROLE": "worker"}
    assert reporter["environment"] == {"JAVA_OPTS": "-Xmx512m", "ROLE": "reporter"}
    assert reporter["deploy"] == {"resources": {"limits": {"memory": "768m"}}}
    assert "extends" not in reporter
    assert str(project.doc.locate(("services", "reporter", "deploy"))).startswith(os.path.join(EXTENDS, "common.yaml"))


def test_extends_that_loops_or_names_nothing_is_an_error(tmp_path: os.PathLike[str]) -> None:
    loop = write(str(tmp_path), "loop/compose.yaml", "services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n")
    with pytest.raises(ArchplanError, match=r"compose\.yaml:2:.*extends itself"):
        load_project([loop])
    missing = write(str(tmp_path), "missing/compose.yaml", "services:\n  a:\n    extends: {service: nope}\n")
    with pytest.raises(ArchplanError, match=r"compose\.yaml:3:.*extends names 'nope'"):
        load_project([missing])


def _library_project(root: str) -> list[str]:
    """A lending-library project split the way compose's ``include`` splits one: each component keeps its own
    compose file beside its code, and the application's file includes them; an override wires them together."""
    write(root, "members/compose.yaml", """
        services:
          members:
            build: {context: .}
            ports: ["7001:7000"]
            environment: [STORE_URL=postgres://members-store:5432/members]
            volumes: [./seed:/seed:ro]
          members-store:
            image: postgres:15.4
            ports: ["5433:5432"]
        volumes:
          members-data: {}
        """)
    write(root, "loans/compose.yml", """
        services:
          loans:
            build: .
            ports: ["7002:7000"]
            environment: {QUEUE: amqp://loan-events:5672, DEBUG_PORT: "9000"}
          loan-events:
            image: rabbitmq:3.12
        """)
    main = write(root, "site/compose.yaml", """
        include:
          - ../members/compose.yaml
          - path: ../loans/compose.yml
        services:
          front:
            image: library/front:2.0
            ports: ["80:8080"]
            environment: [MEMBERS_URL=http://members:7000]
        """)
    override = write(root, "site/compose.override.yaml", """
        services:
          members:
            ports: !override []
          members-store:
            ports: !reset []
          loans:
            environment: !override {QUEUE: amqp://loan-events:5672}
          loan-events: !reset {}
        """)
    return [main, override]


def test_included_projects_join_the_including_one_with_their_paths_rebased(tmp_path: os.PathLike[str]) -> None:
    main, _override = _library_project(str(tmp_path))
    project = load_project([main])
    assert set(project.doc.data["services"]) == {"members", "members-store", "loans", "loan-events", "front"}
    members = _service(project, "members")
    assert members["build"] == {"context": os.path.join("..", "members")}  # relative to site/, as compose resolves
    assert members["volumes"] == [f"{os.path.join('..', 'members', 'seed')}:/seed:ro"]
    assert _service(project, "loans")["build"] == os.path.join("..", "loans")
    assert "members-data" in project.doc.data["volumes"]
    # each value still points at the included file that states it
    assert str(project.doc.locate(("services", "members-store", "image"))).endswith("members/compose.yaml:8:5")
    assert [os.path.basename(os.path.dirname(f)) for f in project.files] == ["site", "members", "loans"]


def test_merge_tags_replace_or_remove_what_an_earlier_file_gave(tmp_path: os.PathLike[str]) -> None:
    project = load_project(_library_project(str(tmp_path)))
    assert _service(project, "members")["ports"] == []  # !override: replaced, not appended to
    assert "ports" not in _service(project, "members-store")  # !reset: gone
    assert _service(project, "loans")["environment"] == {"QUEUE": "amqp://loan-events:5672"}  # not merged by key
    assert "loan-events" not in project.doc.data["services"]  # a whole service reset
    # imported: the override leaves only the front published
    facts = _facts(load_documents(import_paths("compose", _library_project(str(tmp_path)))))
    assert facts["service:front"]["exposure"] == "host"
    assert facts["service:members"].get("exposure") != "host"
    assert "interaction:front->members" in facts


def test_a_merge_tag_on_a_value_nothing_earlier_gave_is_that_value_or_nothing(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", """
        services:
          api:
            image: shelf/api:1.0
            ports: !override ["8080:8080"]
            labels: !reset {}
        """)
    api = _service(load_project([path]), "api")
    assert api["ports"] == ["8080:8080"] and "labels" not in api
    other = write(str(tmp_path), "o/compose.yaml", "services:\n  api:\n    image: !unknown x\n")
    with pytest.raises(ArchplanError, match="unsupported tag '!unknown'"):
        load_project([other])


def test_an_include_that_loops_or_is_missing(tmp_path: os.PathLike[str]) -> None:
    a = write(str(tmp_path), "a/compose.yaml", "include: [../b/compose.yaml]\nservices:\n  a: {image: x}\n")
    write(str(tmp_path), "b/compose.yaml", "include: [../a/compose.yaml]\nservices:\n  b: {image: y}\n")
    with pytest.raises(ArchplanError, match="includes the file that includes it"):
        load_project([a])
    gone = write(str(tmp_path), "c/compose.yaml", "include: [../nowhere/compose.yaml]\nservices:\n  c: {image: z}\n")
    project = load_project([gone])
    assert set(project.doc.data["services"]) == {"c"}
    ((at, text),) = project.remarks
    assert str(at).endswith("c/compose.yaml:1:11") and "not found" in text


@pytest.mark.parametrize(("value", "env", "expected"), [
    ("${A}", {"A": "x"}, "x"),
    ("$A-$B", {"A": "x", "B": "y"}, "x-y"),
    ("${A:-d}", {"A": ""}, "d"),
    ("${A-d}", {"A": ""}, ""),
    ("${A-d}", {}, "d"),
    ("${A:+alt}", {"A": "x"}, "alt"),
    ("${A:+alt}", {"A": ""}, ""),
    ("${A+alt}", {"A": ""}, "alt"),
    ("$$A costs $$5", {"A": "x"}, "$A costs $5"),
    ("${A:-${B}}", {"B": "nested"}, "nested"),  # nested defaults, as compose v2
    ("${A:-{x}}", {}, "{x}"),
    ("price $5", {}, "price $5"),
], ids=str)
def test_interpolation_follows_compose(tmp_path: os.PathLike[str], value: str, env: dict[str, str],
                                       expected: str) -> None:
    d = os.path.join(str(tmp_path), "p")
    write(d, ".env", "".join(f"{k}={v}\n" for k, v in env.items()))
    path = write(d, "compose.yaml", yaml.safe_dump({"services": {"s": {"image": "x", "labels": {"v": value}}}}))
    assert _service(load_project([path]), "s")["labels"]["v"] == expected


def test_unset_and_required_variables_are_said_with_their_place(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", "services:\n  s:\n    image: app:${TAG}\n")
    project = load_project([path])
    assert _service(project, "s")["image"] == "app:"
    ((at, text),) = project.remarks
    assert str(at) == f"{path}:3:5" and text.startswith("variable TAG is not set")
    required = write(str(tmp_path), "r/compose.yaml", "services:\n  s:\n    image: 'app:${TAG:?set TAG}'\n")
    ((at, text),) = load_project([required]).remarks
    assert str(at) == f"{required}:3:5" and text.startswith("variable TAG is required by the file (set TAG) but not "
                                                            "set in .env")
    broken = write(str(tmp_path), "b/compose.yaml", "services:\n  s:\n    image: 'app:${TAG'\n")
    with pytest.raises(ArchplanError, match=r"invalid interpolation format"):
        load_project([broken])


def test_the_imported_design_of_a_merged_project(tmp_path: os.PathLike[str]) -> None:
    docs = import_paths("compose", PROJECTS["merge"])
    facts = _facts(load_documents(docs))
    assert facts["service:api"]["replicas"] == 2
    assert "service:debug-shell" not in facts  # its profile is not enabled: compose does not start it
    enabled = _facts(load_documents(import_paths("compose", PROJECTS["merge"], profiles=["debug"])))
    assert enabled["service:debug-shell"]["tags"] == ["optional"]  # started by the profile enabled: optional
    assert facts["datastore:db"]["durable_storage"] is True
    assert {k for k in facts if k.startswith("interaction:")} >= {
        "interaction:api->db", "interaction:api->queue", "interaction:front->api"}
    assert facts["service:front"]["exposure"] == "host"  # 8080 on every interface
    # The same project through `--from`, one option per file, and through its directory.
    assert _facts(load_documents(load_artifacts([f"compose={p}" for p in PROJECTS["merge"]]))) == facts
    assert _facts(load_documents(import_paths("compose", [MERGE]))) == facts
    assert _facts(load_documents(import_paths("auto", [MERGE]))) == facts
    assert _facts(load_documents(import_paths("auto", PROJECTS["merge"]))) == facts


def test_auto_finds_the_default_files_and_their_override() -> None:
    assert project_files(MERGE) == PROJECTS["merge"]
    assert detect(MERGE) == "compose"
    assert project_files(EXTENDS) == PROJECTS["extends"]


# --------------------------------------------------------------------------------------
# Agreement with docker compose itself
# --------------------------------------------------------------------------------------

def _port(p: Any) -> tuple[str, str, str, str]:
    if isinstance(p, dict):
        return (str(p.get("host_ip", "")), str(p.get("published", "")), str(p["target"]), str(p.get("protocol", "tcp")))
    text, _s, proto = str(p).partition("/")
    parts = text.split(":")
    ip, pub, tgt = (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", parts[0], parts[1]) \
        if len(parts) == 2 else ("", "", parts[0])
    return ip, pub, tgt, proto or "tcp"


def _view(services: dict[str, Any]) -> dict[str, Any]:
    """What archplan reads of a merged compose model, in a form both tools' outputs reduce to."""
    out: dict[str, Any] = {}
    for name, svc in services.items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(str(e).partition("=")[::2] for e in env)
        deps = svc.get("depends_on") or []
        out[name] = {
            "image": svc.get("image"),
            "environment": {str(k): str(v) for k, v in env.items()},
            "ports": sorted(_port(p) for p in svc.get("ports") or []),
            "volume_targets": sorted(str(v["target"]) if isinstance(v, dict) else str(v).split(":")[1]
                                     if ":" in str(v) else str(v) for v in svc.get("volumes") or []),
            "depends_on": sorted(deps),
            "command": svc.get("command"),
            "healthcheck": (svc.get("healthcheck") or {}).get("test"),
            "replicas": (svc.get("deploy") or {}).get("replicas"),
            "limits": ((svc.get("deploy") or {}).get("resources") or {}).get("limits"),
            "profiles": svc.get("profiles"),
        }
    return out


@pytest.mark.parametrize("case", sorted(PROJECTS))
def test_the_merge_agrees_with_docker_compose_config(case: str) -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose is missing under CI=true: `make test` installs it (Debian's docker-compose)")
        pytest.skip("docker-compose not installed (`make test` installs it from Debian's packages)")
    files = PROJECTS[case]
    args = [tool, *(a for f in files for a in ("-f", f)), "--project-directory", os.path.dirname(files[0]), "config"]
    done = subprocess.run(args, capture_output=True, text=True, check=False, env={"PATH": os.environ["PATH"]},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    theirs = yaml.safe_load(done.stdout)["services"]
    ours = load_project(files, profiles=["*"]).doc.data["services"]  # `config` (v1) lists every profile's services
    assert _view(ours) == _view(theirs)


# --------------------------------------------------------------------------------------
# Kubernetes: one cluster, however the inputs are given
# --------------------------------------------------------------------------------------

_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: {name}
          image: example.org/{name}:1
          env:
            - {{name: NEXT_ADDR, value: "{next}:8080"}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 8080}}]
"""


def _list_equals_directory(fmt: str, root: str, paths: list[str], order: Any) -> Any:
    """Import the files shuffled, their directory, and the files with ``auto``: the same facts, same places."""
    shuffled = list(paths)
    order.shuffle(shuffled)
    as_dir = load_documents(import_paths(fmt, [root]))
    as_list = load_documents(import_paths(fmt, shuffled))
    as_auto = load_documents(import_paths("auto", shuffled))
    assert _facts(as_list) == _facts(as_dir) == _facts(as_auto)
    assert [f.location for f in as_list.facts] == [f.location for f in as_dir.facts]
    return as_list


def _cluster(root: str, names: list[str], trailing: bool) -> list[str]:
    paths = []
    for i, name in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        text = _DEPLOY.format(name=name, replicas=i % 3 + 1, next=f"{nxt}.default.svc.cluster.local")
        paths.append(write(root, f"{name}.yaml", text + ("---\n" if trailing else "")))
    return paths


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(["cart", "pay", "ship", "auth", "mail", "rank"]), min_size=1, max_size=6,
                      unique=True),
       order=st.randoms(use_true_random=False), trailing=st.booleans())
def test_a_list_of_manifests_equals_their_directory(tmp_path_factory: pytest.TempPathFactory, names: list[str],
                                                    order: Any, trailing: bool) -> None:
    root = str(tmp_path_factory.mktemp("cluster"))
    as_list = _list_equals_directory("kubernetes", root, _cluster(root, names, trailing), order)
    if len(names) > 1:  # host names resolve across files: each service calls the next
        assert f"interaction:{names[0]}->{names[1]}" in _facts(as_list)


def test_a_kustomization_is_followed_and_what_it_changes_is_said(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    base = os.path.join(root, "base")
    _cluster(base, ["cart", "pay"], trailing=True)
    write(base, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                      "resources: [cart.yaml, pay.yaml, https://example.org/remote.yaml]\n")
    write(base, "patch-notes.yaml", "just: a file kustomize never reads\n")
    prod = os.path.join(root, "overlays", "prod")
    write(prod, "kustomization.yaml", "resources: [../../base]\npatches:\n  - path: replicas.yaml\n")
    write(prod, "replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec: {replicas: 9}\n")
    write(root, "chart/Chart.yaml", "apiVersion: v2\nname: extra\n")
    write(root, "chart/templates/d.yaml", "{{ if .Values.x }}\n")
    (doc,) = import_paths("kubernetes", [root])
    facts = _facts(load_documents([doc]))
    assert {k for k in facts if k.startswith("service:")} == {"service:cart", "service:pay"}
    assert facts["service:cart"]["replicas"] == 1  # the patch is not applied, and that is said
    remarks = [text for _at, text in doc.remarks]
    assert any("https://example.org/remote.yaml" in r and "not a local path" in r for r in remarks)
    assert any(r.startswith("kustomize patches not applied") for r in remarks)
    assert any(r.startswith("a Helm chart") and "helm template" in r for r in remarks)
    warnings = [str(w) for w in load_documents([doc]).warnings]
    assert any(w.startswith(os.path.join(prod, "kustomization.yaml") + ":2:") for w in warnings)
    missing = write(root, "bad/kustomization.yaml", "resources: [nowhere.yaml]\n")
    with pytest.raises(ArchplanError, match=r"kustomization\.yaml:1:.*'nowhere\.yaml' does not exist"):
        import_paths("kubernetes", [os.path.dirname(missing)])


def test_yaml_merge_keys_in_artifacts_merge_as_yaml_1_1_says(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", """
        x-defaults: &defaults
          image: acme/base:1
          restart: always
          environment: {LOG: info}
        x-limits: &limits
          restart: on-failure
          mem_limit: 256m
        services:
          a:
            <<: [*defaults, *limits]
            environment: {LOG: debug}
          b:
            <<: *defaults
        """)
    project = load_project([path])
    a, b = _service(project, "a"), _service(project, "b")
    assert a == {"image": "acme/base:1", "restart": "always", "environment": {"LOG": "debug"}, "mem_limit": "256m"}
    assert b == {"image": "acme/base:1", "restart": "always", "environment": {"LOG": "info"}}
    assert str(project.doc.locate(("services", "a", "environment"))) == f"{path}:11:5"  # stated wins, here
    assert str(project.doc.locate(("services", "a", "image"))) == f"{path}:2:3"  # merged: where it is written
    bad = write(str(tmp_path), "bad/compose.yaml", "services:\n  a:\n    <<: [1]\n    image: x\n")
    with pytest.raises(ArchplanError, match=r"compose\.yaml:3:10: a merge key \('<<'\) takes a mapping"):
        load_project([bad])


def _config_server(root: str, names: list[str]) -> list[str]:
    paths = [write(root, "application.yml", "eureka:\n  client:\n    serviceUrl:\n"
                                            "      defaultZone: http://registry:8761/eureka/\n")]
    for i, name in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        paths.append(write(root, f"{name}.yml", f"spring:\n  data:\n    mongodb:\n      host: {name}-db\n"
                                                f"next:\n  url: http://{nxt}:8080/api\n"))
    return paths


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(["cart", "pay", "ship", "auth", "mail", "rank"]), min_size=1, max_size=5,
                      unique=True),
       order=st.randoms(use_true_random=False))
def test_a_list_of_spring_configuration_files_equals_their_directory(
        tmp_path_factory: pytest.TempPathFactory, names: list[str], order: Any) -> None:
    root = str(tmp_path_factory.mktemp("config"))
    as_list = _list_equals_directory("spring", root, _config_server(root, names), order)
    assert _facts(load_documents(import_paths("auto", [root]))) == _facts(as_list)  # auto knows the directory
    for name in names:  # the config server's application.yml is every service's defaults
        assert f"interaction:{name}->registry" in _facts(as_list)
        assert f"interaction:{name}->{name}-db" in _facts(as_list)
