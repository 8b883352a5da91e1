"""ResponseCache: LLM responses by cache key, single-flight on misses, failing open on backend faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry

from promptgit.llm.cache.backends import default_url, open_backend, redacted
from promptgit.llm.cache.failures import FaultGuard
from promptgit.llm.cache.guarded import GuardedBackend
from promptgit.llm.cache.singleflight import AsyncSingleFlight, SingleFlight
from promptgit.llm.cache.stats import CacheStats, saved_by
from promptgit.observability.registry import cache_metrics
from promptgit.observability.response_cache_series import COST_SAVED, HITS, MISSES, TOKENS_SAVED

Cacheable = Callable[[dict[str, Any]], bool]


class ResponseCache:
    """Responses of LLM calls, one interface over memory://, sqlite:///path and redis:// backends.

    `url` None is the embedded default, an SQLite file under the user cache directory. `ttl` is the
    default lifetime of an entry in seconds. `lock_ttl` bounds a replica's lock key and `wait_timeout`
    how long a caller waits for another caller's identical miss before calling upstream itself;
    `retry_after` is how long a faulty backend is left alone. Other options go to the backend
    (memory: max_entries, max_bytes; sqlite: max_entries, max_bytes, busy_timeout; redis: prefix,
    socket_timeout, and redis-py's own).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        ttl: float = 86400,
        registry: CollectorRegistry | None = None,
        clock: Callable[[], float] = time.time,
        lock_ttl: float = 30.0,
        wait_timeout: float = 30.0,
        retry_after: float = 1.0,
        **options: Any,
    ) -> None:
        self.ttl = ttl
        self.lock_ttl = lock_ttl
        self.wait_timeout = wait_timeout
        metrics = cache_metrics(registry)
        backend = open_backend(url, clock=clock, options=options)
        self._store = GuardedBackend(
            backend, FaultGuard(backend.name, metrics.errors, retry_after=retry_after)
        )
        self.backend_name = backend.name
        self.url = redacted(url) if url is not None else default_url()
        self._inline = backend.name == "memory"  # no I/O: async callers need no thread for it
        self._lookups = metrics.lookups
        self._totals: list[float] = [0, 0, 0, 0.0]
        self._flights = SingleFlight()
        self._counted: tuple[float, int | None] = (0.0, None)
        self._async_flights = AsyncSingleFlight()
        metrics.track(self)

    @property
    def backend(self) -> Any:
        """The storage backend (memory, sqlite or redis), e.g. for its own maintenance calls."""
        return self._store.backend

    def get_or_compute(
        self,
        key: str,
        compute: Callable[[], dict[str, Any]],
        *,
        prompt: str,
        version: str,
        ttl: float | None = None,
        cacheable: Cacheable | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """(value, hit). A miss runs `compute` once per key at a time (threads here; replicas through
        the backend's lock keys), and stores its value unless `cacheable(value)` is False; when
        `compute` raises the exception propagates and nothing is stored. ttl 0 bypasses the cache."""
        ttl = self.ttl if ttl is None else ttl
        if ttl <= 0:
            return compute(), False
        value = self._store.get(key)
        if value is not None:
            return self._hit(prompt, version, value)
        flight, leader = self._flights.join(key)
        if not leader:
            value = self._flights.wait(flight, self.wait_timeout)
            if value is not None:
                return self._hit(prompt, version, value)
            return self._compute(key, compute, prompt, version, ttl, cacheable)[0], False
        stored = None
        try:
            # a leader may have landed since our lookup; with lock keys the look after locking sees that
            value = self._store.get(key) if self._store.locks is None else None
            if value is not None:
                stored = value
                return self._hit(prompt, version, value)
            value, token = self._replica_flight(key)
            if value is not None:
                stored = value
                return self._hit(prompt, version, value)
            try:
                value, was_stored = self._compute(key, compute, prompt, version, ttl, cacheable)
            finally:
                if token is not None:
                    self._store.release(key, token)
            stored = value if was_stored else None
            return value, False
        finally:
            self._flights.land(key, flight, stored)

    async def aget_or_compute(
        self,
        key: str,
        compute: Callable[[], Awaitable[dict[str, Any]]],
        *,
        prompt: str,
        version: str,
        ttl: float | None = None,
        cacheable: Cacheable | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """get_or_compute for asyncio: backend I/O runs in a thread, waiting never blocks the loop."""
        ttl = self.ttl if ttl is None else ttl
        if ttl <= 0:
            return await compute(), False
        value = await self._io(self._store.get, key)
        if value is not None:
            return self._hit(prompt, version, value)
        future, leader = self._async_flights.join(key)
        if not leader:
            value = await self._async_flights.wait(future, self.wait_timeout)
            if value is not None:
                return self._hit(prompt, version, value)
            return (await self._acompute(key, compute, prompt, version, ttl, cacheable))[0], False
        stored = None
        try:
            value = await self._io(self._store.get, key) if self._store.locks is None else None
            if value is None:
                value, token = await self._areplica_flight(key)
            else:
                token = None
            if value is not None:
                stored = value
                return self._hit(prompt, version, value)
            try:
                value, was_stored = await self._acompute(key, compute, prompt, version, ttl, cacheable)
            finally:
                if token is not None:
                    await self._io(self._store.release, key, token)
            stored = value if was_stored else None
            return value, False
        finally:
            self._async_flights.land(key, future, stored)

    def stats(self) -> CacheStats:
        """This object's hits, misses and savings, and the backend's entry count."""
        with self._lookups.lock:
            hits, misses, tokens, cost = self._totals
        return CacheStats(self._store.count(), int(hits), int(misses), int(tokens), cost)

    def prune(self) -> int:
        """Remove expired entries and those over the backend's bounds; how many."""
        return self._store.backend.prune()

    def clear(self) -> int:
        """Remove every entry of this cache (for Redis: the keys under its prefix); how many."""
        return self._store.backend.clear()

    def close(self) -> None:
        self._store.backend.close()

    def entry_count(self) -> int | None:
        """The backend's entry count for the entries gauge: at most one count per 15 s (a Redis count
        scans the prefix), so scrapes stay cheap."""
        now = time.monotonic()
        if self._store.name == "memory" or now >= self._counted[0]:
            self._counted = (now + 15.0, self._store.count())
        return self._counted[1]

    def _hit(self, prompt: str, version: str, value: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        tokens, cost = saved_by(value)
        cell, totals = self._lookups.cell(prompt, version), self._totals
        with self._lookups.lock:
            cell[HITS] += 1
            cell[TOKENS_SAVED] += tokens
            cell[COST_SAVED] += cost
            totals[HITS] += 1
            totals[TOKENS_SAVED] += tokens
            totals[COST_SAVED] += cost
        return value, True

    def _miss(self, prompt: str, version: str) -> None:
        cell = self._lookups.cell(prompt, version)
        with self._lookups.lock:
            cell[MISSES] += 1
            self._totals[MISSES] += 1

    def _compute(
        self,
        key: str,
        compute: Callable[[], dict[str, Any]],
        prompt: str,
        version: str,
        ttl: float,
        cacheable: Cacheable | None,
    ) -> tuple[dict[str, Any], bool]:
        self._miss(prompt, version)
        value = compute()
        return value, self._store.put(key, value, ttl, cacheable)

    async def _acompute(
        self,
        key: str,
        compute: Callable[[], Awaitable[dict[str, Any]]],
        prompt: str,
        version: str,
        ttl: float,
        cacheable: Cacheable | None,
    ) -> tuple[dict[str, Any], bool]:
        self._miss(prompt, version)
        value = await compute()
        return value, await self._io(self._store.put, key, value, ttl, cacheable)

    def _replica_flight(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """(value another replica stored, None) or (None, our lock token or None to compute unlocked)."""
        deadline, delay = time.monotonic() + self.wait_timeout, 0.005
        while True:
            token, held_elsewhere = self._store.acquire(key, self.lock_ttl)
            if token is not None:
                value = self._store.get(key)  # a replica may have stored it just before we locked
                if value is not None:
                    self._store.release(key, token)
                    return value, None
                return None, token
            remaining = deadline - time.monotonic()
            if not held_elsewhere or remaining <= 0:
                return None, None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.1)
            value = self._store.get(key)
            if value is not None:
                return value, None

    async def _areplica_flight(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        deadline, delay = time.monotonic() + self.wait_timeout, 0.005
        while True:
            token, held_elsewhere = await self._io(self._store.acquire, key, self.lock_ttl)
            if token is not None:
                value = await self._io(self._store.get, key)
                if value is not None:
                    await self._io(self._store.release, key, token)
                    return value, None
                return None, token
            remaining = deadline - time.monotonic()
            if not held_elsewhere or remaining <= 0:
                return None, None
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.1)
            value = await self._io(self._store.get, key)
            if value is not None:
                return value, None

    async def _io(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._inline:
            return function(*args)
        return await asyncio.to_thread(function, *args)
