"""Single-flight in a process: concurrent identical misses make one upstream call."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.backends.memory import MemoryBackend
from tests.llm.cache.conftest import FakeClock, response_value

THREADS = 16


class CountingMemory(MemoryBackend):
    """The real memory backend, announcing each lookup so a test can wait until every caller has missed."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.lookups = 0
        self.changed = threading.Condition()

    def get(self, key: str) -> dict[str, Any] | None:
        found = super().get(key)
        with self.changed:
            self.lookups += 1
            self.changed.notify_all()
        return found

    def wait_for_lookups(self, count: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.lookups >= count, timeout=30)


def counting_cache(clock: FakeClock, **options: Any) -> tuple[ResponseCache, CountingMemory]:
    cache = ResponseCache("memory://", clock=clock, **options)
    backend = CountingMemory(clock)
    cache._store.backend = backend  # the real backend class, instrumented
    return cache, backend


def run_threads(cache: ResponseCache, compute: Any) -> list[tuple[dict[str, Any], bool]]:
    results: list[tuple[dict[str, Any], bool]] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            found = cache.get_or_compute("k", compute, prompt="p", version="1")
        except RuntimeError:
            return  # the failing leader's own call
        with lock:
            results.append(found)

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_sixteen_threads_missing_together_make_one_call(clock: FakeClock) -> None:
    cache, backend = counting_cache(clock)
    calls = []

    def compute() -> dict[str, Any]:
        calls.append(1)
        # the leader holds its flight until every other thread has looked up and missed
        backend.wait_for_lookups(THREADS + 1)  # 16 first lookups and the leader's second one
        return response_value()

    results = run_threads(cache, compute)
    assert len(calls) == 1
    assert sorted(hit for _, hit in results) == [False] + [True] * (THREADS - 1)
    assert all(value == response_value() for value, _ in results)
    assert (cache.stats().hits, cache.stats().misses) == (THREADS - 1, 1)


def test_when_the_leader_fails_each_follower_calls_for_itself(clock: FakeClock) -> None:
    cache, backend = counting_cache(clock)
    calls = []
    lock = threading.Lock()

    def compute() -> dict[str, Any]:
        with lock:
            calls.append(1)
            first = len(calls) == 1
        if first:
            backend.wait_for_lookups(THREADS + 1)
            raise RuntimeError("upstream 503")
        return response_value()

    results = run_threads(cache, compute)
    assert len(results) == THREADS - 1  # the leader's thread raised
    assert all(value == response_value() for value, _ in results)
    assert 2 <= len(calls) <= THREADS  # followers retried on their own; none received the error


def test_a_follower_waits_at_most_wait_timeout(clock: FakeClock) -> None:
    cache, backend = counting_cache(clock, wait_timeout=0)
    release = threading.Event()
    calls = []

    def compute() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)  # a stalled leader
        return response_value()

    leader = threading.Thread(target=lambda: cache.get_or_compute("k", compute, prompt="p", version="1"))
    leader.start()
    backend.wait_for_lookups(2)
    assert cache.get_or_compute("k", compute, prompt="p", version="1") == (response_value(), False)
    release.set()
    leader.join(30)
    assert len(calls) == 2


def test_tasks_missing_together_make_one_call(clock: FakeClock) -> None:
    cache = ResponseCache("memory://", clock=clock)
    calls = []

    async def compute() -> dict[str, Any]:
        calls.append(1)
        await asyncio.sleep(0)  # let the other tasks look up and follow
        return response_value()

    async def main() -> list[tuple[dict[str, Any], bool]]:
        lookups = [cache.aget_or_compute("k", compute, prompt="p", version="1") for _ in range(THREADS)]
        return await asyncio.gather(*lookups)

    results = asyncio.run(main())
    assert len(calls) == 1
    assert sorted(hit for _, hit in results) == [False] + [True] * (THREADS - 1)
