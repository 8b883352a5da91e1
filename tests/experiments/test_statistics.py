"""The statistics of the experiment report against values computed by hand (and textbook examples)."""

from __future__ import annotations

import math

import pytest

from promptgit.experiments import comparison


def test_wilson_interval_matches_the_formula() -> None:
    # 50 of 100: centre 0.5, half-width z*sqrt(0.25/100 + z^2/40000) / (1 + z^2/100)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 100 + z**2 / 40000) / (1 + z**2 / 100)
    estimate = comparison.wilson(50, 100)
    assert estimate.value == 0.5
    assert estimate.low == pytest.approx(0.5 - half) and estimate.high == pytest.approx(0.5 + half)
    assert estimate.low == pytest.approx(0.4038, abs=1e-4)


def test_wilson_stays_inside_0_and_1() -> None:
    assert (
        comparison.wilson(0, 20).low == pytest.approx(0.0, abs=1e-12)
        and 0 < comparison.wilson(0, 20).high < 0.2
    )
    assert comparison.wilson(20, 20).high == 1.0
    assert math.isnan(comparison.wilson(0, 0).value)


def test_two_proportion_z_test() -> None:
    # 300/1000 against 360/1000: pooled 0.33, se sqrt(0.33*0.67*0.002) = 0.021029, z = 2.8532
    difference = comparison.two_proportions((300, 1000), (360, 1000))
    assert difference.value == pytest.approx(0.06)
    assert difference.statistic == pytest.approx(2.8532, abs=1e-3)
    assert difference.p_value == pytest.approx(0.00433, abs=1e-4)
    assert difference.low > 0 and difference.high < 0.12
    assert comparison.two_proportions((360, 1000), (300, 1000)).statistic == pytest.approx(-2.8532, abs=1e-3)


def test_moments_give_the_sample_mean_and_variance() -> None:
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    moments = comparison.Moments(len(values), sum(values), sum(v * v for v in values))
    assert moments.mean == 5.0
    assert moments.variance == pytest.approx(32 / 7)


def test_welch_matches_the_formula() -> None:
    control = comparison.Moments(50, 50 * 4.0, 50 * (4.0**2) + 49 * 1.0)  # mean 4, variance 1
    variant = comparison.Moments(40, 40 * 4.5, 40 * (4.5**2) + 39 * 2.25)  # mean 4.5, variance 2.25
    difference = comparison.welch(control, variant)
    error = math.sqrt(1 / 50 + 2.25 / 40)
    assert difference.value == pytest.approx(0.5)
    assert difference.statistic == pytest.approx(0.5 / error)
    assert difference.p_value == pytest.approx(0.0699, abs=1e-3)
    assert comparison.welch_degrees_of_freedom(control, variant) == pytest.approx(65.11, abs=0.01)
