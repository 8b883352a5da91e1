"""The service kit's ASGI middleware on a bare ASGI app, driven by httpx's ASGI transport (a real client
speaking the ASGI protocol): ids, request_context, promptgit errors as statuses, the access line."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from promptgit.errors import LLMCallError, PromptNotFoundError
from promptgit.observability import current_request
from promptgit.server.asgi import PromptgitMiddleware


async def service(scope: Any, receive: Any, send: Any) -> None:
    """A service's own handler: answers what promptgit's request context holds, or fails like one."""
    path = scope["path"]
    if path == "/missing":
        raise PromptNotFoundError("content/nope@production: no such prompt")
    if path == "/timeout":
        raise LLMCallError(
            "provider timed out", prompt="p", version="1.0.0", model="m", status_code=None, reason="timeout"
        )
    if path == "/bug":
        raise RuntimeError("not ours to answer")
    body = json.dumps({"context": dict(current_request()), "state": scope["state"]}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def run(path: str, headers: dict[str, str] | None = None) -> tuple[httpx.Response, list[dict[str, Any]]]:
    logger = logging.getLogger("promptgit.access.asgi-test")
    logger.setLevel(logging.INFO)
    lines = Lines()
    logger.addHandler(lines)
    app = PromptgitMiddleware(service, access_logger=logger)

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.get(path, headers=headers)

    try:
        return asyncio.run(fetch()), lines.lines
    finally:
        logger.removeHandler(lines)


def test_ids_reach_the_handler_the_response_and_the_log() -> None:
    response, lines = run("/ok", {"X-Request-ID": "req-7"})
    trace_id = response.headers["x-trace-id"]
    assert response.headers["x-request-id"] == "req-7" and len(trace_id) == 32
    assert response.json()["context"] == {"request_id": "req-7", "trace_id": trace_id}
    assert response.json()["state"] == {"request_id": "req-7", "trace_id": trace_id}
    assert [(line["path"], line["status"], line["request_id"]) for line in lines] == [("/ok", 200, "req-7")]


def test_promptgit_errors_answer_their_http_status_as_json() -> None:
    response, lines = run("/missing")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "PromptNotFoundError"
    assert response.headers["x-request-id"]
    response, lines = run("/timeout")
    assert (response.status_code, response.json()["error"]["status"]) == (504, 504)
    assert lines[0]["error"] == "LLMCallError"


def test_other_exceptions_are_the_frameworks_to_handle() -> None:
    with pytest.raises(RuntimeError):
        run("/bug")
