"""The hostile-input catalogue: every case in ``tests/hostile/`` through the real CLI.

Each case is a file (or a small directory) with a sidecar ``<case>.expect.yaml`` giving the command
line and a regular expression that the one error line must match (its file:line:column included
where the input has a place). Every case must end with:

- exactly one error line, matching the expectation, naming the place;
- exit code 2;
- no traceback and no "internal error";
- no output file, and no half-written temporary file, when ``-o`` was given;
- every input byte-for-byte as it was.

Placeholders in ``args`` and ``error``: ``{here}`` (the expect file's directory), ``{hostile}``
(``tests/hostile``), ``{tmp}`` (a fresh temporary directory, where ``generate`` writes inputs too
large or too deep to commit), ``{readonly}`` (a directory nobody may write to).

A UTF-8 byte-order mark is legal and accepted (``bom-utf8-then-error`` shows the error after one
keeps its true line and column); any other encoding is an error.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from engine.cli.main import main

HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
EXPECT_SUFFIX = ".expect.yaml"
ERROR_PREFIXES = ("archplan: error: ", "Error: ")


@dataclass(frozen=True)
class HostileCase:
    """One catalogue entry."""

    name: str
    family: str
    expect_file: str
    args: tuple[str, ...]
    error: str
    generate: dict[str, Any] | None
    exit: int = 2
    """A case without ``error`` is accepted: it ends with this exit code, and every output is checked for
    injection (``injection_problems``) instead."""
    stdout: str = ""
    """A regular expression standard output must match (accepted cases)."""
    forbid: tuple[str, ...] = ()
    """Regular expressions that no output (stdout, stderr, files written) may match."""
    env: tuple[tuple[str, str], ...] = ()
    files: str = ""
    """How to check the files written: ``text`` for pages whose format is the pack's own Markdown (``rules
    docs``: no tag, no command, no control; links are the pack's to make), else by their name."""


def load_cases() -> list[HostileCase]:
    """Every ``*.expect.yaml`` under ``tests/hostile``, sorted."""
    cases = []
    for path in sorted(glob.glob(os.path.join(HOSTILE, "**", "*" + EXPECT_SUFFIX), recursive=True)):
        with open(path, encoding="utf-8") as fh:
            spec = yaml.safe_load(fh)
        rel = os.path.relpath(path, HOSTILE)
        cases.append(HostileCase(
            name=rel[: -len(EXPECT_SUFFIX)], family=rel.split(os.sep)[0], expect_file=path,
            args=tuple(spec["args"]), error=spec.get("error", ""), generate=spec.get("generate"),
            exit=spec.get("exit", 2), stdout=spec.get("stdout", ""), forbid=tuple(spec.get("forbid", ())),
            env=tuple(sorted((spec.get("env") or {}).items())), files=spec.get("files", ""),
        ))
    return cases


def generate(spec: dict[str, Any], tmp: str) -> str:
    """Write a generated input (too big or too deep to commit) into ``tmp``; return its path."""
    path = os.path.join(tmp, spec["file"])
    kind = spec["kind"]
    if kind == "big_file":  # a valid-looking design padded with comments to the size asked
        head = b"source: api\nservices:\n  - name: checkout\n"
        line = b"# " + b"x" * 97 + b"\n"
        with open(path, "wb") as fh:
            fh.write(head)
            fh.write(line * ((spec["bytes"] - len(head)) // len(line)))
    elif kind == "deep_flow":
        depth = spec["depth"]
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nsystem:\n  description: " + "[" * depth + "]" * depth + "\n")
    elif kind == "deep_block":
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nservices:\n" + "- " * spec["depth"] + "x\n")
    elif kind == "deep_json":
        depth = spec["depth"]
        with open(path, "w", encoding="utf-8") as fh:
            fh.write('{"source": "api", "system": ' + '{"a": ' * depth + "1" + "}" * depth + "}\n")
    elif kind == "long_name":
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nservices:\n  - name: " + "x" * spec["length"] + "\n")
    elif kind == "many_services":
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nservices: [" + ",".join(f"{{name: s{i}}}" for i in range(spec["count"])) + "]\n")
    elif kind == "long_text":
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nsystem:\n  description: " + "y" * spec["length"] + "\n")
    elif kind == "named_file":  # a file name a commit would carry badly (a newline, an escape)
        path = os.path.join(tmp, spec["file"].encode().decode("unicode_escape"))
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(spec["content"])
    elif kind == "many_rules":  # a pack of `count` copies of one valid rule file
        with open(os.path.join(HOSTILE, "rules", "pack", "resilience", "public-service.yaml"), encoding="utf-8") as fh:
            rule = fh.read()
        os.makedirs(os.path.join(path, "resilience"))
        for i in range(spec["count"]):
            with open(os.path.join(path, "resilience", f"r{i}.yaml"), "w", encoding="utf-8") as fh:
                fh.write(rule.replace("id: public-service", f"id: r{i}"))
    elif kind in ("symlink", "fifo"):  # a design directory whose x.yaml is a link to `target`, or a FIFO
        os.makedirs(path)
        with open(os.path.join(path, "a.yaml"), "w", encoding="utf-8") as fh:
            fh.write("source: api\nservices:\n  - name: checkout\n")
        if kind == "fifo":
            os.mkfifo(os.path.join(path, "x.yaml"))
        else:
            os.symlink(spec["target"], os.path.join(path, "x.yaml"))
        return os.path.join(path, "a.yaml")  # hashed before and after; never the link (reading it may block)
    elif kind == "chain":  # `count` services calling the next one, each with a public endpoint
        n = spec["count"]
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("source: api\nservices:\n" + "".join(f"  - {{name: s{i}}}\n" for i in range(n)))
            fh.write("interactions:\n" + "".join(f"  - {{from: s{i}, to: s{i + 1}, style: sync}}\n"
                                                  for i in range(n - 1)))
            fh.write("endpoints:\n" + "".join(f"  - {{method: GET, path: /e{i}, served_by: s{i}, exposure: public}}\n"
                                                for i in range(n)))
    else:  # pragma: no cover - a typo in an expect file
        raise AssertionError(f"unknown generator {kind!r}")
    return path


def readonly_dir(tmp: str) -> str:
    """A directory this process cannot create files in (root ignores chmod, but not sysfs)."""
    if os.geteuid() == 0:
        return "/sys"
    path = os.path.join(tmp, "readonly")
    os.makedirs(path)
    os.chmod(path, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    return path


def snapshot(paths: list[str]) -> dict[str, str]:
    """sha256 of every file under ``paths``."""
    out = {}
    for root in paths:
        files = [root] if os.path.isfile(root) else [
            os.path.join(d, n) for d, _dirs, names in os.walk(root) for n in names]
        for f in files:
            with open(f, "rb") as fh:
                out[f] = hashlib.sha256(fh.read()).hexdigest()
    return out


def error_lines(stderr: str) -> list[str]:
    """The error lines of a run, without their prefix."""
    return [line.split(": error: ", 1)[1] if line.startswith("archplan: error: ") else line[len("Error: "):]
            for line in stderr.splitlines() if line.startswith(ERROR_PREFIXES)]


CASES = load_cases()


def test_catalogue_covers_every_family_with_at_least_sixty_cases() -> None:
    families = {c.family for c in CASES}
    assert {"syntax", "values", "references", "yaml", "rules", "flags", "config"} <= families
    assert len(CASES) >= 60


ERROR_CASES = [c for c in CASES if c.error]
ACCEPTED_CASES = [c for c in CASES if not c.error]
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_COMMAND = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:\n]*(,[a-z]+=[^,:\n]*)*)?::[^\n]*$")
_OUR_TAGS = re.compile(r"</?(details|summary|sub|br)\b[^<>]*>")
_FENCE = re.compile(r"^(`{3,})")


def _outside_fences(markdown: str) -> str:
    """The Markdown text outside fenced code blocks (a fence closes only on a run at least as long as its own)."""
    out, fence = [], ""
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if fence:
            if m and line.strip() == "`" * len(line.strip()) and len(line.strip()) >= len(fence):
                fence = ""
            continue
        if m:
            fence = m.group(1)
            continue
        out.append(line)
    return "\n".join(out)


def injection_problems(text: str, kind: str) -> list[str]:
    """Ways ``text`` (an output of kind ``github``, ``markdown`` or anything else) could act on a CI log, a
    terminal or a Markdown renderer."""
    problems = []
    bare = _SGR.sub("", text)  # archplan's own colours (--color always) are the only escapes allowed
    for n, line in enumerate(bare.split("\n"), 1):
        if line.lstrip().startswith("::") and not (kind == "github" and _COMMAND.match(line)):
            problems.append(f"line {n} starts a workflow command: {line[:80]!r}")
        if "##[" in line:
            problems.append(f"line {n} holds '##[': {line[:80]!r}")
        if re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", line):
            problems.append(f"line {n} holds a control character: {line[:80]!r}")
        if _BIDI.search(line):
            problems.append(f"line {n} holds a bidi control: {line[:80]!r}")
    if kind == "markdown":
        prose = _OUR_TAGS.sub("", _outside_fences(text))
        for pattern, what in ((r"<[A-Za-z!/?]", "raw HTML"), (r"(?<!\\)!\[", "an image"), (r"(?<!\\)\]\(", "a link"),
                              (r"(?<![\w`])@[A-Za-z0-9]", "a mention"), (r"https?://", "an autolink")):
            hit = re.search(pattern, re.sub(r"(`+)[^\n]*?\1", "", prose))  # code spans are inert
            if hit:
                problems.append(f"{what}: {prose[max(0, hit.start() - 30): hit.end() + 30]!r}")
    return problems


def _kind_of(path: str, args: list[str]) -> str:
    if path.endswith(".md"):
        return "markdown"
    fmt = args[args.index("--format") + 1] if "--format" in args else "text"
    return "github" if fmt == "github" and path == "-" else "markdown" if fmt == "markdown" and path == "-" else "text"


@pytest.mark.parametrize("case", ACCEPTED_CASES, ids=[c.name for c in ACCEPTED_CASES])
def test_hostile_text_is_neutralised_in_every_output(case: HostileCase, tmp_path: Any) -> None:
    tmp = str(tmp_path)
    here = os.path.dirname(case.expect_file)
    if case.generate:
        generate(case.generate, tmp)
    places = {"here": here, "hostile": HOSTILE, "tmp": tmp}
    args = [a.format(**places) for a in case.args]
    env = {k: v.format(**places) for k, v in case.env}
    before = snapshot([HOSTILE])
    result = CliRunner().invoke(main, args, env=env)
    combined = result.stdout + result.stderr
    assert "Traceback" not in combined and "internal error" not in combined, combined
    assert result.exit_code == case.exit, f"exit {result.exit_code}: {combined}"
    if case.stdout:
        assert re.search(case.stdout.format(**places), result.stdout), result.stdout
    outputs = [("-", result.stdout), ("stderr", result.stderr)]
    files = [args[i + 1].split("=", 1)[-1] for i, a in enumerate(args) if a in ("-o", "--output")]
    files += [v for v in env.values() if os.path.isfile(v)]
    for f in files:
        paths = [f] if os.path.isfile(f) else [os.path.join(d, n) for d, _s, ns in os.walk(f) for n in ns]
        assert paths, f"{f} was not written"
        for path in paths:
            with open(path, encoding="utf-8") as fh:
                outputs.append((path, fh.read()))
    for name, text in outputs:
        own = _kind_of(name, args)
        kind = "text" if name == "stderr" else own if name == "-" else case.files or own
        problems = injection_problems(text, kind)
        assert not problems, f"{name}: {problems}"
        for pattern in case.forbid:
            assert not re.search(pattern, text), f"{name} matches {pattern!r}"
    assert snapshot([HOSTILE]) == before, "an input was modified"


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_hostile_input_gives_one_located_error_and_exit_2(case: HostileCase, tmp_path: Any) -> None:
    tmp = str(tmp_path)
    here = os.path.dirname(case.expect_file)
    generated = [generate(case.generate, tmp)] if case.generate else []
    places = {"here": here, "hostile": HOSTILE, "tmp": tmp}
    if any("{readonly}" in a for a in case.args):
        places["readonly"] = readonly_dir(tmp)
    args = [a.format(**places) for a in case.args]
    pattern = case.error
    for key, value in places.items():
        pattern = pattern.replace("{" + key + "}", re.escape(value))
    outputs = [args[i + 1] for i, a in enumerate(args) if a in ("-o", "--output") and i + 1 < len(args)]
    before = snapshot([HOSTILE, *generated])
    existed = {out for out in outputs if os.path.exists(out)}

    result = CliRunner().invoke(main, args)

    combined = result.stdout + result.stderr
    assert "Traceback" not in combined and "internal error" not in combined, combined
    assert result.exit_code == 2, f"exit {result.exit_code}: {combined}"
    errors = error_lines(result.stderr)
    assert len(errors) == 1, f"expected one error line, got: {result.stderr}"
    assert re.search(pattern, errors[0]), f"{errors[0]!r} does not match {pattern!r}"
    assert not injection_problems(result.stderr, "text"), result.stderr
    for forbidden in case.forbid:
        assert not re.search(forbidden, combined), f"the output matches {forbidden!r}"
    for out in outputs:
        assert out in existed or not os.path.exists(out), f"{out} was written"
        parent = os.path.dirname(out)
        if os.path.isdir(parent) and parent != "/sys":
            assert not [n for n in os.listdir(parent) if n.startswith(".archplan-")], "a temporary file was left"
    assert snapshot([HOSTILE, *generated]) == before, "an input was modified"


def test_a_utf8_bom_is_accepted(tmp_path: Any) -> None:
    path = os.path.join(str(tmp_path), "bom.yaml")
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbfsource: api\nservices:\n  - name: checkout\n")
    result = CliRunner().invoke(main, ["check", path, "--no-builtin", "--rules",
                                       os.path.join(HOSTILE, "rules", "pack"), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
