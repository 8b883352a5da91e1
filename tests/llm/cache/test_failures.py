"""The fault guard: errors counted by backend and operation, logs rate-limited, back-off that ends."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter

from promptgit.llm.cache import ResponseCache
from promptgit.llm.cache.failures import FaultGuard
from tests.llm.cache.conftest import FakeClock, Upstream, response_value
from tests.llm.cache.redis_server import RedisServer


def guard(clock: FakeClock, registry: CollectorRegistry) -> FaultGuard:
    errors = Counter("promptgit_response_cache_errors", "", ["backend", "operation"], registry=registry)
    return FaultGuard("redis", errors, retry_after=1, max_retry_after=4, log_interval=60, monotonic=clock)


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


def test_the_back_off_doubles_and_ends_with_a_success(
    clock: FakeClock, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    faults = guard(clock, registry)
    faults.failed("get", ConnectionError())
    assert not faults.available()
    clock.advance(1)
    assert faults.available()
    faults.failed("get", ConnectionError())
    clock.advance(1)
    assert not faults.available()  # 2 s now
    clock.advance(1)
    assert faults.available()
    for _ in range(5):
        faults.failed("get", ConnectionError())
    clock.advance(4)
    assert faults.available()  # capped at max_retry_after
    caplog.clear()
    with caplog.at_level(logging.WARNING, "promptgit.llm.cache"):
        faults.succeeded()
        faults.succeeded()
    assert [record.getMessage() for record in caplog.records] == ["response cache redis works again"]
    faults.failed("get", ConnectionError())
    clock.advance(1)
    assert faults.available()  # back to the first delay


def test_a_decode_fault_does_not_back_off(clock: FakeClock, registry: CollectorRegistry) -> None:
    faults = guard(clock, registry)
    faults.failed("decode", ValueError("not JSON"), back_off=False)
    assert faults.available()


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
