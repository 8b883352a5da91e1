"""The cost dashboard: tokens by model and prompt, cost per hour and per day, cache savings, top prompts.

Costs are promptgit's estimates (promptgit_llm_cost_usd_total: the price table times the usage the provider
reported); savings are what response-cache hits would have cost (promptgit_cache_*_saved_total).
"""

from __future__ import annotations

from typing import Any

from grafana import SEL, Panel, dashboard, stat, table, timeseries

COST = "promptgit_llm_cost_usd_total"
TOKENS = "promptgit_llm_tokens_total"
SAVED_USD = "promptgit_response_cache_cost_saved_usd_total"
SAVED_TOKENS = "promptgit_response_cache_tokens_saved_total"


def per_hour(metric: str, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}{SEL}[$__rate_interval])) * 3600"


def in_range(metric: str, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (increase({metric}{SEL}[$__range]))"


def headline() -> list[Panel]:
    return [
        stat("Estimated cost / hour", per_hour(COST), "currencyUSD"),
        stat("Estimated cost / day", f"sum (rate({COST}{SEL}[$__rate_interval])) * 86400", "currencyUSD"),
        stat("Cost in the time range", in_range(COST), "currencyUSD"),
        stat("Saved by the response cache (range)", in_range(SAVED_USD), "currencyUSD"),
        stat("Tokens saved (range)", in_range(SAVED_TOKENS)),
    ]


def cost() -> dict[str, Any]:
    return dashboard(
        "promptgit-cost",
        "promptgit / Cost: tokens, spend, cache savings",
        [
            headline(),
            [
                timeseries(
                    "Tokens / s by model and direction",
                    [
                        (
                            f"sum by (model, direction) (rate({TOKENS}{SEL}[$__rate_interval]))",
                            "{{model}} {{direction}}",
                        )
                    ],
                    "short",
                    "input and output as billed; cached: input served from the provider's prompt cache",
                ),
                timeseries(
                    "Tokens / s by prompt",
                    [(f"sum by (prompt) (rate({TOKENS}{SEL}[$__rate_interval]))", "{{prompt}}")],
                ),
            ],
            [
                timeseries("Cost per hour by model", [(per_hour(COST, "model"), "{{model}}")], "currencyUSD"),
                timeseries(
                    "Unpriced calls per hour by model",
                    [(per_hour("promptgit_llm_unpriced_calls_total", "model"), "{{model}}")],
                    "short",
                    "Provider calls whose model has no price: their cost is missing from every cost panel "
                    "(add the model's price in promptgit.yaml)",
                ),
                timeseries(
                    "Cost per hour by prompt", [(per_hour(COST, "prompt"), "{{prompt}}")], "currencyUSD"
                ),
            ],
            [
                timeseries(
                    "Response cache savings per hour",
                    [(per_hour(SAVED_USD, "prompt"), "{{prompt}}")],
                    "currencyUSD",
                    "What the answers served from the response cache cost when they were first computed",
                ),
                timeseries(
                    "Tokens saved / s by prompt and version",
                    [
                        (
                            f"sum by (prompt, version) (rate({SAVED_TOKENS}{SEL}[$__rate_interval]))",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                ),
            ],
            [
                table(
                    "Top prompts by cost (range)",
                    f"topk(10, {in_range(COST, 'prompt')})",
                    "The ten prompts that cost the most over the dashboard's time range, in USD",
                ),
                table(
                    "Cost by prompt and model (range)",
                    f"{in_range(COST, 'prompt, model')}",
                    "USD spent per prompt and model over the dashboard's time range",
                ),
            ],
        ],
        with_prompt=True,
    )
