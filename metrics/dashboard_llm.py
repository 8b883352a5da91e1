"""The `promptgit / LLM calls` dashboard: calls by outcome, latency, tokens and cost of promptgit.llm, and
what the response cache answered and saved."""

from __future__ import annotations

from typing import Any

from grafana import JOB, dashboard, quantile, rate, stat, timeseries

FAILED = "{" + JOB + ',outcome=~"error|invalid_output"}'
RESPONSE_HIT_RATIO = (
    f"sum({rate('promptgit_response_cache_hits_total')}) / "
    f"(sum({rate('promptgit_response_cache_hits_total')})"
    f" + sum({rate('promptgit_response_cache_misses_total')}))"
)


def llm() -> dict[str, Any]:
    return dashboard(
        "promptgit-llm",
        "promptgit / LLM calls",
        [
            [
                stat("Calls / s", f"sum({rate('promptgit_llm_calls_total')})", "reqps"),
                stat(
                    "Error ratio",
                    f"sum({rate('promptgit_llm_calls_total', FAILED)})"
                    f" / sum({rate('promptgit_llm_calls_total')})",
                    "percentunit",
                ),
                stat("Response cache hit ratio", RESPONSE_HIT_RATIO, "percentunit"),
                stat("Call p95", quantile(0.95, "promptgit_llm_call_duration_seconds"), "s"),
                stat(
                    "Cost (range)",
                    f"sum(increase(promptgit_llm_cost_usd_total{{{JOB}}}[$__range]))",
                    "currencyUSD",
                ),
                stat(
                    "Cost saved (range)",
                    f"sum(increase(promptgit_cache_cost_saved_usd_total{{{JOB}}}[$__range]))",
                    "currencyUSD",
                ),
            ],
            [
                timeseries(
                    "Calls by outcome",
                    [(f"sum by (outcome) ({rate('promptgit_llm_calls_total')})", "{{outcome}}")],
                    "reqps",
                    "ok: answered by the provider; cached: by the response cache; error: the provider "
                    "failed; invalid_output: the answer failed the prompt's output schema",
                ),
                timeseries(
                    "Call latency p50 / p95 by model",
                    [
                        (quantile(0.5, "promptgit_llm_call_duration_seconds", ", model"), "p50 {{model}}"),
                        (quantile(0.95, "promptgit_llm_call_duration_seconds", ", model"), "p95 {{model}}"),
                    ],
                    "s",
                ),
                timeseries(
                    "Tokens by direction",
                    [(f"sum by (direction) ({rate('promptgit_llm_tokens_total')})", "{{direction}}")],
                    "short",
                    "input includes cached: input tokens the provider served from its prompt cache",
                ),
            ],
            [
                timeseries(
                    "Cost by prompt (USD / s)",
                    [(f"sum by (prompt) ({rate('promptgit_llm_cost_usd_total')})", "{{prompt}}")],
                    "currencyUSD",
                ),
                timeseries(
                    "Saved by the response cache",
                    [
                        (f"sum({rate('promptgit_cache_tokens_saved_total')})", "tokens / s"),
                        (f"sum({rate('promptgit_cache_cost_saved_usd_total')})", "USD / s"),
                    ],
                ),
                timeseries(
                    "Response cache hits and misses by prompt",
                    [
                        (
                            f"sum by (prompt) ({rate('promptgit_response_cache_hits_total')})",
                            "hits {{prompt}}",
                        ),
                        (
                            f"sum by (prompt) ({rate('promptgit_response_cache_misses_total')})",
                            "misses {{prompt}}",
                        ),
                    ],
                    "reqps",
                ),
            ],
            [
                timeseries(
                    "Response cache backend errors",
                    [
                        (
                            f"sum by (backend, operation) ({rate('promptgit_response_cache_errors_total')})",
                            "{{backend}} {{operation}}",
                        )
                    ],
                    "reqps",
                    "Faults of the backend; calls go through uncached meanwhile (fail-open)",
                ),
                timeseries(
                    "Response cache entries",
                    [(f"sum by (backend) (promptgit_response_cache_entries{{{JOB}}})", "{{backend}}")],
                ),
            ],
        ],
    )
