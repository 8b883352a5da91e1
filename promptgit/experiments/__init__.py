"""Experiments: a label's traffic split against what Prometheus counted, and which variant is better.

    report = report_from_prometheus("content/hook", "production", split, "http://prometheus:9090", "1h")
    print(as_text(report))

May import the shared modules, config, format, store, loader and observability; never validation or the CLI.
"""

from __future__ import annotations

from promptgit.experiments.comparison import ExperimentReport, build_report, report_from_prometheus
from promptgit.experiments.printing import FORMATS, as_json, as_markdown, as_text

__all__ = [
    "FORMATS",
    "ExperimentReport",
    "as_json",
    "as_markdown",
    "as_text",
    "build_report",
    "report_from_prometheus",
]
