"""The runtime loader: `Repository` resolves selectors to prompts read from git, with caches and metrics."""

from __future__ import annotations

from promptgit.loader.loaded import LoadedPrompt
from promptgit.loader.repository import Repository

__all__ = ["LoadedPrompt", "Repository"]
