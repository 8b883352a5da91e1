"""What a response cache has done since it was created, in the seed's fields plus the savings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CacheStats:
    """Counts of one ResponseCache object; `entries` is the backend's (shared by every user of it),
    None when the backend cannot be reached."""

    entries: int | None
    hits: int
    misses: int
    tokens_saved: int
    cost_saved_usd: float

    @property
    def total_requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        return self.hits / self.total_requests if self.total_requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Every field, the derived ones included, e.g. for JSON."""
        return {**asdict(self), "hit_rate": self.hit_rate, "total_requests": self.total_requests}


def saved_by(value: dict[str, Any]) -> tuple[int, float]:
    """(tokens, USD) a hit on `value` did not spend: usage.input_tokens + output_tokens, cost_usd."""
    try:
        usage = value["usage"]
        tokens = usage["input_tokens"] + usage["output_tokens"]
    except (KeyError, TypeError):
        tokens = 0
    cost = value.get("cost_usd")
    return (
        tokens if isinstance(tokens, int) and tokens >= 0 else 0,
        float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0 else 0.0,
    )
