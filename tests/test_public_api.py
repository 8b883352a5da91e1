"""The public API, listed: what applications import. A change here is a change users see."""

from __future__ import annotations

import subprocess
import sys

import promptgit
import promptgit.tokens

PUBLIC = {
    "Completion",
    "GitError",
    "InputValidationError",
    "LLM",
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
}


def test_the_package_exports_exactly_the_public_api() -> None:
    assert set(promptgit.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(promptgit, name) is not None


def test_errors_share_one_base() -> None:
    for name in PUBLIC:
        value = getattr(promptgit, name)
        if isinstance(value, type) and name.endswith("Error"):
            assert issubclass(value, promptgit.PromptgitError)


def test_lazy_names_resolve_to_their_home_modules() -> None:
    assert promptgit.Repository.__module__ == "promptgit.loader.repository"
    assert promptgit.Prompt.__module__ == "promptgit.format.prompt"
    assert promptgit.start_http_server.__module__ == "promptgit.observability.exposition"
    assert promptgit.complete.__module__ == promptgit.acomplete.__module__ == "promptgit.llm.complete"
    assert promptgit.Completion.__module__ == "promptgit.llm.completion"
    assert promptgit.LLM.__module__ == "promptgit.llm.client"
    assert promptgit.ResponseCache.__module__ == "promptgit.llm.cache.response_cache"
    assert promptgit.tokens.count("Hello world").tokens > 0


def test_importing_the_package_opens_nothing_heavy() -> None:
    # serverless functions and short CLI runs pay every import: the package alone loads no git, Jinja or
    # Prometheus client until a name that needs them is used
    heavy = "('git', 'jinja2', 'prometheus_client')"
    code = f"import sys, promptgit; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
