"""Prometheus metrics of the response cache, created once per injected registry (like loader_metrics).

Hits, misses and the tokens and cost they saved are plain numbers updated under one lock per lookup
and exposed at scrape time (prometheus_client would take a lock per series); backend errors are rare
and use a prometheus_client Counter. Labels are bounded: prompt names and their versions, backend
names (memory | sqlite | redis) and operations (get | set | delete | lock | count | prune | clear | decode
| encode | open).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

HITS, MISSES, TOKENS_SAVED, COST_SAVED = range(4)

_COUNTERS = (
    ("promptgit_response_cache_hits", "Response cache lookups answered from the cache"),
    ("promptgit_response_cache_misses", "Response cache lookups that called upstream"),
    ("promptgit_cache_tokens_saved", "Input plus output tokens not spent thanks to cache hits"),
    ("promptgit_cache_cost_saved_usd", "USD not spent thanks to cache hits"),
)


class LookupCounters:
    """Per (prompt, version): hits, misses, tokens saved, cost saved; `lock` guards every update."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._cells: dict[tuple[str, str], list[float]] = {}
        self._created = time.time()

    def cell(self, prompt: str, version: str) -> list[float]:
        """The four running totals of one series; update them while holding `lock`."""
        found = self._cells.get((prompt, version))
        if found is None:
            with self.lock:
                found = self._cells.setdefault((prompt, version), [0, 0, 0, 0.0])
        return found

    def collect(self) -> Iterator[Metric]:
        with self.lock:
            cells = [(labels, list(values)) for labels, values in self._cells.items()]
        for index, (name, documentation) in enumerate(_COUNTERS):
            family = CounterMetricFamily(name, documentation, labels=["prompt", "version"])
            for labels, values in sorted(cells):
                family.add_metric(list(labels), values[index], created=self._created)
            yield family

    def describe(self) -> Iterator[Metric]:
        for name, documentation in _COUNTERS:
            yield CounterMetricFamily(name, documentation, labels=["prompt", "version"])


class EntryCounts(Protocol):
    backend_name: str

    def entry_count(self) -> int | None: ...


class EntriesCollector:
    """`promptgit_response_cache_entries{backend}`, summed at scrape time over the live caches."""

    NAME = "promptgit_response_cache_entries"
    HELP = "Entries held by the response cache backends"

    def __init__(self) -> None:
        self._caches: weakref.WeakSet[EntryCounts] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, cache: EntryCounts) -> None:
        with self._lock:
            self._caches.add(cache)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            caches = list(self._caches)
        totals: dict[str, int] = {}
        for cache in caches:
            count = cache.entry_count()  # fail-open: None when the backend cannot say
            if count is not None:
                totals[cache.backend_name] = totals.get(cache.backend_name, 0) + count
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["backend"])
        for backend, count in sorted(totals.items()):
            family.add_metric([backend], count)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["backend"])


@dataclass(frozen=True)
class CacheMetrics:
    lookups: LookupCounters
    entries: EntriesCollector
    errors: Counter  # backend, operation
    bypassed: Counter  # backend: lookups that skipped a backend backing off from a fault


_registry_lock = threading.Lock()
_by_registry: weakref.WeakKeyDictionary[CollectorRegistry, CacheMetrics] = weakref.WeakKeyDictionary()


def cache_metrics(registry: CollectorRegistry | None = None) -> CacheMetrics:
    """The response cache metrics on `registry` (default: prometheus_client's global REGISTRY)."""
    target = REGISTRY if registry is None else registry
    with _registry_lock:
        found = _by_registry.get(target)
        if found is None:
            lookups, entries = LookupCounters(), EntriesCollector()
            target.register(lookups)
            target.register(entries)
            errors = Counter(
                "promptgit_response_cache_errors",
                "Response cache backend faults absorbed by failing open",
                ["backend", "operation"],
                registry=target,
            )
            bypassed = Counter(
                "promptgit_response_cache_bypassed",
                "Response cache lookups that skipped the backend while backing off from a fault",
                ["backend"],
                registry=target,
            )
            found = _by_registry[target] = CacheMetrics(lookups, entries, errors, bypassed)
        return found
