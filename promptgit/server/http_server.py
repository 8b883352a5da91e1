"""Serving `ServeApp` over HTTP/1.1 with the standard library: a thread per connection, keep-alive.

ThreadingHTTPServer is enough for a read-only server whose answers come from memory in microseconds (see
bench/serve.py for the figures against a server that answers a constant); Starlette and uvicorn would add
dependencies and an event loop for no gain here. Responses are written in one piece with TCP_NODELAY, so
keep-alive requests do not wait on Nagle's algorithm and delayed ACKs. A malformed request line or header
is answered with a JSON 400, as every other error.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from promptgit.server.app import MAX_BODY_BYTES, Request, Response, ServeApp

TIMEOUT = 30.0  # seconds a connection may stay idle
_REASONS = {code: phrase for code, phrase in BaseHTTPRequestHandler.responses.items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "a body needs Content-Length (chunked bodies are not read)")
            return
        try:
            length = int(length_text) if length_text else 0
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return
        if length < 0 or length > MAX_BODY_BYTES:
            self.send_error(413, f"request body over {MAX_BODY_BYTES} bytes")
            return
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, self.path, headers, body, self.client_address[0])
        self._write(self.server.app(request), head=self.command == "HEAD")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _write(self, response: Response, *, head: bool = False) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {_REASONS.get(response.status, ('',))[0]}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            "Cache-Control: no-store",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(data if head else data + response.body)
        self.log_request(response.status)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (a malformed request line, headers too long) as JSON, like ours."""
        self.close_connection = True
        error = {"error": {"type": "BadRequest", "message": message or "bad request", "status": code}}
        body = json.dumps(error).encode("utf-8")
        with contextlib.suppress(OSError):
            self._write(Response(code, body))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the app writes the access log (JSON), not http.server's own line

    def log_message(self, format: str, *args: Any) -> None:
        pass  # nor its stderr lines: an idle keep-alive connection timing out is not an event to print


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: ServeApp) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-response is not an error of ours


@dataclass
class RunningServer:
    host: str
    port: int
    app: ServeApp
    _server: _Server
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{f'[{self.host}]' if ':' in self.host else self.host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def start(app: ServeApp, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve `app` on host:port (0: a free port) in a daemon thread; OSError when it cannot bind."""
    server = _Server((host, port), app)
    thread = threading.Thread(target=server.serve_forever, name="promptgit-serve", daemon=True)
    thread.start()
    return RunningServer(host, int(server.server_address[1]), app, server, thread)
