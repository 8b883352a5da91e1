"""The runtime loader: `Repository` resolves selectors to prompts read from git, with caches and metrics.

repository (Repository: resolution, refresh, tracing), compiler (a commit's prompt file -> compiled prompt,
the template LRU), diskcache (compiled prompts on disk), caches (LRU and TTL), loaded (LoadedPrompt),
variants (a label's traffic split), fallbacks, bookkeeping, remote (clone mirrors); its series live in
promptgit.observability.
Prompt files come through promptgit.sources.
May import sources, format, store, tokens, config, observability and the shared modules; never validation or
the CLI.
"""

from __future__ import annotations

from promptgit.loader.loaded import LoadedPrompt
from promptgit.loader.repository import Repository

__all__ = ["LoadedPrompt", "Repository"]
