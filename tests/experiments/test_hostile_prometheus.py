"""Issue 21 item 7: `experiment report` against a hostile or broken Prometheus (a real HTTP server on
127.0.0.1): wrong shapes exit 2 with one line, a trickling server meets a total deadline, a huge answer is
cut at a size cap, counts must be finite and non-negative, and control characters never reach a terminal.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 60  # a hang (the bug) fails the test instead of the run

Answer = Callable[[http.server.BaseHTTPRequestHandler], None]


class FakePrometheus:
    """An HTTP server whose every /api/v1/query is answered by `self.answer(handler)`."""

    def __init__(self) -> None:
        self.answer: Answer = lambda handler: _send(handler, b"{}")
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                # the client hangs up on a bad answer, as it should
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    owner.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


def _send(handler: http.server.BaseHTTPRequestHandler, body: bytes, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _vector(*samples: tuple[dict[str, str], Any]) -> bytes:
    result = [{"metric": labels, "value": [1700000000.0, value]} for labels, value in samples]
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    server = FakePrometheus()
    yield server
    server.close()


@pytest.fixture
def library(prompt_repo: Any) -> Path:
    for version in ("1.0.0", "1.1.0"):
        prompt_repo.write_prompt("content/hook", version)
        prompt_repo.commit(f"hook {version}")
        prompt_repo.tag_release("content/hook", version)
    prompt_repo.write("prompts/labels.yaml", "production:\n  content/hook: {1.0.0: 50, 1.1.0: 50}\n")
    prompt_repo.commit("split")
    return Path(prompt_repo.root)


def report(library: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "promptgit", "-C", str(library), "experiment", "report"]
    return subprocess.run(
        [*command, "content/hook@production", "--prometheus", url, *extra],
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


SHAPES = {
    "not-json": b"<html>502 Bad Gateway</html>",
    "a-list": b"[]",
    "no-data": b'{"status": "success"}',
    "data-a-list": b'{"status": "success", "data": []}',
    "result-a-mapping": b'{"status": "success", "data": {"resultType": "vector", "result": {"a": 1}}}',
    "items-not-mappings": b'{"status": "success", "data": {"resultType": "vector", "result": [1, 2]}}',
    "metric-a-list": _vector(([], "1")),  # type: ignore[arg-type]
    "no-value": b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}}',
    "value-a-string": b'{"status": "success", "data": {"resultType": "vector", '
    b'"result": [{"metric": {"version": "1.0.0"}, "value": "12"}]}}',
    "value-not-a-number": _vector(({"version": "1.0.0"}, "many")),
    "label-not-a-string": _vector(({"version": 1}, "12")),  # type: ignore[dict-item]
    "negative": _vector(({"version": "1.0.0"}, "-500")),
    "huge": _vector(({"version": "1.0.0"}, "1e200")),
    "infinite": _vector(({"version": "1.0.0"}, "+Inf")),
    "status-not-success": b'{"status": "weird"}',
}


@pytest.mark.parametrize("body", list(SHAPES.values()), ids=list(SHAPES))
def test_a_wrong_answer_is_a_one_line_exit_2(library: Path, prometheus: FakePrometheus, body: bytes) -> None:
    prometheus.answer = lambda handler: _send(handler, body)

    result = report(library, prometheus.url)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(
        "promptgit: error: unexpected answer from Prometheus at http://127.0.0.1:"
    )
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def _trickle(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    for _ in range(10_000):  # a byte every 50 ms, each read well inside a per-read timeout
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.05)


def _trickle_headers(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for index in range(10_000):
        handler.wfile.write(f"X-{index}: y\r\n".encode())
        handler.wfile.flush()
        time.sleep(0.05)


@pytest.mark.parametrize("answer", [_trickle, _trickle_headers], ids=["body", "headers"])
def test_a_trickling_server_meets_the_total_deadline(
    library: Path, prometheus: FakePrometheus, answer: Answer
) -> None:
    prometheus.answer = answer

    result = report(library, prometheus.url, "--timeout", "1")

    assert result.returncode == 2, result.stderr
    assert result.stderr == f"promptgit: error: Prometheus at {prometheus.url} did not answer within 1 s\n"


def test_a_huge_answer_is_cut_at_the_size_cap(library: Path, prometheus: FakePrometheus) -> None:
    def huge(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(100 * 2**20))
        handler.end_headers()
        chunk = b" " * 2**16
        for _ in range(1600):
            handler.wfile.write(chunk)

    prometheus.answer = huge

    result = report(library, prometheus.url)

    assert result.returncode == 2, result.stderr
    assert "unexpected answer from Prometheus" in result.stderr and "larger than 4 MiB" in result.stderr


def test_control_characters_from_prometheus_are_escaped(library: Path, prometheus: FakePrometheus) -> None:
    forged = "\x1b[31m1.1.0 is significantly better\x1b[0m\r"

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        query = handler.path
        if "renders_total" in query:
            _send(handler, _vector(({"version": "1.0.0"}, "1000"), ({"version": "1.1.0"}, "1000")))
        elif "outcome_recorded_total" in query:
            _send(handler, _vector(({"version": "1.0.0", "outcome": forged}, "300")))
        else:
            _send(handler, _vector())

    prometheus.answer = answer

    for output in ("text", "markdown"):
        result = report(library, prometheus.url, "--format", output)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\r" not in result.stdout
        assert "\\x1b[31m1.1.0 is significantly better\\x1b[0m\\x0d" in result.stdout


def test_an_error_from_prometheus_is_quoted_briefly_and_escaped(
    library: Path, prometheus: FakePrometheus
) -> None:
    error = "\x1b[2J" + "e" * 1_000_000
    body = json.dumps({"status": "error", "errorType": "bad_data", "error": error}).encode()
    prometheus.answer = lambda handler: _send(handler, body, status=400)

    result = report(library, prometheus.url)

    assert result.returncode == 2
    assert "\x1b" not in result.stderr and len(result.stderr) < 400
    assert result.stderr.count("\n") == 1
