"""The `cache:` front matter key and its durations."""

from __future__ import annotations

import pytest

from promptgit.format.cachepolicy import CachePolicy, cache_policy, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("6h", 21600), ("2d", 172800), ("90", 90), (45, 45), (1.5, 1.5)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["6 hours", "-1s", "", True, -3, None])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_policies() -> None:
    assert cache_policy({}) == CachePolicy(enabled=True, ttl=None, explicit=False)
    assert cache_policy({"cache": False}) == CachePolicy(enabled=False, explicit=True)
    assert cache_policy({"cache": True}) == CachePolicy(enabled=True, explicit=True)
    assert cache_policy({"cache": {"ttl": "6h"}}) == CachePolicy(enabled=True, ttl=21600, explicit=True)
    with pytest.raises(ValueError, match="cache: must be"):
        cache_policy({"cache": {"ttl": "6h", "size": 3}})
