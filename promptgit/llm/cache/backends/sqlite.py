"""`sqlite:///path`: the embedded default, shared by the processes of one machine.

WAL lets readers run beside a writer and a busy timeout makes writers queue instead of failing; each
thread of each process has its own connection (opened on first use, again after a fork). A hit is one
SELECT by primary key: the last-access time that drives LRU pruning is written only when it is older
than `touch_interval`, so hits stay reads. Every `prune_every` writes, expired entries and the least
recently used ones over `max_entries` / `max_bytes` are deleted. Lock rows give replicas on this machine
single-flight. A file that is not a database is moved aside (`.corrupt-<time>`) with a warning and a
fresh one is created; see sqlitefile.py.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptgit.llm.cache import codec
from promptgit.llm.cache.backends.sqlitefile import SCHEMA_VERSION, ConnectionPool

__all__ = ["SCHEMA_VERSION", "SQLiteBackend"]

_SELECT = "SELECT value, expires_at, accessed_at FROM entries WHERE key = ?"
_TOUCH = "UPDATE entries SET accessed_at = ? WHERE key = ?"
_UPSERT = "INSERT OR REPLACE INTO entries (key, value, size, expires_at, accessed_at) VALUES (?, ?, ?, ?, ?)"
_LOCK = "INSERT OR IGNORE INTO locks (key, token, expires_at) VALUES (?, ?, ?)"
_LEAST_RECENT = "DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY accessed_at, key LIMIT ?)"
_DESCRIBE = "SELECT count(*), coalesce(sum(size), 0), count(*) FILTER (WHERE expires_at <= ?) FROM entries"
# how many of the least recently used entries add up to less than the bytes to free
_BYTES_OVER = (
    "SELECT count(*) FROM (SELECT sum(size) OVER (ORDER BY accessed_at, key) AS running FROM entries)"
    " WHERE running < ?"
)


class SQLiteBackend:
    """Entries in one SQLite file; see the module docstring for the concurrency and bounds."""

    name = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float],
        max_entries: int = 100_000,
        max_bytes: int = 1024 * 1024 * 1024,
        busy_timeout: float = 2.0,
        prune_every: int = 256,
        touch_interval: float = 60.0,
    ) -> None:
        if max_entries < 1 or max_bytes < 1 or prune_every < 1:
            raise TypeError("max_entries, max_bytes and prune_every must be positive")
        self.path = path
        self._clock = clock
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._prune_every = prune_every
        self._touch_interval = touch_interval
        self._writes = 0
        self._pool = ConnectionPool(path, busy_timeout=busy_timeout)

    def get(self, key: str) -> dict[str, Any] | None:
        now = self._clock()
        row = self._pool.select_one(_SELECT, (key,))
        if row is None or row[1] <= now:
            return None
        value = codec.decode(row[0])
        if now - row[2] >= self._touch_interval:
            self._pool.run(lambda db: db.execute(_TOUCH, (now, key)))
        return value

    def set(self, key: str, data: bytes, ttl: float) -> None:
        now = self._clock()
        self._pool.run(lambda db: db.execute(_UPSERT, (key, data, len(data), now + ttl, now)))
        self._writes += 1
        if self._writes % self._prune_every == 0:
            self.prune()

    def delete(self, key: str) -> None:
        self._pool.run(lambda db: db.execute("DELETE FROM entries WHERE key = ?", (key,)))

    def count(self) -> int:
        now = self._clock()
        found = self._pool.run(
            lambda db: db.execute("SELECT count(*) FROM entries WHERE expires_at > ?", (now,)).fetchone()
        )
        return int(found[0])

    def prune(self) -> int:
        return int(self._pool.run(self._prune))

    def clear(self) -> int:
        return int(self._pool.run(lambda db: db.execute("DELETE FROM entries").rowcount))

    def close(self) -> None:
        self._pool.close()

    def describe(self) -> dict[str, Any]:
        now = self._clock()
        entries, size, expired = self._pool.run(lambda db: db.execute(_DESCRIBE, (now,)).fetchone())
        return {
            "path": str(self.path),
            "entries": entries - expired,
            "expired": expired,
            "value_bytes": size,
            "file_bytes": sum(_size(f"{self.path}{suffix}") for suffix in ("", "-wal", "-shm")),
            "max_entries": self.max_entries,
            "max_bytes": self.max_bytes,
        }

    def acquire(self, key: str, ttl: float) -> str | None:
        token, now = uuid.uuid4().hex, time.time()  # lock rows live in real time, shared by processes

        def take(db: sqlite3.Connection) -> bool:
            with db:  # one transaction: an expired lock is replaced, a live one is kept
                db.execute("BEGIN IMMEDIATE")
                db.execute("DELETE FROM locks WHERE key = ? AND expires_at <= ?", (key, now))
                return db.execute(_LOCK, (key, token, now + ttl)).rowcount == 1

        return token if self._pool.run(take) else None

    def release(self, key: str, token: str) -> None:
        self._pool.run(lambda db: db.execute("DELETE FROM locks WHERE key = ? AND token = ?", (key, token)))

    def _prune(self, db: sqlite3.Connection) -> int:
        now = self._clock()
        with db:
            db.execute("BEGIN IMMEDIATE")
            removed = db.execute("DELETE FROM entries WHERE expires_at <= ?", (now,)).rowcount
            db.execute("DELETE FROM locks WHERE expires_at <= ?", (time.time(),))
            count, size = db.execute("SELECT count(*), coalesce(sum(size), 0) FROM entries").fetchone()
            excess = max(count - self.max_entries, 0)
            if size > self.max_bytes:
                over = db.execute(_BYTES_OVER, (size - self.max_bytes,)).fetchone()[0]
                excess = max(excess, over + 1)  # the entry that crosses the line goes too
            if excess:
                removed += db.execute(_LEAST_RECENT, (excess,)).rowcount
        return int(removed)


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
