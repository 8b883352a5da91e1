"""The runtime loader: `Repository` resolves selectors to prompts read from git, with caches and metrics.

May import format, store, tokens, config, observability and the shared modules; never validation or the CLI.
"""

from __future__ import annotations

from promptgit.loader.loaded import LoadedPrompt
from promptgit.loader.repository import Repository

__all__ = ["LoadedPrompt", "Repository"]
