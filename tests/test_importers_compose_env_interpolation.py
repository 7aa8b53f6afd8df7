"""Variables inside env files, read as compose reads them (its "env file syntax"): an unquoted or double-quoted value
is interpolated, a single-quoted one is literal; a variable is looked up in the lines above, then (a service's
``env_file``) in the service's earlier env files and the project's environment, or (the project's ``.env`` and
``--env-file``) in the env files before it; one set nowhere is empty, with a remark."""

from __future__ import annotations

import os

import pytest

from engine.errors import InputError
from engine.importers.compose_project import load_project, read_env_file
from tests.helpers import write

COMPOSE = """
services:
  api:
    image: example/api:${TAG}
    env_file: [common.env, api.env]
    environment:
      PUBLIC_URL: ${PUBLIC_URL}
"""


@pytest.fixture
def project(tmp_path: os.PathLike[str]) -> str:
    root = str(tmp_path)
    write(root, ".env", "DB_HOST=db\nTAG=1.0\nSITE=shop.example\nPUBLIC_URL=https://${SITE}/app\n")
    write(root, "common.env", "DB_USER=app\nDB_PASS='p$ss'\n")
    write(root, "api.env", 'DATABASE_URL=postgres://${DB_USER}:${DB_PASS}@${DB_HOST}/shop\n'
                           "LITERAL='postgres://${DB_USER}@db/x'\n"
                           'QUOTED="redis://${CACHE_HOST:-cache}:6379"\n'
                           "PLAIN=$DB_USER-$TAG\n"
                           "MISSING=amqp://${MQ_HOST}/\n")
    return write(root, "compose.yaml", COMPOSE)


def _environment(project: str) -> dict[str, str]:
    return dict(load_project([project]).doc.data["services"]["api"]["environment"])


def test_a_service_env_file_interpolates_the_files_before_it_and_the_project_environment(project: str) -> None:
    env = _environment(project)
    assert env["DATABASE_URL"] == "postgres://app:p$ss@db/shop"  # common.env's literal 'p$ss' stays literal
    assert env["QUOTED"] == "redis://cache:6379"
    assert env["PLAIN"] == "app-1.0"


def test_a_single_quoted_value_is_literal(project: str) -> None:
    assert _environment(project)["LITERAL"] == "postgres://${DB_USER}@db/x"


def test_the_projects_env_interpolates_its_own_lines(project: str) -> None:
    assert _environment(project)["PUBLIC_URL"] == "https://shop.example/app"


def test_a_variable_set_nowhere_is_empty_and_said(project: str) -> None:
    loaded = load_project([project])
    assert loaded.doc.data["services"]["api"]["environment"]["MISSING"] == "amqp:///"
    said = [(loc.file, loc.line, text) for loc, text in loaded.remarks if "MQ_HOST" in text]
    assert said == [(os.path.join(os.path.dirname(project), "api.env"), 5,
                     "variable MQ_HOST is set neither above nor in the project's environment; compose reads it as an "
                     "empty string (archplan does not read the shell's environment)")]


def test_a_later_env_file_given_to_the_import_reads_the_ones_before_it(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    write(root, "site.env", "DOMAIN=shop.example\n")
    write(root, "urls.env", "ORIGINS=https://$DOMAIN,https://admin.$DOMAIN\n")
    compose = write(root, "compose.yaml", "services:\n  api:\n    image: a\n    environment:\n"
                                          "      ORIGINS: ${ORIGINS}\n")
    loaded = load_project([compose], env_files=[os.path.join(root, "site.env"), os.path.join(root, "urls.env")])
    assert loaded.doc.data["services"]["api"]["environment"]["ORIGINS"] == \
        "https://shop.example,https://admin.shop.example"


def test_an_unclosed_variable_is_an_error_at_its_line(tmp_path: os.PathLike[str]) -> None:
    path = write(str(tmp_path), "bad.env", "OK=1\nURL=http://${HOST/x\n")
    with pytest.raises(InputError) as caught:
        read_env_file(path)
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (2, 5)
