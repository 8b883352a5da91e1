"""The fault guard: errors counted by backend and operation, logs rate-limited, one back-off window per
outage with one probe at its end, and a real Redis that hiccups under concurrent load."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from prometheus_client import CollectorRegistry, Counter

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.fail_open import FaultGuard
from tests.llm.cache.conftest import FakeClock, Upstream, response_value
from tests.llm.cache.redis_server import RedisServer


def guard(clock: FakeClock, registry: CollectorRegistry) -> FaultGuard:
    errors = Counter("promptgit_response_cache_errors", "", ["backend", "operation"], registry=registry)
    bypassed = Counter("promptgit_response_cache_bypassed", "", ["backend"], registry=registry)
    return FaultGuard("redis", errors, bypassed, retry_after=1, log_interval=60, monotonic=clock)


def test_faults_are_counted_and_logged_at_a_bounded_rate(
    clock: FakeClock, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    faults = guard(clock, registry)
    with caplog.at_level(logging.WARNING, "promptgit.llm.cache"):
        for _ in range(5):
            faults.failed("get", ConnectionError("refused"))
            clock.advance(1)
        clock.advance(60)
        faults.failed("set", TimeoutError("timed out"))
    labels = {"backend": "redis", "operation": "get"}
    assert registry.get_sample_value("promptgit_response_cache_errors_total", labels) == 5
    assert [record.getMessage() for record in caplog.records] == [
        "response cache redis get failed, calling upstream uncached: ConnectionError: refused",
        "response cache redis set failed, calling upstream uncached: TimeoutError: timed out"
        " (4 more since the last report)",
    ]


def test_concurrent_faults_open_one_window_that_never_grows(
    clock: FakeClock, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    # twenty callers meeting one timeout used to double the delay twenty times (1 -> 30 s at once)
    faults = guard(clock, registry)
    for _ in range(20):
        faults.failed("get", TimeoutError())
    assert (faults.windows, faults.admit()) == (1, False)
    clock.advance(0.99)
    assert not faults.admit()
    clock.advance(0.01)
    assert faults.admit()  # the probe
    assert not faults.admit()  # the others wait for its outcome
    faults.failed("get", TimeoutError())  # the probe failed: another window of the same length
    clock.advance(0.99)
    assert not faults.admit()
    clock.advance(0.01)
    assert faults.admit()
    caplog.clear()
    with caplog.at_level(logging.WARNING, "promptgit.llm.cache"):
        assert faults.succeeded() is True
        assert faults.succeeded() is False
    assert [record.getMessage() for record in caplog.records] == ["response cache redis works again"]
    assert all(faults.admit() for _ in range(5))


def test_a_fault_from_before_the_window_does_not_extend_it(
    clock: FakeClock, registry: CollectorRegistry
) -> None:
    faults = guard(clock, registry)
    faults.failed("get", TimeoutError())
    clock.advance(0.5)
    faults.failed("unlock", TimeoutError())  # an operation that was in flight when the first one failed
    clock.advance(0.5)
    assert faults.admit()
    assert faults.windows == 1
    assert (
        registry.get_sample_value(
            "promptgit_response_cache_errors_total", {"backend": "redis", "operation": "unlock"}
        )
        == 1
    )


def test_a_decode_fault_does_not_back_off(clock: FakeClock, registry: CollectorRegistry) -> None:
    faults = guard(clock, registry)
    faults.failed("decode", ValueError("not JSON"), back_off=False)
    assert faults.admit()


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_async_lookups_on_the_io_backends(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        url = server.url
    else:
        url = f"sqlite:///{tmp_path}/r.db"
    cache = ResponseCache(url, registry=CollectorRegistry())
    upstream = Upstream()

    async def compute() -> dict[str, object]:
        await asyncio.sleep(0.01)
        return upstream()

    async def main() -> list[tuple[dict[str, object], bool]]:
        first = await asyncio.gather(
            *(cache.aget_or_compute("k", compute, prompt="p", version="1") for _ in range(8))
        )
        return [*first, await cache.aget_or_compute("k", compute, prompt="p", version="1")]

    results = asyncio.run(main())
    assert upstream.calls == 1
    assert [hit for _, hit in results].count(False) == 1
    assert all(value == response_value() for value, _ in results)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"backend": "redis", **labels}) or 0.0


def concurrently(count: int, function: Callable[[], object]) -> list[object]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: function(), range(count)))


def test_a_redis_hiccup_under_load_costs_one_window(
    redis_server: RedisServer, registry: CollectorRegistry, clock: FakeClock
) -> None:
    # issue 20.1: with the back-off doubling per fault, twenty callers on one timeout turned the cache off
    # for 30 s; the back-off clock is driven by hand here, the Redis and its timeouts are real
    cache = ResponseCache(redis_server.url, registry=registry, retry_after=1, monotonic=clock)
    cache.get_or_compute("k", Upstream(), prompt="p", version="1")
    redis_server.pause()
    try:
        results = concurrently(20, lambda: cache.get_or_compute("k", Upstream(), prompt="p", version="1"))
        assert results == [(response_value(), False)] * 20  # every caller answered, by upstream
        assert (
            cache.backend_name == "redis"
            and sample(registry, "promptgit_response_cache_errors_total", operation="get") >= 1
        )
        faults = cache._store.guard
        assert faults.windows == 1
        errors_so_far = registry.get_sample_value(
            "promptgit_response_cache_errors_total", {"backend": "redis", "operation": "get"}
        )
        # inside the window: nothing goes to Redis (no timeout paid, no error), each lookup counted
        for _ in range(5):
            assert cache.get_or_compute("k", Upstream(), prompt="p", version="1")[1] is False
        assert cache.stats().entries is None  # the entry count is gated too: no wait on a scrape
        assert sample(registry, "promptgit_response_cache_bypassed_total") == 5
        assert sample(registry, "promptgit_response_cache_errors_total", operation="get") == errors_so_far
        assert sample(registry, "promptgit_response_cache_errors_total", operation="count") == 0
    finally:
        redis_server.resume()
    clock.advance(1)  # one window after the first fault, Redis back
    assert cache.get_or_compute("k", Upstream(), prompt="p", version="1")[1] is True
    assert cache.stats().entries == 1
    assert faults.windows == 1


def test_a_lock_whose_release_failed_is_released_when_redis_answers_again(
    redis_server: RedisServer, registry: CollectorRegistry, clock: FakeClock
) -> None:
    # a lock key left behind made replicas wait up to wait_timeout for the same key after recovery
    cache = ResponseCache(redis_server.url, registry=registry, retry_after=1, monotonic=clock, lock_ttl=60)
    client = redis.Redis.from_url(redis_server.url)

    def compute() -> dict[str, object]:
        redis_server.pause()  # Redis goes away while this caller holds the lock of its key
        return response_value()

    try:
        assert cache.get_or_compute("k", compute, prompt="p", version="1") == (response_value(), False)
    finally:
        redis_server.resume()
    assert client.exists("promptgit:response:l:k") == 1  # still held: the release did not reach Redis
    clock.advance(1)
    assert cache.get_or_compute("other", Upstream(), prompt="p", version="1")[1] is False
    assert client.exists("promptgit:response:l:k") == 0  # released with the first success


def test_the_first_hit_after_a_real_redis_pause_comes_within_a_few_windows(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    # real clocks: eight threads keep calling while Redis is frozen for a second, then each looks up
    # until it hits. Lookups, not seconds, are asserted: a thread pauses 20 ms between lookups, so one
    # 1 s window is at most ~50 of them on any machine (a slower one makes fewer). Three windows are
    # allowed, for a loaded machine where a probe meets a timeout; the doubling back-off took up to 30 s,
    # about 1,500
    cache = ResponseCache(redis_server.url, registry=registry, retry_after=1)
    for n in range(4):
        cache.get_or_compute(f"k{n}", Upstream(), prompt="p", version="1")
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set():
            cache.get_or_compute(f"k{n % 4}", Upstream(), prompt="p", version="1")
            n += 1

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        redis_server.pause()
        time.sleep(1.0)
    finally:
        redis_server.resume()
        resumed = time.monotonic()

    def lookups_to_first_hit() -> tuple[int, float]:
        for attempt in range(1, 1000):
            if cache.get_or_compute("k0", Upstream(), prompt="p", version="1")[1]:
                return attempt, time.monotonic() - resumed
            time.sleep(0.02)
        return 1000, time.monotonic() - resumed

    try:
        found = concurrently(4, lookups_to_first_hit)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    attempts = [attempt for attempt, _ in found]  # type: ignore[misc]
    seconds = max(elapsed for _, elapsed in found)  # type: ignore[misc]
    print(f"first hit after the pause: {seconds:.2f} s, attempts {attempts}")
    assert max(attempts) <= 150
    assert sample(registry, "promptgit_response_cache_bypassed_total") > 0
