"""Logs: JSON lines with the request and trace they belong to, and warnings rate-limited per cause.

    promptgit.observability.log_json()    # the one-line setup: JSON lines on stderr from every logger

Each line has `timestamp` (UTC, ISO 8601, milliseconds), `level`, `logger`, `message`, every field passed
with `extra=`, `exception` when there is one, the fields of the current `request_context`, and `trace_id` /
`span_id` of the current OpenTelemetry span when there is one (they override a request context's own
trace_id). Each field is cut to MAX_LOG_FIELD_CHARS (bounds.py): a peer's 5 MB error is not a 5 MB line.

promptgit's fields mean one thing each: `prompt`, `version`, `selector`, `commit`, `duration_ms`;
`source` is where a served prompt came from (cache, git, fallback: the `source` label of
promptgit_loader_loads_total); `failed` names the part that failed (git, a cache backend); `reason` and
`remote` say why and where.

The request context is a ContextVar: asyncio tasks inherit the context they were created in, threads
start with an empty one (use `contextvars.copy_context().run` to hand a request's context to a worker
thread), and no request ever sees another's fields.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from types import MappingProxyType
from typing import IO, Any

from promptgit.observability.bounds import MAX_LOG_FIELD_CHARS, clip
from promptgit.observability.tracing import trace_ids

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_REQUEST: ContextVar[Mapping[str, Any]] = ContextVar("promptgit_request_context", default=_EMPTY)


@contextmanager
def request_context(**fields: Any) -> Iterator[Mapping[str, Any]]:
    """Add `fields` (request_id=..., user_id=..., trace_id=... when there is no OpenTelemetry) to every log
    line written inside the block; nested blocks add to and override the outer fields."""
    merged = MappingProxyType({**_REQUEST.get(), **fields})
    token = _REQUEST.set(merged)
    try:
        yield merged
    finally:
        _REQUEST.reset(token)


def current_request() -> Mapping[str, Any]:
    """The fields of the innermost request_context (read-only; empty outside any)."""
    return _REQUEST.get()


# attributes every LogRecord has: anything else on a record came from `extra=`
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JSONFormatter(logging.Formatter):
    """A logging.Formatter writing one JSON object per line (see the module docstring for the fields).

    Values that JSON cannot hold are written as their str(). The trace and request context are read when
    the record is formatted, which is in the logging thread for every handler but a QueueHandler's listener;
    a field set on the record itself (`extra={"trace_id": ...}`) always wins.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(current_request())
        ids = trace_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        bounded = {
            key: _bounded(value, _LONG_FIELDS.get(key, MAX_LOG_FIELD_CHARS)) for key, value in entry.items()
        }
        return json.dumps(bounded, ensure_ascii=False, default=str)


def log_json(
    level: int | str = logging.INFO, stream: IO[str] | None = None, logger: str | None = None
) -> logging.Handler:
    """Send `logger` (default: the root logger) to `stream` (default: stderr) as JSON lines at `level`;
    returns the handler (remove it with `logging.getLogger(logger).removeHandler(handler)`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter())
    target = logging.getLogger(logger)
    target.addHandler(handler)
    target.setLevel(level)
    return handler


# a traceback is many frames: its own, larger bound
_LONG_FIELDS = {"exception": 8 * MAX_LOG_FIELD_CHARS, "stack": 8 * MAX_LOG_FIELD_CHARS}


def _bounded(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return clip(value, limit)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= limit else clip(text, limit)


class RateLimitedLog:
    """A logger's warnings at most once per `interval` seconds per cause, with the count of those left out.

    The first report of a cause (a cache backend, a prompt served from its fallback) is logged at once;
    repeats within `interval` are counted, and the next report after it says "(N more since the last
    report)". A service that loses its cache or a release logs a line a minute, not one per request.
    """

    MAX_CAUSES = 1024  # causes are prompts and backends; past this many they share one budget

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 60.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._causes: dict[str, list[float]] = {}  # cause -> [last report, suppressed since]

    def warning(self, cause: str, message: str, *args: Any, extra: Mapping[str, Any] | None = None) -> bool:
        return self._emit(logging.WARNING, cause, message, args, extra)

    def log(
        self, level: int, cause: str, message: str, *args: Any, extra: Mapping[str, Any] | None = None
    ) -> bool:
        """Log `message % args` for `cause` unless it was logged within the interval; whether it was."""
        return self._emit(level, cause, message, args, extra)

    def _emit(
        self, level: int, cause: str, message: str, args: tuple[Any, ...], extra: Mapping[str, Any] | None
    ) -> bool:
        if not self.logger.isEnabledFor(level):
            return False
        now = self._monotonic()
        with self._lock:
            if cause not in self._causes and len(self._causes) >= self.MAX_CAUSES:
                cause = "(other causes)"
            state = self._causes.setdefault(cause, [-float("inf"), 0.0])
            if now - state[0] < self.interval:
                state[1] += 1
                return False
            suppressed = int(state[1])
            state[0], state[1] = now, 0.0
        if suppressed:
            message, args = f"{message} (%d more since the last report)", (*args, suppressed)
        # stacklevel 3: the record names the line that called warning() or log(), not this module
        self.logger.log(level, message, *args, extra=dict(extra) if extra else None, stacklevel=3)
        return True
