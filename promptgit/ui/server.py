"""Serving the UI with the standard library: wsgiref's server, a thread per request, a bounded number of them.

`start(root, port)` builds the reader, the worker, the views and the app and serves them in a daemon thread;
`UIServer.stop()` ends everything it started. The command (commands/ui.py) and the tests use it alike.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from promptgit.ui.app import UIApp
from promptgit.ui.reads import LibraryReader
from promptgit.ui.views import Experiments, Views
from promptgit.ui.worker import Worker

MAX_REQUESTS = 16  # requests served at once; more wait for a slot (a local UI has one user)
TIMEOUT = 30.0  # seconds a connection may stay idle


class _Handler(WSGIRequestHandler):
    timeout = TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one user on their own machine: no access log on the terminal


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._slots = threading.BoundedSemaphore(MAX_REQUESTS)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser that closed the connection is not an error of ours


@dataclass
class UIServer:
    host: str
    port: int
    app: UIApp
    _server: _Server
    _thread: threading.Thread
    _reader: LibraryReader
    _worker: Worker

    @property
    def url(self) -> str:
        return f"http://{f'[{self.host}]' if ':' in self.host else self.host}:{self.port}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._worker.close()
        self._reader.close()


def start(
    root: Path,
    port: int = 0,
    host: str = "127.0.0.1",
    *,
    test_report: Path | None = None,
    experiments: Experiments | None = None,
) -> UIServer:
    """Serve the UI of the repository at `root` on http://host:port/ (port 0: a free one) in a daemon
    thread. `experiments`: where the reports of traffic splits are read (none without it). Raises
    ConfigError when `root` is not a git repository, OSError when the port cannot be bound."""
    reader = LibraryReader(root, test_report)
    worker = Worker(reader.root)
    app = UIApp(Views(reader, worker, experiments))
    try:
        server = _Server((host, port))
    except OSError:
        reader.close()
        raise
    server.set_app(app)
    bound = int(server.server_address[1])
    app.allow(host, bound)
    thread = threading.Thread(target=server.serve_forever, name="promptgit-ui", daemon=True)
    thread.start()
    return UIServer(host, bound, app, server, thread, reader, worker)
