"""Fail-open: a backend fault is counted, logged at a bounded rate, and backed off from; never raised.

After a fault that says the backend is unreachable or slow, the backend is left alone for `retry_after`
seconds (doubling per repeated fault up to `max_retry_after`), so a Redis that times out does not add
its socket timeout to every call; the next try after that window finds it back by itself. A value that
does not decode is counted the same way but does not back off: the backend itself works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from promptgit.observability.bounds import clip
from promptgit.observability.logs import RateLimitedLog
from promptgit.observability.response_cache_series import BackendErrors

log = logging.getLogger("promptgit.llm.cache")


class FaultGuard:
    """The fault bookkeeping of one backend: error counter, rate-limited log, back-off window."""

    def __init__(
        self,
        backend: str,
        errors: BackendErrors,
        *,
        retry_after: float = 1.0,
        max_retry_after: float = 30.0,
        log_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._errors = errors
        self._retry_after = retry_after
        self._max_retry_after = max_retry_after
        self._log = RateLimitedLog(log, log_interval, monotonic=monotonic)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._delay = retry_after
        self._closed_until = 0.0  # the backend is skipped until then
        self._failing = False

    def available(self) -> bool:
        """False while backing off from a fault."""
        return not self._failing or self._monotonic() >= self._closed_until

    def failed(self, operation: str, exc: BaseException, *, back_off: bool = True) -> None:
        """Count and (rate-limited) log a fault of `operation`; with back_off, skip the backend a while."""
        self._errors.labels(self.backend, operation).inc()
        now = self._monotonic()
        with self._lock:
            if back_off:
                self._closed_until = now + self._delay
                self._delay = min(max(self._delay * 2, self._retry_after), self._max_retry_after)
                self._failing = True
        self._log.warning(
            self.backend,
            "response cache %s %s failed, calling upstream uncached: %s",
            self.backend,
            operation,
            _describe(exc),
            extra={"failed": f"response_cache.{self.backend}"},
        )

    def succeeded(self) -> None:
        """A backend operation worked: end any back-off (logged once)."""
        if not self._failing:
            return
        with self._lock:
            if not self._failing:
                return
            self._failing = False
            self._delay = self._retry_after
        log.warning("response cache %s works again", self.backend)


def _describe(exc: BaseException) -> str:
    text = clip(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
