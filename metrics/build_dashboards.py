"""Write the Grafana dashboards in metrics/dashboards/ from the panel lists below.

Run `python metrics/build_dashboards.py` after changing a panel; tests/metrics checks the committed JSON is
what this script writes, and that every metric name used is one promptgit.loader.metrics exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
JOB = 'job=~"$job"'
SEL = '{job=~"$job", prompt=~"$prompt"}'
Panel = dict[str, Any]


def _target(expr: str, legend: str = "", ref: str = "A", instant: bool = False) -> dict[str, Any]:
    target: dict[str, Any] = {
        "datasource": DATASOURCE,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "refId": ref,
    }
    if instant:
        target.update({"instant": True, "range": False, "format": "table"})
    return target


def timeseries(
    title: str, targets: list[tuple[str, str]], unit: str = "short", description: str = ""
) -> Panel:
    refs = "ABCDEFGH"
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, legend, refs[i]) for i, (expr, legend) in enumerate(targets)],
        "fieldConfig": {
            "defaults": {"unit": unit, "custom": {"lineWidth": 1, "fillOpacity": 10}},
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
    }


def stat(title: str, expr: str, unit: str = "short", description: str = "") -> Panel:
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr)],
        "fieldConfig": {"defaults": {"unit": unit, "decimals": 2}, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
        },
    }


def table(title: str, expr: str, description: str = "") -> Panel:
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, instant=True)],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"showHeader": True},
        "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
    }


def _variable_query(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": f"{name}-query"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
        "hide": 0,
        "options": [],
        "regex": "",
    }


def dashboard(uid: str, title: str, rows: list[list[Panel]], with_prompt: bool = False) -> dict[str, Any]:
    variables: list[dict[str, Any]] = [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
            "refresh": 1,
            "options": [],
            "regex": "",
        },
        _variable_query("job", "Job", "label_values(promptgit_loads_total, job)"),
    ]
    if with_prompt:
        variables.append(
            _variable_query("prompt", "Prompt", 'label_values(promptgit_renders_total{job=~"$job"}, prompt)')
        )
    panels: list[Panel] = []
    y = 0
    for row in rows:
        width = 24 // len(row)
        height = 4 if all(panel["type"] == "stat" for panel in row) else 8
        for column, panel in enumerate(row):
            panel = {
                "id": len(panels) + 1,
                "gridPos": {"h": height, "w": width, "x": column * width, "y": y},
                **panel,
            }
            panels.append(panel)
        y += height
    return {
        "uid": uid,
        "title": title,
        "tags": ["promptgit"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {"list": variables},
        "panels": panels,
    }


def _rate(metric: str, selector: str = f"{{{JOB}}}") -> str:
    return f"rate({metric}{selector}[$__rate_interval])"


def _p(quantile: float, metric: str, by: str = "", selector: str = f"{{{JOB}}}") -> str:
    return f"histogram_quantile({quantile}, sum by (le{by}) ({_rate(metric + '_bucket', selector)}))"


HIT_RATIO = (
    f"sum by (layer) ({_rate('promptgit_cache_hits_total')}) / "
    f"(sum by (layer) ({_rate('promptgit_cache_hits_total')})"
    f" + sum by (layer) ({_rate('promptgit_cache_misses_total')}))"
)


def loads_by_source() -> Panel:
    return timeseries(
        "Loads by source",
        [(f"sum by (source) ({_rate('promptgit_loads_total')})", "{{source}}")],
        "reqps",
        "cache: from memory; git: read from git objects; fallback: the fallback template",
    )


def overview() -> dict[str, Any]:
    return dashboard(
        "promptgit-overview",
        "promptgit / Overview",
        [
            [
                stat("Renders / s", f"sum({_rate('promptgit_renders_total')})", "reqps"),
                stat(
                    "Render error ratio",
                    f"sum({_rate('promptgit_render_errors_total')})"
                    f" / sum({_rate('promptgit_render_duration_seconds_count')})",
                    "percentunit",
                ),
                stat(
                    "Cache hit ratio",
                    f"sum({_rate('promptgit_cache_hits_total')}) / "
                    f"(sum({_rate('promptgit_cache_hits_total')})"
                    f" + sum({_rate('promptgit_cache_misses_total')}))",
                    "percentunit",
                ),
                stat("Render p95", _p(0.95, "promptgit_render_duration_seconds"), "s"),
                stat("Fallbacks (range)", f"sum(increase(promptgit_fallbacks_total{{{JOB}}}[$__range]))"),
                stat(
                    "Refresh failures (range)",
                    f"sum(increase(promptgit_refresh_failures_total{{{JOB}}}[$__range]))",
                ),
            ],
            [
                timeseries(
                    "Renders by prompt",
                    [(f"sum by (prompt) ({_rate('promptgit_renders_total')})", "{{prompt}}")],
                    "reqps",
                ),
                timeseries(
                    "Render errors by reason",
                    [(f"sum by (reason) ({_rate('promptgit_render_errors_total')})", "{{reason}}")],
                    "reqps",
                ),
            ],
            [
                timeseries(
                    "Render latency",
                    [
                        (_p(0.5, "promptgit_render_duration_seconds"), "p50"),
                        (_p(0.95, "promptgit_render_duration_seconds"), "p95"),
                        (_p(0.99, "promptgit_render_duration_seconds"), "p99"),
                    ],
                    "s",
                ),
                timeseries(
                    "Resolve latency (get)",
                    [
                        (_p(0.5, "promptgit_resolve_duration_seconds"), "p50"),
                        (_p(0.95, "promptgit_resolve_duration_seconds"), "p95"),
                    ],
                    "s",
                ),
                loads_by_source(),
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
                            f"sum by (prompt, version) ({_rate('promptgit_renders_total', SEL)})",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                    "reqps",
                ),
                timeseries(
                    "Estimated tokens / s by prompt and version",
                    [
                        (
                            f"sum by (prompt, version) ({_rate('promptgit_rendered_tokens_total', SEL)})",
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
                            f"sum by (prompt, version) ({_rate('promptgit_rendered_tokens_total', SEL)}) / "
                            f"sum by (prompt, version) ({_rate('promptgit_renders_total', SEL)})",
                            "{{prompt}}@{{version}}",
                        )
                    ],
                ),
                timeseries(
                    "Render errors by prompt and reason",
                    [
                        (
                            f"sum by (prompt, reason) ({_rate('promptgit_render_errors_total', SEL)})",
                            "{{prompt}}: {{reason}}",
                        )
                    ],
                    "reqps",
                ),
                timeseries(
                    "Render p95 by prompt",
                    [(_p(0.95, "promptgit_render_duration_seconds", ", prompt", SEL), "{{prompt}}")],
                    "s",
                ),
            ],
            [
                table(
                    "Renders and tokens in the time range",
                    f"sum by (prompt, version) (increase(promptgit_rendered_tokens_total{SEL}[$__range]))",
                    "Estimated tokens rendered per prompt version over the dashboard's time range",
                ),
                table(
                    "Fallbacks in the time range",
                    f"sum by (prompt, kind) (increase(promptgit_fallbacks_total{SEL}[$__range])) > 0",
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
                        (f"sum by (layer) ({_rate('promptgit_cache_hits_total')})", "hits {{layer}}"),
                        (f"sum by (layer) ({_rate('promptgit_cache_misses_total')})", "misses {{layer}}"),
                    ],
                    "reqps",
                ),
                timeseries(
                    "Entries by layer", [(f"sum by (layer) (promptgit_cache_entries{{{JOB}}})", "{{layer}}")]
                ),
            ],
            [
                loads_by_source(),
                timeseries(
                    "Refresh failures",
                    [(f"sum by (instance) ({_rate('promptgit_refresh_failures_total')})", "{{instance}}")],
                    "reqps",
                    "Git reads that failed; the loader keeps serving last-known-good",
                ),
                timeseries(
                    "Fallbacks by kind",
                    [(f"sum by (kind) ({_rate('promptgit_fallbacks_total')})", "{{kind}}")],
                    "reqps",
                ),
            ],
        ],
    )


DASHBOARDS = {"overview.json": overview, "prompts.json": prompts, "cache.json": cache}


def render_all() -> dict[str, str]:
    """File name -> JSON text of every dashboard, as committed in metrics/dashboards/."""
    return {name: json.dumps(build(), indent=2, sort_keys=True) + "\n" for name, build in DASHBOARDS.items()}


if __name__ == "__main__":
    for name, text in render_all().items():
        (HERE / "dashboards" / name).write_text(text, encoding="utf-8")
        print(f"wrote metrics/dashboards/{name}")
