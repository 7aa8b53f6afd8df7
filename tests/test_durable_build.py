"""tools/build-durable: the C core built with a larger fact index and smaller stored facts, from the checked
release archive."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

from engine import runtime
from engine.runtime import ENGINE_BUILD_LABEL, ENGINE_BUILDS, engine_build

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "build-durable"


def _tool() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_durable", str(TOOL))
    spec = importlib.util.spec_from_loader("build_durable", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _source(root: Path, index_line: str, version: str = "2.0.28",
            properties_line: str = "#define MAX_OBJECT_PROPERTIES 255") -> Path:
    (root / "src" / "rules").mkdir(parents=True)
    (root / "src" / "rules" / "state.h").write_text(
        f"#define SID_BUFFER_LENGTH 2\n{properties_line}\n{index_line}\n#define MAX_LEFT_FRAME_INDEX_LENGTH 512\n",
        encoding="utf-8")
    (root / "setup.py").write_text(f"setup(\n    name = 'durable_rules',\n    version = '{version}',\n)\n",
                                   encoding="utf-8")
    return root


def test_the_patch_enlarges_the_fact_index_shrinks_stored_facts_and_labels_the_version(tmp_path: Path) -> None:
    tool = _tool()
    root = _source(tmp_path, "#define MAX_MESSAGE_INDEX_LENGTH 512")
    tool.patch(root, "2.0.28")
    header = (root / "src" / "rules" / "state.h").read_text(encoding="utf-8")
    assert f"#define MAX_MESSAGE_INDEX_LENGTH {tool.BUCKETS}\n" in header
    assert f"#define MAX_OBJECT_PROPERTIES {tool.PROPERTIES}\n" in header
    assert "#define MAX_LEFT_FRAME_INDEX_LENGTH 512" in header  # nothing else touched
    assert tool.BUCKETS > 512 and tool.PROPERTIES < 255
    assert f"version = '2.0.28+{tool.LABEL}'" in (root / "setup.py").read_text(encoding="utf-8")
    assert tool.LABEL == ENGINE_BUILD_LABEL
    assert ENGINE_BUILDS[tool.LABEL] == (tool.BUCKETS, tool.PROPERTIES)  # what the runtime reads of the build


def test_the_runtime_keeps_facts_within_the_installed_builds_properties() -> None:
    """12 below what the C core takes (its error 302 past MAX_OBJECT_PROPERTIES less id and two): the widest fact
    archplan gives it on any design it has holds 38."""
    runtime.max_properties.cache_clear()
    version = metadata.version("durable-rules")
    _buckets, room = ENGINE_BUILDS.get(version.partition("+")[2], (512, 255))
    assert runtime.max_properties() == room - 15 >= runtime._FEWEST_PROPERTIES > 38
    assert engine_build() == f"durable-rules {version} ({_buckets:,}-bucket fact index, {room} properties per fact)"


def test_a_source_the_patch_was_not_written_for_stops_the_build(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    tool = _tool()
    root = _source(tmp_path, "#define MAX_MESSAGE_INDEX_LENGTH 1024")  # not the published line
    with pytest.raises(SystemExit) as stop:
        tool.patch(root, "2.0.28")
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "src/rules/state.h" in err and "MAX_MESSAGE_INDEX_LENGTH 512" in err


def test_a_source_with_another_property_room_stops_the_build(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    tool = _tool()
    root = _source(tmp_path, "#define MAX_MESSAGE_INDEX_LENGTH 512", properties_line="#define MAX_OBJECT_PROPERTIES 64")
    with pytest.raises(SystemExit) as stop:
        tool.patch(root, "2.0.28")
    assert stop.value.code == 2
    assert "MAX_OBJECT_PROPERTIES 255" in capsys.readouterr().err


def test_an_unknown_release_is_refused_before_anything_is_downloaded(capsys: pytest.CaptureFixture[str]) -> None:
    tool = _tool()
    with pytest.raises(SystemExit) as stop:
        tool.main(["durable-rules==2.0.27"])
    assert stop.value.code == 2
    assert "no patch for durable-rules==2.0.27" in capsys.readouterr().err


def test_every_known_release_has_a_published_digest() -> None:
    tool = _tool()
    pinned = next(line for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
                  if '"durable-rules==' in line).split('"')[1]
    assert pinned.split("==")[1] in tool.KNOWN
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in tool.KNOWN.values())


def test_the_makefile_environment_runs_the_larger_index() -> None:
    """The Makefile installs durable-rules through tools/build-durable; a plain PyPI build has 512 buckets."""
    made_here = (Path(sys.prefix) / ".installed-run").exists()
    if not made_here and os.environ.get("CI") != "true":
        pytest.skip("not the Makefile's environment: durable-rules may be PyPI's build")
    label = metadata.version("durable-rules").partition("+")[2]
    if label != ENGINE_BUILD_LABEL and label in ENGINE_BUILDS and os.environ.get("CI") != "true":
        pytest.skip(f"built by an earlier tools/build-durable (+{label}): the next make rebuilds it")
    assert engine_build().endswith("(16,384-bucket fact index, 128 properties per fact)"), engine_build()
