"""The LLM calls dashboard: call rate, errors and latency (p50/p95/p99) by model, and the response cache."""

from __future__ import annotations

from typing import Any

from grafana import JOB, SEL, dashboard, quantile, rate, stat, timeseries

CALLS = "promptgit_llm_calls_total"
DURATION = "promptgit_llm_call_duration_seconds"
FAILED = '{job=~"$job", prompt=~"$prompt", outcome=~"error|invalid_output"}'
PROVIDER = '{job=~"$job", prompt=~"$prompt", outcome!="cached"}'  # calls that reached the provider
ERRORS = '{job=~"$job", prompt=~"$prompt", outcome="error"}'
HITS = f"sum ({rate('promptgit_response_cache_hits_total', SEL)})"
MISSES = f"sum ({rate('promptgit_response_cache_misses_total', SEL)})"


def llm() -> dict[str, Any]:
    return dashboard(
        "promptgit-llm",
        "promptgit / LLM calls",
        [
            [
                stat("Calls / s", f"sum ({rate(CALLS, SEL)})", "reqps"),
                stat(
                    "Provider error ratio",
                    f"sum ({rate(CALLS, ERRORS)}) / sum ({rate(CALLS, PROVIDER)})",
                    "percentunit",
                    "Errors among the calls that reached the provider: cache hits left out, so an outage "
                    "shows at any hit rate",
                ),
                stat(
                    "User-facing failure ratio",
                    f"sum ({rate(CALLS, FAILED)}) / sum ({rate(CALLS, SEL)})",
                    "percentunit",
                    "complete() calls that failed, cache hits included: error (the provider raised) and "
                    "invalid_output (the answer failed its output schema)",
                ),
                stat("Call p95", quantile(0.95, DURATION, selector=SEL), "s"),
                stat("Response cache hit ratio", f"{HITS} / ({HITS} + {MISSES})", "percentunit"),
            ],
            [
                timeseries(
                    "Calls by model and outcome",
                    [(f"sum by (model, outcome) ({rate(CALLS, SEL)})", "{{model}} {{outcome}}")],
                    "reqps",
                    "outcome: ok, error, invalid_output, or cached (answered by the response cache)",
                ),
                timeseries(
                    "Failed calls by prompt",
                    [(f"sum by (prompt, outcome) ({rate(CALLS, FAILED)})", "{{prompt}}: {{outcome}}")],
                    "reqps",
                ),
            ],
            [
                timeseries(
                    "Call latency by model",
                    [
                        (quantile(0.5, DURATION, ", model", SEL), "p50 {{model}}"),
                        (quantile(0.95, DURATION, ", model", SEL), "p95 {{model}}"),
                        (quantile(0.99, DURATION, ", model", SEL), "p99 {{model}}"),
                    ],
                    "s",
                    "Provider calls only: a response-cache hit is not an LLM call",
                ),
                timeseries(
                    "Call latency p95 by prompt",
                    [(quantile(0.95, DURATION, ", prompt", SEL), "{{prompt}}")],
                    "s",
                ),
            ],
            [
                timeseries(
                    "Response cache hits and misses by prompt",
                    [
                        (
                            f"sum by (prompt) ({rate('promptgit_response_cache_hits_total', SEL)})",
                            "hits {{prompt}}",
                        ),
                        (
                            f"sum by (prompt) ({rate('promptgit_response_cache_misses_total', SEL)})",
                            "misses {{prompt}}",
                        ),
                    ],
                    "reqps",
                ),
                timeseries(
                    "Response cache backend errors",
                    [
                        (
                            f"sum by (backend, operation) ({rate('promptgit_response_cache_errors_total')})",
                            "{{backend}} {{operation}}",
                        )
                    ],
                    "reqps",
                    "The cache fails open: each error is a call made to the provider instead",
                ),
                timeseries(
                    "Response cache lookups skipped while backing off",
                    [
                        (
                            f"sum by (backend) ({rate('promptgit_response_cache_bypassed_total')})",
                            "{{backend}}",
                        )
                    ],
                    "reqps",
                    "After a backend fault the cache skips it for a second, then one call probes it: each "
                    "skipped lookup is a call made to the provider uncached",
                ),
                timeseries(
                    "Response cache entries by backend",
                    [(f"sum by (backend) (promptgit_response_cache_entries{{{JOB}}})", "{{backend}}")],
                ),
            ],
        ],
        with_prompt=True,
    )
