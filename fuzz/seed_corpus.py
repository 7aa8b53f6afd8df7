"""Build the fuzz seed corpus: each example design and rule file, prefixed with its target byte."""

from __future__ import annotations

import glob
import hashlib
import os
import sys


def main(out: str) -> None:
    """Write seeds to ``out`` (byte 0 = design, 1 = rule, 2 = config; see fuzz_loaders.py)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out, exist_ok=True)
    seeds: list[tuple[int, str]] = []
    seeds += [(0, p) for p in glob.glob(os.path.join(root, "facts", "**", "*.yaml"), recursive=True)]
    seeds += [(0, p) for p in glob.glob(os.path.join(root, "tests", "hostile", "**", "*.yaml"), recursive=True)
              if not p.endswith(".expect.yaml")]
    seeds += [(1, p) for p in glob.glob(os.path.join(root, "rules", "**", "*.yaml"), recursive=True)]
    seeds += [(2, p) for p in glob.glob(os.path.join(root, "tests", "**", "*.toml"), recursive=True)]
    for target, path in seeds:
        with open(path, "rb") as fh:
            data = bytes([target]) + fh.read()
        if len(data) > 64 * 1024:
            continue
        name = hashlib.sha1(data).hexdigest()  # noqa: S324 - a file name, not security
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus")
