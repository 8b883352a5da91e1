"""Outcomes: what happened with a render (accepted, clicked, a rating), counted by prompt version.

    prompt = repo.get("content/hook@production", key=user_id)
    ...
    repo.record_outcome(prompt, "accepted")             # promptgit_outcomes_total{prompt, version, outcome}
    repo.record_outcome(prompt, "rating", value=4.5)    # and promptgit_outcome_value_sum / _count / _squares

Label values stay bounded: an outcome name is a lowercase word (at most 32 characters), and each prompt
keeps at most MAX_OUTCOMES_PER_PROMPT distinct names on a registry; names past that count as `other`.
Numeric values are exported as a sum and count (a summary without quantiles) plus the sum of their
squares, which is what a mean and its confidence interval need (`promptgit experiment report`).
Counted without prometheus_client, like the other loader metrics (see metrics.py).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from prometheus_client.core import CounterMetricFamily, Metric, SummaryMetricFamily

OUTCOME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_OUTCOMES_PER_PROMPT = 16
OTHER = "other"
LABELS = ["prompt", "version", "outcome"]


class Versioned(Protocol):
    """Anything that names a prompt version: a prompt from Repository.get()."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


PromptRef = Versioned | tuple[str, str]  # a loaded prompt, or (name, version) as a Completion carries them


class OutcomeMetrics:
    """promptgit_outcomes_total and the numeric-value series, by {prompt, version, outcome}; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (prompt, version, outcome) -> [count, value count, value sum, sum of squares, created]
        self._series: dict[tuple[str, str, str], list[float]] = {}
        self._names: dict[str, set[str]] = {}  # prompt -> outcome names seen

    def record(self, prompt: PromptRef, outcome: str, value: float | None = None) -> None:
        """Count `outcome` for the prompt's version; with `value`, add it to the value sum and count.

        ValueError for an outcome that is not a lowercase word, or a value that is not a finite number.
        """
        name, version = prompt if isinstance(prompt, tuple) else (prompt.name, prompt.version)
        if not isinstance(outcome, str) or not OUTCOME_PATTERN.match(outcome):
            raise ValueError(
                f"outcome {outcome!r}: a lowercase word of letters, digits and '_' (at most 32): accepted"
            )
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
        ):
            raise ValueError(f"outcome {outcome!r}: value {value!r} is not a finite number")
        with self._lock:
            seen = self._names.setdefault(str(name), set())
            if outcome not in seen:
                if len(seen) >= MAX_OUTCOMES_PER_PROMPT:
                    outcome = OTHER
                else:
                    seen.add(outcome)
            key = (str(name), str(version), outcome)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = [0.0, 0.0, 0.0, 0.0, time.time()]
            series[0] += 1
            if value is not None:
                series[1] += 1
                series[2] += value
                series[3] += float(value) ** 2

    def collect(self) -> Iterator[Metric]:
        counts, values, squares = _families()
        with self._lock:
            series = sorted((key, list(numbers)) for key, numbers in self._series.items())
        for key, (count, value_count, value_sum, square_sum, created) in series:
            counts.add_metric(list(key), count, created=created)
            if value_count:
                values.add_metric(list(key), int(value_count), value_sum)
                squares.add_metric(list(key), square_sum, created=created)
        yield counts
        yield values
        yield squares

    def describe(self) -> Iterator[Metric]:
        return iter(_families())


def _families() -> tuple[CounterMetricFamily, SummaryMetricFamily, CounterMetricFamily]:
    from prometheus_client.core import CounterMetricFamily, SummaryMetricFamily

    return (
        CounterMetricFamily("promptgit_outcomes", "Outcomes recorded by the application", labels=LABELS),
        SummaryMetricFamily("promptgit_outcome_value", "Numeric outcomes (ratings, scores)", labels=LABELS),
        CounterMetricFamily(
            "promptgit_outcome_value_squares", "Sum of the squares of numeric outcomes", labels=LABELS
        ),
    )
