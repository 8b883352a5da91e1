"""An experiment report: a label's split, what Prometheus counted per version, and which variant is better.

The control is the split's lowest version (the incumbent of a canary; `control=` picks another). Every
other variant is compared with it, per outcome: a rate (outcomes per render) by a two-proportion z-test,
a numeric outcome's mean by Welch's t-test (see below). A comparison is `significant` when its
two-sided p-value is below 0.05, `not significant` otherwise, and `too small to tell` (which is not
significant either) when either sample is below the minimum the test needs.

The statistics, with the standard library only:

- A rate (outcomes per render) gets a Wilson score interval, and a variant is compared with the control by
  a two-proportion z-test (pooled standard error for the test, unpooled for the interval of the difference).
- A mean value (a rating) gets a normal interval, and is compared by Welch's t-test. Its p-value uses the
  normal distribution in place of Student's t, which is why a mean needs MIN_VALUES values per variant:
  from 30 degrees of freedom on the two differ by less than 0.01 in a p-value near 0.05.
- Below the minimum samples (MIN_EVENTS outcomes and as many renders without one, for a rate) the normal
  approximation does not hold, and the report says the sample is too small to tell.
- Returning users: assignment is sticky per key, so one user's renders all go to one version and their
  outcomes are alike; renders are not independent, and intervals on them are too narrow (an A/A test at 5
  renders a user called 1 in 3 differences significant). Each variant's sample is divided by its design
  effect, renders (or values) per distinct key, from promptgit_loader_split_assignments_total: each key
  counts as one observation. That is exact when a user's renders share one outcome and users render
  about equally often, and errs wide when outcomes vary within a user; it can still be narrow when a few
  users make most renders and each of them always has the same outcome. Without key counts (a loader
  too old to count them) nothing is corrected, and the report says so (`clustering`).

statistics.NormalDist is all this needs; scipy would be a large dependency for two quantiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from promptgit.errors import ConfigError
from promptgit.experiments.prometheus import Counts
from promptgit.store.traffic_split import TOTAL_WEIGHT, Split

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


KEYS = "keys"
RENDERS = "renders"

SIGNIFICANT = "significant"
NOT_SIGNIFICANT = "not significant"
TOO_SMALL = "too small to tell"


@dataclass(frozen=True)
class Traffic:
    version: str
    weight: int
    configured: float  # the weight as a share
    observed: float  # the version's share of the split's renders over the window (nan: no renders)
    renders: float
    mismatch: bool = (
        False  # observed too far from configured to be chance (p < 0.001): a sample ratio mismatch
    )
    keys: float = 0.0  # distinct keys first assigned to this version (the traffic check's sample)


@dataclass(frozen=True)
class VariantResult:
    version: str
    events: float  # outcomes recorded, or numeric values recorded
    estimate: Estimate  # rate per render, or mean value
    design_effect: float = 1.0  # renders (or values) per distinct key: the sample was divided by it


@dataclass(frozen=True)
class Comparison:
    version: str
    verdict: str  # SIGNIFICANT, NOT_SIGNIFICANT or TOO_SMALL
    difference: Difference | None  # None when the test cannot run at all
    reason: str = ""  # why a sample is too small, in words


@dataclass(frozen=True)
class OutcomeResult:
    outcome: str
    kind: str  # "rate" (outcomes per render) or "mean" (of the recorded values)
    variants: list[VariantResult]
    comparisons: list[Comparison]


@dataclass(frozen=True)
class ExperimentReport:
    prompt: str
    label: str
    split: dict[str, int]
    window: str
    control: str
    traffic: list[Traffic]
    outcomes: list[OutcomeResult] = field(default_factory=list)
    confidence: float = CONFIDENCE
    traffic_basis: str = KEYS  # what the traffic check tested: KEYS, or RENDERS when no keys were counted
    clustering: str = KEYS  # outcome samples counted per key (KEYS) or, with no keys counted, per render


def build_report(
    prompt: str, label: str, split: Split, counts: Counts, window: str, control: str | None = None
) -> ExperimentReport:
    versions = list(split.versions)
    control = control or versions[0]
    if control not in versions:
        raise ConfigError(f"--control {control}: not a version of the split {split}")
    total = sum(counts.renders.get(version, 0.0) for version in versions)
    # the test is on distinct keys: assignment is sticky per key, so renders cluster by returning users
    # and a binomial test on them raises false alarms (MISMATCH on 18% of fair splits at 5 renders a user)
    keys = {version: counts.assignments.get(version, 0.0) for version in versions}
    basis = KEYS if sum(keys.values()) > 0 else RENDERS
    tested = keys if basis == KEYS else {version: counts.renders.get(version, 0.0) for version in versions}
    tested_total = sum(tested.values())
    traffic = [
        Traffic(
            version,
            weight,
            weight / TOTAL_WEIGHT,
            counts.renders.get(version, 0.0) / total if total else math.nan,
            counts.renders.get(version, 0.0),
            traffic_mismatch(tested[version], tested_total, weight / TOTAL_WEIGHT),
            keys[version],
        )
        for version, weight in split.weights
    ]
    ordered = [control] + [version for version in versions if version != control]
    names = sorted({outcome for version, outcome in counts.outcomes if version in versions})
    results = []
    for outcome in names:
        valued = any(counts.value_counts.get((version, outcome), 0) > 0 for version in versions)
        results.append(_mean(outcome, ordered, counts) if valued else _rate(outcome, ordered, counts))
    return ExperimentReport(
        prompt,
        label,
        dict(split.weights),
        window,
        control,
        traffic,
        results,
        traffic_basis=basis,
        clustering=basis,  # the same key counts correct both, or neither
    )


def design_effect(observations: float, keys: float) -> float:
    """How many observations (renders, or values) each distinct key made: the factor by which returning
    users shrink a sample's information, when a user's observations are alike (see the docstring). 1 when
    no keys were counted (nothing to correct with) or each key observed at most once."""
    return observations / keys if keys > 0 and observations > keys else 1.0


def traffic_mismatch(assigned: float, total: float, weight: float) -> bool:
    """Whether `assigned` of `total` independent assignments (distinct keys) going to a version weighted
    `weight` (0..1) is too unlikely to be chance: a sample ratio mismatch at p < MISMATCH_ALPHA."""
    return share_mismatch(assigned, total, weight) < MISMATCH_ALPHA


def _rate(outcome: str, versions: list[str], counts: Counts) -> OutcomeResult:
    samples = {
        version: (counts.outcomes.get((version, outcome), 0.0), counts.renders.get(version, 0.0))
        for version in versions
    }
    effects = {
        v: design_effect(renders, counts.assignments.get(v, 0.0)) for v, (_, renders) in samples.items()
    }
    # the effective sample: as many independent renders as there were keys (the rate is unchanged)
    effective = {v: (events / effects[v], renders / effects[v]) for v, (events, renders) in samples.items()}
    variants = [VariantResult(v, samples[v][0], wilson(*effective[v]), effects[v]) for v in versions]
    control, *others = versions
    comparisons = []
    for version in others:
        small = _too_few_events(control, samples[control], effects[control]) or _too_few_events(
            version, samples[version], effects[version]
        )
        if small:
            comparisons.append(Comparison(version, TOO_SMALL, None, small))
            continue
        difference = two_proportions(effective[control], effective[version])
        comparisons.append(Comparison(version, _verdict(difference), difference))
    return OutcomeResult(outcome, "rate", variants, comparisons)


def _too_few_events(version: str, sample: tuple[float, float], effect: float = 1.0) -> str:
    events, renders = round(sample[0]), round(sample[1])
    if events > renders:
        return f"{version} has {events} outcomes, more than its {renders} renders: not a rate per render"
    with_it, without = round(sample[0] / effect), round((sample[1] - sample[0]) / effect)
    if min(with_it, without) < MIN_EVENTS:
        counted = "" if effect == 1.0 else f" (about {with_it} and {without} counting each key once)"
        return (
            f"{version} has {events} of {renders} renders with the outcome{counted}; the test needs at "
            f"least {MIN_EVENTS} with and {MIN_EVENTS} without"
        )
    return ""


def _mean(outcome: str, versions: list[str], counts: Counts) -> OutcomeResult:
    recorded = {
        version: Moments(
            counts.value_counts.get((version, outcome), 0.0),
            counts.value_sums.get((version, outcome), 0.0),
            counts.value_squares.get((version, outcome), 0.0),
        )
        for version in versions
    }
    effects = {v: design_effect(m.count, counts.assignments.get(v, 0.0)) for v, m in recorded.items()}
    # the effective sample: count, sum and squares scaled alike keep the mean and the variance
    moments = {
        v: Moments(m.count / effects[v], m.total / effects[v], m.squares / effects[v])
        for v, m in recorded.items()
    }
    variants = [VariantResult(v, recorded[v].count, mean_interval(moments[v]), effects[v]) for v in versions]
    control, *others = versions
    comparisons = []
    for version in others:
        small = [v for v in (control, version) if round(moments[v].count) < MIN_VALUES]
        if small:
            counted = ", ".join(
                f"{v} has {round(recorded[v].count)}"
                + ("" if effects[v] == 1.0 else f" (about {round(moments[v].count)} counting each key once)")
                for v in small
            )
            reason = f"{counted} values; the test needs at least {MIN_VALUES} per variant"
            comparisons.append(Comparison(version, TOO_SMALL, None, reason))
            continue
        difference = welch(moments[control], moments[version])
        comparisons.append(Comparison(version, _verdict(difference), difference))
    return OutcomeResult(outcome, "mean", variants, comparisons)


def _verdict(difference: Difference) -> str:
    return SIGNIFICANT if difference.p_value < ALPHA else NOT_SIGNIFICANT


def report_from_prometheus(
    prompt: str,
    label: str,
    split: Split,
    url: str,
    window: str = "1h",
    *,
    matchers: str = "",
    control: str | None = None,
    timeout: float | None = None,
) -> ExperimentReport:
    """The report of `prompt`'s `split` under `label`, from what Prometheus at `url` counted over `window`.

    `matchers` narrow every query (`job="api"`); `timeout` bounds all the queries together (seconds, 30 by
    default); PrometheusError (a ConfigError) when Prometheus cannot be asked or answers something odd.
    """
    from promptgit.experiments.prometheus import DEFAULT_TIMEOUT, read_counts

    counts = read_counts(url, prompt, window, matchers, label=label, timeout=timeout or DEFAULT_TIMEOUT)
    return build_report(prompt, label, split, counts, window, control)
