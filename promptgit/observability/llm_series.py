"""The call path's series (`promptgit_llm_*`), counted like every other series (counting.py).

- promptgit_llm_calls_total{prompt, version, model, outcome}: outcome ok | error | invalid_output for
  provider calls, cached for answers from the response cache; the provider's error ratio leaves `cached`
  out (metrics/alerts.rules.yml);
- promptgit_llm_call_duration_seconds{prompt, model}: provider calls only (cache hits are not LLM calls);
- promptgit_llm_tokens_total{prompt, model, direction}: direction input | output | cached, as billed;
- promptgit_llm_cost_usd_total{prompt, model}: USD of the provider calls (models with a price);
- promptgit_llm_unpriced_calls_total{prompt, model}: provider calls whose model has no price (their cost is
  missing from the cost total: add a price in promptgit.yaml).
`model` is bounded by the caller (llm.prices.model_label: a model of the token or price table, or
`other`). Every outcome's child is created at a prompt version's first call, so an error ratio reads 0,
not "No data", and rate() sees the first error.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from promptgit.observability import catalogue
from promptgit.observability.bounds import bounded_int
from promptgit.observability.counting import Counter, Histogram

OUTCOMES = catalogue.LLM_OUTCOMES
CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class TokenUsage(Protocol):
    """What a call's usage says (llm.completion.Usage)."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cached_tokens(self) -> int: ...


@dataclass(frozen=True)
class LLMMetrics:
    calls: Counter
    duration: Histogram
    tokens: Counter
    cost: Counter
    unpriced: Counter
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _seen: set[tuple[str, str, str]] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def create(cls) -> LLMMetrics:
        return cls(
            calls=Counter(catalogue.LLM_CALLS),
            duration=Histogram(catalogue.LLM_CALL_DURATION, CALL_BUCKETS),
            tokens=Counter(catalogue.LLM_TOKENS),
            cost=Counter(catalogue.LLM_COST),
            unpriced=Counter(catalogue.LLM_UNPRICED),
        )

    def first_use(self, prompt: str, version: str, model: str) -> None:
        """Create the children of one prompt version and model at 0 (once; called by `called`)."""
        key = (prompt, version, model)
        if key in self._seen:
            return
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
        for outcome in OUTCOMES:
            self.calls.labels(prompt=prompt, version=version, model=model, outcome=outcome)
        for direction in catalogue.LLM_DIRECTIONS:
            self.tokens.labels(prompt=prompt, model=model, direction=direction)
        self.cost.labels(prompt=prompt, model=model)
        self.unpriced.labels(prompt=prompt, model=model)

    def called(
        self,
        prompt: str,
        version: str,
        model: str,
        outcome: str,
        seconds: float | None,
        usage: TokenUsage | None,
    ) -> None:
        """One complete(): its outcome, and for a provider call its latency and tokens."""
        self.first_use(prompt, version, model)
        self.calls.labels(prompt=prompt, version=version, model=model, outcome=outcome).inc()
        if seconds is not None:
            self.duration.labels(prompt=prompt, model=model).observe(seconds)
        if usage is not None:
            for direction, tokens in (
                ("input", usage.input_tokens),
                ("output", usage.output_tokens),
                ("cached", usage.cached_tokens),
            ):
                if tokens:
                    self.tokens.labels(prompt=prompt, model=model, direction=direction).inc(
                        bounded_int(tokens)
                    )

    def spent(self, prompt: str, model: str, cost_usd: float | None) -> None:
        """The cost of one answered provider call; None: its model has no price (counted as unpriced)."""
        if cost_usd is None:
            self.unpriced.labels(prompt=prompt, model=model).inc()
        elif cost_usd:
            self.cost.labels(prompt=prompt, model=model).inc(cost_usd)

    def collectors(self) -> tuple[Any, ...]:
        return (self.calls, self.duration, self.tokens, self.cost, self.unpriced)
