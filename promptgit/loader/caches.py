"""The loader's two caches: an LRU for immutable things, and a TTL cache that serves stale while revalidating.

Both are thread-safe. Time comes from an injected clock so expiry is tested without sleeping.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from promptgit.errors import GitError, LabelTagMissingError, PromptgitError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Clock = Callable[[], float]

log = logging.getLogger("promptgit.loader")


Grow = Callable[[], int]  # a bound sized from what the cache holds (the library), asked at most once


def _grown(bound: int, grow: Grow | None) -> int:
    """`bound`, raised to what `grow` says when that is larger; a grow that fails leaves it as it was."""
    if grow is None:
        return bound
    try:
        return max(bound, grow())
    except Exception as exc:  # sizing is an optimisation: a git failure must not fail a put
        log.debug("promptgit: cache bound not resized: %s", exc)
        return bound


class LRUCache(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry; for values that never go stale.

    `grow`: asked once, when the cache is first full, for a larger bound (sized from the library), so
    a bound set for a small library is no cliff for a large one. `evictions` counts entries forgotten,
    and `on_evict(count)` hears of them as they happen (the loader's eviction series).
    """

    def __init__(
        self, maxsize: int, *, grow: Grow | None = None, on_evict: Callable[[int], None] | None = None
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.evictions = 0
        self.on_evict = on_evict
        self._grow = grow
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        evicted = 0
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            if len(self._data) > self.maxsize and self._grow is not None:
                grow, self._grow = self._grow, None
                self.maxsize = _grown(self.maxsize, grow)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
                evicted += 1
            self.evictions += evicted
        if evicted and self.on_evict is not None:
            self.on_evict(evicted)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class Freshness(Enum):
    """How a TTLCache lookup was answered."""

    MISS = "miss"  # loaded now, in the caller's thread
    FRESH = "fresh"  # cached and within its TTL
    STALE = "stale"  # cached, past its TTL; a background refresh was started or is running
    LAST_KNOWN_GOOD = "last_known_good"  # cached, and the last refresh failed


@dataclass
class _Entry(Generic[V]):
    value: V
    fetched_at: float
    expires: bool
    generation: int
    failing: bool = False
    refreshing: bool = False


class TTLCache(Generic[K, V]):
    """Values that expire after `ttl` seconds, refreshed in the background while the old value is served.

    - A missing key is loaded in the caller's thread; its errors go to the caller.
    - An expired key returns the cached value at once and starts one background refresh for that key.
    - A refresh that fails keeps the old value (last-known-good), calls `on_failure`, and is retried after
      another TTL; lookups say LAST_KNOWN_GOOD until a refresh succeeds. Unless `keeps_last_known_good`
      says the error is a definite answer (the thing is gone, not unreachable): then the entry is
      dropped, and the next lookup loads it again in the caller's thread (and gets that error).
    - Entries stored with `expires=False` are never refreshed.
    - At most `max_refreshes` refreshes run at once; an expired key met while all are busy is served
      stale and tried again on a later lookup.
    - At most `max_entries` keys are kept (callers choose keys: 20,000 distinct range selectors must not
      make 20,000 entries); adding one more forgets the oldest stored (counted in `evictions`, and told to
      `on_evict(count)`). `grow` is asked once, when the cache is first full, for a larger bound sized
      from the library (never from what callers ask for).
    """

    def __init__(
        self,
        ttl: float,
        clock: Clock = time.monotonic,
        on_failure: Callable[[K, Exception], None] | None = None,
        max_refreshes: int = 8,
        keeps_last_known_good: Callable[[Exception], bool] | None = None,
        max_entries: int = 4096,
        grow: Grow | None = None,
        on_evict: Callable[[int], None] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.evictions = 0
        self.on_evict = on_evict
        self._grow = grow
        self.ttl = ttl
        self.clock = clock
        self.on_failure = on_failure
        self.keeps_last_known_good = keeps_last_known_good
        # many keys expiring at once must not start a thread each; the others stay stale a little longer
        self.max_refreshes = max_refreshes
        self._data: dict[K, _Entry[V]] = {}
        self._lock = threading.Lock()
        self._generations = itertools.count()
        self._refreshers: set[threading.Thread] = set()

    def fresh(self, key: K) -> V | None:
        """The value of `key` if it is cached, within its TTL (or never expiring) and not failing; else None.

        Lock-free: one dict read of an entry that is replaced, not edited, except for fields whose stale read
        only answers as a lookup made a moment earlier would have. Misses and stale entries go to get().
        """
        entry = self._data.get(key)
        if entry is None or entry.failing:
            return None
        if entry.expires and self.clock() - entry.fetched_at >= self.ttl:
            return None
        return entry.value

    def get(self, key: K, load: Callable[[], V], *, expires: bool = True) -> tuple[V, Freshness]:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None:
                if not entry.expires or self.clock() - entry.fetched_at < self.ttl:
                    return entry.value, Freshness.LAST_KNOWN_GOOD if entry.failing else Freshness.FRESH
                if not entry.refreshing and len(self._refreshers) < self.max_refreshes:
                    entry.refreshing = True
                    self._start_refresh(key, load)
                return entry.value, Freshness.LAST_KNOWN_GOOD if entry.failing else Freshness.STALE
            generation = next(self._generations)
        value = load()
        self._store(key, value, expires, generation)
        return value, Freshness.MISS

    def _store(self, key: K, value: V, expires: bool, generation: int) -> None:
        evicted = 0
        with self._lock:
            current = self._data.get(key)
            # two threads may load a missing key at once; a slower, older load must not replace a newer one
            if current is None or current.generation < generation:
                self._data[key] = _Entry(value, self.clock(), expires, generation)
            if current is None:
                if len(self._data) > self.max_entries and self._grow is not None:
                    grow, self._grow = self._grow, None
                    self.max_entries = _grown(self.max_entries, grow)
                while len(self._data) > self.max_entries:
                    del self._data[next(iter(self._data))]  # dicts keep insertion order: the oldest
                    evicted += 1
                self.evictions += evicted
        if evicted and self.on_evict is not None:
            self.on_evict(evicted)

    def _start_refresh(self, key: K, load: Callable[[], V]) -> None:
        generation = next(self._generations)
        thread = threading.Thread(
            target=self._refresh, args=(key, load, generation), name="promptgit-refresh", daemon=True
        )
        self._refreshers.add(thread)
        thread.start()

    def _refresh(self, key: K, load: Callable[[], V], generation: int) -> None:
        try:
            value = load()
        except Exception as exc:
            if self.keeps_last_known_good is not None and not self.keeps_last_known_good(exc):
                with self._lock:
                    entry = self._data.get(key)
                    if entry is not None and entry.generation < generation:
                        del self._data[key]
                return
            with self._lock:
                entry = self._data.get(key)
                if entry is not None:
                    entry.failing = True
                    entry.refreshing = False
                    entry.fetched_at = self.clock()
            if self.on_failure is not None:
                self.on_failure(key, exc)
        else:
            with self._lock:
                entry = self._data.get(key)
                if entry is not None:  # evicted meanwhile: not stored again (the cache stays bounded)
                    self._data[key] = _Entry(value, self.clock(), entry.expires, generation)
        finally:
            with self._lock:
                self._refreshers.discard(threading.current_thread())

    def wait_for_refreshes(self, timeout: float | None = None) -> bool:
        """Block until the background refreshes running now have finished; False if `timeout` ran out."""
        with self._lock:
            running = list(self._refreshers)
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in running:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return False
        return True

    def expire_all(self) -> None:
        """Make every expiring entry stale now (the next lookup of each starts its refresh)."""
        with self._lock:
            for entry in self._data.values():
                if entry.expires:
                    entry.fetched_at = float("-inf")

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def unreachable(exc: Exception) -> bool:
    """A TTLCache `keeps_last_known_good` for the loader: keep serving last-known-good only when git could
    not be read (or failed unexpectedly). A definite answer (no such label entry, prompt or release)
    takes effect like any change. A label naming a release tag that is not there is an inconsistency
    (pushed without its tag), not an answer: last-known-good is kept (issue 19)."""
    if isinstance(exc, LabelTagMissingError):
        return True
    return isinstance(exc, GitError) or not isinstance(exc, PromptgitError)
