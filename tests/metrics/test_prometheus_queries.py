"""Every dashboard query and every alert expression, run by a real Prometheus scraping a live process.

The process (tests/metrics/workload.py) loops over every path that makes a promptgit metric: the loader,
complete() on the stub OpenAI-compatible server, a memory and an unreachable Redis response cache, traffic
splits rendered by key with outcomes recorded.
Prometheus (Debian's package) scrapes it every second with the alert and recording rules loaded. Then
each dashboard panel's query (Grafana's variables filled in) must return series with a number, and the
series its legend names labels of; each alert expression must return series once its comparisons are
made to keep every series (`> bool`): no typo, no metric that does not exist, no label never set.
A new dashboard or rule on new metrics needs the workload to make them (Workload.run_round).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PromptRepo
from tests.metrics.workload import release, release_with_splits
from tests.prometheus_server import PROMETHEUS, PrometheusServer

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "metrics" / "alerts.rules.yml"
DASHBOARDS = sorted((ROOT / "metrics" / "dashboards").glob("*.json"))
# Grafana's variables, as Grafana would fill them in for a 1 s scrape interval and a short time range
GRAFANA_VARIABLES = {"$__rate_interval": "10s", "$__range": "1m", "$job": ".*", "$prompt": ".*"}
COMPARISON = re.compile(r"(==|!=|>=|<=|>|<)(?!\s*bool\b)")

pytestmark = pytest.mark.skipif(
    not Path(PROMETHEUS).exists(), reason="needs prometheus (apt-get install prometheus)"
)


def keep_every_series(expr: str) -> str:
    """`expr` with `bool` after each comparison outside label matchers and strings, so that a threshold
    filters nothing: `x > 0.05` -> `x > bool 0.05`."""
    out, depth, quote = [], 0, ""
    index = 0
    while index < len(expr):
        char = expr[index]
        if quote:
            quote = "" if char == quote and expr[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and (found := COMPARISON.match(expr, index)):
            out.append(found.group(1) + " bool")
            index = found.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard and panel title, PromQL with variables filled in, legend format) of every target."""
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text("utf-8"))
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                found.append((f"{path.stem}: {panel['title']}", fill(target["expr"]), target["legendFormat"]))
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":  # label_values(metric, label): the series of the metric
                query = re.sub(r"^label_values\((.*), *(\w+)\)$", r"\1", variable["query"]["query"])
                found.append((f"{path.stem}: variable {variable['name']}", fill(query), ""))
    return found


def alert_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load(RULES.read_text("utf-8"))
    return [
        (rule.get("alert") or rule["record"], rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    ]


def fill(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    base = tmp_path_factory.mktemp("observability")
    live = release_with_splits(PromptRepo(base / "live"))
    doomed = release(PromptRepo(base / "doomed"), "1.1.0")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.metrics.workload", str(live), str(doomed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, f"the workload process exited {process.wait()}"
        port = json.loads(line)["port"]
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [{"job_name": "svc", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
        }
        with PrometheusServer(yaml.safe_dump(config), base) as server:
            # enough scrapes for every rate over 10s to see counters move
            server.wait_for("count_over_time(promptgit_build_info[1m]) >= 6", timeout=45)
            server.wait_for("promptgit:llm_cost_usd_per_hour:rate1h > 0", timeout=15)
            yield server
    finally:
        process.terminate()
        process.wait(10)


def numbers(series: list[dict[str, Any]]) -> list[float]:
    return [float(one["value"][1]) for one in series]


def test_every_dashboard_query_returns_series_with_values_and_the_labels_of_its_legend(prometheus) -> None:
    empty, no_value, unlabelled = [], [], []
    queries = panel_queries()
    assert len(queries) > 60 and {where.split(":")[0] for where, _, _ in queries} == {
        p.stem for p in DASHBOARDS
    }
    for where, expr, legend in queries:
        series = prometheus.query(expr)
        if not series:
            empty.append(f"{where}: {expr}")
            continue
        if not any(math.isfinite(value) for value in numbers(series)):
            no_value.append(f"{where}: {expr} = {numbers(series)}")
        for label in re.findall(r"\{\{(\w+)\}\}", legend):
            if not all(one["metric"].get(label) for one in series):
                unlabelled.append(f"{where}: {label} missing in {[one['metric'] for one in series]}")
    assert empty == []
    assert no_value == []
    assert unlabelled == []


def test_every_alert_and_recording_rule_expression_returns_series(prometheus) -> None:
    rules = alert_expressions()
    assert len(rules) >= 13
    empty = [f"{name}: {expr}" for name, expr in rules if not prometheus.query(keep_every_series(expr))]
    assert empty == []


def test_replicas_on_different_commits_really_fire_the_expression(prometheus) -> None:
    # the workload serves two repositories at HEAD: the replicas alert's own expression (threshold kept)
    (expr,) = [expr for name, expr in alert_expressions() if name == "PromptgitReplicasServeDifferentCommits"]
    (series,) = prometheus.query(expr)
    assert series["metric"] == {"job": "svc", "ref": "HEAD"} and numbers([series]) == [2.0]


def test_the_commit_table_names_each_commit_and_the_version(prometheus) -> None:
    (expr,) = [expr for where, expr, _ in panel_queries() if where == "overview: What each replica serves"]
    rows = prometheus.query(expr)
    assert len(rows) == 2
    assert {row["metric"]["version"] for row in rows} == {"0.1.0"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", row["metric"]["commit"]) for row in rows)


def test_keep_every_series_leaves_label_matchers_alone() -> None:
    assert keep_every_series('sum(rate(x{a!="b",c=~"d>e"}[5m])) > 0.05 and y < 1') == (
        'sum(rate(x{a!="b",c=~"d>e"}[5m])) > bool 0.05 and y < bool 1'
    )
    assert keep_every_series("a >= on () group_left () b") == "a >= bool on () group_left () b"
    assert keep_every_series("a > bool 1") == "a > bool 1"
