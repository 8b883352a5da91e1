"""A label's traffic split, resolved: one loaded prompt per version, and the choice of one per call.

`Repository.get("content/hook@production", key=user_id)` on a split label resolves (and caches, with the
label's TTL) a Variants; each call then picks a version: sticky by key (see store/traffic_split.py), or at
random by weight without one. A version that cannot be loaded (its tag is missing, its file unreadable) is
left out: keys assigned to it are served another version of the split, by weight, and each such assignment
is counted in promptgit_loader_split_unavailable_total{prompt, label, version}. Only when no version of the
split can be loaded does resolution fail, like any other label.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping

from promptgit.errors import GitError, PromptgitError, PromptNotFoundError
from promptgit.loader.loaded import LoadedPrompt
from promptgit.observability.loader_series import LoaderMetrics
from promptgit.store.traffic_split import Bands, Split, band_offset, key_prefix, point_of

_random = random.Random()  # its own generator: the application seeding `random` does not fix assignments


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
            version: dataclasses.replace(prompt, label=label) for version, prompt in prompts.items()
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

    def pick(self, key: str | int | None = None) -> LoadedPrompt:
        """The version `key` is assigned to (always the same for the same key), or a random one by weight."""
        point = _random.getrandbits(64) if key is None else point_of(self._prefix, str(key))
        version = self._bands.version_at(point)
        prompt = self.prompts.get(version)
        if prompt is not None:
            return prompt
        self._unavailable[version].inc()
        # the key's place inside the missing version's band picks among the others: still sticky
        return self.prompts[self._available.version_at(band_offset(self._weights, point))]


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
