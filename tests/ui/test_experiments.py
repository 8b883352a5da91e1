"""The prompt page's experiment report: a split's traffic and outcomes, read from a real Prometheus."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from prometheus_client import CollectorRegistry, start_http_server

from promptgit.loader import Repository
from tests.conftest import PromptRepo
from tests.prometheus_server import PROMETHEUS, PrometheusServer
from tests.ui.conftest import UIProcess

pytestmark = pytest.mark.skipif(
    not Path(PROMETHEUS).is_file(), reason="needs Debian's prometheus package (.ci/run installs it)"
)
USERS = 60


def wait_for_total(prometheus: PrometheusServer, expr: str, expected: float, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        found = prometheus.query(expr)
        if found and float(found[0]["value"][1]) == expected:
            return
        assert time.monotonic() < deadline, f"{expr}: {found}, never {expected}: {prometheus.log()}"
        time.sleep(0.25)


def test_the_report_of_a_split_shows_its_traffic_and_outcomes(
    page: Any, library: PromptRepo, tmp_path: Path
) -> None:
    registry = CollectorRegistry()
    repository = Repository(library.root, registry=registry, cache_ttl=600)
    exporter, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    config = (
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: app\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter.server_port}']\n"
    )
    (tmp_path / "prometheus").mkdir()
    prometheus = PrometheusServer(config, tmp_path / "prometheus")
    ui = UIProcess(library.root, "--prometheus", prometheus.base_url, "--window", "5m")
    try:
        page.goto(ui.url + "prompt/content/hook")  # before Prometheus runs: its error, in the report's place
        expect(page.get_by_label("experiment staging")).to_contain_text(
            f"staging: cannot query Prometheus at {prometheus.base_url}"
        )
        with prometheus:
            # every series exists before the counted traffic: increase() counts from a series' first scrape
            for version in ("1.0.0", "1.1.0"):
                repository.get(f"content/hook@{version}").render(topic="warm-up")
                repository.record_outcome(("content/hook", version), "accepted")
            prometheus.wait_for('promptgit_outcome_recorded_total{prompt="content/hook", version="1.1.0"}')
            for user in range(USERS):
                prompt = repository.get("content/hook@staging", key=f"user-{user}")
                prompt.render(topic="bread")
                if user % 2:
                    repository.record_outcome(prompt, "accepted")
            wait_for_total(
                prometheus, 'sum(promptgit_loader_renders_total{prompt="content/hook"})', USERS + 2
            )
            wait_for_total(
                prometheus, 'sum(promptgit_outcome_recorded_total{prompt="content/hook"})', USERS / 2 + 2
            )
            page.reload()

            report = page.get_by_label("experiment staging")
            expect(report).to_contain_text("content/hook@staging: {1.0.0: 90, 1.1.0: 10} over the last 5m")
            expect(report).to_contain_text("control: 1.0.0")
            expect(report).to_contain_text("accepted")
            assert page.get_by_label("experiment production").count() == 0  # one version, no split
    finally:
        ui.stop()
        exporter.shutdown()
        exporter.server_close()
        thread.join()
        repository.close()
