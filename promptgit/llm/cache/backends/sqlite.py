"""`sqlite:///path`: the embedded default, one file shared by the processes of one machine.

Concurrency. WAL lets readers run beside a writer and a busy timeout makes writers queue instead of
failing; each thread of each process has its own connection (sqlite3 connections are not shared
across threads), opened on first use and again in a child process after a fork. Lock rows give
replicas on this machine single-flight.

Cost that does not grow with the file. A hit is one SELECT by primary key and never writes: the
last-access time that drives LRU pruning is updated only for entries not touched for `touch_interval`
seconds, and those touches are kept in memory (at most `max_pending_touches`; more are dropped, which
only makes the LRU approximate) and written by the next write of this process, in its transaction.
The entry count and byte total live in a one-row `totals` table that triggers keep in step with every
insert, update and delete, so neither a prune nor `count()` reads the table; every `prune_every` writes,
expired entries are deleted through the expiry index and the least recently used ones over
`max_entries` / `max_bytes` through the LRU index, reading only the rows they delete.

Files that are not ours. The file is created 0600 and its directory 0700 (the default directory,
promptgit's own, is tightened to 0700 when something else created it looser). A directory or file
owned by another user or writable by others is refused (private_files.check_private, as the compiled-
template cache does): the cache is then off, counted as errors of operation `open`, calls go upstream.
A promptgit file carries its application id in the SQLite header; a database without it is refused,
and a file that is corrupt is moved aside (`<name>.corrupt-<unix time>`, with its -wal and -shm) only
when that header says it is ours, so a user's file at a mistyped path is never renamed. Only the file
this connection opened is moved: when another process has already replaced it, this one reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from promptgit.llm.cache import keys_and_values
from promptgit.private_files import UntrustedPath, check_private

log = logging.getLogger("promptgit.llm.cache")
T = TypeVar("T")

SCHEMA_VERSION = 2
APPLICATION_ID = 0x50474331  # "PGC1" at offset 68 of the file's header: a promptgit response cache
_HEADER = b"SQLite format 3\x00"
_SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE entries (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        size INTEGER NOT NULL,
        expires_at REAL NOT NULL,
        accessed_at REAL NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX entries_expires_at ON entries (expires_at)",
    # in LRU order, covering what a prune by bytes reads (key and size)
    "CREATE INDEX entries_lru ON entries (accessed_at, key, size)",
    "CREATE TABLE totals (entries INTEGER NOT NULL, bytes INTEGER NOT NULL)",
    "INSERT INTO totals (entries, bytes) VALUES (0, 0)",
    """CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN
        UPDATE totals SET entries = entries + 1, bytes = bytes + new.size; END""",
    """CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN
        UPDATE totals SET entries = entries - 1, bytes = bytes - old.size; END""",
    """CREATE TRIGGER entries_resized AFTER UPDATE OF size ON entries BEGIN
        UPDATE totals SET bytes = bytes + new.size - old.size; END""",
    "CREATE TABLE locks (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL)",
)
_SELECT = "SELECT value, expires_at, accessed_at FROM entries WHERE key = ?"
# an upsert, not INSERT OR REPLACE: REPLACE deletes without firing the delete trigger
_UPSERT = (
    "INSERT INTO entries (key, value, size, expires_at, accessed_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, size = excluded.size,"
    " expires_at = excluded.expires_at, accessed_at = excluded.accessed_at"
)
_TOUCH = "UPDATE entries SET accessed_at = ? WHERE key = ? AND accessed_at < ?"
_TOTALS = "SELECT entries, bytes FROM totals"
_LOCK = "INSERT OR IGNORE INTO locks (key, token, expires_at) VALUES (?, ?, ?)"
_UNLOCK = "DELETE FROM locks WHERE key = ? AND token = ?"
_LEAST_RECENT = "SELECT key, size FROM entries ORDER BY accessed_at, key"
_DELETE_LEAST_RECENT = (
    "DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY accessed_at, key LIMIT ?)"
)
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB

# a child process must not use its parent's connections: they are reopened when this count moved
_forks = [0]


def _forked() -> None:
    _forks[0] += 1


os.register_at_fork(after_in_child=_forked)


class SchemaVersionError(sqlite3.DatabaseError):
    """The file was written by another promptgit with a schema this one does not read."""


class SQLiteBackend:
    """Entries in one SQLite file; see the module docstring for the concurrency, costs and trust."""

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
        max_pending_touches: int = 4096,
        own_directory: bool = False,
    ) -> None:
        if max_entries < 1 or max_bytes < 1 or prune_every < 1 or max_pending_touches < 0:
            raise TypeError("max_entries, max_bytes and prune_every must be positive")
        self.path = path
        self._clock = clock
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._prune_every = prune_every
        self._touch_interval = touch_interval
        self._max_pending = max_pending_touches
        self._pending: dict[str, float] = {}  # key -> last access not yet written
        self._pending_lock = threading.Lock()
        self._writes = 0
        self._pool = ConnectionPool(path, busy_timeout=busy_timeout, own_directory=own_directory)

    def get(self, key: str) -> dict[str, Any] | None:
        now = self._clock()
        row = self._pool.select_one(_SELECT, (key,))
        if row is None or row[1] <= now:
            return None
        value = keys_and_values.decode(row[0])
        if now - row[2] >= self._touch_interval and len(self._pending) < self._max_pending:
            with self._pending_lock:
                self._pending[key] = now
        return value

    def set(self, key: str, data: bytes, ttl: float) -> None:
        self._store(key, data, ttl, None)

    def set_and_release(self, key: str, data: bytes, ttl: float, token: str) -> None:
        self._store(key, data, ttl, token)

    def _store(self, key: str, data: bytes, ttl: float, token: str | None) -> None:
        now = self._clock()
        row = (key, data, len(data), now + ttl, now)
        if self._pending or token is not None:

            def write(db: sqlite3.Connection) -> None:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    self._write_touches(db)
                    db.execute(_UPSERT, row)
                    if token is not None:
                        db.execute(_UNLOCK, (key, token))

            self._pool.run(write)
        else:
            self._pool.run(lambda db: db.execute(_UPSERT, row))
        self._writes += 1
        if self._writes % self._prune_every == 0:
            self.prune()

    def delete(self, key: str) -> None:
        self._pool.run(lambda db: db.execute("DELETE FROM entries WHERE key = ?", (key,)))

    def count(self) -> int:
        """Entries held, expired ones not yet pruned included: one row read, whatever the size."""
        if not self._pool.exists():
            return 0
        return int(self._pool.run(lambda db: db.execute(_TOTALS).fetchone())[0])

    def prune(self) -> int:
        if not self._pool.exists():
            return 0
        return int(self._pool.run(self._prune))

    def clear(self) -> int:
        if not self._pool.exists():
            return 0
        with self._pending_lock:
            self._pending.clear()
        return int(self._pool.run(lambda db: db.execute("DELETE FROM entries").rowcount))

    def close(self) -> None:
        if self._pending:
            with contextlib.suppress(sqlite3.Error, UntrustedPath, OSError):
                self._pool.run(self._flush_touches)
        self._pool.close()

    def describe(self) -> dict[str, Any]:
        """For `promptgit cache stats`; a file that does not exist is described, never created."""
        entries = size = expired = 0
        if self._pool.exists():
            now = self._clock()

            def read(db: sqlite3.Connection) -> tuple[int, int, int]:
                held, value_bytes = db.execute(_TOTALS).fetchone()
                # through the expiry index: reads the expired entries only
                gone = db.execute("SELECT count(*) FROM entries WHERE expires_at <= ?", (now,)).fetchone()
                return int(held), int(value_bytes), int(gone[0])

            entries, size, expired = self._pool.run(read)
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
        self._pool.run(lambda db: db.execute(_UNLOCK, (key, token)))

    def _write_touches(self, db: sqlite3.Connection) -> None:
        """Write the pending last-access times (inside the caller's transaction)."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        db.executemany(_TOUCH, ((at, key, at) for key, at in pending.items()))

    def _flush_touches(self, db: sqlite3.Connection) -> None:
        with db:
            db.execute("BEGIN IMMEDIATE")
            self._write_touches(db)

    def _prune(self, db: sqlite3.Connection) -> int:
        now = self._clock()
        with db:
            db.execute("BEGIN IMMEDIATE")
            self._write_touches(db)  # the LRU order this process knows of, before choosing by it
            removed = db.execute("DELETE FROM entries WHERE expires_at <= ?", (now,)).rowcount
            db.execute("DELETE FROM locks WHERE expires_at <= ?", (time.time(),))
            count, size = db.execute(_TOTALS).fetchone()
            excess = max(count - self.max_entries, 0)
            if size > self.max_bytes:
                excess = max(excess, _least_recent_to_free(db, size - self.max_bytes))
            if excess:
                removed += db.execute(_DELETE_LEAST_RECENT, (excess,)).rowcount
        return int(removed)


def _least_recent_to_free(db: sqlite3.Connection, to_free: int) -> int:
    """How many of the least recently used entries hold at least `to_free` bytes (reading only those)."""
    freed = taken = 0
    for _key, size in db.execute(_LEAST_RECENT):
        freed += size
        taken += 1
        if freed >= to_free:
            break
    return taken


class ConnectionPool:
    """One connection per thread and process to `path`, checked as ours, with the schema in place."""

    def __init__(self, path: Path, *, busy_timeout: float, own_directory: bool = False) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._own_directory = own_directory
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def exists(self) -> bool:
        """Whether the file is there (maintenance never creates it)."""
        return self.path.exists()

    def run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """`operation` on this thread's connection; a corrupt file is moved aside, then the error raised."""
        db = self.connection()
        try:
            return operation(db)
        except sqlite3.DatabaseError as exc:
            self.failed(db, exc)
            raise

    def select_one(self, query: str, parameters: tuple[Any, ...]) -> Any:
        """The first row of `query` (the hit path: no closure, no extra call)."""
        db = self.connection()
        try:
            return db.execute(query, parameters).fetchone()
        except sqlite3.DatabaseError as exc:
            self.failed(db, exc)
            raise

    def failed(self, db: sqlite3.Connection, exc: sqlite3.DatabaseError) -> None:
        """After an error of `db`: a corrupt file is moved aside (the caller raises the error)."""
        if _is_corrupt(exc):
            self._quarantine(db)

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for db in connections:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use and again in a forked child."""
        local = self._local
        db: sqlite3.Connection | None = getattr(local, "db", None)
        if db is not None and local.generation == _forks[0]:
            return db
        inode = self._prepare_file()
        db = self._open()
        local.db, local.generation, local.inode = db, _forks[0], inode
        return db

    def _prepare_file(self) -> tuple[int, int]:
        """Check (and create, privately) the directory and the file; UntrustedPath when they are not ours."""
        directory = self.path.parent
        if not directory.is_dir():
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.stat(directory)
        if self._own_directory and info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(directory, 0o700)  # promptgit's own directory, made looser by something else first
            info = os.stat(directory)
        check_private(directory, info, "directory")
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        found = os.stat(self.path)  # SQLite follows a symlink: check what it will open
        check_private(self.path, found, "file")
        return found.st_dev, found.st_ino

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            self._check_ours(db)  # before anything writes: a foreign database is never changed
            if self._use_wal(db) != "wal":
                log.warning("response cache %s: WAL unavailable, using the default journal", self.path)
            db.execute("PRAGMA synchronous = NORMAL")  # a cache: a power cut may lose the last entries
            self._ensure_schema(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if _is_corrupt(exc):
                self._quarantine_path(_inode(self.path))
            raise
        _make_private(self.path)
        with self._lock:
            self._all.append(db)
        return db

    def _check_ours(self, db: sqlite3.Connection) -> None:
        with db:  # one snapshot: another process may be creating the schema and the id meanwhile
            db.execute("BEGIN")
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
            if application_id == APPLICATION_ID:
                return
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            found = (
                db.execute("SELECT version FROM schema_version").fetchone()
                if "schema_version" in tables
                else None
            )
        if application_id == 0 and "schema_version" in tables:
            raise SchemaVersionError(self._other_schema(found[0] if found else None))
        if application_id != 0 or tables:
            raise UntrustedPath(f"{self.path} is an SQLite database but not a promptgit response cache")

    def _use_wal(self, db: sqlite3.Connection) -> str:
        """Switch the file to WAL; the journal mode it has afterwards.

        Switching needs the file to itself, and SQLite answers "database is locked" at once, without its
        busy handler, when other processes open a new file at the same moment: retry within the busy
        timeout.
        """
        if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return "wal"
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                return str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)

    def _ensure_schema(self, db: sqlite3.Connection) -> None:
        found = _schema_version(db)
        if found is None:
            with db:
                db.execute("BEGIN IMMEDIATE")  # one process creates the schema; the others wait
                if _schema_version(db) is None:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            found = SCHEMA_VERSION
        if found != SCHEMA_VERSION:
            raise SchemaVersionError(self._other_schema(found))

    def _other_schema(self, found: object) -> str:
        return (
            f"{self.path} has schema version {found}, this promptgit reads {SCHEMA_VERSION}:"
            " give this version another file, or delete this one"
        )

    def _quarantine(self, db: sqlite3.Connection) -> None:
        inode = getattr(self._local, "inode", None)
        with contextlib.suppress(sqlite3.Error):
            db.close()
        self._local.db = None
        with self._lock:
            if db in self._all:
                self._all.remove(db)
        self._quarantine_path(inode)

    def _quarantine_path(self, inode: tuple[int, int] | None) -> None:
        if inode is None or _inode(self.path) != inode:
            return  # already replaced by another process or thread: reconnecting is enough
        if not _is_ours(self.path):
            log.warning(
                "response cache %s is not a promptgit response cache (or its header is damaged):"
                " left alone, calls go upstream uncached",
                self.path,
            )
            return
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{aside}{suffix}"))
        except OSError as exc:
            log.warning("response cache %s is corrupt and could not be moved aside: %s", self.path, exc)
            return
        log.warning("response cache %s was corrupt: moved aside to %s, starting a new one", self.path, aside)


def _schema_version(db: sqlite3.Connection) -> Any:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    if db.execute(query).fetchone() is None:
        return None
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return None if row is None else row[0]


def _is_ours(path: Path) -> bool:
    """Whether the file's SQLite header carries promptgit's application id (and this user owns it)."""
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_uid != os.getuid():
                return False
            header = stream.read(72)
    except OSError:
        return False
    return header.startswith(_HEADER) and int.from_bytes(header[68:72], "big") == APPLICATION_ID


def _make_private(path: Path) -> None:
    """0600 for the file and its -wal and -shm (SQLite gives those the file's mode when it makes them)."""
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(OSError):
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
