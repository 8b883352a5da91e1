"""JSON log lines: one object per record, with promptgit's structured fields and the trace it belongs to.

    promptgit.telemetry.log_json()       # the one-line setup: JSON lines on stderr from every logger

Each line has `timestamp` (UTC, ISO 8601, milliseconds), `level`, `logger`, `message`, every field passed
with `extra=` (promptgit logs prompt, version, selector, source, duration_ms, commit, reason, remote ...),
`exception` when there is one, the fields of the current `request_context`, and `trace_id` / `span_id` of the
current OpenTelemetry span when there is one (they override a request context's own trace_id).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import IO, Any

from promptgit.telemetry.context import current_request
from promptgit.telemetry.tracing import trace_ids

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
        return json.dumps(entry, ensure_ascii=False, default=str)


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
