"""Token estimation: one interface, exact (tiktoken, offline only) or heuristic, and the model table.

May import format, store, config and the shared modules; validation and the loader build on it.

>>> from promptgit.tokens import count
>>> count("Hello world").tokens
2
"""

from __future__ import annotations

from promptgit.tokens.counting import TokenCount, count
from promptgit.tokens.models import ModelInfo, ModelTable, model_table

__all__ = ["ModelInfo", "ModelTable", "TokenCount", "count", "model_table"]
