"""Token budget rules (placeholder: yields nothing until the tokens issue builds it)."""

from __future__ import annotations

from collections.abc import Iterator

from promptgit.config import Config
from promptgit.findings import Finding
from promptgit.prompt import Prompt, PromptDocument


def check_tokens(document: PromptDocument, prompt: Prompt, config: Config) -> Iterator[Finding]:
    """Findings PG4xx for the sample render of `prompt` against its budget and the model's window."""
    return iter(())
