"""The LRU and the TTL cache with an injected clock: expiry, stale-while-revalidate, last-known-good."""

from __future__ import annotations

import threading

import pytest

from promptgit.loader.caches import Freshness, LRUCache, TTLCache


def test_lru_forgets_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_lru_rejects_zero_size() -> None:
    with pytest.raises(ValueError):
        LRUCache(0)


def test_ttl_fresh_then_stale_then_refreshed(clock) -> None:
    cache: TTLCache[str, str] = TTLCache(60, clock)
    assert cache.get("k", lambda: "v1") == ("v1", Freshness.MISS)
    assert cache.get("k", lambda: "unused") == ("v1", Freshness.FRESH)
    clock.now += 59.9
    assert cache.get("k", lambda: "unused") == ("v1", Freshness.FRESH)
    clock.now += 0.2
    # past the TTL: the old value comes back at once, the new one is loaded in the background
    assert cache.get("k", lambda: "v2") == ("v1", Freshness.STALE)
    assert cache.wait_for_refreshes(10)
    assert cache.get("k", lambda: "unused") == ("v2", Freshness.FRESH)


def test_stale_served_while_exactly_one_refresh_runs(clock) -> None:
    cache: TTLCache[str, str] = TTLCache(1, clock)
    cache.get("k", lambda: "old")
    clock.now += 5
    release = threading.Event()
    calls: list[int] = []

    def slow_load() -> str:
        calls.append(1)
        release.wait(10)
        return "new"

    results = [cache.get("k", slow_load) for _ in range(20)]
    assert results == [("old", Freshness.STALE)] * 20
    release.set()
    assert cache.wait_for_refreshes(10)
    assert calls == [1]
    assert cache.get("k", slow_load) == ("new", Freshness.FRESH)


def test_failed_refresh_keeps_last_known_good_and_reports(clock) -> None:
    failures: list[tuple[str, str]] = []
    cache: TTLCache[str, str] = TTLCache(
        10, clock, on_failure=lambda key, exc: failures.append((key, str(exc)))
    )
    cache.get("k", lambda: "good")
    clock.now += 11

    def broken() -> str:
        raise OSError("repository gone")

    assert cache.get("k", broken) == ("good", Freshness.STALE)
    assert cache.wait_for_refreshes(10)
    assert failures == [("k", "repository gone")]
    assert cache.get("k", broken) == ("good", Freshness.LAST_KNOWN_GOOD)
    # retried after another TTL; a success clears the failing state
    clock.now += 11
    assert cache.get("k", lambda: "better") == ("good", Freshness.LAST_KNOWN_GOOD)
    assert cache.wait_for_refreshes(10)
    assert cache.get("k", broken) == ("better", Freshness.FRESH)


def test_entries_that_do_not_expire_are_never_refreshed(clock) -> None:
    cache: TTLCache[str, str] = TTLCache(1, clock)
    cache.get("exact", lambda: "v", expires=False)
    clock.now += 10_000
    assert cache.get("exact", lambda: pytest.fail("must not reload")) == ("v", Freshness.FRESH)


def test_error_on_a_miss_goes_to_the_caller_and_caches_nothing(clock) -> None:
    cache: TTLCache[str, str] = TTLCache(1, clock)

    def broken() -> str:
        raise KeyError("nope")

    with pytest.raises(KeyError):
        cache.get("k", broken)
    assert len(cache) == 0


def test_refreshes_running_at_once_are_bounded(clock) -> None:
    cache: TTLCache[int, str] = TTLCache(1, clock, max_refreshes=2)
    for key in range(5):
        cache.get(key, lambda: "old")
    clock.now += 5
    release = threading.Event()
    started: list[int] = []

    def slow_load(key: int):  # type: ignore[no-untyped-def]
        def load() -> str:
            started.append(key)
            release.wait(10)
            return "new"

        return load

    assert [cache.get(key, slow_load(key)) for key in range(5)] == [("old", Freshness.STALE)] * 5
    release.set()
    assert cache.wait_for_refreshes(10)
    assert sorted(started) == [0, 1]
    # the keys that found no free slot refresh on a later lookup
    assert cache.get(4, slow_load(4)) == ("old", Freshness.STALE)
    assert cache.wait_for_refreshes(10)
    assert cache.get(4, slow_load(4)) == ("new", Freshness.FRESH)
