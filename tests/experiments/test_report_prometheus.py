"""`promptgit experiment report` against a real Prometheus scraping a process that renders a 50/50 split.

The test process serves its metrics on 127.0.0.1; Debian's prometheus server scrapes it every second. Users
are assigned by key, and each records `accepted` with its version's known rate (30% for 1.0.0, 45% for
1.1.0, drawn from a seeded generator): the report must find 1.1.0 better on a large sample, and must not
call a tiny sample of the same rates significant.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from promptgit.loader import Repository
from promptgit.observability.exposition import start_http_server
from tests.prometheus_server import PROMETHEUS, PrometheusServer

ROOT = Path(__file__).resolve().parents[2]
COMMAND = (sys.executable, "-m", "promptgit")
RATES = {"1.0.0": 0.30, "1.1.0": 0.45}
USERS = {"big/hook": 4000, "small/hook": 50}

pytestmark = pytest.mark.skipif(
    not Path(PROMETHEUS).is_file(), reason="needs Debian's prometheus package (.ci/run installs it)"
)


def split_library(repo):  # type: ignore[no-untyped-def]
    for version in RATES:
        for name in USERS:
            repo.write_prompt(name, version, body=f"{version}: {{{{ topic }}}}\n")
        repo.commit(f"prompts {version}")
        for name in USERS:
            repo.tag_release(name, version)
    entries = "".join(f"  {name}: {{1.0.0: 50, 1.1.0: 50}}\n" for name in USERS)
    repo.write("prompts/labels.yaml", "production:\n" + entries)
    repo.commit("split production 50/50")
    return repo


def total(prometheus: PrometheusServer, expr: str) -> float:
    found = prometheus.query(expr)
    return float(found[0]["value"][1]) if found else -1.0


def wait_for_value(prometheus: PrometheusServer, expr: str, expected: float, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (value := total(prometheus, expr)) != expected:
        up = prometheus.query("up")
        assert time.monotonic() < deadline, f"{expr} is {value}, never {expected}: {up} {prometheus.log()}"
        time.sleep(0.25)


def options(url: str, output: str) -> list[str]:
    return ["--prometheus", url, "--window", "5m", "--format", output]


def report(library: Path, selector: str, url: str, output: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "-C", str(library), "experiment", "report", selector, *options(url, output)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_the_report_finds_the_better_variant_and_not_in_a_tiny_sample(prompt_repo, tmp_path: Path) -> None:
    library = split_library(prompt_repo)
    registry = CollectorRegistry()
    repository = Repository(library.root, registry=registry, cache_ttl=600)
    exporter = start_http_server(0, registry=registry)
    config = (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: app\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter.port}']\n"
    )
    (tmp_path / "prometheus").mkdir()
    try:
        with PrometheusServer(config, tmp_path / "prometheus") as prometheus:
            # every series exists before the counted traffic: increase() counts from a series' first scrape
            for name in USERS:
                for version in RATES:
                    repository.get(f"{name}@{version}").render(topic="warm-up")
                    repository.record_outcome((name, version), "accepted")
            prometheus.wait_for('promptgit_outcome_recorded_total{prompt="small/hook", version="1.1.0"}')
            draws = random.Random(20261202)
            expected = {}
            for name, users in USERS.items():
                accepted = 0
                for user in range(users):
                    prompt = repository.get(f"{name}@production", key=f"user-{user}")
                    prompt.render(topic="bread")
                    if draws.random() < RATES[prompt.version]:
                        repository.record_outcome(prompt, "accepted")
                        accepted += 1
                expected[name] = (users + 2, accepted + 2)  # the warm-up's renders and outcomes too
            for name, (renders, accepted) in expected.items():
                wait_for_value(prometheus, f'sum(promptgit_loader_renders_total{{prompt="{name}"}})', renders)
                wait_for_value(
                    prometheus, f'sum(promptgit_outcome_recorded_total{{prompt="{name}"}})', accepted
                )

            big = report(library.root, "big/hook@production", prometheus.base_url, "json")
            small = report(library.root, "small/hook@production", prometheus.base_url, "text")
            markdown = report(library.root, "big/hook@production", prometheus.base_url, "markdown")
            dashboard_results = run_dashboard_queries(prometheus)
    finally:
        exporter.stop()
        repository.close()

    assert big.returncode == 0, big.stderr
    data = json.loads(big.stdout)
    shares = {t["version"]: t["observed"] for t in data["traffic"]}
    assert 0.45 < shares["1.1.0"] < 0.55 and abs(sum(shares.values()) - 1) < 1e-9
    assert not any(t["mismatch"] for t in data["traffic"])
    (accepted,) = data["outcomes"]
    assert accepted["outcome"] == "accepted" and accepted["kind"] == "rate"
    rates = {variant["version"]: variant["estimate"]["value"] for variant in accepted["variants"]}
    assert abs(rates["1.0.0"] - 0.30) < 0.04 and abs(rates["1.1.0"] - 0.45) < 0.04
    (comparison,) = accepted["comparisons"]
    assert comparison["version"] == "1.1.0" and comparison["verdict"] == "significant"
    assert comparison["difference"]["value"] > 0 and comparison["difference"]["p_value"] < 0.001
    assert comparison["difference"]["low"] > 0  # the interval of the difference excludes 0
    assert "significant: 1.1.0 is higher" in markdown.stdout

    assert small.returncode == 0, small.stderr
    assert "not significant" in small.stdout
    assert "significant: 1.1.0 is higher" not in small.stdout

    # the experiments dashboard's queries run on these scrapes, and its main panels have data
    assert dashboard_results["Traffic share by version"] > 0
    assert dashboard_results["Outcome rate by version"] > 0
    assert dashboard_results["Tokens per render by version"] > 0


def run_dashboard_queries(prometheus: PrometheusServer) -> dict[str, int]:
    """Every query of metrics/dashboards/experiments.json, with Grafana's variables filled in: series count
    by panel title (a query Prometheus refuses fails the test)."""
    dashboard = json.loads((ROOT / "metrics" / "dashboards" / "experiments.json").read_text("utf-8"))
    found: dict[str, int] = {}
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = (
                target["expr"]
                .replace("$__rate_interval", "1m")
                .replace("$__range", "5m")
                .replace("$job", ".*")
                .replace("$prompt", ".*")
            )
            found[panel["title"]] = found.get(panel["title"], 0) + len(prometheus.query(expr))
    return found
