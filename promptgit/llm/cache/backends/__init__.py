"""Storage backends of the response cache, one protocol, chosen by URL (as SQLAlchemy and redis-py do).

`memory://` (an LRU in the process), `sqlite:///path` (the embedded default; several processes on one
host), `redis://` / `rediss://` (many replicas; Valkey speaks the same protocol). A backend stores the
bytes of keys_and_values.encode and returns decoded values; it raises on faults, and the cache decides
what a fault means (fail-open). Backends that can coordinate replicas also implement `Locks`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from promptgit.errors import ConfigError


class Backend(Protocol):
    """Where entries live. Every method may raise; the cache counts and absorbs the fault."""

    name: str  # a bounded metric label: memory | sqlite | redis

    def get(self, key: str) -> dict[str, Any] | None:
        """The value stored under `key`, None when absent or expired; CorruptValue when undecodable."""

    def set(self, key: str, data: bytes, ttl: float) -> None:
        """Store the encoded value for `ttl` seconds (> 0)."""

    def delete(self, key: str) -> None: ...

    def count(self) -> int:
        """Entries held (expired ones not yet pruned may be included)."""

    def prune(self) -> int:
        """Remove expired entries and those over the bounds; the number removed."""

    def clear(self) -> int:
        """Remove every entry of this cache; the number removed."""

    def close(self) -> None: ...

    def describe(self) -> dict[str, Any]:
        """Where the entries live and how much they take, for `promptgit cache stats` (may raise)."""


@runtime_checkable
class Locks(Protocol):
    """Short lock keys shared by replicas, for single-flight across processes and machines."""

    def acquire(self, key: str, ttl: float) -> str | None:
        """A token when this caller now holds the lock of `key` (for `ttl` seconds), else None."""

    def release(self, key: str, token: str) -> None:
        """Drop the lock if `token` still holds it."""

    def set_and_release(self, key: str, data: bytes, ttl: float, token: str) -> None:
        """`set`, then `release` of the lock `token` holds, in one step (one transaction or script):
        a leader's miss writes once instead of twice."""


def default_path() -> Path:
    """The embedded default: responses.db under $XDG_CACHE_HOME (or ~/.cache)/promptgit."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "promptgit" / "responses.db"


def default_url() -> str:
    return f"sqlite:///{default_path()}"


def open_backend(url: str | None, *, clock: Callable[[], float], options: dict[str, Any]) -> Backend:
    """The backend a URL names; ConfigError for a scheme or an option it does not know."""
    if url is None:
        url = default_url()
    scheme = urlsplit(url).scheme.lower()
    try:
        if scheme == "memory":
            from promptgit.llm.cache.backends.memory import MemoryBackend

            return MemoryBackend(clock=clock, **options)
        if scheme == "sqlite":
            from promptgit.llm.cache.backends.sqlite import SQLiteBackend

            path = _sqlite_path(url)
            own = path.parent == default_path().parent  # promptgit's own directory: kept private
            return SQLiteBackend(path, clock=clock, own_directory=own, **options)
        if scheme in ("redis", "rediss", "unix"):
            from promptgit.llm.cache.backends.redis import RedisBackend

            return RedisBackend(url, **options)
    except TypeError as exc:
        raise ConfigError(f"response cache {redacted(url)}: {exc}") from None
    raise ConfigError(
        f"response cache {redacted(url)}: unknown scheme {scheme!r} (memory://, sqlite:///path, redis://)"
    )


def _sqlite_path(url: str) -> Path:
    # as SQLAlchemy spells it: sqlite:///relative/file.db, sqlite:////absolute/file.db
    path = urlsplit(url).path
    if not path.startswith("/") or len(path) < 2:
        raise ConfigError(f"response cache {url}: expected sqlite:///relative.db or sqlite:////abs/path.db")
    return Path(unquote(path[1:]))


def redacted(url: str) -> str:
    """`url` with its password, if any, replaced by ***, for logs and messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
