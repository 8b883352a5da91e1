"""Usage from a provider response (OpenAI's and Anthropic's field names), or promptgit's own count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptgit.format.templating import Rendered
from promptgit.llm.completion import Usage


def response_usage(response: Mapping[str, Any]) -> Usage | None:
    """The usage the provider reported, or None when the response carries none."""
    usage = response.get("usage")
    if not isinstance(usage, Mapping):
        return None
    if "prompt_tokens" in usage:  # OpenAI chat completions and the servers compatible with it
        details = usage.get("prompt_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        return Usage(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            cached_tokens=int(cached or 0),
        )
    if "input_tokens" in usage:  # OpenAI responses API, Anthropic messages
        details = usage.get("input_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        read = int(usage.get("cache_read_input_tokens") or 0)  # Anthropic counts these beside input
        return Usage(
            input_tokens=int(usage.get("input_tokens") or 0) + read,
            output_tokens=int(usage.get("output_tokens") or 0),
            cached_tokens=int(cached or 0) + read,
        )
    return None


def estimated_usage(rendered: Rendered, text: str, model: str | None) -> Usage:
    """promptgit.tokens' count of what was sent and received, for providers that report no usage."""
    from promptgit.tokens import count

    return Usage(
        input_tokens=count(rendered, model).tokens,
        output_tokens=count(text, model).tokens if text else 0,
        estimated=True,
    )
