"""An OpenAI-compatible chat completions server for tests: http.server on 127.0.0.1, a free port.

    with StandIn() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        ...
        assert server.calls == 1

- `calls` counts POST /v1/chat/completions requests (failed and stalled ones too); `requests` keeps their
  JSON bodies and `headers` their HTTP headers (to check what a client sends, e.g. no key in a file).
- Answers: `respond(body)` when set (a function returning the answer's text), else `content` when set,
  else for a `response_format` json_schema request a JSON instance of the schema (required properties,
  first enum value, "x" / 0 / false / []), else `answer N: <last user message>`.
- `usage`: prompt_tokens = words of all messages, completion_tokens = words of the answer, `cached_tokens`
  reported as prompt_tokens_details.cached_tokens; `report_usage = False` leaves usage out.
- `fail(status, times=1)`: the next `times` requests get that HTTP status with an OpenAI error body (429 and
  5xx are what the SDK retries; pass max_retries=0 to see each). A 429 carries `retry-after-ms: 1`.
- `latency` (seconds) delays every answer without holding other requests (a threaded server), as a
  provider's time to answer does; `stall()` holds every request until `release()` (or `stall_seconds` for
  each), to exercise timeouts and single-flight; `waiting` counts requests being held.
- `rewrite(response) -> response`, when set, edits each successful answer before it is sent (odd usage,
  empty choices, content parts, a finish_reason), as a peer might answer.
- `trickle`: seconds between the bytes of each answer's body (headers at once), as a slow provider
  streams: every read succeeds, so only a total deadline ends the call.
Used by promptgit's own tests (the call path, the test runner, observability) and by adopters' tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandIn:
    def __init__(
        self,
        model: str | None = None,
        *,
        latency: float = 0.0,
        respond: Callable[[dict[str, Any]], str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.model = model  # the model the answers name; None echoes the request's
        self.latency = latency
        self.respond = respond
        self.content: str | None = None
        self.cached_tokens = 0
        self.report_usage = True
        self.stall_seconds: float | None = None
        self.rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.trickle: float | None = None
        self.stopping = threading.Event()
        self.calls = 0
        self.waiting = 0
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._failures: list[int] = []
        self._gate = threading.Event()
        self._gate.set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._server.request_queue_size = 128  # a --jobs 16 client opens many connections at once
        self._thread = threading.Thread(target=self._server.serve_forever, name="stand-in-llm", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._gate.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def fail(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures += [status] * times

    def stall(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def answer(
        self, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for one request (counted); held first while stalled."""
        with self._lock:
            self.calls += 1
            number = self.calls
            self.requests.append(body)
            self.headers.append(dict(headers or {}))
            failure = self._failures.pop(0) if self._failures else None
            self.waiting += 1
        try:
            if self.stall_seconds is not None:
                time.sleep(self.stall_seconds)
            if self.latency:
                time.sleep(self.latency)
            self._gate.wait()
        finally:
            with self._lock:
                self.waiting -= 1
        if failure is not None:
            error = {"message": f"stub failure {failure}", "type": "server_error", "code": str(failure)}
            return failure, {"error": error}
        messages = body.get("messages") or []
        if self.respond is not None:
            content = self.respond(body)
        elif self.content is not None:
            content = self.content
        else:
            content = _content(body, messages, number)
        response: dict[str, Any] = {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model or body.get("model") or "stub",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
        }
        if self.report_usage:
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
            completion_tokens = len(content.split())
            response["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": self.cached_tokens},
            }
        return 200, response if self.rewrite is None else self.rewrite(response)


StubLLM = StandIn  # the name promptgit's own tests grew up with


def _content(body: dict[str, Any], messages: list[dict[str, Any]], number: int) -> str:
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return json.dumps(instance_of(response_format["json_schema"]["schema"]))
    users = [m for m in messages if m.get("role") == "user"]
    return f"answer {number}: {users[-1]['content'] if users else ''}"


def instance_of(schema: dict[str, Any]) -> Any:
    """A small value satisfying a simple JSON Schema (the stand-in's answer to a json_schema request)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: instance_of(properties[name]) for name in schema.get("required", []) if name in properties
        }
    if kind == "array":
        return [instance_of(schema["items"])] * int(schema.get("minItems", 0)) if "items" in schema else []
    return {"string": "x", "integer": 0, "number": 0, "boolean": False, "null": None}.get(str(kind), "x")


def _handler(stub: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a client's pool reuses connections, as with a provider

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request"}})
                return
            if not self.path.partition("?")[0].rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            self._send(*stub.answer(body, {key.lower(): value for key, value in self.headers.items()}))

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):  # some clients list models before calling
                self._send(200, {"object": "list", "data": [{"id": stub.model or "stub", "object": "model"}]})
                return
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after-ms", "1")  # the SDK honours it: retries stay fast
                self.end_headers()
                if stub.trickle is None or status != 200:
                    self.wfile.write(data)
                    return
                for index in range(len(data)):
                    if stub.stopping.wait(stub.trickle):
                        return
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows failures, not every request

    return Handler
