"""A /metrics endpoint for processes that do not already expose one; bounded in threads and time.

prometheus_client's own server starts a thread per connection with no socket timeout: 500 half-open
connections made 500 threads. This one serves prometheus_client's WSGI app (the same output, content
negotiation and compression) from a fixed pool of `max_workers` threads. Each connection gets `timeout`
seconds per read or write and `deadline` seconds in all from the moment it is accepted, queued time
included: a client sending a header byte every few seconds never trips a per-read timeout, so the
accepting thread shuts down any connection past its deadline (checked every POLL_SECONDS, in the loop
it runs anyway: no thread of its own). Connections beyond `max_pending` waiting for a worker are closed
at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry

__all__ = ["MetricsServer", "start_http_server"]

MAX_WORKERS = 4
MAX_PENDING = 32
TIMEOUT = 10.0  # per read or write
DEADLINE = 15.0  # per connection, from accept to close: above Prometheus's default 10 s scrape timeout
POLL_SECONDS = 0.25  # how often the accepting thread looks for connections past their deadline


@dataclass(frozen=True)
class MetricsServer:
    """A running /metrics endpoint; `port` is the real one (useful when started on port 0)."""

    host: str
    port: int
    _server: Any
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def stop(self) -> None:
        self._server.shutdown()  # the accepting loop ends within POLL_SECONDS
        self._server.server_close()
        self._thread.join()


def start_http_server(
    port: int,
    addr: str = "127.0.0.1",
    registry: CollectorRegistry | None = None,
    *,
    max_workers: int = MAX_WORKERS,
    max_pending: int = MAX_PENDING,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
) -> MetricsServer:
    """Serve `registry` (default: the global one) on http://addr:port/metrics in a daemon thread.

    For processes that do not already expose /metrics. Port 0 picks a free port. At most `max_workers`
    scrapes are served at once and `max_pending` wait; a connection idle for `timeout` seconds, or open
    `deadline` seconds after it was accepted, is closed. Raises OSError when the address cannot be bound.
    """
    from promptgit.observability.registry import register_default

    if registry is None:
        register_default()  # a Repository made before prometheus_client was loaded is scraped from the start
    target = REGISTRY if registry is None else registry
    server = _make_server(addr, port, target, max_workers, max_pending, deadline)
    server.RequestHandlerClass.timeout = timeout
    thread = threading.Thread(
        target=server.serve_forever, args=(POLL_SECONDS,), name="promptgit-metrics", daemon=True
    )
    thread.start()
    return MetricsServer(host=addr, port=int(server.server_port), _server=server, _thread=thread)


def _make_server(
    addr: str, port: int, registry: CollectorRegistry, workers: int, pending: int, deadline: float
) -> Any:
    # http.server and wsgiref cost ~36 ms to import: only when a server is started
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    from prometheus_client import make_wsgi_app

    class Handler(WSGIRequestHandler):
        timeout = TIMEOUT  # StreamRequestHandler applies it to the socket

        def log_message(self, format: str, *args: Any) -> None:  # scrapes are not logged
            pass

    class BoundedServer(WSGIServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        daemon_threads = True
        request_queue_size = 128  # the listen backlog; what waits for a worker is bounded by _slots

        def __init__(self) -> None:
            super().__init__((addr, port), Handler)
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="promptgit-scrape")
            self._slots = threading.BoundedSemaphore(workers + pending)
            self._deadlines: dict[Any, float] = {}  # open connection -> monotonic time it must be done by
            self._deadlines_lock = threading.Lock()

        def process_request(self, request: Any, client_address: Any) -> None:
            if not self._slots.acquire(blocking=False):  # too many waiting: refuse rather than queue
                self.shutdown_request(request)
                return
            with self._deadlines_lock:
                self._deadlines[request] = time.monotonic() + deadline
            self._pool.submit(self._serve, request, client_address)

        def _serve(self, request: Any, client_address: Any) -> None:
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                with self._deadlines_lock:
                    self._deadlines.pop(request, None)
                self.shutdown_request(request)
                self._slots.release()

        def service_actions(self) -> None:
            # serve_forever calls this every POLL_SECONDS: a connection past its deadline is shut down,
            # which ends a worker's blocked read or write at once (and a queued one's as soon as it runs)
            now = time.monotonic()
            with self._deadlines_lock:
                late = [request for request, due in self._deadlines.items() if due <= now]
                for request in late:
                    del self._deadlines[request]
            for request in late:
                with contextlib.suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that hung up or timed out is not an error of ours

        def server_close(self) -> None:
            super().server_close()
            with contextlib.suppress(Exception):
                self._pool.shutdown(wait=False, cancel_futures=True)

    server = BoundedServer()
    server.set_app(make_wsgi_app(registry))
    return server
