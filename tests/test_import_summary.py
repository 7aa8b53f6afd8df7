"""`archplan import` summary: what was found, what was left out, and the unknown fields the rules need."""

from __future__ import annotations

import glob
import os
from typing import Any

import yaml
from click.testing import CliRunner

from engine.cli.main import main
from engine.import_summary import edge_origin, rule_fields, summary_lines, unknowns
from engine.importers import import_paths
from engine.loader import load_design, load_documents
from engine.model import BASE_KINDS, SECTIONS
from engine.model.kinds import AGENT_TITLES, KIND_AGENT, owner
from engine.ruleload import builtin_rules_dir, load_rules
from engine.source import DEFAULT_LIMITS
from tests.conftest import ROOT
from tests.helpers import rule_yaml, write, write_yaml
from tests.importer_helpers import fixture

# A small system: an API with a database (declared and named in its URL, with a credential in it) and a
# cache (named only), a worker started after a broker (declared only), a load generator, a tracing server.
COMPOSE = """
    services:
      api:
        image: ghcr.io/acme/api:2.1
        ports: ["8080:8080"]
        environment:
          DATABASE_URL: postgres://app:hunter2-secret@db:5432/app
          CACHE_HOST: cache
        depends_on: [db]
      worker:
        image: ghcr.io/acme/worker:2.1
        depends_on: [mq]
      db:
        image: postgres:16
        volumes: ["db-data:/var/lib/postgresql/data"]
      cache:
        image: redis:7
      mq:
        image: rabbitmq:3
      locust:
        image: locustio/locust
      jaeger:
        image: jaegertracing/all-in-one:1.57
    volumes:
      db-data: {}
    """

# The same system in two files, to show the summary does not depend on the order they are given in.
COMPOSE_A = """
    services:
      api:
        image: ghcr.io/acme/api:2.1
        ports: ["8080:8080"]
        environment: {CACHE_HOST: cache}
        depends_on: [db]
      db: {image: "postgres:16"}
      cache: {image: "redis:7"}
    """
COMPOSE_B = """
    services:
      worker: {image: "ghcr.io/acme/worker:2.1", depends_on: [mq]}
      mq: {image: "rabbitmq:3"}
      locust: {image: locustio/locust}
    """


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def summary_of(stderr: str) -> list[str]:
    """The summary's lines (everything from its header on; warnings come before it)."""
    lines = stderr.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("archplan: import summary"))
    return lines[start:]


def test_rule_pack_summary_is_exact(tmp_path: os.PathLike[str]) -> None:
    """With a known rule pack, every line of the summary, counts and agents included."""
    tmp = str(tmp_path)
    packs = {
        "resilience/t-timeout": ([{"as": "call", "kind": "interaction", "where": {"timeout_ms": 0}}],
                                 "call.timeout_ms"),
        "resilience/t-breaker": ([{"as": "call", "kind": "interaction", "where": {"circuit_breaker": False}}],
                                 "call.circuit_breaker"),
        "security/t-tls": ([{"as": "call", "kind": "interaction", "where": {"tls": False}}], "call.tls"),
        "operability/t-runbook": ([{"as": "svc", "kind": "service", "where": {"runbook": False}}], "svc.runbook"),
        "operability/t-live": ([{"as": "svc", "kind": "service", "where": {"health.liveness": False}}],
                               "svc.health.liveness"),
        "data/t-owner": ([{"as": "ds", "kind": "datastore", "where": {"owner": {"missing": True}}}], "ds.owner"),
        "data/t-backups": ([{"as": "ds", "kind": "datastore", "where": {"backups.enabled": False}}],
                           "ds.backups.enabled"),
        "security/t-authn": ([{"as": "ep", "kind": "endpoint", "where": {"authn": "none"}}], "ep.authn"),
        # A computed field and a graph kind: no design file states them, so nobody is asked.
        "operability/t-computed": ([{"as": "ep", "kind": "endpoint", "where": {"slo_defined": False}}],
                                   "ep.slo_defined"),
        "communication/t-consumer": ([{"as": "c", "kind": "consumer", "where": {"idempotent": False}}],
                                     "c.idempotent"),
    }
    for name, (when, gap) in packs.items():
        category, rid = name.split("/")
        write_yaml(tmp, f"rules/{category}/{rid}.yaml", rule_yaml(rid, when, category=category, gaps=[gap]))
    kb = load_rules([os.path.join(tmp, "rules")])
    design = load_documents(import_paths("compose", [write(tmp, "compose.yaml", COMPOSE)], DEFAULT_LIMITS, None))
    assert summary_lines(design, kb, top=5, per_agent=2) == [
        "archplan: import summary (--quiet leaves it out)",
        "  components: 6 (services 3, endpoints 1, datastores 2); left out as not part of the system: 2 "
        "(1 load generator, 1 observability)",
        "  interactions: 3 (declared 1, declared and named in configuration 1, inferred from configuration only 1)",
        "    style or protocol known on 3 of 3",
        "  unknown, though the built-in rules need them (5 of 8 fields, most often unknown first):",
        "    interaction.circuit_breaker unknown on 3 of 3 interactions",
        "    interaction.timeout_ms unknown on 3 of 3 interactions",
        "    interaction.tls unknown on 3 of 3 interactions",
        "    service.health.liveness unknown on 3 of 3 services",
        "    service.runbook unknown on 3 of 3 services",
        "  questions for the design agents (every unknown field, most often unknown first):",
        "    API Architecture (2 fields): interaction.circuit_breaker, interaction.timeout_ms",
        "    Database Design (2 fields): datastore.owner, datastore.backups.enabled",
        "    Server Infrastructure (2 fields): service.health.liveness, service.runbook",
        "    Security & Auth (2 fields): interaction.tls, endpoint.authn",
    ]


def test_a_stated_field_is_not_asked_for(tmp_path: os.PathLike[str]) -> None:
    design = load_design([write(str(tmp_path), "d.yaml", """
        source: infrastructure
        services:
          - {name: a, runbook: true, health: {readiness: true}}
          - {name: b, health: {liveness: false}}
          - {name: c}
        """)])
    got = {(u.label, u.missing, u.total) for u in
           unknowns(design.facts, {"service": ("health.liveness", "runbook", "zones")})}
    assert got == {("service.health.liveness", 2, 3), ("service.runbook", 2, 3), ("service.zones", 3, 3)}


def test_edges_by_how_they_were_found() -> None:
    assert edge_origin({"from": "a", "to": "b"}) == "declared"  # stated by the artifact (AsyncAPI, OpenAPI)
    assert edge_origin({"inferred_from": "depends_on (c.yaml:3:7); links (c.yaml:5:7)"}) == "declared"
    assert edge_origin({"inferred_from": "depends_on (c.yaml:3:7); DB_HOST (environment of a, c.yaml:9:7) "
                                         "names host b"}) == "both"
    assert edge_origin({"inferred_from": "command (command of a, c.yaml:4:5) names host b"}) == "inferred"


def test_the_fields_come_from_the_built_in_rules() -> None:
    kb = load_rules([builtin_rules_dir()])
    fields = rule_fields(kb)
    gap_refs = {ref for lr in kb.rules for ref in (*lr.rule.gaps, *lr.rule.assume)}
    assert "timeout_ms" in fields["interaction"] and "call.timeout_ms" in gap_refs
    assert "owner" in fields["datastore"] and "backups.enabled" in fields["datastore"]
    assert set(fields) <= set(BASE_KINDS)  # graph kinds (consumer, step, path) are computed, never asked for
    assert "slo_defined" not in fields.get("endpoint", ())  # computed by archplan
    assert sum(len(v) for v in fields.values()) < len(gap_refs)


def test_every_kind_has_an_agent_and_it_matches_the_example_designs() -> None:
    """The agent each question goes to is the one that states that field in facts/shop and facts/ledger."""
    assert set(KIND_AGENT) == set(BASE_KINDS) and set(KIND_AGENT.values()) == set(AGENT_TITLES)
    stated: dict[tuple[str, str], set[str]] = {}
    for path in glob.glob(os.path.join(ROOT, "facts", "*", "*.yaml")):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for section, (kind, _model, is_list) in SECTIONS.items():
            for item in (doc.get(section) or []) if is_list else [doc.get(section) or {}]:
                for key, value in item.items():
                    names = [f"{key}.{k}" for k in value] if isinstance(value, dict) else [key]
                    for name in names:
                        stated.setdefault((kind, name), set()).add(doc["source"])
    checked = 0
    for kind, fields in rule_fields(load_rules([builtin_rules_dir()])).items():
        for fld in fields:
            if (kind, fld) in stated:
                checked += 1
                assert owner(kind, fld) in stated[(kind, fld)], (kind, fld, stated[(kind, fld)])
    assert checked > 40


def test_import_prints_the_summary_on_stderr_and_a_loadable_file_on_stdout(tmp_path: os.PathLike[str]) -> None:
    tmp = str(tmp_path)
    path = write(tmp, "compose.yaml", COMPOSE)
    result = run("import", "compose", path)
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stderr)
    assert summary[:4] == [
        "archplan: import summary (--quiet leaves it out)",
        "  components: 6 (services 3, endpoints 1, datastores 2); left out as not part of the system: 2 "
        "(1 load generator, 1 observability)",
        "  interactions: 3 (declared 1, declared and named in configuration 1, inferred from configuration only 1)",
        "    style or protocol known on 3 of 3",
    ]
    assert "    interaction.timeout_ms unknown on 3 of 3 interactions" in summary
    assert any(ln.startswith("    Database Design (") and "datastore." in ln for ln in summary)
    assert len(summary) <= 25
    assert not set(summary) & set(result.stdout.splitlines())  # nothing of the summary in the file
    # Only kind names, field names and counts: no value or name from the artifact.
    for leak in ("hunter2", "ghcr.io", "worker", "locust", "jaeger", "cache", "8080"):
        assert all(leak not in ln for ln in summary), leak
    data = yaml.safe_load(result.stdout)
    assert data["source"] == "infrastructure"
    design = load_design([write(tmp, "infra.yaml", result.stdout)])
    assert {f.key for f in design.facts} >= {"service:api", "datastore:db", "interaction:api->db"}


def test_summary_is_deterministic_and_independent_of_file_order(tmp_path: os.PathLike[str]) -> None:
    tmp = str(tmp_path)
    a, b = write(tmp, "a/compose.yaml", COMPOSE_A), write(tmp, "b/compose.yaml", COMPOSE_B)
    first, again = run("import", "compose", a, b), run("import", "compose", a, b)
    swapped = run("import", "compose", b, a)
    assert first.exit_code == again.exit_code == swapped.exit_code == 0, first.output
    assert first.stderr == again.stderr and first.stdout == again.stdout
    assert summary_of(first.stderr) == summary_of(swapped.stderr)
    assert summary_of(first.stderr)[1] == ("  components: 6 (services 3, endpoints 1, datastores 2); left out as "
                                           "not part of the system: 1 (1 load generator)")


def test_quiet_leaves_the_summary_out_but_not_the_warnings(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", COMPOSE)
    loud, quiet = run("import", "compose", path), run("import", "compose", "--quiet", path)
    assert loud.exit_code == quiet.exit_code == 0, quiet.output
    assert quiet.stdout == loud.stdout
    assert "import summary" not in quiet.stderr and "import summary" in loud.stderr
    assert quiet.stderr == loud.stderr[:loud.stderr.index("archplan: import summary")]
    assert "locust is a load generator" in quiet.stderr
    out = os.path.join(str(tmp_path), "infra.yaml")
    written = run("import", "compose", "-q", path, "-o", out)
    assert (written.exit_code, written.stdout, "import summary" in written.stderr) == (0, "", False)


def test_a_big_system_summary_stays_short() -> None:
    result = run("import", "kubernetes", fixture("kubernetes", "clinic"))
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stderr)
    assert 8 < len(summary) <= 25
    assert sum(ln.startswith("    ") and " unknown on " in ln for ln in summary) == 8


def test_the_readme_example_is_what_import_prints() -> None:
    """README's example summary is the one for the compose file it imports (``...`` stands for lines left out)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    start = readme.index("```text\narchplan: import summary")
    shown = readme[start:readme.index("```\n", start + 3)].splitlines()[1:]
    result = run("import", "compose", os.path.join(ROOT, "tests", "fixtures", "importers", "compose",
                                                    "shop-compose.yaml"))
    actual = iter(summary_of(result.stderr))
    for line in shown:  # in order, each shown line is a line of the real summary
        if line.strip() != "...":
            assert line in actual, line


def test_max_input_bytes_limits_the_artifacts_not_the_rules_the_summary_reads(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", COMPOSE)
    assert os.path.getsize(path) < 1500 < max(os.path.getsize(p) for p in glob.glob(
        os.path.join(builtin_rules_dir(), "*", "*.yaml")))
    result = run("import", "compose", "--max-input-bytes", "1500", path)
    assert result.exit_code == 0, result.output
    assert "archplan: import summary" in result.stderr
