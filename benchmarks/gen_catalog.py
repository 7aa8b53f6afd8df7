"""Regenerate engine/data/catalog.json from the pattern catalog's §7 tables (run once, commit the result).

Usage: python benchmarks/gen_catalog.py [PATH-TO-pattern-catalog.md]
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.catalog import parse_catalog, to_json  # noqa: E402

DEFAULT = os.path.join(os.path.dirname(ROOT), "shared", "knowledge", "pattern-catalog.md")


def main() -> None:
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    with open(src, encoding="utf-8") as fh:
        patterns = parse_catalog(fh.read(), src)
    target = os.path.join(ROOT, "engine", "data", "catalog.json")
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(to_json(patterns))
    os.replace(tmp, target)
    print(f"{len(patterns)} patterns -> {os.path.relpath(target, ROOT)}")


if __name__ == "__main__":
    main()
