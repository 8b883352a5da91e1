"""Prices per million tokens (promptgit/data/models.yaml `prices:`, promptgit.yaml `models: {m: {price:}}`)
and the cost of one call computed from its usage.

Beside the model table (models.py) because both are data about models: the call path (promptgit.llm)
prices its calls with it, and validation warns about a prompt whose model has no price (PG214)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from promptgit.config import Config
from promptgit.tokens.models import builtin_data


class TokenCounts(Protocol):
    """What a price applies to: promptgit.llm.Usage, or any object with these counts."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cached_tokens(self) -> int: ...


# a snapshot or alias of a model: gpt-4o-mini-2024-07-18, claude-3-5-sonnet-20241022, gemini-2.0-flash-001,
# claude-3-5-sonnet-latest
_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3}|latest)$")


@dataclass(frozen=True)
class Price:
    """USD per million tokens; `cached_input` None means cached input is billed as input."""

    input: float
    output: float
    cached_input: float | None = None
    as_of: str | None = None
    source: str | None = None

    def cost(self, usage: TokenCounts) -> float:
        """The cost in USD of `usage` (cached input tokens are part of input_tokens, as OpenAI counts)."""
        cached = min(usage.cached_tokens, usage.input_tokens)
        cached_price = self.input if self.cached_input is None else self.cached_input
        return (
            (usage.input_tokens - cached) * self.input
            + cached * cached_price
            + usage.output_tokens * self.output
        ) / 1_000_000


@dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Price]

    def lookup(self, model: str | None) -> Price | None:
        """The price of `model` by name, else of the model a dated snapshot is of; None if unknown."""
        if not model:
            return None
        found = self.prices.get(model)
        if found is None and _DATED.search(model):
            found = self.prices.get(_DATED.sub("", model))
        return found

    def cost(self, model: str | None, usage: TokenCounts) -> float | None:
        price = self.lookup(model)
        return None if price is None else price.cost(usage)

    def priced(self, model: str | None) -> bool:
        return self.lookup(model) is not None

    def with_config(self, config: Config) -> PriceTable:
        """This table plus the `price:` of promptgit.yaml's `models:` entries, which win."""
        added = {
            name: _price(fields["price"])
            for name, fields in config.models.items()
            if isinstance(fields.get("price"), Mapping)
        }
        return PriceTable({**self.prices, **added}) if added else self


def _price(fields: Mapping[str, Any]) -> Price:
    cached = fields.get("cached_input")
    as_of = fields.get("as_of")
    return Price(
        input=float(fields["input"]),
        output=float(fields["output"]),
        cached_input=None if cached is None else float(cached),
        as_of=None if as_of is None else str(as_of),
        source=fields.get("source"),
    )


@lru_cache(maxsize=1)
def builtin_prices() -> PriceTable:
    """The `prices:` section of promptgit/data/models.yaml (parsed once, with the model table)."""
    prices = builtin_data().get("prices") or {}
    return PriceTable({str(name): _price(fields) for name, fields in prices.items()})


def price_table(config: Config | None = None) -> PriceTable:
    """The built-in prices plus a repository's, e.g. `price_table(load_config(root))`."""
    table = builtin_prices()
    return table if config is None else table.with_config(config)


def model_label(model: str | None, prices: PriceTable) -> str:
    """The `model` label of the call path's series: `model` when the token or price table knows it, else
    `other` (keeps the label's values bounded whatever a caller or provider names)."""
    if not model:
        return "other"
    from promptgit.tokens import model_table

    return model if prices.lookup(model) is not None or model_table().lookup(model).known else "other"
