"""Issue 11, item 7: the /metrics server has a bounded number of threads and closes idle connections."""

from __future__ import annotations

import socket
import threading
import urllib.request

from prometheus_client import CollectorRegistry, Counter

from promptgit.observability.exposition import start_http_server


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


def test_500_half_open_connections_do_not_make_500_threads() -> None:
    registry = CollectorRegistry()
    Counter("probe", "a probe", registry=registry).inc()
    before = threading.active_count()
    server = start_http_server(0, registry=registry, max_workers=4, max_pending=16, timeout=30)
    sockets: list[socket.socket] = []
    try:
        for _ in range(500):
            client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            sockets.append(client)  # connected, sends nothing: a half-open scrape
        # every connection has been accepted (the last ones refused): wait until the server has seen them
        refused = sockets[-1].recv(1)
        assert refused == b""  # over max_workers + max_pending: closed at once, not given a thread
        assert threading.active_count() <= before + 1 + 4  # the serving thread and the pool, nothing more
    finally:
        for client in sockets:
            client.close()
    try:
        assert "probe_total 1.0" in scrape(server.url)  # the workers are free again once clients go
        assert threading.active_count() <= before + 1 + 4
    finally:
        server.stop()


def test_an_idle_connection_is_closed_after_the_timeout() -> None:
    server = start_http_server(0, registry=CollectorRegistry(), timeout=0.5)
    try:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        client.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # headers never finished (slowloris)
        assert client.recv(1024) == b""  # the server hung up; without a timeout this recv would wait
        client.close()
        assert scrape(server.url) is not None
    finally:
        server.stop()


def test_slow_and_queued_connections_are_closed_at_the_deadline() -> None:
    # issue 21 item 11: four clients sending a header byte every few seconds (never idle for the per-read
    # timeout) held every worker for as long as they liked, and a queued connection waited behind them
    registry = CollectorRegistry()
    Counter("probe", "a probe", registry=registry).inc()
    server = start_http_server(0, registry=registry, max_workers=4, max_pending=4, timeout=5, deadline=1)
    stop = threading.Event()

    def trickle(client: socket.socket) -> None:
        try:
            client.sendall(b"GET /metrics HTTP/1.1\r\n")
            while not stop.wait(0.2):
                client.sendall(b"X")
        except OSError:
            return  # the server hung up

    slow = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(4)]
    threads = [threading.Thread(target=trickle, args=(client,)) for client in slow]
    for thread in threads:
        thread.start()
    queued = socket.create_connection(("127.0.0.1", server.port), timeout=30)  # waits for a worker
    try:
        for client in [*slow, queued]:
            assert _closed_by_server(client)
        assert "probe_total 1.0" in scrape(server.url)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for client in [*slow, queued]:
            client.close()
        server.stop()


def _closed_by_server(client: socket.socket) -> bool:
    """Read until the server closes the connection (a reset counts); a socket timeout fails the test."""
    try:
        while client.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True
