"""Outcomes: what happened with a render (accepted, clicked, a rating), counted by prompt version.

    prompt = repo.get("content/hook@production", key=user_id)
    ...
    repo.record_outcome(prompt, "accepted")             # promptgit_outcomes_total{prompt, version, outcome}
    repo.record_outcome(prompt, "rating", value=4.5)    # and promptgit_outcome_value_sum / _count / _squares

Label values stay bounded: an outcome name is a lowercase word (at most 32 characters), and each prompt
keeps at most MAX_OUTCOMES_PER_PROMPT distinct names; names past that are counted as `other`.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Protocol

from promptgit.loader.metrics import LoaderMetrics

OUTCOME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_OUTCOMES_PER_PROMPT = 16
OTHER = "other"


class Versioned(Protocol):
    """Anything that names a prompt version: a loaded Prompt (name, version)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


PromptRef = Versioned | tuple[str, str]  # a loaded prompt, or (name, version) as a Completion carries them


_lock = threading.Lock()


def record_outcome(
    metrics: LoaderMetrics, prompt: PromptRef, outcome: str, value: float | None = None
) -> None:
    """Count `outcome` for the prompt's version; with `value`, also add it to the value sum and count.

    ValueError for an outcome that is not a lowercase word, or a value that is not a finite number.
    """
    name, version = prompt if isinstance(prompt, tuple) else (prompt.name, prompt.version)
    if not isinstance(outcome, str) or not OUTCOME_PATTERN.match(outcome):
        raise ValueError(
            f"outcome {outcome!r}: a lowercase word of letters, digits and '_' (at most 32), e.g. accepted"
        )
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    ):
        raise ValueError(f"outcome {outcome!r}: value {value!r} is not a finite number")
    labels = {"prompt": str(name), "version": str(version), "outcome": _bounded(metrics, str(name), outcome)}
    metrics.outcomes.labels(**labels).inc()
    if value is not None:
        metrics.outcome_values.labels(**labels).observe(float(value))
        metrics.outcome_squares.labels(**labels).inc(float(value) ** 2)


def _bounded(metrics: LoaderMetrics, prompt: str, outcome: str) -> str:
    """`outcome`, or `other` once the prompt has MAX_OUTCOMES_PER_PROMPT other names on this registry."""
    with _lock:
        seen = metrics.outcome_names.setdefault(prompt, set())
        if outcome in seen:
            return outcome
        if len(seen) >= MAX_OUTCOMES_PER_PROMPT:
            return OTHER
        seen.add(outcome)
        return outcome
