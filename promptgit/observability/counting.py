"""The one way promptgit counts: plain numbers under a lock, exposed as metric families at scrape time.

prometheus_client takes a lock per counter and per histogram bucket, and importing it costs about 57 ms
(most of it http.server and ssl, pulled in by its exposition module): a cold start that gets and renders
one prompt would pay that before its first answer. So nothing here imports it to count; `collect()`
imports `prometheus_client.core` when a registry is scraped, which is when the application has it loaded
anyway. Every collector takes its name, type, help and labels from catalogue.py.

`Counter` and `Histogram` are the part of prometheus_client's API that promptgit uses
(`labels(**values).inc()`, `.observe()`), with one difference that dashboards need: `labels()` creates
the child at 0, so a series exists from its first use and panels read 0 rather than "No data", and
`rate()` sees the first increment.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import weakref
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from promptgit.observability.catalogue import Family

if TYPE_CHECKING:
    from prometheus_client.core import Metric


@cache
def bucket_labels(bounds: tuple[float, ...]) -> tuple[str, ...]:
    """The `le` label values of histogram buckets with upper `bounds`, `+Inf` last."""
    from prometheus_client.utils import floatToGoString

    return (*(floatToGoString(bound) for bound in bounds), "+Inf")


def cumulative(bounds: tuple[float, ...], counts: list[int]) -> list[tuple[str, float]]:
    """Per-bucket counts (the last one above every bound) as a histogram family's cumulative buckets."""
    total, buckets = 0, []
    for label, count in zip(bucket_labels(bounds), counts, strict=True):
        total += count
        buckets.append((label, float(total)))
    return buckets


def bucket_index(bounds: tuple[float, ...], value: float) -> int:
    """The bucket of `value`: the first bound at or above it (prometheus's `le`), len(bounds) above all."""
    return bisect_left(bounds, value)


def family_of(spec: Family) -> Any:
    """An empty metric family of `spec`'s type, name, help and labels (prometheus_client imported now);
    typed Any: each type's add_metric takes its own arguments."""
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
        SummaryMetricFamily,
    )

    kinds = {
        "counter": CounterMetricFamily,
        "gauge": GaugeMetricFamily,
        "histogram": HistogramMetricFamily,
        "summary": SummaryMetricFamily,
    }
    return kinds[spec.kind](spec.name, spec.help, labels=list(spec.labels))


def check_amount(name: str, amount: float) -> float:
    """`amount` as a float if a counter may add it: finite and not negative (ValueError otherwise)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise ValueError(f"{name}: {amount!r} is not a number")
    value = float(amount)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}: counters only go up by a finite amount, not {amount!r}")
    return value


class Counter:
    """A counter by label values; `labels(**values)` makes the child (at 0) and returns it."""

    def __init__(self, spec: Family) -> None:
        self.spec = spec
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, ...], list[float]] = {}  # values -> [count, created]
        self._shards: dict[int, dict[tuple[str, ...], float]] = {}  # live shards' cells, by id
        self._dropped: list[int] = []  # shards garbage-collected since the last fold
        self._numbers = itertools.count()
        if not spec.labels:
            self._counts[()] = [0.0, time.time()]  # an unlabelled counter exists from the start, at 0

    def shard(self) -> CounterShard:
        """A part of this counter that its owner can read back alone (a Repository's stats()): counted
        once, exposed as part of the sum. When the shard is dropped its counts move into the counter,
        so a series never goes down."""
        cells: dict[tuple[str, ...], float] = {}
        shard = CounterShard(self, cells)
        with self._lock:
            number = next(self._numbers)  # not id(): a new shard may reuse a dropped one's id before the fold
            self._shards[number] = cells
        # the finalizer only notes the number (list.append is atomic): it may run in a garbage collection
        # started while this thread holds the lock, and the fold takes the lock (at the next collect)
        weakref.finalize(shard, self._dropped.append, number)
        return shard

    def _fold_dropped(self) -> None:
        """Move the counts of dropped shards into the counter; the caller holds the lock."""
        while self._dropped:
            cells = self._shards.pop(self._dropped.pop(), {})
            for key, count in cells.items():
                self._counts[key][0] += count  # the key exists: a shard's labels() made it

    def labels(self, *positional: str, **values: str) -> CounterChild:
        """The child of these label values (by name, or in the order of the family's labels)."""
        key = self._key(positional, values)
        with self._lock:
            if key not in self._counts:
                self._counts[key] = [0.0, time.time()]
        return CounterChild(self, key)

    def inc(self, amount: float = 1.0) -> None:
        if self.spec.labels:
            raise ValueError(f"{self.spec.name}: counter has labels {list(self.spec.labels)}; use labels()")
        self.add((), amount)

    def add(self, key: tuple[str, ...], amount: float) -> None:
        value = check_amount(self.spec.name, amount)
        with self._lock:
            entry = self._counts.get(key)
            if entry is None:
                entry = self._counts[key] = [0.0, time.time()]
            entry[0] += value

    def value(self, **values: str) -> float:
        """The count of one child (0 when it does not exist), for stats and tests."""
        key = self._key((), values)
        with self._lock:
            entry = self._counts.get(key)
            sharded = sum(cells.get(key, 0.0) for cells in self._shards.values())
        return (entry[0] if entry else 0.0) + sharded

    def _key(self, positional: tuple[str, ...], values: dict[str, str]) -> tuple[str, ...]:
        names = self.spec.labels
        if positional:
            if values or len(positional) != len(names):
                raise ValueError(f"{self.spec.name}: labels {list(positional)} are not {list(names)}")
            return tuple(str(value) for value in positional)
        if set(values) != set(names):
            raise ValueError(f"{self.spec.name}: labels {sorted(values)} are not {list(names)}")
        return tuple(str(values[name]) for name in names)

    def collect(self) -> Iterator[Metric]:
        family = family_of(self.spec)
        with self._lock:
            self._fold_dropped()
            counts = sorted((key, list(entry)) for key, entry in self._counts.items())
            shards = [dict(cells) for cells in self._shards.values()]
        for key, entry in counts:
            entry[0] += sum(cells.get(key, 0.0) for cells in shards)
        for key, (count, created) in counts:
            family.add_metric(list(key), count, created=created)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(self.spec)


class CounterShard:
    """One owner's part of a Counter (see Counter.shard): counts under the counter's lock."""

    def __init__(self, counter: Counter, cells: dict[tuple[str, ...], float]) -> None:
        self._counter, self._cells = counter, cells

    def labels(self, *positional: str, **values: str) -> CounterShardChild:
        key = self._counter.labels(*positional, **values)._key  # the series exists (at 0) from now
        return CounterShardChild(self, key)

    def inc(self, amount: float = 1.0) -> None:
        if self._counter.spec.labels:
            raise ValueError(f"{self._counter.spec.name}: counter has labels; use labels()")
        self.add((), amount)

    def add(self, key: tuple[str, ...], amount: float) -> None:
        value = check_amount(self._counter.spec.name, amount)
        with self._counter._lock:
            self._cells[key] = self._cells.get(key, 0.0) + value

    def total(self, **values: str) -> float:
        """This shard's count summed over the children whose labels include `values`."""
        names = self._counter.spec.labels
        wanted = {names.index(name): value for name, value in values.items()}
        with self._counter._lock:
            return sum(
                count
                for key, count in self._cells.items()
                if all(key[index] == value for index, value in wanted.items())
            )


class CounterShardChild:
    __slots__ = ("_key", "_shard")

    def __init__(self, shard: CounterShard, key: tuple[str, ...]) -> None:
        self._shard, self._key = shard, key

    def inc(self, amount: float = 1.0) -> None:
        self._shard.add(self._key, amount)


class CounterChild:
    """One series of a Counter, bound once so that counting does no label lookups."""

    __slots__ = ("_counter", "_key")

    def __init__(self, counter: Counter, key: tuple[str, ...]) -> None:
        self._counter, self._key = counter, key

    def inc(self, amount: float = 1.0) -> None:
        self._counter.add(self._key, amount)


class Histogram:
    """A histogram by label values with fixed bucket `bounds`; `labels(...).observe(seconds)`."""

    def __init__(self, spec: Family, bounds: tuple[float, ...]) -> None:
        self.spec = spec
        self.bounds = bounds
        self._lock = threading.Lock()
        self._series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}  # buckets, [sum]

    def labels(self, **values: str) -> HistogramChild:
        if set(values) != set(self.spec.labels):
            raise ValueError(f"{self.spec.name}: labels {sorted(values)} are not {list(self.spec.labels)}")
        key = tuple(str(values[name]) for name in self.spec.labels)
        with self._lock:
            if key not in self._series:
                self._series[key] = ([0] * (len(self.bounds) + 1), [0.0])
        return HistogramChild(self, key)

    def observe(self, key: tuple[str, ...], value: float) -> None:
        if not math.isfinite(value):
            return  # a clock that jumped; never a NaN sum
        index = bucket_index(self.bounds, value)
        with self._lock:
            buckets, total = self._series.setdefault(key, ([0] * (len(self.bounds) + 1), [0.0]))
            buckets[index] += 1
            total[0] += value

    def collect(self) -> Iterator[Metric]:
        family = family_of(self.spec)
        with self._lock:
            series = sorted((key, list(buckets), total[0]) for key, (buckets, total) in self._series.items())
        for key, buckets, total in series:
            family.add_metric(list(key), cumulative(self.bounds, buckets), total)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(self.spec)


class HistogramChild:
    __slots__ = ("_histogram", "_key")

    def __init__(self, histogram: Histogram, key: tuple[str, ...]) -> None:
        self._histogram, self._key = histogram, key

    def observe(self, value: float) -> None:
        self._histogram.observe(self._key, value)
