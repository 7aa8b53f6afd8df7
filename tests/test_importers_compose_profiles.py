"""Compose profiles: the import reviews the deployment `docker compose up` starts with the profiles enabled.

A service with ``profiles`` runs only when one of them is enabled (``--profile``, else ``COMPOSE_PROFILES`` in the
project's ``.env``); a service without runs always. What compose would not start is left out, each said in a remark;
what compose would refuse to start (a required dependency on a service left out) is an error at its line.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import ArchplanError, InputError, UsageError
from engine.importers import import_paths
from engine.importers.compose_project import NOT_STARTED, load_project
from engine.loader import load_documents
from tests.helpers import write

DEPLOYMENTS = """
services:
  api:
    image: example/api:1.2
    depends_on:
      db:
        condition: service_healthy
      debugger:
        condition: service_started
        required: false
  db:
    image: postgres:15
  debugger:
    image: example/debugger:1.0
    profiles: [debug]
  old-api:
    image: example/old-api:1.0
    env_file: [old.env]
    profiles: [deprecated, legacy]
    depends_on: [db]
"""


def _keys(docs: Any) -> set[str]:
    return {f.key for f in load_documents(docs).facts}


def _subjects(report: str) -> set[str]:
    return {s for f in json.loads(report)["findings"] for s in f["subjects"]}


def _remarks(docs: Any) -> list[str]:
    return [str(w) for w in load_documents(docs).warnings]


@pytest.fixture
def project(tmp_path: os.PathLike[str]) -> str:
    write(str(tmp_path), "old.env.example", "LEGACY=1\n")
    return write(str(tmp_path), "compose.yaml", DEPLOYMENTS)


def test_services_of_no_enabled_profile_are_left_out_and_said(project: str) -> None:
    docs = import_paths("compose", [project])
    keys = _keys(docs)
    assert {"service:api", "datastore:db", "interaction:api->db"} <= keys
    assert not {k for k in keys if "debugger" in k or "old-api" in k}  # no service, no edge to or from them
    remarks = _remarks(docs)
    assert f"{project}:18:5: old-api runs only under the compose profile(s) deprecated, legacy, none of them " \
           f"enabled, {NOT_STARTED}" in remarks
    assert any(r.startswith(f"{project}:14:5: debugger runs only under") for r in remarks)
    assert any("api's depends_on debugger (required: false) dropped" in r for r in remarks)
    assert any("compose profiles enabled: none" in r and "profiles: debug, deprecated, legacy; services left out: 2"
               in r for r in remarks)
    # what the loader says of a service left out (its env_file read from a template) is not said
    assert not any("old.env" in r for r in remarks)


def test_an_enabled_profile_brings_its_services_in_tagged_optional(project: str) -> None:
    facts = {f.key: f.data for f in load_documents(import_paths("compose", [project], profiles=["debug"])).facts}
    assert facts["service:debugger"]["tags"] == ["optional"]
    assert "interaction:api->debugger" in facts  # the optional dependency stands when its service runs
    assert "service:old-api" not in facts
    assert "service:old-api" in _keys(import_paths("compose", [project], profiles=["legacy"]))  # any of its profiles
    assert _keys(import_paths("compose", [project], profiles=["*"])) >= {"service:debugger", "service:old-api"}
    assert _keys(import_paths("compose", [project], profiles=["debug,legacy"])) == \
        _keys(import_paths("compose", [project], profiles=["debug", "legacy"]))  # COMPOSE_PROFILES' comma list


def test_compose_profiles_in_the_env_file_enable_profiles_unless_the_import_names_its_own(
        tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", DEPLOYMENTS)
    write(str(tmp_path), "old.env", "LEGACY=1\n")
    write(str(tmp_path), ".env", "COMPOSE_PROFILES=debug,nosuch\n")
    docs = import_paths("compose", [path])
    assert "service:debugger" in _keys(docs) and "service:old-api" not in _keys(docs)
    remarks = _remarks(docs)
    assert f"{tmp_path}/.env:1:1: COMPOSE_PROFILES enables the profile 'nosuch', which no service runs under" \
        in remarks
    assert any("compose profiles enabled: debug, nosuch (by COMPOSE_PROFILES in .env)" in r for r in remarks)
    named = _keys(import_paths("compose", [path], profiles=["deprecated"]))  # --profile wins, as in compose
    assert "service:old-api" in named and "service:debugger" not in named


def test_a_profile_no_service_runs_under_is_a_usage_error_with_a_suggestion(project: str) -> None:
    with pytest.raises(UsageError, match=r"compose profile 'debgu': no service of .* runs under it \(did you mean "
                                         r"'debug'\?\); its profiles: debug, deprecated, legacy"):
        import_paths("compose", [project], profiles=["debgu"])
    with pytest.raises(UsageError, match=r"not a profile name"):
        import_paths("compose", [project], profiles=["-x"])


def test_a_required_dependency_on_a_service_left_out_is_an_error_at_its_line(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", """
        services:
          web:
            image: example/web:1
            depends_on: [api]
            links: ["cache:c"]
            volumes_from: [files]
            network_mode: "service:net"
          api: {image: example/api:1, profiles: [backend]}
          cache: {image: redis:7, profiles: [cache]}
          files: {image: example/files:1, profiles: [files]}
          net: {image: example/net:1, profiles: [net]}
        """)
    with pytest.raises(ArchplanError) as err:
        load_project([path])
    lines = str(err.value).splitlines()
    assert lines[0] == (f"{path}:4:18: services.web.depends_on[0]: web needs api, but api runs only under the compose "
                        "profile(s) backend, none of them enabled: compose refuses to start such a project; enable "
                        "one of them with --profile, or make the dependency optional (required: false)")
    assert [line.split(": ")[1] for line in lines[1:]] == [
        "services.web.links[0]", "services.web.volumes_from[0]", "services.web.network_mode"]
    assert "web" in load_project([path], profiles=["backend", "cache", "files", "net"]).doc.data["services"]


def test_a_project_whose_every_service_is_profiled_needs_a_profile(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "compose.yaml", """
        services:
          app: {image: example/app:1, profiles: [default]}
          db: {image: postgres:15, profiles: [default, database]}
        """)
    with pytest.raises(InputError, match=r"docker compose up would start nothing; name the deployment to review with "
                                         r"--profile \(profiles: database, default; enabled: none"):
        load_project([path])
    assert sorted(load_project([path], profiles=["database"]).doc.data["services"]) == ["db"]


def test_profiles_merge_across_files_and_must_be_a_list(tmp_path: os.PathLike[str]) -> None:
    base = write(str(tmp_path), "compose.yaml", "services:\n  a: {image: x/a:1}\n  b: {image: x/b:1}\n")
    over = write(str(tmp_path), "compose.override.yaml", "services:\n  b: {profiles: [extra]}\n")
    project = load_project([base, over])
    assert sorted(project.doc.data["services"]) == ["a"] and project.left_out == {"b": ("extra",)}
    bad = write(str(tmp_path), "bad/compose.yaml", "services:\n  a: {image: x/a:1, profiles: debug}\n")
    with pytest.raises(InputError, match=r"'profiles' must be a list of profile names"):
        load_project([bad])


def test_profiles_apply_to_compose_inputs_only(tmp_path: os.PathLike[str]) -> None:
    spec = write(str(tmp_path), "api.yaml", "openapi: 3.0.0\ninfo: {title: a, version: '1'}\npaths: {}\n")
    with pytest.raises(UsageError, match=r"compose profiles \(debug\) apply to a compose project"):
        import_paths("openapi", [spec], profiles=["debug"])


def test_the_import_command_takes_profiles_and_says_what_it_left_out(project: str) -> None:
    runner = CliRunner()
    plain = runner.invoke(main, ["import", "compose", project])
    assert plain.exit_code == 0, plain.output
    assert "left out as compose does not start them (none of their profiles enabled): 2" in plain.output
    enabled = runner.invoke(main, ["import", "compose", project, "--profile", "debug", "--profile", "*"])
    assert enabled.exit_code == 0, enabled.output
    assert "imported by `archplan import compose --profile debug --profile '*'` from:" in enabled.output
    assert "- name: old-api" in enabled.output and "left out as compose does not start" not in enabled.output
    wrong = runner.invoke(main, ["import", "compose", project, "--profile", "debgu"])
    assert wrong.exit_code == 2 and "did you mean 'debug'?" in wrong.output


def test_the_reviewing_commands_take_profiles_for_their_compose_artifacts(project: str,
                                                                         tmp_path: os.PathLike[str]) -> None:
    runner = CliRunner()
    spec = write(str(tmp_path), "api.yaml", "openapi: 3.0.0\ninfo: {title: api, version: '1'}\npaths: {}\n")

    def run(*args: str) -> Any:
        return runner.invoke(main, [*args, "--no-config"])

    plain = run("check", "--from", f"compose={project}", "--format", "json", "--fail-on", "never")
    enabled = run("check", "--from", f"compose={project}", "--profile", "debug", "--format", "json",
                  "--fail-on", "never")
    assert plain.exit_code == 0 and enabled.exit_code == 0, (plain.output, enabled.output)
    assert "service:debugger" not in _subjects(plain.stdout) and "service:debugger" in _subjects(enabled.stdout)
    # an artifact of another format beside the compose project takes no profile and refuses none
    mixed = run("check", "--from", f"openapi={spec}", "--from", f"auto={project}", "--profile", "legacy",
                "--format", "json", "--fail-on", "never")
    assert mixed.exit_code == 0, mixed.output
    assert "service:old-api" in _subjects(mixed.stdout) and "service:debugger" not in _subjects(mixed.stdout)
    planned = run("plan", "--from", f"compose={project}", "--profile", "debug", "--format", "json")
    assert planned.exit_code == 0 and "debugger" in planned.stdout, planned.output
    for args in (("check", "--from", f"openapi={spec}", "--profile", "debug"),  # no compose project among them
                 ("check", "--profile", "debug", spec),  # no --from at all
                 ("questions", "--from", f"compose={project}", "--profile", "debgu")):
        wrong = run(*args)
        assert wrong.exit_code == 2 and "Traceback" not in wrong.output, (args, wrong.output)
        assert "--profile debug" in wrong.output or "did you mean 'debug'?" in wrong.output, (args, wrong.output)


def test_the_reviewing_commands_take_env_files_for_their_compose_artifacts(tmp_path: os.PathLike[str]) -> None:
    """``--env-file`` beside ``--from compose=`` interpolates the project's variables from that file, as ``docker
    compose --env-file`` does: the image tag it sets makes the release immutable where the default left it latest."""
    project = write(str(tmp_path), "compose.yaml", """
        services:
          api:
            image: example/api:${API_TAG:-latest}
        """)
    env = write(str(tmp_path), "prod.env", "API_TAG=1.4.2\n")
    runner = CliRunner()
    base = ["check", "--no-config", "--from", f"compose={project}", "--format", "json", "--fail-on", "never"]
    plain = runner.invoke(main, base)
    pinned = runner.invoke(main, [*base, "--env-file", env])
    assert plain.exit_code == 0 and pinned.exit_code == 0, (plain.output, pinned.output)
    mutable = ("mutable-release-artifacts", "deployment:api")
    assert mutable in _rules_on(plain.stdout) and mutable not in _rules_on(pinned.stdout)
    wrong = runner.invoke(main, ["check", "--no-config", "--env-file", env, project])
    assert wrong.exit_code == 2 and "--env-file" in wrong.output and "Traceback" not in wrong.output


def _rules_on(report: str) -> set[tuple[str, str]]:
    return {(f["rule"], s) for f in json.loads(report)["findings"] for s in f["subjects"]}
