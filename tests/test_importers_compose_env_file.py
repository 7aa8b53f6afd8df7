"""Compose's ``--env-file``: the variables a compose file interpolates come from the env files the import names,
later over earlier, in place of the project's ``.env`` (``archplan import compose --env-file``)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from engine.cli.main import main
from engine.errors import UsageError
from engine.importers import import_paths
from engine.importers.compose_project import load_project
from tests.helpers import write

COMPOSE = """
services:
  api:
    image: example/api:${TAG}
    environment:
      ORIGINS: ${ORIGINS}
"""


@pytest.fixture
def project(tmp_path: os.PathLike[str]) -> str:
    write(str(tmp_path), ".env", "TAG=1.0\n")
    write(str(tmp_path), "deploy/site.env", "TAG=2.0\nORIGINS=https://a.example\n")
    write(str(tmp_path), "deploy/local.env", "ORIGINS=http://localhost\n")
    return write(str(tmp_path), "compose.yaml", COMPOSE)


def _api(project: str, *env_files: str) -> tuple[str, str]:
    api = load_project([project], env_files=[os.path.join(os.path.dirname(project), e) for e in env_files]
                       ).doc.data["services"]["api"]
    return api["image"], api["environment"]["ORIGINS"]


def test_without_an_env_file_the_projects_env_is_read(project: str) -> None:
    assert _api(project) == ("example/api:1.0", "")


def test_an_env_file_takes_the_place_of_the_projects_env(project: str) -> None:
    assert _api(project, "deploy/site.env") == ("example/api:2.0", "https://a.example")


def test_several_env_files_later_over_earlier(project: str) -> None:
    assert _api(project, "deploy/site.env", "deploy/local.env") == ("example/api:2.0", "http://localhost")
    assert _api(project, "deploy/local.env") == ("example/api:", "http://localhost")  # .env no longer read


def test_env_files_apply_to_compose_inputs_only(tmp_path: os.PathLike[str]) -> None:
    spec = write(str(tmp_path), "api.yaml", "openapi: 3.0.0\ninfo: {title: a, version: '1'}\npaths: {}\n")
    with pytest.raises(UsageError, match=r"env files \(x.env\) apply to a compose project"):
        import_paths("openapi", [spec], env_files=["x.env"])


def test_the_import_command_takes_env_files_and_names_them(project: str) -> None:
    site = os.path.join(os.path.dirname(project), "deploy", "site.env")
    done = CliRunner().invoke(main, ["import", "compose", project, "--env-file", site])
    assert done.exit_code == 0, done.output
    assert f"--env-file {os.path.normpath(site)}` from:" in done.output
    assert "example/api:2.0" in done.output
