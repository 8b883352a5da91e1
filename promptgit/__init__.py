"""promptgit: git as the prompt manager.

The runtime API, for applications:

    import promptgit

    repo = promptgit.Repository("/srv/prompts")          # or promptgit.Repository.clone(url)
    prompt = repo.get("content/hook@production")          # or name, name@1.2.3, name@^1.2, name@worktree
    messages = prompt.render(topic="sourdough")           # str for text prompts, [{role, content}] for chat
    llm = promptgit.LLM(repo, client=openai.OpenAI(), cache=promptgit.ResponseCache())
    answer = llm.complete("content/hook@production", key=user_id, inputs={"topic": "sourdough"})

Every expected failure is a `PromptgitError`. Importing this package opens no repository and registers
no metric: `Repository`, `Prompt`, `LLM`, `ResponseCache`, `complete`, `acomplete`, `Completion` and
`start_http_server` are imported on first use.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from promptgit.errors import (
    GitError,
    InputValidationError,
    LLMCallError,
    OutputValidationError,
    PromptgitError,
    PromptNotFoundError,
    RenderError,
    SelectorError,
)

if TYPE_CHECKING:
    from promptgit.format.prompt import Prompt
    from promptgit.llm.cache import ResponseCache
    from promptgit.llm.client import LLM
    from promptgit.llm.complete import acomplete, complete
    from promptgit.llm.completion import Completion
    from promptgit.loader.repository import Repository
    from promptgit.observability.exposition import start_http_server

__version__ = "0.1.0"

# a library logs, the application decides where logs go: without this, Python's last-resort handler would
# print the loader's warnings ("render failed: ...") to stderr of an application that configured no logging
logging.getLogger("promptgit").addHandler(logging.NullHandler())

__all__ = [
    "LLM",
    "Completion",
    "GitError",
    "InputValidationError",
    "LLMCallError",
    "OutputValidationError",
    "Prompt",
    "PromptNotFoundError",
    "PromptgitError",
    "RenderError",
    "Repository",
    "ResponseCache",
    "SelectorError",
    "__version__",
    "acomplete",
    "complete",
    "start_http_server",
]

_LAZY = {
    "Repository": "promptgit.loader.repository",
    "Prompt": "promptgit.format.prompt",
    "start_http_server": "promptgit.observability.exposition",
    "ResponseCache": "promptgit.llm.cache",
    "LLM": "promptgit.llm.client",
    "complete": "promptgit.llm.complete",
    "acomplete": "promptgit.llm.complete",
    "Completion": "promptgit.llm.completion",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promptgit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
