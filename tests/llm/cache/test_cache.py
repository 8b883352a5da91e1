"""ResponseCache behaviour every backend shares: hits, misses, TTLs, what is never stored, stats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from promptgit.llm.cache import ResponseCache, cache_key
from tests.llm.cache.conftest import FakeClock, Upstream, response_value

KEY = cache_key(
    prompt="content/hook", version="1.0.0", blob_sha="a" * 40, rendered="hi", model="m", params={}
)
OTHER = cache_key(
    prompt="content/hook", version="1.1.0", blob_sha="b" * 40, rendered="hi", model="m", params={}
)
MakeCache = Callable[..., ResponseCache]


def _factory(
    backend: str,
    request: pytest.FixtureRequest,
    registry: CollectorRegistry,
    clock: FakeClock,
    tmp_path: Path,
) -> Iterator[MakeCache]:
    if backend == "redis":
        url = request.getfixturevalue("redis_server").url
    else:
        url = {"memory": "memory://", "sqlite": f"sqlite:///{tmp_path}/responses.db"}[backend]
    made: list[ResponseCache] = []

    def make(**options: Any) -> ResponseCache:
        options.setdefault("registry", registry)
        options.setdefault("clock", clock)
        made.append(ResponseCache(url, **options))
        return made[-1]

    yield make
    for cache in made:
        cache.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_cache(
    request: pytest.FixtureRequest, registry: CollectorRegistry, clock: FakeClock, tmp_path: Path
) -> Iterator[MakeCache]:
    yield from _factory(request.param, request, registry, clock, tmp_path)


# Redis counts TTLs in its own time (SET PX), not the injected clock: test_redis.py covers them there
@pytest.fixture(params=["memory", "sqlite"])
def make_clocked_cache(
    request: pytest.FixtureRequest, registry: CollectorRegistry, clock: FakeClock, tmp_path: Path
) -> Iterator[MakeCache]:
    yield from _factory(request.param, request, registry, clock, tmp_path)


def lookup(cache: ResponseCache, upstream: Callable[[], dict[str, Any]], key: str = KEY, **kw: Any) -> Any:
    return cache.get_or_compute(key, upstream, prompt="content/hook", version="1.0.0", **kw)


def test_a_miss_calls_upstream_and_the_next_lookup_is_a_hit(make_cache: MakeCache) -> None:
    cache, upstream = make_cache(), Upstream()
    assert lookup(cache, upstream) == (response_value(), False)
    assert lookup(cache, upstream) == (response_value(), True)
    assert upstream.calls == 1


def test_another_release_is_another_key(make_cache: MakeCache) -> None:
    cache, upstream = make_cache(), Upstream()
    lookup(cache, upstream)
    assert lookup(cache, upstream, OTHER)[1] is False
    assert upstream.calls == 2


def test_entries_expire_after_their_ttl(make_clocked_cache: MakeCache, clock: FakeClock) -> None:
    cache, upstream = make_clocked_cache(ttl=60), Upstream()
    lookup(cache, upstream)
    clock.advance(59)
    assert lookup(cache, upstream)[1] is True
    clock.advance(1)
    assert lookup(cache, upstream)[1] is False
    assert upstream.calls == 2


def test_a_per_call_ttl_overrides_the_default(make_clocked_cache: MakeCache, clock: FakeClock) -> None:
    cache, upstream = make_clocked_cache(ttl=3600), Upstream()
    lookup(cache, upstream, ttl=10)
    clock.advance(10)
    assert lookup(cache, upstream)[1] is False


def test_ttl_zero_bypasses_the_cache(make_cache: MakeCache) -> None:
    cache, upstream = make_cache(), Upstream()
    assert lookup(cache, upstream, ttl=0)[1] is False
    assert lookup(cache, upstream, ttl=0)[1] is False
    assert upstream.calls == 2
    assert cache.stats().entries == 0
    assert cache.stats().total_requests == 0


def test_an_upstream_error_propagates_and_is_never_stored(make_cache: MakeCache) -> None:
    cache = make_cache()

    def failing() -> dict[str, Any]:
        raise RuntimeError("upstream 500")

    with pytest.raises(RuntimeError, match="upstream 500"):
        lookup(cache, failing)
    upstream = Upstream()
    assert lookup(cache, upstream)[1] is False
    assert upstream.calls == 1


def test_cacheable_refuses_a_value(make_cache: MakeCache) -> None:
    cache, upstream = make_cache(), Upstream()
    seen: list[dict[str, Any]] = []

    def refuse(value: dict[str, Any]) -> bool:
        seen.append(value)
        return False

    assert lookup(cache, upstream, cacheable=refuse) == (response_value(), False)
    assert seen == [response_value()]
    assert lookup(cache, upstream)[1] is False
    assert upstream.calls == 2


def test_a_value_that_is_not_json_is_returned_uncached_and_counted(
    make_cache: MakeCache, registry: CollectorRegistry
) -> None:
    cache = make_cache()
    value = {"response": {"created": object()}}
    assert lookup(cache, lambda: value) == (value, False)
    assert cache.stats().entries == 0
    labels = {"backend": cache.backend_name, "operation": "encode"}
    assert registry.get_sample_value("promptgit_response_cache_errors_total", labels) == 1


def test_stats_count_hits_misses_and_savings(make_cache: MakeCache) -> None:
    cache, upstream = make_cache(), Upstream(response_value(input_tokens=10, output_tokens=5))
    for _ in range(4):
        lookup(cache, upstream)
    stats = cache.stats()
    assert (stats.entries, stats.hits, stats.misses, stats.total_requests) == (1, 3, 1, 4)
    assert stats.hit_rate == 0.75
    assert stats.tokens_saved == 45
    assert stats.cost_saved_usd == pytest.approx(3 * 0.000123)
    assert set(stats.as_dict()) == {
        "entries",
        "hits",
        "misses",
        "hit_rate",
        "total_requests",
        "tokens_saved",
        "cost_saved_usd",
    }


def test_metrics_are_labelled_by_prompt_and_version(
    make_cache: MakeCache, registry: CollectorRegistry
) -> None:
    cache, upstream = make_cache(), Upstream()
    for _ in range(3):
        lookup(cache, upstream)
    labels = {"prompt": "content/hook", "version": "1.0.0"}
    assert registry.get_sample_value("promptgit_response_cache_hits_total", labels) == 2
    assert registry.get_sample_value("promptgit_response_cache_misses_total", labels) == 1
    assert registry.get_sample_value("promptgit_response_cache_tokens_saved_total", labels) == 84
    assert registry.get_sample_value(
        "promptgit_response_cache_cost_saved_usd_total", labels
    ) == pytest.approx(0.000246)
    entries = {"backend": cache.backend_name}
    assert registry.get_sample_value("promptgit_response_cache_entries", entries) == 1


def test_two_caches_share_one_registry(make_cache: MakeCache, registry: CollectorRegistry) -> None:
    first, second = make_cache(), ResponseCache("memory://", registry=registry)
    lookup(first, Upstream())
    lookup(second, Upstream())
    labels = {"prompt": "content/hook", "version": "1.0.0"}
    assert registry.get_sample_value("promptgit_response_cache_misses_total", labels) == 2
    assert first.stats().misses == 1


def test_clear_and_prune(make_clocked_cache: MakeCache, clock: FakeClock) -> None:
    cache, upstream = make_clocked_cache(ttl=10), Upstream()
    lookup(cache, upstream)
    lookup(cache, upstream, OTHER, ttl=100)
    clock.advance(10)
    assert cache.prune() == 1
    assert cache.stats().entries == 1
    assert cache.clear() == 1
    assert cache.stats().entries == 0
