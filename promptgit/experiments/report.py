"""An experiment report: a label's split, what Prometheus counted per version, and which variant is better.

The control is the split's lowest version (the incumbent of a canary; `control=` picks another). Every
other variant is compared with it, per outcome: a rate (outcomes per render) by a two-proportion z-test,
a numeric outcome's mean by Welch's t-test (see stats.py). A comparison is `significant` when its
two-sided p-value is below 0.05, `not significant` otherwise, and `too small to tell` (which is not
significant either) when either sample is below the minimum the test needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from promptgit.errors import ConfigError
from promptgit.experiments import stats
from promptgit.experiments.prometheus import Counts
from promptgit.store.splits import TOTAL_WEIGHT, Split

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


@dataclass(frozen=True)
class VariantResult:
    version: str
    events: float  # outcomes recorded, or numeric values recorded
    estimate: stats.Estimate  # rate per render, or mean value


@dataclass(frozen=True)
class Comparison:
    version: str
    verdict: str  # SIGNIFICANT, NOT_SIGNIFICANT or TOO_SMALL
    difference: stats.Difference | None  # None when the test cannot run at all
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
    confidence: float = stats.CONFIDENCE


def build_report(
    prompt: str, label: str, split: Split, counts: Counts, window: str, control: str | None = None
) -> ExperimentReport:
    versions = list(split.versions)
    control = control or versions[0]
    if control not in versions:
        raise ConfigError(f"--control {control}: not a version of the split {split}")
    total = sum(counts.renders.get(version, 0.0) for version in versions)
    traffic = [
        Traffic(
            version,
            weight,
            weight / TOTAL_WEIGHT,
            counts.renders.get(version, 0.0) / total if total else math.nan,
            counts.renders.get(version, 0.0),
            stats.share_mismatch(counts.renders.get(version, 0.0), total, weight / TOTAL_WEIGHT)
            < stats.MISMATCH_ALPHA,
        )
        for version, weight in split.weights
    ]
    ordered = [control] + [version for version in versions if version != control]
    names = sorted({outcome for version, outcome in counts.outcomes if version in versions})
    results = []
    for outcome in names:
        valued = any(counts.value_counts.get((version, outcome), 0) > 0 for version in versions)
        results.append(_mean(outcome, ordered, counts) if valued else _rate(outcome, ordered, counts))
    return ExperimentReport(prompt, label, dict(split.weights), window, control, traffic, results)


def _rate(outcome: str, versions: list[str], counts: Counts) -> OutcomeResult:
    samples = {
        version: (counts.outcomes.get((version, outcome), 0.0), counts.renders.get(version, 0.0))
        for version in versions
    }
    variants = [
        VariantResult(v, events, stats.wilson(events, renders)) for v, (events, renders) in samples.items()
    ]
    control, *others = versions
    comparisons = []
    for version in others:
        small = _too_few_events(control, samples[control]) or _too_few_events(version, samples[version])
        if small:
            comparisons.append(Comparison(version, TOO_SMALL, None, small))
            continue
        difference = stats.two_proportions(samples[control], samples[version])
        comparisons.append(Comparison(version, _verdict(difference), difference))
    return OutcomeResult(outcome, "rate", variants, comparisons)


def _too_few_events(version: str, sample: tuple[float, float]) -> str:
    events, renders = round(sample[0]), round(sample[1])
    if events > renders:
        return f"{version} has {events} outcomes, more than its {renders} renders: not a rate per render"
    if min(events, renders - events) < stats.MIN_EVENTS:
        return (
            f"{version} has {events} of {renders} renders with the outcome; the test needs at least "
            f"{stats.MIN_EVENTS} with and {stats.MIN_EVENTS} without"
        )
    return ""


def _mean(outcome: str, versions: list[str], counts: Counts) -> OutcomeResult:
    moments = {
        version: stats.Moments(
            counts.value_counts.get((version, outcome), 0.0),
            counts.value_sums.get((version, outcome), 0.0),
            counts.value_squares.get((version, outcome), 0.0),
        )
        for version in versions
    }
    variants = [VariantResult(v, m.count, stats.mean_interval(m)) for v, m in moments.items()]
    control, *others = versions
    comparisons = []
    for version in others:
        small = [v for v in (control, version) if round(moments[v].count) < stats.MIN_VALUES]
        if small:
            counted = ", ".join(f"{v} has {round(moments[v].count)}" for v in small)
            reason = f"{counted} values; the test needs at least {stats.MIN_VALUES} per variant"
            comparisons.append(Comparison(version, TOO_SMALL, None, reason))
            continue
        difference = stats.welch(moments[control], moments[version])
        comparisons.append(Comparison(version, _verdict(difference), difference))
    return OutcomeResult(outcome, "mean", variants, comparisons)


def _verdict(difference: stats.Difference) -> str:
    return SIGNIFICANT if difference.p_value < stats.ALPHA else NOT_SIGNIFICANT


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

    counts = read_counts(url, prompt, window, matchers, timeout=timeout or DEFAULT_TIMEOUT)
    return build_report(prompt, label, split, counts, window, control)
