"""`archplan import` and `check --from`: agent files, detection, precedence, findings on artifact lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import jsonschema
import yaml
from click.testing import CliRunner

from engine.cli.main import main
from engine.importers import detect, load_artifacts
from engine.loader import load_design, load_documents
from tests.conftest import ROOT
from tests.gate_helpers import SCHEMA
from tests.helpers import rule_yaml, write, write_yaml
from tests.importer_helpers import check_builtin_rules_on_artifacts, check_first_artifact_wins, fact, fixture, line_of

SHOP_API = fixture("openapi", "shop.yaml")
SHOP_COMPOSE = fixture("compose", "shop-compose.yaml")
SHOP_K8S = fixture("kubernetes", "shop")


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def rule_pack(tmp: str) -> str:
    """Two test rules whose findings point at an imported field."""
    unauth = rule_yaml("test-public-endpoint-without-authn",
                       [{"as": "ep", "kind": "endpoint", "where": {"authn": "none"}}], category="security")
    unauth["risk"]["field"] = "authn"
    volatile = rule_yaml("test-datastore-on-ephemeral-storage",
                         [{"as": "ds", "kind": "datastore", "where": {"durable_storage": False}}], category="data")
    volatile["risk"]["field"] = "durable_storage"
    write_yaml(tmp, "rules/security/test-public-endpoint-without-authn.yaml", unauth)
    write_yaml(tmp, "rules/data/test-datastore-on-ephemeral-storage.yaml", volatile)
    return os.path.join(tmp, "rules")


def test_import_writes_an_editable_agent_file_that_loads_as_a_design(tmp_path: os.PathLike[str]) -> None:
    out = os.path.join(str(tmp_path), "infra.yaml")
    result = run("import", "compose", SHOP_COMPOSE, "-o", out)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as fh:
        text = fh.read()
    modeline, header = text.splitlines()[:2]  # editors first: the design schema, relative to the file
    schema = os.path.relpath("design.schema.json", str(tmp_path)).replace(os.sep, "/")
    assert modeline == f"# yaml-language-server: $schema={schema}"
    assert header.startswith("# archplan design file, imported by `archplan import compose`")
    assert f"# from {os.path.normpath(SHOP_COMPOSE)}:{line_of(SHOP_COMPOSE, '  api:')}:3" in text
    assert "# durable_storage false: no volume keeps its data" in text
    design = load_design([out])  # a plain hand-written design now
    assert fact(design, "datastore:cache").data["durable_storage"] is False
    assert "inferred_from" in fact(design, "interaction:api->db").data


def test_import_output_is_deterministic_and_round_trips_every_format(tmp_path: os.PathLike[str]) -> None:
    cases = [("openapi", [SHOP_API]), ("asyncapi", [fixture("asyncapi", "orders-2.6.yaml")]),
             ("compose", [SHOP_COMPOSE]), ("kubernetes", [SHOP_K8S])]
    for fmt, files in cases:
        first, second = run("import", fmt, *files), run("import", fmt, *files)
        assert first.exit_code == 0, first.output
        assert first.stdout == second.stdout
        path = write(str(tmp_path), f"{fmt}.yaml", first.stdout)
        imported = load_documents(load_artifacts([f"{fmt}={f}" for f in files]))
        reloaded = load_design([path])
        assert {f.key: dict(f.data) for f in reloaded.facts} == {f.key: dict(f.data) for f in imported.facts}


def test_import_auto_detects_each_format_by_content() -> None:
    assert detect(SHOP_API) == "openapi"
    assert detect(fixture("asyncapi", "orders-2.6.yaml")) == "asyncapi"
    assert detect(SHOP_COMPOSE) == "compose"
    assert detect(os.path.join(SHOP_K8S, "app.yaml")) == "kubernetes"
    assert detect(fixture("kubernetes", "clinic")) == "kubernetes"
    assert detect(fixture("compose", "bakery", "docker-compose.yml")) == "compose"


def test_ambiguous_or_unknown_content_asks_for_the_format(tmp_path: os.PathLike[str]) -> None:
    odd = write(str(tmp_path), "odd.yaml", "hello: world\n")
    result = run("import", "auto", odd)
    assert result.exit_code == 2
    assert "cannot tell the artifact format" in result.output and "--from openapi=" in result.output
    assert "Traceback" not in result.output
    unknown = run("import", "openapy", SHOP_API)
    assert unknown.exit_code == 2 and "did you mean 'openapi'" in unknown.output


def test_a_malformed_artifact_exits_2_with_file_line_column(tmp_path: os.PathLike[str]) -> None:
    bad = write(str(tmp_path), "api.yaml", "openapi: 3.0.0\ninfo:\n  title: T\n\tversion: 1\npaths: {}\n")
    result = run("check", "--from", f"openapi={bad}")
    assert result.exit_code == 2
    assert f"{bad}:4:" in result.output and "tab" in result.output
    assert "Traceback" not in result.output


def test_check_from_points_findings_at_the_artifact_lines(tmp_path: os.PathLike[str]) -> None:
    rules = rule_pack(str(tmp_path))
    result = run("check", "--no-builtin", "--rules", rules, "--format", "json",
                 "--from", f"openapi={SHOP_API}", "--from", f"kubernetes={SHOP_K8S}")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    by_rule = {(f["rule"], f["subjects"][0]): f for f in findings}
    health = by_rule[("test-public-endpoint-without-authn", "endpoint:GET /v2/health")]["location"]
    assert health["line"] == line_of(SHOP_API, "security: []") and health["file"].endswith("openapi/shop.yaml")
    sessions = by_rule[("test-datastore-on-ephemeral-storage", "datastore:sessions")]["location"]
    data = os.path.join(SHOP_K8S, "data.yaml")
    assert sessions["file"].endswith("kubernetes/shop/data.yaml")
    assert sessions["line"] == line_of(data, "- name: scratch")


def test_check_from_points_sarif_results_at_the_artifact(tmp_path: os.PathLike[str]) -> None:
    rules = rule_pack(str(tmp_path))
    result = run("check", "--no-builtin", "--rules", rules, "--format", "sarif", "--from", f"compose={SHOP_COMPOSE}")
    sarif = json.loads(result.stdout)
    places = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert any(p["artifactLocation"]["uri"].endswith("compose/shop-compose.yaml")
               and p["region"]["startLine"] == line_of(SHOP_COMPOSE, "  cache:") for p in places)


def test_check_runs_the_builtin_rules_on_every_imported_format() -> None:
    check_builtin_rules_on_artifacts(["openapi=" + fixture("openapi", "bookshelf.yaml"),
                                      "compose=" + fixture("compose", "bakery", "docker-compose.yml"),
                                      "kubernetes=" + fixture("kubernetes", "clinic"),
                                      "asyncapi=" + fixture("asyncapi", "parking", "parking-kafka.yaml")])


def test_hand_written_facts_win_and_the_conflict_is_a_warning_naming_both(tmp_path: os.PathLike[str]) -> None:
    design = write(str(tmp_path), "design/api.yaml", """
        source: api
        services:
          - name: shop-public-api
            exposure: internal
        endpoints:
          - {method: GET, path: /v2/health, served_by: shop-public-api, authn: api_key}
        """)
    result = CliRunner().invoke(main, ["check", os.path.dirname(design), "--from", f"openapi={SHOP_API}",
                                       "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("archplan: warning:")]
    exposure = next(w for w in warnings if "exposure" in w)
    assert f"{SHOP_API}:{line_of(SHOP_API, 'url: https://api.shop')}" in exposure
    assert f"{design}:4:" in exposure and "hand-written value is kept" in exposure
    assert any("authn" in w and "'none'" in w for w in warnings)
    # the machine-readable reports carry the same warnings, with the place of the value kept
    report = json.loads(CliRunner().invoke(main, ["check", os.path.dirname(design), "--from", f"openapi={SHOP_API}",
                                                  "--fail-on", "never", "--format", "json"]).stdout)
    exposure_json = next(w for w in report["warnings"] if w["keypath"] == "exposure")
    # placed at the value set aside (the artifact's), naming the value kept (the hand-written one)
    assert os.path.abspath(exposure_json["file"]) == os.path.abspath(SHOP_API)
    assert exposure_json["line"] == line_of(SHOP_API, "url: https://api.shop")
    assert f"{design}:4:" in exposure_json["message"]
    sarif = json.loads(CliRunner().invoke(main, ["check", os.path.dirname(design), "--from", f"openapi={SHOP_API}",
                                                 "--fail-on", "never", "--format", "sarif"]).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    exposure_sarif = next(n for n in notes if n["message"]["text"].startswith("exposure: "))
    assert exposure_sarif["level"] == "warning"
    assert exposure_sarif["locations"][0]["physicalLocation"]["region"]["startLine"] == exposure_json["line"]
    assert len(report["warnings"]) == len(warnings) == len([n for n in notes if n["level"] == "warning"])
    with open(SCHEMA, encoding="utf-8") as fh:  # and the log stays valid SARIF 2.1.0
        assert not list(jsonschema.Draft4Validator(json.load(fh)).iter_errors(sarif))
    merged = load_design([os.path.dirname(design)], extra=load_artifacts([f"openapi={SHOP_API}"]))
    assert fact(merged, "service:shop-public-api").data["exposure"] == "internal"
    health = fact(merged, "endpoint:GET /v2/health")
    assert health.data["authn"] == "api_key" and health.locate("authn").file == design
    assert health.data["versioning"] == "path" and health.locate("versioning").file == SHOP_API  # gaps filled


def test_precedence_does_not_depend_on_document_order(tmp_path: os.PathLike[str]) -> None:
    hand = write(str(tmp_path), "infra.yaml", "source: infrastructure\nservices: [{name: api, replicas: 5}]\n")
    from engine.source import load

    imported = load_artifacts([f"compose={SHOP_COMPOSE}"])
    a = load_documents([load(hand), *imported])
    b = load_documents([*imported, load(hand)])
    assert fact(a, "service:api").data["replicas"] == fact(b, "service:api").data["replicas"] == 5
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]
    # DB_PASSWORD is unset; worker's build context is not in the fixtures; the hand value wins
    assert [(w.keypath, w.message.split(";")[0].split(":")[0]) for w in a.warnings] == [
        ("", "variable DB_PASSWORD is not set (no .env file beside the first compose file)"),
        ("replicas", "service 'api'"),
        ("", "no Dockerfile at " + os.path.join(os.path.dirname(SHOP_COMPOSE), "worker", "Dockerfile"))]


def test_two_hand_written_files_that_disagree_are_still_an_error(tmp_path: os.PathLike[str]) -> None:
    write(str(tmp_path), "d/a.yaml", "source: api\nservices: [{name: s, replicas: 1}]\n")
    write(str(tmp_path), "d/b.yaml", "source: infrastructure\nservices: [{name: s, replicas: 2}]\n")
    result = run("check", os.path.join(str(tmp_path), "d"))
    assert result.exit_code == 2 and "defined differently by two agents" in result.output


def test_from_names_the_service_and_check_needs_some_input(tmp_path: os.PathLike[str]) -> None:
    docs = load_artifacts([f"openapi:storefront={SHOP_API}"])
    design = load_documents(docs)
    assert {f.data["served_by"] for f in design.of_kind("endpoint")} == {"storefront"}
    assert run("check").exit_code == 2
    bad = run("check", "--from", "openapi")
    assert bad.exit_code == 2 and "expected FORMAT=PATH" in bad.output


def test_import_of_a_directory_is_only_for_kubernetes_and_compose(tmp_path: os.PathLike[str]) -> None:
    result = run("import", "openapi", os.path.dirname(SHOP_API))
    assert result.exit_code == 2 and "is a directory" in result.output


def test_mixed_agents_in_one_import_are_refused() -> None:
    result = run("import", "auto", SHOP_API, SHOP_COMPOSE)
    assert result.exit_code == 2 and "different agents" in result.output


def test_import_never_writes_over_an_input(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "docker-compose.yml", yaml.safe_dump({"services": {"a": {"image": "x"}}}))
    result = run("import", "compose", path, "-o", path)
    assert result.exit_code == 2 and "one of the inputs" in result.output
    with open(path, encoding="utf-8") as fh:
        assert yaml.safe_load(fh) == {"services": {"a": {"image": "x"}}}


def test_names_with_line_breaks_cannot_inject_keys_into_the_agent_file(tmp_path: os.PathLike[str]) -> None:
    api = write(str(tmp_path), "api.yaml", """
        openapi: 3.0.0
        info: {title: T, version: '1'}
        paths:
          /a:
            post:
              operationId: "x\\nadmin: true"
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        "email\\nsecurity: {waf: true}": {type: string, format: email}
              responses: {'200': {description: ok}}
        """)
    result = run("import", "openapi", api)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert set(data) == {"source", "services", "endpoints"}
    assert all(ln.lstrip().startswith("#") or "admin" not in ln for ln in result.output.splitlines())


def test_an_inferred_external_call_meets_the_builtin_circuit_breaker_rule() -> None:
    result = run("check", "--from", f"compose={SHOP_COMPOSE}", "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    found = [f for f in json.loads(result.stdout)["findings"]
             if f["subjects"][0] == "interaction:api->api.payments.example.net"]
    # The compose file states no breaker: read as none, the rule fires on an assumed basis.
    (breaker,) = [f for f in found if f["rule"] == "external-call-without-circuit-breaker"]
    assert breaker["basis"] == "assumed" and "circuit_breaker" in {a["field"] for a in breaker["assumed"]}
    assert all(f["location"]["line"] == line_of(SHOP_COMPOSE, "PAYMENTS_URL:") for f in found)


def test_explain_accepts_artifacts_too() -> None:
    listing = run("check", "--from", f"compose={SHOP_COMPOSE}", "--format", "json", "--fail-on", "never")
    ident = json.loads(listing.stdout)["findings"][0]["id"]
    result = run("explain", "--from", f"compose={SHOP_COMPOSE}", ident)
    assert result.exit_code == 0, result.output
    assert "shop-compose.yaml" in result.output


def test_two_artifacts_that_disagree_keep_the_first_in_file_order_and_warn() -> None:
    check_first_artifact_wins(fixture("compose", "bakery", "docker-compose.yml"),
                              fixture("kubernetes", "bakery", "all-in-one.yaml"), "storefront")


# --- without the importers extra ------------------------------------------------------------------------

WITHOUT_REFERENCING = ("import sys; sys.modules['referencing'] = None  # as if the importers extra were absent\n"
                       "from engine.cli import entry; sys.argv[0] = 'archplan'; entry()\n")


def run_without_referencing(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_REFERENCING, *args], capture_output=True, text=True,
                          cwd=ROOT, check=False)


NEEDS_EXTRA = ("archplan: error: the {fmt} importer needs the importers extra (referencing is not installed): "
               "pip install 'archplan[importers]'\n")


def test_import_openapi_without_the_extra_says_which_extra_to_install() -> None:
    result = run_without_referencing("import", "openapi", SHOP_API)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", NEEDS_EXTRA.format(fmt="openapi"))


def test_check_from_asyncapi_without_the_extra_says_it_once() -> None:
    api = fixture("asyncapi", "orders-2.6.yaml")
    result = run_without_referencing("check", "--from", f"asyncapi={api}", "--from", f"auto={api}")
    assert (result.returncode, result.stderr) == (2, NEEDS_EXTRA.format(fmt="asyncapi"))


def test_the_core_and_the_other_importers_need_no_extra() -> None:
    assert run_without_referencing("import", "compose", SHOP_COMPOSE).returncode == 0
    result = run_without_referencing("check", "facts/shop", "--fail-on", "never", "--format", "json", "--from",
                                     f"kubernetes={SHOP_K8S}")
    assert result.returncode == 0 and "error" not in result.stderr, result.stderr
    assert "app.yaml" in result.stdout  # the manifests were read: findings point into them


def test_the_help_names_every_format_and_alias_is_accepted() -> None:
    from engine.importers import ALIASES, FORMAT_NAMES, resolve_format

    for command in (["import"], ["check"], ["plan"]):  # FORMAT, and --from FORMAT=PATH
        text = " ".join(run(*command, "--help").output.split())
        for fmt in FORMAT_NAMES:
            assert f" {fmt}," in text or f" {fmt} (" in text, (command, fmt)
    assert all(resolve_format(alias) in FORMAT_NAMES for alias in ALIASES)
