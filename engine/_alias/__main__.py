"""``python -m archplan``: the archplan command, for where the console script is not on PATH."""

from __future__ import annotations

from engine.cli import entry

if __name__ == "__main__":
    entry()
