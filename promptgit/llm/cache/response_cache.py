"""ResponseCache: LLM responses by cache key, single-flight on misses, failing open on backend faults.

Single-flight: concurrent identical misses make one upstream call. In one process the first caller of
a key leads: it computes while the others follow, waiting at most `wait_timeout` seconds. A follower
receives only a value the leader stored; when the leader raised, or its value was refused or could not
be stored, or it took too long, each follower computes for itself (an error is never shared, like it
is never cached). Across processes and replicas the same happens through a backend's `Locks`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from promptgit.llm.cache.backends import default_url, open_backend, redacted
from promptgit.llm.cache.fail_open import FaultGuard, GuardedBackend
from promptgit.observability.registry import cache_metrics
from promptgit.observability.response_cache_series import COST_SAVED, HITS, MISSES, TOKENS_SAVED

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

Cacheable = Callable[[dict[str, Any]], bool]


HEALTH_PROBE_KEY = "promptgit-health-probe"  # read by health(), never written: a miss is a healthy answer


class ResponseCache:
    """Responses of LLM calls, one interface over memory://, sqlite:///path and redis:// backends.

    `url` None is the embedded default, an SQLite file under the user cache directory. `ttl` is the
    default lifetime of an entry in seconds. `lock_ttl` bounds a replica's lock key and `wait_timeout`
    how long a caller waits for another caller's identical miss before calling upstream itself;
    `retry_after` is how long a faulty backend is left alone before one call probes it (`monotonic`
    is the clock of that back-off; see fail_open.py). Other options go to the backend
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
        monotonic: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> None:
        self.ttl = ttl
        self.lock_ttl = lock_ttl
        self.wait_timeout = wait_timeout
        metrics = cache_metrics(registry)
        backend = open_backend(url, clock=clock, options=options)
        self._store = GuardedBackend(
            backend,
            FaultGuard(
                backend.name, metrics.errors, metrics.bypassed, retry_after=retry_after, monotonic=monotonic
            ),
        )
        self.backend_name = backend.name
        self.url = redacted(url) if url is not None else default_url()
        self._inline = backend.name == "memory"  # no I/O: async callers need no thread for it
        self._lookups = metrics.lookups
        self._totals: list[float] = [0, 0, 0, 0.0]
        self._flights = SingleFlight()
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
            was_stored = False
            try:
                value, was_stored = self._compute(key, compute, prompt, version, ttl, cacheable, token)
            finally:
                if token is not None and not was_stored:  # stored: released with the store
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
            was_stored = False
            try:
                value, was_stored = await self._acompute(key, compute, prompt, version, ttl, cacheable, token)
            finally:
                if token is not None and not was_stored:  # stored: released with the store
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

    def health(self) -> dict[str, Any]:
        """A ping of the backend, for a service's readiness: one read of a key that is never written
        (one round trip to Redis, one indexed lookup in SQLite; never a scan), straight to the backend
        (the fault back-off does not answer for it). {"ok", "backend", "url", "latency_ms", "error"}."""
        started = time.perf_counter()
        error = None
        try:
            self._store.backend.get(HEALTH_PROBE_KEY)
        except Exception as exc:  # any fault of the backend is the answer, not a crash of the probe
            error = f"{type(exc).__name__}: {exc}"
        return {
            "ok": error is None,
            "backend": self.backend_name,
            "url": self.url,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            "error": error,
        }

    def entry_count(self) -> int | None:
        """The backend's entry count for the entries gauge: one cheap read in every backend (never a
        scan), gated by the back-off like every other operation, so a scrape never waits on a faulty
        backend; None when it cannot say now."""
        return self._store.count()

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
        unlock: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        self._miss(prompt, version)
        value = compute()
        return value, self._store.put(key, value, ttl, cacheable, unlock)

    async def _acompute(
        self,
        key: str,
        compute: Callable[[], Awaitable[dict[str, Any]]],
        prompt: str,
        version: str,
        ttl: float,
        cacheable: Cacheable | None,
        unlock: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        self._miss(prompt, version)
        value = await compute()
        return value, await self._io(self._store.put, key, value, ttl, cacheable, unlock)

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


@dataclass(frozen=True)
class CacheStats:
    """Counts of one ResponseCache object; `entries` is the backend's (shared by every user of it),
    None when the backend cannot be reached."""

    entries: int | None
    hits: int
    misses: int
    tokens_saved: int
    cost_saved_usd: float

    @property
    def total_requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        return self.hits / self.total_requests if self.total_requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Every field, the derived ones included, e.g. for JSON."""
        return {**asdict(self), "hit_rate": self.hit_rate, "total_requests": self.total_requests}


def saved_by(value: dict[str, Any]) -> tuple[int, float]:
    """(tokens, USD) a hit on `value` did not spend: usage.input_tokens + output_tokens, cost_usd."""
    try:
        usage = value["usage"]
        tokens = usage["input_tokens"] + usage["output_tokens"]
    except (KeyError, TypeError):
        tokens = 0
    cost = value.get("cost_usd")
    return (
        tokens if isinstance(tokens, int) and tokens >= 0 else 0,
        float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0 else 0.0,
    )


class Flight:
    """One in-flight computation of a key: `value` is set when the leader stored one, else None."""

    __slots__ = ("done", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: dict[str, Any] | None = None


class SingleFlight:
    """Leaders and followers per key, among the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Flight] = {}

    def join(self, key: str) -> tuple[Flight, bool]:
        """The flight of `key` and whether the caller leads it (the first caller does)."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            flight = self._flights[key] = Flight()
            return flight, True

    def land(self, key: str, flight: Flight, value: dict[str, Any] | None) -> None:
        """End the leader's flight; followers get `value` (None: compute yourselves)."""
        with self._lock:
            if self._flights.get(key) is flight:
                del self._flights[key]
        flight.value = value
        flight.done.set()

    def wait(self, flight: Flight, timeout: float) -> dict[str, Any] | None:
        """The leader's stored value, or None after a failed leader or `timeout` seconds."""
        return flight.value if flight.done.wait(timeout) else None


class AsyncSingleFlight:
    """The same among the tasks of one event loop (a task joining from another loop leads its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = {}

    def join(self, key: str) -> tuple[asyncio.Future[Any], bool]:
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._flights.get(key)
            if found is not None and found[0] is loop:
                return found[1], False
            future: asyncio.Future[Any] = loop.create_future()
            if found is None:
                self._flights[key] = (loop, future)
            return future, True

    def land(self, key: str, future: asyncio.Future[Any], value: dict[str, Any] | None) -> None:
        with self._lock:
            found = self._flights.get(key)
            if found is not None and found[1] is future:
                del self._flights[key]
        if not future.done():
            future.set_result(value)

    async def wait(self, future: asyncio.Future[Any], timeout: float) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] | None = await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            return None
        return result
