"""What `complete()` returns: the answer, its usage and cost, and which release of the prompt asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Usage:
    """Tokens of one call. `cached_tokens` are input tokens the provider served from its prompt cache
    (part of `input_tokens`); `estimated` is True when the provider reported none and promptgit counted."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def as_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies through recursion, a third of complete()'s own time
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "estimated": self.estimated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        """The usage stored with a cached answer (anything but a non-negative whole count reads as 0)."""
        return cls(
            input_tokens=_stored_count(data.get("input_tokens")),
            output_tokens=_stored_count(data.get("output_tokens")),
            cached_tokens=_stored_count(data.get("cached_tokens")),
            estimated=bool(data.get("estimated", False)),
        )


def _stored_count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


@dataclass(frozen=True)
class Completion:
    """One answer of `LLM.complete`.

    `text` is the first choice's content; `output` the parsed JSON when the prompt declares `output:` (else
    None); `response` the provider's response as JSON; `finish_reason` why the answer stopped (`stop`,
    `length`, ...); `latency_seconds` the whole call (a cache hit's is the lookup).
    `usage` and `cost_usd` are what this call spent: a cache hit (`cached` True) spent nothing, so its usage
    is zero and its cost 0.0, and what the hit saved (the usage and cost of the call that filled the entry)
    is in `saved_usage` and `saved_cost_usd` (None on a miss). `cost_usd` is None for a model without a
    price. `name`, `version`, `commit`, `blob_sha` identify the release of the prompt that produced it.
    """

    text: str
    output: Any
    response: dict[str, Any]
    usage: Usage
    cost_usd: float | None
    latency_seconds: float
    cached: bool
    model: str | None
    name: str
    version: str
    commit: str | None
    blob_sha: str | None
    cache_key: str | None  # None when no cache was consulted (no cache, or `cache: false`)
    finish_reason: str | None = None
    saved_usage: Usage | None = None
    saved_cost_usd: float | None = None
