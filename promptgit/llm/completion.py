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
        return cls(
            input_tokens=int(data.get("input_tokens") or 0),
            output_tokens=int(data.get("output_tokens") or 0),
            cached_tokens=int(data.get("cached_tokens") or 0),
            estimated=bool(data.get("estimated", False)),
        )


@dataclass(frozen=True)
class Completion:
    """One answer of `promptgit.llm.complete`.

    `text` is the first choice's content; `output` the parsed JSON when the prompt declares `output:` (else
    None); `response` the provider's response as JSON; `cost_usd` None when the model has no price;
    `latency_seconds` the whole call (a cache hit's is the lookup); `cached` True when the cache answered,
    in which case usage and cost are those of the call that filled it (nothing was spent now).
    `name`, `version`, `commit`, `blob_sha` identify the release of the prompt that produced it.
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
