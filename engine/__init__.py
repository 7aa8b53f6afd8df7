"""archplan: reviews a backend design before it is built, and plans its integration."""

from __future__ import annotations

__version__ = "0.1.0"
