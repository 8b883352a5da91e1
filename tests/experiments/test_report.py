"""Building and printing a report from counts, and the CLI's errors (one line, exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promptgit.errors import ConfigError
from promptgit.experiments import as_json, as_markdown, as_text, build_report
from promptgit.experiments.comparison import NOT_SIGNIFICANT, SIGNIFICANT, TOO_SMALL
from promptgit.experiments.prometheus import Counts, check_window
from promptgit.store.traffic_split import make_split

ROOT = Path(__file__).resolve().parents[2]
SPLIT = make_split({"1.2.0": 90, "1.3.0": 10})


def counts(accepted: tuple[float, float], renders: tuple[float, float] = (9000, 1000)) -> Counts:
    return Counts(
        renders={"1.2.0": renders[0], "1.3.0": renders[1]},
        outcomes={("1.2.0", "accepted"): accepted[0], ("1.3.0", "accepted"): accepted[1]},
    )


def test_a_clear_difference_is_significant_with_its_sign() -> None:
    report = build_report("content/hook", "production", SPLIT, counts((2700, 350)), "1h")
    (outcome,) = report.outcomes
    (comparison,) = outcome.comparisons
    assert report.control == "1.2.0" and comparison.version == "1.3.0"
    assert comparison.verdict == SIGNIFICANT and comparison.difference is not None
    assert comparison.difference.value == pytest.approx(0.05)
    assert "significant: 1.3.0 is higher" in as_text(report)
    lower = build_report("content/hook", "production", SPLIT, counts((2700, 250)), "1h")
    assert "significant: 1.3.0 is lower" in as_text(lower)


def test_a_small_difference_is_not_significant() -> None:
    report = build_report("content/hook", "production", SPLIT, counts((2700, 310)), "1h")
    assert report.outcomes[0].comparisons[0].verdict == NOT_SIGNIFICANT
    assert "not significant" in as_text(report)


def test_a_tiny_sample_is_too_small_to_tell() -> None:
    report = build_report("content/hook", "production", SPLIT, counts((3, 9), (10, 12)), "1h")
    comparison = report.outcomes[0].comparisons[0]
    assert comparison.verdict == TOO_SMALL and comparison.difference is None
    text = as_text(report)
    assert "not significant: too small to tell" in text
    assert (
        "1.2.0 has 3 of 10 renders with the outcome; the test needs at least 10 with and 10 without" in text
    )


def test_numeric_outcomes_get_a_mean_and_welch() -> None:
    values = Counts(
        renders={"1.2.0": 900, "1.3.0": 100},
        outcomes={("1.2.0", "rating"): 400, ("1.3.0", "rating"): 60},
        value_counts={("1.2.0", "rating"): 400, ("1.3.0", "rating"): 60},
        value_sums={("1.2.0", "rating"): 400 * 3.5, ("1.3.0", "rating"): 60 * 4.2},
        value_squares={("1.2.0", "rating"): 400 * 3.5**2 + 399, ("1.3.0", "rating"): 60 * 4.2**2 + 59},
    )
    report = build_report("content/hook", "production", SPLIT, values, "1h")
    (outcome,) = report.outcomes
    assert outcome.kind == "mean"
    assert [round(v.estimate.value, 3) for v in outcome.variants] == [3.5, 4.2]
    assert outcome.comparisons[0].verdict == SIGNIFICANT
    assert "mean value" in as_markdown(report)


def test_traffic_share_observed_against_configured_and_json_without_nan() -> None:
    report = build_report("content/hook", "production", SPLIT, Counts(), "1h")
    data = json.loads(as_json(report))
    assert [(t["configured"], t["observed"]) for t in data["traffic"]] == [(0.9, None), (0.1, None)]
    assert "no outcomes recorded" in as_text(report)


def test_the_control_can_be_named() -> None:
    report = build_report("content/hook", "production", SPLIT, counts((2700, 350)), "1h", control="1.3.0")
    assert report.control == "1.3.0"
    assert "significant: 1.2.0 is lower" in as_text(report)
    with pytest.raises(ConfigError, match="not a version of the split"):
        build_report("content/hook", "production", SPLIT, counts((1, 1)), "1h", control="9.9.9")


@pytest.mark.parametrize("window", ["1h", "30m", "1h30m", "7d"])
def test_windows_are_prometheus_durations(window: str) -> None:
    assert check_window(window) == window


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptgit", "-C", str(root), "experiment", "report", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("content/hook@staging",), "label staging points content/hook at one version (2.0.0), not a split"),
        (("content/hook@canary",), "label canary has no entry for content/hook"),
        (("content/hook@1.0.0",), "must be NAME@LABEL"),
        (("content/hook@production", "--window", "an hour"), "--window 'an hour': a Prometheus duration"),
        (("content/hook@production",), "cannot query Prometheus at http://127.0.0.1:9"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(history, args: tuple[str, ...], message: str) -> None:
    history.write(
        "prompts/labels.yaml",
        "production:\n  content/hook: {1.1.0: 90, 2.0.0: 10}\nstaging:\n  content/hook: 2.0.0\n",
    )
    result = run(history.root, *args, "--prometheus", "http://127.0.0.1:9")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_traffic_share_far_from_its_weight_is_a_mismatch() -> None:
    skewed = build_report("content/hook", "production", SPLIT, counts((2700, 350), (9000, 1300)), "1h")
    assert [t.mismatch for t in skewed.traffic] == [True, True]
    assert "MISMATCH: the observed traffic is too far from the weights" in as_text(skewed)
    fair = build_report("content/hook", "production", SPLIT, counts((2700, 350), (9000, 1010)), "1h")
    assert [t.mismatch for t in fair.traffic] == [False, False]
    assert "MISMATCH" not in as_text(fair)


def test_the_report_says_how_it_corrected_for_returning_users() -> None:
    """Issue 20.9: outcome intervals count each key once (renders per key is the design effect); the
    report says so, and says when it could not (no key counts)."""
    clustered = counts((2700, 350))
    clustered.assignments = {"1.2.0": 1800, "1.3.0": 250}  # 5 and 4 renders per key
    report = build_report("content/hook", "production", SPLIT, clustered, "1h")
    assert report.clustering == "keys"
    (outcome,) = report.outcomes
    assert [v.design_effect for v in outcome.variants] == [5.0, 4.0]
    plain = build_report("content/hook", "production", SPLIT, counts((2700, 350)), "1h")
    # the same rates, with intervals about sqrt(5) and sqrt(4) times as wide
    for corrected, uncorrected, effect in zip(
        outcome.variants, plain.outcomes[0].variants, (5, 4), strict=True
    ):
        assert corrected.estimate.value == uncorrected.estimate.value
        width = corrected.estimate.high - corrected.estimate.low
        assert width == pytest.approx(
            (uncorrected.estimate.high - uncorrected.estimate.low) * effect**0.5, rel=0.05
        )
    text = as_text(report)
    assert (
        "intervals and tests count each key once (renders per key: 1.2.0 5.0, 1.3.0 4.0): "
        "a returning user's renders are not independent" in text
    )
    assert json.loads(as_json(report))["clustering"] == "keys"
    assert "not corrected for returning users" in as_text(plain)
    assert json.loads(as_json(plain))["clustering"] == "renders"
