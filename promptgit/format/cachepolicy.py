"""The `cache:` front matter key: how long `promptgit.llm.complete` may keep a prompt's answers.

`cache: false` never caches; `cache: true` or absent uses the cache's default TTL; `cache: {ttl: 6h}` sets
one (durations 30s, 15m, 6h, 2d, or a number of seconds; 0 is the same as false).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class CachePolicy:
    """`enabled`: answers may come from and go to the cache; `ttl`: seconds, None for the cache's default;
    `explicit`: the front matter says so (a reviewed decision, which silences PG212)."""

    enabled: bool = True
    ttl: float | None = None
    explicit: bool = False


def parse_duration(value: object) -> float:
    """`30s`, `15m`, `6h`, `2d` or a number of seconds -> seconds; ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 6h, 2d)")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def cache_policy(metadata: Mapping[str, Any]) -> CachePolicy:
    """The policy the front matter declares; ValueError when `cache:` is neither a bool nor {ttl: ...}."""
    if "cache" not in metadata:
        return CachePolicy()
    value = metadata["cache"]
    if isinstance(value, bool):
        return CachePolicy(enabled=value, explicit=True)
    if isinstance(value, Mapping) and set(value) <= {"ttl"}:
        ttl = parse_duration(value["ttl"]) if "ttl" in value else None
        return CachePolicy(enabled=True, ttl=ttl, explicit=True)
    raise ValueError(f"cache: must be true, false or {{ttl: DURATION}}, not {value!r}")
