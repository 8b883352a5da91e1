"""An ExperimentReport as text (a terminal), markdown (a PR comment or job summary) or JSON."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from promptgit.experiments.comparison import (
    KEYS,
    SIGNIFICANT,
    TOO_SMALL,
    Comparison,
    ExperimentReport,
    OutcomeResult,
)
from promptgit.format.quoting import printable
from promptgit.store.traffic_split import Split


def as_json(report: ExperimentReport) -> str:
    def clean(value: Any) -> Any:  # JSON has no NaN: an empty window's shares are null
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return json.dumps(clean(dataclasses.asdict(report)), indent=2) + "\n"


def as_text(report: ExperimentReport) -> str:
    return _render(report, _text_table)


def as_markdown(report: ExperimentReport) -> str:
    return _render(report, _markdown_table, heading="### ")


def _render(report: ExperimentReport, table: Any, heading: str = "") -> str:
    split = Split(tuple(report.split.items()))
    confidence = f"{report.confidence:.0%}"
    lines = [
        f"{heading}{report.prompt}@{report.label}: {split} over the last {report.window}",
        "",
        f"control: {report.control} (the split's lowest version unless --control names another)",
        "",
    ]
    rows = [
        [
            t.version,
            f"{t.weight}%",
            _percent(t.observed),
            _count(t.renders),
            _count(t.keys) if report.traffic_basis == KEYS else "-",
            "MISMATCH" if t.mismatch else "ok",
        ]
        for t in report.traffic
    ]
    lines += table(["variant", "weight", "traffic (observed)", "renders", "keys", "traffic check"], rows)
    if report.traffic_basis == KEYS:
        lines += [
            "",
            "traffic check: on distinct keys (each key's first assignment; returning users count once)",
        ]
    else:
        lines += [
            "",
            "traffic check: on renders, since no keys were counted "
            "(promptgit_loader_split_assignments_total); "
            "returning users make it raise false alarms, so treat a mismatch with care",
        ]
    if any(t.mismatch for t in report.traffic):
        lines += [
            "",
            "MISMATCH: the observed traffic is too far from the weights to be chance (p < 0.001): something "
            "besides the split decides who gets which version, and the comparisons below may be biased",
        ]
    if not report.outcomes:
        lines += ["", "no outcomes recorded for these versions in the window (repo.record_outcome)"]
    for outcome in report.outcomes:
        lines += [
            "",
            *_outcome_lines(outcome, confidence, table, heading),
            "",
            _clustering_note(report, outcome),
        ]
    # outcome names and versions come from Prometheus's labels: a terminal escape in one must show as text
    return "\n".join(printable(line) for line in lines) + "\n"


def _clustering_note(report: ExperimentReport, outcome: OutcomeResult) -> str:
    """How the samples of `outcome` were counted: per key (design effect = renders or values per key), or
    per render when no keys were counted."""
    if report.clustering != KEYS:
        return (
            "not corrected for returning users, since no keys were counted "
            "(promptgit_loader_split_assignments_total): if users come back, these intervals are too narrow"
        )
    if all(variant.design_effect == 1.0 for variant in outcome.variants):
        return "each key was counted about once: its renders are independent observations"
    per_key = ", ".join(f"{variant.version} {variant.design_effect:.1f}" for variant in outcome.variants)
    observations = "renders" if outcome.kind == "rate" else "values"
    return (
        f"intervals and tests count each key once ({observations} per key: {per_key}): "
        "a returning user's renders are not independent"
    )


def _outcome_lines(outcome: OutcomeResult, confidence: str, table: Any, heading: str) -> list[str]:
    rate = outcome.kind == "rate"
    title = "outcomes per render" if rate else "mean value"
    lines = [f"{heading}{outcome.outcome}: {title}, {confidence} confidence intervals".strip(), ""]
    by_version = {comparison.version: comparison for comparison in outcome.comparisons}
    rows = []
    for variant in outcome.variants:
        shown = _percent if rate else _number
        estimate = variant.estimate
        interval = f"{shown(estimate.low)} to {shown(estimate.high)}" if math.isfinite(estimate.low) else "-"
        comparison = by_version.get(variant.version)
        versus = "control" if comparison is None else _versus(comparison, rate)
        p_value = "" if comparison is None or comparison.difference is None else _p(comparison)
        verdict = "" if comparison is None else _verdict(comparison)
        rows.append(
            [
                variant.version,
                _count(variant.events),
                shown(estimate.value),
                interval,
                versus,
                p_value,
                verdict,
            ]
        )
    events = "outcomes" if rate else "values"
    value = "rate" if rate else "mean"
    lines += table(["variant", events, value, f"{confidence} CI", "vs control", "p", "verdict"], rows)
    notes = [f"- {c.version}: {c.reason}" for c in outcome.comparisons if c.reason]
    return lines + (["", *notes] if notes else [])


def _versus(comparison: Comparison, rate: bool) -> str:
    difference = comparison.difference
    if difference is None:
        return "-"
    if rate:
        return (
            f"{difference.value * 100:+.1f} pts ({difference.low * 100:+.1f} to {difference.high * 100:+.1f})"
        )
    return f"{difference.value:+.3g} ({difference.low:+.3g} to {difference.high:+.3g})"


def _check(mismatch: bool) -> str:
    return "MISMATCH" if mismatch else "ok"


def _verdict(comparison: Comparison) -> str:
    if comparison.verdict == TOO_SMALL:
        return "not significant: too small to tell"
    if comparison.verdict == SIGNIFICANT and comparison.difference is not None:
        direction = "higher" if comparison.difference.value > 0 else "lower"
        return f"significant: {comparison.version} is {direction}"
    return "not significant"


def _p(comparison: Comparison) -> str:
    assert comparison.difference is not None
    p_value = comparison.difference.p_value
    return "<0.001" if p_value < 0.001 else f"{p_value:.3f}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%" if math.isfinite(value) else "-"


def _number(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "-"


def _count(value: float) -> str:
    return f"{round(value):,}"


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]


FORMATS = {"text": as_text, "markdown": as_markdown, "json": as_json}
