"""Single-flight: concurrent identical misses in one process make one upstream call.

The first caller of a key leads: it computes while the others follow, waiting at most `timeout`
seconds. A follower receives only a value the leader stored; when the leader raised, or its value was
refused or could not be stored, or it took too long, each follower computes for itself (an error is
never shared, like it is never cached). Across processes the same happens through a backend's `Locks`
(see cache.py).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any


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
