"""Usage from a provider response (OpenAI's and Anthropic's field names), or promptgit's own count.

Token counts come from a peer: each must be a whole number from 0 to MAX_TOKENS, else UsageError names
the field. Checked before anything is counted, so a negative or absurd count never reaches a counter (a
counter refuses a negative increment after the paid call; 1e300 tokens would be a cost of 1.5e293 added
forever, and re-added as "saved" on every cache hit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptgit.format.templating import Rendered
from promptgit.llm.completion import Usage

# far above any call: the largest context windows are a few million tokens; a count past this is a fault
MAX_TOKENS = 1_000_000_000


class UsageError(ValueError):
    """A token count of the response that is not a count; `field` names it (`usage.prompt_tokens`)."""

    def __init__(self, field: str, value: object) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else f"{shown[:40]}... ({len(shown)} characters)"
        super().__init__(f"{field} is {shown}, not a token count from 0 to {MAX_TOKENS:,}")
        self.field = field


def response_usage(response: Mapping[str, Any]) -> Usage | None:
    """The usage the provider reported, or None when the response carries none; UsageError when a count
    is negative, not a whole number, or past MAX_TOKENS."""
    usage = response.get("usage")
    if not isinstance(usage, Mapping):
        return None
    if "prompt_tokens" in usage:  # OpenAI chat completions and the servers compatible with it
        details = usage.get("prompt_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        return Usage(
            input_tokens=_count(usage.get("prompt_tokens"), "usage.prompt_tokens"),
            output_tokens=_count(usage.get("completion_tokens"), "usage.completion_tokens"),
            cached_tokens=_count(cached, "usage.prompt_tokens_details.cached_tokens"),
        )
    if "input_tokens" in usage:  # OpenAI responses API, Anthropic messages
        details = usage.get("input_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        read = _count(usage.get("cache_read_input_tokens"), "usage.cache_read_input_tokens")
        return Usage(  # Anthropic counts cache reads beside input: both are input
            input_tokens=min(_count(usage.get("input_tokens"), "usage.input_tokens") + read, MAX_TOKENS),
            output_tokens=_count(usage.get("output_tokens"), "usage.output_tokens"),
            cached_tokens=min(_count(cached, "usage.input_tokens_details.cached_tokens") + read, MAX_TOKENS),
        )
    return None


def _count(value: object, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(field, value)
    if isinstance(value, float) and not value.is_integer():  # also NaN and the infinities
        raise UsageError(field, value)
    if not 0 <= value <= MAX_TOKENS:
        raise UsageError(field, value)
    return int(value)


def estimated_usage(rendered: Rendered, text: str, model: str | None) -> Usage:
    """promptgit.tokens' count of what was sent and received, for providers that report no usage."""
    from promptgit.tokens import count

    return Usage(
        input_tokens=count(rendered, model).tokens,
        output_tokens=count(text, model).tokens if text else 0,
        estimated=True,
    )
