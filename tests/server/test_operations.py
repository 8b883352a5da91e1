"""Operations: request and trace ids on every response, one JSON access line per request, health,
readiness and metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.server.http_calls import call

Serve = Callable[..., Any]


def test_every_response_carries_request_and_trace_ids(serve: Serve) -> None:
    server = serve()
    _, headers, _ = call(server.url, "GET", "/v1/prompts/nope")  # an error too
    assert len(headers["x-request-id"]) == 32 and len(headers["x-trace-id"]) == 32
    _, headers, _ = call(
        server.url, "GET", "/healthz", headers={"X-Request-ID": "req-42", "X-Trace-ID": "A" * 32}
    )
    assert (headers["x-request-id"], headers["x-trace-id"]) == ("req-42", "a" * 32)
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    _, headers, _ = call(
        server.url, "GET", "/healthz", headers={"traceparent": traceparent, "X-Request-ID": "bad id <script>"}
    )
    assert headers["x-trace-id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert headers["x-request-id"] != "bad id" and len(headers["x-request-id"]) == 32


def test_one_json_access_line_per_request(serve: Serve) -> None:
    server = serve()
    call(
        server.url,
        "POST",
        "/v1/render",
        {"prompt": "greeting@staging", "inputs": {"user": "a", "product": "b"}},
        headers={"X-Request-ID": "r-1"},
    )
    call(server.url, "GET", "/v1/prompts/missing", headers={"X-Request-ID": "r-2"})
    lines = [json.loads(line) for line in server.access.lines]
    assert len(lines) == 2
    first, second = lines
    assert {key: first[key] for key in ("method", "path", "status", "request_id", "prompt", "version")} == {
        "method": "POST",
        "path": "/v1/render",
        "status": 200,
        "request_id": "r-1",
        "prompt": "greeting",
        "version": "1.1.0",
    }
    assert first["duration_ms"] >= 0 and first["bytes"] > 0 and first["client"] == "127.0.0.1"
    assert len(first["trace_id"]) == 32 and first["time"].endswith("Z")
    assert (second["status"], second["error"], second["request_id"]) == (404, "PromptNotFoundError", "r-2")


def test_health_readiness_and_metrics(serve: Serve) -> None:
    server = serve()
    assert call(server.url, "GET", "/healthz")[2] == {"status": "ok"}
    status, _, ready = call(server.url, "GET", "/readyz")
    assert status == 200 and ready["ready"] is True and ready["readable"] is True
    assert len(ready["commit"]) == 40 and ready["refresh_age_seconds"] >= 0 and ready["fallbacks"] == 0
    call(server.url, "GET", "/v1/prompts/greeting@production")
    status, headers, text = call(server.url, "GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert (
        'promptgit_loader_label_info{label="staging",prompt="greeting",version="1.1.0",weight="100"} 1.0'
        in text
    )
    assert 'promptgit_loader_commit_info{commit="' in text
    status, headers, body = call(server.url, "HEAD", "/healthz")
    assert status == 200 and body == "" and int(headers["content-length"]) > 0


def test_readiness_fails_when_the_repository_is_gone(serve: Serve, library: Any) -> None:
    import shutil

    server = serve()
    shutil.rmtree(library.root / ".git")
    status, _, ready = call(server.url, "GET", "/readyz")
    assert status == 503 and ready["ready"] is False and ready["readable"] is False
    assert "gone" in ready["error"] or "cannot" in ready["error"]
