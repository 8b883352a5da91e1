"""Traffic splits: a label entry that maps a prompt to weighted versions, and sticky assignment to them.

    production:
      content/hook: {1.2.0: 90, 1.3.0: 10}     # integer weights, summing to 100

Assignment is deterministic: the first 8 bytes of SHA-256 over (label, prompt name, key) are a point in
[0, 1), and the versions split [0, 1) into bands by weight, in ascending semver order. The highest
version's band therefore grows down from 1 as its weight rises, and the lowest version's grows up from 0:
in a split of two versions, raising either one's weight only moves keys toward it (a 10 -> 25 -> 50 -> 100
ramp never sends anyone back). The same key gets the same version on every replica and after restarts,
with no shared state.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from promptgit.store.selectors import VERSION_PATTERN, version_key

TOTAL_WEIGHT = 100  # weights are whole percent
_SPACE = 1 << 64  # assignment points are 64-bit integers: point / _SPACE is in [0, 1)


@dataclass(frozen=True)
class Split:
    """Versions of one prompt with integer weights, in ascending semver order."""

    weights: tuple[tuple[str, int], ...]

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(version for version, _ in self.weights)

    def weight_of(self, version: str) -> int:
        return dict(self.weights).get(version, 0)

    def __str__(self) -> str:
        return "{" + ", ".join(f"{version}: {weight}" for version, weight in self.weights) + "}"


LabelEntry = str | Split  # what labels.yaml maps a prompt to: one version, or a split


def make_split(weights: Mapping[str, int]) -> Split:
    """A Split of `weights` ({version: weight}); ValueError naming the first bad version or weight."""
    for version, weight in weights.items():
        if not VERSION_PATTERN.match(version):
            raise ValueError(f"{version!r} is not a semver version")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= TOTAL_WEIGHT:
            raise ValueError(f"weight of {version} must be a whole number from 0 to {TOTAL_WEIGHT}")
    if not weights or not any(weights.values()):
        raise ValueError("a split needs at least one version with a weight above 0")
    ordered = sorted(weights.items(), key=lambda item: version_key(item[0]))
    return Split(tuple(ordered))


def assignment_point(label: str, name: str, key: str) -> int:
    """The key's point in [0, 2**64): the same for the same (label, prompt, key) in every process."""
    return point_of(key_prefix(label, name), key)


def key_prefix(label: str, name: str) -> bytes:
    return f"{label}\0{name}\0".encode()


def point_of(prefix: bytes, key: str) -> int:
    """assignment_point with the (label, prompt) part encoded once (the loader's per-call path).

    surrogatepass: a lone surrogate is legal in JSON (a user id cut mid-emoji) but not in UTF-8; it hashes
    to its own point instead of raising, and valid text encodes exactly as UTF-8, so no assignment moves.
    """
    return int.from_bytes(hashlib.sha256(prefix + key.encode("utf-8", "surrogatepass")).digest()[:8], "big")


class Bands:
    """The band edges of `weights` (in order), computed once: `version_at(point)` is a bisection.

    Exact integer edges: a point p lies below the cumulative weight c (of total t) when p * t < c * 2**64,
    that is when p < ceil(c * 2**64 / t). Weights are relative (their sum need not be 100), so a split
    whose weights were mistyped still assigns.
    """

    def __init__(self, weights: Sequence[tuple[str, int]]) -> None:
        total = sum(weight for _, weight in weights)
        if total <= 0:
            raise ValueError("no version has a weight above 0")
        self.versions = [version for version, _ in weights]
        self.edges: list[int] = []
        cumulative = 0
        for _, weight in weights:
            cumulative += weight
            self.edges.append(-(-cumulative * _SPACE // total))  # ceiling division

    def version_at(self, point: int) -> str:
        return self.versions[bisect_right(self.edges, point)]


def choose(weights: Sequence[tuple[str, int]], point: int) -> str:
    """The version whose band holds `point` (in [0, 2**64)); bands follow `weights` in order."""
    return Bands(weights).version_at(point)


def band_offset(weights: Sequence[tuple[str, int]], point: int) -> int:
    """Where `point` lies inside its band, rescaled to [0, 2**64): a second point for reassigning a key
    whose version is unavailable, independent of which band it fell in."""
    total = sum(weight for _, weight in weights)
    scaled = point * total
    lower = 0
    for _, weight in weights:
        upper = lower + weight * _SPACE
        if scaled < upper:
            return (scaled - lower) // weight if weight else 0
        lower = upper
    return 0
