"""One JSON line per request: what `promptgit serve` and the ASGI middleware write to the access log.

The line goes to the `promptgit.access` logger at INFO, already JSON (a handler that prints the message as
it is makes a JSON-lines log); fields: time (UTC, ISO 8601), method, path, status, duration_ms, bytes,
request_id, trace_id, client, and whatever the caller adds (the prompt and version served).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

ACCESS_LOGGER = "promptgit.access"
_PATH_LIMIT = 512  # a path is logged up to this many characters: a hostile URL does not bloat the log


def access_line(
    *,
    method: str,
    path: str,
    status: int,
    started: float,
    size: int,
    request_id: str,
    trace_id: str,
    client: str | None,
    **extra: Any,
) -> str:
    """The JSON line of one request; `started` is its time.perf_counter() at arrival."""
    fields = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": method,
        "path": path[:_PATH_LIMIT],
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "bytes": size,
        "request_id": request_id,
        "trace_id": trace_id,
        "client": client,
        **extra,
    }
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def print_access_lines(stream: Any = None) -> logging.Handler:
    """Send the access log's lines, as they are, to `stream` (default stderr); returns the handler added."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler
