"""promptgit: git as the prompt manager."""

from __future__ import annotations

__version__ = "0.1.0"
