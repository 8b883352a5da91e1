"""A real Prometheus server for tests (Debian's `prometheus` package): config text in, base URL out.

    with PrometheusServer(config_text, tmp_path) as prometheus:
        prometheus.wait_for("up == 1")
        series = prometheus.query('sum by (job) (rate(promptgit_loader_renders_total[10s]))')

The server listens on 127.0.0.1 and a free port, keeps its data under the given directory and is stopped
(terminated, then killed) on exit. `config_text` is a complete prometheus.yml; paths in it (rule_files)
should be absolute. Used by tests/metrics and by any test that needs PromQL evaluated on real scrapes.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrometheusError(RuntimeError):
    """The server did not start, or answered a query with an error."""


class PrometheusServer:
    def __init__(self, config_text: str, directory: Path, start_timeout: float = 30.0) -> None:
        self.directory = directory
        self.start_timeout = start_timeout
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.config = directory / "prometheus.yml"
        self.config.write_text(config_text, "utf-8")
        self._log = directory / "prometheus.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrometheusServer:
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={self.config}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    f"--storage.tsdb.path={self.directory / 'data'}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise PrometheusError(f"prometheus exited {self._process.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise PrometheusError(f"prometheus not ready after {self.start_timeout} s: {self.log()}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        self._process = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        return self._log.read_text("utf-8", "replace")[-2000:] if self._log.exists() else ""

    def api(self, path: str, **params: str) -> Any:
        """The `data` of a GET /api/v1/<path>; PrometheusError naming the error otherwise."""
        url = f"{self.base_url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector `expr` evaluates to now: [{metric: {labels}, value: [time, "text"]}]."""
        data = self.api("query", query=expr)
        if data["resultType"] != "vector":
            raise PrometheusError(f"{expr}: a {data['resultType']}, not an instant vector")
        return list(data["result"])

    def wait_for(self, expr: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll until `expr` returns series (scrapes arrive every scrape_interval); their list."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.query(expr)
            if found:
                return found
            if time.monotonic() > deadline:
                raise PrometheusError(f"no series for {expr} after {timeout} s: {self.log()}")
            time.sleep(0.25)
