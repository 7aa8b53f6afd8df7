"""archplan installs like the tools people already use: pipx, pip from the wheel or the sdist, extras.

The sdist and wheel are built once per session with ``python -m build`` (the wheel from the sdist, as a
release is built), from a clean copy of the sources: setuptools reuses a build/ directory, whose stale
files would ship. Every install goes into a fresh virtual environment under tmp_path and is run from
there, so nothing is read from the source tree. Dependencies come from the package index (pip's cache
makes durable-rules' C build a one-time cost), as they do for a user.
"""

from __future__ import annotations

import ast
import email.message
import email.parser
import glob
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from engine import __version__
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SHIPPED = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md")
"""Top-level files a build reads (the rest of the top level is not part of the distribution)."""

with open(os.path.join(ROOT, "pyproject.toml"), "rb") as _fh:
    PYPROJECT: dict[str, Any] = tomllib.load(_fh)

OPENAPI = """\
openapi: 3.0.3
info: {title: shop, version: "1"}
paths:
  /orders:
    post:
      responses:
        "201": {$ref: "#/components/responses/Created"}
components:
  responses:
    Created: {description: created}
"""


@dataclass(frozen=True)
class Dist:
    """The built distribution files."""

    src: str
    sdist: str
    wheel: str


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    root = str(tmp_path_factory.mktemp("dist"))
    src = os.path.join(root, "src")
    os.makedirs(src)
    for name in SHIPPED:
        shutil.copy(os.path.join(ROOT, name), src)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("engine", "rules"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(src, name), ignore=ignore)
    out = os.path.join(root, "dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", out, src], check=True, capture_output=True,
                   cwd=root)
    (sdist,) = glob.glob(os.path.join(out, "archplan-*.tar.gz"))
    (wheel,) = glob.glob(os.path.join(out, "archplan-*.whl"))
    return Dist(src, sdist, wheel)


@dataclass(frozen=True)
class Venv:
    """A fresh virtual environment."""

    root: str
    bin: str

    def run(self, *args: str, cwd: str, check: bool = True,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a program of the environment with the environment's PATH, from ``cwd``."""
        full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        full["PATH"] = self.bin + os.pathsep + full.get("PATH", "")
        full.update(env or {})
        return subprocess.run([os.path.join(self.bin, args[0]), *args[1:]], check=check, capture_output=True,
                              text=True, cwd=cwd, env=full)


def fresh_venv(path: str) -> Venv:
    """A new virtual environment of the interpreter running the tests (not of the dev venv)."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", path], check=True, capture_output=True)
    return Venv(path, os.path.join(path, "bin"))


def build_env() -> dict[str, str]:
    """What an install needs on this interpreter: on 3.13 and later, durable-rules' C core builds only with
    the preprocessor flag, and never from a cached wheel built without it (README: Install)."""
    from engine.runtime import DURABLE_CPPFLAGS

    return {"CPPFLAGS": DURABLE_CPPFLAGS, "PIP_NO_CACHE_DIR": "1"} if sys.version_info >= (3, 13) else {}


def pip_install(venv: Venv, *what: str, cwd: str) -> None:
    result = venv.run("python", "-m", "pip", "install", "-q", "--disable-pip-version-check", *what, cwd=cwd,
                      check=False, env=build_env())
    assert result.returncode == 0, result.stderr


@pytest.fixture
def work(tmp_path: Any) -> str:
    """A working directory outside the source tree, holding the example design at README's path."""
    shutil.copytree(os.path.join(ROOT, "facts", "shop"), os.path.join(str(tmp_path), "work", "facts", "shop"))
    return os.path.join(str(tmp_path), "work")


def repo_rule_files() -> list[str]:
    return sorted(os.path.relpath(p, os.path.join(ROOT, "rules"))
                  for p in glob.glob(os.path.join(ROOT, "rules", "**", "*.yaml"), recursive=True))


def metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


# --- what the wheel and the sdist hold ---------------------------------------------------------------


def test_wheel_ships_the_rules_data_types_licence_and_both_import_names(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as zf:
        names = set(zf.namelist())
        info = f"archplan-{__version__}.dist-info"
        meta = metadata(zf.read(f"{info}/METADATA").decode())
        licence = zf.read(f"{info}/licenses/LICENSE").decode()
    for rel in repo_rule_files():
        assert "engine/_rules/" + rel.replace(os.sep, "/") in names, rel
    for name in ("engine/data/catalog.json", "engine/py.typed", "engine/_rules/README.md",
                 "archplan/__init__.py", "archplan/__main__.py", "engine/gate/output.py", "engine/plan/render.py",
                 "engine/importers/openapi.py"):
        assert name in names, name
    assert {n.split("/")[0] for n in names} == {"engine", "archplan", info}  # no tests/, rules/, benchmarks/
    assert not [n for n in names if n.startswith("engine/_alias/")]  # shipped once, as archplan
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as fh:
        assert licence == fh.read()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    requires = meta.get_all("Requires-Dist") or []
    assert not [r for r in requires if r.startswith("referencing") and "extra ==" not in r]  # core stays light
    assert any(r.startswith("referencing") and 'extra == "importers"' in r for r in requires)


def test_sdist_holds_what_a_rebuild_and_a_reader_need(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for name in ("pyproject.toml", "README.md", "LICENSE", "engine/__init__.py", "engine/_alias/__init__.py",
                 "engine/data/catalog.json", "engine/py.typed", "rules/README.md"):
        assert name in names, name
    for rel in repo_rule_files():
        assert "rules/" + rel.replace(os.sep, "/") in names, rel


def test_the_version_is_one_number_everywhere(dist: Dist) -> None:
    assert os.path.basename(dist.wheel).startswith(f"archplan-{__version__}-")
    assert os.path.basename(dist.sdist) == f"archplan-{__version__}.tar.gz"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as fh:
        releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", fh.read(), re.M)
    assert releases and releases[0] == __version__  # the newest release in the changelog is this one
    tag = f"v{__version__}"
    for doc in ("README.md", ".pre-commit-hooks.yaml", os.path.join("docs", "examples", "github-actions.yml")):
        with open(os.path.join(ROOT, doc), encoding="utf-8") as fh:
            named = set(re.findall(r"(?:rev: |archplan@)(v\d+\.\d+\.\d+)", fh.read()))
        assert named == {tag}, doc  # the tag users pin is this release's


# --- installing ----------------------------------------------------------------------------------------


def test_pip_install_of_the_wheel_runs_from_the_venv_with_the_packaged_rules(dist: Dist, work: str,
                                                                             tmp_path: Any) -> None:
    venv = fresh_venv(os.path.join(str(tmp_path), "venv"))
    pip_install(venv, dist.wheel, cwd=work)
    assert venv.run("archplan", "--version", cwd=work).stdout == f"archplan, version {__version__}\n"
    assert venv.run("python", "-m", "archplan", "--version", cwd=work).stdout.endswith(f"version {__version__}\n")
    code = ("import archplan, engine, engine.ruleload as r; print(engine.__file__); print(archplan.__file__);"
            "print(r.builtin_rules_dir()); print(archplan.__version__);"
            "print(len(archplan.review(['facts/shop']).findings))")
    engine_file, alias_file, rules_dir, version, count = venv.run("python", "-c", code, cwd=work).stdout.split()
    for path in (engine_file, alias_file, rules_dir):
        assert path.startswith(venv.root + os.sep), path
    assert version == __version__
    from engine.review import review

    assert int(count) == len(review([os.path.join(work, "facts", "shop")]).findings)
    result = venv.run("archplan", "rules", "test", cwd=work, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\d+ passed, 0 failed \((\d+) rules\)$", result.stdout, re.M)
    assert f"({len([r for r in repo_rule_files() if not r.endswith('.test.yaml')])} rules)" in result.stdout
    checked = venv.run("archplan", "check", "facts/shop", "--fail-on", "never", "--format", "json", cwd=work)
    assert json.loads(checked.stdout)["summary"]["findings"] == int(count)
    # Without the importers extra, the importers that follow $refs say what to install, in one line.
    api = os.path.join(work, "openapi.yaml")
    with open(api, "w", encoding="utf-8") as fh:
        fh.write(OPENAPI)
    result = venv.run("archplan", "import", "openapi", "openapi.yaml", cwd=work, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("archplan: error: the openapi importer needs the importers extra (referencing is "
                             "not installed): pip install 'archplan[importers]'\n")


def test_pip_install_of_the_sdist_with_the_importers_extra(dist: Dist, work: str, tmp_path: Any) -> None:
    venv = fresh_venv(os.path.join(str(tmp_path), "venv"))
    pip_install(venv, f"archplan[importers] @ file://{dist.sdist}", cwd=work)
    assert venv.run("archplan", "--version", cwd=work).stdout == f"archplan, version {__version__}\n"
    with open(os.path.join(work, "openapi.yaml"), "w", encoding="utf-8") as fh:
        fh.write(OPENAPI)
    out = venv.run("archplan", "import", "openapi", "openapi.yaml", cwd=work).stdout
    assert "path: /orders" in out
    engine_file = venv.run("python", "-c", "import engine; print(engine.__file__)", cwd=work).stdout.strip()
    assert engine_file.startswith(venv.root + os.sep)


def test_pipx_install_of_the_source_tree(dist: Dist, work: str, tmp_path: Any) -> None:
    pipx = shutil.which("pipx", path=os.path.dirname(sys.executable))
    assert pipx, "pipx is in the dev extra"
    home = os.path.join(str(tmp_path), "pipx")
    pipx_env = {"PIPX_HOME": home, "PIPX_BIN_DIR": os.path.join(home, "bin"), "PIPX_MAN_DIR": os.path.join(home, "man")}
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **pipx_env, **build_env()}
    result = subprocess.run([pipx, "install", dist.src], capture_output=True, text=True, env=env, cwd=work,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    archplan = os.path.join(pipx_env["PIPX_BIN_DIR"], "archplan")
    assert subprocess.run([archplan, "--version"], capture_output=True, text=True, cwd=work,
                          check=True).stdout == f"archplan, version {__version__}\n"
    result = subprocess.run([archplan, "check", "facts/shop", "--fail-on", "never"], capture_output=True,
                            text=True, cwd=work, check=False)
    assert result.returncode == 0 and "facts/shop" in result.stdout, result.stderr


# --- the dev extra covers make test ---------------------------------------------------------------------


def _requirement_names(reqs: Sequence[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}


COMMAND_PACKAGES = {"lint-imports": "import-linter"}
"""The Makefile's commands not named after the package that installs them."""


def test_the_dev_extra_installs_every_tool_and_test_import_make_test_uses() -> None:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    assert "archplan[importers]" in extras["dev"]  # the tests import every format
    provided = _requirement_names([*project["dependencies"], *extras["dev"], *extras["importers"], *extras["mcp"]])
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as fh:
        tools = set(re.findall(r"\$\(VENV\)/bin/([\w-]+)", fh.read())) - {"archplan", "python", "pip"}
    tools = {COMMAND_PACKAGES.get(t, t) for t in tools}
    assert {"ruff", "mypy", "pytest"} <= tools
    assert tools <= provided, tools - provided
    third_party: set[str] = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True):
        if os.path.relpath(path, ROOT).startswith(os.path.join("tests", "fixtures")):
            continue  # node modules of the Mermaid checker, fixture scripts
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                third_party.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                third_party.add(node.module.split(".")[0])
    local = {n for n in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, n))}  # engine, tests, benchmarks
    third_party -= {*sys.stdlib_module_names, *local, "archplan"}
    dists = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        names = {d.lower().replace("_", "-") for d in dists.get(module, [])}
        assert names & provided, f"tests import {module} ({names}), which no dependency or extra installs"


# --- supported interpreters and the durable-rules build ------------------------------------------------


def test_supported_pythons_are_3_11_to_3_13_and_the_classifiers_say_the_same() -> None:
    project = PYPROJECT["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    versions = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                if c.startswith("Programming Language :: Python :: 3.")]
    assert versions == ["3.11", "3.12", "3.13"]  # the Makefile runs the suite under each one it finds
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in versions


def test_the_durable_rules_pin_and_the_rebuild_hint_name_the_same_release() -> None:
    from engine.runtime import DURABLE_CPPFLAGS, DURABLE_PIN

    assert DURABLE_PIN in PYPROJECT["project"]["dependencies"]
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as fh:
        assert "$(PY) tools/build-durable '$(DURABLE)'" in fh.read()  # the Makefile builds it through the tool
    with open(os.path.join(ROOT, "tools", "build-durable"), encoding="utf-8") as fh:
        assert f'env["CPPFLAGS"] = f"{DURABLE_CPPFLAGS} ' in fh.read()  # with the flag the rebuild hint names


def test_a_failed_durable_rules_build_is_one_line_naming_the_command_exit_2(tmp_path: os.PathLike[str]) -> None:
    """What a wheel of durable-rules built on 3.13 without the flag does at import, simulated by a stand-in module."""
    fake = os.path.join(str(tmp_path), "fake")
    os.makedirs(fake)
    with open(os.path.join(fake, "durable_rules_engine.py"), "w", encoding="utf-8") as fh:
        fh.write("raise ImportError('/x/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: "
                 "undefined symbol: PyEval_CallObject')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([fake, ROOT])}
    env.pop("ARCHPLAN_DEBUG", None)
    code = "import sys; from engine.cli import entry; sys.argv = ['archplan', *sys.argv[1:]]; entry()"
    for args in (["check", os.path.join(ROOT, "facts", "shop")], ["rules", "test"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                              cwd=str(tmp_path), timeout=120, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        (line,) = proc.stderr.splitlines()
        assert line.startswith("archplan: error: the rule engine's C core (durable_rules_engine) did not load (")
        assert "undefined symbol: PyEval_CallObject" in line
        command = line.split("rebuild it: ", 1)[1]
        assert command == (f"CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject' {shlex.quote(sys.executable)} "
                           "-m pip install --force-reinstall --no-deps --no-cache-dir --no-binary durable-rules "
                           "'durable-rules==2.0.28'")
