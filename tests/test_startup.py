"""Start-up: ``archplan --version`` and ``--help`` import almost nothing, and a command imports what it uses.

Each case runs in a fresh interpreter and prints the modules it ended with (``sys.modules``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEAVY = ("pydantic", "yaml", "durable_rules_engine", "durable", "orjson", "markdown_it", "engine.review",
         "engine.model.schema")
"""Third-party packages and archplan modules that take a tenth of a second or more to import together."""

RUN = """
import sys
from pathlib import Path
{prelude}
print("\\n".join(sorted(sys.modules)))
"""
CLI = """
from engine.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
"""


def modules_after(prelude: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN.format(prelude=prelude)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"], ["rules", "--help"]],
                         ids=" ".join)
def test_version_and_help_import_no_heavy_module(args: list[str]) -> None:
    loaded = modules_after(CLI.format(args=args))
    assert "click" in loaded  # the command really ran
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("prelude", ["import engine", "import archplan", "import engine.cli"])
def test_importing_the_package_imports_no_heavy_module(prelude: str) -> None:
    assert sorted(modules_after(prelude) & set(HEAVY)) == []


def test_the_public_api_is_imported_on_first_use() -> None:
    loaded = modules_after("import archplan\nassert callable(archplan.review) and archplan.Severity.HIGH")
    assert "engine.review" in loaded
    assert "pydantic" not in loaded  # the review reads plain rule objects (engine.model.ruledata)
    assert "engine.plan" not in loaded  # the plan only when asked for


def test_engine_review_stays_the_function_once_its_module_is_imported() -> None:
    import importlib

    import engine

    module = importlib.import_module("engine.review")
    assert engine.review is module.review
    assert callable(engine.review)


def test_check_does_not_import_the_plan_or_the_importers_formats() -> None:
    loaded = modules_after(CLI.format(args=["check", "facts/shop", "--format", "json", "-o", "/dev/null"]))
    assert "engine.runtime" in loaded  # the review ran
    assert not {m for m in loaded if m.startswith(("engine.plan", "engine.importers."))}


def test_a_check_of_yaml_files_imports_no_importer_or_markdown_parser() -> None:
    """Without --from or a Markdown design, neither reader is imported."""
    loaded = modules_after(CLI.format(args=["check", "facts/shop", "--format", "json", "-o", "/dev/null"]))
    assert "engine.runtime" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in {"markdown_it", "mdit_py_plugins"}
                  or m == "engine.importers") == []
    md = modules_after(CLI.format(args=["check", "facts/shop-doc/design.md", "--format", "json", "-o", "/dev/null"]))
    assert "markdown_it" in md  # and a Markdown design still gets its parser


def test_check_reads_no_field_docstrings_and_they_are_there_when_asked_for() -> None:
    """Field descriptions (attribute docstrings) are read from the source when first asked for, not at import."""
    probe = CLI.format(args=["check", "facts/shop", "--format", "json", "-o", "/dev/null"]) + (
        "from engine.model import schema\n"
        "print('described', sorted(schema._DESCRIBED))\n"
        "print('before', schema.Retry.model_fields['attempts'].description)\n"
        "print('after', schema.field_description('interaction', 'retry.attempts'))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert "described []" in lines
    assert "before None" in lines
    after = next(line for line in lines if line.startswith("after "))
    assert after != "after None" and len(after) > 20


LAZY = ("difflib", "importlib.resources")
"""Modules a clean check of YAML files does without: imported where a mistake is reported (``did_you_mean``) or a
wheel's rules are found (``builtin_rules_dir``), not by every run (1 ms and 1.5 ms)."""


def test_a_clean_check_does_not_import_what_only_a_mistake_or_a_wheel_needs() -> None:
    # --output, not -o: click's parser looks a short option up as a long one first, and its error imports difflib
    # as the console script runs it: pydantic's plugin loader (importlib.metadata, importlib.resources) left out
    prelude = ("import os\nos.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
               "from engine.cli.main import _without_plugin_discovery\n_without_plugin_discovery()\n")
    loaded = modules_after(prelude + CLI.format(args=["check", "facts/shop", "--format", "json", "--output",
                                                      "/dev/null"]))
    assert "engine.runtime" in loaded  # the review ran
    assert sorted(loaded & set(LAZY)) == []


def test_a_mistake_still_gets_its_suggestion() -> None:
    from engine.errors import did_you_mean

    assert did_you_mean("chek", ["check", "plan"]) == " (did you mean 'check'?)"


def test_a_check_without_a_config_file_makes_no_config_model() -> None:
    """The config file's pydantic models (engine/config_file.py) are imported when a config file is read."""
    loaded = modules_after(CLI.format(args=["check", "facts/shop", "--format", "json", "-o", "/dev/null"]))
    assert "engine.runtime" in loaded  # the review ran
    assert "engine.config_file" not in loaded
    config = "tests/hostile/config/severity-typo/archplan.toml"  # refused, once read
    with_config = modules_after(CLI.format(args=["check", "facts/shop", "--config", config, "--format", "json",
                                                 "-o", "/dev/null"]))
    assert "engine.config_file" in with_config


def test_a_text_report_to_a_pipe_does_not_import_shutil() -> None:
    """Only a text report on a terminal asks its width (``shutil.get_terminal_size``): shutil, which imports bz2, lzma
    and zlib with it, is left out of a check whose report goes to a pipe or a file."""
    loaded = modules_after(CLI.format(args=["check", "facts/shop", "--format", "text"]))
    assert "engine.runtime" in loaded  # the review ran
    assert sorted(loaded & {"shutil", "bz2", "lzma"}) == []


BLOCK_DESIGN = """\
# written by a program: block style, comment lines only
source: infrastructure
services:
- name: orders
  replicas: 3
  availability: 0.999
  exposure: public
  health:
    liveness: true
- name: notifier
  replicas: 1
interactions:
- from: orders
  to: notifier
  style: async
"""


def test_a_check_of_a_block_style_design_of_common_values_does_not_import_pyyaml(tmp_path: Path) -> None:
    """A design written as programs write YAML (block style, names, words, decimal numbers) is read without PyYAML
    (``engine.source._common_plain``), once the rules are cached; a flow-style one still imports it."""
    (tmp_path / "infrastructure.yaml").write_text(BLOCK_DESIGN, encoding="utf-8")
    check = CLI.format(args=["check", str(tmp_path), "--format", "json", "--output", "/dev/null"])
    modules_after(check)  # fills the rule cache: parsing the rule files needs PyYAML
    loaded = modules_after(check)
    assert "engine.runtime" in loaded  # the review ran
    assert "yaml" not in loaded
    assert "yaml" in modules_after(CLI.format(args=["check", "facts/shop", "--format", "json", "--output",
                                                   "/dev/null"]))
