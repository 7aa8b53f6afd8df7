"""Import each system's raw artifacts, as a team would, into ``systems/<s>/raw/`` (issue 12).

For each system whose ``system.yaml`` has ``raw_import`` (a list of ``{format, paths}``: the compose
files, manifest directories or API specs a team would hand to ``archplan import``; ``profiles``, the compose
profiles of the deployment reviewed, as ``archplan import compose --profile``; ``env_files``, the env files its
install runs compose with, as ``archplan import compose --env-file``; ``block``, the heading of a Markdown page
under which the documentation gives the file in a fenced code block, when that page is the only place it lives: the
block is what a team copies out and hands over), the script takes
those paths from the repository at the pinned commit, runs the importers on them with no hand-written
fact, and writes the agent files archplan produces to ``systems/<s>/raw/``. ``evaluate.py --raw`` then
measures what the imported design yields next to the hand-written one.

The repositories are read from a local mirror (the git directories the research tooling fetched,
``--mirror``, default ``/work/.mirror/<owner>+<name>/repo``); the artifacts are extracted to a
temporary directory and never kept. The imported designs are committed, so ``evaluate.py --raw`` needs
no mirror.

Run: ``.venv/bin/python benchmarks/realworld/import_raw.py [--mirror DIR] [--system NAME]``.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from typing import Any

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from engine.cli.importing import render  # noqa: E402
from engine.errors import ArchplanError  # noqa: E402
from engine.importers import code_trees, compose_routes, import_paths  # noqa: E402
from engine.loader import load_documents  # noqa: E402


def _extract(gitdir: str, commit: str, paths: Sequence[str], into: str) -> None:
    specs = [f":(glob){p}" if any(c in p for c in "*?[") else p for p in paths]
    archive = subprocess.run(["git", "-C", gitdir, "archive", "--format=tar", commit, "--", *specs],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(```+|~~~+)")


def markdown_block(text: str, heading: str) -> str:
    """The first fenced code block of ``text`` after the Markdown heading ``heading`` and before the next heading.

    Lines inside fenced blocks are never headings (a YAML comment is not one). Raises ``ValueError`` when the page
    has no such heading or no fenced block under it.
    """
    fence: str | None = None
    under = False
    body: list[str] = []
    for line in text.splitlines():
        if fence is not None:
            if line.startswith(fence) and not line.strip(fence[0]).strip():
                if under:
                    return "\n".join(body) + "\n"
                fence = None
            elif under:
                body.append(line)
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)
        elif m := _HEADING.match(line):
            if under:
                break
            under = m.group(1) == heading
    if not under:
        raise ValueError(f"no heading {heading!r}")
    raise ValueError(f"no fenced block under {heading!r}")


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def _skaffold_configs(gitdir: str, commit: str, paths: Sequence[str]) -> list[str]:
    """The Skaffold configurations of the repository in the directories of ``paths`` and above them."""
    listed = set(subprocess.run(["git", "-C", gitdir, "ls-tree", "-r", "--name-only", commit], capture_output=True,
                                check=True, text=True).stdout.splitlines())
    out: list[str] = []
    for p in paths:
        d = p.rstrip("/")
        while True:
            for name in ("skaffold.yaml", "skaffold.yml"):
                f = f"{d}/{name}" if d else name
                if f in listed and f not in out:
                    out.append(f)
            if not d:
                break
            d = os.path.dirname(d)
    return out


def import_system(name: str, spec: dict[str, Any], mirror: str, out_dir: str) -> list[str]:
    """Import one system's raw artifacts; returns the files written."""
    repo, commit = spec["repo"], spec["commit"]
    gitdir = os.path.join(mirror, repo.replace("/", "+"), "repo")
    if not os.path.isdir(gitdir):
        raise SystemExit(f"{name}: no mirror of {repo} at {gitdir} (fetch it first)")
    written: list[str] = []
    # the steps of one system are one import: code read for several services (a web process and its workers) is
    # parsed once
    with tempfile.TemporaryDirectory() as tmp, code_trees.shared():
        work = os.path.join(tmp, name)
        all_paths = [p for step in spec["raw_import"] if "repo" not in step for p in step["paths"]]
        extras = [e for step in spec["raw_import"] if "repo" not in step for e in step.get("with", [])]
        _extract(gitdir, commit, [*all_paths, *extras], work)
        if any(step["format"] in ("compose", "auto") for step in spec["raw_import"]):
            # a compose service's build context is in the checkout a team imports from: its Dockerfile
            # says the image the service runs on and the environment it starts with
            # (named Dockerfile, Dockerfile.*, or <name>.Dockerfile, as compose's build.dockerfile may name it)
            for pattern in ("**/Dockerfile*", "**/*.Dockerfile"):
                with contextlib.suppress(subprocess.CalledProcessError):  # no such Dockerfile in the repository
                    _extract(gitdir, commit, [pattern], work)
        if any(step["format"] == "kubernetes" and "repo" not in step for step in spec["raw_import"]):
            # the Skaffold configuration above the manifests is in the checkout a team imports from: it says
            # which images the repository builds itself (placeholders in the manifests, not 'latest' images)
            configs = _skaffold_configs(gitdir, commit, [p for step in spec["raw_import"]
                                                         if step["format"] == "kubernetes" and "repo" not in step
                                                         for p in step["paths"]])
            if configs:
                _extract(gitdir, commit, configs, work)
        others = {o["repo"]: o["commit"] for o in spec.get("also", [])}
        imported: list[tuple[list[Any], str, list[str]]] = []
        for step in spec["raw_import"]:
            # a step may read another repository of the system (a service's own, listed under ``also``): it is
            # extracted under a folder named after it, so that its file names stay apart
            where, at = (step["repo"], others[step["repo"]]) if "repo" in step else (repo, commit)
            base = step["repo"].split("/")[-1] if "repo" in step else ""
            if base:
                _extract(os.path.join(mirror, where.replace("/", "+"), "repo"), at, step["paths"],
                         os.path.join(work, base))
            # a path may be a glob (``ts-*/src/main/resources/application.yml``): git archive and the
            # importer see the same files, in sorted order
            paths = [m for p in step["paths"] for m in sorted(glob.glob(os.path.join(work, base, p))) or
                     [os.path.join(work, base, p)]]
            if "block" in step:
                # the file lives only in a documentation page: the block under the heading, copied out beside it
                copied = []
                for page in paths:
                    with open(page, encoding="utf-8") as fh:
                        try:
                            text = markdown_block(fh.read(), step["block"])
                        except ValueError as exc:
                            raise SystemExit(f"{name}: {os.path.relpath(page, work)}: {exc}") from None
                    target = f"{page}.{_slug(step['block'])}.yml"
                    with open(target, "w", encoding="utf-8") as fh:
                        fh.write(text)
                    copied.append(target)
                paths = copied
            cwd = os.getcwd()
            os.chdir(work)  # file names in the imported design are repository paths
            try:
                docs = import_paths(step["format"], [os.path.relpath(p, work) for p in paths],
                                    service=step.get("service"), profiles=step.get("profiles", ()),
                                    env_files=step.get("env_files", ()))
            finally:
                os.chdir(cwd)
            # the compose profiles of the deployment reviewed (`archplan import compose --profile P`) follow its files
            enabled = "".join(f" --profile {p}" for p in step.get("profiles", ()))
            enabled += "".join(f" --env-file {e}" for e in step.get("env_files", ()))
            block = f"#{_slug(step['block'])}" if "block" in step else ""
            imported.append((docs, step["format"], [f"{where}@{at[:12]}:{p}{block}{enabled}" for p in step["paths"]]))
        # routes read from source are placed behind the gateway routes and entry points of every step
        placed = iter(compose_routes([d for docs, _f, _s in imported for d in docs]))
        by_agent: dict[str, tuple[list[Any], list[str], list[str]]] = {}
        for step_docs, fmt, sources in imported:
            docs = [next(placed) for _d in step_docs]
            agent = str(docs[0].data.get("source"))
            entry = by_agent.setdefault(agent, ([], [], []))
            entry[0].extend(docs)
            entry[1].append(fmt)
            entry[2].extend(sources)
        os.makedirs(out_dir, exist_ok=True)
        for agent, (docs, formats, sources) in sorted(by_agent.items()):
            design = load_documents(docs)
            text = render(design, docs, ",".join(sorted(set(formats))), sources)
            target = os.path.join(out_dir, f"{agent}.yaml")
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
            written.append(target)
            for w in design.warnings:
                print(f"{name}: warning: {w}", file=sys.stderr)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default="/work/.mirror", help="folder of <owner>+<name>/repo git directories")
    parser.add_argument("--system", action="append", default=[], help="only this system (repeatable)")
    args = parser.parse_args(argv)
    systems = os.path.join(HERE, "systems")
    for name in sorted(os.listdir(systems)):
        if args.system and name not in args.system:
            continue
        with open(os.path.join(systems, name, "system.yaml"), encoding="utf-8") as fh:
            spec = yaml.safe_load(fh)
        if not spec.get("raw_import"):
            print(f"{name}: no raw_import in system.yaml; skipped")
            continue
        try:
            files = import_system(name, spec, args.mirror, os.path.join(systems, name, "raw"))
        except ArchplanError as exc:
            print(f"{name}: import failed: {exc}", file=sys.stderr)
            return 1
        print(f"{name}: {', '.join(os.path.relpath(f, HERE) for f in files)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
