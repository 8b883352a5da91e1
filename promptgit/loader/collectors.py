"""The collectors behind the loader's hot metrics: one lock per call updates every series of that call.

prometheus_client takes a lock per counter and per histogram bucket; these keep plain counts and expose
them at scrape time with the same names, types and labels (see metrics.py for the full list).
"""

from __future__ import annotations

import threading
import time
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # prometheus_client is imported when a registry collects, not when a metric counts
    from prometheus_client.core import Metric

# latencies of a warm render are tens of microseconds; a cold git read is milliseconds
LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


@cache
def _bucket_labels() -> tuple[str, ...]:
    from prometheus_client.utils import floatToGoString

    return (*(floatToGoString(bound) for bound in LATENCY_BUCKETS), "+Inf")


class CacheSizes(Protocol):
    def cache_sizes(self) -> Mapping[str, int]: ...


class CacheEntriesCollector:
    """`promptgit_cache_entries{layer}`: summed at scrape time over the live repositories of a registry."""

    def __init__(self) -> None:
        self._sources: weakref.WeakSet[CacheSizes] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, source: CacheSizes) -> None:
        with self._lock:
            self._sources.add(source)

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        totals: dict[str, int] = {"template": 0, "resolution": 0}
        with self._lock:
            sources = list(self._sources)
        for source in sources:
            for layer, size in source.cache_sizes().items():
                totals[layer] = totals.get(layer, 0) + size
        family = GaugeMetricFamily(
            "promptgit_cache_entries", "Entries held by the loader caches", labels=["layer"]
        )
        for layer, size in sorted(totals.items()):
            family.add_metric([layer], size)
        yield family

    def describe(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        yield GaugeMetricFamily(
            "promptgit_cache_entries", "Entries held by the loader caches", labels=["layer"]
        )


def _cumulative(counts: list[int]) -> list[tuple[str, float]]:
    total, buckets = 0, []
    for label, count in zip(_bucket_labels(), counts, strict=True):
        total += count
        buckets.append((label, float(total)))
    return buckets


class LookupMetrics:
    """Loads by source, cache hits and misses by layer, and get() latency, behind one lock.

    Exposed as promptgit_loads_total{source}, promptgit_cache_hits_total{layer},
    promptgit_cache_misses_total{layer} and the histogram promptgit_resolve_duration_seconds.
    """

    SOURCES = ("cache", "git", "fallback")
    LAYERS = ("resolution", "template")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.lock = self._lock  # for counters that cache_hit updates along with the metrics
        self._created = time.time()
        self._loads = dict.fromkeys(self.SOURCES, 0)
        self._hits = dict.fromkeys(self.LAYERS, 0)
        self._misses = dict.fromkeys(self.LAYERS, 0)
        self._buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self._seconds = 0.0

    def cache_hit(self, seconds: float, counts: dict[str, int]) -> None:
        """get() answered from the resolution cache in `seconds` (the hot path: one lock); also adds the
        hit to a Repository's `counts` for stats(), which must be guarded by `lock`."""
        index = bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            counts["hits"] += 1
            self._hits["resolution"] += 1
            self._loads["cache"] += 1
            self._buckets[index] += 1
            self._seconds += seconds

    def loaded(self, source: str, seconds: float) -> None:
        """get() returned a prompt from `source` (cache, git or fallback) in `seconds`."""
        index = bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            self._loads[source] += 1
            self._buckets[index] += 1
            self._seconds += seconds

    def lookup(self, layer: str, hit: bool) -> None:
        """A lookup in cache `layer` (resolution or template)."""
        with self._lock:
            (self._hits if hit else self._misses)[layer] += 1

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        with self._lock:
            loads, hits, misses = dict(self._loads), dict(self._hits), dict(self._misses)
            buckets, seconds = list(self._buckets), self._seconds
        for name, documentation, label, values in (
            ("promptgit_loads", "Prompts returned by get(), by where they came from", "source", loads),
            ("promptgit_cache_hits", "Loader cache hits", "layer", hits),
            ("promptgit_cache_misses", "Loader cache misses", "layer", misses),
        ):
            family = CounterMetricFamily(name, documentation, labels=[label])
            for value, count in values.items():
                family.add_metric([value], count, created=self._created)
            yield family
        histogram = HistogramMetricFamily(
            "promptgit_resolve_duration_seconds", "Time for get() to turn a selector into a compiled prompt"
        )
        histogram.add_metric([], _cumulative(buckets), seconds)
        yield histogram

    def describe(self) -> Iterator[Metric]:
        return self.collect()


class RenderSeries:
    """The render metrics of one prompt version; a render updates them all under one lock."""

    __slots__ = ("_lock", "_owed", "buckets", "created", "prompt", "renders", "seconds", "tokens", "version")

    def __init__(self, prompt: str, version: str) -> None:
        self.prompt = prompt
        self.version = version
        self.created = time.time()
        self._lock = threading.Lock()
        self.renders = 0
        self.tokens = 0
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.seconds = 0.0
        self._owed: list[Callable[[], None]] = []

    def owe(self, settle: Callable[[], None]) -> None:
        """`settle` adds tokens counted later (see loader/loaded.py); a scrape calls it first."""
        with self._lock:
            self._owed.append(settle)

    def add_tokens(self, tokens: int) -> None:
        with self._lock:
            self.tokens += tokens

    def rendered(self, seconds: float, tokens: int) -> None:
        """A successful render that took `seconds` and made about `tokens` tokens."""
        index = bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            self.renders += 1
            self.tokens += tokens
            self.buckets[index] += 1
            self.seconds += seconds

    def failed(self, seconds: float) -> None:
        """A failed render: its latency counts, the render and tokens do not."""
        index = bisect_left(LATENCY_BUCKETS, seconds)
        with self._lock:
            self.buckets[index] += 1
            self.seconds += seconds

    def snapshot(self) -> tuple[int, int, list[int], float]:
        with self._lock:
            owed, self._owed = self._owed, []
        for settle in owed:
            settle()
        with self._lock:
            return self.renders, self.tokens, list(self.buckets), self.seconds


class RenderMetrics:
    """promptgit_renders_total, promptgit_rendered_tokens_total and the histogram
    promptgit_render_duration_seconds, all by {prompt, version}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], RenderSeries] = {}

    def series(self, prompt: str, version: str) -> RenderSeries:
        """The series of one prompt version, shared by every Repository on the registry; bind it once."""
        with self._lock:
            found = self._series.get((prompt, version))
            if found is None:
                found = self._series[(prompt, version)] = RenderSeries(prompt, version)
            return found

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        with self._lock:
            series = list(self._series.values())
        renders = CounterMetricFamily("promptgit_renders", "Successful renders", labels=["prompt", "version"])
        tokens = CounterMetricFamily(
            "promptgit_rendered_tokens",
            "Estimated tokens of successful renders",
            labels=["prompt", "version"],
        )
        histogram = HistogramMetricFamily(
            "promptgit_render_duration_seconds",
            "Time to validate inputs and render a prompt",
            labels=["prompt", "version"],
        )
        for one in series:
            count, token_count, buckets, seconds = one.snapshot()
            renders.add_metric([one.prompt, one.version], count, created=one.created)
            tokens.add_metric([one.prompt, one.version], token_count, created=one.created)
            histogram.add_metric([one.prompt, one.version], _cumulative(buckets), seconds)
        yield renders
        yield tokens
        yield histogram

    def describe(self) -> Iterator[Metric]:
        return self.collect()


class LabeledCounter:
    """A counter of rare events (errors, failures, fallbacks) by label values, exposed at scrape time.

    The part of prometheus_client's Counter the loader uses (`labels(**values).inc()`, `inc()`), without
    importing prometheus_client to count: the loader starts without it (see metrics.py).
    """

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = ()) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, labelnames
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, ...], list[float]] = {}  # values -> [count, created]

    def labels(self, **values: str) -> _Child:
        if set(values) != set(self.labelnames):
            raise ValueError(f"{self.name}: labels {sorted(values)} are not {list(self.labelnames)}")
        return _Child(self, tuple(str(values[name]) for name in self.labelnames))

    def inc(self, amount: float = 1.0) -> None:
        if self.labelnames:
            raise ValueError(f"{self.name}: counter has labels {list(self.labelnames)}; use labels()")
        self._add((), amount)

    def _add(self, values: tuple[str, ...], amount: float) -> None:
        with self._lock:
            entry = self._counts.get(values)
            if entry is None:
                entry = self._counts[values] = [0.0, time.time()]
            entry[0] += amount

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(self.name, self.documentation, labels=list(self.labelnames))
        with self._lock:
            counts = sorted(self._counts.items())
        if not self.labelnames and not counts:
            counts = [((), [0.0, time.time()])]  # an unlabelled counter exists from the start, at 0
        for values, (count, created) in counts:
            family.add_metric(list(values), count, created=created)
        yield family

    def describe(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily

        yield CounterMetricFamily(self.name, self.documentation, labels=list(self.labelnames))


class _Child:
    __slots__ = ("_counter", "_values")

    def __init__(self, counter: LabeledCounter, values: tuple[str, ...]) -> None:
        self._counter, self._values = counter, values

    def inc(self, amount: float = 1.0) -> None:
        self._counter._add(self._values, amount)
