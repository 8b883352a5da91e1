"""Prometheus metrics of the call path, on an injected registry (one set per registry, none at import).

- promptgit_llm_calls_total{prompt, version, model, outcome}: outcome ok | error | invalid_output | cached
- promptgit_llm_call_duration_seconds{prompt, model}: provider calls only (cache hits are not LLM calls)
- promptgit_llm_tokens_total{prompt, model, direction}: direction input | output | cached, as billed
- promptgit_llm_cost_usd_total{prompt, model}: USD of the provider calls (models with a price)
- promptgit_llm_unpriced_calls_total{prompt, model}: provider calls whose model has no price (their cost is
  missing from the cost total: add a price in promptgit.yaml)
`model` is a model of the token or price table, or `other`, so the label stays bounded.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from promptgit.llm.completion import Usage
from promptgit.tokens.prices import PriceTable

OUTCOMES = ("ok", "error", "invalid_output", "cached")
CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True)
class LLMMetrics:
    calls: Counter
    duration: Histogram
    tokens: Counter
    cost: Counter
    unpriced: Counter

    def called(
        self, prompt: str, version: str, model: str, outcome: str, seconds: float | None, usage: Usage | None
    ) -> None:
        """One complete(): its outcome, and for a provider call its latency, tokens and `usage`'s cost."""
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
                    self.tokens.labels(prompt=prompt, model=model, direction=direction).inc(tokens)

    def spent(self, prompt: str, model: str, cost_usd: float | None) -> None:
        """The cost of one answered provider call; None: its model has no price (counted as unpriced)."""
        if cost_usd is None:
            self.unpriced.labels(prompt=prompt, model=model).inc()
        elif cost_usd:
            self.cost.labels(prompt=prompt, model=model).inc(cost_usd)


def model_label(model: str | None, prices: PriceTable) -> str:
    """`model` when the token or price table knows it, else `other` (keeps the label's values bounded)."""
    if not model:
        return "other"
    from promptgit.tokens import model_table

    return model if prices.lookup(model) is not None or model_table().lookup(model).known else "other"


_lock = threading.Lock()
_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, LLMMetrics] = weakref.WeakKeyDictionary()


def llm_metrics(registry: CollectorRegistry | None = None) -> LLMMetrics:
    """The call metrics on `registry` (default: prometheus_client's global REGISTRY), created on first use."""
    target = REGISTRY if registry is None else registry
    with _lock:
        found = _by_registry.get(target)
        if found is None:
            found = _create(target)
            _by_registry[target] = found
        return found


def _create(registry: CollectorRegistry) -> LLMMetrics:
    return LLMMetrics(
        calls=Counter(
            "promptgit_llm_calls",
            "complete() calls by outcome: ok, error, invalid_output, cached",
            ["prompt", "version", "model", "outcome"],
            registry=registry,
        ),
        duration=Histogram(
            "promptgit_llm_call_duration_seconds",
            "Latency of provider calls",
            ["prompt", "model"],
            buckets=CALL_BUCKETS,
            registry=registry,
        ),
        tokens=Counter(
            "promptgit_llm_tokens",
            "Tokens of provider calls by direction: input, output, cached (input from the provider's cache)",
            ["prompt", "model", "direction"],
            registry=registry,
        ),
        cost=Counter(
            "promptgit_llm_cost_usd", "Cost in USD of provider calls", ["prompt", "model"], registry=registry
        ),
        unpriced=Counter(
            "promptgit_llm_unpriced_calls",
            "Provider calls whose model has no price, so their cost is not in promptgit_llm_cost_usd_total",
            ["prompt", "model"],
            registry=registry,
        ),
    )
