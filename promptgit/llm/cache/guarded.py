"""A backend behind the fault guard: every operation fails open, returning what a miss would.

This is where "the cache never fails the call" is enforced: the cache orchestrates lookups, single-
flight and stores, and calls only these methods, none of which raises for a backend fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from promptgit.llm.cache import codec
from promptgit.llm.cache.backends import Backend, Locks
from promptgit.llm.cache.failures import FaultGuard


class GuardedBackend:
    """`backend` with faults counted and absorbed by `guard`."""

    def __init__(self, backend: Backend, guard: FaultGuard) -> None:
        self.backend = backend
        self.name = backend.name
        self.guard = guard
        self.locks: Locks | None = backend if isinstance(backend, Locks) else None

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None for absent, expired, undecodable (counted) or unreachable (counted)."""
        if not self.guard.available():
            return None
        try:
            value = self.backend.get(key)
        except codec.CorruptValue as exc:
            self.guard.failed("decode", exc, back_off=False)
            self._drop(key)
            return None
        except Exception as exc:
            self.guard.failed("get", exc)
            return None
        self.guard.succeeded()
        return value

    def put(
        self,
        key: str,
        value: dict[str, Any],
        ttl: float,
        cacheable: Callable[[dict[str, Any]], bool] | None,
    ) -> bool:
        """Store `value` unless refused; True when it was stored."""
        if cacheable is not None and not cacheable(value):
            return False
        try:
            data = codec.encode(value)
        except (TypeError, ValueError) as exc:
            self.guard.failed("encode", exc, back_off=False)
            return False
        if not self.guard.available():
            return False
        try:
            self.backend.set(key, data, ttl)
        except Exception as exc:
            self.guard.failed("set", exc)
            return False
        self.guard.succeeded()
        return True

    def acquire(self, key: str, ttl: float) -> tuple[str | None, bool]:
        """(token, held_elsewhere): a token when this caller holds the replica lock now; held_elsewhere
        when another replica does. (None, False) when there is no locking or the backend is faulty."""
        if self.locks is None or not self.guard.available():
            return None, False
        try:
            token = self.locks.acquire(key, ttl)
        except Exception as exc:
            self.guard.failed("lock", exc)
            return None, False
        return token, token is None

    def release(self, key: str, token: str) -> None:
        if self.locks is None:
            return
        try:
            self.locks.release(key, token)
        except Exception as exc:
            self.guard.failed("unlock", exc)  # the lock key expires by itself

    def count(self) -> int | None:
        try:
            return self.backend.count()
        except Exception as exc:
            self.guard.failed("count", exc)
            return None

    def _drop(self, key: str) -> None:
        try:
            self.backend.delete(key)
        except Exception as exc:
            self.guard.failed("delete", exc)
