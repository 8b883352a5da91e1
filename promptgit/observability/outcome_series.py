"""Outcomes: what happened with a render (accepted, clicked, a rating), counted by prompt version.

    prompt = repo.get("content/hook@production", key=user_id)
    ...
    repo.record_outcome(prompt, "accepted")            # promptgit_outcome_recorded_total{prompt, version,
                                                       #   outcome}
    repo.record_outcome(prompt, "rating", value=4.5)   # and promptgit_outcome_value_sum, _count and
                                                       #   promptgit_outcome_value_squares_total

Label values stay bounded whatever the caller passes:
- a version the loader served on this registry (a prompt from get(), or the (name, version) a
  Completion of one carries) is always counted; a (name, version) it never served (a tuple recorded later,
  in another process) is counted for the first MAX_UNSERVED_VERSIONS such pairs, and past that not
  counted but added to `promptgit_outcome_dropped_total{reason="unserved_over_cap"}`: 40,000 made-up
  tuples make at most that many pairs of series;
- an outcome name is a lowercase word (at most 32 characters), and each prompt keeps at most
  MAX_OUTCOMES_PER_PROMPT distinct names on a registry; names past that count as `other`.
Every outcome name a prompt has is created at 0 for each of its served versions, so that a new version
reads 0 beside the old one rather than "No data". Numeric values are exported as a sum and count (a
summary without quantiles) plus the sum of their squares, what a mean and its confidence interval need
(`promptgit experiment report`); a value is checked before anything is counted, so a bad one leaves no
half-written series.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from promptgit.errors import PromptgitError
from promptgit.observability import catalogue
from promptgit.observability.bounds import clip
from promptgit.observability.counting import Counter, family_of
from promptgit.observability.logs import RateLimitedLog

if TYPE_CHECKING:
    from prometheus_client.core import Metric

OUTCOME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_OUTCOMES_PER_PROMPT = 16
MAX_UNSERVED_VERSIONS = 32  # per registry: (name, version) pairs recorded without the loader serving them
OTHER = "other"
# the largest magnitude of a numeric outcome: its square and the running sums stay finite floats, with
# room for any rating, score, duration or amount an application records
MAX_OUTCOME_VALUE = 1e15

_log = RateLimitedLog(logging.getLogger("promptgit.outcomes"))


class OutcomeError(PromptgitError, ValueError):
    """An outcome name or value that cannot be counted (nothing was counted)."""


class Versioned(Protocol):
    """Anything that names a prompt version: a prompt from Repository.get()."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


PromptRef = Versioned | tuple[str, str]  # a loaded prompt, or (name, version) as a Completion carries them


class OutcomeMetrics:
    """The outcome series by {prompt, version, outcome}; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (prompt, version, outcome) -> [count, value count, value sum, sum of squares, created]
        self._series: dict[tuple[str, str, str], list[float]] = {}
        self._names: dict[str, set[str]] = {}  # prompt -> outcome names seen
        self._versions: dict[str, set[str]] = {}  # prompt -> versions the loader served
        self._unserved: set[tuple[str, str]] = set()  # pairs counted without being served, up to the cap
        self.dropped = Counter(catalogue.OUTCOME_DROPPED)
        for reason in catalogue.OUTCOME_DROP_REASONS:
            self.dropped.labels(reason=reason)

    def served(self, name: str, version: str) -> None:
        """The loader serves `name`@`version`: outcomes for it are counted from now on, and the outcome
        names the prompt already has exist for it at 0."""
        with self._lock:
            self._versions.setdefault(name, set()).add(version)
            for outcome in self._names.get(name, ()):
                self._ensure((name, version, outcome))

    def record(self, prompt: PromptRef, outcome: str, value: float | None = None) -> None:
        """Count `outcome` for the prompt's version; with `value`, add it to the value sum and count.

        OutcomeError (a ValueError) for an outcome that is not a lowercase word, or a value that is not a
        finite number within MAX_OUTCOME_VALUE; nothing is counted then.
        """
        name, version = prompt if isinstance(prompt, tuple) else (prompt.name, prompt.version)
        name, version = str(name), str(version)
        if not isinstance(outcome, str) or not OUTCOME_PATTERN.match(outcome):
            raise OutcomeError(
                f"outcome {clip(repr(outcome), 80)}: a lowercase word of letters, digits and '_' "
                "(at most 32): accepted"
            )
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or abs(value) > MAX_OUTCOME_VALUE
        ):
            raise OutcomeError(
                f"outcome {outcome!r}: value {clip(repr(value), 80)} is not a finite number of magnitude "
                f"at most {MAX_OUTCOME_VALUE:g}"
            )
        number = float(value) if value is not None else None
        with self._lock:
            versions = self._versions.get(name, set())
            served = version in versions
            dropped = not served and not self._admit_unserved((name, version))
            if not dropped:
                seen = self._names.setdefault(name, set())
                if outcome not in seen:
                    if len(seen) >= MAX_OUTCOMES_PER_PROMPT:
                        outcome = OTHER
                    seen.add(outcome)
                    for other in versions:  # the new name reads 0 on the prompt's served versions
                        self._ensure((name, other, outcome))
                series = self._ensure((name, version, outcome))
                series[0] += 1
                if number is not None:
                    series[1] += 1
                    series[2] += number
                    series[3] += number * number
        if dropped:
            self.dropped.labels(reason="unserved_over_cap").inc()
            _log.warning(
                "unserved",
                "outcome %r not counted: %s@%s was not served by this registry's loader, and %d such "
                "versions are counted already",
                outcome,
                clip(name, 200),
                clip(version, 50),
                MAX_UNSERVED_VERSIONS,
            )

    def _admit_unserved(self, pair: tuple[str, str]) -> bool:
        """Whether an unserved (name, version) is counted: one already counted, or a new one under the
        cap. Called with the lock held."""
        if pair in self._unserved:
            return True
        if len(self._unserved) >= MAX_UNSERVED_VERSIONS:
            return False
        self._unserved.add(pair)
        return True

    def _ensure(self, key: tuple[str, str, str]) -> list[float]:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = [0.0, 0.0, 0.0, 0.0, time.time()]
        return series

    def collect(self) -> Iterator[Metric]:
        counts, values, squares = _families()
        with self._lock:
            series = sorted((key, list(numbers)) for key, numbers in self._series.items())
        for key, (count, value_count, value_sum, square_sum, created) in series:
            counts.add_metric(list(key), count, created=created)
            values.add_metric(list(key), int(value_count), value_sum)
            squares.add_metric(list(key), square_sum, created=created)
        yield counts
        yield values
        yield squares
        yield from self.dropped.collect()

    def describe(self) -> Iterator[Metric]:
        yield from _families()
        yield from self.dropped.describe()


def _families() -> tuple[Any, Any, Any]:
    return (
        family_of(catalogue.OUTCOME_RECORDED),
        family_of(catalogue.OUTCOME_VALUE),
        family_of(catalogue.OUTCOME_VALUE_SQUARES),
    )
