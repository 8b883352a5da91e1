"""The response cache's series (`promptgit_response_cache_*`), counted like every other (counting.py).

Hits, misses and the tokens and cost they saved are four running totals per (prompt, version), updated
under one lock per lookup; backend faults are a Counter by (backend, operation), whose children exist
from a backend's first use; the entries gauge is summed at scrape time over the live caches. Labels are
bounded: prompt names and their versions, backend names (memory | sqlite | redis) and operations
(catalogue.RESPONSE_CACHE_OPERATIONS).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from promptgit.observability import catalogue
from promptgit.observability.counting import Counter, family_of

if TYPE_CHECKING:
    from prometheus_client.core import Metric

# the positions of the running totals in a LookupCounters cell
HITS, MISSES, TOKENS_SAVED, COST_SAVED = range(4)

_TOTALS = (
    catalogue.RESPONSE_CACHE_HITS,
    catalogue.RESPONSE_CACHE_MISSES,
    catalogue.RESPONSE_CACHE_TOKENS_SAVED,
    catalogue.RESPONSE_CACHE_COST_SAVED,
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
            cells = sorted((labels, list(values)) for labels, values in self._cells.items())
        for index, spec in enumerate(_TOTALS):
            family = family_of(spec)
            for labels, values in cells:
                family.add_metric(list(labels), values[index], created=self._created)
            yield family

    def describe(self) -> Iterator[Metric]:
        for spec in _TOTALS:
            yield family_of(spec)


class EntryCounts(Protocol):
    backend_name: str

    def entry_count(self) -> int | None: ...


class EntriesCollector:
    """`promptgit_response_cache_entries{backend}`, summed at scrape time over the live caches."""

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
        family = family_of(catalogue.RESPONSE_CACHE_ENTRIES)
        for backend, count in sorted(totals.items()):
            family.add_metric([backend], count)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield family_of(catalogue.RESPONSE_CACHE_ENTRIES)


class BackendErrors(Counter):
    """promptgit_response_cache_errors_total{backend, operation}; a backend's children exist at 0 from its
    first use (`labels(backend, operation)` as prometheus_client's Counter takes them)."""

    def __init__(self) -> None:
        super().__init__(catalogue.RESPONSE_CACHE_ERRORS)
        self._backends: set[str] = set()

    def backend(self, name: str) -> None:
        """A cache on backend `name` exists: its error series read 0 until a fault."""
        if name in self._backends:
            return
        self._backends.add(name)
        for operation in catalogue.RESPONSE_CACHE_OPERATIONS:
            self.labels(backend=name, operation=operation)


@dataclass(frozen=True)
class CacheMetrics:
    lookups: LookupCounters
    entries: EntriesCollector
    errors: BackendErrors  # backend, operation
    bypassed: Counter  # backend: lookups that skipped a backend backing off from a fault

    @classmethod
    def create(cls) -> CacheMetrics:
        return cls(
            LookupCounters(), EntriesCollector(), BackendErrors(), Counter(catalogue.RESPONSE_CACHE_BYPASSED)
        )

    def track(self, cache: EntryCounts) -> None:
        """A live cache: its entries are counted at scrape time and its backend's error series exist."""
        self.entries.track(cache)
        self.errors.backend(cache.backend_name)
        self.bypassed.labels(backend=cache.backend_name)

    def collectors(self) -> tuple[Any, ...]:
        return (self.lookups, self.entries, self.errors, self.bypassed)
