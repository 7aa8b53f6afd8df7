"""archplan: reviews a backend design before it is built, and plans its integration."""

from __future__ import annotations

__version__ = "0.2.0"  # the release; pyproject.toml reads it (CHANGELOG.md says what changed)
