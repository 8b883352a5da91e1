"""Write the Grafana dashboards in metrics/dashboards/ from the panel lists below.

Run `python metrics/build_dashboards.py` after changing a panel; tests/metrics checks the committed JSON is
what this script writes, and that every metric name used is one promptgit.observability.catalogue exports.
"""

from __future__ import annotations

import json
from typing import Any

from dashboard_cost import cost
from dashboard_experiments import experiments
from dashboard_llm import llm
from grafana import HERE, HIT_RATIO, JOB, SEL, Panel, dashboard, quantile, rate, stat, table, timeseries


def loads_by_source() -> Panel:
    return timeseries(
        "Loads by source",
        [(f"sum by (source) ({rate('promptgit_loader_loads_total')})", "{{source}}")],
        "reqps",
        "cache: from memory; git: read from git objects; fallback: the fallback template",
    )


def overview() -> dict[str, Any]:
    return dashboard(
        "promptgit-overview",
        "promptgit / Overview",
        [
            [
                stat("Renders / s", f"sum({rate('promptgit_loader_renders_total')})", "reqps"),
                stat(
                    "Render error ratio",
                    f"sum({rate('promptgit_loader_render_errors_total')})"
                    f" / sum({rate('promptgit_loader_render_duration_seconds_count')})",
                    "percentunit",
                ),
                stat(
                    "Cache hit ratio",
                    f"sum({rate('promptgit_loader_cache_hits_total')}) / "
                    f"(sum({rate('promptgit_loader_cache_hits_total')})"
                    f" + sum({rate('promptgit_loader_cache_misses_total')}))",
                    "percentunit",
                ),
                stat("Render p95", quantile(0.95, "promptgit_loader_render_duration_seconds"), "s"),
                stat(
                    "Fallbacks (range)", f"sum(increase(promptgit_loader_fallbacks_total{{{JOB}}}[$__range]))"
                ),
                stat(
                    "Refresh failures (range)",
                    f"sum(increase(promptgit_loader_refresh_failures_total{{{JOB}}}[$__range]))",
                ),
            ],
            [
                timeseries(
                    "Renders by prompt",
                    [(f"sum by (prompt) ({rate('promptgit_loader_renders_total')})", "{{prompt}}")],
                    "reqps",
                ),
                timeseries(
                    "Render errors by reason",
                    [(f"sum by (reason) ({rate('promptgit_loader_render_errors_total')})", "{{reason}}")],
                    "reqps",
                ),
            ],
            [
                timeseries(
                    "Render latency",
                    [
                        (quantile(0.5, "promptgit_loader_render_duration_seconds"), "p50"),
                        (quantile(0.95, "promptgit_loader_render_duration_seconds"), "p95"),
                        (quantile(0.99, "promptgit_loader_render_duration_seconds"), "p99"),
                    ],
                    "s",
                ),
                timeseries(
                    "Resolve latency (get)",
                    [
                        (quantile(0.5, "promptgit_loader_resolve_duration_seconds"), "p50"),
                        (quantile(0.95, "promptgit_loader_resolve_duration_seconds"), "p95"),
                    ],
                    "s",
                ),
                loads_by_source(),
            ],
            [
                table(
                    "What each replica serves",
                    f"max by (instance, ref, commit) (promptgit_loader_commit_info{{{JOB}}})"
                    " * on (instance) group_left (version)"
                    f" max by (instance, version) (promptgit_build_info{{{JOB}}})",
                    "The commit each replica's ref resolved to at its last refresh; its promptgit version",
                ),
                table(
                    "What each label serves",
                    f"max by (label, prompt, version, weight) (promptgit_loader_label_info{{{JOB}}})",
                    "Each label's prompt versions at the served commit, and a traffic split's weight (%)",
                ),
            ],
        ],
    )


def prompts() -> dict[str, Any]:
    return dashboard(
        "promptgit-prompts",
        "promptgit / Prompts: usage and tokens",
        [
            [
                timeseries(
                    "Renders by prompt and version",
                    [
                        (
                            f"sum by (prompt, version) ({rate('promptgit_loader_renders_total', SEL)})",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                    "reqps",
                ),
                timeseries(
                    "Estimated tokens / s by prompt and version",
                    [
                        (
                            "sum by (prompt, version) "
                            f"({rate('promptgit_loader_rendered_tokens_total', SEL)})",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                    "short",
                ),
            ],
            [
                timeseries(
                    "Average tokens per render",
                    [
                        (
                            "sum by (prompt, version) "
                            f"({rate('promptgit_loader_rendered_tokens_total', SEL)}) / "
                            f"sum by (prompt, version) ({rate('promptgit_loader_renders_total', SEL)})",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                ),
                timeseries(
                    "Render errors by prompt and reason",
                    [
                        (
                            f"sum by (prompt, reason) ({rate('promptgit_loader_render_errors_total', SEL)})",
                            "{{prompt}}: {{reason}}",
                        )
                    ],
                    "reqps",
                ),
                timeseries(
                    "Render p95 by prompt",
                    [
                        (
                            quantile(0.95, "promptgit_loader_render_duration_seconds", ", prompt", SEL),
                            "{{prompt}}",
                        )
                    ],
                    "s",
                ),
            ],
            [
                table(
                    "Renders and tokens in the time range",
                    "sum by (prompt, version) "
                    f"(increase(promptgit_loader_rendered_tokens_total{SEL}[$__range]))",
                    "Estimated tokens rendered per prompt version over the dashboard's time range",
                ),
                table(
                    "Fallbacks in the time range",
                    f"sum by (prompt, kind) (increase(promptgit_loader_fallbacks_total{SEL}[$__range])) > 0",
                ),
            ],
        ],
        with_prompt=True,
    )


def cache() -> dict[str, Any]:
    return dashboard(
        "promptgit-cache",
        "promptgit / Loader cache",
        [
            [
                timeseries("Hit ratio by layer", [(HIT_RATIO, "{{layer}}")], "percentunit"),
                timeseries(
                    "Hits and misses by layer",
                    [
                        (f"sum by (layer) ({rate('promptgit_loader_cache_hits_total')})", "hits {{layer}}"),
                        (
                            f"sum by (layer) ({rate('promptgit_loader_cache_misses_total')})",
                            "misses {{layer}}",
                        ),
                    ],
                    "reqps",
                ),
                timeseries(
                    "Entries by layer",
                    [(f"sum by (layer) (promptgit_loader_cache_entries{{{JOB}}})", "{{layer}}")],
                ),
            ],
            [
                loads_by_source(),
                timeseries(
                    "Refresh failures",
                    [
                        (
                            f"sum by (instance) ({rate('promptgit_loader_refresh_failures_total')})",
                            "{{instance}}",
                        )
                    ],
                    "reqps",
                    "Git reads that failed; the loader keeps serving last-known-good",
                ),
                timeseries(
                    "Fallbacks by kind",
                    [(f"sum by (kind) ({rate('promptgit_loader_fallbacks_total')})", "{{kind}}")],
                    "reqps",
                ),
            ],
        ],
    )


DASHBOARDS = {
    "overview.json": overview,
    "prompts.json": prompts,
    "cache.json": cache,
    "cost.json": cost,
    "llm.json": llm,
    "experiments.json": experiments,
}


def render_all() -> dict[str, str]:
    """File name -> JSON text of every dashboard, as committed in metrics/dashboards/."""
    return {name: json.dumps(build(), indent=2, sort_keys=True) + "\n" for name, build in DASHBOARDS.items()}


if __name__ == "__main__":
    for name, text in render_all().items():
        (HERE / "dashboards" / name).write_text(text, encoding="utf-8")
        print(f"wrote metrics/dashboards/{name}")
