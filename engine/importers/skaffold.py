"""Skaffold configurations beside Kubernetes manifests: which images the repository builds itself.

A repository deployed with Skaffold writes its own images in the manifests as bare names (``image: frontend``):
placeholders that ``skaffold run`` replaces with the image it has just built, tagged by its tag policy and
referenced by digest (https://skaffold.dev/docs/taggers: "No matter the tagger, Skaffold always uses immutable
references in Kubernetes manifests"). Such a name is not an image pulled as ``latest``. The configuration is the
``skaffold.yaml`` (or ``.yml``) of the manifests' directory or of a directory above it, up to the repository's
root (the directory holding ``.git``), with the configurations it ``requires``; each document's
``build.artifacts[].image`` is an image the repository builds, and its ``build.tagPolicy`` (``gitCommit`` when
unstated) says whether the tag names the sources built: ``gitCommit`` and ``inputDigest`` do; a date, an
environment template or ``sha256`` (which tags ``latest``) do not say more than the digest reference does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.errors import ArchplanError, Location
from engine.importers.base import Body
from engine.source import Limits, parse_all, read_text

CONFIG_FILES = ("skaffold.yaml", "skaffold.yml")
_SOURCE_TAGGERS = ("gitCommit", "inputDigest")


@dataclass(frozen=True)
class Artifact:
    """An image the repository builds with Skaffold."""

    image: str
    at: Location
    immutable: tuple[bool, Location, str] | None
    """Whether its release is identified by the sources it was built from (the tag policy), where, and why."""


def _ancestors(path: str) -> Iterator[str]:
    """The directory of ``path`` and those above it, up to the repository's root (or the file system's)."""
    d = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    while True:
        yield d
        parent = os.path.dirname(d)
        if os.path.exists(os.path.join(d, ".git")) or parent == d:
            return
        d = parent


def _shown(path: str, relative: bool) -> str:
    """A file name as the user gave the inputs: relative to the working directory when they were."""
    rel = os.path.relpath(path)
    return rel if relative and not rel.startswith("..") else path


def config_files(inputs: Iterable[str]) -> list[str]:
    """The Skaffold configurations that apply to the manifests at ``inputs`` (nearest first, each once)."""
    out: list[str] = []
    for p in inputs:
        for d in _ancestors(p):
            for name in CONFIG_FILES:
                f = os.path.join(d, name)
                shown = _shown(f, not os.path.isabs(p))
                if os.path.isfile(f) and shown not in out:
                    out.append(shown)
    return out


def build_artifacts(files: Iterable[str], limits: Limits, body: Body) -> dict[str, Artifact]:
    """The images the configurations in ``files`` (and those they require) build, by image name."""
    out: dict[str, Artifact] = {}
    pending, seen = list(files), set()
    while pending:
        f = pending.pop(0)
        real = os.path.realpath(f)
        if real in seen:
            continue
        seen.add(real)
        try:
            docs = list(parse_all(read_text(f, limits), f, limits, merge_keys=True, artifact=True))
        except ArchplanError as exc:
            body.remark(exc.location or Location(f), f"Skaffold configuration not read: {exc.message}")
            continue
        for doc in docs:
            data = doc.data
            if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith("skaffold/"):
                continue
            build: dict[str, Any] = data["build"] if isinstance(data.get("build"), dict) else {}
            immutable = _tag_policy(build, doc.locate(("build", "tagPolicy")) if "tagPolicy" in build
                                    else doc.locate(("build", "artifacts")))
            for i, a in enumerate(build.get("artifacts") or [] if isinstance(build.get("artifacts"), list) else []):
                if isinstance(a, dict) and isinstance(a.get("image"), str) and a["image"].strip():
                    out.setdefault(a["image"].strip(), Artifact(a["image"].strip(), doc.locate(
                        ("build", "artifacts", i, "image")), immutable))
            for r in data.get("requires") or [] if isinstance(data.get("requires"), list) else []:
                path = r.get("path") if isinstance(r, dict) else None
                if isinstance(path, str) and path.strip():
                    target = os.path.normpath(os.path.join(os.path.dirname(f), path))
                    pending.extend(c for c in ([os.path.join(target, n) for n in CONFIG_FILES]
                                               if os.path.isdir(target) else [target]) if os.path.isfile(c))
    return out


def _tag_policy(build: dict[str, Any], at: Location) -> tuple[bool, Location, str] | None:
    policy = build.get("tagPolicy")
    if policy is None:
        return True, at, ("Skaffold builds it, tags it with the git commit (the default tag policy) and deploys it "
                          "by an immutable reference")
    named = [k for k in policy if isinstance(k, str)] if isinstance(policy, dict) else []
    if len(named) == 1 and named[0] in _SOURCE_TAGGERS:
        return True, at, (f"Skaffold builds it, tags it by its tag policy {named[0]} and deploys it by an immutable "
                          "reference")
    return None


def bare_name(image: str) -> str | None:
    """The image reference itself when it has neither tag nor digest (``frontend``, ``gcr.io/p/frontend``)."""
    ref = image.strip()
    if "@" in ref or ":" in ref.rsplit("/", 1)[-1]:
        return None
    return ref
