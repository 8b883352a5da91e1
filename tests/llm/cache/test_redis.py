"""redis://: TTLs and prefixes in a real redis-server, replicas single-flight, and a Redis that goes away."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest

from promptgit.errors import ConfigError
from promptgit.llm.cache import ResponseCache
from tests.llm.cache.conftest import Upstream, response_value
from tests.llm.cache.redis_server import RedisServer, free_port
from tests.llm.cache.workers import calls, run_processes


def errors(registry: CollectorRegistry, operation: str) -> float:
    labels = {"backend": "redis", "operation": operation}
    return registry.get_sample_value("promptgit_response_cache_errors_total", labels) or 0.0


def lookup(cache: ResponseCache, upstream: Any, key: str = "k", **kw: Any) -> tuple[dict[str, Any], bool]:
    return cache.get_or_compute(key, upstream, prompt="p", version="1", **kw)


def test_ttls_are_set_in_redis_under_the_prefix(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    cache = ResponseCache(redis_server.url, ttl=600, registry=registry, prefix="app:")
    lookup(cache, Upstream())
    lookup(cache, Upstream(), "short", ttl=5)
    client = redis.Redis.from_url(redis_server.url)
    assert sorted(client.keys("*")) == [b"app:index", b"app:v:k", b"app:v:short"]
    assert 590_000 < client.pttl("app:v:k") <= 600_000
    assert 0 < client.pttl("app:v:short") <= 5_000


def test_prefixes_keep_caches_apart(redis_server: RedisServer, registry: CollectorRegistry) -> None:
    first = ResponseCache(redis_server.url, registry=registry, prefix="one:")
    second = ResponseCache(redis_server.url, registry=registry, prefix="two:")
    lookup(first, Upstream())
    assert lookup(second, Upstream())[1] is False
    lookup(second, Upstream(), "other")
    assert (first.stats().entries, second.stats().entries) == (1, 2)
    assert second.clear() == 2
    assert (first.stats().entries, second.stats().entries) == (1, 0)


def test_redis_stopped_in_the_middle_of_a_run(redis_server: RedisServer, registry: CollectorRegistry) -> None:
    cache = ResponseCache(redis_server.url, registry=registry, retry_after=0)
    upstream = Upstream()
    assert [lookup(cache, upstream)[1] for _ in range(3)] == [False, True, True]
    redis_server.stop()
    results = [lookup(cache, upstream) for _ in range(5)]
    assert results == [(response_value(), False)] * 5  # every call still answered, by upstream
    assert errors(registry, "get") >= 5
    assert cache.stats().entries is None
    redis_server.start()  # an empty Redis on the same port: the cache fills and answers again
    assert [lookup(cache, upstream)[1] for _ in range(3)] == [False, True, True]
    assert upstream.calls == 1 + 5 + 1


def test_a_redis_that_refuses_connections(registry: CollectorRegistry) -> None:
    cache = ResponseCache(f"redis://127.0.0.1:{free_port()}/0", registry=registry, retry_after=0)
    upstream = Upstream()
    assert [lookup(cache, upstream) for _ in range(2)] == [(response_value(), False)] * 2
    # per call: the lookup, the lock key, the store; each failed, counted, and the call answered
    assert (errors(registry, "get"), errors(registry, "lock"), errors(registry, "set")) == (2, 2, 2)


def test_a_redis_that_times_out_is_backed_off_from(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    cache = ResponseCache(redis_server.url, registry=registry, socket_timeout=0.1, retry_after=3600)
    upstream = Upstream()
    lookup(cache, upstream)
    redis_server.pause()  # accepts connections, answers nothing
    assert lookup(cache, upstream, "k2") == (response_value(), False)
    assert errors(registry, "get") == 1  # then skipped for retry_after: the next calls pay no timeout
    assert lookup(cache, upstream, "k3") == (response_value(), False)
    assert errors(registry, "get") == 1
    redis_server.resume()
    assert upstream.calls == 3


def test_a_value_that_is_not_json(redis_server: RedisServer, registry: CollectorRegistry) -> None:
    cache = ResponseCache(redis_server.url, registry=registry)
    redis.Redis.from_url(redis_server.url).set("promptgit:response:v:k", b"\x80garbage")
    upstream = Upstream()
    assert lookup(cache, upstream) == (response_value(), False)
    assert errors(registry, "decode") == 1
    assert lookup(cache, upstream)[1] is True
    assert upstream.calls == 1


def test_two_processes_make_one_upstream_call(redis_server: RedisServer, tmp_path: Path) -> None:
    counter = tmp_path / "calls"
    results = run_processes(2, redis_server.url, ["same"], counter, hold=0.3)
    assert calls(counter) == ["same"]
    assert sorted(results) == [(0, 1), (1, 0)]
    client = redis.Redis.from_url(redis_server.url)
    assert client.exists("promptgit:response:l:same") == 0  # the lock key was released


def test_a_waiter_gives_up_on_a_lock_that_is_never_released(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.set("promptgit:response:l:k", "another replica that died", px=600_000)
    cache = ResponseCache(redis_server.url, registry=registry, wait_timeout=0.2)
    upstream = Upstream()
    assert lookup(cache, upstream) == (response_value(), False)
    assert upstream.calls == 1
    assert lookup(cache, upstream)[1] is True  # it stored its value all the same


def test_the_lock_key_is_short_lived(redis_server: RedisServer, registry: CollectorRegistry) -> None:
    cache = ResponseCache(redis_server.url, registry=registry, lock_ttl=7)
    client = redis.Redis.from_url(redis_server.url)
    seen: list[int] = []

    def compute() -> dict[str, Any]:
        seen.append(client.pttl("promptgit:response:l:k"))
        return response_value()

    lookup(cache, compute)
    assert 0 < seen[0] <= 7_000


def test_a_malformed_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="response cache"):
        ResponseCache("redis://127.0.0.1:notaport/0")


def test_a_scrape_while_redis_is_down(redis_server: RedisServer, registry: CollectorRegistry) -> None:
    cache = ResponseCache(redis_server.url, registry=registry)
    lookup(cache, Upstream())
    redis_server.stop()
    exposition = generate_latest(registry).decode()  # the scrape itself never fails
    assert 'promptgit_response_cache_entries{backend="redis"}' not in exposition
    assert errors(registry, "count") == 1


def test_the_entry_count_is_one_command_whatever_the_number_of_keys(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    # issue 23.5: stats() scanned every key under the prefix, on every scrape and health check
    cache = ResponseCache(redis_server.url, registry=registry, prefix="app:")
    for n in range(300):
        lookup(cache, Upstream(), f"k{n}")
    lookup(cache, Upstream(), "brief", ttl=0.05)
    client = redis.Redis.from_url(redis_server.url)
    client.set("other:unrelated", b"x")  # a shared database: other keys are not counted
    time.sleep(0.1)  # "brief" expires in Redis
    client.config_resetstat()
    assert cache.stats().entries == 300
    commands = {name: stats["calls"] for name, stats in client.info("commandstats").items()}
    assert commands.get("cmdstat_scan", 0) == 0 and commands.get("cmdstat_keys", 0) == 0
    assert commands.get("cmdstat_zcount") == 1
    cache.backend.delete("k0")
    assert cache.stats().entries == 299
    assert cache.clear() == 299
    assert cache.stats().entries == 0
    assert client.keys("app:*") == []


def test_a_miss_stores_and_unlocks_in_one_script(
    redis_server: RedisServer, registry: CollectorRegistry
) -> None:
    cache = ResponseCache(redis_server.url, registry=registry)
    client = redis.Redis.from_url(redis_server.url)
    lookup(cache, Upstream(), "warm")  # loads the scripts
    client.config_resetstat()
    lookup(cache, Upstream())
    commands = {name: stats["calls"] for name, stats in client.info("commandstats").items()}
    assert commands["cmdstat_evalsha"] == 1  # the store and the unlock (the release was a second one)
    assert client.keys("promptgit:response:l:*") == []
