"""Fail-open: a backend fault is counted, logged at a bounded rate, and backed off from; never raised.

`GuardedBackend` is where "the cache never fails the call" is enforced: the cache orchestrates lookups,
single-flight and stores, and calls only its methods, none of which raises for a backend fault; each
returns what a miss would.

`FaultGuard` decides when the backend is tried. A fault that says the backend is unreachable or slow
opens a window of `retry_after` seconds in which nothing is sent to it, so a Redis that times out does
not add its socket timeout to every call. Faults of operations already in flight when the window
opened (twenty callers meeting one timeout) are counted but neither extend nor lengthen it: one
window per outage event, never a delay that compounds. When the window ends, one operation is let
through as a probe while the others keep skipping: a success ends the back-off for everyone, a fault
opens the next window. So a long outage costs one caller one timeout per window, and a backend that
comes back is used again within one window and one probe. Every operation on the backend (unlock and
the entry count included) goes through the same gate. Lookups skipped meanwhile are counted
(`bypassed`), so the metrics show the time spent uncached, not just the faults. A value that does not
decode is counted like a fault but does not back off: the backend itself works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from promptgit.llm.cache import keys_and_values
from promptgit.llm.cache.backends import Backend, Locks
from promptgit.observability.bounds import clip
from promptgit.observability.counting import Counter
from promptgit.observability.logs import RateLimitedLog
from promptgit.observability.response_cache_series import BackendErrors
from promptgit.private_files import UntrustedPath

log = logging.getLogger("promptgit.llm.cache")

# lock keys whose release met a fault, released after the backend answers again (each also expires by
# itself after lock_ttl, but until then replicas wanting the same key would wait for it)
_MAX_UNRELEASED = 1024


class FaultGuard:
    """The fault bookkeeping of one backend: error and bypass counters, rate-limited log, back-off."""

    def __init__(
        self,
        backend: str,
        errors: BackendErrors,
        bypassed: Counter,
        *,
        retry_after: float = 1.0,
        log_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.retry_after = retry_after
        self._errors = errors
        self._bypassed = bypassed.labels(backend)
        self._log = RateLimitedLog(log, log_interval, monotonic=monotonic)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._failing = False
        self._closed_until = 0.0  # while failing, nothing is sent before then
        self.windows = 0  # back-off windows opened by a fault so far (a failed probe keeps its own)

    def admit(self) -> bool:
        """May an operation go to the backend now? Always while it works; while backing off, no until
        the window ends, then yes for one caller (the probe), whose outcome decides for the others."""
        if not self._failing:
            return True
        now = self._monotonic()
        with self._lock:
            if not self._failing:
                return True
            if now < self._closed_until:
                return False
            self._closed_until = now + self.retry_after  # the others skip while the probe runs
            return True

    def skipped(self) -> None:
        """Count a lookup that did not reach the backend because of the back-off."""
        self._bypassed.inc()

    def failed(self, operation: str, exc: BaseException, *, back_off: bool = True) -> None:
        """Count and (rate-limited) log a fault of `operation`; with back_off, open a window unless one
        is open already (a fault of an operation in flight when it opened is the same event)."""
        self._errors.labels(self.backend, operation).inc()
        now = self._monotonic()
        with self._lock:
            if back_off and not (self._failing and now < self._closed_until):
                self._failing = True
                self._closed_until = now + self.retry_after
                self.windows += 1
        self._log.warning(
            self.backend,
            "response cache %s %s failed, calling upstream uncached: %s",
            self.backend,
            operation,
            _describe(exc),
            extra={"failed": f"response_cache.{self.backend}"},
        )

    def succeeded(self) -> bool:
        """A backend operation worked: end any back-off (logged once); True when it ended one."""
        if not self._failing:
            return False
        with self._lock:
            if not self._failing:
                return False
            self._failing = False
        log.warning("response cache %s works again", self.backend)
        return True


class GuardedBackend:
    """`backend` with faults counted and absorbed by `guard`."""

    def __init__(self, backend: Backend, guard: FaultGuard) -> None:
        self.backend = backend
        self.name = backend.name
        self.guard = guard
        self.locks: Locks | None = backend if isinstance(backend, Locks) else None
        self._unreleased: dict[str, str] = {}
        self._unreleased_lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None for absent, expired, undecodable (counted) or unreachable (counted)."""
        if not self.guard.admit():
            self.guard.skipped()
            return None
        try:
            value = self.backend.get(key)
        except keys_and_values.CorruptValue as exc:
            self.guard.failed("decode", exc, back_off=False)
            self._drop(key)
            return None
        except Exception as exc:
            self.guard.failed(_operation("get", exc), exc)
            return None
        self._succeeded()
        return value

    def put(
        self,
        key: str,
        value: dict[str, Any],
        ttl: float,
        cacheable: Callable[[dict[str, Any]], bool] | None,
        unlock: str | None = None,
    ) -> bool:
        """Store `value` unless refused; True when it was stored. With `unlock` (our lock token), the
        lock is released with the store, in one step; when this returns False, it was not."""
        if cacheable is not None and not cacheable(value):
            return False
        try:
            data = keys_and_values.encode(value)
        except (TypeError, ValueError) as exc:
            self.guard.failed("encode", exc, back_off=False)
            return False
        if not self.guard.admit():
            return False
        try:
            if unlock is not None and self.locks is not None:
                self.locks.set_and_release(key, data, ttl, unlock)
            else:
                self.backend.set(key, data, ttl)
        except Exception as exc:
            self.guard.failed(_operation("set", exc), exc)
            return False
        self._succeeded()
        return True

    def acquire(self, key: str, ttl: float) -> tuple[str | None, bool]:
        """(token, held_elsewhere): a token when this caller holds the replica lock now; held_elsewhere
        when another replica does. (None, False) when there is no locking or the backend is faulty."""
        if self.locks is None or not self.guard.admit():
            return None, False
        try:
            token = self.locks.acquire(key, ttl)
        except Exception as exc:
            self.guard.failed(_operation("lock", exc), exc)
            return None, False
        self._succeeded()
        return token, token is None

    def release(self, key: str, token: str) -> None:
        """Drop our lock key; when the backend cannot be reached now, later (see _MAX_UNRELEASED)."""
        if self.locks is None:
            return
        if not self.guard.admit():
            self._keep_unreleased(key, token)
            return
        try:
            self.locks.release(key, token)
        except Exception as exc:
            self.guard.failed(_operation("unlock", exc), exc)
            self._keep_unreleased(key, token)
            return
        self._succeeded()

    def count(self) -> int | None:
        """The backend's entry count; None when it cannot say now (backing off or failing)."""
        if not self.guard.admit():
            return None
        try:
            found = self.backend.count()
        except Exception as exc:
            self.guard.failed(_operation("count", exc), exc)
            return None
        self._succeeded()
        return found

    def _succeeded(self) -> None:
        self.guard.succeeded()
        if self._unreleased:
            self._release_kept()

    def _keep_unreleased(self, key: str, token: str) -> None:
        with self._unreleased_lock:
            if len(self._unreleased) < _MAX_UNRELEASED:
                self._unreleased[key] = token

    def _release_kept(self) -> None:
        assert self.locks is not None
        with self._unreleased_lock:
            kept, self._unreleased = self._unreleased, {}
        for key, token in kept.items():
            try:
                self.locks.release(key, token)
            except Exception:
                return

    def _drop(self, key: str) -> None:
        try:
            self.backend.delete(key)
        except Exception as exc:
            self.guard.failed(_operation("delete", exc), exc)


def _operation(operation: str, exc: BaseException) -> str:
    """The `operation` label of a fault: `open` when the backend refused a file that is not ours."""
    return "open" if isinstance(exc, UntrustedPath) else operation


def _describe(exc: BaseException) -> str:
    text = clip(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
