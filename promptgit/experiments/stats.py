"""The statistics of an experiment report: intervals and two-sided tests, with the standard library only.

- A rate (outcomes per render) gets a Wilson score interval, and a variant is compared with the control by
  a two-proportion z-test (pooled standard error for the test, unpooled for the interval of the difference).
- A mean value (a rating) gets a normal interval, and is compared by Welch's t-test. Its p-value uses the
  normal distribution in place of Student's t, which is why a mean needs MIN_VALUES values per variant:
  from 30 degrees of freedom on the two differ by less than 0.01 in a p-value near 0.05.
- Below the minimum samples (MIN_EVENTS outcomes and as many renders without one, for a rate) the normal
  approximation does not hold, and the report says the sample is too small to tell.

statistics.NormalDist is all this needs; scipy would be a large dependency for two quantiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
MIN_EVENTS = 10  # per variant: outcomes, and renders without the outcome (n*p >= 10 and n*(1-p) >= 10)
MIN_VALUES = 30  # per variant, for a mean (see above)
MISMATCH_ALPHA = 0.001  # a traffic share this unlikely under the configured weight is a sample ratio mismatch
_NORMAL = NormalDist()
_Z = _NORMAL.inv_cdf(1 - ALPHA / 2)


@dataclass(frozen=True)
class Estimate:
    """A rate or mean of one variant with its confidence interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Difference:
    """A variant minus the control: the difference, its interval, the test statistic and two-sided p."""

    value: float
    low: float
    high: float
    statistic: float
    p_value: float


def wilson(events: float, trials: float) -> Estimate:
    """The rate events / trials with its Wilson score interval (sound near 0 and 1, unlike the Wald one)."""
    if trials <= 0:
        return Estimate(math.nan, math.nan, math.nan)
    rate = min(events / trials, 1.0)
    denominator = 1 + _Z**2 / trials
    centre = (rate + _Z**2 / (2 * trials)) / denominator
    spread = _Z * math.sqrt(rate * (1 - rate) / trials + _Z**2 / (4 * trials**2)) / denominator
    return Estimate(events / trials, max(0.0, centre - spread), min(1.0, centre + spread))


def two_proportions(control: tuple[float, float], variant: tuple[float, float]) -> Difference:
    """(events, trials) of the control and of a variant: the two-proportion z-test of their rates."""
    (k1, n1), (k2, n2) = control, variant
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    test_error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    interval_error = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    statistic = (p2 - p1) / test_error if test_error > 0 else 0.0
    return Difference(
        p2 - p1,
        p2 - p1 - _Z * interval_error,
        p2 - p1 + _Z * interval_error,
        statistic,
        _two_sided(statistic),
    )


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a variant's values: enough for a mean and a variance."""

    count: float
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count > 0 else math.nan

    @property
    def variance(self) -> float:
        """The sample variance (n - 1), never below 0 (rounding of large sums can make it slightly so)."""
        if self.count < 2:
            return math.nan
        return max(0.0, (self.squares - self.count * self.mean**2) / (self.count - 1))


def mean_interval(moments: Moments) -> Estimate:
    if moments.count < 2:
        return Estimate(moments.mean, math.nan, math.nan)
    spread = _Z * math.sqrt(moments.variance / moments.count)
    return Estimate(moments.mean, moments.mean - spread, moments.mean + spread)


def welch(control: Moments, variant: Moments) -> Difference:
    """Welch's t-test of the variant's mean against the control's (normal approximation, see above)."""
    error = math.sqrt(control.variance / control.count + variant.variance / variant.count)
    difference = variant.mean - control.mean
    statistic = difference / error if error > 0 else 0.0
    return Difference(
        difference, difference - _Z * error, difference + _Z * error, statistic, _two_sided(statistic)
    )


def welch_degrees_of_freedom(control: Moments, variant: Moments) -> float:
    """Welch-Satterthwaite degrees of freedom of the two samples."""
    a, b = control.variance / control.count, variant.variance / variant.count
    denominator = a**2 / (control.count - 1) + b**2 / (variant.count - 1)
    return (a + b) ** 2 / denominator if denominator > 0 else math.inf


def _two_sided(statistic: float) -> float:
    return 2 * (1 - _NORMAL.cdf(abs(statistic)))


def share_mismatch(count: float, total: float, expected: float) -> float:
    """Two-sided p-value of `count` of `total` renders going to a version weighted `expected` (0..1): the
    normal approximation of the binomial test, for a sample ratio mismatch. 1.0 when it cannot be told."""
    if total <= 0 or not 0 < expected < 1:
        return 1.0
    spread = math.sqrt(total * expected * (1 - expected))
    return _two_sided((count - total * expected) / spread) if spread > 0 else 1.0
