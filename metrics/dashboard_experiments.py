"""The experiments dashboard: how the versions of a traffic split compare (docs/experiments.md).

Every panel is by version, so a split's variants sit side by side: the traffic each gets (against the
weights in labels.yaml), the outcomes the application records per render, errors, latency and tokens.
"""

from __future__ import annotations

from typing import Any

from grafana import JOB, SEL, Panel, dashboard, quantile, rate, table, timeseries

BY_VERSION = "{{prompt}}@{{version}}"
BY_OUTCOME = "{{prompt}}@{{version}}: {{outcome}}"
P95 = quantile(0.95, "promptgit_loader_render_duration_seconds", ", prompt, version", SEL)


def _by(labels: str, metric: str) -> str:
    return f"sum by ({labels}) ({rate(metric, SEL)})"


def traffic_share() -> Panel:
    return timeseries(
        "Traffic share by version",
        [
            (
                f"{_by('prompt, version', 'promptgit_loader_renders_total')}"
                f" / ignoring (version) group_left {_by('prompt', 'promptgit_loader_renders_total')}",
                BY_VERSION,
            )
        ],
        "percentunit",
        "Each version's share of the prompt's renders; compare with the weights in labels.yaml",
    )


def outcome_rate() -> Panel:
    return timeseries(
        "Outcome rate by version",
        [
            (
                f"{_by('prompt, version, outcome', 'promptgit_outcome_recorded_total')}"
                " / ignoring (outcome) group_left "
                f"{_by('prompt, version', 'promptgit_loader_renders_total')}",
                BY_OUTCOME,
            )
        ],
        "percentunit",
        "Outcomes recorded (repo.record_outcome) per render of the version",
    )


def outcome_value() -> Panel:
    mean = (
        f"{_by('prompt, version, outcome', 'promptgit_outcome_value_sum')}"
        f" / {_by('prompt, version, outcome', 'promptgit_outcome_value_count')}"
    )
    mean_of_squares = (
        f"{_by('prompt, version, outcome', 'promptgit_outcome_value_squares_total')}"
        f" / {_by('prompt, version, outcome', 'promptgit_outcome_value_count')}"
    )
    return timeseries(
        "Outcome value by version (mean and spread)",
        [
            (mean, "mean " + BY_OUTCOME),
            (
                f"sqrt(clamp_min({mean_of_squares} - ({mean}) ^ 2, 0))",
                "stddev {{prompt}}@{{version}}: {{outcome}}",
            ),
        ],
        "short",
        "Numeric outcomes (ratings, scores): mean and standard deviation per version",
    )


def experiments() -> dict[str, Any]:
    return dashboard(
        "promptgit-experiments",
        "promptgit / Experiments",
        [
            [
                traffic_share(),
                timeseries(
                    "Renders by version",
                    [(_by("prompt, version", "promptgit_loader_renders_total"), BY_VERSION)],
                    "reqps",
                ),
                timeseries(
                    "New keys by version",
                    [
                        (
                            _by("prompt, label, version", "promptgit_loader_split_assignments_total"),
                            "{{prompt}}@{{label}} -> {{version}}",
                        )
                    ],
                    "reqps",
                    "Keys assigned to each version for the first time: what the report's traffic check tests",
                ),
                timeseries(
                    "Split assignments to unavailable versions",
                    [
                        (
                            _by("prompt, label, version", "promptgit_loader_split_unavailable_total"),
                            "{{prompt}}@{{label}} -> {{version}}",
                        )
                    ],
                    "reqps",
                    "A split names a version that cannot be loaded (no release tag): its users get another",
                ),
            ],
            [outcome_rate(), outcome_value()],
            [
                timeseries(
                    "Render error ratio by version",
                    [
                        (
                            f"sum by (prompt, version) ({rate('promptgit_loader_render_errors_total', SEL)})"
                            f" / {_by('prompt, version', 'promptgit_loader_render_duration_seconds_count')}",
                            BY_VERSION,
                        )
                    ],
                    "percentunit",
                ),
                timeseries(
                    "Render p95 by version",
                    [
                        (
                            quantile(
                                0.95, "promptgit_loader_render_duration_seconds", ", prompt, version", SEL
                            ),
                            BY_VERSION,
                        )
                    ],
                    "s",
                ),
                timeseries(
                    "Tokens per render by version",
                    [
                        (
                            f"{_by('prompt, version', 'promptgit_loader_rendered_tokens_total')}"
                            f" / {_by('prompt, version', 'promptgit_loader_renders_total')}",
                            BY_VERSION,
                        )
                    ],
                ),
            ],
            [
                table(
                    "Outcomes in the time range",
                    "sum by (prompt, version, outcome) "
                    f"(increase(promptgit_outcome_recorded_total{SEL}[$__range]))",
                    "Outcome counts per version over the time range (what `experiment report` tests)",
                ),
                table(
                    "Renders in the time range",
                    f"sum by (prompt, version) (increase(promptgit_loader_renders_total{SEL}[$__range]))",
                ),
                table(
                    "Outcomes not counted in the time range",
                    f"sum by (reason) (increase(promptgit_outcome_dropped_total{{{JOB}}}[$__range]))",
                    "record_outcome for versions this process's loader never served, past the cap of 32 "
                    "such versions (reason unserved_over_cap): a caller passing made-up names or versions",
                ),
            ],
        ],
        with_prompt=True,
    )
