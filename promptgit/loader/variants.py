"""A label's traffic split, resolved: one loaded prompt per version, and the choice of one per call.

`Repository.get("content/hook@production", key=user_id)` on a split label resolves (and caches, with the
label's TTL) a Variants; each call then picks a version: sticky by key (see store/traffic_split.py), or at
random by weight without one. A version that cannot be loaded (its tag is missing, its file unreadable) is
left out: keys assigned to it are served another version of the split, by weight, and each such assignment
is counted in promptgit_loader_split_unavailable_total{prompt, label, version}. Only when no version of the
split can be loaded does resolution fail, like any other label.

Each key's first assignment is counted in promptgit_loader_split_assignments_total{prompt, label,
version}: the experiment report tests the split on these distinct keys, since renders cluster by
returning users (a user with 20 renders moves 20 renders at once, and a test on renders cries wolf).
"First" is judged by a bounded memory of recent keys per process (FirstAssignments); a key forgotten, or
seen by two replicas, is counted again, which clusters far less than renders do.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable, Mapping

from promptgit.errors import GitError, InputValidationError, PromptgitError, PromptNotFoundError
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.store.traffic_split import Bands, Split, band_offset, key_prefix, point_of

_random = random.Random()  # its own generator: the application seeding `random` does not fix assignments


class FirstAssignments:
    """Which key points (store.splits.point_of: a hash of label, prompt and key) were seen recently.

    At most `capacity` points are kept, the oldest forgotten first; one memory serves every split of a
    process (points of different splits differ). A seen key costs one set lookup.
    """

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.capacity = capacity
        self._seen: dict[int, None] = {}
        self._lock = threading.Lock()

    def first(self, point: int) -> bool:
        """Whether `point` is new (and remember it)."""
        if point in self._seen:
            return False
        with self._lock:
            if point in self._seen:
                return False
            if len(self._seen) >= self.capacity:
                del self._seen[next(iter(self._seen))]
            self._seen[point] = None
            return True


FIRST_ASSIGNMENTS = FirstAssignments()


class Variants:
    """The versions of one split with their prompts; `pick(key)` is cheap (a hash and a short loop)."""

    def __init__(
        self,
        label: str,
        name: str,
        split: Split,
        prompts: Mapping[str, LoadedPrompt],
        metrics: LoaderMetrics,
    ) -> None:
        self.label = label
        self.name = name
        self.split = split
        self.prompts = {
            version: dataclasses.replace(prompt, label=label, variant=version)
            for version, prompt in prompts.items()
        }
        self._weights = [(version, weight) for version, weight in split.weights if weight > 0]
        available = [(version, weight) for version, weight in self._weights if version in self.prompts]
        if not available:
            raise PromptNotFoundError(f"{name}@{label}: no version of the split {split} can be loaded")
        self._prefix = key_prefix(label, name)
        self._bands = Bands(self._weights)
        self._available = Bands(available)
        self._unavailable = {
            version: metrics.split_unavailable.labels(prompt=name, label=label, version=version)
            for version, _ in self._weights
            if version not in self.prompts
        }
        self._assigned = {
            version: metrics.split_assignments.labels(prompt=name, label=label, version=version)
            for version, _ in self._weights
        }

    def pick(self, key: str | int | None = None) -> LoadedPrompt:
        """The version `key` is assigned to (always the same for the same key), or a random one by weight."""
        point = _random.getrandbits(64) if key is None else point_of(self._prefix, _key_text(key))
        version = self._bands.version_at(point)
        if key is None or FIRST_ASSIGNMENTS.first(point):  # a call without a key is its own assignment
            self._assigned[version].inc()
        prompt = self.prompts.get(version)
        if prompt is not None:
            return prompt
        self._unavailable[version].inc()
        # the key's place inside the missing version's band picks among the others: still sticky
        return self.prompts[self._available.version_at(band_offset(self._weights, point))]


def _key_text(key: str | int) -> str:
    """The text a key hashes as (42 and "42" are one key); InputValidationError for an int too long for
    str() (Python refuses over 4,300 digits with a ValueError: a caller's input, not a crash)."""
    if isinstance(key, str):
        return key
    try:
        return str(key)
    except ValueError:
        raise InputValidationError(
            f"key= is an integer of about {key.bit_length() * 3 // 10} digits; use a string"
        ) from None


def resolve_split(
    label: str, name: str, split: Split, load: Callable[[str], LoadedPrompt], metrics: LoaderMetrics
) -> Variants:
    """Variants of `split`, loading each version with `load(version)`; versions that fail are left out."""
    prompts: dict[str, LoadedPrompt] = {}
    for version, weight in split.weights:
        if weight <= 0:
            continue
        try:
            prompts[version] = load(version)
        except GitError:
            raise  # git itself failed: keep serving the last-known-good split
        except PromptgitError:
            continue  # counted per assignment in pick(); validation (PG504) names it before it ships
    return Variants(label, name, split, prompts, metrics)
