"""The SQLite file of the response cache: schema, per-thread connections, corrupt files moved aside.

A connection is opened per thread (sqlite3 connections are not shared across threads) and again in a
child process after a fork. A file that SQLite reports as corrupt or not a database is renamed to
`<name>.corrupt-<unix time>` (with its -wal and -shm files) and a warning names it, so nothing is
deleted silently; the next operation creates a fresh file. Only the file this connection opened is
moved: when another process has already replaced it, this one just reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("promptgit.llm.cache")

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    size INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    accessed_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at);
CREATE INDEX IF NOT EXISTS entries_accessed_at ON entries (accessed_at);
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL);
"""
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
T = TypeVar("T")

# a child process must not use its parent's connections: they are reopened when this count moved
_forks = [0]


def _forked() -> None:
    _forks[0] += 1


os.register_at_fork(after_in_child=_forked)


class SchemaVersionError(sqlite3.DatabaseError):
    """The file was written by another promptgit with a schema this one does not read."""


class ConnectionPool:
    """One connection per thread and process to `path`, with the schema in place."""

    def __init__(self, path: Path, *, busy_timeout: float) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

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
        db = self._open()
        local.db, local.generation, local.inode = db, _forks[0], _inode(self.path)
        return db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            if self._use_wal(db) != "wal":
                log.warning("response cache %s: WAL unavailable, using the default journal", self.path)
            db.execute("PRAGMA synchronous = NORMAL")  # a cache: a power cut may lose the last entries
            self._ensure_schema(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if _is_corrupt(exc):
                self._quarantine_path(_inode(self.path))
            raise
        with self._lock:
            self._all.append(db)
        return db

    def _use_wal(self, db: sqlite3.Connection) -> str:
        """Switch the file to WAL; the journal mode it has afterwards.

        Switching needs the file to itself, and SQLite answers "database is locked" at once, without its
        busy handler, when other processes open a new file at the same moment (4 processes started
        together lost 1 run in 3 here): retry within the busy timeout.
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
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            found = SCHEMA_VERSION
        if found != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {found}, this promptgit reads {SCHEMA_VERSION}:"
                " give this version another file, or clear it with `promptgit cache clear`"
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
