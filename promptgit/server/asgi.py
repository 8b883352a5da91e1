"""`PromptgitMiddleware`: what `promptgit serve` does for its own requests, for any ASGI service.

    from promptgit.server.asgi import PromptgitMiddleware
    app = PromptgitMiddleware(app)          # Starlette, FastAPI, Django (ASGI), Quart, a bare ASGI app

Pure ASGI (no framework imported). For every HTTP request:
- X-Request-ID and X-Trace-ID: the caller's when well-formed (a W3C traceparent gives the trace id), else
  minted (request_ids.py); both on the response, and in `scope["state"]` for the handlers;
- `request_context(request_id=..., trace_id=...)` around the handler, so every promptgit log line of the
  request (the loader's, the call path's) carries them;
- a PromptgitError that escapes the handler before it answered becomes the error's `http_status` with a
  JSON body `{"error": {"type", "message", "status"}}`, the way serve answers (an LLMCallError says 504 for
  a provider timeout, 503 for its rate limit, 502 otherwise); anything else propagates untouched;
- one JSON line on the `promptgit.access` logger (access_log.py) when the response is sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from promptgit.errors import PromptgitError
from promptgit.observability import request_context
from promptgit.server.access_log import ACCESS_LOGGER, access_line
from promptgit.server.request_ids import ids_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class PromptgitMiddleware:
    """Wrap an ASGI application (see the module docstring); `access_logger` defaults to promptgit.access."""

    def __init__(self, app: ASGIApp, *, access_logger: logging.Logger | None = None) -> None:
        self.app = app
        self.access_logger = access_logger or logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        request_id, trace_id = ids_of(headers.get)
        state = scope.setdefault("state", {})
        state["request_id"], state["trace_id"] = request_id, trace_id
        answered = {"status": 500, "bytes": 0, "started": False}
        extra: dict[str, Any] = {}

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"], answered["started"] = message["status"], True
                ids = [(b"x-request-id", request_id.encode()), (b"x-trace-id", trace_id.encode())]
                message = {**message, "headers": [*message.get("headers", []), *ids]}
            elif message["type"] == "http.response.body":
                answered["bytes"] = int(answered["bytes"]) + len(message.get("body", b""))
            await send(message)

        try:
            with request_context(request_id=request_id, trace_id=trace_id):
                try:
                    await self.app(scope, receive, send_with_ids)
                except PromptgitError as exc:
                    if answered["started"]:
                        raise
                    extra["error"] = type(exc).__name__
                    await _answer_error(send_with_ids, exc)
        finally:
            if self.access_logger.isEnabledFor(logging.INFO):
                line = access_line(
                    method=scope.get("method", ""),
                    path=scope.get("path", ""),
                    status=int(answered["status"]),
                    started=started,
                    size=int(answered["bytes"]),
                    request_id=request_id,
                    trace_id=trace_id,
                    client=(scope.get("client") or (None,))[0],
                    **extra,
                )
                self.access_logger.info(line)


async def _answer_error(send: Send, exc: PromptgitError) -> None:
    status = exc.http_status
    body = json.dumps({"error": {"type": type(exc).__name__, "message": str(exc), "status": status}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
