"""counting.Counter.shard(): an owner's part of a counter, summed in the series, folded in when dropped."""

from __future__ import annotations

import gc

from prometheus_client import CollectorRegistry

from promptgit.observability import catalogue
from promptgit.observability.counting import Counter


def exposed(counter: Counter, **labels: str) -> float:
    registry = CollectorRegistry()
    registry.register(counter)
    return registry.get_sample_value(counter.spec.name + "_total", labels) or 0.0


def test_shards_count_once_sum_in_the_series_and_fold_in_when_dropped() -> None:
    counter = Counter(catalogue.LOADER_FALLBACKS)
    counter.labels(prompt="a", kind="template").inc()
    first, second = counter.shard(), counter.shard()
    first.labels(prompt="a", kind="last_known_good").inc(2)
    second.labels(prompt="b", kind="last_known_good").inc()
    second.labels(prompt="a", kind="last_known_good").inc()
    assert first.total(kind="last_known_good") == 2 and second.total(kind="last_known_good") == 2
    assert exposed(counter, prompt="a", kind="last_known_good") == 3
    assert counter.value(prompt="a", kind="last_known_good") == 3
    del first
    gc.collect()
    # a new shard made right after (it may reuse the dropped one's id) does not hide what was folded
    third = counter.shard()
    third.labels(prompt="a", kind="last_known_good").inc()
    assert exposed(counter, prompt="a", kind="last_known_good") == 4
    assert exposed(counter, prompt="b", kind="last_known_good") == 1
    assert exposed(counter, prompt="a", kind="template") == 1
