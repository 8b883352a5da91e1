"""A /metrics endpoint for processes that do not already expose one."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry

__all__ = ["MetricsServer", "start_http_server"]


@dataclass(frozen=True)
class MetricsServer:
    """A running /metrics endpoint; `port` is the real one (useful when started on port 0)."""

    host: str
    port: int
    _server: object
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def stop(self) -> None:
        self._server.shutdown()  # type: ignore[attr-defined]
        self._server.server_close()  # type: ignore[attr-defined]
        self._thread.join()


def start_http_server(
    port: int, addr: str = "127.0.0.1", registry: CollectorRegistry | None = None
) -> MetricsServer:
    """Serve `registry` (default: the global one) on http://addr:port/metrics in a daemon thread.

    For processes that do not already expose /metrics. Port 0 picks a free port.
    """
    # the exposition module pulls in http.server (~36 ms): imported only when a server is started
    from prometheus_client.exposition import start_http_server as serve

    from promptgit.loader.metrics import register_default

    if registry is None:
        register_default()  # a Repository made before prometheus_client was loaded is scraped from the start

    server, thread = serve(port, addr=addr, registry=REGISTRY if registry is None else registry)
    return MetricsServer(host=addr, port=int(server.server_port), _server=server, _thread=thread)
