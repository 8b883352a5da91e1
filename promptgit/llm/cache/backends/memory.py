"""`memory://`: an LRU in the process, bounded by entries and by encoded bytes.

Values are kept decoded, so a hit costs a dict lookup and no parse. The object a hit returns is the
stored one (as with functools.lru_cache): callers read it and must not modify it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from promptgit.llm.cache import keys_and_values


class _Entry(NamedTuple):
    value: dict[str, Any]
    size: int
    expires_at: float


class MemoryBackend:
    """An LRU dict; `max_entries` and `max_bytes` (of encoded values) bound it, oldest use out first."""

    name = "memory"

    def __init__(
        self, *, clock: Callable[[], float], max_entries: int = 10_000, max_bytes: int = 256 * 1024 * 1024
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise TypeError("max_entries and max_bytes must be positive")
        self._clock = clock
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= self._clock():
                self._remove(key)
                return None
            self._entries.move_to_end(key)
            return entry.value

    def set(self, key: str, data: bytes, ttl: float) -> None:
        if len(data) > self.max_bytes:
            return  # larger than the whole cache: storing it would evict everything for one entry
        entry = _Entry(keys_and_values.decode(data), len(data), self._clock() + ttl)
        with self._lock:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = entry
            self._bytes += entry.size
            self._evict()

    def delete(self, key: str) -> None:
        with self._lock:
            if key in self._entries:
                self._remove(key)

    def count(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def prune(self) -> int:
        now = self._clock()
        with self._lock:
            expired = [key for key, entry in self._entries.items() if entry.expires_at <= now]
            for key in expired:
                self._remove(key)
            return len(expired) + self._evict()

    def clear(self) -> int:
        with self._lock:
            removed = len(self._entries)
            self._entries.clear()
            self._bytes = 0
            return removed

    def close(self) -> None:
        self.clear()

    def describe(self) -> dict[str, Any]:
        return {"entries": len(self._entries), "value_bytes": self._bytes, "max_entries": self.max_entries}

    def _remove(self, key: str) -> None:
        self._bytes -= self._entries.pop(key).size

    def _evict(self) -> int:
        removed = 0
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _key, entry = self._entries.popitem(last=False)
            self._bytes -= entry.size
            removed += 1
        return removed
