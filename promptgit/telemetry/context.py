"""The request context an application sets (request_id, user_id, ...), carried by every log line it makes.

A ContextVar: asyncio tasks inherit the context they were created in, threads start with an empty one (use
`contextvars.copy_context().run` to hand a request's context to a worker thread), and no request ever sees
another's fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

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
