"""Grafana building blocks for metrics/build_dashboards.py: panels, targets, variables, a dashboard."""

from __future__ import annotations

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
        _variable_query("job", "Job", "label_values(promptgit_loader_loads_total, job)"),
    ]
    if with_prompt:
        variables.append(
            _variable_query(
                "prompt", "Prompt", 'label_values(promptgit_loader_renders_total{job=~"$job"}, prompt)'
            )
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


def rate(metric: str, selector: str = f"{{{JOB}}}") -> str:
    return f"rate({metric}{selector}[$__rate_interval])"


def quantile(q: float, metric: str, by: str = "", selector: str = f"{{{JOB}}}") -> str:
    return f"histogram_quantile({q}, sum by (le{by}) ({rate(metric + '_bucket', selector)}))"


HIT_RATIO = (
    f"sum by (layer) ({rate('promptgit_loader_cache_hits_total')}) / "
    f"(sum by (layer) ({rate('promptgit_loader_cache_hits_total')})"
    f" + sum by (layer) ({rate('promptgit_loader_cache_misses_total')}))"
)
